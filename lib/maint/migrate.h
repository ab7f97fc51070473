/* migrate: in-place store upgrades that survive a kill at any moment — record schema versions
 * (every record rewritten in the current layout, chunk by chunk, the manifest raised last) and
 * moving a store to another shard count (new shards built beside the old ones, then one
 * atomic manifest switch). */
#ifndef CG_MIGRATE_H
#define CG_MIGRATE_H

#include <stdint.h>

#include "base/err.h"
#include "codec/record.h"
#include "store/store.h"

#define CG_MIGRATE_CHUNK 100000 /* records per flushed batch by default */

typedef struct cg_migrate_opts {
	int to;       /* target schema version; 0: CG_SCHEMA_VERSION */
	int dry_run;  /* count what would change, change nothing, take no lock */
	long chunk;   /* records read per flushed batch; 0: CG_MIGRATE_CHUNK */
} cg_migrate_opts;

typedef struct cg_migrate_result {
	int from, to;               /* manifest schema versions before and after */
	int nothing_to_do;          /* the manifest was already at the target */
	uint64_t scanned;           /* records read */
	uint64_t rewritten;         /* records rewritten (dry run: that would be) */
	uint64_t by_type[CG_REC_META + 1]; /* rewritten, by enum cg_rec_type */
	uint64_t batches;           /* flushed batches */
} cg_migrate_result;

/* Upgrades the store in DIR to o->to: every record older than that is rewritten in the layout
 * this build writes (fields the old version lacks become 0); records already new are left
 * alone, so a re-run after a kill finishes the job; the manifest's schema_version is raised
 * only after every shard is done. CG_EUSAGE for a version this build cannot write, CG_EDATA
 * for a downgrade (refused) or a damaged record (nothing after it is touched), CG_ELOCKED
 * when another writer holds the store. */
int cg_migrate_schema(const char *dir, const cg_migrate_opts *o, cg_migrate_result *res, cg_err *err);

typedef struct cg_reshard_opts {
	int shards;   /* the new shard count */
	int dry_run;  /* count keys per new shard, change nothing */
} cg_reshard_opts;

typedef struct cg_reshard_result {
	int from, to;                 /* shard counts */
	int nothing_to_do;            /* already at that count */
	int cleaned;                  /* leftovers of an interrupted run removed */
	int old_kept;                 /* old shards not yet removed (another writer came first) */
	uint64_t keys;                /* keys copied */
	uint64_t bytes;               /* key and value bytes copied */
	uint64_t per_shard[CG_MAX_SHARDS]; /* keys in each new shard */
	char new_dir[64];             /* the new shards' parent, relative to DIR */
} cg_reshard_result;

/* The shard (of nshards) a key belongs in, by the store's placement rule: vertex and index
 * entries with their vid, an edge copy with the vertex it is stored under, metadata in shard
 * 0. -1 for a key of no known family. */
int cg_migrate_shard_of_key(const uint8_t *k, size_t klen, int nshards);

/* Moves the store in DIR to o->shards shards: builds them in DIR/reshard.tmp from a scan of
 * every old shard, checks key counts and a checksum of every key and value per new shard,
 * renames them to DIR/shards-N, switches the manifest atomically, then deletes the old shard
 * directories. A kill before the switch leaves the old store; after it, the new one; the
 * leftovers are removed by the next run (DIR/reshard.json says which). */
int cg_migrate_reshard(const char *dir, const cg_reshard_opts *o, cg_reshard_result *res, cg_err *err);

#endif

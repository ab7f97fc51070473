/* store: a cg store directory — manifest, writer lock, and one RocksDB instance per shard.
 *
 *   DIR/               0700
 *     MANIFEST.json    format, schema version, shards, creation time and version (0600)
 *     lock             flock()ed by the one writer; holds its pid for the "locked" message
 *     shard-000/ ...   RocksDB instances (files 0600)
 *
 * Writers change the store through WriteBatches with the WAL off followed by a flush, or by
 * SST ingestion: every change reaches the MANIFEST, so readers (read-only instances or RocksDB
 * secondaries) always
 * see whole batches and a killed writer leaves no WAL to replay. A change is acknowledged
 * once it is flushed. */
#ifndef CG_STORE_H
#define CG_STORE_H

#include <rocksdb/c.h>
#include <stdint.h>

#include "base/err.h"

#define CG_STORE_FORMAT "cg-store"
#define CG_MAX_SHARDS 256

typedef struct cg_store cg_store;

typedef struct cg_manifest {
	char format[32];
	int schema_version;
	int shards;
	int cache_mb;
	long long created;        /* unix seconds */
	char created_by[64];      /* "cg 0.1.0" */
	char store_id[33];        /* random, 32 hex digits, set by cg-init; "" in older stores */
	char *shard_dirs[CG_MAX_SHARDS]; /* absolute, or relative to the store directory */
} cg_manifest;

typedef struct cg_init_opts {
	int shards;   /* 1 unless asked */
	int cache_mb; /* default block cache for later opens */
	const char *shard_dirs[CG_MAX_SHARDS]; /* NULL: DIR/shard-NNN */
} cg_init_opts;

/* CG_OPEN_WRITE_LATER takes the writer's lock at the open but reads through read-only
 * instances until cg_store_writable: a change that turns out to write nothing (a re-ingest of
 * unchanged files) never pays for a writer's open (a new MANIFEST, OPTIONS file and WAL, and
 * their fsyncs). */
enum cg_open_mode { CG_OPEN_READ = 0, CG_OPEN_WRITE = 1, CG_OPEN_WRITE_LATER = 2 };

typedef struct cg_open_opts {
	int mode;     /* enum cg_open_mode */
	int cache_mb; /* 0: $CG_CACHE_MB, then the manifest's value */
} cg_open_opts;

/* Creates an empty store. CG_EEXISTS when DIR is already a store or is a non-empty
 * directory; CG_ENOINPUT when its parent is missing; CG_EIO otherwise. */
int cg_store_init(const char *dir, const cg_init_opts *opts, cg_err *err);

/* Opens a store. Writers take the lock (CG_ELOCKED "store is locked by pid N" when a live
 * writer holds it; a reader's brief shared hold is waited out for up to half a second). Readers never wait: when no writer holds the lock they
 * open every shard read-only, holding the lock shared during the open only; when a writer
 * holds it, as RocksDB secondaries that follow it (their scratch directory under $TMPDIR is
 * gone again when the open returns). */
int cg_store_open(const char *dir, const cg_open_opts *opts, cg_store **out, cg_err *err);
void cg_store_close(cg_store *s);
/* A CG_OPEN_WRITE_LATER store's shards open as the writer (a no-op once they are, and for
 * CG_OPEN_WRITE). Every iterator and pinned value of the read-only instances is released
 * first, and cg_store_db() taken anew afterwards. CG_EINTERNAL for a reader. */
int cg_store_writable(cg_store *s, cg_err *err);

const cg_manifest *cg_store_manifest(const cg_store *s);
const char *cg_store_dir(const cg_store *s);
int cg_store_nshards(const cg_store *s);
int cg_store_shard_of(const cg_store *s, uint64_t vid);
/* NULL when the shard could not be opened (readers carry on without it). */
rocksdb_t *cg_store_db(const cg_store *s, int shard);
/* A read-only instance's handle of the shard's default column family (for batched MultiGet);
 * NULL once the shards are open as the writer. */
rocksdb_column_family_handle_t *cg_store_family(const cg_store *s, int shard);
const char *cg_store_shard_error(const cg_store *s, int shard);
const char *cg_store_shard_path(const cg_store *s, int shard);
rocksdb_options_t *cg_store_options(const cg_store *s);

/* Writer, after cg_store_writable: applies one batch per shard (NULL entries skipped) with the WAL off, then flushes
 * each touched shard so the change is durable and visible to readers. */
int cg_store_commit(cg_store *s, rocksdb_writebatch_t **batches, cg_err *err);
/* Writer, after cg_store_writable: moves finished SST files, per_shard of them for each shard (files[k * per_shard + j],
 * NULL: none; a shard's files hold disjoint key ranges), into the store as one change. Across shards this is made atomic by an intent file (DIR/INTENT.PID.json)
 * that lists the files: written before any of them is ingested, removed after the last. A
 * writer that opens a store with an intent left by a killed writer first ingests the files
 * still waiting (ingesting an SST again is idempotent), so every shard ends up new. */
int cg_store_ingest_files(cg_store *s, char *const *files, int per_shard, cg_err *err);
/* Reader: catches up with the writer (between queries, never inside one). A read-only
 * reader opens the store again: the caller first drops every iterator and pinned value of
 * the old instances, and takes cg_store_db() anew afterwards. */
int cg_store_refresh(cg_store *s, cg_err *err);

/* Point read of a value in one shard; *found says whether it exists. The value, if found,
 * must be released with rocksdb_pinnableslice_destroy. */
int cg_store_get(const cg_store *s, int shard, const void *key, size_t klen,
		 rocksdb_pinnableslice_t **val, cg_err *err);

/* Rewrites the manifest atomically (temporary file, fsync, rename). */
int cg_store_write_manifest(const char *dir, const cg_manifest *m, cg_err *err);
int cg_store_read_manifest(const char *dir, cg_manifest *m, cg_err *err);
void cg_manifest_free(cg_manifest *m);

#endif

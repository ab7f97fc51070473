/* verify: checks a whole store — RocksDB block checksums, every record, edge twins, index <->
 * vertex consistency, edge endpoints, manifest <-> shard directories, per-unit metadata — and
 * reports each problem as a finding through a callback. Works on a reader (secondary) open. */
#ifndef CG_VERIFY_H
#define CG_VERIFY_H

#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

/* Every kind of problem cg-verify can report; names are in cg_finding_name(). */
enum cg_finding_kind {
	CG_F_SHARD_MISSING,       /* a manifest shard directory does not exist */
	CG_F_SHARD_UNREADABLE,    /* a shard could not be opened */
	CG_F_SHARD_UNLISTED,      /* a shard-NNN directory the manifest does not name */
	CG_F_SST_CORRUPT,         /* RocksDB reported corruption (block checksum, ...) while reading */
	CG_F_READ_ERROR,          /* any other RocksDB read error */
	CG_F_KEY_UNKNOWN_FAMILY,  /* first byte is none of v e i m */
	CG_F_KEY_MALFORMED,       /* right family, wrong shape */
	CG_F_RECORD_DAMAGED,      /* header, length, checksum or body check failed */
	CG_F_RECORD_WRONG_TYPE,   /* a vertex key holding an edge record, ... */
	CG_F_RECORD_SCHEMA,       /* record version newer than the manifest's schema version */
	CG_F_WRONG_SHARD,         /* vertex or edge stored outside the shard its id maps to */
	CG_F_EDGE_TWIN_MISSING,   /* forward edge without its reverse copy, or the other way */
	CG_F_EDGE_TWIN_MISMATCH,  /* the two copies hold different values */
	CG_F_EDGE_ENDPOINT_MISSING, /* src or dst vertex absent (stubs count as present) */
	CG_F_INDEX_DANGLING,      /* index entry whose vertex does not exist */
	CG_F_INDEX_STALE,         /* the vertex exists but would not produce this entry */
	CG_F_VERTEX_INDEX_MISSING, /* a vertex lacks one of its index entries */
	CG_F_VERTEX_UNKNOWN_UNIT, /* a vertex owned by a unit that has no metadata */
	CG_F_META_DAMAGED,        /* metadata that is not the expected JSON */
	CG_F_META_COUNT_MISMATCH, /* unit metadata's vertex count differs from the store */
	CG_F_NKINDS
};

typedef struct cg_finding {
	int kind;           /* enum cg_finding_kind */
	int shard;          /* -1 when the finding is about the whole store */
	const char *key;    /* readable key, or NULL */
	const char *sst;    /* SST file name holding the key, or NULL when unknown */
	const char *detail; /* one line of explanation */
} cg_finding;

/* Called once per finding; returns 0 to go on, -1 to stop (a write error: cg_verify_run then
 * returns CG_EIO). */
typedef int (*cg_verify_report_fn)(void *ctx, const cg_finding *f);

typedef struct cg_verify_opts {
	unsigned sample; /* cross-check 1 in `sample` vertices/edges/index entries; 0 or 1: all */
} cg_verify_opts;

typedef struct cg_verify_stats {
	uint64_t keys;
	uint64_t family[4];   /* v e i m, in that order */
	uint64_t problems;
	uint64_t by_kind[CG_F_NKINDS];
	uint64_t sst_bytes, sst_files;
	uint64_t units;
	int shards, shards_read; /* shards in the manifest, shards scanned to the end */
	double seconds;
} cg_verify_stats;

const char *cg_finding_name(int kind);

/* Runs every check over the store s (a reader open is enough); dir is its directory.
 * Returns CG_OK when the check ran (problems are counted in st), CG_EIO when reporting failed
 * or reading could not go on at all, CG_EINTERNAL when memory ran out. */
int cg_verify_run(cg_store *s, const cg_verify_opts *o, cg_verify_report_fn report, void *ctx,
		  cg_verify_stats *st, cg_err *err);

/* Writes st as Prometheus textfile-collector metrics to path, atomically (path.tmp, then a
 * rename), labelled with the store directory: cg_verify_success (1 when the check ran and
 * read every shard) and the time of the last success, kept from the file's earlier version
 * when this check failed. st NULL: the check could not run; only those are written. */
int cg_verify_write_metrics(const char *path, const char *store, const cg_verify_stats *st,
			    unsigned sample, cg_err *err);

#endif

/* compact: manual compaction of a store's shards, whole or over one key range, forced down to
 * the bottommost level (so the data ends up ZSTD-compressed), with an optional time limit. */
#ifndef CG_COMPACT_H
#define CG_COMPACT_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/sstinfo.h"
#include "store/store.h"

typedef struct cg_compact_opts {
	const void *lo, *hi; /* key range [lo, hi]; NULL: open at that end */
	size_t lo_len, hi_len;
	double max_seconds; /* 0: no limit; else manual compaction is cancelled at the deadline */
} cg_compact_opts;

typedef struct cg_compact_shard {
	cg_sst_set before, after;
	uint64_t read_bytes;    /* bytes of the files the compaction replaced */
	uint64_t written_bytes; /* bytes of the files it wrote */
	double seconds;
	int done;      /* 1 when the shard's compaction ran to the end */
} cg_compact_shard;

typedef struct cg_compact_result {
	int nshards;
	cg_compact_shard shard[CG_MAX_SHARDS];
	int timed_out;
} cg_compact_result;

/* Compacts every shard of s (opened as the writer) in turn. On return res holds each shard's
 * files before and after; release it with cg_compact_result_free. */
int cg_compact_run(cg_store *s, const cg_compact_opts *o, cg_compact_result *res, cg_err *err);
void cg_compact_result_free(cg_compact_result *res);

#endif

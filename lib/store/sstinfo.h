/* sstinfo: the live SST files of one RocksDB instance (name, level, size, key range), so
 * maintenance tools can name the file that holds a key and report sizes per level. */
#ifndef CG_SSTINFO_H
#define CG_SSTINFO_H

#include <rocksdb/c.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define CG_SST_MAX_LEVELS 7

typedef struct cg_sst {
	char *name;   /* "000012.sst" (no directory) */
	int level;
	uint64_t size;
	uint64_t entries;
	char *lo, *hi; /* smallest and largest user key */
	size_t lo_len, hi_len;
} cg_sst;

typedef struct cg_sst_set {
	cg_sst *files;
	size_t n;
	uint64_t bytes;
	uint64_t level_files[CG_SST_MAX_LEVELS];
	uint64_t level_bytes[CG_SST_MAX_LEVELS];
} cg_sst_set;

/* Fills set from rocksdb_livefiles(db). CG_EINTERNAL when memory runs out. */
int cg_sst_list(rocksdb_t *db, cg_sst_set *set, cg_err *err);
void cg_sst_free(cg_sst_set *set);

/* The file whose key range holds key: the newest L0 file first, then by level; NULL if none. */
const cg_sst *cg_sst_find(const cg_sst_set *set, const void *key, size_t len);
const cg_sst *cg_sst_by_name(const cg_sst_set *set, const char *name);
/* True when set has a file named name (used to tell new files from old ones). */
int cg_sst_has(const cg_sst_set *set, const char *name);

#endif

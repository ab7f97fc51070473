/* sstinfo: list a RocksDB instance's live SST files and find the file holding a key. */
#include "sstinfo.h"

#include <stdlib.h>
#include <string.h>

static int keycmp(const void *a, size_t alen, const void *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	return c ? c : (alen > blen) - (alen < blen);
}

static char *dup_bytes(const char *p, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, p, n);
		d[n] = '\0';
	}
	return d;
}

static int copy_file(const rocksdb_livefiles_t *lf, int i, cg_sst *f)
{
	const char *name = rocksdb_livefiles_name(lf, i);
	const char *slash = name ? strrchr(name, '/') : NULL;
	const char *lo = rocksdb_livefiles_smallestkey(lf, i, &f->lo_len);
	const char *hi = rocksdb_livefiles_largestkey(lf, i, &f->hi_len);
	f->name = strdup(slash ? slash + 1 : name ? name : "");
	f->lo = dup_bytes(lo, f->lo_len);
	f->hi = dup_bytes(hi, f->hi_len);
	f->level = rocksdb_livefiles_level(lf, i);
	f->size = rocksdb_livefiles_size(lf, i);
	f->entries = rocksdb_livefiles_entries(lf, i);
	return f->name && f->lo && f->hi ? 0 : -1;
}

int cg_sst_list(rocksdb_t *db, cg_sst_set *set, cg_err *err)
{
	memset(set, 0, sizeof *set);
	const rocksdb_livefiles_t *lf = rocksdb_livefiles(db);
	if (!lf)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	int n = rocksdb_livefiles_count(lf), rc = CG_OK;
	set->files = calloc(n > 0 ? (size_t)n : 1, sizeof *set->files);
	for (int i = 0; set->files && i < n; i++, set->n++) {
		cg_sst *f = &set->files[i];
		if (copy_file(lf, i, f) < 0) {
			set->n++;
			rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
			break;
		}
		set->bytes += f->size;
		int lv = f->level >= 0 && f->level < CG_SST_MAX_LEVELS ? f->level : CG_SST_MAX_LEVELS - 1;
		set->level_files[lv]++;
		set->level_bytes[lv] += f->size;
	}
	if (!set->files)
		rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
	rocksdb_livefiles_destroy(lf);
	if (rc)
		cg_sst_free(set);
	return rc;
}

void cg_sst_free(cg_sst_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->files[i].name);
		free(set->files[i].lo);
		free(set->files[i].hi);
	}
	free(set->files);
	memset(set, 0, sizeof *set);
}

/* File names are zero-padded numbers, so among L0 files the greatest name is the newest. */
static int better(const cg_sst *cand, const cg_sst *best)
{
	if (!best || cand->level < best->level)
		return 1;
	return cand->level == best->level && strcmp(cand->name, best->name) > 0;
}

const cg_sst *cg_sst_find(const cg_sst_set *set, const void *key, size_t len)
{
	const cg_sst *best = NULL;
	for (size_t i = 0; i < set->n; i++) {
		const cg_sst *f = &set->files[i];
		if (keycmp(key, len, f->lo, f->lo_len) >= 0 && keycmp(key, len, f->hi, f->hi_len) <= 0 &&
		    better(f, best))
			best = f;
	}
	return best;
}

const cg_sst *cg_sst_by_name(const cg_sst_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->files[i].name, name) == 0)
			return &set->files[i];
	return NULL;
}

int cg_sst_has(const cg_sst_set *set, const char *name)
{
	return cg_sst_by_name(set, name) != NULL;
}

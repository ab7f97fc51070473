/* changeset: collect key operations per shard and apply them as a batch or as SST files. */
#include "changeset.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"

#define DELETED UINT32_MAX
#define SST_THRESHOLD 200000 /* operations; below this a WriteBatch is as fast */

/* Per shard: a log of [klen u32][vlen u32][key][value] entries in arrival order. */
typedef struct shard_log {
	cg_buf log;
	size_t n;
} shard_log;

struct cg_changeset {
	int nshards;
	shard_log *shard;
};

cg_changeset *cg_changeset_new(int nshards)
{
	cg_changeset *c = calloc(1, sizeof *c);
	if (!c || !(c->shard = calloc((size_t)nshards, sizeof *c->shard))) {
		free(c);
		return NULL;
	}
	c->nshards = nshards;
	return c;
}

void cg_changeset_free(cg_changeset *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nshards; i++)
		cg_buf_free(&c->shard[i].log);
	free(c->shard);
	free(c);
}

static int add(cg_changeset *c, int shard, const void *key, size_t klen, const void *val, uint32_t vlen)
{
	shard_log *s = &c->shard[shard];
	size_t vbytes = vlen == DELETED ? 0 : vlen;
	uint32_t head[2] = { (uint32_t)klen, vlen };
	if (cg_buf_reserve(&s->log, sizeof head + klen + vbytes + 1) < 0)
		return -1;
	cg_buf_append(&s->log, head, sizeof head);
	cg_buf_append(&s->log, key, klen);
	if (vbytes)
		cg_buf_append(&s->log, val, vbytes);
	s->n++;
	return 0;
}

int cg_changeset_put(cg_changeset *c, int shard, const void *key, size_t klen, const void *val, size_t vlen)
{
	return vlen >= DELETED ? -1 : add(c, shard, key, klen, val, (uint32_t)vlen);
}

int cg_changeset_delete(cg_changeset *c, int shard, const void *key, size_t klen)
{
	return add(c, shard, key, klen, NULL, DELETED);
}

size_t cg_changeset_count(const cg_changeset *c)
{
	size_t n = 0;
	for (int i = 0; i < c->nshards; i++)
		n += c->shard[i].n;
	return n;
}

typedef struct entry {
	uint64_t prefix; /* the key's first 8 bytes, big-endian: most comparisons end here */
	const uint8_t *key, *val;
	uint32_t klen, vlen;
} entry;

static const uint8_t *read_entry(const uint8_t *p, entry *e)
{
	uint32_t head[2];
	memcpy(head, p, sizeof head);
	e->klen = head[0];
	e->vlen = head[1];
	e->key = p + sizeof head;
	e->val = e->key + e->klen;
	e->prefix = 0;
	for (uint32_t i = 0; i < 8; i++)
		e->prefix = e->prefix << 8 | (i < e->klen ? e->key[i] : 0);
	return e->val + (e->vlen == DELETED ? 0 : e->vlen);
}

static int apply_batches(cg_changeset *c, cg_store *s, cg_err *err)
{
	rocksdb_writebatch_t *batches[CG_MAX_SHARDS] = { 0 };
	for (int i = 0; i < c->nshards; i++) {
		shard_log *sl = &c->shard[i];
		if (!sl->n)
			continue;
		batches[i] = rocksdb_writebatch_create();
		const uint8_t *p = sl->log.data, *end = p + sl->log.len;
		while (p < end) {
			entry e;
			p = read_entry(p, &e);
			if (e.vlen == DELETED)
				rocksdb_writebatch_delete(batches[i], (const char *)e.key, e.klen);
			else
				rocksdb_writebatch_put(batches[i], (const char *)e.key, e.klen,
						       (const char *)e.val, e.vlen);
		}
	}
	int rc = cg_store_commit(s, batches, err);
	for (int i = 0; i < c->nshards; i++)
		if (batches[i])
			rocksdb_writebatch_destroy(batches[i]);
	return rc;
}

/* Sort by key, then by arrival (the address in the log), so the last operation of a key is
 * the last of its run. */
static int entry_cmp(const void *a, const void *b)
{
	const entry *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int r = memcmp(x->key, y->key, n);
	if (r)
		return r;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* LSD radix sort on the 8-byte prefix (stable, so arrival order survives), then a
 * comparison sort inside each run of equal prefixes. Bulk loads sort millions of keys;
 * a plain qsort spent most of its time in memcmp. */
static int radix_sort(entry *es, size_t n)
{
	entry *tmp = malloc(n * sizeof *tmp);
	if (!tmp)
		return -1;
	for (int byte = 0; byte < 8; byte++) {
		size_t count[257] = { 0 };
		int shift = 8 * byte;
		for (size_t i = 0; i < n; i++)
			count[((es[i].prefix >> shift) & 0xff) + 1]++;
		if (count[((es[0].prefix >> shift) & 0xff) + 1] == n)
			continue; /* every key has the same byte here */
		for (int d = 0; d < 256; d++)
			count[d + 1] += count[d];
		for (size_t i = 0; i < n; i++)
			tmp[count[(es[i].prefix >> shift) & 0xff]++] = es[i];
		memcpy(es, tmp, n * sizeof *es);
	}
	free(tmp);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && es[j].prefix == es[i].prefix; j++)
			;
		if (j - i > 1)
			qsort(es + i, j - i, sizeof *es, entry_cmp);
	}
	return 0;
}

static entry *sorted_entries(const shard_log *sl)
{
	entry *es = malloc(sl->n * sizeof *es);
	if (!es)
		return NULL;
	const uint8_t *p = sl->log.data;
	for (size_t i = 0; i < sl->n; i++)
		p = read_entry(p, &es[i]);
	if (radix_sort(es, sl->n) < 0) {
		free(es);
		return NULL;
	}
	return es;
}

static int same_key(const entry *a, const entry *b)
{
	return a->klen == b->klen && memcmp(a->key, b->key, a->klen) == 0;
}

static int write_sst(cg_store *s, const shard_log *sl, const char *path, cg_err *err)
{
	entry *es = sorted_entries(sl);
	if (!es)
		return cg_err_set(err, CG_EINTERNAL, "out of memory sorting %zu keys", sl->n);
	char *e = NULL;
	rocksdb_envoptions_t *env = rocksdb_envoptions_create();
	rocksdb_sstfilewriter_t *w = rocksdb_sstfilewriter_create(env, cg_store_options(s));
	rocksdb_sstfilewriter_open(w, path, &e);
	for (size_t i = 0; i < sl->n && !e; i++) {
		if (i + 1 < sl->n && same_key(&es[i], &es[i + 1]))
			continue; /* a later operation on this key follows */
		if (es[i].vlen == DELETED)
			rocksdb_sstfilewriter_delete(w, (const char *)es[i].key, es[i].klen, &e);
		else
			rocksdb_sstfilewriter_put(w, (const char *)es[i].key, es[i].klen,
						  (const char *)es[i].val, es[i].vlen, &e);
	}
	if (!e)
		rocksdb_sstfilewriter_finish(w, &e);
	rocksdb_sstfilewriter_destroy(w);
	rocksdb_envoptions_destroy(env);
	free(es);
	return e ? cg_err_rocks(err, e, "write %s", path) : CG_OK;
}

static int apply_ssts(cg_changeset *c, cg_store *s, cg_err *err)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/ingest.%ld", cg_store_dir(s), (long)getpid());
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return cg_err_sys(err, CG_EIO, errno, "%s", dir);
	int rc = CG_OK;
	char path[CG_MAX_SHARDS][4200], *files[CG_MAX_SHARDS] = { 0 };
	for (int i = 0; i < c->nshards && !rc; i++) {
		snprintf(path[i], sizeof path[i], "%s/shard-%03d.sst", dir, i);
		if (c->shard[i].n && !(rc = write_sst(s, &c->shard[i], path[i], err)))
			files[i] = path[i];
	}
	if (!rc)
		rc = cg_store_ingest_files(s, files, err);
	for (int i = 0; i < c->nshards; i++)
		if (files[i])
			unlink(path[i]); /* moved away on success; leftovers on failure */
	rmdir(dir);
	return rc;
}

int cg_changeset_apply(cg_changeset *c, cg_store *s, int mode, cg_err *err)
{
	/* batches are atomic per shard only: a change across shards goes through SST files */
	if (mode == CG_APPLY_AUTO)
		mode = cg_changeset_count(c) >= SST_THRESHOLD || c->nshards > 1 ? CG_APPLY_SST : CG_APPLY_BATCH;
	if (!cg_changeset_count(c))
		return CG_OK;
	return mode == CG_APPLY_SST ? apply_ssts(c, s, err) : apply_batches(c, s, err);
}

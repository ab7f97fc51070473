/* read: reused per-shard iterators, cached vertex reads, index/edge scans, JSON of records. */
#include "read.h"

#include <stdio.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/grow.h"
#include "input/graph.h"
#include "base/clock.h"
#include "codec/ident.h"

#define BOUND_MAX 512 /* longest prefix a scan bounds; longer index values are refused */

/* One iterator with its own read options, whose upper bound is moved in place. */
typedef struct scan_iter {
	rocksdb_readoptions_t *ro;
	rocksdb_iterator_t *it;
	uint8_t bound[BOUND_MAX + 1];
} scan_iter;

typedef struct cache_slot {
	uint64_t vid;
	uint8_t *data;
	size_t len;
	cg_vertex v;
	int ref; /* CLOCK bit */
} cache_slot;

#define REFRESH_US 1000

struct cg_reader {
	cg_store *store;
	int nshards;
	rocksdb_readoptions_t *get_ro;
	scan_iter edge[CG_MAX_SHARDS];  /* prefix mode: edge scans (9/10-byte prefixes) */
	scan_iter total[CG_MAX_SHARDS]; /* total order: index, meta and full scans */
	uint64_t sig[CG_MAX_SHARDS];   /* what the shard's files looked like at the last catch-up */
	int64_t checked_us;            /* when the fingerprints were last taken */
	rocksdb_pinnableslice_t *hold;  /* the uncached vertex last returned */
	rocksdb_pinnableslice_t *ehold; /* the edge value last returned by cg_read_edge_get */
	cache_slot *slots; /* grown as used: a short process touches only what it fills */
	size_t cap, slots_cap, used, hand;
	cg_vmap cache_map; /* vid -> slot + 1 */
	cg_vmap units;     /* unit id -> index + 1 into unit_names */
	char **unit_names;
	size_t nunits;
	int units_loaded;
	cg_read_cost cost;
};

/* ---- vmap ---- */

static size_t slot_of(uint64_t k, size_t cap)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k & (cap - 1);
}

static int vmap_grow(cg_vmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	uint64_t *keys = calloc(cap, sizeof *keys), *vals = calloc(cap, sizeof *vals);
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		size_t j = slot_of(m->keys[i], cap);
		while (keys[j])
			j = (j + 1) & (cap - 1);
		keys[j] = m->keys[i];
		vals[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = keys;
	m->vals = vals;
	m->cap = cap;
	return 0;
}

int cg_vmap_put(cg_vmap *m, uint64_t k, uint64_t v)
{
	if ((m->n + 1) * 2 > m->cap && vmap_grow(m) < 0)
		return -1;
	size_t j = slot_of(k, m->cap);
	while (m->keys[j] && m->keys[j] != k)
		j = (j + 1) & (m->cap - 1);
	if (!m->keys[j])
		m->n++;
	m->keys[j] = k;
	m->vals[j] = v;
	return 0;
}

uint64_t *cg_vmap_get(const cg_vmap *m, uint64_t k)
{
	if (!m->cap)
		return NULL;
	for (size_t j = slot_of(k, m->cap); m->keys[j]; j = (j + 1) & (m->cap - 1))
		if (m->keys[j] == k)
			return &m->vals[j];
	return NULL;
}

/* Deletion with backward-shift, so probes never need tombstones. */
static void vmap_del(cg_vmap *m, uint64_t k)
{
	if (!m->cap)
		return;
	size_t mask = m->cap - 1, j = slot_of(k, m->cap);
	while (m->keys[j] && m->keys[j] != k)
		j = (j + 1) & mask;
	if (!m->keys[j])
		return;
	m->keys[j] = 0;
	m->n--;
	for (size_t i = (j + 1) & mask; m->keys[i]; i = (i + 1) & mask) {
		size_t home = slot_of(m->keys[i], m->cap);
		/* move entry i back to j if j lies cyclically in [home, i) */
		if ((i > j && (home <= j || home > i)) || (i < j && home <= j && home > i)) {
			m->keys[j] = m->keys[i];
			m->vals[j] = m->vals[i];
			m->keys[i] = 0;
			j = i;
		}
	}
}

void cg_vmap_clear(cg_vmap *m)
{
	if (m->cap)
		memset(m->keys, 0, m->cap * sizeof *m->keys);
	m->n = 0;
}

void cg_vmap_free(cg_vmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

/* ---- open, close, refresh ---- */

static void mark(uint8_t *bits, int shard)
{
	bits[shard / 8] |= (uint8_t)(1u << (shard % 8));
}

static void drop_iters(cg_reader *r)
{
	for (int i = 0; i < r->nshards; i++) {
		scan_iter *its[2] = { &r->edge[i], &r->total[i] };
		for (int k = 0; k < 2; k++) {
			if (its[k]->it)
				rocksdb_iter_destroy(its[k]->it);
			its[k]->it = NULL;
		}
	}
}

static void drop_cache(cg_reader *r)
{
	for (size_t i = 0; i < r->used; i++)
		free(r->slots[i].data);
	r->used = r->hand = 0;
	cg_vmap_clear(&r->cache_map);
}

/* The values last returned pin blocks of the store's current instances. */
static void release_held(cg_reader *r)
{
	if (r->hold)
		rocksdb_pinnableslice_destroy(r->hold);
	if (r->ehold)
		rocksdb_pinnableslice_destroy(r->ehold);
	r->hold = r->ehold = NULL;
}

static void drop_units(cg_reader *r)
{
	for (size_t i = 0; i < r->nunits; i++)
		free(r->unit_names[i]);
	free(r->unit_names);
	r->unit_names = NULL;
	r->nunits = 0;
	r->units_loaded = 0;
	cg_vmap_clear(&r->units);
}

static uint64_t shard_sig(cg_reader *r, int shard);

/* A fresh reader fills its block cache and vertex cache with memory nothing touched before:
 * one page fault per 4 KiB, a third of a fresh stream's CPU time (docs/design.md, "Reads in
 * short processes"). So the heap is grown ahead (address space only: pages come on first
 * touch) and its free top asked for transparent huge pages, a fault per 2 MiB. Once per
 * process; glibc only. */
static void heap_in_huge_pages(void)
{
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE) && __GLIBC_PREREQ(2, 33)
	static int done;
	enum { AHEAD = 512 << 20, HUGE = 2 << 20, MMAP_AT = 128 << 10 /* glibc's default */ };
	if (done++ || !mallopt(M_TOP_PAD, AHEAD))
		return; /* a sanitizer's allocator refuses mallopt */
	size_t heap = mallinfo2().arena;
	if (mallinfo2().keepcost < AHEAD / 2 && heap < 16 << 20 && mallopt(M_MMAP_THRESHOLD, 32 << 20)) {
		void *volatile past = malloc(heap + 4096); /* more than any free chunk: the heap grows */
		free(past);
		mallopt(M_MMAP_THRESHOLD, MMAP_AT); /* large callocs stay lazy mappings */
	}
	/* the free top of the heap (keepcost: the main arena's) is what later blocks come from */
	uintptr_t end = (uintptr_t)sbrk(0), top = mallinfo2().keepcost;
	uintptr_t start = (end - top + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
	if (top < end && start < end)
		madvise((void *)start, end - start, MADV_HUGEPAGE); /* advice: a refusal costs nothing */
#endif
}

int cg_read_open(cg_store *s, size_t cache_vertices, cg_reader **out, cg_err *err)
{
	cg_reader *r = calloc(1, sizeof *r);
	if (!r)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	heap_in_huge_pages();
	r->store = s;
	r->nshards = cg_store_nshards(s);
	r->get_ro = rocksdb_readoptions_create();
	for (int i = 0; i < r->nshards; i++) {
		r->edge[i].ro = rocksdb_readoptions_create();
		r->total[i].ro = rocksdb_readoptions_create();
		rocksdb_readoptions_set_total_order_seek(r->total[i].ro, 1);
		rocksdb_t *db = cg_store_db(s, i);
		r->sig[i] = db ? shard_sig(r, i) : 0;
	}
	r->cap = cache_vertices;
	*out = r;
	return CG_OK;
}

void cg_read_close(cg_reader *r)
{
	if (!r)
		return;
	drop_iters(r);
	for (int i = 0; i < r->nshards; i++) {
		if (r->edge[i].ro)
			rocksdb_readoptions_destroy(r->edge[i].ro);
		if (r->total[i].ro)
			rocksdb_readoptions_destroy(r->total[i].ro);
	}
	release_held(r);
	rocksdb_readoptions_destroy(r->get_ro);
	drop_cache(r);
	free(r->slots);
	cg_vmap_free(&r->cache_map);
	drop_units(r);
	cg_vmap_free(&r->units);
	free(r);
}

cg_store *cg_read_store(const cg_reader *r) { return r->store; }
cg_read_cost *cg_read_costs(cg_reader *r) { return &r->cost; }

/* A cheap fingerprint of a shard's state: its directory (new SST files) and the manifest
 * CURRENT names (every commit appends to it). Equal fingerprints: nothing to catch up on. */
static uint64_t shard_sig(cg_reader *r, int shard)
{
	const char *dir = cg_store_shard_path(r->store, shard);
	char path[4096], name[256];
	struct stat st;
	if (!dir || snprintf(path, sizeof path, "%s/CURRENT", dir) >= (int)sizeof path)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, name, sizeof name - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	name[n] = '\0';
	name[strcspn(name, "\n")] = '\0';
	uint64_t h = 0;
	if (stat(dir, &st) == 0)
		h = (uint64_t)st.st_mtim.tv_sec * 1000000007u + (uint64_t)st.st_mtim.tv_nsec;
	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path || stat(path, &st) < 0)
		return 0;
	h = h * 31 + (uint64_t)st.st_size;
	h = h * 31 + (uint64_t)st.st_mtim.tv_sec * 1000000007u + (uint64_t)st.st_mtim.tv_nsec;
	return h ? h : 1;
}

int cg_read_refresh(cg_reader *r, cg_err *err)
{
	/* The fingerprint costs a few system calls per shard; a stream of queries looks at most
	 * once per REFRESH_US — far less than any writer needs to commit and say so. */
	int64_t now = cg_clock_us();
	if (now - r->checked_us < REFRESH_US)
		return CG_OK;
	r->checked_us = now;
	int same = 1;
	uint64_t sig[CG_MAX_SHARDS];
	for (int i = 0; i < r->nshards; i++) {
		sig[i] = cg_store_db(r->store, i) ? shard_sig(r, i) : 0;
		same &= sig[i] && sig[i] == r->sig[i];
	}
	if (same)
		return CG_OK; /* catching up costs a millisecond or more; skip it when idle */
	/* Something was committed. Not every change moves the sequence number (an SST ingested
	 * into an empty store keeps sequence 0), so the changed files alone say so: iterators
	 * pin the old state, cached records may be stale, and a read-only store is opened anew. */
	drop_iters(r);
	drop_cache(r);
	drop_units(r);
	release_held(r);
	int rc = cg_store_refresh(r->store, err);
	if (rc)
		return rc;
	/* the fingerprints from before the catch-up: a commit since then is seen next time */
	memcpy(r->sig, sig, sizeof(uint64_t) * (size_t)r->nshards);
	return CG_OK;
}

int cg_read_refresh_now(cg_reader *r, cg_err *err)
{
	r->checked_us = cg_clock_us() - REFRESH_US;
	return cg_read_refresh(r, err);
}

/* ---- scans ---- */

static rocksdb_iterator_t *iter_for(cg_reader *r, scan_iter *si, int shard)
{
	rocksdb_t *db = cg_store_db(r->store, shard);
	if (!db) {
		mark(r->cost.missing, shard);
		return NULL;
	}
	if (!si->it) { /* the bound must be set before the iterator copies the options */
		si->bound[0] = 0xff;
		rocksdb_readoptions_set_iterate_upper_bound(si->ro, (const char *)si->bound, 1);
		si->it = rocksdb_create_iterator(db, si->ro);
	}
	mark(r->cost.touched, shard);
	return si->it;
}

typedef int (*scan_fn)(void *ctx, const uint8_t *k, size_t klen, const uint8_t *v, size_t vlen,
		       cg_err *err);

static int iter_error(rocksdb_iterator_t *it, cg_reader *r, int shard, cg_err *err)
{
	char *e = NULL;
	rocksdb_iter_get_error(it, &e);
	return e ? cg_err_rocks(err, e, "scan %s", cg_store_shard_path(r->store, shard)) : CG_OK;
}

static int scan(cg_reader *r, int shard, int total, const uint8_t *prefix, size_t plen, scan_fn fn,
		void *ctx, cg_err *err)
{
	scan_iter *si = total ? &r->total[shard] : &r->edge[shard];
	if (plen > BOUND_MAX)
		return cg_err_set(err, CG_EUSAGE, "scan prefix of %zu bytes is too long", plen);
	rocksdb_iterator_t *it = iter_for(r, si, shard);
	if (!it)
		return CG_OK;
	size_t blen = cg_key_successor(si->bound, prefix, plen);
	rocksdb_readoptions_set_iterate_upper_bound(si->ro, (const char *)si->bound, blen);
	rocksdb_iter_seek(it, (const char *)prefix, plen);
	r->cost.seeks++;
	r->cost.shard[shard].seeks++;
	int rc = CG_OK;
	for (; !rc && rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
		size_t klen, vlen;
		const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &klen);
		const uint8_t *v = (const uint8_t *)rocksdb_iter_value(it, &vlen);
		r->cost.keys_scanned++;
		r->cost.shard[shard].keys_scanned++;
		if (klen < plen || memcmp(k, prefix, plen) != 0)
			break;
		rc = fn(ctx, k, klen, v, vlen, err);
	}
	int erc = iter_error(it, r, shard, err);
	return rc ? rc : erc;
}

static int damaged(cg_err *err, const uint8_t *k, size_t klen)
{
	cg_buf name = { 0 };
	char reason[sizeof err->msg];
	snprintf(reason, sizeof reason, "%s", err->msg);
	if (cg_key_format(&name, k, klen) < 0 || cg_buf_putc(&name, 0) < 0) {
		cg_buf_free(&name);
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	}
	cg_err_set(err, CG_EDATA, "%s: damaged record: %s", (char *)name.data, reason);
	cg_buf_free(&name);
	return CG_EDATA;
}

/* ---- vertices ---- */

/* A free slot, or NULL when out of memory. */
static cache_slot *cache_take(cg_reader *r)
{
	if (r->used < r->cap)
		return CG_GROW(r->slots, r->slots_cap, r->used + 1, 1024) ? NULL : &r->slots[r->used++];
	for (;;) { /* CLOCK: the first slot not referenced since the hand last passed */
		cache_slot *c = &r->slots[r->hand];
		r->hand = (r->hand + 1) % r->cap;
		if (c->ref) {
			c->ref = 0;
			continue;
		}
		vmap_del(&r->cache_map, c->vid);
		free(c->data);
		c->data = NULL;
		return c;
	}
}

static int cache_put(cg_reader *r, uint64_t vid, const char *val, size_t len, cg_vertex *v)
{
	uint8_t *copy = malloc(len ? len : 1);
	cache_slot *c = copy ? cache_take(r) : NULL;
	if (!c) {
		free(copy);
		return -1;
	}
	memcpy(copy, val, len);
	cg_rec rec;
	cg_rec_open(copy, len, CG_REC_VERTEX, &rec, NULL); /* already checked by the caller */
	c->vid = vid;
	c->data = copy;
	c->len = len;
	c->ref = 1;
	cg_vertex_view(&rec, &c->v);
	if (cg_vmap_put(&r->cache_map, vid, (uint64_t)(c - r->slots) + 1) < 0) {
		free(copy);
		c->data = NULL;
		c->vid = 0;
		return -1;
	}
	*v = c->v;
	return 0;
}

int cg_read_vertex(cg_reader *r, uint64_t vid, cg_vertex *v, int *found, cg_err *err)
{
	*found = 0;
	if (r->hold) {
		rocksdb_pinnableslice_destroy(r->hold);
		r->hold = NULL;
	}
	uint64_t *slot = cg_vmap_get(&r->cache_map, vid);
	if (slot) {
		cache_slot *c = &r->slots[*slot - 1];
		c->ref = 1;
		*v = c->v;
		*found = 1;
		r->cost.cache_hits++;
		return CG_OK;
	}
	if (r->cap)
		r->cost.cache_misses++;
	int shard = cg_store_shard_of(r->store, vid);
	rocksdb_t *db = cg_store_db(r->store, shard);
	if (!db) {
		mark(r->cost.missing, shard);
		return CG_OK;
	}
	mark(r->cost.touched, shard);
	uint8_t key[CG_VERTEX_KEY_LEN];
	cg_key_vertex(key, vid);
	char *e = NULL;
	r->cost.point_lookups++;
	r->cost.shard[shard].point_lookups++;
	rocksdb_pinnableslice_t *ps = rocksdb_get_pinned(db, r->get_ro, (const char *)key, sizeof key, &e);
	if (e)
		return cg_err_rocks(err, e, "read %s", cg_store_shard_path(r->store, shard));
	if (!ps)
		return CG_OK;
	size_t len;
	const char *val = rocksdb_pinnableslice_value(ps, &len);
	cg_rec rec;
	if (cg_rec_open(val, len, CG_REC_VERTEX, &rec, err)) {
		rocksdb_pinnableslice_destroy(ps);
		return damaged(err, key, sizeof key);
	}
	*found = 1;
	if (r->cap) {
		int fail = cache_put(r, vid, val, len, v);
		rocksdb_pinnableslice_destroy(ps);
		return fail ? cg_err_set(err, CG_EINTERNAL, "out of memory") : CG_OK;
	}
	cg_vertex_view(&rec, v); /* in place: the slice stays pinned until the next read */
	r->hold = ps;
	return CG_OK;
}

/* Reads keys[0..n) of a shard (in key order) into vals: one batched MultiGet, which walks
 * the table once for the lot; a writer has no family handle and gets them one by one. */
static void get_batch(cg_reader *r, int shard, const char *const *kp, const size_t *ks, size_t n,
		      rocksdb_pinnableslice_t **vals, char **errs)
{
	rocksdb_t *db = cg_store_db(r->store, shard);
	rocksdb_column_family_handle_t *cf = cg_store_family(r->store, shard);
	if (cf) {
		rocksdb_batched_multi_get_cf(db, r->get_ro, cf, n, kp, ks, vals, errs, 1);
		return;
	}
	for (size_t i = 0; i < n; i++)
		vals[i] = rocksdb_get_pinned(db, r->get_ro, kp[i], ks[i], &errs[i]);
}

/* One MultiGet of keys[0..n) (sorted) in a shard; each found and intact record goes into the
 * cache. */
static int multiget_shard(cg_reader *r, int shard, uint8_t (*keys)[CG_VERTEX_KEY_LEN], size_t n, cg_err *err)
{
	const char **kp = malloc(n * sizeof *kp);
	size_t *ks = malloc(n * sizeof *ks);
	rocksdb_pinnableslice_t **vals = calloc(n, sizeof *vals);
	char **errs = calloc(n, sizeof *errs);
	int rc = kp && ks && vals && errs ? CG_OK : cg_err_set(err, CG_EINTERNAL, "out of memory");
	for (size_t i = 0; !rc && i < n; i++) {
		kp[i] = (const char *)keys[i];
		ks[i] = CG_VERTEX_KEY_LEN;
	}
	if (!rc) {
		get_batch(r, shard, kp, ks, n, vals, errs);
		r->cost.point_lookups += n;
		r->cost.shard[shard].point_lookups += (uint32_t)n;
		r->cost.shard[shard].multigets++;
	}
	for (size_t i = 0; errs && vals && i < n; i++) {
		cg_rec rec;
		cg_vertex v;
		size_t len = 0;
		const char *val = vals[i] ? rocksdb_pinnableslice_value(vals[i], &len) : NULL;
		if (!rc && errs[i]) {
			rc = cg_err_rocks(err, errs[i], "read %s", cg_store_shard_path(r->store, shard));
			errs[i] = NULL; /* freed by cg_err_rocks */
		} else if (!rc && val && cg_rec_open(val, len, CG_REC_VERTEX, &rec, err))
			rc = damaged(err, keys[i], CG_VERTEX_KEY_LEN);
		else if (!rc && val && cache_put(r, cg_be64_get(keys[i] + 1), val, len, &v) < 0)
			rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
		if (vals[i])
			rocksdb_pinnableslice_destroy(vals[i]);
		rocksdb_free(errs[i]);
	}
	free(kp);
	free(ks);
	free(vals);
	free(errs);
	return rc;
}

static int vid_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

int cg_read_prefetch(cg_reader *r, const uint64_t *vids, size_t n, cg_err *err)
{
	if (n > r->cap / 2)
		n = r->cap / 2; /* more would evict what it just loaded */
	if (!n)
		return CG_OK;
	uint8_t (*keys)[CG_VERTEX_KEY_LEN] = malloc(n * sizeof *keys);
	uint64_t *sorted = malloc(n * sizeof *sorted); /* key order: each block is visited once */
	if (!keys || !sorted) {
		free(keys);
		free(sorted);
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	}
	memcpy(sorted, vids, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, vid_cmp);
	int rc = CG_OK;
	for (int shard = 0; shard < r->nshards && !rc; shard++) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (cg_store_shard_of(r->store, sorted[i]) == shard && (!i || sorted[i] != sorted[i - 1]) &&
			    !cg_vmap_get(&r->cache_map, sorted[i]))
				cg_key_vertex(keys[k++], sorted[i]);
		if (k && cg_store_db(r->store, shard)) {
			mark(r->cost.touched, shard);
			rc = multiget_shard(r, shard, keys, k, err);
		}
	}
	free(keys);
	free(sorted);
	return rc;
}

/* ---- edges ---- */

struct edge_scan {
	cg_read_edge_fn fn;
	void *ctx;
	int dir;
	unsigned types;
};

static int decode_edge(const uint8_t *k, size_t klen, const uint8_t *v, size_t vlen,
		       cg_read_edge *e, cg_err *err)
{
	cg_edge_key ek;
	cg_rec rec;
	if (cg_key_edge_decode(k, klen, &ek) < 0) {
		cg_err_set(err, CG_EDATA, "not an edge key");
		return damaged(err, k, klen);
	}
	if (cg_rec_open(v, vlen, CG_REC_EDGE, &rec, err))
		return damaged(err, k, klen);
	e->owner = ek.owner;
	e->type = ek.type;
	e->reverse = ek.reverse;
	e->src = ek.reverse ? ek.other : ek.owner;
	e->dst = ek.reverse ? ek.owner : ek.other;
	cg_edge_view(&rec, &e->val);
	return CG_OK;
}

static int edge_visit(void *ctx, const uint8_t *k, size_t klen, const uint8_t *v, size_t vlen, cg_err *err)
{
	struct edge_scan *es = ctx;
	if (klen == CG_EDGE_KEY_LEN) { /* cheap filter before decoding the value */
		int t = k[9] & ~CG_EDGE_REVERSE, rev = (k[9] & CG_EDGE_REVERSE) != 0;
		if ((es->types && !(es->types & (1u << t))) || !(es->dir & (rev ? 2 : 1)))
			return CG_OK;
	}
	cg_read_edge e;
	int rc = decode_edge(k, klen, v, vlen, &e, err);
	return rc ? rc : es->fn(es->ctx, &e, err);
}

int cg_read_edges(cg_reader *r, uint64_t vid, unsigned types, int dir, cg_read_edge_fn fn,
		  void *ctx, cg_err *err)
{
	struct edge_scan es = { fn, ctx, dir, types };
	int shard = cg_store_shard_of(r->store, vid);
	uint8_t prefix[CG_EDGE_TYPE_PREFIX_LEN];
	int ntypes = 0;
	for (int t = 1; t < CG_EDGE_NTYPES; t++)
		ntypes += (types >> t) & 1;
	if (!types || ntypes * (dir == 3 ? 2 : 1) > 3) { /* one scan over all edges, filtered */
		size_t n = cg_key_edge_prefix(prefix, vid, 0, 0);
		return scan(r, shard, 0, prefix, n, edge_visit, &es, err);
	}
	for (int t = 1; t < CG_EDGE_NTYPES; t++) {
		for (int rev = 0; rev < 2; rev++) {
			if (!(types & (1u << t)) || !(dir & (rev ? 2 : 1)))
				continue;
			size_t n = cg_key_edge_prefix(prefix, vid, t, rev);
			int rc = scan(r, shard, 0, prefix, n, edge_visit, &es, err);
			if (rc)
				return rc;
		}
	}
	return CG_OK;
}

int cg_read_edge_get(cg_reader *r, uint64_t src, int type, uint64_t dst, cg_read_edge *e,
		     int *found, cg_err *err)
{
	*found = 0;
	int shard = cg_store_shard_of(r->store, src);
	rocksdb_t *db = cg_store_db(r->store, shard);
	if (!db) {
		mark(r->cost.missing, shard);
		return CG_OK;
	}
	mark(r->cost.touched, shard);
	uint8_t key[CG_EDGE_KEY_LEN];
	cg_key_edge(key, src, type, dst, 0);
	char *msg = NULL;
	if (r->ehold) {
		rocksdb_pinnableslice_destroy(r->ehold);
		r->ehold = NULL;
	}
	r->cost.point_lookups++;
	r->cost.shard[shard].point_lookups++;
	rocksdb_pinnableslice_t *ps = rocksdb_get_pinned(db, r->get_ro, (const char *)key, sizeof key, &msg);
	if (msg)
		return cg_err_rocks(err, msg, "read %s", cg_store_shard_path(r->store, shard));
	if (!ps)
		return CG_OK;
	size_t len;
	const char *val = rocksdb_pinnableslice_value(ps, &len);
	cg_rec rec;
	if (cg_rec_open(val, len, CG_REC_EDGE, &rec, err)) {
		rocksdb_pinnableslice_destroy(ps);
		return damaged(err, key, sizeof key);
	}
	*e = (cg_read_edge){ .src = src, .dst = dst, .owner = src, .type = type };
	cg_edge_view(&rec, &e->val); /* valid until the next cg_read_edge_get */
	r->ehold = ps;
	*found = 1;
	return CG_OK;
}

/* ---- index ---- */

struct index_scan {
	cg_read_index_fn fn;
	void *ctx;
};

static int index_visit(void *ctx, const uint8_t *k, size_t klen, const uint8_t *v, size_t vlen, cg_err *err)
{
	struct index_scan *is = ctx;
	uint64_t vid;
	cg_rec rec;
	if (cg_key_index_vid(k, klen, &vid) < 0) {
		cg_err_set(err, CG_EDATA, "malformed index key");
		return damaged(err, k, klen);
	}
	if (cg_rec_open(v, vlen, CG_REC_INDEX, &rec, err))
		return damaged(err, k, klen);
	return is->fn(is->ctx, vid, (const char *)k + 2, klen - 11, err);
}

int cg_read_index(cg_reader *r, int itype, const char *value, int exact, cg_read_index_fn fn,
		  void *ctx, cg_err *err)
{
	cg_buf prefix = { 0 };
	struct index_scan is = { fn, ctx };
	if (cg_key_index_prefix(&prefix, itype, value, strlen(value), exact) < 0)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	int rc = CG_OK;
	for (int i = 0; i < r->nshards && !rc; i++)
		rc = scan(r, i, 1, prefix.data, prefix.len, index_visit, &is, err);
	cg_buf_free(&prefix);
	return rc;
}

/* ---- everything, merged in key order ---- */

/* Its own iterators: fn may run other scans (unit names) on the reused ones meanwhile. */
int cg_read_all(cg_reader *r, uint8_t family, cg_read_key_fn fn, void *ctx, cg_err *err)
{
	rocksdb_iterator_t *its[CG_MAX_SHARDS] = { 0 };
	uint8_t first = family, bound = family ? (uint8_t)(family + 1) : 0xff;
	rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
	rocksdb_readoptions_set_total_order_seek(ro, 1);
	rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)&bound, 1);
	rocksdb_readoptions_set_fill_cache(ro, 0); /* a full scan should not evict the hot set */
	for (int i = 0; i < r->nshards; i++) {
		rocksdb_t *db = cg_store_db(r->store, i);
		if (!db) {
			mark(r->cost.missing, i);
			continue;
		}
		mark(r->cost.touched, i);
		its[i] = rocksdb_create_iterator(db, ro);
		rocksdb_iter_seek(its[i], (const char *)&first, 1);
		r->cost.seeks++;
		r->cost.shard[i].seeks++;
	}
	int rc = CG_OK;
	while (!rc) {
		int best = -1;
		size_t bl = 0, kl;
		const char *bk = NULL;
		for (int i = 0; i < r->nshards; i++) {
			if (!its[i] || !rocksdb_iter_valid(its[i]))
				continue;
			const char *k = rocksdb_iter_key(its[i], &kl);
			size_t m = kl < bl ? kl : bl;
			int c = best < 0 ? -1 : memcmp(k, bk, m);
			if (best < 0 || c < 0 || (c == 0 && kl < bl)) {
				best = i;
				bk = k;
				bl = kl;
			}
		}
		if (best < 0)
			break;
		size_t vl;
		const char *v = rocksdb_iter_value(its[best], &vl);
		r->cost.keys_scanned++;
		r->cost.shard[best].keys_scanned++;
		rc = fn(ctx, best, (const uint8_t *)bk, bl, (const uint8_t *)v, vl, err);
		rocksdb_iter_next(its[best]);
	}
	for (int i = 0; i < r->nshards; i++) {
		if (its[i] && !rc)
			rc = iter_error(its[i], r, i, err);
		if (its[i])
			rocksdb_iter_destroy(its[i]);
	}
	rocksdb_readoptions_destroy(ro);
	return rc;
}

/* ---- unit names ---- */

static int unit_visit(void *ctx, const uint8_t *k, size_t klen, const uint8_t *v, size_t vlen, cg_err *err)
{
	(void)v, (void)vlen, (void)err;
	cg_reader *r = ctx;
	char *name = strndup((const char *)k + 2, klen - 2);
	char **names = realloc(r->unit_names, (r->nunits + 1) * sizeof *names);
	if (!name || !names) {
		free(name);
		if (names)
			r->unit_names = names;
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	}
	r->unit_names = names;
	names[r->nunits++] = name;
	if (cg_vmap_put(&r->units, cg_unit_id(name), r->nunits) < 0)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	return CG_OK;
}

int cg_read_unit_name(cg_reader *r, uint64_t unit_id, const char **name, cg_err *err)
{
	*name = NULL;
	if (!r->units_loaded) {
		uint8_t prefix[2] = { CG_FAM_META, CG_META_CRATE };
		int rc = scan(r, 0, 1, prefix, 2, unit_visit, r, err);
		if (rc)
			return rc;
		r->units_loaded = 1;
	}
	uint64_t *i = cg_vmap_get(&r->units, unit_id);
	*name = i ? r->unit_names[*i - 1] : NULL;
	return CG_OK;
}

/* ---- warm ---- */

static int degree_visit(void *ctx, int shard, const uint8_t *k, size_t klen, const uint8_t *v,
			size_t vlen, cg_err *err)
{
	(void)shard, (void)v, (void)vlen;
	cg_vmap *deg = ctx;
	if (klen != CG_EDGE_KEY_LEN)
		return CG_OK;
	uint64_t owner = cg_be64_get(k + 1);
	uint64_t *d = cg_vmap_get(deg, owner);
	if (d)
		(*d)++;
	else if (cg_vmap_put(deg, owner, 1) < 0)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	return CG_OK;
}

struct vdeg {
	uint64_t vid, deg;
};

static int by_degree(const void *a, const void *b)
{
	const struct vdeg *x = a, *y = b;
	return x->deg != y->deg ? (x->deg < y->deg ? 1 : -1) : (x->vid > y->vid) - (x->vid < y->vid);
}

int cg_read_warm(cg_reader *r, size_t n, size_t *loaded, cg_err *err)
{
	cg_vmap deg = { 0 };
	*loaded = 0;
	int rc = cg_read_all(r, CG_FAM_EDGE, degree_visit, &deg, err);
	struct vdeg *all = rc ? NULL : malloc((deg.n ? deg.n : 1) * sizeof *all);
	if (!rc && !all)
		rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
	size_t m = 0;
	for (size_t i = 0; !rc && i < deg.cap; i++)
		if (deg.keys[i])
			all[m++] = (struct vdeg){ deg.keys[i], deg.vals[i] };
	if (!rc)
		qsort(all, m, sizeof *all, by_degree);
	if (n > r->cap)
		n = r->cap;
	/* load least busy first so the busiest are the most recently referenced */
	for (size_t i = m < n ? m : n; !rc && i-- > 0;) {
		cg_vertex v;
		int found;
		rc = cg_read_vertex(r, all[i].vid, &v, &found, err);
		*loaded += found && !rc;
	}
	free(all);
	cg_vmap_free(&deg);
	return rc;
}

/* ---- JSON ---- */

int cg_read_json_str(cg_buf *b, const char *s)
{
	if (cg_buf_putc(b, '"') < 0)
		return -1;
	const char *run = s;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (cg_buf_append(b, run, (size_t)(s - run)) < 0)
			return -1;
		int r = c == '"' ? cg_buf_append(b, "\\\"", 2)
			: c == '\\' ? cg_buf_append(b, "\\\\", 2)
			: c == '\n' ? cg_buf_append(b, "\\n", 2)
			: c == '\t' ? cg_buf_append(b, "\\t", 2)
			: cg_buf_printf(b, "\\u%04x", c);
		if (r < 0)
			return -1;
		run = s + 1;
	}
	if (cg_buf_append(b, run, (size_t)(s - run)) < 0)
		return -1;
	return cg_buf_putc(b, '"');
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

static int json_aliases(cg_buf *b, const char *a)
{
	if (cg_buf_putc(b, '[') < 0)
		return -1;
	for (int first = 1; a && *a; first = 0) {
		size_t n = strcspn(a, "\n");
		char tmp[4096];
		if (n >= sizeof tmp)
			n = sizeof tmp - 1;
		memcpy(tmp, a, n);
		tmp[n] = '\0';
		if ((!first && cg_buf_putc(b, ',') < 0) || cg_read_json_str(b, tmp) < 0)
			return -1;
		a += strcspn(a, "\n");
		a += *a == '\n';
	}
	return cg_buf_putc(b, ']');
}

/* ,"key": then a JSON string */
static int str_member(cg_buf *b, const char *key, const char *s)
{
	return cg_buf_puts(b, key) < 0 ? -1 : cg_read_json_str(b, nz(s));
}

/* ,"key": then a number */
static int num_member(cg_buf *b, const char *key, uint64_t n)
{
	return cg_buf_puts(b, key) < 0 ? -1 : cg_buf_put_u64(b, n);
}

int cg_read_json_vertex(cg_buf *b, uint64_t vid, const cg_vertex *v)
{
	char hex[17];
	cg_vid_hex(vid, hex);
	if (cg_buf_puts(b, "{\"id\":\"") < 0 || cg_buf_puts(b, hex) < 0 ||
	    cg_buf_puts(b, "\",\"kind\":\"") < 0 || cg_buf_puts(b, cg_kind_name(v->kind)) < 0 ||
	    str_member(b, "\",\"name\":", v->str[CG_VF_NAME]) < 0 ||
	    str_member(b, ",\"path\":", v->str[CG_VF_PATH]) < 0 || cg_buf_puts(b, ",\"aliases\":") < 0 ||
	    json_aliases(b, v->str[CG_VF_ALIASES]) < 0 ||
	    str_member(b, ",\"crate\":", v->str[CG_VF_CRATE]) < 0 ||
	    str_member(b, ",\"version\":", v->str[CG_VF_VERSION]) < 0 ||
	    cg_buf_puts(b, ",\"vis\":\"") < 0 || cg_buf_puts(b, cg_vis_name(v->vis)) < 0 ||
	    str_member(b, "\",\"file\":", v->str[CG_VF_FILE]) < 0 ||
	    num_member(b, ",\"line\":", v->line) < 0 ||
	    (v->end_line && num_member(b, ",\"end_line\":", v->end_line) < 0) ||
	    (v->column && num_member(b, ",\"column\":", v->column) < 0) ||
	    str_member(b, ",\"docs\":", v->str[CG_VF_DOCS]) < 0)
		return -1;
	return cg_buf_puts(b, v->flags & CG_VFLAG_STUB ? ",\"stub\":true}" : ",\"stub\":false}");
}

int cg_read_json_edge(cg_buf *b, cg_reader *r, const cg_read_edge *e, cg_err *err)
{
	char s[17], d[17];
	cg_vid_hex(e->src, s);
	cg_vid_hex(e->dst, d);
	const char *unit = NULL;
	int rc = e->val.owner ? cg_read_unit_name(r, e->val.owner, &unit, err) : CG_OK;
	if (rc)
		return rc;
	char uhex[17];
	cg_vid_hex(e->val.owner, uhex);
	if (cg_buf_puts(b, "{\"src\":\"") < 0 || cg_buf_puts(b, s) < 0 || cg_buf_puts(b, "\",\"label\":\"") < 0 ||
	    cg_buf_puts(b, cg_edge_type_name(e->type)) < 0 || cg_buf_puts(b, "\",\"dst\":\"") < 0 ||
	    cg_buf_puts(b, d) < 0 || str_member(b, "\",\"file\":", e->val.file) < 0 ||
	    num_member(b, ",\"line\":", e->val.line) < 0 || str_member(b, ",\"unit\":", unit ? unit : uhex) < 0 ||
	    cg_buf_putc(b, '}') < 0)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	return CG_OK;
}

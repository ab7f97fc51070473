/* bench-floor: the raw-RocksDB floor — opens a cg store's shard read-only with the bare C API
 * and answers the benchmark queries with the same point gets and prefix scans cg needs on the
 * same keys (lib/keys.h), with nothing in between: no record checks, no decoding, no JSON.
 *
 *   bench-floor [-c CACHE_MB] [-r REPEAT] [-S SCALE] SHARD_DIR QUERIES.tsv
 *
 * Options are cg's (docs/design.md): block-based table, full bloom filter at 10 bits per key,
 * fixed 9-byte prefix extractor, index and filter blocks in the block cache. Scans reuse one
 * iterator whose upper bound is moved in place (the fastest way measured on RocksDB 7.8). */
#include <rocksdb/c.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

typedef struct floor_db {
	rocksdb_t *db;
	rocksdb_readoptions_t *get_ro, *edge_ro, *index_ro;
	rocksdb_iterator_t *edge_it, *index_it;
	uint8_t edge_bound[10], index_bound[512];
	bench_vec list, path;
	size_t bytes; /* bytes of values read, so no read can be optimised away */
} floor_db;

static void die(const char *what, char *e)
{
	fprintf(stderr, "bench-floor: %s: %s\n", what, e ? e : "failed");
	exit(1);
}

static void be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Sets bound to the first key after every key starting with prefix (prefix + 1). */
static size_t next_prefix(const uint8_t *prefix, size_t n, uint8_t *bound)
{
	memcpy(bound, prefix, n);
	while (n && bound[n - 1] == 0xff)
		n--;
	bound[n - 1]++;
	return n;
}

static long get_vertex(floor_db *f, uint64_t vid)
{
	uint8_t k[9] = { 'v' };
	char *e = NULL;
	be64(k + 1, vid);
	rocksdb_pinnableslice_t *ps = rocksdb_get_pinned(f->db, f->get_ro, (const char *)k, sizeof k, &e);
	if (e)
		die("get", e);
	if (!ps)
		return 0;
	size_t len;
	rocksdb_pinnableslice_value(ps, &len);
	f->bytes += len;
	rocksdb_pinnableslice_destroy(ps);
	return 1;
}

static void edge_get(floor_db *f, uint64_t src, int type, uint64_t dst)
{
	uint8_t k[18] = { 'e' };
	char *e = NULL;
	be64(k + 1, src);
	k[9] = (uint8_t)type;
	be64(k + 10, dst);
	rocksdb_pinnableslice_t *ps = rocksdb_get_pinned(f->db, f->get_ro, (const char *)k, sizeof k, &e);
	if (e)
		die("get", e);
	if (ps) {
		size_t len;
		rocksdb_pinnableslice_value(ps, &len);
		f->bytes += len;
		rocksdb_pinnableslice_destroy(ps);
	}
}

static void check_iter(rocksdb_iterator_t *it)
{
	char *e = NULL;
	rocksdb_iter_get_error(it, &e);
	if (e)
		die("scan", e);
}

/* Every edge key e:{v}:{type or ~type}:*, the other end appended to out. */
static int scan_edges(floor_db *f, uint64_t v, int type, int reverse, bench_vec *out)
{
	uint8_t prefix[10] = { 'e' };
	be64(prefix + 1, v);
	prefix[9] = (uint8_t)(type | (reverse ? 0x80 : 0));
	next_prefix(prefix, sizeof prefix, f->edge_bound); /* the iterator reads the bound in place */
	rocksdb_iterator_t *it = f->edge_it;
	for (rocksdb_iter_seek(it, (const char *)prefix, sizeof prefix); rocksdb_iter_valid(it);
	     rocksdb_iter_next(it)) {
		size_t klen, vlen;
		const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &klen);
		rocksdb_iter_value(it, &vlen);
		f->bytes += vlen;
		if (klen == 18)
			bench_vec_push(out, get_be64(k + 10));
	}
	check_iter(it);
	return 0;
}

static int nbr(void *ctx, uint64_t v, int type, int reverse, bench_vec *out)
{
	return scan_edges(ctx, v, type, reverse, out);
}

/* i:name:{name}\0{vid}: every vertex with that name, then each vertex record. */
static long find(floor_db *f, const char *name)
{
	size_t n = strlen(name);
	if (n + 3 > sizeof f->index_bound)
		die("find", "name too long");
	uint8_t prefix[512] = { 'i', 1 };
	memcpy(prefix + 2, name, n);
	prefix[2 + n] = 0;
	size_t plen = n + 3;
	size_t blen = next_prefix(prefix, plen, f->index_bound);
	rocksdb_readoptions_set_iterate_upper_bound(f->index_ro, (const char *)f->index_bound, blen);
	rocksdb_iterator_t *it = f->index_it;
	f->list.n = 0;
	for (rocksdb_iter_seek(it, (const char *)prefix, plen); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
		size_t klen;
		const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &klen);
		if (klen == plen + 8)
			bench_vec_push(&f->list, get_be64(k + plen));
	}
	check_iter(it);
	long found = 0;
	for (size_t i = 0; i < f->list.n; i++)
		found += get_vertex(f, f->list.a[i]);
	return found;
}

static long answer(void *ctx, const bench_query *q)
{
	floor_db *f = ctx;
	long n;
	switch (q->op) {
	case OP_GET:
		return get_vertex(f, q->a);
	case OP_FIND:
		return find(f, q->name);
	case OP_OUT:
	case OP_IN:
		f->list.n = 0;
		scan_edges(f, q->a, q->type, q->op == OP_IN, &f->list);
		for (size_t i = 0; i < f->list.n; i++)
			get_vertex(f, f->list.a[i]);
		return (long)f->list.n;
	case OP_HOP3:
		n = bench_khop(f, nbr, q->a, q->type, 3, &f->list);
		for (size_t i = 0; n > 0 && i < f->list.n; i++)
			get_vertex(f, f->list.a[i]);
		return n;
	case OP_PATH:
		n = bench_path(f, nbr, q->a, q->b, q->type, &f->path);
		for (size_t i = 0; n > 0 && i < f->path.n; i++) {
			get_vertex(f, f->path.a[i]);
			if (i)
				edge_get(f, f->path.a[i - 1], q->type, f->path.a[i]);
		}
		return n;
	}
	return -1;
}

/* cg's table options (lib/store.c), so the floor reads the same files the same way; the
 * table options and cache are the caller's to destroy after the database is closed. */
static rocksdb_options_t *cg_like_options(int cache_mb, int cache_meta,
					  rocksdb_block_based_table_options_t **tp, rocksdb_cache_t **cp)
{
	rocksdb_block_based_table_options_t *t = *tp = rocksdb_block_based_options_create();
	rocksdb_block_based_options_set_block_cache(t, *cp = rocksdb_cache_create_lru((size_t)cache_mb << 20));
	rocksdb_block_based_options_set_filter_policy(t, rocksdb_filterpolicy_create_bloom_full(10));
	rocksdb_block_based_options_set_whole_key_filtering(t, 1);
	rocksdb_block_based_options_set_format_version(t, 5);
	rocksdb_block_based_options_set_cache_index_and_filter_blocks(t, cache_meta);
	rocksdb_block_based_options_set_pin_l0_filter_and_index_blocks_in_cache(t, 1);
	rocksdb_options_t *o = rocksdb_options_create();
	rocksdb_options_set_block_based_table_factory(o, t);
	rocksdb_options_set_prefix_extractor(o, rocksdb_slicetransform_create_fixed_prefix(9));
	rocksdb_options_set_max_open_files(o, -1);
	return o;
}

static int usage(void)
{
	fputs("usage: bench-floor [-c CACHE_MB] [-r REPEAT] [-S SCALE] SHARD_DIR QUERIES.tsv\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	int cache_mb = 64, repeat = 1, cache_meta = 1;
	const char *scale = "?";
	for (int opt; (opt = getopt(argc, argv, "c:r:S:x")) != -1;) {
		switch (opt) {
		case 'x': cache_meta = 0; break;
		case 'c': cache_mb = atoi(optarg); break;
		case 'r': repeat = atoi(optarg); break;
		case 'S': scale = optarg; break;
		default: return usage();
		}
	}
	if (argc - optind != 2 || cache_mb < 1 || repeat < 1)
		return usage();
	size_t n;
	bench_query *q = bench_load_queries(argv[optind + 1], &n);
	floor_db f = { 0 };
	char *e = NULL;
	rocksdb_block_based_table_options_t *t;
	rocksdb_cache_t *cache;
	rocksdb_options_t *o = cg_like_options(cache_mb, cache_meta, &t, &cache);
	f.db = rocksdb_open_for_read_only(o, argv[optind], 0, &e);
	if (e)
		die(argv[optind], e);
	f.get_ro = rocksdb_readoptions_create();
	f.edge_ro = rocksdb_readoptions_create();
	rocksdb_readoptions_set_iterate_upper_bound(f.edge_ro, (const char *)f.edge_bound, sizeof f.edge_bound);
	f.index_ro = rocksdb_readoptions_create();
	rocksdb_readoptions_set_total_order_seek(f.index_ro, 1);
	rocksdb_readoptions_set_iterate_upper_bound(f.index_ro, (const char *)f.index_bound, 1);
	f.edge_it = rocksdb_create_iterator(f.db, f.edge_ro);
	f.index_it = rocksdb_create_iterator(f.db, f.index_ro);
	int rc = bench_run(stdout, "floor", scale, "bfs", q, n, -1, repeat, answer, &f);
	rocksdb_iter_destroy(f.edge_it);
	rocksdb_iter_destroy(f.index_it);
	rocksdb_readoptions_destroy(f.get_ro);
	rocksdb_readoptions_destroy(f.edge_ro);
	rocksdb_readoptions_destroy(f.index_ro);
	rocksdb_close(f.db);
	rocksdb_options_destroy(o);
	rocksdb_block_based_options_destroy(t);
	rocksdb_cache_destroy(cache);
	free(f.list.a);
	free(f.path.a);
	bench_free_queries(q, n);
	fprintf(stderr, "bench-floor: %zu value bytes read, peak RSS %ld kB\n", f.bytes, bench_peak_rss_kb());
	return rc ? 1 : 0;
}

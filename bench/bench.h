/* bench: what the benchmark drivers (cg, SQLite, raw RocksDB) share — the query file, the
 * timing loop, percentiles, the NDJSON result lines, and a vid set for BFS.
 *
 * Query file (written by gen), one query per line, tab-separated:
 *   get  VID            find NAME          out VID TYPE     in VID TYPE
 *   hop3 VID TYPE       path SRC DST TYPE
 * Every driver reads everything an answer shows — each vertex's record, each edge's
 * attributes — and returns a count that all systems must agree on:
 *   get 1 if the vertex exists; find the vertices named NAME; out/in the neighbours over
 *   TYPE; hop3 the distinct vertices 1..3 steps out over TYPE (start excluded); path the
 *   length in steps of a shortest directed TYPE path (0 when there is none). */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum bench_op { OP_GET, OP_FIND, OP_OUT, OP_IN, OP_HOP3, OP_PATH, OP_N };
extern const char *const bench_op_name[OP_N];

typedef struct bench_query {
	int op;
	int type;       /* edge type number as in lib/keys.h (Calls = 2) */
	uint64_t a, b;  /* vertex ids */
	char *name;     /* find */
} bench_query;

/* Reads a query file; exits with a message on failure (bench tools are not library code). */
bench_query *bench_load_queries(const char *path, size_t *n);
void bench_free_queries(bench_query *q, size_t n);

int bench_edge_type(const char *name); /* 0 when unknown */
uint64_t bench_hex(const char *s);     /* 16 hex digits; exits on anything else */
double bench_now(void);                /* monotonic seconds */
long bench_peak_rss_kb(void);

/* Answers one query; returns the count described above, or -1 on error (after printing). */
typedef long (*bench_fn)(void *ctx, const bench_query *q);

/* Runs every query once to warm caches, then REPEAT timed passes; prints one result line per
 * operation: {"system","scale","op","method","n","p50_us","p99_us","mean_us","answers"}.
 * answers is the sum of the counts of one pass (so systems can be checked against each
 * other). ONLY, if non-negative, restricts the run to that operation. Returns 0, or -1 when
 * a query failed. */
int bench_run(FILE *out, const char *system, const char *scale, const char *method,
	      bench_query *q, size_t n, int only, int repeat, bench_fn fn, void *ctx);

/* A map of vids (to a parent vid) with O(1) clear for BFS. */
typedef struct bench_set {
	uint64_t *keys, *vals;
	uint32_t *gen;
	uint32_t cur;
	size_t cap, n;
} bench_set;

void bench_set_init(bench_set *s, size_t cap_pow2);
void bench_set_clear(bench_set *s);
int bench_set_add(bench_set *s, uint64_t v, uint64_t val); /* 1 if newly added */
int bench_set_has(const bench_set *s, uint64_t v);
uint64_t bench_set_val(const bench_set *s, uint64_t v); /* v must be present */
void bench_set_free(bench_set *s);

/* A growable vid list (BFS frontiers). */
typedef struct bench_vec {
	uint64_t *a;
	size_t n, cap;
} bench_vec;

void bench_vec_push(bench_vec *v, uint64_t x);

/* Appends the neighbours of v over edge TYPE (out, or in when reverse is set) to out;
 * returns 0 or -1 on error. The BFS helpers below run over any such function. */
typedef int (*bench_nbr_fn)(void *ctx, uint64_t v, int type, int reverse, bench_vec *out);

/* The distinct vertices 1..depth steps out of start (start excluded), left in reached;
 * returns how many, or -1. */
long bench_khop(void *ctx, bench_nbr_fn nbr, uint64_t start, int type, int depth, bench_vec *reached);
/* A shortest directed path src -> dst (bidirectional BFS: forward over out-edges, backward
 * over in-edges, always growing the smaller frontier), its vertices from src to dst left in
 * path; returns its steps, 0 if there is none, -1 on error. */
long bench_path(void *ctx, bench_nbr_fn nbr, uint64_t src, uint64_t dst, int type, bench_vec *path);

#endif

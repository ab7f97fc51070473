/* bench-cg: cg's side of the query benchmark — links libcg.a and runs each query through
 * lib/query.h exactly as `cg-query` does in stdin-streaming mode (catch-up check, then
 * cg_query_run writing complete NDJSON answer lines), timing each call.
 *
 *   bench-cg [-n] [-o OP,...] [-c CACHE_MB] [-r REPEAT] [-S SCALE] STORE_DIR QUERIES.tsv
 *
 * -n leaves out the catch-up check (cg_query_refresh) that cg-query makes before every
 * streamed query, to show the engine's own cost (method "lib-nocatchup"); -o runs only the
 * named operations.
 *
 * The request objects are built before timing (a client sends them ready-made); the answer
 * lines are counted and their bytes summed, not written anywhere. cg's counts are turned into
 * the common ones: a traverse also answers its start vertex (depth 0), a path answers its
 * vertices (steps + 1). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "query/query.h"
#include "store/store.h"

typedef struct cgq {
	cg_query_engine *q;
	json_t **req; /* one request per query, same order */
	const bench_query *base;
	size_t bytes;
	int no_refresh;
} cgq;

static int emit(void *ctx, const char *line, size_t len)
{
	(void)line;
	((cgq *)ctx)->bytes += len + 1;
	return 0;
}

static const char *type_name(int t)
{
	static const char *const names[] = { "", "Contains", "Calls", "Uses", "Implements", "Depends" };
	return names[t];
}

static json_t *request(const bench_query *q)
{
	char a[17], b[17];
	snprintf(a, sizeof a, "%016llx", (unsigned long long)q->a);
	snprintf(b, sizeof b, "%016llx", (unsigned long long)q->b);
	switch (q->op) {
	case OP_GET:
		return json_pack("{s:s, s:s}", "op", "vertex", "vertex", a);
	case OP_FIND:
		return json_pack("{s:s, s:s}", "op", "find", "name", q->name);
	case OP_OUT:
	case OP_IN:
		return json_pack("{s:s, s:s, s:s, s:[s]}", "op", "neighbors", "vertex", a, "dir",
				 q->op == OP_OUT ? "out" : "in", "types", type_name(q->type));
	case OP_HOP3:
		return json_pack("{s:s, s:s, s:s, s:[s], s:i}", "op", "traverse", "vertex", a, "dir", "out",
				 "types", type_name(q->type), "depth", 3);
	case OP_PATH:
		return json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "op", "path", "from", a, "to", b, "dir",
				 "out", "types", type_name(q->type));
	}
	return NULL;
}

static long answer(void *ctx, const bench_query *q)
{
	cgq *c = ctx;
	cg_err err = { 0 };
	size_t count = 0;
	int rc = c->no_refresh ? CG_OK : cg_query_refresh(c->q, &err);
	if (!rc)
		rc = cg_query_run(c->q, c->req[q - c->base], &count, &err);
	if (rc) {
		fprintf(stderr, "bench-cg: %s query: %s\n", bench_op_name[q->op], err.msg);
		return -1;
	}
	if (q->op == OP_HOP3 || q->op == OP_PATH)
		return count ? (long)count - 1 : 0;
	return (long)count;
}

/* Whether name is one of the comma-separated list. */
static int selected(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; *p; p += strcspn(p, ","), p += *p == ',')
		if (!strncmp(p, name, n) && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

static int usage(void)
{
	fputs("usage: bench-cg [-n] [-o OP,...] [-c CACHE_MB] [-r REPEAT] [-S SCALE] STORE_DIR QUERIES.tsv\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	int cache_mb = 0, repeat = 1, no_refresh = 0;
	const char *scale = "?", *ops = NULL;
	for (int opt; (opt = getopt(argc, argv, "nc:o:r:S:")) != -1;) {
		switch (opt) {
		case 'n': no_refresh = 1; break;
		case 'o': ops = optarg; break;
		case 'c': cache_mb = atoi(optarg); break;
		case 'r': repeat = atoi(optarg); break;
		case 'S': scale = optarg; break;
		default: return usage();
		}
	}
	if (argc - optind != 2 || cache_mb < 0 || repeat < 1)
		return usage();
	size_t n;
	bench_query *q = bench_load_queries(argv[optind + 1], &n);
	cgq c = { .base = q, .req = calloc(n ? n : 1, sizeof *c.req), .no_refresh = no_refresh };
	for (size_t i = 0; c.req && i < n; i++)
		if (!(c.req[i] = request(&q[i])))
			return fprintf(stderr, "bench-cg: out of memory\n"), 1;
	cg_err err = { 0 };
	cg_store *s = NULL;
	cg_open_opts oo = { .mode = CG_OPEN_READ, .cache_mb = cache_mb };
	cg_query_opts qo = { .cache_vertices = 65536, .emit = emit, .emit_ctx = &c }; /* cg-query's default */
	int rc = cg_store_open(argv[optind], &oo, &s, &err);
	if (!rc)
		rc = cg_query_open(s, &qo, &c.q, &err);
	if (rc) {
		fprintf(stderr, "bench-cg: %s\n", err.msg);
		return 1;
	}
	const char *method = no_refresh ? "lib-nocatchup" : "lib";
	for (int op = 0; !rc && op < OP_N; op++)
		if (!ops || selected(ops, bench_op_name[op]))
			rc = bench_run(stdout, "cg", scale, method, q, n, op, repeat, answer, &c);
	cg_query_close(c.q);
	cg_store_close(s);
	for (size_t i = 0; i < n; i++)
		json_decref(c.req[i]);
	free(c.req);
	bench_free_queries(q, n);
	fprintf(stderr, "bench-cg: %zu answer bytes, peak RSS %ld kB\n", c.bytes, bench_peak_rss_kb());
	return rc ? 1 : 0;
}

/* bench: the query file, the timing loop, percentiles, result lines and BFS helpers shared by
 * the benchmark drivers. */
#include "bench.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

const char *const bench_op_name[OP_N] = { "get", "find", "out", "in", "hop3", "path" };

__attribute__((format(printf, 1, 2))) static void die(const char *fmt, ...)
{
	fprintf(stderr, "bench: ");
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("%s", "out of memory");
	return p;
}

int bench_edge_type(const char *name)
{
	static const char *const names[] = { "", "Contains", "Calls", "Uses", "Implements", "Depends" };
	for (int i = 1; i < 6; i++)
		if (!strcmp(name, names[i]))
			return i;
	return 0;
}

uint64_t bench_hex(const char *s)
{
	uint64_t v = 0;
	for (int i = 0; i < 16; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			die("bad vertex id \"%s\"", s);
		v = v << 4 | (uint64_t)d;
	}
	if (s[16])
		die("bad vertex id \"%s\"", s);
	return v;
}

double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

long bench_peak_rss_kb(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

/* ---- query file ---- */

static int parse_query(char *line, bench_query *q)
{
	char *f[5];
	int nf = 0;
	line[strcspn(line, "\n")] = '\0';
	for (char *p = line; nf < 5; p = NULL) {
		char *t = strtok(p, "\t");
		if (!t)
			break;
		f[nf++] = t;
	}
	memset(q, 0, sizeof *q);
	for (q->op = 0; q->op < OP_N && (nf == 0 || strcmp(f[0], bench_op_name[q->op])); q->op++)
		;
	static const int want[OP_N] = { 2, 2, 3, 3, 3, 4 };
	if (q->op == OP_N || nf != want[q->op])
		return -1;
	if (q->op == OP_FIND) {
		q->name = strdup(f[1]);
		return q->name ? 0 : -1;
	}
	q->a = bench_hex(f[1]);
	if (q->op == OP_PATH)
		q->b = bench_hex(f[2]);
	if (q->op == OP_GET)
		return 0;
	q->type = bench_edge_type(f[nf - 1]);
	return q->type ? 0 : -1;
}

bench_query *bench_load_queries(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die("cannot open %s", path);
	size_t cap = 1024;
	bench_query *q = xmalloc(sizeof *q * cap);
	char *line = NULL;
	size_t lcap = 0;
	*n = 0;
	while (getline(&line, &lcap, f) > 0) {
		if (*n == cap && !(q = realloc(q, sizeof *q * (cap *= 2))))
			die("%s", "out of memory");
		if (parse_query(line, &q[*n]) < 0)
			die("bad query line in %s", path);
		(*n)++;
	}
	free(line);
	fclose(f);
	return q;
}

void bench_free_queries(bench_query *q, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(q[i].name);
	free(q);
}

/* ---- timing ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(const double *sorted, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return sorted[i < n ? i : n - 1];
}

static int run_op(FILE *out, const char *system, const char *scale, const char *method,
		  bench_query *q, size_t n, int op, int repeat, bench_fn fn, void *ctx)
{
	size_t m = 0, k = 0;
	for (size_t i = 0; i < n; i++)
		m += q[i].op == op;
	if (!m)
		return 0;
	double *lat = xmalloc(sizeof *lat * m * (size_t)repeat), sum = 0;
	long answers = 0;
	for (size_t i = 0; i < n; i++) /* warm-up pass: caches hot, as in a serving process */
		if (q[i].op == op && fn(ctx, &q[i]) < 0)
			return free(lat), -1;
	for (int r = 0; r < repeat; r++) {
		for (size_t i = 0; i < n; i++) {
			if (q[i].op != op)
				continue;
			double t0 = bench_now();
			long c = fn(ctx, &q[i]);
			double t = (bench_now() - t0) * 1e6;
			if (c < 0)
				return free(lat), -1;
			if (r == 0)
				answers += c;
			lat[k++] = t;
			sum += t;
		}
	}
	qsort(lat, k, sizeof *lat, cmp_double);
	fprintf(out, "{\"system\":\"%s\",\"scale\":\"%s\",\"op\":\"%s\",\"method\":\"%s\",\"n\":%zu,"
		"\"p50_us\":%.2f,\"p99_us\":%.2f,\"mean_us\":%.2f,\"answers\":%ld}\n",
		system, scale, bench_op_name[op], method, k, pct(lat, k, 0.50), pct(lat, k, 0.99),
		sum / (double)k, answers);
	fflush(out);
	free(lat);
	return 0;
}

int bench_run(FILE *out, const char *system, const char *scale, const char *method,
	      bench_query *q, size_t n, int only, int repeat, bench_fn fn, void *ctx)
{
	for (int op = 0; op < OP_N; op++)
		if ((only < 0 || op == only) &&
		    run_op(out, system, scale, method, q, n, op, repeat, fn, ctx) < 0)
			return -1;
	return 0;
}

/* ---- vid sets and lists ---- */

void bench_set_init(bench_set *s, size_t cap)
{
	s->cap = cap;
	s->n = 0;
	s->cur = 1;
	s->keys = xmalloc(sizeof *s->keys * cap);
	s->vals = xmalloc(sizeof *s->vals * cap);
	s->gen = calloc(cap, sizeof *s->gen);
	if (!s->gen)
		die("%s", "out of memory");
}

void bench_set_clear(bench_set *s)
{
	s->n = 0;
	if (++s->cur == 0) { /* generation wrapped: really clear */
		memset(s->gen, 0, sizeof *s->gen * s->cap);
		s->cur = 1;
	}
}

static size_t slot(const bench_set *s, uint64_t v)
{
	size_t i = (size_t)((v * 0x9e3779b97f4a7c15ULL) >> 20) & (s->cap - 1);
	while (s->gen[i] == s->cur && s->keys[i] != v)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static void grow(bench_set *s)
{
	bench_set t;
	bench_set_init(&t, s->cap * 2);
	for (size_t i = 0; i < s->cap; i++)
		if (s->gen[i] == s->cur)
			bench_set_add(&t, s->keys[i], s->vals[i]);
	bench_set_free(s);
	*s = t;
}

int bench_set_add(bench_set *s, uint64_t v, uint64_t val)
{
	if (s->n * 2 >= s->cap)
		grow(s);
	size_t i = slot(s, v);
	if (s->gen[i] == s->cur)
		return 0;
	s->gen[i] = s->cur;
	s->keys[i] = v;
	s->vals[i] = val;
	s->n++;
	return 1;
}

int bench_set_has(const bench_set *s, uint64_t v)
{
	return s->gen[slot(s, v)] == s->cur;
}

uint64_t bench_set_val(const bench_set *s, uint64_t v)
{
	return s->vals[slot(s, v)];
}

void bench_set_free(bench_set *s)
{
	free(s->keys);
	free(s->vals);
	free(s->gen);
	memset(s, 0, sizeof *s);
}

void bench_vec_push(bench_vec *v, uint64_t x)
{
	if (v->n == v->cap && !(v->a = realloc(v->a, sizeof *v->a * (v->cap = v->cap ? v->cap * 2 : 64))))
		die("%s", "out of memory");
	v->a[v->n++] = x;
}

/* ---- BFS over any neighbour function ---- */

static bench_set seen_fwd, seen_bwd;
static bench_vec front_a, front_b, next_v;

static void sets_ready(void)
{
	if (!seen_fwd.cap) {
		bench_set_init(&seen_fwd, 1 << 12);
		bench_set_init(&seen_bwd, 1 << 12);
	}
	bench_set_clear(&seen_fwd);
	bench_set_clear(&seen_bwd);
}

long bench_khop(void *ctx, bench_nbr_fn nbr, uint64_t start, int type, int depth, bench_vec *reached)
{
	reached->n = 0;
	sets_ready();
	bench_set_add(&seen_fwd, start, 0);
	front_a.n = 0;
	bench_vec_push(&front_a, start);
	for (int d = 0; d < depth && front_a.n; d++) {
		next_v.n = 0;
		for (size_t i = 0; i < front_a.n; i++)
			if (nbr(ctx, front_a.a[i], type, 0, &next_v) < 0)
				return -1;
		front_a.n = 0;
		for (size_t i = 0; i < next_v.n; i++)
			if (bench_set_add(&seen_fwd, next_v.a[i], 0)) {
				bench_vec_push(&front_a, next_v.a[i]);
				bench_vec_push(reached, next_v.a[i]);
			}
	}
	return (long)reached->n;
}

/* Grows one side by a level, remembering each new vertex's parent; returns 1 when it meets
 * the other side (the meeting edge in *meet_from -> *meet_to), 0 if not, -1 on error. */
static int grow_side(void *ctx, bench_nbr_fn nbr, int type, int reverse, bench_vec *front,
		     bench_set *mine, const bench_set *theirs, uint64_t *meet_from, uint64_t *meet_to)
{
	size_t n = front->n;
	for (size_t i = 0; i < n; i++) {
		next_v.n = 0;
		if (nbr(ctx, front->a[i], type, reverse, &next_v) < 0)
			return -1;
		for (size_t k = 0; k < next_v.n; k++) {
			uint64_t w = next_v.a[k];
			if (bench_set_has(theirs, w)) {
				*meet_from = front->a[i], *meet_to = w;
				return 1;
			}
			if (bench_set_add(mine, w, front->a[i]))
				bench_vec_push(front, w);
		}
	}
	memmove(front->a, front->a + n, sizeof *front->a * (front->n - n));
	front->n -= n;
	return 0;
}

/* src .. a (forward parents), then b .. dst (backward parents). */
static void build_path(uint64_t src, uint64_t dst, uint64_t a, uint64_t b, bench_vec *path)
{
	path->n = 0;
	for (uint64_t v = a;; v = bench_set_val(&seen_fwd, v)) {
		bench_vec_push(path, v);
		if (v == src)
			break;
	}
	for (size_t i = 0, j = path->n - 1; i < j; i++, j--) {
		uint64_t t = path->a[i];
		path->a[i] = path->a[j], path->a[j] = t;
	}
	for (uint64_t v = b;; v = bench_set_val(&seen_bwd, v)) {
		bench_vec_push(path, v);
		if (v == dst)
			break;
	}
}

long bench_path(void *ctx, bench_nbr_fn nbr, uint64_t src, uint64_t dst, int type, bench_vec *path)
{
	path->n = 0;
	if (src == dst)
		return 0;
	sets_ready();
	bench_set_add(&seen_fwd, src, src);
	bench_set_add(&seen_bwd, dst, dst);
	front_a.n = front_b.n = 0;
	bench_vec_push(&front_a, src);
	bench_vec_push(&front_b, dst);
	while (front_a.n && front_b.n) {
		uint64_t x, y;
		int fwd = front_a.n <= front_b.n;
		int r = fwd ? grow_side(ctx, nbr, type, 0, &front_a, &seen_fwd, &seen_bwd, &x, &y)
			    : grow_side(ctx, nbr, type, 1, &front_b, &seen_bwd, &seen_fwd, &x, &y);
		if (r < 0)
			return -1;
		if (r) {
			if (fwd)
				build_path(src, dst, x, y, path);
			else
				build_path(src, dst, y, x, path);
			return (long)path->n - 1;
		}
	}
	return 0;
}

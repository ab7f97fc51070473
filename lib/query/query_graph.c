/* query_graph: the walking queries — neighbors, breadth-first traverse (and the transitive
 * reverse questions built on it), shortest path, and export of the subgraph a query reaches. */
#include "resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_FOUND 1001 /* internal: the target was reached */

/* ---- neighbors ---- */

struct nb {
	q_run *run;
};

static int nb_edge(void *ctx, const cg_read_edge *e, cg_err *err)
{
	q_run *run = ((struct nb *)ctx)->run;
	uint64_t other = e->reverse ? e->src : e->dst;
	cg_vertex v;
	int found, rc = cg_read_vertex(run->q->r, other, &v, &found, err);
	if (rc || !q_in_ws(run, found ? &v : NULL))
		return rc;
	return q_emit(run, &(q_result){ other, found ? &v : NULL, e, -1, -1, NULL, NULL }, err);
}

static const char *dir_name(int dir)
{
	return dir == 1 ? "out" : dir == 2 ? "in" : "both";
}

static void plan_types(q_run *run, const char *what, unsigned types, int dir)
{
	char list[128] = "";
	for (int t = 1; t < CG_EDGE_NTYPES; t++)
		if (types & (1u << t))
			snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", *list ? "," : "",
				 cg_edge_type_name(t));
	q_plan(run, "%s: seek e:{vid}%s%s (%s), one reused iterator per shard; get each neighbour's v: (cache first)",
	       what, types ? ":" : "", types ? list : " (every type)", dir_name(dir));
}

int q_neighbors(q_run *run, cg_err *err)
{
	const q_query *qq = run->qq;
	struct nb nb = { run };
	json_t *t;
	size_t i;
	plan_types(run, "neighbors", qq->types, qq->dir);
	json_array_foreach(qq->starts, i, t) {
		uint64_t vid;
		int rc = q_resolve_one(run, json_string_value(t), &vid, NULL, err);
		if (!rc)
			rc = cg_read_edges(run->q->r, vid, qq->types, qq->dir, nb_edge, &nb, err);
		if (rc)
			return rc;
	}
	return CG_OK;
}

/* ---- breadth-first search ---- */

typedef struct bfs {
	q_run *run;
	cg_vmap seen;        /* vid -> index + 1 in the arrays below */
	uint64_t *vid;       /* discovery order = queue order */
	int *depth;
	long *parent;        /* index of the vertex it was reached from, -1 for starts */
	uint8_t *etype, *erev; /* the edge it was reached by, and whether walked backwards */
	struct reached_by {    /* that edge's value, kept until the level is answered */
		uint64_t unit;
		uint32_t line, flags;
		size_t file;       /* offset into files */
	} *via;
	cg_buf files;
	size_t n, cap;
	int emit;            /* traverse: answer each vertex as it is found */
	uint64_t target;     /* path: stop here */
	long found;
	long cur;            /* index being expanded */
	struct {             /* callers: starts that are trait methods an asked-for method implements */
		size_t idx;
		char path[256];
	} through[8];
	size_t nthrough;
} bfs;

static void bfs_free(bfs *b)
{
	cg_vmap_free(&b->seen);
	free(b->vid);
	free(b->depth);
	free(b->parent);
	free(b->etype);
	free(b->via);
	cg_buf_free(&b->files);
	free(b->erev);
}

static int bfs_push(bfs *b, uint64_t vid, int depth, long parent, int type, int rev, cg_err *err)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		uint64_t *v = realloc(b->vid, cap * sizeof *v);
		if (v)
			b->vid = v;
		int *d = realloc(b->depth, cap * sizeof *d);
		if (d)
			b->depth = d;
		long *p = realloc(b->parent, cap * sizeof *p);
		if (p)
			b->parent = p;
		uint8_t *t = realloc(b->etype, cap), *r = t ? (b->etype = t, realloc(b->erev, cap)) : NULL;
		if (r)
			b->erev = r;
		struct reached_by *w = realloc(b->via, cap * sizeof *w);
		if (w)
			b->via = w;
		if (!v || !d || !p || !t || !r || !w)
			return cg_err_set(err, CG_EINTERNAL, "out of memory");
		b->cap = cap;
	}
	b->vid[b->n] = vid;
	b->depth[b->n] = depth;
	b->parent[b->n] = parent;
	b->etype[b->n] = (uint8_t)type;
	b->erev[b->n] = (uint8_t)rev;
	b->via[b->n] = (struct reached_by){ 0 };
	b->n++;
	return cg_vmap_put(&b->seen, vid, b->n) < 0 ? cg_err_set(err, CG_EINTERNAL, "out of memory") : CG_OK;
}

static int bfs_edge(void *ctx, const cg_read_edge *e, cg_err *err)
{
	bfs *b = ctx;
	q_run *run = b->run;
	uint64_t other = e->reverse ? e->src : e->dst;
	if (cg_vmap_get(&b->seen, other))
		return CG_OK;
	if (b->n >= (size_t)run->qq->max_visited) {
		run->truncated = Q_TRUNC_VISITED;
		return Q_STOP;
	}
	int depth = b->depth[b->cur] + 1, rc;
	if (run->ws_units) { /* the walk stays inside the workspace's units */
		cg_vertex wv;
		int in;
		if ((rc = cg_read_vertex(run->q->r, other, &wv, &in, err)) || !in || !q_in_ws(run, &wv))
			return rc;
	}
	rc = bfs_push(b, other, depth, b->cur, e->type, e->reverse, err);
	if (rc)
		return rc;
	if (b->target)
		return other == b->target ? (b->found = (long)b->n - 1, PATH_FOUND) : CG_OK;
	if (!b->emit)
		return CG_OK;
	struct reached_by *w = &b->via[b->n - 1];
	*w = (struct reached_by){ e->val.owner, e->val.line, e->val.flags, b->files.len };
	if (cg_buf_append(&b->files, e->val.file ? e->val.file : "", e->val.file ? strlen(e->val.file) + 1 : 1) < 0)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	return CG_OK;
}

/* The edge vertex i was reached by, rebuilt from what bfs_edge kept. */
static cg_read_edge reached_edge(const bfs *b, size_t i)
{
	uint64_t from = b->vid[b->parent[i]], to = b->vid[i];
	const struct reached_by *w = &b->via[i];
	return (cg_read_edge){ .src = b->erev[i] ? to : from, .dst = b->erev[i] ? from : to, .owner = from,
			       .type = b->etype[i], .reverse = b->erev[i],
			       .val = { w->unit, w->line, w->flags, (const char *)b->files.data + w->file } };
}

/* The trait method vertex i was reached through (its walk's start), NULL when none. */
static const char *through_of(const bfs *b, size_t i)
{
	long root = (long)i;
	while (b->parent[root] >= 0)
		root = b->parent[root];
	for (size_t k = 0; k < b->nthrough; k++)
		if (b->through[k].idx == (size_t)root)
			return b->through[k].path;
	return NULL;
}

/* Answers the vertices found in one level, their records fetched with one MultiGet per shard. */
static int emit_level(bfs *b, size_t from, cg_err *err)
{
	q_run *run = b->run;
	int rc = cg_read_prefetch(run->q->r, b->vid + from, b->n - from, err);
	for (size_t i = from; i < b->n && !rc; i++) {
		if (b->depth[i] < run->qq->min_depth)
			continue;
		cg_read_edge e = reached_edge(b, i);
		cg_vertex v;
		int found;
		if (!(rc = cg_read_vertex(run->q->r, b->vid[i], &v, &found, err)))
			rc = q_emit(run, &(q_result){ b->vid[i], found ? &v : NULL, &e, b->depth[i], -1, NULL,
						      through_of(b, i) }, err);
	}
	return rc;
}

/* Expands level by level until the depth limit (negative: none), the visit cap, or a stop;
 * a traversal answers each level once it is complete. */
static int bfs_run(bfs *b, cg_err *err)
{
	const q_query *qq = b->run->qq;
	int rc = CG_OK;
	for (b->cur = 0; !rc && (size_t)b->cur < b->n;) {
		size_t level_end = b->n;
		if (qq->depth >= 0 && b->depth[b->cur] >= qq->depth)
			break;
		for (; !rc && (size_t)b->cur < level_end; b->cur++)
			rc = cg_read_edges(b->run->q->r, b->vid[b->cur], qq->types, qq->dir, bfs_edge, b, err);
		if (b->emit && (rc == CG_OK || rc == Q_STOP)) {
			int erc = emit_level(b, level_end, err);
			rc = erc ? erc : rc;
		}
	}
	return rc;
}

/* A start of the walk, answered at depth 0 unless the query leaves its start out. */
static int seed(bfs *b, uint64_t vid, const char *form, cg_err *err)
{
	q_run *run = b->run;
	if (cg_vmap_get(&b->seen, vid))
		return CG_OK;
	int rc = bfs_push(b, vid, 0, -1, 0, 0, err);
	if (rc || run->qq->min_depth > 0)
		return rc;
	cg_vertex v;
	int found;
	if ((rc = cg_read_vertex(run->q->r, vid, &v, &found, err)) || !found)
		return rc;
	return q_emit(run, &(q_result){ vid, &v, NULL, 0, -1, form, NULL }, err);
}

struct impl_of {
	uint64_t vids[8];
	size_t n;
};

static int impl_visit(void *ctx, const cg_read_edge *e, cg_err *err)
{
	(void)err;
	struct impl_of *t = ctx;
	if (t->n < sizeof t->vids / sizeof *t->vids)
		t->vids[t->n++] = e->dst;
	return CG_OK;
}

/* callers of an impl method: the calls made through the trait method it implements count
 * too (an Implements edge from the method to the trait's), each answer marked "through". */
static int seed_trait_methods(bfs *b, size_t nstarts, cg_err *err)
{
	q_run *run = b->run;
	int rc = CG_OK;
	for (size_t i = 0; i < nstarts && !rc; i++) {
		struct impl_of t = { { 0 }, 0 };
		rc = cg_read_edges(run->q->r, b->vid[i], 1u << CG_EDGE_IMPLEMENTS, 1, impl_visit, &t, err);
		for (size_t k = 0; !rc && k < t.n && b->nthrough < sizeof b->through / sizeof *b->through; k++) {
			cg_vertex v;
			int found;
			if ((rc = cg_read_vertex(run->q->r, t.vids[k], &v, &found, err)) || !found ||
			    v.kind != CG_KIND_METHOD || cg_vmap_get(&b->seen, t.vids[k]))
				continue;
			b->through[b->nthrough].idx = b->n;
			snprintf(b->through[b->nthrough++].path, sizeof b->through[0].path, "%s", v.str[CG_VF_PATH]);
			rc = bfs_push(b, t.vids[k], 0, -1, 0, 0, err);
		}
	}
	if (b->nthrough)
		q_plan(run, "and from the %zu trait method(s) the start implements (Implements out-edges)", b->nthrough);
	return rc;
}

int q_traverse(q_run *run, cg_err *err)
{
	const q_query *qq = run->qq;
	bfs b = { .run = run, .emit = 1 };
	json_t *t;
	size_t i;
	int rc = CG_OK;
	json_array_foreach(qq->starts, i, t) {
		uint64_t vid;
		const char *form;
		if ((rc = q_resolve_one(run, json_string_value(t), &vid, &form, err)) || (rc = seed(&b, vid, form, err)))
			break;
	}
	if (!rc && qq->op == Q_CALLERS)
		rc = seed_trait_methods(&b, b.n, err);
	if (!rc) {
		char depth[32];
		snprintf(depth, sizeof depth, "%ld", qq->depth);
		plan_types(run, "breadth-first, per vertex", qq->types, qq->dir);
		q_plan(run, "depth %s, stop after %ld visited vertices", qq->depth < 0 ? "unbounded" : depth,
		       qq->max_visited);
		q_plan(run, "each level answered once complete: its new vertices fetched with one MultiGet per shard");
		rc = bfs_run(&b, err);
	}
	bfs_free(&b);
	return rc;
}

/* ---- shortest path ---- */

static int path_emit(q_run *run, bfs *b, cg_err *err)
{
	size_t n = 0;
	for (long i = b->found; i >= 0; i = b->parent[i])
		n++;
	long *chain = malloc(n * sizeof *chain);
	if (!chain)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	size_t k = n;
	for (long i = b->found; i >= 0; i = b->parent[i])
		chain[--k] = i;
	int rc = CG_OK;
	for (size_t s = 0; s < n && !rc; s++) {
		long i = chain[s];
		cg_read_edge e;
		int have_edge = 0;
		if (s > 0) { /* the forward edge between the two steps, whichever way it was walked */
			uint64_t prev = b->vid[chain[s - 1]], cur = b->vid[i];
			uint64_t src = b->erev[i] ? cur : prev, dst = b->erev[i] ? prev : cur;
			rc = cg_read_edge_get(run->q->r, src, b->etype[i], dst, &e, &have_edge, err);
		}
		cg_vertex v;
		int found;
		if (!rc)
			rc = cg_read_vertex(run->q->r, b->vid[i], &v, &found, err);
		if (!rc)
			rc = q_emit(run, &(q_result){ b->vid[i], found ? &v : NULL, have_edge ? &e : NULL, -1, (int)s, NULL, NULL }, err);
	}
	free(chain);
	return rc;
}

int q_path(q_run *run, cg_err *err)
{
	const q_query *qq = run->qq;
	uint64_t from, to;
	int rc = q_resolve_one(run, json_string_value(json_array_get(qq->starts, 0)), &from, NULL, err);
	if (!rc)
		rc = q_resolve_one(run, qq->to, &to, NULL, err);
	if (rc)
		return rc;
	bfs b = { .run = run, .target = to, .found = -1 };
	plan_types(run, "breadth-first from the source until the target", qq->types, qq->dir);
	rc = bfs_push(&b, from, 0, -1, 0, 0, err);
	if (!rc && from == to)
		b.found = 0;
	else if (!rc)
		rc = bfs_run(&b, err);
	if (rc == PATH_FOUND || (!rc && b.found >= 0))
		rc = path_emit(run, &b, err);
	bfs_free(&b);
	return rc;
}

/* ---- export ---- */

static int dot_str(cg_buf *b, const char *s)
{
	if (cg_buf_putc(b, '"') < 0)
		return -1;
	for (; *s; s++) {
		int r = *s == '"' || *s == '\\' ? cg_buf_putc(b, '\\') : 0;
		if (r < 0 || cg_buf_putc(b, (uint8_t)(*s == '\n' ? ' ' : *s)) < 0)
			return -1;
	}
	return cg_buf_putc(b, '"');
}

struct xp {
	q_run *run;      /* the export */
	q_run *inner;    /* holds the vertex set */
	cg_buf *out;     /* DOT text, NULL for NDJSON */
	cg_buf line;
};

static int xp_edge(void *ctx, const cg_read_edge *e, cg_err *err)
{
	struct xp *x = ctx;
	if (!cg_vmap_get(x->inner->set, e->dst))
		return CG_OK;
	x->run->count++;
	if (x->run->mode == Q_COUNT)
		return CG_OK;
	if (x->out) {
		char s[17], d[17];
		cg_vid_hex(e->src, s);
		cg_vid_hex(e->dst, d);
		return cg_buf_printf(x->out, "  \"%s\" -> \"%s\" [label=\"%s\"];\n", s, d,
				     cg_edge_type_name(e->type)) < 0 ? cg_err_set(err, CG_EINTERNAL, "out of memory") : CG_OK;
	}
	cg_buf_reset(&x->line);
	int rc = cg_buf_printf(&x->line, "\"edge\":") < 0 ? cg_err_set(err, CG_EINTERNAL, "out of memory")
		: cg_read_json_edge(&x->line, x->run->q->r, e, err);
	return rc ? rc : q_emit_line(x->run->q, &x->line, err);
}

static int xp_vertex(struct xp *x, uint64_t vid, cg_err *err)
{
	cg_vertex v;
	int found, rc = cg_read_vertex(x->run->q->r, vid, &v, &found, err);
	if (rc)
		return rc;
	x->run->count++;
	if (x->run->mode == Q_COUNT)
		return CG_OK;
	char hex[17];
	cg_vid_hex(vid, hex);
	if (x->out) {
		if (cg_buf_printf(x->out, "  \"%s\" [label=", hex) < 0 ||
		    dot_str(x->out, found ? v.str[CG_VF_PATH] : hex) < 0 ||
		    cg_buf_printf(x->out, ", tooltip=\"%s\"];\n", found ? cg_kind_name(v.kind) : "missing") < 0)
			return cg_err_set(err, CG_EINTERNAL, "out of memory");
		return CG_OK;
	}
	cg_buf_reset(&x->line);
	if (cg_buf_printf(&x->line, "\"vertex\":") < 0 ||
	    (found ? cg_read_json_vertex(&x->line, vid, &v) : cg_buf_printf(&x->line, "{\"id\":\"%s\",\"missing\":true}", hex)) < 0)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	return q_emit_line(x->run->q, &x->line, err);
}

static int xp_finish_dot(struct xp *x, cg_err *err)
{
	if (x->run->mode == Q_COUNT)
		return CG_OK;
	if (cg_buf_printf(x->out, "}") < 0)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	cg_query_engine *q = x->run->q;
	if (q->o.raw_text)
		return q->o.emit(q->o.emit_ctx, (const char *)x->out->data, x->out->len)
			? cg_err_set(err, CG_EIO, "cannot write the answer") : CG_OK;
	cg_buf_reset(&x->line);
	if (cg_buf_putc(x->out, 0) < 0 || cg_buf_printf(&x->line, "\"dot\":") < 0 ||
	    cg_read_json_str(&x->line, (const char *)x->out->data) < 0)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	return q_emit_line(q, &x->line, err);
}

int q_export(q_run *run, q_run *inner, cg_err *err)
{
	cg_buf dot = { 0 };
	struct xp x = { run, inner, !strcmp(run->qq->format, "dot") ? &dot : NULL, { 0 } };
	int rc = CG_OK;
	q_plan(run, "then every out-edge of each collected vertex whose target was collected");
	if (x.out && cg_buf_printf(&dot, "digraph cg {\n  node [shape=box];\n") < 0)
		rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
	for (size_t i = 0; !rc && i < inner->norder; i++)
		rc = xp_vertex(&x, inner->order[i], err);
	for (size_t i = 0; !rc && i < inner->norder; i++)
		rc = cg_read_edges(run->q->r, inner->order[i], inner->qq->types, 1, xp_edge, &x, err);
	if (!rc && x.out)
		rc = xp_finish_dot(&x, err);
	cg_buf_free(&dot);
	cg_buf_free(&x.line);
	return rc;
}

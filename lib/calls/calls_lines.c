/* calls_lines: cg-calls' output lines — each resolved caller-callee pair once, at its first
 * call site, as an NDJSON Calls edge, and each site that did not resolve as a report line. */
#include "calls.h"

#include <stdlib.h>

#include "codec/keys.h"

typedef struct lines {
	const cg_calls_lines_opts *o;
	uint64_t *seen; /* (src, dst) pairs already handed on: open addressing, 0 = free */
	size_t cap, n;
	cg_err *err;
} lines;

static uint64_t pair_hash(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x7f4a7c159e3779b9ULL + (a << 6) + (a >> 2));
	return h ? h : 1;
}

/* Returns 1 when the pair is new (and remembers it), 0 when seen, -1 on no memory. Pairs
 * are kept as their hash: a 64-bit collision would only drop a duplicate-looking edge. */
static int first_time(lines *l, uint64_t src, uint64_t dst)
{
	if ((l->n + 1) * 2 > l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 1024;
		uint64_t *t = calloc(nc, sizeof *t);
		if (!t)
			return -1;
		for (size_t i = 0; i < l->cap; i++)
			if (l->seen[i]) {
				size_t j = l->seen[i] & (nc - 1);
				while (t[j])
					j = (j + 1) & (nc - 1);
				t[j] = l->seen[i];
			}
		free(l->seen);
		l->seen = t;
		l->cap = nc;
	}
	uint64_t h = pair_hash(src, dst);
	size_t j = h & (l->cap - 1);
	for (; l->seen[j]; j = (j + 1) & (l->cap - 1))
		if (l->seen[j] == h)
			return 0;
	l->seen[j] = h;
	l->n++;
	return 1;
}

static json_t *hexid(uint64_t vid)
{
	char hex[17];
	cg_vid_hex(vid, hex);
	return json_string(hex);
}

static const char *kind_name(int k)
{
	return k == CG_CALL_METHOD ? "method" : k == CG_CALL_MACRO ? "macro" : "call";
}

static const char *status_name(int s)
{
	return s == CG_CALL_AMBIGUOUS ? "ambiguous" : s == CG_CALL_UNRESOLVED ? "unresolved" : "no-caller";
}

/* Hands line on and drops it; NULL (memory ran out) stops the run. */
static int hand_on(lines *l, cg_calls_line_fn fn, json_t *line)
{
	if (!line)
		return cg_err_set(l->err, CG_EINTERNAL, "out of memory");
	int rc = fn(l->o->ctx, line);
	json_decref(line);
	return rc;
}

static int edge_line(lines *l, const cg_call_site *c)
{
	int fresh = first_time(l, c->caller, c->callee);
	if (fresh <= 0)
		return fresh ? cg_err_set(l->err, CG_EINTERNAL, "out of memory") : 0;
	json_t *e = json_pack("{s:s, s:o, s:s, s:o, s:s, s:I}", "type", "edge", "src", hexid(c->caller),
			      "label", "Calls", "dst", hexid(c->callee), "file", c->file, "line",
			      (json_int_t)c->line);
	if (e && l->o->paths) {
		json_object_set_new(e, "src_path", json_string(c->caller_path));
		json_object_set_new(e, "dst_path", json_string(c->callee_path));
	}
	return hand_on(l, l->o->edge, e);
}

static int report_line(lines *l, const cg_call_site *c)
{
	json_t *cands = json_array();
	for (size_t i = 0; cands && i < c->ncands; i++)
		json_array_append_new(cands, json_pack("{s:o, s:s}", "id", hexid(c->cands[i]), "path", c->cand_paths[i]));
	json_t *r = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:o}", "status", status_name(c->status),
			      "file", c->file, "line", (json_int_t)c->line, "kind", kind_name(c->kind), "callee",
			      c->callee_text, "caller", c->caller_path, "reason", c->reason ? c->reason : "",
			      "candidates", cands);
	if (r && c->caller)
		json_object_set_new(r, "caller_id", hexid(c->caller));
	return hand_on(l, l->o->report, r);
}

static int on_site(void *ctx, const cg_call_site *c)
{
	lines *l = ctx;
	if (c->status == CG_CALL_RESOLVED)
		return edge_line(l, c);
	return l->o->report ? report_line(l, c) : 0;
}

int cg_calls_lines(cg_store *s, const cg_calls_opts *o, const cg_calls_lines_opts *lo, cg_calls_counts *counts,
		   size_t *edges, cg_err *err)
{
	lines l = { .o = lo, .err = err };
	int rc = cg_calls_run(s, o, on_site, &l, counts, err);
	*edges = l.n;
	free(l.seen);
	return rc;
}

/* tools: the cg_* tools as query-engine requests. Each call builds one query object (a few
 * for cg_item), lets the engine answer it into parsed lines, and shapes them into the tool's
 * structuredContent; tools_text.c renders that as compact text. No answer is computed here
 * that cg-query would not give: resolution, walks and limits are the engine's. */
#include "tools_int.h"
#include "query/query.h"

#include <stdlib.h>
#include <string.h>

/* Answer lines counted (and parsed) beyond which a tool says "at least N more". */
#define COUNT_CAP 10000
#define DEFAULT_LIMIT 20

static int oom(cg_err *err)
{
	return cg_err_set(err, CG_EINTERNAL, "out of memory");
}

/* The engine's emit callback: parse each answer line and keep it, or count edges by type. */
int t_take_line(void *ctx, const char *line, size_t len)
{
	t_answer *a = ctx;
	json_t *o = json_loadb(line, len, 0, NULL);
	if (!o)
		return a->failed = 1, -1;
	if (json_object_get(o, "done")) {
		json_decref(a->closing);
		a->closing = o;
		return 0;
	}
	if (!a->edge_counts)
		return json_array_append_new(a->lines, o) < 0 ? (a->failed = 1, -1) : 0;
	json_t *e = json_object_get(o, "edge");
	const char *src = json_string_value(json_object_get(e, "src"));
	const char *label = json_string_value(json_object_get(e, "label"));
	json_t *side = json_object_get(a->edge_counts, src && !strcmp(src, a->edges_of) ? "out" : "in");
	int rc = label ? json_object_set_new(side, label,
					     json_integer(json_integer_value(json_object_get(side, label)) + 1)) : 0;
	json_decref(o);
	return rc < 0 ? (a->failed = 1, -1) : 0;
}

int t_ask(cg_mcp_tools *t, json_t *req, cg_err *err)
{
	t_answer *a = &t->a;
	size_t count = 0;
	json_array_clear(a->lines);
	json_decref(a->closing);
	a->closing = NULL;
	a->failed = 0;
	if (!req)
		return oom(err);
	if (!json_object_get(req, "limit") && json_object_set_new(req, "limit", json_integer(COUNT_CAP)) < 0) {
		json_decref(req);
		return oom(err);
	}
	int rc = cg_query_run(t->q, req, &count, err);
	json_decref(req);
	if (a->failed)
		return oom(err);
	return rc;
}

/* Copies the string or integer argument key into req under the engine's name for it. */
static int pass(json_t *req, const char *as, json_t *args, const char *key)
{
	json_t *v = json_object_get(args, key);
	return v ? json_object_set(req, as, v) : 0;
}

static json_t *request(const char *op, json_t *args, const char *const *keys)
{
	json_t *req = json_pack("{s:s}", "op", op);
	for (int i = 0; req && keys[i]; i += 2)
		if (pass(req, keys[i + 1], args, keys[i]) < 0) {
			json_decref(req);
			return NULL;
		}
	return req;
}

long t_limit(json_t *args)
{
	json_t *l = json_object_get(args, "limit");
	return l ? (long)json_integer_value(l) : DEFAULT_LIMIT;
}

/* The compact form of an answer line's vertex, with what the line says of how it was
 * reached: depth, step, the trait method a call went through, the form of the name that
 * matched, the edge's label and, with want_dir, its direction. */
static json_t *entry(json_t *line, int want_dir)
{
	json_t *v = json_object_get(line, "vertex"), *e = json_object_get(line, "edge");
	json_t *kind = json_object_get(v, "kind");
	json_t *o = json_pack("{s:O,s:o,s:O?,s:O?,s:O?,s:O?,s:O?}", "id", json_object_get(v, "id"), "kind",
			      kind ? json_incref(kind) : json_string("missing"), "name", json_object_get(v, "name"),
			      "path", json_object_get(v, "path"), "crate", json_object_get(v, "crate"), "file",
			      json_object_get(v, "file"), "line", json_object_get(v, "line"));
	if (o && pass(o, "depth", line, "depth") < 0)
		goto fail;
	if (o && pass(o, "step", line, "step") < 0)
		goto fail;
	if (o && (pass(o, "through", line, "through") < 0 || pass(o, "match", line, "match") < 0))
		goto fail;
	if (o && e && pass(o, "via", e, "label") < 0)
		goto fail;
	if (o && e && want_dir) {
		int out = json_equal(json_object_get(e, "dst"), json_object_get(v, "id"));
		if (json_object_set_new(o, "direction", json_string(out ? "out" : "in")) < 0)
			goto fail;
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

static int closing_truncated(const t_answer *a)
{
	return json_is_true(json_object_get(a->closing, "truncated"));
}

/* {"items":items,"shown","total","more","truncated"}; takes items. */
static json_t *counted(json_t *items, size_t total, int truncated)
{
	size_t shown = json_array_size(items);
	return json_pack("{s:o,s:I,s:I,s:I,s:b}", "items", items, "shown", (json_int_t)shown, "total",
			 (json_int_t)total, "more", (json_int_t)(total - shown), "truncated", truncated);
}

/* The answer lines from line first on (a walk's starts come before it) as a counted list
 * of entries, the first limit of them listed. */
static json_t *listing(const t_answer *a, size_t first, long limit, int want_dir)
{
	json_t *items = json_array();
	size_t n = json_array_size(a->lines);
	for (size_t i = first; items && i < n && json_array_size(items) < (size_t)limit; i++)
		if (json_array_append_new(items, entry(json_array_get(a->lines, i), want_dir)) < 0)
			json_decref(items), items = NULL;
	return items ? counted(items, n > first ? n - first : 0, closing_truncated(a)) : NULL;
}

/* ---- the tools ---- */

int t_run_find(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err)
{
	static const char *const keys[] = { "name", "name", "match", "match", "kind", "kind", "crate", "crate",
					    "file", "file", "workspace", "workspace", NULL };
	int rc = t_ask(t, request("find", args, keys), err);
	return rc ? rc : (*out = listing(&t->a, 0, t_limit(args), 0)) ? CG_OK : oom(err);
}

int t_run_at(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err)
{
	static const char *const keys[] = { "file", "file", "line", "line", "column", "column",
					    "workspace", "workspace", NULL };
	int rc = t_ask(t, request("at", args, keys), err);
	return rc ? rc : (*out = listing(&t->a, 0, t_limit(args), 0)) ? CG_OK : oom(err);
}

int t_run_neighbors(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err)
{
	static const char *const keys[] = { "name", "vertex", "direction", "dir", "types", "types",
					    "workspace", "workspace", NULL };
	int rc = t_ask(t, request("neighbors", args, keys), err);
	return rc ? rc : (*out = listing(&t->a, 0, t_limit(args), 1)) ? CG_OK : oom(err);
}

static int run_walk(cg_mcp_tools *t, const char *op, json_t *args, json_t **out, cg_err *err)
{
	static const char *const keys[] = { "name", "vertex", "depth", "depth", "workspace", "workspace", NULL };
	int rc = t_ask(t, request(op, args, keys), err);
	return rc ? rc : (*out = listing(&t->a, 0, t_limit(args), 0)) ? CG_OK : oom(err);
}

int t_run_callers(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err)
{
	return run_walk(t, "callers", args, out, err);
}

int t_run_implementors(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err)
{
	return run_walk(t, "implementors", args, out, err);
}

int t_run_dependents(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err)
{
	return run_walk(t, "dependents", args, out, err);
}

int t_run_users(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err)
{
	return run_walk(t, "users", args, out, err);
}

int t_run_path(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err)
{
	static const char *const keys[] = { "from", "from", "to", "to", "direction", "dir", "types", "types",
					    "workspace", "workspace", NULL };
	int rc = t_ask(t, request("path", args, keys), err);
	if (rc)
		return rc;
	json_t *steps = json_array();
	size_t n = json_array_size(t->a.lines);
	for (size_t i = 0; steps && i < n; i++)
		if (json_array_append_new(steps, entry(json_array_get(t->a.lines, i), 0)) < 0)
			json_decref(steps), steps = NULL;
	*out = steps ? json_pack("{s:b,s:I,s:o}", "found", n > 0, "length", (json_int_t)(n ? n - 1 : 0),
				 "steps", steps) : NULL;
	return *out ? CG_OK : oom(err);
}

/* Adds {"crate"|"depth": key, "count": n} for key to a tally array (kept in first-seen order). */
static int tally(json_t *counts, const char *field, json_t *key)
{
	size_t i;
	json_t *c;
	json_array_foreach(counts, i, c)
		if (json_equal(json_object_get(c, field), key))
			return json_object_set_new(c, "count", json_integer(json_integer_value(json_object_get(c, "count")) + 1));
	return json_array_append_new(counts, json_pack("{s:O,s:i}", field, key, "count", 1));
}

static int by_count_desc(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t nx = json_integer_value(json_object_get(x, "count"));
	json_int_t ny = json_integer_value(json_object_get(y, "count"));
	const char *cx = json_string_value(json_object_get(x, "crate"));
	const char *cy = json_string_value(json_object_get(y, "crate"));
	return nx != ny ? (nx < ny ? 1 : -1) : strcmp(cx ? cx : "", cy ? cy : "");
}

static json_t *sorted(json_t *counts)
{
	size_t n = json_array_size(counts);
	json_t **v = malloc((n ? n : 1) * sizeof *v), *out = json_array();
	for (size_t i = 0; v && i < n; i++)
		v[i] = json_array_get(counts, i);
	if (v && n)
		qsort(v, n, sizeof *v, by_count_desc);
	for (size_t i = 0; v && out && i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	json_decref(counts);
	return v ? out : (json_decref(out), NULL);
}

static json_t *impact_request(json_t *args)
{
	json_t *depth = json_object_get(args, "depth");
	json_t *req = json_pack("{s:s,s:O,s:s,s:[sss],s:o}", "op", "traverse", "vertex", json_object_get(args, "name"),
				"dir", "in", "types", "Calls", "Uses", "Implements", "depth",
				depth ? json_incref(depth) : json_integer(3));
	if (req && pass(req, "workspace", args, "workspace") < 0)
		json_decref(req), req = NULL;
	return req;
}

/* Counts what the walk reached (depth > 0) by crate and by depth; *first is the index of
 * the first such line, *start the walk's start. */
static int impact_tally(json_t *lines, size_t *first, json_t **start, json_t *crates, json_t *depths)
{
	size_t i;
	json_t *line;
	json_array_foreach(lines, i, line) {
		json_t *depth = json_object_get(line, "depth");
		json_t *crate = json_object_get(json_object_get(line, "vertex"), "crate");
		if (json_integer_value(depth) == 0) {
			*first = i + 1;
			if (!*start && !(*start = entry(line, 0)))
				return -1;
		} else if (tally(crates, "crate", crate ? crate : json_null()) < 0 || tally(depths, "depth", depth) < 0) {
			return -1;
		}
	}
	return 0;
}

int t_run_impact(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err)
{
	int rc = t_ask(t, impact_request(args), err);
	if (rc)
		return rc;
	json_t *crates = json_array(), *depths = json_array(), *start = NULL, *list = NULL, *counts = NULL;
	size_t first = 0;
	if (crates && depths && impact_tally(t->a.lines, &first, &start, crates, depths) == 0)
		list = listing(&t->a, first, t_limit(args), 0);
	if (list) /* takes start, crates and depths */
		counts = json_pack("{s:o,s:o,s:o}", "item", start ? start : json_null(), "by_crate", sorted(crates),
				   "by_depth", depths);
	else
		json_decref(start), json_decref(crates), json_decref(depths);
	if (!counts || json_object_update(list, counts) < 0)
		json_decref(list), list = NULL;
	json_decref(counts);
	*out = list;
	return list ? CG_OK : oom(err);
}

/* The line's vertex with the form of the name that matched it and its edge counts by
 * direction and type. */
static json_t *item_with_edges(cg_mcp_tools *t, json_t *line, cg_err *err)
{
	t_answer *a = &t->a;
	json_t *vertex = json_object_get(line, "vertex"), *id = json_object_get(vertex, "id");
	json_t *req = json_pack("{s:s,s:O,s:s,s:i}", "op", "neighbors", "vertex", id, "dir", "both", "limit", 0);
	json_t *o = json_deep_copy(vertex);
	a->edge_counts = json_pack("{s:{},s:{}}", "out", "in");
	a->edges_of = json_string_value(id);
	int rc = a->edge_counts && o ? t_ask(t, req, err) : (json_decref(req), oom(err));
	if (!rc && (json_object_set(o, "edges", a->edge_counts) < 0 || pass(o, "match", line, "match") < 0))
		rc = oom(err);
	json_decref(a->edge_counts);
	a->edge_counts = NULL;
	if (rc)
		json_decref(o), o = NULL;
	return o;
}

int t_run_item(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err)
{
	static const char *const keys[] = { "name", "vertex", NULL };
	int rc = t_ask(t, request("vertex", args, keys), err);
	if (rc)
		return rc;
	/* the edge counts are queries of their own: keep the vertices apart from their answers */
	json_t *found = json_deep_copy(t->a.lines), *items = json_array(), *it;
	size_t limit = (size_t)t_limit(args), total = json_array_size(found);
	for (size_t i = 0; !rc && i < total && i < limit; i++)
		if (!(it = item_with_edges(t, json_array_get(found, i), err)))
			rc = err->code;
		else if (json_array_append_new(items, it) < 0)
			rc = oom(err);
	json_decref(found);
	if (rc || !found || !items) {
		json_decref(items);
		return rc ? rc : oom(err);
	}
	return (*out = counted(items, total, 0)) ? CG_OK : oom(err);
}

static json_t *crate_summary(json_t *c)
{
	json_t *meta = json_object_get(c, "meta");
	return json_pack("{s:O?,s:O?,s:O?,s:O?,s:O?}", "unit", json_object_get(c, "unit"), "name",
			 json_object_get(meta, "name"), "version", json_object_get(meta, "version"), "vertices",
			 json_object_get(c, "vertices"), "edges", json_object_get(c, "edges"));
}

int t_run_stats(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err)
{
	static const char *const keys[] = { "workspace", "workspace", NULL };
	int rc = t_ask(t, request("stats", args, keys), err);
	if (rc)
		return rc;
	json_t *st = json_object_get(json_array_get(t->a.lines, 0), "stats"), *crates = json_array(), *c;
	size_t i, limit = (size_t)t_limit(args), total = json_array_size(json_object_get(st, "crates"));
	json_array_foreach(json_object_get(st, "crates"), i, c)
		if (crates && i < limit && json_array_append_new(crates, crate_summary(c)) < 0)
			json_decref(crates), crates = NULL;
	size_t shown = json_array_size(crates);
	*out = json_pack("{s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:o,s:I,s:I,s:I}", "workspace",
			 json_object_get(st, "workspace"), "vertices", json_object_get(st, "vertices"), "stubs",
			 json_object_get(st, "stubs"), "edges", json_object_get(st, "edges"), "kinds",
			 json_object_get(st, "kinds"), "edge_types", json_object_get(st, "edge_types"), "workspaces",
			 json_object_get(st, "workspaces"), "crates", crates, "shown", (json_int_t)shown, "total",
			 (json_int_t)total, "more", (json_int_t)(total - shown));
	return *out ? CG_OK : oom(err);
}


/* query: the engine's front — request parsing, dispatch to the ops, closing and explain
 * lines. The ops (query_find, query_graph, query_ws, query_stats) use the cores answer.c
 * and resolve.c; nothing calls back into this file. */
#include "resolve.h"
#include "base/clock.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *const cg_query_kinds[] = {
	"vertex", "find", "neighbors", "traverse", "path", "callers", "users", "implementors",
	"dependents", "export", "stats", "dump", "workspaces", "at", "explain", NULL,
};

static const struct {
	const char *name;
	int op;
} ops[] = {
	{ "vertex", Q_VERTEX }, { "find", Q_FIND }, { "neighbors", Q_NEIGHBORS },
	{ "traverse", Q_TRAVERSE }, { "path", Q_PATH }, { "callers", Q_CALLERS },
	{ "users", Q_USERS }, { "implementors", Q_IMPLEMENTORS }, { "dependents", Q_DEPENDENTS },
	{ "export", Q_EXPORT }, { "stats", Q_STATS }, { "dump", Q_DUMP }, { "workspaces", Q_WORKSPACES },
	{ "at", Q_AT },
};

/* ---- engine ---- */

int cg_query_open(cg_store *s, const cg_query_opts *o, cg_query_engine **out, cg_err *err)
{
	cg_query_engine *q = calloc(1, sizeof *q);
	if (!q)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	q->o = *o;
	int rc = cg_read_open(s, o->cache_vertices, &q->r, err);
	if (rc) {
		free(q);
		return rc;
	}
	/* a shard that failed to open makes every answer partial; say which */
	for (int i = 0; i < cg_store_nshards(s) && !rc; i++) {
		if (cg_store_db(s, i))
			continue;
		if (o->strict)
			rc = cg_err_set(err, CG_EIO, "shard %d cannot be read (--strict): %s", i, cg_store_shard_error(s, i));
		else if (cg_buf_printf(&q->partial_json, "%s%d", q->partial ? "," : "", i) < 0)
			rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
		q->partial = 1;
	}
	size_t loaded;
	if (!rc && o->warm)
		rc = cg_query_warm(q, o->warm, &loaded, err);
	if (rc) {
		cg_query_close(q);
		return rc;
	}
	*out = q;
	return CG_OK;
}

int cg_query_partial(const cg_query_engine *q)
{
	return q->partial;
}

void cg_query_close(cg_query_engine *q)
{
	if (!q)
		return;
	cg_read_close(q->r);
	cg_buf_free(&q->line);
	cg_buf_free(&q->partial_json);
	free(q->reqid);
	free(q);
}

int cg_query_refresh(cg_query_engine *q, cg_err *err)
{
	return cg_read_refresh(q->r, err);
}

int cg_query_refresh_now(cg_query_engine *q, cg_err *err)
{
	return cg_read_refresh_now(q->r, err);
}

int cg_query_warm(cg_query_engine *q, size_t n, size_t *loaded, cg_err *err)
{
	return cg_read_warm(q->r, n, loaded, err);
}

static int closing(cg_query_engine *q, size_t count, int truncated, const char *error, cg_err *err)
{
	cg_buf body = { 0 };
	int rc = cg_buf_printf(&body, "\"done\":true,\"count\":%zu", count);
	if (!rc && truncated)
		rc = cg_buf_printf(&body, ",\"truncated\":true");
	if (!rc && error)
		rc = cg_buf_printf(&body, ",\"error\":") || cg_read_json_str(&body, error);
	rc = rc ? cg_err_set(err, CG_EINTERNAL, "out of memory") : q_emit_line(q, &body, err);
	cg_buf_free(&body);
	return rc;
}

/* ---- parsing a request ---- */

static int op_of(const char *name)
{
	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
		if (strcmp(ops[i].name, name) == 0)
			return ops[i].op;
	return 0;
}

static int get_str(json_t *req, const char *key, const char **out, cg_err *err)
{
	json_t *v = json_object_get(req, key);
	if (!v)
		return CG_OK;
	if (!json_is_string(v) || !*json_string_value(v))
		return cg_err_set(err, CG_EUSAGE, "\"%s\" must be a non-empty string", key);
	*out = json_string_value(v);
	return CG_OK;
}

static int get_int(json_t *req, const char *key, long min, long *out, cg_err *err)
{
	json_t *v = json_object_get(req, key);
	if (!v)
		return CG_OK;
	if (!json_is_integer(v) || json_integer_value(v) < min)
		return cg_err_set(err, CG_EUSAGE, "\"%s\" must be an integer >= %ld", key, min);
	*out = (long)json_integer_value(v);
	return CG_OK;
}

static int parse_types(json_t *req, unsigned *types, cg_err *err)
{
	json_t *v = json_object_get(req, "types"), *t;
	size_t i;
	if (!v)
		return CG_OK;
	if (!json_is_array(v) && !json_is_string(v)) /* "Calls" stands for ["Calls"] */
		return cg_err_set(err, CG_EUSAGE, "\"types\" must be an array of edge types");
	if (json_is_string(v)) {
		int ty = cg_edge_type_parse(json_string_value(v));
		if (!ty)
			return cg_err_set(err, CG_EUSAGE, "unknown edge type '%s' (Contains, Calls, Uses, Implements, Depends)",
					  json_string_value(v));
		*types |= 1u << ty;
		return CG_OK;
	}
	json_array_foreach(v, i, t) {
		int ty = json_is_string(t) ? cg_edge_type_parse(json_string_value(t)) : 0;
		if (!ty)
			return cg_err_set(err, CG_EUSAGE, "unknown edge type %s (Contains, Calls, Uses, Implements, Depends)",
					  json_is_string(t) ? json_string_value(t) : "(not a string)");
		*types |= 1u << ty;
	}
	return CG_OK;
}

static int parse_dir(json_t *req, int *dir, cg_err *err)
{
	const char *d = NULL;
	int rc = get_str(req, "dir", &d, err);
	if (rc || !d)
		return rc;
	*dir = !strcmp(d, "out") ? 1 : !strcmp(d, "in") ? 2 : !strcmp(d, "both") ? 3 : 0;
	return *dir ? CG_OK : cg_err_set(err, CG_EUSAGE, "\"dir\" must be \"out\", \"in\" or \"both\"");
}

/* "vertex": "ref" | ["ref", ...], or "vertices": [...] */
static int parse_starts(json_t *req, q_query *qq, cg_err *err)
{
	json_t *v = json_object_get(req, "vertex"), *t;
	size_t i;
	if (!v)
		v = json_object_get(req, "vertices");
	if (!v)
		return cg_err_set(err, CG_EUSAGE, "%s needs a \"vertex\" (an id or a path)", qq->op_name);
	if (json_is_string(v)) {
		qq->starts = json_pack("[O]", v);
		return qq->starts ? CG_OK : cg_err_set(err, CG_EINTERNAL, "out of memory");
	}
	if (!json_is_array(v) || !json_array_size(v))
		return cg_err_set(err, CG_EUSAGE, "\"vertex\" must be a string or an array of strings");
	json_array_foreach(v, i, t)
		if (!json_is_string(t) || !*json_string_value(t))
			return cg_err_set(err, CG_EUSAGE, "\"vertex\" must be a string or an array of strings");
	qq->starts = json_incref(v);
	return CG_OK;
}

static const struct {
	int op;
	unsigned type;
} reverse_ops[] = {
	{ Q_CALLERS, CG_EDGE_CALLS }, { Q_USERS, CG_EDGE_USES },
	{ Q_IMPLEMENTORS, CG_EDGE_IMPLEMENTS }, { Q_DEPENDENTS, CG_EDGE_DEPENDS },
};

static int parse_reverse(json_t *req, q_query *qq, cg_err *err)
{
	for (size_t i = 0; i < sizeof reverse_ops / sizeof *reverse_ops; i++)
		if (reverse_ops[i].op == qq->op)
			qq->types = 1u << reverse_ops[i].type;
	if (json_object_get(req, "types") || json_object_get(req, "dir"))
		return cg_err_set(err, CG_EUSAGE, "%s has a fixed edge type and direction", qq->op_name);
	qq->dir = 2;
	qq->depth = -1; /* unbounded unless asked */
	qq->min_depth = 1;
	return CG_OK;
}

/* Keys each op accepts, so that a misspelt option is an error rather than ignored. */
static int check_keys(json_t *req, const q_query *qq, cg_err *err)
{
	static const char *const common[] = { "id", "op", "limit", "explain", NULL };
	static const char *const per_op[][10] = {
		[Q_VERTEX] = { "vertex", "vertices" },
		[Q_FIND] = { "name", "prefix", "kind", "crate", "file", "workspace", "match" },
		[Q_NEIGHBORS] = { "vertex", "vertices", "dir", "types", "workspace" },
		[Q_TRAVERSE] = { "vertex", "vertices", "dir", "types", "depth", "max_visited", "workspace" },
		[Q_PATH] = { "from", "to", "dir", "types", "max_visited", "workspace" },
		[Q_CALLERS] = { "vertex", "vertices", "depth", "max_visited", "workspace" },
		[Q_USERS] = { "vertex", "vertices", "depth", "max_visited", "workspace" },
		[Q_IMPLEMENTORS] = { "vertex", "vertices", "depth", "max_visited", "workspace" },
		[Q_DEPENDENTS] = { "vertex", "vertices", "depth", "max_visited", "workspace" },
		[Q_EXPORT] = { "query", "format" },
		[Q_STATS] = { "workspace" },
		[Q_DUMP] = { NULL },
		[Q_WORKSPACES] = { "crate", "vertex" },
		[Q_AT] = { "file", "line", "column", "workspace" },
	};
	const char *key;
	json_t *v;
	json_object_foreach(req, key, v) {
		int ok = 0;
		for (int i = 0; common[i] && !ok; i++)
			ok = !strcmp(common[i], key);
		for (int i = 0; i < 10 && per_op[qq->op][i] && !ok; i++)
			ok = !strcmp(per_op[qq->op][i], key);
		if (!ok)
			return cg_err_set(err, CG_EUSAGE, "%s does not take \"%s\"", qq->op_name, key);
	}
	return CG_OK;
}

static int parse_op_args(json_t *req, q_query *qq, cg_err *err)
{
	int rc = CG_OK;
	switch (qq->op) {
	case Q_VERTEX:
	case Q_NEIGHBORS:
	case Q_TRAVERSE:
		return parse_starts(req, qq, err);
	case Q_FIND:
		if ((rc = get_str(req, "name", &qq->name, err)) || (rc = get_str(req, "prefix", &qq->prefix, err)) ||
		    (rc = get_str(req, "kind", &qq->kind, err)) || (rc = get_str(req, "crate", &qq->crate, err)) ||
		    (rc = get_str(req, "file", &qq->file, err)))
			return rc;
		if (!qq->name && !qq->prefix && !qq->kind && !qq->crate && !qq->file)
			return cg_err_set(err, CG_EUSAGE, "find needs at least one of name, prefix, kind, crate, file");
		if (qq->kind && !cg_kind_parse(qq->kind)) {
			char kinds[512];
			cg_kind_list(kinds, sizeof kinds);
			return cg_err_set(err, CG_EUSAGE, "unknown kind '%s' (kinds: %s)", qq->kind, kinds);
		}
		if ((rc = get_str(req, "match", &qq->match, err)))
			return rc;
		if (qq->match && strcmp(qq->match, "exact") && strcmp(qq->match, "prefix") &&
		    strcmp(qq->match, "substring") && strcmp(qq->match, "fuzzy"))
			return cg_err_set(err, CG_EUSAGE, "\"match\" must be exact, prefix, substring or fuzzy");
		if (qq->match && !qq->name)
			return cg_err_set(err, CG_EUSAGE, "\"match\" needs a \"name\"");
		return CG_OK;
	case Q_AT:
		if ((rc = get_str(req, "file", &qq->file, err)) || (rc = get_int(req, "line", 1, &qq->line, err)) ||
		    (rc = get_int(req, "column", 0, &qq->column, err)))
			return rc;
		return qq->file && qq->line ? CG_OK : cg_err_set(err, CG_EUSAGE, "at needs a \"file\" and a \"line\"");
	case Q_PATH: {
		const char *from = NULL;
		if ((rc = get_str(req, "from", &from, err)) || (rc = get_str(req, "to", &qq->to, err)))
			return rc;
		if (!from || !qq->to)
			return cg_err_set(err, CG_EUSAGE, "path needs \"from\" and \"to\"");
		qq->starts = json_pack("[s]", from);
		qq->depth = -1; /* a shortest path may be long: only max_visited bounds the search */
		return qq->starts ? CG_OK : cg_err_set(err, CG_EINTERNAL, "out of memory");
	}
	case Q_CALLERS:
	case Q_USERS:
	case Q_IMPLEMENTORS:
	case Q_DEPENDENTS:
		if ((rc = parse_reverse(req, qq, err)))
			return rc;
		return parse_starts(req, qq, err);
	case Q_WORKSPACES:
		if ((rc = get_str(req, "crate", &qq->crate, err)))
			return rc;
		if (qq->crate && json_object_get(req, "vertex"))
			return cg_err_set(err, CG_EUSAGE, "workspaces takes a \"crate\" or a \"vertex\", not both");
		return json_object_get(req, "vertex") ? parse_starts(req, qq, err) : CG_OK;
	case Q_EXPORT:
		if ((rc = get_str(req, "format", &qq->format, err)))
			return rc;
		if (!qq->format)
			qq->format = "ndjson";
		if (strcmp(qq->format, "ndjson") && strcmp(qq->format, "dot"))
			return cg_err_set(err, CG_EUSAGE, "export format must be \"ndjson\" or \"dot\"");
		qq->inner = json_object_get(req, "query");
		if (!json_is_object(qq->inner))
			return cg_err_set(err, CG_EUSAGE, "export needs a \"query\" object (the subgraph to export)");
		return CG_OK;
	}
	return CG_OK;
}

static int q_parse(json_t *req, q_query *qq, cg_err *err)
{
	memset(qq, 0, sizeof *qq);
	qq->dir = 1;
	qq->depth = 3;
	qq->max_visited = 100000;
	if (!json_is_object(req))
		return cg_err_set(err, CG_EUSAGE, "a query must be a JSON object");
	const char *op = NULL;
	int rc = get_str(req, "op", &op, err);
	if (rc)
		return rc;
	if (!op)
		return cg_err_set(err, CG_EUSAGE, "missing \"op\"");
	qq->op_name = op;
	if (!(qq->op = op_of(op)))
		return cg_err_set(err, CG_EUSAGE, "unknown op '%s'", op);
	json_t *ex = json_object_get(req, "explain");
	if (ex && !json_is_boolean(ex))
		return cg_err_set(err, CG_EUSAGE, "\"explain\" must be true or false");
	qq->explain = json_is_true(ex);
	if ((rc = check_keys(req, qq, err)) || (rc = parse_op_args(req, qq, err)) ||
	    (rc = get_str(req, "workspace", &qq->workspace, err)) ||
	    (rc = get_int(req, "limit", 0, &qq->limit, err)) || (rc = get_int(req, "depth", 0, &qq->depth, err)) ||
	    (rc = get_int(req, "max_visited", 1, &qq->max_visited, err)) || (rc = parse_types(req, &qq->types, err)))
		return rc;
	if (qq->min_depth == 0)
		rc = parse_dir(req, &qq->dir, err);
	return rc;
}

/* ---- running ---- */

static int run_export(q_run *run, cg_err *err);

static int dispatch_op(q_run *run, cg_err *err)
{
	switch (run->qq->op) {
	case Q_VERTEX: return q_vertex(run, err);
	case Q_FIND: return q_find(run, err);
	case Q_NEIGHBORS: return q_neighbors(run, err);
	case Q_TRAVERSE:
	case Q_CALLERS:
	case Q_USERS:
	case Q_IMPLEMENTORS:
	case Q_DEPENDENTS: return q_traverse(run, err);
	case Q_PATH: return q_path(run, err);
	case Q_EXPORT: return run_export(run, err);
	case Q_STATS: return q_stats(run, err);
	case Q_DUMP: return q_dump(run, err);
	case Q_WORKSPACES: return q_workspaces(run, err);
	case Q_AT: return q_at(run, err);
	}
	return cg_err_set(err, CG_EINTERNAL, "op %d has no implementation", run->qq->op);
}

/* Loads the workspace filter, if the query has one, for the length of the query. */
static int dispatch(q_run *run, cg_err *err)
{
	if (!run->qq->workspace || run->ws_units)
		return dispatch_op(run, err);
	cg_vmap units = { 0 };
	int rc = q_ws_units(run, run->qq->workspace, &units, err);
	if (!rc) {
		run->ws_units = &units;
		rc = dispatch_op(run, err);
		run->ws_units = NULL;
	}
	cg_vmap_free(&units);
	return rc;
}

/* Export runs its inner query in collect mode, then writes the subgraph it reached. */
static int run_export(q_run *run, cg_err *err)
{
	q_query iq;
	int rc = q_parse(run->qq->inner, &iq, err);
	if (!rc && (iq.op == Q_EXPORT || iq.op == Q_STATS || iq.op == Q_DUMP))
		rc = cg_err_set(err, CG_EUSAGE, "export takes a query that reaches vertices, not %s", iq.op_name);
	cg_vmap set = { 0 };
	q_run inner = { .q = run->q, .qq = &iq, .mode = Q_COLLECT, .plan = run->plan, .set = &set };
	if (!rc) {
		q_plan(run, "collect the vertices %s reaches (with both ends of every edge it answers)", iq.op_name);
		rc = dispatch(&inner, err);
		if (rc == Q_STOP)
			rc = CG_OK;
		run->truncated = inner.truncated;
	}
	if (!rc)
		rc = q_export(run, &inner, err);
	cg_vmap_free(&set);
	free(inner.order);
	json_decref(iq.starts);
	return rc;
}

static int set_reqid(cg_query_engine *q, json_t *req)
{
	free(q->reqid);
	q->reqid = NULL;
	json_t *id = json_is_object(req) ? json_object_get(req, "id") : NULL;
	if (id && !(q->reqid = json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT)))
		return -1;
	return 0;
}

static int shard_list(cg_buf *b, const uint8_t *bits, int n)
{
	int first = 1;
	if (cg_buf_putc(b, '[') < 0)
		return -1;
	for (int i = 0; i < n; i++, first = 0)
		if ((bits[i / 8] >> (i % 8)) & 1 && cg_buf_printf(b, first ? "%d" : ",%d", i) < 0)
			return -1;
	return cg_buf_putc(b, ']');
}

/* ,"per_shard":[{"shard":k,...}] for the shards a query read */
static int shard_costs(cg_buf *b, const cg_read_cost *c, int n)
{
	int first = 1;
	if (cg_buf_printf(b, ",\"per_shard\":[") < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		const struct cg_shard_cost *k = &c->shard[i];
		if (!((c->touched[i / 8] >> (i % 8)) & 1))
			continue;
		if (cg_buf_printf(b, "%s{\"shard\":%d,\"seeks\":%u,\"keys_scanned\":%u,\"point_lookups\":%u,"
				  "\"multigets\":%u}", first ? "" : ",", i, k->seeks, k->keys_scanned,
				  k->point_lookups, k->multigets) < 0)
			return -1;
		first = 0;
	}
	return cg_buf_putc(b, ']');
}

static int explain_line(q_run *run, long long us, cg_err *err)
{
	cg_read_cost *c = cg_read_costs(run->q->r);
	int n = cg_store_nshards(cg_read_store(run->q->r));
	cg_buf body = { 0 };
	char *plan = json_dumps(run->plan, JSON_COMPACT);
	int rc = !plan || cg_buf_printf(&body, "\"explain\":{\"op\":\"%s\",\"plan\":%s,\"results\":%zu%s,"
				       "\"keys_scanned\":%llu,\"seeks\":%llu,\"point_lookups\":%llu,"
				       "\"cache_hits\":%llu,\"cache_misses\":%llu,\"shards_touched\":",
				       run->qq->op_name, plan, run->count, run->truncated ? ",\"truncated\":true" : "",
				       (unsigned long long)c->keys_scanned, (unsigned long long)c->seeks,
				       (unsigned long long)c->point_lookups, (unsigned long long)c->cache_hits,
				       (unsigned long long)c->cache_misses) < 0 ||
		 shard_list(&body, c->touched, n) < 0 || shard_costs(&body, c, n) < 0 ||
		 cg_buf_printf(&body, ",\"us\":%lld}", us) < 0;
	free(plan);
	rc = rc ? cg_err_set(err, CG_EINTERNAL, "out of memory") : q_emit_line(run->q, &body, err);
	cg_buf_free(&body);
	return rc;
}

static void truncation_notice(cg_query_engine *q, const q_query *qq, int why, size_t count)
{
	char text[160];
	if (why == Q_TRUNC_VISITED)
		snprintf(text, sizeof text, "answer truncated: the walk stopped after visiting --max-visited %ld "
			 "vertices (%zu answers)", qq->max_visited, count);
	else
		snprintf(text, sizeof text, "answer truncated at --limit %ld", qq->limit);
	q->o.notice(q->o.emit_ctx, text);
}

int cg_query_run(cg_query_engine *q, json_t *req, size_t *count, cg_err *err)
{
	q_query qq;
	*count = 0;
	if (set_reqid(q, req) < 0)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	int rc = q_parse(req, &qq, err);
	if (rc) {
		if (q->o.closing)
			cg_query_fail(q, req, err->msg);
		json_decref(qq.starts);
		return rc;
	}
	q_run run = { .q = q, .qq = &qq, .mode = qq.explain ? Q_COUNT : Q_EMIT };
	if (qq.explain && !(run.plan = json_array()))
		rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
	memset(cg_read_costs(q->r), 0, sizeof(cg_read_cost));
	long long t0 = cg_clock_us();
	if (!rc)
		rc = dispatch(&run, err);
	long long us = cg_clock_us() - t0;
	if (rc == Q_STOP)
		rc = CG_OK;
	if (!rc && qq.explain)
		rc = explain_line(&run, us, err);
	if (!rc && run.truncated && q->o.notice)
		truncation_notice(q, &qq, run.truncated, run.count);
	if ((rc == CG_EUSAGE || rc == CG_ENEGATIVE) && q->o.closing)
		cg_query_fail(q, req, err->msg);
	else if (!rc && q->o.closing)
		rc = closing(q, qq.explain ? 1 : run.count, run.truncated, NULL, err);
	*count = run.count;
	json_decref(run.plan);
	json_decref(qq.starts);
	return rc;
}

int cg_query_fail(cg_query_engine *q, json_t *req, const char *msg)
{
	cg_err err = { 0 };
	if (set_reqid(q, req) < 0)
		return CG_EINTERNAL;
	return closing(q, 0, 0, msg, &err);
}

/* ndjson: parse vertex and edge lines; resolve edge endpoints once every vertex is known. */
#include "ndjson.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "keys.h"

/* An edge whose endpoints are resolved after the whole input is read (they may be defined
 * further down). */
typedef struct pending_edge {
	const char *src, *dst;
	cg_gedge e;
	size_t line;
} pending_edge;

typedef struct reader {
	const char *name;
	cg_graph *g;
	cg_err *err;
	pending_edge *pe;
	size_t npe, cappe;
	struct path_slot { uint64_t hash, vid; } *paths; /* path -> vid of the input's vertices */
	size_t npaths, nslots;
} reader;

static int line_error(reader *r, size_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int line_error(reader *r, size_t line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return cg_err_set(r->err, CG_EDATA, "%s: line %zu: %s", r->name, line, msg);
}

static int grow_paths(reader *r)
{
	size_t n = r->nslots ? r->nslots * 2 : 1024;
	struct path_slot *p = calloc(n, sizeof *p);
	if (!p)
		return -1;
	for (size_t i = 0; i < r->nslots; i++) {
		if (!r->paths[i].vid)
			continue;
		size_t j = r->paths[i].hash & (n - 1);
		while (p[j].vid)
			j = (j + 1) & (n - 1);
		p[j] = r->paths[i];
	}
	free(r->paths);
	r->paths = p;
	r->nslots = n;
	return 0;
}

/* Paths are hashed; equal hashes are treated as equal paths (64-bit XXH3). A path shared by
 * several vertices of the input resolves to none (vid UINT64_MAX = ambiguous). */
static int add_path(reader *r, const char *path, uint64_t vid)
{
	if ((r->npaths + 1) * 2 > r->nslots && grow_paths(r) < 0)
		return -1;
	uint64_t h = XXH3_64bits(path, strlen(path));
	size_t j = h & (r->nslots - 1);
	while (r->paths[j].vid && r->paths[j].hash != h)
		j = (j + 1) & (r->nslots - 1);
	if (r->paths[j].vid && r->paths[j].vid != vid)
		r->paths[j].vid = UINT64_MAX;
	else if (!r->paths[j].vid) {
		r->paths[j] = (struct path_slot){ h, vid };
		r->npaths++;
	}
	return 0;
}

static uint64_t find_path(const reader *r, const char *path)
{
	if (!r->nslots)
		return 0;
	uint64_t h = XXH3_64bits(path, strlen(path));
	for (size_t j = h & (r->nslots - 1); r->paths[j].vid; j = (j + 1) & (r->nslots - 1))
		if (r->paths[j].hash == h)
			return r->paths[j].vid;
	return 0;
}

static const char *str_field(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int read_vertex(reader *r, json_t *o, size_t line)
{
	cg_vertex v = { 0 };
	const char *kind = str_field(o, "kind"), *path = str_field(o, "path"), *id = str_field(o, "id");
	if (!kind || !(v.kind = cg_kind_parse(kind)))
		return line_error(r, line, "vertex: %s", kind ? "unknown kind" : "missing string field 'kind'");
	if (!path || !*path)
		return line_error(r, line, "vertex: %s", "missing string field 'path'");
	const char *last = strrchr(path, ':');
	char crate[256];
	snprintf(crate, sizeof crate, "%.*s", (int)strcspn(path, ":"), path);
	v.str[CG_VF_PATH] = path;
	v.str[CG_VF_NAME] = str_field(o, "name") ? str_field(o, "name") : last ? last + 1 : path;
	v.str[CG_VF_CRATE] = str_field(o, "crate") ? str_field(o, "crate") : crate;
	v.str[CG_VF_VERSION] = str_field(o, "version");
	v.str[CG_VF_FILE] = str_field(o, "file");
	v.str[CG_VF_DOCS] = str_field(o, "docs");
	v.vis = str_field(o, "vis") ? cg_vis_parse(str_field(o, "vis")) : CG_VIS_UNKNOWN;
	json_int_t ln = json_integer_value(json_object_get(o, "line"));
	v.line = ln > 0 && ln <= UINT32_MAX ? (uint32_t)ln : 0;
	if (json_is_true(json_object_get(o, "stub")))
		v.flags |= CG_VFLAG_STUB;
	uint64_t vid;
	int rc;
	if (id && cg_vid_parse(id, &vid) < 0)
		return line_error(r, line, "vertex: id '%s' is not 16 hex digits", id);
	rc = id ? cg_graph_put_vertex(r->g, vid, &v, r->err) : cg_graph_add_vertex(r->g, &v, &vid, r->err);
	if (rc)
		return cg_err_prefix(r->err, "%s: line %zu", r->name, line);
	json_t *aliases = json_object_get(o, "aliases"), *a;
	size_t i;
	if (add_path(r, path, vid) < 0)
		return cg_err_set(r->err, CG_EINTERNAL, "out of memory");
	json_array_foreach(aliases, i, a) {
		if (!json_is_string(a) || cg_graph_add_alias(r->g, vid, json_string_value(a)) < 0 ||
		    add_path(r, json_string_value(a), vid) < 0)
			return line_error(r, line, "vertex: %s", "aliases must be an array of paths");
	}
	return CG_OK;
}

static int read_edge(reader *r, json_t *o, size_t line)
{
	const char *src = str_field(o, "src"), *dst = str_field(o, "dst"), *label = str_field(o, "label");
	if (!src || !dst)
		return line_error(r, line, "edge: missing string field '%s'", src ? "dst" : "src");
	if (!label)
		return line_error(r, line, "edge: %s", "missing string field 'label'");
	int type = cg_edge_type_parse(label);
	if (!type)
		return line_error(r, line, "edge: unknown edge type '%s' (known: Contains, Calls, Uses, Implements, Depends)", label);
	if (r->npe == r->cappe) {
		size_t cap = r->cappe ? r->cappe * 2 : 1024;
		pending_edge *p = realloc(r->pe, cap * sizeof *p);
		if (!p)
			return cg_err_set(r->err, CG_EINTERNAL, "out of memory");
		r->pe = p;
		r->cappe = cap;
	}
	json_int_t ln = json_integer_value(json_object_get(o, "line"));
	pending_edge *pe = &r->pe[r->npe];
	pe->src = cg_graph_strdup(r->g, src);
	pe->dst = cg_graph_strdup(r->g, dst);
	pe->e = (cg_gedge){ .type = type, .line = ln > 0 && ln <= UINT32_MAX ? (uint32_t)ln : 0,
			    .file = cg_graph_strdup(r->g, str_field(o, "file")) };
	pe->line = line;
	if (!pe->src || !pe->dst)
		return cg_err_set(r->err, CG_EINTERNAL, "out of memory");
	r->npe++;
	return CG_OK;
}

static int read_line(reader *r, const char *p, size_t n, size_t line)
{
	json_error_t je;
	json_t *o = json_loadb(p, n, 0, &je);
	if (!o)
		return line_error(r, line, "invalid JSON: %s", je.text);
	const char *type = str_field(o, "type");
	int rc = !json_is_object(o) ? line_error(r, line, "%s", "not a JSON object")
		: !type ? line_error(r, line, "%s", "missing string field 'type'")
		: strcmp(type, "vertex") == 0 ? read_vertex(r, o, line)
		: strcmp(type, "edge") == 0 ? read_edge(r, o, line)
		: line_error(r, line, "unknown record type '%s' (expected vertex or edge)", type);
	json_decref(o);
	return rc;
}

static int resolve_ref(reader *r, const char *ref, size_t line, cg_resolve_fn resolve, void *rctx, uint64_t *vid)
{
	if (cg_vid_parse(ref, vid) == 0 && cg_graph_find(r->g, *vid))
		return CG_OK;
	uint64_t local = strchr(ref, '#') ? 0 : find_path(r, ref);
	if (local == UINT64_MAX)
		return line_error(r, line, "edge: path %s names several vertices of the input; use an id", ref);
	if (local) {
		*vid = local;
		return CG_OK;
	}
	int rc = resolve ? resolve(rctx, ref, vid, r->err) : cg_err_set(r->err, CG_EDATA, "unknown vertex %s", ref);
	return rc ? cg_err_prefix(r->err, "%s: line %zu: edge", r->name, line) : CG_OK;
}

static int resolve_edges(reader *r, cg_resolve_fn resolve, void *rctx)
{
	for (size_t i = 0; i < r->npe; i++) {
		pending_edge *pe = &r->pe[i];
		int rc = resolve_ref(r, pe->src, pe->line, resolve, rctx, &pe->e.src);
		if (!rc)
			rc = resolve_ref(r, pe->dst, pe->line, resolve, rctx, &pe->e.dst);
		if (!rc && cg_graph_add_edge(r->g, &pe->e) < 0)
			rc = cg_err_set(r->err, CG_EINTERNAL, "out of memory");
		if (rc)
			return rc;
	}
	return CG_OK;
}

int cg_ndjson_read(const char *name, const char *buf, size_t len, const char *unit,
		   cg_resolve_fn resolve, void *rctx, cg_graph **out, cg_err *err)
{
	reader r = { .name = name, .err = err, .g = cg_graph_new(unit) };
	if (!r.g)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	int rc = CG_OK;
	size_t line = 0;
	for (const char *p = buf, *end = buf + len; p < end && !rc;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		line++;
		size_t blank = strspn(p, " \t\r");
		if (blank < n)
			rc = read_line(&r, p, n, line);
		p += n + 1;
	}
	if (!rc)
		rc = resolve_edges(&r, resolve, rctx);
	free(r.pe);
	free(r.paths);
	if (rc) {
		cg_graph_free(r.g);
		return rc;
	}
	*out = r.g;
	return CG_OK;
}

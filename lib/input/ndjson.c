/* ndjson: parse vertex and edge lines; resolve edge endpoints once every vertex is known. */
#include "ndjson.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "codec/keys.h"

#define MAX_CHUNKS 8
#define CHUNK_MIN_BYTES (4 << 20) /* below this, threads cost more than they save */

/* An edge whose endpoints are resolved after the whole input is read (they may be defined
 * further down). */
typedef struct pending_edge {
	const char *src, *dst;
	cg_gedge e;
	size_t line;
} pending_edge;

/* Large inputs are cut into chunks at line ends and parsed on every processor, each chunk
 * into a graph of its own; the chunks are then merged in input order, so errors and
 * duplicates come out as a serial read would give them. */
typedef struct reader {
	const char *name;
	const char *p, *end;
	size_t first_line;
	cg_graph *g;
	cg_err err;
	int rc;
	pending_edge *pe;
	size_t npe, cappe;
	size_t *vline; /* input line of each vertex of g, for messages at merge time */
	size_t nvline, capvline;
} reader;

/* path -> vid of the input's vertices */
typedef struct path_map {
	struct path_slot { uint64_t hash, vid; } *slot;
	size_t n, nslots;
} path_map;

static int line_error(reader *r, size_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int line_error(reader *r, size_t line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return cg_err_set(&r->err, CG_EDATA, "%s: line %zu: %s", r->name, line, msg);
}

static int grow_paths(path_map *m)
{
	size_t n = m->nslots ? m->nslots * 2 : 1024;
	struct path_slot *p = calloc(n, sizeof *p);
	if (!p)
		return -1;
	for (size_t i = 0; i < m->nslots; i++) {
		if (!m->slot[i].vid)
			continue;
		size_t j = m->slot[i].hash & (n - 1);
		while (p[j].vid)
			j = (j + 1) & (n - 1);
		p[j] = m->slot[i];
	}
	free(m->slot);
	m->slot = p;
	m->nslots = n;
	return 0;
}

/* Paths are hashed; equal hashes are treated as equal paths (64-bit XXH3). A path shared by
 * several vertices of the input resolves to none (vid UINT64_MAX = ambiguous). */
static int add_path(path_map *m, const char *path, size_t len, uint64_t vid)
{
	if ((m->n + 1) * 2 > m->nslots && grow_paths(m) < 0)
		return -1;
	uint64_t h = XXH3_64bits(path, len);
	size_t j = h & (m->nslots - 1);
	while (m->slot[j].vid && m->slot[j].hash != h)
		j = (j + 1) & (m->nslots - 1);
	if (m->slot[j].vid && m->slot[j].vid != vid)
		m->slot[j].vid = UINT64_MAX;
	else if (!m->slot[j].vid) {
		m->slot[j] = (struct path_slot){ h, vid };
		m->n++;
	}
	return 0;
}

static uint64_t find_path(const path_map *m, const char *path)
{
	if (!m->nslots)
		return 0;
	uint64_t h = XXH3_64bits(path, strlen(path));
	for (size_t j = h & (m->nslots - 1); m->slot[j].vid; j = (j + 1) & (m->nslots - 1))
		if (m->slot[j].hash == h)
			return m->slot[j].vid;
	return 0;
}

/* The defining path and every alias of each vertex. */
static int map_paths(path_map *m, const cg_graph *g)
{
	for (size_t i = 0; i < cg_graph_nvertices(g); i++) {
		uint64_t vid;
		const cg_vertex *v = cg_graph_vertex_at(g, i, &vid);
		const char *path = v->str[CG_VF_PATH], *a = v->str[CG_VF_ALIASES];
		if (path && add_path(m, path, strlen(path), vid) < 0)
			return -1;
		while (a && *a) {
			size_t n = strcspn(a, "\n");
			if (add_path(m, a, n, vid) < 0)
				return -1;
			a += n + (a[n] == '\n');
		}
	}
	return 0;
}

static const char *str_field(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A positive integer field that fits 32 bits, else 0 (unknown). */
static uint32_t u32_field(json_t *o, const char *key)
{
	json_int_t n = json_integer_value(json_object_get(o, key));
	return n > 0 && n <= UINT32_MAX ? (uint32_t)n : 0;
}

static int push_line(reader *r, size_t line)
{
	if (r->nvline == r->capvline) {
		size_t cap = r->capvline ? r->capvline * 2 : 1024;
		size_t *p = realloc(r->vline, cap * sizeof *p);
		if (!p)
			return -1;
		r->vline = p;
		r->capvline = cap;
	}
	r->vline[r->nvline++] = line;
	return 0;
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
	v.line = u32_field(o, "line");
	v.end_line = u32_field(o, "end_line");
	v.column = u32_field(o, "column");
	if (json_is_true(json_object_get(o, "stub")))
		v.flags |= CG_VFLAG_STUB;
	uint64_t vid;
	size_t before = cg_graph_nvertices(r->g);
	if (id && cg_vid_parse(id, &vid) < 0)
		return line_error(r, line, "vertex: id '%s' is not 16 hex digits", id);
	if (id ? cg_graph_put_vertex(r->g, vid, &v, &r->err) : cg_graph_add_vertex(r->g, &v, &vid, &r->err))
		return cg_err_prefix(&r->err, "%s: line %zu", r->name, line);
	if (cg_graph_nvertices(r->g) > before && push_line(r, line) < 0)
		return cg_err_set(&r->err, CG_EINTERNAL, "out of memory");
	json_t *aliases = json_object_get(o, "aliases"), *a;
	size_t i;
	json_array_foreach(aliases, i, a) {
		if (!json_is_string(a) || cg_graph_add_alias(r->g, vid, json_string_value(a)) < 0)
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
			return cg_err_set(&r->err, CG_EINTERNAL, "out of memory");
		r->pe = p;
		r->cappe = cap;
	}
	pending_edge *pe = &r->pe[r->npe];
	pe->src = cg_graph_strdup(r->g, src);
	pe->dst = cg_graph_strdup(r->g, dst);
	pe->e = (cg_gedge){ .type = type, .line = u32_field(o, "line"),
			    .file = cg_graph_strdup(r->g, str_field(o, "file")) };
	pe->line = line;
	if (!pe->src || !pe->dst)
		return cg_err_set(&r->err, CG_EINTERNAL, "out of memory");
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

/* Whether the line p[0..n) holds only blanks; bounded by n, since buf need not end in NUL. */
static int blank_line(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

static void *parse_chunk(void *arg)
{
	reader *r = arg;
	size_t line = r->first_line;
	for (const char *p = r->p; p < r->end && !r->rc; line++) {
		const char *nl = memchr(p, '\n', (size_t)(r->end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(r->end - p);
		if (!blank_line(p, n))
			r->rc = read_line(r, p, n, line);
		p += n + 1;
	}
	return NULL;
}

static size_t count_lines(const char *p, const char *end)
{
	size_t n = 0;
	for (; p < end && (p = memchr(p, '\n', (size_t)(end - p))); p++)
		n++;
	return n;
}

/* Cuts buf into up to max pieces of about equal size, each ending at a line end. */
static size_t make_chunks(reader *rs, size_t max, const char *name, const char *buf, size_t len,
			  const char *unit)
{
	size_t n = 0, line = 1;
	const char *p = buf, *end = buf + len;
	while (p < end && n < max) {
		const char *cut = n + 1 == max ? end : p + len / max;
		if (cut < end && (cut = memchr(cut, '\n', (size_t)(end - cut))))
			cut++;
		else
			cut = end;
		rs[n] = (reader){ .name = name, .p = p, .end = cut, .first_line = line, .g = cg_graph_new(unit) };
		if (!rs[n].g)
			return 0;
		line += count_lines(p, cut);
		p = cut;
		n++;
	}
	return n;
}

static void parse_chunks(reader *rs, size_t n)
{
	pthread_t t[MAX_CHUNKS];
	size_t started = 0;
	if (!n)
		return;
	for (size_t i = 1; i < n; i++, started++)
		if (pthread_create(&t[i], NULL, parse_chunk, &rs[i]) != 0)
			break;
	parse_chunk(&rs[0]);
	for (size_t i = 1; i <= started; i++)
		pthread_join(t[i], NULL);
	for (size_t i = started + 1; i < n; i++) /* threads that could not start */
		parse_chunk(&rs[i]);
}

/* Moves the chunks' vertices into g in input order; the first error in input order wins. */
static int merge_chunks(reader *rs, size_t n, cg_graph *g, cg_err *err)
{
	for (size_t c = 0; c < n; c++) {
		for (size_t i = 0; i < cg_graph_nvertices(rs[c].g); i++) {
			uint64_t vid;
			const cg_vertex *v = cg_graph_vertex_at(rs[c].g, i, &vid);
			if (cg_graph_put_vertex(g, vid, v, err))
				return cg_err_prefix(err, "%s: line %zu", rs[c].name, rs[c].vline[i]);
		}
		if (rs[c].rc) {
			*err = rs[c].err;
			return rs[c].rc;
		}
	}
	return CG_OK;
}

static int resolve_ref(const reader *r, const path_map *m, cg_graph *g, const char *ref, size_t line,
		       cg_resolve_fn resolve, void *rctx, uint64_t *vid, cg_err *err)
{
	if (cg_vid_parse(ref, vid) == 0 && cg_graph_find(g, *vid))
		return CG_OK;
	uint64_t local = strchr(ref, '#') ? 0 : find_path(m, ref);
	if (local == UINT64_MAX)
		return cg_err_set(err, CG_EDATA, "%s: line %zu: edge: path %s names several vertices of the input; use an id",
				  r->name, line, ref);
	if (local) {
		*vid = local;
		return CG_OK;
	}
	int rc = resolve ? resolve(rctx, ref, vid, err) : cg_err_set(err, CG_EDATA, "unknown vertex %s", ref);
	return rc ? cg_err_prefix(err, "%s: line %zu: edge", r->name, line) : CG_OK;
}

static int resolve_edges(const reader *rs, size_t n, cg_graph *g, cg_resolve_fn resolve, void *rctx, cg_err *err)
{
	path_map m = { 0 };
	int rc = map_paths(&m, g) < 0 ? cg_err_set(err, CG_EINTERNAL, "out of memory") : CG_OK;
	for (size_t c = 0; c < n && !rc; c++) {
		for (size_t i = 0; i < rs[c].npe && !rc; i++) {
			pending_edge pe = rs[c].pe[i];
			rc = resolve_ref(&rs[c], &m, g, pe.src, pe.line, resolve, rctx, &pe.e.src, err);
			if (!rc)
				rc = resolve_ref(&rs[c], &m, g, pe.dst, pe.line, resolve, rctx, &pe.e.dst, err);
			if (!rc && cg_graph_add_edge(g, &pe.e) < 0)
				rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
		}
	}
	free(m.slot);
	return rc;
}

int cg_ndjson_read(const char *name, const char *buf, size_t len, const char *unit,
		   cg_resolve_fn resolve, void *rctx, cg_graph **out, cg_err *err)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t max = len < CHUNK_MIN_BYTES || cpus < 2 ? 1 : cpus > MAX_CHUNKS ? MAX_CHUNKS : (size_t)cpus;
	reader rs[MAX_CHUNKS];
	cg_graph *g = cg_graph_new(unit);
	size_t n = g ? make_chunks(rs, max, name, buf, len, unit) : 0;
	int rc = g && (n || !len) ? CG_OK : cg_err_set(err, CG_EINTERNAL, "out of memory");
	if (!rc) {
		json_object_seed(0); /* once, before threads: jansson's hash seed is global */
		parse_chunks(rs, n);
		rc = merge_chunks(rs, n, g, err);
	}
	if (!rc)
		rc = resolve_edges(rs, n, g, resolve, rctx, err);
	for (size_t i = 0; i < n; i++) {
		cg_graph_free(rs[i].g);
		free(rs[i].pe);
		free(rs[i].vline);
	}
	if (rc) {
		cg_graph_free(g);
		return rc;
	}
	*out = g;
	return CG_OK;
}

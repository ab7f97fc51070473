/* ingest: turn unit graphs into key operations (replace, add, remove) and apply them. */
#include "ingest.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "ingest_int.h"
#include "codec/record.h"
#include "codec/ident.h"
#include "base/grow.h"

static int oom(cg_err *err)
{
	return cg_err_set(err, CG_EINTERNAL, "out of memory");
}

static int shard_of(const ingest_ctx *c, uint64_t vid)
{
	return cg_store_shard_of(c->store, vid);
}

/* ---- index entries of a vertex: the same list for writing and for deleting ---- */

typedef int (*index_fn)(ingest_ctx *c, int shard, const cg_buf *key);

static int each_index_entry(ingest_ctx *c, const cg_vertex *v, uint64_t vid, index_fn fn)
{
	cg_buf k = { 0 };
	int shard = shard_of(c, vid), rc = 0, stub = (v->flags & CG_VFLAG_STUB) != 0;
	const char *kind = cg_kind_name(v->kind);
	const char *name = v->str[CG_VF_NAME], *path = v->str[CG_VF_PATH], *file = v->str[CG_VF_FILE];
#define ENTRY(itype, s, n) \
	if (!rc && (n) > 0) \
		rc = cg_key_index(&k, itype, s, n, vid) < 0 ? oom(c->err) : fn(c, shard, &k)
	ENTRY(CG_IDX_NAME, name, name ? strlen(name) : 0);
	ENTRY(CG_IDX_PATH, path, path ? strlen(path) : 0);
	ENTRY(CG_IDX_KIND, kind, strlen(kind));
	for (const char *a = v->str[CG_VF_ALIASES]; a && *a && !rc;) {
		size_t n = strcspn(a, "\n");
		ENTRY(CG_IDX_PATH, a, n);
		a += n + (a[n] == '\n');
	}
	if (!stub) {
		cg_buf unit = { 0 };
		if (cg_buf_printf(&unit, "%s@%s", v->str[CG_VF_CRATE] ? v->str[CG_VF_CRATE] : "",
				  v->str[CG_VF_VERSION] ? v->str[CG_VF_VERSION] : "") < 0)
			rc = oom(c->err);
		ENTRY(CG_IDX_CRATE, (const char *)unit.data, unit.len);
		cg_buf_free(&unit);
		ENTRY(CG_IDX_FILE, file, file ? strlen(file) : 0);
	}
#undef ENTRY
	cg_buf_free(&k);
	return rc;
}

static int put_index(ingest_ctx *c, int shard, const cg_buf *key)
{
	if (cg_index_encode(&c->val) < 0 ||
	    cg_changeset_put(c->cs, shard, key->data, key->len, c->val.data, c->val.len) < 0)
		return cg_ingest_cs_failed(c);
	return CG_OK;
}

static int delete_index(ingest_ctx *c, int shard, const cg_buf *key)
{
	return cg_changeset_delete(c->cs, shard, key->data, key->len) < 0 ? cg_ingest_cs_failed(c) : CG_OK;
}

int cg_ingest_put_vertex(ingest_ctx *c, uint64_t vid, const cg_vertex *v)
{
	uint8_t k[CG_VERTEX_KEY_LEN];
	cg_key_vertex(k, vid);
	if (cg_vertex_encode(&c->val, v) < 0 ||
	    cg_changeset_put(c->cs, shard_of(c, vid), k, sizeof k, c->val.data, c->val.len) < 0)
		return cg_ingest_cs_failed(c);
	return each_index_entry(c, v, vid, put_index);
}

int cg_ingest_put_edge(ingest_ctx *c, const cg_gedge *e, uint64_t owner)
{
	cg_edge_val ev = { owner, e->line, e->flags, e->file };
	uint8_t fk[CG_EDGE_KEY_LEN], rk[CG_EDGE_KEY_LEN];
	cg_key_edge(fk, e->src, e->type, e->dst, 0);
	cg_key_edge(rk, e->src, e->type, e->dst, 1);
	if (cg_edge_encode(&c->val, &ev) < 0 ||
	    cg_changeset_put(c->cs, shard_of(c, e->src), fk, sizeof fk, c->val.data, c->val.len) < 0 ||
	    cg_changeset_put(c->cs, shard_of(c, e->dst), rk, sizeof rk, c->val.data, c->val.len) < 0)
		return cg_ingest_cs_failed(c);
	return CG_OK;
}

/* ---- reading what is stored ---- */

/* Reads and checks the vertex record of vid; *found = 0 when absent. The caller owns *ps. */
static int get_vertex(ingest_ctx *c, uint64_t vid, rocksdb_pinnableslice_t **ps, cg_vertex *v, int *found)
{
	uint8_t k[CG_VERTEX_KEY_LEN];
	cg_key_vertex(k, vid);
	*found = 0;
	int rc = cg_store_get(c->store, shard_of(c, vid), k, sizeof k, ps, c->err);
	if (rc || !*ps)
		return rc;
	size_t len;
	const char *val = rocksdb_pinnableslice_value(*ps, &len);
	cg_rec rec;
	if ((rc = cg_rec_open(val, len, CG_REC_VERTEX, &rec, c->err))) {
		cg_buf kb = { 0 };
		cg_key_format(&kb, k, sizeof k);
		cg_err_prefix(c->err, "%s", kb.data ? (char *)kb.data : "vertex");
		cg_buf_free(&kb);
		return rc;
	}
	cg_vertex_view(&rec, v);
	*found = 1;
	return CG_OK;
}

/* Whether a graph of this run has the vertex: as an item (real_only), or as anything. */
static int in_run(const ingest_ctx *c, uint64_t vid, int real_only)
{
	for (size_t i = 0; i < c->ngraphs; i++) {
		const cg_vertex *v = c->graphs[i] ? cg_graph_find(c->graphs[i], vid) : NULL;
		if (v && !(real_only && (v->flags & CG_VFLAG_STUB)))
			return 1;
	}
	return 0;
}

/* A stub is written only where no vertex is stored and none is written in this run. */
int cg_ingest_put_stub(ingest_ctx *c, uint64_t vid, const cg_vertex *v)
{
	if (in_run(c, vid, 1))
		return CG_OK;
	rocksdb_pinnableslice_t *ps = NULL;
	cg_vertex old;
	int found, rc = get_vertex(c, vid, &ps, &old, &found);
	if (ps)
		rocksdb_pinnableslice_destroy(ps);
	if (rc || found)
		return rc;
	return cg_ingest_put_vertex(c, vid, v);
}

/* ---- removing what a unit wrote ---- */

static int push_id(ingest_ctx *c, cg_ids *l, uint64_t id)
{
	if (CG_GROW(l->v, l->cap, l->n + 1, 256))
		return oom(c->err);
	l->v[l->n++] = id;
	return CG_OK;
}

static int removing(const ingest_ctx *c, uint64_t unit_id)
{
	for (size_t i = 0; i < c->removing.n; i++)
		if (c->removing.v[i] == unit_id)
			return 1;
	return 0;
}

int cg_ingest_mark_removing(ingest_ctx *c, const char *unit)
{
	uint64_t id = cg_unit_id(unit);
	return removing(c, id) ? CG_OK : push_id(c, &c->removing, id);
}


typedef struct removal {
	ingest_ctx *c;
	uint64_t unit_id;
	uint64_t *vids;
	size_t n, cap;
	int referenced;  /* the current vertex has edges of other units */
	int count_edges; /* off while a later full edge scan will count them */
	cg_unit_result *res;
} removal;

static int push_vid(removal *r, uint64_t vid)
{
	if (CG_GROW(r->vids, r->cap, r->n + 1, 256))
		return oom(r->c->err);
	r->vids[r->n++] = vid;
	return CG_OK;
}

static int collect_index_vid(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
	(void)v, (void)vl;
	uint64_t vid;
	return cg_key_index_vid(k, kl, &vid) < 0 ? CG_OK : push_vid(ctx, vid);
}

static int collect_vertex_key(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
	(void)v, (void)vl;
	return kl == CG_VERTEX_KEY_LEN ? push_vid(ctx, cg_be64_get(k + 1)) : CG_OK;
}

static int bad_record(ingest_ctx *c, const uint8_t *k, size_t kl)
{
	cg_buf kb = { 0 };
	cg_key_format(&kb, k, kl);
	cg_err_prefix(c->err, "%s", kb.data ? (char *)kb.data : "key");
	cg_buf_free(&kb);
	return c->err->code;
}

static int id_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Deletes an edge of the unit (both copies); notes edges of other units. */
static int visit_edge(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
	removal *r = ctx;
	cg_edge_key ek;
	cg_rec rec;
	cg_edge_val ev;
	if (cg_key_edge_decode(k, kl, &ek) < 0)
		return CG_OK;
	if (cg_rec_open(v, vl, CG_REC_EDGE, &rec, r->c->err))
		return bad_record(r->c, k, kl);
	cg_edge_view(&rec, &ev);
	if (ev.owner != r->unit_id) {
		r->referenced |= !removing(r->c, ev.owner);
		return CG_OK;
	}
	if (push_id(r->c, &r->c->touched, ek.other))
		return r->c->err->code;
	uint8_t twin[CG_EDGE_KEY_LEN];
	uint64_t src = ek.reverse ? ek.other : ek.owner, dst = ek.reverse ? ek.owner : ek.other;
	cg_key_edge(twin, src, ek.type, dst, !ek.reverse);
	if (cg_changeset_delete(r->c->cs, shard_of(r->c, ek.owner), k, kl) < 0 ||
	    cg_changeset_delete(r->c->cs, shard_of(r->c, ek.other), twin, sizeof twin) < 0)
		return cg_ingest_cs_failed(r->c);
	if (!ek.reverse && r->count_edges)
		r->res->edges[ek.type]++;
	return CG_OK;
}

/* An old vertex of the unit: its edges go, its index entries go, and the vertex goes unless
 * the new graph has it again; one that other units' edges or this run's graphs still reach
 * stays as a stub. */
static int remove_vertex(removal *r, uint64_t vid, const cg_graph *newg)
{
	ingest_ctx *c = r->c;
	rocksdb_pinnableslice_t *ps = NULL;
	cg_vertex old;
	int found, rc = get_vertex(c, vid, &ps, &old, &found);
	if (rc || !found || old.owner != r->unit_id)
		goto out;
	uint8_t prefix[CG_EDGE_TYPE_PREFIX_LEN];
	size_t plen = cg_key_edge_prefix(prefix, vid, 0, 0);
	r->referenced = 0;
	if ((rc = cg_scan_prefix(c->sc, shard_of(c, vid), prefix, plen, visit_edge, r, c->err)) ||
	    (rc = each_index_entry(c, &old, vid, delete_index)))
		goto out;
	const cg_vertex *again = newg ? cg_graph_find(newg, vid) : NULL;
	if (again && !(again->flags & CG_VFLAG_STUB))
		goto out;
	uint8_t k[CG_VERTEX_KEY_LEN];
	cg_key_vertex(k, vid);
	if (cg_changeset_delete(c->cs, shard_of(c, vid), k, sizeof k) < 0) {
		rc = oom(c->err);
		goto out;
	}
	r->res->vertices++;
	if (r->referenced || in_run(c, vid, 0)) {
		old.flags |= CG_VFLAG_STUB;
		old.owner = 0;
		rc = cg_ingest_put_vertex(c, vid, &old);
	}
out:
	if (ps)
		rocksdb_pinnableslice_destroy(ps);
	return rc;
}

/* The unit's vertices: through the crate index for crates; a full scan for NDJSON units,
 * whose vertices may claim any crate. NDJSON units' edges may hang off anyone's vertices, so
 * their edges are found by a full scan too. */
int cg_ingest_plan_removal(ingest_ctx *c, const char *unit, int is_ndjson, const cg_graph *newg,
			cg_unit_result *res)
{
	removal r = { .c = c, .unit_id = cg_unit_id(unit), .res = res, .count_edges = !is_ndjson };
	cg_buf prefix = { 0 };
	int rc = cg_ingest_mark_removing(c, unit);
	if (!rc && (is_ndjson ? cg_buf_putc(&prefix, CG_FAM_VERTEX)
		    : cg_key_index_prefix(&prefix, CG_IDX_CRATE, unit, strlen(unit), 1)) < 0)
		rc = oom(c->err);
	for (int s = 0; s < cg_store_nshards(c->store) && !rc; s++)
		rc = cg_scan_prefix(c->sc, s, prefix.data, prefix.len,
				    is_ndjson ? collect_vertex_key : collect_index_vid, &r, c->err);
	if (!rc) /* in key order: each get and scan reads blocks near the last one's */
		qsort(r.vids, r.n, sizeof *r.vids, id_cmp);
	for (size_t i = 0; i < r.n && !rc; i++)
		rc = remove_vertex(&r, r.vids[i], newg);
	uint8_t e = CG_FAM_EDGE;
	r.count_edges = 1;
	for (int s = 0; is_ndjson && s < cg_store_nshards(c->store) && !rc; s++)
		rc = cg_scan_prefix(c->sc, s, &e, 1, visit_edge, &r, c->err);
	cg_buf_free(&prefix);
	free(r.vids);
	return rc;
}

/* A stub's edge that no removal deletes keeps the stub. */
static int surviving_edge(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
	ingest_ctx *c = ctx;
	cg_rec rec;
	cg_edge_val ev;
	if (cg_rec_open(v, vl, CG_REC_EDGE, &rec, c->err))
		return bad_record(c, k, kl);
	cg_edge_view(&rec, &ev);
	return removing(c, ev.owner) ? CG_OK : 1;
}

static int sweep_stub(ingest_ctx *c, uint64_t vid)
{
	rocksdb_pinnableslice_t *ps = NULL;
	cg_vertex v;
	int found, rc = get_vertex(c, vid, &ps, &v, &found);
	if (!rc && found && (v.flags & CG_VFLAG_STUB) && !in_run(c, vid, 0)) {
		uint8_t prefix[CG_EDGE_TYPE_PREFIX_LEN], k[CG_VERTEX_KEY_LEN];
		size_t plen = cg_key_edge_prefix(prefix, vid, 0, 0);
		rc = cg_scan_prefix(c->sc, shard_of(c, vid), prefix, plen, surviving_edge, c, c->err);
		cg_key_vertex(k, vid);
		if (rc == CG_OK && !(rc = each_index_entry(c, &v, vid, delete_index)) &&
		    cg_changeset_delete(c->cs, shard_of(c, vid), k, sizeof k) < 0)
			rc = cg_ingest_cs_failed(c);
		rc = rc == 1 ? CG_OK : rc; /* 1: an edge survives, the stub stays */
	}
	if (ps)
		rocksdb_pinnableslice_destroy(ps);
	return rc;
}

int cg_ingest_sweep_stubs(ingest_ctx *c)
{
	if (c->touched.n)
		qsort(c->touched.v, c->touched.n, sizeof *c->touched.v, id_cmp);
	int rc = CG_OK;
	for (size_t i = 0; i < c->touched.n && !rc; i++)
		if (!i || c->touched.v[i] != c->touched.v[i - 1])
			rc = sweep_stub(c, c->touched.v[i]);
	return rc;
}

/* ---- metadata ---- */

static json_t *edge_counts(const size_t *edges)
{
	json_t *o = json_object();
	for (int t = 1; t < CG_EDGE_NTYPES; t++)
		json_object_set_new(o, cg_edge_type_name(t), json_integer((json_int_t)edges[t]));
	return o;
}

static int put_meta(ingest_ctx *c, const cg_graph *g, const cg_unit_result *res)
{
	const cg_unit_info *in = cg_graph_info(g);
	char when[32];
	time_t now = time(NULL);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	json_t *deps = json_array();
	for (size_t i = 0; in->depends && in->depends[i]; i++)
		json_array_append_new(deps, json_string(in->depends[i]));
	json_t *o = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:I, s:I, s:I, s:o, s:o, s:s}",
			      "unit", cg_graph_unit(g), "kind", in->is_ndjson ? "ndjson" : "crate",
			      "name", in->name, "version", in->version, "checksum", in->checksum,
			      "content", res->content[0] ? res->content : NULL,
			      "features", in->features, "source", in->source, "input", in->input,
			      "bytes", (json_int_t)in->bytes,
			      "vertices", (json_int_t)res->vertices, "stubs", (json_int_t)res->stubs,
			      "edges", edge_counts(res->edges), "depends", deps, "ingested", when);
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	int rc = CG_OK;
	const char *unit = cg_graph_unit(g);
	if (!text || cg_key_meta(&c->key, CG_META_CRATE, unit, strlen(unit)) < 0 ||
	    cg_meta_encode(&c->val, text, strlen(text)) < 0 ||
	    cg_changeset_put(c->cs, 0, c->key.data, c->key.len, c->val.data, c->val.len) < 0)
		rc = cg_ingest_cs_failed(c);
	free(text);
	return rc;
}

int cg_ingest_meta(cg_store *s, int mtype, const char *key, char **json, cg_err *err)
{
	cg_buf k = { 0 };
	rocksdb_pinnableslice_t *ps = NULL;
	*json = NULL;
	int rc = cg_key_meta(&k, mtype, key, strlen(key)) < 0 ? oom(err)
		: cg_store_get(s, 0, k.data, k.len, &ps, err);
	if (!rc && ps) {
		size_t len;
		const char *val = rocksdb_pinnableslice_value(ps, &len);
		cg_rec rec;
		if ((rc = cg_rec_open(val, len, CG_REC_META, &rec, err)))
			cg_err_prefix(err, "m:%s:%s", cg_meta_type_name(mtype), key);
		else if (!(*json = strdup(cg_meta_text(&rec))))
			rc = oom(err);
	}
	if (ps)
		rocksdb_pinnableslice_destroy(ps);
	cg_buf_free(&k);
	return rc;
}

typedef struct meta_walk {
	cg_ingest_meta_fn fn;
	void *ctx;
	cg_err *err;
} meta_walk;

static int visit_meta(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
	meta_walk *w = ctx;
	cg_rec rec;
	char key[512];
	if (cg_rec_open(v, vl, CG_REC_META, &rec, w->err))
		return w->err->code;
	snprintf(key, sizeof key, "%.*s", (int)(kl - 2), (const char *)k + 2);
	return w->fn(w->ctx, key, cg_meta_text(&rec));
}

int cg_ingest_each_meta(cg_store *s, int mtype, cg_ingest_meta_fn fn, void *ctx, cg_err *err)
{
	uint8_t prefix[2] = { CG_FAM_META, (uint8_t)mtype };
	meta_walk w = { fn, ctx, err };
	cg_scanner *sc = cg_scanner_new(s);
	int rc = sc ? cg_scan_prefix(sc, 0, prefix, sizeof prefix, visit_meta, &w, err) : oom(err);
	cg_scanner_free(sc);
	return rc;
}

static int same_text(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* The depends list a crate was stored with equals the one it would get now. */
static int same_depends(json_t *stored, const cg_unit_info *in)
{
	size_t n = 0;
	while (in->depends && in->depends[n])
		n++;
	if (json_array_size(stored) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!same_text(json_string_value(json_array_get(stored, i)), in->depends[i]))
			return 0;
	return 1;
}

/* The digest of what the graph holds: every vertex record and edge as they would be stored,
 * summed so that their order does not matter. It, not the input's bytes, decides whether a
 * unit changed: options that change the subgraph (--keep-synthetic) change it, and the
 * build's location (rustdoc JSON names the rlibs in its target directory) does not. */
static int content_digest(ingest_ctx *c, cg_graph *g, char out[17])
{
	uint64_t sum = 0;
	uint8_t fk[CG_EDGE_KEY_LEN];
	cg_graph_dedupe_edges(g);
	for (size_t i = 0; i < cg_graph_nvertices(g); i++) {
		uint64_t vid;
		const cg_vertex *v = cg_graph_vertex_at(g, i, &vid);
		if (cg_vertex_encode(&c->val, v) < 0)
			return oom(c->err);
		sum += XXH3_64bits_withSeed(c->val.data, c->val.len, vid);
	}
	for (size_t i = 0; i < cg_graph_nedges(g); i++) {
		const cg_gedge *e = cg_graph_edge_at(g, i);
		cg_edge_val ev = { cg_graph_unit_id(g), e->line, e->flags, e->file };
		cg_key_edge(fk, e->src, e->type, e->dst, 0);
		if (cg_edge_encode(&c->val, &ev) < 0)
			return oom(c->err);
		sum += XXH3_64bits_withSeed(c->val.data, c->val.len, XXH3_64bits(fk, sizeof fk));
	}
	snprintf(out, 17, "%016llx", (unsigned long long)sum);
	return CG_OK;
}

/* The cache key: name, version (in the unit), what the subgraph holds, enabled features — and
 * the dependencies Cargo.lock resolves, whose versions the Depends edges carry. A unit stored
 * before the digest was kept is compared by its source checksum, so that a cg upgrade does
 * not rewrite every unit on the next ingest. */
static int same_cache_key(const char *meta, const cg_unit_info *in, const char *content)
{
	json_t *o = json_loads(meta, 0, NULL);
	const char *stored = json_string_value(json_object_get(o, "content"));
	const char *sum = json_string_value(json_object_get(o, "checksum"));
	const char *feat = json_string_value(json_object_get(o, "features"));
	int same_graph = stored ? strcmp(stored, content) == 0 : same_text(sum, in->checksum);
	int same = o && same_graph && same_text(feat, in->features) &&
		same_depends(json_object_get(o, "depends"), in);
	json_decref(o);
	return same;
}

static int stop_at_first(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
	(void)k, (void)kl, (void)v, (void)vl;
	*(int *)ctx = 1;
	return 1;
}

int cg_ingest_has_units(ingest_ctx *c, int *any)
{
	uint8_t prefix[2] = { CG_FAM_META, CG_META_CRATE };
	*any = 0;
	int rc = cg_scan_prefix(c->sc, 0, prefix, sizeof prefix, stop_at_first, any, c->err);
	return rc == 1 ? CG_OK : rc;
}

/* ---- writing a unit ---- */

int cg_ingest_write_graph(ingest_ctx *c, cg_graph *g, cg_unit_result *res)
{
	int rc = CG_OK;
	cg_graph_dedupe_edges(g);
	for (size_t i = 0; i < cg_graph_nvertices(g) && !rc; i++) {
		uint64_t vid;
		const cg_vertex *v = cg_graph_vertex_at(g, i, &vid);
		if (v->flags & CG_VFLAG_STUB) {
			rc = cg_ingest_put_stub(c, vid, v);
			res->stubs++;
		} else {
			rc = cg_ingest_put_vertex(c, vid, v);
			res->vertices++;
		}
	}
	for (size_t i = 0; i < cg_graph_nedges(g) && !rc; i++) {
		const cg_gedge *e = cg_graph_edge_at(g, i);
		rc = cg_ingest_put_edge(c, e, cg_graph_unit_id(g));
		res->edges[e->type]++;
	}
	return rc ? rc : put_meta(c, g, res);
}

static void result_init(cg_unit_result *res, const char *unit, const cg_unit_info *in)
{
	memset(res, 0, sizeof *res);
	snprintf(res->unit, sizeof res->unit, "%s", unit);
	snprintf(res->name, sizeof res->name, "%s", in && in->name ? in->name : unit);
	snprintf(res->version, sizeof res->version, "%s", in && in->version ? in->version : "");
	res->bytes = in ? in->bytes : 0;
}

int cg_ingest_ctx_open(ingest_ctx *c, cg_store *s, cg_err *err)
{
	memset(c, 0, sizeof *c);
	c->store = s;
	c->err = err;
	c->cs = cg_changeset_new(cg_store_nshards(s));
	c->sc = cg_scanner_new(s);
	return c->cs && c->sc ? CG_OK : oom(err);
}

/* The change's operations get about half the bound: the rest is the process itself (block
 * cache, parse buffers, the readers' tables). */
int cg_ingest_ctx_bound(ingest_ctx *c, size_t bytes)
{
	char dir[4200];
	snprintf(dir, sizeof dir, "%s/ingest.%ld", cg_store_dir(c->store), (long)getpid());
	if (cg_changeset_bound(c->cs, (bytes ? bytes : CG_INGEST_MEMORY_DEFAULT) / 2, dir) < 0)
		return oom(c->err);
	return CG_OK;
}

int cg_ingest_cs_failed(ingest_ctx *c)
{
	return cg_changeset_error(c->cs, c->err);
}

/* The store becomes the writer only when there is something to write (CG_OPEN_WRITE_LATER);
 * its read-only instances close then, so the scanner's iterators go first. */
int cg_ingest_ctx_apply(ingest_ctx *c, int mode)
{
	int rc = CG_OK;
	if (cg_changeset_count(c->cs)) {
		cg_scanner_free(c->sc);
		c->sc = NULL;
		rc = cg_store_writable(c->store, c->err);
	}
	return rc ? rc : cg_changeset_apply(c->cs, c->store, mode, c->err);
}

void cg_ingest_ctx_close(ingest_ctx *c)
{
	free(c->removing.v);
	free(c->touched.v);
	cg_changeset_free(c->cs);
	cg_scanner_free(c->sc);
	cg_buf_free(&c->key);
	cg_buf_free(&c->val);
}

static int is_ndjson_meta(const char *meta)
{
	json_t *o = json_loads(meta, 0, NULL);
	const char *kind = json_string_value(json_object_get(o, "kind"));
	int yes = kind && strcmp(kind, "ndjson") == 0;
	json_decref(o);
	return yes;
}

static int same_input(const char *meta, const cg_unit_info *in)
{
	json_t *o = json_loads(meta, 0, NULL);
	int same = in->input && same_text(json_string_value(json_object_get(o, "input")), in->input);
	json_decref(o);
	return same;
}

/* An unchanged unit whose record lacks this input's digest (stored by an older cg, or built
 * elsewhere from the same graph) gets it, so that the next run need not parse it. */
static int note_input(ingest_ctx *c, const char *unit, const char *meta, const char *input)
{
	json_t *o = json_loads(meta, 0, NULL);
	char *text = o && json_object_set_new(o, "input", json_string(input)) == 0
		? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	int rc = CG_OK;
	if (!text)
		rc = oom(c->err);
	else if (cg_key_meta(&c->key, CG_META_CRATE, unit, strlen(unit)) < 0 ||
		 cg_meta_encode(&c->val, text, strlen(text)) < 0 ||
		 cg_changeset_put(c->cs, 0, c->key.data, c->key.len, c->val.data, c->val.len) < 0)
		rc = cg_ingest_cs_failed(c);
	free(text);
	return rc;
}

/* Decides added / replaced / unchanged for one graph and plans its removal if replaced. */
int cg_ingest_plan_unit(ingest_ctx *c, cg_graph *g, cg_unit_result *res)
{
	const cg_unit_info *in = cg_graph_info(g);
	result_init(res, cg_graph_unit(g), in);
	char *meta;
	int rc = cg_ingest_meta(c->store, CG_META_CRATE, cg_graph_unit(g), &meta, c->err);
	if (!rc && meta && !in->is_ndjson && same_input(meta, in)) {
		res->status = "unchanged"; /* decided from the input's bytes: g may be unparsed */
		free(meta);
		return CG_OK;
	}
	if (!rc && !in->is_ndjson)
		rc = content_digest(c, g, res->content);
	if (rc) {
		free(meta);
		return rc;
	}
	if (meta && !in->is_ndjson != !is_ndjson_meta(meta)) {
		rc = cg_err_set(c->err, CG_EDATA, in->is_ndjson
				? "--unit %s: the store holds a crate of that name and version; give another unit name"
				: "%s: the store holds NDJSON records as a unit of that name; remove it first (--remove %s)",
				cg_graph_unit(g), cg_graph_unit(g));
	} else if (!meta || in->is_ndjson) {
		res->status = "added";
	} else if (same_cache_key(meta, in, res->content)) {
		res->status = "unchanged";
		if (in->input)
			rc = note_input(c, cg_graph_unit(g), meta, in->input);
	} else {
		cg_unit_result removed;
		result_init(&removed, cg_graph_unit(g), in);
		res->status = "replaced";
		rc = cg_ingest_plan_removal(c, cg_graph_unit(g), 0, g, &removed);
	}
	free(meta);
	return rc;
}

/* ---- removing a unit by name ---- */

typedef struct unit_list {
	char units[16][256];
	int n;
} unit_list;

static int collect_unit(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
	(void)v, (void)vl;
	unit_list *l = ctx;
	if (l->n < 16)
		snprintf(l->units[l->n], sizeof l->units[0], "%.*s", (int)(kl - 2), (const char *)k + 2);
	l->n++;
	return CG_OK;
}

/* Crate names are stored as rustdoc spells them: '-' becomes '_'. */
static int find_units(ingest_ctx *c, const char *spec, unit_list *l)
{
	char name[256];
	snprintf(name, sizeof name, "%s%s", spec, strchr(spec, '@') ? "" : "@");
	for (char *p = name; *p && *p != '@'; p++)
		if (*p == '-')
			*p = '_';
	cg_buf prefix = { 0 };
	l->n = 0;
	int rc = cg_key_meta(&prefix, CG_META_CRATE, name, strlen(name)) < 0 ? oom(c->err)
		: cg_scan_prefix(c->sc, 0, prefix.data, prefix.len, collect_unit, l, c->err);
	if (!rc && l->n == 0 && !strchr(spec, '@') && cg_key_meta(&prefix, CG_META_CRATE, spec, strlen(spec)) == 0)
		rc = cg_scan_prefix(c->sc, 0, prefix.data, prefix.len, collect_unit, l, c->err);
	/* an exact name also matches longer names sharing its prefix: keep exact ones only */
	int kept = 0;
	for (int i = 0; i < l->n && i < 16; i++)
		if (strchr(spec, '@') ? strcmp(l->units[i], name) == 0
		    : strncmp(l->units[i], name, strlen(name)) == 0 || strcmp(l->units[i], spec) == 0)
			memmove(l->units[kept++], l->units[i], sizeof l->units[0]);
	l->n = kept;
	cg_buf_free(&prefix);
	return rc;
}

int cg_ingest_remove(cg_store *s, const char *spec, cg_unit_result *res, cg_err *err)
{
	ingest_ctx c;
	unit_list l;
	int rc = cg_ingest_ctx_open(&c, s, err);
	if (!rc)
		rc = find_units(&c, spec, &l);
	if (!rc && l.n == 0)
		rc = cg_err_set(err, CG_ENOINPUT, "%s: no such crate or unit in the store", spec);
	if (!rc && l.n > 1)
		rc = cg_err_set(err, CG_EUSAGE, "%s: %d versions are stored (%s, %s%s); name one as CRATE@VERSION",
				spec, l.n, l.units[0], l.units[1], l.n > 2 ? ", ..." : "");
	char *meta = NULL;
	if (!rc && !(rc = cg_ingest_meta(s, CG_META_CRATE, l.units[0], &meta, err)) && !meta)
		rc = cg_err_set(err, CG_ENOINPUT, "%s: not found", spec);
	if (!rc) {
		json_t *o = json_loads(meta, 0, NULL);
		const char *kind = json_string_value(json_object_get(o, "kind"));
		cg_unit_info in = { .name = json_string_value(json_object_get(o, "name")),
				    .version = json_string_value(json_object_get(o, "version")) };
		result_init(res, l.units[0], &in);
		res->status = "removed";
		rc = cg_ingest_plan_removal(&c, l.units[0], kind && strcmp(kind, "ndjson") == 0, NULL, res);
		if (!rc)
			rc = cg_ingest_sweep_stubs(&c);
		json_decref(o);
	}
	if (!rc && (cg_key_meta(&c.key, CG_META_CRATE, l.units[0], strlen(l.units[0])) < 0 ||
		    cg_changeset_delete(c.cs, 0, c.key.data, c.key.len) < 0))
		rc = cg_ingest_cs_failed(&c);
	if (!rc)
		rc = cg_ingest_ctx_apply(&c, CG_APPLY_AUTO);
	free(meta);
	cg_ingest_ctx_close(&c);
	return rc;
}

/* ---- resolving references to stored vertices ---- */

typedef struct matches {
	ingest_ctx *c;
	int kind;          /* 0: any */
	uint64_t vid[2];
	int n;
} matches;

static int match_path(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
	(void)v, (void)vl;
	matches *m = ctx;
	uint64_t vid;
	if (cg_key_index_vid(k, kl, &vid) < 0)
		return CG_OK;
	if (m->kind) {
		rocksdb_pinnableslice_t *ps = NULL;
		cg_vertex vx;
		int found, rc = get_vertex(m->c, vid, &ps, &vx, &found);
		int keep = found && vx.kind == m->kind;
		if (ps)
			rocksdb_pinnableslice_destroy(ps);
		if (rc || !keep)
			return rc;
	}
	if (m->n < 2)
		m->vid[m->n] = vid;
	m->n++;
	return CG_OK;
}

int cg_ingest_resolve(cg_store *s, const char *ref, uint64_t *vid, cg_err *err)
{
	ingest_ctx c;
	int rc = cg_ingest_ctx_open(&c, s, err);
	if (!rc && cg_vid_parse(ref, vid) == 0) {
		rocksdb_pinnableslice_t *ps = NULL;
		cg_vertex v;
		int found;
		if (!(rc = get_vertex(&c, *vid, &ps, &v, &found)) && !found)
			rc = cg_err_set(err, CG_EDATA, "no vertex with id %s", ref);
		if (ps)
			rocksdb_pinnableslice_destroy(ps);
		cg_ingest_ctx_close(&c);
		return rc;
	}
	const char *hash = strrchr(ref, '#');
	size_t plen = hash ? (size_t)(hash - ref) : strlen(ref);
	matches m = { .c = &c, .kind = hash ? cg_kind_parse(hash + 1) : 0 };
	if (!rc && hash && !m.kind)
		rc = cg_err_set(err, CG_EDATA, "%s: unknown kind '%s'", ref, hash + 1);
	if (!rc && cg_key_index_prefix(&c.key, CG_IDX_PATH, ref, plen, 1) < 0)
		rc = oom(err);
	for (int sh = 0; sh < cg_store_nshards(s) && !rc; sh++)
		rc = cg_scan_prefix(c.sc, sh, c.key.data, c.key.len, match_path, &m, err);
	if (!rc && m.n == 0)
		rc = cg_err_set(err, CG_EDATA, "no vertex with path %s", ref);
	if (!rc && m.n > 1)
		rc = cg_err_set(err, CG_EDATA, "path %s names %d vertices (e.g. %016llx, %016llx); add #kind or use an id",
				ref, m.n, (unsigned long long)m.vid[0], (unsigned long long)m.vid[1]);
	if (!rc)
		*vid = m.vid[0];
	cg_ingest_ctx_close(&c);
	return rc;
}

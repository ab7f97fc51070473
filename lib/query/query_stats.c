/* query_stats: whole-store answers — stats (counts by kind, edge type and crate, sizes,
 * RocksDB properties) and dump (every key, readable, with its decoded value, in key order). */
#include "query_int.h"

#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "input/graph.h"
#include "codec/ident.h"

struct tally {
	cg_reader *r;
	const cg_vmap *ws;      /* stats --workspace: its units only, NULL: everything */
	const char *ws_name;
	json_t *workspaces;     /* [{"name","members","dependencies"}] from m:workspace: */
	uint64_t vertices, stubs, edges, index[CG_IDX_NTYPES];
	uint64_t kinds[CG_KIND_NKINDS], types[CG_EDGE_NTYPES];
	uint64_t shard_keys[CG_MAX_SHARDS];
	cg_vmap unit_v, unit_e; /* unit id -> vertices / edges it owns */
	json_t *crates;
};

static int bump(cg_vmap *m, uint64_t k, cg_err *err)
{
	uint64_t *v = k ? cg_vmap_get(m, k) : NULL;
	if (v)
		(*v)++;
	else if (k && cg_vmap_put(m, k, 1) < 0)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	return CG_OK;
}

static int damaged(cg_err *err, const uint8_t *k, size_t klen)
{
	cg_buf name = { 0 };
	char reason[sizeof err->msg];
	snprintf(reason, sizeof reason, "%s", err->msg);
	int ok = cg_key_format(&name, k, klen) == 0 && cg_buf_putc(&name, 0) == 0;
	cg_err_set(err, CG_EDATA, "%s: damaged record: %s", ok ? (char *)name.data : "?", reason);
	cg_buf_free(&name);
	return CG_EDATA;
}

static int add_workspace(struct tally *t, const cg_rec *rec, cg_err *err)
{
	json_t *o = json_loads(cg_meta_text(rec), 0, NULL);
	const char *name = json_string_value(json_object_get(o, "name"));
	if (t->ws_name && (!name || strcmp(name, t->ws_name))) {
		json_decref(o);
		return CG_OK;
	}
	json_t *w = json_is_object(o) ? json_pack("{s:O?, s:O?, s:O?}", "name", json_object_get(o, "name"),
						  "members", json_object_get(o, "members"),
						  "dependencies", json_object_get(o, "dependencies")) : NULL;
	json_decref(o);
	if (!w || json_array_append_new(t->workspaces, w) < 0)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	return CG_OK;
}

static int tally_key(void *ctx, int shard, const uint8_t *k, size_t klen, const uint8_t *v,
		     size_t vlen, cg_err *err)
{
	struct tally *t = ctx;
	cg_rec rec;
	t->shard_keys[shard]++;
	if (cg_rec_open(v, vlen, 0, &rec, err))
		return damaged(err, k, klen);
	if (k[0] == CG_FAM_VERTEX && rec.type == CG_REC_VERTEX) {
		cg_vertex vx;
		cg_vertex_view(&rec, &vx);
		if (t->ws && (!vx.owner || !cg_vmap_get(t->ws, vx.owner)))
			return CG_OK;
		t->vertices++;
		t->stubs += (vx.flags & CG_VFLAG_STUB) != 0;
		t->kinds[vx.kind < CG_KIND_NKINDS ? vx.kind : 0]++;
		return bump(&t->unit_v, vx.owner, err);
	}
	if (k[0] == CG_FAM_EDGE && rec.type == CG_REC_EDGE && klen == CG_EDGE_KEY_LEN) {
		if (k[9] & CG_EDGE_REVERSE)
			return CG_OK; /* each edge once: the forward copy */
		cg_edge_val e;
		cg_edge_view(&rec, &e);
		if (t->ws && !cg_vmap_get(t->ws, e.owner))
			return CG_OK;
		t->edges++;
		t->types[(k[9] & 0x7f) < CG_EDGE_NTYPES ? k[9] & 0x7f : 0]++;
		return bump(&t->unit_e, e.owner, err);
	}
	if (k[0] == CG_FAM_INDEX && klen > 1 && k[1] < CG_IDX_NTYPES) {
		t->index[k[1]]++;
		return CG_OK;
	}
	if (k[0] == CG_FAM_META && klen > 2 && k[1] == CG_META_WORKSPACE && rec.type == CG_REC_META)
		return add_workspace(t, &rec, err);
	if (k[0] == CG_FAM_META && klen > 2 && k[1] == CG_META_CRATE && rec.type == CG_REC_META) {
		char *unit = strndup((const char *)k + 2, klen - 2);
		if (unit && t->ws && !cg_vmap_get(t->ws, cg_unit_id(unit))) {
			free(unit);
			return CG_OK;
		}
		json_t *meta = json_loads(cg_meta_text(&rec), 0, NULL);
		json_t *o = unit ? json_pack("{s:s, s:o?}", "unit", unit, "meta", meta) : NULL;
		free(unit);
		if (!o || json_array_append_new(t->crates, o) < 0)
			return cg_err_set(err, CG_EINTERNAL, "out of memory");
	}
	return CG_OK;
}

static uint64_t dir_bytes;

static int add_size(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path, (void)ftw;
	if (flag == FTW_F)
		dir_bytes += (uint64_t)st->st_size;
	return 0;
}

static json_t *shard_props(cg_store *s, int i, uint64_t keys)
{
	static const char *const props[] = {
		"rocksdb.estimate-num-keys", "rocksdb.total-sst-files-size", "rocksdb.live-sst-files-size",
		"rocksdb.estimate-live-data-size", "rocksdb.num-live-versions", "rocksdb.block-cache-usage",
		"rocksdb.estimate-table-readers-mem", "rocksdb.num-files-at-level0",
		"rocksdb.num-files-at-level1", "rocksdb.num-files-at-level6",
	};
	rocksdb_t *db = cg_store_db(s, i);
	json_t *o = json_pack("{s:i, s:I, s:b}", "shard", i, "keys", (json_int_t)keys, "open", db != NULL);
	json_t *rp = json_object();
	for (size_t p = 0; db && o && rp && p < sizeof props / sizeof *props; p++) {
		uint64_t val;
		if (rocksdb_property_int(db, props[p], &val) == 0)
			json_object_set_new(rp, props[p] + 8, json_integer((json_int_t)val));
	}
	if (o && rp)
		json_object_set_new(o, "rocksdb", rp);
	return o;
}

static json_t *count_obj(const uint64_t *n, int total, const char *(*name)(int))
{
	json_t *o = json_object();
	for (int i = 0; o && i < total; i++)
		if (n[i] && name(i))
			json_object_set_new(o, name(i), json_integer((json_int_t)n[i]));
	return o;
}

static const char *kind_name(int k) { return cg_kind_name(k); }

/* A workspace's units, and the vertices and edges they own (shared units count in each). */
static void ws_counts(struct tally *t, json_t *ws)
{
	static const char *const lists[] = { "members", "dependencies" };
	json_int_t units = 0, nv = 0, ne = 0;
	for (int l = 0; l < 2; l++) {
		size_t i;
		json_t *u;
		json_array_foreach(json_object_get(ws, lists[l]), i, u) {
			uint64_t id = cg_unit_id(json_string_value(u) ? json_string_value(u) : "");
			uint64_t *v = cg_vmap_get(&t->unit_v, id), *e = cg_vmap_get(&t->unit_e, id);
			units++;
			nv += v ? (json_int_t)*v : 0;
			ne += e ? (json_int_t)*e : 0;
		}
		json_object_del(ws, lists[l]);
	}
	json_object_set_new(ws, "units", json_integer(units));
	json_object_set_new(ws, "vertices", json_integer(nv));
	json_object_set_new(ws, "edges", json_integer(ne));
}

static int finish_stats(q_run *run, struct tally *t, cg_err *err)
{
	cg_store *s = cg_read_store(run->q->r);
	json_t *crate;
	size_t i;
	json_array_foreach(t->crates, i, crate) {
		uint64_t id = cg_unit_id(json_string_value(json_object_get(crate, "unit")));
		uint64_t *nv = cg_vmap_get(&t->unit_v, id), *ne = cg_vmap_get(&t->unit_e, id);
		json_object_set_new(crate, "vertices", json_integer(nv ? (json_int_t)*nv : 0));
		json_object_set_new(crate, "edges", json_integer(ne ? (json_int_t)*ne : 0));
	}
	json_t *ws;
	json_array_foreach(t->workspaces, i, ws)
		ws_counts(t, ws);
	json_t *shards = json_array();
	for (int k = 0; shards && k < cg_store_nshards(s); k++)
		json_array_append_new(shards, shard_props(s, k, t->shard_keys[k]));
	dir_bytes = 0;
	nftw(cg_store_dir(s), add_size, 16, FTW_PHYS);
	json_t *st = json_pack("{s:s?, s:I, s:I, s:I, s:o, s:o, s:o, s:O, s:O, s:I, s:o}",
			       "workspace", run->qq->workspace,
			       "vertices", (json_int_t)t->vertices, "stubs", (json_int_t)t->stubs,
			       "edges", (json_int_t)t->edges,
			       "kinds", count_obj(t->kinds, CG_KIND_NKINDS, kind_name),
			       "edge_types", count_obj(t->types, CG_EDGE_NTYPES, cg_edge_type_name),
			       "index_entries", count_obj(t->index, CG_IDX_NTYPES, cg_index_type_name),
			       "crates", t->crates, "workspaces", t->workspaces,
			       "store_bytes", (json_int_t)dir_bytes, "shards", shards);
	char *text = st ? json_dumps(st, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(st);
	cg_buf body = { 0 };
	int rc = !text || cg_buf_printf(&body, "\"stats\":%s", text) < 0
		? cg_err_set(err, CG_EINTERNAL, "out of memory") : CG_OK;
	free(text);
	run->count++;
	if (!rc && run->mode == Q_EMIT)
		rc = q_emit_line(run->q, &body, err);
	cg_buf_free(&body);
	return rc;
}

int q_stats(q_run *run, cg_err *err)
{
	struct tally t = { .r = run->q->r, .ws = run->ws_units, .ws_name = run->qq->workspace, .crates = json_array(),
			   .workspaces = json_array() };
	if (!t.crates || !t.workspaces) {
		json_decref(t.crates);
		json_decref(t.workspaces);
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	}
	q_plan(run, "scan every key of every shard once, merged in key order; read shard properties");
	int rc = cg_read_all(run->q->r, 0, tally_key, &t, err);
	if (!rc)
		rc = finish_stats(run, &t, err);
	json_decref(t.crates);
	json_decref(t.workspaces);
	cg_vmap_free(&t.unit_v);
	cg_vmap_free(&t.unit_e);
	return rc;
}

/* ---- dump ---- */

struct dump {
	q_run *run;
	cg_buf line;
	cg_buf key;
};

static int dump_value(struct dump *d, const uint8_t *k, size_t klen, const cg_rec *rec, cg_err *err)
{
	cg_buf *b = &d->line;
	if (rec->type == CG_REC_VERTEX && k[0] == CG_FAM_VERTEX && klen == CG_VERTEX_KEY_LEN) {
		cg_vertex v;
		cg_vertex_view(rec, &v);
		return cg_read_json_vertex(b, cg_be64_get(k + 1), &v) < 0 ? -1 : 0;
	}
	if (rec->type == CG_REC_EDGE) {
		cg_edge_val e;
		const char *unit = NULL;
		char hex[17];
		cg_edge_view(rec, &e);
		int rc = cg_read_unit_name(d->run->q->r, e.owner, &unit, err);
		if (rc)
			return rc;
		cg_vid_hex(e.owner, hex);
		return cg_buf_printf(b, "{\"unit\":") < 0 || cg_read_json_str(b, unit ? unit : hex) < 0 ||
		       cg_buf_printf(b, ",\"line\":%u,\"flags\":%u,\"file\":", e.line, e.flags) < 0 ||
		       cg_read_json_str(b, e.file) < 0 || cg_buf_putc(b, '}') < 0 ? -1 : 0;
	}
	if (rec->type == CG_REC_META) {
		json_t *o = json_loads(cg_meta_text(rec), 0, NULL);
		char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) : NULL;
		int r = text ? cg_buf_printf(b, "%s", text) : cg_read_json_str(b, cg_meta_text(rec));
		json_decref(o);
		free(text);
		return r < 0 ? -1 : 0;
	}
	return cg_buf_printf(b, "null") < 0 ? -1 : 0; /* index entries: the key is everything */
}

static int dump_key(void *ctx, int shard, const uint8_t *k, size_t klen, const uint8_t *v,
		    size_t vlen, cg_err *err)
{
	struct dump *d = ctx;
	cg_rec rec;
	if (cg_rec_open(v, vlen, 0, &rec, err))
		return damaged(err, k, klen);
	if (d->run->qq->limit > 0 && d->run->count >= (size_t)d->run->qq->limit) {
		d->run->truncated = Q_TRUNC_LIMIT;
		return Q_STOP;
	}
	d->run->count++;
	if (d->run->mode != Q_EMIT)
		return CG_OK;
	cg_buf *b = &d->line;
	cg_buf_reset(b);
	cg_buf_reset(&d->key); /* the readable form has \xNN escapes: quote it as JSON */
	if (cg_key_format(&d->key, k, klen) < 0 || cg_buf_putc(&d->key, 0) < 0 ||
	    cg_buf_printf(b, "\"key\":") < 0 || cg_read_json_str(b, (const char *)d->key.data) < 0 ||
	    cg_buf_printf(b, ",\"shard\":%d,\"type\":\"%s\",\"value\":", shard, cg_rec_type_name(rec.type)) < 0)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	int rc = dump_value(d, k, klen, &rec, err);
	if (rc < 0)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	return rc ? rc : q_emit_line(d->run->q, b, err);
}

int q_dump(q_run *run, cg_err *err)
{
	struct dump d = { run, { 0 }, { 0 } };
	q_plan(run, "scan every key of every shard, merged in key order; check and decode each value");
	int rc = cg_read_all(run->q->r, 0, dump_key, &d, err);
	cg_buf_free(&d.line);
	cg_buf_free(&d.key);
	return rc;
}

/* resolve: the query engine's resolution core — which vertices a reference names, and
 * which belong to the query's workspace. Every op resolves through here. */
#include "resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/ident.h"

json_t *q_ws_record(const uint8_t *v, size_t vl, const char *what, cg_err *err)
{
	cg_rec rec;
	if (cg_rec_open(v, vl, CG_REC_META, &rec, err)) {
		cg_err_prefix(err, "m:workspace:%s", what);
		return NULL;
	}
	json_t *o = json_loads(cg_meta_text(&rec), 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		cg_err_set(err, CG_EDATA, "m:workspace:%s: not a JSON object", what);
	}
	return json_is_object(o) ? o : NULL;
}

int q_ws_units(q_run *run, const char *name, cg_vmap *units, cg_err *err)
{
	cg_buf k = { 0 };
	rocksdb_pinnableslice_t *ps = NULL;
	int rc = cg_key_meta(&k, CG_META_WORKSPACE, name, strlen(name)) < 0 ? q_oom(err)
		: cg_store_get(cg_read_store(run->q->r), 0, k.data, k.len, &ps, err);
	cg_buf_free(&k);
	if (!rc && !ps)
		return cg_err_set(err, CG_EUSAGE, "no workspace '%s' in the store (see: cg-query workspaces)", name);
	size_t len = 0;
	const char *val = rc ? NULL : rocksdb_pinnableslice_value(ps, &len);
	json_t *rec = rc ? NULL : q_ws_record((const uint8_t *)val, len, name, err);
	if (ps)
		rocksdb_pinnableslice_destroy(ps);
	if (!rec)
		return rc ? rc : err->code;
	static const char *const lists[] = { "members", "dependencies" };
	q_plan(run, "workspace %s: get m:workspace:%s, keep vertices whose owner is one of its units", name, name);
	for (int l = 0; l < 2 && !rc; l++) {
		size_t i;
		json_t *u;
		json_array_foreach(json_object_get(rec, lists[l]), i, u)
			if (json_is_string(u) && cg_vmap_put(units, cg_unit_id(json_string_value(u)), 1) < 0)
				rc = q_oom(err);
	}
	json_decref(rec);
	return rc;
}

int q_in_ws(const q_run *run, const cg_vertex *v)
{
	return !run->ws_units || (v && v->owner && cg_vmap_get(run->ws_units, v->owner));
}

static int cand_visit(void *ctx, uint64_t vid, const char *value, size_t vlen, cg_err *err)
{
	(void)value, (void)vlen;
	struct q_cands *c = ctx;
	if (c->kind) {
		cg_vertex v;
		int found, rc = cg_read_vertex(c->r, vid, &v, &found, err);
		if (rc)
			return rc;
		if (!found || v.kind != c->kind)
			return CG_OK;
	}
	for (size_t i = 0; i < c->n; i++)
		if (c->vids[i] == vid)
			return CG_OK;
	if (c->n == sizeof c->vids / sizeof *c->vids) {
		c->more = 1;
		return CG_OK;
	}
	c->vids[c->n++] = vid;
	return CG_OK;
}

/* Every vertex a reference names: a 16-hex id, a path (defining or re-exported), or
 * path#kind. */
static int resolve_all(q_run *run, const char *ref, struct q_cands *c, cg_err *err)
{
	memset(c, 0, sizeof *c);
	c->r = run->q->r;
	uint64_t vid;
	if (strlen(ref) == 16 && cg_vid_parse(ref, &vid) == 0) {
		q_plan(run, "id %s: get v:%s", ref, ref);
		c->vids[c->n++] = vid;
		return CG_OK;
	}
	char path[1024];
	snprintf(path, sizeof path, "%s", ref);
	char *hash = strrchr(path, '#');
	if (hash) {
		*hash = '\0';
		if (!(c->kind = cg_kind_parse(hash + 1))) {
			char kinds[512];
			cg_kind_list(kinds, sizeof kinds);
			return cg_err_set(err, CG_EUSAGE, "%s: unknown kind '%s' (kinds: %s)", ref, hash + 1, kinds);
		}
	}
	q_plan(run, "resolve %s: scan i:path:%s: in every shard%s", ref, path,
	       c->kind ? ", keep the given kind" : "");
	return cg_read_index(run->q->r, CG_IDX_PATH, path, 1, cand_visit, c, err);
}

/* With a workspace, a path two versions share names the one the workspace uses. */
int q_resolve(q_run *run, const char *ref, struct q_cands *c, cg_err *err)
{
	int rc = resolve_all(run, ref, c, err);
	if (rc || !run->ws_units)
		return rc;
	size_t kept = 0;
	for (size_t i = 0; i < c->n; i++) {
		cg_vertex v;
		int found;
		if ((rc = cg_read_vertex(run->q->r, c->vids[i], &v, &found, err)))
			return rc;
		if (found && q_in_ws(run, &v))
			c->vids[kept++] = c->vids[i];
	}
	c->n = kept;
	return CG_OK;
}

int q_resolve_one(q_run *run, const char *ref, uint64_t *vid, cg_err *err)
{
	struct q_cands c;
	int rc = q_resolve(run, ref, &c, err);
	*vid = 0;
	if (rc || c.n == 0)
		return rc;
	if (c.n == 1) {
		*vid = c.vids[0];
		return CG_OK;
	}
	char list[700] = "";
	size_t used = 0;
	for (size_t i = 0; i < c.n && used < sizeof list - 80; i++) {
		cg_vertex v;
		int found;
		if ((rc = cg_read_vertex(run->q->r, c.vids[i], &v, &found, err)))
			return rc;
		char hex[17];
		cg_vid_hex(c.vids[i], hex);
		used += (size_t)snprintf(list + used, sizeof list - used, "%s%s#%s (%s)", i ? ", " : "",
					 found ? v.str[CG_VF_PATH] : ref, found ? cg_kind_name(v.kind) : "?", hex);
	}
	return cg_err_set(err, CG_EUSAGE, "'%s' is ambiguous: %s%s; name one as PATH#KIND or by id", ref,
			  list, c.more ? ", ..." : "");
}


/* query_ws: workspace answers — which workspaces use a crate or contain an item, the list of
 * workspaces, and the unit set behind a query's "workspace" filter (m:workspace:NAME). */
#include "resolve.h"

#include <stdlib.h>
#include <string.h>

#include "input/cargolock.h"
#include "input/graph.h"
#include "codec/ident.h"

/* ---- the workspaces query ---- */

/* A unit ("crate@version") matches "crate" or "crate@version", '-' and '_' alike. */
static int unit_matches(const char *unit, const char *want)
{
	const char *at = strrchr(unit, '@'), *wat = strrchr(want, '@');
	if (!at)
		return 0;
	char name[256], wname[256];
	snprintf(name, sizeof name, "%.*s", (int)(at - unit), unit);
	snprintf(wname, sizeof wname, "%.*s", wat ? (int)(wat - want) : (int)strlen(want), want);
	return !cg_lock_namecmp(name, wname) && (!wat || !strcmp(at + 1, wat + 1));
}

typedef struct wsq {
	q_run *run;
	const char *const *want; /* units or crate specs to look for; NULL: list workspaces */
	size_t nwant;
	const json_t *vertices;  /* per want entry: the vertex it came from, or NULL */
} wsq;

/* One answer line from an object: {"id":..,FIELDS}. */
static int answer(q_run *run, json_t *o, cg_err *err)
{
	if (!o)
		return q_oom(err);
	if (run->qq->limit > 0 && run->count >= (size_t)run->qq->limit) {
		json_decref(o);
		run->truncated = Q_TRUNC_LIMIT;
		return Q_STOP;
	}
	run->count++;
	char *text = run->mode == Q_EMIT ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (run->mode != Q_EMIT)
		return CG_OK;
	if (!text)
		return q_oom(err);
	cg_buf body = { 0 };
	size_t n = strlen(text);
	int rc = cg_buf_append(&body, text + 1, n - 2) < 0 ? q_oom(err) : q_emit_line(run->q, &body, err);
	cg_buf_free(&body);
	free(text);
	return rc;
}

static int ws_units_answer(wsq *w, json_t *rec, const char *name, cg_err *err)
{
	static const char *const lists[] = { "members", "dependencies" };
	int rc = CG_OK;
	for (int l = 0; l < 2 && !rc; l++) {
		size_t i;
		json_t *u;
		json_array_foreach(json_object_get(rec, lists[l]), i, u) {
			const char *unit = json_string_value(u);
			for (size_t k = 0; unit && k < w->nwant && !rc; k++) {
				if (!unit_matches(unit, w->want[k]))
					continue;
				const char *at = strrchr(unit, '@');
				json_t *o = json_pack("{s:s, s:s, s:s%, s:s, s:b}", "workspace", name, "unit", unit,
						      "crate", unit, (size_t)(at - unit), "version", at + 1, "member", l == 0);
				json_t *vx = w->vertices ? json_array_get(w->vertices, k) : NULL;
				if (o && vx)
					json_object_set(o, "vertex", vx);
				rc = answer(w->run, o, err);
			}
			if (rc)
				return rc;
		}
	}
	return rc;
}

static int ws_visit(void *ctx, int shard, const uint8_t *k, size_t klen, const uint8_t *v,
		    size_t vlen, cg_err *err)
{
	(void)shard;
	wsq *w = ctx;
	if (klen < 2 || k[1] != CG_META_WORKSPACE)
		return CG_OK;
	char *name = strndup((const char *)k + 2, klen - 2);
	json_t *rec = name ? q_ws_record(v, vlen, name, err) : NULL;
	int rc = !name ? q_oom(err) : !rec ? err->code : CG_OK;
	if (!rc && !w->want)
		rc = answer(w->run, json_pack("{s:O}", "workspace", rec), err);
	else if (!rc)
		rc = ws_units_answer(w, rec, name, err);
	json_decref(rec);
	free(name);
	return rc;
}

/* The units ("crate@version") of the vertices a reference names, with the vertices. */
static int vertex_units(q_run *run, const char *ref, char ***units, size_t *n, json_t *vertices, cg_err *err)
{
	struct q_cands c;
	int rc = q_resolve(run, ref, &c, err);
	for (size_t i = 0; i < c.n && !rc; i++) {
		cg_vertex v;
		int found;
		if ((rc = cg_read_vertex(run->q->r, c.vids[i], &v, &found, err)) || !found || (v.flags & CG_VFLAG_STUB))
			continue;
		char **p = realloc(*units, (*n + 1) * sizeof *p), hex[17];
		if (!p)
			return q_oom(err);
		*units = p;
		if (asprintf(&p[*n], "%s@%s", v.str[CG_VF_CRATE], v.str[CG_VF_VERSION]) < 0)
			return q_oom(err);
		(*n)++;
		cg_vid_hex(c.vids[i], hex);
		if (json_array_append_new(vertices, json_pack("{s:s, s:s, s:s}", "id", hex, "path", v.str[CG_VF_PATH],
							      "kind", cg_kind_name(v.kind))) < 0)
			return q_oom(err);
	}
	return rc;
}

int q_workspaces(q_run *run, cg_err *err)
{
	const q_query *qq = run->qq;
	char **units = NULL;
	size_t n = 0;
	json_t *vertices = json_array();
	int rc = vertices ? CG_OK : q_oom(err);
	wsq w = { run, NULL, 0, NULL };
	if (!rc && qq->crate) {
		w.want = &qq->crate;
		w.nwant = 1;
	} else if (!rc && qq->starts) {
		size_t i;
		json_t *t;
		json_array_foreach(qq->starts, i, t)
			if (!rc)
				rc = vertex_units(run, json_string_value(t), &units, &n, vertices, err);
		w.want = (const char *const *)units;
		w.nwant = n;
		w.vertices = vertices;
	}
	q_plan(run, "scan m:workspace: records%s", w.want ? ", answer each listed unit that matches" : "");
	if (!rc && (!w.want || w.nwant))
		rc = cg_read_all(run->q->r, CG_FAM_META, ws_visit, &w, err);
	for (size_t i = 0; i < n; i++)
		free(units[i]);
	free(units);
	json_decref(vertices);
	return rc;
}

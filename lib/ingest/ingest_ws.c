/* ingest_ws: cg_ingest_graphs' steps plus unit removals and one metadata record, planned into
 * a single changeset so that readers see the whole workspace change or none of it. */
#include "ingest_ws.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_int.h"
#include "codec/record.h"

static int oom(cg_err *err)
{
	return cg_err_set(err, CG_EINTERNAL, "out of memory");
}

/* Plans the removal of one stored unit and of its m:crate: record. */
static int remove_unit(ingest_ctx *c, const char *unit, cg_unit_result *res)
{
	char *meta = NULL;
	memset(res, 0, sizeof *res);
	snprintf(res->unit, sizeof res->unit, "%s", unit);
	int rc = cg_ingest_meta(c->store, CG_META_CRATE, unit, &meta, c->err);
	if (rc || !meta)
		return rc;
	json_t *o = json_loads(meta, 0, NULL);
	const char *kind = json_string_value(json_object_get(o, "kind"));
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *version = json_string_value(json_object_get(o, "version"));
	snprintf(res->name, sizeof res->name, "%s", name ? name : unit);
	snprintf(res->version, sizeof res->version, "%s", version ? version : "");
	res->status = "removed";
	rc = cg_ingest_plan_removal(c, unit, kind && !strcmp(kind, "ndjson"), NULL, res);
	json_decref(o);
	free(meta);
	if (!rc && (cg_key_meta(&c->key, CG_META_CRATE, unit, strlen(unit)) < 0 ||
		    cg_changeset_delete(c->cs, 0, c->key.data, c->key.len) < 0))
		rc = cg_ingest_cs_failed(c);
	return rc;
}

static int put_record(ingest_ctx *c, const cg_ingest_extra *x)
{
	if (cg_key_meta(&c->key, x->meta_type, x->meta_key, strlen(x->meta_key)) < 0)
		return oom(c->err);
	if (!x->meta_json)
		return cg_changeset_delete(c->cs, 0, c->key.data, c->key.len) < 0 ? cg_ingest_cs_failed(c) : CG_OK;
	if (cg_meta_encode(&c->val, x->meta_json, strlen(x->meta_json)) < 0 ||
	    cg_changeset_put(c->cs, 0, c->key.data, c->key.len, c->val.data, c->val.len) < 0)
		return cg_ingest_cs_failed(c);
	return CG_OK;
}

static int written(cg_graph **graphs, size_t n, const char *unit)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(cg_graph_unit(graphs[i]), unit))
			return 1;
	return 0;
}

int cg_ingest_with(cg_store *s, cg_graph **graphs, size_t n, const cg_ingest_opts *o,
		   cg_unit_result *res, const cg_ingest_extra *x, cg_err *err)
{
	ingest_ctx c;
	int rc = cg_ingest_ctx_open(&c, s, err), any = 0;
	cg_graph **run = calloc(n ? n : 1, sizeof *run);
	if (!rc && !run)
		rc = oom(err);
	if (!rc)
		rc = cg_ingest_ctx_bound(&c, o->memory);
	if (!rc)
		rc = cg_ingest_has_units(&c, &any);
	for (size_t i = 0; i < x->nremove && !rc; i++)
		if (written(graphs, n, x->remove[i]))
			rc = cg_err_set(err, CG_EINTERNAL, "%s: both written and removed in one change", x->remove[i]);
	for (size_t i = 0; i < x->nremove && !rc; i++)
		rc = cg_ingest_mark_removing(&c, x->remove[i]);
	c.graphs = graphs;
	c.ngraphs = n;
	for (size_t i = 0; i < n && !rc; i++) {
		rc = cg_ingest_plan_unit(&c, graphs[i], &res[i]);
		run[i] = strcmp(res[i].status, "unchanged") ? graphs[i] : NULL;
	}
	/* removals first: a later put of a shared key (a stub) must win over their deletes */
	for (size_t i = 0; i < x->nremove && !rc; i++)
		rc = remove_unit(&c, x->remove[i], &x->removed[i]);
	if (!rc)
		rc = cg_ingest_sweep_stubs(&c);
	for (size_t i = 0; i < n && !rc; i++)
		if (run[i])
			rc = cg_ingest_write_graph(&c, run[i], &res[i]);
	if (!rc && x->meta_type)
		rc = put_record(&c, x);
	if (!rc)
		rc = cg_ingest_ctx_apply(&c, o->bulk || !any ? CG_APPLY_SST : CG_APPLY_AUTO);
	free(run);
	cg_ingest_ctx_close(&c);
	return rc;
}

int cg_ingest_graphs(cg_store *s, cg_graph **graphs, size_t n, const cg_ingest_opts *o,
		     cg_unit_result *res, cg_err *err)
{
	cg_ingest_extra none = { 0 };
	return cg_ingest_with(s, graphs, n, o, res, &none, err);
}

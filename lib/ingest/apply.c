/* apply: removals, then a load, each outcome handed on as one JSON line. */
#include "apply.h"

#include <string.h>

#include "input/rustdoc.h"
#include "workspace.h"

/* Hands on a line built for it (NULL when memory ran out: skipped) and drops it. */
static void emit(const cg_apply_opts *o, json_t *line)
{
	if (line && o->emit)
		o->emit(o->emit_ctx, line);
	json_decref(line);
}

/* Units a workspace change took out of the store: no workspace lists them any more. */
static void emit_dropped(const cg_apply_opts *o, const cg_ws_outcome *ws)
{
	for (size_t i = 0; i < ws->nremoved; i++)
		emit(o, cg_load_result_json(&ws->removed[i], NULL, 0));
}

static int remove_units(cg_store *s, const cg_apply_opts *o, cg_err *err)
{
	for (size_t i = 0; i < o->nremoves; i++) {
		cg_unit_result r;
		int rc = cg_ingest_remove(s, o->removes[i], &r, err);
		if (rc)
			return rc;
		emit(o, cg_load_result_json(&r, NULL, 0));
	}
	return CG_OK;
}

static int remove_workspaces(cg_store *s, const cg_apply_opts *o, cg_err *err)
{
	for (size_t i = 0; i < o->nremove_workspaces; i++) {
		cg_ws_outcome ws;
		int rc = cg_ws_remove(s, o->remove_workspaces[i], &ws, err);
		if (rc)
			return rc;
		json_t *kept = json_array();
		for (size_t k = 0; kept && k < ws.nkept; k++)
			json_array_append_new(kept, json_string(ws.kept[k]));
		emit_dropped(o, &ws);
		emit(o, json_pack("{s:s, s:s, s:I, s:o}", "workspace", o->remove_workspaces[i], "status", "removed",
				  "units_removed", (json_int_t)ws.nremoved, "kept", kept));
		cg_ws_outcome_free(&ws);
	}
	return CG_OK;
}

static int load(cg_store *s, const cg_apply_opts *o, cg_apply_notes *notes, cg_err *err)
{
	cg_load_report rep;
	int rc = cg_load_run(s, o->load, &rep, err);
	notes->no_lockfile = rep.no_lockfile && (!rc || o->load->keep_going); /* else nothing landed */
	for (size_t i = 0; (!rc || o->load->keep_going) && i < rep.n; i++) {
		const cg_load_item *it = &rep.items[i];
		if (it->format_version > CG_RUSTDOC_FORMAT_VERSION && it->format_version > notes->newer_format)
			notes->newer_format = it->format_version;
		emit(o, it->failed ? json_pack("{s:s, s:s, s:s}", "file", it->source, "status", "failed", "error", it->err.msg)
				   : cg_load_result_json(&it->res, it->source, it->ms));
	}
	if (!rc || o->load->keep_going)
		emit_dropped(o, &rep.ws);
	cg_load_report_free(&rep);
	return rc;
}

int cg_apply_run(cg_store *s, const cg_apply_opts *o, cg_apply_notes *notes, cg_err *err)
{
	memset(notes, 0, sizeof *notes);
	int rc = remove_units(s, o, err);
	if (!rc)
		rc = remove_workspaces(s, o, err);
	if (!rc && o->load)
		rc = load(s, o, notes, err);
	return rc;
}

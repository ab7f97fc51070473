/* apply: one cg-ingest run without --watch — the removals asked for, each its own atomic
 * change, then the load of the inputs — handing on every outcome as the JSON line cg-ingest
 * prints, as soon as it is known. */
#ifndef CG_APPLY_H
#define CG_APPLY_H

#include <jansson.h>
#include <stddef.h>

#include "load.h"

/* Receives each outcome line (not stolen). Its result does not stop the run: a report that
 * cannot be written is the caller's to tell, after the work is done. */
typedef int (*cg_apply_emit_fn)(void *ctx, json_t *line);

typedef struct cg_apply_opts {
	const cg_load_opts *load;              /* the inputs; NULL: removals only */
	const char *const *removes;            /* CRATE[@VERSION] or NDJSON unit names */
	size_t nremoves;
	const char *const *remove_workspaces;  /* workspace names */
	size_t nremove_workspaces;
	cg_apply_emit_fn emit;                 /* NULL: no lines */
	void *emit_ctx;
} cg_apply_opts;

/* Emits, in order: a line per removed unit; per removed workspace, the units that went with
 * it and {"workspace","status":"removed","units_removed","kept"}; per loaded unit its result
 * and per skipped input {"file","status":"failed","error"} (with keep_going also when the
 * run fails), then the units the workspace change dropped. Stops at the first failure.
 * notes say what the caller should warn about; not set when the load was refused, since then
 * nothing landed. */
typedef struct cg_apply_notes {
	int no_lockfile;  /* rustdoc JSON landed without a Cargo.lock (no Depends edges) */
	int newer_format; /* the newest rustdoc format_version read that is newer than any
			   * known (read as the newest known), or 0 */
} cg_apply_notes;

int cg_apply_run(cg_store *s, const cg_apply_opts *o, cg_apply_notes *notes, cg_err *err);

#endif

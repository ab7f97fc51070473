/* workspace: named workspaces as units of their own. The record m:workspace:NAME (JSON) says
 * where the workspace is, which Cargo.lock it was read with, and which crate units it uses:
 *   {"name","root","lockfile","lock_digest","doc_dir","features",
 *    "members":["crate@version",...],"dependencies":["crate@version",...],"ingested"}
 * members are units of packages without a `source` in Cargo.lock; dependencies the rest.
 * A crate unit is shared by every workspace that lists it; it leaves the store when the last
 * workspace listing it goes (or stops listing it), in the same atomic change. */
#ifndef CG_WORKSPACE_H
#define CG_WORKSPACE_H

#include <stddef.h>

#include "input/cargolock.h"
#include "ingest.h"

typedef struct cg_ws_spec {
	const char *name;
	const char *root;        /* absolute workspace directory, NULL when none */
	const char *lockfile;    /* the Cargo.lock read, NULL when none */
	const char *lock_digest; /* XXH3-64 of its bytes, 16 hex digits */
	const char *doc_dir;     /* the rustdoc JSON directory, NULL when none */
	const char *features;    /* canonical list */
	const cg_lockfile *lock; /* tells members from dependencies; NULL: all are members */
	int complete;            /* every input landed: units no longer listed may go */
	int move;                /* the name may move here from another root */
} cg_ws_spec;

typedef struct cg_ws_outcome {
	const char *status;      /* "added", "replaced", "unchanged" or "removed" */
	char *record;            /* the record written, kept or removed (JSON) */
	cg_unit_result *removed; /* units that went: no workspace lists them any more */
	size_t nremoved;
	char **kept;             /* remove: units another workspace still lists */
	size_t nkept;
} cg_ws_outcome;

/* CG_EUSAGE unless name is 1..200 printable characters. */
int cg_ws_check_name(const char *name, cg_err *err);
/* The default name: the last component of dir's real path. */
int cg_ws_default_name(const char *dir, char *out, size_t size, cg_err *err);

/* Writes graphs (as cg_ingest_graphs, res[i] for graphs[i]) and the workspace's record in one
 * change, removing units the workspace listed before, lists no more, and no other
 * workspace lists. The record is rewritten only when something but its time changed.
 * CG_EEXISTS when the name is recorded with another root and w->move is not set: two
 * directories of the same name would otherwise replace each other's crates. */
int cg_ws_ingest(cg_store *s, const cg_ws_spec *w, cg_graph **graphs, size_t n,
		 const cg_ingest_opts *o, cg_unit_result *res, cg_ws_outcome *out, cg_err *err);

/* Removes the record and every unit it lists that no other workspace lists, in one change.
 * CG_ENOINPUT when there is no such workspace. */
int cg_ws_remove(cg_store *s, const char *name, cg_ws_outcome *out, cg_err *err);

void cg_ws_outcome_free(cg_ws_outcome *out);

#endif

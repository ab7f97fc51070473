/* ingest_int: the ingest context and the planning steps of lib/ingest.c, shared with
 * ingest_ws.c so that a workspace run (write crates, drop units no workspace uses, put
 * the workspace record) is still one changeset and therefore one atomic change. */
#ifndef CG_INGEST_INT_H
#define CG_INGEST_INT_H

#include "store/changeset.h"
#include "ingest.h"
#include "store/scan.h"

/* A growable list of ids. */
typedef struct cg_ids {
	uint64_t *v;
	size_t n, cap;
} cg_ids;

typedef struct ingest_ctx {
	cg_store *store;
	cg_changeset *cs;
	cg_scanner *sc;
	cg_buf key, val;
	cg_graph **graphs; /* the run's graphs, to tell real vertices from stubs */
	size_t ngraphs;
	cg_ids removing; /* units whose edges all go in this change */
	cg_ids touched;  /* far ends of deleted edges: stubs that may be left with no edge */
	cg_err *err;
} ingest_ctx;

int cg_ingest_ctx_open(ingest_ctx *c, cg_store *s, cg_err *err);
void cg_ingest_ctx_close(ingest_ctx *c);
/* Whether any m:crate: record exists (an empty store takes SST files). */
int cg_ingest_has_units(ingest_ctx *c, int *any);
/* Added / replaced / unchanged for one graph; plans the old unit's removal if replaced. */
int cg_ingest_plan_unit(ingest_ctx *c, cg_graph *g, cg_unit_result *res);
/* Puts the graph's vertices, edges and m:crate: record into the changeset. */
int cg_ingest_write_graph(ingest_ctx *c, cg_graph *g, cg_unit_result *res);
/* Declares that unit's edges all go in this change (plan_removal declares its own unit;
 * declare every unit first when several are removed together). */
int cg_ingest_mark_removing(ingest_ctx *c, const char *unit);
/* After every removal is planned: deletes the stubs that no surviving edge reaches. */
int cg_ingest_sweep_stubs(ingest_ctx *c);
/* Plans the removal of everything unit wrote (not its m:crate: record). Vertices that
 * other units' edges or the run's graphs still reach stay, as stubs. */
int cg_ingest_plan_removal(ingest_ctx *c, const char *unit, int is_ndjson, const cg_graph *newg,
			   cg_unit_result *res);

#endif

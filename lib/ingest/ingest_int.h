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
/* After a put or delete into c->cs failed: records why (memory, or a spill's I/O). */
int cg_ingest_cs_failed(ingest_ctx *c);
/* cg_changeset_apply, making the store writable first when the change writes anything. */
int cg_ingest_ctx_apply(ingest_ctx *c, int mode);
void cg_ingest_ctx_close(ingest_ctx *c);
/* Whether any m:crate: record exists (an empty store takes SST files). */
int cg_ingest_has_units(ingest_ctx *c, int *any);
/* Bounds the change's memory (bytes, 0: CG_INGEST_MEMORY_DEFAULT); past it, sorted runs
 * are spilled to the store's staging area. */
int cg_ingest_ctx_bound(ingest_ctx *c, size_t bytes);
/* A vertex with its index entries; an edge (both copies) owned by unit id owner; a stub
 * where neither the store nor the run's graphs have the vertex. */
int cg_ingest_put_vertex(ingest_ctx *c, uint64_t vid, const cg_vertex *v);
int cg_ingest_put_edge(ingest_ctx *c, const cg_gedge *e, uint64_t owner);
int cg_ingest_put_stub(ingest_ctx *c, uint64_t vid, const cg_vertex *v);
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

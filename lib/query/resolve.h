/* resolve: which vertices a reference names, and the workspace scope of a query. The core
 * that every op resolves through (it calls only the reader and answer.c). */
#ifndef CG_QUERY_RESOLVE_H
#define CG_QUERY_RESOLVE_H

#include "query_int.h"

/* Every vertex a reference names (ids, paths, PATH#KIND), up to 16. */
struct q_cands {
	uint64_t vids[16];
	size_t n;
	int more;
	int kind; /* wanted kind, 0: any */
	cg_reader *r;
};
int q_resolve(q_run *run, const char *ref, struct q_cands *c, cg_err *err);
/* Resolves one reference to exactly one vertex (*vid 0 when nothing matches). */
int q_resolve_one(q_run *run, const char *ref, uint64_t *vid, cg_err *err);

/* Loads the unit ids of a workspace into units; CG_EUSAGE when there is no such workspace. */
int q_ws_units(q_run *run, const char *name, cg_vmap *units, cg_err *err);
/* A workspace record (m:workspace:WHAT's value) as a JSON object; NULL and err set if not. */
json_t *q_ws_record(const uint8_t *v, size_t vl, const char *what, cg_err *err);
/* Whether a vertex belongs to the query's workspace (always, without one). */
int q_in_ws(const q_run *run, const cg_vertex *v);

#endif

/* ingest_ws: one atomic change that writes a run's graphs, removes whole units and puts (or
 * deletes) one metadata record — what a plain run and ingesting or removing a named
 * workspace need. Built on the core in ingest.c; calls go from here to there only. */
#ifndef CG_INGEST_WS_H
#define CG_INGEST_WS_H

#include "ingest.h"

typedef struct cg_ingest_extra {
	const char *const *remove; /* units ("crate@version" or NDJSON names) to remove */
	size_t nremove;
	cg_unit_result *removed;   /* nremove entries: status "removed", or NULL when not stored */
	int meta_type;             /* CG_META_*, 0: no record */
	const char *meta_key;
	const char *meta_json;     /* NULL: delete the record */
} cg_ingest_extra;

/* Writes every graph in one atomic change; res[i] describes graphs[i]. Unchanged crates
 * (same name, version, checksum and features) are skipped. */
int cg_ingest_graphs(cg_store *s, cg_graph **graphs, size_t n, const cg_ingest_opts *o,
		     cg_unit_result *res, cg_err *err);

/* Like cg_ingest_graphs (graphs may be empty) plus the extras, all in one change. A unit
 * both written and named for removal is a caller bug (CG_EINTERNAL). */
int cg_ingest_with(cg_store *s, cg_graph **graphs, size_t n, const cg_ingest_opts *o,
		   cg_unit_result *res, const cg_ingest_extra *x, cg_err *err);

#endif

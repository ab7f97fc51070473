/* ingest_ndjson: NDJSON graph records streamed from their files straight into one change,
 * record by record: nothing holds a whole input, so memory follows the bound, not the input. */
#ifndef CG_INGEST_NDJSON_H
#define CG_INGEST_NDJSON_H

#include "ingest.h"

typedef struct cg_ndjson_opts {
	const char *unit;   /* the unit every record belongs to */
	int lenient;        /* ignore fields a record type does not have */
	cg_ingest_opts io;
} cg_ndjson_opts;

/* Reads sources (files, "-" for stdin; zstd or gzip content is decompressed) into one atomic
 * change; res[i] describes sources[i]. Edge ends resolve against the run's vertices, then
 * the store; a vertex given twice in one input is refused. Errors name file and line. */
int cg_ingest_ndjson(cg_store *s, const cg_ndjson_opts *o, const char *const *sources, size_t n,
		     cg_unit_result *res, cg_err *err);

#endif

/* ndjson: parse and check cg's NDJSON graph records (vertex and edge lines), one at a time.
 * A fixed-shape scanner takes the layout cg writes (flat objects of plain strings, integers,
 * booleans and arrays of strings); anything else goes through jansson, which gives the same
 * records and the same errors. */
#ifndef CG_NDJSON_H
#define CG_NDJSON_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "graph.h"

/* One record. Strings point into the parser and stay valid until its next parse. */
typedef struct cg_ndjson_rec {
	int is_edge;
	cg_vertex v;          /* a vertex: owner 0, CG_VF_ALIASES the aliases joined by '\n' */
	uint64_t vid;         /* its id: given, or computed from crate, version, path and kind */
	const char *src, *dst; /* an edge: its ends as written (16-hex id or path[#kind]) */
	cg_gedge e;           /* an edge's type, line and file (src and dst unset) */
} cg_ndjson_rec;

typedef struct cg_ndjson_parser cg_ndjson_parser;

/* lenient: fields a record type does not have are ignored instead of refused. */
cg_ndjson_parser *cg_ndjson_parser_new(int lenient);
void cg_ndjson_parser_free(cg_ndjson_parser *p);

/* Parses one line (p[0..n), no newline): CG_EDATA as "NAME: line N: reason". */
int cg_ndjson_parse(cg_ndjson_parser *p, const char *name, size_t line, const char *text, size_t n,
		    cg_ndjson_rec *rec, cg_err *err);

/* Whether p[0..n) holds only blanks (such lines are skipped). */
int cg_ndjson_blank(const char *p, size_t n);

#endif

/* ndjson: read cg's NDJSON graph records (vertex and edge lines) into a unit graph. */
#ifndef CG_NDJSON_H
#define CG_NDJSON_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "graph.h"

/* Finds a vertex outside the input: by 16-hex id (must exist) or by path[#kind]. */
typedef int (*cg_resolve_fn)(void *ctx, const char *ref, uint64_t *vid, cg_err *err);

/* Parses buf (name is used in messages: "NAME: line N: reason") into a new graph of unit.
 * Edge endpoints resolve against the input's own vertices first, then through resolve. */
int cg_ndjson_read(const char *name, const char *buf, size_t len, const char *unit,
		   cg_resolve_fn resolve, void *rctx, cg_graph **out, cg_err *err);

#endif

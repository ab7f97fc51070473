/* ingest: the core that plans units (crates, NDJSON units) into a change — added, replaced
 * or unchanged by their cache key — removes them, and reads what is stored. Whole runs of
 * graphs go through ingest_ws, which uses this core and is not called back by it. */
#ifndef CG_INGEST_H
#define CG_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "input/graph.h"
#include "codec/keys.h"
#include "store/store.h"

typedef struct cg_unit_result {
	char unit[256];
	char name[128];
	char version[64];
	const char *status; /* "added", "replaced", "unchanged", "removed" */
	size_t vertices;    /* real vertices written (or removed) */
	size_t stubs;
	size_t edges[CG_EDGE_NTYPES];
	uint64_t bytes;
	char content[17];   /* digest of the subgraph written (16 hex digits), "" for none */
	int unparsed;       /* found unchanged from the input's bytes, without parsing it */
} cg_unit_result;

#define CG_INGEST_MEMORY_DEFAULT ((size_t)1 << 30)

typedef struct cg_ingest_opts {
	int bulk;      /* write SST files even into a non-empty store */
	size_t memory; /* bytes a run may hold before it spills sorted runs (0: the default) */
} cg_ingest_opts;

/* Removes the units named by spec: "crate@version", or "crate" when only one version is
 * stored ('-' and '_' are the same), or an NDJSON unit's name. res must hold 1 entry. */
int cg_ingest_remove(cg_store *s, const char *spec, cg_unit_result *res, cg_err *err);

/* Calls fn with the key and JSON of every metadata record of type mtype (CG_META_*); a
 * non-zero return stops the walk and is returned. */
typedef int (*cg_ingest_meta_fn)(void *ctx, const char *key, const char *json);
int cg_ingest_each_meta(cg_store *s, int mtype, cg_ingest_meta_fn fn, void *ctx, cg_err *err);

/* The vid of a stored vertex by id text (16 hex) or path ("a::b" or "a::b#kind"). CG_EDATA
 * when no vertex or several match. */
int cg_ingest_resolve(cg_store *s, const char *ref, uint64_t *vid, cg_err *err);

/* The stored metadata JSON m:{mtype}:{key} in *json (caller frees), or NULL when there is
 * none; e.g. a unit's (CG_META_CRATE) or a workspace's (CG_META_WORKSPACE). */
int cg_ingest_meta(cg_store *s, int mtype, const char *key, char **json, cg_err *err);

#endif

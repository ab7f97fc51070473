/* graph: one unit's subgraph in memory (a crate@version, or a named NDJSON unit), built by
 * the readers (rustdoc JSON, NDJSON) and written to the store by ingest. Strings are copied
 * into the graph; vertices are deduplicated by vid and checked for id collisions. */
#ifndef CG_GRAPH_H
#define CG_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "codec/record.h"

typedef struct cg_gedge {
	uint64_t src, dst;
	int type;        /* enum cg_edge_type */
	uint32_t line;   /* site, 0 if unknown */
	unsigned flags;
	const char *file;
} cg_gedge;

typedef struct cg_graph cg_graph;

/* unit is "crate@version" for a crate, any name for NDJSON units. */
cg_graph *cg_graph_new(const char *unit);
void cg_graph_free(cg_graph *g);

const char *cg_graph_unit(const cg_graph *g);
uint64_t cg_graph_unit_id(const cg_graph *g); /* cg_unit_id(unit) */

/* Adds (or merges into) the vertex with v's identity and returns its vid in *vid.
 * The vertex's owner is set to the graph's unit unless it is a stub. Adding the same
 * identity twice keeps the first, except that a real vertex replaces a stub. CG_EDATA when
 * a different identity hashes to the same vid. */
int cg_graph_add_vertex(cg_graph *g, const cg_vertex *v, uint64_t *vid, cg_err *err);
/* Same, with a vid given by the input (NDJSON records that carry their own id). */
int cg_graph_put_vertex(cg_graph *g, uint64_t vid, const cg_vertex *v, cg_err *err);
/* Records another public path (a re-export) of a vertex already in the graph. */
int cg_graph_add_alias(cg_graph *g, uint64_t vid, const char *path);
int cg_graph_add_edge(cg_graph *g, const cg_gedge *e);

/* Read access for the writer, in insertion order; vertex pointers stay valid until free. */
size_t cg_graph_nvertices(const cg_graph *g);
const cg_vertex *cg_graph_vertex_at(const cg_graph *g, size_t i, uint64_t *vid);
const cg_vertex *cg_graph_find(const cg_graph *g, uint64_t vid);
size_t cg_graph_nedges(const cg_graph *g);
const cg_gedge *cg_graph_edge_at(const cg_graph *g, size_t i);
/* Sorts edges and drops exact duplicates (same src, type, dst), keeping the union of
 * their flags. */
void cg_graph_dedupe_edges(cg_graph *g);

/* Free-form facts about the unit kept in its metadata (name, version, checksum, features,
 * source file): set before ingest. */
typedef struct cg_unit_info {
	const char *name;     /* crate name as rustdoc spells it, or the NDJSON unit name */
	const char *version;
	const char *checksum; /* source checksum: Cargo.lock's, else XXH3 of the input bytes */
	const char *features; /* comma-separated, sorted */
	const char *source;   /* the input file */
	uint64_t bytes;       /* input bytes read */
	int is_ndjson;        /* NDJSON units merge; crate units replace */
	int format_version;   /* rustdoc JSON's, 0 for none */
	const char *const *depends; /* "crate@version" this crate depends on (NULL-terminated) */
	const char *input;    /* digest of the input's bytes and the cache key's other inputs:
			       * equal to the stored one, the unit is unchanged without parsing */
} cg_unit_info;

int cg_graph_set_info(cg_graph *g, const cg_unit_info *info);
/* Sets info.input alone (a reader set the rest); -1 when memory runs out. */
int cg_graph_set_input(cg_graph *g, const char *digest);
const cg_unit_info *cg_graph_info(const cg_graph *g);

/* Copies s into the graph's string arena (for readers building vertices). */
const char *cg_graph_strdup(cg_graph *g, const char *s);

#endif

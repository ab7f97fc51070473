/* read: the query side's view of a store — reused iterators per shard, vertex point reads
 * through an application cache of decoded vertices, index and edge scans, and the cost
 * counters that `explain` reports. Everything read between two cg_read_refresh() calls comes
 * from one state of the store (secondaries only move when they catch up). */
#ifndef CG_READ_H
#define CG_READ_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "codec/keys.h"
#include "codec/record.h"
#include "store/store.h"

typedef struct cg_reader cg_reader;

/* What a query cost; reset by the caller before each query. */
typedef struct cg_read_cost {
	uint64_t keys_scanned;   /* keys an iterator stepped over */
	uint64_t seeks;          /* iterator seeks */
	uint64_t point_lookups;  /* RocksDB gets (cache misses and edge lookups) */
	uint64_t cache_hits;
	uint64_t cache_misses;
	uint8_t touched[CG_MAX_SHARDS / 8]; /* shards read */
	uint8_t missing[CG_MAX_SHARDS / 8]; /* shards needed but not open */
	struct cg_shard_cost {
		uint32_t seeks, keys_scanned, point_lookups, multigets;
	} shard[CG_MAX_SHARDS]; /* the same work, shard by shard */
} cg_read_cost;

/* A map from vid (never 0) to a 64-bit value, open addressing; used for caches and BFS. */
typedef struct cg_vmap {
	uint64_t *keys;
	uint64_t *vals;
	size_t cap, n;
} cg_vmap;

int cg_vmap_put(cg_vmap *m, uint64_t k, uint64_t v); /* 0 or -1 on no memory */
uint64_t *cg_vmap_get(const cg_vmap *m, uint64_t k); /* NULL when absent */
void cg_vmap_clear(cg_vmap *m);
void cg_vmap_free(cg_vmap *m);

/* cache_vertices: how many decoded vertices to keep (0: none). */
int cg_read_open(cg_store *s, size_t cache_vertices, cg_reader **out, cg_err *err);
void cg_read_close(cg_reader *r);
cg_store *cg_read_store(const cg_reader *r);
cg_read_cost *cg_read_costs(cg_reader *r);

/* Catches up with the writer; drops iterators and cached vertices when anything changed. */
int cg_read_refresh(cg_reader *r, cg_err *err);
/* The same without the once-a-millisecond limit: a server's new client sees every change
 * committed before it connected. */
int cg_read_refresh_now(cg_reader *r, cg_err *err);
/* Loads the n vertices with the most edge keys into the cache. */
int cg_read_warm(cg_reader *r, size_t n, size_t *loaded, cg_err *err);

/* Reads vertex vid into *v; *found says whether it exists. The view stays valid until the
 * next cg_read_vertex call on r. A damaged record is CG_EDATA naming the key. */
int cg_read_vertex(cg_reader *r, uint64_t vid, cg_vertex *v, int *found, cg_err *err);
/* Loads the vertices not yet cached into the vertex cache with one MultiGet per shard, so
 * that the cg_read_vertex calls that follow are cache hits (a BFS frontier at a time). Does
 * nothing without a cache. */
int cg_read_prefetch(cg_reader *r, const uint64_t *vids, size_t n, cg_err *err);

/* An edge as seen by a scan: the forward orientation plus its value. */
typedef struct cg_read_edge {
	uint64_t src, dst;
	uint64_t owner;   /* the vertex the key is stored under */
	int type;
	int reverse;      /* found as the reverse copy (an in-edge of owner) */
	cg_edge_val val;
} cg_read_edge;

/* Calls fn for each edge of vid; types is a bit mask (1 << type, 0: all), dir 1 out, 2 in,
 * 3 both. A non-zero return from fn stops the scan and is passed back (CG_OK is 0). */
typedef int (*cg_read_edge_fn)(void *ctx, const cg_read_edge *e, cg_err *err);
int cg_read_edges(cg_reader *r, uint64_t vid, unsigned types, int dir, cg_read_edge_fn fn,
		  void *ctx, cg_err *err);
/* Point lookup of one edge value (forward key); *found says whether it exists. The value
 * stays valid until the next call. */
int cg_read_edge_get(cg_reader *r, uint64_t src, int type, uint64_t dst, cg_read_edge *e,
		     int *found, cg_err *err);

/* Calls fn(ctx, vid, value, vlen) for every index entry of itype whose value equals (exact)
 * or starts with value, in every open shard. */
typedef int (*cg_read_index_fn)(void *ctx, uint64_t vid, const char *value, size_t vlen, cg_err *err);
int cg_read_index(cg_reader *r, int itype, const char *value, int exact, cg_read_index_fn fn,
		  void *ctx, cg_err *err);

/* Every key of every open shard in key order (merged across shards), with its shard. */
typedef int (*cg_read_key_fn)(void *ctx, int shard, const uint8_t *k, size_t klen,
			      const uint8_t *v, size_t vlen, cg_err *err);
int cg_read_all(cg_reader *r, uint8_t family, cg_read_key_fn fn, void *ctx, cg_err *err);

/* The unit name ("crate@version") for a unit id, from the m:crate: records; NULL if unknown. */
int cg_read_unit_name(cg_reader *r, uint64_t unit_id, const char **name, cg_err *err);

/* Appends a JSON string literal / the vertex / the edge in the shapes of docs/design.md. */
int cg_read_json_str(cg_buf *b, const char *s);
int cg_read_json_vertex(cg_buf *b, uint64_t vid, const cg_vertex *v);
int cg_read_json_edge(cg_buf *b, cg_reader *r, const cg_read_edge *e, cg_err *err);

#endif

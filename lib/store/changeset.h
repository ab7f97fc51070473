/* changeset: puts and deletes collected across shards, then applied in one step — a
 * WriteBatch per shard (WAL off, then flush) for small changes, or sorted SST files moved in
 * with IngestExternalFile for bulk loads (and for any change that spilled past its memory
 * bound). Later operations on the same key win. */
#ifndef CG_CHANGESET_H
#define CG_CHANGESET_H

#include <stddef.h>

#include "base/err.h"
#include "store.h"

typedef struct cg_changeset cg_changeset;

cg_changeset *cg_changeset_new(int nshards);
void cg_changeset_free(cg_changeset *c);

/* Bounds the memory the change holds to about budget bytes: past it, each shard's operations
 * are sorted and spilled as a run file into dir (the store's staging area, created when
 * needed, removed by free; the first one given stays), and apply merges them. May be called
 * again to change the budget. Returns -1 when memory runs out. */
int cg_changeset_bound(cg_changeset *c, size_t budget, const char *dir);

/* Both return 0, or -1 when memory runs out or a spill fails: cg_changeset_error says which. */
int cg_changeset_put(cg_changeset *c, int shard, const void *key, size_t klen,
		     const void *val, size_t vlen);
int cg_changeset_delete(cg_changeset *c, int shard, const void *key, size_t klen);
size_t cg_changeset_count(const cg_changeset *c);
/* Puts the failure of the last put or delete in err ("out of memory" when there was none
 * recorded) and returns its code. */
int cg_changeset_error(const cg_changeset *c, cg_err *err);

enum cg_apply_mode { CG_APPLY_AUTO = 0, CG_APPLY_BATCH, CG_APPLY_SST };
/* AUTO picks SST files above a size where sorting pays for itself. */
int cg_changeset_apply(cg_changeset *c, cg_store *s, int mode, cg_err *err);

#endif

/* scan: visit every key of one shard that starts with a prefix (writer-side helper). */
#ifndef CG_SCAN_H
#define CG_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store.h"

/* Called per key; a non-zero return stops the scan and is returned by cg_scan_prefix. */
typedef int (*cg_scan_fn)(void *ctx, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen);

typedef struct cg_scanner cg_scanner;

/* One iterator per shard, reused across scans (its upper bound is moved in place). */
cg_scanner *cg_scanner_new(const cg_store *s);
void cg_scanner_free(cg_scanner *sc);
int cg_scan_prefix(cg_scanner *sc, int shard, const void *prefix, size_t plen, cg_scan_fn fn,
		   void *ctx, cg_err *err);

#endif

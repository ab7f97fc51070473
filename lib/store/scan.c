/* scan: prefix scans with one reusable iterator per shard. */
#include "scan.h"

#include <stdlib.h>
#include <string.h>

#include "codec/keys.h"

#define PREFIX_BLOOM_LEN 9 /* the store's fixed prefix extractor length */

struct cg_scanner {
	const cg_store *store;
	int n;
	struct shard_iter {
		rocksdb_readoptions_t *ropts;
		rocksdb_iterator_t *it;
		uint8_t upper[512];
		int total_order;
	} *iters;
};

cg_scanner *cg_scanner_new(const cg_store *s)
{
	cg_scanner *sc = calloc(1, sizeof *sc);
	if (!sc || !(sc->iters = calloc((size_t)cg_store_nshards(s), sizeof *sc->iters))) {
		free(sc);
		return NULL;
	}
	sc->store = s;
	sc->n = cg_store_nshards(s);
	return sc;
}

void cg_scanner_free(cg_scanner *sc)
{
	if (!sc)
		return;
	for (int i = 0; i < sc->n; i++) {
		if (sc->iters[i].it)
			rocksdb_iter_destroy(sc->iters[i].it);
		if (sc->iters[i].ropts)
			rocksdb_readoptions_destroy(sc->iters[i].ropts);
	}
	free(sc->iters);
	free(sc);
}

/* Short prefixes cannot use the prefix bloom: they need a total-order iterator. */
static int ensure_iter(cg_scanner *sc, int shard, int total_order, cg_err *err)
{
	struct shard_iter *si = &sc->iters[shard];
	rocksdb_t *db = cg_store_db(sc->store, shard);
	if (!db)
		return cg_err_set(err, CG_EIO, "shard %d is not open", shard);
	if (si->it && si->total_order == total_order)
		return CG_OK;
	if (si->it)
		rocksdb_iter_destroy(si->it);
	if (!si->ropts)
		si->ropts = rocksdb_readoptions_create();
	rocksdb_readoptions_set_total_order_seek(si->ropts, (unsigned char)total_order);
	rocksdb_readoptions_set_verify_checksums(si->ropts, 1);
	rocksdb_readoptions_set_iterate_upper_bound(si->ropts, (const char *)si->upper, 0);
	si->it = rocksdb_create_iterator(db, si->ropts);
	si->total_order = total_order;
	return si->it ? CG_OK : cg_err_set(err, CG_EINTERNAL, "cannot create iterator");
}

int cg_scan_prefix(cg_scanner *sc, int shard, const void *prefix, size_t plen, cg_scan_fn fn,
		   void *ctx, cg_err *err)
{
	if (plen > sizeof sc->iters[0].upper)
		return cg_err_set(err, CG_EINTERNAL, "scan prefix too long");
	int rc = ensure_iter(sc, shard, plen < PREFIX_BLOOM_LEN, err);
	if (rc)
		return rc;
	struct shard_iter *si = &sc->iters[shard];
	size_t ulen = cg_key_successor(si->upper, prefix, plen);
	/* The bound is read through its pointer on every step, so moving it in place is enough;
	 * a prefix of only 0xff bytes has no bound and checks the prefix instead. */
	rocksdb_readoptions_set_iterate_upper_bound(si->ropts, (const char *)si->upper, ulen);
	rocksdb_iter_seek(si->it, prefix, plen);
	for (; rocksdb_iter_valid(si->it); rocksdb_iter_next(si->it)) {
		size_t kl, vl;
		const uint8_t *k = (const uint8_t *)rocksdb_iter_key(si->it, &kl);
		if (kl < plen || memcmp(k, prefix, plen) != 0)
			break;
		const uint8_t *v = (const uint8_t *)rocksdb_iter_value(si->it, &vl);
		if ((rc = fn(ctx, k, kl, v, vl)))
			return rc;
	}
	char *e = NULL;
	rocksdb_iter_get_error(si->it, &e);
	return e ? cg_err_rocks(err, e, "scan %s", cg_store_shard_path(sc->store, shard)) : CG_OK;
}

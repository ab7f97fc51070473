/* cg-test-poke: a test-only tool that lists raw keys and damages a store on purpose (flip a
 * value byte, delete or put a raw key), so the tests can prove cg-verify finds the damage.
 * Built by the bats files themselves, never installed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "codec/keys.h"
#include "store/store.h"

static int unhex(const char *s, cg_buf *out)
{
	size_t n = strlen(s);
	cg_buf_reset(out);
	if (n % 2)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		unsigned b;
		if (sscanf(s + i, "%2x", &b) != 1 || cg_buf_putc(out, (uint8_t)b) < 0)
			return -1;
	}
	return 0;
}

static void puthex(const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", ((const uint8_t *)p)[i]);
}

/* "SHARD READABLE-KEY HEX-KEY HEX-VALUE" per key, in key order per shard. */
static int list(cg_store *s)
{
	rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
	rocksdb_readoptions_set_total_order_seek(ro, 1);
	cg_buf text = { 0 };
	int rc = 0;
	for (int sh = 0; sh < cg_store_nshards(s); sh++) {
		rocksdb_iterator_t *it = rocksdb_create_iterator(cg_store_db(s, sh), ro);
		for (rocksdb_iter_seek_to_first(it); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
			size_t kl, vl;
			const char *k = rocksdb_iter_key(it, &kl), *v = rocksdb_iter_value(it, &vl);
			cg_buf_reset(&text);
			if (cg_key_format(&text, (const uint8_t *)k, kl) < 0 || cg_buf_putc(&text, 0) < 0)
				return 70;
			printf("%d %s ", sh, (const char *)text.data);
			puthex(k, kl);
			putchar(' ');
			puthex(v, vl);
			putchar('\n');
		}
		char *e = NULL;
		rocksdb_iter_get_error(it, &e);
		rocksdb_iter_destroy(it);
		if (e) {
			fprintf(stderr, "cg-test-poke: %s\n", e);
			rocksdb_free(e);
			rc = 74;
		}
	}
	cg_buf_free(&text);
	rocksdb_readoptions_destroy(ro);
	return rc;
}

static int write_key(cg_store *s, int sh, const cg_buf *k, const void *v, size_t vl)
{
	char *e = NULL;
	rocksdb_writeoptions_t *wo = rocksdb_writeoptions_create();
	rocksdb_flushoptions_t *fo = rocksdb_flushoptions_create();
	rocksdb_flushoptions_set_wait(fo, 1);
	if (v)
		rocksdb_put(cg_store_db(s, sh), wo, (const char *)k->data, k->len, v, vl, &e);
	else
		rocksdb_delete(cg_store_db(s, sh), wo, (const char *)k->data, k->len, &e);
	if (!e)
		rocksdb_flush(cg_store_db(s, sh), fo, &e);
	rocksdb_writeoptions_destroy(wo);
	rocksdb_flushoptions_destroy(fo);
	if (e) {
		fprintf(stderr, "cg-test-poke: %s\n", e);
		rocksdb_free(e);
		return 74;
	}
	return 0;
}

/* flip KEY OFFSET: inverts one byte of the value; del KEY: deletes; put SHARD KEY VALUE. */
static int poke(cg_store *s, char **argv, int argc)
{
	cg_buf k = { 0 }, v = { 0 };
	int rc = 2;
	if (argc < 2 || unhex(argv[1], &k) < 0)
		goto out;
	if (strcmp(argv[0], "put") == 0) {
		rc = argc == 4 && unhex(argv[3], &v) == 0 ? write_key(s, atoi(argv[2]), &k, v.data, v.len) : 2;
		goto out;
	}
	rc = 1; /* key not found */
	for (int sh = 0; sh < cg_store_nshards(s); sh++) {
		cg_err err = { 0 };
		rocksdb_pinnableslice_t *ps;
		if (cg_store_get(s, sh, k.data, k.len, &ps, &err) || !ps)
			continue;
		size_t vl;
		const char *val = rocksdb_pinnableslice_value(ps, &vl);
		cg_buf_append(&v, val, vl);
		rocksdb_pinnableslice_destroy(ps);
		if (strcmp(argv[0], "del") == 0) {
			rc = write_key(s, sh, &k, NULL, 0);
		} else if (strcmp(argv[0], "flip") == 0 && argc == 3) {
			size_t off = (size_t)atol(argv[2]);
			if (off >= v.len)
				off = v.len - 1;
			v.data[off] ^= 0xff;
			rc = write_key(s, sh, &k, v.data, v.len);
		} else {
			rc = 2;
		}
		break;
	}
out:
	cg_buf_free(&k);
	cg_buf_free(&v);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: cg-test-poke STORE list | flip HEXKEY OFFSET | del HEXKEY | put HEXKEY SHARD HEXVALUE\n");
		return 2;
	}
	cg_err err = { 0 };
	cg_store *s;
	int list_only = strcmp(argv[2], "list") == 0;
	cg_open_opts oo = { .mode = list_only ? CG_OPEN_READ : CG_OPEN_WRITE };
	if (cg_store_open(argv[1], &oo, &s, &err)) {
		fprintf(stderr, "cg-test-poke: %s\n", err.msg);
		return err.code;
	}
	int rc = list_only ? list(s) : poke(s, argv + 2, argc - 2);
	cg_store_close(s);
	return rc;
}

/* migrate: the record schema upgrade — every old record rewritten, a flushed chunk at a time. */
#include "migrate.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "store/changeset.h"
#include "codec/keys.h"

/* One shard's progress: the key to resume after, so each chunk uses a fresh iterator and a
 * long run pins no old files. */
typedef struct cursor {
	cg_buf last;
	int started;
	int done;
} cursor;

typedef struct upgrade {
	cg_store *s;
	const cg_migrate_opts *o;
	cg_migrate_result *res;
	cg_changeset *cs;
	cg_buf val;
	cg_err *err;
} upgrade;

static int oom(cg_err *err)
{
	return cg_err_set(err, CG_EINTERNAL, "out of memory");
}

/* A record that does not open stops the migration: rewriting around damage would hide it. */
static int visit(upgrade *u, int shard, const uint8_t *k, size_t kl, const char *v, size_t vl, int target)
{
	cg_rec rec;
	cg_err why = { 0 };
	if (cg_rec_open(v, vl, 0, &rec, &why)) {
		cg_buf kb = { 0 };
		cg_key_format(&kb, k, kl);
		int rc = cg_err_set(u->err, CG_EDATA, "shard %d: %s: %s; not migrating past a damaged record (see cg-verify)",
				    shard, kb.data ? (const char *)kb.data : "?", why.msg);
		cg_buf_free(&kb);
		return rc;
	}
	u->res->scanned++;
	if (rec.version >= target)
		return CG_OK; /* rewritten by an earlier, interrupted run, or written new */
	u->res->rewritten++;
	u->res->by_type[rec.type]++;
	if (u->o->dry_run)
		return CG_OK;
	if (cg_rec_upgrade(&u->val, &rec) < 0 || cg_changeset_put(u->cs, shard, k, kl, u->val.data, u->val.len) < 0)
		return oom(u->err);
	return CG_OK;
}

/* Reads up to chunk records of one shard after the cursor, queueing their upgrades. */
static int read_chunk(upgrade *u, int shard, cursor *c, long chunk, int target)
{
	rocksdb_t *db = cg_store_db(u->s, shard);
	if (!db)
		return cg_err_set(u->err, CG_EIO, "shard %d could not be opened: %s", shard,
				  cg_store_shard_error(u->s, shard) ? cg_store_shard_error(u->s, shard) : "?");
	rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
	rocksdb_readoptions_set_total_order_seek(ro, 1);
	rocksdb_readoptions_set_verify_checksums(ro, 1);
	rocksdb_readoptions_set_fill_cache(ro, 0);
	rocksdb_iterator_t *it = rocksdb_create_iterator(db, ro);
	int rc = CG_OK;
	if (c->started) {
		/* the smallest key after the last one: the last key with a 0x00 byte appended */
		if (cg_buf_putc(&c->last, 0) < 0)
			rc = oom(u->err);
		else
			rocksdb_iter_seek(it, (const char *)c->last.data, c->last.len);
	} else {
		rocksdb_iter_seek_to_first(it);
	}
	long n = 0;
	for (; !rc && n < chunk && rocksdb_iter_valid(it); rocksdb_iter_next(it), n++) {
		size_t kl, vl;
		const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &kl);
		const char *v = rocksdb_iter_value(it, &vl);
		if ((rc = visit(u, shard, k, kl, v, vl, target)))
			break;
		cg_buf_reset(&c->last);
		if (cg_buf_append(&c->last, k, kl) < 0)
			rc = oom(u->err);
		c->started = 1;
	}
	if (!rc && n < chunk)
		c->done = 1;
	char *e = NULL;
	rocksdb_iter_get_error(it, &e);
	rocksdb_iter_destroy(it);
	rocksdb_readoptions_destroy(ro);
	if (e && !rc)
		return cg_err_rocks(u->err, e, "scan %s", cg_store_shard_path(u->s, shard));
	free(e);
	return rc;
}

/* A fault-injection point for tests/migrate.bats: CG_TEST_MIGRATE_CRASH_AFTER_BATCH=K kills
 * the upgrade right after its K-th flushed batch. */
static void test_crash_point(uint64_t batches)
{
	const char *k = getenv("CG_TEST_MIGRATE_CRASH_AFTER_BATCH");
	if (k && *k && strtoull(k, NULL, 10) == batches)
		raise(SIGKILL);
}

/* Writes the queued upgrades as one batch per shard, flushed: a kill after this keeps them,
 * a kill before loses only this chunk, which the next run redoes. */
static int flush_chunk(upgrade *u)
{
	if (!cg_changeset_count(u->cs))
		return CG_OK;
	int rc = cg_changeset_apply(u->cs, u->s, CG_APPLY_BATCH, u->err);
	cg_changeset_free(u->cs);
	u->cs = rc ? NULL : cg_changeset_new(cg_store_nshards(u->s));
	if (!rc && !u->cs)
		return oom(u->err);
	u->res->batches += !rc;
	if (!rc)
		test_crash_point(u->res->batches);
	return rc;
}

static int upgrade_shard(upgrade *u, int shard, long chunk, int target)
{
	cursor c = { 0 };
	int rc = CG_OK;
	while (!rc && !c.done)
		if (!(rc = read_chunk(u, shard, &c, chunk, target)) && !u->o->dry_run)
			rc = flush_chunk(u);
	cg_buf_free(&c.last);
	return rc;
}

/* Checks the request against the manifest: returns the target version in *to. */
static int plan(const cg_manifest *m, const cg_migrate_opts *o, int *to, cg_err *err)
{
	*to = o->to ? o->to : CG_SCHEMA_VERSION;
	if (*to < CG_SCHEMA_MIN_VERSION || *to > CG_SCHEMA_VERSION)
		return cg_err_set(err, CG_EUSAGE, "schema version %d: this cg knows versions %d to %d", *to,
				  CG_SCHEMA_MIN_VERSION, CG_SCHEMA_VERSION);
	if (*to < m->schema_version)
		return cg_err_set(err, CG_EDATA,
				  "the store is at schema version %d; downgrading to %d is not supported "
				  "(restore a backup made before the upgrade instead)", m->schema_version, *to);
	if (*to > m->schema_version && *to != CG_SCHEMA_VERSION)
		return cg_err_set(err, CG_EUSAGE, "this cg upgrades only to schema version %d, not %d",
				  CG_SCHEMA_VERSION, *to);
	return CG_OK;
}

/* Raises the manifest's schema version: the last step, once every record is new. */
static int raise_manifest(const char *dir, int to, cg_err *err)
{
	cg_manifest m;
	int rc = cg_store_read_manifest(dir, &m, err);
	if (rc)
		return rc;
	m.schema_version = to;
	rc = cg_store_write_manifest(dir, &m, err);
	cg_manifest_free(&m);
	return rc;
}

int cg_migrate_schema(const char *dir, const cg_migrate_opts *o, cg_migrate_result *res, cg_err *err)
{
	memset(res, 0, sizeof *res);
	cg_manifest m;
	int to, rc = cg_store_read_manifest(dir, &m, err);
	if (rc)
		return rc;
	res->from = res->to = m.schema_version;
	rc = plan(&m, o, &to, err);
	cg_manifest_free(&m);
	if (rc)
		return rc;
	if (to == res->from) {
		res->nothing_to_do = 1;
		return CG_OK;
	}
	cg_open_opts oo = { .mode = o->dry_run ? CG_OPEN_READ : CG_OPEN_WRITE };
	upgrade u = { .o = o, .res = res, .err = err };
	if ((rc = cg_store_open(dir, &oo, &u.s, err)))
		return rc;
	if (!(u.cs = cg_changeset_new(cg_store_nshards(u.s))))
		rc = oom(err);
	long chunk = o->chunk > 0 ? o->chunk : CG_MIGRATE_CHUNK;
	for (int i = 0; i < cg_store_nshards(u.s) && !rc; i++)
		rc = upgrade_shard(&u, i, chunk, to);
	/* still holding the lock: no other writer (a reshard) can change the manifest under us */
	if (!rc && !o->dry_run)
		rc = raise_manifest(dir, to, err);
	if (!rc)
		res->to = to;
	cg_changeset_free(u.cs);
	cg_buf_free(&u.val);
	cg_store_close(u.s);
	return rc;
}

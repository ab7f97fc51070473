/* migrate_reshard: moving a store to another shard count — new shards built beside the old,
 * checked, then switched to by one atomic manifest rewrite; a journal names the leftovers. */
#include "migrate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "store/changeset.h"
#include "codec/keys.h"

#define TMP_NAME "reshard.tmp"         /* the new shards while they are built */
#define TRASH_NAME "reshard.trash"     /* old shards on their way out */
#define JOURNAL_NAME "reshard.json"    /* {"old":[dirs],"new":"shards-N"} from just before the switch */
#define COPY_CHUNK 200000              /* keys per SST round into the new shards */

/* What one new shard should hold: counted while copying, compared after. */
typedef struct tally {
	uint64_t keys;
	uint64_t sum; /* sum of a hash of every key and value: order-free, so any scan agrees */
} tally;

static int oom(cg_err *err)
{
	return cg_err_set(err, CG_EINTERNAL, "out of memory");
}

int cg_migrate_shard_of_key(const uint8_t *k, size_t klen, int nshards)
{
	uint64_t vid;
	if (klen == 0)
		return -1;
	switch (k[0]) {
	case 'v':
		return klen == CG_VERTEX_KEY_LEN ? (int)(cg_be64_get(k + 1) % (uint64_t)nshards) : -1;
	case 'e': {
		cg_edge_key e;
		return cg_key_edge_decode(k, klen, &e) < 0 ? -1 : (int)(e.owner % (uint64_t)nshards);
	}
	case 'i':
		return cg_key_index_vid(k, klen, &vid) < 0 ? -1 : (int)(vid % (uint64_t)nshards);
	case 'm':
		return 0;
	}
	return -1;
}

static void tally_add(tally *t, const uint8_t *k, size_t kl, const char *v, size_t vl)
{
	t->keys++;
	t->sum += XXH3_64bits_withSeed(v, vl, XXH3_64bits(k, kl));
}

/* A fault-injection point for tests/migrate.bats: CG_TEST_RESHARD_CRASH=STEP kills the run
 * at that step (built, journaled, renamed, switched, trashed). */
static void test_crash_point(const char *step)
{
	const char *want = getenv("CG_TEST_RESHARD_CRASH");
	if (want && strcmp(want, step) == 0)
		raise(SIGKILL);
}

/* ---- files ---- */

static char *path_in(const char *dir, const char *name)
{
	char *p;
	if (name[0] == '/')
		return strdup(name);
	return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int rm_tree(const char *path, cg_err *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? CG_OK : cg_err_sys(err, CG_EIO, errno, "%s", path);
	return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 ? cg_err_sys(err, CG_EIO, errno, "remove %s", path)
								 : CG_OK;
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Does the manifest name a shard at or under name (a directory relative to the store)? */
static int referenced(const cg_manifest *m, const char *name)
{
	size_t n = strlen(name);
	for (int i = 0; i < m->shards; i++)
		if (strncmp(m->shard_dirs[i], name, n) == 0 && (m->shard_dirs[i][n] == '\0' || m->shard_dirs[i][n] == '/'))
			return 1;
	return 0;
}

static int write_journal(const char *dir, const cg_manifest *old, const char *new_dir, cg_err *err)
{
	json_t *dirs = json_array();
	for (int i = 0; i < old->shards; i++)
		json_array_append_new(dirs, json_string(old->shard_dirs[i]));
	json_t *o = json_pack("{s:o, s:s}", "old", dirs, "new", new_dir);
	char *tmp = path_in(dir, JOURNAL_NAME ".tmp"), *dst = path_in(dir, JOURNAL_NAME);
	int rc = CG_OK;
	if (!o || !tmp || !dst)
		rc = oom(err);
	else if (json_dump_file(o, tmp, JSON_COMPACT) < 0)
		rc = cg_err_set(err, CG_EIO, "%s: cannot write", tmp);
	else {
		int fd = open(tmp, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) < 0 || rename(tmp, dst) < 0)
			rc = cg_err_sys(err, CG_EIO, errno, "%s", dst);
		if (fd >= 0)
			close(fd);
		sync_dir(dir);
	}
	json_decref(o);
	free(tmp);
	free(dst);
	return rc;
}

/* Removes one old shard directory; one inside the store is first renamed into the trash, so
 * that cg-verify never sees a half-deleted shard-NNN, and its emptied parent goes too. */
static int remove_old(const char *dir, const char *name, int i, cg_err *err)
{
	char *path = path_in(dir, name), *trash = path_in(dir, TRASH_NAME), *to = NULL;
	int rc = CG_OK;
	if (!path || !trash || asprintf(&to, "%s/%d", trash, i) < 0) {
		to = NULL;
		rc = oom(err);
	} else if (name[0] != '/' && (mkdir(trash, 0700) == 0 || errno == EEXIST) && rename(path, to) == 0) {
		rc = rm_tree(to, err);
	} else {
		rc = rm_tree(path, err);
	}
	char *slash = path && name[0] != '/' ? strrchr(path, '/') : NULL;
	if (!rc && slash && strchr(name, '/')) {
		*slash = '\0';
		rmdir(path); /* the old shards-N parent, once empty */
	}
	free(path);
	free(trash);
	free(to);
	return rc;
}

/* Finishes or undoes what an interrupted run left: the manifest decides which side won. */
static int clean_leftovers(const char *dir, const cg_manifest *m, int *cleaned, cg_err *err)
{
	char *jpath = path_in(dir, JOURNAL_NAME), *tmp = path_in(dir, TMP_NAME), *trash = path_in(dir, TRASH_NAME);
	int rc = jpath && tmp && trash ? CG_OK : oom(err);
	struct stat st;
	if (!rc && stat(tmp, &st) == 0) {
		*cleaned = 1;
		rc = rm_tree(tmp, err);
	}
	json_t *j = !rc ? json_load_file(jpath, 0, NULL) : NULL;
	if (j) {
		*cleaned = 1;
		const char *nd = json_string_value(json_object_get(j, "new"));
		json_t *old = json_object_get(j, "old"), *d;
		size_t i;
		if (nd && referenced(m, nd)) {
			json_array_foreach(old, i, d)
				if (!rc && json_string_value(d) && !referenced(m, json_string_value(d)))
					rc = remove_old(dir, json_string_value(d), (int)i, err);
		} else if (nd && *nd && !strchr(nd, '/') && strcmp(nd, ".") && strcmp(nd, "..")) {
			char *np = path_in(dir, nd);
			rc = np ? rm_tree(np, err) : oom(err); /* renamed, but never switched to */
			free(np);
		}
		json_decref(j);
	}
	if (!rc && stat(trash, &st) == 0) {
		*cleaned = 1;
		rc = rm_tree(trash, err);
	}
	if (!rc && unlink(jpath) < 0 && errno != ENOENT)
		rc = cg_err_sys(err, CG_EIO, errno, "%s", jpath);
	free(jpath);
	free(tmp);
	free(trash);
	return rc;
}

/* ---- copying ---- */

typedef struct copy {
	cg_store *from, *to;
	cg_changeset *cs;
	int n;
	tally want[CG_MAX_SHARDS];
	cg_reshard_result *res;
	int dry_run;
	cg_err *err;
} copy;

static int flush_copy(copy *c)
{
	if (c->dry_run || !cg_changeset_count(c->cs))
		return CG_OK;
	/* SST files into the new shards; each round's files may overlap the last round's, which
	 * RocksDB takes as newer data over older with no key in both */
	int rc = cg_changeset_apply(c->cs, c->to, CG_APPLY_SST, c->err);
	cg_changeset_free(c->cs);
	c->cs = rc ? NULL : cg_changeset_new(c->n);
	return rc || c->cs ? rc : oom(c->err);
}

static int copy_key(copy *c, int old, const uint8_t *k, size_t kl, const char *v, size_t vl)
{
	int sh = cg_migrate_shard_of_key(k, kl, c->n);
	if (sh < 0) {
		cg_buf kb = { 0 };
		cg_key_format(&kb, k, kl);
		int rc = cg_err_set(c->err, CG_EDATA, "shard %d: %s: a key of no known family (see cg-verify)", old,
				    kb.data ? (const char *)kb.data : "?");
		cg_buf_free(&kb);
		return rc;
	}
	tally_add(&c->want[sh], k, kl, v, vl);
	c->res->keys++;
	c->res->bytes += kl + vl;
	if (c->dry_run)
		return CG_OK;
	if (cg_changeset_put(c->cs, sh, k, kl, v, vl) < 0)
		return oom(c->err);
	return cg_changeset_count(c->cs) >= COPY_CHUNK ? flush_copy(c) : CG_OK;
}

typedef int (*key_fn)(void *ctx, int shard, const uint8_t *k, size_t kl, const char *v, size_t vl);

/* Every key of one shard of s, in order, with checksums verified. */
static int scan_all(cg_store *s, int shard, key_fn fn, void *ctx, cg_err *err)
{
	rocksdb_t *db = cg_store_db(s, shard);
	if (!db)
		return cg_err_set(err, CG_EIO, "shard %d is not open", shard);
	rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
	rocksdb_readoptions_set_total_order_seek(ro, 1);
	rocksdb_readoptions_set_verify_checksums(ro, 1);
	rocksdb_readoptions_set_fill_cache(ro, 0);
	rocksdb_iterator_t *it = rocksdb_create_iterator(db, ro);
	int rc = CG_OK;
	for (rocksdb_iter_seek_to_first(it); !rc && rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
		size_t kl, vl;
		const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &kl);
		const char *v = rocksdb_iter_value(it, &vl);
		rc = fn(ctx, shard, k, kl, v, vl);
	}
	char *e = NULL;
	rocksdb_iter_get_error(it, &e);
	rocksdb_iter_destroy(it);
	rocksdb_readoptions_destroy(ro);
	if (e && !rc)
		return cg_err_rocks(err, e, "scan %s", cg_store_shard_path(s, shard));
	free(e);
	return rc;
}

static int copy_fn(void *ctx, int shard, const uint8_t *k, size_t kl, const char *v, size_t vl)
{
	return copy_key(ctx, shard, k, kl, v, vl);
}

static int check_fn(void *ctx, int shard, const uint8_t *k, size_t kl, const char *v, size_t vl)
{
	tally *got = ctx;
	tally_add(&got[shard], k, kl, v, vl);
	return CG_OK;
}

/* Reads every new shard back and compares it with what was copied into it. */
static int check_copy(copy *c)
{
	tally got[CG_MAX_SHARDS] = { { 0 } };
	int rc = CG_OK;
	for (int i = 0; i < c->n && !rc; i++)
		rc = scan_all(c->to, i, check_fn, got, c->err);
	for (int i = 0; i < c->n && !rc; i++) {
		c->res->per_shard[i] = got[i].keys;
		if (got[i].keys != c->want[i].keys || got[i].sum != c->want[i].sum)
			rc = cg_err_set(c->err, CG_EINTERNAL,
					"new shard %d holds %llu keys (checksum %016llx), the old shards gave it %llu (%016llx); "
					"the store is unchanged", i, (unsigned long long)got[i].keys,
					(unsigned long long)got[i].sum, (unsigned long long)c->want[i].keys,
					(unsigned long long)c->want[i].sum);
	}
	return rc;
}

/* Builds and checks the new shards in DIR/reshard.tmp (a store of its own while it is built,
 * so the changeset's SST path and its intent-file recovery apply to it unchanged). */
static int build(copy *c, const char *dir, const cg_manifest *m)
{
	char *tmp = path_in(dir, TMP_NAME);
	if (!tmp)
		return oom(c->err);
	cg_init_opts io = { .shards = c->n, .cache_mb = m->cache_mb };
	cg_open_opts oo = { .mode = CG_OPEN_WRITE, .cache_mb = 8 };
	int rc = c->dry_run ? CG_OK : cg_store_init(tmp, &io, c->err);
	if (!rc && !c->dry_run && !(rc = cg_store_open(tmp, &oo, &c->to, c->err)) && !(c->cs = cg_changeset_new(c->n)))
		rc = oom(c->err);
	for (int i = 0; i < cg_store_nshards(c->from) && !rc; i++)
		rc = scan_all(c->from, i, copy_fn, c, c->err);
	if (!rc && !c->dry_run && !(rc = flush_copy(c)))
		rc = check_copy(c);
	if (c->dry_run)
		for (int i = 0; i < c->n; i++)
			c->res->per_shard[i] = c->want[i].keys;
	cg_changeset_free(c->cs);
	c->cs = NULL;
	cg_store_close(c->to);
	c->to = NULL;
	/* what made reshard.tmp a store of its own goes: the shards alone move */
	static const char *const extra[] = { "MANIFEST.json", "lock" };
	for (size_t i = 0; i < sizeof extra / sizeof *extra && !rc && !c->dry_run; i++) {
		char *p = path_in(tmp, extra[i]);
		if (!p)
			rc = oom(c->err);
		else if (unlink(p) < 0)
			rc = cg_err_sys(c->err, CG_EIO, errno, "%s", p);
		free(p);
	}
	free(tmp);
	return rc;
}

/* "shards-N", or "shards-N.K" when that name is taken. */
static int pick_name(const char *dir, int n, char *out, size_t cap, cg_err *err)
{
	for (int k = 1; k < 1000; k++) {
		int w = k == 1 ? snprintf(out, cap, "shards-%d", n) : snprintf(out, cap, "shards-%d.%d", n, k);
		char *p = path_in(dir, out);
		if (!p)
			return oom(err);
		struct stat st;
		int taken = lstat(p, &st) == 0;
		free(p);
		if (w > 0 && (size_t)w < cap && !taken)
			return CG_OK;
	}
	return cg_err_set(err, CG_EEXISTS, "%s: no free name for the new shards", dir);
}

/* The switch: journal, rename into place, manifest. Before the manifest rename the old store
 * is the store; after it, the new one. */
static int switch_to(const char *dir, const cg_manifest *old, int n, const char *name, cg_err *err)
{
	char *tmp = path_in(dir, TMP_NAME), *final = path_in(dir, name);
	test_crash_point("built");
	int rc = tmp && final ? write_journal(dir, old, name, err) : oom(err);
	if (!rc)
		test_crash_point("journaled");
	if (!rc && rename(tmp, final) < 0)
		rc = cg_err_sys(err, CG_EIO, errno, "rename %s to %s", tmp, final);
	if (!rc) {
		sync_dir(dir);
		test_crash_point("renamed");
	}
	cg_manifest m = *old;
	memset(m.shard_dirs, 0, sizeof m.shard_dirs);
	m.shards = n;
	for (int i = 0; i < n && !rc; i++)
		if (asprintf(&m.shard_dirs[i], "%s/shard-%03d", name, i) < 0) {
			m.shard_dirs[i] = NULL;
			rc = oom(err);
		}
	if (!rc)
		rc = cg_store_write_manifest(dir, &m, err);
	cg_manifest_free(&m);
	free(tmp);
	free(final);
	return rc;
}

/* Right after the switch, before anything slow: the old shard directories inside the store
 * are renamed into the trash, so a kill from here on leaves no unlisted shard-NNN behind for
 * cg-verify to report. The manifest no longer names them: no reader or writer opens them. */
static void trash_old(const char *dir, const cg_manifest *old)
{
	char *trash = path_in(dir, TRASH_NAME);
	if (!trash || (mkdir(trash, 0700) < 0 && errno != EEXIST)) {
		free(trash);
		return; /* the locked cleanup below removes them in place */
	}
	for (int i = 0; i < old->shards; i++) {
		char *from = old->shard_dirs[i][0] == '/' ? NULL : path_in(dir, old->shard_dirs[i]), *to = NULL;
		if (from && asprintf(&to, "%s/%d", trash, i) >= 0)
			rename(from, to);
		else
			to = NULL;
		free(from);
		free(to);
	}
	sync_dir(dir);
	free(trash);
}

/* After the switch: the old shards go, under the lock of a fresh writer open (which is also
 * the proof that the new store opens). Another writer getting there first only delays this
 * to the next run. */
static int finish(const char *dir, cg_reshard_result *res, cg_err *err)
{
	cg_store *s;
	cg_open_opts oo = { .mode = CG_OPEN_WRITE, .cache_mb = 8 };
	int cleaned = 0, rc = cg_store_open(dir, &oo, &s, err);
	if (rc == CG_ELOCKED) {
		res->old_kept = 1;
		cg_err_clear(err);
		return CG_OK;
	}
	if (!rc)
		rc = clean_leftovers(dir, cg_store_manifest(s), &cleaned, err);
	cg_store_close(s);
	return rc;
}

int cg_migrate_reshard(const char *dir, const cg_reshard_opts *o, cg_reshard_result *res, cg_err *err)
{
	memset(res, 0, sizeof *res);
	if (o->shards < 1 || o->shards > CG_MAX_SHARDS)
		return cg_err_set(err, CG_EUSAGE, "shard count must be 1..%d", CG_MAX_SHARDS);
	copy c = { .n = o->shards, .res = res, .dry_run = o->dry_run, .err = err };
	cg_open_opts oo = { .mode = o->dry_run ? CG_OPEN_READ : CG_OPEN_WRITE };
	int rc = cg_store_open(dir, &oo, &c.from, err), switched = 0;
	if (rc)
		return rc;
	const cg_manifest *m = cg_store_manifest(c.from);
	cg_manifest old = { .shards = m->shards }; /* the old shard list outlives the store handle */
	for (int i = 0; i < m->shards && !rc; i++)
		if (!(old.shard_dirs[i] = strdup(m->shard_dirs[i])))
			rc = oom(err);
	res->from = m->shards;
	res->to = o->shards;
	if (!rc && !o->dry_run)
		rc = clean_leftovers(dir, m, &res->cleaned, err);
	if (!rc && o->shards == m->shards)
		res->nothing_to_do = 1;
	else if (!rc && !(rc = build(&c, dir, m)) && !o->dry_run &&
		 !(rc = pick_name(dir, o->shards, res->new_dir, sizeof res->new_dir, err)))
		switched = !(rc = switch_to(dir, m, o->shards, res->new_dir, err));
	if (switched) {
		/* at once, before even closing the old shards (nothing writes to them any more, and
		 * open files survive a rename): the instant between the manifest's rename and these
		 * is the only time a kill leaves an unlisted shard-NNN for cg-verify to report */
		test_crash_point("switched");
		trash_old(dir, &old);
	}
	cg_store_close(c.from);
	if (switched) {
		test_crash_point("trashed");
		rc = finish(dir, res, err);
	} else if (rc && !o->dry_run) {
		char *tmp = path_in(dir, TMP_NAME); /* the old store stands; the next run tidies the rest */
		if (tmp)
			rm_tree(tmp, NULL);
		free(tmp);
	}
	cg_manifest_free(&old);
	return rc;
}

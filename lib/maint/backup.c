/* backup: create, list, verify, restore and purge cg store backups (see backup.h). */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"

#define CATALOG "catalog.json"
#define BACKUP_FORMAT "cg-backup"

typedef struct bctx {
	const char *bdir;
	int lock_fd;
	json_t *catalog;
	rocksdb_env_t *env;
	cg_err *err;
} bctx;

static int oom(cg_err *err)
{
	return cg_err_set(err, CG_EINTERNAL, "out of memory");
}

/* Room for any root under PATH_MAX plus "/shard-NNN"; too long a path then fails to open. */
#define SHARD_PATH_MAX (PATH_MAX + 32)

static void shard_path(char *out, size_t n, const char *root, int shard)
{
	snprintf(out, n, "%s/shard-%03d", root, shard);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* ---- the backup directory: lock and catalog ---- */

/* Entries written before backups recorded their store get the id create gives a store without
 * one, "created-TIME" (its creation time): every entry then names the store it came from. */
static int name_owners(bctx *c)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(c->catalog, "backups"), i, e) {
		char id[64];
		snprintf(id, sizeof id, "created-%lld", (long long)json_integer_value(json_object_get(e, "created")));
		if (!json_is_string(json_object_get(e, "store_id")) &&
		    json_object_set_new(e, "store_id", json_string(id)) < 0)
			return oom(c->err);
	}
	return CG_OK;
}

/* A directory holds one store's backups; one that already mixes two (shared before backups
 * recorded their store) is refused by whatever could lose or confuse the other's: CG_EDATA
 * naming the directory and two of the stores, then advice. */
#define OWN_DIR "give each store its own backup directory"
static int one_store(const bctx *c, const char *advice)
{
	const char *first = json_string_value(json_object_get(c->catalog, "store_id"));
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(c->catalog, "backups"), i, e) {
		const char *id = json_string_value(json_object_get(e, "store_id"));
		if (!first)
			first = id;
		else if (strcmp(first, id) != 0)
			return cg_err_set(c->err, CG_EDATA, "%s holds the backups of two stores (ids %s and %s): %s",
					  c->bdir, first, id, advice);
	}
	return CG_OK;
}

/* Takes BACKUPDIR/lock (exclusive for changes, shared for reads) and loads the catalog. */
static int open_bdir(bctx *c, const char *bdir, int exclusive, int create, cg_err *err)
{
	char path[PATH_MAX];
	memset(c, 0, sizeof *c);
	c->bdir = bdir;
	c->err = err;
	c->lock_fd = -1;
	if (create && mkdir(bdir, 0700) < 0 && errno != EEXIST)
		return cg_err_sys(err, errno == ENOENT ? CG_ENOINPUT : CG_EIO, errno, "%s", bdir);
	snprintf(path, sizeof path, "%s/" CATALOG, bdir);
	if (!create && access(path, F_OK) < 0)
		return cg_err_set(err, CG_ENOINPUT, "%s: not a cg backup directory (no %s)", bdir, CATALOG);
	snprintf(path, sizeof path, "%s/lock", bdir);
	c->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (c->lock_fd < 0 || flock(c->lock_fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
		return cg_err_sys(err, CG_EIO, errno, "%s", path);
	snprintf(path, sizeof path, "%s/" CATALOG, bdir);
	json_error_t je;
	c->catalog = json_load_file(path, 0, &je);
	if (!c->catalog && access(path, F_OK) == 0)
		return cg_err_set(err, CG_EDATA, "%s: line %d: %s", path, je.line, je.text);
	if (!c->catalog)
		c->catalog = json_pack("{s:s, s:[]}", "format", BACKUP_FORMAT, "backups");
	if (!c->catalog)
		return oom(err);
	if (!json_is_array(json_object_get(c->catalog, "backups")))
		return cg_err_set(err, CG_EDATA, "%s: no \"backups\" array", path);
	c->env = rocksdb_create_default_env();
	return name_owners(c);
}

static void close_bdir(bctx *c)
{
	json_decref(c->catalog);
	if (c->env)
		rocksdb_env_destroy(c->env);
	if (c->lock_fd >= 0)
		close(c->lock_fd);
}

static int save_catalog(bctx *c)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s/" CATALOG ".tmp", c->bdir);
	snprintf(dst, sizeof dst, "%s/" CATALOG, c->bdir);
	if (json_dump_file(c->catalog, tmp, JSON_INDENT(1) | JSON_PRESERVE_ORDER) < 0)
		return cg_err_sys(c->err, CG_EIO, errno, "%s", tmp);
	int fd = open(tmp, O_RDONLY | O_CLOEXEC);
	int bad = fd < 0 || fsync(fd) < 0;
	if (fd >= 0)
		close(fd);
	if (bad || rename(tmp, dst) < 0)
		return cg_err_sys(c->err, CG_EIO, errno, "%s", dst);
	return CG_OK;
}

static json_t *backups(const bctx *c)
{
	return json_object_get(c->catalog, "backups");
}

/* The catalog entry with this id (0: the newest); NULL when there is none. */
static json_t *find_entry(const bctx *c, unsigned id)
{
	json_t *all = backups(c), *e;
	size_t n = json_array_size(all), i;
	if (id == 0)
		return n ? json_array_get(all, n - 1) : NULL;
	json_array_foreach(all, i, e)
		if (json_integer_value(json_object_get(e, "id")) == (json_int_t)id)
			return e;
	return NULL;
}

static int entry_shards(json_t *e)
{
	return (int)json_array_size(json_object_get(e, "shard_ids"));
}

static uint32_t entry_shard_id(json_t *e, int shard)
{
	return (uint32_t)json_integer_value(json_array_get(json_object_get(e, "shard_ids"), (size_t)shard));
}

/* ---- one shard's BackupEngine ---- */

static rocksdb_backup_engine_t *engine(bctx *c, int shard, int *rc)
{
	char path[SHARD_PATH_MAX], *e = NULL;
	shard_path(path, sizeof path, c->bdir, shard);
	rocksdb_backup_engine_options_t *bo = rocksdb_backup_engine_options_create(path);
	rocksdb_backup_engine_options_set_share_table_files(bo, 1); /* incremental: SSTs are shared */
	rocksdb_backup_engine_options_set_sync(bo, 1);
	rocksdb_backup_engine_t *be = rocksdb_backup_engine_open_opts(bo, c->env, &e);
	rocksdb_backup_engine_options_destroy(bo);
	if (e)
		*rc = cg_err_rocks(c->err, e, "%s", path);
	return e ? NULL : be;
}

/* Files under the shard's shared_checksum/ directory: what all its backups hold between them. */
static long count_shared(const bctx *c, int shard)
{
	char path[PATH_MAX];
	long n = 0;
	snprintf(path, sizeof path, "%s/shard-%03d/shared_checksum", c->bdir, shard);
	DIR *d = opendir(path);
	for (struct dirent *de; d && (de = readdir(d));)
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

/* ---- create ---- */

/* Takes the writer lock just long enough to checkpoint (hard-link) every shard into root. */
static int checkpoint_store(const char *dir, const char *root, int wait, json_t **facts, cg_err *err)
{
	cg_open_opts oo = { .mode = CG_OPEN_WRITE };
	cg_store *s = NULL;
	int rc;
	while ((rc = cg_store_open(dir, &oo, &s, err)) == CG_ELOCKED && wait)
		sleep(1);
	if (rc)
		return rc;
	const cg_manifest *m = cg_store_manifest(s);
	char id[64];
	if (m->store_id[0]) /* stores from before store ids: their creation time tells them apart */
		snprintf(id, sizeof id, "%s", m->store_id);
	else
		snprintf(id, sizeof id, "created-%lld", m->created);
	*facts = json_pack("{s:i, s:i, s:i, s:I, s:s, s:s}", "schema_version", m->schema_version, "shards",
			   m->shards, "cache_mb", m->cache_mb, "created", (json_int_t)m->created,
			   "created_by", m->created_by, "store_id", id);
	if (!*facts)
		rc = oom(err);
	if (!rc && mkdir(root, 0700) < 0)
		rc = cg_err_sys(err, CG_EIO, errno, "%s", root);
	for (int sh = 0; sh < m->shards && !rc; sh++) {
		char path[SHARD_PATH_MAX], *e = NULL;
		shard_path(path, sizeof path, root, sh);
		rocksdb_checkpoint_t *cp = rocksdb_checkpoint_object_create(cg_store_db(s, sh), &e);
		if (!e)
			rocksdb_checkpoint_create(cp, path, 0, &e);
		if (cp)
			rocksdb_checkpoint_object_destroy(cp);
		if (e)
			rc = cg_err_rocks(err, e, "checkpoint of shard %d in %s", sh, path);
	}
	cg_store_close(s);
	return rc;
}

/* Reads every key and value of db with block checksums verified: NULL when all is sound, else
 * RocksDB's message (rocksdb_free it). A copy of a damaged file would pass for a backup. */
static char *damage(rocksdb_t *db)
{
	rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
	rocksdb_readoptions_set_verify_checksums(ro, 1);
	rocksdb_readoptions_set_fill_cache(ro, 0);
	rocksdb_readoptions_set_total_order_seek(ro, 1);
	rocksdb_iterator_t *it = rocksdb_create_iterator(db, ro);
	char *e = NULL;
	for (rocksdb_iter_seek_to_first(it); rocksdb_iter_valid(it); rocksdb_iter_next(it))
		;
	rocksdb_iter_get_error(it, &e);
	rocksdb_iter_destroy(it);
	rocksdb_readoptions_destroy(ro);
	return e;
}

/* Opens a shard copy (a checkpoint, a restored backup) with RocksDB's paranoid checks and
 * reads it whole: CG_EDATA naming what is damaged. */
static int open_checked(const char *path, const char *what, rocksdb_t **db, cg_err *err)
{
	char *e = NULL;
	rocksdb_options_t *opts = rocksdb_options_create();
	rocksdb_options_set_paranoid_checks(opts, 1);
	*db = rocksdb_open(opts, path, &e);
	rocksdb_options_destroy(opts);
	if (!e && !(e = damage(*db)))
		return CG_OK;
	cg_err_rocks(err, e, "%s is damaged", what);
	err->code = CG_EDATA;
	return CG_EDATA;
}

/* Backs up one checkpointed shard; *id gets the engine's new backup id. */
static int backup_shard(bctx *c, const char *root, int sh, uint32_t *id, long *new_files,
			uint64_t *size, uint64_t *files)
{
	char path[SHARD_PATH_MAX], *e = NULL;
	int rc = CG_OK;
	shard_path(path, sizeof path, root, sh);
	rocksdb_backup_engine_t *be = engine(c, sh, &rc);
	if (!be)
		return rc;
	long before = count_shared(c, sh);
	char what[64];
	snprintf(what, sizeof what, "shard %d", sh);
	rocksdb_t *db = NULL;
	rc = open_checked(path, what, &db, c->err);
	if (!rc)
		rocksdb_backup_engine_create_new_backup_flush(be, db, 0, &e);
	if (rc) {
		cg_err_prefix(c->err, "no backup taken");
	} else if (e) {
		rc = cg_err_rocks(c->err, e, "backup of shard %d", sh);
	} else {
		const rocksdb_backup_engine_info_t *info = rocksdb_backup_engine_get_backup_info(be);
		int n = rocksdb_backup_engine_info_count(info);
		*id = rocksdb_backup_engine_info_backup_id(info, n - 1);
		*size += rocksdb_backup_engine_info_size(info, n - 1);
		*files += rocksdb_backup_engine_info_number_files(info, n - 1);
		rocksdb_backup_engine_info_destroy(info);
		*new_files += count_shared(c, sh) - before;
	}
	if (db)
		rocksdb_close(db);
	rocksdb_backup_engine_close(be);
	return rc;
}

static json_int_t next_id(const bctx *c)
{
	json_t *last = find_entry(c, 0);
	return last ? json_integer_value(json_object_get(last, "id")) + 1 : 1;
}

static json_t *new_entry(const bctx *c, json_t *facts)
{
	char when[32];
	time_t now = time(NULL);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	json_t *e = json_pack("{s:I, s:s, s:I, s:[]}", "id", next_id(c), "timestamp", when,
			      "time", (json_int_t)now, "shard_ids");
	if (e)
		json_object_update(e, facts);
	return e;
}

int cg_backup_create(const char *dir, const char *bdir, int wait, json_t **out, cg_err *err)
{
	bctx c;
	char root[PATH_MAX];
	json_t *facts = NULL, *entry = NULL;
	int rc = open_bdir(&c, bdir, 1, 1, err);
	*out = NULL;
	snprintf(root, sizeof root, "%s/.cg-backup-%ld", dir, (long)getpid());
	if (!rc)
		rc = one_store(&c, OWN_DIR);
	if (!rc)
		rc = checkpoint_store(dir, root, wait, &facts, err);
	json_t *shards_were = json_object_get(c.catalog, "shards");
	int nshards = (int)json_integer_value(json_object_get(facts, "shards"));
	if (!rc && shards_were && json_integer_value(shards_were) != nshards)
		rc = cg_err_set(err, CG_EDATA, "%s holds backups of a store with %d shards, not %d", bdir,
				(int)json_integer_value(shards_were), nshards);
	const char *owner = json_string_value(json_object_get(c.catalog, "store_id"));
	if (!owner) /* a catalog from before store ids: its backups say whose they are */
		owner = json_string_value(json_object_get(find_entry(&c, 0), "store_id"));
	const char *store_id = json_string_value(json_object_get(facts, "store_id"));
	if (!rc && owner && strcmp(owner, store_id) != 0)
		rc = cg_err_set(err, CG_EDATA, "%s holds the backups of another store (id %s; this one is %s): "
				OWN_DIR, bdir, owner, store_id);
	if (!rc && !(entry = new_entry(&c, facts)))
		rc = oom(err);
	long new_files = 0;
	uint64_t size = 0, files = 0;
	for (int sh = 0; sh < nshards && !rc; sh++) {
		uint32_t id = 0;
		rc = backup_shard(&c, root, sh, &id, &new_files, &size, &files);
		if (!rc)
			json_array_append_new(json_object_get(entry, "shard_ids"), json_integer(id));
	}
	if (!rc) {
		json_object_update_new(entry, json_pack("{s:I, s:I, s:I}", "size", (json_int_t)size,
							"files", (json_int_t)files, "new_files", (json_int_t)new_files));
		json_object_set_new(c.catalog, "shards", json_integer(nshards));
		json_object_set_new(c.catalog, "store_id", json_string(store_id));
		json_array_append(backups(&c), entry);
		rc = save_catalog(&c);
	}
	if (access(root, F_OK) == 0) /* the checkpoints: hard links, gone with the backup done */
		nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (!rc)
		*out = json_incref(entry);
	json_decref(entry);
	json_decref(facts);
	close_bdir(&c);
	return rc;
}

/* ---- list, verify ---- */

int cg_backup_list(const char *bdir, json_t **out, cg_err *err)
{
	bctx c;
	int rc = open_bdir(&c, bdir, 0, 0, err);
	*out = rc ? NULL : json_incref(backups(&c));
	close_bdir(&c);
	return rc;
}

/* CRC-32C (Castagnoli), the checksum BackupEngine records for every file in meta/ID. */
static uint32_t crc32c(uint32_t crc, const uint8_t *p, size_t n)
{
	static uint32_t table[256];
	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? c >> 1 ^ 0x82f63b78u : c >> 1;
			table[i] = c;
		}
	crc = ~crc;
	while (n--)
		crc = table[(crc ^ *p++) & 0xff] ^ crc >> 8;
	return ~crc;
}

static int file_crc(const char *path, uint32_t *crc)
{
	uint8_t buf[1 << 16];
	size_t n;
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	*crc = 0;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		*crc = crc32c(*crc, buf, n);
	int bad = ferror(f);
	fclose(f);
	return bad ? -1 : 0;
}

/* BackupEngine's own check (every file present, sizes as it sees them) does not read the
 * files, so each file's CRC-32C is also compared with the one in the backup's meta file
 * ("PATH crc32 VALUE" lines). Returns NULL when all match, else a message to free. */
static char *check_files(bctx *c, int shard, uint32_t id)
{
	char meta[SHARD_PATH_MAX + 16], line[PATH_MAX + 64], *path = NULL, *msg = NULL;
	snprintf(meta, sizeof meta, "%s/shard-%03d/meta/%u", c->bdir, shard, (unsigned)id);
	FILE *f = fopen(meta, "r");
	if (!f)
		return asprintf(&msg, "%s: %s", meta, strerror(errno)) < 0 ? NULL : msg;
	while (!msg && fgets(line, sizeof line, f)) {
		char rel[PATH_MAX];
		unsigned long want;
		uint32_t got;
		if (sscanf(line, "%4095s crc32 %lu", rel, &want) != 2)
			continue;
		free(path);
		if (asprintf(&path, "%s/shard-%03d/%s", c->bdir, shard, rel) < 0) {
			path = NULL;
			msg = strdup("out of memory");
		} else if (file_crc(path, &got) < 0)
			msg = asprintf(&msg, "%s: %s", path, strerror(errno)) < 0 ? NULL : msg;
		else if (got != (uint32_t)want)
			msg = asprintf(&msg, "%s: checksum %u, the backup recorded %lu", path, got, want) < 0 ? NULL : msg;
	}
	fclose(f);
	free(path);
	return msg;
}

/* Restores shard sh of backup id into a scratch directory and reads it whole: the file
 * checksums above only say the files are as copied, not that what was copied was sound.
 * Returns NULL or a message to free. */
static char *check_blocks(bctx *c, rocksdb_backup_engine_t *be, int sh, uint32_t id)
{
	char root[PATH_MAX], path[SHARD_PATH_MAX], what[64], *e = NULL, *msg = NULL;
	snprintf(root, sizeof root, "%s/.verify-%ld", c->bdir, (long)getpid());
	shard_path(path, sizeof path, root, sh);
	snprintf(what, sizeof what, "shard %d of the backup", sh);
	rocksdb_restore_options_t *ro = rocksdb_restore_options_create();
	if (mkdir(root, 0700) < 0 && errno != EEXIST)
		msg = asprintf(&msg, "%s: %s", root, strerror(errno)) < 0 ? NULL : msg;
	else
		rocksdb_backup_engine_restore_db_from_backup(be, path, path, ro, id, &e);
	rocksdb_restore_options_destroy(ro);
	rocksdb_t *db = NULL;
	cg_err err = { 0 };
	if (e) {
		msg = strdup(e);
		rocksdb_free(e);
	} else if (!msg && open_checked(path, what, &db, &err)) {
		msg = strdup(err.msg);
	}
	if (db)
		rocksdb_close(db);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return msg;
}

static int verify_entry(bctx *c, json_t *e, rocksdb_backup_engine_t **be, json_t *out)
{
	json_t *r = json_pack("{s:O, s:O, s:b}", "id", json_object_get(e, "id"), "store_id",
			      json_object_get(e, "store_id"), "ok", 1);
	if (!r)
		return oom(c->err);
	for (int sh = 0; sh < entry_shards(e); sh++) {
		char *msg = NULL;
		rocksdb_backup_engine_verify_backup(be[sh], entry_shard_id(e, sh), &msg);
		char *bad = msg ? msg : check_files(c, sh, entry_shard_id(e, sh));
		if (!bad)
			bad = check_blocks(c, be[sh], sh, entry_shard_id(e, sh));
		if (bad) {
			json_object_update_new(r, json_pack("{s:b, s:i, s:s}", "ok", 0, "shard", sh, "error", bad));
			if (msg)
				rocksdb_free(msg);
			else
				free(bad);
			break;
		}
	}
	return json_array_append_new(out, r) < 0 ? oom(c->err) : CG_OK;
}

static void close_engines(rocksdb_backup_engine_t **be, int n)
{
	for (int i = 0; i < n; i++)
		if (be[i])
			rocksdb_backup_engine_close(be[i]);
}

int cg_backup_verify(const char *bdir, unsigned id, json_t **out, cg_err *err)
{
	bctx c;
	rocksdb_backup_engine_t *be[CG_MAX_SHARDS] = { 0 };
	int rc = open_bdir(&c, bdir, 0, 0, err);
	int n = (int)json_integer_value(json_object_get(c.catalog, "shards"));
	*out = json_array();
	if (!rc && !*out)
		rc = oom(err);
	if (!rc && id && !find_entry(&c, id))
		rc = cg_err_set(err, CG_ENOINPUT, "%s: no backup %u", bdir, id);
	for (int sh = 0; sh < n && sh < CG_MAX_SHARDS && !rc; sh++)
		be[sh] = engine(&c, sh, &rc);
	size_t i;
	json_t *e;
	json_array_foreach(backups(&c), i, e)
		if (!rc && (!id || json_integer_value(json_object_get(e, "id")) == (json_int_t)id))
			rc = verify_entry(&c, e, be, *out);
	if (!rc)
		rc = one_store(&c, OWN_DIR); /* after the checks: each line says whose backup it is */
	close_engines(be, n < CG_MAX_SHARDS ? n : CG_MAX_SHARDS);
	close_bdir(&c);
	return rc;
}

/* ---- restore ---- */

static int make_empty_dir(const char *dir, cg_err *err)
{
	if (mkdir(dir, 0700) == 0)
		return CG_OK;
	if (errno == ENOENT)
		return cg_err_set(err, CG_ENOINPUT, "%s: parent directory does not exist", dir);
	if (errno != EEXIST)
		return cg_err_sys(err, CG_EIO, errno, "%s", dir);
	DIR *d = opendir(dir);
	int empty = d != NULL;
	for (struct dirent *de; d && (de = readdir(d));)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = 0;
	if (d)
		closedir(d);
	return empty ? CG_OK : cg_err_set(err, CG_EEXISTS, "%s: exists and is not an empty directory", dir);
}

static int fill_manifest(json_t *e, cg_manifest *m, cg_err *err)
{
	memset(m, 0, sizeof *m);
	snprintf(m->format, sizeof m->format, "%s", CG_STORE_FORMAT);
	snprintf(m->created_by, sizeof m->created_by, "%s",
		 json_string_value(json_object_get(e, "created_by")) ? json_string_value(json_object_get(e, "created_by")) : "");
	m->schema_version = (int)json_integer_value(json_object_get(e, "schema_version"));
	m->cache_mb = (int)json_integer_value(json_object_get(e, "cache_mb"));
	m->created = (long long)json_integer_value(json_object_get(e, "created"));
	const char *id = json_string_value(json_object_get(e, "store_id"));
	if (id && strncmp(id, "created-", 8) != 0) /* the restored store goes on as the same store */
		snprintf(m->store_id, sizeof m->store_id, "%s", id);
	m->shards = entry_shards(e);
	if (m->shards < 1 || m->shards > CG_MAX_SHARDS || m->schema_version < 1)
		return cg_err_set(err, CG_EDATA, "backup %lld: catalog entry is incomplete",
				  (long long)json_integer_value(json_object_get(e, "id")));
	for (int i = 0; i < m->shards; i++)
		if (asprintf(&m->shard_dirs[i], "shard-%03d", i) < 0) {
			m->shard_dirs[i] = NULL;
			return oom(err);
		}
	return CG_OK;
}

int cg_backup_restore(const char *bdir, const char *newdir, unsigned id, unsigned *used, cg_err *err)
{
	umask(077); /* a restored store is private like any other (0700 dirs, 0600 files) */
	bctx c;
	cg_manifest m = { 0 };
	int rc = open_bdir(&c, bdir, 0, 0, err);
	if (!rc && !id) /* "the latest" of two stores' backups could be the other store's */
		rc = one_store(&c, "name the backup to restore with --id");
	json_t *e = rc ? NULL : find_entry(&c, id);
	if (!rc && !e)
		rc = id ? cg_err_set(err, CG_ENOINPUT, "%s: no backup %u", bdir, id)
			: cg_err_set(err, CG_ENOINPUT, "%s: holds no backup", bdir);
	if (!rc) {
		*used = (unsigned)json_integer_value(json_object_get(e, "id"));
		rc = fill_manifest(e, &m, err);
	}
	if (!rc)
		rc = make_empty_dir(newdir, err);
	rocksdb_restore_options_t *ro = rocksdb_restore_options_create();
	for (int sh = 0; sh < m.shards && !rc; sh++) {
		char path[SHARD_PATH_MAX], *msg = NULL;
		shard_path(path, sizeof path, newdir, sh);
		rocksdb_backup_engine_t *be = engine(&c, sh, &rc);
		if (be)
			rocksdb_backup_engine_restore_db_from_backup(be, path, path, ro, entry_shard_id(e, sh), &msg);
		if (msg)
			rc = cg_err_rocks(err, msg, "restore shard %d into %s", sh, path);
		if (be)
			rocksdb_backup_engine_close(be);
	}
	rocksdb_restore_options_destroy(ro);
	if (!rc)
		rc = cg_store_write_manifest(newdir, &m, err); /* last: only a complete restore is a store */
	cg_manifest_free(&m);
	close_bdir(&c);
	return rc;
}

/* ---- purge ---- */

/* How many of the shard's engine backups have an id at least min_id (the ones to keep). */
static uint32_t keep_count(rocksdb_backup_engine_t *be, uint32_t min_id)
{
	const rocksdb_backup_engine_info_t *info = rocksdb_backup_engine_get_backup_info(be);
	uint32_t n = 0;
	for (int i = 0; i < rocksdb_backup_engine_info_count(info); i++)
		n += rocksdb_backup_engine_info_backup_id(info, i) >= min_id;
	rocksdb_backup_engine_info_destroy(info);
	return n;
}

int cg_backup_purge(const char *bdir, unsigned keep, json_t **out, cg_err *err)
{
	bctx c;
	int rc = open_bdir(&c, bdir, 1, 0, err);
	if (!rc)
		rc = one_store(&c, OWN_DIR); /* --keep N of two stores' backups would delete the other's */
	json_t *all = rc ? NULL : backups(&c);
	size_t n = json_array_size(all);
	*out = json_array();
	if (!rc && !*out)
		rc = oom(err);
	if (rc || n <= keep) {
		close_bdir(&c);
		return rc;
	}
	json_t *oldest_kept = json_incref(json_array_get(all, n - keep));
	for (size_t i = 0; i < n - keep; i++)
		json_array_append(*out, json_object_get(json_array_get(all, i), "id"));
	for (size_t i = 0; i < n - keep; i++)
		json_array_remove(all, 0);
	rc = save_catalog(&c); /* first: a listed backup is never one being deleted */
	for (int sh = 0; sh < entry_shards(oldest_kept) && !rc; sh++) {
		char *msg = NULL;
		rocksdb_backup_engine_t *be = engine(&c, sh, &rc);
		if (be)
			rocksdb_backup_engine_purge_old_backups(be, keep_count(be, entry_shard_id(oldest_kept, sh)), &msg);
		if (msg)
			rc = cg_err_rocks(err, msg, "purge shard %d", sh);
		if (be)
			rocksdb_backup_engine_close(be);
	}
	json_decref(oldest_kept);
	close_bdir(&c);
	return rc;
}

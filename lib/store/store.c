/* store: create and open store directories; the writer lock; RocksDB options and writes. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <dirent.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "codec/record.h"

#define MANIFEST_NAME "MANIFEST.json"
#define LOCK_NAME "lock"
#define DEFAULT_CACHE_MB 64

struct cg_store {
	char *dir;
	cg_manifest manifest;
	int writer;   /* holds the lock */
	int writable; /* its shards are open as the writer (CG_OPEN_WRITE_LATER: from the first write) */
	int cache_mb;
	int lock_fd;
	int read_only; /* reader: plain read-only opens (no writer held the lock); else secondaries */
	rocksdb_cache_t *cache;
	rocksdb_block_based_table_options_t *table;
	rocksdb_options_t *options;
	rocksdb_writeoptions_t *wopts;
	rocksdb_readoptions_t *ropts;
	rocksdb_flushoptions_t *fopts;
	rocksdb_t *db[CG_MAX_SHARDS];
	rocksdb_column_family_handle_t *cf[CG_MAX_SHARDS]; /* readers: the default family */
	char *shard_path[CG_MAX_SHARDS];
	char *shard_err[CG_MAX_SHARDS];
};

static char *join(const char *a, const char *b)
{
	char *p;
	if (b[0] == '/')
		return strdup(b);
	return asprintf(&p, "%s/%s", a, b) < 0 ? NULL : p;
}

/* ---- manifest ---- */

static int manifest_to_json(const cg_manifest *m, char **text)
{
	json_t *dirs = json_array();
	for (int i = 0; i < m->shards; i++)
		json_array_append_new(dirs, json_string(m->shard_dirs[i]));
	json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:I, s:s, s:o}", "format", m->format,
			      "schema_version", m->schema_version, "shards", m->shards,
			      "cache_mb", m->cache_mb, "created", (json_int_t)m->created,
			      "created_by", m->created_by, "shard_dirs", dirs);
	if (o && m->store_id[0])
		json_object_set_new(o, "store_id", json_string(m->store_id));
	*text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	return *text ? 0 : -1;
}

int cg_store_write_manifest(const char *dir, const cg_manifest *m, cg_err *err)
{
	char *text = NULL, *tmp = join(dir, MANIFEST_NAME ".tmp"), *dst = join(dir, MANIFEST_NAME);
	int rc = CG_OK, fd = -1;
	if (!tmp || !dst || manifest_to_json(m, &text) < 0) {
		rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t n = strlen(text);
	if (fd < 0 || write(fd, text, n) != (ssize_t)n || write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
		rc = cg_err_sys(err, CG_EIO, errno, "%s", tmp);
		goto out;
	}
	if (rename(tmp, dst) < 0) {
		rc = cg_err_sys(err, CG_EIO, errno, "%s", dst);
		goto out;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) { /* make the rename itself durable */
		fsync(dfd);
		close(dfd);
	}
out:
	if (fd >= 0)
		close(fd);
	free(text);
	free(tmp);
	free(dst);
	return rc;
}

static int manifest_from_json(json_t *o, cg_manifest *m, cg_err *err)
{
	const char *format = NULL, *by = "";
	json_int_t created = 0;
	json_t *dirs = NULL;
	json_error_t je;
	memset(m, 0, sizeof *m);
	if (json_unpack_ex(o, &je, 0, "{s:s, s:i, s:i, s?i, s?I, s?s, s:o}", "format", &format,
			   "schema_version", &m->schema_version, "shards", &m->shards, "cache_mb",
			   &m->cache_mb, "created", &created, "created_by", &by, "shard_dirs", &dirs) < 0)
		return cg_err_set(err, CG_EDATA, "%s", je.text);
	if (strcmp(format, CG_STORE_FORMAT) != 0)
		return cg_err_set(err, CG_EDATA, "format is \"%s\", not \"%s\"", format, CG_STORE_FORMAT);
	if (m->shards < 1 || m->shards > CG_MAX_SHARDS || !json_is_array(dirs) ||
	    json_array_size(dirs) != (size_t)m->shards)
		return cg_err_set(err, CG_EDATA, "shard count %d does not match shard_dirs", m->shards);
	snprintf(m->format, sizeof m->format, "%s", format);
	snprintf(m->created_by, sizeof m->created_by, "%s", by);
	const char *id = json_string_value(json_object_get(o, "store_id"));
	snprintf(m->store_id, sizeof m->store_id, "%s", id ? id : "");
	m->created = created;
	for (int i = 0; i < m->shards; i++) {
		const char *d = json_string_value(json_array_get(dirs, (size_t)i));
		if (!d || !*d || !(m->shard_dirs[i] = strdup(d)))
			return cg_err_set(err, CG_EDATA, "shard_dirs[%d] is not a path", i);
	}
	return CG_OK;
}

int cg_store_read_manifest(const char *dir, cg_manifest *m, cg_err *err)
{
	char *path = join(dir, MANIFEST_NAME);
	if (!path)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	json_error_t je;
	json_t *o = json_load_file(path, 0, &je);
	int rc = CG_OK;
	if (!o) {
		struct stat st;
		if (stat(path, &st) < 0 && errno == ENOENT)
			rc = cg_err_set(err, CG_ENOINPUT, "%s: not a cg store (no %s; create one with cg-init)",
					dir, MANIFEST_NAME);
		else
			rc = cg_err_set(err, CG_EDATA, "%s: line %d: %s", path, je.line, je.text);
	} else if ((rc = manifest_from_json(o, m, err)) != CG_OK) {
		cg_err_prefix(err, "%s", path);
		cg_manifest_free(m);
	} else if (m->schema_version > CG_SCHEMA_VERSION) {
		rc = cg_err_set(err, CG_EDATA, "%s: schema version %d is newer than this cg reads (%d)",
				path, m->schema_version, CG_SCHEMA_VERSION);
		cg_manifest_free(m);
	}
	json_decref(o);
	free(path);
	return rc;
}

void cg_manifest_free(cg_manifest *m)
{
	for (int i = 0; i < CG_MAX_SHARDS; i++) {
		free(m->shard_dirs[i]);
		m->shard_dirs[i] = NULL;
	}
}

/* ---- RocksDB options ---- */

static int env_int(const char *name, int fallback)
{
	const char *v = getenv(name);
	char *end;
	long n = v && *v ? strtol(v, &end, 10) : 0;
	return v && *v && *end == '\0' && n > 0 && n < INT_MAX ? (int)n : fallback;
}

/* Point lookups of vertices use whole-key bloom filters; edge scans ("all edges of X") use a
 * prefix bloom over the first 9 bytes ('e' + vid). Upper levels stay uncompressed or LZ4 for
 * cheap writes; the bottom levels, where nearly all data lives with dynamic level sizing,
 * use LZ4HC: a fresh reader decompresses a block per answer row, and LZ4 decodes several
 * times faster than ZSTD (at L a third of a find stream's CPU was ZSTD) for a store 13 %
 * larger, still smaller than SQLite's (docs/design.md, "Reads in short processes"). */
static void make_options(cg_store *s, int cache_mb)
{
	static const int per_level[7] = {
		rocksdb_no_compression, rocksdb_no_compression, rocksdb_lz4_compression,
		rocksdb_lz4_compression, rocksdb_lz4hc_compression, rocksdb_lz4hc_compression,
		rocksdb_lz4hc_compression,
	};
	s->cache = rocksdb_cache_create_lru((size_t)cache_mb << 20);
	s->table = rocksdb_block_based_options_create();
	rocksdb_block_based_options_set_block_cache(s->table, s->cache);
	rocksdb_block_based_options_set_filter_policy(s->table, rocksdb_filterpolicy_create_bloom_full(10));
	rocksdb_block_based_options_set_whole_key_filtering(s->table, 1);
	rocksdb_block_based_options_set_format_version(s->table, 5);
	/* Partitioned index and filters: an open reads only their small top level (pinned); the
	 * 4 KiB partitions come through the block cache like data. A bulk-loaded SST's whole
	 * filter is megabytes: loaded at open it made one-shot queries slow, kept in the cache
	 * it was evicted and re-read by every Get. */
	rocksdb_block_based_options_set_index_type(s->table, rocksdb_block_based_table_index_type_two_level_index_search);
	rocksdb_block_based_options_set_partition_filters(s->table, 1);
	rocksdb_block_based_options_set_metadata_block_size(s->table, 4096);
	rocksdb_block_based_options_set_cache_index_and_filter_blocks(s->table, 1);
	rocksdb_block_based_options_set_cache_index_and_filter_blocks_with_high_priority(s->table, 1);
	rocksdb_block_based_options_set_pin_top_level_index_and_filter(s->table, 1);
	rocksdb_block_based_options_set_pin_l0_filter_and_index_blocks_in_cache(s->table, 1);

	s->options = rocksdb_options_create();
	rocksdb_options_set_block_based_table_factory(s->options, s->table);
	rocksdb_options_set_prefix_extractor(s->options, rocksdb_slicetransform_create_fixed_prefix(9));
	rocksdb_options_set_compression_per_level(s->options, per_level, 7);
	rocksdb_options_set_bottommost_compression(s->options, rocksdb_lz4hc_compression);
	rocksdb_options_set_level_compaction_dynamic_level_bytes(s->options, 1);
	rocksdb_options_set_paranoid_checks(s->options, 1);
	rocksdb_options_set_max_open_files(s->options, -1); /* see docs/design.md: never bound it */
	if (s->writable) {
		rocksdb_options_increase_parallelism(s->options, 2);
		rocksdb_options_set_keep_log_file_num(s->options, 3);
		rocksdb_options_set_max_log_file_size(s->options, 1 << 20);
		/* warnings only: RocksDB 7.8 as Debian builds it (assertions on) aborts the process
		 * on the info LOG line after one it could not write, and background jobs' INFO lines
		 * land whenever they run, in a disk that a run has just filled too (open_shard) */
		rocksdb_options_set_info_log_level(s->options, 2 /* WARN */);
		/* a new MANIFEST is preallocated (4 MiB by default): on a nearly full disk that
		 * alone filled it, and the LOG lines that followed aborted the open */
		rocksdb_options_set_manifest_preallocation_size(s->options, 64 << 10);
	} else {
		/* a reader compacts nothing: no background pools, no periodic stats threads, and a
		 * one-shot query does not pay for starting and joining them */
		rocksdb_options_set_stats_dump_period_sec(s->options, 0);
		rocksdb_options_set_stats_persist_period_sec(s->options, 0);
		rocksdb_options_set_max_file_opening_threads(s->options, 1);
		/* its memtable stays empty (the WAL is off): a small one, without a prefix bloom,
		 * spares a one-shot query clearing megabytes it never uses */
		rocksdb_options_set_write_buffer_size(s->options, 64 << 10);
		/* a secondary's info LOG lives in its scratch directory, which is removed right
		 * after the open: one file, never rolled over, warnings only */
		rocksdb_options_set_max_log_file_size(s->options, 0);
		rocksdb_options_set_info_log_level(s->options, 2 /* WARN */);
	}

	s->wopts = rocksdb_writeoptions_create();
	rocksdb_writeoptions_disable_WAL(s->wopts, 1);
	s->ropts = rocksdb_readoptions_create();
	rocksdb_readoptions_set_verify_checksums(s->ropts, 1);
	s->fopts = rocksdb_flushoptions_create();
	rocksdb_flushoptions_set_wait(s->fopts, 1);
}

static void free_options(cg_store *s)
{
	if (s->options)
		rocksdb_options_destroy(s->options);
	if (s->table)
		rocksdb_block_based_options_destroy(s->table);
	if (s->cache)
		rocksdb_cache_destroy(s->cache);
	if (s->wopts)
		rocksdb_writeoptions_destroy(s->wopts);
	if (s->ropts)
		rocksdb_readoptions_destroy(s->ropts);
	if (s->fopts)
		rocksdb_flushoptions_destroy(s->fopts);
}

/* ---- create ---- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int dir_is_empty(const char *dir)
{
	int empty = 1;
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

/* An existing empty directory is adopted; anything else in the way is refused. */
static int make_store_dir(const char *dir, int *created, cg_err *err)
{
	*created = 0;
	struct stat st;
	if (stat(dir, &st) == 0) {
		char *m = join(dir, MANIFEST_NAME);
		int is_store = m && access(m, F_OK) == 0;
		free(m);
		if (is_store)
			return cg_err_set(err, CG_EEXISTS, "%s: a cg store already exists here", dir);
		if (!S_ISDIR(st.st_mode))
			return cg_err_set(err, CG_EEXISTS, "%s: exists and is not a directory", dir);
		int empty = dir_is_empty(dir);
		if (empty < 0)
			return cg_err_sys(err, CG_EIO, errno, "%s", dir);
		if (!empty)
			return cg_err_set(err, CG_EEXISTS, "%s: directory is not empty and is not a cg store", dir);
		return chmod(dir, 0700) < 0 ? cg_err_sys(err, CG_EIO, errno, "%s", dir) : CG_OK;
	}
	if (mkdir(dir, 0700) == 0) {
		*created = 1;
		return CG_OK;
	}
	if (errno == ENOENT)
		return cg_err_set(err, CG_ENOINPUT, "%s: parent directory does not exist", dir);
	return cg_err_sys(err, CG_EIO, errno, "%s", dir);
}

static int create_shard(cg_store *s, const char *path, cg_err *err)
{
	char *e = NULL;
	rocksdb_options_set_create_if_missing(s->options, 1);
	rocksdb_options_set_error_if_exists(s->options, 1);
	rocksdb_t *db = rocksdb_open(s->options, path, &e);
	rocksdb_options_set_create_if_missing(s->options, 0);
	rocksdb_options_set_error_if_exists(s->options, 0);
	if (e)
		return cg_err_rocks(err, e, "%s", path);
	rocksdb_close(db);
	return CG_OK;
}

static void fill_manifest(cg_manifest *m, const cg_init_opts *o)
{
	memset(m, 0, sizeof *m);
	snprintf(m->format, sizeof m->format, "%s", CG_STORE_FORMAT);
	snprintf(m->created_by, sizeof m->created_by, "cg %s", CG_VERSION);
	m->schema_version = CG_SCHEMA_VERSION;
	m->shards = o->shards > 0 ? o->shards : 1;
	m->cache_mb = o->cache_mb > 0 ? o->cache_mb : DEFAULT_CACHE_MB;
	m->created = (long long)time(NULL);
	uint8_t id[16] = { 0 };
	if (getrandom(id, sizeof id, 0) != (ssize_t)sizeof id) /* no randomness: the time must do */
		memcpy(id, &m->created, sizeof m->created);
	for (size_t i = 0; i < sizeof id; i++)
		snprintf(m->store_id + 2 * i, 3, "%02x", id[i]);
}

int cg_store_init(const char *dir, const cg_init_opts *o, cg_err *err)
{
	umask(077); /* store files are the owner's alone; RocksDB creates them with 0644 & ~umask */
	if (o->shards < 1 || o->shards > CG_MAX_SHARDS)
		return cg_err_set(err, CG_EUSAGE, "shard count must be 1..%d", CG_MAX_SHARDS);
	int created, rc = make_store_dir(dir, &created, err);
	if (rc)
		return rc;
	char *paths[CG_MAX_SHARDS] = { 0 };
	int owned[CG_MAX_SHARDS] = { 0 }; /* shard directories this init made or adopted empty */
	cg_store s = { 0 };
	make_options(&s, 8);
	fill_manifest(&s.manifest, o);
	for (int i = 0; i < s.manifest.shards && !rc; i++) {
		char name[32];
		snprintf(name, sizeof name, "shard-%03d", i);
		s.manifest.shard_dirs[i] = strdup(o->shard_dirs[i] ? o->shard_dirs[i] : name);
		char *path = paths[i] = s.manifest.shard_dirs[i] ? join(dir, s.manifest.shard_dirs[i]) : NULL;
		if (!path)
			rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
		else if (mkdir(path, 0700) < 0 && !(errno == EEXIST && dir_is_empty(path) == 1))
			rc = cg_err_sys(err, errno == ENOENT ? CG_ENOINPUT : CG_EIO, errno, "%s", path);
		else {
			owned[i] = 1;
			rc = create_shard(&s, path, err);
		}
	}
	if (!rc)
		rc = cg_store_write_manifest(dir, &s.manifest, err);
	/* a failed init leaves nothing behind, so that it can simply be run again */
	for (int i = 0; rc && i < s.manifest.shards; i++)
		if (owned[i])
			rm_tree(paths[i]);
	if (rc && created)
		rm_tree(dir);
	for (int i = 0; i < s.manifest.shards; i++)
		free(paths[i]);
	cg_manifest_free(&s.manifest);
	free_options(&s);
	return rc;
}

/* ---- open ---- */

static int recover_intents(cg_store *s, cg_err *err);

/* A reader holds the lock shared while its shards open (see open_readers): a writer that
 * finds the lock taken and no live writer's pid in it retries for this long. */
#define LOCK_RETRY_MS 500

/* The pid the lock file names, when that process is alive (a writer holds the lock, or is
 * just taking it after a reader); 0 when none. */
static long live_holder(int fd, char *holder, size_t n)
{
	ssize_t got = pread(fd, holder, n - 1, 0);
	holder[got > 0 ? got : 0] = '\0';
	holder[strcspn(holder, "\n")] = '\0';
	long pid = atol(holder);
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM) ? pid : 0;
}

static int take_lock(cg_store *s, cg_err *err)
{
	char *path = join(s->dir, LOCK_NAME);
	if (!path)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (s->lock_fd < 0)
		return cg_err_sys(err, CG_EIO, errno, "%s/%s", s->dir, LOCK_NAME);
	char holder[32] = "";
	for (int tries = 0; flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0; tries++) {
		if (errno != EWOULDBLOCK)
			return cg_err_sys(err, CG_EIO, errno, "%s/%s", s->dir, LOCK_NAME);
		if (live_holder(s->lock_fd, holder, sizeof holder) || tries * 5 >= LOCK_RETRY_MS)
			return cg_err_set(err, CG_ELOCKED, "%s: store is locked by pid %s", s->dir,
					  *holder ? holder : "(unknown)");
		usleep(5000);
	}
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(s->lock_fd, 0) < 0 || pwrite(s->lock_fd, pid, (size_t)n, 0) != n)
		return cg_err_sys(err, CG_EIO, errno, "%s/%s", s->dir, LOCK_NAME);
	return CG_OK;
}

#define MIN_FREE (1 << 20) /* bytes a writer wants free where a shard lives, to open at all */

/* scratch: a reader's secondary directory; NULL for a writer or a plain read-only open.
 * Readers open the default column family by name: its handle is what a batched MultiGet
 * takes (the C API has no other way to it). */
static int open_shard(cg_store *s, int i, const char *scratch, cg_err *err)
{
	char *e = NULL;
	const char *family[1] = { "default" };
	const rocksdb_options_t *family_opts[1] = { s->options };
	struct statvfs fs;
	if (s->writable && statvfs(s->shard_path[i], &fs) == 0 && (uint64_t)fs.f_bavail * fs.f_frsize < MIN_FREE)
		/* the open writes its LOG header, and on a full disk its second line aborts the
		 * process (see make_options): say what is wrong instead */
		return cg_err_sys(err, CG_EIO, ENOSPC, "%s (under 1 MiB free)", s->shard_path[i]);
	if (s->writable) {
		s->db[i] = rocksdb_open(s->options, s->shard_path[i], &e);
	} else if (!scratch) {
		s->db[i] = rocksdb_open_for_read_only_column_families(s->options, s->shard_path[i], 1, family,
								      family_opts, &s->cf[i], 0, &e);
	} else {
		char sec[PATH_MAX];
		snprintf(sec, sizeof sec, "%s/%03d", scratch, i);
		s->db[i] = rocksdb_open_as_secondary_column_families(s->options, s->shard_path[i], sec, 1, family,
								     family_opts, &s->cf[i], &e);
	}
	if (e) {
		free(s->shard_err[i]);
		s->shard_err[i] = strdup(e);
		s->db[i] = NULL;
		s->cf[i] = NULL;
		return cg_err_rocks(err, e, "%s", s->shard_path[i]);
	}
	return CG_OK;
}

static int open_shards(cg_store *s, const char *scratch, cg_err *err)
{
	int opened = 0, rc = CG_OK;
	for (int i = 0; i < s->manifest.shards; i++) {
		if (!s->shard_path[i] && !(s->shard_path[i] = join(s->dir, s->manifest.shard_dirs[i])))
			return cg_err_set(err, CG_EINTERNAL, "out of memory");
		int r = open_shard(s, i, scratch, err);
		if (r && s->writer)
			return r; /* a writer needs every shard */
		if (r)
			rc = r;
		else
			opened++;
	}
	return opened ? CG_OK : rc; /* readers go on with the shards they could open */
}

/* ---- readers ---- */

#define SCRATCH_PREFIX "cg-reader."

static const char *tmp_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	return tmp && *tmp ? tmp : "/tmp";
}

/* Removes the scratch directories (SCRATCH_PREFIX PID.XXXXXX) of this user's readers that
 * were killed while they opened (their pid is gone): each reader removes its own right after
 * the open, so nothing else is ever left. */
static void sweep_scratch(const char *tmp)
{
	DIR *d = opendir(tmp);
	if (!d)
		return;
	size_t plen = strlen(SCRATCH_PREFIX);
	for (struct dirent *e; (e = readdir(d));) {
		char path[PATH_MAX], *end;
		struct stat st;
		if (strncmp(e->d_name, SCRATCH_PREFIX, plen) != 0)
			continue;
		long pid = strtol(e->d_name + plen, &end, 10);
		if (pid <= 0 || *end != '.' || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (snprintf(path, sizeof path, "%s/%s", tmp, e->d_name) < (int)sizeof path &&
		    lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid())
			rm_tree(path);
	}
	closedir(d);
}

/* Secondaries need a directory of their own, where RocksDB writes only their info LOG, once
 * at the open: the directory is removed as soon as the shards are open, so a reader that is
 * interrupted later (SIGPIPE, SIGINT, SIGTERM) leaves nothing behind. */
static int open_secondaries(cg_store *s, cg_err *err)
{
	const char *tmp = tmp_dir();
	char *scratch = NULL;
	sweep_scratch(tmp);
	if (asprintf(&scratch, "%s/" SCRATCH_PREFIX "%ld.XXXXXX", tmp, (long)getpid()) < 0) {
		scratch = NULL;
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	}
	int rc = mkdtemp(scratch) ? open_shards(s, scratch, err)
		: cg_err_sys(err, CG_EIO, errno, "cannot make a reader directory under %s", tmp);
	rm_tree(scratch);
	free(scratch);
	return rc;
}

/* The lock file held shared, or -1 when a writer holds it or there is none yet (a reader
 * changes nothing in the store, and a writer may be creating it this moment). */
static int hold_shared(const cg_store *s)
{
	char *path = join(s->dir, LOCK_NAME);
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	free(path);
	if (fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* When no writer holds the lock the store is quiescent, and a plain read-only open sees all
 * of it without a secondary's scratch directory and catch-up machinery. The lock is held
 * shared while the shards open, so that no writer can start and change files meanwhile (it
 * retries, take_lock); after that the open instances keep every file they use open, so a
 * later writer's compactions cannot take their data away. cg_store_refresh opens them again
 * when the store changed. When a writer holds the lock, the shards open as secondaries,
 * which follow it. Readers never wait: the shared lock is only tried. */
static int open_readers(cg_store *s, cg_err *err)
{
	int fd = hold_shared(s);
	s->read_only = fd >= 0;
	int rc = s->read_only ? open_shards(s, NULL, err) : open_secondaries(s, err);
	if (fd >= 0)
		close(fd); /* releases the shared hold */
	return rc;
}

static void close_shards(cg_store *s)
{
	for (int i = 0; i < CG_MAX_SHARDS; i++) {
		if (s->cf[i])
			rocksdb_column_family_handle_destroy(s->cf[i]);
		if (s->db[i])
			rocksdb_close(s->db[i]);
		s->db[i] = NULL;
		s->cf[i] = NULL;
		free(s->shard_err[i]);
		s->shard_err[i] = NULL;
	}
}

int cg_store_open(const char *dir, const cg_open_opts *o, cg_store **out, cg_err *err)
{
	cg_store *s = calloc(1, sizeof *s);
	if (!s || !(s->dir = strdup(dir))) {
		free(s);
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	}
	s->lock_fd = -1;
	s->writer = o->mode != CG_OPEN_READ;
	s->writable = o->mode == CG_OPEN_WRITE;
	int rc = cg_store_read_manifest(dir, &s->manifest, err);
	if (rc)
		goto fail;
	if (s->writer) {
		umask(077);
		if ((rc = take_lock(s, err)))
			goto fail;
	}
	int cache = o->cache_mb > 0 ? o->cache_mb : env_int("CG_CACHE_MB", s->manifest.cache_mb);
	s->cache_mb = cache > 0 ? cache : DEFAULT_CACHE_MB;
	make_options(s, s->cache_mb);
	rc = s->writer ? open_shards(s, NULL, err) : open_readers(s, err);
	if (rc || (s->writer && (rc = recover_intents(s, err))))
		goto fail;
	*out = s;
	return CG_OK;
fail:
	cg_store_close(s);
	return rc;
}

void cg_store_close(cg_store *s)
{
	if (!s)
		return;
	close_shards(s);
	for (int i = 0; i < CG_MAX_SHARDS; i++)
		free(s->shard_path[i]);
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* releases the flock */
	free_options(s);
	cg_manifest_free(&s->manifest);
	free(s->dir);
	free(s);
}

/* Under the writer's lock nothing else changes the store, so the read-only instances a
 * CG_OPEN_WRITE_LATER open started with saw all of it: they close, and the shards open again
 * as the writer, with the writer's options. */
int cg_store_writable(cg_store *s, cg_err *err)
{
	if (s->writable)
		return CG_OK;
	if (!s->writer)
		return cg_err_set(err, CG_EINTERNAL, "%s: opened for reading only", s->dir);
	close_shards(s);
	free_options(s);
	s->writable = 1;
	make_options(s, s->cache_mb);
	return open_shards(s, NULL, err);
}

/* ---- accessors ---- */

const cg_manifest *cg_store_manifest(const cg_store *s) { return &s->manifest; }
const char *cg_store_dir(const cg_store *s) { return s->dir; }
int cg_store_nshards(const cg_store *s) { return s->manifest.shards; }
rocksdb_t *cg_store_db(const cg_store *s, int shard) { return s->db[shard]; }
rocksdb_column_family_handle_t *cg_store_family(const cg_store *s, int shard) { return s->cf[shard]; }
const char *cg_store_shard_error(const cg_store *s, int shard) { return s->shard_err[shard]; }
const char *cg_store_shard_path(const cg_store *s, int shard) { return s->shard_path[shard]; }
rocksdb_options_t *cg_store_options(const cg_store *s) { return s->options; }

int cg_store_shard_of(const cg_store *s, uint64_t vid)
{
	return (int)(vid % (uint64_t)s->manifest.shards);
}

/* ---- reads and writes ---- */

/* A write before cg_store_writable is a bug in the caller: said, not crashed on. */
static int not_writable(const cg_store *s, cg_err *err)
{
	return cg_err_set(err, CG_EINTERNAL, "%s: written before it was opened for writing", s->dir);
}

int cg_store_commit(cg_store *s, rocksdb_writebatch_t **batches, cg_err *err)
{
	if (!s->writable)
		return not_writable(s, err);
	for (int i = 0; i < s->manifest.shards; i++) {
		char *e = NULL;
		if (!batches[i])
			continue;
		rocksdb_write(s->db[i], s->wopts, batches[i], &e);
		if (e)
			return cg_err_rocks(err, e, "write to %s", s->shard_path[i]);
		rocksdb_flush(s->db[i], s->fopts, &e);
		if (e)
			return cg_err_rocks(err, e, "flush %s", s->shard_path[i]);
	}
	return CG_OK;
}

/* RocksDB's SstFileWriter drops what it writes from the page cache as it goes (its
 * invalidate_page_cache, not settable through the C API): after a bulk ingest 6 % of the
 * store was resident, and the first queries, or --watch's first update, waited on the disk
 * for every block. The kernel reads the files back in the background; the link that moves a
 * file into the shard keeps its cached pages. Advice only: a failure changes nothing. */
static void read_back(const char *const *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int fd = open(files[i], O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
			close(fd);
		}
	}
}

/* Files of one shard (key ranges apart) go in with one call: one change of that shard. */
static int ingest_some(cg_store *s, int shard, const char *const *files, size_t n, cg_err *err)
{
	char *e = NULL;
	read_back(files, n);
	rocksdb_ingestexternalfileoptions_t *io = rocksdb_ingestexternalfileoptions_create();
	rocksdb_ingestexternalfileoptions_set_move_files(io, 1);
	rocksdb_ingest_external_file(s->db[shard], files, n, io, &e);
	rocksdb_ingestexternalfileoptions_destroy(io);
	return e ? cg_err_rocks(err, e, "ingest %s into %s", files[0], s->shard_path[shard]) : CG_OK;
}

static int ingest_one(cg_store *s, int shard, const char *file, cg_err *err)
{
	return ingest_some(s, shard, &file, 1, err);
}

/* A fault-injection point for the crash tests (tests/shard.bats): CG_TEST_CRASH_AFTER_SHARD=K
 * kills the writer right after shard K took its file, the worst moment for atomicity. */
static void test_crash_point(int shard)
{
	const char *k = getenv("CG_TEST_CRASH_AFTER_SHARD");
	if (k && *k && atoi(k) == shard)
		raise(SIGKILL);
}

/* The intent file of a change: DIR/INTENT.PID.json, written atomically (temporary file, fsync,
 * rename, fsync of the directory) before any shard takes its file. */
static int intent_path(const cg_store *s, const char *tag, char *out, size_t n)
{
	return snprintf(out, n, "%s/INTENT.%s.json", s->dir, tag) < (int)n ? 0 : -1;
}

static int write_intent(cg_store *s, const char *path, const char *json, cg_err *err)
{
	char tmp[4300];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t n = strlen(json);
	int ok = fd >= 0 && write(fd, json, n) == (ssize_t)n && fsync(fd) == 0;
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (!ok || rename(tmp, path) < 0) {
		unlink(tmp);
		return cg_err_sys(err, CG_EIO, ok ? errno : e, "%s", path);
	}
	int dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return CG_OK;
}

/* Ingests the files an intent lists that are still there (a moved file is gone), then
 * removes the intent: the change is complete on every shard. */
static int finish_intent(cg_store *s, const char *path, json_t *files, cg_err *err)
{
	size_t i;
	json_t *f;
	int rc = CG_OK;
	json_array_foreach(files, i, f) {
		int shard = (int)json_integer_value(json_array_get(f, 0));
		const char *sst = json_string_value(json_array_get(f, 1));
		if (!sst || shard < 0 || shard >= s->manifest.shards)
			return cg_err_set(err, CG_EDATA, "%s: malformed file entry %zu", path, i);
		if (access(sst, F_OK) == 0 && (rc = ingest_one(s, shard, sst, err)))
			return rc;
		test_crash_point(shard);
	}
	return unlink(path) < 0 ? cg_err_sys(err, CG_EIO, errno, "%s", path) : CG_OK;
}

int cg_store_ingest_files(cg_store *s, char *const *files, int per_shard, cg_err *err)
{
	if (!s->writable)
		return not_writable(s, err);
	json_t *list = json_array();
	const char *one[8];
	size_t none = 0;
	int shards = 0, last = -1;
	for (int i = 0; i < s->manifest.shards * per_shard; i++)
		if (files[i]) {
			json_array_append_new(list, json_pack("[i,s]", i / per_shard, files[i]));
			shards += i / per_shard != last;
			last = i / per_shard;
			if (none < 8)
				one[none++] = files[i];
		}
	char tag[32], path[4200], *json = json_dumps(list, JSON_COMPACT);
	snprintf(tag, sizeof tag, "%ld", (long)getpid());
	int rc = json && intent_path(s, tag, path, sizeof path) == 0 ? CG_OK
		: cg_err_set(err, CG_EINTERNAL, "out of memory");
	if (!rc && shards == 1) /* one shard: its ingest alone is atomic */
		rc = ingest_some(s, last, one, none, err);
	else if (!rc && shards > 1 && !(rc = write_intent(s, path, json, err)))
		rc = finish_intent(s, path, list, err);
	free(json);
	json_decref(list);
	return rc;
}

static int is_intent(const char *name)
{
	size_t n = strlen(name);
	return strncmp(name, "INTENT.", 7) == 0 && n > 12 && strcmp(name + n - 5, ".json") == 0;
}

/* SST files a killed writer was still writing (ingest.PID/) and intents it never wrote in
 * full (*.tmp): no intent names them, and the lock says their writer is gone. */
static void remove_leftovers(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));) {
		char *path;
		int stale = strncmp(e->d_name, "ingest.", 7) == 0 ||
			(strncmp(e->d_name, "INTENT.", 7) == 0 && strstr(e->d_name, ".tmp"));
		if (stale && asprintf(&path, "%s/%s", dir, e->d_name) >= 0) {
			rm_tree(path);
			free(path);
		}
	}
	closedir(d);
}

/* Writer open: completes the changes a killed writer left half-applied across shards. */
static int recover_intents(cg_store *s, cg_err *err)
{
	DIR *d = opendir(s->dir);
	if (!d)
		return cg_err_sys(err, CG_EIO, errno, "%s", s->dir);
	int rc = CG_OK;
	for (struct dirent *e; !rc && (e = readdir(d));) {
		char path[4200];
		json_error_t je;
		if (!is_intent(e->d_name) || snprintf(path, sizeof path, "%s/%s", s->dir, e->d_name) >= (int)sizeof path)
			continue;
		json_t *files = json_load_file(path, 0, &je);
		if (files && (rc = cg_store_writable(s, err))) {
			json_decref(files);
			break;
		}
		rc = files ? finish_intent(s, path, files, err)
			: cg_err_set(err, CG_EDATA, "%s: line %d: %s", path, je.line, je.text);
		json_decref(files);
	}
	closedir(d);
	if (!rc)
		remove_leftovers(s->dir);
	return rc;
}

int cg_store_refresh(cg_store *s, cg_err *err)
{
	if (s->writer)
		return CG_OK;
	if (s->read_only) { /* a read-only instance never moves: open the store again */
		close_shards(s);
		return open_readers(s, err);
	}
	for (int i = 0; i < s->manifest.shards; i++) {
		char *e = NULL;
		if (!s->db[i])
			continue;
		rocksdb_try_catch_up_with_primary(s->db[i], &e);
		if (e)
			return cg_err_rocks(err, e, "catch up with writer on %s", s->shard_path[i]);
	}
	return CG_OK;
}

int cg_store_get(const cg_store *s, int shard, const void *key, size_t klen,
		 rocksdb_pinnableslice_t **val, cg_err *err)
{
	char *e = NULL;
	*val = rocksdb_get_pinned(s->db[shard], s->ropts, key, klen, &e);
	return e ? cg_err_rocks(err, e, "read %s", s->shard_path[shard]) : CG_OK;
}

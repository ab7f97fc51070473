/* input: reads in pieces or whole, zstd and gzip decompressed by content; directory listings. */
#include "input.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>

#include "base/buf.h"
#include "base/grow.h"

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcmp(s + n - t, tail) == 0;
}

enum codec { PLAIN, ZSTD, GZIP };

#define RAW_SIZE ((size_t)1 << 18)

struct cg_input {
	char *path;       /* for messages: the file, or "standard input" */
	int fd, own_fd;
	int codec;        /* decided by the first bytes */
	int started, eof;
	uint8_t *raw;      /* RAW_SIZE, allocated when first needed: plain content read in large
			    * pieces goes straight to the caller, and a fresh buffer per file costs
			    * page faults and clearing */
	size_t rpos, rlen; /* raw bytes read but not yet consumed */
	ZSTD_DStream *zs;
	z_stream gz;
	int gz_open, in_frame; /* a zstd frame or gzip member is half read */
};

static int read_into(cg_input *in, void *buf, size_t cap, size_t *got, cg_err *err)
{
	for (;;) {
		ssize_t n = read(in->fd, buf, cap);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cg_err_sys(err, CG_EIO, errno, "%s", in->path);
		*got = (size_t)n;
		in->eof = n == 0;
		return CG_OK;
	}
}

static int need_raw(cg_input *in, cg_err *err)
{
	if (!in->raw && !(in->raw = malloc(RAW_SIZE)))
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	return CG_OK;
}

static int fill_raw(cg_input *in, cg_err *err)
{
	if (in->rpos < in->rlen || in->eof)
		return CG_OK;
	in->rpos = in->rlen = 0;
	int rc = need_raw(in, err);
	return rc ? rc : read_into(in, in->raw, RAW_SIZE, &in->rlen, err);
}

/* zstd frames begin 28 b5 2f fd, gzip members 1f 8b: content decides, not the name. */
static int detect(cg_input *in, const uint8_t *b, size_t n, cg_err *err)
{
	if (n < 2)
		return CG_OK;
	if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) {
		in->codec = ZSTD;
		if (!(in->zs = ZSTD_createDStream()))
			return cg_err_set(err, CG_EINTERNAL, "out of memory");
	} else if (b[0] == 0x1f && b[1] == 0x8b) {
		in->codec = GZIP;
		if (inflateInit2(&in->gz, 15 + 32) != Z_OK)
			return cg_err_set(err, CG_EINTERNAL, "out of memory");
		in->gz_open = 1;
	}
	return CG_OK;
}

static int truncated(cg_input *in, const char *what, const char *why, cg_err *err)
{
	return cg_err_set(err, CG_EDATA, "%s: not a complete %s stream%s%s", in->path, what, why ? ": " : "", why ? why : "");
}

/* One decompression step over the raw bytes at hand, *got bytes out: NULL, or what is wrong. */
static const char *step_zstd(cg_input *in, char *buf, size_t cap, size_t *got)
{
	ZSTD_inBuffer zi = { in->raw, in->rlen, in->rpos };
	ZSTD_outBuffer zo = { buf, cap, 0 };
	size_t r = ZSTD_decompressStream(in->zs, &zo, &zi);
	if (ZSTD_isError(r))
		return ZSTD_getErrorName(r);
	in->rpos = zi.pos;
	in->in_frame = r != 0;
	*got = zo.pos;
	return NULL;
}

static const char *step_gzip(cg_input *in, char *buf, size_t cap, size_t *got)
{
	uInt room = (uInt)(cap > UINT32_MAX ? UINT32_MAX : cap);
	in->gz.next_in = in->raw + in->rpos;
	in->gz.avail_in = (uInt)(in->rlen - in->rpos);
	in->gz.next_out = (Bytef *)buf;
	in->gz.avail_out = room;
	int r = inflate(&in->gz, Z_NO_FLUSH);
	if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
		return in->gz.msg ? in->gz.msg : "corrupt data";
	in->rpos = in->rlen - in->gz.avail_in;
	*got = room - in->gz.avail_out;
	in->in_frame = r != Z_STREAM_END;
	if (r == Z_STREAM_END && inflateReset(&in->gz) != Z_OK) /* members may follow */
		return "corrupt data";
	return NULL;
}

static int next_decoded(cg_input *in, char *buf, size_t cap, size_t *got, cg_err *err)
{
	const char *what = in->codec == ZSTD ? "zstd" : "gzip", *why = NULL;
	while (*got == 0 && !why) {
		int rc = fill_raw(in, err);
		if (rc)
			return rc;
		if (in->rpos == in->rlen)
			return in->in_frame ? truncated(in, what, NULL, err) : CG_OK;
		why = in->codec == ZSTD ? step_zstd(in, buf, cap, got) : step_gzip(in, buf, cap, got);
	}
	return why ? truncated(in, what, why, err) : CG_OK;
}

/* The first bytes decide the codec. Read into a caller's buffer of at least RAW_SIZE, they
 * stay there when the content is plain; compressed, they move to the raw buffer. */
static int start(cg_input *in, char *buf, size_t cap, size_t *got, cg_err *err)
{
	in->started = 1;
	if (cap < RAW_SIZE) {
		int rc = fill_raw(in, err);
		return rc ? rc : detect(in, in->raw, in->rlen, err);
	}
	int rc = read_into(in, buf, RAW_SIZE, got, err);
	if (!rc)
		rc = detect(in, (const uint8_t *)buf, *got, err);
	if (rc || in->codec == PLAIN || (rc = need_raw(in, err)))
		return rc;
	memcpy(in->raw, buf, *got);
	in->rlen = *got;
	*got = 0;
	return CG_OK;
}

int cg_input_next(cg_input *in, char *buf, size_t cap, size_t *got, cg_err *err)
{
	*got = 0;
	int rc = in->started ? CG_OK : start(in, buf, cap, got, err);
	if (rc || *got)
		return rc;
	if (in->codec != PLAIN)
		return next_decoded(in, buf, cap, got, err);
	if (in->rpos == in->rlen && !in->eof && cap >= RAW_SIZE) /* straight into buf */
		return read_into(in, buf, cap, got, err);
	if ((rc = fill_raw(in, err)) || in->rpos == in->rlen) /* at the end (raw may never have been needed) */
		return rc;
	*got = in->rlen - in->rpos < cap ? in->rlen - in->rpos : cap;
	memcpy(buf, in->raw + in->rpos, *got);
	in->rpos += *got;
	return CG_OK;
}

int cg_input_open(const char *path, cg_input **out, cg_err *err)
{
	int stdin_ = strcmp(path, "-") == 0;
	cg_input *in = calloc(1, sizeof *in);
	if (!in || !(in->path = strdup(stdin_ ? "standard input" : path))) {
		free(in);
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	}
	in->fd = stdin_ ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	in->own_fd = !stdin_;
	if (in->fd < 0) {
		int e = errno;
		free(in->path);
		free(in);
		return cg_err_sys(err, e == ENOENT ? CG_ENOINPUT : CG_EIO, e, "%s", path);
	}
	*out = in;
	return CG_OK;
}

void cg_input_close(cg_input *in)
{
	if (!in)
		return;
	if (in->own_fd)
		close(in->fd);
	free(in->raw);
	ZSTD_freeDStream(in->zs);
	if (in->gz_open)
		inflateEnd(&in->gz);
	free(in->path);
	free(in);
}

int cg_input_read(const char *path, char **data, size_t *len, cg_err *err)
{
	cg_input *in;
	int rc = cg_input_open(path, &in, err);
	if (rc)
		return rc;
	cg_buf b = { 0 };
	struct stat st; /* a plain file is read into one buffer of its size: no copies as it grows */
	if (fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    cg_buf_reserve(&b, (size_t)st.st_size + RAW_SIZE) < 0)
		rc = cg_err_set(err, CG_EINTERNAL, "out of memory reading %s", path);
	for (size_t got = 1; !rc && got;) {
		if (cg_buf_reserve(&b, RAW_SIZE) < 0)
			rc = cg_err_set(err, CG_EINTERNAL, "out of memory reading %s", path);
		else if (!(rc = cg_input_next(in, (char *)b.data + b.len, b.cap - b.len - 1, &got, err)))
			b.len += got;
	}
	cg_input_close(in);
	if (rc) {
		cg_buf_free(&b);
		return rc;
	}
	b.data[b.len] = '\0';
	*data = (char *)b.data;
	*len = b.len;
	return CG_OK;
}

/* The read buffer is on the stack and reused for every piece: read() into a small buffer that
 * stays in the caches copies several times faster here than into a fresh one the size of the
 * file, whose every page also faults in. */
int cg_input_hash(const char *path, uint64_t seed, uint64_t *hash, size_t *len, cg_err *err)
{
	cg_input *in;
	XXH3_state_t *st = XXH3_createState();
	int rc = st ? cg_input_open(path, &in, err) : cg_err_set(err, CG_EINTERNAL, "out of memory");
	if (rc) {
		XXH3_freeState(st);
		return rc;
	}
	char buf[RAW_SIZE];
	XXH3_64bits_reset_withSeed(st, seed);
	*len = 0;
	for (size_t got = 1; !rc && got; *len += got)
		if (!(rc = cg_input_next(in, buf, sizeof buf, &got, err)))
			XXH3_64bits_update(st, buf, got);
	*hash = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	cg_input_close(in);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cg_input_list_dir(const char *dir, char ***paths, size_t *n, cg_err *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return cg_err_sys(err, errno == ENOENT ? CG_ENOINPUT : CG_EIO, errno, "%s", dir);
	char **list = NULL;
	size_t count = 0, cap = 0;
	int rc = CG_OK;
	for (struct dirent *e; (e = readdir(d)) && !rc;) {
		if (!ends_with(e->d_name, ".json") && !ends_with(e->d_name, ".json.zst") &&
		    !ends_with(e->d_name, ".json.gz"))
			continue;
		if (CG_GROW(list, cap, count + 1, 16)) {
			rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
			break;
		}
		if (asprintf(&list[count], "%s/%s", dir, e->d_name) < 0)
			rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
		else
			count++;
	}
	closedir(d);
	if (rc) {
		cg_input_free_list(list, count);
		return rc;
	}
	qsort(list, count, sizeof *list, name_cmp);
	*paths = list;
	*n = count;
	return CG_OK;
}

void cg_input_free_list(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

/* input: whole-file reads with optional zstd decompression; directory listings. */
#include "input.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "base/buf.h"

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcmp(s + n - t, tail) == 0;
}

static int read_fd(int fd, cg_buf *b)
{
	for (;;) {
		if (cg_buf_reserve(b, 1 << 16) < 0)
			return -1;
		ssize_t n = read(fd, b->data + b->len, b->cap - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (int)n;
		b->len += (size_t)n;
	}
}

static int unzstd(const char *path, cg_buf *in, cg_buf *out, cg_err *err)
{
	ZSTD_DStream *z = ZSTD_createDStream();
	ZSTD_inBuffer zi = { in->data, in->len, 0 };
	size_t r = 1;
	while (z && zi.pos < zi.size && !ZSTD_isError(r)) {
		if (cg_buf_reserve(out, ZSTD_DStreamOutSize() + 1) < 0)
			break;
		ZSTD_outBuffer zo = { out->data + out->len, out->cap - out->len - 1, 0 };
		r = ZSTD_decompressStream(z, &zo, &zi);
		out->len += zo.pos;
	}
	ZSTD_freeDStream(z);
	if (!z || ZSTD_isError(r) || r != 0)
		return cg_err_set(err, CG_EDATA, "%s: not a complete zstd stream%s%s", path,
				  z && ZSTD_isError(r) ? ": " : "", z && ZSTD_isError(r) ? ZSTD_getErrorName(r) : "");
	return CG_OK;
}

int cg_input_read(const char *path, char **data, size_t *len, cg_err *err)
{
	int stdin_ = strcmp(path, "-") == 0;
	int fd = stdin_ ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cg_err_sys(err, errno == ENOENT ? CG_ENOINPUT : CG_EIO, errno, "%s", path);
	cg_buf b = { 0 }, plain = { 0 };
	int r = read_fd(fd, &b), e = errno;
	if (!stdin_)
		close(fd);
	if (r < 0) {
		cg_buf_free(&b);
		return cg_err_sys(err, CG_EIO, e, "%s", stdin_ ? "standard input" : path);
	}
	if (ends_with(path, ".zst")) {
		int rc = unzstd(path, &b, &plain, err);
		cg_buf_free(&b);
		if (rc) {
			cg_buf_free(&plain);
			return rc;
		}
		b = plain;
	}
	if (cg_buf_reserve(&b, 1) < 0) {
		cg_buf_free(&b);
		return cg_err_set(err, CG_EINTERNAL, "out of memory reading %s", path);
	}
	b.data[b.len] = '\0';
	*data = (char *)b.data;
	*len = b.len;
	return CG_OK;
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
		if (!ends_with(e->d_name, ".json") && !ends_with(e->d_name, ".json.zst"))
			continue;
		if (count == cap) {
			char **p = realloc(list, (cap = cap ? cap * 2 : 16) * sizeof *p);
			if (!p) {
				rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
				break;
			}
			list = p;
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

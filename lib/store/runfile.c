/* runfile: spilled runs' files, written and read in large aligned pieces (runfile.h). */
#include "runfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define RUN_WRITE ((size_t)1 << 20) /* a writer's buffer */
/* A reader reads a chunk ahead into a second buffer, and moves the unread end of the first,
 * up to RUN_HEAD bytes, in front of it. */
#define RUN_CHUNK ((size_t)128 << 10)
#define RUN_HEAD ((size_t)16 << 10)

/* Opens a run file, around the page cache when direct and the filesystem allows it. A run is
 * read once: a small change's runs are read back from the cache within seconds, but a large
 * one's first runs minutes later, and on a VM every page-cache page is memory newly touched
 * (measured here: writing 3 GB through the cache cost 5-8 s of system time, with O_DIRECT
 * 0.5 s), and file pages idle for a minute were paged out, to be read back cold. */
static int open_run(const char *path, int flags, int direct)
{
	int fd = open(path, flags | O_CLOEXEC, 0600);
	if (fd >= 0 && direct) {
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0)
			(void)fcntl(fd, F_SETFL, fl | O_DIRECT);
	}
	return fd;
}

int cg_run_create(cg_run_writer *w, const char *path, int direct)
{
	*w = (cg_run_writer){ .fd = -1, .buf = aligned_alloc(CG_RUN_ALIGN, RUN_WRITE) };
	if (!w->buf)
		return errno = ENOMEM, -1;
	if ((w->fd = open_run(path, O_WRONLY | O_CREAT | O_EXCL, direct)) >= 0)
		return 0;
	int e = errno;
	free(w->buf);
	w->buf = NULL;
	return errno = e, -1;
}

/* Writes n bytes (a multiple of the alignment, from an aligned buffer). */
static int write_block(int fd, const uint8_t *p, size_t n)
{
	ssize_t k = write(fd, p, n);
	if (k >= 0 && (size_t)k != n)
		errno = ENOSPC;
	return k >= 0 && (size_t)k == n ? 0 : -1;
}

int cg_run_put(cg_run_writer *w, const void *data, size_t n)
{
	const uint8_t *p = data;
	w->bytes += n;
	while (n) {
		size_t k = RUN_WRITE - w->len < n ? RUN_WRITE - w->len : n;
		memcpy(w->buf + w->len, p, k);
		w->len += k;
		p += k;
		n -= k;
		if (w->len == RUN_WRITE && write_block(w->fd, w->buf, RUN_WRITE) < 0)
			return -1;
		if (w->len == RUN_WRITE)
			w->len = 0;
	}
	return 0;
}

int cg_run_finish(cg_run_writer *w)
{
	size_t n = CG_RUN_ALIGN_UP(w->len);
	memset(w->buf + w->len, 0, n - w->len);
	if (n && write_block(w->fd, w->buf, n) < 0)
		return -1;
	return ftruncate(w->fd, (off_t)w->bytes);
}

int cg_run_close(cg_run_writer *w)
{
	int rc = w->fd >= 0 ? close(w->fd) : 0;
	free(w->buf);
	*w = (cg_run_writer){ .fd = -1 };
	return rc;
}

aio_context_t cg_run_aio(int n)
{
	aio_context_t aio = 0;
	return n > 0 && syscall(SYS_io_setup, n, &aio) == 0 ? aio : 0;
}

void cg_run_aio_free(aio_context_t aio)
{
	if (aio)
		syscall(SYS_io_destroy, aio);
}

/* Starts reading the run's next chunk into ahead (nothing past its end); where the reader
 * has no AIO context, or the kernel refuses the request, it is read at once. */
static void request(cg_run_reader *r)
{
	if (r->at >= r->end)
		return;
	r->cb = (struct iocb){ .aio_data = (uintptr_t)r, .aio_lio_opcode = IOCB_CMD_PREAD,
			       .aio_fildes = (uint32_t)r->fd, .aio_buf = (uintptr_t)(r->ahead + RUN_HEAD),
			       .aio_nbytes = RUN_CHUNK, .aio_offset = (int64_t)r->at };
	struct iocb *list[1] = { &r->cb };
	r->pending = 1;
	r->done = !r->aio || syscall(SYS_io_submit, r->aio, 1, list) != 1;
	if (r->done) {
		ssize_t k = pread(r->fd, r->ahead + RUN_HEAD, RUN_CHUNK, (off_t)r->at);
		r->res = k < 0 ? -errno : k;
	}
	r->at += RUN_CHUNK;
}

/* Waits for the chunk in flight (marking others of the context that finish meanwhile): its
 * length, or -1. */
static ssize_t wait_chunk(cg_run_reader *r)
{
	while (!r->done) {
		struct io_event ev[16];
		long n = syscall(SYS_io_getevents, r->aio, 1, 16, ev, NULL);
		if (n < 0 && errno != EINTR)
			return -1;
		for (long i = 0; i < n; i++) {
			cg_run_reader *o = (cg_run_reader *)(uintptr_t)ev[i].data;
			o->done = 1;
			o->res = ev[i].res;
		}
	}
	r->pending = 0;
	size_t want = r->end - (size_t)r->cb.aio_offset;
	if (r->res >= 0 && (size_t)r->res != (want < RUN_CHUNK ? want : RUN_CHUNK))
		r->res = -EIO;
	return r->res < 0 ? (errno = (int)-r->res, -1) : (ssize_t)r->res;
}

/* Puts the chunk read ahead after the unread bytes: in front of it in the other buffer, or
 * (an operation longer than RUN_HEAD) both in a larger buffer. */
static int join(cg_run_reader *r, size_t k)
{
	size_t rest = r->len - r->pos;
	uint8_t *from = r->buf + r->pos;
	if (rest > RUN_HEAD) {
		size_t cap = CG_RUN_ALIGN_UP(rest + k) > r->ahead_cap ? CG_RUN_ALIGN_UP(rest + k) : r->ahead_cap;
		uint8_t *b = aligned_alloc(CG_RUN_ALIGN, cap);
		if (!b)
			return errno = ENOMEM, -1;
		memcpy(b, from, rest);
		memcpy(b + rest, r->ahead + RUN_HEAD, k);
		free(r->buf);
		r->buf = b;
		r->cap = cap;
		r->pos = 0;
		r->len = rest + k;
		return 0;
	}
	memcpy(r->ahead + RUN_HEAD - rest, from, rest);
	uint8_t *b = r->buf;
	size_t cap = r->cap;
	r->buf = r->ahead;
	r->cap = r->ahead_cap;
	r->ahead = b;
	r->ahead_cap = cap;
	r->pos = RUN_HEAD - rest;
	r->len = RUN_HEAD + k;
	return 0;
}

int cg_run_refill(cg_run_reader *r, size_t need)
{
	while (r->len - r->pos < need && r->pending) {
		ssize_t k = wait_chunk(r);
		if (k < 0 || join(r, (size_t)k) < 0)
			return -1;
		request(r);
	}
	return 0;
}

int cg_run_open(cg_run_reader *r, const char *path, int direct, size_t bytes, size_t from, aio_context_t aio)
{
	size_t size = RUN_HEAD + RUN_CHUNK;
	*r = (cg_run_reader){ .fd = -1, .aio = aio, .end = bytes, .at = CG_RUN_ALIGN_DOWN(from),
			      .skip = from - CG_RUN_ALIGN_DOWN(from), .cap = size, .ahead_cap = size,
			      .pos = RUN_HEAD, .len = RUN_HEAD };
	if (!(r->buf = aligned_alloc(CG_RUN_ALIGN, size)) || !(r->ahead = aligned_alloc(CG_RUN_ALIGN, size)))
		return errno = ENOMEM, -1;
	if ((r->fd = open_run(path, O_RDONLY, direct)) < 0)
		return -1;
	request(r);
	return 0;
}

int cg_run_start(cg_run_reader *r)
{
	if (cg_run_fill(r, r->skip) < 0)
		return -1;
	r->pos += r->skip < r->len - r->pos ? r->skip : r->len - r->pos;
	return 0;
}

void cg_run_close_reader(cg_run_reader *r)
{
	if (r->buf && r->fd >= 0) /* a reader never opened (zeroed) has no buffer */
		close(r->fd);
	free(r->buf);
	free(r->ahead);
	*r = (cg_run_reader){ .fd = -1 };
}

void cg_run_release(const char *path, size_t from, size_t to)
{
	int fd = to > from ? open(path, O_WRONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return;
	(void)fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)from, (off_t)(to - from));
	close(fd);
}

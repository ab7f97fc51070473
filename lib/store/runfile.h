/* runfile: the files a spilled change's sorted runs live in — written in large aligned
 * pieces, read back a chunk ahead with Linux AIO, both around the page cache when asked
 * (O_DIRECT, where the filesystem has it; as plain files where it does not), and their bytes
 * given back in ranges as a merge passes them. */
#ifndef CG_RUNFILE_H
#define CG_RUNFILE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/aio_abi.h>

#define CG_RUN_ALIGN ((size_t)4096) /* O_DIRECT's unit for buffers, offsets and lengths */
#define CG_RUN_ALIGN_DOWN(n) ((n) & ~(CG_RUN_ALIGN - 1))
#define CG_RUN_ALIGN_UP(n) CG_RUN_ALIGN_DOWN((n) + CG_RUN_ALIGN - 1)

typedef struct cg_run_writer {
	int fd;
	uint8_t *buf;  /* a 1 MiB write buffer, aligned */
	size_t len;
	size_t bytes;  /* written so far, the buffer included */
} cg_run_writer;

/* Creates the file (it must not exist yet) with its buffer: 0, or -1 with errno (ENOMEM when
 * the buffer could not be had) and no file. */
int cg_run_create(cg_run_writer *w, const char *path, int direct);
/* Both return 0, or -1 with errno (a short write is ENOSPC). finish writes the last block
 * padded and cuts the file back to its bytes. */
int cg_run_put(cg_run_writer *w, const void *p, size_t n);
int cg_run_finish(cg_run_writer *w);
/* Closes the file and frees the buffer: 0, or -1 with errno when close fails. */
int cg_run_close(cg_run_writer *w);

/* A run read in order from an offset: its unread bytes are buf[pos, len); the next chunk is
 * read into a second buffer meanwhile (asynchronously when the reader has an AIO context). */
typedef struct cg_run_reader {
	int fd;        /* -1: not open */
	uint8_t *buf, *ahead;
	size_t cap, ahead_cap, pos, len;
	aio_context_t aio;
	struct iocb cb; /* the read of the next chunk, when pending; done when it finished */
	int pending, done;
	int64_t res;   /* its result: a length or -errno */
	size_t at, end; /* the offset of the next chunk to read; the run's bytes */
	size_t skip;   /* bytes of the first chunk before the offset asked for */
} cg_run_reader;

/* An AIO context for n readers (0 where the kernel refuses one: reads are then synchronous),
 * and its end (which waits for reads left in flight). */
aio_context_t cg_run_aio(int n);
void cg_run_aio_free(aio_context_t aio);

/* Opens a run of the given size to read from offset from (its first chunk at
 * CG_RUN_ALIGN_DOWN(from)), and asks for that chunk:
 * 0, or -1 with errno. cg_run_start then waits for it and moves to from. Opening every run
 * before starting any has all their first reads in flight at once. */
int cg_run_open(cg_run_reader *r, const char *path, int direct, size_t bytes, size_t from, aio_context_t aio);
int cg_run_start(cg_run_reader *r);
/* Makes need unread bytes available (fewer only at the run's end): 0, or -1 with errno (a
 * short chunk before the end is EIO). Inline for the merge's every key; refill waits. */
int cg_run_refill(cg_run_reader *r, size_t need);
static inline int cg_run_fill(cg_run_reader *r, size_t need)
{
	return r->len - r->pos >= need ? 0 : cg_run_refill(r, need);
}
void cg_run_close_reader(cg_run_reader *r);

/* Gives the file's bytes [from, to) back to the filesystem (a hole; the size stays). Where
 * punching holes is not supported the bytes are freed with the file. */
void cg_run_release(const char *path, size_t from, size_t to);

#endif

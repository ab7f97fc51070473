/* serve_int: what the server (serve.c) and its clients (serve_client.c) share — the
 * socket's address, the hello line and the frames of docs/design.md, "A resident reader". */
#ifndef CG_SERVE_INT_H
#define CG_SERVE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "base/buf.h"
#include "base/err.h"

#define SERVE_PROTO 1

/* A frame: its type, the payload's length (4 bytes, big-endian), the payload. */
enum serve_frame {
	F_ACCEPT = 'A',  /* "0" or "1": the server reads only some shards */
	F_DECLINE = 'D', /* why: the client opens the store itself */
	F_LINE = 'L',    /* one answer line, without its newline */
	F_NOTE = 'N',    /* a message for stderr, without "cg-query: " */
	F_END = 'X'      /* "STATUS ANSWERS BAD\nMESSAGE": the last frame */
};
#define SERVE_HEAD 5

/* dir's socket. A path too long for sun_path is reached through /proc/self/fd/N/ of the
 * directory opened as *dirfd (-1 otherwise), which the caller closes after bind or connect. */
int serve_addr(const char *dir, struct sockaddr_un *a, int *dirfd, cg_err *err);

/* Drops the first *off bytes of b (what has been sent or handled) and sets *off to 0, once
 * they are at least half of b. */
void serve_consume(cg_buf *b, size_t *off);

/* Appends a frame; 0 or -1 (no memory). */
int serve_frame(cg_buf *b, int type, const void *payload, size_t len);
/* The frame that starts at p: its whole size, or 0 while fewer than that many bytes are in. */
size_t serve_frame_at(const uint8_t *p, size_t n, int *type, const uint8_t **payload, size_t *len);

/* The end frame's payload. serve_end_parse returns 0, or -1 when it is malformed. */
int serve_end(cg_buf *b, int status, size_t answers, size_t bad, const char *msg);
int serve_end_parse(const uint8_t *p, size_t len, int *status, size_t *answers, size_t *bad, cg_err *err);

#endif

/* serve: a resident reader. `cg-query --serve` keeps a store open with warm caches and
 * answers cg-query processes on a Unix socket inside the store directory (DIR/cg-query.sock,
 * mode 0600; DIR/cg-query.lock keeps a second server out). A cg-query process asks it first
 * and opens the store itself when no server answers, with the same answers either way.
 * The protocol is in docs/design.md, "A resident reader". */
#ifndef CG_SERVE_H
#define CG_SERVE_H

#include <jansson.h>
#include <stddef.h>

#include "base/err.h"
#include "query.h"

#define CG_SERVE_SOCKET "cg-query.sock"
#define CG_SERVE_LOCK "cg-query.lock"

typedef struct cg_serve_opts {
	long idle_s;           /* exit after this many seconds with no client (0: never) */
	size_t cache_vertices; /* the engine's vertex cache (cg_query_opts) */
	size_t warm;           /* load this many of the busiest vertices first */
	int cache_mb;          /* the block cache (cg_open_opts; 0: $CG_CACHE_MB, the store's) */
} cg_serve_opts;

/* Serves the store in dir until the idle time passes or SIGINT, SIGTERM or SIGHUP arrives
 * (CG_OK). CG_ELOCKED when another server serves it; the store open's errors otherwise. */
int cg_serve(const char *dir, const cg_serve_opts *o, cg_err *err);

/* What a client asks: one query, or the query lines read from in_fd. */
typedef struct cg_serve_ask {
	json_t *req;   /* the one query; NULL: a stream from in_fd */
	int in_fd;
	int strict;    /* cg-query --strict */
	int require;   /* no server is an error (CG_ENOINPUT), not CG_SERVE_NONE */
	cg_query_emit_fn emit;                      /* each answer line */
	void (*note)(void *ctx, const char *text);  /* each message for stderr */
	int (*flush)(void *ctx); /* before waiting on the server; non-zero stops the stream */
	void *ctx;
} cg_serve_ask;

typedef struct cg_serve_result {
	size_t answers; /* answer lines */
	size_t bad;     /* bad lines of a stream */
	int partial;    /* the server reads only some shards */
	int absent;     /* CG_SERVE_NONE because nothing listens on the socket */
} cg_serve_result;

#define CG_SERVE_NONE (-1) /* no server answered: nothing was read from in_fd or emitted */

/* Asks dir's server. The status is what cg_query_run (one query) or cg_query_stream
 * would have returned, with its message in err; CG_EIO "cannot write the answer" when emit
 * failed, as the engine says it. */
int cg_serve_query(const char *dir, const cg_serve_ask *a, cg_serve_result *res, cg_err *err);

/* Starts `exe -d DIR --serve` detached (its own session, stdin, stdout and stderr on
 * /dev/null, no other descriptor) and returns without waiting for it to answer: the
 * server CG_SERVE=1 asks for. One started while another serves exits 75 once its store is
 * open and it finds the lock held. */
int cg_serve_spawn(const char *exe, const char *dir, cg_err *err);

#endif

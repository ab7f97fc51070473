/* query: cg-query's engine — parses query objects (from JSON or from a command line), runs
 * them against a store opened for reading, and writes NDJSON answer lines through a callback
 * (the library never prints). See man/cg-query.1 for the language. */
#ifndef CG_QUERY_H
#define CG_QUERY_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "base/err.h"
#include "store/store.h"

typedef struct cg_query_engine cg_query_engine;

/* Receives one complete output line (no trailing newline). Non-zero stops the query. */
typedef int (*cg_query_emit_fn)(void *ctx, const char *line, size_t len);

typedef struct cg_query_opts {
	int strict;            /* open fails when a shard cannot be read (else answers are partial) */
	size_t warm;           /* load this many of the busiest vertices into the cache at open */
	size_t cache_vertices; /* decoded vertices kept between queries (0: none) */
	cg_query_emit_fn emit;
	void *emit_ctx;
	int closing;           /* end every query with {"id":..,"done":true,"count":N} */
	int raw_text;          /* DOT output as plain text rather than {"dot":"..."} */
	/* Receives a one-line note about an answer for a person (which limit truncated it);
	 * NULL: none (a stream's closing line says "truncated" anyway). */
	void (*notice)(void *ctx, const char *text);
} cg_query_opts;

int cg_query_open(cg_store *s, const cg_query_opts *o, cg_query_engine **out, cg_err *err);
void cg_query_close(cg_query_engine *q);

/* True when a shard could not be read: every answer says "partial". */
int cg_query_partial(const cg_query_engine *q);

/* Between queries: catch up with a running writer. */
int cg_query_refresh(cg_query_engine *q, cg_err *err);
/* The same at once: a stream looks at most once a millisecond, a new client looks now. */
int cg_query_refresh_now(cg_query_engine *q, cg_err *err);
/* Loads the n busiest vertices (most edge keys) into the cache; *loaded says how many. */
int cg_query_warm(cg_query_engine *q, size_t n, size_t *loaded, cg_err *err);

/* Runs one query object; *count is the number of answer lines. CG_EUSAGE for a bad query
 * (nothing written but, with closing lines on, an error line), CG_EDATA for a damaged
 * record, CG_EIO for a RocksDB failure. */
int cg_query_run(cg_query_engine *q, json_t *req, size_t *count, cg_err *err);

/* Writes the closing error line for a request that could not be run (bad JSON, bad query):
 * {"id":..,"done":true,"count":0,"error":"..."}; req may be NULL. */
int cg_query_fail(cg_query_engine *q, json_t *req, const char *msg);

/* A stream of query objects, one per line (`cg-query -`). */
typedef struct cg_query_stream_opts {
	int strict;  /* stop at the first bad line */
	/* Receives a bad line's number and message; the line was answered with an error object. */
	void (*bad_line)(void *ctx, size_t lineno, const char *msg);
	/* Called when no further input is waiting, so the answers so far reach a reader that
	 * waits for them (a co-process); non-zero stops the stream (the caller knows why). */
	int (*idle)(void *ctx);
	void *ctx;
} cg_query_stream_opts;

typedef struct cg_query_stream_counts {
	size_t answers; /* answer lines, over every query */
	size_t bad;     /* lines that were bad JSON or a bad query */
} cg_query_stream_counts;

/* Answers each non-blank line of in, catching up with a running writer before each query
 * after the first. Bad lines are counted, not failures: the error returned is the one that
 * stopped the stream (a damaged record, an I/O error, a read error on in). */
int cg_query_stream(cg_query_engine *q, FILE *in, const cg_query_stream_opts *o, cg_query_stream_counts *c,
		    cg_err *err);

/* Where a stream is: for a caller that reads the lines itself (the server in serve.h). */
typedef struct cg_query_stream_state {
	size_t lineno;
	int started;  /* a query was answered: the next one catches up with writers first */
	int stop;     /* a bad line under strict: answer no more */
	cg_query_stream_counts c;
} cg_query_stream_state;

/* One line of a stream, its newline included or not (line[len] must be writable: the
 * line is ended there): what cg_query_stream does with each line it reads. */
int cg_query_stream_line(cg_query_engine *q, char *line, size_t len, const cg_query_stream_opts *o,
			 cg_query_stream_state *st, cg_err *err);

/* Builds the query object for `KIND ARGS...` as typed on a command line. */
int cg_query_from_argv(int argc, char **argv, json_t **req, cg_err *err);

/* The query kinds and edge type names, for help and completion. */
extern const char *const cg_query_kinds[];

#endif

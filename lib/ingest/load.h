/* load: cg-ingest's whole job — collect inputs, parse them on every core, write them as one
 * atomic change — kept out of the binary so that other tools (watch mode, tests) reuse it. */
#ifndef CG_LOAD_H
#define CG_LOAD_H

#include <jansson.h>
#include <stddef.h>

#include "ingest.h"
#include "workspace.h"

/* Input digests kept between runs of one process (watch mode): a file whose inode, size and
 * times are those it had when it was last read is not read again to learn it is unchanged. */
typedef struct cg_digest_cache cg_digest_cache;
cg_digest_cache *cg_digest_cache_new(void);
void cg_digest_cache_free(cg_digest_cache *c);

typedef struct cg_load_opts {
	const char *const *inputs; /* files, directories of *.json, or "-" for stdin */
	size_t ninputs;
	const char *workspace;     /* reads WORKSPACE/Cargo.lock and WORKSPACE/target/doc */
	const char *doc_dir;       /* instead of WORKSPACE/target/doc */
	const char *lockfile;      /* instead of WORKSPACE/Cargo.lock */
	const char *features;      /* "a,b" as given */
	int ndjson;                /* inputs are NDJSON graph records */
	const char *unit;          /* NDJSON unit name (default "ndjson") */
	const char *name;          /* workspace record to write (default with --workspace: its
				    * directory's name); NULL without a workspace: none */
	int lenient;               /* NDJSON: ignore fields a record type does not have */
	size_t memory;             /* bound on a run's memory in bytes (0: 1 GiB) */
	int keep_going;            /* skip bad inputs instead of failing the run */
	int keep_synthetic;
	int move_workspace;        /* the workspace name may move from another root */
	int bulk;
	void (*progress)(void *ctx, size_t done, size_t total);
	void *progress_ctx;
	cg_digest_cache *digests;  /* optional: digests known from earlier runs */
} cg_load_opts;

typedef struct cg_load_item {
	char *source;
	cg_unit_result res;
	double ms;      /* parsing plus this run's shared write */
	int failed;     /* with keep_going: the input was skipped */
	int format_version; /* rustdoc JSON's, 0 for other inputs */
	cg_err err;
} cg_load_item;

typedef struct cg_load_report {
	cg_load_item *items;
	size_t n;
	size_t failed;
	int has_ws;       /* a workspace record was written (or found unchanged) */
	int no_lockfile;  /* rustdoc JSON was read without a Cargo.lock: no Depends edges */
	cg_ws_outcome ws;
} cg_load_report;

/* CG_OK when every input landed; with keep_going the good ones land and the first failure's
 * code is returned. Without it, any bad input leaves the store untouched. */
int cg_load_run(cg_store *s, const cg_load_opts *o, cg_load_report *rep, cg_err *err);
void cg_load_report_free(cg_load_report *rep);

/* A unit's result as cg-ingest prints it: crate, version, unit, status, vertices, stubs,
 * edges by type, bytes, ms, file (source may be NULL). NULL when memory runs out. */
json_t *cg_load_result_json(const cg_unit_result *r, const char *source, double ms);

#endif

/* calls: Calls edges from a Rust workspace's sources — parse every function body with
 * tree-sitter, find calls, method calls and macro invocations, and resolve caller and callee
 * to vertices of a store (path and name indexes, `use` imports, `Self`, crate prefixes). */
#ifndef CG_CALLS_H
#define CG_CALLS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

enum cg_call_kind { CG_CALL_PATH = 1, CG_CALL_METHOD = 2, CG_CALL_MACRO = 3 };

enum cg_call_status {
	CG_CALL_RESOLVED = 1,   /* one callee */
	CG_CALL_AMBIGUOUS = 2,  /* several candidates, none preferred */
	CG_CALL_UNRESOLVED = 3, /* no vertex of the store fits */
	CG_CALL_NOCALLER = 4    /* the enclosing function is not in the store (private, nested) */
};

typedef struct cg_call_site {
	const char *file;        /* relative to the workspace root */
	unsigned line;
	int kind;                /* enum cg_call_kind */
	const char *callee_text; /* as written: "Circle::new", "area", "println" */
	int status;              /* enum cg_call_status */
	uint64_t caller;         /* 0 with CG_CALL_NOCALLER */
	const char *caller_path; /* the caller's store path, or the guessed one */
	uint64_t callee;         /* with CG_CALL_RESOLVED */
	const char *callee_path;
	const uint64_t *cands;   /* with CG_CALL_AMBIGUOUS */
	const char *const *cand_paths;
	size_t ncands;
	const char *reason;      /* why unresolved or ambiguous */
} cg_call_site;

typedef struct cg_calls_opts {
	const char *workspace; /* the root walked for *.rs (target/ and hidden dirs skipped) */
	int threads;           /* worker threads; 0 = one per online CPU, at least 2 */
} cg_calls_opts;

typedef struct cg_calls_counts {
	size_t files, lines, bytes;
	size_t sites, resolved, ambiguous, unresolved, nocaller;
	size_t parse_errors; /* files whose tree has syntax errors (still used) */
} cg_calls_counts;

/* Called for every call site, files in path order, sites in source order; a non-zero
 * return stops the run and is returned. */
typedef int (*cg_calls_fn)(void *ctx, const cg_call_site *site);

/* Walks o->workspace, resolves every call against the (read-only) store s, and reports each
 * site to fn. CG_ENOINPUT when the workspace is missing, CG_EIO on read errors. */
int cg_calls_run(cg_store *s, const cg_calls_opts *o, cg_calls_fn fn, void *ctx,
		 cg_calls_counts *counts, cg_err *err);

/* Receives one output line (not stolen); non-zero (with err set through ctx) stops the run
 * and is returned. */
typedef int (*cg_calls_line_fn)(void *ctx, json_t *line);

typedef struct cg_calls_lines_opts {
	int paths;               /* edges also carry src_path and dst_path */
	cg_calls_line_fn edge;   /* {"type":"edge","src","label":"Calls","dst","file","line"} */
	cg_calls_line_fn report; /* {"status","file","line","kind","callee","caller","reason",
				  * "candidates":[{"id","path"}],"caller_id"}; NULL: none */
	void *ctx;
} cg_calls_lines_opts;

/* cg_calls_run() as cg-calls prints it: each resolved caller-callee pair once, at its first
 * call site, as an edge line for cg-ingest --ndjson, and each other site as a report line.
 * *edges: the edge lines handed on. */
int cg_calls_lines(cg_store *s, const cg_calls_opts *o, const cg_calls_lines_opts *lo, cg_calls_counts *counts,
		   size_t *edges, cg_err *err);

#endif

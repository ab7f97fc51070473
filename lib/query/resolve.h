/* resolve: which vertices a reference names, and the workspace scope of a query. The core
 * that every op resolves through (it calls only the reader and answer.c). */
#ifndef CG_QUERY_RESOLVE_H
#define CG_QUERY_RESOLVE_H

#include "query_int.h"

#define Q_MAX_CANDS 16

/* Every vertex a reference names, up to Q_MAX_CANDS, each with the form that matched it. */
struct q_cands {
	uint64_t vids[Q_MAX_CANDS];
	const char *form[Q_MAX_CANDS]; /* "id", "path", "alias", "crate name", "std", "member",
					* "method", "re-export" (see cg-query(1), NAMES) */
	size_t n;
	int more;
	int kind;            /* wanted kind (PATH#KIND), 0: any */
	const char *version; /* wanted version (crate@version), NULL: any */
	cg_reader *r;
	q_run *run;
};
/* The forms, tried in turn until one answers: a 16-hex id; the path index (defining paths
 * and recorded re-exports), optionally crate@version and #KIND; the crate name with '-';
 * std's public paths (std::, core::, alloc::, or a bare prelude name); Parent::NAME (the
 * parent resolved by any form, then its children, its impls' items, its re-exports).
 * CG_ENEGATIVE when nothing matches, err naming the nearest names ("did you mean"). */
int q_resolve(q_run *run, const char *ref, struct q_cands *c, cg_err *err);
/* Resolves one reference to exactly one vertex (a walk's start), and the form that named
 * it when form is not NULL; CG_EUSAGE listing the candidates when it names several. */
int q_resolve_one(q_run *run, const char *ref, uint64_t *vid, const char **form, cg_err *err);
/* CG_ENEGATIVE: "no item matches 'REF'; did you mean PATH, PATH?" (the paths of the
 * names nearest to REF's last segment). */
int q_no_match(q_run *run, const char *ref, cg_err *err);

#define Q_MAX_FILES 64

/* The stored file names (relative to their workspace) a path as a user gives it names. */
struct q_files {
	char *names[Q_MAX_FILES];
	size_t n;
	int more;
};
/* Tries the path as stored ("./" dropped), then the longest tail of it made absolute
 * (against the working directory) that the store has, then, for a relative path, every
 * stored name ending in "/PATH" (a basename names all files of that name). */
int q_resolve_file(q_run *run, const char *given, struct q_files *f, cg_err *err);
void q_files_free(struct q_files *f);

/* Case-insensitive edit distance of a and b, or max + 1 when it is larger than max. */
int q_distance(const char *a, const char *b, int max);

/* Loads the unit ids of a workspace into units; CG_EUSAGE when there is no such workspace. */
int q_ws_units(q_run *run, const char *name, cg_vmap *units, cg_err *err);
/* A workspace record (m:workspace:WHAT's value) as a JSON object; NULL and err set if not. */
json_t *q_ws_record(const uint8_t *v, size_t vl, const char *what, cg_err *err);
/* Whether a vertex belongs to the query's workspace (always, without one). */
int q_in_ws(const q_run *run, const cg_vertex *v);

#endif

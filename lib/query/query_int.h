/* query_int: what the query engine's files share — the parsed query, the run state and the
 * result sink that turns results into answer lines, export sets or explain counts. */
#ifndef CG_QUERY_INT_H
#define CG_QUERY_INT_H

#include <jansson.h>

#include "query.h"
#include "read.h"

#define Q_STOP 1000 /* a sink's "enough": the limit or the visit cap was reached */

enum q_op {
	Q_VERTEX = 1, Q_FIND, Q_NEIGHBORS, Q_TRAVERSE, Q_PATH, Q_CALLERS, Q_USERS,
	Q_IMPLEMENTORS, Q_DEPENDENTS, Q_EXPORT, Q_STATS, Q_DUMP, Q_WORKSPACES, Q_AT
};

typedef struct q_query {
	int op;                  /* enum q_op */
	const char *op_name;
	json_t *starts;          /* array of vertex references (ids, paths, path#kind) */
	const char *to;          /* path: the target */
	const char *name, *prefix, *kind, *crate, *file; /* find; crate also for workspaces */
	const char *match;       /* find: how name matches, "exact" (default), "prefix", ... */
	long line, column;       /* at: the place in file (column 0: any) */
	const char *workspace;   /* only vertices and edges of this workspace's units */
	unsigned types;          /* edge type mask, 0: all */
	int dir;                 /* 1 out, 2 in, 3 both */
	long depth, limit, max_visited;
	int min_depth;           /* reverse queries leave out their start */
	const char *format;      /* export: "ndjson" or "dot" */
	json_t *inner;           /* export: the query whose subgraph is exported */
	int explain;
} q_query;

enum q_mode { Q_EMIT, Q_COUNT, Q_COLLECT };
enum q_trunc { Q_TRUNC_LIMIT = 1, Q_TRUNC_VISITED = 2 };

struct cg_query_engine {
	cg_reader *r;
	cg_query_opts o;
	cg_buf line;
	char *reqid;  /* the request's id as JSON text, NULL when it has none */
	int partial;  /* some shard did not open: every answer says so */
	cg_buf partial_json;
};

/* One query being answered. */
typedef struct q_run {
	cg_query_engine *q;
	const q_query *qq;
	int mode;           /* enum q_mode */
	size_t count;
	int truncated;      /* enum q_trunc: which limit cut the answer, 0: none */
	json_t *plan;       /* explain: steps, NULL otherwise */
	cg_vmap *set;       /* Q_COLLECT: vid -> 1 */
	uint64_t *order;    /* Q_COLLECT: vids in the order found */
	size_t norder, cap_order;
	cg_vmap *ws_units;  /* unit id -> 1 for the units of qq->workspace, NULL: no filter */
} q_run;

/* One answer: a vertex, possibly reached by an edge, at a depth or path step (-1: none). */
typedef struct q_result {
	uint64_t vid;
	const cg_vertex *v;      /* NULL when the vertex record does not exist */
	const cg_read_edge *edge;
	int depth, step;
	const char *match;   /* the form of reference that named it, NULL: none said */
	const char *through; /* callers: the trait method the call goes through, NULL: direct */
} q_result;

/* answer.c: the output core */
int q_oom(cg_err *err); /* sets CG_EINTERNAL "out of memory" */
int q_emit(q_run *run, const q_result *res, cg_err *err);
int q_emit_line(cg_query_engine *q, cg_buf *body, cg_err *err); /* {"id":..,BODY} */
int q_plan(q_run *run, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The ops: each answers one kind of query through answer.c and resolve.h. */
/* query_find.c */
int q_vertex(q_run *run, cg_err *err);
int q_find(q_run *run, cg_err *err);
int q_at(q_run *run, cg_err *err);
/* query_graph.c */
int q_neighbors(q_run *run, cg_err *err);
int q_traverse(q_run *run, cg_err *err);
int q_path(q_run *run, cg_err *err);
/* Writes the subgraph an inner query collected (inner->order, inner->set). */
int q_export(q_run *run, q_run *inner, cg_err *err);
/* query_ws.c */
int q_workspaces(q_run *run, cg_err *err);
/* query_stats.c */
int q_stats(q_run *run, cg_err *err);
int q_dump(q_run *run, cg_err *err);

#endif

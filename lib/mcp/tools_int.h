/* tools_int: what the tool files share — the engine's answer as parsed lines, the tool
 * table, the tools' runs (tools.c) and their text renderings (tools_text.c). */
#ifndef CG_MCP_TOOLS_INT_H
#define CG_MCP_TOOLS_INT_H

#include <jansson.h>

#include "base/buf.h"
#include "query/query.h"
#include "tools.h"

/* One query's answer, filled by the engine's emit callback. */
typedef struct t_answer {
	json_t *lines;       /* the answer lines, parsed */
	json_t *closing;     /* {"done":true,"count":N[,"truncated":true]} */
	json_t *edge_counts; /* when set: count edges into {"out":{TYPE:n},"in":{...}}, keep no lines */
	const char *edges_of; /* the id whose edges are counted */
	int failed;          /* memory ran out */
} t_answer;

struct cg_mcp_tools {
	cg_query_engine *q;
	t_answer a;
	json_t *list;  /* the Tool objects */
	int called;    /* a call was answered: catch up with writers before the next */
};

/* The engine's emit callback (ctx: the t_answer). */
int t_take_line(void *ctx, const char *line, size_t len);
/* Runs one query object (taken) with a limit of a few thousand lines unless it has one. */
int t_ask(cg_mcp_tools *t, json_t *req, cg_err *err);
/* The call's "limit" argument or the default. */
long t_limit(json_t *args);

typedef int (*t_run_fn)(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err);
typedef int (*t_text_fn)(cg_buf *b, json_t *structured);

int t_run_find(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err);
int t_run_item(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err);
int t_run_neighbors(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err);
int t_run_callers(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err);
int t_run_implementors(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err);
int t_run_dependents(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err);
int t_run_users(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err);
int t_run_path(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err);
int t_run_at(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err);
int t_run_impact(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err);
int t_run_stats(cg_mcp_tools *t, json_t *args, json_t **out, cg_err *err);

/* tools_text.c: the compact text of each answer shape; 0 or -1 when memory runs out. */
int t_text_list(cg_buf *b, json_t *s);
int t_text_item(cg_buf *b, json_t *s);
int t_text_path(cg_buf *b, json_t *s);
int t_text_impact(cg_buf *b, json_t *s);
int t_text_stats(cg_buf *b, json_t *s);

/* tools_args.c: checks call arguments against an inputSchema (the subset the tools use:
 * object properties of type string, integer, boolean or array, enum, minimum, maximum,
 * required, additionalProperties false); 0, or -1 with the reason in why. */
int t_check_args(json_t *schema, json_t *args, char *why, size_t whylen);

#endif

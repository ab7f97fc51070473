/* tools: the cg_* MCP tools — their definitions (name, description, inputSchema,
 * outputSchema) and their calls, each one or a few query-engine requests whose answer lines
 * become structuredContent and a compact text, cut to the call's limit. */
#ifndef CG_MCP_TOOLS_H
#define CG_MCP_TOOLS_H

#include <jansson.h>

#include "base/err.h"
#include "store/store.h"

typedef struct cg_mcp_tools cg_mcp_tools;

int cg_mcp_tools_open(cg_store *s, size_t cache_vertices, cg_mcp_tools **out, cg_err *err);
void cg_mcp_tools_close(cg_mcp_tools *t);

/* The Tool objects tools/list answers (borrowed). */
json_t *cg_mcp_tools_list(cg_mcp_tools *t);

/* Calls tool name with args (an object or NULL) and puts a CallToolResult in *result. A
 * failed call is a result with isError; CG_EUSAGE means there is no such tool (a protocol
 * error), CG_EINTERNAL that memory ran out. */
int cg_mcp_tools_call(cg_mcp_tools *t, const char *name, json_t *args, json_t **result, cg_err *err);

#endif

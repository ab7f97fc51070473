/* mcp: cg's Model Context Protocol server — MCP over stdio (newline-delimited JSON-RPC 2.0),
 * protocol versions 2025-11-25 (with 2025-06-18, 2025-03-26, 2024-11-05 on request) and the
 * stateless 2026-07-28, answering the cg_* tools through the query engine. See man/cg-mcp.1. */
#ifndef CG_MCP_H
#define CG_MCP_H

#include <stdio.h>

#include "base/err.h"
#include "store/store.h"

#define CG_MCP_MAX_LINE (1u << 20) /* longest request line taken, in bytes */

typedef struct cg_mcp cg_mcp;

int cg_mcp_open(cg_store *s, size_t cache_vertices, cg_mcp **out, cg_err *err);
void cg_mcp_close(cg_mcp *m);

/* Answers the messages read from in on out until in ends. Bad input is answered, never
 * fatal. CG_OK at end of input or when the client stops reading; CG_EIO when reading or
 * writing fails otherwise. */
int cg_mcp_serve(cg_mcp *m, FILE *in, FILE *out, cg_err *err);

#endif

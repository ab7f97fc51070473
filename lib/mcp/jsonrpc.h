/* jsonrpc: JSON-RPC 2.0 as MCP's stdio transport frames it — one message per line, read with
 * a bound on the line length, checked for the shape of a request or notification, and
 * answered with result and error objects written one per line. */
#ifndef CG_JSONRPC_H
#define CG_JSONRPC_H

#include <jansson.h>
#include <stdio.h>

#include "base/buf.h"

enum cg_rpc_code {
	CG_RPC_PARSE_ERROR = -32700,
	CG_RPC_INVALID_REQUEST = -32600,
	CG_RPC_METHOD_NOT_FOUND = -32601,
	CG_RPC_INVALID_PARAMS = -32602,
	CG_RPC_INTERNAL_ERROR = -32603,
};

typedef struct cg_rpc_reader {
	FILE *in;
	size_t max;  /* longest line taken, in bytes; longer ones are skipped */
	cg_buf line; /* the last line read, NUL-terminated, without its newline */
} cg_rpc_reader;

/* Reads the next line: 1 a line, 2 a line longer than max (skipped to its end), 0 end of
 * input, -1 a read error or no memory (errno says which). */
int cg_rpc_read_line(cg_rpc_reader *r);
void cg_rpc_reader_free(cg_rpc_reader *r);

/* A message taken apart; root owns the rest. */
typedef struct cg_rpc_msg {
	json_t *root;
	json_t *id;         /* NULL for a notification */
	const char *method; /* NULL for a response (the server sends no requests: ignored) */
	json_t *params;     /* an object, or NULL when absent */
} cg_rpc_msg;

/* Parses one line. 0 when it is a request, notification or response; otherwise the error
 * code to answer with, *why says what is wrong and m->id is the id to answer (NULL: null). */
int cg_rpc_parse(const char *line, size_t len, cg_rpc_msg *m, const char **why);

/* {"jsonrpc":"2.0","id":id,"result":result}; takes result. NULL when memory runs out. */
json_t *cg_rpc_result(json_t *id, json_t *result);
/* {"jsonrpc":"2.0","id":id or null,"error":{"code","message"[,"data"]}}; takes data. */
json_t *cg_rpc_error(json_t *id, int code, const char *message, json_t *data);
/* Writes msg as one line and flushes; takes msg. 0, or -1 with errno on a write error. */
int cg_rpc_write(FILE *out, json_t *msg);

#endif

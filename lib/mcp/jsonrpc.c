/* jsonrpc: line framing, message checks and answers for JSON-RPC 2.0 on a stream. */
#include "jsonrpc.h"

#include <errno.h>
#include <string.h>

/* Skips to the end of an oversized line without keeping it: 2, or 0/-1 as a line read. */
static int skip_rest(cg_rpc_reader *r)
{
	int c;
	while ((c = getc_unlocked(r->in)) != EOF && c != '\n')
		;
	return c == EOF && ferror(r->in) ? -1 : 2;
}

int cg_rpc_read_line(cg_rpc_reader *r)
{
	int c;
	cg_buf_reset(&r->line);
	while ((c = getc_unlocked(r->in)) != EOF && c != '\n') {
		if (r->line.len >= r->max)
			return skip_rest(r);
		if (cg_buf_putc(&r->line, (uint8_t)c) < 0)
			return errno = ENOMEM, -1;
	}
	if (c == EOF && ferror(r->in))
		return -1;
	if (c == EOF && r->line.len == 0)
		return 0;
	if (r->line.len && r->line.data[r->line.len - 1] == '\r')
		r->line.len--;
	if (cg_buf_putc(&r->line, 0) < 0)
		return errno = ENOMEM, -1;
	r->line.len--;
	return 1;
}

void cg_rpc_reader_free(cg_rpc_reader *r)
{
	cg_buf_free(&r->line);
}

/* MCP ids are strings or numbers, never null. */
static int valid_id(const json_t *id)
{
	return json_is_string(id) || json_is_number(id);
}

int cg_rpc_parse(const char *line, size_t len, cg_rpc_msg *m, const char **why)
{
	json_error_t je;
	memset(m, 0, sizeof *m);
	m->root = json_loadb(line, len, JSON_DECODE_ANY, &je);
	if (!m->root)
		return *why = "Parse error", CG_RPC_PARSE_ERROR;
	if (!json_is_object(m->root))
		return *why = json_is_array(m->root) ? "Invalid Request: batches are not supported"
						     : "Invalid Request: not an object",
		       CG_RPC_INVALID_REQUEST;
	json_t *id = json_object_get(m->root, "id"), *method = json_object_get(m->root, "method");
	if (valid_id(id))
		m->id = id;
	const char *version = json_string_value(json_object_get(m->root, "jsonrpc"));
	if (!version || strcmp(version, "2.0"))
		return *why = "Invalid Request: \"jsonrpc\" must be \"2.0\"", CG_RPC_INVALID_REQUEST;
	if (id && !valid_id(id))
		return *why = "Invalid Request: \"id\" must be a string or a number", CG_RPC_INVALID_REQUEST;
	if (!method && id && (json_object_get(m->root, "result") || json_object_get(m->root, "error")))
		return 0; /* a response: nothing to answer */
	if (!json_is_string(method))
		return *why = "Invalid Request: \"method\" must be a string", CG_RPC_INVALID_REQUEST;
	m->method = json_string_value(method);
	m->params = json_object_get(m->root, "params");
	if (m->params && !json_is_object(m->params))
		return *why = "Invalid params: \"params\" must be an object", CG_RPC_INVALID_PARAMS;
	return 0;
}

json_t *cg_rpc_result(json_t *id, json_t *result)
{
	if (!result)
		return NULL;
	return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id, "result", result);
}

json_t *cg_rpc_error(json_t *id, int code, const char *message, json_t *data)
{
	json_t *e = json_pack("{s:i,s:s}", "code", code, "message", message);
	if (e && data && json_object_set_new(e, "data", data) < 0) {
		json_decref(e);
		return NULL;
	}
	if (!e) {
		json_decref(data);
		return NULL;
	}
	return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "error", e);
}

int cg_rpc_write(FILE *out, json_t *msg)
{
	if (!msg)
		return errno = ENOMEM, -1;
	int rc = json_dumpf(msg, out, JSON_COMPACT) < 0 || putc('\n', out) == EOF || fflush(out) == EOF ? -1 : 0;
	json_decref(msg);
	return rc;
}

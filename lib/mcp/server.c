/* server: the MCP methods over JSON-RPC — version negotiation (initialize for 2025-11-25 and
 * before, per-request _meta for the stateless 2026-07-28), server/discover, ping, tools/list
 * and tools/call — and the read-answer loop that never stops on bad input. */
#include "mcp.h"
#include "jsonrpc.h"
#include "tools.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define META_VERSION "io.modelcontextprotocol/protocolVersion"
#define META_CAPS "io.modelcontextprotocol/clientCapabilities"
#define UNSUPPORTED_VERSION (-32022) /* 2026-07-28: UnsupportedProtocolVersionError */

/* Newest first: the first is what initialize offers a client asking for one we lack. */
static const char *const handshake_versions[] = { "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", NULL };
static const char *const stateless_versions[] = { "2026-07-28", NULL };

static const char instructions[] =
	"A code graph of Rust workspaces. Name items by path (crate::module::Item, Type::method, "
	"a 16-hex id). Start with cg_find or cg_item; cg_callers, cg_implementors, cg_users and "
	"cg_dependents walk reverse edges; cg_impact says what a change can reach. Answers are cut "
	"to `limit` and say how many more there are.";

struct cg_mcp {
	cg_mcp_tools *tools;
};

int cg_mcp_open(cg_store *s, size_t cache_vertices, cg_mcp **out, cg_err *err)
{
	cg_mcp *m = calloc(1, sizeof *m);
	if (!m)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	int rc = cg_mcp_tools_open(s, cache_vertices, &m->tools, err);
	if (rc) {
		free(m);
		return rc;
	}
	*out = m;
	return CG_OK;
}

void cg_mcp_close(cg_mcp *m)
{
	if (!m)
		return;
	cg_mcp_tools_close(m->tools);
	free(m);
}

static int listed(const char *const *list, const char *v)
{
	for (; *list; list++)
		if (!strcmp(*list, v))
			return 1;
	return 0;
}

static json_t *supported_versions(void)
{
	json_t *a = json_array();
	for (int i = 0; a && stateless_versions[i]; i++)
		json_array_append_new(a, json_string(stateless_versions[i]));
	for (int i = 0; a && handshake_versions[i]; i++)
		json_array_append_new(a, json_string(handshake_versions[i]));
	return a;
}

static json_t *server_info(void)
{
	return json_pack("{s:s,s:s,s:s}", "name", "cg-mcp", "title", "cg code graph", "version", CG_VERSION);
}

static json_t *initialize(json_t *params, int *code, const char **why)
{
	const char *asked = json_string_value(json_object_get(params, "protocolVersion"));
	if (!asked)
		return *code = CG_RPC_INVALID_PARAMS, *why = "Invalid params: initialize needs \"protocolVersion\"", NULL;
	return json_pack("{s:s,s:{s:{s:b}},s:o,s:s}", "protocolVersion",
			 listed(handshake_versions, asked) ? asked : handshake_versions[0], "capabilities", "tools",
			 "listChanged", 0, "serverInfo", server_info(), "instructions", instructions);
}

static json_t *discover(void)
{
	return json_pack("{s:o,s:{s:{s:b}},s:o,s:s}", "supportedVersions", supported_versions(), "capabilities",
			 "tools", "listChanged", 0, "serverInfo", server_info(), "instructions", instructions);
}

/* A stateless (2026-07-28) request names its version in _meta; *stateless says whether
 * this one does. Non-zero: the error code to answer with. */
static int check_meta(const cg_rpc_msg *m, int *stateless, const char **why, json_t **data)
{
	json_t *meta = json_object_get(m->params, "_meta");
	json_t *version = json_object_get(meta, META_VERSION);
	*stateless = version != NULL;
	if (!version)
		return 0;
	if (!json_is_string(version) || !listed(stateless_versions, json_string_value(version))) {
		*data = json_pack("{s:O,s:o}", "requested", version, "supported", supported_versions());
		return *why = "Unsupported protocol version", UNSUPPORTED_VERSION;
	}
	if (!json_is_object(json_object_get(meta, META_CAPS)))
		return *why = "Invalid params: _meta needs \"" META_CAPS "\"", CG_RPC_INVALID_PARAMS;
	return 0;
}

static json_t *call_tool(cg_mcp *s, json_t *params, int *code, const char **why, cg_err *err)
{
	const char *name = json_string_value(json_object_get(params, "name"));
	json_t *args = json_object_get(params, "arguments"), *result = NULL;
	if (!name)
		return *code = CG_RPC_INVALID_PARAMS, *why = "Invalid params: tools/call needs a tool \"name\"", NULL;
	if (args && !json_is_object(args))
		return *code = CG_RPC_INVALID_PARAMS, *why = "Invalid params: \"arguments\" must be an object", NULL;
	int rc = cg_mcp_tools_call(s->tools, name, args, &result, err);
	if (rc == CG_EUSAGE)
		*code = CG_RPC_INVALID_PARAMS, *why = err->msg;
	else if (rc)
		*code = CG_RPC_INTERNAL_ERROR, *why = err->msg;
	return result;
}

/* The result of one request, or NULL with *code and *why (and *data) set. */
static json_t *dispatch(cg_mcp *s, const cg_rpc_msg *m, int *code, const char **why, json_t **data,
			cg_err *err)
{
	int stateless = 0;
	if ((*code = check_meta(m, &stateless, why, data)))
		return NULL;
	const char *method = m->method;
	json_t *result = NULL;
	if (!strcmp(method, "initialize") && !stateless)
		result = initialize(m->params, code, why);
	else if (!strcmp(method, "ping") && !stateless) /* 2026-07-28 has no ping */
		result = json_object();
	else if (!strcmp(method, "server/discover"))
		result = discover();
	else if (!strcmp(method, "tools/list"))
		result = json_pack("{s:O}", "tools", cg_mcp_tools_list(s->tools));
	else if (!strcmp(method, "tools/call"))
		result = call_tool(s, m->params, code, why, err);
	else
		return *code = CG_RPC_METHOD_NOT_FOUND, *why = "Method not found", NULL;
	if (!result && !*code)
		*code = CG_RPC_INTERNAL_ERROR, *why = "out of memory";
	if (result && stateless && json_object_set_new(result, "resultType", json_string("complete")) < 0)
		*code = CG_RPC_INTERNAL_ERROR, *why = "out of memory";
	/* 2026-07-28 lists say how long they stay fresh; the tools never change while running */
	if (result && stateless && (!strcmp(method, "tools/list") || !strcmp(method, "server/discover")) &&
	    (json_object_set_new(result, "ttlMs", json_integer(3600000)) < 0 ||
	     json_object_set_new(result, "cacheScope", json_string("public")) < 0))
		*code = CG_RPC_INTERNAL_ERROR, *why = "out of memory";
	if (*code) {
		json_decref(result);
		return NULL;
	}
	return result;
}

/* The answer to one line, or NULL when it needs none (a notification, a response). */
static json_t *answer_line(cg_mcp *s, const char *line, size_t len)
{
	cg_rpc_msg m;
	const char *why = NULL;
	json_t *data = NULL, *out = NULL;
	cg_err err = { 0 };
	int code = cg_rpc_parse(line, len, &m, &why);
	if (!code && m.method && m.id) {
		json_t *result = dispatch(s, &m, &code, &why, &data, &err);
		if (result)
			out = cg_rpc_result(m.id, result);
	}
	if (code && (m.id || !m.method)) /* a notification gets no answer, not even an error */
		out = cg_rpc_error(m.id, code, why, data);
	else
		json_decref(data);
	json_decref(m.root);
	return out;
}

static int blank(const cg_buf *b)
{
	return strspn((const char *)b->data, " \t") == b->len;
}

int cg_mcp_serve(cg_mcp *s, FILE *in, FILE *out, cg_err *err)
{
	cg_rpc_reader r = { .in = in, .max = CG_MCP_MAX_LINE };
	int got, rc = CG_OK;
	while (!rc && (got = cg_rpc_read_line(&r)) > 0) {
		json_t *answer;
		if (got == 2)
			answer = cg_rpc_error(NULL, CG_RPC_INVALID_REQUEST, "Invalid Request: line too long", NULL);
		else if (blank(&r.line))
			continue;
		else if (!(answer = answer_line(s, (const char *)r.line.data, r.line.len)))
			continue;
		if (cg_rpc_write(out, answer) < 0)
			rc = errno == EPIPE ? -1 : cg_err_sys(err, CG_EIO, errno, "writing standard output");
		/* -1: the client stopped reading, which ends the session as end of input does */
	}
	if (!rc && got < 0)
		rc = cg_err_sys(err, errno == ENOMEM ? CG_EINTERNAL : CG_EIO, errno, "reading standard input");
	cg_rpc_reader_free(&r);
	return rc < 0 ? CG_OK : rc;
}

/* test_jsonrpc: the line framing and message checks of lib/mcp/jsonrpc at their edges — a
 * line of exactly the limit and one byte over, CRLF, a last line without a newline, and the
 * shapes of request, notification, response and each kind of bad message. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mcp/jsonrpc.h"

static void test_lines(void)
{
	static const char input[] = "abcd\r\nabcde\nabcdef\nx\n\nlast";
	FILE *in = fmemopen((void *)input, sizeof input - 1, "r");
	cg_rpc_reader r = { .in = in, .max = 5 };
	CHECK(cg_rpc_read_line(&r) == 1 && !strcmp((char *)r.line.data, "abcd")); /* CRLF: \r dropped */
	CHECK(cg_rpc_read_line(&r) == 1 && !strcmp((char *)r.line.data, "abcde")); /* exactly the limit */
	CHECK(cg_rpc_read_line(&r) == 2);                                        /* one byte over */
	CHECK(cg_rpc_read_line(&r) == 1 && !strcmp((char *)r.line.data, "x"));   /* read on after it */
	CHECK(cg_rpc_read_line(&r) == 1 && r.line.len == 0);
	CHECK(cg_rpc_read_line(&r) == 1 && !strcmp((char *)r.line.data, "last"));
	CHECK(cg_rpc_read_line(&r) == 0);
	cg_rpc_reader_free(&r);
	fclose(in);
}

/* The code cg_rpc_parse gives a line, and whether it found an id to answer. */
static int parse(const char *line, int *has_id, const char **method)
{
	cg_rpc_msg m;
	const char *why = NULL;
	int code = cg_rpc_parse(line, strlen(line), &m, &why);
	*has_id = m.id != NULL;
	*method = m.method ? "set" : NULL;
	CHECK(!code || why);
	json_decref(m.root);
	return code;
}

static void test_messages(void)
{
	int id;
	const char *method;
	CHECK(parse("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", &id, &method) == 0 && id && method);
	CHECK(parse("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"x\",\"params\":{}}", &id, &method) == 0 && id);
	CHECK(parse("{\"jsonrpc\":\"2.0\",\"method\":\"n\"}", &id, &method) == 0 && !id && method);
	CHECK(parse("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}", &id, &method) == 0 && !method);
	CHECK(parse("{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{}}", &id, &method) == 0 && !method);
	CHECK(parse("{", &id, &method) == CG_RPC_PARSE_ERROR && !id);
	CHECK(parse("", &id, &method) == CG_RPC_PARSE_ERROR);
	CHECK(parse("[]", &id, &method) == CG_RPC_INVALID_REQUEST);
	CHECK(parse("\"ping\"", &id, &method) == CG_RPC_INVALID_REQUEST);
	CHECK(parse("{\"id\":4,\"method\":\"ping\"}", &id, &method) == CG_RPC_INVALID_REQUEST && id);
	CHECK(parse("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}", &id, &method) == CG_RPC_INVALID_REQUEST && !id);
	CHECK(parse("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"ping\"}", &id, &method) == CG_RPC_INVALID_REQUEST);
	CHECK(parse("{\"jsonrpc\":\"2.0\",\"id\":5}", &id, &method) == CG_RPC_INVALID_REQUEST && id);
	CHECK(parse("{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"m\",\"params\":3}", &id, &method) == CG_RPC_INVALID_PARAMS);
}

static void test_answers(void)
{
	json_t *id = json_integer(7), *e = cg_rpc_error(NULL, CG_RPC_METHOD_NOT_FOUND, "Method not found", NULL);
	char *s = json_dumps(e, JSON_COMPACT);
	CHECK(s && !strcmp(s, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32601,\"message\":\"Method not found\"}}"));
	free(s);
	json_decref(e);
	json_t *r = cg_rpc_result(id, json_object());
	s = json_dumps(r, JSON_COMPACT);
	CHECK(s && !strcmp(s, "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}"));
	free(s);
	json_decref(r);
	json_decref(id);
}

int main(void)
{
	test_lines();
	test_messages();
	test_answers();
	return check_exit("test_jsonrpc");
}

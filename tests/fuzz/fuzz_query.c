/* fuzz_query: libFuzzer target for the query language. An input starting with 'A' is a
 * command line (arguments separated by newlines) for cg_query_from_argv; any other input is
 * one JSON query object as read from a cg-query stream. Parsed queries run against the store
 * named by $CG_FUZZ_STORE (a small store the runner builds), or are only parsed without it. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query/query.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cg_query_engine *engine;

static int discard(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	(void)line;
	(void)len;
	return 0;
}

static void open_engine(void)
{
	const char *dir = getenv("CG_FUZZ_STORE");
	cg_store *s;
	cg_err err = { 0 };
	cg_open_opts oo = { .mode = CG_OPEN_READ };
	cg_query_opts qo = { .cache_vertices = 64, .emit = discard, .closing = 1 };
	if (!dir || cg_store_open(dir, &oo, &s, &err))
		return;
	if (cg_query_open(s, &qo, &engine, &err))
		cg_store_close(s);
	/* the engine and store live as long as the fuzzing process */
}

static json_t *from_argv(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *argv[32];
	int argc = 0;
	json_t *req = NULL;
	cg_err err = { 0 };
	if (!text)
		return NULL;
	memcpy(text, data, size);
	text[size] = 0;
	for (char *p = text; p && argc < 32; argc++) {
		argv[argc] = p;
		p = strchr(p, '\n');
		if (p)
			*p++ = 0;
	}
	if (cg_query_from_argv(argc, argv, &req, &err))
		req = NULL;
	free(text);
	return req;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int once;
	if (!once++)
		open_engine();
	json_t *req;
	if (size > 0 && data[0] == 'A') {
		req = from_argv(data + 1, size - 1);
	} else {
		json_error_t je;
		req = json_loadb((const char *)data, size, 0, &je);
	}
	if (!req)
		return 0;
	if (engine) {
		size_t count = 0;
		cg_err err = { 0 };
		if (cg_query_run(engine, req, &count, &err) == CG_EUSAGE)
			cg_query_fail(engine, req, err.msg);
	}
	json_decref(req);
	return 0;
}

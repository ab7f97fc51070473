/* fuzz_mcp: libFuzzer target for cg-mcp's input side. Each input is a whole stdin stream
 * (JSON-RPC lines) served by cg_mcp_serve against the store named by $CG_FUZZ_STORE (the
 * runner's small store); the answers go to /dev/null. The server must neither crash nor
 * stop early on any input. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mcp/mcp.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cg_mcp *server;
static FILE *sink;

static void open_server(void)
{
	const char *dir = getenv("CG_FUZZ_STORE");
	cg_store *s;
	cg_err err = { 0 };
	cg_open_opts oo = { .mode = CG_OPEN_READ };
	sink = fopen("/dev/null", "w");
	if (!dir || !sink || cg_store_open(dir, &oo, &s, &err))
		abort();
	if (cg_mcp_open(s, 64, &server, &err))
		abort();
	/* the server and store live as long as the fuzzing process */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!server)
		open_server();
	if (!size)
		return 0;
	FILE *in = fmemopen((void *)data, size, "r");
	cg_err err = { 0 };
	if (!in)
		return 0;
	if (cg_mcp_serve(server, in, sink, &err))
		abort(); /* only a failing read or write may stop it, and neither can fail here */
	fclose(in);
	return 0;
}

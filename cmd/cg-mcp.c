/* cg-mcp: a Model Context Protocol server on stdio that answers coding agents' questions
 * about the code graph in a cg store, with the store opened read-only. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "base/cli.h"
#include "mcp/mcp.h"
#include "store/store.h"

static const char *const prog = "cg-mcp";

static void usage(void)
{
	printf("Usage: cg-mcp [OPTION]...\n"
	       "Serve a cg store to coding agents over MCP: JSON-RPC 2.0 messages, one per line,\n"
	       "on standard input and output (protocol versions 2025-11-25 and 2026-07-28).\n\n"
	       "Tools: cg_find cg_item cg_neighbors cg_callers cg_implementors cg_dependents\n"
	       "       cg_users cg_path cg_at cg_impact cg_stats\n\n"
	       "Options:\n"
	       "  -d, --dir DIR            the store directory (default: $CG_DIR, then ./.cg)\n"
	       "      --cache-vertices N   keep N decoded vertices between calls (default 65536)\n"
	       "  -h, --help               show this help and exit\n"
	       "  -V, --version            show the version and exit\n\n"
	       "An agent host starts it as {\"command\":\"cg-mcp\",\"args\":[\"-d\",\"/path/to/store\"]}.\n"
	       "Exit status: 0 input ended, 2 usage, 66 no store, 74 I/O error. See cg-mcp(1).\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "cache-vertices", required_argument, NULL, 'c' },
		{ 0 },
	};
	const char *dir = NULL;
	long cache = 65536;
	int c;
	cg_cli cli = { .prog = prog, .shortopts = "d:", .longopts = longopts, .usage = usage };
	while ((c = cg_cli_next(&cli, argc, argv)) >= 0) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'c':
			if (cg_cli_parse_int(optarg, 0, 1L << 30, &cache) < 0)
				return cg_cli_usage(prog, "--cache-vertices: '%s' is not a number", optarg);
			break;
		}
	}
	if (c == CG_CLI_EXIT)
		return cli.status;
	signal(SIGPIPE, SIG_IGN); /* a client that goes away is end of input, not a crash */

	cg_store *s = NULL;
	cg_mcp *m = NULL;
	cg_open_opts oo = { .mode = CG_OPEN_READ };
	cg_err err = { 0 };
	int rc = cg_store_open(cg_cli_store_dir(dir), &oo, &s, &err);
	if (!rc)
		rc = cg_mcp_open(s, (size_t)cache, &m, &err);
	if (!rc)
		rc = cg_mcp_serve(m, stdin, stdout, &err);
	if (rc)
		cg_cli_error(prog, &err);
	cg_mcp_close(m);
	cg_store_close(s);
	return rc;
}

/* cg-calls: Calls edges from a Rust workspace's sources, as NDJSON for cg-ingest --ndjson. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "calls/calls.h"
#include "base/cli.h"
#include "store/store.h"
#include "base/clock.h"

static const char *const prog = "cg-calls";

static void usage(void)
{
	printf("Usage: cg-calls --workspace DIR [OPTION]...\n"
	       "Find the calls in every function body of a Rust workspace's sources and print them as\n"
	       "NDJSON Calls edges between vertices of a cg store, ready for cg-ingest --ndjson.\n\n"
	       "  -w, --workspace DIR    the Cargo workspace (or package) to read\n"
	       "  -d, --dir DIR          the store (default: $CG_DIR, then ./.cg)\n"
	       "  -r, --report FILE      write unresolved and ambiguous call sites there (NDJSON)\n"
	       "  -j, --threads N        parse and resolve on N threads (default: CPUs, at least 2)\n"
	       "      --paths            add the caller's and callee's paths to each edge\n"
	       "  -q, --quiet            no summary line on stderr\n"
	       "  -h, --help             show this help and exit\n"
	       "  -V, --version          show the version and exit\n\n"
	       "One edge per caller and callee (the first call site). Example:\n"
	       "  cg-calls -w . -d .cg | cg-ingest --ndjson --unit calls -d .cg -\n"
	       "Exit status: 0 ok, 2 usage, 65 damaged record, 66 missing store or workspace,\n"
	       "74 I/O error. See cg-calls(1).\n");
}

typedef struct out {
	FILE *report;
	cg_err *err;
} out;

static int print_edge(void *ctx, json_t *e)
{
	out *o = ctx;
	return cg_cli_print_json(e) < 0 ? cg_err_set(o->err, CG_EIO, "standard output: write error") : 0;
}

static int print_report(void *ctx, json_t *r)
{
	out *o = ctx;
	char *line = json_dumps(r, JSON_COMPACT);
	int bad = !line || fprintf(o->report, "%s\n", line) < 0;
	free(line);
	return bad ? cg_err_set(o->err, CG_EIO, "report: write error") : 0;
}

static void summary(const cg_calls_counts *c, size_t edges, double secs)
{
	fprintf(stderr,
		"%s: %zu files, %zu lines in %.3f s (%.0f lines/s): %zu call sites, %zu resolved "
		"(%zu edges), %zu ambiguous, %zu unresolved, %zu in functions not in the store\n",
		prog, c->files, c->lines, secs, secs > 0 ? (double)c->lines / secs : 0.0, c->sites,
		c->resolved, edges, c->ambiguous, c->unresolved, c->nocaller);
	if (c->parse_errors)
		fprintf(stderr, "%s: %zu files have syntax errors (their other calls were still read)\n",
			prog, c->parse_errors);
}

static int run(const char *dir, const cg_calls_opts *co, out *o, int paths, int quiet, cg_err *err)
{
	cg_store *s = NULL;
	cg_open_opts oo = { .mode = CG_OPEN_READ };
	cg_calls_lines_opts lo = { .paths = paths, .edge = print_edge, .report = o->report ? print_report : NULL, .ctx = o };
	cg_calls_counts counts;
	size_t edges = 0;
	double t0 = cg_clock_us() / 1e6;
	int rc = cg_store_open(dir, &oo, &s, err);
	if (!rc)
		rc = cg_calls_lines(s, co, &lo, &counts, &edges, err);
	if (s)
		cg_store_close(s);
	if (!rc && o->report && fflush(o->report))
		rc = cg_err_set(err, CG_EIO, "report: write error");
	if (!rc && !quiet)
		summary(&counts, edges, (cg_clock_us() / 1e6) - t0);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "workspace", required_argument, NULL, 'w' },
		{ "dir", required_argument, NULL, 'd' },
		{ "report", required_argument, NULL, 'r' },
		{ "threads", required_argument, NULL, 'j' },
		{ "paths", no_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0 },
	};
	cg_calls_opts co = { 0 };
	const char *dir = NULL, *report = NULL;
	int quiet = 0, c, paths = 0;
	long n;
	cg_cli cli = { .prog = prog, .shortopts = "w:d:r:j:q", .longopts = longopts, .usage = usage };
	while ((c = cg_cli_next(&cli, argc, argv)) >= 0) {
		switch (c) {
		case 'w': co.workspace = optarg; break;
		case 'd': dir = optarg; break;
		case 'r': report = optarg; break;
		case 'j':
			if (cg_cli_parse_int(optarg, 1, 64, &n) < 0)
				return cg_cli_usage(prog, "--threads: '%s' is not a number in 1..64", optarg);
			co.threads = (int)n;
			break;
		case 'P': paths = 1; break;
		case 'q': quiet = 1; break;
		}
	}
	if (c == CG_CLI_EXIT)
		return cli.status;
	if (!co.workspace)
		return cg_cli_usage(prog, "--workspace DIR is required");

	cg_err err = { 0 };
	out o = { .err = &err };
	int rc = 0;
	if (report && !(o.report = fopen(report, "w")))
		rc = cg_err_sys(&err, CG_EIO, errno, "%s", report);
	if (!rc)
		rc = run(cg_cli_store_dir(dir), &co, &o, paths, quiet, &err);
	if (o.report && fclose(o.report) && !rc)
		rc = cg_err_set(&err, CG_EIO, "%s: write error", report);
	if (rc)
		rc = cg_cli_fail(prog, rc, &err);
	return cg_cli_finish(prog, rc);
}

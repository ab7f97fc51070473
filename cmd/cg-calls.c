/* cg-calls: Calls edges from a Rust workspace's sources, as NDJSON for cg-ingest --ndjson. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calls/calls.h"
#include "base/cli.h"
#include "codec/keys.h"
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
	int paths;
	uint64_t *seen; /* (src, dst) pairs already printed: open addressing, 0 = free */
	size_t cap, n;
	cg_err *err;
} out;

static uint64_t pair_hash(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x7f4a7c159e3779b9ULL + (a << 6) + (a >> 2));
	return h ? h : 1;
}

/* Returns 1 when the pair is new (and remembers it), 0 when seen, -1 on no memory. Pairs
 * are kept as their hash: a 64-bit collision would only drop a duplicate-looking edge. */
static int first_time(out *o, uint64_t src, uint64_t dst)
{
	if ((o->n + 1) * 2 > o->cap) {
		size_t nc = o->cap ? o->cap * 2 : 1024;
		uint64_t *t = calloc(nc, sizeof *t);
		if (!t)
			return -1;
		for (size_t i = 0; i < o->cap; i++)
			if (o->seen[i]) {
				size_t j = o->seen[i] & (nc - 1);
				while (t[j])
					j = (j + 1) & (nc - 1);
				t[j] = o->seen[i];
			}
		free(o->seen);
		o->seen = t;
		o->cap = nc;
	}
	uint64_t h = pair_hash(src, dst);
	size_t j = h & (o->cap - 1);
	for (; o->seen[j]; j = (j + 1) & (o->cap - 1))
		if (o->seen[j] == h)
			return 0;
	o->seen[j] = h;
	o->n++;
	return 1;
}

static json_t *hexid(uint64_t vid)
{
	char hex[17];
	cg_vid_hex(vid, hex);
	return json_string(hex);
}

static const char *kind_name(int k)
{
	return k == CG_CALL_METHOD ? "method" : k == CG_CALL_MACRO ? "macro" : "call";
}

static const char *status_name(int s)
{
	return s == CG_CALL_AMBIGUOUS ? "ambiguous" : s == CG_CALL_UNRESOLVED ? "unresolved" : "no-caller";
}

static int print_edge(out *o, const cg_call_site *c)
{
	int fresh = first_time(o, c->caller, c->callee);
	if (fresh <= 0)
		return fresh ? cg_err_set(o->err, CG_EINTERNAL, "out of memory") : 0;
	json_t *e = json_pack("{s:s, s:o, s:s, s:o, s:s, s:I}", "type", "edge", "src", hexid(c->caller),
			      "label", "Calls", "dst", hexid(c->callee), "file", c->file, "line",
			      (json_int_t)c->line);
	if (e && o->paths) {
		json_object_set_new(e, "src_path", json_string(c->caller_path));
		json_object_set_new(e, "dst_path", json_string(c->callee_path));
	}
	int rc = e ? cg_cli_print_json(e) : -1;
	json_decref(e);
	return rc ? cg_err_set(o->err, CG_EIO, "standard output: write error") : 0;
}

static int print_report(out *o, const cg_call_site *c)
{
	json_t *cands = json_array();
	for (size_t i = 0; cands && i < c->ncands; i++)
		json_array_append_new(cands, json_pack("{s:o, s:s}", "id", hexid(c->cands[i]), "path", c->cand_paths[i]));
	json_t *r = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:o}", "status", status_name(c->status),
			      "file", c->file, "line", (json_int_t)c->line, "kind", kind_name(c->kind), "callee",
			      c->callee_text, "caller", c->caller_path, "reason", c->reason ? c->reason : "",
			      "candidates", cands);
	if (r && c->caller)
		json_object_set_new(r, "caller_id", hexid(c->caller));
	char *line = r ? json_dumps(r, JSON_COMPACT) : NULL;
	int bad = !line || fprintf(o->report, "%s\n", line) < 0;
	free(line);
	json_decref(r);
	return bad ? cg_err_set(o->err, CG_EIO, "report: write error") : 0;
}

static int on_site(void *ctx, const cg_call_site *c)
{
	out *o = ctx;
	if (c->status == CG_CALL_RESOLVED)
		return print_edge(o, c);
	return o->report ? print_report(o, c) : 0;
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

static int run(const char *dir, const cg_calls_opts *co, out *o, int quiet, cg_err *err)
{
	cg_store *s = NULL;
	cg_open_opts oo = { .mode = CG_OPEN_READ };
	cg_calls_counts counts;
	double t0 = cg_clock_us() / 1e6;
	int rc = cg_store_open(dir, &oo, &s, err);
	if (!rc)
		rc = cg_calls_run(s, co, on_site, o, &counts, err);
	if (s)
		cg_store_close(s);
	if (!rc && o->report && fflush(o->report))
		rc = cg_err_set(err, CG_EIO, "report: write error");
	if (!rc && !quiet)
		summary(&counts, o->n, (cg_clock_us() / 1e6) - t0);
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
	out o = { .paths = paths, .err = &err };
	int rc = 0;
	if (report && !(o.report = fopen(report, "w")))
		rc = cg_err_sys(&err, CG_EIO, errno, "%s", report);
	if (!rc)
		rc = run(cg_cli_store_dir(dir), &co, &o, quiet, &err);
	if (o.report && fclose(o.report) && !rc)
		rc = cg_err_set(&err, CG_EIO, "%s: write error", report);
	free(o.seen);
	if (rc)
		rc = cg_cli_fail(prog, rc, &err);
	return cg_cli_finish(prog, rc);
}

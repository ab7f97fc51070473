/* cg-ingest: load rustdoc JSON or NDJSON graph records into a store; remove crates. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cli.h"
#include "ingest/apply.h"
#include "ingest/load.h"
#include "ingest/watch.h"
#include "input/rustdoc.h"

static const char *const prog = "cg-ingest";

static void usage(void)
{
	printf("Usage: cg-ingest [OPTION]... [FILE|DIR|-]...\n"
	       "Load rustdoc JSON (one file per crate) or NDJSON graph records into a cg store.\n"
	       "Each run is one atomic change; unchanged crates are skipped.\n\n"
	       "  -d, --dir DIR          the store (default: $CG_DIR, then ./.cg)\n"
	       "  -w, --workspace WS     read WS/Cargo.lock and every WS/target/doc/*.json\n"
	       "      --doc-dir DIR      rustdoc JSON directory instead of WS/target/doc\n"
	       "      --lockfile FILE    Cargo.lock to use instead of WS/Cargo.lock\n"
	       "      --features LIST    enabled features, recorded in each crate's cache key\n"
	       "      --ndjson           inputs are NDJSON vertex/edge records\n"
	       "      --unit NAME        NDJSON unit the records belong to (default: ndjson)\n"
	       "      --lenient          NDJSON: ignore fields a record type does not have\n"
	       "      --name NAME        record the run as workspace NAME (default with --workspace:\n"
	       "                         the directory's name): its root, Cargo.lock digest, crates\n"
	       "      --move-workspace   let --name (or the directory's name) move here when another\n"
	       "                         root holds it (else that is refused, exit 73)\n"
	       "      --remove CRATE[@VERSION]  remove a crate (or NDJSON unit); repeatable\n"
	       "      --remove-workspace NAME   remove a workspace and the crates no other\n"
	       "                         workspace uses; repeatable\n"
	       "      --watch            with --workspace: keep the store current as rustdoc JSON,\n"
	       "                         Cargo.lock (and sources) change; one event per line\n"
	       "      --debounce-ms N    quiet time before an update (default 500)\n"
	       "      --retry-ms N       first retry after unreadable input (default 2000)\n"
	       "      --rebuild-cmd CMD  run CMD (/bin/sh -c, in the workspace) when a .rs file\n"
	       "                         changes, then ingest what it wrote\n"
	       "      --bulk             write SST files even into a non-empty store\n"
	       "      --keep-going       skip bad inputs, land the good ones, exit non-zero\n"
	       "      --keep-synthetic   keep auto-trait and blanket impls\n"
	       "      --cache-mb N       block cache size in MiB\n"
	       "      --memory-mb N      bound on the run's memory in MiB (default 1024); past\n"
	       "                         half of it, sorted runs spill to the store's staging area\n"
	       "  -q, --quiet            no output on stdout\n"
	       "  -h, --help             show this help and exit\n"
	       "  -V, --version          show the version and exit\n\n"
	       "Prints one NDJSON line per crate: crate, version, status (added, replaced,\n"
	       "unchanged, removed, failed), vertices, stubs, edges by type, bytes, ms.\n"
	       "Exit status: 0 ok, 2 usage, 4 done but the report was not written, 65 bad input\n"
	       "(store unchanged), 66 missing store or input, 73 workspace name held by another\n"
	       "root, 74 I/O error, 75 store locked by another writer. See cg-ingest(1).\n");
}

static void progress(void *ctx, size_t done, size_t total)
{
	(void)ctx;
	fprintf(stderr, "\r%s: parsed %zu/%zu inputs", prog, done, total);
	if (done == total)
		fputc('\n', stderr);
}

enum { OPT_DOC_DIR = 256, OPT_LOCKFILE, OPT_FEATURES, OPT_NDJSON, OPT_UNIT, OPT_REMOVE, OPT_BULK,
       OPT_KEEP_GOING, OPT_KEEP_SYNTHETIC, OPT_CACHE_MB, OPT_NAME, OPT_REMOVE_WS, OPT_WATCH, OPT_DEBOUNCE, OPT_RETRY, OPT_REBUILD,
       OPT_MOVE_WS, OPT_LENIENT, OPT_MEMORY };

static const struct option longopts[] = {
	{ "dir", required_argument, NULL, 'd' },
	{ "workspace", required_argument, NULL, 'w' },
	{ "doc-dir", required_argument, NULL, OPT_DOC_DIR },
	{ "lockfile", required_argument, NULL, OPT_LOCKFILE },
	{ "features", required_argument, NULL, OPT_FEATURES },
	{ "ndjson", no_argument, NULL, OPT_NDJSON },
	{ "unit", required_argument, NULL, OPT_UNIT },
	{ "remove", required_argument, NULL, OPT_REMOVE },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "remove-workspace", required_argument, NULL, OPT_REMOVE_WS },
	{ "move-workspace", no_argument, NULL, OPT_MOVE_WS },
	{ "watch", no_argument, NULL, OPT_WATCH },
	{ "debounce-ms", required_argument, NULL, OPT_DEBOUNCE },
	{ "retry-ms", required_argument, NULL, OPT_RETRY },
	{ "rebuild-cmd", required_argument, NULL, OPT_REBUILD },
	{ "bulk", no_argument, NULL, OPT_BULK },
	{ "keep-going", no_argument, NULL, OPT_KEEP_GOING },
	{ "keep-synthetic", no_argument, NULL, OPT_KEEP_SYNTHETIC },
	{ "cache-mb", required_argument, NULL, OPT_CACHE_MB },
	{ "lenient", no_argument, NULL, OPT_LENIENT },
	{ "memory-mb", required_argument, NULL, OPT_MEMORY },
	{ "quiet", no_argument, NULL, 'q' },
	{ 0 },
};

/* Outcomes and watch events go out one line at a time, as they happen. */
static int print_line(void *ctx, json_t *line)
{
	(void)ctx;
	return cg_cli_print_json(line) < 0 || cg_cli_flush() < 0 ? -1 : 0;
}

static int run_watch(cg_store *s, cg_watch_opts *wo, int quiet)
{
	cg_err err = { 0 };
	wo->event = quiet ? NULL : print_line;
	int rc = cg_watch_run(s, wo, &err);
	return rc ? cg_cli_fail(prog, rc, &err) : CG_OK;
}

int main(int argc, char **argv)
{
	cg_load_opts o = { 0 };
	cg_watch_opts wo = { .load = &o, .debounce_ms = 500, .retry_ms = 2000 };
	int watch = 0;
	cg_open_opts oo = { .mode = CG_OPEN_WRITE };
	const char *dir = NULL;
	char *removes[64], *remove_ws[64];
	size_t nremoves = 0, nremove_ws = 0;
	int quiet = 0, c;
	long n;
	cg_cli cli = { .prog = prog, .shortopts = "d:w:q", .longopts = longopts, .usage = usage, .operands = -1,
		       .repeatable = (const int[]){ OPT_REMOVE, OPT_REMOVE_WS, 0 } };
	while ((c = cg_cli_next(&cli, argc, argv)) >= 0) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'w': o.workspace = optarg; break;
		case OPT_DOC_DIR: o.doc_dir = optarg; break;
		case OPT_LOCKFILE: o.lockfile = optarg; break;
		case OPT_FEATURES: o.features = optarg; break;
		case OPT_NDJSON: o.ndjson = 1; break;
		case OPT_UNIT: o.unit = optarg; break;
		case OPT_REMOVE:
			if (nremoves == sizeof removes / sizeof *removes)
				return cg_cli_usage(prog, "too many --remove options");
			removes[nremoves++] = optarg;
			break;
		case OPT_REMOVE_WS:
			if (nremove_ws == sizeof remove_ws / sizeof *remove_ws)
				return cg_cli_usage(prog, "too many --remove-workspace options");
			remove_ws[nremove_ws++] = optarg;
			break;
		case OPT_NAME: o.name = optarg; break;
		case OPT_MOVE_WS: o.move_workspace = 1; break;
		case OPT_WATCH: watch = 1; break;
		case OPT_REBUILD: wo.rebuild_cmd = optarg; break;
		case OPT_DEBOUNCE:
		case OPT_RETRY:
			if (cg_cli_parse_int(optarg, 0, 3600000, &n) < 0)
				return cg_cli_usage(prog, "--%s: '%s' is not a number of milliseconds in 0..3600000",
						    c == OPT_DEBOUNCE ? "debounce-ms" : "retry-ms", optarg);
			*(c == OPT_DEBOUNCE ? &wo.debounce_ms : &wo.retry_ms) = (int)n;
			break;
		case OPT_BULK: o.bulk = 1; break;
		case OPT_KEEP_GOING: o.keep_going = 1; break;
		case OPT_KEEP_SYNTHETIC: o.keep_synthetic = 1; break;
		case OPT_CACHE_MB:
			if (cg_cli_parse_int(optarg, 1, 1 << 20, &n) < 0)
				return cg_cli_usage(prog, "--cache-mb: '%s' is not a number in 1..1048576", optarg);
			oo.cache_mb = (int)n;
			break;
		case OPT_LENIENT: o.lenient = 1; break;
		case OPT_MEMORY:
			if (cg_cli_parse_int(optarg, 64, 1 << 20, &n) < 0)
				return cg_cli_usage(prog, "--memory-mb: '%s' is not a number in 64..1048576", optarg);
			o.memory = (size_t)n << 20;
			break;
		case 'q': quiet = 1; break;
		}
	}
	if (c == CG_CLI_EXIT)
		return cli.status;
	o.inputs = (const char *const *)argv + optind;
	o.ninputs = (size_t)(argc - optind);
	if ((o.unit || o.lenient) && !o.ndjson)
		return cg_cli_usage(prog, "--%s applies to --ndjson input only", o.unit ? "unit" : "lenient");
	if (o.ndjson && (o.workspace || o.doc_dir))
		return cg_cli_usage(prog, "--ndjson cannot be combined with --workspace or --doc-dir");
	if (watch && (!o.workspace || o.ninputs || nremoves || nremove_ws || o.ndjson))
		return cg_cli_usage(prog, "--watch takes --workspace DIR and no other input or removal");
	if (!nremoves && !nremove_ws && !o.ninputs && !o.workspace && !o.doc_dir)
		return cg_cli_usage(prog, "no input: give files, a directory, '-', --workspace, --remove or --remove-workspace");
	if (!watch && wo.rebuild_cmd)
		return cg_cli_usage(prog, "--rebuild-cmd applies to --watch only");
	cg_err nerr = { 0 };
	if (o.name && cg_ws_check_name(o.name, &nerr))
		return cg_cli_usage(prog, "--name: %s", nerr.msg);
	if (!quiet && !watch && cg_cli_interactive())
		o.progress = progress;

	if (watch)
		cg_watch_block_signals();
	else if (!o.ndjson) /* a re-ingest where nothing changed writes nothing */
		oo.mode = CG_OPEN_WRITE_LATER;
	cg_err err = { 0 };
	cg_store *s = NULL;
	int rc = cg_store_open(cg_cli_store_dir(dir), &oo, &s, &err);
	if (rc) {
		cg_cli_error(prog, &err);
		return rc;
	}
	if (watch) {
		rc = run_watch(s, &wo, quiet);
		cg_store_close(s);
		return cg_cli_finish_change(prog, rc);
	}
	cg_apply_opts ao = { .load = o.ninputs || o.workspace || o.doc_dir ? &o : NULL,
			     .removes = (const char *const *)removes, .nremoves = nremoves,
			     .remove_workspaces = (const char *const *)remove_ws, .nremove_workspaces = nremove_ws,
			     .emit = quiet ? NULL : print_line };
	cg_apply_notes notes;
	rc = cg_apply_run(s, &ao, &notes, &err);
	if (notes.newer_format)
		fprintf(stderr, "%s: rustdoc format_version %d is newer than any this cg knows (%d to %d): read as %d\n",
			prog, notes.newer_format, CG_RUSTDOC_FORMAT_MIN, CG_RUSTDOC_FORMAT_VERSION, CG_RUSTDOC_FORMAT_VERSION);
	if (notes.no_lockfile)
		fprintf(stderr, "%s: no Cargo.lock (give --workspace or --lockfile): the crates get no Depends edges\n", prog);
	if (rc)
		cg_cli_error(prog, &err);
	cg_store_close(s);
	return cg_cli_finish_change(prog, rc);
}

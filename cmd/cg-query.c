/* cg-query: answer graph queries from the command line or from a stream of JSON query
 * objects on stdin, as NDJSON on stdout, with the store opened read-only. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cli.h"
#include "query/query.h"
#include "store/store.h"

static const char *const prog = "cg-query";

static void usage(void)
{
	printf("Usage: cg-query [OPTION]... KIND [ARG]... [QUERY-OPTION]...\n"
	       "       cg-query [OPTION]... [-]        (JSON query objects on stdin, one per line)\n"
	       "Answer questions about the code graph in a cg store, as NDJSON.\n\n"
	       "Kinds:\n"
	       "  vertex REF...                 what an id or a Rust path names (Type::method, std::vec::Vec,\n"
	       "                                re-exports, crate@version, PATH#KIND)\n"
	       "  find [NAME] [--match exact|prefix|substring|fuzzy] --prefix/--kind/--crate/--file\n"
	       "  at FILE:LINE[:COLUMN]         the innermost item whose span holds that place\n"
	       "  neighbors REF... [--out|--in|--both] [--type T,...]\n"
	       "  traverse REF... [--depth N] [--max-visited N] [--out|--in|--both] [--type T,...]\n"
	       "  path FROM TO [--type T,...] [--out|--in|--both]     shortest path\n"
	       "  callers X | users T | implementors R | dependents C  transitive reverse walks\n"
	       "  export [--format ndjson|dot] KIND ARG...   the subgraph a query reaches\n"
	       "  workspaces [CRATE[@VERSION]|ITEM]  which workspaces use a crate, contain an item\n"
	       "  stats | dump | explain KIND ARG...\n"
	       "  every kind takes --limit N; --id ID labels the answer lines; find, the walks\n"
	       "  and stats take --workspace NAME (only that workspace's crates)\n\n"
	       "Options:\n"
	       "  -d, --dir DIR            the store directory (default: $CG_DIR, then ./.cg)\n"
	       "  -e, --exit-status        exit 1 when nothing matched\n"
	       "      --strict             stop a stdin stream at its first bad line, and fail\n"
	       "                           instead of answering from only some shards\n"
	       "      --cache-vertices N   keep N decoded vertices between queries (default 65536)\n"
	       "      --warm               load the busiest vertices into that cache first\n"
	       "  -h, --help               show this help and exit\n"
	       "  -V, --version            show the version and exit\n\n"
	       "Edge types: Contains Calls Uses Implements Depends.\n"
	       "Exit status: 0 ok, 1 no such name (or, with -e, nothing matched), 2 bad query,\n"
	       "3 partial answer (a shard is missing), 65 bad stdin line or damaged record,\n"
	       "66 no store, 74 I/O error. See cg-query(1).\n");
}

static void notice(void *ctx, const char *text)
{
	(void)ctx;
	fprintf(stderr, "%s: %s\n", prog, text);
}

static int emit_line(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	return cg_cli_print_line(line, len);
}

typedef struct opts {
	const char *dir;
	int exit_status, strict, warm;
	long cache;
} opts;

/* Global options may also follow the query words: take them out wherever they stand.
 * A value given twice is refused, as cg_cli_next() refuses it for the other binaries. */
static int pull_globals(int *argc, char **argv, opts *o)
{
	int n = 0, cache_given = 0;
	for (int a = 0; a < *argc; a++) {
		const char *w = argv[a];
		int dir = !strcmp(w, "-d") || !strcmp(w, "--dir") || !strncmp(w, "--dir=", 6);
		int cache = !strcmp(w, "--cache-vertices") || !strncmp(w, "--cache-vertices=", 17);
		const char *eq = strchr(w, '=');
		if (!strcmp(w, "-e") || !strcmp(w, "--exit-status"))
			o->exit_status = 1;
		else if (!strcmp(w, "--strict"))
			o->strict = 1;
		else if (!strcmp(w, "--warm"))
			o->warm = 1;
		else if (!dir && !cache)
			argv[n++] = argv[a];
		else if ((dir && o->dir) || (cache && cache_given++))
			return cg_cli_usage(prog, "%s given more than once", dir ? "--dir" : "--cache-vertices");
		else if (!eq && a + 1 == *argc)
			return cg_cli_usage(prog, "option '%s' needs an argument", w);
		else if (dir)
			o->dir = eq ? eq + 1 : argv[++a];
		else if (cg_cli_parse_int(eq ? eq + 1 : argv[++a], 0, 1L << 30, &o->cache) < 0)
			return cg_cli_usage(prog, "--cache-vertices: '%s' is not a number", eq ? eq + 1 : argv[a]);
	}
	*argc = n;
	return 0;
}

static void bad_line(void *ctx, size_t lineno, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s: line %zu: %s\n", prog, lineno, msg);
}

/* A write error stops the stream; cg_cli_finish reports it. */
static int flush_answers(void *ctx)
{
	(void)ctx;
	return cg_cli_flush() < 0;
}

/* Answers stdin's query objects, or the one query of the command line; reports a failure. */
static int answer(cg_query_engine *q, json_t *req, int strict, size_t *total)
{
	cg_err err = { 0 };
	cg_query_stream_opts so = { .strict = strict, .bad_line = bad_line, .idle = flush_answers };
	cg_query_stream_counts c = { 0 };
	int rc = req ? cg_query_run(q, req, total, &err) : cg_query_stream(q, stdin, &so, &c, &err);
	if (!req)
		*total = c.answers;
	if (rc)
		return cg_cli_fail(prog, rc, &err);
	return c.bad ? CG_EDATA : CG_OK; /* each bad line has been reported */
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	opts o = { .cache = 65536 };
	int c;
	argc--, argv++;
	if (pull_globals(&argc, argv, &o))
		return CG_EUSAGE;
	argc++, argv--;
	/* only --help and --version remain for getopt; query words start at the first word */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': usage(); return cg_cli_finish(prog, 0);
		case 'V': return cg_cli_finish(prog, cg_cli_version(prog));
		default: optind--; goto words; /* a query option such as --name: let the parser judge */
		}
	}
words:;
	int stream = optind >= argc || !strcmp(argv[optind], "-");
	json_t *req = NULL;
	cg_err err = { 0 };
	if (stream && optind + 1 < argc)
		return cg_cli_usage(prog, "unexpected argument '%s' after '-'", argv[optind + 1]);
	if (!stream && cg_query_from_argv(argc - optind, argv + optind, &req, &err))
		return cg_cli_usage(prog, "%s", err.msg);

	cg_store *s = NULL;
	cg_query_engine *q = NULL;
	cg_open_opts oo = { .mode = CG_OPEN_READ };
	cg_query_opts qo = { .strict = o.strict, .warm = o.warm ? (size_t)o.cache : 0, .cache_vertices = (size_t)o.cache,
			     .emit = emit_line, .closing = stream, .raw_text = !stream, .notice = stream ? NULL : notice };
	size_t total = 0;
	int rc = cg_store_open(cg_cli_store_dir(o.dir), &oo, &s, &err);
	if (!rc)
		rc = cg_query_open(s, &qo, &q, &err);
	if (rc)
		cg_cli_error(prog, &err);
	else
		rc = answer(q, req, o.strict, &total);
	if (!rc && o.exit_status && total == 0 && !cg_cli_stdout_errno())
		rc = CG_ENEGATIVE;
	if (!rc && q && cg_query_partial(q))
		rc = CG_EPARTIAL; /* the answers say "partial"; so does the exit status */
	json_decref(req);
	cg_query_close(q);
	cg_store_close(s);
	return cg_cli_finish(prog, rc);
}

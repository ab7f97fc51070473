/* cg-query: answer graph queries from the command line or from a stream of JSON query
 * objects on stdin, as NDJSON on stdout, with the store opened read-only. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cli.h"
#include "query/query.h"
#include "query/serve.h"
#include "store/store.h"

static const char *const prog = "cg-query";

/* A server keeps what its clients' processes could not: a million decoded vertices (about
 * 170 MB at bench L) and, unless CG_CACHE_MB says otherwise, a block cache of 1 GiB (filled
 * only as far as queries read). */
#define SERVE_CACHE_VERTICES (1L << 20)
#define SERVE_CACHE_MB 1024

static void usage(void)
{
	printf("Usage: cg-query [OPTION]... KIND [ARG]... [QUERY-OPTION]...\n"
	       "       cg-query [OPTION]... [-]        (JSON query objects on stdin, one per line)\n"
	       "       cg-query [-d DIR] --serve [--idle SECONDS]   (answer other cg-query processes)\n"
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
	       "      --cache-vertices N   keep N decoded vertices between queries (default 65536;\n"
	       "                           with --serve 1048576)\n"
	       "      --warm               load the busiest vertices into that cache first\n"
	       "      --serve              keep the store open and answer cg-query processes on\n"
	       "                           DIR/cg-query.sock\n"
	       "      --idle SECONDS       with --serve: exit after SECONDS with no client\n"
	       "                           (default 600, 0: never)\n"
	       "      --server             ask only that server (exit 66 when none answers)\n"
	       "      --no-server          never ask it: open the store here (also CG_NO_SERVER=1);\n"
	       "                           CG_SERVE=1 starts a server when none answers\n"
	       "  -h, --help               show this help and exit\n"
	       "  -V, --version            show the version and exit\n\n"
	       "Edge types: Contains Calls Uses Implements Depends.\n"
	       "Exit status: 0 ok, 1 no such name (or, with -e, nothing matched), 2 bad query,\n"
	       "3 partial answer (a shard is missing), 65 bad stdin line or damaged record,\n"
	       "66 no store, 74 I/O error, 75 --serve: another server serves the store. See cg-query(1).\n");
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
	int exit_status, strict, warm, serve;
	int server; /* 1: --server (only through it), -1: --no-server, 0: when one answers */
	long cache, idle;
} opts;

static int flag(const char *w, opts *o)
{
	if (!strcmp(w, "-e") || !strcmp(w, "--exit-status"))
		o->exit_status = 1;
	else if (!strcmp(w, "--strict"))
		o->strict = 1;
	else if (!strcmp(w, "--warm"))
		o->warm = 1;
	else if (!strcmp(w, "--serve"))
		o->serve = 1;
	else if (!strcmp(w, "--server") || !strcmp(w, "--no-server"))
		o->server = o->server && o->server != (w[2] == 's' ? 1 : -1) ? 2 : w[2] == 's' ? 1 : -1; /* 2: both */
	else
		return 0;
	return 1;
}

static const char *const value_names[] = { "--dir", "--cache-vertices", "--idle" };

/* Which global option that takes a value w is (1 + its index in value_names), 0: none. */
static int value_opt(const char *w)
{
	if (!strcmp(w, "-d"))
		return 1;
	for (int i = 0; i < 3; i++) {
		size_t n = strlen(value_names[i]);
		if (!strncmp(w, value_names[i], n) && (w[n] == '\0' || w[n] == '='))
			return i + 1;
	}
	return 0;
}

static int set_value(opts *o, int which, const char *v)
{
	if (which == 1)
		o->dir = v;
	else if (cg_cli_parse_int(v, 0, which == 2 ? 1L << 30 : 1L << 31, which == 2 ? &o->cache : &o->idle) < 0)
		return cg_cli_usage(prog, "%s: '%s' is not a number", value_names[which - 1], v);
	return 0;
}

/* Global options may also follow the query words: take them out wherever they stand.
 * A value given twice is refused, as cg_cli_next() refuses it for the other binaries. */
static int pull_globals(int *argc, char **argv, opts *o)
{
	int n = 0;
	unsigned given = 0;
	for (int a = 0; a < *argc; a++) {
		const char *w = argv[a], *eq = strchr(w, '=');
		int which = value_opt(w);
		if (flag(w, o))
			continue;
		if (!which)
			argv[n++] = argv[a];
		else if (given & (1u << which))
			return cg_cli_usage(prog, "%s given more than once", value_names[which - 1]);
		else if (!eq && a + 1 == *argc)
			return cg_cli_usage(prog, "option '%s' needs an argument", w);
		else if (given |= 1u << which, set_value(o, which, eq ? eq + 1 : argv[++a]))
			return CG_EUSAGE;
	}
	*argc = n;
	if (o->server == 2)
		return cg_cli_usage(prog, "--server cannot be combined with --no-server");
	if ((given & (1u << 3)) && !o->serve)
		return cg_cli_usage(prog, "--idle is an option of --serve");
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

/* The same through a server (serve.h), or CG_SERVE_NONE when none answered. */
static int ask_server(const opts *o, json_t *req, size_t *total, int *partial, int *absent)
{
	cg_err err = { 0 };
	cg_serve_ask a = { .req = req, .in_fd = STDIN_FILENO, .strict = o->strict, .require = o->server == 1,
			   .emit = emit_line, .note = notice, .flush = flush_answers };
	cg_serve_result res;
	int rc = cg_serve_query(cg_cli_store_dir(o->dir), &a, &res, &err);
	*absent = res.absent;
	if (rc == CG_SERVE_NONE)
		return rc;
	*total = res.answers;
	*partial = res.partial;
	if (rc)
		return cg_cli_fail(prog, rc, &err);
	return res.bad ? CG_EDATA : CG_OK;
}

static int env_set(const char *name)
{
	const char *v = getenv(name);
	return v && *v && strcmp(v, "0");
}

static int use_server(const opts *o)
{
	return o->server == 1 || (!o->server && !env_set("CG_NO_SERVER"));
}

/* CG_SERVE=1 and nothing listened: a server for the processes that follow (this one has
 * answered already). One that cannot be started is no failure of this query's. */
static void start_server(const opts *o, int rc)
{
	cg_err err = { 0 };
	if (rc != CG_ENOINPUT && env_set("CG_SERVE"))
		(void)cg_serve_spawn("/proc/self/exe", cg_cli_store_dir(o->dir), &err);
}

/* Opens the store here. */
static int answer_here(const opts *o, json_t *req, size_t *total, int *partial)
{
	cg_err err = { 0 };
	cg_store *s = NULL;
	cg_query_engine *q = NULL;
	cg_open_opts oo = { .mode = CG_OPEN_READ };
	cg_query_opts qo = { .strict = o->strict, .warm = o->warm ? (size_t)o->cache : 0,
			     .cache_vertices = (size_t)o->cache, .emit = emit_line, .closing = !req,
			     .raw_text = req != NULL, .notice = req ? notice : NULL };
	int rc = cg_store_open(cg_cli_store_dir(o->dir), &oo, &s, &err);
	if (!rc)
		rc = cg_query_open(s, &qo, &q, &err);
	if (rc)
		cg_cli_error(prog, &err);
	else
		rc = answer(q, req, o->strict, total);
	*partial = q && cg_query_partial(q);
	cg_query_close(q);
	cg_store_close(s);
	return rc;
}

static int serve(const opts *o)
{
	cg_err err = { 0 };
	const char *env = getenv("CG_CACHE_MB");
	cg_serve_opts so = { .idle_s = o->idle, .cache_vertices = (size_t)o->cache,
			     .warm = o->warm ? (size_t)o->cache : 0, .cache_mb = env && *env ? 0 : SERVE_CACHE_MB };
	int rc = cg_serve(cg_cli_store_dir(o->dir), &so, &err);
	if (rc)
		cg_cli_error(prog, &err);
	return cg_cli_finish(prog, rc);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	opts o = { .cache = -1, .idle = 600 };
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
	if (o.serve && optind < argc)
		return cg_cli_usage(prog, "--serve answers queries from clients, not '%s'", argv[optind]);
	if (o.cache < 0)
		o.cache = o.serve ? SERVE_CACHE_VERTICES : 65536;
	if (o.serve)
		return serve(&o);
	if (stream && optind + 1 < argc)
		return cg_cli_usage(prog, "unexpected argument '%s' after '-'", argv[optind + 1]);
	if (!stream && cg_query_from_argv(argc - optind, argv + optind, &req, &err))
		return cg_cli_usage(prog, "%s", err.msg);

	size_t total = 0;
	int partial = 0, absent = 0;
	/* a server first: a one-shot query that it answers never loads a RocksDB table */
	int rc = use_server(&o) ? ask_server(&o, req, &total, &partial, &absent) : CG_SERVE_NONE;
	if (rc == CG_SERVE_NONE) {
		rc = answer_here(&o, req, &total, &partial);
		if (absent)
			start_server(&o, rc);
	}
	if (!rc && o.exit_status && total == 0 && !cg_cli_stdout_errno())
		rc = CG_ENEGATIVE;
	if (!rc && partial)
		rc = CG_EPARTIAL; /* the answers say "partial"; so does the exit status */
	json_decref(req);
	return cg_cli_finish(prog, rc);
}

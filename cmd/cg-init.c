/* cg-init: create an empty cg store and describe it as one NDJSON line. */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/cli.h"
#include "store/store.h"

static const char *const prog = "cg-init";

static void usage(void)
{
	printf("Usage: cg-init [OPTION]... [DIR]\n"
	       "Create an empty cg store in DIR (default: -d, $CG_DIR, then ./.cg).\n\n"
	       "  -d, --dir DIR          the store directory\n"
	       "      --shards N         split the graph over N RocksDB instances (1..%d, default 1)\n"
	       "      --shard-dir K=PATH place shard K in PATH (e.g. on another disk)\n"
	       "      --cache-mb N       default block cache size for this store (MiB, default 64)\n"
	       "  -q, --quiet            print nothing on success\n"
	       "  -h, --help             show this help and exit\n"
	       "  -V, --version          show the version and exit\n\n"
	       "Exit status: 0 created, 2 usage, 66 parent missing, 73 already exists or not empty,\n"
	       "74 I/O error. See cg-init(1) and cg(7).\n", CG_MAX_SHARDS);
}

static json_t *describe(const char *dir, const cg_manifest *m)
{
	char created[32], *abs = realpath(dir, NULL);
	time_t t = (time_t)m->created;
	strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	json_t *dirs = json_array();
	for (int i = 0; i < m->shards; i++)
		json_array_append_new(dirs, json_string(m->shard_dirs[i]));
	json_t *o = json_pack("{s:s, s:s, s:i, s:i, s:i, s:s, s:s, s:o}", "store", abs ? abs : dir,
			      "format", m->format, "schema_version", m->schema_version, "shards",
			      m->shards, "cache_mb", m->cache_mb, "created", created, "created_by",
			      m->created_by, "shard_dirs", dirs);
	free(abs);
	return o;
}

/* "K=PATH" for --shard-dir; returns 0 or the usage error it reported (each K once) */
static int parse_shard_dir(char *arg, cg_init_opts *o)
{
	char *eq = strchr(arg, '=');
	long k;
	if (eq)
		*eq = '\0';
	if (!eq || eq[1] == '\0' || cg_cli_parse_int(arg, 0, CG_MAX_SHARDS - 1, &k) < 0)
		return cg_cli_usage(prog, "--shard-dir: expected K=PATH with K in 0..%d", CG_MAX_SHARDS - 1);
	if (o->shard_dirs[k])
		return cg_cli_usage(prog, "--shard-dir: shard %ld given more than once", k);
	o->shard_dirs[k] = eq + 1;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "shards", required_argument, NULL, 's' },
		{ "shard-dir", required_argument, NULL, 'S' },
		{ "cache-mb", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0 },
	};
	cg_init_opts o = { .shards = 1 };
	const char *dir = NULL;
	int quiet = 0, c;
	long n;
	cg_cli cli = { .prog = prog, .shortopts = "d:q", .longopts = longopts, .usage = usage, .operands = 1,
		       .repeatable = (const int[]){ 'S', 0 } };
	while ((c = cg_cli_next(&cli, argc, argv)) >= 0) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 's':
			if (cg_cli_parse_int(optarg, 1, CG_MAX_SHARDS, &n) < 0)
				return cg_cli_usage(prog, "--shards: '%s' is not a number in 1..%d", optarg, CG_MAX_SHARDS);
			o.shards = (int)n;
			break;
		case 'S':
			if (parse_shard_dir(optarg, &o))
				return CG_EUSAGE;
			break;
		case 'c':
			if (cg_cli_parse_int(optarg, 1, 1 << 20, &n) < 0)
				return cg_cli_usage(prog, "--cache-mb: '%s' is not a number in 1..1048576", optarg);
			o.cache_mb = (int)n;
			break;
		case 'q': quiet = 1; break;
		}
	}
	if (c == CG_CLI_EXIT)
		return cli.status;
	if (optind < argc && dir)
		return cg_cli_usage(prog, "give the directory either as -d DIR or as an argument, not both");
	dir = optind < argc ? argv[optind] : cg_cli_store_dir(dir);
	for (int i = o.shards; i < CG_MAX_SHARDS; i++)
		if (o.shard_dirs[i])
			return cg_cli_usage(prog, "--shard-dir %d: the store has only %d shard(s)", i, o.shards);

	cg_err err = { 0 };
	int rc = cg_store_init(dir, &o, &err);
	if (rc) {
		cg_cli_error(prog, &err);
		return rc;
	}
	if (!quiet) {
		cg_manifest m;
		if ((rc = cg_store_read_manifest(dir, &m, &err))) {
			cg_cli_error(prog, &err);
			return rc;
		}
		json_t *desc = describe(dir, &m);
		if (!desc)
			rc = CG_EINTERNAL;
		else
			cg_cli_print_json(desc); /* cg_cli_finish_change reports a failure */
		json_decref(desc);
		cg_manifest_free(&m);
	}
	return cg_cli_finish_change(prog, rc);
}

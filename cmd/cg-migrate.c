/* cg-migrate: upgrade a store's record schema in place, or move it to another shard count;
 * both crash-safe and resumable, both printing one NDJSON line. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cli.h"
#include "maint/migrate.h"
#include "base/clock.h"

static const char *const prog = "cg-migrate";

static void usage(void)
{
	printf("Usage: cg-migrate [OPTION]...\n"
	       "       cg-migrate --reshard N [OPTION]...\n"
	       "Upgrade a cg store's records to the schema version this cg writes (%d), in place;\n"
	       "or, with --reshard, move the store to N shards. A kill at any moment leaves a store\n"
	       "that opens (old or new), and running the command again finishes the job.\n\n"
	       "  -d, --dir DIR          the store (default: $CG_DIR, then ./.cg)\n"
	       "      --to VERSION       the schema version to reach (default %d; older is refused)\n"
	       "      --reshard N        move the store to N shards (1..%d) instead\n"
	       "  -n, --dry-run          count what would change; change nothing\n"
	       "      --chunk N          records per flushed batch when upgrading (default %d)\n"
	       "  -q, --quiet            no output on stdout\n"
	       "  -h, --help             show this help and exit\n"
	       "  -V, --version          show the version and exit\n\n"
	       "Prints one NDJSON line: from, to, status (upgraded, resharded, nothing to do,\n"
	       "dry run), what was rewritten or copied, ms.\n"
	       "Exit status: 0 done (also when nothing was to do), 2 usage, 65 downgrade refused or\n"
	       "damaged record, 66 no store, 70 reshard check failed (store unchanged), 74 I/O\n"
	       "error, 75 store locked by another writer. See cg-migrate(1).\n",
	       CG_SCHEMA_VERSION, CG_SCHEMA_VERSION, CG_MAX_SHARDS, CG_MIGRATE_CHUNK);
}

/* milliseconds to three decimals */
static double ms3(double ms)
{
	return (double)(long long)(ms * 1e3 + 0.5) / 1e3;
}

static int print(json_t *o)
{
	int rc = o ? cg_cli_print_json(o) : -1;
	json_decref(o);
	return rc;
}

static const char *status(int nothing, int dry, const char *done)
{
	return nothing ? "nothing to do" : dry ? "dry run" : done;
}

static int report_schema(const cg_migrate_result *r, int dry, double ms)
{
	json_t *types = json_object();
	for (int t = CG_REC_VERTEX; t <= CG_REC_META; t++)
		json_object_set_new(types, cg_rec_type_name(t), json_integer((json_int_t)r->by_type[t]));
	return print(json_pack("{s:i, s:i, s:s, s:I, s:I, s:o, s:I, s:f}", "from", r->from, "to", r->to,
			       "status", status(r->nothing_to_do, dry, "upgraded"), "records", (json_int_t)r->scanned,
			       "rewritten", (json_int_t)r->rewritten, "by_type", types,
			       "batches", (json_int_t)r->batches, "ms", ms3(ms)));
}

static int report_reshard(const cg_reshard_result *r, int dry, double ms)
{
	json_t *per = json_array();
	for (int i = 0; i < r->to && !r->nothing_to_do; i++)
		json_array_append_new(per, json_integer((json_int_t)r->per_shard[i]));
	return print(json_pack("{s:b, s:i, s:i, s:s, s:I, s:I, s:o, s:s?, s:b, s:b, s:f}", "reshard", 1,
			       "from", r->from, "to", r->to,
			       "status", status(r->nothing_to_do, dry, "resharded"), "keys", (json_int_t)r->keys,
			       "bytes", (json_int_t)r->bytes, "keys_per_shard", per,
			       "dir", r->new_dir[0] ? r->new_dir : NULL, "cleaned", r->cleaned,
			       "old_shards_kept", r->old_kept, "ms", ms3(ms)));
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "to", required_argument, NULL, 't' },
		{ "reshard", required_argument, NULL, 'r' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0 },
	};
	const char *dir = NULL;
	cg_migrate_opts mo = { 0 };
	cg_reshard_opts ro = { 0 };
	cg_err err = { 0 };
	int quiet = 0, c, rc;
	long n;
	cg_cli cli = { .prog = prog, .shortopts = "d:nq", .longopts = longopts, .usage = usage };
	while ((c = cg_cli_next(&cli, argc, argv)) >= 0) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 't':
			if (cg_cli_parse_int(optarg, 1, 255, &n) < 0)
				return cg_cli_usage(prog, "--to: '%s' is not a schema version", optarg);
			mo.to = (int)n;
			break;
		case 'r':
			if (cg_cli_parse_int(optarg, 1, CG_MAX_SHARDS, &n) < 0)
				return cg_cli_usage(prog, "--reshard: '%s' is not a shard count (1..%d)", optarg, CG_MAX_SHARDS);
			ro.shards = (int)n;
			break;
		case 'n': mo.dry_run = ro.dry_run = 1; break;
		case 'c':
			if (cg_cli_parse_int(optarg, 1, 1L << 30, &n) < 0)
				return cg_cli_usage(prog, "--chunk: '%s' is not a positive number", optarg);
			mo.chunk = n;
			break;
		case 'q': quiet = 1; break;
		}
	}
	if (c == CG_CLI_EXIT)
		return cli.status;
	if (ro.shards && (mo.to || mo.chunk))
		return cg_cli_usage(prog, "--reshard is a run of its own: not with --to or --chunk");

	double t0 = cg_clock_us() / 1e3;
	if (ro.shards) {
		cg_reshard_result res;
		rc = cg_migrate_reshard(cg_cli_store_dir(dir), &ro, &res, &err);
		if (!rc && !quiet)
			report_reshard(&res, ro.dry_run, (cg_clock_us() / 1e3) - t0);
	} else {
		cg_migrate_result res;
		rc = cg_migrate_schema(cg_cli_store_dir(dir), &mo, &res, &err);
		if (!rc && !quiet)
			report_schema(&res, mo.dry_run, (cg_clock_us() / 1e3) - t0);
	}
	if (rc == CG_EUSAGE)
		return cg_cli_usage(prog, "%s", err.msg);
	if (rc)
		cg_cli_error(prog, &err);
	return cg_cli_finish_change(prog, rc); /* reports a report that could not be written */
}

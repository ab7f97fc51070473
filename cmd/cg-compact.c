/* cg-compact: manual compaction of a store (every shard, one key family or a key range),
 * printing sizes, files per level and write amplification before and after as NDJSON. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cli.h"
#include "maint/compact.h"
#include "codec/keytext.h"
#include "store/store.h"
#include "base/clock.h"

static const char *const prog = "cg-compact";

static void usage(void)
{
	printf("Usage: cg-compact [OPTION]...\n"
	       "Compact every shard of a cg store down to the bottommost level (LZ4HC), or only one key\n"
	       "family or key range. Prints one NDJSON line per shard before and after, then a summary.\n\n"
	       "  -d, --dir DIR          the store directory (default: $CG_DIR, then ./.cg)\n"
	       "      --family F         only keys of family F: v, e, i or m\n"
	       "      --from KEY         start of the range, a readable key or prefix (e.g. e:00ab...)\n"
	       "      --to KEY           end of the range (inclusive)\n"
	       "      --max-seconds N    stop compacting after N seconds (the rest is left as it was)\n"
	       "      --wait             if another writer holds the store, wait for it instead of exiting 75\n"
	       "  -q, --quiet            print nothing on success\n"
	       "  -h, --help             show this help and exit\n"
	       "  -V, --version          show the version and exit\n\n"
	       "Exit status: 0 done (also when --max-seconds cut it short), 2 usage, 66 no store,\n"
	       "74 I/O error, 75 the store is locked by a writer. See cg-compact(1).\n");
}

static json_t *levels_json(const uint64_t *v)
{
	json_t *a = json_array();
	for (int i = 0; i < CG_SST_MAX_LEVELS; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i]));
	return a;
}

static json_t *sizes_json(int shard, const char *phase, const cg_sst_set *set)
{
	return json_pack("{s:i, s:s, s:I, s:I, s:o, s:o}", "shard", shard, "phase", phase,
			 "sst_bytes", (json_int_t)set->bytes, "files", (json_int_t)set->n,
			 "files_per_level", levels_json(set->level_files),
			 "bytes_per_level", levels_json(set->level_bytes));
}

static int print(json_t *o)
{
	int rc = o ? cg_cli_print_json(o) : -1;
	json_decref(o);
	return rc;
}

static int report(const cg_compact_result *res, double seconds)
{
	uint64_t before = 0, after = 0;
	int complete = !res->timed_out;
	for (int i = 0; i < res->nshards; i++) {
		const cg_compact_shard *r = &res->shard[i];
		complete &= r->done;
		before += r->before.bytes;
		after += r->done ? r->after.bytes : r->before.bytes;
		if (!r->before.files && !r->done)
			continue; /* never reached: the time ran out before this shard */
		json_t *a = sizes_json(i, "after", &r->after);
		if (a)
			json_object_update_new(a, json_pack("{s:I, s:I, s:f, s:I, s:b}",
				"read_bytes", (json_int_t)r->read_bytes, "written_bytes", (json_int_t)r->written_bytes,
				"write_amp", r->read_bytes ? (double)r->written_bytes / (double)r->read_bytes : 0.0,
				"ms", (json_int_t)(r->seconds * 1000.0 + 0.5), "complete", r->done));
		if (print(sizes_json(i, "before", &r->before)) < 0 || print(a) < 0)
			return -1;
	}
	return print(json_pack("{s:b, s:i, s:b, s:b, s:I, s:I, s:I}", "summary", 1, "shards", res->nshards,
			       "complete", complete, "timed_out", res->timed_out,
			       "sst_bytes_before", (json_int_t)before, "sst_bytes_after", (json_int_t)after,
			       "ms", (json_int_t)(seconds * 1000.0 + 0.5)));
}

/* Opens the store as its writer; with wait, retries once a second while another writer has it. */
static int open_writer(const char *dir, int wait, cg_store **s, cg_err *err)
{
	cg_open_opts oo = { .mode = CG_OPEN_WRITE };
	int rc;
	while ((rc = cg_store_open(dir, &oo, s, err)) == CG_ELOCKED && wait)
		sleep(1);
	return rc;
}

static int family_range(const char *f, cg_buf *lo, cg_buf *hi)
{
	if (strlen(f) != 1 || !strchr("veim", f[0]))
		return -1;
	cg_buf_reset(lo);
	cg_buf_reset(hi);
	return cg_buf_putc(lo, (uint8_t)f[0]) || cg_buf_putc(hi, (uint8_t)(f[0] + 1)) ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "family", required_argument, NULL, 'f' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "max-seconds", required_argument, NULL, 'm' },
		{ "wait", no_argument, NULL, 'w' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0 },
	};
	const char *dir = NULL, *family = NULL, *from = NULL, *to = NULL;
	cg_compact_opts co = { 0 };
	cg_buf lo = { 0 }, hi = { 0 };
	cg_err err = { 0 };
	int quiet = 0, wait = 0, c, rc = CG_OK;
	long n;
	cg_cli cli = { .prog = prog, .shortopts = "d:q", .longopts = longopts, .usage = usage,
		       .exclusive = (const int[][2]){ { 'f', 'F' }, { 'f', 'T' }, { 0, 0 } } };
	while ((c = cg_cli_next(&cli, argc, argv)) >= 0) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'f': family = optarg; break;
		case 'F': from = optarg; break;
		case 'T': to = optarg; break;
		case 'm':
			if (cg_cli_parse_int(optarg, 1, 1L << 30, &n) < 0)
				return cg_cli_usage(prog, "--max-seconds: '%s' is not a positive number", optarg);
			co.max_seconds = (double)n;
			break;
		case 'w': wait = 1; break;
		case 'q': quiet = 1; break;
		}
	}
	if (c == CG_CLI_EXIT)
		return cli.status;
	if (family && family_range(family, &lo, &hi) < 0)
		rc = cg_cli_usage(prog, "--family: '%s' is not one of v, e, i, m", family);
	else if (from && cg_keytext_parse(from, &lo, &err))
		rc = cg_cli_usage(prog, "--from: %s", err.msg);
	else if (to && cg_keytext_parse(to, &hi, &err))
		rc = cg_cli_usage(prog, "--to: %s", err.msg);
	if (rc)
		goto out;
	co.lo = lo.len ? lo.data : NULL;
	co.lo_len = lo.len;
	co.hi = hi.len ? hi.data : NULL;
	co.hi_len = hi.len;

	double t0 = cg_clock_us() / 1e6;
	cg_store *s = NULL;
	cg_compact_result res = { 0 };
	rc = open_writer(cg_cli_store_dir(dir), wait, &s, &err);
	if (!rc)
		rc = cg_compact_run(s, &co, &res, &err);
	if (!rc && !quiet)
		report(&res, (cg_clock_us() / 1e6) - t0); /* cg_cli_finish_change reports a failure */
	if (rc)
		cg_cli_error(prog, &err);
	cg_compact_result_free(&res);
	cg_store_close(s);
out:
	cg_buf_free(&lo);
	cg_buf_free(&hi);
	return cg_cli_finish_change(prog, rc);
}

/* cg-verify: check a store end to end and report every problem as one NDJSON finding. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/cli.h"
#include "store/store.h"
#include "maint/verify.h"

static const char *const prog = "cg-verify";

#define DEFAULT_SAMPLE 16

static void usage(void)
{
	printf("Usage: cg-verify [OPTION]...\n"
	       "Check a cg store: RocksDB block checksums, every record, edge twins, index entries,\n"
	       "edge endpoints, manifest and shards, per-unit metadata. Prints one NDJSON line per\n"
	       "problem, then a summary line.\n\n"
	       "  -d, --dir DIR          the store directory (default: $CG_DIR, then ./.cg)\n"
	       "      --quick[=N]        cross-check only 1 in N vertices (with their edges and index entries)\n"
	       "                         (default N %d); checksums and records are still read in full\n"
	       "      --metrics FILE     write Prometheus textfile-collector metrics to FILE\n"
	       "  -q, --quiet            print findings only (nothing when the store is clean)\n"
	       "  -h, --help             show this help and exit\n"
	       "  -V, --version          show the version and exit\n\n"
	       "Exit status: 0 clean, 1 problems found, 2 usage, 66 no store, 74 store unreadable,\n"
	       "70 internal error. See cg-verify(1).\n", DEFAULT_SAMPLE);
}

static int print_finding(void *ctx, const cg_finding *f)
{
	(void)ctx;
	json_t *o = json_pack("{s:s, s:i}", "finding", cg_finding_name(f->kind), "shard", f->shard);
	if (!o)
		return -1;
	if (f->shard < 0)
		json_object_set_new(o, "shard", json_null());
	if (f->key)
		json_object_set_new(o, "key", json_string(f->key));
	if (f->sst)
		json_object_set_new(o, "sst", json_string(f->sst));
	json_object_set_new(o, "detail", json_string(f->detail));
	int rc = cg_cli_print_json(o);
	json_decref(o);
	return rc;
}

static int print_summary(const cg_verify_stats *st, unsigned sample)
{
	json_t *o = json_pack("{s:b, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I}, s:i, s:i, s:I, s:I, s:I, s:i}",
			      "summary", 1, "keys", (json_int_t)st->keys, "problems", (json_int_t)st->problems,
			      "ms", (json_int_t)(st->seconds * 1000.0 + 0.5), "families",
			      "v", (json_int_t)st->family[0], "e", (json_int_t)st->family[1],
			      "i", (json_int_t)st->family[2], "m", (json_int_t)st->family[3],
			      "shards", st->shards, "shards_read", st->shards_read,
			      "units", (json_int_t)st->units, "sst_files", (json_int_t)st->sst_files,
			      "sst_bytes", (json_int_t)st->sst_bytes, "sample", sample > 1 ? (int)sample : 1);
	int rc = o ? cg_cli_print_json(o) : -1;
	json_decref(o);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "quick", optional_argument, NULL, 'Q' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0 },
	};
	const char *dir = NULL, *metrics = NULL;
	cg_verify_opts vo = { .sample = 1 };
	int quiet = 0, c;
	long n;
	cg_cli cli = { .prog = prog, .shortopts = "d:q", .longopts = longopts, .usage = usage };
	while ((c = cg_cli_next(&cli, argc, argv)) >= 0) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'Q':
			if (optarg && cg_cli_parse_int(optarg, 1, 1L << 30, &n) < 0)
				return cg_cli_usage(prog, "--quick: '%s' is not a number in 1..%ld", optarg, 1L << 30);
			vo.sample = optarg ? (unsigned)n : DEFAULT_SAMPLE;
			break;
		case 'M': metrics = optarg; break;
		case 'q': quiet = 1; break;
		}
	}
	if (c == CG_CLI_EXIT)
		return cli.status;
	dir = cg_cli_store_dir(dir);

	cg_err err = { 0 };
	cg_store *s = NULL;
	cg_open_opts oo = { .mode = CG_OPEN_READ };
	cg_verify_stats st;
	int rc = cg_store_open(dir, &oo, &s, &err);
	if (rc == CG_OK)
		rc = cg_verify_run(s, &vo, print_finding, NULL, &st, &err);
	if (metrics) { /* on every run, so that a dashboard sees a check that could not run */
		cg_err merr = { 0 };
		int mrc = cg_verify_write_metrics(metrics, dir, rc ? NULL : &st, vo.sample, &merr);
		if (mrc && rc)
			cg_cli_error(prog, &merr);
		else if (mrc)
			rc = mrc, err = merr;
	}
	if (rc == CG_OK && !quiet)
		print_summary(&st, vo.sample); /* cg_cli_finish reports a failure */
	if (rc == CG_EDATA)
		rc = CG_EIO; /* a manifest that cannot be read: the store cannot be checked */
	if (rc)
		cg_cli_error(prog, &err);
	else if (st.problems)
		rc = CG_ENEGATIVE;
	cg_store_close(s);
	return cg_cli_finish(prog, rc);
}

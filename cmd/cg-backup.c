/* cg-backup: incremental backups of a cg store (create, list, verify, restore, purge). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maint/backup.h"
#include "base/cli.h"

static const char *const prog = "cg-backup";

static void usage(void)
{
	printf("Usage: cg-backup create [-d DIR] [--wait] BACKUPDIR\n"
	       "       cg-backup list BACKUPDIR\n"
	       "       cg-backup verify [--id N] BACKUPDIR\n"
	       "       cg-backup restore [--id N] BACKUPDIR NEWDIR\n"
	       "       cg-backup purge --keep N BACKUPDIR\n"
	       "Incremental backups of a cg store: a new backup copies only SST files the earlier ones\n"
	       "do not hold. Output is NDJSON.\n\n"
	       "  -d, --dir DIR          the store to back up (default: $CG_DIR, then ./.cg)\n"
	       "      --wait             create: wait while another writer holds the store (else exit 75)\n"
	       "      --id N             verify or restore backup N (default: every / the newest)\n"
	       "      --keep N           purge: keep the newest N backups (N >= 1)\n"
	       "  -q, --quiet            print nothing on success\n"
	       "  -h, --help             show this help and exit\n"
	       "  -V, --version          show the version and exit\n\n"
	       "Exit status: 0 ok, 1 verify found a damaged backup, 2 usage, 65 damaged store or a\n"
	       "BACKUPDIR of another store (or of two), 66 no store or backup,\n"
	       "73 restore target not empty, 74 I/O error, 75 store locked. See cg-backup(1).\n");
}

static int print_each(json_t *arr, const char *const *drop)
{
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e) {
		json_t *o = json_deep_copy(e);
		for (int k = 0; drop && drop[k]; k++)
			json_object_del(o, drop[k]);
		int rc = o ? cg_cli_print_json(o) : -1;
		json_decref(o);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int print_new(json_t *o)
{
	int rc = o ? cg_cli_print_json(o) : -1;
	json_decref(o);
	return rc;
}

/* Runs one subcommand; out is what it prints, *bad counts failed verifications. */
static int run(const char *cmd, char **args, int nargs, const char *dir, int wait, unsigned id,
	       long keep, int quiet, int *bad, cg_err *err)
{
	static const char *const internal[] = { "shard_ids", "created", "created_by", "cache_mb", NULL };
	json_t *out = NULL;
	int rc;
	if (strcmp(cmd, "create") == 0) {
		if ((rc = cg_backup_create(cg_cli_store_dir(dir), args[0], wait, &out, err)) == CG_OK && !quiet) {
			for (const char *const *k = internal; *k; k++)
				json_object_del(out, *k);
			cg_cli_print_json(out);
		}
	} else if (strcmp(cmd, "list") == 0) {
		if ((rc = cg_backup_list(args[0], &out, err)) == CG_OK && !quiet)
			print_each(out, internal);
	} else if (strcmp(cmd, "verify") == 0) {
		rc = cg_backup_verify(args[0], id, &out, err);
		size_t i;
		json_t *e;
		json_array_foreach(out, i, e)
			*bad += !json_is_true(json_object_get(e, "ok"));
		if (!quiet || *bad || rc) /* with a refusal too: the lines say whose each backup is */
			print_each(out, NULL);
	} else if (strcmp(cmd, "restore") == 0) {
		unsigned used = 0;
		if ((rc = cg_backup_restore(args[0], args[1], id, &used, err)) == CG_OK && !quiet)
			print_new(json_pack("{s:s, s:s, s:I}", "restored", args[1], "from", args[0], "id", (json_int_t)used));
	} else {
		if ((rc = cg_backup_purge(args[0], (unsigned)keep, &out, err)) == CG_OK && !quiet)
			print_new(json_pack("{s:O, s:I}", "purged", out, "kept", (json_int_t)keep));
	}
	(void)nargs;
	json_decref(out);
	return rc; /* a report that could not be written: cg_cli_finish tells */
}

static int nargs_for(const char *cmd)
{
	static const char *const one[] = { "create", "list", "verify", "purge", NULL };
	for (int i = 0; one[i]; i++)
		if (strcmp(cmd, one[i]) == 0)
			return 1;
	return strcmp(cmd, "restore") == 0 ? 2 : -1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "wait", no_argument, NULL, 'w' },
		{ "id", required_argument, NULL, 'i' },
		{ "keep", required_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0 },
	};
	const char *dir = NULL;
	int wait = 0, quiet = 0, c, bad = 0;
	long id = 0, keep = -1;
	cg_cli cli = { .prog = prog, .shortopts = "d:q", .longopts = longopts, .usage = usage, .operands = -1 };
	while ((c = cg_cli_next(&cli, argc, argv)) >= 0) {
		switch (c) {
		case 'd': dir = optarg; break;
		case 'w': wait = 1; break;
		case 'i':
			if (cg_cli_parse_int(optarg, 1, 0x7fffffff, &id) < 0)
				return cg_cli_usage(prog, "--id: '%s' is not a backup id", optarg);
			break;
		case 'k':
			if (cg_cli_parse_int(optarg, 1, 0x7fffffff, &keep) < 0)
				return cg_cli_usage(prog, "--keep: '%s' is not a number >= 1", optarg);
			break;
		case 'q': quiet = 1; break;
		}
	}
	if (c == CG_CLI_EXIT)
		return cli.status;
	if (optind >= argc)
		return cg_cli_usage(prog, "missing command: create, list, verify, restore or purge");
	const char *cmd = argv[optind++];
	int want = nargs_for(cmd);
	if (want < 0)
		return cg_cli_usage(prog, "unknown command '%s'", cmd);
	if (argc - optind != want)
		return cg_cli_usage(prog, "%s takes %s", cmd, want == 2 ? "BACKUPDIR NEWDIR" : "BACKUPDIR");
	if (strcmp(cmd, "purge") == 0 && keep < 0)
		return cg_cli_usage(prog, "purge needs --keep N");
	if (keep >= 0 && strcmp(cmd, "purge") != 0)
		return cg_cli_usage(prog, "--keep is for purge");
	if (id && strcmp(cmd, "verify") != 0 && strcmp(cmd, "restore") != 0)
		return cg_cli_usage(prog, "--id is for verify and restore");

	cg_err err = { 0 };
	int rc = run(cmd, argv + optind, want, dir, wait, (unsigned)id, keep, quiet, &bad, &err);
	if (rc)
		cg_cli_error(prog, &err);
	else if (bad)
		rc = CG_ENEGATIVE;
	int changes = strcmp(cmd, "list") != 0 && strcmp(cmd, "verify") != 0;
	return changes ? cg_cli_finish_change(prog, rc) : cg_cli_finish(prog, rc);
}

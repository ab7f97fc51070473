/* cli: shared helpers for the binaries' main()s. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *cg_cli_store_dir(const char *opt)
{
	const char *env = getenv("CG_DIR");
	return opt ? opt : env && *env ? env : ".cg";
}

int cg_cli_parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

void cg_cli_error(const char *prog, const cg_err *err)
{
	fprintf(stderr, "%s: %s\n", prog, err->msg[0] ? err->msg : "unknown error");
}

int cg_cli_usage(const char *prog, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
	return CG_EUSAGE;
}

/* The option getopt_long() just refused (opterr = 0, optstring starting with ':'): c is ':'
 * for a missing argument, '?' for an unknown option. */
static int bad_option(const char *prog, int c, char *const *argv)
{
	const char *arg = argv[optind - 1];
	if (c == ':')
		return cg_cli_usage(prog, "option '%s' needs an argument", arg);
	if (optopt)
		return cg_cli_usage(prog, "unrecognized option '-%c'", optopt);
	return cg_cli_usage(prog, "unrecognized option '%s'", arg);
}

/* longopts plus help and version, and the optstring: ':' (report a missing argument as
 * ':'), the binary's letters, h and V. */
static int build_options(cg_cli *cli)
{
	static const struct option common[] = {
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' }, { 0 },
	};
	size_t n = 0, cap = sizeof cli->all / sizeof *cli->all;
	for (; cli->longopts[n].name; n++)
		if (n + 3 > cap)
			return 0;
	memcpy(cli->all, cli->longopts, n * sizeof *cli->all);
	memcpy(cli->all + n, common, sizeof common);
	int len = snprintf(cli->optstring, sizeof cli->optstring, ":%shV", cli->shortopts);
	return len > 0 && (size_t)len < sizeof cli->optstring;
}

/* "--name", or "-n" for an option with no long name. */
static void option_name(const cg_cli *cli, int val, char *buf, size_t cap)
{
	for (const struct option *o = cli->all; o->name; o++)
		if (o->val == val && !o->flag) {
			snprintf(buf, cap, "--%s", o->name);
			return;
		}
	snprintf(buf, cap, "-%c", val);
}

static int takes_value(const cg_cli *cli, int val)
{
	for (const struct option *o = cli->all; o->name; o++)
		if (o->val == val && !o->flag)
			return o->has_arg != no_argument;
	const char *p = val > 0 && val < 128 ? strchr(cli->shortopts, val) : NULL;
	return p && p[1] == ':';
}

static int listed(const int *vals, int val)
{
	for (; vals && *vals; vals++)
		if (*vals == val)
			return 1;
	return 0;
}

static int seen(const cg_cli *cli, int val)
{
	return val >= 0 && val < CG_CLI_MAXOPT && (cli->seen[val / 8] & (1u << (val % 8)));
}

/* Refuses a value option given again and an option whose exclusive partner came before. */
static int check_option(cg_cli *cli, int val)
{
	char a[64], b[64];
	if (seen(cli, val) && takes_value(cli, val) && !listed(cli->repeatable, val)) {
		option_name(cli, val, a, sizeof a);
		return cg_cli_usage(cli->prog, "%s given more than once", a);
	}
	if (val >= 0 && val < CG_CLI_MAXOPT)
		cli->seen[val / 8] |= (unsigned char)(1u << (val % 8));
	for (const int(*p)[2] = cli->exclusive; p && (*p)[0]; p++) {
		int other = (*p)[0] == val ? (*p)[1] : (*p)[1] == val ? (*p)[0] : 0;
		if (other && seen(cli, other)) {
			option_name(cli, val, a, sizeof a);
			option_name(cli, other, b, sizeof b);
			return cg_cli_usage(cli->prog, "%s cannot be combined with %s", a, b);
		}
	}
	return CG_OK;
}

int cg_cli_next(cg_cli *cli, int argc, char **argv)
{
	if (!cli->optstring[0] && !build_options(cli)) {
		fprintf(stderr, "%s: too many options for the option parser\n", cli->prog);
		cli->status = CG_EINTERNAL;
		return CG_CLI_EXIT;
	}
	opterr = 0;
	int c = getopt_long(argc, argv, cli->optstring, cli->all, NULL);
	switch (c) {
	case -1:
		if (cli->operands < 0 || argc - optind <= cli->operands)
			return -1;
		cli->status = cg_cli_usage(cli->prog, "unexpected argument '%s'", argv[optind + cli->operands]);
		return CG_CLI_EXIT;
	case 'h':
		cli->usage();
		cli->status = cg_cli_finish(cli->prog, CG_OK);
		return CG_CLI_EXIT;
	case 'V':
		cli->status = cg_cli_finish(cli->prog, cg_cli_version(cli->prog));
		return CG_CLI_EXIT;
	case ':':
	case '?':
		cli->status = bad_option(cli->prog, c, argv);
		return CG_CLI_EXIT;
	}
	cli->status = check_option(cli, c);
	return cli->status ? CG_CLI_EXIT : c;
}

int cg_cli_version(const char *prog)
{
	printf("%s (cg) %s\n", prog, CG_VERSION);
	return CG_OK;
}

/* The errno of the first failed write to stdout: by the time the binary finishes, errno
 * says something about whatever ran after it (a directory opened, say). */
static int stdout_errno;

static int write_failed(void)
{
	if (!stdout_errno)
		stdout_errno = errno ? errno : EIO;
	return -1;
}

int cg_cli_print_json(json_t *o)
{
	errno = 0;
	if (json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9)) < 0 ||
	    putchar('\n') == EOF)
		return write_failed();
	return 0;
}

int cg_cli_print_line(const char *line, size_t len)
{
	errno = 0;
	return fwrite(line, 1, len, stdout) != len || putchar('\n') == EOF ? write_failed() : 0;
}

int cg_cli_flush(void)
{
	errno = 0;
	return fflush(stdout) == EOF ? write_failed() : 0;
}

int cg_cli_stdout_errno(void)
{
	if ((cg_cli_flush() < 0 || ferror(stdout)) && !stdout_errno)
		stdout_errno = EIO;
	return stdout_errno;
}

int cg_cli_fail(const char *prog, int rc, const cg_err *err)
{
	int e = rc == CG_EIO ? cg_cli_stdout_errno() : 0;
	if (!e)
		cg_cli_error(prog, err);
	return e == EPIPE ? CG_OK : rc;
}

int cg_cli_finish(const char *prog, int rc)
{
	int e = cg_cli_stdout_errno();
	if (!e || e == EPIPE)
		return rc;
	fprintf(stderr, "%s: write error on standard output: %s\n", prog, strerror(e));
	return rc ? rc : CG_EIO;
}

int cg_cli_finish_change(const char *prog, int rc)
{
	int e = cg_cli_stdout_errno();
	if (!e || e == EPIPE || rc)
		return cg_cli_finish(prog, rc);
	fprintf(stderr, "%s: its work is done, but the report could not be written to standard output: %s\n",
		prog, strerror(e));
	return CG_EREPORT;
}

int cg_cli_interactive(void)
{
	return isatty(STDERR_FILENO);
}

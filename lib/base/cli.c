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

int cg_cli_bad_option(const char *prog, int c, char *const *argv)
{
	const char *arg = argv[optind - 1];
	if (c == ':')
		return cg_cli_usage(prog, "option '%s' needs an argument", arg);
	if (optopt)
		return cg_cli_usage(prog, "unrecognized option '-%c'", optopt);
	return cg_cli_usage(prog, "unrecognized option '%s'", arg);
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

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

int cg_cli_print_json(json_t *o)
{
	if (json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9)) < 0)
		return -1;
	return putchar('\n') == EOF ? -1 : 0;
}

int cg_cli_finish(const char *prog, int rc)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return rc;
	if (errno == EPIPE)
		return rc;
	fprintf(stderr, "%s: write error on standard output: %s\n", prog, strerror(errno));
	return rc ? rc : CG_EIO;
}

int cg_cli_interactive(void)
{
	return isatty(STDERR_FILENO);
}

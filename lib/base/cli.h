/* cli: what every cmd/ main shares — store location, number parsing, messages, output.
 * The only library module that writes to stdout/stderr, and only when a binary asks it to. */
#ifndef CG_CLI_H
#define CG_CLI_H

#include <getopt.h>
#include <jansson.h>

#include "err.h"

/* The store directory: the -d option, else $CG_DIR, else ./.cg */
const char *cg_cli_store_dir(const char *opt);

/* Parses a decimal integer in [min, max]; returns 0 or -1. */
int cg_cli_parse_int(const char *s, long min, long max, long *out);

/* "prog: message" on stderr. */
void cg_cli_error(const char *prog, const cg_err *err);
/* "prog: message" and the --help hint on stderr; returns CG_EUSAGE. */
int cg_cli_usage(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A binary's options, parsed by cg_cli_next(): getopt_long() over its own options plus
 * -h/--help and -V/--version, with every refusal one usage line and exit status 2. An option
 * that takes a value may be given once unless listed in repeatable (a second value would
 * silently replace the first); a flag without a value may be repeated. The two options of
 * a pair in exclusive may not both be given. Options are named by their getopt value. */
#define CG_CLI_MAXOPT 512   /* getopt values below this: short letters and 256 + n */
#define CG_CLI_EXIT (-2)    /* cg_cli_next(): the binary returns cli->status now */

typedef struct cg_cli {
	const char *prog;
	const char *shortopts;          /* getopt syntax, without h and V: "d:w:q" */
	const struct option *longopts;  /* ends with { 0 }; help and version are added */
	void (*usage)(void);            /* prints --help's text on stdout */
	const int *repeatable;          /* option values; ends with 0 */
	const int (*exclusive)[2];      /* pairs of option values; ends with { 0, 0 } */
	int operands;                   /* the most operands after the options; -1: any */
	int status;                     /* the exit status after CG_CLI_EXIT */
	unsigned char seen[CG_CLI_MAXOPT / 8];
	struct option all[48];          /* longopts, help and version (built on first use) */
	char optstring[48];
} cg_cli;

/* The next option's value, with optarg set as getopt_long() sets it; -1 after the last
 * option (optind is then the first operand); CG_CLI_EXIT after --help, --version, a
 * refused option or more operands than cli->operands. */
int cg_cli_next(cg_cli *cli, int argc, char **argv);

/* "prog (cg) VERSION" on stdout; returns 0. */
int cg_cli_version(const char *prog);

/* Every write to stdout goes through these, which keep the errno of the first failure
 * for cg_cli_finish. Each returns 0, or -1 on a write error. */
/* One compact JSON object and a newline. */
int cg_cli_print_json(json_t *o);
/* len bytes of line and a newline. */
int cg_cli_print_line(const char *line, size_t len);
int cg_cli_flush(void);
/* After flushing stdout: 0 when every write succeeded, else the errno of the first failure. */
int cg_cli_stdout_errno(void);

/* For a binary whose output is its answer: reports err, unless rc is a write error on
 * stdout, which cg_cli_finish reports. Returns rc, or CG_OK when stdout is a closed pipe
 * (a reader that has seen enough, as `| head` has, is no failure). */
int cg_cli_fail(const char *prog, int rc, const cg_err *err);

/* Flushes stdout and reports a write error (a full disk is an error); EPIPE is a quiet stop.
 * Returns rc unchanged when all is well, CG_EIO otherwise. */
int cg_cli_finish(const char *prog, int rc);
/* The same for a binary that has changed the store before it reports: when the change
 * succeeded (rc 0) and only its report could not be written, says so and returns
 * CG_EREPORT, so that a script can tell a lost report from a failed change. */
int cg_cli_finish_change(const char *prog, int rc);

/* True when stderr is a terminal (progress lines are shown only then). */
int cg_cli_interactive(void);

#endif

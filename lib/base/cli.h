/* cli: what every cmd/ main shares — store location, number parsing, messages, output.
 * The only library module that writes to stdout/stderr, and only when a binary asks it to. */
#ifndef CG_CLI_H
#define CG_CLI_H

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
/* Reports the option getopt_long() just refused as one usage line; returns CG_EUSAGE.
 * For binaries that set opterr = 0 and start their optstring with ':', so that c is ':'
 * for a missing argument and '?' for an unknown option. */
int cg_cli_bad_option(const char *prog, int c, char *const *argv);
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

/* stream: answers JSON query objects read one per line, as `cg-query -` does. */
#include "query.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

static void drop_newline(char *s, ssize_t *n)
{
	while (*n > 0 && (s[*n - 1] == '\n' || s[*n - 1] == '\r'))
		s[--*n] = '\0';
}

static int blank(const char *s)
{
	return s[strspn(s, " \t")] == '\0';
}

/* More input already on its way: answers can wait in the buffer. With nothing pending the
 * caller may be waiting for this answer (a co-process), so it is flushed now. */
static int input_waiting(FILE *in)
{
	struct pollfd p = { .fd = fileno(in), .events = POLLIN };
	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* One line's query: a bad one (bad JSON, a repeated key, a bad query) is answered with an
 * error object, and its message left in err with CG_EUSAGE. */
static int answer_line(cg_query_engine *q, const char *line, size_t len, size_t *count, cg_err *err)
{
	json_error_t je;
	json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!req) {
		cg_err_set(err, CG_EUSAGE, "invalid JSON: %s", je.text);
		cg_query_fail(q, NULL, err->msg);
		return CG_EUSAGE;
	}
	int rc = cg_query_run(q, req, count, err);
	json_decref(req);
	return rc;
}

int cg_query_stream_line(cg_query_engine *q, char *line, size_t len, const cg_query_stream_opts *o,
			 cg_query_stream_state *st, cg_err *err)
{
	ssize_t n = (ssize_t)len;
	st->lineno++;
	drop_newline(line, &n);
	line[n] = '\0';
	if (blank(line))
		return CG_OK;
	int rc = st->started ? cg_query_refresh(q, err) : CG_OK;
	if (rc)
		return rc;
	st->started = 1;
	size_t count = 0;
	int qrc = answer_line(q, line, (size_t)n, &count, err);
	st->c.answers += count;
	if (qrc == CG_EUSAGE) {
		st->c.bad++;
		if (o->bad_line)
			o->bad_line(o->ctx, st->lineno, err->msg);
		st->stop = o->strict;
		return CG_OK;
	}
	return qrc == CG_ENEGATIVE ? CG_OK : qrc; /* no match: its closing line says so */
}

int cg_query_stream(cg_query_engine *q, FILE *in, const cg_query_stream_opts *o, cg_query_stream_counts *c,
		    cg_err *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = CG_OK;
	cg_query_stream_state st = { 0 };
	while (!rc && !st.stop && (n = getline(&line, &cap, in)) >= 0) {
		rc = cg_query_stream_line(q, line, (size_t)n, o, &st, err);
		if (!rc && !st.stop && !input_waiting(in) && o->idle && o->idle(o->ctx))
			break;
	}
	free(line);
	*c = st.c;
	if (!rc && ferror(in))
		rc = cg_err_set(err, CG_EIO, "reading the query stream failed");
	return rc;
}

/* err: error values that carry an exit status and a one-line message. */
#include "err.h"

#include <rocksdb/c.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void set_msg(cg_err *err, const char *fmt, va_list ap)
{
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

int cg_err_set(cg_err *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		set_msg(err, fmt, ap);
		va_end(ap);
		err->code = code;
	}
	return code;
}

static void append(cg_err *err, const char *tail)
{
	size_t n = strlen(err->msg);
	snprintf(err->msg + n, sizeof err->msg - n, ": %s", tail);
}

int cg_err_sys(cg_err *err, int code, int errnum, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		set_msg(err, fmt, ap);
		va_end(ap);
		append(err, strerror(errnum));
		err->code = code;
	}
	return code;
}

int cg_err_rocks(cg_err *err, char *rocks_msg, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		set_msg(err, fmt, ap);
		va_end(ap);
		append(err, rocks_msg ? rocks_msg : "unknown RocksDB error");
		err->code = CG_EIO;
	}
	rocksdb_free(rocks_msg);
	return CG_EIO;
}

int cg_err_prefix(cg_err *err, const char *fmt, ...)
{
	if (!err)
		return CG_EINTERNAL;
	char head[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head - 2, fmt, ap);
	va_end(ap);
	strcat(head, ": ");
	size_t h = strlen(head), m = strlen(err->msg);
	if (h + m >= sizeof err->msg) /* keep the head; cut the tail of the old message */
		m = sizeof err->msg - h - 1;
	memmove(err->msg + h, err->msg, m);
	memcpy(err->msg, head, h);
	err->msg[h + m] = '\0';
	return err->code;
}

void cg_err_clear(cg_err *err)
{
	if (err) {
		err->code = CG_OK;
		err->msg[0] = '\0';
	}
}

/* buf: a growable byte buffer. */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cg_buf_reserve(cg_buf *b, size_t extra)
{
	if (b->cap - b->len >= extra)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap - b->len < extra)
		cap *= 2;
	uint8_t *p = realloc(b->data, cap);
	if (!p)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int cg_buf_append(cg_buf *b, const void *p, size_t n)
{
	if (cg_buf_reserve(b, n + 1) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0'; /* keeps text buffers usable as C strings */
	return 0;
}

int cg_buf_putc(cg_buf *b, uint8_t c)
{
	return cg_buf_append(b, &c, 1);
}

int cg_buf_printf(cg_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || cg_buf_reserve(b, (size_t)n + 1) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int cg_buf_puts(cg_buf *b, const char *s)
{
	return cg_buf_append(b, s, strlen(s));
}

int cg_buf_put_u64(cg_buf *b, uint64_t v)
{
	char digits[20], *p = digits + sizeof digits;
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	return cg_buf_append(b, p, (size_t)(digits + sizeof digits - p));
}

void cg_buf_reset(cg_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void cg_buf_free(cg_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* buf: a growable byte buffer for building keys, records and output lines. */
#ifndef CG_BUF_H
#define CG_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct cg_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
} cg_buf;

/* All return 0, or -1 when memory runs out (the buffer is left as it was). */
int cg_buf_reserve(cg_buf *b, size_t extra);
int cg_buf_append(cg_buf *b, const void *p, size_t n);
int cg_buf_putc(cg_buf *b, uint8_t c);
int cg_buf_printf(cg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The fast paths of hot output (a query answers thousands of lines): no format parsing. */
int cg_buf_puts(cg_buf *b, const char *s);
int cg_buf_put_u64(cg_buf *b, uint64_t v);
void cg_buf_reset(cg_buf *b);
void cg_buf_free(cg_buf *b);

#endif

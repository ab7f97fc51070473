/* jdoc: JSON documents parsed into one reused region per thread (jdoc.h).
 *
 * The region holds the text's copy at its start; values waiting for their container to close
 * are stacked after it, and a container's children, once closed, are moved to the region's
 * end, which fills downwards. Every value but the top one takes at least two bytes of text
 * (its first byte and the ',' or bracket after it) and at most 16 bytes of region, a member
 * at least five bytes and 32, so 8 bytes of region per byte of text always suffice; the
 * bound is checked anyway. */
#include "jdoc.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <xxhash.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "base/err.h"
#include "base/escape.h"

enum {
	MAX_DEPTH = 2048,   /* jansson's JSON_PARSER_MAX_DEPTH */
	NODE_PER_BYTE = 8,  /* see above */
	SLACK = 4096,
	SMALL_OBJECT = 16,  /* repeated keys are looked for pairwise up to this many members */
};

/* Address space only (pages are touched as used): a region this size takes every file up
 * to 14 MB, and one that must grow takes half as much again, so that a thread maps a new
 * region (and faults its pages in) once or twice in a run, not whenever a larger file comes. */
#define REGION_MIN ((size_t)128 << 20)

static _Thread_local char *region;
static _Thread_local size_t region_size;
static pthread_key_t region_key;
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void region_drop(void *base)
{
	munmap(base, region_size);
	region = NULL;
	region_size = 0;
}

static void make_key(void)
{
	if (pthread_key_create(&region_key, region_drop) != 0)
		abort(); /* only when the process is out of keys at its first parse */
}

/* This thread's region, at least size bytes; kept for the next document (and unmapped when
 * the thread exits). */
static char *region_get(size_t size)
{
	pthread_once(&key_once, make_key);
	if (region_size >= size)
		return region;
	if (region)
		munmap(region, region_size);
	size = size < REGION_MIN ? REGION_MIN : size + size / 2;
	size = (size + (1u << 21) - 1) & ~(size_t)((1u << 21) - 1);
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	region = p == MAP_FAILED ? NULL : p;
	region_size = region ? size : 0;
	pthread_setspecific(region_key, region);
	if (region)
		madvise(region, size, MADV_HUGEPAGE); /* fewer faults; only a hint */
	return region;
}

typedef struct parser {
	char *p, *end;       /* the text's copy, NUL at end */
	char *top, *bottom;  /* stacked values end at top; moved ones start at bottom */
	int oom;
} parser;

static int push(parser *ps, const void *v, size_t size)
{
	if ((size_t)(ps->bottom - ps->top) < size) {
		ps->oom = 1;
		return -1;
	}
	memcpy(ps->top, v, size);
	ps->top += size;
	return 0;
}

/* Moves the n values of size each stacked from base to the bottom. */
static const void *settle(parser *ps, char *base, size_t n, size_t size)
{
	ps->bottom -= n * size;
	memmove(ps->bottom, base, n * size); /* base + n * size == top <= the old bottom */
	ps->top = base;
	return ps->bottom;
}

static char *ws(char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
		p++;
	return p;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ---- strings ---- */

/* Bytes of the valid UTF-8 sequence at s (which starts with a byte >= 0x80), 0 if invalid. */
static int utf8_seq(const unsigned char *s)
{
	unsigned c = s[0], v;
	int n;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, v = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, v = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, v = c & 0x07;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) /* the text's closing NUL stops here too */
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF)
		return 0;
	return n;
}

static int hex4(const char *s, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		int d = cg_hex_digit((unsigned char)s[i]);
		if (d < 0)
			return -1;
		*v = *v << 4 | (unsigned)d;
	}
	return 0;
}

/* A \u escape at q (the backslash), with its surrogate pair; written at w. NULL if invalid. */
static char *unicode_escape(char **q, char *w)
{
	unsigned v, lo;
	if (hex4(*q + 2, &v) < 0 || v == 0 || (v >= 0xDC00 && v <= 0xDFFF))
		return NULL;
	*q += 6;
	if (v >= 0xD800 && v <= 0xDBFF) {
		if ((*q)[0] != '\\' || (*q)[1] != 'u' || hex4(*q + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
			return NULL;
		*q += 6;
		v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
	}
	return cg_utf8_put(w, v);
}

/* The first byte from q on that needs more than a look: '"', '\\', a control character or
 * the text's closing NUL, or a byte of a UTF-8 sequence. Sixteen at a time where SSE2 is
 * (it reads up to 15 bytes past that byte: the region goes on well past the text). */
static char *plain_end(char *q)
{
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(' ');
	for (;; q += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)q);
		__m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)),
					    _mm_cmplt_epi8(x, space)); /* signed: bytes from 0x80 too */
		int mask = _mm_movemask_epi8(stop);
		if (mask)
			return q + __builtin_ctz((unsigned)mask);
	}
#else
	static const unsigned char plain[256] = { [0x20 ... 0x21] = 1, [0x23 ... 0x5B] = 1, [0x5D ... 0x7F] = 1 };
	while (plain[(unsigned char)*q])
		q++;
	return q;
#endif
}

/* Unescapes the rest of a string in place from q, writing at w (w <= q). */
static int string_slow(parser *ps, char *q, char *w, const char **s, uint32_t *n)
{
	static const char simple[256] = { ['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b',
					  ['f'] = '\f', ['n'] = '\n', ['r'] = '\r', ['t'] = '\t' };
	for (;;) {
		char *plain = plain_end(q);
		if (w != q)
			memmove(w, q, (size_t)(plain - q));
		w += plain - q;
		q = plain;
		unsigned char c = (unsigned char)*q;
		if (c == '"')
			break;
		if (c < 0x20) /* control characters, and the end of the text */
			return -1;
		if (c == '\\') {
			unsigned char e = (unsigned char)q[1];
			if (e == 'u') {
				if (!(w = unicode_escape(&q, w)))
					return -1;
			} else if (simple[e]) {
				*w++ = simple[e];
				q += 2;
			} else {
				return -1;
			}
		} else { /* from 0x80 */
			int k = utf8_seq((const unsigned char *)q);
			if (!k)
				return -1;
			memmove(w, q, (size_t)k);
			w += k;
			q += k;
		}
	}
	*w = 0;
	*n = (uint32_t)(w - *s);
	ps->p = q + 1;
	return 0;
}

/* The string whose opening quote is at ps->p. */
static int string(parser *ps, const char **s, uint32_t *n)
{
	char *q = plain_end(ps->p + 1);
	*s = ps->p + 1;
	if (*q != '"')
		return string_slow(ps, q, q, s, n);
	*q = 0;
	*n = (uint32_t)(q - *s);
	ps->p = q + 1;
	return 0;
}

/* ---- numbers and literals ---- */

static int number(parser *ps, cg_jv *out)
{
	char *s = ps->p, *q = s + (*s == '-');
	if (*q == '0') {
		if (is_digit(*++q)) /* a leading zero */
			return -1;
	} else if (!is_digit(*q)) {
		return -1;
	}
	while (is_digit(*q))
		q++;
	int real = 0;
	if (*q == '.') {
		if (!is_digit(*++q))
			return -1;
		while (is_digit(*q))
			q++;
		real = 1;
	}
	if (*q == 'e' || *q == 'E') {
		q += q[1] == '+' || q[1] == '-' ? 2 : 1;
		if (!is_digit(*q))
			return -1;
		while (is_digit(*q))
			q++;
		real = 1;
	}
	char *end;
	errno = 0;
	if (real) {
		out->type = CG_JREAL;
		out->u.d = strtod(s, &end);
		if (errno == ERANGE && (out->u.d == HUGE_VAL || out->u.d == -HUGE_VAL)) /* underflow is fine */
			return -1;
	} else if (q - s <= 18) { /* no overflow possible */
		int64_t v = 0;
		for (end = s + (*s == '-'); end < q; end++)
			v = v * 10 + (*end - '0');
		out->type = CG_JINT;
		out->u.i = *s == '-' ? -v : v;
	} else {
		out->type = CG_JINT;
		out->u.i = strtoll(s, &end, 10);
		if (errno == ERANGE)
			return -1;
	}
	ps->p = q;
	return end == q ? 0 : -1;
}

static int literal(parser *ps, const char *word, cg_jtype type, cg_jv *out)
{
	size_t n = strlen(word);
	if (strncmp(ps->p, word, n) != 0)
		return -1;
	ps->p += n;
	out->type = (uint8_t)type;
	return 0;
}

/* ---- containers ---- */

static int value(parser *ps, cg_jv *out, int depth);

static int array(parser *ps, cg_jv *out, int depth)
{
	char *base = ps->top, *p = ws(ps->p + 1);
	size_t n = 0;
	if (*p == ']') {
		p++;
	} else {
		for (;;) {
			cg_jv v;
			ps->p = p;
			if (value(ps, &v, depth) || push(ps, &v, sizeof v))
				return -1;
			n++;
			p = ws(ps->p);
			if (*p == ']') {
				p++;
				break;
			}
			if (*p != ',')
				return -1;
			p = ws(p + 1);
		}
	}
	ps->p = p;
	out->type = CG_JARR;
	out->n = (uint32_t)n;
	out->u.a = settle(ps, base, n, sizeof(cg_jv));
	return 0;
}

static int same_key(const cg_jmember *a, const cg_jmember *b)
{
	return a->klen == b->klen && a->key[0] == b->key[0] && memcmp(a->key, b->key, a->klen) == 0;
}

/* The member m[j] goes where its key first was: as in jansson, a repeated key keeps its first
 * place and its last value. Keys are compared only when one of the same length and first byte
 * came before (a bit of seen says so, or that another did). */
static void dedupe_small(cg_jmember *m, size_t *n)
{
	uint64_t seen = 0;
	size_t k = 0;
	for (size_t j = 0; j < *n; j++) {
		uint64_t bit = (uint64_t)1 << ((m[j].klen * 31u + (unsigned char)m[j].key[0]) & 63);
		size_t i = k;
		if (seen & bit)
			for (i = 0; i < k && !same_key(&m[i], &m[j]); i++)
				;
		seen |= bit;
		if (i < k) {
			m[i].v = m[j].v;
		} else {
			if (k != j)
				m[k] = m[j];
			k++;
		}
	}
	*n = k;
}

static int dedupe_large(cg_jmember *m, size_t *n)
{
	size_t cap = 64;
	while (cap < 2 * *n)
		cap *= 2;
	uint32_t *slot = calloc(cap, sizeof *slot); /* index + 1 into the members kept */
	if (!slot)
		return -1;
	size_t k = 0;
	for (size_t j = 0; j < *n; j++) {
		size_t h = (size_t)XXH3_64bits(m[j].key, m[j].klen) & (cap - 1);
		while (slot[h] && !same_key(&m[slot[h] - 1], &m[j]))
			h = (h + 1) & (cap - 1);
		if (slot[h]) {
			m[slot[h] - 1].v = m[j].v;
		} else {
			m[k] = m[j];
			slot[h] = (uint32_t)++k;
		}
	}
	free(slot);
	*n = k;
	return 0;
}

static int object(parser *ps, cg_jv *out, int depth)
{
	char *base = ps->top, *p = ws(ps->p + 1);
	size_t n = 0;
	if (*p == '}') {
		p++;
	} else {
		for (;;) {
			cg_jmember m;
			ps->p = p;
			if (*p != '"' || string(ps, &m.key, &m.klen))
				return -1;
			p = ws(ps->p);
			if (*p != ':')
				return -1;
			ps->p = ws(p + 1);
			if (value(ps, &m.v, depth) || push(ps, &m, sizeof m))
				return -1;
			n++;
			p = ws(ps->p);
			if (*p == '}') {
				p++;
				break;
			}
			if (*p != ',')
				return -1;
			p = ws(p + 1);
		}
	}
	if (n <= SMALL_OBJECT)
		dedupe_small((cg_jmember *)base, &n);
	else if (dedupe_large((cg_jmember *)base, &n) < 0)
		return ps->oom = 1, -1;
	ps->p = p;
	out->type = CG_JOBJ;
	out->n = (uint32_t)n;
	out->u.m = settle(ps, base, n, sizeof(cg_jmember));
	return 0;
}

/* The value at ps->p (no blanks before it); depth counts as jansson's does. */
static int value(parser *ps, cg_jv *out, int depth)
{
	if (++depth > MAX_DEPTH)
		return -1;
	out->n = 0;
	switch (*ps->p) {
	case '{': return object(ps, out, depth);
	case '[': return array(ps, out, depth);
	case '"':
		out->type = CG_JSTR;
		return string(ps, &out->u.s, &out->n);
	case 't': return literal(ps, "true", CG_JTRUE, out);
	case 'f': return literal(ps, "false", CG_JFALSE, out);
	case 'n': return literal(ps, "null", CG_JNULL, out);
	default: return number(ps, out);
	}
}

const cg_jv *cg_jdoc_parse(const char *buf, size_t len, int *rc)
{
	size_t text = (len + 16) & ~(size_t)15;
	char *base = len < UINT32_MAX ? region_get(text + NODE_PER_BYTE * len + SLACK) : NULL;
	if (!base) {
		*rc = CG_EINTERNAL;
		return NULL;
	}
	if (len) /* buf may be NULL then */
		memcpy(base, buf, len);
	base[len] = 0;
	parser ps = { .p = ws(base), .end = base + len, .top = base + text, .bottom = base + region_size };
	ps.bottom -= sizeof(cg_jv);
	cg_jv *top = (cg_jv *)ps.bottom;
	if ((*ps.p == '{' || *ps.p == '[') && value(&ps, top, 0) == 0 && ws(ps.p) == ps.end) {
		*rc = CG_OK;
		return top;
	}
	*rc = ps.oom ? CG_EINTERNAL : CG_EDATA;
	return NULL;
}

const cg_jv *cg_jv_getn(const cg_jv *obj, const char *key, size_t n)
{
	size_t i;
	const cg_jmember *m;
	cg_jv_obj_foreach(obj, i, m)
		if (m->klen == n && m->key[0] == key[0] && memcmp(m->key, key, n) == 0)
			return &m->v;
	return NULL;
}

/* jdoc: a read-only JSON document, parsed in one pass into a region of the parsing thread.
 *
 * rustdoc files are read whole and then walked by field name. jansson built a tree of about
 * ten times the file out of millions of small allocations and was half of a corpus ingest.
 * A jdoc is the file's text, copied once with its strings unescaped and NUL-terminated in
 * place, plus arrays as contiguous values and objects as contiguous members in document
 * order. All of it lives in one mapped region per thread that the next document parsed on
 * that thread reuses, so its pages are faulted in once per thread, not once per file.
 *
 * It accepts exactly what jansson's json_loadb(buf, len, 0) accepts: an object or an array
 * at the top, strict UTF-8, no \u0000, integers that fit 64 bits, finite reals, values nested
 * at most 2048 deep. A repeated key keeps its first place and its last value, as there.
 * The accessors take NULL and values of the wrong type like jansson's: they answer NULL, 0,
 * or false. */
#ifndef CG_INPUT_JDOC_H
#define CG_INPUT_JDOC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum cg_jtype { CG_JNULL, CG_JFALSE, CG_JTRUE, CG_JINT, CG_JREAL, CG_JSTR, CG_JARR, CG_JOBJ } cg_jtype;

typedef struct cg_jv cg_jv;
typedef struct cg_jmember cg_jmember;

struct cg_jv {
	uint8_t type; /* cg_jtype */
	uint32_t n;   /* string bytes, array elements, object members */
	union {
		int64_t i;
		double d;
		const char *s; /* NUL-terminated (JSON strings hold no NUL here) */
		const cg_jv *a;
		const cg_jmember *m;
	} u;
};

struct cg_jmember {
	const char *key; /* NUL-terminated */
	uint32_t klen;
	cg_jv v;
};

/* Parses len bytes into this thread's region, ending the life of the document parsed there
 * before. Returns the top value, or NULL with *rc CG_EDATA when the text is not JSON (the
 * message is jansson's to give: json_loadb rejects the same text) or CG_EINTERNAL when no
 * region could be mapped. */
const cg_jv *cg_jdoc_parse(const char *buf, size_t len, int *rc);

/* obj[key] for a key of n bytes: NULL when obj is no object or has no such key. */
const cg_jv *cg_jv_getn(const cg_jv *obj, const char *key, size_t n);
/* obj[key] (inline: a literal key's length is known when compiling) */
static inline const cg_jv *cg_jv_get(const cg_jv *obj, const char *key) { return cg_jv_getn(obj, key, strlen(key)); }

static inline int cg_jv_is(const cg_jv *v, cg_jtype t) { return v && v->type == t; }
static inline int cg_jv_is_obj(const cg_jv *v) { return cg_jv_is(v, CG_JOBJ); }
static inline int cg_jv_is_arr(const cg_jv *v) { return cg_jv_is(v, CG_JARR); }
static inline int cg_jv_is_str(const cg_jv *v) { return cg_jv_is(v, CG_JSTR); }
static inline int cg_jv_is_int(const cg_jv *v) { return cg_jv_is(v, CG_JINT); }
static inline int cg_jv_is_null(const cg_jv *v) { return cg_jv_is(v, CG_JNULL); }
static inline int cg_jv_is_true(const cg_jv *v) { return cg_jv_is(v, CG_JTRUE); }
static inline int cg_jv_is_bool(const cg_jv *v) { return v && (v->type == CG_JTRUE || v->type == CG_JFALSE); }
static inline const char *cg_jv_str(const cg_jv *v) { return cg_jv_is_str(v) ? v->u.s : NULL; }
static inline int64_t cg_jv_int(const cg_jv *v) { return cg_jv_is_int(v) ? v->u.i : 0; }
static inline size_t cg_jv_arr_size(const cg_jv *v) { return cg_jv_is_arr(v) ? v->n : 0; }
static inline size_t cg_jv_obj_size(const cg_jv *v) { return cg_jv_is_obj(v) ? v->n : 0; }
/* a[i], NULL past the end */
static inline const cg_jv *cg_jv_at(const cg_jv *a, size_t i) { return i < cg_jv_arr_size(a) ? &a->u.a[i] : NULL; }
/* The first member, NULL when there is none. */
static inline const cg_jmember *cg_jv_first(const cg_jv *o) { return cg_jv_obj_size(o) ? o->u.m : NULL; }

#define cg_jv_arr_foreach(a, i, v) for ((i) = 0; (i) < cg_jv_arr_size(a) && ((v) = cg_jv_at((a), (i))); (i)++)
/* The members m of object o in document order (none for other values). */
#define cg_jv_obj_foreach(o, i, m) for ((i) = 0; (i) < cg_jv_obj_size(o) && ((m) = &(o)->u.m[i]); (i)++)

#endif

/* keys: the byte layout of the four key families and their readable form.
 *
 *   vertex   'v' vid(8 BE)                              v:{vid}
 *   edge     'e' owner(8 BE) dirtype(1) other(8 BE)     e:{src}:{Type}:{dst}  (forward)
 *                                                       e:{dst}:~{Type}:{src} (reverse copy)
 *   index    'i' itype(1) value 0x00 vid(8 BE)          i:{itype}:{value}:{vid}
 *   metadata 'm' mtype(1) key                           m:{mtype}:{key}
 *
 * Big-endian ids make byte order numeric order, so all edges of a vertex, of one type,
 * and one direction are each a single prefix range. */
#ifndef CG_KEYS_H
#define CG_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

enum cg_family { CG_FAM_VERTEX = 'v', CG_FAM_EDGE = 'e', CG_FAM_INDEX = 'i', CG_FAM_META = 'm' };

enum cg_edge_type {
	CG_EDGE_CONTAINS = 1,
	CG_EDGE_CALLS = 2,
	CG_EDGE_USES = 3,
	CG_EDGE_IMPLEMENTS = 4,
	CG_EDGE_DEPENDS = 5,
	CG_EDGE_NTYPES = 6
};
#define CG_EDGE_REVERSE 0x80 /* set in dirtype for the copy stored under the destination */

enum cg_index_type {
	CG_IDX_NAME = 1,  /* item name, e.g. "new" */
	CG_IDX_PATH = 2,  /* every qualified path, defining and re-exported */
	CG_IDX_KIND = 3,  /* kind name, e.g. "struct" */
	CG_IDX_CRATE = 4, /* "crate@version" */
	CG_IDX_FILE = 5,  /* source file of the span */
	CG_IDX_NTYPES = 6
};

enum cg_meta_type {
	CG_META_STORE = 1,  /* store-wide facts (schema version, ...) */
	CG_META_CRATE = 2,  /* per crate@version: cache key and counts */
	CG_META_WORKSPACE = 4, /* per named workspace: root, Cargo.lock digest, crates */
	CG_META_NTYPES = 5
};

#define CG_VERTEX_KEY_LEN 9
#define CG_EDGE_KEY_LEN 18
#define CG_EDGE_PREFIX_LEN 9      /* 'e' + owner: every edge of a vertex */
#define CG_EDGE_TYPE_PREFIX_LEN 10 /* + dirtype: one type, one direction */

typedef struct cg_edge_key {
	uint64_t owner; /* the vertex the key is stored under */
	uint64_t other;
	int type;       /* enum cg_edge_type */
	int reverse;    /* 1 for the copy stored under the destination */
} cg_edge_key;

void cg_be64_put(uint8_t *p, uint64_t v);
uint64_t cg_be64_get(const uint8_t *p);

/* vid of an item from its stable identity, e.g. "regex@1.10.2::regex::Regex::new#method". */
uint64_t cg_vid(const char *identity, size_t len);
/* Formats a vid as the 16-digit hex used in JSON; out must hold 17 bytes. */
void cg_vid_hex(uint64_t vid, char out[17]);
/* Parses exactly 16 hex digits; returns 0 or -1. */
int cg_vid_parse(const char *s, uint64_t *vid);

void cg_key_vertex(uint8_t out[CG_VERTEX_KEY_LEN], uint64_t vid);
/* Forward key (src, type, dst) or, with reverse set, the copy (dst, ~type, src). */
void cg_key_edge(uint8_t out[CG_EDGE_KEY_LEN], uint64_t src, int type, uint64_t dst, int reverse);
/* Prefix of the edges of owner, optionally of one type and direction (type 0: all). */
size_t cg_key_edge_prefix(uint8_t out[CG_EDGE_TYPE_PREFIX_LEN], uint64_t owner, int type, int reverse);
int cg_key_edge_decode(const uint8_t *k, size_t len, cg_edge_key *out);

/* Index keys; value must not contain a NUL byte. Returns 0 or -1 on no memory. */
int cg_key_index(cg_buf *out, int itype, const char *value, size_t vlen, uint64_t vid);
/* The prefix 'i' itype value (with the 0x00 terminator when exact is set). */
int cg_key_index_prefix(cg_buf *out, int itype, const char *value, size_t vlen, int exact);
/* vid at the end of an index key; 0 when the key is not a well-formed index key. */
int cg_key_index_vid(const uint8_t *k, size_t len, uint64_t *vid);
int cg_key_meta(cg_buf *out, int mtype, const char *key, size_t klen);

/* Names for edge types ("Calls") and index/meta types ("name"); parse returns 0 when unknown. */
const char *cg_edge_type_name(int type);
int cg_edge_type_parse(const char *name);
const char *cg_index_type_name(int itype);
int cg_index_type_parse(const char *name);
const char *cg_meta_type_name(int mtype);

/* The smallest key greater than every key starting with prefix (an iterator's upper bound):
 * trailing 0xff bytes dropped, the last byte incremented. Returns its length, 0 if none. */
size_t cg_key_successor(uint8_t *out, const uint8_t *prefix, size_t plen);

/* Appends the readable form of any key ("v:…", "e:…:Calls:…"); unknown bytes are hex-escaped. */
int cg_key_format(cg_buf *out, const uint8_t *k, size_t len);

#endif

/* record: the checksummed, versioned value format, readable in place.
 *
 * Every value starts with a 16-byte header:
 *   0  'c' 'g'           magic
 *   2  u8  record type   enum cg_rec_type
 *   3  u8  schema version
 *   4  u32 body length   little-endian
 *   8  u64 XXH3-64 of the body, seeded with (type << 8 | version), little-endian
 * followed by a fixed little-endian body whose strings live in a string area after the fixed
 * part, addressed by (u32 offset, u32 length) pairs from the start of the body, each string
 * NUL-terminated. cg_rec_open() checks everything once; afterwards accessors read fields
 * straight from the bytes (e.g. a RocksDB pinned slice) with no parse and no allocation. */
#ifndef CG_RECORD_H
#define CG_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define CG_REC_HEADER_LEN 16
#define CG_SCHEMA_VERSION 2     /* what this build writes, for every record type */
#define CG_SCHEMA_MIN_VERSION 1 /* the oldest it reads (cg-migrate rewrites older ones) */

enum cg_rec_type { CG_REC_VERTEX = 1, CG_REC_EDGE = 2, CG_REC_INDEX = 3, CG_REC_META = 4 };

typedef struct cg_rec {
	const uint8_t *body;
	uint32_t len;
	uint8_t type;
	uint8_t version;
} cg_rec;

/* Checks magic, type (unless want_type is 0), version, length, checksum and, for types with
 * strings, every string reference. Returns 0 or CG_EDATA with a reason in err. */
int cg_rec_open(const void *buf, size_t len, int want_type, cg_rec *out, cg_err *err);
const char *cg_rec_type_name(int type);
/* Writes rec (any version this build reads) into out as a record of CG_SCHEMA_VERSION with
 * the same content; fields the old version lacks become 0. -1 when memory runs out. */
int cg_rec_upgrade(cg_buf *out, const cg_rec *rec);

/* ---- vertex ---- */
enum cg_kind {
	CG_KIND_UNKNOWN = 0, CG_KIND_CRATE, CG_KIND_MODULE, CG_KIND_STRUCT, CG_KIND_ENUM,
	CG_KIND_VARIANT, CG_KIND_FIELD, CG_KIND_UNION, CG_KIND_TRAIT, CG_KIND_TRAIT_ALIAS,
	CG_KIND_FUNCTION, CG_KIND_METHOD, CG_KIND_IMPL, CG_KIND_CONST, CG_KIND_STATIC,
	CG_KIND_TYPE_ALIAS, CG_KIND_MACRO, CG_KIND_PROC_MACRO, CG_KIND_ASSOC_TYPE,
	CG_KIND_ASSOC_CONST, CG_KIND_PRIMITIVE, CG_KIND_FOREIGN_TYPE, CG_KIND_EXTERN_CRATE,
	CG_KIND_NKINDS
};
enum cg_vis { CG_VIS_UNKNOWN = 0, CG_VIS_PUBLIC, CG_VIS_CRATE, CG_VIS_RESTRICTED, CG_VIS_DEFAULT, CG_VIS_NVIS };
enum cg_vflag {
	CG_VFLAG_STUB = 1,      /* an external item known only by path, not (yet) ingested */
	CG_VFLAG_SYNTHETIC = 2, /* an auto-trait or blanket impl rustdoc made up */
};
/* Vertex body, version 2 (little-endian; strings as (u32 offset, u32 length) from the body
 * start, each NUL-terminated in the string area):
 *    0 u8 kind   1 u8 vis   2 u16 flags   4 u32 line   8 u64 owner
 *   16 seven string references, in enum cg_vfield order (56 bytes)
 *   72 u32 end_line (span end line, 0 unknown)   76 u32 column (span start column, 1-based,
 *      0 unknown)
 *   80 string area
 * Version 1 is the same without end_line and column: its string area starts at 72, and a
 * version-1 record reads with end_line = column = 0. */
/* ALIASES: the public paths (re-exports) other than the defining PATH, one per line */
enum cg_vfield { CG_VF_NAME, CG_VF_PATH, CG_VF_CRATE, CG_VF_VERSION, CG_VF_FILE, CG_VF_DOCS, CG_VF_ALIASES, CG_VF_N };

typedef struct cg_vertex {
	int kind;               /* enum cg_kind */
	int vis;                /* enum cg_vis */
	unsigned flags;         /* enum cg_vflag */
	uint32_t line;          /* span start line, 0 if unknown */
	uint32_t end_line;      /* span end line, 0 if unknown (always 0 in version-1 records) */
	uint32_t column;        /* span start column, 1-based, 0 if unknown (likewise) */
	uint64_t owner;         /* unit (crate@version) that wrote it; 0 for shared stubs */
	const char *str[CG_VF_N]; /* NULL means empty */
} cg_vertex;

int cg_vertex_encode(cg_buf *out, const cg_vertex *v);
/* Fills v with pointers into rec's bytes: valid as long as those bytes are. */
void cg_vertex_view(const cg_rec *rec, cg_vertex *v);
const char *cg_kind_name(int kind);
int cg_kind_parse(const char *name); /* CG_KIND_UNKNOWN when unknown */
/* The kinds a user may name, "crate, module, ..., extern_crate", into buf (for messages). */
void cg_kind_list(char *buf, size_t cap);
const char *cg_vis_name(int vis);
int cg_vis_parse(const char *name);

/* ---- edge value (the key says src, type, dst) ---- */
enum cg_eflag {
	CG_EDGE_FLAG_REEXPORT = 1, /* Uses: a module's `pub use` of the item */
	CG_EDGE_FLAG_GLOB = 2,     /* Uses: ... of every public item of that module (`pub use m::*`) */
};
typedef struct cg_edge_val {
	uint64_t owner;   /* unit that asserted the edge: removing the unit removes the edge */
	uint32_t line;    /* call or use site, 0 if unknown */
	unsigned flags;
	const char *file; /* NULL means none */
} cg_edge_val;

int cg_edge_encode(cg_buf *out, const cg_edge_val *e);
void cg_edge_view(const cg_rec *rec, cg_edge_val *e);

/* ---- index entry: the key carries everything; the value proves it is intact ---- */
int cg_index_encode(cg_buf *out);

/* ---- metadata: a JSON object as text ---- */
int cg_meta_encode(cg_buf *out, const char *json, size_t len);
const char *cg_meta_text(const cg_rec *rec); /* NUL-terminated */

#endif

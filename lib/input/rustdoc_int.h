/* rustdoc_int: state shared by the rustdoc reader's files (rustdoc_table.c holds the id table
 * the others use, rustdoc.c reads the document, rustdoc_build.c makes vertices and edges,
 * rustdoc_type.c renders and walks types). */
#ifndef CG_RUSTDOC_INT_H
#define CG_RUSTDOC_INT_H

#include <stdint.h>

#include "base/buf.h"
#include "jdoc.h"
#include "rustdoc.h"

enum { K_NONE = CG_KIND_NKINDS, K_USE }; /* item kinds that make no vertex */
enum { J_OBJ = 1, J_ARR = 2, J_STR = 4, J_INT = 8, J_BOOL = 16, J_NULL = 32 };

enum ent_flag {
	E_SKIP = 1,     /* a synthetic or blanket impl (or its item) left out */
	E_SYNTH = 2,    /* a synthetic or blanket impl kept */
	E_PATHING = 4,  /* path being computed: breaks cycles */
	E_VERTEX = 8,   /* has a real vertex */
	E_NOSTUB = 16,  /* its summary makes no stub (unknown kind) */
};

/* One local id: an index item, a paths summary, or both. */
typedef struct ent {
	uint32_t id;
	uint8_t kind;       /* enum cg_kind, K_USE, K_NONE */
	uint8_t flags;      /* enum ent_flag */
	uint32_t parent;    /* local id of the container (module, type, impl, trait, variant) */
	uint8_t has_parent;
	const cg_jv *item, *body; /* index entry and its inner.<kind> value */
	/* the item's fields read most, found once: name, docs (NULL when null), kind (inner's
	 * key), span and visibility (values) */
	const char *name, *docs, *kname;
	const cg_jv *span, *vis;
	const cg_jv *summary;     /* paths entry */
	const char *key, *skey; /* index / paths keys, for messages */
	const char *path;   /* defining or synthesised path (in the graph's arena) */
	const char *label;  /* an impl's "<impl Trait for Type>" */
	uint64_t vid;       /* vertex or stub, 0 until made */
} ent;

typedef struct ext_crate {
	uint32_t id;
	int is_std;
	const char *name;
	const char *version; /* from Cargo.lock; "" when unknown and for std's crates */
} ext_crate;

/* A JSON location for messages: index.42.inner.struct */
typedef struct rd_loc {
	const struct rd_loc *up;
	const char *key; /* NULL: idx */
	long idx;
} rd_loc;

typedef struct rd {
	const char *name;
	int format_version;
	cg_err *err;
	cg_rustdoc_opts o;
	const cg_jv *doc;   /* in this thread's jdoc region */
	cg_graph *g;
	ent *e;
	size_t ne, cape;
	size_t *tab, ntab;  /* open addressing id -> e index + 1 */
	ext_crate *xc;
	size_t nxc;
	uint32_t root_id;
	ent *root;
	const char *crate, *version;
	const cg_lock_pkg *pkg;       /* this crate in Cargo.lock */
	const cg_lock_pkg **order;    /* its dependency closure, breadth first */
	size_t norder;
	const char **depends;         /* "crate@version", NULL-terminated */
	cg_buf b;                     /* scratch */
} rd;

/* rustdoc_table.c: the core the other files use */
int rd_fail(rd *r, const rd_loc *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int rd_oom(rd *r);
const cg_jv *rd_field(rd *r, const rd_loc *at, const cg_jv *obj, const char *k, int types);
ent *rd_ent(const rd *r, uint32_t id);
const ext_crate *rd_ext(const rd *r, uint32_t crate_id);
/* enum cg_kind (or K_USE, K_NONE) of a rustdoc item or summary kind name; -1 when unknown. */
int rd_kind(const char *name);

/* Loads the id table from the document's index, paths and external_crates. */
int rd_load(rd *r, const cg_jv *index, const cg_jv *paths, const cg_jv *ext);
/* The vid an edge to local id uses (a vertex, or a stub made now); 0 when there is none. */
int rd_vid(rd *r, uint32_t id, uint64_t *vid);
/* A stub for the item called name (of kind) under e, an item known from `paths` (a trait's
 * method, for the impls of an external trait); *vid 0 when e makes no stub. */
int rd_member_stub(rd *r, ent *e, const char *name, int kind, uint64_t *vid);
/* o[k] as a string, NULL when absent or not a string. */
const char *rd_sget(const cg_jv *o, const char *k);
/* Appends a, sep and c to b and a NUL after them (not counted in b->len), as cg_buf_printf
 * would with "%s%s%s" without its format parsing: paths are made by the hundred thousand. */
int rd_join(cg_buf *b, const char *a, const char *sep, const char *c);
/* A paths summary's path joined with "::". */
int rd_join_summary(const cg_jv *sum, cg_buf *b);

/* rustdoc_build.c: everything after loading. */
int rd_build(rd *r);

/* rustdoc_type.c */
/* Appends a readable rendering of a Type / Path / GenericBound to b. */
void rd_render_type(rd *r, cg_buf *b, const cg_jv *t, int depth);
void rd_render_path(rd *r, cg_buf *b, const cg_jv *path, int depth);
/* Adds a Uses edge from src to every item a Path inside t names. */
int rd_uses(rd *r, uint64_t src, const cg_jv *t, const char *file, uint32_t line);
/* The local id a `for` type names (through references), 0 = none. */
int rd_type_id(const cg_jv *t, uint32_t *id);

#endif

/* rustdoc_table: the rustdoc reader's core — the table of a document's local ids (loaded
 * from index, paths and external_crates), lookups in it, errors that name a JSON location,
 * and stubs for items known only from `paths`. rustdoc.c and rustdoc_build.c/_type.c use it;
 * it calls none of them. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "codec/keys.h"
#include "rustdoc_int.h"

/* ---- errors with a JSON path ---- */

static void loc_format(cg_buf *b, const rd_loc *at)
{
	if (!at)
		return;
	loc_format(b, at->up);
	if (at->up)
		cg_buf_putc(b, '.');
	if (at->key)
		cg_buf_printf(b, "%s", at->key);
	else
		cg_buf_printf(b, "%ld", at->idx);
}

int rd_fail(rd *r, const rd_loc *at, const char *fmt, ...)
{
	cg_buf b = { 0 };
	loc_format(&b, at);
	cg_buf_putc(&b, 0);
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	cg_err_set(r->err, CG_EDATA, "%s: %s%s%s", r->name, b.data ? (char *)b.data : "",
		   b.data && b.data[0] ? ": " : "", what);
	cg_buf_free(&b);
	return CG_EDATA;
}

int rd_oom(rd *r)
{
	return cg_err_set(r->err, CG_EINTERNAL, "out of memory");
}

static const char *json_type_name(const cg_jv *v)
{
	switch (v->type) {
	case CG_JOBJ: return "an object";
	case CG_JARR: return "an array";
	case CG_JSTR: return "a string";
	case CG_JINT: return "an integer";
	case CG_JREAL: return "a number";
	case CG_JTRUE:
	case CG_JFALSE: return "a boolean";
	default: return "null";
	}
}

static int type_ok(const cg_jv *v, int types)
{
	return ((types & J_OBJ) && cg_jv_is_obj(v)) || ((types & J_ARR) && cg_jv_is_arr(v)) ||
	       ((types & J_STR) && cg_jv_is_str(v)) || ((types & J_INT) && cg_jv_is_int(v)) ||
	       ((types & J_BOOL) && cg_jv_is_bool(v)) || ((types & J_NULL) && cg_jv_is_null(v));
}

const cg_jv *rd_field(rd *r, const rd_loc *at, const cg_jv *obj, const char *k, int types)
{
	const cg_jv *v = cg_jv_get(obj, k);
	if (!v) {
		rd_fail(r, at, "missing field '%s'", k);
		return NULL;
	}
	if (!type_ok(v, types)) {
		rd_loc here = { at, k, 0 };
		rd_fail(r, &here, "unexpected %s", json_type_name(v));
		return NULL;
	}
	return v;
}

/* ---- the id table ---- */

ent *rd_ent(const rd *r, uint32_t id)
{
	if (!r->ntab)
		return NULL;
	size_t mask = r->ntab - 1;
	for (size_t i = (id * (size_t)2654435761u) & mask;; i = (i + 1) & mask) {
		if (!r->tab[i])
			return NULL;
		if (r->e[r->tab[i] - 1].id == id)
			return &r->e[r->tab[i] - 1];
	}
}

static int rehash(rd *r, size_t n)
{
	size_t *t = calloc(n, sizeof *t);
	if (!t)
		return -1;
	free(r->tab);
	r->tab = t;
	r->ntab = n;
	for (size_t k = 0; k < r->ne; k++) {
		size_t i = (r->e[k].id * (size_t)2654435761u) & (n - 1);
		while (t[i])
			i = (i + 1) & (n - 1);
		t[i] = k + 1;
	}
	return 0;
}

/* The entry for id, created when absent. */
static ent *ent_get(rd *r, uint32_t id)
{
	ent *e = rd_ent(r, id);
	if (e)
		return e;
	if ((r->ne + 1) * 2 > r->ntab && rehash(r, r->ntab ? r->ntab * 2 : 1024) < 0)
		return NULL;
	if (r->ne == r->cape) {
		size_t cap = r->cape ? r->cape * 2 : 1024;
		ent *n = realloc(r->e, cap * sizeof *n);
		if (!n)
			return NULL;
		r->e = n;
		r->cape = cap;
	}
	e = &r->e[r->ne++];
	memset(e, 0, sizeof *e);
	e->id = id;
	size_t mask = r->ntab - 1, i = (id * (size_t)2654435761u) & mask;
	while (r->tab[i])
		i = (i + 1) & mask;
	r->tab[i] = r->ne;
	return e;
}

/* Decimal digits only, at most UINT32_MAX (as strtoul would take them, without its cost on
 * every key of index and paths). */
static int parse_id(const char *s, uint32_t *id)
{
	uint64_t v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || (v = v * 10 + (uint64_t)(*s - '0')) > UINT32_MAX)
			return -1;
	}
	*id = (uint32_t)v;
	return 0;
}

/* ---- kinds ---- */

static const struct { const char *name; int kind; } item_kinds[] = {
	{ "module", CG_KIND_MODULE }, { "extern_crate", CG_KIND_EXTERN_CRATE }, { "use", K_USE },
	{ "union", CG_KIND_UNION }, { "struct", CG_KIND_STRUCT }, { "struct_field", CG_KIND_FIELD },
	{ "enum", CG_KIND_ENUM }, { "variant", CG_KIND_VARIANT }, { "function", CG_KIND_FUNCTION },
	{ "trait", CG_KIND_TRAIT }, { "trait_alias", CG_KIND_TRAIT_ALIAS }, { "impl", CG_KIND_IMPL },
	{ "type_alias", CG_KIND_TYPE_ALIAS }, { "constant", CG_KIND_CONST }, { "static", CG_KIND_STATIC },
	{ "extern_type", CG_KIND_FOREIGN_TYPE }, { "macro", CG_KIND_MACRO },
	{ "proc_macro", CG_KIND_PROC_MACRO }, { "primitive", CG_KIND_PRIMITIVE },
	{ "assoc_const", CG_KIND_ASSOC_CONST }, { "assoc_type", CG_KIND_ASSOC_TYPE },
	/* only in `paths` */
	{ "proc_attribute", CG_KIND_PROC_MACRO }, { "proc_derive", CG_KIND_PROC_MACRO },
	{ "keyword", K_NONE }, { "attribute", K_NONE },
};

int rd_kind(const char *name)
{
	for (size_t i = 0; i < sizeof item_kinds / sizeof *item_kinds; i++)
		if (strcmp(item_kinds[i].name, name) == 0)
			return item_kinds[i].kind;
	return -1;
}

/* ---- load: the id table from index, paths and external_crates ---- */

static int load_index(rd *r, const cg_jv *index)
{
	rd_loc at_index = { NULL, "index", 0 };
	size_t k;
	const cg_jmember *m;
	cg_jv_obj_foreach(index, k, m) {
		const char *key = m->key;
		const cg_jv *item = &m->v;
		rd_loc at = { &at_index, key, 0 };
		uint32_t id;
		if (parse_id(key, &id) < 0)
			return rd_fail(r, &at, "%s", "key is not an item id");
		if (!cg_jv_is_obj(item))
			return rd_fail(r, &at, "unexpected %s", json_type_name(item));
		const cg_jv *inner = rd_field(r, &at, item, "inner", J_OBJ), *name = NULL, *vis = NULL, *span = NULL,
			    *docs = NULL;
		if (!inner || !(name = rd_field(r, &at, item, "name", J_STR | J_NULL)) ||
		    !(vis = rd_field(r, &at, item, "visibility", J_STR | J_OBJ)) ||
		    !(span = rd_field(r, &at, item, "span", J_OBJ | J_NULL)) ||
		    !(docs = rd_field(r, &at, item, "docs", J_STR | J_NULL)))
			return CG_EDATA;
		const cg_jmember *first = cg_jv_first(inner);
		rd_loc at_inner = { &at, "inner", 0 };
		if (!first)
			return rd_fail(r, &at_inner, "%s", "no item kind");
		const char *kname = first->key;
		int kind = rd_kind(kname);
		if (kind < 0 || kind == K_NONE)
			return rd_fail(r, &at_inner, "unknown item kind '%s'", kname);
		ent *e = ent_get(r, id);
		if (!e)
			return rd_oom(r);
		e->item = item;
		e->name = cg_jv_str(name);
		e->docs = cg_jv_str(docs);
		e->kname = kname;
		e->span = span;
		e->vis = vis;
		e->key = key;
		e->kind = (uint8_t)kind;
		e->body = &first->v;
		/* `paths` calls function-like proc macros "macro": so must their vertices, for
		 * other crates' stubs of them to match */
		const char *pk = cg_jv_str(cg_jv_get(e->body, "kind"));
		if (kind == CG_KIND_PROC_MACRO && pk && strcmp(pk, "bang") == 0)
			e->kind = CG_KIND_MACRO;
	}
	return 0;
}

static int load_paths(rd *r, const cg_jv *paths)
{
	rd_loc at_paths = { NULL, "paths", 0 };
	size_t k;
	const cg_jmember *m;
	cg_jv_obj_foreach(paths, k, m) {
		const char *key = m->key;
		const cg_jv *sum = &m->v;
		rd_loc at = { &at_paths, key, 0 };
		uint32_t id;
		if (parse_id(key, &id) < 0)
			return rd_fail(r, &at, "%s", "key is not an item id");
		if (!cg_jv_is_obj(sum))
			return rd_fail(r, &at, "unexpected %s", json_type_name(sum));
		const cg_jv *crate_id = rd_field(r, &at, sum, "crate_id", J_INT);
		const cg_jv *path = crate_id ? rd_field(r, &at, sum, "path", J_ARR) : NULL;
		const cg_jv *kind = path ? rd_field(r, &at, sum, "kind", J_STR) : NULL;
		if (!kind)
			return CG_EDATA;
		size_t i;
		const cg_jv *c;
		cg_jv_arr_foreach(path, i, c) {
			if (!cg_jv_is_str(c)) {
				rd_loc at_path = { &at, "path", 0 }, at_c = { &at_path, NULL, (long)i };
				return rd_fail(r, &at_c, "unexpected %s", json_type_name(c));
			}
		}
		ent *e = ent_get(r, id);
		if (!e)
			return rd_oom(r);
		e->summary = sum;
		e->skey = key;
	}
	return 0;
}

/* std's own crates (and its private copies of memchr, hashbrown, ...) live in the
 * toolchain's sysroot and are documented on doc.rust-lang.org. */
static int is_std_crate(const char *path, const char *url)
{
	return (path && strstr(path, "/lib/rustlib/")) ||
	       (url && strncmp(url, "https://doc.rust-lang.org/", 26) == 0);
}

static int load_external(rd *r, const cg_jv *ext)
{
	rd_loc at_ext = { NULL, "external_crates", 0 };
	r->xc = calloc(cg_jv_obj_size(ext) + 1, sizeof *r->xc);
	if (!r->xc)
		return rd_oom(r);
	size_t k;
	const cg_jmember *m;
	cg_jv_obj_foreach(ext, k, m) {
		const char *key = m->key;
		const cg_jv *c = &m->v;
		rd_loc at = { &at_ext, key, 0 };
		uint32_t id;
		if (parse_id(key, &id) < 0)
			return rd_fail(r, &at, "%s", "key is not a crate id");
		if (!cg_jv_is_obj(c))
			return rd_fail(r, &at, "unexpected %s", json_type_name(c));
		const cg_jv *name = rd_field(r, &at, c, "name", J_STR);
		const cg_jv *url = name ? rd_field(r, &at, c, "html_root_url", J_STR | J_NULL) : NULL;
		if (!url)
			return CG_EDATA;
		const cg_jv *path = cg_jv_get(c, "path");
		ext_crate *x = &r->xc[r->nxc++];
		x->id = id;
		x->name = cg_jv_str(name);
		x->is_std = is_std_crate(cg_jv_str(path), cg_jv_str(url));
		x->version = "";
	}
	return 0;
}

const ext_crate *rd_ext(const rd *r, uint32_t crate_id)
{
	for (size_t i = 0; i < r->nxc; i++) /* a few dozen entries */
		if (r->xc[i].id == crate_id)
			return &r->xc[i];
	return NULL;
}

int rd_load(rd *r, const cg_jv *index, const cg_jv *paths, const cg_jv *ext)
{
	int rc = load_index(r, index);
	if (!rc)
		rc = load_paths(r, paths);
	return rc ? rc : load_external(r, ext);
}

/* ---- stubs ---- */

const char *rd_sget(const cg_jv *o, const char *k)
{
	return cg_jv_str(cg_jv_get(o, k));
}

int rd_join(cg_buf *b, const char *a, const char *sep, const char *c)
{
	return cg_buf_puts(b, a) < 0 || cg_buf_puts(b, sep) < 0 || cg_buf_puts(b, c) < 0 ? -1 : 0;
}

int rd_join_summary(const cg_jv *sum, cg_buf *b)
{
	size_t i;
	const cg_jv *c;
	cg_jv_arr_foreach(cg_jv_get(sum, "path"), i, c)
		if (rd_join(b, "", i ? "::" : "", cg_jv_str(c)) < 0)
			return -1;
	return 0;
}

/* A stub for an item known only from `paths` (external, or local but not documented), or
 * with member set, for its item of that name and kind (a trait's method). */
static int stub(rd *r, ent *e, const char *member, int member_kind, uint64_t *vid)
{
	const cg_jv *path = cg_jv_get(e->summary, "path");
	size_t n = cg_jv_arr_size(path);
	int kind = n ? rd_kind(rd_sget(e->summary, "kind")) : -1;
	if (kind < 0 || kind >= CG_KIND_NKINDS) { /* keywords, attributes: nothing to point at */
		e->flags |= E_NOSTUB;
		return 0;
	}
	if (kind == CG_KIND_MODULE && n == 1)
		kind = CG_KIND_CRATE;
	uint32_t crate_id = (uint32_t)cg_jv_int(cg_jv_get(e->summary, "crate_id"));
	const ext_crate *x = crate_id ? rd_ext(r, crate_id) : NULL;
	cg_buf b = { 0 };
	if (rd_join_summary(e->summary, &b) < 0 || (member && rd_join(&b, "", "::", member) < 0) ||
	    cg_buf_putc(&b, 0) < 0) {
		cg_buf_free(&b);
		return rd_oom(r);
	}
	cg_vertex v = { .kind = member ? member_kind : kind, .flags = CG_VFLAG_STUB };
	v.str[CG_VF_NAME] = member ? member : cg_jv_str(cg_jv_at(path, n - 1));
	v.str[CG_VF_PATH] = (const char *)b.data;
	v.str[CG_VF_CRATE] = crate_id == 0 ? r->crate : x ? x->name : cg_jv_str(cg_jv_at(path, 0));
	v.str[CG_VF_VERSION] = crate_id == 0 ? r->version : x ? x->version : "";
	int rc = cg_graph_add_vertex(r->g, &v, vid, r->err);
	cg_buf_free(&b);
	return rc;
}

int rd_member_stub(rd *r, ent *e, const char *name, int kind, uint64_t *vid)
{
	*vid = 0;
	return e->summary && !(e->flags & E_NOSTUB) ? stub(r, e, name, kind, vid) : 0;
}

int rd_vid(rd *r, uint32_t id, uint64_t *vid)
{
	ent *e = rd_ent(r, id);
	*vid = 0;
	if (!e || (!(e->flags & E_VERTEX) && (e->item || !e->summary || (e->flags & E_NOSTUB))))
		return 0; /* unknown, or an item left out (a `use`, a synthetic impl's item) */
	if (!e->vid) {
		int rc = stub(r, e, NULL, 0, &e->vid);
		if (rc)
			return rc;
	}
	*vid = e->vid;
	return 0;
}

/* rustdoc_build: from the loaded id table to the graph: containment, defining paths,
 * vertices and stubs, then Contains, Implements, Uses and Depends edges and re-export aliases. */
#include <stdlib.h>
#include <string.h>

#include "codec/keys.h"
#include "rustdoc_int.h"

/* ---- structure: who contains whom ---- */

static void set_parent(ent *child, uint32_t parent)
{
	if (!child->has_parent) {
		child->parent = parent;
		child->has_parent = 1;
	}
}

/* Does module m's summary path equal child's minus its last segment? Then m defines it. */
static int defines(const ent *m, const ent *child)
{
	const cg_jv *mp = cg_jv_get(m->summary, "path"), *cp = cg_jv_get(child->summary, "path");
	size_t n = cg_jv_arr_size(mp);
	if (!mp || !cp || n + 1 != cg_jv_arr_size(cp))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(cg_jv_str(cg_jv_at(mp, i)), cg_jv_str(cg_jv_at(cp, i))) != 0) /* strings: load_paths checked */
			return 0;
	return 1;
}

/* Children of item e listed in array field k of obj: ids (or null for stripped fields). */
static int adopt(rd *r, ent *e, const cg_jv *obj, const char *k, const rd_loc *at)
{
	const cg_jv *a = rd_field(r, at, obj, k, J_ARR);
	if (!a)
		return CG_EDATA;
	size_t i;
	const cg_jv *v;
	cg_jv_arr_foreach(a, i, v) {
		if (cg_jv_is_null(v))
			continue;
		if (!cg_jv_is_int(v)) {
			rd_loc at_k = { at, k, 0 }, at_i = { &at_k, NULL, (long)i };
			return rd_fail(r, &at_i, "%s", "not an item id");
		}
		ent *c = rd_ent(r, (uint32_t)cg_jv_int(v));
		if (!c || !c->item)
			continue;
		if (e->kind == CG_KIND_MODULE || e->kind == CG_KIND_CRATE) {
			/* an item listed by several modules (inlined re-exports) belongs to the one
			 * its defining path names; the others re-export it */
			if (c->has_parent && c->kind != K_USE && defines(e, c))
				c->has_parent = 0;
		}
		set_parent(c, e->id);
	}
	return 0;
}

/* struct / union / variant fields: "unit" | {"tuple": [ids]} | {"plain"|"struct": {"fields"}} */
static int adopt_fields(rd *r, ent *e, const cg_jv *kind, const rd_loc *at)
{
	const cg_jv *v;
	rd_loc at_kind = { at, "kind", 0 };
	if (!cg_jv_is_obj(kind))
		return 0;
	if ((v = cg_jv_get(kind, "tuple")))
		return adopt(r, e, kind, "tuple", &at_kind);
	if ((v = cg_jv_get(kind, "plain")) || (v = cg_jv_get(kind, "struct"))) {
		rd_loc at_v = { &at_kind, cg_jv_get(kind, "plain") ? "plain" : "struct", 0 };
		return adopt(r, e, v, "fields", &at_v);
	}
	return 0;
}

static int skip_impl(rd *r, ent *e, const rd_loc *at)
{
	const cg_jv *synth = rd_field(r, at, e->body, "is_synthetic", J_BOOL);
	const cg_jv *blanket = synth ? rd_field(r, at, e->body, "blanket_impl", J_OBJ | J_NULL) : NULL;
	const cg_jv *items = blanket ? rd_field(r, at, e->body, "items", J_ARR) : NULL;
	if (!items || !rd_field(r, at, e->body, "trait", J_OBJ | J_NULL) ||
	    !rd_field(r, at, e->body, "for", J_OBJ))
		return CG_EDATA;
	if (!cg_jv_is_true(synth) && cg_jv_is_null(blanket))
		return 0;
	if (r->o.keep_synthetic) {
		e->flags |= E_SYNTH; /* the impl only: its items are ordinary methods of it */
		return 0;
	}
	e->flags |= E_SKIP;
	size_t i;
	const cg_jv *v;
	cg_jv_arr_foreach(items, i, v) {
		ent *c = cg_jv_is_int(v) ? rd_ent(r, (uint32_t)cg_jv_int(v)) : NULL;
		if (c && c->item)
			c->flags |= E_SKIP;
	}
	return 0;
}

static int structure_one(rd *r, ent *e)
{
	rd_loc at_index = { NULL, "index", 0 }, at_item = { &at_index, e->key, 0 },
	       at_inner = { &at_item, "inner", 0 };
	const char *kname = e->kname;
	rd_loc at = { &at_inner, kname, 0 };
	const cg_jv *b = e->body;
	switch (e->kind) {
	case CG_KIND_CRATE:
	case CG_KIND_MODULE:
		return adopt(r, e, b, "items", &at);
	case CG_KIND_STRUCT: {
		const cg_jv *k = rd_field(r, &at, b, "kind", J_STR | J_OBJ);
		return !k || adopt_fields(r, e, k, &at) || adopt(r, e, b, "impls", &at) ? CG_EDATA : 0;
	}
	case CG_KIND_UNION:
		return adopt(r, e, b, "fields", &at) || adopt(r, e, b, "impls", &at) ? CG_EDATA : 0;
	case CG_KIND_ENUM:
		return adopt(r, e, b, "variants", &at) || adopt(r, e, b, "impls", &at) ? CG_EDATA : 0;
	case CG_KIND_VARIANT: {
		const cg_jv *k = rd_field(r, &at, b, "kind", J_STR | J_OBJ);
		return k ? adopt_fields(r, e, k, &at) : CG_EDATA;
	}
	case CG_KIND_TRAIT:
		return adopt(r, e, b, "items", &at);
	case CG_KIND_IMPL:
		return skip_impl(r, e, &at) || adopt(r, e, b, "items", &at) ? CG_EDATA : 0;
	case CG_KIND_PRIMITIVE:
		return adopt(r, e, b, "impls", &at);
	}
	return 0;
}

/* A trait contains the impls of it that no local type claims (impls for foreign types). */
static int trait_impls(rd *r, ent *e)
{
	rd_loc at_index = { NULL, "index", 0 }, at_item = { &at_index, e->key, 0 },
	       at_inner = { &at_item, "inner", 0 }, at = { &at_inner, "trait", 0 };
	const cg_jv *a = rd_field(r, &at, e->body, "implementations", J_ARR);
	if (!a)
		return CG_EDATA;
	size_t i;
	const cg_jv *v;
	cg_jv_arr_foreach(a, i, v) {
		ent *c = cg_jv_is_int(v) ? rd_ent(r, (uint32_t)cg_jv_int(v)) : NULL;
		if (c && c->item)
			set_parent(c, e->id);
	}
	return 0;
}

/* An item no module lists (defined in a private module) belongs to a module re-exporting it. */
static int use_parents(rd *r, ent *u)
{
	rd_loc at_index = { NULL, "index", 0 }, at_item = { &at_index, u->key, 0 },
	       at_inner = { &at_item, "inner", 0 }, at = { &at_inner, "use", 0 };
	const cg_jv *id = rd_field(r, &at, u->body, "id", J_INT | J_NULL);
	if (!id || !rd_field(r, &at, u->body, "name", J_STR) || !rd_field(r, &at, u->body, "is_glob", J_BOOL))
		return CG_EDATA;
	ent *t = cg_jv_is_int(id) ? rd_ent(r, (uint32_t)cg_jv_int(id)) : NULL;
	if (t && t->item && u->has_parent && !cg_jv_is_true(cg_jv_get(u->body, "is_glob")))
		set_parent(t, u->parent);
	return 0;
}

static int structure(rd *r)
{
	for (size_t i = 0; i < r->ne; i++)
		if (r->e[i].item && structure_one(r, &r->e[i]))
			return r->err->code;
	for (size_t i = 0; i < r->ne; i++)
		if (r->e[i].item && r->e[i].kind == CG_KIND_TRAIT && trait_impls(r, &r->e[i]))
			return r->err->code;
	for (size_t i = 0; i < r->ne; i++)
		if (r->e[i].item && r->e[i].kind == K_USE && use_parents(r, &r->e[i]))
			return r->err->code;
	for (size_t i = 0; i < r->ne; i++) { /* functions in impls and traits are methods */
		ent *e = &r->e[i], *p = e->has_parent ? rd_ent(r, e->parent) : NULL;
		if (e->item && e->kind == CG_KIND_FUNCTION && p && (p->kind == CG_KIND_IMPL || p->kind == CG_KIND_TRAIT))
			e->kind = CG_KIND_METHOD;
		if (p && (p->flags & E_SKIP))
			e->flags |= E_SKIP;
	}
	return 0;
}

/* ---- paths ---- */

static const char *intern(rd *r, const cg_buf *b)
{
	char *s = malloc(b->len + 1);
	if (!s)
		return NULL;
	memcpy(s, b->data, b->len);
	s[b->len] = 0;
	const char *p = cg_graph_strdup(r->g, s);
	free(s);
	return p;
}

static int is_local_summary(const ent *e)
{
	return e->summary && cg_jv_int(cg_jv_get(e->summary, "crate_id")) == 0;
}

static const char *path_of(rd *r, ent *e);

static const char *parent_path(rd *r, const ent *e)
{
	ent *p = e->has_parent ? rd_ent(r, e->parent) : NULL;
	const char *pp = p ? path_of(r, p) : NULL;
	return pp ? pp : r->crate;
}

/* Memoized: the summary's path for local items that have one, else the container's path
 * plus the item's name (impl paths are set beforehand by impl_paths()). */
static const char *path_of(rd *r, ent *e)
{
	if (e->path || (e->flags & E_PATHING))
		return e->path;
	cg_buf b = { 0 };
	int rc;
	e->flags |= E_PATHING;
	if (e == r->root)
		rc = rd_join(&b, r->crate, "", "");
	else if (is_local_summary(e) && e->kind != CG_KIND_IMPL)
		rc = rd_join_summary(e->summary, &b);
	else {
		const char *name = e->name; /* NULL without an item */
		rc = rd_join(&b, parent_path(r, e), "::", name ? name : "_");
	}
	e->flags &= (uint8_t)~E_PATHING;
	if (rc == 0)
		e->path = intern(r, &b);
	cg_buf_free(&b);
	return e->path;
}

/* The module an impl's path hangs under: that of its local type, else its local trait,
 * else the crate. */
static const char *impl_anchor(rd *r, const ent *e, cg_buf *b)
{
	uint32_t id;
	ent *t = NULL;
	if (rd_type_id(cg_jv_get(e->body, "for"), &id))
		t = rd_ent(r, id);
	if (!t || !(t->item || is_local_summary(t))) {
		const cg_jv *tr = cg_jv_get(e->body, "trait");
		const cg_jv *tid = cg_jv_get(tr, "id");
		t = cg_jv_is_int(tid) ? rd_ent(r, (uint32_t)cg_jv_int(tid)) : NULL;
		if (t && !(t->item || is_local_summary(t)))
			t = NULL;
	}
	const char *p = t && t->kind != CG_KIND_IMPL ? path_of(r, t) : NULL;
	const char *sep = p ? strstr(p, "::") : NULL;
	if (!sep)
		return r->crate;
	for (const char *s; (s = strstr(sep + 2, "::"));)
		sep = s;
	cg_buf_reset(b);
	if (cg_buf_append(b, p, (size_t)(sep - p)) < 0 || cg_buf_putc(b, 0) < 0)
		return NULL;
	return (const char *)b->data;
}

static int impl_label(rd *r, ent *e)
{
	cg_buf b = { 0 };
	const cg_jv *tr = cg_jv_get(e->body, "trait");
	cg_buf_printf(&b, "<impl ");
	if (tr && !cg_jv_is_null(tr)) {
		if (cg_jv_is_true(cg_jv_get(e->body, "is_negative")))
			cg_buf_putc(&b, '!');
		rd_render_path(r, &b, tr, 0);
		cg_buf_printf(&b, " for ");
	}
	rd_render_type(r, &b, cg_jv_get(e->body, "for"), 0);
	int rc = cg_buf_putc(&b, '>');
	e->label = rc == 0 ? intern(r, &b) : NULL;
	cg_buf_free(&b);
	return e->label ? 0 : rd_oom(r);
}

typedef struct impl_key {
	ent *e;
	const char *file;
	long line, col;
} impl_key;

static int impl_cmp(const void *a, const void *b)
{
	const impl_key *x = a, *y = b;
	int c = strcmp(x->e->path, y->e->path);
	if (!c)
		c = strcmp(x->file, y->file);
	if (!c)
		c = (x->line > y->line) - (x->line < y->line);
	if (!c)
		c = (x->col > y->col) - (x->col < y->col);
	return c ? c : (x->e->id > y->e->id) - (x->e->id < y->e->id);
}

static void span_key(const ent *e, impl_key *k)
{
	const cg_jv *span = e->span, *begin = cg_jv_get(span, "begin");
	k->e = (ent *)e;
	k->file = rd_sget(span, "filename") ? rd_sget(span, "filename") : "";
	k->line = (long)cg_jv_int(cg_jv_at(begin, 0));
	k->col = (long)cg_jv_int(cg_jv_at(begin, 1));
}

/* Impl paths, made unique: impls that render alike (same trait and type text) get "[2]",
 * "[3]"... in source order, so ids stay stable across runs. */
static int impl_paths(rd *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->ne; i++)
		n += r->e[i].item && r->e[i].kind == CG_KIND_IMPL && !(r->e[i].flags & E_SKIP);
	impl_key *keys = malloc((n ? n : 1) * sizeof *keys);
	cg_buf b = { 0 }, a = { 0 };
	int rc = keys ? 0 : rd_oom(r);
	size_t k = 0;
	for (size_t i = 0; i < r->ne && !rc; i++) {
		ent *e = &r->e[i];
		if (!e->item || e->kind != CG_KIND_IMPL || (e->flags & E_SKIP))
			continue;
		const char *anchor;
		if ((rc = impl_label(r, e)))
			break;
		cg_buf_reset(&b);
		if (!(anchor = impl_anchor(r, e, &a)) || rd_join(&b, anchor, "::", e->label) < 0 ||
		    !(e->path = intern(r, &b)))
			rc = rd_oom(r);
		span_key(e, &keys[k++]);
	}
	if (!rc)
		qsort(keys, k, sizeof *keys, impl_cmp);
	for (size_t i = 0, j; i < k && !rc; i = j) {
		for (j = i + 1; j < k && strcmp(keys[j].e->path, keys[i].e->path) == 0; j++) {
			cg_buf_reset(&b);
			if (cg_buf_printf(&b, "%s[%zu]", keys[i].e->path, j - i + 1) < 0 || !(keys[j].e->path = intern(r, &b)))
				rc = rd_oom(r);
		}
	}
	free(keys);
	cg_buf_free(&b);
	cg_buf_free(&a);
	return rc;
}

/* ---- vertices ---- */

static int vis_of(const cg_jv *v)
{
	const char *s = cg_jv_str(v);
	if (!s)
		return cg_jv_is_obj(v) ? CG_VIS_RESTRICTED : CG_VIS_UNKNOWN;
	return cg_vis_parse(s);
}

/* The first non-blank line of docs, in r->b; *out is NULL when there is none. */
static int first_line(rd *r, const char *docs, const char **out)
{
	*out = NULL;
	if (!docs)
		return 0;
	while (*docs == ' ' || *docs == '\n')
		docs++;
	size_t n = strcspn(docs, "\n");
	while (n && (docs[n - 1] == ' ' || docs[n - 1] == '\r'))
		n--;
	if (!n)
		return 0;
	cg_buf_reset(&r->b);
	if (cg_buf_append(&r->b, docs, n) < 0 || cg_buf_putc(&r->b, 0) < 0)
		return rd_oom(r);
	*out = (const char *)r->b.data;
	return 0;
}

static int add_item_vertex(rd *r, ent *e)
{
	const cg_jv *span = e->span;
	const cg_jv *begin = cg_jv_get(span, "begin"), *end = cg_jv_get(span, "end");
	cg_vertex v = { .kind = e->kind, .vis = vis_of(e->vis),
			.flags = (e->flags & E_SYNTH) ? CG_VFLAG_SYNTHETIC : 0,
			.line = (uint32_t)cg_jv_int(cg_jv_at(begin, 0)),
			.end_line = (uint32_t)cg_jv_int(cg_jv_at(end, 0)),
			.column = (uint32_t)cg_jv_int(cg_jv_at(begin, 1)) };
	v.str[CG_VF_NAME] = e == r->root ? r->crate : e->kind == CG_KIND_IMPL ? e->label : e->name;
	v.str[CG_VF_PATH] = path_of(r, e);
	v.str[CG_VF_CRATE] = r->crate;
	v.str[CG_VF_VERSION] = r->version;
	v.str[CG_VF_FILE] = rd_sget(span, "filename");
	if (first_line(r, e->docs, &v.str[CG_VF_DOCS]))
		return CG_EINTERNAL;
	if (!v.str[CG_VF_PATH])
		return rd_oom(r);
	if (cg_graph_add_vertex(r->g, &v, &e->vid, r->err))
		return r->err->code;
	e->flags |= E_VERTEX;
	return 0;
}

static int vertices(rd *r)
{
	for (size_t i = 0; i < r->ne; i++) {
		ent *e = &r->e[i];
		if (e->item && e->kind != K_USE && !(e->flags & E_SKIP) && add_item_vertex(r, e))
			return r->err->code;
	}
	return 0;
}

/* ---- edges ---- */

static int edge_flagged(rd *r, uint64_t src, int type, uint64_t dst, const char *file, uint32_t line,
			unsigned flags)
{
	cg_gedge e = { src, dst, type, line, flags, file };
	if (!src || !dst || src == dst)
		return 0;
	return cg_graph_add_edge(r->g, &e) < 0 ? rd_oom(r) : 0;
}

static int edge(rd *r, uint64_t src, int type, uint64_t dst, const char *file, uint32_t line)
{
	return edge_flagged(r, src, type, dst, file, line, 0);
}

static const char *span_file(const ent *e, uint32_t *line)
{
	const cg_jv *span = e->span;
	*line = (uint32_t)cg_jv_int(cg_jv_at(cg_jv_get(span, "begin"), 0));
	return rd_sget(span, "filename");
}

static int alias(rd *r, const ent *target, const char *module_path, const char *name)
{
	if (!(target->flags & E_VERTEX) || !name)
		return 0;
	cg_buf_reset(&r->b);
	if (rd_join(&r->b, module_path, "::", name) < 0 || cg_graph_add_alias(r->g, target->vid, (char *)r->b.data) < 0)
		return rd_oom(r);
	return 0;
}

static int is_public(const ent *e)
{
	return vis_of(e->vis) == CG_VIS_PUBLIC;
}

/* Can module m be named from outside: it and every module above it public? (An alias made
 * under a private module is no public path: libc's items are public as libc::NAME, not as
 * libc::unix::linux_like::NAME.) */
static int public_module(rd *r, const ent *m)
{
	for (int depth = 0; m && m != r->root && depth < 64; depth++) {
		if (!is_public(m))
			return 0;
		m = m->has_parent ? rd_ent(r, m->parent) : NULL;
	}
	return m == r->root;
}

/* `pub use m::*` re-exports m's public items and the variants of an enum, and through m's
 * own `pub use`s (globs too: libc's lib.rs -> unix -> linux_like -> ...) what they re-export. */
static int glob_aliases(rd *r, const ent *t, const char *module_path, int depth)
{
	const cg_jv *items = cg_jv_get(t->body, t->kind == CG_KIND_ENUM ? "variants" : "items");
	size_t i;
	const cg_jv *v;
	cg_jv_arr_foreach(items, i, v) {
		ent *c = cg_jv_is_int(v) ? rd_ent(r, (uint32_t)cg_jv_int(v)) : NULL;
		if (!c || !c->item)
			continue;
		if (c->kind == K_USE) {
			const cg_jv *tid = cg_jv_get(c->body, "id");
			ent *ct = cg_jv_is_int(tid) ? rd_ent(r, (uint32_t)cg_jv_int(tid)) : NULL;
			if (!ct || !is_public(c))
				continue;
			if (cg_jv_is_true(cg_jv_get(c->body, "is_glob"))) {
				if (depth < 16 && ct->item && glob_aliases(r, ct, module_path, depth + 1))
					return r->err->code;
			} else if (alias(r, ct, module_path, rd_sget(c->body, "name"))) {
				return r->err->code;
			}
		} else if ((t->kind == CG_KIND_ENUM || is_public(c)) && alias(r, c, module_path, c->name)) {
			return r->err->code;
		}
	}
	return 0;
}

/* A `use`: a Uses edge from its module, marked when it re-exports (`pub use`, and a glob),
 * so that queries can follow public paths into other crates; and, in a module that can be
 * named from outside, aliases for the public paths it makes. */
static int use_edges(rd *r, ent *u)
{
	ent *m = u->has_parent ? rd_ent(r, u->parent) : NULL;
	const cg_jv *tid = cg_jv_get(u->body, "id");
	if (!m || !(m->flags & E_VERTEX) || !cg_jv_is_int(tid))
		return 0;
	uint32_t line;
	const char *file = span_file(u, &line);
	int glob = cg_jv_is_true(cg_jv_get(u->body, "is_glob"));
	unsigned flags = is_public(u) ? CG_EDGE_FLAG_REEXPORT | (glob ? CG_EDGE_FLAG_GLOB : 0) : 0;
	uint64_t dst;
	if (rd_vid(r, (uint32_t)cg_jv_int(tid), &dst) ||
	    edge_flagged(r, m->vid, CG_EDGE_USES, dst, file, line, flags))
		return r->err->code;
	ent *t = rd_ent(r, (uint32_t)cg_jv_int(tid));
	if (!t || !(t->flags & E_VERTEX) || !is_public(u) || !public_module(r, m))
		return 0;
	if (glob)
		return glob_aliases(r, t, m->path, 0);
	return alias(r, t, m->path, rd_sget(u->body, "name"));
}

/* What an item's signature names: the parts of its inner value holding types and bounds. */
static int item_uses(rd *r, ent *e)
{
	static const char *const parts[][3] = {
		[CG_KIND_FUNCTION] = { "sig", "generics" }, [CG_KIND_METHOD] = { "sig", "generics" },
		[CG_KIND_TYPE_ALIAS] = { "type", "generics" }, [CG_KIND_CONST] = { "type" },
		[CG_KIND_STATIC] = { "type" }, [CG_KIND_ASSOC_CONST] = { "type" },
		[CG_KIND_ASSOC_TYPE] = { "type", "bounds", "generics" }, [CG_KIND_TRAIT] = { "bounds", "generics" },
		[CG_KIND_TRAIT_ALIAS] = { "params", "generics" }, [CG_KIND_STRUCT] = { "generics" },
		[CG_KIND_ENUM] = { "generics" }, [CG_KIND_UNION] = { "generics" }, [CG_KIND_IMPL] = { "generics" },
	};
	uint32_t line;
	const char *file = span_file(e, &line);
	if (e->kind == CG_KIND_FIELD) /* the field's inner value is its type */
		return rd_uses(r, e->vid, e->body, file, line);
	if (e->kind >= sizeof parts / sizeof *parts)
		return 0;
	for (int i = 0; i < 3 && parts[e->kind][i]; i++)
		if (rd_uses(r, e->vid, cg_jv_get(e->body, parts[e->kind][i]), file, line))
			return r->err->code;
	return 0;
}

/* The trait's item named name: a local trait's own, else a stub under the trait's path. */
static int trait_item(rd *r, ent *t, const char *name, uint64_t *vid)
{
	*vid = 0;
	if (!t->item)
		return rd_member_stub(r, t, name, CG_KIND_METHOD, vid);
	size_t i;
	const cg_jv *v;
	cg_jv_arr_foreach(cg_jv_get(t->body, "items"), i, v) {
		ent *c = cg_jv_is_int(v) ? rd_ent(r, (uint32_t)cg_jv_int(v)) : NULL;
		const char *n = c && c->item ? c->name : NULL;
		if (n && !strcmp(n, name) && (c->flags & E_VERTEX)) {
			*vid = c->vid;
			return 0;
		}
	}
	return 0;
}

/* Each method of a trait impl implements the trait's method of that name. */
static int method_links(rd *r, ent *impl, uint32_t trait_id)
{
	ent *t = rd_ent(r, trait_id);
	size_t i;
	const cg_jv *v;
	if (!t || (!t->item && !t->summary))
		return 0;
	cg_jv_arr_foreach(cg_jv_get(impl->body, "items"), i, v) {
		ent *c = cg_jv_is_int(v) ? rd_ent(r, (uint32_t)cg_jv_int(v)) : NULL;
		uint64_t dst;
		uint32_t line;
		if (!c || !(c->flags & E_VERTEX) || c->kind != CG_KIND_METHOD || !c->name)
			continue;
		const char *file = span_file(c, &line);
		if (trait_item(r, t, c->name, &dst) ||
		    edge(r, c->vid, CG_EDGE_IMPLEMENTS, dst, file, line))
			return r->err->code;
	}
	return 0;
}

typedef struct impl_of {
	uint64_t type, trait; /* type 0: not a path type */
	ent *e;
} impl_of;

static int impl_of_cmp(const void *a, const void *b)
{
	const impl_of *x = a, *y = b;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->trait != y->trait)
		return x->trait < y->trait ? -1 : 1;
	return strcmp(x->e->path, y->e->path);
}

/* The trait and self type of a (positive) trait impl; *type 0 unless the self type is a
 * path (not a primitive, reference, tuple, array, slice or generic). */
static int impl_sides(rd *r, ent *e, uint64_t *type, uint64_t *trait)
{
	const cg_jv *tid = cg_jv_get(cg_jv_get(e->body, "trait"), "id");
	const cg_jv *self = cg_jv_get(cg_jv_get(e->body, "for"), "resolved_path");
	const cg_jv *sid = cg_jv_get(self, "id");
	*type = *trait = 0;
	if (!cg_jv_is_int(tid) || cg_jv_is_true(cg_jv_get(e->body, "is_negative")))
		return 0;
	if (rd_vid(r, (uint32_t)cg_jv_int(tid), trait))
		return r->err->code;
	return cg_jv_is_int(sid) ? rd_vid(r, (uint32_t)cg_jv_int(sid), type) : 0;
}

/* Implements edges, one per trait impl: from the self type when it is a path type, else
 * (primitives, references, tuples, arrays, generic and blanket impls), and for the second
 * and later impls of one trait for one type (From<u8>, From<u16>), from the impl itself;
 * and from each impl method to the trait method it implements. */
static int implements(rd *r)
{
	impl_of *a = malloc((r->ne ? r->ne : 1) * sizeof *a);
	size_t n = 0;
	int rc = a ? 0 : rd_oom(r);
	for (size_t i = 0; i < r->ne && !rc; i++) {
		ent *e = &r->e[i];
		if (!(e->flags & E_VERTEX) || e->kind != CG_KIND_IMPL)
			continue;
		a[n].e = e;
		if (!(rc = impl_sides(r, e, &a[n].type, &a[n].trait)) && a[n].trait) {
			const cg_jv *tid = cg_jv_get(cg_jv_get(e->body, "trait"), "id");
			rc = method_links(r, e, (uint32_t)cg_jv_int(tid));
			n++;
		}
	}
	if (!rc)
		qsort(a, n, sizeof *a, impl_of_cmp);
	for (size_t i = 0; i < n && !rc; i++) {
		int first = a[i].type && (i == 0 || a[i - 1].type != a[i].type || a[i - 1].trait != a[i].trait);
		uint32_t line;
		const char *file = span_file(a[i].e, &line);
		rc = edge(r, first ? a[i].type : a[i].e->vid, CG_EDGE_IMPLEMENTS, a[i].trait, file, line);
	}
	free(a);
	return rc;
}

static int item_edges(rd *r, ent *e)
{
	ent *p = e->has_parent ? rd_ent(r, e->parent) : NULL;
	if (p && !(p->flags & E_VERTEX))
		p = NULL;
	if (!p && e != r->root)
		p = r->root; /* listed nowhere: hang it under the crate */
	if (p && edge(r, p->vid, CG_EDGE_CONTAINS, e->vid, NULL, 0))
		return r->err->code;
	if (item_uses(r, e))
		return r->err->code;
	if (e->kind != CG_KIND_MODULE && e->kind != CG_KIND_CRATE)
		return 0;
	/* items this module lists but does not define: inlined re-exports */
	size_t i;
	const cg_jv *v;
	cg_jv_arr_foreach(cg_jv_get(e->body, "items"), i, v) {
		ent *c = cg_jv_is_int(v) ? rd_ent(r, (uint32_t)cg_jv_int(v)) : NULL;
		if (c && (c->flags & E_VERTEX) && (!c->has_parent || c->parent != e->id) && alias(r, c, e->path, c->name))
			return r->err->code;
	}
	return 0;
}

/* Depends: this package's Cargo.lock dependencies that rustdoc saw as (non-std) crates. */
static int depends(rd *r)
{
	size_t n = r->pkg ? r->pkg->ndeps : 0, k = 0;
	if (!(r->depends = calloc(n + 1, sizeof *r->depends)))
		return rd_oom(r);
	for (size_t i = 0; i < n; i++) {
		const cg_lock_pkg *d = cg_lockfile_dep(r->o.lock, &r->pkg->deps[i]);
		size_t j = 0;
		while (d && j < r->nxc && (r->xc[j].is_std || cg_lock_namecmp(r->xc[j].name, d->name) != 0))
			j++;
		if (!d || j == r->nxc)
			continue;
		const char *crate = r->xc[j].name; /* rustdoc's underscored spelling */
		cg_vertex v = { .kind = CG_KIND_CRATE, .flags = CG_VFLAG_STUB };
		v.str[CG_VF_NAME] = v.str[CG_VF_PATH] = v.str[CG_VF_CRATE] = crate;
		v.str[CG_VF_VERSION] = d->version;
		uint64_t vid;
		if (cg_graph_add_vertex(r->g, &v, &vid, r->err) || edge(r, r->root->vid, CG_EDGE_DEPENDS, vid, NULL, 0))
			return r->err->code;
		cg_buf_reset(&r->b);
		if (rd_join(&r->b, crate, "@", d->version) < 0 || cg_buf_putc(&r->b, 0) < 0 ||
		    !(r->depends[k++] = cg_graph_strdup(r->g, (char *)r->b.data)))
			return rd_oom(r);
	}
	return 0;
}

static int edges(rd *r)
{
	for (size_t i = 0; i < r->ne; i++) {
		ent *e = &r->e[i];
		if ((e->flags & E_VERTEX) && item_edges(r, e))
			return r->err->code;
		if (e->item && e->kind == K_USE && use_edges(r, e))
			return r->err->code;
	}
	return implements(r) ? r->err->code : depends(r);
}

int rd_build(rd *r)
{
	int rc = structure(r);
	if (!rc)
		rc = impl_paths(r);
	for (size_t i = 0; i < r->ne && !rc; i++) /* every path before any vertex */
		if (r->e[i].item && r->e[i].kind != K_USE && !(r->e[i].flags & E_SKIP) && !path_of(r, &r->e[i]))
			rc = rd_oom(r);
	if (!rc)
		rc = vertices(r);
	if (!rc)
		rc = edges(r);
	return rc;
}

/* calls_resolve: turn a file's call sites into store vertices. Callers are found by file,
 * name and line (the file index), else by path; callees by expanding the written path through
 * `use` imports, `Self`, `crate::`/`self::`/`super::` and the current module, then the path
 * index; `Type::f` through the type's impls (Contains edges); method calls through the
 * receiver's type when it is known, else the name index. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "calls_int.h"
#include "codec/keys.h"
#include "codec/record.h"
#include "store/scan.h"
#include "base/grow.h"

#define MAX_EXPAND_DEPTH 4

typedef struct vinfo {
	uint64_t vid;
	int kind;
	unsigned flags;
	uint32_t line;
	char *name, *path, *crate;
} vinfo;

typedef struct vids {
	uint64_t *v;
	size_t n, cap;
} vids;

typedef struct strs {
	char **s;
	size_t n, cap;
} strs;

struct calls_resolver {
	cg_store *s;
	cg_scanner *sc;
	const char *const *crates;
	size_t ncrates;
	vinfo *tab; /* open addressing on vid; vid 0 marks a free slot */
	size_t cap, n;
	cg_buf key;
	cg_err *err;
	int rc;
};

/* ---- small containers ---- */

static int vids_add(vids *v, uint64_t x)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i] == x)
			return 0;
	if (CG_GROW(v->v, v->cap, v->n + 1, 8))
		return -1;
	v->v[v->n++] = x;
	return 0;
}

static int strs_add(strs *l, char *s)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->s[i], s)) {
			free(s);
			return 0;
		}
	if (CG_GROW(l->s, l->cap, l->n + 1, 8)) {
		free(s);
		return -1;
	}
	l->s[l->n++] = s;
	return 0;
}

static void strs_free(strs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->s[i]);
	free(l->s);
	memset(l, 0, sizeof *l);
}

static char *cat3(const char *a, const char *sep, const char *b)
{
	size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
	char *s = malloc(la + ls + lb + 1);
	if (s) {
		memcpy(s, a, la);
		memcpy(s + la, sep, ls);
		memcpy(s + la + ls, b, lb + 1);
	}
	return s;
}

static const char *last_seg(const char *p)
{
	const char *s = strrchr(p, ':');
	return s ? s + 1 : p;
}

static int oom(calls_resolver *r)
{
	if (!r->rc)
		r->rc = cg_err_set(r->err, CG_EINTERNAL, "out of memory");
	return r->rc;
}

/* ---- store access ---- */

calls_resolver *calls_resolver_new(cg_store *s, const char *const *crates, size_t ncrates)
{
	calls_resolver *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->s = s;
	r->crates = crates;
	r->ncrates = ncrates;
	r->cap = 1024;
	if (!(r->sc = cg_scanner_new(s)) || !(r->tab = calloc(r->cap, sizeof *r->tab))) {
		calls_resolver_free(r);
		return NULL;
	}
	return r;
}

static void vinfo_free(vinfo *v)
{
	free(v->name);
	free(v->path);
	free(v->crate);
}

void calls_resolver_free(calls_resolver *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->tab && i < r->cap; i++)
		if (r->tab[i].vid)
			vinfo_free(&r->tab[i]);
	free(r->tab);
	cg_scanner_free(r->sc);
	cg_buf_free(&r->key);
	free(r);
}

static size_t slot(const vinfo *tab, size_t cap, uint64_t vid)
{
	size_t i = (size_t)(vid ^ (vid >> 29)) & (cap - 1);
	while (tab[i].vid && tab[i].vid != vid)
		i = (i + 1) & (cap - 1);
	return i;
}

static int rehash(calls_resolver *r)
{
	size_t nc = r->cap * 2;
	vinfo *t = calloc(nc, sizeof *t);
	if (!t)
		return -1;
	for (size_t i = 0; i < r->cap; i++)
		if (r->tab[i].vid)
			t[slot(t, nc, r->tab[i].vid)] = r->tab[i];
	free(r->tab);
	r->tab = t;
	r->cap = nc;
	return 0;
}

static char *sdup(const char *s)
{
	return strdup(s ? s : "");
}

/* The vertex vid, decoded once per resolver; NULL when it is missing or on error (r->rc). */
static const vinfo *vget(calls_resolver *r, uint64_t vid)
{
	size_t i = slot(r->tab, r->cap, vid);
	if (r->tab[i].vid)
		return &r->tab[i];
	uint8_t k[CG_VERTEX_KEY_LEN];
	rocksdb_pinnableslice_t *ps = NULL;
	cg_key_vertex(k, vid);
	if ((r->rc = cg_store_get(r->s, cg_store_shard_of(r->s, vid), k, sizeof k, &ps, r->err)))
		return NULL;
	if (!ps)
		return NULL;
	size_t len;
	const char *val = rocksdb_pinnableslice_value(ps, &len);
	cg_rec rec;
	cg_vertex v;
	if ((r->rc = cg_rec_open(val, len, CG_REC_VERTEX, &rec, r->err))) {
		rocksdb_pinnableslice_destroy(ps);
		return NULL;
	}
	cg_vertex_view(&rec, &v);
	vinfo in = { vid, v.kind, v.flags, v.line, sdup(v.str[CG_VF_NAME]), sdup(v.str[CG_VF_PATH]),
		     sdup(v.str[CG_VF_CRATE]) };
	rocksdb_pinnableslice_destroy(ps);
	if (!in.name || !in.path || !in.crate || ((r->n + 1) * 2 > r->cap && rehash(r))) {
		vinfo_free(&in);
		oom(r);
		return NULL;
	}
	i = slot(r->tab, r->cap, vid);
	r->tab[i] = in;
	r->n++;
	return &r->tab[i];
}

static int collect_vid(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
	(void)v;
	(void)vl;
	uint64_t vid;
	if (cg_key_index_vid(k, kl, &vid))
		return 0;
	return vids_add(ctx, vid) ? CG_EINTERNAL : 0;
}

/* Every vid under index itype with exactly this value, over all shards. */
static int idx(calls_resolver *r, int itype, const char *value, vids *out)
{
	cg_buf_reset(&r->key);
	if (cg_key_index_prefix(&r->key, itype, value, strlen(value), 1))
		return oom(r);
	for (int sh = 0; sh < cg_store_nshards(r->s); sh++) {
		if (!cg_store_db(r->s, sh))
			continue;
		int rc = cg_scan_prefix(r->sc, sh, r->key.data, r->key.len, collect_vid, out, r->err);
		if (rc == CG_EINTERNAL)
			return oom(r);
		if (rc)
			return r->rc = rc;
	}
	return 0;
}

static int collect_dst(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
	(void)v;
	(void)vl;
	cg_edge_key ek;
	if (cg_key_edge_decode(k, kl, &ek))
		return 0;
	return vids_add(ctx, ek.other) ? CG_EINTERNAL : 0;
}

/* The vertices vid Contains. */
static int contained(calls_resolver *r, uint64_t vid, vids *out)
{
	uint8_t p[CG_EDGE_TYPE_PREFIX_LEN];
	size_t pl = cg_key_edge_prefix(p, vid, CG_EDGE_CONTAINS, 0);
	int sh = cg_store_shard_of(r->s, vid);
	if (!cg_store_db(r->s, sh))
		return 0;
	int rc = cg_scan_prefix(r->sc, sh, p, pl, collect_dst, out, r->err);
	return rc == CG_EINTERNAL ? oom(r) : rc ? (r->rc = rc) : 0;
}

/* ---- what the store says about a path ---- */

static int is_type_kind(int k)
{
	return k == CG_KIND_STRUCT || k == CG_KIND_ENUM || k == CG_KIND_UNION || k == CG_KIND_TRAIT ||
	       k == CG_KIND_TYPE_ALIAS || k == CG_KIND_FOREIGN_TYPE;
}

static int is_fn_kind(int k, int macro)
{
	return macro ? k == CG_KIND_MACRO || k == CG_KIND_PROC_MACRO : k == CG_KIND_FUNCTION || k == CG_KIND_METHOD;
}

/* Methods named name of the types in tv: their own (a trait's) and their impls'. */
static int methods_of(calls_resolver *r, const vids *tv, const char *name, vids *out)
{
	for (size_t i = 0; i < tv->n; i++) {
		vids items = { 0 }, impls = { 0 };
		int rc = contained(r, tv->v[i], &items);
		for (size_t j = 0; !rc && j < items.n; j++) {
			const vinfo *v = vget(r, items.v[j]);
			if (!v)
				rc = r->rc;
			else if (v->kind == CG_KIND_IMPL)
				rc = vids_add(&impls, v->vid) ? oom(r) : 0;
			else if (v->kind == CG_KIND_METHOD && !strcmp(v->name, name))
				rc = vids_add(out, v->vid) ? oom(r) : 0;
		}
		for (size_t j = 0; !rc && j < impls.n; j++) {
			vids m = { 0 };
			rc = contained(r, impls.v[j], &m);
			for (size_t k = 0; !rc && k < m.n; k++) {
				const vinfo *v = vget(r, m.v[k]);
				if (!v)
					rc = r->rc;
				else if (v->kind == CG_KIND_METHOD && !strcmp(v->name, name))
					rc = vids_add(out, v->vid) ? oom(r) : 0;
			}
			free(m.v);
		}
		free(items.v);
		free(impls.v);
		if (rc)
			return rc;
	}
	return 0;
}

/* Real vertices first: stubs only count when nothing real matched. */
static void drop_stubs(calls_resolver *r, vids *v)
{
	size_t real = 0;
	for (size_t i = 0; i < v->n; i++) {
		const vinfo *x = vget(r, v->v[i]);
		real += x && !(x->flags & CG_VFLAG_STUB);
	}
	if (!real)
		return;
	size_t k = 0;
	for (size_t i = 0; i < v->n; i++) {
		const vinfo *x = vget(r, v->v[i]);
		if (x && !(x->flags & CG_VFLAG_STUB))
			v->v[k++] = v->v[i];
	}
	v->n = k;
}

/* The vertices an index entry (itype, value) lists that keep() accepts, added to out. */
typedef int (*vkeep_fn)(calls_resolver *r, const vinfo *v, void *want);

static int idx_keep(calls_resolver *r, int itype, const char *value, vkeep_fn keep, void *want, vids *out)
{
	vids all = { 0 };
	int rc = idx(r, itype, value, &all);
	for (size_t i = 0; !rc && i < all.n; i++) {
		const vinfo *v = vget(r, all.v[i]);
		if (!v)
			rc = r->rc;
		else if (keep(r, v, want) && vids_add(out, v->vid))
			rc = oom(r);
	}
	free(all.v);
	return rc;
}

static int keep_type(calls_resolver *r, const vinfo *v, void *want)
{
	(void)r, (void)want;
	return is_type_kind(v->kind);
}

/* Types (of a kind methods hang off) at exactly path p. */
static int types_at(calls_resolver *r, const char *p, vids *out)
{
	return idx_keep(r, CG_IDX_PATH, p, keep_type, NULL, out);
}

struct callable_want {
	int macro;
	int *ctor;
};

/* A callable of the wanted sort; a struct or variant marks the path as a constructor. */
static int keep_callable(calls_resolver *r, const vinfo *v, void *want)
{
	struct callable_want *w = want;
	(void)r;
	if (v->kind == CG_KIND_VARIANT || v->kind == CG_KIND_STRUCT)
		*w->ctor = 1;
	return is_fn_kind(v->kind, w->macro);
}

/* Callables at path p, or, for p = T::f, T's methods named f. *ctor is set when p names a
 * struct or variant (a constructor, not a call). */
static int callables_at(calls_resolver *r, const char *p, int macro, vids *out, int *ctor)
{
	struct callable_want want = { macro, ctor };
	int rc = idx_keep(r, CG_IDX_PATH, p, keep_callable, &want, out);
	const char *sep = strrchr(p, ':');
	if (rc || out->n || *ctor || macro || !sep || sep - p < 2)
		return rc;
	char *t = strndup(p, (size_t)(sep - p - 1));
	vids tv = { 0 };
	if (!t)
		return oom(r);
	rc = types_at(r, t, &tv);
	if (!rc)
		rc = methods_of(r, &tv, sep + 1, out);
	free(t);
	free(tv.v);
	return rc;
}

/* ---- paths as written -> absolute candidates ---- */

typedef struct ctx {
	calls_resolver *r;
	const calls_file *f;
	const calls_fn *fn;
} ctx;

static char *parent_module(const char *m)
{
	const char *s = strrchr(m, ':');
	return s && s - m >= 2 ? strndup(m, (size_t)(s - m - 1)) : strdup(m);
}

/* skip: the `use` being expanded (its own path's first segment is not its alias), or -1 */
static int expand(ctx *c, const char *text, const char *module, int depth, long skip, strs *out);

/* Prefixes the first segment seg stands for, in the order they are tried. */
static int expand_first(ctx *c, const char *seg, const char *module, int depth, long skip, strs *out)
{
	if (!strcmp(seg, "crate") || !strcmp(seg, "$crate"))
		return strs_add(out, strdup(c->f->crate));
	if (!strcmp(seg, "self"))
		return strs_add(out, strdup(module));
	if (!strcmp(seg, "Self"))
		return c->fn->self_type && strcmp(c->fn->self_type, "Self")
			       ? expand(c, c->fn->self_type, c->fn->module, depth + 1, -1, out) : 0;
	int found = 0;
	for (int pass = 0; pass < 2 && !found; pass++) /* uses of this module, then any in the file */
		for (size_t i = 0; i < c->f->nuses; i++) {
			const calls_use *u = &c->f->uses[i];
			if ((long)i != skip && u->alias && !strcmp(u->alias, seg) && (pass || !strcmp(u->module, module))) {
				found = 1;
				if (expand(c, u->path, u->module, depth + 1, (long)i, out))
					return -1;
			}
		}
	/* then the item or crate of that name: a `use` of a function does not hide a module */
	if (strs_add(out, cat3(module, "::", seg)) || strs_add(out, strdup(seg)))
		return -1;
	for (size_t i = 0; i < c->f->nuses; i++) { /* glob imports of this module */
		const calls_use *u = &c->f->uses[i];
		strs g = { 0 };
		if (u->alias || strcmp(u->module, module) || (long)i == skip)
			continue;
		int rc = (long)i == skip ? 0 : expand(c, u->path, u->module, depth + 1, (long)i, &g);
		for (size_t j = 0; !rc && j < g.n; j++)
			rc = strs_add(out, cat3(g.s[j], "::", seg));
		strs_free(&g);
		if (rc)
			return -1;
	}
	return 0;
}

static int expand(ctx *c, const char *text, const char *module, int depth, long skip, strs *out)
{
	if (depth > MAX_EXPAND_DEPTH)
		return 0;
	if (!strncmp(text, "super", 5) && (!text[5] || text[5] == ':')) { /* super::super::x */
		const char *t = text;
		char *mod = strdup(module);
		while (mod && !strncmp(t, "super", 5) && (!t[5] || t[5] == ':')) {
			char *pm = parent_module(mod);
			free(mod);
			mod = pm;
			t = t[5] ? t + 7 : "";
		}
		if (!mod)
			return -1;
		if (!*t)
			return strs_add(out, mod);
		int rc = strs_add(out, cat3(mod, "::", t));
		free(mod);
		return rc;
	}
	const char *sep = strstr(text, "::");
	char *seg = sep ? strndup(text, (size_t)(sep - text)) : strdup(text);
	const char *rest = sep ? sep + 2 : NULL;
	strs first = { 0 };
	int rc = seg ? expand_first(c, seg, module, depth, skip, &first) : -1;
	for (size_t i = 0; !rc && i < first.n; i++)
		rc = strs_add(out, rest ? cat3(first.s[i], "::", rest) : strdup(first.s[i]));
	strs_free(&first);
	free(seg);
	return rc;
}

/* ---- picking ---- */

/* Candidates that are one trait's method and its impls' versions of it: the trait method
 * (a call through the trait when the receiver's type is not known). */
static uint64_t trait_pick(calls_resolver *r, const vids *c)
{
	const vinfo *decl = NULL;
	for (size_t i = 0; i < c->n; i++) {
		const vinfo *v = vget(r, c->v[i]);
		if (!v)
			return 0;
		if (!strstr(v->path, "<impl")) {
			if (decl)
				return 0;
			decl = v;
		}
	}
	if (!decl)
		return 0;
	const char *m = decl->path + strlen(decl->path) - strlen(decl->name);
	if (m - decl->path < 3)
		return 0;
	char *trait = strndup(decl->path, (size_t)(m - decl->path - 2));
	if (!trait)
		return 0;
	const char *tn = last_seg(trait);
	size_t tl = strlen(tn);
	int ok = 1;
	for (size_t i = 0; ok && i < c->n; i++) {
		const vinfo *v = vget(r, c->v[i]);
		const char *s = v == decl ? NULL : strstr(v->path, "<impl ");
		if (v != decl)
			ok = s && !strncmp(s + 6, tn, tl) && (s[6 + tl] == ' ' || s[6 + tl] == '<');
	}
	free(trait);
	return ok ? decl->vid : 0;
}

static int in_workspace(calls_resolver *r, const char *crate)
{
	for (size_t i = 0; i < r->ncrates; i++)
		if (!strcmp(r->crates[i], crate))
			return 1;
	return 0;
}

static int keep_method(calls_resolver *r, const vinfo *v, void *want)
{
	int decl_only = *(const int *)want;
	return v->kind == CG_KIND_METHOD && !(v->flags & CG_VFLAG_STUB) && in_workspace(r, v->crate) &&
	       (!decl_only || !strstr(v->path, "<impl"));
}

/* Methods named name in the workspace's crates (trait declarations only, when set). */
static int methods_named(calls_resolver *r, const char *name, int decl_only, vids *out)
{
	return idx_keep(r, CG_IDX_NAME, name, keep_method, &decl_only, out);
}

static int keep_macro(calls_resolver *r, const vinfo *v, void *want)
{
	(void)r, (void)want;
	return is_fn_kind(v->kind, 1) && !(v->flags & CG_VFLAG_STUB);
}

static int macros_named(calls_resolver *r, const char *name, vids *out)
{
	return idx_keep(r, CG_IDX_NAME, name, keep_macro, NULL, out);
}

typedef struct outcome {
	vids c;
	const char *reason;
	int skip; /* a constructor: not a call */
} outcome;

static int resolve_path(ctx *c, const calls_site *s, outcome *o)
{
	strs cand = { 0 };
	int macro = s->kind == CG_CALL_MACRO, rc;
	if (expand(c, s->callee, c->fn->module, 0, -1, &cand))
		rc = oom(c->r);
	else
		rc = 0;
	for (size_t i = 0; !rc && i < cand.n && !o->c.n && !o->skip; i++)
		rc = callables_at(c->r, cand.s[i], macro, &o->c, &o->skip);
	if (!rc && !o->c.n && macro && !strstr(s->callee, "::")) /* macro_rules! in textual scope */
		rc = macros_named(c->r, s->callee, &o->c);
	if (!rc)
		drop_stubs(c->r, &o->c);
	o->reason = o->c.n ? "several vertices at that path" : "no function at any path it can name";
	strs_free(&cand);
	return rc;
}

static int resolve_method(ctx *c, const calls_site *s, outcome *o)
{
	calls_resolver *r = c->r;
	int rc = 0, typed = 0;
	if (s->recv && !*s->recv) {
		o->reason = "receiver type outside the store";
		return 0;
	}
	if (s->recv) {
		strs cand = { 0 };
		vids tv = { 0 };
		rc = expand(c, s->recv, c->fn->module, 0, -1, &cand) ? oom(r) : 0;
		for (size_t i = 0; !rc && i < cand.n && !tv.n; i++)
			rc = types_at(r, cand.s[i], &tv);
		typed = tv.n > 0;
		if (!rc)
			rc = methods_of(r, &tv, s->callee, &o->c);
		strs_free(&cand);
		free(tv.v);
		if (!rc && !typed) {
			o->reason = "receiver type not in the store";
			return 0;
		}
		/* a trait's default method the type does not override */
		if (!rc && !o->c.n)
			rc = methods_named(r, s->callee, 1, &o->c);
	} else {
		rc = methods_named(r, s->callee, 0, &o->c);
	}
	if (rc)
		return rc;
	if (o->c.n > 1) {
		uint64_t t = trait_pick(r, &o->c);
		if (t) {
			o->c.v[0] = t;
			o->c.n = 1;
		}
	}
	o->reason = o->c.n ? "several methods of that name" : "no method of that name in the workspace";
	return r->rc;
}

/* ---- callers ---- */

static uint64_t find_caller(ctx *c, const vids *infile, char **path)
{
	calls_resolver *r = c->r;
	const calls_fn *fn = c->fn;
	uint64_t hit = 0;
	int n = 0;
	for (size_t i = 0; i < infile->n; i++) {
		const vinfo *v = vget(r, infile->v[i]);
		if (v && is_fn_kind(v->kind, 0) && !strcmp(v->name, fn->name) && v->line >= fn->line &&
		    v->line <= fn->name_line) {
			hit = v->vid;
			n++;
		}
	}
	if (n != 1 && !fn->self_type) { /* by path: a free function of this module */
		vids p = { 0 };
		char *want = cat3(fn->module, "::", fn->name);
		hit = 0;
		n = 0;
		if (want && !idx(r, CG_IDX_PATH, want, &p))
			for (size_t i = 0; i < p.n; i++) {
				const vinfo *v = vget(r, p.v[i]);
				if (v && v->kind == CG_KIND_FUNCTION) {
					hit = v->vid;
					n++;
				}
			}
		free(want);
		free(p.v);
	}
	if (n == 1) {
		*path = strdup(vget(r, hit)->path);
		return hit;
	}
	*path = fn->self_type ? cat3(fn->self_type, "::", fn->name) : cat3(fn->module, "::", fn->name);
	if (*path && fn->self_type) {
		char *p = cat3(fn->module, "::", *path);
		free(*path);
		*path = p;
	}
	return 0;
}

/* ---- one file ---- */

static int emit(calls_resolver *r, calls_file *f, const calls_site *s, uint64_t caller,
		const char *caller_path, outcome *o)
{
	cg_call_site *out = &f->out[f->nout++];
	*out = (cg_call_site){ .file = f->rel, .line = s->line, .kind = s->kind, .callee_text = s->callee,
			       .caller = caller, .caller_path = caller_path };
	if (!caller) {
		out->status = CG_CALL_NOCALLER;
		out->reason = "caller not in the store";
		return 0;
	}
	if (o->c.n == 1) {
		out->status = CG_CALL_RESOLVED;
		out->callee = o->c.v[0];
		const vinfo *v = vget(r, o->c.v[0]);
		return v && (out->callee_path = calls_file_keep(f, strdup(v->path))) ? 0 : oom(r);
	}
	out->status = o->c.n ? CG_CALL_AMBIGUOUS : CG_CALL_UNRESOLVED;
	out->reason = o->reason;
	if (!o->c.n)
		return 0;
	uint64_t *cv = calls_file_keep_vec(f, malloc(o->c.n * sizeof *cv));
	const char **cp = calls_file_keep_vec(f, malloc(o->c.n * sizeof *cp));
	if (!cv || !cp)
		return oom(r);
	for (size_t i = 0; i < o->c.n; i++) {
		const vinfo *v = vget(r, o->c.v[i]);
		cv[i] = o->c.v[i];
		if (!v || !(cp[i] = calls_file_keep(f, strdup(v->path))))
			return oom(r);
	}
	out->cands = cv;
	out->cand_paths = cp;
	out->ncands = o->c.n;
	return 0;
}

int calls_resolve_file(calls_resolver *r, calls_file *f, cg_err *err)
{
	vids infile = { 0 };
	uint64_t *callers = calloc(f->nfns ? f->nfns : 1, sizeof *callers);
	char **cpaths = calloc(f->nfns ? f->nfns : 1, sizeof *cpaths);
	r->err = err;
	r->rc = 0;
	f->out = calloc(f->nsites ? f->nsites : 1, sizeof *f->out);
	if (!callers || !cpaths || !f->out) {
		free(callers);
		free(cpaths);
		return oom(r);
	}
	int rc = idx(r, CG_IDX_FILE, f->rel, &infile);
	for (size_t i = 0; !rc && i < f->nfns; i++) {
		ctx c = { r, f, &f->fns[i] };
		callers[i] = find_caller(&c, &infile, &cpaths[i]);
		if (!(cpaths[i] = calls_file_keep(f, cpaths[i])))
			rc = oom(r);
		else
			rc = r->rc;
	}
	for (size_t i = 0; !rc && i < f->nsites; i++) {
		const calls_site *s = &f->sites[i];
		ctx c = { r, f, &f->fns[s->fn] };
		outcome o = { 0 };
		if (callers[s->fn])
			rc = s->kind == CG_CALL_METHOD ? resolve_method(&c, s, &o) : resolve_path(&c, s, &o);
		if (!rc && !o.skip)
			rc = emit(r, f, s, callers[s->fn], cpaths[s->fn], &o);
		free(o.c.v);
	}
	free(infile.v);
	free(callers);
	free(cpaths);
	return rc;
}

/* rustdoc_type: rustdoc's Type trees: a readable rendering (for impl paths like
 * `<impl From<u8> for Wrapper>`) and the walk that turns every named item into a Uses edge. */
#include <string.h>

#include "codec/keys.h"
#include "rustdoc_int.h"

#define MAX_DEPTH 64 /* deeper types are rendered as "…" and not walked further */

static const char *str(const cg_jv *o, const char *k)
{
	const char *s = cg_jv_str(cg_jv_get(o, k));
	return s ? s : "";
}

/* The short name of a path's item: the last segment of its summary path, else of the text. */
static const char *path_name(rd *r, const cg_jv *path, size_t *n)
{
	const cg_jv *id = cg_jv_get(path, "id");
	ent *e = cg_jv_is_int(id) ? rd_ent(r, (uint32_t)cg_jv_int(id)) : NULL;
	if (e && e->summary) {
		const cg_jv *p = cg_jv_get(e->summary, "path");
		const char *s = cg_jv_str(cg_jv_at(p, cg_jv_arr_size(p) - 1));
		if (s) {
			*n = strlen(s);
			return s;
		}
	}
	const char *s = str(path, "path"), *c;
	while ((c = strstr(s, "::")))
		s = c + 2;
	*n = strlen(s);
	return *n ? s : (*n = 1, "_");
}

static void render_list(rd *r, cg_buf *b, const cg_jv *a, const char *sep, int depth)
{
	size_t i;
	const cg_jv *t;
	cg_jv_arr_foreach(a, i, t) {
		if (i)
			cg_buf_printf(b, "%s", sep);
		rd_render_type(r, b, t, depth);
	}
}

static void render_bounds(rd *r, cg_buf *b, const cg_jv *bounds, int depth)
{
	size_t i;
	const cg_jv *bd;
	cg_jv_arr_foreach(bounds, i, bd) {
		if (i)
			cg_buf_printf(b, " + ");
		const cg_jv *tb = cg_jv_get(bd, "trait_bound");
		if (tb) {
			if (strcmp(str(tb, "modifier"), "maybe") == 0)
				cg_buf_putc(b, '?');
			rd_render_path(r, b, cg_jv_get(tb, "trait"), depth);
		} else if (cg_jv_is_str(cg_jv_get(bd, "outlives"))) {
			cg_buf_printf(b, "%s", str(bd, "outlives"));
		} else {
			cg_buf_printf(b, "use<..>");
		}
	}
}

static void render_generic_arg(rd *r, cg_buf *b, const cg_jv *a, int depth)
{
	const cg_jv *v;
	if (cg_jv_is_str(a)) /* "infer" */
		cg_buf_putc(b, '_');
	else if ((v = cg_jv_get(a, "lifetime")))
		cg_buf_printf(b, "%s", cg_jv_str(v) ? cg_jv_str(v) : "'_");
	else if ((v = cg_jv_get(a, "type")))
		rd_render_type(r, b, v, depth);
	else if ((v = cg_jv_get(a, "const")))
		cg_buf_printf(b, "%s", str(v, "expr"));
	else
		cg_buf_putc(b, '_');
}

static void render_args(rd *r, cg_buf *b, const cg_jv *args, int depth)
{
	const cg_jv *ab = cg_jv_get(args, "angle_bracketed"), *par = cg_jv_get(args, "parenthesized");
	if (ab) {
		const cg_jv *list = cg_jv_get(ab, "args"), *cons = cg_jv_get(ab, "constraints");
		if (!cg_jv_arr_size(list) && !cg_jv_arr_size(cons))
			return;
		cg_buf_putc(b, '<');
		size_t i, n = 0;
		const cg_jv *a;
		cg_jv_arr_foreach(list, i, a) {
			if (n++)
				cg_buf_printf(b, ", ");
			render_generic_arg(r, b, a, depth);
		}
		cg_jv_arr_foreach(cons, i, a) {
			if (n++)
				cg_buf_printf(b, ", ");
			cg_buf_printf(b, "%s", str(a, "name"));
			const cg_jv *bind = cg_jv_get(a, "binding"), *eq = cg_jv_get(bind, "equality");
			if (eq) {
				cg_buf_printf(b, " = ");
				const cg_jv *ty = cg_jv_get(eq, "type");
				if (ty)
					rd_render_type(r, b, ty, depth);
				else
					cg_buf_printf(b, "%s", str(cg_jv_get(eq, "constant"), "expr"));
			} else {
				cg_buf_printf(b, ": ");
				render_bounds(r, b, cg_jv_get(bind, "constraint"), depth);
			}
		}
		cg_buf_putc(b, '>');
	} else if (par) {
		cg_buf_putc(b, '(');
		render_list(r, b, cg_jv_get(par, "inputs"), ", ", depth);
		cg_buf_putc(b, ')');
		const cg_jv *out = cg_jv_get(par, "output");
		if (out && !cg_jv_is_null(out)) {
			cg_buf_printf(b, " -> ");
			rd_render_type(r, b, out, depth);
		}
	}
}

void rd_render_path(rd *r, cg_buf *b, const cg_jv *path, int depth)
{
	size_t n;
	const char *name = path_name(r, path, &n);
	cg_buf_append(b, name, n);
	const cg_jv *args = cg_jv_get(path, "args");
	if (args && !cg_jv_is_null(args))
		render_args(r, b, args, depth + 1);
}

static void render_fn_pointer(rd *r, cg_buf *b, const cg_jv *fp, int depth)
{
	const cg_jv *sig = cg_jv_get(fp, "sig");
	cg_buf_printf(b, "fn(");
	size_t i;
	const cg_jv *in;
	cg_jv_arr_foreach(cg_jv_get(sig, "inputs"), i, in) {
		if (i)
			cg_buf_printf(b, ", ");
		rd_render_type(r, b, cg_jv_at(in, 1), depth);
	}
	cg_buf_putc(b, ')');
	const cg_jv *out = cg_jv_get(sig, "output");
	if (out && !cg_jv_is_null(out)) {
		cg_buf_printf(b, " -> ");
		rd_render_type(r, b, out, depth);
	}
}

void rd_render_type(rd *r, cg_buf *b, const cg_jv *t, int depth)
{
	const cg_jmember *first = cg_jv_first(t);
	if (depth > MAX_DEPTH || !first) {
		cg_buf_printf(b, depth > MAX_DEPTH ? "..." : "_");
		return;
	}
	const char *k = first->key;
	const cg_jv *v = &first->v;
	depth++;
	if (strcmp(k, "resolved_path") == 0) {
		rd_render_path(r, b, v, depth);
	} else if (strcmp(k, "generic") == 0 || strcmp(k, "primitive") == 0) {
		cg_buf_printf(b, "%s", cg_jv_str(v) ? cg_jv_str(v) : "_");
	} else if (strcmp(k, "borrowed_ref") == 0) {
		const char *lt = cg_jv_str(cg_jv_get(v, "lifetime"));
		cg_buf_printf(b, "&%s%s%s", lt ? lt : "", lt ? " " : "",
			      cg_jv_is_true(cg_jv_get(v, "is_mutable")) ? "mut " : "");
		rd_render_type(r, b, cg_jv_get(v, "type"), depth);
	} else if (strcmp(k, "raw_pointer") == 0) {
		cg_buf_printf(b, "*%s ", cg_jv_is_true(cg_jv_get(v, "is_mutable")) ? "mut" : "const");
		rd_render_type(r, b, cg_jv_get(v, "type"), depth);
	} else if (strcmp(k, "tuple") == 0) {
		cg_buf_putc(b, '(');
		render_list(r, b, v, ", ", depth);
		cg_buf_putc(b, ')');
	} else if (strcmp(k, "slice") == 0) {
		cg_buf_putc(b, '[');
		rd_render_type(r, b, v, depth);
		cg_buf_putc(b, ']');
	} else if (strcmp(k, "array") == 0) {
		cg_buf_putc(b, '[');
		rd_render_type(r, b, cg_jv_get(v, "type"), depth);
		cg_buf_printf(b, "; %s]", str(v, "len"));
	} else if (strcmp(k, "pat") == 0) {
		rd_render_type(r, b, cg_jv_get(v, "type"), depth);
	} else if (strcmp(k, "dyn_trait") == 0) {
		cg_buf_printf(b, "dyn ");
		size_t i;
		const cg_jv *pt;
		cg_jv_arr_foreach(cg_jv_get(v, "traits"), i, pt) {
			if (i)
				cg_buf_printf(b, " + ");
			rd_render_path(r, b, cg_jv_get(pt, "trait"), depth);
		}
		const char *lt = cg_jv_str(cg_jv_get(v, "lifetime"));
		if (lt)
			cg_buf_printf(b, " + %s", lt);
	} else if (strcmp(k, "impl_trait") == 0) {
		cg_buf_printf(b, "impl ");
		render_bounds(r, b, v, depth);
	} else if (strcmp(k, "function_pointer") == 0) {
		render_fn_pointer(r, b, v, depth);
	} else if (strcmp(k, "qualified_path") == 0) {
		const cg_jv *tr = cg_jv_get(v, "trait");
		cg_buf_putc(b, '<');
		rd_render_type(r, b, cg_jv_get(v, "self_type"), depth);
		if (tr && !cg_jv_is_null(tr)) {
			cg_buf_printf(b, " as ");
			rd_render_path(r, b, tr, depth);
		}
		cg_buf_printf(b, ">::%s", str(v, "name"));
	} else {
		cg_buf_putc(b, '_'); /* infer */
	}
}

/* A rustdoc Path: {"path": "...", "id": N, "args": ...}. Items and `use`s never get here. */
static int is_path(const cg_jv *o, uint32_t *id)
{
	const cg_jv *i = cg_jv_get(o, "id"), *p = cg_jv_get(o, "path");
	if (!cg_jv_is_int(i) || !cg_jv_is_str(p) || cg_jv_int(i) < 0 ||
	    cg_jv_int(i) > UINT32_MAX)
		return 0;
	*id = (uint32_t)cg_jv_int(i);
	return 1;
}

static int uses_walk(rd *r, uint64_t src, const cg_jv *t, const char *file, uint32_t line, int depth)
{
	if (depth > MAX_DEPTH)
		return 0;
	uint32_t id;
	if (cg_jv_is_obj(t)) {
		if (is_path(t, &id)) {
			uint64_t dst;
			if (rd_vid(r, id, &dst))
				return r->err->code;
			cg_gedge e = { src, dst, CG_EDGE_USES, line, 0, file };
			if (dst && dst != src && cg_graph_add_edge(r->g, &e) < 0)
				return rd_oom(r);
		}
		size_t i;
		const cg_jmember *m;
		cg_jv_obj_foreach(t, i, m)
			if (!cg_jv_is_str(&m->v) && uses_walk(r, src, &m->v, file, line, depth + 1))
				return r->err->code;
	} else if (cg_jv_is_arr(t)) {
		size_t i;
		const cg_jv *v;
		cg_jv_arr_foreach(t, i, v)
			if (uses_walk(r, src, v, file, line, depth + 1))
				return r->err->code;
	}
	return 0;
}

int rd_uses(rd *r, uint64_t src, const cg_jv *t, const char *file, uint32_t line)
{
	return t ? uses_walk(r, src, t, file, line, 0) : 0;
}

int rd_type_id(const cg_jv *t, uint32_t *id)
{
	for (int depth = 0; t && depth < MAX_DEPTH; depth++) {
		const cg_jv *v;
		if ((v = cg_jv_get(t, "resolved_path")))
			return is_path(v, id);
		if (!(v = cg_jv_get(t, "borrowed_ref")) && !(v = cg_jv_get(t, "raw_pointer")))
			return 0;
		t = cg_jv_get(v, "type");
	}
	return 0;
}

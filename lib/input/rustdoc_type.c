/* rustdoc_type: rustdoc's Type trees: a readable rendering (for impl paths like
 * `<impl From<u8> for Wrapper>`) and the walk that turns every named item into a Uses edge. */
#include <string.h>

#include "codec/keys.h"
#include "rustdoc_int.h"

#define MAX_DEPTH 64 /* deeper types are rendered as "…" and not walked further */

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* The short name of a path's item: the last segment of its summary path, else of the text. */
static const char *path_name(rd *r, const json_t *path, size_t *n)
{
	json_t *id = json_object_get(path, "id");
	ent *e = json_is_integer(id) ? rd_ent(r, (uint32_t)json_integer_value(id)) : NULL;
	if (e && e->summary) {
		json_t *p = json_object_get(e->summary, "path");
		const char *s = json_string_value(json_array_get(p, json_array_size(p) - 1));
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

static void render_list(rd *r, cg_buf *b, const json_t *a, const char *sep, int depth)
{
	size_t i;
	json_t *t;
	json_array_foreach(a, i, t) {
		if (i)
			cg_buf_printf(b, "%s", sep);
		rd_render_type(r, b, t, depth);
	}
}

static void render_bounds(rd *r, cg_buf *b, const json_t *bounds, int depth)
{
	size_t i;
	json_t *bd;
	json_array_foreach(bounds, i, bd) {
		if (i)
			cg_buf_printf(b, " + ");
		json_t *tb = json_object_get(bd, "trait_bound");
		if (tb) {
			if (strcmp(str(tb, "modifier"), "maybe") == 0)
				cg_buf_putc(b, '?');
			rd_render_path(r, b, json_object_get(tb, "trait"), depth);
		} else if (json_is_string(json_object_get(bd, "outlives"))) {
			cg_buf_printf(b, "%s", str(bd, "outlives"));
		} else {
			cg_buf_printf(b, "use<..>");
		}
	}
}

static void render_generic_arg(rd *r, cg_buf *b, const json_t *a, int depth)
{
	json_t *v;
	if (json_is_string(a)) /* "infer" */
		cg_buf_putc(b, '_');
	else if ((v = json_object_get(a, "lifetime")))
		cg_buf_printf(b, "%s", json_string_value(v) ? json_string_value(v) : "'_");
	else if ((v = json_object_get(a, "type")))
		rd_render_type(r, b, v, depth);
	else if ((v = json_object_get(a, "const")))
		cg_buf_printf(b, "%s", str(v, "expr"));
	else
		cg_buf_putc(b, '_');
}

static void render_args(rd *r, cg_buf *b, const json_t *args, int depth)
{
	json_t *ab = json_object_get(args, "angle_bracketed"), *par = json_object_get(args, "parenthesized");
	if (ab) {
		json_t *list = json_object_get(ab, "args"), *cons = json_object_get(ab, "constraints");
		if (!json_array_size(list) && !json_array_size(cons))
			return;
		cg_buf_putc(b, '<');
		size_t i, n = 0;
		json_t *a;
		json_array_foreach(list, i, a) {
			if (n++)
				cg_buf_printf(b, ", ");
			render_generic_arg(r, b, a, depth);
		}
		json_array_foreach(cons, i, a) {
			if (n++)
				cg_buf_printf(b, ", ");
			cg_buf_printf(b, "%s", str(a, "name"));
			json_t *bind = json_object_get(a, "binding"), *eq = json_object_get(bind, "equality");
			if (eq) {
				cg_buf_printf(b, " = ");
				json_t *ty = json_object_get(eq, "type");
				if (ty)
					rd_render_type(r, b, ty, depth);
				else
					cg_buf_printf(b, "%s", str(json_object_get(eq, "constant"), "expr"));
			} else {
				cg_buf_printf(b, ": ");
				render_bounds(r, b, json_object_get(bind, "constraint"), depth);
			}
		}
		cg_buf_putc(b, '>');
	} else if (par) {
		cg_buf_putc(b, '(');
		render_list(r, b, json_object_get(par, "inputs"), ", ", depth);
		cg_buf_putc(b, ')');
		json_t *out = json_object_get(par, "output");
		if (out && !json_is_null(out)) {
			cg_buf_printf(b, " -> ");
			rd_render_type(r, b, out, depth);
		}
	}
}

void rd_render_path(rd *r, cg_buf *b, const json_t *path, int depth)
{
	size_t n;
	const char *name = path_name(r, path, &n);
	cg_buf_append(b, name, n);
	json_t *args = json_object_get(path, "args");
	if (args && !json_is_null(args))
		render_args(r, b, args, depth + 1);
}

static void render_fn_pointer(rd *r, cg_buf *b, const json_t *fp, int depth)
{
	json_t *sig = json_object_get(fp, "sig");
	cg_buf_printf(b, "fn(");
	size_t i;
	json_t *in;
	json_array_foreach(json_object_get(sig, "inputs"), i, in) {
		if (i)
			cg_buf_printf(b, ", ");
		rd_render_type(r, b, json_array_get(in, 1), depth);
	}
	cg_buf_putc(b, ')');
	json_t *out = json_object_get(sig, "output");
	if (out && !json_is_null(out)) {
		cg_buf_printf(b, " -> ");
		rd_render_type(r, b, out, depth);
	}
}

void rd_render_type(rd *r, cg_buf *b, const json_t *t, int depth)
{
	void *it = json_object_iter((json_t *)t);
	if (depth > MAX_DEPTH || !it) {
		cg_buf_printf(b, depth > MAX_DEPTH ? "..." : "_");
		return;
	}
	const char *k = json_object_iter_key(it);
	json_t *v = json_object_iter_value(it);
	depth++;
	if (strcmp(k, "resolved_path") == 0) {
		rd_render_path(r, b, v, depth);
	} else if (strcmp(k, "generic") == 0 || strcmp(k, "primitive") == 0) {
		cg_buf_printf(b, "%s", json_string_value(v) ? json_string_value(v) : "_");
	} else if (strcmp(k, "borrowed_ref") == 0) {
		const char *lt = json_string_value(json_object_get(v, "lifetime"));
		cg_buf_printf(b, "&%s%s%s", lt ? lt : "", lt ? " " : "",
			      json_is_true(json_object_get(v, "is_mutable")) ? "mut " : "");
		rd_render_type(r, b, json_object_get(v, "type"), depth);
	} else if (strcmp(k, "raw_pointer") == 0) {
		cg_buf_printf(b, "*%s ", json_is_true(json_object_get(v, "is_mutable")) ? "mut" : "const");
		rd_render_type(r, b, json_object_get(v, "type"), depth);
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
		rd_render_type(r, b, json_object_get(v, "type"), depth);
		cg_buf_printf(b, "; %s]", str(v, "len"));
	} else if (strcmp(k, "pat") == 0) {
		rd_render_type(r, b, json_object_get(v, "type"), depth);
	} else if (strcmp(k, "dyn_trait") == 0) {
		cg_buf_printf(b, "dyn ");
		size_t i;
		json_t *pt;
		json_array_foreach(json_object_get(v, "traits"), i, pt) {
			if (i)
				cg_buf_printf(b, " + ");
			rd_render_path(r, b, json_object_get(pt, "trait"), depth);
		}
		const char *lt = json_string_value(json_object_get(v, "lifetime"));
		if (lt)
			cg_buf_printf(b, " + %s", lt);
	} else if (strcmp(k, "impl_trait") == 0) {
		cg_buf_printf(b, "impl ");
		render_bounds(r, b, v, depth);
	} else if (strcmp(k, "function_pointer") == 0) {
		render_fn_pointer(r, b, v, depth);
	} else if (strcmp(k, "qualified_path") == 0) {
		json_t *tr = json_object_get(v, "trait");
		cg_buf_putc(b, '<');
		rd_render_type(r, b, json_object_get(v, "self_type"), depth);
		if (tr && !json_is_null(tr)) {
			cg_buf_printf(b, " as ");
			rd_render_path(r, b, tr, depth);
		}
		cg_buf_printf(b, ">::%s", str(v, "name"));
	} else {
		cg_buf_putc(b, '_'); /* infer */
	}
}

/* A rustdoc Path: {"path": "...", "id": N, "args": ...}. Items and `use`s never get here. */
static int is_path(const json_t *o, uint32_t *id)
{
	json_t *i = json_object_get(o, "id"), *p = json_object_get(o, "path");
	if (!json_is_integer(i) || !json_is_string(p) || json_integer_value(i) < 0 ||
	    json_integer_value(i) > UINT32_MAX)
		return 0;
	*id = (uint32_t)json_integer_value(i);
	return 1;
}

static int uses_walk(rd *r, uint64_t src, const json_t *t, const char *file, uint32_t line, int depth)
{
	if (depth > MAX_DEPTH)
		return 0;
	uint32_t id;
	if (json_is_object(t)) {
		if (is_path(t, &id)) {
			uint64_t dst;
			if (rd_vid(r, id, &dst))
				return r->err->code;
			cg_gedge e = { src, dst, CG_EDGE_USES, line, 0, file };
			if (dst && dst != src && cg_graph_add_edge(r->g, &e) < 0)
				return rd_oom(r);
		}
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)t, k, v)
			if (!json_is_string(v) && uses_walk(r, src, v, file, line, depth + 1))
				return r->err->code;
	} else if (json_is_array(t)) {
		size_t i;
		json_t *v;
		json_array_foreach(t, i, v)
			if (uses_walk(r, src, v, file, line, depth + 1))
				return r->err->code;
	}
	return 0;
}

int rd_uses(rd *r, uint64_t src, const json_t *t, const char *file, uint32_t line)
{
	return t ? uses_walk(r, src, t, file, line, 0) : 0;
}

int rd_type_id(const json_t *t, uint32_t *id)
{
	for (int depth = 0; t && depth < MAX_DEPTH; depth++) {
		json_t *v;
		if ((v = json_object_get(t, "resolved_path")))
			return is_path(v, id);
		if (!(v = json_object_get(t, "borrowed_ref")) && !(v = json_object_get(t, "raw_pointer")))
			return 0;
		t = json_object_get(v, "type");
	}
	return 0;
}

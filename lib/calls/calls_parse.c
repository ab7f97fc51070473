/* calls_parse: walk one Rust file's tree-sitter tree and collect its functions, `use`
 * imports and the call sites in every function body, with a guess of each method receiver's
 * type from parameters, `let` bindings, struct fields and generic bounds. Macro arguments are
 * token trees to tree-sitter, so they are parsed again as call arguments to find the calls
 * inside `println!(..)`, `format!(..)` and the like. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>

#include "calls_int.h"
#include "base/grow.h"
#include "input/input.h"

const TSLanguage *tree_sitter_rust(void);

#define MAX_DEPTH 400   /* deeper trees (generated code) are cut off, not crashed on */
#define MAX_MACRO_NEST 8
#define MACRO_PRE "fn _cg_(){_cg_("
#define MACRO_POST ");}"

typedef struct binding {
	char *name;
	char *type; /* NULL unknown */
} binding;

typedef struct field {
	char *strct, *name, *type;
} field;

typedef struct walk {
	calls_file *f;
	TSParser *parser;
	const char *src;   /* the text the current tree was parsed from */
	unsigned row_off;  /* line of row 0 of that text in the file, minus one */
	char *module;
	char *self_type;
	int in_fn;
	size_t fn;
	binding *vars, *gens;
	size_t nvars, capvars, ngens, capgens;
	field *fields;
	size_t nfields, capfields;
	int depth, macro_nest;
	int oom;
} walk;

static char *dupn(walk *w, const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (!d) {
		w->oom = 1;
		return NULL;
	}
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

static char *dup(walk *w, const char *s)
{
	return s ? dupn(w, s, strlen(s)) : NULL;
}

static const char *type_of(TSNode n)
{
	return ts_node_type(n);
}

static int is(TSNode n, const char *t)
{
	return !ts_node_is_null(n) && strcmp(ts_node_type(n), t) == 0;
}

static TSNode field_of(TSNode n, const char *name)
{
	return ts_node_child_by_field_name(n, name, (uint32_t)strlen(name));
}

static char *text(walk *w, TSNode n)
{
	uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
	return dupn(w, w->src + a, b - a);
}

static unsigned line_of(walk *w, TSNode n)
{
	return w->row_off + ts_node_start_point(n).row + 1;
}

static char *join(walk *w, const char *a, const char *b)
{
	if (!a || !b)
		return NULL;
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 3);
	if (!s) {
		w->oom = 1;
		return NULL;
	}
	memcpy(s, a, la);
	memcpy(s + la, "::", 2);
	memcpy(s + la + 2, b, lb + 1);
	return s;
}

/* "a::b::C" of a path node, generic arguments left out; NULL for other nodes. */
static char *path_text(walk *w, TSNode n)
{
	if (ts_node_is_null(n))
		return NULL;
	const char *t = type_of(n);
	if (!strcmp(t, "identifier") || !strcmp(t, "type_identifier") || !strcmp(t, "self") ||
	    !strcmp(t, "super") || !strcmp(t, "crate") || !strcmp(t, "field_identifier"))
		return text(w, n);
	if (!strcmp(t, "scoped_identifier") || !strcmp(t, "scoped_type_identifier")) {
		TSNode p = field_of(n, "path"), name = field_of(n, "name");
		char *nm = ts_node_is_null(name) ? NULL : text(w, name);
		if (ts_node_is_null(p) || !nm)
			return nm;
		char *pp = path_text(w, p), *s = join(w, pp, nm);
		free(pp);
		free(nm);
		return s;
	}
	if (!strcmp(t, "generic_type") || !strcmp(t, "generic_type_with_turbofish"))
		return path_text(w, field_of(n, "type"));
	if (!strcmp(t, "bracketed_type")) { /* <T as Trait>::f names Trait's f */
		TSNode c = ts_node_named_child(n, 0);
		return path_text(w, is(c, "qualified_type") ? field_of(c, "alias") : c);
	}
	return NULL;
}

static const char *last_seg(const char *p)
{
	const char *s = strrchr(p, ':');
	return s ? s + 1 : p;
}

static const char *lookup(const binding *b, size_t n, const char *name)
{
	for (size_t i = n; i-- > 0;)
		if (!strcmp(b[i].name, name))
			return b[i].type ? b[i].type : NULL;
	return NULL;
}

static int bound(const binding *b, size_t n, const char *name)
{
	for (size_t i = n; i-- > 0;)
		if (!strcmp(b[i].name, name))
			return 1;
	return 0;
}

static void bind(walk *w, binding **v, size_t *n, size_t *cap, char *name, char *type)
{
	if (!name || cg_grow(v, cap, *n + 1, sizeof **v, 16)) {
		free(name);
		free(type);
		w->oom |= !name ? 0 : 1;
		return;
	}
	(*v)[(*n)++] = (binding){ name, type };
}

static void unbind(binding *v, size_t *n, size_t keep)
{
	while (*n > keep) {
		(*n)--;
		free(v[*n].name);
		free(v[*n].type);
	}
}

static char *type_head(walk *w, TSNode n);

static char *first_bound(walk *w, TSNode bounds)
{
	for (uint32_t i = 0; !ts_node_is_null(bounds) && i < ts_node_named_child_count(bounds); i++) {
		char *p = path_text(w, ts_node_named_child(bounds, i));
		if (p)
			return p;
	}
	return NULL;
}

/* The nominal type a value of this type's methods come from: references, Box, Rc and Arc
 * looked through, generic parameters replaced by their first trait bound. */
static char *type_head(walk *w, TSNode n)
{
	if (ts_node_is_null(n))
		return NULL;
	const char *t = type_of(n);
	if (!strcmp(t, "reference_type") || !strcmp(t, "pointer_type"))
		return type_head(w, field_of(n, "type"));
	if (!strcmp(t, "dynamic_type") || !strcmp(t, "abstract_type"))
		return path_text(w, field_of(n, "trait"));
	if (!strcmp(t, "primitive_type") || !strcmp(t, "array_type") || !strcmp(t, "tuple_type") ||
	    !strcmp(t, "function_type") || !strcmp(t, "never_type") || !strcmp(t, "unit_type"))
		return dup(w, CALLS_TYPE_OUTSIDE);
	if (!strcmp(t, "generic_type")) {
		char *h = path_text(w, field_of(n, "type"));
		const char *l = h ? last_seg(h) : "";
		if (!strcmp(l, "Box") || !strcmp(l, "Rc") || !strcmp(l, "Arc")) {
			TSNode args = field_of(n, "type_arguments");
			free(h);
			return ts_node_is_null(args) ? NULL : type_head(w, ts_node_named_child(args, 0));
		}
		return h;
	}
	if (!strcmp(t, "type_identifier")) {
		char *s = text(w, n);
		if (s && bound(w->gens, w->ngens, s)) {
			const char *b = lookup(w->gens, w->ngens, s);
			free(s);
			return dup(w, b);
		}
		return s;
	}
	return path_text(w, n);
}

static void add_generics(walk *w, TSNode tp)
{
	for (uint32_t i = 0; !ts_node_is_null(tp) && i < ts_node_named_child_count(tp); i++) {
		TSNode c = ts_node_named_child(tp, i);
		if (is(c, "constrained_type_parameter") && is(field_of(c, "left"), "type_identifier"))
			bind(w, &w->gens, &w->ngens, &w->capgens, text(w, field_of(c, "left")),
			     first_bound(w, field_of(c, "bounds")));
		else if (is(c, "type_identifier") || is(c, "optional_type_parameter"))
			bind(w, &w->gens, &w->ngens, &w->capgens,
			     text(w, is(c, "type_identifier") ? c : field_of(c, "name")), NULL);
	}
}

static void add_where(walk *w, TSNode n)
{
	for (uint32_t i = 0; i < ts_node_named_child_count(n); i++) {
		TSNode c = ts_node_named_child(n, i);
		if (!is(c, "where_clause"))
			continue;
		for (uint32_t j = 0; j < ts_node_named_child_count(c); j++) {
			TSNode p = ts_node_named_child(c, j);
			if (is(p, "where_predicate") && is(field_of(p, "left"), "type_identifier"))
				bind(w, &w->gens, &w->ngens, &w->capgens, text(w, field_of(p, "left")),
				     first_bound(w, field_of(p, "bounds")));
		}
	}
}

static const char *field_type(walk *w, const char *strct, const char *name)
{
	for (size_t i = 0; i < w->nfields; i++)
		if (!strcmp(w->fields[i].strct, strct) && !strcmp(w->fields[i].name, name))
			return w->fields[i].type;
	return NULL;
}

static const char *const outside_macros[] = { "format", "vec", "concat", "stringify", "include_str", NULL };

/* A guess of an expression's type, for the receiver of a method call. */
static char *expr_type(walk *w, TSNode n)
{
	if (ts_node_is_null(n))
		return NULL;
	const char *t = type_of(n);
	if (!strcmp(t, "self"))
		return dup(w, "Self");
	if (!strcmp(t, "identifier")) {
		char *s = text(w, n);
		char *r = s ? dup(w, lookup(w->vars, w->nvars, s)) : NULL;
		free(s);
		return r;
	}
	if (!strcmp(t, "struct_expression"))
		return path_text(w, field_of(n, "name"));
	if (!strcmp(t, "try_expression") || !strcmp(t, "parenthesized_expression"))
		return expr_type(w, ts_node_named_child(n, 0));
	if (!strcmp(t, "reference_expression"))
		return expr_type(w, field_of(n, "value"));
	if (strstr(t, "literal") || !strcmp(t, "array_expression") || !strcmp(t, "tuple_expression") ||
	    !strcmp(t, "binary_expression") || !strcmp(t, "range_expression") || !strcmp(t, "unit_expression"))
		return dup(w, CALLS_TYPE_OUTSIDE);
	if (!strcmp(t, "macro_invocation")) {
		char *m = path_text(w, field_of(n, "macro"));
		int out = 0;
		for (int i = 0; m && outside_macros[i]; i++)
			out |= !strcmp(m, outside_macros[i]);
		free(m);
		return out ? dup(w, CALLS_TYPE_OUTSIDE) : NULL;
	}
	if (!strcmp(t, "field_expression")) {
		TSNode v = field_of(n, "value");
		if (!is(v, "self") || !w->self_type)
			return NULL;
		char *f = text(w, field_of(n, "field"));
		char *r = f ? dup(w, field_type(w, last_seg(w->self_type), f)) : NULL;
		free(f);
		return r;
	}
	if (!strcmp(t, "call_expression")) {
		TSNode fn = field_of(n, "function");
		if (is(fn, "field_expression")) { /* x.unwrap(), x.clone(): the type of x */
			char *m = text(w, field_of(fn, "field"));
			int keep = m && (!strcmp(m, "unwrap") || !strcmp(m, "expect") || !strcmp(m, "clone"));
			free(m);
			return keep ? expr_type(w, field_of(fn, "value")) : NULL;
		}
		/* Type::new(..) and other associated functions of a CamelCase type: that type */
		char *p = path_text(w, is(fn, "generic_function") ? field_of(fn, "function") : fn);
		char *colon = p ? strrchr(p, ':') : NULL;
		if (!colon || colon - p < 2) {
			free(p);
			return NULL;
		}
		colon[-1] = 0;
		if (!isupper((unsigned char)last_seg(p)[0])) {
			free(p);
			return NULL;
		}
		return p;
	}
	return NULL;
}

static void add_site(walk *w, int kind, char *callee, char *recv, unsigned line)
{
	calls_file *f = w->f;
	if (!callee || CG_GROW(f->sites, f->capsites, f->nsites + 1, 16)) {
		w->oom |= callee != NULL;
		free(callee);
		free(recv);
		return;
	}
	f->sites[f->nsites++] = (calls_site){ kind, callee, recv, line, w->fn };
}

static void add_use(walk *w, char *alias, char *path)
{
	calls_file *f = w->f;
	char *m = dup(w, w->module);
	if (!path || !m || CG_GROW(f->uses, f->capuses, f->nuses + 1, 16)) {
		w->oom = 1;
		free(alias);
		free(path);
		free(m);
		return;
	}
	f->uses[f->nuses++] = (calls_use){ m, alias, path };
}

static void use_tree(walk *w, TSNode n, const char *prefix)
{
	const char *t = type_of(n);
	if (!strcmp(t, "use_as_clause")) {
		char *p = path_text(w, field_of(n, "path"));
		add_use(w, text(w, field_of(n, "alias")), prefix ? join(w, prefix, p) : dup(w, p));
		free(p);
	} else if (!strcmp(t, "scoped_use_list") || !strcmp(t, "use_list")) {
		char *p = NULL, *full;
		if (!strcmp(t, "scoped_use_list") && !ts_node_is_null(field_of(n, "path")))
			p = path_text(w, field_of(n, "path"));
		full = p && prefix ? join(w, prefix, p) : dup(w, p ? p : prefix);
		TSNode list = !strcmp(t, "use_list") ? n : field_of(n, "list");
		for (uint32_t i = 0; !ts_node_is_null(list) && i < ts_node_named_child_count(list); i++)
			use_tree(w, ts_node_named_child(list, i), full);
		free(p);
		free(full);
	} else if (!strcmp(t, "use_wildcard")) {
		char *p = path_text(w, ts_node_named_child(n, 0));
		add_use(w, NULL, p && prefix ? join(w, prefix, p) : dup(w, p ? p : prefix));
		free(p);
	} else if (!strcmp(t, "self") && prefix) {
		add_use(w, dup(w, last_seg(prefix)), dup(w, prefix));
	} else {
		char *p = path_text(w, n);
		if (p)
			add_use(w, dup(w, last_seg(p)), prefix ? join(w, prefix, p) : dup(w, p));
		free(p);
	}
}

static void walk_node(walk *w, TSNode n);

static void walk_children(walk *w, TSNode n)
{
	for (uint32_t i = 0; i < ts_node_named_child_count(n); i++)
		walk_node(w, ts_node_named_child(n, i));
}

static void bind_pattern(walk *w, TSNode pat, char *type)
{
	if (is(pat, "mut_pattern"))
		pat = ts_node_named_child(pat, ts_node_named_child_count(pat) - 1);
	if (is(pat, "identifier"))
		bind(w, &w->vars, &w->nvars, &w->capvars, text(w, pat), type);
	else
		free(type);
}

static void walk_call(walk *w, TSNode n)
{
	TSNode fn = field_of(n, "function");
	if (is(fn, "generic_function"))
		fn = field_of(fn, "function");
	if (is(fn, "field_expression")) {
		TSNode name = field_of(fn, "field");
		if (is(name, "field_identifier"))
			add_site(w, CG_CALL_METHOD, text(w, name), expr_type(w, field_of(fn, "value")),
				 line_of(w, name));
	} else if (is(fn, "identifier") || is(fn, "scoped_identifier")) {
		char *p = path_text(w, fn);
		/* CamelCase callees are tuple-struct and variant constructors (Some, Ok, Point) */
		if (p && isupper((unsigned char)last_seg(p)[0]))
			free(p);
		else
			add_site(w, CG_CALL_PATH, p, NULL, line_of(w, n));
	}
	walk_children(w, n);
}

/* Parses a macro's token tree again as the arguments of a call; used when it parses cleanly. */
static void walk_macro_args(walk *w, TSNode tt)
{
	uint32_t a = ts_node_start_byte(tt), b = ts_node_end_byte(tt);
	if (b - a < 2 || w->macro_nest >= MAX_MACRO_NEST)
		return;
	size_t inner = b - a - 2, lp = strlen(MACRO_PRE), ls = strlen(MACRO_POST);
	char *buf = malloc(lp + inner + ls + 1);
	if (!buf) {
		w->oom = 1;
		return;
	}
	memcpy(buf, MACRO_PRE, lp);
	memcpy(buf + lp, w->src + a + 1, inner);
	memcpy(buf + lp + inner, MACRO_POST, ls + 1);
	TSTree *tree = ts_parser_parse_string(w->parser, NULL, buf, (uint32_t)(lp + inner + ls));
	TSNode root = tree ? ts_tree_root_node(tree) : (TSNode){ 0 };
	if (tree && !ts_node_has_error(root)) {
		TSNode body = field_of(ts_node_named_child(root, 0), "body");
		TSNode call = ts_node_named_child(ts_node_named_child(body, 0), 0);
		TSNode args = field_of(call, "arguments");
		const char *src = w->src;
		unsigned off = w->row_off;
		w->row_off = line_of(w, tt) - 1;
		w->src = buf;
		w->macro_nest++;
		if (!ts_node_is_null(args))
			walk_children(w, args);
		w->macro_nest--;
		w->src = src;
		w->row_off = off;
	}
	if (tree)
		ts_tree_delete(tree);
	free(buf);
}

static void walk_macro(walk *w, TSNode n)
{
	TSNode m = field_of(n, "macro");
	add_site(w, CG_CALL_MACRO, path_text(w, m), NULL, line_of(w, n));
	for (uint32_t i = 0; i < ts_node_named_child_count(n); i++)
		if (is(ts_node_named_child(n, i), "token_tree"))
			walk_macro_args(w, ts_node_named_child(n, i));
}

static void walk_params(walk *w, TSNode params)
{
	for (uint32_t i = 0; !ts_node_is_null(params) && i < ts_node_named_child_count(params); i++) {
		TSNode p = ts_node_named_child(params, i);
		if (is(p, "parameter"))
			bind_pattern(w, field_of(p, "pattern"), type_head(w, field_of(p, "type")));
		else if (!is(p, "self_parameter") && !is(p, "attribute_item"))
			bind_pattern(w, p, NULL); /* closure parameter without a type */
	}
}

static void walk_fn(walk *w, TSNode n)
{
	TSNode name = field_of(n, "name"), body = field_of(n, "body");
	if (ts_node_is_null(body) || !is(name, "identifier"))
		return;
	calls_file *f = w->f;
	if (CG_GROW(f->fns, f->capfns, f->nfns + 1, 16)) {
		w->oom = 1;
		return;
	}
	calls_fn *fn = &f->fns[f->nfns];
	*fn = (calls_fn){ text(w, name), dup(w, w->module), dup(w, w->self_type),
			  line_of(w, n), line_of(w, name) };
	if (!fn->name || !fn->module) {
		free(fn->name);
		free(fn->module);
		free(fn->self_type);
		w->oom = 1;
		return;
	}
	f->nfns++;
	size_t saved_fn = w->fn, nvars = w->nvars, ngens = w->ngens;
	int in_fn = w->in_fn;
	w->fn = f->nfns - 1;
	w->in_fn = 1;
	add_generics(w, field_of(n, "type_parameters"));
	add_where(w, n);
	walk_params(w, field_of(n, "parameters"));
	walk_node(w, body);
	unbind(w->vars, &w->nvars, nvars);
	unbind(w->gens, &w->ngens, ngens);
	w->fn = saved_fn;
	w->in_fn = in_fn;
}

/* impl and trait blocks: Self and the block's generic parameters for the items inside. */
static void walk_impl(walk *w, TSNode n, int trait)
{
	char *saved = w->self_type;
	size_t ngens = w->ngens;
	w->self_type = trait ? path_text(w, field_of(n, "name")) : type_head(w, field_of(n, "type"));
	add_generics(w, field_of(n, "type_parameters"));
	add_where(w, n);
	walk_node(w, field_of(n, "body"));
	unbind(w->gens, &w->ngens, ngens);
	free(w->self_type);
	w->self_type = saved;
}

static void walk_mod(walk *w, TSNode n)
{
	TSNode body = field_of(n, "body");
	if (ts_node_is_null(body))
		return;
	char *name = text(w, field_of(n, "name"));
	char *saved = w->module, *m = join(w, saved, name);
	free(name);
	if (!m)
		return;
	w->module = m;
	walk_node(w, body);
	w->module = saved;
	free(m);
}

static void walk_let(walk *w, TSNode n)
{
	TSNode ty = field_of(n, "type"), val = field_of(n, "value");
	if (!ts_node_is_null(val))
		walk_node(w, val);
	if (!ts_node_is_null(field_of(n, "alternative")))
		walk_node(w, field_of(n, "alternative"));
	bind_pattern(w, field_of(n, "pattern"), !ts_node_is_null(ty) ? type_head(w, ty) : expr_type(w, val));
}

static void walk_scoped(walk *w, TSNode n, int closure)
{
	size_t nvars = w->nvars;
	if (closure) {
		walk_params(w, field_of(n, "parameters"));
		walk_node(w, field_of(n, "body"));
	} else {
		walk_children(w, n);
	}
	unbind(w->vars, &w->nvars, nvars);
}

static void walk_node(walk *w, TSNode n)
{
	if (ts_node_is_null(n) || w->oom || w->depth >= MAX_DEPTH)
		return;
	const char *t = type_of(n);
	w->depth++;
	if (!strcmp(t, "function_item"))
		walk_fn(w, n);
	else if (!strcmp(t, "impl_item") || !strcmp(t, "trait_item"))
		walk_impl(w, n, t[0] == 't');
	else if (!strcmp(t, "mod_item"))
		walk_mod(w, n);
	else if (!strcmp(t, "use_declaration"))
		use_tree(w, field_of(n, "argument"), NULL);
	else if (!strcmp(t, "macro_definition") || !strcmp(t, "attribute_item") ||
		 !strcmp(t, "inner_attribute_item") || !strcmp(t, "line_comment") || !strcmp(t, "block_comment"))
		; /* no calls of this program in there */
	else if (!w->in_fn)
		walk_children(w, n);
	else if (!strcmp(t, "call_expression"))
		walk_call(w, n);
	else if (!strcmp(t, "macro_invocation"))
		walk_macro(w, n);
	else if (!strcmp(t, "let_declaration"))
		walk_let(w, n);
	else if (!strcmp(t, "closure_expression"))
		walk_scoped(w, n, 1);
	else if (!strcmp(t, "block"))
		walk_scoped(w, n, 0);
	else
		walk_children(w, n);
	w->depth--;
}

/* Struct field types, gathered first: impls may come before their struct. */
static void collect_fields(walk *w, TSNode n, int depth)
{
	if (depth > MAX_DEPTH || w->oom)
		return;
	if (is(n, "struct_item")) {
		TSNode body = field_of(n, "body");
		if (!is(body, "field_declaration_list"))
			return;
		for (uint32_t i = 0; i < ts_node_named_child_count(body); i++) {
			TSNode d = ts_node_named_child(body, i);
			if (!is(d, "field_declaration") ||
			    CG_GROW(w->fields, w->capfields, w->nfields + 1, 16))
				continue;
			field fl = { text(w, field_of(n, "name")), text(w, field_of(d, "name")),
				     type_head(w, field_of(d, "type")) };
			if (fl.strct && fl.name)
				w->fields[w->nfields++] = fl;
			else {
				free(fl.strct);
				free(fl.name);
				free(fl.type);
			}
		}
		return;
	}
	for (uint32_t i = 0; i < ts_node_named_child_count(n); i++)
		collect_fields(w, ts_node_named_child(n, i), depth + 1);
}

void *calls_parser_new(void)
{
	TSParser *p = ts_parser_new();
	if (p && !ts_parser_set_language(p, tree_sitter_rust())) {
		ts_parser_delete(p);
		return NULL;
	}
	return p;
}

void calls_parser_free(void *parser)
{
	if (parser)
		ts_parser_delete(parser);
}

int calls_parse_file(void *parser, calls_file *f, cg_err *err)
{
	char *src = NULL;
	size_t len = 0;
	int rc = cg_input_read(f->abs, &src, &len, err);
	if (rc)
		return rc;
	if (len > UINT32_MAX) {
		free(src);
		return cg_err_set(err, CG_EDATA, "%s: file too large", f->rel);
	}
	f->bytes = len;
	for (size_t i = 0; i < len; i++)
		f->lines += src[i] == '\n';
	f->lines += len && src[len - 1] != '\n';
	TSTree *tree = ts_parser_parse_string(parser, NULL, src, (uint32_t)len);
	if (!tree) {
		free(src);
		return cg_err_set(err, CG_EINTERNAL, "%s: tree-sitter gave no tree", f->rel);
	}
	TSNode root = ts_tree_root_node(tree);
	f->syntax_error = ts_node_has_error(root);
	walk w = { .f = f, .parser = parser, .src = src, .fn = 0 };
	w.module = f->module;
	collect_fields(&w, root, 0);
	walk_node(&w, root);
	unbind(w.vars, &w.nvars, 0);
	unbind(w.gens, &w.ngens, 0);
	for (size_t i = 0; i < w.nfields; i++) {
		free(w.fields[i].strct);
		free(w.fields[i].name);
		free(w.fields[i].type);
	}
	free(w.fields);
	free(w.vars);
	free(w.gens);
	ts_tree_delete(tree);
	free(src);
	return w.oom ? cg_err_set(err, CG_EINTERNAL, "%s: out of memory", f->rel) : 0;
}

char *calls_file_keep(calls_file *f, char *s)
{
	if (!s || CG_GROW(f->strs, f->capstrs, f->nstrs + 1, 16)) {
		free(s);
		return NULL;
	}
	return f->strs[f->nstrs++] = s;
}

void *calls_file_keep_vec(calls_file *f, void *v)
{
	if (!v || CG_GROW(f->vecs, f->capvecs, f->nvecs + 1, 16)) {
		free(v);
		return NULL;
	}
	return f->vecs[f->nvecs++] = v;
}

void calls_file_free(calls_file *f)
{
	for (size_t i = 0; i < f->nfns; i++) {
		free(f->fns[i].name);
		free(f->fns[i].module);
		free(f->fns[i].self_type);
	}
	for (size_t i = 0; i < f->nsites; i++) {
		free(f->sites[i].callee);
		free(f->sites[i].recv);
	}
	for (size_t i = 0; i < f->nuses; i++) {
		free(f->uses[i].module);
		free(f->uses[i].alias);
		free(f->uses[i].path);
	}
	for (size_t i = 0; i < f->nstrs; i++)
		free(f->strs[i]);
	for (size_t i = 0; i < f->nvecs; i++)
		free(f->vecs[i]);
	free(f->fns);
	free(f->sites);
	free(f->uses);
	free(f->strs);
	free(f->vecs);
	free(f->out);
	free(f->rel);
	free(f->abs);
	free(f->crate);
	free(f->module);
	memset(f, 0, sizeof *f);
}

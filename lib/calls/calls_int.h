/* calls_int: what the source walker (calls_parse.c) hands to the resolver (calls_resolve.c). */
#ifndef CG_CALLS_INT_H
#define CG_CALLS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "calls.h"
#include "base/err.h"
#include "store/store.h"

/* A receiver type that is known but names nothing the store can hold (a slice, a tuple, a
 * primitive, a string literal): method calls on it stay unresolved. */
#define CALLS_TYPE_OUTSIDE ""

typedef struct calls_fn {
	char *name;
	char *module;     /* absolute module path, "crate::a::b" */
	char *self_type;  /* impl type or trait path text, generics stripped; NULL outside */
	unsigned line;    /* first line of the fn item */
	unsigned name_line;
} calls_fn;

typedef struct calls_site {
	int kind;     /* enum cg_call_kind */
	char *callee; /* path text (generics stripped), method name, or macro path */
	char *recv;   /* method receiver type path text; NULL unknown; CALLS_TYPE_OUTSIDE */
	unsigned line;
	size_t fn;    /* index into calls_file.fns */
} calls_site;

typedef struct calls_use {
	char *module; /* the module the `use` sits in */
	char *alias;  /* the name it brings in; NULL for a glob */
	char *path;   /* as written, relative to module */
} calls_use;

typedef struct calls_file {
	char *rel;    /* path relative to the workspace root */
	char *abs;
	char *crate;  /* underscored crate name */
	char *module; /* module path of the file, "crate::a::b" */
	calls_fn *fns;
	size_t nfns, capfns;
	calls_site *sites;
	size_t nsites, capsites;
	calls_use *uses;
	size_t nuses, capuses;
	size_t lines, bytes;
	int syntax_error;
	cg_call_site *out; /* resolved sites, filled by the resolver */
	size_t nout;
	char **strs;       /* strings the out[] entries point to, freed with the file */
	size_t nstrs, capstrs;
	void **vecs;       /* arrays the out[] entries point to */
	size_t nvecs, capvecs;
} calls_file;

/* Parses f->abs and fills fns, sites and uses. parser is a TSParser *. */
int calls_parse_file(void *parser, calls_file *f, cg_err *err);
void *calls_parser_new(void);
void calls_parser_free(void *parser);
void calls_file_free(calls_file *f);
/* Keep s (malloc'd) with the file; return s, or NULL (and free s) when out of memory. */
char *calls_file_keep(calls_file *f, char *s);
void *calls_file_keep_vec(calls_file *f, void *v);

typedef struct calls_resolver calls_resolver;
/* crates: the workspace's crate names (their methods are the name-index candidates). */
calls_resolver *calls_resolver_new(cg_store *s, const char *const *crates, size_t ncrates);
void calls_resolver_free(calls_resolver *r);
/* Resolves every site of f into f->out. */
int calls_resolve_file(calls_resolver *r, calls_file *f, cg_err *err);

#endif

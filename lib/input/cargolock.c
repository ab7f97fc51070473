/* cargolock: parse the TOML subset Cargo writes into Cargo.lock (tables, `[[package]]` arrays,
 * key = "string" / [ "array", ... ] / bare scalars), keeping strings in one private copy. */
#include "cargolock.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base/escape.h"
#include "base/grow.h"
#include "input.h"

struct cg_lockfile {
	char *text;        /* private copy; strings are unescaped in place and NUL-terminated */
	cg_lock_pkg *pkg;
	size_t npkg, cappkg;
	cg_lock_dep *dep;  /* every package's entries; pkg->deps holds an offset until the end */
	size_t ndep, capdep;
	struct byname {
		const char *name;
		size_t i;
	} *byname;         /* packages sorted by normalized name, then file order */
};

typedef struct parser {
	const char *name;
	char *p, *end;
	int line;
	cg_err *err;
} parser;

enum section { SEC_TOP, SEC_PACKAGE, SEC_METADATA, SEC_OTHER };

static int fail(parser *ps, const char *what)
{
	return cg_err_set(ps->err, CG_EDATA, "%s: line %d: %s", ps->name, ps->line, what);
}

static void skip_blank(parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r'))
		ps->p++;
}

/* Skips blanks, newlines and comments (inside arrays). */
static void skip_space(parser *ps)
{
	for (;;) {
		skip_blank(ps);
		if (ps->p < ps->end && *ps->p == '#')
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
		if (ps->p >= ps->end || *ps->p != '\n')
			return;
		ps->p++;
		ps->line++;
	}
}

/* Ends a line: blanks and an optional comment, then a newline or the end. */
static int end_line(parser *ps)
{
	skip_blank(ps);
	if (ps->p < ps->end && *ps->p == '#')
		while (ps->p < ps->end && *ps->p != '\n')
			ps->p++;
	if (ps->p < ps->end && *ps->p != '\n')
		return fail(ps, "unexpected text after value");
	if (ps->p < ps->end) {
		ps->p++;
		ps->line++;
	}
	return 0;
}

static int unescape(parser *ps, char **w)
{
	char c = *ps->p++;
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	const char *k = c ? strchr(from, c) : NULL;
	if (k) {
		*(*w)++ = to[k - from];
		return 0;
	}
	if (c != 'u' && c != 'U')
		return fail(ps, "invalid escape in string");
	int n = c == 'u' ? 4 : 8;
	unsigned long cp = 0;
	for (int i = 0; i < n; i++, ps->p++) {
		int h = ps->p < ps->end ? cg_hex_digit((unsigned char)*ps->p) : -1;
		if (h < 0)
			return fail(ps, "invalid \\u escape in string");
		cp = cp << 4 | (unsigned long)h;
	}
	if (cp > 0x10ffff)
		return fail(ps, "invalid \\u escape in string");
	*w = cg_utf8_put(*w, (uint32_t)cp);
	return 0;
}

/* Parses "basic" or 'literal' string at ps->p; the result is NUL-terminated in place. */
static int parse_string(parser *ps, char **out)
{
	char q = *ps->p++, *w = ps->p;
	*out = w;
	while (ps->p < ps->end && *ps->p != q && *ps->p != '\n') {
		if (q == '"' && *ps->p == '\\') {
			ps->p++;
			if (ps->p >= ps->end || unescape(ps, &w))
				return ps->p >= ps->end ? fail(ps, "unterminated string") : ps->err->code;
			continue;
		}
		*w++ = *ps->p++;
	}
	if (ps->p >= ps->end || *ps->p != q)
		return fail(ps, "unterminated string");
	ps->p++;
	*w = 0;
	return 0;
}

static int add_dep(cg_lockfile *l, char *s)
{
	if (CG_GROW(l->dep, l->capdep, l->ndep + 1, 64))
		return -1;
	/* "name version (source)": split at the spaces in place */
	cg_lock_dep *d = &l->dep[l->ndep++];
	d->name = s;
	d->version = NULL;
	char *sp = strchr(s, ' ');
	if (sp) {
		*sp = 0;
		d->version = sp + 1;
		if ((sp = strchr(sp + 1, ' ')))
			*sp = 0;
	}
	return 0;
}

/* Parses an array of strings; with keep set (a package's dependencies) keeps them. */
static int parse_array(parser *ps, cg_lockfile *l, int keep)
{
	ps->p++;
	for (;;) {
		skip_space(ps);
		if (ps->p >= ps->end)
			return fail(ps, "unterminated array");
		if (*ps->p == ']') {
			ps->p++;
			return 0;
		}
		if (*ps->p == '"' || *ps->p == '\'') {
			char *s;
			if (parse_string(ps, &s))
				return ps->err->code;
			if (keep && add_dep(l, s) < 0)
				return cg_err_set(ps->err, CG_EINTERNAL, "out of memory");
		} else if (*ps->p == '[') {
			if (parse_array(ps, l, 0))
				return ps->err->code;
		} else {
			const char *start = ps->p;
			while (ps->p < ps->end && !strchr(",]\n#", *ps->p))
				ps->p++;
			if (ps->p == start) /* a NUL byte (strchr finds the terminator): no progress */
				return fail(ps, "unexpected character in array");
		}
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',')
			ps->p++;
	}
}

static int add_package(cg_lockfile *l)
{
	if (CG_GROW(l->pkg, l->cappkg, l->npkg + 1, 64))
		return -1;
	memset(&l->pkg[l->npkg], 0, sizeof l->pkg[l->npkg]);
	l->pkg[l->npkg].deps = (const cg_lock_dep *)(uintptr_t)l->ndep; /* offset, fixed at the end */
	l->npkg++;
	return 0;
}

static int check_package(parser *ps, const cg_lockfile *l, int start_line)
{
	if (!l->npkg)
		return 0;
	const cg_lock_pkg *p = &l->pkg[l->npkg - 1];
	if (p->name && p->version)
		return 0;
	return cg_err_set(ps->err, CG_EDATA, "%s: line %d: package without %s", ps->name, start_line,
			  p->name ? "version" : "name");
}

/* `"checksum NAME VERSION (SOURCE)" = "HEX"` in a version 1 lockfile's [metadata]. */
static void metadata_checksum(cg_lockfile *l, char *key, char *value)
{
	if (strncmp(key, "checksum ", 9) != 0)
		return;
	char *name = key + 9, *ver = strchr(name, ' ');
	if (!ver)
		return;
	*ver++ = 0;
	char *sp = strchr(ver, ' ');
	if (sp)
		*sp = 0;
	for (size_t i = 0; i < l->npkg; i++)
		if (strcmp(l->pkg[i].name, name) == 0 && strcmp(l->pkg[i].version, ver) == 0 && !l->pkg[i].checksum)
			l->pkg[i].checksum = value;
}

static int set_field(parser *ps, cg_lockfile *l, int sec, char *key, char *value)
{
	if (sec == SEC_METADATA) {
		metadata_checksum(l, key, value);
		return 0;
	}
	if (sec != SEC_PACKAGE)
		return 0;
	cg_lock_pkg *p = &l->pkg[l->npkg - 1];
	const char **slot = strcmp(key, "name") == 0 ? &p->name
			    : strcmp(key, "version") == 0 ? &p->version
			    : strcmp(key, "source") == 0 ? &p->source
			    : strcmp(key, "checksum") == 0 ? &p->checksum : NULL;
	if (slot && *slot)
		return fail(ps, "duplicate key");
	if (slot)
		*slot = value;
	return 0;
}

/* key = value, with ps->p at the key. */
static int parse_keyval(parser *ps, cg_lockfile *l, int sec)
{
	char *key;
	if (*ps->p == '"' || *ps->p == '\'') {
		if (parse_string(ps, &key))
			return ps->err->code;
	} else {
		key = ps->p;
		while (ps->p < ps->end && !strchr(" \t=\n", *ps->p))
			ps->p++;
		if (ps->p == key)
			return fail(ps, "expected a key");
	}
	char *key_end = ps->p;
	skip_blank(ps);
	if (ps->p >= ps->end || *ps->p != '=')
		return fail(ps, "expected '=' after key");
	ps->p++;
	*key_end = 0; /* after the '=' test: a bare key may end right at it */
	skip_blank(ps);
	if (ps->p >= ps->end || *ps->p == '\n')
		return fail(ps, "missing value");
	if (*ps->p == '[') {
		int deps = sec == SEC_PACKAGE && strcmp(key, "dependencies") == 0;
		if (parse_array(ps, l, deps))
			return ps->err->code;
	} else if (*ps->p == '"' || *ps->p == '\'') {
		char *value;
		if (parse_string(ps, &value) || set_field(ps, l, sec, key, value))
			return ps->err->code;
	} else {
		while (ps->p < ps->end && *ps->p != '\n' && *ps->p != '#')
			ps->p++;
	}
	return end_line(ps);
}

static int parse_header(parser *ps, cg_lockfile *l, int *sec)
{
	char *start = ps->p;
	while (ps->p < ps->end && *ps->p != '\n' && *ps->p != '#')
		ps->p++;
	char *e = ps->p;
	while (e > start && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	size_t n = (size_t)(e - start);
	if (n < 2 || e[-1] != ']')
		return fail(ps, "unterminated table header");
	if (n == 11 && memcmp(start, "[[package]]", 11) == 0) {
		if (add_package(l) < 0)
			return cg_err_set(ps->err, CG_EINTERNAL, "out of memory");
		*sec = SEC_PACKAGE;
	} else {
		*sec = n == 10 && memcmp(start, "[metadata]", 10) == 0 ? SEC_METADATA : SEC_OTHER;
	}
	return end_line(ps);
}

static int parse_all(parser *ps, cg_lockfile *l)
{
	int sec = SEC_TOP, pkg_line = 0;
	for (;;) {
		skip_space(ps);
		if (ps->p >= ps->end)
			break;
		if (*ps->p == '[') {
			if (check_package(ps, l, pkg_line))
				return ps->err->code;
			pkg_line = ps->line;
			if (parse_header(ps, l, &sec))
				return ps->err->code;
		} else if (parse_keyval(ps, l, sec)) {
			return ps->err->code;
		}
	}
	return check_package(ps, l, pkg_line);
}

static int byname_cmp(const void *a, const void *b)
{
	const struct byname *x = a, *y = b;
	int c = cg_lock_namecmp(x->name, y->name);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

int cg_lock_namecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = *a == '-' ? '_' : (unsigned char)*a, y = *b == '-' ? '_' : (unsigned char)*b;
		if (x != y || !x)
			return x - y;
	}
}

/* Turns dependency offsets into pointers and builds the name index. */
static int finish(cg_lockfile *l)
{
	for (size_t i = 0; i < l->npkg; i++) {
		size_t first = (size_t)(uintptr_t)l->pkg[i].deps;
		size_t last = i + 1 < l->npkg ? (size_t)(uintptr_t)l->pkg[i + 1].deps : l->ndep;
		l->pkg[i].ndeps = last - first;
	}
	for (size_t i = 0; i < l->npkg; i++)
		l->pkg[i].deps = l->dep ? l->dep + (size_t)(uintptr_t)l->pkg[i].deps : NULL;
	if (!(l->byname = malloc((l->npkg ? l->npkg : 1) * sizeof *l->byname)))
		return -1;
	for (size_t i = 0; i < l->npkg; i++)
		l->byname[i] = (struct byname){ l->pkg[i].name, i };
	qsort(l->byname, l->npkg, sizeof *l->byname, byname_cmp);
	return 0;
}

int cg_lockfile_parse(const char *name, const char *text, size_t len, cg_lockfile **out, cg_err *err)
{
	*out = NULL;
	cg_lockfile *l = calloc(1, sizeof *l);
	if (!l || !(l->text = malloc(len + 1))) {
		free(l);
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	}
	memcpy(l->text, text, len);
	l->text[len] = 0;
	cg_err scratch;
	parser ps = { name, l->text, l->text + len, 1, err ? err : &scratch };
	int rc = parse_all(&ps, l);
	if (!rc && finish(l) < 0)
		rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
	if (rc) {
		cg_lockfile_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

int cg_lockfile_load(const char *path, cg_lockfile **out, cg_err *err)
{
	*out = NULL;
	char *buf;
	size_t len;
	int rc = cg_input_read(path, &buf, &len, err);
	if (rc)
		return rc;
	rc = cg_lockfile_parse(path, buf, len, out, err);
	free(buf);
	return rc;
}

void cg_lockfile_free(cg_lockfile *l)
{
	if (!l)
		return;
	free(l->text);
	free(l->pkg);
	free(l->dep);
	free(l->byname);
	free(l);
}

size_t cg_lockfile_count(const cg_lockfile *l) { return l->npkg; }
const cg_lock_pkg *cg_lockfile_at(const cg_lockfile *l, size_t i) { return &l->pkg[i]; }

const cg_lock_pkg *cg_lockfile_find(const cg_lockfile *l, const char *name, const char *version)
{
	size_t lo = 0, hi = l->npkg;
	while (lo < hi) { /* first package with that name */
		size_t mid = lo + (hi - lo) / 2;
		if (cg_lock_namecmp(l->byname[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < l->npkg; i++) {
		const cg_lock_pkg *p = &l->pkg[l->byname[i].i];
		if (cg_lock_namecmp(p->name, name) != 0)
			break;
		if (!version || strcmp(p->version, version) == 0)
			return p;
	}
	return NULL;
}

const cg_lock_pkg *cg_lockfile_dep(const cg_lockfile *l, const cg_lock_dep *d)
{
	return cg_lockfile_find(l, d->name, d->version);
}

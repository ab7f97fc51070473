/* ndjson: one record per line. Both readers (the fixed-shape scanner and jansson) fill the
 * same table of fields; one check turns that table into a record or an error. */
#include "ndjson.h"

#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "codec/ident.h"
#include "codec/keys.h"

enum field_id { F_TYPE, F_ID, F_KIND, F_NAME, F_PATH, F_CRATE, F_VERSION, F_VIS, F_FILE, F_LINE,
		F_END_LINE, F_COLUMN, F_DOCS, F_ALIASES, F_STUB, F_SRC, F_DST, F_LABEL, F_N };

static const char *const field_names[F_N] = {
	"type", "id", "kind", "name", "path", "crate", "version", "vis", "file", "line",
	"end_line", "column", "docs", "aliases", "stub", "src", "dst", "label",
};

enum value_type { V_NONE, V_STR, V_INT, V_BOOL, V_ARRAY, V_OTHER };

/* What a record type allows: (1 << field) bits. */
#define BIT(f) (1u << (f))
#define VERTEX_FIELDS (BIT(F_TYPE) | BIT(F_ID) | BIT(F_KIND) | BIT(F_NAME) | BIT(F_PATH) | BIT(F_CRATE) | \
		       BIT(F_VERSION) | BIT(F_VIS) | BIT(F_FILE) | BIT(F_LINE) | BIT(F_END_LINE) | \
		       BIT(F_COLUMN) | BIT(F_DOCS) | BIT(F_ALIASES) | BIT(F_STUB))
#define EDGE_FIELDS (BIT(F_TYPE) | BIT(F_SRC) | BIT(F_DST) | BIT(F_LABEL) | BIT(F_FILE) | BIT(F_LINE))

typedef struct field {
	int type;          /* enum value_type */
	const char *s;     /* V_STR; V_ARRAY: the strings joined by '\n' (NULL: not all strings) */
	long long i;       /* V_INT, V_BOOL */
} field;

struct cg_ndjson_parser {
	int lenient;
	cg_buf line;       /* the scanner's copy of the line, strings ended in place */
	cg_buf aliases;    /* joined array elements */
	json_t *doc;       /* jansson's tree of the last line it read */
	field f[F_N];
	char unknown[64];  /* the first key outside the field table */
	char crate[256];
};

cg_ndjson_parser *cg_ndjson_parser_new(int lenient)
{
	cg_ndjson_parser *p = calloc(1, sizeof *p);
	if (p)
		p->lenient = lenient;
	return p;
}

void cg_ndjson_parser_free(cg_ndjson_parser *p)
{
	if (!p)
		return;
	cg_buf_free(&p->line);
	cg_buf_free(&p->aliases);
	json_decref(p->doc);
	free(p);
}

int cg_ndjson_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

static int field_of(const char *key, size_t n)
{
	for (int i = 0; i < F_N; i++)
		/* the first byte inline: a call per field name and key cost a tenth of the ingest */
		if (field_names[i][0] == key[0] && strncmp(field_names[i], key, n) == 0 && !field_names[i][n])
			return i;
	return -1;
}

static void note_unknown(cg_ndjson_parser *p, const char *key, size_t n)
{
	if (!p->unknown[0])
		snprintf(p->unknown, sizeof p->unknown, "%.*s", (int)(n < 60 ? n : 60), key);
}

/* ---- the fixed-shape scanner: returns 0 when the line is not of the plain shape ---- */

static char *skip_ws(char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

/* A string without escapes, control or non-ASCII bytes (jansson checks those); ended in place. */
static char *scan_string(char *s, const char **out)
{
	if (*s != '"')
		return NULL;
	char *start = ++s;
	while ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x80 && *s != '"' && *s != '\\')
		s++;
	if (*s != '"')
		return NULL;
	*s = '\0';
	*out = start;
	return s + 1;
}

static char *scan_int(char *s, long long *out)
{
	int neg = *s == '-';
	char *d = s + neg;
	long long v = 0;
	if (*d < '0' || *d > '9' || (*d == '0' && d[1] >= '0' && d[1] <= '9'))
		return NULL;
	for (; *d >= '0' && *d <= '9'; d++) {
		if (v > (LLONG_MAX - 9) / 10)
			return NULL;
		v = v * 10 + (*d - '0');
	}
	if (*d == '.' || *d == 'e' || *d == 'E')
		return NULL;
	*out = neg ? -v : v;
	return d;
}

static char *scan_array(cg_ndjson_parser *p, char *s, field *f)
{
	p->aliases.len = 0;
	s = skip_ws(s + 1);
	while (*s != ']') {
		const char *str;
		if (!(s = scan_string(s, &str)))
			return NULL;
		if ((p->aliases.len && cg_buf_putc(&p->aliases, '\n') < 0) || cg_buf_puts(&p->aliases, str) < 0)
			return NULL;
		s = skip_ws(s);
		if (*s == ',')
			s = skip_ws(s + 1);
		else if (*s != ']')
			return NULL;
	}
	if (cg_buf_putc(&p->aliases, '\0') < 0)
		return NULL;
	f->type = V_ARRAY;
	f->s = (const char *)p->aliases.data;
	return s + 1;
}

static char *scan_value(cg_ndjson_parser *p, char *s, field *f)
{
	if (*s == '"') {
		f->type = V_STR;
		return scan_string(s, &f->s);
	}
	if (*s == '[')
		return scan_array(p, s, f);
	if (!strncmp(s, "true", 4) || !strncmp(s, "false", 5)) {
		f->type = V_BOOL;
		f->i = *s == 't';
		return s + (*s == 't' ? 4 : 5);
	}
	f->type = V_INT;
	return scan_int(s, &f->i);
}

static int scan_line(cg_ndjson_parser *p, const char *text, size_t n)
{
	p->line.len = 0;
	if (cg_buf_append(&p->line, text, n) < 0 || cg_buf_putc(&p->line, '\0') < 0)
		return 0;
	char *s = skip_ws((char *)p->line.data);
	if (*s++ != '{')
		return 0;
	s = skip_ws(s);
	while (*s != '}') {
		const char *key;
		if (!(s = scan_string(s, &key)))
			return 0;
		size_t klen = (size_t)(s - 1 - key);
		s = skip_ws(s);
		if (*s++ != ':')
			return 0;
		field scratch = { 0 };
		int id = field_of(key, klen);
		field *f = id < 0 ? &scratch : &p->f[id];
		if (f->type != V_NONE) /* a repeated key: jansson refuses it */
			return 0;
		if (!(s = scan_value(p, skip_ws(s), f)))
			return 0;
		if (id < 0)
			note_unknown(p, key, klen);
		s = skip_ws(s);
		if (*s == ',')
			s = skip_ws(s + 1);
		else if (*s != '}')
			return 0;
	}
	return *skip_ws(s + 1) == '\0';
}

/* ---- jansson: everything else, with its own error messages ---- */

static int load_field(cg_ndjson_parser *p, json_t *v, field *f)
{
	switch (json_typeof(v)) {
	case JSON_STRING: f->type = V_STR; f->s = json_string_value(v); return 0;
	case JSON_INTEGER: f->type = V_INT; f->i = json_integer_value(v); return 0;
	case JSON_TRUE: case JSON_FALSE: f->type = V_BOOL; f->i = json_is_true(v); return 0;
	case JSON_ARRAY: break;
	default: f->type = V_OTHER; return 0;
	}
	size_t i;
	json_t *a;
	f->type = V_ARRAY;
	p->aliases.len = 0;
	json_array_foreach(v, i, a) {
		if (!json_is_string(a)) {
			f->s = NULL;
			return 0;
		}
		if ((i && cg_buf_putc(&p->aliases, '\n') < 0) || cg_buf_puts(&p->aliases, json_string_value(a)) < 0)
			return -1;
	}
	if (cg_buf_putc(&p->aliases, '\0') < 0)
		return -1;
	f->s = (const char *)p->aliases.data;
	return 0;
}

static int line_error(cg_err *err, const char *name, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int line_error(cg_err *err, const char *name, size_t line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return cg_err_set(err, CG_EDATA, "%s: line %zu: %s", name, line, msg);
}

static int load_line(cg_ndjson_parser *p, const char *name, size_t line, const char *text, size_t n, cg_err *err)
{
	json_error_t je;
	json_decref(p->doc);
	p->doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
	if (!p->doc)
		return line_error(err, name, line, "invalid JSON: %s", je.text);
	if (!json_is_object(p->doc))
		return line_error(err, name, line, "%s", "not a JSON object");
	const char *key;
	json_t *v;
	json_object_foreach(p->doc, key, v) {
		int id = field_of(key, strlen(key));
		if (id < 0)
			note_unknown(p, key, strlen(key));
		else if (load_field(p, v, &p->f[id]) < 0)
			return cg_err_set(err, CG_EINTERNAL, "out of memory");
	}
	return CG_OK;
}

/* ---- the one check ---- */

static const char *type_words(int t)
{
	return t == V_INT ? "an integer" : t == V_BOOL ? "a boolean" : t == V_ARRAY ? "an array" : "a string";
}

/* Each present field has its type; optional string fields absent are NULL. */
static int check_types(const cg_ndjson_parser *p, const char *name, size_t line, const char *what, cg_err *err)
{
	for (int i = 0; i < F_N; i++) {
		const field *f = &p->f[i];
		int want = i == F_LINE || i == F_END_LINE || i == F_COLUMN ? V_INT
			: i == F_STUB ? V_BOOL : i == F_ALIASES ? V_ARRAY : V_STR;
		if (f->type == V_NONE)
			continue;
		if (f->type != want)
			return line_error(err, name, line, "%s: field '%s' must be %s", what, field_names[i],
					  type_words(want));
		if (want == V_INT && (f->i < 0 || f->i > UINT32_MAX))
			return line_error(err, name, line, "%s: field '%s' must be in 0..4294967295", what, field_names[i]);
		if (want == V_ARRAY && !f->s)
			return line_error(err, name, line, "%s: %s", what, "aliases must be an array of paths");
	}
	return CG_OK;
}

static const char *str_of(const cg_ndjson_parser *p, int id)
{
	return p->f[id].type == V_STR ? p->f[id].s : NULL;
}

static int check_fields(cg_ndjson_parser *p, const char *name, size_t line, const char *what, unsigned allowed,
			cg_err *err)
{
	for (int i = 0; i < F_N && !p->lenient; i++)
		if (p->f[i].type != V_NONE && !(allowed & BIT(i)))
			note_unknown(p, field_names[i], strlen(field_names[i]));
	if (p->unknown[0] && !p->lenient)
		return line_error(err, name, line, "%s: unknown field '%s' (--lenient ignores unknown fields)", what, p->unknown);
	for (int i = 0; i < F_N; i++)
		if (!(allowed & BIT(i)))
			p->f[i].type = V_NONE;
	return check_types(p, name, line, what, err);
}

static int make_vertex(cg_ndjson_parser *p, const char *name, size_t line, cg_ndjson_rec *r, cg_err *err)
{
	int rc = check_fields(p, name, line, "vertex", VERTEX_FIELDS, err);
	if (rc)
		return rc;
	cg_vertex *v = &r->v;
	const char *kind = str_of(p, F_KIND), *path = str_of(p, F_PATH), *id = str_of(p, F_ID);
	const char *vis = str_of(p, F_VIS);
	if (!kind || !(v->kind = cg_kind_parse(kind)))
		return line_error(err, name, line, "vertex: %s", kind ? "unknown kind" : "missing string field 'kind'");
	if (!path || !*path)
		return line_error(err, name, line, "vertex: %s", "missing string field 'path'");
	if (vis && (v->vis = cg_vis_parse(vis)) == CG_VIS_UNKNOWN && strcmp(vis, cg_vis_name(CG_VIS_UNKNOWN)))
		return line_error(err, name, line, "vertex: unknown vis '%s'", vis);
	if (id && cg_vid_parse(id, &r->vid) < 0)
		return line_error(err, name, line, "vertex: id '%s' is not 16 hex digits", id);
	const char *last = strrchr(path, ':');
	snprintf(p->crate, sizeof p->crate, "%.*s", (int)strcspn(path, ":"), path);
	v->str[CG_VF_PATH] = path;
	v->str[CG_VF_NAME] = str_of(p, F_NAME) ? str_of(p, F_NAME) : last ? last + 1 : path;
	v->str[CG_VF_CRATE] = str_of(p, F_CRATE) ? str_of(p, F_CRATE) : p->crate;
	v->str[CG_VF_VERSION] = str_of(p, F_VERSION);
	v->str[CG_VF_FILE] = str_of(p, F_FILE);
	v->str[CG_VF_DOCS] = str_of(p, F_DOCS);
	v->str[CG_VF_ALIASES] = p->f[F_ALIASES].type == V_ARRAY && *p->f[F_ALIASES].s ? p->f[F_ALIASES].s : NULL;
	v->line = (uint32_t)p->f[F_LINE].i;
	v->end_line = (uint32_t)p->f[F_END_LINE].i;
	v->column = (uint32_t)p->f[F_COLUMN].i;
	v->flags = p->f[F_STUB].i ? CG_VFLAG_STUB : 0;
	if (!id && !(r->vid = cg_item_vid(v->str[CG_VF_CRATE], v->str[CG_VF_VERSION] ? v->str[CG_VF_VERSION] : "",
					  path, v->kind)))
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	return CG_OK;
}

static int make_edge(cg_ndjson_parser *p, const char *name, size_t line, cg_ndjson_rec *r, cg_err *err)
{
	int rc = check_fields(p, name, line, "edge", EDGE_FIELDS, err);
	if (rc)
		return rc;
	const char *label = str_of(p, F_LABEL);
	r->src = str_of(p, F_SRC);
	r->dst = str_of(p, F_DST);
	if (!r->src || !r->dst)
		return line_error(err, name, line, "edge: missing string field '%s'", r->src ? "dst" : "src");
	if (!label)
		return line_error(err, name, line, "edge: %s", "missing string field 'label'");
	if (!(r->e.type = cg_edge_type_parse(label)))
		return line_error(err, name, line, "edge: unknown edge type '%s' (known: Contains, Calls, Uses, Implements, Depends)", label);
	r->e.line = (uint32_t)p->f[F_LINE].i;
	r->e.file = str_of(p, F_FILE);
	return CG_OK;
}

int cg_ndjson_parse(cg_ndjson_parser *p, const char *name, size_t line, const char *text, size_t n,
		    cg_ndjson_rec *rec, cg_err *err)
{
	memset(rec, 0, sizeof *rec);
	memset(p->f, 0, sizeof p->f);
	p->unknown[0] = '\0';
	if (!scan_line(p, text, n)) {
		memset(p->f, 0, sizeof p->f);
		p->unknown[0] = '\0';
		int rc = load_line(p, name, line, text, n, err);
		if (rc)
			return rc;
	}
	const char *type = str_of(p, F_TYPE);
	if (!type)
		return line_error(err, name, line, "%s", "missing string field 'type'");
	if (!strcmp(type, "vertex"))
		return make_vertex(p, name, line, rec, err);
	if (!strcmp(type, "edge")) {
		rec->is_edge = 1;
		return make_edge(p, name, line, rec, err);
	}
	return line_error(err, name, line, "unknown record type '%s' (expected vertex or edge)", type);
}

/* query_find: the vertex, find and at queries — vertices by reference; by name (exact, or
 * ranked by prefix, substring or fuzzy match), prefix, kind, crate or file; the item at a
 * place in a source file. */
#include "resolve.h"
#include "base/grow.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <stdlib.h>

int q_vertex(q_run *run, cg_err *err)
{
	json_t *t;
	size_t i;
	json_array_foreach(run->qq->starts, i, t) {
		struct q_cands c;
		int rc = q_resolve(run, json_string_value(t), &c, err);
		for (size_t k = 0; !rc && k < c.n; k++) {
			cg_vertex v;
			int found;
			rc = cg_read_vertex(run->q->r, c.vids[k], &v, &found, err);
			if (!rc && found)
				rc = q_emit(run, &(q_result){ c.vids[k], &v, NULL, -1, -1, c.form[k], NULL }, err);
		}
		if (rc)
			return rc;
	}
	return CG_OK;
}

/* Index hits are read in batches: one MultiGet in key order per batch instead of a Get each
 * (docs/design.md, "Reads in short processes"). */
#define FIND_BATCH 256

struct find {
	q_run *run;
	int kind;
	char crate[256];   /* the crate name, '_' for '-' ("" : any) */
	const char *version;
	struct q_files files;
	const char *form;  /* the match class of the entry being visited */
	uint64_t hits[FIND_BATCH]; /* index hits whose records are read together */
	size_t nhits;
};

static int in_files(const struct q_files *fs, const char *file)
{
	for (size_t i = 0; i < fs->n; i++)
		if (file && !strcmp(fs->names[i], file))
			return 1;
	return 0;
}

/* The record-side filters: kind, crate, version, file, workspace (and name, prefix). */
static int keep(struct find *f, const cg_vertex *v, int check_name)
{
	const q_query *qq = f->run->qq;
	const char *name = v->str[CG_VF_NAME];
	return !(check_name && qq->name && strcmp(name, qq->name)) &&
	       !(check_name && qq->prefix && strncmp(name, qq->prefix, strlen(qq->prefix))) &&
	       !(f->kind && v->kind != f->kind) && !(qq->file && !in_files(&f->files, v->str[CG_VF_FILE])) &&
	       !(*f->crate && strcmp(v->str[CG_VF_CRATE], f->crate)) &&
	       !(f->version && strcmp(v->str[CG_VF_VERSION], f->version)) && q_in_ws(f->run, v);
}

/* Reads the batched hits' records, then filters and answers them in index order. */
static int find_flush(struct find *f, cg_err *err)
{
	size_t n = f->nhits;
	f->nhits = 0;
	int rc = cg_read_prefetch(f->run->q->r, f->hits, n, err);
	for (size_t i = 0; !rc && i < n; i++) {
		cg_vertex v;
		int found;
		rc = cg_read_vertex(f->run->q->r, f->hits[i], &v, &found, err);
		if (!rc && found && keep(f, &v, 1))
			rc = q_emit(f->run, &(q_result){ f->hits[i], &v, NULL, -1, -1, f->form, NULL }, err);
	}
	return rc;
}

static int find_visit(void *ctx, uint64_t vid, const char *value, size_t vlen, cg_err *err)
{
	(void)value, (void)vlen;
	struct find *f = ctx;
	long limit = f->run->qq->limit, left = limit - (long)f->run->count;
	f->hits[f->nhits++] = vid;
	/* with --limit, no more than could still be answered */
	if (f->nhits == FIND_BATCH || (limit > 0 && (long)f->nhits >= left))
		return find_flush(f, err);
	return CG_OK;
}

/* An index scan answered through find_visit, the last batch included. */
static int find_index(struct find *f, int itype, const char *value, int exact, cg_err *err)
{
	int rc = cg_read_index(f->run->q->r, itype, value, exact, find_visit, f, err);
	return rc || !f->nhits ? rc : find_flush(f, err);
}

/* ---- --match prefix|substring|fuzzy: case-insensitive, ranked ---- */

enum { M_EXACT = 0, M_PREFIX, M_SUBSTRING, M_FUZZY };
static const char *const match_forms[] = { "exact", "prefix", "substring", "fuzzy" };

typedef struct ranked {
	uint64_t vid;
	uint16_t class, dist, len; /* class: M_*, as close as the name got */
} ranked;

struct rank {
	const char *want;
	size_t wn;
	int mode, max;
	ranked *a;
	size_t n, cap;
};

static int ci_prefix(const char *s, size_t n, const char *p, size_t pn)
{
	return n >= pn && !strncasecmp(s, p, pn);
}

/* want's letters appear in s in order (case-insensitive): "hmap" in "HashMap". */
static int subsequence(const char *s, size_t n, const char *want)
{
	for (size_t i = 0; i < n && *want; i++)
		want += tolower((unsigned char)s[i]) == tolower((unsigned char)*want);
	return !*want;
}

static int classify(struct rank *k, const char *s, size_t n, int *dist)
{
	char name[128];
	*dist = 0;
	if (n == k->wn && !strncasecmp(s, k->want, n))
		return M_EXACT;
	if (ci_prefix(s, n, k->want, k->wn))
		return M_PREFIX;
	if (k->mode == M_PREFIX || n >= sizeof name)
		return -1;
	memcpy(name, s, n);
	name[n] = 0;
	if (strcasestr(name, k->want))
		return M_SUBSTRING;
	if (k->mode == M_SUBSTRING)
		return -1;
	*dist = q_distance(k->want, name, k->max);
	if (*dist <= k->max)
		return M_FUZZY;
	*dist = (int)(n - k->wn) + k->max + 1; /* a subsequence ranks after every near spelling */
	return subsequence(s, n, k->want) ? M_FUZZY : -1;
}

static int rank_visit(void *ctx, uint64_t vid, const char *value, size_t vlen, cg_err *err)
{
	struct rank *k = ctx;
	int dist, class = classify(k, value, vlen, &dist);
	if (class < 0)
		return CG_OK;
	if (CG_GROW(k->a, k->cap, k->n + 1, 256))
		return q_oom(err);
	k->a[k->n++] = (ranked){ vid, (uint16_t)class, (uint16_t)(dist > 65535 ? 65535 : dist),
				 (uint16_t)(vlen > 65535 ? 65535 : vlen) };
	return CG_OK;
}

static int ranked_cmp(const void *a, const void *b)
{
	const ranked *x = a, *y = b;
	if (x->class != y->class)
		return x->class - y->class;
	if (x->dist != y->dist)
		return x->dist - y->dist;
	if (x->len != y->len)
		return x->len - y->len;
	return (x->vid > y->vid) - (x->vid < y->vid);
}

/* Every name the mode accepts, best first: exact, prefix, substring, then by edit
 * distance, then shorter names. */
static int find_ranked(struct find *f, int mode, cg_err *err)
{
	q_run *run = f->run;
	const char *want = run->qq->name;
	struct rank k = { want, strlen(want), mode, strlen(want) <= 4 ? 1 : strlen(want) <= 9 ? 2 : (int)strlen(want) / 4,
			  NULL, 0, 0 };
	q_plan(run, "scan every i:name: entry, keep names matching %s by %s (case-insensitive), rank them, "
	       "then get each vertex and filter the rest", want, match_forms[mode]);
	int rc = cg_read_index(run->q->r, CG_IDX_NAME, "", 0, rank_visit, &k, err);
	if (!rc && k.n) /* qsort of a NULL array is undefined even for zero elements */
		qsort(k.a, k.n, sizeof *k.a, ranked_cmp);
	for (size_t i = 0; !rc && i < k.n; i++) {
		f->form = match_forms[k.a[i].class];
		cg_vertex v;
		int found;
		if (!(rc = cg_read_vertex(run->q->r, k.a[i].vid, &v, &found, err)) && found && keep(f, &v, 0))
			rc = q_emit(run, &(q_result){ k.a[i].vid, &v, NULL, -1, -1, f->form, NULL }, err);
	}
	free(k.a);
	return rc;
}

static int match_mode(const char *m)
{
	for (int i = 0; i < 4; i++)
		if (m && !strcmp(m, match_forms[i]))
			return i;
	return M_EXACT;
}

/* Drives the scan from the most selective index given, filters the rest on the record. */
static int find_scan(q_run *run, struct find *f, cg_err *err)
{
	const q_query *qq = run->qq;
	char crate_key[300];
	int mode = match_mode(qq->match);
	if (qq->name && mode != M_EXACT)
		return find_ranked(f, mode, err);
	f->form = qq->name ? "exact" : NULL;
	int itype = CG_IDX_KIND, exact = 1;
	const char *value = qq->kind;
	if (qq->name)
		itype = CG_IDX_NAME, value = qq->name;
	else if (qq->prefix)
		itype = CG_IDX_NAME, value = qq->prefix, exact = 0;
	else if (qq->file) {
		int rc = CG_OK;
		for (size_t i = 0; i < f->files.n && !rc; i++) {
			q_plan(run, "scan i:file:%s: in every shard, get each vertex, filter the rest", f->files.names[i]);
			rc = find_index(f, CG_IDX_FILE, f->files.names[i], 1, err);
		}
		return rc;
	} else if (*f->crate) {
		snprintf(crate_key, sizeof crate_key, "%s@%s", f->crate, f->version ? f->version : "");
		itype = CG_IDX_CRATE, value = crate_key, exact = f->version != NULL;
	}
	if (!value) /* e.g. --crate @VERSION: a crate name that is empty leaves nothing to scan */
		return cg_err_set(err, CG_EUSAGE, "find needs a name, --prefix, --kind, --file or a crate name");
	q_plan(run, "scan i:%s:%s%s in every shard, get each vertex (cache first), filter the rest",
	       cg_index_type_name(itype), value, exact ? ":" : "*");
	return find_index(f, itype, value, exact, err);
}

int q_find(q_run *run, cg_err *err)
{
	const q_query *qq = run->qq;
	struct find f = { .run = run, .kind = qq->kind ? cg_kind_parse(qq->kind) : 0 };
	if (qq->crate) { /* crate[@version], Cargo's '-' or rustdoc's '_' */
		size_t n = strcspn(qq->crate, "@");
		snprintf(f.crate, sizeof f.crate, "%.*s", (int)n, qq->crate);
		for (char *p = f.crate; *p; p++)
			*p = *p == '-' ? '_' : *p;
		f.version = qq->crate[n] ? qq->crate + n + 1 : NULL;
	}
	int rc = qq->file ? q_resolve_file(run, qq->file, &f.files, err) : CG_OK;
	if (!rc && qq->file && !f.files.n)
		rc = cg_err_set(err, CG_ENEGATIVE, "no file of the store matches '%s'", qq->file);
	if (!rc)
		rc = find_scan(run, &f, err);
	q_files_free(&f.files);
	if (!rc && !run->count && qq->name && run->mode != Q_COLLECT)
		rc = q_no_match(run, qq->name, err);
	return rc;
}

/* ---- at FILE:LINE[:COL] ---- */

struct at {
	q_run *run;
	uint32_t line, column;
	uint64_t best;
	uint32_t best_line, best_col, best_span;
};

/* Does v's span hold the place, and more tightly than the best so far? */
static int at_visit(void *ctx, uint64_t vid, const char *value, size_t vlen, cg_err *err)
{
	(void)value, (void)vlen;
	struct at *a = ctx;
	cg_vertex v;
	int found, rc = cg_read_vertex(a->run->q->r, vid, &v, &found, err);
	if (rc || !found || !v.line)
		return rc;
	uint32_t end = v.end_line ? v.end_line : v.line;
	if (a->line < v.line || a->line > end || (a->column && a->line == v.line && v.column > a->column))
		return CG_OK;
	uint32_t span = end - v.line;
	if (a->best && (span > a->best_span ||
			(span == a->best_span && (v.line < a->best_line || (v.line == a->best_line && v.column <= a->best_col)))))
		return CG_OK;
	a->best = vid;
	a->best_line = v.line;
	a->best_col = v.column;
	a->best_span = span;
	return CG_OK;
}

int q_at(q_run *run, cg_err *err)
{
	const q_query *qq = run->qq;
	struct q_files files;
	int rc = q_resolve_file(run, qq->file, &files, err);
	if (!rc && !files.n)
		rc = cg_err_set(err, CG_ENEGATIVE, "no file of the store matches '%s'", qq->file);
	q_plan(run, "scan i:file:FILE: for each file it names, keep the vertex whose span holds line %ld "
	       "most tightly", qq->line);
	for (size_t i = 0; !rc && i < files.n; i++) {
		struct at a = { run, (uint32_t)qq->line, (uint32_t)qq->column, 0, 0, 0, 0 };
		cg_vertex v;
		int found;
		rc = cg_read_index(run->q->r, CG_IDX_FILE, files.names[i], 1, at_visit, &a, err);
		if (!rc && a.best && !(rc = cg_read_vertex(run->q->r, a.best, &v, &found, err)) && found)
			rc = q_emit(run, &(q_result){ a.best, &v, NULL, -1, -1, "at", NULL }, err);
	}
	q_files_free(&files);
	if (!rc && !run->count)
		rc = cg_err_set(err, CG_ENEGATIVE, "no item's span holds %s:%ld", qq->file, qq->line);
	return rc;
}

/* ingest_ndjson: each record goes into the change as it is read. Vertices are remembered by
 * id (16 bytes each) and paths by hash, so edges resolve as they arrive; an edge naming a
 * vertex not seen yet is checked, or resolved, when its input ends. */
#include "ingest_ndjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "ingest_int.h"
#include "base/buf.h"
#include "codec/ident.h"
#include "input/input.h"
#include "input/ndjson.h"
#include "base/grow.h"

#define READ_CHUNK (4 << 20)
/* Records parsed ahead of the one being used: the table slots they will look up are fetched
 * meanwhile (every lookup in a table of millions misses the caches). */
#define AHEAD 8

/* An open-addressing table of 16-byte slots keyed by a nonzero 64-bit key. Vertex ids of the
 * run: val is where each was defined and whether as a real vertex (id_val). Paths (and
 * aliases) of the current input, by hash: val is the vertex they name (UINT64_MAX: several),
 * line[] the first edge that used each (a path's line is rarely read). Every edge end is a
 * lookup in the ids table that misses the caches: at XL (5M vertices) it is 128 MB in
 * 16-byte slots, where 24-byte slots holding the line took 192 MB. */
typedef struct slot {
	uint64_t key, val;  /* key 0: empty */
} slot;

typedef struct table {
	slot *s;
	uint32_t *line;     /* per slot, in a table with lines (of paths) */
	size_t n, nslots;
	int lines;
} table;

static uint64_t id_val(size_t line, uint16_t input, int real)
{
	return (uint32_t)line | (uint64_t)input << 32 | (uint64_t)(real != 0) << 48;
}

static uint32_t id_line(const slot *s)
{
	return (uint32_t)s->val;
}

static uint16_t id_input(const slot *s)
{
	return (uint16_t)(s->val >> 32);
}

static int id_real(const slot *s)
{
	return (int)(s->val >> 48);
}

/* An edge end not resolvable yet: an id to look up, or a whole edge whose ends are paths. */
typedef struct pending {
	size_t line;
	int whole;
	uint64_t vid;            /* !whole: the id to find */
	size_t src, dst, file;   /* whole: offsets into the arena; file SIZE_MAX: none */
	int type;
	uint32_t eline;
} pending;

/* A record parsed ahead; a parse error is kept until its turn, so errors come in line order. */
typedef struct parsed {
	cg_ndjson_parser *parser;
	cg_ndjson_rec rec;
	size_t line;
	int ids;  /* an edge: bit 0 src, bit 1 dst given as ids (already in rec.e) */
	uint64_t path; /* a vertex: its path's hash */
	int rc;
	cg_err err;
} parsed;

typedef struct run {
	ingest_ctx *c;
	const cg_ndjson_opts *o;
	parsed ahead[AHEAD]; /* a ring: the oldest at head */
	size_t head, nahead;
	uint64_t owner;
	table ids, paths;
	pending *pe;
	size_t npe, cappe;
	cg_buf arena;
	cg_graph *stubs;     /* stubs are written last: a later input may define them */
	const char *name;    /* the current input, for messages */
	uint16_t input;
	size_t held_line;    /* an ambiguity found after an edge used the path: reported at */
	char held_path[256]; /* its edge's line, unless an earlier error comes first */
	cg_unit_result *res;
} run;

static int oom(run *r)
{
	return cg_err_set(r->c->err, CG_EINTERNAL, "out of memory");
}

/* The tables count against the bound: the change gets what they leave. */
static int rebound(run *r)
{
	size_t tables = (r->ids.nslots + r->paths.nslots) * sizeof(slot) + r->paths.nslots * sizeof(uint32_t);
	size_t mem = r->o->io.memory ? r->o->io.memory : CG_INGEST_MEMORY_DEFAULT;
	return cg_ingest_ctx_bound(r->c, mem > 2 * tables + (128u << 20) ? mem - 2 * tables : 128u << 20);
}

static size_t slot_of(const table *t, uint64_t key)
{
	/* Fibonacci hashing: one multiply spreads any keys, hashes or ids given in order */
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> (64 - __builtin_ctzll(t->nslots)));
}

/* Where key's probe starts, for __builtin_prefetch at the caller (a function that only
 * prefetches is "const" to GCC, and its calls are dropped). A prefetch of NULL is harmless. */
static const slot *probe_start(const table *t, uint64_t key)
{
	return t->nslots ? &t->s[slot_of(t, key)] : NULL;
}

static size_t probe(const table *t, uint64_t key)
{
	size_t j = slot_of(t, key);
	while (t->s[j].key && t->s[j].key != key)
		j = (j + 1) & (t->nslots - 1);
	return j;
}

static slot *find(const table *t, uint64_t key)
{
	return t->nslots ? &t->s[probe(t, key)] : NULL;
}

/* The table at twice its size (lines too, when it has them). */
static int grow(table *t)
{
	size_t n = t->nslots ? t->nslots * 2 : 1 << 16, oldn = t->nslots;
	slot *old = t->s, *s = calloc(n, sizeof *s);
	uint32_t *oldline = t->line, *line = t->lines ? calloc(n, sizeof *line) : NULL;
	if (!s || (t->lines && !line)) {
		free(s);
		free(line);
		return -1;
	}
	cg_advise_huge(s, n * sizeof *s); /* every lookup misses: fewer TLB misses too */
	t->s = s;
	t->nslots = n;
	t->line = line;
	for (size_t i = 0; i < oldn; i++) {
		if (!old[i].key)
			continue;
		size_t j = probe(t, old[i].key);
		t->s[j] = old[i];
		if (line)
			line[j] = oldline[i];
	}
	free(old);
	free(oldline);
	return 0;
}

/* The slot of key, empty (key 0) when new; NULL when memory runs out. */
static slot *claim(run *r, table *t, uint64_t key)
{
	if ((t->n + 1) * 10 > t->nslots * 7 && (grow(t) < 0 || rebound(r)))
		return NULL;
	return find(t, key);
}

static int add_path(run *r, uint64_t h, const char *path, size_t len, uint64_t vid)
{
	slot *s = claim(r, &r->paths, h);
	if (!s)
		return r->c->err->code ? r->c->err->code : oom(r);
	if (!s->key) {
		*s = (slot){ .key = h, .val = vid };
		r->paths.n++;
	} else if (s->val != vid && s->val != UINT64_MAX) {
		uint32_t used = r->paths.line[s - r->paths.s];
		s->val = UINT64_MAX;
		if (used && (!r->held_line || used < r->held_line)) {
			r->held_line = used;
			snprintf(r->held_path, sizeof r->held_path, "%.*s", (int)len, path);
		}
	}
	return CG_OK;
}

/* The vertex's path (hashed already, when it was parsed) and its aliases. */
static int add_paths(run *r, const cg_vertex *v, uint64_t vid, uint64_t h)
{
	int rc = add_path(r, h, v->str[CG_VF_PATH], strlen(v->str[CG_VF_PATH]), vid);
	for (const char *a = v->str[CG_VF_ALIASES]; a && *a && !rc;) {
		size_t n = strcspn(a, "\n");
		rc = add_path(r, XXH3_64bits(a, n), a, n, vid);
		a += n + (a[n] == '\n');
	}
	return rc;
}

static int read_vertex(run *r, cg_ndjson_rec *rec, size_t line, uint64_t path)
{
	int real = !(rec->v.flags & CG_VFLAG_STUB);
	slot *s = claim(r, &r->ids, rec->vid);
	if (!s)
		return r->c->err->code ? r->c->err->code : oom(r);
	if (s->key && real && id_real(s) && id_input(s) == r->input)
		return cg_err_set(r->c->err, CG_EDATA, "%s: line %zu: vertex: %016llx is already defined at line %u",
				  r->name, line, (unsigned long long)rec->vid, id_line(s));
	if (!s->key)
		r->ids.n++;
	if (!s->key || (real && !id_real(s)))
		*s = (slot){ rec->vid, id_val(line, r->input, real) };
	int rc = add_paths(r, &rec->v, rec->vid, path);
	if (!rc && real) {
		rec->v.owner = r->owner;
		r->res->vertices++;
		rc = cg_ingest_put_vertex(r->c, rec->vid, &rec->v);
	} else if (!rc) {
		size_t before = cg_graph_nvertices(r->stubs);
		rc = cg_graph_put_vertex(r->stubs, rec->vid, &rec->v, r->c->err);
		r->res->stubs += cg_graph_nvertices(r->stubs) > before;
	}
	return rc;
}

static size_t keep_string(run *r, const char *s)
{
	size_t off = r->arena.len;
	if (!s)
		return SIZE_MAX;
	return cg_buf_append(&r->arena, s, strlen(s) + 1) < 0 ? SIZE_MAX - 1 : off;
}

static int push_pending(run *r, const pending *p)
{
	if (CG_GROW(r->pe, r->cappe, r->npe + 1, 256))
		return oom(r);
	r->pe[r->npe++] = *p;
	return CG_OK;
}

/* 1: resolved now; 0: an id to check at the end (*vid set); -1: a path not known yet.
 * is_id: ref was parsed as an id already, into *vid. */
static int resolve_now(run *r, const char *ref, int is_id, size_t line, uint64_t *vid)
{
	if (is_id || cg_vid_parse(ref, vid) == 0) {
		const slot *s = find(&r->ids, *vid);
		return s && s->key ? 1 : 0;
	}
	slot *p = strchr(ref, '#') ? NULL : find(&r->paths, XXH3_64bits(ref, strlen(ref)));
	if (!p || !p->val || p->val == UINT64_MAX)
		return -1;
	*vid = p->val;
	if (!r->paths.line[p - r->paths.s])
		r->paths.line[p - r->paths.s] = (uint32_t)line;
	return 1;
}

static int write_edge(run *r, cg_gedge *e)
{
	r->res->edges[e->type]++;
	return cg_ingest_put_edge(r->c, e, r->owner);
}

static int read_edge(run *r, cg_ndjson_rec *rec, size_t line, int ids)
{
	int a = resolve_now(r, rec->src, ids & 1, line, &rec->e.src);
	int b = resolve_now(r, rec->dst, ids & 2, line, &rec->e.dst);
	int rc = CG_OK;
	if (a < 0 || b < 0) {
		pending p = { .line = line, .whole = 1, .src = keep_string(r, rec->src), .dst = keep_string(r, rec->dst),
			      .file = keep_string(r, rec->e.file), .type = rec->e.type, .eline = rec->e.line };
		return p.src >= SIZE_MAX - 1 || p.dst >= SIZE_MAX - 1 || p.file == SIZE_MAX - 1 ? oom(r)
			: push_pending(r, &p);
	}
	if (!a)
		rc = push_pending(r, &(pending){ .line = line, .vid = rec->e.src });
	if (!rc && !b)
		rc = push_pending(r, &(pending){ .line = line, .vid = rec->e.dst });
	return rc ? rc : write_edge(r, &rec->e);
}

/* ---- the end of an input: what was left to resolve ---- */

static int resolve_late(run *r, const char *ref, size_t line, uint64_t *vid)
{
	cg_err *err = r->c->err;
	if (cg_vid_parse(ref, vid) == 0 && find(&r->ids, *vid) && find(&r->ids, *vid)->key)
		return CG_OK;
	slot *p = strchr(ref, '#') ? NULL : find(&r->paths, XXH3_64bits(ref, strlen(ref)));
	if (p && p->val == UINT64_MAX)
		return cg_err_set(err, CG_EDATA, "%s: line %zu: edge: path %s names several vertices of the input; use an id",
				  r->name, line, ref);
	if (p && p->val) {
		*vid = p->val;
		return CG_OK;
	}
	int rc = cg_ingest_resolve(r->c->store, ref, vid, err);
	return rc ? cg_err_prefix(err, "%s: line %zu: edge", r->name, line) : CG_OK;
}

static int settle(run *r, const pending *p)
{
	if (!p->whole) {
		char hex[17];
		uint64_t vid;
		snprintf(hex, sizeof hex, "%016llx", (unsigned long long)p->vid);
		return resolve_late(r, hex, p->line, &vid);
	}
	const char *a = (const char *)r->arena.data;
	cg_gedge e = { .type = p->type, .line = p->eline, .file = p->file == SIZE_MAX ? NULL : a + p->file };
	int rc = resolve_late(r, a + p->src, p->line, &e.src);
	if (!rc)
		rc = resolve_late(r, a + p->dst, p->line, &e.dst);
	return rc ? rc : write_edge(r, &e);
}

static int finish_input(run *r)
{
	int rc = CG_OK;
	for (size_t i = 0; i < r->npe && !rc; i++) {
		if (r->held_line && r->held_line < r->pe[i].line)
			break;
		rc = settle(r, &r->pe[i]);
	}
	if (!rc && r->held_line)
		rc = cg_err_set(r->c->err, CG_EDATA, "%s: line %zu: edge: path %s names several vertices of the input; use an id",
				r->name, r->held_line, r->held_path);
	r->npe = 0;
	r->arena.len = 0;
	r->held_line = 0;
	if (r->paths.s) {
		memset(r->paths.s, 0, r->paths.nslots * sizeof *r->paths.s);
		memset(r->paths.line, 0, r->paths.nslots * sizeof *r->paths.line);
	}
	r->paths.n = 0;
	return rc;
}

/* ---- reading an input line by line ---- */

/* Uses the oldest record parsed ahead. */
static int use_oldest(run *r)
{
	parsed *p = &r->ahead[r->head];
	r->head = (r->head + 1) % AHEAD;
	r->nahead--;
	if (p->rc) {
		*r->c->err = p->err;
		return p->rc;
	}
	return p->rec.is_edge ? read_edge(r, &p->rec, p->line, p->ids) : read_vertex(r, &p->rec, p->line, p->path);
}

static int use_all(run *r)
{
	int rc = CG_OK;
	while (r->nahead && !rc)
		rc = use_oldest(r);
	return rc;
}

static int read_record(run *r, const char *text, size_t n, size_t line)
{
	int rc = CG_OK;
	if (cg_ndjson_blank(text, n))
		return CG_OK;
	if (r->nahead == AHEAD && (rc = use_oldest(r)))
		return rc;
	parsed *p = &r->ahead[(r->head + r->nahead++) % AHEAD];
	cg_ndjson_rec *rec = &p->rec;
	p->line = line;
	p->ids = 0;
	if ((p->rc = cg_ndjson_parse(p->parser, r->name, line, text, n, rec, &p->err)))
		return CG_OK;
	if (!rec->is_edge) {
		const char *path = rec->v.str[CG_VF_PATH];
		p->path = XXH3_64bits(path, strlen(path));
		__builtin_prefetch(probe_start(&r->ids, rec->vid));
		__builtin_prefetch(probe_start(&r->paths, p->path));
		return CG_OK;
	}
	p->ids = (cg_vid_parse(rec->src, &rec->e.src) == 0) | (cg_vid_parse(rec->dst, &rec->e.dst) == 0) << 1;
	if (p->ids & 1)
		__builtin_prefetch(probe_start(&r->ids, rec->e.src));
	if (p->ids & 2)
		__builtin_prefetch(probe_start(&r->ids, rec->e.dst));
	return CG_OK;
}

static int read_input(run *r, cg_input *in, uint64_t *bytes)
{
	cg_buf b = { 0 };
	size_t line = 1, got = 1, start = 0;
	int rc = CG_OK;
	while (!rc && got) {
		if ((rc = use_all(r))) /* what was read is used before more is read: errors stay in order */
			break;
		if (start) { /* keep the unfinished line */
			memmove(b.data, b.data + start, b.len - start);
			b.len -= start;
			start = 0;
		}
		if (cg_buf_reserve(&b, READ_CHUNK) < 0)
			rc = oom(r);
		else if (!(rc = cg_input_next(in, (char *)b.data + b.len, b.cap - b.len, &got, r->c->err)))
			b.len += got;
		*bytes += got;
		for (uint8_t *nl; !rc && (nl = memchr(b.data + start, '\n', b.len - start)) != NULL; line++) {
			rc = read_record(r, (const char *)b.data + start, (size_t)(nl - b.data) - start, line);
			start = (size_t)(nl - b.data) + 1;
		}
	}
	if (!rc && b.len > start)
		rc = read_record(r, (const char *)b.data + start, b.len - start, line);
	if (!rc)
		rc = use_all(r);
	r->nahead = 0;
	cg_buf_free(&b);
	return rc;
}

static int ingest_source(run *r, const char *src, cg_unit_result *res)
{
	cg_graph *g = cg_graph_new(r->o->unit);
	cg_input *in = NULL;
	uint64_t bytes = 0;
	r->name = strcmp(src, "-") ? src : "stdin";
	r->res = res;
	cg_unit_info info = { .name = r->o->unit, .source = r->name, .is_ndjson = 1 };
	int rc = g && cg_graph_set_info(g, &info) == 0 ? CG_OK : oom(r);
	if (!rc)
		rc = cg_ingest_plan_unit(r->c, g, res);
	if (!rc)
		rc = cg_input_open(src, &in, r->c->err);
	if (!rc)
		rc = read_input(r, in, &bytes);
	if (!rc)
		rc = finish_input(r);
	info.bytes = bytes;
	res->bytes = bytes;
	if (!rc && cg_graph_set_info(g, &info) < 0)
		rc = oom(r);
	if (!rc)
		rc = cg_ingest_write_graph(r->c, g, res);
	cg_input_close(in);
	cg_graph_free(g);
	return rc;
}

/* Stubs no input defined and the store does not hold. */
static int write_stubs(run *r)
{
	int rc = CG_OK;
	for (size_t i = 0; i < cg_graph_nvertices(r->stubs) && !rc; i++) {
		uint64_t vid;
		const cg_vertex *v = cg_graph_vertex_at(r->stubs, i, &vid);
		const slot *s = find(&r->ids, vid);
		if (!s || !id_real(s))
			rc = cg_ingest_put_stub(r->c, vid, v);
	}
	return rc;
}

int cg_ingest_ndjson(cg_store *s, const cg_ndjson_opts *o, const char *const *sources, size_t n,
		     cg_unit_result *res, cg_err *err)
{
	ingest_ctx c;
	run r = { .c = &c, .o = o, .owner = cg_unit_id(o->unit), .paths.lines = 1 };
	int rc = cg_ingest_ctx_open(&c, s, err), any = 0;
	for (int i = 0; i < AHEAD && !rc; i++)
		if (!(r.ahead[i].parser = cg_ndjson_parser_new(o->lenient)))
			rc = oom(&r);
	if (!rc && !(r.stubs = cg_graph_new(o->unit)))
		rc = oom(&r);
	if (!rc)
		rc = rebound(&r);
	if (!rc)
		rc = cg_ingest_has_units(&c, &any);
	for (size_t i = 0; i < n && !rc; i++) {
		r.input = (uint16_t)i;
		rc = ingest_source(&r, sources[i], &res[i]);
	}
	if (!rc)
		rc = write_stubs(&r);
	if (!rc)
		rc = cg_ingest_ctx_apply(&c, o->io.bulk || !any ? CG_APPLY_SST : CG_APPLY_AUTO);
	for (int i = 0; i < AHEAD; i++)
		cg_ndjson_parser_free(r.ahead[i].parser);
	cg_graph_free(r.stubs);
	free(r.ids.s);
	free(r.paths.s);
	free(r.paths.line);
	free(r.pe);
	cg_buf_free(&r.arena);
	cg_ingest_ctx_close(&c);
	return rc;
}

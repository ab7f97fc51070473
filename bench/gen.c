/* gen: writes a deterministic, Rust-like code graph as cg NDJSON, plus the query set the
 * benchmark drivers replay against every system.
 *
 *   gen -v VERTICES -e EDGES [-s SEED] [-q QUERIES] -o GRAPH.ndjson -Q QUERIES.tsv
 *
 * Shape: crates of Pareto-distributed size depending on earlier crates; each crate a
 * module tree holding functions, structs (fields), enums (variants), traits (methods),
 * consts, statics, type aliases, macros; impl blocks (inherent and trait impls) holding
 * methods. Edges: Contains along that tree, Implements type -> trait, Depends crate ->
 * crate, Calls between callables (80% within the crate, callees Zipf-popular), Uses from
 * callables and structs to types. Every vertex carries its explicit id: XXH3-64 of
 * "crate@version::path#kind", the same id cg would compute itself. */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* ---- deterministic randomness ---- */

static uint64_t rng_state;

static uint64_t rnd(void) /* splitmix64 */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rndf(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }
static uint32_t rndn(uint32_t n) { return n ? (uint32_t)(rndf() * n) : 0; }

/* Rank in [0, n) with P(r) roughly proportional to 1/(r+1): a few items get most hits. */
static uint32_t zipf(uint32_t n)
{
	if (n <= 1)
		return 0;
	uint32_t r = (uint32_t)(exp(rndf() * log((double)n + 1.0))) - 1;
	return r < n ? r : n - 1;
}

/* Geometric count with the given mean (0 allowed). */
static uint32_t geom(double mean)
{
	if (mean <= 0)
		return 0;
	double p = 1.0 / (mean + 1.0), u = rndf();
	return (uint32_t)floor(log(1.0 - u) / log(1.0 - p));
}

/* ---- vocabulary ---- */

static const char *const verbs[] = {
	"parse", "read", "write", "build", "make", "get", "set", "find", "load", "store", "open",
	"close", "send", "recv", "push", "pop", "insert", "remove", "update", "check", "validate",
	"encode", "decode", "format", "render", "resolve", "lookup", "merge", "split", "flush",
	"emit", "visit", "walk", "scan", "lex", "compile", "eval", "apply", "convert", "map",
	"filter", "collect", "spawn", "poll", "wait", "lock", "try_lock", "register", "handle",
	"dispatch", "serialize", "deserialize", "hash", "compare", "sort", "reset", "init", "drain",
	"extend", "normalize",
};
static const char *const nouns[] = {
	"header", "body", "token", "span", "node", "tree", "graph", "edge", "vertex", "path",
	"file", "buffer", "stream", "frame", "packet", "request", "response", "client", "server",
	"config", "options", "context", "state", "cache", "entry", "key", "value", "map", "set",
	"list", "queue", "stack", "slice", "string", "bytes", "chunk", "block", "page", "record",
	"row", "column", "table", "index", "query", "plan", "expr", "stmt", "item", "module",
	"crate", "symbol", "scope", "type", "trait", "field", "variant", "method", "error", "event",
	"task", "worker", "pool", "channel", "socket", "handle", "timer", "clock", "date", "time",
	"url", "uri", "host", "port", "addr", "name", "label", "tag", "attr", "style", "color",
	"point", "rect", "size", "shape", "layer", "window", "widget", "input", "output", "reader",
	"writer", "parser", "lexer", "builder", "visitor", "walker", "matcher", "pattern", "regex",
	"digest", "signature", "cert", "session", "user", "account", "policy", "rule", "report",
	"metric", "sample", "histogram", "counter", "gauge", "span_id", "trace", "log", "level",
	"target", "source", "sink",
};
static const char *const methods[] = {
	"new", "default", "len", "is_empty", "get", "get_mut", "iter", "iter_mut", "into_iter",
	"insert", "remove", "push", "pop", "clear", "with_capacity", "as_str", "as_bytes",
	"as_ref", "into_inner", "build", "finish", "parse", "from_str", "to_string", "clone",
	"eq", "cmp", "partial_cmp", "hash", "fmt", "from", "into", "next", "size_hint", "drop",
	"deref", "index", "contains", "capacity", "reserve",
};
static const char *const trait_methods[] = {
	"fmt", "clone", "eq", "hash", "cmp", "partial_cmp", "next", "from", "drop", "deref",
	"default", "serialize", "deserialize", "visit", "call", "poll", "read", "write", "flush",
	"len",
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the graph being built ---- */

enum kind { K_CRATE, K_MODULE, K_FUNCTION, K_STRUCT, K_ENUM, K_TRAIT, K_CONST, K_STATIC,
	    K_TYPE_ALIAS, K_MACRO, K_FIELD, K_VARIANT, K_METHOD, K_IMPL, K_NKINDS };
static const char *const kind_name[K_NKINDS] = {
	"crate", "module", "function", "struct", "enum", "trait", "const", "static",
	"type_alias", "macro", "field", "variant", "method", "impl",
};
enum etype { E_CONTAINS = 1, E_CALLS, E_USES, E_IMPLEMENTS, E_DEPENDS };
static const char *const etype_name[] = { "", "Contains", "Calls", "Uses", "Implements", "Depends" };

typedef struct vtx {
	uint64_t vid;
	char *name, *path, *file, *alias;
	uint32_t crate, line, parent;
	uint8_t kind, has_docs;
} vtx;

typedef struct edge {
	uint32_t src, dst, line;
	uint8_t type;
} edge;

typedef struct crate {
	uint32_t root, nv;          /* crate vertex, vertices so far */
	char name[48], version[16];
	uint32_t *deps, ndeps;
	uint32_t *callables, ncall; /* functions and methods, in creation order */
	uint32_t *types, ntypes;    /* structs, enums, type aliases */
	uint32_t *traits, ntraits;
	uint32_t *structs, nstructs;
} crate;

typedef struct u32v {
	uint32_t *a;
	size_t n, cap;
} u32v;

static vtx *V;
static size_t nV, capV;
static edge *E;
static size_t nE, capE;
static crate *C;
static uint32_t nC;
static uint64_t *vidset; /* open addressing over vids; 0 = empty */
static size_t vidset_cap;

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);
	if (!q) {
		fprintf(stderr, "gen: out of memory\n");
		exit(70);
	}
	return q;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(xrealloc(NULL, n), s, n);
}

static void push32(uint32_t **a, uint32_t *n, uint32_t v)
{
	if ((*n & (*n - 1)) == 0) /* grow at powers of two */
		*a = xrealloc(*a, sizeof **a * (*n ? *n * 2 : 1));
	(*a)[(*n)++] = v;
}

/* Inserts vid; returns 0 if it was already there. */
static int vidset_add(uint64_t vid)
{
	size_t i = (size_t)(vid * 0x9e3779b97f4a7c15ULL) & (vidset_cap - 1);
	for (; vidset[i]; i = (i + 1) & (vidset_cap - 1))
		if (vidset[i] == vid)
			return 0;
	vidset[i] = vid;
	return 1;
}

static void add_edge(uint32_t src, uint32_t dst, int type, uint32_t line)
{
	if (nE == capE)
		E = xrealloc(E, sizeof *E * (capE = capE ? capE * 2 : 1 << 16));
	E[nE++] = (edge){ src, dst, line, (uint8_t)type };
}

static uint64_t identity_vid(const crate *c, const char *path, int kind)
{
	char id[1024];
	int n = snprintf(id, sizeof id, "%s@%s::%s#%s", c->name, c->version, path, kind_name[kind]);
	uint64_t h = XXH3_64bits(id, (size_t)n);
	return h ? h : 1;
}

/* Creates a vertex named NAME under PARENT's path (joined with "::"); a name already taken
 * in that scope gets a numeric suffix. Adds the Contains edge from parent. */
static uint32_t add_vertex(uint32_t ci, int parent, int kind, const char *name)
{
	crate *c = &C[ci];
	char nm[256], path[1024];
	for (int k = 1;; k++) {
		if (k == 1)
			snprintf(nm, sizeof nm, "%s", name);
		else
			snprintf(nm, sizeof nm, "%s%s%d", name, name[0] >= 'A' && name[0] <= 'Z' ? "" : "_", k);
		if (parent < 0)
			snprintf(path, sizeof path, "%s", nm);
		else
			snprintf(path, sizeof path, "%s::%s", V[parent].path, nm);
		uint64_t vid = identity_vid(c, path, kind);
		if (vidset_add(vid)) {
			if (nV == capV)
				V = xrealloc(V, sizeof *V * (capV = capV ? capV * 2 : 1 << 14));
			vtx *v = &V[nV];
			memset(v, 0, sizeof *v);
			v->vid = vid;
			v->name = xstrdup(nm);
			v->path = xstrdup(path);
			v->kind = (uint8_t)kind;
			v->crate = ci;
			v->parent = parent < 0 ? (uint32_t)nV : (uint32_t)parent;
			v->line = 1 + rndn(2000);
			v->has_docs = rndn(100) < 60;
			if (kind == K_CRATE || kind == K_MODULE) {
				char f[1100];
				snprintf(f, sizeof f, "%s/src/%s.rs", c->name,
					 kind == K_CRATE ? "lib" : strchr(path, ':') + 2);
				for (char *p = f; *p; p++)
					if (p[0] == ':' && p[1] == ':')
						memmove(p, p + 1, strlen(p)), *p = '/';
				v->file = xstrdup(f);
			} else {
				v->file = V[parent].file; /* shared: items live in their module's file */
			}
			c->nv++;
			if (parent >= 0)
				add_edge((uint32_t)parent, (uint32_t)nV, E_CONTAINS, 0);
			return (uint32_t)nV++;
		}
	}
}

static void snake(char *out, size_t n)
{
	snprintf(out, n, "%s_%s", verbs[rndn(NELEM(verbs))], nouns[rndn(NELEM(nouns))]);
}

static void camel_word(char *out, size_t n, const char *w)
{
	size_t j = 0;
	for (int up = 1; *w && j + 1 < n; w++) {
		if (*w == '_') {
			up = 1;
			continue;
		}
		out[j++] = up && *w >= 'a' && *w <= 'z' ? (char)(*w - 32) : *w;
		up = 0;
	}
	out[j] = '\0';
}

static void camel(char *out, size_t n)
{
	char a[64], b[64];
	camel_word(a, sizeof a, nouns[rndn(NELEM(nouns))]);
	camel_word(b, sizeof b, nouns[rndn(NELEM(nouns))]);
	snprintf(out, n, "%s%s", rndn(3) ? a : "", b);
}

static void upper(char *out, size_t n)
{
	snprintf(out, n, "%s_%s", nouns[rndn(NELEM(nouns))], nouns[rndn(NELEM(nouns))]);
	for (char *p = out; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
}

/* ---- crates ---- */

static void make_crate_names(uint32_t ci)
{
	crate *c = &C[ci];
	for (int k = 0;; k++) {
		if (k == 0)
			snprintf(c->name, sizeof c->name, "%s_%s", nouns[rndn(NELEM(nouns))],
				 nouns[rndn(NELEM(nouns))]);
		else
			snprintf(c->name, sizeof c->name, "%s_%s%d", nouns[rndn(NELEM(nouns))],
				 nouns[rndn(NELEM(nouns))], k);
		uint32_t j = 0;
		while (j < ci && strcmp(C[j].name, c->name))
			j++;
		if (j == ci)
			break;
	}
	snprintf(c->version, sizeof c->version, "%u.%u.%u", rndn(4) ? 0 : 1, rndn(30), rndn(20));
}

/* Foundation crates (low indexes) are depended on the most. */
static void make_deps(uint32_t ci)
{
	crate *c = &C[ci];
	uint32_t want = ci ? 1 + geom(3.0) : 0;
	if (want > ci)
		want = ci;
	for (uint32_t tries = 0; c->ndeps < want && tries < want * 8; tries++) {
		uint32_t d = zipf(ci), k = 0;
		while (k < c->ndeps && c->deps[k] != d)
			k++;
		if (k == c->ndeps) {
			push32(&c->deps, &c->ndeps, d);
			add_edge(c->root, C[d].root, E_DEPENDS, 0);
		}
	}
}

static uint32_t add_item(uint32_t ci, uint32_t mod, int kind)
{
	crate *c = &C[ci];
	char nm[128];
	if (kind == K_FUNCTION)
		snake(nm, sizeof nm);
	else if (kind == K_CONST || kind == K_STATIC)
		upper(nm, sizeof nm);
	else if (kind == K_MACRO)
		snprintf(nm, sizeof nm, "%s_%s", nouns[rndn(NELEM(nouns))], verbs[rndn(NELEM(verbs))]);
	else
		camel(nm, sizeof nm);
	uint32_t v = add_vertex(ci, (int)mod, kind, nm);
	switch (kind) {
	case K_FUNCTION:
		push32(&c->callables, &c->ncall, v);
		break;
	case K_STRUCT: {
		push32(&c->types, &c->ntypes, v);
		push32(&c->structs, &c->nstructs, v);
		for (uint32_t k = rndn(7); k; k--)
			add_vertex(ci, (int)v, K_FIELD, nouns[rndn(NELEM(nouns))]);
		break;
	}
	case K_ENUM:
		push32(&c->types, &c->ntypes, v);
		for (uint32_t k = 2 + rndn(7); k; k--) {
			char vn[64];
			camel_word(vn, sizeof vn, nouns[rndn(NELEM(nouns))]);
			add_vertex(ci, (int)v, K_VARIANT, vn);
		}
		break;
	case K_TRAIT:
		push32(&c->traits, &c->ntraits, v);
		for (uint32_t k = 1 + rndn(5); k; k--) {
			const char *m = rndn(2) ? trait_methods[rndn(NELEM(trait_methods))] : NULL;
			char mn[128];
			if (!m)
				snake(mn, sizeof mn), m = mn;
			push32(&c->callables, &c->ncall, add_vertex(ci, (int)v, K_METHOD, m));
		}
		break;
	case K_TYPE_ALIAS:
		push32(&c->types, &c->ntypes, v);
		break;
	}
	/* a public re-export at the crate root for some items deep in the tree */
	if (kind != K_FIELD && mod != c->root && rndn(100) < 8) {
		char a[512];
		snprintf(a, sizeof a, "%s::%s", c->name, V[v].name);
		V[v].alias = xstrdup(a);
	}
	return v;
}

/* Methods of an impl block: a trait impl gets the trait's method names. */
static void impl_methods(uint32_t ci, uint32_t impl, int trait)
{
	crate *c = &C[ci];
	if (trait >= 0) {
		for (size_t i = (size_t)trait + 1; i < nV && V[i].path != NULL; i++) {
			if (V[i].kind != K_METHOD || strncmp(V[i].path, V[trait].path, strlen(V[trait].path)))
				break;
			push32(&c->callables, &c->ncall, add_vertex(ci, (int)impl, K_METHOD, V[i].name));
		}
		return;
	}
	for (uint32_t k = 1 + rndn(8); k; k--) {
		char mn[128];
		if (rndn(2))
			snprintf(mn, sizeof mn, "%s", methods[rndn(NELEM(methods))]);
		else
			snake(mn, sizeof mn);
		push32(&c->callables, &c->ncall, add_vertex(ci, (int)impl, K_METHOD, mn));
	}
}

/* A trait from this crate or a dependency, popular ones first. */
static int pick_trait(uint32_t ci)
{
	crate *c = &C[ci];
	crate *t = c->ndeps && rndn(100) < 60 ? &C[c->deps[rndn(c->ndeps)]] : c;
	return t->ntraits ? (int)t->traits[zipf(t->ntraits)] : -1;
}

static void add_impls(uint32_t ci, uint32_t budget)
{
	crate *c = &C[ci];
	for (uint32_t s = 0; s < c->nstructs && c->nv < budget; s++) {
		uint32_t ty = c->structs[s], mod = V[ty].parent;
		char nm[512];
		if (rndn(100) < 70) {
			snprintf(nm, sizeof nm, "<impl %s>", V[ty].name);
			impl_methods(ci, add_vertex(ci, (int)mod, K_IMPL, nm), -1);
		}
		int seen[8], ns = 0;
		for (uint32_t k = geom(1.6); k && ns < 8 && c->nv < budget; k--) {
			int tr = pick_trait(ci), dup = 0;
			for (int j = 0; j < ns; j++)
				dup |= seen[j] == tr;
			if (tr < 0 || dup)
				continue;
			seen[ns++] = tr;
			snprintf(nm, sizeof nm, "<impl %s for %s>", V[tr].name, V[ty].name);
			impl_methods(ci, add_vertex(ci, (int)mod, K_IMPL, nm), tr);
			add_edge(ty, (uint32_t)tr, E_IMPLEMENTS, 0);
		}
	}
}

static int pick_kind(void)
{
	static const struct { int kind, w; } mix[] = {
		{ K_FUNCTION, 40 }, { K_STRUCT, 14 }, { K_ENUM, 4 }, { K_TRAIT, 4 }, { K_CONST, 3 },
		{ K_STATIC, 1 }, { K_TYPE_ALIAS, 3 }, { K_MACRO, 2 },
	};
	uint32_t r = rndn(71);
	for (size_t i = 0; i < NELEM(mix); i++) {
		if (r < (uint32_t)mix[i].w)
			return mix[i].kind;
		r -= (uint32_t)mix[i].w;
	}
	return K_FUNCTION;
}

static void make_crate(uint32_t ci, uint32_t size)
{
	crate *c = &C[ci];
	make_crate_names(ci);
	c->root = add_vertex(ci, -1, K_CRATE, c->name);
	make_deps(ci);
	uint32_t nmod = 1 + size / 40;
	uint32_t *mods = xrealloc(NULL, sizeof *mods * (nmod + 1));
	mods[0] = c->root;
	for (uint32_t m = 1; m <= nmod && c->nv < size; m++)
		mods[m] = add_vertex(ci, (int)mods[rndn(m)], K_MODULE, nouns[rndn(NELEM(nouns))]);
	/* items first (about 60% of the crate), then the impl blocks that give structs methods */
	while (c->nv < size * 6 / 10 + 1)
		add_item(ci, mods[rndn(nmod + 1)], pick_kind());
	add_impls(ci, size);
	while (c->nv < size)
		add_item(ci, mods[rndn(nmod + 1)], pick_kind());
	free(mods);
}

/* ---- Calls and Uses ---- */

static int in_list(const uint32_t *a, uint32_t n, uint32_t v)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i] == v)
			return 1;
	return 0;
}

/* Out-edges of one source: TARGETS picks from the crate itself (80%) or a dependency. */
static void add_out(uint32_t src, int type, double mean, int to_types)
{
	crate *c = &C[V[src].crate];
	uint32_t want = geom(mean), got[64], ng = 0;
	if (want > 64)
		want = 64;
	for (uint32_t t = 0; ng < want && t < want * 4; t++) {
		crate *d = c->ndeps && rndn(100) < 20 ? &C[c->deps[rndn(c->ndeps)]] : c;
		uint32_t n = to_types ? d->ntypes : d->ncall;
		if (!n)
			continue;
		uint32_t dst = (to_types ? d->types : d->callables)[zipf(n)];
		if (dst == src || in_list(got, ng, dst))
			continue;
		got[ng++] = dst;
		add_edge(src, dst, type, V[src].line + 1 + rndn(40));
	}
}

static void make_calls_uses(size_t budget)
{
	size_t ncall = 0, nuse_src = 0;
	for (uint32_t ci = 0; ci < nC; ci++)
		ncall += C[ci].ncall, nuse_src += C[ci].ncall + C[ci].nstructs;
	size_t calls = budget * 7 / 10, uses = budget - calls;
	double mc = ncall ? (double)calls / (double)ncall : 0;
	double mu = nuse_src ? (double)uses / (double)nuse_src : 0;
	for (uint32_t ci = 0; ci < nC; ci++) {
		crate *c = &C[ci];
		for (uint32_t i = 0; i < c->ncall; i++) {
			add_out(c->callables[i], E_CALLS, mc, 0);
			add_out(c->callables[i], E_USES, mu, 1);
		}
		for (uint32_t i = 0; i < c->nstructs; i++)
			add_out(c->structs[i], E_USES, mu, 1);
	}
}

/* ---- output ---- */

static void write_graph(FILE *f)
{
	static const char *const docs[][2] = { { "Returns the ", " of this value." },
					       { "Creates a new ", "." },
					       { "Parses a ", " from its text form." }, { "The ", " in use." } };
	for (size_t i = 0; i < nV; i++) {
		const vtx *v = &V[i];
		const crate *c = &C[v->crate];
		fprintf(f, "{\"type\":\"vertex\",\"id\":\"%016llx\",\"kind\":\"%s\",\"name\":\"%s\","
			"\"path\":\"%s\",\"crate\":\"%s\",\"version\":\"%s\",\"vis\":\"public\","
			"\"file\":\"%s\",\"line\":%u",
			(unsigned long long)v->vid, kind_name[v->kind], v->name, v->path, c->name,
			c->version, v->file, v->line);
		if (v->alias)
			fprintf(f, ",\"aliases\":[\"%s\"]", v->alias);
		if (v->has_docs) {
			const char *const *d = docs[v->line % NELEM(docs)];
			fprintf(f, ",\"docs\":\"%s%s%s\"", d[0], nouns[v->line % NELEM(nouns)], d[1]);
		}
		fputs("}\n", f);
	}
	for (size_t i = 0; i < nE; i++) {
		const edge *e = &E[i];
		fprintf(f, "{\"type\":\"edge\",\"src\":\"%016llx\",\"label\":\"%s\",\"dst\":\"%016llx\"",
			(unsigned long long)V[e->src].vid, etype_name[e->type],
			(unsigned long long)V[e->dst].vid);
		if (e->type == E_CALLS || e->type == E_USES)
			fprintf(f, ",\"file\":\"%s\",\"line\":%u", V[e->src].file, e->line);
		fputs("}\n", f);
	}
}

/* ---- queries ---- */

typedef struct csr {
	uint32_t *off, *adj;
} csr;

/* Out-adjacency of one edge type, for walks that make path queries answerable. */
static void build_csr(csr *g, int type)
{
	g->off = calloc(nV + 1, sizeof *g->off);
	size_t m = 0;
	for (size_t i = 0; i < nE; i++)
		if (E[i].type == type)
			g->off[E[i].src + 1]++, m++;
	for (size_t i = 0; i < nV; i++)
		g->off[i + 1] += g->off[i];
	g->adj = xrealloc(NULL, sizeof *g->adj * (m + 1));
	uint32_t *fill = xrealloc(NULL, sizeof *fill * (nV + 1));
	memcpy(fill, g->off, sizeof *fill * (nV + 1));
	for (size_t i = 0; i < nE; i++)
		if (E[i].type == type)
			g->adj[fill[E[i].src]++] = E[i].dst;
	free(fill);
}

static uint32_t random_of(const int *kinds, int nk)
{
	for (;;) {
		uint32_t v = rndn((uint32_t)nV);
		for (int k = 0; k < nk; k++)
			if (V[v].kind == kinds[k])
				return v;
	}
}

#define VID(i) ((unsigned long long)V[i].vid)

static void write_queries(FILE *f, uint32_t n)
{
	static const int callable[] = { K_FUNCTION, K_METHOD };
	static const int container[] = { K_MODULE, K_IMPL, K_STRUCT, K_ENUM, K_TRAIT };
	static const int types[] = { K_STRUCT, K_ENUM, K_TRAIT, K_TYPE_ALIAS };
	static const int named[] = { K_FUNCTION, K_METHOD, K_STRUCT, K_ENUM, K_TRAIT, K_CONST,
				     K_TYPE_ALIAS, K_MACRO };
	csr calls;
	build_csr(&calls, E_CALLS);
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, "get\t%016llx\n", VID(rndn((uint32_t)nV)));
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, "find\t%s\n", V[random_of(named, NELEM(named))].name);
	for (uint32_t i = 0; i < n; i++) {
		if (rndn(10) < 7)
			fprintf(f, "out\t%016llx\tCalls\n", VID(random_of(callable, 2)));
		else
			fprintf(f, "out\t%016llx\tContains\n", VID(random_of(container, NELEM(container))));
	}
	for (uint32_t i = 0; i < n; i++) {
		if (rndn(10) < 7)
			fprintf(f, "in\t%016llx\tCalls\n", VID(random_of(callable, 2)));
		else
			fprintf(f, "in\t%016llx\tUses\n", VID(random_of(types, NELEM(types))));
	}
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, "hop3\t%016llx\tCalls\n", VID(random_of(callable, 2)));
	/* path: the far end of a 2..6-step random walk, so that most paths exist */
	for (uint32_t i = 0; i < n;) {
		uint32_t s = random_of(callable, 2), v = s, steps = 2 + rndn(5), k = 0;
		for (; k < steps && calls.off[v + 1] > calls.off[v]; k++)
			v = calls.adj[calls.off[v] + rndn(calls.off[v + 1] - calls.off[v])];
		if (v == s)
			continue;
		fprintf(f, "path\t%016llx\t%016llx\tCalls\n", VID(s), VID(v));
		i++;
	}
	free(calls.off);
	free(calls.adj);
}

/* ---- main ---- */

static void usage(void)
{
	fputs("usage: gen -v VERTICES -e EDGES [-s SEED] [-q QUERIES_PER_OP] -o GRAPH.ndjson -Q QUERIES.tsv\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long nv = 0, ne = 0, seed = 42, nq = 2000;
	const char *out = NULL, *qout = NULL;
	for (int opt; (opt = getopt(argc, argv, "v:e:s:q:o:Q:")) != -1;) {
		switch (opt) {
		case 'v': nv = strtoul(optarg, NULL, 10); break;
		case 'e': ne = strtoul(optarg, NULL, 10); break;
		case 's': seed = strtoul(optarg, NULL, 10); break;
		case 'q': nq = strtoul(optarg, NULL, 10); break;
		case 'o': out = optarg; break;
		case 'Q': qout = optarg; break;
		default: usage();
		}
	}
	if (nv < 100 || ne < nv || !out || !qout || optind != argc)
		usage();
	rng_state = seed;
	for (vidset_cap = 1; vidset_cap < nv * 2 + 1024; vidset_cap <<= 1)
		;
	vidset = calloc(vidset_cap, sizeof *vidset);
	nC = nv < 4000 ? 9 : (uint32_t)(nv / 500);
	C = calloc(nC, sizeof *C);
	double *w = xrealloc(NULL, sizeof *w * nC), sum = 0;
	for (uint32_t i = 0; i < nC; i++)
		sum += w[i] = pow(1.0 - rndf(), -1.0 / 1.2); /* Pareto: a few large crates */
	for (uint32_t i = 0; i < nC; i++) {
		uint32_t size = (uint32_t)((double)nv * w[i] / sum);
		make_crate(i, size < 20 ? 20 : size);
	}
	free(w);
	size_t structural = nE;
	make_calls_uses(ne > structural ? ne - structural : 0);
	FILE *f = fopen(out, "w"), *q = fopen(qout, "w");
	if (!f || !q) {
		perror(f ? qout : out);
		return 74;
	}
	write_graph(f);
	write_queries(q, (uint32_t)nq);
	if (fclose(f) || fclose(q)) {
		perror("gen: write");
		return 74;
	}
	size_t count[6] = { 0 };
	for (size_t i = 0; i < nE; i++)
		count[E[i].type]++;
	fprintf(stderr, "gen: %zu vertices, %zu crates, %zu edges (Contains %zu, Calls %zu, Uses %zu, "
		"Implements %zu, Depends %zu)\n", nV, (size_t)nC, nE, count[1], count[2], count[3],
		count[4], count[5]);
	return 0;
}

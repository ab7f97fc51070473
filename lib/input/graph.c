/* graph: a unit's vertices and edges in memory, with strings in an arena. */
#include "graph.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "codec/ident.h"
#include "codec/keys.h"

#define ARENA_BLOCK (256 * 1024)

typedef struct arena_block {
	struct arena_block *next;
	size_t used, cap;
	char data[];
} arena_block;

struct cg_graph {
	char *unit;
	uint64_t unit_id;
	cg_unit_info info;
	const char **depends;
	arena_block *arena;
	cg_vertex *v;
	uint64_t *vid;
	size_t nv, capv;
	size_t *slot; /* open addressing: index + 1 into v, 0 = empty */
	size_t nslot;
	cg_gedge *e;
	size_t ne, cape;
};

static void *arena_alloc(cg_graph *g, size_t n)
{
	arena_block *b = g->arena;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		if (!(b = malloc(sizeof *b + cap)))
			return NULL;
		b->next = g->arena;
		b->used = 0;
		b->cap = cap;
		g->arena = b;
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

const char *cg_graph_strdup(cg_graph *g, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(g, n);
	return p ? memcpy(p, s, n) : NULL;
}

cg_graph *cg_graph_new(const char *unit)
{
	cg_graph *g = calloc(1, sizeof *g);
	if (!g || !(g->unit = strdup(unit))) {
		free(g);
		return NULL;
	}
	g->unit_id = cg_unit_id(unit);
	return g;
}

void cg_graph_free(cg_graph *g)
{
	if (!g)
		return;
	for (arena_block *b = g->arena, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	free(g->unit);
	free(g->depends);
	free(g->v);
	free(g->vid);
	free(g->slot);
	free(g->e);
	free(g);
}

const char *cg_graph_unit(const cg_graph *g) { return g->unit; }
uint64_t cg_graph_unit_id(const cg_graph *g) { return g->unit_id; }
size_t cg_graph_nvertices(const cg_graph *g) { return g->nv; }
size_t cg_graph_nedges(const cg_graph *g) { return g->ne; }
const cg_gedge *cg_graph_edge_at(const cg_graph *g, size_t i) { return &g->e[i]; }
const cg_unit_info *cg_graph_info(const cg_graph *g) { return &g->info; }

const cg_vertex *cg_graph_vertex_at(const cg_graph *g, size_t i, uint64_t *vid)
{
	*vid = g->vid[i];
	return &g->v[i];
}

/* Slot of vid in the table: where it is, or the empty slot where it would go. */
static size_t *find_slot(const cg_graph *g, uint64_t vid)
{
	size_t mask = g->nslot - 1, i = (size_t)(vid ^ vid >> 29) & mask;
	while (g->slot[i] && g->vid[g->slot[i] - 1] != vid)
		i = (i + 1) & mask;
	return &g->slot[i];
}

static int grow_table(cg_graph *g)
{
	size_t n = g->nslot ? g->nslot * 2 : 1024;
	size_t *old = g->slot, oldn = g->nslot;
	if (!(g->slot = calloc(n, sizeof *g->slot))) {
		g->slot = old;
		return -1;
	}
	g->nslot = n;
	for (size_t i = 0; i < oldn; i++)
		if (old[i])
			*find_slot(g, g->vid[old[i] - 1]) = old[i];
	free(old);
	return 0;
}

const cg_vertex *cg_graph_find(const cg_graph *g, uint64_t vid)
{
	if (!g->nslot)
		return NULL;
	size_t s = *find_slot(g, vid);
	return s ? &g->v[s - 1] : NULL;
}

static int copy_vertex(cg_graph *g, cg_vertex *dst, const cg_vertex *src)
{
	*dst = *src;
	for (int i = 0; i < CG_VF_N; i++)
		if (src->str[i] && !(dst->str[i] = cg_graph_strdup(g, src->str[i])))
			return -1;
	if (!(src->flags & CG_VFLAG_STUB))
		dst->owner = g->unit_id;
	return 0;
}

static int same_identity(const cg_vertex *a, const cg_vertex *b)
{
	static const int fields[] = { CG_VF_PATH, CG_VF_CRATE, CG_VF_VERSION };
	if (a->kind != b->kind)
		return 0;
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
		const char *x = a->str[fields[i]] ? a->str[fields[i]] : "";
		const char *y = b->str[fields[i]] ? b->str[fields[i]] : "";
		if (strcmp(x, y) != 0)
			return 0;
	}
	return 1;
}

int cg_graph_put_vertex(cg_graph *g, uint64_t vid, const cg_vertex *v, cg_err *err)
{
	if ((g->nv + 1) * 2 > g->nslot && grow_table(g) < 0)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	size_t *slot = find_slot(g, vid);
	if (*slot) {
		cg_vertex *old = &g->v[*slot - 1];
		if (!same_identity(old, v))
			return cg_err_set(err, CG_EDATA, "vertex id collision: %016llx is both %s#%s and %s#%s",
					  (unsigned long long)vid, old->str[CG_VF_PATH], cg_kind_name(old->kind),
					  v->str[CG_VF_PATH], cg_kind_name(v->kind));
		if ((old->flags & CG_VFLAG_STUB) && !(v->flags & CG_VFLAG_STUB))
			return copy_vertex(g, old, v) < 0 ? cg_err_set(err, CG_EINTERNAL, "out of memory") : 0;
		return CG_OK;
	}
	if (g->nv == g->capv) {
		size_t cap = g->capv ? g->capv * 2 : 256;
		cg_vertex *nvx = realloc(g->v, cap * sizeof *nvx);
		if (nvx)
			g->v = nvx;
		uint64_t *nid = nvx ? realloc(g->vid, cap * sizeof *nid) : NULL;
		if (!nid)
			return cg_err_set(err, CG_EINTERNAL, "out of memory");
		g->vid = nid;
		g->capv = cap;
	}
	if (copy_vertex(g, &g->v[g->nv], v) < 0)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	g->vid[g->nv++] = vid;
	*slot = g->nv;
	return CG_OK;
}

int cg_graph_add_vertex(cg_graph *g, const cg_vertex *v, uint64_t *vid, cg_err *err)
{
	*vid = cg_item_vid(v->str[CG_VF_CRATE] ? v->str[CG_VF_CRATE] : "",
			   v->str[CG_VF_VERSION] ? v->str[CG_VF_VERSION] : "",
			   v->str[CG_VF_PATH] ? v->str[CG_VF_PATH] : "", v->kind);
	if (!*vid)
		return cg_err_set(err, CG_EINTERNAL, "out of memory");
	return cg_graph_put_vertex(g, *vid, v, err);
}

int cg_graph_add_alias(cg_graph *g, uint64_t vid, const char *path)
{
	if (!g->nslot || !*find_slot(g, vid))
		return -1;
	cg_vertex *v = &g->v[*find_slot(g, vid) - 1];
	const char *old = v->str[CG_VF_ALIASES];
	if (v->str[CG_VF_PATH] && strcmp(v->str[CG_VF_PATH], path) == 0)
		return 0;
	size_t plen = strlen(path);
	for (const char *p = old; p && *p;) { /* already known? */
		size_t n = strcspn(p, "\n");
		if (n == plen && memcmp(p, path, n) == 0)
			return 0;
		p += n + (p[n] == '\n');
	}
	size_t olen = old ? strlen(old) : 0;
	char *s = arena_alloc(g, olen + plen + 2);
	if (!s)
		return -1;
	if (olen) {
		memcpy(s, old, olen);
		s[olen++] = '\n';
	}
	memcpy(s + olen, path, plen + 1);
	v->str[CG_VF_ALIASES] = s;
	return 0;
}

int cg_graph_add_edge(cg_graph *g, const cg_gedge *e)
{
	if (g->ne == g->cape) {
		size_t cap = g->cape ? g->cape * 2 : 1024;
		cg_gedge *n = realloc(g->e, cap * sizeof *n);
		if (!n)
			return -1;
		g->e = n;
		g->cape = cap;
	}
	g->e[g->ne] = *e;
	if (e->file && !(g->e[g->ne].file = cg_graph_strdup(g, e->file)))
		return -1;
	g->ne++;
	return 0;
}

static int edge_cmp(const void *a, const void *b)
{
	const cg_gedge *x = a, *y = b;
	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->dst != y->dst)
		return x->dst < y->dst ? -1 : 1;
	return 0;
}

void cg_graph_dedupe_edges(cg_graph *g)
{
	if (g->ne < 2)
		return;
	qsort(g->e, g->ne, sizeof *g->e, edge_cmp);
	size_t out = 1;
	for (size_t i = 1; i < g->ne; i++) {
		if (edge_cmp(&g->e[i], &g->e[out - 1]) != 0)
			g->e[out++] = g->e[i];
		else /* the kept copy says everything either said (a re-export, a glob) */
			g->e[out - 1].flags |= g->e[i].flags;
	}
	g->ne = out;
}

int cg_graph_set_input(cg_graph *g, const char *digest)
{
	return (g->info.input = cg_graph_strdup(g, digest)) ? 0 : -1;
}

int cg_graph_set_info(cg_graph *g, const cg_unit_info *info)
{
	g->info = *info;
	g->info.name = cg_graph_strdup(g, info->name);
	g->info.version = cg_graph_strdup(g, info->version);
	g->info.checksum = cg_graph_strdup(g, info->checksum);
	g->info.features = cg_graph_strdup(g, info->features);
	g->info.source = cg_graph_strdup(g, info->source);
	g->info.input = cg_graph_strdup(g, info->input);
	size_t n = 0;
	while (info->depends && info->depends[n])
		n++;
	free(g->depends);
	if (!(g->depends = calloc(n + 1, sizeof *g->depends)))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!(g->depends[i] = cg_graph_strdup(g, info->depends[i])))
			return -1;
	g->info.depends = g->depends;
	return 0;
}

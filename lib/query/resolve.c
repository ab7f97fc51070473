/* resolve: the query engine's resolution core — which vertices a reference names, and
 * which belong to the query's workspace. Every op resolves through here. */
#include "resolve.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec/ident.h"

json_t *q_ws_record(const uint8_t *v, size_t vl, const char *what, cg_err *err)
{
	cg_rec rec;
	if (cg_rec_open(v, vl, CG_REC_META, &rec, err)) {
		cg_err_prefix(err, "m:workspace:%s", what);
		return NULL;
	}
	json_t *o = json_loads(cg_meta_text(&rec), 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		cg_err_set(err, CG_EDATA, "m:workspace:%s: not a JSON object", what);
	}
	return json_is_object(o) ? o : NULL;
}

int q_ws_units(q_run *run, const char *name, cg_vmap *units, cg_err *err)
{
	cg_buf k = { 0 };
	rocksdb_pinnableslice_t *ps = NULL;
	int rc = cg_key_meta(&k, CG_META_WORKSPACE, name, strlen(name)) < 0 ? q_oom(err)
		: cg_store_get(cg_read_store(run->q->r), 0, k.data, k.len, &ps, err);
	cg_buf_free(&k);
	if (!rc && !ps)
		return cg_err_set(err, CG_EUSAGE, "no workspace '%s' in the store (see: cg-query workspaces)", name);
	size_t len = 0;
	const char *val = rc ? NULL : rocksdb_pinnableslice_value(ps, &len);
	json_t *rec = rc ? NULL : q_ws_record((const uint8_t *)val, len, name, err);
	if (ps)
		rocksdb_pinnableslice_destroy(ps);
	if (!rec)
		return rc ? rc : err->code;
	static const char *const lists[] = { "members", "dependencies" };
	q_plan(run, "workspace %s: get m:workspace:%s, keep vertices whose owner is one of its units", name, name);
	for (int l = 0; l < 2 && !rc; l++) {
		size_t i;
		json_t *u;
		json_array_foreach(json_object_get(rec, lists[l]), i, u)
			if (json_is_string(u) && cg_vmap_put(units, cg_unit_id(json_string_value(u)), 1) < 0)
				rc = q_oom(err);
	}
	json_decref(rec);
	return rc;
}

int q_in_ws(const q_run *run, const cg_vertex *v)
{
	return !run->ws_units || (v && v->owner && cg_vmap_get(run->ws_units, v->owner));
}

/* ---- resolving references ---- */

static const char *const std_crates[] = { "std", "core", "alloc", "proc_macro", NULL };

static int is_std_crate(const char *s, size_t n)
{
	for (int i = 0; std_crates[i]; i++)
		if (strlen(std_crates[i]) == n && !strncmp(std_crates[i], s, n))
			return 1;
	return 0;
}

/* The last "::" outside angle brackets (impl paths hold "<impl From<a::B> for C>"). */
static const char *last_sep(const char *path)
{
	const char *sep = NULL;
	int depth = 0;
	for (const char *p = path; *p; p++) {
		depth += *p == '<' ? 1 : *p == '>' && depth ? -1 : 0;
		if (!depth && p[0] == ':' && p[1] == ':')
			sep = p++;
	}
	return sep;
}

/* Adds vid when it passes the reference's filters (kind, version; with a workspace, a
 * vertex of one of its units or a stub, which no unit owns). */
static int add_cand(struct q_cands *c, uint64_t vid, const char *form, const char *looked_up, cg_err *err)
{
	cg_vertex v;
	int found, rc = cg_read_vertex(c->r, vid, &v, &found, err);
	if (rc || !found || (c->kind && v.kind != c->kind) ||
	    (c->version && strcmp(v.str[CG_VF_VERSION] ? v.str[CG_VF_VERSION] : "", c->version)) ||
	    (v.owner && !q_in_ws(c->run, &v)))
		return rc;
	if (!form)
		form = !strcmp(v.str[CG_VF_PATH], looked_up) ? "path" : "alias";
	for (size_t i = 0; i < c->n; i++)
		if (c->vids[i] == vid)
			return CG_OK;
	if (c->n == Q_MAX_CANDS) {
		c->more = 1;
		return CG_OK;
	}
	c->form[c->n] = form;
	c->vids[c->n++] = vid;
	return CG_OK;
}

struct lookup {
	struct q_cands *c;
	const char *form; /* NULL: "path" or "alias", by the vertex's own path */
	const char *value;
	const char *want; /* std: the module segments the vertex's path must hold, in order */
	uint64_t std_vids[Q_MAX_CANDS]; /* std: what held them, and how many modules more */
	size_t std_extra[Q_MAX_CANDS], nstd;
};

static size_t nsegments(const char *path)
{
	size_t n = 1;
	for (const char *p = path; (p = strstr(p, "::")); p += 2)
		n++;
	return n;
}

static int path_visit(void *ctx, uint64_t vid, const char *value, size_t vlen, cg_err *err)
{
	(void)value, (void)vlen;
	struct lookup *l = ctx;
	return add_cand(l->c, vid, l->form, l->value, err);
}

static int by_path(struct q_cands *c, const char *path, const char *form, cg_err *err)
{
	struct lookup l = { .c = c, .form = form, .value = path };
	return cg_read_index(c->r, CG_IDX_PATH, path, 1, path_visit, &l, err);
}

/* Does path (after its crate) hold the segments of want (a::b::) in order? */
static int holds_segments(const char *path, const char *want)
{
	const char *p = strstr(path, "::");
	while (p && *want) {
		size_t n = strcspn(want, ":");
		const char *seg = p + 2;
		size_t sn = strcspn(seg, ":");
		if (sn == n && !strncmp(seg, want, n))
			want += n + (want[n] ? 2 : 0);
		p = strstr(seg, "::");
	}
	return !*want;
}

static int std_visit(void *ctx, uint64_t vid, const char *value, size_t vlen, cg_err *err)
{
	(void)value, (void)vlen;
	struct lookup *l = ctx;
	cg_vertex v;
	int found, rc = cg_read_vertex(l->c->r, vid, &v, &found, err);
	if (rc || !found || !v.str[CG_VF_CRATE] || !is_std_crate(v.str[CG_VF_CRATE], strlen(v.str[CG_VF_CRATE])) ||
	    !holds_segments(v.str[CG_VF_PATH], l->want))
		return rc;
	if (!*l->want && (v.kind == CG_KIND_METHOD || v.kind == CG_KIND_FIELD || v.kind == CG_KIND_IMPL))
		return CG_OK; /* a bare name stands for a prelude item, not a member */
	if (l->nstd < Q_MAX_CANDS) {
		l->std_vids[l->nstd] = vid;
		l->std_extra[l->nstd++] = nsegments(v.str[CG_VF_PATH]) - (*l->want ? nsegments(l->want) : 0);
	}
	return CG_OK;
}

/* std::iter::Iterator, core::iter::Iterator, Vec: std's public paths are re-exports the
 * JSON does not record; rustdoc's stubs carry the defining path (core::iter::traits::
 * iterator::Iterator). Any of std, core, alloc stands for all three, and the modules named
 * must appear, in order, in the defining path. */
static int by_std_path(struct q_cands *c, const char *path, cg_err *err)
{
	const char *sep = last_sep(path), *first_end = strstr(path, "::");
	char want[512] = "";
	if (sep && !is_std_crate(path, (size_t)(first_end - path)))
		return CG_OK;
	if (sep && sep > first_end)
		snprintf(want, sizeof want, "%.*s", (int)(sep - first_end - 2), first_end + 2);
	struct lookup l = { .c = c, .form = "std", .value = path, .want = want };
	int rc = cg_read_index(c->r, CG_IDX_NAME, sep ? sep + 2 : path, 1, std_visit, &l, err);
	size_t fewest = (size_t)-1; /* std::error::Error is core::error::Error, not std::io::error::Error */
	for (size_t i = 0; i < l.nstd; i++)
		fewest = l.std_extra[i] < fewest ? l.std_extra[i] : fewest;
	for (size_t i = 0; !rc && i < l.nstd; i++)
		if (l.std_extra[i] == fewest)
			rc = add_cand(c, l.std_vids[i], "std", NULL, err);
	return rc;
}

struct children {
	cg_reader *r;
	const char *name;
	uint64_t found[Q_MAX_CANDS], impls[64], globs[8];
	size_t nfound, nimpls, nglobs;
};

static int child_visit(void *ctx, const cg_read_edge *e, cg_err *err)
{
	struct children *ch = ctx;
	cg_vertex v;
	int found, rc = cg_read_vertex(ch->r, e->dst, &v, &found, err);
	if (rc || !found)
		return rc;
	if (v.kind == CG_KIND_IMPL && ch->nimpls < sizeof ch->impls / sizeof *ch->impls)
		ch->impls[ch->nimpls++] = e->dst;
	else if ((e->val.flags & CG_EDGE_FLAG_GLOB) && ch->nglobs < sizeof ch->globs / sizeof *ch->globs)
		ch->globs[ch->nglobs++] = e->dst;
	else if (v.str[CG_VF_NAME] && !strcmp(v.str[CG_VF_NAME], ch->name) && ch->nfound < Q_MAX_CANDS &&
		 (e->type != CG_EDGE_USES || (e->val.flags & CG_EDGE_FLAG_REEXPORT)))
		ch->found[ch->nfound++] = e->dst;
	return CG_OK;
}

static int is_type_kind(int kind)
{
	return kind == CG_KIND_STRUCT || kind == CG_KIND_ENUM || kind == CG_KIND_UNION || kind == CG_KIND_TRAIT ||
	       kind == CG_KIND_PRIMITIVE || kind == CG_KIND_FOREIGN_TYPE;
}

/* NAME under parent p: P's defining path plus NAME (children of re-exported items); for a
 * type, the items of its impls (Type::method); for a module, another crate's item it
 * re-exports (`pub use other::NAME`, a Uses edge marked as a re-export), and what the
 * modules it glob-re-exports have under NAME (`pub use other::*`). */
static int member_of(struct q_cands *c, uint64_t p, const char *parent_ref, const char *name, int depth,
		     cg_err *err)
{
	cg_vertex v;
	int found, rc = cg_read_vertex(c->r, p, &v, &found, err);
	if (rc || !found)
		return rc;
	int kind = v.kind, same = !strcmp(v.str[CG_VF_PATH], parent_ref);
	char path[1024];
	snprintf(path, sizeof path, "%s::%s", v.str[CG_VF_PATH], name);
	if (!same && (rc = by_path(c, path, depth ? "re-export" : "member", err))) /* same: looked up already */
		return rc;
	struct children ch = { .r = c->r, .name = name };
	if (is_type_kind(kind))
		rc = cg_read_edges(c->r, p, 1u << CG_EDGE_CONTAINS, 1, child_visit, &ch, err);
	else if (kind == CG_KIND_MODULE || kind == CG_KIND_CRATE)
		rc = cg_read_edges(c->r, p, 1u << CG_EDGE_USES, 1, child_visit, &ch, err);
	for (size_t i = 0; !rc && i < ch.nfound; i++)
		rc = add_cand(c, ch.found[i], is_type_kind(kind) ? "member" : "re-export", NULL, err);
	struct children sub = ch; /* scans do not nest: walk the impls and globs found after */
	for (size_t i = 0; !rc && i < sub.nglobs && depth < 8; i++)
		rc = member_of(c, sub.globs[i], "", name, depth + 1, err);
	for (size_t i = 0; !rc && i < sub.nimpls; i++) {
		ch.nfound = ch.nimpls = ch.nglobs = 0;
		rc = cg_read_edges(c->r, sub.impls[i], 1u << CG_EDGE_CONTAINS, 1, child_visit, &ch, err);
		for (size_t k = 0; !rc && k < ch.nfound; k++)
			rc = add_cand(c, ch.found[k], "method", NULL, err);
	}
	return rc;
}

static int resolve_path(q_run *run, const char *path, struct q_cands *c, int depth, cg_err *err);

/* Parent::NAME when Parent resolves (by any form) but the whole does not. */
static int by_member(q_run *run, const char *path, struct q_cands *c, int depth, cg_err *err)
{
	const char *sep = last_sep(path);
	if (!sep || depth > 16)
		return CG_OK;
	char parent[1024];
	snprintf(parent, sizeof parent, "%.*s", (int)(sep - path), path);
	struct q_cands pc = { .r = c->r, .run = run };
	int rc = resolve_path(run, parent, &pc, depth + 1, err);
	for (size_t i = 0; !rc && i < pc.n; i++)
		rc = member_of(c, pc.vids[i], parent, sep + 2, 0, err);
	return rc;
}

/* Crate names are written with '-' by Cargo and '_' by rustdoc: the store has '_'. */
static int by_crate_name(struct q_cands *c, const char *path, cg_err *err)
{
	size_t n = strcspn(path, ":");
	if (!memchr(path, '-', n))
		return CG_OK;
	char fixed[1024];
	snprintf(fixed, sizeof fixed, "%s", path);
	for (size_t i = 0; i < n && i < sizeof fixed; i++)
		fixed[i] = fixed[i] == '-' ? '_' : fixed[i];
	return by_path(c, fixed, "crate name", err);
}

/* Each form in turn until one answers: the path index (defining paths and recorded
 * re-exports), the crate name spelled with '-', std's public paths, then Parent::NAME. */
static int resolve_path(q_run *run, const char *path, struct q_cands *c, int depth, cg_err *err)
{
	int rc = by_path(c, path, NULL, err);
	if (!rc && !c->n)
		rc = by_crate_name(c, path, err);
	if (!rc && !c->n)
		rc = by_std_path(c, path, err);
	if (!rc && !c->n)
		rc = by_member(run, path, c, depth, err);
	return rc;
}

/* ---- nearest names, for "did you mean" ---- */

int q_distance(const char *a, const char *b, int max)
{
	size_t na = strlen(a), nb = strlen(b);
	if (na > 63 || nb > 63 || (na > nb ? na - nb : nb - na) > (size_t)max)
		return max + 1;
	int row[64], best;
	for (size_t j = 0; j <= nb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= na; i++) {
		int diag = row[0];
		row[0] = best = (int)i;
		for (size_t j = 1; j <= nb; j++) {
			int up = row[j], cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			int v = diag + cost;
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
			if (v < best)
				best = v;
		}
		if (best > max)
			return max + 1;
	}
	return row[nb];
}

#define N_SUGGEST 3

struct suggest {
	const char *want;
	int max;
	int dist[N_SUGGEST];
	uint64_t vid[N_SUGGEST];
	char name[N_SUGGEST][64];
	size_t n;
};

static int suggest_visit(void *ctx, uint64_t vid, const char *value, size_t vlen, cg_err *err)
{
	(void)err;
	struct suggest *s = ctx;
	if (vlen >= 64)
		return CG_OK;
	char name[64];
	memcpy(name, value, vlen);
	name[vlen] = 0;
	int d = q_distance(s->want, name, s->max);
	if (d > s->max)
		return CG_OK;
	size_t i = 0;
	while (i < s->n && strcmp(s->name[i], name))
		i++;
	if (i < s->n) /* a name already offered: one path per name is enough */
		return CG_OK;
	if (s->n == N_SUGGEST && d >= s->dist[s->n - 1])
		return CG_OK;
	i = s->n < N_SUGGEST ? s->n++ : s->n - 1;
	for (; i > 0 && s->dist[i - 1] > d; i--) { /* keep them sorted, nearest first */
		s->dist[i] = s->dist[i - 1];
		s->vid[i] = s->vid[i - 1];
		memcpy(s->name[i], s->name[i - 1], 64);
	}
	s->dist[i] = d;
	s->vid[i] = vid;
	memcpy(s->name[i], name, vlen + 1);
	return CG_OK;
}

/* CG_ENEGATIVE: "no item matches REF; did you mean P1, P2?" with the paths of the nearest
 * names to REF's last segment (case-insensitive edit distance). */
int q_no_match(q_run *run, const char *ref, cg_err *err)
{
	const char *sep = last_sep(ref);
	char want[256];
	snprintf(want, sizeof want, "%s", sep ? sep + 2 : ref);
	want[strcspn(want, "#@")] = 0;
	size_t wn = strlen(want);
	struct suggest s = { .want = want, .max = wn <= 4 ? 1 : wn <= 9 ? 2 : (int)wn / 4 };
	int rc = cg_read_index(run->q->r, CG_IDX_NAME, "", 0, suggest_visit, &s, err);
	char list[600] = "";
	size_t used = 0;
	while (s.n > 1 && s.dist[s.n - 1] > s.dist[0]) /* only the nearest */
		s.n--;
	for (size_t i = 0; !rc && i < s.n; i++) {
		cg_vertex v;
		int found;
		if ((rc = cg_read_vertex(run->q->r, s.vid[i], &v, &found, err)) || !found)
			continue;
		used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", v.str[CG_VF_PATH]);
		if (used >= sizeof list)
			break;
	}
	if (rc)
		return rc;
	return cg_err_set(err, CG_ENEGATIVE, "no item matches '%s'%s%s%s", ref, s.n ? "; did you mean " : "",
			  list, s.n ? "?" : "");
}

static int resolve_ref(q_run *run, const char *ref, struct q_cands *c, cg_err *err)
{
	memset(c, 0, sizeof *c);
	c->r = run->q->r;
	c->run = run;
	uint64_t vid;
	if (strlen(ref) == 16 && cg_vid_parse(ref, &vid) == 0) {
		q_plan(run, "id %s: get v:%s", ref, ref);
		c->form[0] = "id";
		c->vids[c->n++] = vid;
		return CG_OK;
	}
	char path[1024], version[128];
	if (strlen(ref) >= sizeof path)
		return cg_err_set(err, CG_EUSAGE, "reference too long: %.60s...", ref);
	snprintf(path, sizeof path, "%s", ref);
	char *hash = strrchr(path, '#');
	if (hash) {
		*hash = '\0';
		if (!(c->kind = cg_kind_parse(hash + 1))) {
			char kinds[512];
			cg_kind_list(kinds, sizeof kinds);
			return cg_err_set(err, CG_EUSAGE, "%s: unknown kind '%s' (kinds: %s)", ref, hash + 1, kinds);
		}
	}
	char *at = strchr(path, '@'), *seg_end = strstr(path, "::");
	if (at && (!seg_end || at < seg_end)) { /* crate@version[::path] */
		size_t vn = seg_end ? (size_t)(seg_end - at - 1) : strlen(at + 1);
		snprintf(version, sizeof version, "%.*s", (int)vn, at + 1);
		memmove(at, at + 1 + vn, strlen(at + 1 + vn) + 1);
		c->version = version;
	}
	q_plan(run, "resolve %s: scan i:path:%s: in every shard%s; else the crate name with '_', std's "
	       "public paths (i:name:), Parent::NAME (Contains, impls, re-exports)", ref, path,
	       c->kind ? ", keep the given kind" : "");
	int rc = resolve_path(run, path, c, 0, err);
	c->version = NULL; /* points into this frame */
	return rc;
}

int q_resolve(q_run *run, const char *ref, struct q_cands *c, cg_err *err)
{
	int rc = resolve_ref(run, ref, c, err);
	return rc || c->n ? rc : q_no_match(run, ref, err);
}

int q_resolve_one(q_run *run, const char *ref, uint64_t *vid, const char **form, cg_err *err)
{
	struct q_cands c;
	int rc = q_resolve(run, ref, &c, err);
	*vid = 0;
	if (rc)
		return rc;
	if (c.n == 1) {
		*vid = c.vids[0];
		if (form)
			*form = c.form[0];
		return CG_OK;
	}
	char list[700] = "";
	size_t used = 0;
	for (size_t i = 0; i < c.n && used < sizeof list - 80; i++) {
		cg_vertex v;
		int found;
		if ((rc = cg_read_vertex(run->q->r, c.vids[i], &v, &found, err)))
			return rc;
		char hex[17];
		cg_vid_hex(c.vids[i], hex);
		used += (size_t)snprintf(list + used, sizeof list - used, "%s%s#%s (%s)", i ? ", " : "",
					 found ? v.str[CG_VF_PATH] : ref, found ? cg_kind_name(v.kind) : "?", hex);
	}
	return cg_err_set(err, CG_EUSAGE, "'%s' is ambiguous: %s%s; name one as PATH#KIND or by id", ref,
			  list, c.more ? ", ..." : "");
}

/* ---- files as users give them ---- */

#define FILE_FOUND 1003 /* internal: the file index has the value */

static int file_seen(void *ctx, uint64_t vid, const char *value, size_t vlen, cg_err *err)
{
	(void)ctx, (void)vid, (void)value, (void)vlen, (void)err;
	return FILE_FOUND;
}

static int add_file(struct q_files *f, const char *name, size_t n)
{
	for (size_t i = 0; i < f->n; i++)
		if (strlen(f->names[i]) == n && !strncmp(f->names[i], name, n))
			return 0;
	if (f->n == Q_MAX_FILES) {
		f->more = 1;
		return 0;
	}
	if (!(f->names[f->n] = strndup(name, n)))
		return -1;
	f->n++;
	return 0;
}

/* Adds name when the file index has it; *hit says whether it did. */
static int try_file(q_run *run, struct q_files *f, const char *name, int *hit, cg_err *err)
{
	int rc = cg_read_index(run->q->r, CG_IDX_FILE, name, 1, file_seen, NULL, err);
	*hit = rc == FILE_FOUND;
	if (rc != FILE_FOUND)
		return rc;
	return add_file(f, name, strlen(name)) < 0 ? q_oom(err) : CG_OK;
}

/* given made absolute (against the working directory) with "." and ".." taken out. */
static int absolute(const char *given, char *out, size_t cap)
{
	char joined[4096];
	if (given[0] == '/')
		snprintf(joined, sizeof joined, "%s", given);
	else if (!getcwd(joined, sizeof joined - strlen(given) - 2))
		return -1;
	else
		snprintf(joined + strlen(joined), sizeof joined - strlen(joined), "/%s", given);
	size_t n = 0;
	for (char *save = NULL, *seg = strtok_r(joined, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (!strcmp(seg, "."))
			continue;
		if (!strcmp(seg, "..")) {
			while (n && out[--n] != '/')
				;
			continue;
		}
		if (n + strlen(seg) + 2 > cap)
			return -1;
		n += (size_t)sprintf(out + n, "/%s", seg);
	}
	out[n] = 0;
	return 0;
}

struct suffix {
	struct q_files *f;
	const char *tail; /* "/lib.rs" */
};

static int suffix_visit(void *ctx, uint64_t vid, const char *value, size_t vlen, cg_err *err)
{
	(void)vid;
	struct suffix *s = ctx;
	size_t tn = strlen(s->tail);
	if ((vlen + 1 == tn && !memcmp(value, s->tail + 1, vlen)) ||
	    (vlen >= tn && !memcmp(value + vlen - tn, s->tail, tn)))
		return add_file(s->f, value, vlen) < 0 ? q_oom(err) : CG_OK;
	return CG_OK;
}

int q_resolve_file(q_run *run, const char *given, struct q_files *f, cg_err *err)
{
	memset(f, 0, sizeof *f);
	while (given[0] == '.' && given[1] == '/')
		given += 2;
	int hit = 0, rc = try_file(run, f, given, &hit, err);
	char abs[4096];
	if (!rc && !hit && absolute(given, abs, sizeof abs) == 0) /* the longest tail the store has */
		for (const char *p = abs; !rc && !hit && p; p = strchr(p + 1, '/'))
			if (p[1])
				rc = try_file(run, f, p + 1, &hit, err);
	if (rc || hit || strchr(given, '/') == given)
		return rc;
	char tail[1024];
	snprintf(tail, sizeof tail, "/%s", given);
	struct suffix s = { f, tail };
	q_plan(run, "file %s: no such i:file: value; scan i:file: for names ending in %s", given, tail);
	return cg_read_index(run->q->r, CG_IDX_FILE, "", 0, suffix_visit, &s, err);
}

void q_files_free(struct q_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->names[i]);
	f->n = 0;
}

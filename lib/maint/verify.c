/* verify: the store checker behind cg-verify (see verify.h for what is checked). */
#include "verify.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "input/graph.h"
#include "codec/keys.h"
#include "codec/record.h"
#include "store/sstinfo.h"
#include "base/clock.h"
#include "codec/ident.h"

static const char *const finding_names[CG_F_NKINDS] = {
	"shard_missing", "shard_unreadable", "shard_unlisted", "sst_corrupt", "read_error",
	"key_unknown_family", "key_malformed", "record_damaged", "record_wrong_type",
	"record_schema_version", "wrong_shard", "edge_twin_missing", "edge_twin_mismatch",
	"edge_endpoint_missing", "index_dangling", "index_stale", "vertex_index_missing",
	"vertex_unknown_unit", "meta_damaged", "meta_count_mismatch",
};

const char *cg_finding_name(int kind)
{
	return kind >= 0 && kind < CG_F_NKINDS ? finding_names[kind] : "unknown";
}

/* A unit named by m:crate:UNIT, with what its metadata claims and what the store holds. */
typedef struct unit {
	uint64_t id;
	char *name;
	int shard;
	long long want;     /* "vertices" in the metadata */
	long long by_index; /* i:crate:UNIT entries */
	long long by_owner; /* real vertices whose owner is this unit */
	int ndjson;         /* NDJSON units: counts not comparable (see check_units) */
} unit;

typedef struct run {
	cg_store *s;
	unsigned sample;
	cg_verify_report_fn report;
	void *ctx;
	cg_verify_stats *st;
	cg_err *err;
	int schema;
	rocksdb_readoptions_t *scan, *lookup;
	rocksdb_iterator_t *look[CG_MAX_SHARDS]; /* point lookups, one reused iterator per shard */
	cg_sst_set ssts[CG_MAX_SHARDS];
	unit *units;
	size_t nunits;
	cg_buf text, key, detail;
	uint64_t last_src; /* forward edges come grouped by source: check it exists once */
	char **seen;       /* read errors already reported: one damaged block, one finding */
	size_t nseen;
	int failed;        /* the report callback failed or memory ran out */
} run;

/* ---- reporting ---- */

static void sst_from_message(const char *msg, char *out, size_t n)
{
	const char *end = msg ? strstr(msg, ".sst") : NULL;
	out[0] = '\0';
	if (!end)
		return;
	const char *start = end;
	while (start > msg && start[-1] != '/' && start[-1] != ' ')
		start--;
	snprintf(out, n, "%.*s", (int)(end + 4 - start), start);
}

/* Reports one finding about key (may be NULL) in shard; detail is printf-style. */
static void find(run *r, int kind, int shard, const void *k, size_t klen, const char *sst,
		 const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static void find(run *r, int kind, int shard, const void *k, size_t klen, const char *sst,
		 const char *fmt, ...)
{
	char detail[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	cg_buf_reset(&r->text);
	if (k && (cg_key_format(&r->text, k, klen) < 0 || cg_buf_putc(&r->text, 0) < 0)) {
		r->failed = cg_err_set(r->err, CG_EINTERNAL, "out of memory");
		return;
	}
	if (!sst && k && shard >= 0) {
		const cg_sst *f = cg_sst_find(&r->ssts[shard], k, klen);
		sst = f ? f->name : NULL;
	}
	cg_finding f = { kind, shard, k ? (const char *)r->text.data : NULL, sst, detail };
	r->st->problems++;
	r->st->by_kind[kind]++;
	if (r->report(r->ctx, &f) < 0 && !r->failed)
		r->failed = cg_err_set(r->err, CG_EIO, "cannot write a finding");
}

/* True when this read error (file, offset) was reported already; remembers it otherwise. */
static int seen_before(run *r, const char *msg)
{
	const char *m = strstr(msg, "Corruption");
	m = m ? m : msg;
	for (size_t i = 0; i < r->nseen; i++)
		if (strcmp(r->seen[i], m) == 0)
			return 1;
	char **grown = realloc(r->seen, (r->nseen + 1) * sizeof *grown);
	if (grown && (grown[r->nseen] = strdup(m)))
		r->nseen++;
	if (grown)
		r->seen = grown;
	return 0;
}

/* A failed point read: corruption names its file in the message. */
static void find_read_error(run *r, int shard, const void *k, size_t klen, const char *what)
{
	char sst[256];
	if (seen_before(r, r->err->msg)) {
		cg_err_clear(r->err);
		return;
	}
	sst_from_message(r->err->msg, sst, sizeof sst);
	int kind = strstr(r->err->msg, "Corruption") ? CG_F_SST_CORRUPT : CG_F_READ_ERROR;
	find(r, kind, shard, k, klen, *sst ? sst : NULL, "reading %s: %s", what, r->err->msg);
	cg_err_clear(r->err);
}

/* Point read through a reused per-shard iterator: 1 found (value in *val, valid until the next
 * lookup in that shard), 0 absent, -1 read error (already reported). Seeks rather than Gets
 * because a Get consults the full filter block first, and a large bulk-loaded file's filter
 * does not stay in a small sharded block cache: every Get would read it again. */
static int get(run *r, int shard, const void *k, size_t klen, const char **val, size_t *vlen,
	       const char *what)
{
	rocksdb_t *db = cg_store_db(r->s, shard);
	if (!db)
		return -1; /* reported as shard_unreadable */
	if (!r->look[shard])
		r->look[shard] = rocksdb_create_iterator(db, r->lookup);
	rocksdb_iterator_t *it = r->look[shard];
	rocksdb_iter_seek(it, k, klen);
	if (rocksdb_iter_valid(it)) {
		size_t kl;
		const char *got = rocksdb_iter_key(it, &kl);
		if (kl != klen || memcmp(got, k, klen) != 0)
			return 0;
		*val = rocksdb_iter_value(it, vlen);
		return 1;
	}
	char *e = NULL;
	rocksdb_iter_get_error(it, &e);
	if (!e)
		return 0;
	cg_err_rocks(r->err, e, "read %s", cg_store_shard_path(r->s, shard));
	find_read_error(r, shard, k, klen, what);
	rocksdb_iter_destroy(it); /* an iterator keeps its error: start afresh */
	r->look[shard] = NULL;
	return -1;
}

static int sampled(const run *r, uint64_t h)
{
	return r->sample <= 1 || (h * 0x9e3779b97f4a7c15ULL >> 32) % r->sample == 0;
}

/* ---- units (from m:crate:UNIT metadata) ---- */

static int unit_cmp(const void *a, const void *b)
{
	uint64_t x = ((const unit *)a)->id, y = ((const unit *)b)->id;
	return (x > y) - (x < y);
}

static unit *unit_find(run *r, uint64_t id)
{
	unit key = { .id = id };
	return r->nunits ? bsearch(&key, r->units, r->nunits, sizeof *r->units, unit_cmp) : NULL;
}

/* The "vertices" count of a unit's metadata; -1 when the JSON is not as expected. */
static long long meta_vertices(const cg_rec *rec, int *ndjson)
{
	json_t *o = json_loads(cg_meta_text(rec), 0, NULL);
	json_t *n = json_object_get(o, "vertices");
	const char *kind = json_string_value(json_object_get(o, "kind"));
	long long v = json_is_integer(n) && json_integer_value(n) >= 0 ? json_integer_value(n) : -1;
	if (ndjson)
		*ndjson = kind && strcmp(kind, "ndjson") == 0;
	json_decref(o);
	return v;
}

static int add_unit(run *r, int shard, const char *name, size_t len, long long want, int ndjson)
{
	unit *u = realloc(r->units, (r->nunits + 1) * sizeof *u);
	if (!u)
		return -1;
	r->units = u;
	u = &r->units[r->nunits];
	memset(u, 0, sizeof *u);
	if (!(u->name = strndup(name, len)))
		return -1;
	u->id = cg_unit_id(u->name);
	u->shard = shard;
	u->want = want;
	u->ndjson = ndjson;
	r->nunits++;
	return 0;
}

/* Phase one: every shard's m:crate: entries, so vertices can be matched to their units. */
static int load_units(run *r)
{
	static const uint8_t lo[2] = { CG_FAM_META, CG_META_CRATE }, hi[2] = { CG_FAM_META, CG_META_CRATE + 1 };
	rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
	rocksdb_readoptions_set_total_order_seek(ro, 1);
	rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)hi, sizeof hi);
	for (int sh = 0; sh < cg_store_nshards(r->s) && !r->failed; sh++) {
		rocksdb_t *db = cg_store_db(r->s, sh);
		if (!db)
			continue;
		rocksdb_iterator_t *it = rocksdb_create_iterator(db, ro);
		for (rocksdb_iter_seek(it, (const char *)lo, sizeof lo); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
			size_t kl, vl;
			const char *k = rocksdb_iter_key(it, &kl), *v = rocksdb_iter_value(it, &vl);
			cg_rec rec;
			cg_err e;
			int ndjson = 0;
			long long want = cg_rec_open(v, vl, CG_REC_META, &rec, &e) ? -1 : meta_vertices(&rec, &ndjson);
			if (add_unit(r, sh, k + 2, kl - 2, want, ndjson) < 0) {
				r->failed = cg_err_set(r->err, CG_EINTERNAL, "out of memory");
				break;
			}
		}
		rocksdb_iter_destroy(it); /* read errors here are found again by the full scan */
	}
	rocksdb_readoptions_destroy(ro);
	if (r->nunits)
		qsort(r->units, r->nunits, sizeof *r->units, unit_cmp);
	r->st->units = r->nunits;
	return r->failed;
}

/* ---- the index entries a vertex should have (docs/design.md) ---- */

typedef int (*entry_fn)(run *r, void *arg, int itype, const char *val, size_t len);

static int for_each_entry(run *r, const cg_vertex *v, entry_fn fn, void *arg)
{
	const char *name = v->str[CG_VF_NAME], *path = v->str[CG_VF_PATH];
	const char *file = v->str[CG_VF_FILE], *al = v->str[CG_VF_ALIASES];
	const char *kind = cg_kind_name(v->kind);
	int rc = 0, stub = (v->flags & CG_VFLAG_STUB) != 0;
	if (name && *name)
		rc = fn(r, arg, CG_IDX_NAME, name, strlen(name));
	if (!rc && path && *path)
		rc = fn(r, arg, CG_IDX_PATH, path, strlen(path));
	for (const char *p = al; !rc && p && *p;) {
		size_t n = strcspn(p, "\n");
		if (n)
			rc = fn(r, arg, CG_IDX_PATH, p, n);
		p += n + (p[n] == '\n');
	}
	if (!rc)
		rc = fn(r, arg, CG_IDX_KIND, kind, strlen(kind));
	if (!rc && !stub) {
		cg_buf_reset(&r->detail);
		if (cg_buf_printf(&r->detail, "%s@%s", v->str[CG_VF_CRATE] ? v->str[CG_VF_CRATE] : "",
				  v->str[CG_VF_VERSION] ? v->str[CG_VF_VERSION] : "") < 0)
			return -1;
		rc = fn(r, arg, CG_IDX_CRATE, (const char *)r->detail.data, r->detail.len);
	}
	if (!rc && !stub && file && *file)
		rc = fn(r, arg, CG_IDX_FILE, file, strlen(file));
	return rc;
}

typedef struct wanted {
	int itype;
	const uint8_t *val;
	size_t len;
} wanted;

/* Stops the walk (returns 1) when the vertex produces the wanted entry. */
static int match_entry(run *r, void *arg, int itype, const char *val, size_t len)
{
	(void)r;
	const wanted *w = arg;
	return itype == w->itype && len == w->len && memcmp(val, w->val, len) == 0;
}

typedef struct vctx {
	uint64_t vid;
	int shard;
	const uint8_t *vkey;
} vctx;

static int expect_entry(run *r, void *arg, int itype, const char *val, size_t len)
{
	const vctx *c = arg;
	cg_buf k = { 0 };
	const char *v;
	size_t vl;
	if (cg_key_index(&k, itype, val, len, c->vid) < 0)
		return -1;
	int got = get(r, c->shard, k.data, k.len, &v, &vl, "an index entry");
	if (got == 0)
		find(r, CG_F_VERTEX_INDEX_MISSING, c->shard, c->vkey, CG_VERTEX_KEY_LEN, NULL,
		     "the vertex has no %s index entry for \"%.*s\"", cg_index_type_name(itype),
		     (int)len, val);
	cg_buf_free(&k);
	return 0;
}

/* ---- per family ---- */

/* Opens a value as the record type its family needs; reports and returns -1 when it is not. */
static int open_rec(run *r, int shard, const uint8_t *k, size_t kl, const char *v, size_t vl,
		    int type, cg_rec *rec)
{
	cg_err e = { 0 };
	if (cg_rec_open(v, vl, 0, rec, &e) != 0) {
		find(r, CG_F_RECORD_DAMAGED, shard, k, kl, NULL, "%s", e.msg);
		return -1;
	}
	if (rec->type != type) {
		find(r, CG_F_RECORD_WRONG_TYPE, shard, k, kl, NULL, "a %s record under a %s key",
		     cg_rec_type_name(rec->type), cg_rec_type_name(type));
		return -1;
	}
	/* the manifest's version is the oldest record version present (newer code may have added
	 * newer records; cg_rec_open refuses ones newer than this build); older breaks that */
	if (rec->version < r->schema)
		find(r, CG_F_RECORD_SCHEMA, shard, k, kl, NULL,
		     "record schema version %d is older than the store's (%d)", rec->version, r->schema);
	return 0;
}

static void check_vertex(run *r, int sh, const uint8_t *k, size_t kl, const char *v, size_t vl)
{
	cg_rec rec;
	if (kl != CG_VERTEX_KEY_LEN) {
		find(r, CG_F_KEY_MALFORMED, sh, k, kl, NULL, "vertex key of %zu bytes, not %d", kl, CG_VERTEX_KEY_LEN);
		return;
	}
	uint64_t vid = cg_be64_get(k + 1);
	if (cg_store_shard_of(r->s, vid) != sh)
		find(r, CG_F_WRONG_SHARD, sh, k, kl, NULL, "vertex belongs in shard %d", cg_store_shard_of(r->s, vid));
	if (open_rec(r, sh, k, kl, v, vl, CG_REC_VERTEX, &rec) < 0)
		return;
	cg_vertex vx;
	cg_vertex_view(&rec, &vx);
	if (!(vx.flags & CG_VFLAG_STUB) && vx.owner) {
		unit *u = unit_find(r, vx.owner);
		if (u)
			u->by_owner++;
		else
			find(r, CG_F_VERTEX_UNKNOWN_UNIT, sh, k, kl, NULL,
			     "owner unit %016llx has no m:crate metadata", (unsigned long long)vx.owner);
	}
	if (!sampled(r, vid))
		return;
	vctx c = { vid, sh, k };
	if (for_each_entry(r, &vx, expect_entry, &c) < 0)
		r->failed = cg_err_set(r->err, CG_EINTERNAL, "out of memory");
}

/* Does vertex vid exist? 1 yes, 0 no, -1 read error (reported). */
static int vertex_exists(run *r, uint64_t vid)
{
	uint8_t k[CG_VERTEX_KEY_LEN];
	const char *v;
	size_t vl;
	cg_key_vertex(k, vid);
	return get(r, cg_store_shard_of(r->s, vid), k, sizeof k, &v, &vl, "an edge endpoint");
}

/* The two copies of an edge agree: byte for byte, or, when a schema upgrade has rewritten one
 * copy and not yet the other, as decoded values. */
static int same_edge_value(const char *a, size_t al, const char *b, size_t bl)
{
	cg_rec ra, rb;
	cg_edge_val ea, eb;
	if (al == bl && memcmp(a, b, al) == 0)
		return 1;
	if (cg_rec_open(a, al, CG_REC_EDGE, &ra, NULL) || cg_rec_open(b, bl, CG_REC_EDGE, &rb, NULL) ||
	    ra.version == rb.version)
		return 0;
	cg_edge_view(&ra, &ea);
	cg_edge_view(&rb, &eb);
	return ea.owner == eb.owner && ea.line == eb.line && ea.flags == eb.flags && strcmp(ea.file, eb.file) == 0;
}

static void check_twin(run *r, int sh, const uint8_t *k, const cg_edge_key *e, const char *v, size_t vl)
{
	uint8_t twin[CG_EDGE_KEY_LEN];
	uint64_t src = e->reverse ? e->other : e->owner, dst = e->reverse ? e->owner : e->other;
	cg_key_edge(twin, src, e->type, dst, !e->reverse);
	int tsh = cg_store_shard_of(r->s, e->other);
	const char *t;
	size_t tl;
	int got = get(r, tsh, twin, sizeof twin, &t, &tl, "the twin edge");
	if (got == 0) {
		cg_buf_reset(&r->key);
		if (cg_key_format(&r->key, twin, sizeof twin) == 0 && cg_buf_putc(&r->key, 0) == 0)
			find(r, CG_F_EDGE_TWIN_MISSING, sh, k, CG_EDGE_KEY_LEN, NULL,
			     "its %s copy %s is missing from shard %d", e->reverse ? "forward" : "reverse",
			     (const char *)r->key.data, tsh);
	} else if (got > 0) {
		if (!same_edge_value(t, tl, v, vl))
			find(r, CG_F_EDGE_TWIN_MISMATCH, sh, k, CG_EDGE_KEY_LEN, NULL,
			     "its %s copy in shard %d holds a different value (%zu vs %zu bytes)",
			     e->reverse ? "forward" : "reverse", tsh, tl, vl);
	}
}

static void check_edge(run *r, int sh, const uint8_t *k, size_t kl, const char *v, size_t vl)
{
	cg_edge_key e;
	cg_rec rec;
	if (cg_key_edge_decode(k, kl, &e) < 0) {
		find(r, CG_F_KEY_MALFORMED, sh, k, kl, NULL, "not an edge key (%zu bytes or unknown type)", kl);
		return;
	}
	if (cg_store_shard_of(r->s, e.owner) != sh)
		find(r, CG_F_WRONG_SHARD, sh, k, kl, NULL, "edge belongs in shard %d", cg_store_shard_of(r->s, e.owner));
	/* sampled by source vertex: both copies of an edge go with the vertex they leave */
	if (open_rec(r, sh, k, kl, v, vl, CG_REC_EDGE, &rec) < 0 || !sampled(r, e.reverse ? e.other : e.owner))
		return;
	check_twin(r, sh, k, &e, v, vl);
	if (e.reverse)
		return; /* endpoints are checked once, from the forward copy */
	int src_ok = e.owner == r->last_src ? 1 : vertex_exists(r, e.owner);
	if (src_ok == 0)
		find(r, CG_F_EDGE_ENDPOINT_MISSING, sh, k, kl, NULL, "source vertex %016llx does not exist",
		     (unsigned long long)e.owner);
	r->last_src = src_ok > 0 ? e.owner : 0;
	if (vertex_exists(r, e.other) == 0)
		find(r, CG_F_EDGE_ENDPOINT_MISSING, sh, k, kl, NULL, "destination vertex %016llx does not exist",
		     (unsigned long long)e.other);
}

static void count_crate_entry(run *r, const uint8_t *k, size_t kl)
{
	char *name = strndup((const char *)k + 2, kl - 11);
	unit *u = name ? unit_find(r, cg_unit_id(name)) : NULL;
	if (u && strcmp(u->name, name) == 0)
		u->by_index++;
	free(name);
}

/* The index entry must point at a vertex whose record produces exactly this entry. */
static void check_index_target(run *r, int sh, const uint8_t *k, size_t kl, uint64_t vid)
{
	uint8_t vk[CG_VERTEX_KEY_LEN];
	const char *val = NULL;
	size_t vl = 0;
	cg_key_vertex(vk, vid);
	int got = get(r, cg_store_shard_of(r->s, vid), vk, sizeof vk, &val, &vl, "the indexed vertex");
	cg_rec rec;
	cg_err e;
	if (got <= 0)
		val = NULL;
	if (got == 0)
		find(r, CG_F_INDEX_DANGLING, sh, k, kl, NULL, "vertex %016llx does not exist", (unsigned long long)vid);
	if (val && cg_rec_open(val, vl, CG_REC_VERTEX, &rec, &e) == 0) {
		cg_vertex vx;
		cg_vertex_view(&rec, &vx);
		wanted w = { k[1], k + 2, kl - 11 };
		int m = for_each_entry(r, &vx, match_entry, &w);
		if (m < 0)
			r->failed = cg_err_set(r->err, CG_EINTERNAL, "out of memory");
		else if (m == 0)
			find(r, CG_F_INDEX_STALE, sh, k, kl, NULL, "vertex %016llx (%s %s) does not have this %s",
			     (unsigned long long)vid, cg_kind_name(vx.kind), vx.str[CG_VF_PATH],
			     cg_index_type_name(k[1]));
	}
}

static void check_index(run *r, int sh, const uint8_t *k, size_t kl, const char *v, size_t vl)
{
	uint64_t vid;
	cg_rec rec;
	if (cg_key_index_vid(k, kl, &vid) < 0 || !cg_index_type_name(k[1]) ||
	    memchr(k + 2, 0, kl - 11) != NULL) {
		find(r, CG_F_KEY_MALFORMED, sh, k, kl, NULL, "not an index key");
		return;
	}
	if (open_rec(r, sh, k, kl, v, vl, CG_REC_INDEX, &rec) < 0)
		return;
	if (k[1] == CG_IDX_CRATE)
		count_crate_entry(r, k, kl);
	if (sampled(r, vid))
		check_index_target(r, sh, k, kl, vid);
}

static void check_meta(run *r, int sh, const uint8_t *k, size_t kl, const char *v, size_t vl)
{
	cg_rec rec;
	if (kl < 2 || !cg_meta_type_name(k[1])) {
		find(r, CG_F_KEY_MALFORMED, sh, k, kl, NULL, "unknown metadata type");
		return;
	}
	if (open_rec(r, sh, k, kl, v, vl, CG_REC_META, &rec) < 0)
		return;
	json_error_t je;
	json_t *o = json_loads(cg_meta_text(&rec), 0, &je);
	if (!json_is_object(o))
		find(r, CG_F_META_DAMAGED, sh, k, kl, NULL, "not a JSON object: %s", o ? "other JSON" : je.text);
	else if (k[1] == CG_META_CRATE && meta_vertices(&rec, NULL) < 0)
		find(r, CG_F_META_DAMAGED, sh, k, kl, NULL, "no \"vertices\" count");
	json_decref(o);
}

static void check_key(run *r, int sh, const uint8_t *k, size_t kl, const char *v, size_t vl)
{
	r->st->keys++;
	switch (kl ? k[0] : 0) {
	case CG_FAM_VERTEX: r->st->family[0]++; check_vertex(r, sh, k, kl, v, vl); break;
	case CG_FAM_EDGE: r->st->family[1]++; check_edge(r, sh, k, kl, v, vl); break;
	case CG_FAM_INDEX: r->st->family[2]++; check_index(r, sh, k, kl, v, vl); break;
	case CG_FAM_META: r->st->family[3]++; check_meta(r, sh, k, kl, v, vl); break;
	default: find(r, CG_F_KEY_UNKNOWN_FAMILY, sh, k, kl, NULL, "unknown key family"); break;
	}
}

/* ---- the full scan ---- */

/* After a read error, resume just past the damaged file's largest key. Returns 0 with from
 * set, or -1 when the scan cannot go on. */
static int resume_point(run *r, int sh, const char *sst, cg_buf *from)
{
	const cg_sst *f = *sst ? cg_sst_by_name(&r->ssts[sh], sst) : NULL;
	if (!f)
		return -1;
	if (from->len && (f->hi_len + 1 < from->len ? 0 : memcmp(f->hi, from->data, from->len) < 0))
		return -1; /* no progress */
	cg_buf_reset(from);
	if (cg_buf_append(from, f->hi, f->hi_len) < 0 || cg_buf_putc(from, 0) < 0)
		return -1;
	return 0;
}

/* Scans shard sh once, verifying block checksums on the way; returns 1 when it got to the end. */
static int scan_shard(run *r, int sh)
{
	rocksdb_t *db = cg_store_db(r->s, sh);
	cg_buf from = { 0 };
	int complete = 0, skipped = 0;
	for (;;) {
		rocksdb_iterator_t *it = rocksdb_create_iterator(db, r->scan);
		if (from.len)
			rocksdb_iter_seek(it, (const char *)from.data, from.len);
		else
			rocksdb_iter_seek_to_first(it);
		for (; rocksdb_iter_valid(it) && !r->failed; rocksdb_iter_next(it)) {
			size_t kl, vl;
			const uint8_t *k = (const uint8_t *)rocksdb_iter_key(it, &kl);
			const char *v = rocksdb_iter_value(it, &vl);
			check_key(r, sh, k, kl, v, vl);
		}
		char *e = NULL, sst[256];
		rocksdb_iter_get_error(it, &e);
		rocksdb_iter_destroy(it);
		if (!e || r->failed) {
			complete = !e && !r->failed && !skipped;
			break;
		}
		sst_from_message(e, sst, sizeof sst);
		int corrupt = strstr(e, "Corruption") != NULL;
		int stop = resume_point(r, sh, sst, &from) < 0;
		if (!seen_before(r, e))
			find(r, corrupt ? CG_F_SST_CORRUPT : CG_F_READ_ERROR, sh, NULL, 0, *sst ? sst : NULL,
			     "%s%s", e, stop ? "; the rest of the shard was not scanned" : "; skipped past the file");
		rocksdb_free(e);
		skipped = 1;
		if (stop)
			break;
	}
	cg_buf_free(&from);
	return complete;
}

/* ---- manifest <-> shard directories ---- */

static int listed(const cg_store *s, const char *name)
{
	const cg_manifest *m = cg_store_manifest(s);
	for (int i = 0; i < m->shards; i++)
		if (strcmp(m->shard_dirs[i], name) == 0)
			return 1;
	return 0;
}

static void check_layout(run *r)
{
	const cg_manifest *m = cg_store_manifest(r->s);
	for (int i = 0; i < m->shards; i++) {
		struct stat st;
		const char *path = cg_store_shard_path(r->s, i);
		if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			find(r, CG_F_SHARD_MISSING, i, NULL, 0, NULL, "%s: the manifest names it but it is %s",
			     path, errno == ENOENT ? "missing" : "not a directory");
		else if (!cg_store_db(r->s, i))
			find(r, CG_F_SHARD_UNREADABLE, i, NULL, 0, NULL, "%s: %s", path,
			     cg_store_shard_error(r->s, i) ? cg_store_shard_error(r->s, i) : "cannot open");
	}
	DIR *d = opendir(cg_store_dir(r->s));
	for (struct dirent *e; d && (e = readdir(d));)
		if (strncmp(e->d_name, "shard-", 6) == 0 && !listed(r->s, e->d_name))
			find(r, CG_F_SHARD_UNLISTED, -1, NULL, 0, NULL,
			     "%s/%s looks like a shard but the manifest does not list it",
			     cg_store_dir(r->s), e->d_name);
	if (d)
		closedir(d);
}

/* ---- per-unit metadata <-> store ---- */

static void check_units(run *r)
{
	cg_buf k = { 0 };
	for (size_t i = 0; i < r->nunits && !r->failed; i++) {
		const unit *u = &r->units[i];
		/* damaged metadata is reported by the scan; NDJSON units merge run after run and
		 * their metadata counts only the last run, so there is nothing to compare */
		if (u->want < 0 || u->ndjson || (u->want == u->by_owner && u->want == u->by_index))
			continue;
		if (cg_key_meta(&k, CG_META_CRATE, u->name, strlen(u->name)) < 0) {
			r->failed = cg_err_set(r->err, CG_EINTERNAL, "out of memory");
			break;
		}
		find(r, CG_F_META_COUNT_MISMATCH, u->shard, k.data, k.len, NULL,
		     "metadata says %lld vertices; the store has %lld indexed under i:crate:%s and %lld owned by the unit",
		     u->want, u->by_index, u->name, u->by_owner);
	}
	cg_buf_free(&k);
}

int cg_verify_run(cg_store *s, const cg_verify_opts *o, cg_verify_report_fn report, void *ctx,
		  cg_verify_stats *st, cg_err *err)
{
	double t0 = cg_clock_us() / 1e6;
	run r = { .s = s, .sample = o->sample, .report = report, .ctx = ctx, .st = st, .err = err };
	memset(st, 0, sizeof *st);
	st->shards = cg_store_nshards(s);
	r.schema = cg_store_manifest(s)->schema_version;
	r.scan = rocksdb_readoptions_create();
	rocksdb_readoptions_set_verify_checksums(r.scan, 1);
	rocksdb_readoptions_set_fill_cache(r.scan, 0); /* one pass over everything: do not evict the hot set */
	rocksdb_readoptions_set_total_order_seek(r.scan, 1);
	r.lookup = rocksdb_readoptions_create();
	rocksdb_readoptions_set_verify_checksums(r.lookup, 1);
	rocksdb_readoptions_set_total_order_seek(r.lookup, 1);
	for (int sh = 0; sh < st->shards && !r.failed; sh++) {
		if (cg_store_db(s, sh) && cg_sst_list(cg_store_db(s, sh), &r.ssts[sh], err) != CG_OK)
			r.failed = err->code;
		st->sst_bytes += r.ssts[sh].bytes;
		st->sst_files += r.ssts[sh].n;
	}
	if (!r.failed)
		check_layout(&r);
	if (!r.failed)
		load_units(&r);
	for (int sh = 0; sh < st->shards && !r.failed; sh++)
		if (cg_store_db(s, sh))
			st->shards_read += scan_shard(&r, sh);
	if (!r.failed && st->shards_read == st->shards)
		check_units(&r); /* counts from a partial scan would only add false findings */
	for (int sh = 0; sh < st->shards; sh++) {
		if (r.look[sh])
			rocksdb_iter_destroy(r.look[sh]); /* before the store closes its dbs */
		cg_sst_free(&r.ssts[sh]);
	}
	for (size_t i = 0; i < r.nunits; i++)
		free(r.units[i].name);
	free(r.units);
	for (size_t i = 0; i < r.nseen; i++)
		free(r.seen[i]);
	free(r.seen);
	cg_buf_free(&r.text);
	cg_buf_free(&r.key);
	cg_buf_free(&r.detail);
	rocksdb_readoptions_destroy(r.scan);
	rocksdb_readoptions_destroy(r.lookup);
	st->seconds = (cg_clock_us() / 1e6) - t0;
	return r.failed;
}

/* ---- Prometheus textfile-collector output ---- */

/* Label values escape backslash, double quote and newline. */
static int put_label(cg_buf *b, const char *s)
{
	int rc = 0;
	for (; *s && !rc; s++)
		rc = *s == '\\' || *s == '"' ? cg_buf_printf(b, "\\%c", *s)
		     : *s == '\n' ? cg_buf_printf(b, "\\n") : cg_buf_putc(b, (uint8_t)*s);
	return rc;
}

static int metric(cg_buf *b, const char *name, const char *type, const char *help)
{
	return cg_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int sample_line(cg_buf *b, const char *name, const char *store, const char *label,
		       const char *value, double v)
{
	if (cg_buf_printf(b, "%s{store=\"", name) || put_label(b, store))
		return -1;
	if (label && (cg_buf_printf(b, "\",%s=\"%s", label, value)))
		return -1;
	return cg_buf_printf(b, "\"} %.17g\n", v);
}

/* The counts of a check that ran. */
static int check_metrics(cg_buf *b, const char *store, const cg_verify_stats *st, unsigned sample)
{
	static const char *const fam[4] = { "v", "e", "i", "m" };
	int rc = metric(b, "cg_verify_keys", "gauge", "Keys read by the last check, by key family.");
	for (int i = 0; i < 4 && !rc; i++)
		rc = sample_line(b, "cg_verify_keys", store, "family", fam[i], (double)st->family[i]);
	rc = rc || metric(b, "cg_verify_problems", "gauge", "Problems found by the last check.") ||
	     sample_line(b, "cg_verify_problems", store, NULL, NULL, (double)st->problems) ||
	     metric(b, "cg_verify_findings", "gauge", "Problems found by the last check, by finding.");
	for (int i = 0; i < CG_F_NKINDS && !rc; i++)
		rc = sample_line(b, "cg_verify_findings", store, "finding", finding_names[i], (double)st->by_kind[i]);
	return rc || metric(b, "cg_verify_sst_bytes", "gauge", "Bytes in live SST files over all shards.") ||
	       sample_line(b, "cg_verify_sst_bytes", store, NULL, NULL, (double)st->sst_bytes) ||
	       metric(b, "cg_verify_sst_files", "gauge", "Live SST files over all shards.") ||
	       sample_line(b, "cg_verify_sst_files", store, NULL, NULL, (double)st->sst_files) ||
	       metric(b, "cg_verify_units", "gauge", "Units (crates, NDJSON units) with metadata.") ||
	       sample_line(b, "cg_verify_units", store, NULL, NULL, (double)st->units) ||
	       metric(b, "cg_verify_shards_unread", "gauge", "Shards the check could not read to the end.") ||
	       sample_line(b, "cg_verify_shards_unread", store, NULL, NULL, (double)(st->shards - st->shards_read)) ||
	       metric(b, "cg_verify_sample", "gauge", "1 for a full check, N when 1 in N items was cross-checked.") ||
	       sample_line(b, "cg_verify_sample", store, NULL, NULL, sample > 1 ? (double)sample : 1.0) ||
	       metric(b, "cg_verify_duration_seconds", "gauge", "Time the last check took.") ||
	       sample_line(b, "cg_verify_duration_seconds", store, NULL, NULL, st->seconds);
}

#define LAST_SUCCESS "cg_verify_last_success_timestamp_seconds"

/* The last success recorded in an earlier metrics file at path; 0 when there is none. */
static double previous_success(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	double when = 0;
	while (f && getline(&line, &cap, f) > 0) {
		const char *close = strstr(line, "} ");
		if (!strncmp(line, LAST_SUCCESS "{", sizeof LAST_SUCCESS) && close)
			when = strtod(close + 2, NULL);
	}
	free(line);
	if (f)
		fclose(f);
	return when;
}

/* A check that could not run (st NULL) says so, and keeps no counts that would look current. */
static int metrics_text(cg_buf *b, const char *path, const char *store, const cg_verify_stats *st,
			unsigned sample)
{
	struct timespec now_ts;
	clock_gettime(CLOCK_REALTIME, &now_ts);
	int success = st && st->shards_read == st->shards;
	double last_success = success ? (double)now_ts.tv_sec : previous_success(path);
	return (st && check_metrics(b, store, st, sample)) ||
	       metric(b, "cg_verify_success", "gauge", "1 when the last check ran and read every shard, else 0.") ||
	       sample_line(b, "cg_verify_success", store, NULL, NULL, success) ||
	       metric(b, "cg_verify_last_run_timestamp_seconds", "gauge", "When the last check finished (Unix time).") ||
	       sample_line(b, "cg_verify_last_run_timestamp_seconds", store, NULL, NULL, (double)now_ts.tv_sec) ||
	       metric(b, LAST_SUCCESS, "gauge", "When a check last succeeded (Unix time; 0: never).") ||
	       sample_line(b, LAST_SUCCESS, store, NULL, NULL, last_success);
}

int cg_verify_write_metrics(const char *path, const char *store, const cg_verify_stats *st,
			    unsigned sample, cg_err *err)
{
	cg_buf b = { 0 };
	char *tmp = NULL;
	int rc = CG_OK;
	if (metrics_text(&b, path, store, st, sample) || asprintf(&tmp, "%s.tmp", path) < 0) {
		tmp = NULL;
		rc = cg_err_set(err, CG_EINTERNAL, "out of memory");
		goto out;
	}
	FILE *f = fopen(tmp, "w");
	if (!f) {
		rc = cg_err_sys(err, CG_EIO, errno, "%s", tmp);
		goto out;
	}
	size_t n = fwrite(b.data, 1, b.len, f);
	int bad = n != b.len || fflush(f) != 0 || fsync(fileno(f)) != 0;
	if (fclose(f) != 0 || bad) {
		rc = cg_err_sys(err, CG_EIO, errno, "%s", tmp);
		unlink(tmp);
	} else if (rename(tmp, path) < 0) {
		rc = cg_err_sys(err, CG_EIO, errno, "%s", path);
		unlink(tmp);
	}
out:
	free(tmp);
	cg_buf_free(&b);
	return rc;
}

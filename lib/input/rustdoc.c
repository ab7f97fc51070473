/* rustdoc: read one rustdoc JSON file (formats 54 to 57, rustdoc.h) into a crate's graph.
 *
 * One parse into a jdoc (jdoc.h; jansson only words the error when the text is not JSON),
 * then passes over a table of the file's local ids (index + paths):
 * structure (who contains whom, which impls are synthetic), paths (defining paths, with
 * synthesised ones for impls, their items, fields), vertices, then edges. Local ids are only
 * keys of that table; everything written to the graph is keyed by vid. */
#include "rustdoc.h"

#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "base/buf.h"
#include "codec/keys.h"
#include "jdoc.h"
#include "rustdoc_int.h"

/* ---- Cargo.lock: this crate's package and the versions its dependencies resolve to ---- */

/* Packages reachable from pkg in breadth-first order, so that a name resolves to the
 * version nearest to this crate when a lockfile holds several. */
static int lock_closure(rd *r, const cg_lock_pkg *pkg)
{
	const cg_lockfile *l = r->o.lock;
	size_t n = cg_lockfile_count(l);
	const cg_lock_pkg *base = cg_lockfile_at(l, 0);
	unsigned char *seen = calloc(n, 1);
	r->order = malloc(n * sizeof *r->order);
	if (!seen || !r->order) {
		free(seen);
		return rd_oom(r);
	}
	r->order[r->norder++] = pkg;
	seen[pkg - base] = 1;
	for (size_t head = 0; head < r->norder; head++) {
		const cg_lock_pkg *p = r->order[head];
		for (size_t i = 0; i < p->ndeps; i++) {
			const cg_lock_pkg *d = cg_lockfile_dep(l, &p->deps[i]);
			if (d && !seen[d - base]) {
				seen[d - base] = 1;
				r->order[r->norder++] = d;
			}
		}
	}
	free(seen);
	return 0;
}

static const char *lock_version(const rd *r, const char *crate)
{
	for (size_t i = 1; i < r->norder; i++)
		if (cg_lock_namecmp(r->order[i]->name, crate) == 0)
			return r->order[i]->version;
	const cg_lock_pkg *p = r->o.lock ? cg_lockfile_find(r->o.lock, crate, NULL) : NULL;
	return p ? p->version : "";
}

static int resolve_versions(rd *r, const char *crate_version)
{
	const cg_lockfile *l = r->o.lock;
	if (l)
		r->pkg = cg_lockfile_find(l, r->crate, crate_version);
	r->version = crate_version ? crate_version : r->pkg ? r->pkg->version : "";
	if (r->pkg && lock_closure(r, r->pkg))
		return CG_EINTERNAL;
	for (size_t i = 0; i < r->nxc; i++)
		if (!r->xc[i].is_std)
			r->xc[i].version = lock_version(r, r->xc[i].name);
	return 0;
}

/* ---- the entry point ---- */

static void rd_free(rd *r)
{
	free(r->e);
	free(r->tab);
	free(r->xc);
	free(r->order);
	free(r->depends);
	cg_buf_free(&r->b);
}

static int is_hex64(const char *s)
{
	if (!s || strlen(s) != 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
			return 0;
	return 1;
}

static int set_info(rd *r, const char *buf, size_t len)
{
	char sum[40];
	const char *checksum = r->pkg && is_hex64(r->pkg->checksum) ? r->pkg->checksum : sum;
	if (checksum == sum) /* hashed only when Cargo.lock has none: a pass over the whole file */
		snprintf(sum, sizeof sum, "xxh3:%016llx", (unsigned long long)XXH3_64bits(buf, len));
	cg_unit_info info = { .name = r->crate, .version = r->version, .checksum = checksum,
			      .features = r->o.features, .source = r->name, .bytes = len,
			      .depends = r->depends, .format_version = r->format_version };
	return cg_graph_set_info(r->g, &info) < 0 ? rd_oom(r) : 0;
}

/* Top-level fields, format check first so that other versions get the clear message. */
static int read_top(rd *r, const cg_jv **index, const cg_jv **paths, const cg_jv **ext, const char **crate_version)
{
	const cg_jv *fv = rd_field(r, NULL, r->doc, "format_version", J_INT);
	if (!fv)
		return CG_EDATA;
	int64_t v = cg_jv_int(fv);
	if (v < CG_RUSTDOC_FORMAT_MIN)
		return cg_err_set(r->err, CG_EDATA, "%s: format_version %lld is not supported (supported: %d to %d)",
				  r->name, (long long)v, CG_RUSTDOC_FORMAT_MIN, CG_RUSTDOC_FORMAT_VERSION);
	r->format_version = (int)(v > INT_MAX ? INT_MAX : v);
	const cg_jv *root = rd_field(r, NULL, r->doc, "root", J_INT);
	const cg_jv *cv = root ? rd_field(r, NULL, r->doc, "crate_version", J_STR | J_NULL) : NULL;
	if (!cv || !(*index = rd_field(r, NULL, r->doc, "index", J_OBJ)) ||
	    !(*paths = rd_field(r, NULL, r->doc, "paths", J_OBJ)) ||
	    !(*ext = rd_field(r, NULL, r->doc, "external_crates", J_OBJ)))
		return CG_EDATA;
	*crate_version = cg_jv_str(cv);
	int64_t rid = cg_jv_int(root);
	if (rid < 0 || rid > UINT32_MAX)
		return rd_fail(r, NULL, "%s", "root: not an item id");
	r->root_id = (uint32_t)rid;
	return 0;
}

static int find_root(rd *r)
{
	ent *root = rd_ent(r, r->root_id);
	if (!root || !root->item || root->kind != CG_KIND_MODULE)
		return rd_fail(r, NULL, "%s", "root: not a module in index");
	rd_loc at_index = { NULL, "index", 0 }, at = { &at_index, root->key, 0 };
	const cg_jv *name = rd_field(r, &at, root->item, "name", J_STR);
	if (!name)
		return CG_EDATA;
	root->kind = CG_KIND_CRATE;
	r->root = root;
	r->crate = cg_jv_str(name);
	return 0;
}

/* jansson refuses what jdoc refuses (jdoc.h) and says where and why: its message is the one
 * users have always seen. */
static int invalid_json(const char *name, const char *buf, size_t len, cg_err *err)
{
	json_error_t jerr;
	json_t *doc = json_loadb(buf, len, 0, &jerr);
	if (!doc)
		return cg_err_set(err, CG_EDATA, "%s: line %d: invalid JSON: %s", name, jerr.line, jerr.text);
	json_decref(doc);
	return cg_err_set(err, CG_EINTERNAL, "%s: the JSON reader refused what jansson reads", name);
}

int cg_rustdoc_read(const char *name, const char *buf, size_t len, const cg_rustdoc_opts *o,
		    cg_graph **out, cg_err *err)
{
	*out = NULL;
	cg_err scratch;
	rd r = { .name = name, .err = err ? err : &scratch };
	if (o)
		r.o = *o;
	int rc;
	if (!(r.doc = cg_jdoc_parse(buf, len, &rc)))
		return rc == CG_EDATA ? invalid_json(name, buf, len, r.err) : rd_oom(&r);
	const cg_jv *index = NULL, *paths = NULL, *ext = NULL;
	const char *crate_version = NULL;
	if (!cg_jv_is_obj(r.doc))
		rc = cg_err_set(err, CG_EDATA, "%s: not a rustdoc JSON object", name);
	else if (!(rc = read_top(&r, &index, &paths, &ext, &crate_version)) && !(rc = rd_load(&r, index, paths, ext)) &&
		 !(rc = find_root(&r)) &&
		 !(rc = resolve_versions(&r, crate_version))) {
		char *unit = NULL;
		if (asprintf(&unit, "%s@%s", r.crate, r.version) < 0 || !(r.g = cg_graph_new(unit)))
			rc = rd_oom(&r);
		free(unit);
		if (!rc && !(rc = rd_build(&r)) && !(rc = set_info(&r, buf, len)))
			cg_graph_dedupe_edges(r.g);
	}
	if (rc && r.format_version > CG_RUSTDOC_FORMAT_VERSION && rc == CG_EDATA && err &&
	    strlen(err->msg) + 80 < sizeof err->msg) /* the likely cause, said where it shows */
		snprintf(err->msg + strlen(err->msg), sizeof err->msg - strlen(err->msg),
			 " (format_version %d is newer than any this cg knows: read as %d)", r.format_version,
			 CG_RUSTDOC_FORMAT_VERSION);
	if (rc)
		cg_graph_free(r.g);
	else
		*out = r.g;
	rd_free(&r);
	return rc;
}

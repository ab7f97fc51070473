/* workspace: the m:workspace:NAME record, and workspace ingests and removals planned as one
 * change through cg_ingest_with. */
#include "workspace.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest_ws.h"
#include "codec/record.h"
#include "store/scan.h"

static int oom(cg_err *err)
{
	return cg_err_set(err, CG_EINTERNAL, "out of memory");
}

int cg_ws_check_name(const char *name, cg_err *err)
{
	size_t n = strlen(name);
	int ok = n > 0 && n <= 200;
	for (const unsigned char *p = (const unsigned char *)name; *p && ok; p++)
		ok = *p >= 0x20 && *p != 0x7f;
	return ok ? CG_OK : cg_err_set(err, CG_EUSAGE, "workspace name '%s' must be 1 to 200 printable characters", name);
}

int cg_ws_default_name(const char *dir, char *out, size_t size, cg_err *err)
{
	char real[PATH_MAX];
	if (!realpath(dir, real))
		return cg_err_sys(err, CG_ENOINPUT, errno, "%s", dir);
	const char *slash = strrchr(real, '/');
	snprintf(out, size, "%s", slash && slash[1] ? slash + 1 : real);
	return cg_ws_check_name(out, err);
}

/* ---- units other workspaces list ---- */

typedef struct others {
	const char *skip; /* the workspace being changed */
	json_t *units;    /* unit -> true */
	cg_err *err;
} others;

static void add_list(json_t *set, json_t *list)
{
	size_t i;
	json_t *u;
	json_array_foreach(list, i, u)
		if (json_is_string(u))
			json_object_set_new(set, json_string_value(u), json_true());
}

static int other_visit(void *ctx, const uint8_t *k, size_t kl, const uint8_t *v, size_t vl)
{
	others *o = ctx;
	if (kl - 2 == strlen(o->skip) && !memcmp(k + 2, o->skip, kl - 2))
		return CG_OK;
	cg_rec rec;
	if (cg_rec_open(v, vl, CG_REC_META, &rec, o->err))
		return cg_err_prefix(o->err, "m:workspace:%.*s", (int)(kl - 2), (const char *)k + 2), o->err->code;
	json_t *r = json_loads(cg_meta_text(&rec), 0, NULL);
	if (!r)
		return cg_err_set(o->err, CG_EDATA, "m:workspace:%.*s: not JSON", (int)(kl - 2), (const char *)k + 2);
	add_list(o->units, json_object_get(r, "members"));
	add_list(o->units, json_object_get(r, "dependencies"));
	json_decref(r);
	return CG_OK;
}

static int other_units(cg_store *s, const char *name, json_t **set, cg_err *err)
{
	uint8_t prefix[2] = { CG_FAM_META, CG_META_WORKSPACE };
	others o = { name, json_object(), err };
	cg_scanner *sc = cg_scanner_new(s);
	int rc = o.units && sc ? cg_scan_prefix(sc, 0, prefix, sizeof prefix, other_visit, &o, err) : oom(err);
	cg_scanner_free(sc);
	if (rc)
		json_decref(o.units);
	*set = rc ? NULL : o.units;
	return rc;
}

/* ---- removal list ---- */

typedef struct unit_set {
	char **units;
	size_t n;
} unit_set;

static void set_free(unit_set *u)
{
	for (size_t i = 0; i < u->n; i++)
		free(u->units[i]);
	free(u->units);
	memset(u, 0, sizeof *u);
}

static int set_add(unit_set *u, const char *unit)
{
	char **p = realloc(u->units, (u->n + 1) * sizeof *p);
	if (!p)
		return -1;
	u->units = p;
	return (p[u->n] = strdup(unit)) ? (u->n++, 0) : -1;
}

/* Units of the record's lists that are in neither keep nor others: to remove; in others: kept. */
static int split(json_t *record, json_t *keep, json_t *others_set, unit_set *gone, unit_set *kept)
{
	static const char *const lists[] = { "members", "dependencies" };
	for (int l = 0; l < 2; l++) {
		size_t i;
		json_t *u;
		json_array_foreach(json_object_get(record, lists[l]), i, u) {
			const char *unit = json_string_value(u);
			if (!unit || (keep && json_object_get(keep, unit)))
				continue;
			if (set_add(json_object_get(others_set, unit) ? kept : gone, unit) < 0)
				return -1;
		}
	}
	return 0;
}

static int ws_apply(cg_store *s, cg_graph **graphs, size_t n, const cg_ingest_opts *o,
		    cg_unit_result *res, const unit_set *gone, const char *name, int record,
		    const char *json, cg_ws_outcome *out, cg_err *err)
{
	out->removed = calloc(gone->n ? gone->n : 1, sizeof *out->removed);
	if (!out->removed)
		return oom(err);
	cg_ingest_extra x = { (const char *const *)gone->units, gone->n, out->removed,
			      record ? CG_META_WORKSPACE : 0, name, json };
	int rc = cg_ingest_with(s, graphs, n, o, res, &x, err);
	/* a listed unit that was not stored (removed by hand) is not reported */
	for (size_t i = 0; i < gone->n && !rc; i++)
		if (out->removed[i].status)
			out->removed[out->nremoved++] = out->removed[i];
	return rc;
}

/* ---- ingest ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

static json_t *sorted_array(json_t *set)
{
	size_t n = json_object_size(set), i = 0;
	json_t **items = malloc((n ? n : 1) * sizeof *items), *arr = json_array();
	const char *key;
	json_t *v;
	if (!items || !arr) {
		free(items);
		json_decref(arr);
		return NULL;
	}
	json_object_foreach(set, key, v)
		items[i++] = json_string(key);
	qsort(items, n, sizeof *items, cmp_str);
	for (i = 0; i < n; i++)
		json_array_append_new(arr, items[i]);
	free(items);
	return arr;
}

static int is_member(const cg_ws_spec *w, const cg_unit_info *in)
{
	if (!w->lock)
		return 1;
	const cg_lock_pkg *p = cg_lockfile_find(w->lock, in->name, in->version);
	return p && !p->source;
}

/* Adds the units of list that Cargo.lock still resolves ("name@version"): a run whose doc
 * directory holds only some crates (say, members rebuilt with a feature) keeps the others,
 * and only crates gone from the lockfile leave the workspace. */
static void add_still_locked(json_t *set, json_t *list, const cg_lockfile *lock)
{
	size_t i;
	json_t *u;
	json_array_foreach(list, i, u) {
		const char *unit = json_string_value(u), *at = unit ? strrchr(unit, '@') : NULL;
		char name[256];
		if (!at || (size_t)(at - unit) >= sizeof name)
			continue;
		snprintf(name, sizeof name, "%.*s", (int)(at - unit), unit);
		if (cg_lockfile_find(lock, name, at + 1))
			json_object_set_new(set, unit, json_true());
	}
}

/* Another directory's workspace under this name: refused unless the name is to move. */
static int check_root(const cg_ws_spec *w, json_t *old, cg_err *err)
{
	const char *held = json_string_value(json_object_get(old, "root"));
	if (w->move || !held || !w->root || strcmp(held, w->root) == 0)
		return CG_OK;
	return cg_err_set(err, CG_EEXISTS, "workspace name '%s' is held by %s: give --name to record %s "
			  "under another name, or --move-workspace to move the name here", w->name, held, w->root);
}

/* The new record without its time; when some input failed, the old lists stay in it. */
static json_t *build_record(const cg_ws_spec *w, cg_graph **graphs, size_t n, json_t *old)
{
	json_t *members = json_object(), *deps = json_object();
	for (size_t i = 0; i < n; i++) {
		const cg_unit_info *in = cg_graph_info(graphs[i]);
		json_object_set_new(is_member(w, in) ? members : deps, cg_graph_unit(graphs[i]), json_true());
	}
	if (!w->complete && old) {
		add_list(members, json_object_get(old, "members"));
		add_list(deps, json_object_get(old, "dependencies"));
	} else if (old && w->lock) {
		add_still_locked(members, json_object_get(old, "members"), w->lock);
		add_still_locked(deps, json_object_get(old, "dependencies"), w->lock);
	}
	json_t *m = sorted_array(members), *d = sorted_array(deps);
	json_decref(members);
	json_decref(deps);
	if (!m || !d) {
		json_decref(m);
		json_decref(d);
		return NULL;
	}
	return json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:s, s:o, s:o}", "name", w->name, "root", w->root,
			 "lockfile", w->lockfile, "lock_digest", w->lock_digest, "doc_dir", w->doc_dir,
			 "features", w->features ? w->features : "", "members", m, "dependencies", d);
}

static char *stamp(json_t *rec)
{
	char when[32];
	time_t now = time(NULL);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	json_object_set_new(rec, "ingested", json_string(when));
	return json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

int cg_ws_ingest(cg_store *s, const cg_ws_spec *w, cg_graph **graphs, size_t n,
		 const cg_ingest_opts *o, cg_unit_result *res, cg_ws_outcome *out, cg_err *err)
{
	memset(out, 0, sizeof *out);
	char *old_text = NULL, *text = NULL;
	json_t *old = NULL, *rec = NULL, *others_set = NULL, *keep = NULL;
	unit_set gone = { 0 }, kept = { 0 };
	int rc = cg_ws_check_name(w->name, err);
	if (!rc)
		rc = cg_ingest_meta(s, CG_META_WORKSPACE, w->name, &old_text, err);
	if (!rc && old_text && !(old = json_loads(old_text, 0, NULL)))
		rc = cg_err_set(err, CG_EDATA, "m:workspace:%s: not JSON", w->name);
	if (!rc && old)
		rc = check_root(w, old, err);
	if (!rc && !(rec = build_record(w, graphs, n, old)))
		rc = oom(err);
	if (!rc)
		rc = other_units(s, w->name, &others_set, err);
	if (!rc && old && (!(keep = json_object()) || (add_list(keep, json_object_get(rec, "members")),
						       add_list(keep, json_object_get(rec, "dependencies")),
						       split(old, keep, others_set, &gone, &kept) < 0)))
		rc = oom(err);
	int same = 0;
	if (!rc && old) {
		json_object_del(old, "ingested");
		same = json_equal(old, rec);
	}
	out->status = !old ? "added" : same ? "unchanged" : "replaced";
	if (!rc && !(text = same ? strdup(old_text) : stamp(rec)))
		rc = oom(err);
	if (!rc)
		rc = ws_apply(s, graphs, n, o, res, &gone, w->name, !same, text, out, err);
	if (!rc) {
		out->record = text;
		text = NULL;
	}
	free(text);
	free(old_text);
	json_decref(old);
	json_decref(rec);
	json_decref(others_set);
	json_decref(keep);
	set_free(&gone);
	set_free(&kept);
	return rc;
}

/* ---- removal ---- */

int cg_ws_remove(cg_store *s, const char *name, cg_ws_outcome *out, cg_err *err)
{
	memset(out, 0, sizeof *out);
	char *text = NULL;
	json_t *rec = NULL, *others_set = NULL;
	unit_set gone = { 0 }, kept = { 0 };
	int rc = cg_ws_check_name(name, err);
	if (!rc)
		rc = cg_ingest_meta(s, CG_META_WORKSPACE, name, &text, err);
	if (!rc && !text)
		rc = cg_err_set(err, CG_ENOINPUT, "%s: no such workspace in the store", name);
	if (!rc && !(rec = json_loads(text, 0, NULL)))
		rc = cg_err_set(err, CG_EDATA, "m:workspace:%s: not JSON", name);
	if (!rc)
		rc = other_units(s, name, &others_set, err);
	if (!rc && split(rec, NULL, others_set, &gone, &kept) < 0)
		rc = oom(err);
	if (!rc) {
		out->status = "removed";
		rc = ws_apply(s, NULL, 0, &(cg_ingest_opts){ 0 }, NULL, &gone, name, 1, NULL, out, err);
	}
	if (!rc) {
		out->record = text;
		out->kept = kept.units;
		out->nkept = kept.n;
		text = NULL;
		memset(&kept, 0, sizeof kept);
	}
	free(text);
	json_decref(rec);
	json_decref(others_set);
	set_free(&gone);
	set_free(&kept);
	return rc;
}

void cg_ws_outcome_free(cg_ws_outcome *out)
{
	free(out->record);
	free(out->removed);
	for (size_t i = 0; i < out->nkept; i++)
		free(out->kept[i]);
	free(out->kept);
	memset(out, 0, sizeof *out);
}

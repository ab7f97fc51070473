/* query_find: the vertex and find queries — vertices by reference, by name, prefix, kind,
 * crate or file. */
#include "resolve.h"

#include <stdio.h>
#include <string.h>

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

struct find {
	q_run *run;
	int kind;
	const char *crate;
	size_t crate_len; /* of the name part; version follows '@' when given */
	const char *version;
};

static int find_visit(void *ctx, uint64_t vid, const char *value, size_t vlen, cg_err *err)
{
	(void)value, (void)vlen;
	struct find *f = ctx;
	const q_query *qq = f->run->qq;
	cg_vertex v;
	int found, rc = cg_read_vertex(f->run->q->r, vid, &v, &found, err);
	if (rc || !found)
		return rc;
	const char *name = v.str[CG_VF_NAME], *crate = v.str[CG_VF_CRATE];
	if ((qq->name && strcmp(name, qq->name)) ||
	    (qq->prefix && strncmp(name, qq->prefix, strlen(qq->prefix))) ||
	    (f->kind && v.kind != f->kind) || (qq->file && strcmp(v.str[CG_VF_FILE], qq->file)) ||
	    (f->crate && (strlen(crate) != f->crate_len || strncmp(crate, f->crate, f->crate_len))) ||
	    (f->version && strcmp(v.str[CG_VF_VERSION], f->version)) || !q_in_ws(f->run, &v))
		return CG_OK;
	return q_emit(f->run, &(q_result){ vid, &v, NULL, -1, -1, NULL, NULL }, err);
}

/* Drives the scan from the most selective index given, filters the rest on the record. */
int q_find(q_run *run, cg_err *err)
{
	const q_query *qq = run->qq;
	struct find f = { run, qq->kind ? cg_kind_parse(qq->kind) : 0, qq->crate, 0, NULL };
	char crate_prefix[512];
	if (qq->crate) {
		const char *at = strchr(qq->crate, '@');
		f.crate_len = at ? (size_t)(at - qq->crate) : strlen(qq->crate);
		f.version = at ? at + 1 : NULL;
		snprintf(crate_prefix, sizeof crate_prefix, "%.*s@", (int)f.crate_len, qq->crate);
	}
	int itype, exact = 1;
	const char *value;
	if (qq->name)
		itype = CG_IDX_NAME, value = qq->name;
	else if (qq->prefix)
		itype = CG_IDX_NAME, value = qq->prefix, exact = 0;
	else if (qq->file)
		itype = CG_IDX_FILE, value = qq->file;
	else if (qq->crate)
		itype = CG_IDX_CRATE, value = f.version ? qq->crate : crate_prefix, exact = f.version != NULL;
	else
		itype = CG_IDX_KIND, value = qq->kind;
	q_plan(run, "scan i:%s:%s%s in every shard, get each vertex (cache first), filter the rest",
	       cg_index_type_name(itype), value, exact ? ":" : "*");
	return cg_read_index(run->q->r, itype, value, exact, find_visit, &f, err);
}


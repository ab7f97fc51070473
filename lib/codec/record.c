/* record: encode and check the versioned, checksummed values. */
#include "record.h"

#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#define VERTEX_V1_FIXED_LEN (16 + 8 * CG_VF_N)
#define VERTEX_FIXED_LEN (VERTEX_V1_FIXED_LEN + 8) /* version 2: end_line, column */
#define EDGE_FIXED_LEN 24

static const char *const kind_names[CG_KIND_NKINDS] = {
	"unknown", "crate", "module", "struct", "enum", "variant", "field", "union", "trait",
	"trait_alias", "function", "method", "impl", "const", "static", "type_alias", "macro",
	"proc_macro", "assoc_type", "assoc_const", "primitive", "foreign_type", "extern_crate",
};
static const char *const vis_names[CG_VIS_NVIS] = { "unknown", "public", "crate", "restricted", "default" };
static const char *const rec_names[] = { "?", "vertex", "edge", "index", "meta" };

static void le32_put(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static void le64_put(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint32_t le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64_get(const uint8_t *p)
{
	return (uint64_t)le32_get(p) | (uint64_t)le32_get(p + 4) << 32;
}

static uint64_t body_sum(const uint8_t *body, size_t len, int type, int version)
{
	return XXH3_64bits_withSeed(body, len, (uint64_t)(type << 8 | version));
}

/* Starts a record in out: header with a zero length and sum, to be sealed by finish(). */
static int begin(cg_buf *out, int type)
{
	cg_buf_reset(out);
	uint8_t h[CG_REC_HEADER_LEN] = { 'c', 'g', (uint8_t)type, CG_SCHEMA_VERSION };
	return cg_buf_append(out, h, sizeof h);
}

static int reserve_fixed(cg_buf *out, size_t n)
{
	if (cg_buf_reserve(out, n + 1) < 0)
		return -1;
	memset(out->data + out->len, 0, n);
	out->len += n;
	return 0;
}

/* Appends s to the string area and stores its reference at body offset ref_at. */
static int put_str(cg_buf *out, size_t ref_at, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	size_t off = out->len - CG_REC_HEADER_LEN;
	if (n > UINT32_MAX || off > UINT32_MAX)
		return -1;
	if (cg_buf_append(out, s ? s : "", n) < 0 || cg_buf_putc(out, 0) < 0)
		return -1;
	uint8_t *ref = out->data + CG_REC_HEADER_LEN + ref_at;
	le32_put(ref, (uint32_t)off);
	le32_put(ref + 4, (uint32_t)n);
	return 0;
}

static int finish(cg_buf *out)
{
	size_t len = out->len - CG_REC_HEADER_LEN;
	if (len > UINT32_MAX)
		return -1;
	uint8_t *h = out->data;
	le32_put(h + 4, (uint32_t)len);
	le64_put(h + 8, body_sum(h + CG_REC_HEADER_LEN, len, h[2], h[3]));
	return 0;
}

static const char *str_at(const cg_rec *rec, size_t ref_at)
{
	uint32_t off = le32_get(rec->body + ref_at);
	return (const char *)rec->body + off;
}

/* Every string reference must lie inside the string area (after the fixed part) and end
 * with a NUL. */
static int check_strs(const cg_rec *rec, size_t fixed, size_t first_ref, int nrefs)
{
	if (rec->len < fixed)
		return -1;
	for (int i = 0; i < nrefs; i++) {
		const uint8_t *ref = rec->body + first_ref + 8 * (size_t)i;
		uint64_t off = le32_get(ref), n = le32_get(ref + 4);
		if (off < fixed || off + n >= rec->len || rec->body[off + n] != 0)
			return -1;
	}
	return 0;
}

static int check_body(const cg_rec *rec)
{
	switch (rec->type) {
	case CG_REC_VERTEX:
		return check_strs(rec, rec->version == 1 ? VERTEX_V1_FIXED_LEN : VERTEX_FIXED_LEN, 16, CG_VF_N);
	case CG_REC_EDGE:
		return check_strs(rec, EDGE_FIXED_LEN, 16, 1);
	case CG_REC_INDEX:
		return rec->len == 0 ? 0 : -1;
	case CG_REC_META:
		return rec->len >= 1 && rec->body[rec->len - 1] == 0 ? 0 : -1;
	}
	return -1;
}

int cg_rec_open(const void *buf, size_t len, int want_type, cg_rec *out, cg_err *err)
{
	const uint8_t *p = buf;
	if (len < CG_REC_HEADER_LEN)
		return cg_err_set(err, CG_EDATA, "record truncated: %zu bytes, header needs %d", len,
				  CG_REC_HEADER_LEN);
	if (p[0] != 'c' || p[1] != 'g')
		return cg_err_set(err, CG_EDATA, "bad record magic %02x%02x", p[0], p[1]);
	if (p[2] < CG_REC_VERTEX || p[2] > CG_REC_META || (want_type && p[2] != want_type))
		return cg_err_set(err, CG_EDATA, "unexpected record type %d", p[2]);
	if (p[3] < CG_SCHEMA_MIN_VERSION || p[3] > CG_SCHEMA_VERSION)
		return cg_err_set(err, CG_EDATA, "record schema version %d not supported (this build reads %d..%d)",
				  p[3], CG_SCHEMA_MIN_VERSION, CG_SCHEMA_VERSION);
	uint32_t blen = le32_get(p + 4);
	if (blen != len - CG_REC_HEADER_LEN)
		return cg_err_set(err, CG_EDATA, "record length %zu, header says %u", len - CG_REC_HEADER_LEN, blen);
	if (le64_get(p + 8) != body_sum(p + CG_REC_HEADER_LEN, blen, p[2], p[3]))
		return cg_err_set(err, CG_EDATA, "record checksum mismatch");
	cg_rec rec = { p + CG_REC_HEADER_LEN, blen, p[2], p[3] };
	if (check_body(&rec) < 0)
		return cg_err_set(err, CG_EDATA, "malformed %s record body", cg_rec_type_name(rec.type));
	*out = rec;
	return 0;
}

const char *cg_rec_type_name(int type)
{
	return type >= CG_REC_VERTEX && type <= CG_REC_META ? rec_names[type] : rec_names[0];
}

int cg_vertex_encode(cg_buf *out, const cg_vertex *v)
{
	if (begin(out, CG_REC_VERTEX) < 0 || reserve_fixed(out, VERTEX_FIXED_LEN) < 0)
		return -1;
	uint8_t *b = out->data + CG_REC_HEADER_LEN;
	b[0] = (uint8_t)v->kind;
	b[1] = (uint8_t)v->vis;
	b[2] = (uint8_t)v->flags;
	b[3] = (uint8_t)(v->flags >> 8);
	le32_put(b + 4, v->line);
	le64_put(b + 8, v->owner);
	le32_put(b + VERTEX_V1_FIXED_LEN, v->end_line);
	le32_put(b + VERTEX_V1_FIXED_LEN + 4, v->column);
	for (int i = 0; i < CG_VF_N; i++)
		if (put_str(out, 16 + 8 * (size_t)i, v->str[i]) < 0)
			return -1;
	return finish(out);
}

void cg_vertex_view(const cg_rec *rec, cg_vertex *v)
{
	const uint8_t *b = rec->body;
	v->kind = b[0];
	v->vis = b[1];
	v->flags = (unsigned)b[2] | (unsigned)b[3] << 8;
	v->line = le32_get(b + 4);
	v->owner = le64_get(b + 8);
	/* version 1 has no span end or column: its string area starts where they would be */
	v->end_line = rec->version == 1 ? 0 : le32_get(b + VERTEX_V1_FIXED_LEN);
	v->column = rec->version == 1 ? 0 : le32_get(b + VERTEX_V1_FIXED_LEN + 4);
	for (int i = 0; i < CG_VF_N; i++)
		v->str[i] = str_at(rec, 16 + 8 * (size_t)i);
}

int cg_edge_encode(cg_buf *out, const cg_edge_val *e)
{
	if (begin(out, CG_REC_EDGE) < 0 || reserve_fixed(out, EDGE_FIXED_LEN) < 0)
		return -1;
	uint8_t *b = out->data + CG_REC_HEADER_LEN;
	le64_put(b, e->owner);
	le32_put(b + 8, e->line);
	le32_put(b + 12, e->flags);
	if (put_str(out, 16, e->file) < 0)
		return -1;
	return finish(out);
}

void cg_edge_view(const cg_rec *rec, cg_edge_val *e)
{
	e->owner = le64_get(rec->body);
	e->line = le32_get(rec->body + 8);
	e->flags = le32_get(rec->body + 12);
	e->file = str_at(rec, 16);
}

int cg_index_encode(cg_buf *out)
{
	return begin(out, CG_REC_INDEX) < 0 ? -1 : finish(out);
}

int cg_meta_encode(cg_buf *out, const char *json, size_t len)
{
	if (begin(out, CG_REC_META) < 0 || cg_buf_append(out, json, len) < 0 || cg_buf_putc(out, 0) < 0)
		return -1;
	return finish(out);
}

const char *cg_meta_text(const cg_rec *rec)
{
	return (const char *)rec->body;
}

/* Through the views and encoders: whatever the old layout, the new one comes out of the one
 * encoder every writer uses. */
int cg_rec_upgrade(cg_buf *out, const cg_rec *rec)
{
	switch (rec->type) {
	case CG_REC_VERTEX: {
		cg_vertex v;
		cg_vertex_view(rec, &v);
		return cg_vertex_encode(out, &v);
	}
	case CG_REC_EDGE: {
		cg_edge_val e;
		cg_edge_view(rec, &e);
		return cg_edge_encode(out, &e);
	}
	case CG_REC_INDEX:
		return cg_index_encode(out);
	case CG_REC_META:
		return cg_meta_encode(out, cg_meta_text(rec), rec->len - 1);
	}
	return -1;
}

static int parse_in(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return 0;
}

const char *cg_kind_name(int kind) { return kind >= 0 && kind < CG_KIND_NKINDS ? kind_names[kind] : kind_names[0]; }
int cg_kind_parse(const char *name) { return parse_in(kind_names, CG_KIND_NKINDS, name); }

void cg_kind_list(char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int k = CG_KIND_UNKNOWN + 1; k < CG_KIND_NKINDS && len < cap; k++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", kind_names[k]);
}
const char *cg_vis_name(int vis) { return vis >= 0 && vis < CG_VIS_NVIS ? vis_names[vis] : vis_names[0]; }
int cg_vis_parse(const char *name) { return parse_in(vis_names, CG_VIS_NVIS, name); }

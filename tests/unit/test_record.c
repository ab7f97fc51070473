/* test_record: round-trips every record type and proves damaged records are refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "codec/record.h"
#include "check.h"

static int streq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static void le32_put(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Recomputes length and checksum of a record in place, as a writer with a bug (or an
 * attacker) would: the header is then valid and only the body checks can refuse it. */
static void reseal(uint8_t *r, size_t len)
{
	uint32_t blen = (uint32_t)(len - CG_REC_HEADER_LEN);
	le32_put(r + 4, blen);
	uint64_t h = XXH3_64bits_withSeed(r + CG_REC_HEADER_LEN, blen, (uint64_t)(r[2] << 8 | r[3]));
	for (int i = 0; i < 8; i++, h >>= 8)
		r[8 + i] = (uint8_t)h;
}

/* Every single-bit flip anywhere in the record must be refused. */
static void check_bitflips(const cg_buf *b, int type, const char *what)
{
	uint8_t *copy = malloc(b->len);
	if (!copy) {
		failures++;
		return;
	}
	int accepted = 0;
	for (size_t i = 0; i < b->len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(copy, b->data, b->len);
			copy[i] ^= (uint8_t)(1u << bit);
			cg_rec rec;
			cg_err err = { 0 };
			if (cg_rec_open(copy, b->len, type, &rec, &err) == 0) {
				fprintf(stderr, "%s: flip of byte %zu bit %d accepted\n", what, i, bit);
				accepted++;
			} else {
				CHECK(err.code == CG_EDATA && err.msg[0]);
			}
		}
	}
	CHECK(accepted == 0);
	free(copy);
}

/* Every proper prefix, and the record with a byte appended, must be refused. */
static void check_truncations(const cg_buf *b, int type, const char *what)
{
	uint8_t *copy = malloc(b->len + 1);
	if (!copy) {
		failures++;
		return;
	}
	memcpy(copy, b->data, b->len);
	copy[b->len] = 0;
	for (size_t n = 0; n < b->len; n++) {
		cg_rec rec;
		cg_err err = { 0 };
		if (cg_rec_open(copy, n, type, &rec, &err) == 0) {
			fprintf(stderr, "%s: truncation to %zu bytes accepted\n", what, n);
			failures++;
		}
	}
	cg_rec rec;
	CHECK(cg_rec_open(copy, b->len + 1, type, &rec, NULL) == CG_EDATA);
	free(copy);
}

/* The right type opens; every other type is refused; 0 accepts any. */
static void check_types(const cg_buf *b, int type)
{
	cg_rec rec;
	cg_err err = { 0 };
	CHECK(cg_rec_open(b->data, b->len, type, &rec, &err) == 0);
	CHECK(rec.type == type && rec.version == CG_SCHEMA_VERSION);
	CHECK(cg_rec_open(b->data, b->len, 0, &rec, NULL) == 0);
	for (int t = CG_REC_VERTEX; t <= CG_REC_META; t++)
		if (t != type) {
			CHECK(cg_rec_open(b->data, b->len, t, &rec, &err) == CG_EDATA);
			CHECK(strstr(err.msg, "type") != NULL);
		}
}

/* A schema version outside what this build reads is refused even with a valid checksum. */
static void check_versions(const cg_buf *b, int type)
{
	uint8_t *copy = malloc(b->len);
	if (!copy) {
		failures++;
		return;
	}
	int bad[] = { 0, CG_SCHEMA_VERSION + 1, 255 };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (bad[i] >= CG_SCHEMA_MIN_VERSION && bad[i] <= CG_SCHEMA_VERSION)
			continue;
		memcpy(copy, b->data, b->len);
		copy[3] = (uint8_t)bad[i];
		reseal(copy, b->len);
		cg_rec rec;
		cg_err err = { 0 };
		CHECK(cg_rec_open(copy, b->len, type, &rec, &err) == CG_EDATA);
		CHECK(strstr(err.msg, "version") != NULL);
	}
	/* a record type that does not exist, resealed */
	memcpy(copy, b->data, b->len);
	copy[2] = 9;
	reseal(copy, b->len);
	cg_rec rec;
	CHECK(cg_rec_open(copy, b->len, 0, &rec, NULL) == CG_EDATA);
	free(copy);
}

static void check_damage(const cg_buf *b, int type, const char *what)
{
	check_types(b, type);
	check_bitflips(b, type, what);
	check_truncations(b, type, what);
	check_versions(b, type);
}

static void test_vertex(void)
{
	cg_vertex v = {
		.kind = CG_KIND_STRUCT, .vis = CG_VIS_PUBLIC, .flags = CG_VFLAG_STUB | CG_VFLAG_SYNTHETIC | 0x8000,
		.line = 0xfedcba98u, .end_line = 0xfedcbaa0u, .column = 0x80000005u,
		.owner = 0x0123456789abcdefULL,
	};
	v.str[CG_VF_NAME] = "Circle";
	v.str[CG_VF_PATH] = "shapes_core::geometry::shapes::Circle";
	v.str[CG_VF_CRATE] = "shapes_core";
	v.str[CG_VF_VERSION] = "0.1.0";
	v.str[CG_VF_FILE] = "shapes-core/src/geometry/shapes.rs";
	v.str[CG_VF_DOCS] = "A circle \xc3\xa9 with UTF-8.";
	v.str[CG_VF_ALIASES] = "shapes_core::Circle\nshapes_core::geometry::Circle";
	cg_buf b = { 0 };
	CHECK(cg_vertex_encode(&b, &v) == 0);
	CHECK(b.len > CG_REC_HEADER_LEN && b.data[0] == 'c' && b.data[1] == 'g');
	cg_rec rec;
	cg_err err = { 0 };
	CHECK(cg_rec_open(b.data, b.len, CG_REC_VERTEX, &rec, &err) == 0);
	cg_vertex w;
	cg_vertex_view(&rec, &w);
	CHECK(w.kind == v.kind && w.vis == v.vis && w.flags == v.flags);
	CHECK(w.line == v.line && w.owner == v.owner);
	CHECK(w.end_line == v.end_line && w.column == v.column);
	CHECK(rec.version == 2 && rec.len >= 80);
	for (int i = 0; i < CG_VF_N; i++) {
		CHECK(streq(w.str[i], v.str[i]));
		/* read in place: the strings point into the record's own bytes */
		CHECK((const uint8_t *)w.str[i] >= b.data && (const uint8_t *)w.str[i] < b.data + b.len);
	}
	check_damage(&b, CG_REC_VERTEX, "vertex");

	/* all strings empty (NULL) round-trip as empty strings */
	cg_vertex e = { .kind = CG_KIND_MODULE };
	CHECK(cg_vertex_encode(&b, &e) == 0);
	CHECK(cg_rec_open(b.data, b.len, CG_REC_VERTEX, &rec, NULL) == 0);
	cg_vertex_view(&rec, &w);
	CHECK(w.kind == CG_KIND_MODULE && w.owner == 0 && w.line == 0 && w.flags == 0);
	CHECK(w.end_line == 0 && w.column == 0);
	for (int i = 0; i < CG_VF_N; i++)
		CHECK(w.str[i] && w.str[i][0] == '\0');
	cg_buf_free(&b);
}

/* A string reference that points outside the body, or at bytes with no NUL, is refused
 * even when the header has been resealed around the damage. */
static void test_bad_refs(void)
{
	cg_vertex v = { .kind = CG_KIND_FUNCTION };
	v.str[CG_VF_NAME] = "new";
	v.str[CG_VF_PATH] = "a::b::new";
	cg_buf b = { 0 };
	CHECK(cg_vertex_encode(&b, &v) == 0);
	uint32_t blen = (uint32_t)(b.len - CG_REC_HEADER_LEN);
	uint8_t *copy = malloc(b.len);
	if (!copy) {
		failures++;
		return;
	}
	struct { uint32_t off, len; } bad[] = {
		{ blen, 0 },         /* offset just past the end */
		{ blen - 1, 1 },     /* runs past the end */
		{ 0xffffffffu, 1 },  /* far outside */
		{ 0, 0xffffffffu },  /* length overflow */
		{ 16 + 8 * CG_VF_N + 8, 2 }, /* the name "new" cut short: no NUL after it */
		{ 16 + 8 * CG_VF_N, 2 }, /* inside the fixed part (end_line, which is 0) */
		{ 16 + 8 * CG_VF_N - 8, 1 }, /* inside the fixed part (the last reference) */
	};
	for (int field = 0; field < CG_VF_N; field++) {
		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			memcpy(copy, b.data, b.len);
			uint8_t *ref = copy + CG_REC_HEADER_LEN + 16 + 8 * (size_t)field;
			le32_put(ref, bad[i].off);
			le32_put(ref + 4, bad[i].len);
			reseal(copy, b.len);
			cg_rec rec;
			cg_err err = { 0 };
			if (cg_rec_open(copy, b.len, CG_REC_VERTEX, &rec, &err) != CG_EDATA) {
				fprintf(stderr, "vertex field %d ref (%u,%u) accepted\n", field, bad[i].off, bad[i].len);
				failures++;
			}
		}
	}
	/* a body shorter than the fixed part, resealed */
	memcpy(copy, b.data, b.len);
	reseal(copy, CG_REC_HEADER_LEN + 20);
	cg_rec rec;
	CHECK(cg_rec_open(copy, CG_REC_HEADER_LEN + 20, CG_REC_VERTEX, &rec, NULL) == CG_EDATA);

	/* the edge's file reference, too */
	cg_edge_val e = { .owner = 7, .file = "x.rs" };
	CHECK(cg_edge_encode(&b, &e) == 0);
	uint8_t *ecopy = realloc(copy, b.len);
	if (!ecopy) {
		free(copy);
		failures++;
		return;
	}
	copy = ecopy;
	memcpy(copy, b.data, b.len);
	le32_put(copy + CG_REC_HEADER_LEN + 16, (uint32_t)(b.len - CG_REC_HEADER_LEN));
	reseal(copy, b.len);
	CHECK(cg_rec_open(copy, b.len, CG_REC_EDGE, &rec, NULL) == CG_EDATA);
	free(copy);
	cg_buf_free(&b);
}

static void le64_put(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Builds by hand, byte by byte, the version-1 vertex record the version-1 code wrote:
 * kind, vis, flags, line, owner, seven string references, then the string area at 72. */
static size_t v1_vertex(uint8_t *r, size_t cap, const cg_vertex *v)
{
	size_t fixed = 16 + 8 * CG_VF_N, at = CG_REC_HEADER_LEN + fixed;
	memset(r, 0, CG_REC_HEADER_LEN + fixed);
	r[0] = 'c', r[1] = 'g', r[2] = CG_REC_VERTEX, r[3] = 1;
	uint8_t *b = r + CG_REC_HEADER_LEN;
	b[0] = (uint8_t)v->kind, b[1] = (uint8_t)v->vis;
	b[2] = (uint8_t)v->flags, b[3] = (uint8_t)(v->flags >> 8);
	le32_put(b + 4, v->line);
	le64_put(b + 8, v->owner);
	for (int i = 0; i < CG_VF_N; i++) {
		const char *s = v->str[i] ? v->str[i] : "";
		size_t n = strlen(s);
		if (at + n + 1 > cap)
			return 0;
		le32_put(b + 16 + 8 * (size_t)i, (uint32_t)(at - CG_REC_HEADER_LEN));
		le32_put(b + 16 + 8 * (size_t)i + 4, (uint32_t)n);
		memcpy(r + at, s, n + 1);
		at += n + 1;
	}
	reseal(r, at);
	return at;
}

/* A version-1 record (no end_line, no column) still opens and reads, with both 0; upgraded,
 * it becomes a version-2 record with the same content; damage to it is refused as well. */
static void test_vertex_v1(void)
{
	cg_vertex v = { .kind = CG_KIND_FUNCTION, .vis = CG_VIS_CRATE, .flags = CG_VFLAG_SYNTHETIC,
			.line = 12, .owner = 0xfeedfacecafebeefULL };
	v.str[CG_VF_NAME] = "area";
	v.str[CG_VF_PATH] = "shapes_core::Shape::area";
	v.str[CG_VF_CRATE] = "shapes_core";
	v.str[CG_VF_VERSION] = "0.1.0";
	v.str[CG_VF_FILE] = "shapes-core/src/lib.rs";
	v.str[CG_VF_ALIASES] = "shapes_core::area";
	uint8_t r1[512];
	size_t n = v1_vertex(r1, sizeof r1, &v);
	CHECK(n == CG_REC_HEADER_LEN + 72 + 5 + 25 + 12 + 6 + 23 + 1 + 18);
	cg_rec rec;
	cg_err err = { 0 };
	CHECK(cg_rec_open(r1, n, CG_REC_VERTEX, &rec, &err) == 0);
	CHECK(rec.version == 1 && rec.len == n - CG_REC_HEADER_LEN);
	cg_vertex w;
	memset(&w, 0xff, sizeof w);
	cg_vertex_view(&rec, &w);
	CHECK(w.kind == v.kind && w.vis == v.vis && w.flags == v.flags && w.line == 12);
	CHECK(w.owner == v.owner && w.end_line == 0 && w.column == 0);
	for (int i = 0; i < CG_VF_N; i++)
		CHECK(streq(w.str[i], v.str[i]));
	cg_buf b1 = { .data = r1, .len = n };
	check_bitflips(&b1, CG_REC_VERTEX, "vertex v1");
	check_truncations(&b1, CG_REC_VERTEX, "vertex v1");

	/* a version-1 body cut to its fixed part (references left pointing past it) is refused */
	uint8_t shortv1[CG_REC_HEADER_LEN + 72];
	memcpy(shortv1, r1, sizeof shortv1);
	reseal(shortv1, sizeof shortv1);
	CHECK(cg_rec_open(shortv1, sizeof shortv1, CG_REC_VERTEX, &rec, NULL) == CG_EDATA);

	cg_buf up = { 0 };
	CHECK(cg_rec_open(r1, n, CG_REC_VERTEX, &rec, NULL) == 0);
	CHECK(cg_rec_upgrade(&up, &rec) == 0);
	CHECK(up.len == n + 8 && up.data[3] == CG_SCHEMA_VERSION);
	CHECK(cg_rec_open(up.data, up.len, CG_REC_VERTEX, &rec, &err) == 0);
	cg_vertex u;
	cg_vertex_view(&rec, &u);
	CHECK(u.kind == v.kind && u.vis == v.vis && u.flags == v.flags && u.line == v.line);
	CHECK(u.owner == v.owner && u.end_line == 0 && u.column == 0);
	for (int i = 0; i < CG_VF_N; i++)
		CHECK(streq(u.str[i], v.str[i]));
	/* the same vertex encoded by this build is byte-identical to the upgrade */
	cg_buf enc = { 0 };
	CHECK(cg_vertex_encode(&enc, &v) == 0);
	CHECK(enc.len == up.len && memcmp(enc.data, up.data, up.len) == 0);

	/* a version-2 header on a version-1 body: its first string would lie inside the longer
	 * fixed part, so the body is refused rather than misread */
	r1[3] = 2;
	reseal(r1, n);
	CHECK(cg_rec_open(r1, n, CG_REC_VERTEX, &rec, &err) == CG_EDATA);
	CHECK(strstr(err.msg, "malformed") != NULL);
	cg_buf_free(&up);
	cg_buf_free(&enc);
}

/* Every other record type upgrades to the current version with the same body. */
static void test_upgrade_others(void)
{
	cg_buf b = { 0 }, up = { 0 };
	cg_rec rec;
	cg_edge_val e = { .owner = 9, .line = 4, .flags = 1, .file = "src/lib.rs" };
	CHECK(cg_edge_encode(&b, &e) == 0);
	b.data[3] = 1; /* the version-1 edge body is the same: rewrite only the header */
	reseal(b.data, b.len);
	CHECK(cg_rec_open(b.data, b.len, CG_REC_EDGE, &rec, NULL) == 0 && rec.version == 1);
	CHECK(cg_rec_upgrade(&up, &rec) == 0);
	CHECK(up.len == b.len && up.data[3] == CG_SCHEMA_VERSION);
	CHECK(memcmp(up.data + CG_REC_HEADER_LEN, b.data + CG_REC_HEADER_LEN, b.len - CG_REC_HEADER_LEN) == 0);
	CHECK(cg_rec_open(up.data, up.len, CG_REC_EDGE, &rec, NULL) == 0 && rec.version == CG_SCHEMA_VERSION);

	CHECK(cg_index_encode(&b) == 0);
	b.data[3] = 1;
	reseal(b.data, b.len);
	CHECK(cg_rec_open(b.data, b.len, CG_REC_INDEX, &rec, NULL) == 0);
	CHECK(cg_rec_upgrade(&up, &rec) == 0 && up.len == CG_REC_HEADER_LEN && up.data[3] == CG_SCHEMA_VERSION);

	const char *json = "{\"unit\":\"u\"}";
	CHECK(cg_meta_encode(&b, json, strlen(json)) == 0);
	b.data[3] = 1;
	reseal(b.data, b.len);
	CHECK(cg_rec_open(b.data, b.len, CG_REC_META, &rec, NULL) == 0);
	CHECK(cg_rec_upgrade(&up, &rec) == 0);
	CHECK(cg_rec_open(up.data, up.len, CG_REC_META, &rec, NULL) == 0 && streq(cg_meta_text(&rec), json));
	CHECK(rec.version == CG_SCHEMA_VERSION);
	cg_buf_free(&b);
	cg_buf_free(&up);
}

static void test_edge(void)
{
	cg_edge_val e = { .owner = 0xffffffffffffffffULL, .line = 42, .flags = 0x80000001u,
			  .file = "shapes-cli/src/main.rs" };
	cg_buf b = { 0 };
	CHECK(cg_edge_encode(&b, &e) == 0);
	cg_rec rec;
	CHECK(cg_rec_open(b.data, b.len, CG_REC_EDGE, &rec, NULL) == 0);
	cg_edge_val f;
	cg_edge_view(&rec, &f);
	CHECK(f.owner == e.owner && f.line == e.line && f.flags == e.flags);
	CHECK(streq(f.file, e.file));
	check_damage(&b, CG_REC_EDGE, "edge");

	cg_edge_val none = { .owner = 1 };
	CHECK(cg_edge_encode(&b, &none) == 0);
	CHECK(cg_rec_open(b.data, b.len, CG_REC_EDGE, &rec, NULL) == 0);
	cg_edge_view(&rec, &f);
	CHECK(f.owner == 1 && f.line == 0 && f.flags == 0 && streq(f.file, ""));
	cg_buf_free(&b);
}

static void test_index(void)
{
	cg_buf b = { 0 };
	CHECK(cg_index_encode(&b) == 0);
	CHECK(b.len == CG_REC_HEADER_LEN);
	cg_rec rec;
	CHECK(cg_rec_open(b.data, b.len, CG_REC_INDEX, &rec, NULL) == 0);
	CHECK(rec.len == 0);
	check_damage(&b, CG_REC_INDEX, "index");
	/* an index value with a body, resealed, is malformed */
	uint8_t big[CG_REC_HEADER_LEN + 1];
	memcpy(big, b.data, CG_REC_HEADER_LEN);
	big[CG_REC_HEADER_LEN] = 0;
	reseal(big, sizeof big);
	CHECK(cg_rec_open(big, sizeof big, CG_REC_INDEX, &rec, NULL) == CG_EDATA);
	cg_buf_free(&b);
}

static void test_meta(void)
{
	const char *json = "{\"unit\":\"shapes_core@0.1.0\",\"vertices\":12,\"edges\":{\"Contains\":11}}";
	cg_buf b = { 0 };
	CHECK(cg_meta_encode(&b, json, strlen(json)) == 0);
	cg_rec rec;
	CHECK(cg_rec_open(b.data, b.len, CG_REC_META, &rec, NULL) == 0);
	CHECK(streq(cg_meta_text(&rec), json));
	check_damage(&b, CG_REC_META, "meta");
	/* meta text without its NUL terminator, resealed, is malformed */
	uint8_t *copy = malloc(b.len);
	if (copy) {
		memcpy(copy, b.data, b.len);
		copy[b.len - 1] = '}';
		reseal(copy, b.len);
		CHECK(cg_rec_open(copy, b.len, CG_REC_META, &rec, NULL) == CG_EDATA);
		free(copy);
	}
	CHECK(cg_meta_encode(&b, "", 0) == 0);
	CHECK(cg_rec_open(b.data, b.len, CG_REC_META, &rec, NULL) == 0);
	CHECK(streq(cg_meta_text(&rec), ""));
	cg_buf_free(&b);
}

static void test_names(void)
{
	for (int k = 0; k < CG_KIND_NKINDS; k++)
		CHECK(cg_kind_parse(cg_kind_name(k)) == k);
	CHECK(cg_kind_parse("no-such-kind") == CG_KIND_UNKNOWN);
	CHECK(streq(cg_kind_name(CG_KIND_NKINDS), "unknown") && streq(cg_kind_name(-1), "unknown"));
	CHECK(streq(cg_kind_name(CG_KIND_TYPE_ALIAS), "type_alias"));
	for (int v = 0; v < CG_VIS_NVIS; v++)
		CHECK(cg_vis_parse(cg_vis_name(v)) == v);
	CHECK(streq(cg_rec_type_name(CG_REC_VERTEX), "vertex") && streq(cg_rec_type_name(CG_REC_META), "meta"));
	CHECK(streq(cg_rec_type_name(0), "?") && streq(cg_rec_type_name(5), "?"));
}

static void test_garbage(void)
{
	cg_rec rec;
	cg_err err = { 0 };
	uint8_t zeros[64] = { 0 };
	CHECK(cg_rec_open(zeros, sizeof zeros, 0, &rec, &err) == CG_EDATA);
	CHECK(strstr(err.msg, "magic") != NULL);
	CHECK(cg_rec_open(zeros, 0, 0, &rec, &err) == CG_EDATA);
	CHECK(strstr(err.msg, "truncated") != NULL);
}

int main(void)
{
	test_vertex();
	test_bad_refs();
	test_vertex_v1();
	test_upgrade_others();
	test_edge();
	test_index();
	test_meta();
	test_names();
	test_garbage();
	return check_exit("test_record");
}

/* test_keys: key encoding and decoding of the four families, their order and readable forms. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "codec/keys.h"
#include "check.h"

static const uint64_t A = 0x0123456789abcdefULL, B = 0xfedcba9876543210ULL;

/* The readable form of k must be exactly want. */
static void check_format(const uint8_t *k, size_t len, const char *want)
{
	cg_buf b = { 0 };
	CHECK(cg_key_format(&b, k, len) == 0);
	if (b.len != strlen(want) || memcmp(b.data, want, b.len) != 0) {
		fprintf(stderr, "format: got \"%.*s\", want \"%s\"\n", (int)b.len, (const char *)b.data, want);
		failures++;
	}
	cg_buf_free(&b);
}

static int keycmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	return c ? c : (alen > blen) - (alen < blen);
}

static void test_be64(void)
{
	uint8_t p[8];
	cg_be64_put(p, A);
	CHECK(p[0] == 0x01 && p[7] == 0xef);
	CHECK(cg_be64_get(p) == A);
	cg_be64_put(p, 0);
	CHECK(cg_be64_get(p) == 0);
	cg_be64_put(p, UINT64_MAX);
	CHECK(cg_be64_get(p) == UINT64_MAX);
}

static void test_vertex(void)
{
	uint8_t k[CG_VERTEX_KEY_LEN];
	cg_key_vertex(k, A);
	CHECK(k[0] == 'v' && cg_be64_get(k + 1) == A);
	check_format(k, sizeof k, "v:0123456789abcdef");
	cg_key_vertex(k, 0);
	check_format(k, sizeof k, "v:0000000000000000");

	/* byte order is numeric order, for ids that differ in any byte */
	const uint64_t ids[] = { 0, 1, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffffffffffffULL,
				 0x8000000000000000ULL, 0xfffffffffffffffeULL, UINT64_MAX };
	size_t n = sizeof ids / sizeof ids[0];
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			uint8_t a[CG_VERTEX_KEY_LEN], b[CG_VERTEX_KEY_LEN];
			cg_key_vertex(a, ids[i]);
			cg_key_vertex(b, ids[j]);
			int c = memcmp(a, b, sizeof a);
			CHECK((c < 0) == (ids[i] < ids[j]) && (c == 0) == (ids[i] == ids[j]));
		}
}

static void test_edge(void)
{
	uint8_t f[CG_EDGE_KEY_LEN], r[CG_EDGE_KEY_LEN];
	for (int t = CG_EDGE_CONTAINS; t < CG_EDGE_NTYPES; t++) {
		cg_key_edge(f, A, t, B, 0);
		cg_key_edge(r, A, t, B, 1);
		cg_edge_key e;
		CHECK(cg_key_edge_decode(f, sizeof f, &e) == 0);
		CHECK(e.owner == A && e.other == B && e.type == t && e.reverse == 0);
		CHECK(cg_key_edge_decode(r, sizeof r, &e) == 0);
		CHECK(e.owner == B && e.other == A && e.type == t && e.reverse == 1);
		CHECK(f[9] == t && r[9] == (t | CG_EDGE_REVERSE));

		/* both copies fall in their owner's prefix ranges */
		uint8_t p[CG_EDGE_TYPE_PREFIX_LEN];
		CHECK(cg_key_edge_prefix(p, A, 0, 0) == CG_EDGE_PREFIX_LEN);
		CHECK(memcmp(p, f, CG_EDGE_PREFIX_LEN) == 0);
		CHECK(cg_key_edge_prefix(p, A, t, 0) == CG_EDGE_TYPE_PREFIX_LEN);
		CHECK(memcmp(p, f, CG_EDGE_TYPE_PREFIX_LEN) == 0);
		CHECK(cg_key_edge_prefix(p, B, t, 1) == CG_EDGE_TYPE_PREFIX_LEN);
		CHECK(memcmp(p, r, CG_EDGE_TYPE_PREFIX_LEN) == 0);
		CHECK(cg_key_edge_prefix(p, B, t, 0) == CG_EDGE_TYPE_PREFIX_LEN);
		CHECK(memcmp(p, r, CG_EDGE_TYPE_PREFIX_LEN) != 0);
	}
	cg_key_edge(f, A, CG_EDGE_CALLS, B, 0);
	check_format(f, sizeof f, "e:0123456789abcdef:Calls:fedcba9876543210");
	cg_key_edge(r, A, CG_EDGE_CALLS, B, 1);
	check_format(r, sizeof r, "e:fedcba9876543210:~Calls:0123456789abcdef");
	cg_key_edge(f, A, CG_EDGE_IMPLEMENTS, A, 0);
	check_format(f, sizeof f, "e:0123456789abcdef:Implements:0123456789abcdef");

	/* the forward edges of a vertex sort before its reverse copies, by type */
	uint8_t a[CG_EDGE_KEY_LEN], b[CG_EDGE_KEY_LEN];
	cg_key_edge(a, A, CG_EDGE_DEPENDS, UINT64_MAX, 0);
	cg_key_edge(b, 0, CG_EDGE_CONTAINS, A, 1);
	CHECK(memcmp(a, b, sizeof a) < 0);
	cg_key_edge(a, A, CG_EDGE_CALLS, 5, 0);
	cg_key_edge(b, A, CG_EDGE_CALLS, 6, 0);
	CHECK(memcmp(a, b, sizeof a) < 0);

	/* malformed edge keys are refused and shown as raw bytes */
	cg_edge_key e;
	cg_key_edge(f, A, CG_EDGE_CALLS, B, 0);
	CHECK(cg_key_edge_decode(f, sizeof f - 1, &e) < 0);
	f[9] = 0;
	CHECK(cg_key_edge_decode(f, sizeof f, &e) < 0);
	f[9] = CG_EDGE_NTYPES;
	CHECK(cg_key_edge_decode(f, sizeof f, &e) < 0);
	f[9] = CG_EDGE_REVERSE;
	CHECK(cg_key_edge_decode(f, sizeof f, &e) < 0);
	f[0] = 'v';
	f[9] = CG_EDGE_CALLS;
	CHECK(cg_key_edge_decode(f, sizeof f, &e) < 0);
	const uint8_t bad[3] = { 'e', 0x01, 0xff };
	check_format(bad, sizeof bad, "?:6501ff");
}

static void test_index(void)
{
	cg_buf k = { 0 }, p = { 0 };
	for (int t = CG_IDX_NAME; t < CG_IDX_NTYPES; t++) {
		const char *val = "shapes_core::geometry::Circle";
		CHECK(cg_key_index(&k, t, val, strlen(val), B) == 0);
		CHECK(k.len == 2 + strlen(val) + 1 + 8);
		CHECK(k.data[0] == 'i' && k.data[1] == t && k.data[2 + strlen(val)] == 0);
		uint64_t vid = 0;
		CHECK(cg_key_index_vid(k.data, k.len, &vid) == 0 && vid == B);
		CHECK(cg_key_index_prefix(&p, t, val, strlen(val), 1) == 0);
		CHECK(p.len == k.len - 8 && memcmp(p.data, k.data, p.len) == 0);
		CHECK(cg_key_index_prefix(&p, t, "shapes_core::", 13, 0) == 0);
		CHECK(p.len == 15 && memcmp(p.data, k.data, p.len) == 0);
	}
	CHECK(cg_key_index(&k, CG_IDX_NAME, "Circle", 6, A) == 0);
	check_format(k.data, k.len, "i:name:Circle:0123456789abcdef");
	CHECK(cg_key_index(&k, CG_IDX_PATH, "shapes_core::Circle", 19, A) == 0);
	check_format(k.data, k.len, "i:path:shapes_core::Circle:0123456789abcdef");
	CHECK(cg_key_index(&k, CG_IDX_CRATE, "shapes_core@0.1.0", 17, B) == 0);
	check_format(k.data, k.len, "i:crate:shapes_core@0.1.0:fedcba9876543210");
	CHECK(cg_key_index(&k, CG_IDX_KIND, "struct", 6, A) == 0);
	check_format(k.data, k.len, "i:kind:struct:0123456789abcdef");
	CHECK(cg_key_index(&k, CG_IDX_FILE, "src/a b.rs", 10, A) == 0);
	check_format(k.data, k.len, "i:file:src/a b.rs:0123456789abcdef");
	/* non-printable bytes and backslashes are escaped so the form stays one line */
	CHECK(cg_key_index(&k, CG_IDX_NAME, "a\nb\\", 4, A) == 0);
	check_format(k.data, k.len, "i:name:a\\x0ab\\x5c:0123456789abcdef");
	CHECK(cg_key_index(&k, CG_IDX_NAME, "", 0, A) == 0);
	check_format(k.data, k.len, "i:name::0123456789abcdef");

	/* an exact prefix separates "Circle" from "CircleExt"; entries of one value sort by vid */
	cg_buf k2 = { 0 };
	CHECK(cg_key_index(&k, CG_IDX_NAME, "Circle", 6, UINT64_MAX) == 0);
	CHECK(cg_key_index(&k2, CG_IDX_NAME, "CircleExt", 9, 0) == 0);
	CHECK(keycmp(k.data, k.len, k2.data, k2.len) < 0);
	CHECK(cg_key_index_prefix(&p, CG_IDX_NAME, "Circle", 6, 1) == 0);
	CHECK(memcmp(p.data, k2.data, p.len) != 0);
	CHECK(cg_key_index(&k, CG_IDX_NAME, "x", 1, 1) == 0);
	CHECK(cg_key_index(&k2, CG_IDX_NAME, "x", 1, 0x100) == 0);
	CHECK(keycmp(k.data, k.len, k2.data, k2.len) < 0);

	/* too short, wrong family, no terminator, unknown type */
	uint64_t vid;
	const uint8_t shortk[] = { 'i', 1, 0, 1, 2, 3, 4, 5, 6, 7 };
	CHECK(cg_key_index_vid(shortk, sizeof shortk, &vid) < 0);
	CHECK(cg_key_index(&k, CG_IDX_NAME, "ab", 2, A) == 0);
	k.data[0] = 'm';
	CHECK(cg_key_index_vid(k.data, k.len, &vid) < 0);
	k.data[0] = 'i';
	k.data[4] = 'z';
	CHECK(cg_key_index_vid(k.data, k.len, &vid) < 0);
	const uint8_t unknown[] = { 'i', 9, 'a', 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	check_format(unknown, sizeof unknown, "?:6909610001020304050607" "08");
	cg_buf_free(&k);
	cg_buf_free(&k2);
	cg_buf_free(&p);
}

static void test_meta(void)
{
	cg_buf k = { 0 };
	CHECK(cg_key_meta(&k, CG_META_CRATE, "shapes_core@0.1.0", 17) == 0);
	CHECK(k.len == 19 && k.data[0] == 'm' && k.data[1] == CG_META_CRATE);
	check_format(k.data, k.len, "m:crate:shapes_core@0.1.0");
	CHECK(cg_key_meta(&k, CG_META_STORE, "schema", 6) == 0);
	check_format(k.data, k.len, "m:store:schema");
	CHECK(cg_key_meta(&k, CG_META_WORKSPACE, "", 0) == 0);
	check_format(k.data, k.len, "m:workspace:");
	const uint8_t retired[] = { 'm', 3, 'x' };
	check_format(retired, sizeof retired, "?:6d0378");
	const uint8_t unknown[] = { 'm', 7, 'x' };
	check_format(unknown, sizeof unknown, "?:6d0778");
	cg_buf_free(&k);
}

static void test_other(void)
{
	const uint8_t odd[] = { 'z', 0x00, 0xff };
	check_format(odd, sizeof odd, "?:7a00ff");
	check_format(odd, 0, "?:");
	const uint8_t vshort[] = { 'v', 1, 2 };
	check_format(vshort, sizeof vshort, "?:760102");
	/* cg_key_format appends: two keys in one buffer */
	cg_buf b = { 0 };
	uint8_t v[CG_VERTEX_KEY_LEN];
	cg_key_vertex(v, 1);
	CHECK(cg_key_format(&b, v, sizeof v) == 0 && cg_buf_putc(&b, ' ') == 0);
	CHECK(cg_key_format(&b, v, sizeof v) == 0);
	CHECK(b.len == 37 && memcmp(b.data, "v:0000000000000001 v:0000000000000001", 37) == 0);
	cg_buf_free(&b);
}

static void test_names(void)
{
	const char *edges[] = { NULL, "Contains", "Calls", "Uses", "Implements", "Depends" };
	for (int t = 1; t < CG_EDGE_NTYPES; t++) {
		CHECK(strcmp(cg_edge_type_name(t), edges[t]) == 0);
		CHECK(cg_edge_type_parse(edges[t]) == t);
	}
	CHECK(cg_edge_type_name(0) == NULL && cg_edge_type_name(CG_EDGE_NTYPES) == NULL);
	CHECK(cg_edge_type_parse("calls") == 0 && cg_edge_type_parse("") == 0);
	const char *idx[] = { NULL, "name", "path", "kind", "crate", "file" };
	for (int t = 1; t < CG_IDX_NTYPES; t++) {
		CHECK(strcmp(cg_index_type_name(t), idx[t]) == 0);
		CHECK(cg_index_type_parse(idx[t]) == t);
	}
	CHECK(cg_index_type_parse("vid") == 0 && cg_index_type_name(-1) == NULL);
	CHECK(strcmp(cg_meta_type_name(CG_META_STORE), "store") == 0);
	CHECK(strcmp(cg_meta_type_name(CG_META_CRATE), "crate") == 0);
	CHECK(strcmp(cg_meta_type_name(CG_META_WORKSPACE), "workspace") == 0);
	CHECK(cg_meta_type_name(3) == NULL);
	CHECK(cg_meta_type_name(CG_META_NTYPES) == NULL);
}

static void test_vid_text(void)
{
	char hex[17];
	uint64_t v = 0;
	cg_vid_hex(A, hex);
	CHECK(strcmp(hex, "0123456789abcdef") == 0);
	cg_vid_hex(0, hex);
	CHECK(strcmp(hex, "0000000000000000") == 0);
	cg_vid_hex(UINT64_MAX, hex);
	CHECK(strcmp(hex, "ffffffffffffffff") == 0);
	CHECK(cg_vid_parse("ffffffffffffffff", &v) == 0 && v == UINT64_MAX);
	CHECK(cg_vid_parse("0000000000000000", &v) == 0 && v == 0);
	CHECK(cg_vid_parse("FEDCBA9876543210", &v) == 0 && v == B);
	CHECK(cg_vid_parse("0123456789abcdef", &v) == 0 && v == A);
	/* round trip */
	for (uint64_t x = 1; x; x <<= 7) {
		cg_vid_hex(x * 3, hex);
		CHECK(cg_vid_parse(hex, &v) == 0 && v == x * 3);
	}
	/* refused, and the output is left alone */
	const char *bad[] = { "", "0", "123456789abcdef", "0123456789abcdef0", "0123456789abcdeg",
			      "0x23456789abcdef", " 123456789abcdef", "0123456789abcde ", "-123456789abcdef",
			      "0123456789abcde\n" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		v = 42;
		if (cg_vid_parse(bad[i], &v) == 0 || v != 42) {
			fprintf(stderr, "vid parse accepted \"%s\"\n", bad[i]);
			failures++;
		}
	}
}

static void test_vid_hash(void)
{
	const char *id = "shapes_core@0.1.0::shapes_core::geometry::Shape#trait";
	uint64_t a = cg_vid(id, strlen(id)), b = cg_vid(id, strlen(id));
	CHECK(a == b && a != 0);
	CHECK(cg_vid(id, strlen(id) - 1) != a);
	CHECK(cg_vid("", 0) != 0);
}

int main(void)
{
	test_be64();
	test_vertex();
	test_edge();
	test_index();
	test_meta();
	test_other();
	test_names();
	test_vid_text();
	test_vid_hash();
	return check_exit("test_keys");
}

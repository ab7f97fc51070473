/* test_keytext: readable keys parse back to the bytes cg_key_format printed them from, and
 * prefixes and malformed forms behave. */
#include <stdio.h>
#include <string.h>

#include "codec/keys.h"
#include "codec/keytext.h"
#include "check.h"

/* Formats k, parses the text back, and expects the same bytes. */
static void round_trip(const uint8_t *k, size_t len)
{
	cg_buf text = { 0 }, back = { 0 };
	cg_err err = { 0 };
	CHECK(cg_key_format(&text, k, len) == 0 && cg_buf_putc(&text, 0) == 0);
	CHECK(cg_keytext_parse((const char *)text.data, &back, &err) == CG_OK);
	CHECK(back.len == len && memcmp(back.data, k, len) == 0);
	cg_buf_free(&text);
	cg_buf_free(&back);
}

static void parses_to(const char *s, const void *want, size_t len)
{
	cg_buf out = { 0 };
	cg_err err = { 0 };
	CHECK(cg_keytext_parse(s, &out, &err) == CG_OK);
	CHECK(out.len == len && memcmp(out.data, want, len) == 0);
	cg_buf_free(&out);
}

static void refused(const char *s)
{
	cg_buf out = { 0 };
	cg_err err = { 0 };
	CHECK(cg_keytext_parse(s, &out, &err) == CG_EUSAGE && strstr(err.msg, "not a readable key"));
	cg_buf_free(&out);
}

int main(void)
{
	uint8_t v[CG_VERTEX_KEY_LEN], e[CG_EDGE_KEY_LEN];
	cg_buf b = { 0 };
	cg_key_vertex(v, 0x0123456789abcdefULL);
	round_trip(v, sizeof v);
	cg_key_edge(e, 0xfeedULL, CG_EDGE_CALLS, 0xbeefULL, 0);
	round_trip(e, sizeof e);
	cg_key_edge(e, 0xfeedULL, CG_EDGE_IMPLEMENTS, 0xbeefULL, 1);
	round_trip(e, sizeof e);
	/* index values hold "::" and odd bytes; the vid is the last field */
	cg_key_index(&b, CG_IDX_PATH, "a::b::C", 7, 42);
	round_trip(b.data, b.len);
	cg_key_index(&b, CG_IDX_FILE, "src/x\\y\x01.rs", 12, 7);
	round_trip(b.data, b.len);
	cg_key_meta(&b, CG_META_CRATE, "shapes_core@0.1.0", 17);
	round_trip(b.data, b.len);

	parses_to("e", "e", 1);
	parses_to("e:000000000000feed", "e\0\0\0\0\0\0\xfe\xed", 9);
	parses_to("e:000000000000feed:~Calls", "e\0\0\0\0\0\0\xfe\xed\x82", 10);
	parses_to("i:name:Cir", "i\x01" "Cir", 5);
	parses_to("m:crate", "m\x02", 2);

	refused("");
	refused("x:1");
	refused("v:123");
	refused("e:000000000000feed:Eats");
	refused("i:colour:red");
	refused("vv");
	cg_buf_free(&b);
	return check_exit("test_keytext");
}

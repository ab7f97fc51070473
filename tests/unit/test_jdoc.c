/* test_jdoc: the JSON document parser against jansson as the oracle. Every text here, the
 * example workspace's rustdoc files, and mutations of them (cut short, bytes changed) are
 * parsed by both: jdoc must accept exactly what json_loadb(buf, len, 0) accepts and give the
 * same tree (types, values, strings byte for byte, members in jansson's order). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "check.h"
#include "input/jdoc.h"

static int same(const cg_jv *v, json_t *j)
{
	size_t i;
	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *jv;
		if (!cg_jv_is_obj(v) || v->n != json_object_size(j))
			return 0;
		i = 0;
		json_object_foreach(j, k, jv) {
			const cg_jmember *m = &v->u.m[i++];
			if (strcmp(m->key, k) != 0 || m->klen != strlen(k) || !same(&m->v, jv) || cg_jv_get(v, k) != &m->v)
				return 0;
		}
		return 1;
	}
	case JSON_ARRAY:
		if (!cg_jv_is_arr(v) || v->n != json_array_size(j))
			return 0;
		for (i = 0; i < v->n; i++)
			if (!same(cg_jv_at(v, i), json_array_get(j, i)))
				return 0;
		return 1;
	case JSON_STRING:
		return cg_jv_is_str(v) && v->n == json_string_length(j) &&
		       memcmp(v->u.s, json_string_value(j), v->n + 1) == 0;
	case JSON_INTEGER: return cg_jv_is_int(v) && cg_jv_int(v) == json_integer_value(j);
	case JSON_REAL: return cg_jv_is(v, CG_JREAL) && v->u.d == json_real_value(j);
	case JSON_TRUE: return cg_jv_is_true(v);
	case JSON_FALSE: return cg_jv_is(v, CG_JFALSE);
	case JSON_NULL: return cg_jv_is_null(v);
	}
	return 0;
}

/* Both parsers agree on text; returns 1 when they do. */
static int agree(const char *text, size_t len)
{
	json_error_t e;
	json_t *j = json_loadb(text, len, 0, &e);
	int rc;
	const cg_jv *v = cg_jdoc_parse(text, len, &rc);
	int ok = j ? v && rc == CG_OK && same(v, j) : !v && rc == CG_EDATA;
	json_decref(j);
	return ok;
}

#define AGREE(s) do { \
	if (!agree(s, sizeof s - 1)) { \
		fprintf(stderr, "%s:%d: jdoc and jansson differ on %s\n", __FILE__, __LINE__, s); \
		failures++; \
	} \
} while (0)

static void texts(void)
{
	AGREE("{}"); AGREE("[]"); AGREE(" \t\r\n{ } \n"); AGREE(""); AGREE("   "); AGREE("1"); AGREE("\"s\"");
	AGREE("null"); AGREE("true"); AGREE("{}{}"); AGREE("{} x"); AGREE("{"); AGREE("[1,]"); AGREE("[,1]");
	AGREE("{\"a\":1,}"); AGREE("{\"a\" 1}"); AGREE("{a:1}"); AGREE("{\"a\":}"); AGREE("[1 2]");
	AGREE("[true,false,null]"); AGREE("[truex]"); AGREE("[tru]"); AGREE("[nul]"); AGREE("[True]");
	AGREE("{\"a\":{\"b\":[1,{\"c\":\"d\"}]},\"e\":[]}");
	/* numbers */
	AGREE("[0,-0,1,-1,12,1.5,-1.5e3,1E+2,1e-2,0.0]"); AGREE("[01]"); AGREE("[-01]"); AGREE("[1.]");
	AGREE("[.5]"); AGREE("[1e]"); AGREE("[1e+]"); AGREE("[-]"); AGREE("[+1]"); AGREE("[0x10]");
	AGREE("[9223372036854775807,-9223372036854775808]"); AGREE("[9223372036854775808]");
	AGREE("[-9223372036854775809]"); AGREE("[1e400]"); AGREE("[-1e400]"); AGREE("[1e-400]");
	AGREE("[Infinity]"); AGREE("[NaN]"); AGREE("[1.5x]");
	/* strings */
	AGREE("[\"\",\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"]"); AGREE("[\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\"]");
	AGREE("[\"\\u0000\"]"); AGREE("[\"\\ud83d\"]"); AGREE("[\"\\ud83dx\"]"); AGREE("[\"\\ude00\"]");
	AGREE("[\"\\ud83d\\u0041\"]"); AGREE("[\"\\u12\"]"); AGREE("[\"\\u12G4\"]"); AGREE("[\"\\x\"]");
	AGREE("[\"a\tb\"]"); AGREE("[\"a\nb\"]"); AGREE("[\"\x7f\"]"); AGREE("[\"abc"); AGREE("[\"abc\\");
	AGREE("[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"]"); AGREE("[\"\xc3\"]"); AGREE("[\"\xc0\xaf\"]");
	AGREE("[\"\xe0\x80\xaf\"]"); AGREE("[\"\xed\xa0\x80\"]"); AGREE("[\"\xf4\x90\x80\x80\"]");
	AGREE("[\"\xf5\x80\x80\x80\"]"); AGREE("[\"\x80\"]"); AGREE("[\"\xe2\x82\"]"); AGREE("[\xc3\xa9]");
	AGREE("{\"\\u00e9\":1,\"k\\n\":2}"); AGREE("{\"\\u0000\":1}");
	/* long strings: what stops a scan lands anywhere in a run of 16 bytes */
	AGREE("[\"0123456789abcdef0123456789\\n0123456789abcdef\\u00e9xyz\xc3\xa9" "0123456789abcdef\"]");
	AGREE("[\"0123456789abcdefghijklmnopqrstu\x01v\"]"); AGREE("[\"0123456789abcdefghijklmnopqrstu\xc3\"]");
	AGREE("[\"0123456789abcdefghijklmnopqrstu\\q\"]"); AGREE("[\"0123456789abcdefghijklmnopqrstu");
	AGREE("[\"0123456789abcdef\x7f\x7f\\t\\t\\t\xe2\x82\xac\xe2\x82\xac" "0123456789abcdef0123456789abcdef\"]");
	/* an embedded NUL byte */
	AGREE("[1]\0"); AGREE("[\"a\0b\"]"); AGREE("[1,\0 2]");
	/* repeated keys: first place, last value */
	AGREE("{\"a\":1,\"b\":2,\"a\":3}"); AGREE("{\"ab\":1,\"ac\":2,\"ab\":3,\"ad\":4,\"ac\":{}}");
	AGREE("{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,\"k9\":9,"
	      "\"k10\":10,\"k11\":11,\"k12\":12,\"k13\":13,\"k14\":14,\"k15\":15,\"k16\":16,\"k3\":33,\"k16\":[]}");
}

static void depth(void)
{
	enum { N = 2050 };
	char *s = malloc(2 * N + 2);
	if (!s) {
		CHECK(0);
		return;
	}
	for (size_t n = 2046; n <= N; n++) { /* n arrays, then n arrays around a 0 */
		memset(s, '[', n);
		memset(s + n, ']', n);
		CHECK(agree(s, 2 * n));
		s[n] = '0';
		memset(s + n + 1, ']', n);
		CHECK(agree(s, 2 * n + 1));
	}
	free(s);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n = -1;
	if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (f)
		fclose(f);
	*len = n < 0 ? 0 : (size_t)n;
	return buf;
}

/* The file as it is, cut short at many places, and with bytes replaced by ones that matter
 * to a parser; a fixed seed, so that a failure repeats. */
static void real_file(const char *path)
{
	size_t len;
	char *buf = slurp(path, &len);
	CHECK(buf != NULL);
	if (!buf)
		return;
	CHECK(agree(buf, len));
	for (size_t cut = 0; cut < len; cut += len / 97 + 1)
		CHECK(agree(buf, cut));
	static const char bytes[] = "\"\\{}[],:0-e.u \x01\x80\xc3\xff";
	unsigned seed = 12345;
	for (int k = 0; k < 300; k++) {
		seed = seed * 1103515245u + 12345u;
		size_t at = (seed >> 4) % len;
		char was = buf[at];
		buf[at] = bytes[(seed >> 20) % (sizeof bytes - 1)];
		CHECK(agree(buf, len));
		buf[at] = was;
	}
	free(buf);
}

static void accessors(void)
{
	int rc;
	static const char t[] = "{\"a\":[1,\"x\",true,null,2.5],\"o\":{}}";
	const cg_jv *v = cg_jdoc_parse(t, sizeof t - 1, &rc), *a = cg_jv_get(v, "a");
	CHECK(v && rc == CG_OK && cg_jv_arr_size(a) == 5);
	CHECK(cg_jv_int(cg_jv_at(a, 0)) == 1 && cg_jv_int(cg_jv_at(a, 1)) == 0 && cg_jv_int(cg_jv_at(a, 4)) == 0);
	CHECK(strcmp(cg_jv_str(cg_jv_at(a, 1)), "x") == 0 && !cg_jv_str(cg_jv_at(a, 0)));
	CHECK(cg_jv_is_true(cg_jv_at(a, 2)) && cg_jv_is_bool(cg_jv_at(a, 2)) && cg_jv_is_null(cg_jv_at(a, 3)));
	CHECK(!cg_jv_at(a, 5) && !cg_jv_get(a, "a") && !cg_jv_get(v, "b") && !cg_jv_get(NULL, "a"));
	CHECK(cg_jv_obj_size(cg_jv_get(v, "o")) == 0 && !cg_jv_first(cg_jv_get(v, "o")) && cg_jv_obj_size(a) == 0);
	CHECK(cg_jv_arr_size(v) == 0 && cg_jv_arr_size(NULL) == 0 && !cg_jv_is_int(NULL) && !cg_jv_str(NULL));
	CHECK(strcmp(cg_jv_first(v)->key, "a") == 0);
	CHECK(!cg_jdoc_parse(NULL, 0, &rc) && rc == CG_EDATA); /* nothing to read */
}

int main(void)
{
	texts();
	depth();
	accessors();
	real_file("examples/ws/target/doc/shapes_core.json");
	real_file("examples/ws/target/doc/shapes_cli.json");
	return check_exit("test_jdoc");
}

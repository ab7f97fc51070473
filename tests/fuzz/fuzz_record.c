/* fuzz_record: libFuzzer target for the record decoder and the key formatter. Most inputs
 * get a valid header built around them (type, version, then the body with its checksum), so
 * that the body checks and the in-place accessors are reached; inputs whose first byte has
 * the high bit set are decoded raw, as a damaged value would be. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "codec/keys.h"
#include "codec/keytext.h"
#include "query/read.h"
#include "codec/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void decode(const uint8_t *buf, size_t len)
{
	cg_rec rec;
	cg_err err = { 0 };
	cg_buf out = { 0 };
	if (cg_rec_open(buf, len, 0, &rec, &err))
		return;
	if (rec.type == CG_REC_VERTEX) {
		cg_vertex v;
		cg_vertex_view(&rec, &v);
		cg_read_json_vertex(&out, 1, &v); /* reads every string */
	} else if (rec.type == CG_REC_EDGE) {
		cg_edge_val e;
		cg_edge_view(&rec, &e);
		if (e.file)
			cg_read_json_str(&out, e.file);
	} else if (rec.type == CG_REC_META) {
		cg_read_json_str(&out, cg_meta_text(&rec));
	}
	cg_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	if (data[0] & 0x80) {
		decode(data + 1, size - 1);
	} else {
		size_t blen = size - 2;
		uint8_t *buf = malloc(CG_REC_HEADER_LEN + blen);
		if (!buf)
			return 0;
		uint8_t type = data[0] % 5, version = data[1] % 3;
		buf[0] = 'c';
		buf[1] = 'g';
		buf[2] = type;
		buf[3] = version;
		put_le(buf + 4, blen, 4);
		memcpy(buf + CG_REC_HEADER_LEN, data + 2, blen);
		put_le(buf + 8, XXH3_64bits_withSeed(data + 2, blen, (uint64_t)type << 8 | version), 8);
		decode(buf, CG_REC_HEADER_LEN + blen);
		free(buf);
	}
	/* the same bytes as a key, and as the readable text of a key */
	cg_buf text = { 0 }, key = { 0 };
	cg_err err = { 0 };
	cg_key_format(&text, data + 1, size - 1);
	char *s = malloc(size);
	if (s) {
		memcpy(s, data + 1, size - 1);
		s[size - 1] = 0;
		cg_keytext_parse(s, &key, &err);
		free(s);
	}
	cg_buf_free(&text);
	cg_buf_free(&key);
	return 0;
}

/* fuzz_ndjson: libFuzzer target for the NDJSON record parser (cg_ndjson_parse), line by line,
 * strict for even sizes and lenient for odd ones: both the fixed-shape scanner and the
 * jansson fallback see every input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "input/ndjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cg_ndjson_parser *p = cg_ndjson_parser_new(size % 2);
	const char *s = (const char *)data, *end = s + size;
	for (size_t line = 1; p && s < end; line++) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		cg_ndjson_rec rec;
		cg_err err = { 0 };
		if (!cg_ndjson_blank(s, n))
			cg_ndjson_parse(p, "fuzz", line, s, n, &rec, &err);
		s += n + 1;
	}
	cg_ndjson_parser_free(p);
	return 0;
}

/* fuzz_ndjson: libFuzzer target for the NDJSON graph reader (cg_ndjson_read), with a
 * resolver standing in for the store: 16-hex ids exist, paths are unknown. */
#include <stddef.h>
#include <stdint.h>

#include "codec/keys.h"
#include "input/ndjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int stub_resolve(void *ctx, const char *ref, uint64_t *vid, cg_err *err)
{
	(void)ctx;
	if (cg_vid_parse(ref, vid) == 0)
		return 0;
	return cg_err_set(err, CG_EDATA, "unknown vertex %s", ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cg_graph *g = NULL;
	cg_err err = { 0 };
	/* odd sizes read without a resolver, as a reader with no store would */
	if (cg_ndjson_read("fuzz", (const char *)data, size, "fuzz", size % 2 ? NULL : stub_resolve, NULL,
			   &g, &err) == 0)
		cg_graph_free(g);
	return 0;
}

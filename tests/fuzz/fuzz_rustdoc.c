/* fuzz_rustdoc: libFuzzer target for the rustdoc JSON reader (cg_rustdoc_read); every input
 * must give a graph or an error, never a crash, a leak or undefined behaviour. */
#include <stddef.h>
#include <stdint.h>

#include "input/rustdoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cg_graph *g = NULL;
	cg_err err = { 0 };
	/* the second option set keeps synthetic impls: another path through the impl code */
	cg_rustdoc_opts o = { .keep_synthetic = size % 2, .features = "fuzz" };
	if (cg_rustdoc_read("fuzz", (const char *)data, size, &o, &g, &err) == 0)
		cg_graph_free(g);
	return 0;
}

/* test_grow: arrays grow by doubling from their first size, keep their contents, and a size
 * that would overflow is refused with the array left as it was. */
#include <stdint.h>
#include <stdlib.h>

#include "base/grow.h"
#include "check.h"

static void grows_and_keeps(void)
{
	uint64_t *a = NULL;
	size_t cap = 0;
	for (size_t n = 0; n < 1000; n++) {
		CHECK(CG_GROW(a, cap, n + 1, 16) == 0);
		CHECK(cap >= n + 1);
		a[n] = n * 7;
	}
	CHECK(cap == 1024); /* 16 doubled six times */
	int kept = 1;
	for (size_t n = 0; n < 1000; n++)
		kept &= a[n] == n * 7;
	CHECK(kept);
	CHECK(CG_GROW(a, cap, 10, 16) == 0 && cap == 1024); /* room already: nothing moves */
	free(a);
}

static void refuses_overflow(void)
{
	uint64_t *a = NULL;
	size_t cap = 0;
	CHECK(CG_GROW(a, cap, 4, 4) == 0 && cap == 4);
	uint64_t *before = a;
	CHECK(CG_GROW(a, cap, SIZE_MAX / 2, 4) == -1);
	CHECK(a == before && cap == 4);
	free(a);
}

int main(void)
{
	grows_and_keeps();
	refuses_overflow();
	return check_exit("test_grow");
}

/* fuzz_cargolock: libFuzzer target for the Cargo.lock reader: parse, then walk every
 * package, look each one up by name and resolve its dependencies. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "input/cargolock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cg_lockfile *l = NULL;
	cg_err err = { 0 };
	if (cg_lockfile_parse("fuzz", (const char *)data, size, &l, &err))
		return 0;
	size_t sum = 0;
	for (size_t i = 0; i < cg_lockfile_count(l); i++) {
		const cg_lock_pkg *p = cg_lockfile_at(l, i);
		sum += strlen(p->name) + (p->version ? strlen(p->version) : 0);
		sum += p->source ? strlen(p->source) : 0;
		sum += p->checksum ? strlen(p->checksum) : 0;
		if (!cg_lockfile_find(l, p->name, p->version))
			__builtin_trap(); /* a package must find itself */
		for (size_t k = 0; k < p->ndeps; k++) {
			const cg_lock_pkg *d = cg_lockfile_dep(l, &p->deps[k]);
			sum += d ? strlen(d->name) : strlen(p->deps[k].name);
		}
	}
	cg_lockfile_free(l);
	return sum == (size_t)-1;
}

/* ident: unit and item ids. */
#include "ident.h"

#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "record.h"

uint64_t cg_unit_id(const char *unit)
{
	return cg_vid(unit, strlen(unit));
}

/* The hash of "crate@version::path#kind", the text joined on the stack when it fits: one is
 * made per vertex, and printf and a heap buffer were 8 % of a rustdoc parse. A NULL part
 * reads "(null)", as it did through printf. */
uint64_t cg_item_vid(const char *crate, const char *version, const char *path, int kind)
{
	const char *part[] = { crate, "@", version, "::", path, "#", cg_kind_name(kind) };
	enum { NPART = sizeof part / sizeof *part };
	size_t len[NPART], n = 0;
	for (size_t i = 0; i < NPART; i++)
		n += len[i] = strlen(part[i] = part[i] ? part[i] : "(null)");
	char small[512], *text = n <= sizeof small ? small : malloc(n);
	if (!text)
		return 0;
	for (size_t i = 0, at = 0; i < NPART; at += len[i++])
		memcpy(text + at, part[i], len[i]);
	uint64_t vid = cg_vid(text, n);
	if (text != small)
		free(text);
	return vid;
}

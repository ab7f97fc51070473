/* ident: unit and item ids. */
#include "ident.h"

#include <string.h>

#include "base/buf.h"
#include "keys.h"
#include "record.h"

uint64_t cg_unit_id(const char *unit)
{
	return cg_vid(unit, strlen(unit));
}

uint64_t cg_item_vid(const char *crate, const char *version, const char *path, int kind)
{
	cg_buf b = { 0 };
	uint64_t vid = 0;
	if (cg_buf_printf(&b, "%s@%s::%s#%s", crate, version, path, cg_kind_name(kind)) == 0)
		vid = cg_vid((const char *)b.data, b.len);
	cg_buf_free(&b);
	return vid;
}

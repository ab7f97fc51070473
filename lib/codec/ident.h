/* ident: the stable ids of units and items, shared by the readers that build graphs, the
 * ingest that writes them and the queries and checks that look them up. */
#ifndef CG_IDENT_H
#define CG_IDENT_H

#include <stdint.h>

/* The id of a unit ("crate@version", or an NDJSON unit's name): XXH3 of the name. */
uint64_t cg_unit_id(const char *unit);

/* The stable id of an item: XXH3 of "crate@version::path#kind". */
uint64_t cg_item_vid(const char *crate, const char *version, const char *path, int kind);

#endif

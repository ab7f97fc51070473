/* rustdoc: turns one rustdoc JSON document (`rustdoc --output-format json`, format 57) into
 * the graph of its crate: items as vertices, external items as stubs, and Contains, Uses,
 * Implements and Depends edges keyed by stable vids. */
#ifndef CG_RUSTDOC_H
#define CG_RUSTDOC_H

#include <stddef.h>

#include "cargolock.h"
#include "base/err.h"
#include "graph.h"

/* The format versions whose differences in the fields cg reads are known (docs/design.md,
 * "rustdoc format versions", has the history): 55 added the attribute variant "macro_use"
 * (54 wrote it as {"other": "#[macro_use]"}; cg reads no attrs), 56 added the item kind
 * "attribute" (paths[].kind; cg leaves items of that kind out), 57 added
 * external_crates[].path (read when present to tell the toolchain's crates; before it,
 * html_root_url alone tells them). Older versions are refused: their changes were not all
 * checked against the fields cg reads. A newer version is read as the newest known one: where
 * a field cg needs changed shape, the error names its JSON path. */
#define CG_RUSTDOC_FORMAT_MIN 54
#define CG_RUSTDOC_FORMAT_VERSION 57

typedef struct cg_rustdoc_opts {
	const cg_lockfile *lock; /* may be NULL: versions then come from the JSON alone */
	const char *features;    /* recorded in the unit info, may be NULL */
	int keep_synthetic;      /* keep auto-trait and blanket impls (default: leave out) */
} cg_rustdoc_opts;

/* Parses buf (len bytes) into a new graph whose unit is "crate@version" with its unit info
 * set (name, version, checksum, features, source = name, bytes, depends). o may be NULL.
 * Errors are CG_EDATA with messages starting with name: "NAME: line N: invalid JSON: ...",
 * "NAME: index.42.inner: missing field 'kind'", "NAME: format_version 53 is not supported
 * (supported: 54 to 57)"; CG_EINTERNAL when memory runs out. */
int cg_rustdoc_read(const char *name, const char *buf, size_t len, const cg_rustdoc_opts *o,
		    cg_graph **out, cg_err *err);

#endif

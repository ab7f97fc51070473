/* cargolock: a reader for Cargo.lock (lockfile versions 1 to 4): the packages, their
 * versions, sources, checksums and dependency lists, for crate versions and Depends edges. */
#ifndef CG_CARGOLOCK_H
#define CG_CARGOLOCK_H

#include <stddef.h>

#include "base/err.h"

/* One entry of a package's `dependencies`: "name", "name version" or
 * "name version (source)". version is NULL when the lockfile names only the package. */
typedef struct cg_lock_dep {
	const char *name;
	const char *version;
} cg_lock_dep;

typedef struct cg_lock_pkg {
	const char *name;     /* package name as written ("regex-syntax") */
	const char *version;
	const char *source;   /* NULL for workspace members and path dependencies */
	const char *checksum; /* NULL, 64 hex digits, or any text a vendoring tool wrote */
	const cg_lock_dep *deps;
	size_t ndeps;
} cg_lock_pkg;

typedef struct cg_lockfile cg_lockfile;

/* Reads the file at path. CG_ENOINPUT when it does not exist, CG_EIO when it cannot be
 * read, CG_EDATA "PATH: line N: ..." when it is not a lockfile. */
int cg_lockfile_load(const char *path, cg_lockfile **out, cg_err *err);
/* Same from text in memory; name is used in messages. */
int cg_lockfile_parse(const char *name, const char *text, size_t len, cg_lockfile **out, cg_err *err);
void cg_lockfile_free(cg_lockfile *l);

size_t cg_lockfile_count(const cg_lockfile *l);
const cg_lock_pkg *cg_lockfile_at(const cg_lockfile *l, size_t i); /* in file order */

/* Package by name, '-' and '_' being equal. version (may be NULL) picks one of several
 * versions; NULL with several gives the first in file order. NULL when none matches. */
const cg_lock_pkg *cg_lockfile_find(const cg_lockfile *l, const char *name, const char *version);
/* The package a dependency entry of pkg resolves to, or NULL. */
const cg_lock_pkg *cg_lockfile_dep(const cg_lockfile *l, const cg_lock_dep *d);

/* Compares package names with '-' and '_' equal, like strcmp. */
int cg_lock_namecmp(const char *a, const char *b);

#endif

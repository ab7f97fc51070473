/* input: read input files whole (plain, or zstd-compressed when named *.zst; "-" is stdin)
 * and list the rustdoc JSON files of a directory. */
#ifndef CG_INPUT_H
#define CG_INPUT_H

#include <stddef.h>

#include "base/err.h"

/* *data is malloc'd and NUL-terminated; CG_ENOINPUT when missing, CG_EIO when unreadable,
 * CG_EDATA when a .zst file does not decompress. */
int cg_input_read(const char *path, char **data, size_t *len, cg_err *err);

/* The *.json and *.json.zst files directly in dir, sorted by name; free with
 * cg_input_free_list. */
int cg_input_list_dir(const char *dir, char ***paths, size_t *n, cg_err *err);
void cg_input_free_list(char **paths, size_t n);

#endif

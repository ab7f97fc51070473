/* input: read input files in pieces or whole ("-" is stdin), decompressing zstd and gzip
 * content (recognised by its first bytes, whatever the name), and list the rustdoc JSON
 * files of a directory. */
#ifndef CG_INPUT_H
#define CG_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct cg_input cg_input;

/* CG_ENOINPUT when missing, CG_EIO when it cannot be opened. */
int cg_input_open(const char *path, cg_input **in, cg_err *err);
/* The next up to cap bytes of content into buf; *got is 0 at the end. CG_EIO when
 * unreadable, CG_EDATA when compressed content does not decompress to its end. */
int cg_input_next(cg_input *in, char *buf, size_t cap, size_t *got, cg_err *err);
void cg_input_close(cg_input *in);

/* The whole content: *data is malloc'd and NUL-terminated; errors as above. */
int cg_input_read(const char *path, char **data, size_t *len, cg_err *err);

/* XXH3 of the whole content with seed and its length, equal to XXH3_64bits_withSeed over
 * what cg_input_read returns, read in pieces without holding it; errors as above. */
int cg_input_hash(const char *path, uint64_t seed, uint64_t *hash, size_t *len, cg_err *err);

/* The *.json, *.json.zst and *.json.gz files directly in dir, sorted by name; free with
 * cg_input_free_list. */
int cg_input_list_dir(const char *dir, char ***paths, size_t *n, cg_err *err);
void cg_input_free_list(char **paths, size_t n);

#endif

/* escape: the pieces shared by the readers that unescape text formats (JSON strings in jdoc,
 * TOML strings in cargolock): hex digits and UTF-8 encoding of a code point. */
#ifndef CG_ESCAPE_H
#define CG_ESCAPE_H

#include <stdint.h>

/* The value of hex digit c (either case), -1 when c is none. */
int cg_hex_digit(int c);

/* Writes code point cp (at most 0x10FFFF) as UTF-8 at w; returns the end (1 to 4 bytes on). */
char *cg_utf8_put(char *w, uint32_t cp);

#endif

/* json_arena: jansson documents built in one mapped region per thread and dropped whole.
 *
 * A rustdoc file becomes a jansson tree of about ten times its size in millions of small
 * allocations; malloc, free and the page faults of a heap that grows and shrinks were half
 * of a corpus ingest. While a thread has an arena open, jansson's allocations on that thread
 * are bumped out of the region (past its end they fall back to malloc), frees inside it do
 * nothing, and closing it unmaps the region: the document is never walked to be freed. */
#ifndef CG_INPUT_JSON_ARENA_H
#define CG_INPUT_JSON_ARENA_H

#include <stddef.h>

/* Open this thread's arena for a document parsed from len bytes. Returns 1 when open, 0
 * when no region could be mapped (jansson then allocates with malloc as usual, and the
 * document must be freed with json_decref). */
int cg_json_arena_open(size_t len);

/* Drop everything allocated since cg_json_arena_open on this thread. No json_t from it may
 * be used, or released with json_decref, afterwards. */
void cg_json_arena_close(void);

#endif

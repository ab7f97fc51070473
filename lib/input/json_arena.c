/* json_arena: a bump allocator for one jansson document at a time per thread (json_arena.h). */
#include "json_arena.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

/* Virtual room per input byte: rustdoc trees measured 9-14x the file; the rest stays
 * unmapped. A document that needs more (tiny nested values) gets further chunks, each twice
 * the last, so everything it holds is dropped with the arena. */
enum { ROOM_PER_BYTE = 32, ROOM_MIN = 1 << 21, ALIGN = 16, MAX_CHUNKS = 24 };

typedef struct chunk {
	char *base, *next, *end;
} chunk;

static _Thread_local chunk chunks[MAX_CHUNKS];
static _Thread_local int nchunks, open_;
static pthread_once_t hooked = PTHREAD_ONCE_INIT;

static int map_chunk(size_t room)
{
	room = (room + ROOM_MIN - 1) & ~(size_t)(ROOM_MIN - 1);
	if (nchunks == MAX_CHUNKS || !room)
		return -1;
	void *p = mmap(NULL, room, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	madvise(p, room, MADV_HUGEPAGE); /* fewer faults; only a hint */
	chunks[nchunks++] = (chunk){ p, p, (char *)p + room };
	return 0;
}

/* NULL when the arena cannot grow: jansson reports that as out of memory. */
static void *arena_malloc(size_t size)
{
	if (!open_)
		return malloc(size);
	size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	chunk *c = &chunks[nchunks - 1];
	if (need < size)
		return NULL;
	if ((size_t)(c->end - c->next) < need) {
		size_t last = (size_t)(c->end - c->base);
		if (map_chunk(last > SIZE_MAX / 2 - need ? 0 : 2 * last + need))
			return NULL;
		c = &chunks[nchunks - 1];
	}
	void *p = c->next;
	c->next += need;
	return p;
}

static void arena_free(void *p)
{
	for (int i = 0; i < nchunks; i++)
		if ((char *)p >= chunks[i].base && (char *)p < chunks[i].end)
			return;
	free(p);
}

/* jansson's allocator is process-wide: from here on every jansson allocation comes through
 * arena_malloc, which is plain malloc on a thread with no arena open. Pointers malloc gave
 * are outside every chunk, so arena_free frees them. */
static void hook(void)
{
	json_set_alloc_funcs(arena_malloc, arena_free);
}

int cg_json_arena_open(size_t len)
{
	pthread_once(&hooked, hook);
	cg_json_arena_close();
	if (map_chunk(len > (SIZE_MAX - ROOM_MIN) / ROOM_PER_BYTE ? 0 : len * ROOM_PER_BYTE + ROOM_MIN))
		return 0;
	open_ = 1;
	return 1;
}

void cg_json_arena_close(void)
{
	for (int i = 0; i < nchunks; i++)
		munmap(chunks[i].base, (size_t)(chunks[i].end - chunks[i].base));
	nchunks = open_ = 0;
}

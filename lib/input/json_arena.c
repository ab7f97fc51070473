/* json_arena: a bump allocator for one jansson document at a time per thread (json_arena.h). */
#include "json_arena.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

/* Virtual room per input byte: trees measured 8-11x the file; the rest stays unmapped. */
enum { ROOM_PER_BYTE = 32, ROOM_MIN = 1 << 21, ALIGN = 16 };

typedef struct {
	char *base, *next, *end;
} region;

static _Thread_local region cur;
static pthread_once_t hooked = PTHREAD_ONCE_INIT;

static void *arena_malloc(size_t size)
{
	size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (cur.base && need >= size && (size_t)(cur.end - cur.next) >= need) {
		void *p = cur.next;
		cur.next += need;
		return p;
	}
	return malloc(size);
}

static void arena_free(void *p)
{
	if (cur.base && (char *)p >= cur.base && (char *)p < cur.end)
		return;
	free(p);
}

/* jansson's allocator is process-wide: from here on every jansson allocation comes through
 * arena_malloc, which is plain malloc on a thread with no arena open. Pointers malloc gave
 * before are outside every region, so arena_free frees them. */
static void hook(void)
{
	json_set_alloc_funcs(arena_malloc, arena_free);
}

int cg_json_arena_open(size_t len)
{
	pthread_once(&hooked, hook);
	cg_json_arena_close();
	size_t room = len > (SIZE_MAX - ROOM_MIN) / ROOM_PER_BYTE ? 0 : len * ROOM_PER_BYTE + ROOM_MIN;
	room = (room + ROOM_MIN - 1) & ~(size_t)(ROOM_MIN - 1);
	void *p = room ? mmap(NULL, room, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
		       : MAP_FAILED;
	if (p == MAP_FAILED)
		return 0;
	madvise(p, room, MADV_HUGEPAGE); /* fewer faults; only a hint */
	cur = (region){ p, p, (char *)p + room };
	return 1;
}

void cg_json_arena_close(void)
{
	if (cur.base)
		munmap(cur.base, (size_t)(cur.end - cur.base));
	cur = (region){ 0 };
}

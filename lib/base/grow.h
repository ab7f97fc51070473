/* grow: the one way an array of fixed-size elements grows, doubling so appends stay O(1). */
#ifndef CG_GROW_H
#define CG_GROW_H

#include <stddef.h>

/* Makes room for at least `need` elements of `elem` bytes in the array whose pointer is at
 * `arrayp` and whose capacity is *cap (first allocation: `first` elements). Returns 0, or -1
 * when memory runs out or the size overflows; then the array and *cap are as they were. */
int cg_grow(void *arrayp, size_t *cap, size_t need, size_t elem, size_t first);

/* CG_GROW(a, cap, need, first): cg_grow for an array `a` of any element type. */
#define CG_GROW(a, cap, need, first) cg_grow(&(a), &(cap), (need), sizeof *(a), (first))

/* Asks for transparent huge pages over the whole 2 MiB pages inside [p, p + n): a large
 * array touched at random or front to back faults and misses the TLB far less. A hint. */
void cg_advise_huge(void *p, size_t n);

#endif

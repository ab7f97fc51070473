/* clock: monotonic time for durations and deadlines. */
#ifndef CG_CLOCK_H
#define CG_CLOCK_H

#include <stdint.h>

/* Microseconds on CLOCK_MONOTONIC (a vDSO call, no system call). */
int64_t cg_clock_us(void);

#endif

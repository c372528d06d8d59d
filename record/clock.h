/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel's CLOCK_MONOTONIC stamps converted to wall-clock time
 * (docs/format.md §6). */
#ifndef NETREC_RECORD_CLOCK_H
#define NETREC_RECORD_CLOCK_H

#include <stdint.h>

struct nr_clock {
	int64_t mono_to_real_ns;  /* REALTIME = MONOTONIC + this */
	uint64_t uncertainty_ns;  /* half the width of the tightest bracket */
	int64_t measured_at_ns;   /* REALTIME of the measurement */
};

/* Brackets a CLOCK_REALTIME read between two CLOCK_MONOTONIC reads
 * `rounds` times and keeps the tightest bracket. */
int clock_measure(struct nr_clock *c, int rounds);
int64_t clock_now_ns(int clockid);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Measures REALTIME - MONOTONIC once at start-up (docs/format.md §6): the
 * same offset then converts every timestamp of the recording, so times in
 * one file are exactly comparable. It does not follow later steps of the
 * wall clock (NTP slews), on purpose.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "clock.h"

int64_t clock_now_ns(int clockid)
{
	struct timespec ts;

	if (clock_gettime(clockid, &ts))
		return 0;
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int clock_measure(struct nr_clock *c, int rounds)
{
	int64_t best_width = INT64_MAX;
	int i;

	if (rounds < 1)
		return -EINVAL;
	for (i = 0; i < rounds; i++) {
		int64_t m1 = clock_now_ns(CLOCK_MONOTONIC);
		int64_t r = clock_now_ns(CLOCK_REALTIME);
		int64_t m2 = clock_now_ns(CLOCK_MONOTONIC);
		int64_t width = m2 - m1;

		if (!m1 || !r || !m2)
			return -errno;
		if (width < 0 || width >= best_width)
			continue;
		best_width = width;
		/* the REALTIME read happened at the bracket's middle, +- width/2 */
		c->mono_to_real_ns = r - (m1 + width / 2);
		c->uncertainty_ns = (uint64_t)(width + 1) / 2;
		c->measured_at_ns = r;
	}
	return best_width == INT64_MAX ? -EIO : 0;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/* The same packet seen on several interfaces (docs/format.md §4 same_id). */
#ifndef NETREC_RECORD_SAME_H
#define NETREC_RECORD_SAME_H

#include <stdbool.h>
#include <stdint.h>

#include "netrec.h"

/* How far apart (CLOCK_MONOTONIC ns) two sightings of one packet may be. */
#define SAME_WINDOW_NS (10 * 1000000ULL)

/* The packet's same-packet id (never 0), and whether it is a later copy
 * of a packet seen on another interface within SAME_WINDOW_NS. */
uint64_t same_packet(const struct nr_pkt *p, const uint8_t *data, bool *copy);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-CPU sequence gaps (files.sequence_gaps): for each file and CPU, the
 * sequence numbers between the smallest and the largest that no record
 * carries, i.e. records lost rather than reordered. Records come in time
 * order, in which a CPU's numbers rise but for small local swaps: the
 * numbers seen are kept as a bitmap of the last GAPS_WINDOW below the
 * largest, so that each is counted once. A number further behind, or more
 * (file, CPU) pairs than GAPS_MAX_GROUPS, leaves that file's count unknown.
 */
#ifndef NETANALYZE_GAPS_H
#define NETANALYZE_GAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "u64map.h"

#define GAPS_WINDOW 65536
#define GAPS_MAX_GROUPS 1024

struct gaps {
	struct u64map map;       /* (file, cpu) key -> index + 1 */
	struct gaps_group *g;
	uint32_t n, cap;
	uint32_t *unknown;       /* files whose count is unknown, sorted */
	uint32_t nunknown, unknown_cap;
};

void gaps_init(struct gaps *s);
void gaps_free(struct gaps *s);
/* A record of file_id with a per-CPU sequence number (cpu absent:
 * has_cpu false). */
void gaps_add(struct gaps *s, uint32_t file_id, bool has_cpu, int64_t cpu, int64_t seq);
/* The file's missing numbers; false if they could not be counted. */
bool gaps_of(const struct gaps *s, uint32_t file_id, int64_t *missing);

#endif

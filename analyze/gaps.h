/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-CPU sequence gaps (files.sequence_gaps): for each file and CPU, the
 * sequence numbers between the smallest and the largest that no record
 * carries, i.e. records lost rather than reordered. The numbers seen are
 * kept as runs of consecutive numbers, so that each is counted once in any
 * order: records in time order extend the last run, a lost stretch starts
 * a new one, a number seen again (a duplicated record) changes nothing.
 * Memory and work are bounded: more than GAPS_MAX_RUNS runs in all, more
 * than GAPS_MAX_MOVES runs moved to make room for numbers that come far
 * out of order, or more (file, CPU) pairs than GAPS_MAX_GROUPS, leave that
 * file's count unknown (then SQL counts it from the rows).
 */
#ifndef NETANALYZE_GAPS_H
#define NETANALYZE_GAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "u64map.h"

#define GAPS_MAX_RUNS (1u << 20)
#define GAPS_MAX_MOVES (1ull << 26)
#define GAPS_MAX_GROUPS 1024

struct gaps {
	struct u64map map;       /* (file, cpu) key -> index + 1 */
	struct gaps_group *g;
	uint32_t n, cap;
	uint32_t *unknown;       /* files whose count is unknown */
	uint32_t nunknown, unknown_cap;
	uint64_t runs, moves;    /* runs held in all; runs moved to insert one */
};

void gaps_init(struct gaps *s);
void gaps_free(struct gaps *s);
/* A record of file_id with a per-CPU sequence number (cpu absent:
 * has_cpu false). */
void gaps_add(struct gaps *s, uint32_t file_id, bool has_cpu, int64_t cpu, int64_t seq);
/* The file's missing numbers; false if they could not be counted. */
bool gaps_of(const struct gaps *s, uint32_t file_id, int64_t *missing);

#endif

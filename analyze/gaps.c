/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-CPU sequence gaps (gaps.h). A group's bitmap is a ring of
 * GAPS_WINDOW bits indexed by sequence number modulo its size: bit i is set
 * when number i (within the window below the largest) was seen. Moving the
 * largest forward clears the bits that leave the window.
 */
#include <stdlib.h>
#include <string.h>

#include "gaps.h"

#define WORDS (GAPS_WINDOW / 64)

struct gaps_group {
	uint32_t file_id;
	bool has_cpu;
	int64_t cpu;
	int64_t min, max;
	uint64_t distinct;
	uint64_t bits[WORDS];
};

void gaps_init(struct gaps *s)
{
	memset(s, 0, sizeof(*s));
	u64map_init(&s->map, GAPS_MAX_GROUPS);
}

void gaps_free(struct gaps *s)
{
	u64map_free(&s->map);
	free(s->g);
	free(s->unknown);
	memset(s, 0, sizeof(*s));
}

static bool is_unknown(const struct gaps *s, uint32_t file_id)
{
	for (uint32_t i = 0; i < s->nunknown; i++)
		if (s->unknown[i] == file_id)
			return true;
	return false;
}

static void set_unknown(struct gaps *s, uint32_t file_id)
{
	if (is_unknown(s, file_id))
		return;
	if (s->nunknown == s->unknown_cap) {
		uint32_t cap = s->unknown_cap ? s->unknown_cap * 2 : 8;
		uint32_t *v = realloc(s->unknown, cap * sizeof(*v));

		if (!v)
			return;   /* then it stays "known": the caller's count is off */
		s->unknown = v;
		s->unknown_cap = cap;
	}
	s->unknown[s->nunknown++] = file_id;
}

static uint64_t key_of(uint32_t file_id, bool has_cpu, int64_t cpu)
{
	uint64_t k = (uint64_t)cpu * 0x9e3779b97f4a7c15ULL;

	return (k ^ ((uint64_t)file_id << 1) ^ has_cpu) * 0xff51afd7ed558ccdULL;
}

static bool bit(const struct gaps_group *g, int64_t seq)
{
	uint64_t i = (uint64_t)seq % GAPS_WINDOW;

	return g->bits[i / 64] & (1ull << (i % 64));
}

static void set_bit(struct gaps_group *g, int64_t seq)
{
	uint64_t i = (uint64_t)seq % GAPS_WINDOW;

	g->bits[i / 64] |= 1ull << (i % 64);
}

void gaps_add(struct gaps *s, uint32_t file_id, bool has_cpu, int64_t cpu, int64_t seq)
{
	uint64_t *v;
	struct gaps_group *g;
	bool fresh;

	if (is_unknown(s, file_id))
		return;
	v = u64map_put(&s->map, key_of(file_id, has_cpu, cpu), &fresh);
	if (!v) {
		set_unknown(s, file_id);
		return;
	}
	if (fresh) {
		if (s->n == s->cap) {
			uint32_t cap = s->cap ? s->cap * 2 : 4;
			struct gaps_group *n = realloc(s->g, cap * sizeof(*n));

			if (!n) {
				set_unknown(s, file_id);
				return;
			}
			s->g = n;
			s->cap = cap;
		}
		g = &s->g[s->n++];
		memset(g, 0, sizeof(*g));
		g->file_id = file_id;
		g->has_cpu = has_cpu;
		g->cpu = cpu;
		g->min = g->max = seq;
		g->distinct = 1;
		set_bit(g, seq);
		*v = s->n;
		return;
	}
	g = &s->g[*v - 1];
	if (g->file_id != file_id || g->has_cpu != has_cpu || g->cpu != cpu) {
		set_unknown(s, file_id);   /* two groups, one key */
		return;
	}
	if (seq > g->max) {
		/* clear what leaves the window: (max, seq] shifts in */
		if ((uint64_t)seq - (uint64_t)g->max >= GAPS_WINDOW) {
			memset(g->bits, 0, sizeof(g->bits));
		} else {
			for (int64_t x = g->max + 1; x <= seq; x++) {
				uint64_t i = (uint64_t)x % GAPS_WINDOW;

				g->bits[i / 64] &= ~(1ull << (i % 64));
			}
		}
		g->max = seq;
		set_bit(g, seq);
		g->distinct++;
		return;
	}
	if ((uint64_t)g->max - (uint64_t)seq >= GAPS_WINDOW) {
		set_unknown(s, file_id);   /* too far behind to tell */
		return;
	}
	if (seq < g->min)
		g->min = seq;
	if (!bit(g, seq)) {
		set_bit(g, seq);
		g->distinct++;
	}
}

bool gaps_of(const struct gaps *s, uint32_t file_id, int64_t *missing)
{
	int64_t total = 0;

	if (is_unknown(s, file_id))
		return false;
	for (uint32_t i = 0; i < s->n; i++) {
		const struct gaps_group *g = &s->g[i];
		uint64_t span;

		if (g->file_id != file_id)
			continue;
		span = (uint64_t)g->max - (uint64_t)g->min;
		if (span >= (uint64_t)INT64_MAX ||
		    __builtin_add_overflow(total, (int64_t)(span + 1 - g->distinct), &total))
			return false;
	}
	*missing = total;
	return true;
}

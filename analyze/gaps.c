/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-CPU sequence gaps (gaps.h). A group's runs are sorted, disjoint and
 * not adjacent (a number joining two runs merges them), so the numbers
 * missing are the holes between consecutive runs. Records in time order
 * touch only the last run; a number further back is found by binary search.
 */
#include <stdlib.h>
#include <string.h>

#include "gaps.h"

struct run {
	int64_t lo, hi;           /* lo..hi all seen */
};

struct gaps_group {
	uint32_t file_id;
	bool has_cpu;
	int64_t cpu;
	struct run *r;
	uint32_t n, cap;
	uint32_t hint;            /* the run the last number behind fell in */
};

void gaps_init(struct gaps *s)
{
	memset(s, 0, sizeof(*s));
	u64map_init(&s->map, GAPS_MAX_GROUPS);
}

void gaps_free(struct gaps *s)
{
	u64map_free(&s->map);
	for (uint32_t i = 0; i < s->n; i++)
		free(s->g[i].r);
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

/* Room for one more run at index at (0..n); false when a bound is hit. */
static bool run_insert(struct gaps *s, struct gaps_group *g, uint32_t at, int64_t seq)
{
	uint64_t moved = g->n - at;

	if (s->runs >= GAPS_MAX_RUNS || s->moves + moved > GAPS_MAX_MOVES)
		return false;
	if (g->n == g->cap) {
		uint32_t cap = g->cap ? g->cap * 2 : 16;
		struct run *r = realloc(g->r, cap * sizeof(*r));

		if (!r)
			return false;
		g->r = r;
		g->cap = cap;
	}
	memmove(&g->r[at + 1], &g->r[at], moved * sizeof(*g->r));
	g->r[at].lo = g->r[at].hi = seq;
	g->n++;
	s->runs++;
	s->moves += moved;
	return true;
}

/* seq into a group whose last run ends below or at it, or lies beyond it */
static bool group_add(struct gaps *s, struct gaps_group *g, int64_t seq)
{
	struct run *last = g->n ? &g->r[g->n - 1] : NULL;
	uint32_t lo = 0, hi;

	if (!last || seq > last->hi) {
		if (last && last->hi + 1 == seq) {   /* hi < seq: no overflow */
			last->hi = seq;
			return true;
		}
		return run_insert(s, g, g->n, seq);
	}
	if (seq >= last->lo)
		return true;                          /* seen */
	/* records seen again come in order too: most fall where the last did */
	if (g->hint < g->n && g->r[g->hint].lo <= seq && seq <= g->r[g->hint].hi)
		return true;
	/* the first run whose hi is at or above seq: it holds seq, or seq lies
	 * in the hole before it */
	hi = g->n - 1;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (g->r[mid].hi < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	struct run *at = &g->r[lo];

	g->hint = lo;
	if (seq >= at->lo)
		return true;                          /* seen */
	bool joins_prev = lo > 0 && g->r[lo - 1].hi + 1 == seq;
	bool joins_next = at->lo - 1 == seq;

	if (joins_prev && joins_next) {
		g->r[lo - 1].hi = at->hi;
		memmove(at, at + 1, (g->n - lo - 1) * sizeof(*at));
		g->n--;
		s->runs--;
		s->moves += g->n - lo;
		return s->moves <= GAPS_MAX_MOVES;
	}
	if (joins_prev)
		g->r[lo - 1].hi = seq;
	else if (joins_next)
		at->lo = seq;
	else
		return run_insert(s, g, lo, seq);
	return true;
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
				u64map_del(&s->map, key_of(file_id, has_cpu, cpu));
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
		*v = s->n;
	}
	g = &s->g[*v - 1];
	if (g->file_id != file_id || g->has_cpu != has_cpu || g->cpu != cpu) {
		set_unknown(s, file_id);   /* two groups, one key */
		return;
	}
	if (!group_add(s, g, seq))
		set_unknown(s, file_id);
}

bool gaps_of(const struct gaps *s, uint32_t file_id, int64_t *missing)
{
	int64_t total = 0;

	if (is_unknown(s, file_id))
		return false;
	for (uint32_t i = 0; i < s->n; i++) {
		const struct gaps_group *g = &s->g[i];

		if (g->file_id != file_id)
			continue;
		for (uint32_t k = 1; k < g->n; k++) {
			/* runs are apart: lo > hi + 1 */
			uint64_t hole = (uint64_t)g->r[k].lo - (uint64_t)g->r[k - 1].hi - 1;

			if (hole > (uint64_t)INT64_MAX ||
			    __builtin_add_overflow(total, (int64_t)hole, &total))
				return false;
		}
	}
	*missing = total;
	return true;
}

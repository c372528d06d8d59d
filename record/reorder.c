// SPDX-License-Identifier: GPL-2.0-only
/*
 * Puts records back in (timestamp, CPU, sequence) order. Each CPU's records
 * come nearly in order already, so each CPU has its own sorted queue (an
 * insertion from the tail, which rarely moves anything) and the oldest
 * record is the smallest queue head: a k-way merge over the CPUs. The
 * caller pops what is older than "now minus the window", so no record is
 * held longer than the window; a record that arrives after a newer one was
 * released is still written (and counted in `late`), never dropped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "reorder.h"

#define MAX_CPUS 8192

static int ent_less(const struct reorder_ent *a, const struct reorder_ent *b)
{
	if (a->ktime_ns != b->ktime_ns)
		return a->ktime_ns < b->ktime_ns;
	if (a->cpu != b->cpu)
		return a->cpu < b->cpu;
	return a->seq < b->seq;
}

void reorder_init(struct reorder *r)
{
	memset(r, 0, sizeof(*r));
}

void reorder_free(struct reorder *r)
{
	for (size_t c = 0; c < r->nq; c++)
		free(r->q[c].buf);
	free(r->q);
	reorder_init(r);
}

/* Capacities are powers of two, so that a place in the ring is a mask, not
 * a division (two or three a push, one a pop). */
static size_t q_at(const struct reorder_q *q, size_t i)
{
	return (q->head + i) & (q->cap - 1);
}

static int q_grow(struct reorder_q *q)
{
	size_t cap = q->cap ? q->cap * 2 : 1024;
	struct reorder_ent *b = malloc(cap * sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < q->n; i++)
		b[i] = q->buf[q_at(q, i)];
	free(q->buf);
	q->buf = b;
	q->cap = cap;
	q->head = 0;
	return 0;
}

int reorder_push(struct reorder *r, struct rec *rec)
{
	struct reorder_ent e = { rec->ktime_ns, rec->seq, rec->cpu, rec };
	struct reorder_q *q;
	size_t i;

	if (rec->cpu >= MAX_CPUS)
		return -EINVAL;
	if (rec->cpu >= r->nq) {
		size_t nq = rec->cpu + 1;
		struct reorder_q *qs = realloc(r->q, nq * sizeof(*qs));

		if (!qs)
			return -ENOMEM;
		memset(qs + r->nq, 0, (nq - r->nq) * sizeof(*qs));
		r->q = qs;
		r->nq = nq;
	}
	q = &r->q[rec->cpu];
	if (q->n == q->cap && q_grow(q))
		return -ENOMEM;
	/* insertion from the tail: usually the new record is the newest */
	i = q->n;
	while (i > 0) {
		struct reorder_ent *prev = &q->buf[q_at(q, i - 1)];

		if (!ent_less(&e, prev))
			break;
		q->buf[q_at(q, i)] = *prev;
		i--;
	}
	q->buf[q_at(q, i)] = e;
	q->n++;
	r->n++;
	if (rec->ktime_ns < r->last_out)
		r->late++;
	return 0;
}

struct rec *reorder_pop(struct reorder *r, uint64_t before)
{
	struct reorder_q *best = NULL;
	struct reorder_ent top;

	for (size_t c = 0; c < r->nq; c++) {
		struct reorder_q *q = &r->q[c];

		if (q->n && (!best || ent_less(&q->buf[q->head], &best->buf[best->head])))
			best = q;
	}
	if (!best)
		return NULL;
	top = best->buf[best->head];
	if (before != UINT64_MAX && top.ktime_ns >= before)
		return NULL;
	best->head = q_at(best, 1);
	best->n--;
	/* the record that will most likely come next has waited the whole
	 * window and is out of the cache by now: start loading it while this
	 * one is written */
	if (best->n) {
		const struct rec *nx = best->buf[best->head].rec;
		const char *b = (const char *)nx;

		for (size_t off = 0; off < sizeof(*nx) + 384; off += 64)
			__builtin_prefetch(b + off);
	}
	r->n--;
	if (top.ktime_ns > r->last_out)
		r->last_out = top.ktime_ns;
	return top.rec;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The record pool: one free list per power-of-two slot size, so that a
 * record's slot comes from a list head and goes back to it, with no
 * allocator call per record. Slots up to 64 KiB are carved from 1 MiB
 * chunks, larger ones (GSO super-packets) are allocated one at a time the
 * first time they are needed; either way memory is taken from the system
 * only when the number of records held at once reaches a new high, and
 * given back at exit. What is held at once is bounded by the reorder
 * window (record/reorder.c), so the pool is too.
 */
#include <stdlib.h>
#include <string.h>

#include "pool.h"

#define MIN_SLOT 256
#define CHUNK (1U << 20)
#define CHUNK_MAX_SLOT (64U << 10)

_Static_assert(sizeof(struct rec) % 8 == 0, "records keep their data 8-byte aligned");
_Static_assert((size_t)MIN_SLOT << (POOL_CLASSES - 1) >=
	       sizeof(struct rec) + 120 + 262144, "the largest class holds the largest record");

void pool_init(struct pool *p)
{
	memset(p, 0, sizeof(*p));
}

void pool_free(struct pool *p)
{
	for (size_t i = 0; i < p->nblocks; i++)
		free(p->blocks[i]);
	free(p->blocks);
	pool_init(p);
}

static int keep(struct pool *p, void *b)
{
	if (p->nblocks == p->capblocks) {
		size_t cap = p->capblocks ? p->capblocks * 2 : 64;
		void **nb = realloc(p->blocks, cap * sizeof(*nb));

		if (!nb)
			return -1;
		p->blocks = nb;
		p->capblocks = cap;
	}
	p->blocks[p->nblocks++] = b;
	return 0;
}

static void *new_slot(struct pool *p, size_t slot)
{
	void *s;

	if (slot > CHUNK_MAX_SLOT) {
		s = malloc(slot);
		if (s && keep(p, s)) {
			free(s);
			s = NULL;
		}
		return s;
	}
	if (p->chunk_left < slot) {
		uint8_t *c = malloc(CHUNK);

		if (!c || keep(p, c)) {
			free(c);
			return NULL;
		}
		p->chunk = c;
		p->chunk_left = CHUNK;
	}
	s = p->chunk;
	p->chunk += slot;
	p->chunk_left -= slot;
	return s;
}

struct rec *pool_get(struct pool *p, size_t size)
{
	size_t need = sizeof(struct rec) + size, slot = MIN_SLOT;
	unsigned cls = 0;
	struct rec *r;

	while (slot < need && cls < POOL_CLASSES - 1) {
		slot <<= 1;
		cls++;
	}
	if (slot < need)
		return NULL;
	if (p->free[cls]) {
		r = p->free[cls];
		memcpy(&p->free[cls], r, sizeof(void *));
		/* the slot after it was freed a reorder window ago and is out
		 * of the cache: start loading it (the link in its first word,
		 * the lines the next record is copied into) now */
		if (p->free[cls]) {
			const char *nx = p->free[cls];

			for (size_t off = 0; off < slot && off < 512; off += 64)
				__builtin_prefetch(nx + off, 1);
		}
	} else {
		r = new_slot(p, slot);
		if (!r)
			return NULL;
		p->slots++;
	}
	r->cls = (uint8_t)cls;
	p->in_use++;
	return r;
}

void pool_put(struct pool *p, struct rec *r)
{
	unsigned cls = r->cls;

	memcpy(r, &p->free[cls], sizeof(void *));
	p->free[cls] = r;
	p->in_use--;
}

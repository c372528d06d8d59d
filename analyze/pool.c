/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fixed-size object pool (pool.h): free objects are chained through their
 * first word; a new slab of POOL_SLAB objects is allocated when the chain
 * is empty.
 */
#include <stdlib.h>
#include <string.h>

#include "pool.h"

#define POOL_SLAB 4096

void pool_init(struct pool *p, size_t size)
{
	memset(p, 0, sizeof(*p));
	p->size = (size + sizeof(void *) - 1) / sizeof(void *) * sizeof(void *);
}

void pool_free(struct pool *p)
{
	for (size_t i = 0; i < p->nslabs; i++)
		free(p->slabs[i]);
	free(p->slabs);
	memset(p, 0, sizeof(*p));
}

void *pool_get(struct pool *p)
{
	void *o;

	if (!p->free_list) {
		char *slab;

		if (p->nslabs == p->cap) {
			size_t cap = p->cap ? p->cap * 2 : 16;
			void **s = realloc(p->slabs, cap * sizeof(*s));

			if (!s)
				return NULL;
			p->slabs = s;
			p->cap = cap;
		}
		slab = malloc(p->size * POOL_SLAB);
		if (!slab)
			return NULL;
		p->slabs[p->nslabs++] = slab;
		for (size_t i = POOL_SLAB; i-- > 0;) {
			void *obj = slab + i * p->size;

			*(void **)obj = p->free_list;
			p->free_list = obj;
		}
	}
	o = p->free_list;
	p->free_list = *(void **)o;
	p->in_use++;
	return o;
}

void pool_put(struct pool *p, void *obj)
{
	if (!obj)
		return;
	*(void **)obj = p->free_list;
	p->free_list = obj;
	p->in_use--;
}

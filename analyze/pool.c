/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fixed-size object pool (pool.h): free objects are chained through their
 * first word; when the taker's chain is empty it takes the chains given
 * back by another thread, and only then allocates a new slab of POOL_SLAB
 * objects.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

#define POOL_SLAB 4096

void pool_init(struct pool *p, size_t size)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	p->size = (size + sizeof(void *) - 1) / sizeof(void *) * sizeof(void *);
}

void pool_free(struct pool *p)
{
	for (size_t i = 0; i < p->nslabs; i++)
		free(p->slabs[i]);
	free(p->slabs);
	pthread_mutex_destroy(&p->mu);
	memset(p, 0, sizeof(*p));
}

void *pool_get(struct pool *p)
{
	void *o;

	if (!p->free_list) {
		pthread_mutex_lock(&p->mu);
		p->free_list = p->given;
		p->given = NULL;
		pthread_mutex_unlock(&p->mu);
	}
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
	/* the next one is cold (last touched by the pass, on another core):
	 * its link is read at the next call */
	if (p->free_list)
		__builtin_prefetch(p->free_list, 1);
	return o;
}

void pool_put(struct pool *p, void *obj)
{
	if (!obj)
		return;
	*(void **)obj = p->free_list;
	p->free_list = obj;
}

void pool_give(struct pool *p, struct pool_chain *c)
{
	if (!c->head)
		return;
	pthread_mutex_lock(&p->mu);
	*(void **)c->tail = p->given;
	p->given = c->head;
	pthread_mutex_unlock(&p->mu);
	*c = (struct pool_chain){ NULL, NULL, 0 };
}

void pool_chain_put(struct pool *p, struct pool_chain *c, void *obj)
{
	if (!obj)
		return;
	*(void **)obj = c->head;
	if (!c->head)
		c->tail = obj;
	c->head = obj;
	if (++c->n >= POOL_CHAIN_GIVE)
		pool_give(p, c);
}

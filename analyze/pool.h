/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A pool of fixed-size objects (packet rows on their way from the builder
 * through the order stage to the pass): allocation and release are a
 * pointer pop and push, and memory is reused instead of returned. Grows in
 * slabs; never shrinks before pool_free.
 *
 * One thread takes objects (pool_get, pool_put); another may give them back
 * in chains (struct pool_chain, pool_give) under the pool's lock, which the
 * taker empties into its own list when that runs dry.
 */
#ifndef NETANALYZE_POOL_H
#define NETANALYZE_POOL_H

#include <pthread.h>
#include <stddef.h>

struct pool {
	size_t size;              /* object size, rounded up to pointer alignment */
	void *free_list;
	void **slabs;
	size_t nslabs, cap;
	pthread_mutex_t mu;       /* guards given */
	void *given;              /* chains given back by another thread */
};

/* Objects released by a thread other than the pool's taker, handed back
 * POOL_CHAIN_GIVE at a time (pool_chain_put) or all at once (pool_give). */
struct pool_chain {
	void *head, *tail;
	size_t n;
};
#define POOL_CHAIN_GIVE 1024

void pool_init(struct pool *p, size_t size);
void pool_free(struct pool *p);
/* NULL when out of memory. */
void *pool_get(struct pool *p);
void pool_put(struct pool *p, void *obj);   /* accepts NULL */
/* From another thread: obj joins the chain c, which goes back to the pool
 * once it is POOL_CHAIN_GIVE long. */
void pool_chain_put(struct pool *p, struct pool_chain *c, void *obj);
/* Gives the chain back now (any thread); c is empty after. */
void pool_give(struct pool *p, struct pool_chain *c);

#endif

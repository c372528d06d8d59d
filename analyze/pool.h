/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A pool of fixed-size objects (packet rows on their way from the builder
 * through the order stage to the pass): allocation and release are a
 * pointer pop and push, and memory is reused instead of returned. Grows in
 * slabs; never shrinks before pool_free. Single-threaded.
 */
#ifndef NETANALYZE_POOL_H
#define NETANALYZE_POOL_H

#include <stddef.h>

struct pool {
	size_t size;              /* object size, rounded up to pointer alignment */
	void *free_list;
	void **slabs;
	size_t nslabs, cap;
	size_t in_use;
};

void pool_init(struct pool *p, size_t size);
void pool_free(struct pool *p);
/* NULL when out of memory. */
void *pool_get(struct pool *p);
void pool_put(struct pool *p, void *obj);   /* accepts NULL */

#endif

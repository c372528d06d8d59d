/* SPDX-License-Identifier: GPL-2.0-only */
/* Slots for the records netrec holds between the ring buffer and the file
 * (record/reorder.h's struct rec): reused, never freed one by one. */
#ifndef NETREC_RECORD_POOL_H
#define NETREC_RECORD_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "reorder.h"

#define POOL_CLASSES 12          /* slots of 256 B << 0 .. 11 (512 KiB) */

struct pool {
	void *free[POOL_CLASSES];    /* free slots of each class, linked */
	uint8_t *chunk;              /* where small slots are carved from */
	size_t chunk_left;
	void **blocks;               /* everything allocated, freed at the end */
	size_t nblocks, capblocks;
	uint64_t slots, in_use;      /* slots made, slots held now */
};

void pool_init(struct pool *p);
void pool_free(struct pool *p);
/* A record with room for size bytes of data, or NULL (out of memory). */
struct rec *pool_get(struct pool *p, size_t size);
void pool_put(struct pool *p, struct rec *r);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A hash map from 64-bit keys to 64-bit values (open addressing, linear
 * probing, backward-shift deletion), for the analysis pass's lookups by
 * socket cookie, by pid and the like. Bounded by the caller: u64map_put
 * refuses a new key once max_keys are held.
 */
#ifndef NETANALYZE_U64MAP_H
#define NETANALYZE_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct u64map {
	uint64_t *keys, *vals;
	uint8_t *used;
	size_t cap, count, max_keys;
};

void u64map_init(struct u64map *m, size_t max_keys);
void u64map_free(struct u64map *m);
/* Pointer to key's value, or NULL if absent. Valid until the next put or
 * del. */
uint64_t *u64map_get(const struct u64map *m, uint64_t key);
/* Pointer to key's value, inserting it with value 0 (*fresh true) if
 * absent; NULL when full or out of memory. */
uint64_t *u64map_put(struct u64map *m, uint64_t key, bool *fresh);
void u64map_del(struct u64map *m, uint64_t key);

#endif

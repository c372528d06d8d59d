/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The 64-bit hash map (u64map.h). The table doubles when it is half full;
 * keys are mixed with a multiply-xorshift so that sequential keys (pids,
 * cookies) spread over the table.
 */
#include <stdlib.h>
#include <string.h>

#include "u64map.h"

static size_t slot_of(const struct u64map *m, uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k & (m->cap - 1);
}

void u64map_init(struct u64map *m, size_t max_keys)
{
	memset(m, 0, sizeof(*m));
	m->max_keys = max_keys;
}

void u64map_free(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	memset(m, 0, sizeof(*m));
}

uint64_t *u64map_get(const struct u64map *m, uint64_t key)
{
	if (!m->count)
		return NULL;
	for (size_t i = slot_of(m, key); m->used[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return &m->vals[i];
	return NULL;
}

static bool resize(struct u64map *m, size_t cap)
{
	struct u64map n = { .cap = cap, .max_keys = m->max_keys };

	n.keys = malloc(cap * sizeof(*n.keys));
	n.vals = malloc(cap * sizeof(*n.vals));
	n.used = calloc(cap, 1);
	if (!n.keys || !n.vals || !n.used) {
		u64map_free(&n);
		return false;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->used[i])
			continue;
		size_t k = slot_of(&n, m->keys[i]);

		while (n.used[k])
			k = (k + 1) & (cap - 1);
		n.used[k] = 1;
		n.keys[k] = m->keys[i];
		n.vals[k] = m->vals[i];
	}
	n.count = m->count;
	u64map_free(m);
	*m = n;
	return true;
}

uint64_t *u64map_put(struct u64map *m, uint64_t key, bool *fresh)
{
	uint64_t *v = u64map_get(m, key);
	size_t i;

	*fresh = false;
	if (v)
		return v;
	if (m->count >= m->max_keys)
		return NULL;
	if ((m->count + 1) * 2 > m->cap && !resize(m, m->cap ? m->cap * 2 : 64))
		return NULL;
	for (i = slot_of(m, key); m->used[i]; i = (i + 1) & (m->cap - 1))
		;
	m->used[i] = 1;
	m->keys[i] = key;
	m->vals[i] = 0;
	m->count++;
	*fresh = true;
	return &m->vals[i];
}

void u64map_del(struct u64map *m, uint64_t key)
{
	size_t i, j, k;

	if (!m->count)
		return;
	for (i = slot_of(m, key); m->used[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			break;
	if (!m->used[i])
		return;
	/* backward shift: close the gap so that every probe chain stays whole */
	for (j = i;;) {
		j = (j + 1) & (m->cap - 1);
		if (!m->used[j])
			break;
		k = slot_of(m, m->keys[j]);
		if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			i = j;
		}
	}
	m->used[i] = 0;
	m->count--;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interned strings (strtab.h). Strings live in 64 KiB chunks that are never
 * moved or freed before the table; an id is the string's byte position in
 * that chunk sequence plus one, so looking one up is two array reads. Each
 * string is stored as a 16-bit length, the bytes and a NUL. A hash table of
 * ids (open addressing, doubled when half full) finds a string's id; it is
 * used under the table's lock (the load's reader and its pass both intern).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "strtab.h"

#define CHUNK_BITS 16
#define CHUNK_SIZE (1u << CHUNK_BITS)

struct strtab {
	uint8_t **chunks;        /* fixed array of max_chunks pointers */
	uint32_t nchunks, max_chunks;
	uint32_t used;           /* bytes used in the last chunk */
	uint32_t *slots;         /* ids, 0 = empty */
	uint32_t nslots, count;
	bool full;
	pthread_mutex_t mu;      /* guards slots, count, used, nchunks */
};

static uint32_t str_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

struct strtab *strtab_new(size_t max_bytes)
{
	struct strtab *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	pthread_mutex_init(&t->mu, NULL);
	t->max_chunks = (uint32_t)(max_bytes / CHUNK_SIZE) + 1;
	t->chunks = calloc(t->max_chunks, sizeof(*t->chunks));
	t->nslots = 1024;
	t->slots = calloc(t->nslots, sizeof(*t->slots));
	if (!t->chunks || !t->slots) {
		strtab_free(t);
		return NULL;
	}
	return t;
}

void strtab_free(struct strtab *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->nchunks; i++)
		free(t->chunks[i]);
	free(t->chunks);
	free(t->slots);
	pthread_mutex_destroy(&t->mu);
	free(t);
}

static const uint8_t *entry(const struct strtab *t, uint32_t id)
{
	uint32_t pos = id - 1;

	return t->chunks[pos >> CHUNK_BITS] + (pos & (CHUNK_SIZE - 1));
}

const char *strtab_get(const struct strtab *t, uint32_t id)
{
	return id ? (const char *)entry(t, id) + 2 : NULL;
}

size_t strtab_len(const struct strtab *t, uint32_t id)
{
	const uint8_t *e;

	if (!id)
		return 0;
	e = entry(t, id);
	return (size_t)e[0] | (size_t)e[1] << 8;
}

bool strtab_full(const struct strtab *t)
{
	return t->full;
}

static bool grow(struct strtab *t)
{
	uint32_t n = t->nslots * 2;
	uint32_t *s = calloc(n, sizeof(*s));

	if (!s)
		return false;
	for (uint32_t i = 0; i < t->nslots; i++) {
		uint32_t id = t->slots[i], k;

		if (!id)
			continue;
		k = str_hash(strtab_get(t, id), strtab_len(t, id)) & (n - 1);
		while (s[k])
			k = (k + 1) & (n - 1);
		s[k] = id;
	}
	free(t->slots);
	t->slots = s;
	t->nslots = n;
	return true;
}

/* Room for need bytes in the last chunk; false when full. */
static bool room(struct strtab *t, uint32_t need)
{
	if (t->nchunks && t->used + need <= CHUNK_SIZE)
		return true;
	if (t->nchunks == t->max_chunks)
		return false;
	t->chunks[t->nchunks] = malloc(CHUNK_SIZE);
	if (!t->chunks[t->nchunks])
		return false;
	t->nchunks++;
	t->used = 0;
	return true;
}

static uint32_t intern(struct strtab *t, const char *s, size_t len)
{
	uint32_t h, k, id, need;
	uint8_t *e;

	if (!len || len > STRTAB_MAX_LEN)
		return 0;
	h = str_hash(s, len);
	for (k = h & (t->nslots - 1); (id = t->slots[k]); k = (k + 1) & (t->nslots - 1))
		if (strtab_len(t, id) == len && !memcmp(strtab_get(t, id), s, len))
			return id;
	need = (uint32_t)len + 3;
	if ((t->count + 1) * 2 > t->nslots) {
		if (!grow(t)) {
			t->full = true;
			return 0;
		}
		for (k = h & (t->nslots - 1); t->slots[k]; k = (k + 1) & (t->nslots - 1))
			;
	}
	if (!room(t, need)) {
		t->full = true;
		return 0;
	}
	e = t->chunks[t->nchunks - 1] + t->used;
	e[0] = (uint8_t)len;
	e[1] = (uint8_t)(len >> 8);
	memcpy(e + 2, s, len);
	e[2 + len] = 0;
	id = ((t->nchunks - 1) << CHUNK_BITS) + t->used + 1;
	t->used += need;
	t->slots[k] = id;
	t->count++;
	return id;
}

uint32_t strtab_intern(struct strtab *t, const char *s, size_t len)
{
	uint32_t id;

	if (!len || len > STRTAB_MAX_LEN)
		return 0;
	pthread_mutex_lock(&t->mu);
	id = intern(t, s, len);
	pthread_mutex_unlock(&t->mu);
	return id;
}

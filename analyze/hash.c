/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * XXH64 (seed 0) as its specification describes it: four 64-bit lanes
 * consume 32-byte stripes, then the lanes are merged and the remaining
 * bytes mixed in, and a final avalanche. Input is read little-endian.
 */
#include <string.h>

#include "hash.h"

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

static uint64_t round64(uint64_t acc, uint64_t in)
{
	acc += in * P2;
	acc = rotl(acc, 31);
	return acc * P1;
}

static uint64_t merge(uint64_t acc, uint64_t v)
{
	acc ^= round64(0, v);
	return acc * P1 + P4;
}

void hash_init(struct hash *h)
{
	memset(h, 0, sizeof(*h));
	h->v[0] = P1 + P2;
	h->v[1] = P2;
	h->v[2] = 0;
	h->v[3] = (uint64_t)0 - P1;
}

static void stripe(uint64_t v[4], const uint8_t *p)
{
	v[0] = round64(v[0], rd64(p));
	v[1] = round64(v[1], rd64(p + 8));
	v[2] = round64(v[2], rd64(p + 16));
	v[3] = round64(v[3], rd64(p + 24));
}

void hash_update(struct hash *h, const void *data, size_t len)
{
	const uint8_t *p = data;

	h->total += len;
	if (h->buf_len) {
		size_t n = 32 - h->buf_len < len ? 32 - h->buf_len : len;

		memcpy(h->buf + h->buf_len, p, n);
		h->buf_len += n;
		p += n;
		len -= n;
		if (h->buf_len < 32)
			return;
		stripe(h->v, h->buf);
		h->buf_len = 0;
	}
	for (; len >= 32; p += 32, len -= 32)
		stripe(h->v, p);
	memcpy(h->buf, p, len);
	h->buf_len = len;
}

uint64_t hash_final(const struct hash *h)
{
	const uint8_t *p = h->buf, *end = h->buf + h->buf_len;
	uint64_t acc;

	if (h->total >= 32) {
		acc = rotl(h->v[0], 1) + rotl(h->v[1], 7) + rotl(h->v[2], 12) + rotl(h->v[3], 18);
		for (int i = 0; i < 4; i++)
			acc = merge(acc, h->v[i]);
	} else {
		acc = P5;
	}
	acc += h->total;
	for (; p + 8 <= end; p += 8) {
		acc ^= round64(0, rd64(p));
		acc = rotl(acc, 27) * P1 + P4;
	}
	if (p + 4 <= end) {
		acc ^= (uint64_t)rd32(p) * P1;
		acc = rotl(acc, 23) * P2 + P3;
		p += 4;
	}
	for (; p < end; p++) {
		acc ^= (uint64_t)*p * P5;
		acc = rotl(acc, 11) * P1;
	}
	acc ^= acc >> 33;
	acc *= P2;
	acc ^= acc >> 29;
	acc *= P3;
	acc ^= acc >> 32;
	return acc;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A bounds-checked cursor over untrusted bytes, in the spirit of libpcap's
 * block_cursor and tcpdump's GET_BE_U_2: every read of file data in the
 * reader goes through it, so no parser does pointer arithmetic on file bytes
 * itself. Each getter checks the remaining length (in 64-bit, so a length
 * read from the file can never wrap a size_t) and returns false instead of
 * reading past the end; on failure the cursor does not move.
 *
 * Integers are read in the byte order of the data: `swap` is true when it is
 * the other order than the host's. Private to format/; not part of the API.
 */
#ifndef NETREC_FORMAT_CURSOR_H
#define NETREC_FORMAT_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
	const uint8_t *p;  /* start of the bytes */
	size_t len;        /* their number */
	size_t pos;        /* next unread byte, 0 <= pos <= len */
	bool swap;         /* data is in the non-host byte order */
};

static inline void cur_init(struct cursor *c, const void *p, size_t len, bool swap)
{
	c->p = p;
	c->len = p ? len : 0;
	c->pos = 0;
	c->swap = swap;
}

static inline size_t cur_left(const struct cursor *c)
{
	return c->len - c->pos;
}

static inline size_t cur_pos(const struct cursor *c)
{
	return c->pos;
}

static inline bool cur_has(const struct cursor *c, uint64_t n)
{
	return n <= (uint64_t)cur_left(c);
}

/* Pointer to the next unread byte (valid for cur_left() bytes). */
static inline const uint8_t *cur_ptr(const struct cursor *c)
{
	return c->p ? c->p + c->pos : NULL;
}

/* Round a length up to the next multiple of 4 (pcapng padding), 64-bit so
 * that 0xffffffff pads to 0x100000000 instead of wrapping. */
static inline uint64_t pad4(uint64_t n)
{
	return (n + 3) & ~(uint64_t)3;
}

static inline bool cur_skip(struct cursor *c, uint64_t n)
{
	if (!cur_has(c, n))
		return false;
	c->pos += (size_t)n;
	return true;
}

/* Hands out n bytes and moves past them. */
static inline bool cur_bytes(struct cursor *c, uint64_t n, const uint8_t **out)
{
	if (!cur_has(c, n))
		return false;
	*out = cur_ptr(c);
	c->pos += (size_t)n;
	return true;
}

/* Carves the next n bytes out as a cursor of their own (same byte order). */
static inline bool cur_sub(struct cursor *c, uint64_t n, struct cursor *sub)
{
	const uint8_t *p;

	if (!cur_bytes(c, n, &p))
		return false;
	cur_init(sub, p, (size_t)n, c->swap);
	return true;
}

static inline bool cur_u8(struct cursor *c, uint8_t *v)
{
	if (!cur_has(c, 1))
		return false;
	*v = c->p[c->pos++];
	return true;
}

static inline bool cur_u16(struct cursor *c, uint16_t *v)
{
	uint16_t x;

	if (!cur_has(c, sizeof(x)))
		return false;
	memcpy(&x, c->p + c->pos, sizeof(x));
	c->pos += sizeof(x);
	*v = c->swap ? __builtin_bswap16(x) : x;
	return true;
}

static inline bool cur_u32(struct cursor *c, uint32_t *v)
{
	uint32_t x;

	if (!cur_has(c, sizeof(x)))
		return false;
	memcpy(&x, c->p + c->pos, sizeof(x));
	c->pos += sizeof(x);
	*v = c->swap ? __builtin_bswap32(x) : x;
	return true;
}

static inline bool cur_u64(struct cursor *c, uint64_t *v)
{
	uint64_t x;

	if (!cur_has(c, sizeof(x)))
		return false;
	memcpy(&x, c->p + c->pos, sizeof(x));
	c->pos += sizeof(x);
	*v = c->swap ? __builtin_bswap64(x) : x;
	return true;
}

/* A pcapng 64-bit timestamp: high u32 then low u32, each in data order. */
static inline bool cur_ts(struct cursor *c, uint64_t *v)
{
	uint32_t hi, lo;

	if (!cur_has(c, 8))
		return false;
	cur_u32(c, &hi);
	cur_u32(c, &lo);
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

#endif

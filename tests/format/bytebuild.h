/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal pcapng/pcap byte builder for the reader's tests, written from
 * the specifications and independent of format/writer.c, so that what the
 * reader is tested on does not come from our own writer. Either byte order.
 */
#ifndef NETREC_TESTS_FORMAT_BYTEBUILD_H
#define NETREC_TESTS_FORMAT_BYTEBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bb {
	uint8_t buf[16384];
	size_t len;
	bool be; /* write big-endian */
};

static inline void bb_u8(struct bb *b, uint8_t v)
{
	if (b->len < sizeof(b->buf))
		b->buf[b->len++] = v;
}

static inline void bb_u16(struct bb *b, uint16_t v)
{
	for (int i = 0; i < 2; i++)
		bb_u8(b, b->be ? v >> (8 * (1 - i)) : v >> (8 * i));
}

static inline void bb_u32(struct bb *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		bb_u8(b, b->be ? v >> (8 * (3 - i)) : v >> (8 * i));
}

static inline void bb_u64(struct bb *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		bb_u8(b, b->be ? v >> (8 * (7 - i)) : v >> (8 * i));
}

static inline void bb_bytes(struct bb *b, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		bb_u8(b, ((const uint8_t *)p)[i]);
}

static inline void bb_pad(struct bb *b)
{
	while (b->len % 4)
		bb_u8(b, 0);
}

static inline size_t bb_begin(struct bb *b, uint32_t type)
{
	size_t start = b->len;

	bb_u32(b, type);
	bb_u32(b, 0); /* patched by bb_end */
	return start;
}

static inline void bb_end(struct bb *b, size_t start)
{
	size_t save;
	uint32_t total;

	bb_pad(b);
	total = (uint32_t)(b->len - start + 4);
	bb_u32(b, total);
	save = b->len;
	b->len = start + 4;
	bb_u32(b, total);
	b->len = save;
}

static inline void bb_opt(struct bb *b, uint16_t code, const void *p, uint16_t n)
{
	bb_u16(b, code);
	bb_u16(b, n);
	bb_bytes(b, p, n);
	bb_pad(b);
}

static inline void bb_opt_u32(struct bb *b, uint16_t code, uint32_t v)
{
	bb_u16(b, code);
	bb_u16(b, 4);
	bb_u32(b, v);
}

static inline void bb_opt_u64(struct bb *b, uint16_t code, uint64_t v)
{
	bb_u16(b, code);
	bb_u16(b, 8);
	bb_u64(b, v);
}

static inline void bb_opt_end(struct bb *b)
{
	bb_u32(b, 0);
}

#endif

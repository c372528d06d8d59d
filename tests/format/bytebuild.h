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
#include <string.h>

#include "pcapng.h"

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

/* ---- whole blocks ---- */

static inline void bb_shb(struct bb *b, bool be)
{
	size_t s;

	b->be = be;
	s = bb_begin(b, PCAPNG_BT_SHB);
	bb_u32(b, 0x1A2B3C4D);
	bb_u16(b, 1);
	bb_u16(b, 0);
	bb_u64(b, UINT64_MAX); /* section length unknown */
	bb_end(b, s);
}

/* IDB; tsresol < 0: no if_tsresol option; tsoffset used if has_off. */
static inline void bb_idb(struct bb *b, uint16_t lt, uint32_t snap, int tsresol,
			  bool has_off, int64_t off, const char *name)
{
	size_t s = bb_begin(b, PCAPNG_BT_IDB);
	uint8_t r = (uint8_t)tsresol;

	bb_u16(b, lt);
	bb_u16(b, 0);
	bb_u32(b, snap);
	if (name)
		bb_opt(b, PCAPNG_IF_NAME, name, (uint16_t)strlen(name));
	if (tsresol >= 0)
		bb_opt(b, PCAPNG_IF_TSRESOL, &r, 1);
	if (has_off)
		bb_opt_u64(b, PCAPNG_IF_TSOFFSET, (uint64_t)off);
	if (name || tsresol >= 0 || has_off)
		bb_opt_end(b);
	bb_end(b, s);
}

static inline void bb_epb(struct bb *b, uint32_t if_id, uint64_t ts, const void *data,
			  uint32_t caplen, uint32_t origlen)
{
	size_t s = bb_begin(b, PCAPNG_BT_EPB);

	bb_u32(b, if_id);
	bb_u32(b, (uint32_t)(ts >> 32));
	bb_u32(b, (uint32_t)ts);
	bb_u32(b, caplen);
	bb_u32(b, origlen);
	bb_bytes(b, data, caplen);
	bb_end(b, s);
}

#endif

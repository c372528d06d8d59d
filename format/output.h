/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Buffered, optionally zstd-compressed output to a file descriptor: the
 * layer under the pcapng and pcap writers (format/writer.c). It knows
 * nothing of blocks: the writers stage each complete block with
 * output_reserve()/output_commit() and then call output_block_done(), which
 * is where the BLOCK_FLUSH guarantee is kept. Internal to format/; not part
 * of the library's API.
 */
#ifndef NETREC_FORMAT_OUTPUT_H
#define NETREC_FORMAT_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct output {
	int fd;
	unsigned flags;          /* PCAPNG_W_* */
	int err;                 /* first I/O error; sticky */
	uint8_t *buf;            /* staged uncompressed bytes */
	size_t len, cap;
	size_t limit;            /* drain when len reaches this */
	struct ZSTD_CCtx_s *zc;  /* NULL: no compression */
	uint8_t *zbuf;           /* compressor output */
	size_t zcap;
	bool frame_open;         /* the zstd frame has begun (ended by fini) */
	uint64_t bytes_in;       /* uncompressed bytes committed */
	uint64_t bytes_out;      /* bytes handed to the kernel */
	/* write-behind (a regular file): where the file began, and where the
	 * next stretch to be sent to disk begins */
	bool regular;
	uint64_t base, wb_next;
};

int output_init(struct output *o, int fd, unsigned flags, int zstd_level,
		size_t buffer_size);
/* Room for n more bytes at the end of the staging buffer, or NULL with
 * o->err untouched and *err set (-ENOMEM, or the sticky I/O error). */
uint8_t *output_reserve(struct output *o, size_t n, int *err);
void output_commit(struct output *o, size_t n);
/* After each complete block: drains when the buffer is full, or always
 * (ending a zstd block, decodable) in BLOCK_FLUSH mode. */
int output_block_done(struct output *o);
int output_flush(struct output *o);
/* Flushes, frees, closes the fd if PCAPNG_W_CLOSE_FD; returns the first
 * error seen. */
int output_fini(struct output *o);

/* Store integers in host order, or swapped for PCAPNG_W_SWAP. */
static inline void put16(uint8_t *p, uint16_t v, bool swap)
{
	if (swap)
		v = __builtin_bswap16(v);
	memcpy(p, &v, 2);
}

static inline void put32(uint8_t *p, uint32_t v, bool swap)
{
	if (swap)
		v = __builtin_bswap32(v);
	memcpy(p, &v, 4);
}

static inline void put64(uint8_t *p, uint64_t v, bool swap)
{
	if (swap)
		v = __builtin_bswap64(v);
	memcpy(p, &v, 8);
}

#endif

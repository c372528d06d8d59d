// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the capture reader (format/reader.c): opens the input
 * as a capture from memory and walks every record, option and interface the
 * reader hands out, touching every byte it points to, so that AddressSanitizer
 * catches any pointer the reader returns past the end of its buffers. Built as
 * a fuzzer with -Dfuzz=true; replay.c runs the seed corpus as ordinary tests.
 *
 * Small plain inputs are also compressed here (zstd in two frames, gzip in two
 * members, split at an input-chosen point) and read again: the decompressed
 * stream is the same bytes, so the reader must return the same number of
 * records and end the same way (clean or error).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "pcapng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint64_t sink;

static uint64_t touch(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0;

	for (size_t i = 0; p && i < n; i++)
		h = h * 31 + b[i];
	return h;
}

static uint64_t touch_str(const char *s)
{
	return s ? touch(s, strlen(s) + 1) : 0;
}

static uint64_t touch_iface(const struct capfile_iface *ifc)
{
	if (!ifc)
		return 0;
	return ifc->linktype + ifc->snaplen + ifc->ts_units_per_sec +
	       (uint64_t)ifc->tsoffset_sec + touch_str(ifc->name) +
	       touch_str(ifc->description) + touch_str(ifc->filter) +
	       touch_str(ifc->os) + touch_str(ifc->hardware);
}

struct outcome {
	uint64_t records;
	int err;          /* 0 clean end, < 0 error (open errors included) */
};

static struct outcome read_all(const uint8_t *data, size_t size, uint32_t max_block)
{
	struct outcome res = { 0, 0 };
	struct capfile_opts opts = { .max_block = max_block };
	struct capfile *f;
	struct capfile_rec r;
	uint64_t h = 0;
	int err;

	err = capfile_open_mem(&f, data, size, &opts);
	if (err) {
		h += touch_str(capfile_error(NULL)->what);
		sink = h;
		res.err = err;
		return res;
	}
	h += capfile_kind(f) + capfile_compression(f);
	while ((err = capfile_next(f, &r)) > 0) {
		struct capfile_opt_iter it;
		struct capfile_opt o;

		res.records++;
		h += touch(r.body, r.body_len) + touch(r.opts, r.opts_len);
		h += touch(r.data, r.caplen) + touch(r.comment, r.comment_len);
		h += (uint64_t)r.ts_ns + r.ts_raw + r.flags + r.pid + r.tid;
		h += touch_iface(r.iface);
		h += touch_str(capfile_block_name(r.block_type));
		for (uint32_t i = 0; i < capfile_iface_count(f) && i < 4; i++)
			h += touch_iface(capfile_iface(f, i));
		capfile_opt_iter_init(&it, &r);
		while (capfile_opt_next(&it, &o) > 0) {
			h += o.code + touch(o.val, o.len);
			h += capfile_opt_u16(&it, &o) + capfile_opt_u32(&it, &o) +
			     capfile_opt_u64(&it, &o);
		}
	}
	/* an error is sticky */
	if (err < 0 && capfile_next(f, &r) != err)
		__builtin_trap();
	h += touch_str(capfile_error(f)->what) + capfile_stats(f)->blocks;
	capfile_close(f);
	sink = h;
	res.err = err;
	return res;
}

static bool compressed_magic(const uint8_t *d, size_t n)
{
	uint32_t m;

	if (n < 4)
		return n >= 2 && d[0] == 0x1f && d[1] == 0x8b;
	m = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
	    (uint32_t)d[3] << 24;
	return m == 0xFD2FB528U || (m & 0xFFFFFFF0U) == 0x184D2A50U ||
	       (d[0] == 0x1f && d[1] == 0x8b);
}

static size_t gzip_member(const uint8_t *p, size_t len, uint8_t *out, size_t cap)
{
	z_stream z;
	size_t n = 0;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) == Z_STREAM_END)
		n = cap - z.avail_out;
	deflateEnd(&z);
	return n;
}

static void check_same(struct outcome a, struct outcome b)
{
	if (a.records != b.records || (a.err == 0) != (b.err == 0))
		__builtin_trap();
}

static void differential(const uint8_t *data, size_t size, struct outcome plain)
{
	size_t split = size ? data[size - 1] * size / 256 : 0;
	size_t cap = 2 * ZSTD_compressBound(size) + 64 + 2 * size, a, b;
	uint8_t *buf = malloc(cap);

	if (!buf)
		return;
	a = ZSTD_compress(buf, cap, data, split, 1);
	b = ZSTD_isError(a) ? a : ZSTD_compress(buf + a, cap - a, data + split, size - split, 1);
	if (!ZSTD_isError(a) && !ZSTD_isError(b))
		check_same(plain, read_all(buf, a + b, 1U << 20));
	a = gzip_member(data, split, buf, cap);
	b = a ? gzip_member(data + split, size - split, buf + a, cap - a) : 0;
	if (a && b)
		check_same(plain, read_all(buf, a + b, 1U << 20));
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a small maximum keeps decompression bombs cheap; the default one
	 * exercises the block-size checks as shipped */
	struct outcome plain = read_all(data, size, 1U << 20);

	if (size < 4096) {
		read_all(data, size, 0);
		if (!compressed_magic(data, size))
			differential(data, size, plain);
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reader's byte source: read(2) on a descriptor or a caller's buffer,
 * with zstd (libzstd streaming, any number of frames, skippable frames
 * included) or gzip (zlib inflate with a gzip header, any number of
 * members) decompression chosen from the first bytes, never from a file
 * name. Memory is one raw buffer plus the decompressor's window.
 *
 * A compressed stream that stops inside a frame or member is an error
 * ("truncated ..."), so that a cut file is never mistaken for a complete one
 * even when the cut happens to fall between two pcapng blocks.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "cursor.h"
#include "decompress.h"

#define RAW_BUF_SIZE (128 * 1024)
#define ZSTD_MAGIC      0xFD2FB528U /* as a little-endian u32 */
#define ZSTD_SKIP_MASK  0xFFFFFFF0U
#define ZSTD_SKIP_MAGIC 0x184D2A50U
#define GZIP_MAGIC      0x8b1fU     /* 1f 8b, as a little-endian u16 */

struct capfile_input {
	int fd;                  /* -1 for memory */
	bool close_fd;
	const uint8_t *raw;      /* rawbuf, or the caller's memory */
	uint8_t *rawbuf;
	size_t raw_pos, raw_len;
	bool raw_eof;

	enum capfile_compression comp;
	ZSTD_DStream *zd;
	size_t zret;             /* last ZSTD_decompressStream() hint: 0 at a frame end */
	z_stream zs;
	bool zs_live;            /* inflateInit2 done */
	bool gz_in_member;       /* inside a gzip member */

	int err;
	char what[128];

	void (*on_raw)(void *ctx, const uint8_t *buf, size_t len);
	void *raw_ctx;
};

static int input_fail(struct capfile_input *in, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int input_fail(struct capfile_input *in, int err, const char *fmt, ...)
{
	va_list ap;

	if (in->err)
		return in->err;
	in->err = err;
	va_start(ap, fmt);
	vsnprintf(in->what, sizeof(in->what), fmt, ap);
	va_end(ap);
	return err;
}

struct capfile_input *input_new_fd(int fd, bool close_fd)
{
	struct capfile_input *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	in->rawbuf = malloc(RAW_BUF_SIZE);
	if (!in->rawbuf) {
		free(in);
		return NULL;
	}
	in->fd = fd;
	in->close_fd = close_fd;
	in->raw = in->rawbuf;
	return in;
}

struct capfile_input *input_new_mem(const void *buf, size_t len)
{
	struct capfile_input *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	in->fd = -1;
	in->raw = buf;
	in->raw_len = buf ? len : 0;
	in->raw_eof = true;
	return in;
}

void input_free(struct capfile_input *in)
{
	if (!in)
		return;
	if (in->zd)
		ZSTD_freeDStream(in->zd);
	if (in->zs_live)
		inflateEnd(&in->zs);
	if (in->close_fd && in->fd >= 0)
		close(in->fd);
	free(in->rawbuf);
	free(in);
}

void input_set_raw_hook(struct capfile_input *in, void (*fn)(void *, const uint8_t *, size_t),
			void *ctx)
{
	in->on_raw = fn;
	in->raw_ctx = ctx;
	/* memory input: all of it is there already */
	if (fn && in->fd < 0 && in->raw_len)
		fn(ctx, in->raw, in->raw_len);
}

/* Reads more raw bytes after the `keep` bytes already in rawbuf. */
static int raw_read(struct capfile_input *in, size_t keep)
{
	ssize_t n;

	do {
		n = read(in->fd, in->rawbuf + keep, RAW_BUF_SIZE - keep);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return input_fail(in, -EIO, "read error: %s", strerror(errno));
	if (n == 0)
		in->raw_eof = true;
	else if (in->on_raw)
		in->on_raw(in->raw_ctx, in->rawbuf + keep, (size_t)n);
	in->raw_len = keep + (size_t)n;
	return 0;
}

/* Makes raw bytes available: 1 if some are, 0 at the end of the input. */
static int raw_fill(struct capfile_input *in)
{
	int err;

	if (in->raw_pos < in->raw_len)
		return 1;
	if (in->raw_eof)
		return 0;
	in->raw_pos = 0;
	err = raw_read(in, 0);
	if (err)
		return err;
	return in->raw_len > 0;
}

int input_start(struct capfile_input *in)
{
	struct cursor c;
	uint32_t magic;
	int err;

	/* a pipe may deliver the first bytes one at a time */
	while (in->fd >= 0 && !in->raw_eof && in->raw_len < 4) {
		err = raw_read(in, in->raw_len);
		if (err)
			return err;
	}
	cur_init(&c, in->raw, in->raw_len, false);
	if (cur_u32(&c, &magic)) {
		if (magic == ZSTD_MAGIC || (magic & ZSTD_SKIP_MASK) == ZSTD_SKIP_MAGIC)
			in->comp = CAPFILE_ZSTD;
		else if ((magic & 0xffff) == GZIP_MAGIC)
			in->comp = CAPFILE_GZIP;
	}
	if (in->comp == CAPFILE_ZSTD) {
		in->zd = ZSTD_createDStream();
		if (!in->zd)
			return input_fail(in, -ENOMEM, "out of memory");
		ZSTD_initDStream(in->zd);
		in->zret = 1; /* inside the first frame */
	} else if (in->comp == CAPFILE_GZIP) {
		memset(&in->zs, 0, sizeof(in->zs));
		if (inflateInit2(&in->zs, 16 + MAX_WBITS) != Z_OK)
			return input_fail(in, -ENOMEM, "out of memory");
		in->zs_live = true;
		in->gz_in_member = true;
	}
	return 0;
}

enum capfile_compression input_compression(const struct capfile_input *in)
{
	return in->comp;
}

static ssize_t read_plain(struct capfile_input *in, uint8_t *dst, size_t n, size_t *done)
{
	size_t got = 0;
	int r;

	while (got < n) {
		size_t k;

		*done = got;
		r = raw_fill(in);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		k = in->raw_len - in->raw_pos;
		if (k > n - got)
			k = n - got;
		memcpy(dst + got, in->raw + in->raw_pos, k);
		in->raw_pos += k;
		got += k;
	}
	return (ssize_t)got;
}

static ssize_t read_zstd(struct capfile_input *in, uint8_t *dst, size_t n, size_t *done)
{
	ZSTD_outBuffer out = { dst, n, 0 };
	int r;

	while (out.pos < n) {
		ZSTD_inBuffer src;
		size_t before = out.pos;

		*done = out.pos;
		r = raw_fill(in);
		if (r < 0)
			return r;
		if (r == 0 && in->zret == 0)
			break; /* the end of the input falls between frames */
		src.src = in->raw + in->raw_pos;
		src.size = in->raw_len - in->raw_pos;
		src.pos = 0;
		in->zret = ZSTD_decompressStream(in->zd, &out, &src);
		in->raw_pos += src.pos;
		*done = out.pos;
		if (ZSTD_isError(in->zret))
			return input_fail(in, -EINVAL, "zstd: %s", ZSTD_getErrorName(in->zret));
		/* no more input and nothing more to flush */
		if (r == 0 && out.pos == before)
			return input_fail(in, -EINVAL, "truncated zstd frame");
	}
	return (ssize_t)out.pos;
}

static ssize_t read_gzip(struct capfile_input *in, uint8_t *dst, size_t n, size_t *done)
{
	int r, zr;

	in->zs.next_out = dst;
	in->zs.avail_out = (uInt)n;
	while (in->zs.avail_out > 0) {
		size_t before = in->zs.avail_out;

		*done = n - in->zs.avail_out;
		r = raw_fill(in);
		if (r < 0)
			return r;
		if (r == 0 && !in->gz_in_member)
			break; /* the end of the input falls between members */
		if (!in->gz_in_member) {
			/* another member follows (concatenated gzip files) */
			if (inflateReset(&in->zs) != Z_OK)
				return input_fail(in, -ENOMEM, "gzip: cannot reset the inflater");
			in->gz_in_member = true;
		}
		/* zlib does not write to next_in; its type is not const */
		in->zs.next_in = (Bytef *)(uintptr_t)(in->raw + in->raw_pos);
		in->zs.avail_in = (uInt)(in->raw_len - in->raw_pos);
		zr = inflate(&in->zs, Z_NO_FLUSH);
		in->raw_pos = in->raw_len - in->zs.avail_in;
		*done = n - in->zs.avail_out;
		if (zr == Z_STREAM_END) {
			in->gz_in_member = false;
			continue;
		}
		if (zr == Z_MEM_ERROR)
			return input_fail(in, -ENOMEM, "gzip: out of memory");
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return input_fail(in, -EINVAL, "gzip: %s",
					  in->zs.msg ? in->zs.msg : "corrupt data");
		if (r == 0 && in->zs.avail_out == before)
			return input_fail(in, -EINVAL, "truncated gzip stream");
	}
	return (ssize_t)(n - in->zs.avail_out);
}

ssize_t input_read(struct capfile_input *in, uint8_t *dst, size_t n, size_t *done)
{
	ssize_t r;

	*done = 0;
	if (in->err)
		return in->err;
	switch (in->comp) {
	case CAPFILE_ZSTD:
		r = read_zstd(in, dst, n, done);
		break;
	case CAPFILE_GZIP:
		r = read_gzip(in, dst, n, done);
		break;
	default:
		r = read_plain(in, dst, n, done);
		break;
	}
	return r;
}

const char *input_error(const struct capfile_input *in)
{
	return in->what;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Buffered output for the capture writers: collects complete blocks in a
 * staging buffer and hands them to the kernel with write(2), retrying on
 * EINTR, short writes and EAGAIN (non-blocking pipes wait in poll(2)).
 * With zstd, the staged bytes go through libzstd's streaming compressor
 * into one frame per file, ended when the output is finished. A flush ends
 * a zstd block inside the frame (ZSTD_e_flush), so everything handed to the
 * kernel up to a flush decodes (zstd -dc, our reader) even if the process
 * dies right after. One frame rather than one per flush because Wireshark
 * 4.0's reader (Debian 12) loses its way at frame boundaries and reports
 * the file damaged after the first few.
 *
 * With PCAPNG_W_BLOCK_FLUSH every block is handed over by the call that
 * wrote it, so a process killed with SIGKILL leaves every block it
 * finished. The block being written at that moment may be left cut: the
 * kernel may end a write(2) to a file at a page boundary when a fatal
 * signal is pending. Readers see a truncated last block after everything
 * complete.
 *
 * Written to a regular file, every 8 MiB handed over is sent on to the disk
 * (sync_file_range, not waited for) and the 8 MiB before it, on disk by
 * then, dropped from the page cache (POSIX_FADV_DONTNEED; pages still under
 * writeback stay). A recording of hours then holds a few MiB of the page
 * cache instead of evicting what the machine's own work keeps there, and
 * the kernel reuses those few pages rather than taking fresh ones for every
 * page of the file: on the virtual machines this was measured on, a write
 * into fresh page-cache pages cost three times a write into reused ones,
 * writeback included. Both calls are advice: their errors are ignored.
 *
 * At the start it asks where a regular file's writes begin: at its end if
 * it is open for appending (fcntl(2)), else at its offset (lseek(2), which
 * it never moves: the file may be handed over part written). It never
 * reopens anything and installs no signal handler: a writer to a closed
 * pipe gets SIGPIPE unless the program ignores it, in which case the error
 * is -EPIPE.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>
#include <zstd_errors.h>

#include "output.h"
#include "pcapng.h"

#define OUTPUT_DEFAULT_BUFFER (256U * 1024)
#define WRITE_BEHIND (8U << 20)
/* Its stretches start on a multiple of 64 KiB, and so of any page size:
 * the page cache drops only whole pages of a range, so stretches starting
 * mid-page would leave the page on each boundary cached. */
#define WB_ALIGN ((uint64_t)(64U << 10) - 1)

/* Sends each whole WRITE_BEHIND stretch written to the disk, and drops the
 * one before it from the page cache. */
static void write_behind(struct output *o)
{
	uint64_t end = o->base + o->bytes_out;

	while (end - o->wb_next >= WRITE_BEHIND) {
		(void)sync_file_range(o->fd, (off_t)o->wb_next, WRITE_BEHIND, SYNC_FILE_RANGE_WRITE);
		if (o->wb_next - (o->base & ~WB_ALIGN) >= WRITE_BEHIND)
			(void)posix_fadvise(o->fd, (off_t)(o->wb_next - WRITE_BEHIND), WRITE_BEHIND,
					    POSIX_FADV_DONTNEED);
		o->wb_next += WRITE_BEHIND;
	}
}

static int write_all(struct output *o, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = write(o->fd, p, n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct pollfd pfd = { .fd = o->fd, .events = POLLOUT };

				if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
					return -errno;
				continue;
			}
			return -errno;
		}
		if (r == 0)
			return -EIO;
		p += r;
		n -= (size_t)r;
		o->bytes_out += (uint64_t)r;
	}
	if (o->regular)
		write_behind(o);
	return 0;
}

static int zstd_err(size_t ret)
{
	return ZSTD_getErrorCode(ret) == ZSTD_error_memory_allocation ? -ENOMEM : -EIO;
}

/* Feed the staged bytes to the compressor: e_continue keeps what it may,
 * e_flush emits everything given so far (ending a block), e_end also ends
 * the frame. */
static int drain_zstd(struct output *o, ZSTD_EndDirective mode)
{
	ZSTD_inBuffer in = { o->buf, o->len, 0 };
	int err;

	if (o->len)
		o->frame_open = true;
	if (mode != ZSTD_e_continue && !o->frame_open)
		return 0;
	for (;;) {
		ZSTD_outBuffer out = { o->zbuf, o->zcap, 0 };
		size_t rem = ZSTD_compressStream2(o->zc, &out, &in, mode);

		if (ZSTD_isError(rem))
			return zstd_err(rem);
		err = write_all(o, o->zbuf, out.pos);
		if (err)
			return err;
		if (mode == ZSTD_e_continue ? in.pos == in.size : rem == 0)
			break;
	}
	o->len = 0;
	if (mode == ZSTD_e_end)
		o->frame_open = false;
	return 0;
}

enum drain_mode {
	DRAIN_FULL,      /* the buffer is full: compress what it holds */
	DRAIN_FLUSH,     /* everything to the kernel, decodable */
	DRAIN_END,       /* and end the zstd frame (the output is done) */
};

/* Hand staged bytes to the kernel. */
static int drain(struct output *o, enum drain_mode mode)
{
	int err;

	if (o->err)
		return o->err;
	if (o->zc)
		err = drain_zstd(o, mode == DRAIN_END ? ZSTD_e_end :
				 mode == DRAIN_FLUSH ? ZSTD_e_flush : ZSTD_e_continue);
	else
		err = write_all(o, o->buf, o->len);
	if (err) {
		o->err = err;
		return err;
	}
	o->len = 0;
	return 0;
}

int output_init(struct output *o, int fd, unsigned flags, int zstd_level,
		size_t buffer_size)
{
	int err = 0;

	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->flags = flags;
	if (fd < 0 || zstd_level < 0 || zstd_level > ZSTD_maxCLevel())
		return -EINVAL;
	{
		struct stat st;
		int fl = fcntl(fd, F_GETFL);
		off_t pos = -1;

		/* writes to a file opened for appending go to its end,
		 * wherever its offset stands */
		if (!fstat(fd, &st) && S_ISREG(st.st_mode) && fl >= 0)
			pos = (fl & O_APPEND) ? st.st_size : lseek(fd, 0, SEEK_CUR);
		if (pos >= 0) {
			o->regular = true;
			o->base = (uint64_t)pos;
			o->wb_next = o->base & ~WB_ALIGN;
		}
	}
	o->limit = buffer_size ? buffer_size : OUTPUT_DEFAULT_BUFFER;
	o->cap = o->limit;
	o->buf = malloc(o->cap);
	if (!o->buf) {
		err = -ENOMEM;
		goto cleanup;
	}
	if (zstd_level > 0) {
		size_t r;

		o->zc = ZSTD_createCCtx();
		o->zcap = ZSTD_CStreamOutSize();
		o->zbuf = malloc(o->zcap);
		if (!o->zc || !o->zbuf) {
			err = -ENOMEM;
			goto cleanup;
		}
		r = ZSTD_CCtx_setParameter(o->zc, ZSTD_c_compressionLevel, zstd_level);
		/* no content checksum: a frame cut at a flush point (a full
		 * disk) is then ended by PCAPNG_ZSTD_FRAME_END alone, and
		 * every reader takes the file as whole */
		if (!ZSTD_isError(r))
			r = ZSTD_CCtx_setParameter(o->zc, ZSTD_c_checksumFlag, 0);
		if (ZSTD_isError(r)) {
			err = -EINVAL;
			goto cleanup;
		}
	}
	return 0;

cleanup:
	ZSTD_freeCCtx(o->zc);
	free(o->zbuf);
	free(o->buf);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
	return err;
}

uint8_t *output_reserve(struct output *o, size_t n, int *err)
{
	if (o->err) {
		*err = o->err;
		return NULL;
	}
	/* Keep memory bounded: what is staged goes out before a block that
	 * would overflow the buffer. A block larger than the buffer is staged
	 * whole (the buffer grows), so that it is written all or nothing. */
	if (o->len && o->len + n > o->limit) {
		*err = drain(o, DRAIN_FULL);
		if (*err)
			return NULL;
	}
	if (n > o->cap - o->len) {
		size_t ncap = o->cap * 2;
		uint8_t *nb;

		if (ncap < o->len + n)
			ncap = o->len + n;
		nb = realloc(o->buf, ncap);
		if (!nb) {
			*err = -ENOMEM;
			return NULL;
		}
		o->buf = nb;
		o->cap = ncap;
	}
	*err = 0;
	return o->buf + o->len;
}

void output_commit(struct output *o, size_t n)
{
	o->len += n;
	o->bytes_in += n;
}

int output_block_done(struct output *o)
{
	if (o->err)
		return o->err;
	if (o->flags & PCAPNG_W_BLOCK_FLUSH)
		return drain(o, DRAIN_FLUSH);
	if (o->len >= o->limit)
		return drain(o, DRAIN_FULL);
	return 0;
}

int output_flush(struct output *o)
{
	return drain(o, DRAIN_FLUSH);
}

int output_fini(struct output *o)
{
	int err = o->err;

	if (o->buf && !err)
		err = drain(o, DRAIN_END);
	if ((o->flags & PCAPNG_W_CLOSE_FD) && o->fd >= 0) {
		if (close(o->fd) < 0 && !err && errno != EINTR)
			err = -errno;
	}
	ZSTD_freeCCtx(o->zc);
	free(o->zbuf);
	free(o->buf);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
	return err;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The reader's input: a file descriptor (file, pipe, stdin) or a caller's
 * buffer, transparently decompressed when its first bytes are a zstd or gzip
 * magic. It only moves bytes; it knows nothing of pcapng. Private to
 * format/ (reader.c), not part of the library's API.
 */
#ifndef NETREC_FORMAT_DECOMPRESS_H
#define NETREC_FORMAT_DECOMPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pcapng.h"

struct capfile_input;

/* NULL on allocation failure (the fd is then not closed). */
struct capfile_input *input_new_fd(int fd, bool close_fd);
struct capfile_input *input_new_mem(const void *buf, size_t len);
void input_free(struct capfile_input *in); /* accepts NULL */

/* Hands every raw byte read from now on to fn (capfile_opts.on_raw). */
void input_set_raw_hook(struct capfile_input *in, void (*fn)(void *, const uint8_t *, size_t),
			void *ctx);

/* Looks at the first raw bytes and sets up decompression. 0 or -errno. */
int input_start(struct capfile_input *in);
enum capfile_compression input_compression(const struct capfile_input *in);

/* Reads up to n bytes of the decompressed stream; fewer only at its end.
 * Returns the count, or a negative errno (-EINVAL corrupt or truncated
 * compressed data, -EIO, -ENOMEM) with input_error() saying what and
 * *done the bytes stored in dst before it. Errors are sticky. */
ssize_t input_read(struct capfile_input *in, uint8_t *dst, size_t n, size_t *done);
const char *input_error(const struct capfile_input *in);

#endif

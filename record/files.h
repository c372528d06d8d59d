/* SPDX-License-Identifier: GPL-2.0-only */
/* netrec's output files: their names (tcpdump's -C/-G/-W rules), their
 * creation, and when the next one starts. */
#ifndef NETREC_RECORD_FILES_H
#define NETREC_RECORD_FILES_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct files {
	const char *pattern;       /* -o: a name, strftime with -G; "-": stdout */
	bool to_stdout;
	bool zst;                  /* a .zst name: zstd-compressed */
	uint64_t rotate_bytes;     /* -C, 0: none */
	uint32_t rotate_secs;      /* -G, 0: none */
	uint32_t max_files;        /* -W, 0: unlimited */
	bool chown;                /* give files to uid/gid (-Z) */
	uid_t uid;
	gid_t gid;
	uint32_t index;            /* number of the next file, from 0 */
	uint32_t done;             /* files closed */
	char path[PATH_MAX];       /* the current file */
};

void files_init(struct files *f, const char *pattern, uint64_t rotate_bytes,
		uint32_t rotate_secs, uint32_t max_files);
/* Creates the next file (0600, never through a symlink, locked while
 * written; an existing regular file is emptied, as tcpdump -w does, unless
 * another netrec is writing it: -EBUSY) and returns its descriptor
 * (standard output for "-"), or -errno after saying why on stderr. */
int files_create(struct files *f);
/* Whether the current file is complete: 1 by size (bytes: what it holds
 * once flushed), 2 by time (age_ns since it began), 0 not yet. */
int files_due(const struct files *f, uint64_t bytes, int64_t age_ns);
/* After closing a file ended by time: whether -G -W asks to stop. */
bool files_last(const struct files *f);
/* Cuts the current file back to its first len bytes (what ends with a
 * whole block); 0 or -errno. */
int files_cut(const struct files *f, int fd, uint64_t len);

#endif

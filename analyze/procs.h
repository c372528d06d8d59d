/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Processes a recording names, per (file, pid): netrec's process records
 * (journal) and the commands packet comments give. It answers "which
 * command is pid P in file F" (a process record's, else a comment's) and
 * makes the processes rows of processes known only from comments. Bounded:
 * at most max (file, pid) pairs are remembered.
 */
#ifndef NETANALYZE_PROCS_H
#define NETANALYZE_PROCS_H

#include <stdbool.h>
#include <stdint.h>

#include "rows.h"
#include "u64map.h"

struct procs {
	struct u64map map;       /* (file, pid) key -> index + 1 into ents */
	struct procs_ent *ents;
	uint32_t n, cap;
	bool full;               /* some pair was not remembered */
};

void procs_init(struct procs *p, uint32_t max);
void procs_free(struct procs *p);
/* A packet whose comment names its owner's command. */
void procs_comment(struct procs *p, const struct row_pkt *r);
/* A netrec process record of file_id (comm: strtab id, 0 none). */
void procs_journal(struct procs *p, uint32_t file_id, int64_t pid, uint32_t comm);
/* The command of pid in file_id: a process record's, else a comment's; 0
 * if unknown. */
uint32_t procs_comm(const struct procs *p, uint32_t file_id, int64_t pid);
/* Calls fn for each process known only from comments (no process record
 * in the same file), in the order first seen. */
int procs_each_comment_only(const struct procs *p,
			    int (*fn)(void *ctx, const struct row_proc_comment *r), void *ctx);

#endif

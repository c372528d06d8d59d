/* SPDX-License-Identifier: GPL-2.0-only */
/* The ring buffer's records coming into netrec: checked, copied into a
 * pool slot, learned from, and queued for the reorder window. */
#ifndef NETREC_RECORD_INTAKE_H
#define NETREC_RECORD_INTAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "pool.h"
#include "reorder.h"

/* An interface of another network namespace is known in netrec by a key:
 * the namespace's number (1 .. IFKEY_MAX_NS) in the top 12 bits, its
 * ifindex in the low 20 (the interface tables, records' ifindex once taken
 * in); netrec's own interfaces by their ifindex (number 0). An interface
 * whose ifindex does not fit (above IFKEY_MAX_INDEX) is not captured: said
 * once, and counted in the summary (record/netns.c, record/main.c). */
#define IFKEY_INDEX_BITS 20
#define IFKEY(ns, ifindex) ((uint32_t)(ns) << IFKEY_INDEX_BITS | (uint32_t)(ifindex))
#define IFKEY_INDEX(key) ((uint32_t)(key) & IFKEY_MAX_INDEX)
#define IFKEY_NS(key) ((uint32_t)(key) >> IFKEY_INDEX_BITS)
#define IFKEY_MAX_INDEX ((1U << IFKEY_INDEX_BITS) - 1)
#define IFKEY_MAX_NS 4095
/* Slots of the inode -> number hash (a power of two, more than twice
 * IFKEY_MAX_NS: short probes). */
#define INTAKE_NS_HASH 8192

struct intake {
	struct pool pool;
	struct reorder ro;
	int64_t mono_to_real_ns;     /* the clock offset (docs/format.md §6) */
	uint64_t lost;               /* records lost here (malformed, no memory) */
	uint64_t procs;              /* process notices read */
	uint32_t budget;             /* records left in this round (intake_round) */
	bool mark_captured;          /* -i: remember connections with packets captured */
	uint32_t own_netns;          /* netns inode of netrec's own namespace */
	uint32_t ns_ino[IFKEY_MAX_NS + 1]; /* followed namespaces' inodes, by number */
	uint16_t ns_hash[INTAKE_NS_HASH]; /* inode -> number, 0: empty */
	int nns;                     /* highest namespace number in use */
};


/* netrec's own owner source for a forwarded packet with no owner on this
 * host: written as NR_OWNER_FORWARDED without the owner flag (the file
 * has one value for both; docs/format.md §4.1). */
#define NR_OWNER_FWD_NOBODY 0xF0

/* The owner source names a process (not the kernel, not unknown, not a
 * forwarded packet without owner). */
static inline bool src_is_process(uint8_t src)
{
	return src != NR_OWNER_UNKNOWN && src != NR_OWNER_KERNEL && src != NR_OWNER_FWD_NOBODY;
}

/* Records read from the ring in one round: the reader stops there, writes
 * what the window releases, and reads on, so that a ring that never runs
 * dry does not keep it from writing. */
#define INTAKE_ROUND 4096

void intake_init(struct intake *in, int64_t mono_to_real_ns);
/* Namespace number k (1 .. IFKEY_MAX_NS) is the namespace of inode ino
 * (0: number k is free again); intake_ns_number() finds it by inode in
 * constant time (0: netrec's own, or one not followed). */
void intake_ns_set(struct intake *in, int k, uint32_t ino);
int intake_ns_number(const struct intake *in, uint32_t ino);
void intake_free(struct intake *in);
/* ring_buffer_sample_fn: ctx is the struct intake. Returns -EAGAIN (the
 * record is taken all the same) when the round's budget is spent. */
int intake_record(void *ctx, void *data, size_t size);
/* Starts a round of at most INTAKE_ROUND records. */
void intake_round(struct intake *in);
/* The next record to write (older than before, ktime ns; UINT64_MAX: any),
 * or NULL; give it back with intake_done() once written. */
struct rec *intake_next(struct intake *in, uint64_t before);
void intake_done(struct intake *in, struct rec *r);
/* The file's owner source of a kernel-side owner (the one place the
 * kernel's enum nr_src becomes docs/format.md §4.1's). */
uint8_t intake_owner_src(const struct nr_owner *o);
/* The file's parse reason (§4.2) of the kernel's enum nr_parse. */
uint8_t intake_parse_why(uint8_t parse);

#endif

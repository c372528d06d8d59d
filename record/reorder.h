/* SPDX-License-Identifier: GPL-2.0-only */
/* Records held for a bounded time and released in (timestamp, CPU,
 * sequence) order (docs/format.md §8). */
#ifndef NETREC_RECORD_REORDER_H
#define NETREC_RECORD_REORDER_H

#include <stddef.h>
#include <stdint.h>

#include "netrec.h"

/* One record as it came from the ring buffer, copied into a pool slot
 * (record/pool.h), with what the intake learned from it once so that
 * nothing later parses it again. */
struct rec {
	uint64_t ktime_ns;
	uint64_t seq;
	uint32_t cpu;
	uint32_t size;           /* bytes in data */
	uint8_t kind;            /* enum nr_rec_kind */
	uint8_t src;             /* the file's owner source (enum nr_owner_src) */
	uint8_t cls;             /* pool size class */
	uint8_t has_tuple;       /* t is the record's TCP connection */
	uint8_t copy;            /* a later copy of a packet on another
				    interface (record/same.c) */
	uint8_t pad[3];
	uint64_t same_id;        /* docs/format.md §4: same value on every copy */
	struct nr_tuple t;       /* seen from this host */
	uint8_t data[];          /* struct nr_pkt + bytes, or struct nr_event */
};

/* Queue entries carry their key, so that ordering touches one array. */
struct reorder_ent {
	uint64_t ktime_ns;
	uint64_t seq;
	uint32_t cpu;
	struct rec *rec;
};

/* One CPU's records, kept sorted (a ring of entries). */
struct reorder_q {
	struct reorder_ent *buf;
	size_t head, n, cap;
};

struct reorder {
	struct reorder_q *q;   /* indexed by CPU */
	size_t nq;
	size_t n;              /* records held */
	uint64_t late;         /* records older than one already released */
	uint64_t last_out;     /* timestamp of the last released record */
};

void reorder_init(struct reorder *r);
void reorder_free(struct reorder *r); /* the records stay with their pool */
int reorder_push(struct reorder *r, struct rec *rec);
/* The oldest record if it is older than `before` (ktime ns), else NULL;
 * before == UINT64_MAX releases everything. */
struct rec *reorder_pop(struct reorder *r, uint64_t before);

#endif

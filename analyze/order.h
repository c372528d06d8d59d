/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Time order: records from any number of sources (capture files, a kept
 * database being extended) merged into one stream by the key
 * (timestamp, CPU, per-CPU sequence, file, position in the file), CPU and
 * sequence sorting first when absent (docs/schema.md, Time order).
 *
 * A source is read in its own order. ORDER_WINDOW expects it nearly sorted
 * (per-CPU buffers, two interfaces, a little clock skew): a window of at
 * most `records` records / `bytes` bytes restores its order in memory, and
 * a record older than one already handed on ends the merge with -EAGAIN
 * (the caller starts again with that source in ORDER_SORT). ORDER_SORT reads
 * the whole source first, sorting windows of that size and spilling them as
 * runs to temporary files when there is more than one, then merges the runs:
 * memory stays bounded whatever the input. ORDER_SORTED trusts the source.
 */
#ifndef NETANALYZE_ORDER_H
#define NETANALYZE_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze.h"
#include "pool.h"
#include "rows.h"

enum order_kind {
	ORD_PKT = 1,             /* row: struct row_pkt *, from the packet pool */
	ORD_JREC,                /* row: struct row_jrec *, malloc'd */
};

struct order_rec {
	int64_t ts, cpu, seq;    /* cpu, seq: INT64_MIN when absent */
	int64_t file_idx;
	uint32_t file_id;
	uint32_t kind : 4;       /* enum order_kind */
	uint32_t bytes : 28;     /* of the row (the window's bound) */
	void *row;
};

/* The record's key from its row. */
void order_rec_pkt(struct order_rec *o, struct row_pkt *p);
void order_rec_jrec(struct order_rec *o, struct row_jrec *j);
/* <0, 0, >0 as a sorts before, with, after b. */
int order_cmp(const struct order_rec *a, const struct order_rec *b);

enum order_mode {
	ORDER_WINDOW,
	ORDER_SORT,
	ORDER_SORTED,
};

/* next(): 1 with *out filled, 0 at the end, or a negative errno (with a
 * detail in e). */
struct order_source {
	int (*next)(void *ctx, struct order_rec *out, struct an_err *e);
	void *ctx;
};

struct order_limits {
	size_t records;          /* window / sort buffer, in records */
	size_t bytes;            /* and in bytes of rows */
	const char *tmpdir;      /* for spilled runs */
};

struct order_stats {
	uint64_t runs;           /* sorted runs spilled to temporary files */
	uint64_t spilled;        /* records written to them */
};

struct order;

int order_new(struct order **out, const struct order_limits *lim, struct pool *pkts);
/* Frees what it still holds (records included); accepts NULL. */
void order_free(struct order *o);
/* Adds a source; its index in *idx. */
int order_add(struct order *o, enum order_mode mode, struct order_source src, int *idx);
/* The next record in time order: 1, 0 at the end of every source, -EAGAIN
 * when a windowed source broke its window (order_violator() says which),
 * or a negative errno with a detail in e. */
int order_next(struct order *o, struct order_rec *out, struct an_err *e);
int order_violator(const struct order *o);
const struct order_stats *order_stats(const struct order *o);
/* Releases a record's row. */
void order_rec_free(struct order *o, struct order_rec *r);

#endif

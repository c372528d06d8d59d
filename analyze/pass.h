/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The analysis pass: it takes every packet and journal record once, in
 * time order, numbers it (its place in the timeline), works out what the
 * record says about connections, handshakes, retransmissions, ICMP
 * exchanges, kernel events, sockets and processes, and hands each row,
 * complete, to a sink (the store). One struct pass holds all of its state;
 * memory is bounded by capture time and by the limits below, not by the
 * size of the input.
 */
#ifndef NETANALYZE_PASS_H
#define NETANALYZE_PASS_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze.h"
#include "rows.h"

struct pass_limits {
	uint64_t flows;           /* TCP connections followed at once */
	uint64_t echoes;          /* ICMP echo exchanges pending at once */
	uint64_t events;          /* journal records waiting (kevents.h) */
	uint32_t sockets;         /* sockets by cookie */
	uint32_t processes;       /* (file, pid) pairs */
};
extern const struct pass_limits pass_default_limits;

struct pass;

int pass_new(struct pass **out, const struct pass_limits *lim, struct strtab *strs,
	     struct row_sink sink);
void pass_free(struct pass *p);   /* accepts NULL */
/* Before the first record: the vantage point of each file (by file_id,
 * join_vantages; the pass keeps the pointer) and the Community ID seed
 * of the connections and handshakes rows. */
void pass_set_fleet(struct pass *p, const int *vantage, size_t nvantage, uint16_t cid_seed);
/* The next packet in time order; r is completed (id, conn_id, ...) and
 * handed to the sink; it stays the caller's. */
int pass_packet(struct pass *p, struct row_pkt *r, struct an_err *e);
/* The next journal record in time order; the pass takes j. */
int pass_jrec(struct pass *p, struct row_jrec *j, struct an_err *e);
/* The end of the input: everything still held is written. */
int pass_finish(struct pass *p, struct an_err *e);

/* What the pass counted of one file's records (files row). */
struct pass_file_stats {
	bool seen;                /* the file had records */
	int64_t moved, max_disp;  /* records whose place changed relative to the
				     file's own order; the largest move */
	int64_t tcp_packets, icmp_packets, other_packets, loopback_copies;
	int64_t tcp_events;
	int64_t connections;      /* that start with a packet of the file */
	int64_t retransmissions;  /* of its packets */
	int64_t sequence_gaps;
	bool gaps_known;
};
void pass_file_stats(const struct pass *p, uint32_t file_id, struct pass_file_stats *out);
/* Something was not remembered because a limit was reached (the
 * processes or strings tables); a note for the user. */
const char *pass_limit_note(const struct pass *p);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel events in the analysis pass: which connection each event belongs
 * to (events.conn_id) and what events tell a connection's handshake (the
 * client socket's SYN_SENT and ESTABLISHED times, the server socket's
 * ESTABLISHED, owners where packets named none). docs/schema.md gives the
 * rules; this is how they run while records stream past in time order.
 *
 * Journal records wait in a queue so that the events table is written in
 * time order, and a TCP event waits there a second of capture time: a
 * connection starting within that second on its 4-tuple takes it over (the
 * kernel reports SYN_SENT before the SYN leaves; a reused 4-tuple's newest
 * connection is the event's). SYN_SENT events without a port (the kernel
 * picks it afterwards) are remembered by socket cookie, as is the
 * connection of each socket (from its events, else from the packets the
 * socket sent). Memory is bounded by time and by count.
 */
#ifndef NETANALYZE_KEVENTS_H
#define NETANALYZE_KEVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"
#include "u64map.h"

struct kevents {
	struct kev_pending *q;    /* ring of records not yet written */
	uint64_t cap, max;
	uint64_t head_seq, tail_seq;  /* live: [head_seq, tail_seq) */
	struct u64map by_tuple;   /* 4-tuple hash -> newest pending seq */
	struct kev_syn *syn;      /* ring of portless SYN_SENT events */
	uint64_t syn_cap, syn_seq;
	struct u64map syn_cookie; /* cookie -> syn seq */
	struct u64map syn_dest;   /* (raddr, rport) -> syn seq, events without a cookie */
	struct kev_conn *conns;   /* ring: the first connection of each socket */
	uint64_t conn_cap, conn_seq;
	struct u64map conn_cookie;/* cookie -> conns seq */
	struct strtab *strs;
};

/* max_pending records queued, max_sockets remembered SYN_SENT events and
 * first connections of sockets. */
int kevents_init(struct kevents *k, uint64_t max_pending, uint64_t max_sockets,
		 struct strtab *strs);
void kevents_free(struct kevents *k);

/* What kevents_add decided about a tcp_event. */
struct kev_match {
	bool tuple;               /* it has a full 4-tuple */
	int ipver;
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
};

/* Queues a journal record (in time order). For a TCP event, *m says
 * whether it has a 4-tuple for pass.c to look up. -ENOMEM. */
int kevents_add(struct kevents *k, struct row_jrec *j, struct kev_match *m);
/* The last record added belongs to f, whose endpoint `side` is its local
 * end (until a newer connection on the 4-tuple takes it over). */
void kevents_match_last(struct kevents *k, struct flow *f, int side);
/* A new flow: waiting events on its 4-tuple are given to it (they now
 * belong to the latest connection), and it learns what they and the
 * remembered SYN_SENT events say. */
void kevents_flow_started(struct kevents *k, struct flow *f);
/* A packet of connection conn_id sent by the socket of cookie: an event
 * of that socket without a 4-tuple, and no event of it with one, belongs to
 * that connection. */
void kevents_packet(struct kevents *k, uint64_t cookie, int64_t conn_id);
/* The queue holds max_pending records: release one before adding. */
bool kevents_full(const struct kevents *k);
/* The next record ready to be written (a second of capture time has
 * passed since it, or `all`), or NULL; the caller owns it. Its conn_id is
 * set (JR_CONN) when its 4-tuple named a connection, else, for a TCP event
 * with a socket cookie, when an event of the same socket was given one. */
struct row_jrec *kevents_release(struct kevents *k, int64_t now, bool all);

#endif

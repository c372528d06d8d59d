/* SPDX-License-Identifier: GPL-2.0-only */
/* What user space learns about TCP connections from the records it reads:
 * owners (for late attribution), window scales, and which connections the
 * filter expression matched. */
#ifndef NETREC_RECORD_TRACK_H
#define NETREC_RECORD_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "netrec.h"

/* Connections are known by their tuple and their network namespace: the
 * namespace's number (record/intake.h IFKEY; 0: netrec's own) in pad[0..1]
 * (track_tuple_ns), set by the caller, so that two namespaces using the
 * same addresses and ports keep their owners apart. */
static inline void track_tuple_ns(struct nr_tuple *t, unsigned k)
{
	t->pad[0] = (uint8_t)k;
	t->pad[1] = (uint8_t)(k >> 8);
}

/* The connection of a TCP packet (from the kernel parser's offsets) and
 * its TCP header; 0 or -ENOENT. */
int track_tuple_of_packet(const struct nr_pkt *p, const uint8_t *data, struct nr_tuple *t,
			  const uint8_t **tcp, uint32_t *tcp_len);
void track_tuple_of_event(const struct nr_event *e, struct nr_tuple *t);
/* What a record tells about its connection: its owner (src, the file's
 * owner source: only process owners are kept), from a SYN's header (tcp
 * may be NULL) the window scale, and with -i that a packet of it was
 * captured on a chosen interface (captured: its kernel events are written
 * only then; track_captured). One lookup of the table. */
void track_learn_packet(const struct nr_tuple *t, const struct nr_owner *o, uint8_t src,
			uint8_t dir, const uint8_t *tcp, uint32_t tcp_len, bool captured);
void track_learn_event(const struct nr_tuple *t, const struct nr_owner *o, uint8_t src);
/* The owner learned for the connection, if any (0, else -ENOENT). */
int track_late_owner(const struct nr_tuple *t, struct nr_owner *o);
/* The same in any namespace: the owner of a socket at one end of a packet
 * another namespace forwards (the last learned, whatever its namespace,
 * once track_set_namespaces() has said that there are others; one lookup,
 * however many namespaces). */
int track_late_owner_any(const struct nr_tuple *t, struct nr_owner *o);
void track_set_namespaces(int n);
/* The owner that used an accepted socket itself (read, wrote) as learned so
 * far; the packets before that carry the listener's owner (0, -ENOENT). */
int track_acceptor(const struct nr_tuple *t, struct nr_owner *o);
/* The connection whose SYN (no ACK) the socket with this cookie sent, as
 * the packet's tuple; 0, else -ENOENT. */
int track_by_cookie(uint64_t cookie, struct nr_tuple *t);
/* The tuple as the other end sees it. */
void track_reverse(const struct nr_tuple *t, struct nr_tuple *out);
/* With -i: whether a packet of the connection was captured on a chosen
 * interface (track_learn_packet's captured). */
bool track_captured(const struct nr_tuple *t);
void track_mark_matched(const struct nr_tuple *t);
bool track_matched(const struct nr_tuple *t);
/* A minimal SLL2 + IP + TCP packet with the event's addresses and ports,
 * outbound (dir 0) or inbound (dir 1), for the filter; returns its length. */
uint32_t track_synth_packet(const struct nr_event *e, int dir, uint8_t *buf, uint32_t cap);
/* The window of a window event in bytes (scaled when the handshake's
 * window scale options were seen). */
uint32_t track_window_bytes(const struct nr_tuple *t, const struct nr_event *e);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/* Which records the user asked for: -p, --comm, --children, --cgroup and
 * the pcap-filter expression. */
#ifndef NETREC_RECORD_SELECT_H
#define NETREC_RECORD_SELECT_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "filter.h"
#include "netrec.h"

struct select {
	const struct opts *o;
	struct pkt_filter *filter;   /* NULL: no expression */
};

/* Whether the owner (src: the file's owner source) passes -p, --comm,
 * --children and --cgroup (everything passes when none is given). */
bool select_owner(const struct select *s, const struct nr_owner *ow, uint8_t src);
/* Whether the packet as written (SLL2 packet, caplen of origlen bytes)
 * matches the expression. */
bool select_packet(const struct select *s, const uint8_t *pkt, uint32_t caplen,
		   uint32_t origlen);
/* An event is kept when a packet of its connection (t) matched the
 * expression, or when a packet with its addresses and ports would. */
bool select_event(const struct select *s, const struct nr_event *e, const struct nr_tuple *t);

#endif

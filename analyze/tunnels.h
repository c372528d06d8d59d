/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the packet builder keeps beside a packet row (packet.c): the
 * encapsulations a packet came through, as one tunnel_id per stack of
 * layers with one tunnels row per layer written the first time the stack
 * is met, and the count of a file's packets that could not be decoded, per
 * kind (reason, layer, number), written as undecoded rows at the file's
 * end. Both run on the analysis thread; memory is bounded.
 */
#ifndef NETANALYZE_TUNNELS_H
#define NETANALYZE_TUNNELS_H

#include <stdint.h>

#include "decode.h"
#include "rows.h"

/* ---- encapsulation stacks ---- */

/* tunnel_id of a stack of n layers (outermost first): a 63-bit hash of
 * each layer's kind, outer IP version, protocol and addresses, UDP
 * destination port, identifiers, inner type, VLAN and label count. The UDP
 * source port is left out: VXLAN, Geneve, GTP-U and the other UDP tunnels
 * vary it per inner flow for load balancing, so it names no tunnel; so are
 * GRE's sequence number (per packet) and NVGRE's flow id (per flow). Each
 * direction of a tunnel has its own id (its outer addresses are the other
 * way round). */
int64_t tunnel_id_of(const struct pkt_tunnel *l, int n);

/* Notes a stack: returns its tunnel_id, and puts its tunnels rows into the
 * sink when this run has not put them already (a stack seen before the set
 * of ids filled up and was cleared may be put twice: the table ignores the
 * repeat). A sink error is kept for tunnels_error(). t may be NULL (no rows
 * are put). */
int64_t tunnels_note(struct tunnels *t, const struct pkt_tunnel *l, int n);
int tunnels_new(struct tunnels **out, struct row_sink sink);
void tunnels_free(struct tunnels *t);   /* accepts NULL */
int tunnels_error(const struct tunnels *t);

/* ---- packets not decoded, per kind ---- */

/* At most UNDECODED_KINDS kinds are told apart per file; the packets of
 * any further kind are counted together in one row of reason "other". */
#define UNDECODED_KINDS 64

void undecoded_init(struct undecoded **out);       /* *out NULL when out of memory */
void undecoded_free(struct undecoded *u);          /* accepts NULL */
/* Counts p when it was not wholly decoded (p->undecoded set). */
void undecoded_count(struct undecoded *u, const struct pkt *p);
/* Puts one row per kind counted for file_id into the sink, then starts
 * counting again from zero. Returns 0 or the sink's error. */
int undecoded_flush(struct undecoded *u, int64_t file_id, struct row_sink sink);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP connections in the analysis pass (pass.c feeds packets in time
 * order): the table of connections being followed (a new ISN on a used
 * 4-tuple starts a new one; idle ones end, so memory does not grow with the
 * file), loopback copies, Wireshark's sequence analysis (retransmission
 * classes, duplicate ACKs, zero windows) and what a packet row learns from
 * its connection (conn_id, from_orig, anomalies). Zeek's state and history
 * are in zeek.c, the handshake in handshake.c. It does not read payloads
 * and writes nothing: ended flows wait on a list for pass.c.
 *
 * Flows are followed per vantage point (join.c): when a client's and a
 * server's recordings are loaded together, each host's view of a
 * connection is a connection of its own, and join.c pairs them after the
 * pass.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "flow.h"

/* Closed by FIN both ways or by RST: kept for stray packets as long as
 * Zeek keeps it (tcp_close_delay, tcp_reset_delay: 5 s after its last
 * packet); a packet later on its 4-tuple starts a new connection. */
#define IDLE_CLOSED_NS (5 * NS_PER_SEC)
#define IDLE_PENDING_NS (300 * NS_PER_SEC)  /* handshake without answer */
#define IDLE_OPEN_NS (3600 * NS_PER_SEC)    /* anything else */
#define COPY_WINDOW_NS 10000000LL          /* 10 ms: out -> in on loopback */
#define HASH_BITS 18

static uint32_t ep_hash(const uint8_t *a, uint16_t port, int alen)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < alen; i++)
		h = (h ^ a[i]) * 16777619u;
	h = (h ^ (port & 0xff)) * 16777619u;
	h = (h ^ (port >> 8)) * 16777619u;
	return h;
}

static uint32_t tuple_hash(int vantage, int ipver, const uint8_t *a, uint16_t pa,
			   const uint8_t *b, uint16_t pb)
{
	int alen = ipver == 6 ? 16 : 4;

	/* symmetric: both directions land in the same bucket */
	return (ep_hash(a, pa, alen) + ep_hash(b, pb, alen) + (uint32_t)vantage * 0x9e3779b1u) &
	       ((1u << HASH_BITS) - 1);
}

int conn_vantage(const struct conn_table *t, uint32_t file_id)
{
	return file_id < t->nvantage ? t->vantage[file_id] : 0;
}

static bool ep_eq(const struct endpoint *e, const uint8_t *a, uint16_t port, int alen)
{
	return e->port == port && !memcmp(e->addr, a, alen);
}

int conn_init(struct conn_table *t, uint64_t max_flows)
{
	memset(t, 0, sizeof(*t));
	t->buckets = calloc(1u << HASH_BITS, sizeof(*t->buckets));
	t->next_conn_id = 1;
	t->max_flows = max_flows;
	return t->buckets ? 0 : -ENOMEM;
}

void conn_flow_free(struct flow *f)
{
	if (f) {
		free(f->kj);
		free(f);
	}
}

void conn_free(struct conn_table *t)
{
	/* connections still followed after an error are dropped unwritten */
	for (struct flow *f = t->lru_head, *n; f; f = n) {
		n = f->lru_next;
		conn_flow_free(f);
	}
	for (struct flow *f = t->ended, *n; f; f = n) {
		n = f->next;
		conn_flow_free(f);
	}
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

struct flow *conn_lookup(const struct conn_table *t, int vantage, int ipver, const uint8_t *a,
			 uint16_t pa, const uint8_t *b, uint16_t pb, int *side)
{
	int alen = ipver == 6 ? 16 : 4;

	for (struct flow *f = t->buckets[tuple_hash(vantage, ipver, a, pa, b, pb)]; f; f = f->next) {
		if (f->ipver != ipver || f->vantage != vantage)
			continue;
		if (ep_eq(&f->ep[0], a, pa, alen) && ep_eq(&f->ep[1], b, pb, alen)) {
			*side = 0;
			return f;
		}
		if (ep_eq(&f->ep[1], a, pa, alen) && ep_eq(&f->ep[0], b, pb, alen)) {
			*side = 1;
			return f;
		}
	}
	return NULL;
}

static void lru_unlink(struct conn_table *t, struct flow *f)
{
	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else
		t->lru_head = f->lru_next;
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		t->lru_tail = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
}

static void lru_append(struct conn_table *t, struct flow *f)
{
	f->lru_prev = t->lru_tail;
	f->lru_next = NULL;
	if (t->lru_tail)
		t->lru_tail->lru_next = f;
	else
		t->lru_head = f;
	t->lru_tail = f;
}

/* Zeek's choice of roles for a connection first seen without a SYN
 * (midstream or at its SYN-ACK): true when the packet's sender is the
 * responder. A source on a likely server port is the responder, unless the
 * destination is one too: then, for a segment without SYN, the lower port is
 * the server's. */
static bool zeek_flips(uint16_t sport, uint16_t dport, uint8_t flags)
{
	if (!zeek_likely_server_port(sport))
		return false;
	if (zeek_likely_server_port(dport))
		return !(flags & TH_SYN) && sport < dport;
	return true;
}

static struct flow *flow_new(struct conn_table *t, const struct apkt *a, int *from)
{
	const struct row_pkt *r = a->r;
	struct flow *f = calloc(1, sizeof(*f));
	int alen = r->ipver == 6 ? 16 : 4;
	bool pure_syn = (r->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN;
	bool synack = (r->tcp_flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK);
	bool src_is_client;

	if (!f)
		return NULL;
	f->ipver = r->ipver;
	if (pure_syn) {
		f->origin = ORIGIN_SYN;
		src_is_client = true;
	} else if (synack) {
		f->origin = ORIGIN_SYNACK;
		f->outcome = OUT_SYNACK_ONLY;
		src_is_client = false;
	} else {
		f->origin = ORIGIN_MIDSTREAM;
		f->outcome = OUT_MIDSTREAM;
		src_is_client = !zeek_flips(r->sport, r->dport, r->tcp_flags);
	}
	f->flipped = !src_is_client;
	memcpy(f->ep[0].addr, src_is_client ? r->src : r->dst, alen);
	f->ep[0].port = src_is_client ? r->sport : r->dport;
	memcpy(f->ep[1].addr, src_is_client ? r->dst : r->src, alen);
	f->ep[1].port = src_is_client ? r->dport : r->sport;
	*from = src_is_client ? 0 : 1;
	f->conn_id = t->next_conn_id++;
	f->file_id = r->file_id;
	f->vantage = conn_vantage(t, r->file_id);
	f->first_ns = f->last_ns = a->ts;
	/* Zeek's originator: the handshake's client, except for a flow
	 * first seen at a SYN-ACK that Zeek does not flip at once: there
	 * the SYN-ACK's sender is, until an ACK or data flips it */
	if (synack && !zeek_flips(r->sport, r->dport, r->tcp_flags))
		zeek_init(f, 1, false);
	else
		zeek_init(f, 0, f->flipped);

	uint32_t h = tuple_hash(f->vantage, r->ipver, r->src, r->sport, r->dst, r->dport);

	f->next = t->buckets[h];
	t->buckets[h] = f;
	lru_append(t, f);
	t->nflows++;
	return f;
}

/* Takes f out of the table onto the ended list. */
static void flow_end(struct conn_table *t, struct flow *f)
{
	uint32_t h = tuple_hash(f->vantage, f->ipver, f->ep[0].addr, f->ep[0].port, f->ep[1].addr,
				f->ep[1].port);

	for (struct flow **pp = &t->buckets[h]; *pp; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
	lru_unlink(t, f);
	t->nflows--;
	/* the ended list keeps end order (a FIFO through lru_prev as tail) */
	f->next = NULL;
	if (!t->ended) {
		t->ended = f;
	} else {
		struct flow *tail = t->ended->lru_prev;

		tail->next = f;
	}
	t->ended->lru_prev = f;
}

struct flow *conn_take_ended(struct conn_table *t)
{
	struct flow *f = t->ended;

	if (!f)
		return NULL;
	t->ended = f->next;
	if (t->ended)
		t->ended->lru_prev = f->lru_prev;
	f->next = f->lru_prev = NULL;
	return f;
}

/* Idle long enough at now to be ended: the sweep ends it, and a packet
 * that finds it starts a new connection instead. */
static bool flow_expired(const struct flow *f, int64_t now)
{
	int64_t idle = now - f->last_ns;
	int64_t limit = zeek_closed(f) ? IDLE_CLOSED_NS :
			f->outcome == OUT_PENDING ? IDLE_PENDING_NS : IDLE_OPEN_NS;

	return idle >= limit;
}

void conn_sweep(struct conn_table *t, int64_t now, bool all)
{
	struct flow *f = t->lru_head, *next;

	for (; f; f = next) {
		next = f->lru_next;
		if (!all && now - f->last_ns < IDLE_CLOSED_NS)
			break; /* the rest were active more recently */
		if (all || flow_expired(f, now))
			flow_end(t, f);
	}
}

/* ---- Wireshark's sequence analysis (retransmission classes) ---- */

static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* Wireshark's tcp_analyze_sequence_number, for the flags netanalyze keeps.
 * A SYN and a FIN take one sequence number: a resent SYN or FIN is a
 * retransmission (not out of order, however soon it comes), as in
 * Wireshark's out-of-order test since it counts them. */
static unsigned seq_analysis(struct flow *f, int d, const struct apkt *ap)
{
	const struct row_pkt *r = ap->r;
	struct endpoint *fw = &f->ep[d], *rv = &f->ep[1 - d];
	uint8_t fl = r->tcp_flags;
	uint32_t seglen = r->payload_len;
	unsigned a = 0;
	uint32_t sf = !!(fl & TH_SYN) + !!(fl & TH_FIN);
	int64_t ts = ap->ts;
	bool known = fw->bits & EP_NEXTSEQ;
	/* a byte sent at the next sequence number into a zero window */
	bool zwp = seglen == 1 && known && r->seq == fw->nextseq && (rv->bits & EP_WIN) &&
		   rv->win == 0;

	if (!zwp) {
		if (r->win == 0 && !(fl & (TH_RST | TH_FIN | TH_SYN)))
			a |= AN_ZEROWIN;
		if (known && seq_lt(fw->nextseq, r->seq) && !(fl & TH_RST))
			a |= AN_LOST;  /* previous segment not captured */
		if (seglen <= 1 && !(fl & (TH_FIN | TH_SYN | TH_RST)) && known &&
		    r->seq == fw->nextseq - 1)
			a |= AN_KEEPALIVE;
		if (seglen == 0 && r->win && (fw->bits & EP_WIN) && r->win == fw->win && known &&
		    r->seq == fw->nextseq && (fl & TH_ACK) && (fw->bits & EP_LASTACK) &&
		    r->ack == fw->lastack && !(fl & (TH_SYN | TH_FIN | TH_RST))) {
			if (fw->dupacks < UINT8_MAX)
				fw->dupacks++;
			a |= AN_DUPACK;
		}
	}
	/* an ACK of bytes the peer was never seen to send */
	if ((fl & TH_ACK) && (rv->bits & EP_MAXACK) && seq_lt(rv->maxack, r->ack)) {
		a |= AN_ACKLOST;
		rv->maxack = rv->nextseq;
	}
	if (!(a & AN_KEEPALIVE) && (seglen > 0 || sf) && known && seq_lt(r->seq, fw->nextseq) &&
	    !(seglen > 1 && fw->nextseq - 1 == r->seq)) {
		int64_t thres = f->irtt_set ? f->irtt_ns : 3000000;

		if (rv->dupacks >= 2 && (rv->bits & EP_LASTACK) && rv->lastack == r->seq &&
		    ts - rv->lastack_ns < 20000000)
			a |= AN_RETRANS | AN_FAST;
		else if (ts - fw->nextseq_ns < thres && fw->nextseq != r->seq + seglen + sf)
			a |= AN_OOO;
		else if (seglen > 0 && (rv->bits & EP_LASTACK) && !seq_lt(rv->lastack, r->seq + seglen))
			a |= AN_RETRANS | AN_SPURIOUS;
		else
			a |= AN_RETRANS;
	}
	uint32_t end = r->seq + seglen + sf;

	if (!zwp && (!known || seq_lt(fw->nextseq, end))) {
		fw->nextseq = end;
		fw->bits |= EP_NEXTSEQ;
		fw->nextseq_ns = ts;
	}
	if (!zwp && (!(fw->bits & EP_MAXACK) || r->seq == fw->maxack)) {
		fw->maxack = fw->nextseq;
		fw->bits |= EP_MAXACK;
	}
	if (fl & TH_ACK) {
		if (!(fw->bits & EP_LASTACK) || r->ack != fw->lastack) {
			fw->lastack = r->ack;
			fw->bits |= EP_LASTACK;
			fw->dupacks = 0;
		}
		fw->lastack_ns = ts;
	}
	fw->win = r->win;
	fw->bits |= EP_WIN;
	return a;
}

static bool seg_is_loopback_copy(struct endpoint *s, const struct apkt *a)
{
	const struct row_pkt *r = a->r;

	if (r->dir == PKT_DIR_OUT) {
		s->bits |= EP_OUT;
		s->out_seq = r->seq;
		s->out_ack = r->ack;
		s->out_len = r->payload_len;
		s->out_win = r->win;
		s->out_flags = r->tcp_flags;
		s->out_ns = a->ts;
		return false;
	}
	return r->dir == PKT_DIR_IN && (s->bits & EP_OUT) && s->out_seq == r->seq &&
	       s->out_ack == r->ack && s->out_len == r->payload_len && s->out_win == r->win &&
	       s->out_flags == r->tcp_flags && a->ts >= s->out_ns && a->ts - s->out_ns <= COPY_WINDOW_NS;
}

static void attribute(struct flow *f, int d, const struct row_pkt *r)
{
	/* A netrec annotation names the owner of the local socket: the
	 * sender's for outbound packets, the receiver's for inbound ones. */
	struct endpoint *ep = &f->ep[r->dir == PKT_DIR_IN ? 1 - d : d];

	if ((r->has & PK_PID) && !(ep->bits & EP_PID)) {
		ep->bits |= EP_PID;
		ep->pid = r->pid;
	}
	if (r->comm && !ep->comm)
		ep->comm = r->comm;
}

static const char *class_name(unsigned a)
{
	if (a & AN_FAST)
		return "fast";
	if (a & AN_SPURIOUS)
		return "spurious";
	if (a & AN_RETRANS)
		return "retransmission";
	if (a & AN_OOO)
		return "out_of_order";
	if (a & AN_KEEPALIVE)
		return "keep_alive";
	if (a & AN_LOST)
		return "lost_segment";
	if (a & AN_ACKLOST)
		return "ack_lost_segment";
	return NULL;
}

int conn_packet(struct conn_table *t, const struct apkt *ap, uint16_t *anomalies,
		struct conn_result *res)
{
	const struct row_pkt *r = ap->r;
	bool pure_syn = (r->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN;
	struct flow *f;
	int d = 0;
	unsigned a = 0;

	memset(res, 0, sizeof(*res));
	f = conn_lookup(t, conn_vantage(t, r->file_id), r->ipver, r->src, r->sport, r->dst, r->dport, &d);
	/* ended by now, whether or not the sweep came by since */
	if (f && flow_expired(f, ap->ts)) {
		flow_end(t, f);
		f = NULL;
	}
	/* A SYN with a new ISN from a side that has sent before starts a new
	 * connection on the 4-tuple (as Wireshark starts a new stream); from
	 * a side still silent it is a simultaneous open. */
	if (f && pure_syn && (f->ep[d].bits & EP_BASE) &&
	    !((f->ep[d].bits & EP_ISN) && f->ep[d].isn == r->seq)) {
		flow_end(t, f);
		f = NULL;
	}
	if (!f) {
		if (t->nflows >= t->max_flows && t->lru_head)
			flow_end(t, t->lru_head);
		f = flow_new(t, ap, &d);
		if (!f)
			return -ENOMEM;
		res->created = true;
	}
	struct endpoint *s = &f->ep[d];
	/* a loopback copy, or a packet the recorder saw on another interface
	 * before (netrec's copy flag, docs/format.md §4) */
	bool copy = seg_is_loopback_copy(s, ap) || (*anomalies & AN_COPY);

	if ((r->tcp_flags & TH_SYN) && !(s->bits & EP_ISN)) {
		s->bits |= EP_ISN | EP_BASE;
		s->isn = r->seq;
		s->base = r->seq;
	}
	if (!(s->bits & EP_BASE)) {
		s->bits |= EP_BASE;
		s->base = r->seq - 1;
	}
	attribute(f, d, r);
	hs_packet(f, d, ap, copy);
	if (copy) {
		a = AN_COPY;
	} else {
		s->pkts++;
		s->bytes += r->payload_len;
		s->ip_bytes += r->ip_len;
		a = seq_analysis(f, d, ap);
		if (a & AN_RETRANS)
			s->retrans++;
		zeek_packet(f, d, r);
	}
	f->last_ns = ap->ts;
	lru_unlink(t, f);
	lru_append(t, f);

	*anomalies = (uint16_t)((*anomalies & AN_DECODER) | a);
	res->f = f;
	res->from = d;
	res->from_orig = d == f->z.orig;
	res->seq_rel = r->seq - s->base;
	res->rtx_class = class_name(a);
	return 0;
}

/* An ICMP error quoting a TCP segment names its connection; a pending
 * attempt whose SYN it quotes is unreachable. */
int64_t conn_quoted(struct conn_table *t, const struct apkt *a)
{
	const struct row_pkt *r = a->r;
	struct flow *f;
	int d;

	/* the error's vantage point */
	f = conn_lookup(t, conn_vantage(t, r->file_id), r->q_ipver, r->q_src, r->q_sport, r->q_dst, r->q_dport, &d);
	if (!f)
		return 0;
	if (f->origin == ORIGIN_SYN && f->outcome == OUT_PENDING && d == 0 &&
	    f->synack_count == 0 && (r->has & PK_Q_SEQ) && (f->ep[0].bits & EP_ISN) &&
	    r->q_seq == f->ep[0].isn) {
		f->outcome = OUT_UNREACHABLE;
		f->end_ns = a->ts;
		f->icmp_type = r->icmp_type;
		f->icmp_code = r->icmp_code;
		f->icmp_ver = r->ipver;
		memcpy(f->icmp_from, r->src, 16);
	}
	return f->conn_id;
}

void conn_row(const struct flow *f, struct row_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->conn_id = f->conn_id;
	c->ipver = f->ipver;
	c->role_inferred = f->origin != ORIGIN_SYN;
	c->start_ns = f->first_ns;
	c->end_ns = f->last_ns;
	/* sides in Zeek's roles */
	for (int i = 0; i < 2; i++) {
		int d = f->z.orig ? 1 - i : i;
		const struct endpoint *e = &f->ep[d];

		memcpy(c->addr[i], e->addr, 16);
		c->port[i] = e->port;
		c->pkts[i] = e->pkts;
		c->bytes[i] = e->bytes;
		c->ip_bytes[i] = e->ip_bytes;
		c->has_pid[i] = e->bits & EP_PID;
		c->pid[i] = e->pid;
		c->comm[i] = e->comm;
		c->base[i] = e->base;
		c->has_base[i] = e->bits & EP_BASE;
	}
	c->conn_state = zeek_conn_state(f);
	memcpy(c->history, f->z.history, f->z.hlen);
	c->history[f->z.hlen] = 0;
	c->retransmissions = (uint64_t)f->ep[0].retrans + f->ep[1].retrans;
	c->file_id = f->file_id;
}

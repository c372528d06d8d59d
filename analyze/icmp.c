/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ICMP and ICMPv6 in the analysis pass: echo requests paired with their
 * replies by (requester, responder, identifier, sequence) with the RTT;
 * errors, whose quoted TCP connection pass.c asks conn.c for (which marks a
 * handshake unreachable when the quote is its SYN); other messages listed
 * as they are. Loopback copies (an inbound packet right after the same
 * outbound one) are not counted twice. Pending echo requests are held for
 * at most ECHO_IDLE_NS of capture time, and at most max_pending at once,
 * so memory stays bounded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "flow.h"

#define ECHO_IDLE_NS (60 * NS_PER_SEC)
#define COPY_WINDOW_NS 10000000LL
#define ECHO_BUCKETS 4096

struct echo {
	struct echo *next;
	int64_t first_ns, last_req_ns, reply_ns, last_ns, rtt_ns, last_rep_ns;
	int64_t packet_id;
	uint32_t requests, replies;
	uint32_t pid, comm;
	uint16_t id, seq;
	uint8_t ipver, type, code;
	uint8_t last_req_dir, last_rep_dir;
	bool has_req, has_pid;
	uint8_t req[16], rsp[16];     /* requester, responder */
};

int icmp_init(struct icmp_state *s, uint64_t max_pending)
{
	memset(s, 0, sizeof(*s));
	s->max_pending = max_pending;
	s->b = calloc(ECHO_BUCKETS, sizeof(*s->b));
	return s->b ? 0 : -ENOMEM;
}

void icmp_free(struct icmp_state *s)
{
	for (int i = 0; s->b && i < ECHO_BUCKETS; i++) {
		while (s->b[i]) {
			struct echo *x = s->b[i];

			s->b[i] = x->next;
			free(x);
		}
	}
	free(s->b);
	memset(s, 0, sizeof(*s));
}

static uint32_t echo_hash(int ipver, const uint8_t *req, const uint8_t *rsp, uint16_t id,
			  uint16_t seq)
{
	uint32_t h = 2166136261u;
	int alen = ipver == 6 ? 16 : 4;

	for (int i = 0; i < alen; i++)
		h = ((h ^ req[i]) * 16777619u ^ rsp[i]) * 16777619u;
	h = (h ^ id) * 16777619u;
	h = (h ^ seq) * 16777619u;
	return h % ECHO_BUCKETS;
}

static void echo_row(const struct echo *x, struct row_icmp *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = "echo";
	r->has = IC_ECHO;
	r->ipver = x->ipver;
	r->ts_ns = x->has_req ? x->first_ns : x->reply_ns;
	memcpy(r->src, x->req, 16);
	memcpy(r->dst, x->rsp, 16);
	r->type = x->type;
	r->code = x->code;
	r->ident = x->id;
	r->seq = x->seq;
	if (x->replies) {
		r->has |= IC_REPLY;
		r->reply_ns = x->reply_ns;
	}
	if (x->replies && x->has_req) {
		r->has |= IC_RTT;
		r->rtt_ns = x->rtt_ns;
	}
	r->requests = x->requests;
	r->replies = x->replies;
	if (x->has_pid) {
		r->has |= IC_PID;
		r->pid = x->pid;
	}
	r->comm = x->comm;
	r->packet_id = x->packet_id;
}

/* Unlinks and writes x (through fn), then frees it. */
static int echo_end(struct icmp_state *s, struct echo **pp,
		    int (*fn)(void *ctx, const struct row_icmp *r), void *ctx)
{
	struct echo *x = *pp;
	struct row_icmp r;
	int err;

	*pp = x->next;
	echo_row(x, &r);
	free(x);
	s->pending--;
	err = fn(ctx, &r);
	return err;
}

int icmp_sweep(struct icmp_state *s, int64_t now, bool all,
	       int (*fn)(void *ctx, const struct row_icmp *r), void *ctx)
{
	for (int i = 0; i < ECHO_BUCKETS; i++) {
		for (struct echo **pp = &s->b[i]; *pp;) {
			if (all || now - (*pp)->last_ns >= ECHO_IDLE_NS) {
				int err = echo_end(s, pp, fn, ctx);

				if (err)
					return err;
			} else {
				pp = &(*pp)->next;
			}
		}
	}
	return 0;
}

/* An echo request or reply; a finished exchange it replaces is written
 * into *out (res->write). */
static int echo_packet(struct icmp_state *s, const struct apkt *a, struct row_icmp *out,
		       struct icmp_result *res)
{
	const struct row_pkt *r = a->r;
	bool reply = r->ipver == 6 ? r->icmp_type == 129 : r->icmp_type == 0;
	const uint8_t *req = reply ? r->dst : r->src, *rsp = reply ? r->src : r->dst;
	int alen = r->ipver == 6 ? 16 : 4;
	uint32_t h = echo_hash(r->ipver, req, rsp, r->icmp_id, r->icmp_seq);
	struct echo *x, **pp;

	for (pp = &s->b[h]; (x = *pp); pp = &x->next)
		if (x->ipver == r->ipver && x->id == r->icmp_id && x->seq == r->icmp_seq &&
		    !memcmp(x->req, req, alen) && !memcmp(x->rsp, rsp, alen))
			break;
	if (x && !reply && x->replies) {
		/* the same (id, seq) again after its reply: a new exchange */
		*pp = x->next;
		echo_row(x, out);
		res->write = true;
		free(x);
		s->pending--;
		x = NULL;
	}
	if (!x) {
		x = calloc(1, sizeof(*x));
		if (!x)
			return -ENOMEM;
		x->ipver = r->ipver;
		memcpy(x->req, req, alen);
		memcpy(x->rsp, rsp, alen);
		x->id = r->icmp_id;
		x->seq = r->icmp_seq;
		x->type = r->icmp_type;
		x->code = r->icmp_code;
		x->packet_id = r->id;
		x->next = s->b[h];
		s->b[h] = x;
		s->pending++;
	}
	x->last_ns = a->ts;
	if (!x->has_pid && (r->has & PK_PID)) {
		x->has_pid = true;
		x->pid = r->pid;
		x->comm = r->comm;
	}
	if (!reply) {
		if (x->requests && r->dir == PKT_DIR_IN && x->last_req_dir == PKT_DIR_OUT &&
		    a->ts - x->last_req_ns <= COPY_WINDOW_NS)
			return 0;
		if (!x->has_req)
			x->first_ns = a->ts;
		x->has_req = true;
		x->requests++;
		x->last_req_ns = a->ts;
		x->last_req_dir = r->dir;
	} else {
		if (x->replies && r->dir == PKT_DIR_IN && x->last_rep_dir == PKT_DIR_OUT &&
		    a->ts - x->last_rep_ns <= COPY_WINDOW_NS)
			return 0;
		if (!x->replies++) {
			x->reply_ns = a->ts;
			x->rtt_ns = a->ts - x->last_req_ns;
		}
		x->last_rep_ns = a->ts;
		x->last_rep_dir = r->dir;
	}
	return 0;
}

int icmp_packet(struct icmp_state *s, const struct apkt *a, struct row_icmp *out,
		struct icmp_result *res)
{
	const struct row_pkt *r = a->r;
	bool err_msg;

	memset(res, 0, sizeof(*res));
	if (r->has & PK_ECHO)
		return echo_packet(s, a, out, res);
	err_msg = r->ipver == 6 ? (r->icmp_type >= 1 && r->icmp_type <= 4) :
		  (r->icmp_type == 3 || r->icmp_type == 4 || r->icmp_type == 5 ||
		   r->icmp_type == 11 || r->icmp_type == 12);
	if (err_msg) {
		/* signature of this error: addresses, type/code, quote */
		uint8_t sig[64];
		uint16_t qs = (r->has & PK_Q_PORTS) ? r->q_sport : 0;
		uint16_t qd = (r->has & PK_Q_PORTS) ? r->q_dport : 0;
		uint32_t qseq = (r->has & PK_Q_SEQ) ? r->q_seq : 0;

		memset(sig, 0, sizeof(sig));
		memcpy(sig, r->src, 16);
		if (r->has & PK_QUOTE) {
			memcpy(sig + 16, r->q_src, 16);
			memcpy(sig + 32, r->q_dst, 16);
		}
		sig[48] = r->icmp_type;
		sig[49] = r->icmp_code;
		memcpy(sig + 50, &qs, 2);
		memcpy(sig + 52, &qd, 2);
		memcpy(sig + 54, &qseq, 4);
		if (r->dir == PKT_DIR_IN && s->err_set && !memcmp(sig, s->err_sig, sizeof(sig)) &&
		    a->ts - s->err_ns <= COPY_WINDOW_NS)
			return 0;
		if (r->dir == PKT_DIR_OUT) {
			memcpy(s->err_sig, sig, sizeof(sig));
			s->err_ns = a->ts;
			s->err_set = true;
		}
		res->quotes_tcp = (r->has & PK_QUOTE) && r->q_proto == 6 && (r->has & PK_Q_PORTS);
	}
	memset(out, 0, sizeof(*out));
	res->write = true;
	out->kind = err_msg ? "error" : "other";
	out->ipver = r->ipver;
	out->ts_ns = a->ts;
	memcpy(out->src, r->src, 16);
	memcpy(out->dst, r->dst, 16);
	out->type = r->icmp_type;
	out->code = r->icmp_code;
	if (r->has & PK_QUOTE) {
		out->has |= IC_QUOTE | (r->has & PK_Q_PORTS ? IC_Q_PORTS : 0) |
			    (r->has & PK_Q_SEQ ? IC_Q_SEQ : 0);
		out->q_ipver = r->q_ipver;
		out->q_proto = r->q_proto;
		memcpy(out->q_src, r->q_src, 16);
		memcpy(out->q_dst, r->q_dst, 16);
		out->q_sport = r->q_sport;
		out->q_dport = r->q_dport;
		out->q_seq = r->q_seq;
	}
	if (r->has & PK_PID) {
		out->has |= IC_PID;
		out->pid = r->pid;
	}
	out->comm = r->comm;
	out->packet_id = r->id;
	return 0;
}

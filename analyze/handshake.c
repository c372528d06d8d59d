/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The handshake of each connection attempt: SYN / SYN-ACK / ACK times and
 * counts, the outcome (docs/schema.md lists the definitions), the RTTs and
 * the options each side offered. The initial RTT follows Wireshark's
 * tcp.analysis.initial_rtt exactly: the time from the most recent pure SYN
 * of the connection to the first later segment with SYN=0 and ACK=1, in
 * either direction, counting every copy of a packet as Wireshark would.
 * Everything else ignores loopback copies. conn.c feeds it packets; when the
 * connection ends, pass.c asks for its row.
 */
#include <string.h>

#include "decode.h"
#include "flow.h"

const char *outcome_name(enum outcome o)
{
	switch (o) {
	case OUT_ESTABLISHED: return "established";
	case OUT_REFUSED: return "refused";
	case OUT_RESET: return "reset";
	case OUT_UNREACHABLE: return "unreachable";
	case OUT_SYNACK_ONLY: return "synack_only";
	case OUT_MIDSTREAM: return "midstream";
	case OUT_PENDING:
	case OUT_TIMEOUT:
		break;
	}
	return "timeout";
}

static void take_options(struct endpoint *ep, const struct row_pkt *r)
{
	if (ep->bits & EP_OPTS)
		return;
	ep->bits |= EP_OPTS;
	if (r->has & PK_MSS) {
		ep->bits |= EP_MSS;
		ep->mss = r->mss;
	}
	if (r->has & PK_WSCALE) {
		ep->bits |= EP_WSCALE;
		ep->wscale = r->wscale;
	}
	if (r->has & PK_SACK_PERM)
		ep->bits |= EP_SACK;
	if (r->has & PK_TS)
		ep->bits |= EP_TS;
}

void hs_packet(struct flow *f, int d, const struct apkt *a, bool copy)
{
	const struct row_pkt *r = a->r;
	int64_t ts = a->ts;
	uint8_t fl = r->tcp_flags;
	bool pure_syn = (fl & (TH_SYN | TH_ACK)) == TH_SYN;
	bool synack = (fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK);
	bool ack_only = (fl & (TH_SYN | TH_ACK)) == TH_ACK;

	/* Wireshark's initial RTT: every frame counts, in both directions. */
	if (pure_syn) {
		f->mru_syn_ns = ts;
		f->mru_syn_set = true;
	} else if (ack_only && f->mru_syn_set && !f->irtt_set) {
		f->irtt_ns = ts - f->mru_syn_ns;
		f->irtt_set = true;
	}
	if (copy)
		return;

	switch (f->origin) {
	case ORIGIN_SYN:
		if (d == 0 && pure_syn) {
			if (f->syn_count++ == 0)
				f->syn_ns = ts;
			f->syn_last_ns = ts;
			if (f->synack_count == 0)
				f->syn_pre_synack_ns = ts;
			take_options(&f->ep[0], r);
		}
		if (d == 1 && synack) {
			if (f->synack_count++ == 0)
				f->synack_ns = ts;
			take_options(&f->ep[1], r);
		}
		if (f->outcome != OUT_PENDING)
			break;
		if (fl & TH_RST) {
			f->outcome = d == 1 && f->synack_count == 0 ? OUT_REFUSED : OUT_RESET;
			f->end_ns = ts;
		} else if (d == 0 && ack_only && f->synack_count > 0) {
			f->ack_ns = ts;
			f->outcome = OUT_ESTABLISHED;
			f->end_ns = ts;
		}
		break;
	case ORIGIN_SYNACK:
		if (d == 1 && synack) {
			if (f->synack_count++ == 0)
				f->synack_ns = ts;
			take_options(&f->ep[1], r);
		}
		if (d == 0 && ack_only && !(fl & TH_RST) && f->synack_count > 0 && !f->ack_ns) {
			f->ack_ns = ts;
			f->end_ns = ts;
		}
		break;
	case ORIGIN_MIDSTREAM:
		break;
	}
}

/* SYN and SYN-ACK options: a side's own offer, then what both agreed on
 * (an option is in use only when both sides offered it). */
static void options_row(const struct flow *f, struct row_hs *h)
{
	const struct endpoint *c = &f->ep[0], *s = &f->ep[1];

	for (int d = 0; d < 2; d++) {
		const struct endpoint *e = &f->ep[d];

		h->opts_set[d] = e->bits & EP_OPTS;
		h->mss[d] = (e->bits & EP_OPTS) && (e->bits & EP_MSS) ? e->mss : -1;
		h->wscale[d] = (e->bits & EP_OPTS) && (e->bits & EP_WSCALE) ? e->wscale : -1;
		h->sack_perm[d] = e->bits & EP_SACK;
		h->ts[d] = e->bits & EP_TS;
	}
	h->opts_any = (c->bits & EP_OPTS) || (s->bits & EP_OPTS);
	if (!h->opts_any)
		return;
	int cm = h->mss[0], sm = h->mss[1];

	h->mss_neg = cm < 0 ? sm : sm < 0 ? cm : cm < sm ? cm : sm;
	h->ws_neg = h->opts_set[0] && h->opts_set[1] && h->wscale[0] >= 0 && h->wscale[1] >= 0;
	h->sack_neg = h->opts_set[0] && h->opts_set[1] && h->sack_perm[0] && h->sack_perm[1];
	h->ts_neg = h->opts_set[0] && h->opts_set[1] && h->ts[0] && h->ts[1];
}

void hs_row(const struct flow *f, struct row_hs *h)
{
	const struct kjoin *kj = f->kj;
	bool syn = f->syn_count > 0, sa = f->synack_count > 0, ack = f->ack_ns != 0;
	enum outcome o = f->outcome;
	int64_t end_ns = f->end_ns;

	memset(h, 0, sizeof(*h));
	if (o == OUT_PENDING) {
		o = OUT_TIMEOUT;
		end_ns = f->last_ns;
	}
	h->hs_id = h->conn_id = f->conn_id;
	h->ipver = f->ipver;
	for (int d = 0; d < 2; d++) {
		memcpy(h->addr[d], f->ep[d].addr, 16);
		h->port[d] = f->ep[d].port;
		h->isn[d] = f->ep[d].isn;
		h->pid[d] = f->ep[d].pid;
		h->comm[d] = f->ep[d].comm;
	}
	h->has |= (f->ep[0].bits & EP_ISN ? HS_ISN_C : 0) | (f->ep[1].bits & EP_ISN ? HS_ISN_S : 0) |
		  (f->ep[0].bits & EP_PID ? HS_PID_C : 0) | (f->ep[1].bits & EP_PID ? HS_PID_S : 0);
	h->role_inferred = f->origin != ORIGIN_SYN;
	h->first_ns = f->first_ns;
	if (syn) {
		h->has |= HS_SYN;
		h->syn_ns = f->syn_ns;
		h->syn_last_ns = f->syn_last_ns;
	}
	h->syn_count = f->syn_count;
	if (sa) {
		h->has |= HS_SYNACK;
		h->synack_ns = f->synack_ns;
	}
	h->synack_count = f->synack_count;
	if (ack) {
		h->has |= HS_ACK;
		h->ack_ns = f->ack_ns;
	}
	if (end_ns != 0) {
		h->has |= HS_END;
		h->end_ns = end_ns;
	}
	h->outcome = outcome_name(o);
	if (syn && sa && f->origin == ORIGIN_SYN) {
		h->has |= HS_RTT_SERVER;
		h->rtt_server_ns = f->synack_ns - f->syn_pre_synack_ns;
	}
	if (sa && ack) {
		h->has |= HS_RTT_CLIENT;
		h->rtt_client_ns = f->ack_ns - f->synack_ns;
	}
	if (f->irtt_set) {
		h->has |= HS_IRTT;
		h->irtt_ns = f->irtt_ns;
	}
	h->rtt_ambiguous = f->syn_count > 1 || f->synack_count > 1;
	options_row(f, h);
	if (o == OUT_UNREACHABLE) {
		h->has |= HS_ICMP;
		h->icmp_type = f->icmp_type;
		h->icmp_code = f->icmp_code;
		h->icmp_ver = f->icmp_ver;
		memcpy(h->icmp_from, f->icmp_from, 16);
	}
	if (kj) {
		if (kj->has & KJ_SYN_SENT) {
			h->has |= HS_K_SYN_SENT;
			h->k_syn_sent_ns = kj->syn_sent_ns;
		}
		/* the ESTABLISHED events count from a second before the attempt */
		int64_t from = (kj->has & KJ_SYN_SENT) ? kj->syn_sent_ns : syn ? f->syn_ns : f->first_ns;

		if ((kj->has & KJ_EST) && kj->est_ns >= from - NS_PER_SEC) {
			h->has |= HS_K_EST;
			h->k_established_ns = kj->est_ns;
		}
		if ((kj->has & KJ_SRV_EST) && kj->srv_est_ns >= (syn ? f->syn_ns : f->first_ns) - NS_PER_SEC) {
			h->has |= HS_K_SRV_EST;
			h->k_server_established_ns = kj->srv_est_ns;
		}
	}
	h->file_id = f->file_id;
}

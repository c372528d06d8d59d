/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Zeek conn.log semantics for the connections table, following the rules of
 * Zeek's TCP analyzer (its session adapter's per-packet processing, endpoint
 * state machine and history bookkeeping) and the conn_state function of its
 * conn/main.zeek: each endpoint's state (inactive, SYN sent, SYN-ACK sent,
 * partial, established, closed, reset) and sequence space, the history
 * letters with Zeek's repeat rules, Zeek's role flips, and the conn_state
 * derived from both endpoints at the end. conn.c calls zeek_packet for
 * every packet that is not a loopback copy.
 *
 * Left out, as docs/schema.md says: checksum letters (netanalyze reads
 * captures as `zeek -C` does: a sending host's capture carries checksums
 * its NIC fills in later), content gaps (Zeek's reassembler reports them;
 * netanalyze does not reassemble) and analyzer limits (no protocol
 * analyzers run).
 */
#include <ctype.h>
#include <string.h>

#include "decode.h"
#include "flow.h"

/* Zeek's history bits (per side; the responder's shifted by 16) */
#define HIST_SYN   0x1
#define HIST_FIN   0x2
#define HIST_RST   0x4
#define HIST_FINRST 0x8
#define HIST_DATA  0x10
#define HIST_ACK   0x20
#define HIST_MULTI 0x40

/* Zeek ignores SYN and RST sequence numbers that jump further than this. */
#define TOO_LARGE_SEQ_DELTA 1048576

bool zeek_likely_server_port(uint16_t port)
{
	/* Zeek's likely_server_ports is the set of ports its loaded analyzers
	 * register: every well-known port it uses is below 1024; above, the
	 * ones of its base protocol scripts. */
	static const uint16_t high[] = { 1080, 1434, 1883, 2811, 3128, 3268, 3306, 3389, 5222,
					 5223, 5269, 5432, 6379, 6666, 6667, 6668, 6669, 8000,
					 8080, 8888, 20000 };

	if (port > 0 && port < 1024)
		return true;
	for (size_t i = 0; i < sizeof(high) / sizeof(high[0]); i++)
		if (high[i] == port)
			return true;
	return false;
}

static void hist_add_raw(struct zeek_conn *z, char c)
{
	if (z->hlen < ZEEK_HISTORY_MAX)
		z->history[z->hlen++] = c;
	z->history[z->hlen] = 0;
}

/* A letter as side d records it: upper case for Zeek's originator. */
static void hist_add(struct zeek_conn *z, int d, char c)
{
	hist_add_raw(z, d == z->orig ? c : (char)tolower((unsigned char)c));
}

static void flip_roles(struct zeek_conn *z)
{
	z->orig = (uint8_t)(1 - z->orig);
	hist_add_raw(z, '^');
}

void zeek_init(struct flow *f, int orig, bool flipped)
{
	struct zeek_conn *z = &f->z;

	memset(z, 0, sizeof(*z));
	for (int d = 0; d < 2; d++)
		z->ep[d].rxmt_thresh = z->ep[d].win0_thresh = 1;
	z->orig = (uint8_t)orig;
	if (flipped)
		hist_add_raw(z, '^');
}

/* Records a once-per-side letter; true when it had been recorded before.
 * A connection first seen at a SYN-ACK ("H") that then carries an ACK or
 * data is flipped here: the SYN-ACK's receiver becomes the originator and
 * the history reads "^h", as if the SYN had been seen. */
static bool check_hist(struct zeek_conn *z, int d, uint32_t mask, char code)
{
	if ((code == 'A' || code == 'D') && z->hlen == 1 && z->history[0] == 'H') {
		flip_roles(z);
		z->hlen = 0;
		hist_add_raw(z, '^');
		hist_add_raw(z, 'h');
	}
	if (d != z->orig)
		mask <<= 16;
	if (z->hist_seen & mask)
		return true;
	z->hist_seen |= mask;
	hist_add(z, d, code);
	return false;
}

/* Zeek's logarithmic letters: recorded at the 1st, 10th, 100th ...
 * occurrence. */
static void scaled(struct zeek_conn *z, int d, char code, uint32_t *cnt, uint32_t *thresh)
{
	if (++*cnt != *thresh)
		return;
	hist_add(z, d, code);
	if ((uint64_t)*thresh * 10 > UINT32_MAX)
		*cnt = 0;
	else
		*thresh *= 10;
}

static void set_state(struct zeek_ep *e, enum ep_state s)
{
	if (e->state != s) {
		e->prev_state = e->state;
		e->state = (uint8_t)s;
	}
}

static void init_seq(struct zeek_ep *e, uint32_t start, uint32_t last)
{
	e->start = e->ack = start;
	e->last = last;
}

static void init_endpoint(struct zeek_ep *e, uint8_t fl, uint32_t seq, uint32_t end)
{
	bool syn = fl & TH_SYN;

	switch (e->state) {
	case ST_INACTIVE:
		/* without a SYN, numbered as if one had been seen */
		if (syn)
			init_seq(e, seq, end);
		else
			init_seq(e, seq - 1, seq);
		break;
	case ST_SYN_SENT:
	case ST_SYN_ACK_SENT:
		if (syn && seq != e->start)
			init_seq(e, seq, end);
		break;
	case ST_ESTABLISHED:
	case ST_PARTIAL:
		if (syn)
			init_seq(e, seq, end);
		break;
	case ST_RESET:
		if (syn && e->prev_state == ST_INACTIVE)
			init_seq(e, seq, end);
		break;
	default:
		break;
	}
}

static void update_history(struct zeek_conn *z, int d, uint8_t fl, uint32_t rel, uint32_t len)
{
	struct zeek_ep *e = &z->ep[d];
	int bits = !!(fl & TH_SYN) + !!(fl & TH_FIN) + !!(fl & TH_RST);

	if (bits > 1) {
		if ((fl & (TH_FIN | TH_RST)) == (TH_FIN | TH_RST))
			check_hist(z, d, HIST_FINRST, 'I');
		else
			check_hist(z, d, HIST_MULTI, 'Q');
	} else if (bits == 1) {
		/* S, H, F and R again when the sequence number differs from
		 * that of the side's last one of the kind (a FIN's is where
		 * its data ends) */
		if (fl & TH_SYN) {
			char c = (fl & TH_ACK) ? 'H' : 'S';

			if (check_hist(z, d, HIST_SYN, c) && rel != e->last_syn)
				hist_add(z, d, c);
			e->last_syn = rel;
		}
		if (fl & TH_FIN) {
			if (check_hist(z, d, HIST_FIN, 'F') && rel + len != e->last_fin)
				hist_add(z, d, 'F');
			e->last_fin = rel + len;
		}
		if (fl & TH_RST) {
			if (check_hist(z, d, HIST_RST, 'R') && rel != e->last_rst)
				hist_add(z, d, 'R');
			e->last_rst = rel;
		}
	} else if (len) {
		check_hist(z, d, HIST_DATA, 'D');
	} else if (fl & TH_ACK) {
		check_hist(z, d, HIST_ACK, 'A');
	}
}

/* Zeek's last-sequence bookkeeping: a segment with payload that does not
 * reach past the highest sequence number the side has sent is a
 * retransmission ('T'). Returns how far the segment's end moved it. */
static int32_t update_last_seq(struct zeek_conn *z, int d, uint32_t end, uint8_t fl, uint32_t len)
{
	struct zeek_ep *e = &z->ep[d];
	int32_t delta = (int32_t)(end - e->last);

	if ((fl & (TH_SYN | TH_RST)) && (delta > TOO_LARGE_SEQ_DELTA || delta < -TOO_LARGE_SEQ_DELTA))
		;
	else if ((fl & TH_FIN) && e->last == e->start + 1)
		e->last = end;  /* only the SYN and the FIN seen */
	else if (e->state == ST_RESET)
		;
	else if (delta > 0)
		e->last = end;
	else if (len > 0)
		scaled(z, d, 'T', &e->rxmt_cnt, &e->rxmt_thresh);
	return delta;
}

static void state_inactive(struct zeek_conn *z, int d, const struct row_pkt *r, bool is_orig)
{
	struct zeek_ep *e = &z->ep[d], *p = &z->ep[1 - d];
	uint8_t fl = r->tcp_flags;

	if (fl & TH_SYN) {
		if (is_orig) {
			set_state(e, (fl & TH_ACK) ? ST_SYN_ACK_SENT : ST_SYN_SENT);
		} else {
			if (!(fl & TH_ACK) && p->state == ST_SYN_ACK_SENT && r->seq == e->start) {
				/* SYN-ACK seen before its SYN: the roles swap
				 * and the connection is established */
				flip_roles(z);
				set_state(p, ST_ESTABLISHED);
			}
			if (p->state == ST_SYN_SENT)
				set_state(p, ST_ESTABLISHED);
			set_state(e, ST_ESTABLISHED);
		}
	}
	if (fl & TH_FIN)
		set_state(e, ST_CLOSED);
	if (fl & TH_RST)
		set_state(e, ST_RESET);
	if (e->state == ST_INACTIVE) {
		if (!is_orig && r->payload_len == 0 && z->ep[z->orig].state == ST_SYN_SENT)
			; /* an ACK of the SYN before the SYN-ACK */
		else if ((fl & TH_ACK) && p->state == ST_ESTABLISHED)
			set_state(e, ST_ESTABLISHED);  /* SYN missed, SYN-ACK seen */
		else
			set_state(e, ST_PARTIAL);
	}
}

static void state_machine(struct zeek_conn *z, int d, const struct row_pkt *r, bool is_orig)
{
	struct zeek_ep *e = &z->ep[d], *p = &z->ep[1 - d];
	uint8_t fl = r->tcp_flags;

	switch (e->state) {
	case ST_INACTIVE:
		state_inactive(z, d, r, is_orig);
		break;
	case ST_SYN_SENT:
	case ST_SYN_ACK_SENT:
		if (fl & TH_FIN)
			set_state(e, ST_CLOSED);
		if (fl & TH_RST)
			set_state(e, ST_RESET);
		break;
	case ST_ESTABLISHED:
	case ST_PARTIAL:
		if ((fl & TH_SYN) && !(fl & TH_ACK) && e->state == ST_PARTIAL &&
		    p->state == ST_INACTIVE)
			set_state(e, ST_SYN_SENT);
		if ((fl & TH_FIN) && !(fl & TH_RST)) {
			set_state(e, ST_CLOSED);
			/* the peer's FIN then RST was a normal close after all */
			if (p->state == ST_RESET && p->prev_state == ST_CLOSED)
				set_state(p, ST_CLOSED);
		}
		if (fl & TH_RST)
			set_state(e, ST_RESET);
		break;
	case ST_CLOSED:
		/* a RST after both FINs leaves the close a normal one */
		if ((fl & TH_RST) && p->state != ST_CLOSED)
			set_state(e, ST_RESET);
		break;
	default:
		break;
	}
}

void zeek_packet(struct flow *f, int d, const struct row_pkt *r)
{
	struct zeek_conn *z = &f->z;
	struct zeek_ep *e = &z->ep[d], *p = &z->ep[1 - d];
	uint8_t fl = r->tcp_flags;
	uint32_t len = r->payload_len;
	/* a SYN and a FIN take a sequence number; a RST's payload none */
	uint32_t seglen = (fl & TH_RST) ? 0 : len;
	bool is_orig = d == z->orig;  /* as Zeek's state machine sees it, before any flip below */

	seglen += !!(fl & TH_SYN) + !!(fl & TH_FIN);
	init_endpoint(e, fl, r->seq, r->seq + seglen);
	update_history(z, d, fl, r->seq - e->start, len);
	if (r->win == 0 && !(fl & TH_RST) && p->state != ST_CLOSED && e->state != ST_RESET)
		scaled(z, d, 'W', &e->win0_cnt, &e->win0_thresh);
	if (fl & TH_FIN)
		e->fin_cnt++;
	if (fl & TH_ACK) {
		if (p->state == ST_INACTIVE) {
			init_seq(p, r->ack - 1, r->ack - 1);
		} else if (!(fl & TH_RST) && (int32_t)(r->ack - p->start) >= 0) {
			int32_t delta = (int32_t)(r->ack - p->ack);

			if (!(r->ack == 0 && delta > TOO_LARGE_SEQ_DELTA) && delta > 0)
				p->ack = r->ack;
		}
	}
	update_last_seq(z, d, r->seq + seglen, fl, len);
	state_machine(z, d, r, is_orig);
}

/* Zeek's endpoint size: the sequence space it used (sent, or acknowledged
 * by its peer), without the SYN and FIN. */
static uint64_t ep_size(const struct zeek_ep *e, const struct zeek_ep *peer)
{
	uint32_t last = e->last - e->start, ack = e->ack - e->start;
	uint64_t size;

	if (e->prev_state == ST_SYN_SENT && e->state == ST_RESET && peer->state == ST_INACTIVE &&
	    !(ack == 0 || ack == 1))
		return 0;
	size = last > ack ? last : ack;
	if (size)
		size--;
	if (e->fin_cnt && size)
		size--;
	return size;
}

/* Zeek's RSTOS0 test: the history matches ^?S[^HAFGIQ]*R.* */
static bool hist_rstos0(const char *h, size_t n)
{
	size_t i = 0;

	if (i < n && h[i] == '^')
		i++;
	if (i >= n || h[i++] != 'S')
		return false;
	for (; i < n; i++) {
		if (h[i] == 'R')
			return true;
		if (strchr("HAFGIQ", h[i]))
			return false;
	}
	return false;
}

bool zeek_closed(const struct flow *f)
{
	const struct zeek_conn *z = &f->z;

	return z->ep[0].state == ST_RESET || z->ep[1].state == ST_RESET ||
	       (z->ep[0].state == ST_CLOSED && z->ep[1].state == ST_CLOSED);
}

const char *zeek_conn_state(const struct flow *f)
{
	const struct zeek_conn *z = &f->z;
	const struct zeek_ep *o = &z->ep[z->orig], *p = &z->ep[1 - z->orig];
	enum ep_state os = o->state, rs = p->state;
	bool o_inactive = os == ST_INACTIVE || os == ST_PARTIAL;
	bool r_inactive = rs == ST_INACTIVE || rs == ST_PARTIAL;

	if (rs == ST_RESET) {
		if (os == ST_SYN_SENT || os == ST_SYN_ACK_SENT ||
		    (os == ST_RESET && ep_size(o, p) == 0 && ep_size(p, o) == 0))
			return "REJ";
		return o_inactive ? "RSTRH" : "RSTR";
	}
	if (os == ST_RESET) {
		if (!r_inactive)
			return "RSTO";
		return hist_rstos0(z->history, z->hlen) ? "RSTOS0" : "OTH";
	}
	if (rs == ST_CLOSED && os == ST_CLOSED)
		return "SF";
	if (os == ST_CLOSED)
		return r_inactive ? "SH" : "S2";
	if (rs == ST_CLOSED)
		return o_inactive ? "SHR" : "S3";
	if (os == ST_SYN_SENT && rs == ST_INACTIVE)
		return "S0";
	if (os == ST_ESTABLISHED && rs == ST_ESTABLISHED)
		return "S1";
	return "OTH";
}

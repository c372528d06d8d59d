/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Zeek conn.log semantics for the connections table: each endpoint's TCP
 * state as Zeek tracks it (inactive, SYN sent, SYN-ACK sent, partial,
 * established, closed, reset), the history letters (upper case for the
 * originator, each letter once per side) and the conn_state derived from
 * both endpoints at the end. conn.c calls these for every packet that is
 * not a loopback copy.
 */
#include <string.h>

#include "decode.h"
#include "flow.h"

void zeek_history(struct flow *f, int d, char letter)
{
	int bit = letter - 'A';

	if (bit < 0 || bit >= 26 || (f->ep[d].hist_seen & (1u << bit)))
		return;
	f->ep[d].hist_seen |= 1u << bit;
	if (f->hlen < sizeof(f->history) - 1)
		f->history[f->hlen++] = d == 0 ? letter : (char)(letter - 'A' + 'a');
}

/* Zeek's RSTOS0 test: history matches ^?S[^HAFGIQ]*R */
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

const char *zeek_conn_state(const struct flow *f)
{
	enum ep_state os = f->ep[0].state, rs = f->ep[1].state;
	bool o_inactive = os == ST_INACTIVE || os == ST_PARTIAL;
	bool r_inactive = rs == ST_INACTIVE || rs == ST_PARTIAL;

	if (rs == ST_RESET) {
		if (os == ST_SYN_SENT || os == ST_SYN_ACK_SENT ||
		    (os == ST_RESET && f->ep[0].bytes == 0 && f->ep[1].bytes == 0))
			return "REJ";
		return o_inactive ? "RSTRH" : "RSTR";
	}
	if (os == ST_RESET) {
		if (!r_inactive)
			return "RSTO";
		return hist_rstos0(f->history, f->hlen) ? "RSTOS0" : "OTH";
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

void zeek_update_state(struct flow *f, int d, uint8_t fl)
{
	struct endpoint *s = &f->ep[d], *p = &f->ep[1 - d];

	if (fl & TH_RST) {
		s->state = ST_RESET;
		f->closed = true;
		return;
	}
	if (s->state == ST_RESET)
		return;
	if ((fl & (TH_SYN | TH_ACK)) == TH_SYN) {
		if (s->state == ST_INACTIVE)
			s->state = ST_SYN_SENT;
	} else if (fl & TH_SYN) {
		if (s->state == ST_INACTIVE || s->state == ST_SYN_SENT)
			s->state = ST_SYN_ACK_SENT;
	} else if (fl & TH_ACK) {
		if (s->state == ST_SYN_SENT && p->state == ST_SYN_ACK_SENT) {
			s->state = ST_ESTABLISHED;
			p->state = ST_ESTABLISHED;
		} else if (s->state == ST_SYN_ACK_SENT && p->state == ST_ESTABLISHED) {
			s->state = ST_ESTABLISHED;
		} else if (s->state == ST_INACTIVE) {
			s->state = ST_PARTIAL;
		}
	} else if (s->state == ST_INACTIVE) {
		s->state = ST_PARTIAL;
	}
	if (fl & TH_FIN) {
		s->state = ST_CLOSED;
		if (p->state == ST_CLOSED || p->state == ST_RESET)
			f->closed = true;
	}
}


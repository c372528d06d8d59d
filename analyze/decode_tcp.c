/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP (RFC 9293 header, RFC 7323 window scale and timestamps, RFC 2018
 * SACK, RFC 9768 AE flag) and UDP (RFC 768). A UDP datagram to or from a
 * tunnel's port is handed to decode_tunnel.c; if that finds no tunnel
 * header there, it stays a plain datagram. Other TCP options (MPTCP, TFO,
 * MD5, TCP-AO) are skipped, not interpreted.
 */
#include "decode_int.h"

static void tcp_options(struct rd o, struct pkt *p)
{
	uint8_t kind, len;

	while (rd_u8(&o, &kind)) {
		if (kind == 0)
			break;
		if (kind == 1)
			continue;
		if (!rd_u8(&o, &len) || len < 2 || !rd_has(&o, len - 2u))
			break;
		struct rd v = rd_sub(&o, len - 2u);
		uint16_t u16;
		uint8_t u8;

		switch (kind) {
		case 2:
			if (len == 4 && rd_be16(&v, &u16))
				p->mss = u16;
			break;
		case 3:
			if (len == 3 && rd_u8(&v, &u8))
				p->wscale = u8;
			break;
		case 4:
			if (len == 2)
				p->sack_perm = true;
			break;
		case 5:
			p->sack_blocks = 0;
			for (int i = 0; i < 4 && rd_has(&v, 8); i++) {
				rd_be32(&v, &p->sack_left[i]);
				rd_be32(&v, &p->sack_right[i]);
				p->sack_blocks++;
			}
			break;
		case 8:
			if (len == 10 && rd_be32(&v, &p->tsval) && rd_be32(&v, &p->tsecr))
				p->has_ts = true;
			break;
		}
		rd_skip(&o, len - 2u);
	}
}

/* TCP header; l4len: transport bytes per the IP header. */
void dec_tcp(struct dec *d, struct rd *r, uint32_t l4len)
{
	struct pkt *p = d->p;
	uint16_t win, urg, off_flags, csum;

	if (!rd_be16(r, &p->sport) || !rd_be16(r, &p->dport) || !rd_be32(r, &p->seq) ||
	    !rd_be32(r, &p->ack) || !rd_be16(r, &off_flags) || !rd_be16(r, &win) ||
	    !rd_be16(r, &csum) || !rd_be16(r, &urg))
		DEC_TRUNC(d, PKT_P_TCP);
	unsigned hl = (off_flags >> 12) * 4u;

	p->tcp_flags = off_flags & 0xff;
	p->tcp_flags_all = off_flags & 0x0fff;
	p->tcp_hlen = (uint8_t)hl;
	p->win = win;
	p->l4_csum = csum;
	p->urg_ptr = urg;
	if (hl < 20)
		DEC_FAIL(d, PKT_UNDEC_MALFORMED, PKT_P_TCP, hl);
	p->has_l4 = true;
	p->payload_len = l4len > hl ? l4len - hl : 0;
	if (!rd_has(r, hl - 20))
		dec_fail(d, PKT_UNDEC_TRUNCATED, PKT_P_TCP, 0);
	tcp_options(rd_sub(r, hl - 20), p);
}

void dec_udp(struct dec *d, struct rd *r, uint32_t l4len)
{
	struct pkt *p = d->p;
	uint16_t len, csum;

	if (!rd_be16(r, &p->sport) || !rd_be16(r, &p->dport) || !rd_be16(r, &len) ||
	    !rd_be16(r, &csum))
		DEC_TRUNC(d, PKT_P_UDP);
	p->has_l4 = true;
	p->l4_csum = csum;
	p->payload_len = l4len > 8 ? l4len - 8 : 0;
	struct rd pl = rd_sub(r, p->payload_len);

	dec_udp_tunnel(d, &pl);
}

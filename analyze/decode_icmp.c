/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ICMP (RFC 792, 950, 1256, 4884, 8335) and ICMPv6 (RFC 4443, 4861, 2710,
 * 4884, 8335): type, code, checksum and each type's own fields, and for an
 * error message the IP header it quotes with the ports (and TCP sequence)
 * of the packet it answers. Neighbour discovery options, MLDv2 records and
 * RFC 4884 extension objects are not interpreted.
 */
#include "decode_int.h"

/* An error's quoted packet: IP header and the first transport bytes. */
static void icmp_quote(struct rd *r, struct pkt *p)
{
	struct pkt q;

	memset(&q, 0, sizeof(q));
	dec_ip_quoted(r, &q);
	if (!q.ipver)
		return;
	p->has_quote = true;
	p->q_ipver = q.ipver;
	memcpy(p->q_src, q.src, 16);
	memcpy(p->q_dst, q.dst, 16);
	p->q_proto = q.proto;
	p->q_has_ports = q.q_has_ports;
	p->q_sport = q.sport;
	p->q_dport = q.dport;
	p->q_has_seq = q.q_has_seq;
	p->q_seq = q.seq;
}

static void echo(struct pkt *p, uint16_t id, uint16_t seq)
{
	p->icmp_id = id;
	p->icmp_seq = seq;
	p->icmp_fields |= ICMPF_ECHO;
}

/* Type-specific ICMPv4 fields after type, code, checksum. False: cut short. */
static bool icmp4_fields(struct rd *r, struct pkt *p, bool *quote)
{
	uint8_t t = p->icmp_type, u8, len;
	uint16_t id, seq, u16;

	switch (t) {
	case 0: case 8: /* echo reply, request */
	case 13: case 14: /* timestamp, reply */
	case 15: case 16: /* information request, reply */
	case 17: case 18: /* address mask request, reply */
		if (!rd_be16(r, &id) || !rd_be16(r, &seq))
			return false;
		echo(p, id, seq);
		if (t == 0 || t == 8) {
			p->icmp_echo = true;
			p->icmp_echo_reply = t == 0;
		} else if (t == 13 || t == 14) {
			if (!rd_be32(r, &p->icmp_ts_orig) || !rd_be32(r, &p->icmp_ts_recv) ||
			    !rd_be32(r, &p->icmp_ts_xmit))
				return false;
			p->icmp_fields |= ICMPF_TS;
		} else if (t == 17 || t == 18) {
			if (!rd_copy(r, p->icmp_addr, 4))
				return false;
			p->icmp_fields |= ICMPF_MASK;
		}
		return true;
	case 42: case 43: /* extended echo request, reply (RFC 8335) */
		if (!rd_be16(r, &id) || !rd_u8(r, &u8) || !rd_skip(r, 1))
			return false;
		echo(p, id, u8);
		return true;
	case 3: case 11: case 12: /* unreachable, time exceeded, parameter problem */
		if (!rd_u8(r, &u8) || !rd_u8(r, &len) || !rd_be16(r, &u16))
			return false;
		if (t == 12) {
			p->icmp_pointer = u8;
			p->icmp_fields |= ICMPF_POINTER;
		}
		if (t == 3 && p->icmp_code == 4) {
			p->icmp_mtu = u16;
			p->icmp_fields |= ICMPF_MTU;
		}
		if (len) {
			p->icmp_orig_len = len * 4u;
			p->icmp_fields |= ICMPF_LENGTH;
		}
		*quote = true;
		return true;
	case 4: /* source quench */
		*quote = rd_skip(r, 4);
		return *quote;
	case 5: /* redirect: gateway */
		if (!rd_copy(r, p->icmp_addr, 4))
			return false;
		p->icmp_fields |= ICMPF_GATEWAY;
		*quote = true;
		return true;
	case 9: /* router advertisement: addresses, entry size, lifetime */
		if (!rd_u8(r, &p->icmp_ra_hoplimit) || !rd_skip(r, 1) ||
		    !rd_be16(r, &p->icmp_ra_lifetime))
			return false;
		p->icmp_fields |= ICMPF_RA;
		return true;
	}
	return true;
}

static bool icmp6_fields(struct rd *r, struct pkt *p, bool *quote)
{
	uint8_t t = p->icmp_type, u8, fl;
	uint16_t id, seq;

	switch (t) {
	case 128: case 129:
		if (!rd_be16(r, &id) || !rd_be16(r, &seq))
			return false;
		echo(p, id, seq);
		p->icmp_echo = true;
		p->icmp_echo_reply = t == 129;
		return true;
	case 160: case 161: /* extended echo */
		if (!rd_be16(r, &id) || !rd_u8(r, &u8) || !rd_skip(r, 1))
			return false;
		echo(p, id, u8);
		return true;
	case 1: case 3: /* unreachable, time exceeded: length (RFC 4884) */
		if (!rd_u8(r, &u8) || !rd_skip(r, 3))
			return false;
		if (u8) {
			p->icmp_orig_len = u8 * 8u;
			p->icmp_fields |= ICMPF_LENGTH;
		}
		*quote = true;
		return true;
	case 2: /* packet too big */
		if (!rd_be32(r, &p->icmp_mtu))
			return false;
		p->icmp_fields |= ICMPF_MTU;
		*quote = true;
		return true;
	case 4: /* parameter problem */
		if (!rd_be32(r, &p->icmp_pointer))
			return false;
		p->icmp_fields |= ICMPF_POINTER;
		*quote = true;
		return true;
	case 130: case 131: case 132: /* MLD query, report, done */
		if (!rd_be16(r, &p->icmp_mld_delay) || !rd_skip(r, 2) ||
		    !rd_copy(r, p->icmp_addr, 16))
			return false;
		p->icmp_fields |= ICMPF_MLD;
		return true;
	case 134: /* router advertisement */
		if (!rd_u8(r, &p->icmp_ra_hoplimit) || !rd_u8(r, &fl) ||
		    !rd_be16(r, &p->icmp_ra_lifetime) || !rd_be32(r, &p->icmp_ra_reachable) ||
		    !rd_be32(r, &p->icmp_ra_retrans))
			return false;
		p->icmp_nd_flags = fl;
		p->icmp_fields |= ICMPF_RA | ICMPF_ND_FLAGS;
		return true;
	case 135: /* neighbour solicitation */
	case 136: /* neighbour advertisement: R, S, O in the top bits */
	case 137: /* redirect: target, destination */
		if (!rd_be32(r, &p->icmp_nd_flags) || !rd_copy(r, p->icmp_addr, 16))
			return false;
		p->icmp_fields |= ICMPF_TARGET;
		if (t == 136)
			p->icmp_fields |= ICMPF_ND_FLAGS;
		else
			p->icmp_nd_flags = 0;
		if (t == 137) {
			if (!rd_copy(r, p->icmp_addr2, 16))
				return false;
			p->icmp_fields |= ICMPF_DEST;
		}
		return true;
	}
	return true;
}

void dec_icmp(struct dec *d, struct rd *r, uint32_t l4len, bool v6)
{
	struct pkt *p = d->p;
	enum pkt_proto at = v6 ? PKT_P_ICMPV6 : PKT_P_ICMP;
	bool quote = false, ok;

	if (!rd_u8(r, &p->icmp_type) || !rd_u8(r, &p->icmp_code) || !rd_be16(r, &p->l4_csum))
		DEC_TRUNC(d, at);
	p->icmp = true;
	p->has_l4 = true;
	p->payload_len = l4len > 8 ? l4len - 8 : 0;
	ok = v6 ? icmp6_fields(r, p, &quote) : icmp4_fields(r, p, &quote);
	uint8_t t = p->icmp_type;

	p->icmp_error = v6 ? (t >= 1 && t <= 4) : (t == 3 || t == 4 || t == 5 || t == 11 || t == 12);
	if (!ok)
		DEC_TRUNC(d, at);
	if (quote)
		icmp_quote(r, p);
}

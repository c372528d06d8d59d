/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IPv4 (RFC 791, with options and AH skipped) and IPv6 (RFC 8200, with its
 * extension headers skipped), then the dispatch on the transport protocol:
 * TCP, UDP, ICMP, ICMPv6 and the protocols that carry another packet
 * (IP-in-IP, GRE, L2TPv3). The transport length handed on is the one the
 * IP header states, so link padding is never taken for payload; a length of
 * 0 (TSO on capture, jumbograms) means "what was captured".
 */
#include <stddef.h>

#include "decode_int.h"

/* Clears the innermost-packet fields before a tunnel's inner IP header. */
static void ip_reset(struct pkt *p)
{
	memset(&p->ipver, 0, offsetof(struct pkt, tunnels) - offsetof(struct pkt, ipver));
	p->mss = -1;
	p->wscale = -1;
}

static void set_tos(struct pkt *p, uint8_t tos)
{
	p->tos = tos;
	p->dscp = tos >> 2;
	p->ecn = tos & 3;
}

/* The IPv4 header; on success r is at the transport header and *l4len is
 * the transport length. False when no transport header follows. */
static bool ipv4_header(struct dec *d, struct rd *r, uint32_t *l4len)
{
	struct pkt *p = d->p;
	uint8_t b0, tos, ttl, proto;
	uint16_t tot, id, frag, csum;

	if (!rd_u8(r, &b0) || !rd_u8(r, &tos) || !rd_be16(r, &tot) || !rd_be16(r, &id) ||
	    !rd_be16(r, &frag) || !rd_u8(r, &ttl) || !rd_u8(r, &proto) || !rd_be16(r, &csum) ||
	    !rd_copy(r, p->src, 4) || !rd_copy(r, p->dst, 4)) {
		dec_fail(d, PKT_UNDEC_TRUNCATED, PKT_P_IPV4, 0);
		return false;
	}
	unsigned ihl = (b0 & 0x0f) * 4u;

	if (ihl < 20) {
		dec_fail(d, PKT_UNDEC_MALFORMED, PKT_P_IPV4, ihl);
		return false;
	}
	p->ipver = 4;
	p->proto = proto;
	p->ttl = ttl;
	p->ip_id = id;
	p->ip_len = tot;
	p->ip_hlen = (uint8_t)ihl;
	p->ip_csum = csum;
	set_tos(p, tos);
	p->df = frag & 0x4000;
	p->mf = frag & 0x2000;
	p->frag_off = (uint16_t)((frag & 0x1fff) * 8u);
	p->fragment = (frag & 0x3fff) != 0;
	if (!rd_skip(r, ihl - 20)) {
		dec_fail(d, PKT_UNDEC_TRUNCATED, PKT_P_IPV4, 0);
		return false;
	}
	if (tot == 0) { /* TSO on capture: length unknown, use what is there */
		*l4len = (uint32_t)rd_left(r);
	} else if (tot < ihl) {
		dec_fail(d, PKT_UNDEC_MALFORMED, PKT_P_IPV4, tot);
		return false;
	} else {
		*l4len = tot - ihl;
	}
	return (frag & 0x1fff) == 0; /* only the first fragment has a transport header */
}

/* The IPv6 header and extension headers; as ipv4_header(). */
static bool ipv6_header(struct dec *d, struct rd *r, uint32_t *l4len)
{
	struct pkt *p = d->p;
	uint32_t vtf;
	uint16_t plen;
	uint8_t nh, hlim;

	if (!rd_be32(r, &vtf) || !rd_be16(r, &plen) || !rd_u8(r, &nh) || !rd_u8(r, &hlim) ||
	    !rd_copy(r, p->src, 16) || !rd_copy(r, p->dst, 16)) {
		dec_fail(d, PKT_UNDEC_TRUNCATED, PKT_P_IPV6, 0);
		return false;
	}
	p->ipver = 6;
	p->ttl = hlim;
	p->ip_len = plen + 40u;
	p->ip_hlen = 40;
	set_tos(p, (uint8_t)(vtf >> 20));
	p->flow_label = vtf & 0xfffff;
	*l4len = plen;
	if (plen == 0) /* jumbogram or TSO: use the captured length */
		*l4len = (uint32_t)rd_left(r);
	for (int i = 0; i < 16; i++) {
		uint8_t next, hlen;
		uint16_t fo;
		uint32_t ident;
		size_t len;

		switch (nh) {
		case 0: case 43: case 60: case 135: case 139: case 140: case 253: case 254:
		case 51: /* hop-by-hop, routing, destination, mobility, HIP, shim6, experiments, AH */
			if (!rd_u8(r, &next) || !rd_u8(r, &hlen)) {
				dec_fail(d, PKT_UNDEC_TRUNCATED, PKT_P_IPV6, nh);
				return false;
			}
			len = nh == 51 ? (hlen + 2u) * 4u : (hlen + 1u) * 8u;
			if (!rd_skip(r, len - 2)) {
				dec_fail(d, PKT_UNDEC_TRUNCATED, PKT_P_IPV6, nh);
				return false;
			}
			*l4len = *l4len > len ? *l4len - (uint32_t)len : 0;
			nh = next;
			break;
		case 44: /* fragment: next, reserved, offset/M, identification */
			if (!rd_u8(r, &next) || !rd_skip(r, 1) || !rd_be16(r, &fo) ||
			    !rd_be32(r, &ident)) {
				dec_fail(d, PKT_UNDEC_TRUNCATED, PKT_P_IPV6, nh);
				return false;
			}
			p->fragment = true;
			p->ip_id = ident;
			p->frag_off = fo & 0xfff8;
			p->mf = fo & 1;
			*l4len = *l4len > 8 ? *l4len - 8 : 0;
			nh = next;
			if (p->frag_off) {
				p->proto = nh;
				return false;
			}
			break;
		default:
			p->proto = nh;
			return true;
		}
	}
	dec_fail(d, PKT_UNDEC_MALFORMED, PKT_P_IPV6, nh);
	return false;
}

/* What an IP packet carries, within the l4len bytes its header states. */
static void ip_payload(struct dec *d, struct rd *r, uint32_t l4len)
{
	struct pkt *p = d->p;
	struct rd l4 = rd_sub(r, l4len);
	uint8_t next, hlen;

	for (;;) {
		switch (p->proto) {
		case 6:
			dec_tcp(d, &l4, l4len);
			return;
		case 17:
			dec_udp(d, &l4, l4len);
			return;
		case 1:
			if (p->ipver == 4)
				dec_icmp(d, &l4, l4len, false);
			return;
		case 58:
			if (p->ipver == 6)
				dec_icmp(d, &l4, l4len, true);
			return;
		case 4:
		case 41:
			dec_ip_in_ip(d, &l4, p->proto);
			return;
		case 47:
			dec_gre(d, &l4);
			return;
		case 115:
			dec_l2tp3(d, &l4, false);
			return;
		case 51: /* AH in IPv4 (in IPv6 it is an extension header) */
			if (!rd_u8(&l4, &next) || !rd_u8(&l4, &hlen) ||
			    !rd_skip(&l4, (hlen + 2u) * 4u - 2))
				DEC_TRUNC(d, PKT_P_IPV4);
			l4len = l4len > (hlen + 2u) * 4u ? l4len - (hlen + 2u) * 4u : 0;
			p->proto = next;
			if (next == 51)
				DEC_FAIL(d, PKT_UNDEC_MALFORMED, PKT_P_IPV4, next);
			break;
		default:
			return; /* another protocol: the IP fields are all there is */
		}
	}
}

void dec_ip(struct dec *d, struct rd *r)
{
	uint8_t b0;
	uint32_t l4len = 0;
	bool more;

	if (!rd_peek(r, 0, &b0))
		DEC_TRUNC(d, PKT_P_IPV4);
	if (d->in_tunnel) {
		ip_reset(d->p);
		d->in_tunnel = false;
	}
	if ((b0 >> 4) != 4 && (b0 >> 4) != 6)
		DEC_FAIL(d, PKT_UNDEC_MALFORMED, PKT_P_IPV4, b0 >> 4);
	d->p->nip++;
	if ((b0 >> 4) == 4)
		more = ipv4_header(d, r, &l4len);
	else
		more = ipv6_header(d, r, &l4len);
	if (more)
		ip_payload(d, r, l4len);
}

void dec_ip_quoted(struct rd *r, struct pkt *q)
{
	struct dec d = { .p = q };
	uint8_t b0;
	uint32_t l4len = 0;
	bool more = false;

	if (!rd_peek(r, 0, &b0))
		return;
	if ((b0 >> 4) == 4)
		more = ipv4_header(&d, r, &l4len);
	else if ((b0 >> 4) == 6)
		more = ipv6_header(&d, r, &l4len);
	if (!more)
		return;
	switch (q->proto) {
	case 6: case 17: case 132: case 33: case 136: /* TCP, UDP, SCTP, DCCP, UDP-Lite */
		if (rd_be16(r, &q->sport) && rd_be16(r, &q->dport))
			q->q_has_ports = true;
		if (q->proto == 6 && rd_be32(r, &q->seq))
			q->q_has_seq = true;
		break;
	}
}

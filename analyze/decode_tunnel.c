/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Encapsulations (see decode.h): each one entered is recorded as a tunnel
 * layer (kind, the outer IP header and UDP ports nearest outside it, its
 * identifiers), then decoding goes on with what it carries. MPLS (RFC
 * 3032), GRE (RFC 2784/2890, version 1 for PPTP, RFC 2637), ERSPAN types
 * I/II/III, NVGRE (RFC 7637), IP-in-IP (RFC 2003/4213/2473), VXLAN (RFC
 * 7348), VXLAN-GPE, Geneve (RFC 8926), GTP-U (3GPP TS 29.281), Teredo (RFC
 * 4380), L2TPv2 (RFC 2661) and L2TPv3 (RFC 3931) data, MPLS and GRE over UDP
 * (RFC 7510, 8086). UDP tunnels are recognised by their IANA port and a
 * header that fits it; control messages (L2TP, GTP echo) are reported as
 * not-ip, never taken for data.
 */
#include "decode_int.h"

struct pkt_tunnel *dec_tunnel_push(struct dec *d, enum pkt_proto kind)
{
	struct pkt *p = d->p;
	struct pkt_tunnel *t;

	if (p->ntunnels >= PKT_MAX_TUNNELS) {
		dec_fail(d, PKT_UNDEC_TOO_DEEP, kind, PKT_MAX_TUNNELS);
		return NULL;
	}
	t = &p->tunnels[p->ntunnels++];
	memset(t, 0, sizeof(*t));
	t->kind = (uint8_t)kind;
	t->ipver = p->ipver;
	if (p->ipver) {
		t->ip_proto = p->proto;
		t->ip_index = (uint8_t)(p->nip - 1);
		memcpy(t->src, p->src, 16);
		memcpy(t->dst, p->dst, 16);
		if (p->proto == 17 && p->has_l4) {
			t->sport = p->sport;
			t->dport = p->dport;
			t->flags |= PKT_TUN_PORTS;
		}
	}
	d->in_tunnel = true;
	return t;
}

/* Looks like an Ethernet frame carrying IP (or a VLAN tag, or ARP):
 * guesses where a pseudowire's frame starts. */
static bool looks_ether(const struct rd *r, size_t off)
{
	uint16_t et;
	uint8_t v;

	if (!rd_peek16(r, off + 12, &et))
		return false;
	if (et == 0x8100 || et == 0x88a8 || et == 0x0806)
		return true;
	if (!rd_peek(r, off + 14, &v))
		return false;
	return (et == 0x0800 && (v >> 4) == 4 && (v & 0xf) >= 5) || (et == 0x86dd && (v >> 4) == 6);
}

static bool looks_ip(const struct rd *r, size_t off)
{
	uint8_t v;

	return rd_peek(r, off, &v) && (((v >> 4) == 4 && (v & 0xf) >= 5) || (v >> 4) == 6);
}

/*
 * An MPLS label stack, then its payload, which MPLS does not name: IPv4 or
 * IPv6 by the explicit-null label or the first nibble, a pseudowire control
 * word (first nibble 0) before an Ethernet frame, or an Ethernet frame.
 */
void dec_mpls(struct dec *d, struct rd *r)
{
	uint32_t e, top = 0, bottom = 0;
	struct pkt_tunnel *t;
	int n = 0;
	uint8_t v;

	for (;;) {
		if (!rd_be32(r, &e))
			DEC_TRUNC(d, PKT_P_MPLS);
		if (n == 0)
			top = e >> 12;
		bottom = e >> 12;
		n++;
		if (e & 0x100)
			break;
		if (n == 32)
			DEC_FAIL(d, PKT_UNDEC_MALFORMED, PKT_P_MPLS, n);
	}
	t = dec_tunnel_push(d, PKT_P_MPLS);
	if (!t)
		return;
	t->id = bottom;
	t->id2 = top;
	t->count = (uint8_t)n;
	t->flags |= PKT_TUN_ID | PKT_TUN_ID2;
	if (!rd_peek(r, 0, &v))
		DEC_TRUNC(d, PKT_P_MPLS);
	if (bottom == 0 || bottom == 2 || looks_ip(r, 0)) {
		t->inner = (v >> 4) == 6 ? 0x86dd : 0x0800;
		dec_ip(d, r);
		return;
	}
	if ((v >> 4) == 0 && looks_ether(r, 4)) { /* control word (RFC 4385) */
		rd_skip(r, 4);
		t->inner = 0x6558;
		dec_ether(d, r);
		return;
	}
	if (looks_ether(r, 0)) {
		t->inner = 0x6558;
		dec_ether(d, r);
		return;
	}
	dec_fail(d, PKT_UNDEC_UNSUPPORTED, PKT_P_MPLS, v >> 4);
}

/* IP in IP: the kind follows from the outer version and the protocol. */
void dec_ip_in_ip(struct dec *d, struct rd *r, uint8_t proto)
{
	bool outer6 = d->p->ipver == 6;
	enum pkt_proto kind = proto == 4 ? (outer6 ? PKT_P_4IN6 : PKT_P_IPIP)
					 : (outer6 ? PKT_P_6IN6 : PKT_P_6IN4);
	struct pkt_tunnel *t;
	uint8_t v;

	if (!rd_peek(r, 0, &v))
		DEC_TRUNC(d, kind);
	if ((v >> 4) != (proto == 4 ? 4 : 6))
		DEC_FAIL(d, PKT_UNDEC_MALFORMED, outer6 ? PKT_P_IPV6 : PKT_P_IPV4, proto);
	t = dec_tunnel_push(d, kind);
	if (!t)
		return;
	t->inner = proto == 4 ? 0x0800 : 0x86dd;
	dec_ip(d, r);
}

/* ERSPAN type II (version 1) and III (version 2) headers after GRE. */
static void dec_erspan(struct dec *d, struct rd *r, struct pkt_tunnel *t, bool v3)
{
	uint16_t w0, w1, sub;
	uint8_t ft_o;

	if (!rd_be16(r, &w0) || !rd_be16(r, &w1))
		DEC_TRUNC(d, t->kind);
	if ((w0 >> 12) != (v3 ? 2 : 1))
		DEC_FAIL(d, PKT_UNDEC_UNSUPPORTED, t->kind, w0 >> 12);
	t->vlan = w0 & 0x0fff;
	t->id = w1 & 0x03ff;
	t->flags |= PKT_TUN_ID | PKT_TUN_VLAN;
	if (!v3) {
		if (!rd_skip(r, 4)) /* reserved, index */
			DEC_TRUNC(d, t->kind);
		dec_ether(d, r);
		return;
	}
	/* timestamp, SGT, then P/FT/HwID/D/Gra/O */
	if (!rd_skip(r, 6) || !rd_be16(r, &sub))
		DEC_TRUNC(d, t->kind);
	ft_o = (uint8_t)((sub >> 10) & 0x1f);
	if ((sub & 1) && !rd_skip(r, 8)) /* platform-specific subheader */
		DEC_TRUNC(d, t->kind);
	if (ft_o == 0) {
		dec_ether(d, r);
	} else if (ft_o == 2) {
		t->inner = 0x0800;
		dec_ip(d, r);
	} else {
		dec_fail(d, PKT_UNDEC_UNSUPPORTED, t->kind, ft_o);
	}
}

/* GRE: flags and version, protocol, optional checksum, key, sequence. */
void dec_gre(struct dec *d, struct rd *r)
{
	uint16_t flags, proto, u16, call;
	uint32_t key = 0, seq = 0;
	struct pkt_tunnel *t;
	enum pkt_proto kind = PKT_P_GRE;
	uint8_t v;

	if (!rd_be16(r, &flags) || !rd_be16(r, &proto))
		DEC_TRUNC(d, PKT_P_GRE);
	if ((flags & 7) == 1) { /* enhanced GRE (PPTP): payload length, call id */
		if ((flags & 0xef7f) != 0x2001 || proto != 0x880b)
			DEC_FAIL(d, PKT_UNDEC_UNSUPPORTED, PKT_P_PPTP, flags);
		if (!rd_be16(r, &u16) || !rd_be16(r, &call))
			DEC_TRUNC(d, PKT_P_PPTP);
		if (((flags & 0x1000) && !rd_be32(r, &seq)) || ((flags & 0x0080) && !rd_skip(r, 4)))
			DEC_TRUNC(d, PKT_P_PPTP);
		t = dec_tunnel_push(d, PKT_P_PPTP);
		if (!t)
			return;
		t->id = call;
		t->flags |= PKT_TUN_ID;
		if (flags & 0x1000) {
			t->id2 = seq;
			t->flags |= PKT_TUN_ID2;
		}
		t->inner = 0x880b;
		if (u16 == 0) /* acknowledgement only */
			DEC_FAIL(d, PKT_UNDEC_NOT_IP, PKT_P_PPTP, 0);
		dec_ppp(d, r);
		return;
	}
	/* version 0; routing (RFC 1701) and recursion are not supported */
	if ((flags & 0x4007) || (flags & 0x0f00))
		DEC_FAIL(d, PKT_UNDEC_UNSUPPORTED, PKT_P_GRE, flags);
	if ((flags & 0x8000) && !rd_skip(r, 4))
		DEC_TRUNC(d, PKT_P_GRE);
	if ((flags & 0x2000) && !rd_be32(r, &key))
		DEC_TRUNC(d, PKT_P_GRE);
	if ((flags & 0x1000) && !rd_be32(r, &seq))
		DEC_TRUNC(d, PKT_P_GRE);
	if (proto == 0x88be)
		kind = (flags & 0x1000) ? PKT_P_ERSPAN2 : PKT_P_ERSPAN1;
	else if (proto == 0x22eb)
		kind = PKT_P_ERSPAN3;
	else if (proto == 0x6558 && (flags & 0x2000))
		kind = PKT_P_NVGRE;
	t = dec_tunnel_push(d, kind);
	if (!t)
		return;
	t->inner = proto;
	if (kind == PKT_P_NVGRE) {
		t->id = key >> 8;
		t->id2 = key & 0xff;
		t->flags |= PKT_TUN_ID | PKT_TUN_ID2;
	} else {
		if (kind == PKT_P_GRE && (flags & 0x2000)) {
			t->id = key;
			t->flags |= PKT_TUN_ID;
		}
		if (flags & 0x1000) {
			t->id2 = seq;
			t->flags |= PKT_TUN_ID2;
		}
	}
	switch (kind) {
	case PKT_P_ERSPAN1:
		t->inner = 0x6558;
		dec_ether(d, r);
		return;
	case PKT_P_ERSPAN2:
	case PKT_P_ERSPAN3:
		t->inner = 0x6558;
		dec_erspan(d, r, t, kind == PKT_P_ERSPAN3);
		return;
	default:
		break;
	}
	if (proto == 0x883e) { /* WCCP: a 4-byte redirect header unless IPv4 follows */
		if (!rd_peek(r, 0, &v))
			DEC_TRUNC(d, PKT_P_GRE);
		if ((v >> 4) != 4)
			rd_skip(r, 4);
		dec_ip(d, r);
		return;
	}
	dec_ethertype(d, proto, r, PKT_P_GRE);
}

/*
 * L2TPv3 data (RFC 3931 §4.1): session id (0: a control message), then a
 * cookie and an L2-specific sublayer whose sizes were agreed out of band:
 * they are guessed from where an Ethernet frame, IP packet or PPP frame
 * starts (0, 4, 8 or 12 bytes on), as Wireshark's "detect" setting does.
 */
void dec_l2tp3(struct dec *d, struct rd *r, bool over_udp)
{
	uint16_t flags;
	uint32_t session;
	struct pkt_tunnel *t;
	uint16_t ppp;

	if (over_udp) {
		if (!rd_be16(r, &flags) || !rd_skip(r, 2))
			DEC_TRUNC(d, PKT_P_L2TP3);
		if (flags & 0x8000) { /* control message: the session id is not there */
			if (dec_tunnel_push(d, PKT_P_L2TP3))
				dec_fail(d, PKT_UNDEC_NOT_IP, PKT_P_L2TP3, 0);
			return;
		}
	}
	if (!rd_be32(r, &session))
		DEC_TRUNC(d, PKT_P_L2TP3);
	t = dec_tunnel_push(d, PKT_P_L2TP3);
	if (!t)
		return;
	t->id = session;
	t->flags |= PKT_TUN_ID;
	if (session == 0)
		DEC_FAIL(d, PKT_UNDEC_NOT_IP, PKT_P_L2TP3, 0);
	for (size_t off = 0; off <= 12; off += 4) {
		if (looks_ether(r, off)) {
			rd_skip(r, off);
			t->inner = 0x6558;
			dec_ether(d, r);
			return;
		}
		if (rd_peek16(r, off, &ppp) && ppp == 0xff03) {
			rd_skip(r, off);
			t->inner = 0x880b;
			dec_ppp(d, r);
			return;
		}
	}
	for (size_t off = 0; off <= 12; off += 4) {
		if (looks_ip(r, off)) {
			rd_skip(r, off);
			dec_ip(d, r);
			return;
		}
	}
	dec_fail(d, PKT_UNDEC_UNSUPPORTED, PKT_P_L2TP3, session);
}

/* L2TPv2 (RFC 2661 §3.1): flags/version, [length], tunnel, session,
 * [Ns, Nr], [offset size, padding]; data messages carry PPP. */
static void dec_l2tp2(struct dec *d, struct rd *r, uint16_t flags)
{
	uint16_t tunnel, session, off;
	struct pkt_tunnel *t;

	if ((flags & 0x4000) && !rd_skip(r, 2))
		DEC_TRUNC(d, PKT_P_L2TP2);
	if (!rd_be16(r, &tunnel) || !rd_be16(r, &session))
		DEC_TRUNC(d, PKT_P_L2TP2);
	if ((flags & 0x0800) && !rd_skip(r, 4))
		DEC_TRUNC(d, PKT_P_L2TP2);
	if (flags & 0x0200) {
		if (!rd_be16(r, &off) || !rd_skip(r, off))
			DEC_TRUNC(d, PKT_P_L2TP2);
	}
	t = dec_tunnel_push(d, PKT_P_L2TP2);
	if (!t)
		return;
	t->id = session;
	t->id2 = tunnel;
	t->flags |= PKT_TUN_ID | PKT_TUN_ID2;
	if (flags & 0x8000) /* control message */
		DEC_FAIL(d, PKT_UNDEC_NOT_IP, PKT_P_L2TP2, flags);
	t->inner = 0x880b;
	dec_ppp(d, r);
}

/* GTP-U (TS 29.281 §5): version 1 with PT set, message type, length,
 * TEID, and sequence / N-PDU / extension headers when any of E, S, PN. */
static bool gtpu(struct dec *d, struct rd *r)
{
	struct rd h = *r;
	uint8_t fl, type, next, len, v;
	uint32_t teid;
	struct pkt_tunnel *t;

	if (!rd_u8(&h, &fl) || !rd_u8(&h, &type) || !rd_skip(&h, 2) || !rd_be32(&h, &teid))
		return false;
	if ((fl & 0xf0) != 0x30) /* version 1, PT 1 */
		return false;
	if (fl & 0x07) {
		if (!rd_skip(&h, 3) || !rd_u8(&h, &next))
			return false;
		for (int i = 0; next && i < 16; i++) { /* extension headers */
			if (!rd_u8(&h, &len) || len == 0 || !rd_skip(&h, len * 4u - 2) ||
			    !rd_u8(&h, &next))
				return false;
		}
		if (next)
			return false;
	}
	t = dec_tunnel_push(d, PKT_P_GTPU);
	if (!t)
		return true;
	t->id = teid;
	t->flags |= PKT_TUN_ID;
	*r = h;
	if (type != 255) { /* echo, error indication, end marker */
		dec_fail(d, PKT_UNDEC_NOT_IP, PKT_P_GTPU, type);
		return true;
	}
	if (!rd_peek(r, 0, &v)) {
		dec_fail(d, PKT_UNDEC_TRUNCATED, PKT_P_GTPU, 0);
		return true;
	}
	if (!looks_ip(r, 0)) { /* Ethernet or unstructured PDU sessions */
		dec_fail(d, PKT_UNDEC_UNSUPPORTED, PKT_P_GTPU, v);
		return true;
	}
	t->inner = (v >> 4) == 6 ? 0x86dd : 0x0800;
	dec_ip(d, r);
	return true;
}

/* Teredo (RFC 4380 §5.1.1): optional authentication and origin indicators,
 * then IPv6. */
static bool teredo(struct dec *d, struct rd *r)
{
	struct rd h = *r;
	uint16_t ind;
	uint8_t idlen, authlen;
	struct pkt_tunnel *t;

	for (int i = 0; i < 2 && rd_peek16(&h, 0, &ind); i++) {
		if (ind == 0x0001) {
			if (!rd_skip(&h, 2) || !rd_u8(&h, &idlen) || !rd_u8(&h, &authlen) ||
			    !rd_skip(&h, idlen + authlen + 8u + 1u))
				return false;
		} else if (ind == 0x0000) {
			if (!rd_skip(&h, 8))
				return false;
		} else {
			break;
		}
	}
	uint8_t v;

	if (!rd_peek(&h, 0, &v) || (v >> 4) != 6 || !rd_has(&h, 40))
		return false;
	t = dec_tunnel_push(d, PKT_P_TEREDO);
	if (!t)
		return true;
	t->inner = 0x86dd;
	*r = h;
	dec_ip(d, r);
	return true;
}

/* VXLAN (flags, VNI; Ethernet) and VXLAN-GPE (flags, next protocol, VNI). */
static bool vxlan(struct dec *d, struct rd *r, bool gpe, bool strict)
{
	struct rd h = *r;
	uint8_t fl, r1, r2, next, r3;
	uint32_t vni;
	struct pkt_tunnel *t;

	if (!rd_u8(&h, &fl) || !rd_u8(&h, &r1) || !rd_u8(&h, &r2) || !rd_u8(&h, &next) ||
	    !rd_be24(&h, &vni) || !rd_u8(&h, &r3))
		return false;
	if (strict && (fl != 0x08 || r1 || r2 || next || r3))
		return false;
	t = dec_tunnel_push(d, gpe ? PKT_P_VXLAN_GPE : PKT_P_VXLAN);
	if (!t)
		return true;
	if (fl & 0x08) {
		t->id = vni;
		t->flags |= PKT_TUN_ID;
	}
	*r = h;
	if (!gpe || !(fl & 0x04)) {
		t->inner = 0x6558;
		dec_ether(d, r);
		return true;
	}
	switch (next) {
	case 1: t->inner = 0x0800; dec_ip(d, r); break;
	case 2: t->inner = 0x86dd; dec_ip(d, r); break;
	case 3: t->inner = 0x6558; dec_ether(d, r); break;
	case 5: t->inner = 0x8847; dec_mpls(d, r); break;
	default: dec_fail(d, PKT_UNDEC_UNSUPPORTED, PKT_P_VXLAN_GPE, next); break;
	}
	return true;
}

/* Geneve: version, option length (4-byte words), flags, protocol, VNI. */
static bool geneve(struct dec *d, struct rd *r)
{
	struct rd h = *r;
	uint8_t b0;
	uint16_t proto;
	uint32_t vni;
	struct pkt_tunnel *t;

	if (!rd_u8(&h, &b0) || !rd_skip(&h, 1) || !rd_be16(&h, &proto) || !rd_be24(&h, &vni) ||
	    !rd_skip(&h, 1))
		return false;
	if (b0 >> 6) /* version 0 only */
		return false;
	t = dec_tunnel_push(d, PKT_P_GENEVE);
	if (!t)
		return true;
	t->id = vni;
	t->inner = proto;
	t->flags |= PKT_TUN_ID;
	*r = h;
	if (!rd_skip(r, (b0 & 0x3f) * 4u)) {
		dec_fail(d, PKT_UNDEC_TRUNCATED, PKT_P_GENEVE, 0);
		return true;
	}
	dec_ethertype(d, proto, r, PKT_P_GENEVE);
	return true;
}

static bool l2tp(struct dec *d, struct rd *r)
{
	uint16_t flags;

	if (!rd_peek16(r, 0, &flags))
		return false;
	if ((flags & 0x000f) == 2) {
		rd_skip(r, 2);
		dec_l2tp2(d, r, flags);
		return true;
	}
	if ((flags & 0x000f) == 3) {
		dec_l2tp3(d, r, true);
		return true;
	}
	return false;
}

static bool udp_port_tunnel(struct dec *d, struct rd *r, uint16_t port)
{
	switch (port) {
	case 4789:
		return vxlan(d, r, false, false);
	case 8472: /* Linux's default VXLAN port: only with a well-formed header */
		return vxlan(d, r, false, true);
	case 4790:
		return vxlan(d, r, true, false);
	case 6081:
		return geneve(d, r);
	case 2152:
		return gtpu(d, r);
	case 3544:
		return teredo(d, r);
	case 1701:
		return l2tp(d, r);
	case 6635: /* MPLS in UDP */
		if (!rd_has(r, 4))
			return false;
		dec_mpls(d, r);
		return true;
	case 4754: /* GRE in UDP */
		if (!rd_has(r, 4))
			return false;
		dec_gre(d, r);
		return true;
	}
	return false;
}

/* A UDP payload to or from a tunnel port (destination first). False: none. */
bool dec_udp_tunnel(struct dec *d, struct rd *r)
{
	struct pkt *p = d->p;

	if (udp_port_tunnel(d, r, p->dport))
		return true;
	if (p->sport != p->dport && udp_port_tunnel(d, r, p->sport))
		return true;
	return false;
}

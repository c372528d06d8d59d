/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The packet parser of the tc programs: link layer (Ethernet with up to two
 * VLAN tags, or none), IPv4 (options, fragments) and IPv6 (extension-header
 * chains up to NR_IP6_MAX_EXT headers, fragments), then the first bytes of
 * TCP and ICMP/ICMPv6. It decides whether a packet is recorded: every IPv4
 * and IPv6 packet of TCP, ICMP or ICMPv6 (whole datagrams and each of
 * their fragments), and every IP packet it cannot parse far enough to tell
 * (pkt_info.parse says why; such a packet is recorded whole, without an
 * owner). It reads the packet only through bpf_skb_load_bytes, so a short
 * packet is a parse result, never an out-of-bounds read.
 *
 * It does not look for owners (owner.bpf.h) and copies nothing.
 */
#ifndef NETREC_BPF_PARSE_BPF_H
#define NETREC_BPF_PARSE_BPF_H

#include "common.bpf.h"

struct pkt_info {
	__u32 l3_off;
	__u32 l4_off;             /* 0: no transport header */
	__u32 frag_id;
	__u32 netns;              /* of the device (set by the caller) */
	__u16 eth_proto;
	__u8 l4_proto;
	__u8 family;
	__u8 parse;               /* enum nr_parse */
	__u8 pflags;              /* enum nr_pkt_flags */
	__u8 have_ports;          /* sport/dport/tcp_flags/window valid */
	__u8 have_icmp;           /* icmp_type and the echo id (sport) valid */
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport, dport;       /* host order; ICMP: echo identifier in sport */
	__u16 window;
	__u8 tcp_flags;
	__u8 icmp_type;
};

/* The extension headers RFC 8200 (and the IANA registry it points to)
 * defines, all walked the same way except AH and the fragment header. */
static __always_inline int ip6_is_ext(__u8 nh)
{
	switch (nh) {
	case NR_IPPROTO_HOPOPTS:
	case NR_IPPROTO_ROUTING:
	case NR_IPPROTO_FRAGMENT:
	case NR_IPPROTO_AH:
	case NR_IPPROTO_DSTOPTS:
	case NR_IPPROTO_MH:
	case NR_IPPROTO_HIP:
	case NR_IPPROTO_SHIM6:
	case NR_IPPROTO_EXP1:
	case NR_IPPROTO_EXP2:
		return 1;
	}
	return 0;
}

/* An IPv6 header chain: in, the offset after the fixed header and its next
 * header; out, the upper-layer header's offset and protocol, the fragment
 * header's facts, and why the walk stopped early (parse). */
struct ip6_chain {
	__u32 off;
	__u32 frag_id;
	__u8 nh;
	__u8 parse;
	__u8 pflags;
	__u8 pad;
};

/* A global function (not inlined, not static): the verifier checks it once
 * per program, on its own, instead of once per call and path; the packet
 * path and the ICMPv6 quote path both call it. */
__noinline int ip6_walk(struct __sk_buff *skb, struct ip6_chain *c)
{
	__u32 off;
	__u8 nh, e[8];

	if (!skb || !c)
		return 0;
	off = c->off;
	nh = c->nh;

	for (int i = 0; i < NR_IP6_MAX_EXT; i++) {
		switch (nh) {
		case NR_IPPROTO_FRAGMENT:
			if (bpf_skb_load_bytes(skb, off, e, 8)) {
				c->parse = NR_PARSE_TRUNCATED;
				goto out;
			}
			c->pflags |= NR_PF_FRAGMENT;
			c->frag_id = (__u32)e[4] << 24 | (__u32)e[5] << 16 | (__u32)e[6] << 8 | e[7];
			nh = e[0];
			off += 8;
			/* fragment offset: the upper 13 bits of bytes 2-3 */
			if (((e[2] << 8) | e[3]) & 0xfff8) {
				c->pflags |= NR_PF_LATER_FRAG;
				goto out;
			}
			continue;
		case NR_IPPROTO_AH:
			/* length in 4-octet units, minus 2 (RFC 4302) */
			if (bpf_skb_load_bytes(skb, off, e, 2)) {
				c->parse = NR_PARSE_TRUNCATED;
				goto out;
			}
			nh = e[0];
			off += ((__u32)e[1] + 2) * 4;
			continue;
		case NR_IPPROTO_HOPOPTS:
		case NR_IPPROTO_ROUTING:
		case NR_IPPROTO_DSTOPTS:
		case NR_IPPROTO_MH:
		case NR_IPPROTO_HIP:
		case NR_IPPROTO_SHIM6:
		case NR_IPPROTO_EXP1:
		case NR_IPPROTO_EXP2:
			/* length in 8-octet units, not counting the first 8 */
			if (bpf_skb_load_bytes(skb, off, e, 2)) {
				c->parse = NR_PARSE_TRUNCATED;
				goto out;
			}
			nh = e[0];
			off += ((__u32)e[1] + 1) * 8;
			continue;
		default:
			goto out;
		}
	}
	if (ip6_is_ext(nh))
		c->parse = NR_PARSE_EXT_CHAIN;
out:
	c->off = off;
	c->nh = nh;
	return 0;
}

/* Ethernet (up to two VLAN tags) or none: where the network header starts
 * and its protocol; -1 when it is neither IPv4 nor IPv6. */
static __always_inline int parse_l2(struct __sk_buff *skb, int l2, struct pkt_info *pi)
{
	__u32 off = 12;
	__u16 proto = 0;
	__u8 b[2];

	if (l2 == NR_L2_ETH) {
		for (int i = 0; i < 3; i++) {
			if (bpf_skb_load_bytes(skb, off, b, 2))
				return -1;
			proto = (b[0] << 8) | b[1];
			off += 2;
			if (proto != NR_ETH_P_8021Q && proto != NR_ETH_P_8021AD)
				break;
			off += 2;
		}
	} else {
		proto = bpf_ntohs(skb->protocol);
		off = 0;
	}
	if (proto != NR_ETH_P_IP && proto != NR_ETH_P_IPV6)
		return -1;
	pi->eth_proto = proto;
	pi->l3_off = off;
	return 0;
}

static __always_inline int parse_ip4(struct __sk_buff *skb, struct pkt_info *pi)
{
	__u32 frag;
	__u8 h[20];

	pi->family = NR_AF_INET;
	if (bpf_skb_load_bytes(skb, pi->l3_off, h, sizeof(h))) {
		pi->parse = NR_PARSE_TRUNCATED;
		return 0;
	}
	if ((h[0] >> 4) != 4 || (h[0] & 0xf) < 5) {
		pi->parse = NR_PARSE_BAD_HEADER;
		return 0;
	}
	pi->l4_proto = h[9];
	if (pi->l4_proto != NR_IPPROTO_TCP && pi->l4_proto != NR_IPPROTO_ICMP)
		return -1;
	__builtin_memcpy(pi->saddr, &h[12], 4);
	__builtin_memcpy(pi->daddr, &h[16], 4);
	frag = ((h[6] & 0x1f) << 8) | h[7];
	if ((h[6] & 0x20) || frag) {            /* more fragments, or an offset */
		pi->pflags |= NR_PF_FRAGMENT;
		pi->frag_id = (h[4] << 8) | h[5];
	}
	if (frag) {
		pi->pflags |= NR_PF_LATER_FRAG;
		return 0;
	}
	pi->l4_off = pi->l3_off + (h[0] & 0xf) * 4;
	return 0;
}

static __always_inline int parse_ip6(struct __sk_buff *skb, struct pkt_info *pi)
{
	struct ip6_chain c = {};
	__u8 h[40];

	pi->family = NR_AF_INET6;
	if (bpf_skb_load_bytes(skb, pi->l3_off, h, sizeof(h))) {
		pi->parse = NR_PARSE_TRUNCATED;
		return 0;
	}
	if ((h[0] >> 4) != 6) {
		pi->parse = NR_PARSE_BAD_HEADER;
		return 0;
	}
	__builtin_memcpy(pi->saddr, &h[8], 16);
	__builtin_memcpy(pi->daddr, &h[24], 16);
	c.off = pi->l3_off + 40;
	c.nh = h[6];
	ip6_walk(skb, &c);
	pi->l4_proto = c.nh;
	pi->pflags = c.pflags;
	pi->frag_id = c.frag_id;
	pi->parse = c.parse;
	if (c.parse)
		return 0;
	if (c.pflags & NR_PF_LATER_FRAG) {
		if (ip6_is_ext(c.nh)) {
			pi->parse = NR_PARSE_FRAG_UPPER;
			return 0;
		}
		return c.nh == NR_IPPROTO_TCP || c.nh == NR_IPPROTO_ICMPV6 ? 0 : -1;
	}
	if (c.nh != NR_IPPROTO_TCP && c.nh != NR_IPPROTO_ICMPV6)
		return -1;
	pi->l4_off = c.off;
	return 0;
}

/* The transport header's first bytes; a packet that ends inside it is
 * recorded as truncated. */
static __always_inline void parse_l4(struct __sk_buff *skb, struct pkt_info *pi)
{
	if (!pi->l4_off)
		return;
	if (pi->l4_proto == NR_IPPROTO_TCP) {
		__u8 t[20];

		if (bpf_skb_load_bytes(skb, pi->l4_off, t, sizeof(t))) {
			pi->parse = NR_PARSE_TRUNCATED;
			return;
		}
		pi->sport = (t[0] << 8) | t[1];
		pi->dport = (t[2] << 8) | t[3];
		pi->tcp_flags = t[13];
		pi->window = (t[14] << 8) | t[15];
		pi->have_ports = 1;
	} else {
		__u8 t[8];

		if (bpf_skb_load_bytes(skb, pi->l4_off, t, sizeof(t))) {
			pi->parse = NR_PARSE_TRUNCATED;
			return;
		}
		pi->icmp_type = t[0];
		pi->sport = (t[4] << 8) | t[5]; /* echo identifier */
		pi->have_icmp = 1;
	}
}

/* 0 when the packet is recorded, -1 when it is not ours. */
static __always_inline int parse_packet(struct __sk_buff *skb, int l2, struct pkt_info *pi)
{
	int r;

	if (parse_l2(skb, l2, pi))
		return -1;
	r = pi->eth_proto == NR_ETH_P_IP ? parse_ip4(skb, pi) : parse_ip6(skb, pi);
	if (r)
		return r;
	if (!pi->parse)
		parse_l4(skb, pi);
	return 0;
}

#endif

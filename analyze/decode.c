/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The decoder's entry point and vocabulary (see decode.h): decode_packet()
 * sets up the context and hands the bytes to the link layer
 * (decode_link.c), which hands them on layer by layer; the names of header
 * kinds and reasons live here, once. Nothing here reads packet bytes.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "decode_int.h"

static const char *const proto_names[PKT_P_COUNT] = {
	[PKT_P_NONE] = "none",
	[PKT_P_LINKTYPE] = "linktype",
	[PKT_P_ETHERNET] = "ethernet",
	[PKT_P_LLC] = "llc",
	[PKT_P_SLL] = "sll",
	[PKT_P_NULL] = "null",
	[PKT_P_PPP] = "ppp",
	[PKT_P_CHDLC] = "chdlc",
	[PKT_P_FRELAY] = "frame-relay",
	[PKT_P_ARCNET] = "arcnet",
	[PKT_P_IEEE80211] = "802.11",
	[PKT_P_RADIO] = "radio-header",
	[PKT_P_NFLOG] = "nflog",
	[PKT_P_IPV4] = "ipv4",
	[PKT_P_IPV6] = "ipv6",
	[PKT_P_TCP] = "tcp",
	[PKT_P_UDP] = "udp",
	[PKT_P_ICMP] = "icmp",
	[PKT_P_ICMPV6] = "icmpv6",
	[PKT_P_MPLS] = "mpls",
	[PKT_P_PPPOE] = "pppoe",
	[PKT_P_PBB] = "pbb",
	[PKT_P_GRE] = "gre",
	[PKT_P_NVGRE] = "nvgre",
	[PKT_P_PPTP] = "pptp",
	[PKT_P_ERSPAN1] = "erspan1",
	[PKT_P_ERSPAN2] = "erspan2",
	[PKT_P_ERSPAN3] = "erspan3",
	[PKT_P_IPIP] = "ipip",
	[PKT_P_6IN4] = "6in4",
	[PKT_P_4IN6] = "4in6",
	[PKT_P_6IN6] = "6in6",
	[PKT_P_VXLAN] = "vxlan",
	[PKT_P_VXLAN_GPE] = "vxlan-gpe",
	[PKT_P_GENEVE] = "geneve",
	[PKT_P_GTPU] = "gtp-u",
	[PKT_P_TEREDO] = "teredo",
	[PKT_P_L2TP2] = "l2tpv2",
	[PKT_P_L2TP3] = "l2tpv3",
	[PKT_P_MPLS_UDP] = "mpls-udp",
	[PKT_P_GRE_UDP] = "gre-udp",
};

static const char *const undec_names[PKT_UNDEC_COUNT] = {
	[PKT_UNDEC_NONE] = "",
	[PKT_UNDEC_UNSUPPORTED] = "unsupported",
	[PKT_UNDEC_NOT_IP] = "not-ip",
	[PKT_UNDEC_ENCRYPTED] = "encrypted",
	[PKT_UNDEC_FRAGMENT] = "fragment",
	[PKT_UNDEC_TOO_DEEP] = "too-deep",
	[PKT_UNDEC_MALFORMED] = "malformed",
	[PKT_UNDEC_TRUNCATED] = "truncated",
};

/* What the number in undecoded_type is, per header kind. */
static const char *const type_names[PKT_P_COUNT] = {
	[PKT_P_LINKTYPE] = "linktype",
	[PKT_P_ETHERNET] = "type",
	[PKT_P_LLC] = "dsap/snap",
	[PKT_P_SLL] = "protocol",
	[PKT_P_NULL] = "family",
	[PKT_P_PPP] = "protocol",
	[PKT_P_CHDLC] = "protocol",
	[PKT_P_FRELAY] = "nlpid",
	[PKT_P_ARCNET] = "type",
	[PKT_P_IEEE80211] = "type/subtype",
	[PKT_P_RADIO] = "dlt",
	[PKT_P_NFLOG] = "family",
	[PKT_P_IPV4] = "protocol",
	[PKT_P_IPV6] = "next-header",
	[PKT_P_MPLS] = "payload",
	[PKT_P_GRE] = "flags",
	[PKT_P_PPTP] = "flags",
	[PKT_P_VXLAN_GPE] = "next-protocol",
	[PKT_P_GENEVE] = "protocol",
	[PKT_P_GTPU] = "message",
	[PKT_P_L2TP2] = "flags",
	[PKT_P_L2TP3] = "session",
};

const char *decode_proto_name(unsigned proto)
{
	return proto < PKT_P_COUNT && proto_names[proto] ? proto_names[proto] : "?";
}

const char *decode_undecoded_name(unsigned why)
{
	return why < PKT_UNDEC_COUNT ? undec_names[why] : "?";
}

int decode_undecoded_str(const struct pkt *p, char *buf, size_t n)
{
	const char *tn;

	if (!p->undecoded)
		return snprintf(buf, n, "%s", "");
	tn = p->undecoded_at < PKT_P_COUNT ? type_names[p->undecoded_at] : NULL;
	if (!tn || p->undecoded == PKT_UNDEC_TRUNCATED || p->undecoded == PKT_UNDEC_TOO_DEEP)
		return snprintf(buf, n, "%s %s", decode_undecoded_name(p->undecoded),
				decode_proto_name(p->undecoded_at));
	if (p->undecoded_at == PKT_P_LINKTYPE)
		return snprintf(buf, n, "%s linktype %u", decode_undecoded_name(p->undecoded),
				p->undecoded_type);
	return snprintf(buf, n, "%s %s %s 0x%04x", decode_undecoded_name(p->undecoded),
			decode_proto_name(p->undecoded_at), tn, p->undecoded_type);
}

void dec_fail(struct dec *d, enum pkt_undecoded why, enum pkt_proto at, uint32_t type)
{
	struct pkt *p = d->p;

	p->dec_flags |= why == PKT_UNDEC_TRUNCATED ? DEC_TRUNCATED : DEC_UNDECODABLE;
	if (p->undecoded)
		return;
	p->undecoded = (uint8_t)why;
	p->undecoded_at = (uint8_t)at;
	p->undecoded_type = type;
}

bool dec_enter(struct dec *d, enum pkt_proto at)
{
	if (d->nest >= DEC_MAX_NEST) {
		dec_fail(d, PKT_UNDEC_TOO_DEEP, at, 0);
		return false;
	}
	d->nest++;
	return true;
}

void tcp_flags_str(uint8_t f, char out[9])
{
	static const char letters[] = "FSRPAUEC";
	int n = 0;

	for (int i = 0; i < 8; i++)
		if (f & (1u << i))
			out[n++] = letters[i];
	out[n] = 0;
}

int decode_packet(uint32_t lt, const uint8_t *data, size_t caplen, struct pkt *p)
{
	struct rd r = { .p = data, .len = data ? caplen : 0, .pos = 0 };
	struct dec d = { .p = p };

	if (!p || (!data && caplen))
		return -EINVAL;
	memset(p, 0, offsetof(struct pkt, tunnels)); /* tunnels[] is set as layers are found */
	p->vlan = -1;
	p->vlan_inner = -1;
	p->mss = -1;
	p->wscale = -1;
	dec_linktype(&d, lt, &r);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Packet header decoding for the analyzer: from (linktype, captured bytes) to
 * a struct pkt. Link layers (Ethernet and its tags, Linux cooked, raw IP,
 * null/loop, PPP, PPPoE, Cisco HDLC, Frame Relay, ARCNET, IP over
 * InfiniBand, FDDI, Token Ring, 802.11 behind radiotap/PPI/Prism/AVS, NFLOG,
 * pflog, enc, MPLS and a few more: decode_linktype_known() lists them),
 * encapsulations (MPLS, GRE with ERSPAN and NVGRE, IP-in-IP, VXLAN,
 * VXLAN-GPE, Geneve, GTP-U, Teredo, L2TPv2/v3, nested up to
 * PKT_MAX_TUNNELS), IPv4/IPv6 with extension headers, TCP with its options,
 * UDP, ICMP/ICMPv6 with every type's fields.
 *
 * The IP, TCP, UDP and ICMP fields describe the innermost IP packet found;
 * each encapsulation passed on the way is listed in tunnels[], outermost
 * first, with its outer addresses and identifiers, so that a caller can key
 * inner flows by the tunnel that carried them. What could not be decoded is
 * said in undecoded/undecoded_at/undecoded_type (one reason per packet, a
 * number a caller can count per kind), never dropped silently.
 *
 * Pure functions over untrusted bytes: every read is bounds-checked, nothing
 * is allocated, nothing is printed. Payloads above the transport header are
 * not interpreted, except to find a tunnel's inner packet. The layer files
 * (decode_link.c, decode_wlan.c, decode_tunnel.c, decode_ip.c, decode_tcp.c,
 * decode_icmp.c) share decode_int.h; this header is the only interface.
 */
#ifndef NETANALYZE_DECODE_H
#define NETANALYZE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TCP flags (RFC 9293 §3.1, RFC 3168; AE is RFC 9768's AccECN bit, formerly
 * NS, RFC 3540): the low 8 in tcp_flags, all 12 bits in tcp_flags_all. */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80
#define TH_AE  0x100
#define TH_NS  TH_AE

enum pkt_dir {
	PKT_DIR_UNKNOWN = 0,
	PKT_DIR_IN = 1,
	PKT_DIR_OUT = 2,
};

/* What a decoder could not do (bits, not errors: the packet is still kept).
 * undecoded says precisely what and where. */
#define DEC_TRUNCATED   0x01 /* a header was cut by the snap length */
#define DEC_UNDECODABLE 0x02 /* not IP, unsupported, or a malformed header */

/*
 * Header kinds: where decoding stopped (undecoded_at) and what a tunnel
 * layer is (pkt_tunnel.kind). decode_proto_name() names each.
 */
enum pkt_proto {
	PKT_P_NONE = 0,
	PKT_P_LINKTYPE,     /* the capture's link type itself */
	PKT_P_ETHERNET,     /* type/length field, or a tag's inner type */
	PKT_P_LLC,          /* 802.2 LLC (DSAP) / SNAP (OUI, type) */
	PKT_P_SLL,          /* Linux cooked v1/v2 protocol field */
	PKT_P_NULL,         /* BSD null/loop, pflog, enc, NFLOG family */
	PKT_P_PPP,          /* PPP protocol field */
	PKT_P_CHDLC,        /* Cisco HDLC protocol field */
	PKT_P_FRELAY,       /* Frame Relay NLPID */
	PKT_P_ARCNET,       /* ARCNET protocol id */
	PKT_P_IEEE80211,    /* 802.11 frame type/subtype */
	PKT_P_RADIO,        /* radiotap / PPI / Prism / AVS / pktap header */
	PKT_P_NFLOG,
	PKT_P_IPV4,
	PKT_P_IPV6,         /* also its extension headers */
	PKT_P_TCP,
	PKT_P_UDP,
	PKT_P_ICMP,
	PKT_P_ICMPV6,
	/* encapsulations (tunnel layers) */
	PKT_P_MPLS,         /* id: bottom label, id2: top label, count: labels */
	PKT_P_PPPOE,        /* id: session id */
	PKT_P_PBB,          /* 802.1ah; id: I-SID */
	PKT_P_GRE,          /* id: key (F_ID), id2: sequence (F_ID2) */
	PKT_P_NVGRE,        /* id: VSID, id2: flow id */
	PKT_P_PPTP,         /* GRE version 1; id: call id, id2: sequence */
	PKT_P_ERSPAN1,      /* id: none; GRE fields as for PKT_P_GRE */
	PKT_P_ERSPAN2,      /* id: session id, id2: GRE sequence, vlan */
	PKT_P_ERSPAN3,      /* id: session id, id2: GRE sequence, vlan */
	PKT_P_IPIP,         /* IPv4 in IPv4 */
	PKT_P_6IN4,
	PKT_P_4IN6,
	PKT_P_6IN6,
	PKT_P_VXLAN,        /* id: VNI */
	PKT_P_VXLAN_GPE,    /* id: VNI */
	PKT_P_GENEVE,       /* id: VNI */
	PKT_P_GTPU,         /* id: TEID */
	PKT_P_TEREDO,
	PKT_P_L2TP2,        /* id: session id, id2: tunnel id */
	PKT_P_L2TP3,        /* id: session id */
	PKT_P_MPLS_UDP,     /* RFC 7510 (MPLS, not a layer of its own) */
	PKT_P_GRE_UDP,      /* RFC 8086 (GRE, not a layer of its own) */
	PKT_P_COUNT
};

/* Why decoding stopped short of a transport header (or, for TRUNCATED, lost
 * part of one). */
enum pkt_undecoded {
	PKT_UNDEC_NONE = 0,
	PKT_UNDEC_UNSUPPORTED, /* a link type or encapsulation this decoder does not know */
	PKT_UNDEC_NOT_IP,      /* a known link carrying another protocol (ARP, LLDP, LCP...) */
	PKT_UNDEC_ENCRYPTED,   /* payload protected (802.11 WEP/WPA, MACsec) */
	PKT_UNDEC_FRAGMENT,    /* a link- or tunnel-level fragment (ARCNET, L2TP) */
	PKT_UNDEC_TOO_DEEP,    /* more than PKT_MAX_TUNNELS nested encapsulations */
	PKT_UNDEC_MALFORMED,   /* a header that contradicts its specification */
	PKT_UNDEC_TRUNCATED,   /* cut by the snap length */
	PKT_UNDEC_COUNT
};

#define PKT_MAX_TUNNELS 8

/* pkt_tunnel.flags: which fields hold a value */
#define PKT_TUN_ID    0x01 /* id */
#define PKT_TUN_ID2   0x02 /* id2 */
#define PKT_TUN_PORTS 0x04 /* sport/dport: carried over UDP */
#define PKT_TUN_VLAN  0x08 /* vlan (ERSPAN's original VLAN) */

/* One encapsulation layer: the tunnel and the IP header that carried it
 * (the nearest IP header outside it; ipver 0 when there was none, e.g. MPLS
 * or PPPoE straight on the link). */
struct pkt_tunnel {
	uint8_t kind;           /* enum pkt_proto, PKT_P_MPLS and after */
	uint8_t flags;          /* PKT_TUN_* */
	uint8_t ipver;          /* outer IP version: 0, 4 or 6 */
	uint8_t ip_proto;       /* outer IP protocol (47 GRE, 17 UDP, 4, 41, 115) */
	uint8_t src[16], dst[16]; /* outer addresses, network order; IPv4 in the first 4 */
	uint16_t sport, dport;  /* outer UDP ports (PKT_TUN_PORTS) */
	uint32_t id, id2;       /* per kind, see enum pkt_proto */
	uint16_t inner;         /* ethertype of what it carries (0x0800, 0x86dd, 0x6558 Ethernet, 0x8847 MPLS) */
	uint16_t vlan;          /* PKT_TUN_VLAN */
	uint8_t count;          /* MPLS: labels in the stack */
	uint8_t ip_index;       /* which IP header is the outer one (0: the outermost);
				   layers with the same ip_index share it */
};

/* pkt.icmp_fields: which type-specific ICMP/ICMPv6 fields hold a value */
#define ICMPF_ECHO     0x0001 /* icmp_id, icmp_seq (echo, timestamp, info, mask, extended echo) */
#define ICMPF_MTU      0x0002 /* icmp_mtu: v4 frag needed next-hop MTU, v6 packet too big */
#define ICMPF_GATEWAY  0x0004 /* icmp_addr: v4 redirect gateway */
#define ICMPF_POINTER  0x0008 /* icmp_pointer: parameter problem */
#define ICMPF_TARGET   0x0010 /* icmp_addr: v6 ND target / redirect target / MLD group */
#define ICMPF_DEST     0x0020 /* icmp_addr2: v6 redirect destination */
#define ICMPF_ND_FLAGS 0x0040 /* icmp_nd_flags: NA R/S/O (bits 31..29), RA M/O/H/Prf byte */
#define ICMPF_RA       0x0080 /* icmp_ra_*: router advertisement (v6; v4: count, lifetime) */
#define ICMPF_TS       0x0100 /* icmp_ts_*: v4 timestamp / timestamp reply (ms since midnight UT) */
#define ICMPF_MASK     0x0200 /* icmp_addr: v4 address mask reply */
#define ICMPF_MLD      0x0400 /* icmp_mld_delay (ms), icmp_addr: group */
#define ICMPF_LENGTH   0x0800 /* icmp_orig_len: RFC 4884 length of the quoted datagram, bytes */

struct pkt {
	uint32_t dec_flags;     /* DEC_* */
	enum pkt_dir dir;       /* from a link header's direction (cooked, PPP, HDLC, pflog...) */
	int vlan;               /* first VLAN id met (802.1Q, or 802.1ad S-tag), -1 if none */
	int vlan_inner;         /* the second (QinQ C-tag), -1 if none */
	uint16_t vlan_tpid, vlan_inner_tpid; /* their tag types: 0x8100, 0x88a8, 0x9100... */

	/* Why decoding stopped short: the reason, the header kind it stopped
	 * in and the number it did not know or could not read there (linktype,
	 * ethertype, PPP protocol, LLC DSAP, NLPID, IP protocol, address
	 * family, 802.11 type<<4|subtype, GRE flags, tunnel next protocol...). */
	uint8_t undecoded;      /* enum pkt_undecoded */
	uint8_t undecoded_at;   /* enum pkt_proto */
	uint32_t undecoded_type;

	int ntunnels;           /* layers in tunnels[] (at the end of the struct) */
	int nip;                /* IP headers decoded, the tunnels' outer ones
				   included (the innermost is number nip - 1) */

	/* ---- the innermost IP packet (all from here to tunnels[] is cleared
	 * when a tunnel's inner IP header begins) ---- */
	uint8_t ipver;          /* 0 (not IP), 4 or 6 */
	uint8_t src[16], dst[16]; /* network order; IPv4 in the first 4 bytes */
	uint8_t proto;          /* transport protocol (after extension headers) */
	uint8_t ttl;            /* TTL / hop limit */
	uint32_t ip_id;         /* IPv4 id; IPv6 fragment header identification */
	uint32_t ip_len;        /* IPv4 total length; IPv6 payload length + 40 */
	bool fragment;          /* a fragment (transport header only in the first) */
	bool has_l4;            /* transport header decoded */
	uint8_t ip_hlen;        /* IPv4 header length in bytes (IHL * 4); 40 for IPv6 */
	uint8_t tos;            /* IPv4 TOS byte / IPv6 traffic class */
	uint8_t dscp, ecn;      /* tos >> 2, tos & 3 */
	bool df, mf;            /* don't fragment; more fragments (v4 flags, v6 fragment header M) */
	uint16_t frag_off;      /* fragment offset in bytes (field * 8) */
	uint32_t flow_label;    /* IPv6, 20 bits */
	uint16_t ip_csum;       /* IPv4 header checksum as in the header */

	/* TCP / UDP */
	uint16_t sport, dport;
	uint8_t tcp_flags;      /* low 8 flag bits (TH_FIN..TH_CWR) */
	uint16_t tcp_flags_all; /* 12 bits: reserved(3) AE CWR ECE URG ACK PSH RST SYN FIN */
	uint8_t tcp_hlen;       /* data offset in bytes (4 * field) */
	uint32_t seq, ack;
	uint16_t win;
	uint16_t urg_ptr;
	uint16_t l4_csum;       /* TCP, UDP, ICMP checksum as in the header */
	uint32_t payload_len;   /* transport payload per the IP length */
	int mss;                /* -1 when absent */
	int wscale;             /* -1 when absent */
	bool sack_perm;
	bool has_ts;
	uint32_t tsval, tsecr;
	int sack_blocks;        /* SACK blocks in the option (at most 4 fit) */
	uint32_t sack_left[4], sack_right[4]; /* their edges, first sack_blocks valid */

	/* ICMP / ICMPv6 */
	bool icmp;
	uint8_t icmp_type, icmp_code;
	bool icmp_echo;         /* echo request or reply: id and seq valid */
	bool icmp_echo_reply;
	uint16_t icmp_id, icmp_seq;
	uint16_t icmp_fields;   /* ICMPF_*: which of the fields below are set */
	uint32_t icmp_mtu;
	uint32_t icmp_pointer;
	uint32_t icmp_orig_len;
	uint8_t icmp_addr[16];  /* gateway (v4), mask (v4), ND/redirect target, MLD group */
	uint8_t icmp_addr2[16]; /* v6 redirect destination */
	uint32_t icmp_nd_flags;
	uint8_t icmp_ra_hoplimit; /* v6 RA cur hop limit; v4 router adv: number of addresses */
	uint16_t icmp_ra_lifetime; /* seconds */
	uint32_t icmp_ra_reachable, icmp_ra_retrans; /* ms */
	uint32_t icmp_ts_orig, icmp_ts_recv, icmp_ts_xmit;
	uint16_t icmp_mld_delay;
	bool icmp_error;        /* an error quoting a packet */
	bool has_quote;         /* quoted IP header decoded */
	uint8_t q_ipver;
	uint8_t q_src[16], q_dst[16];
	uint8_t q_proto;
	bool q_has_ports, q_has_seq;
	uint16_t q_sport, q_dport;
	uint32_t q_seq;

	/* ---- the encapsulations passed, outermost first: only the first
	 * ntunnels are set (the rest is not cleared, to keep the per-packet
	 * reset small) ---- */
	struct pkt_tunnel tunnels[PKT_MAX_TUNNELS];
};

/* Decodes one packet captured with linktype (a LINKTYPE_ value as pcap and
 * pcapng files carry). Returns 0 (check dec_flags and undecoded for what
 * could not be decoded) or -EINVAL for a NULL argument. */
int decode_packet(uint32_t linktype, const uint8_t *data, size_t caplen, struct pkt *p);

/* Linktype is one decode_packet understands. */
bool decode_linktype_known(uint32_t linktype);

/* The linktypes decode_packet understands, for fuzzing and listings: sets
 * *list and returns their number. */
size_t decode_linktypes(const uint32_t **list);

/* Short names: "vxlan", "ethernet"... and "unsupported", "not-ip"... */
const char *decode_proto_name(unsigned proto);
const char *decode_undecoded_name(unsigned why);

/* A one-line account of why p was not decoded, for per-kind counts:
 * "unsupported linktype 147", "not-ip ethernet type 0x0806",
 * "unsupported gre flags 0x4000". Empty when p->undecoded is 0. Returns
 * snprintf's result. */
int decode_undecoded_str(const struct pkt *p, char *buf, size_t n);

/* "SA", "FPA", ...: letters F S R P A U E C for the set flags. out must
 * hold 9 bytes. */
void tcp_flags_str(uint8_t flags, char out[9]);

#endif

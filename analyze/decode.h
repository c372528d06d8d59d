/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Packet header decoding for the analyzer: link layer (Ethernet with VLAN
 * tags, raw IP, null/loopback, Linux cooked v1/v2), IPv4/IPv6 (extension
 * headers skipped), TCP with its options, ICMP/ICMPv6 with the header quoted
 * by an error message. Pure functions over untrusted bytes: every read is
 * bounds-checked, nothing is allocated, nothing is printed. Payloads are not
 * interpreted.
 */
#ifndef NETANALYZE_DECODE_H
#define NETANALYZE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80

enum pkt_dir {
	PKT_DIR_UNKNOWN = 0,
	PKT_DIR_IN = 1,
	PKT_DIR_OUT = 2,
};

/* What a decoder could not do (bits, not errors: the packet is still kept). */
#define DEC_TRUNCATED   0x01 /* a header was cut by the snap length */
#define DEC_UNDECODABLE 0x02 /* not IP, or a malformed header */

struct pkt {
	uint32_t dec_flags;     /* DEC_* */
	enum pkt_dir dir;       /* from a Linux cooked header's packet type */
	int vlan;               /* outermost VLAN id, -1 if none */

	uint8_t ipver;          /* 0 (not IP), 4 or 6 */
	uint8_t src[16], dst[16]; /* network order; IPv4 in the first 4 bytes */
	uint8_t proto;          /* transport protocol (after extension headers) */
	uint8_t ttl;
	uint32_t ip_id;
	uint32_t ip_len;        /* IPv4 total length; IPv6 payload length + 40 */
	bool fragment;          /* a fragment (transport header only in the first) */
	bool has_l4;            /* transport header decoded */

	/* TCP / UDP */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint16_t win;
	uint32_t payload_len;   /* transport payload per the IP length */
	int mss;                /* -1 when absent */
	int wscale;             /* -1 when absent */
	bool sack_perm;
	bool has_ts;
	uint32_t tsval, tsecr;
	int sack_blocks;

	/* ICMP / ICMPv6 */
	bool icmp;
	uint8_t icmp_type, icmp_code;
	bool icmp_echo;         /* echo request or reply: id and seq valid */
	bool icmp_echo_reply;
	uint16_t icmp_id, icmp_seq;
	bool icmp_error;        /* an error quoting a packet */
	bool has_quote;         /* quoted IP header decoded */
	uint8_t q_ipver;
	uint8_t q_src[16], q_dst[16];
	uint8_t q_proto;
	bool q_has_ports, q_has_seq;
	uint16_t q_sport, q_dport;
	uint32_t q_seq;
};

/* Decodes one packet captured with linktype. Returns 0 (check dec_flags for
 * what could not be decoded) or -EINVAL for a NULL argument. */
int decode_packet(uint32_t linktype, const uint8_t *data, size_t caplen, struct pkt *p);

/* Linktype is one decode_packet understands. */
bool decode_linktype_known(uint32_t linktype);

/* "SA", "FPA", ...: letters F S R P A U E C for the set flags. out must
 * hold 9 bytes. */
void tcp_flags_str(uint8_t flags, char out[9]);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of the analyzer's header decoder (decode.c) on packets written
 * out byte by byte here; every expected value is read off the bytes by hand
 * (RFC 791, 8200, 9293, 792, 4443 layouts), not taken from the decoder.
 */
#include <string.h>

#include "decode.h"
#include "pcapng.h"
#include "test.h"
#include "test_decode_bytes.h"

TEST_MAIN_STATE;

/* IPv4 192.0.2.1 -> 198.51.100.2, TCP 40000 -> 443, SYN, seq 0x01020304,
 * window 64240, options MSS 1460, SACK-permitted, TS 7/0, NOP, wscale 7. */
static const uint8_t ip4_syn[] = {
	0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	192, 0, 2, 1, 198, 51, 100, 2,
	0x9c, 0x40, 0x01, 0xbb, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
	0xa0, 0x02, 0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x07,
	0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

static void check_ip4_syn(const struct pkt *p)
{
	static const uint8_t src[4] = { 192, 0, 2, 1 }, dst[4] = { 198, 51, 100, 2 };

	ASSERT_EQ(p->ipver, 4, "ipver");
	ASSERT_MEMEQ(p->src, src, 4, "src");
	ASSERT_MEMEQ(p->dst, dst, 4, "dst");
	ASSERT_EQ(p->proto, 6, "proto");
	ASSERT_EQ(p->ttl, 64, "ttl");
	ASSERT_EQ(p->ip_id, 0x1234, "ip id");
	ASSERT_EQ(p->ip_len, 60, "ip len");
	ASSERT_FALSE(p->fragment, "DF is not a fragment");
	ASSERT_TRUE(p->has_l4, "tcp decoded");
	ASSERT_EQ(p->sport, 40000, "sport");
	ASSERT_EQ(p->dport, 443, "dport");
	ASSERT_EQ(p->seq, 0x01020304u, "seq");
	ASSERT_EQ(p->tcp_flags, TH_SYN, "flags");
	ASSERT_EQ(p->win, 64240, "window");
	ASSERT_EQ(p->payload_len, 0, "payload");
	ASSERT_EQ(p->mss, 1460, "mss");
	ASSERT_EQ(p->wscale, 7, "wscale");
	ASSERT_TRUE(p->sack_perm, "sack permitted");
	ASSERT_TRUE(p->has_ts, "timestamps");
	ASSERT_EQ(p->tsval, 7, "tsval");
	ASSERT_EQ(p->dec_flags, 0, "nothing missing");
}

static void test_raw_ipv4(void)
{
	struct pkt p;

	ASSERT_OK(decode_packet(LINKTYPE_RAW, ip4_syn, sizeof(ip4_syn), &p), "decode");
	check_ip4_syn(&p);
	ASSERT_EQ(p.dir, PKT_DIR_UNKNOWN, "raw IP has no direction");
}

static void test_ethernet_vlan(void)
{
	uint8_t buf[18 + sizeof(ip4_syn)];
	struct pkt p;

	memset(buf, 0xaa, 12);
	buf[12] = 0x81; buf[13] = 0x00;       /* 802.1Q */
	buf[14] = 0x20; buf[15] = 0x64;       /* PCP 1, VID 100 */
	buf[16] = 0x08; buf[17] = 0x00;       /* IPv4 */
	memcpy(buf + 18, ip4_syn, sizeof(ip4_syn));
	ASSERT_OK(decode_packet(LINKTYPE_ETHERNET, buf, sizeof(buf), &p), "decode");
	ASSERT_EQ(p.vlan, 100, "vlan id");
	check_ip4_syn(&p);
}

static void test_sll2_and_null(void)
{
	uint8_t buf[20 + sizeof(ip4_syn)];
	uint8_t nul[4 + sizeof(ip4_syn)] = { 2, 0, 0, 0 }; /* AF_INET, little-endian */
	struct pkt p;

	memset(buf, 0, 20);
	buf[0] = 0x08; buf[1] = 0x00;         /* protocol IPv4 */
	buf[10] = 4;                          /* packet type: outgoing */
	memcpy(buf + 20, ip4_syn, sizeof(ip4_syn));
	ASSERT_OK(decode_packet(LINKTYPE_LINUX_SLL2, buf, sizeof(buf), &p), "sll2");
	ASSERT_EQ(p.dir, PKT_DIR_OUT, "sll2 outgoing");
	check_ip4_syn(&p);

	memcpy(nul + 4, ip4_syn, sizeof(ip4_syn));
	ASSERT_OK(decode_packet(LINKTYPE_NULL, nul, sizeof(nul), &p), "null");
	check_ip4_syn(&p);
	nul[0] = 0; nul[3] = 2;               /* big-endian AF_INET */
	ASSERT_OK(decode_packet(LINKTYPE_NULL, nul, sizeof(nul), &p), "null be");
	check_ip4_syn(&p);
}

static void test_ipv6_ext(void)
{
	/* 2001:db8::1 -> 2001:db8::2, hop-by-hop (8 bytes, PadN) then TCP
	 * 50000 -> 80, ACK|PSH with 3 payload bytes. */
	uint8_t b[40 + 8 + 20 + 3];
	struct pkt p;

	memset(b, 0, sizeof(b));
	b[0] = 0x60;
	b[5] = 8 + 20 + 3;                    /* payload length */
	b[6] = 0;                             /* next: hop-by-hop */
	b[7] = 64;
	b[8] = 0x20; b[9] = 0x01; b[10] = 0x0d; b[11] = 0xb8; b[23] = 1;
	b[24] = 0x20; b[25] = 0x01; b[26] = 0x0d; b[27] = 0xb8; b[39] = 2;
	b[40] = 6; b[41] = 0;                 /* next TCP, 8 bytes */
	b[42] = 1; b[43] = 4;                 /* PadN */
	b[48] = 0xc3; b[49] = 0x50; b[50] = 0x00; b[51] = 80;
	b[60] = 0x50; b[61] = TH_ACK | TH_PSH;
	ASSERT_OK(decode_packet(LINKTYPE_IPV6, b, sizeof(b), &p), "decode");
	ASSERT_EQ(p.ipver, 6, "ipver");
	ASSERT_EQ(p.proto, 6, "tcp after the extension header");
	ASSERT_EQ(p.sport, 50000, "sport");
	ASSERT_EQ(p.dport, 80, "dport");
	ASSERT_EQ(p.payload_len, 3, "payload");
	ASSERT_EQ(p.ip_len, 71, "ip len");
	ASSERT_EQ(p.mss, -1, "no mss");
}

static void test_icmp_error_quote(void)
{
	/* 198.51.100.2 -> 192.0.2.1 port unreachable quoting ip4_syn's first
	 * 28 bytes (IP header + 8 bytes of TCP: ports and sequence). */
	uint8_t b[20 + 8 + 28];
	struct pkt p;
	static const uint8_t qsrc[4] = { 192, 0, 2, 1 };

	memset(b, 0, sizeof(b));
	b[0] = 0x45; b[3] = sizeof(b); b[8] = 64; b[9] = 1;
	b[12] = 198; b[13] = 51; b[14] = 100; b[15] = 2;
	b[16] = 192; b[17] = 0; b[18] = 2; b[19] = 1;
	b[20] = 3; b[21] = 3;
	memcpy(b + 28, ip4_syn, 28);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, b, sizeof(b), &p), "decode");
	ASSERT_TRUE(p.icmp && p.icmp_error, "an ICMP error");
	ASSERT_EQ(p.icmp_type, 3, "type");
	ASSERT_EQ(p.icmp_code, 3, "code");
	ASSERT_TRUE(p.has_quote, "quote decoded");
	ASSERT_EQ(p.q_proto, 6, "quoted tcp");
	ASSERT_MEMEQ(p.q_src, qsrc, 4, "quoted source");
	ASSERT_EQ(p.q_sport, 40000, "quoted sport");
	ASSERT_EQ(p.q_dport, 443, "quoted dport");
	ASSERT_TRUE(p.q_has_seq, "quoted seq");
	ASSERT_EQ(p.q_seq, 0x01020304u, "quoted seq value");
}

static void test_icmp6_echo(void)
{
	uint8_t b[40 + 8];
	struct pkt p;

	memset(b, 0, sizeof(b));
	b[0] = 0x60; b[5] = 8; b[6] = 58; b[7] = 64;
	b[40] = 128;                          /* echo request */
	b[44] = 0x12; b[45] = 0x34; b[46] = 0x00; b[47] = 0x05;
	ASSERT_OK(decode_packet(LINKTYPE_RAW, b, sizeof(b), &p), "decode");
	ASSERT_TRUE(p.icmp_echo, "echo");
	ASSERT_FALSE(p.icmp_echo_reply, "request");
	ASSERT_EQ(p.icmp_id, 0x1234, "id");
	ASSERT_EQ(p.icmp_seq, 5, "seq");
}

static void test_truncated_and_garbage(void)
{
	struct pkt p;
	uint8_t junk[3] = { 0x45, 0, 0 };

	/* cut inside the TCP options: ports and flags are known, mss not */
	ASSERT_OK(decode_packet(LINKTYPE_RAW, ip4_syn, 44, &p), "decode");
	ASSERT_TRUE(p.dec_flags & DEC_TRUNCATED, "truncated");
	ASSERT_EQ(p.sport, 40000, "ports before the cut");
	ASSERT_EQ(p.mss, 1460, "mss fits in 44 bytes");
	ASSERT_EQ(p.wscale, -1, "wscale cut off");
	ASSERT_OK(decode_packet(LINKTYPE_RAW, junk, sizeof(junk), &p), "decode junk");
	ASSERT_TRUE(p.dec_flags & DEC_TRUNCATED, "junk truncated");
	ASSERT_EQ(p.ipver, 0, "no ip");
	ASSERT_OK(decode_packet(12345, ip4_syn, sizeof(ip4_syn), &p), "unknown linktype");
	ASSERT_TRUE(p.dec_flags & DEC_UNDECODABLE, "undecodable");
	ASSERT_OK(decode_packet(LINKTYPE_RAW, NULL, 0, &p), "empty");
	ASSERT_ERR(decode_packet(LINKTYPE_RAW, ip4_syn, 10, NULL), "NULL out");
}

static void test_flags_str(void)
{
	char s[9];

	tcp_flags_str(TH_SYN | TH_ACK, s);
	ASSERT_STREQ(s, "SA", "syn-ack");
	tcp_flags_str(TH_FIN | TH_PSH | TH_ACK, s);
	ASSERT_STREQ(s, "FPA", "fin-psh-ack");
	tcp_flags_str(0xff, s);
	ASSERT_STREQ(s, "FSRPAUEC", "all");
}

static void test_ip_fields(void)
{
	struct tb t = { 0 };
	struct pkt p;

	/* IPv4 with a 4-byte option (IHL 6): TOS 0xb9 (DSCP 46 EF, ECN 1),
	 * flags MF, offset 185 (1480 bytes), checksum 0xbeef; a later
	 * fragment, so no transport header */
	tb_u8(&t, 0x46); tb_u8(&t, 0xb9); tb_be16(&t, 24 + 8); tb_be16(&t, 0x4242);
	tb_be16(&t, 0x2000 | 185); tb_u8(&t, 9); tb_u8(&t, 17); tb_be16(&t, 0xbeef);
	tb_put(&t, A4_1, 4); tb_put(&t, A4_2, 4); tb_be32(&t, 0x01010100);
	tb_zero(&t, 8);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "v4 fragment");
	ASSERT_EQ(p.ip_hlen, 24, "ihl 6");
	ASSERT_EQ(p.tos, 0xb9, "tos");
	ASSERT_EQ(p.dscp, 46, "dscp");
	ASSERT_EQ(p.ecn, 1, "ecn");
	ASSERT_FALSE(p.df, "no df");
	ASSERT_TRUE(p.mf, "mf");
	ASSERT_EQ(p.frag_off, 1480, "offset in bytes");
	ASSERT_TRUE(p.fragment, "fragment");
	ASSERT_EQ(p.ip_csum, 0xbeef, "checksum");
	ASSERT_EQ(p.ip_id, 0x4242, "id");
	ASSERT_FALSE(p.has_l4, "no transport in a later fragment");
	ASSERT_EQ(p.undecoded, PKT_UNDEC_NONE, "nothing wrong");

	/* IPv6: traffic class 0xb8 (DSCP 46, ECN 0), flow label 0x12345;
	 * fragment header: next UDP, offset 0, M, identification 0xabcdef01 */
	t.n = 0;
	tb_be32(&t, 0x6b812345); tb_be16(&t, 8 + 8); tb_u8(&t, 44); tb_u8(&t, 3);
	tb_put(&t, A6_1, 16); tb_put(&t, A6_2, 16);
	tb_u8(&t, 17); tb_u8(&t, 0); tb_be16(&t, 0x0001); tb_be32(&t, 0xabcdef01);
	tb_udp(&t, 53, 5353, 0);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "v6 first fragment");
	ASSERT_EQ(p.tos, 0xb8, "traffic class");
	ASSERT_EQ(p.dscp, 46, "v6 dscp");
	ASSERT_EQ(p.ecn, 0, "v6 ecn");
	ASSERT_EQ(p.flow_label, 0x12345, "flow label");
	ASSERT_TRUE(p.fragment, "v6 fragment");
	ASSERT_TRUE(p.mf, "M");
	ASSERT_EQ(p.frag_off, 0, "first");
	ASSERT_EQ(p.ip_id, 0xabcdef01u, "v6 ident");
	ASSERT_TRUE(p.has_l4, "udp in the first fragment");
	ASSERT_EQ(p.sport, 53, "udp sport");
	ASSERT_EQ(p.dport, 5353, "udp dport");
	ASSERT_EQ(p.ttl, 3, "hop limit");
}

static void test_tcp_fields(void)
{
	struct tb t = { 0 };
	struct pkt p;

	/* TCP, data offset 12 (48 bytes): AE|CWR|ECE|URG|ACK|PSH (0x1e8),
	 * checksum 0x1357, urgent pointer 3; options NOP NOP SACK with three
	 * blocks 100-200, 300-400, 0xfffffff0-0x10 */
	tb_ip4(&t, A4_1, A4_2, 6, 48 + 5);
	tb_be16(&t, 1); tb_be16(&t, 2); tb_be32(&t, 7); tb_be32(&t, 9);
	tb_be16(&t, 0xc000 | 0x1e8); tb_be16(&t, 512); tb_be16(&t, 0x1357); tb_be16(&t, 3);
	tb_u8(&t, 1); tb_u8(&t, 1); tb_u8(&t, 5); tb_u8(&t, 26);
	tb_be32(&t, 100); tb_be32(&t, 200); tb_be32(&t, 300); tb_be32(&t, 400);
	tb_be32(&t, 0xfffffff0); tb_be32(&t, 0x10);
	tb_put(&t, "hello", 5);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "tcp");
	ASSERT_EQ(p.tcp_hlen, 48, "data offset");
	ASSERT_EQ(p.tcp_flags_all, 0x1e8, "all flags");
	ASSERT_EQ(p.tcp_flags, 0xe8, "low 8");
	ASSERT_TRUE(p.tcp_flags_all & TH_AE, "AE");
	ASSERT_EQ(p.l4_csum, 0x1357, "checksum");
	ASSERT_EQ(p.urg_ptr, 3, "urgent");
	ASSERT_EQ(p.payload_len, 5, "payload");
	ASSERT_EQ(p.sack_blocks, 3, "blocks");
	ASSERT_EQ(p.sack_left[0], 100, "le 0");
	ASSERT_EQ(p.sack_right[0], 200, "re 0");
	ASSERT_EQ(p.sack_left[1], 300, "le 1");
	ASSERT_EQ(p.sack_right[1], 400, "re 1");
	ASSERT_EQ(p.sack_left[2], 0xfffffff0u, "le 2");
	ASSERT_EQ(p.sack_right[2], 0x10, "re 2 wraps");
	ASSERT_EQ(p.undecoded, PKT_UNDEC_NONE, "clean");
}

/* An ICMP message: IPv4 header, type, code, checksum 0xabcd, rest. */
static void icmp4(struct tb *t, uint8_t type, uint8_t code, size_t rest)
{
	t->n = 0;
	tb_ip4(t, A4_2, A4_1, 1, (uint16_t)(4 + rest));
	tb_u8(t, type); tb_u8(t, code); tb_be16(t, 0xabcd);
}

static void test_icmp_fields(void)
{
	struct tb t = { 0 };
	struct pkt p;

	/* fragmentation needed: unused, length 7 words (28 bytes, RFC 4884),
	 * next-hop MTU 1400, the quoted IP header + 8 bytes */
	icmp4(&t, 3, 4, 4 + 28);
	tb_u8(&t, 0); tb_u8(&t, 7); tb_be16(&t, 1400);
	tb_put(&t, INNER4, 28);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "frag needed");
	ASSERT_EQ(p.l4_csum, 0xabcd, "icmp checksum");
	ASSERT_TRUE(p.icmp_fields & ICMPF_MTU, "mtu set");
	ASSERT_EQ(p.icmp_mtu, 1400, "next-hop mtu");
	ASSERT_EQ(p.icmp_orig_len, 28, "rfc 4884 length");
	ASSERT_TRUE(p.icmp_error && p.has_quote, "quote");
	ASSERT_EQ(p.q_sport, 40000, "quoted port");

	/* redirect: gateway 198.51.100.1 */
	icmp4(&t, 5, 1, 4 + 28);
	tb_put(&t, B4_1, 4);
	tb_put(&t, INNER4, 28);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "redirect");
	ASSERT_TRUE(p.icmp_fields & ICMPF_GATEWAY, "gateway set");
	ASSERT_MEMEQ(p.icmp_addr, B4_1, 4, "gateway");
	ASSERT_TRUE(p.has_quote, "redirect quote");

	/* parameter problem: pointer 9 */
	icmp4(&t, 12, 0, 4 + 28);
	tb_u8(&t, 9); tb_zero(&t, 3);
	tb_put(&t, INNER4, 28);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "param problem");
	ASSERT_EQ(p.icmp_pointer, 9, "pointer");
	ASSERT_TRUE(p.icmp_fields & ICMPF_POINTER, "pointer set");

	/* time exceeded in transit */
	icmp4(&t, 11, 0, 4 + 28);
	tb_zero(&t, 4);
	tb_put(&t, INNER4, 28);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "time exceeded");
	ASSERT_TRUE(p.icmp_error && p.has_quote, "te quote");
	ASSERT_EQ(p.q_dport, 443, "te quoted dport");
	ASSERT_FALSE(p.icmp_fields & (ICMPF_MTU | ICMPF_POINTER | ICMPF_LENGTH), "nothing else");

	/* timestamp reply: id 5, seq 6, originate/receive/transmit */
	icmp4(&t, 14, 0, 4 + 12);
	tb_be16(&t, 5); tb_be16(&t, 6); tb_be32(&t, 1000); tb_be32(&t, 2000); tb_be32(&t, 3000);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "timestamp");
	ASSERT_TRUE(p.icmp_fields & ICMPF_TS, "ts set");
	ASSERT_EQ(p.icmp_ts_orig, 1000, "orig");
	ASSERT_EQ(p.icmp_ts_recv, 2000, "recv");
	ASSERT_EQ(p.icmp_ts_xmit, 3000, "xmit");
	ASSERT_EQ(p.icmp_id, 5, "ts id");
	ASSERT_EQ(p.icmp_seq, 6, "ts seq");
	ASSERT_FALSE(p.icmp_echo, "not an echo");

	/* address mask reply 255.255.255.0 */
	icmp4(&t, 18, 0, 4 + 4);
	tb_be16(&t, 1); tb_be16(&t, 2); tb_be32(&t, 0xffffff00);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "mask");
	ASSERT_TRUE(p.icmp_fields & ICMPF_MASK, "mask set");
	ASSERT_EQ(p.icmp_addr[3], 0, "mask last byte");
	ASSERT_EQ(p.icmp_addr[2], 255, "mask third byte");

	/* router advertisement: 1 address, entry size 2, lifetime 1800 */
	icmp4(&t, 9, 0, 4 + 8);
	tb_u8(&t, 1); tb_u8(&t, 2); tb_be16(&t, 1800); tb_put(&t, B4_1, 4); tb_be32(&t, 0);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "router adv");
	ASSERT_TRUE(p.icmp_fields & ICMPF_RA, "ra set");
	ASSERT_EQ(p.icmp_ra_lifetime, 1800, "lifetime");
	ASSERT_EQ(p.icmp_ra_hoplimit, 1, "addresses");
}

/* An ICMPv6 message: IPv6 header, type, code, checksum 0x5555, rest. */
static void icmp6(struct tb *t, uint8_t type, uint8_t code, size_t rest)
{
	t->n = 0;
	tb_ip6(t, A6_2, A6_1, 58, (uint16_t)(4 + rest));
	tb_u8(t, type); tb_u8(t, code); tb_be16(t, 0x5555);
}

static void test_icmp6_fields(void)
{
	struct tb t = { 0 };
	struct pkt p;
	static const uint8_t group[16] = { 0xff, 0x02, [15] = 0xfb };

	/* packet too big, MTU 1280, quoting INNER6 */
	icmp6(&t, 2, 0, 4 + 48);
	tb_be32(&t, 1280);
	tb_put(&t, INNER6, 48);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "ptb");
	ASSERT_EQ(p.icmp_mtu, 1280, "mtu");
	ASSERT_TRUE(p.icmp_error && p.has_quote, "ptb quote");
	ASSERT_EQ(p.q_ipver, 6, "quoted v6");
	ASSERT_EQ(p.q_sport, 40000, "quoted sport");
	ASSERT_EQ(p.l4_csum, 0x5555, "checksum");

	/* parameter problem, pointer 6 (the next header field) */
	icmp6(&t, 4, 1, 4 + 48);
	tb_be32(&t, 6);
	tb_put(&t, INNER6, 48);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "v6 param");
	ASSERT_EQ(p.icmp_pointer, 6, "v6 pointer");

	/* destination unreachable with an RFC 4884 length of 6 (48 bytes) */
	icmp6(&t, 1, 4, 4 + 48);
	tb_u8(&t, 6); tb_zero(&t, 3);
	tb_put(&t, INNER6, 48);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "v6 unreach");
	ASSERT_EQ(p.icmp_orig_len, 48, "v6 length");

	/* neighbour solicitation for 2001:db8::2 */
	icmp6(&t, 135, 0, 4 + 16);
	tb_be32(&t, 0);
	tb_put(&t, A6_2, 16);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "ns");
	ASSERT_TRUE(p.icmp_fields & ICMPF_TARGET, "ns target");
	ASSERT_MEMEQ(p.icmp_addr, A6_2, 16, "ns target value");
	ASSERT_FALSE(p.icmp_error, "not an error");

	/* neighbour advertisement: R|S|O, target */
	icmp6(&t, 136, 0, 4 + 16);
	tb_be32(&t, 0xe0000000);
	tb_put(&t, A6_1, 16);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "na");
	ASSERT_EQ(p.icmp_nd_flags, 0xe0000000u, "R S O");
	ASSERT_MEMEQ(p.icmp_addr, A6_1, 16, "na target");

	/* router advertisement: hop limit 64, M|O (0xc0), lifetime 1800,
	 * reachable 30000, retrans 1000 */
	icmp6(&t, 134, 0, 4 + 8);
	tb_u8(&t, 64); tb_u8(&t, 0xc0); tb_be16(&t, 1800); tb_be32(&t, 30000); tb_be32(&t, 1000);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "ra");
	ASSERT_EQ(p.icmp_ra_hoplimit, 64, "ra hop limit");
	ASSERT_EQ(p.icmp_nd_flags, 0xc0, "ra flags");
	ASSERT_EQ(p.icmp_ra_lifetime, 1800, "ra lifetime");
	ASSERT_EQ(p.icmp_ra_reachable, 30000, "reachable");
	ASSERT_EQ(p.icmp_ra_retrans, 1000, "retrans");

	/* redirect: target, destination */
	icmp6(&t, 137, 0, 4 + 32);
	tb_be32(&t, 0);
	tb_put(&t, A6_1, 16);
	tb_put(&t, A6_2, 16);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "v6 redirect");
	ASSERT_EQ(p.icmp_fields & (ICMPF_TARGET | ICMPF_DEST), ICMPF_TARGET | ICMPF_DEST, "both");
	ASSERT_MEMEQ(p.icmp_addr, A6_1, 16, "target");
	ASSERT_MEMEQ(p.icmp_addr2, A6_2, 16, "destination");

	/* MLD report for ff02::fb, max response delay 0 */
	icmp6(&t, 131, 0, 4 + 16);
	tb_be16(&t, 0); tb_be16(&t, 0);
	tb_put(&t, group, 16);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "mld");
	ASSERT_TRUE(p.icmp_fields & ICMPF_MLD, "mld set");
	ASSERT_MEMEQ(p.icmp_addr, group, 16, "group");
}

int main(void)
{
	RUN_TEST(test_raw_ipv4);
	RUN_TEST(test_ethernet_vlan);
	RUN_TEST(test_sll2_and_null);
	RUN_TEST(test_ipv6_ext);
	RUN_TEST(test_icmp_error_quote);
	RUN_TEST(test_icmp6_echo);
	RUN_TEST(test_truncated_and_garbage);
	RUN_TEST(test_flags_str);
	RUN_TEST(test_ip_fields);
	RUN_TEST(test_tcp_fields);
	RUN_TEST(test_icmp_fields);
	RUN_TEST(test_icmp6_fields);
	return test_exit();
}

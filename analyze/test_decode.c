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
	return test_exit();
}

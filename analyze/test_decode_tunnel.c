/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of the decoder's encapsulations (decode_tunnel.c): each tunnel
 * written out header by header from its RFC (MPLS 3032, GRE 2784/2890,
 * PPTP 2637, ERSPAN draft-foschiano-erspan, NVGRE 7637, IP-in-IP
 * 2003/4213/2473, VXLAN 7348, VXLAN-GPE draft-ietf-nvo3-vxlan-gpe, Geneve
 * 8926, GTP-U TS 29.281, Teredo 4380, L2TP 2661/3931, MPLS/GRE in UDP
 * 7510/8086) around the same inner TCP SYN; expected tunnel identifiers
 * and outer addresses are the values written into the bytes.
 */
#include "decode.h"
#include "tunnels.h"
#include "pcapng.h"
#include "test.h"
#include "test_decode_bytes.h"

TEST_MAIN_STATE;

static void check_outer4(const struct pkt_tunnel *t, const uint8_t *src, const uint8_t *dst,
			 uint8_t proto, const char *what)
{
	ASSERT_EQ(t->ipver, 4, what);
	ASSERT_MEMEQ(t->src, src, 4, what);
	ASSERT_MEMEQ(t->dst, dst, 4, what);
	ASSERT_EQ(t->ip_proto, proto, what);
}

static void test_mpls(void)
{
	struct tb t = { 0 };
	struct pkt p;

	/* Ethernet, MPLS labels 1000 (TC 5, TTL 64) and 2000 (bottom) */
	tb_eth(&t, 0x8847);
	tb_be32(&t, 1000u << 12 | 5u << 9 | 64);
	tb_be32(&t, 2000u << 12 | 0x100 | 64);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_ETHERNET, &t, 4, &p, "mpls");
	ASSERT_EQ(p.ntunnels, 1, "one layer for the stack");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_MPLS, "kind");
	ASSERT_EQ(p.tunnels[0].id, 2000, "bottom label");
	ASSERT_EQ(p.tunnels[0].id2, 1000, "top label");
	ASSERT_EQ(p.tunnels[0].count, 2, "depth");
	ASSERT_EQ(p.tunnels[0].inner, 0x0800, "carries IPv4");

	/* pseudowire: control word, then an Ethernet frame with IPv6 */
	t.n = 0;
	tb_eth(&t, 0x8847);
	tb_be32(&t, 3000u << 12 | 0x100 | 64);
	tb_be32(&t, 0);
	tb_eth(&t, 0x86dd);
	tb_inner(&t, 6);
	check_lt(LINKTYPE_ETHERNET, &t, 6, &p, "mpls pw cw");
	ASSERT_EQ(p.tunnels[0].inner, 0x6558, "carries Ethernet");

	/* no bottom-of-stack bit within the packet: truncated */
	t.n = 0;
	tb_eth(&t, 0x8847);
	tb_be32(&t, 1000u << 12);
	ASSERT_OK(decode_packet(LINKTYPE_ETHERNET, t.b, t.n, &p), "cut stack");
	ASSERT_EQ(p.undecoded, PKT_UNDEC_TRUNCATED, "truncated");
	ASSERT_EQ(p.undecoded_at, PKT_P_MPLS, "in mpls");
}

static void test_gre(void)
{
	struct tb t = { 0 };
	struct pkt p;

	/* GRE with checksum, key 0x0a0b0c0d and sequence 42 carrying IPv4 */
	tb_ip4(&t, A4_1, A4_2, 47, 16 + 40);
	tb_be16(&t, 0xb000); tb_be16(&t, 0x0800);
	tb_be32(&t, 0); tb_be32(&t, 0x0a0b0c0d); tb_be32(&t, 42);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_RAW, &t, 4, &p, "gre");
	ASSERT_EQ(p.ntunnels, 1, "gre layer");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_GRE, "kind");
	check_outer4(&p.tunnels[0], A4_1, A4_2, 47, "gre outer");
	ASSERT_EQ(p.tunnels[0].id, 0x0a0b0c0d, "key");
	ASSERT_EQ(p.tunnels[0].id2, 42, "sequence");
	ASSERT_EQ(p.tunnels[0].flags & (PKT_TUN_ID | PKT_TUN_ID2), PKT_TUN_ID | PKT_TUN_ID2, "both");
	ASSERT_FALSE(p.tunnels[0].flags & PKT_TUN_PORTS, "no ports");
	ASSERT_EQ(p.nip, 2, "two IP headers");

	/* the tunnel's id: the same for the next packet (sequence 43), another
	 * for another key */
	int64_t id42 = tunnel_id_of(p.tunnels, p.ntunnels);

	t.n = 0;
	tb_ip4(&t, A4_1, A4_2, 47, 16 + 40);
	tb_be16(&t, 0xb000); tb_be16(&t, 0x0800);
	tb_be32(&t, 0); tb_be32(&t, 0x0a0b0c0d); tb_be32(&t, 43);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_RAW, &t, 4, &p, "gre seq 43");
	ASSERT_EQ(p.tunnels[0].id2, 43, "sequence 43");
	ASSERT_EQ(tunnel_id_of(p.tunnels, p.ntunnels), id42, "sequence not in the tunnel id");
	p.tunnels[0].id = 0x0a0b0c0e;
	ASSERT_NEQ(tunnel_id_of(p.tunnels, p.ntunnels), id42, "key in the tunnel id");

	/* gretap (TEB) without key: Ethernet inside, plain GRE */
	t.n = 0;
	tb_ip6(&t, A6_1, A6_2, 47, 4 + 14 + 40);
	tb_be16(&t, 0); tb_be16(&t, 0x6558);
	tb_eth(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_RAW, &t, 4, &p, "ip6gretap");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_GRE, "gretap is gre");
	ASSERT_EQ(p.tunnels[0].ipver, 6, "outer v6");
	ASSERT_MEMEQ(p.tunnels[0].src, A6_1, 16, "outer src6");
	ASSERT_EQ(p.tunnels[0].inner, 0x6558, "teb");

	/* NVGRE: key = VSID 0x123456, flow id 0x78 */
	t.n = 0;
	tb_ip4(&t, A4_1, A4_2, 47, 8 + 14 + 40);
	tb_be16(&t, 0x2000); tb_be16(&t, 0x6558); tb_be32(&t, 0x12345678);
	tb_eth(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_RAW, &t, 4, &p, "nvgre");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_NVGRE, "kind");
	ASSERT_EQ(p.tunnels[0].id, 0x123456, "vsid");
	ASSERT_EQ(p.tunnels[0].id2, 0x78, "flow id");

	/* PPTP (GRE version 1): K, S set; payload length, call id 0x4444,
	 * sequence 9; PPP with address/control and IPv4 */
	t.n = 0;
	tb_ip4(&t, A4_1, A4_2, 47, 12 + 4 + 40);
	tb_be16(&t, 0x3001); tb_be16(&t, 0x880b); tb_be16(&t, 4 + 40); tb_be16(&t, 0x4444);
	tb_be32(&t, 9);
	tb_u8(&t, 0xff); tb_u8(&t, 0x03); tb_be16(&t, 0x0021);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_RAW, &t, 4, &p, "pptp");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_PPTP, "kind");
	ASSERT_EQ(p.tunnels[0].id, 0x4444, "call id");
	ASSERT_EQ(p.tunnels[0].id2, 9, "sequence");

	/* routing present (RFC 1701): not supported, counted */
	t.n = 0;
	tb_ip4(&t, A4_1, A4_2, 47, 8);
	tb_be16(&t, 0x4000); tb_be16(&t, 0x0800); tb_be32(&t, 0);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "routing");
	ASSERT_EQ(p.undecoded, PKT_UNDEC_UNSUPPORTED, "unsupported");
	ASSERT_EQ(p.undecoded_at, PKT_P_GRE, "gre");
	ASSERT_EQ(p.undecoded_type, 0x4000, "flags");
	ASSERT_EQ(p.ipver, 4, "outer IP kept");
}

static void test_erspan(void)
{
	struct tb t = { 0 };
	struct pkt p;

	/* type I: GRE 0x88be without sequence, Ethernet straight after */
	tb_ip4(&t, A4_1, A4_2, 47, 4 + 14 + 40);
	tb_be16(&t, 0); tb_be16(&t, 0x88be);
	tb_eth(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_RAW, &t, 4, &p, "erspan1");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_ERSPAN1, "kind 1");

	/* type II: sequence 5; version 1, VLAN 100, COS 0, En 3, T 0,
	 * session 0x155, reserved, index 0 */
	t.n = 0;
	tb_ip4(&t, A4_1, A4_2, 47, 8 + 8 + 14 + 40);
	tb_be16(&t, 0x1000); tb_be16(&t, 0x88be); tb_be32(&t, 5);
	tb_be16(&t, 0x1000 | 100); tb_be16(&t, 3u << 11 | 0x155); tb_be32(&t, 0);
	tb_eth(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_RAW, &t, 4, &p, "erspan2");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_ERSPAN2, "kind 2");
	ASSERT_EQ(p.tunnels[0].id, 0x155, "session");
	ASSERT_EQ(p.tunnels[0].vlan, 100, "vlan");
	ASSERT_EQ(p.tunnels[0].id2, 5, "gre sequence");

	/* type III: version 2, VLAN 7, session 3, timestamp, SGT, then
	 * P/FT 0/HwID/D/Gra/O=1 and the 8-byte platform subheader */
	t.n = 0;
	tb_ip4(&t, A4_1, A4_2, 47, 8 + 20 + 14 + 40);
	tb_be16(&t, 0x1000); tb_be16(&t, 0x22eb); tb_be32(&t, 6);
	tb_be16(&t, 0x2000 | 7); tb_be16(&t, 3); tb_be32(&t, 0x11223344); tb_be16(&t, 0);
	tb_be16(&t, 0x0001); tb_zero(&t, 8);
	tb_eth(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_RAW, &t, 4, &p, "erspan3");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_ERSPAN3, "kind 3");
	ASSERT_EQ(p.tunnels[0].id, 3, "session 3");
	ASSERT_EQ(p.tunnels[0].vlan, 7, "vlan 7");
}

static void test_ip_in_ip(void)
{
	struct tb t = { 0 };
	struct pkt p;

	tb_ip4(&t, A4_1, A4_2, 4, 40);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_RAW, &t, 4, &p, "ipip");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_IPIP, "4in4");
	check_outer4(&p.tunnels[0], A4_1, A4_2, 4, "ipip outer");

	t.n = 0;
	tb_ip4(&t, A4_1, A4_2, 41, 60);
	tb_inner(&t, 6);
	check_lt(LINKTYPE_RAW, &t, 6, &p, "6in4");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_6IN4, "6in4 kind");

	t.n = 0;
	tb_ip6(&t, A6_1, A6_2, 4, 40);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_RAW, &t, 4, &p, "4in6");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_4IN6, "4in6 kind");

	/* 6in6 behind a segment routing header (RFC 8754: routing type 4,
	 * one segment: 8 + 16 bytes), as the kernel's seg6 encap writes it */
	t.n = 0;
	tb_ip6(&t, A6_1, A6_2, 43, 24 + 60);
	tb_u8(&t, 41); tb_u8(&t, 2); tb_u8(&t, 4); tb_u8(&t, 0);
	tb_u8(&t, 0); tb_u8(&t, 0); tb_be16(&t, 0);
	tb_put(&t, A6_2, 16);
	tb_inner(&t, 6);
	check_lt(LINKTYPE_RAW, &t, 6, &p, "6in6 srh");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_6IN6, "6in6 kind");
	ASSERT_EQ(p.tunnels[0].ip_proto, 41, "after the routing header");

	/* protocol 4 with an IPv6 packet inside: malformed */
	t.n = 0;
	tb_ip4(&t, A4_1, A4_2, 4, 60);
	tb_inner(&t, 6);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "4 but 6");
	ASSERT_EQ(p.undecoded, PKT_UNDEC_MALFORMED, "malformed");
	ASSERT_EQ(p.ntunnels, 0, "no layer");
}

static void test_udp_tunnels(void)
{
	struct tb t = { 0 };
	struct pkt p;

	/* VXLAN: flags I, VNI 0x00abcd */
	tb_ip4(&t, A4_1, A4_2, 17, 8 + 8 + 14 + 40);
	tb_udp(&t, 51000, 4789, 8 + 14 + 40);
	tb_be32(&t, 0x08000000); tb_be32(&t, 0x00abcd00);
	tb_eth(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_RAW, &t, 4, &p, "vxlan");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_VXLAN, "kind");
	ASSERT_EQ(p.tunnels[0].id, 0xabcd, "vni");
	ASSERT_EQ(p.tunnels[0].sport, 51000, "outer sport");
	ASSERT_EQ(p.tunnels[0].dport, 4789, "outer dport");
	ASSERT_TRUE(p.tunnels[0].flags & PKT_TUN_PORTS, "ports");
	check_outer4(&p.tunnels[0], A4_1, A4_2, 17, "vxlan outer");

	/* VXLAN on Linux's port 8472 with a well-formed header */
	t.b[20 + 2] = 8472 >> 8; t.b[20 + 3] = 8472 & 0xff;
	check_lt(LINKTYPE_RAW, &t, 4, &p, "vxlan 8472");
	/* ... but a DNS-looking payload on 8472 is plain UDP */
	t.b[28] = 0x12;
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "8472 not vxlan");
	ASSERT_EQ(p.ntunnels, 0, "no layer");
	ASSERT_EQ(p.proto, 17, "udp");
	ASSERT_EQ(p.dport, 8472, "udp port");

	/* VXLAN-GPE: flags I|P, next protocol 2 (IPv6), VNI 9 */
	t.n = 0;
	tb_ip4(&t, A4_1, A4_2, 17, 8 + 8 + 60);
	tb_udp(&t, 51000, 4790, 8 + 60);
	tb_be32(&t, 0x0c000002); tb_be32(&t, 0x00000900);
	tb_inner(&t, 6);
	check_lt(LINKTYPE_RAW, &t, 6, &p, "vxlan-gpe");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_VXLAN_GPE, "gpe kind");
	ASSERT_EQ(p.tunnels[0].id, 9, "gpe vni");

	/* Geneve over IPv6: 8 bytes of options (length 2), Ethernet,
	 * VNI 0x010203 */
	t.n = 0;
	tb_ip6(&t, A6_1, A6_2, 17, 8 + 8 + 8 + 14 + 40);
	tb_udp(&t, 50000, 6081, 8 + 8 + 14 + 40);
	tb_u8(&t, 2); tb_u8(&t, 0); tb_be16(&t, 0x6558); tb_be32(&t, 0x01020300);
	tb_be16(&t, 0x0102); tb_u8(&t, 0x80); tb_u8(&t, 1); tb_be32(&t, 0xaabbccdd);
	tb_eth(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_RAW, &t, 4, &p, "geneve");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_GENEVE, "geneve kind");
	ASSERT_EQ(p.tunnels[0].id, 0x010203, "geneve vni");
	ASSERT_EQ(p.tunnels[0].ipver, 6, "geneve over v6");

	/* GTP-U: flags version 1, PT, E and S; G-PDU; TEID 0xcafe0001;
	 * sequence, N-PDU, next extension 0x85 (PDU session container, one
	 * 4-byte unit), then none */
	t.n = 0;
	tb_ip4(&t, A4_1, A4_2, 17, 8 + 16 + 40);
	tb_udp(&t, 2152, 2152, 16 + 40);
	tb_u8(&t, 0x36); tb_u8(&t, 255); tb_be16(&t, 8 + 40); tb_be32(&t, 0xcafe0001);
	tb_be16(&t, 1); tb_u8(&t, 0); tb_u8(&t, 0x85);
	tb_u8(&t, 1); tb_u8(&t, 0x10); tb_u8(&t, 0x09); tb_u8(&t, 0);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_RAW, &t, 4, &p, "gtp-u");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_GTPU, "gtp kind");
	ASSERT_EQ(p.tunnels[0].id, 0xcafe0001, "teid");
	/* GTP echo request: the tunnel, but not IP */
	t.n = 0;
	tb_ip4(&t, A4_1, A4_2, 17, 8 + 12);
	tb_udp(&t, 2152, 2152, 12);
	tb_u8(&t, 0x32); tb_u8(&t, 1); tb_be16(&t, 4); tb_be32(&t, 0); tb_be32(&t, 0);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "gtp echo");
	ASSERT_EQ(p.undecoded, PKT_UNDEC_NOT_IP, "echo not ip");
	ASSERT_EQ(p.undecoded_at, PKT_P_GTPU, "at gtp");
	ASSERT_EQ(p.undecoded_type, 1, "message type");

	/* Teredo: origin indication (8 bytes), then IPv6 */
	t.n = 0;
	tb_ip4(&t, A4_1, A4_2, 17, 8 + 8 + 60);
	tb_udp(&t, 3544, 40001, 8 + 60);
	tb_be16(&t, 0); tb_be16(&t, 0xffff); tb_be32(&t, 0x3fffffff);
	tb_inner(&t, 6);
	check_lt(LINKTYPE_RAW, &t, 6, &p, "teredo");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_TEREDO, "teredo kind");
	ASSERT_EQ(p.tunnels[0].sport, 3544, "teredo server port");

	/* MPLS in UDP, GRE in UDP */
	t.n = 0;
	tb_ip4(&t, A4_1, A4_2, 17, 8 + 4 + 40);
	tb_udp(&t, 49152, 6635, 4 + 40);
	tb_be32(&t, 77u << 12 | 0x100 | 1);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_RAW, &t, 4, &p, "mpls-udp");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_MPLS, "mpls layer");
	ASSERT_EQ(p.tunnels[0].dport, 6635, "over udp");
	t.n = 0;
	tb_ip4(&t, A4_1, A4_2, 17, 8 + 4 + 40);
	tb_udp(&t, 49152, 4754, 4 + 40);
	tb_be16(&t, 0); tb_be16(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_RAW, &t, 4, &p, "gre-udp");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_GRE, "gre layer");
}

static void test_l2tp(void)
{
	struct tb t = { 0 };
	struct pkt p;

	/* L2TPv2 data with length and sequence: flags L|S, version 2,
	 * length, tunnel 11, session 22, Ns, Nr; PPP ff 03 0021 */
	tb_ip4(&t, A4_1, A4_2, 17, 8 + 12 + 4 + 40);
	tb_udp(&t, 1701, 1701, 12 + 4 + 40);
	tb_be16(&t, 0x4802); tb_be16(&t, 12 + 4 + 40); tb_be16(&t, 11); tb_be16(&t, 22);
	tb_be16(&t, 0); tb_be16(&t, 0);
	tb_u8(&t, 0xff); tb_u8(&t, 0x03); tb_be16(&t, 0x0021);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_RAW, &t, 4, &p, "l2tpv2");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_L2TP2, "kind");
	ASSERT_EQ(p.tunnels[0].id, 22, "session");
	ASSERT_EQ(p.tunnels[0].id2, 11, "tunnel");

	/* L2TPv2 control (T, L, S): a tunnel layer, not IP */
	t.n = 0;
	tb_ip4(&t, A4_1, A4_2, 17, 8 + 12);
	tb_udp(&t, 1701, 1701, 12);
	tb_be16(&t, 0xc802); tb_be16(&t, 12); tb_be16(&t, 0); tb_be16(&t, 0);
	tb_be32(&t, 0);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "l2tp control");
	ASSERT_EQ(p.undecoded, PKT_UNDEC_NOT_IP, "control not ip");
	ASSERT_EQ(p.undecoded_at, PKT_P_L2TP2, "at l2tp");

	/* L2TPv3 over IP (115): session 0x01020304, 4-byte cookie, Ethernet */
	t.n = 0;
	tb_ip4(&t, A4_1, A4_2, 115, 4 + 4 + 14 + 40);
	tb_be32(&t, 0x01020304); tb_be32(&t, 0xc00c1e00);
	tb_eth(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_RAW, &t, 4, &p, "l2tpv3 ip");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_L2TP3, "v3 kind");
	ASSERT_EQ(p.tunnels[0].id, 0x01020304, "v3 session");
	ASSERT_EQ(p.tunnels[0].ip_proto, 115, "over ip");

	/* L2TPv3 over UDP: flags/version 3, reserved, session, no cookie,
	 * default L2-specific sublayer (4 bytes), Ethernet */
	t.n = 0;
	tb_ip4(&t, A4_1, A4_2, 17, 8 + 8 + 4 + 14 + 60);
	tb_udp(&t, 1701, 1701, 8 + 4 + 14 + 60);
	tb_be16(&t, 0x0003); tb_be16(&t, 0); tb_be32(&t, 0x99);
	tb_be32(&t, 0x40000001);
	tb_eth(&t, 0x86dd);
	tb_inner(&t, 6);
	check_lt(LINKTYPE_RAW, &t, 6, &p, "l2tpv3 udp");
	ASSERT_EQ(p.tunnels[0].id, 0x99, "v3 udp session");
}

static void test_nested_and_depth(void)
{
	struct tb t = { 0 };
	struct pkt p;

	/* Ethernet, VLAN 10, IPv6, GRE key 5, IPv4, UDP VXLAN VNI 77,
	 * Ethernet, MPLS 16, IPv4 inner */
	tb_eth(&t, 0x8100);
	tb_be16(&t, 10); tb_be16(&t, 0x86dd);
	tb_ip6(&t, A6_1, A6_2, 47, 8 + 20 + 8 + 8 + 14 + 4 + 40);
	tb_be16(&t, 0x2000); tb_be16(&t, 0x0800); tb_be32(&t, 5);
	tb_ip4(&t, B4_1, B4_2, 17, 8 + 8 + 14 + 4 + 40);
	tb_udp(&t, 1234, 4789, 8 + 14 + 4 + 40);
	tb_be32(&t, 0x08000000); tb_be32(&t, 77u << 8);
	tb_eth(&t, 0x8847);
	tb_be32(&t, 16u << 12 | 0x100 | 9);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_ETHERNET, &t, 4, &p, "nested");
	ASSERT_EQ(p.vlan, 10, "outer vlan");
	ASSERT_EQ(p.ntunnels, 3, "three layers");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_GRE, "1: gre");
	ASSERT_EQ(p.tunnels[0].ipver, 6, "1: over v6");
	ASSERT_EQ(p.tunnels[0].id, 5, "1: key");
	ASSERT_EQ(p.tunnels[0].ip_index, 0, "1: first IP header");
	ASSERT_EQ(p.tunnels[1].kind, PKT_P_VXLAN, "2: vxlan");
	check_outer4(&p.tunnels[1], B4_1, B4_2, 17, "2: outer");
	ASSERT_EQ(p.tunnels[1].id, 77, "2: vni");
	ASSERT_EQ(p.tunnels[1].ip_index, 1, "2: second IP header");
	ASSERT_EQ(p.tunnels[2].kind, PKT_P_MPLS, "3: mpls");
	ASSERT_EQ(p.tunnels[2].id, 16, "3: label");
	ASSERT_EQ(p.tunnels[2].ip_index, 1, "3: same IP header as vxlan");
	ASSERT_EQ(p.nip, 3, "three IP headers");

	/* ten IPv4-in-IPv4 layers: the ninth is one too many */
	t.n = 0;
	for (int i = 0; i < 10; i++)
		tb_ip4(&t, A4_1, A4_2, 4, (uint16_t)((9 - i) * 20 + 40));
	tb_inner(&t, 4);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "deep");
	ASSERT_EQ(p.ntunnels, PKT_MAX_TUNNELS, "layers kept");
	ASSERT_EQ(p.undecoded, PKT_UNDEC_TOO_DEEP, "too deep");
	ASSERT_EQ(p.undecoded_at, PKT_P_IPIP, "at ipip");
	ASSERT_TRUE(p.dec_flags & DEC_UNDECODABLE, "undecodable");

	/* VXLAN carrying ARP: the tunnel is recorded, the packet keeps the
	 * outer IP/UDP fields, the reason names the ethertype */
	t.n = 0;
	tb_ip4(&t, A4_1, A4_2, 17, 8 + 8 + 14 + 28);
	tb_udp(&t, 1234, 4789, 8 + 14 + 28);
	tb_be32(&t, 0x08000000); tb_be32(&t, 1u << 8);
	tb_eth(&t, 0x0806);
	tb_zero(&t, 28);
	ASSERT_OK(decode_packet(LINKTYPE_RAW, t.b, t.n, &p), "vxlan arp");
	ASSERT_EQ(p.ntunnels, 1, "layer");
	ASSERT_EQ(p.undecoded, PKT_UNDEC_NOT_IP, "not ip");
	ASSERT_EQ(p.undecoded_type, 0x0806, "arp");
	ASSERT_EQ(p.ipver, 4, "outer ip kept");
	ASSERT_EQ(p.dport, 4789, "outer udp kept");
}

int main(void)
{
	RUN_TEST(test_mpls);
	RUN_TEST(test_gre);
	RUN_TEST(test_erspan);
	RUN_TEST(test_ip_in_ip);
	RUN_TEST(test_udp_tunnels);
	RUN_TEST(test_l2tp);
	RUN_TEST(test_nested_and_depth);
	return test_exit();
}

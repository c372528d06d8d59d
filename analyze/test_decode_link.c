/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of the decoder's link layers (decode_link.c, decode_wlan.c):
 * for every linktype, a frame written out header by header from its
 * specification (pcap-linktype(7), the tcpdump.org LINKTYPE list, the IEEE
 * and RFC layouts named at each test) around the same inner TCP SYN, and
 * the fields expected of it worked out by hand from those bytes.
 */
#include "decode.h"
#include "pcapng.h"
#include "test.h"
#include "test_decode_bytes.h"

TEST_MAIN_STATE;

static void test_ethernet_tags(void)
{
	struct tb t = { 0 };
	struct pkt p;

	/* 802.1ad S-tag 100, 802.1Q C-tag 200 (QinQ) */
	tb_eth(&t, 0x88a8);
	tb_be16(&t, 0x0064);
	tb_be16(&t, 0x8100);
	tb_be16(&t, 0xa0c8); /* PCP 5, VID 200 */
	tb_be16(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_ETHERNET, &t, 4, &p, "qinq");
	ASSERT_EQ(p.vlan, 100, "S-tag");
	ASSERT_EQ(p.vlan_inner, 200, "C-tag");
	ASSERT_EQ(p.vlan_tpid, 0x88a8, "S-tag type");
	ASSERT_EQ(p.vlan_inner_tpid, 0x8100, "C-tag type");
	ASSERT_EQ(p.ntunnels, 0, "tags are not tunnels");

	/* old QinQ type 0x9100 */
	t.n = 0;
	tb_eth(&t, 0x9100);
	tb_be16(&t, 0x0007);
	tb_be16(&t, 0x86dd);
	tb_inner(&t, 6);
	check_lt(LINKTYPE_ETHERNET, &t, 6, &p, "9100");
	ASSERT_EQ(p.vlan, 7, "9100 vid");

	/* VN-tag (4 bytes), then 802.1BR E-tag (6 bytes) */
	t.n = 0;
	tb_eth(&t, 0x8926);
	tb_be32(&t, 0x80010002);
	tb_be16(&t, 0x893f);
	tb_zero(&t, 6);
	tb_be16(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_ETHERNET, &t, 4, &p, "vntag etag");

	/* Cisco metadata: version 1, length 1, option 0x0001, SGT 0x0010 */
	t.n = 0;
	tb_eth(&t, 0x8909);
	tb_u8(&t, 1); tb_u8(&t, 1); tb_be16(&t, 0x0001); tb_be16(&t, 0x0010);
	tb_be16(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_ETHERNET, &t, 4, &p, "cmd sgt");

	/* Cisco FabricPath: outer DA/SA, 0x8903, FTag/TTL, classical frame */
	t.n = 0;
	tb_eth(&t, 0x8903);
	tb_be16(&t, 0x0120);
	tb_eth(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_ETHERNET, &t, 4, &p, "fabricpath");
}

static void test_ethernet_pbb_llc(void)
{
	struct tb t = { 0 };
	struct pkt p;

	/* 802.1ah: B-tag VID 10, I-tag I-SID 0x123456, customer frame */
	tb_eth(&t, 0x88a8);
	tb_be16(&t, 0x000a);
	tb_be16(&t, 0x88e7);
	tb_be32(&t, 0x00123456);
	tb_eth(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_ETHERNET, &t, 4, &p, "pbb");
	ASSERT_EQ(p.ntunnels, 1, "one pbb layer");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_PBB, "kind");
	ASSERT_EQ(p.tunnels[0].id, 0x123456, "I-SID");
	ASSERT_EQ(p.tunnels[0].vlan, 10, "B-VID");
	ASSERT_EQ(p.tunnels[0].ipver, 0, "no outer IP");

	/* 802.3 length, LLC AA AA 03, SNAP OUI 0, type IPv4 (RFC 1042) */
	t.n = 0;
	tb_eth(&t, 8 + 40);
	tb_be16(&t, 0xaaaa); tb_u8(&t, 3); tb_zero(&t, 3); tb_be16(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_ETHERNET, &t, 4, &p, "802.3 snap");

	/* ARP: not IP, counted by its ethertype */
	t.n = 0;
	tb_eth(&t, 0x0806);
	tb_zero(&t, 28);
	ASSERT_OK(decode_packet(LINKTYPE_ETHERNET, t.b, t.n, &p), "arp");
	ASSERT_EQ(p.undecoded, PKT_UNDEC_NOT_IP, "arp not ip");
	ASSERT_EQ(p.undecoded_at, PKT_P_ETHERNET, "at ethernet");
	ASSERT_EQ(p.undecoded_type, 0x0806, "arp type");
	ASSERT_TRUE(p.dec_flags & DEC_UNDECODABLE, "undecodable bit");
	ASSERT_EQ(p.ipver, 0, "no ip");

	/* STP: LLC DSAP 0x42 */
	t.n = 0;
	tb_eth(&t, 38);
	tb_u8(&t, 0x42); tb_u8(&t, 0x42); tb_u8(&t, 3); tb_zero(&t, 35);
	ASSERT_OK(decode_packet(LINKTYPE_ETHERNET, t.b, t.n, &p), "stp");
	ASSERT_EQ(p.undecoded, PKT_UNDEC_NOT_IP, "stp not ip");
	ASSERT_EQ(p.undecoded_at, PKT_P_LLC, "at llc");
	ASSERT_EQ(p.undecoded_type, 0x42, "dsap");
}

static void test_cooked_raw_null(void)
{
	struct tb t = { 0 };
	struct pkt p;

	/* SLL: packet type 4 (outgoing), ARPHRD_ETHER, address length 6,
	 * address (8 bytes), protocol IPv6 */
	tb_be16(&t, 4); tb_be16(&t, 1); tb_be16(&t, 6); tb_zero(&t, 8); tb_be16(&t, 0x86dd);
	tb_inner(&t, 6);
	check_lt(LINKTYPE_LINUX_SLL, &t, 6, &p, "sll");
	ASSERT_EQ(p.dir, PKT_DIR_OUT, "sll outgoing");

	/* SLL protocol 0x0004: 802.2 LLC frame follows */
	t.n = 0;
	tb_be16(&t, 0); tb_be16(&t, 1); tb_be16(&t, 6); tb_zero(&t, 8); tb_be16(&t, 0x0004);
	tb_be16(&t, 0xaaaa); tb_u8(&t, 3); tb_zero(&t, 3); tb_be16(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_LINUX_SLL, &t, 4, &p, "sll llc");
	ASSERT_EQ(p.dir, PKT_DIR_IN, "sll to us");

	/* SLL2 (protocol first) carrying 802.1Q */
	t.n = 0;
	tb_be16(&t, 0x8100); tb_zero(&t, 2); tb_be32(&t, 3); tb_be16(&t, 1);
	tb_u8(&t, 0); tb_u8(&t, 6); tb_zero(&t, 8);
	tb_be16(&t, 0x0005); tb_be16(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_LINUX_SLL2, &t, 4, &p, "sll2 vlan");
	ASSERT_EQ(p.vlan, 5, "sll2 vlan id");
	ASSERT_EQ(p.dir, PKT_DIR_IN, "sll2 host");

	/* raw IP under its four numbers */
	static const uint32_t raw[] = { LINKTYPE_RAW, 12, 14, LINKTYPE_IPV4 };

	for (size_t i = 0; i < 4; i++) {
		t.n = 0;
		tb_inner(&t, 4);
		check_lt(raw[i], &t, 4, &p, "raw ipv4");
	}
	t.n = 0;
	tb_inner(&t, 6);
	check_lt(LINKTYPE_IPV6, &t, 6, &p, "raw ipv6");

	/* loop: big-endian AF_INET6 as OpenBSD (24) */
	t.n = 0;
	tb_be32(&t, 24);
	tb_inner(&t, 6);
	check_lt(LINKTYPE_LOOP, &t, 6, &p, "loop");
	/* null: little-endian AF_INET6 as macOS (30) */
	t.n = 0;
	tb_le32(&t, 30);
	tb_inner(&t, 6);
	check_lt(LINKTYPE_NULL, &t, 6, &p, "null darwin");
	/* null: AF_APPLETALK (16) is not IP */
	t.n = 0;
	tb_le32(&t, 16);
	tb_zero(&t, 20);
	ASSERT_OK(decode_packet(LINKTYPE_NULL, t.b, t.n, &p), "null appletalk");
	ASSERT_EQ(p.undecoded, PKT_UNDEC_NOT_IP, "appletalk");
	ASSERT_EQ(p.undecoded_type, 16, "family");

	/* OpenBSD enc: family, SPI, flags (12 bytes) */
	t.n = 0;
	tb_le32(&t, 2); tb_be32(&t, 0x1000); tb_le32(&t, 0x0400);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_ENC, &t, 4, &p, "enc");

	/* Solaris ipnet: 24 bytes (version 1, family 26) */
	t.n = 0;
	tb_u8(&t, 1); tb_u8(&t, 26); tb_zero(&t, 22);
	tb_inner(&t, 6);
	check_lt(LINKTYPE_IPNET, &t, 6, &p, "ipnet");

	/* SLIP: direction 1 (out), 15 bytes of link header */
	t.n = 0;
	tb_u8(&t, 1); tb_zero(&t, 15);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_SLIP, &t, 4, &p, "slip");
	ASSERT_EQ(p.dir, PKT_DIR_OUT, "slip out");
}

static void test_ppp_family(void)
{
	struct tb t = { 0 };
	struct pkt p;

	/* PPP with address/control, protocol 0x0021 */
	tb_u8(&t, 0xff); tb_u8(&t, 0x03); tb_be16(&t, 0x0021);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_PPP, &t, 4, &p, "ppp");
	/* PPP, address/control omitted, protocol compressed (0x57, IPv6) */
	t.n = 0;
	tb_u8(&t, 0x57);
	tb_inner(&t, 6);
	check_lt(LINKTYPE_PPP, &t, 6, &p, "ppp pfc");
	/* LCP is not IP */
	t.n = 0;
	tb_u8(&t, 0xff); tb_u8(&t, 0x03); tb_be16(&t, 0xc021); tb_zero(&t, 8);
	ASSERT_OK(decode_packet(LINKTYPE_PPP, t.b, t.n, &p), "lcp");
	ASSERT_EQ(p.undecoded, PKT_UNDEC_NOT_IP, "lcp not ip");
	ASSERT_EQ(p.undecoded_at, PKT_P_PPP, "at ppp");
	ASSERT_EQ(p.undecoded_type, 0xc021, "lcp");
	/* VJ-compressed TCP cannot be decoded: unsupported, counted */
	t.n = 0;
	tb_u8(&t, 0xff); tb_u8(&t, 0x03); tb_be16(&t, 0x002d); tb_zero(&t, 8);
	ASSERT_OK(decode_packet(LINKTYPE_PPP, t.b, t.n, &p), "vj");
	ASSERT_EQ(p.undecoded, PKT_UNDEC_UNSUPPORTED, "vj unsupported");

	/* PPP in HDLC-like framing (50), and Cisco HDLC in the same linktype */
	t.n = 0;
	tb_u8(&t, 0xff); tb_u8(&t, 0x03); tb_be16(&t, 0x0021);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_PPP_HDLC, &t, 4, &p, "ppp hdlc");
	t.n = 0;
	tb_u8(&t, 0x0f); tb_u8(&t, 0); tb_be16(&t, 0x86dd);
	tb_inner(&t, 6);
	check_lt(LINKTYPE_PPP_HDLC, &t, 6, &p, "ppp hdlc cisco");

	/* PPPD: direction 1 (out) in place of 0xff, control, protocol */
	t.n = 0;
	tb_u8(&t, 1); tb_u8(&t, 0x03); tb_be16(&t, 0x0021);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_PPP_PPPD, &t, 4, &p, "pppd");
	ASSERT_EQ(p.dir, PKT_DIR_OUT, "pppd out");
	/* PPP_WITH_DIR: direction 0 (in), then a PPP frame */
	t.n = 0;
	tb_u8(&t, 0); tb_u8(&t, 0xff); tb_u8(&t, 0x03); tb_be16(&t, 0x0021);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_PPP_WITH_DIR, &t, 4, &p, "ppp with dir");
	ASSERT_EQ(p.dir, PKT_DIR_IN, "ppp in");

	/* PPPoE session over Ethernet (RFC 2516): ver/type 0x11, code 0,
	 * session 0x0abc, length, PPP protocol 0x0021 */
	t.n = 0;
	tb_eth(&t, 0x8864);
	tb_u8(&t, 0x11); tb_u8(&t, 0); tb_be16(&t, 0x0abc); tb_be16(&t, 2 + 40);
	tb_be16(&t, 0x0021);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_ETHERNET, &t, 4, &p, "pppoe");
	ASSERT_EQ(p.ntunnels, 1, "pppoe layer");
	ASSERT_EQ(p.tunnels[0].kind, PKT_P_PPPOE, "pppoe kind");
	ASSERT_EQ(p.tunnels[0].id, 0x0abc, "session");
	/* the same without Ethernet (linktype 51) */
	memmove(t.b, t.b + 14, t.n - 14);
	t.n -= 14;
	check_lt(LINKTYPE_PPP_ETHER, &t, 4, &p, "ppp_ether");
	ASSERT_EQ(p.tunnels[0].id, 0x0abc, "ppp_ether session");

	/* Cisco HDLC (104, 112) and with direction (205) */
	t.n = 0;
	tb_u8(&t, 0x0f); tb_u8(&t, 0); tb_be16(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_C_HDLC, &t, 4, &p, "chdlc");
	check_lt(LINKTYPE_NETBSD_HDLC, &t, 4, &p, "netbsd hdlc");
	t.n = 0;
	tb_u8(&t, 1); tb_u8(&t, 0x8f); tb_u8(&t, 0); tb_be16(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_C_HDLC_WITH_DIR, &t, 4, &p, "chdlc dir");
	ASSERT_EQ(p.dir, PKT_DIR_OUT, "chdlc out");
	/* SLARP is not IP */
	t.n = 0;
	tb_u8(&t, 0x8f); tb_u8(&t, 0); tb_be16(&t, 0x8035); tb_zero(&t, 20);
	ASSERT_OK(decode_packet(LINKTYPE_C_HDLC, t.b, t.n, &p), "slarp");
	ASSERT_EQ(p.undecoded_at, PKT_P_CHDLC, "at chdlc");
	ASSERT_EQ(p.undecoded_type, 0x8035, "slarp type");
}

static void test_frame_relay(void)
{
	struct tb t = { 0 };
	struct pkt p;

	/* Q.922 2-byte address (DLCI 16: 0x04 0x01), UI, NLPID 0xcc (RFC 2427) */
	tb_u8(&t, 0x04); tb_u8(&t, 0x01); tb_u8(&t, 0x03); tb_u8(&t, 0xcc);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_FRELAY, &t, 4, &p, "fr nlpid ip");
	/* UI, pad, NLPID 0x80 SNAP, OUI 0, PID 0x86dd */
	t.n = 0;
	tb_u8(&t, 0x04); tb_u8(&t, 0x01); tb_u8(&t, 0x03); tb_u8(&t, 0x00); tb_u8(&t, 0x80);
	tb_zero(&t, 3); tb_be16(&t, 0x86dd);
	tb_inner(&t, 6);
	check_lt(LINKTYPE_FRELAY, &t, 6, &p, "fr snap");
	/* Cisco encapsulation: the address, then an ethertype */
	t.n = 0;
	tb_u8(&t, 0x04); tb_u8(&t, 0x01); tb_be16(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_FRELAY, &t, 4, &p, "fr cisco");
	/* with direction (206) */
	t.n = 0;
	tb_u8(&t, 0); tb_u8(&t, 0x04); tb_u8(&t, 0x01); tb_u8(&t, 0x03); tb_u8(&t, 0xcc);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_FRELAY_WITH_DIR, &t, 4, &p, "fr dir");
	ASSERT_EQ(p.dir, PKT_DIR_IN, "fr in");
	/* Q.933 signalling (NLPID 0x08) is not IP */
	t.n = 0;
	tb_u8(&t, 0x00); tb_u8(&t, 0x01); tb_u8(&t, 0x03); tb_u8(&t, 0x08); tb_zero(&t, 6);
	ASSERT_OK(decode_packet(LINKTYPE_FRELAY, t.b, t.n, &p), "q933");
	ASSERT_EQ(p.undecoded_at, PKT_P_FRELAY, "at fr");
	ASSERT_EQ(p.undecoded_type, 0x08, "nlpid");
}

static void test_arcnet(void)
{
	struct tb t = { 0 };
	struct pkt p;

	/* BSD, RFC 1201: source, destination, type 212, split flag 0, seq */
	tb_u8(&t, 1); tb_u8(&t, 2); tb_u8(&t, 212); tb_u8(&t, 0); tb_be16(&t, 7);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_ARCNET_BSD, &t, 4, &p, "arcnet 1201");
	/* exception packet: flag 0xff, 4 more bytes (padding, type, flag 0) */
	t.n = 0;
	tb_u8(&t, 1); tb_u8(&t, 2); tb_u8(&t, 212); tb_u8(&t, 0xff); tb_be16(&t, 0xffff);
	tb_u8(&t, 212); tb_u8(&t, 0); tb_be16(&t, 7);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_ARCNET_BSD, &t, 4, &p, "arcnet exception");
	/* RFC 1051: type 240, no flag */
	t.n = 0;
	tb_u8(&t, 1); tb_u8(&t, 2); tb_u8(&t, 240);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_ARCNET_BSD, &t, 4, &p, "arcnet 1051");
	/* a later fragment (flag 2) */
	t.n = 0;
	tb_u8(&t, 1); tb_u8(&t, 2); tb_u8(&t, 212); tb_u8(&t, 2); tb_be16(&t, 7); tb_zero(&t, 20);
	ASSERT_OK(decode_packet(LINKTYPE_ARCNET_BSD, t.b, t.n, &p), "arcnet frag");
	ASSERT_EQ(p.undecoded, PKT_UNDEC_FRAGMENT, "fragment");
	/* Linux: source, destination, offset (2), type 0xc4 (IPv6), flag, seq */
	t.n = 0;
	tb_u8(&t, 1); tb_u8(&t, 2); tb_be16(&t, 0); tb_u8(&t, 0xc4); tb_u8(&t, 0); tb_be16(&t, 1);
	tb_inner(&t, 6);
	check_lt(LINKTYPE_ARCNET_LINUX, &t, 6, &p, "arcnet linux");
}

static void test_other_lans(void)
{
	struct tb t = { 0 };
	struct pkt p;

	/* IP over InfiniBand: 40 bytes of addresses, type, reserved */
	tb_zero(&t, 40); tb_be16(&t, 0x0800); tb_zero(&t, 2);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_IPOIB, &t, 4, &p, "ipoib");

	/* FDDI: frame control 0x50 (async LLC), addresses, SNAP */
	t.n = 0;
	tb_u8(&t, 0x50); tb_zero(&t, 12);
	tb_be16(&t, 0xaaaa); tb_u8(&t, 3); tb_zero(&t, 3); tb_be16(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_FDDI, &t, 4, &p, "fddi");

	/* Token Ring: AC, FC 0x40 (LLC), DA, SA with the route bit, a
	 * 2-byte routing field (length 2), SNAP */
	t.n = 0;
	tb_u8(&t, 0x10); tb_u8(&t, 0x40); tb_zero(&t, 6);
	tb_u8(&t, 0x82); tb_zero(&t, 5);
	tb_u8(&t, 0x02); tb_u8(&t, 0x00);
	tb_be16(&t, 0xaaaa); tb_u8(&t, 3); tb_zero(&t, 3); tb_be16(&t, 0x86dd);
	tb_inner(&t, 6);
	check_lt(LINKTYPE_IEEE802_5, &t, 6, &p, "token ring");

	/* ATM RFC 1483 LLC/SNAP; ATM CLIP with and without LLC */
	t.n = 0;
	tb_be16(&t, 0xaaaa); tb_u8(&t, 3); tb_zero(&t, 3); tb_be16(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_ATM_RFC1483, &t, 4, &p, "atm 1483");
	check_lt(LINKTYPE_ATM_CLIP, &t, 4, &p, "clip llc");
	t.n = 0;
	tb_inner(&t, 4);
	check_lt(LINKTYPE_ATM_CLIP, &t, 4, &p, "clip raw");
	/* SunATM: type 2 (LLC) transmit, VPI, VCI */
	t.n = 0;
	tb_u8(&t, 0x82); tb_u8(&t, 0); tb_be16(&t, 32);
	tb_be16(&t, 0xaaaa); tb_u8(&t, 3); tb_zero(&t, 3); tb_be16(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_SUNATM, &t, 4, &p, "sunatm");
	ASSERT_EQ(p.dir, PKT_DIR_OUT, "sunatm transmit");

	/* IP over Fibre Channel: 16-byte network header, SNAP */
	t.n = 0;
	tb_zero(&t, 16);
	tb_be16(&t, 0xaaaa); tb_u8(&t, 3); tb_zero(&t, 3); tb_be16(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_IP_OVER_FC, &t, 4, &p, "ip over fc");

	/* IP over IEEE 1394: two EUI-64s, type */
	t.n = 0;
	tb_zero(&t, 16); tb_be16(&t, 0x86dd);
	tb_inner(&t, 6);
	check_lt(LINKTYPE_APPLE_IP_OVER_IEEE1394, &t, 6, &p, "1394");

	/* Symantec firewall: 44 bytes, type at 6 */
	t.n = 0;
	tb_zero(&t, 6); tb_be16(&t, 0x0800); tb_zero(&t, 36);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_SYMANTEC_FIREWALL, &t, 4, &p, "symantec");

	/* netANALYZER: 4-byte status header; transparent: + preamble, SFD */
	t.n = 0;
	tb_zero(&t, 4); tb_eth(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_NETANALYZER, &t, 4, &p, "netanalyzer");
	t.n = 0;
	tb_zero(&t, 4); tb_zero(&t, 7); tb_u8(&t, 0xd5); tb_eth(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_NETANALYZER_TRANSPARENT, &t, 4, &p, "netanalyzer transparent");

	/* DSA switch tags: after the source address (4 or 8 bytes), or
	 * prepended (Broadcom, 4 bytes) */
	t.n = 0;
	tb_zero(&t, 12); tb_be32(&t, 0x20000000); tb_be16(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_DSA_TAG_BRCM, &t, 4, &p, "brcm tag");
	check_lt(LINKTYPE_DSA_TAG_DSA, &t, 4, &p, "dsa tag");
	t.n = 0;
	tb_zero(&t, 12); tb_be16(&t, 0xdada); tb_zero(&t, 2); tb_be32(&t, 0); tb_be16(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_DSA_TAG_EDSA, &t, 4, &p, "edsa tag");
	t.n = 0;
	tb_be32(&t, 0x20000000); tb_eth(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_DSA_TAG_BRCM_PREPEND, &t, 4, &p, "brcm prepend");

	/* MPLS as the link (219): one label, bottom of stack */
	t.n = 0;
	tb_be32(&t, 16u << 12 | 0x100 | 64);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_MPLS, &t, 4, &p, "mpls link");
	ASSERT_EQ(p.tunnels[0].id, 16, "label");
	ASSERT_EQ(p.tunnels[0].count, 1, "one label");

	/* Apple pktap: header length 108, record type 1, DLT 1, rest zero */
	t.n = 0;
	tb_le32(&t, 108); tb_le32(&t, 1); tb_le32(&t, 1); tb_zero(&t, 96);
	tb_eth(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_PKTAP, &t, 4, &p, "pktap");
}

static void test_logs(void)
{
	struct tb t = { 0 };
	struct pkt p;

	/* NFLOG (little-endian TLVs): AF_INET, version 0, resource id 5;
	 * prefix TLV "ab\0" (length 7, padded to 8); payload TLV 9 */
	tb_u8(&t, 2); tb_u8(&t, 0); tb_be16(&t, 5);
	tb_le16(&t, 7); tb_le16(&t, 10); tb_put(&t, "ab", 3); tb_u8(&t, 0);
	tb_le16(&t, 4 + 40); tb_le16(&t, 9);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_NFLOG, &t, 4, &p, "nflog le");
	/* the same with big-endian TLVs */
	t.n = 0;
	tb_u8(&t, 10); tb_u8(&t, 0); tb_be16(&t, 5);
	tb_be16(&t, 8); tb_be16(&t, 2); tb_be32(&t, 0x77);
	tb_be16(&t, 4 + 60); tb_be16(&t, 9);
	tb_inner(&t, 6);
	check_lt(LINKTYPE_NFLOG, &t, 6, &p, "nflog be");

	/* pflog: length 61 (padded to 64), AF_INET, action, reason, ...,
	 * direction 2 (out) at offset 60 */
	t.n = 0;
	tb_u8(&t, 61); tb_u8(&t, 2); tb_zero(&t, 58); tb_u8(&t, 2); tb_zero(&t, 3);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_PFLOG, &t, 4, &p, "pflog");
	ASSERT_EQ(p.dir, PKT_DIR_OUT, "pflog out");
}

/* 802.11 data frame header: frame control (type 2), flags, duration,
 * three addresses, sequence control; QoS control for QoS subtypes. */
static void tb_wlan(struct tb *t, uint8_t fc0, uint8_t fc1)
{
	tb_u8(t, fc0);
	tb_u8(t, fc1);
	tb_zero(t, 2 + 18);
	tb_le16(t, 0x0010); /* sequence 1, fragment 0 */
	if ((fc1 & 3) == 3)
		tb_zero(t, 6);
	if (fc0 & 0x80)
		tb_zero(t, 2);
}

static void tb_snap(struct tb *t, uint16_t type)
{
	tb_be16(t, 0xaaaa);
	tb_u8(t, 3);
	tb_zero(t, 3);
	tb_be16(t, type);
}

static void test_wlan(void)
{
	struct tb t = { 0 };
	struct pkt p;

	/* data, to DS */
	tb_wlan(&t, 0x08, 0x01);
	tb_snap(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_IEEE802_11, &t, 4, &p, "802.11 data");
	/* QoS data, WDS (four addresses) */
	t.n = 0;
	tb_wlan(&t, 0x88, 0x03);
	tb_snap(&t, 0x86dd);
	tb_inner(&t, 6);
	check_lt(LINKTYPE_IEEE802_11, &t, 6, &p, "802.11 qos wds");
	/* protected: encrypted */
	t.n = 0;
	tb_wlan(&t, 0x08, 0x41);
	tb_zero(&t, 48);
	ASSERT_OK(decode_packet(LINKTYPE_IEEE802_11, t.b, t.n, &p), "protected");
	ASSERT_EQ(p.undecoded, PKT_UNDEC_ENCRYPTED, "encrypted");
	/* beacon: management (type 0, subtype 8) */
	t.n = 0;
	tb_u8(&t, 0x80); tb_u8(&t, 0); tb_zero(&t, 40);
	ASSERT_OK(decode_packet(LINKTYPE_IEEE802_11, t.b, t.n, &p), "beacon");
	ASSERT_EQ(p.undecoded, PKT_UNDEC_NOT_IP, "beacon not ip");
	ASSERT_EQ(p.undecoded_type, 0x08, "type 0 subtype 8");

	/* radiotap: version 0, length 12, present Flags|Rate (bits 1, 2):
	 * Flags 0x20 (data pad) at 8, rate at 9, padding to 12. The QoS data
	 * header is 26 bytes, padded to 28. */
	t.n = 0;
	tb_u8(&t, 0); tb_u8(&t, 0); tb_le16(&t, 12); tb_le32(&t, 0x00000006);
	tb_u8(&t, 0x20); tb_u8(&t, 2); tb_zero(&t, 2);
	tb_wlan(&t, 0x88, 0x02);
	tb_zero(&t, 2);
	tb_snap(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_IEEE802_11_RADIOTAP, &t, 4, &p, "radiotap datapad");
	/* radiotap with TSFT (aligned to 8) before Flags 0x10 (FCS at end) */
	t.n = 0;
	tb_u8(&t, 0); tb_u8(&t, 0); tb_le16(&t, 17); tb_le32(&t, 0x00000003);
	tb_zero(&t, 8); tb_u8(&t, 0x10);
	tb_wlan(&t, 0x08, 0x02);
	tb_snap(&t, 0x0800);
	tb_inner(&t, 4);
	tb_be32(&t, 0xdeadbeef); /* FCS */
	check_lt(LINKTYPE_IEEE802_11_RADIOTAP, &t, 4, &p, "radiotap fcs");

	/* PPI: version 0, flags, length 8, DLT 105 */
	t.n = 0;
	tb_u8(&t, 0); tb_u8(&t, 0); tb_le16(&t, 8); tb_le32(&t, 105);
	tb_wlan(&t, 0x08, 0x01);
	tb_snap(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_PPI, &t, 4, &p, "ppi");
	/* Prism: 144 bytes (msgcode 0x44 host order) */
	t.n = 0;
	tb_le32(&t, 0x44); tb_le32(&t, 144); tb_zero(&t, 136);
	tb_wlan(&t, 0x08, 0x01);
	tb_snap(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_IEEE802_11_PRISM, &t, 4, &p, "prism");
	/* AVS: version 0x80211001, length 64; also under the Prism linktype */
	t.n = 0;
	tb_be32(&t, 0x80211001); tb_be32(&t, 64); tb_zero(&t, 56);
	tb_wlan(&t, 0x08, 0x01);
	tb_snap(&t, 0x0800);
	tb_inner(&t, 4);
	check_lt(LINKTYPE_IEEE802_11_AVS, &t, 4, &p, "avs");
	check_lt(LINKTYPE_IEEE802_11_PRISM, &t, 4, &p, "avs as prism");
}

static void test_unknown_linktype(void)
{
	struct tb t = { 0 };
	struct pkt p;
	char s[96];

	tb_inner(&t, 4);
	ASSERT_OK(decode_packet(147, t.b, t.n, &p), "user0");
	ASSERT_EQ(p.undecoded, PKT_UNDEC_UNSUPPORTED, "unsupported");
	ASSERT_EQ(p.undecoded_at, PKT_P_LINKTYPE, "at the linktype");
	ASSERT_EQ(p.undecoded_type, 147, "which");
	ASSERT_TRUE(p.dec_flags & DEC_UNDECODABLE, "undecodable bit");
	ASSERT_FALSE(decode_linktype_known(147), "not known");
	ASSERT_TRUE(decode_linktype_known(LINKTYPE_IPOIB), "ipoib known");
	decode_undecoded_str(&p, s, sizeof(s));
	ASSERT_STREQ(s, "unsupported linktype 147", "text");

	t.n = 0;
	tb_eth(&t, 0x0806);
	ASSERT_OK(decode_packet(LINKTYPE_ETHERNET, t.b, t.n, &p), "arp");
	decode_undecoded_str(&p, s, sizeof(s));
	ASSERT_STREQ(s, "not-ip ethernet type 0x0806", "arp text");
	t.n = 0;
	tb_eth(&t, 0x0800);
	tb_put(&t, INNER4, 10);
	ASSERT_OK(decode_packet(LINKTYPE_ETHERNET, t.b, t.n, &p), "cut");
	decode_undecoded_str(&p, s, sizeof(s));
	ASSERT_STREQ(s, "truncated ipv4", "cut text");
	ASSERT_TRUE(p.dec_flags & DEC_TRUNCATED, "truncated bit");

	/* every listed linktype decodes an empty and a 1-byte packet */
	const uint32_t *lts;
	size_t n = decode_linktypes(&lts);
	uint8_t one = 0x45;

	ASSERT_GE(n, 50, "linktypes listed");
	for (size_t i = 0; i < n; i++) {
		ASSERT_OK(decode_packet(lts[i], NULL, 0, &p), "empty");
		ASSERT_TRUE(p.undecoded, "empty is not decoded");
		ASSERT_OK(decode_packet(lts[i], &one, 1, &p), "one byte");
		ASSERT_TRUE(p.undecoded, "one byte is not decoded");
	}
}

int main(void)
{
	RUN_TEST(test_ethernet_tags);
	RUN_TEST(test_ethernet_pbb_llc);
	RUN_TEST(test_cooked_raw_null);
	RUN_TEST(test_ppp_family);
	RUN_TEST(test_frame_relay);
	RUN_TEST(test_arcnet);
	RUN_TEST(test_other_lans);
	RUN_TEST(test_logs);
	RUN_TEST(test_wlan);
	RUN_TEST(test_unknown_linktype);
	return test_exit();
}

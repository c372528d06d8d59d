/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Link layers (see decode.h): each linktype's header, as pcap-linktype(7)
 * and the tcpdump.org LINKTYPE list define it, down to the protocol number
 * that names what follows, then the ethertype / LLC / PPP dispatch shared by
 * the link layers and by the tunnels that carry link frames. 802.11 and its
 * radio headers are in decode_wlan.c. It does not interpret link addresses
 * or control frames; a frame that carries something other than IP is
 * reported as not-ip with its protocol number.
 */
#include "decode_int.h"
#include "pcapng.h"

/* Every linktype dec_linktype() understands (fuzz_decode.c feeds them all). */
static const uint32_t known_linktypes[] = {
	LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_IEEE802_5, LINKTYPE_ARCNET_BSD,
	LINKTYPE_SLIP, LINKTYPE_PPP, LINKTYPE_FDDI, 12, 14, /* DLT_RAW on some BSDs */
	LINKTYPE_PPP_HDLC, LINKTYPE_PPP_ETHER, LINKTYPE_SYMANTEC_FIREWALL,
	LINKTYPE_ATM_RFC1483, LINKTYPE_RAW, LINKTYPE_SLIP_BSDOS, LINKTYPE_C_HDLC,
	LINKTYPE_IEEE802_11, LINKTYPE_ATM_CLIP, LINKTYPE_FRELAY, LINKTYPE_LOOP,
	LINKTYPE_ENC, LINKTYPE_NETBSD_HDLC, LINKTYPE_LINUX_SLL, LINKTYPE_PFLOG,
	LINKTYPE_IEEE802_11_PRISM, LINKTYPE_IP_OVER_FC, LINKTYPE_SUNATM,
	LINKTYPE_IEEE802_11_RADIOTAP, LINKTYPE_ARCNET_LINUX,
	LINKTYPE_APPLE_IP_OVER_IEEE1394, LINKTYPE_IEEE802_11_AVS, LINKTYPE_PPP_PPPD,
	LINKTYPE_PPI, LINKTYPE_PPP_WITH_DIR, LINKTYPE_C_HDLC_WITH_DIR,
	LINKTYPE_FRELAY_WITH_DIR, LINKTYPE_MPLS, LINKTYPE_IPNET, LINKTYPE_IPV4,
	LINKTYPE_IPV6, LINKTYPE_NFLOG, LINKTYPE_NETANALYZER,
	LINKTYPE_NETANALYZER_TRANSPARENT, LINKTYPE_IPOIB, LINKTYPE_PKTAP,
	LINKTYPE_LINUX_SLL2, LINKTYPE_DSA_TAG_BRCM, LINKTYPE_DSA_TAG_BRCM_PREPEND,
	LINKTYPE_DSA_TAG_DSA, LINKTYPE_DSA_TAG_EDSA,
};

size_t decode_linktypes(const uint32_t **list)
{
	*list = known_linktypes;
	return sizeof(known_linktypes) / sizeof(known_linktypes[0]);
}

bool decode_linktype_known(uint32_t lt)
{
	for (size_t i = 0; i < sizeof(known_linktypes) / sizeof(known_linktypes[0]); i++)
		if (known_linktypes[i] == lt)
			return true;
	return false;
}

/*
 * Ethertype dispatch: IP, the tags that sit between an Ethernet header and
 * its type (802.1Q/802.1ad and the old QinQ types, VN-tag, 802.1BR E-tag,
 * Cisco metadata), the frames that carry a whole Ethernet frame (PBB,
 * FabricPath, transparent Ethernet bridging), MPLS and PPPoE.
 */
void dec_ethertype(struct dec *d, uint16_t et, struct rd *r, enum pkt_proto at)
{
	struct pkt *p = d->p;
	struct pkt_tunnel *t;
	uint16_t tci, u16;
	uint32_t u32;
	uint8_t b0;

	if (!dec_enter(d, at))
		return;
	switch (et) {
	case 0x0800:
	case 0x86dd:
		dec_ip(d, r);
		return;
	case 0x8100: /* 802.1Q */
	case 0x88a8: /* 802.1ad S-tag */
	case 0x9100: case 0x9200: case 0x9300: /* pre-standard QinQ */
		if (!rd_be16(r, &tci) || !rd_be16(r, &u16))
			DEC_TRUNC(d, PKT_P_ETHERNET);
		if (p->vlan < 0) {
			p->vlan = tci & 0x0fff;
			p->vlan_tpid = et;
		} else if (p->vlan_inner < 0) {
			p->vlan_inner = tci & 0x0fff;
			p->vlan_inner_tpid = et;
		}
		dec_ethertype(d, u16, r, PKT_P_ETHERNET);
		return;
	case 0x8926: /* VN-tag: 4 bytes of tag */
	case 0x893f: /* 802.1BR E-tag: 6 bytes */
		if (!rd_skip(r, et == 0x8926 ? 4 : 6) || !rd_be16(r, &u16))
			DEC_TRUNC(d, PKT_P_ETHERNET);
		dec_ethertype(d, u16, r, PKT_P_ETHERNET);
		return;
	case 0x8909: /* Cisco metadata (SGT): version, length, option, SGT */
		if (!rd_skip(r, 6) || !rd_be16(r, &u16))
			DEC_TRUNC(d, PKT_P_ETHERNET);
		dec_ethertype(d, u16, r, PKT_P_ETHERNET);
		return;
	case 0xd28b: { /* Arista timestamp: subtype 1, timescale, format, time */
		uint8_t fmt;

		if (!rd_be16(r, &u16) || !rd_skip(r, 1) || !rd_u8(r, &fmt))
			DEC_TRUNC(d, PKT_P_ETHERNET);
		if (u16 != 1 || ((fmt >> 4) != 1 && (fmt >> 4) != 2))
			DEC_FAIL(d, PKT_UNDEC_UNSUPPORTED, PKT_P_ETHERNET, et);
		if (!rd_skip(r, (fmt >> 4) == 1 ? 8 : 6) || !rd_be16(r, &u16))
			DEC_TRUNC(d, PKT_P_ETHERNET);
		dec_ethertype(d, u16, r, PKT_P_ETHERNET);
		return;
	}
	case 0x8903: /* Cisco FabricPath: FTag/TTL, then the classical frame */
		if (!rd_skip(r, 2))
			DEC_TRUNC(d, PKT_P_ETHERNET);
		dec_ether(d, r);
		return;
	case 0x88e7: /* 802.1ah I-tag: PCP/DEI/UCA, I-SID, customer frame */
		if (!rd_be32(r, &u32))
			DEC_TRUNC(d, PKT_P_PBB);
		t = dec_tunnel_push(d, PKT_P_PBB);
		if (!t)
			return;
		t->id = u32 & 0xffffff;
		t->flags |= PKT_TUN_ID;
		if (p->vlan >= 0) {
			t->vlan = (uint16_t)p->vlan; /* the B-tag */
			t->flags |= PKT_TUN_VLAN;
		}
		t->inner = 0x6558;
		dec_ether(d, r);
		return;
	case 0x6558: /* transparent Ethernet bridging (GRE, Geneve) */
		dec_ether(d, r);
		return;
	case 0x8847:
	case 0x8848:
		dec_mpls(d, r);
		return;
	case 0x8864: /* PPPoE session: ver/type, code, session id, length */
		if (!rd_u8(r, &b0) || !rd_skip(r, 1) || !rd_be16(r, &u16) || !rd_skip(r, 2))
			DEC_TRUNC(d, PKT_P_PPPOE);
		if (b0 != 0x11)
			DEC_FAIL(d, PKT_UNDEC_UNSUPPORTED, PKT_P_PPPOE, b0);
		t = dec_tunnel_push(d, PKT_P_PPPOE);
		if (!t)
			return;
		t->id = u16;
		t->flags |= PKT_TUN_ID;
		dec_ppp(d, r);
		return;
	case 0x880b: /* PPP (in GRE) */
		dec_ppp(d, r);
		return;
	case 0x88e5: { /* MACsec SecTAG: TCI/AN, SL, PN, SCI when SC is set */
		uint8_t tcian;

		if (!rd_u8(r, &tcian) || !rd_skip(r, 5) || ((tcian & 0x20) && !rd_skip(r, 8)))
			DEC_TRUNC(d, PKT_P_ETHERNET);
		if (tcian & 0x0c) /* E or C: encrypted or modified */
			DEC_FAIL(d, PKT_UNDEC_ENCRYPTED, at, et);
		if (!rd_be16(r, &u16)) /* integrity only: the frame's type follows */
			DEC_TRUNC(d, PKT_P_ETHERNET);
		dec_ethertype(d, u16, r, PKT_P_ETHERNET);
		return;
	}
	default:
		dec_fail(d, PKT_UNDEC_NOT_IP, at, et);
		return;
	}
}

/* An Ethernet frame: destination, source, type or 802.3 length. */
void dec_ether(struct dec *d, struct rd *r)
{
	uint16_t et, u16;

	if (!rd_skip(r, 12) || !rd_be16(r, &et))
		DEC_TRUNC(d, PKT_P_ETHERNET);
	if (et >= 0x0600) {
		dec_ethertype(d, et, r, PKT_P_ETHERNET);
		return;
	}
	if (et > 1500)
		DEC_FAIL(d, PKT_UNDEC_MALFORMED, PKT_P_ETHERNET, et);
	if (rd_peek16(r, 0, &u16) && u16 == 0xffff) /* "raw" 802.3: Novell IPX */
		DEC_FAIL(d, PKT_UNDEC_NOT_IP, PKT_P_ETHERNET, 0x8137);
	if (!dec_enter(d, PKT_P_ETHERNET))
		return;
	dec_llc(d, r);
}

/* 802.2 LLC, and SNAP behind it (RFC 1042). */
void dec_llc(struct dec *d, struct rd *r)
{
	uint8_t dsap, ssap, ctrl;
	uint32_t oui;
	uint16_t pid;

	if (!rd_u8(r, &dsap) || !rd_u8(r, &ssap) || !rd_u8(r, &ctrl))
		DEC_TRUNC(d, PKT_P_LLC);
	if ((ctrl & 3) != 3 && !rd_skip(r, 1)) /* I and S frames: 2-byte control */
		DEC_TRUNC(d, PKT_P_LLC);
	if (dsap == 0xaa && ssap == 0xaa) {
		if (!rd_be24(r, &oui) || !rd_be16(r, &pid))
			DEC_TRUNC(d, PKT_P_LLC);
		if (oui == 0 || oui == 0xf8) { /* RFC 1042, 802.1H: an ethertype */
			dec_ethertype(d, pid, r, PKT_P_LLC);
			return;
		}
		if (oui == 0x0080c2 && (pid == 0x0001 || pid == 0x0007)) {
			/* RFC 2684 bridged Ethernet, with (1) or without (7) FCS,
			 * after 2 bytes of padding */
			if (!rd_skip(r, 2))
				DEC_TRUNC(d, PKT_P_LLC);
			if (dec_enter(d, PKT_P_LLC))
				dec_ether(d, r);
			return;
		}
		DEC_FAIL(d, PKT_UNDEC_NOT_IP, PKT_P_LLC, oui << 8 | (pid & 0xff));
	}
	if (dsap == 0x06) { /* the IP SAP */
		if (dec_enter(d, PKT_P_LLC))
			dec_ip(d, r);
		return;
	}
	dec_fail(d, PKT_UNDEC_NOT_IP, PKT_P_LLC, dsap);
}

/*
 * A PPP frame (RFC 1661): the HDLC address and control bytes (ff 03) when
 * present, then the protocol, one byte when compressed (RFC 1661 §6.5: an
 * odd first byte).
 */
void dec_ppp(struct dec *d, struct rd *r)
{
	uint8_t a, c;
	uint16_t proto;

	if (rd_peek(r, 0, &a) && rd_peek(r, 1, &c) && a == 0xff && c == 0x03)
		rd_skip(r, 2);
	if (!rd_u8(r, &a))
		DEC_TRUNC(d, PKT_P_PPP);
	proto = a;
	if (!(a & 1)) {
		if (!rd_u8(r, &c))
			DEC_TRUNC(d, PKT_P_PPP);
		proto = (uint16_t)(a << 8 | c);
	}
	if (!dec_enter(d, PKT_P_PPP))
		return;
	switch (proto) {
	case 0x0021: case 0x0057:
		dec_ip(d, r);
		return;
	case 0x0281: case 0x0283:
		dec_mpls(d, r);
		return;
	case 0x0031: /* bridged Ethernet (RFC 3518): flags, pad */
		if (!rd_skip(r, 2))
			DEC_TRUNC(d, PKT_P_PPP);
		dec_ether(d, r);
		return;
	case 0x002d: case 0x002f: /* Van Jacobson compressed TCP/IP */
	case 0x00fd: case 0x00fb: /* compressed datagrams (CCP) */
		DEC_FAIL(d, PKT_UNDEC_UNSUPPORTED, PKT_P_PPP, proto);
	case 0x0053: case 0x0055: /* encrypted (ECP) */
		DEC_FAIL(d, PKT_UNDEC_ENCRYPTED, PKT_P_PPP, proto);
	default:
		DEC_FAIL(d, PKT_UNDEC_NOT_IP, PKT_P_PPP, proto);
	}
}

/* Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control, ethertype. */
static void dec_chdlc(struct dec *d, struct rd *r)
{
	uint16_t proto;

	if (!rd_skip(r, 2) || !rd_be16(r, &proto))
		DEC_TRUNC(d, PKT_P_CHDLC);
	dec_ethertype(d, proto, r, PKT_P_CHDLC);
}

/* Frame Relay (Q.922 address, RFC 2427 multiprotocol encapsulation, or
 * Cisco's: an ethertype straight after the address). */
static void dec_frelay(struct dec *d, struct rd *r)
{
	uint8_t a, ctl, nlpid;
	size_t alen = 0;
	uint16_t et;

	do {
		if (!rd_u8(r, &a))
			DEC_TRUNC(d, PKT_P_FRELAY);
		alen++;
	} while (!(a & 1) && alen < 4);
	if (!(a & 1) || alen < 2)
		DEC_FAIL(d, PKT_UNDEC_MALFORMED, PKT_P_FRELAY, a);
	if (!rd_peek(r, 0, &ctl))
		DEC_TRUNC(d, PKT_P_FRELAY);
	if (ctl != 0x03) {
		if (!rd_be16(r, &et))
			DEC_TRUNC(d, PKT_P_FRELAY);
		dec_ethertype(d, et, r, PKT_P_FRELAY);
		return;
	}
	rd_skip(r, 1);
	if (!rd_u8(r, &nlpid))
		DEC_TRUNC(d, PKT_P_FRELAY);
	if (nlpid == 0 && !rd_u8(r, &nlpid)) /* pad byte */
		DEC_TRUNC(d, PKT_P_FRELAY);
	if (!dec_enter(d, PKT_P_FRELAY))
		return;
	switch (nlpid) {
	case 0xcc: case 0x8e:
		dec_ip(d, r);
		return;
	case 0x80: { /* SNAP: OUI, PID */
		uint32_t oui;

		if (!rd_be24(r, &oui) || !rd_be16(r, &et))
			DEC_TRUNC(d, PKT_P_FRELAY);
		if (oui == 0) {
			dec_ethertype(d, et, r, PKT_P_FRELAY);
			return;
		}
		if (oui == 0x0080c2 && (et == 0x0001 || et == 0x0007)) {
			dec_ether(d, r);
			return;
		}
		DEC_FAIL(d, PKT_UNDEC_NOT_IP, PKT_P_FRELAY, 0x80);
	}
	case 0xcf:
		dec_ppp(d, r);
		return;
	default:
		DEC_FAIL(d, PKT_UNDEC_NOT_IP, PKT_P_FRELAY, nlpid);
	}
}

/* ARCNET: RFC 1051 (old, 3-byte header) and RFC 1201 (split flag and
 * sequence; an exception packet repeats them after 4 more bytes). */
static void dec_arcnet(struct dec *d, struct rd *r, bool linux_hdr)
{
	uint8_t type, flag;

	if (linux_hdr ? !rd_skip(r, 4) : !rd_skip(r, 2))
		DEC_TRUNC(d, PKT_P_ARCNET);
	if (!rd_u8(r, &type))
		DEC_TRUNC(d, PKT_P_ARCNET);
	if (type != 240 && type != 241 && type != 0x80) { /* RFC 1201 framing */
		if (!rd_u8(r, &flag))
			DEC_TRUNC(d, PKT_P_ARCNET);
		if (!linux_hdr && flag == 0xff) {
			if (!rd_skip(r, 2 + 1) || !rd_u8(r, &flag)) /* seqid, type, flag */
				DEC_TRUNC(d, PKT_P_ARCNET);
		}
		if (!rd_skip(r, 2))
			DEC_TRUNC(d, PKT_P_ARCNET);
		if (flag && !(flag & 1)) /* a later fragment of a split packet */
			DEC_FAIL(d, PKT_UNDEC_FRAGMENT, PKT_P_ARCNET, type);
	}
	if (!dec_enter(d, PKT_P_ARCNET))
		return;
	if (type == 212 || type == 240 || type == 0xc4)
		dec_ip(d, r);
	else
		dec_fail(d, PKT_UNDEC_NOT_IP, PKT_P_ARCNET, type);
}

/* BSD null (family in the capturing host's order) and loop (big-endian). */
static void dec_null(struct dec *d, struct rd *r, bool loop)
{
	uint8_t b[4];
	uint32_t fam;

	if (!rd_copy(r, b, 4))
		DEC_TRUNC(d, PKT_P_NULL);
	fam = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	if (!loop && fam > 0xffff) /* little-endian capture host */
		fam = b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	switch (fam) {
	case 2: /* AF_INET */
	case 10: case 24: case 28: case 30: /* AF_INET6: Linux, *BSD, FreeBSD, Darwin */
		if (dec_enter(d, PKT_P_NULL))
			dec_ip(d, r);
		return;
	default:
		dec_fail(d, PKT_UNDEC_NOT_IP, PKT_P_NULL, fam);
	}
}

/* OpenBSD pflog: length (padded to 4), family, ..., direction at 60. */
static void dec_pflog(struct dec *d, struct rd *r)
{
	uint8_t hl, af, dir;

	if (!rd_peek(r, 0, &hl) || !rd_peek(r, 1, &af))
		DEC_TRUNC(d, PKT_P_NULL);
	if (hl < 61)
		DEC_FAIL(d, PKT_UNDEC_MALFORMED, PKT_P_NULL, hl);
	if (!rd_peek(r, 60, &dir) || !rd_skip(r, (hl + 3u) & ~3u))
		DEC_TRUNC(d, PKT_P_NULL);
	if (dir == 1)
		d->p->dir = PKT_DIR_IN;
	else if (dir == 2)
		d->p->dir = PKT_DIR_OUT;
	if (af != 2 && af != 10 && af != 24 && af != 28 && af != 30)
		DEC_FAIL(d, PKT_UNDEC_NOT_IP, PKT_P_NULL, af);
	if (dec_enter(d, PKT_P_NULL))
		dec_ip(d, r);
}

/*
 * Linux NFLOG: family, version, resource id, then TLVs (length including
 * the 4-byte TLV header, padded to 4; length and type in the logging host's
 * byte order, which the file does not say: taken as little-endian unless
 * the first TLV only makes sense big-endian). The packet is TLV 9.
 */
static void dec_nflog(struct dec *d, struct rd *r)
{
	uint8_t fam, ver;
	bool be = false;
	struct rd t;
	uint16_t len = 0, type = 0;

	if (!rd_u8(r, &fam) || !rd_u8(r, &ver) || !rd_skip(r, 2))
		DEC_TRUNC(d, PKT_P_NFLOG);
	if (ver != 0)
		DEC_FAIL(d, PKT_UNDEC_UNSUPPORTED, PKT_P_NFLOG, ver);
	if (rd_has(r, 4)) {
		t = *r;
		rd_le16(&t, &len);
		rd_le16(&t, &type);
		be = len < 4 || (type & 0x3fff) > 0xff;
	}
	for (int i = 0; i < 64; i++) {
		t = *r;
		if (!(be ? rd_be16(&t, &len) : rd_le16(&t, &len)) ||
		    !(be ? rd_be16(&t, &type) : rd_le16(&t, &type)))
			DEC_TRUNC(d, PKT_P_NFLOG);
		if (len < 4)
			DEC_FAIL(d, PKT_UNDEC_MALFORMED, PKT_P_NFLOG, len);
		if ((type & 0x3fff) == 9) {
			struct rd pl = rd_sub(&t, len - 4u);

			if (fam != 2 && fam != 10)
				DEC_FAIL(d, PKT_UNDEC_NOT_IP, PKT_P_NFLOG, fam);
			if (dec_enter(d, PKT_P_NFLOG))
				dec_ip(d, &pl);
			return;
		}
		if (!rd_skip(r, (len + 3u) & ~3u))
			DEC_TRUNC(d, PKT_P_NFLOG);
	}
	dec_fail(d, PKT_UNDEC_MALFORMED, PKT_P_NFLOG, 0);
}

static void sll_pkttype(uint16_t t, struct pkt *p)
{
	if (t == 4)
		p->dir = PKT_DIR_OUT;
	else if (t <= 3)
		p->dir = PKT_DIR_IN;
}

/* The Linux cooked protocol field: an ethertype, or one of the
 * <linux/if_ether.h> values below 0x600 (0x0004: 802.2 LLC). */
static void dec_sll_proto(struct dec *d, uint16_t hatype, uint16_t proto, struct rd *r)
{
	if (hatype == 824) /* ARPHRD_NETLINK */
		DEC_FAIL(d, PKT_UNDEC_NOT_IP, PKT_P_SLL, proto);
	if (proto == 0x0004) {
		if (dec_enter(d, PKT_P_SLL))
			dec_llc(d, r);
		return;
	}
	if (proto < 0x0600)
		DEC_FAIL(d, PKT_UNDEC_NOT_IP, PKT_P_SLL, proto);
	dec_ethertype(d, proto, r, PKT_P_SLL);
}

/* Ethernet with a switch tag between the source address and the type. */
static void dec_ether_tagged(struct dec *d, struct rd *r, size_t taglen)
{
	uint16_t et;

	if (!rd_skip(r, 12 + taglen) || !rd_be16(r, &et))
		DEC_TRUNC(d, PKT_P_ETHERNET);
	dec_ethertype(d, et, r, PKT_P_ETHERNET);
}

/* Apple pktap: header length, record type, DLT (little-endian), ... */
static void dec_pktap(struct dec *d, struct rd *r)
{
	struct rd h = *r;
	uint32_t hl, rectype, dlt;

	if (!rd_le32(&h, &hl) || !rd_le32(&h, &rectype) || !rd_le32(&h, &dlt))
		DEC_TRUNC(d, PKT_P_RADIO);
	if (hl < 12)
		DEC_FAIL(d, PKT_UNDEC_MALFORMED, PKT_P_RADIO, hl);
	if (rectype != 1)
		DEC_FAIL(d, PKT_UNDEC_NOT_IP, PKT_P_RADIO, rectype);
	if (!rd_skip(r, hl))
		DEC_TRUNC(d, PKT_P_RADIO);
	if (dlt == LINKTYPE_PKTAP) /* would loop */
		DEC_FAIL(d, PKT_UNDEC_MALFORMED, PKT_P_RADIO, dlt);
	dec_linktype(d, dlt == 12 ? LINKTYPE_RAW : dlt, r);
}

void dec_linktype(struct dec *d, uint32_t lt, struct rd *r)
{
	struct pkt *p = d->p;
	uint16_t u16, hatype, pkttype;
	uint8_t u8;

	if (!dec_enter(d, PKT_P_LINKTYPE))
		return;
	switch (lt) {
	case LINKTYPE_ETHERNET:
		dec_ether(d, r);
		return;
	case LINKTYPE_NETANALYZER: /* 4-byte status header, frame with FCS */
	case LINKTYPE_NETANALYZER_TRANSPARENT: /* ... and preamble + SFD */
		if (!rd_skip(r, lt == LINKTYPE_NETANALYZER ? 4 : 12))
			DEC_TRUNC(d, PKT_P_LINKTYPE);
		dec_ether(d, r);
		return;
	case LINKTYPE_DSA_TAG_BRCM:
	case LINKTYPE_DSA_TAG_DSA:
		dec_ether_tagged(d, r, 4);
		return;
	case LINKTYPE_DSA_TAG_EDSA:
		dec_ether_tagged(d, r, 8);
		return;
	case LINKTYPE_DSA_TAG_BRCM_PREPEND:
		if (!rd_skip(r, 4))
			DEC_TRUNC(d, PKT_P_LINKTYPE);
		dec_ether(d, r);
		return;
	case LINKTYPE_RAW: case 12: case 14:
		dec_ip(d, r);
		return;
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
		if (rd_peek(r, 0, &u8) && (u8 >> 4) != (lt == LINKTYPE_IPV4 ? 4 : 6))
			DEC_FAIL(d, PKT_UNDEC_MALFORMED, PKT_P_LINKTYPE, lt);
		dec_ip(d, r);
		return;
	case LINKTYPE_SLIP: /* 16-byte header: direction, link header */
	case LINKTYPE_SLIP_BSDOS:
		if (!rd_u8(r, &u8) || !rd_skip(r, 15))
			DEC_TRUNC(d, PKT_P_LINKTYPE);
		if (lt == LINKTYPE_SLIP)
			p->dir = u8 == 0 ? PKT_DIR_IN : u8 == 1 ? PKT_DIR_OUT : PKT_DIR_UNKNOWN;
		dec_ip(d, r);
		return;
	case LINKTYPE_IPNET: /* Solaris: 24-byte header */
		if (!rd_skip(r, 24))
			DEC_TRUNC(d, PKT_P_LINKTYPE);
		dec_ip(d, r);
		return;
	case LINKTYPE_ENC: /* OpenBSD enc: family, SPI, flags */
		if (!rd_skip(r, 12))
			DEC_TRUNC(d, PKT_P_LINKTYPE);
		dec_ip(d, r);
		return;
	case LINKTYPE_NULL:
	case LINKTYPE_LOOP:
		dec_null(d, r, lt == LINKTYPE_LOOP);
		return;
	case LINKTYPE_PFLOG:
		dec_pflog(d, r);
		return;
	case LINKTYPE_NFLOG:
		dec_nflog(d, r);
		return;
	case LINKTYPE_LINUX_SLL:
		/* packet type, ARPHRD type, address length, address, protocol */
		if (!rd_be16(r, &pkttype) || !rd_be16(r, &hatype) || !rd_skip(r, 10) ||
		    !rd_be16(r, &u16))
			DEC_TRUNC(d, PKT_P_SLL);
		sll_pkttype(pkttype, p);
		dec_sll_proto(d, hatype, u16, r);
		return;
	case LINKTYPE_LINUX_SLL2:
		/* protocol, reserved, ifindex, ARPHRD type, packet type, address */
		if (!rd_be16(r, &u16) || !rd_skip(r, 6) || !rd_be16(r, &hatype) ||
		    !rd_u8(r, &u8) || !rd_skip(r, 9))
			DEC_TRUNC(d, PKT_P_SLL);
		sll_pkttype(u8, p);
		dec_sll_proto(d, hatype, u16, r);
		return;
	case LINKTYPE_PPP_WITH_DIR:
	case LINKTYPE_C_HDLC_WITH_DIR:
	case LINKTYPE_FRELAY_WITH_DIR:
	case LINKTYPE_PPP_PPPD:
		if (!rd_u8(r, &u8))
			DEC_TRUNC(d, PKT_P_LINKTYPE);
		p->dir = u8 ? PKT_DIR_OUT : PKT_DIR_IN;
		if (lt == LINKTYPE_C_HDLC_WITH_DIR)
			dec_chdlc(d, r);
		else if (lt == LINKTYPE_FRELAY_WITH_DIR)
			dec_frelay(d, r);
		else {
			/* PPPD: the direction replaced the 0xff address byte */
			if (lt == LINKTYPE_PPP_PPPD && rd_peek(r, 0, &u8) && u8 == 0x03)
				rd_skip(r, 1);
			dec_ppp(d, r);
		}
		return;
	case LINKTYPE_PPP:
		dec_ppp(d, r);
		return;
	case LINKTYPE_PPP_HDLC: /* RFC 1662 framing (ff 03) or Cisco (0f/8f) */
		if (!rd_peek(r, 0, &u8))
			DEC_TRUNC(d, PKT_P_LINKTYPE);
		if (u8 == 0x0f || u8 == 0x8f)
			dec_chdlc(d, r);
		else if (u8 == 0xff)
			dec_ppp(d, r);
		else
			dec_fail(d, PKT_UNDEC_UNSUPPORTED, PKT_P_PPP, u8);
		return;
	case LINKTYPE_PPP_ETHER: /* a PPPoE header without Ethernet */
		dec_ethertype(d, 0x8864, r, PKT_P_LINKTYPE);
		return;
	case LINKTYPE_C_HDLC:
	case LINKTYPE_NETBSD_HDLC:
		dec_chdlc(d, r);
		return;
	case LINKTYPE_FRELAY:
		dec_frelay(d, r);
		return;
	case LINKTYPE_MPLS:
		dec_mpls(d, r);
		return;
	case LINKTYPE_ARCNET_BSD:
	case LINKTYPE_ARCNET_LINUX:
		dec_arcnet(d, r, lt == LINKTYPE_ARCNET_LINUX);
		return;
	case LINKTYPE_IPOIB: /* 40 bytes of addresses, type, reserved */
		if (!rd_skip(r, 40) || !rd_be16(r, &u16) || !rd_skip(r, 2))
			DEC_TRUNC(d, PKT_P_LINKTYPE);
		dec_ethertype(d, u16, r, PKT_P_ETHERNET);
		return;
	case LINKTYPE_APPLE_IP_OVER_IEEE1394: /* two EUI-64s, type */
		if (!rd_skip(r, 16) || !rd_be16(r, &u16))
			DEC_TRUNC(d, PKT_P_LINKTYPE);
		dec_ethertype(d, u16, r, PKT_P_ETHERNET);
		return;
	case LINKTYPE_SYMANTEC_FIREWALL: /* type at 6 of a 44-byte header */
		if (!rd_skip(r, 6) || !rd_be16(r, &u16) || !rd_skip(r, 36))
			DEC_TRUNC(d, PKT_P_LINKTYPE);
		if (u16 < 0x0600)
			DEC_FAIL(d, PKT_UNDEC_NOT_IP, PKT_P_ETHERNET, u16);
		dec_ethertype(d, u16, r, PKT_P_ETHERNET);
		return;
	case LINKTYPE_FDDI: /* frame control, addresses, LLC */
		if (!rd_u8(r, &u8) || !rd_skip(r, 12))
			DEC_TRUNC(d, PKT_P_LINKTYPE);
		if ((u8 & 0x30) != 0x10)
			DEC_FAIL(d, PKT_UNDEC_NOT_IP, PKT_P_LLC, u8);
		dec_llc(d, r);
		return;
	case LINKTYPE_IEEE802_5: { /* AC, FC, addresses, routing info, LLC */
		uint8_t fc, sa0, rif;

		if (!rd_skip(r, 1) || !rd_u8(r, &fc) || !rd_skip(r, 6) || !rd_peek(r, 0, &sa0) ||
		    !rd_skip(r, 6))
			DEC_TRUNC(d, PKT_P_LINKTYPE);
		if ((fc & 0xc0) != 0x40)
			DEC_FAIL(d, PKT_UNDEC_NOT_IP, PKT_P_LLC, fc);
		if (sa0 & 0x80) {
			if (!rd_peek(r, 0, &rif) || !rd_skip(r, rif & 0x1f))
				DEC_TRUNC(d, PKT_P_LINKTYPE);
		}
		dec_llc(d, r);
		return;
	}
	case LINKTYPE_IP_OVER_FC: /* RFC 2625 network header, LLC */
		if (!rd_skip(r, 16))
			DEC_TRUNC(d, PKT_P_LINKTYPE);
		dec_llc(d, r);
		return;
	case LINKTYPE_ATM_RFC1483:
		dec_llc(d, r);
		return;
	case LINKTYPE_ATM_CLIP: /* LLC/SNAP if present, else IP */
		if (rd_peek16(r, 0, &u16) && u16 == 0xaaaa)
			dec_llc(d, r);
		else
			dec_ip(d, r);
		return;
	case LINKTYPE_SUNATM: /* direction/type, VPI, VCI, then the PDU */
		if (!rd_u8(r, &u8) || !rd_skip(r, 3))
			DEC_TRUNC(d, PKT_P_LINKTYPE);
		p->dir = (u8 & 0x80) ? PKT_DIR_OUT : PKT_DIR_IN;
		if ((u8 & 0x0f) == 1) { /* LANE: LE header, then Ethernet */
			if (!rd_skip(r, 2))
				DEC_TRUNC(d, PKT_P_LINKTYPE);
			dec_ether(d, r);
		} else {
			dec_llc(d, r);
		}
		return;
	case LINKTYPE_IEEE802_11:
		dec_ieee80211(d, r, false);
		return;
	case LINKTYPE_IEEE802_11_RADIOTAP:
		dec_radiotap(d, r);
		return;
	case LINKTYPE_PPI:
		dec_ppi(d, r);
		return;
	case LINKTYPE_IEEE802_11_PRISM:
		dec_prism(d, r);
		return;
	case LINKTYPE_IEEE802_11_AVS:
		dec_avs(d, r);
		return;
	case LINKTYPE_PKTAP:
		dec_pktap(d, r);
		return;
	default:
		dec_fail(d, PKT_UNDEC_UNSUPPORTED, PKT_P_LINKTYPE, lt);
		return;
	}
}

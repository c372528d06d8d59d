/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * IEEE 802.11 data frames and the radio headers captures put before them
 * (radiotap, PPI, Prism, AVS), down to the LLC/SNAP header that names what
 * the frame carries. Management and control frames, null-data frames,
 * protected (encrypted) frames and later fragments are reported, not
 * decoded: with no keys and no reassembly there is no IP to find in them.
 * Radio fields (rates, signal) are not read, except radiotap's flags, which
 * say whether padding follows the 802.11 header.
 */
#include "decode_int.h"
#include "pcapng.h"

/*
 * An 802.11 frame (IEEE 802.11-2020 §9.2): frame control, duration, three
 * addresses, sequence control, a fourth address when both DS bits are set,
 * QoS control in QoS data subtypes, HT control when such a frame has the
 * +HTC/Order bit. datapad: radiotap said the header is padded to 4 bytes.
 */
void dec_ieee80211(struct dec *d, struct rd *r, bool datapad)
{
	uint8_t fc0, fc1, qos0 = 0;
	uint16_t seqctl;
	size_t start = r->pos, hl;
	unsigned type, subtype;

	if (!dec_enter(d, PKT_P_IEEE80211))
		return;
	if (!rd_u8(r, &fc0) || !rd_u8(r, &fc1))
		DEC_TRUNC(d, PKT_P_IEEE80211);
	type = (fc0 >> 2) & 3;
	subtype = fc0 >> 4;
	if ((fc0 & 3) != 0)
		DEC_FAIL(d, PKT_UNDEC_UNSUPPORTED, PKT_P_IEEE80211, fc0);
	if (type != 2 || (subtype & 0x4)) /* not data, or no body (null data) */
		DEC_FAIL(d, PKT_UNDEC_NOT_IP, PKT_P_IEEE80211, type << 4 | subtype);
	if (!rd_skip(r, 2 + 18) || !rd_le16(r, &seqctl))
		DEC_TRUNC(d, PKT_P_IEEE80211);
	if ((fc1 & 3) == 3 && !rd_skip(r, 6))
		DEC_TRUNC(d, PKT_P_IEEE80211);
	if (subtype & 0x8) {
		if (!rd_u8(r, &qos0) || !rd_skip(r, 1))
			DEC_TRUNC(d, PKT_P_IEEE80211);
		if ((fc1 & 0x80) && !rd_skip(r, 4))
			DEC_TRUNC(d, PKT_P_IEEE80211);
	}
	hl = r->pos - start;
	if (datapad && (hl & 3) && !rd_skip(r, 4 - (hl & 3)))
		DEC_TRUNC(d, PKT_P_IEEE80211);
	if (fc1 & 0x40)
		DEC_FAIL(d, PKT_UNDEC_ENCRYPTED, PKT_P_IEEE80211, type << 4 | subtype);
	if (seqctl & 0x000f) /* fragment number: not the first fragment */
		DEC_FAIL(d, PKT_UNDEC_FRAGMENT, PKT_P_IEEE80211, type << 4 | subtype);
	if (qos0 & 0x80) { /* A-MSDU: the first subframe's DA, SA, length */
		if (!rd_skip(r, 14))
			DEC_TRUNC(d, PKT_P_IEEE80211);
	}
	dec_llc(d, r);
}

/*
 * Radiotap (radiotap.org): version 0, pad, length and the present bitmaps
 * (little-endian, chained by bit 31); fields are aligned to their size from
 * the header's start. Only TSFT (bit 0, 8 bytes) can precede Flags (bit 1).
 */
void dec_radiotap(struct dec *d, struct rd *r)
{
	struct rd h = *r;
	uint8_t ver, flags = 0;
	uint16_t len;
	uint32_t present, word;
	size_t off;

	if (!rd_u8(&h, &ver) || !rd_skip(&h, 1) || !rd_le16(&h, &len) || !rd_le32(&h, &present))
		DEC_TRUNC(d, PKT_P_RADIO);
	if (ver != 0 || len < 8)
		DEC_FAIL(d, PKT_UNDEC_MALFORMED, PKT_P_RADIO, ver);
	word = present;
	while (word & 0x80000000u) {
		if (h.pos + 4 > len || !rd_le32(&h, &word))
			DEC_FAIL(d, PKT_UNDEC_MALFORMED, PKT_P_RADIO, 0);
	}
	off = h.pos;
	if (present & 1)
		off = ((off + 7) & ~(size_t)7) + 8;
	if ((present & 2) && off < len && !rd_peek(r, off, &flags))
		DEC_TRUNC(d, PKT_P_RADIO);
	if (!rd_skip(r, len))
		DEC_TRUNC(d, PKT_P_RADIO);
	if (!dec_enter(d, PKT_P_RADIO))
		return;
	struct rd body = *r;

	if (flags & 0x10) /* FCS at the end: not part of the frame */
		body.len = rd_left(r) >= 4 ? body.len - 4 : body.pos;
	dec_ieee80211(d, &body, flags & 0x20);
}

/* PPI (Per-Packet Information): version, flags, length, DLT (little-endian). */
void dec_ppi(struct dec *d, struct rd *r)
{
	struct rd h = *r;
	uint8_t ver;
	uint16_t len;
	uint32_t dlt;

	if (!rd_u8(&h, &ver) || !rd_skip(&h, 1) || !rd_le16(&h, &len) || !rd_le32(&h, &dlt))
		DEC_TRUNC(d, PKT_P_RADIO);
	if (ver != 0 || len < 8)
		DEC_FAIL(d, PKT_UNDEC_MALFORMED, PKT_P_RADIO, ver);
	if (!rd_skip(r, len))
		DEC_TRUNC(d, PKT_P_RADIO);
	if (dlt == LINKTYPE_PPI)
		DEC_FAIL(d, PKT_UNDEC_MALFORMED, PKT_P_RADIO, dlt);
	if (dlt == LINKTYPE_IEEE802_11) {
		dec_ieee80211(d, r, false);
		return;
	}
	dec_linktype(d, dlt, r);
}

/* AVS capture header: version, header length (big-endian). The version is
 * 0x8021100x from the drivers that write it, but is not checked (as tcpdump
 * and Wireshark do not): the length is what matters. */
void dec_avs(struct dec *d, struct rd *r)
{
	struct rd h = *r;
	uint32_t ver, len;

	if (!rd_be32(&h, &ver) || !rd_be32(&h, &len))
		DEC_TRUNC(d, PKT_P_RADIO);
	if (len < 8)
		DEC_FAIL(d, PKT_UNDEC_MALFORMED, PKT_P_RADIO, len);
	if (!rd_skip(r, len))
		DEC_TRUNC(d, PKT_P_RADIO);
	dec_ieee80211(d, r, false);
}

/* Prism monitor header: 144 bytes, unless it is really an AVS header. */
void dec_prism(struct dec *d, struct rd *r)
{
	uint16_t hi;

	if (rd_peek16(r, 0, &hi) && hi == 0x8021) {
		dec_avs(d, r);
		return;
	}
	if (!rd_skip(r, 144))
		DEC_TRUNC(d, PKT_P_RADIO);
	dec_ieee80211(d, r, false);
}

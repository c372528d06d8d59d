/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Header decoding (see decode.h). All reads go through struct rd, a
 * bounds-checked cursor: a getter that would run past the captured bytes
 * fails and the decoder marks the packet truncated instead of reading on.
 * Multi-byte header fields are big-endian (network order) except the null
 * linktype's family word, which is in the capturing host's order.
 */
#include <errno.h>
#include <string.h>

#include "decode.h"
#include "pcapng.h"

struct rd {
	const uint8_t *p;
	size_t len, pos;
};

static bool rd_has(const struct rd *r, size_t n)
{
	return r->pos <= r->len && n <= r->len - r->pos;
}

static bool rd_skip(struct rd *r, size_t n)
{
	if (!rd_has(r, n))
		return false;
	r->pos += n;
	return true;
}

static bool rd_u8(struct rd *r, uint8_t *v)
{
	if (!rd_has(r, 1))
		return false;
	*v = r->p[r->pos++];
	return true;
}

static bool rd_be16(struct rd *r, uint16_t *v)
{
	if (!rd_has(r, 2))
		return false;
	*v = (uint16_t)(r->p[r->pos] << 8 | r->p[r->pos + 1]);
	r->pos += 2;
	return true;
}

static bool rd_be32(struct rd *r, uint32_t *v)
{
	if (!rd_has(r, 4))
		return false;
	*v = (uint32_t)r->p[r->pos] << 24 | (uint32_t)r->p[r->pos + 1] << 16 |
	     (uint32_t)r->p[r->pos + 2] << 8 | r->p[r->pos + 3];
	r->pos += 4;
	return true;
}

static bool rd_copy(struct rd *r, void *dst, size_t n)
{
	if (!rd_has(r, n))
		return false;
	memcpy(dst, r->p + r->pos, n);
	r->pos += n;
	return true;
}

/* A sub-cursor over the next n bytes (fewer if fewer were captured). */
static struct rd rd_sub(const struct rd *r, size_t n)
{
	struct rd s = { .p = r->p + r->pos, .len = 0, .pos = 0 };

	if (r->pos <= r->len)
		s.len = r->len - r->pos < n ? r->len - r->pos : n;
	return s;
}

bool decode_linktype_known(uint32_t lt)
{
	switch (lt) {
	case LINKTYPE_NULL: case LINKTYPE_ETHERNET: case LINKTYPE_RAW:
	case 12: case 14: /* DLT_RAW on some systems */
	case LINKTYPE_LOOP: case LINKTYPE_LINUX_SLL: case LINKTYPE_IPV4:
	case LINKTYPE_IPV6: case LINKTYPE_LINUX_SLL2:
		return true;
	}
	return false;
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

static void tcp_options(struct rd o, struct pkt *p)
{
	uint8_t kind, len;

	while (rd_u8(&o, &kind)) {
		if (kind == 0)
			break;
		if (kind == 1)
			continue;
		if (!rd_u8(&o, &len) || len < 2 || !rd_has(&o, len - 2))
			break;
		struct rd v = rd_sub(&o, len - 2);
		uint16_t u16;
		uint8_t u8;

		switch (kind) {
		case 2:
			if (len == 4 && rd_be16(&v, &u16))
				p->mss = u16;
			break;
		case 3:
			if (len == 3 && rd_u8(&v, &u8))
				p->wscale = u8;
			break;
		case 4:
			if (len == 2)
				p->sack_perm = true;
			break;
		case 5:
			p->sack_blocks = (len - 2) / 8;
			break;
		case 8:
			if (len == 10 && rd_be32(&v, &p->tsval) && rd_be32(&v, &p->tsecr))
				p->has_ts = true;
			break;
		}
		rd_skip(&o, len - 2);
	}
}

/* TCP header; l4len: transport bytes per the IP header. */
static void decode_tcp(struct rd *r, uint32_t l4len, struct pkt *p)
{
	uint16_t win, urg, off_flags;

	if (!rd_be16(r, &p->sport) || !rd_be16(r, &p->dport) || !rd_be32(r, &p->seq) ||
	    !rd_be32(r, &p->ack) || !rd_be16(r, &off_flags) || !rd_be16(r, &win) ||
	    !rd_skip(r, 2) || !rd_be16(r, &urg)) {
		p->dec_flags |= DEC_TRUNCATED;
		return;
	}
	unsigned hl = (off_flags >> 12) * 4u;

	p->tcp_flags = off_flags & 0xff;
	p->win = win;
	if (hl < 20) {
		p->dec_flags |= DEC_UNDECODABLE;
		return;
	}
	p->has_l4 = true;
	p->payload_len = l4len > hl ? l4len - hl : 0;
	if (!rd_has(r, hl - 20))
		p->dec_flags |= DEC_TRUNCATED;
	tcp_options(rd_sub(r, hl - 20), p);
}

static int decode_ip(struct rd *r, struct pkt *p, bool quoted);

static void decode_icmp(struct rd *r, uint32_t l4len, struct pkt *p, bool v6)
{
	uint16_t id, seq;

	if (!rd_u8(r, &p->icmp_type) || !rd_u8(r, &p->icmp_code) || !rd_skip(r, 2)) {
		p->dec_flags |= DEC_TRUNCATED;
		return;
	}
	p->icmp = true;
	p->has_l4 = true;
	p->payload_len = l4len > 8 ? l4len - 8 : 0;
	uint8_t t = p->icmp_type;
	bool echo = v6 ? (t == 128 || t == 129) : (t == 8 || t == 0);
	bool err = v6 ? (t >= 1 && t <= 4) : (t == 3 || t == 4 || t == 5 || t == 11 || t == 12);

	if (echo) {
		if (!rd_be16(r, &id) || !rd_be16(r, &seq)) {
			p->dec_flags |= DEC_TRUNCATED;
			return;
		}
		p->icmp_echo = true;
		p->icmp_echo_reply = v6 ? t == 129 : t == 0;
		p->icmp_id = id;
		p->icmp_seq = seq;
	} else if (err) {
		p->icmp_error = true;
		if (!rd_skip(r, 4))
			return;
		struct pkt q;

		memset(&q, 0, sizeof(q));
		q.mss = q.wscale = -1;
		if (decode_ip(r, &q, true) == 0 && q.ipver) {
			p->has_quote = true;
			p->q_ipver = q.ipver;
			memcpy(p->q_src, q.src, 16);
			memcpy(p->q_dst, q.dst, 16);
			p->q_proto = q.proto;
			p->q_has_ports = q.q_has_ports;
			p->q_sport = q.sport;
			p->q_dport = q.dport;
			p->q_has_seq = q.q_has_seq;
			p->q_seq = q.seq;
		}
	}
}

/*
 * IP and what it carries. quoted: the header inside an ICMP error, of which
 * only the first 8 transport bytes are present (ports, TCP sequence).
 */
static int decode_ip(struct rd *r, struct pkt *p, bool quoted)
{
	uint8_t b0, nh;
	uint32_t l4len;

	if (!rd_has(r, 1)) {
		p->dec_flags |= DEC_TRUNCATED;
		return 0;
	}
	b0 = r->p[r->pos];
	if ((b0 >> 4) == 4) {
		uint8_t tos, ttl, proto;
		uint16_t tot, id, frag;

		if (!rd_u8(r, &b0) || !rd_u8(r, &tos) || !rd_be16(r, &tot) ||
		    !rd_be16(r, &id) || !rd_be16(r, &frag) || !rd_u8(r, &ttl) ||
		    !rd_u8(r, &proto) || !rd_skip(r, 2) || !rd_copy(r, p->src, 4) ||
		    !rd_copy(r, p->dst, 4)) {
			p->dec_flags |= DEC_TRUNCATED;
			return 0;
		}
		unsigned ihl = (b0 & 0x0f) * 4u;

		if (ihl < 20) {
			p->dec_flags |= DEC_UNDECODABLE;
			return 0;
		}
		p->ipver = 4;
		p->proto = proto;
		p->ttl = ttl;
		p->ip_id = id;
		p->ip_len = tot;
		p->fragment = (frag & 0x3fff) != 0;
		if (!rd_skip(r, ihl - 20)) {
			p->dec_flags |= DEC_TRUNCATED;
			return 0;
		}
		l4len = tot > ihl ? tot - ihl : 0;
		if (tot == 0) /* TSO on capture: length unknown, use what is there */
			l4len = (uint32_t)(r->len - r->pos);
		if (frag & 0x1fff)
			return 0; /* not the first fragment: no transport header */
	} else if ((b0 >> 4) == 6) {
		uint16_t plen;
		uint8_t hlim;

		if (!rd_skip(r, 4) || !rd_be16(r, &plen) || !rd_u8(r, &nh) ||
		    !rd_u8(r, &hlim) || !rd_copy(r, p->src, 16) || !rd_copy(r, p->dst, 16)) {
			p->dec_flags |= DEC_TRUNCATED;
			return 0;
		}
		p->ipver = 6;
		p->ttl = hlim;
		p->ip_len = plen + 40u;
		l4len = plen;
		if (plen == 0) /* jumbogram or TSO: use the captured length */
			l4len = (uint32_t)(r->len - r->pos);
		for (int i = 0; i < 8; i++) {
			uint8_t next, hlen;
			uint16_t fo;

			if (nh == 0 || nh == 43 || nh == 60 || nh == 51) {
				if (!rd_u8(r, &next) || !rd_u8(r, &hlen)) {
					p->dec_flags |= DEC_TRUNCATED;
					return 0;
				}
				size_t len = nh == 51 ? (hlen + 2u) * 4u : (hlen + 1u) * 8u;

				if (!rd_skip(r, len - 2)) {
					p->dec_flags |= DEC_TRUNCATED;
					return 0;
				}
				l4len = l4len > len ? l4len - (uint32_t)len : 0;
				nh = next;
			} else if (nh == 44) {
				uint32_t ident;

				if (!rd_u8(r, &next) || !rd_skip(r, 1) || !rd_be16(r, &fo) ||
				    !rd_be32(r, &ident)) {
					p->dec_flags |= DEC_TRUNCATED;
					return 0;
				}
				p->fragment = true;
				p->ip_id = ident;
				l4len = l4len > 8 ? l4len - 8 : 0;
				nh = next;
				if (fo & 0xfff8) {
					p->proto = nh;
					return 0;
				}
			} else {
				break;
			}
		}
		p->proto = nh;
	} else {
		p->dec_flags |= DEC_UNDECODABLE;
		return 0;
	}
	if (quoted) {
		if (p->proto == 6 || p->proto == 17 || p->proto == 132) {
			if (rd_be16(r, &p->sport) && rd_be16(r, &p->dport))
				p->q_has_ports = true;
			if (p->proto == 6 && rd_be32(r, &p->seq))
				p->q_has_seq = true;
		}
		return 0;
	}
	struct rd l4 = rd_sub(r, l4len);

	switch (p->proto) {
	case 6:
		decode_tcp(&l4, l4len, p);
		break;
	case 17:
		if (rd_be16(&l4, &p->sport) && rd_be16(&l4, &p->dport)) {
			p->has_l4 = true;
			p->payload_len = l4len > 8 ? l4len - 8 : 0;
		} else {
			p->dec_flags |= DEC_TRUNCATED;
		}
		break;
	case 1:
		if (p->ipver == 4)
			decode_icmp(&l4, l4len, p, false);
		break;
	case 58:
		if (p->ipver == 6)
			decode_icmp(&l4, l4len, p, true);
		break;
	}
	return 0;
}

/* Ethertype dispatch, with any number of VLAN tags (bounded). */
static void decode_ethertype(struct rd *r, uint16_t et, struct pkt *p)
{
	for (int i = 0; i < 4 && (et == 0x8100 || et == 0x88a8 || et == 0x9100); i++) {
		uint16_t tci;

		if (!rd_be16(r, &tci) || !rd_be16(r, &et)) {
			p->dec_flags |= DEC_TRUNCATED;
			return;
		}
		if (p->vlan < 0)
			p->vlan = tci & 0x0fff;
	}
	if (et == 0x0800 || et == 0x86dd)
		decode_ip(r, p, false);
	else
		p->dec_flags |= DEC_UNDECODABLE;
}

static void sll_pkttype(uint16_t t, struct pkt *p)
{
	if (t == 4)
		p->dir = PKT_DIR_OUT;
	else if (t <= 3)
		p->dir = PKT_DIR_IN;
}

int decode_packet(uint32_t lt, const uint8_t *data, size_t caplen, struct pkt *p)
{
	struct rd r = { .p = data, .len = caplen, .pos = 0 };
	uint16_t et, u16;
	uint8_t u8;
	uint32_t fam;

	if (!p || (!data && caplen))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->vlan = -1;
	p->mss = -1;
	p->wscale = -1;

	switch (lt) {
	case LINKTYPE_ETHERNET:
		if (!rd_skip(&r, 12) || !rd_be16(&r, &et)) {
			p->dec_flags |= DEC_TRUNCATED;
			return 0;
		}
		decode_ethertype(&r, et, p);
		break;
	case LINKTYPE_RAW: case 12: case 14: case LINKTYPE_IPV4: case LINKTYPE_IPV6:
		decode_ip(&r, p, false);
		break;
	case LINKTYPE_NULL:
	case LINKTYPE_LOOP:
		if (!rd_has(&r, 4)) {
			p->dec_flags |= DEC_TRUNCATED;
			return 0;
		}
		/* NULL: host order of the capturing machine (either); LOOP: big-endian. */
		fam = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
		      (uint32_t)data[2] << 8 | data[3];
		if (lt == LINKTYPE_NULL && (fam & 0xffff) == 0)
			fam >>= 24;
		else if (lt == LINKTYPE_NULL && fam > 0xffff)
			fam = data[0] | (uint32_t)data[1] << 8;
		rd_skip(&r, 4);
		if (fam == 2 || fam == 10 || fam == 24 || fam == 28 || fam == 30)
			decode_ip(&r, p, false);
		else
			p->dec_flags |= DEC_UNDECODABLE;
		break;
	case LINKTYPE_LINUX_SLL:
		if (!rd_be16(&r, &u16)) {
			p->dec_flags |= DEC_TRUNCATED;
			return 0;
		}
		sll_pkttype(u16, p);
		if (!rd_skip(&r, 12) || !rd_be16(&r, &et)) {
			p->dec_flags |= DEC_TRUNCATED;
			return 0;
		}
		decode_ethertype(&r, et, p);
		break;
	case LINKTYPE_LINUX_SLL2:
		if (!rd_be16(&r, &et) || !rd_skip(&r, 8) || !rd_u8(&r, &u8) ||
		    !rd_skip(&r, 9)) {
			p->dec_flags |= DEC_TRUNCATED;
			return 0;
		}
		sll_pkttype(u8, p);
		decode_ethertype(&r, et, p);
		break;
	default:
		p->dec_flags |= DEC_UNDECODABLE;
		break;
	}
	return 0;
}

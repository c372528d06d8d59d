/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to the decoder's layer files (decode*.c): the bounds-checked
 * cursor every read goes through, the decoding context, and the entry
 * points one layer calls in another. Callers outside the decoder use
 * decode.h only.
 *
 * Every getter checks the bytes left before reading and fails (returns
 * false, cursor unmoved) instead of reading past the captured bytes.
 * Multi-byte header fields are big-endian unless a function says otherwise.
 */
#ifndef NETANALYZE_DECODE_INT_H
#define NETANALYZE_DECODE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode.h"

struct rd {
	const uint8_t *p;
	size_t len, pos;        /* invariant: pos <= len */
};

static inline bool rd_has(const struct rd *r, size_t n)
{
	return r->pos <= r->len && n <= r->len - r->pos;
}

static inline size_t rd_left(const struct rd *r)
{
	return r->pos <= r->len ? r->len - r->pos : 0;
}

static inline bool rd_skip(struct rd *r, size_t n)
{
	if (!rd_has(r, n))
		return false;
	r->pos += n;
	return true;
}

/* Byte at offset off from the cursor, without moving; false if absent. */
static inline bool rd_peek(const struct rd *r, size_t off, uint8_t *v)
{
	if (off >= SIZE_MAX || !rd_has(r, off + 1))
		return false;
	*v = r->p[r->pos + off];
	return true;
}

static inline bool rd_peek16(const struct rd *r, size_t off, uint16_t *v)
{
	if (off > SIZE_MAX - 2 || !rd_has(r, off + 2))
		return false;
	*v = (uint16_t)(r->p[r->pos + off] << 8 | r->p[r->pos + off + 1]);
	return true;
}

static inline bool rd_u8(struct rd *r, uint8_t *v)
{
	if (!rd_has(r, 1))
		return false;
	*v = r->p[r->pos++];
	return true;
}

static inline bool rd_be16(struct rd *r, uint16_t *v)
{
	if (!rd_has(r, 2))
		return false;
	*v = (uint16_t)(r->p[r->pos] << 8 | r->p[r->pos + 1]);
	r->pos += 2;
	return true;
}

static inline bool rd_le16(struct rd *r, uint16_t *v)
{
	if (!rd_has(r, 2))
		return false;
	*v = (uint16_t)(r->p[r->pos] | r->p[r->pos + 1] << 8);
	r->pos += 2;
	return true;
}

static inline bool rd_be24(struct rd *r, uint32_t *v)
{
	if (!rd_has(r, 3))
		return false;
	*v = (uint32_t)r->p[r->pos] << 16 | (uint32_t)r->p[r->pos + 1] << 8 | r->p[r->pos + 2];
	r->pos += 3;
	return true;
}

static inline bool rd_be32(struct rd *r, uint32_t *v)
{
	if (!rd_has(r, 4))
		return false;
	*v = (uint32_t)r->p[r->pos] << 24 | (uint32_t)r->p[r->pos + 1] << 16 |
	     (uint32_t)r->p[r->pos + 2] << 8 | r->p[r->pos + 3];
	r->pos += 4;
	return true;
}

static inline bool rd_le32(struct rd *r, uint32_t *v)
{
	if (!rd_has(r, 4))
		return false;
	*v = (uint32_t)r->p[r->pos] | (uint32_t)r->p[r->pos + 1] << 8 |
	     (uint32_t)r->p[r->pos + 2] << 16 | (uint32_t)r->p[r->pos + 3] << 24;
	r->pos += 4;
	return true;
}

static inline bool rd_copy(struct rd *r, void *dst, size_t n)
{
	if (!rd_has(r, n))
		return false;
	memcpy(dst, r->p + r->pos, n);
	r->pos += n;
	return true;
}

/* A sub-cursor over the next n bytes (fewer if fewer were captured). */
static inline struct rd rd_sub(const struct rd *r, size_t n)
{
	struct rd s = { .p = r->p + (r->pos <= r->len ? r->pos : r->len), .len = 0, .pos = 0 };
	size_t left = rd_left(r);

	s.len = left < n ? left : n;
	return s;
}

/* Nested encapsulations, and link headers that wrap another link header
 * (PPI, pktap, PPP in GRE in...), are bounded by this many steps in all, so
 * that no input can make the decoder recurse deeply. */
#define DEC_MAX_NEST 40

struct dec {
	struct pkt *p;
	int nest;               /* dispatch steps taken, <= DEC_MAX_NEST */
	bool in_tunnel;         /* an inner IP header resets the IP fields */
};

/* Records why decoding stopped (the first reason wins) and sets dec_flags. */
void dec_fail(struct dec *d, enum pkt_undecoded why, enum pkt_proto at, uint32_t type);

/* Record why decoding stopped and leave the calling (void) function. */
#define DEC_FAIL(d, why, at, type) do { dec_fail(d, why, at, type); return; } while (0)
#define DEC_TRUNC(d, at) DEC_FAIL(d, PKT_UNDEC_TRUNCATED, at, 0)

/* Counts one nesting step; false (and TOO_DEEP recorded) past the bound. */
bool dec_enter(struct dec *d, enum pkt_proto at);

/* decode_link.c */
void dec_linktype(struct dec *d, uint32_t lt, struct rd *r);
void dec_ether(struct dec *d, struct rd *r);
void dec_ethertype(struct dec *d, uint16_t et, struct rd *r, enum pkt_proto at);
void dec_llc(struct dec *d, struct rd *r);
void dec_ppp(struct dec *d, struct rd *r);

/* decode_wlan.c */
void dec_ieee80211(struct dec *d, struct rd *r, bool datapad);
void dec_radiotap(struct dec *d, struct rd *r);
void dec_ppi(struct dec *d, struct rd *r);
void dec_prism(struct dec *d, struct rd *r);
void dec_avs(struct dec *d, struct rd *r);

/* decode_ip.c: an IP header by its version nibble; quoted: the header
 * inside an ICMP error (ports and TCP sequence only after it). */
void dec_ip(struct dec *d, struct rd *r);
void dec_ip_quoted(struct rd *r, struct pkt *q);

/* decode_tunnel.c */
struct pkt_tunnel *dec_tunnel_push(struct dec *d, enum pkt_proto kind);
void dec_mpls(struct dec *d, struct rd *r);
void dec_gre(struct dec *d, struct rd *r);
void dec_l2tp3(struct dec *d, struct rd *r, bool over_udp);
void dec_ip_in_ip(struct dec *d, struct rd *r, uint8_t proto);
bool dec_udp_tunnel(struct dec *d, struct rd *r);

/* decode_tcp.c: l4len is the transport length per the IP header */
void dec_tcp(struct dec *d, struct rd *r, uint32_t l4len);
void dec_udp(struct dec *d, struct rd *r, uint32_t l4len);

/* decode_icmp.c */
void dec_icmp(struct dec *d, struct rd *r, uint32_t l4len, bool v6);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Byte builders shared by the decoder's unit tests (test_decode*.c): each
 * writes one header as its specification lays it out, so that a test reads
 * as the list of headers a packet is made of. Lengths and protocol numbers
 * are given by the caller; checksums are left zero (the decoder does not
 * verify them). Nothing here calls the decoder.
 */
#ifndef NETANALYZE_TEST_DECODE_BYTES_H
#define NETANALYZE_TEST_DECODE_BYTES_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "test.h"

/* A packet under construction. */
struct tb {
	uint8_t b[2048];
	size_t n;
};

static inline void tb_put(struct tb *t, const void *p, size_t n)
{
	memcpy(t->b + t->n, p, n);
	t->n += n;
}

static inline void tb_u8(struct tb *t, uint8_t v)
{
	t->b[t->n++] = v;
}

static inline void tb_be16(struct tb *t, uint16_t v)
{
	tb_u8(t, (uint8_t)(v >> 8));
	tb_u8(t, (uint8_t)v);
}

static inline void tb_be32(struct tb *t, uint32_t v)
{
	tb_be16(t, (uint16_t)(v >> 16));
	tb_be16(t, (uint16_t)v);
}

static inline void tb_le16(struct tb *t, uint16_t v)
{
	tb_u8(t, (uint8_t)v);
	tb_u8(t, (uint8_t)(v >> 8));
}

static inline void tb_le32(struct tb *t, uint32_t v)
{
	tb_le16(t, (uint16_t)v);
	tb_le16(t, (uint16_t)(v >> 16));
}

static inline void tb_zero(struct tb *t, size_t n)
{
	memset(t->b + t->n, 0, n);
	t->n += n;
}

/* Ethernet II: destination 02:00:00:00:00:02, source 02:00:00:00:00:01. */
static inline void tb_eth(struct tb *t, uint16_t type)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };

	tb_put(t, macs, 12);
	tb_be16(t, type);
}

/* IPv4 header (RFC 791), 20 bytes: TTL 64, id 0x1234, DF. */
static inline void tb_ip4(struct tb *t, const uint8_t src[4], const uint8_t dst[4],
			  uint8_t proto, uint16_t payload)
{
	tb_u8(t, 0x45);
	tb_u8(t, 0);
	tb_be16(t, (uint16_t)(20 + payload));
	tb_be16(t, 0x1234);
	tb_be16(t, 0x4000);
	tb_u8(t, 64);
	tb_u8(t, proto);
	tb_be16(t, 0);
	tb_put(t, src, 4);
	tb_put(t, dst, 4);
}

/* IPv6 header (RFC 8200), 40 bytes: hop limit 64. */
static inline void tb_ip6(struct tb *t, const uint8_t src[16], const uint8_t dst[16],
			  uint8_t nh, uint16_t payload)
{
	tb_be32(t, 0x60000000);
	tb_be16(t, payload);
	tb_u8(t, nh);
	tb_u8(t, 64);
	tb_put(t, src, 16);
	tb_put(t, dst, 16);
}

/* UDP header (RFC 768). */
static inline void tb_udp(struct tb *t, uint16_t sport, uint16_t dport, uint16_t payload)
{
	tb_be16(t, sport);
	tb_be16(t, dport);
	tb_be16(t, (uint16_t)(8 + payload));
	tb_be16(t, 0);
}

/* Documentation addresses (RFC 5737, 3849). */
static const uint8_t A4_1[4] = { 192, 0, 2, 1 }, A4_2[4] = { 192, 0, 2, 2 };
static const uint8_t B4_1[4] = { 198, 51, 100, 1 }, B4_2[4] = { 198, 51, 100, 2 };
static const uint8_t A6_1[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t A6_2[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/* The innermost packet most tests carry: IPv4 203.0.113.10 -> 203.0.113.20
 * (RFC 5737 TEST-NET-3), TCP 40000 -> 443, SYN, seq 0x01020304, 20-byte
 * header, window 1000. 40 bytes. */
static const uint8_t INNER4[40] = {
	0x45, 0x00, 0x00, 0x28, 0xab, 0xcd, 0x00, 0x00, 0x3f, 0x06, 0x00, 0x00,
	203, 0, 113, 10, 203, 0, 113, 20,
	0x9c, 0x40, 0x01, 0xbb, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
	0x50, 0x02, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00,
};

/* The same connection over IPv6 2001:db8::a -> 2001:db8::14, 60 bytes. */
static const uint8_t INNER6[60] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x3f,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x14,
	0x9c, 0x40, 0x01, 0xbb, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00,
	0x50, 0x02, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00,
};

/* Checks that p's innermost packet is INNER4 (or INNER6) and fully decoded. */
static inline void check_inner(const struct pkt *p, int ver, const char *what)
{
	static const uint8_t s4[4] = { 203, 0, 113, 10 }, d4[4] = { 203, 0, 113, 20 };
	static const uint8_t s6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0a };
	static const uint8_t d6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x14 };

	ASSERT_EQ(p->ipver, ver, what);
	ASSERT_MEMEQ(p->src, ver == 6 ? s6 : s4, ver == 6 ? 16 : 4, what);
	ASSERT_MEMEQ(p->dst, ver == 6 ? d6 : d4, ver == 6 ? 16 : 4, what);
	ASSERT_EQ(p->ttl, 63, what);
	ASSERT_EQ(p->proto, 6, what);
	ASSERT_TRUE(p->has_l4, what);
	ASSERT_EQ(p->sport, 40000, what);
	ASSERT_EQ(p->dport, 443, what);
	ASSERT_EQ(p->seq, 0x01020304u, what);
	ASSERT_EQ(p->tcp_flags, TH_SYN, what);
	ASSERT_EQ(p->win, 1000, what);
	ASSERT_EQ(p->undecoded, PKT_UNDEC_NONE, what);
	ASSERT_EQ(p->dec_flags, 0, what);
}

static inline void tb_inner(struct tb *t, int ver)
{
	if (ver == 6)
		tb_put(t, INNER6, sizeof(INNER6));
	else
		tb_put(t, INNER4, sizeof(INNER4));
}

/* With NETANALYZE_FUZZ_SEEDS=DIR set, each packet a test decodes through
 * check_lt() is also written to DIR as a seed for fuzz_decode (2-byte
 * linktype, then the bytes): that is how tests/fuzz/corpus_decode is made. */
static inline void tb_seed(uint32_t lt, const struct tb *t, const char *what)
{
	const char *dir = getenv("NETANALYZE_FUZZ_SEEDS");
	char path[512], name[64];
	FILE *fp;
	size_t i;

	if (!dir)
		return;
	for (i = 0; what[i] && i < sizeof(name) - 1; i++)
		name[i] = (what[i] >= 'a' && what[i] <= 'z') || (what[i] >= '0' && what[i] <= '9') ? what[i] : '-';
	name[i] = 0;
	snprintf(path, sizeof(path), "%s/%u-%s", dir, lt, name);
	fp = fopen(path, "wb");
	if (!fp)
		return;
	fputc((int)(lt >> 8 & 0xff), fp);
	fputc((int)(lt & 0xff), fp);
	fwrite(t->b, 1, t->n, fp);
	fclose(fp);
}

/* Decodes t with linktype lt and checks the innermost packet. */
static inline void check_lt(uint32_t lt, const struct tb *t, int ver, struct pkt *p,
			    const char *what)
{
	tb_seed(lt, t, what);
	ASSERT_OK(decode_packet(lt, t->b, t->n, p), what);
	check_inner(p, ver, what);
}

#endif

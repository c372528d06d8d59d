/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Community ID v1, as the specification's pseudo code and its reference
 * script define it: hash input = seed (2 bytes) . smaller address . larger
 * address . proto (1 byte) . 0 (1 byte) . ports of the smaller and the
 * larger endpoint (2 bytes each, only for protocols with ports), every
 * field in network byte order; "smaller" compares the address bytes, then
 * the ports. ICMP and ICMPv6 use Zeek's mapping of type and code to ports.
 * The analysis computes it once per connection when it writes the row
 * (conn.c); nothing here reads packets.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "community_id.h"

/* The hash input, with the endpoints ordered unless the flow is one-way. */
static void digest(uint16_t seed, int ipver, const uint8_t *src, const uint8_t *dst,
		   uint8_t proto, bool has_ports, uint16_t sport, uint16_t dport, bool one_way,
		   uint8_t out[SHA1_LEN])
{
	int alen = ipver == 6 ? 16 : 4, c = memcmp(src, dst, (size_t)alen);
	uint8_t in[2 + 16 + 16 + 2 + 4];
	size_t n = 0;

	if (!one_way && (c > 0 || (c == 0 && has_ports && sport > dport))) {
		const uint8_t *a = src;
		uint16_t p = sport;

		src = dst;
		dst = a;
		sport = dport;
		dport = p;
	}
	in[n++] = (uint8_t)(seed >> 8);
	in[n++] = (uint8_t)seed;
	memcpy(in + n, src, (size_t)alen);
	n += (size_t)alen;
	memcpy(in + n, dst, (size_t)alen);
	n += (size_t)alen;
	in[n++] = proto;
	in[n++] = 0;
	if (has_ports) {
		in[n++] = (uint8_t)(sport >> 8);
		in[n++] = (uint8_t)sport;
		in[n++] = (uint8_t)(dport >> 8);
		in[n++] = (uint8_t)dport;
	}
	sha1(in, n, out);
}

void community_id_digest(uint16_t seed, int ipver, const uint8_t *src, const uint8_t *dst,
			 uint8_t proto, bool has_ports, uint16_t sport, uint16_t dport,
			 uint8_t out[SHA1_LEN])
{
	digest(seed, ipver, src, dst, proto, has_ports, sport, dport, false, out);
}

static const char *id_text(char out[COMMUNITY_ID_SIZE], const uint8_t d[SHA1_LEN])
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *o = out;

	*o++ = '1';
	*o++ = ':';
	/* 20 bytes: six groups of three, then two bytes and one '=' */
	for (int i = 0; i < 18; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];

		*o++ = b64[v >> 18];
		*o++ = b64[(v >> 12) & 63];
		*o++ = b64[(v >> 6) & 63];
		*o++ = b64[v & 63];
	}
	uint32_t v = (uint32_t)d[18] << 16 | (uint32_t)d[19] << 8;

	*o++ = b64[v >> 18];
	*o++ = b64[(v >> 12) & 63];
	*o++ = b64[(v >> 6) & 63];
	*o++ = '=';
	*o = 0;
	return out;
}

const char *community_id(char out[COMMUNITY_ID_SIZE], uint16_t seed, int ipver,
			 const uint8_t *src, const uint8_t *dst, uint8_t proto, bool has_ports,
			 uint16_t sport, uint16_t dport)
{
	uint8_t d[SHA1_LEN];

	community_id_digest(seed, ipver, src, dst, proto, has_ports, sport, dport, d);
	return id_text(out, d);
}

/* Zeek's counterpart types (ICMP4_counterpart / ICMP6_counterpart): a
 * message with one is two-way and ordered like ports; any other keeps its
 * direction, with the code as the second port. Returns the counterpart,
 * or -1 for a one-way message. */
static int icmp_counterpart(int ipver, uint8_t type)
{
	static const uint8_t v4[][2] = {
		{ 8, 0 }, { 0, 8 },     /* echo, echo reply */
		{ 13, 14 }, { 14, 13 }, /* timestamp */
		{ 15, 16 }, { 16, 15 }, /* information */
		{ 10, 9 }, { 9, 10 },   /* router solicitation, advertisement */
		{ 17, 18 }, { 18, 17 }, /* address mask */
	};
	static const uint8_t v6[][2] = {
		{ 128, 129 }, { 129, 128 }, /* echo */
		{ 133, 134 }, { 134, 133 }, /* router solicitation, advertisement */
		{ 135, 136 }, { 136, 135 }, /* neighbour solicitation, advertisement */
		{ 130, 131 }, { 131, 130 }, /* multicast listener query, report */
		{ 139, 140 }, { 140, 139 }, /* node information query, reply */
		{ 144, 145 }, { 145, 144 }, /* home agent address discovery */
	};
	const uint8_t (*m)[2] = ipver == 6 ? v6 : v4;
	size_t n = ipver == 6 ? sizeof(v6) / sizeof(v6[0]) : sizeof(v4) / sizeof(v4[0]);

	for (size_t i = 0; i < n; i++)
		if (m[i][0] == type)
			return m[i][1];
	return -1;
}

const char *community_id_icmp(char out[COMMUNITY_ID_SIZE], uint16_t seed, int ipver,
			      const uint8_t *src, const uint8_t *dst, uint8_t type, uint8_t code)
{
	int peer = icmp_counterpart(ipver, type);
	uint8_t proto = ipver == 6 ? 58 : 1;
	uint8_t d[SHA1_LEN];

	/* a one-way message keeps its direction, with the code as its port */
	digest(seed, ipver, src, dst, proto, true, type, peer < 0 ? code : (uint16_t)peer,
	       peer < 0, d);
	return id_text(out, d);
}

uint16_t community_id_seed(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int64_t v = 0;

	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'community_id_seed'", -1,
			       &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v >= 0 && v <= 65535 ? (uint16_t)v : 0;
}

int community_id_set_seed(sqlite3 *db, uint16_t seed, bool *changed, struct an_err *e)
{
	char sql[128];

	*changed = community_id_seed(db) != seed;
	if (!*changed)
		return 0;
	snprintf(sql, sizeof(sql),
		 "INSERT OR REPLACE INTO meta(key, value) VALUES ('community_id_seed', %u);",
		 (unsigned)seed);
	return db_exec(db, sql, e);
}

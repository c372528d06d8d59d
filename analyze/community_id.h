/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Community ID v1 (the public Community ID Flow Hashing specification,
 * github.com/corelight/community-id-spec): a flow's 5-tuple, ordered so
 * that both directions give the same value, hashed with SHA-1 under a
 * 16-bit seed and written "1:" + base64. The same connection recorded on
 * two hosts, or by netrec on one and tcpdump on another, gets the same ID,
 * which is what a fleet joins on. sha1.c holds the hash.
 */
#ifndef NETANALYZE_COMMUNITY_ID_H
#define NETANALYZE_COMMUNITY_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "analyze.h"

#define SHA1_LEN 20
/* "1:" + 28 base64 characters + NUL */
#define COMMUNITY_ID_SIZE 31

void sha1(const void *data, size_t len, uint8_t out[SHA1_LEN]);

/* The SHA-1 digest the ID encodes: ipver 4 or 6, addresses in network
 * order (4 or 16 bytes), ports in host order; has_ports false for
 * protocols without ports (then sport/dport are ignored). */
void community_id_digest(uint16_t seed, int ipver, const uint8_t *src, const uint8_t *dst,
			 uint8_t proto, bool has_ports, uint16_t sport, uint16_t dport,
			 uint8_t out[SHA1_LEN]);
/* The ID text of a TCP/UDP/SCTP flow (has_ports) or a port-less one;
 * returns out. */
const char *community_id(char out[COMMUNITY_ID_SIZE], uint16_t seed, int ipver,
			 const uint8_t *src, const uint8_t *dst, uint8_t proto, bool has_ports,
			 uint16_t sport, uint16_t dport);
/* The ID of an ICMP (ipver 4) or ICMPv6 (ipver 6) message: type and code
 * map to port equivalents as Zeek maps them (a request and its reply get
 * the same ID; a one-way message keeps its direction). */
const char *community_id_icmp(char out[COMMUNITY_ID_SIZE], uint16_t seed, int ipver,
			      const uint8_t *src, const uint8_t *dst, uint8_t type, uint8_t code);

/* The seed of a database's community_id columns (meta 'community_id_seed',
 * 0 when unset). */
uint16_t community_id_seed(sqlite3 *db);
/* Records the seed to use; *changed says whether it differs from the one
 * the columns were computed with (then they must be computed again). */
int community_id_set_seed(sqlite3 *db, uint16_t seed, bool *changed, struct an_err *e);

#endif

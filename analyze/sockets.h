/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sockets by cookie (docs/schema.md, sockets): what the packets and kernel
 * events of one socket say about it (addresses, ports, owner, first and
 * last time, counts), and the connection its events belong to (the
 * fallback for an event whose 4-tuple names none). Bounded: beyond max
 * sockets the least recently active one is written early.
 */
#ifndef NETANALYZE_SOCKETS_H
#define NETANALYZE_SOCKETS_H

#include <stdint.h>

#include "rows.h"
#include "u64map.h"

typedef int (*sockets_emit_fn)(void *ctx, const struct row_socket *r);

struct sockets {
	struct u64map map;        /* cookie -> index + 1 */
	struct sock_ent *ents;
	uint32_t n, cap, max;
	uint32_t free_head;       /* free entries, chained through next */
	uint32_t lru_head, lru_tail;  /* index + 1; least recently active first */
	struct strtab *strs;
	uint32_t inet, inet6;     /* strtab ids */
	sockets_emit_fn emit;
	void *emit_ctx;
};

int sockets_init(struct sockets *s, uint32_t max, struct strtab *strs, sockets_emit_fn emit,
		 void *ctx);
void sockets_free(struct sockets *s);
/* A packet with a socket cookie (row_pkt.has & PK_COOKIE, cookie != 0). */
int sockets_packet(struct sockets *s, const struct row_pkt *p);
/* A journal record with a socket cookie. */
int sockets_event(struct sockets *s, const struct row_jrec *j);
/* The connection an event of the socket was given by its 4-tuple: the
 * first one remembered; 0 if none. */
void sockets_set_conn(struct sockets *s, uint64_t cookie, int64_t conn_id);
int64_t sockets_conn(const struct sockets *s, uint64_t cookie);
/* Writes every socket still held. */
int sockets_flush(struct sockets *s);

#endif

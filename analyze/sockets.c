/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sockets by cookie (sockets.h). Each socket keeps, per column, the
 * largest value seen, as SQL's max() would over its packets and events
 * (text compared as bytes, NULL ignored): for a packet the local endpoint
 * is the destination of an inbound packet and the source otherwise, the
 * family inet6 for IPv6 and inet for anything else. A packet from the same
 * endpoints as the socket's previous one changes nothing but times and
 * counts, which is every packet but the first, usually.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "decode.h"
#include "sockets.h"

#define SK_CONN 0x80

struct sock_ent {
	uint64_t cookie;
	int64_t first_ns, last_ns, lport, rport, pid;
	uint64_t packets, events;
	int64_t conn_id;
	uint32_t family, laddr, raddr, comm;
	uint32_t prev, next;      /* LRU, index + 1 */
	uint8_t has;              /* SK_*, SK_CONN */
	uint8_t last_ver;         /* previous packet's endpoints; 0: none yet */
	uint8_t last_l[16], last_r[16];
};

int sockets_init(struct sockets *s, uint32_t max, struct strtab *strs, sockets_emit_fn emit,
		 void *ctx)
{
	memset(s, 0, sizeof(*s));
	u64map_init(&s->map, max);
	s->max = max;
	s->strs = strs;
	s->emit = emit;
	s->emit_ctx = ctx;
	s->inet = strtab_intern(strs, "inet", 4);
	s->inet6 = strtab_intern(strs, "inet6", 5);
	return 0;
}

void sockets_free(struct sockets *s)
{
	u64map_free(&s->map);
	free(s->ents);
	memset(s, 0, sizeof(*s));
}

static void lru_unlink(struct sockets *s, uint32_t i)
{
	struct sock_ent *x = &s->ents[i - 1];

	if (x->prev)
		s->ents[x->prev - 1].next = x->next;
	else
		s->lru_head = x->next;
	if (x->next)
		s->ents[x->next - 1].prev = x->prev;
	else
		s->lru_tail = x->prev;
	x->prev = x->next = 0;
}

static void lru_append(struct sockets *s, uint32_t i)
{
	struct sock_ent *x = &s->ents[i - 1];

	x->prev = s->lru_tail;
	x->next = 0;
	if (s->lru_tail)
		s->ents[s->lru_tail - 1].next = i;
	else
		s->lru_head = i;
	s->lru_tail = i;
}

/* Writes and forgets socket i (index + 1). */
static int drop(struct sockets *s, uint32_t i)
{
	struct sock_ent *x = &s->ents[i - 1];
	struct row_socket r = {
		.cookie = x->cookie, .family = x->family, .laddr = x->laddr, .raddr = x->raddr,
		.comm = x->comm, .lport = x->lport, .rport = x->rport, .pid = x->pid,
		.first_ns = x->first_ns, .last_ns = x->last_ns, .packets = x->packets,
		.events = x->events, .has = x->has & (SK_LPORT | SK_RPORT | SK_PID),
	};

	lru_unlink(s, i);
	u64map_del(&s->map, x->cookie);
	x->next = s->free_head;
	s->free_head = i;
	return s->emit ? s->emit(s->emit_ctx, &r) : 0;
}

/* The socket of cookie, made when new (the least recently active one is
 * written first when the table is full); 0 when out of memory. */
static uint32_t get(struct sockets *s, uint64_t cookie, int64_t ts, int *err)
{
	uint64_t *v = u64map_get(&s->map, cookie);
	bool fresh;
	uint32_t i;

	*err = 0;
	if (v) {
		i = (uint32_t)*v;
		lru_unlink(s, i);
		lru_append(s, i);
		return i;
	}
	if (s->map.count >= s->max && s->lru_head) {
		*err = drop(s, s->lru_head);
		if (*err)
			return 0;
	}
	if (s->free_head) {
		i = s->free_head;
		s->free_head = s->ents[i - 1].next;
	} else {
		if (s->n == s->cap) {
			uint32_t cap = s->cap ? s->cap * 2 : 1024;
			struct sock_ent *e = realloc(s->ents, cap * sizeof(*e));

			if (!e)
				return 0;
			s->ents = e;
			s->cap = cap;
		}
		i = ++s->n;
	}
	v = u64map_put(&s->map, cookie, &fresh);
	if (!v) {
		s->ents[i - 1].next = s->free_head;
		s->free_head = i;
		return 0;
	}
	*v = i;
	memset(&s->ents[i - 1], 0, sizeof(s->ents[i - 1]));
	s->ents[i - 1].cookie = cookie;
	s->ents[i - 1].first_ns = s->ents[i - 1].last_ns = ts;
	lru_append(s, i);
	return i;
}

static void times(struct sock_ent *x, int64_t ts)
{
	if (ts < x->first_ns)
		x->first_ns = ts;
	if (ts > x->last_ns)
		x->last_ns = ts;
}

/* The larger of the text of id cur and t, as an id. */
static uint32_t max_text(struct sockets *s, uint32_t cur, const char *t, size_t n)
{
	const char *c;
	size_t cn;
	int d;

	if (!t || !n)
		return cur;
	if (!cur)
		return strtab_intern(s->strs, t, n);
	c = strtab_get(s->strs, cur);
	cn = strtab_len(s->strs, cur);
	d = memcmp(c, t, cn < n ? cn : n);
	if (d > 0 || (d == 0 && cn >= n))
		return cur;
	return strtab_intern(s->strs, t, n);
}

static void max_int(struct sock_ent *x, uint8_t bit, int64_t *cur, int64_t v)
{
	if (!(x->has & bit) || v > *cur) {
		*cur = v;
		x->has |= bit;
	}
}

int sockets_packet(struct sockets *s, const struct row_pkt *p)
{
	bool in = p->dir == PKT_DIR_IN;
	const uint8_t *l = in ? p->dst : p->src, *r = in ? p->src : p->dst;
	struct sock_ent *x;
	uint32_t i;
	int err;

	i = get(s, p->cookie, p->ts_ns, &err);
	if (!i)
		return err ? err : -ENOMEM;
	x = &s->ents[i - 1];
	times(x, p->ts_ns);
	x->packets++;
	x->family = max_text(s, x->family, p->ipver == 6 ? "inet6" : "inet", p->ipver == 6 ? 5 : 4);
	if ((p->has & PK_IP) && !(x->last_ver == p->ipver && !memcmp(x->last_l, l, 16) &&
				  !memcmp(x->last_r, r, 16))) {
		char a[48];

		addr_str(l, p->ipver, a);
		x->laddr = max_text(s, x->laddr, a, strlen(a));
		addr_str(r, p->ipver, a);
		x->raddr = max_text(s, x->raddr, a, strlen(a));
		x->last_ver = p->ipver;
		memcpy(x->last_l, l, 16);
		memcpy(x->last_r, r, 16);
	}
	if (p->has & PK_PORTS) {
		max_int(x, SK_LPORT, &x->lport, in ? p->dport : p->sport);
		max_int(x, SK_RPORT, &x->rport, in ? p->sport : p->dport);
	}
	if (p->has & PK_PID)
		max_int(x, SK_PID, &x->pid, p->pid);
	if (p->comm)
		x->comm = max_text(s, x->comm, strtab_get(s->strs, p->comm),
				   strtab_len(s->strs, p->comm));
	return 0;
}

static size_t slen(const char *t)
{
	return t ? strlen(t) : 0;
}

int sockets_event(struct sockets *s, const struct row_jrec *j)
{
	struct sock_ent *x;
	const char *t;
	uint32_t i;
	int err;

	i = get(s, j->cookie, j->ts_ns, &err);
	if (!i)
		return err ? err : -ENOMEM;
	x = &s->ents[i - 1];
	times(x, j->ts_ns);
	x->events++;
	t = jrec_text(j, JT_FAMILY);
	x->family = max_text(s, x->family, t, slen(t));
	t = jrec_text(j, JT_LADDR);
	x->laddr = max_text(s, x->laddr, t, slen(t));
	t = jrec_text(j, JT_RADDR);
	x->raddr = max_text(s, x->raddr, t, slen(t));
	t = jrec_text(j, JT_COMM);
	x->comm = max_text(s, x->comm, t, slen(t));
	if (j->has & JR_LPORT)
		max_int(x, SK_LPORT, &x->lport, j->lport);
	if (j->has & JR_RPORT)
		max_int(x, SK_RPORT, &x->rport, j->rport);
	if (j->has & JR_PID)
		max_int(x, SK_PID, &x->pid, j->pid);
	return 0;
}

void sockets_set_conn(struct sockets *s, uint64_t cookie, int64_t conn_id)
{
	uint64_t *v = u64map_get(&s->map, cookie);
	struct sock_ent *x;

	if (!v)
		return;
	x = &s->ents[*v - 1];
	if (!(x->has & SK_CONN)) {
		x->has |= SK_CONN;
		x->conn_id = conn_id;
	}
}

int64_t sockets_conn(const struct sockets *s, uint64_t cookie)
{
	uint64_t *v = u64map_get(&s->map, cookie);
	const struct sock_ent *x;

	if (!v)
		return 0;
	x = &s->ents[*v - 1];
	return (x->has & SK_CONN) ? x->conn_id : 0;
}

int sockets_flush(struct sockets *s)
{
	int err;

	while (s->lru_head) {
		err = drop(s, s->lru_head);
		if (err)
			return err;
	}
	return 0;
}

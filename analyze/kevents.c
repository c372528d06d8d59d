/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel events in the analysis pass (kevents.h). Three rings, each
 * indexed by a u64map from a key to a sequence number: the queue of
 * journal records waiting to be written (indexed by 4-tuple, chained from
 * the newest to the oldest of a tuple), the portless SYN_SENT events
 * (indexed by socket cookie, or by destination when they have none) and
 * the first connection of each socket (by cookie). A ring slot holds its
 * own sequence number, so an index entry that outlived its slot is seen to
 * be stale and ignored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kevents.h"

#define HOLD_NS NS_PER_SEC       /* an event may name a connection starting this much later */
#define SYN_SLACK_NS 1000000LL   /* SYN_SENT up to 1 ms after the SYN (per-CPU clocks) */

struct kev_pending {
	struct row_jrec *j;
	uint64_t seq;             /* own sequence number */
	uint64_t chain;           /* older record of the same tuple key: seq + 1, 0 none */
	uint64_t tkey;
	bool tuple;               /* has a 4-tuple, indexed under tkey */
	bool settled;             /* nothing can change it: not a TCP event */
};

struct kev_syn {
	uint64_t seq;
	uint64_t cookie;
	int64_t ts;
	uint16_t rport;
	uint8_t ver;
	bool any;                 /* local address 0.0.0.0 or :: */
	uint8_t laddr[16], raddr[16];
};

struct kev_conn {
	uint64_t seq;
	uint64_t cookie;
	uint64_t ev_seq;          /* the event that gave it; UINT64_MAX: a packet */
	int64_t conn_id;
};

int kevents_init(struct kevents *k, uint64_t max_pending, uint64_t max_sockets,
		 struct strtab *strs)
{
	memset(k, 0, sizeof(*k));
	k->max = max_pending;
	k->cap = max_pending;
	k->syn_cap = max_sockets;
	k->conn_cap = max_sockets;
	k->strs = strs;
	u64map_init(&k->by_tuple, max_pending);
	u64map_init(&k->syn_cookie, max_sockets);
	u64map_init(&k->syn_dest, max_sockets);
	u64map_init(&k->conn_cookie, max_sockets);
	k->q = calloc(k->cap, sizeof(*k->q));
	k->syn = calloc(k->syn_cap, sizeof(*k->syn));
	k->conns = calloc(k->conn_cap, sizeof(*k->conns));
	if (!k->q || !k->syn || !k->conns) {
		kevents_free(k);
		return -ENOMEM;
	}
	return 0;
}

void kevents_free(struct kevents *k)
{
	for (uint64_t s = k->head_seq; k->q && s < k->tail_seq; s++)
		jrec_free(k->q[s % k->cap].j);
	free(k->q);
	free(k->syn);
	free(k->conns);
	u64map_free(&k->by_tuple);
	u64map_free(&k->syn_cookie);
	u64map_free(&k->syn_dest);
	u64map_free(&k->conn_cookie);
	memset(k, 0, sizeof(*k));
}

bool kevents_full(const struct kevents *k)
{
	return k->tail_seq - k->head_seq >= k->max;
}

static uint64_t mix(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t ep_key(int ver, const uint8_t *a, uint16_t port)
{
	uint8_t pb[2] = { (uint8_t)(port >> 8), (uint8_t)port };

	return mix(mix(0xcbf29ce484222325ULL ^ (uint64_t)ver, a, ver == 6 ? 16 : 4), pb, 2);
}

/* Symmetric: either end first gives the same key. */
static uint64_t tuple_key(int ver, const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb)
{
	return ep_key(ver, a, pa) + ep_key(ver, b, pb);
}

static bool is_state(const struct row_jrec *j, const char *newstate)
{
	const char *ev = jrec_text(j, JT_EVENT), *ns = jrec_text(j, JT_NEWSTATE);

	return ev && ns && !strcmp(ev, NR_EV_STATE) && !strcmp(ns, newstate);
}

static bool port_ok(uint32_t has, uint32_t bit, int64_t v)
{
	return (has & bit) && v >= 0 && v <= 65535;
}

/* A portless SYN_SENT event, remembered by cookie (or destination). */
static void remember_syn(struct kevents *k, const struct row_jrec *j)
{
	struct kev_syn *s;
	struct u64map *m;
	uint64_t key, *v, old;
	bool fresh;

	if (!(j->has & JR_RADDR_BIN) || !port_ok(j->has, JR_RPORT, j->rport) ||
	    ((j->has & JR_LADDR_BIN) && j->lver != j->rver))
		return;
	s = &k->syn[k->syn_seq % k->syn_cap];
	if (k->syn_seq >= k->syn_cap) {
		/* the oldest is overwritten: forget its index entry */
		old = s->seq;
		m = s->cookie ? &k->syn_cookie : &k->syn_dest;
		key = s->cookie ? s->cookie : ep_key(s->ver, s->raddr, s->rport);
		v = u64map_get(m, key);
		if (v && *v == old + 1)
			u64map_del(m, key);
	}
	memset(s, 0, sizeof(*s));
	s->seq = k->syn_seq++;
	s->cookie = (j->has & JR_COOKIE) ? j->cookie : 0;
	s->ts = j->ts_ns;
	s->ver = j->rver;
	memcpy(s->raddr, j->rbin, 16);
	s->rport = (uint16_t)j->rport;
	if (j->has & JR_LADDR_BIN) {
		static const uint8_t zero[16];

		memcpy(s->laddr, j->lbin, 16);
		s->any = !memcmp(j->lbin, zero, j->lver == 6 ? 16 : 4);
	} else {
		/* no local address: it cannot equal the client's */
		s->any = false;
		memset(s->laddr, 0xff, 16);
	}
	m = s->cookie ? &k->syn_cookie : &k->syn_dest;
	key = s->cookie ? s->cookie : ep_key(s->ver, s->raddr, s->rport);
	v = u64map_put(m, key, &fresh);
	if (v)
		*v = s->seq + 1;
}

static const struct kev_syn *syn_by(const struct kevents *k, const struct u64map *m, uint64_t key)
{
	uint64_t *v = u64map_get(m, key);
	const struct kev_syn *s;

	if (!v)
		return NULL;
	s = &k->syn[(*v - 1) % k->syn_cap];
	return s->seq == *v - 1 ? s : NULL;
}

static struct kjoin *kj_of(struct flow *f)
{
	if (!f->kj)
		f->kj = calloc(1, sizeof(*f->kj));
	return f->kj;
}

/* A SYN_SENT of the client socket at ts, when it is not after the
 * attempt's first packet (with the slack): the latest counts. */
static void syn_candidate(struct flow *f, int64_t ts)
{
	struct kjoin *kj = kj_of(f);

	if (!kj || ts_clamp(ts) > f->first_ns + SYN_SLACK_NS)
		return;
	if (!(kj->has & KJ_SYN_SENT) || ts > kj->syn_sent_ns) {
		kj->has |= KJ_SYN_SENT;
		kj->syn_sent_ns = ts;
	}
}

/* A remembered portless SYN_SENT to f's server from its client (or from
 * any local address). */
static void syn_offer(struct flow *f, const struct kev_syn *s)
{
	int alen = f->ipver == 6 ? 16 : 4;

	if (!s || s->ver != f->ipver || s->rport != f->ep[1].port ||
	    memcmp(s->raddr, f->ep[1].addr, alen) ||
	    (!s->any && memcmp(s->laddr, f->ep[0].addr, alen)))
		return;
	syn_candidate(f, s->ts);
}

/* Event j, whose local end is f's endpoint `side`. */
static void offer(struct kevents *k, struct flow *f, int side, const struct row_jrec *j)
{
	struct kjoin *kj = kj_of(f);
	uint8_t pid_bit = side ? KJ_PID_S : KJ_PID_C;

	if (!kj)
		return;
	if ((j->has & JR_PID) && !(kj->has & pid_bit)) {
		const char *c = jrec_text(j, JT_COMM);

		kj->has |= pid_bit;
		kj->ev_pid[side] = j->pid;
		kj->ev_comm[side] = c ? strtab_intern(k->strs, c, strlen(c)) : 0;
	}
	if (is_state(j, "ESTABLISHED")) {
		if (side == 0 && (!(kj->has & KJ_EST) || j->ts_ns < kj->est_ns)) {
			kj->has |= KJ_EST;
			kj->est_ns = j->ts_ns;
		} else if (side == 1 && (!(kj->has & KJ_SRV_EST) || j->ts_ns < kj->srv_est_ns)) {
			kj->has |= KJ_SRV_EST;
			kj->srv_est_ns = j->ts_ns;
		}
	}
	if (side != 0)
		return;
	if (is_state(j, "SYN_SENT"))
		syn_candidate(f, j->ts_ns);
	if ((j->has & JR_COOKIE) && j->cookie)
		syn_offer(f, syn_by(k, &k->syn_cookie, j->cookie));
}

/* Event ev_seq of the socket of cookie belongs to conn_id: the socket's
 * connection is that of its earliest event given one, else that of the
 * packets it sent (ev_seq UINT64_MAX). */
static void remember_conn(struct kevents *k, uint64_t cookie, uint64_t ev_seq, int64_t conn_id)
{
	struct kev_conn *c;
	uint64_t *v;
	bool fresh;

	v = u64map_get(&k->conn_cookie, cookie);
	if (v && k->conns[(*v - 1) % k->conn_cap].seq == *v - 1) {
		c = &k->conns[(*v - 1) % k->conn_cap];
		if (ev_seq <= c->ev_seq) {
			c->ev_seq = ev_seq;
			c->conn_id = conn_id;
		}
		return;
	}
	c = &k->conns[k->conn_seq % k->conn_cap];
	if (k->conn_seq >= k->conn_cap) {
		uint64_t *o = u64map_get(&k->conn_cookie, c->cookie);

		if (o && *o == c->seq + 1)
			u64map_del(&k->conn_cookie, c->cookie);
	}
	c->seq = k->conn_seq++;
	c->cookie = cookie;
	c->ev_seq = ev_seq;
	c->conn_id = conn_id;
	v = u64map_put(&k->conn_cookie, cookie, &fresh);
	if (v)
		*v = c->seq + 1;
}

static int64_t conn_of_cookie(const struct kevents *k, uint64_t cookie)
{
	uint64_t *v = u64map_get(&k->conn_cookie, cookie);
	const struct kev_conn *c;

	if (!v)
		return 0;
	c = &k->conns[(*v - 1) % k->conn_cap];
	return c->seq == *v - 1 ? c->conn_id : 0;
}

static void give_conn(struct kevents *k, struct kev_pending *p, struct flow *f)
{
	struct row_jrec *j = p->j;

	j->has |= JR_CONN;
	j->conn_id = f->conn_id;
	if ((j->has & JR_COOKIE) && j->cookie)
		remember_conn(k, j->cookie, p->seq, f->conn_id);
}

int kevents_add(struct kevents *k, struct row_jrec *j, struct kev_match *m)
{
	struct kev_pending *p;

	memset(m, 0, sizeof(*m));
	if (kevents_full(k))
		return -ENOSPC;
	p = &k->q[k->tail_seq % k->cap];
	memset(p, 0, sizeof(*p));
	p->j = j;
	p->seq = k->tail_seq++;
	if (j->kind != JK_TCP_EVENT) {
		p->settled = true;
		return 0;
	}
	if (is_state(j, "SYN_SENT") && (j->has & JR_LPORT) && j->lport == 0)
		remember_syn(k, j);
	if ((j->has & JR_LADDR_BIN) && (j->has & JR_RADDR_BIN) && j->lver == j->rver &&
	    port_ok(j->has, JR_LPORT, j->lport) && port_ok(j->has, JR_RPORT, j->rport)) {
		uint64_t *v;
		bool fresh;

		m->tuple = true;
		m->ipver = j->lver;
		memcpy(m->laddr, j->lbin, 16);
		memcpy(m->raddr, j->rbin, 16);
		m->lport = (uint16_t)j->lport;
		m->rport = (uint16_t)j->rport;
		p->tkey = tuple_key(m->ipver, m->laddr, m->lport, m->raddr, m->rport);
		v = u64map_put(&k->by_tuple, p->tkey, &fresh);
		if (v) {
			p->tuple = true;
			p->chain = fresh ? 0 : *v;
			*v = p->seq + 1;
		}
	}
	return 0;
}

void kevents_match_last(struct kevents *k, struct flow *f, int side)
{
	struct kev_pending *p = &k->q[(k->tail_seq - 1) % k->cap];

	give_conn(k, p, f);
	offer(k, f, side, p->j);
}

void kevents_flow_started(struct kevents *k, struct flow *f)
{
	int alen = f->ipver == 6 ? 16 : 4;
	uint64_t key = tuple_key(f->ipver, f->ep[0].addr, f->ep[0].port, f->ep[1].addr,
				 f->ep[1].port);
	uint64_t *v = u64map_get(&k->by_tuple, key);
	uint64_t s = v ? *v : 0;

	/* waiting events on its 4-tuple: the newest first */
	while (s && s - 1 >= k->head_seq) {
		struct kev_pending *p = &k->q[(s - 1) % k->cap];
		const struct row_jrec *j = p->j;
		int side = -1;

		if (p->seq != s - 1)
			break;
		s = p->chain;
		if (j->lver != f->ipver)
			continue;
		for (int d = 0; d < 2 && side < 0; d++)
			if (j->lport == f->ep[d].port && j->rport == f->ep[1 - d].port &&
			    !memcmp(j->lbin, f->ep[d].addr, alen) &&
			    !memcmp(j->rbin, f->ep[1 - d].addr, alen))
				side = d;
		if (side < 0)
			continue;
		give_conn(k, p, f);
		offer(k, f, side, j);
	}
	/* a portless SYN_SENT without a cookie to its server */
	syn_offer(f, syn_by(k, &k->syn_dest, ep_key(f->ipver, f->ep[1].addr, f->ep[1].port)));
}

void kevents_packet(struct kevents *k, uint64_t cookie, int64_t conn_id)
{
	remember_conn(k, cookie, UINT64_MAX, conn_id);
}

struct row_jrec *kevents_release(struct kevents *k, int64_t now, bool all)
{
	struct kev_pending *p;
	struct row_jrec *j;

	if (k->head_seq == k->tail_seq)
		return NULL;
	p = &k->q[k->head_seq % k->cap];
	j = p->j;
	/* a connection starting a second after it could still be its */
	if (!all && !p->settled && ts_clamp(j->ts_ns) >= now - HOLD_NS)
		return NULL;
	if (p->tuple) {
		uint64_t *v = u64map_get(&k->by_tuple, p->tkey);

		/* the newest of its tuple leaves: so did every older one */
		if (v && *v == p->seq + 1)
			u64map_del(&k->by_tuple, p->tkey);
	}
	if (j->kind == JK_TCP_EVENT && !(j->has & JR_CONN) && (j->has & JR_COOKIE) && j->cookie) {
		int64_t c = conn_of_cookie(k, j->cookie);

		if (c) {
			j->has |= JR_CONN;
			j->conn_id = c;
		}
	}
	p->j = NULL;
	k->head_seq++;
	return j;
}

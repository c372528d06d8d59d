// SPDX-License-Identifier: GPL-2.0-only
/*
 * A bounded table of TCP connections user space has seen, keyed by their
 * tuple as seen from this host. It lets a packet whose owner the kernel did
 * not know at capture time take the owner learned from a later record of
 * the same connection (within the hold window: NR_OWNER_LATE), scales the
 * window of window events, and remembers which connections matched the
 * filter expression. Old entries are overwritten; nothing here is needed
 * for correctness of the packets themselves.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "profile.h"
#include "intake.h"
#include "track.h"

#define SLOTS 65536
#define PROBE 8
/* The namespace number of a connection's entry under any namespace
 * (beyond IFKEY_MAX_NS) */
#define NS_ANY 0xFFFF

static int track_namespaces;

struct conn {
	struct nr_tuple t;
	bool has_owner;
	bool matched;
	bool captured;           /* a packet of it was captured (-i) */
	bool has_claimed;
	int8_t ws_out, ws_in;    /* window scale each side offered, -1 none */
	struct nr_owner owner;   /* last owner any record named */
	struct nr_owner claimed; /* last owner that used the socket itself */
};

static struct conn table[SLOTS];
/* Connections by the socket cookie of their first SYN's sender: a
 * connect() enters SYN_SENT before the kernel picks the local port, and
 * that one event names its connection only by its socket (track_by_cookie).
 * Direct-mapped, overwritten on collision: entries are needed for the
 * hold window only. */
#define COOKIE_SLOTS 4096
static struct {
	uint64_t cookie;
	struct nr_tuple t;
} by_cookie[COOKIE_SLOTS];

static unsigned cookie_slot(uint64_t cookie)
{
	_Static_assert(COOKIE_SLOTS == 1u << 12, "the slot is the hash's top 12 bits");
	return (unsigned)((cookie * 0x9E3779B97F4A7C15ULL) >> 52);  /* 12 bits */
}
/* Each slot's hash with its low bit set (0: empty), apart from the
 * entries: a probe reads this small array (256 KiB) and touches an entry
 * only where the hash matches, one cache miss a lookup rather than one a
 * probe. */
static uint32_t tags[SLOTS];

/* The tuple's five 64-bit words, multiplied and folded (one multiply a
 * word: this runs for every TCP packet). */
static uint32_t hash_tuple(const struct nr_tuple *t)
{
	uint64_t w, h = 0x9E3779B97F4A7C15ULL;

	_Static_assert(sizeof(*t) == 40, "five words");
	for (size_t i = 0; i < sizeof(*t); i += 8) {
		memcpy(&w, (const uint8_t *)t + i, 8);
		h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
	}
	return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

static struct conn *lookup(const struct nr_tuple *t, bool create)
{
	uint32_t h = hash_tuple(t), tag = h | 1;
	uint32_t free_slot = SLOTS;
	struct conn *c;

	for (uint32_t i = 0; i < PROBE; i++) {
		uint32_t k = (h + i) % SLOTS;

		if (tags[k] == tag && memcmp(&table[k].t, t, sizeof(*t)) == 0)
			return &table[k];
		if (!tags[k] && free_slot == SLOTS)
			free_slot = k;
	}
	if (!create)
		return NULL;
	if (free_slot == SLOTS)
		free_slot = h % SLOTS; /* evict */
	c = &table[free_slot];
	memset(c, 0, sizeof(*c));
	tags[free_slot] = tag;
	c->t = *t;
	c->ws_out = c->ws_in = -1;
	return c;
}

/* The connection of a TCP packet and its TCP header, from the offsets the
 * kernel's parser found (extension headers and IPv4 options skipped). */
static int parse(const struct nr_pkt *p, const uint8_t *data, struct nr_tuple *t,
		 const uint8_t **tcp, uint32_t *tcp_len)
{
	const uint8_t *ip = data + p->l3_off, *src, *dst, *th;
	size_t alen, need;

	if (p->l4_proto != 6 || !p->l4_off || p->parse || p->l3_off > p->cap_len ||
	    p->l4_off > p->cap_len || p->cap_len - p->l4_off < 20)
		return -ENOENT;
	alen = p->eth_proto == 0x86DD ? 16 : 4;
	need = p->eth_proto == 0x86DD ? 40 : 20;
	if (p->l4_off < p->l3_off + need)
		return -ENOENT;
	src = ip + (alen == 16 ? 8 : 12);
	dst = ip + (alen == 16 ? 24 : 16);
	th = data + p->l4_off;
	memset(t, 0, sizeof(*t));
	t->family = alen == 16 ? 10 : 2;
	if (p->dir == NR_DIR_OUT) {
		memcpy(t->laddr, src, alen);
		memcpy(t->raddr, dst, alen);
		t->lport = (uint16_t)(th[0] << 8 | th[1]);
		t->rport = (uint16_t)(th[2] << 8 | th[3]);
	} else {
		memcpy(t->laddr, dst, alen);
		memcpy(t->raddr, src, alen);
		t->lport = (uint16_t)(th[2] << 8 | th[3]);
		t->rport = (uint16_t)(th[0] << 8 | th[1]);
	}
	*tcp = th;
	*tcp_len = p->cap_len - p->l4_off;
	return 0;
}

int track_tuple_of_packet(const struct nr_pkt *p, const uint8_t *data, struct nr_tuple *t,
			  const uint8_t **tcp, uint32_t *tcp_len)
{
	return parse(p, data, t, tcp, tcp_len);
}

void track_tuple_of_event(const struct nr_event *e, struct nr_tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->family = e->family;
	memcpy(t->laddr, e->saddr, e->family == 10 ? 16 : 4);
	memcpy(t->raddr, e->daddr, e->family == 10 ? 16 : 4);
	t->lport = e->sport;
	t->rport = e->dport;
}

static int syn_wscale(const uint8_t *th, uint32_t len)
{
	uint32_t hl = (uint32_t)(th[12] >> 4) * 4, i = 20;

	if (hl > len)
		hl = len;
	while (i < hl) {
		uint8_t kind = th[i];

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= hl || th[i + 1] < 2)
			break;
		if (kind == 3 && th[i + 1] == 3 && i + 2 < hl)
			return th[i + 2] > 14 ? 14 : th[i + 2];
		i += th[i + 1];
	}
	return -1;
}

/* With other namespaces followed, an owner is also kept under NS_ANY
 * (track_late_owner_any). */
static void learn_any(const struct nr_tuple *t, const struct nr_owner *o)
{
	struct nr_tuple u = *t;
	struct conn *c;

	if (!track_namespaces)
		return;
	track_tuple_ns(&u, NS_ANY);
	c = lookup(&u, true);
	c->owner = *o;
	c->has_owner = true;
}

static bool is_process(uint8_t src)
{
	return src_is_process(src);
}

void track_learn_packet(const struct nr_tuple *t, const struct nr_owner *o, uint8_t src,
			uint8_t dir, const uint8_t *tcp, uint32_t tcp_len, bool captured)
{
	bool owner = is_process(src), syn = tcp && tcp_len > 13 && (tcp[13] & 0x02);
	struct conn *c;

	if (!owner && !syn && !captured)
		return;
	c = lookup(t, true);
	if (captured)
		c->captured = true;
	if (owner) {
		c->owner = *o;
		c->has_owner = true;
		if (o->flags & NR_OWN_CLAIMED) {
			c->claimed = *o;
			c->has_claimed = true;
		}
		learn_any(t, o);
	}
	if (syn && owner && dir == NR_DIR_OUT && !(tcp[13] & 0x10) && o->cookie) {
		unsigned k = cookie_slot(o->cookie);

		by_cookie[k].cookie = o->cookie;
		by_cookie[k].t = *t;
	}
	if (syn) {
		int ws = syn_wscale(tcp, tcp_len);

		if (dir == NR_DIR_OUT)
			c->ws_out = (int8_t)ws;
		else
			c->ws_in = (int8_t)ws;
	}
}

void track_learn_event(const struct nr_tuple *t, const struct nr_owner *o, uint8_t src)
{
	struct conn *c;

	if (!is_process(src) || !t->lport || !t->rport)
		return;
	c = lookup(t, true);
	c->owner = *o;
	c->has_owner = true;
	if (o->flags & NR_OWN_CLAIMED) {
		c->claimed = *o;
		c->has_claimed = true;
	}
	learn_any(t, o);
}

int track_late_owner(const struct nr_tuple *t, struct nr_owner *o)
{
	struct conn *c = lookup(t, false);

	if (!c || !c->has_owner)
		return -ENOENT;
	*o = c->owner;
	return 0;
}

void track_set_namespaces(int n)
{
	track_namespaces = n;
}

int track_late_owner_any(const struct nr_tuple *t, struct nr_owner *o)
{
	struct nr_tuple u = *t;

	track_tuple_ns(&u, track_namespaces ? NS_ANY : 0);
	return track_late_owner(&u, o);
}

int track_acceptor(const struct nr_tuple *t, struct nr_owner *o)
{
	struct conn *c = lookup(t, false);

	if (!c || !c->has_claimed)
		return -ENOENT;
	*o = c->claimed;
	return 0;
}

void track_reverse(const struct nr_tuple *t, struct nr_tuple *out)
{
	*out = *t;
	memcpy(out->laddr, t->raddr, 16);
	memcpy(out->raddr, t->laddr, 16);
	out->lport = t->rport;
	out->rport = t->lport;
}

int track_by_cookie(uint64_t cookie, struct nr_tuple *t)
{
	unsigned k = cookie_slot(cookie);

	if (!cookie || by_cookie[k].cookie != cookie)
		return -ENOENT;
	*t = by_cookie[k].t;
	return 0;
}

bool track_captured(const struct nr_tuple *t)
{
	struct conn *c = lookup(t, false);

	return c && c->captured;
}

void track_mark_matched(const struct nr_tuple *t)
{
	lookup(t, true)->matched = true;
}

bool track_matched(const struct nr_tuple *t)
{
	struct conn *c = lookup(t, false);

	return c && c->matched;
}

uint32_t track_synth_packet(const struct nr_event *e, int dir, uint8_t *buf, uint32_t cap)
{
	bool v6 = e->family == 10;
	uint32_t iplen = v6 ? 40 : 20, len = 20 + iplen + 20;
	uint8_t *ip = buf + 20, *th = ip + iplen;
	const uint8_t *src = dir == 0 ? e->saddr : e->daddr, *dst = dir == 0 ? e->daddr : e->saddr;
	uint16_t sport = dir == 0 ? e->sport : e->dport, dport = dir == 0 ? e->dport : e->sport;

	if (cap < len)
		return 0;
	memset(buf, 0, len);
	buf[0] = v6 ? 0x86 : 0x08;
	buf[1] = v6 ? 0xDD : 0x00;
	buf[10] = dir == 0 ? 4 : 0;
	if (v6) {
		ip[0] = 0x60;
		ip[5] = 20;
		ip[6] = 6;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
	} else {
		ip[0] = 0x45;
		ip[3] = 40;
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
	}
	th[0] = (uint8_t)(sport >> 8);
	th[1] = (uint8_t)sport;
	th[2] = (uint8_t)(dport >> 8);
	th[3] = (uint8_t)dport;
	th[12] = 0x50;
	th[13] = 0x10; /* ACK */
	return len;
}

uint32_t track_window_bytes(const struct nr_tuple *t, const struct nr_event *e)
{
	struct conn *c;
	int ws;

	if (!e->window)
		return 0;
	c = lookup(t, false);
	if (!c || c->ws_out < 0 || c->ws_in < 0)
		return e->window;
	/* the advertiser's scale: ours for _adv, the peer's for _recv */
	ws = (e->type == NR_EV_T_WIN_OPEN_ADV || e->type == NR_EV_T_ZERO_WIN_ADV) ?
		c->ws_out : c->ws_in;
	return e->window << ws;
}

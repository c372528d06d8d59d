// SPDX-License-Identifier: GPL-2.0-only
/*
 * Recognises one packet seen on several interfaces: a packet this host
 * forwards passes tc where it comes in and where it goes out (a router, a
 * bridge to containers). Its bytes from the network header on are the
 * same but for what forwarding changes (the IPv4 TTL and header checksum,
 * the IPv6 hop limit); netrec gives every packet an id from those bytes,
 * and marks a packet as a copy when a packet with the same id was seen on
 * another interface within SAME_WINDOW_NS (docs/format.md §4). A packet
 * changed on the way (NAT) is not recognised: it is another packet.
 *
 * The table is direct-mapped and bounded: an entry overwritten early only
 * costs a copy not being recognised.
 */
#include <string.h>

#include "same.h"

#define SLOTS 8192
#define HASHED_MAX 256           /* network-layer bytes hashed */

struct seen {
	uint64_t id;
	uint64_t ktime_ns;
	uint32_t netns;
	uint32_t ifindex;
};

static struct seen table[SLOTS];
/* The one interface seen so far, until a second appears: until then no
 * packet can be a copy, so the table is only written (a store that misses
 * the cache does not hold the reader up; a load does). The entries are all
 * there the moment a second interface is seen. */
static bool several;
static uint32_t first_netns, first_ifindex;
static bool any;

static uint64_t mix(uint64_t h, uint64_t w)
{
	return (h ^ w) * 0xFF51AFD7ED558CCDULL;
}

/* The 8-byte word of the network-layer bytes at off (zero past n), with
 * what forwarding changes cleared: the same words a copy of the bytes,
 * zero-padded and patched, would give, without copying them. */
static uint64_t word_at(const struct nr_pkt *p, const uint8_t *ip, uint32_t n, uint32_t off)
{
	uint8_t b[8] = { 0 };
	uint64_t w;

	if (off + 8 <= n && off >= 16) {
		memcpy(&w, ip + off, 8);
		return w;
	}
	memcpy(b, ip + off, n - off < 8 ? n - off : 8);
	if (p->eth_proto == 0x0800 && n >= 20 && off == 8) {
		b[0] = 0;                 /* TTL */
		b[2] = b[3] = 0;          /* header checksum */
	} else if (p->eth_proto == 0x86DD && n >= 40 && off == 0) {
		b[7] = 0;                 /* hop limit */
	}
	memcpy(&w, b, 8);
	return w;
}

uint64_t same_packet(const struct nr_pkt *p, const uint8_t *data, bool *copy)
{
	const uint8_t *ip = data + p->l3_off;
	uint32_t n = p->cap_len - p->l3_off, i;
	uint64_t h = 0x9E3779B97F4A7C15ULL ^ (p->len - p->l3_off);
	int64_t dt;
	struct seen *s;

	*copy = false;
	if (n > HASHED_MAX)
		n = HASHED_MAX;
	for (i = 0; i < n; i += 8)
		h = mix(h, word_at(p, ip, n, i));
	h ^= h >> 29;
	if (!h)
		h = 1;
	s = &table[h % SLOTS];
	if (!several) {
		if (!any) {
			any = true;
			first_netns = p->netns;
			first_ifindex = p->ifindex;
		} else if (first_netns != p->netns || first_ifindex != p->ifindex) {
			several = true;
		}
	}
	if (!several) {
		s->id = h;
		s->ktime_ns = p->ktime_ns;
		s->netns = p->netns;
		s->ifindex = p->ifindex;
		return h;
	}
	/* records of two CPUs may come in either order */
	dt = (int64_t)(p->ktime_ns - s->ktime_ns);
	if (s->id == h && (dt < 0 ? -dt : dt) <= (int64_t)SAME_WINDOW_NS &&
	    (s->ifindex != p->ifindex || s->netns != p->netns)) {
		*copy = true;
		s->ktime_ns = p->ktime_ns;
		s->netns = p->netns;
		s->ifindex = p->ifindex;
		return h;
	}
	s->id = h;
	s->ktime_ns = p->ktime_ns;
	s->netns = p->netns;
	s->ifindex = p->ifindex;
	return h;
}

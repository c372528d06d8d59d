// SPDX-License-Identifier: GPL-2.0-only
/*
 * A bounded table from datagram to owner, filled by first fragments as
 * they are read from the ring (before the reorder window releases
 * anything, so a later fragment that arrived first is still linked) and
 * read for later fragments whose owner the kernel side did not know. The
 * key is what reassembly uses (RFC 791: source, destination, protocol,
 * identification; RFC 8200: source, destination, identification). An
 * entry is overwritten by the next datagram that hashes to its slot and
 * trusted only within the reassembly timeout; nothing here is needed for
 * the packets themselves.
 */
#include <errno.h>
#include <string.h>

#include "profile.h"
#include "frag.h"

#define SLOTS 4096
/* Linux gives up reassembling after 30 s (IPv4) / 60 s (IPv6). */
#define MAX_AGE_NS (60 * 1000000000ULL)

struct frag_key {
	uint8_t saddr[16];
	uint8_t daddr[16];
	uint32_t id;
	uint8_t family;
	uint8_t proto;
	uint8_t pad[2];
};

struct frag_ent {
	struct frag_key k;
	uint64_t ktime_ns;
	struct nr_owner owner;
	uint8_t src;
	uint8_t used;
};

static struct frag_ent table[SLOTS];

static int key_of(const struct nr_pkt *p, const uint8_t *data, struct frag_key *k)
{
	const uint8_t *ip = data + p->l3_off;
	size_t alen = p->eth_proto == 0x86DD ? 16 : 4;
	size_t need = p->eth_proto == 0x86DD ? 40 : 20;

	if (!(p->pflags & NR_PF_FRAGMENT) || p->l3_off > p->cap_len ||
	    p->cap_len - p->l3_off < need)
		return -ENOENT;
	memset(k, 0, sizeof(*k));
	k->family = alen == 16 ? 10 : 2;
	/* IPv6 reassembly ignores the protocol (it is in the fragmentable
	 * part); IPv4's includes it */
	k->proto = alen == 16 ? 0 : p->l4_proto;
	k->id = p->frag_id;
	memcpy(k->saddr, ip + (alen == 16 ? 8 : 12), alen);
	memcpy(k->daddr, ip + (alen == 16 ? 24 : 16), alen);
	return 0;
}

static uint32_t hash_key(const struct frag_key *k)
{
	const uint8_t *b = (const uint8_t *)k;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ b[i]) * 16777619u;
	return h % SLOTS;
}

void frag_learn(const struct nr_pkt *p, const uint8_t *data, const struct nr_owner *o,
		uint8_t src)
{
	struct frag_key k;
	struct frag_ent *e;

	if ((p->pflags & NR_PF_LATER_FRAG) || src == NR_OWNER_UNKNOWN || key_of(p, data, &k))
		return;
	e = &table[hash_key(&k)];
	e->k = k;
	e->ktime_ns = p->ktime_ns;
	e->owner = *o;
	e->src = src;
	e->used = 1;
}

int frag_owner(const struct nr_pkt *p, const uint8_t *data, struct nr_owner *o,
	       uint8_t *src)
{
	struct frag_key k;
	struct frag_ent *e;
	uint64_t age;

	if (!(p->pflags & NR_PF_LATER_FRAG) || key_of(p, data, &k))
		return -ENOENT;
	e = &table[hash_key(&k)];
	if (!e->used || memcmp(&e->k, &k, sizeof(k)))
		return -ENOENT;
	age = e->ktime_ns > p->ktime_ns ? e->ktime_ns - p->ktime_ns : p->ktime_ns - e->ktime_ns;
	if (age > MAX_AGE_NS)
		return -ENOENT;
	*o = e->owner;
	*src = e->src;
	return 0;
}

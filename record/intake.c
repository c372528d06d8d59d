// SPDX-License-Identifier: GPL-2.0-only
/*
 * Everything that happens to a record the moment it leaves the ring
 * buffer, once: its size and offsets are checked against what the kernel
 * side promises (a record that fails is counted as lost, never trusted),
 * it is copied into a pool slot, the kernel's owner source is translated
 * into the file's, its TCP connection is found from the parser's offsets,
 * and what it tells about owners (connections, fragments, processes) is
 * learned before anything older is written, so that a packet held in the
 * reorder window can still take an owner learned from a later record.
 *
 * It does not decide what is written (record/emit.c does).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "profile.h"
#include "frag.h"
#include "intake.h"
#include "proc.h"
#include "same.h"
#include "track.h"

_Static_assert((int)NR_PARSE_MAX == (int)NR_PARSE_WHY_MAX,
	       "every parse result has a reason in the file");

void intake_init(struct intake *in, int64_t mono_to_real_ns)
{
	memset(in, 0, sizeof(*in));
	pool_init(&in->pool);
	reorder_init(&in->ro);
	in->mono_to_real_ns = mono_to_real_ns;
}

static unsigned ns_home(uint32_t ino)
{
	return ((ino * 2654435761u) >> 16) & (INTAKE_NS_HASH - 1);
}

int intake_ns_number(const struct intake *in, uint32_t ino)
{
	if (!ino || ino == in->own_netns)
		return 0;
	for (unsigned h = ns_home(ino); in->ns_hash[h]; h = (h + 1) & (INTAKE_NS_HASH - 1))
		if (in->ns_ino[in->ns_hash[h]] == ino)
			return in->ns_hash[h];
	return 0;
}

/* Linear probing; a number let go is taken out by shifting back the
 * entries after it that probed past its slot (no tombstones). */
void intake_ns_set(struct intake *in, int k, uint32_t ino)
{
	const unsigned mask = INTAKE_NS_HASH - 1;
	unsigned i, j;

	if (k < 1 || k > IFKEY_MAX_NS)
		return;
	if (in->ns_ino[k]) {
		for (i = ns_home(in->ns_ino[k]); in->ns_hash[i] && in->ns_hash[i] != k; i = (i + 1) & mask)
			;
		in->ns_hash[i] = 0;
		for (j = (i + 1) & mask; in->ns_hash[j]; j = (j + 1) & mask) {
			unsigned home = ns_home(in->ns_ino[in->ns_hash[j]]);

			/* it stays unless its home lies cyclically outside (i, j] */
			if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
				in->ns_hash[i] = in->ns_hash[j];
				in->ns_hash[j] = 0;
				i = j;
			}
		}
		in->ns_ino[k] = 0;
	}
	if (!ino)
		return;
	in->ns_ino[k] = ino;
	for (i = ns_home(ino); in->ns_hash[i]; i = (i + 1) & mask)
		;
	in->ns_hash[i] = (uint16_t)k;
	if (k > in->nns)
		in->nns = k;
}

void intake_free(struct intake *in)
{
	reorder_free(&in->ro);
	pool_free(&in->pool);
}

uint8_t intake_owner_src(const struct nr_owner *o)
{
	static const uint8_t file[NR_SRC_MAX] = {
		[NR_SRC_NONE] = NR_OWNER_UNKNOWN,
		[NR_SRC_KERNEL] = NR_OWNER_KERNEL,
		[NR_SRC_SOCKET] = NR_OWNER_SOCKET,
		[NR_SRC_ACCEPT] = NR_OWNER_ACCEPT,
		[NR_SRC_TUPLE] = NR_OWNER_TUPLE,
		[NR_SRC_PREEXIST] = NR_OWNER_PREEXIST,
		[NR_SRC_ICMP_ECHO] = NR_OWNER_ICMP_ECHO,
		[NR_SRC_ICMP_QUOTE] = NR_OWNER_ICMP_QUOTE,
	};

	if (o->src == NR_SRC_KERNEL)
		return NR_OWNER_KERNEL;
	if (o->src == NR_SRC_FORWARDED)
		return (o->flags & NR_OWN_VALID) ? NR_OWNER_FORWARDED : NR_OWNER_FWD_NOBODY;
	if (o->src >= NR_SRC_MAX || !(o->flags & NR_OWN_VALID))
		return NR_OWNER_UNKNOWN;
	return file[o->src];
}

uint8_t intake_parse_why(uint8_t parse)
{
	static const uint8_t file[NR_PARSE_MAX] = {
		[NR_PARSE_OK] = NR_PARSE_WHY_NONE,
		[NR_PARSE_TRUNCATED] = NR_PARSE_WHY_TRUNCATED,
		[NR_PARSE_BAD_HEADER] = NR_PARSE_WHY_BAD_HEADER,
		[NR_PARSE_EXT_CHAIN] = NR_PARSE_WHY_EXT_CHAIN,
		[NR_PARSE_FRAG_UPPER] = NR_PARSE_WHY_FRAG_UPPER,
	};

	return parse < NR_PARSE_MAX ? file[parse] : NR_PARSE_WHY_BAD_HEADER;
}

/* What the kernel side promises about a packet record. */
static bool pkt_valid(const struct nr_pkt *p, size_t size)
{
	return p->cap_len <= NR_MAX_COPY && sizeof(*p) + p->cap_len == size &&
	       p->l3_off <= p->cap_len && p->l4_off <= p->cap_len;
}

static void learn_packet(struct intake *in, struct rec *r)
{
	const struct nr_pkt *p = (const void *)r->data;
	const uint8_t *data = r->data + sizeof(*p), *tcp = NULL;
	uint32_t tcp_len = 0;

	r->has_tuple = track_tuple_of_packet(p, data, &r->t, &tcp, &tcp_len) == 0;
	if (r->has_tuple) {
		track_tuple_ns(&r->t, IFKEY_NS(p->ifindex));
		track_learn_packet(&r->t, &p->owner, r->src, p->dir, tcp, tcp_len,
				   in->mark_captured);
	}
	if (p->pflags & NR_PF_FRAGMENT)
		frag_learn(p, data, &p->owner, r->src);
}

void intake_round(struct intake *in)
{
	in->budget = INTAKE_ROUND;
}

static int record(struct intake *in, const uint8_t *d, size_t size);

int intake_record(void *ctx, void *data, size_t size)
{
	struct intake *in = ctx;

	record(in, data, size);
	if (in->budget && --in->budget == 0)
		return -EAGAIN;
	return 0;
}

static int record(struct intake *in, const uint8_t *d, size_t size)
{
	const void *data = d;
	const struct nr_owner *ow;
	struct rec *r;
	bool copy;

	if (size >= sizeof(struct nr_pkt) && d[0] == NR_REC_PKT) {
		if (!pkt_valid(data, size))
			goto lost;
	} else if (size == sizeof(struct nr_proc) && d[0] == NR_REC_PROC) {
		/* a process took a socket: read /proc now, while it exists;
		 * nothing is written for this notice itself */
		const struct nr_proc *pr = data;
		struct proc_info *pi;

		ow = &pr->owner;
		if ((ow->flags & NR_OWN_VALID) &&
		    (pi = proc_of(ow, (int64_t)pr->ktime_ns + in->mono_to_real_ns)))
			proc_set_parent(pi, pr->ppid);
		in->procs++;
		return 0;
	} else if (d[0] != NR_REC_EVENT ||
		   (size != sizeof(struct nr_event) &&
		    size != sizeof(struct nr_event) + NR_STACK_MAX * 8) ||
		   ((const struct nr_event *)data)->nframes > (size - sizeof(struct nr_event)) / 8) {
		goto lost;   /* a size or kind this netrec does not know */
	}
	r = pool_get(&in->pool, size);
	if (!r)
		goto lost;
	memcpy(r->data, data, size);
	r->size = (uint32_t)size;
	r->kind = d[0];
	if (r->kind == NR_REC_PKT) {
		const struct nr_pkt *p = (const void *)r->data;

		r->ktime_ns = p->ktime_ns;
		r->cpu = p->cpu;
		r->seq = p->seq;
		ow = &p->owner;
		r->src = intake_owner_src(ow);
		r->same_id = same_packet(p, r->data + sizeof(*p), &copy);
		r->copy = copy;
		/* an interface of another namespace: its key */
		if (p->netns && p->netns != in->own_netns) {
			struct nr_pkt *wp = (struct nr_pkt *)r->data;
			int k = intake_ns_number(in, p->netns);

			/* an ifindex too large has no key: never attached */
			if (k && p->ifindex <= IFKEY_MAX_INDEX)
				wp->ifindex = IFKEY(k, p->ifindex);
		}
		learn_packet(in, r);
	} else {
		const struct nr_event *e = (const void *)r->data;

		r->ktime_ns = e->ktime_ns;
		r->cpu = e->cpu;
		r->seq = e->seq;
		ow = &e->owner;
		r->src = intake_owner_src(ow);
		track_tuple_of_event(e, &r->t);
		track_tuple_ns(&r->t, (unsigned)intake_ns_number(in, e->netns));
		r->has_tuple = e->sport && e->dport;
		track_learn_event(&r->t, ow, r->src);
	}
	/* read /proc now, while the process most likely still exists */
	if (src_is_process(r->src))
		proc_of(ow, (int64_t)r->ktime_ns + in->mono_to_real_ns);
	if (reorder_push(&in->ro, r)) {
		pool_put(&in->pool, r);
		goto lost;
	}
	return 0;
lost:
	in->lost++;
	return 0;
}

struct rec *intake_next(struct intake *in, uint64_t before)
{
	return reorder_pop(&in->ro, before);
}

void intake_done(struct intake *in, struct rec *r)
{
	pool_put(&in->pool, r);
}

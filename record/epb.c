// SPDX-License-Identifier: GPL-2.0-only
/*
 * The EPB writer (docs/format.md §3, §4): one block per packet, reserved
 * whole in the pcapng writer's buffer and filled there: the SLL2 header,
 * the packet from its network header on, epb_flags, the owner's pid/tid,
 * the comment and the annotation. The comment names the owner the same way
 * for every packet of that owner, so it is built once (no printf) and kept
 * in a cache keyed by everything it says; the rest is stored as integers.
 *
 * It neither selects nor counts (record/output.c counts what it wrote).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "profile.h"
#include "intake.h"
#include "text.h"
#include "epb.h"

#define NR_ARPHRD_ETHER 1

/* SLL2 (tcpdump's LINKTYPE_LINUX_SLL2): protocol, reserved, ifindex,
 * ARPHRD type, packet type, address length, address (8). */
static void sll2_header(uint8_t *h, int arphrd, const struct nr_pkt *p, const uint8_t *data)
{
	uint16_t v16;
	uint32_t v32;

	if (arphrd < 0)
		arphrd = p->l2 == NR_L2_ETH ? NR_ARPHRD_ETHER : 0xFFFE;
	v16 = htons(p->eth_proto);
	memcpy(h, &v16, 2);
	memset(h + 2, 0, 2);
	v32 = htonl(IFKEY_INDEX(p->ifindex));
	memcpy(h + 4, &v32, 4);
	v16 = htons((uint16_t)arphrd);
	memcpy(h + 8, &v16, 2);
	h[10] = p->dir == NR_DIR_OUT ? 4 : p->pkt_type;
	memset(h + 11, 0, 9);
	if (p->l2 == NR_L2_ETH && p->cap_len >= 12) {
		h[11] = 6;
		memcpy(h + 12, data + 6, 6); /* source MAC */
	}
}

/* Captured and original length of the packet as written. */
static uint32_t sll2_lengths(const struct nr_pkt *p, uint32_t *origlen)
{
	uint32_t l3 = p->l3_off, body = p->cap_len - l3;

	*origlen = SLL2_LEN + (p->len >= l3 ? p->len - l3 : 0);
	if (*origlen < SLL2_LEN + body)
		*origlen = SLL2_LEN + body;
	return SLL2_LEN + body;
}

uint32_t epb_sll2(int arphrd, const struct nr_pkt *p, const uint8_t *data, uint8_t *buf,
		  uint32_t *origlen)
{
	uint32_t caplen = sll2_lengths(p, origlen);

	sll2_header(buf, arphrd, p, data);
	memcpy(buf + SLL2_LEN, data + p->l3_off, caplen - SLL2_LEN);
	return caplen;
}

static const char *comm_of(const struct nr_owner *ow, const struct proc_info *pi, size_t *len)
{
	const char *c = pi && pi->comm[0] ? pi->comm : ow->comm;

	*len = strnlen(c, 16);
	return c;
}

/* The comment of §4, from the cache or built into it. */
static const struct epb_comment *comment(struct epb_writer *ew, const struct nr_owner *ow,
					 uint8_t src, uint8_t why, const struct proc_info *pi)
{
	bool process = src_is_process(src);
	uint64_t serial = process && pi ? pi->serial : 0;
	size_t clen;
	const char *comm = comm_of(ow, pi, &clen);
	uint32_t h = process ? (ow->pid * 2654435761u) ^ (ow->tid * 40503u) ^ src :
			       (uint32_t)src ^ (uint32_t)why << 4;
	struct epb_comment *c = &ew->cache[h % EPB_CACHE_SLOTS];
	char *t;

	if (!process) {
		/* the key is (src, why) alone */
		if (c->used && !c->pid && !c->tid && c->src == src && c->why == why && !c->proc_serial)
			return c;
		memset(c, 0, sizeof(*c));
		if (src == NR_OWNER_KERNEL)
			t = text_lit(c->text, "kernel (kernel)");
		else if (src == NR_OWNER_FWD_NOBODY)
			t = text_lit(c->text, "forwarded");
		else if (why) {
			const char *w = nr_parse_why_name(why);

			t = text_lit(c->text, "unattributed (not parsed: ");
			t = text_mem(t, w, strlen(w));
			*t++ = ')';
		} else {
			t = text_lit(c->text, "unattributed");
		}
	} else {
		if (c->used && c->pid == ow->pid && c->tid == ow->tid && c->uid == ow->uid &&
		    c->ns_pid == ow->ns_pid &&
		    c->gid == ow->gid && c->src == src && c->proc_serial == serial &&
		    strncmp(c->comm, comm, 16) == 0)
			return c;
		memset(c, 0, sizeof(*c));
		c->pid = ow->pid;
		c->tid = ow->tid;
		c->uid = ow->uid;
		c->gid = ow->gid;
		c->ns_pid = ow->ns_pid;
		c->proc_serial = serial;
		memcpy(c->comm, comm, clen);
		/* "comm[pid/tid] uid=U gid=G container=ID12 (src)" */
		t = text_mem(c->text, comm, clen);
		*t++ = '[';
		t = text_u64(t, ow->pid);
		*t++ = '/';
		t = text_u64(t, ow->tid);
		*t++ = ']';
		/* the pid inside its pid namespace (a container's), when it
		 * differs: "nspid=12/12" */
		if (ow->ns_pid && (ow->ns_pid != ow->pid || ow->ns_tid != ow->tid)) {
			t = text_lit(t, " nspid=");
			t = text_u64(t, ow->ns_pid);
			*t++ = '/';
			t = text_u64(t, ow->ns_tid);
		}
		t = text_lit(t, " uid=");
		t = text_u64(t, ow->uid);
		t = text_lit(t, " gid=");
		t = text_u64(t, ow->gid);
		if (pi && pi->container[0]) {
			t = text_lit(t, " container=");
			t = text_mem(t, pi->container, 12);
		}
		t = text_lit(t, " (");
		t = text_mem(t, nr_owner_src_name(src), strlen(nr_owner_src_name(src)));
		*t++ = ')';
	}
	c->src = src;
	c->why = why;
	c->used = 1;
	c->len = (uint8_t)(t - c->text);
	return c;
}

int epb_write(struct pcapng_writer *w, struct epb_writer *ew, uint32_t if_id, int arphrd,
	      const struct nr_pkt *p, const uint8_t *data, const struct nr_owner *ow,
	      uint8_t src, const struct proc_info *pi, int64_t ts_ns, uint64_t same_id, bool copy)
{
	bool process = src_is_process(src);
	uint8_t why = intake_parse_why(p->parse), av[4 + NR_PKT_ANNOT_SIZE], *o;
	const struct epb_comment *c = comment(ew, ow, src, why, pi);
	struct nr_pkt_annot a = { 0 };
	struct pcapng_epb_place pl;
	uint32_t caplen, origlen, flags, pidtid[2], pen = NR_PEN;
	size_t olen;
	int err;

	caplen = sll2_lengths(p, &origlen);
	olen = pcapng_opt_size(4) + (process ? pcapng_opt_size(8) : 0) +
	       pcapng_opt_size(c->len) + pcapng_opt_size(sizeof(av));
	err = pcapng_epb_begin(w, if_id, (uint64_t)ts_ns, caplen, origlen, olen, &pl);
	if (err)
		return err;
	sll2_header(pl.data, arphrd, p, data);
	memcpy(pl.data + SLL2_LEN, data + p->l3_off, caplen - SLL2_LEN);

	a.type = NR_ANNOT_TYPE_PACKET;
	a.version = NR_ANNOT_VERSION;
	a.owner_src = src == NR_OWNER_FWD_NOBODY ? NR_OWNER_FORWARDED : src;
	a.flags = (process ? NR_ANNOT_F_OWNER : 0) | (ow->cookie ? NR_ANNOT_F_COOKIE : 0) |
		  (p->dir == NR_DIR_OUT ? NR_ANNOT_F_EGRESS : 0) |
		  ((p->pflags & NR_PF_FRAGMENT) ? NR_ANNOT_F_FRAGMENT : 0) |
		  ((p->pflags & NR_PF_LATER_FRAG) ? NR_ANNOT_F_LATER : 0) |
		  (why ? NR_ANNOT_F_UNPARSED : 0) | (copy ? NR_ANNOT_F_COPY : 0);
	a.cpu = p->cpu;
	a.seq = p->seq;
	a.cookie = ow->cookie;
	if (process) {
		a.pid = ow->pid;
		a.tid = ow->tid;
		a.uid = ow->uid;
		a.gid = ow->gid;
		a.cgroup_id = ow->cgroup_id;
		a.ns_pid = ow->ns_pid;
		a.ns_tid = ow->ns_tid;
	}
	a.same_id = same_id;
	a.netns = p->netns ? p->netns : ew->netns;
	a.ifindex = IFKEY_INDEX(p->ifindex);
	a.ktime_ns = p->ktime_ns;
	a.parse = why;
	a.l4_proto = why ? 0 : p->l4_proto;
	a.frag_id = (p->pflags & NR_PF_FRAGMENT) ? p->frag_id : 0;
	memcpy(av, &pen, 4);
	nr_annot_encode(&a, av + 4);

	flags = p->dir == NR_DIR_OUT ? PCAPNG_EPB_DIR_OUTBOUND : PCAPNG_EPB_DIR_INBOUND;
	o = pcapng_opt_put(pl.opts, PCAPNG_EPB_FLAGS, &flags, 4);
	if (process) {
		pidtid[0] = ow->pid;
		pidtid[1] = ow->tid;
		o = pcapng_opt_put(o, PCAPNG_EPB_PID_TID, pidtid, 8);
	}
	o = pcapng_opt_put(o, PCAPNG_OPT_COMMENT, c->text, c->len);
	pcapng_opt_put(o, PCAPNG_OPT_CUSTOM_BIN, av, sizeof(av));
	return pcapng_epb_commit(w);
}

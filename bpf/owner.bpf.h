/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Who owns a socket, and so a packet. Process-context hooks record the
 * current task as the owner of the socket it uses (claim), in socket-local
 * storage that accepted children inherit; the tc programs then find a
 * packet's owner through its socket (egress), a socket lookup by addresses
 * and ports (ingress, replies the kernel sends for a socket), the
 * connection map (TIME_WAIT), the echo map (ICMP echo replies) or the
 * packet an ICMP error quotes. The current task is never read in tc
 * context: there it is whoever was interrupted.
 *
 * Zero-window episodes are tracked here too, because their state lives in
 * the socket's storage while the tc program holds the socket.
 */
#ifndef NETREC_BPF_OWNER_BPF_H
#define NETREC_BPF_OWNER_BPF_H

#include "common.bpf.h"
#include "parse.bpf.h"
#include "record.bpf.h"

/* ---- process context ---- */

/* The task's number in its own (innermost) pid namespace:
 * thread_pid->numbers[level].nr. btf: t is a BTF pointer (from
 * bpf_get_current_task_btf), whose fields are plain loads; else each is a
 * probe read. The array element, at an index known only at run time, is
 * a probe read either way. */
static __always_inline __u32 task_ns_nr_(struct task_struct *t, int btf)
{
	struct pid *p = btf ? t->thread_pid : BPF_CORE_READ(t, thread_pid);
	unsigned int level;
	int nr = 0;

	if (!p)
		return 0;
	level = btf ? p->level : BPF_CORE_READ(p, level);
	if (level > 31)
		return 0;
	bpf_core_read(&nr, sizeof(nr), &p->numbers[level].nr);
	return (__u32)nr;
}

/* Only ever called in the owner's process context. The process is named
 * by pid and its start time (a later process that gets the same pid has
 * another), its image by the exec count, both read from the thread-group
 * leader (execve from another thread makes that thread the leader and
 * gives it the leader's start time). btf (a constant): the program may
 * call bpf_get_current_task_btf (tracing programs), so that the task's
 * fields are loads rather than eleven probe reads; cgroup programs read
 * them by probe. */
static __always_inline void owner_from_current_(struct nr_owner *o, int btf)
{
	__u64 pt = bpf_get_current_pid_tgid();
	__u64 ug = bpf_get_current_uid_gid();
	struct task_struct *t, *l;

	o->pid = pt >> 32;
	o->tid = (__u32)pt;
	o->uid = (__u32)ug;
	o->gid = ug >> 32;
	o->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(o->comm, sizeof(o->comm));
	if (btf) {
		t = bpf_get_current_task_btf();
		l = t->group_leader;
		o->start_ns = l->start_boottime;
		o->exec_id = (__u32)l->self_exec_id;
	} else {
		t = (struct task_struct *)bpf_get_current_task();
		l = BPF_CORE_READ(t, group_leader);
		o->start_ns = BPF_CORE_READ(l, start_boottime);
		o->exec_id = (__u32)BPF_CORE_READ(l, self_exec_id);
	}
	o->ns_pid = task_ns_nr_(l, btf);
	o->ns_tid = task_ns_nr_(t, btf);
	o->flags |= NR_OWN_VALID | NR_OWN_CLAIMED;
	announce(o, l, btf);
}

static __always_inline void owner_from_current(struct nr_owner *o)
{
	owner_from_current_(o, 1);
}

/* Reading a socket's fields. Where the socket comes as a typed argument
 * of a tp_btf program (or from a helper returning one), its fields are
 * plain loads the verifier checks against the kernel's BTF (direct); a
 * socket pointer found by reading kernel memory (the accept path walks the
 * descriptor table) is only a number to the verifier, and each field is
 * a bpf_probe_read_kernel, which cost about 20 ns a call here: with a
 * dozen reads a state change and ten state changes a connection, a busy
 * server's connections paid a few microseconds each. Callers pass direct
 * as a constant, so only one branch is compiled. */
#define SK_READ(direct, sk, field) ((direct) ? (sk)->field : BPF_CORE_READ(sk, field))

static __always_inline __u32 sk_netns_(const struct sock *sk, int direct)
{
	if (direct)
		return sk->__sk_common.skc_net.net->ns.inum;
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

static __always_inline __u32 sk_netns(const struct sock *sk)
{
	return sk_netns_(sk, 1);
}

/* A network namespace netrec records. */
static __always_inline int netns_wanted(__u32 ns)
{
	if (!target_netns || ns == target_netns)
		return 1;
	return more_netns && bpf_map_lookup_elem(&netns_on, &ns);
}

static __always_inline int sk_wanted_(const struct sock *sk, int direct)
{
	__u16 fam = SK_READ(direct, sk, __sk_common.skc_family);

	if (fam != NR_AF_INET && fam != NR_AF_INET6)
		return 0;
	return netns_wanted(sk_netns_(sk, direct));
}

static __always_inline int sk_wanted(const struct sock *sk)
{
	return sk_wanted_(sk, 1);
}

static __always_inline int is_v4mapped(const __u8 *a)
{
	return !a[0] && !a[1] && !a[2] && !a[3] && !a[4] && !a[5] && !a[6] && !a[7] &&
	       !a[8] && !a[9] && a[10] == 0xff && a[11] == 0xff;
}

static __always_inline int is_unspec6(const __u8 *a)
{
	for (int i = 0; i < 16; i++)
		if (a[i])
			return 0;
	return 1;
}

static __always_inline void tuple_of_sk_(const struct sock *sk, struct nr_tuple *t, int direct)
{
	const struct inet_sock *inet = (const struct inet_sock *)sk;
	__u16 sport;

	__builtin_memset(t, 0, sizeof(*t));
	t->family = SK_READ(direct, sk, __sk_common.skc_family);
	if (direct && t->family == NR_AF_INET) {
		__u32 a = sk->__sk_common.skc_rcv_saddr, b = sk->__sk_common.skc_daddr;

		__builtin_memcpy(t->laddr, &a, 4);
		__builtin_memcpy(t->raddr, &b, 4);
	} else if (direct) {
		struct in6_addr a = sk->__sk_common.skc_v6_rcv_saddr;
		struct in6_addr b = sk->__sk_common.skc_v6_daddr;

		__builtin_memcpy(t->laddr, &a, 16);
		__builtin_memcpy(t->raddr, &b, 16);
	} else if (t->family == NR_AF_INET) {
		bpf_core_read(t->laddr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(t->raddr, 4, &sk->__sk_common.skc_daddr);
	} else {
		bpf_core_read(t->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(t->raddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	/* an IPv6 socket talking IPv4 (v4-mapped addresses): report it as the
	 * IPv4 connection its packets show */
	if (t->family == NR_AF_INET6 && is_v4mapped(t->raddr) &&
	    (is_v4mapped(t->laddr) || is_unspec6(t->laddr))) {
		__builtin_memmove(t->laddr, t->laddr + 12, 4);
		__builtin_memmove(t->raddr, t->raddr + 12, 4);
		__builtin_memset(t->laddr + 4, 0, 12);
		__builtin_memset(t->raddr + 4, 0, 12);
		t->family = NR_AF_INET;
	}
	/* as the kernel's own tracepoints report it: the bound source port
	 * (skc_num may already be released when the socket closes) */
	/* read as memory either way: the verifier knows sk only as a struct
	 * sock, and inet_sport lies beyond it, in the inet_sock around it */
	sport = bpf_ntohs(BPF_CORE_READ(inet, inet_sport));
	t->lport = sport ? sport : SK_READ(direct, sk, __sk_common.skc_num);
	t->rport = bpf_ntohs(SK_READ(direct, sk, __sk_common.skc_dport));
}

static __always_inline void tuple_of_sk(const struct sock *sk, struct nr_tuple *t)
{
	tuple_of_sk_(sk, t, 1);
}

/* Writes o under k unless the map holds it already. An LRU map's update
 * takes a fresh node, and once the map is full evicts one, even for a key
 * it holds: about as dear as the rest of a state change. A connection's
 * owner seldom changes between its writes, and a lookup (which also marks
 * the entry as used) is cheap. */
static __always_inline void conn_put(const struct nr_conn_key *k, const struct nr_owner *o)
{
	const __u64 *have = bpf_map_lookup_elem(&conns, k), *want = (const __u64 *)o;

	_Static_assert(sizeof(*o) % 8 == 0, "owner in words");
	if (have) {
		__u64 diff = 0;

		for (int i = 0; i < (int)(sizeof(*o) / 8); i++)
			diff |= have[i] ^ want[i];
		if (!diff)
			return;
	}
	bpf_map_update_elem(&conns, k, o, BPF_ANY);
}

static __always_inline void remember_conn(const struct sock *sk, const struct nr_owner *o)
{
	struct nr_conn_key k;

	tuple_of_sk(sk, &k.t);
	k.pad = 0;
	if (!k.t.lport || !k.t.rport)
		return;
	k.netns = sk_netns(sk);
	conn_put(&k, o);
	/* the copy under namespace 0 answers for packets another recorded
	 * namespace forwards: none when only one namespace is recorded */
	if (!target_netns || more_netns) {
		k.netns = 0;
		conn_put(&k, o);
	}
}

/* The current task uses the socket: it is the owner from now on. */
static __always_inline struct nr_owner *claim(struct sock *sk)
{
	struct nr_owner *o;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	o = bpf_sk_storage_get(&owners, sk, 0, NR_STORAGE_CREATE);
	if (!o)
		return 0;
	if ((o->flags & NR_OWN_VALID) && o->tid == tid &&
	    (o->src == NR_SRC_SOCKET || o->src == NR_SRC_ACCEPT))
		return o;
	owner_from_current(o);
	o->src = (o->flags & NR_OWN_ACCEPTED) ? NR_SRC_ACCEPT : NR_SRC_SOCKET;
	if (!o->cookie)
		o->cookie = bpf_get_socket_cookie(sk);
	if (sk->sk_protocol == NR_IPPROTO_TCP)
		remember_conn(sk, o);
	return o;
}

/* ---- zero-window episodes (tc) ---- */

static __always_inline void fill_tuple(struct nr_tuple *t, __u8 family,
				       const __u8 *laddr, const __u8 *raddr,
				       __u16 lport, __u16 rport)
{
	__builtin_memset(t, 0, sizeof(*t));
	t->family = family;
	if (family == NR_AF_INET) {
		__builtin_memcpy(t->laddr, laddr, 4);
		__builtin_memcpy(t->raddr, raddr, 4);
	} else {
		__builtin_memcpy(t->laddr, laddr, 16);
		__builtin_memcpy(t->raddr, raddr, 16);
	}
	t->lport = lport;
	t->rport = rport;
}

static __always_inline void emit_win_event(struct pkt_info *pi, int dir, __u32 type,
					   const struct nr_owner *own, __u8 src)
{
	struct nr_cpu_slot *s;
	struct nr_event *e = event_reserve(&s, type);

	if (!e)
		return;
	e->family = pi->family;
	if (dir == NR_DIR_OUT) {
		__builtin_memcpy(e->saddr, pi->saddr, 16);
		__builtin_memcpy(e->daddr, pi->daddr, 16);
		e->sport = pi->sport;
		e->dport = pi->dport;
	} else {
		__builtin_memcpy(e->saddr, pi->daddr, 16);
		__builtin_memcpy(e->daddr, pi->saddr, 16);
		e->sport = pi->dport;
		e->dport = pi->sport;
	}
	e->window = pi->window;
	e->netns = pi->netns;
	e->owner = *own;
	e->owner.src = src;
	event_submit(s, e);
}

/* Whether a zero-window episode of the connection in direction dir is open,
 * and opening or closing it: in the socket's storage when the packet's
 * socket has one (no map lookup), else in the zwin map. */
static __always_inline void track_window(struct pkt_info *pi, int dir,
					 const struct nr_owner *own, __u8 src,
					 struct nr_owner *store)
{
	__u8 bit = dir == NR_DIR_OUT ? NR_ZWIN_OUT : NR_ZWIN_IN;
	__u32 zero = pi->window == 0, *st, one = 1;
	struct nr_win_key k;

	if (!(event_mask & NR_EV_WINDOW_MASK) || !pi->have_ports ||
	    (pi->tcp_flags & 0x06)) /* SYN or RST */
		return;
	if (store) {
		if (zero == !!(store->zwin & bit))
			return;
		if (zero)
			store->zwin |= bit;
		else
			store->zwin &= ~bit;
	} else {
		__builtin_memset(&k, 0, sizeof(k));
		if (dir == NR_DIR_OUT)
			fill_tuple(&k.t, pi->family, pi->saddr, pi->daddr, pi->sport, pi->dport);
		else
			fill_tuple(&k.t, pi->family, pi->daddr, pi->saddr, pi->dport, pi->sport);
		k.dir = dir;
		k.netns = pi->netns;
		st = bpf_map_lookup_elem(&zwin, &k);
		if (zero == (st && *st))
			return;
		if (zero)
			bpf_map_update_elem(&zwin, &k, &one, BPF_ANY);
		else
			bpf_map_delete_elem(&zwin, &k);
	}
	if (dir == NR_DIR_OUT)
		emit_win_event(pi, dir, zero ? NR_EV_T_ZERO_WIN_ADV : NR_EV_T_WIN_OPEN_ADV,
			       own, src);
	else
		emit_win_event(pi, dir, zero ? NR_EV_T_ZERO_WIN_RECV : NR_EV_T_WIN_OPEN_RECV,
			       own, src);
}

/* ---- packets (tc) ---- */

/* A packet's owner, how it was found, and whether its zero-window state
 * was already tracked (where the socket was held). */
struct attr {
	struct nr_owner *own;     /* zeroed by the caller: the record's own
				     (in the CPU's slot, not on the stack) */
	int src;
	int win_done;
	void *fib;                /* scratch for a FIB lookup (the CPU's slot) */
};

static __always_inline void owner_copy(struct nr_owner *dst, const struct nr_owner *o)
{
	*dst = *o;
	dst->zwin = 0;
}

/* Looks up the local socket (remote -> local as an inbound packet would
 * travel) and copies its owner; tracks the zero window of pi (when not
 * NULL) while the socket is held. Returns the source, 0 if none. */
static __always_inline int owner_by_lookup(struct __sk_buff *skb, __u8 l4,
					   __u8 family, const __u8 *laddr,
					   const __u8 *raddr, __u16 lport,
					   __u16 rport, struct attr *a,
					   struct pkt_info *win, int dir)
{
	struct bpf_sock_tuple bt = {};
	struct bpf_sock *sk;
	struct nr_owner *o;
	__u32 sz;
	int src = 0;

	if (family == NR_AF_INET) {
		__builtin_memcpy(&bt.ipv4.saddr, raddr, 4);
		__builtin_memcpy(&bt.ipv4.daddr, laddr, 4);
		bt.ipv4.sport = bpf_htons(rport);
		bt.ipv4.dport = bpf_htons(lport);
		sz = sizeof(bt.ipv4);
	} else {
		__builtin_memcpy(bt.ipv6.saddr, raddr, 16);
		__builtin_memcpy(bt.ipv6.daddr, laddr, 16);
		bt.ipv6.sport = bpf_htons(rport);
		bt.ipv6.dport = bpf_htons(lport);
		sz = sizeof(bt.ipv6);
	}
	if (l4 == NR_IPPROTO_TCP)
		sk = bpf_sk_lookup_tcp(skb, &bt, sz, BPF_F_CURRENT_NETNS, 0);
	else
		sk = bpf_sk_lookup_udp(skb, &bt, sz, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return 0;
	o = bpf_sk_storage_get(&owners, sk, 0, 0);
	if (o && (o->flags & NR_OWN_VALID)) {
		owner_copy(a->own, o);
		if (sk->state == NR_TCP_LISTEN && l4 == NR_IPPROTO_TCP) {
			/* the listener's owner stands in for the connection's
			 * until a task uses the accepted socket */
			a->own->flags &= ~NR_OWN_CLAIMED;
			src = NR_SRC_ACCEPT;
		} else if (o->src == NR_SRC_ACCEPT || o->src == NR_SRC_PREEXIST) {
			src = o->src;
		} else {
			src = NR_SRC_TUPLE;
		}
		if (win && sk->state != NR_TCP_LISTEN) {
			track_window(win, dir, a->own, src, o);
			a->win_done = 1;
		}
	}
	bpf_sk_release(sk);
	return src;
}

/* The owner the connection map holds for t in namespace netns (0: any). */
static __always_inline int owner_by_conn(const struct nr_tuple *t, __u32 netns, struct attr *a)
{
	struct nr_conn_key k = { .t = *t, .netns = netns };
	struct nr_owner *o = bpf_map_lookup_elem(&conns, &k);

	if (!o || !(o->flags & NR_OWN_VALID))
		return 0;
	owner_copy(a->own, o);
	return NR_SRC_TUPLE;
}

/* Whether addr is an address of the device's own namespace, as its FIB
 * says: 1 yes, 0 no (routed elsewhere), -1 cannot tell (forwarding is off
 * on the device, or no route). */
static __always_inline int addr_local(struct __sk_buff *skb, struct attr *a, __u8 family,
				      const __u8 *addr)
{
	struct bpf_fib_lookup *fl = a->fib;
	long r;

	__builtin_memset(fl, 0, sizeof(*fl));
	fl->family = family;
	fl->ifindex = skb->ifindex;
	if (family == NR_AF_INET)
		__builtin_memcpy(&fl->ipv4_dst, addr, 4);
	else
		__builtin_memcpy(fl->ipv6_dst, addr, 16);
	r = bpf_fib_lookup(skb, fl, sizeof(*fl), 0);
	if (r == BPF_FIB_LKUP_RET_NOT_FWDED)
		return 1;
	if (r == BPF_FIB_LKUP_RET_SUCCESS || r == BPF_FIB_LKUP_RET_NO_NEIGH ||
	    r == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return 0;
	return -1;
}

/* A packet this namespace forwards: the owner of the socket at either end
 * when it lives on this host (in a namespace netrec records). */
static __always_inline int owner_forwarded(struct pkt_info *pi, struct attr *a)
{
	struct nr_tuple t;

	if (pi->l4_proto == NR_IPPROTO_TCP && pi->have_ports) {
		fill_tuple(&t, pi->family, pi->saddr, pi->daddr, pi->sport, pi->dport);
		if (!owner_by_conn(&t, 0, a)) {
			fill_tuple(&t, pi->family, pi->daddr, pi->saddr, pi->dport, pi->sport);
			owner_by_conn(&t, 0, a);
		}
	}
	return NR_SRC_FORWARDED;
}

static __always_inline int icmp_is_error(__u8 family, __u8 type)
{
	if (family == NR_AF_INET)
		return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
	return type >= 1 && type <= 4;
}

static __always_inline int icmp_is_echo_req(__u8 family, __u8 type)
{
	return family == NR_AF_INET ? type == 8 : type == 128;
}

static __always_inline int icmp_is_echo_reply(__u8 family, __u8 type)
{
	return family == NR_AF_INET ? type == 0 : type == 129;
}

/* An ICMP error we received: owner of the socket whose packet it quotes
 * (its extension headers walked like a packet's). */
static __always_inline int owner_by_quote(struct __sk_buff *skb, struct pkt_info *pi,
					  struct attr *a)
{
	struct nr_echo_key ek = {};
	__u8 saddr[16] = {}, daddr[16] = {};
	struct nr_owner *o;
	struct nr_tuple t;
	__u8 l4 = 0, th[8];
	__u32 off = pi->l4_off + 8;
	int src;

	/* the quoted packet is ours: its source is the local side */
	if (pi->family == NR_AF_INET) {
		__u8 h[20];

		if (bpf_skb_load_bytes(skb, off, h, sizeof(h)))
			return 0;
		l4 = h[9];
		__builtin_memcpy(saddr, &h[12], 4);
		__builtin_memcpy(daddr, &h[16], 4);
		if ((((h[6] & 0x1f) << 8) | h[7]) != 0)
			return 0;             /* a later fragment: no ports */
		off += (h[0] & 0xf) * 4;
	} else {
		struct ip6_chain c = {};
		__u8 h[40];

		if (bpf_skb_load_bytes(skb, off, h, sizeof(h)))
			return 0;
		__builtin_memcpy(saddr, &h[8], 16);
		__builtin_memcpy(daddr, &h[24], 16);
		c.off = off + 40;
		c.nh = h[6];
		ip6_walk(skb, &c);
		if (c.parse || (c.pflags & NR_PF_LATER_FRAG))
			return 0;
		l4 = c.nh;
		off = c.off;
	}
	if (bpf_skb_load_bytes(skb, off, th, sizeof(th)))
		return 0;
	if (l4 == NR_IPPROTO_TCP || l4 == NR_IPPROTO_UDP) {
		__u16 lport = (th[0] << 8) | th[1], rport = (th[2] << 8) | th[3];

		src = owner_by_lookup(skb, l4, pi->family, saddr, daddr, lport, rport, a, 0, 0);
		if (!src && l4 == NR_IPPROTO_TCP) {
			fill_tuple(&t, pi->family, saddr, daddr, lport, rport);
			src = owner_by_conn(&t, pi->netns, a);
		}
		return src ? NR_SRC_ICMP_QUOTE : 0;
	}
	if (l4 == NR_IPPROTO_ICMP || l4 == NR_IPPROTO_ICMPV6) {
		ek.family = pi->family;
		__builtin_memcpy(ek.raddr, daddr, 16);
		__builtin_memcpy(&ek.id, &th[4], 2);
		o = bpf_map_lookup_elem(&echo, &ek);
		if (o) {
			owner_copy(a->own, o);
			return NR_SRC_ICMP_QUOTE;
		}
	}
	return 0;
}

static __always_inline int attribute_out(struct __sk_buff *skb, struct pkt_info *pi,
					 struct attr *a)
{
	struct bpf_sock *sk = skb->sk, *fsk = 0;
	struct nr_owner *o;
	struct nr_tuple t;
	int src;

	if (sk)
		fsk = bpf_sk_fullsock(sk);
	if (fsk) {
		o = bpf_sk_storage_get(&owners, fsk, 0, 0);
		if (o && (o->flags & NR_OWN_VALID)) {
			owner_copy(a->own, o);
			a->own->cookie = bpf_get_socket_cookie(skb);
			src = o->src ? o->src : NR_SRC_SOCKET;
			if (pi->have_icmp && icmp_is_echo_req(pi->family, pi->icmp_type)) {
				struct nr_echo_key ek = {};

				ek.family = pi->family;
				__builtin_memcpy(ek.raddr, pi->daddr, 16);
				ek.id = bpf_htons(pi->sport);
				bpf_map_update_elem(&echo, &ek, a->own, BPF_ANY);
			}
			if (pi->l4_proto == NR_IPPROTO_TCP) {
				track_window(pi, NR_DIR_OUT, a->own, src, o);
				a->win_done = 1;
			}
			return src;
		}
	}
	/* a later fragment the socket does not name: user space links it to
	 * its first fragment */
	if (pi->pflags & NR_PF_LATER_FRAG)
		return NR_SRC_NONE;
	/* no socket of this namespace, and a source that is not ours */
	if (!sk && addr_local(skb, a, pi->family, pi->saddr) == 0)
		return owner_forwarded(pi, a);
	if (pi->l4_proto == NR_IPPROTO_TCP) {
		if (!pi->have_ports)
			return NR_SRC_NONE;
		/* a request socket (SYN-ACK), TIME_WAIT, or the control socket
		 * answering for a connection */
		src = owner_by_lookup(skb, NR_IPPROTO_TCP, pi->family, pi->saddr, pi->daddr,
				      pi->sport, pi->dport, a, pi, NR_DIR_OUT);
		if (src)
			return src;
		fill_tuple(&t, pi->family, pi->saddr, pi->daddr, pi->sport, pi->dport);
		src = owner_by_conn(&t, pi->netns, a);
		if (src)
			return src;
		/* a user socket we have no owner for yet: leave it to user space */
		if (fsk && fsk->protocol == NR_IPPROTO_TCP && fsk->src_port == pi->sport)
			return NR_SRC_NONE;
		a->own->flags = NR_OWN_KERNEL;
		return NR_SRC_KERNEL;
	}
	/* ICMP: echo requests come from processes, the rest from the stack */
	if (pi->have_icmp && icmp_is_echo_req(pi->family, pi->icmp_type))
		return NR_SRC_NONE;
	a->own->flags = NR_OWN_KERNEL;
	return NR_SRC_KERNEL;
}

static __always_inline int attribute_in(struct __sk_buff *skb, struct pkt_info *pi,
					struct attr *a)
{
	struct nr_echo_key ek = {};
	struct nr_owner *o;
	struct nr_tuple t;
	int src;

	if (pi->pflags & NR_PF_LATER_FRAG)
		return NR_SRC_NONE;
	if (pi->l4_proto == NR_IPPROTO_TCP) {
		if (!pi->have_ports)
			return NR_SRC_NONE;
		src = owner_by_lookup(skb, NR_IPPROTO_TCP, pi->family, pi->daddr, pi->saddr,
				      pi->dport, pi->sport, a, pi, NR_DIR_IN);
		if (src)
			return src;
		if (addr_local(skb, a, pi->family, pi->daddr) == 0)
			return owner_forwarded(pi, a);
		fill_tuple(&t, pi->family, pi->daddr, pi->saddr, pi->dport, pi->sport);
		return owner_by_conn(&t, pi->netns, a);
	}
	if (!pi->have_icmp)
		return NR_SRC_NONE;
	if (addr_local(skb, a, pi->family, pi->daddr) == 0)
		return owner_forwarded(pi, a);
	if (icmp_is_echo_reply(pi->family, pi->icmp_type)) {
		ek.family = pi->family;
		__builtin_memcpy(ek.raddr, pi->saddr, 16);
		ek.id = bpf_htons(pi->sport);
		o = bpf_map_lookup_elem(&echo, &ek);
		if (!o)
			return NR_SRC_NONE;
		owner_copy(a->own, o);
		return NR_SRC_ICMP_ECHO;
	}
	if (icmp_is_error(pi->family, pi->icmp_type))
		return owner_by_quote(skb, pi, a);
	/* echo requests the stack answers, neighbour discovery, ... */
	a->own->flags = NR_OWN_KERNEL;
	return NR_SRC_KERNEL;
}

/* The packet's owner; an unparsed packet has none. */
static __always_inline void attribute(struct __sk_buff *skb, struct pkt_info *pi, int dir,
				      struct attr *a)
{
	if (pi->parse)
		return;
	a->src = dir == NR_DIR_OUT ? attribute_out(skb, pi, a) : attribute_in(skb, pi, a);
	if (pi->l4_proto == NR_IPPROTO_TCP && !a->win_done)
		track_window(pi, dir, a->own, a->src, 0);
}

#endif

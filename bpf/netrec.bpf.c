// SPDX-License-Identifier: GPL-2.0-only
/*
 * netrec's kernel side. tc clsact programs copy TCP/ICMP/ICMPv6 packets into
 * a ring buffer with the socket owner attached; tracing programs record who
 * owns each socket while that process is current (socket creation, connect,
 * listen, send, receive) and emit the kernel's TCP events. One object so
 * that every program shares the maps; attribution never reads the current
 * task in tc or softirq context.
 *
 * It does not decide what is written or filtered: user space does.
 *
 * The tc programs are written against vmlinux.h too (not the UAPI headers)
 * because they share the socket-owner storage and the ring buffer with the
 * tracing programs, and one object keeps those maps single; they only use
 * UAPI types (__sk_buff, bpf_sock), which vmlinux.h and the fallback header
 * (vmlinux_min.h, which includes linux/bpf.h) both provide.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "netrec.h"

#define TC_ACT_UNSPEC (-1)
#define NR_AF_INET 2
#define NR_AF_INET6 10
#define NR_ETH_P_IP 0x0800
#define NR_ETH_P_IPV6 0x86DD
#define NR_ETH_P_8021Q 0x8100
#define NR_ETH_P_8021AD 0x88A8
#define NR_IPPROTO_ICMP 1
#define NR_IPPROTO_TCP 6
#define NR_IPPROTO_UDP 17
#define NR_IPPROTO_ICMPV6 58
#define NR_TCP_ESTABLISHED 1
#define NR_TCP_SYN_SENT 2
#define NR_TCP_SYN_RECV 3
#define NR_TCP_LISTEN 10
#define NR_STORAGE_CREATE 1ULL
/* enum nr_owner_src (format/profile.h; the kernel side does not include
 * the file-format header). */
#define SRC_UNKNOWN 0
#define SRC_KERNEL 1
#define SRC_SOCKET 2
#define SRC_ACCEPT 3
#define SRC_TUPLE 4
#define SRC_PREEXIST 5
#define SRC_ICMP_ECHO 6
#define SRC_ICMP_QUOTE 7

/* Set by user space before load. */
const volatile __u32 snap_l3 = NR_MAX_COPY; /* bytes kept after the L3 header start */
const volatile __u32 target_netns = 0;      /* netns inode; 0: any */
const volatile __u32 event_mask = 0xffffffff; /* 1 << enum nr_ev_type */

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nr_cpu_state);
} cpu_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);   /* ifindex */
	__type(value, __u64); /* records for it that could not be queued */
} if_drops SEC(".maps");

/* Owner of every inet socket, cloned into accepted children. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct nr_owner);
} owners SEC(".maps");

/* TCP connections by tuple: for packets no live full socket answers for
 * (TIME_WAIT, the kernel's control socket replying for a connection). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct nr_tuple);
	__type(value, struct nr_owner);
} conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct nr_echo_key);
	__type(value, struct nr_owner);
} echo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct nr_win_key);
	__type(value, __u32);
} zwin SEC(".maps");

/* Owners of sockets open before start-up, by socket inode (filled by user
 * space from /proc, consumed by the iter/tcp scan). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct nr_owner);
} preexist SEC(".maps");

struct scratch {
	struct nr_pkt hdr;
	__u8 data[NR_MAX_COPY + 1];
};

/* One slot per CPU (max_entries set to the CPU count by user space); tc
 * runs with bottom halves disabled, so a slot is never used twice at once. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* Wake the reader only when the buffer fills up or a record names another
 * process than the last one that woke it (so that user space reads /proc
 * while a short-lived process still exists): it polls on a timer anyway,
 * and a wakeup per record costs more than the record. */
static __always_inline __u64 rb_flags(__u32 pid)
{
	struct nr_cpu_state *s;
	__u32 k = 0;

	if (bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA) > (4 << 20))
		return BPF_RB_FORCE_WAKEUP;
	s = bpf_map_lookup_elem(&cpu_state, &k);
	if (pid && s && s->last_pid != pid) {
		s->last_pid = pid;
		return BPF_RB_FORCE_WAKEUP;
	}
	return BPF_RB_NO_WAKEUP;
}

static __always_inline __u64 next_seq(void)
{
	__u32 k = 0;
	struct nr_cpu_state *s = bpf_map_lookup_elem(&cpu_state, &k);

	if (!s)
		return 0;
	return __sync_fetch_and_add(&s->seq, 1) + 1;
}

static __always_inline void count_drop(__u32 ifindex)
{
	__u32 k = 0;
	struct nr_cpu_state *s = bpf_map_lookup_elem(&cpu_state, &k);
	__u64 one = 1, *c;

	if (s)
		__sync_fetch_and_add(&s->ring_drops, 1);
	c = bpf_map_lookup_elem(&if_drops, &ifindex);
	if (c)
		__sync_fetch_and_add(c, 1);
	else
		bpf_map_update_elem(&if_drops, &ifindex, &one, BPF_NOEXIST);
}

static __always_inline void owner_from_current(struct nr_owner *o)
{
	__u64 pt = bpf_get_current_pid_tgid();
	__u64 ug = bpf_get_current_uid_gid();

	o->pid = pt >> 32;
	o->tid = (__u32)pt;
	o->uid = (__u32)ug;
	o->gid = ug >> 32;
	o->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(o->comm, sizeof(o->comm));
	/* only ever called in the owner's process context */
	o->flags |= NR_OWN_VALID | NR_OWN_CLAIMED;
}

/* ------------------------------------------------------------------ */
/* Packets (tc clsact)                                                 */
/* ------------------------------------------------------------------ */

struct pkt_info {
	__u32 l3_off;
	__u32 l4_off;
	__u16 eth_proto;
	__u8 l4_proto;
	__u8 family;
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport, dport;       /* host order; ICMP: id in sport */
	__u8 have_ports;
	__u8 tcp_flags;
	__u16 window;
	__u8 icmp_type;
	__u8 have_icmp;
};

/* Parses the IP header at off; 0 when it is TCP/ICMP/ICMPv6 we record. */
static __always_inline int parse_ip(struct __sk_buff *skb, __u32 off,
				    __u16 proto, struct pkt_info *pi)
{
	if (proto == NR_ETH_P_IP) {
		__u8 h[20];

		if (bpf_skb_load_bytes(skb, off, h, sizeof(h)))
			return -1;
		if ((h[0] >> 4) != 4)
			return -1;
		pi->family = NR_AF_INET;
		pi->l4_proto = h[9];
		__builtin_memcpy(pi->saddr, &h[12], 4);
		__builtin_memcpy(pi->daddr, &h[16], 4);
		pi->l4_off = off + (h[0] & 0xf) * 4;
		/* non-first fragments carry no L4 header */
		if (((h[6] & 0x1f) | h[7]) != 0)
			pi->l4_off = 0;
	} else if (proto == NR_ETH_P_IPV6) {
		__u8 h[40];
		__u8 ext[2];

		if (bpf_skb_load_bytes(skb, off, h, sizeof(h)))
			return -1;
		pi->family = NR_AF_INET6;
		pi->l4_proto = h[6];
		__builtin_memcpy(pi->saddr, &h[8], 16);
		__builtin_memcpy(pi->daddr, &h[24], 16);
		pi->l4_off = off + 40;
		/* one hop-by-hop or destination options header */
		if (pi->l4_proto == 0 || pi->l4_proto == 60) {
			if (bpf_skb_load_bytes(skb, pi->l4_off, ext, 2))
				return -1;
			pi->l4_proto = ext[0];
			pi->l4_off += (ext[1] + 1) * 8;
		}
	} else {
		return -1;
	}
	pi->eth_proto = proto;
	pi->l3_off = off;
	if (pi->l4_proto != NR_IPPROTO_TCP && pi->l4_proto != NR_IPPROTO_ICMP &&
	    pi->l4_proto != NR_IPPROTO_ICMPV6)
		return -1;
	if (pi->family == NR_AF_INET && pi->l4_proto == NR_IPPROTO_ICMPV6)
		return -1;
	if (!pi->l4_off)
		return 0;
	if (pi->l4_proto == NR_IPPROTO_TCP) {
		__u8 t[16];

		if (bpf_skb_load_bytes(skb, pi->l4_off, t, sizeof(t)) == 0) {
			pi->sport = (t[0] << 8) | t[1];
			pi->dport = (t[2] << 8) | t[3];
			pi->tcp_flags = t[13];
			pi->window = (t[14] << 8) | t[15];
			pi->have_ports = 1;
		}
	} else {
		__u8 t[8];

		if (bpf_skb_load_bytes(skb, pi->l4_off, t, sizeof(t)) == 0) {
			pi->icmp_type = t[0];
			pi->sport = (t[4] << 8) | t[5]; /* echo identifier */
			pi->have_icmp = 1;
		}
	}
	return 0;
}

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

/* Looks up the local socket (remote -> local as an inbound packet would
 * travel) and copies its owner. Returns the source, 0 if none. */
static __always_inline int owner_by_lookup(struct __sk_buff *skb, __u8 l4,
					   __u8 family, const __u8 *laddr,
					   const __u8 *raddr, __u16 lport,
					   __u16 rport, struct nr_owner *out)
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
		*out = *o;
		if (sk->state == NR_TCP_LISTEN && l4 == NR_IPPROTO_TCP) {
			/* the listener's owner stands in for the connection's
			 * until a task uses the accepted socket */
			out->flags &= ~NR_OWN_CLAIMED;
			src = SRC_ACCEPT;
		}
		else if (o->src == SRC_ACCEPT || o->src == SRC_PREEXIST)
			src = o->src;
		else
			src = SRC_TUPLE;
	}
	bpf_sk_release(sk);
	return src;
}

static __always_inline int owner_by_conn(const struct nr_tuple *t, struct nr_owner *out)
{
	struct nr_owner *o = bpf_map_lookup_elem(&conns, t);

	if (!o || !(o->flags & NR_OWN_VALID))
		return 0;
	*out = *o;
	return SRC_TUPLE;
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

/* An ICMP error we received: owner of the socket whose packet it quotes. */
static __always_inline int owner_by_quote(struct __sk_buff *skb, struct pkt_info *pi,
					  struct nr_owner *out)
{
	struct pkt_info q = {};
	__u16 qproto = pi->family == NR_AF_INET ? NR_ETH_P_IP : NR_ETH_P_IPV6;
	struct nr_echo_key ek = {};
	struct nr_owner *o;
	struct nr_tuple t;
	__u8 l4 = 0, th[4];
	__u32 off;
	int src;

	/* the quoted packet is ours: its source is the local side */
	if (pi->family == NR_AF_INET) {
		__u8 h[20];

		off = pi->l4_off + 8;
		if (bpf_skb_load_bytes(skb, off, h, sizeof(h)))
			return 0;
		l4 = h[9];
		__builtin_memcpy(q.saddr, &h[12], 4);
		__builtin_memcpy(q.daddr, &h[16], 4);
		off += (h[0] & 0xf) * 4;
	} else {
		__u8 h[40];

		off = pi->l4_off + 8;
		if (bpf_skb_load_bytes(skb, off, h, sizeof(h)))
			return 0;
		l4 = h[6];
		__builtin_memcpy(q.saddr, &h[8], 16);
		__builtin_memcpy(q.daddr, &h[24], 16);
		off += 40;
	}
	(void)qproto;
	if (bpf_skb_load_bytes(skb, off, th, sizeof(th)))
		return 0;
	if (l4 == NR_IPPROTO_TCP || l4 == NR_IPPROTO_UDP) {
		__u16 lport = (th[0] << 8) | th[1], rport = (th[2] << 8) | th[3];

		src = owner_by_lookup(skb, l4, pi->family, q.saddr, q.daddr,
				      lport, rport, out);
		if (!src && l4 == NR_IPPROTO_TCP) {
			fill_tuple(&t, pi->family, q.saddr, q.daddr, lport, rport);
			src = owner_by_conn(&t, out);
		}
		return src ? SRC_ICMP_QUOTE : 0;
	}
	if (l4 == NR_IPPROTO_ICMP || l4 == NR_IPPROTO_ICMPV6) {
		__u8 ih[8];

		if (bpf_skb_load_bytes(skb, off, ih, sizeof(ih)))
			return 0;
		ek.family = pi->family;
		__builtin_memcpy(ek.raddr, q.daddr, 16);
		__builtin_memcpy(&ek.id, &ih[4], 2);
		o = bpf_map_lookup_elem(&echo, &ek);
		if (o) {
			*out = *o;
			return SRC_ICMP_QUOTE;
		}
	}
	return 0;
}

static __always_inline void emit_win_event(struct pkt_info *pi, int dir, __u32 type,
					   const struct nr_owner *own, __u8 src)
{
	struct nr_event *e;
	__u64 seq;

	if (!(event_mask & (1U << type)))
		return;
	seq = next_seq();
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e) {
		count_drop(0);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->kind = NR_REC_EVENT;
	e->type = type;
	e->family = pi->family;
	e->cpu = bpf_get_smp_processor_id();
	e->seq = seq;
	e->ktime_ns = bpf_ktime_get_ns();
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
	e->netns = target_netns;
	e->owner = *own;
	e->owner.src = src;
	bpf_ringbuf_submit(e, rb_flags(e->owner.pid));
}

/* Zero-window episodes, from the window field of the packets. */
static __always_inline void track_window(struct pkt_info *pi, int dir,
					 const struct nr_owner *own, __u8 src)
{
	struct nr_win_key k;
	__u32 *st, one = 1;

	if (!pi->have_ports || (pi->tcp_flags & 0x06)) /* SYN or RST */
		return;
	__builtin_memset(&k, 0, sizeof(k));
	if (dir == NR_DIR_OUT)
		fill_tuple(&k.t, pi->family, pi->saddr, pi->daddr, pi->sport, pi->dport);
	else
		fill_tuple(&k.t, pi->family, pi->daddr, pi->saddr, pi->dport, pi->sport);
	k.dir = dir;
	st = bpf_map_lookup_elem(&zwin, &k);
	if (pi->window == 0) {
		if (st && *st)
			return;
		bpf_map_update_elem(&zwin, &k, &one, BPF_ANY);
		emit_win_event(pi, dir, dir == NR_DIR_OUT ? NR_EV_T_ZERO_WIN_ADV :
			       NR_EV_T_ZERO_WIN_RECV, own, src);
	} else if (st && *st) {
		bpf_map_delete_elem(&zwin, &k);
		emit_win_event(pi, dir, dir == NR_DIR_OUT ? NR_EV_T_WIN_OPEN_ADV :
			       NR_EV_T_WIN_OPEN_RECV, own, src);
	}
}

static __always_inline int attribute_out(struct __sk_buff *skb, struct pkt_info *pi,
					 struct nr_owner *own)
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
			*own = *o;
			own->cookie = bpf_get_socket_cookie(skb);
			if (pi->have_icmp && icmp_is_echo_req(pi->family, pi->icmp_type)) {
				struct nr_echo_key ek = {};

				ek.family = pi->family;
				__builtin_memcpy(ek.raddr, pi->daddr, 16);
				ek.id = bpf_htons(pi->sport);
				bpf_map_update_elem(&echo, &ek, own, BPF_ANY);
			}
			return o->src ? o->src : SRC_SOCKET;
		}
	}
	if (pi->l4_proto == NR_IPPROTO_TCP) {
		if (!pi->have_ports)
			return SRC_UNKNOWN;
		/* a request socket (SYN-ACK), TIME_WAIT, or the control socket
		 * answering for a connection */
		src = owner_by_lookup(skb, NR_IPPROTO_TCP, pi->family, pi->saddr,
				      pi->daddr, pi->sport, pi->dport, own);
		if (src)
			return src;
		fill_tuple(&t, pi->family, pi->saddr, pi->daddr, pi->sport, pi->dport);
		src = owner_by_conn(&t, own);
		if (src)
			return src;
		/* a user socket we have no owner for yet: leave it to user space */
		if (fsk && fsk->protocol == NR_IPPROTO_TCP && fsk->src_port == pi->sport)
			return SRC_UNKNOWN;
		own->flags = NR_OWN_KERNEL;
		return SRC_KERNEL;
	}
	/* ICMP: echo requests come from processes, the rest from the stack */
	if (pi->have_icmp && icmp_is_echo_req(pi->family, pi->icmp_type))
		return SRC_UNKNOWN;
	own->flags = NR_OWN_KERNEL;
	return SRC_KERNEL;
}

static __always_inline int attribute_in(struct __sk_buff *skb, struct pkt_info *pi,
					struct nr_owner *own)
{
	struct nr_echo_key ek = {};
	struct nr_owner *o;
	struct nr_tuple t;
	int src;

	if (pi->l4_proto == NR_IPPROTO_TCP) {
		if (!pi->have_ports)
			return SRC_UNKNOWN;
		src = owner_by_lookup(skb, NR_IPPROTO_TCP, pi->family, pi->daddr,
				      pi->saddr, pi->dport, pi->sport, own);
		if (src)
			return src;
		fill_tuple(&t, pi->family, pi->daddr, pi->saddr, pi->dport, pi->sport);
		return owner_by_conn(&t, own);
	}
	if (!pi->have_icmp)
		return SRC_UNKNOWN;
	if (icmp_is_echo_reply(pi->family, pi->icmp_type)) {
		ek.family = pi->family;
		__builtin_memcpy(ek.raddr, pi->saddr, 16);
		ek.id = bpf_htons(pi->sport);
		o = bpf_map_lookup_elem(&echo, &ek);
		if (!o)
			return SRC_UNKNOWN;
		*own = *o;
		return SRC_ICMP_ECHO;
	}
	if (icmp_is_error(pi->family, pi->icmp_type))
		return owner_by_quote(skb, pi, own);
	/* echo requests the stack answers, neighbour discovery, ... */
	own->flags = NR_OWN_KERNEL;
	return SRC_KERNEL;
}

static __always_inline int handle(struct __sk_buff *skb, int dir, int l2)
{
	struct pkt_info pi = {};
	struct nr_owner own = {};
	struct scratch *sc;
	__u32 k = 0, cap, lim, off = 0;
	__u16 proto;
	__u64 seq;
	int src;

	if (l2 == NR_L2_ETH) {
		__u8 eth[4];

		if (bpf_skb_load_bytes(skb, 12, eth, 2))
			return TC_ACT_UNSPEC;
		proto = (eth[0] << 8) | eth[1];
		off = 14;
		if (proto == NR_ETH_P_8021Q || proto == NR_ETH_P_8021AD) {
			if (bpf_skb_load_bytes(skb, 16, eth, 2))
				return TC_ACT_UNSPEC;
			proto = (eth[0] << 8) | eth[1];
			off = 18;
		}
	} else {
		proto = bpf_ntohs(skb->protocol);
	}
	if (parse_ip(skb, off, proto, &pi))
		return TC_ACT_UNSPEC;

	src = dir == NR_DIR_OUT ? attribute_out(skb, &pi, &own) :
				  attribute_in(skb, &pi, &own);
	if (pi.l4_proto == NR_IPPROTO_TCP)
		track_window(&pi, dir, &own, src);

	k = bpf_get_smp_processor_id();
	sc = bpf_map_lookup_elem(&scratch, &k);
	if (!sc)
		return TC_ACT_UNSPEC;
	seq = next_seq();
	sc->hdr.kind = NR_REC_PKT;
	sc->hdr.dir = dir;
	sc->hdr.l2 = l2;
	sc->hdr.pkt_type = skb->pkt_type;
	sc->hdr.cpu = k;
	sc->hdr.seq = seq;
	sc->hdr.ktime_ns = bpf_ktime_get_ns();
	sc->hdr.ifindex = skb->ifindex;
	sc->hdr.len = skb->len;
	sc->hdr.l3_off = pi.l3_off;
	sc->hdr.eth_proto = pi.eth_proto;
	sc->hdr.l4_proto = pi.l4_proto;
	sc->hdr.owner = own;
	sc->hdr.owner.src = src;

	lim = pi.l3_off + snap_l3;
	cap = skb->len;
	if (cap > lim)
		cap = lim;
	if (cap > NR_MAX_COPY)
		cap = NR_MAX_COPY;
	/* cap >= 1 here (an IP header was parsed); written as (x & mask) + 1
	 * so that the verifier sees a length in [1, sizeof(data)] */
	cap = ((cap - 1) & 0xffff) + 1;
	if (bpf_skb_load_bytes(skb, 0, sc->data, cap))
		return TC_ACT_UNSPEC;
	sc->hdr.cap_len = cap;
	if (bpf_ringbuf_output(&rb, sc, sizeof(sc->hdr) + cap, rb_flags(own.pid)))
		count_drop(skb->ifindex);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int tc_in_eth(struct __sk_buff *skb)
{
	return handle(skb, NR_DIR_IN, NR_L2_ETH);
}

SEC("tc")
int tc_out_eth(struct __sk_buff *skb)
{
	return handle(skb, NR_DIR_OUT, NR_L2_ETH);
}

SEC("tc")
int tc_in_l3(struct __sk_buff *skb)
{
	return handle(skb, NR_DIR_IN, NR_L2_NONE);
}

SEC("tc")
int tc_out_l3(struct __sk_buff *skb)
{
	return handle(skb, NR_DIR_OUT, NR_L2_NONE);
}

/* ------------------------------------------------------------------ */
/* Socket owners (process context) and kernel TCP events               */
/* ------------------------------------------------------------------ */

static __always_inline __u32 sk_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

static __always_inline int sk_wanted(const struct sock *sk)
{
	__u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);

	if (fam != NR_AF_INET && fam != NR_AF_INET6)
		return 0;
	return !target_netns || sk_netns(sk) == target_netns;
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

static __always_inline void tuple_of_sk(const struct sock *sk, struct nr_tuple *t)
{
	const struct inet_sock *inet = (const struct inet_sock *)sk;
	__u16 sport;

	__builtin_memset(t, 0, sizeof(*t));
	t->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (t->family == NR_AF_INET) {
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
	sport = bpf_ntohs(BPF_CORE_READ(inet, inet_sport));
	t->lport = sport ? sport : BPF_CORE_READ(sk, __sk_common.skc_num);
	t->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
}

static __always_inline void remember_conn(const struct sock *sk, const struct nr_owner *o)
{
	struct nr_tuple t;

	tuple_of_sk(sk, &t);
	if (t.lport && t.rport)
		bpf_map_update_elem(&conns, &t, o, BPF_ANY);
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
	    (o->src == SRC_SOCKET || o->src == SRC_ACCEPT))
		return o;
	owner_from_current(o);
	o->src = (o->flags & NR_OWN_ACCEPTED) ? SRC_ACCEPT : SRC_SOCKET;
	if (!o->cookie)
		o->cookie = bpf_get_socket_cookie(sk);
	if (BPF_CORE_READ(sk, sk_protocol) == NR_IPPROTO_TCP)
		remember_conn(sk, o);
	return o;
}

SEC("cgroup/sock_create")
int sock_create(struct bpf_sock *ctx)
{
	struct nr_owner *o;

	if (ctx->family != NR_AF_INET && ctx->family != NR_AF_INET6)
		return 1;
	o = bpf_sk_storage_get(&owners, ctx, 0, NR_STORAGE_CREATE);
	if (o) {
		owner_from_current(o);
		o->src = SRC_SOCKET;
		o->cookie = bpf_get_socket_cookie(ctx);
	}
	return 1;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(sock_send, struct sock *sk, int ret, int flags)
{
	if (sk && sk_wanted(sk))
		claim(sk);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(sock_recv, struct sock *sk, int ret, int flags)
{
	if (sk && sk_wanted(sk))
		claim(sk);
	return 0;
}

static __always_inline struct nr_event *event_start(const struct sock *sk, __u32 type)
{
	struct nr_event *e;
	__u64 seq;
	struct nr_tuple t;

	if (!(event_mask & (1U << type)))
		return 0;
	seq = next_seq();
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e) {
		count_drop(0);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->kind = NR_REC_EVENT;
	e->type = type;
	e->cpu = bpf_get_smp_processor_id();
	e->seq = seq;
	e->ktime_ns = bpf_ktime_get_ns();
	if (sk) {
		tuple_of_sk(sk, &t);
		e->family = t.family;
		__builtin_memcpy(e->saddr, t.laddr, 16);
		__builtin_memcpy(e->daddr, t.raddr, 16);
		e->sport = t.lport;
		e->dport = t.rport;
		e->netns = sk_netns(sk);
	}
	return e;
}

static __always_inline void event_owner(struct nr_event *e, struct sock *sk)
{
	struct nr_owner *o = bpf_sk_storage_get(&owners, sk, 0, 0);

	if (o && (o->flags & NR_OWN_VALID))
		e->owner = *o;
	if (!e->owner.cookie)
		e->owner.cookie = bpf_get_socket_cookie(sk);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(set_state, struct sock *sk, int oldstate, int newstate)
{
	struct nr_owner *o;
	struct nr_event *e;

	if (BPF_CORE_READ(sk, sk_protocol) != NR_IPPROTO_TCP || !sk_wanted(sk))
		return 0;
	o = bpf_sk_storage_get(&owners, sk, 0, 0);
	if (newstate == NR_TCP_SYN_SENT || newstate == NR_TCP_LISTEN) {
		/* connect() and listen() run in the owner's context */
		o = bpf_sk_storage_get(&owners, sk, 0, NR_STORAGE_CREATE);
		if (o) {
			owner_from_current(o);
			o->src = SRC_SOCKET;
			if (newstate == NR_TCP_LISTEN)
				o->flags |= NR_OWN_LISTENER;
			if (!o->cookie)
				o->cookie = bpf_get_socket_cookie(sk);
		}
	} else if (newstate == NR_TCP_SYN_RECV && o && (o->flags & NR_OWN_LISTENER)) {
		/* a child cloned from its listener (storage is cloned) */
		o->flags = (o->flags & ~(NR_OWN_LISTENER | NR_OWN_CLAIMED)) | NR_OWN_ACCEPTED;
		o->src = SRC_ACCEPT;
		o->cookie = bpf_get_socket_cookie(sk);
	}
	if (o && (o->flags & NR_OWN_VALID) && newstate != NR_TCP_LISTEN)
		remember_conn(sk, o);

	e = event_start(sk, NR_EV_T_STATE);
	if (!e)
		return 0;
	e->oldstate = oldstate;
	e->newstate = newstate;
	event_owner(e, sk);
	bpf_ringbuf_submit(e, rb_flags(e->owner.pid));
	return 0;
}

static __always_inline int simple_event(struct sock *sk, __u32 type)
{
	struct nr_event *e;

	if (!sk || BPF_CORE_READ(sk, sk_protocol) != NR_IPPROTO_TCP || !sk_wanted(sk))
		return 0;
	e = event_start(sk, type);
	if (!e)
		return 0;
	if (type == NR_EV_T_SK_ERROR)
		e->err = BPF_CORE_READ(sk, sk_err);
	e->newstate = BPF_CORE_READ(sk, __sk_common.skc_state);
	event_owner(e, sk);
	bpf_ringbuf_submit(e, rb_flags(e->owner.pid));
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(retransmit, struct sock *sk, struct sk_buff *skb)
{
	return simple_event(sk, NR_EV_T_RETRANSMIT);
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(receive_reset, struct sock *sk)
{
	return simple_event(sk, NR_EV_T_RESET_RECV);
}

SEC("tp_btf/inet_sk_error_report")
int BPF_PROG(error_report, struct sock *sk)
{
	return simple_event(sk, NR_EV_T_SK_ERROR);
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(destroy_sock, struct sock *sk)
{
	return simple_event(sk, NR_EV_T_DESTROY);
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(retransmit_synack, struct sock *sk, struct request_sock *req)
{
	struct nr_event *e;

	if (!sk || !sk_wanted(sk))
		return 0;
	e = event_start((const struct sock *)req, NR_EV_T_RETRANSMIT_SYNACK);
	if (!e)
		return 0;
	e->newstate = NR_TCP_SYN_RECV;
	event_owner(e, sk);
	e->owner.src = SRC_ACCEPT;
	e->owner.cookie = BPF_CORE_READ(req, __req_common.skc_cookie.counter);
	bpf_ringbuf_submit(e, rb_flags(e->owner.pid));
	return 0;
}

/* A reset this host sends: for a socket, or for a segment no socket
 * wanted (then the kernel's own, addresses from the segment). */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(send_reset, struct sock *sk, struct sk_buff *skb)
{
	struct nr_event *e;
	unsigned char *head;
	__u16 nh, th, proto;
	__u8 ports[4];

	if (sk && BPF_CORE_READ(sk, __sk_common.skc_state) != NR_TCP_LISTEN)
		return simple_event(sk, NR_EV_T_RESET_SENT);
	if (!skb)
		return 0;
	if (target_netns && BPF_CORE_READ(skb, dev, nd_net.net, ns.inum) != target_netns)
		return 0;
	e = event_start(0, NR_EV_T_RESET_SENT);
	if (!e)
		return 0;
	head = BPF_CORE_READ(skb, head);
	nh = BPF_CORE_READ(skb, network_header);
	th = BPF_CORE_READ(skb, transport_header);
	proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	bpf_probe_read_kernel(ports, 4, head + th);
	/* the segment came in: its destination is the local side */
	e->sport = (ports[2] << 8) | ports[3];
	e->dport = (ports[0] << 8) | ports[1];
	if (proto == NR_ETH_P_IP) {
		e->family = NR_AF_INET;
		bpf_probe_read_kernel(e->daddr, 4, head + nh + 12);
		bpf_probe_read_kernel(e->saddr, 4, head + nh + 16);
	} else {
		e->family = NR_AF_INET6;
		bpf_probe_read_kernel(e->daddr, 16, head + nh + 8);
		bpf_probe_read_kernel(e->saddr, 16, head + nh + 24);
	}
	e->netns = target_netns;
	e->owner.flags = NR_OWN_KERNEL;
	e->owner.src = SRC_KERNEL;
	bpf_ringbuf_submit(e, rb_flags(e->owner.pid));
	return 0;
}

/* Start-up scan: owners of TCP sockets open before netrec, by inode. */
SEC("iter/tcp")
int scan_tcp(struct bpf_iter__tcp *ctx)
{
	struct sock_common *skc = ctx->sk_common;
	struct nr_owner *p, *o;
	struct tcp_sock *tp;
	struct sock *sk;
	__u64 ino;

	if (!skc)
		return 0;
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp)
		return 0;
	sk = (struct sock *)tp;
	if (target_netns && sk_netns(sk) != target_netns)
		return 0;
	ino = BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
	p = bpf_map_lookup_elem(&preexist, &ino);
	if (!p)
		return 0;
	o = bpf_sk_storage_get(&owners, sk, 0, NR_STORAGE_CREATE);
	if (!o || (o->flags & NR_OWN_VALID))
		return 0;
	*o = *p;
	o->src = SRC_PREEXIST;
	o->flags |= NR_OWN_VALID;
	if (BPF_CORE_READ(sk, __sk_common.skc_state) == NR_TCP_LISTEN)
		o->flags |= NR_OWN_LISTENER;
	o->cookie = bpf_get_socket_cookie(sk);
	remember_conn(sk, o);
	BPF_SEQ_PRINTF(ctx->meta->seq, "%llu\n", ino);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * netrec's kernel side: the entry points. tc clsact programs record TCP,
 * ICMP and ICMPv6 packets (and IP packets they cannot parse) into a ring
 * buffer with the socket owner attached; tracing programs record who owns
 * each socket while that process is current (socket creation, connect,
 * listen, send, receive) and emit the kernel's TCP events. One object so
 * that every program shares the maps. The work is in the helpers:
 * parse.bpf.h (packet parsing), owner.bpf.h (owner lookup and zero-window
 * state), record.bpf.h (sequence numbers, drops, wake-ups).
 *
 * It does not decide what is written or filtered: user space does.
 *
 * The tc programs are written against vmlinux.h too (not the UAPI headers)
 * because they share the socket-owner storage and the ring buffer with the
 * tracing programs, and one object keeps those maps single; they only use
 * UAPI types (__sk_buff, bpf_sock), which vmlinux.h and the fallback header
 * (vmlinux_min.h, which includes linux/bpf.h) both provide.
 */
#include "common.bpf.h"
#include "record.bpf.h"
#include "parse.bpf.h"
#include "owner.bpf.h"

/* ------------------------------------------------------------------ */
/* Packets (tc clsact)                                                 */
/* ------------------------------------------------------------------ */

extern void *bpf_cast_to_kern_ctx(void *) __ksym;

/* The network namespace of the device the packet is on. */
static __always_inline __u32 skb_netns(struct __sk_buff *skb)
{
	struct sk_buff *k = bpf_cast_to_kern_ctx(skb);

	return BPF_CORE_READ(k, dev, nd_net.net, ns.inum);
}

static __always_inline int handle(struct __sk_buff *skb, int dir, int l2)
{
	struct pkt_info pi = {};
	struct attr a = {};
	struct nr_cpu_slot *s;
	struct nr_pkt *h;
	__u32 cap, lim;

	if (parse_packet(skb, l2, &pi))
		return TC_ACT_UNSPEC;
	pi.netns = skb_netns(skb);
	s = cpu_slot();
	if (!s)
		return TC_ACT_UNSPEC;
	h = &s->hdr;
	__builtin_memset(&h->owner, 0, sizeof(h->owner));
	a.own = &h->owner;
	a.fib = s->data;
	attribute(skb, &pi, dir, &a);
	h->kind = NR_REC_PKT;
	h->dir = dir;
	h->l2 = l2;
	h->pkt_type = skb->pkt_type;
	h->cpu = bpf_get_smp_processor_id();
	h->seq = next_seq(s);
	h->ktime_ns = bpf_ktime_get_ns();
	h->ifindex = skb->ifindex;
	h->len = skb->len;
	h->l3_off = pi.l3_off;
	h->eth_proto = pi.eth_proto;
	h->l4_off = pi.l4_off;
	h->l4_proto = pi.l4_proto;
	h->parse = pi.parse;
	h->pflags = pi.pflags;
	h->pad = 0;
	h->frag_id = pi.frag_id;
	h->netns = pi.netns;
	h->pad2 = 0;
	h->owner.src = a.src;

	lim = pi.l3_off + snap_l3;
	cap = skb->len;
	if (cap > lim)
		cap = lim;
	if (cap > NR_MAX_COPY)
		cap = NR_MAX_COPY;
	/* cap >= 1 here (a network-layer protocol was read); written as
	 * (x & mask) + 1 so that the verifier sees a length in
	 * [1, sizeof(data)] */
	cap = ((cap - 1) & (NR_MAX_COPY - 1)) + 1;
	if (bpf_skb_load_bytes(skb, 0, s->data, cap)) {
		count_drop(s, pi.netns, skb->ifindex);
		return TC_ACT_UNSPEC;
	}
	h->cap_len = cap;
	if (bpf_ringbuf_output(&rb, h, sizeof(*h) + cap, wake_flags(s)))
		count_drop(s, pi.netns, skb->ifindex);
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
/* Socket owners (process context)                                     */
/* ------------------------------------------------------------------ */

SEC("cgroup/sock_create")
int sock_create(struct bpf_sock *ctx)
{
	struct nr_owner *o;

	if (ctx->family != NR_AF_INET && ctx->family != NR_AF_INET6)
		return 1;
	o = bpf_sk_storage_get(&owners, ctx, 0, NR_STORAGE_CREATE);
	if (o) {
		owner_from_current_(o, 0);
		o->src = NR_SRC_SOCKET;
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

/* ------------------------------------------------------------------ */
/* Kernel TCP events                                                   */
/* ------------------------------------------------------------------ */

/* Children of a listener not accepted yet, by socket cookie: put in when
 * the child is made (SYN_RECV), taken out by the accept that returns it.
 * An io_uring completion is matched to its socket through the descriptor
 * table, and is believed only for a socket found here: a direct-descriptor
 * accept completes with a slot number, not a descriptor, and this keeps it
 * from naming an unrelated socket or one already reported. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u8);
} unaccepted SEC(".maps");

/* An event about sk (NULL: the addresses are filled in by the caller);
 * direct: sk's fields can be loaded directly (SK_READ). */
static __always_inline struct nr_event *event_start_(void *ctx, const struct sock *sk,
						     __u32 type, struct nr_cpu_slot **s, int direct)
{
	struct nr_event *e = event_reserve_sz(s, type, kernel_stack);
	struct nr_tuple t;

	if (!e)
		return e;
	event_stack(ctx, e);
	if (!sk)
		return e;
	tuple_of_sk_(sk, &t, direct);
	e->family = t.family;
	__builtin_memcpy(e->saddr, t.laddr, 16);
	__builtin_memcpy(e->daddr, t.raddr, 16);
	e->sport = t.lport;
	e->dport = t.rport;
	e->netns = sk_netns_(sk, direct);
	return e;
}

static __always_inline struct nr_event *event_start(void *ctx, const struct sock *sk,
						    __u32 type, struct nr_cpu_slot **s)
{
	return event_start_(ctx, sk, type, s, 1);
}

static __always_inline void event_owner(struct nr_event *e, struct sock *sk)
{
	struct nr_owner *o = bpf_sk_storage_get(&owners, sk, 0, 0);

	if (o && (o->flags & NR_OWN_VALID))
		owner_copy(&e->owner, o);
	if (!e->owner.cookie)
		e->owner.cookie = bpf_get_socket_cookie(sk);
}

/* The error the application sees on sk: the socket's, else the soft one
 * TCP keeps while it retries (an ICMP host unreachable answering a SYN). */
static __always_inline int sk_error(const struct sock *sk)
{
	int err = sk->sk_err;

	return err ? err : sk->sk_err_soft;
}

/* The connection lifecycle from state changes (docs/format.md §5.2):
 * a connect ends when SYN_SENT is left (ESTABLISHED, or CLOSE with the
 * error connect() returns: the kernel sets sk_err before it closes), by
 * then the local port is the one the kernel chose; a close is an
 * established connection reaching CLOSE. The owner is the socket's, taken
 * in process context at connect() (the transitions themselves run in
 * softirq, where the current task is whoever was interrupted). */
static __always_inline void lifecycle(void *ctx, struct sock *sk, int oldstate, int newstate)
{
	struct nr_cpu_slot *s;
	struct nr_event *e;
	__u32 type;
	int err = 0;

	if (oldstate == NR_TCP_SYN_SENT &&
	    (newstate == NR_TCP_ESTABLISHED || newstate == NR_TCP_CLOSE)) {
		type = NR_EV_T_CONNECT;
		if (newstate == NR_TCP_CLOSE)
			err = sk_error(sk);
	} else if (newstate == NR_TCP_CLOSE && oldstate != NR_TCP_SYN_RECV &&
		   oldstate != NR_TCP_LISTEN && oldstate != NR_TCP_NEW_SYN_RECV &&
		   oldstate != NR_TCP_CLOSE) {
		type = NR_EV_T_CLOSE;
	} else {
		return;
	}
	e = event_start(ctx, sk, type, &s);
	if (!e)
		return;
	e->oldstate = oldstate;
	e->newstate = newstate;
	e->err = err;
	event_owner(e, sk);
	event_submit(s, e);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(set_state, struct sock *sk, int oldstate, int newstate)
{
	struct nr_cpu_slot *s;
	struct nr_owner *o;
	struct nr_event *e;

	if (sk->sk_protocol != NR_IPPROTO_TCP || !sk_wanted(sk))
		return 0;
	o = bpf_sk_storage_get(&owners, sk, 0, 0);
	if (newstate == NR_TCP_SYN_SENT || newstate == NR_TCP_LISTEN) {
		/* connect() and listen() run in the owner's context */
		o = bpf_sk_storage_get(&owners, sk, 0, NR_STORAGE_CREATE);
		if (o) {
			owner_from_current(o);
			o->src = NR_SRC_SOCKET;
			if (newstate == NR_TCP_LISTEN)
				o->flags |= NR_OWN_LISTENER;
			if (!o->cookie)
				o->cookie = bpf_get_socket_cookie(sk);
		}
	} else if (newstate == NR_TCP_SYN_RECV && oldstate == NR_TCP_LISTEN) {
		__u64 cookie = bpf_get_socket_cookie(sk);
		__u8 one = 1;

		if (event_mask & (1U << NR_EV_T_ACCEPT))
			bpf_map_update_elem(&unaccepted, &cookie, &one, BPF_ANY);
	}
	if (newstate == NR_TCP_SYN_RECV && o && (o->flags & NR_OWN_LISTENER)) {
		/* a child cloned from its listener (storage is cloned) */
		o->flags = (o->flags & ~(NR_OWN_LISTENER | NR_OWN_CLAIMED)) | NR_OWN_ACCEPTED;
		o->src = NR_SRC_ACCEPT;
		o->zwin = 0;
		o->cookie = bpf_get_socket_cookie(sk);
	}
	/* The connection map answers for packets no full socket owns (the
	 * TIME_WAIT that follows, the kernel's replies): written when the
	 * connection is established, and again as it leaves the states that
	 * lead to established (its first step towards closing, or a failed
	 * attempt), so that a long connection the LRU map dropped is back in
	 * it for its end; a new owner (claim) writes it too. Not on every
	 * change: each write is two LRU updates. */
	if (o && (o->flags & NR_OWN_VALID) &&
	    (newstate == NR_TCP_ESTABLISHED || oldstate == NR_TCP_ESTABLISHED ||
	     oldstate == NR_TCP_SYN_SENT || oldstate == NR_TCP_SYN_RECV))
		remember_conn(sk, o);

	e = event_start(ctx, sk, NR_EV_T_STATE, &s);
	if (e) {
		e->oldstate = oldstate;
		e->newstate = newstate;
		event_owner(e, sk);
		event_submit(s, e);
	}
	lifecycle(ctx, sk, oldstate, newstate);
	return 0;
}

static __always_inline int simple_event(void *ctx, struct sock *sk, __u32 type)
{
	struct nr_cpu_slot *s;
	struct nr_event *e;

	int err = 0;

	if (!(event_mask & (1U << type)) || !sk ||
	    sk->sk_protocol != NR_IPPROTO_TCP || !sk_wanted(sk))
		return 0;
	/* the error the application sees: the socket's, else the soft one
	 * TCP keeps while it retries (an ICMP host unreachable answering a
	 * SYN). The kernel also reports an ICMP error it has not stored yet,
	 * with neither set: that report names no error (the ICMP packet is
	 * in the file, and the failure that follows is reported with its
	 * number), so it is not an event. */
	if (type == NR_EV_T_SK_ERROR) {
		err = sk_error(sk);
		if (!err)
			return 0;
	}
	e = event_start(ctx, sk, type, &s);
	if (!e)
		return 0;
	e->err = err;
	e->newstate = sk->__sk_common.skc_state;
	event_owner(e, sk);
	event_submit(s, e);
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(retransmit, struct sock *sk, struct sk_buff *skb)
{
	return simple_event(ctx, sk, NR_EV_T_RETRANSMIT);
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(receive_reset, struct sock *sk)
{
	return simple_event(ctx, sk, NR_EV_T_RESET_RECV);
}

SEC("tp_btf/inet_sk_error_report")
int BPF_PROG(error_report, struct sock *sk)
{
	return simple_event(ctx, sk, NR_EV_T_SK_ERROR);
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(destroy_sock, struct sock *sk)
{
	return simple_event(ctx, sk, NR_EV_T_DESTROY);
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(retransmit_synack, struct sock *sk, struct request_sock *req)
{
	struct nr_cpu_slot *s;
	struct nr_event *e;

	if (!(event_mask & (1U << NR_EV_T_RETRANSMIT_SYNACK)) || !sk || !sk_wanted(sk))
		return 0;
	/* a request socket has only the sock_common part of a socket: its
	 * fields are read as memory, not as a struct sock's */
	e = event_start_(ctx, (const struct sock *)req, NR_EV_T_RETRANSMIT_SYNACK, &s, 0);
	if (!e)
		return 0;
	e->newstate = NR_TCP_SYN_RECV;
	event_owner(e, sk);
	e->owner.src = NR_SRC_ACCEPT;
	e->owner.cookie = BPF_CORE_READ(req, __req_common.skc_cookie.counter);
	event_submit(s, e);
	return 0;
}

/* A reset this host sends: for a socket, or for a segment no socket
 * wanted (then the kernel's own, addresses from the segment). */
SEC("tp_btf/tcp_send_reset")
int BPF_PROG(send_reset, struct sock *sk, struct sk_buff *skb)
{
	struct nr_cpu_slot *s;
	struct nr_event *e;
	unsigned char *head;
	__u16 nh, th, proto;
	__u8 ports[4];
	__u32 ns;

	if (!(event_mask & (1U << NR_EV_T_RESET_SENT)))
		return 0;
	if (sk && sk->__sk_common.skc_state != NR_TCP_LISTEN)
		return simple_event(ctx, sk, NR_EV_T_RESET_SENT);
	if (!skb)
		return 0;
	ns = BPF_CORE_READ(skb, dev, nd_net.net, ns.inum);
	if (!netns_wanted(ns))
		return 0;
	e = event_start(ctx, 0, NR_EV_T_RESET_SENT, &s);
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
	e->netns = ns;
	e->owner.flags = NR_OWN_KERNEL;
	e->owner.src = NR_SRC_KERNEL;
	event_submit(s, e);
	return 0;
}

/* accept() and accept4() as they return, in the accepting thread: the
 * connection is the socket of the new descriptor. Classic tracepoints
 * (syscalls:sys_exit_accept*), whose context is this layout
 * (/sys/kernel/tracing/events/syscalls/sys_exit_accept4/format). */
struct sys_exit_args {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__s64 ret;
};

/* The connection behind descriptor fd of the current task. io: the
 * descriptor came from an io_uring completion (see unaccepted). */
static __always_inline int accepted(void *ctx, __s64 fd, int io)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct nr_cpu_slot *s;
	struct socket *so;
	struct file **fds;
	struct file *f = 0;
	struct nr_event *e;
	struct sock *sk;
	__u64 cookie;

	if (fd < 0 || fd >= BPF_CORE_READ(t, files, fdt, max_fds))
		return 0;
	fds = BPF_CORE_READ(t, files, fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), fds + fd) || !f)
		return 0;
	so = BPF_CORE_READ(f, private_data);
	sk = BPF_CORE_READ(so, sk);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != NR_IPPROTO_TCP || !sk_wanted_(sk, 0))
		return 0;
	cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	if (bpf_map_delete_elem(&unaccepted, &cookie) && io)
		return 0;
	e = event_start_(ctx, sk, NR_EV_T_ACCEPT, &s, 0);
	if (!e)
		return 0;
	e->newstate = BPF_CORE_READ(sk, __sk_common.skc_state);
	owner_from_current(&e->owner);
	e->owner.src = NR_SRC_ACCEPT;
	e->owner.cookie = cookie;
	event_submit(s, e);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int accept4_exit(struct sys_exit_args *ctx)
{
	if (!(event_mask & (1U << NR_EV_T_ACCEPT)))
		return 0;
	return accepted(ctx, ctx->ret, 0);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int accept_exit(struct sys_exit_args *ctx)
{
	if (!(event_mask & (1U << NR_EV_T_ACCEPT)))
		return 0;
	return accepted(ctx, ctx->ret, 0);
}

/* Accepts through io_uring: io_uring:io_uring_submit_req notes each accept
 * request by (ring, user_data); io_uring:io_uring_complete, which runs in
 * a thread of the process that owns the ring, finds the new descriptor in
 * the result. A multishot accept stays noted while its completions carry
 * IORING_CQE_F_MORE. The two classic tracepoints' layouts are read from
 * tracefs by user space (record/attach.c), which sets these offsets. */
const volatile __u32 iou_sub_ctx = 0, iou_sub_ud = 0, iou_sub_op = 0;
const volatile __u32 iou_cmp_ctx = 0, iou_cmp_ud = 0, iou_cmp_res = 0, iou_cmp_cflags = 0;

#define NR_IORING_OP_ACCEPT 13      /* include/uapi/linux/io_uring.h */
#define NR_IORING_CQE_F_MORE (1U << 1)

struct iou_key {
	__u64 ctx;
	__u64 user_data;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct iou_key);
	__type(value, __u8);
} iou_accepts SEC(".maps");

SEC("tracepoint/io_uring/io_uring_submit_req")
int iou_submit(void *ctx)
{
	struct iou_key k = {};
	__u8 op = 0, one = 1;

	if (!(event_mask & (1U << NR_EV_T_ACCEPT)) || !iou_sub_op)
		return 0;
	bpf_probe_read_kernel(&op, 1, (char *)ctx + iou_sub_op);
	if (op != NR_IORING_OP_ACCEPT)
		return 0;
	bpf_probe_read_kernel(&k.ctx, 8, (char *)ctx + iou_sub_ctx);
	bpf_probe_read_kernel(&k.user_data, 8, (char *)ctx + iou_sub_ud);
	bpf_map_update_elem(&iou_accepts, &k, &one, BPF_ANY);
	return 0;
}

SEC("tracepoint/io_uring/io_uring_complete")
int iou_complete(void *ctx)
{
	struct iou_key k = {};
	__u32 cflags = 0;
	__s32 res = -1;

	if (!(event_mask & (1U << NR_EV_T_ACCEPT)) || !iou_cmp_res)
		return 0;
	bpf_probe_read_kernel(&k.ctx, 8, (char *)ctx + iou_cmp_ctx);
	bpf_probe_read_kernel(&k.user_data, 8, (char *)ctx + iou_cmp_ud);
	if (!bpf_map_lookup_elem(&iou_accepts, &k))
		return 0;
	bpf_probe_read_kernel(&res, 4, (char *)ctx + iou_cmp_res);
	bpf_probe_read_kernel(&cflags, 4, (char *)ctx + iou_cmp_cflags);
	if (!(cflags & NR_IORING_CQE_F_MORE))
		bpf_map_delete_elem(&iou_accepts, &k);
	return accepted(ctx, res, 1);
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
	if (!netns_wanted(sk_netns(sk)))
		return 0;
	ino = BPF_CORE_READ(sk, sk_socket, file, f_inode, i_ino);
	p = bpf_map_lookup_elem(&preexist, &ino);
	if (!p)
		return 0;
	o = bpf_sk_storage_get(&owners, sk, 0, NR_STORAGE_CREATE);
	if (!o || (o->flags & NR_OWN_VALID))
		return 0;
	*o = *p;
	o->src = NR_SRC_PREEXIST;
	o->flags |= NR_OWN_VALID;
	if (BPF_CORE_READ(sk, __sk_common.skc_state) == NR_TCP_LISTEN)
		o->flags |= NR_OWN_LISTENER;
	o->cookie = bpf_get_socket_cookie(sk);
	remember_conn(sk, o);
	BPF_SEQ_PRINTF(ctx->meta->seq, "%llu\n", ino);
	return 0;
}

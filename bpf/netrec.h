/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ABI between netrec's BPF programs and its user space: the records the
 * kernel side puts into the ring buffer, the per-socket owner it keeps and
 * the per-CPU counters user space reads. Fixed-width types only, explicit
 * padding; user space checks every size with _Static_assert
 * (record/attach.c). This is not the file format: records are translated
 * into docs/format.md's profile by record/, and the values here (owner
 * sources, parse results) are translated into the file's in one place
 * (record/intake.c).
 */
#ifndef NETREC_BPF_NETREC_H
#define NETREC_BPF_NETREC_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Largest number of packet bytes (from the link-layer header on) the kernel
 * copies per packet: the largest snap length, so that a GSO/GRO
 * super-packet is recorded whole up to it. A power of two (the programs
 * bound copy lengths with a mask). */
#define NR_MAX_COPY 262144

#define NR_COMM_LEN 16

/* IPv6 extension headers the packet parser follows before it gives up
 * (NR_PARSE_EXT_CHAIN). RFC 8200 section 4.1 expects each header at most
 * once (destination options twice): ten leaves room for AH, mobility, HIP
 * and shim6 on top. */
#define NR_IP6_MAX_EXT 10

/* Record kinds (first byte of every ring-buffer record). */
enum nr_rec_kind {
	NR_REC_PKT = 1,
	NR_REC_EVENT = 2,
	NR_REC_PROC = 3,
};

/* How the kernel side found an owner (nr_owner.src). */
enum nr_src {
	NR_SRC_NONE = 0,         /* no owner found */
	NR_SRC_KERNEL = 1,       /* made by the kernel itself */
	NR_SRC_SOCKET = 2,       /* the packet's socket, claimed in process context */
	NR_SRC_ACCEPT = 3,       /* an accepted socket, or its listener */
	NR_SRC_TUPLE = 4,        /* a local socket found by addresses and ports */
	NR_SRC_PREEXIST = 5,     /* a socket found by the start-up scan */
	NR_SRC_ICMP_ECHO = 6,    /* echo reply matched to its request */
	NR_SRC_ICMP_QUOTE = 7,   /* ICMP error: the quoted packet's socket */
	NR_SRC_FORWARDED = 8,    /* forwarded for others; the owner, if valid,
				    is a socket of this host at either end */
	NR_SRC_MAX
};

/* Owner flags (struct nr_owner.flags). */
enum nr_owner_flags {
	NR_OWN_VALID = 0x01,     /* pid/tid/uid/gid/comm/cgroup are valid */
	NR_OWN_LISTENER = 0x02,  /* the socket is (or was) listening */
	NR_OWN_ACCEPTED = 0x04,  /* cloned from a listener (accepted child) */
	NR_OWN_KERNEL = 0x08,    /* made by the kernel (no process) */
	NR_OWN_CLAIMED = 0x10,   /* set by this socket's own process-context use
				    (not inherited from a listener) */
};

/* Zero-window episodes open on a socket (nr_owner.zwin, in the socket's
 * storage only; its own byte, because tc updates it while process context
 * may update flags). */
enum nr_zwin {
	NR_ZWIN_OUT = 0x01,      /* this host advertised a zero window */
	NR_ZWIN_IN = 0x02,       /* the peer advertised one */
};

/* The process owning a socket, as last seen in process context. */
struct nr_owner {
	__u32 pid;               /* tgid */
	__u32 tid;
	__u32 uid;
	__u32 gid;
	__u64 cgroup_id;
	__u64 cookie;            /* socket cookie, 0 if not known */
	__u64 start_ns;          /* the process's start (boot-time ns, as
				    /proc/PID/stat's starttime counts), 0 if
				    unknown: with pid, it names one process */
	char comm[NR_COMM_LEN];
	__u32 exec_id;           /* the process's exec count (changes on execve;
				    low 32 bits) */
	__u8 src;                /* enum nr_src */
	__u8 flags;              /* enum nr_owner_flags */
	__u8 zwin;               /* enum nr_zwin */
	__u8 pad;
	__u32 ns_pid;            /* pid (tgid) and tid in the task's own pid
				    namespace (what ps shows there); equal to
				    pid/tid in the initial one, 0 if unknown */
	__u32 ns_tid;
};
#define NR_OWNER_SIZE 72
/* nr_owner.exec_id of an owner whose image is not known (the start-up
 * scan's, from /proc). */
#define NR_EXEC_UNKNOWN 0xffffffffU

/* Packet direction. */
enum nr_dir {
	NR_DIR_IN = 1,
	NR_DIR_OUT = 2,
};

/* Link-layer type of the device a tc program is attached to. */
enum nr_l2 {
	NR_L2_ETH = 1,           /* 14-byte Ethernet header (eth, veth, lo) */
	NR_L2_NONE = 2,          /* packet starts at the network header */
};

/* How far the packet parser got (nr_pkt.parse). Anything but NR_PARSE_OK
 * is recorded whole, without an owner. */
enum nr_parse {
	NR_PARSE_OK = 0,
	NR_PARSE_TRUNCATED = 1,  /* the packet ends inside a header */
	NR_PARSE_BAD_HEADER = 2, /* IP version or header length invalid */
	NR_PARSE_EXT_CHAIN = 3,  /* more than NR_IP6_MAX_EXT extension headers */
	NR_PARSE_FRAG_UPPER = 4, /* a later IPv6 fragment whose fragmentable part
				    starts with an extension header: its
				    upper-layer protocol is in the first one */
	NR_PARSE_MAX
};

/* Packet facts (nr_pkt.pflags). */
enum nr_pkt_flags {
	NR_PF_FRAGMENT = 0x01,   /* part of a fragmented datagram (frag_id valid) */
	NR_PF_LATER_FRAG = 0x02, /* not the first fragment: no transport header */
};

/* One captured packet: this header, then cap_len bytes of the packet from
 * its link-layer header (l3_off bytes before the network header). */
struct nr_pkt {
	__u8 kind;               /* NR_REC_PKT */
	__u8 dir;                /* enum nr_dir */
	__u8 l2;                 /* enum nr_l2 */
	__u8 pkt_type;           /* skb->pkt_type (PACKET_HOST ...) on ingress */
	__u32 cpu;
	__u64 seq;               /* per-CPU sequence shared with events */
	__u64 ktime_ns;          /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u32 ifindex;
	__u32 len;               /* skb->len: bytes from the link-layer header */
	__u32 cap_len;           /* bytes that follow this header */
	__u16 l3_off;            /* offset of the network header in the data */
	__u16 eth_proto;         /* network-layer ethertype, host order */
	__u32 l4_off;            /* offset of the transport header in the data;
				    0: none (later fragment, or not parsed) */
	__u8 l4_proto;           /* IPPROTO_TCP / _ICMP / _ICMPV6 (a fragment's:
				    its datagram's) */
	__u8 parse;              /* enum nr_parse */
	__u8 pflags;             /* enum nr_pkt_flags */
	__u8 pad;
	__u32 frag_id;           /* fragment identification, host order */
	__u32 netns;             /* network namespace inode of the device */
	__u32 pad2;
	struct nr_owner owner;   /* owner.src says how it was found */
};
#define NR_PKT_SIZE 136

/* Kernel TCP events (enum nr_ev_type) and their record. */
enum nr_ev_type {
	NR_EV_T_STATE = 1,
	NR_EV_T_RETRANSMIT,
	NR_EV_T_RETRANSMIT_SYNACK,
	NR_EV_T_RESET_SENT,
	NR_EV_T_RESET_RECV,
	NR_EV_T_SK_ERROR,
	NR_EV_T_ZERO_WIN_ADV,
	NR_EV_T_WIN_OPEN_ADV,
	NR_EV_T_ZERO_WIN_RECV,
	NR_EV_T_WIN_OPEN_RECV,
	NR_EV_T_DESTROY,
	NR_EV_T_CONNECT,         /* a connect() ended: established, or failed (err) */
	NR_EV_T_ACCEPT,          /* accept() returned a connection */
	NR_EV_T_CLOSE,           /* an established connection reached CLOSE */
	NR_EV_T_MAX
};

/* The state a failed connect and a close reach (nr_event.newstate holds
 * Linux TCP states). */
#define NR_TCP_CLOSE 7

/* Kernel stack frames an event can carry (-K): when asked for, every event
 * record from a tracepoint is followed by NR_STACK_MAX return addresses,
 * nframes of them valid (innermost first), the rest zero. */
#define NR_STACK_MAX 32

#define NR_EV_WINDOW_MASK (1U << NR_EV_T_ZERO_WIN_ADV | 1U << NR_EV_T_WIN_OPEN_ADV | \
			   1U << NR_EV_T_ZERO_WIN_RECV | 1U << NR_EV_T_WIN_OPEN_RECV)

struct nr_event {
	__u8 kind;               /* NR_REC_EVENT */
	__u8 type;               /* enum nr_ev_type */
	__u8 family;             /* AF_INET / AF_INET6 */
	__u8 oldstate;           /* TCP_* for NR_EV_T_STATE */
	__u32 cpu;
	__u64 seq;
	__u64 ktime_ns;
	__u8 saddr[16];          /* local address (IPv4 in the first 4 bytes) */
	__u8 daddr[16];          /* remote address */
	__u16 sport;             /* local port, host order */
	__u16 dport;             /* remote port, host order */
	__u8 newstate;
	__u8 pad1;
	__u16 nframes;           /* kernel stack frames after the record */
	__s32 err;               /* positive errno for NR_EV_T_SK_ERROR and a
				    failed NR_EV_T_CONNECT */
	__u32 window;            /* raw TCP window field for window events */
	__u32 netns;
	__u32 pad2;
	struct nr_owner owner;
};
#define NR_EVENT_SIZE 152

/* A process that took ownership of a socket and that user space has not
 * been told of yet (a new pid, or the same pid after fork/exec): sent with
 * a wake-up, so that user space reads /proc while the process exists. Not
 * a record of the file: it takes no sequence number. */
struct nr_proc {
	__u8 kind;               /* NR_REC_PROC */
	__u8 pad[3];
	__u32 cpu;
	__u64 ktime_ns;
	struct nr_owner owner;
	__u32 ppid;              /* the parent's pid (tgid) when the notice was
				    sent, 0 if not known: the process may be
				    gone before user space reads /proc */
	__u32 pad2;
};
#define NR_PROC_SIZE 96

/* What the kernel side last told user space about a pid (map procs). */
struct nr_proc_seen {
	__u64 start_ns;
	__u32 exec_id;
	__u32 pad;
};
#define NR_PROC_SEEN_SIZE 16

/* Per-CPU counters, at the start of the CPU's slot (struct nr_cpu_slot):
 * the sequence shared by every record the CPU produces, and the records
 * it could not deliver. */
#define NR_IF_SLOTS 16384       /* interfaces with drop counters of their own
				   (a power of two): enough for 4095 other
				   namespaces with two interfaces each and
				   their peers in netrec's own */

struct nr_cpu_state {
	__u64 seq;
	__u64 ring_drops;        /* records lost: ring full, or packet bytes
				    not readable */
	__u64 proc_drops;        /* process notices the ring could not take */
	__u64 woke_at;           /* consumer position + 1 at this CPU's last
				    wake-up of the reader */
	__u64 if_drops[NR_IF_SLOTS]; /* ring_drops by interface slot (map
				    if_slots; slot 0: events and interfaces
				    without a slot) */
};
#define NR_CPU_STATE_SIZE (32 + 8 * NR_IF_SLOTS)

/* One element of the cpu_slots array map per CPU: its counters and the
 * scratch space a packet record is built in. User space maps the array
 * (BPF_F_MMAPABLE) to read the counters. */
struct nr_cpu_slot {
	struct nr_cpu_state st;
	struct nr_pkt hdr;
	__u8 data[NR_MAX_COPY];
};

/* Key of the connection map: a TCP connection seen from this host. */
struct nr_tuple {
	__u8 laddr[16];
	__u8 raddr[16];
	__u16 lport;             /* host order */
	__u16 rport;
	__u8 family;
	__u8 pad[3];
};
#define NR_TUPLE_SIZE 40

/* Key of the connection map: the connection and the network namespace
 * of the socket (two namespaces may use the same addresses); netns 0: any
 * namespace's, for packets a namespace forwards (their socket is in
 * another one). */
struct nr_conn_key {
	struct nr_tuple t;
	__u32 netns;             /* inode */
	__u32 pad;
};
#define NR_CONN_KEY_SIZE 48

/* Key of the ICMP echo map: identifier of an echo request we sent. */
struct nr_echo_key {
	__u8 raddr[16];          /* the request's destination */
	__u16 id;                /* echo identifier, network order */
	__u8 family;
	__u8 pad;
};
#define NR_ECHO_KEY_SIZE 20

/* Zero-window episode state per connection and direction, for packets
 * whose socket keeps no owner storage (nr_owner.zwin otherwise). */
struct nr_win_key {
	struct nr_tuple t;
	__u32 dir;
	__u32 netns;             /* inode of the device's namespace */
};
#define NR_WIN_KEY_SIZE 48

#endif

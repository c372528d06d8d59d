/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every part of netrec's kernel side shares: the kernel constants the
 * programs need (the UAPI headers that define them clash with vmlinux.h),
 * the configuration user space sets before load, and the maps. Included
 * once, by netrec.bpf.c, before the helpers (record.bpf.h, parse.bpf.h,
 * owner.bpf.h) that use them.
 */
#ifndef NETREC_BPF_COMMON_BPF_H
#define NETREC_BPF_COMMON_BPF_H

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
#define NR_IPPROTO_HOPOPTS 0
#define NR_IPPROTO_ICMP 1
#define NR_IPPROTO_TCP 6
#define NR_IPPROTO_UDP 17
#define NR_IPPROTO_ROUTING 43
#define NR_IPPROTO_FRAGMENT 44
#define NR_IPPROTO_AH 51
#define NR_IPPROTO_ICMPV6 58
#define NR_IPPROTO_DSTOPTS 60
#define NR_IPPROTO_MH 135
#define NR_IPPROTO_HIP 139
#define NR_IPPROTO_SHIM6 140
#define NR_IPPROTO_EXP1 253
#define NR_IPPROTO_EXP2 254
#define NR_TCP_ESTABLISHED 1
#define NR_TCP_SYN_SENT 2
#define NR_TCP_SYN_RECV 3
#define NR_TCP_LISTEN 10
#define NR_TCP_NEW_SYN_RECV 12
#define NR_STORAGE_CREATE 1ULL

/* Set by user space before load (record/attach.c). */
const volatile __u32 snap_l3 = NR_MAX_COPY;   /* bytes kept from the network header on */
const volatile __u32 target_netns = 0;        /* netns inode; 0: any */
const volatile __u32 more_netns = 0;          /* 1: also those in map netns_on */
const volatile __u32 event_mask = 0xffffffff; /* 1 << enum nr_ev_type */
const volatile __u32 kernel_stack = 0;        /* 1: tracepoint events carry
						 their kernel stack (-K) */
const volatile __u64 wake_bytes = 4 << 20;    /* wake the reader past this much
						 queued data (a quarter of -B) */

/* Records lost because a CPU had no slot (cannot happen with the map sized
 * to the possible CPUs; counted all the same). */
__u64 lost_no_slot = 0;

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);    /* -B, set by user space */
} rb SEC(".maps");

/* One element per possible CPU (max_entries set by user space): counters
 * and the scratch space of a packet record. tc programs run with bottom
 * halves disabled, so a CPU never builds two packets in its slot at once;
 * the counters are updated atomically (tracing programs share them). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nr_cpu_slot);
} cpu_slots SEC(".maps");

/* The drop-counter slot (1 .. NR_IF_SLOTS - 1) of each interface netrec
 * attached to (in any namespace), set by user space before it attaches; read only when a
 * record is lost. The counters are in the CPUs' slots, which user space
 * reads through a mapping: no system call, so that they are read after -Z
 * drops the privileges bpf(2) needs. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NR_IF_SLOTS);
	__type(key, __u64);   /* netns inode << 32 | ifindex */
	__type(value, __u32); /* slot */
} if_slots SEC(".maps");

/* Network namespaces recorded besides target_netns (inode -> 1), set by
 * user space as it follows them (--netns). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} netns_on SEC(".maps");

/* Owner of every inet socket, cloned into accepted children. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct nr_owner);
} owners SEC(".maps");

/* TCP connections by namespace and tuple: for packets no live full socket
 * answers for (TIME_WAIT, the kernel's control socket replying for a
 * connection); each also under namespace 0, for forwarded packets. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, struct nr_conn_key);
	__type(value, struct nr_owner);
} conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct nr_echo_key);
	__type(value, struct nr_owner);
} echo SEC(".maps");

/* Zero-window episodes of connections without socket storage. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct nr_win_key);
	__type(value, __u32);
} zwin SEC(".maps");

/* What user space was last told about each pid (struct nr_proc). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct nr_proc_seen);
} procs SEC(".maps");

/* Owners of sockets open before start-up, by socket inode (filled by user
 * space from /proc, consumed by the iter/tcp scan). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct nr_owner);
} preexist SEC(".maps");

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel types netrec's BPF programs use, written by hand for building
 * where no kernel BTF is at hand to generate vmlinux.h from. Only the fields
 * the programs read are declared; preserve_access_index makes libbpf
 * relocate every access against the running kernel's BTF at load time, so
 * the layout here need not match any kernel. UAPI types (__sk_buff,
 * bpf_sock, ...) come from the installed linux/bpf.h.
 */
#ifndef __VMLINUX_H__
#define __VMLINUX_H__

#include <linux/types.h>
#include <linux/bpf.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s64 s64;

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct ns_common {
	unsigned int inum;
};

struct net {
	struct ns_common ns;
};

typedef struct {
	struct net *net;
} possible_net_t;

struct in6_addr {
	__u8 s6_addr[16];
};

typedef struct {
	s64 counter;
} atomic64_t;

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	volatile unsigned char skc_state;
	possible_net_t skc_net;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
	atomic64_t skc_cookie;
};

struct inode {
	unsigned long i_ino;
};

struct file {
	struct inode *f_inode;
	void *private_data;
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};

struct files_struct {
	struct fdtable *fdt;
};

struct sock;

struct socket {
	struct file *file;
	struct sock *sk;
};

struct sock {
	struct sock_common __sk_common;
	u16 sk_protocol;
	int sk_err;
	int sk_err_soft;
	struct socket *sk_socket;
};

struct inet_sock {
	struct sock sk;
	__be16 inet_sport;
};

struct tcp_sock {
	struct sock sk;
};

struct request_sock {
	struct sock_common __req_common;
};

struct net_device {
	possible_net_t nd_net;
};

struct sk_buff {
	unsigned char *head;
	__u16 transport_header;
	__u16 network_header;
	__be16 protocol;
	struct net_device *dev;
};

struct pid_namespace;

/* Indexed by a run-time level (task_ns_nr_): its size must be the kernel's,
 * which no relocation adjusts. */
struct upid {
	int nr;
	struct pid_namespace *ns;
};

struct pid {
	unsigned int level;
	struct upid numbers[1];
};

struct task_struct {
	int tgid;
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	struct pid *thread_pid;
	struct files_struct *files;
	u64 start_boottime;
	u64 self_exec_id;
};

struct seq_file;

struct bpf_iter_meta {
	union {
		struct seq_file *seq;
		__u64 :64;
	};
	u64 session_id;
	u64 seq_num;
};

struct bpf_iter__tcp {
	union {
		struct bpf_iter_meta *meta;
		__u64 :64;
	};
	union {
		struct sock_common *sk_common;
		__u64 :64;
	};
	__u32 uid;
};

#pragma clang attribute pop

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/* The process table: what /proc says about every process that owns a
 * recorded socket (docs/format.md §5.3). */
#ifndef NETREC_RECORD_PROC_H
#define NETREC_RECORD_PROC_H

#include <stdbool.h>
#include <stdint.h>

struct proc_info {
	uint32_t pid;
	uint32_t ppid;
	uint32_t uid, gid;
	char comm[16];
	char *exe;           /* NULL if unknown */
	char *cmdline;       /* arguments joined by spaces; NULL if unknown */
	char *cgroup;        /* cgroup v2 path; NULL if unknown */
	uint64_t cgroup_id;
	char container[65];  /* 64 hex digits, or "" */
	int64_t first_seen_real_ns;
	bool from_proc;      /* read from /proc (else only what BPF told) */
	uint32_t written_gen;/* output file generation its record is in */
	uint64_t serial;     /* unique to this entry (for caches keyed by it) */
	struct proc_info *next;
};

int proc_table_init(void);
void proc_table_free(void);
/* The process, read from /proc the first time it is asked for; comm, uid,
 * gid and cgroup_id from the kernel are used if /proc has no entry (the
 * process has exited). Never NULL for pid > 0 unless out of memory. */
struct proc_info *proc_get(uint32_t pid, const char *comm, uint32_t uid, uint32_t gid,
			   uint64_t cgroup_id, int64_t now_real_ns);
/* Whether pid is ancestor or pid itself is ancestor (walks the ppid chain). */
bool proc_is_descendant(uint32_t pid, uint32_t ancestor);
/* Mount point of the cgroup v2 hierarchy, "" if none. */
const char *proc_cgroup2_root(void);
/* Calls cb for every socket descriptor of every process: its inode, and
 * the thread blocked on it in a socket system call (else tid == pid). */
int proc_scan_sockets(int (*cb)(uint32_t pid, uint32_t tid, uint64_t inode, void *ctx),
		      void *ctx);
/* Extracts a 64-hex-digit container id from a cgroup path ("" if none). */
void proc_container_id(const char *cgroup, char out[65]);

#endif

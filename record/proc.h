/* SPDX-License-Identifier: GPL-2.0-only */
/* The process table: what /proc says about every process that owns a
 * recorded socket (docs/format.md §5.3), by pid, start time and image. */
#ifndef NETREC_RECORD_PROC_H
#define NETREC_RECORD_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netrec.h"

struct proc_info {
	uint32_t pid;
	uint32_t ppid;
	uint32_t uid, gid;
	uint64_t start_ticks;  /* start, in /proc clock ticks since boot; 0 unknown */
	uint32_t exec_id;      /* exec count (NR_EXEC_UNKNOWN: not known) */
	char comm[16];
	char *exe;           /* NULL if unknown */
	char *cmdline;       /* arguments joined by spaces; NULL if unknown */
	char *cgroup;        /* cgroup v2 path; NULL if unknown */
	uint64_t cgroup_id;
	uint32_t ns_pid;     /* pid in its own pid namespace (0: unknown) */
	char container[65];  /* 64 hex digits, or "" */
	int64_t first_seen_real_ns;
	bool from_proc;      /* read from /proc (else only what BPF told) */
	bool parent_known;   /* ppid told by the kernel side or read from /proc */
	uint32_t written_gen;/* output file generation its record is in */
	uint64_t serial;     /* unique to this entry (for caches keyed by it) */
	struct proc_info *next;                /* hash chain */
	struct proc_info *lru_prev, *lru_next; /* use order */
};

/* At most max processes are kept (at least 256). */
int proc_table_init(size_t max);
void proc_table_free(void);
size_t proc_table_count(void);
uint64_t proc_table_evicted(void);
/* The process an owner names (pid, start time, exec count), read from /proc
 * the first time it is named while /proc/PID is that process; otherwise
 * described by the owner's comm, uid, gid and cgroup id. An owner with no
 * start time names the newest entry of its pid. NULL only for pid 0 or
 * out of memory. */
struct proc_info *proc_of(const struct nr_owner *o, int64_t now_real_ns);
/* The process pid is now, as /proc shows it (ancestor walks, the start-up
 * scan). */
struct proc_info *proc_by_pid(uint32_t pid);
/* A start time in boot-time ns as /proc/PID/stat counts it (ticks), and
 * back (the first ns of that tick). */
uint64_t proc_start_ticks(uint64_t start_ns);
uint64_t proc_ticks_ns(uint64_t ticks);
/* The parent the kernel side saw when p took its first socket (0: not
 * known). It wins over /proc's, read later: by then the parent may have
 * exited and p been given to init. */
void proc_set_parent(struct proc_info *p, uint32_t ppid);
/* Whether pid is ancestor or pid itself is ancestor (walks the ppid chain;
 * a process that exited before it was read is followed by the parent the
 * kernel side told). */
bool proc_is_descendant(uint32_t pid, uint32_t ancestor);
/* Mount point of the cgroup v2 hierarchy, "" if none. */
const char *proc_cgroup2_root(void);
/* Calls cb for every socket descriptor of every process: its inode, and
 * the thread blocked on it in a socket system call (else tid == pid). */
int proc_scan_sockets(int (*cb)(uint32_t pid, uint32_t tid, uint64_t inode, void *ctx),
		      void *ctx);
/* A descriptor of the cgroup v2 hierarchy's root (close it): where it is
 * mounted, else a private mount detached at once; negative errno. */
int proc_cgroup2_open(void);
/* --cgroup's argument as a v2 path ("/a/b") into out: a v2 path, or the
 * directory under the hierarchy's mount point; 0, -ENOENT when no such
 * cgroup exists (or no v2 hierarchy is found), -EINVAL when it is not a
 * path. */
int proc_cgroup_resolve(const char *arg, char *out, size_t len);
/* Extracts a 64-hex-digit container id from a cgroup path ("" if none). */
void proc_container_id(const char *cgroup, char out[65]);

#endif

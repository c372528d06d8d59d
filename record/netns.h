/* SPDX-License-Identifier: GPL-2.0-only */
/* The network namespaces netrec follows besides its own: found, entered to
 * capture their interfaces, watched for new ones, and let go. */
#ifndef NETREC_RECORD_NETNS_H
#define NETREC_RECORD_NETNS_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "intake.h"

struct nr_bpf;
struct out;

struct netns_one {
	char name[64];               /* ip netns name, or the inode in decimal */
	int fd;                      /* the namespace file; -1 once let go */
	int nlfd;                    /* rtnetlink watch opened inside it, or -1 */
	bool scanned;                /* found by a scan: let go when one misses it */
	uint32_t round;              /* the last scan that found it */
};

struct netns_set {
	const struct opts *o;
	struct intake *in;           /* ns_ino[], its hash: keys of packets */
	struct nr_bpf *bpf;          /* set once loaded (netns_start) */
	struct out *out;
	struct netns_one *ns;        /* by number, from 1 (IFKEY_MAX_NS + 1) */
	int nns;                     /* numbers given (not used again) */
	int epfd;                    /* epoll set of the link watches (data: number) */
	int self_fd;                 /* netrec's own namespace, to return to */
	int mounts_fd;               /* /proc/self/mountinfo: names bound */
	uint32_t self_ino;
	bool all;                    /* every namespace, found through /proc too */
	bool patterns;               /* some --netns are name patterns */
	bool full;                   /* said that no more can be followed */
	uint32_t round;
	uint32_t missed;             /* most namespaces one scan could not follow */
	uint32_t *miss, nmiss, miss_cap; /* their inodes in the current scan */
	char big_ifindex[40];        /* NS:IFACE of one not captured: ifindex too
					large ("": none) */
};

/* Opens netrec's own namespace; all: follow every namespace. */
int netns_init(struct netns_set *s, const struct opts *o, struct intake *in, bool all);
void netns_free(struct netns_set *s);
/* Finds a namespace given as an ip netns name, a namespace file or an
 * inode number (of a namespace a process is in): its file and inode.
 * Returns 0 or -ENOENT. */
int netns_resolve(const char *spec, char *path, size_t len, uint32_t *ino);
/* Follows a namespace (its file, its name in interface names); returns
 * its number, 0 for netrec's own, or -errno. */
int netns_add(struct netns_set *s, const char *name, const char *path, uint32_t ino,
	      bool scanned);
/* The kernel side and the output are ready: registers the sockets of the
 * namespaces added so far, attaches their interfaces, and scans. */
void netns_start(struct netns_set *s, struct nr_bpf *bpf, struct out *out);
/* Looks for new namespaces (and for ones gone); twice a second. */
void netns_scan(struct netns_set *s, bool initial);
/* Attaches to the interfaces of every followed namespace not attached yet. */
void netns_attach_all(struct netns_set *s, bool initial);
/* One descriptor for every namespace's link watch (an epoll set), to poll;
 * netns_polled() when it is readable. */
int netns_poll_fd(const struct netns_set *s);
void netns_polled(struct netns_set *s);
/* /proc/self/mountinfo (-1: not watched), to poll for POLLPRI, and what to
 * do when it reports a change: look at /run/netns at once. */
int netns_mounts_fd(const struct netns_set *s);
void netns_mounts_changed(struct netns_set *s);
/* At exit: what could not be followed or captured, on stderr (nothing
 * when all was). */
void netns_report(const struct netns_set *s);

/* -i NS:IFACE: splits a -i argument at its last ':' (interface names have
 * none); false when it names an interface of netrec's own namespace. */
bool netns_iface_split(const char *arg, char *ns, size_t nslen, const char **ifname);
/* Whether -i asks for interface ifname of the namespace named name (or
 * of inode ino); everything when no -i is given. */
bool netns_iface_wanted(const struct opts *o, const char *name, uint32_t ino,
			const char *ifname);

#endif

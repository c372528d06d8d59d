// SPDX-License-Identifier: GPL-2.0-only
/*
 * The network namespaces netrec follows besides its own (--netns, -i
 * NS:IFACE, and by default every one when netrec runs in the initial
 * namespace). They are found by name (ip netns: /run/netns) and, when every
 * namespace is recorded, through the processes in them (/proc/PID/ns/net),
 * each once, by inode. Their sockets reach the kernel side through its
 * netns_on map (not needed when it records every namespace); their
 * interfaces are attached from inside them (setns, tcx links), named
 * NS:IFACE and known by a key of namespace number and ifindex
 * (record/intake.h IFKEY), and watched for new ones through an rtnetlink
 * socket opened inside each. A rescan twice a second follows namespaces
 * created while recording, and lets go of those a scan no longer finds (no
 * process in them, no name): netrec's file and socket in a namespace would
 * otherwise keep a deleted one alive. A name bound in /run/netns (ip netns
 * add, CNI plugins) is looked at as soon as the mount table changes, not at
 * the next rescan. It writes and captures nothing itself.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "attach.h"
#include "iface.h"
#include "log.h"
#include "netns.h"
#include "output.h"
#include "track.h"

int netns_init(struct netns_set *s, const struct opts *o, struct intake *in, bool all)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->self_fd = s->epfd = s->mounts_fd = -1;
	s->o = o;
	s->in = in;
	s->all = all;
	for (int i = 0; i < o->nnetns; i++)
		s->patterns |= strpbrk(o->netns[i], "*?[") != NULL;
	s->ns = calloc(IFKEY_MAX_NS + 1, sizeof(*s->ns));
	if (!s->ns)
		return -ENOMEM;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return -errno;
	s->self_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (s->self_fd < 0 || fstat(s->self_fd, &st))
		return -errno;
	s->self_ino = (uint32_t)st.st_ino;
	in->own_netns = s->self_ino;
	/* A name in /run/netns is an empty file until a bind mount makes it
	 * the namespace: a change of the mount table, which poll reports on
	 * this file as POLLPRI, says when to look, rather than the next scan.
	 * Polled by the caller itself, not through the epoll set: each poll
	 * of the file takes the change it reports, so an epoll set polled
	 * from poll(2) would lose it on the way. */
	if (all || s->patterns)
		s->mounts_fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	return 0;
}

void netns_free(struct netns_set *s)
{
	for (int k = 1; s->ns && k <= s->nns; k++) {
		if (s->ns[k].fd >= 0)
			close(s->ns[k].fd);
		if (s->ns[k].nlfd >= 0)
			close(s->ns[k].nlfd);
	}
	if (s->self_fd >= 0)
		close(s->self_fd);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->mounts_fd >= 0)
		close(s->mounts_fd);
	free(s->ns);
	free(s->miss);
	s->ns = NULL;
	s->miss = NULL;
	s->nns = 0;
	s->self_fd = s->epfd = s->mounts_fd = -1;
}

static bool all_digits(const char *p)
{
	if (!*p)
		return false;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

int netns_resolve(const char *spec, char *path, size_t len, uint32_t *ino)
{
	struct stat st;
	struct dirent *d;
	DIR *dir;

	if (!all_digits(spec)) {
		snprintf(path, len, "%s%s", strchr(spec, '/') ? "" : "/run/netns/", spec);
		if (stat(path, &st))
			return -errno;
		*ino = (uint32_t)st.st_ino;
		return 0;
	}
	/* an inode: the namespace of a process in it */
	dir = opendir("/proc");
	while (dir && (d = readdir(dir))) {
		if (!all_digits(d->d_name))
			continue;
		snprintf(path, len, "/proc/%s/ns/net", d->d_name);
		if (stat(path, &st) == 0 && (unsigned long)st.st_ino == strtoul(spec, NULL, 10)) {
			closedir(dir);
			*ino = (uint32_t)st.st_ino;
			return 0;
		}
	}
	if (dir)
		closedir(dir);
	return -ENOENT;
}

/* The number of a namespace followed now, by its inode (0: none). */
static int find_live(const struct netns_set *s, uint32_t ino)
{
	return intake_ns_number(s->in, ino);
}

int netns_add(struct netns_set *s, const char *name, const char *path, uint32_t ino,
	      bool scanned)
{
	struct netns_one *ns;
	struct statfs sfs;
	struct stat st;
	int k, fd;

	if (ino == s->self_ino)
		return 0;
	k = find_live(s, ino);
	if (k)
		return k;
	if (s->nns >= IFKEY_MAX_NS) {
		/* numbers are not used again (the file's interfaces keep their
		 * keys): said once, counted by every scan (netns_report) */
		if (!s->full)
			pr_warn("%d network namespaces followed (the most one recording can): %s "
				"and later ones are not recorded; counted at exit", IFKEY_MAX_NS, name);
		s->full = true;
		return -ENOSPC;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* a process's namespace may have changed since it was looked at */
	if (fstat(fd, &st) || (uint32_t)st.st_ino != ino) {
		close(fd);
		return -ESTALE;
	}
	/* a name ip netns has made but not bound yet is an empty file on
	 * /run (and a --netns path may be any file) */
	if (fstatfs(fd, &sfs) || sfs.f_type != NSFS_MAGIC) {
		close(fd);
		return -EINVAL;
	}
	k = ++s->nns;
	ns = &s->ns[k];
	snprintf(ns->name, sizeof(ns->name), "%.63s", name);
	ns->fd = fd;
	ns->nlfd = -1;
	ns->scanned = scanned;
	ns->round = s->round;
	intake_ns_set(s->in, k, ino);
	track_set_namespaces(k);
	if (s->bpf && !s->all && nr_bpf_netns_add(s->bpf, ino))
		pr_warn("network namespace %s: cannot follow its sockets", name);
	return k;
}

bool netns_iface_split(const char *arg, char *ns, size_t nslen, const char **ifname)
{
	const char *c = strrchr(arg, ':');

	if (!c || c == arg || !c[1])
		return false;
	snprintf(ns, nslen, "%.*s", (int)(c - arg), arg);
	*ifname = c + 1;
	return true;
}

bool netns_iface_wanted(const struct opts *o, const char *name, uint32_t ino, const char *ifname)
{
	char ns[PATH_MAX], num[16];
	const char *ifn;

	if (!o->nifaces)
		return true;
	snprintf(num, sizeof(num), "%u", ino);
	for (int i = 0; i < o->nifaces; i++)
		if (netns_iface_split(o->ifaces[i], ns, sizeof(ns), &ifn) &&
		    strcmp(ifn, ifname) == 0 && (strcmp(ns, name) == 0 || strcmp(ns, num) == 0))
			return true;
	return false;
}

/* Attaches to the interfaces of namespace k not attached yet, from inside
 * it (ifindexes and tc hooks are the namespace's own). */
static void netns_attach(struct netns_set *s, int k, bool initial)
{
	/* one list at a time (the thread is in one namespace at a time) */
	static struct iface_info ifs[OUT_MAX_IFACES];
	struct netns_one *ns = &s->ns[k];
	uint32_t ino = s->in->ns_ino[k];
	int n, err;

	if (ns->fd < 0 || !s->out)
		return;
	if (setns(ns->fd, CLONE_NEWNET)) {
		pr_warn("network namespace %s: cannot enter it: %s; its interfaces are not captured",
			ns->name, strerror(errno));
		return;
	}
	if (ns->nlfd < 0) {
		ns->nlfd = iface_watch_open();
		if (ns->nlfd >= 0 &&
		    epoll_ctl(s->epfd, EPOLL_CTL_ADD, ns->nlfd,
			      &(struct epoll_event){ .events = EPOLLIN, .data.u32 = (uint32_t)k }))
			pr_warn("network namespace %s: cannot watch for new interfaces: %s; only "
				"those found by the next scan are captured", ns->name, strerror(errno));
	}
	if (initial) {
		/* its sockets open before start-up, as main() does for netrec's own */
		err = nr_bpf_scan_iter(s->bpf, &n);
		if (err)
			pr_warn("network namespace %s: cannot scan the sockets open before "
				"start-up: %s; their packets are attributed from their next send "
				"or receive", ns->name, strerror(-err));
		else
			pr_debug("network namespace %s: %d sockets open before start-up given their "
				 "owner", ns->name, n);
	}
	n = iface_list(ifs, OUT_MAX_IFACES);
	for (int i = 0; i < n; i++) {
		uint32_t key = IFKEY(k, ifs[i].ifindex);
		char name[40];
		int kind = iface_l2_kind(ifs[i].arphrd);

		if (!kind || out_iface_arphrd(s->out, (int)key) >= 0 ||
		    !netns_iface_wanted(s->o, ns->name, ino, ifs[i].name))
			continue;
		if ((uint32_t)ifs[i].ifindex > IFKEY_MAX_INDEX) {
			/* no key for it: not captured rather than mistaken for another */
			if (!s->big_ifindex[0])
				pr_warn("network namespace %s: %s has ifindex %d (netrec keys "
					"interfaces of other namespaces by an ifindex up to %u): not "
					"captured; said again at exit", ns->name, ifs[i].name,
					ifs[i].ifindex, IFKEY_MAX_INDEX);
			snprintf(s->big_ifindex, sizeof(s->big_ifindex), "%.*s:%s",
				 (int)(30 - strnlen(ifs[i].name, 16)), ns->name, ifs[i].name);
			continue;
		}
		/* two namespaces often both have an eth0: NAMESPACE:IFACE, the
		 * namespace's name shortened to fit the 31 characters kept */
		snprintf(name, sizeof(name), "%.*s:%s", (int)(30 - strnlen(ifs[i].name, 16)),
			 ns->name, ifs[i].name);
		if (out_add_iface_ns(s->out, (int)key, ino, name, ifs[i].arphrd))
			break;
		err = nr_bpf_tc_attach_key(s->bpf, (int)key, ino, ifs[i].ifindex, kind == 2,
					   ifs[i].arphrd != 772 /* loopback: egress only */);
		if (err)
			pr_warn("cannot attach to %s: %s", name, strerror(-err));
		else if (!initial)
			pr_info("capturing on %s (appeared while recording)", name);
		else
			pr_debug("capturing on %s", name);
	}
	if (setns(s->self_fd, CLONE_NEWNET))
		pr_warn("cannot return to netrec's own network namespace: %s", strerror(errno));
}

void netns_attach_all(struct netns_set *s, bool initial)
{
	for (int k = 1; k <= s->nns; k++)
		netns_attach(s, k, initial);
}

/* A namespace no scan finds any more: its interfaces detached, its files
 * closed so that the kernel can free it. Its number is not used again
 * (the file's interfaces keep their keys). */
static void netns_release(struct netns_set *s, int k)
{
	static int keys[OUT_MAX_IFACES];
	struct netns_one *ns = &s->ns[k];
	int n = nr_bpf_tc_keys(s->bpf, keys, OUT_MAX_IFACES);

	for (int i = 0; i < n; i++)
		if (IFKEY_NS(keys[i]) == (uint32_t)k)
			nr_bpf_tc_detach(s->bpf, keys[i]);
	if (!s->all)
		nr_bpf_netns_del(s->bpf, s->in->ns_ino[k]);
	close(ns->fd);
	if (ns->nlfd >= 0)
		close(ns->nlfd);   /* leaves the epoll set with it */
	ns->fd = ns->nlfd = -1;
	intake_ns_set(s->in, k, 0);
	pr_info("network namespace %s is gone: no longer followed", ns->name);
}

/* A namespace this scan found and could not follow (counted once however
 * many processes are in it: netns_scan() sorts them out). */
static void missed(struct netns_set *s, uint32_t ino)
{
	if (s->nmiss == s->miss_cap) {
		uint32_t cap = s->miss_cap ? 2 * s->miss_cap : 256;
		uint32_t *v = realloc(s->miss, cap * sizeof(*v));

		if (!v)
			return;
		s->miss = v;
		s->miss_cap = cap;
	}
	s->miss[s->nmiss++] = ino;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void found(struct netns_set *s, const char *name, const char *path, uint32_t ino,
		  bool initial)
{
	int k = find_live(s, ino);

	if (ino == s->self_ino)
		return;
	if (!k) {
		if (s->full) {
			missed(s, ino);
			return;
		}
		k = netns_add(s, name, path, ino, true);
		if (k == -ENOSPC)
			missed(s, ino);
		if (k <= 0)
			return;
		if (!initial)
			pr_info("following network namespace %s (appeared while recording)", name);
		netns_attach(s, k, initial);
	}
	s->ns[k].round = s->round;
}

static bool pattern_match(const struct opts *o, const char *name)
{
	for (int i = 0; i < o->nnetns; i++)
		if (strpbrk(o->netns[i], "*?[") && fnmatch(o->netns[i], name, 0) == 0)
			return true;
	return false;
}

/* The namespaces ip netns (and CNI plugins) name in /run/netns. */
static void scan_named(struct netns_set *s, bool initial)
{
	char path[PATH_MAX];
	struct dirent *d;
	struct stat st;
	DIR *dir;

	dir = opendir("/run/netns");
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.' || (!s->all && !pattern_match(s->o, d->d_name)))
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", d->d_name);
		if (stat(path, &st) == 0)
			found(s, d->d_name, path, (uint32_t)st.st_ino, initial);
	}
	if (dir)
		closedir(dir);
}

void netns_scan(struct netns_set *s, bool initial)
{
	char path[PATH_MAX];
	struct dirent *d;
	struct stat st;
	DIR *dir;

	if (!s->all && !s->patterns)
		return;
	s->round++;
	s->nmiss = 0;
	/* named ones first, so that they are known by their name */
	scan_named(s, initial);
	dir = s->all ? opendir("/proc") : NULL;
	while (dir && (d = readdir(dir))) {
		char name[16];

		if (!all_digits(d->d_name))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", d->d_name);
		if (stat(path, &st))
			continue;
		snprintf(name, sizeof(name), "%u", (uint32_t)st.st_ino);
		found(s, name, path, (uint32_t)st.st_ino, initial);
	}
	if (dir)
		closedir(dir);
	for (int k = 1; k <= s->nns; k++)
		if (s->ns[k].scanned && s->ns[k].fd >= 0 && s->ns[k].round != s->round)
			netns_release(s, k);
	if (s->nmiss) {
		uint32_t n = 1;

		qsort(s->miss, s->nmiss, sizeof(*s->miss), cmp_u32);
		for (uint32_t i = 1; i < s->nmiss; i++)
			n += s->miss[i] != s->miss[i - 1];
		if (n > s->missed)
			s->missed = n;
	}
}

void netns_start(struct netns_set *s, struct nr_bpf *bpf, struct out *out)
{
	s->bpf = bpf;
	s->out = out;
	for (int k = 1; k <= s->nns && !s->all; k++)
		if (nr_bpf_netns_add(bpf, s->in->ns_ino[k]))
			pr_warn("network namespace %s: cannot follow its sockets", s->ns[k].name);
	netns_attach_all(s, true);
	netns_scan(s, true);
}

int netns_poll_fd(const struct netns_set *s)
{
	return s->epfd;
}

void netns_polled(struct netns_set *s)
{
	struct epoll_event ev[64];
	int n = epoll_wait(s->epfd, ev, 64, 0);

	for (int i = 0; i < n; i++) {
		int k = (int)ev[i].data.u32;

		if (k >= 1 && k <= s->nns && s->ns[k].nlfd >= 0 && iface_watch_drain(s->ns[k].nlfd))
			netns_attach(s, k, false);
	}
}

int netns_mounts_fd(const struct netns_set *s)
{
	return s->mounts_fd;
}

void netns_mounts_changed(struct netns_set *s)
{
	/* ip netns add may have bound a namespace to its name */
	scan_named(s, false);
}

void netns_report(const struct netns_set *s)
{
	if (s->missed)
		fprintf(stderr, "netrec: network namespaces not recorded: %u (one recording follows "
			"at most %d others; the most that were left out at once)\n", s->missed,
			IFKEY_MAX_NS);
	if (s->big_ifindex[0])
		fprintf(stderr, "netrec: interfaces of other namespaces with an ifindex above %u were "
			"not captured (the last one found: %s)\n", IFKEY_MAX_INDEX, s->big_ifindex);
}

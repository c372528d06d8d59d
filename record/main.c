// SPDX-License-Identifier: GPL-2.0-only
/*
 * netrec: records TCP, ICMP and ICMPv6 packets with the process that owns
 * each one, and the kernel's TCP events, into one pcapng file
 * (docs/format.md). This file is the command line and the main loop: it
 * sets the kernel side up (record/attach.c), reads its ring buffer, holds
 * records for a bounded window to put them in time order and to attribute
 * late owners (record/reorder.c), filters, and hands what is kept to
 * record/output.c.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <dirent.h>
#include <fnmatch.h>
#include <fcntl.h>
#include <sched.h>

#include "version.h"
#include "profile.h"
#include "attach.h"
#include "cli.h"
#include "readback.h"
#include "clock.h"
#include "emit.h"
#include "filter.h"
#include "iface.h"
#include "intake.h"
#include "ksym.h"
#include "log.h"
#include "output.h"
#include "privs.h"
#include "proc.h"

/* How long a record is held for ordering and late attribution. */
#define HOLD_NS (150 * 1000000ULL)
/* How often the ring is read when the kernel side does not wake us (it
 * does past a quarter of the ring, and for a new process): the hold plus
 * this is the live latency of -o -. */
#define TICK_MS 25
/* Processes described at once (the least recently named go first). */
#define PROC_TABLE_MAX 16384
/* The initial network namespace's inode (PROC_NET_INIT_INO, fixed by the
 * kernel since 6.x; elsewhere no namespace has it). */
#define NETNS_INIT_INO 0xEFFFFFF9U

/* A network namespace followed besides netrec's own (--netns NAME): its
 * interfaces are captured too, by key (record/intake.h IFKEY). */
struct netns_follow {
	char name[64];
	int fd;                      /* the namespace file */
	int nlfd;                    /* rtnetlink watch opened inside it */
};

struct ctx {
	struct opts *o;
	struct netns_follow ns[IFKEY_MAX_NS + 1]; /* by number, from 1 */
	int nns;
	int self_ns;                 /* netrec's own namespace, to return to */
	bool patterns;               /* some --netns are name patterns */
	bool ns_full;                /* said that no more can be followed */
	struct nr_bpf *bpf;
	struct out *out;
	struct intake in;
	struct emit em;
	struct nr_clock clock;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t cb_if_drops(void *vctx, uint32_t ifindex)
{
	return nr_bpf_if_drops(vctx, ifindex);
}

static uint64_t cb_ring_drops(void *vctx)
{
	return nr_bpf_ring_drops(vctx);
}

static int64_t to_real(struct ctx *c, uint64_t ktime)
{
	return (int64_t)ktime + c->clock.mono_to_real_ns;
}

static bool wanted_iface(struct opts *o, const char *name)
{
	if (!o->nifaces)
		return true;
	for (int i = 0; i < o->nifaces; i++)
		if (strcmp(o->ifaces[i], name) == 0)
			return true;
	return false;
}

static void attach_netns(struct ctx *c, int k, bool initial);

/* Attaches to every wanted interface not attached yet. */
static int attach_ifaces(struct ctx *c, bool initial)
{
	struct iface_info ifs[OUT_MAX_IFACES];
	int n = iface_list(ifs, OUT_MAX_IFACES), err;

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		int kind;

		if (!wanted_iface(c->o, ifs[i].name) || out_iface_arphrd(c->out, ifs[i].ifindex) >= 0)
			continue;
		kind = iface_l2_kind(ifs[i].arphrd);
		if (!kind) {
			if (c->o->nifaces)
				pr_warn("%s: link type %u is not supported; not capturing on it",
					ifs[i].name, ifs[i].arphrd);
			else
				pr_debug("%s: link type %u not supported, skipped", ifs[i].name,
					 ifs[i].arphrd);
			continue;
		}
		/* IDB first: a packet may come as soon as the program is attached */
		err = out_add_iface(c->out, ifs[i].ifindex, ifs[i].name, ifs[i].arphrd);
		if (err)
			return err;
		err = nr_bpf_tc_attach(c->bpf, ifs[i].ifindex, kind == 2,
				       ifs[i].arphrd != 772 /* loopback: egress only */);
		if (err) {
			pr_warn("cannot attach to %s: %s (need CAP_BPF and CAP_NET_ADMIN)",
				ifs[i].name, strerror(-err));
			if (c->o->nifaces)
				return err;
			continue;
		}
		if (!initial)
			pr_info("capturing on %s (appeared while recording)", ifs[i].name);
		else
			pr_debug("capturing on %s", ifs[i].name);
	}
	/* -i names interfaces of netrec's own namespace */
	for (int k = 1; !c->o->nifaces && k <= c->nns; k++)
		attach_netns(c, k, initial);
	return 0;
}

/* Attaches to the interfaces of followed namespace k not attached yet,
 * from inside it (ifindexes and tc hooks are the namespace's own). */
static void attach_netns(struct ctx *c, int k, bool initial)
{
	struct netns_follow *ns = &c->ns[k];
	struct iface_info ifs[OUT_MAX_IFACES];
	int n, err;

	if (setns(ns->fd, CLONE_NEWNET)) {
		pr_warn("--netns %s: cannot enter it: %s; its interfaces are not captured",
			ns->name, strerror(errno));
		return;
	}
	if (ns->nlfd < 0)
		ns->nlfd = iface_watch_open();
	n = iface_list(ifs, OUT_MAX_IFACES);
	for (int i = 0; i < n; i++) {
		uint32_t key = IFKEY(k, ifs[i].ifindex);
		char name[40];
		int kind = iface_l2_kind(ifs[i].arphrd);

		if (!kind || IFKEY_INDEX(key) != (uint32_t)ifs[i].ifindex ||
		    out_iface_arphrd(c->out, (int)key) >= 0)
			continue;
		/* two namespaces often both have an eth0: NAMESPACE:IFACE, the
		 * namespace's name shortened to fit the 31 characters kept */
		snprintf(name, sizeof(name), "%.*s:%s", (int)(30 - strnlen(ifs[i].name, 16)),
			 ns->name, ifs[i].name);
		if (out_add_iface_ns(c->out, (int)key, c->in.ns_ino[k], name, ifs[i].arphrd))
			break;
		err = nr_bpf_tc_attach_key(c->bpf, (int)key, ifs[i].ifindex, kind == 2,
					   ifs[i].arphrd != 772);
		if (err)
			pr_warn("cannot attach to %s: %s", name, strerror(-err));
		else if (!initial)
			pr_info("capturing on %s (appeared while recording)", name);
	}
	if (setns(c->self_ns, CLONE_NEWNET))
		pr_warn("cannot return to netrec's own network namespace: %s", strerror(errno));
}

/* --netns PATTERN: follows the ip netns names (/run/netns) it matches that
 * are not followed yet, their sockets and their interfaces. */
static void follow_patterns(struct ctx *c, bool initial)
{
	DIR *d = opendir("/run/netns");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;
		bool match = false, known = false;
		int k, fd;

		for (int i = 0; i < c->o->nnetns && !match; i++)
			match = strpbrk(c->o->netns[i], "*?[") &&
				fnmatch(c->o->netns[i], de->d_name, 0) == 0;
		if (!match || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", de->d_name);
		if (stat(path, &st) || (uint32_t)st.st_ino == c->in.own_netns)
			continue;
		for (k = 1; k <= c->nns && !known; k++)
			known = c->in.ns_ino[k] == (uint32_t)st.st_ino;
		if (known)
			continue;
		if (c->nns >= IFKEY_MAX_NS) {
			if (!c->ns_full)
				pr_warn("--netns: more than %d namespaces; %s and later ones are not "
					"followed", IFKEY_MAX_NS, de->d_name);
			c->ns_full = true;
			break;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		k = ++c->nns;
		snprintf(c->ns[k].name, sizeof(c->ns[k].name), "%.63s", de->d_name);
		c->ns[k].fd = fd;
		c->ns[k].nlfd = -1;
		c->in.ns_ino[k] = (uint32_t)st.st_ino;
		c->in.nns = k;
		if (nr_bpf_netns_add(c->bpf, (uint32_t)st.st_ino))
			pr_warn("--netns: cannot follow the sockets of %s", de->d_name);
		if (!initial)
			pr_info("following network namespace %s (appeared while recording)",
				de->d_name);
		if (!c->o->nifaces)
			attach_netns(c, k, initial);
	}
	closedir(d);
}

/* Writes what the reorder window releases (ktime older than before). */
static void release(struct ctx *c, uint64_t before)
{
	struct rec *r;

	if (c->in.lost) {
		out_count_lost(c->out, c->in.lost);
		c->in.lost = 0;
	}
	while ((r = intake_next(&c->in, before))) {
		emit_record(&c->em, r);
		intake_done(&c->in, r);
	}
	if (c->em.done)
		stop = 1;
}

static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	for (int i = 0; s && i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct ctx c = { .o = &o, .self_ns = -1 };
	struct nr_bpf_cfg bcfg = { 0 };
	struct out_cfg ocfg = { 0 };
	struct out_counts tot = { 0 };
	struct ring_buffer *rb = NULL;
	struct passwd *pw = NULL;
	int64_t start_mono, end_real, last_ns_scan = 0;
	int nlfd = -1, err, found = 0, ret = 1;
	bool more = false;
	char *cmdline = NULL, cgroup_rel[PATH_MAX];
	uint32_t netns_ino[MAX_SEL], own_netns = 0;
	struct stat st, self_ino;

	cli_parse(argc, argv, &o);
	/* -D and -r record nothing: no BPF, no capabilities needed */
	if (o.list_ifaces || o.read) {
		int rc = o.list_ifaces ? listifs_run() : readback_run(&o);

		free(o.filter);
		return rc;
	}
	/* a stop asked for during start-up ends the recording as soon as it
	 * has begun, with a complete file */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, SIG_IGN);
	log_setup_libbpf();
	intake_init(&c.in, 0);
	c.in.mark_captured = o.nifaces > 0;
	c.em.sel.o = &o;
	c.em.count = o.count;
	proc_table_init(PROC_TABLE_MAX);

	for (int i = 0; i < o.nifaces; i++)
		if (!if_nametoindex(o.ifaces[i])) {
			pr_warn("no interface named '%s' in this network namespace", o.ifaces[i]);
			ret = 2;
			goto cleanup;
		}
	/* a selection that cannot match would record nothing, silently */
	for (int i = 0; i < o.npids; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/proc/%u", o.pids[i]);
		if (access(path, F_OK)) {
			pr_warn("-p %u: no such process (it would match nothing)", o.pids[i]);
			ret = 2;
			goto cleanup;
		}
	}
	if (o.cgroup) {
		err = proc_cgroup_resolve(o.cgroup, cgroup_rel, sizeof(cgroup_rel));
		if (err) {
			pr_warn("--cgroup %s: %s", o.cgroup, err == -EINVAL ?
				"not a cgroup path (give /a/b, or the directory under the "
				"cgroup v2 mount)" :
				"no such cgroup in the cgroup v2 hierarchy (it would match nothing)");
			ret = 2;
			goto cleanup;
		}
		o.cgroup = cgroup_rel;
	}
	c.self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fstat(c.self_ns, &self_ino))
		memset(&self_ino, 0, sizeof(self_ino));
	c.in.own_netns = (uint32_t)self_ino.st_ino;
	for (int i = 0; i < o.nnetns; i++) {
		char path[PATH_MAX];

		/* a pattern (fnmatch) over ip netns names: the namespaces it
		 * matches, now and later (follow_patterns) */
		netns_ino[i] = 0;
		if (strpbrk(o.netns[i], "*?[")) {
			c.patterns = true;
			continue;
		}

		snprintf(path, sizeof(path), "%s%s", strchr(o.netns[i], '/') ? "" : "/run/netns/",
			 o.netns[i]);
		if (stat(path, &st)) {
			pr_warn("--netns %s: no such network namespace (%s: %s)", o.netns[i], path,
				strerror(errno));
			ret = 2;
			goto cleanup;
		}
		netns_ino[i] = (uint32_t)st.st_ino;
		if (i < IFKEY_MAX_NS && netns_ino[i] != (uint32_t)self_ino.st_ino) {
			int k = ++c.nns;

			snprintf(c.ns[k].name, sizeof(c.ns[k].name), "%s", o.netns[i]);
			c.ns[k].nlfd = -1;
			c.ns[k].fd = open(path, O_RDONLY | O_CLOEXEC);
			c.in.ns_ino[k] = netns_ino[i];
			c.in.nns = k;
			if (c.ns[k].fd < 0) {
				pr_warn("--netns %s: %s", o.netns[i], strerror(errno));
				ret = 2;
				goto cleanup;
			}
		}
	}
	if (o.filter) {
		char msg[256];

		if (filter_compile(&c.em.sel.filter, o.filter, msg, sizeof(msg))) {
			pr_warn("invalid filter expression '%s': %s", o.filter, msg);
			ret = 2;
			goto cleanup;
		}
	}
	if (o.user && !(pw = getpwnam(o.user))) {
		pr_warn("-Z %s: no such user", o.user);
		ret = 2;
		goto cleanup;
	}
	if (pw && (o.rotate_bytes || o.rotate_secs) &&
	    !privs_can_create(o.user, pw->pw_uid, pw->pw_gid, o.out)) {
		pr_warn("-Z %s with -C/-G: %s may not create files in the directory of %s, "
			"and every file after the first is created after the switch to %s; "
			"give %s write access to it, or record there without -Z", o.user,
			o.user, o.out, o.user, o.user);
		ret = 2;
		goto cleanup;
	}
	if (cli_check_caps())
		goto cleanup;
	if (stat("/proc/self/ns/net", &st) == 0)
		bcfg.netns = (uint32_t)st.st_ino;
	own_netns = bcfg.netns;
	/* --netns: every namespace (by default in the initial one, whose
	 * inode the kernel fixes), or these too */
	if (o.all_netns || (!o.nnetns && bcfg.netns == NETNS_INIT_INO))
		bcfg.netns = 0;
	else if (o.nnetns)
		bcfg.more_netns = true;
	err = clock_measure(&c.clock, 64);
	if (err) {
		pr_warn("cannot read the clocks: %s", strerror(-err));
		goto cleanup;
	}
	c.in.mono_to_real_ns = c.em.mono_to_real_ns = c.clock.mono_to_real_ns;

	bcfg.snap_l3 = o.snaplen ? o.snaplen : NR_MAX_COPY;
	bcfg.events = !o.no_events;
	bcfg.event_mask = o.no_events ? 0 : o.event_mask;
	if (o.kernel_stack && !o.no_events) {
		err = ksym_load();
		if (err) {
			pr_warn("cannot read kernel symbols from /proc/kallsyms: %s%s", strerror(-err),
				err == -EPERM ? " (addresses hidden: run as root, or lower "
				"kernel.kptr_restrict)" : "");
			goto cleanup;
		}
		bcfg.kernel_stack = true;
	}
	bcfg.ring_bytes = o.ring_kib * 1024;
	err = nr_bpf_open(&c.bpf, &bcfg);
	if (err)
		goto cleanup;
	for (int i = 0; bcfg.more_netns && i < o.nnetns; i++) {
		if (!netns_ino[i])
			continue;
		err = nr_bpf_netns_add(c.bpf, netns_ino[i]);
		if (err)
			pr_warn("--netns %s: %s; its sockets are not followed", o.netns[i],
				strerror(-err));
	}
	rb = nr_bpf_ring(c.bpf, intake_record, &c.in);
	if (!rb) {
		pr_warn("cannot open the ring buffer: %s", strerror(errno));
		goto cleanup;
	}
	err = nr_bpf_scan_preexisting(c.bpf, &found);
	if (!err)
		pr_debug("%d sockets open before start-up given their owner", found);
	nlfd = iface_watch_open();
	if (nlfd < 0)
		pr_warn("cannot watch for new interfaces: %s; capturing on those present now",
			strerror(-nlfd));

	cmdline = join_args(argc, argv);
	ocfg.path = o.out;
	ocfg.rotate_bytes = o.rotate_bytes;
	ocfg.rotate_secs = o.rotate_secs;
	ocfg.max_files = o.max_files;
	ocfg.snaplen = (o.snaplen ? o.snaplen : 262144 - 20) + 20;
	if (ocfg.snaplen > 262144)
		ocfg.snaplen = 262144;
	ocfg.filter = o.filter;
	ocfg.cmdline = cmdline;
	ocfg.clock = c.clock;
	ocfg.netns = own_netns;
	ocfg.if_drops = cb_if_drops;
	ocfg.ring_drops = cb_ring_drops;
	ocfg.drops_ctx = c.bpf;
	if (pw) {
		ocfg.chown = true;
		ocfg.uid = pw->pw_uid;
		ocfg.gid = pw->pw_gid;
	}
	err = out_open(&c.out, &ocfg);
	if (err)
		goto cleanup;
	c.em.out = c.out;
	err = attach_ifaces(&c, true);
	if (!err && c.patterns)
		follow_patterns(&c, true);
	if (err) {
		out_close(c.out, clock_now_ns(CLOCK_REALTIME), NULL);
		c.out = NULL;
		if (strcmp(o.out, "-"))
			unlink(o.out);
		goto cleanup;
	}
	if (pw && privs_drop(o.user, ocfg.uid, ocfg.gid))
		goto cleanup;

	pr_info("recording to %s%s (Ctrl-C to stop)", o.out,
		nr_bpf_have_owners(c.bpf) ? "" : " without process attribution");

	start_mono = clock_now_ns(CLOCK_MONOTONIC);
	while (!stop) {
		struct pollfd pfd[2 + IFKEY_MAX_NS] = {
			{ .fd = ring_buffer__epoll_fd(rb), .events = POLLIN },
			{ .fd = nlfd, .events = POLLIN },
		};
		int64_t now;

		for (int k = 1; k <= c.nns; k++)
			pfd[1 + k] = (struct pollfd){ .fd = c.ns[k].nlfd, .events = POLLIN };
		/* a round that ended on its budget left records in the ring */
		if (poll(pfd, 2 + c.nns, more ? 0 : TICK_MS) < 0 && errno != EINTR) {
			pr_warn("poll: %s", strerror(errno));
			break;
		}
		intake_round(&c.in);
		more = ring_buffer__consume(rb) == -EAGAIN;
		if (nlfd >= 0 && (pfd[1].revents & POLLIN) && iface_watch_drain(nlfd))
			attach_ifaces(&c, false);
		for (int k = 1; k <= c.nns; k++)
			if (c.ns[k].nlfd >= 0 && (pfd[1 + k].revents & POLLIN) &&
			    iface_watch_drain(c.ns[k].nlfd))
				attach_netns(&c, k, false);
		now = clock_now_ns(CLOCK_MONOTONIC);
		/* new namespaces: looked for twice a second */
		if (c.patterns && now - last_ns_scan >= 500000000LL) {
			follow_patterns(&c, false);
			last_ns_scan = now;
		}
		release(&c, (uint64_t)now > HOLD_NS ? (uint64_t)now - HOLD_NS : 0);
		if (out_flush(c.out))
			break;
		if (o.duration > 0 && now - start_mono >= (int64_t)(o.duration * 1e9))
			break;
		if (out_maybe_rotate(c.out, to_real(&c, (uint64_t)now)) == 1)
			break;
	}
	/* stop capturing, then write what is queued */
	c.in.budget = 0;
	ring_buffer__consume(rb);
	release(&c, UINT64_MAX);
	end_real = clock_now_ns(CLOCK_REALTIME);
	err = out_close(c.out, end_real, &tot);
	c.out = NULL;
	{
		uint64_t drops = nr_bpf_ring_drops(c.bpf) + tot.other_drops;
		double share = tot.packets_written ?
			100.0 * (double)tot.packets_attributed / (double)tot.packets_written : 0;

		fprintf(stderr, "netrec: %" PRIu64 " packets written, %" PRIu64 " events written, "
			"%.1f%% of packets attributed to a process (%" PRIu64 " of %" PRIu64
			"; %" PRIu64 " the kernel's), %" PRIu64 " not fully parsed, %" PRIu64
			" filtered out, drops: %" PRIu64 "\n", tot.packets_written,
			tot.events_written, share, tot.packets_attributed, tot.packets_written,
			tot.packets_kernel, tot.packets_unparsed, tot.packets_filtered, drops);
	}
	/* a reader that goes away (-o - | head) ends the recording normally */
	ret = (c.em.err && c.em.err != -EPIPE) || (err && err != -EPIPE) ? 1 : 0;
cleanup:
	if (c.out)
		out_close(c.out, clock_now_ns(CLOCK_REALTIME), NULL);
	ring_buffer__free(rb);
	nr_bpf_close(c.bpf);
	ksym_free();
	if (nlfd >= 0)
		close(nlfd);
	for (int k = 1; k <= c.nns; k++) {
		if (c.ns[k].fd >= 0)
			close(c.ns[k].fd);
		if (c.ns[k].nlfd >= 0)
			close(c.ns[k].nlfd);
	}
	if (c.self_ns >= 0)
		close(c.self_ns);
	pr_debug("record pool: %" PRIu64 " slots made, %" PRIu64 " held at exit; process notices: %" PRIu64, c.in.pool.slots, c.in.pool.in_use, c.in.procs);
	intake_free(&c.in);
	proc_table_free();
	free(cmdline);
	free(o.filter);
	filter_free(c.em.sel.filter);
	return ret;
}

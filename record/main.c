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
#include <sys/resource.h>
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
#include "netns.h"
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

struct ctx {
	struct opts *o;
	struct netns_set ns;         /* other network namespaces followed */
	struct nr_bpf *bpf;
	struct out *out;
	struct intake in;
	struct emit em;
	struct nr_clock clock;
	bool big_ifindex;            /* an interface not captured: ifindex too large */
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
	/* NS:IFACE names an interface of another namespace (record/netns.c) */
	for (int i = 0; i < o->nifaces; i++)
		if (strcmp(o->ifaces[i], name) == 0)
			return true;
	return false;
}

/* Attaches to every wanted interface of netrec's own namespace not
 * attached yet. */
static int attach_ifaces(struct ctx *c, bool initial)
{
	static struct iface_info ifs[OUT_MAX_IFACES];
	int n = iface_list(ifs, OUT_MAX_IFACES), err = 0;

	for (int i = 0; i < n; i++) {
		int kind;

		if (!wanted_iface(c->o, ifs[i].name) || out_iface_arphrd(c->out, ifs[i].ifindex) >= 0)
			continue;
		if ((uint32_t)ifs[i].ifindex > IFKEY_MAX_INDEX) {
			/* its key would be another namespace's interface
			 * (record/intake.h IFKEY) */
			if (!c->big_ifindex)
				pr_warn("%s has ifindex %d (netrec keys interfaces by an ifindex up "
					"to %u): not capturing on it", ifs[i].name, ifs[i].ifindex,
					IFKEY_MAX_INDEX);
			c->big_ifindex = true;
			continue;
		}
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
		if (err == -ENOSPC) {
			err = 0;   /* said once; the others are recorded */
			break;
		}
		if (err)
			break;
		err = nr_bpf_tc_attach(c->bpf, ifs[i].ifindex, kind == 2,
				       ifs[i].arphrd != 772 /* loopback: egress only */);
		if (err) {
			pr_warn("cannot attach to %s: %s%s", ifs[i].name, strerror(-err),
				err == -EPERM || err == -EACCES ?
				" (need CAP_BPF and CAP_NET_ADMIN)" : "");
			if (c->o->nifaces)
				break;
			err = 0;
			continue;
		}
		if (!initial)
			pr_info("capturing on %s (appeared while recording)", ifs[i].name);
		else
			pr_debug("capturing on %s", ifs[i].name);
	}
	return n < 0 ? n : err;
}

/* Every namespace followed holds two descriptors (its file, its link
 * watch) and every interface captured one or two tcx links: a host with
 * hundreds of containers needs more than the usual soft limit (1024). The
 * soft limit is raised to the hard one, as far as the kernel allows. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? 1048576 : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		pr_debug("cannot raise the open files limit: %s", strerror(errno));
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
	struct ctx c = { .o = &o, .ns = { .self_fd = -1, .epfd = -1 } };
	struct nr_bpf_cfg bcfg = { 0 };
	struct out_cfg ocfg = { 0 };
	struct out_counts tot = { 0 };
	struct ring_buffer *rb = NULL;
	struct passwd *pw = NULL;
	int64_t start_mono, end_real, last_ns_scan = 0, ns_rescan_ns = 500000000LL;
	int nlfd = -1, err, found = 0, ret = 1;
	bool more = false;
	char *cmdline = NULL, cgroup_rel[PATH_MAX];
	uint32_t own_netns = 0;
	bool all_netns;
	struct stat st;

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
	raise_nofile();
	intake_init(&c.in, 0);
	c.in.mark_captured = o.nifaces > 0;
	c.em.sel.o = &o;
	c.em.count = o.count;
	proc_table_init(PROC_TABLE_MAX);

	for (int i = 0; i < o.nifaces; i++)
		if (!strchr(o.ifaces[i], ':') && !if_nametoindex(o.ifaces[i])) {
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
	/* every namespace: asked for, or by default when netrec runs in the
	 * initial one (the host's; the kernel fixes its inode) */
	if (stat("/proc/self/ns/net", &st) == 0)
		own_netns = (uint32_t)st.st_ino;
	all_netns = !o.self_netns && (o.all_netns || (!o.nnetns && own_netns == NETNS_INIT_INO));
	if (netns_init(&c.ns, &o, &c.in, all_netns)) {
		pr_warn("cannot open netrec's own network namespace: %s", strerror(errno));
		goto cleanup;
	}
	for (int i = 0; i < o.nnetns; i++) {
		char path[PATH_MAX];
		uint32_t ino;

		/* a pattern (fnmatch) over ip netns names: the namespaces it
		 * matches, now and later (netns_scan) */
		if (strpbrk(o.netns[i], "*?["))
			continue;
		err = netns_resolve(o.netns[i], path, sizeof(path), &ino);
		if (err) {
			pr_warn("--netns %s: no such network namespace (%s: %s)", o.netns[i], path,
				strerror(-err));
			ret = 2;
			goto cleanup;
		}
		err = netns_add(&c.ns, o.netns[i], path, ino, false);
		if (err < 0) {
			pr_warn("--netns %s: %s", o.netns[i],
				err == -EINVAL ? "not a network namespace" : strerror(-err));
			ret = 2;
			goto cleanup;
		}
	}
	/* -i NS:IFACE: the namespace is followed, and must have IFACE */
	for (int i = 0; i < o.nifaces; i++) {
		char nsname[PATH_MAX], path[PATH_MAX];
		const char *ifname;
		uint32_t ino;
		int k;

		if (!netns_iface_split(o.ifaces[i], nsname, sizeof(nsname), &ifname))
			continue;
		err = netns_resolve(nsname, path, sizeof(path), &ino);
		k = err ? err : netns_add(&c.ns, nsname, path, ino, false);
		if (k < 0) {
			pr_warn("-i %s: no network namespace '%s' (an ip netns name, a namespace "
				"file or an inode netrec -D lists)", o.ifaces[i], nsname);
			ret = 2;
			goto cleanup;
		}
		if (k == 0) {
			pr_warn("-i %s: '%s' is netrec's own network namespace: give -i %s",
				o.ifaces[i], nsname, ifname);
			ret = 2;
			goto cleanup;
		}
		if (setns(c.ns.ns[k].fd, CLONE_NEWNET) == 0) {
			bool have = if_nametoindex(ifname) != 0;

			if (setns(c.ns.self_fd, CLONE_NEWNET)) {
				pr_warn("cannot return to netrec's own network namespace: %s",
					strerror(errno));
				goto cleanup;
			}
			if (!have) {
				pr_warn("-i %s: no interface named '%s' in network namespace %s",
					o.ifaces[i], ifname, nsname);
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
	/* the kernel side's sockets: every namespace's, or netrec's own and
	 * those it follows (netns_on) */
	bcfg.netns = all_netns ? 0 : own_netns;
	bcfg.more_netns = !all_netns && (o.nnetns || c.ns.nns);
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
	if (!err)
		netns_start(&c.ns, c.bpf, c.out);
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

	/* the test suite lengthens the rescan (tests/e2e/e2e_netns.sh) to
	 * show that bound names are found without it */
	if (getenv("NETREC_TEST_NS_RESCAN_MS"))
		ns_rescan_ns = atoll(getenv("NETREC_TEST_NS_RESCAN_MS")) * 1000000LL;
	start_mono = clock_now_ns(CLOCK_MONOTONIC);
	while (!stop) {
		struct pollfd pfd[4] = {
			{ .fd = ring_buffer__epoll_fd(rb), .events = POLLIN },
			{ .fd = nlfd, .events = POLLIN },
			/* every other namespace's link watch, in one epoll set */
			{ .fd = netns_poll_fd(&c.ns), .events = POLLIN },
			/* namespaces bound to a name */
			{ .fd = netns_mounts_fd(&c.ns), .events = POLLPRI },
		};
		int64_t now;

		/* a round that ended on its budget left records in the ring */
		if (poll(pfd, 4, more ? 0 : TICK_MS) < 0 && errno != EINTR) {
			pr_warn("poll: %s", strerror(errno));
			break;
		}
		intake_round(&c.in);
		more = ring_buffer__consume(rb) == -EAGAIN;
		if (nlfd >= 0 && (pfd[1].revents & POLLIN) && iface_watch_drain(nlfd))
			attach_ifaces(&c, false);
		if (pfd[2].revents & POLLIN)
			netns_polled(&c.ns);
		if (pfd[3].revents & POLLPRI)
			netns_mounts_changed(&c.ns);
		now = clock_now_ns(CLOCK_MONOTONIC);
		/* new namespaces (and ones gone): looked for twice a second */
		if (now - last_ns_scan >= ns_rescan_ns) {
			netns_scan(&c.ns, false);
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
		netns_report(&c.ns);
		if (c.big_ifindex)
			fprintf(stderr, "netrec: interfaces with an ifindex above %u were not captured\n",
				IFKEY_MAX_INDEX);
	}
	/* a reader that goes away (-o - | head) ends the recording normally */
	ret = (c.em.err && c.em.err != -EPIPE) || (err && err != -EPIPE) ? 1 : 0;
	/* the file is complete; the kernel releases each interface's links
	 * after an RCU grace period, one at a time (tens of ms an interface
	 * on some machines) */
	if (nr_bpf_tc_count(c.bpf) >= 100)
		pr_info("letting go of %d interfaces", nr_bpf_tc_count(c.bpf));
cleanup:
	if (c.out)
		out_close(c.out, clock_now_ns(CLOCK_REALTIME), NULL);
	ring_buffer__free(rb);
	nr_bpf_close(c.bpf);
	ksym_free();
	if (nlfd >= 0)
		close(nlfd);
	netns_free(&c.ns);
	pr_debug("record pool: %" PRIu64 " slots made, %" PRIu64 " held at exit; process notices: %" PRIu64, c.in.pool.slots, c.in.pool.in_use, c.in.procs);
	intake_free(&c.in);
	proc_table_free();
	free(cmdline);
	free(o.filter);
	filter_free(c.em.sel.filter);
	return ret;
}

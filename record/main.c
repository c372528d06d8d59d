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
#include <grp.h>
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

#include "version.h"
#include "profile.h"
#include "attach.h"
#include "cli.h"
#include "clock.h"
#include "filter.h"
#include "iface.h"
#include "log.h"
#include "output.h"
#include "proc.h"
#include "reorder.h"
#include "track.h"

/* How long a record is held for ordering and late attribution. */
#define HOLD_NS (150 * 1000000ULL)

struct ctx {
	struct opts *o;
	struct nr_bpf *bpf;
	struct out *out;
	struct reorder ro;
	struct nr_clock clock;
	struct pkt_filter *filter;
	bool have_filter;
	uint64_t other_drops;        /* lost in user space, not yet counted */
	uint64_t dropped_total;
	bool stop_writing;
	int err;
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
	return 0;
}

/* ---- filtering ---- */

static bool owner_selected(struct ctx *c, const struct nr_owner *ow, uint8_t src)
{
	struct opts *o = c->o;
	struct proc_info *pi;
	bool ok;

	if (!o->npids && !o->ncomms && !o->cgroup)
		return true;
	if (!(ow->flags & NR_OWN_VALID) || src == NR_OWNER_KERNEL || src == NR_OWNER_UNKNOWN)
		return false;
	pi = proc_get(ow->pid, ow->comm, ow->uid, ow->gid, ow->cgroup_id, 0);
	ok = !o->npids && !o->ncomms;
	for (int i = 0; !ok && i < o->npids; i++)
		ok = ow->pid == o->pids[i] ||
		     (o->children && proc_is_descendant(ow->pid, o->pids[i]));
	for (int i = 0; !ok && i < o->ncomms; i++) {
		ok = strncmp(ow->comm, o->comms[i], 15) == 0 ||
		     (pi && strcmp(pi->comm, o->comms[i]) == 0);
		if (!ok && o->children && pi) {
			uint32_t p = pi->ppid;

			for (int d = 0; !ok && p > 1 && d < 64; d++) {
				struct proc_info *pp = proc_get(p, NULL, 0, 0, 0, 0);

				if (!pp || !pp->from_proc)
					break;
				ok = strcmp(pp->comm, o->comms[i]) == 0;
				p = pp->ppid;
			}
		}
	}
	if (ok && o->cgroup) {
		size_t n = strlen(o->cgroup);

		ok = pi && pi->cgroup && strncmp(pi->cgroup, o->cgroup, n) == 0 &&
		     (pi->cgroup[n] == '\0' || pi->cgroup[n] == '/' || o->cgroup[n - 1] == '/');
	}
	return ok;
}

/* An event is kept when a packet of its connection matched the filter, or
 * when a packet with its addresses and ports would match it. */
static bool event_matches_filter(struct ctx *c, const struct nr_event *e)
{
	static uint8_t buf[20 + 60];
	struct nr_tuple t;

	if (!c->have_filter)
		return true;
	track_tuple_of_event(e, &t);
	if (track_matched(&t))
		return true;
	for (int dir = 0; dir < 2; dir++) {
		uint32_t len = track_synth_packet(e, dir, buf, sizeof(buf));

		if (len && filter_match(c->filter, buf, len, len))
			return true;
	}
	return false;
}

static void emit(struct ctx *c, struct rec *r)
{
	static uint8_t buf[20 + NR_MAX_COPY + 1];
	uint8_t kind = r->data[0];
	int err = 0;

	if (c->stop_writing)
		return;
	out_maybe_rotate(c->out, to_real(c, r->ktime_ns));
	if (kind == NR_REC_PKT) {
		struct nr_pkt p;
		const uint8_t *data = r->data + sizeof(p);
		struct proc_info *pi = NULL;
		struct nr_tuple t;
		uint8_t src;
		bool have_t;

		memcpy(&p, r->data, sizeof(p));
		src = p.owner.src;
		have_t = track_tuple_of_packet(&p, data, &t) == 0;
		if (!(p.owner.flags & NR_OWN_VALID) && src != NR_OWNER_KERNEL && have_t &&
		    track_late_owner(&t, &p.owner) == 0) {
			src = NR_OWNER_LATE;
		} else if (src == NR_OWNER_ACCEPT && have_t && (p.owner.flags & NR_OWN_VALID) &&
			   !(p.owner.flags & NR_OWN_CLAIMED)) {
			/* still the listener's owner: if another task accepted and
			 * used the socket within the hold window, it is the owner */
			struct nr_owner acc;

			if (track_acceptor(&t, &acc) == 0 &&
			    (acc.pid != p.owner.pid || acc.tid != p.owner.tid)) {
				p.owner = acc;
				src = NR_OWNER_LATE;
			}
		}
		out_count_seen(c->out, (int)p.ifindex);
		if (!owner_selected(c, &p.owner, src)) {
			out_count_filtered(c->out);
			return;
		}
		if (c->have_filter) {
			uint32_t origlen, caplen = out_build_sll2(c->out, &p, data, buf, &origlen);

			if (!filter_match(c->filter, buf, caplen, origlen)) {
				out_count_filtered(c->out);
				return;
			}
			if (have_t)
				track_mark_matched(&t);
		}
		if ((p.owner.flags & NR_OWN_VALID) && src != NR_OWNER_KERNEL) {
			pi = proc_get(p.owner.pid, p.owner.comm, p.owner.uid, p.owner.gid,
				      p.owner.cgroup_id, to_real(c, r->ktime_ns));
			err = out_process(c->out, pi);
		}
		if (!err)
			err = out_packet(c->out, &p, data, src, pi, to_real(c, r->ktime_ns));
		if (!err && c->o->count && out_totals(c->out)->packets_written >= c->o->count) {
			c->stop_writing = true;
			stop = 1;
		}
	} else if (kind == NR_REC_EVENT) {
		struct nr_event e;
		struct proc_info *pi = NULL;
		bool process;

		memcpy(&e, r->data, sizeof(e));
		process = (e.owner.flags & NR_OWN_VALID) && e.owner.src != NR_OWNER_KERNEL;
		if (!owner_selected(c, &e.owner, e.owner.src) || !event_matches_filter(c, &e))
			return;
		if (process) {
			pi = proc_get(e.owner.pid, e.owner.comm, e.owner.uid, e.owner.gid,
				      e.owner.cgroup_id, to_real(c, r->ktime_ns));
			err = out_process(c->out, pi);
		}
		if (!err)
			err = out_event(c->out, &e, pi, to_real(c, r->ktime_ns),
					track_window_bytes(&e));
	}
	if (err && err != -ENODEV) {
		c->err = err;
		c->stop_writing = true;
		stop = 1;
	}
}

static int on_record(void *vctx, void *data, size_t size)
{
	struct ctx *c = vctx;
	struct rec *r;

	if (size < sizeof(struct nr_event) && size < sizeof(struct nr_pkt))
		return 0;
	r = malloc(sizeof(*r) + size);
	if (!r) {
		c->other_drops++;
		return 0;
	}
	memcpy(r->data, data, size);
	r->size = (uint32_t)size;
	if (r->data[0] == NR_REC_PKT && size >= sizeof(struct nr_pkt)) {
		const struct nr_pkt *p = (const void *)r->data;

		r->ktime_ns = p->ktime_ns;
		r->cpu = p->cpu;
		r->seq = p->seq;
		if (p->cap_len > NR_MAX_COPY || sizeof(*p) + p->cap_len > size) {
			free(r);
			c->other_drops++;
			return 0;
		}
		track_learn_packet(p, r->data + sizeof(*p));
	} else if (r->data[0] == NR_REC_EVENT && size >= sizeof(struct nr_event)) {
		const struct nr_event *e = (const void *)r->data;

		r->ktime_ns = e->ktime_ns;
		r->cpu = e->cpu;
		r->seq = e->seq;
		track_learn_event(e);
	} else {
		free(r);
		return 0;
	}
	/* read /proc now, while the process most likely still exists */
	{
		const struct nr_owner *ow = r->data[0] == NR_REC_PKT ?
			&((const struct nr_pkt *)(const void *)r->data)->owner :
			&((const struct nr_event *)(const void *)r->data)->owner;

		if ((ow->flags & NR_OWN_VALID) && ow->src != NR_OWNER_KERNEL)
			proc_get(ow->pid, ow->comm, ow->uid, ow->gid, ow->cgroup_id,
				 to_real(c, r->ktime_ns));
	}
	if (reorder_push(&c->ro, r)) {
		free(r);
		c->other_drops++;
	}
	return 0;
}

static void release(struct ctx *c, uint64_t before)
{
	struct rec *r;

	if (c->other_drops) {
		out_count_other_drops(c->out, c->other_drops);
		c->dropped_total += c->other_drops;
		c->other_drops = 0;
	}
	while ((r = reorder_pop(&c->ro, before))) {
		emit(c, r);
		free(r);
	}
}

/* user: -Z, looked up (and known to exist) at start-up, as uid and gid */
static int drop_privileges(const char *user, uid_t uid, gid_t gid)
{
	if (initgroups(user, gid) || setgid(gid) || setuid(uid)) {
		int err = -errno;

		pr_warn("cannot drop privileges to %s: %s", user, strerror(-err));
		return err;
	}
	return 0;
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
	struct ctx c = { .o = &o };
	struct nr_bpf_cfg bcfg = { 0 };
	struct out_cfg ocfg = { 0 };
	struct out_counts tot = { 0 };
	struct ring_buffer *rb = NULL;
	struct passwd *pw = NULL;
	int64_t start_mono, end_real;
	int nlfd = -1, err, found = 0, ret = 1;
	char *cmdline = NULL;
	struct stat st;

	cli_parse(argc, argv, &o);
	log_setup_libbpf();
	reorder_init(&c.ro);
	proc_table_init();

	for (int i = 0; i < o.nifaces; i++)
		if (!if_nametoindex(o.ifaces[i])) {
			pr_warn("no interface named '%s' in this network namespace", o.ifaces[i]);
			ret = 2;
			goto cleanup;
		}
	if (o.filter) {
		char msg[256];

		if (filter_compile(&c.filter, o.filter, msg, sizeof(msg))) {
			pr_warn("invalid filter expression '%s': %s", o.filter, msg);
			ret = 2;
			goto cleanup;
		}
		c.have_filter = true;
	}
	if (o.user && !(pw = getpwnam(o.user))) {
		pr_warn("-Z %s: no such user", o.user);
		ret = 2;
		goto cleanup;
	}
	if (cli_check_caps())
		goto cleanup;
	if (stat("/proc/self/ns/net", &st) == 0)
		bcfg.netns = (uint32_t)st.st_ino;
	err = clock_measure(&c.clock, 64);
	if (err) {
		pr_warn("cannot read the clocks: %s", strerror(-err));
		goto cleanup;
	}

	bcfg.snap_l3 = o.snaplen ? o.snaplen : NR_MAX_COPY;
	bcfg.events = !o.no_events;
	bcfg.event_mask = o.no_events ? 0 : o.event_mask;
	err = nr_bpf_open(&c.bpf, &bcfg);
	if (err)
		goto cleanup;
	rb = nr_bpf_ring(c.bpf, on_record, &c);
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
	ocfg.netns = bcfg.netns;
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
	err = attach_ifaces(&c, true);
	if (err) {
		out_close(c.out, clock_now_ns(CLOCK_REALTIME), NULL);
		c.out = NULL;
		if (strcmp(o.out, "-"))
			unlink(o.out);
		goto cleanup;
	}
	if (pw && drop_privileges(o.user, ocfg.uid, ocfg.gid))
		goto cleanup;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, SIG_IGN);
	pr_info("recording to %s%s (Ctrl-C to stop)", o.out,
		nr_bpf_have_owners(c.bpf) ? "" : " without process attribution");

	start_mono = clock_now_ns(CLOCK_MONOTONIC);
	while (!stop) {
		struct pollfd pfd[2] = {
			{ .fd = ring_buffer__epoll_fd(rb), .events = POLLIN },
			{ .fd = nlfd, .events = POLLIN },
		};
		int64_t now;

		if (poll(pfd, nlfd >= 0 ? 2 : 1, 50) < 0 && errno != EINTR) {
			pr_warn("poll: %s", strerror(errno));
			break;
		}
		ring_buffer__consume(rb);
		if (nlfd >= 0 && (pfd[1].revents & POLLIN) && iface_watch_drain(nlfd))
			attach_ifaces(&c, false);
		now = clock_now_ns(CLOCK_MONOTONIC);
		release(&c, (uint64_t)now > HOLD_NS ? (uint64_t)now - HOLD_NS : 0);
		if (out_flush(c.out))
			break;
		if (o.duration > 0 && now - start_mono >= (int64_t)(o.duration * 1e9))
			break;
		if (out_maybe_rotate(c.out, to_real(&c, (uint64_t)now)) == 1)
			break;
	}
	/* stop capturing, then write what is queued */
	ring_buffer__consume(rb);
	release(&c, UINT64_MAX);
	end_real = clock_now_ns(CLOCK_REALTIME);
	err = out_close(c.out, end_real, &tot);
	c.out = NULL;
	{
		uint64_t drops = nr_bpf_ring_drops(c.bpf) + c.dropped_total + c.other_drops;
		double share = tot.packets_written ?
			100.0 * (double)tot.packets_attributed / (double)tot.packets_written : 0;

		fprintf(stderr, "netrec: %" PRIu64 " packets written, %" PRIu64 " events written, "
			"%.1f%% of packets attributed to a process (%" PRIu64 " of %" PRIu64
			"; %" PRIu64 " the kernel's), %" PRIu64 " filtered out, drops: %" PRIu64
			"\n", tot.packets_written, tot.events_written, share,
			tot.packets_attributed, tot.packets_written, tot.packets_kernel,
			tot.packets_filtered, drops);
	}
	/* a reader that goes away (-o - | head) ends the recording normally */
	ret = (c.err && c.err != -EPIPE) || (err && err != -EPIPE) ? 1 : 0;
cleanup:
	if (c.out)
		out_close(c.out, clock_now_ns(CLOCK_REALTIME), NULL);
	ring_buffer__free(rb);
	nr_bpf_close(c.bpf);
	if (nlfd >= 0)
		close(nlfd);
	reorder_free(&c.ro);
	proc_table_free();
	free(cmdline);
	free(o.filter);
	filter_free(c.filter);
	return ret;
}

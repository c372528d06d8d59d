// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loads netrec's BPF object and attaches its programs, probing what the
 * kernel offers: tracepoints that do not exist are left out with a message,
 * and a failed optional part (events, owner hooks, the start-up scan) is
 * reported with the kernel's reason while the recording goes on. Packet
 * programs attach as tcx links where the kernel has them (they go away with
 * the process, even on SIGKILL), else as clsact filters removed at exit.
 *
 * It does not interpret records: record/main.c and record/output.c do.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "netrec.h"
#include "netrec.skel.h"
#include "attach.h"
#include "log.h"
#include "proc.h"

/* The kernel ABI (bpf/netrec.h) must have the same layout on both sides. */
_Static_assert(sizeof(struct nr_owner) == NR_OWNER_SIZE, "nr_owner size");
_Static_assert(sizeof(struct nr_pkt) == NR_PKT_SIZE, "nr_pkt size");
_Static_assert(sizeof(struct nr_event) == NR_EVENT_SIZE, "nr_event size");
_Static_assert(sizeof(struct nr_tuple) == NR_TUPLE_SIZE, "nr_tuple size");
_Static_assert(sizeof(struct nr_conn_key) == NR_CONN_KEY_SIZE, "nr_conn_key size");
_Static_assert(sizeof(struct nr_echo_key) == NR_ECHO_KEY_SIZE, "nr_echo_key size");
_Static_assert(sizeof(struct nr_win_key) == NR_WIN_KEY_SIZE, "nr_win_key size");
_Static_assert(sizeof(struct nr_cpu_state) == NR_CPU_STATE_SIZE, "nr_cpu_state size");
_Static_assert(sizeof(struct nr_proc) == NR_PROC_SIZE, "nr_proc size");
_Static_assert(sizeof(struct nr_proc_seen) == NR_PROC_SEEN_SIZE, "nr_proc_seen size");
_Static_assert(sizeof(struct nr_cpu_slot) % 8 == 0, "cpu slots are 8-byte strides");

#ifndef BPF_TCX_INGRESS
#define NR_TCX_INGRESS 46
#define NR_TCX_EGRESS 47
#else
#define NR_TCX_INGRESS BPF_TCX_INGRESS
#define NR_TCX_EGRESS BPF_TCX_EGRESS
#endif

#define MAX_TC NR_IF_SLOTS      /* interfaces attached at once */
#define SLOT_HASH (2 * NR_IF_SLOTS) /* key -> slot: twice the entries at most */

struct tc_att {
	int ifindex;                 /* the key (record/intake.h IFKEY) */
	int real_ifindex;            /* in its own namespace */
	int link_fd[2];              /* tcx links (ingress, egress), or -1 */
	struct bpf_tc_opts opts[2];  /* clsact filters when no tcx */
	bool clsact[2];
	bool created_qdisc;
};

struct nr_bpf {
	struct netrec_bpf *skel;
	struct bpf_link *links[16];
	int nlinks;
	struct bpf_link *cg_link;
	bool have_owners;
	bool tcx_broken;             /* tcx refused once: use clsact */
	struct tc_att tc[MAX_TC];
	int ntc;
	int ncpus;
	const uint8_t *slots;        /* cpu_slots, mapped read-only */
	size_t slots_len;
	uint32_t slot_key[SLOT_HASH]; /* interface key of each entry (0: empty) */
	uint16_t slot_of[SLOT_HASH]; /* its drop-counter slot */
	int nif_slots;               /* slots given out, from 1 (never given back:
					the file's interfaces keep their counters) */
	uint32_t own_netns;          /* inode of netrec's network namespace */
};

/* Tracepoint programs: program, tracepoint, what is lost without it. */
struct tp_prog {
	struct bpf_program *(*prog)(struct netrec_bpf *s);
	const char *tp;
	bool owner;                  /* needed for attribution */
	uint32_t events;             /* 1 << enum nr_ev_type of what it reports */
};

#define P(name) static struct bpf_program *p_##name(struct netrec_bpf *s) { return s->progs.name; }
P(sock_send)
P(sock_recv)
P(set_state)
P(retransmit)
P(receive_reset)
P(error_report)
P(destroy_sock)
P(retransmit_synack)
P(send_reset)
P(accept4_exit)
P(accept_exit)
P(iou_submit)
P(iou_complete)
#undef P

static const struct tp_prog tp_progs[] = {
	{ p_sock_send, "sock_send_length", true, 0 },
	{ p_sock_recv, "sock_recv_length", true, 0 },
	{ p_set_state, "inet_sock_set_state", true, 1U << NR_EV_T_STATE },
	{ p_retransmit, "tcp_retransmit_skb", false, 1U << NR_EV_T_RETRANSMIT },
	{ p_receive_reset, "tcp_receive_reset", false, 1U << NR_EV_T_RESET_RECV },
	{ p_error_report, "inet_sk_error_report", false, 1U << NR_EV_T_SK_ERROR },
	{ p_destroy_sock, "tcp_destroy_sock", false, 1U << NR_EV_T_DESTROY },
	{ p_retransmit_synack, "tcp_retransmit_synack", false, 1U << NR_EV_T_RETRANSMIT_SYNACK },
	{ p_send_reset, "tcp_send_reset", false, 1U << NR_EV_T_RESET_SENT },
	/* classic tracepoints (category/name) */
	{ p_accept4_exit, "syscalls/sys_exit_accept4", false, 1U << NR_EV_T_ACCEPT },
	{ p_accept_exit, "syscalls/sys_exit_accept", false, 1U << NR_EV_T_ACCEPT },
	{ p_iou_submit, "io_uring/io_uring_submit_req", false, 1U << NR_EV_T_ACCEPT },
	{ p_iou_complete, "io_uring/io_uring_complete", false, 1U << NR_EV_T_ACCEPT },
};
#define N_TP (sizeof(tp_progs) / sizeof(tp_progs[0]))
_Static_assert(N_TP <= sizeof(((struct nr_bpf *)0)->links) / sizeof(struct bpf_link *),
	       "a link for every tracepoint program");

bool nr_bpf_have_owners(const struct nr_bpf *b)
{
	return b && b->have_owners;
}

static bool tracefs_has(const char *tp)
{
	char name[160];

	snprintf(name, sizeof(name), "/sys/kernel/tracing/events/%s", tp);
	if (access(name, F_OK) == 0)
		return true;
	snprintf(name, sizeof(name), "/sys/kernel/debug/tracing/events/%s", tp);
	return access(name, F_OK) == 0;
}

/* Classic tracepoints are found and attached through tracefs. `ip netns
 * exec` gives its command a fresh /sys without it: then netrec mounts
 * tracefs in a mount namespace of its own (a slave of the one it was
 * started in, so that it still sees new mounts such as ip netns names),
 * which no other process sees. */
static bool tracefs_ready(const char *tp)
{
	if (tracefs_has(tp))
		return true;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) ||
	    mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL)) {
		pr_debug("cannot mount tracefs for %s: %s", tp, strerror(errno));
		return false;
	}
	return tracefs_has(tp);
}

/* The offsets of fields names[0..n) in a classic tracepoint's record, from
 * its format file ("field:u8 opcode;\toffset:32;\tsize:1;..."), read once;
 * 0 for the ones not there, all 0 when the event is not (no field a caller
 * wants is at 0: that is the common header). */
static void tp_field_offsets(const char *tp, const char *const *names, unsigned int *offs, int n)
{
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[200], line[256];
	FILE *f = NULL;

	memset(offs, 0, (size_t)n * sizeof(*offs));
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]) && !f; i++) {
		snprintf(path, sizeof(path), "%s/events/%s/format", roots[i], tp);
		f = fopen(path, "re");
	}
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *semi = strchr(line, ';');
		const char *o = strstr(line, "offset:");

		if (!semi || !o)
			continue;
		/* the field's name ends the declaration, just before ';' */
		for (int k = 0; k < n; k++) {
			size_t nl = strlen(names[k]);

			if (offs[k] || semi - line < (ptrdiff_t)nl + 1 || memcmp(semi - nl, names[k], nl) ||
			    (semi[-(ptrdiff_t)nl - 1] != ' ' && semi[-(ptrdiff_t)nl - 1] != '*'))
				continue;
			offs[k] = (unsigned int)strtoul(o + 7, NULL, 10);
		}
	}
	fclose(f);
}

/* The io_uring accept programs read their tracepoints' records at offsets
 * taken from tracefs. False when a field is missing: the layout is not one
 * they know, and they stay unloaded. */
static bool iou_layout(struct netrec_bpf *skel)
{
	static const char *const sub[] = { "ctx", "user_data", "opcode" };
	static const char *const cmp[] = { "ctx", "user_data", "res", "cflags" };
	struct netrec_bpf__rodata *r = skel->rodata;
	unsigned int so[3], co[4];

	tp_field_offsets("io_uring/io_uring_submit_req", sub, so, 3);
	tp_field_offsets("io_uring/io_uring_complete", cmp, co, 4);
	r->iou_sub_ctx = so[0];
	r->iou_sub_ud = so[1];
	r->iou_sub_op = so[2];
	r->iou_cmp_ctx = co[0];
	r->iou_cmp_ud = co[1];
	r->iou_cmp_res = co[2];
	r->iou_cmp_cflags = co[3];
	return r->iou_sub_ctx && r->iou_sub_ud && r->iou_sub_op && r->iou_cmp_ctx &&
	       r->iou_cmp_ud && r->iou_cmp_res && r->iou_cmp_cflags;
}

static bool tp_exists(const struct btf *vmlinux, const char *tp)
{
	char name[128];

	if (strchr(tp, '/'))
		return tracefs_ready(tp);   /* a classic tracepoint */
	if (!vmlinux)
		return true; /* cannot tell: let the load decide */
	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) >= 0;
}

static int open_skel(struct nr_bpf *b, const struct nr_bpf_cfg *cfg, bool tracing)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int err;

	if (!vmlinux)
		pr_debug("no kernel BTF (%s): tracepoint programs will be tried blindly",
			 strerror(errno));
	b->skel = netrec_bpf__open();
	if (!b->skel) {
		err = -errno;
		goto cleanup;
	}
	b->skel->rodata->snap_l3 = cfg->snap_l3;
	b->skel->rodata->target_netns = cfg->netns;
	b->skel->rodata->more_netns = cfg->more_netns;
	b->skel->rodata->event_mask = cfg->event_mask;
	b->skel->rodata->kernel_stack = cfg->kernel_stack;
	b->skel->rodata->wake_bytes = cfg->ring_bytes / 4;
	bpf_map__set_max_entries(b->skel->maps.rb, cfg->ring_bytes);
	bpf_map__set_max_entries(b->skel->maps.cpu_slots, b->ncpus);
	for (size_t i = 0; i < N_TP; i++) {
		/* an event tracepoint is loaded only for events asked for */
		bool want = tracing && (tp_progs[i].owner ||
					(cfg->events && (cfg->event_mask & tp_progs[i].events)));

		if (want && !tp_exists(vmlinux, tp_progs[i].tp)) {
			pr_warn("tracepoint %s is not available: %s", tp_progs[i].tp,
				tp_progs[i].owner ? "attribution will be weaker" :
				"its events will be missing");
			want = false;
		}
		bpf_program__set_autoload(tp_progs[i].prog(b->skel), want);
	}
	if (bpf_program__autoload(b->skel->progs.iou_submit) &&
	    bpf_program__autoload(b->skel->progs.iou_complete) && !iou_layout(b->skel)) {
		pr_warn("the io_uring tracepoints have a layout netrec does not know: "
			"accepts through io_uring will be missing");
		bpf_program__set_autoload(b->skel->progs.iou_submit, false);
		bpf_program__set_autoload(b->skel->progs.iou_complete, false);
	} else if (bpf_program__autoload(b->skel->progs.iou_submit) !=
		   bpf_program__autoload(b->skel->progs.iou_complete)) {
		bpf_program__set_autoload(b->skel->progs.iou_submit, false);
		bpf_program__set_autoload(b->skel->progs.iou_complete, false);
	}
	bpf_program__set_autoload(b->skel->progs.sock_create, tracing);
	bpf_program__set_autoload(b->skel->progs.scan_tcp, tracing);
	err = netrec_bpf__load(b->skel);
	if (err)
		goto cleanup;
	/* the counters at the head of every CPU's slot, read without copying
	 * the slots' scratch space */
	b->slots_len = sizeof(struct nr_cpu_slot) * (size_t)b->ncpus;
	b->slots = mmap(NULL, b->slots_len, PROT_READ, MAP_SHARED,
			bpf_map__fd(b->skel->maps.cpu_slots), 0);
	if (b->slots == MAP_FAILED) {
		b->slots = NULL;
		err = -errno;
	}
cleanup:
	btf__free(vmlinux);
	return err;
}

static int attach_tracing(struct nr_bpf *b, const struct nr_bpf_cfg *cfg)
{
	const char *root = proc_cgroup2_root();
	int cgfd, err;

	b->have_owners = true;

	for (size_t i = 0; i < N_TP; i++) {
		struct bpf_program *p = tp_progs[i].prog(b->skel);
		struct bpf_link *l;

		if (!bpf_program__autoload(p))
			continue;
		l = bpf_program__attach(p);
		if (!l) {
			err = -errno;
			pr_warn("cannot attach to tracepoint %s: %s; %s", tp_progs[i].tp,
				strerror(-err), tp_progs[i].owner ?
				"attribution will be weaker" : "its events will be missing");
			continue;
		}
		b->links[b->nlinks++] = l;
	}
	cgfd = proc_cgroup2_open();
	if (cgfd < 0) {
		pr_warn("cannot open the cgroup v2 hierarchy: %s; sockets are attributed from "
			"their first send, receive or connect only", strerror(-cgfd));
		return 0;
	}
	b->cg_link = bpf_program__attach_cgroup(b->skel->progs.sock_create, cgfd);
	if (!b->cg_link)
		pr_warn("cannot attach cgroup/sock_create to %s: %s; sockets are attributed "
			"from their first send, receive or connect only", root, strerror(errno));
	close(cgfd);
	return 0;
}

int nr_bpf_open(struct nr_bpf **out, const struct nr_bpf_cfg *cfg)
{
	struct nr_bpf *b = calloc(1, sizeof(*b));
	int err;

	if (!b)
		return -ENOMEM;
	b->ncpus = libbpf_num_possible_cpus();
	{
		struct stat st;

		/* the namespace of the interfaces nr_bpf_tc_attach() is given */
		if (stat("/proc/thread-self/ns/net", &st) == 0)
			b->own_netns = (uint32_t)st.st_ino;
	}
	if (b->ncpus <= 0) {
		err = b->ncpus ? b->ncpus : -EINVAL;
		goto cleanup;
	}
	err = open_skel(b, cfg, true);
	if (err) {
		pr_warn("cannot load the tracing programs: %s; recording packets without "
			"process attribution or kernel events (-v shows the kernel's log)",
			strerror(-err));
		netrec_bpf__destroy(b->skel);
		b->skel = NULL;
		err = open_skel(b, cfg, false);
		if (err) {
			pr_warn("cannot load the packet capture programs: %s (-v shows the "
				"kernel's verifier log)", strerror(-err));
			goto cleanup;
		}
	} else {
		attach_tracing(b, cfg);
	}
	*out = b;
	return 0;
cleanup:
	nr_bpf_close(b);
	return err;
}

int nr_bpf_netns_add(struct nr_bpf *b, uint32_t inode)
{
	uint32_t one = 1;

	if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.netns_on), &inode, &one, BPF_ANY))
		return -errno;
	return 0;
}

int nr_bpf_netns_del(struct nr_bpf *b, uint32_t inode)
{
	if (bpf_map_delete_elem(bpf_map__fd(b->skel->maps.netns_on), &inode) && errno != ENOENT)
		return -errno;
	return 0;
}

struct scan_ctx {
	int map_fd;
	int n;
};

static int scan_one(uint32_t pid, uint32_t tid, uint64_t inode, void *vctx)
{
	struct scan_ctx *sc = vctx;
	struct nr_owner o = { 0 };
	struct proc_info *pi = proc_by_pid(pid);

	if (!pi || !pi->from_proc)
		return 0;
	o.pid = pid;
	o.start_ns = proc_ticks_ns(pi->start_ticks);
	o.exec_id = NR_EXEC_UNKNOWN;
	o.tid = tid;
	o.uid = pi->uid;
	o.gid = pi->gid;
	o.cgroup_id = pi->cgroup_id;
	memcpy(o.comm, pi->comm, sizeof(o.comm));
	o.flags = NR_OWN_VALID;
	if (bpf_map_update_elem(sc->map_fd, &inode, &o, BPF_ANY) == 0)
		sc->n++;
	return 0;
}

/* The TCP sockets of the network namespace netrec is in now (an iterator
 * walks the namespace current at its creation), given the owners the
 * /proc scan put in map preexist; *found is how many. */
int nr_bpf_scan_iter(struct nr_bpf *b, int *found)
{
	struct bpf_link *link = NULL;
	char buf[4096];
	int fd = -1, err = 0;
	ssize_t n;

	*found = 0;
	if (!b->have_owners || !bpf_program__autoload(b->skel->progs.scan_tcp))
		return 0;
	link = bpf_program__attach_iter(b->skel->progs.scan_tcp, NULL);
	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		err = -errno;
		goto cleanup;
	}
	/* one line per socket given an owner */
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			*found += buf[i] == '\n';
	if (n < 0)
		err = -errno;
cleanup:
	if (fd >= 0)
		close(fd);
	bpf_link__destroy(link);
	return err;
}

int nr_bpf_scan_preexisting(struct nr_bpf *b, int *found)
{
	struct scan_ctx sc = { 0 };
	int err;

	*found = 0;
	if (!b->have_owners || !bpf_program__autoload(b->skel->progs.scan_tcp))
		return 0;
	sc.map_fd = bpf_map__fd(b->skel->maps.preexist);
	err = proc_scan_sockets(scan_one, &sc);
	if (!err)
		err = nr_bpf_scan_iter(b, found);
	if (err)
		pr_warn("cannot scan the sockets open before start-up: %s; their packets "
			"are attributed from their next send or receive", strerror(-err));
	return err;
}

static struct tc_att *tc_find(struct nr_bpf *b, int ifindex)
{
	for (int i = 0; i < b->ntc; i++)
		if (b->tc[i].ifindex == ifindex)
			return &b->tc[i];
	return NULL;
}

static int tc_one(struct nr_bpf *b, struct tc_att *t, int dir, struct bpf_program *prog)
{
	int fd = bpf_program__fd(prog), err;
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = t->real_ifindex);

	if (!b->tcx_broken) {
		t->link_fd[dir] = bpf_link_create(fd, t->real_ifindex,
						  dir == 0 ? NR_TCX_INGRESS : NR_TCX_EGRESS, NULL);
		if (t->link_fd[dir] >= 0)
			return 0;
		/* out of descriptors or memory: this interface only, tcx works */
		if (errno == EMFILE || errno == ENFILE || errno == ENOMEM)
			return -errno;
		pr_debug("tcx attach on ifindex %d refused (%s): using clsact", t->ifindex,
			 strerror(errno));
		b->tcx_broken = true;
	}
	/* clsact filters of another namespace could not be removed from
	 * this one at exit: there, tcx links only */
	if (t->ifindex != t->real_ifindex)
		return -EOPNOTSUPP;
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	err = bpf_tc_hook_create(&hook);
	if (!err)
		t->created_qdisc = true;
	else if (err != -EEXIST)
		return err;
	hook.attach_point = dir == 0 ? BPF_TC_INGRESS : BPF_TC_EGRESS;
	memset(&t->opts[dir], 0, sizeof(t->opts[dir]));
	t->opts[dir].sz = sizeof(t->opts[dir]);
	t->opts[dir].prog_fd = fd;
	err = bpf_tc_attach(&hook, &t->opts[dir]);
	if (err)
		return err;
	t->clsact[dir] = true;
	return 0;
}

/* The interface's own drop counters (map if_slots, keyed by its
 * namespace's inode and its index there), given before its programs are
 * attached; past NR_IF_SLOTS - 1 interfaces they share slot 0. ifindex is
 * netrec's key of the interface. */
static unsigned slot_home(uint32_t key)
{
	return (key * 2654435761u) % SLOT_HASH;
}

/* The entry of key in the slot hash, or the empty one where it goes. */
static unsigned slot_entry(const struct nr_bpf *b, uint32_t key)
{
	unsigned h = slot_home(key);

	while (b->slot_key[h] && b->slot_key[h] != key)
		h = (h + 1) % SLOT_HASH;
	return h;
}

static void give_slot(struct nr_bpf *b, int ifindex, uint32_t netns, int real_ifindex)
{
	uint64_t key = (uint64_t)netns << 32 | (uint32_t)real_ifindex;
	unsigned h = slot_entry(b, (uint32_t)ifindex);
	uint32_t slot;

	if (b->slot_key[h])
		return;
	if (b->nif_slots >= NR_IF_SLOTS - 1) {
		if (b->nif_slots++ == NR_IF_SLOTS - 1)
			pr_warn("more than %d interfaces: the drops of later ones are counted in "
				"the total only, not by interface", NR_IF_SLOTS - 1);
		return;
	}
	slot = (uint32_t)b->nif_slots + 1;
	if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.if_slots), &key, &slot, BPF_ANY))
		return;
	b->slot_key[h] = (uint32_t)ifindex;
	b->slot_of[h] = (uint16_t)slot;
	b->nif_slots = (int)slot;
}

int nr_bpf_tc_attach(struct nr_bpf *b, int ifindex, bool l3_device, bool ingress)
{
	return nr_bpf_tc_attach_key(b, ifindex, 0, ifindex, l3_device, ingress);
}

int nr_bpf_tc_attach_key(struct nr_bpf *b, int key, uint32_t netns, int ifindex, bool l3_device,
			 bool ingress)
{
	struct tc_att *t;
	int err;

	if (tc_find(b, key))
		return 0;
	give_slot(b, key, netns ? netns : b->own_netns, ifindex);
	if (b->ntc >= MAX_TC)
		return -ENOSPC;
	t = &b->tc[b->ntc];
	memset(t, 0, sizeof(*t));
	t->ifindex = key;
	t->real_ifindex = ifindex;
	t->link_fd[0] = t->link_fd[1] = -1;
	b->ntc++;
	err = tc_one(b, t, 1, l3_device ? b->skel->progs.tc_out_l3 : b->skel->progs.tc_out_eth);
	if (!err && ingress)
		err = tc_one(b, t, 0, l3_device ? b->skel->progs.tc_in_l3 :
			     b->skel->progs.tc_in_eth);
	if (err)
		nr_bpf_tc_detach(b, key);
	return err;
}

void nr_bpf_tc_detach(struct nr_bpf *b, int ifindex)
{
	struct tc_att *t = tc_find(b, ifindex);

	if (!t)
		return;
	for (int dir = 0; dir < 2; dir++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex);

		if (t->link_fd[dir] >= 0)
			close(t->link_fd[dir]);
		if (t->clsact[dir]) {
			hook.attach_point = dir == 0 ? BPF_TC_INGRESS : BPF_TC_EGRESS;
			t->opts[dir].prog_fd = 0;
			t->opts[dir].prog_id = 0;
			t->opts[dir].flags = 0;
			bpf_tc_detach(&hook, &t->opts[dir]);
		}
	}
	if (t->created_qdisc) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
		bpf_tc_hook_destroy(&hook);
	}
	*t = b->tc[--b->ntc];
}

int nr_bpf_tc_count(const struct nr_bpf *b)
{
	return b ? b->ntc : 0;
}

int nr_bpf_tc_keys(const struct nr_bpf *b, int *keys, int max)
{
	int n = 0;

	for (int i = 0; i < b->ntc && n < max; i++)
		keys[n++] = b->tc[i].ifindex;
	return n;
}

struct ring_buffer *nr_bpf_ring(struct nr_bpf *b, ring_buffer_sample_fn fn, void *ctx)
{
	return ring_buffer__new(bpf_map__fd(b->skel->maps.rb), fn, ctx, NULL);
}

static const struct nr_cpu_state *cpu_state(const struct nr_bpf *b, int cpu)
{
	return (const void *)(b->slots + (size_t)cpu * sizeof(struct nr_cpu_slot));
}

uint64_t nr_bpf_ring_drops(struct nr_bpf *b)
{
	uint64_t sum;

	if (!b || !b->skel || !b->slots)
		return 0;
	sum = __atomic_load_n(&b->skel->bss->lost_no_slot, __ATOMIC_RELAXED);
	for (int i = 0; i < b->ncpus; i++)
		sum += __atomic_load_n(&cpu_state(b, i)->ring_drops, __ATOMIC_RELAXED);
	return sum;
}

uint64_t nr_bpf_if_drops(struct nr_bpf *b, uint32_t ifindex)
{
	uint64_t sum = 0;
	int slot = 0;

	if (!b || !b->skel || !b->slots)
		return 0;
	if (ifindex) {
		unsigned h = slot_entry(b, ifindex);

		if (!b->slot_key[h])
			return 0;
		slot = b->slot_of[h];
	}
	for (int i = 0; i < b->ncpus; i++)
		sum += __atomic_load_n(&cpu_state(b, i)->if_drops[slot], __ATOMIC_RELAXED);
	return sum;
}

void nr_bpf_close(struct nr_bpf *b)
{
	if (!b)
		return;
	while (b->ntc)
		nr_bpf_tc_detach(b, b->tc[b->ntc - 1].ifindex);
	bpf_link__destroy(b->cg_link);
	if (b->slots)
		munmap((void *)b->slots, b->slots_len);
	for (int i = 0; i < b->nlinks; i++)
		bpf_link__destroy(b->links[i]);
	netrec_bpf__destroy(b->skel);
	free(b);
}

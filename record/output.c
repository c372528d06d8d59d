// SPDX-License-Identifier: GPL-2.0-only
/*
 * Turns netrec's records into the file profile of docs/format.md through the
 * format/ writer: the section header, one IDB per interface, the clock (an SHB option),
 * packets as EPBs with their annotations, kernel events and process records
 * as journal export blocks, and at the end of every file its ISBs and
 * statistics block. Files are rotated as tcpdump rotates them (-C/-G/-W),
 * each a complete pcapng; they are created 0600 and never through a symlink.
 *
 * It does not decide what is recorded (record/main.c filters) and never
 * reads the kernel's maps itself (drop counters come through callbacks).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "pcapng.h"
#include "profile.h"
#include "version.h"
#include "log.h"
#include "output.h"

#define SLL2_LEN 20
#define NR_ARPHRD_ETHER 1
#define NR_ARPHRD_LOOPBACK 772

struct out_iface {
	int ifindex;
	char name[32];
	uint16_t arphrd;
	int32_t if_id;          /* in the current file, -1 before its IDB */
	uint64_t recv, written; /* in the current file */
	uint64_t drops_base;    /* kernel drop counter when the file began */
};

struct out {
	struct out_cfg cfg;
	struct pcapng_writer *w;
	int fd;
	bool to_stdout;
	char path[PATH_MAX];
	uint32_t gen;            /* file number, from 1 */
	uint32_t files_done;
	int64_t file_start_ns;
	uint64_t ring_drops_base;
	struct out_iface ifs[OUT_MAX_IFACES];
	int nifs;
	struct out_counts file, total;
	struct out_counts file_flushed, total_flushed; /* as of good_bytes */
	struct pcapng_opts opts;
	struct nr_jeb_buf jeb;
	uint64_t good_bytes;     /* bytes on disk that end with a whole block */
	int err;
	char hostname[256];      /* _HOSTNAME of process records (§5.3) */
};

const struct out_counts *out_totals(const struct out *o)
{
	return &o->total;
}

int out_error(const struct out *o)
{
	return o->err;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* tcpdump's names: strftime when -G is given, then a counter with -C
 * (none on the first file unless -W asks for a ring of fixed width). */
static void make_name(struct out *o, char *buf, size_t len, uint32_t index)
{
	char base[PATH_MAX];
	int width = 0;

	snprintf(base, sizeof(base), "%s", o->cfg.path);
	if (o->cfg.rotate_secs && strchr(o->cfg.path, '%')) {
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		if (!strftime(base, sizeof(base), o->cfg.path, &tm))
			snprintf(base, sizeof(base), "%s", o->cfg.path);
#pragma GCC diagnostic pop
	}
	if (o->cfg.max_files)
		for (uint32_t n = o->cfg.max_files - 1; ; n /= 10) {
			width++;
			if (n < 10)
				break;
		}
	if (!o->cfg.rotate_bytes || (index == 0 && !o->cfg.max_files))
		width = snprintf(buf, len, "%s", base);
	else
		width = snprintf(buf, len, "%s%0*u", base, width,
				 o->cfg.max_files ? index % o->cfg.max_files : index);
	if (width < 0 || (size_t)width >= len)
		buf[len - 1] = '\0';
}

/* Creates path for writing: 0600, refusing symlinks; an existing regular
 * file is replaced (as tcpdump -w does). */
static int create_file(const char *path)
{
	struct stat st;
	int fd;

	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			return -ELOOP;
		if (!S_ISREG(st.st_mode))
			return -EEXIST;
		if (unlink(path))
			return -errno;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	return fd;
}

static int check(struct out *o, int err)
{
	if (err && !o->err) {
		o->err = err;
		if (o->to_stdout && err == -EPIPE)
			pr_info("standard output was closed: recording stopped");
		else if (!o->to_stdout && err == -ENOSPC && !ends_with(o->path, ".zst") &&
			 ftruncate(o->fd, (off_t)o->good_bytes) == 0) {
			/* the counts describe the file: what was cut is not written */
			o->file = o->file_flushed;
			o->total = o->total_flushed;
			pr_warn("%s: no space left on the device: recording stopped; the file "
				"holds what fitted", o->path);
		}
		else
			pr_warn("cannot write %s: %s; recording stopped", o->to_stdout ?
				"to standard output" : o->path, strerror(-err));
	}
	return err;
}

static int write_idb(struct out *o, struct out_iface *ifc)
{
	char desc[128];
	const char *kind = ifc->arphrd == NR_ARPHRD_ETHER ? "eth" :
			   ifc->arphrd == NR_ARPHRD_LOOPBACK ? "loopback" : "l3";
	struct utsname u;
	uint32_t id;
	int err;

	pcapng_opts_reset(&o->opts);
	pcapng_opts_add_str(&o->opts, PCAPNG_IF_NAME, ifc->name);
	snprintf(desc, sizeof(desc), "ifindex %d, netns %u, %s", ifc->ifindex, o->cfg.netns,
		 kind);
	pcapng_opts_add_str(&o->opts, PCAPNG_IF_DESCRIPTION, desc);
	pcapng_opts_add_u8(&o->opts, PCAPNG_IF_TSRESOL, NR_TSRESOL);
	if (o->cfg.filter && *o->cfg.filter)
		pcapng_opts_add_typed(&o->opts, PCAPNG_IF_FILTER, 0, o->cfg.filter,
				      strlen(o->cfg.filter));
	if (uname(&u) == 0) {
		char os[200];

		snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
		pcapng_opts_add_str(&o->opts, PCAPNG_IF_OS, os);
	}
	err = pcapng_write_idb(o->w, NR_LINKTYPE, o->cfg.snaplen, &o->opts, &id);
	if (err)
		return check(o, err);
	ifc->if_id = (int32_t)id;
	return 0;
}

static int start_file(struct out *o, int64_t now_ns)
{
	struct pcapng_writer_opts wo = { 0 };
	struct nr_cb_clock c = { 0 };
	uint8_t cb[NR_CB_CLOCK_SIZE];
	struct utsname u;
	char buf[256];
	int err;

	if (o->to_stdout) {
		o->fd = STDOUT_FILENO;
		snprintf(o->path, sizeof(o->path), "-");
	} else {
		make_name(o, o->path, sizeof(o->path), o->gen);
		o->fd = create_file(o->path);
		if (o->fd < 0) {
			err = o->fd;
			o->fd = -1;
			if (err == -ELOOP)
				pr_warn("cannot create %s: it is a symbolic link; netrec never "
					"writes through one", o->path);
			else
				pr_warn("cannot create %s: %s", o->path, strerror(-err));
			return err;
		}
		if (o->cfg.chown && fchown(o->fd, o->cfg.uid, o->cfg.gid))
			pr_warn("cannot give %s to uid %u: %s", o->path, (unsigned)o->cfg.uid,
				strerror(errno));
		wo.flags = PCAPNG_W_CLOSE_FD;
		if (ends_with(o->cfg.path, ".zst"))
			wo.zstd_level = 3;
	}
	err = pcapng_writer_open(&o->w, o->fd, &wo);
	if (err) {
		if (!o->to_stdout)
			close(o->fd);
		return err;
	}
	o->gen++;
	o->file_start_ns = now_ns;
	memset(&o->file, 0, sizeof(o->file));
	o->good_bytes = 0;

	pcapng_opts_reset(&o->opts);
	if (uname(&u) == 0) {
		pcapng_opts_add_str(&o->opts, PCAPNG_SHB_HARDWARE, u.machine);
		snprintf(buf, sizeof(buf), "%s %s", u.sysname, u.release);
		pcapng_opts_add_str(&o->opts, PCAPNG_SHB_OS, buf);
	}
	pcapng_opts_add_str(&o->opts, PCAPNG_SHB_USERAPPL, "netrec " NETREC_VERSION);
	if (o->cfg.cmdline)
		pcapng_opts_add_str(&o->opts, PCAPNG_OPT_COMMENT, o->cfg.cmdline);
	/* §6: the clock rides in the SHB, so that it is there from the first
	 * byte and is not a record without a timestamp in Wireshark's list */
	c.type = NR_CB_CLOCK;
	c.version = 1;
	c.mono_to_real_ns = o->cfg.clock.mono_to_real_ns;
	c.uncertainty_ns = o->cfg.clock.uncertainty_ns;
	c.measured_at_ns = o->cfg.clock.measured_at_ns;
	nr_clock_encode(&c, cb);
	pcapng_opts_add_custom(&o->opts, PCAPNG_OPT_CUSTOM_BIN, NR_PEN, cb, sizeof(cb));
	err = check(o, pcapng_write_shb(o->w, &o->opts));
	for (int i = 0; !err && i < o->nifs; i++) {
		o->ifs[i].recv = o->ifs[i].written = 0;
		o->ifs[i].drops_base = o->cfg.if_drops ?
			o->cfg.if_drops(o->cfg.drops_ctx, o->ifs[i].ifindex) : 0;
		err = write_idb(o, &o->ifs[i]);
	}
	o->ring_drops_base = o->cfg.ring_drops ? o->cfg.ring_drops(o->cfg.drops_ctx) : 0;
	if (!err)
		err = check(o, pcapng_writer_flush(o->w));
	if (!err) {
		o->good_bytes = pcapng_writer_bytes_out(o->w);
		o->file_flushed = o->file;
		o->total_flushed = o->total;
	}
	return err;
}

/* §7: one ISB per interface, then the statistics block, then close. */
static int end_file(struct out *o, int64_t now_ns)
{
	struct nr_cb_stats s = { 0 };
	uint8_t sb[NR_CB_STATS_SIZE];
	uint64_t ring = o->cfg.ring_drops ? o->cfg.ring_drops(o->cfg.drops_ctx) : 0;
	int err = o->err;

	for (int i = 0; !err && i < o->nifs; i++) {
		struct out_iface *ifc = &o->ifs[i];
		uint64_t drops = o->cfg.if_drops ?
			o->cfg.if_drops(o->cfg.drops_ctx, ifc->ifindex) - ifc->drops_base : 0;

		if (ifc->if_id < 0)
			continue;
		pcapng_opts_reset(&o->opts);
		pcapng_opts_add_ts(&o->opts, PCAPNG_ISB_STARTTIME, (uint64_t)o->file_start_ns);
		pcapng_opts_add_ts(&o->opts, PCAPNG_ISB_ENDTIME, (uint64_t)now_ns);
		pcapng_opts_add_u64(&o->opts, PCAPNG_ISB_IFRECV, ifc->recv + drops);
		pcapng_opts_add_u64(&o->opts, PCAPNG_ISB_IFDROP, drops);
		pcapng_opts_add_u64(&o->opts, PCAPNG_ISB_OSDROP, 0);
		pcapng_opts_add_u64(&o->opts, PCAPNG_ISB_USRDELIV, ifc->written);
		err = check(o, pcapng_write_isb(o->w, (uint32_t)ifc->if_id, (uint64_t)now_ns,
						&o->opts));
	}
	s.type = NR_CB_STATS;
	s.version = 1;
	s.packets_written = o->file.packets_written;
	s.events_written = o->file.events_written;
	s.packets_attributed = o->file.packets_attributed;
	s.packets_kernel = o->file.packets_kernel;
	s.ring_drops = ring - o->ring_drops_base;
	s.other_drops = o->file.other_drops;
	s.packets_filtered = o->file.packets_filtered;
	s.start_ns = o->file_start_ns;
	s.end_ns = now_ns;
	nr_stats_encode(&s, sb);
	if (!err)
		err = check(o, pcapng_write_custom(o->w, true, NR_PEN, sb, sizeof(sb), NULL));
	err = pcapng_writer_close(o->w) ?: err;
	o->w = NULL;
	o->fd = -1;
	o->files_done++;
	return err;
}

int out_open(struct out **out, const struct out_cfg *cfg)
{
	struct out *o = calloc(1, sizeof(*o));
	int err;

	if (!o)
		return -ENOMEM;
	o->cfg = *cfg;
	o->fd = -1;
	o->to_stdout = strcmp(cfg->path, "-") == 0;
	/* the host a fleet files the recording under; netrec's own UTS
	 * namespace, as journald writes it */
	if (gethostname(o->hostname, sizeof(o->hostname) - 1))
		o->hostname[0] = 0;
	pcapng_opts_init(&o->opts);
	nr_jeb_init(&o->jeb);
	err = start_file(o, cfg->clock.measured_at_ns);
	if (err) {
		if (o->w)
			pcapng_writer_close(o->w);
		if (!o->to_stdout && o->gen)
			unlink(o->path);
		pcapng_opts_free(&o->opts);
		nr_jeb_free(&o->jeb);
		free(o);
		return err;
	}
	*out = o;
	return 0;
}

static struct out_iface *find_iface(struct out *o, int ifindex)
{
	for (int i = 0; i < o->nifs; i++)
		if (o->ifs[i].ifindex == ifindex)
			return &o->ifs[i];
	return NULL;
}

int out_add_iface(struct out *o, int ifindex, const char *name, uint16_t arphrd)
{
	struct out_iface *ifc = find_iface(o, ifindex);

	if (ifc)
		return 0;
	if (o->nifs >= OUT_MAX_IFACES)
		return -ENOSPC;
	ifc = &o->ifs[o->nifs++];
	memset(ifc, 0, sizeof(*ifc));
	ifc->ifindex = ifindex;
	snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	ifc->arphrd = arphrd;
	ifc->if_id = -1;
	ifc->drops_base = o->cfg.if_drops ? o->cfg.if_drops(o->cfg.drops_ctx, ifindex) : 0;
	if (o->err || !o->w)
		return o->err;
	return write_idb(o, ifc);
}

int out_iface_arphrd(struct out *o, int ifindex)
{
	struct out_iface *ifc = find_iface(o, ifindex);

	return ifc ? ifc->arphrd : -1;
}

void out_count_seen(struct out *o, int ifindex)
{
	struct out_iface *ifc = find_iface(o, ifindex);

	if (ifc)
		ifc->recv++;
}

void out_count_filtered(struct out *o)
{
	o->file.packets_filtered++;
	o->total.packets_filtered++;
}

void out_count_other_drops(struct out *o, uint64_t n)
{
	o->file.other_drops += n;
	o->total.other_drops += n;
}

int out_maybe_rotate(struct out *o, int64_t now_ns)
{
	bool by_size, by_time;
	int err;

	if (o->err)
		return o->err;
	if (o->to_stdout || (!o->cfg.rotate_bytes && !o->cfg.rotate_secs))
		return 0;
	/* what the file will hold once flushed: uncompressed, every byte
	 * produced; compressed, what reached the kernel so far */
	by_size = o->cfg.rotate_bytes &&
		  (ends_with(o->cfg.path, ".zst") ? pcapng_writer_bytes_out(o->w) :
		   pcapng_writer_bytes_in(o->w)) >= o->cfg.rotate_bytes;
	by_time = o->cfg.rotate_secs &&
		  now_ns - o->file_start_ns >= (int64_t)o->cfg.rotate_secs * 1000000000LL;
	if (!by_size && !by_time)
		return 0;
	err = end_file(o, now_ns);
	if (err)
		return err;
	/* -G -W without -C: stop after that many files, as tcpdump does */
	if (by_time && !o->cfg.rotate_bytes && o->cfg.max_files &&
	    o->files_done >= o->cfg.max_files)
		return 1;
	for (int i = 0; i < o->nifs; i++)
		o->ifs[i].if_id = -1;
	err = start_file(o, now_ns);
	if (err && !o->err)
		o->err = err;
	return err;
}

static void owner_comment(char *buf, size_t len, const struct nr_owner *ow, uint8_t src,
			  const struct proc_info *pi)
{
	const char *comm = pi && pi->comm[0] ? pi->comm : ow->comm;
	int n;

	if (src == NR_OWNER_KERNEL) {
		snprintf(buf, len, "kernel (kernel)");
		return;
	}
	if (!(ow->flags & NR_OWN_VALID)) {
		snprintf(buf, len, "unattributed");
		return;
	}
	n = snprintf(buf, len, "%.16s[%u/%u] uid=%u gid=%u", comm, ow->pid, ow->tid,
		     ow->uid, ow->gid);
	if (n > 0 && (size_t)n < len && pi && pi->container[0])
		n += snprintf(buf + n, len - n, " container=%.12s", pi->container);
	if (n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " (%s)", nr_owner_src_name(src));
}

uint32_t out_build_sll2(struct out *o, const struct nr_pkt *p, const uint8_t *data,
			uint8_t *buf, uint32_t *origlen)
{
	int arphrd = out_iface_arphrd(o, (int)p->ifindex);
	uint32_t l3 = p->l3_off <= p->cap_len ? p->l3_off : p->cap_len;
	uint32_t body = p->cap_len - l3;
	uint16_t v16;
	uint32_t v32;

	if (arphrd < 0)
		arphrd = p->l2 == NR_L2_ETH ? NR_ARPHRD_ETHER : 0xFFFE;
	v16 = htons(p->eth_proto);
	memcpy(buf, &v16, 2);
	memset(buf + 2, 0, 2);
	v32 = htonl(p->ifindex);
	memcpy(buf + 4, &v32, 4);
	v16 = htons((uint16_t)arphrd);
	memcpy(buf + 8, &v16, 2);
	buf[10] = p->dir == NR_DIR_OUT ? 4 : p->pkt_type;
	memset(buf + 11, 0, 9);
	if (p->l2 == NR_L2_ETH && p->cap_len >= 12) {
		buf[11] = 6;
		memcpy(buf + 12, data + 6, 6); /* source MAC */
	}
	memcpy(buf + SLL2_LEN, data + l3, body);
	*origlen = SLL2_LEN + (p->len >= l3 ? p->len - l3 : 0);
	if (*origlen < SLL2_LEN + body)
		*origlen = SLL2_LEN + body;
	return SLL2_LEN + body;
}

int out_process(struct out *o, struct proc_info *pi)
{
	char msg[512];
	int err;

	if (!pi || pi->written_gen == o->gen)
		return 0;
	if (o->err)
		return o->err;
	nr_jeb_reset(&o->jeb);
	nr_jeb_addf(&o->jeb, "__REALTIME_TIMESTAMP", "%" PRId64, pi->first_seen_real_ns / 1000);
	nr_jeb_addf(&o->jeb, "__MONOTONIC_TIMESTAMP", "%" PRId64,
		    (pi->first_seen_real_ns - o->cfg.clock.mono_to_real_ns) / 1000);
	snprintf(msg, sizeof(msg), "process %u %s uid=%u gid=%u ppid=%u %s", pi->pid, pi->comm,
		 pi->uid, pi->gid, pi->ppid, pi->cmdline ? pi->cmdline : "");
	nr_jeb_addf(&o->jeb, "MESSAGE", "%s", msg);
	nr_jeb_addf(&o->jeb, "PRIORITY", "6");
	nr_jeb_addf(&o->jeb, "SYSLOG_IDENTIFIER", "netrec");
	nr_jeb_addf(&o->jeb, NR_J_RECORD, "process");
	nr_jeb_addf(&o->jeb, NR_J_TS_NS, "%" PRId64, pi->first_seen_real_ns);
	nr_jeb_addf(&o->jeb, NR_J_KTIME_NS, "%" PRId64,
		    pi->first_seen_real_ns - o->cfg.clock.mono_to_real_ns);
	nr_jeb_addf(&o->jeb, "_PID", "%u", pi->pid);
	nr_jeb_addf(&o->jeb, "_COMM", "%s", pi->comm);
	if (o->hostname[0])
		nr_jeb_addf(&o->jeb, "_HOSTNAME", "%s", o->hostname);
	if (pi->exe)
		nr_jeb_addf(&o->jeb, "_EXE", "%s", pi->exe);
	if (pi->cmdline)
		nr_jeb_addf(&o->jeb, "_CMDLINE", "%s", pi->cmdline);
	nr_jeb_addf(&o->jeb, "_UID", "%u", pi->uid);
	nr_jeb_addf(&o->jeb, "_GID", "%u", pi->gid);
	if (pi->from_proc)
		nr_jeb_addf(&o->jeb, NR_J_PPID, "%u", pi->ppid);
	if (pi->cgroup)
		nr_jeb_addf(&o->jeb, "_SYSTEMD_CGROUP", "%s", pi->cgroup);
	nr_jeb_addf(&o->jeb, NR_J_CGROUP_ID, "%" PRIu64, pi->cgroup_id);
	if (pi->container[0])
		nr_jeb_addf(&o->jeb, NR_J_CONTAINER, "%s", pi->container);
	if (o->jeb.err)
		return check(o, o->jeb.err);
	err = check(o, pcapng_write_jeb(o->w, o->jeb.buf, o->jeb.len));
	if (!err)
		pi->written_gen = o->gen;
	return err;
}

int out_packet(struct out *o, const struct nr_pkt *p, const uint8_t *data,
	       uint8_t src, const struct proc_info *pi, int64_t ts_ns)
{
	static uint8_t buf[SLL2_LEN + NR_MAX_COPY + 1];
	struct out_iface *ifc = find_iface(o, (int)p->ifindex);
	struct nr_pkt_annot a = { 0 };
	uint8_t av[NR_PKT_ANNOT_SIZE];
	bool process = (p->owner.flags & NR_OWN_VALID) && src != NR_OWNER_KERNEL &&
		       src != NR_OWNER_UNKNOWN;
	char comment[160];
	uint32_t caplen, origlen;
	int err;

	if (o->err)
		return o->err;
	if (!ifc || ifc->if_id < 0)
		return -ENODEV;
	caplen = out_build_sll2(o, p, data, buf, &origlen);

	a.type = NR_ANNOT_TYPE_PACKET;
	a.version = NR_ANNOT_VERSION;
	a.owner_src = process || src == NR_OWNER_KERNEL ? src : NR_OWNER_UNKNOWN;
	a.flags = (process ? NR_ANNOT_F_OWNER : 0) | (p->owner.cookie ? NR_ANNOT_F_COOKIE : 0) |
		  (p->dir == NR_DIR_OUT ? NR_ANNOT_F_EGRESS : 0);
	a.cpu = p->cpu;
	a.seq = p->seq;
	a.cookie = p->owner.cookie;
	if (process) {
		a.pid = p->owner.pid;
		a.tid = p->owner.tid;
		a.uid = p->owner.uid;
		a.gid = p->owner.gid;
		a.cgroup_id = p->owner.cgroup_id;
	}
	a.netns = o->cfg.netns;
	a.ifindex = p->ifindex;
	a.ktime_ns = p->ktime_ns;
	nr_annot_encode(&a, av);

	pcapng_opts_reset(&o->opts);
	pcapng_opts_add_u32(&o->opts, PCAPNG_EPB_FLAGS,
			    p->dir == NR_DIR_OUT ? PCAPNG_EPB_DIR_OUTBOUND : PCAPNG_EPB_DIR_INBOUND);
	if (process)
		pcapng_opts_add_pid_tid(&o->opts, a.pid, a.tid);
	owner_comment(comment, sizeof(comment), &p->owner, a.owner_src, pi);
	pcapng_opts_add_str(&o->opts, PCAPNG_OPT_COMMENT, comment);
	pcapng_opts_add_custom(&o->opts, PCAPNG_OPT_CUSTOM_BIN, NR_PEN, av, sizeof(av));
	err = check(o, pcapng_write_epb(o->w, (uint32_t)ifc->if_id, (uint64_t)ts_ns, buf,
					caplen, origlen, &o->opts));
	if (err)
		return err;
	ifc->written++;
	o->file.packets_written++;
	o->total.packets_written++;
	if (process) {
		o->file.packets_attributed++;
		o->total.packets_attributed++;
	} else if (src == NR_OWNER_KERNEL) {
		o->file.packets_kernel++;
		o->total.packets_kernel++;
	}
	return 0;
}

static const char *const tcp_states[] = {
	[1] = "ESTABLISHED", [2] = "SYN_SENT", [3] = "SYN_RECV", [4] = "FIN_WAIT1",
	[5] = "FIN_WAIT2", [6] = "TIME_WAIT", [7] = "CLOSE", [8] = "CLOSE_WAIT",
	[9] = "LAST_ACK", [10] = "LISTEN", [11] = "CLOSING", [12] = "NEW_SYN_RECV",
	[13] = "BOUND_INACTIVE",
};

static const char *state_name(unsigned s)
{
	if (s < sizeof(tcp_states) / sizeof(tcp_states[0]) && tcp_states[s])
		return tcp_states[s];
	return "UNKNOWN";
}

static const struct {
	const char *name;
	const char *text;
} ev_names[NR_EV_T_MAX] = {
	[NR_EV_T_STATE] = { NR_EV_STATE, "" },
	[NR_EV_T_RETRANSMIT] = { NR_EV_RETRANSMIT, "retransmit" },
	[NR_EV_T_RETRANSMIT_SYNACK] = { NR_EV_RETRANSMIT_SYNACK, "retransmit SYN-ACK" },
	[NR_EV_T_RESET_SENT] = { NR_EV_RESET_SENT, "reset sent" },
	[NR_EV_T_RESET_RECV] = { NR_EV_RESET_RECV, "reset received" },
	[NR_EV_T_SK_ERROR] = { NR_EV_SK_ERROR, "error" },
	[NR_EV_T_ZERO_WIN_ADV] = { NR_EV_ZERO_WIN_ADV, "zero window advertised" },
	[NR_EV_T_WIN_OPEN_ADV] = { NR_EV_WIN_OPEN_ADV, "window opened (advertised)" },
	[NR_EV_T_ZERO_WIN_RECV] = { NR_EV_ZERO_WIN_RECV, "zero window received" },
	[NR_EV_T_WIN_OPEN_RECV] = { NR_EV_WIN_OPEN_RECV, "window opened (received)" },
	[NR_EV_T_DESTROY] = { NR_EV_DESTROY, "socket destroyed" },
};

const char *out_event_name(unsigned type)
{
	return type < NR_EV_T_MAX && ev_names[type].name ? ev_names[type].name : NULL;
}

static void addr_text(char *buf, size_t len, uint8_t family, const uint8_t *a)
{
	if (!inet_ntop(family == 10 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

int out_event(struct out *o, const struct nr_event *e, const struct proc_info *pi,
	      int64_t ts_ns, uint32_t window)
{
	char sa[INET6_ADDRSTRLEN], da[INET6_ADDRSTRLEN], msg[512], ends[160];
	const char *name = out_event_name(e->type);
	bool v6 = e->family == 10;
	bool process = (e->owner.flags & NR_OWN_VALID) && e->owner.src != NR_OWNER_KERNEL;
	const char *comm = pi && pi->comm[0] ? pi->comm : e->owner.comm;
	int prio = 6, err;

	if (o->err)
		return o->err;
	if (!name)
		return 0;
	addr_text(sa, sizeof(sa), e->family, e->saddr);
	addr_text(da, sizeof(da), e->family, e->daddr);
	snprintf(ends, sizeof(ends), v6 ? "[%s]:%u > [%s]:%u" : "%s:%u > %s:%u", sa, e->sport,
		 da, e->dport);
	switch (e->type) {
	case NR_EV_T_STATE:
		snprintf(msg, sizeof(msg), "TCP %s %s -> %s", ends, state_name(e->oldstate),
			 state_name(e->newstate));
		break;
	case NR_EV_T_SK_ERROR: {
		const char *en = strerrorname_np(e->err);

		snprintf(msg, sizeof(msg), "TCP error %s %s", en ? en : "?", ends);
		prio = 4;
		break;
	}
	case NR_EV_T_WIN_OPEN_ADV:
	case NR_EV_T_WIN_OPEN_RECV:
		snprintf(msg, sizeof(msg), "TCP %s %s %u", ev_names[e->type].text, ends, window);
		break;
	case NR_EV_T_RESET_SENT:
	case NR_EV_T_RESET_RECV:
		prio = 4;
		/* fall through */
	default:
		snprintf(msg, sizeof(msg), "TCP %s %s", ev_names[e->type].text, ends);
		break;
	}

	nr_jeb_reset(&o->jeb);
	nr_jeb_addf(&o->jeb, "__REALTIME_TIMESTAMP", "%" PRId64, ts_ns / 1000);
	nr_jeb_addf(&o->jeb, "__MONOTONIC_TIMESTAMP", "%" PRIu64, (uint64_t)e->ktime_ns / 1000);
	nr_jeb_addf(&o->jeb, "MESSAGE", "%s", msg);
	nr_jeb_addf(&o->jeb, "PRIORITY", "%d", prio);
	nr_jeb_addf(&o->jeb, "SYSLOG_IDENTIFIER", "netrec");
	nr_jeb_addf(&o->jeb, NR_J_RECORD, "tcp_event");
	nr_jeb_addf(&o->jeb, NR_J_TS_NS, "%" PRId64, ts_ns);
	nr_jeb_addf(&o->jeb, NR_J_KTIME_NS, "%" PRIu64, (uint64_t)e->ktime_ns);
	if (process) {
		nr_jeb_addf(&o->jeb, "_PID", "%u", e->owner.pid);
		nr_jeb_addf(&o->jeb, NR_J_TID, "%u", e->owner.tid);
		nr_jeb_addf(&o->jeb, "_UID", "%u", e->owner.uid);
		nr_jeb_addf(&o->jeb, "_GID", "%u", e->owner.gid);
		nr_jeb_addf(&o->jeb, "_COMM", "%.16s", comm);
	}
	nr_jeb_addf(&o->jeb, NR_J_EVENT, "%s", name);
	nr_jeb_addf(&o->jeb, NR_J_CPU, "%u", e->cpu);
	nr_jeb_addf(&o->jeb, NR_J_SEQ, "%" PRIu64, (uint64_t)e->seq);
	nr_jeb_addf(&o->jeb, NR_J_COOKIE, "%" PRIu64, (uint64_t)e->owner.cookie);
	nr_jeb_addf(&o->jeb, NR_J_FAMILY, "%s", v6 ? "inet6" : "inet");
	nr_jeb_addf(&o->jeb, NR_J_SADDR, "%s", sa);
	nr_jeb_addf(&o->jeb, NR_J_SPORT, "%u", e->sport);
	nr_jeb_addf(&o->jeb, NR_J_DADDR, "%s", da);
	nr_jeb_addf(&o->jeb, NR_J_DPORT, "%u", e->dport);
	if (e->type == NR_EV_T_STATE) {
		nr_jeb_addf(&o->jeb, NR_J_OLDSTATE, "%s", state_name(e->oldstate));
		nr_jeb_addf(&o->jeb, NR_J_NEWSTATE, "%s", state_name(e->newstate));
	}
	if (e->type == NR_EV_T_SK_ERROR)
		nr_jeb_addf(&o->jeb, NR_J_ERRNO, "%d", e->err);
	if (e->type >= NR_EV_T_ZERO_WIN_ADV && e->type <= NR_EV_T_WIN_OPEN_RECV)
		nr_jeb_addf(&o->jeb, NR_J_WINDOW, "%u", window);
	nr_jeb_addf(&o->jeb, NR_J_OWNER_SRC, "%s", nr_owner_src_name(
		process ? e->owner.src : (e->owner.src == NR_OWNER_KERNEL ? NR_OWNER_KERNEL :
					  NR_OWNER_UNKNOWN)));
	if (process)
		nr_jeb_addf(&o->jeb, NR_J_CGROUP_ID, "%" PRIu64, (uint64_t)e->owner.cgroup_id);
	nr_jeb_addf(&o->jeb, NR_J_NETNS, "%u", e->netns ? e->netns : o->cfg.netns);
	if (o->jeb.err)
		return check(o, o->jeb.err);
	err = check(o, pcapng_write_jeb(o->w, o->jeb.buf, o->jeb.len));
	if (err)
		return err;
	o->file.events_written++;
	o->total.events_written++;
	return 0;
}

/* Hands what is buffered to the kernel (§9), remembering where the last
 * whole block ends so that a full disk leaves a valid file. */
int out_flush(struct out *o)
{
	int err;

	if (o->err || !o->w)
		return o->err;
	err = check(o, pcapng_writer_flush(o->w));
	if (!err) {
		o->good_bytes = pcapng_writer_bytes_out(o->w);
		o->file_flushed = o->file;
		o->total_flushed = o->total;
	}
	return err;
}

int out_close(struct out *o, int64_t end_ns, struct out_counts *totals)
{
	int err = 0;

	if (!o)
		return 0;
	if (totals)
		*totals = o->total;
	if (o->w && !o->err)
		err = end_file(o, end_ns);
	else if (o->w) {
		pcapng_writer_close(o->w);
		o->w = NULL;
	}
	err = err ?: o->err;
	pcapng_opts_free(&o->opts);
	nr_jeb_free(&o->jeb);
	free(o);
	return err;
}

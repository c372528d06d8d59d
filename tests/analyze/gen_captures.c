/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * gen_captures DIR: writes the analyzer suite's synthetic captures into DIR,
 * with format/'s writers and hand-built packets (pkt.c). Every timestamp is
 * a chosen constant, T0 plus a literal offset, so that the tests can state
 * their expected handshake times and RTTs by hand (test_analyze.c repeats
 * them independently; keep the two in step when a scenario changes).
 *
 * What each file holds is listed at its writer below. Addresses come from
 * the documentation ranges only. This program does not check anything
 * itself: the tests compare the analyzer with these constants and with
 * tshark reading the same files.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcapng.h"
#include "pkt.h"
#include "profile.h"

#define T0 1700000000000000000LL /* 2023-11-14 22:13:20 UTC, in ns */
#define MS 1000000LL
#define US 1000LL
#define S 1000000000LL

/* CLOCK_MONOTONIC of the synthetic netrec recordings: REALTIME - offset. */
#define MONO_TO_REAL (T0 - 5000 * S)

enum { FR_PKT = 1, FR_JEB };

struct frame {
	int kind;
	int64_t ts;
	uint8_t ip[PKT_MAX];
	size_t ip_len;
	int family;
	/* netrec profile only */
	int dir;                 /* PCAPNG_EPB_DIR_* */
	bool has_annot;
	struct nr_pkt_annot a;
	const char *comm;        /* for opt_comment; NULL: kernel/unattributed */
	char jeb[1024];
	size_t jeb_len;
};

#define MAX_FRAMES 256

struct capture {
	struct frame f[MAX_FRAMES];
	int n;
};

static struct capture cap;

/* SYN-ACKs offer MSS 1400 and window scale 9, and SACK and timestamps
 * unless synack_plain is set; SYNs offer MSS 1460 (IPv4) or 1440 (IPv6),
 * window scale 7, SACK and timestamps. */
static bool synack_plain;

static void cap_reset(void)
{
	memset(&cap, 0, sizeof(cap));
	synack_plain = false;
}

static struct frame *new_frame(int kind, int64_t ts)
{
	struct frame *f;

	if (cap.n >= MAX_FRAMES) {
		fprintf(stderr, "gen_captures: too many frames\n");
		exit(1);
	}
	f = &cap.f[cap.n++];
	f->kind = kind;
	f->ts = ts;
	return f;
}

static struct frame *tcp(int64_t ts, const struct pkt_ep *s, const struct pkt_ep *d,
			 uint8_t flags, uint32_t seq, uint32_t ack, uint32_t payload)
{
	struct frame *f = new_frame(FR_PKT, ts);
	struct pkt_tcp t = {
		.flags = flags, .seq = seq, .ack = ack, .win = 64240, .payload = payload,
	};

	if ((flags & (TH_SYN | TH_ACK)) == TH_SYN) {
		t.mss = s->family == AF_INET ? 1460 : 1440;
		t.sack_ok = true;
		t.ts = true;
		t.tsval = (uint32_t)(ts / MS);
		t.wscale = 1 + 7;
	} else if (flags & TH_SYN) {
		t.mss = 1400;
		if (!synack_plain) {
			t.sack_ok = true;
			t.ts = true;
			t.tsval = (uint32_t)(ts / MS);
			t.tsecr = 12345;
			t.wscale = 1 + 9;
		}
	} else if (flags & TH_RST) {
		t.win = 0;
	}
	f->family = s->family;
	f->ip_len = pkt_tcp(f->ip, sizeof(f->ip), s, d, &t);
	if (!f->ip_len)
		abort();
	return f;
}

/* The usual three packets: SYN (isn_c), SYN-ACK (isn_s), ACK. A time of
 * -1 leaves that packet out. */
static void handshake(const struct pkt_ep *c, const struct pkt_ep *s, uint32_t isn_c,
		      uint32_t isn_s, int64_t t_syn, int64_t t_synack, int64_t t_ack)
{
	if (t_syn >= 0)
		tcp(t_syn, c, s, TH_SYN, isn_c, 0, 0);
	if (t_synack >= 0)
		tcp(t_synack, s, c, TH_SYN | TH_ACK, isn_s, isn_c + 1, 0);
	if (t_ack >= 0)
		tcp(t_ack, c, s, TH_ACK, isn_c + 1, isn_s + 1, 0);
}

static struct frame *echo(int64_t ts, const char *src, const char *dst, bool reply,
			  uint16_t id, uint16_t seq)
{
	struct frame *f = new_frame(FR_PKT, ts);
	struct pkt_ep s = pkt_ep(src, 0), d = pkt_ep(dst, 0);

	f->family = s.family;
	f->ip_len = pkt_echo(f->ip, sizeof(f->ip), s.addr, d.addr, s.family, reply,
			     id, seq, 56);
	if (!f->ip_len)
		abort();
	return f;
}

/* An ICMP error from `router` quoting the first quote_len bytes of the
 * packet in frame `orig` (quote_len 0: all of it). */
static struct frame *icmp_err(int64_t ts, const char *router, const struct frame *orig,
			      uint8_t type, uint8_t code, size_t quote_len)
{
	struct frame *f = new_frame(FR_PKT, ts);
	struct pkt_ep r = pkt_ep(router, 0);
	const uint8_t *osrc = orig->family == AF_INET ? orig->ip + 12 : orig->ip + 8;

	if (!quote_len || quote_len > orig->ip_len)
		quote_len = orig->ip_len;
	f->family = r.family;
	f->ip_len = pkt_icmp_error(f->ip, sizeof(f->ip), r.addr, osrc, r.family, type,
				   code, orig->ip, quote_len);
	if (!f->ip_len)
		abort();
	return f;
}

/* ---- writers ---- */

static char outdir[512];

static int open_out(const char *name)
{
	char path[1024];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fprintf(stderr, "gen_captures: %s: %s\n", path, strerror(errno));
	return fd;
}

static int check(int err, const char *name, const char *what)
{
	if (err < 0)
		fprintf(stderr, "gen_captures: %s: %s: %s\n", name, what, strerror(-err));
	return err;
}

/* Closes w when it was opened, keeping the first error, and reports it. */
static int close_out(struct pcapng_writer *w, int err, const char *name)
{
	if (w) {
		int e = pcapng_writer_close(w);

		if (!err)
			err = e;
	}
	return check(err, name, "write");
}

/* Plain pcapng: SHB, one IDB (nanosecond resolution), EPBs in array order. */
static int write_pcapng_ex(const char *name, uint32_t linktype, uint16_t vlan,
			   unsigned flags, int zstd_level)
{
	struct pcapng_writer_opts wo = { .flags = flags, .zstd_level = zstd_level };
	struct pcapng_writer *w = NULL;
	uint8_t buf[PKT_MAX + 64];
	int fd, err, i;
	uint32_t ifid;

	fd = open_out(name);
	if (fd < 0)
		return -errno;
	err = pkt_pcapng_start(&w, &ifid, fd, "gen_captures", linktype, &wo);
	if (err)
		goto cleanup;
	for (i = 0; i < cap.n; i++) {
		const struct frame *f = &cap.f[i];
		size_t len;

		if (f->kind != FR_PKT)
			continue;
		len = pkt_link(buf, sizeof(buf), linktype, f->ip, f->ip_len, f->family,
			       vlan, f->dir == PCAPNG_EPB_DIR_OUTBOUND);
		if (!len) {
			err = -EINVAL;
			goto cleanup;
		}
		err = pcapng_write_epb(w, ifid, (uint64_t)f->ts, buf, (uint32_t)len,
				       (uint32_t)len, NULL);
		if (err)
			goto cleanup;
	}
cleanup:
	return close_out(w, err, name);
}

static int write_pcapng(const char *name, uint32_t linktype, uint16_t vlan)
{
	return write_pcapng_ex(name, linktype, vlan, 0, 0);
}

static int write_pcap_ex(const char *name, uint32_t linktype, bool nsec, unsigned flags)
{
	struct pcap_writer *w = NULL;
	uint8_t buf[PKT_MAX + 64];
	int fd, err, i;

	fd = open_out(name);
	if (fd < 0)
		return -errno;
	err = pcap_writer_open(&w, fd, linktype, 262144, nsec, PCAPNG_W_CLOSE_FD | flags);
	if (err) {
		close(fd);
		goto cleanup;
	}
	for (i = 0; i < cap.n; i++) {
		const struct frame *f = &cap.f[i];
		size_t len;

		if (f->kind != FR_PKT)
			continue;
		len = pkt_link(buf, sizeof(buf), linktype, f->ip, f->ip_len, f->family,
			       0, f->dir == PCAPNG_EPB_DIR_OUTBOUND);
		if (!len) {
			err = -EINVAL;
			goto cleanup;
		}
		err = pcap_write_packet(w, (uint64_t)f->ts, buf, (uint32_t)len,
					(uint32_t)len);
		if (err)
			goto cleanup;
	}
cleanup:
	if (w) {
		int e = pcap_writer_close(w);
		if (!err)
			err = e;
	}
	return check(err, name, "write");
}

static int write_pcap(const char *name, uint32_t linktype, bool nsec)
{
	return write_pcap_ex(name, linktype, nsec, 0);
}

/* One section with three interfaces: Ethernet (ns), raw IP (no
 * if_tsresol: microseconds) and Linux cooked v1 (ns); frame i goes to
 * interface i % 3. */
static int write_pcapng_multi(const char *name)
{
	static const uint32_t lts[3] = { LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LINUX_SLL };
	struct pcapng_writer_opts wo = { .flags = PCAPNG_W_CLOSE_FD };
	struct pcapng_writer *w = NULL;
	struct pcapng_opts o;
	uint8_t buf[PKT_MAX + 64];
	int fd, err, i;
	uint32_t ifid[3];

	pcapng_opts_init(&o);
	fd = open_out(name);
	if (fd < 0)
		return -errno;
	err = pcapng_writer_open(&w, fd, &wo);
	if (err) {
		close(fd);
		goto cleanup;
	}
	err = pcapng_write_shb(w, NULL);
	for (i = 0; i < 3 && !err; i++) {
		pcapng_opts_reset(&o);
		if (i != 1)
			pcapng_opts_add_u8(&o, PCAPNG_IF_TSRESOL, 9);
		err = pcapng_write_idb(w, (uint16_t)lts[i], 65535, &o, &ifid[i]);
	}
	for (i = 0; i < cap.n && !err; i++) {
		const struct frame *f = &cap.f[i];
		int k = i % 3;
		size_t len = pkt_link(buf, sizeof(buf), lts[k], f->ip, f->ip_len, f->family, 0,
				      false);

		if (!len) {
			err = -EINVAL;
			break;
		}
		err = pcapng_write_epb(w, ifid[k], (uint64_t)(k == 1 ? f->ts / US : f->ts), buf,
				       (uint32_t)len, (uint32_t)len, NULL);
	}
cleanup:
	pcapng_opts_free(&o);
	return close_out(w, err, name);
}

/* After each packet in cap, the copy the host receives from itself on
 * the loopback device 5 us later (tcpdump -i any on lo): the first copy
 * outgoing, the second incoming. */
static void loopback_copies(void)
{
	struct capture orig = cap;
	int i;

	cap.n = 0;
	for (i = 0; i < orig.n; i++) {
		struct frame *f = new_frame(FR_PKT, orig.f[i].ts);

		*f = orig.f[i];
		f->dir = PCAPNG_EPB_DIR_OUTBOUND;
		f = new_frame(FR_PKT, orig.f[i].ts + 5 * US);
		*f = orig.f[i];
		f->ts += 5 * US;
		f->dir = PCAPNG_EPB_DIR_INBOUND;
	}
}

/* ---- netrec profile (docs/format.md) ---- */

/* Annotates the last frame: who owns it, on which CPU, which sequence. */
static void annotate(struct frame *f, int dir, uint32_t cpu, uint64_t seq,
		     uint8_t owner_src, uint32_t pid, const char *comm, uint64_t cookie)
{
	f->dir = dir;
	f->has_annot = true;
	f->a.type = NR_ANNOT_TYPE_PACKET;
	f->a.version = NR_ANNOT_VERSION;
	f->a.owner_src = owner_src;
	f->a.cpu = cpu;
	f->a.seq = seq;
	f->a.cookie = cookie;
	f->a.flags = (cookie ? NR_ANNOT_F_COOKIE : 0) |
		     (dir == PCAPNG_EPB_DIR_OUTBOUND ? NR_ANNOT_F_EGRESS : 0);
	if (pid) {
		f->a.flags |= NR_ANNOT_F_OWNER;
		f->a.pid = pid;
		f->a.tid = pid;
		f->a.uid = 1000;
		f->a.gid = 1000;
		f->a.cgroup_id = 4242;
	}
	f->a.netns = 4026531840U;
	f->a.ifindex = 2;
	f->a.ktime_ns = (uint64_t)(f->ts - MONO_TO_REAL);
	f->comm = comm;
}

static void jeb_common(struct nr_jeb_buf *b, int64_t ts)
{
	nr_jeb_addf(b, "__REALTIME_TIMESTAMP", "%lld", (long long)(ts / 1000));
	nr_jeb_addf(b, "__MONOTONIC_TIMESTAMP", "%lld",
		    (long long)((ts - MONO_TO_REAL) / 1000));
}

static void finish_jeb(struct frame *f, struct nr_jeb_buf *b)
{
	if (b->err || b->len > sizeof(f->jeb)) {
		fprintf(stderr, "gen_captures: journal entry too long\n");
		exit(1);
	}
	memcpy(f->jeb, b->buf, b->len);
	f->jeb_len = b->len;
	nr_jeb_free(b);
}

/* A process record (§5.3). */
/* ns_pid: its pid in its own pid namespace (a container's process), 0: the
 * same as pid (no NETREC_NS_PID field, docs/format.md §5.3). */
static void process_rec_ns(int64_t ts, uint32_t pid, uint32_t ns_pid, const char *comm,
			   const char *exe)
{
	struct frame *f = new_frame(FR_JEB, ts);
	struct nr_jeb_buf b;

	nr_jeb_init(&b);
	jeb_common(&b, ts);
	nr_jeb_addf(&b, "MESSAGE", "process %u %s uid=1000 gid=1000 ppid=1 %s", pid, comm,
		    exe);
	nr_jeb_addf(&b, "PRIORITY", "6");
	nr_jeb_addf(&b, "SYSLOG_IDENTIFIER", "netrec");
	nr_jeb_addf(&b, NR_J_RECORD, "process");
	nr_jeb_addf(&b, NR_J_TS_NS, "%lld", (long long)ts);
	nr_jeb_addf(&b, NR_J_KTIME_NS, "%lld", (long long)(ts - MONO_TO_REAL));
	nr_jeb_addf(&b, "_PID", "%u", pid);
	nr_jeb_addf(&b, "_COMM", "%s", comm);
	nr_jeb_addf(&b, "_EXE", "%s", exe);
	nr_jeb_addf(&b, "_CMDLINE", "%s", exe);
	nr_jeb_addf(&b, "_UID", "1000");
	nr_jeb_addf(&b, "_GID", "1000");
	nr_jeb_addf(&b, NR_J_PPID, "1");
	nr_jeb_addf(&b, "_SYSTEMD_CGROUP", "/user.slice");
	nr_jeb_addf(&b, NR_J_CGROUP_ID, "4242");
	if (ns_pid)
		nr_jeb_addf(&b, NR_J_NS_PID, "%u", ns_pid);
	finish_jeb(f, &b);
}

static void process_rec(int64_t ts, uint32_t pid, const char *comm, const char *exe)
{
	process_rec_ns(ts, pid, 0, comm, exe);
}

/* A state-change TCP event (§5.1); local endpoint first. */
static void state_event(int64_t ts, uint32_t cpu, uint64_t seq, uint32_t pid,
			const char *comm, uint64_t cookie, const struct pkt_ep *l,
			const struct pkt_ep *r, const char *from, const char *to)
{
	struct frame *f = new_frame(FR_JEB, ts);
	struct nr_jeb_buf b;
	char la[64], ra[64];
	int fam = l->family;

	inet_ntop(fam, l->addr, la, sizeof(la));
	inet_ntop(fam, r->addr, ra, sizeof(ra));
	nr_jeb_init(&b);
	jeb_common(&b, ts);
	nr_jeb_addf(&b, "MESSAGE", "TCP %s:%u > %s:%u %s -> %s", la, l->port, ra, r->port,
		    from, to);
	nr_jeb_addf(&b, "PRIORITY", "6");
	nr_jeb_addf(&b, "SYSLOG_IDENTIFIER", "netrec");
	nr_jeb_addf(&b, NR_J_RECORD, "tcp_event");
	nr_jeb_addf(&b, NR_J_TS_NS, "%lld", (long long)ts);
	nr_jeb_addf(&b, NR_J_KTIME_NS, "%lld", (long long)(ts - MONO_TO_REAL));
	if (pid) {
		nr_jeb_addf(&b, "_PID", "%u", pid);
		nr_jeb_addf(&b, NR_J_TID, "%u", pid);
		nr_jeb_addf(&b, "_UID", "1000");
		nr_jeb_addf(&b, "_GID", "1000");
		nr_jeb_addf(&b, "_COMM", "%s", comm);
	}
	nr_jeb_addf(&b, NR_J_EVENT, NR_EV_STATE);
	nr_jeb_addf(&b, NR_J_CPU, "%u", cpu);
	nr_jeb_addf(&b, NR_J_SEQ, "%llu", (unsigned long long)seq);
	nr_jeb_addf(&b, NR_J_COOKIE, "%llu", (unsigned long long)cookie);
	nr_jeb_addf(&b, NR_J_FAMILY, fam == AF_INET ? "inet" : "inet6");
	nr_jeb_addf(&b, NR_J_SADDR, "%s", la);
	nr_jeb_addf(&b, NR_J_SPORT, "%u", l->port);
	nr_jeb_addf(&b, NR_J_DADDR, "%s", ra);
	nr_jeb_addf(&b, NR_J_DPORT, "%u", r->port);
	nr_jeb_addf(&b, NR_J_OLDSTATE, "%s", from);
	nr_jeb_addf(&b, NR_J_NEWSTATE, "%s", to);
	nr_jeb_addf(&b, NR_J_OWNER_SRC, "%s", pid ? "socket" : "unknown");
	nr_jeb_addf(&b, NR_J_CGROUP_ID, "4242");
	nr_jeb_addf(&b, NR_J_NETNS, "4026531840");
	finish_jeb(f, &b);
}

/* A netrec file: the records of `cap` in the file order given by `order`
 * (indexes into cap.f; NULL: array order). */
static int write_netrec(const char *name, const int *order)
{
	struct pcapng_writer_opts wo = { .flags = PCAPNG_W_CLOSE_FD };
	struct pcapng_writer *w = NULL;
	struct pcapng_opts o;
	uint8_t buf[PKT_MAX + 64], cb[NR_CB_STATS_SIZE];
	struct nr_cb_clock clk = {
		.type = NR_CB_CLOCK, .version = 1, .mono_to_real_ns = MONO_TO_REAL,
		.uncertainty_ns = 250, .measured_at_ns = T0 - 10 * S,
	};
	struct nr_cb_stats st = { .type = NR_CB_STATS, .version = 1 };
	int64_t tmin = INT64_MAX, tmax = INT64_MIN;
	int fd, err, i;
	uint32_t ifid;

	pcapng_opts_init(&o);
	fd = open_out(name);
	if (fd < 0)
		return -errno;
	err = pcapng_writer_open(&w, fd, &wo);
	if (err) {
		close(fd);
		goto cleanup;
	}
	pcapng_opts_add_str(&o, PCAPNG_SHB_HARDWARE, "x86_64");
	pcapng_opts_add_str(&o, PCAPNG_SHB_OS, "Linux 6.18.44");
	pcapng_opts_add_str(&o, PCAPNG_SHB_USERAPPL, "netrec 0.1.0");
	pcapng_opts_add_str(&o, PCAPNG_OPT_COMMENT, "netrec -i any -w recording.pcapng");
	err = pcapng_write_shb(w, &o);
	if (err)
		goto cleanup;
	pcapng_opts_reset(&o);
	pcapng_opts_add_str(&o, PCAPNG_IF_NAME, "veth0");
	pcapng_opts_add_str(&o, PCAPNG_IF_DESCRIPTION, "ifindex 2, netns 4026531840, eth");
	pcapng_opts_add_u8(&o, PCAPNG_IF_TSRESOL, NR_TSRESOL);
	pcapng_opts_add_str(&o, PCAPNG_IF_OS, "Linux 6.18.44");
	err = pcapng_write_idb(w, NR_LINKTYPE, 262144 + 20, &o, &ifid);
	if (err)
		goto cleanup;
	nr_clock_encode(&clk, cb);
	err = pcapng_write_custom(w, true, NR_PEN, cb, NR_CB_CLOCK_SIZE, NULL);
	if (err)
		goto cleanup;

	for (i = 0; i < cap.n; i++) {
		const struct frame *f = &cap.f[order ? order[i] : i];
		uint8_t an[NR_PKT_ANNOT_SIZE];
		char comment[128];
		size_t len;

		if (f->ts < tmin)
			tmin = f->ts;
		if (f->ts > tmax)
			tmax = f->ts;
		if (f->kind == FR_JEB) {
			st.events_written++;
			err = pcapng_write_jeb(w, f->jeb, f->jeb_len);
			if (err)
				goto cleanup;
			continue;
		}
		len = pkt_link(buf, sizeof(buf), NR_LINKTYPE, f->ip, f->ip_len, f->family, 0,
			       f->dir == PCAPNG_EPB_DIR_OUTBOUND);
		if (!len) {
			err = -EINVAL;
			goto cleanup;
		}
		pcapng_opts_reset(&o);
		pcapng_opts_add_u32(&o, PCAPNG_EPB_FLAGS, (uint32_t)f->dir);
		if (f->has_annot && (f->a.flags & NR_ANNOT_F_OWNER)) {
			pcapng_opts_add_pid_tid(&o, f->a.pid, f->a.tid);
			snprintf(comment, sizeof(comment),
				 "%s[%u/%u] uid=1000 gid=1000 (%s)", f->comm, f->a.pid,
				 f->a.tid, nr_owner_src_name(f->a.owner_src));
			st.packets_attributed++;
		} else if (f->has_annot && f->a.owner_src == NR_OWNER_KERNEL) {
			snprintf(comment, sizeof(comment), "kernel (kernel)");
			st.packets_kernel++;
		} else {
			snprintf(comment, sizeof(comment), "unattributed");
		}
		pcapng_opts_add_str(&o, PCAPNG_OPT_COMMENT, comment);
		if (f->has_annot) {
			nr_annot_encode(&f->a, an);
			pcapng_opts_add_custom(&o, PCAPNG_OPT_CUSTOM_BIN, NR_PEN, an,
					       sizeof(an));
		}
		st.packets_written++;
		err = pcapng_write_epb(w, ifid, (uint64_t)f->ts, buf, (uint32_t)len,
				       (uint32_t)len, &o);
		if (err)
			goto cleanup;
	}
	pcapng_opts_reset(&o);
	pcapng_opts_add_ts(&o, PCAPNG_ISB_STARTTIME, (uint64_t)tmin);
	pcapng_opts_add_ts(&o, PCAPNG_ISB_ENDTIME, (uint64_t)tmax);
	pcapng_opts_add_u64(&o, PCAPNG_ISB_IFRECV, st.packets_written);
	pcapng_opts_add_u64(&o, PCAPNG_ISB_IFDROP, 0);
	pcapng_opts_add_u64(&o, PCAPNG_ISB_OSDROP, 0);
	pcapng_opts_add_u64(&o, PCAPNG_ISB_USRDELIV, st.packets_written);
	err = pcapng_write_isb(w, ifid, (uint64_t)tmax, &o);
	if (err)
		goto cleanup;
	st.start_ns = tmin;
	st.end_ns = tmax;
	nr_stats_encode(&st, cb);
	err = pcapng_write_custom(w, true, NR_PEN, cb, NR_CB_STATS_SIZE, NULL);
cleanup:
	pcapng_opts_free(&o);
	return close_out(w, err, name);
}

/* ====================================================================
 * The scenarios. Client 192.0.2.10, server 198.51.100.20 unless noted.
 * ==================================================================== */

static int gen_outcomes(void)
{
	struct pkt_ep c, s, c6, s6;
	struct frame *syn;
	int err = 0;

	/* established: SYN T0, SYN-ACK +1.5 ms, ACK +1.75 ms, data both ways,
	 * FIN close. */
	cap_reset();
	c = pkt_ep("192.0.2.10", 40001);
	s = pkt_ep("198.51.100.20", 80);
	handshake(&c, &s, 1000, 5000, T0, T0 + 1500 * US, T0 + 1750 * US);
	tcp(T0 + 2000 * US, &c, &s, TH_PSH | TH_ACK, 1001, 5001, 100);
	tcp(T0 + 3500 * US, &s, &c, TH_ACK, 5001, 1101, 0);
	tcp(T0 + 4000 * US, &s, &c, TH_PSH | TH_ACK, 5001, 1101, 200);
	tcp(T0 + 4100 * US, &c, &s, TH_FIN | TH_ACK, 1101, 5201, 0);
	tcp(T0 + 5000 * US, &s, &c, TH_FIN | TH_ACK, 5201, 1102, 0);
	tcp(T0 + 5100 * US, &c, &s, TH_ACK, 1102, 5202, 0);
	err |= write_pcapng("hs_established.pcapng", LINKTYPE_ETHERNET, 0);

	/* refused: SYN T0, RST+ACK from the server +300 us. */
	cap_reset();
	c = pkt_ep("192.0.2.10", 40002);
	s = pkt_ep("198.51.100.20", 81);
	tcp(T0, &c, &s, TH_SYN, 2000, 0, 0);
	tcp(T0 + 300 * US, &s, &c, TH_RST | TH_ACK, 0, 2001, 0);
	err |= write_pcapng("hs_refused.pcapng", LINKTYPE_ETHERNET, 0);

	/* reset during the handshake: SYN T0, SYN-ACK +1 ms, the client
	 * answers with a bare RST (no ACK flag) at +1.2 ms. */
	cap_reset();
	c = pkt_ep("192.0.2.10", 40003);
	s = pkt_ep("198.51.100.20", 82);
	handshake(&c, &s, 3000, 7000, T0, T0 + 1 * MS, -1);
	tcp(T0 + 1200 * US, &c, &s, TH_RST, 3001, 0, 0);
	err |= write_pcapng("hs_reset.pcapng", LINKTYPE_ETHERNET, 0);

	/* timeout: SYN at T0, T0+1 s, T0+3 s (Linux backoff), no answer. */
	cap_reset();
	c = pkt_ep("192.0.2.10", 40004);
	s = pkt_ep("198.51.100.20", 83);
	tcp(T0, &c, &s, TH_SYN, 4000, 0, 0);
	tcp(T0 + 1 * S, &c, &s, TH_SYN, 4000, 0, 0);
	tcp(T0 + 3 * S, &c, &s, TH_SYN, 4000, 0, 0);
	err |= write_pcapng("hs_timeout.pcapng", LINKTYPE_ETHERNET, 0);

	/* unreachable: IPv4 SYN T0 answered +2 ms by a router's ICMP host
	 * unreachable (3/1) quoting the IP header + 8 bytes; IPv6 SYN at
	 * T0+10 ms answered +3 ms by ICMPv6 address unreachable (1/3)
	 * quoting the whole SYN. */
	cap_reset();
	c = pkt_ep("192.0.2.10", 40005);
	s = pkt_ep("198.51.100.99", 80);
	syn = tcp(T0, &c, &s, TH_SYN, 5000, 0, 0);
	icmp_err(T0 + 2 * MS, "192.0.2.1", syn, 3, 1, 20 + 8);
	c6 = pkt_ep("2001:db8::10", 40015);
	s6 = pkt_ep("2001:db8:ff::99", 80);
	syn = tcp(T0 + 10 * MS, &c6, &s6, TH_SYN, 15000, 0, 0);
	icmp_err(T0 + 13 * MS, "2001:db8::1", syn, 1, 3, 0);
	err |= write_pcapng("hs_unreachable.pcapng", LINKTYPE_ETHERNET, 0);

	/* synack_only: the capture starts at the SYN-ACK (T0+1 ms); ACK
	 * +1.2 ms; 50 bytes from the client +1.5 ms. */
	cap_reset();
	c = pkt_ep("192.0.2.10", 40006);
	s = pkt_ep("198.51.100.20", 84);
	handshake(&c, &s, 6000, 9000, -1, T0 + 1 * MS, T0 + 1200 * US);
	tcp(T0 + 1500 * US, &c, &s, TH_PSH | TH_ACK, 6001, 9001, 50);
	err |= write_pcapng("hs_synack_only.pcapng", LINKTYPE_ETHERNET, 0);

	/* midstream: data only, client (ephemeral port) first. */
	cap_reset();
	c = pkt_ep("192.0.2.10", 40007);
	s = pkt_ep("198.51.100.20", 443);
	tcp(T0, &c, &s, TH_PSH | TH_ACK, 7001, 11001, 100);
	tcp(T0 + 500 * US, &s, &c, TH_ACK, 11001, 7101, 0);
	tcp(T0 + 600 * US, &s, &c, TH_PSH | TH_ACK, 11001, 7101, 300);
	tcp(T0 + 700 * US, &c, &s, TH_ACK, 7101, 11301, 0);
	err |= write_pcapng("hs_midstream.pcapng", LINKTYPE_ETHERNET, 0);

	/* retransmitted SYN: SYN T0 and T0+1 s (same ISN), SYN-ACK
	 * T0+1.0008 s, ACK T0+1.0009 s. */
	cap_reset();
	c = pkt_ep("192.0.2.10", 40008);
	s = pkt_ep("198.51.100.20", 85);
	tcp(T0, &c, &s, TH_SYN, 8000, 0, 0);
	handshake(&c, &s, 8000, 12000, T0 + 1 * S, T0 + 1 * S + 800 * US,
		  T0 + 1 * S + 900 * US);
	err |= write_pcapng("hs_syn_retrans.pcapng", LINKTYPE_ETHERNET, 0);

	/* port reuse: attempt 1 (ISN 10000) T0, +1 ms, +1.1 ms, closed by
	 * FINs at +2/+3/+3.1 ms; attempt 2 on the same 4-tuple with ISN
	 * 500000 at T0+2 s, SYN-ACK +2 ms, ACK +2.3 ms. */
	cap_reset();
	c = pkt_ep("192.0.2.10", 40009);
	s = pkt_ep("198.51.100.20", 86);
	handshake(&c, &s, 10000, 20000, T0, T0 + 1 * MS, T0 + 1100 * US);
	tcp(T0 + 2 * MS, &c, &s, TH_FIN | TH_ACK, 10001, 20001, 0);
	tcp(T0 + 3 * MS, &s, &c, TH_FIN | TH_ACK, 20001, 10002, 0);
	tcp(T0 + 3100 * US, &c, &s, TH_ACK, 10002, 20002, 0);
	handshake(&c, &s, 500000, 600000, T0 + 2 * S, T0 + 2 * S + 2 * MS,
		  T0 + 2 * S + 2300 * US);
	err |= write_pcapng("hs_port_reuse.pcapng", LINKTYPE_ETHERNET, 0);

	/* IPv6: SYN T0, SYN-ACK +2.5 ms, ACK +2.6 ms. */
	cap_reset();
	c6 = pkt_ep("2001:db8::10", 40010);
	s6 = pkt_ep("2001:db8::20", 443);
	handshake(&c6, &s6, 30000, 40000, T0, T0 + 2500 * US, T0 + 2600 * US);
	tcp(T0 + 2700 * US, &c6, &s6, TH_PSH | TH_ACK, 30001, 40001, 64);
	err |= write_pcapng("hs_ipv6.pcapng", LINKTYPE_ETHERNET, 0);

	/* SYN-ACK retransmitted: SYN T0, SYN-ACK T0+1 ms and T0+1.001 s (the
	 * client's ACK was lost), ACK T0+1.0012 s; the server offers no
	 * SACK, timestamps or window scaling. */
	cap_reset();
	synack_plain = true;
	c = pkt_ep("192.0.2.10", 40011);
	s = pkt_ep("198.51.100.20", 88);
	handshake(&c, &s, 13000, 14000, T0, T0 + 1 * MS, -1);
	handshake(&c, &s, 13000, 14000, -1, T0 + 1 * S + 1 * MS, T0 + 1 * S + 1200 * US);
	err |= write_pcapng("hs_synack_retrans.pcapng", LINKTYPE_ETHERNET, 0);

	/* unsorted.pcap: SYN T0, SYN-ACK T0+1 ms, ACK T0+1.25 ms, written
	 * SYN-ACK first (no CPU or sequence: time order alone places them) */
	cap_reset();
	c = pkt_ep("192.0.2.10", 40016);
	s = pkt_ep("198.51.100.20", 89);
	handshake(&c, &s, 18000, 19000, T0, T0 + 1 * MS, T0 + 1250 * US);
	{
		struct frame tmp = cap.f[0];

		cap.f[0] = cap.f[1];
		cap.f[1] = tmp;
	}
	err |= write_pcap("unsorted.pcap", LINKTYPE_ETHERNET, true);

	/* loopback seen by tcpdump -i any (SLL2, nanosecond pcap): every
	 * packet twice, out then in 5 us later. SYN T0, SYN-ACK T0+20 us,
	 * ACK T0+40 us, 100 bytes T0+60 us, their ACK T0+80 us. */
	cap_reset();
	c = pkt_ep("192.0.2.1", 40100);
	s = pkt_ep("192.0.2.1", 8080);
	handshake(&c, &s, 15000, 16000, T0, T0 + 20 * US, T0 + 40 * US);
	tcp(T0 + 60 * US, &c, &s, TH_PSH | TH_ACK, 15001, 16001, 100);
	tcp(T0 + 80 * US, &s, &c, TH_ACK, 16001, 15101, 0);
	loopback_copies();
	err |= write_pcap("lo_any.pcap", LINKTYPE_LINUX_SLL2, true);
	return err;
}

/* The established handshake (SYN T0, SYN-ACK +1 ms, ACK +1.25 ms) in
 * file forms the reader must handle: zstd-compressed pcapng (port 40030),
 * one pcapng section with three interfaces of different linktypes and
 * resolutions (40031), a big-endian pcapng section (40032) and a
 * big-endian pcap (40033). */
static int gen_file_forms(void)
{
	static const struct { const char *name; int form; } forms[] = {
		{ "form_zstd.pcapng.zst", 0 }, { "form_multi_if.pcapng", 1 },
		{ "form_swapped.pcapng", 2 }, { "form_swapped.pcap", 3 },
	};
	struct pkt_ep s = pkt_ep("198.51.100.20", 8443);
	size_t i;
	int err = 0;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		struct pkt_ep c = pkt_ep("192.0.2.10", (uint16_t)(40030 + i));

		cap_reset();
		handshake(&c, &s, 170000, 180000, T0, T0 + 1 * MS, T0 + 1250 * US);
		switch (forms[i].form) {
		case 0:
			err |= write_pcapng_ex(forms[i].name, LINKTYPE_ETHERNET, 0, 0, 3);
			break;
		case 1:
			err |= write_pcapng_multi(forms[i].name);
			break;
		case 2:
			err |= write_pcapng_ex(forms[i].name, LINKTYPE_ETHERNET, 0, PCAPNG_W_SWAP,
					       0);
			break;
		default:
			err |= write_pcap_ex(forms[i].name, LINKTYPE_ETHERNET, true, PCAPNG_W_SWAP);
			break;
		}
	}
	return err;
}

static int gen_icmp(void)
{
	struct pkt_ep u = pkt_ep("192.0.2.10", 40053), d = pkt_ep("198.51.100.20", 33434);
	struct frame *udp;
	int err = 0;

	/* echo pairs: id 0x1234 seq 1 (RTT 400 us), seq 2 (500 us), seq 3 (no
	 * reply); IPv6 id 0x77 seq 1 (250 us); a UDP datagram answered by a
	 * port unreachable (3/3) +100 us. */
	cap_reset();
	echo(T0, "192.0.2.10", "198.51.100.20", false, 0x1234, 1);
	echo(T0 + 400 * US, "198.51.100.20", "192.0.2.10", true, 0x1234, 1);
	echo(T0 + 1 * S, "192.0.2.10", "198.51.100.20", false, 0x1234, 2);
	echo(T0 + 1 * S + 500 * US, "198.51.100.20", "192.0.2.10", true, 0x1234, 2);
	echo(T0 + 2 * S, "192.0.2.10", "198.51.100.20", false, 0x1234, 3);
	echo(T0 + 3 * S, "2001:db8::10", "2001:db8::20", false, 0x77, 1);
	echo(T0 + 3 * S + 250 * US, "2001:db8::20", "2001:db8::10", true, 0x77, 1);
	udp = new_frame(FR_PKT, T0 + 4 * S);
	udp->family = AF_INET;
	udp->ip_len = pkt_udp(udp->ip, sizeof(udp->ip), &u, &d, 32);
	icmp_err(T0 + 4 * S + 100 * US, "198.51.100.20", udp, 3, 3, 20 + 8);
	err |= write_pcapng("icmp.pcapng", LINKTYPE_ETHERNET, 0);
	return err;
}

static int gen_merge_and_truncated(void)
{
	struct pkt_ep c = pkt_ep("192.0.2.10", 40012), s = pkt_ep("198.51.100.20", 87);
	char path[1024];
	struct stat sb;
	int err = 0;

	/* One handshake seen by two capture points: merge_a.pcapng has the
	 * client's packets (SYN T0, ACK +1.3 ms, 10 bytes +1.4 ms),
	 * merge_b.pcap (raw IP, nanosecond pcap) the server's (SYN-ACK
	 * +1 ms, ACK of the data +1.6 ms). */
	cap_reset();
	tcp(T0, &c, &s, TH_SYN, 50000, 0, 0);
	tcp(T0 + 1300 * US, &c, &s, TH_ACK, 50001, 60001, 0);
	tcp(T0 + 1400 * US, &c, &s, TH_PSH | TH_ACK, 50001, 60001, 10);
	err |= write_pcapng("merge_a.pcapng", LINKTYPE_ETHERNET, 0);
	cap_reset();
	tcp(T0 + 1 * MS, &s, &c, TH_SYN | TH_ACK, 60000, 50001, 0);
	tcp(T0 + 1600 * US, &s, &c, TH_ACK, 60001, 50011, 0);
	err |= write_pcap("merge_b.pcap", LINKTYPE_RAW, true);

	/* truncated.pcapng: handshake 1 (port 40013) complete, handshake 2
	 * (40014) SYN T0+10 ms and SYN-ACK +11 ms; its ACK at +11.2 ms is
	 * the last block (an 88-byte EPB: 54 bytes of packet, no options),
	 * cut 30 bytes before its end. */
	cap_reset();
	c = pkt_ep("192.0.2.10", 40013);
	handshake(&c, &s, 70000, 80000, T0, T0 + 1 * MS, T0 + 1100 * US);
	c = pkt_ep("192.0.2.10", 40014);
	handshake(&c, &s, 90000, 95000, T0 + 10 * MS, T0 + 11 * MS, T0 + 11200 * US);
	err |= write_pcapng("truncated.pcapng", LINKTYPE_ETHERNET, 0);
	snprintf(path, sizeof(path), "%s/truncated.pcapng", outdir);
	if (!err && (stat(path, &sb) || truncate(path, sb.st_size - 30))) {
		perror("gen_captures: truncate");
		err = -1;
	}
	return err;
}

/* One established handshake per linktype and file kind: SYN T0, SYN-ACK
 * +1 ms, ACK +1.25 ms, 20 bytes +1.3 ms (microsecond multiples, so that
 * microsecond pcap keeps them exactly). Client ports 40020.. in order. */
static int gen_linktypes(void)
{
	static const struct {
		const char *name;
		uint32_t linktype;
		int kind;      /* 0 pcapng, 1 pcap us, 2 pcap ns */
		uint16_t vlan;
		bool v6;
	} files[] = {
		{ "link_eth.pcap", LINKTYPE_ETHERNET, 1, 0, false },
		{ "link_raw.pcapng", LINKTYPE_RAW, 0, 0, false },
		{ "link_ipv4.pcap", LINKTYPE_IPV4, 2, 0, false },
		{ "link_sll.pcap", LINKTYPE_LINUX_SLL, 1, 0, false },
		{ "link_sll2.pcapng", LINKTYPE_LINUX_SLL2, 0, 0, false },
		{ "link_null.pcap", LINKTYPE_NULL, 1, 0, false },
		{ "link_loop.pcapng", LINKTYPE_LOOP, 0, 0, false },
		{ "link_vlan.pcapng", LINKTYPE_ETHERNET, 0, 100, false },
		{ "link_ipv6.pcap", LINKTYPE_IPV6, 2, 0, true },
		{ "link_sll_v6.pcapng", LINKTYPE_LINUX_SLL, 0, 0, true },
	};
	size_t i;
	int err = 0;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		uint16_t port = (uint16_t)(40020 + i);
		struct pkt_ep c = files[i].v6 ? pkt_ep("2001:db8::10", port)
					      : pkt_ep("192.0.2.10", port);
		struct pkt_ep s = files[i].v6 ? pkt_ep("2001:db8::20", 8080)
					      : pkt_ep("198.51.100.20", 8080);

		cap_reset();
		handshake(&c, &s, 100000, 200000, T0, T0 + 1 * MS, T0 + 1250 * US);
		tcp(T0 + 1300 * US, &c, &s, TH_PSH | TH_ACK, 100001, 200001, 20);
		if (files[i].kind == 0)
			err |= write_pcapng(files[i].name, files[i].linktype, files[i].vlan);
		else
			err |= write_pcap(files[i].name, files[i].linktype,
					  files[i].kind == 2);
	}
	return err;
}

static int gen_netrec(void)
{
	struct pkt_ep a_l = pkt_ep("192.0.2.10", 41000), a_r = pkt_ep("198.51.100.20", 80);
	struct pkt_ep b_l = pkt_ep("192.0.2.10", 8080), b_r = pkt_ep("198.51.100.30", 50000);
	struct pkt_ep c_c = pkt_ep("192.0.2.10", 41001), c_s = pkt_ep("192.0.2.20", 9000);
	struct pkt_ep d_c = pkt_ep("192.0.2.10", 41002), d_s = pkt_ep("192.0.2.20", 9001);
	struct frame *f;
	int err = 0;
	/*
	 * nr_shuffled.pcapng, sorted by time (index: record):
	 *   0,1  process records curl 4242, nginx 777 at T0-1 s (no CPU)
	 *   2  T0+0        A state CLOSE->SYN_SENT   cpu0 seq1 (curl, port 0)
	 *   3  T0+10 us    A SYN out                  cpu0 seq2 (curl)
	 *   4  T0+1510 us  A SYN-ACK in               cpu1 seq1 (curl, tuple)
	 *   5  T0+1520 us  A state SYN_SENT->ESTABLISHED cpu1 seq2
	 *   6  T0+1530 us  A ACK out                  cpu1 seq3 (curl)
	 *   7  T0+2000 us  B SYN in                   cpu1 seq4 (nginx, accept)
	 *   8  T0+2040 us  B SYN-ACK out              cpu1 seq5 (nginx)
	 *   9  T0+2900 us  B ACK in                   cpu0 seq3 (nginx)
	 *  10  T0+2910 us  B state SYN_RECV->ESTABLISHED cpu0 seq4
	 * written as CPU 1's batch before CPU 0's:
	 *   0 1 4 5 6 7 8 2 3 9 10
	 */
	static const int order[] = { 0, 1, 4, 5, 6, 7, 8, 2, 3, 9, 10 };

	cap_reset();
	process_rec(T0 - 1 * S, 4242, "curl", "/usr/bin/curl");
	process_rec(T0 - 1 * S, 777, "nginx", "/usr/sbin/nginx");
	/* as the kernel reports it: connect() enters SYN_SENT before the
	 * local port is chosen, so this event says port 0; the cookie names
	 * the socket */
	a_l.port = 0;
	state_event(T0, 0, 1, 4242, "curl", 0xa1, &a_l, &a_r, "CLOSE", "SYN_SENT");
	a_l.port = 41000;
	f = tcp(T0 + 10 * US, &a_l, &a_r, TH_SYN, 111000, 0, 0);
	annotate(f, PCAPNG_EPB_DIR_OUTBOUND, 0, 2, NR_OWNER_SOCKET, 4242, "curl", 0xa1);
	f = tcp(T0 + 1510 * US, &a_r, &a_l, TH_SYN | TH_ACK, 222000, 111001, 0);
	annotate(f, PCAPNG_EPB_DIR_INBOUND, 1, 1, NR_OWNER_TUPLE, 4242, "curl", 0xa1);
	state_event(T0 + 1520 * US, 1, 2, 4242, "curl", 0xa1, &a_l, &a_r, "SYN_SENT",
		    "ESTABLISHED");
	f = tcp(T0 + 1530 * US, &a_l, &a_r, TH_ACK, 111001, 222001, 0);
	annotate(f, PCAPNG_EPB_DIR_OUTBOUND, 1, 3, NR_OWNER_SOCKET, 4242, "curl", 0xa1);
	f = tcp(T0 + 2000 * US, &b_r, &b_l, TH_SYN, 333000, 0, 0);
	annotate(f, PCAPNG_EPB_DIR_INBOUND, 1, 4, NR_OWNER_ACCEPT, 777, "nginx", 0);
	f = tcp(T0 + 2040 * US, &b_l, &b_r, TH_SYN | TH_ACK, 444000, 333001, 0);
	annotate(f, PCAPNG_EPB_DIR_OUTBOUND, 1, 5, NR_OWNER_ACCEPT, 777, "nginx", 0xb2);
	f = tcp(T0 + 2900 * US, &b_r, &b_l, TH_ACK, 333001, 444001, 0);
	annotate(f, PCAPNG_EPB_DIR_INBOUND, 0, 3, NR_OWNER_ACCEPT, 777, "nginx", 0xb2);
	state_event(T0 + 2910 * US, 0, 4, 777, "nginx", 0xb2, &b_l, &b_r, "SYN_RECV",
		    "ESTABLISHED");
	err |= write_netrec("nr_shuffled.pcapng", order);

	/*
	 * nr_procs.pcapng, in time order, each packet seen leaving its sender:
	 * C: curl 5001 -> python3 5002 (pid 7 in its container), SYN T0,
	 *    SYN-ACK +100 us, ACK +150 us;
	 * D: wget 5003 -> closed port: SYN T0+1 ms, RST+ACK from the kernel
	 *    +50 us.
	 */
	cap_reset();
	process_rec(T0 - 1 * S, 5001, "curl", "/usr/bin/curl");
	process_rec_ns(T0 - 1 * S, 5002, 7, "python3", "/usr/bin/python3");
	process_rec(T0 - 1 * S, 5003, "wget", "/usr/bin/wget");
	f = tcp(T0, &c_c, &c_s, TH_SYN, 1000000, 0, 0);
	annotate(f, PCAPNG_EPB_DIR_OUTBOUND, 0, 1, NR_OWNER_SOCKET, 5001, "curl", 0xc1);
	f = tcp(T0 + 100 * US, &c_s, &c_c, TH_SYN | TH_ACK, 2000000, 1000001, 0);
	annotate(f, PCAPNG_EPB_DIR_OUTBOUND, 1, 1, NR_OWNER_ACCEPT, 5002, "python3", 0xc2);
	f = tcp(T0 + 150 * US, &c_c, &c_s, TH_ACK, 1000001, 2000001, 0);
	annotate(f, PCAPNG_EPB_DIR_OUTBOUND, 0, 2, NR_OWNER_SOCKET, 5001, "curl", 0xc1);
	f = tcp(T0 + 1 * MS, &d_c, &d_s, TH_SYN, 3000000, 0, 0);
	annotate(f, PCAPNG_EPB_DIR_OUTBOUND, 0, 3, NR_OWNER_SOCKET, 5003, "wget", 0xd1);
	f = tcp(T0 + 1050 * US, &d_s, &d_c, TH_RST | TH_ACK, 0, 3000001, 0);
	annotate(f, PCAPNG_EPB_DIR_OUTBOUND, 1, 2, NR_OWNER_KERNEL, 0, NULL, 0);
	err |= write_netrec("nr_procs.pcapng", NULL);
	return err;
}

/* Writes cap's frames in the order of idx[0..n) (a permutation). */
static int write_order(const char *name, const int *idx, int n, bool pcap)
{
	static struct capture saved;
	int err;

	saved = cap;
	cap.n = 0;
	for (int i = 0; i < n; i++)
		cap.f[cap.n++] = saved.f[idx[i]];
	err = pcap ? write_pcap(name, LINKTYPE_ETHERNET, true) :
		     write_pcapng(name, LINKTYPE_ETHERNET, 0);
	cap = saved;
	return err;
}

/*
 * Time order. 16 connections k = 0..15 from 192.0.2.10:(42000 + k) to
 * 198.51.100.20:(8000 + k % 3), starting at T0 + k * 500 ms: SYN +0,
 * SYN-ACK +1 ms, ACK +1.2 ms, 100 bytes +1.5 ms, ACK +2.5 ms, FIN +3 ms,
 * FIN +4 ms, ACK +4.1 ms (8 packets), except that connection 5's data is
 * sent again at +300 ms and acknowledged at +301 ms, and connection 7 is
 * reset by the client at +3 ms instead of closed (6 packets). Frames are
 * made in time order (128 of them), then written:
 *   ord_sorted.pcap    in time order;
 *   ord_shuffled.pcap  in a fixed pseudo-random order;
 *   ord_late.pcap      in time order but connection 1's packets after
 *                      connection 9's: 4 s late in the file;
 *   ord_a.pcapng, ord_b.pcap, ord_c.pcapng   split as three capture
 *                      points would: the client's packets of connections
 *                      0-7, the server's of 0-7, both sides of 8-15.
 * Each is the same timeline: its reports are those of ord_sorted.pcap.
 * big.pcap: one connection with 15,000 segments of 100 bytes (2.6 MB), for
 * identifying files by their whole content.
 */
static int gen_order(void)
{
	struct pkt_ep s, c;
	int idx[MAX_FRAMES] = { 0 }, n, err = 0, first[17];
	uint32_t lcg = 12345;

	cap_reset();
	for (int k = 0; k < 16; k++) {
		int64_t t = T0 + k * 500 * MS;
		uint32_t ic = 100000 * (uint32_t)(k + 1), is = 900000 + 1000 * (uint32_t)k;

		first[k] = cap.n;
		c = pkt_ep("192.0.2.10", (uint16_t)(42000 + k));
		s = pkt_ep("198.51.100.20", (uint16_t)(8000 + k % 3));
		handshake(&c, &s, ic, is, t, t + 1 * MS, t + 1200 * US);
		tcp(t + 1500 * US, &c, &s, TH_PSH | TH_ACK, ic + 1, is + 1, 100);
		if (k == 7) {
			tcp(t + 2500 * US, &s, &c, TH_ACK, is + 1, ic + 101, 0);
			tcp(t + 3 * MS, &c, &s, TH_RST, ic + 101, 0, 0);
			continue;
		}
		tcp(t + 2500 * US, &s, &c, TH_ACK, is + 1, ic + 101, 0);
		tcp(t + 3 * MS, &c, &s, TH_FIN | TH_ACK, ic + 101, is + 1, 0);
		tcp(t + 4 * MS, &s, &c, TH_FIN | TH_ACK, is + 1, ic + 102, 0);
		tcp(t + 4100 * US, &c, &s, TH_ACK, ic + 102, is + 2, 0);
		if (k == 5) {
			tcp(t + 300 * MS, &c, &s, TH_PSH | TH_ACK, ic + 1, is + 1, 100);
			tcp(t + 301 * MS, &s, &c, TH_ACK, is + 2, ic + 102, 0);
		}
	}
	first[16] = cap.n;
	n = cap.n;
	for (int i = 0; i < n; i++)
		idx[i] = i;
	err |= write_order("ord_sorted.pcap", idx, n, true);
	for (int i = n - 1; i > 0; i--) {
		int j, t;

		lcg = lcg * 1103515245u + 12345u;
		j = (int)((lcg >> 8) % (uint32_t)(i + 1));
		t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
	}
	err |= write_order("ord_shuffled.pcap", idx, n, true);
	/* connection 1 after connection 9 */
	n = 0;
	for (int i = 0; i < cap.n; i++) {
		if (i >= first[1] && i < first[2])
			continue;
		idx[n++] = i;
		if (i == first[10] - 1)
			for (int j = first[1]; j < first[2]; j++)
				idx[n++] = j;
	}
	err |= write_order("ord_late.pcap", idx, n, true);
	/* three capture points */
	for (int part = 0; part < 3; part++) {
		n = 0;
		for (int i = 0; i < cap.n; i++) {
			bool late = i >= first[8];
			bool from_client = !memcmp(cap.f[i].ip + 12, "\xc0\x00\x02\x0a", 4);

			if ((part == 2 && late) || (part == 0 && !late && from_client) ||
			    (part == 1 && !late && !from_client))
				idx[n++] = i;
		}
		err |= write_order(part == 0 ? "ord_a.pcapng" : part == 1 ? "ord_b.pcap" :
				   "ord_c.pcapng", idx, n, part == 1);
	}
	return err;
}

/* big.pcap (see gen_order), written frame by frame. */
static int gen_big(void)
{
	struct pkt_ep c = pkt_ep("192.0.2.10", 42100), s = pkt_ep("198.51.100.20", 9100);
	struct pcap_writer *w = NULL;
	uint8_t ip[PKT_MAX], buf[PKT_MAX + 64];
	int fd, err;

	fd = open_out("big.pcap");
	if (fd < 0)
		return -errno;
	err = pcap_writer_open(&w, fd, LINKTYPE_ETHERNET, 262144, true, PCAPNG_W_CLOSE_FD);
	if (err) {
		close(fd);
		return check(err, "big.pcap", "write");
	}
	for (uint32_t i = 0; !err && i < 15000; i++) {
		struct pkt_tcp t = { .flags = TH_PSH | TH_ACK, .seq = 1 + 100 * i, .ack = 1,
				     .win = 64240, .payload = 100 };
		size_t len = pkt_tcp(ip, sizeof(ip), &c, &s, &t);

		len = len ? pkt_link(buf, sizeof(buf), LINKTYPE_ETHERNET, ip, len, c.family, 0,
				     false) : 0;
		err = len ? pcap_write_packet(w, (uint64_t)(T0 + (int64_t)i * 10 * US), buf,
					      (uint32_t)len, (uint32_t)len) : -EINVAL;
	}
	{
		int e = pcap_writer_close(w);

		if (!err)
			err = e;
	}
	return check(err, "big.pcap", "write");
}

int main(int argc, char **argv)
{
	int err = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_captures DIR\n");
		return 2;
	}
	snprintf(outdir, sizeof(outdir), "%s", argv[1]);
	err |= gen_outcomes();
	err |= gen_icmp();
	err |= gen_merge_and_truncated();
	err |= gen_linktypes();
	err |= gen_file_forms();
	err |= gen_netrec();
	err |= gen_order();
	err |= gen_big();
	return err ? 1 : 0;
}

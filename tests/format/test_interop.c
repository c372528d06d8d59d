// SPDX-License-Identifier: GPL-2.0-only
/*
 * The writer against independent readers: every kind of file the writer
 * produces (pcapng in host and swapped byte order, zstd, zstd made of many
 * flushes and cut anywhere, BLOCK_FLUSH files cut by SIGKILL, a stream
 * through a pipe, classic pcap with microsecond
 * and nanosecond magics) is read by tshark, capinfos and tcpdump, and what
 * they report must be what was written: packet counts, nanosecond
 * timestamps, comments, directions, EPB options, journal fields, custom
 * blocks, and (through Wireshark's "MIME Files Format" dissector, which
 * shows every block and option) the options of every block.
 *
 * Expected values come from the records the test writes, formatted the way
 * the tools print them (checked by hand against tshark 4.0 and tcpdump
 * 4.99), never from our own reader. Skips (77) when tshark is missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "pcapng.h"
#include "profile.h"

TEST_MAIN_STATE;

static char dir[] = "/tmp/netrec-interop-XXXXXX";
static bool have_tcpdump, have_capinfos;

/* ---- running the tools ---- */

/* Runs a shell command and returns its stdout (malloc'd, NUL-terminated),
 * or NULL if it could not run or exited non-zero. stderr is discarded
 * (tshark warns about running as root). */
__attribute__((format(printf, 1, 2)))
static char *run(const char *fmt, ...)
{
	char cmd[4096], *out = NULL;
	size_t len = 0, cap = 0;
	va_list ap;
	FILE *p;
	int st, n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd) - 16, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd) - 16)
		return NULL;
	strcat(cmd, " 2>/dev/null");
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	for (;;) {
		size_t r;

		if (cap - len < 4096) {
			char *nb = realloc(out, cap + 65536);

			if (!nb)
				break;
			out = nb;
			cap += 65536;
		}
		r = fread(out + len, 1, cap - len - 1, p);
		if (!r)
			break;
		len += r;
	}
	st = pclose(p);
	if (!out || st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "  command failed (status %d): %s\n", st, cmd);
		free(out);
		return NULL;
	}
	out[len] = 0;
	return out;
}

static bool have(const char *tool)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

/* Splits s in place at sep; returns the number of pieces (at most max). */
static int split(char *s, char sep, char **v, int max)
{
	int n = 0;

	if (!*s)
		return 0;
	while (n < max) {
		char *e = strchr(s, sep);

		v[n++] = s;
		if (!e)
			break;
		*e = 0;
		s = e + 1;
		if (sep == '\n' && !*s)
			break;
	}
	return n;
}

/* The value after "label" on its line in capinfos output. */
static bool capinfos_field(const char *out, const char *label, char *val, size_t vlen)
{
	const char *p = strstr(out, label);
	size_t n = 0;

	if (!p)
		return false;
	p += strlen(label);
	while (*p == ' ' || *p == ':')
		p++;
	while (p[n] && p[n] != '\n')
		n++;
	if (n >= vlen)
		n = vlen - 1;
	memcpy(val, p, n);
	val[n] = 0;
	return true;
}

static bool host_le(void)
{
	uint16_t x = 1;

	return *(uint8_t *)&x == 1;
}

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* ======================================================================
 * The reference recording
 * ====================================================================== */

enum rkind { R_PKT, R_JEB, R_CB };

struct ref {
	enum rkind kind;
	uint64_t ts_ns;           /* packets: ns; journal: us * 1000 */
	/* packets */
	int proto;                /* 4: TCP/IPv4, 6: TCP/IPv6, 1: ICMP echo */
	uint16_t sport, dport;
	uint8_t tcpflags;
	int dir;                  /* PCAPNG_EPB_DIR_* */
	const char *comment;
	uint32_t pid, tid;        /* 0: no epb_processid_threadid */
	bool extra_opts;          /* dropcount, packetid, queue, verdict, hash */
	/* journal */
	const char *msg, *jpid, *comm;
	const char *msg_tshark;   /* how tshark prints msg, if different */
	/* custom blocks */
	uint32_t pen;
	bool copy;
};

#define T0 1700000000000000000ULL

static const struct ref refs[] = {
	{ R_CB, 0, .pen = NR_PEN, .copy = true },          /* clock (§6) */
	{ R_JEB, T0 + 100000000ULL, .msg = "process 4242 curl uid=1000 gid=1000 ppid=1 /usr/bin/curl",
	  .jpid = "4242", .comm = "curl" },
	{ R_PKT, T0 + 123456789ULL, 4, 40312, 8080, 0x02, PCAPNG_EPB_DIR_OUTBOUND,
	  "curl[4242/4243] uid=1000 gid=1000 (socket)", 4242, 4243 },
	{ R_PKT, T0 + 123500001ULL, 4, 8080, 40312, 0x12, PCAPNG_EPB_DIR_INBOUND,
	  "curl[4242/4243] uid=1000 gid=1000 (tuple)", 4242, 4243, true },
	{ R_JEB, T0 + 123501000ULL, .msg = "TCP 192.0.2.1:40312 > 192.0.2.2:8080 SYN_SENT -> ESTABLISHED",
	  .jpid = "4242", .comm = "curl" },
	{ R_PKT, T0 + 123502999ULL, 4, 40312, 8080, 0x10, PCAPNG_EPB_DIR_OUTBOUND,
	  "curl[4242/4243] uid=1000 gid=1000 (socket)", 4242, 4243 },
	{ R_PKT, T0 + 200000000ULL, 4, 50000, 9, 0x04, PCAPNG_EPB_DIR_INBOUND, "kernel (kernel)" },
	{ R_PKT, T0 + 300000000ULL, 6, 40000, 443, 0x02, PCAPNG_EPB_DIR_OUTBOUND,
	  "na\xc3\xafve \xe2\x9c\x93 [7/7] (preexisting)", 7, 7 },
	{ R_PKT, T0 + 400000000ULL, 1, 0, 0, 0, PCAPNG_EPB_DIR_OUTBOUND, "unattributed" },
	{ R_JEB, T0 + 500000000ULL, .msg = "two\nlines", .jpid = "4242", .comm = "curl",
	  .msg_tshark = "two\\nlines" },
	{ R_PKT, T0 + 999999999ULL, 4, 40312, 8080, 0x11, PCAPNG_EPB_DIR_OUTBOUND, NULL },
	{ R_CB, 0, .pen = NR_PEN, .copy = true },          /* statistics (§7) */
	{ R_CB, 0, .pen = 32473, .copy = false },
};
#define NREFS (sizeof(refs) / sizeof(refs[0]))
#define NPKTS 7

/* SLL2 header (20 bytes), then the network layer, checksums left 0. */
static size_t make_packet(const struct ref *r, uint8_t *p)
{
	static const uint8_t a4[2][4] = { { 192, 0, 2, 1 }, { 192, 0, 2, 2 } };
	static const uint8_t a6[2][16] = { { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
					   { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 } };
	bool out = r->dir == PCAPNG_EPB_DIR_OUTBOUND;
	int s = out ? 0 : 1, d = out ? 1 : 0;
	size_t l3, len;
	uint8_t *t;

	memset(p, 0, 200);
	p[0] = r->proto == 6 ? 0x86 : 0x08;
	p[1] = r->proto == 6 ? 0xdd : 0x00;
	p[7] = 7;                 /* ifindex */
	p[9] = 1;                 /* ARPHRD_ETHER */
	p[10] = out ? 4 : 0;      /* PACKET_OUTGOING / PACKET_HOST */
	p[11] = 6;
	memcpy(p + 12, "\x02\x00\x5e\x10\x00\x01", 6);
	if (r->proto == 6) {
		l3 = 40;
		len = 20 + l3 + 20;
		p[20] = 0x60;
		p[24] = 0; p[25] = 20;   /* payload length */
		p[26] = 6; p[27] = 64;
		memcpy(p + 28, a6[s], 16);
		memcpy(p + 44, a6[d], 16);
	} else {
		size_t l4 = r->proto == 1 ? 8 : 20;

		l3 = 20;
		len = 20 + l3 + l4;
		p[20] = 0x45;
		p[23] = (uint8_t)(l3 + l4);
		p[26] = 0x40;
		p[28] = 64;
		p[29] = r->proto == 1 ? 1 : 6;
		memcpy(p + 32, a4[s], 4);
		memcpy(p + 36, a4[d], 4);
	}
	t = p + 20 + l3;
	if (r->proto == 1) {
		t[0] = 8;                 /* echo request */
		t[5] = 1; t[7] = 1;       /* id 1, seq 1 */
	} else {
		t[0] = (uint8_t)(r->sport >> 8); t[1] = (uint8_t)r->sport;
		t[2] = (uint8_t)(r->dport >> 8); t[3] = (uint8_t)r->dport;
		t[7] = 1;                 /* seq 1 */
		t[12] = 0x50;
		t[13] = r->tcpflags;
		t[14] = 0xff; t[15] = 0xff;
	}
	return len;
}

static int write_ref_blocks(struct pcapng_writer *w)
{
	static const uint8_t ip4[4] = { 192, 0, 2, 2 };
	static const char *const names[] = { "server.example", NULL };
	struct pcapng_nrb_record nrb = { PCAPNG_NRB_IPV4, ip4, names };
	struct pcapng_opts o;
	struct nr_jeb_buf j;
	uint8_t pkt[200], cb[NR_CB_STATS_SIZE];
	uint32_t id;
	int err;

	pcapng_opts_init(&o);
	nr_jeb_init(&j);
	pcapng_opts_add_str(&o, PCAPNG_OPT_COMMENT, "netrec -i any -o trace.pcapng");
	pcapng_opts_add_str(&o, PCAPNG_SHB_HARDWARE, "x86_64");
	pcapng_opts_add_str(&o, PCAPNG_SHB_OS, "Linux 6.18.44");
	pcapng_opts_add_str(&o, PCAPNG_SHB_USERAPPL, "netrec 0.1.0");
	err = pcapng_write_shb(w, &o);
	if (err)
		goto out;
	pcapng_opts_reset(&o);
	pcapng_opts_add_str(&o, PCAPNG_IF_NAME, "veth0");
	pcapng_opts_add_str(&o, PCAPNG_IF_DESCRIPTION, "ifindex 7, netns 4026531840, eth");
	pcapng_opts_add_u8(&o, PCAPNG_IF_TSRESOL, NR_TSRESOL);
	pcapng_opts_add_typed(&o, PCAPNG_IF_FILTER, 0, "tcp or icmp", 11);
	pcapng_opts_add_str(&o, PCAPNG_IF_OS, "Linux 6.18.44");
	pcapng_opts_add_u64(&o, PCAPNG_IF_SPEED, 10000000000ULL);
	pcapng_opts_add_u32(&o, PCAPNG_IF_TZONE, 3600);
	pcapng_opts_add_u8(&o, PCAPNG_IF_FCSLEN, 4);
	pcapng_opts_add_i64(&o, PCAPNG_IF_TSOFFSET, 0);
	pcapng_opts_add_str(&o, PCAPNG_IF_HARDWARE, "virtio");
	pcapng_opts_add(&o, PCAPNG_IF_IPV4ADDR, "\xc0\x00\x02\x01\xff\xff\xff\x00", 8);
	pcapng_opts_add(&o, PCAPNG_IF_IPV6ADDR, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01\x40", 17);
	pcapng_opts_add(&o, PCAPNG_IF_MACADDR, "\x02\x00\x5e\x10\x00\x01", 6);
	err = pcapng_write_idb(w, NR_LINKTYPE, 262164, &o, &id);
	if (err)
		goto out;

	for (size_t i = 0; i < NREFS && !err; i++) {
		const struct ref *r = &refs[i];

		switch (r->kind) {
		case R_CB:
			memset(cb, 0, sizeof(cb));
			cb[0] = i == 0 ? NR_CB_CLOCK : NR_CB_STATS;
			cb[4] = 1;
			err = pcapng_write_custom(w, r->copy, r->pen, cb,
						  i == 0 ? NR_CB_CLOCK_SIZE : NR_CB_STATS_SIZE, NULL);
			break;
		case R_JEB:
			nr_jeb_reset(&j);
			nr_jeb_addf(&j, "__REALTIME_TIMESTAMP", "%" PRIu64, r->ts_ns / 1000);
			nr_jeb_add(&j, "MESSAGE", r->msg, strlen(r->msg));
			nr_jeb_add(&j, "PRIORITY", "6", 1);
			nr_jeb_add(&j, "SYSLOG_IDENTIFIER", "netrec", 6);
			nr_jeb_add(&j, NR_J_RECORD, "tcp_event", 9);
			nr_jeb_addf(&j, NR_J_TS_NS, "%" PRIu64, r->ts_ns);
			nr_jeb_add(&j, "_PID", r->jpid, strlen(r->jpid));
			nr_jeb_add(&j, "_COMM", r->comm, strlen(r->comm));
			err = j.err ? j.err : pcapng_write_jeb(w, j.buf, j.len);
			break;
		case R_PKT: {
			struct nr_pkt_annot a = { NR_ANNOT_TYPE_PACKET, NR_ANNOT_VERSION,
						  NR_OWNER_SOCKET, NR_ANNOT_F_OWNER };
			uint8_t ab[NR_PKT_ANNOT_SIZE];
			size_t len = make_packet(r, pkt);

			pcapng_opts_reset(&o);
			if (r->comment)
				pcapng_opts_add_str(&o, PCAPNG_OPT_COMMENT, r->comment);
			pcapng_opts_add_u32(&o, PCAPNG_EPB_FLAGS, (uint32_t)r->dir);
			if (r->pid)
				pcapng_opts_add_pid_tid(&o, r->pid, r->tid);
			if (r->extra_opts) {
				uint64_t verdict = 2; /* TC_ACT_SHOT */

				pcapng_opts_add_u64(&o, PCAPNG_EPB_DROPCOUNT, 7);
				pcapng_opts_add_u64(&o, PCAPNG_EPB_PACKETID, 0x1122334455667788ULL);
				pcapng_opts_add_u32(&o, PCAPNG_EPB_QUEUE, 3);
				pcapng_opts_add_typed(&o, PCAPNG_EPB_VERDICT, 1, &verdict, 8);
				pcapng_opts_add_typed(&o, PCAPNG_EPB_HASH, 2, "\xde\xad\xbe\xef", 4);
			}
			a.pid = r->pid;
			a.tid = r->tid;
			nr_annot_encode(&a, ab);
			pcapng_opts_add_custom(&o, PCAPNG_OPT_CUSTOM_BIN, NR_PEN, ab, sizeof(ab));
			pcapng_opts_add_custom(&o, PCAPNG_OPT_CUSTOM_STR_NC, NR_PEN, "x", 1);
			err = pcapng_write_epb(w, id, r->ts_ns, pkt, (uint32_t)len, (uint32_t)len, &o);
			break;
		}
		}
		/* Blocks tshark does not show as records, in the middle. */
		if (!err && i == 3)
			err = pcapng_write_nrb(w, &nrb, 1, NULL);
		if (!err && i == 5)
			err = pcapng_write_dsb(w, 0x544c534bU, "CLIENT_RANDOM 00 11\n", 20, NULL);
	}
	if (err)
		goto out;
	pcapng_opts_reset(&o);
	pcapng_opts_add_ts(&o, PCAPNG_ISB_STARTTIME, T0);
	pcapng_opts_add_ts(&o, PCAPNG_ISB_ENDTIME, T0 + 2000000000ULL);
	pcapng_opts_add_u64(&o, PCAPNG_ISB_IFRECV, 100);
	pcapng_opts_add_u64(&o, PCAPNG_ISB_IFDROP, 1);
	pcapng_opts_add_u64(&o, PCAPNG_ISB_FILTERACCEPT, 98);
	pcapng_opts_add_u64(&o, PCAPNG_ISB_OSDROP, 2);
	pcapng_opts_add_u64(&o, PCAPNG_ISB_USRDELIV, 97);
	err = pcapng_write_isb(w, id, T0 + 2000000000ULL, &o);
out:
	pcapng_opts_free(&o);
	nr_jeb_free(&j);
	return err;
}

static int write_ref_fd(int fd, unsigned flags, int zstd_level)
{
	struct pcapng_writer_opts wo = { .flags = flags, .zstd_level = zstd_level };
	struct pcapng_writer *w = NULL;
	int err = pcapng_writer_open(&w, fd, &wo);

	if (err)
		return err;
	err = write_ref_blocks(w);
	if (err) {
		pcapng_writer_close(w);
		return err;
	}
	return pcapng_writer_close(w);
}

static int write_ref(const char *name, unsigned flags, int zstd_level)
{
	char path[512];
	int fd;

	path_of(path, sizeof(path), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	return write_ref_fd(fd, flags | PCAPNG_W_CLOSE_FD, zstd_level);
}

/* ---- what tshark must show ---- */

#define TSHARK_FIELDS \
	"-e frame.number -e frame.time_epoch -e frame.comment -e frame.packet_flags_direction " \
	"-e systemd_journal.message -e systemd_journal.pid -e systemd_journal.comm " \
	"-e frame.cb_pen -e frame.cb_copy -e tcp.srcport -e tcp.dstport -e icmp.type " \
	"-e frame.drop_count -e frame.packet_id -e frame.interface_queue -e frame.verdict.ebpf_tc " \
	"-e frame.interface_name"

static void fmt_ts(char *buf, size_t len, uint64_t ns)
{
	snprintf(buf, len, "%" PRIu64 ".%09" PRIu64, (uint64_t)(ns / 1000000000U),
		 (uint64_t)(ns % 1000000000U));
}

/* Compares tshark's view of a file holding the reference records (all of
 * them, or the first `upto` when the file was cut). */
static void check_tshark_records(const char *file, size_t upto, const char *what)
{
	char *out = run("tshark -r '%s' -T fields -E occurrence=f " TSHARK_FIELDS, file);
	char *lines[64], *f[20], exp[64];
	int nl, i = 0;

	if (!ASSERT_OK_PTR(out, what))
		return;
	nl = split(out, '\n', lines, 64);
	ASSERT_EQ(nl, upto, "tshark record count");
	for (size_t k = 0; k < upto && i < nl; k++, i++) {
		const struct ref *r = &refs[k];
		int nf = split(lines[i], '\t', f, 20);

		if (!ASSERT_EQ(nf, 17, "field count"))
			break;
		snprintf(exp, sizeof(exp), "%d", i + 1);
		ASSERT_STREQ(f[0], exp, "frame.number");
		if (r->kind == R_CB) {
			snprintf(exp, sizeof(exp), "%u", r->pen);
			ASSERT_STREQ(f[7], exp, "frame.cb_pen");
			ASSERT_STREQ(f[8], r->copy ? "1" : "0", "frame.cb_copy");
			ASSERT_STREQ(f[1], "", "custom block has no time");
			continue;
		}
		fmt_ts(exp, sizeof(exp), r->ts_ns);
		ASSERT_STREQ(f[1], exp, "frame.time_epoch (ns)");
		if (r->kind == R_JEB) {
			ASSERT_STREQ(f[4], r->msg_tshark ? r->msg_tshark : r->msg, "journal MESSAGE");
			ASSERT_STREQ(f[5], r->jpid, "journal _PID");
			ASSERT_STREQ(f[6], r->comm, "journal _COMM");
			continue;
		}
		ASSERT_STREQ(f[2], r->comment ? r->comment : "", "frame.comment");
		snprintf(exp, sizeof(exp), "0x%08x", r->dir); /* as tshark prints it */
		ASSERT_STREQ(f[3], exp, "direction");
		ASSERT_STREQ(f[16], "veth0", "interface name");
		if (r->proto == 1) {
			ASSERT_STREQ(f[11], "8", "icmp echo request");
		} else {
			snprintf(exp, sizeof(exp), "%u", r->sport);
			ASSERT_STREQ(f[9], exp, "tcp.srcport");
			snprintf(exp, sizeof(exp), "%u", r->dport);
			ASSERT_STREQ(f[10], exp, "tcp.dstport");
		}
		if (r->extra_opts) {
			ASSERT_STREQ(f[12], "7", "epb_dropcount");
			ASSERT_STREQ(f[13], "1234605616436508552", "epb_packetid (0x1122334455667788)");
			ASSERT_STREQ(f[14], "3", "epb_queue");
			ASSERT_STREQ(f[15], "2", "epb_verdict TC value");
		} else {
			ASSERT_STREQ(f[12], "", "no dropcount");
		}
	}
	free(out);
}

static void check_capinfos(const char *file, uint64_t packets, const char *precision)
{
	char *out, val[128], exp[32];

	if (!have_capinfos)
		return;
	out = run("capinfos -M '%s'", file);
	if (!ASSERT_OK_PTR(out, "capinfos"))
		return;
	snprintf(exp, sizeof(exp), "%" PRIu64, packets);
	if (ASSERT_TRUE(capinfos_field(out, "Number of packets", val, sizeof(val)), "count line"))
		ASSERT_STREQ(val, exp, "capinfos packet count");
	if (ASSERT_TRUE(capinfos_field(out, "File timestamp precision", val, sizeof(val)), "precision"))
		ASSERT_STREQ(val, precision, "capinfos precision");
	free(out);
}

/* tcpdump: one line per packet, nanosecond epoch timestamps, directions. */
static void check_tcpdump(const char *file, size_t upto)
{
	char *out, *lines[64], exp[64];
	int nl, i = 0;

	if (!have_tcpdump)
		return;
	out = run("tcpdump -r '%s' -nn -tt --time-stamp-precision=nano", file);
	if (!ASSERT_OK_PTR(out, "tcpdump"))
		return;
	nl = split(out, '\n', lines, 64);
	for (size_t k = 0; k < upto && i < nl; k++) {
		const struct ref *r = &refs[k];

		if (r->kind != R_PKT)
			continue;
		fmt_ts(exp, sizeof(exp), r->ts_ns);
		ASSERT_TRUE(!strncmp(lines[i], exp, strlen(exp)), "tcpdump timestamp");
		ASSERT_TRUE(strstr(lines[i], r->dir == PCAPNG_EPB_DIR_OUTBOUND ? " Out " : " In "),
			    "tcpdump direction (SLL2 packet type)");
		if (r->proto == 4) {
			snprintf(exp, sizeof(exp), "%s.%u > %s.%u:",
				 r->dir == PCAPNG_EPB_DIR_OUTBOUND ? "192.0.2.1" : "192.0.2.2", r->sport,
				 r->dir == PCAPNG_EPB_DIR_OUTBOUND ? "192.0.2.2" : "192.0.2.1", r->dport);
			ASSERT_TRUE(strstr(lines[i], exp) != NULL, "tcpdump addresses");
		}
		i++;
	}
	ASSERT_EQ(nl, i, "tcpdump packet count");
	free(out);
}

/* ======================================================================
 * Tests
 * ====================================================================== */

static void pcapng_file(const char *name, unsigned flags, int zstd_level)
{
	char path[512];

	if (!ASSERT_OK(write_ref(name, flags, zstd_level), "write"))
		return;
	path_of(path, sizeof(path), name);
	check_tshark_records(path, NREFS, name);
	check_capinfos(path, NPKTS, "nanoseconds (9)");
	if (!zstd_level)
		check_tcpdump(path, NREFS); /* libpcap does not decompress */
}

static void test_pcapng_host(void)
{
	pcapng_file("host.pcapng", 0, 0);
}

static void test_pcapng_swapped(void)
{
	pcapng_file("swapped.pcapng", PCAPNG_W_SWAP, 0);
}

static void test_pcapng_zstd(void)
{
	pcapng_file("host.pcapng.zst", 0, 3);
	pcapng_file("swapped-bf.pcapng.zst", PCAPNG_W_SWAP | PCAPNG_W_BLOCK_FLUSH, 19);
}

/* Every block and option as Wireshark's file-format dissector shows it. */
static void mime_check(const char *name)
{
	static const struct { const char *field, *exp; } m[] = {
		{ "pcapng.options.option.data.comment", "netrec -i any -o trace.pcapng|"
		  "curl[4242/4243] uid=1000 gid=1000 (socket)|curl[4242/4243] uid=1000 gid=1000 (tuple)|"
		  "curl[4242/4243] uid=1000 gid=1000 (socket)|kernel (kernel)|"
		  "na\xc3\xafve \xe2\x9c\x93 [7/7] (preexisting)|unattributed" },
		{ "pcapng.options.option.data.hardware", "x86_64" },
		{ "pcapng.options.option.data.os", "Linux 6.18.44" },
		{ "pcapng.options.option.data.user_application", "netrec 0.1.0" },
		{ "pcapng.interface_description.link_type", "276" },
		{ "pcapng.interface_description.snap_length", "262164" },
		{ "pcapng.options.option.data.interface.name", "veth0" },
		{ "pcapng.options.option.data.interface.description", "ifindex 7, netns 4026531840, eth" },
		{ "pcapng.options.option.data.interface.timestamp_resolution", "0x09" },
		{ "pcapng.options.option.data.interface.filter.string", "tcp or icmp" },
		{ "pcapng.options.option.data.interface.os", "Linux 6.18.44" },
		{ "pcapng.options.option.data.interface.speed", "10000000000" },
		{ "pcapng.options.option.data.interface.timezone", "3600" },
		{ "pcapng.options.option.data.interface.fcs_length", "4" },
		{ "pcapng.options.option.data.interface.timestamp_offset", "0" },
		{ "pcapng.options.option.data.interface.hardware", "virtio" },
		{ "pcapng.options.option.data.ipv4", "192.0.2.1" },
		{ "pcapng.options.option.data.ipv4_mask", "255.255.255.0" },
		{ "pcapng.options.option.data.ipv6", "2001:db8::1" },
		{ "pcapng.options.option.data.ipv6_mask", "64" },
		{ "pcapng.options.option.data.mac", "02:00:5e:10:00:01" },
		{ "pcapng.options.option.data.packet.flags.direction", "0x0002|0x0001|0x0002|0x0001|0x0002|0x0002|0x0002" },
		{ "pcapng.options.option.data.packet.drop_count", "7" },
		{ "pcapng.options.option.data.packet.id", "0x1122334455667788" },
		{ "pcapng.options.option.data.packet.queue", "3" },
		{ "pcapng.options.option.data.packet.verdict.type", "1" },
		{ "pcapng.options.option.data.packet.hash.algorithm", "2" },
		{ "pcapng.options.option.data.packet.hash.data", "deadbeef" },
		{ "pcapng.packet.captured_length", "60|60|60|60|80|48|60" },
		{ "pcapng.options.option.data.interface.received", "100" },
		{ "pcapng.options.option.data.interface.dropped", "1" },
		{ "pcapng.options.option.data.interface.accepted_by_filter", "98" },
		{ "pcapng.options.option.data.interface.dropped_by_os", "2" },
		{ "pcapng.options.option.data.interface.delivered_to_user", "97" },
		{ "pcapng.records.record.data.ipv4", "192.0.2.2" },
		{ "pcapng.records.record.data.name", "server.example" },
		{ "pcapng.dsb.secrets_type", "0x544c534b" },
		{ "pcapng.dsb.secrets_length", "20" },
		{ "pcapng.section_header.version.major", "1" },
		{ "pcapng.section_header.section_length", "-1" },
	};
	char path[512], cmd[4096], *out, *v[64];
	size_t n = 0, nm = sizeof(m) / sizeof(m[0]);
	int nv;

	path_of(path, sizeof(path), name);
	for (size_t i = 0; i < nm; i++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " -e %s", m[i].field);
	out = run("tshark -X read_format:'MIME Files Format' -r '%s' -T fields -E aggregator='|'%s",
		  path, cmd);
	if (!ASSERT_OK_PTR(out, "tshark MIME"))
		return;
	out[strcspn(out, "\n")] = 0;
	nv = split(out, '\t', v, 64);
	if (ASSERT_EQ(nv, nm, "one value per field")) {
		for (size_t i = 0; i < nm; i++) {
			if (strcmp(v[i], m[i].exp))
				fprintf(stderr, "  %s: expected \"%s\", got \"%s\"\n", m[i].field,
					m[i].exp, v[i]);
			ASSERT_STREQ(v[i], m[i].exp, "block option as Wireshark shows it");
		}
	}
	free(out);
}

static void test_mime_every_option(void)
{
	char path[512], *out;

	if (!ASSERT_OK(write_ref("mime-host.pcapng", 0, 0), "write host") ||
	    !ASSERT_OK(write_ref("mime-swapped.pcapng", PCAPNG_W_SWAP, 0), "write swapped"))
		return;
	mime_check("mime-host.pcapng");
	mime_check("mime-swapped.pcapng");
	/* and the byte order on disk is the one asked for */
	path_of(path, sizeof(path), "mime-swapped.pcapng");
	out = run("tshark -X read_format:'MIME Files Format' -r '%s' -T fields "
		  "-e pcapng.section_header.byte_order_magic", path);
	if (ASSERT_OK_PTR(out, "magic"))
		ASSERT_STREQ(out, host_le() ? "1a2b3c4d\n" : "4d3c2b1a\n", "swapped magic bytes");
	free(out);
}

/* A stream: the writer writes into a pipe that tshark reads (-r -). */
static void test_pipe_to_tshark(void)
{
	char outpath[512], *out;
	FILE *p;
	int err, st;

	path_of(outpath, sizeof(outpath), "pipe.txt");
	{
		char cmd[1024];

		snprintf(cmd, sizeof(cmd), "tshark -r - -T fields -E occurrence=f " TSHARK_FIELDS
			 " >'%s' 2>/dev/null", outpath);
		p = popen(cmd, "w");
	}
	if (!ASSERT_OK_PTR(p, "popen"))
		return;
	err = write_ref_fd(fileno(p), PCAPNG_W_BLOCK_FLUSH, 0);
	st = pclose(p);
	ASSERT_OK(err, "write to pipe");
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0, "tshark exit");
	out = run("cat '%s'", outpath);
	if (ASSERT_OK_PTR(out, "output")) {
		char *lines[64];

		ASSERT_EQ(split(out, '\n', lines, 64), NREFS, "records through the pipe");
		ASSERT_TRUE(strstr(lines[2], "curl[4242/4243] uid=1000 gid=1000 (socket)") != NULL,
			    "first packet comment");
	}
	free(out);
}

/* A BLOCK_FLUSH writer killed by SIGKILL: the peers read what it left. */
static void killed(int zstd_level)
{
	char path[512], name[64];
	int p[2], st;
	pid_t pid;
	uint32_t reported = 0;
	char *out;

	snprintf(name, sizeof(name), "killed%s", zstd_level ? ".pcapng.zst" : ".pcapng");
	path_of(path, sizeof(path), name);
	if (!ASSERT_OK(pipe(p), "pipe"))
		return;
	pid = fork();
	if (pid == 0) {
		struct pcapng_writer_opts wo = { .flags = PCAPNG_W_BLOCK_FLUSH,
						 .zstd_level = zstd_level };
		struct pcapng_writer *w = NULL;
		struct pcapng_opts o;
		struct ref r = { R_PKT, 0, 4, 40312, 8080, 0x10, PCAPNG_EPB_DIR_OUTBOUND };
		uint8_t pkt[200];
		char c[64];
		uint32_t id, i;
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		size_t len = make_packet(&r, pkt);

		close(p[0]);
		pcapng_opts_init(&o);
		pcapng_opts_add_u8(&o, PCAPNG_IF_TSRESOL, 9);
		if (fd < 0 || pcapng_writer_open(&w, fd, &wo) || pcapng_write_shb(w, NULL) ||
		    pcapng_write_idb(w, NR_LINKTYPE, 262164, &o, &id))
			_exit(2);
		for (i = 1; ; i++) {
			pcapng_opts_reset(&o);
			snprintf(c, sizeof(c), "packet %u", i);
			pcapng_opts_add_str(&o, PCAPNG_OPT_COMMENT, c);
			if (pcapng_write_epb(w, id, T0 + i, pkt, (uint32_t)len, (uint32_t)len, &o))
				_exit(3);
			if (write(p[1], &i, sizeof(i)) != sizeof(i))
				_exit(4);
		}
	}
	close(p[1]);
	while (reported < 200 && read(p[0], &reported, sizeof(reported)) == sizeof(reported))
		;
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	while (read(p[0], &reported, sizeof(reported)) == sizeof(reported))
		;
	close(p[0]);
	ASSERT_TRUE(WIFSIGNALED(st), "killed");

	/* tshark reads every packet in order. The block being written when
	 * the signal came may be cut (write(2) to a file can stop at a page
	 * boundary for a fatal signal): tshark then reports the cut and exits
	 * non-zero after printing everything before it, hence "; true". */
	out = run("(tshark -r '%s' -T fields -e frame.time_epoch -e frame.comment 2>/dev/null; true)",
		  path);
	if (ASSERT_OK_PTR(out, "tshark reads the killed writer's file")) {
		char *rest = out, exp[96], ts[32];
		uint32_t n = 0;

		while (*rest) {
			char *nl = strchr(rest, '\n');

			if (!nl)
				break;
			*nl = 0;
			n++;
			fmt_ts(ts, sizeof(ts), T0 + n);
			snprintf(exp, sizeof(exp), "%s\tpacket %u", ts, n);
			if (strcmp(rest, exp)) {
				ASSERT_STREQ(rest, exp, "packet in order");
				break;
			}
			rest = nl + 1;
		}
		ASSERT_GE(n, reported, "every reported packet");
		ASSERT_LE(n, reported + 1, "nothing extra");
		free(out);
	}
	if (!zstd_level && have_tcpdump) {
		out = run("(tcpdump -r '%s' -nn -q 2>/dev/null; true) | wc -l", path);
		if (ASSERT_OK_PTR(out, "tcpdump"))
			ASSERT_GE(strtoul(out, NULL, 10), reported, "tcpdump reads them all");
		free(out);
	}
}

static void test_killed_writer(void)
{
	killed(0);
	killed(3);
}

/* A .zst file made of many flushes, as netrec writes one: tshark 4.0 reads
 * every packet (it stops at the first zstd frame boundaries it meets, so the
 * file must not be made of one frame per flush), and a copy cut anywhere
 * (a recording killed mid-write) keeps a prefix that our reader and
 * `zstd -dc | tshark -r -` read alike, at least up to the last flush before
 * the cut. */
#define ZN_PKTS 30000
#define ZN_CUTS 9

struct flush_point {
	uint64_t bytes_out;        /* compressed bytes on disk after the flush */
	uint32_t packets;          /* packets written before it */
};

static void test_zstd_many_flushes(void)
{
	static struct flush_point fp[ZN_PKTS + 1];
	struct pcapng_writer_opts wo = { .flags = PCAPNG_W_CLOSE_FD, .zstd_level = 3 };
	struct pcapng_writer *w = NULL;
	struct ref r = { R_PKT, 0, 4, 40312, 8080, 0x10, PCAPNG_EPB_DIR_OUTBOUND };
	uint8_t pkt[200];
	size_t len = make_packet(&r, pkt), nfp = 0;
	char path[512], cut[600];
	uint32_t id = 0, seed = 12345;
	struct stat st;
	char *out;
	int fd, err;

	path_of(path, sizeof(path), "flushes.pcapng.zst");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (!ASSERT_OK(pcapng_writer_open(&w, fd, &wo), "writer"))
		return;
	err = pcapng_write_shb(w, NULL);
	if (!err)
		err = pcapng_write_idb(w, NR_LINKTYPE, 262164, NULL, &id);
	for (uint32_t i = 0; !err && i < ZN_PKTS; i++) {
		pkt[len - 1] = (uint8_t)i;
		err = pcapng_write_epb(w, id, T0 + i, pkt, (uint32_t)len, (uint32_t)len, NULL);
		seed = seed * 1103515245 + 12345;
		/* a flush every 1 to 16 packets, as a recorder's timer would */
		if (!err && (seed >> 16) % 16 == 0) {
			err = pcapng_writer_flush(w);
			fp[nfp++] = (struct flush_point){ pcapng_writer_bytes_out(w), i + 1 };
		}
	}
	ASSERT_OK(pcapng_writer_close(w) ?: err, "write and close");
	ASSERT_GT(nfp, 1000, "many flushes");

	out = run("tshark -r '%s' -T fields -e frame.number 2>/dev/null | wc -l", path);
	if (ASSERT_OK_PTR(out, "tshark"))
		ASSERT_EQ(strtoul(out, NULL, 10), ZN_PKTS, "tshark reads every packet of the .zst");
	free(out);

	ASSERT_OK(stat(path, &st), "stat");
	for (int k = 1; k <= ZN_CUTS; k++) {
		uint64_t at = (uint64_t)st.st_size * (uint64_t)k / (ZN_CUTS + 1) + (uint64_t)k * 37;
		uint32_t want = 0, ours = 0;
		struct capfile *f = NULL;
		struct capfile_rec rec;
		int rc;

		for (size_t i = 0; i < nfp && fp[i].bytes_out <= at; i++)
			want = fp[i].packets;
		snprintf(cut, sizeof(cut), "%s.cut%d", path, k);
		out = run("head -c %" PRIu64 " '%s' > '%s'", at, path, cut);
		free(out);
		ASSERT_OK(capfile_open_path(&f, cut, NULL), "open the cut file");
		while (f && (rc = capfile_next(f, &rec)) > 0)
			ours += rec.type == CAPFILE_REC_PACKET;
		if (f)
			ASSERT_ERR(rc, "the cut is reported (truncated zstd frame)");
		capfile_close(f);
		ASSERT_GE(ours, want, "our reader: every packet flushed before the cut");
		out = run("(zstd -dc '%s' 2>/dev/null | tshark -r - -T fields -e frame.number "
			  "2>/dev/null; true) | wc -l", cut);
		if (ASSERT_OK_PTR(out, "zstd -dc | tshark -r -"))
			ASSERT_EQ(strtoul(out, NULL, 10), ours, "zstd -dc | tshark -r - reads the same");
		free(out);
		unlink(cut);
	}
}

static void test_pcap_classic(void)
{
	static const struct { const char *name; bool nsec; unsigned flags; const char *prec; } v[] = {
		{ "micro.pcap", false, 0, "microseconds (6)" },
		{ "nano.pcap", true, 0, "nanoseconds (9)" },
		{ "micro-swapped.pcap", false, PCAPNG_W_SWAP, "microseconds (6)" },
		{ "nano-swapped.pcap", true, PCAPNG_W_SWAP | PCAPNG_W_BLOCK_FLUSH, "nanoseconds (9)" },
	};

	for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		char path[512], *out, *lines[64], *f[4], exp[64];
		struct pcap_writer *w = NULL;
		uint8_t pkt[200];
		int fd, nl, i = 0;

		path_of(path, sizeof(path), v[k].name);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (!ASSERT_GE(fd, 0, "open") ||
		    !ASSERT_OK(pcap_writer_open(&w, fd, NR_LINKTYPE, 262164, v[k].nsec,
						v[k].flags | PCAPNG_W_CLOSE_FD), "pcap open"))
			continue;
		for (size_t r = 0; r < NREFS; r++) {
			if (refs[r].kind != R_PKT)
				continue;
			size_t len = make_packet(&refs[r], pkt);

			ASSERT_OK(pcap_write_packet(w, refs[r].ts_ns, pkt, (uint32_t)len, (uint32_t)len),
				  "pcap packet");
		}
		ASSERT_OK(pcap_writer_close(w), "pcap close");

		out = run("tshark -r '%s' -T fields -e frame.time_epoch -e frame.len", path);
		if (!ASSERT_OK_PTR(out, "tshark pcap"))
			continue;
		nl = split(out, '\n', lines, 64);
		ASSERT_EQ(nl, NPKTS, "tshark pcap count");
		for (size_t r = 0; r < NREFS && i < nl; r++) {
			uint64_t ts = refs[r].ts_ns;

			if (refs[r].kind != R_PKT)
				continue;
			if (!v[k].nsec)
				ts -= ts % 1000; /* microsecond file: truncated */
			split(lines[i++], '\t', f, 4);
			fmt_ts(exp, sizeof(exp), ts);
			ASSERT_STREQ(f[0], exp, "pcap timestamp");
		}
		free(out);
		check_capinfos(path, NPKTS, v[k].prec);
		if (have_tcpdump) {
			out = run("tcpdump -r '%s' -nn -tt %s", path,
				  v[k].nsec ? "--time-stamp-precision=nano" : "");
			if (ASSERT_OK_PTR(out, "tcpdump pcap")) {
				nl = split(out, '\n', lines, 64);
				ASSERT_EQ(nl, NPKTS, "tcpdump pcap count");
				/* first packet: 1700000000.123456789 */
				ASSERT_TRUE(nl > 0 && !strncmp(lines[0], v[k].nsec ? "1700000000.123456789 " :
							       "1700000000.123456 ", v[k].nsec ? 21 : 18),
					    "tcpdump pcap timestamp");
			}
			free(out);
		}
	}
}

static void cleanup_dir(void)
{
	char cmd[600];

	if (getenv("NETREC_KEEP_TMP")) {
		fprintf(stderr, "files kept in %s\n", dir);
		return;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int main(void)
{
	if (!have("tshark")) {
		fprintf(stderr, "SKIP: tshark not found (install tshark to compare with Wireshark)\n");
		return 77;
	}
	have_tcpdump = have("tcpdump");
	have_capinfos = have("capinfos");
	if (!have_tcpdump)
		fprintf(stderr, "note: tcpdump not found, its checks are skipped\n");
	if (!have_capinfos)
		fprintf(stderr, "note: capinfos not found, its checks are skipped\n");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	RUN_TEST(test_pcapng_host);
	RUN_TEST(test_pcapng_swapped);
	RUN_TEST(test_pcapng_zstd);
	RUN_TEST(test_mime_every_option);
	RUN_TEST(test_pipe_to_tshark);
	RUN_TEST(test_killed_writer);
	RUN_TEST(test_zstd_many_flushes);
	RUN_TEST(test_pcap_classic);
	cleanup_dir();
	return test_exit();
}

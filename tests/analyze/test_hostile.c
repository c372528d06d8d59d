/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hostile captures: strings that try to drive the terminal or forge table
 * rows, timestamps at the ends of the int64 range, times the user gives
 * outside it, and drop counters that must be added once. The captures are
 * written here with format/'s writer, so every expected value below is
 * the constant that was written (hand-computed where a sum is needed).
 *
 * Usage (from meson): test_hostile UNUSED [NETANALYZE]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "pcapng.h"
#include "pkt.h"
#include "profile.h"
#include "test.h"

TEST_MAIN_STATE;

#define T0 1700000000000000000LL

/* Strings an attacker controls in a capture. ESC ] 0 ; ... BEL sets the
 * terminal's title, ESC [ 2 J clears the screen, a newline forges a row,
 * U+009B is an 8-bit CSI, U+202E reverses the text after it. */
#define EVIL_COMM  "ev\x1b]0;T\x07il\nforged-row"
#define EVIL_IF    "eth\x1b[2J0"
#define EVIL_HW    "hw\x1b]0;pwned\x07"
#define EVIL_MSG   "msg\x1b[31mred\xc2\x9b" "1m\xe2\x80\xaegnp.exe\x7f"
#define EVIL_HOST  "host\x1b[8m"

/* ---- writing captures ---- */

struct cap {
	struct pcapng_writer *w;
	struct pcapng_opts o;
	int err;
};

static int cap_open(struct cap *c, const char *path)
{
	struct pcapng_writer_opts wo = { .flags = PCAPNG_W_CLOSE_FD };
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	memset(c, 0, sizeof(*c));
	pcapng_opts_init(&c->o);
	if (fd < 0)
		return c->err = -errno;
	c->err = pcapng_writer_open(&c->w, fd, &wo);
	if (c->err)
		close(fd);
	return c->err;
}

static int cap_close(struct cap *c)
{
	int err = c->w ? pcapng_writer_close(c->w) : 0;

	pcapng_opts_free(&c->o);
	return c->err ? c->err : err;
}

static void cap_keep(struct cap *c, int err)
{
	if (!c->err)
		c->err = err;
}

/* A journal entry from FIELD, VALUE pairs (NULL-terminated). */
static void cap_jeb(struct cap *c, ...)
{
	struct nr_jeb_buf b;
	const char *f, *v;
	va_list ap;

	nr_jeb_init(&b);
	va_start(ap, c);
	while ((f = va_arg(ap, const char *))) {
		v = va_arg(ap, const char *);
		nr_jeb_add(&b, f, v, strlen(v));
	}
	va_end(ap);
	cap_keep(c, b.err ? b.err : pcapng_write_jeb(c->w, b.buf, b.len));
	nr_jeb_free(&b);
}

/* One TCP packet (raw IPv4) on interface ifid, owned by pid when pid is
 * not 0, with an opt_comment when comment is not NULL. */
static void cap_tcp(struct cap *c, uint32_t ifid, uint64_t ts, const char *src, int sport,
		    const char *dst, int dport, uint8_t flags, uint32_t seq, uint32_t ack,
		    uint32_t pid, const char *comment)
{
	struct pkt_ep s = pkt_ep(src, (uint16_t)sport), d = pkt_ep(dst, (uint16_t)dport);
	struct pkt_tcp t = { .flags = flags, .seq = seq, .ack = ack, .win = 64240 };
	uint8_t ip[PKT_MAX];
	size_t len;

	if (flags & TH_SYN)
		t.mss = 1460;
	len = pkt_tcp(ip, sizeof(ip), &s, &d, &t);
	pcapng_opts_reset(&c->o);
	if (pid)
		pcapng_opts_add_pid_tid(&c->o, pid, pid);
	if (comment)
		pcapng_opts_add_str(&c->o, PCAPNG_OPT_COMMENT, comment);
	cap_keep(c, pcapng_write_epb(c->w, ifid, ts, ip, (uint32_t)len, (uint32_t)len, &c->o));
}

static void cap_handshake(struct cap *c, uint32_t ifid, uint64_t ts, uint32_t pid,
			  const char *comment)
{
	cap_tcp(c, ifid, ts, "192.0.2.1", 40000, "198.51.100.2", 80, TH_SYN, 100, 0, pid,
		comment);
	cap_tcp(c, ifid, ts + 1000, "198.51.100.2", 80, "192.0.2.1", 40000, TH_SYN | TH_ACK,
		500, 101, 0, NULL);
	cap_tcp(c, ifid, ts + 2000, "192.0.2.1", 40000, "198.51.100.2", 80, TH_ACK, 101, 501,
		pid, comment);
}

/* Every string netanalyze shows from a file, made hostile. */
static int write_hostile(const char *path)
{
	struct cap c;
	uint32_t ifid;
	char ts[32];

	if (cap_open(&c, path))
		return c.err;
	pcapng_opts_add_str(&c.o, PCAPNG_SHB_HARDWARE, EVIL_HW);
	pcapng_opts_add_str(&c.o, PCAPNG_OPT_COMMENT, "cmd\x1b[2J\nline");
	cap_keep(&c, pcapng_write_shb(c.w, &c.o));
	pcapng_opts_reset(&c.o);
	pcapng_opts_add_str(&c.o, PCAPNG_IF_NAME, EVIL_IF);
	pcapng_opts_add_str(&c.o, PCAPNG_IF_DESCRIPTION, "desc\nforged-row");
	pcapng_opts_add_u8(&c.o, PCAPNG_IF_TSRESOL, 9);
	cap_keep(&c, pcapng_write_idb(c.w, LINKTYPE_RAW, 262144, &c.o, &ifid));
	snprintf(ts, sizeof(ts), "%lld", T0);
	cap_jeb(&c, NR_J_RECORD, "process", NR_J_TS_NS, ts, "_PID", "4242", "_COMM", EVIL_COMM,
		"_CMDLINE", "python3 -c \x1b[2J", "_HOSTNAME", EVIL_HOST, "MESSAGE", EVIL_MSG,
		NULL);
	/* a kernel event without addresses: --events shows its message */
	cap_jeb(&c, NR_J_RECORD, "tcp_event", NR_J_EVENT, "sk_error", NR_J_TS_NS, ts,
		"_PID", "4242", "_COMM", EVIL_COMM, "MESSAGE", EVIL_MSG, NULL);
	cap_handshake(&c, ifid, (uint64_t)T0 + 1000000, 4242,
		      EVIL_COMM "[4242/4242] uid=0 gid=0 (socket)");
	return cap_close(&c);
}

/* ---- running netanalyze ---- */

/* Nothing a terminal acts on: no C0 control but the newline, no DEL, no
 * C1 control (U+0080..U+009F), no bidirectional override. */
static bool terminal_safe(const char *s, const char **bad)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		if ((*p < 0x20 && *p != '\n') || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) ||
		    (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae)) {
			*bad = (const char *)p;
			return false;
		}
	}
	return true;
}

static bool has_line_starting(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *p = s; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "")
		if (!strncmp(p, prefix, n))
			return true;
	return false;
}

static void check_table(const char *what, const char *out, const char *must_show)
{
	const char *bad = NULL;

	if (!ASSERT_TRUE(terminal_safe(out, &bad), "table output holds no terminal control"))
		fprintf(stderr, "  %s: at byte %td: 0x%02x\n", what, bad - out,
			(unsigned char)*bad);
	if (!ASSERT_FALSE(has_line_starting(out, "forged-row"), "no forged row"))
		fprintf(stderr, "  %s\n", what);
	if (must_show && !ASSERT_TRUE(out && strstr(out, must_show), "the escape is visible"))
		fprintf(stderr, "  %s: wanted %s in:\n%s", what, must_show, out ? out : "");
}

static void test_table_escapes(void)
{
	const char *cap = h_path("hostile.pcapng"), *db = h_path("hostile.db");
	static const struct { const char *arg, *sql, *show; } views[] = {
		{ "--processes", NULL, "ev\\x1b]0;T\\x07il\\nforged-row[4242]" },
		{ "--handshakes", NULL, "ev\\x1b]0;T\\x07il\\nforged-row[4242]" },
		{ "--events", NULL, "msg\\x1b[31mred\\u009b1m\\u202egnp.exe\\x7f" },
		{ "--summary", NULL, "host\\x1b[8m" },
		{ "--sql", "SELECT name, description FROM interfaces", "eth\\x1b[2J0" },
		{ "--sql", "SELECT comm, cmdline FROM processes", "python3 -c \\x1b[2J" },
		{ "--sql", "SELECT hardware, comment FROM files", "cmd\\x1b[2J\\nline" },
		{ "--sql", "SELECT message AS \"m\x1b[1m\" FROM events", "m\\x1b[1m" },
	};
	char *out = NULL, *err = NULL;

	ASSERT_EQ(write_hostile(cap), 0, "write the capture");
	ASSERT_EQ(h_netanalyze(&out, &err, "--db", db, cap, "--summary", "--format", "csv", NULL), 0, "load");
	free(out);
	free(err);
	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		out = err = NULL;
		if (views[i].sql)
			h_netanalyze(&out, &err, "--db", db, views[i].arg, views[i].sql, "--format", "table", NULL);
		else
			h_netanalyze(&out, &err, "--db", db, views[i].arg, "--format", "table", NULL);
		check_table(views[i].sql ? views[i].sql : views[i].arg, out, views[i].show);
		free(out);
		free(err);
	}
}

static void test_csv_json_exact(void)
{
	const char *db = h_path("hostile.db");
	char *out = NULL, *err = NULL;

	/* CSV: the bytes as they are, inside quotes */
	ASSERT_EQ(h_netanalyze(&out, &err, "--db", db, "--sql", "SELECT hardware FROM files", "--format", "csv",
		     NULL), 0, "csv");
	ASSERT_STREQ(out, "hardware\n\"" EVIL_HW "\"\n", "a field with control characters is quoted");
	free(out);
	free(err);
	out = err = NULL;
	ASSERT_EQ(h_netanalyze(&out, &err, "--db", db, "--sql", "SELECT comm FROM processes WHERE source = "
		     "'journal'", "--format", "csv", NULL), 0, "csv");
	ASSERT_STREQ(out, "comm\n\"" EVIL_COMM "\"\n", "a newline stays inside its quoted field");
	free(out);
	free(err);
	/* JSON: escaped, so that the value reads back exactly */
	out = err = NULL;
	ASSERT_EQ(h_netanalyze(&out, &err, "--db", db, "--sql", "SELECT message FROM events WHERE record = "
		     "'tcp_event'", "--format", "jsonl", NULL), 0, "jsonl");
	ASSERT_STREQ(out, "{\"message\":\"msg\\u001b[31mred\\u009b1m\\u202egnp.exe\\u007f\"}\n",
		     "json escapes C0, DEL, C1 and the bidirectional override");
	free(out);
	free(err);
}

/* A file whose name carries an escape sequence, damaged: the message on
 * stderr names it without passing the sequence through. */
static void test_stderr_escapes(void)
{
	const char *cap = h_path("hostile.pcapng"), *cut = h_path("cut\x1b[2J.pcapng");
	char cmd[1024], *out = NULL, *err = NULL;
	const char *bad = NULL;

	snprintf(cmd, sizeof(cmd), "head -c 300 '%s' > '%s'", cap, cut);
	ASSERT_EQ(system(cmd), 0, "cut the capture");
	ASSERT_EQ(h_netanalyze(&out, &err, cut, "--summary", "--format", "csv", NULL), 1,
		  "a damaged file exits 1");
	ASSERT_TRUE(err && strstr(err, "cut\\x1b[2J.pcapng"), "stderr names the file, escaped");
	if (!ASSERT_TRUE(err && terminal_safe(err, &bad), "stderr holds no terminal control"))
		fprintf(stderr, "  stderr: %s", err ? err : "");
	free(out);
	free(err);
}

/* ---- time at the ends of int64 ---- */

static int write_extreme_times(const char *path)
{
	struct cap c;
	uint32_t if_min, if_max;

	if (cap_open(&c, path))
		return c.err;
	cap_keep(&c, pcapng_write_shb(c.w, NULL));
	pcapng_opts_add_u8(&c.o, PCAPNG_IF_TSRESOL, 9);
	pcapng_opts_add_i64(&c.o, PCAPNG_IF_TSOFFSET, INT64_MIN);
	cap_keep(&c, pcapng_write_idb(c.w, LINKTYPE_RAW, 262144, &c.o, &if_min));
	pcapng_opts_reset(&c.o);
	pcapng_opts_add_u8(&c.o, PCAPNG_IF_TSRESOL, 9);
	pcapng_opts_add_i64(&c.o, PCAPNG_IF_TSOFFSET, INT64_MAX);
	cap_keep(&c, pcapng_write_idb(c.w, LINKTYPE_RAW, 262144, &c.o, &if_max));
	/* one handshake at each end of time, and one packet of the first
	 * connection at the other end */
	cap_handshake(&c, if_min, 0, 0, NULL);
	cap_handshake(&c, if_max, 5000, 0, NULL);
	cap_tcp(&c, if_max, 9000, "192.0.2.1", 40000, "198.51.100.2", 80, TH_ACK | TH_FIN, 101,
		501, 0, NULL);
	return cap_close(&c);
}

static void test_extreme_times(void)
{
	const char *cap = h_path("extreme.pcapng"), *db = h_path("extreme.db");
	static const char *const reports[] = {
		"--summary", "--handshakes", "--connections", "--events", "--retransmissions",
		"--icmp", "--processes",
	};
	char *out = NULL, *err = NULL;

	ASSERT_EQ(write_extreme_times(cap), 0, "write the capture");
	ASSERT_EQ(h_netanalyze(&out, &err, "--db", db, cap, "--summary", "--format", "csv", NULL), 0, "load");
	free(out);
	free(err);
	/* every report in every format, through the time formatting: a
	 * signed overflow stops the sanitizer build with an error */
	for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
		for (int f = 0; f < 2; f++) {
			out = err = NULL;
			if (!ASSERT_EQ(h_netanalyze(&out, &err, "--db", db, reports[i], "--format",
					  f ? "table" : "csv", NULL), 0, "a report at the ends of time"))
				fprintf(stderr, "  %s: %s", reports[i], err ? err : "");
			free(out);
			free(err);
		}
	}
	/* hand-computed: the extreme times are clamped to +-(2^62 - 1) ns
	 * (docs/schema.md), -4611686018.427387903 s and +4611686018.427387903
	 * s from the epoch */
	out = err = NULL;
	ASSERT_EQ(h_netanalyze(&out, &err, "--db", db, "--sql", "SELECT ts(min(ts_ns)) AS lo, ts(max(ts_ns)) AS hi,"
		     " min(ts_ns) AS min_ns, max(ts_ns) AS max_ns FROM packets", "--format", "csv", NULL),
		  0, "query the extremes");
	ASSERT_STREQ(out, "lo,hi,min_ns,max_ns\n"
		     "1823-11-12 00:06:21.572612097,2116-02-20 23:53:38.427387903,"
		     "-4611686018427387903,4611686018427387903\n", "the times printed");
	free(out);
	free(err);
	out = err = NULL;
	ASSERT_EQ(h_netanalyze(&out, &err, "--db", db, "--sql", "SELECT ts(-9223372036854775807 - 1) AS a, "
		     "ts(9223372036854775807) AS b", "--format", "csv", NULL), 0, "ts() of int64 ends");
	ASSERT_STREQ(out, "a,b\n1677-09-21 00:12:43.145224192,2262-04-11 23:47:16.854775807\n",
		     "ts() of the int64 range");
	free(out);
	free(err);
}

static void test_time_filters_range(void)
{
	const char *db = h_path("hostile.db");
	static const char *const bad[][2] = {
		{ "--since", "3000-01-01" }, { "--until", "1000-01-01" },
		{ "--since", "9300000000" }, { "--until", "-9300000000" },
		{ "--since", "99999999999.5" }, { "--since", "99999999999999999999" },
	};
	char *out = NULL, *err = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = err = NULL;
		if (!ASSERT_EQ(h_netanalyze(&out, &err, "--db", db, "--handshakes", bad[i][0], bad[i][1],
				  "--format", "csv", NULL), 2, "an out-of-range time is a usage error"))
			fprintf(stderr, "  %s %s: %s", bad[i][0], bad[i][1], out ? out : "");
		ASSERT_TRUE(err && strstr(err, "out of range"), "the message says out of range");
		free(out);
		free(err);
	}
	/* in range, the filters still select: the one handshake is at T0 +
	 * 1 ms (2023-11-14T22:13:20.001Z) */
	static const struct { const char *flag, *t; int rows; } good[] = {
		{ "--since", "2262-04-11", 0 }, { "--until", "1677-09-22", 0 },
		{ "--since", "2023-11-14T22:13:20Z", 1 }, { "--until", "2023-11-14T22:13:20Z", 0 },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct jrow *rows = NULL;
		int n;

		out = err = NULL;
		ASSERT_EQ(h_netanalyze(&out, &err, "--db", db, "--handshakes", good[i].flag, good[i].t,
			     "--format", "jsonl", NULL), 0, "an in-range time");
		n = json_rows(out ? out : "", &rows);
		if (!ASSERT_EQ(n, good[i].rows, "rows within the filter"))
			fprintf(stderr, "  %s %s\n", good[i].flag, good[i].t);
		json_rows_free(rows, n);
		free(out);
		free(err);
	}
}

/* ---- drops ---- */

/* A netrec-like file: two interfaces whose ISBs say 5 and 7 records could
 * not be queued (and 2 lost later on the second), and the statistics block
 * whose totals already hold them: ring_drops 12 = 5 + 7, other_drops 2.
 * The file lost 14 records. A plain file: ISB drops 3 + 1 = 4. */
static int write_drops(const char *path, bool netrec)
{
	struct cap c;
	uint32_t if0, if1;

	if (cap_open(&c, path))
		return c.err;
	cap_keep(&c, pcapng_write_shb(c.w, NULL));
	pcapng_opts_add_u8(&c.o, PCAPNG_IF_TSRESOL, 9);
	cap_keep(&c, pcapng_write_idb(c.w, LINKTYPE_RAW, 262144, &c.o, &if0));
	cap_keep(&c, pcapng_write_idb(c.w, LINKTYPE_RAW, 262144, &c.o, &if1));
	cap_handshake(&c, if0, (uint64_t)T0 + (netrec ? 0 : 5000000), 0, NULL);
	for (int i = 0; i < (netrec ? 2 : 1); i++) {
		pcapng_opts_reset(&c.o);
		pcapng_opts_add_u64(&c.o, PCAPNG_ISB_IFDROP, netrec ? (i ? 7 : 5) : 3);
		pcapng_opts_add_u64(&c.o, PCAPNG_ISB_OSDROP, netrec ? (i ? 2 : 0) : 1);
		cap_keep(&c, pcapng_write_isb(c.w, i ? if1 : if0, (uint64_t)T0 + 9000000, &c.o));
	}
	if (netrec) {
		struct nr_cb_stats s = { .type = NR_CB_STATS, .version = 1, .packets_written = 3,
					 .ring_drops = 12, .other_drops = 2 };
		uint8_t b[NR_CB_STATS_SIZE];

		nr_stats_encode(&s, b);
		cap_keep(&c, pcapng_write_custom(c.w, true, NR_PEN, b, sizeof(b), NULL));
	}
	return cap_close(&c);
}

static const char *kv(const struct jrow *rows, int n, const char *key)
{
	static char buf[64];

	for (int i = 0; i < n; i++) {
		const char *k = jstr(&rows[i], "key");
		const struct jv *v = jget(&rows[i], "value");

		if (k && !strcmp(k, key)) {
			if (v->t == JV_INT)
				snprintf(buf, sizeof(buf), "%lld", v->i);
			else
				snprintf(buf, sizeof(buf), "%s", v->t == JV_STR ? v->s : "?");
			return buf;
		}
	}
	return NULL;
}

static void test_summary_drops(void)
{
	const char *nr = h_path("drops-netrec.pcapng"), *plain = h_path("drops-plain.pcapng");
	struct jrow *rows = NULL;
	char *out = NULL, *err = NULL;
	int n;

	ASSERT_EQ(write_drops(nr, true), 0, "write the netrec-like file");
	ASSERT_EQ(write_drops(plain, false), 0, "write the plain file");
	ASSERT_EQ(h_netanalyze(&out, &err, nr, plain, "--summary", "--format", "jsonl", NULL), 0, "summary");
	n = json_rows(out ? out : "", &rows);
	ASSERT_STREQ(kv(rows, n, "drops"), "18", "drops: 14 (netrec totals) + 4 (plain ISBs)");
	ASSERT_STREQ(kv(rows, n, "file.1.drops"), "14", "the netrec file's drops, counted once");
	ASSERT_STREQ(kv(rows, n, "file.2.drops"), "4", "the plain file's drops, from its ISBs");
	json_rows_free(rows, n);
	free(out);
	free(err);
}

/* ---- memory bounded by the reader ---- */

/* 3000 interfaces, each with four 64 KiB text options, zstd-compressed (a
 * few hundred KB): 750 MiB of text if it were all kept. */
static int write_iface_bomb(const char *path)
{
	struct pcapng_writer_opts wo = { .flags = PCAPNG_W_CLOSE_FD, .zstd_level = 3 };
	static char s[65533];
	struct cap c;
	uint32_t id = 0;
	int fd;

	memset(&c, 0, sizeof(c));
	pcapng_opts_init(&c.o);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	c.err = pcapng_writer_open(&c.w, fd, &wo);
	if (c.err) {
		close(fd);
		return c.err;
	}
	memset(s, 'A', sizeof(s) - 1);
	cap_keep(&c, pcapng_write_shb(c.w, NULL));
	for (int i = 0; !c.err && i < 3000; i++) {
		pcapng_opts_reset(&c.o);
		s[0] = (char)('a' + i % 26);
		pcapng_opts_add_str(&c.o, PCAPNG_IF_NAME, s);
		pcapng_opts_add_str(&c.o, PCAPNG_IF_DESCRIPTION, s);
		pcapng_opts_add_str(&c.o, PCAPNG_IF_OS, s);
		pcapng_opts_add_str(&c.o, PCAPNG_IF_HARDWARE, s);
		cap_keep(&c, pcapng_write_idb(c.w, LINKTYPE_RAW, 262144, &c.o, &id));
	}
	cap_handshake(&c, id, (uint64_t)T0, 0, NULL);
	return cap_close(&c);
}

/* Runs argv with stdout to out_path; exit status and peak RSS (KiB). */
static int run_rss(const char *const *argv, const char *out_path, long *rss_kb)
{
	struct rusage ru;
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(fd, 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	*rss_kb = ru.ru_maxrss;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_bounded_interfaces(void)
{
	const char *cap = h_path("ifbomb.pcapng.zst"), *db = h_path("ifbomb.db");
	const char *out = h_path("ifbomb.csv");
	struct stat st;
	long rss = 0;
	char *text;
	FILE *fp;

	ASSERT_EQ(write_iface_bomb(cap), 0, "write the capture");
	ASSERT_EQ(stat(cap, &st), 0, "stat");
	ASSERT_LT(st.st_size, 2 << 20, "a small file");
	const char *argv[] = { h_env.netanalyze, "--db", db, cap, "--summary", "--format", "csv",
			       NULL };

	ASSERT_EQ(run_rss(argv, out, &rss), 0, "netanalyze loads it");
	/* the text that is kept: 1 MiB; the rest of the process (SQLite's
	 * 64 MiB cache at most, sanitizers) stays well under 400 MiB */
	if (!ASSERT_LT(rss, 400 * 1024, "peak RSS bounded"))
		fprintf(stderr, "  peak RSS %ld KiB\n", rss);
	ASSERT_EQ(stat(db, &st), 0, "stat the database");
	ASSERT_LT(st.st_size, 32 << 20, "database size bounded");
	fp = fopen(out, "r");
	text = fp ? calloc(1, 1 << 20) : NULL;
	if (text) {
		if (fread(text, 1, (1 << 20) - 1, fp) == 0)
			text[0] = 0;
		/* hand-computed from pcapng.h's limits: all 12000 options are
		 * longer than 4096 bytes; 1 MiB / 4096 = 256 are kept */
		ASSERT_TRUE(strstr(text, "\nfile.1.interfaces,3000\n") != NULL,
			    "every interface counted");
		if (!ASSERT_TRUE(strstr(text, "\nproblem.1.1,\"interface text options cut: 12000 kept "
				       "only their first 4096 bytes, 11744 not kept") != NULL,
				 "--summary says what was cut"))
			fprintf(stderr, "%s", text);
	}
	if (fp)
		fclose(fp);
	free(text);
}

int main(int argc, char **argv)
{
	int rc = h_setup(argc, argv, false);

	if (rc)
		return rc;
	RUN_TEST(test_table_escapes);
	RUN_TEST(test_csv_json_exact);
	RUN_TEST(test_stderr_escapes);
	RUN_TEST(test_extreme_times);
	RUN_TEST(test_time_filters_range);
	RUN_TEST(test_summary_drops);
	RUN_TEST(test_bounded_interfaces);
	h_teardown(test_state.failed_subtests != 0);
	return test_exit();
}

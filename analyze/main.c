/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netanalyze: loads captures (netrec's pcapng, any pcapng or pcap) into an
 * SQLite database, restores time order, reconstructs connections and
 * handshakes, and prints reports or answers SQL. This file is the command
 * line only: options, messages, progress, exit status. The work is in
 * ingest.c (loading) and report.c.
 *
 * Exit status: 0 success; 1 runtime failure or a damaged input (whatever
 * was readable is loaded and reported); 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze.h"
#include "community_id.h"
#include "profile.h"
#include "version.h"

#define MAX_ACTIONS 32

enum action_kind {
	ACT_REPORT,
	ACT_SQL,
	ACT_SQL_FILE,
	ACT_HTML,
};

struct action {
	enum action_kind kind;
	enum report report;
	const char *arg;
};

static bool quiet;
static int verbose;

static void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Messages name files and quote SQL and capture contents: escaped
 * (output_escape) so that they cannot drive the terminal. */
static void pr_warn(const char *fmt, ...)
{
	char buf[2048], *esc;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	esc = output_escape(buf);
	fprintf(stderr, "netanalyze: %s\n", esc ? esc : "(out of memory)");
	free(esc);
}

static void usage(FILE *o)
{
	fprintf(o,
"Usage: netanalyze [OPTIONS] [FILE...]\n"
"Load captures (pcapng from netrec, tcpdump, dumpcap, Wireshark; pcap; zstd/gzip)\n"
"into SQLite and report TCP handshakes, connections, kernel events and more.\n"
"FILE '-' is a capture on standard input. Standard input is read as SQL only\n"
"with --sql - (or --sql-file -), or when no FILE is given (--db PATH only).\n"
"\n"
"Database:\n"
"      --db PATH            keep the database in PATH (reused; files already in it are\n"
"                           not loaded twice); without it a temporary database is used\n"
"      --schema             print the database schema (see docs/schema.md)\n"
"      --host-name NAME     the host the files given were recorded on, when they name\n"
"                           none or another (netrec records it); with --export, the\n"
"                           host of every row\n"
"      --community-id-seed N  seed (0-65535, default 0) of the Community ID of every\n"
"                           connection and handshake; kept in the database\n"
"Reports (any number, printed in the order given; default --summary):\n"
"      --handshakes         every TCP connection attempt: times, outcome, RTTs, options\n"
"      --connections        Zeek-like connection log (conn_state, history)\n"
"      --events             kernel TCP events (state changes, retransmits, resets)\n"
"      --event-type LIST    with --events: only these events, comma-separated: state,\n"
"                           retransmit, retransmit_synack, reset_sent, reset_recv,\n"
"                           sk_error, zero_window_adv, window_open_adv,\n"
"                           zero_window_recv, window_open_recv, destroy, connect,\n"
"                           accept, close\n"
"      --lifecycle          connection lifecycle: connect (with its error when it\n"
"                           failed), accept and close, each with pid, tid, uid, gid\n"
"                           and both ends (Inspektor Gadget's trace tcp)\n"
"      --connect-only       with --lifecycle: only connects\n"
"      --accept-only        with --lifecycle: only accepts\n"
"      --failure-only       with --lifecycle: only failed connects\n"
"      --retransmissions    retransmitted segments, Wireshark's classes\n"
"      --icmp               ICMP echo pairs with RTT, errors with the quoted connection\n"
"      --processes          who talked to whom, how much\n"
"      --packets            one line per packet in time order (tcpdump-like): time,\n"
"                           CPU, process, direction, local and remote address:port,\n"
"                           flags, bytes, retransmission class, zero window, ...;\n"
"                           lines unless --format csv/json/jsonl is given\n"
"  -e, --details            with --packets: interface, link type, VLAN, lengths and\n"
"                           the IP header's TTL, identification and length\n"
"      --joined             connections recorded at both ends (several hosts' files):\n"
"                           each once, both processes, one-way delays, clock offset\n"
"      --summary            files, counts, time span, drops, reorder figures (with\n"
"                           the per-file figures, as file.ID.COLUMN rows in csv/json)\n"
"      --report NAME        the report NAME (handshakes, connections, events, ...),\n"
"                           or html: the HTML report on standard output\n"
"      --html FILE          write a self-contained HTML page: connections by process\n"
"                           on a timeline with their kernel events, handshake RTTs\n"
"                           per server, and with --conn a time-sequence graph\n"
"      --conn ID            with --html: graph connection ID (conn_id of --connections)\n"
"      --sql SQL            run SQL on a read-only connection ('-': read standard input);\n"
"                           it may only read (SELECT, WITH, VALUES, EXPLAIN, PRAGMAs\n"
"                           such as table_info): anything else is refused\n"
"      --sql-file FILE      run the SQL in FILE ('-': standard input)\n"
"      --sql-timeout SECS   stop a statement of --sql that runs longer (default: none)\n"
"Fleet (docs/fleet.md):\n"
"      --export clickhouse DIR  write the captures, connections, handshakes, events and\n"
"                           processes tables to DIR/TABLE.jsonl for clickhouse-client\n"
"                           (INSERT INTO netrec.TABLE FORMAT JSONEachRow), each row\n"
"                           keyed by host and capture (the file's content hash)\n"
"      --export-packets     the packets table too\n"
"      --clickhouse-schema[=CLUSTER]  print the ClickHouse tables for those files\n"
"                           (distributed over CLUSTER, default 'netrec')\n"
"Output:\n"
"      --format FMT         table (default on a terminal), csv (default otherwise),\n"
"                           json or jsonl; table shows a summary of each report's\n"
"                           columns for reading (UTC times, durations like 1.52ms),\n"
"                           csv/json/jsonl carry every column, in ns (docs/schema.md)\n"
"      --csv-null TEXT      csv: write NULL as TEXT, e.g. '\\N' for ClickHouse or\n"
"                           PostgreSQL (default: an empty field, which cannot be told\n"
"                           from an empty string)\n"
"Filters (every report):\n"
"      --pid PID  --comm NAME  --host ADDR  --port PORT\n"
"      --since T  --until T   T: ns since the epoch, seconds.fraction, or\n"
"                           ISO 8601 UTC (2026-11-22T18:00:00.5Z)\n"
"                           --summary counts packets, events, connections,\n"
"                           handshakes within them; file figures stay whole\n"
"Other:\n"
"  -q, --quiet              no progress or notes on stderr\n"
"  -v, --verbose            more notes on stderr\n"
"  -h, --help               this help\n"
"  -V, --version            version\n"
"\n"
"Examples:\n"
"  netanalyze trace.pcapng --handshakes\n"
"  netanalyze --db t.db a.pcapng b.pcap.zst --summary\n"
"  netanalyze --db t.db --handshakes --format jsonl --port 443\n"
"  netanalyze --db t.db --sql \"SELECT outcome, count(*) FROM handshakes GROUP BY 1\"\n"
"  echo 'SELECT * FROM v_connections' | netanalyze --db t.db\n"
"  netanalyze --db host.db trace.pcapng --export clickhouse out/\n"
"  netanalyze trace.pcapng --html report.html --conn 3\n"
"  netanalyze trace.pcapng --packets --port 443 -e\n"
"  netanalyze trace.pcapng --events --event-type retransmit,state\n"
"  netanalyze trace.pcapng --lifecycle --failure-only\n"
"\n"
"Exit status: 0 ok, 1 runtime failure or damaged input, 2 usage error.\n");
}

/* ns since the epoch; "123", "1700000000.25", or ISO 8601 UTC. -ERANGE
 * for a time outside what int64 nanoseconds hold (1677 to 2262). */
static int parse_time(const char *s, int64_t *out)
{
	char *end;
	struct tm tm;
	const char *p;

	if (!*s)
		return -EINVAL;
	if (strspn(s + (*s == '-'), "0123456789") == strlen(s + (*s == '-'))) {
		errno = 0;
		long long v = strtoll(s, &end, 10);

		if (errno == ERANGE)
			return -ERANGE;
		if (errno || *end)
			return -EINVAL;
		/* fewer than 12 digits cannot be ns of this century: seconds */
		if (v > -100000000000LL && v < 100000000000LL &&
		    __builtin_mul_overflow(v, 1000000000LL, &v))
			return -ERANGE;
		*out = v;
		return 0;
	}
	if (strspn(s, "0123456789.") == strlen(s)) {
		const char *dot = strchr(s, '.');
		int64_t sec, frac = 0;
		int digits = 0;

		if (!dot || strchr(dot + 1, '.'))
			return -EINVAL;
		errno = 0;
		sec = strtoll(s, NULL, 10);
		if (errno)
			return -ERANGE;
		for (p = dot + 1; *p && digits < 9; p++, digits++)
			frac = frac * 10 + (*p - '0');
		for (; digits < 9; digits++)
			frac *= 10;
		if (__builtin_mul_overflow(sec, 1000000000LL, &sec) ||
		    __builtin_add_overflow(sec, frac, out))
			return -ERANGE;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		p = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (!p) {
		memset(&tm, 0, sizeof(tm));
		p = strptime(s, "%Y-%m-%d", &tm);
	}
	if (!p)
		return -EINVAL;
	int64_t frac = 0;

	if (*p == '.') {
		int digits = 0;

		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (digits < 9) {
				frac = frac * 10 + (*p - '0');
				digits++;
			}
		}
		for (; digits < 9; digits++)
			frac *= 10;
	}
	if (*p == 'Z')
		p++;
	if (*p)
		return -EINVAL;
	int64_t sec = (int64_t)timegm(&tm);

	if (__builtin_mul_overflow(sec, 1000000000LL, &sec) ||
	    __builtin_add_overflow(sec, frac, out))
		return -ERANGE;
	return 0;
}

static char *read_all(FILE *f)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	if (!buf)
		return NULL;
	for (;;) {
		size_t n = fread(buf + len, 1, cap - len - 1, f);

		len += n;
		if (n == 0)
			break;
		if (cap - len - 1 == 0) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[len] = 0;
	return buf;
}

static double mono_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char tmp_path[4096];
/* the database being built (beside a kept one), removed on a signal */
static char building[4096];

static void on_signal(int sig)
{
	if (tmp_path[0])
		unlink(tmp_path);
	if (building[0])
		unlink(building);
	signal(sig, SIG_DFL);
	raise(sig);
}

static struct timespec last_progress;
static bool progress_shown;
static double progress_t0;
static uint64_t progress_last_done;

/* Bytes as people read them: 512 B, 3.4 MB, 1.52 GB. */
static void fmt_bytes(uint64_t n, char *out, size_t len)
{
	static const char *const unit[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)n;
	int u = 0;

	while (u < 4 && v >= 999.5) {
		v /= 1000.0;
		u++;
	}
	snprintf(out, len, u == 0 ? "%.0f %s" : v < 9.995 ? "%.2f %s" : v < 99.95 ? "%.1f %s" :
		 "%.0f %s", v, unit[u]);
}

/* Percent of the input's bytes read (of the compressed bytes, for
 * compressed files) and the time left at the rate so far; a load that
 * starts again (a file out of order) starts its count again. */
static void progress(void *ctx, uint64_t done, uint64_t total)
{
	struct timespec now;
	double t, rate;
	char a[32], b[32], eta[48] = "";

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &now);
	t = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
	if (!progress_t0 || done < progress_last_done)
		progress_t0 = t;
	progress_last_done = done;
	if (now.tv_sec == last_progress.tv_sec &&
	    now.tv_nsec - last_progress.tv_nsec < 250000000)
		return;
	last_progress = now;
	fmt_bytes(done, a, sizeof(a));
	if (!total) {
		fprintf(stderr, "\r\033[Knetanalyze: loading: %s", a);
		progress_shown = true;
		return;
	}
	fmt_bytes(total, b, sizeof(b));
	rate = t > progress_t0 ? (double)done / (t - progress_t0) : 0;
	if (rate > 0 && done < total && t - progress_t0 >= 1) {
		double left = (double)(total - done) / rate;

		if (left < 90)
			snprintf(eta, sizeof(eta), ", %.0f s left", left + 0.5);
		else
			snprintf(eta, sizeof(eta), ", %.0f min left", left / 60 + 0.5);
	}
	fprintf(stderr, "\r\033[Knetanalyze: loading: %3.0f%% (%s of %s)%s",
		100.0 * (double)(done < total ? done : total) / (double)total, a, b, eta);
	progress_shown = true;
}

static void progress_clear(void)
{
	if (progress_shown)
		fprintf(stderr, "\r\033[K");
	progress_shown = false;
}

enum {
	OPT_DB = 256, OPT_SCHEMA, OPT_HANDSHAKES, OPT_CONNECTIONS, OPT_EVENTS, OPT_RETRANS,
	OPT_ICMP, OPT_PROCESSES, OPT_SUMMARY, OPT_SQL, OPT_SQL_FILE, OPT_FORMAT, OPT_PID,
	OPT_COMM, OPT_HOST, OPT_PORT, OPT_SINCE, OPT_UNTIL, OPT_REPORT, OPT_HTML, OPT_CONN,
	OPT_SQL_TIMEOUT,
	OPT_CID_SEED, OPT_CSV_NULL, OPT_JOINED, OPT_HOST_NAME, OPT_EXPORT, OPT_EXPORT_PACKETS,
	OPT_CH_SCHEMA, OPT_PACKETS, OPT_EVENT_TYPE, OPT_LIFECYCLE, OPT_CONNECT_ONLY,
	OPT_ACCEPT_ONLY, OPT_FAILURE_ONLY,
};

/* --event-type: every name must be an event of docs/format.md §5.2
 * (format/profile.h); the list is kept as given, without spaces. */
static int parse_event_types(const char *arg, struct filters *f)
{
	size_t n = strlen(arg);
	const char *p = arg;

	if (!n)
		return -EINVAL;
	for (;;) {
		size_t len = strcspn(p, ",");

		if (!nr_event_from_name(p, len)) {
			char names[512];
			size_t k = 0;

			for (unsigned ev = 1; ev < NR_EVENT_MAX && k < sizeof(names); ev++)
				k += (size_t)snprintf(names + k, sizeof(names) - k, "%s%s",
						      ev == 1 ? "" : ev + 1 < NR_EVENT_MAX ? ", " : " or ",
						      nr_event_name(ev));
			pr_warn("--event-type: unknown event '%.*s' (use %s)", (int)len, p, names);
			return -EINVAL;
		}
		if (!p[len])
			break;
		p += len + 1;
	}
	f->event_types = arg;
	return 0;
}

static const struct option long_opts[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "schema", no_argument, NULL, OPT_SCHEMA },
	{ "handshakes", no_argument, NULL, OPT_HANDSHAKES },
	{ "connections", no_argument, NULL, OPT_CONNECTIONS },
	{ "events", no_argument, NULL, OPT_EVENTS },
	{ "event-type", required_argument, NULL, OPT_EVENT_TYPE },
	{ "lifecycle", no_argument, NULL, OPT_LIFECYCLE },
	{ "connect-only", no_argument, NULL, OPT_CONNECT_ONLY },
	{ "accept-only", no_argument, NULL, OPT_ACCEPT_ONLY },
	{ "failure-only", no_argument, NULL, OPT_FAILURE_ONLY },
	{ "retransmissions", no_argument, NULL, OPT_RETRANS },
	{ "icmp", no_argument, NULL, OPT_ICMP },
	{ "processes", no_argument, NULL, OPT_PROCESSES },
	{ "packets", no_argument, NULL, OPT_PACKETS },
	{ "details", no_argument, NULL, 'e' },
	{ "joined", no_argument, NULL, OPT_JOINED },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "sql", required_argument, NULL, OPT_SQL },
	{ "sql-file", required_argument, NULL, OPT_SQL_FILE },
	{ "sql-timeout", required_argument, NULL, OPT_SQL_TIMEOUT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "conn", required_argument, NULL, OPT_CONN },
	{ "community-id-seed", required_argument, NULL, OPT_CID_SEED },
	{ "csv-null", required_argument, NULL, OPT_CSV_NULL },
	{ "host-name", required_argument, NULL, OPT_HOST_NAME },
	{ "export", required_argument, NULL, OPT_EXPORT },
	{ "export-packets", no_argument, NULL, OPT_EXPORT_PACKETS },
	{ "clickhouse-schema", optional_argument, NULL, OPT_CH_SCHEMA },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int run_sql_text(struct query *q, const char *sql, const struct out_opts *oo,
			struct an_err *e)
{
	int err = query_sql(q, sql, oo, e);

	if (err)
		pr_warn("%s", e->msg);
	return err;
}

/* A netanalyze database has its meta table; any other SQLite file is only
 * read (the user's SQL may query it), never given our schema. */
static bool has_meta(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	bool yes = false;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
			       -1, &st, NULL) == SQLITE_OK)
		yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

int main(int argc, char **argv)
{
	struct action acts[MAX_ACTIONS];
	int nacts = 0, c, status = 0, err;
	const char *db_path = NULL;
	bool schema = false, format_set = false, stdin_used = false;
	bool seed_set = false;
	struct export_opts xo = { 0 };
	const char *ch_cluster = NULL;
	uint16_t seed = 0;
	struct filters flt = { 0 };
	struct out_opts oo = { 0 }, ro;
	struct query_opts qo = { 0 };
	struct query *q = NULL;
	char host_buf[48];
	struct an_err e = { "" };
	sqlite3 *db = NULL;
	char *endp;
	long v;
	bool has_conn = false;
	int64_t conn_id = 0;
	static const char *const report_names[REP__COUNT] = {
		[REP_HANDSHAKES] = "handshakes", [REP_CONNECTIONS] = "connections",
		[REP_EVENTS] = "events", [REP_RETRANS] = "retransmissions", [REP_ICMP] = "icmp",
		[REP_PROCESSES] = "processes", [REP_JOINED] = "joined", [REP_SUMMARY] = "summary",
		[REP_PACKETS] = "packets", [REP_LIFECYCLE] = "lifecycle",
	};

	/* the load writes from a thread of its own while another connection
	 * may read a kept database: each connection is used by one thread at a
	 * time; no allocation statistics */
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);

	while ((c = getopt_long(argc, argv, "eqvhV", long_opts, NULL)) != -1) {
		enum report rep = REP__COUNT;

		switch (c) {
		case OPT_DB: db_path = optarg; break;
		case OPT_SCHEMA: schema = true; break;
		case OPT_HANDSHAKES: rep = REP_HANDSHAKES; break;
		case OPT_CONNECTIONS: rep = REP_CONNECTIONS; break;
		case OPT_EVENTS: rep = REP_EVENTS; break;
		case OPT_LIFECYCLE: rep = REP_LIFECYCLE; break;
		case OPT_CONNECT_ONLY: flt.connect_only = true; break;
		case OPT_ACCEPT_ONLY: flt.accept_only = true; break;
		case OPT_FAILURE_ONLY: flt.failure_only = true; break;
		case OPT_RETRANS: rep = REP_RETRANS; break;
		case OPT_ICMP: rep = REP_ICMP; break;
		case OPT_PROCESSES: rep = REP_PROCESSES; break;
		case OPT_SUMMARY: rep = REP_SUMMARY; break;
		case OPT_JOINED: rep = REP_JOINED; break;
		case OPT_PACKETS: rep = REP_PACKETS; break;
		case 'e': oo.details = true; break;
		case OPT_REPORT:
		case OPT_HTML:
			if (c == OPT_REPORT && strcmp(optarg, "html")) {
				for (int r = 0; r < REP__COUNT; r++)
					if (!strcmp(optarg, report_names[r]))
						rep = (enum report)r;
				if (rep == REP__COUNT) {
					pr_warn("unknown report '%s' (use handshakes, connections, events, "
						"retransmissions, icmp, processes, joined, lifecycle, summary, packets or html)", optarg);
					return 2;
				}
				break;
			}
			if (nacts == MAX_ACTIONS) {
				pr_warn("too many reports and queries (at most %d)", MAX_ACTIONS);
				return 2;
			}
			acts[nacts++] = (struct action){ ACT_HTML, 0, c == OPT_HTML ? optarg : "-" };
			break;
		case OPT_CONN:
			errno = 0;
			conn_id = strtoll(optarg, &endp, 10);
			if (errno || *endp || !*optarg || conn_id < 1) {
				pr_warn("--conn wants a connection id (conn_id of --connections), not '%s'",
					optarg);
				return 2;
			}
			has_conn = true;
			break;
		case OPT_SQL:
		case OPT_SQL_FILE:
			if (nacts == MAX_ACTIONS) {
				pr_warn("too many reports and queries (at most %d)", MAX_ACTIONS);
				return 2;
			}
			acts[nacts++] = (struct action){ c == OPT_SQL ? ACT_SQL : ACT_SQL_FILE, 0, optarg };
			if (!strcmp(optarg, "-"))
				stdin_used = true;
			break;
		case OPT_SQL_TIMEOUT:
			errno = 0;
			qo.timeout_s = strtod(optarg, &endp);
			if (errno || *endp || endp == optarg || !(qo.timeout_s > 0) ||
			    qo.timeout_s > 1e6) {
				pr_warn("--sql-timeout wants seconds (e.g. 2.5), not '%s'", optarg);
				return 2;
			}
			break;
		case OPT_FORMAT:
			format_set = true;
			if (!strcmp(optarg, "table"))
				oo.format = OUT_TABLE;
			else if (!strcmp(optarg, "csv"))
				oo.format = OUT_CSV;
			else if (!strcmp(optarg, "json"))
				oo.format = OUT_JSON;
			else if (!strcmp(optarg, "jsonl"))
				oo.format = OUT_JSONL;
			else {
				pr_warn("unknown format '%s' (use table, csv, json or jsonl)", optarg);
				return 2;
			}
			break;
		case OPT_PID:
			errno = 0;
			v = strtol(optarg, &endp, 10);
			if (errno || *endp || v < 0) {
				pr_warn("--pid wants a process id, not '%s'", optarg);
				return 2;
			}
			flt.has_pid = true;
			flt.pid = v;
			break;
		case OPT_COMM: flt.comm = optarg; break;
		case OPT_EVENT_TYPE:
			if (parse_event_types(optarg, &flt))
				return 2;
			break;
		case OPT_HOST: {
			uint8_t a[16];
			int ver = addr_parse(optarg, a);

			if (!ver) {
				pr_warn("--host wants an IPv4 or IPv6 address, not '%s'", optarg);
				return 2;
			}
			flt.host = addr_str(a, ver, host_buf);
			break;
		}
		case OPT_PORT:
			errno = 0;
			v = strtol(optarg, &endp, 10);
			if (errno || *endp || v < 0 || v > 65535) {
				pr_warn("--port wants a port number 0-65535, not '%s'", optarg);
				return 2;
			}
			flt.has_port = true;
			flt.port = (int)v;
			break;
		case OPT_SINCE:
		case OPT_UNTIL: {
			int64_t t;
			int perr = parse_time(optarg, &t);

			if (perr == -ERANGE) {
				pr_warn("%s %s: out of range (times are held as ns since the epoch: "
					"1677-09-21T00:12:43Z to 2262-04-11T23:47:16Z)",
					c == OPT_SINCE ? "--since" : "--until", optarg);
				return 2;
			}
			if (perr) {
				pr_warn("%s wants a time (ns since the epoch, seconds.fraction or "
					"ISO 8601 UTC), not '%s'", c == OPT_SINCE ? "--since" : "--until",
					optarg);
				return 2;
			}
			if (c == OPT_SINCE) {
				flt.has_since = true;
				flt.since_ns = t;
			} else {
				flt.has_until = true;
				flt.until_ns = t;
			}
			break;
		}
		case OPT_CSV_NULL: oo.csv_null = optarg; break;
		case OPT_HOST_NAME:
			if (!*optarg) {
				pr_warn("--host-name wants a name");
				return 2;
			}
			xo.host = optarg;
			break;
		case OPT_EXPORT:
			/* --export FORMAT DIR: the directory is the next word */
			if (strcmp(optarg, "clickhouse")) {
				pr_warn("--export knows one format, clickhouse, not '%s'", optarg);
				return 2;
			}
			if (optind >= argc || argv[optind][0] == '-' || !argv[optind][0]) {
				pr_warn("--export clickhouse wants a directory (--export clickhouse DIR)");
				return 2;
			}
			xo.dir = argv[optind++];
			break;
		case OPT_EXPORT_PACKETS: xo.packets = true; break;
		case OPT_CH_SCHEMA: ch_cluster = optarg ? optarg : "netrec"; break;
		case OPT_CID_SEED:
			errno = 0;
			v = strtol(optarg, &endp, 10);
			if (errno || *endp || !*optarg || v < 0 || v > 65535) {
				pr_warn("--community-id-seed wants a number 0-65535, not '%s'", optarg);
				return 2;
			}
			seed_set = true;
			seed = (uint16_t)v;
			break;
		case 'q': quiet = true; break;
		case 'v': verbose++; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("netanalyze %s\n", NETREC_VERSION); return 0;
		default:
			usage(stderr);
			return 2;
		}
		if (rep != REP__COUNT) {
			if (nacts == MAX_ACTIONS) {
				pr_warn("too many reports and queries (at most %d)", MAX_ACTIONS);
				return 2;
			}
			acts[nacts++] = (struct action){ ACT_REPORT, rep, NULL };
		}
	}
	for (int i = optind; i < argc; i++)
		if (!strcmp(argv[i], "-"))
			stdin_used = true;
	if (has_conn) {
		bool html = false;

		for (int i = 0; i < nacts; i++)
			html |= acts[i].kind == ACT_HTML;
		if (!html) {
			pr_warn("--conn goes with --html FILE or --report html");
			return 2;
		}
	}
	if (!format_set)
		oo.format = isatty(STDOUT_FILENO) ? OUT_TABLE : OUT_CSV;
	oo.human = oo.format == OUT_TABLE;
	/* rows to a file or a pipe: in large writes (a terminal keeps its
	 * line buffering) */
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOFBF, 1 << 18);

	if (xo.packets && !xo.dir) {
		pr_warn("--export-packets goes with --export clickhouse DIR");
		return 2;
	}
	if (schema) {
		fputs(an_schema_sql, stdout);
		fputs(an_index_sql, stdout);
		if (optind == argc && nacts == 0 && !ch_cluster && !xo.dir)
			return 0;
	}
	if (ch_cluster) {
		err = export_clickhouse_schema(stdout, ch_cluster, &e);
		if (err) {
			pr_warn("%s", e.msg);
			return err == -EINVAL ? 2 : 1;
		}
		if (optind == argc && nacts == 0 && !xo.dir)
			return 0;
	}
	if (flt.connect_only || flt.accept_only || flt.failure_only) {
		bool lc = false;

		for (int i = 0; i < nacts; i++)
			lc |= acts[i].kind == ACT_REPORT && acts[i].report == REP_LIFECYCLE;
		if (!lc) {
			pr_warn("--connect-only, --accept-only and --failure-only choose rows of "
				"--lifecycle: add --lifecycle");
			return 2;
		}
	}
	if (optind == argc && !db_path) {
		pr_warn("no input files and no --db: nothing to analyze (try --help)");
		return 2;
	}

	/* SQL on standard input when nothing else was asked for and no capture
	 * was named: with a FILE, an open standard input (a script, an ssh
	 * session) must not make the default report wait on it. */
	char *stdin_sql = NULL;

	if (nacts == 0 && !stdin_used && !xo.dir && optind == argc && !isatty(STDIN_FILENO)) {
		stdin_sql = read_all(stdin);
		if (stdin_sql && strspn(stdin_sql, " \t\r\n") == strlen(stdin_sql)) {
			free(stdin_sql);
			stdin_sql = NULL;
		}
		if (stdin_sql)
			acts[nacts++] = (struct action){ ACT_SQL, 0, stdin_sql };
	}
	if (nacts == 0 && !xo.dir)
		acts[nacts++] = (struct action){ ACT_REPORT, REP_SUMMARY, NULL };

	if (db_path && optind == argc && access(db_path, F_OK)) {
		pr_warn("%s: no such database (give capture files to create it)", db_path);
		free(stdin_sql);
		return 1;
	}
	if (!db_path) {
		const char *tdir = getenv("TMPDIR");
		int fd;

		snprintf(tmp_path, sizeof(tmp_path), "%s/netanalyze-XXXXXX",
			 tdir && *tdir ? tdir : "/tmp");
		fd = mkstemp(tmp_path);
		if (fd < 0) {
			pr_warn("cannot create a temporary database in %s: %s (set TMPDIR or use --db)",
				tdir && *tdir ? tdir : "/tmp", strerror(errno));
			return 1;
		}
		close(fd);
		db_path = tmp_path;
		/* the temporary database goes away on Ctrl-C too */
		struct sigaction sa = { .sa_handler = on_signal };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		sigaction(SIGPIPE, &sa, NULL);
	}

	double t_start = mono_now();
	int npaths = argc - optind;
	struct ingest_result *res = calloc((size_t)npaths + 1, sizeof(*res));
	struct ingest_summary sum = { 0 };
	struct ingest_opts io = {
		.db_path = db_path, .keep = tmp_path[0] == 0, .tables = TB_ALL,
		.paths = (const char *const *)argv + optind, .npaths = npaths,
		.progress = !quiet && isatty(STDERR_FILENO) ? progress : NULL,
		.building = building, .building_len = sizeof(building),
		.host_name = xo.host, .cid_seed_set = seed_set, .cid_seed = seed,
	};

	if (getenv("NETANALYZE_WINDOW")) {
		/* the time-order window, in records (docs/schema.md, Time order) */
		char *end;
		unsigned long long w = strtoull(getenv("NETANALYZE_WINDOW"), &end, 10);

		if (*end || w < 2 || w > (1ull << 30)) {
			pr_warn("NETANALYZE_WINDOW wants a number of records from 2 to 2^30");
			free(res);
			status = 2;
			goto cleanup;
		}
		io.window_records = (size_t)w;
	}
	if (tmp_path[0] && res) {
		/* a temporary database holds the tables the actions read */
		struct plan_item items[MAX_ACTIONS];
		char *texts[MAX_ACTIONS] = { NULL };

		for (int i = 0; i < nacts; i++) {
			items[i] = (struct plan_item){ acts[i].kind != ACT_REPORT, acts[i].report, NULL };
			if (acts[i].kind == ACT_SQL && strcmp(acts[i].arg, "-")) {
				items[i].sql = acts[i].arg;
			} else if (acts[i].kind == ACT_SQL_FILE && strcmp(acts[i].arg, "-")) {
				FILE *f = fopen(acts[i].arg, "r");

				if (f) {
					texts[i] = read_all(f);
					fclose(f);
				}
				items[i].sql = texts[i];
			}
		}
		io.tables = plan_tables(items, nacts, &flt, &oo);
		/* the export writes most tables (docs/fleet.md) */
		if (xo.dir)
			io.tables = TB_ALL;
		for (int i = 0; i < nacts; i++)
			free(texts[i]);
		if (verbose > 1)
			for (int t = 0; t < TB__COUNT; t++)
				if (io.tables & (1u << t))
					pr_warn("writes table %s", an_table_names[t]);
	}
	if (!res) {
		pr_warn("out of memory");
		status = 1;
		goto cleanup;
	}
	if (npaths || seed_set) {
		if (!tmp_path[0]) {
			/* a kept database is built beside its path: Ctrl-C removes that */
			struct sigaction sa = { .sa_handler = on_signal };

			sigemptyset(&sa.sa_mask);
			sigaction(SIGINT, &sa, NULL);
			sigaction(SIGTERM, &sa, NULL);
			sigaction(SIGHUP, &sa, NULL);
		}
		err = ingest_run(&io, res, &sum, &e);
		progress_clear();
		if (err) {
			pr_warn("%s", e.msg[0] ? e.msg : "cannot load the files");
			free(res);
			status = 1;
			goto cleanup;
		}
	}
	for (int i = 0; i < npaths; i++) {
		const char *path = argv[optind + i];

		if (res[i].failed) {
			pr_warn("%s", res[i].error);
			status = 1;
		} else if (res[i].skipped) {
			if (!quiet)
				pr_warn("%s: already in the database (file %lld), not loaded again",
					path, (long long)res[i].same_as);
		} else if (res[i].damaged) {
			pr_warn("%s: damaged at byte offset %llu: %s; loaded the %llu packets and "
				"%llu journal records before it", path,
				(unsigned long long)res[i].error_offset, res[i].error,
				(unsigned long long)res[i].packets, (unsigned long long)res[i].events);
			status = 1;
		} else if (verbose) {
			pr_warn("%s: %llu packets, %llu journal records", path,
				(unsigned long long)res[i].packets, (unsigned long long)res[i].events);
		}
		if (res[i].changed)
			pr_warn("%s: its content changed since it was loaded as file %lld; loaded "
				"again as file %lld", path, (long long)res[i].changed_id,
				(long long)res[i].file_id);
	}
	if (npaths && sum.note[0])
		pr_warn("note: %s", sum.note);
	if (verbose && sum.loaded)
		pr_warn("loaded in %.2f s%s", mono_now() - t_start,
			sum.rebuilt ? " (with the database's records, read back)" : "");
	if (verbose && sum.restarts)
		pr_warn("records out of order beyond the window: %d file(s) read again, sorted",
			sum.restarts);
	if (verbose && sum.runs)
		pr_warn("%llu sorted runs spilled to temporary files", (unsigned long long)sum.runs);
	free(res);
	if (npaths && !sum.loaded && (tmp_path[0] || access(db_path, F_OK))) {
		/* nothing could be loaded: an empty database still answers (a
		 * pure query makes none: it only reads) */
		err = db_open(&db, db_path, false, true, &e);
		if (err) {
			pr_warn("%s", e.msg);
			status = 1;
			goto cleanup;
		}
		sqlite3_close(db);
		db = NULL;
	}

	/* Reports and user SQL run on the read-only, guarded connection: a
	 * pure query leaves the file as it was, works on a read-only file,
	 * and does not wait for a loader (which builds a new file beside). */
	err = query_open(&q, db_path, &qo, &e);
	if (err) {
		pr_warn("%s", e.msg);
		status = 1;
		goto cleanup;
	}
	db = query_db(q);
	if (xo.dir) {
		struct export_result xr;

		err = export_clickhouse(db, &xo, &xr, &e);
		if (err) {
			pr_warn("export to %s failed: %s", xo.dir, e.msg);
			status = 1;
			goto cleanup;
		}
		if (!quiet) {
			fprintf(stderr, "netanalyze: exported to %s:", xo.dir);
			for (int i = 0; xr.table[i]; i++)
				fprintf(stderr, " %s %llu", xr.table[i], (unsigned long long)xr.rows[i]);
			fputc('\n', stderr);
		}
	}
	for (int i = 0; i < nacts; i++) {
		char *text = NULL;

		switch (acts[i].kind) {
		case ACT_REPORT:
			if (!has_meta(db)) {
				pr_warn("%s: not a netanalyze database (give capture files to make one; "
					"--sql can still read it)", db_path);
				err = -EINVAL;
				break;
			}
			/* the packet listing is lines, on a terminal or not,
			 * as tcpdump's is; --format csv/json/jsonl gives the rows */
			ro = oo;
			if (acts[i].report == REP_PACKETS && !format_set)
				ro.format = OUT_TABLE;
			err = report_run(db, acts[i].report, &flt, &ro, &e);
			if (err)
				pr_warn("report failed: %s", e.msg);
			break;
		case ACT_HTML: {
			bool to_stdout = !strcmp(acts[i].arg, "-");
			FILE *hf = to_stdout ? stdout : fopen(acts[i].arg, "w");

			if (!hf) {
				pr_warn("cannot write the HTML report to %s: %s", acts[i].arg,
					strerror(errno));
				err = -errno;
				break;
			}
			err = html_report(db, hf, &flt, has_conn, conn_id, &e);
			if (!to_stdout && fclose(hf) && !err) {
				an_err_set(&e, "writing %s: %s", acts[i].arg, strerror(errno));
				err = -EIO;
			}
			if (err)
				pr_warn("HTML report failed: %s", e.msg);
			else if (!to_stdout && !quiet)
				pr_warn("HTML report written to %s", acts[i].arg);
			break;
		}
		case ACT_SQL:
		case ACT_SQL_FILE:
			if (acts[i].kind == ACT_SQL && strcmp(acts[i].arg, "-")) {
				err = run_sql_text(q, acts[i].arg, &oo, &e);
				break;
			}
			if (!strcmp(acts[i].arg, "-")) {
				text = read_all(stdin);
			} else {
				FILE *f = fopen(acts[i].arg, "r");

				if (!f) {
					pr_warn("cannot read SQL from %s: %s", acts[i].arg, strerror(errno));
					err = -errno;
					break;
				}
				text = read_all(f);
				fclose(f);
			}
			if (!text) {
				pr_warn("cannot read SQL from %s", acts[i].arg);
				err = -EIO;
				break;
			}
			err = run_sql_text(q, text, &oo, &e);
			free(text);
			break;
		}
		if (err)
			status = 1;
	}
cleanup:
	query_close(q);
	if (tmp_path[0])
		unlink(tmp_path);
	free(stdin_sql);
	return status;
}

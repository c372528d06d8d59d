/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reports: each is a query on its view (docs/schema.md) with the common
 * filters (--pid --comm --host --port --since --until) turned into
 * conditions on that view's columns. The queries run on whatever
 * connection the caller gives (the CLI gives query.c's read-only one; user
 * SQL runs there too, through query_sql()).
 *
 * csv, json and jsonl print every column of the view, unchanged. The table
 * format is for people: each report selects a few columns in the order a
 * reader scans them (time, endpoints as addr:port, outcome, durations like
 * 25.8us, processes as comm[pid]), made with the hm_* SQL functions below,
 * which exist only on the connection a report ran on.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "analyze.h"
#include "profile.h"

struct rep_def {
	const char *view;
	const char *title;
	const char *pid[2], *comm[2], *host[2], *port[2];
	const char *time;       /* the row's first time (ns), for --since/--until */
	const char *order;
	const char *table;      /* the SELECT list of the table format */
	const char *last;       /* latest time the table shows, when not `time` */
	const char *event;      /* the event name, for --event-type */
	const char *lifecycle;  /* the lifecycle type column, for --connect-only, ... */
};

/* Table columns. hm_time() prints a time of day (the date goes in the
 * title) or, when the rows span several UTC days, the date too. */
#define HS_TABLE \
	"hm_time(COALESCE(syn_ns, synack_ns, first_ns)) AS time, " \
	"hm_ep(client, client_port) AS client, hm_ep(server, server_port) AS server, " \
	"outcome, syn_count AS syns, hm_dur(rtt_server_ns) AS rtt_srv, " \
	"hm_dur(rtt_client_ns) AS rtt_cli, " \
	"hm_dur(irtt_ns) || CASE WHEN rtt_ambiguous THEN '*' ELSE '' END AS irtt, " \
	"hm_opts(mss, wscale_client, wscale_server, sack_perm, timestamps) AS options, " \
	"hm_proc(client_comm, client_pid) AS client_proc, " \
	"hm_proc(server_comm, server_pid) AS server_proc, hm_dur(k_connect_ns) AS k_connect"
#define CONN_TABLE \
	"hm_time(start_ns) AS time, hm_dur(duration_ns) AS duration, " \
	"hm_ep(orig_h, orig_p) AS orig, hm_ep(resp_h, resp_p) AS resp, conn_state AS state, " \
	"history, orig_pkts || '/' || resp_pkts AS pkts, orig_bytes || '/' || resp_bytes AS bytes, " \
	"retransmissions AS retrans, hm_proc(orig_comm, orig_pid) AS orig_proc, " \
	"hm_proc(resp_comm, resp_pid) AS resp_proc"
#define EV_TABLE \
	"hm_time(ts_ns) AS time, cpu, hm_proc(comm, pid) AS process, event, " \
	"hm_ep(laddr, lport) AS local, hm_ep(raddr, rport) AS remote, " \
	"CASE WHEN oldstate IS NOT NULL OR newstate IS NOT NULL THEN " \
	"COALESCE(oldstate, '?') || ' -> ' || COALESCE(newstate, '?') END AS state, " \
	"COALESCE(errno_name, errno) AS errno, conn_id AS conn, " \
	"CASE WHEN laddr IS NULL THEN message END AS message"
/* with a recording's kernel stacks (netrec -K): their first frames */
#define EV_STACK ", hm_frames(kernel_stack, 3) AS stack"
#define LC_TABLE \
	"hm_time(ts_ns) AS time, type, hm_proc(comm, pid) AS process, tid, uid, gid, " \
	"hm_ep(laddr, lport) AS local, hm_ep(raddr, rport) AS remote, " \
	"CASE WHEN failed THEN COALESCE(errno_name, errno, 'failed') END AS error, conn_id AS conn"
#define RT_TABLE \
	"hm_time(ts_ns) AS time, hm_ep(src, sport) AS src, hm_ep(dst, dport) AS dst, class, " \
	"flags_str AS flags, seq_rel AS seq, len, hm_proc(comm, pid) AS process, conn_id AS conn"
#define ICMP_TABLE \
	"hm_time(ts_ns) AS time, kind, src, dst, type || '/' || code AS type, " \
	"CASE WHEN kind = 'echo' THEN ident || '/' || seq END AS id_seq, " \
	"hm_dur(rtt_ns) AS rtt, CASE WHEN kind = 'echo' THEN requests || '/' || replies END AS req_rep, " \
	"CASE WHEN q_src IS NOT NULL THEN CASE q_proto WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' " \
	"WHEN 1 THEN 'icmp' WHEN 58 THEN 'icmp6' ELSE 'proto ' || COALESCE(q_proto, '?') END " \
	"|| ' ' || hm_ep(q_src, q_sport) || ' > ' || hm_ep(q_dst, q_dport) END AS quoted, " \
	"hm_proc(comm, pid) AS process, conn_id AS conn"
#define PROC_TABLE \
	"hm_proc(comm, pid) AS process, ns_pid, role, hm_ep(local, local_port) AS local, " \
	"hm_ep(remote, remote_port) AS remote, " \
	"connections AS conns, bytes_out || '/' || bytes_in AS bytes_out_in, " \
	"pkts_out || '/' || pkts_in AS pkts_out_in, hm_time(first_ns) AS first, " \
	"hm_time(last_ns) AS last"

#define JOIN_TABLE \
	"hm_time(COALESCE(c_syn_ns, s_syn_ns)) AS time, " \
	"hm_ep(client, client_port) AS client, hm_ep(server, server_port) AS server, " \
	"COALESCE(client_host, '-') || ' > ' || COALESCE(server_host, '-') AS hosts, " \
	"COALESCE(client_outcome, '-') || '/' || COALESCE(server_outcome, '-') AS outcome, " \
	"hm_dur(c_rtt_ns) AS rtt_cli_side, hm_dur(s_rtt_ns) AS rtt_srv_side, " \
	"hm_dur(owd_syn_ns) AS owd_syn, hm_dur(owd_synack_ns) AS owd_synack, " \
	"hm_dur(clock_offset_ns) || ' +-' || hm_dur(clock_error_ns) AS clock_offset, " \
	"duplicates AS dups, hm_proc(client_comm, client_pid) AS client_proc, " \
	"hm_proc(server_comm, server_pid) AS server_proc"

static const struct rep_def defs[REP__COUNT] = {
	[REP_HANDSHAKES] = { "v_handshakes", "Handshakes",
		{ "client_pid", "server_pid" }, { "client_comm", "server_comm" },
		{ "client", "server" }, { "client_port", "server_port" },
		"COALESCE(syn_ns, synack_ns, first_ns)", "COALESCE(syn_ns, synack_ns, first_ns), hs_id",
		HS_TABLE, NULL },
	[REP_CONNECTIONS] = { "v_connections", "Connections",
		{ "orig_pid", "resp_pid" }, { "orig_comm", "resp_comm" },
		{ "orig_h", "resp_h" }, { "orig_p", "resp_p" }, "start_ns", "start_ns, conn_id",
		CONN_TABLE, NULL },
	[REP_EVENTS] = { "v_events", "Kernel TCP events",
		{ "pid", NULL }, { "comm", NULL }, { "laddr", "raddr" }, { "lport", "rport" },
		"ts_ns", "ord", EV_TABLE, NULL, "event" },
	[REP_RETRANS] = { "v_retransmissions", "Retransmissions",
		{ "pid", NULL }, { "comm", NULL }, { "src", "dst" }, { "sport", "dport" },
		"ts_ns", "ts_ns, packet_id", RT_TABLE, NULL },
	[REP_ICMP] = { "v_icmp", "ICMP",
		{ "pid", NULL }, { "comm", NULL }, { "src", "dst" }, { "q_sport", "q_dport" },
		"ts_ns", "ts_ns, icmp_id", ICMP_TABLE, NULL },
	[REP_PROCESSES] = { "v_processes", "Processes",
		{ "pid", NULL }, { "comm", NULL }, { "local", "remote" }, { "remote_port", "local_port" },
		"first_ns", "first_ns, pid", PROC_TABLE, "last_ns" },
	[REP_JOINED] = { "v_joined", "Connections seen from both ends",
		{ "client_pid", "server_pid" }, { "client_comm", "server_comm" },
		{ "client", "server" }, { "client_port", "server_port" },
		"COALESCE(c_syn_ns, s_syn_ns)", "COALESCE(c_syn_ns, s_syn_ns), join_id", JOIN_TABLE, NULL },
	[REP_LIFECYCLE] = { "v_lifecycle", "Connection lifecycle",
		{ "pid", NULL }, { "comm", NULL }, { "laddr", "raddr" }, { "lport", "rport" },
		"ts_ns", "ord", LC_TABLE, NULL, "type", "type" },
	[REP_SUMMARY] = { "v_summary", "Summary", { NULL }, { NULL }, { NULL }, { NULL }, NULL,
		NULL, NULL, NULL },
	/* csv/json: every column of v_packets; table: the listing (listing.c) */
	[REP_PACKETS] = { "v_packets v", "Packets", { "v.pid", NULL }, { "v.comm", NULL },
		{ "v.src", "v.dst" }, { "v.sport", "v.dport" }, "v.ts_ns", "v.ord", NULL, NULL },
};

/* The raw tables --summary counts under filters. */
static const struct rep_def packets_def = {
	"packets", NULL, { "pid", NULL }, { "comm", NULL }, { "ip(src)", "ip(dst)" },
	{ "sport", "dport" }, "ts_ns", NULL, NULL, NULL };
static const struct rep_def events_def = {
	"events", NULL, { "pid", NULL }, { "comm", NULL }, { "laddr", "raddr" },
	{ "lport", "rport" }, "ts_ns", NULL, NULL, NULL, "event" };

/* A bounded SQL text; overflow is remembered and reported once. */
struct sqlbuf {
	char s[8192];
	size_t n;
	bool overflow;
};

static void sb_add(struct sqlbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sqlbuf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	k = vsnprintf(b->s + b->n, sizeof(b->s) - b->n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= sizeof(b->s) - b->n)
		b->overflow = true;
	else
		b->n += (size_t)k;
}

static void add_cond(struct sqlbuf *b, const char *const cols[2], const char *param)
{
	if (!cols[0])
		return;
	if (cols[1])
		sb_add(b, " AND (%s = %s OR %s = %s)", cols[0], param, cols[1], param);
	else
		sb_add(b, " AND %s = %s", cols[0], param);
}

/* The filters as " AND ..." conditions on d's columns. */
static void add_filters(struct sqlbuf *b, const struct rep_def *d, const struct filters *f)
{
	if (f->has_pid)
		add_cond(b, d->pid, ":pid");
	if (f->comm)
		add_cond(b, d->comm, ":comm");
	if (f->host)
		add_cond(b, d->host, ":host");
	if (f->has_port)
		add_cond(b, d->port, ":port");
	if (f->has_since && d->time)
		sb_add(b, " AND %s >= :since", d->time);
	if (f->has_until && d->time)
		sb_add(b, " AND %s <= :until", d->time);
	/* the names were checked (main.c): a comma-separated list */
	if (f->event_types && d->event)
		sb_add(b, " AND instr(',' || :evtypes || ',', ',' || %s || ',') > 0", d->event);
	if (d->lifecycle) {
		if (f->connect_only && !f->accept_only)
			sb_add(b, " AND %s = '" NR_EV_CONNECT "'", d->lifecycle);
		else if (f->accept_only && !f->connect_only)
			sb_add(b, " AND %s = '" NR_EV_ACCEPT "'", d->lifecycle);
		else if (f->accept_only && f->connect_only)
			sb_add(b, " AND %s IN ('" NR_EV_CONNECT "', '" NR_EV_ACCEPT "')", d->lifecycle);
		if (f->failure_only)
			sb_add(b, " AND failed");
	}
}

static bool any_filter(const struct filters *f)
{
	return f->has_pid || f->comm || f->host || f->has_port || f->has_since || f->has_until ||
	       f->event_types;
}

static int prepare_bound(sqlite3 *db, sqlite3_stmt **st, const struct sqlbuf *b,
			 const struct filters *f, struct an_err *e)
{
	int err, i;

	if (b->overflow) {
		an_err_set(e, "report query too long");
		return -E2BIG;
	}
	err = db_prepare(db, st, b->s, e);
	if (err || !f)
		return err;
	if ((i = sqlite3_bind_parameter_index(*st, ":pid")))
		sqlite3_bind_int64(*st, i, f->pid);
	if ((i = sqlite3_bind_parameter_index(*st, ":comm")))
		sqlite3_bind_text(*st, i, f->comm, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(*st, ":host")))
		sqlite3_bind_text(*st, i, f->host, -1, SQLITE_STATIC);
	if ((i = sqlite3_bind_parameter_index(*st, ":port")))
		sqlite3_bind_int(*st, i, f->port);
	if ((i = sqlite3_bind_parameter_index(*st, ":since")))
		sqlite3_bind_int64(*st, i, f->since_ns);
	if ((i = sqlite3_bind_parameter_index(*st, ":until")))
		sqlite3_bind_int64(*st, i, f->until_ns);
	if ((i = sqlite3_bind_parameter_index(*st, ":evtypes")))
		sqlite3_bind_text(*st, i, f->event_types, -1, SQLITE_STATIC);
	return 0;
}

static int run_stmt(sqlite3 *db, const struct sqlbuf *b, const struct filters *f,
		    const struct out_opts *o, struct an_err *e)
{
	sqlite3_stmt *st = NULL;
	int err;

	err = prepare_bound(db, &st, b, f, e);
	if (err)
		return err;
	err = o->plan_only ? 0 : output_stmt(st, o, e);
	sqlite3_finalize(st);
	return err;
}

/* ---- the table format's SQL functions ---- */

#define NS_PER_DAY 86400000000000LL

/* The UTC day number of a time (floor division: day -1 before 1970). */
static int64_t day_of(int64_t ns)
{
	return ns >= 0 ? ns / NS_PER_DAY : (ns + 1) / NS_PER_DAY - 1;
}

static void fn_dur(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	char s[32];

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return;
	fmt_duration(sqlite3_value_int64(argv[0]), s, sizeof(s));
	sqlite3_result_text(ctx, s, -1, SQLITE_TRANSIENT);
}

/* Time to the microsecond, UTC; with the date when *user data is true. */
static void fn_time(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const bool *with_date = sqlite3_user_data(ctx);
	char s[48];

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return;
	ts_str(sqlite3_value_int64(argv[0]), s, sizeof(s));
	s[26] = 0;      /* "YYYY-MM-DD HH:MM:SS.uuuuuu" */
	sqlite3_result_text(ctx, *with_date ? s : s + 11, -1, SQLITE_TRANSIENT);
}

/* addr:port, [v6addr]:port; the address alone without a port. */
static void fn_ep(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *a;
	char s[80];

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return;
	if (sqlite3_value_type(argv[0]) == SQLITE_BLOB) {
		int n = sqlite3_value_bytes(argv[0]);
		char t[48];

		if (n != 4 && n != 16)
			return;
		a = addr_str(sqlite3_value_blob(argv[0]), n == 16 ? 6 : 4, t);
		snprintf(s, sizeof(s), "%s", a);
	} else {
		a = (const char *)sqlite3_value_text(argv[0]);
		snprintf(s, sizeof(s), "%s", a ? a : "?");
	}
	if (sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_text(ctx, s, -1, SQLITE_TRANSIENT);
		return;
	}
	char r[96];

	snprintf(r, sizeof(r), strchr(s, ':') ? "[%s]:%lld" : "%s:%lld", s,
		 (long long)sqlite3_value_int64(argv[1]));
	sqlite3_result_text(ctx, r, -1, SQLITE_TRANSIENT);
}

/* comm[pid], comm, or [pid]; NULL when neither is known. */
static void fn_proc(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *comm = (const char *)sqlite3_value_text(argv[0]);
	bool has_pid = sqlite3_value_type(argv[1]) != SQLITE_NULL;
	char s[96];

	(void)argc;
	if (!comm && !has_pid)
		return;
	if (has_pid)
		snprintf(s, sizeof(s), "%s[%lld]", comm ? comm : "",
			 (long long)sqlite3_value_int64(argv[1]));
	else
		snprintf(s, sizeof(s), "%s", comm);
	sqlite3_result_text(ctx, s, -1, SQLITE_TRANSIENT);
}

/* Negotiated options in ss's words: "mss:1460 ws:7,7 sack ts". */
static void fn_opts(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	char s[96] = "";
	size_t n = 0;

	(void)argc;
	if (sqlite3_value_type(argv[0]) != SQLITE_NULL)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "mss:%lld",
				      (long long)sqlite3_value_int64(argv[0]));
	if (sqlite3_value_type(argv[1]) != SQLITE_NULL && sqlite3_value_type(argv[2]) != SQLITE_NULL)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%sws:%lld,%lld", n ? " " : "",
				      (long long)sqlite3_value_int64(argv[1]),
				      (long long)sqlite3_value_int64(argv[2]));
	if (sqlite3_value_int64(argv[3]))
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%ssack", n ? " " : "");
	if (sqlite3_value_int64(argv[4]))
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%sts", n ? " " : "");
	if (n)
		sqlite3_result_text(ctx, s, -1, SQLITE_TRANSIENT);
}

/* The first n frames of a kernel stack ("f+0x1a g+0x2c ..."), names only,
 * each called by the next: "f < g < h". */
static void fn_frames(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *s = (const char *)sqlite3_value_text(argv[0]);
	int64_t n = sqlite3_value_int64(argv[1]);
	char out[512];
	size_t k = 0;

	(void)argc;
	if (!s || !*s)
		return;
	while (*s && n-- > 0) {
		size_t len = strcspn(s, " "), name = strcspn(s, "+ ");

		if (name > len)
			name = len;
		if (k + name + 4 >= sizeof(out))
			break;
		if (k) {
			memcpy(out + k, " < ", 3);
			k += 3;
		}
		memcpy(out + k, s, name);
		k += name;
		s += len;
		while (*s == ' ')
			s++;
	}
	sqlite3_result_text(ctx, out, (int)k, SQLITE_TRANSIENT);
}

static int register_table_functions(sqlite3 *db, bool with_date)
{
	static const bool date_yes = true, date_no = false;
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;

	if (sqlite3_create_function(db, "hm_time", 1, flags,
				    (void *)(with_date ? &date_yes : &date_no), fn_time, NULL, NULL) ||
	    sqlite3_create_function(db, "hm_dur", 1, flags, NULL, fn_dur, NULL, NULL) ||
	    sqlite3_create_function(db, "hm_ep", 2, flags, NULL, fn_ep, NULL, NULL) ||
	    sqlite3_create_function(db, "hm_proc", 2, flags, NULL, fn_proc, NULL, NULL) ||
	    sqlite3_create_function(db, "hm_opts", 5, flags, NULL, fn_opts, NULL, NULL) ||
	    sqlite3_create_function(db, "hm_frames", 2, flags, NULL, fn_frames, NULL, NULL))
		return -EIO;
	return 0;
}

/* The first and last times the table will show, to decide whether the
 * date goes in the title (one UTC day) or in every row. */
static int table_days(sqlite3 *db, const struct rep_def *d, const struct filters *f,
		      int64_t *first_day, int64_t *last_day, struct an_err *e)
{
	struct sqlbuf b = { .n = 0 };
	sqlite3_stmt *st = NULL;
	int err, rc;

	sb_add(&b, "SELECT min(%s), max(%s) FROM %s WHERE 1", d->time,
	       d->last ? d->last : d->time, d->view);
	add_filters(&b, d, f);
	err = prepare_bound(db, &st, &b, f, e);
	if (err)
		return err;
	*first_day = *last_day = -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*first_day = day_of(sqlite3_column_int64(st, 0));
		*last_day = day_of(sqlite3_column_int64(st, 1));
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		an_err_set(e, "%s", sqlite3_errmsg(db));
		err = -EIO;
	}
	sqlite3_finalize(st);
	return err;
}

/* ---- --summary ---- */

static const char *const file_cols[] = {
	"path", "kind", "compression", "host", "hardware", "os", "userappl", "sections",
	"interfaces", "packets", "events", "unknown_blocks", "first_ns", "last_ns",
	"reorder_moved", "reorder_max_displacement", "nr_ring_drops", "nr_other_drops",
	"error", "error_offset", "drops",
};

/* v_summary's rows, with the counts that can be filtered counted within
 * the filters (processes: distinct pids owning matching packets or
 * events); the other keys describe whole files (linktypes, drops, reorder,
 * unknown blocks, problems, sequence gaps) and keep their value. */
static void summary_filtered(struct sqlbuf *b, const struct filters *f)
{
	static const struct { const char *key, *count; enum report rep; } views[] = {
		{ "connections", "count(*)", REP_CONNECTIONS },
		{ "handshakes", "count(*)", REP_HANDSHAKES },
		{ "retransmissions", "count(*)", REP_RETRANS },
	};
	struct sqlbuf pc = { .n = 0 }, ec = { .n = 0 };

	add_filters(&pc, &packets_def, f);
	add_filters(&ec, &events_def, f);
	sb_add(b, "SELECT key, CASE key");
	sb_add(b, " WHEN 'packets' THEN (SELECT count(*) FROM packets WHERE 1%s)", pc.s);
	sb_add(b, " WHEN 'tcp_packets' THEN (SELECT count(*) FROM packets WHERE proto = 6%s)", pc.s);
	sb_add(b, " WHEN 'icmp_packets' THEN (SELECT count(*) FROM packets"
	       " WHERE proto IN (1, 58)%s)", pc.s);
	sb_add(b, " WHEN 'other_packets' THEN (SELECT count(*) FROM packets"
	       " WHERE (proto IS NULL OR proto NOT IN (1, 6, 58))%s)", pc.s);
	sb_add(b, " WHEN 'events' THEN (SELECT count(*) FROM events"
	       " WHERE record = 'tcp_event'%s)", ec.s);
	sb_add(b, " WHEN 'journal_records' THEN (SELECT count(*) FROM events WHERE 1%s)", ec.s);
	sb_add(b, " WHEN 'processes' THEN (SELECT count(*) FROM (SELECT pid FROM packets"
	       " WHERE pid IS NOT NULL%s UNION SELECT pid FROM events WHERE pid IS NOT NULL%s))",
	       pc.s, ec.s);
	for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		const struct rep_def *d = &defs[views[i].rep];

		sb_add(b, " WHEN '%s' THEN (SELECT %s FROM %s WHERE 1", views[i].key,
		       views[i].count, d->view);
		add_filters(b, d, f);
		sb_add(b, ")");
	}
	sb_add(b, " WHEN 'first_ns' THEN (SELECT min(t) FROM (SELECT min(ts_ns) AS t FROM"
	       " packets WHERE 1%s UNION ALL SELECT min(ts_ns) FROM events WHERE 1%s))", pc.s, ec.s);
	sb_add(b, " WHEN 'last_ns' THEN (SELECT max(t) FROM (SELECT max(ts_ns) AS t FROM"
	       " packets WHERE 1%s UNION ALL SELECT max(ts_ns) FROM events WHERE 1%s))", pc.s, ec.s);
	sb_add(b, " WHEN 'span_ns' THEN (SELECT max(t) - min(t) FROM (SELECT min(ts_ns) AS t"
	       " FROM packets WHERE 1%s UNION ALL SELECT max(ts_ns) FROM packets WHERE 1%s"
	       " UNION ALL SELECT min(ts_ns) FROM events WHERE 1%s UNION ALL SELECT max(ts_ns)"
	       " FROM events WHERE 1%s))", pc.s, pc.s, ec.s, ec.s);
	sb_add(b, " WHEN 'loopback_copies' THEN (SELECT count(*) FROM packets"
	       " WHERE anomalies & 256%s)", pc.s);
	sb_add(b, " ELSE value END AS value FROM v_summary");
	if (pc.overflow || ec.overflow)
		b->overflow = true;
}

/* The Problems table, shown only when there are any. */
static int run_problems(sqlite3 *db, const struct sqlbuf *b, const struct out_opts *o,
			struct an_err *e)
{
	sqlite3_stmt *st = NULL;
	int n = 0, err;

	err = db_prepare(db, &st, "SELECT count(*) FROM problems", e);
	if (err)
		return err;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n ? run_stmt(db, b, NULL, o, e) : 0;
}

static int run_summary(sqlite3 *db, const struct filters *f, const struct out_opts *o,
		       struct an_err *e)
{
	struct out_opts oo = *o;
	struct sqlbuf b = { .n = 0 }, s = { .n = 0 };
	int err;

	if (any_filter(f))
		summary_filtered(&s, f);
	else
		sb_add(&s, "SELECT key, value FROM v_summary");
	if (o->format != OUT_TABLE) {
		/* one result set, key/value, so that every format has one
		 * shape: the per-file rows follow as file.<id>.<column> */
		sb_add(&b, "SELECT key, value FROM (SELECT 0 AS g, 0 AS f, row_number() OVER () AS n,"
		       " key, value FROM (%s) UNION ALL SELECT 1, file_id, c.n, 'file.' || file_id ||"
		       " '.' || c.name, CASE c.n", s.s);
		for (size_t i = 0; i < sizeof(file_cols) / sizeof(file_cols[0]); i++)
			sb_add(&b, " WHEN %zu THEN %s", i, file_cols[i]);
		sb_add(&b, " END FROM v_files, (");
		for (size_t i = 0; i < sizeof(file_cols) / sizeof(file_cols[0]); i++)
			sb_add(&b, "%sSELECT %zu AS n, '%s' AS name", i ? " UNION ALL " : "", i,
			       file_cols[i]);
		/* then what went wrong in each file: problem.<file_id>.<n> */
		sb_add(&b, ") AS c UNION ALL SELECT 2, file_id, row_number() OVER (PARTITION BY"
		       " file_id ORDER BY offset, rowid), 'problem.' || file_id || '.' || row_number()"
		       " OVER (PARTITION BY file_id ORDER BY offset, rowid), message || ' (byte ' ||"
		       " COALESCE(offset, '?') || ')' FROM problems) ORDER BY g, f, n");
		if (s.overflow)
			b.overflow = true;
		return run_stmt(db, &b, f, &oo, e);
	}
	err = register_table_functions(db, true);
	if (err) {
		an_err_set(e, "%s", sqlite3_errmsg(db));
		return err;
	}
	oo.title = any_filter(f) ? "Summary (times in UTC; counts within the filters)" :
		"Summary (times in UTC)";
	sb_add(&b, "SELECT CASE key WHEN 'first_ns' THEN 'first' WHEN 'last_ns' THEN 'last'"
	       " WHEN 'span_ns' THEN 'span' ELSE key END AS key, CASE WHEN key IN ('first_ns',"
	       " 'last_ns') THEN ts(value) WHEN key = 'span_ns' THEN hm_dur(value) ELSE value END"
	       " AS value FROM (%s)", s.s);
	if (s.overflow)
		b.overflow = true;
	err = run_stmt(db, &b, f, &oo, e);
	if (err)
		return err;
	b = (struct sqlbuf){ .n = 0 };
	oo.title = "Files";
	sb_add(&b, "SELECT file_id AS file, kind, compression AS compr, host, packets, events,"
	       " hm_time(first_ns) AS first, hm_time(last_ns) AS last, reorder_moved AS reordered,"
	       " drops,"
	       " unknown_blocks AS unknown, CASE WHEN error IS NOT NULL THEN error || ' at byte ' ||"
	       " COALESCE(error_offset, '?') END AS error, path FROM v_files ORDER BY file_id");
	err = run_stmt(db, &b, NULL, &oo, e);
	if (err)
		return err;
	/* what went wrong in each file (damage, what the reader cut) */
	b = (struct sqlbuf){ .n = 0 };
	sb_add(&b, "SELECT file_id AS file, offset, message FROM problems"
	       " ORDER BY file_id, offset, rowid");
	oo.title = "Problems";
	return run_problems(db, &b, &oo, e);
}

/* --packets for people: one line per packet (listing.c), the date on
 * each line when the packets span several UTC days. */
static int run_listing(sqlite3 *db, const struct rep_def *d, const struct filters *f,
		       const struct out_opts *o, struct an_err *e)
{
	struct sqlbuf b = { .n = 0 };
	sqlite3_stmt *st = NULL;
	int64_t day0 = -1, day1 = -1;
	int err;

	/* the days from the packets table itself (same filters): the view
	 * would compute every row's relative numbers a second time */
	if (!o->plan_only) {
		err = table_days(db, &packets_def, f, &day0, &day1, e);
		if (err)
			return err;
	}
	sb_add(&b, "SELECT " LISTING_COLUMNS " FROM " LISTING_FROM " WHERE 1");
	add_filters(&b, d, f);
	sb_add(&b, " ORDER BY %s", d->order);
	err = prepare_bound(db, &st, &b, f, e);
	if (!err && !o->plan_only)
		err = listing_print(st, day0 != day1, o->details, e);
	sqlite3_finalize(st);
	return err;
}

/* Whether any event carries a kernel stack (then --events shows it). */
static bool has_stacks(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	bool yes;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM events WHERE kernel_stack IS NOT NULL LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return false;
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

int report_run(sqlite3 *db, enum report r, const struct filters *f,
	       const struct out_opts *o, struct an_err *e)
{
	const struct rep_def *d = &defs[r];
	struct out_opts oo = *o;
	struct sqlbuf b = { .n = 0 };
	char title[128];
	int err;

	if (r == REP_SUMMARY)
		return run_summary(db, f, o, e);
	if (r == REP_PACKETS && o->format == OUT_TABLE)
		return run_listing(db, d, f, o, e);
	if (o->format == OUT_TABLE) {
		int64_t day0, day1;
		char date[48];

		err = table_days(db, d, f, &day0, &day1, e);
		if (err)
			return err;
		err = register_table_functions(db, day0 != day1);
		if (err) {
			an_err_set(e, "%s", sqlite3_errmsg(db));
			return err;
		}
		if (day0 == day1 && day0 >= 0) {
			ts_str(day0 * NS_PER_DAY, date, sizeof(date));
			date[10] = 0;
			snprintf(title, sizeof(title), "%s (times in UTC, %s)", d->title, date);
		} else {
			snprintf(title, sizeof(title), "%s (times in UTC)", d->title);
		}
		oo.title = title;
		sb_add(&b, "SELECT %s%s FROM %s WHERE 1", d->table,
		       r == REP_EVENTS && has_stacks(db) ? EV_STACK : "", d->view);
	} else {
		sb_add(&b, "SELECT * FROM %s WHERE 1", d->view);
	}
	add_filters(&b, d, f);
	sb_add(&b, " ORDER BY %s", d->order);
	return run_stmt(db, &b, f, &oo, e);
}

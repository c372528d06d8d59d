/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reports: each is a query on its view (docs/schema.md) with the common
 * filters (--pid --comm --host --port --since --until) turned into
 * conditions on that view's columns, and user SQL run statement by
 * statement. The queries run on whatever connection the caller gives (the
 * CLI gives a read-only one).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "analyze.h"

struct rep_def {
	const char *view;
	const char *title;
	const char *pid[2], *comm[2], *host[2], *port[2];
	const char *time;
	const char *order;
};

static const struct rep_def defs[REP__COUNT] = {
	[REP_HANDSHAKES] = { "v_handshakes", "Handshakes",
		{ "client_pid", "server_pid" }, { "client_comm", "server_comm" },
		{ "client", "server" }, { "client_port", "server_port" },
		"COALESCE(syn_ns, synack_ns, first_ns)", "COALESCE(syn_ns, synack_ns, first_ns), hs_id" },
	[REP_CONNECTIONS] = { "v_connections", "Connections",
		{ "orig_pid", "resp_pid" }, { "orig_comm", "resp_comm" },
		{ "orig_h", "resp_h" }, { "orig_p", "resp_p" }, "start_ns", "start_ns, conn_id" },
	[REP_EVENTS] = { "v_events", "Kernel TCP events",
		{ "pid", NULL }, { "comm", NULL }, { "laddr", "raddr" }, { "lport", "rport" },
		"ts_ns", "ord" },
	[REP_RETRANS] = { "v_retransmissions", "Retransmissions",
		{ "pid", NULL }, { "comm", NULL }, { "src", "dst" }, { "sport", "dport" },
		"ts_ns", "ts_ns, packet_id" },
	[REP_ICMP] = { "v_icmp", "ICMP",
		{ "pid", NULL }, { "comm", NULL }, { "src", "dst" }, { "q_sport", "q_dport" },
		"ts_ns", "ts_ns, icmp_id" },
	[REP_PROCESSES] = { "v_processes", "Processes",
		{ "pid", NULL }, { "comm", NULL }, { "local", "remote" }, { "remote_port", NULL },
		"first_ns", "first_ns, pid" },
	[REP_SUMMARY] = { "v_summary", "Summary", { NULL }, { NULL }, { NULL }, { NULL }, NULL },
};

static void add_cond(char *sql, size_t len, const char *const cols[2], const char *param)
{
	size_t n = strlen(sql);

	if (!cols[0])
		return;
	if (cols[1])
		snprintf(sql + n, len - n, " AND (%s = %s OR %s = %s)", cols[0], param, cols[1], param);
	else
		snprintf(sql + n, len - n, " AND %s = %s", cols[0], param);
}

static int run_stmt(sqlite3 *db, const char *sql, const struct filters *f,
		    const struct out_opts *o, struct an_err *e)
{
	sqlite3_stmt *st = NULL;
	int err, i;

	err = db_prepare(db, &st, sql, e);
	if (err)
		return err;
	if (f) {
		if ((i = sqlite3_bind_parameter_index(st, ":pid")))
			sqlite3_bind_int64(st, i, f->pid);
		if ((i = sqlite3_bind_parameter_index(st, ":comm")))
			sqlite3_bind_text(st, i, f->comm, -1, SQLITE_STATIC);
		if ((i = sqlite3_bind_parameter_index(st, ":host")))
			sqlite3_bind_text(st, i, f->host, -1, SQLITE_STATIC);
		if ((i = sqlite3_bind_parameter_index(st, ":port")))
			sqlite3_bind_int(st, i, f->port);
		if ((i = sqlite3_bind_parameter_index(st, ":since")))
			sqlite3_bind_int64(st, i, f->since_ns);
		if ((i = sqlite3_bind_parameter_index(st, ":until")))
			sqlite3_bind_int64(st, i, f->until_ns);
	}
	err = output_stmt(st, o, e);
	sqlite3_finalize(st);
	return err;
}

int report_run(sqlite3 *db, enum report r, const struct filters *f,
	       const struct out_opts *o, struct an_err *e)
{
	const struct rep_def *d = &defs[r];
	struct out_opts oo = *o;
	char sql[1024];
	size_t n;
	int err;

	if (o->format == OUT_TABLE)
		oo.title = d->title;
	if (r == REP_SUMMARY) {
		err = run_stmt(db, "SELECT key, value FROM v_summary", NULL, &oo, e);
		if (err)
			return err;
		if (o->format == OUT_TABLE) {
			oo.title = "Files";
			return run_stmt(db, "SELECT * FROM v_files", NULL, &oo, e);
		}
		return 0;
	}
	snprintf(sql, sizeof(sql), "SELECT * FROM %s WHERE 1", d->view);
	if (f->has_pid)
		add_cond(sql, sizeof(sql), d->pid, ":pid");
	if (f->comm)
		add_cond(sql, sizeof(sql), d->comm, ":comm");
	if (f->host)
		add_cond(sql, sizeof(sql), d->host, ":host");
	if (f->has_port)
		add_cond(sql, sizeof(sql), d->port, ":port");
	n = strlen(sql);
	if (f->has_since && d->time)
		snprintf(sql + n, sizeof(sql) - n, " AND %s >= :since", d->time);
	n = strlen(sql);
	if (f->has_until && d->time)
		snprintf(sql + n, sizeof(sql) - n, " AND %s <= :until", d->time);
	n = strlen(sql);
	snprintf(sql + n, sizeof(sql) - n, " ORDER BY %s", d->order);
	return run_stmt(db, sql, f, &oo, e);
}

int report_sql(sqlite3 *db, const char *sql, const struct out_opts *o, struct an_err *e)
{
	const char *tail = sql;
	int err = 0;

	while (tail && *tail) {
		sqlite3_stmt *st = NULL;
		const char *next = NULL;

		if (sqlite3_prepare_v2(db, tail, -1, &st, &next) != SQLITE_OK) {
			an_err_set(e, "SQL error: %s", sqlite3_errmsg(db));
			return -EINVAL;
		}
		tail = next;
		if (!st)
			continue; /* whitespace or a comment */
		err = output_stmt(st, o, e);
		sqlite3_finalize(st);
		if (err)
			return err;
	}
	return err;
}

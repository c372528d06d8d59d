/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The analysis pass: one read of all packets and journal records in time
 * order (order.c), TCP to conn.c, ICMP to icmp.c, then what only SQL can
 * see afterwards (owners from kernel events, the kernel's handshake
 * timeline, events' connections, the sockets table), all in one
 * transaction. Derived tables are rebuilt from scratch each time new files
 * are loaded, so that several files make one timeline.
 */
#include <errno.h>
#include <stdint.h>

#include "analyze.h"
#include "flow.h"

#define SWEEP_EVERY_NS (10 * 1000000000LL)

/* Which files the derived tables were built from: a run that finds it
 * different (an earlier analysis failed) analyzes again. */
#define FILES_KEY "(SELECT count(*) || ':' || COALESCE(max(file_id), 0) FROM files)"
#define ANALYZED_MARK \
	"INSERT OR REPLACE INTO meta(key, value) VALUES ('analyzed_files', " FILES_KEY ");"

bool analyze_needed(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	bool need = true;

	if (sqlite3_prepare_v2(db, "SELECT (SELECT value FROM meta WHERE key = 'analyzed_files') IS "
			       FILES_KEY, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		need = sqlite3_column_int(st, 0) == 0;
	sqlite3_finalize(st);
	return need;
}

/* Derived data the pass cannot see in packet order: owners from kernel
 * events where packets had none, the kernel's own handshake timeline,
 * events' connections, and the sockets table. */
static const char post_sql[] =
	"UPDATE handshakes SET client_pid = e.pid, client_comm = COALESCE(client_comm, e.comm)"
	"  FROM (SELECT laddr, lport, raddr, rport, pid, comm FROM events"
	"        WHERE record = 'tcp_event' AND pid IS NOT NULL GROUP BY laddr, lport, raddr, rport) e"
	"  WHERE handshakes.client_pid IS NULL AND e.laddr = client AND e.lport = client_port"
	"    AND e.raddr = server AND e.rport = server_port;"
	"UPDATE handshakes SET server_pid = e.pid, server_comm = COALESCE(server_comm, e.comm)"
	"  FROM (SELECT laddr, lport, raddr, rport, pid, comm FROM events"
	"        WHERE record = 'tcp_event' AND pid IS NOT NULL GROUP BY laddr, lport, raddr, rport) e"
	"  WHERE handshakes.server_pid IS NULL AND e.laddr = server AND e.lport = server_port"
	"    AND e.raddr = client AND e.rport = client_port;"
	/* The kernel enters SYN_SENT before it picks the local port (the
	 * event says port 0): such an event matches through its socket
	 * cookie, or, without one, as the latest to that server. */
	/* a command name from the process records where packets named none */
	"UPDATE handshakes SET client_comm = (SELECT p.comm FROM processes p WHERE p.pid = client_pid"
	"    AND p.file_id = handshakes.file_id AND p.comm IS NOT NULL ORDER BY p.source = 'journal' DESC"
	"    LIMIT 1) WHERE client_comm IS NULL AND client_pid IS NOT NULL;"
	"UPDATE handshakes SET server_comm = (SELECT p.comm FROM processes p WHERE p.pid = server_pid"
	"    AND p.file_id = handshakes.file_id AND p.comm IS NOT NULL ORDER BY p.source = 'journal' DESC"
	"    LIMIT 1) WHERE server_comm IS NULL AND server_pid IS NOT NULL;"
	/* The latest such event before the SYN: walking events_rport_ts
	 * backwards from the SYN stops at it (a max() over every port-0 event
	 * to the server would be quadratic in the number of connections). */
	"UPDATE handshakes SET k_syn_sent_ns = (SELECT e.ts_ns FROM events e"
	"    INDEXED BY events_rport_ts"
	"    WHERE e.rport = server_port AND e.ts_ns <= COALESCE(syn_ns, first_ns) + 1000000"
	"      AND e.event = 'state' AND e.newstate = 'SYN_SENT' AND e.raddr = server"
	"      AND (e.laddr = client OR e.laddr IN ('0.0.0.0', '::'))"
	"      AND (e.lport = client_port OR (e.lport = 0 AND (e.cookie IS NULL OR e.cookie IN"
	"           (SELECT x.cookie FROM events x WHERE x.laddr = client"
	"            AND x.lport = client_port AND x.raddr = server AND x.rport = server_port"
	"            AND x.cookie IS NOT NULL))))"
	"    ORDER BY e.ts_ns DESC LIMIT 1)"
	"  WHERE EXISTS (SELECT 1 FROM events WHERE record = 'tcp_event');"
	/* by the full tuple: events_rport_ts would walk every event to the port */
	"UPDATE handshakes SET k_established_ns = (SELECT min(e.ts_ns) FROM events e"
	"    INDEXED BY events_tuple"
	"    WHERE e.event = 'state' AND e.newstate = 'ESTABLISHED' AND e.laddr = client"
	"      AND e.lport = client_port AND e.raddr = server AND e.rport = server_port"
	"      AND e.ts_ns >= COALESCE(k_syn_sent_ns, syn_ns, first_ns) - 1000000000),"
	"  k_server_established_ns = (SELECT min(e.ts_ns) FROM events e INDEXED BY events_tuple"
	"    WHERE e.event = 'state' AND e.newstate = 'ESTABLISHED' AND e.laddr = server"
	"      AND e.lport = server_port AND e.raddr = client AND e.rport = client_port"
	"      AND e.ts_ns >= COALESCE(syn_ns, first_ns) - 1000000000)"
	"  WHERE EXISTS (SELECT 1 FROM events WHERE record = 'tcp_event');"
	"UPDATE handshakes SET k_connect_ns = k_established_ns - k_syn_sent_ns"
	"  WHERE k_established_ns IS NOT NULL AND k_syn_sent_ns IS NOT NULL;"
	"UPDATE connections SET orig_pid = COALESCE(orig_pid, h.client_pid),"
	"    orig_comm = COALESCE(orig_comm, h.client_comm)"
	"  FROM handshakes h WHERE h.conn_id = connections.conn_id"
	"    AND ((orig_pid IS NULL AND h.client_pid IS NOT NULL)"
	"      OR (orig_comm IS NULL AND h.client_comm IS NOT NULL));"
	"UPDATE connections SET resp_pid = COALESCE(resp_pid, h.server_pid),"
	"    resp_comm = COALESCE(resp_comm, h.server_comm)"
	"  FROM handshakes h WHERE h.conn_id = connections.conn_id"
	"    AND ((resp_pid IS NULL AND h.server_pid IS NOT NULL)"
	"      OR (resp_comm IS NULL AND h.server_comm IS NOT NULL));"
	"UPDATE events SET conn_id = (SELECT c.conn_id FROM connections c"
	"    WHERE ((c.orig_h = events.laddr AND c.orig_p = events.lport AND c.resp_h = events.raddr"
	"            AND c.resp_p = events.rport) OR (c.resp_h = events.laddr AND"
	"            c.resp_p = events.lport AND c.orig_h = events.raddr AND c.orig_p = events.rport))"
	"      AND events.ts_ns >= c.start_ns - 1000000000 AND events.ts_ns <= c.end_ns + 1000000000"
	"    ORDER BY c.start_ns DESC LIMIT 1)"
	"  WHERE record = 'tcp_event';"
	"UPDATE events SET conn_id = (SELECT x.conn_id FROM events x WHERE x.cookie = events.cookie"
	"    AND x.conn_id IS NOT NULL ORDER BY x.ts_ns LIMIT 1)"
	"  WHERE conn_id IS NULL AND record = 'tcp_event' AND cookie IS NOT NULL AND cookie != 0;"
	"INSERT INTO sockets(cookie, family, laddr, lport, raddr, rport, pid, comm, first_ns,"
	"                    last_ns, packets, events)"
	"  SELECT cookie, max(family), max(laddr), max(lport), max(raddr), max(rport), max(pid),"
	"         max(comm), min(ts), max(ts), sum(p), sum(e)"
	"  FROM (SELECT cookie, CASE ip_version WHEN 6 THEN 'inet6' ELSE 'inet' END AS family,"
	"               ip(CASE direction WHEN 'in' THEN dst ELSE src END) AS laddr,"
	"               CASE direction WHEN 'in' THEN dport ELSE sport END AS lport,"
	"               ip(CASE direction WHEN 'in' THEN src ELSE dst END) AS raddr,"
	"               CASE direction WHEN 'in' THEN sport ELSE dport END AS rport,"
	"               pid, comm, ts_ns AS ts, 1 AS p, 0 AS e"
	"        FROM packets WHERE cookie IS NOT NULL AND cookie != 0"
	"        UNION ALL"
	"        SELECT cookie, family, laddr, lport, raddr, rport, pid, comm, ts_ns, 0, 1"
	"        FROM events WHERE cookie IS NOT NULL AND cookie != 0)"
	"  GROUP BY cookie;";

int analyze_run(sqlite3 *db, struct an_err *e)
{
	struct order_it *it = NULL;
	struct arow r;
	int64_t next_sweep = INT64_MIN;
	int err, rc;

	/* bulk updates are faster without the indexes; rebuilt at the end */
	err = db_exec(db, "BEGIN;"
		      "DELETE FROM connections; DELETE FROM handshakes; DELETE FROM icmp;"
		      "DELETE FROM retransmissions; DELETE FROM sockets;"
		      "DROP INDEX IF EXISTS packets_ord; DROP INDEX IF EXISTS packets_conn;", e);
	if (err)
		return err;
	err = order_open(db, &it, e);
	if (!err)
		err = conn_begin(db, e);
	if (!err)
		err = hs_prepare(db, e);
	if (!err)
		err = icmp_prepare(db, e);
	if (err)
		goto cleanup;

	while ((rc = order_next(it, &r, e)) > 0) {
		if (r.kind != 0)
			continue;
		if (r.ts >= next_sweep) {
			err = conn_sweep(r.ts, false, e);
			if (!err)
				err = icmp_sweep(r.ts, false, e);
			if (err)
				goto cleanup;
			next_sweep = r.ts + SWEEP_EVERY_NS;
		}
		if (r.proto == 6 && r.tcp && r.has_ports && r.ipver) {
			err = conn_packet(&r, e);
		} else if (r.icmp && r.ipver) {
			int64_t conn_id = 0;

			err = icmp_packet(&r, &conn_id, e);
			if (!err)
				err = conn_other_packet(&r, conn_id, e);
		} else {
			err = conn_other_packet(&r, 0, e);
		}
		if (err)
			goto cleanup;
	}
	if (rc < 0) {
		err = rc;
		goto cleanup;
	}
	err = order_finish(it, e);
	if (!err)
		err = conn_sweep(0, true, e);
	if (!err)
		err = icmp_sweep(0, true, e);
	if (!err)
		err = db_exec(db, post_sql, e);
	if (!err)
		err = join_run(db, e);
	if (!err)
		err = db_exec(db, ANALYZED_MARK
			      "CREATE INDEX IF NOT EXISTS packets_ord ON packets(ord);"
			      "CREATE INDEX IF NOT EXISTS packets_conn ON packets(conn_id);"
			      "COMMIT", e);
cleanup:
	if (err)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	order_close(it);
	conn_end();
	hs_finish();
	icmp_finish();
	return err;
}

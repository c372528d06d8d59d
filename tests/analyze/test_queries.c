/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netanalyze beyond --handshakes: a kept database reused without duplicating
 * anything, --sql on a read-only connection, --summary's reorder figures for
 * the per-CPU shuffled netrec file, the global order of packets and events,
 * --port/--host filters, --icmp, and what the packets table records for
 * linktypes, VLAN tags and directions.
 *
 * Expected values are counted by hand from gen_captures.c (packet counts
 * per file, the shuffled file's record order) or come from tshark run on
 * the same file (ICMP echo response times).
 *
 * Usage (from meson): test_queries GEN_CAPTURES [NETANALYZE]
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

TEST_MAIN_STATE;

#define T0 1700000000000000000LL

/* netanalyze [--db DB] [FILES...] ARGS... --format jsonl; rows or NULL. */
static struct jrow *na(int *rc, int *n, const char *db, const char *const *files, ...)
{
	struct h_argv a;
	struct jrow *rows = NULL;
	char *out = NULL, *err = NULL;
	const char *arg;
	va_list ap;
	int i;

	h_argv_init(&a, h_env.netanalyze);
	if (db) {
		h_argv_add(&a, "--db");
		h_argv_add(&a, db);
	}
	for (i = 0; files && files[i]; i++)
		h_argv_add(&a, h_path(files[i]));
	va_start(ap, files);
	while ((arg = va_arg(ap, const char *)))
		h_argv_add(&a, arg);
	va_end(ap);
	h_argv_add(&a, "--format");
	h_argv_add(&a, "jsonl");
	*rc = h_run(&a, &out, &err);
	*n = json_rows(out ? out : "", &rows);
	if (*n < 0) {
		fprintf(stderr, "unparsable output of netanalyze: %s\n", out ? out : "");
		*n = 0;
		rows = NULL;
	}
	if (*rc != 0 && err && *err)
		fprintf(stderr, "netanalyze (exit %d) said: %s", *rc, err);
	h_argv_free(&a);
	free(out);
	free(err);
	return rows;
}

/* First column of the first row of an SQL query (integer), INT64_MIN if
 * the query failed or returned no integer. */
static int64_t sql_int(const char *db, const char *const *files, const char *sql)
{
	struct jrow *rows;
	int rc, n;
	int64_t v = INT64_MIN;

	rows = na(&rc, &n, db, files, "--sql", sql, NULL);
	if (rc == 0 && n > 0 && rows[0].n > 0 && rows[0].v[0].t == JV_INT)
		v = rows[0].v[0].i;
	if (rc != 0 || n == 0)
		fprintf(stderr, "query \"%s\": exit %d, %d rows\n", sql, rc, n);
	json_rows_free(rows, n);
	return v;
}

/* Rows of a report with up to two filters (name, value; NULL: none). */
static int count_rows(const char *db, const char *const *files, const char *report,
		      const char *f1, const char *v1, const char *f2, const char *v2)
{
	struct jrow *rows;
	int rc, n;

	if (f1 && f2)
		rows = na(&rc, &n, db, files, report, f1, v1, f2, v2, NULL);
	else if (f1)
		rows = na(&rc, &n, db, files, report, f1, v1, NULL);
	else
		rows = na(&rc, &n, db, files, report, NULL);
	ASSERT_EQ(rc, 0, "netanalyze with filters exits 0");
	json_rows_free(rows, n);
	return n;
}

static void test_db_reuse(void)
{
	/* hs_established has 9 packets, hs_port_reuse 9 (6 + 3): 18 packets,
	 * 2 files, 3 handshake attempts. Loading them again adds nothing;
	 * hs_refused adds 2 packets, 1 file, 1 attempt. */
	const char *db = h_path("reuse.db");
	const char *two[] = { "hs_established.pcapng", "hs_port_reuse.pcapng", NULL };
	const char *three[] = { "hs_established.pcapng", "hs_port_reuse.pcapng",
				"hs_refused.pcapng", NULL };
	struct jrow *rows;
	int rc, n, round;

	for (round = 0; round < 2; round++) {
		rows = na(&rc, &n, db, two, "--handshakes", NULL);
		ASSERT_EQ(rc, 0, "load into --db");
		ASSERT_EQ(n, 3, "handshakes after loading two files");
		json_rows_free(rows, n);
		ASSERT_EQ(sql_int(db, NULL, "SELECT count(*) FROM packets"), 18, "packets");
		ASSERT_EQ(sql_int(db, NULL, "SELECT count(*) FROM files"), 2, "files");
		ASSERT_EQ(sql_int(db, NULL, "SELECT count(*) FROM handshakes"), 3, "handshakes");
	}
	/* the kept database answers without input files */
	rows = na(&rc, &n, db, NULL, "--handshakes", NULL);
	ASSERT_EQ(rc, 0, "--db without inputs");
	ASSERT_EQ(n, 3, "handshakes from the kept database");
	json_rows_free(rows, n);

	rows = na(&rc, &n, db, three, "--handshakes", NULL);
	ASSERT_EQ(rc, 0, "add a third file");
	ASSERT_EQ(n, 4, "handshakes after the third file");
	json_rows_free(rows, n);
	ASSERT_EQ(sql_int(db, NULL, "SELECT count(*) FROM packets"), 20, "packets (3 files)");
	ASSERT_EQ(sql_int(db, NULL, "SELECT count(*) FROM files"), 3, "files (3 files)");

	/* the kept database is plain SQLite: the sqlite3 shell reads the
	 * report views (docs/schema.md) */
	{
		struct h_argv a;
		char *out = NULL;

		h_argv_init(&a, "sqlite3");
		h_argv_add(&a, "-readonly");
		h_argv_add(&a, db);
		h_argv_add(&a, "SELECT count(*) FROM v_handshakes WHERE outcome = 'established';");
		rc = h_run(&a, &out, NULL);
		h_argv_free(&a);
		if (rc == 0)
			ASSERT_STREQ(out, "3\n", "sqlite3 shell reads v_handshakes");
		else
			fprintf(stderr, "note: sqlite3 shell not available (%d)\n", rc);
		free(out);
	}
}

static void test_schema(void)
{
	/* --schema prints the SQL of every table and view docs/schema.md lists */
	static const char *const names[] = {
		"files", "interfaces", "problems", "processes", "packets", "events", "sockets",
		"connections", "handshakes", "icmp", "retransmissions", "meta", "v_handshakes",
		"v_connections", "v_events", "v_retransmissions", "v_icmp", "v_processes",
		"v_summary", "v_files",
	};
	struct h_argv a;
	char *out = NULL, pat[64];
	size_t i;

	h_argv_init(&a, h_env.netanalyze);
	h_argv_add(&a, "--schema");
	ASSERT_EQ(h_run(&a, &out, NULL), 0, "--schema");
	h_argv_free(&a);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		bool found = false;
		const char *kinds[] = { "TABLE", "VIEW", "TABLE IF NOT EXISTS", "VIEW IF NOT EXISTS" };
		size_t k;

		for (k = 0; k < 4 && out && !found; k++) {
			snprintf(pat, sizeof(pat), "CREATE %s %s", kinds[k], names[i]);
			found = strcasestr(out, pat) != NULL;
		}
		if (!ASSERT_TRUE(found, "--schema defines the table or view"))
			fprintf(stderr, "  %s\n", names[i]);
	}
	free(out);
}

static void test_sql_readonly(void)
{
	const char *db = h_path("ro.db");
	const char *files[] = { "hs_established.pcapng", NULL };
	static const char *const writes[] = {
		"INSERT INTO meta(key, value) VALUES ('x', 'y')",
		"DELETE FROM packets",
		"UPDATE packets SET ts_ns = 0",
		"DROP TABLE packets",
		"CREATE TABLE t(a)",
	};
	struct jrow *rows;
	int rc, n;
	size_t i;

	ASSERT_EQ(sql_int(db, files, "SELECT count(*) FROM packets"), 9, "loaded");
	for (i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		rows = na(&rc, &n, db, NULL, "--sql", writes[i], NULL);
		if (!ASSERT_EQ(rc, 1, "a write through --sql fails with exit 1"))
			fprintf(stderr, "  statement: %s\n", writes[i]);
		json_rows_free(rows, n);
	}
	/* a pragma cannot make the connection writable */
	rows = na(&rc, &n, db, NULL, "--sql", "PRAGMA query_only = 0; DELETE FROM packets", NULL);
	json_rows_free(rows, n);
	ASSERT_EQ(sql_int(db, NULL, "SELECT count(*) FROM packets"), 9, "packets untouched");
	ASSERT_EQ(sql_int(db, NULL, "SELECT count(*) FROM meta WHERE key = 'x'"), 0,
		  "meta untouched");
	ASSERT_EQ(sql_int(db, NULL, "SELECT count(*) FROM sqlite_master WHERE name = 't'"), 0,
		  "no table created");
	ASSERT_EQ(sql_int(db, NULL, "SELECT min(ts_ns) FROM packets"), T0, "times untouched");
}

static const char *summary_value(const struct jrow *rows, int n, const char *key,
				 char *buf, size_t len)
{
	int i;

	for (i = 0; i < n; i++) {
		const char *k = jstr(&rows[i], "key");
		const struct jv *v = jget(&rows[i], "value");

		if (!k || strcmp(k, key))
			continue;
		if (v->t == JV_INT)
			snprintf(buf, len, "%lld", v->i);
		else if (v->t == JV_STR)
			snprintf(buf, len, "%s", v->s);
		else
			snprintf(buf, len, "(type %d)", v->t);
		return buf;
	}
	return NULL;
}

static void test_summary_reorder(void)
{
	/*
	 * nr_shuffled.pcapng holds 11 records (2 process records, 3 TCP
	 * events, 6 packets). Numbered by time order, the file holds them as
	 *   0 1 4 5 6 7 8 2 3 9 10
	 * so file position -> time position: 2->4, 3->5, 4->6, 5->7, 6->8
	 * (each moved by 2), 7->2 and 8->3 (moved by 5), the rest in place:
	 * 7 records moved, largest displacement 5. An in-order file: 0, 0.
	 */
	const char *shuf[] = { "nr_shuffled.pcapng", NULL };
	const char *plain[] = { "hs_established.pcapng", NULL };
	struct jrow *rows;
	char buf[64];
	int rc, n;

	rows = na(&rc, &n, NULL, shuf, "--summary", NULL);
	ASSERT_EQ(rc, 0, "--summary exit status");
	ASSERT_STREQ(summary_value(rows, n, "reorder_moved", buf, sizeof(buf)), "7",
		     "summary reorder_moved");
	ASSERT_STREQ(summary_value(rows, n, "reorder_max_displacement", buf, sizeof(buf)), "5",
		     "summary reorder_max_displacement");
	ASSERT_STREQ(summary_value(rows, n, "packets", buf, sizeof(buf)), "6", "summary packets");
	ASSERT_STREQ(summary_value(rows, n, "files", buf, sizeof(buf)), "1", "summary files");
	json_rows_free(rows, n);

	ASSERT_EQ(sql_int(NULL, shuf, "SELECT reorder_moved FROM files"), 7, "files.reorder_moved");
	ASSERT_EQ(sql_int(NULL, shuf, "SELECT reorder_max_displacement FROM files"), 5,
		  "files.reorder_max_displacement");
	ASSERT_EQ(sql_int(NULL, plain, "SELECT reorder_moved FROM files"), 0,
		  "in-order file: nothing moved");
	ASSERT_EQ(sql_int(NULL, shuf, "SELECT count(*) FROM events"), 5, "events: journal records");
	ASSERT_EQ(sql_int(NULL, shuf,
			  "SELECT count(*) FROM processes WHERE source = 'journal' AND "
			  "((pid = 4242 AND comm = 'curl') OR (pid = 777 AND comm = 'nginx'))"),
		  2, "process records");
}

static void test_global_order(void)
{
	/* ord over packets and events of nr_shuffled.pcapng, with the
	 * per-CPU sequence that placed them (hand order, see gen_captures.c):
	 * process, process, A state, A SYN, A SYN-ACK, A state, A ACK,
	 * B SYN, B SYN-ACK, B ACK, B state. */
	static const int64_t want_ts[] = {
		T0 - 1000000000LL, T0 - 1000000000LL, T0, T0 + 10000, T0 + 1510000, T0 + 1520000,
		T0 + 1530000, T0 + 2000000, T0 + 2040000, T0 + 2900000, T0 + 2910000,
	};
	static const char *const want_dir[] = { "out", "in", "out", "in", "out", "in" };
	const char *shuf[] = { "nr_shuffled.pcapng", NULL };
	struct jrow *rows;
	int rc, n, i;

	rows = na(&rc, &n, NULL, shuf, "--sql",
		  "SELECT ord, ts_ns FROM (SELECT ord, ts_ns FROM packets UNION ALL "
		  "SELECT ord, ts_ns FROM events) ORDER BY ord", NULL);
	ASSERT_EQ(rc, 0, "query");
	if (ASSERT_EQ(n, 11, "11 records in the timeline"))
		for (i = 0; i < n; i++) {
			ASSERT_EQ(jint(&rows[i], "ord"), i + 1, "ord numbers from 1");
			ASSERT_EQ(jint(&rows[i], "ts_ns"), want_ts[i], "record in time order");
		}
	json_rows_free(rows, n);

	rows = na(&rc, &n, NULL, shuf, "--sql",
		  "SELECT direction, pid FROM packets ORDER BY ord", NULL);
	ASSERT_EQ(rc, 0, "query");
	if (ASSERT_EQ(n, 6, "6 packets"))
		for (i = 0; i < n; i++) {
			ASSERT_STREQ(jstr(&rows[i], "direction"), want_dir[i], "direction");
			ASSERT_EQ(jint(&rows[i], "pid"), i < 3 ? 4242 : 777, "packet owner pid");
		}
	json_rows_free(rows, n);
}

static void test_merged_timeline(void)
{
	/* merge_a.pcapng (SYN T0, ACK +1.3 ms, data +1.4 ms) and merge_b.pcap
	 * (SYN-ACK +1 ms, ACK +1.6 ms), loaded in that order: one timeline
	 * a b a a b, each packet keeping its file. */
	static const int64_t want_file[] = { 1, 2, 1, 1, 2 };
	static const int64_t want_ts[] = { T0, T0 + 1000000, T0 + 1300000, T0 + 1400000,
					   T0 + 1600000 };
	const char *files[] = { "merge_a.pcapng", "merge_b.pcap", NULL };
	struct jrow *rows;
	int rc, n, i;

	rows = na(&rc, &n, NULL, files, "--sql",
		  "SELECT p.ts_ns, p.ord, f.rank AS file FROM packets p JOIN "
		  "(SELECT file_id AS id, row_number() OVER (ORDER BY file_id) AS rank FROM files) f "
		  "ON f.id = p.file_id ORDER BY p.ord", NULL);
	ASSERT_EQ(rc, 0, "query");
	if (ASSERT_EQ(n, 5, "5 packets from 2 files"))
		for (i = 0; i < n; i++) {
			ASSERT_EQ(jint(&rows[i], "ts_ns"), want_ts[i], "merged in time order");
			ASSERT_EQ(jint(&rows[i], "file"), want_file[i], "packet keeps its file");
		}
	json_rows_free(rows, n);
	ASSERT_EQ(sql_int(NULL, files, "SELECT count(*) FROM files"), 2, "two files");
	ASSERT_EQ(sql_int(NULL, files, "SELECT count(*) FROM connections"), 1, "one connection");
}

static void test_filters(void)
{
	/* handshakes in the database (client port -> server port):
	 *   40001 192.0.2.10 -> 198.51.100.20:80   (established)
	 *   40002 192.0.2.10 -> 198.51.100.20:81   (refused)
	 *   40010 2001:db8::10 -> 2001:db8::20:443 (ipv6)
	 *   40005 192.0.2.10 -> 198.51.100.99:80   (unreachable)
	 *   40015 2001:db8::10 -> 2001:db8:ff::99:80 (unreachable) */
	const char *db = h_path("filters.db");
	const char *files[] = { "hs_established.pcapng", "hs_refused.pcapng", "hs_ipv6.pcapng",
				"hs_unreachable.pcapng", NULL };
	struct jrow *rows;
	int rc, n;

	rows = na(&rc, &n, db, files, "--handshakes", NULL);
	ASSERT_EQ(rc, 0, "load");
	ASSERT_EQ(n, 5, "all handshakes");
	json_rows_free(rows, n);

	ASSERT_EQ(count_rows(db, NULL, "--handshakes", "--port", "81", NULL, NULL), 1,
		  "--port 81 (server side)");
	ASSERT_EQ(count_rows(db, NULL, "--handshakes", "--port", "40002", NULL, NULL), 1,
		  "--port 40002 (client side)");
	ASSERT_EQ(count_rows(db, NULL, "--handshakes", "--port", "80", NULL, NULL), 3,
		  "--port 80");
	ASSERT_EQ(count_rows(db, NULL, "--handshakes", "--port", "9", NULL, NULL), 0,
		  "--port 9: nothing");
	ASSERT_EQ(count_rows(db, NULL, "--handshakes", "--host", "2001:db8::20", NULL, NULL), 1,
		  "--host 2001:db8::20");
	ASSERT_EQ(count_rows(db, NULL, "--handshakes", "--host", "2001:db8::10", NULL, NULL), 2,
		  "--host 2001:db8::10");
	ASSERT_EQ(count_rows(db, NULL, "--handshakes", "--host", "198.51.100.99", NULL, NULL), 1,
		  "--host 198.51.100.99");
	ASSERT_EQ(count_rows(db, NULL, "--handshakes", "--host", "192.0.2.10", NULL, NULL), 3,
		  "--host 192.0.2.10");
	ASSERT_EQ(count_rows(db, NULL, "--handshakes", "--host", "192.0.2.10", "--port", "81"),
		  1, "--host and --port together");
	ASSERT_EQ(count_rows(db, NULL, "--connections", "--port", "81", NULL, NULL), 1,
		  "--connections --port 81");

	rows = na(&rc, &n, db, NULL, "--handshakes", "--port", "81", NULL);
	if (n == 1) {
		ASSERT_EQ(jint(&rows[0], "client_port"), 40002, "the right row");
		ASSERT_STREQ(jstr(&rows[0], "outcome"), "refused", "the right row");
	}
	json_rows_free(rows, n);
}

static void test_process_filters(void)
{
	/* nr_procs.pcapng: C curl 5001 -> python3 5002 (SYN T0), D wget 5003
	 * refused (SYN T0+1 ms) */
	const char *files[] = { "nr_procs.pcapng", NULL };
	const char *db = h_path("procs.db");
	struct jrow *rows;
	int rc, n;

	rows = na(&rc, &n, db, files, "--handshakes", NULL);
	ASSERT_EQ(n, 2, "both handshakes");
	json_rows_free(rows, n);
	ASSERT_EQ(count_rows(db, NULL, "--handshakes", "--pid", "5002", NULL, NULL), 1,
		  "--pid 5002 (server side)");
	ASSERT_EQ(count_rows(db, NULL, "--handshakes", "--pid", "5003", NULL, NULL), 1,
		  "--pid 5003");
	ASSERT_EQ(count_rows(db, NULL, "--handshakes", "--pid", "4242", NULL, NULL), 0,
		  "--pid 4242: nothing");
	ASSERT_EQ(count_rows(db, NULL, "--handshakes", "--comm", "wget", NULL, NULL), 1,
		  "--comm wget");
	ASSERT_EQ(count_rows(db, NULL, "--handshakes", "--comm", "python3", NULL, NULL), 1,
		  "--comm python3");
	ASSERT_EQ(count_rows(db, NULL, "--handshakes", "--since", "1700000000.0005", NULL, NULL),
		  1, "--since T0+0.5 ms (seconds)");
	ASSERT_EQ(count_rows(db, NULL, "--handshakes", "--since", "1700000000000500000", NULL,
			     NULL), 1, "--since T0+0.5 ms (ns)");
	ASSERT_EQ(count_rows(db, NULL, "--handshakes", "--until", "2023-11-14T22:13:20.0005Z",
			     NULL, NULL), 1, "--until T0+0.5 ms (ISO 8601)");
	ASSERT_EQ(count_rows(db, NULL, "--handshakes", "--since", "1700000000", "--until",
			     "1700000000.002"), 2, "--since T0 --until T0+2 ms");
	rows = na(&rc, &n, db, NULL, "--handshakes", "--comm", "wget", NULL);
	if (n == 1) {
		ASSERT_EQ(jint(&rows[0], "client_port"), 41002, "the wget row");
		ASSERT_STREQ(jstr(&rows[0], "client_comm"), "wget", "the wget row");
	}
	json_rows_free(rows, n);
}

static void test_icmp(void)
{
	/* echo 0x1234 seq 1: 400 us, seq 2: 500 us, seq 3: no reply; ICMPv6
	 * echo 0x77 seq 1: 250 us; port unreachable (3/3) from 198.51.100.20
	 * quoting UDP 40053 -> 33434. The RTTs are also read from tshark's
	 * icmp.resptime / icmpv6.resptime (milliseconds). */
	const char *files[] = { "icmp.pcapng", NULL };
	static const struct { int seq; const char *dst; int64_t rtt; } echo[] = {
		{ 1, "198.51.100.20", 400000 }, { 2, "198.51.100.20", 500000 },
		{ 3, "198.51.100.20", INT64_MIN }, { 1, "2001:db8::20", 250000 },
	};
	struct jrow *rows;
	struct h_argv a;
	char *out = NULL, *line, *save = NULL;
	int rc, n, i, k, errors = 0, found;
	int64_t ts_rtt[4] = { INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN };

	/* tshark's response times, replies in file order: v4 seq 1, 2; v6 1 */
	h_argv_init(&a, "tshark");
	h_argv_add(&a, "-n");
	h_argv_add(&a, "-r");
	h_argv_add(&a, h_path("icmp.pcapng"));
	h_argv_add(&a, "-Y");
	h_argv_add(&a, "icmp.resptime || icmpv6.resptime");
	h_argv_add(&a, "-T");
	h_argv_add(&a, "fields");
	h_argv_add(&a, "-E");
	h_argv_add(&a, "separator=,");
	h_argv_add(&a, "-e");
	h_argv_add(&a, "icmp.resptime");
	h_argv_add(&a, "-e");
	h_argv_add(&a, "icmpv6.resptime");
	ASSERT_EQ(h_run(&a, &out, NULL), 0, "tshark");
	h_argv_free(&a);
	k = 0;
	for (line = strtok_r(out ? out : (char *)"", "\n", &save); line && k < 4;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *ms = *line == ',' ? line + 1 : line;
		char *comma = strchr(line, ',');

		if (comma && *line != ',')
			*comma = 0;
		/* milliseconds -> ns: parse as seconds then divide by 1000 */
		ts_rtt[k == 2 ? 3 : k] = h_parse_secs(ms) / 1000;
		k++;
	}
	free(out);
	ASSERT_EQ(k, 3, "tshark: three echo replies");
	for (i = 0; i < 4; i++)
		ASSERT_EQ(ts_rtt[i], echo[i].rtt, "hand RTT agrees with tshark's icmp.resptime");

	rows = na(&rc, &n, NULL, files, "--icmp", NULL);
	ASSERT_EQ(rc, 0, "--icmp exit status");
	for (i = 0; i < 4; i++) {
		found = 0;
		for (k = 0; k < n; k++) {
			const char *kind = jstr(&rows[k], "kind");

			if (!kind || strcmp(kind, "echo") || jint(&rows[k], "seq") != echo[i].seq ||
			    strcmp(h_canon(jstr(&rows[k], "dst")), echo[i].dst))
				continue;
			found++;
			if (echo[i].rtt == INT64_MIN) {
				ASSERT_EQ(jget(&rows[k], "rtt_ns")->t, JV_NULL, "unanswered: rtt null");
				ASSERT_EQ(jint(&rows[k], "replies"), 0, "unanswered: 0 replies");
			} else {
				ASSERT_EQ(jint(&rows[k], "rtt_ns"), echo[i].rtt, "echo rtt_ns");
				ASSERT_EQ(jint(&rows[k], "reply_ns") - jint(&rows[k], "ts_ns"),
					  echo[i].rtt, "reply_ns - ts_ns");
				ASSERT_EQ(jint(&rows[k], "replies"), 1, "one reply");
			}
			ASSERT_STREQ(h_canon(jstr(&rows[k], "src")),
				     strchr(echo[i].dst, ':') ? "2001:db8::10" : "192.0.2.10",
				     "echo requester");
		}
		ASSERT_EQ(found, 1, "one row per echo (id, seq)");
	}
	for (k = 0; k < n; k++) {
		const char *kind = jstr(&rows[k], "kind");

		if (!kind || strcmp(kind, "error"))
			continue;
		errors++;
		ASSERT_EQ(jint(&rows[k], "type"), 3, "error type");
		ASSERT_EQ(jint(&rows[k], "code"), 3, "error code");
		ASSERT_STREQ(h_canon(jstr(&rows[k], "src")), "198.51.100.20", "error sender");
		ASSERT_EQ(jint(&rows[k], "q_proto"), 17, "quoted protocol");
		ASSERT_EQ(jint(&rows[k], "q_sport"), 40053, "quoted source port");
		ASSERT_EQ(jint(&rows[k], "q_dport"), 33434, "quoted destination port");
		ASSERT_STREQ(h_canon(jstr(&rows[k], "q_dst")), "198.51.100.20", "quoted dst");
	}
	ASSERT_EQ(errors, 1, "one ICMP error row");
	json_rows_free(rows, n);
}

static void test_linktypes_recorded(void)
{
	static const struct { const char *file; int64_t linktype; } lt[] = {
		{ "link_eth.pcap", 1 },     { "link_raw.pcapng", 101 },  { "link_ipv4.pcap", 228 },
		{ "link_sll.pcap", 113 },   { "link_sll2.pcapng", 276 }, { "link_null.pcap", 0 },
		{ "link_loop.pcapng", 108 }, { "link_vlan.pcapng", 1 },  { "link_ipv6.pcap", 229 },
		{ "link_sll_v6.pcapng", 113 },
	};
	size_t i;

	for (i = 0; i < sizeof(lt) / sizeof(lt[0]); i++) {
		const char *files[] = { lt[i].file, NULL };

		if (!ASSERT_EQ(sql_int(NULL, files, "SELECT linktype FROM interfaces"),
			       lt[i].linktype, "interfaces.linktype"))
			fprintf(stderr, "  file %s\n", lt[i].file);
		/* every packet decoded to TCP (4 per file) */
		if (!ASSERT_EQ(sql_int(NULL, files,
				       "SELECT count(*) FROM packets WHERE proto = 6 AND "
				       "(sport = 8080 OR dport = 8080)"), 4,
			       "4 TCP packets decoded"))
			fprintf(stderr, "  file %s\n", lt[i].file);
	}
	{
		const char *files[] = { "link_vlan.pcapng", NULL };

		ASSERT_EQ(sql_int(NULL, files, "SELECT count(*) FROM packets WHERE vlan = 100"), 4,
			  "802.1Q VID 100 recorded");
	}
}

static void test_formats(void)
{
	/* the same report as jsonl, json (one array) and csv (header line of
	 * column names, then one line per row) */
	static const char *const keys[] = {
		"client", "client_port", "server", "server_port", "syn_ns", "syn_last_ns",
		"syn_count", "synack_ns", "ack_ns", "outcome", "rtt_server_ns", "rtt_client_ns",
		"irtt_ns", "client_pid", "client_comm", "server_pid", "server_comm",
	};
	const char *files[] = { "hs_port_reuse.pcapng", NULL };
	struct h_argv a;
	struct jrow *rows;
	char *out = NULL, *line, *save = NULL;
	int rc, n, lines = 0;
	size_t i;

	rows = na(&rc, &n, NULL, files, "--handshakes", NULL);
	ASSERT_EQ(rc, 0, "jsonl");
	ASSERT_EQ(n, 2, "jsonl rows");
	for (i = 0; n > 0 && i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!ASSERT_TRUE(jget(&rows[0], keys[i])->t != JV_MISSING, "jsonl key present"))
			fprintf(stderr, "  missing key %s\n", keys[i]);
	json_rows_free(rows, n);

	h_argv_init(&a, h_env.netanalyze);
	h_argv_add(&a, h_path(files[0]));
	h_argv_add(&a, "--handshakes");
	h_argv_add(&a, "--format");
	h_argv_add(&a, "json");
	rc = h_run(&a, &out, NULL);
	h_argv_free(&a);
	ASSERT_EQ(rc, 0, "json");
	ASSERT_TRUE(out && out[strspn(out, " \n")] == '[', "json is one array");
	n = json_rows(out ? out : "", &rows);
	ASSERT_EQ(n, 2, "json rows");
	if (n == 2) {
		ASSERT_EQ(jint(&rows[0], "syn_ns") == T0 ? jint(&rows[1], "syn_ns")
							 : jint(&rows[0], "syn_ns"),
			  T0 + 2000000000LL, "json: second attempt's syn_ns");
		ASSERT_EQ(jget(&rows[0], "client_pid")->t, JV_NULL, "json null");
	}
	json_rows_free(rows, n > 0 ? n : 0);
	free(out);
	out = NULL;

	h_argv_init(&a, h_env.netanalyze);
	h_argv_add(&a, h_path(files[0]));
	h_argv_add(&a, "--handshakes");
	h_argv_add(&a, "--format");
	h_argv_add(&a, "csv");
	rc = h_run(&a, &out, NULL);
	h_argv_free(&a);
	ASSERT_EQ(rc, 0, "csv");
	for (line = strtok_r(out ? out : (char *)"", "\r\n", &save); line;
	     line = strtok_r(NULL, "\r\n", &save)) {
		if (lines++ == 0) {
			for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
				char k[64];
				size_t kl = (size_t)snprintf(k, sizeof(k), "%s", keys[i]);
				const char *p = line;
				bool found = false;

				while ((p = strstr(p, k))) {
					if ((p == line || p[-1] == ',') && (p[kl] == ',' || !p[kl]))
						found = true;
					p += kl;
				}
				if (!ASSERT_TRUE(found, "csv header names the column"))
					fprintf(stderr, "  missing %s in %s\n", keys[i], line);
			}
		} else {
			ASSERT_TRUE(strstr(line, "established") != NULL, "csv row");
		}
	}
	ASSERT_EQ(lines, 3, "csv: header and two rows");
	free(out);
	out = NULL;

	/* --csv-null: NULL as \N, and a text that reads \N (or is empty)
	 * quoted, so that a loader tells them apart */
	h_argv_init(&a, h_env.netanalyze);
	h_argv_add(&a, h_path(files[0]));
	h_argv_add(&a, "--sql");
	h_argv_add(&a, "SELECT NULL AS a, '\\N' AS b, '' AS c, 7 AS d, 'x' AS e");
	h_argv_add(&a, "--format");
	h_argv_add(&a, "csv");
	h_argv_add(&a, "--csv-null");
	h_argv_add(&a, "\\N");
	rc = h_run(&a, &out, NULL);
	h_argv_free(&a);
	ASSERT_EQ(rc, 0, "csv --csv-null");
	ASSERT_STREQ(out, "a,b,c,d,e\n\\N,\"\\N\",\"\",7,x\n", "csv --csv-null row");
	free(out);
}

int main(int argc, char **argv)
{
	int rc = h_setup(argc, argv, true);

	if (rc)
		return rc;
	RUN_TEST(test_db_reuse);
	RUN_TEST(test_sql_readonly);
	RUN_TEST(test_schema);
	RUN_TEST(test_summary_reorder);
	RUN_TEST(test_global_order);
	RUN_TEST(test_merged_timeline);
	RUN_TEST(test_filters);
	RUN_TEST(test_process_filters);
	RUN_TEST(test_icmp);
	RUN_TEST(test_linktypes_recorded);
	RUN_TEST(test_formats);
	rc = test_exit();
	h_teardown(rc == 1);
	return rc;
}

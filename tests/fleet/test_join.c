/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Both ends joined, on gen_vantage's captures (a client host, a server host
 * whose clock runs 250 ms ahead, and a capture of the server's link that
 * names no host). Every expected value is worked out by hand from
 * gen_vantage.c's constants (true time t, delays, think times):
 *
 *   port 40001: client SYN out T0, SYN-ACK in T0+8.1 ms, ACK out T0+8.15 ms;
 *               server SYN in T0+253 ms, SYN-ACK out +253.1, ACK in +261.15
 *               (server clock): offset ((253-0)+(253.1-8.1))/2 = 249 ms,
 *               round trip 8.1-0.1 = 8 ms
 *   port 40002: client 100, 102.1, 102.15; server 351, 351.1, 353.15:
 *               offset ((351-100)+(351.1-102.1))/2 = 250 ms, round trip 2 ms
 *
 * so the pair's offset is 250 ms (the least round trip), good to 1 ms, and
 * 40001's one-way delays come out as the true 3 ms and 5 ms.
 *
 * Usage (from meson): test_join GEN_VANTAGE NETANALYZE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

TEST_MAIN_STATE;

#define T0 1700000000000000000LL
#define MS 1000000LL
#define US 1000LL

static const char *files3[] = { NULL, NULL, NULL, NULL };

static struct jrow *q(int *n, const char *const *files, const char *sql, const char *extra)
{
	return h_netanalyze_rows(0, n, files, "--sql", sql, "--format", "jsonl",
				 extra ? extra : "-q", NULL);
}

static const struct jrow *by_port(const struct jrow *r, int n, int port)
{
	for (int i = 0; i < n; i++)
		if (jint(&r[i], "client_port") == port)
			return &r[i];
	return NULL;
}

static void test_each_vantage_apart(void)
{
	struct jrow *r;
	int n;

	/* client 5 attempts, server 4, tap 4: each host's view of its own */
	r = q(&n, files3, "SELECT f.host, count(*) AS n, sum(c.retransmissions) AS rtx"
	      " FROM connections c JOIN files f USING (file_id) GROUP BY f.host ORDER BY f.host",
	      NULL);
	if (ASSERT_EQ(n, 3, "three vantage points")) {
		ASSERT_EQ(jget(&r[0], "host")->t, JV_NULL, "the tap names no host");
		ASSERT_EQ(jint(&r[0], "n"), 4, "tap: connections");
		ASSERT_STREQ(jstr(&r[1], "host"), "client-a", "client host");
		ASSERT_EQ(jint(&r[1], "n"), 5, "client: connections");
		ASSERT_STREQ(jstr(&r[2], "host"), "server-b", "server host");
		ASSERT_EQ(jint(&r[2], "n"), 4, "server: connections");
		/* the only retransmission is the client's second SYN on 40004:
		 * the other hosts' copies are not retransmissions */
		ASSERT_EQ(jint(&r[1], "rtx"), 1, "client: retransmissions");
		ASSERT_EQ(jint(&r[2], "rtx"), 0, "server: no retransmissions");
		ASSERT_EQ(jint(&r[0], "rtx"), 0, "tap: no retransmissions");
	}
	json_rows_free(r, n);
}

static void test_joined_rows(void)
{
	struct jrow *r;
	const struct jrow *j;
	int n;

	r = q(&n, files3, "SELECT * FROM joined ORDER BY client_port", NULL);
	ASSERT_EQ(n, 5, "each connection once");
	j = by_port(r, n, 40001);
	if (ASSERT_OK_PTR(j, "40001")) {
		ASSERT_STREQ(jstr(j, "client_host"), "client-a", "client side's host");
		ASSERT_STREQ(jstr(j, "server_host"), "server-b", "server side's host");
		ASSERT_EQ(jint(j, "client_pid"), 4242, "client's process");
		ASSERT_STREQ(jstr(j, "client_comm"), "nr-client", "client's command");
		ASSERT_EQ(jint(j, "server_pid"), 777, "server's process");
		ASSERT_STREQ(jstr(j, "server_comm"), "nr-server", "server's command");
		ASSERT_STREQ(jstr(j, "client_outcome"), "established", "client saw");
		ASSERT_STREQ(jstr(j, "server_outcome"), "established", "server saw");
		ASSERT_EQ(jint(j, "c_syn_ns"), T0, "T1");
		ASSERT_EQ(jint(j, "s_syn_ns"), T0 + 253 * MS, "T2");
		ASSERT_EQ(jint(j, "s_synack_ns"), T0 + 253 * MS + 100 * US, "T3");
		ASSERT_EQ(jint(j, "c_synack_ns"), T0 + 8 * MS + 100 * US, "T4");
		ASSERT_EQ(jint(j, "c_rtt_ns"), 8 * MS + 100 * US, "client side SYN -> SYN-ACK");
		ASSERT_EQ(jint(j, "s_rtt_ns"), 8 * MS + 50 * US, "server side SYN-ACK -> ACK");
		ASSERT_EQ(jint(j, "hs_offset_ns"), 249 * MS, "this handshake's offset");
		ASSERT_EQ(jint(j, "path_delay_ns"), 8 * MS, "this handshake's round trip");
		ASSERT_EQ(jint(j, "clock_offset_ns"), 250 * MS, "the hosts' offset");
		ASSERT_EQ(jint(j, "clock_error_ns"), 1 * MS, "its bound");
		ASSERT_EQ(jint(j, "owd_syn_ns"), 3 * MS, "SYN one-way delay");
		ASSERT_EQ(jint(j, "owd_synack_ns"), 5 * MS, "SYN-ACK one-way delay");
		ASSERT_EQ(jint(j, "owd_ack_ns"), 3 * MS, "ACK one-way delay");
		ASSERT_EQ(jint(j, "vantages"), 3, "seen at three points");
		ASSERT_EQ(jint(j, "duplicates"), 1, "the tap's copy is a duplicate");
		ASSERT_EQ(jint(j, "sides_inferred"), 0, "sides from directions");
	}
	j = by_port(r, n, 40002);
	if (ASSERT_OK_PTR(j, "40002")) {
		ASSERT_EQ(jint(j, "hs_offset_ns"), 250 * MS, "symmetric: exact offset");
		ASSERT_EQ(jint(j, "path_delay_ns"), 2 * MS, "round trip");
		ASSERT_EQ(jint(j, "owd_syn_ns"), 1 * MS, "SYN one-way delay");
		ASSERT_EQ(jint(j, "owd_synack_ns"), 1 * MS, "SYN-ACK one-way delay");
	}
	j = by_port(r, n, 40003);
	if (ASSERT_OK_PTR(j, "40003")) {
		ASSERT_STREQ(jstr(j, "client_outcome"), "refused", "client saw");
		ASSERT_STREQ(jstr(j, "server_outcome"), "refused", "server saw");
		ASSERT_EQ(jint(j, "client_pid"), 4242, "client's process");
		ASSERT_EQ(jget(j, "server_pid")->t, JV_NULL, "the kernel refused: no process");
		ASSERT_EQ(jget(j, "hs_offset_ns")->t, JV_NULL, "no SYN-ACK: no clock sample");
		ASSERT_EQ(jint(j, "owd_syn_ns"), 1 * MS, "SYN one-way delay");
		ASSERT_EQ(jint(j, "duplicates"), 1, "tap's copy");
	}
	j = by_port(r, n, 40004);
	if (ASSERT_OK_PTR(j, "40004")) {
		ASSERT_EQ(jget(j, "hs_offset_ns")->t, JV_NULL, "SYN sent twice: no sample (Karn)");
		ASSERT_EQ(jget(j, "owd_syn_ns")->t, JV_NULL, "which SYN arrived is unknown");
		ASSERT_EQ(jint(j, "owd_ack_ns"), 1 * MS, "ACK one-way delay");
		ASSERT_EQ(jint(j, "clock_offset_ns"), 250 * MS, "the hosts' offset still applies");
	}
	j = by_port(r, n, 40005);
	if (ASSERT_OK_PTR(j, "40005")) {
		ASSERT_STREQ(jstr(j, "client_host"), "client-a", "recorded at the client");
		ASSERT_EQ(jget(j, "server_host")->t, JV_NULL, "not at any server");
		ASSERT_EQ(jint(j, "vantages"), 1, "one vantage point");
		ASSERT_EQ(jint(j, "duplicates"), 0, "no copies");
	}
	json_rows_free(r, n);

	r = q(&n, files3, "SELECT * FROM clock_offsets", NULL);
	if (ASSERT_EQ(n, 1, "one pair of hosts with samples")) {
		ASSERT_STREQ(jstr(&r[0], "host_a"), "client-a", "pair");
		ASSERT_STREQ(jstr(&r[0], "host_b"), "server-b", "pair");
		ASSERT_EQ(jint(&r[0], "offset_ns"), 250 * MS, "server-b's clock ahead by 250 ms");
		ASSERT_EQ(jint(&r[0], "error_ns"), 1 * MS, "half the least round trip");
		ASSERT_EQ(jint(&r[0], "samples"), 2, "two unambiguous handshakes");
	}
	json_rows_free(r, n);

	/* which rows were the copies */
	r = q(&n, files3, "SELECT m.part, count(*) AS n FROM joined_members m"
	      " JOIN handshakes h USING (hs_id) JOIN files f ON f.file_id = h.file_id"
	      " WHERE f.host IS NULL GROUP BY m.part", NULL);
	if (ASSERT_EQ(n, 1, "the tap's rows have one part")) {
		ASSERT_STREQ(jstr(&r[0], "part"), "copy", "the tap's rows are copies");
		ASSERT_EQ(jint(&r[0], "n"), 4, "all four");
	}
	json_rows_free(r, n);
}

static void test_report_and_host_name(void)
{
	const char *two[] = { files3[0], files3[1], NULL };
	struct h_argv a;
	char *out = NULL;
	int rc, n;
	struct jrow *r;

	/* the report, for people */
	h_argv_init(&a, h_env.netanalyze);
	for (int i = 0; files3[i]; i++)
		h_argv_add(&a, files3[i]);
	h_argv_add(&a, "--joined");
	h_argv_add(&a, "--format");
	h_argv_add(&a, "table");
	rc = h_run(&a, &out, NULL);
	h_argv_free(&a);
	ASSERT_EQ(rc, 0, "--joined");
	ASSERT_TRUE(out && strstr(out, "client-a > server-b") && strstr(out, "250ms +-1.00ms") &&
		    strstr(out, "nr-server[777]"), "--joined table shows hosts, offset, processes");
	if (out && !strstr(out, "250ms +-1.00ms"))
		fprintf(stderr, "%s\n", out);
	free(out);

	/* a capture named at load time is a vantage point of that name */
	char db[1024];

	snprintf(db, sizeof(db), "%s/named.db", h_env.dir);
	r = h_netanalyze_rows(0, &n, two, "--db", db, "-q", "--sql", "SELECT 1", "--format", "jsonl",
			      NULL);
	json_rows_free(r, n);
	const char *tap[] = { files3[2], NULL };

	r = h_netanalyze_rows(0, &n, tap, "--db", db, "--host-name", "tap-1", "-q", "--sql",
			      "SELECT (SELECT host FROM files WHERE path LIKE '%tap.pcap') AS h,"
			      " (SELECT duplicates FROM joined WHERE client_port = 40001) AS d,"
			      " (SELECT vantages FROM joined WHERE client_port = 40001) AS v",
			      "--format", "jsonl", NULL);
	if (ASSERT_EQ(n, 1, "one row")) {
		ASSERT_STREQ(jstr(&r[0], "h"), "tap-1", "--host-name names the file");
		ASSERT_EQ(jint(&r[0], "d"), 1, "still a duplicate");
		ASSERT_EQ(jint(&r[0], "v"), 3, "three vantage points");
	}
	json_rows_free(r, n);
}

static void test_one_vantage_nothing_joined(void)
{
	const char *one[] = { files3[0], NULL };
	struct jrow *r;
	int n;

	r = q(&n, one, "SELECT (SELECT count(*) FROM joined) AS j, (SELECT count(*) FROM handshakes) AS h",
	      NULL);
	if (ASSERT_EQ(n, 1, "row")) {
		ASSERT_EQ(jint(&r[0], "j"), 0, "one vantage point: nothing to join");
		ASSERT_EQ(jint(&r[0], "h"), 5, "its handshakes");
	}
	json_rows_free(r, n);
}

int main(int argc, char **argv)
{
	static char c[1024], s[1024], t[1024];
	int rc;

	rc = h_setup(argc, argv, true);
	if (rc)
		return rc;
	snprintf(c, sizeof(c), "%s/client.pcapng", h_env.dir);
	snprintf(s, sizeof(s), "%s/server.pcapng", h_env.dir);
	snprintf(t, sizeof(t), "%s/tap.pcap", h_env.dir);
	files3[0] = c;
	files3[1] = s;
	files3[2] = t;
	RUN_TEST(test_each_vantage_apart);
	RUN_TEST(test_joined_rows);
	RUN_TEST(test_report_and_host_name);
	RUN_TEST(test_one_vantage_nothing_joined);
	h_teardown(test_state.failed_subtests > 0);
	return test_exit();
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netanalyze against the reference implementations' own rules: Zeek's
 * conn_state and history (its TCP analyzer's endpoint state machine,
 * history bookkeeping and role flips, and conn_state in
 * scripts/base/protocols/conn/main.zeek) and Wireshark's TCP sequence
 * analysis (tcp_analyze_sequence_number in packet-tcp.c). Each case is a
 * small pcap written here from the spec (raw IP, pkt.c's packets), with the
 * expected values worked out by hand from those rules (the comment of each
 * case walks through them); where Wireshark has an opinion, tshark -2 reads
 * the same file in the same run.
 *
 * Usage (from meson): test_fidelity SAMPLES_DIR [NETANALYZE]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pkt.h"
#include "test.h"

TEST_MAIN_STATE;

#define T0 1700000000LL   /* seconds */
#define LINKTYPE_RAW 101

static FILE *cap_f;
static int cap_us;

static void cap_open(const char *name)
{
	/* pcap header: magic, v2.4, zone, sigfigs, snaplen, linktype */
	static const uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, LINKTYPE_RAW };

	cap_f = fopen(h_path(name), "wb");
	if (!cap_f) {
		perror(name);
		exit(1);
	}
	fwrite(hdr, 4, 6, cap_f);
	cap_us = 0;
}

static void cap_close(void)
{
	fclose(cap_f);
	cap_f = NULL;
}

/* One TCP segment, 1 ms after the previous one. */
static void seg(const char *src, int sport, const char *dst, int dport, uint8_t flags,
		uint32_t seq, uint32_t ack, uint32_t len, uint16_t win)
{
	uint8_t buf[PKT_MAX];
	struct pkt_ep s = pkt_ep(src, (uint16_t)sport), d = pkt_ep(dst, (uint16_t)dport);
	struct pkt_tcp t = { .flags = flags, .seq = seq, .ack = ack, .win = win, .payload = len };
	size_t n = pkt_tcp(buf, sizeof(buf), &s, &d, &t);
	uint32_t rec[4];

	cap_us += 1000;
	rec[0] = (uint32_t)(T0 + cap_us / 1000000);
	rec[1] = (uint32_t)(cap_us % 1000000);
	rec[2] = rec[3] = (uint32_t)n;
	fwrite(rec, 4, 4, cap_f);
	fwrite(buf, 1, n, cap_f);
}

#define C "192.0.2.1"
#define S "198.51.100.1"
#define W 65535

/* The connections row with this originator port, or NULL. */
static const struct jrow *conn_by_orig_port(const struct jrow *rows, int n, int port)
{
	for (int i = 0; i < n; i++)
		if (jint(&rows[i], "orig_p") == port)
			return &rows[i];
	return NULL;
}

static void check_conn(const struct jrow *rows, int n, int orig_p, const char *orig_h,
		       int resp_p, const char *state, const char *history)
{
	char name[128];
	const struct jrow *r = conn_by_orig_port(rows, n, orig_p);

	snprintf(name, sizeof(name), "a connection with originator port %d", orig_p);
	if (!ASSERT_TRUE(r != NULL, name))
		return;
	snprintf(name, sizeof(name), "port %d: orig_h", orig_p);
	ASSERT_STREQ(jstr(r, "orig_h"), orig_h, name);
	snprintf(name, sizeof(name), "port %d: resp_p", orig_p);
	ASSERT_EQ(jint(r, "resp_p"), resp_p, name);
	snprintf(name, sizeof(name), "port %d: conn_state", orig_p);
	ASSERT_STREQ(jstr(r, "conn_state"), state, name);
	snprintf(name, sizeof(name), "port %d: history", orig_p);
	ASSERT_STREQ(jstr(r, "history"), history, name);
}

static struct jrow *conn_rows(const char *file, int *n)
{
	return h_netanalyze_rows(0, n, (const char *const[]){ h_path(file), NULL },
				 "--sql", "SELECT orig_h, orig_p, resp_h, resp_p, conn_state, history "
				 "FROM connections ORDER BY conn_id", "--format", "jsonl", NULL);
}

/* tshark -2 on the same file: the frames it flags, with the class
 * netanalyze's retransmissions table names each (Wireshark's precedence:
 * fast, spurious, retransmission, out of order, keep-alive, then the
 * lost-segment flags), must be netanalyze's rows. */
static void tshark_compare_classes(const char *file, const struct jrow *rows, int n)
{
	static const char *const cls[] = { "fast", "spurious", "retransmission", "out_of_order",
					   "keep_alive", "lost_segment", "ack_lost_segment" };
	struct h_argv a;
	char *out = NULL, *line, *save = NULL;
	int seen = 0;

	if (!h_env.have_tshark) {
		fprintf(stderr, "  (tshark missing: not compared)\n");
		return;
	}
	h_argv_init(&a, "tshark");
	for (const char *const *v = (const char *const[]){ "-2", "-n", "-r", h_path(file), "-T",
		"fields", "-e", "frame.number", "-e", "tcp.analysis.fast_retransmission", "-e",
		"tcp.analysis.spurious_retransmission", "-e", "tcp.analysis.retransmission", "-e",
		"tcp.analysis.out_of_order", "-e", "tcp.analysis.keep_alive", "-e",
		"tcp.analysis.lost_segment", "-e", "tcp.analysis.ack_lost_segment", NULL }; *v; v++)
		h_argv_add(&a, *v);
	if (!ASSERT_EQ(h_run(&a, &out, NULL), 0, "tshark runs")) {
		h_argv_free(&a);
		free(out);
		return;
	}
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[8] = { 0 }, *p = line;
		int k = 0, which = -1;

		for (; k < 8; k++) {
			f[k] = p;
			p = strchr(p, '\t');
			if (!p)
				break;
			*p++ = 0;
		}
		for (int c = 0; c < 7 && c + 1 <= k; c++)
			if (f[c + 1] && *f[c + 1]) {
				which = c;
				break;
			}
		if (which < 0)
			continue;
		char name[96];
		int frame = atoi(f[0]);
		const struct jrow *r = NULL;

		for (int i = 0; i < n; i++)
			if (jint(&rows[i], "packet_id") == frame)
				r = &rows[i];
		snprintf(name, sizeof(name), "tshark flags frame %d (%s): netanalyze too", frame,
			 cls[which]);
		if (ASSERT_TRUE(r != NULL, name))
			ASSERT_STREQ(jstr(r, "class"), cls[which], name);
		seen++;
	}
	ASSERT_EQ(seen, n, "tshark flags as many frames as netanalyze");
	h_argv_free(&a);
	free(out);
}

/* netanalyze's retransmissions rows of a file, compared with tshark's flags. */
static void classes_vs_tshark(const char *file)
{
	int n;
	struct jrow *rows = h_netanalyze_rows(0, &n, (const char *const[]){ h_path(file), NULL },
					      "--sql", "SELECT packet_id, class FROM retransmissions",
					      "--format", "jsonl", NULL);

	tshark_compare_classes(file, rows, n);
	json_rows_free(rows, n);
}

/*
 * conn_state and the role flips, one connection per client port.
 *
 * 40000, FINs from both sides then a RST: SYN (orig SYN_SENT, "S"), SYN-ACK
 * (resp: its peer SYN_SENT -> ESTABLISHED, itself ESTABLISHED, "h"), ACK
 * ("A"), FIN (orig CLOSED, "F"), the same FIN again (same sequence end: no
 * second "F"; no payload: no "T"), FIN from resp (CLOSED, "f"), ACK (ACK
 * already recorded), RST from orig ("R"): in the closed state a RST changes
 * the state only when the peer is not closed, and it is. Both CLOSED: SF,
 * "ShAFfR".
 *
 * 40001, a SYN answered by a SYN-ACK, nothing more: both ESTABLISHED: S1,
 * "Sh".
 *
 * 40002, first seen at a SYN-ACK from port 80 (a likely server port) to an
 * ephemeral one: Zeek flips the roles at once ("^"); the SYN-ACK's sender
 * (responder) becomes ESTABLISHED ("h"); the ACK of the originator, INACTIVE,
 * with its peer ESTABLISHED, establishes it ("A"): S1, "^hA", originator
 * 192.0.2.1:40002.
 *
 * 40003 <- 9000, first seen at a SYN-ACK from an unlikely server port: no
 * flip; its sender is the originator, in SYN_ACK_SENT ("H"). The ACK of the
 * other side, with the history exactly "H", flips the roles and the history
 * becomes "^h", then "A" (now the originator's). That ACK's endpoint was
 * INACTIVE and its peer is in SYN_ACK_SENT, not ESTABLISHED: PARTIAL.
 * Originator PARTIAL, responder SYN_ACK_SENT: OTH, "^hA", originator
 * 192.0.2.1:40003.
 *
 * 40004 <- 9000, a SYN-ACK alone from an unlikely server port: no flip, its
 * sender is the originator (198.51.100.1:9000), SYN_ACK_SENT, the other side
 * INACTIVE: OTH, "H".
 *
 * 40005, SYN then a FIN+RST+ACK reply: two of SYN/FIN/RST: "i" (FIN and
 * RST); the reply's endpoint goes CLOSED then RESET; originator SYN_SENT:
 * REJ, "Si".
 *
 * 40006, SYN+FIN: two of SYN/FIN/RST, not FIN+RST: "Q"; the originator goes
 * SYN_SENT then CLOSED, the responder INACTIVE: SH, "Q".
 */
static void test_conn_state(void)
{
	struct jrow *rows;
	int n;

	cap_open("states.pcap");
	seg(C, 40000, S, 80, TH_SYN, 1000, 0, 0, W);
	seg(S, 80, C, 40000, TH_SYN | TH_ACK, 5000, 1001, 0, W);
	seg(C, 40000, S, 80, TH_ACK, 1001, 5001, 0, W);
	seg(C, 40000, S, 80, TH_FIN | TH_ACK, 1001, 5001, 0, W);
	seg(C, 40000, S, 80, TH_FIN | TH_ACK, 1001, 5001, 0, W);
	seg(S, 80, C, 40000, TH_FIN | TH_ACK, 5001, 1002, 0, W);
	seg(C, 40000, S, 80, TH_ACK, 1002, 5002, 0, W);
	seg(C, 40000, S, 80, TH_RST, 1002, 0, 0, 0);

	seg(C, 40001, S, 80, TH_SYN, 2000, 0, 0, W);
	seg(S, 80, C, 40001, TH_SYN | TH_ACK, 6000, 2001, 0, W);

	seg(S, 80, C, 40002, TH_SYN | TH_ACK, 7000, 3001, 0, W);
	seg(C, 40002, S, 80, TH_ACK, 3001, 7001, 0, W);

	seg(S, 9000, C, 40003, TH_SYN | TH_ACK, 8000, 4001, 0, W);
	seg(C, 40003, S, 9000, TH_ACK, 4001, 8001, 0, W);

	seg(S, 9000, C, 40004, TH_SYN | TH_ACK, 9000, 5001, 0, W);

	seg(C, 40005, S, 80, TH_SYN, 6000, 0, 0, W);
	seg(S, 80, C, 40005, TH_FIN | TH_RST | TH_ACK, 0, 6001, 0, 0);

	seg(C, 40006, S, 80, TH_SYN | TH_FIN, 7000, 0, 0, W);
	cap_close();

	rows = conn_rows("states.pcap", &n);
	ASSERT_EQ(n, 7, "seven connections");
	check_conn(rows, n, 40000, C, 80, "SF", "ShAFfR");
	check_conn(rows, n, 40001, C, 80, "S1", "Sh");
	check_conn(rows, n, 40002, C, 80, "S1", "^hA");
	check_conn(rows, n, 40003, C, 9000, "OTH", "^hA");
	check_conn(rows, n, 9000, S, 40004, "OTH", "H");
	check_conn(rows, n, 40005, C, 80, "REJ", "Si");
	check_conn(rows, n, 40006, C, 80, "SH", "Q");
	json_rows_free(rows, n);
	classes_vs_tshark("states.pcap");
}

/*
 * History letters T/t, W/w and their repeats (Zeek's TCP analyzer: a
 * segment with payload whose end does not pass the highest sequence end the
 * side has sent is a retransmission; T, W, C and G are recorded at the 1st,
 * 10th, 100th ... occurrence).
 *
 * SYN "S", SYN-ACK "h", ACK "A"; 100 bytes at 1001 "D", 100 at 1101 (data
 * already recorded), then the segment at 1001 ten times: the 1st and the
 * 10th give "T" each. The responder sends 100 bytes at 5101 first ("d"),
 * then 100 at 5001, which ends at 5101, before the highest end 5201: "t"
 * (out of order, to Zeek a retransmission). Then a pure ACK of the responder
 * ("a") with a zero window ("w"). Nobody closed: both ESTABLISHED, S1,
 * "ShADTTdtaw".
 */
static void test_history_letters(void)
{
	struct jrow *rows;
	int n;

	cap_open("letters.pcap");
	seg(C, 41000, S, 80, TH_SYN, 1000, 0, 0, W);
	seg(S, 80, C, 41000, TH_SYN | TH_ACK, 5000, 1001, 0, W);
	seg(C, 41000, S, 80, TH_ACK, 1001, 5001, 0, W);
	seg(C, 41000, S, 80, TH_ACK | TH_PSH, 1001, 5001, 100, W);
	seg(C, 41000, S, 80, TH_ACK | TH_PSH, 1101, 5001, 100, W);
	for (int i = 0; i < 10; i++)
		seg(C, 41000, S, 80, TH_ACK | TH_PSH, 1001, 5001, 100, W);
	seg(S, 80, C, 41000, TH_ACK | TH_PSH, 5101, 1201, 100, W);
	seg(S, 80, C, 41000, TH_ACK | TH_PSH, 5001, 1201, 100, W);
	seg(S, 80, C, 41000, TH_ACK, 5201, 1201, 0, 0);
	cap_close();

	rows = conn_rows("letters.pcap", &n);
	ASSERT_EQ(n, 1, "one connection");
	check_conn(rows, n, 41000, C, 80, "S1", "ShADTTdtaw");
	json_rows_free(rows, n);
	/* Wireshark on the same segments: frame 6 (the first resend, within
	 * 3 ms of the highest segment) out of order, 7-15 retransmissions, 16
	 * (5101 > next 5001) previous segment not captured, 17 out of order */
	classes_vs_tshark("letters.pcap");
}

/*
 * Wireshark's sequence analysis (tcp_analyze_sequence_number): a SYN or FIN
 * sent again is a retransmission even within the out-of-order threshold,
 * since the SYN or FIN takes a sequence number (the segment ends where the
 * side's next sequence number is); a segment starting beyond the side's next
 * sequence number is "previous segment not captured" (lost_segment); an ACK
 * beyond what the peer sent without a hole is "ACKed unseen segment"
 * (ack_lost_segment), once.
 *
 * 1 SYN 1000 at 1 ms; 2 the same SYN at 2 ms: next sequence number 1001 =
 * 1000 + 0 + 1, so not out of order; no payload, so not spurious; no
 * duplicate ACKs: retransmission. 3 SYN-ACK, 4 ACK (initial RTT: 2 ms, from
 * the most recent SYN). 5 100 bytes at 1001 (next 1101); 6 100 bytes at 1201
 * > 1101: lost_segment (the client's 'max seq to be acked' stays 1101). 7 the
 * server ACKs 1301 > 1101: ack_lost_segment. 8 FIN at 1301 (next 1302), 9
 * the same FIN 1 ms later (< 2 ms): 1302 = 1301 + 0 + 1, not out of order:
 * retransmission.
 */
static const struct { int frame; const char *cls; } rtx_exp[] = {
	{ 2, "retransmission" }, { 6, "lost_segment" }, { 7, "ack_lost_segment" },
	{ 9, "retransmission" },
};

static void test_wireshark_classes(void)
{
	struct jrow *rows;
	int n;

	cap_open("classes.pcap");
	seg(C, 42000, S, 80, TH_SYN, 1000, 0, 0, W);
	seg(C, 42000, S, 80, TH_SYN, 1000, 0, 0, W);
	seg(S, 80, C, 42000, TH_SYN | TH_ACK, 5000, 1001, 0, W);
	seg(C, 42000, S, 80, TH_ACK, 1001, 5001, 0, W);
	seg(C, 42000, S, 80, TH_ACK | TH_PSH, 1001, 5001, 100, W);
	seg(C, 42000, S, 80, TH_ACK | TH_PSH, 1201, 5001, 100, W);
	seg(S, 80, C, 42000, TH_ACK, 5001, 1301, 0, W);
	seg(C, 42000, S, 80, TH_FIN | TH_ACK, 1301, 5001, 0, W);
	seg(C, 42000, S, 80, TH_FIN | TH_ACK, 1301, 5001, 0, W);
	cap_close();

	rows = h_netanalyze_rows(0, &n, (const char *const[]){ h_path("classes.pcap"), NULL },
				 "--sql", "SELECT packet_id, class FROM retransmissions ORDER BY packet_id",
				 "--format", "jsonl", NULL);
	tshark_compare_classes("classes.pcap", rows, n);
	if (ASSERT_EQ(n, 4, "four flagged segments")) {
		for (int i = 0; i < 4; i++) {
			char name[64];

			snprintf(name, sizeof(name), "flagged frame %d", rtx_exp[i].frame);
			ASSERT_EQ(jint(&rows[i], "packet_id"), rtx_exp[i].frame, name);
			ASSERT_STREQ(jstr(&rows[i], "class"), rtx_exp[i].cls, name);
		}
	}
	json_rows_free(rows, n);
	/* the anomaly bits: 4096 lost_segment, 8192 ack_lost_segment */
	rows = h_netanalyze_rows(0, &n, (const char *const[]){ h_path("classes.pcap"), NULL },
				 "--sql", "SELECT id, anomalies FROM packets WHERE anomalies & 12288 ORDER BY id",
				 "--format", "jsonl", NULL);
	if (ASSERT_EQ(n, 2, "two packets with lost-segment bits")) {
		ASSERT_EQ(jint(&rows[0], "anomalies"), 4096, "frame 6 lost_segment bit");
		ASSERT_EQ(jint(&rows[1], "anomalies"), 8192, "frame 7 ack_lost_segment bit");
	}
	json_rows_free(rows, n);
}

/*
 * How long a closed connection waits for stray packets: Zeek removes a
 * connection 5 s after it closed by FIN both ways or by RST
 * (tcp_close_delay, tcp_reset_delay in init-bare.zeek; the ConnDeleteTimer
 * of its TCP analyzer), so a packet on the 4-tuple after that starts a new
 * connection. Ports 43000 and 43001 close by FIN both ways, 43002 by RST.
 * 4 s later the client resends its last ACK on 43000: still that
 * connection (the client sent SYN, ACK, FIN, ACK and this one: 5). 2 s
 * after that, more than 5 s after their last packets, the same on 43001 and
 * 43002: each a connection of its own (1 packet), while the closed ones
 * keep their 6 and 3 packets.
 */
static void test_close_delay(void)
{
	struct jrow *rows;
	int n;

	cap_open("close_delay.pcap");
	for (int port = 43000; port <= 43001; port++) {
		seg(C, port, S, 80, TH_SYN, 1000, 0, 0, W);
		seg(S, 80, C, port, TH_SYN | TH_ACK, 5000, 1001, 0, W);
		seg(C, port, S, 80, TH_ACK, 1001, 5001, 0, W);
		seg(C, port, S, 80, TH_FIN | TH_ACK, 1001, 5001, 0, W);
		seg(S, 80, C, port, TH_FIN | TH_ACK, 5001, 1002, 0, W);
		seg(C, port, S, 80, TH_ACK, 1002, 5002, 0, W);
	}
	seg(C, 43002, S, 80, TH_SYN, 1000, 0, 0, W);
	seg(S, 80, C, 43002, TH_SYN | TH_ACK, 5000, 1001, 0, W);
	seg(C, 43002, S, 80, TH_RST, 1001, 0, 0, 0);
	cap_us += 4000000;
	seg(C, 43000, S, 80, TH_ACK, 1002, 5002, 0, W);
	cap_us += 2000000;
	seg(C, 43001, S, 80, TH_ACK, 1002, 5002, 0, W);
	seg(C, 43002, S, 80, TH_ACK, 1001, 5001, 0, W);
	cap_close();

	rows = h_netanalyze_rows(0, &n, (const char *const[]){ h_path("close_delay.pcap"), NULL },
				 "--sql", "SELECT max(orig_p, resp_p) AS port, orig_pkts + resp_pkts AS pkts,"
				 " CASE WHEN orig_p = 80 THEN resp_pkts ELSE orig_pkts END AS client_pkts"
				 " FROM connections ORDER BY conn_id", "--format", "jsonl", NULL);
	if (ASSERT_EQ(n, 5, "five connections")) {
		static const struct { int port, pkts, client_pkts; } want[] = {
			{ 43000, 7, 5 }, { 43001, 6, 4 }, { 43002, 3, 2 }, { 43001, 1, 1 },
			{ 43002, 1, 1 },
		};

		for (int i = 0; i < 5; i++) {
			char name[96];

			snprintf(name, sizeof(name), "connection %d: port", i + 1);
			ASSERT_EQ(jint(&rows[i], "port"), want[i].port, name);
			snprintf(name, sizeof(name), "connection %d (port %d): packets", i + 1,
				 want[i].port);
			ASSERT_EQ(jint(&rows[i], "pkts"), want[i].pkts, name);
			snprintf(name, sizeof(name), "connection %d (port %d): the client's packets",
				 i + 1, want[i].port);
			ASSERT_EQ(jint(&rows[i], "client_pkts"), want[i].client_pkts, name);
		}
	}
	json_rows_free(rows, n);
}

int main(int argc, char **argv)
{
	int rc = h_setup(argc, argv, false);

	if (rc)
		return rc;
	RUN_TEST(test_conn_state);
	RUN_TEST(test_history_letters);
	RUN_TEST(test_wireshark_classes);
	RUN_TEST(test_close_delay);
	h_teardown(test_state.failed_subtests != 0);
	return test_exit();
}

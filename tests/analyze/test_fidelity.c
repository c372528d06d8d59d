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
}

int main(int argc, char **argv)
{
	int rc = h_setup(argc, argv, false);

	if (rc)
		return rc;
	RUN_TEST(test_conn_state);
	RUN_TEST(test_history_letters);
	h_teardown(test_state.failed_subtests != 0);
	return test_exit();
}

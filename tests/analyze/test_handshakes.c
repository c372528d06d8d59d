/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netanalyze --handshakes on the synthetic captures of gen_captures.c.
 *
 * Two independent oracles for every capture: the expected rows below, worked
 * out by hand from the timestamps gen_captures.c writes (T0 plus offsets;
 * RTTs are differences of those constants, following the definitions in
 * docs/schema.md and Wireshark's tcp.analysis.initial_rtt), and tshark
 * reading the same file in the same run (tcp.stream, tcp.completeness,
 * tcp.analysis.initial_rtt). Files tshark would read in a different order
 * than time order are sorted with reordercap first; files meant to be read
 * together are merged with mergecap.
 *
 * Usage (from meson): test_handshakes GEN_CAPTURES [NETANALYZE]
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "test.h"

TEST_MAIN_STATE;

#define T0 1700000000000000000LL
#define NUL INT64_MIN          /* the value must be JSON null */

struct hs_exp {
	const char *client;
	int cport;
	const char *server;
	int sport;
	int64_t syn, syn_last, syn_count, synack, ack;
	const char *outcome;
	int64_t rtt_s, rtt_c, irtt;
	int64_t cpid;
	const char *ccomm;     /* NULL: must be null */
	int64_t spid;
	const char *scomm;
};

#define NOPROC NUL, NULL, NUL, NULL

static void check_int(const char *file, const struct hs_exp *e, const struct jrow *r,
		      const char *key, int64_t want)
{
	char name[256];
	const struct jv *v = jget(r, key);

	snprintf(name, sizeof(name), "%s port %d %s", file, e->cport, key);
	if (want == NUL) {
		ASSERT_EQ(v->t, JV_NULL, name);
		if (v->t == JV_INT)
			fprintf(stderr, "  (%s = %lld, expected null)\n", key, v->i);
		return;
	}
	ASSERT_EQ(v->t, JV_INT, name);
	ASSERT_EQ(jint(r, key), want, name);
}

static void check_str(const char *file, const struct hs_exp *e, const struct jrow *r,
		      const char *key, const char *want, bool addr)
{
	char name[256];
	const struct jv *v = jget(r, key);

	snprintf(name, sizeof(name), "%s port %d %s", file, e->cport, key);
	if (!want) {
		ASSERT_EQ(v->t, JV_NULL, name);
		if (v->t == JV_STR)
			fprintf(stderr, "  (%s = \"%s\", expected null)\n", key, v->s);
		return;
	}
	if (addr)
		ASSERT_STREQ(h_canon(jstr(r, key)), h_canon(want), name);
	else
		ASSERT_STREQ(jstr(r, key), want, name);
}

static const struct jrow *check_hs(const char *file, const struct jrow *rows, int n,
				   const struct hs_exp *e)
{
	const struct jrow *r = NULL;
	char name[256];
	int i;

	for (i = 0; i < n && !r; i++) {
		if (jint(&rows[i], "client_port") != e->cport ||
		    jint(&rows[i], "server_port") != e->sport)
			continue;
		if (e->syn != NUL && jint(&rows[i], "syn_ns") != e->syn)
			continue;
		r = &rows[i];
	}
	snprintf(name, sizeof(name), "%s: a row for client port %d (syn %lld)", file, e->cport,
		 (long long)e->syn);
	if (!ASSERT_TRUE(r != NULL, name))
		return NULL;
	check_str(file, e, r, "client", e->client, true);
	check_str(file, e, r, "server", e->server, true);
	check_int(file, e, r, "syn_ns", e->syn);
	check_int(file, e, r, "syn_last_ns", e->syn_last);
	check_int(file, e, r, "syn_count", e->syn_count);
	check_int(file, e, r, "synack_ns", e->synack);
	check_int(file, e, r, "ack_ns", e->ack);
	check_str(file, e, r, "outcome", e->outcome, false);
	check_int(file, e, r, "rtt_server_ns", e->rtt_s);
	check_int(file, e, r, "rtt_client_ns", e->rtt_c);
	check_int(file, e, r, "irtt_ns", e->irtt);
	check_int(file, e, r, "client_pid", e->cpid);
	check_str(file, e, r, "client_comm", e->ccomm, false);
	check_int(file, e, r, "server_pid", e->spid);
	check_str(file, e, r, "server_comm", e->scomm, false);
	return r;
}

/* netanalyze FILES --handshakes --format jsonl (exit `rc`), then the hand
 * values, then tshark on `tshark_file` (NULL: the only input file). */
static struct jrow *run_case(const char *const *files, int rc, const char *tshark_file,
			     const struct hs_exp *exp, int nexp, int *nrows)
{
	const char *paths[8];
	struct jrow *rows;
	char name[256];
	int i, n;

	for (i = 0; files[i]; i++)
		paths[i] = strdup(h_path(files[i]));
	paths[i] = NULL;
	rows = h_netanalyze_rows(rc, &n, paths, "--handshakes", "--format", "jsonl", NULL);
	snprintf(name, sizeof(name), "%s: number of handshake rows", files[0]);
	ASSERT_EQ(n, nexp, name);
	for (i = 0; i < nexp; i++)
		check_hs(files[0], rows, n, &exp[i]);
	h_check_tshark(files[0], tshark_file ? tshark_file : paths[0], rows, n);
	for (i = 0; paths[i]; i++)
		free((void *)paths[i]);
	*nrows = n;
	return rows;
}

static void one_file(const char *file, const struct hs_exp *exp, int nexp)
{
	const char *files[] = { file, NULL };
	struct jrow *rows;
	int n;

	rows = run_case(files, 0, NULL, exp, nexp, &n);
	json_rows_free(rows, n);
}

/* One file with one handshake whose boolean column key must be 1. */
static void one_file_flag(const char *file, const struct hs_exp *exp, const char *key)
{
	const char *files[] = { file, NULL };
	struct jrow *rows;
	int n;

	rows = run_case(files, 0, NULL, exp, 1, &n);
	if (n == 1)
		ASSERT_EQ(jint(&rows[0], key), 1, key);
	json_rows_free(rows, n);
}

/* Negotiated options of a handshake row (NUL: must be null). */
static void check_options(const struct jrow *r, int64_t cmss, int64_t smss, int64_t mss,
			  int64_t wsc, int64_t wss, int64_t sack, int64_t ts)
{
	static const char *const keys[] = { "client_mss", "server_mss", "mss", "wscale_client",
					    "wscale_server", "sack_perm", "timestamps" };
	int64_t want[7] = { cmss, smss, mss, wsc, wss, sack, ts };
	int i;

	if (!r)
		return;
	for (i = 0; i < 7; i++) {
		if (want[i] == NUL)
			ASSERT_EQ(jget(r, keys[i])->t, JV_NULL, keys[i]);
		else
			ASSERT_EQ(jint(r, keys[i]), want[i], keys[i]);
	}
}

static void test_established(void)
{
	/* SYN T0, SYN-ACK T0+1.5 ms, ACK T0+1.75 ms:
	 * server RTT 1.5 ms, client RTT 0.25 ms, iRTT SYN->ACK 1.75 ms.
	 * Options: SYN MSS 1460 WS 7 SACK TS; SYN-ACK MSS 1400 WS 9 SACK TS. */
	static const struct hs_exp e[] = {
		{ "192.0.2.10", 40001, "198.51.100.20", 80, T0, T0, 1, T0 + 1500000,
		  T0 + 1750000, "established", 1500000, 250000, 1750000, NOPROC },
	};
	const char *files[] = { "hs_established.pcapng", NULL };
	struct jrow *rows;
	int n;

	rows = run_case(files, 0, NULL, e, 1, &n);
	if (n == 1)
		check_options(&rows[0], 1460, 1400, 1400, 7, 9, 1, 1);
	json_rows_free(rows, n);
}

static void test_refused(void)
{
	/* SYN T0, RST-ACK T0+0.3 ms: no SYN-ACK, so no server/client RTT;
	 * the RST-ACK is the first later segment with ACK=1, SYN=0, so
	 * Wireshark's iRTT is 0.3 ms. */
	static const struct hs_exp e[] = {
		{ "192.0.2.10", 40002, "198.51.100.20", 81, T0, T0, 1, NUL, NUL, "refused", NUL,
		  NUL, 300000, NOPROC },
	};
	const char *files[] = { "hs_refused.pcapng", NULL };
	struct jrow *rows;
	int n;

	/* only the client offered options: mss is the client's, the rest
	 * not negotiated */
	rows = run_case(files, 0, NULL, e, 1, &n);
	if (n == 1)
		check_options(&rows[0], 1460, NUL, 1460, NUL, NUL, 0, 0);
	json_rows_free(rows, n);
}

static void test_reset(void)
{
	/* SYN T0, SYN-ACK T0+1 ms, bare RST from the client T0+1.2 ms:
	 * server RTT 1 ms; no ACK segment at all, so no client RTT, no iRTT. */
	static const struct hs_exp e[] = {
		{ "192.0.2.10", 40003, "198.51.100.20", 82, T0, T0, 1, T0 + 1000000, NUL, "reset",
		  1000000, NUL, NUL, NOPROC },
	};
	one_file("hs_reset.pcapng", e, 1);
}

static void test_timeout(void)
{
	/* SYN at T0, T0+1 s, T0+3 s and nothing else. */
	static const struct hs_exp e[] = {
		{ "192.0.2.10", 40004, "198.51.100.20", 83, T0, T0 + 3000000000LL, 3, NUL, NUL,
		  "timeout", NUL, NUL, NUL, NOPROC },
	};
	one_file("hs_timeout.pcapng", e, 1);
}

static void test_unreachable(void)
{
	static const struct hs_exp e[] = {
		{ "192.0.2.10", 40005, "198.51.100.99", 80, T0, T0, 1, NUL, NUL, "unreachable",
		  NUL, NUL, NUL, NOPROC },
		{ "2001:db8::10", 40015, "2001:db8:ff::99", 80, T0 + 10000000, T0 + 10000000, 1,
		  NUL, NUL, "unreachable", NUL, NUL, NUL, NOPROC },
	};
	const char *files[] = { "hs_unreachable.pcapng", NULL };
	const struct jrow *r;
	struct jrow *rows;
	int n;

	rows = run_case(files, 0, NULL, e, 2, &n);
	json_rows_free(rows, n);

	/* the ICMP error and its sender, kept in the handshakes table
	 * (docs/schema.md: icmp_type, icmp_code, icmp_from): 3/1 from
	 * 192.0.2.1; ICMPv6 1/3 from 2001:db8::1 */
	rows = h_netanalyze_rows(0, &n, (const char *const[]){ h_path(files[0]), NULL },
				 "--sql",
				 "SELECT client_port, syn_ns, icmp_type, icmp_code, icmp_from "
				 "FROM handshakes", "--format", "jsonl", NULL);
	r = h_find_hs(rows, n, 40005, T0);
	if (ASSERT_TRUE(r != NULL, "v4 row")) {
		ASSERT_EQ(jint(r, "icmp_type"), 3, "v4 icmp_type");
		ASSERT_EQ(jint(r, "icmp_code"), 1, "v4 icmp_code");
		ASSERT_STREQ(h_canon(jstr(r, "icmp_from")), "192.0.2.1", "v4 icmp_from");
	}
	r = h_find_hs(rows, n, 40015, T0 + 10000000);
	if (ASSERT_TRUE(r != NULL, "v6 row")) {
		ASSERT_EQ(jint(r, "icmp_type"), 1, "v6 icmp_type");
		ASSERT_EQ(jint(r, "icmp_code"), 3, "v6 icmp_code");
		ASSERT_STREQ(h_canon(jstr(r, "icmp_from")), "2001:db8::1", "v6 icmp_from");
	}
	json_rows_free(rows, n);
}

static void test_synack_only(void)
{
	/* first packet the SYN-ACK (T0+1 ms), client ACK T0+1.2 ms: the
	 * SYN-ACK's receiver is the client; client RTT 0.2 ms; no SYN, so no
	 * server RTT and no iRTT. */
	static const struct hs_exp e[] = {
		{ "192.0.2.10", 40006, "198.51.100.20", 84, NUL, NUL, 0, T0 + 1000000,
		  T0 + 1200000, "synack_only", NUL, 200000, NUL, NOPROC },
	};
	one_file_flag("hs_synack_only.pcapng", e, "role_inferred");
}

static void test_midstream(void)
{
	/* data only; the server is the endpoint with the well-known port 443 */
	static const struct hs_exp e[] = {
		{ "192.0.2.10", 40007, "198.51.100.20", 443, NUL, NUL, 0, NUL, NUL, "midstream",
		  NUL, NUL, NUL, NOPROC },
	};
	one_file_flag("hs_midstream.pcapng", e, "role_inferred");
}

static void test_syn_retrans(void)
{
	/* SYN T0 and T0+1 s, SYN-ACK T0+1.0008 s, ACK T0+1.0009 s: server
	 * RTT from the last SYN 0.8 ms, client RTT 0.1 ms, iRTT from the most
	 * recent SYN 0.9 ms, and the split is ambiguous. */
	static const struct hs_exp e[] = {
		{ "192.0.2.10", 40008, "198.51.100.20", 85, T0, T0 + 1000000000LL, 2,
		  T0 + 1000800000LL, T0 + 1000900000LL, "established", 800000, 100000, 900000,
		  NOPROC },
	};
	one_file_flag("hs_syn_retrans.pcapng", e, "rtt_ambiguous");
}

static void test_synack_retrans(void)
{
	/* SYN T0, SYN-ACK T0+1 ms and again T0+1.001 s, ACK T0+1.0012 s:
	 * server RTT 1 ms (SYN-ACK - SYN), client RTT from the first SYN-ACK
	 * 1.0002 s, iRTT SYN -> ACK 1.0012 s, ambiguous. The SYN-ACK offers
	 * MSS 1400 only: no window scaling, SACK or timestamps agreed. */
	static const struct hs_exp e[] = {
		{ "192.0.2.10", 40011, "198.51.100.20", 88, T0, T0, 1, T0 + 1000000,
		  T0 + 1001200000LL, "established", 1000000, 1000200000LL, 1001200000LL,
		  NOPROC },
	};
	const char *files[] = { "hs_synack_retrans.pcapng", NULL };
	struct jrow *rows;
	int n;

	rows = run_case(files, 0, NULL, e, 1, &n);
	if (n == 1) {
		ASSERT_EQ(jint(&rows[0], "rtt_ambiguous"), 1, "rtt_ambiguous");
		ASSERT_EQ(jint(&rows[0], "synack_count"), 2, "synack_count");
		check_options(&rows[0], 1460, 1400, 1400, NUL, NUL, 0, 0);
	}
	json_rows_free(rows, n);
}

static void test_loopback_copies(void)
{
	/* tcpdump -i any on lo: each packet twice (out, then in 5 us later).
	 * The second copies are not part of the handshake's own steps
	 * (docs/schema.md, loopback_copy): SYN T0, SYN-ACK T0+20 us, ACK
	 * T0+40 us -> 20 us and 20 us. The initial RTT follows Wireshark's
	 * definition on the records as they are: the most recent pure SYN is
	 * the incoming copy at T0+5 us, the first later SYN=0/ACK=1 segment is
	 * the ACK at T0+40 us -> 35 us, which tshark on the same file reports. */
	static const struct hs_exp e[] = {
		{ "192.0.2.1", 40100, "192.0.2.1", 8080, T0, T0, 1, T0 + 20000, T0 + 40000,
		  "established", 20000, 20000, 35000, NOPROC },
	};
	const char *files[] = { "lo_any.pcap", NULL };
	struct tstream *ts = NULL;
	struct jrow *rows;
	int n, nt;

	rows = h_netanalyze_rows(0, &n, (const char *const[]){ h_path(files[0]), NULL },
				 "--handshakes", "--format", "jsonl", NULL);
	if (ASSERT_EQ(n, 1, "one handshake row"))
		check_hs(files[0], rows, n, &e[0]);
	/* tshark on the raw file: the same initial RTT, outcome and SYN-ACK */
	nt = tshark_streams(h_path(files[0]), &ts);
	if (ASSERT_EQ(nt, 1, "tshark sees one stream") && n == 1) {
		ASSERT_EQ(jint(&rows[0], "irtt_ns"), ts[0].irtt_ns, "irtt_ns = tcp.analysis.initial_rtt");
		ASSERT_EQ(jint(&rows[0], "synack_ns"), ts[0].synack_ns, "synack_ns as tshark");
		const char *oc = jstr(&rows[0], "outcome");
		ASSERT_TRUE(oc && strstr(tshark_outcomes(ts[0].completeness), oc),
			    "outcome fits tcp.completeness");
	}
	free(ts);
	json_rows_free(rows, n);

	/* 5 second copies flagged; the connection counts the first copies:
	 * SYN, ACK, 100 bytes from the client, SYN-ACK and ACK back. */
	rows = h_netanalyze_rows(0, &n, (const char *const[]){ h_path(files[0]), NULL },
				 "--sql",
				 "SELECT (SELECT count(*) FROM packets WHERE anomalies & 256) AS copies, "
				 "orig_pkts, orig_bytes, resp_pkts, resp_bytes, conn_state, history "
				 "FROM connections", "--format", "jsonl", NULL);
	if (ASSERT_EQ(n, 1, "one connection")) {
		ASSERT_EQ(jint(&rows[0], "copies"), 5, "loopback copies flagged");
		ASSERT_EQ(jint(&rows[0], "orig_pkts"), 3, "orig_pkts");
		ASSERT_EQ(jint(&rows[0], "orig_bytes"), 100, "orig_bytes");
		ASSERT_EQ(jint(&rows[0], "resp_pkts"), 2, "resp_pkts");
		ASSERT_EQ(jint(&rows[0], "resp_bytes"), 0, "resp_bytes");
		/* Zeek: established, not closed; SYN, SYN-ACK, ACK, data, ACK */
		ASSERT_STREQ(jstr(&rows[0], "conn_state"), "S1", "conn_state");
		ASSERT_STREQ(jstr(&rows[0], "history"), "ShADa", "history");
	}
	json_rows_free(rows, n);
}

static void test_file_forms(void)
{
	/* zstd pcapng, three interfaces (Ethernet ns, raw IP us, cooked ns) in
	 * one section, big-endian pcapng, big-endian pcap; and a gzip copy of
	 * the zstd file's content made here with gzip(1). */
	static const char *const files[] = {
		"form_zstd.pcapng.zst", "form_multi_if.pcapng", "form_swapped.pcapng",
		"form_swapped.pcap",
	};
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct hs_exp e = {
			"192.0.2.10", 40030 + (int)i, "198.51.100.20", 8443, T0, T0, 1,
			T0 + 1000000, T0 + 1250000, "established", 1000000, 250000, 1250000,
			NOPROC,
		};
		one_file(files[i], &e, 1);
	}
	{
		struct hs_exp e = {
			"192.0.2.10", 40001, "198.51.100.20", 80, T0, T0, 1, T0 + 1500000,
			T0 + 1750000, "established", 1500000, 250000, 1750000, NOPROC,
		};
		struct h_argv a;

		h_argv_init(&a, "gzip");
		h_argv_add(&a, "-k");
		h_argv_add(&a, "-f");
		h_argv_add(&a, h_path("hs_established.pcapng"));
		if (h_run(&a, NULL, NULL) == 0)
			one_file("hs_established.pcapng.gz", &e, 1);
		else
			fprintf(stderr, "note: gzip not available, .gz input not tested\n");
		h_argv_free(&a);
	}
}

static void test_unsorted(void)
{
	/* a plain pcap with the SYN-ACK before the SYN in the file: placed by
	 * time, it is an ordinary handshake (SYN T0, SYN-ACK +1 ms, ACK
	 * +1.25 ms); two records moved by one place. tshark reads the copy
	 * sorted by reordercap. */
	static const struct hs_exp e[] = {
		{ "192.0.2.10", 40016, "198.51.100.20", 89, T0, T0, 1, T0 + 1000000, T0 + 1250000,
		  "established", 1000000, 250000, 1250000, NOPROC },
	};
	const char *files[] = { "unsorted.pcap", NULL };
	const char *sorted = h_path("unsorted_sorted.pcap");
	struct jrow *rows;
	struct h_argv a;
	int n;

	h_argv_init(&a, "reordercap");
	h_argv_add(&a, h_path(files[0]));
	h_argv_add(&a, sorted);
	if (h_run(&a, NULL, NULL) != 0) {
		h_argv_free(&a);
		test__skip("reordercap is not installed");
		return;
	}
	h_argv_free(&a);
	rows = run_case(files, 0, sorted, e, 1, &n);
	json_rows_free(rows, n);
	rows = h_netanalyze_rows(0, &n, (const char *const[]){ h_path(files[0]), NULL },
				 "--sql",
				 "SELECT reorder_moved, reorder_max_displacement FROM files",
				 "--format", "jsonl", NULL);
	if (ASSERT_EQ(n, 1, "one file")) {
		ASSERT_EQ(jint(&rows[0], "reorder_moved"), 2, "reorder_moved");
		ASSERT_EQ(jint(&rows[0], "reorder_max_displacement"), 1,
			  "reorder_max_displacement");
	}
	json_rows_free(rows, n);
}

static void test_port_reuse(void)
{
	/* two attempts on one 4-tuple, ISN 10000 then 500000 */
	static const struct hs_exp e[] = {
		{ "192.0.2.10", 40009, "198.51.100.20", 86, T0, T0, 1, T0 + 1000000, T0 + 1100000,
		  "established", 1000000, 100000, 1100000, NOPROC },
		{ "192.0.2.10", 40009, "198.51.100.20", 86, T0 + 2000000000LL, T0 + 2000000000LL,
		  1, T0 + 2002000000LL, T0 + 2002300000LL, "established", 2000000, 300000,
		  2300000, NOPROC },
	};
	one_file("hs_port_reuse.pcapng", e, 2);
}

static void test_ipv6(void)
{
	static const struct hs_exp e[] = {
		{ "2001:db8::10", 40010, "2001:db8::20", 443, T0, T0, 1, T0 + 2500000,
		  T0 + 2600000, "established", 2500000, 100000, 2600000, NOPROC },
	};
	one_file("hs_ipv6.pcapng", e, 1);
}

static void test_linktypes(void)
{
	/* the same handshake in every linktype and file kind: SYN T0, SYN-ACK
	 * +1 ms, ACK +1.25 ms; client port 40020 + index */
	static const char *const files[] = {
		"link_eth.pcap", "link_raw.pcapng", "link_ipv4.pcap", "link_sll.pcap",
		"link_sll2.pcapng", "link_null.pcap", "link_loop.pcapng", "link_vlan.pcapng",
		"link_ipv6.pcap", "link_sll_v6.pcapng",
	};
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		bool v6 = strstr(files[i], "v6") != NULL;
		struct hs_exp e = {
			v6 ? "2001:db8::10" : "192.0.2.10", 40020 + (int)i,
			v6 ? "2001:db8::20" : "198.51.100.20", 8080, T0, T0, 1, T0 + 1000000,
			T0 + 1250000, "established", 1000000, 250000, 1250000, NOPROC,
		};
		one_file(files[i], &e, 1);
	}
}

static void test_merged(void)
{
	/* client-side file (SYN T0, ACK +1.3 ms) and server-side file (SYN-ACK
	 * +1 ms) make one handshake: server RTT 1 ms, client RTT 0.3 ms,
	 * iRTT 1.3 ms. tshark reads the two merged by mergecap. */
	static const struct hs_exp e[] = {
		{ "192.0.2.10", 40012, "198.51.100.20", 87, T0, T0, 1, T0 + 1000000, T0 + 1300000,
		  "established", 1000000, 300000, 1300000, NOPROC },
	};
	const char *files[] = { "merge_a.pcapng", "merge_b.pcap", NULL };
	struct h_argv a;
	struct jrow *rows;
	int n;

	if (!h_env.have_mergecap) {
		test__skip("mergecap is not installed");
		return;
	}
	h_argv_init(&a, "mergecap");
	h_argv_add(&a, "-w");
	h_argv_add(&a, h_path("merged_ab.pcapng"));
	h_argv_add(&a, h_path("merge_a.pcapng"));
	h_argv_add(&a, h_path("merge_b.pcap"));
	ASSERT_EQ(h_run(&a, NULL, NULL), 0, "mergecap");
	h_argv_free(&a);
	rows = run_case(files, 0, h_path("merged_ab.pcapng"), e, 1, &n);
	json_rows_free(rows, n);
}

/* Start of the block the file ends inside, walking pcapng block headers
 * (host byte order: the generator writes in host order); -1 if none. */
static long long truncated_block_start(const char *path, long long *size)
{
	FILE *f = fopen(path, "rb");
	long long off = 0, start = -1;
	uint32_t hdr[2];

	*size = -1;
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	*size = ftell(f);
	while (off + 8 <= *size) {
		fseek(f, off, SEEK_SET);
		if (fread(hdr, 4, 2, f) != 2 || hdr[1] < 12)
			break;
		if (off + hdr[1] > *size) {
			start = off;
			break;
		}
		off += hdr[1];
	}
	fclose(f);
	return start;
}

static void test_truncated(void)
{
	/* handshake 1 complete; handshake 2's ACK is the block cut short:
	 * its SYN (T0+10 ms) and SYN-ACK (T0+11 ms) are loaded, no ACK, so
	 * outcome timeout with server RTT 1 ms. Exit status 1, and stderr
	 * names the file and the offset (the cut block's start, or where the
	 * data ends). */
	static const struct hs_exp e[] = {
		{ "192.0.2.10", 40013, "198.51.100.20", 87, T0, T0, 1, T0 + 1000000, T0 + 1100000,
		  "established", 1000000, 100000, 1100000, NOPROC },
		{ "192.0.2.10", 40014, "198.51.100.20", 87, T0 + 10000000, T0 + 10000000, 1,
		  T0 + 11000000, NUL, "timeout", 1000000, NUL, NUL, NOPROC },
	};
	const char *path = h_path("truncated.pcapng");
	char off1[32], off2[32], offx1[32], offx2[32];
	long long start, size;
	struct h_argv a;
	char *out = NULL, *err = NULL;
	const char *files[] = { "truncated.pcapng", NULL };
	struct jrow *rows;
	int n, rc;

	start = truncated_block_start(path, &size);
	ASSERT_GT(start, 0, "the generated file ends inside a block");
	rows = run_case(files, 1, NULL, e, 2, &n);
	json_rows_free(rows, n);

	h_argv_init(&a, h_env.netanalyze);
	h_argv_add(&a, path);
	h_argv_add(&a, "--handshakes");
	h_argv_add(&a, "--format");
	h_argv_add(&a, "csv");
	rc = h_run(&a, &out, &err);
	h_argv_free(&a);
	ASSERT_EQ(rc, 1, "exit status 1 for a truncated input");
	snprintf(off1, sizeof(off1), "%lld", start);
	snprintf(off2, sizeof(off2), "%lld", size);
	snprintf(offx1, sizeof(offx1), "0x%llx", start);
	snprintf(offx2, sizeof(offx2), "0x%llx", size);
	ASSERT_TRUE(err && strstr(err, "truncated.pcapng"), "stderr names the file");
	if (!ASSERT_TRUE(err && (strstr(err, off1) || strstr(err, off2) || strstr(err, offx1) ||
				 strstr(err, offx2)),
			 "stderr names the offset"))
		fprintf(stderr, "  stderr was: %s  (block start %s, size %s)\n", err ? err : "",
			off1, off2);
	free(out);
	free(err);

	/* the files table keeps the error and its offset */
	h_argv_init(&a, h_env.netanalyze);
	h_argv_add(&a, path);
	h_argv_add(&a, "--sql");
	h_argv_add(&a, "SELECT error_offset, error FROM files");
	h_argv_add(&a, "--format");
	h_argv_add(&a, "jsonl");
	rc = h_run(&a, &out, NULL);
	h_argv_free(&a);
	ASSERT_EQ(rc, 1, "exit status 1 with --sql too");
	rows = NULL;
	n = json_rows(out ? out : "", &rows);
	if (ASSERT_EQ(n, 1, "one file row")) {
		int64_t off = jint(&rows[0], "error_offset");

		if (!ASSERT_TRUE(off == start || off == size, "files.error_offset"))
			fprintf(stderr, "  error_offset %lld (block start %lld, size %lld)\n",
				(long long)off, start, size);
		ASSERT_TRUE(jstr(&rows[0], "error") != NULL, "files.error set");
	}
	json_rows_free(rows, n > 0 ? n : 0);
	free(out);
}

/* The generator's packets are valid: tshark finds no bad IP, TCP, UDP,
 * ICMP or ICMPv6 checksum and no malformed packet in any capture. */
static void test_captures_valid(void)
{
	static const char *const files[] = {
		"hs_established.pcapng", "hs_refused.pcapng", "hs_reset.pcapng",
		"hs_timeout.pcapng", "hs_unreachable.pcapng", "hs_synack_only.pcapng",
		"hs_midstream.pcapng", "hs_syn_retrans.pcapng", "hs_port_reuse.pcapng",
		"hs_ipv6.pcapng", "icmp.pcapng", "merge_a.pcapng", "merge_b.pcap",
		"link_eth.pcap", "link_raw.pcapng", "link_ipv4.pcap", "link_sll.pcap",
		"link_sll2.pcapng", "link_null.pcap", "link_loop.pcapng", "link_vlan.pcapng",
		"link_ipv6.pcap", "link_sll_v6.pcapng", "nr_procs.pcapng", "nr_shuffled.pcapng",
		"hs_synack_retrans.pcapng", "lo_any.pcap", "form_zstd.pcapng.zst",
		"form_multi_if.pcapng", "form_swapped.pcapng", "form_swapped.pcap",
		"unsorted.pcap",
	};
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct h_argv a;
		char *out = NULL, *err = NULL;
		int rc;

		h_argv_init(&a, "tshark");
		h_argv_add(&a, "-n");
		h_argv_add(&a, "-o");
		h_argv_add(&a, "ip.check_checksum:TRUE");
		h_argv_add(&a, "-o");
		h_argv_add(&a, "tcp.check_checksum:TRUE");
		h_argv_add(&a, "-o");
		h_argv_add(&a, "udp.check_checksum:TRUE");
		h_argv_add(&a, "-r");
		h_argv_add(&a, h_path(files[i]));
		h_argv_add(&a, "-Y");
		h_argv_add(&a, "ip.checksum.status == 0 || tcp.checksum.status == 0 || "
			       "udp.checksum.status == 0 || icmp.checksum.status == 0 || "
			       "icmpv6.checksum.status == 0 || _ws.malformed || "
			       "_ws.expert.severity == error");
		h_argv_add(&a, "-T");
		h_argv_add(&a, "fields");
		h_argv_add(&a, "-e");
		h_argv_add(&a, "frame.number");
		rc = h_run(&a, &out, &err);
		h_argv_free(&a);
		if (!ASSERT_EQ(rc, 0, "tshark reads the capture") ||
		    !ASSERT_TRUE(out && !*out, "no bad checksum or malformed packet"))
			fprintf(stderr, "  %s: frames %s %s\n", files[i], out ? out : "",
				err ? err : "");
		free(out);
		free(err);
	}
}

static void test_netrec_processes(void)
{
	/* netrec profile, in order. C: curl 5001 -> python3 5002, SYN T0,
	 * SYN-ACK +0.1 ms, ACK +0.15 ms. D: wget 5003 -> closed port, SYN
	 * T0+1 ms, kernel RST-ACK +0.05 ms (no server process). */
	static const struct hs_exp e[] = {
		{ "192.0.2.10", 41001, "192.0.2.20", 9000, T0, T0, 1, T0 + 100000, T0 + 150000,
		  "established", 100000, 50000, 150000, 5001, "curl", 5002, "python3" },
		{ "192.0.2.10", 41002, "192.0.2.20", 9001, T0 + 1000000, T0 + 1000000, 1, NUL, NUL,
		  "refused", NUL, NUL, 50000, 5003, "wget", NUL, NULL },
	};
	one_file("nr_procs.pcapng", e, 2);

	/* --processes: the service port 9000 is the client's remote port and
	 * the server's own (local) port, never the server's "remote" port */
	struct jrow *rows;
	int n;

	rows = h_netanalyze_rows(0, &n, (const char *const[]){ h_path("nr_procs.pcapng"), NULL },
				 "--processes", "--format", "jsonl", NULL);
	if (ASSERT_EQ(n, 3, "three process rows")) {
		for (int i = 0; i < n; i++) {
			const char *comm = jstr(&rows[i], "comm");

			if (comm && !strcmp(comm, "python3")) {
				ASSERT_STREQ(jstr(&rows[i], "role"), "server", "python3 is the server");
				ASSERT_EQ(jint(&rows[i], "local_port"), 9000, "server's local port");
				ASSERT_EQ(jget(&rows[i], "remote_port")->t, JV_NULL,
					  "server's remote port: the clients' ephemeral ones, null");
				ASSERT_EQ(jint(&rows[i], "ns_pid"), 7,
					  "server's pid in its container (its process record)");
			} else if (comm && !strcmp(comm, "curl")) {
				ASSERT_EQ(jint(&rows[i], "remote_port"), 9000, "client's remote port");
				ASSERT_EQ(jget(&rows[i], "local_port")->t, JV_NULL, "client's local port");
				ASSERT_EQ(jget(&rows[i], "ns_pid")->t, JV_NULL,
					  "client outside a container: no ns_pid");
			}
		}
	}
	json_rows_free(rows, n);
}

static void test_netrec_shuffled(void)
{
	/* Records written CPU 1's batch first (gen_captures.c, gen_netrec):
	 * A's SYN-ACK and ACK come before its SYN in the file.
	 * A (recorded at the client, curl 4242): SYN T0+10 us, SYN-ACK
	 *   T0+1510 us, ACK T0+1530 us -> 1500 us, 20 us, iRTT 1520 us; kernel:
	 *   SYN_SENT at T0, ESTABLISHED at T0+1520 us -> connect 1520 us.
	 * B (recorded at the server, nginx 777; inbound SYN owned by the
	 *   listener): SYN T0+2000 us, SYN-ACK +2040 us, ACK +2900 us -> 40 us,
	 *   860 us, iRTT 900 us; server ESTABLISHED at T0+2910 us. */
	static const struct hs_exp e[] = {
		{ "192.0.2.10", 41000, "198.51.100.20", 80, T0 + 10000, T0 + 10000, 1,
		  T0 + 1510000, T0 + 1530000, "established", 1500000, 20000, 1520000, 4242,
		  "curl", NUL, NULL },
		{ "198.51.100.30", 50000, "192.0.2.10", 8080, T0 + 2000000, T0 + 2000000, 1,
		  T0 + 2040000, T0 + 2900000, "established", 40000, 860000, 900000, NUL, NULL,
		  777, "nginx" },
	};
	const char *files[] = { "nr_shuffled.pcapng", NULL };
	const char *sorted = NULL;
	const struct jrow *r;
	struct jrow *rows;
	struct h_argv a;
	int n;

	if (h_env.have_reordercap) {
		/* tshark reads in file order: give it the time-sorted copy */
		sorted = h_path("nr_shuffled_sorted.pcapng");
		h_argv_init(&a, "reordercap");
		h_argv_add(&a, h_path("nr_shuffled.pcapng"));
		h_argv_add(&a, sorted);
		ASSERT_EQ(h_run(&a, NULL, NULL), 0, "reordercap");
		h_argv_free(&a);
	} else {
		fprintf(stderr, "note: reordercap is not installed: tshark reads the file "
			"in file order\n");
	}
	rows = run_case(files, 0, sorted ? sorted : h_path("nr_shuffled.pcapng"), e, 2, &n);
	r = h_find_hs(rows, n, 41000, T0 + 10000);
	if (r) {
		ASSERT_EQ(jint(r, "k_syn_sent_ns"), T0, "A k_syn_sent_ns");
		ASSERT_EQ(jint(r, "k_established_ns"), T0 + 1520000, "A k_established_ns");
		ASSERT_EQ(jint(r, "k_connect_ns"), 1520000, "A k_connect_ns");
	}
	r = h_find_hs(rows, n, 50000, T0 + 2000000);
	if (r)
		ASSERT_EQ(jint(r, "k_server_established_ns"), T0 + 2910000,
			  "B k_server_established_ns");
	json_rows_free(rows, n);
}

int main(int argc, char **argv)
{
	int rc = h_setup(argc, argv, true);

	if (rc)
		return rc;
	RUN_TEST(test_captures_valid);
	RUN_TEST(test_established);
	RUN_TEST(test_refused);
	RUN_TEST(test_reset);
	RUN_TEST(test_timeout);
	RUN_TEST(test_unreachable);
	RUN_TEST(test_synack_only);
	RUN_TEST(test_midstream);
	RUN_TEST(test_syn_retrans);
	RUN_TEST(test_synack_retrans);
	RUN_TEST(test_loopback_copies);
	RUN_TEST(test_file_forms);
	RUN_TEST(test_unsorted);
	RUN_TEST(test_port_reuse);
	RUN_TEST(test_ipv6);
	RUN_TEST(test_linktypes);
	RUN_TEST(test_merged);
	RUN_TEST(test_truncated);
	RUN_TEST(test_netrec_processes);
	RUN_TEST(test_netrec_shuffled);
	rc = test_exit();
	h_teardown(rc == 1);
	return rc;
}

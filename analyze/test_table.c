/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The table format of --handshakes, run on a small classic pcap written
 * here: three connection attempts whose times and options are chosen by
 * hand, so the expected cells follow from the definitions in
 * docs/schema.md, not from a previous run:
 *   - established: SYN at T, SYN-ACK 1.52 ms later, ACK 25.8 us after
 *     that: rtt_srv 1.52ms, rtt_cli 25.8us, irtt 1,545,800 ns = 1.55ms;
 *     MSS 1460/1400 (the smaller one counts), window scale 7 and 8,
 *     SACK and timestamps on both sides;
 *   - refused: an RST-ACK 812 ns after the SYN (Wireshark's initial RTT
 *     counts it: 812ns);
 *   - timeout: a SYN sent twice with the same ISN, never answered.
 * T is 2026-11-22 18:00:00 UTC. (tshark 4.0 reads the file the same way:
 * tcp.analysis.initial_rtt 0.001545800 and 0.000000812.) The csv format must still carry every
 * column of v_handshakes in the documented order.
 *
 * Argument: the netanalyze executable.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

TEST_MAIN_STATE;

#define T0 1795370400000000000LL        /* date -u -d 2026-11-22T18:00:00Z +%s */

static const char *netanalyze;
static char dir[] = "/tmp/test-table-XXXXXX";
static char pcap_path[256];

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

/* A raw IPv4 packet (LINKTYPE_RAW) with a TCP header; options on SYNs. */
struct seg {
	int64_t ts;
	uint8_t src, dst;       /* last octet: 192.0.2.x -> 198.51.100.y */
	bool to_server;
	unsigned sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	unsigned mss, ws;       /* 0: no such option */
};

static size_t build(const struct seg *s, uint8_t *p)
{
	size_t opt = 0, hl, tot;
	uint8_t *t = p + 20;
	uint32_t sum = 0;

	memset(p, 0, 80);
	if (s->mss) {
		uint8_t *o = t + 20;

		o[0] = 2; o[1] = 4; put16(o + 2, s->mss);
		o[4] = 4; o[5] = 2;                              /* SACK permitted */
		o[6] = 8; o[7] = 10; put32(o + 8, 1); put32(o + 12, 0);  /* timestamps */
		o[16] = 1;                                       /* NOP */
		o[17] = 3; o[18] = 3; o[19] = (uint8_t)s->ws;    /* window scale */
		opt = 20;
	}
	hl = 20 + opt;
	tot = 20 + hl;
	p[0] = 0x45;
	put16(p + 2, (unsigned)tot);
	p[8] = 64;
	p[9] = 6;
	uint8_t client[4] = { 192, 0, 2, s->src }, server[4] = { 198, 51, 100, s->dst };

	memcpy(p + 12, s->to_server ? client : server, 4);
	memcpy(p + 16, s->to_server ? server : client, 4);
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(p + 10, ~sum & 0xffff);
	put16(t, s->sport);
	put16(t + 2, s->dport);
	put32(t + 4, s->seq);
	put32(t + 8, s->ack);
	t[12] = (uint8_t)((hl / 4) << 4);
	t[13] = s->flags;
	put16(t + 14, 64240);
	return tot;
}

enum { FIN = 1, SYN = 2, RST = 4, ACK = 16 };

static int write_pcap(const char *path)
{
	const struct seg segs[] = {
		{ T0, 10, 20, true, 40000, 80, 1000, 0, SYN, 1460, 7 },
		{ T0 + 1520000, 10, 20, false, 80, 40000, 5000, 1001, SYN | ACK, 1400, 8 },
		{ T0 + 1545800, 10, 20, true, 40000, 80, 1001, 5001, ACK, 0, 0 },
		{ T0 + 100000000, 10, 20, true, 40001, 81, 7000, 0, SYN, 1460, 7 },
		{ T0 + 100000812, 10, 20, false, 81, 40001, 0, 7001, RST | ACK, 0, 0 },
		{ T0 + 200000000, 10, 20, true, 40002, 82, 9000, 0, SYN, 1460, 7 },
		{ T0 + 1200000000, 10, 20, true, 40002, 82, 9000, 0, SYN, 1460, 7 },
	};
	uint8_t hdr[24] = { 0 }, rec[16], pkt[80];
	FILE *f = fopen(path, "wb");
	int err = 0;

	if (!f)
		return -errno;
	/* nanosecond pcap, written little-endian field by field */
	uint32_t gh[6] = { 0xa1b23c4d, 2 | 4u << 16, 0, 0, 65535, 101 };

	memcpy(hdr, gh, sizeof(hdr));
	if (fwrite(hdr, 1, 24, f) != 24)
		err = -EIO;
	for (size_t i = 0; !err && i < sizeof(segs) / sizeof(segs[0]); i++) {
		uint32_t n = (uint32_t)build(&segs[i], pkt);
		uint32_t r[4] = { (uint32_t)(segs[i].ts / 1000000000), (uint32_t)(segs[i].ts % 1000000000),
				  n, n };

		memcpy(rec, r, sizeof(rec));
		if (fwrite(rec, 1, 16, f) != 16 || fwrite(pkt, 1, n, f) != n)
			err = -EIO;
	}
	if (fclose(f) && !err)
		err = -EIO;
	return err;
}

/* netanalyze's standard output for --handshakes in format fmt, or NULL. */
static char *run(int *status, const char *fmt)
{
	char out[300];
	int fd, st;
	pid_t pid;
	FILE *f;
	char *buf = NULL;
	long len;

	snprintf(out, sizeof(out), "%s/out", dir);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return NULL;
	pid = fork();
	if (pid == 0) {
		dup2(fd, 1);
		execl(netanalyze, netanalyze, "-q", pcap_path, "--handshakes", "--format", fmt,
		      (char *)NULL);
		_exit(127);
	}
	close(fd);
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return NULL;
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	f = fopen(out, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	unlink(out);
	return buf;
}

/* Whitespace-separated token tok occurs in line. */
static bool has_token(const char *line, const char *tok)
{
	size_t n = strlen(tok);

	for (const char *p = line; (p = strstr(p, tok)); p++)
		if ((p == line || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return true;
	return false;
}

static void test_handshakes_table(void)
{
	static const char *const cols[] = {
		"time", "client", "server", "outcome", "syns", "rtt_srv", "rtt_cli", "irtt",
		"options", "client_proc", "server_proc", "k_connect",
	};
	char *lines[16] = { 0 };
	int status = -1, n = 0;
	char *out = run(&status, "table");

	if (!ASSERT_OK_PTR(out, "netanalyze ran"))
		return;
	ASSERT_EQ(status, 0, "exit status");
	for (char *save = NULL, *l = strtok_r(out, "\n", &save); l && n < 16;
	     l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	if (!ASSERT_EQ(n, 7, "title, header, rule, 3 rows, row count"))
		goto cleanup;
	ASSERT_STREQ(lines[0], "Handshakes (times in UTC, 2026-11-22)", "title names the zone and day");
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		if (!ASSERT_TRUE(has_token(lines[1], cols[i]), "header column"))
			fprintf(stderr, "  missing: %s\n", cols[i]);
	ASSERT_EQ(strspn(lines[2], "- "), strlen(lines[2]), "rule under the header");
	ASSERT_STREQ(lines[6], "(3 rows)", "row count");
	for (int i = 1; i < 6; i++)
		ASSERT_LE(strlen(lines[i]), 160, "an IPv4 row fits in 160 columns");

	const char *est[] = { "18:00:00.000000", "192.0.2.10:40000", "198.51.100.20:80",
			      "established", "1", "1.52ms", "25.8us", "1.55ms" };
	for (size_t i = 0; i < sizeof(est) / sizeof(est[0]); i++)
		if (!ASSERT_TRUE(has_token(lines[3], est[i]), "established row"))
			fprintf(stderr, "  missing: %s in '%s'\n", est[i], lines[3]);
	ASSERT_TRUE(strstr(lines[3], " mss:1400 ws:7,8 sack ts ") != NULL, "negotiated options");

	const char *ref[] = { "18:00:00.100000", "192.0.2.10:40001", "198.51.100.20:81",
			      "refused", "812ns" };
	for (size_t i = 0; i < sizeof(ref) / sizeof(ref[0]); i++)
		if (!ASSERT_TRUE(has_token(lines[4], ref[i]), "refused row"))
			fprintf(stderr, "  missing: %s in '%s'\n", ref[i], lines[4]);

	const char *tmo[] = { "18:00:00.200000", "192.0.2.10:40002", "timeout", "2" };
	for (size_t i = 0; i < sizeof(tmo) / sizeof(tmo[0]); i++)
		if (!ASSERT_TRUE(has_token(lines[5], tmo[i]), "timeout row"))
			fprintf(stderr, "  missing: %s in '%s'\n", tmo[i], lines[5]);
cleanup:
	free(out);
}

static void test_csv_keeps_every_column(void)
{
	/* docs/schema.md, "Views": the columns of v_handshakes */
	const char *cols = "hs_id,conn_id,client,client_port,server,server_port,syn_ns,syn_last_ns,"
		"syn_count,synack_ns,ack_ns,outcome,rtt_server_ns,rtt_client_ns,irtt_ns,"
		"rtt_ambiguous,role_inferred,mss,wscale_client,wscale_server,sack_perm,timestamps,"
		"client_mss,server_mss,client_wscale,server_wscale,client_pid,client_comm,"
		"server_pid,server_comm,k_syn_sent_ns,k_established_ns,k_connect_ns,"
		"k_server_established_ns,synack_count,first_ns,end_ns,file_id,community_id\n";
	int status = -1;
	char *out = run(&status, "csv");

	if (!ASSERT_OK_PTR(out, "netanalyze ran"))
		return;
	ASSERT_EQ(status, 0, "exit status");
	ASSERT_EQ(strncmp(out, cols, strlen(cols)), 0, "csv header: every column, in order");
	/* the established attempt: raw nanoseconds, not table text */
	ASSERT_TRUE(strstr(out, ",1795370400000000000,1795370400000000000,1,1795370400001520000,"
			   "1795370400001545800,established,1520000,25800,1545800,") != NULL,
		    "csv row in nanoseconds");
	free(out);
}

int main(int argc, char **argv)
{
	int err;

	if (argc < 2) {
		fprintf(stderr, "usage: %s NETANALYZE\n", argv[0]);
		return 2;
	}
	netanalyze = argv[1];
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(pcap_path, sizeof(pcap_path), "%s/hs.pcap", dir);
	err = write_pcap(pcap_path);
	if (err) {
		fprintf(stderr, "cannot write %s: %s\n", pcap_path, strerror(-err));
		rmdir(dir);
		return 1;
	}
	RUN_TEST(test_handshakes_table);
	RUN_TEST(test_csv_keeps_every_column);
	unlink(pcap_path);
	rmdir(dir);
	return test_exit();
}

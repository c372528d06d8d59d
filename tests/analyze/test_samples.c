/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netanalyze on the real captures committed in samples/, against their
 * expected reports (NAME.handshakes.tsv, NAME.icmp.tsv, written from tshark
 * by samples/make-expected.sh) and against tshark run again in this test:
 * a stale expected file and a disagreement with tshark both fail.
 *
 * Usage (from meson): test_samples SAMPLES_DIR [NETANALYZE]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

TEST_MAIN_STATE;

struct golden {
	int stream;
	char client[64], server[64];
	int cport, sport;
	bool syn_seen;
	int64_t syn_ns, syn_last_ns, synack_ns, irtt_ns;
	int syn_count, completeness;
	char outcome[64];
	int64_t cpid, spid;        /* INT64_MIN: null */
	char ccomm[64], scomm[64]; /* "": null */
	int64_t k_syn_sent, k_established; /* kernel events of the client socket */
};

static int64_t gnum(const char *s)
{
	return strcmp(s, "null") ? strtoll(s, NULL, 10) : INT64_MIN;
}

static int read_golden(const char *path, struct golden *g, int max)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int n = 0;

	if (!f)
		return -1;
	while (n < max && fgets(line, sizeof(line), f)) {
		char *fld[18], *p = line, *save = NULL;
		int k = 0;

		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = 0;
		for (p = strtok_r(line, "\t", &save); p && k < 18; p = strtok_r(NULL, "\t", &save))
			fld[k++] = p;
		if (k != 18)
			continue;
		memset(&g[n], 0, sizeof(g[n]));
		g[n].stream = atoi(fld[0]);
		g[n].syn_seen = fld[1][0] != '-';
		snprintf(g[n].client, sizeof(g[n].client), "%s",
			 h_canon(fld[1] + !g[n].syn_seen));
		g[n].cport = atoi(fld[2]);
		snprintf(g[n].server, sizeof(g[n].server), "%s",
			 h_canon(fld[3] + !g[n].syn_seen));
		g[n].sport = atoi(fld[4]);
		g[n].syn_ns = gnum(fld[5]);
		g[n].syn_last_ns = gnum(fld[6]);
		g[n].syn_count = atoi(fld[7]);
		g[n].synack_ns = gnum(fld[8]);
		g[n].completeness = atoi(fld[9]);
		snprintf(g[n].outcome, sizeof(g[n].outcome), "%s", fld[10]);
		g[n].irtt_ns = gnum(fld[11]);
		g[n].cpid = gnum(fld[12]);
		snprintf(g[n].ccomm, sizeof(g[n].ccomm), "%s", strcmp(fld[13], "null") ? fld[13] : "");
		g[n].spid = gnum(fld[14]);
		snprintf(g[n].scomm, sizeof(g[n].scomm), "%s", strcmp(fld[15], "null") ? fld[15] : "");
		g[n].k_syn_sent = gnum(fld[16]);
		g[n].k_established = gnum(fld[17]);
		n++;
	}
	fclose(f);
	return n;
}

/* outcome is one of the '|'-separated alternatives */
static bool outcome_ok(const char *got, const char *alts)
{
	char buf[64], *p, *save = NULL;

	if (!got)
		return false;
	snprintf(buf, sizeof(buf), "%s", alts);
	for (p = strtok_r(buf, "|", &save); p; p = strtok_r(NULL, "|", &save))
		if (!strcmp(p, got))
			return true;
	return false;
}

/* key has this integer value, or is null when want is INT64_MIN */
static void check_int(const struct jrow *r, const char *key, int64_t want, const char *what)
{
	if (want == INT64_MIN) {
		if (!ASSERT_EQ(jget(r, key)->t, JV_NULL, what))
			fprintf(stderr, "  %s = %lld, expected null\n", key, (long long)jint(r, key));
	} else if (!ASSERT_EQ(jint(r, key), want, what)) {
		fprintf(stderr, "  (%s)\n", key);
	}
}

static void check_golden_is_current(const char *name, const char *cap,
				    const struct golden *g, int ng)
{
	struct tstream *t = NULL;
	int n, i, k;
	char what[512];

	n = tshark_streams(cap, &t);
	snprintf(what, sizeof(what), "%s: tshark streams = expected file lines", name);
	ASSERT_EQ(n, ng, what);
	for (i = 0; i < ng; i++) {
		for (k = 0; k < n && t[k].id != g[i].stream; k++)
			;
		snprintf(what, sizeof(what), "%s: expected stream %d still what tshark says",
			 name, g[i].stream);
		if (!ASSERT_TRUE(k < n, what))
			continue;
		ASSERT_EQ(t[k].syn_ns, g[i].syn_ns, what);
		ASSERT_EQ(t[k].syn_count, g[i].syn_count, what);
		ASSERT_EQ(t[k].synack_ns, g[i].synack_ns, what);
		ASSERT_EQ(t[k].completeness, g[i].completeness, what);
		ASSERT_EQ(t[k].irtt_ns, g[i].irtt_ns, what);
	}
	free(t);
}

static void check_handshakes(const char *name, const char *cap, const struct golden *g,
			     int ng)
{
	const char *files[] = { cap, NULL };
	struct jrow *rows;
	char what[512];
	int n, i, k;

	rows = h_netanalyze_rows(0, &n, files, "--handshakes", "--format", "jsonl", NULL);
	snprintf(what, sizeof(what), "%s: one handshake per expected line", name);
	ASSERT_EQ(n, ng, what);
	for (i = 0; i < ng; i++) {
		const struct jrow *r = NULL;

		for (k = 0; k < n && !r; k++) {
			const char *c = h_canon(jstr(&rows[k], "client"));
			const char *s = h_canon(jstr(&rows[k], "server"));
			bool fwd = c && s && !strcmp(c, g[i].client) && !strcmp(s, g[i].server) &&
				   jint(&rows[k], "client_port") == g[i].cport &&
				   jint(&rows[k], "server_port") == g[i].sport;
			bool rev = c && s && !strcmp(c, g[i].server) && !strcmp(s, g[i].client) &&
				   jint(&rows[k], "client_port") == g[i].sport &&
				   jint(&rows[k], "server_port") == g[i].cport;

			if (g[i].syn_seen ? fwd && jint(&rows[k], "syn_ns") == g[i].syn_ns
					  : fwd || rev)
				r = &rows[k];
		}
		snprintf(what, sizeof(what), "%s: stream %d (%s:%d -> %s:%d)", name, g[i].stream,
			 g[i].client, g[i].cport, g[i].server, g[i].sport);
		if (!ASSERT_TRUE(r != NULL, what))
			continue;
		if (!ASSERT_TRUE(outcome_ok(jstr(r, "outcome"), g[i].outcome), what))
			fprintf(stderr, "  outcome %s, expected %s\n", jstr(r, "outcome"),
				g[i].outcome);
		ASSERT_EQ(jint(r, "syn_last_ns"), g[i].syn_last_ns, what);
		ASSERT_EQ(jint(r, "syn_count"), g[i].syn_count, what);
		ASSERT_EQ(jint(r, "synack_ns"), g[i].synack_ns, what);
		ASSERT_EQ(jint(r, "irtt_ns"), g[i].irtt_ns, what);
		/* server RTT: SYN-ACK minus the last SYN before it */
		if (g[i].syn_seen && g[i].synack_ns != INT64_MIN)
			ASSERT_EQ(jint(r, "rtt_server_ns"), g[i].synack_ns - g[i].syn_last_ns,
				  what);
		else
			ASSERT_EQ(jget(r, "rtt_server_ns")->t, JV_NULL, what);
		/* processes, as the recording's comments name them, and the
		 * kernel's timeline of the client socket */
		check_int(r, "client_pid", g[i].cpid, what);
		check_int(r, "server_pid", g[i].spid, what);
		check_int(r, "k_syn_sent_ns", g[i].k_syn_sent, what);
		check_int(r, "k_established_ns", g[i].k_established, what);
		check_int(r, "k_connect_ns",
			  g[i].k_syn_sent != INT64_MIN && g[i].k_established != INT64_MIN
				  ? g[i].k_established - g[i].k_syn_sent : INT64_MIN, what);
		if (g[i].ccomm[0])
			ASSERT_STREQ(jstr(r, "client_comm"), g[i].ccomm, what);
		else
			ASSERT_EQ(jget(r, "client_comm")->t, JV_NULL, what);
		if (g[i].scomm[0])
			ASSERT_STREQ(jstr(r, "server_comm"), g[i].scomm, what);
		else
			ASSERT_EQ(jget(r, "server_comm")->t, JV_NULL, what);
	}
	h_check_tshark(name, cap, rows, n);
	json_rows_free(rows, n);
}

static void check_icmp(const char *name, const char *cap, const char *golden)
{
	const char *files[] = { cap, NULL };
	struct jrow *rows;
	FILE *f = fopen(golden, "r");
	char line[256], what[512];
	int n, k, lines = 0;

	if (!ASSERT_TRUE(f != NULL, "expected ICMP file"))
		return;
	rows = h_netanalyze_rows(0, &n, files, "--icmp", "--format", "jsonl", NULL);
	while (fgets(line, sizeof(line), f)) {
		long long seq, rtt;
		int ident, found = 0;

		if (line[0] == '#' || sscanf(line, "%d %lld %lld", &ident, &seq, &rtt) != 3)
			continue;
		lines++;
		for (k = 0; k < n; k++) {
			const char *kind = jstr(&rows[k], "kind");

			if (!kind || strcmp(kind, "echo") || jint(&rows[k], "seq") != seq)
				continue;
			found++;
			snprintf(what, sizeof(what), "%s: echo seq %lld rtt_ns = icmp.resptime",
				 name, seq);
			ASSERT_EQ(jint(&rows[k], "rtt_ns"), rtt, what);
		}
		snprintf(what, sizeof(what), "%s: one echo row for seq %lld", name, seq);
		ASSERT_EQ(found, 1, what);
	}
	fclose(f);
	ASSERT_GT(lines, 0, "the expected ICMP file lists echoes");
	json_rows_free(rows, n);
}

static char samples_dir[1024];

static void test_samples(void)
{
	DIR *d = opendir(samples_dir);
	struct dirent *de;
	int count = 0;

	if (!ASSERT_TRUE(d != NULL, "samples directory"))
		return;
	while ((de = readdir(d))) {
		static const char *const exts[] = { ".pcap", ".pcapng", ".pcapng.zst", ".pcap.gz" };
		char base[128], cap[1200], gpath[1400], ipath[1200];
		struct golden g[64];
		size_t len = strlen(de->d_name), e;
		const char *suffix = ".handshakes.tsv";
		int ng;

		if (len <= strlen(suffix) || strcmp(de->d_name + len - strlen(suffix), suffix))
			continue;
		snprintf(base, sizeof(base), "%.*s", (int)(len - strlen(suffix)), de->d_name);
		cap[0] = 0;
		for (e = 0; e < sizeof(exts) / sizeof(exts[0]) && !cap[0]; e++) {
			snprintf(cap, sizeof(cap), "%s/%s%s", samples_dir, base, exts[e]);
			if (access(cap, R_OK))
				cap[0] = 0;
		}
		if (!ASSERT_TRUE(cap[0] != 0, "a capture for the expected report")) {
			fprintf(stderr, "  no capture for %s\n", de->d_name);
			continue;
		}
		if (!ASSERT_TRUE((size_t)snprintf(gpath, sizeof(gpath), "%s/%s", samples_dir, de->d_name) <
				 sizeof(gpath), "the expected report's path fits"))
			continue;
		ng = read_golden(gpath, g, 64);
		if (!ASSERT_GT(ng, 0, "expected handshakes listed"))
			continue;
		fprintf(stderr, "sample %s: %d handshakes expected\n", base, ng);
		check_golden_is_current(base, cap, g, ng);
		check_handshakes(base, cap, g, ng);
		snprintf(ipath, sizeof(ipath), "%s/%s.icmp.tsv", samples_dir, base);
		if (!access(ipath, R_OK))
			check_icmp(base, cap, ipath);
		count++;
	}
	closedir(d);
	ASSERT_GT(count, 0, "at least one sample");
}

int main(int argc, char **argv)
{
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: test_samples SAMPLES_DIR [NETANALYZE]\n");
		return 1;
	}
	snprintf(samples_dir, sizeof(samples_dir), "%s", argv[1]);
	rc = h_setup(argc, argv, false);
	if (rc)
		return rc;
	RUN_TEST(test_samples);
	rc = test_exit();
	h_teardown(false);
	return rc;
}

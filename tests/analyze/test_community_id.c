/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The community_id column of connections and handshakes against Wireshark's
 * own Community ID dissector (tshark --enable-protocol communityid), on
 * synthetic captures (IPv4, IPv6, roles seen from the SYN, the SYN-ACK or
 * midstream, a reused port pair, ICMP errors quoting connections) and on
 * the committed samples, with the default seed and with another one: every
 * row's ID must be the one tshark gives the packets of its 5-tuple.
 *
 * Usage (from meson): test_community_id GEN_CAPTURES [NETANALYZE] SAMPLES_DIR
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "test.h"

TEST_MAIN_STATE;

static const char *samples_dir;

struct tid {
	char a[64], b[64];   /* canonical addresses, a:pa < b:pb by text */
	int pa, pb;
	char id[40];
};

/* One endpoint pair, in a fixed order so that both directions match. */
static void key(struct tid *t, const char *a, int pa, const char *b, int pb)
{
	int c = strcmp(a, b);

	if (c > 0 || (c == 0 && pa > pb)) {
		const char *x = a;
		int px = pa;

		a = b;
		pa = pb;
		b = x;
		pb = px;
	}
	snprintf(t->a, sizeof(t->a), "%s", a);
	snprintf(t->b, sizeof(t->b), "%s", b);
	t->pa = pa;
	t->pb = pb;
}

/* tshark's Community ID of every TCP packet not inside an ICMP error. */
static int tshark_ids(const char *file, int seed, struct tid **out)
{
	struct h_argv a;
	char *text = NULL, pref[64];
	struct tid *v = NULL;
	int n = 0, cap = 0, rc;

	h_argv_init(&a, "tshark");
	h_argv_add(&a, "-n");
	h_argv_add(&a, "-r");
	h_argv_add(&a, file);
	h_argv_add(&a, "--enable-protocol");
	h_argv_add(&a, "communityid");
	snprintf(pref, sizeof(pref), "communityid.seed:%d", seed);
	h_argv_add(&a, "-o");
	h_argv_add(&a, pref);
	h_argv_add(&a, "-Y");
	h_argv_add(&a, "tcp && !icmp && !icmpv6");
	h_argv_add(&a, "-T");
	h_argv_add(&a, "fields");
	for (const char *const *f = (const char *const[]){ "ip.src", "ipv6.src", "tcp.srcport",
			"ip.dst", "ipv6.dst", "tcp.dstport", "communityid", NULL }; *f; f++) {
		h_argv_add(&a, "-e");
		h_argv_add(&a, *f);
	}
	rc = h_run(&a, &text, NULL);
	h_argv_free(&a);
	if (rc != 0) {
		free(text);
		return -1;
	}
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *fld[7] = { 0 }, *p = line;
		int k = 0;

		for (; k < 7; k++) {
			fld[k] = p;
			p = strchr(p, '\t');
			if (!p)
				break;
			*p++ = 0;
		}
		if (k != 6 || !*fld[6])
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, (size_t)cap * sizeof(*v));
			if (!v)
				abort();
		}
		key(&v[n], h_canon(*fld[0] ? fld[0] : fld[1]), atoi(fld[2]),
		    h_canon(*fld[3] ? fld[3] : fld[4]), atoi(fld[5]));
		snprintf(v[n].id, sizeof(v[n].id), "%s", fld[6]);
		n++;
	}
	free(text);
	*out = v;
	return n;
}

/* Checks every connection and handshake row of one capture; returns the
 * number of rows checked. */
static int check_file(const char *file, int seed)
{
	const char *files[] = { file, NULL };
	struct tid *ts = NULL;
	struct jrow *rows;
	char seedarg[16], what[1536];
	int nts = tshark_ids(file, seed, &ts), checked = 0, n;

	snprintf(what, sizeof(what), "tshark reads %s", file);
	if (!ASSERT_GE(nts, 0, what))
		return 0;
	snprintf(seedarg, sizeof(seedarg), "%d", seed);
	rows = h_netanalyze_rows(0, &n, files, "--community-id-seed", seedarg, "--sql",
		"SELECT 'connections' AS t, orig_h AS a, orig_p AS pa, resp_h AS b, resp_p AS pb,"
		" community_id FROM connections UNION ALL SELECT 'handshakes', client, client_port,"
		" server, server_port, community_id FROM handshakes", "--format", "jsonl", NULL);
	for (int i = 0; i < n; i++) {
		struct tid k;
		const char *id = jstr(&rows[i], "community_id"), *want = NULL;

		key(&k, h_canon(jstr(&rows[i], "a")), (int)jint(&rows[i], "pa"),
		    h_canon(jstr(&rows[i], "b")), (int)jint(&rows[i], "pb"));
		for (int j = 0; j < nts && !want; j++)
			if (!strcmp(ts[j].a, k.a) && !strcmp(ts[j].b, k.b) && ts[j].pa == k.pa &&
			    ts[j].pb == k.pb)
				want = ts[j].id;
		snprintf(what, sizeof(what), "%s seed %d: %s %s:%d - %s:%d", file, seed,
			 jstr(&rows[i], "t"), k.a, k.pa, k.b, k.pb);
		if (!ASSERT_OK_PTR(want, what))
			continue;
		ASSERT_STREQ(id, want, what);
		checked++;
	}
	json_rows_free(rows, n);
	free(ts);
	return checked;
}

static void check_dir(const char *dir, int seed, int *files, int *rows)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[1024];

	if (!ASSERT_OK_PTR(d, dir))
		return;
	while ((de = readdir(d))) {
		if (!strstr(de->d_name, ".pcap"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		*rows += check_file(path, seed);
		(*files)++;
	}
	closedir(d);
}

static void test_synthetic_captures(void)
{
	/* gen_captures' files whose flows differ (the others hold the same
	 * handshake in other forms and linktypes) */
	static const char *const names[] = {
		"hs_established.pcapng", "hs_ipv6.pcapng", "hs_port_reuse.pcapng",
		"hs_synack_only.pcapng", "hs_midstream.pcapng", "hs_unreachable.pcapng",
		"icmp.pcapng", "link_ipv6.pcap",
	};
	int rows = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		rows += check_file(h_path(names[i]), 0);
	fprintf(stderr, "  %zu captures, %d rows agree with tshark (seed 0)\n",
		sizeof(names) / sizeof(names[0]), rows);
	ASSERT_GT(rows, 12, "rows compared");
}

static void test_samples_two_seeds(void)
{
	int files = 0, rows = 0;

	check_dir(samples_dir, 0, &files, &rows);
	check_dir(samples_dir, 4242, &files, &rows);
	fprintf(stderr, "  %d sample runs, %d rows agree with tshark (seeds 0, 4242)\n", files,
		rows);
	ASSERT_GT(rows, 6, "rows compared");
}

int main(int argc, char **argv)
{
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: %s GEN_CAPTURES NETANALYZE SAMPLES_DIR\n", argv[0]);
		return 2;
	}
	samples_dir = argv[3];
	rc = h_setup(argc, argv, true);
	if (rc)
		return rc;
	RUN_TEST(test_synthetic_captures);
	RUN_TEST(test_samples_two_seeds);
	h_teardown(test_state.failed_subtests > 0);
	return test_exit();
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading in one pass: the same timeline whatever the file order says.
 * ord_shuffled.pcap, ord_late.pcap (one connection 4 s late in the file)
 * and ord_sorted.pcap (gen_captures.c, gen_order) hold the same packets:
 * their reports must be the same, with the default time-order window and
 * with a window of 4 records, which makes the shuffled files spill sorted
 * runs. Their reorder figures are checked against the frame times tshark
 * reads, and ord_sorted.pcap's handshakes against tshark's streams.
 * Several files loaded at once into a kept database and the same files
 * added one by one must give the same reports and the same tables.
 * A file is identified by its whole content: a copy under another name is
 * not loaded again, a path whose content changed in the middle is (with a
 * warning).
 *
 * Usage (from meson): test_stream GEN_CAPTURES [NETANALYZE]
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

TEST_MAIN_STATE;

/* netanalyze ARGS... (NULL-terminated); stdout and stderr in *out, *err
 * (may be NULL); the exit status. */
static const char *const reports[] = {
	"--handshakes", "--connections", "--retransmissions", "--events", "--icmp",
	"--processes",
};

/* A report of one file as jsonl text (malloc'd), or NULL. */
static char *report(const char *file, const char *rep)
{
	char *out = NULL;

	if (h_netanalyze(&out, NULL, h_path(file), rep, "--format", "jsonl", NULL) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Moved records and largest displacement of a file's packets, from the
 * frame times tshark reads in file order (a stable sort by time). */
static void tshark_reorder(const char *file, long long *moved, long long *maxd)
{
	struct h_argv a;
	char *out = NULL, *line, *save = NULL;
	int64_t ts[256];
	int n = 0;

	*moved = *maxd = -1;
	h_argv_init(&a, "tshark");
	h_argv_add(&a, "-r");
	h_argv_add(&a, h_path(file));
	h_argv_add(&a, "-T");
	h_argv_add(&a, "fields");
	h_argv_add(&a, "-e");
	h_argv_add(&a, "frame.time_epoch");
	if (h_run(&a, &out, NULL) == 0) {
		for (line = strtok_r(out, "\n", &save); line && n < 256;
		     line = strtok_r(NULL, "\n", &save))
			ts[n++] = h_parse_secs(line);
		*moved = *maxd = 0;
		for (int i = 0; i < n; i++) {
			int rank = 0;

			for (int j = 0; j < n; j++)
				if (ts[j] < ts[i] || (ts[j] == ts[i] && j < i))
					rank++;
			if (rank != i) {
				(*moved)++;
				if (llabs(rank - i) > *maxd)
					*maxd = llabs(rank - i);
			}
		}
	}
	h_argv_free(&a);
	free(out);
}

static long long sql_int(const char *db, const char *file, const char *sql)
{
	char *out = NULL;
	long long v = -1;
	int rc;

	if (db && file)
		rc = h_netanalyze(&out, NULL, "--db", db, h_path(file), "--sql", sql, "--format", "csv", NULL);
	else if (db)
		rc = h_netanalyze(&out, NULL, "--db", db, "--sql", sql, "--format", "csv", NULL);
	else
		rc = h_netanalyze(&out, NULL, h_path(file), "--sql", sql, "--format", "csv", NULL);
	if (rc == 0 && out && strchr(out, '\n'))
		v = strtoll(strchr(out, '\n') + 1, NULL, 10);
	free(out);
	return v;
}

static void same_reports(const char *file, const char *sorted_file, const char *what)
{
	for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
		char *a = report(sorted_file, reports[i]), *b = report(file, reports[i]);

		if (!ASSERT_TRUE(a && b && !strcmp(a, b), what))
			fprintf(stderr, "  %s %s differs from %s\n", file, reports[i], sorted_file);
		free(a);
		free(b);
	}
}

static void test_out_of_order(void)
{
	static const char *const files[] = { "ord_shuffled.pcap", "ord_late.pcap" };
	struct jrow *rows;
	int n;

	/* the reference: ord_sorted.pcap's handshakes are tshark's */
	rows = h_netanalyze_rows(0, &n, (const char *const[]){ h_path("ord_sorted.pcap"), NULL },
				 "--handshakes", "--format", "jsonl", NULL);
	ASSERT_EQ(n, 16, "16 handshakes");
	ASSERT_EQ(h_check_tshark("ord_sorted.pcap", h_path("ord_sorted.pcap"), rows, n), 16,
		  "tshark sees the same 16 streams");
	json_rows_free(rows, n);

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		long long moved, maxd;

		same_reports(files[i], "ord_sorted.pcap", "same reports as the sorted file");
		tshark_reorder(files[i], &moved, &maxd);
		ASSERT_GT(moved, 0, "tshark: the file is out of order");
		if (!ASSERT_EQ(sql_int(NULL, files[i], "SELECT reorder_moved FROM files"), moved,
			       "reorder_moved as counted from tshark's frame times") ||
		    !ASSERT_EQ(sql_int(NULL, files[i], "SELECT reorder_max_displacement FROM files"),
			       maxd, "reorder_max_displacement as counted from tshark's frame times"))
			fprintf(stderr, "  file %s\n", files[i]);
	}
	/* ord_late.pcap: connection 1's 8 packets come after connection 9's
	 * 8: each moved by 64 (8 connections of 8 packets), and the 64 it
	 * jumped over by 8 each */
	ASSERT_EQ(sql_int(NULL, "ord_late.pcap", "SELECT reorder_moved FROM files"), 72,
		  "ord_late.pcap: 72 packets moved");
	ASSERT_EQ(sql_int(NULL, "ord_late.pcap", "SELECT reorder_max_displacement FROM files"), 64,
		  "ord_late.pcap: by 64 at most");
}

static void test_window_spills(void)
{
	static const char *const files[] = { "ord_shuffled.pcap", "ord_late.pcap" };
	char *err = NULL;
	int rc;

	/* a window of 4 records: both files break it, are read again whole
	 * and sorted in runs of 4 spilled to temporary files */
	setenv("NETANALYZE_WINDOW", "4", 1);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		same_reports(files[i], "ord_sorted.pcap", "same reports through spilled runs");
		rc = h_netanalyze(NULL, &err, "-v", h_path(files[i]), "--summary", "--format", "csv", NULL);
		ASSERT_EQ(rc, 0, "exit status");
		ASSERT_TRUE(err && strstr(err, "read again, sorted"), "the window was broken");
		ASSERT_TRUE(err && strstr(err, "32 sorted runs spilled"), "128 records in runs of 4");
		free(err);
		err = NULL;
	}
	/* an ordered file needs neither */
	rc = h_netanalyze(NULL, &err, "-v", h_path("ord_sorted.pcap"), "--summary", "--format", "csv", NULL);
	ASSERT_EQ(rc, 0, "exit status");
	ASSERT_TRUE(err && !strstr(err, "read again") && !strstr(err, "spilled"),
		    "an ordered file goes straight through");
	free(err);
	unsetenv("NETANALYZE_WINDOW");
}

static void test_at_once_or_one_by_one(void)
{
	/* capture points split three ways, netrec files with kernel events
	 * and process records, ICMP */
	static const char *const files[] = {
		"ord_a.pcapng", "ord_b.pcap", "ord_c.pcapng", "nr_shuffled.pcapng", "nr_procs.pcapng",
		"hs_established.pcapng", "icmp.pcapng",
	};
	static const char *const tables[] = {
		"SELECT * FROM packets ORDER BY id", "SELECT * FROM events ORDER BY id",
		"SELECT * FROM connections ORDER BY conn_id", "SELECT * FROM handshakes ORDER BY hs_id",
		"SELECT * FROM icmp ORDER BY icmp_id", "SELECT * FROM retransmissions",
		"SELECT * FROM sockets ORDER BY sock_id",
		"SELECT pid, comm, exe, source, file_id FROM processes ORDER BY 1, 2, 3, 4, 5",
		"SELECT file_id, path, packets, events, reorder_moved, hash FROM files",
		"SELECT * FROM interfaces ORDER BY iface_id",
	};
	char at[512], one[512];
	struct h_argv a;
	int rc;

	/* h_path's buffers are reused: keep copies */
	snprintf(at, sizeof(at), "%s", h_path("at_once.db"));
	snprintf(one, sizeof(one), "%s", h_path("one_by_one.db"));
	h_argv_init(&a, h_env.netanalyze);
	h_argv_add(&a, "--db");
	h_argv_add(&a, at);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		h_argv_add(&a, h_path(files[i]));
	h_argv_add(&a, "--summary");
	rc = h_run(&a, NULL, NULL);
	h_argv_free(&a);
	ASSERT_EQ(rc, 0, "all at once");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		rc = h_netanalyze(NULL, NULL, "--db", one, h_path(files[i]), "--summary", NULL);
		if (!ASSERT_EQ(rc, 0, "one by one"))
			fprintf(stderr, "  adding %s\n", files[i]);
	}
	ASSERT_EQ(sql_int(one, NULL, "SELECT count(*) FROM files"), 7, "seven files");
	ASSERT_EQ(sql_int(one, NULL, "SELECT count(*) FROM connections"), 21,
		  "16 + 2 (netrec) + 2 (procs) + 1 connections");
	for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]) + 1; i++) {
		const char *rep = i < sizeof(reports) / sizeof(reports[0]) ? reports[i] : "--summary";
		char *x = NULL, *y = NULL;

		h_netanalyze(&x, NULL, "--db", at, rep, "--format", "jsonl", NULL);
		h_netanalyze(&y, NULL, "--db", one, rep, "--format", "jsonl", NULL);
		if (!ASSERT_TRUE(x && y && *x && !strcmp(x, y), "same report"))
			fprintf(stderr, "  %s\n", rep);
		free(x);
		free(y);
	}
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		char *x = NULL, *y = NULL;

		h_netanalyze(&x, NULL, "--db", at, "--sql", tables[i], "--format", "csv", NULL);
		h_netanalyze(&y, NULL, "--db", one, "--sql", tables[i], "--format", "csv", NULL);
		if (!ASSERT_TRUE(x && y && !strcmp(x, y), "same rows"))
			fprintf(stderr, "  %s\n", tables[i]);
		free(x);
		free(y);
	}
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int err = in < 0 || out < 0;

	while (!err && (n = read(in, buf, sizeof(buf))) > 0)
		err = write(out, buf, (size_t)n) != n;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return err ? -1 : 0;
}

/* Changes the last payload byte of the packet record that holds the file's
 * middle byte (a nanosecond pcap: 24-byte header, 16-byte record headers):
 * the same size, still a valid capture. */
static int change_middle(const char *path)
{
	int fd = open(path, O_RDWR);
	struct stat st;
	uint32_t caplen;
	off_t off = 24;
	uint8_t b;

	if (fd < 0 || fstat(fd, &st))
		return -1;
	for (;;) {
		if (pread(fd, &caplen, 4, off + 8) != 4)
			break;
		if (off + 16 + (off_t)caplen > st.st_size / 2) {
			off_t last = off + 16 + caplen - 1;

			if (pread(fd, &b, 1, last) != 1)
				break;
			b ^= 0xff;
			if (pwrite(fd, &b, 1, last) != 1)
				break;
			close(fd);
			return 0;
		}
		off += 16 + caplen;
	}
	close(fd);
	return -1;
}

static void test_changed_file(void)
{
	char db[512], path[512], copy[512];
	char *err = NULL;
	int rc;

	snprintf(db, sizeof(db), "%s", h_path("ident.db"));
	snprintf(path, sizeof(path), "%s", h_path("trace.pcap"));
	snprintf(copy, sizeof(copy), "%s", h_path("trace-copy.pcap"));
	if (!ASSERT_OK(copy_file(h_path("big.pcap"), path), "copy") ||
	    !ASSERT_OK(copy_file(h_path("big.pcap"), copy), "copy"))
		return;
	rc = h_netanalyze(NULL, NULL, "--db", db, path, "--summary", NULL);
	ASSERT_EQ(rc, 0, "first load");
	/* the same content under another name is not loaded again */
	rc = h_netanalyze(NULL, &err, "--db", db, copy, "--summary", NULL);
	ASSERT_EQ(rc, 0, "the copy");
	ASSERT_TRUE(err && strstr(err, "already in the database (file 1)"), "the copy is known");
	free(err);
	err = NULL;
	ASSERT_EQ(sql_int(db, NULL, "SELECT count(*) FROM files"), 1, "one file");
	/* a byte in the middle changes (not in the first MiB or the last
	 * 64 KiB, and the size stays): the file is loaded again, and said so */
	if (!ASSERT_OK(change_middle(path), "change a byte in the middle"))
		return;
	rc = h_netanalyze(NULL, &err, "--db", db, path, "--summary", NULL);
	ASSERT_EQ(rc, 0, "second load");
	ASSERT_TRUE(err && strstr(err, "changed since it was loaded as file 1"),
		    "the change is said");
	free(err);
	ASSERT_EQ(sql_int(db, NULL, "SELECT count(*) FROM files"), 2, "loaded again");
	ASSERT_EQ(sql_int(db, NULL, "SELECT count(*) FROM packets"), 30000, "both files' packets");
	ASSERT_EQ(sql_int(db, NULL, "SELECT count(DISTINCT hash) FROM files"), 2, "two contents");
}

static void test_hash_is_xxh64(void)
{
	struct h_argv a;
	char *out = NULL, *q = NULL;

	/* files.hash is XXH64 of the file and its size: as xxhsum says */
	h_argv_init(&a, "xxhsum");
	h_argv_add(&a, "-H1");
	h_argv_add(&a, h_path("big.pcap"));
	if (h_run(&a, &out, NULL) != 0) {
		h_argv_free(&a);
		free(out);
		test__skip("xxhsum is not installed (apt-get install xxhash)");
		return;
	}
	h_argv_free(&a);
	out[16] = 0;
	h_netanalyze(&q, NULL, h_path("big.pcap"), "--sql", "SELECT hash FROM files", "--format", "csv",
	   NULL);
	if (ASSERT_TRUE(q && strchr(q, '\n'), "hash")) {
		char want[64];

		snprintf(want, sizeof(want), "%s-2550024", out);
		ASSERT_TRUE(!strncmp(strchr(q, '\n') + 1, want, strlen(want)), "XXH64-size");
	}
	free(out);
	free(q);
}

static void test_writes_what_is_asked(void)
{
	char *err = NULL, *out = NULL;
	int rc;

	/* a temporary database holds only the tables the reports read */
	rc = h_netanalyze(&out, &err, "-vv", h_path("ord_sorted.pcap"), "--handshakes", "--format", "csv",
		NULL);
	ASSERT_EQ(rc, 0, "--handshakes");
	ASSERT_TRUE(err && strstr(err, "writes table handshakes"), "the handshakes table");
	ASSERT_TRUE(err && !strstr(err, "writes table packets"), "no packet rows");
	ASSERT_TRUE(out && strstr(out, "established"), "the report");
	free(err);
	free(out);
	err = out = NULL;
	/* --sql reads what its statement reads, through views too */
	rc = h_netanalyze(&out, &err, "-vv", h_path("ord_sorted.pcap"), "--sql",
		"SELECT count(*) AS n FROM v_packets WHERE seq_rel = 1 AND payload_len > 0", "--format",
		"csv", NULL);
	ASSERT_EQ(rc, 0, "--sql");
	ASSERT_TRUE(err && strstr(err, "writes table packets") &&
		    strstr(err, "writes table connections"), "v_packets reads both");
	/* 16 connections send 100 bytes from relative sequence 1, one of them
	 * twice */
	ASSERT_STREQ(out, "n\n17\n", "the packets are there");
	free(err);
	free(out);
}

int main(int argc, char **argv)
{
	int rc = h_setup(argc, argv, true);

	if (rc)
		return rc;
	RUN_TEST(test_out_of_order);
	RUN_TEST(test_window_spills);
	RUN_TEST(test_at_once_or_one_by_one);
	RUN_TEST(test_changed_file);
	RUN_TEST(test_hash_is_xxh64);
	RUN_TEST(test_writes_what_is_asked);
	rc = test_exit();
	h_teardown(rc == 1);
	return rc;
}

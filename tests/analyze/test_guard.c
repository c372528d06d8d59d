/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * --sql is untrusted input, and a query only reads. Every attempt to write,
 * to switch the guard off (pragmas in any letter case), to reach outside
 * the database (ATTACH, VACUUM INTO, load_extension) or to reach SQLite's
 * internals (fts3_tokenizer's pointer leak and the crash it leads to,
 * R-tree node parsing) fails with exit 1 and a message, and the database
 * file is byte-identical afterwards. A pure query leaves the file as it
 * was, works on a read-only file in a read-only directory, and does not
 * wait for another netanalyze loading into the same database.
 *
 * The database is loaded from samples/netrec-tcp.pcapng; the expected
 * counts of the queries that must keep working are counted here from the
 * sample with the format library (not with netanalyze).
 *
 * Usage (from meson): test_guard SAMPLES_DIR [NETANALYZE]
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"
#include "pcapng.h"
#include "pkt.h"
#include "test.h"

TEST_MAIN_STATE;

static char samples[1024];

struct blob {
	uint8_t *p;
	size_t n;
};

static struct blob slurp(const char *path)
{
	struct blob b = { NULL, 0 };
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) || !(b.p = malloc((size_t)st.st_size + 1))) {
		if (fd >= 0)
			close(fd);
		return b;
	}
	while (b.n < (size_t)st.st_size) {
		ssize_t r = read(fd, b.p + b.n, (size_t)st.st_size - b.n);

		if (r <= 0)
			break;
		b.n += (size_t)r;
	}
	close(fd);
	return b;
}

static bool same(struct blob a, struct blob b)
{
	return a.p && b.p && a.n == b.n && !memcmp(a.p, b.p, a.n);
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* A loader builds the new database beside db (DB.tmp-XXXXXX) and renames
 * it over db when done. */
static bool building(const char *db)
{
	const char *slash = strrchr(db, '/');
	char dir[600], prefix[300];
	struct dirent *de;
	bool yes = false;
	DIR *d;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - db) : 1, slash ? db : ".");
	snprintf(prefix, sizeof(prefix), "%s.tmp-", slash ? slash + 1 : db);
	d = opendir(dir);
	while (d && !yes && (de = readdir(d)))
		yes = !strncmp(de->d_name, prefix, strlen(prefix));
	if (d)
		closedir(d);
	return yes;
}

static double mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* netanalyze [PREFIX...] --db DB ARGS... (NULL-terminated): exit status,
 * stdout and stderr (malloc'd, may be NULL). prefix: a command that runs
 * netanalyze as another user, or NULL. */
static int na_run(const char *const *prefix, const char *db, char **out, char **err, ...)
{
	struct h_argv a;
	const char *arg;
	va_list ap;
	int rc, i;

	if (prefix) {
		h_argv_init(&a, prefix[0]);
		for (i = 1; prefix[i]; i++)
			h_argv_add(&a, prefix[i]);
		h_argv_add(&a, h_env.netanalyze);
	} else {
		h_argv_init(&a, h_env.netanalyze);
	}
	h_argv_add(&a, "--db");
	h_argv_add(&a, db);
	va_start(ap, err);
	while ((arg = va_arg(ap, const char *)))
		h_argv_add(&a, arg);
	va_end(ap);
	rc = h_run(&a, out, err);
	h_argv_free(&a);
	return rc;
}

/* The sample's packets and their count, read with the format library. */
static long long sample_packets(const char *path)
{
	struct capfile *f;
	struct capfile_rec r;
	long long n = 0;

	if (capfile_open_path(&f, path, NULL))
		return -1;
	while (capfile_next(f, &r) > 0)
		n += r.type == CAPFILE_REC_PACKET;
	capfile_close(f);
	return n;
}

static const char *sample(void)
{
	static char p[1100];

	snprintf(p, sizeof(p), "%s/netrec-tcp.pcapng", samples);
	return p;
}

/* A database with the sample loaded; returns its path. */
static const char *load_sample(const char *name)
{
	const char *db = h_path(name);
	char *out = NULL, *err = NULL;
	struct h_argv a;
	int rc;

	h_argv_init(&a, h_env.netanalyze);
	h_argv_add(&a, "--db");
	h_argv_add(&a, db);
	h_argv_add(&a, sample());
	h_argv_add(&a, "--summary");
	h_argv_add(&a, "--format");
	h_argv_add(&a, "csv");
	rc = h_run(&a, &out, &err);
	h_argv_free(&a);
	if (!ASSERT_EQ(rc, 0, "load the sample"))
		fprintf(stderr, "%s", err ? err : "");
	free(out);
	free(err);
	return db;
}

struct attack {
	const char *sql;
	const char *why;
};

static const struct attack attacks[] = {
	/* switching the guard off, in any letter case */
	{ "PRAGMA QUERY_ONLY=OFF; CREATE TEMP TABLE t(a); INSERT INTO t VALUES (1)", "query_only" },
	{ "pragma Query_Only = 0; DELETE FROM packets", "query_only, mixed case" },
	{ "PRAGMA main.query_only = false", "query_only with a schema" },
	{ "PRAGMA WRITABLE_SCHEMA=ON", "writable_schema" },
	{ "PRAGMA writable_schema = 1; UPDATE sqlite_master SET sql = 'x'", "writable_schema" },
	{ "PRAGMA trusted_schema = 1", "trusted_schema" },
	{ "PRAGMA journal_mode = WAL", "journal_mode" },
	{ "PRAGMA user_version = 7", "a header write" },
	{ "PRAGMA application_id = 1", "a header write" },
	{ "SELECT * FROM pragma_query_only(0)", "pragma as a table-valued function" },
	{ "PRAGMA optimize", "optimize" },
	/* writes, temp tables included */
	{ "CREATE TEMP TABLE t(a)", "temp table" },
	{ "CREATE TEMP VIEW v AS SELECT 1", "temp view" },
	{ "CREATE TEMP TRIGGER tr AFTER INSERT ON packets BEGIN SELECT 1; END", "temp trigger" },
	{ "CREATE TABLE t(a)", "create table" },
	{ "CREATE INDEX i ON packets(ts_ns)", "create index" },
	{ "INSERT INTO meta(key, value) VALUES ('x', 'y')", "insert" },
	{ "UPDATE packets SET ts_ns = 0", "update" },
	{ "DELETE FROM packets", "delete" },
	{ "DROP TABLE packets", "drop" },
	{ "ALTER TABLE files ADD COLUMN x", "alter" },
	{ "BEGIN; DELETE FROM packets; COMMIT", "transaction" },
	{ "SAVEPOINT s", "savepoint" },
	{ "REINDEX", "reindex" },
	{ "ANALYZE", "analyze" },
	{ "VACUUM", "vacuum" },
	/* reaching outside the database */
	{ "ATTACH DATABASE 'attached.db' AS a", "attach a file" },
	{ "ATTACH ':memory:' AS m; CREATE TABLE m.t(a)", "attach memory" },
	{ "DETACH main", "detach" },
	{ "VACUUM INTO 'copy.db'", "vacuum into a file" },
	{ "SELECT load_extension('libm.so.6')", "load_extension" },
	{ "SELECT LOAD_EXTENSION('/nonexistent/x.so', 'init')", "load_extension, upper case" },
	/* SQLite internals */
	{ "SELECT hex(fts3_tokenizer('simple'))", "fts3_tokenizer pointer leak" },
	{ "PRAGMA QUERY_ONLY=0; SELECT fts3_tokenizer('simple', x'4141414141414141'); "
	  "CREATE VIRTUAL TABLE temp.f USING fts3(tokenize=simple); "
	  "INSERT INTO temp.f VALUES ('boom')", "fts3_tokenizer at a chosen address" },
	{ "CREATE VIRTUAL TABLE temp.f USING fts4(x)", "virtual table" },
	{ "SELECT rtreenode(2, x'000100000000000000000000')", "rtreenode parses a blob" },
	{ "SELECT fts5(NULL)", "fts5 api pointer" },
};

static void test_sql_attacks(void)
{
	const char *db = load_sample("attack.db");
	struct blob before = slurp(db), after;
	char *out = NULL, *err = NULL;

	ASSERT_TRUE(before.p != NULL, "read the database");
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		int rc;

		rc = na_run(NULL, db, &out, &err, "--sql", attacks[i].sql, "--format", "csv", NULL);
		if (!ASSERT_EQ(rc, 1, "the attempt fails with exit 1 (not a crash, not 0)") ||
		    !ASSERT_TRUE(err && strstr(err, "netanalyze: SQL"),
				 "with a message naming the SQL"))
			fprintf(stderr, "  %s (%s): stderr %s", attacks[i].sql, attacks[i].why,
				err ? err : "(none)\n");
		/* no pointer-sized hex value in the output (the leak) */
		if (out && strstr(attacks[i].why, "leak"))
			ASSERT_TRUE(strspn(out + strcspn(out, "\n") + (out[0] != 0),
					   "0123456789ABCDEFabcdef") < 8, "no address printed");
		free(out);
		free(err);
		out = err = NULL;
		after = slurp(db);
		if (!ASSERT_TRUE(same(before, after), "the database file is byte-identical"))
			fprintf(stderr, "  after: %s (%s)\n", attacks[i].sql, attacks[i].why);
		free(after.p);
	}
	ASSERT_FALSE(exists(h_path("attached.db")), "ATTACH created no file");
	ASSERT_FALSE(exists(h_path("copy.db")), "VACUUM INTO created no file");
	free(before.p);
}

/* What must keep working on the guarded connection. */
static void test_sql_allowed(void)
{
	const char *db = load_sample("allowed.db");
	struct blob before = slurp(db), after;
	long long want = sample_packets(sample());
	char *out = NULL, *err = NULL, expect[64];
	static const char *const reports[] = {
		"--summary", "--handshakes", "--connections", "--events", "--retransmissions",
		"--icmp", "--processes",
	};
	static const struct { const char *sql, *out; } ok[] = {
		{ "PRAGMA table_info(meta)", "cid,name,type,notnull,dflt_value,pk\n"
		  "0,key,TEXT,0,,1\n1,value,,0,,0\n" },
		{ "select NAME from PRAGMA_TABLE_INFO('meta') order by cid", "name\nkey\nvalue\n" },
		{ "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 10) "
		  "SELECT sum(x) AS s FROM c", "s\n55\n" },
		{ "SELECT count(*) AS n FROM json_each('[1,2,3]')", "n\n3\n" },
		{ "SELECT ip(ipaddr('2001:db8::1')) AS a, Upper('x') AS u, "
		  "ts(0) AS t", "a,u,t\n2001:db8::1,X,1970-01-01 00:00:00.000000000\n" },
	};

	ASSERT_GT(want, 0, "the sample has packets");
	snprintf(expect, sizeof(expect), "n\n%lld\n", want);
	ASSERT_EQ(na_run(NULL, db, &out, &err, "--sql", "SELECT count(*) AS n FROM v_packets",
			 "--format", "csv", NULL), 0, "count through a view using ip()");
	ASSERT_STREQ(out, expect, "v_packets holds every packet of the sample");
	free(out);
	free(err);
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		out = err = NULL;
		if (!ASSERT_EQ(na_run(NULL, db, &out, &err, "--sql", ok[i].sql, "--format", "csv",
				      NULL), 0, "an allowed query runs"))
			fprintf(stderr, "  %s: %s", ok[i].sql, err ? err : "");
		ASSERT_STREQ(out, ok[i].out, ok[i].sql);
		free(out);
		free(err);
	}
	for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
		for (int f = 0; f < 2; f++) {
			out = err = NULL;
			if (!ASSERT_EQ(na_run(NULL, db, &out, &err, reports[i], "--format",
					      f ? "table" : "json", NULL), 0, "a report runs"))
				fprintf(stderr, "  %s: %s", reports[i], err ? err : "");
			free(out);
			free(err);
		}
	}
	after = slurp(db);
	ASSERT_TRUE(same(before, after), "queries and reports left the file byte-identical");
	ASSERT_FALSE(exists(h_path("allowed.db-wal")), "no WAL file left behind");
	ASSERT_FALSE(exists(h_path("allowed.db-journal")), "no journal left behind");
	free(before.p);
	free(after.p);
}

static void test_sql_timeout(void)
{
	const char *db = load_sample("timeout.db");
	char *out = NULL, *err = NULL;
	double t0 = mono();
	int rc;

	rc = na_run(NULL, db, &out, &err, "--sql-timeout", "0.5", "--sql",
		    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
		    "SELECT count(*) FROM c", "--format", "csv", NULL);
	ASSERT_EQ(rc, 1, "an endless query is stopped with exit 1");
	ASSERT_LT((long long)((mono() - t0) * 1000), 20000, "within seconds");
	ASSERT_TRUE(err && strstr(err, "--sql-timeout"), "the message names --sql-timeout");
	free(out);
	free(err);
	ASSERT_EQ(na_run(NULL, db, NULL, NULL, "--sql-timeout", "x", "--sql", "SELECT 1", NULL), 2,
		  "a bad --sql-timeout is a usage error");
}

/* Item: a pure query opens read-only. */
static void test_pure_query_readonly(void)
{
	const char *db = load_sample("pure.db");
	struct blob before = slurp(db), after;
	char *out = NULL, *err = NULL;

	ASSERT_EQ(na_run(NULL, db, &out, &err, "--sql", "SELECT 1", "--format", "csv", NULL), 0,
		  "SELECT 1");
	ASSERT_STREQ(out, "1\n1\n", "SELECT 1 answers");
	free(out);
	free(err);
	after = slurp(db);
	ASSERT_TRUE(same(before, after), "--sql \"SELECT 1\" leaves the file byte-identical");
	free(after.p);
	out = err = NULL;
	ASSERT_EQ(na_run(NULL, db, &out, &err, "--summary", "--format", "csv", NULL), 0,
		  "--summary on the kept database");
	free(out);
	free(err);
	after = slurp(db);
	ASSERT_TRUE(same(before, after), "--summary leaves the file byte-identical");
	free(after.p);
	free(before.p);
}

/* Another program's SQLite file given as --db is read, never given the
 * analyzer's schema. */
static void test_foreign_database(void)
{
	const char *db = h_path("foreign.db");
	struct blob before, after;
	char *out = NULL, *err = NULL;
	sqlite3 *s = NULL;

	ASSERT_EQ(sqlite3_open(db, &s), SQLITE_OK, "create");
	ASSERT_EQ(sqlite3_exec(s, "CREATE TABLE t(a); INSERT INTO t VALUES (42);", NULL, NULL, NULL),
		  SQLITE_OK, "fill");
	sqlite3_close(s);
	before = slurp(db);
	ASSERT_EQ(na_run(NULL, db, &out, &err, "--sql", "SELECT a FROM t", "--format", "csv", NULL),
		  0, "--sql reads it");
	ASSERT_STREQ(out, "a\n42\n", "its row");
	free(out);
	free(err);
	out = err = NULL;
	ASSERT_EQ(na_run(NULL, db, &out, &err, "--summary", NULL), 1, "a report fails");
	ASSERT_TRUE(err && strstr(err, "not a netanalyze database"), "and says why");
	free(out);
	free(err);
	after = slurp(db);
	ASSERT_TRUE(same(before, after), "the file is unchanged");
	free(before.p);
	free(after.p);
}

/* A 0444 database in a directory nobody may write to. Root can write to
 * anything, so as root netanalyze runs as user nobody (setpriv). */
static void test_readonly_file(void)
{
	static const char *const as_nobody[] = {
		"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", NULL,
	};
	const char *const *prefix = geteuid() == 0 ? as_nobody : NULL;
	char dir[300], db[400], cmd[900];
	char *out = NULL, *err = NULL;
	struct blob before, after;
	int rc;

	snprintf(dir, sizeof(dir), "%s/ro", h_env.dir);
	snprintf(db, sizeof(db), "%s/ro.db", dir);
	ASSERT_EQ(mkdir(dir, 0755), 0, "mkdir");
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", load_sample("ro-src.db"), db);
	ASSERT_EQ(system(cmd), 0, "copy the database");
	before = slurp(db);
	ASSERT_EQ(chmod(db, 0444), 0, "chmod 0444");
	ASSERT_EQ(chmod(dir, 0555), 0, "chmod the directory 0555");
	if (prefix) {
		/* nobody needs to reach the directory */
		chmod(h_env.dir, 0711);
		struct h_argv t;

		h_argv_init(&t, "setpriv");
		for (int i = 1; as_nobody[i]; i++)
			h_argv_add(&t, as_nobody[i]);
		h_argv_add(&t, "true");
		rc = h_run(&t, NULL, NULL);
		h_argv_free(&t);
		if (rc != 0) {
			printf("note: setpriv cannot run as nobody (%d): read-only case skipped\n", rc);
			goto out;
		}
	}
	rc = na_run(prefix, db, &out, &err, "--sql", "SELECT count(*) AS n FROM files",
		    "--format", "csv", NULL);
	if (!ASSERT_EQ(rc, 0, "a read-only database in a read-only directory can be queried"))
		fprintf(stderr, "  stderr: %s", err ? err : "");
	ASSERT_STREQ(out, "n\n1\n", "and answers");
	free(out);
	free(err);
	out = err = NULL;
	rc = na_run(prefix, db, &out, &err, "--handshakes", "--format", "csv", NULL);
	ASSERT_EQ(rc, 0, "a report on the read-only database");
	free(out);
	free(err);
	after = slurp(db);
	ASSERT_TRUE(same(before, after), "the read-only file is unchanged");
	free(after.p);
out:
	chmod(dir, 0755);
	chmod(h_env.dir, 0700);
	free(before.p);
}

/* A capture big enough that loading it takes a few seconds: n TCP
 * handshakes between documentation addresses. */
static int write_big(const char *path, int n)
{
	struct pcapng_writer_opts wo = { .flags = PCAPNG_W_CLOSE_FD };
	struct pcapng_writer *w = NULL;
	struct pcapng_opts o;
	uint8_t ip[PKT_MAX], frame[PKT_MAX + 64];
	uint32_t ifid;
	int fd, err;

	pcapng_opts_init(&o);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	err = pcapng_writer_open(&w, fd, &wo);
	if (err) {
		close(fd);
		return err;
	}
	err = pcapng_write_shb(w, NULL);
	pcapng_opts_add_u8(&o, PCAPNG_IF_TSRESOL, 9);
	if (!err)
		err = pcapng_write_idb(w, LINKTYPE_RAW, 262144, &o, &ifid);
	for (int i = 0; !err && i < n; i++) {
		struct pkt_ep c = pkt_ep("192.0.2.1", (uint16_t)(1024 + i % 60000));
		struct pkt_ep s = pkt_ep(i & 1 ? "198.51.100.7" : "198.51.100.8",
					 (uint16_t)(80 + (i / 60000) % 100));
		struct pkt_tcp t[3] = {
			{ .flags = TH_SYN, .seq = 1000u * (uint32_t)i, .win = 64240, .mss = 1460 },
			{ .flags = TH_SYN | TH_ACK, .seq = 7, .ack = 1000u * (uint32_t)i + 1,
			  .win = 65160, .mss = 1400 },
			{ .flags = TH_ACK, .seq = 1000u * (uint32_t)i + 1, .ack = 8, .win = 502 },
		};

		for (int k = 0; !err && k < 3; k++) {
			size_t len = pkt_tcp(ip, sizeof(ip), k == 1 ? &s : &c, k == 1 ? &c : &s, &t[k]);

			len = pkt_link(frame, sizeof(frame), LINKTYPE_RAW, ip, len, AF_INET, 0, false);
			err = pcapng_write_epb(w, ifid, 1700000000000000000ULL +
					       (uint64_t)i * 1000000 + (uint64_t)k * 1000,
					       frame, (uint32_t)len, (uint32_t)len, NULL);
		}
	}
	pcapng_opts_free(&o);
	return pcapng_writer_close(w) ?: err;
}

static pid_t spawn(const char *const *argv)
{
	pid_t pid = fork();

	if (pid == 0) {
		int nul = open("/dev/null", O_RDWR);

		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* A query while another netanalyze loads into the same database answers
 * at once, from what was committed before the load. */
static void test_query_beside_loader(void)
{
	const char *db = load_sample("busy.db");
	const char *big = h_path("big.pcapng");
	char wal[600], journal[600];
	char *out = NULL, *err = NULL;
	int status = -1, rc;
	double t0, waited;
	pid_t pid;

	snprintf(wal, sizeof(wal), "%s-wal", db);
	snprintf(journal, sizeof(journal), "%s-journal", db);
	if (!ASSERT_EQ(write_big(big, 150000), 0, "write the big capture"))
		return;
	const char *argv[] = { h_env.netanalyze, "-q", "--db", db, big, "--summary", NULL };

	pid = spawn(argv);
	ASSERT_GT(pid, 0, "start the loader");
	/* the loader is writing once it has its new file, a WAL or a rollback
	 * journal */
	t0 = mono();
	while (!building(db) && !exists(wal) && !exists(journal) && mono() - t0 < 60)
		usleep(20000);
	usleep(300000);
	if (waitpid(pid, &status, WNOHANG) == pid) {
		printf("note: the loader finished before the query could run beside it\n");
		ASSERT_TRUE(false, "the loader is slow enough to be queried beside");
		return;
	}
	t0 = mono();
	rc = na_run(NULL, db, &out, &err, "--sql", "SELECT count(*) AS n FROM files",
		    "--format", "csv", NULL);
	waited = mono() - t0;
	if (!ASSERT_EQ(rc, 0, "a query beside a running loader succeeds"))
		fprintf(stderr, "  stderr: %s", err ? err : "");
	ASSERT_STREQ(out, "n\n1\n", "and sees the committed state (one file)");
	ASSERT_LT((long long)(waited * 1000), 3000, "without waiting for the loader");
	ASSERT_EQ(waitpid(pid, &status, WNOHANG), 0, "the loader was still loading");
	free(out);
	free(err);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the loader succeeded");
	out = err = NULL;
	ASSERT_EQ(na_run(NULL, db, &out, &err, "--sql", "SELECT count(*) AS n FROM files",
			 "--format", "csv", NULL), 0, "query after the load");
	ASSERT_STREQ(out, "n\n2\n", "both files once the load committed");
	free(out);
	free(err);
	ASSERT_FALSE(exists(wal), "the finished loader left no WAL file");
}

int main(int argc, char **argv)
{
	int rc = h_setup(argc, argv, false);

	if (rc)
		return rc;
	snprintf(samples, sizeof(samples), "%s", argc > 1 ? argv[1] : "samples");
	RUN_TEST(test_sql_attacks);
	RUN_TEST(test_sql_allowed);
	RUN_TEST(test_sql_timeout);
	RUN_TEST(test_pure_query_readonly);
	RUN_TEST(test_foreign_database);
	RUN_TEST(test_readonly_file);
	RUN_TEST(test_query_beside_loader);
	h_teardown(test_state.failed_subtests != 0);
	return test_exit();
}

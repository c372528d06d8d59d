/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ClickHouse export and DDL kept in step with the SQLite schema: for
 * every exported table, --clickhouse-schema declares host, capture, day and
 * then exactly the columns SQLite reports for the table (PRAGMA table_info
 * on a database netanalyze made), in order, with the mapped type, Nullable
 * unless SQLite says NOT NULL or the column is part of the sorting key;
 * every line --export writes has exactly those keys in that order, and its
 * values are the database's, row for row, NULLs included. The fleet suite
 * loads the same files into ClickHouse itself.
 *
 * Usage (from meson): test_export GEN_VANTAGE NETANALYZE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "test.h"

TEST_MAIN_STATE;

static const struct { const char *ch, *sqlite; } tables[] = {
	{ "captures", "files" }, { "connections", "connections" }, { "handshakes", "handshakes" },
	{ "events", "events" }, { "processes", "processes" }, { "packets", "packets" },
};

struct ddl_col {
	char name[72], type[64];
};

/* The columns of CREATE TABLE ... netrec.NAME_local in the DDL text. */
static int ddl_cols(const char *ddl, const char *table, struct ddl_col *c, int max)
{
	char head[128];
	const char *p, *end;
	int n = 0;

	snprintf(head, sizeof(head), "CREATE TABLE IF NOT EXISTS netrec.%s_local (\n", table);
	p = strstr(ddl, head);
	if (!p)
		return -1;
	p += strlen(head);
	end = strstr(p, "\n) ENGINE");
	if (!end)
		return -1;
	while (p < end && n < max) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char line[256];
		size_t len = (size_t)((nl ? nl : end) - p);

		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		p = nl ? nl + 1 : end;
		char *s = line + strspn(line, " ");
		size_t l = strlen(s);

		if (l && s[l - 1] == ',')
			s[--l] = 0;
		char *sp = strchr(s, ' ');

		if (!sp)
			return -1;
		*sp = 0;
		if (*s == '`') {
			s++;
			s[strlen(s) - 1] = 0;
		}
		snprintf(c[n].name, sizeof(c[n].name), "%s", s);
		snprintf(c[n].type, sizeof(c[n].type), "%s", sp + 1);
		n++;
	}
	return n;
}

static const char *mapped(const char *sqlite_type)
{
	if (!strcmp(sqlite_type, "INTEGER"))
		return "Int64";
	if (!strcmp(sqlite_type, "TEXT") || !strcmp(sqlite_type, "BLOB"))
		return "String";
	if (!strcmp(sqlite_type, "REAL"))
		return "Float64";
	return "?";
}

static char *run_out(struct h_argv *a)
{
	char *out = NULL;
	int rc = h_run(a, &out, NULL);

	h_argv_free(a);
	if (rc != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static bool same_value(const struct jv *a, const struct jv *b)
{
	if (a->t != b->t)
		return false;
	switch (a->t) {
	case JV_INT:
	case JV_BOOL:
		return a->i == b->i;
	case JV_STR:
		return !strcmp(a->s, b->s);
	case JV_REAL:
		return a->d == b->d;
	default:
		return true;
	}
}

static char db[1024], dir[1024], files[3][1024];

static void test_ddl_matches_sqlite(void)
{
	struct h_argv a;
	char *ddl, sql[128], what[256];
	struct ddl_col c[100];

	h_argv_init(&a, h_env.netanalyze);
	h_argv_add(&a, "--clickhouse-schema");
	ddl = run_out(&a);
	if (!ASSERT_OK_PTR(ddl, "--clickhouse-schema"))
		return;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		const char *const none[] = { NULL };
		struct jrow *r;
		int n, nc = ddl_cols(ddl, tables[t].ch, c, 100);

		snprintf(what, sizeof(what), "DDL of %s", tables[t].ch);
		if (!ASSERT_GT(nc, 3, what))
			continue;
		ASSERT_STREQ(c[0].name, "host", what);
		ASSERT_STREQ(c[0].type, "String", what);
		ASSERT_STREQ(c[1].name, "capture", what);
		ASSERT_STREQ(c[2].name, "day", what);
		ASSERT_STREQ(c[2].type, "Date", what);
		snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", tables[t].sqlite);
		r = h_netanalyze_rows(0, &n, none, "--db", db, "--sql", sql, "--format", "jsonl", NULL);
		snprintf(what, sizeof(what), "%s: the SQLite columns and the 3 keys", tables[t].ch);
		ASSERT_EQ(nc, n + 3, what);
		for (int i = 0; i < n && i + 3 < nc; i++) {
			const char *name = jstr(&r[i], "name");
			char want_name[80], want_type[80];

			snprintf(want_name, sizeof(want_name), "%s%s",
				 !strcmp(name, "host") ? "file_" : "", name);
			snprintf(what, sizeof(what), "%s column %d", tables[t].ch, i);
			ASSERT_STREQ(c[i + 3].name, want_name, what);
			/* Nullable unless NOT NULL, the rowid, or a sorting key column */
			bool notnull = jint(&r[i], "notnull") == 1 || jint(&r[i], "pk") == 1;
			const char *m = mapped(jstr(&r[i], "type"));

			if (notnull)
				snprintf(want_type, sizeof(want_type), "%s", m);
			else
				snprintf(want_type, sizeof(want_type), "Nullable(%s)", m);
			snprintf(what, sizeof(what), "%s.%s type", tables[t].ch, name);
			if (strcmp(c[i + 3].type, want_type)) {
				/* a key column: declared without Nullable, and named in ORDER BY */
				char order[128];
				const char *o = strstr(ddl, tables[t].ch);

				snprintf(order, sizeof(order), "`%s`", name);
				o = o ? strstr(o, "ORDER BY") : NULL;
				ASSERT_STREQ(c[i + 3].type, m, what);
				ASSERT_TRUE(o && strstr(o, order) && strstr(o, order) < strstr(o, ";"),
					    "a non-Nullable nullable column is a sorting key");
			}
		}
		json_rows_free(r, n);
	}
	free(ddl);
}

static void test_export_equals_database(void)
{
	struct h_argv a;
	char *ddl, path[1200], what[1400], sql[128];
	struct ddl_col c[100];
	int rc;

	h_argv_init(&a, h_env.netanalyze);
	h_argv_add(&a, "--db");
	h_argv_add(&a, db);
	h_argv_add(&a, "--export");
	h_argv_add(&a, "clickhouse");
	h_argv_add(&a, dir);
	h_argv_add(&a, "--export-packets");
	h_argv_add(&a, "--host-name");
	h_argv_add(&a, "h-1");
	rc = h_run(&a, NULL, NULL);
	h_argv_free(&a);
	ASSERT_EQ(rc, 0, "--export clickhouse");
	h_argv_init(&a, h_env.netanalyze);
	h_argv_add(&a, "--clickhouse-schema");
	ddl = run_out(&a);
	if (!ASSERT_OK_PTR(ddl, "--clickhouse-schema"))
		return;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		const char *const none[] = { NULL };
		struct jrow *got = NULL, *want;
		int ng = -1, nw, nc = ddl_cols(ddl, tables[t].ch, c, 100), nulls = 0;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s.jsonl", dir, tables[t].ch);
		f = fopen(path, "r");
		snprintf(what, sizeof(what), "%s written", path);
		if (!ASSERT_OK_PTR(f, what))
			continue;
		char *text = NULL;
		size_t tl = 0;
		FILE *m = open_memstream(&text, &tl);
		char buf[65536];
		size_t k;

		while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, k, m);
		fclose(m);
		fclose(f);
		ng = json_rows(text, &got);
		snprintf(sql, sizeof(sql), "SELECT * FROM %s", tables[t].sqlite);
		want = h_netanalyze_rows(0, &nw, none, "--db", db, "--sql", sql, "--format", "jsonl",
					 NULL);
		snprintf(what, sizeof(what), "%s: one line per row", tables[t].ch);
		ASSERT_EQ(ng, nw, what);
		ASSERT_GT(nw, 0, "rows to compare");
		for (int i = 0; i < ng && i < nw; i++) {
			snprintf(what, sizeof(what), "%s row %d: keys are the DDL's columns", tables[t].ch,
				 i);
			if (!ASSERT_EQ(got[i].n, nc, what))
				break;
			for (int j = 0; j < nc; j++)
				ASSERT_STREQ(got[i].k[j], c[j].name, what);
			ASSERT_STREQ(jstr(&got[i], "host"), "h-1", "--host-name gives the host");
			for (int j = 3; j < nc; j++) {
				const char *col = want[i].k[j - 3];

				snprintf(what, sizeof(what), "%s row %d column %s", tables[t].ch, i, col);
				if (!ASSERT_TRUE(same_value(&got[i].v[j], jget(&want[i], col)), what))
					break;
				nulls += got[i].v[j].t == JV_NULL;
			}
		}
		fprintf(stderr, "  %s: %d rows, %d NULLs, equal to the database\n", tables[t].ch, ng,
			nulls);
		json_rows_free(got, ng > 0 ? ng : 0);
		json_rows_free(want, nw);
		free(text);
	}
	free(ddl);
}

static void test_capture_key_is_content_hash(void)
{
	const char *const none[] = { NULL };
	struct jrow *r;
	int n;

	/* captures: capture = files.hash, the same for every table's rows of
	 * that file */
	r = h_netanalyze_rows(0, &n, none, "--db", db, "--sql",
			      "SELECT file_id, hash FROM files ORDER BY file_id", "--format", "jsonl",
			      NULL);
	ASSERT_EQ(n, 3, "three files");
	for (int i = 0; i < n; i++)
		ASSERT_TRUE(jstr(&r[i], "hash") && strlen(jstr(&r[i], "hash")) > 16, "a content hash");
	json_rows_free(r, n);
}

static void test_no_host_no_export(void)
{
	struct h_argv a;
	char *err = NULL, out[1200];
	int rc;

	/* the tap names no host: without --host-name the export refuses,
	 * naming the file, and writes nothing */
	snprintf(out, sizeof(out), "%s/none", h_env.dir);
	h_argv_init(&a, h_env.netanalyze);
	h_argv_add(&a, "--db");
	h_argv_add(&a, db);
	h_argv_add(&a, "--export");
	h_argv_add(&a, "clickhouse");
	h_argv_add(&a, out);
	rc = h_run(&a, NULL, &err);
	h_argv_free(&a);
	ASSERT_EQ(rc, 1, "exit status");
	ASSERT_TRUE(err && strstr(err, "tap.pcap names no host") && strstr(err, "--host-name"),
		    "says which file and what to do");
	ASSERT_TRUE(access(out, F_OK) != 0, "nothing written");
	free(err);
}

int main(int argc, char **argv)
{
	struct h_argv a;
	int rc = h_setup(argc, argv, true);

	if (rc)
		return rc;
	snprintf(db, sizeof(db), "%s/x.db", h_env.dir);
	snprintf(dir, sizeof(dir), "%s/export", h_env.dir);
	snprintf(files[0], sizeof(files[0]), "%s/client.pcapng", h_env.dir);
	snprintf(files[1], sizeof(files[1]), "%s/server.pcapng", h_env.dir);
	snprintf(files[2], sizeof(files[2]), "%s/tap.pcap", h_env.dir);
	h_argv_init(&a, h_env.netanalyze);
	h_argv_add(&a, "--db");
	h_argv_add(&a, db);
	for (int i = 0; i < 3; i++)
		h_argv_add(&a, files[i]);
	h_argv_add(&a, "-q");
	h_argv_add(&a, "--sql");
	h_argv_add(&a, "SELECT 1");
	rc = h_run(&a, NULL, NULL);
	h_argv_free(&a);
	if (rc != 0) {
		fprintf(stderr, "cannot make the database (%d)\n", rc);
		return 1;
	}
	RUN_TEST(test_ddl_matches_sqlite);
	RUN_TEST(test_export_equals_database);
	RUN_TEST(test_capture_key_is_content_hash);
	RUN_TEST(test_no_host_no_export);
	h_teardown(test_state.failed_subtests > 0);
	return test_exit();
}

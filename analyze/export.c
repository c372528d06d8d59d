/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Export for a fleet: the tables a collector loads into ClickHouse, one
 * JSONEachRow file per table, and the ClickHouse DDL of those tables.
 * Both come from one place: the SQLite schema (schema.c) as SQLite itself
 * declares it (PRAGMA table_info on an in-memory copy), through the two
 * tables below, the tables exported with their keys and the type mapping.
 * A column added to the SQLite schema is exported and declared without
 * anything to edit here; a column of a type the mapping does not know is an
 * error, not a guess. docs/fleet.md explains the use.
 *
 * Every row gets three columns first: host (the recording's host name, or
 * the one given), capture (the content hash of the file it came from) and
 * day (the UTC date of that file's first record: the partition, so that
 * retention drops whole days). A SQLite column of one of those names
 * (files.host) is exported as file_NAME. The ClickHouse tables are
 * ReplacingMergeTree ordered by host, capture and a per-table key, so that
 * loading the same capture again replaces its rows instead of adding to
 * them. It does not talk to ClickHouse: clickhouse-client loads the files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze.h"

#define CH_DATABASE "netrec"
#define MAX_COLS 96

/* The exported tables: ClickHouse name, SQLite table, and the columns
 * after host and capture that identify a row within its capture (never
 * NULL: ClickHouse sorting keys cannot be Nullable). */
static const struct ch_table {
	const char *name, *sqlite, *key;
	bool optional;          /* only when asked (--export-packets) */
} ch_tables[] = {
	{ "captures", "files", NULL, false },
	{ "connections", "connections", "community_id,start_ns", false },
	{ "handshakes", "handshakes", "community_id,first_ns", false },
	{ "events", "events", "offset", false },
	{ "processes", "processes", "proc_id", false },
	{ "packets", "packets", "offset", true },
};

/* SQLite declared type -> ClickHouse type. BLOBs are addresses, exported in
 * their text form (as --format json prints them). */
static const struct ch_type {
	const char *sqlite, *ch;
} ch_types[] = {
	{ "INTEGER", "Int64" },
	{ "TEXT", "String" },
	{ "BLOB", "String" },
	{ "REAL", "Float64" },
};

/* The key columns every row starts with. */
static const char *const key_cols[] = { "host", "capture", "day" };

struct col {
	char name[64];          /* SQLite column */
	char ch[72];            /* ClickHouse column */
	const char *type;       /* ClickHouse type, without Nullable */
	bool nullable;
	bool key;
};

struct cols {
	struct col c[MAX_COLS];
	int n;
	int file_id;            /* index of file_id */
};

static bool in_key(const char *key, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = key; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, name, n) && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

/* An in-memory database holding exactly the schema netanalyze writes. */
static int schema_db(sqlite3 **out, struct an_err *e)
{
	sqlite3 *db = NULL;

	if (sqlite3_open(":memory:", &db) != SQLITE_OK) {
		an_err_set(e, "cannot open an in-memory database");
		sqlite3_close(db);
		return -ENOMEM;
	}
	if (db_exec(db, an_schema_sql, e)) {
		sqlite3_close(db);
		return -EIO;
	}
	*out = db;
	return 0;
}

/* The columns of one table as the schema declares them. */
static int table_cols(sqlite3 *sdb, const struct ch_table *t, struct cols *c, struct an_err *e)
{
	sqlite3_stmt *st = NULL;
	char sql[128];
	int rc, err = 0;

	c->n = 0;
	c->file_id = -1;
	snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", t->sqlite);
	if (db_prepare(sdb, &st, sql, e))
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const char *type = (const char *)sqlite3_column_text(st, 2);
		struct col *k = &c->c[c->n];

		if (c->n == MAX_COLS || !name || strlen(name) >= sizeof(k->name)) {
			an_err_set(e, "table %s: too many columns or a name too long", t->sqlite);
			err = -E2BIG;
			break;
		}
		snprintf(k->name, sizeof(k->name), "%s", name);
		snprintf(k->ch, sizeof(k->ch), "%s", name);
		for (size_t i = 0; i < sizeof(key_cols) / sizeof(key_cols[0]); i++)
			if (!strcmp(name, key_cols[i]))
				snprintf(k->ch, sizeof(k->ch), "file_%s", name);
		k->type = NULL;
		for (size_t i = 0; i < sizeof(ch_types) / sizeof(ch_types[0]); i++)
			if (type && !strcasecmp(type, ch_types[i].sqlite))
				k->type = ch_types[i].ch;
		if (!k->type) {
			an_err_set(e, "%s.%s: no ClickHouse type for the SQLite type '%s'", t->sqlite,
				   name, type ? type : "");
			err = -EINVAL;
			break;
		}
		k->key = t->key && in_key(t->key, name);
		/* NOT NULL or the INTEGER PRIMARY KEY (the rowid) */
		k->nullable = !k->key && !sqlite3_column_int(st, 3) && !sqlite3_column_int(st, 5);
		if (!strcmp(name, "file_id"))
			c->file_id = c->n;
		c->n++;
	}
	if (!err && rc != SQLITE_DONE) {
		an_err_set(e, "%s", sqlite3_errmsg(sdb));
		err = -EIO;
	}
	if (!err && c->file_id < 0) {
		an_err_set(e, "table %s has no file_id: it cannot carry host and capture", t->sqlite);
		err = -EINVAL;
	}
	sqlite3_finalize(st);
	return err;
}

static bool ident_ok(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

int export_clickhouse_schema(FILE *out, const char *cluster, struct an_err *e)
{
	sqlite3 *sdb = NULL;
	struct cols *c = malloc(sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	if (!ident_ok(cluster)) {
		an_err_set(e, "cluster name '%s': letters, digits and '_' only", cluster);
		free(c);
		return -EINVAL;
	}
	err = schema_db(&sdb, e);
	if (err)
		goto cleanup;
	fprintf(out,
		"-- The tables netanalyze --export clickhouse writes, for ClickHouse 18.16 or later\n"
		"-- (docs/fleet.md). Run on every server of cluster '%s': each keeps its shard in\n"
		"-- NAME_local and queries all of them through NAME.\n"
		"CREATE DATABASE IF NOT EXISTS " CH_DATABASE ";\n", cluster);
	/* captures (the files table) last: its per-file counts are named like
	 * the other tables (connections, tcp_packets, tcp_events), and a reader
	 * of this text looking for a table by name finds the table first */
	size_t nt = sizeof(ch_tables) / sizeof(ch_tables[0]);

	for (size_t k = 0; k < nt; k++) {
		const struct ch_table *tb = &ch_tables[(k + 1) % nt];

		err = table_cols(sdb, tb, c, e);
		if (err)
			goto cleanup;
		fprintf(out, "\nCREATE TABLE IF NOT EXISTS " CH_DATABASE ".%s_local (\n"
			"  host String,\n  capture String,\n  day Date", tb->name);
		for (int i = 0; i < c->n; i++)
			fprintf(out, ",\n  `%s` %s%s%s", c->c[i].ch, c->c[i].nullable ? "Nullable(" : "",
				c->c[i].type, c->c[i].nullable ? ")" : "");
		fprintf(out, "\n) ENGINE = ReplacingMergeTree()\n  PARTITION BY day\n"
			"  ORDER BY (host, capture");
		for (int i = 0; tb->key && i < c->n; i++)
			if (c->c[i].key)
				fprintf(out, ", `%s`", c->c[i].ch);
		fprintf(out, ");\n");
		fprintf(out, "CREATE TABLE IF NOT EXISTS " CH_DATABASE ".%s AS " CH_DATABASE ".%s_local\n"
			"  ENGINE = Distributed(%s, " CH_DATABASE ", %s_local, cityHash64(host));\n",
			tb->name, tb->name, cluster, tb->name);
	}
	if (fflush(out)) {
		an_err_set(e, "writing the schema: %s", strerror(errno));
		err = -EIO;
	}
cleanup:
	sqlite3_close(sdb);
	free(c);
	return err;
}

/* ---- the rows ---- */

struct file_key {
	int64_t file_id;
	char *host, *capture;
	char day[16];
};

struct files {
	struct file_key *f;
	size_t n;
};

static void files_free(struct files *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->f[i].host);
		free(fs->f[i].capture);
	}
	free(fs->f);
}

static char *dup_col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? strdup(s) : NULL;
}

/* host, capture and day of every loaded file. */
static int files_load(sqlite3 *db, const char *host, struct files *fs, struct an_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc, err = 0;

	memset(fs, 0, sizeof(*fs));
	if (db_prepare(db, &st, "SELECT file_id, host, hash, COALESCE(first_ns, loaded_ns, 0),"
		       " path, first_ns, packets, events FROM files ORDER BY file_id", e))
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct file_key *k;
		void *p = realloc(fs->f, (fs->n + 1) * sizeof(*fs->f));

		if (!p) {
			err = -ENOMEM;
			break;
		}
		fs->f = p;
		k = &fs->f[fs->n++];
		memset(k, 0, sizeof(*k));
		k->file_id = sqlite3_column_int64(st, 0);
		k->host = host ? strdup(host) : dup_col(st, 1);
		k->capture = dup_col(st, 2);
		if (!k->host) {
			an_err_set(e, "%s names no host (netrec records it; for another tool's capture "
				   "give --host-name NAME)", sqlite3_column_text(st, 4));
			err = -EINVAL;
			break;
		}
		if (!k->capture) {
			/* read from a pipe: no content hash, so one from what the
			 * file held, the same for the same recording */
			char buf[96];

			snprintf(buf, sizeof(buf), "stdin-%lld-%lld-%lld",
				 (long long)sqlite3_column_int64(st, 5),
				 (long long)sqlite3_column_int64(st, 6),
				 (long long)sqlite3_column_int64(st, 7));
			k->capture = strdup(buf);
			if (!k->capture) {
				err = -ENOMEM;
				break;
			}
		}
		int64_t ns = sqlite3_column_int64(st, 3);
		time_t sec = (time_t)(ns >= 0 ? ns / 1000000000 : 0);
		struct tm tm;

		gmtime_r(&sec, &tm);
		strftime(k->day, sizeof(k->day), "%Y-%m-%d", &tm);
	}
	if (err == -ENOMEM)
		an_err_set(e, "out of memory");
	else if (!err && rc != SQLITE_DONE) {
		an_err_set(e, "%s", sqlite3_errmsg(db));
		err = -EIO;
	}
	sqlite3_finalize(st);
	return err;
}

static const struct file_key *file_find(const struct files *fs, int64_t id, size_t *hint)
{
	if (*hint < fs->n && fs->f[*hint].file_id == id)
		return &fs->f[*hint];
	for (size_t i = 0; i < fs->n; i++) {
		if (fs->f[i].file_id == id) {
			*hint = i;
			return &fs->f[i];
		}
	}
	return NULL;
}

/* Integers are most of the values: written without printf (and, as all
 * of this file's writes, without stdio's per-call locking: one thread). */
static void put_int(FILE *o, int64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	fwrite_unlocked(p, 1, (size_t)(buf + sizeof(buf) - p), o);
}

/* mkdir -p: the directory and any parent missing (mode 0700: the rows
 * name processes and command lines). */
static int make_dirs(const char *dir, struct an_err *e)
{
	char p[4096];
	size_t n = strlen(dir);

	if (n == 0 || n >= sizeof(p)) {
		an_err_set(e, "bad directory name '%s'", dir);
		return -EINVAL;
	}
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != 0)
			continue;
		char c = p[i];

		p[i] = 0;
		if (mkdir(p, 0700) && errno != EEXIST) {
			an_err_set(e, "cannot create %s: %s", p, strerror(errno));
			return -errno;
		}
		p[i] = c;
	}
	return 0;
}

static FILE *open_out(const char *dir, const char *name, char *path, size_t len,
		      struct an_err *e)
{
	int fd;
	FILE *f;

	snprintf(path, len, "%s/%s.jsonl", dir, name);
	/* the rows name processes and command lines: not for everyone */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		an_err_set(e, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	return f;
}

static int export_table(sqlite3 *db, const char *dir, const struct ch_table *t,
			const struct cols *c, const struct files *fs, uint64_t *rows,
			struct an_err *e)
{
	char *sql = NULL, *prefix[MAX_COLS] = { 0 }, path[4096];
	size_t len = 64, hint = 0;
	sqlite3_stmt *st = NULL;
	FILE *f = NULL;
	int rc, err = 0;

	*rows = 0;
	for (int i = 0; i < c->n; i++)
		len += strlen(c->c[i].name) + 4;
	sql = malloc(len + strlen(t->sqlite));
	if (!sql) {
		err = -ENOMEM;
		goto cleanup;
	}
	strcpy(sql, "SELECT ");
	for (int i = 0; i < c->n; i++) {
		strcat(sql, i ? ", \"" : "\"");
		strcat(sql, c->c[i].name);
		strcat(sql, "\"");
		/* ,"name": once per column, not once per value */
		if (asprintf(&prefix[i], ",\"%s\":", c->c[i].ch) < 0) {
			prefix[i] = NULL;
			err = -ENOMEM;
			goto cleanup;
		}
	}
	strcat(sql, " FROM ");
	strcat(sql, t->sqlite);
	err = db_prepare(db, &st, sql, e);
	if (err)
		goto cleanup;
	f = open_out(dir, t->name, path, sizeof(path), e);
	if (!f) {
		err = -EIO;
		goto cleanup;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t fid = sqlite3_column_int64(st, c->file_id);
		const struct file_key *k = file_find(fs, fid, &hint);

		if (!k) {
			an_err_set(e, "%s: a row of file %lld, which is not in files", t->sqlite,
				   (long long)fid);
			err = -EINVAL;
			goto cleanup;
		}
		fputs_unlocked("{\"host\":", f);
		json_str(f, k->host);
		fputs_unlocked(",\"capture\":", f);
		json_str(f, k->capture);
		fputs_unlocked(",\"day\":\"", f);
		fputs_unlocked(k->day, f);
		putc_unlocked('"', f);
		for (int i = 0; i < c->n; i++) {
			fputs_unlocked(prefix[i], f);
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_INTEGER:
				put_int(f, sqlite3_column_int64(st, i));
				break;
			case SQLITE_NULL:
				if (!c->c[i].nullable) {
					an_err_set(e, "%s: a row of file %lld has no %s, which ClickHouse "
						   "needs", t->sqlite, (long long)fid, c->c[i].name);
					err = -EINVAL;
					goto cleanup;
				}
				fputs_unlocked("null", f);
				break;
			default:
				json_value(f, st, i);
			}
		}
		fputs_unlocked("}\n", f);
		(*rows)++;
	}
	if (rc != SQLITE_DONE) {
		an_err_set(e, "%s: %s", t->sqlite, sqlite3_errmsg(db));
		err = -EIO;
	}
cleanup:
	if (err == -ENOMEM)
		an_err_set(e, "out of memory");
	if (f) {
		bool bad = ferror(f);

		if ((fclose(f) || bad) && !err) {
			an_err_set(e, "writing %s: %s", path, strerror(errno));
			err = -EIO;
		}
	}
	sqlite3_finalize(st);
	for (int i = 0; i < c->n; i++)
		free(prefix[i]);
	free(sql);
	return err;
}

int export_clickhouse(sqlite3 *db, const struct export_opts *o, struct export_result *res,
		      struct an_err *e)
{
	struct cols *c = malloc(sizeof(*c));
	struct files fs = { 0 };
	sqlite3 *sdb = NULL;
	int err, n = 0;

	memset(res, 0, sizeof(*res));
	if (!c)
		return -ENOMEM;
	err = schema_db(&sdb, e);
	if (!err)
		err = files_load(db, o->host, &fs, e);
	if (err)
		goto cleanup;
	err = make_dirs(o->dir, e);
	if (err)
		goto cleanup;
	for (size_t t = 0; t < sizeof(ch_tables) / sizeof(ch_tables[0]); t++) {
		const struct ch_table *tb = &ch_tables[t];

		if (tb->optional && !o->packets)
			continue;
		err = table_cols(sdb, tb, c, e);
		if (!err)
			err = export_table(db, o->dir, tb, c, &fs, &res->rows[n], e);
		if (err)
			goto cleanup;
		res->table[n++] = tb->name;
	}
cleanup:
	files_free(&fs);
	sqlite3_close(sdb);
	free(c);
	return err;
}

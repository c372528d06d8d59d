/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Database setup: opening, pragmas, the schema, and the SQL functions the
 * analyzer registers (ip, ipaddr, ts). It does not load or analyze anything.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analyze.h"

void an_err_set(struct an_err *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

const char *addr_str(const uint8_t *a, int ipver, char out[48])
{
	if (ipver != 6) {
		/* dotted quad, as inet_ntop writes it, without its sprintf */
		char *o = out;

		for (int i = 0; i < 4; i++) {
			unsigned v = a[i];

			if (v >= 100)
				*o++ = (char)('0' + v / 100);
			if (v >= 10)
				*o++ = (char)('0' + v / 10 % 10);
			*o++ = (char)('0' + v % 10);
			*o++ = i < 3 ? '.' : 0;
		}
		return out;
	}
	if (!inet_ntop(ipver == 6 ? AF_INET6 : AF_INET, a, out, 48))
		snprintf(out, 48, "?");
	return out;
}

int addr_parse(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, out) == 1)
		return 6;
	return 0;
}

void ts_str(int64_t ns, char *out, size_t len)
{
	/* floor division without overflow: INT64_MIN is a valid input */
	int64_t sec = ns / 1000000000, frac = ns % 1000000000;
	time_t t;
	struct tm tm;
	char buf[32];

	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	t = (time_t)sec;
	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm)) {
		snprintf(out, len, "%lld ns", (long long)ns);
		return;
	}
	snprintf(out, len, "%s.%09ld", buf, (long)frac);
}

static void fn_ip(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	char s[48];
	sqlite3_value *v = argv[0];

	(void)argc;
	if (sqlite3_value_type(v) == SQLITE_TEXT) {
		sqlite3_result_value(ctx, v);
		return;
	}
	if (sqlite3_value_type(v) != SQLITE_BLOB) {
		sqlite3_result_null(ctx);
		return;
	}
	int n = sqlite3_value_bytes(v);
	const uint8_t *b = sqlite3_value_blob(v);

	if (!b || (n != 4 && n != 16)) {
		sqlite3_result_null(ctx);
		return;
	}
	addr_str(b, n == 16 ? 6 : 4, s);
	sqlite3_result_text(ctx, s, -1, SQLITE_TRANSIENT);
}

static void fn_ipaddr(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	uint8_t a[16];
	const unsigned char *s = sqlite3_value_text(argv[0]);
	int v;

	(void)argc;
	if (!s || !(v = addr_parse((const char *)s, a))) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_blob(ctx, a, v == 6 ? 16 : 4, SQLITE_TRANSIENT);
}

static void fn_ts(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	char s[64];

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	ts_str(sqlite3_value_int64(argv[0]), s, sizeof(s));
	sqlite3_result_text(ctx, s, -1, SQLITE_TRANSIENT);
}

/* The C library's name of a positive errno (ECONNREFUSED); NULL for
 * NULL, 0, or a number it has no name for. */
static void fn_errno_name(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *n = NULL;
	int64_t v;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_INTEGER) {
		v = sqlite3_value_int64(argv[0]);
		if (v > 0 && v < 4096)
			n = strerrorname_np((int)v);
	}
	if (n)
		sqlite3_result_text(ctx, n, -1, SQLITE_STATIC);
	else
		sqlite3_result_null(ctx);
}

/* The errnos table (schema.c): every errno the C library names, so that
 * v_events reads names without netanalyze's errno_name(). */
static int fill_errnos(sqlite3 *db, struct an_err *e)
{
	sqlite3_stmt *st = NULL;
	bool filled = false;
	int err;

	/* once per database: its maker filled it */
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM errnos LIMIT 1", -1, &st, NULL) == SQLITE_OK)
		filled = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	st = NULL;
	if (filled)
		return 0;
	err = db_prepare(db, &st, "INSERT OR IGNORE INTO errnos(errno, name) VALUES (?1, ?2)", e);
	for (int v = 1; !err && v < 4096; v++) {
		const char *n = strerrorname_np(v);

		if (!n)
			continue;
		sqlite3_bind_int(st, 1, v);
		sqlite3_bind_text(st, 2, n, -1, SQLITE_STATIC);
		err = db_step(st, e);
	}
	sqlite3_finalize(st);
	return err;
}

int db_register_functions(sqlite3 *db)
{
	/* innocuous: pure functions of their argument, so views may use them
	 * on a connection that does not trust the schema (query.c) */
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;

	if (sqlite3_create_function(db, "ip", 1, flags, NULL, fn_ip, NULL, NULL) ||
	    sqlite3_create_function(db, "ipaddr", 1, flags, NULL, fn_ipaddr, NULL, NULL) ||
	    sqlite3_create_function(db, "ts", 1, flags, NULL, fn_ts, NULL, NULL) ||
	    sqlite3_create_function(db, "errno_name", 1, flags, NULL, fn_errno_name, NULL, NULL))
		return -EIO;
	return 0;
}

void db_bind_int(sqlite3_stmt *st, int i, bool have, int64_t v)
{
	if (have)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

void db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

void db_bind_addr(sqlite3_stmt *st, int i, bool have, const uint8_t *a, int ipver)
{
	if (have)
		sqlite3_bind_blob(st, i, a, ipver == 6 ? 16 : 4, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

void db_bind_addr_text(sqlite3_stmt *st, int i, bool have, const uint8_t *a, int ipver)
{
	char s[48];

	if (have)
		sqlite3_bind_text(st, i, addr_str(a, ipver, s), -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

int db_step(sqlite3_stmt *st, struct an_err *e)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		an_err_set(e, "database: %s", sqlite3_errmsg(sqlite3_db_handle(st)));
		return -EIO;
	}
	return 0;
}

void db_row_text_addr(struct db_row *r, bool have, const uint8_t *a, int ipver)
{
	struct db_val *v = db_row_next(r);

	v->type = have ? SQLITE_TEXT : SQLITE_NULL;
	if (have)
		v->p = addr_str(a, ipver, db_row_buf(r));
	v->len = -1;
}

void db_row_bind(sqlite3_stmt *st, const struct db_row *r)
{
	for (int k = 0; k < r->n; k++) {
		const struct db_val *v = &r->v[k];

		switch (v->type) {
		case SQLITE_INTEGER:
			sqlite3_bind_int64(st, k + 1, v->i);
			break;
		case SQLITE_TEXT:
			sqlite3_bind_text(st, k + 1, v->p, v->len, SQLITE_STATIC);
			break;
		case SQLITE_BLOB:
			sqlite3_bind_blob(st, k + 1, v->p, v->len, SQLITE_STATIC);
			break;
		default:
			sqlite3_bind_null(st, k + 1);
			break;
		}
	}
}

int db_exec(sqlite3 *db, const char *sql, struct an_err *e)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		an_err_set(e, "%s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

int db_prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql, struct an_err *e)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		an_err_set(e, "%s", sqlite3_errmsg(db));
		*st = NULL;
		return -EIO;
	}
	return 0;
}

/* Applies the schema in one transaction, first dropping the views it
 * defines: views are definitions, not data, so a kept database gets the
 * current ones, and a query (WAL) sees either the old set or the new. */
static int apply_schema(sqlite3 *db, struct an_err *e)
{
	static const char marker[] = "CREATE VIEW IF NOT EXISTS ";
	size_t cap = strlen(an_schema_sql) + 4096, n;
	char *sql = malloc(cap);
	int err;

	if (!sql) {
		an_err_set(e, "out of memory");
		return -ENOMEM;
	}
	n = (size_t)snprintf(sql, cap, "BEGIN;\n");
	for (const char *p = strstr(an_schema_sql, marker); p; p = strstr(p, marker)) {
		p += sizeof(marker) - 1;
		size_t len = strcspn(p, " \n(");

		if (n + len + 32 < cap)
			n += (size_t)snprintf(sql + n, cap - n, "DROP VIEW IF EXISTS %.*s;\n",
					      (int)len, p);
	}
	snprintf(sql + n, cap - n, "%sCOMMIT;\n", an_schema_sql);
	err = db_exec(db, sql, e);
	if (err)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	free(sql);
	return err;
}

int db_open(sqlite3 **out, const char *path, bool readonly, bool temporary,
	    struct an_err *e)
{
	sqlite3 *db = NULL;
	int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	int err;
	char sql[256];

	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		an_err_set(e, "cannot open database %s: %s", path,
			   db ? sqlite3_errmsg(db) : "out of memory");
		err = -EIO;
		goto cleanup;
	}
	sqlite3_busy_timeout(db, AN_BUSY_TIMEOUT_MS);
	err = db_register_functions(db);
	if (err) {
		an_err_set(e, "cannot register SQL functions");
		goto cleanup;
	}
	if (readonly) {
		*out = db;
		return 0;
	}
	/* 16 KiB pages: a quarter of the page writes of the default, for rows
	 * of netanalyze's width; only a new database takes it. The loader
	 * builds a new file (temporary: no journal) and renames it over a kept
	 * one, so queries never wait for it; WAL is for any other writer. */
	snprintf(sql, sizeof(sql),
		 "PRAGMA page_size = 16384; PRAGMA cache_size = -65536; PRAGMA temp_store = FILE; "
		 "PRAGMA synchronous = %s; PRAGMA journal_mode = %s;",
		 temporary ? "OFF" : "NORMAL", temporary ? "OFF" : "WAL");
	err = db_exec(db, sql, e);
	if (err)
		goto cleanup;
	err = apply_schema(db, e);
	if (err) {
		char m[sizeof(e->msg)];

		snprintf(m, sizeof(m), "%s", e->msg);
		an_err_set(e, "%s: not a netanalyze database? (%s)", path, m);
		goto cleanup;
	}
	snprintf(sql, sizeof(sql),
		 "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', %d);",
		 AN_SCHEMA_VERSION);
	err = db_exec(db, sql, e);
	if (err)
		goto cleanup;
	/* CREATE ... IF NOT EXISTS leaves an older database's tables as they
	 * were: one of another version cannot take this version's rows */
	sqlite3_stmt *st = NULL;
	long long ver = -1;

	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &st,
			       NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		ver = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (ver != AN_SCHEMA_VERSION) {
		an_err_set(e, "%s: made by another version of netanalyze (schema %lld, this one "
			   "writes %d): load the captures into a new database", path, ver,
			   AN_SCHEMA_VERSION);
		err = -EINVAL;
		goto cleanup;
	}
	err = fill_errnos(db, e);
	if (err)
		goto cleanup;
	*out = db;
	return 0;
cleanup:
	sqlite3_close(db);
	return err;
}

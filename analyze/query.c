/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The query connection: where reports and the user's --sql run. The SQL a
 * user passes is treated as untrusted (it may come from a web form or a
 * shared script), so the connection is made unable to change anything or
 * reach outside the database, in layers that each hold on their own:
 *
 *   - the file is opened SQLITE_OPEN_READONLY, with PRAGMA query_only on;
 *   - sqlite3_db_config: defensive mode on, trusted schema off, FTS3
 *     tokenizer registration and extension loading off, writable schema
 *     off, triggers off;
 *   - an authorizer that allows a short list of operations (SELECT, reads,
 *     recursive CTEs, the functions named below, introspection PRAGMAs,
 *     table-valued functions) and denies everything else, comparing names
 *     case-insensitively;
 *   - a statement that would write (sqlite3_stmt_readonly) is refused;
 *   - sqlite3_limit bounds on text, blobs, SQL length, expression depth,
 *     attached databases (none), and a progress handler that stops a
 *     statement after --sql-timeout.
 *
 * It does not load anything or create the schema (db.c), and it does not
 * format results (output.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "analyze.h"

/* Bounds on what one query may build (sqlite3_limit). Values stored in
 * a netanalyze database are far below them. */
#define Q_MAX_LENGTH        (64 << 20)  /* bytes of one string or blob */
#define Q_MAX_SQL_LENGTH    (1 << 20)   /* bytes of SQL text */
#define Q_MAX_EXPR_DEPTH    500
#define Q_MAX_LIKE_PATTERN  10000
#define Q_MAX_VDBE_OP       1000000     /* size of one compiled statement */
#define Q_PROGRESS_OPS      1000        /* VM steps between timeout checks */

struct query {
	sqlite3 *db;
	int64_t deadline_ns;   /* CLOCK_MONOTONIC; 0: no deadline */
	int64_t timeout_ns;
	bool timed_out;
	char denied[160];      /* what the authorizer refused last */
};

/* Functions a query may call: SQLite's core scalar, aggregate, window,
 * date, math and JSON functions, and the analyzer's own. Left out on
 * purpose: fts3_tokenizer (reads and registers raw pointers),
 * load_extension, the FTS and R-tree auxiliary functions (fts5, snippet,
 * matchinfo, rtreenode, ...: they parse blobs as their internal
 * structures) and anything else not named here. */
static const char *const allowed_functions[] = {
	/* core scalar */
	"abs", "changes", "char", "coalesce", "format", "glob", "hex", "ifnull", "iif",
	"instr", "last_insert_rowid", "length", "like", "likelihood", "likely", "lower",
	"ltrim", "max", "min", "nullif", "printf", "quote", "random", "randomblob",
	"replace", "round", "rtrim", "sign", "soundex", "sqlite_compileoption_get",
	"sqlite_compileoption_used", "sqlite_source_id", "sqlite_version", "substr",
	"substring", "total_changes", "trim", "typeof", "unicode", "unlikely", "upper",
	"zeroblob",
	/* aggregate and window */
	"avg", "count", "group_concat", "sum", "total", "row_number", "rank",
	"dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
	"first_value", "last_value", "nth_value",
	/* date and time */
	"date", "time", "datetime", "julianday", "unixepoch", "strftime",
	"current_date", "current_time", "current_timestamp",
	/* math */
	"acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "ceiling",
	"cos", "cosh", "degrees", "exp", "floor", "ln", "log", "log10", "log2", "mod",
	"pi", "pow", "power", "radians", "sin", "sinh", "sqrt", "tan", "tanh", "trunc",
	/* JSON */
	"json", "json_array", "json_array_length", "json_extract", "json_insert",
	"json_object", "json_patch", "json_quote", "json_remove", "json_replace",
	"json_set", "json_type", "json_valid", "json_group_array", "json_group_object",
	"->", "->>",
	/* netanalyze (db.c, report.c) */
	"ip", "ipaddr", "ts", "errno_name", "hm_time", "hm_dur", "hm_ep", "hm_proc", "hm_opts", "hm_frames",
};

/* PRAGMAs that only describe the database. The first group takes an
 * object name as its argument; the second is allowed without a value only
 * (with one, each would change a setting). */
static const char *const pragmas_with_arg[] = {
	"table_info", "table_xinfo", "table_list", "index_info", "index_xinfo",
	"index_list", "foreign_key_list", "foreign_key_check", "integrity_check",
	"quick_check",
};
static const char *const pragmas_no_arg[] = {
	"application_id", "collation_list", "compile_options", "data_version",
	"database_list", "encoding", "freelist_count", "function_list", "module_list",
	"page_count", "page_size", "pragma_list", "schema_version", "user_version",
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static bool in_list(const char *name, const char *const *list, size_t n)
{
	if (!name)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(name, list[i]))
			return true;
	return false;
}

static const char *action_name(int action)
{
	switch (action) {
	case SQLITE_CREATE_INDEX: case SQLITE_CREATE_TEMP_INDEX: return "CREATE INDEX";
	case SQLITE_CREATE_TABLE: case SQLITE_CREATE_TEMP_TABLE: return "CREATE TABLE";
	case SQLITE_CREATE_TRIGGER: case SQLITE_CREATE_TEMP_TRIGGER: return "CREATE TRIGGER";
	case SQLITE_CREATE_VIEW: case SQLITE_CREATE_TEMP_VIEW: return "CREATE VIEW";
	case SQLITE_CREATE_VTABLE: return "CREATE VIRTUAL TABLE";
	case SQLITE_DROP_INDEX: case SQLITE_DROP_TEMP_INDEX: return "DROP INDEX";
	case SQLITE_DROP_TABLE: case SQLITE_DROP_TEMP_TABLE: return "DROP TABLE";
	case SQLITE_DROP_TRIGGER: case SQLITE_DROP_TEMP_TRIGGER: return "DROP TRIGGER";
	case SQLITE_DROP_VIEW: case SQLITE_DROP_TEMP_VIEW: return "DROP VIEW";
	case SQLITE_DROP_VTABLE: return "DROP VIRTUAL TABLE";
	case SQLITE_TRANSACTION: return "BEGIN/COMMIT/ROLLBACK";
	case SQLITE_SAVEPOINT: return "SAVEPOINT";
	case SQLITE_ATTACH: return "ATTACH";
	case SQLITE_DETACH: return "DETACH";
	case SQLITE_ALTER_TABLE: return "ALTER TABLE";
	case SQLITE_REINDEX: return "REINDEX";
	case SQLITE_ANALYZE: return "ANALYZE";
	}
	return "this statement";
}

/* Names in messages come from the user's SQL: keep them printable. */
static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

static int deny(struct query *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int deny(struct query *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->denied, sizeof(q->denied), fmt, ap);
	va_end(ap);
	printable(q->denied);
	return SQLITE_DENY;
}

static int guard_authorizer(void *ud, int action, const char *a, const char *b,
			    const char *dbname, const char *inner)
{
	struct query *q = ud;

	(void)dbname;
	(void)inner;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_FUNCTION:
		/* a: NULL, b: the function's name */
		if (in_list(b, allowed_functions, N_OF(allowed_functions)))
			return SQLITE_OK;
		return deny(q, "function %.60s()", b ? b : "?");
	case SQLITE_UPDATE:
		/* SQLite asks this of sqlite_master's columns when it sets up an
		 * eponymous virtual table (json_each, pragma_table_info, dbstat)
		 * for a SELECT. A real UPDATE is refused all the same: it is not
		 * a read-only statement (query_sql), and the file is read-only. */
		if (a && !strcasecmp(a, "sqlite_master"))
			return SQLITE_OK;
		return deny(q, "UPDATE of %.60s", a ? a : "?");
	case SQLITE_INSERT:
		return deny(q, "INSERT into %.60s", a ? a : "?");
	case SQLITE_DELETE:
		return deny(q, "DELETE from %.60s", a ? a : "?");
	case SQLITE_PRAGMA:
		/* a: the pragma's name as written, b: its value or argument */
		if (in_list(a, pragmas_with_arg, N_OF(pragmas_with_arg)) ||
		    (!b && in_list(a, pragmas_no_arg, N_OF(pragmas_no_arg))))
			return SQLITE_OK;
		return deny(q, "PRAGMA %.60s%s", a ? a : "?", b ? " with a value" : "");
	}
	return deny(q, "%s", action_name(action));
}

static int64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int guard_progress(void *ud)
{
	struct query *q = ud;

	if (!q->deadline_ns || mono_ns() < q->deadline_ns)
		return 0;
	q->timed_out = true;
	return 1;
}

/* One sqlite3_db_config switch, read back: the guard fails closed when
 * the library does not know a setting. */
static int set_config(sqlite3 *db, int op, int on, const char *name, struct an_err *e)
{
	int now = -1;

	if (sqlite3_db_config(db, op, on, &now) != SQLITE_OK || now != on) {
		an_err_set(e, "cannot make the query connection safe: SQLite %s does not "
			   "accept %s", sqlite3_libversion(), name);
		return -EIO;
	}
	return 0;
}

static const struct {
	int op, on;
	const char *name;
} configs[] = {
	{ SQLITE_DBCONFIG_DEFENSIVE, 1, "SQLITE_DBCONFIG_DEFENSIVE" },
	{ SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, "SQLITE_DBCONFIG_TRUSTED_SCHEMA" },
	{ SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, "SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER" },
	{ SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, "SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION" },
	{ SQLITE_DBCONFIG_WRITABLE_SCHEMA, 0, "SQLITE_DBCONFIG_WRITABLE_SCHEMA" },
	{ SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, "SQLITE_DBCONFIG_ENABLE_TRIGGER" },
};

static const struct {
	int id, value;
} limits[] = {
	{ SQLITE_LIMIT_LENGTH, Q_MAX_LENGTH },
	{ SQLITE_LIMIT_SQL_LENGTH, Q_MAX_SQL_LENGTH },
	{ SQLITE_LIMIT_EXPR_DEPTH, Q_MAX_EXPR_DEPTH },
	{ SQLITE_LIMIT_LIKE_PATTERN_LENGTH, Q_MAX_LIKE_PATTERN },
	{ SQLITE_LIMIT_VDBE_OP, Q_MAX_VDBE_OP },
	{ SQLITE_LIMIT_ATTACHED, 0 },
	{ SQLITE_LIMIT_TRIGGER_DEPTH, 1 },
	{ SQLITE_LIMIT_WORKER_THREADS, 0 },
};

int query_open(struct query **out, const char *path, const struct query_opts *o,
	       struct an_err *e)
{
	struct query *q = calloc(1, sizeof(*q));
	int err = -EIO;

	*out = NULL;
	if (!q) {
		an_err_set(e, "out of memory");
		return -ENOMEM;
	}
	/* one thread uses it (sqlite3_interrupt is safe from any): no mutex */
	if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		an_err_set(e, "cannot open database %s: %s", path,
			   q->db ? sqlite3_errmsg(q->db) : "out of memory");
		goto cleanup;
	}
	sqlite3_extended_result_codes(q->db, 1);
	for (size_t i = 0; i < N_OF(configs); i++) {
		err = set_config(q->db, configs[i].op, configs[i].on, configs[i].name, e);
		if (err)
			goto cleanup;
	}
	sqlite3_enable_load_extension(q->db, 0);
	/* a loader (WAL) never blocks readers; in rollback-journal mode a
	 * query waits this long for a writer's commit */
	sqlite3_busy_timeout(q->db, AN_BUSY_TIMEOUT_MS);
	err = db_exec(q->db, "PRAGMA query_only = ON;", e);
	if (err)
		goto cleanup;
	err = db_register_functions(q->db);
	if (err) {
		an_err_set(e, "cannot register SQL functions");
		goto cleanup;
	}
	for (size_t i = 0; i < N_OF(limits); i++)
		sqlite3_limit(q->db, limits[i].id, limits[i].value);
	q->timeout_ns = o && o->timeout_s > 0 ? (int64_t)(o->timeout_s * 1e9) : 0;
	sqlite3_set_authorizer(q->db, guard_authorizer, q);
	sqlite3_progress_handler(q->db, Q_PROGRESS_OPS, guard_progress, q);
	*out = q;
	return 0;
cleanup:
	query_close(q);
	return err ? err : -EIO;
}

sqlite3 *query_db(const struct query *q)
{
	return q ? q->db : NULL;
}

void query_close(struct query *q)
{
	if (!q)
		return;
	sqlite3_close(q->db);
	free(q);
}

/* The message for a statement SQLite refused or stopped. */
static void sql_error(struct query *q, const char *what, struct an_err *e)
{
	if (q->timed_out)
		an_err_set(e, "SQL stopped after the --sql-timeout of %.3g s",
			   (double)q->timeout_ns / 1e9);
	else if (q->denied[0])
		an_err_set(e, "SQL refused: %s is not allowed (queries only read: SELECT, WITH, "
			   "VALUES, EXPLAIN and PRAGMAs such as table_info)", q->denied);
	else
		an_err_set(e, "SQL error: %s", what);
}

int query_sql(struct query *q, const char *sql, const struct out_opts *o, struct an_err *e)
{
	const char *tail = sql;
	int err = 0;

	while (tail && *tail) {
		sqlite3_stmt *st = NULL;
		const char *next = NULL;

		q->denied[0] = 0;
		q->timed_out = false;
		q->deadline_ns = q->timeout_ns ? mono_ns() + q->timeout_ns : 0;
		if (sqlite3_prepare_v2(q->db, tail, -1, &st, &next) != SQLITE_OK) {
			sql_error(q, sqlite3_errmsg(q->db), e);
			err = -EINVAL;
			break;
		}
		tail = next;
		if (!st)
			continue; /* whitespace or a comment */
		if (!sqlite3_stmt_readonly(st)) {
			/* VACUUM INTO and the like pass the authorizer */
			snprintf(q->denied, sizeof(q->denied), "a statement that writes");
			sql_error(q, "", e);
			sqlite3_finalize(st);
			err = -EPERM;
			break;
		}
		err = output_stmt(st, o, e);
		sqlite3_finalize(st);
		if (err) {
			char what[sizeof(e->msg)];

			snprintf(what, sizeof(what), "%s", e->msg);
			sql_error(q, what, e);
			break;
		}
	}
	q->deadline_ns = 0;
	return err;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The analyzer's internal interfaces: database setup (db.c, schema.c),
 * loading files (ingest.c, blocks.c), the analysis pass (pass.c: time
 * order from order.c, TCP in conn.c, zeek.c and handshake.c, ICMP in
 * icmp.c), reports (report.c) and printing (output.c). Everything but
 * main.c and output.c is quiet: functions return 0 or a negative errno and
 * leave a detail in an an_err.
 */
#ifndef NETANALYZE_ANALYZE_H
#define NETANALYZE_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

#define AN_SCHEMA_VERSION 2
/* How long a connection waits for another process's lock (ms). A loader
 * keeps a --db database in WAL mode while it loads, so queries do not wait
 * for it; this bounds the waits that remain (a loader switching journal
 * modes, two loaders). */
#define AN_BUSY_TIMEOUT_MS 5000

extern const char an_schema_sql[];

/* Times the analyzer stores and computes with stay within +-(2^62 - 1) ns
 * of the epoch (1823-11-12 to 2116-02-20 UTC), so that the difference of
 * any two fits in an int64; a time outside (a corrupt or hostile file) is
 * clamped to the nearer end. */
#define AN_TS_MAX ((int64_t)((UINT64_C(1) << 62) - 1))
static inline int64_t an_ts_clamp(int64_t ns)
{
	return ns > AN_TS_MAX ? AN_TS_MAX : ns < -AN_TS_MAX ? -AN_TS_MAX : ns;
}

/* Microseconds (the journal's __REALTIME_TIMESTAMP) to clamped ns. */
static inline int64_t an_ts_from_us(int64_t us)
{
	return us > AN_TS_MAX / 1000 ? AN_TS_MAX : us < -AN_TS_MAX / 1000 ? -AN_TS_MAX : us * 1000;
}

/* An error detail for the CLI to print. */
struct an_err {
	char msg[512];
};
void an_err_set(struct an_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- db.c ---- */
/* Opens (creating when asked) the database, applies the schema and
 * registers ip(), ipaddr(), ts(); a kept (not temporary) database is put
 * in WAL mode so that queries can read it while it loads. readonly:
 * SQLITE_OPEN_READONLY, no schema (queries use query.c instead). */
int db_open(sqlite3 **out, const char *path, bool readonly, bool temporary,
	    struct an_err *e);
/* Ends a loader's use of a kept database: back to a rollback journal when
 * no other connection has it open, so that the file stands alone (no
 * -wal/-shm files) and opens read-only anywhere. Closes db. */
void db_close_loader(sqlite3 *db, bool temporary);
int db_register_functions(sqlite3 *db);
/* Runs SQL statements; -EIO with the SQLite message in e. */
int db_exec(sqlite3 *db, const char *sql, struct an_err *e);
int db_prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql, struct an_err *e);
/* Formats a 4/16-byte address; returns out. */
const char *addr_str(const uint8_t *a, int ipver, char out[48]);
/* Parses text into 4/16 bytes; returns 4, 6, or 0 if not an address. */
int addr_parse(const char *s, uint8_t out[16]);
/* "YYYY-MM-DD HH:MM:SS.nnnnnnnnn" (UTC), for any int64 (years 1677 to
 * 2262). */
void ts_str(int64_t ns, char *out, size_t len);

/* ---- query.c ---- */
/* The read-only, guarded connection reports and --sql run on. */
struct query;
struct out_opts;
struct query_opts {
	double timeout_s;       /* --sql-timeout; 0: none */
};
int query_open(struct query **out, const char *path, const struct query_opts *o,
	       struct an_err *e);
sqlite3 *query_db(const struct query *q);
/* Runs every statement of the user's sql, printing results; a statement
 * the guard refuses or the timeout stops is an error naming why. */
int query_sql(struct query *q, const char *sql, const struct out_opts *o, struct an_err *e);
void query_close(struct query *q); /* accepts NULL */

/* ---- ingest.c ---- */
struct ingest_progress {
	void (*fn)(void *ctx, const char *path, uint64_t bytes, uint64_t packets);
	void *ctx;
};

struct ingest_result {
	bool skipped;           /* already in the database (same content) */
	bool damaged;           /* stopped at a malformed/truncated block */
	uint64_t error_offset;
	char error[200];
	int64_t file_id;
	uint64_t packets, events;
};

int ingest_file(sqlite3 *db, const char *path, const struct ingest_progress *prog,
		struct ingest_result *res, struct an_err *e);

/* ---- pass.c ---- */
/* Restores time order (the `ord` column of packets and events, per-file
 * reorder figures) and rebuilds connections, handshakes, icmp,
 * retransmissions and the derived packet columns in one pass. */
int analyze_run(sqlite3 *db, struct an_err *e);
/* The derived tables do not match the files loaded (new files, or an
 * analysis that did not finish). */
bool analyze_needed(sqlite3 *db);

/* ---- output.c ---- */
enum out_format {
	OUT_TABLE = 0,
	OUT_CSV,
	OUT_JSON,
	OUT_JSONL,
};
struct out_opts {
	enum out_format format;
	bool human;             /* table: human times and durations */
	const char *title;      /* table: a heading, or NULL */
	const char *csv_null;   /* csv: the text of NULL (e.g. "\\N"); NULL: an empty field */
};
/* Steps st to completion, printing rows to stdout. Returns 0, or -EIO with
 * the SQLite message in e. */
int output_stmt(sqlite3_stmt *st, const struct out_opts *o, struct an_err *e);
/* Text for a terminal: control characters and the Unicode characters that
 * reorder or hide text as visible escapes (\x1b, \n, \u202e), bytes that
 * are not UTF-8 as \xNN, a backslash doubled. malloc'd; NULL if out of
 * memory. */
char *output_escape(const char *s);
/* A duration for people: 3 significant digits and a unit (812ns, 25.8us,
 * 1.52ms, 3.75s). */
void fmt_duration(int64_t ns, char *out, size_t len);
/* JSON as json/jsonl print it (export.c writes the same): a string, with
 * bytes that are not UTF-8 as U+FFFD; a column's value by its type. */
void json_str(FILE *o, const char *s);
void json_value(FILE *o, sqlite3_stmt *st, int i);

/* ---- join.c ---- */
/* The vantage point of each file (index: file_id): 0 for files that name
 * no host, one number per host name otherwise. *map is malloc'd. */
int join_vantages(sqlite3 *db, int **map, size_t *n, struct an_err *e);
/* Files loaded with --host-name: recorded on that host. */
int join_name_files(sqlite3 *db, int64_t file_id, const char *host, struct an_err *e);
/* Rebuilds joined, joined_members and clock_offsets from the analysed
 * handshakes (nothing when one vantage point recorded everything). */
int join_run(sqlite3 *db, struct an_err *e);

/* ---- export.c ---- */
/* The tables a fleet loads into ClickHouse: one JSONEachRow file per table
 * (DIR/NAME.jsonl) with the key columns host, capture and day first, and
 * the DDL of their ClickHouse tables, derived from an_schema_sql. */
struct export_opts {
	const char *dir;
	const char *host;       /* every row's host (--host-name), else each file's */
	bool packets;           /* the packets table too */
};
struct export_result {
	const char *table[8];   /* ClickHouse table names written, NULL-ended */
	uint64_t rows[8];
};
int export_clickhouse(sqlite3 *db, const struct export_opts *o, struct export_result *res,
		      struct an_err *e);
/* Writes the DDL: database netrec, per table a ReplacingMergeTree NAME_local
 * and a Distributed NAME over `cluster`, sharded by cityHash64(host). */
int export_clickhouse_schema(FILE *out, const char *cluster, struct an_err *e);

/* ---- report.c ---- */
enum report {
	REP_HANDSHAKES,
	REP_CONNECTIONS,
	REP_EVENTS,
	REP_RETRANS,
	REP_ICMP,
	REP_PROCESSES,
	REP_JOINED,
	REP_SUMMARY,
	REP__COUNT,
};
struct filters {
	bool has_pid;
	int64_t pid;
	const char *comm;
	const char *host;       /* canonical text */
	bool has_port;
	int port;
	bool has_since, has_until;
	int64_t since_ns, until_ns;
};
int report_run(sqlite3 *db, enum report r, const struct filters *f,
	       const struct out_opts *o, struct an_err *e);

/* ---- html.c ---- */
/* The self-contained HTML report (timeline, RTT histograms, and with
 * has_conn the time-sequence graph of conn_id), written to o. */
int html_report(sqlite3 *db, FILE *o, const struct filters *f, bool has_conn,
		int64_t conn_id, struct an_err *e);

#endif

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
#include <sqlite3.h>

#define AN_SCHEMA_VERSION 1

extern const char an_schema_sql[];

/* An error detail for the CLI to print. */
struct an_err {
	char msg[512];
};
void an_err_set(struct an_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- db.c ---- */
/* Opens (creating when asked) the database, applies the schema and
 * registers ip(), ipaddr(), ts(). readonly: SQLITE_OPEN_READONLY. */
int db_open(sqlite3 **out, const char *path, bool readonly, bool temporary,
	    struct an_err *e);
int db_register_functions(sqlite3 *db);
/* Runs SQL statements; -EIO with the SQLite message in e. */
int db_exec(sqlite3 *db, const char *sql, struct an_err *e);
int db_prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql, struct an_err *e);
/* Binding, written once: an integer or NULL; text (NULL or "" binds NULL;
 * the text must outlive the step); an address as a 4/16-byte BLOB or as
 * canonical text. */
void db_bind_int(sqlite3_stmt *st, int i, bool have, int64_t v);
void db_bind_text(sqlite3_stmt *st, int i, const char *s);
void db_bind_addr(sqlite3_stmt *st, int i, bool have, const uint8_t *a, int ipver);
void db_bind_addr_text(sqlite3_stmt *st, int i, bool have, const uint8_t *a, int ipver);
/* Steps st once, then resets it and clears its bindings; -EIO with the
 * SQLite message in e. */
int db_step(sqlite3_stmt *st, struct an_err *e);
/* Formats a 4/16-byte address; returns out. */
const char *addr_str(const uint8_t *a, int ipver, char out[48]);
/* Parses text into 4/16 bytes; returns 4, 6, or 0 if not an address. */
int addr_parse(const char *s, uint8_t out[16]);
/* "YYYY-MM-DD HH:MM:SS.nnnnnnnnn" (UTC). */
void ts_str(int64_t ns, char *out, size_t len);

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
};
/* Steps st to completion, printing rows to stdout. Returns 0, or -EIO with
 * the SQLite message in e. */
int output_stmt(sqlite3_stmt *st, const struct out_opts *o, struct an_err *e);
/* A duration for people: 3 significant digits and a unit (812ns, 25.8us,
 * 1.52ms, 3.75s). */
void fmt_duration(int64_t ns, char *out, size_t len);

/* ---- report.c ---- */
enum report {
	REP_HANDSHAKES,
	REP_CONNECTIONS,
	REP_EVENTS,
	REP_RETRANS,
	REP_ICMP,
	REP_PROCESSES,
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
/* Runs every statement of sql (results printed). */
int report_sql(sqlite3 *db, const char *sql, const struct out_opts *o, struct an_err *e);

#endif

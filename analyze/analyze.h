/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The analyzer's interfaces for the command line (main.c): database setup
 * and SQL helpers (db.c, schema.c), loading (ingest.c, which drives the
 * builders, the time-order merge, the analysis pass and the store),
 * reports (report.c) and printing (output.c). Everything but main.c and
 * output.c is quiet: functions return 0 or a negative errno and leave a
 * detail in an an_err.
 */
#ifndef NETANALYZE_ANALYZE_H
#define NETANALYZE_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

#define AN_SCHEMA_VERSION 6
/* How long a connection waits for another process's lock (ms). A loader
 * builds a --db database beside its path and renames it over, so queries
 * do not wait for it; this bounds the waits that remain. */
#define AN_BUSY_TIMEOUT_MS 5000

extern const char an_schema_sql[];
/* Indexes made after a kept database is loaded. */
extern const char an_index_sql[];
/* Of those, the two a temporary database makes before its load. */
extern const char an_report_index_sql[];
/* Sequence gaps the load could not count, counted in a kept database. */
extern const char an_gaps_sql[];

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
 * registers ip(), ipaddr(), ts(); temporary: no journal (the loader's
 * new file), else WAL. readonly:
 * SQLITE_OPEN_READONLY, no schema (queries use query.c instead). */
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

/* One row's values, column by column, as a table's row mapping makes them
 * (store.c): then bound to a statement's parameters, or handed to SQLite
 * as a virtual table's columns. Text and BLOBs point into the row mapped
 * (or into the db_row's text buffers) and must outlive the statement's
 * step. */
#define DB_ROW_MAX 64
#define DB_ROW_BUFS 8            /* values of a row written out as text */
struct db_val {
	uint8_t type;            /* SQLITE_NULL, SQLITE_INTEGER, SQLITE_TEXT, SQLITE_BLOB */
	int len;
	int64_t i;
	const void *p;
};
/* The values are small and apart from the few text buffers: a row of
 * packets is mapped for every packet, and the writer thread's time is the
 * load's (the buffers inside each value made a row 8 KiB to write). */
struct db_row {
	int n, nbuf;
	struct db_val v[DB_ROW_MAX];
	char buf[DB_ROW_BUFS][96];   /* an address, flags or SACK blocks written out */
};
static inline void db_row_reset(struct db_row *r)
{
	r->n = 0;
	r->nbuf = 0;
}
/* The next value; past DB_ROW_MAX the last is written again (a mapping
 * longer than any table is a bug the row's column count shows). */
static inline struct db_val *db_row_next(struct db_row *r)
{
	struct db_val *v = &r->v[r->n < DB_ROW_MAX ? r->n : DB_ROW_MAX - 1];

	if (r->n < DB_ROW_MAX)
		r->n++;
	return v;
}
/* A text buffer of the row, for the value being made (a mapping asks for
 * at most four). */
static inline char *db_row_buf(struct db_row *r)
{
	return r->buf[r->nbuf < DB_ROW_BUFS ? r->nbuf++ : DB_ROW_BUFS - 1];
}
static inline void db_row_int(struct db_row *r, bool have, int64_t i)
{
	struct db_val *v = db_row_next(r);

	v->type = have ? SQLITE_INTEGER : SQLITE_NULL;
	v->i = i;
}
/* NULL or "" is NULL */
static inline void db_row_text(struct db_row *r, const char *s)
{
	struct db_val *v = db_row_next(r);

	v->type = s && *s ? SQLITE_TEXT : SQLITE_NULL;
	v->p = s;
	v->len = -1;
}
static inline void db_row_blob_addr(struct db_row *r, bool have, const uint8_t *a, int ipver)
{
	struct db_val *v = db_row_next(r);

	v->type = have ? SQLITE_BLOB : SQLITE_NULL;
	v->p = a;
	v->len = ipver == 6 ? 16 : 4;
}
void db_row_text_addr(struct db_row *r, bool have, const uint8_t *a, int ipver);
/* Binds the values to parameters 1..n. */
void db_row_bind(sqlite3_stmt *st, const struct db_row *r);
/* Column k as a virtual table's xColumn result. */
static inline void db_row_result(sqlite3_context *ctx, const struct db_row *r, int k)
{
	const struct db_val *v;

	if (k < 0 || k >= r->n)
		return;
	v = &r->v[k];
	switch (v->type) {
	case SQLITE_INTEGER:
		sqlite3_result_int64(ctx, v->i);
		break;
	case SQLITE_TEXT:
		sqlite3_result_text(ctx, v->p, v->len, SQLITE_STATIC);
		break;
	case SQLITE_BLOB:
		sqlite3_result_blob(ctx, v->p, v->len, SQLITE_STATIC);
		break;
	default:
		break;   /* NULL */
	}
}
/* Formats a 4/16-byte address; returns out. */
const char *addr_str(const uint8_t *a, int ipver, char out[48]);
/* Parses text into 4/16 bytes; returns 4, 6, or 0 if not an address. */
int addr_parse(const char *s, uint8_t out[16]);
/* "YYYY-MM-DD HH:MM:SS.nnnnnnnnn" (UTC), for any int64 (years 1677 to
 * 2262). */
void ts_str(int64_t ns, char *out, size_t len);

/* The tables a load can write (docs/schema.md); a mask of their bits
 * says which. */
enum an_table {
	TB_FILES,
	TB_INTERFACES,
	TB_PROBLEMS,
	TB_PROCESSES,
	TB_PACKETS,
	TB_ICMP_PACKETS,
	TB_EVENTS,
	TB_SOCKETS,
	TB_CONNECTIONS,
	TB_HANDSHAKES,
	TB_ICMP,
	TB_RETRANS,
	TB_TUNNELS,
	TB_UNDECODED,
	TB_ADDRESSES,
	TB__COUNT,
};
#define TB_ALL ((1u << TB__COUNT) - 1)
extern const char *const an_table_names[TB__COUNT];

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
/* What happened to one input file. */
struct ingest_result {
	bool failed;            /* could not be read at all (error says why) */
	bool skipped;           /* not loaded: its content is in the database */
	bool changed;           /* a file of this path with other content was loaded before */
	bool damaged;           /* stopped at a malformed/truncated block */
	int64_t same_as;        /* skipped: the file_id of that content */
	int64_t changed_id;     /* changed: the file_id loaded from this path before */
	uint64_t error_offset;
	char error[512];
	int64_t file_id;
	uint64_t packets, events;
};

struct ingest_opts {
	const char *db_path;    /* the database to make (or extend) */
	bool keep;              /* --db: extend it if it exists, build beside it and
				   rename; else db_path is a temporary file to fill */
	uint32_t tables;        /* which tables to write (store.h TB_*) */
	const char *const *paths;
	int npaths;
	size_t window_records;  /* time-order window (0: default) */
	/* the host the files were recorded on (--host-name), else NULL: each
	 * file's own (netrec's _HOSTNAME), found before the pass */
	const char *host_name;
	/* the Community ID seed (--community-id-seed); without it a kept
	 * database's own. A kept database whose seed differs is rebuilt. */
	bool cid_seed_set;
	uint16_t cid_seed;
	/* progress: raw input bytes read of all files, of total (0 unknown) */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
	/* set to the path of the file being built while there is one, so that
	 * a signal handler can remove it */
	char *building;
	size_t building_len;
};

/* What the run did as a whole. */
struct ingest_summary {
	bool loaded;            /* a database was (re)built */
	bool rebuilt;           /* the existing database's records were read back */
	int restarts;           /* a file broke the time-order window: read again sorted */
	uint64_t runs;          /* sorted runs spilled to temporary files */
	char note[256];         /* a limit was reached, or "" */
};

/* Loads the files (those not in the database already) into one timeline:
 * res[i] for paths[i]. Returns 0 (damaged inputs are loaded up to the
 * damage and reported in res), or a negative errno with the detail in e. */
int ingest_run(const struct ingest_opts *o, struct ingest_result *res,
	       struct ingest_summary *sum, struct an_err *e);

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
	bool plan_only;         /* reports: prepare the statements, run none
				   that prints (plan.c) */
	const char *csv_null;   /* csv: the text of NULL (e.g. "\\N"); NULL: an empty field */
	bool details;           /* --packets listing: link-layer and IP details (-e) */
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
	REP_LIFECYCLE,
	REP_SUMMARY,
	REP_PACKETS,
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
	const char *event_types;  /* --event-type: checked names, comma-separated */
	/* --lifecycle's switches: only connects, only accepts (both: both),
	 * only failed connects */
	bool connect_only, accept_only, failure_only;
};
int report_run(sqlite3 *db, enum report r, const struct filters *f,
	       const struct out_opts *o, struct an_err *e);

/* ---- listing.c ---- */
/* The --packets listing's columns, in the order listing_print() reads
 * them, from v_packets v joined with packets p and interfaces i. */
#define LISTING_COLUMNS \
	"v.ts_ns, p.cpu, v.pid, v.comm, p.owner_src, v.direction, v.src, v.sport, v.dst, " \
	"v.dport, v.proto, p.tcp_flags, v.seq_rel, v.ack_rel, v.win, v.payload_len, " \
	"v.icmp_type, v.icmp_code, v.anomalies, i.name, i.linktype, p.vlan, p.caplen, " \
	"p.origlen, p.ttl, p.ip_id, p.ip_len, p.seq_raw, p.ack_raw"
#define LISTING_FROM \
	"v_packets v JOIN packets p ON p.id = v.id LEFT JOIN interfaces i ON i.iface_id = p.iface_id"
/* Prints st's rows (LISTING_COLUMNS) as lines on stdout; the date on each
 * line when with_date. 0, or -EIO with the detail in e. */
int listing_print(sqlite3_stmt *st, bool with_date, bool details, struct an_err *e);

/* ---- plan.c ---- */
/* One thing the command will run: a report, or SQL text. */
struct plan_item {
	bool is_sql;
	enum report report;
	const char *sql;        /* NULL: not known before loading (read all tables) */
};
/* The tables (TB_* bits) that the items read, found by preparing them
 * against an empty database with an authorizer that notes each table
 * read: a temporary database need hold only those. TB_ALL when an item's
 * statements cannot be prepared there. */
uint32_t plan_tables(const struct plan_item *items, int n, const struct filters *f,
		     const struct out_opts *o);

/* ---- html.c ---- */
/* The self-contained HTML report (timeline, RTT histograms, and with
 * has_conn the time-sequence graph of conn_id), written to o. */
int html_report(sqlite3 *db, FILE *o, const struct filters *f, bool has_conn,
		int64_t conn_id, struct an_err *e);

#endif

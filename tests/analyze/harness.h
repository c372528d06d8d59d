/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the analyze suite's test programs: run a command and
 * capture its output, read netanalyze's json/jsonl rows, and summarise a
 * capture the way tshark sees it (one entry per tcp.stream), so that tests
 * can compare netanalyze's handshakes with both hand-computed values and
 * tshark's. Nothing here knows what the expected values are.
 */
#ifndef NETREC_TESTS_ANALYZE_HARNESS_H
#define NETREC_TESTS_ANALYZE_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

/* ---- commands ---- */
struct h_argv {
	char *v[64];
	int n;
};
void h_argv_init(struct h_argv *a, const char *prog);
void h_argv_add(struct h_argv *a, const char *s);
void h_argv_free(struct h_argv *a);

/* Runs a->v with stdout and stderr captured (each NUL-terminated,
 * malloc'd; pass NULL to discard). Returns the exit status (0..255),
 * 128+signal if killed, or -1 if it could not run. */
int h_run(const struct h_argv *a, char **out, char **err);

/* The test environment: a fresh temporary directory, the generator's
 * captures in it, and the netanalyze binary. h_setup() returns 0, or 77
 * (skip: reason printed) when netanalyze or tshark is missing, or 1. */
struct h_env {
	char dir[256];         /* temporary directory */
	char netanalyze[1024];
	bool have_tshark;
	bool have_mergecap;
	bool have_reordercap;
};
extern struct h_env h_env;
int h_setup(int argc, char **argv, bool need_gen);

/* Runs h_env.netanalyze with the NULL-terminated arguments after err,
 * output captured as h_run() does; returns what h_run() returns. */
int h_netanalyze(char **out, char **err, ...);
/* Removes the temporary directory, unless keep or NETREC_KEEP_TMP is set. */
void h_teardown(bool keep);
/* Path of a file in the temporary directory (static buffer rotation: the
 * last 8 results stay valid). */
const char *h_path(const char *name);

/* ---- JSON rows (flat objects; nested values are skipped) ---- */
enum jv_type { JV_MISSING = 0, JV_NULL, JV_INT, JV_REAL, JV_STR, JV_BOOL, JV_OTHER };
struct jv {
	enum jv_type t;
	long long i;   /* JV_INT, JV_BOOL */
	double d;      /* JV_REAL */
	char *s;       /* JV_STR */
};
#define JROW_MAX_KEYS 96
struct jrow {
	int n;
	char *k[JROW_MAX_KEYS];
	struct jv v[JROW_MAX_KEYS];
};
/* Parses jsonl (one object per line) or a json array of objects. Returns
 * the number of rows (malloc'd array in *rows) or -1 on a syntax error. */
int json_rows(const char *text, struct jrow **rows);
void json_rows_free(struct jrow *rows, int n);
const struct jv *jget(const struct jrow *r, const char *key);
/* Integer value of key, or INT64_MIN if null/missing/not an integer. */
int64_t jint(const struct jrow *r, const char *key);
/* String value of key, or NULL. */
const char *jstr(const struct jrow *r, const char *key);

/* Canonical text of an address (inet_pton then inet_ntop), or the input
 * if it is not an address. Static buffer rotation as h_path(). */
const char *h_canon(const char *addr);

/* Parses "1700000000.001500000" (seconds, up to 9 decimals) to ns. */
int64_t h_parse_secs(const char *s);

/* ---- tshark's view ---- */
struct tstream {
	int id;
	char a[64], b[64];      /* first packet's source and destination */
	int ap, bp;
	bool syn_seen;          /* a pure SYN was seen */
	char client[64], server[64];
	int cport, sport;
	int64_t syn_ns, syn_last_ns; /* first / last pure SYN */
	int syn_count;
	int64_t synack_ns;      /* first SYN-ACK, or INT64_MIN */
	int completeness;       /* OR of tcp.completeness over the stream */
	int64_t irtt_ns;        /* tcp.analysis.initial_rtt, or INT64_MIN */
};
/* tshark -2 on `file`; TCP segments not inside ICMP errors. Returns the
 * number of streams (array in *out, malloc'd) or -1. */
int tshark_streams(const char *file, struct tstream **out);

/* Outcomes consistent with tshark's tcp.completeness for a stream
 * (bits: 1 SYN, 2 SYN-ACK, 4 ACK, 8 data, 16 FIN, 32 RST), as a
 * space-separated list, e.g. "timeout unreachable". */
const char *tshark_outcomes(int completeness);

/* Compares netanalyze's handshake rows with tshark's streams of the same
 * capture: one row per stream, same endpoints and roles, first SYN time,
 * SYN count, SYN-ACK time, an outcome consistent with tcp.completeness and
 * the same initial RTT. Failures are reported through the ASSERT macros
 * under `what`. Returns the number of streams compared. */
int h_check_tshark(const char *what, const char *tshark_file, const struct jrow *rows,
		   int nrows);

/* Runs netanalyze with `files` (NULL-terminated) and extra arguments
 * (NULL-terminated list after files), expecting exit status `want_rc`;
 * returns the parsed rows of --format jsonl output (count in *n) or NULL. */
struct jrow *h_netanalyze_rows(int want_rc, int *n, const char *const *files, ...);

/* Finds the handshake row with this client port (and, if syn_ns is not
 * INT64_MIN, this syn_ns), or NULL. */
const struct jrow *h_find_hs(const struct jrow *rows, int n, int client_port, int64_t syn_ns);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The store: writes rows (rows.h) into the database, each row once and
 * complete. Callers hand it rows in the order they want them stored; it
 * decides how they reach SQLite. Tables not asked for are not written.
 */
#ifndef NETANALYZE_STORE_H
#define NETANALYZE_STORE_H

#include <sqlite3.h>

#include "analyze.h"
#include "rows.h"

struct store;

/* A store writing the tables in mask `tables` into db, inside one
 * transaction that store_close() commits. strs resolves interned strings. */
int store_open(struct store **out, sqlite3 *db, uint32_t tables, const struct strtab *strs,
	       struct an_err *e);
/* Commits (or, after an error, rolls back) and frees; accepts NULL. */
int store_close(struct store *s, bool commit, struct an_err *e);
bool store_wants(const struct store *s, enum an_table t);

int store_file(struct store *s, const struct row_file *r, struct an_err *e);
int store_iface(struct store *s, const struct row_iface *r, struct an_err *e);
int store_iface_counts(struct store *s, const struct row_iface_counts *r, struct an_err *e);
int store_problem(struct store *s, const struct row_problem *r, struct an_err *e);
int store_packet(struct store *s, const struct row_pkt *r, struct an_err *e);
/* The events row of j and, for a process record, its processes row. */
int store_jrec(struct store *s, const struct row_jrec *j, struct an_err *e);
int store_proc_comment(struct store *s, const struct row_proc_comment *r, struct an_err *e);
int store_conn(struct store *s, const struct row_conn *c, struct an_err *e);
int store_hs(struct store *s, const struct row_hs *h, struct an_err *e);
int store_rtx(struct store *s, const struct row_rtx *x, struct an_err *e);
int store_icmp(struct store *s, const struct row_icmp *r, struct an_err *e);
int store_socket(struct store *s, const struct row_socket *r, struct an_err *e);
/* The row sink interface (rows.h): ctx is the store. A ROW_JREC is freed.
 * On failure store_error() says what went wrong. */
int store_put(void *ctx, enum row_kind kind, void *row);
const char *store_error(const struct store *s);

#endif

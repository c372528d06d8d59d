/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The store: writes rows (rows.h) into the database, each row once and
 * complete, from a thread of its own while the caller goes on. Rows of a
 * table are stored in the order given. Tables not asked for are not
 * written. The database connection is the store's from store_open to
 * store_close; the caller must not use it in between.
 */
#ifndef NETANALYZE_STORE_H
#define NETANALYZE_STORE_H

#include <sqlite3.h>

#include "analyze.h"
#include "rows.h"

struct store;

/* A store writing the tables in mask `tables` into db, inside one
 * transaction that store_close() commits. strs resolves interned strings
 * (the writer reads strings whose ids it was handed). */
int store_open(struct store **out, sqlite3 *db, uint32_t tables, const struct strtab *strs,
	       struct an_err *e);
/* Writes what is still held, waits for the writer, commits (commit) or
 * rolls back, and frees; accepts NULL. With commit, an error of the writer
 * is returned; either way its detail goes to e (may be NULL). */
int store_close(struct store *s, bool commit, struct an_err *e);
bool store_wants(const struct store *s, enum an_table t);

/* The row sink interface (rows.h): ctx is the store. A ROW_JREC is freed.
 * Any thread may put rows (one at a time: under the store's lock).
 * A negative errno when the writer has stopped on an error (store_close
 * says which). */
int store_put(void *ctx, enum row_kind kind, void *row);

#endif

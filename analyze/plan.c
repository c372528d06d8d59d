/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which tables a temporary database must hold: the reports and SQL to run
 * are known before loading, so each is prepared (never run) against an
 * empty database of the same schema, with an authorizer that notes every
 * table a statement reads, through views too. `netanalyze big.pcap
 * --handshakes` then writes no packet row. The files, interfaces and
 * problems tables are small and always written. The tables join.c fills
 * after the pass (joined, joined_members, clock_offsets) are made from the
 * handshakes, connections and packets tables.
 */
#include <string.h>

#include "analyze.h"

static int note_read(void *ctx, int action, const char *a, const char *b, const char *c,
		     const char *d)
{
	uint32_t *tables = ctx;

	(void)b;
	(void)c;
	(void)d;
	if (action != SQLITE_READ || !a)
		return SQLITE_OK;
	for (int t = 0; t < TB__COUNT; t++)
		if (!strcmp(a, an_table_names[t]))
			*tables |= 1u << t;
	if (!strcmp(a, "joined") || !strcmp(a, "joined_members") || !strcmp(a, "clock_offsets"))
		*tables |= (1u << TB_HANDSHAKES) | (1u << TB_CONNECTIONS) | (1u << TB_PACKETS);
	return SQLITE_OK;
}

/* Prepares (never runs) each statement of sql. */
static int prepare_all(sqlite3 *db, const char *sql)
{
	const char *tail = sql;

	while (tail && *tail) {
		sqlite3_stmt *st = NULL;
		const char *next = NULL;

		if (sqlite3_prepare_v2(db, tail, -1, &st, &next) != SQLITE_OK)
			return -1;
		sqlite3_finalize(st);
		tail = next;
	}
	return 0;
}

uint32_t plan_tables(const struct plan_item *items, int n, const struct filters *f,
		     const struct out_opts *o)
{
	uint32_t tables = (1u << TB_FILES) | (1u << TB_INTERFACES) | (1u << TB_PROBLEMS);
	struct out_opts po = *o;
	struct an_err e = { "" };
	sqlite3 *db = NULL;

	po.plan_only = true;
	if (db_open(&db, ":memory:", false, true, &e))
		return TB_ALL;
	sqlite3_set_authorizer(db, note_read, &tables);
	for (int i = 0; i < n; i++) {
		int err;

		if (!items[i].is_sql)
			err = report_run(db, items[i].report, f, &po, &e);
		else if (items[i].sql)
			err = prepare_all(db, items[i].sql);
		else
			err = -1;
		if (err) {
			tables = TB_ALL;
			break;
		}
	}
	sqlite3_close(db);
	return tables;
}

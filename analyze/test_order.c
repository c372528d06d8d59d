/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of time-order restoration (order.c) on a small in-memory
 * database: records of two CPUs shuffled the way per-CPU buffers deliver
 * them, a record without CPU/sequence, a journal record, equal timestamps.
 * The expected order and reorder figures are worked out by hand from the
 * rule in docs/schema.md: (timestamp, CPU, sequence), absent CPU first,
 * then file and position in the file.
 */
#include <string.h>

#include "analyze.h"
#include "flow.h"
#include "test.h"

TEST_MAIN_STATE;

struct rec {
	int kind;        /* 0 packet, 1 event */
	long long ts;
	int cpu;         /* -1: none */
	int seq;
};

static sqlite3 *load(const struct rec *r, int n, int in_order)
{
	sqlite3 *db = NULL;
	struct an_err e;
	char sql[512];

	if (db_open(&db, ":memory:", false, true, &e)) {
		fprintf(stderr, "db_open: %s\n", e.msg);
		return NULL;
	}
	snprintf(sql, sizeof(sql), "INSERT INTO files(file_id, path, in_order, first_ns, last_ns)"
		 " VALUES (1, 'x', %d, 0, 100)", in_order);
	db_exec(db, sql, &e);
	for (int i = 0; i < n; i++) {
		char cpu[16] = "NULL", seq[16] = "NULL";

		if (r[i].cpu >= 0) {
			snprintf(cpu, sizeof(cpu), "%d", r[i].cpu);
			snprintf(seq, sizeof(seq), "%d", r[i].seq);
		}
		/* ids: packets and events numbered apart, as two tables are */
		snprintf(sql, sizeof(sql),
			 "INSERT INTO %s(id, file_id, file_idx, ts_ns, cpu, cpu_seq%s)"
			 " VALUES (%d, 1, %d, %lld, %s, %s%s)",
			 r[i].kind ? "events" : "packets", r[i].kind ? ", record" : "",
			 100 + i, i, r[i].ts, cpu, seq, r[i].kind ? ", 'tcp_event'" : "");
		if (db_exec(db, sql, &e))
			fprintf(stderr, "insert: %s\n", e.msg);
	}
	return db;
}

/* Runs the ordered stream; out[] receives file positions in time order. */
static int run(sqlite3 *db, int *out, int max)
{
	struct order_it *it = NULL;
	struct an_err e;
	struct arow r;
	int n = 0, rc;

	if (order_open(db, &it, &e))
		return -1;
	while ((rc = order_next(it, &r, &e)) > 0 && n < max) {
		ASSERT_EQ(r.ord, n + 1, "ord numbers from 1 without gaps");
		out[n++] = (int)r.file_idx;
	}
	ASSERT_EQ(rc, 0, "clean end");
	ASSERT_OK(order_finish(it, &e), "finish");
	order_close(it);
	return n;
}

static long long query(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void test_shuffled_cpus(void)
{
	/* file order as two per-CPU buffers deliver: CPU 1's records, then
	 * CPU 0's, then a record without CPU and a kernel event */
	static const struct rec r[] = {
		{ 0, 10, 1, 1 },  /* 0 */
		{ 0, 30, 1, 2 },  /* 1 */
		{ 0, 20, 0, 1 },  /* 2 */
		{ 0, 30, 0, 2 },  /* 3: same time as 1, CPU 0 first */
		{ 0, 30, -1, 0 }, /* 4: no CPU: before both at ts 30 */
		{ 1, 40, 0, 3 },  /* 5: event */
	};
	static const int want[] = { 0, 2, 4, 3, 1, 5 };
	int got[8];
	sqlite3 *db = load(r, 6, 0);

	if (!ASSERT_OK_PTR(db, "database"))
		return;
	ASSERT_EQ(run(db, got, 8), 6, "all records");
	for (int i = 0; i < 6; i++)
		ASSERT_EQ(got[i], want[i], "position in time order");
	/* ranks vs positions: 2 moved by 1, 4 by 2, 1 by 3 */
	ASSERT_EQ(query(db, "SELECT reorder_moved FROM files"), 3, "moved");
	ASSERT_EQ(query(db, "SELECT reorder_max_displacement FROM files"), 3, "largest displacement");
	ASSERT_EQ(query(db, "SELECT ord FROM events WHERE id = 105"), 6, "event's ord written");
	sqlite3_close(db);
}

static void test_in_order_fast_path(void)
{
	/* already in order: packets and an event interleaved by position */
	static const struct rec r[] = {
		{ 0, 10, 0, 1 }, { 1, 11, 0, 2 }, { 0, 12, 1, 1 }, { 1, 12, 1, 2 }, { 0, 13, -1, 0 },
	};
	int got[8];
	sqlite3 *db = load(r, 5, 1);

	if (!ASSERT_OK_PTR(db, "database"))
		return;
	ASSERT_EQ(run(db, got, 8), 5, "all records");
	for (int i = 0; i < 5; i++)
		ASSERT_EQ(got[i], i, "file order kept");
	ASSERT_EQ(query(db, "SELECT reorder_moved FROM files"), 0, "nothing moved");
	sqlite3_close(db);
}

int main(void)
{
	RUN_TEST(test_shuffled_cpus);
	RUN_TEST(test_in_order_fast_path);
	return test_exit();
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests of time-order restoration (order.c) and of the numbering and
 * reorder figures the pass gives it (pass.c): records of two CPUs shuffled
 * the way per-CPU buffers deliver them, a record without CPU/sequence, a
 * journal record, equal timestamps; a record older than the window allows;
 * a shuffled source sorted through spilled runs; two sources merged. The
 * expected order and figures are worked out by hand from the rule in
 * docs/schema.md: (timestamp, CPU, sequence), absent CPU first, then file
 * and position in the file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gaps.h"
#include "order.h"
#include "pass.h"
#include "test.h"

TEST_MAIN_STATE;

struct rec {
	int kind;        /* 0 packet, 1 event */
	long long ts;
	int cpu;         /* -1: none */
	int seq;
};

struct src {
	const struct rec *r;
	int n, i;
	uint32_t file_id;
	struct pool *pkts;
};

static int src_next(void *ctx, struct order_rec *out, struct an_err *e)
{
	struct src *s = ctx;
	const struct rec *r;

	(void)e;
	if (s->i == s->n)
		return 0;
	r = &s->r[s->i];
	if (r->kind == 0) {
		struct row_pkt *p = pool_get(s->pkts);

		memset(p, 0, sizeof(*p));
		p->ts_ns = r->ts;
		p->file_id = s->file_id;
		p->file_idx = s->i;
		if (r->cpu >= 0) {
			p->has |= PK_CPU;
			p->cpu = r->cpu;
			p->cpu_seq = r->seq;
		}
		order_rec_pkt(out, p);
	} else {
		struct row_jrec *j = calloc(1, sizeof(*j));

		j->ts_ns = r->ts;
		j->file_id = s->file_id;
		j->file_idx = s->i;
		for (int k = 0; k < JT__COUNT; k++)
			j->toff[k] = TEXT_NONE;
		if (r->cpu >= 0) {
			j->has |= JR_CPU | JR_SEQ;
			j->cpu = r->cpu;
			j->cpu_seq = r->seq;
		}
		order_rec_jrec(out, j);
	}
	s->i++;
	return 1;
}

/* What the pass hands on: ids by (file, position). */
struct seen {
	int64_t id[2][64];
	int64_t order[128];      /* file * 100 + position, in time order */
	int n;
};

static int sink_put(void *ctx, enum row_kind k, void *row)
{
	struct seen *s = ctx;

	if (k == ROW_PKT) {
		const struct row_pkt *p = row;

		s->id[p->file_id - 1][p->file_idx] = p->id;
	} else if (k == ROW_JREC) {
		struct row_jrec *j = row;

		s->id[j->file_id - 1][j->file_idx] = j->id;
		jrec_free(j);
	}
	return 0;
}

/* Runs sources through order and pass; fills seen (order: by id). */
static int run(struct src *srcs, int nsrc, enum order_mode mode, size_t window,
	       struct seen *seen, struct pass **pass_out, uint64_t *runs)
{
	struct order_limits lim = { .records = window, .bytes = 1u << 30, .tmpdir = "/tmp" };
	struct strtab *strs = strtab_new(1u << 20);
	struct row_sink sink = { sink_put, seen };
	struct order *o = NULL;
	struct pass *pass = NULL;
	struct order_rec r;
	struct an_err e = { "" };
	struct pool pkts;
	int rc, idx, total = 0;

	pool_init(&pkts, sizeof(struct row_pkt));
	memset(seen, 0, sizeof(*seen));
	if (order_new(&o, &lim, &pkts) || pass_new(&pass, &pass_default_limits, strs, sink))
		return -ENOMEM;
	for (int i = 0; i < nsrc; i++) {
		srcs[i].pkts = &pkts;
		srcs[i].i = 0;
		total += srcs[i].n;
		order_add(o, mode, (struct order_source){ src_next, &srcs[i] }, &idx);
	}
	while ((rc = order_next(o, &r, &e)) > 0) {
		if (r.kind == ORD_PKT) {
			ASSERT_OK(pass_packet(pass, r.row, &e), "pass_packet");
			pool_put(&pkts, r.row);
		} else {
			ASSERT_OK(pass_jrec(pass, r.row, &e), "pass_jrec");
		}
	}
	if (rc == 0)
		ASSERT_OK(pass_finish(pass, &e), "pass_finish");
	if (runs)
		*runs = order_stats(o)->runs;
	for (int f = 0; f < nsrc; f++)
		for (int i = 0; i < srcs[f].n; i++)
			if (seen->id[f][i] > 0 && seen->id[f][i] <= 128)
				seen->order[seen->id[f][i] - 1] = f * 100 + i;
	seen->n = total;
	order_free(o);
	pool_free(&pkts);
	if (pass_out)
		*pass_out = pass;
	else
		pass_free(pass);
	strtab_free(strs);
	return rc;
}

static bool stats(struct pass *pass, uint32_t file_id, int64_t *moved, int64_t *maxd)
{
	struct pass_file_stats st;

	pass_file_stats(pass, file_id, &st);
	*moved = st.moved;
	*maxd = st.max_disp;
	return st.seen;
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
	struct src s = { r, 6, 0, 1, NULL };
	struct seen seen;
	struct pass *pass = NULL;
	int64_t moved = -1, maxd = -1;

	ASSERT_EQ(run(&s, 1, ORDER_WINDOW, 16, &seen, &pass, NULL), 0, "clean end");
	for (int i = 0; i < 6; i++)
		ASSERT_EQ(seen.order[i], want[i], "position in time order");
	for (int i = 0; i < 6; i++)
		ASSERT_TRUE(seen.id[0][i] >= 1 && seen.id[0][i] <= 6, "ids number from 1 without gaps");
	/* ranks vs positions: 2 moved by 1, 4 by 2, 1 by 3 */
	ASSERT_TRUE(stats(pass, 1, &moved, &maxd), "figures for the file");
	ASSERT_EQ(moved, 3, "moved");
	ASSERT_EQ(maxd, 3, "largest displacement");
	ASSERT_EQ(seen.id[0][5], 6, "the event's place in the timeline");
	pass_free(pass);
}

static void test_in_order_fast_path(void)
{
	/* already in order: packets and an event interleaved by position */
	static const struct rec r[] = {
		{ 0, 10, 0, 1 }, { 1, 11, 0, 2 }, { 0, 12, 1, 1 }, { 1, 12, 1, 2 }, { 0, 13, -1, 0 },
	};
	struct src s = { r, 5, 0, 1, NULL };
	struct seen seen;
	struct pass *pass = NULL;
	int64_t moved = -1, maxd = -1;

	ASSERT_EQ(run(&s, 1, ORDER_WINDOW, 2, &seen, &pass, NULL), 0, "clean end");
	for (int i = 0; i < 5; i++)
		ASSERT_EQ(seen.order[i], i, "file order kept");
	ASSERT_TRUE(stats(pass, 1, &moved, &maxd), "figures for the file");
	ASSERT_EQ(moved, 0, "nothing moved");
	pass_free(pass);
}

/* 24 packets whose times are a fixed shuffle of 0..23 */
static const struct rec shuffled[] = {
	{ 0, 17, -1, 0 }, { 0, 3, -1, 0 }, { 0, 22, -1, 0 }, { 0, 9, -1, 0 }, { 0, 0, -1, 0 },
	{ 0, 14, -1, 0 }, { 0, 6, -1, 0 }, { 0, 20, -1, 0 }, { 0, 11, -1, 0 }, { 0, 2, -1, 0 },
	{ 0, 19, -1, 0 }, { 0, 8, -1, 0 }, { 0, 23, -1, 0 }, { 0, 5, -1, 0 }, { 0, 13, -1, 0 },
	{ 0, 1, -1, 0 }, { 0, 16, -1, 0 }, { 0, 10, -1, 0 }, { 0, 21, -1, 0 }, { 0, 4, -1, 0 },
	{ 0, 15, -1, 0 }, { 0, 7, -1, 0 }, { 0, 18, -1, 0 }, { 0, 12, -1, 0 },
};

static void test_window_broken(void)
{
	/* a window of 4 records cannot hold this shuffle: the merge says so
	 * instead of handing on a wrong order */
	struct src s = { shuffled, 24, 0, 1, NULL };
	struct seen seen;

	ASSERT_EQ(run(&s, 1, ORDER_WINDOW, 4, &seen, NULL, NULL), -EAGAIN,
		  "a record older than the window allows");
}

static void test_sorted_runs(void)
{
	/* the same shuffle sorted through runs of 5 records: 5 runs spilled,
	 * then merged in time order */
	struct src s = { shuffled, 24, 0, 1, NULL };
	struct seen seen;
	uint64_t runs = 0;
	int64_t moved = -1, maxd = -1;
	struct pass *pass = NULL;

	ASSERT_EQ(run(&s, 1, ORDER_SORT, 5, &seen, &pass, &runs), 0, "clean end");
	ASSERT_EQ(runs, 5, "runs spilled to temporary files");
	for (int i = 0; i < 24; i++)
		ASSERT_EQ(shuffled[seen.order[i]].ts, i, "time order");
	ASSERT_TRUE(stats(pass, 1, &moved, &maxd), "figures for the file");
	/* 22 sits at position 2 of the file and 22nd in time: moved by 20,
	 * the most; only 6 and 16 are where they were */
	ASSERT_EQ(maxd, 20, "largest displacement");
	ASSERT_EQ(moved, 22, "moved");
	pass_free(pass);
}

static void test_two_files(void)
{
	/* two files merged as mergecap would: by time, then by file */
	static const struct rec a[] = { { 0, 10, -1, 0 }, { 0, 30, -1, 0 }, { 0, 40, -1, 0 } };
	static const struct rec b[] = { { 0, 20, -1, 0 }, { 0, 30, -1, 0 }, { 1, 50, -1, 0 } };
	static const int want[] = { 0, 100, 1, 101, 2, 102 };
	struct src s[2] = { { a, 3, 0, 1, NULL }, { b, 3, 0, 2, NULL } };
	struct seen seen;

	ASSERT_EQ(run(s, 2, ORDER_WINDOW, 2, &seen, NULL, NULL), 0, "clean end");
	for (int i = 0; i < 6; i++)
		ASSERT_EQ(seen.order[i], want[i], "merged order");
}

static void test_sequence_gaps(void)
{
	struct gaps g;
	int64_t n = -1;

	/* file 1, CPU 0: 1 2 4 3 3 7 -> 1..7 but 5 and 6: 2 missing;
	 * CPU 1: 10 12 -> 1 missing; no CPU: 5 6 -> none */
	static const int64_t cpu0[] = { 1, 2, 4, 3, 3, 7 };

	gaps_init(&g);
	for (size_t i = 0; i < sizeof(cpu0) / sizeof(cpu0[0]); i++)
		gaps_add(&g, 1, true, 0, cpu0[i]);
	gaps_add(&g, 1, true, 1, 10);
	gaps_add(&g, 1, true, 1, 12);
	gaps_add(&g, 1, false, 0, 5);
	gaps_add(&g, 1, false, 0, 6);
	ASSERT_TRUE(gaps_of(&g, 1, &n), "counted");
	ASSERT_EQ(n, 3, "2 + 1 + 0 missing");
	/* file 2: a number far behind the largest: 2..999999 missing */
	gaps_add(&g, 2, true, 0, 1000000);
	gaps_add(&g, 2, true, 0, 1);
	ASSERT_TRUE(gaps_of(&g, 2, &n), "counted, however far behind");
	ASSERT_EQ(n, 999998, "1 and 1000000 seen");
	ASSERT_TRUE(gaps_of(&g, 3, &n) && n == 0, "a file without numbers: none missing");
	/* file 4: 1..200000 with 100 lost (100001..100100), then the whole
	 * stretch again, as a file holding its records twice: 100 missing */
	for (int pass = 0; pass < 2; pass++)
		for (int64_t q = 1; q <= 200000; q++)
			if (q <= 100000 || q > 100100)
				gaps_add(&g, 4, true, 3, q);
	ASSERT_TRUE(gaps_of(&g, 4, &n), "counted");
	ASSERT_EQ(n, 100, "the lost stretch, once");
	/* file 5: 10 30 20 then the holes filled from both ends, so runs
	 * merge: 10..30 but 15 and 25 */
	static const int64_t fill[] = { 10, 30, 20, 11, 12, 13, 14, 29, 28, 27, 26, 16,
					17, 18, 19, 21, 22, 23, 24 };

	for (size_t i = 0; i < sizeof(fill) / sizeof(fill[0]); i++)
		gaps_add(&g, 5, false, 0, fill[i]);
	ASSERT_TRUE(gaps_of(&g, 5, &n), "counted");
	ASSERT_EQ(n, 2, "15 and 25");
	gaps_add(&g, 5, false, 0, 15);
	gaps_add(&g, 5, false, 0, 25);
	ASSERT_TRUE(gaps_of(&g, 5, &n) && n == 0, "holes filled: runs merged into one");
	/* file 6: numbers that each land before all the others (falling even
	 * numbers) move every run: past GAPS_MAX_MOVES the count is given up,
	 * not the time */
	for (int64_t q = 2 * 20000; q > 0; q -= 2)
		gaps_add(&g, 6, true, 0, q);
	ASSERT_FALSE(gaps_of(&g, 6, &n), "too costly to count: unknown");
	ASSERT_TRUE(gaps_of(&g, 1, &n) && n == 3, "the other files' counts stand");
	gaps_free(&g);
}

int main(void)
{
	RUN_TEST(test_shuffled_cpus);
	RUN_TEST(test_in_order_fast_path);
	RUN_TEST(test_window_broken);
	RUN_TEST(test_sorted_runs);
	RUN_TEST(test_two_files);
	RUN_TEST(test_sequence_gaps);
	return test_exit();
}

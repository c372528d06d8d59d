/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Restoring time order. Records from per-CPU buffers arrive shuffled
 * (docs/format.md §8): every packet and journal record is keyed by
 * (timestamp ns, CPU, per-CPU sequence), CPU and sequence being NULL (sorted
 * first) when the file has none, with (file, position in file) as the final
 * tie-breaker, so the order is total and stable. The sort runs inside
 * SQLite, which spills to temporary files: memory stays bounded whatever the
 * number of records. The analysis pass (conn.c) consumes this stream once;
 * here each record gets its `ord` (events directly, packets through the
 * caller's update) and each file its reorder figures: how many of its
 * records changed place relative to the file's own order, and the largest
 * displacement.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

#define TS_LIMIT (INT64_C(1) << 61)

struct file_rank {
	int64_t rank;       /* records of this file seen so far in time order */
	int64_t moved, maxd;
	bool seen;
};

struct order_it {
	sqlite3 *db;
	sqlite3_stmt *sel, *upd_ev;
	/* fast path: everything is in order already; merge the two tables
	 * by load position instead of sorting */
	bool fast;
	sqlite3_stmt *sel_ev;
	struct arow head[2];
	bool have[2], done[2];
	int64_t next_ord;
	struct file_rank *files;
	size_t nfiles;
};

/* Column order matters: read_row() reads them by position. */
#define PKT_COLS \
	"SELECT id, ts_ns, file_id, direction, ip_version, src, dst, proto, sport, dport," \
	" tcp_flags, seq_raw, ack_raw, win, payload_len, ip_len, mss, wscale, sack_perm," \
	" tsval, icmp_type, icmp_code, icmp_id, icmp_seq, q_src, q_dst, q_proto, q_sport," \
	" q_dport, q_seq, pid, comm, anomalies, 0 AS k, file_idx, cpu, cpu_seq FROM packets"
#define EV_COLS \
	"SELECT id, ts_ns, file_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL," \
	" NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL," \
	" NULL, NULL, NULL, pid, comm, 0, 1, file_idx, cpu, cpu_seq FROM events"

static const char order_select[] = PKT_COLS " UNION ALL " EV_COLS " ORDER BY 2, 36, 37, 3, 35";

/* Every file in time order by itself, and the files one after another in
 * load order without overlapping: then load order is time order. */
static const char in_order_sql[] =
	"SELECT (SELECT count(*) FROM files WHERE in_order IS NOT 1)"
	" + (SELECT count(*) FROM files a JOIN files b ON b.file_id > a.file_id"
	"    WHERE b.first_ns <= a.last_ns)";


static void read_row(sqlite3_stmt *st, struct arow *r)
{
	int c = 0;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, c++);
	r->ts = sqlite3_column_int64(st, c++);
	/* damaged timestamps: keep every difference of two representable */
	if (r->ts > TS_LIMIT)
		r->ts = TS_LIMIT;
	else if (r->ts < -TS_LIMIT)
		r->ts = -TS_LIMIT;
	r->file_id = sqlite3_column_int64(st, c++);
	const unsigned char *dir = sqlite3_column_text(st, c++);

	r->dir = !dir ? 0 : dir[0] == 'i' ? 1 : 2;
	r->ipver = sqlite3_column_int(st, c++);
	for (int k = 0; k < 2; k++, c++) {
		int n = sqlite3_column_bytes(st, c);
		const void *b = sqlite3_column_blob(st, c);

		if (b && (n == 4 || n == 16))
			memcpy(k ? r->dst : r->src, b, n);
	}
	r->proto = sqlite3_column_int(st, c++);
	r->has_ports = sqlite3_column_type(st, c) != SQLITE_NULL;
	r->sport = (uint16_t)sqlite3_column_int(st, c++);
	r->dport = (uint16_t)sqlite3_column_int(st, c++);
	r->tcp = sqlite3_column_type(st, c) != SQLITE_NULL;
	r->flags = (uint8_t)sqlite3_column_int(st, c++);
	r->seq = (uint32_t)sqlite3_column_int64(st, c++);
	r->ack = (uint32_t)sqlite3_column_int64(st, c++);
	r->win = (uint32_t)sqlite3_column_int64(st, c++);
	r->len = (uint32_t)sqlite3_column_int64(st, c++);
	r->ip_len = (uint32_t)sqlite3_column_int64(st, c++);
	r->mss = sqlite3_column_type(st, c) == SQLITE_NULL ? -1 : sqlite3_column_int(st, c);
	c++;
	r->wscale = sqlite3_column_type(st, c) == SQLITE_NULL ? -1 : sqlite3_column_int(st, c);
	c++;
	r->sack_perm = sqlite3_column_int(st, c++) != 0;
	r->has_ts = sqlite3_column_type(st, c++) != SQLITE_NULL;
	r->icmp = sqlite3_column_type(st, c) != SQLITE_NULL;
	r->icmp_type = sqlite3_column_int(st, c++);
	r->icmp_code = sqlite3_column_int(st, c++);
	r->has_echo = sqlite3_column_type(st, c) != SQLITE_NULL;
	r->icmp_id = (uint16_t)sqlite3_column_int(st, c++);
	r->icmp_seq = (uint16_t)sqlite3_column_int(st, c++);
	for (int k = 0; k < 2; k++, c++) {
		int n = sqlite3_column_bytes(st, c);
		const void *b = sqlite3_column_blob(st, c);

		if (b && (n == 4 || n == 16)) {
			memcpy(k ? r->q_dst : r->q_src, b, n);
			r->has_quote = true;
			r->q_ipver = n == 16 ? 6 : 4;
		}
	}
	r->q_proto = sqlite3_column_int(st, c++);
	r->q_has_ports = sqlite3_column_type(st, c) != SQLITE_NULL;
	r->q_sport = (uint16_t)sqlite3_column_int(st, c++);
	r->q_dport = (uint16_t)sqlite3_column_int(st, c++);
	r->q_has_seq = sqlite3_column_type(st, c) != SQLITE_NULL;
	r->q_seq = (uint32_t)sqlite3_column_int64(st, c++);
	r->has_pid = sqlite3_column_type(st, c) != SQLITE_NULL;
	r->pid = sqlite3_column_int64(st, c++);
	const unsigned char *comm = sqlite3_column_text(st, c++);

	if (comm) {
		r->has_comm = true;
		snprintf(r->comm, sizeof(r->comm), "%s", comm);
	}
	r->anomalies = (unsigned)sqlite3_column_int(st, c++);
	r->kind = sqlite3_column_int(st, c++);
	r->file_idx = sqlite3_column_int64(st, c++);
}

int order_open(sqlite3 *db, struct order_it **out, struct an_err *e)
{
	struct order_it *it = calloc(1, sizeof(*it));
	int err;

	if (!it) {
		an_err_set(e, "out of memory");
		return -ENOMEM;
	}
	it->db = db;
	it->next_ord = 1;
	sqlite3_stmt *chk = NULL;

	err = db_prepare(db, &chk, in_order_sql, e);
	if (!err && sqlite3_step(chk) == SQLITE_ROW && sqlite3_column_int64(chk, 0) == 0)
		it->fast = true;
	sqlite3_finalize(chk);
	if (!err && it->fast) {
		err = db_prepare(db, &it->sel, PKT_COLS " ORDER BY id", e);
		if (!err)
			err = db_prepare(db, &it->sel_ev, EV_COLS " ORDER BY id", e);
	} else if (!err) {
		err = db_prepare(db, &it->sel, order_select, e);
	}
	if (!err)
		err = db_prepare(db, &it->upd_ev, "UPDATE events SET ord = ?2 WHERE id = ?1", e);
	if (err) {
		order_close(it);
		return err;
	}
	*out = it;
	return 0;
}

static int note_rank(struct order_it *it, const struct arow *r)
{
	if (r->file_id < 0)
		return 0;
	if ((size_t)r->file_id >= it->nfiles) {
		size_t n = (size_t)r->file_id + 16;
		struct file_rank *f = realloc(it->files, n * sizeof(*f));

		if (!f)
			return -ENOMEM;
		memset(f + it->nfiles, 0, (n - it->nfiles) * sizeof(*f));
		it->files = f;
		it->nfiles = n;
	}
	struct file_rank *f = &it->files[r->file_id];
	int64_t d = f->rank - r->file_idx;

	f->seen = true;
	if (d) {
		f->moved++;
		if (d < 0)
			d = -d;
		if (d > f->maxd)
			f->maxd = d;
	}
	f->rank++;
	return 0;
}

/* Fast path: the next of the two load-ordered streams. */
static int merge_next(struct order_it *it, struct arow *r, struct an_err *e)
{
	for (int k = 0; k < 2; k++) {
		sqlite3_stmt *st = k ? it->sel_ev : it->sel;
		int rc;

		if (it->have[k] || it->done[k])
			continue;
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			read_row(st, &it->head[k]);
			it->have[k] = true;
		} else if (rc == SQLITE_DONE) {
			it->done[k] = true;
		} else {
			an_err_set(e, "database: %s", sqlite3_errmsg(it->db));
			return -EIO;
		}
	}
	if (!it->have[0] && !it->have[1])
		return 0;
	int k = !it->have[0] ? 1 : !it->have[1] ? 0 :
		(it->head[1].file_id < it->head[0].file_id ||
		 (it->head[1].file_id == it->head[0].file_id &&
		  it->head[1].file_idx < it->head[0].file_idx)) ? 1 : 0;

	*r = it->head[k];
	it->have[k] = false;
	return 1;
}

int order_next(struct order_it *it, struct arow *r, struct an_err *e)
{
	int rc;

	if (it->fast) {
		rc = merge_next(it, r, e);
		if (rc <= 0)
			return rc;
	} else {
		rc = sqlite3_step(it->sel);
		if (rc == SQLITE_DONE)
			return 0;
		if (rc != SQLITE_ROW) {
			an_err_set(e, "database: %s", sqlite3_errmsg(it->db));
			return -EIO;
		}
		read_row(it->sel, r);
	}
	r->ord = it->next_ord++;
	if (note_rank(it, r)) {
		an_err_set(e, "out of memory");
		return -ENOMEM;
	}
	if (r->kind == 1) {
		sqlite3_bind_int64(it->upd_ev, 1, r->id);
		sqlite3_bind_int64(it->upd_ev, 2, r->ord);
		rc = sqlite3_step(it->upd_ev);
		sqlite3_reset(it->upd_ev);
		if (rc != SQLITE_DONE) {
			an_err_set(e, "database: %s", sqlite3_errmsg(it->db));
			return -EIO;
		}
	}
	return 1;
}

int order_finish(struct order_it *it, struct an_err *e)
{
	sqlite3_stmt *st = NULL;
	int err;

	err = db_prepare(it->db, &st, "UPDATE files SET reorder_moved = ?2,"
			 " reorder_max_displacement = ?3 WHERE file_id = ?1", e);
	for (size_t i = 0; !err && i < it->nfiles; i++) {
		if (!it->files[i].seen)
			continue;
		sqlite3_bind_int64(st, 1, (int64_t)i);
		sqlite3_bind_int64(st, 2, it->files[i].moved);
		sqlite3_bind_int64(st, 3, it->files[i].maxd);
		if (sqlite3_step(st) != SQLITE_DONE) {
			an_err_set(e, "database: %s", sqlite3_errmsg(it->db));
			err = -EIO;
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return err;
}

void order_close(struct order_it *it)
{
	if (!it)
		return;
	sqlite3_finalize(it->sel);
	sqlite3_finalize(it->sel_ev);
	sqlite3_finalize(it->upd_ev);
	free(it->files);
	free(it);
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The blocks of a capture other than packets: journal export entries
 * (netrec's kernel events, docs/format.md §5.1, and process records, §5.3;
 * other programs' entries are kept as plain journal records), netrec's
 * clock and statistics custom blocks (§6, §7) and interface statistics
 * blocks. Called by ingest.c inside its per-file transaction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"

/* Copies journal field `name` into buf (NUL-terminated, truncated). */
static bool jfield(const struct capfile_rec *rec, const char *name, char *buf, size_t size)
{
	const uint8_t *v;
	size_t vl;

	if (nr_jeb_field(rec->body, rec->body_len, name, &v, &vl) != 1)
		return false;
	if (vl >= size)
		vl = size - 1;
	memcpy(buf, v, vl);
	buf[vl] = 0;
	return true;
}

static bool jint(const struct capfile_rec *rec, const char *name, int64_t *out)
{
	char buf[32], *end;
	long long v;

	if (!jfield(rec, name, buf, sizeof(buf)) || !buf[0])
		return false;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* Binds journal field `name` as an integer, NULL when absent. */
static void bind_jint(sqlite3_stmt *st, int i, const struct capfile_rec *rec, const char *name)
{
	int64_t v = 0;
	bool have = jint(rec, name, &v);

	ing_bind_int(st, i, have, v);
}

int ingest_journal(struct ingest *in, const struct capfile_rec *rec, struct an_err *e)
{
	char record[32], buf[512], msg[1024];
	int64_t v, ts;
	bool netrec;
	sqlite3_stmt *st;
	int err;

	netrec = jfield(rec, NR_J_RECORD, record, sizeof(record));
	if (!in->host && jfield(rec, "_HOSTNAME", buf, sizeof(buf)) && buf[0])
		in->host = strdup(buf);
	if (jint(rec, NR_J_TS_NS, &v))
		ts = an_ts_clamp(v);
	else if (jint(rec, "__REALTIME_TIMESTAMP", &v))
		ts = an_ts_from_us(v);
	else
		ts = in->last_ts;
	ing_note_ts(in, ts);
	{
		int64_t cpu = 0, seq = 0;
		bool hc = jint(rec, NR_J_CPU, &cpu), hs = jint(rec, NR_J_SEQ, &seq);

		ing_note_key(in, ts, hc, cpu, hs, seq);
	}

	if (netrec && !strcmp(record, "process")) {
		st = in->ins_proc;
		sqlite3_bind_int64(st, 1, in->file_id);
		sqlite3_bind_int64(st, 2, ts);
		bind_jint(st, 3, rec, "_PID");
		ing_bind_text(st, 4, jfield(rec, "_COMM", buf, sizeof(buf)) ? buf : NULL);
		ing_bind_text(st, 5, jfield(rec, "_EXE", buf, sizeof(buf)) ? buf : NULL);
		ing_bind_text(st, 6, jfield(rec, "_CMDLINE", buf, sizeof(buf)) ? buf : NULL);
		bind_jint(st, 7, rec, "_UID");
		bind_jint(st, 8, rec, "_GID");
		bind_jint(st, 9, rec, NR_J_PPID);
		ing_bind_text(st, 10, jfield(rec, "_SYSTEMD_CGROUP", buf, sizeof(buf)) ? buf : NULL);
		bind_jint(st, 11, rec, NR_J_CGROUP_ID);
		ing_bind_text(st, 12, jfield(rec, NR_J_CONTAINER, buf, sizeof(buf)) ? buf : NULL);
		sqlite3_bind_text(st, 14, "journal", -1, SQLITE_STATIC);
		err = ing_step(in, st, e);
		if (err)
			return err;
	}

	st = in->ins_ev;
	int i = 1;

	sqlite3_bind_int64(st, i++, in->file_id);
	sqlite3_bind_int64(st, i++, in->file_idx++);
	sqlite3_bind_int64(st, i++, (int64_t)rec->offset);
	sqlite3_bind_int64(st, i++, ts);
	bind_jint(st, i++, rec, NR_J_KTIME_NS);
	bind_jint(st, i++, rec, NR_J_CPU);
	bind_jint(st, i++, rec, NR_J_SEQ);
	sqlite3_bind_text(st, i++, netrec ? record : "journal", -1, SQLITE_TRANSIENT);
	ing_bind_text(st, i++, jfield(rec, NR_J_EVENT, buf, sizeof(buf)) ? buf : NULL);
	ing_bind_text(st, i++, jfield(rec, NR_J_FAMILY, buf, sizeof(buf)) ? buf : NULL);
	/* addresses in canonical form, whatever spelling the file used */
	for (int k = 0; k < 2; k++) {
		uint8_t a[16];
		char s[48];
		int ver;

		if (jfield(rec, k ? NR_J_DADDR : NR_J_SADDR, buf, sizeof(buf)) &&
		    (ver = addr_parse(buf, a)))
			sqlite3_bind_text(st, i, addr_str(a, ver, s), -1, SQLITE_TRANSIENT);
		else
			ing_bind_text(st, i, jfield(rec, k ? NR_J_DADDR : NR_J_SADDR, buf,
							sizeof(buf)) ? buf : NULL);
		i++;
		bind_jint(st, i++, rec, k ? NR_J_DPORT : NR_J_SPORT);
	}
	ing_bind_text(st, i++, jfield(rec, NR_J_OLDSTATE, buf, sizeof(buf)) ? buf : NULL);
	ing_bind_text(st, i++, jfield(rec, NR_J_NEWSTATE, buf, sizeof(buf)) ? buf : NULL);
	bind_jint(st, i++, rec, NR_J_ERRNO);
	bind_jint(st, i++, rec, NR_J_WINDOW);
	{
		/* cookies are u64: keep the bit pattern */
		char c[32];

		if (jfield(rec, NR_J_COOKIE, c, sizeof(c)) && c[0])
			sqlite3_bind_int64(st, i, (int64_t)strtoull(c, NULL, 10));
		else
			sqlite3_bind_null(st, i);
		i++;
	}
	bind_jint(st, i++, rec, "_PID");
	bind_jint(st, i++, rec, NR_J_TID);
	bind_jint(st, i++, rec, "_UID");
	ing_bind_text(st, i++, jfield(rec, "_COMM", buf, sizeof(buf)) ? buf : NULL);
	ing_bind_text(st, i++, jfield(rec, NR_J_OWNER_SRC, buf, sizeof(buf)) ? buf : NULL);
	bind_jint(st, i++, rec, "PRIORITY");
	ing_bind_text(st, i++, jfield(rec, "MESSAGE", msg, sizeof(msg)) ? msg : NULL);
	err = ing_step(in, st, e);
	if (err)
		return err;
	in->events++;
	return 0;
}

void ingest_isb(struct ingest *in, const struct capfile_rec *rec)
{
	struct capfile_opt_iter it;
	struct capfile_opt o;
	sqlite3_stmt *st = in->upd_isb;
	bool any = false;

	if (rec->if_id >= MAX_IFACES || !in->iface_ids[rec->if_id])
		return;
	capfile_opt_iter_init(&it, rec);
	while (capfile_opt_next(&it, &o) > 0) {
		int idx = 0;

		switch (o.code) {
		case PCAPNG_ISB_IFRECV: idx = 1; break;
		case PCAPNG_ISB_IFDROP: idx = 2; break;
		case PCAPNG_ISB_OSDROP: idx = 3; break;
		case PCAPNG_ISB_USRDELIV: idx = 4; break;
		}
		if (idx && o.len >= 8) {
			sqlite3_bind_int64(st, idx, (int64_t)capfile_opt_u64(&it, &o));
			any = true;
		}
	}
	if (any) {
		sqlite3_bind_int64(st, 5, in->iface_ids[rec->if_id]);
		sqlite3_step(st);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

void ingest_custom(struct ingest *in, const struct capfile_rec *rec)
{
	if (rec->pen != NR_PEN)
		return;
	switch (nr_cb_type(rec->body, rec->body_len)) {
	case NR_CB_CLOCK:
		if (!in->have_clock && nr_clock_decode(rec->body, rec->body_len, &in->clock) == 0)
			in->have_clock = true;
		break;
	case NR_CB_STATS: {
		struct nr_cb_stats s;

		/* rotated or concatenated sections: the counts add up */
		if (nr_stats_decode(rec->body, rec->body_len, &s) == 0) {
			if (!in->have_stats) {
				in->stats = s;
			} else {
				in->stats.packets_written += s.packets_written;
				in->stats.events_written += s.events_written;
				in->stats.packets_attributed += s.packets_attributed;
				in->stats.packets_kernel += s.packets_kernel;
				in->stats.ring_drops += s.ring_drops;
				in->stats.other_drops += s.other_drops;
				in->stats.packets_filtered += s.packets_filtered;
			}
			in->have_stats = true;
		}
		break;
	}
	}
}


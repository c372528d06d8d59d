/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The HTML report (--html FILE, --report html): one self-contained page,
 * inline CSS and SVG, no script and no external resource (a Content Security
 * Policy forbids any fetch), so it opens from a file:// URL anywhere:
 *
 *   - a timeline of the connections by process: one row per process and
 *     peer, one bar per connection from its first to its last packet,
 *     coloured by Zeek's conn_state, with the kernel events of each
 *     connection marked on it; above HTML_MAX_BARS connections each row
 *     shows the connections binned in time (count and dominant outcome per
 *     bin) and rows beyond HTML_MAX_ROWS are merged per process;
 *   - a histogram of handshake RTTs (Wireshark's initial RTT) per server;
 *   - with --conn ID, a tcptrace-style time-sequence graph of one connection.
 *
 * It reads the database only through SQL on the documented views and
 * columns (docs/schema.md), never the analysis internals. Every string that
 * comes from a capture (commands, addresses, messages) is hostile and goes
 * through html_put_text(). It does not apply the report filters' exact
 * semantics to events or handshakes beyond the connections they belong to.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

#define HTML_MAX_BARS 2000      /* one bar per connection up to this many */
#define HTML_MAX_ROWS 300       /* rows of the aggregated timeline */
#define HTML_BINS 240           /* time bins per aggregated row */
#define HTML_MAX_EVENTS 20000   /* event marks on the timeline */
#define HTML_MAX_SERVERS 24     /* RTT histograms */
#define HTML_MAX_SEGS 50000     /* segments of the time-sequence graph */

#define TL_LABEL 260            /* px: row labels */
#define TL_WIDTH 1000           /* px: plot */
#define TL_ROW 14               /* px: row height */

/* Zeek conn_state -> colour class; the legend lists them in this order. */
static const struct {
	const char *state, *cls, *colour, *meaning;
} html_states[] = {
	{ "SF", "sf", "#2e7d32", "SF: established and closed" },
	{ "S1", "s1", "#1565c0", "S1: established, still open" },
	{ "S2", "s23", "#7b1fa2", "S2/S3: closed by one side only" },
	{ "S3", "s23", "#7b1fa2", NULL },
	{ "RSTO", "rst", "#ef6c00", "RSTO/RSTR/RSTOS0/RSTRH: reset" },
	{ "RSTR", "rst", "#ef6c00", NULL },
	{ "RSTOS0", "rst", "#ef6c00", NULL },
	{ "RSTRH", "rst", "#ef6c00", NULL },
	{ "REJ", "rej", "#c62828", "REJ: refused" },
	{ "S0", "s0", "#9e9e9e", "S0: no answer" },
	{ "SH", "sh", "#8d6e63", "SH/SHR: half-open, closed" },
	{ "SHR", "sh", "#8d6e63", NULL },
	{ "OTH", "oth", "#607d8b", "OTH: midstream" },
};
#define HTML_NSTATES (sizeof(html_states) / sizeof(html_states[0]))

static int state_index(const char *s)
{
	for (size_t i = 0; s && i < HTML_NSTATES; i++)
		if (!strcmp(s, html_states[i].state))
			return (int)i;
	return (int)HTML_NSTATES - 1; /* OTH */
}

/* Text for HTML element content and attribute values: the five special
 * characters as entities, control characters as spaces. */
static void html_put_text(FILE *o, const char *s)
{
	if (!s)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", o); break;
		case '<': fputs("&lt;", o); break;
		case '>': fputs("&gt;", o); break;
		case '"': fputs("&quot;", o); break;
		case '\'': fputs("&#39;", o); break;
		default:
			fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, o);
		}
	}
}

struct conn {
	int64_t id, start, end;
	int state;
	char *proc;             /* "comm[pid]", "unknown" */
	char *peer;             /* "→ 192.0.2.2:80" or "← 192.0.2.1 on :80" */
	char *tip;              /* tooltip text */
	int row;
};

struct row {
	char *proc, *peer;
	int64_t first;
	size_t n;
	uint32_t *bins;         /* aggregated: HTML_BINS x HTML_NSTATES counts */
};

struct timeline {
	struct conn *c;
	size_t n, cap;
	struct row *rows;
	size_t nrows;
	int64_t t0, t1;
	bool aggregated;
};

static double tl_x(const struct timeline *t, int64_t ns)
{
	double span = (double)(t->t1 - t->t0);

	return TL_LABEL + (span > 0 ? (double)(ns - t->t0) / span * TL_WIDTH : 0);
}

static void fmt_time(int64_t ns, char *out, size_t len)
{
	char full[40];

	ts_str(ns, full, sizeof(full));
	snprintf(out, len, "%s", full);
}

/* The WHERE clause of the connections for the filters (bound in order by
 * bind_filters). Columns of v_connections only. */
static void filter_sql(const struct filters *f, char *out, size_t len)
{
	size_t n = 0;

	n += (size_t)snprintf(out + n, len - n, " WHERE 1");
	if (f->has_pid)
		n += (size_t)snprintf(out + n, len - n, " AND (orig_pid = ?1 OR resp_pid = ?1)");
	if (f->comm)
		n += (size_t)snprintf(out + n, len - n, " AND (orig_comm = ?2 OR resp_comm = ?2)");
	if (f->host)
		n += (size_t)snprintf(out + n, len - n, " AND (orig_h = ?3 OR resp_h = ?3)");
	if (f->has_port)
		n += (size_t)snprintf(out + n, len - n, " AND (orig_p = ?4 OR resp_p = ?4)");
	if (f->has_since)
		n += (size_t)snprintf(out + n, len - n, " AND start_ns >= ?5");
	if (f->has_until)
		snprintf(out + n, len - n, " AND start_ns <= ?6");
}

static void bind_filters(sqlite3_stmt *st, const struct filters *f)
{
	if (f->has_pid)
		sqlite3_bind_int64(st, 1, f->pid);
	if (f->comm)
		sqlite3_bind_text(st, 2, f->comm, -1, SQLITE_STATIC);
	if (f->host)
		sqlite3_bind_text(st, 3, f->host, -1, SQLITE_STATIC);
	if (f->has_port)
		sqlite3_bind_int(st, 4, f->port);
	if (f->has_since)
		sqlite3_bind_int64(st, 5, f->since_ns);
	if (f->has_until)
		sqlite3_bind_int64(st, 6, f->until_ns);
}

static char *proc_name(sqlite3_stmt *st, int comm_col, int pid_col)
{
	const unsigned char *comm = sqlite3_column_text(st, comm_col);
	bool has_pid = sqlite3_column_type(st, pid_col) != SQLITE_NULL;
	char buf[128];

	if (!comm && !has_pid)
		return NULL;
	if (has_pid)
		snprintf(buf, sizeof(buf), "%s[%lld]", comm ? (const char *)comm : "?",
			 (long long)sqlite3_column_int64(st, pid_col));
	else
		snprintf(buf, sizeof(buf), "%s", comm);
	return strdup(buf);
}

static void timeline_free(struct timeline *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->c[i].proc);
		free(t->c[i].peer);
		free(t->c[i].tip);
	}
	free(t->c);
	for (size_t i = 0; i < t->nrows; i++) {
		free(t->rows[i].proc);
		free(t->rows[i].peer);
		free(t->rows[i].bins);
	}
	free(t->rows);
}

static int conn_load(sqlite3 *db, const struct filters *f, struct timeline *t, struct an_err *e)
{
	char where[512], sql[1024];
	sqlite3_stmt *st;
	int rc, err;

	filter_sql(f, where, sizeof(where));
	snprintf(sql, sizeof(sql),
		 "SELECT conn_id, start_ns, end_ns, orig_h, orig_p, resp_h, resp_p, conn_state,"
		 " history, orig_pid, orig_comm, resp_pid, resp_comm, orig_pkts, resp_pkts,"
		 " orig_bytes, resp_bytes FROM v_connections%s", where);
	err = db_prepare(db, &st, sql, e);
	if (err)
		return err;
	bind_filters(st, f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct conn c = { 0 };
		char *op = proc_name(st, 10, 9), *rp = proc_name(st, 12, 11);
		const char *oh = (const char *)sqlite3_column_text(st, 3);
		const char *rh = (const char *)sqlite3_column_text(st, 5);
		int oport = sqlite3_column_int(st, 4), rport = sqlite3_column_int(st, 6);
		char peer[200], tip[700], ts[40];

		if (t->n == t->cap) {
			size_t ncap = t->cap ? t->cap * 2 : 1024;
			struct conn *nc = realloc(t->c, ncap * sizeof(*nc));

			if (!nc) {
				free(op);
				free(rp);
				sqlite3_finalize(st);
				an_err_set(e, "out of memory");
				return -ENOMEM;
			}
			t->c = nc;
			t->cap = ncap;
		}
		c.id = sqlite3_column_int64(st, 0);
		c.start = sqlite3_column_int64(st, 1);
		c.end = sqlite3_column_type(st, 2) == SQLITE_NULL ? c.start : sqlite3_column_int64(st, 2);
		c.state = state_index((const char *)sqlite3_column_text(st, 7));
		/* The process of the recording's side: the client if known, else
		 * the server. Its row names the other end. */
		if (op || !rp) {
			c.proc = op ? op : strdup("unknown process");
			snprintf(peer, sizeof(peer), "\xe2\x86\x92 %s:%d", rh ? rh : "?", rport);
			free(rp);
		} else {
			c.proc = rp;
			snprintf(peer, sizeof(peer), "\xe2\x86\x90 %s on :%d", oh ? oh : "?", rport);
			free(op);
		}
		c.peer = strdup(peer);
		fmt_time(c.start, ts, sizeof(ts));
		char dur[32];

		fmt_duration(c.end - c.start, dur, sizeof(dur));
		snprintf(tip, sizeof(tip), "connection %lld: %s:%d > %s:%d, %s, %s, history %s, "
			 "packets %lld/%lld, bytes %lld/%lld, from %s UTC",
			 (long long)c.id, oh ? oh : "?", oport, rh ? rh : "?", rport,
			 html_states[c.state].state, dur,
			 sqlite3_column_text(st, 8) ? (const char *)sqlite3_column_text(st, 8) : "-",
			 (long long)sqlite3_column_int64(st, 13), (long long)sqlite3_column_int64(st, 14),
			 (long long)sqlite3_column_int64(st, 15), (long long)sqlite3_column_int64(st, 16), ts);
		c.tip = strdup(tip);
		if (!c.proc || !c.peer || !c.tip) {
			free(c.proc);
			free(c.peer);
			free(c.tip);
			sqlite3_finalize(st);
			an_err_set(e, "out of memory");
			return -ENOMEM;
		}
		if (t->n == 0 || c.start < t->t0)
			t->t0 = c.start;
		if (t->n == 0 || c.end > t->t1)
			t->t1 = c.end;
		t->c[t->n++] = c;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		an_err_set(e, "reading connections: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

static int cmp_row_key(const void *a, const void *b)
{
	const struct conn *x = *(const struct conn *const *)a, *y = *(const struct conn *const *)b;
	int r = strcmp(x->proc, y->proc);

	if (!r)
		r = strcmp(x->peer, y->peer);
	if (!r)
		r = x->start < y->start ? -1 : x->start > y->start;
	return r;
}

static int cmp_row_order(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int r = strcmp(x->proc, y->proc);

	if (!r)
		r = x->first < y->first ? -1 : x->first > y->first;
	return r;
}

/* Assigns rows: one per (process, peer); in the aggregated timeline the
 * rows with the fewest connections beyond HTML_MAX_ROWS are merged into one
 * "other peers" row per process. */
static int rows_build(struct timeline *t, struct an_err *e)
{
	struct conn **v = malloc((t->n ? t->n : 1) * sizeof(*v));
	size_t nr = 0;

	if (!v)
		goto oom;
	for (size_t i = 0; i < t->n; i++)
		v[i] = &t->c[i];
	qsort(v, t->n, sizeof(*v), cmp_row_key);
	t->rows = calloc(t->n ? t->n : 1, sizeof(*t->rows));
	if (!t->rows)
		goto oom;
	for (size_t i = 0; i < t->n; i++) {
		if (!nr || strcmp(v[i]->proc, t->rows[nr - 1].proc) ||
		    strcmp(v[i]->peer, t->rows[nr - 1].peer)) {
			t->rows[nr].proc = strdup(v[i]->proc);
			t->rows[nr].peer = strdup(v[i]->peer);
			if (!t->rows[nr].proc || !t->rows[nr].peer) {
				t->nrows = nr + 1;
				goto oom;
			}
			t->rows[nr].first = v[i]->start;
			nr++;
		}
		t->rows[nr - 1].n++;
		if (v[i]->start < t->rows[nr - 1].first)
			t->rows[nr - 1].first = v[i]->start;
		v[i]->row = (int)(nr - 1);
	}
	t->nrows = nr;
	if (t->aggregated && nr > HTML_MAX_ROWS) {
		/* keep the HTML_MAX_ROWS busiest rows; merge the rest per process */
		size_t *cnt = malloc(nr * sizeof(*cnt));
		size_t threshold, kept = 0;

		if (!cnt)
			goto oom;
		for (size_t i = 0; i < nr; i++)
			cnt[i] = t->rows[i].n;
		/* threshold: the HTML_MAX_ROWS-th largest count (selection by sort) */
		for (size_t i = 0; i < nr; i++)
			for (size_t j = i + 1; j < nr && i < HTML_MAX_ROWS; j++)
				if (cnt[j] > cnt[i]) {
					size_t x = cnt[i];

					cnt[i] = cnt[j];
					cnt[j] = x;
				}
		threshold = cnt[HTML_MAX_ROWS - 1];
		free(cnt);
		int *map = malloc(nr * sizeof(*map));
		struct row *nrows = calloc(nr, sizeof(*nrows));
		size_t n2 = 0;

		if (!map || !nrows) {
			free(map);
			free(nrows);
			goto oom;
		}
		for (size_t i = 0; i < nr; i++) {
			struct row *r = &t->rows[i];

			if (r->n > threshold || (r->n == threshold && kept < HTML_MAX_ROWS / 2)) {
				if (r->n == threshold)
					kept++;
				nrows[n2] = *r;
				map[i] = (int)n2++;
				r->proc = r->peer = NULL;
				continue;
			}
			/* the process's "other peers" row */
			size_t k;

			for (k = 0; k < n2; k++)
				if (nrows[k].peer && !strncmp(nrows[k].peer, "other peers", 11) &&
				    !strcmp(nrows[k].proc, r->proc))
					break;
			if (k == n2) {
				nrows[n2].proc = r->proc;
				nrows[n2].peer = strdup("other peers");
				nrows[n2].first = r->first;
				r->proc = NULL;
				n2++;
			}
			nrows[k].n += r->n;
			if (r->first < nrows[k].first)
				nrows[k].first = r->first;
			map[i] = (int)k;
			free(r->proc);
			free(r->peer);
			r->proc = r->peer = NULL;
		}
		for (size_t i = 0; i < t->n; i++)
			t->c[i].row = map[t->c[i].row];
		free(map);
		free(t->rows);
		t->rows = nrows;
		t->nrows = n2;
	}
	/* display order: by process, then first connection; renumber */
	int *order = malloc((t->nrows ? t->nrows : 1) * sizeof(*order));

	if (!order)
		goto oom;
	for (size_t i = 0; i < t->nrows; i++)
		t->rows[i].bins = (uint32_t *)(uintptr_t)i; /* remember the old index */
	qsort(t->rows, t->nrows, sizeof(*t->rows), cmp_row_order);
	for (size_t i = 0; i < t->nrows; i++) {
		order[(uintptr_t)t->rows[i].bins] = (int)i;
		t->rows[i].bins = NULL;
	}
	for (size_t i = 0; i < t->n; i++)
		t->c[i].row = order[t->c[i].row];
	free(order);
	free(v);
	return 0;
oom:
	free(v);
	an_err_set(e, "out of memory");
	return -ENOMEM;
}

static void put_legend(FILE *o)
{
	fputs("<div class=\"legend\">", o);
	for (size_t i = 0; i < HTML_NSTATES; i++)
		if (html_states[i].meaning)
			fprintf(o, "<span><i class=\"st-%s\"></i>%s</span>", html_states[i].cls,
				html_states[i].meaning);
	fputs("<span><i class=\"ev-mark\"></i>kernel event (hover for details)</span></div>\n", o);
}

static void put_axis(FILE *o, const struct timeline *t, int y, int height)
{
	for (int k = 0; k <= 5; k++) {
		int64_t ns = t->t0 + (t->t1 - t->t0) * k / 5;
		double x = tl_x(t, ns);
		char ts[40];

		fmt_time(ns, ts, sizeof(ts));
		fprintf(o, "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>",
			x, y, x, y + height);
		fprintf(o, "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%.15s</text>\n",
			x, y - 4, k == 0 ? "start" : k == 5 ? "end" : "middle", ts + 11);
	}
}

static int events_put(sqlite3 *db, FILE *o, const struct timeline *t, int top,
		      int64_t *shown, int64_t *total, struct an_err *e)
{
	/* conn_id -> row through a sorted id list */
	int64_t *ids = malloc((t->n ? t->n : 1) * 2 * sizeof(*ids));
	sqlite3_stmt *st;
	int rc, err;

	if (!ids) {
		an_err_set(e, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->n; i++) {
		ids[2 * i] = t->c[i].id;
		ids[2 * i + 1] = t->c[i].row;
	}
	/* ids are in start order, not id order: sort pairs by id */
	for (size_t gap = t->n / 2; gap > 0; gap /= 2)
		for (size_t i = gap; i < t->n; i++)
			for (size_t j = i; j >= gap && ids[2 * (j - gap)] > ids[2 * j]; j -= gap) {
				int64_t a = ids[2 * j], b = ids[2 * j + 1];

				ids[2 * j] = ids[2 * (j - gap)];
				ids[2 * j + 1] = ids[2 * (j - gap) + 1];
				ids[2 * (j - gap)] = a;
				ids[2 * (j - gap) + 1] = b;
			}
	err = db_prepare(db, &st, "SELECT ts_ns, event, oldstate, newstate, errno, conn_id, "
			 "message, comm, pid FROM v_events WHERE conn_id IS NOT NULL", e);
	if (err) {
		free(ids);
		return err;
	}
	*shown = *total = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t cid = sqlite3_column_int64(st, 5), ts = sqlite3_column_int64(st, 0);
		const char *ev = (const char *)sqlite3_column_text(st, 1);
		size_t lo = 0, hi = t->n;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (ids[2 * mid] < cid)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo == t->n || ids[2 * lo] != cid)
			continue;
		(*total)++;
		bool state = ev && !strcmp(ev, "state");

		if ((t->aggregated && state) || *shown >= HTML_MAX_EVENTS)
			continue;
		(*shown)++;
		int row = (int)ids[2 * lo + 1];
		double x = tl_x(t, ts), y = top + row * TL_ROW + TL_ROW / 2.0;

		fputs("<path class=\"ev", o);
		if (ev) {
			fputs(" ev-", o);
			/* event names are ours, but still only letters and _ */
			for (const char *p = ev; *p; p++)
				fputc((*p >= 'a' && *p <= 'z') || *p == '_' ? *p : '_', o);
		}
		fprintf(o, "\" d=\"M%.1f %.1fl3 4h-6z\"><title>", x, y - 4.0);
		html_put_text(o, (const char *)sqlite3_column_text(st, 6));
		char tsb[40];

		fmt_time(ts, tsb, sizeof(tsb));
		fprintf(o, " (%s UTC, ", tsb);
		html_put_text(o, (const char *)sqlite3_column_text(st, 7));
		fputs(")</title></path>\n", o);
	}
	sqlite3_finalize(st);
	free(ids);
	if (rc != SQLITE_DONE) {
		an_err_set(e, "reading events: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

static int timeline_put(sqlite3 *db, FILE *o, struct timeline *t, struct an_err *e)
{
	int top = 24, height = (int)t->nrows * TL_ROW, err;
	int64_t shown = 0, total = 0;

	fprintf(o, "<h2>Connections by process</h2>\n<p>%zu connections", t->n);
	if (t->aggregated)
		fprintf(o, ", too many for a bar each: each row shows its connections in %d time bins "
			"(colour: the most frequent outcome; darker: more connections)", HTML_BINS);
	fprintf(o, ". Hover for details.</p>\n");
	put_legend(o);
	if (!t->n) {
		fputs("<p>No TCP connections.</p>\n", o);
		return 0;
	}
	fprintf(o, "<svg class=\"timeline\" data-connections=\"%zu\" data-rows=\"%zu\" "
		"width=\"%d\" height=\"%d\" role=\"img\">\n", t->n, t->nrows,
		TL_LABEL + TL_WIDTH + 20, top + height + 10);
	put_axis(o, t, top, height);
	const char *prev = NULL;

	for (size_t i = 0; i < t->nrows; i++) {
		struct row *r = &t->rows[i];
		int y = top + (int)i * TL_ROW;

		if (i % 2)
			fprintf(o, "<rect class=\"band\" x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\"/>",
				y, TL_LABEL + TL_WIDTH, TL_ROW);
		fprintf(o, "<text class=\"row\" x=\"4\" y=\"%d\"><tspan class=\"proc\">", y + TL_ROW - 3);
		if (!prev || strcmp(prev, r->proc))
			html_put_text(o, r->proc);
		fputs("</tspan> ", o);
		html_put_text(o, r->peer);
		fprintf(o, "</text>\n");
		prev = r->proc;
	}
	if (!t->aggregated) {
		for (size_t i = 0; i < t->n; i++) {
			struct conn *c = &t->c[i];
			double x0 = tl_x(t, c->start), x1 = tl_x(t, c->end);

			fprintf(o, "<rect class=\"conn st-%s\" data-conn=\"%lld\" x=\"%.1f\" y=\"%d\" "
				"width=\"%.1f\" height=\"%d\"><title>", html_states[c->state].cls,
				(long long)c->id, x0, top + c->row * TL_ROW + 2,
				x1 - x0 < 3 ? 3 : x1 - x0, TL_ROW - 4);
			html_put_text(o, c->tip);
			fputs("</title></rect>\n", o);
		}
	} else {
		double span = (double)(t->t1 - t->t0);
		uint32_t maxn = 1;

		for (size_t i = 0; i < t->nrows; i++) {
			t->rows[i].bins = calloc((size_t)HTML_BINS * HTML_NSTATES, sizeof(uint32_t));
			if (!t->rows[i].bins) {
				an_err_set(e, "out of memory");
				return -ENOMEM;
			}
		}
		for (size_t i = 0; i < t->n; i++) {
			struct conn *c = &t->c[i];
			int b = span > 0 ? (int)((double)(c->start - t->t0) / span * HTML_BINS) : 0;

			if (b >= HTML_BINS)
				b = HTML_BINS - 1;
			t->rows[c->row].bins[b * HTML_NSTATES + c->state]++;
		}
		for (size_t i = 0; i < t->nrows; i++)
			for (int b = 0; b < HTML_BINS; b++) {
				uint32_t n = 0;

				for (size_t s = 0; s < HTML_NSTATES; s++)
					n += t->rows[i].bins[b * HTML_NSTATES + s];
				if (n > maxn)
					maxn = n;
			}
		for (size_t i = 0; i < t->nrows; i++)
			for (int b = 0; b < HTML_BINS; b++) {
				uint32_t *cnt = &t->rows[i].bins[b * HTML_NSTATES], n = 0, best = 0;
				size_t bs = 0;

				for (size_t s = 0; s < HTML_NSTATES; s++) {
					n += cnt[s];
					if (cnt[s] > best) {
						best = cnt[s];
						bs = s;
					}
				}
				if (!n)
					continue;
				double w = (double)TL_WIDTH / HTML_BINS;

				fprintf(o, "<rect class=\"bin st-%s\" data-n=\"%u\" x=\"%.1f\" y=\"%d\" "
					"width=\"%.2f\" height=\"%d\" fill-opacity=\"%.2f\"><title>%u "
					"connections:", html_states[bs].cls, n, TL_LABEL + b * w,
					top + (int)i * TL_ROW + 2, w, TL_ROW - 4,
					0.35 + 0.65 * log1p(n) / log1p(maxn), n);
				for (size_t s = 0; s < HTML_NSTATES; s++)
					if (cnt[s])
						fprintf(o, " %s %u", html_states[s].state, cnt[s]);
				fputs("</title></rect>\n", o);
			}
	}
	err = events_put(db, o, t, top, &shown, &total, e);
	if (err)
		return err;
	fputs("</svg>\n", o);
	fprintf(o, "<p class=\"note\">Kernel events on these connections: %lld, %lld marked%s.</p>\n",
		(long long)total, (long long)shown,
		t->aggregated ? " (state changes are not marked on an aggregated timeline)" : "");
	return 0;
}

/* ---- RTT histograms ---- */

static int rtt_put(sqlite3 *db, FILE *o, struct an_err *e)
{
	sqlite3_stmt *st, *sv;
	int rc, err, nserv = 0;
	/* bins: 4 per decade from 1 us to 100 s */
	enum { LO_EXP = 3, HI_EXP = 11, PER = 4, NB = (HI_EXP - LO_EXP) * PER + 2 };

	fputs("<h2>Handshake RTTs per server</h2>\n<p>Wireshark's initial RTT "
	      "(<code>tcp.analysis.initial_rtt</code>) of each established handshake, on a "
	      "log scale; servers with the most handshakes first.</p>\n<div class=\"hists\">\n", o);
	err = db_prepare(db, &sv, "SELECT server, server_port, count(*) AS n FROM v_handshakes "
			 "WHERE irtt_ns IS NOT NULL GROUP BY server, server_port "
			 "ORDER BY n DESC, server, server_port LIMIT ?1", e);
	if (err)
		return err;
	sqlite3_bind_int(sv, 1, HTML_MAX_SERVERS);
	err = db_prepare(db, &st, "SELECT irtt_ns FROM v_handshakes WHERE irtt_ns IS NOT NULL "
			 "AND server = ?1 AND server_port = ?2", e);
	if (err) {
		sqlite3_finalize(sv);
		return err;
	}
	while ((rc = sqlite3_step(sv)) == SQLITE_ROW) {
		uint32_t bins[NB] = { 0 }, maxb = 1;
		int64_t n = 0;

		nserv++;
		sqlite3_reset(st);
		sqlite3_bind_value(st, 1, sqlite3_column_value(sv, 0));
		sqlite3_bind_value(st, 2, sqlite3_column_value(sv, 1));
		while (sqlite3_step(st) == SQLITE_ROW) {
			double ns = (double)sqlite3_column_int64(st, 0);
			int b = ns <= 0 ? 0 : (int)floor((log10(ns) - LO_EXP) * PER) + 1;

			if (b < 0)
				b = 0;
			if (b >= NB)
				b = NB - 1;
			bins[b]++;
			n++;
		}
		for (int b = 0; b < NB; b++)
			if (bins[b] > maxb)
				maxb = bins[b];
		fputs("<figure class=\"hist\"><figcaption>", o);
		html_put_text(o, (const char *)sqlite3_column_text(sv, 0));
		fprintf(o, " port %d: %lld handshakes</figcaption>\n", sqlite3_column_int(sv, 1),
			(long long)n);
		fprintf(o, "<svg width=\"%d\" height=\"110\" data-handshakes=\"%lld\">\n", NB * 12 + 10,
			(long long)n);
		for (int b = 0; b < NB; b++) {
			char lo[32], hi[32];
			double h = bins[b] ? 8 + 72.0 * bins[b] / maxb : 0;

			fmt_duration(b == 0 ? 0 : (int64_t)pow(10, LO_EXP + (b - 1) / (double)PER), lo, sizeof(lo));
			fmt_duration((int64_t)pow(10, LO_EXP + b / (double)PER), hi, sizeof(hi));
			if (bins[b])
				fprintf(o, "<rect class=\"rttbin\" data-n=\"%u\" x=\"%d\" y=\"%.1f\" width=\"10\" "
					"height=\"%.1f\"><title>%s%s to %s: %u</title></rect>\n", bins[b],
					5 + b * 12, 82 - h, h, b == NB - 1 ? "over " : "",
					b == NB - 1 ? lo : lo, b == NB - 1 ? "" : hi, bins[b]);
		}
		fprintf(o, "<line class=\"axis\" x1=\"5\" y1=\"82\" x2=\"%d\" y2=\"82\"/>", 5 + NB * 12);
		for (int d = LO_EXP; d <= HI_EXP; d += 2) {
			char lab[32];

			fmt_duration((int64_t)pow(10, d), lab, sizeof(lab));
			fprintf(o, "<text class=\"tick\" x=\"%d\" y=\"98\" text-anchor=\"middle\">%s</text>",
				5 + ((d - LO_EXP) * PER + 1) * 12, lab);
		}
		fputs("</svg></figure>\n", o);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(sv);
	if (rc != SQLITE_DONE) {
		an_err_set(e, "reading handshakes: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	if (!nserv)
		fputs("<p>No established handshake with an RTT.</p>\n", o);
	fputs("</div>\n", o);
	return 0;
}

/* ---- time-sequence graph ---- */

struct tsg_pt {
	int64_t ts;
	int64_t seq, len, ack, win;
	int flags, sack, from_orig, retrans;
};

static int tsg_put(sqlite3 *db, FILE *o, int64_t conn_id, struct an_err *e)
{
	sqlite3_stmt *st;
	int rc, err, wsc_o = 0, wsc_r = 0;
	struct tsg_pt *p = NULL;
	size_t n = 0, cap = 0;
	int64_t bytes[2] = { 0, 0 };

	fprintf(o, "<h2>Time-sequence graph of connection %lld</h2>\n", (long long)conn_id);
	/* window scale: negotiated shift counts of the handshake (NULL: none) */
	err = db_prepare(db, &st, "SELECT wscale_client, wscale_server FROM v_handshakes "
			 "WHERE conn_id = ?1 AND role_inferred = 0", e);
	if (err)
		return err;
	sqlite3_bind_int64(st, 1, conn_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		wsc_o = sqlite3_column_int(st, 0);
		wsc_r = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	err = db_prepare(db, &st,
			 "SELECT v.ts_ns, v.seq_rel, v.payload_len, v.ack_rel, v.win, v.flags_str,"
			 " v.sack_blocks, v.from_orig,"
			 " EXISTS (SELECT 1 FROM v_retransmissions r WHERE r.packet_id = v.id)"
			 " FROM v_packets v"
			 " WHERE v.conn_id = ?1 AND v.proto = 6 AND (v.anomalies & 256) = 0"
			 " ORDER BY v.ord", e);
	if (err)
		return err;
	sqlite3_bind_int64(st, 1, conn_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct tsg_pt *np = realloc(p, ncap * sizeof(*np));

			if (!np) {
				free(p);
				sqlite3_finalize(st);
				an_err_set(e, "out of memory");
				return -ENOMEM;
			}
			p = np;
			cap = ncap;
		}
		struct tsg_pt *q = &p[n++];
		const char *fl = (const char *)sqlite3_column_text(st, 5);

		q->ts = sqlite3_column_int64(st, 0);
		q->seq = sqlite3_column_int64(st, 1);
		q->len = sqlite3_column_int64(st, 2);
		q->ack = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 3);
		q->win = sqlite3_column_int64(st, 4);
		q->flags = (fl && strchr(fl, 'S') ? 1 : 0) | (fl && strchr(fl, 'F') ? 2 : 0) |
			   (fl && strchr(fl, 'A') ? 4 : 0) | (fl && strchr(fl, 'R') ? 8 : 0);
		q->sack = sqlite3_column_int(st, 6);
		q->from_orig = sqlite3_column_int(st, 7);
		q->retrans = sqlite3_column_int(st, 8);
		bytes[q->from_orig ? 0 : 1] += q->len;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(p);
		an_err_set(e, "reading packets: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	if (!n) {
		fprintf(o, "<p>No TCP packets of connection %lld.</p>\n", (long long)conn_id);
		return 0;
	}
	/* the direction that carried more data, as tcptrace plots a -> b */
	int dir = bytes[0] >= bytes[1] ? 1 : 0; /* from_orig value of the data */
	int64_t t0 = p[0].ts, t1 = p[n - 1].ts, smin = INT64_MAX, smax = INT64_MIN;
	size_t nseg = 0, nret = 0, nsack = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i].from_orig == dir) {
			if (p[i].seq < smin)
				smin = p[i].seq;
			if (p[i].seq + p[i].len > smax)
				smax = p[i].seq + p[i].len;
		} else if (p[i].ack >= 0) {
			int sh = dir ? wsc_r : wsc_o; /* window of the receiver */
			int64_t w = p[i].ack + (p[i].win << sh);

			if (p[i].ack < smin)
				smin = p[i].ack;
			if (w > smax)
				smax = w;
		}
	}
	if (smin > smax) {
		smin = 0;
		smax = 1;
	}
	/* A window far above the data would flatten it: keep the data (and the
	 * ACKs) in view and clip the window line, as tcptrace's zoom does. */
	int64_t dmax = smin;

	for (size_t i = 0; i < n; i++) {
		if (p[i].from_orig == dir && p[i].seq + p[i].len > dmax)
			dmax = p[i].seq + p[i].len;
		else if (p[i].from_orig != dir && p[i].ack > dmax)
			dmax = p[i].ack;
	}
	if (dmax > smin && smax - dmax > (dmax - smin) / 2)
		smax = dmax + (dmax - smin) / 2;
	if (smax == smin)
		smax = smin + 1;
	const int W = 1100, H = 520, L = 90, B = 40, T = 20;
	double xs = t1 > t0 ? (double)(W - L - 20) / (double)(t1 - t0) : 0;
	double ys = (double)(H - B - T) / (double)(smax - smin);
#define TX(ts) (L + ((ts) - t0) * xs)
#define TY(s) (H - B - ((s) - smin) * ys)

	fprintf(o, "<p>Sequence numbers (relative) of the %s's data against time, with the "
		"ACK line and the advertised receive window of the other side (scaled by its "
		"window-scale shift), as tcptrace draws them. Retransmissions in red; ACKs "
		"carrying SACK blocks marked in purple.</p>\n",
		dir ? "originator" : "responder");
	fprintf(o, "<svg class=\"tsg\" data-conn=\"%lld\" width=\"%d\" height=\"%d\">\n"
		"<clipPath id=\"tsgplot\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>"
		"</clipPath>\n", (long long)conn_id, W, H, L, T - 2, W - L, H - B - T + 4);
	fprintf(o, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", L, H - B, W - 10, H - B);
	fprintf(o, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", L, T, L, H - B);
	for (int k = 0; k <= 4; k++) {
		char d[32];

		fmt_duration((t1 - t0) * k / 4, d, sizeof(d));
		fprintf(o, "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">+%s</text>",
			L + (W - L - 20) * k / 4.0, H - B + 16, d);
		fprintf(o, "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%lld</text>\n",
			L - 4, TY(smin + (smax - smin) * k / 4) + 4,
			(long long)(smin + (smax - smin) * k / 4));
	}
	/* ACK and window lines: steps from the other direction's packets */
	for (int pass = 0; pass < 2; pass++) {
		bool started = false;
		double lx = 0, ly = 0;
		int sh = dir ? wsc_r : wsc_o;

		fprintf(o, "<path class=\"%s\" clip-path=\"url(#tsgplot)\" d=\"", pass ? "win" : "ack");
		for (size_t i = 0; i < n; i++) {
			if (p[i].from_orig == dir || p[i].ack < 0 || !(p[i].flags & 4))
				continue;
			double x = TX(p[i].ts), y = TY(pass ? p[i].ack + (p[i].win << sh) : p[i].ack);

			if (!started)
				fprintf(o, "M%.1f %.1f", x, y);
			else
				fprintf(o, "H%.1fV%.1f", x, y);
			started = true;
			lx = x;
			ly = y;
		}
		if (started)
			fprintf(o, "H%.1f", lx > W - 10 ? lx : (double)(W - 10));
		(void)ly;
		fputs("\"/>\n", o);
	}
	for (size_t i = 0; i < n; i++) {
		struct tsg_pt *q = &p[i];

		if (q->from_orig != dir) {
			if (q->sack > 0 && q->ack >= 0) {
				nsack++;
				fprintf(o, "<circle class=\"sack\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\"><title>ACK %lld "
					"with %d SACK block%s</title></circle>\n", TX(q->ts), TY(q->ack),
					(long long)q->ack, q->sack, q->sack > 1 ? "s" : "");
			}
			continue;
		}
		if (q->len == 0 && !(q->flags & 3))
			continue; /* pure ACKs of the data direction are not segments */
		if (nseg >= HTML_MAX_SEGS)
			continue;
		nseg++;
		if (q->retrans)
			nret++;
		double x = TX(q->ts), y0 = TY(q->seq), y1 = TY(q->seq + (q->len ? q->len : 1));

		fprintf(o, "<line class=\"seg%s%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\">"
			"<title>seq %lld len %lld%s</title></line>\n",
			q->retrans ? " retrans" : "", q->len ? "" : " ctl", x, y0, x, y1 - 1,
			(long long)q->seq, (long long)q->len, q->retrans ? " (retransmission)" : "");
	}
	fputs("</svg>\n", o);
	fprintf(o, "<p class=\"note\" data-segments=\"%zu\">%zu segments (data, SYN and FIN) of the "
		"%s, %zu retransmitted; %zu ACKs with SACK blocks%s.</p>\n", nseg, nseg,
		dir ? "originator" : "responder", nret, nsack,
		nseg >= HTML_MAX_SEGS ? "; only the first segments are drawn" : "");
#undef TX
#undef TY
	free(p);
	return 0;
}

static const char html_style[] =
"body{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#222}"
"h1{font-size:20px}h2{font-size:16px;margin-top:28px}"
"svg text{font:11px monospace;fill:#333}.tick{fill:#666}"
".grid{stroke:#ddd}.axis{stroke:#555}.band{fill:#f4f4f4}"
".proc{font-weight:bold}"
".legend span{margin-right:14px;white-space:nowrap}"
".legend i{display:inline-block;width:12px;height:10px;margin-right:4px;vertical-align:middle}"
".st-sf{fill:#2e7d32;background:#2e7d32}.st-s1{fill:#1565c0;background:#1565c0}"
".st-s23{fill:#7b1fa2;background:#7b1fa2}.st-rst{fill:#ef6c00;background:#ef6c00}"
".st-rej{fill:#c62828;background:#c62828}.st-s0{fill:#9e9e9e;background:#9e9e9e}"
".st-sh{fill:#8d6e63;background:#8d6e63}.st-oth{fill:#607d8b;background:#607d8b}"
".ev{fill:#212121}.ev-retransmit,.ev-retransmit_synack{fill:#d50000}"
".ev-reset_sent,.ev-reset_recv,.ev-sk_error{fill:#ff6d00}"
".ev-zero_window_adv,.ev-zero_window_recv{fill:#6200ea}"
".ev-mark{background:#212121;clip-path:polygon(50% 100%,0 0,100% 0)}"
".hists{display:flex;flex-wrap:wrap;gap:12px}.hist{margin:0}"
".hist figcaption{font-size:12px}.rttbin{fill:#1565c0}"
".tsg .seg{stroke:#1a237e;stroke-width:2}.tsg .seg.ctl{stroke:#00838f}"
".tsg .seg.retrans{stroke:#d50000;stroke-width:3}"
".tsg .ack{fill:none;stroke:#2e7d32}.tsg .win{fill:none;stroke:#f9a825}"
".tsg .sack{fill:#aa00ff}.note{color:#555;font-size:12px}";

int html_report(sqlite3 *db, FILE *o, const struct filters *f, bool has_conn,
		int64_t conn_id, struct an_err *e)
{
	struct timeline t = { 0 };
	sqlite3_stmt *st;
	int err;

	err = conn_load(db, f, &t, e);
	if (err)
		goto out;
	t.aggregated = t.n > HTML_MAX_BARS;
	err = rows_build(&t, e);
	if (err)
		goto out;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n<title>netanalyze report</title>\n<style>", o);
	fputs(html_style, o);
	fputs("</style></head><body>\n<h1>netanalyze report</h1>\n<p>", o);
	err = db_prepare(db, &st, "SELECT key, value FROM v_summary WHERE key IN "
			 "('files','packets','events','connections','handshakes','first_ns','last_ns')", e);
	if (err)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);

		if (!k)
			continue;
		if (!strcmp(k, "first_ns") || !strcmp(k, "last_ns")) {
			char ts[40];

			if (sqlite3_column_type(st, 1) == SQLITE_NULL)
				continue;
			fmt_time(sqlite3_column_int64(st, 1), ts, sizeof(ts));
			fprintf(o, "%s %s UTC; ", k[0] == 'f' ? "from" : "to", ts);
		} else {
			html_put_text(o, k);
			fputs(": ", o);
			html_put_text(o, (const char *)sqlite3_column_text(st, 1));
			fputs("; ", o);
		}
	}
	sqlite3_finalize(st);
	fputs("files:", o);
	err = db_prepare(db, &st, "SELECT path FROM files ORDER BY file_id", e);
	if (err)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		fputc(' ', o);
		html_put_text(o, (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	fputs("</p>\n", o);
	err = timeline_put(db, o, &t, e);
	if (!err)
		err = rtt_put(db, o, e);
	if (!err && has_conn)
		err = tsg_put(db, o, conn_id, e);
	fputs("</body></html>\n", o);
	if (!err && (fflush(o) || ferror(o))) {
		an_err_set(e, "writing the HTML report: %s", strerror(errno));
		err = -EIO;
	}
out:
	timeline_free(&t);
	return err;
}

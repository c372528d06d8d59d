/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Both ends of a connection: when the database holds recordings of more
 * than one vantage point (files of different hosts, files.host, captures
 * that name none counting as one more), the analysis follows each vantage
 * point's connections apart (conn.c keys its flows by vantage point, with
 * the map made here), and this step, run after it, puts the rows that are
 * one connection together: the same Community ID and the same initial
 * sequence number. Each connection becomes one row of `joined`: the client
 * side's handshake and the server side's, the client's and the server's
 * process, the handshake as each side saw it, and the one-way delays.
 *
 * Which row is which side: the direction of its first SYN (or SYN-ACK)
 * when the capture records directions (netrec, tcpdump -i any): a SYN
 * leaving the host is the client's side. Otherwise the timing tells: the
 * client side sees a long SYN -> SYN-ACK and a short SYN-ACK -> ACK, the
 * server side the reverse. A further row of a side already taken is a
 * duplicate copy of the same packets (a second capture of the same link)
 * and is counted, not joined again.
 *
 * Clocks of two hosts are not assumed to agree. Each joined handshake is
 * an NTP-style exchange, T1 SYN out (client side), T2 SYN in (server side),
 * T3 SYN-ACK out, T4 SYN-ACK in: offset (T2 - T1 + T3 - T4) / 2, round-trip
 * delay (T4 - T1) - (T3 - T2). Per pair of hosts the sample with the least
 * delay gives the offset (true within half its delay, as NTP's clock
 * filter reasons), stated in clock_offsets, and the one-way delays of every
 * joined connection are corrected by it. Retransmitted SYNs or SYN-ACKs are
 * ambiguous (Karn) and give no sample. It works per connection, never per
 * packet, and changes no row of the tables it reads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "flow.h"

int join_vantages(sqlite3 *db, int **map, size_t *n, struct an_err *e)
{
	sqlite3_stmt *st = NULL;
	char **names = NULL;
	int *m = NULL, nn = 0, rc, err = 0;
	size_t cap = 0;

	*map = NULL;
	*n = 0;
	if (db_prepare(db, &st, "SELECT file_id, host FROM files ORDER BY file_id", e))
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		const char *host = (const char *)sqlite3_column_text(st, 1);
		int v = 0;

		if (id < 0 || id > 100000000) {
			an_err_set(e, "file id %lld out of range", (long long)id);
			err = -ERANGE;
			break;
		}
		if ((size_t)id >= cap) {
			size_t nc = (size_t)id + 64;
			int *p = realloc(m, nc * sizeof(*m));

			if (!p) {
				err = -ENOMEM;
				break;
			}
			memset(p + cap, 0, (nc - cap) * sizeof(*p));
			m = p;
			cap = nc;
		}
		/* vantage 0: captures that name no host; 1..: one per host */
		if (host) {
			for (v = 0; v < nn && strcmp(names[v], host); v++)
				;
			if (v == nn) {
				char **p = realloc(names, (size_t)(nn + 1) * sizeof(*names));

				if (!p || !(p[nn] = strdup(host))) {
					if (p)
						names = p;
					err = -ENOMEM;
					break;
				}
				names = p;
				nn++;
			}
			v++;
		}
		m[id] = v;
		if ((size_t)id >= *n)
			*n = (size_t)id + 1;
	}
	if (!err && rc != SQLITE_DONE) {
		an_err_set(e, "%s", sqlite3_errmsg(db));
		err = -EIO;
	}
	if (err == -ENOMEM)
		an_err_set(e, "out of memory");
	sqlite3_finalize(st);
	for (int i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	if (err) {
		free(m);
		*n = 0;
		return err;
	}
	*map = m;
	return 0;
}

int join_name_files(sqlite3 *db, int64_t file_id, const char *host, struct an_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (db_prepare(db, &st, "UPDATE files SET host = ?1 WHERE file_id = ?2", e))
		return -EIO;
	sqlite3_bind_text(st, 1, host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, file_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		an_err_set(e, "%s", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

/* ---- one handshake row, as the join reads it ---- */

#define NONE INT64_MIN

enum side { SIDE_CLIENT = 0, SIDE_SERVER = 1 };

struct hrow {
	int64_t hs_id, conn_id;
	char host[256];          /* "" for captures that name no host */
	bool named;
	char client[48], server[48];
	int client_port, server_port;
	int64_t client_isn, server_isn;
	int role_inferred;
	int64_t syn_ns, synack_ns, ack_ns;
	int syn_count, synack_count;
	int rtt_ambiguous;
	int64_t rtt_server_ns, rtt_client_ns;
	char outcome[16];
	int64_t client_pid, server_pid;
	char client_comm[64], server_comm[64];
	char conn_state[8];
	/* decided here */
	int cluster;
	enum side side;
	bool side_known;         /* from packet direction, not timing */
};

static int64_t col_i(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NONE : sqlite3_column_int64(st, i);
}

static void col_s(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	snprintf(out, len, "%s", s ? s : "");
}

#define SCAN_SQL \
	"SELECT h.hs_id, h.conn_id, h.community_id, f.host, h.client, h.client_port, h.server," \
	" h.server_port, h.client_isn, h.server_isn, h.role_inferred, h.syn_ns, h.syn_count," \
	" h.synack_ns, h.synack_count, h.ack_ns, h.outcome, h.rtt_server_ns, h.rtt_client_ns," \
	" h.rtt_ambiguous, h.client_pid, h.client_comm, h.server_pid, h.server_comm, c.conn_state" \
	" FROM handshakes h JOIN files f ON f.file_id = h.file_id" \
	" LEFT JOIN connections c ON c.conn_id = h.conn_id" \
	" WHERE h.community_id IS NOT NULL ORDER BY h.community_id, h.hs_id"

static void row_read(sqlite3_stmt *st, struct hrow *r)
{
	int i = 0;

	memset(r, 0, sizeof(*r));
	r->hs_id = sqlite3_column_int64(st, i++);
	r->conn_id = sqlite3_column_int64(st, i++);
	i++; /* community_id: the group's */
	r->named = sqlite3_column_type(st, i) != SQLITE_NULL;
	col_s(st, i++, r->host, sizeof(r->host));
	col_s(st, i++, r->client, sizeof(r->client));
	r->client_port = sqlite3_column_int(st, i++);
	col_s(st, i++, r->server, sizeof(r->server));
	r->server_port = sqlite3_column_int(st, i++);
	r->client_isn = col_i(st, i++);
	r->server_isn = col_i(st, i++);
	r->role_inferred = sqlite3_column_int(st, i++);
	r->syn_ns = col_i(st, i++);
	r->syn_count = sqlite3_column_int(st, i++);
	r->synack_ns = col_i(st, i++);
	r->synack_count = sqlite3_column_int(st, i++);
	r->ack_ns = col_i(st, i++);
	col_s(st, i++, r->outcome, sizeof(r->outcome));
	r->rtt_server_ns = col_i(st, i++);
	r->rtt_client_ns = col_i(st, i++);
	r->rtt_ambiguous = sqlite3_column_int(st, i++);
	r->client_pid = col_i(st, i++);
	col_s(st, i++, r->client_comm, sizeof(r->client_comm));
	r->server_pid = col_i(st, i++);
	col_s(st, i++, r->server_comm, sizeof(r->server_comm));
	col_s(st, i++, r->conn_state, sizeof(r->conn_state));
}

/* ---- the state of one run ---- */

/* The best NTP sample of one pair of hosts (a < b by name): offset of b's
 * clock from a's. */
struct pair {
	char a[256], b[256];
	bool a_named, b_named;
	int64_t offset_ns, delay_ns, samples;
};

static struct {
	sqlite3 *db;
	sqlite3_stmt *dir, *ins, *ins_member;
	struct pair *pairs;
	size_t npairs;
	struct hrow *g;          /* one Community ID's rows */
	size_t ng, gcap;
	int64_t next_join_id;
} J;

/* The side a row's capture saw its first SYN (or SYN-ACK) leave or enter. */
static void row_side(struct hrow *r)
{
	sqlite3_stmt *st = J.dir;
	int64_t score = 0;

	r->side_known = false;
	sqlite3_bind_int64(st, 1, r->conn_id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		const char *d = (const char *)sqlite3_column_text(st, 0);
		bool synack = sqlite3_column_int(st, 1) & 0x10;
		bool out = d && !strcmp(d, "out");

		if (d && (out || !strcmp(d, "in"))) {
			r->side_known = true;
			/* a SYN leaving, or a SYN-ACK arriving: the client's host */
			r->side = out != synack ? SIDE_CLIENT : SIDE_SERVER;
		}
	}
	sqlite3_reset(st);
	if (r->side_known)
		return;
	/* the client side waits a round trip for the SYN-ACK and answers it
	 * at once; the server side answers at once and waits for the ACK */
	if (r->syn_ns != NONE && r->synack_ns != NONE)
		score += r->synack_ns - r->syn_ns;
	if (r->synack_ns != NONE && r->ack_ns != NONE)
		score -= r->ack_ns - r->synack_ns;
	r->side = score >= 0 ? SIDE_CLIENT : SIDE_SERVER;
}

/* Union-find over the group's rows, by equal initial sequence numbers. */
static int uf_find(int *p, int i)
{
	while (p[i] != i)
		i = p[i] = p[p[i]];
	return i;
}

static const int64_t *isn_of(const struct hrow *r, int which)
{
	return which ? &r->server_isn : &r->client_isn;
}

static int isn_which;

static int cmp_isn(const void *a, const void *b)
{
	const struct hrow *x = *(struct hrow *const *)a, *y = *(struct hrow *const *)b;
	int64_t u = *isn_of(x, isn_which), v = *isn_of(y, isn_which);

	return u < v ? -1 : u > v;
}

static int cluster(void)
{
	int *p = malloc(J.ng * sizeof(*p));
	struct hrow **s = malloc(J.ng * sizeof(*s));

	if (!p || !s) {
		free(p);
		free(s);
		return -ENOMEM;
	}
	for (size_t i = 0; i < J.ng; i++) {
		p[i] = (int)i;
		s[i] = &J.g[i];
	}
	for (isn_which = 0; isn_which < 2; isn_which++) {
		qsort(s, J.ng, sizeof(*s), cmp_isn);
		for (size_t i = 1; i < J.ng; i++) {
			int64_t u = *isn_of(s[i - 1], isn_which), v = *isn_of(s[i], isn_which);

			if (u != NONE && u == v) {
				int a = uf_find(p, (int)(s[i - 1] - J.g)), b = uf_find(p, (int)(s[i] - J.g));

				if (a != b)
					p[a > b ? a : b] = a < b ? a : b;
			}
		}
	}
	for (size_t i = 0; i < J.ng; i++)
		J.g[i].cluster = uf_find(p, (int)i);
	free(p);
	free(s);
	return 0;
}

/* The two sides of one cluster: the first row of each side, rows with a
 * known direction first. Counts the rest (copies). */
static void pick_sides(int c, struct hrow **cs, struct hrow **ss, int *copies, int *vantages,
		       bool *inferred)
{
	const char *seen[64];
	int nseen = 0;

	*cs = *ss = NULL;
	*copies = *vantages = 0;
	*inferred = false;
	for (int known = 1; known >= 0; known--) {
		for (size_t i = 0; i < J.ng; i++) {
			struct hrow *r = &J.g[i];
			struct hrow **slot = r->side == SIDE_CLIENT ? cs : ss;

			if (r->cluster != c || r->side_known != (bool)known)
				continue;
			if (!*slot) {
				*slot = r;
				*inferred |= !known;
			} else {
				(*copies)++;
			}
		}
	}
	for (size_t i = 0; i < J.ng; i++) {
		int k;

		if (J.g[i].cluster != c)
			continue;
		for (k = 0; k < nseen && strcmp(seen[k], J.g[i].host); k++)
			;
		if (k == nseen && nseen < 64)
			seen[nseen++] = J.g[i].host;
	}
	*vantages = nseen;
}

/* T1..T4 of a joined handshake; false when either side retransmitted
 * its SYN or SYN-ACK (which one was answered is unknown). */
static bool ntp_sample(const struct hrow *c, const struct hrow *s, int64_t *offset,
		       int64_t *delay)
{
	if (!c || !s || c->syn_ns == NONE || s->syn_ns == NONE || c->synack_ns == NONE ||
	    s->synack_ns == NONE || c->syn_count != 1 || s->syn_count != 1 ||
	    c->synack_count != 1 || s->synack_count != 1)
		return false;
	*offset = ((s->syn_ns - c->syn_ns) + (s->synack_ns - c->synack_ns)) / 2;
	*delay = (c->synack_ns - c->syn_ns) - (s->synack_ns - s->syn_ns);
	return true;
}

/* The pair entry of two hosts; *flip when `b` is the pair's first. */
static struct pair *pair_of(const struct hrow *x, const struct hrow *y, bool create, bool *flip)
{
	const struct hrow *a = x, *b = y;

	*flip = strcmp(x->host, y->host) > 0;
	if (*flip) {
		a = y;
		b = x;
	}
	for (size_t i = 0; i < J.npairs; i++)
		if (!strcmp(J.pairs[i].a, a->host) && !strcmp(J.pairs[i].b, b->host))
			return &J.pairs[i];
	if (!create)
		return NULL;
	struct pair *p = realloc(J.pairs, (J.npairs + 1) * sizeof(*p));

	if (!p)
		return NULL;
	J.pairs = p;
	p = &J.pairs[J.npairs++];
	memset(p, 0, sizeof(*p));
	snprintf(p->a, sizeof(p->a), "%s", a->host);
	snprintf(p->b, sizeof(p->b), "%s", b->host);
	p->a_named = a->named;
	p->b_named = b->named;
	p->delay_ns = INT64_MAX;
	return p;
}

static void bind_i(sqlite3_stmt *st, int i, int64_t v)
{
	if (v == NONE)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

static void bind_s(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static int step(sqlite3_stmt *st, struct an_err *e)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		an_err_set(e, "database: %s", sqlite3_errmsg(J.db));
		return -EIO;
	}
	return 0;
}

static int64_t diff(int64_t a, int64_t b)
{
	return a == NONE || b == NONE ? NONE : a - b;
}

/* One joined row (pass 2). */
static int write_joined(const char *cid, struct hrow *cs, struct hrow *ss, int copies,
			int vantages, bool inferred, struct an_err *e)
{
	sqlite3_stmt *st = J.ins;
	const struct hrow *t = cs && (!ss || !cs->role_inferred) ? cs : ss;
	int64_t off = NONE, err_ns = NONE, hs_off = NONE, delay = NONE, o, d;
	int64_t join_id = J.next_join_id++;
	int i = 1, rc;

	if (ntp_sample(cs, ss, &o, &d)) {
		hs_off = o;
		delay = d;
	}
	if (cs && ss) {
		bool flip;
		const struct pair *p = pair_of(cs, ss, false, &flip);

		/* clock of the server side's host minus the client side's */
		if (p && p->samples) {
			off = flip ? -p->offset_ns : p->offset_ns;
			err_ns = p->delay_ns / 2;
		}
	}
	sqlite3_bind_int64(st, i++, join_id);
	sqlite3_bind_text(st, i++, cid, -1, SQLITE_TRANSIENT);
	bind_s(st, i++, t->client);
	sqlite3_bind_int(st, i++, t->client_port);
	bind_s(st, i++, t->server);
	sqlite3_bind_int(st, i++, t->server_port);
	bind_i(st, i++, cs && cs->client_isn != NONE ? cs->client_isn : ss ? ss->client_isn : NONE);
	bind_i(st, i++, ss && ss->server_isn != NONE ? ss->server_isn : cs ? cs->server_isn : NONE);
	sqlite3_bind_int(st, i++, vantages);
	sqlite3_bind_int(st, i++, copies);
	sqlite3_bind_int(st, i++, inferred);
	bind_s(st, i++, cs && cs->named ? cs->host : NULL);
	bind_s(st, i++, ss && ss->named ? ss->host : NULL);
	bind_i(st, i++, cs ? cs->hs_id : NONE);
	bind_i(st, i++, ss ? ss->hs_id : NONE);
	/* each side's own process first: a host knows its own sockets */
	const struct hrow *cp = cs && cs->client_pid != NONE ? cs : ss;
	const struct hrow *sp = ss && ss->server_pid != NONE ? ss : cs;

	bind_i(st, i++, cp ? cp->client_pid : NONE);
	bind_s(st, i++, cp ? cp->client_comm : NULL);
	bind_i(st, i++, sp ? sp->server_pid : NONE);
	bind_s(st, i++, sp ? sp->server_comm : NULL);
	bind_s(st, i++, cs ? cs->outcome : NULL);
	bind_s(st, i++, ss ? ss->outcome : NULL);
	bind_s(st, i++, cs ? cs->conn_state : NULL);
	bind_s(st, i++, ss ? ss->conn_state : NULL);
	bind_i(st, i++, cs ? cs->syn_ns : NONE);
	bind_i(st, i++, cs ? cs->synack_ns : NONE);
	bind_i(st, i++, cs ? cs->ack_ns : NONE);
	bind_i(st, i++, ss ? ss->syn_ns : NONE);
	bind_i(st, i++, ss ? ss->synack_ns : NONE);
	bind_i(st, i++, ss ? ss->ack_ns : NONE);
	bind_i(st, i++, cs ? cs->rtt_server_ns : NONE);
	bind_i(st, i++, ss ? ss->rtt_client_ns : NONE);
	bind_i(st, i++, hs_off);
	bind_i(st, i++, delay);
	bind_i(st, i++, off);
	bind_i(st, i++, err_ns);
	if (off != NONE && cs && ss) {
		/* a SYN or SYN-ACK sent twice: which copy arrived is unknown */
		bool syn1 = cs->syn_count == 1 && ss->syn_count == 1;
		bool synack1 = cs->synack_count == 1 && ss->synack_count == 1;

		bind_i(st, i++, syn1 ? diff(diff(ss->syn_ns, cs->syn_ns), off) : NONE);
		bind_i(st, i++, synack1 ? diff(cs->synack_ns, ss->synack_ns) + off : NONE);
		bind_i(st, i++, diff(diff(ss->ack_ns, cs->ack_ns), off));
	} else {
		i += 3;
	}
	rc = step(st, e);
	if (rc)
		return rc;
	/* every row of the cluster, with its part */
	for (size_t k = 0; k < J.ng; k++) {
		struct hrow *r = &J.g[k];
		const char *role;

		if (r->cluster != (cs ? cs : ss)->cluster)
			continue;
		role = r == cs ? "client_side" : r == ss ? "server_side" : "copy";
		st = J.ins_member;
		sqlite3_bind_int64(st, 1, join_id);
		sqlite3_bind_int64(st, 2, r->hs_id);
		sqlite3_bind_int64(st, 3, r->conn_id);
		bind_s(st, 4, r->named ? r->host : NULL);
		sqlite3_bind_text(st, 5, role, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 6, r->side_known);
		rc = step(st, e);
		if (rc)
			return rc;
	}
	return 0;
}

/* One Community ID's rows: clusters, sides; pass 1 keeps the best clock
 * sample per pair of hosts, pass 2 writes the rows. */
static int group_done(const char *cid, int pass, struct an_err *e)
{
	int err = 0;

	if (!J.ng)
		return 0;
	if (J.ng > 1) {
		err = cluster();
		if (err) {
			an_err_set(e, "out of memory");
			return err;
		}
		for (size_t i = 0; i < J.ng; i++)
			row_side(&J.g[i]);
	} else if (pass == 2) {
		J.g[0].cluster = 0;
		row_side(&J.g[0]);
	}
	for (size_t i = 0; i < J.ng && !err; i++) {
		struct hrow *cs, *ss;
		int copies, vantages;
		bool inferred, flip;
		int64_t o, d;

		if (pass == 1 && J.ng == 1)
			break;     /* a lone row gives no clock sample */
		if (J.g[i].cluster != (int)i)
			continue;  /* not the cluster's first row */
		pick_sides((int)i, &cs, &ss, &copies, &vantages, &inferred);
		if (pass == 2) {
			err = write_joined(cid, cs, ss, copies, vantages, inferred, e);
			continue;
		}
		if (!ntp_sample(cs, ss, &o, &d) || !strcmp(cs->host, ss->host))
			continue;
		struct pair *p = pair_of(cs, ss, true, &flip);

		if (!p) {
			an_err_set(e, "out of memory");
			return -ENOMEM;
		}
		p->samples++;
		if (d < p->delay_ns) {
			p->delay_ns = d;
			p->offset_ns = flip ? -o : o;
		}
	}
	J.ng = 0;
	return err;
}

static int scan(int pass, struct an_err *e)
{
	sqlite3_stmt *st = NULL;
	char cid[64] = "";
	int rc, err;

	if (db_prepare(J.db, &st, SCAN_SQL, e))
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 2);

		if (strcmp(c, cid)) {
			err = group_done(cid, pass, e);
			if (err)
				goto cleanup;
			snprintf(cid, sizeof(cid), "%s", c);
		}
		if (J.ng == J.gcap) {
			size_t nc = J.gcap ? J.gcap * 2 : 16;
			struct hrow *p = realloc(J.g, nc * sizeof(*p));

			if (!p) {
				an_err_set(e, "out of memory");
				err = -ENOMEM;
				goto cleanup;
			}
			J.g = p;
			J.gcap = nc;
		}
		row_read(st, &J.g[J.ng++]);
	}
	if (rc != SQLITE_DONE) {
		an_err_set(e, "%s", sqlite3_errmsg(J.db));
		err = -EIO;
		goto cleanup;
	}
	err = group_done(cid, pass, e);
cleanup:
	J.ng = 0;
	sqlite3_finalize(st);
	return err;
}

static int write_offsets(struct an_err *e)
{
	sqlite3_stmt *st = NULL;
	int err = 0;

	if (db_prepare(J.db, &st, "INSERT INTO clock_offsets(host_a, host_b, offset_ns, error_ns,"
		       " delay_ns, samples) VALUES (?,?,?,?,?,?)", e))
		return -EIO;
	for (size_t i = 0; i < J.npairs && !err; i++) {
		const struct pair *p = &J.pairs[i];

		bind_s(st, 1, p->a_named ? p->a : NULL);
		bind_s(st, 2, p->b_named ? p->b : NULL);
		sqlite3_bind_int64(st, 3, p->offset_ns);
		sqlite3_bind_int64(st, 4, p->delay_ns / 2);
		sqlite3_bind_int64(st, 5, p->delay_ns);
		sqlite3_bind_int64(st, 6, p->samples);
		err = step(st, e);
	}
	sqlite3_finalize(st);
	return err;
}

int join_run(sqlite3 *db, struct an_err *e)
{
	sqlite3_stmt *st = NULL;
	int64_t vantages = 0;
	int err;

	memset(&J, 0, sizeof(J));
	J.db = db;
	J.next_join_id = 1;
	err = db_exec(db, "DELETE FROM joined; DELETE FROM joined_members; DELETE FROM clock_offsets;",
		      e);
	if (err)
		return err;
	if (db_prepare(db, &st, "SELECT count(DISTINCT COALESCE(host, '')) FROM files", e))
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		vantages = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (vantages < 2)
		return 0;   /* one vantage point: handshakes has each connection once */

	/* the first SYN of a connection is found through its packets */
	err = db_exec(db, "CREATE INDEX IF NOT EXISTS packets_conn ON packets(conn_id);", e);
	if (!err)
		err = db_prepare(db, &J.dir, "SELECT direction, tcp_flags FROM packets"
				 " WHERE conn_id = ?1 AND tcp_flags & 2 AND NOT anomalies & 256"
				 " ORDER BY id LIMIT 1", e);
	if (!err)
		err = db_prepare(db, &J.ins,
			"INSERT INTO joined(join_id, community_id, client, client_port, server,"
			" server_port, client_isn, server_isn, vantages, duplicates, sides_inferred,"
			" client_host, server_host, client_hs_id, server_hs_id, client_pid, client_comm,"
			" server_pid, server_comm, client_outcome, server_outcome, client_conn_state,"
			" server_conn_state, c_syn_ns, c_synack_ns, c_ack_ns, s_syn_ns, s_synack_ns,"
			" s_ack_ns, c_rtt_ns, s_rtt_ns, hs_offset_ns, path_delay_ns, clock_offset_ns,"
			" clock_error_ns, owd_syn_ns, owd_synack_ns, owd_ack_ns) VALUES (?,?,?,?,?,?,"
			"?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", e);
	if (!err)
		err = db_prepare(db, &J.ins_member,
			"INSERT INTO joined_members(join_id, hs_id, conn_id, host, part, by_direction)"
			" VALUES (?,?,?,?,?,?)", e);
	if (!err)
		err = scan(1, e);
	if (!err)
		err = scan(2, e);
	if (!err)
		err = write_offsets(e);
	sqlite3_finalize(J.dir);
	sqlite3_finalize(J.ins);
	sqlite3_finalize(J.ins_member);
	free(J.pairs);
	free(J.g);
	memset(&J, 0, sizeof(J));
	return err;
}

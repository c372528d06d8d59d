/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ICMP and ICMPv6 in the analysis pass: echo requests paired with their
 * replies by (requester, responder, identifier, sequence) with the RTT;
 * errors with the connection they quote (conn.c marks a handshake
 * unreachable when the quote is its SYN); other messages listed as they
 * are. Loopback copies (an inbound packet right after the same outbound
 * one) are not counted twice. Pending echo requests are held for at most
 * ECHO_IDLE_NS of capture time, so memory stays bounded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

#define ECHO_IDLE_NS (60 * 1000000000LL)
#define COPY_WINDOW_NS 10000000LL
#define ECHO_BUCKETS 4096

struct echo {
	struct echo *next;
	int ipver;
	uint8_t req[16], rsp[16];     /* requester, responder */
	uint16_t id, seq;
	int64_t first_ns, last_req_ns, reply_ns, last_ns, rtt_ns;
	int last_req_dir, last_rep_dir;
	int64_t last_rep_ns;
	unsigned requests, replies;
	bool has_req, has_pid;
	int64_t pid, packet_id;
	char comm[64];
	int type, code;
};

static struct {
	sqlite3 *db;
	sqlite3_stmt *ins;
	struct echo *b[ECHO_BUCKETS];
	/* last outbound error, to spot its loopback copy */
	uint8_t err_sig[64];
	int64_t err_ns;
	bool err_set;
} I;

static uint32_t echo_hash(int ipver, const uint8_t *req, const uint8_t *rsp, uint16_t id,
			  uint16_t seq)
{
	uint32_t h = 2166136261u;
	int alen = ipver == 6 ? 16 : 4;

	for (int i = 0; i < alen; i++)
		h = ((h ^ req[i]) * 16777619u ^ rsp[i]) * 16777619u;
	h = (h ^ id) * 16777619u;
	h = (h ^ seq) * 16777619u;
	return h % ECHO_BUCKETS;
}

int icmp_prepare(sqlite3 *db, struct an_err *e)
{
	memset(&I, 0, sizeof(I));
	I.db = db;
	return db_prepare(db, &I.ins,
		"INSERT INTO icmp(kind, ip_version, ts_ns, src, dst, type, code, ident, seq,"
		" reply_ns, rtt_ns, requests, replies, q_proto, q_src, q_sport, q_dst, q_dport,"
		" q_seq, conn_id, hs_id, pid, comm, packet_id)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,"
		"?21,?22,?23,?24)", e);
}

static int step(struct an_err *e)
{
	int rc = sqlite3_step(I.ins);

	sqlite3_reset(I.ins);
	sqlite3_clear_bindings(I.ins);
	if (rc != SQLITE_DONE) {
		an_err_set(e, "database: %s", sqlite3_errmsg(I.db));
		return -EIO;
	}
	return 0;
}

static int echo_write(const struct echo *x, struct an_err *e)
{
	sqlite3_stmt *st = I.ins;
	char a[48], b[48];

	sqlite3_bind_text(st, 1, "echo", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, x->ipver);
	sqlite3_bind_int64(st, 3, x->has_req ? x->first_ns : x->reply_ns);
	sqlite3_bind_text(st, 4, addr_str(x->req, x->ipver, a), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, addr_str(x->rsp, x->ipver, b), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 6, x->type);
	sqlite3_bind_int(st, 7, x->code);
	sqlite3_bind_int(st, 8, x->id);
	sqlite3_bind_int(st, 9, x->seq);
	if (x->replies)
		sqlite3_bind_int64(st, 10, x->reply_ns);
	if (x->replies && x->has_req)
		sqlite3_bind_int64(st, 11, x->rtt_ns);
	sqlite3_bind_int(st, 12, (int)x->requests);
	sqlite3_bind_int(st, 13, (int)x->replies);
	if (x->has_pid)
		sqlite3_bind_int64(st, 22, x->pid);
	if (x->comm[0])
		sqlite3_bind_text(st, 23, x->comm, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 24, x->packet_id);
	return step(e);
}

int icmp_sweep(int64_t now, bool all, struct an_err *e)
{
	for (int i = 0; i < ECHO_BUCKETS; i++) {
		for (struct echo **pp = &I.b[i]; *pp;) {
			struct echo *x = *pp;

			if (all || now - x->last_ns >= ECHO_IDLE_NS) {
				int err = echo_write(x, e);

				*pp = x->next;
				free(x);
				if (err)
					return err;
			} else {
				pp = &x->next;
			}
		}
	}
	return 0;
}

void icmp_finish(void)
{
	for (int i = 0; i < ECHO_BUCKETS; i++) {
		while (I.b[i]) {
			struct echo *x = I.b[i];

			I.b[i] = x->next;
			free(x);
		}
	}
	sqlite3_finalize(I.ins);
	I.ins = NULL;
}

static int echo_packet(const struct arow *r, struct an_err *e)
{
	bool reply = r->ipver == 6 ? r->icmp_type == 129 : r->icmp_type == 0;
	const uint8_t *req = reply ? r->dst : r->src, *rsp = reply ? r->src : r->dst;
	int alen = r->ipver == 6 ? 16 : 4;
	uint32_t h = echo_hash(r->ipver, req, rsp, r->icmp_id, r->icmp_seq);
	struct echo *x;

	for (x = I.b[h]; x; x = x->next)
		if (x->ipver == r->ipver && x->id == r->icmp_id && x->seq == r->icmp_seq &&
		    !memcmp(x->req, req, alen) && !memcmp(x->rsp, rsp, alen))
			break;
	if (x && !reply && x->replies) {
		/* the same (id, seq) again after its reply: a new exchange */
		int err;
		struct echo **pp;

		for (pp = &I.b[h]; *pp != x; pp = &(*pp)->next)
			;
		*pp = x->next;
		err = echo_write(x, e);
		free(x);
		x = NULL;
		if (err)
			return err;
	}
	if (!x) {
		x = calloc(1, sizeof(*x));
		if (!x) {
			an_err_set(e, "out of memory");
			return -ENOMEM;
		}
		x->ipver = r->ipver;
		memcpy(x->req, req, alen);
		memcpy(x->rsp, rsp, alen);
		x->id = r->icmp_id;
		x->seq = r->icmp_seq;
		x->type = r->icmp_type;
		x->code = r->icmp_code;
		x->packet_id = r->id;
		x->next = I.b[h];
		I.b[h] = x;
	}
	x->last_ns = r->ts;
	if (!x->has_pid && r->has_pid) {
		x->has_pid = true;
		x->pid = r->pid;
		if (r->has_comm)
			snprintf(x->comm, sizeof(x->comm), "%s", r->comm);
	}
	if (!reply) {
		if (x->requests && r->dir == 1 && x->last_req_dir == 2 &&
		    r->ts - x->last_req_ns <= COPY_WINDOW_NS)
			return 0;
		if (!x->has_req)
			x->first_ns = r->ts;
		x->has_req = true;
		x->requests++;
		x->last_req_ns = r->ts;
		x->last_req_dir = r->dir;
	} else {
		if (x->replies && r->dir == 1 && x->last_rep_dir == 2 &&
		    r->ts - x->last_rep_ns <= COPY_WINDOW_NS)
			return 0;
		if (!x->replies++) {
			x->reply_ns = r->ts;
			x->rtt_ns = r->ts - x->last_req_ns;
		}
		x->last_rep_ns = r->ts;
		x->last_rep_dir = r->dir;
	}
	return 0;
}

int icmp_packet(const struct arow *r, int64_t *conn_id, struct an_err *e)
{
	sqlite3_stmt *st = I.ins;
	char a[48], b[48];

	*conn_id = 0;
	if (r->has_echo)
		return echo_packet(r, e);

	bool err_msg = r->ipver == 6 ? (r->icmp_type >= 1 && r->icmp_type <= 4) :
		       (r->icmp_type == 3 || r->icmp_type == 4 || r->icmp_type == 5 ||
			r->icmp_type == 11 || r->icmp_type == 12);

	if (err_msg) {
		/* signature of this error: addresses, type/code, quote */
		uint8_t sig[64];

		memset(sig, 0, sizeof(sig));
		memcpy(sig, r->src, 16);
		memcpy(sig + 16, r->q_src, 16);
		memcpy(sig + 32, r->q_dst, 16);
		sig[48] = (uint8_t)r->icmp_type;
		sig[49] = (uint8_t)r->icmp_code;
		memcpy(sig + 50, &r->q_sport, 2);
		memcpy(sig + 52, &r->q_dport, 2);
		memcpy(sig + 54, &r->q_seq, 4);
		if (r->dir == 1 && I.err_set && !memcmp(sig, I.err_sig, sizeof(sig)) &&
		    r->ts - I.err_ns <= COPY_WINDOW_NS)
			return 0;
		if (r->dir == 2) {
			memcpy(I.err_sig, sig, sizeof(sig));
			I.err_ns = r->ts;
			I.err_set = true;
		}
		if (r->has_quote && r->q_proto == 6 && r->q_has_ports)
			*conn_id = conn_quoted(r);
	}
	sqlite3_bind_text(st, 1, err_msg ? "error" : "other", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, r->ipver);
	sqlite3_bind_int64(st, 3, r->ts);
	sqlite3_bind_text(st, 4, addr_str(r->src, r->ipver, a), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, addr_str(r->dst, r->ipver, b), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 6, r->icmp_type);
	sqlite3_bind_int(st, 7, r->icmp_code);
	if (r->has_quote) {
		sqlite3_bind_int(st, 14, r->q_proto);
		sqlite3_bind_text(st, 15, addr_str(r->q_src, r->q_ipver, a), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 17, addr_str(r->q_dst, r->q_ipver, b), -1, SQLITE_TRANSIENT);
		if (r->q_has_ports) {
			sqlite3_bind_int(st, 16, r->q_sport);
			sqlite3_bind_int(st, 18, r->q_dport);
		}
		if (r->q_has_seq)
			sqlite3_bind_int64(st, 19, r->q_seq);
	}
	if (*conn_id) {
		sqlite3_bind_int64(st, 20, *conn_id);
		sqlite3_bind_int64(st, 21, *conn_id);
	}
	if (r->has_pid)
		sqlite3_bind_int64(st, 22, r->pid);
	if (r->has_comm)
		sqlite3_bind_text(st, 23, r->comm, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 24, r->id);
	return step(e);
}

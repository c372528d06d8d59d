/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP connections in the analysis pass (pass.c feeds packets in time
 * order): the table of connections being followed (a new ISN on a used
 * 4-tuple starts a new one; idle ones end, so memory does not grow with the
 * file), loopback copies, Wireshark's sequence analysis (retransmission
 * classes, duplicate ACKs, zero windows), the per-packet columns conn_id,
 * from_orig, seq_rel, ack_rel and anomalies, and the connections and
 * retransmissions rows. Zeek's state and history are in zeek.c, the
 * handshake in handshake.c. It does not read packet payloads.
 *
 * Flows are followed per vantage point (join.c): when a client's and a
 * server's recordings are loaded together, each host's view of a
 * connection is a connection of its own, and join.c pairs them after the
 * pass.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "community_id.h"
#include "decode.h"
#include "flow.h"

#define NS_PER_SEC 1000000000LL
#define IDLE_CLOSED_NS (60 * NS_PER_SEC)    /* after FIN/RST */
#define IDLE_PENDING_NS (300 * NS_PER_SEC)  /* handshake without answer */
#define IDLE_OPEN_NS (3600 * NS_PER_SEC)    /* anything else */
#define COPY_WINDOW_NS 10000000LL          /* 10 ms: out -> in on loopback */
#define HASH_BITS 18
#define MAX_FLOWS 1000000                  /* beyond this the idlest ends early */

#define A_RETRANS 1u
#define A_SPURIOUS 2u
#define A_FAST 4u
#define A_OOO 8u
#define A_KEEPALIVE 16u
#define A_DUPACK 32u
#define A_ZEROWIN 64u
#define A_COPY 256u
#define A_KEEP (512u | 1024u)             /* decoder bits, kept */

static struct {
	sqlite3 *db;
	struct flow *buckets[1u << HASH_BITS];
	struct flow *lru_head, *lru_tail;  /* least recently active first */
	int64_t next_conn_id;
	sqlite3_stmt *upd_pkt, *ins_conn, *ins_rtx;
	uint64_t nflows;
	uint16_t cid_seed;        /* Community ID seed of this database */
	int *vantage;             /* by file_id (join.c) */
	size_t nvantage;
} S;

static int vantage_of(int64_t file_id)
{
	return file_id >= 0 && (uint64_t)file_id < S.nvantage ? S.vantage[file_id] : 0;
}

static uint32_t ep_hash(const uint8_t *a, uint16_t port, int alen)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < alen; i++)
		h = (h ^ a[i]) * 16777619u;
	h = (h ^ (port & 0xff)) * 16777619u;
	h = (h ^ (port >> 8)) * 16777619u;
	return h;
}

static uint32_t tuple_hash(int vantage, int ipver, const uint8_t *a, uint16_t pa,
			   const uint8_t *b, uint16_t pb)
{
	int alen = ipver == 6 ? 16 : 4;

	/* symmetric: both directions land in the same bucket */
	return (ep_hash(a, pa, alen) + ep_hash(b, pb, alen) + (uint32_t)vantage * 0x9e3779b1u) &
	       ((1u << HASH_BITS) - 1);
}

static bool ep_eq(const struct endpoint *e, const uint8_t *a, uint16_t port, int alen)
{
	return e->port == port && !memcmp(e->addr, a, alen);
}

struct flow *flow_lookup(const struct arow *r, int *from)
{
	int alen = r->ipver == 6 ? 16 : 4, v = vantage_of(r->file_id);
	uint32_t h = tuple_hash(v, r->ipver, r->src, r->sport, r->dst, r->dport);

	for (struct flow *f = S.buckets[h]; f; f = f->next) {
		if (f->ipver != r->ipver || f->vantage != v)
			continue;
		if (ep_eq(&f->ep[0], r->src, r->sport, alen) && ep_eq(&f->ep[1], r->dst, r->dport, alen)) {
			*from = 0;
			return f;
		}
		if (ep_eq(&f->ep[1], r->src, r->sport, alen) && ep_eq(&f->ep[0], r->dst, r->dport, alen)) {
			*from = 1;
			return f;
		}
	}
	return NULL;
}

static void lru_unlink(struct flow *f)
{
	if (f->lru_prev)
		f->lru_prev->lru_next = f->lru_next;
	else
		S.lru_head = f->lru_next;
	if (f->lru_next)
		f->lru_next->lru_prev = f->lru_prev;
	else
		S.lru_tail = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
}

static void lru_append(struct flow *f)
{
	f->lru_prev = S.lru_tail;
	f->lru_next = NULL;
	if (S.lru_tail)
		S.lru_tail->lru_next = f;
	else
		S.lru_head = f;
	S.lru_tail = f;
}

/* Endpoint that is more likely the server of a flow seen midstream:
 * returns true when it is the packet's destination. */
static bool dst_is_server(uint16_t sport, uint16_t dport)
{
	if (dport < 1024 && sport >= 1024)
		return true;
	if (sport < 1024 && dport >= 1024)
		return false;
	if (dport != sport)
		return dport < sport;
	return true;
}

static struct flow *flow_new(const struct arow *r, int *from)
{
	struct flow *f = calloc(1, sizeof(*f));
	int alen = r->ipver == 6 ? 16 : 4;
	bool pure_syn = (r->flags & (TH_SYN | TH_ACK)) == TH_SYN;
	bool synack = (r->flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK);
	bool src_is_client;

	if (!f)
		return NULL;
	f->vantage = vantage_of(r->file_id);
	f->ipver = r->ipver;
	if (pure_syn) {
		f->origin = ORIGIN_SYN;
		src_is_client = true;
	} else if (synack) {
		f->origin = ORIGIN_SYNACK;
		f->outcome = OUT_SYNACK_ONLY;
		src_is_client = false;
	} else {
		f->origin = ORIGIN_MIDSTREAM;
		f->outcome = OUT_MIDSTREAM;
		src_is_client = dst_is_server(r->sport, r->dport);
	}
	f->flipped = !src_is_client;
	memcpy(f->ep[0].addr, src_is_client ? r->src : r->dst, alen);
	f->ep[0].port = src_is_client ? r->sport : r->dport;
	memcpy(f->ep[1].addr, src_is_client ? r->dst : r->src, alen);
	f->ep[1].port = src_is_client ? r->dport : r->sport;
	*from = src_is_client ? 0 : 1;
	f->conn_id = S.next_conn_id++;
	f->file_id = r->file_id;
	f->first_ns = f->last_ns = r->ts;
	if (f->flipped)
		f->history[f->hlen++] = '^';

	uint32_t h = tuple_hash(f->vantage, r->ipver, r->src, r->sport, r->dst, r->dport);

	f->next = S.buckets[h];
	S.buckets[h] = f;
	lru_append(f);
	S.nflows++;
	return f;
}

static void flow_unhash(struct flow *f)
{
	uint32_t h = tuple_hash(f->vantage, f->ipver, f->ep[0].addr, f->ep[0].port, f->ep[1].addr,
				f->ep[1].port);

	for (struct flow **pp = &S.buckets[h]; *pp; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
	lru_unlink(f);
	S.nflows--;
}

/* ---- Wireshark's sequence analysis (retransmission classes) ---- */

static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static unsigned seq_analysis(struct flow *f, int d, const struct arow *r)
{
	struct endpoint *fw = &f->ep[d], *rv = &f->ep[1 - d];
	uint8_t fl = r->flags;
	uint32_t seglen = r->len;
	unsigned a = 0;
	uint32_t sf = !!(fl & TH_SYN) + !!(fl & TH_FIN);

	if (r->win == 0 && !(fl & (TH_RST | TH_FIN | TH_SYN)))
		a |= A_ZEROWIN;
	if (seglen <= 1 && !(fl & (TH_FIN | TH_SYN | TH_RST)) && fw->nextseq_set &&
	    r->seq == fw->nextseq - 1)
		a |= A_KEEPALIVE;
	if (seglen == 0 && r->win && fw->win_set && r->win == fw->win && fw->nextseq_set &&
	    r->seq == fw->nextseq && (fl & TH_ACK) && fw->lastack_set && r->ack == fw->lastack &&
	    !(fl & (TH_SYN | TH_FIN | TH_RST))) {
		fw->dupacks++;
		a |= A_DUPACK;
	}
	if (!(a & A_KEEPALIVE) && (seglen > 0 || (fl & (TH_SYN | TH_FIN))) && fw->nextseq_set &&
	    seq_lt(r->seq, fw->nextseq)) {
		int64_t thres = f->irtt_set ? f->irtt_ns : 3000000;

		if (rv->dupacks >= 2 && rv->lastack_set && rv->lastack == r->seq &&
		    r->ts - rv->lastack_ns < 20000000)
			a |= A_RETRANS | A_FAST;
		else if (r->ts - fw->nextseq_ns < thres && fw->nextseq != r->seq + seglen)
			a |= A_OOO;
		else if (seglen > 0 && rv->lastack_set && !seq_lt(rv->lastack, r->seq + seglen))
			a |= A_RETRANS | A_SPURIOUS;
		else
			a |= A_RETRANS;
	}
	uint32_t end = r->seq + seglen + sf;

	if (!fw->nextseq_set || seq_lt(fw->nextseq, end)) {
		fw->nextseq = end;
		fw->nextseq_set = true;
		fw->nextseq_ns = r->ts;
	}
	if (fl & TH_ACK) {
		if (!fw->lastack_set || r->ack != fw->lastack) {
			fw->lastack = r->ack;
			fw->lastack_set = true;
			fw->dupacks = 0;
		}
		fw->lastack_ns = r->ts;
	}
	fw->win = r->win;
	fw->win_set = true;
	return a;
}

bool seg_is_loopback_copy(struct endpoint *s, const struct arow *r)
{
	struct seg_sig sig = {
		.seq = r->seq, .ack = r->ack, .len = r->len, .win = r->win, .flags = r->flags,
	};

	if (r->dir == 2) {
		s->out_set = true;
		s->out_sig = sig;
		s->out_ns = r->ts;
		return false;
	}
	const struct seg_sig *o = &s->out_sig;

	return r->dir == 1 && s->out_set && o->seq == sig.seq && o->ack == sig.ack &&
	       o->len == sig.len && o->win == sig.win && o->flags == sig.flags &&
	       r->ts >= s->out_ns && r->ts - s->out_ns <= COPY_WINDOW_NS;
}

/* ---- writing ---- */

static void bind_text_opt(sqlite3_stmt *st, int i, bool have, const char *s)
{
	if (have)
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
		an_err_set(e, "database: %s", sqlite3_errmsg(S.db));
		return -EIO;
	}
	return 0;
}

static int flow_finish(struct flow *f, struct an_err *e)
{
	sqlite3_stmt *st = S.ins_conn;
	char a0[48], a1[48], cid[COMMUNITY_ID_SIZE];
	int err, i = 1;

	f->history[f->hlen] = 0;
	addr_str(f->ep[0].addr, f->ipver, a0);
	addr_str(f->ep[1].addr, f->ipver, a1);
	sqlite3_bind_int64(st, i++, f->conn_id);
	sqlite3_bind_text(st, i++, a0, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, i++, f->ep[0].port);
	sqlite3_bind_text(st, i++, a1, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, i++, f->ep[1].port);
	sqlite3_bind_int(st, i++, f->origin != ORIGIN_SYN);
	sqlite3_bind_int64(st, i++, f->first_ns);
	sqlite3_bind_int64(st, i++, f->last_ns);
	sqlite3_bind_int64(st, i++, f->last_ns - f->first_ns);
	for (int d = 0; d < 2; d++) {
		sqlite3_bind_int64(st, i++, (int64_t)f->ep[d].pkts);
		sqlite3_bind_int64(st, i++, (int64_t)f->ep[d].bytes);
		sqlite3_bind_int64(st, i++, (int64_t)f->ep[d].ip_bytes);
	}
	sqlite3_bind_text(st, i++, zeek_conn_state(f), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, f->history, -1, SQLITE_TRANSIENT);
	for (int d = 0; d < 2; d++) {
		if (f->ep[d].has_pid)
			sqlite3_bind_int64(st, i, f->ep[d].pid);
		i++;
		bind_text_opt(st, i++, f->ep[d].has_comm, f->ep[d].comm);
	}
	sqlite3_bind_int64(st, i++, (int64_t)(f->ep[0].retrans + f->ep[1].retrans));
	sqlite3_bind_int64(st, i++, f->file_id);
	community_id(cid, S.cid_seed, f->ipver, f->ep[0].addr, f->ep[1].addr, 6, true,
		     f->ep[0].port, f->ep[1].port);
	sqlite3_bind_text(st, i++, cid, -1, SQLITE_STATIC);
	err = step(st, e);
	if (!err)
		err = hs_write(f, f->conn_id, cid, e);
	return err;
}

static int flow_end(struct flow *f, struct an_err *e)
{
	int err = flow_finish(f, e);

	flow_unhash(f);
	free(f);
	return err;
}

int conn_sweep(int64_t now, bool all, struct an_err *e)
{
	struct flow *f = S.lru_head, *next;
	int err;

	for (; f; f = next) {
		next = f->lru_next;
		int64_t idle = now - f->last_ns;

		if (!all && idle < IDLE_CLOSED_NS)
			break; /* the rest were active more recently */
		int64_t limit = f->closed ? IDLE_CLOSED_NS :
				f->outcome == OUT_PENDING ? IDLE_PENDING_NS : IDLE_OPEN_NS;

		if (all || idle >= limit) {
			err = flow_end(f, e);
			if (err)
				return err;
		}
	}
	return 0;
}

static void attribute(struct flow *f, int d, const struct arow *r)
{
	/* A netrec annotation names the owner of the local socket: the
	 * sender's for outbound packets, the receiver's for inbound ones. */
	struct endpoint *ep = &f->ep[r->dir == 1 ? 1 - d : d];

	if (r->has_pid && !ep->has_pid) {
		ep->has_pid = true;
		ep->pid = r->pid;
	}
	if (r->has_comm && !ep->has_comm) {
		ep->has_comm = true;
		snprintf(ep->comm, sizeof(ep->comm), "%s", r->comm);
	}
}

static const char *class_name(unsigned a)
{
	if (a & A_FAST)
		return "fast";
	if (a & A_SPURIOUS)
		return "spurious";
	if (a & A_RETRANS)
		return "retransmission";
	if (a & A_OOO)
		return "out_of_order";
	if (a & A_KEEPALIVE)
		return "keep_alive";
	return NULL;
}

int conn_packet(const struct arow *r, struct an_err *e)
{
	bool pure_syn = (r->flags & (TH_SYN | TH_ACK)) == TH_SYN;
	struct flow *f;
	int d = 0, err;
	unsigned a = 0;

	f = flow_lookup(r, &d);
	/* A SYN with a new ISN from a side that has sent before starts a new
	 * connection on the 4-tuple (as Wireshark starts a new stream); from
	 * a side still silent it is a simultaneous open. */
	if (f && pure_syn && f->ep[d].base_set && !(f->ep[d].isn_set && f->ep[d].isn == r->seq)) {
		err = flow_end(f, e);
		if (err)
			return err;
		f = NULL;
	}
	if (!f) {
		if (S.nflows >= MAX_FLOWS && S.lru_head) {
			err = flow_end(S.lru_head, e);
			if (err)
				return err;
		}
		f = flow_new(r, &d);
		if (!f) {
			an_err_set(e, "out of memory");
			return -ENOMEM;
		}
	}
	struct endpoint *s = &f->ep[d];
	bool copy = seg_is_loopback_copy(s, r);

	if (r->flags & TH_SYN && !s->isn_set) {
		s->isn_set = true;
		s->isn = r->seq;
		s->base_set = true;
		s->base = r->seq;
	}
	if (!s->base_set) {
		s->base_set = true;
		s->base = r->seq - 1;
	}
	attribute(f, d, r);
	hs_packet(f, d, r, copy);
	if (copy) {
		a = A_COPY;
	} else {
		s->pkts++;
		s->bytes += r->len;
		s->ip_bytes += r->ip_len;
		a = seq_analysis(f, d, r);
		if (r->flags & TH_SYN)
			zeek_history(f, d, (r->flags & TH_ACK) ? 'H' : 'S');
		if (r->len)
			zeek_history(f, d, 'D');
		else if ((r->flags & (TH_ACK | TH_SYN | TH_FIN | TH_RST)) == TH_ACK)
			zeek_history(f, d, 'A');
		if (r->flags & TH_FIN)
			zeek_history(f, d, 'F');
		if (r->flags & TH_RST)
			zeek_history(f, d, 'R');
		if (a & A_RETRANS) {
			zeek_history(f, d, 'T');
			s->retrans++;
		}
		if (a & A_ZEROWIN)
			zeek_history(f, d, 'W');
		zeek_update_state(f, d, r);
	}
	f->last_ns = r->ts;
	lru_unlink(f);
	lru_append(f);

	/* packet row */
	sqlite3_stmt *st = S.upd_pkt;

	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_int64(st, 2, f->conn_id);
	sqlite3_bind_int(st, 3, d == 0);
	sqlite3_bind_int64(st, 4, (uint32_t)(r->seq - s->base));
	if ((r->flags & TH_ACK) && f->ep[1 - d].base_set)
		sqlite3_bind_int64(st, 5, (uint32_t)(r->ack - f->ep[1 - d].base));
	sqlite3_bind_int(st, 6, (int)((r->anomalies & A_KEEP) | a));
	sqlite3_bind_int64(st, 7, r->ord);
	err = step(st, e);
	if (err)
		return err;

	const char *cls = class_name(a);

	if (cls) {
		char sa[48], da[48], fl[9];
		int i = 1;

		st = S.ins_rtx;
		sqlite3_bind_int64(st, i++, r->id);
		sqlite3_bind_int64(st, i++, f->conn_id);
		sqlite3_bind_int64(st, i++, r->ts);
		sqlite3_bind_text(st, i++, addr_str(r->src, r->ipver, sa), -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, i++, r->sport);
		sqlite3_bind_text(st, i++, addr_str(r->dst, r->ipver, da), -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, i++, r->dport);
		sqlite3_bind_int(st, i++, d == 0);
		sqlite3_bind_int64(st, i++, (uint32_t)(r->seq - s->base));
		sqlite3_bind_int64(st, i++, r->len);
		tcp_flags_str(r->flags, fl);
		sqlite3_bind_text(st, i++, fl, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, i++, cls, -1, SQLITE_STATIC);
		if (r->has_pid)
			sqlite3_bind_int64(st, i, r->pid);
		i++;
		bind_text_opt(st, i++, r->has_comm, r->comm);
		err = step(st, e);
	}
	return err;
}

/* Lets icmp.c name the connection an ICMP error quotes, and mark the
 * attempt unreachable when the quoted segment is its SYN. */
int64_t conn_quoted(const struct arow *r)
{
	struct arow q;
	struct flow *f;
	int d;

	memset(&q, 0, sizeof(q));
	q.file_id = r->file_id;   /* the error's vantage point */
	q.ipver = r->q_ipver;
	memcpy(q.src, r->q_src, 16);
	memcpy(q.dst, r->q_dst, 16);
	q.sport = r->q_sport;
	q.dport = r->q_dport;
	f = flow_lookup(&q, &d);
	if (!f)
		return 0;
	if (f->origin == ORIGIN_SYN && f->outcome == OUT_PENDING && d == 0 &&
	    f->synack_count == 0 && r->q_has_seq && f->ep[0].isn_set &&
	    r->q_seq == f->ep[0].isn) {
		f->outcome = OUT_UNREACHABLE;
		f->end_ns = r->ts;
		f->icmp_type = r->icmp_type;
		f->icmp_code = r->icmp_code;
		addr_str(r->src, r->ipver, f->icmp_from);
	}
	return f->conn_id;
}


/* The packet row of a record the TCP code did not take: its order, and
 * the quoted connection for an ICMP error. */
int conn_other_packet(const struct arow *r, int64_t conn_id, struct an_err *e)
{
	sqlite3_stmt *st = S.upd_pkt;

	sqlite3_bind_int64(st, 1, r->id);
	if (conn_id)
		sqlite3_bind_int64(st, 2, conn_id);
	sqlite3_bind_int(st, 6, (int)(r->anomalies & A_KEEP));
	sqlite3_bind_int64(st, 7, r->ord);
	return step(st, e);
}

int conn_begin(sqlite3 *db, struct an_err *e)
{
	int err;

	memset(&S, 0, sizeof(S));
	S.db = db;
	S.next_conn_id = 1;
	S.cid_seed = community_id_seed(db);
	err = join_vantages(db, &S.vantage, &S.nvantage, e);
	if (err)
		return err;
	err = db_prepare(db, &S.upd_pkt,
		"UPDATE packets SET conn_id = ?2, from_orig = ?3, seq_rel = ?4, ack_rel = ?5,"
		" anomalies = ?6, ord = ?7 WHERE id = ?1", e);
	if (!err)
		err = db_prepare(db, &S.ins_conn,
			"INSERT INTO connections(conn_id, proto, orig_h, orig_p, resp_h, resp_p,"
			" role_inferred, start_ns, end_ns, duration_ns, orig_pkts, orig_bytes,"
			" orig_ip_bytes, resp_pkts, resp_bytes, resp_ip_bytes, conn_state, history,"
			" orig_pid, orig_comm, resp_pid, resp_comm, retransmissions, file_id,"
			" community_id)"
			" VALUES (?1, 'tcp', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
			" ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)", e);
	if (!err)
		err = db_prepare(db, &S.ins_rtx,
			"INSERT INTO retransmissions(packet_id, conn_id, ts_ns, src, sport, dst, dport,"
			" from_orig, seq_rel, len, flags_str, class, pid, comm)"
			" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", e);
	return err;
}

void conn_end(void)
{
	/* connections still followed after an error are dropped unwritten */
	for (struct flow *f = S.lru_head, *n; f; f = n) {
		n = f->lru_next;
		free(f);
	}
	S.lru_head = S.lru_tail = NULL;
	sqlite3_finalize(S.upd_pkt);
	sqlite3_finalize(S.ins_conn);
	sqlite3_finalize(S.ins_rtx);
	S.upd_pkt = S.ins_conn = S.ins_rtx = NULL;
	free(S.vantage);
	S.vantage = NULL;
	S.nvantage = 0;
}

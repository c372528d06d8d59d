/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The handshake of each connection attempt: SYN / SYN-ACK / ACK times and
 * counts, the outcome (docs/schema.md lists the definitions), the RTTs and
 * the options each side offered. The initial RTT follows Wireshark's
 * tcp.analysis.initial_rtt exactly: the time from the most recent pure SYN
 * of the connection to the first later segment with SYN=0 and ACK=1, in
 * either direction, counting every copy of a packet as Wireshark would.
 * Everything else ignores loopback copies. conn.c feeds it packets and
 * calls hs_write when the connection ends.
 */
#include <errno.h>
#include <string.h>

#include "decode.h"
#include "flow.h"

static sqlite3_stmt *ins_hs;
static sqlite3 *hs_db;

const char *outcome_name(enum outcome o)
{
	switch (o) {
	case OUT_ESTABLISHED: return "established";
	case OUT_REFUSED: return "refused";
	case OUT_RESET: return "reset";
	case OUT_UNREACHABLE: return "unreachable";
	case OUT_SYNACK_ONLY: return "synack_only";
	case OUT_MIDSTREAM: return "midstream";
	case OUT_PENDING:
	case OUT_TIMEOUT:
		break;
	}
	return "timeout";
}

static void take_options(struct endpoint *ep, const struct arow *r)
{
	if (ep->opts_set)
		return;
	ep->opts_set = true;
	ep->mss = r->mss;
	ep->wscale = r->wscale;
	ep->sack_perm = r->sack_perm;
	ep->ts = r->has_ts;
}

void hs_packet(struct flow *f, int d, const struct arow *r, bool copy)
{
	uint8_t fl = r->flags;
	bool pure_syn = (fl & (TH_SYN | TH_ACK)) == TH_SYN;
	bool synack = (fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK);
	bool ack_only = (fl & (TH_SYN | TH_ACK)) == TH_ACK;

	/* Wireshark's initial RTT: every frame counts, in both directions. */
	if (pure_syn) {
		f->mru_syn_ns = r->ts;
		f->mru_syn_set = true;
	} else if (ack_only && f->mru_syn_set && !f->irtt_set) {
		f->irtt_ns = r->ts - f->mru_syn_ns;
		f->irtt_set = true;
	}
	if (copy)
		return;

	switch (f->origin) {
	case ORIGIN_SYN:
		if (d == 0 && pure_syn) {
			if (f->syn_count++ == 0)
				f->syn_ns = r->ts;
			f->syn_last_ns = r->ts;
			if (f->synack_count == 0)
				f->syn_pre_synack_ns = r->ts;
			take_options(&f->ep[0], r);
		}
		if (d == 1 && synack) {
			if (f->synack_count++ == 0)
				f->synack_ns = r->ts;
			take_options(&f->ep[1], r);
		}
		if (f->outcome != OUT_PENDING)
			break;
		if (fl & TH_RST) {
			f->outcome = d == 1 && f->synack_count == 0 ? OUT_REFUSED : OUT_RESET;
			f->end_ns = r->ts;
		} else if (d == 0 && ack_only && f->synack_count > 0) {
			f->ack_ns = r->ts;
			f->outcome = OUT_ESTABLISHED;
			f->end_ns = r->ts;
		}
		break;
	case ORIGIN_SYNACK:
		if (d == 1 && synack) {
			if (f->synack_count++ == 0)
				f->synack_ns = r->ts;
			take_options(&f->ep[1], r);
		}
		if (d == 0 && ack_only && !(fl & TH_RST) && f->synack_count > 0 && !f->ack_ns) {
			f->ack_ns = r->ts;
			f->end_ns = r->ts;
		}
		break;
	case ORIGIN_MIDSTREAM:
		break;
	}
}

int hs_prepare(sqlite3 *db, struct an_err *e)
{
	hs_db = db;
	return db_prepare(db, &ins_hs,
		"INSERT INTO handshakes(hs_id, conn_id, client, client_port, server, server_port,"
		" role_inferred, first_ns, syn_ns, syn_last_ns, syn_count, synack_ns, synack_count,"
		" ack_ns, end_ns, outcome, rtt_server_ns, rtt_client_ns, irtt_ns, rtt_ambiguous,"
		" client_mss, server_mss, client_wscale, server_wscale, client_sack_perm,"
		" server_sack_perm, client_ts, server_ts, mss, wscale_client, wscale_server,"
		" sack_perm, timestamps, client_isn, server_isn, client_pid, client_comm,"
		" server_pid, server_comm, icmp_type, icmp_code, icmp_from, file_id, community_id)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,"
		"?21,?22,?23,?24,?25,?26,?27,?28,?29,?30,?31,?32,?33,?34,?35,?36,?37,?38,?39,?40,"
		"?41,?42,?43,?44)", e);
}

void hs_finish(void)
{
	sqlite3_finalize(ins_hs);
	ins_hs = NULL;
}

static void bind_opt(sqlite3_stmt *st, int i, bool have, int64_t v)
{
	if (have)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

int hs_write(struct flow *f, int64_t hs_id, const char *community_id, struct an_err *e)
{
	sqlite3_stmt *st = ins_hs;
	const struct endpoint *c = &f->ep[0], *s = &f->ep[1];
	bool syn = f->syn_count > 0, sa = f->synack_count > 0, ack = f->ack_ns != 0;
	char a0[48], a1[48];
	int rc;

	if (f->outcome == OUT_PENDING) {
		f->outcome = OUT_TIMEOUT;
		f->end_ns = f->last_ns;
	}
	sqlite3_bind_int64(st, 1, hs_id);
	sqlite3_bind_int64(st, 2, f->conn_id);
	sqlite3_bind_text(st, 3, addr_str(c->addr, f->ipver, a0), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, c->port);
	sqlite3_bind_text(st, 5, addr_str(s->addr, f->ipver, a1), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 6, s->port);
	sqlite3_bind_int(st, 7, f->origin != ORIGIN_SYN);
	sqlite3_bind_int64(st, 8, f->first_ns);
	bind_opt(st, 9, syn, f->syn_ns);
	bind_opt(st, 10, syn, f->syn_last_ns);
	sqlite3_bind_int(st, 11, f->syn_count);
	bind_opt(st, 12, sa, f->synack_ns);
	sqlite3_bind_int(st, 13, f->synack_count);
	bind_opt(st, 14, ack, f->ack_ns);
	bind_opt(st, 15, f->end_ns != 0, f->end_ns);
	sqlite3_bind_text(st, 16, outcome_name(f->outcome), -1, SQLITE_STATIC);
	bind_opt(st, 17, syn && sa && f->origin == ORIGIN_SYN, f->synack_ns - f->syn_pre_synack_ns);
	bind_opt(st, 18, sa && ack, f->ack_ns - f->synack_ns);
	bind_opt(st, 19, f->irtt_set, f->irtt_ns);
	sqlite3_bind_int(st, 20, f->syn_count > 1 || f->synack_count > 1);
	bind_opt(st, 21, c->opts_set && c->mss >= 0, c->mss);
	bind_opt(st, 22, s->opts_set && s->mss >= 0, s->mss);
	bind_opt(st, 23, c->opts_set && c->wscale >= 0, c->wscale);
	bind_opt(st, 24, s->opts_set && s->wscale >= 0, s->wscale);
	bind_opt(st, 25, c->opts_set, c->sack_perm);
	bind_opt(st, 26, s->opts_set, s->sack_perm);
	bind_opt(st, 27, c->opts_set, c->ts);
	bind_opt(st, 28, s->opts_set, s->ts);
	if (c->opts_set || s->opts_set) {
		int cm = c->opts_set ? c->mss : -1, sm = s->opts_set ? s->mss : -1;
		int m = cm < 0 ? sm : sm < 0 ? cm : cm < sm ? cm : sm;
		bool ws = c->opts_set && s->opts_set && c->wscale >= 0 && s->wscale >= 0;
		bool both = c->opts_set && s->opts_set;

		/* an option is in use only when both sides offered it */
		bind_opt(st, 29, m >= 0, m);
		bind_opt(st, 30, ws, c->wscale);
		bind_opt(st, 31, ws, s->wscale);
		sqlite3_bind_int(st, 32, both && c->sack_perm && s->sack_perm);
		sqlite3_bind_int(st, 33, both && c->ts && s->ts);
	}
	bind_opt(st, 34, c->isn_set, c->isn);
	bind_opt(st, 35, s->isn_set, s->isn);
	bind_opt(st, 36, c->has_pid, c->pid);
	if (c->has_comm)
		sqlite3_bind_text(st, 37, c->comm, -1, SQLITE_TRANSIENT);
	bind_opt(st, 38, s->has_pid, s->pid);
	if (s->has_comm)
		sqlite3_bind_text(st, 39, s->comm, -1, SQLITE_TRANSIENT);
	if (f->outcome == OUT_UNREACHABLE) {
		sqlite3_bind_int(st, 40, f->icmp_type);
		sqlite3_bind_int(st, 41, f->icmp_code);
		sqlite3_bind_text(st, 42, f->icmp_from, -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_int64(st, 43, f->file_id);
	sqlite3_bind_text(st, 44, community_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		an_err_set(e, "database: %s", sqlite3_errmsg(hs_db));
		return -EIO;
	}
	return 0;
}

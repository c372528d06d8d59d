/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The store (store.h): one prepared INSERT per table, bound from the row
 * structs of rows.h with the bind helpers of db.c. Every row is inserted
 * once, complete; the only UPDATE is of an interface's counters, known at
 * the end of its file. The whole load is one transaction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "store.h"

const char *const an_table_names[TB__COUNT] = {
	[TB_FILES] = "files", [TB_INTERFACES] = "interfaces", [TB_PROBLEMS] = "problems",
	[TB_PROCESSES] = "processes", [TB_PACKETS] = "packets", [TB_ICMP_PACKETS] = "icmp_packets",
	[TB_EVENTS] = "events",
	[TB_SOCKETS] = "sockets", [TB_CONNECTIONS] = "connections",
	[TB_HANDSHAKES] = "handshakes", [TB_ICMP] = "icmp", [TB_RETRANS] = "retransmissions",
};

enum stmt_id {
	S_FILE, S_IFACE, S_IFACE_COUNTS, S_PROBLEM, S_PROC, S_PACKET, S_ICMP_PACKET, S_EVENT, S_CONN,
	S_HS, S_RTX, S_ICMP, S_SOCKET,
	S__COUNT,
};

static const char *const stmt_sql[S__COUNT] = {
	[S_FILE] =
		"INSERT INTO files(file_id, path, size, hash, kind, compression, host, hardware, os,"
		" userappl, comment, sections, interfaces, records, packets, events, unknown_blocks,"
		" first_ns, last_ns, clock_offset_ns, clock_uncertainty_ns, nr_packets_written,"
		" nr_events_written, nr_packets_attributed, nr_packets_kernel, nr_ring_drops,"
		" nr_other_drops, nr_packets_filtered, reorder_moved, reorder_max_displacement,"
		" in_order, error, error_offset, loaded_ns) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,"
		"?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29,?30,"
		"?31,?32,?33,?34)",
	[S_IFACE] =
		"INSERT INTO interfaces(iface_id, file_id, section, if_id, linktype, snaplen, name,"
		" description, filter, os, tsresol) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
	[S_IFACE_COUNTS] =
		"UPDATE interfaces SET packets = ?2, isb_ifrecv = ?3, isb_ifdrop = ?4,"
		" isb_osdrop = ?5, isb_usrdeliv = ?6 WHERE iface_id = ?1",
	[S_PROBLEM] =
		"INSERT INTO problems(file_id, offset, block_type, message) VALUES (?,?,?,?)",
	[S_PROC] =
		"INSERT INTO processes(file_id, ts_ns, pid, comm, exe, cmdline, uid, gid, ppid,"
		" cgroup, cgroup_id, container_id, source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[S_PACKET] =
		"INSERT INTO packets(id, file_id, file_idx, offset, iface_id, ts_ns, cpu, cpu_seq,"
		" caplen, origlen, direction, vlan, src, dst, proto, ttl, ip_id, ip_len, sport, dport,"
		" tcp_flags, seq_raw, ack_raw, win, payload_len, tcp_opts, tsval, tsecr, icmp_type,"
		" icmp_code, pid, tid, uid, gid, comm, owner_src, cookie, conn_id, from_orig, anomalies)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[S_ICMP_PACKET] =
		"INSERT INTO icmp_packets(packet_id, ident, seq, q_src, q_dst, q_proto, q_sport,"
		" q_dport, q_seq) VALUES (?,?,?,?,?,?,?,?,?)",
	[S_EVENT] =
		"INSERT INTO events(id, file_id, file_idx, offset, ts_ns, ktime_ns, cpu, cpu_seq,"
		" record, event, family, laddr, lport, raddr, rport, oldstate, newstate,"
		" errno, window, cookie, pid, tid, uid, comm, owner_src, priority, message, conn_id)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[S_CONN] =
		"INSERT INTO connections(conn_id, proto, orig_h, orig_p, resp_h, resp_p,"
		" role_inferred, start_ns, end_ns, duration_ns, orig_pkts, orig_bytes,"
		" orig_ip_bytes, resp_pkts, resp_bytes, resp_ip_bytes, conn_state, history,"
		" orig_pid, orig_comm, resp_pid, resp_comm, retransmissions, orig_seq_base,"
		" resp_seq_base, file_id)"
		" VALUES (?1, 'tcp', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
		" ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)",
	[S_HS] =
		"INSERT INTO handshakes(hs_id, conn_id, client, client_port, server, server_port,"
		" role_inferred, first_ns, syn_ns, syn_last_ns, syn_count, synack_ns, synack_count,"
		" ack_ns, end_ns, outcome, rtt_server_ns, rtt_client_ns, irtt_ns, rtt_ambiguous,"
		" client_mss, server_mss, client_wscale, server_wscale, client_sack_perm,"
		" server_sack_perm, client_ts, server_ts, mss, wscale_client, wscale_server,"
		" sack_perm, timestamps, client_isn, server_isn, client_pid, client_comm,"
		" server_pid, server_comm, icmp_type, icmp_code, icmp_from, k_syn_sent_ns,"
		" k_established_ns, k_connect_ns, k_server_established_ns, file_id)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,"
		"?21,?22,?23,?24,?25,?26,?27,?28,?29,?30,?31,?32,?33,?34,?35,?36,?37,?38,?39,?40,"
		"?41,?42,?43,?44,?45,?46,?47)",
	[S_RTX] =
		"INSERT INTO retransmissions(packet_id, conn_id, ts_ns, src, sport, dst, dport,"
		" from_orig, seq_rel, len, flags_str, class, pid, comm)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[S_ICMP] =
		"INSERT INTO icmp(kind, ip_version, ts_ns, src, dst, type, code, ident, seq,"
		" reply_ns, rtt_ns, requests, replies, q_proto, q_src, q_sport, q_dst, q_dport,"
		" q_seq, conn_id, hs_id, pid, comm, packet_id)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,"
		"?21,?22,?23,?24)",
	[S_SOCKET] =
		"INSERT INTO sockets(cookie, family, laddr, lport, raddr, rport, pid, comm,"
		" first_ns, last_ns, packets, events) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
};

/* The table a statement writes. */
static const enum an_table stmt_table[S__COUNT] = {
	[S_FILE] = TB_FILES, [S_IFACE] = TB_INTERFACES, [S_IFACE_COUNTS] = TB_INTERFACES,
	[S_PROBLEM] = TB_PROBLEMS, [S_PROC] = TB_PROCESSES, [S_PACKET] = TB_PACKETS,
	[S_ICMP_PACKET] = TB_ICMP_PACKETS,
	[S_EVENT] = TB_EVENTS, [S_CONN] = TB_CONNECTIONS, [S_HS] = TB_HANDSHAKES,
	[S_RTX] = TB_RETRANS, [S_ICMP] = TB_ICMP, [S_SOCKET] = TB_SOCKETS,
};

struct store {
	sqlite3 *db;
	uint32_t tables;
	const struct strtab *strs;
	sqlite3_stmt *st[S__COUNT];
	bool in_tx;
	struct an_err err;        /* detail of the last failed put */
};

bool store_wants(const struct store *s, enum an_table t)
{
	return s->tables & (1u << t);
}

int store_open(struct store **out, sqlite3 *db, uint32_t tables, const struct strtab *strs,
	       struct an_err *e)
{
	struct store *s = calloc(1, sizeof(*s));
	int err;

	*out = NULL;
	if (!s) {
		an_err_set(e, "out of memory");
		return -ENOMEM;
	}
	s->db = db;
	s->tables = tables;
	s->strs = strs;
	err = db_exec(db, "BEGIN", e);
	if (err)
		goto fail;
	s->in_tx = true;
	for (int i = 0; i < S__COUNT; i++) {
		if (!store_wants(s, stmt_table[i]))
			continue;
		err = db_prepare(db, &s->st[i], stmt_sql[i], e);
		if (err)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	store_close(s, false, NULL);
	return err;
}

int store_close(struct store *s, bool commit, struct an_err *e)
{
	int err = 0;

	if (!s)
		return 0;
	for (int i = 0; i < S__COUNT; i++)
		sqlite3_finalize(s->st[i]);
	if (s->in_tx) {
		if (commit)
			err = db_exec(s->db, "COMMIT", e);
		if (!commit || err)
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	}
	free(s);
	return err;
}

static const char *str(const struct store *s, uint32_t id)
{
	return strtab_get(s->strs, id);
}

int store_file(struct store *s, const struct row_file *r, struct an_err *e)
{
	sqlite3_stmt *st = s->st[S_FILE];
	bool ns = r->has_nr_stats;
	int i = 1;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, i++, r->file_id);
	sqlite3_bind_text(st, i++, r->path, -1, SQLITE_STATIC);
	db_bind_int(st, i++, r->size >= 0, r->size);
	db_bind_text(st, i++, r->hash);
	db_bind_text(st, i++, r->kind);
	db_bind_text(st, i++, r->compression);
	db_bind_text(st, i++, r->host);
	db_bind_text(st, i++, r->hardware);
	db_bind_text(st, i++, r->os);
	db_bind_text(st, i++, r->userappl);
	db_bind_text(st, i++, r->comment);
	db_bind_int(st, i++, r->has_stats, r->sections);
	db_bind_int(st, i++, r->has_stats, r->interfaces);
	db_bind_int(st, i++, r->has_stats, r->records);
	sqlite3_bind_int64(st, i++, r->packets);
	sqlite3_bind_int64(st, i++, r->events);
	db_bind_int(st, i++, r->has_stats, r->unknown_blocks);
	db_bind_int(st, i++, r->has_ts, r->first_ns);
	db_bind_int(st, i++, r->has_ts, r->last_ns);
	db_bind_int(st, i++, r->has_clock, r->clock.mono_to_real_ns);
	db_bind_int(st, i++, r->has_clock, (int64_t)r->clock.uncertainty_ns);
	db_bind_int(st, i++, ns, (int64_t)r->nr_stats.packets_written);
	db_bind_int(st, i++, ns, (int64_t)r->nr_stats.events_written);
	db_bind_int(st, i++, ns, (int64_t)r->nr_stats.packets_attributed);
	db_bind_int(st, i++, ns, (int64_t)r->nr_stats.packets_kernel);
	db_bind_int(st, i++, ns, (int64_t)r->nr_stats.ring_drops);
	db_bind_int(st, i++, ns, (int64_t)r->nr_stats.other_drops);
	db_bind_int(st, i++, ns, (int64_t)r->nr_stats.packets_filtered);
	db_bind_int(st, i++, r->has_reorder, r->reorder_moved);
	db_bind_int(st, i++, r->has_reorder, r->reorder_max_displacement);
	sqlite3_bind_int(st, i++, r->in_order);
	db_bind_text(st, i++, r->error);
	db_bind_int(st, i++, r->error != NULL, r->error_offset);
	sqlite3_bind_int64(st, i++, r->loaded_ns);
	return db_step(st, e);
}

int store_iface(struct store *s, const struct row_iface *r, struct an_err *e)
{
	sqlite3_stmt *st = s->st[S_IFACE];

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, r->iface_id);
	sqlite3_bind_int64(st, 2, r->file_id);
	sqlite3_bind_int64(st, 3, r->section);
	sqlite3_bind_int64(st, 4, r->if_id);
	sqlite3_bind_int64(st, 5, r->linktype);
	sqlite3_bind_int64(st, 6, r->snaplen);
	db_bind_text(st, 7, r->name);
	db_bind_text(st, 8, r->description);
	db_bind_text(st, 9, r->filter);
	db_bind_text(st, 10, r->os);
	sqlite3_bind_int64(st, 11, (int64_t)r->tsresol);
	return db_step(st, e);
}

int store_iface_counts(struct store *s, const struct row_iface_counts *r, struct an_err *e)
{
	sqlite3_stmt *st = s->st[S_IFACE_COUNTS];

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, r->iface_id);
	sqlite3_bind_int64(st, 2, (int64_t)r->packets);
	for (int k = 0; k < 4; k++)
		db_bind_int(st, 3 + k, r->has_isb & (1u << k), (int64_t)r->isb[k]);
	return db_step(st, e);
}

int store_problem(struct store *s, const struct row_problem *r, struct an_err *e)
{
	sqlite3_stmt *st = s->st[S_PROBLEM];

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, r->file_id);
	sqlite3_bind_int64(st, 2, r->offset);
	sqlite3_bind_int64(st, 3, r->block_type);
	db_bind_text(st, 4, r->message);
	return db_step(st, e);
}

/* TCP options packed in one column (docs/schema.md, packets.tcp_opts):
 * mss bits 0-15 (present: bit 16), wscale 17-24 (present: 25), SACK
 * permitted 26, SACK blocks 27-31. 0: none. */
static int64_t tcp_opts(const struct row_pkt *p)
{
	int64_t v = 0;

	if (p->has & PK_MSS)
		v |= p->mss | (1 << 16);
	if (p->has & PK_WSCALE)
		v |= ((int64_t)p->wscale << 17) | (1 << 25);
	if (p->has & PK_SACK_PERM)
		v |= 1 << 26;
	v |= (int64_t)(p->sack_blocks & 31) << 27;
	return v;
}

static int store_icmp_packet(struct store *s, const struct row_pkt *p, struct an_err *e)
{
	sqlite3_stmt *st = s->st[S_ICMP_PACKET];
	bool q = p->has & PK_QUOTE;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, p->id);
	db_bind_int(st, 2, p->has & PK_ECHO, p->icmp_id);
	db_bind_int(st, 3, p->has & PK_ECHO, p->icmp_seq);
	db_bind_addr(st, 4, q, p->q_src, p->q_ipver);
	db_bind_addr(st, 5, q, p->q_dst, p->q_ipver);
	db_bind_int(st, 6, q, p->q_proto);
	db_bind_int(st, 7, p->has & PK_Q_PORTS, p->q_sport);
	db_bind_int(st, 8, p->has & PK_Q_PORTS, p->q_dport);
	db_bind_int(st, 9, p->has & PK_Q_SEQ, p->q_seq);
	return db_step(st, e);
}

int store_packet(struct store *s, const struct row_pkt *p, struct an_err *e)
{
	sqlite3_stmt *st = s->st[S_PACKET];
	uint32_t h = p->has;
	bool ip = h & PK_IP, tcp = h & PK_TCP;
	int64_t opts;
	int i = 1;

	if ((h & (PK_ECHO | PK_QUOTE)) && store_icmp_packet(s, p, e))
		return -EIO;
	if (!st)
		return 0;
	sqlite3_bind_int64(st, i++, p->id);
	sqlite3_bind_int64(st, i++, p->file_id);
	sqlite3_bind_int64(st, i++, p->file_idx);
	sqlite3_bind_int64(st, i++, p->offset);
	db_bind_int(st, i++, h & PK_IFACE, p->iface_id);
	sqlite3_bind_int64(st, i++, p->ts_ns);
	db_bind_int(st, i++, h & PK_CPU, p->cpu);
	db_bind_int(st, i++, h & PK_CPU, p->cpu_seq);
	sqlite3_bind_int64(st, i++, p->caplen);
	sqlite3_bind_int64(st, i++, p->origlen);
	if (p->dir == PKT_DIR_IN)
		sqlite3_bind_text(st, i++, "in", 2, SQLITE_STATIC);
	else if (p->dir == PKT_DIR_OUT)
		sqlite3_bind_text(st, i++, "out", 3, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i++);
	db_bind_int(st, i++, h & PK_VLAN, p->vlan);
	db_bind_addr(st, i++, ip, p->src, p->ipver);
	db_bind_addr(st, i++, ip, p->dst, p->ipver);
	db_bind_int(st, i++, ip, p->proto);
	db_bind_int(st, i++, ip, p->ttl);
	db_bind_int(st, i++, ip, p->ip_id);
	db_bind_int(st, i++, ip, p->ip_len);
	db_bind_int(st, i++, h & PK_PORTS, p->sport);
	db_bind_int(st, i++, h & PK_PORTS, p->dport);
	db_bind_int(st, i++, tcp, p->tcp_flags);
	db_bind_int(st, i++, tcp, p->seq);
	db_bind_int(st, i++, tcp, p->ack);
	db_bind_int(st, i++, tcp, p->win);
	db_bind_int(st, i++, h & PK_L4, p->payload_len);
	opts = tcp ? tcp_opts(p) : 0;
	db_bind_int(st, i++, opts != 0, opts);
	db_bind_int(st, i++, h & PK_TS, p->tsval);
	db_bind_int(st, i++, h & PK_TS, p->tsecr);
	db_bind_int(st, i++, h & PK_ICMP, p->icmp_type);
	db_bind_int(st, i++, h & PK_ICMP, p->icmp_code);
	db_bind_int(st, i++, h & PK_PID, p->pid);
	db_bind_int(st, i++, h & PK_PID, p->tid);
	db_bind_int(st, i++, h & PK_OWNER, p->uid);
	db_bind_int(st, i++, h & PK_OWNER, p->gid);
	db_bind_text(st, i++, str(s, p->comm));
	db_bind_text(st, i++, h & PK_ANNOT ? nr_owner_src_name(p->owner_src) : NULL);
	db_bind_int(st, i++, h & PK_COOKIE, (int64_t)p->cookie);
	db_bind_int(st, i++, h & PK_CONN, p->conn_id);
	db_bind_int(st, i++, h & PK_FROM_ORIG, p->from_orig);
	sqlite3_bind_int(st, i++, p->anomalies);
	return db_step(st, e);
}

int store_jrec(struct store *s, const struct row_jrec *j, struct an_err *e)
{
	sqlite3_stmt *st = s->st[S_PROC];
	uint32_t h = j->has;
	int err, i = 1;

	if (st && j->kind == JK_PROCESS) {
		sqlite3_bind_int64(st, i++, j->file_id);
		sqlite3_bind_int64(st, i++, j->ts_ns);
		db_bind_int(st, i++, h & JR_PID, j->pid);
		db_bind_text(st, i++, jrec_text(j, JT_COMM));
		db_bind_text(st, i++, jrec_text(j, JT_EXE));
		db_bind_text(st, i++, jrec_text(j, JT_CMDLINE));
		db_bind_int(st, i++, h & JR_UID, j->uid);
		db_bind_int(st, i++, h & JR_GID, j->gid);
		db_bind_int(st, i++, h & JR_PPID, j->ppid);
		db_bind_text(st, i++, jrec_text(j, JT_CGROUP));
		db_bind_int(st, i++, h & JR_CGROUP_ID, j->cgroup_id);
		db_bind_text(st, i++, jrec_text(j, JT_CONTAINER));
		sqlite3_bind_text(st, i++, "journal", -1, SQLITE_STATIC);
		err = db_step(st, e);
		if (err)
			return err;
	}
	st = s->st[S_EVENT];
	if (!st)
		return 0;
	i = 1;
	sqlite3_bind_int64(st, i++, j->id);
	sqlite3_bind_int64(st, i++, j->file_id);
	sqlite3_bind_int64(st, i++, j->file_idx);
	sqlite3_bind_int64(st, i++, j->offset);
	sqlite3_bind_int64(st, i++, j->ts_ns);
	db_bind_int(st, i++, h & JR_KTIME, j->ktime_ns);
	db_bind_int(st, i++, h & JR_CPU, j->cpu);
	db_bind_int(st, i++, h & JR_SEQ, j->cpu_seq);
	sqlite3_bind_text(st, i++, jrec_text(j, JT_RECORD), -1, SQLITE_STATIC);
	db_bind_text(st, i++, jrec_text(j, JT_EVENT));
	db_bind_text(st, i++, jrec_text(j, JT_FAMILY));
	db_bind_text(st, i++, jrec_text(j, JT_LADDR));
	db_bind_int(st, i++, h & JR_LPORT, j->lport);
	db_bind_text(st, i++, jrec_text(j, JT_RADDR));
	db_bind_int(st, i++, h & JR_RPORT, j->rport);
	db_bind_text(st, i++, jrec_text(j, JT_OLDSTATE));
	db_bind_text(st, i++, jrec_text(j, JT_NEWSTATE));
	db_bind_int(st, i++, h & JR_ERRNO, j->err);
	db_bind_int(st, i++, h & JR_WINDOW, j->window);
	db_bind_int(st, i++, h & JR_COOKIE, (int64_t)j->cookie);
	db_bind_int(st, i++, h & JR_PID, j->pid);
	db_bind_int(st, i++, h & JR_TID, j->tid);
	db_bind_int(st, i++, h & JR_UID, j->uid);
	db_bind_text(st, i++, jrec_text(j, JT_COMM));
	db_bind_text(st, i++, jrec_text(j, JT_OWNER_SRC));
	db_bind_int(st, i++, h & JR_PRIORITY, j->priority);
	db_bind_text(st, i++, jrec_text(j, JT_MESSAGE));
	db_bind_int(st, i++, h & JR_CONN, j->conn_id);
	return db_step(st, e);
}

int store_proc_comment(struct store *s, const struct row_proc_comment *r, struct an_err *e)
{
	sqlite3_stmt *st = s->st[S_PROC];

	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, r->file_id);
	sqlite3_bind_int64(st, 2, r->ts_ns);
	sqlite3_bind_int64(st, 3, r->pid);
	db_bind_text(st, 4, str(s, r->comm));
	db_bind_int(st, 7, r->has_owner, r->uid);
	db_bind_int(st, 8, r->has_owner, r->gid);
	sqlite3_bind_text(st, 13, "comment", -1, SQLITE_STATIC);
	return db_step(st, e);
}

int store_conn(struct store *s, const struct row_conn *c, struct an_err *e)
{
	sqlite3_stmt *st = s->st[S_CONN];
	int i = 1;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, i++, c->conn_id);
	db_bind_addr_text(st, i++, true, c->addr[0], c->ipver);
	sqlite3_bind_int(st, i++, c->port[0]);
	db_bind_addr_text(st, i++, true, c->addr[1], c->ipver);
	sqlite3_bind_int(st, i++, c->port[1]);
	sqlite3_bind_int(st, i++, c->role_inferred);
	sqlite3_bind_int64(st, i++, c->start_ns);
	sqlite3_bind_int64(st, i++, c->end_ns);
	sqlite3_bind_int64(st, i++, c->end_ns - c->start_ns);
	for (int d = 0; d < 2; d++) {
		sqlite3_bind_int64(st, i++, (int64_t)c->pkts[d]);
		sqlite3_bind_int64(st, i++, (int64_t)c->bytes[d]);
		sqlite3_bind_int64(st, i++, (int64_t)c->ip_bytes[d]);
	}
	sqlite3_bind_text(st, i++, c->conn_state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, c->history, -1, SQLITE_STATIC);
	for (int d = 0; d < 2; d++) {
		db_bind_int(st, i++, c->has_pid[d], c->pid[d]);
		db_bind_text(st, i++, str(s, c->comm[d]));
	}
	sqlite3_bind_int64(st, i++, (int64_t)c->retransmissions);
	db_bind_int(st, i++, c->has_base[0], c->base[0]);
	db_bind_int(st, i++, c->has_base[1], c->base[1]);
	sqlite3_bind_int64(st, i++, c->file_id);
	return db_step(st, e);
}

int store_hs(struct store *s, const struct row_hs *h, struct an_err *e)
{
	sqlite3_stmt *st = s->st[S_HS];
	uint32_t b = h->has;
	int i = 1;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, i++, h->hs_id);
	sqlite3_bind_int64(st, i++, h->conn_id);
	db_bind_addr_text(st, i++, true, h->addr[0], h->ipver);
	sqlite3_bind_int(st, i++, h->port[0]);
	db_bind_addr_text(st, i++, true, h->addr[1], h->ipver);
	sqlite3_bind_int(st, i++, h->port[1]);
	sqlite3_bind_int(st, i++, h->role_inferred);
	sqlite3_bind_int64(st, i++, h->first_ns);
	db_bind_int(st, i++, b & HS_SYN, h->syn_ns);
	db_bind_int(st, i++, b & HS_SYN, h->syn_last_ns);
	sqlite3_bind_int64(st, i++, h->syn_count);
	db_bind_int(st, i++, b & HS_SYNACK, h->synack_ns);
	sqlite3_bind_int64(st, i++, h->synack_count);
	db_bind_int(st, i++, b & HS_ACK, h->ack_ns);
	db_bind_int(st, i++, b & HS_END, h->end_ns);
	sqlite3_bind_text(st, i++, h->outcome, -1, SQLITE_STATIC);
	db_bind_int(st, i++, b & HS_RTT_SERVER, h->rtt_server_ns);
	db_bind_int(st, i++, b & HS_RTT_CLIENT, h->rtt_client_ns);
	db_bind_int(st, i++, b & HS_IRTT, h->irtt_ns);
	sqlite3_bind_int(st, i++, h->rtt_ambiguous);
	db_bind_int(st, i++, h->mss[0] >= 0, h->mss[0]);
	db_bind_int(st, i++, h->mss[1] >= 0, h->mss[1]);
	db_bind_int(st, i++, h->wscale[0] >= 0, h->wscale[0]);
	db_bind_int(st, i++, h->wscale[1] >= 0, h->wscale[1]);
	db_bind_int(st, i++, h->opts_set[0], h->sack_perm[0]);
	db_bind_int(st, i++, h->opts_set[1], h->sack_perm[1]);
	db_bind_int(st, i++, h->opts_set[0], h->ts[0]);
	db_bind_int(st, i++, h->opts_set[1], h->ts[1]);
	/* negotiated: NULL unless some side offered options */
	db_bind_int(st, i++, h->opts_any && h->mss_neg >= 0, h->mss_neg);
	db_bind_int(st, i++, h->opts_any && h->ws_neg, h->wscale[0]);
	db_bind_int(st, i++, h->opts_any && h->ws_neg, h->wscale[1]);
	db_bind_int(st, i++, h->opts_any, h->sack_neg);
	db_bind_int(st, i++, h->opts_any, h->ts_neg);
	db_bind_int(st, i++, b & HS_ISN_C, h->isn[0]);
	db_bind_int(st, i++, b & HS_ISN_S, h->isn[1]);
	db_bind_int(st, i++, b & HS_PID_C, h->pid[0]);
	db_bind_text(st, i++, str(s, h->comm[0]));
	db_bind_int(st, i++, b & HS_PID_S, h->pid[1]);
	db_bind_text(st, i++, str(s, h->comm[1]));
	db_bind_int(st, i++, b & HS_ICMP, h->icmp_type);
	db_bind_int(st, i++, b & HS_ICMP, h->icmp_code);
	db_bind_addr_text(st, i++, b & HS_ICMP, h->icmp_from, h->icmp_ver);
	db_bind_int(st, i++, b & HS_K_SYN_SENT, h->k_syn_sent_ns);
	db_bind_int(st, i++, b & HS_K_EST, h->k_established_ns);
	db_bind_int(st, i++, (b & HS_K_SYN_SENT) && (b & HS_K_EST),
		    h->k_established_ns - h->k_syn_sent_ns);
	db_bind_int(st, i++, b & HS_K_SRV_EST, h->k_server_established_ns);
	sqlite3_bind_int64(st, i++, h->file_id);
	return db_step(st, e);
}

int store_rtx(struct store *s, const struct row_rtx *x, struct an_err *e)
{
	sqlite3_stmt *st = s->st[S_RTX];
	char fl[9];
	int i = 1;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, i++, x->packet_id);
	sqlite3_bind_int64(st, i++, x->conn_id);
	sqlite3_bind_int64(st, i++, x->ts_ns);
	db_bind_addr_text(st, i++, true, x->src, x->ipver);
	sqlite3_bind_int(st, i++, x->sport);
	db_bind_addr_text(st, i++, true, x->dst, x->ipver);
	sqlite3_bind_int(st, i++, x->dport);
	sqlite3_bind_int(st, i++, x->from_orig);
	sqlite3_bind_int64(st, i++, x->seq_rel);
	sqlite3_bind_int64(st, i++, x->len);
	tcp_flags_str(x->tcp_flags, fl);
	sqlite3_bind_text(st, i++, fl, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, i++, x->cls, -1, SQLITE_STATIC);
	db_bind_int(st, i++, x->has_pid, x->pid);
	db_bind_text(st, i++, str(s, x->comm));
	return db_step(st, e);
}

int store_icmp(struct store *s, const struct row_icmp *r, struct an_err *e)
{
	sqlite3_stmt *st = s->st[S_ICMP];
	uint32_t b = r->has;
	bool echo = b & IC_ECHO, q = b & IC_QUOTE;

	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, r->ipver);
	sqlite3_bind_int64(st, 3, r->ts_ns);
	db_bind_addr_text(st, 4, true, r->src, r->ipver);
	db_bind_addr_text(st, 5, true, r->dst, r->ipver);
	sqlite3_bind_int(st, 6, r->type);
	sqlite3_bind_int(st, 7, r->code);
	db_bind_int(st, 8, echo, r->ident);
	db_bind_int(st, 9, echo, r->seq);
	db_bind_int(st, 10, b & IC_REPLY, r->reply_ns);
	db_bind_int(st, 11, b & IC_RTT, r->rtt_ns);
	db_bind_int(st, 12, echo, r->requests);
	db_bind_int(st, 13, echo, r->replies);
	db_bind_int(st, 14, q, r->q_proto);
	db_bind_addr_text(st, 15, q, r->q_src, r->q_ipver);
	db_bind_int(st, 16, b & IC_Q_PORTS, r->q_sport);
	db_bind_addr_text(st, 17, q, r->q_dst, r->q_ipver);
	db_bind_int(st, 18, b & IC_Q_PORTS, r->q_dport);
	db_bind_int(st, 19, b & IC_Q_SEQ, r->q_seq);
	db_bind_int(st, 20, b & IC_CONN, r->conn_id);
	db_bind_int(st, 21, b & IC_CONN, r->conn_id);
	db_bind_int(st, 22, b & IC_PID, r->pid);
	db_bind_text(st, 23, str(s, r->comm));
	sqlite3_bind_int64(st, 24, r->packet_id);
	return db_step(st, e);
}

int store_socket(struct store *s, const struct row_socket *r, struct an_err *e)
{
	sqlite3_stmt *st = s->st[S_SOCKET];
	int i = 1;

	if (!st)
		return 0;
	sqlite3_bind_int64(st, i++, (int64_t)r->cookie);
	db_bind_text(st, i++, str(s, r->family));
	db_bind_text(st, i++, str(s, r->laddr));
	db_bind_int(st, i++, r->has & SK_LPORT, r->lport);
	db_bind_text(st, i++, str(s, r->raddr));
	db_bind_int(st, i++, r->has & SK_RPORT, r->rport);
	db_bind_int(st, i++, r->has & SK_PID, r->pid);
	db_bind_text(st, i++, str(s, r->comm));
	sqlite3_bind_int64(st, i++, r->first_ns);
	sqlite3_bind_int64(st, i++, r->last_ns);
	sqlite3_bind_int64(st, i++, (int64_t)r->packets);
	sqlite3_bind_int64(st, i++, (int64_t)r->events);
	return db_step(st, e);
}

int store_put(void *ctx, enum row_kind kind, void *row)
{
	struct store *s = ctx;
	struct an_err *e = &s->err;
	int err;

	switch (kind) {
	case ROW_FILE: return store_file(s, row, e);
	case ROW_IFACE: return store_iface(s, row, e);
	case ROW_IFACE_COUNTS: return store_iface_counts(s, row, e);
	case ROW_PROBLEM: return store_problem(s, row, e);
	case ROW_PKT: return store_packet(s, row, e);
	case ROW_JREC:
		err = store_jrec(s, row, e);
		free(row);
		return err;
	case ROW_PROC_COMMENT: return store_proc_comment(s, row, e);
	case ROW_CONN: return store_conn(s, row, e);
	case ROW_HS: return store_hs(s, row, e);
	case ROW_RTX: return store_rtx(s, row, e);
	case ROW_ICMP: return store_icmp(s, row, e);
	case ROW_SOCKET: return store_socket(s, row, e);
	case ROW__COUNT: break;
	}
	return -EINVAL;
}

const char *store_error(const struct store *s)
{
	return s->err.msg;
}

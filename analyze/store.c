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

const char *const store_table_names[TB__COUNT] = {
	[TB_FILES] = "files", [TB_INTERFACES] = "interfaces", [TB_PROBLEMS] = "problems",
	[TB_PROCESSES] = "processes", [TB_PACKETS] = "packets", [TB_EVENTS] = "events",
	[TB_SOCKETS] = "sockets", [TB_CONNECTIONS] = "connections",
	[TB_HANDSHAKES] = "handshakes", [TB_ICMP] = "icmp", [TB_RETRANS] = "retransmissions",
};

enum stmt_id {
	S_FILE, S_IFACE, S_IFACE_COUNTS, S_PROBLEM, S_PROC, S_PACKET, S_EVENT,
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
		"INSERT INTO packets(file_id, file_idx, offset, iface_id, ts_ns, cpu, cpu_seq,"
		" caplen, origlen, direction, vlan, ip_version, src, dst, proto, ttl, ip_id,"
		" ip_len, fragment, sport, dport, tcp_flags, flags_str, seq_raw, ack_raw, win,"
		" payload_len, mss, wscale, sack_perm, tsval, tsecr, sack_blocks, icmp_type,"
		" icmp_code, icmp_id, icmp_seq, q_src, q_dst, q_proto, q_sport, q_dport, q_seq,"
		" pid, tid, uid, gid, comm, owner_src, cookie, anomalies) VALUES (?,?,?,?,?,?,?,"
		"?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
		"?,?,?)",
	[S_EVENT] =
		"INSERT INTO events(file_id, file_idx, offset, ts_ns, ktime_ns, cpu, cpu_seq,"
		" record, event, family, laddr, lport, raddr, rport, oldstate, newstate,"
		" errno, window, cookie, pid, tid, uid, comm, owner_src, priority, message)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
};

/* The table a statement writes. */
static const enum store_table stmt_table[S__COUNT] = {
	[S_FILE] = TB_FILES, [S_IFACE] = TB_INTERFACES, [S_IFACE_COUNTS] = TB_INTERFACES,
	[S_PROBLEM] = TB_PROBLEMS, [S_PROC] = TB_PROCESSES, [S_PACKET] = TB_PACKETS,
	[S_EVENT] = TB_EVENTS,
};

struct store {
	sqlite3 *db;
	uint32_t tables;
	const struct strtab *strs;
	sqlite3_stmt *st[S__COUNT];
	bool in_tx;
};

bool store_wants(const struct store *s, enum store_table t)
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

int store_packet(struct store *s, const struct row_pkt *p, struct an_err *e)
{
	sqlite3_stmt *st = s->st[S_PACKET];
	uint32_t h = p->has;
	bool ip = h & PK_IP, tcp = h & PK_TCP, q = h & PK_QUOTE;
	char fl[9];
	int i = 1;

	if (!st)
		return 0;
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
	db_bind_int(st, i++, ip, p->ipver);
	db_bind_addr(st, i++, ip, p->src, p->ipver);
	db_bind_addr(st, i++, ip, p->dst, p->ipver);
	db_bind_int(st, i++, ip, p->proto);
	db_bind_int(st, i++, ip, p->ttl);
	db_bind_int(st, i++, ip, p->ip_id);
	db_bind_int(st, i++, ip, p->ip_len);
	db_bind_int(st, i++, ip, (h & PK_FRAGMENT) != 0);
	db_bind_int(st, i++, h & PK_PORTS, p->sport);
	db_bind_int(st, i++, h & PK_PORTS, p->dport);
	db_bind_int(st, i++, tcp, p->tcp_flags);
	if (tcp) {
		tcp_flags_str(p->tcp_flags, fl);
		sqlite3_bind_text(st, i++, fl, -1, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_null(st, i++);
	}
	db_bind_int(st, i++, tcp, p->seq);
	db_bind_int(st, i++, tcp, p->ack);
	db_bind_int(st, i++, tcp, p->win);
	db_bind_int(st, i++, h & PK_L4, p->payload_len);
	db_bind_int(st, i++, h & PK_MSS, p->mss);
	db_bind_int(st, i++, h & PK_WSCALE, p->wscale);
	db_bind_int(st, i++, h & PK_SACK_PERM, 1);
	db_bind_int(st, i++, h & PK_TS, p->tsval);
	db_bind_int(st, i++, h & PK_TS, p->tsecr);
	db_bind_int(st, i++, tcp && p->sack_blocks, p->sack_blocks);
	db_bind_int(st, i++, h & PK_ICMP, p->icmp_type);
	db_bind_int(st, i++, h & PK_ICMP, p->icmp_code);
	db_bind_int(st, i++, h & PK_ECHO, p->icmp_id);
	db_bind_int(st, i++, h & PK_ECHO, p->icmp_seq);
	db_bind_addr(st, i++, q, p->q_src, p->q_ipver);
	db_bind_addr(st, i++, q, p->q_dst, p->q_ipver);
	db_bind_int(st, i++, q, p->q_proto);
	db_bind_int(st, i++, h & PK_Q_PORTS, p->q_sport);
	db_bind_int(st, i++, h & PK_Q_PORTS, p->q_dport);
	db_bind_int(st, i++, h & PK_Q_SEQ, p->q_seq);
	db_bind_int(st, i++, h & PK_PID, p->pid);
	db_bind_int(st, i++, h & PK_PID, p->tid);
	db_bind_int(st, i++, h & PK_OWNER, p->uid);
	db_bind_int(st, i++, h & PK_OWNER, p->gid);
	db_bind_text(st, i++, str(s, p->comm));
	db_bind_text(st, i++, h & PK_ANNOT ? nr_owner_src_name(p->owner_src) : NULL);
	db_bind_int(st, i++, h & PK_COOKIE, (int64_t)p->cookie);
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

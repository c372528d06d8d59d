/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The store (store.h): rows go into batches, batches through a bounded
 * queue to a writer thread that owns the database connection while the
 * load runs. The analysis keeps one core busy; SQLite the other.
 *
 * Each table has one row mapping (a struct tdesc's map()), the single place
 * that says which field becomes which column. A batch reaches its table as
 * one INSERT ... SELECT from a virtual table over the batch (the module
 * an_rows_TABLE), so that SQLite inserts a batch as fast as it copies a
 * table; the interface counters, an UPDATE, bind the same mapping instead.
 * Every row is inserted once, complete; the whole load is one transaction.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "store.h"

#define QUEUE_MAX 16             /* batches on their way to the writer */
#define BATCH_BYTES (1u << 20)   /* a batch holds about this much */
#define PTR_BATCH_ROWS 4096      /* rows in a batch of pointers */

const char *const an_table_names[TB__COUNT] = {
	[TB_FILES] = "files", [TB_INTERFACES] = "interfaces", [TB_PROBLEMS] = "problems",
	[TB_PROCESSES] = "processes", [TB_PACKETS] = "packets", [TB_ICMP_PACKETS] = "icmp_packets",
	[TB_EVENTS] = "events",
	[TB_SOCKETS] = "sockets", [TB_CONNECTIONS] = "connections",
	[TB_HANDSHAKES] = "handshakes", [TB_ICMP] = "icmp", [TB_RETRANS] = "retransmissions",
	[TB_TUNNELS] = "tunnels", [TB_UNDECODED] = "undecoded", [TB_ADDRESSES] = "addresses",
};

/* ---- the row mappings, one per table written ---- */

typedef void map_fn(struct db_row *r, const void *row, const struct strtab *strs);

static const char *str(const struct strtab *s, uint32_t id)
{
	return strtab_get(s, id);
}

static void map_counts(struct db_row *r, const struct row_file_counts *c)
{
	db_row_int(r, true, c->tcp_packets);
	db_row_int(r, true, c->icmp_packets);
	db_row_int(r, true, c->other_packets);
	db_row_int(r, true, c->loopback_copies);
	db_row_int(r, true, c->tcp_events);
	db_row_int(r, true, c->connections);
	db_row_int(r, true, c->retransmissions);
	db_row_int(r, c->gaps_known, c->sequence_gaps);
}

static void map_file_counts(struct db_row *r, const void *row, const struct strtab *strs)
{
	const struct row_file_counts *c = row;

	(void)strs;
	db_row_int(r, true, c->file_id);
	map_counts(r, c);
}

static void map_file(struct db_row *r, const void *row, const struct strtab *strs)
{
	const struct row_file *f = row;
	bool ns = f->has_nr_stats;

	(void)strs;
	db_row_int(r, true, f->file_id);
	db_row_text(r, f->path);
	db_row_int(r, f->size >= 0, f->size);
	db_row_text(r, f->hash);
	db_row_text(r, f->kind);
	db_row_text(r, f->compression);
	db_row_text(r, f->host);
	db_row_text(r, f->hardware);
	db_row_text(r, f->os);
	db_row_text(r, f->userappl);
	db_row_text(r, f->comment);
	db_row_int(r, f->has_stats, f->sections);
	db_row_int(r, f->has_stats, f->interfaces);
	db_row_int(r, f->has_stats, f->records);
	db_row_int(r, true, f->packets);
	db_row_int(r, true, f->events);
	db_row_int(r, f->has_stats, f->unknown_blocks);
	db_row_int(r, f->has_ts, f->first_ns);
	db_row_int(r, f->has_ts, f->last_ns);
	db_row_int(r, f->has_clock, f->clock.mono_to_real_ns);
	db_row_int(r, f->has_clock, (int64_t)f->clock.uncertainty_ns);
	db_row_int(r, ns, (int64_t)f->nr_stats.packets_written);
	db_row_int(r, ns, (int64_t)f->nr_stats.events_written);
	db_row_int(r, ns, (int64_t)f->nr_stats.packets_attributed);
	db_row_int(r, ns, (int64_t)f->nr_stats.packets_kernel);
	db_row_int(r, ns, (int64_t)f->nr_stats.ring_drops);
	db_row_int(r, ns, (int64_t)f->nr_stats.other_drops);
	db_row_int(r, ns, (int64_t)f->nr_stats.packets_filtered);
	map_counts(r, &f->counts);
	db_row_int(r, f->has_reorder, f->reorder_moved);
	db_row_int(r, f->has_reorder, f->reorder_max_displacement);
	db_row_int(r, true, f->in_order);
	db_row_text(r, f->error);
	db_row_int(r, f->error != NULL, f->error_offset);
	db_row_int(r, true, f->loaded_ns);
}

static void map_iface(struct db_row *r, const void *row, const struct strtab *strs)
{
	const struct row_iface *f = row;

	(void)strs;
	db_row_int(r, true, f->iface_id);
	db_row_int(r, true, f->file_id);
	db_row_int(r, true, f->section);
	db_row_int(r, true, f->if_id);
	db_row_int(r, true, f->linktype);
	db_row_int(r, true, f->snaplen);
	db_row_text(r, f->name);
	db_row_text(r, f->description);
	db_row_text(r, f->filter);
	db_row_text(r, f->os);
	db_row_int(r, true, (int64_t)f->tsresol);
}

static void map_iface_counts(struct db_row *r, const void *row, const struct strtab *strs)
{
	const struct row_iface_counts *c = row;

	(void)strs;
	db_row_int(r, true, c->iface_id);
	db_row_int(r, true, (int64_t)c->packets);
	for (int k = 0; k < 4; k++)
		db_row_int(r, c->has_isb & (1u << k), (int64_t)c->isb[k]);
}

static void map_problem(struct db_row *r, const void *row, const struct strtab *strs)
{
	const struct row_problem *p = row;

	(void)strs;
	db_row_int(r, true, p->file_id);
	db_row_int(r, true, p->offset);
	db_row_int(r, true, p->block_type);
	db_row_text(r, p->message);
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

/* The SACK option's blocks as text, "left-right" raw sequence numbers,
 * comma-separated (tshark's tcp.options.sack_le / sack_re pairs). */
static void sack_text(struct db_row *r, const struct row_pkt *p)
{
	struct db_val *v = db_row_next(r);
	char *buf;
	int n = 0;

	v->type = SQLITE_NULL;
	if (!(p->has & PK_TCP) || !p->sack_blocks)
		return;
	buf = db_row_buf(r);
	for (int i = 0; i < p->sack_blocks && i < 4; i++)
		n += snprintf(buf + n, sizeof(r->buf[0]) - (size_t)n, "%s%u-%u", i ? "," : "",
			      p->sack_left[i], p->sack_right[i]);
	v->type = SQLITE_TEXT;
	v->p = buf;
	v->len = -1;
}

static void map_packet(struct db_row *r, const void *row, const struct strtab *strs)
{
	const struct row_pkt *p = row;
	uint32_t h = p->has;
	bool ip = h & PK_IP, tcp = h & PK_TCP;
	int64_t opts = tcp ? tcp_opts(p) : 0;

	db_row_int(r, true, p->id);
	db_row_int(r, true, p->id);      /* ord */
	db_row_int(r, true, p->file_id);
	db_row_int(r, true, p->offset);
	db_row_int(r, h & PK_IFACE, p->iface_id);
	db_row_int(r, true, p->ts_ns);
	db_row_int(r, h & PK_CPU, p->cpu);
	db_row_int(r, h & PK_CPU, p->cpu_seq);
	db_row_int(r, true, p->caplen);
	db_row_int(r, true, p->origlen);
	db_row_text(r, p->dir == PKT_DIR_IN ? "in" : p->dir == PKT_DIR_OUT ? "out" : NULL);
	db_row_int(r, h & PK_VLAN, p->vlan);
	db_row_blob_addr(r, ip, p->src, p->ipver);
	db_row_blob_addr(r, ip, p->dst, p->ipver);
	db_row_int(r, ip, p->proto);
	db_row_int(r, ip, p->ttl);
	db_row_int(r, ip, p->ip_id);
	db_row_int(r, ip, p->ip_len);
	db_row_int(r, h & PK_PORTS, p->sport);
	db_row_int(r, h & PK_PORTS, p->dport);
	db_row_int(r, tcp, p->tcp_flags_all);
	db_row_int(r, tcp, p->seq);
	db_row_int(r, tcp, p->ack);
	db_row_int(r, tcp, p->win);
	db_row_int(r, h & PK_L4, p->payload_len);
	db_row_int(r, opts != 0, opts);
	db_row_int(r, h & PK_TS, p->tsval);
	db_row_int(r, h & PK_TS, p->tsecr);
	db_row_int(r, h & PK_ICMP, p->icmp_type);
	db_row_int(r, h & PK_ICMP, p->icmp_code);
	db_row_int(r, h & PK_PID, p->pid);
	db_row_int(r, h & PK_PID, p->tid);
	db_row_int(r, h & PK_OWNER, p->uid);
	db_row_int(r, h & PK_OWNER, p->gid);
	db_row_text(r, str(strs, p->comm));
	db_row_text(r, h & PK_ANNOT ? nr_owner_src_name(p->owner_src) : NULL);
	db_row_int(r, h & PK_COOKIE, (int64_t)p->cookie);
	db_row_int(r, h & PK_CONN, p->conn_id);
	db_row_int(r, h & PK_FROM_ORIG, p->from_orig);
	db_row_int(r, true, p->anomalies);
	db_row_int(r, ip, p->ip_tos);
	db_row_int(r, ip, p->ip_hlen);
	db_row_int(r, h & PK_IPFRAG, p->ip_frag);
	db_row_int(r, ip && p->ipver == 4, p->ip_csum);
	db_row_int(r, ip && p->ipver == 6, p->flow_label);
	db_row_int(r, tcp, p->tcp_hlen);
	db_row_int(r, tcp, p->urg_ptr);
	db_row_int(r, h & PK_L4CSUM, p->l4_csum);
	sack_text(r, p);
	db_row_int(r, h & PK_TUNNEL, p->tunnel_id);
}

/* The type-specific ICMP fields (decode.h ICMPF_*), NULL where the type
 * has none. Addresses are BLOBs of the packet's IP version. */
static void map_icmp_fields(struct db_row *r, const struct row_pkt *p)
{
	uint16_t f = p->has & PK_ICMPX ? p->icmp_fields : 0;
	bool addr = f & (ICMPF_GATEWAY | ICMPF_TARGET | ICMPF_MASK | ICMPF_MLD);

	db_row_int(r, f & ICMPF_MTU, p->icmp_mtu);
	db_row_int(r, f & ICMPF_POINTER, p->icmp_pointer);
	db_row_int(r, f & ICMPF_LENGTH, p->icmp_orig_len);
	db_row_blob_addr(r, addr, p->icmp_addr, p->ipver);
	db_row_blob_addr(r, f & ICMPF_DEST, p->icmp_addr2, p->ipver);
	db_row_int(r, f & ICMPF_ND_FLAGS, p->icmp_nd_flags);
	db_row_int(r, f & ICMPF_RA, p->icmp_ra_hoplimit);
	db_row_int(r, f & ICMPF_RA, p->icmp_ra_lifetime);
	db_row_int(r, f & ICMPF_RA && p->ipver == 6, p->icmp_ra_reachable);
	db_row_int(r, f & ICMPF_RA && p->ipver == 6, p->icmp_ra_retrans);
	db_row_int(r, f & ICMPF_TS, p->icmp_ts_orig);
	db_row_int(r, f & ICMPF_TS, p->icmp_ts_recv);
	db_row_int(r, f & ICMPF_TS, p->icmp_ts_xmit);
	db_row_int(r, f & ICMPF_MLD, p->icmp_mld_delay);
}

static void map_icmp_packet(struct db_row *r, const void *row, const struct strtab *strs)
{
	const struct row_pkt *p = row;
	bool q = p->has & PK_QUOTE;

	(void)strs;
	db_row_int(r, true, p->id);
	db_row_int(r, p->has & PK_ECHO, p->icmp_id);
	db_row_int(r, p->has & PK_ECHO, p->icmp_seq);
	db_row_blob_addr(r, q, p->q_src, p->q_ipver);
	db_row_blob_addr(r, q, p->q_dst, p->q_ipver);
	db_row_int(r, q, p->q_proto);
	db_row_int(r, p->has & PK_Q_PORTS, p->q_sport);
	db_row_int(r, p->has & PK_Q_PORTS, p->q_dport);
	db_row_int(r, p->has & PK_Q_SEQ, p->q_seq);
	map_icmp_fields(r, p);
}

static void map_event(struct db_row *r, const void *row, const struct strtab *strs)
{
	const struct row_jrec *j = row;
	uint32_t h = j->has;

	(void)strs;
	db_row_int(r, true, j->id);
	db_row_int(r, true, j->id);      /* ord */
	db_row_int(r, true, j->file_id);
	db_row_int(r, true, j->offset);
	db_row_int(r, true, j->ts_ns);
	db_row_int(r, h & JR_KTIME, j->ktime_ns);
	db_row_int(r, h & JR_CPU, j->cpu);
	db_row_int(r, h & JR_SEQ, j->cpu_seq);
	/* the record kind, even when empty */
	{
		struct db_val *v = db_row_next(r);

		v->type = jrec_text(j, JT_RECORD) ? SQLITE_TEXT : SQLITE_NULL;
		v->p = jrec_text(j, JT_RECORD);
		v->len = -1;
	}
	db_row_text(r, jrec_text(j, JT_EVENT));
	db_row_text(r, jrec_text(j, JT_FAMILY));
	db_row_text(r, jrec_text(j, JT_LADDR));
	db_row_int(r, h & JR_LPORT, j->lport);
	db_row_text(r, jrec_text(j, JT_RADDR));
	db_row_int(r, h & JR_RPORT, j->rport);
	db_row_text(r, jrec_text(j, JT_OLDSTATE));
	db_row_text(r, jrec_text(j, JT_NEWSTATE));
	db_row_int(r, h & JR_ERRNO, j->err);
	db_row_int(r, h & JR_WINDOW, j->window);
	db_row_int(r, h & JR_COOKIE, (int64_t)j->cookie);
	db_row_int(r, h & JR_PID, j->pid);
	db_row_int(r, h & JR_TID, j->tid);
	db_row_int(r, h & JR_UID, j->uid);
	db_row_text(r, jrec_text(j, JT_COMM));
	db_row_text(r, jrec_text(j, JT_OWNER_SRC));
	db_row_int(r, h & JR_PRIORITY, j->priority);
	db_row_text(r, jrec_text(j, JT_MESSAGE));
	db_row_int(r, h & JR_CONN, j->conn_id);
	db_row_int(r, h & JR_GID, j->gid);
	db_row_text(r, jrec_text(j, JT_KSTACK));
}

static void map_proc_journal(struct db_row *r, const void *row, const struct strtab *strs)
{
	const struct row_jrec *j = row;
	uint32_t h = j->has;

	(void)strs;
	db_row_int(r, true, j->file_id);
	db_row_int(r, true, j->ts_ns);
	db_row_int(r, h & JR_PID, j->pid);
	db_row_text(r, jrec_text(j, JT_COMM));
	db_row_text(r, jrec_text(j, JT_EXE));
	db_row_text(r, jrec_text(j, JT_CMDLINE));
	db_row_int(r, h & JR_UID, j->uid);
	db_row_int(r, h & JR_GID, j->gid);
	db_row_int(r, h & JR_PPID, j->ppid);
	db_row_text(r, jrec_text(j, JT_CGROUP));
	db_row_int(r, h & JR_CGROUP_ID, j->cgroup_id);
	db_row_text(r, jrec_text(j, JT_CONTAINER));
	db_row_text(r, "journal");
	db_row_int(r, h & JR_NS_PID, j->ns_pid);
}

static void map_proc_comment(struct db_row *r, const void *row, const struct strtab *strs)
{
	const struct row_proc_comment *p = row;

	db_row_int(r, true, p->file_id);
	db_row_int(r, true, p->ts_ns);
	db_row_int(r, true, p->pid);
	db_row_text(r, str(strs, p->comm));
	db_row_text(r, NULL);
	db_row_text(r, NULL);
	db_row_int(r, p->has_owner, p->uid);
	db_row_int(r, p->has_owner, p->gid);
	db_row_int(r, false, 0);
	db_row_text(r, NULL);
	db_row_int(r, false, 0);
	db_row_text(r, NULL);
	db_row_text(r, "comment");
	db_row_int(r, false, 0);
}

static void map_conn(struct db_row *r, const void *row, const struct strtab *strs)
{
	const struct row_conn *c = row;

	db_row_int(r, true, c->conn_id);
	db_row_text(r, "tcp");
	db_row_text_addr(r, true, c->addr[0], c->ipver);
	db_row_int(r, true, c->port[0]);
	db_row_text_addr(r, true, c->addr[1], c->ipver);
	db_row_int(r, true, c->port[1]);
	db_row_int(r, true, c->role_inferred);
	db_row_int(r, true, c->start_ns);
	db_row_int(r, true, c->end_ns);
	db_row_int(r, true, c->end_ns - c->start_ns);
	for (int d = 0; d < 2; d++) {
		db_row_int(r, true, (int64_t)c->pkts[d]);
		db_row_int(r, true, (int64_t)c->bytes[d]);
		db_row_int(r, true, (int64_t)c->ip_bytes[d]);
	}
	db_row_text(r, c->conn_state);
	db_row_text(r, c->history);
	for (int d = 0; d < 2; d++) {
		db_row_int(r, c->has_pid[d], c->pid[d]);
		db_row_text(r, str(strs, c->comm[d]));
	}
	db_row_int(r, true, (int64_t)c->retransmissions);
	db_row_int(r, c->has_base[0], c->base[0]);
	db_row_int(r, c->has_base[1], c->base[1]);
	db_row_int(r, true, c->file_id);
	db_row_text(r, c->community_id);
}

static void map_hs(struct db_row *r, const void *row, const struct strtab *strs)
{
	const struct row_hs *h = row;
	uint32_t b = h->has;

	db_row_int(r, true, h->hs_id);
	db_row_int(r, true, h->conn_id);
	db_row_text_addr(r, true, h->addr[0], h->ipver);
	db_row_int(r, true, h->port[0]);
	db_row_text_addr(r, true, h->addr[1], h->ipver);
	db_row_int(r, true, h->port[1]);
	db_row_int(r, true, h->role_inferred);
	db_row_int(r, true, h->first_ns);
	db_row_int(r, b & HS_SYN, h->syn_ns);
	db_row_int(r, b & HS_SYN, h->syn_last_ns);
	db_row_int(r, true, h->syn_count);
	db_row_int(r, b & HS_SYNACK, h->synack_ns);
	db_row_int(r, true, h->synack_count);
	db_row_int(r, b & HS_ACK, h->ack_ns);
	db_row_int(r, b & HS_END, h->end_ns);
	db_row_text(r, h->outcome);
	db_row_int(r, b & HS_RTT_SERVER, h->rtt_server_ns);
	db_row_int(r, b & HS_RTT_CLIENT, h->rtt_client_ns);
	db_row_int(r, b & HS_IRTT, h->irtt_ns);
	db_row_int(r, true, h->rtt_ambiguous);
	db_row_int(r, h->mss[0] >= 0, h->mss[0]);
	db_row_int(r, h->mss[1] >= 0, h->mss[1]);
	db_row_int(r, h->wscale[0] >= 0, h->wscale[0]);
	db_row_int(r, h->wscale[1] >= 0, h->wscale[1]);
	db_row_int(r, h->opts_set[0], h->sack_perm[0]);
	db_row_int(r, h->opts_set[1], h->sack_perm[1]);
	db_row_int(r, h->opts_set[0], h->ts[0]);
	db_row_int(r, h->opts_set[1], h->ts[1]);
	/* negotiated: NULL unless some side offered options */
	db_row_int(r, h->opts_any && h->mss_neg >= 0, h->mss_neg);
	db_row_int(r, h->opts_any && h->ws_neg, h->wscale[0]);
	db_row_int(r, h->opts_any && h->ws_neg, h->wscale[1]);
	db_row_int(r, h->opts_any, h->sack_neg);
	db_row_int(r, h->opts_any, h->ts_neg);
	db_row_int(r, b & HS_ISN_C, h->isn[0]);
	db_row_int(r, b & HS_ISN_S, h->isn[1]);
	db_row_int(r, b & HS_PID_C, h->pid[0]);
	db_row_text(r, str(strs, h->comm[0]));
	db_row_int(r, b & HS_PID_S, h->pid[1]);
	db_row_text(r, str(strs, h->comm[1]));
	db_row_int(r, b & HS_ICMP, h->icmp_type);
	db_row_int(r, b & HS_ICMP, h->icmp_code);
	db_row_text_addr(r, b & HS_ICMP, h->icmp_from, h->icmp_ver);
	db_row_int(r, b & HS_K_SYN_SENT, h->k_syn_sent_ns);
	db_row_int(r, b & HS_K_EST, h->k_established_ns);
	db_row_int(r, (b & HS_K_SYN_SENT) && (b & HS_K_EST), h->k_established_ns - h->k_syn_sent_ns);
	db_row_int(r, b & HS_K_SRV_EST, h->k_server_established_ns);
	db_row_int(r, true, h->file_id);
	db_row_text(r, h->community_id);
}

static void map_rtx(struct db_row *r, const void *row, const struct strtab *strs)
{
	const struct row_rtx *x = row;
	struct db_val *fl;
	char *flags;

	db_row_int(r, true, x->packet_id);
	db_row_int(r, true, x->conn_id);
	db_row_int(r, true, x->ts_ns);
	db_row_text_addr(r, true, x->src, x->ipver);
	db_row_int(r, true, x->sport);
	db_row_text_addr(r, true, x->dst, x->ipver);
	db_row_int(r, true, x->dport);
	db_row_int(r, true, x->from_orig);
	db_row_int(r, true, x->seq_rel);
	db_row_int(r, true, x->len);
	/* "" for no flags, not NULL */
	fl = db_row_next(r);
	flags = db_row_buf(r);
	tcp_flags_str(x->tcp_flags, flags);
	fl->p = flags;
	fl->type = SQLITE_TEXT;
	fl->len = -1;
	db_row_text(r, x->cls);
	db_row_int(r, x->has_pid, x->pid);
	db_row_text(r, str(strs, x->comm));
}

static void map_icmp(struct db_row *r, const void *row, const struct strtab *strs)
{
	const struct row_icmp *x = row;
	uint32_t b = x->has;
	bool echo = b & IC_ECHO, q = b & IC_QUOTE;

	db_row_text(r, x->kind);
	db_row_int(r, true, x->ipver);
	db_row_int(r, true, x->ts_ns);
	db_row_text_addr(r, true, x->src, x->ipver);
	db_row_text_addr(r, true, x->dst, x->ipver);
	db_row_int(r, true, x->type);
	db_row_int(r, true, x->code);
	db_row_int(r, echo, x->ident);
	db_row_int(r, echo, x->seq);
	db_row_int(r, b & IC_REPLY, x->reply_ns);
	db_row_int(r, b & IC_RTT, x->rtt_ns);
	db_row_int(r, echo, x->requests);
	db_row_int(r, echo, x->replies);
	db_row_int(r, q, x->q_proto);
	db_row_text_addr(r, q, x->q_src, x->q_ipver);
	db_row_int(r, b & IC_Q_PORTS, x->q_sport);
	db_row_text_addr(r, q, x->q_dst, x->q_ipver);
	db_row_int(r, b & IC_Q_PORTS, x->q_dport);
	db_row_int(r, b & IC_Q_SEQ, x->q_seq);
	db_row_int(r, b & IC_CONN, x->conn_id);
	db_row_int(r, b & IC_CONN, x->conn_id);
	db_row_int(r, b & IC_PID, x->pid);
	db_row_text(r, str(strs, x->comm));
	db_row_int(r, true, x->packet_id);
}

static void map_tunnel(struct db_row *r, const void *row, const struct strtab *strs)
{
	const struct row_tunnel *t = row;

	(void)strs;
	db_row_int(r, true, t->tunnel_id);
	db_row_int(r, true, t->layer);
	db_row_text(r, decode_proto_name(t->kind));
	db_row_blob_addr(r, t->ipver != 0, t->src, t->ipver);
	db_row_blob_addr(r, t->ipver != 0, t->dst, t->ipver);
	db_row_int(r, t->ipver != 0, t->ip_proto);
	db_row_int(r, t->flags & PKT_TUN_PORTS, t->port);
	db_row_int(r, t->flags & PKT_TUN_ID, t->id);
	db_row_int(r, t->flags & PKT_TUN_ID2, t->id2);
	db_row_int(r, t->inner != 0, t->inner);
	db_row_int(r, t->flags & PKT_TUN_VLAN, t->vlan);
	db_row_int(r, t->kind == PKT_P_MPLS, t->count);
}

static void map_undecoded(struct db_row *r, const void *row, const struct strtab *strs)
{
	const struct row_undecoded *u = row;
	bool other = u->reason >= PKT_UNDEC_COUNT;

	(void)strs;
	db_row_int(r, true, u->file_id);
	db_row_text(r, other ? "other" : decode_undecoded_name(u->reason));
	db_row_text(r, other ? NULL : decode_proto_name(u->layer));
	db_row_int(r, !other && u->layer != PKT_P_NONE, u->type);
	db_row_text(r, u->what);
	db_row_int(r, true, (int64_t)u->packets);
}

/* An address of the addresses table: 1 byte of version, 16 of address. */
struct row_addr {
	uint8_t ipver;
	uint8_t a[16];
};

static void map_addr(struct db_row *r, const void *row, const struct strtab *strs)
{
	const struct row_addr *x = row;

	(void)strs;
	db_row_blob_addr(r, true, x->a, x->ipver);
	db_row_text_addr(r, true, x->a, x->ipver);
}

static void map_socket(struct db_row *r, const void *row, const struct strtab *strs)
{
	const struct row_socket *k = row;

	db_row_int(r, true, (int64_t)k->cookie);
	db_row_text(r, str(strs, k->family));
	db_row_text(r, str(strs, k->laddr));
	db_row_int(r, k->has & SK_LPORT, k->lport);
	db_row_text(r, str(strs, k->raddr));
	db_row_int(r, k->has & SK_RPORT, k->rport);
	db_row_int(r, k->has & SK_PID, k->pid);
	db_row_text(r, str(strs, k->comm));
	db_row_int(r, true, k->first_ns);
	db_row_int(r, true, k->last_ns);
	db_row_int(r, true, (int64_t)k->packets);
	db_row_int(r, true, (int64_t)k->events);
}

/* How a kind of row reaches its table. */
struct tdesc {
	const char *vtab;        /* module an_rows_<vtab>; NULL: bound row by row */
	enum an_table table;
	const char *cols;        /* the table's columns, in map() order */
	map_fn *map;
	size_t row_size;         /* a row in a batch, by value; 0: a pointer the store frees
				  * (journal records; interfaces and problems, copied) */
	const char *bind_sql;    /* row by row */
	bool or_ignore;          /* a row whose key is there already is left out */
};

enum desc_id {
	D_FILE, D_FILE_COUNTS, D_IFACE, D_IFACE_COUNTS, D_PROBLEM, D_PACKET, D_ICMP_PACKET, D_EVENT,
	D_PROC_JOURNAL, D_PROC_COMMENT, D_CONN, D_HS, D_RTX, D_ICMP, D_SOCKET, D_TUNNEL,
	D_UNDECODED, D_ADDR,
	D__COUNT,
};

static const struct tdesc descs[D__COUNT] = {
	[D_FILE] = { "files", TB_FILES,
		"file_id, path, size, hash, kind, compression, host, hardware, os, userappl, comment,"
		" sections, interfaces, records, packets, events, unknown_blocks, first_ns, last_ns,"
		" clock_offset_ns, clock_uncertainty_ns, nr_packets_written, nr_events_written,"
		" nr_packets_attributed, nr_packets_kernel, nr_ring_drops, nr_other_drops,"
		" nr_packets_filtered, tcp_packets, icmp_packets, other_packets, loopback_copies,"
		" tcp_events, connections, retransmissions, sequence_gaps, reorder_moved,"
		" reorder_max_displacement, in_order, error, error_offset, loaded_ns",
		map_file, sizeof(struct row_file), NULL },
	[D_FILE_COUNTS] = { NULL, TB_FILES, NULL, map_file_counts, sizeof(struct row_file_counts),
		"UPDATE files SET tcp_packets = ?2, icmp_packets = ?3, other_packets = ?4,"
		" loopback_copies = ?5, tcp_events = ?6, connections = ?7, retransmissions = ?8,"
		" sequence_gaps = ?9 WHERE file_id = ?1" },
	[D_IFACE] = { "interfaces", TB_INTERFACES,
		"iface_id, file_id, section, if_id, linktype, snaplen, name, description, filter,"
		" os, tsresol", map_iface, 0, NULL },
	[D_IFACE_COUNTS] = { NULL, TB_INTERFACES, NULL, map_iface_counts,
		sizeof(struct row_iface_counts),
		"UPDATE interfaces SET packets = ?2, isb_ifrecv = ?3, isb_ifdrop = ?4,"
		" isb_osdrop = ?5, isb_usrdeliv = ?6 WHERE iface_id = ?1" },
	[D_PROBLEM] = { "problems", TB_PROBLEMS, "file_id, offset, block_type, message",
		map_problem, 0, NULL },
	[D_PACKET] = { "packets", TB_PACKETS,
		"id, ord, file_id, offset, iface_id, ts_ns, cpu, cpu_seq, caplen, origlen,"
		" direction, vlan, src, dst, proto, ttl, ip_id, ip_len, sport, dport, tcp_flags,"
		" seq_raw, ack_raw, win, payload_len, tcp_opts, tsval, tsecr, icmp_type, icmp_code,"
		" pid, tid, uid, gid, comm, owner_src, cookie, conn_id, from_orig, anomalies,"
		" ip_tos, ip_hlen, ip_frag, ip_csum, flow_label, tcp_hlen, urg_ptr, l4_csum, sack,"
		" tunnel_id",
		map_packet, sizeof(struct row_pkt), NULL },
	[D_ICMP_PACKET] = { "icmp_packets", TB_ICMP_PACKETS,
		"packet_id, ident, seq, q_src, q_dst, q_proto, q_sport, q_dport, q_seq, mtu,"
		" pointer, orig_len, addr, addr2, nd_flags, ra_hoplimit, ra_lifetime,"
		" ra_reachable, ra_retrans, ts_orig, ts_recv, ts_xmit, mld_delay",
		map_icmp_packet, sizeof(struct row_pkt), NULL },
	[D_EVENT] = { "events", TB_EVENTS,
		"id, ord, file_id, offset, ts_ns, ktime_ns, cpu, cpu_seq, record, event, family,"
		" laddr, lport, raddr, rport, oldstate, newstate, errno, window, cookie, pid, tid,"
		" uid, comm, owner_src, priority, message, conn_id, gid, kernel_stack", map_event, 0, NULL },
	[D_PROC_JOURNAL] = { "processes_journal", TB_PROCESSES,
		"file_id, ts_ns, pid, comm, exe, cmdline, uid, gid, ppid, cgroup, cgroup_id,"
		" container_id, source, ns_pid", map_proc_journal, 0, NULL },
	[D_PROC_COMMENT] = { "processes_comment", TB_PROCESSES,
		"file_id, ts_ns, pid, comm, exe, cmdline, uid, gid, ppid, cgroup, cgroup_id,"
		" container_id, source, ns_pid", map_proc_comment, sizeof(struct row_proc_comment), NULL },
	[D_CONN] = { "connections", TB_CONNECTIONS,
		"conn_id, proto, orig_h, orig_p, resp_h, resp_p, role_inferred, start_ns, end_ns,"
		" duration_ns, orig_pkts, orig_bytes, orig_ip_bytes, resp_pkts, resp_bytes,"
		" resp_ip_bytes, conn_state, history, orig_pid, orig_comm, resp_pid, resp_comm,"
		" retransmissions, orig_seq_base, resp_seq_base, file_id, community_id",
		map_conn, sizeof(struct row_conn), NULL },
	[D_HS] = { "handshakes", TB_HANDSHAKES,
		"hs_id, conn_id, client, client_port, server, server_port, role_inferred, first_ns,"
		" syn_ns, syn_last_ns, syn_count, synack_ns, synack_count, ack_ns, end_ns, outcome,"
		" rtt_server_ns, rtt_client_ns, irtt_ns, rtt_ambiguous, client_mss, server_mss,"
		" client_wscale, server_wscale, client_sack_perm, server_sack_perm, client_ts,"
		" server_ts, mss, wscale_client, wscale_server, sack_perm, timestamps, client_isn,"
		" server_isn, client_pid, client_comm, server_pid, server_comm, icmp_type, icmp_code,"
		" icmp_from, k_syn_sent_ns, k_established_ns, k_connect_ns, k_server_established_ns,"
		" file_id, community_id", map_hs, sizeof(struct row_hs), NULL },
	[D_RTX] = { "retransmissions", TB_RETRANS,
		"packet_id, conn_id, ts_ns, src, sport, dst, dport, from_orig, seq_rel, len,"
		" flags_str, class, pid, comm", map_rtx, sizeof(struct row_rtx), NULL },
	[D_ICMP] = { "icmp", TB_ICMP,
		"kind, ip_version, ts_ns, src, dst, type, code, ident, seq, reply_ns, rtt_ns,"
		" requests, replies, q_proto, q_src, q_sport, q_dst, q_dport, q_seq, conn_id, hs_id,"
		" pid, comm, packet_id", map_icmp, sizeof(struct row_icmp), NULL },
	[D_SOCKET] = { "sockets", TB_SOCKETS,
		"cookie, family, laddr, lport, raddr, rport, pid, comm, first_ns, last_ns, packets,"
		" events", map_socket, sizeof(struct row_socket), NULL },
	[D_TUNNEL] = { "tunnels", TB_TUNNELS,
		"tunnel_id, layer, kind, outer_src, outer_dst, ip_proto, port, id, id2, inner,"
		" vlan, labels", map_tunnel, sizeof(struct row_tunnel), NULL, true },
	[D_UNDECODED] = { "undecoded", TB_UNDECODED,
		"file_id, reason, layer, type, what, packets", map_undecoded,
		sizeof(struct row_undecoded), NULL },
	[D_ADDR] = { "addresses", TB_ADDRESSES, "addr, text", map_addr, sizeof(struct row_addr),
		NULL, true },
};

/* ---- the addresses table's rows: each address once ---- */

/* The addresses put in this run, so that each is put once (the table
 * ignores a repeat, so forgetting is harmless: when ADDR_MAX are held the
 * set starts again). Open addressing on a hash of the address. */
#define ADDR_MAX (1u << 18)
struct addrset {
	struct row_addr *slot;   /* 2 * ADDR_MAX slots; ipver 0: empty */
	size_t n;
};

static uint64_t addr_hash(const struct row_addr *x)
{
	uint64_t h = 1469598103934665603ull ^ x->ipver;

	for (int i = 0; i < (x->ipver == 6 ? 16 : 4); i++)
		h = (h ^ x->a[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

/* True when x was not in the set (it is now); false when it was, or when
 * there is no memory for the set (then every address is put). */
static bool addrset_add(struct addrset *s, const struct row_addr *x)
{
	size_t cap = 2 * ADDR_MAX, i;

	if (!s->slot) {
		s->slot = calloc(cap, sizeof(*s->slot));
		if (!s->slot)
			return true;
	}
	if (s->n >= ADDR_MAX) {
		memset(s->slot, 0, cap * sizeof(*s->slot));
		s->n = 0;
	}
	for (i = addr_hash(x) & (cap - 1); s->slot[i].ipver; i = (i + 1) & (cap - 1))
		if (!memcmp(&s->slot[i], x, sizeof(*x)))
			return false;
	s->slot[i] = *x;
	s->n++;
	return true;
}

/* ---- batches and the queue ---- */

struct batch {
	struct batch *next;
	enum desc_id d;
	size_t n, cap;
	void *rows;              /* n rows of row_size, or n pointers */
	bool end;                /* the last: commit (or roll back) and stop */
};

/* The virtual table of one kind: the batch the writer is inserting. */
struct vtab_aux {
	const struct store *s;
	enum desc_id d;
	const struct batch *cur;
};

struct store {
	sqlite3 *db;
	uint32_t tables;
	const struct strtab *strs;
	sqlite3_stmt *st[D__COUNT];
	struct vtab_aux aux[D__COUNT];
	pthread_mutex_t put_mu;   /* store_put's: the load's reader and its pass
				     both put rows */
	struct batch *open[D__COUNT];   /* being filled (under put_mu) */
	/* the queue */
	pthread_mutex_t mu;
	pthread_cond_t cv_put, cv_get;
	struct batch *head, *tail;
	int queued;
	struct batch *spare[D__COUNT]; /* written batches, for reuse (under mu) */
	bool failed;              /* the writer stopped on an error (under mu) */
	pthread_t writer;
	bool started;
	struct an_err err;        /* the writer's error */
	uint64_t rows[D__COUNT];  /* written */
	struct addrset addrs;     /* addresses put this run (under put_mu) */
};

static const void *batch_row(const struct batch *b, size_t i)
{
	const struct tdesc *d = &descs[b->d];

	return d->row_size ? (const char *)b->rows + i * d->row_size : ((void *const *)b->rows)[i];
}

/* A row the store was handed by pointer: journal records are jrec_alloc's,
 * the others (copies of interfaces and problems) malloc's. */
static void row_free(enum desc_id d, void *row)
{
	if (d == D_EVENT || d == D_PROC_JOURNAL)
		jrec_free(row);
	else
		free(row);
}

static void batch_free(struct batch *b)
{
	if (!b)
		return;
	if (!descs[b->d].row_size)
		for (size_t i = 0; i < b->n; i++)
			row_free(b->d, ((void **)b->rows)[i]);
	free(b->rows);
	free(b);
}

/* A written batch goes back to its kind's spares: its buffer is reused
 * rather than returned to the system and faulted in again. */
static void recycle(struct store *s, struct batch *b, bool failed)
{
	if (!descs[b->d].row_size)
		for (size_t i = 0; i < b->n; i++)
			row_free(b->d, ((void **)b->rows)[i]);
	b->n = 0;
	pthread_mutex_lock(&s->mu);
	if (failed)
		s->failed = true;
	b->next = s->spare[b->d];
	s->spare[b->d] = b;
	pthread_mutex_unlock(&s->mu);
}

/* ---- the virtual table module an_rows_<table> ---- */

struct rows_vtab {
	sqlite3_vtab base;
	struct vtab_aux *aux;
};

struct rows_cursor {
	sqlite3_vtab_cursor base;
	size_t i;
	size_t mapped;            /* row index + 1 of the values in row */
	struct db_row row;
};

static int rv_connect(sqlite3 *db, void *paux, int argc, const char *const *argv,
		      sqlite3_vtab **out, char **err)
{
	struct vtab_aux *aux = paux;
	struct rows_vtab *v;
	char sql[1024];
	size_t n = 0;
	int ncols = 1;

	(void)argc;
	(void)argv;
	(void)err;
	/* as many columns as the table's column list names */
	for (const char *c = descs[aux->d].cols; *c; c++)
		ncols += *c == ',';
	n += (size_t)snprintf(sql, sizeof(sql), "CREATE TABLE x(");
	for (int k = 0; k < ncols && n < sizeof(sql) - 16; k++)
		n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%sc%d", k ? "," : "", k);
	snprintf(sql + n, sizeof(sql) - n, ")");
	if (sqlite3_declare_vtab(db, sql) != SQLITE_OK)
		return SQLITE_ERROR;
	v = sqlite3_malloc(sizeof(*v));
	if (!v)
		return SQLITE_NOMEM;
	memset(v, 0, sizeof(*v));
	v->aux = aux;
	*out = &v->base;
	return SQLITE_OK;
}

static int rv_disconnect(sqlite3_vtab *v)
{
	sqlite3_free(v);
	return SQLITE_OK;
}

static int rv_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
	(void)v;
	info->estimatedCost = 1;
	return SQLITE_OK;
}

static int rv_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
	struct rows_cursor *c = sqlite3_malloc(sizeof(*c));

	(void)v;
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	*out = &c->base;
	return SQLITE_OK;
}

static int rv_close(sqlite3_vtab_cursor *c)
{
	sqlite3_free(c);
	return SQLITE_OK;
}

static int rv_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxs, int argc,
		     sqlite3_value **argv)
{
	struct rows_cursor *c = (struct rows_cursor *)cur;

	(void)idx;
	(void)idxs;
	(void)argc;
	(void)argv;
	c->i = 0;
	c->mapped = 0;
	return SQLITE_OK;
}

static int rv_next(sqlite3_vtab_cursor *cur)
{
	((struct rows_cursor *)cur)->i++;
	return SQLITE_OK;
}

static int rv_eof(sqlite3_vtab_cursor *cur)
{
	struct rows_cursor *c = (struct rows_cursor *)cur;
	const struct batch *b = ((struct rows_vtab *)cur->pVtab)->aux->cur;

	return !b || c->i >= b->n;
}

static int rv_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int k)
{
	struct rows_cursor *c = (struct rows_cursor *)cur;
	struct vtab_aux *aux = ((struct rows_vtab *)cur->pVtab)->aux;

	if (c->mapped != c->i + 1) {
		db_row_reset(&c->row);
		descs[aux->d].map(&c->row, batch_row(aux->cur, c->i), aux->s->strs);
		c->mapped = c->i + 1;
	}
	db_row_result(ctx, &c->row, k);
	return SQLITE_OK;
}

static int rv_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *id)
{
	*id = (sqlite3_int64)((struct rows_cursor *)cur)->i;
	return SQLITE_OK;
}

static const sqlite3_module rows_module = {
	.iVersion = 0,
	.xConnect = rv_connect,
	.xBestIndex = rv_best_index,
	.xDisconnect = rv_disconnect,
	.xOpen = rv_open,
	.xClose = rv_close,
	.xFilter = rv_filter,
	.xNext = rv_next,
	.xEof = rv_eof,
	.xColumn = rv_column,
	.xRowid = rv_rowid,
};

/* ---- the writer thread ---- */

static int write_batch(struct store *s, struct batch *b)
{
	const struct tdesc *d = &descs[b->d];
	sqlite3_stmt *st = s->st[b->d];
	int rc;

	if (!st)
		return 0;
	if (!d->vtab) {
		struct db_row row;

		for (size_t i = 0; i < b->n; i++) {
			db_row_reset(&row);
			d->map(&row, batch_row(b, i), s->strs);
			db_row_bind(st, &row);
			rc = db_step(st, &s->err);
			if (rc)
				return rc;
		}
	} else {
		s->aux[b->d].cur = b;
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		s->aux[b->d].cur = NULL;
		if (rc != SQLITE_DONE) {
			an_err_set(&s->err, "database: %s", sqlite3_errmsg(s->db));
			return -EIO;
		}
	}
	s->rows[b->d] += b->n;
	return 0;
}

static void *writer(void *arg)
{
	struct store *s = arg;
	bool failed = false, commit = false;

	for (;;) {
		struct batch *b;

		pthread_mutex_lock(&s->mu);
		while (!s->head)
			pthread_cond_wait(&s->cv_get, &s->mu);
		b = s->head;
		s->head = b->next;
		if (!s->head)
			s->tail = NULL;
		s->queued--;
		pthread_cond_signal(&s->cv_put);
		pthread_mutex_unlock(&s->mu);
		if (b->end) {
			commit = b->n && !failed;
			batch_free(b);
			break;
		}
		if (!failed && write_batch(s, b))
			failed = true;
		recycle(s, b, failed);
	}
	jrec_thread_done();
	if (commit) {
		if (db_exec(s->db, "COMMIT", &s->err)) {
			failed = true;
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		}
	} else {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	}
	pthread_mutex_lock(&s->mu);
	s->failed = failed;
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* Hands b to the writer, waiting while the queue is full. */
static int enqueue(struct store *s, struct batch *b)
{
	bool failed;

	pthread_mutex_lock(&s->mu);
	while (s->queued >= QUEUE_MAX && !s->failed)
		pthread_cond_wait(&s->cv_put, &s->mu);
	failed = s->failed;
	if (!failed || b->end) {
		b->next = NULL;
		if (s->tail)
			s->tail->next = b;
		else
			s->head = b;
		s->tail = b;
		s->queued++;
		pthread_cond_signal(&s->cv_get);
	}
	pthread_mutex_unlock(&s->mu);
	if (failed && !b->end) {
		batch_free(b);
		return -EIO;
	}
	return 0;
}

static int flush(struct store *s, enum desc_id d)
{
	struct batch *b = s->open[d];

	if (!b || !b->n)
		return 0;
	s->open[d] = NULL;
	return enqueue(s, b);
}

/* Adds a row (by value) or a pointer to the kind's open batch. */
static int add(struct store *s, enum desc_id id, const void *row)
{
	const struct tdesc *d = &descs[id];
	size_t size = d->row_size ? d->row_size : sizeof(void *);
	struct batch *b = s->open[id];

	if (!s->st[id]) {
		if (!d->row_size)
			row_free(id, (void *)row);
		return 0;
	}
	if (!b) {
		pthread_mutex_lock(&s->mu);
		b = s->spare[id];
		if (b)
			s->spare[id] = b->next;
		pthread_mutex_unlock(&s->mu);
	}
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (b) {
			b->d = id;
			/* a batch of pointers holds the rows they point to as
			 * well: journal records, some 500 bytes each */
			b->cap = d->row_size ? BATCH_BYTES / size : PTR_BATCH_ROWS;
			b->rows = malloc(b->cap * size);
		}
		if (!b || !b->rows) {
			free(b);
			if (!d->row_size)
				row_free(id, (void *)row);
			return -ENOMEM;
		}
	}
	s->open[id] = b;
	b->next = NULL;
	if (d->row_size)
		memcpy((char *)b->rows + b->n * size, row, size);
	else
		((const void **)b->rows)[b->n] = row;
	if (++b->n == b->cap)
		return flush(s, id);
	return 0;
}

/* ---- the store's interface ---- */

bool store_wants(const struct store *s, enum an_table t)
{
	return s->tables & (1u << t);
}

int store_open(struct store **out, sqlite3 *db, uint32_t tables, const struct strtab *strs,
	       struct an_err *e)
{
	struct store *s = calloc(1, sizeof(*s));
	int err = 0;

	*out = NULL;
	if (!s) {
		an_err_set(e, "out of memory");
		return -ENOMEM;
	}
	s->db = db;
	s->tables = tables;
	s->strs = strs;
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->put_mu, NULL);
	pthread_cond_init(&s->cv_put, NULL);
	pthread_cond_init(&s->cv_get, NULL);
	for (int i = 0; i < D__COUNT && !err; i++) {
		const struct tdesc *d = &descs[i];
		char name[64], *sql;

		s->aux[i] = (struct vtab_aux){ s, (enum desc_id)i, NULL };
		if (!store_wants(s, d->table))
			continue;
		if (!d->vtab) {
			err = db_prepare(db, &s->st[i], d->bind_sql, e);
			continue;
		}
		snprintf(name, sizeof(name), "an_rows_%s", d->vtab);
		if (sqlite3_create_module(db, name, &rows_module, &s->aux[i]) != SQLITE_OK) {
			an_err_set(e, "database: %s", sqlite3_errmsg(db));
			err = -EIO;
			break;
		}
		sql = sqlite3_mprintf("INSERT %sINTO %s(%s) SELECT * FROM %s",
				      d->or_ignore ? "OR IGNORE " : "", an_table_names[d->table],
				      d->cols, name);
		if (!sql) {
			an_err_set(e, "out of memory");
			err = -ENOMEM;
			break;
		}
		err = db_prepare(db, &s->st[i], sql, e);
		sqlite3_free(sql);
	}
	if (!err)
		err = db_exec(db, "BEGIN", e);
	if (!err && pthread_create(&s->writer, NULL, writer, s)) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		an_err_set(e, "cannot start the database writer thread");
		err = -EAGAIN;
	}
	if (err) {
		for (int i = 0; i < D__COUNT; i++)
			sqlite3_finalize(s->st[i]);
		free(s);
		return err;
	}
	s->started = true;
	*out = s;
	return 0;
}

int store_close(struct store *s, bool commit, struct an_err *e)
{
	struct batch *end;
	int err = 0;

	if (!s)
		return 0;
	/* what is still open, in an order that keeps every interface row
	 * ahead of its counters */
	for (int i = 0; commit && !err && i < D__COUNT; i++)
		err = flush(s, (enum desc_id)i);
	end = calloc(1, sizeof(*end));
	if (end) {
		end->end = true;
		end->n = commit && !err;   /* n: commit */
		enqueue(s, end);
	} else {
		/* no memory for the last batch: stop the writer as failed */
		pthread_mutex_lock(&s->mu);
		s->failed = true;
		pthread_mutex_unlock(&s->mu);
		err = -ENOMEM;
	}
	pthread_join(s->writer, NULL);
	if (s->failed && !err)
		err = -EIO;
	if (s->failed && e && s->err.msg[0])
		an_err_set(e, "%s", s->err.msg);
	else if (err && e && !e->msg[0])
		an_err_set(e, "cannot store the rows: %s", strerror(-err));
	for (int i = 0; i < D__COUNT; i++) {
		batch_free(s->open[i]);
		sqlite3_finalize(s->st[i]);
	}
	while (s->head) {
		struct batch *b = s->head;

		s->head = b->next;
		batch_free(b);
	}
	for (int i = 0; i < D__COUNT; i++) {
		while (s->spare[i]) {
			struct batch *b = s->spare[i];

			s->spare[i] = b->next;
			batch_free(b);
		}
	}
	free(s->addrs.slot);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->put_mu);
	pthread_cond_destroy(&s->cv_put);
	pthread_cond_destroy(&s->cv_get);
	free(s);
	return commit ? err : 0;
}

/* Interfaces and problems point to text their caller may free or reuse
 * once the row is put (an interface's strings live in the reader's section,
 * which the next section frees), while the writer thread writes the row
 * later: the store keeps its own copy, the row and its text in one block. */
static size_t text_size(const char *t)
{
	return t ? strlen(t) + 1 : 0;
}

static const char *text_copy(char **at, const char *t)
{
	size_t n = text_size(t);
	char *d = *at;

	if (!t)
		return NULL;
	memcpy(d, t, n);
	*at += n;
	return d;
}

static struct row_iface *iface_copy(const struct row_iface *r)
{
	struct row_iface *c = malloc(sizeof(*c) + text_size(r->name) + text_size(r->description) +
				     text_size(r->filter) + text_size(r->os));
	char *at;

	if (!c)
		return NULL;
	*c = *r;
	at = (char *)(c + 1);
	c->name = text_copy(&at, r->name);
	c->description = text_copy(&at, r->description);
	c->filter = text_copy(&at, r->filter);
	c->os = text_copy(&at, r->os);
	return c;
}

static struct row_problem *problem_copy(const struct row_problem *r)
{
	struct row_problem *c = malloc(sizeof(*c) + text_size(r->message));
	char *at;

	if (!c)
		return NULL;
	*c = *r;
	at = (char *)(c + 1);
	c->message = text_copy(&at, r->message);
	return c;
}

static int put_addr(struct store *s, const uint8_t *a, uint8_t ipver)
{
	struct row_addr x = { .ipver = ipver };

	memcpy(x.a, a, ipver == 6 ? 16 : 4);
	return addrset_add(&s->addrs, &x) ? add(s, D_ADDR, &x) : 0;
}

/* The addresses a packet row holds as BLOBs, into the addresses table. */
static int put_addrs(struct store *s, const struct row_pkt *p)
{
	int err = 0;

	if (p->has & PK_IP) {
		err = put_addr(s, p->src, p->ipver);
		if (!err)
			err = put_addr(s, p->dst, p->ipver);
	}
	if (!err && (p->has & PK_QUOTE)) {
		err = put_addr(s, p->q_src, p->q_ipver);
		if (!err)
			err = put_addr(s, p->q_dst, p->q_ipver);
	}
	if (!err && (p->has & PK_ICMPX) &&
	    (p->icmp_fields & (ICMPF_GATEWAY | ICMPF_TARGET | ICMPF_MASK | ICMPF_MLD)))
		err = put_addr(s, p->icmp_addr, p->ipver);
	if (!err && (p->has & PK_ICMPX) && (p->icmp_fields & ICMPF_DEST))
		err = put_addr(s, p->icmp_addr2, p->ipver);
	return err;
}

static int put(struct store *s, enum row_kind kind, void *row)
{
	int err;

	switch (kind) {
	case ROW_FILE: return add(s, D_FILE, row);
	case ROW_FILE_COUNTS: return add(s, D_FILE_COUNTS, row);
	case ROW_IFACE: {
		struct row_iface *c = iface_copy(row);

		return c ? add(s, D_IFACE, c) : -ENOMEM;
	}
	case ROW_IFACE_COUNTS:
		/* an UPDATE of the interface's row: that must be in first */
		err = flush(s, D_IFACE);
		return err ? err : add(s, D_IFACE_COUNTS, row);
	case ROW_PROBLEM: {
		struct row_problem *c = problem_copy(row);

		return c ? add(s, D_PROBLEM, c) : -ENOMEM;
	}
	case ROW_PKT: {
		const struct row_pkt *p = row;

		if (s->st[D_ADDR]) {
			err = put_addrs(s, p);
			if (err)
				return err;
		}
		if (p->has & (PK_ECHO | PK_QUOTE | PK_ICMPX)) {
			err = add(s, D_ICMP_PACKET, row);
			if (err)
				return err;
		}
		return add(s, D_PACKET, row);
	}
	case ROW_JREC: {
		struct row_jrec *j = row;

		if (j->kind == JK_PROCESS && s->st[D_PROC_JOURNAL]) {
			size_t n = sizeof(*j) + j->text_len;
			struct row_jrec *copy = jrec_alloc(n);
			uint8_t cls;

			if (!copy) {
				jrec_free(j);
				return -ENOMEM;
			}
			cls = copy->size_class;
			memcpy(copy, j, n);
			copy->size_class = cls;
			err = add(s, D_PROC_JOURNAL, copy);
			if (err) {
				jrec_free(j);
				return err;
			}
		}
		return add(s, D_EVENT, j);
	}
	case ROW_PROC_COMMENT: return add(s, D_PROC_COMMENT, row);
	case ROW_CONN: return add(s, D_CONN, row);
	case ROW_HS: return add(s, D_HS, row);
	case ROW_RTX: return add(s, D_RTX, row);
	case ROW_ICMP: return add(s, D_ICMP, row);
	case ROW_SOCKET: return add(s, D_SOCKET, row);
	case ROW_TUNNEL: {
		const struct row_tunnel *t = row;
		int e2;

		for (int k = 0; k < 2 && t->ipver && s->st[D_ADDR]; k++) {
			e2 = put_addr(s, k ? t->dst : t->src, t->ipver);
			if (e2)
				return e2;
		}
		return add(s, D_TUNNEL, row);
	}
	case ROW_UNDECODED: return add(s, D_UNDECODED, row);
	case ROW__COUNT: break;
	}
	return -EINVAL;
}

int store_put(void *ctx, enum row_kind kind, void *row)
{
	struct store *s = ctx;
	int err;

	pthread_mutex_lock(&s->put_mu);
	err = put(s, kind, row);
	pthread_mutex_unlock(&s->put_mu);
	return err;
}

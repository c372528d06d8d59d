/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading a kept database back (replay.h). Packets and events are read in
 * id order, which is their time order, and merged by id. A row's NULLs
 * become the absent fields they were; a packet's anomalies keep only what
 * the decoder found (the rest the pass works out again); an ICMP packet's
 * details come from icmp_packets, also in id order. The processes row
 * of the n-th process record is the n-th journal row of the processes
 * table: the store writes the two together.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "profile.h"
#include "replay.h"

struct replay {
	sqlite3 *db;
	sqlite3_stmt *pkt, *ev, *proc, *icmp;
	bool have_icmp, icmp_done;
	struct pool *pkts;
	struct strtab *strs;
	bool have_pkt, have_ev;      /* a row is pending in the statement */
	bool pkt_done, ev_done;
};

#define PKT_SQL \
	"SELECT id, file_id, offset, iface_id, ts_ns, cpu, cpu_seq, caplen, origlen," \
	" direction, vlan, src, dst, proto, ttl, ip_id, ip_len, sport, dport, tcp_flags, seq_raw," \
	" ack_raw, win, payload_len, tcp_opts, tsval, tsecr, icmp_type, icmp_code, pid, tid, uid," \
	" gid, comm, owner_src, cookie, anomalies, ip_tos, ip_hlen, ip_frag, ip_csum, flow_label," \
	" tcp_hlen, urg_ptr, l4_csum, sack, tunnel_id FROM packets ORDER BY id"
#define ICMP_SQL \
	"SELECT packet_id, ident, seq, q_src, q_dst, q_proto, q_sport, q_dport, q_seq, mtu," \
	" pointer, orig_len, addr, addr2, nd_flags, ra_hoplimit, ra_lifetime, ra_reachable," \
	" ra_retrans, ts_orig, ts_recv, ts_xmit, mld_delay FROM icmp_packets ORDER BY packet_id"
#define EV_SQL \
	"SELECT id, file_id, offset, ts_ns, ktime_ns, cpu, cpu_seq, record, event," \
	" family, laddr, lport, raddr, rport, oldstate, newstate, errno, window, cookie, pid," \
	" tid, uid, comm, owner_src, priority, message, gid, kernel_stack FROM events ORDER BY id"
#define PROC_SQL \
	"SELECT exe, cmdline, gid, ppid, cgroup, cgroup_id, container_id, ns_pid FROM processes" \
	" WHERE source = 'journal' ORDER BY proc_id"

int replay_open(struct replay **out, sqlite3 *db, struct pool *pkts, struct strtab *strs,
		struct an_err *e)
{
	struct replay *r = calloc(1, sizeof(*r));
	int err;

	*out = NULL;
	if (!r) {
		an_err_set(e, "out of memory");
		return -ENOMEM;
	}
	r->db = db;
	r->pkts = pkts;
	r->strs = strs;
	err = db_prepare(db, &r->pkt, PKT_SQL, e);
	if (!err)
		err = db_prepare(db, &r->ev, EV_SQL, e);
	if (!err)
		err = db_prepare(db, &r->proc, PROC_SQL, e);
	if (!err)
		err = db_prepare(db, &r->icmp, ICMP_SQL, e);
	if (err) {
		replay_close(r);
		return err;
	}
	*out = r;
	return 0;
}

void replay_close(struct replay *r)
{
	if (!r)
		return;
	sqlite3_finalize(r->pkt);
	sqlite3_finalize(r->ev);
	sqlite3_finalize(r->proc);
	sqlite3_finalize(r->icmp);
	free(r);
}

static bool col_null(sqlite3_stmt *st, int c)
{
	return sqlite3_column_type(st, c) == SQLITE_NULL;
}

static int64_t col(sqlite3_stmt *st, int c)
{
	return sqlite3_column_int64(st, c);
}

/* A 4/16-byte address column into a; its IP version, 0 if not one. */
static int col_addr(sqlite3_stmt *st, int c, uint8_t a[16])
{
	const void *b = sqlite3_column_blob(st, c);
	int n = sqlite3_column_bytes(st, c);

	memset(a, 0, 16);
	if (!b || (n != 4 && n != 16))
		return 0;
	memcpy(a, b, (size_t)n);
	return n == 16 ? 6 : 4;
}

static uint8_t owner_src_of(const char *name)
{
	for (unsigned i = 0; i < NR_OWNER_MAX; i++)
		if (!strcmp(nr_owner_src_name(i), name))
			return (uint8_t)i;
	return NR_OWNER_UNKNOWN;
}

static void read_packet(struct replay *r, sqlite3_stmt *st, struct row_pkt *p)
{
	const unsigned char *t;
	int c = 0;

	memset(p, 0, sizeof(*p));
	p->id = col(st, c++);
	p->file_id = (uint32_t)col(st, c++);
	/* only the order within this source matters, and that is the id's */
	p->file_idx = p->id;
	p->offset = col(st, c++);
	if (!col_null(st, c)) {
		p->has |= PK_IFACE;
		p->iface_id = col(st, c);
	}
	c++;
	p->ts_ns = col(st, c++);
	if (!col_null(st, c) && !col_null(st, c + 1)) {
		p->has |= PK_CPU;
		p->cpu = col(st, c);
		p->cpu_seq = col(st, c + 1);
	}
	c += 2;
	p->caplen = (uint32_t)col(st, c++);
	p->origlen = (uint32_t)col(st, c++);
	t = sqlite3_column_text(st, c++);
	p->dir = !t ? PKT_DIR_UNKNOWN : t[0] == 'i' ? PKT_DIR_IN : PKT_DIR_OUT;
	if (!col_null(st, c)) {
		p->has |= PK_VLAN;
		p->vlan = (uint16_t)col(st, c);
	}
	c++;
	p->ipver = (uint8_t)col_addr(st, c++, p->src);
	col_addr(st, c++, p->dst);
	if (p->ipver)
		p->has |= PK_IP;
	p->proto = (uint8_t)col(st, c++);
	p->ttl = (uint8_t)col(st, c++);
	p->ip_id = (uint32_t)col(st, c++);
	p->ip_len = (uint32_t)col(st, c++);
	if (!col_null(st, c))
		p->has |= PK_PORTS;
	p->sport = (uint16_t)col(st, c++);
	p->dport = (uint16_t)col(st, c++);
	if (!col_null(st, c))
		p->has |= PK_TCP;
	p->tcp_flags_all = (uint16_t)col(st, c);
	p->tcp_flags = (uint8_t)col(st, c++);
	p->seq = (uint32_t)col(st, c++);
	p->ack = (uint32_t)col(st, c++);
	p->win = (uint16_t)col(st, c++);
	if (!col_null(st, c))
		p->has |= PK_L4;
	p->payload_len = (uint32_t)col(st, c++);
	/* store.c's packing of the TCP options */
	int64_t o = col(st, c++);

	if (o & (1 << 16)) {
		p->has |= PK_MSS;
		p->mss = (uint16_t)(o & 0xffff);
	}
	if (o & (1 << 25)) {
		p->has |= PK_WSCALE;
		p->wscale = (uint8_t)(o >> 17);
	}
	if (o & (1 << 26))
		p->has |= PK_SACK_PERM;
	p->sack_blocks = (uint8_t)((o >> 27) & 31);
	if (!col_null(st, c))
		p->has |= PK_TS;
	p->tsval = (uint32_t)col(st, c++);
	p->tsecr = (uint32_t)col(st, c++);
	if (!col_null(st, c))
		p->has |= PK_ICMP;
	p->icmp_type = (uint8_t)col(st, c++);
	p->icmp_code = (uint8_t)col(st, c++);
	if (!col_null(st, c))
		p->has |= PK_PID;
	p->pid = (uint32_t)col(st, c++);
	p->tid = (uint32_t)col(st, c++);
	if (!col_null(st, c))
		p->has |= PK_OWNER;
	p->uid = (uint32_t)col(st, c++);
	p->gid = (uint32_t)col(st, c++);
	t = sqlite3_column_text(st, c);
	if (t)
		p->comm = strtab_intern(r->strs, (const char *)t, (size_t)sqlite3_column_bytes(st, c));
	c++;
	t = sqlite3_column_text(st, c++);
	if (t) {
		p->has |= PK_ANNOT;
		p->owner_src = owner_src_of((const char *)t);
	}
	if (!col_null(st, c)) {
		p->has |= PK_COOKIE;
		p->cookie = (uint64_t)col(st, c);
	}
	c++;
	p->anomalies = (uint16_t)(col(st, c++) & AN_DECODER);
	p->ip_tos = (uint8_t)col(st, c++);
	p->ip_hlen = (uint8_t)col(st, c++);
	if (!col_null(st, c))
		p->has |= PK_IPFRAG;
	p->ip_frag = (uint16_t)col(st, c++);
	p->ip_csum = (uint16_t)col(st, c++);
	p->flow_label = (uint32_t)col(st, c++);
	p->tcp_hlen = (uint8_t)col(st, c++);
	p->urg_ptr = (uint16_t)col(st, c++);
	if (!col_null(st, c))
		p->has |= PK_L4CSUM;
	p->l4_csum = (uint16_t)col(st, c++);
	t = sqlite3_column_text(st, c++);
	/* "left-right,..." (store.c) */
	for (int i = 0; t && *t && i < 4 && i < p->sack_blocks; i++) {
		char *end;

		p->sack_left[i] = (uint32_t)strtoul((const char *)t, &end, 10);
		if (*end != '-')
			break;
		p->sack_right[i] = (uint32_t)strtoul(end + 1, &end, 10);
		t = (const unsigned char *)(*end == ',' ? end + 1 : end);
	}
	if (!col_null(st, c)) {
		p->has |= PK_TUNNEL;
		p->tunnel_id = col(st, c);
	}
	c++;
}

/* An ICMP packet's identifier, sequence and quote (icmp_packets row st). */
static void read_icmp(sqlite3_stmt *st, struct row_pkt *p)
{
	if (!col_null(st, 1)) {
		p->has |= PK_ECHO;
		p->icmp_id = (uint16_t)col(st, 1);
		p->icmp_seq = (uint16_t)col(st, 2);
	}
	p->q_ipver = (uint8_t)col_addr(st, 3, p->q_src);
	col_addr(st, 4, p->q_dst);
	if (p->q_ipver)
		p->has |= PK_QUOTE;
	p->q_proto = (uint8_t)col(st, 5);
	if (!col_null(st, 6)) {
		p->has |= PK_Q_PORTS;
		p->q_sport = (uint16_t)col(st, 6);
		p->q_dport = (uint16_t)col(st, 7);
	}
	if (!col_null(st, 8)) {
		p->has |= PK_Q_SEQ;
		p->q_seq = (uint32_t)col(st, 8);
	}
	/* the type-specific fields: which are set is what is not NULL */
	static const struct { int col; uint16_t f; } fl[] = {
		{ 9, ICMPF_MTU }, { 10, ICMPF_POINTER }, { 11, ICMPF_LENGTH },
		{ 14, ICMPF_ND_FLAGS }, { 15, ICMPF_RA }, { 19, ICMPF_TS }, { 22, ICMPF_MLD },
		{ 13, ICMPF_DEST },
	};
	uint16_t f = 0;

	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		if (!col_null(st, fl[i].col))
			f |= fl[i].f;
	if (!col_null(st, 12)) {
		/* the address's meaning is the type's (decode_icmp.c) */
		col_addr(st, 12, p->icmp_addr);
		f |= p->ipver == 4 ? (p->icmp_type == 5 ? ICMPF_GATEWAY : ICMPF_MASK) :
		     (f & ICMPF_MLD) ? ICMPF_MLD : ICMPF_TARGET;
	}
	col_addr(st, 13, p->icmp_addr2);
	if (f) {
		p->has |= PK_ICMPX;
		p->icmp_fields = f;
	}
	p->icmp_mtu = (uint32_t)col(st, 9);
	p->icmp_pointer = (uint32_t)col(st, 10);
	p->icmp_orig_len = (uint32_t)col(st, 11);
	p->icmp_nd_flags = (uint32_t)col(st, 14);
	p->icmp_ra_hoplimit = (uint8_t)col(st, 15);
	p->icmp_ra_lifetime = (uint16_t)col(st, 16);
	p->icmp_ra_reachable = (uint32_t)col(st, 17);
	p->icmp_ra_retrans = (uint32_t)col(st, 18);
	p->icmp_ts_orig = (uint32_t)col(st, 19);
	p->icmp_ts_recv = (uint32_t)col(st, 20);
	p->icmp_ts_xmit = (uint32_t)col(st, 21);
	p->icmp_mld_delay = (uint16_t)col(st, 22);
}

static struct row_jrec *read_event(struct replay *r, sqlite3_stmt *st, struct an_err *e)
{
	static const struct { int c; enum jr_text t; } texts[] = {
		{ 7, JT_RECORD }, { 8, JT_EVENT }, { 9, JT_FAMILY }, { 10, JT_LADDR },
		{ 12, JT_RADDR }, { 14, JT_OLDSTATE }, { 15, JT_NEWSTATE }, { 22, JT_COMM },
		{ 23, JT_OWNER_SRC }, { 25, JT_MESSAGE }, { 27, JT_KSTACK },
	};
	static const struct { int c; uint32_t bit; size_t off; } ints[] = {
		{ 4, JR_KTIME, offsetof(struct row_jrec, ktime_ns) },
		{ 5, JR_CPU, offsetof(struct row_jrec, cpu) },
		{ 6, JR_SEQ, offsetof(struct row_jrec, cpu_seq) },
		{ 11, JR_LPORT, offsetof(struct row_jrec, lport) },
		{ 13, JR_RPORT, offsetof(struct row_jrec, rport) },
		{ 16, JR_ERRNO, offsetof(struct row_jrec, err) },
		{ 17, JR_WINDOW, offsetof(struct row_jrec, window) },
		{ 19, JR_PID, offsetof(struct row_jrec, pid) },
		{ 20, JR_TID, offsetof(struct row_jrec, tid) },
		{ 21, JR_UID, offsetof(struct row_jrec, uid) },
		{ 24, JR_PRIORITY, offsetof(struct row_jrec, priority) },
		{ 26, JR_GID, offsetof(struct row_jrec, gid) },
	};
	const char *text[JT__COUNT] = { 0 };
	struct row_jrec t, *j;
	int64_t v;

	memset(&t, 0, sizeof(t));
	t.id = col(st, 0);
	t.file_id = (uint32_t)col(st, 1);
	t.file_idx = t.id;
	t.offset = col(st, 2);
	t.ts_ns = col(st, 3);
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		if (col_null(st, ints[i].c))
			continue;
		v = col(st, ints[i].c);
		t.has |= ints[i].bit;
		memcpy((char *)&t + ints[i].off, &v, sizeof(v));
	}
	if (!col_null(st, 18)) {
		t.has |= JR_COOKIE;
		t.cookie = (uint64_t)col(st, 18);
	}
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		text[texts[i].t] = (const char *)sqlite3_column_text(st, texts[i].c);
	if (text[JT_RECORD] && !strcmp(text[JT_RECORD], "process")) {
		sqlite3_stmt *p = r->proc;
		int rc = sqlite3_step(p);

		if (rc == SQLITE_ROW) {
			text[JT_EXE] = (const char *)sqlite3_column_text(p, 0);
			text[JT_CMDLINE] = (const char *)sqlite3_column_text(p, 1);
			if (!col_null(p, 2)) {
				t.has |= JR_GID;
				t.gid = col(p, 2);
			}
			if (!col_null(p, 3)) {
				t.has |= JR_PPID;
				t.ppid = col(p, 3);
			}
			text[JT_CGROUP] = (const char *)sqlite3_column_text(p, 4);
			if (!col_null(p, 5)) {
				t.has |= JR_CGROUP_ID;
				t.cgroup_id = col(p, 5);
			}
			text[JT_CONTAINER] = (const char *)sqlite3_column_text(p, 6);
			if (!col_null(p, 7)) {
				t.has |= JR_NS_PID;
				t.ns_pid = col(p, 7);
			}
		} else if (rc != SQLITE_DONE) {
			an_err_set(e, "database: %s", sqlite3_errmsg(r->db));
			return NULL;
		}
	}
	j = journal_make(&t, text);
	if (!j)
		an_err_set(e, "out of memory");
	return j;
}

/* Steps st unless a row is pending; 1 with a row, 0 at its end. */
static int peek(struct replay *r, sqlite3_stmt *st, bool *have, bool *done, struct an_err *e)
{
	int rc;

	if (*have)
		return 1;
	if (*done)
		return 0;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*have = true;
		return 1;
	}
	if (rc != SQLITE_DONE) {
		an_err_set(e, "database: %s", sqlite3_errmsg(r->db));
		return -EIO;
	}
	*done = true;
	return 0;
}

int replay_next(void *ctx, struct order_rec *out, struct an_err *e)
{
	struct replay *r = ctx;
	int hp, he;

	hp = peek(r, r->pkt, &r->have_pkt, &r->pkt_done, e);
	if (hp < 0)
		return hp;
	he = peek(r, r->ev, &r->have_ev, &r->ev_done, e);
	if (he < 0)
		return he;
	if (!hp && !he)
		return 0;
	if (hp && (!he || col(r->pkt, 0) < col(r->ev, 0))) {
		struct row_pkt *p = pool_get(r->pkts);

		if (!p) {
			an_err_set(e, "out of memory");
			return -ENOMEM;
		}
		read_packet(r, r->pkt, p);
		r->have_pkt = false;
		/* its icmp_packets row, if any (both tables in id order) */
		while ((hp = peek(r, r->icmp, &r->have_icmp, &r->icmp_done, e)) > 0 &&
		       col(r->icmp, 0) <= p->id) {
			if (col(r->icmp, 0) == p->id)
				read_icmp(r->icmp, p);
			r->have_icmp = false;
		}
		if (hp < 0) {
			pool_put(r->pkts, p);
			return hp;
		}
		order_rec_pkt(out, p);
		return 1;
	}
	struct row_jrec *j = read_event(r, r->ev, e);

	if (!j)
		return -ENOMEM;
	r->have_ev = false;
	order_rec_jrec(out, j);
	return 1;
}

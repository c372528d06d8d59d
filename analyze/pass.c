/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The analysis pass (pass.h): the hub that hands each record to the parts
 * that read it, TCP to conn.c, ICMP to icmp.c, journal records to
 * kevents.c, sockets.c and procs.c, and writes what they finish: a packet
 * row at once, an ICMP error or other message at once, an echo exchange
 * when it ends, a connection with its handshake when the connection ends
 * (idle, replaced, or the end of the input), an event when its connection
 * is settled. Where packets named no owner, a handshake takes the one
 * kernel events name, then the command a process record gives its pid, and
 * the connection takes the handshake's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "community_id.h"
#include "decode.h"
#include "flow.h"
#include "gaps.h"
#include "kevents.h"
#include "pass.h"
#include "procs.h"
#include "sockets.h"

#define SWEEP_EVERY_NS (10 * NS_PER_SEC)

const struct pass_limits pass_default_limits = {
	.flows = 500000,
	.echoes = 1000000,
	.events = 200000,
	.sockets = 250000,
	.processes = 1u << 20,
};

struct file_rank {
	int64_t rank;             /* its records seen so far in time order */
	struct pass_file_stats st;
};

struct pass {
	struct conn_table conns;
	struct icmp_state icmp;
	struct kevents kev;
	struct sockets socks;
	struct procs procs;
	struct gaps gaps;
	struct strtab *strs;
	struct row_sink sink;
	int64_t next_ord;
	int64_t next_sweep;
	int64_t now;              /* time of the latest record, bounded */
	struct file_rank *files;
	size_t nfiles;
	uint16_t cid_seed;        /* Community ID seed */
};

static int put_socket(void *ctx, const struct row_socket *r)
{
	struct pass *p = ctx;

	return p->sink.put(p->sink.ctx, ROW_SOCKET, (void *)r);
}

int pass_new(struct pass **out, const struct pass_limits *lim, struct strtab *strs,
	     struct row_sink sink)
{
	struct pass *p = calloc(1, sizeof(*p));
	int err;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->strs = strs;
	p->sink = sink;
	p->next_ord = 1;
	p->next_sweep = INT64_MIN;
	p->now = INT64_MIN;
	procs_init(&p->procs, lim->processes);
	gaps_init(&p->gaps);
	err = conn_init(&p->conns, lim->flows);
	if (!err)
		err = icmp_init(&p->icmp, lim->echoes);
	if (!err)
		err = kevents_init(&p->kev, lim->events, lim->sockets, strs);
	if (!err)
		err = sockets_init(&p->socks, lim->sockets, strs, put_socket, p);
	if (err) {
		pass_free(p);
		return err;
	}
	*out = p;
	return 0;
}

void pass_free(struct pass *p)
{
	if (!p)
		return;
	conn_free(&p->conns);
	icmp_free(&p->icmp);
	kevents_free(&p->kev);
	sockets_free(&p->socks);
	procs_free(&p->procs);
	gaps_free(&p->gaps);
	free(p->files);
	free(p);
}

void pass_set_fleet(struct pass *p, const int *vantage, size_t nvantage, uint16_t cid_seed)
{
	p->conns.vantage = vantage;
	p->conns.nvantage = nvantage;
	p->cid_seed = cid_seed;
}

static struct file_rank *file_of(struct pass *p, uint32_t file_id)
{
	if (file_id >= p->nfiles) {
		size_t n = (size_t)file_id + 16;
		struct file_rank *f = realloc(p->files, n * sizeof(*f));

		if (!f)
			return NULL;
		memset(f + p->nfiles, 0, (n - p->nfiles) * sizeof(*f));
		p->files = f;
		p->nfiles = n;
	}
	return &p->files[file_id];
}

void pass_file_stats(const struct pass *p, uint32_t file_id, struct pass_file_stats *out)
{
	if (file_id < p->nfiles)
		*out = p->files[file_id].st;
	else
		memset(out, 0, sizeof(*out));
	out->gaps_known = gaps_of(&p->gaps, file_id, &out->sequence_gaps);
}

const char *pass_limit_note(const struct pass *p)
{
	if (p->procs.full)
		return "more processes than netanalyze remembers; some command names of "
		       "processes known only from packet comments may be missing";
	if (strtab_full(p->strs))
		return "more distinct command names and addresses than netanalyze remembers; "
		       "some are missing";
	return NULL;
}

/* The record's place: its id in the timeline, and how far it moved from
 * its place in its file. */
static int number(struct pass *p, uint32_t file_id, int64_t file_idx, int64_t *id,
		  struct an_err *e)
{
	struct file_rank *f = file_of(p, file_id);
	int64_t d;

	if (!f) {
		an_err_set(e, "out of memory");
		return -ENOMEM;
	}
	*id = p->next_ord++;
	d = f->rank - file_idx;
	f->st.seen = true;
	if (d) {
		f->st.moved++;
		if (d < 0)
			d = -d;
		if (d > f->st.max_disp)
			f->st.max_disp = d;
	}
	f->rank++;
	return 0;
}

static int put(struct pass *p, enum row_kind k, void *row, struct an_err *e)
{
	int err = p->sink.put(p->sink.ctx, k, row);

	if (err && !e->msg[0])
		an_err_set(e, "cannot store a row: %s", strerror(-err));
	return err;
}

/* The rows of an ended connection: its handshake, then the connection. */
static int flow_done(struct pass *p, struct flow *f, struct an_err *e)
{
	const struct kjoin *kj = f->kj;
	struct row_conn c;
	struct row_hs h;
	int err;

	hs_row(f, &h);
	conn_row(f, &c);
	/* one Community ID for both rows */
	community_id(c.community_id, p->cid_seed, f->ipver, f->ep[0].addr, f->ep[1].addr, 6, true,
		     f->ep[0].port, f->ep[1].port);
	memcpy(h.community_id, c.community_id, sizeof(h.community_id));
	if (f->file_id < p->nfiles)
		p->files[f->file_id].st.connections++;
	for (int d = 0; d < 2; d++) {
		uint32_t pid_bit = d ? HS_PID_S : HS_PID_C;

		/* kernel events name the owner where packets named none */
		if (!(h.has & pid_bit) && kj && (kj->has & (d ? KJ_PID_S : KJ_PID_C))) {
			h.has |= pid_bit;
			h.pid[d] = kj->ev_pid[d];
			if (!h.comm[d])
				h.comm[d] = kj->ev_comm[d];
		}
		/* a command from the process records where none was named */
		if (!h.comm[d] && (h.has & pid_bit))
			h.comm[d] = procs_comm(&p->procs, f->file_id, h.pid[d]);
		if (!c.has_pid[d] && (h.has & pid_bit)) {
			c.has_pid[d] = true;
			c.pid[d] = h.pid[d];
		}
		if (!c.comm[d])
			c.comm[d] = h.comm[d];
	}
	err = put(p, ROW_CONN, &c, e);
	if (!err)
		err = put(p, ROW_HS, &h, e);
	conn_flow_free(f);
	return err;
}

static int drain_flows(struct pass *p, struct an_err *e)
{
	struct flow *f;
	int err = 0;

	while ((f = conn_take_ended(&p->conns))) {
		if (!err)
			err = flow_done(p, f, e);
		else
			conn_flow_free(f);
	}
	return err;
}

static int put_icmp(void *ctx, const struct row_icmp *r)
{
	struct pass *p = ctx;

	return p->sink.put(p->sink.ctx, ROW_ICMP, (void *)r);
}

/* Journal records whose time has come. */
static int release(struct pass *p, bool all, struct an_err *e)
{
	struct row_jrec *j;
	int err;

	while ((j = kevents_release(&p->kev, p->now, all))) {
		err = put(p, ROW_JREC, j, e);
		if (err)
			return err;
	}
	return 0;
}

static int sweep(struct pass *p, struct an_err *e)
{
	int err;

	conn_sweep(&p->conns, p->now, false);
	err = drain_flows(p, e);
	if (!err)
		err = icmp_sweep(&p->icmp, p->now, false, put_icmp, p);
	if (err && !e->msg[0])
		an_err_set(e, "cannot store a row: %s", strerror(-err));
	return err;
}

static int tcp_packet(struct pass *p, struct row_pkt *r, const struct apkt *a, struct an_err *e)
{
	struct conn_result res;
	int err;

	err = conn_packet(&p->conns, a, &r->anomalies, &res);
	if (err) {
		an_err_set(e, "out of memory");
		return err;
	}
	r->has |= PK_CONN | PK_FROM_ORIG;
	r->conn_id = res.f->conn_id;
	r->from_orig = res.from_orig;
	if (res.created)
		kevents_flow_started(&p->kev, res.f);
	/* a packet its own socket sent names the socket's connection */
	if ((r->has & (PK_COOKIE | PK_ANNOT)) == (PK_COOKIE | PK_ANNOT) && r->cookie &&
	    r->dir == PKT_DIR_OUT && r->owner_src == NR_OWNER_SOCKET &&
	    !(res.f->ep[res.from].bits & EP_COOKIE)) {
		res.f->ep[res.from].bits |= EP_COOKIE;
		kevents_packet(&p->kev, r->cookie, r->conn_id);
	}
	if (res.rtx_class) {
		struct row_rtx x = {
			.packet_id = r->id, .conn_id = r->conn_id, .ts_ns = a->ts,
			.pid = r->pid, .seq_rel = res.seq_rel, .len = r->payload_len,
			.comm = r->comm, .has_pid = r->has & PK_PID, .from_orig = res.from_orig,
			.ipver = r->ipver, .tcp_flags = r->tcp_flags, .sport = r->sport,
			.dport = r->dport, .cls = res.rtx_class,
		};

		memcpy(x.src, r->src, 16);
		memcpy(x.dst, r->dst, 16);
		p->files[r->file_id].st.retransmissions++;
		err = put(p, ROW_RTX, &x, e);
		if (err)
			return err;
	}
	return drain_flows(p, e);
}

static int icmp_packet_row(struct pass *p, struct row_pkt *r, const struct apkt *a,
			   struct an_err *e)
{
	struct icmp_result res;
	struct row_icmp out;
	int err;

	err = icmp_packet(&p->icmp, a, &out, &res);
	if (err) {
		an_err_set(e, "out of memory");
		return err;
	}
	if (res.quotes_tcp) {
		int64_t c = conn_quoted(&p->conns, a);

		if (c) {
			r->has |= PK_CONN;
			r->conn_id = c;
			out.has |= IC_CONN;
			out.conn_id = c;
		}
	}
	return res.write ? put(p, ROW_ICMP, &out, e) : 0;
}

static void count_packet(struct pass_file_stats *st, const struct row_pkt *r)
{
	if (!(r->has & PK_IP) || (r->proto != 6 && r->proto != 1 && r->proto != 58))
		st->other_packets++;
	else if (r->proto == 6)
		st->tcp_packets++;
	else
		st->icmp_packets++;
	if (r->anomalies & AN_COPY)
		st->loopback_copies++;
}

int pass_packet(struct pass *p, struct row_pkt *r, struct an_err *e)
{
	struct apkt a = { r, ts_clamp(r->ts_ns) };
	int err;

	err = number(p, r->file_id, r->file_idx, &r->id, e);
	if (err)
		return err;
	p->now = a.ts;
	if (a.ts >= p->next_sweep) {
		err = sweep(p, e);
		if (err)
			return err;
		p->next_sweep = a.ts + SWEEP_EVERY_NS;
	}
	r->anomalies &= AN_DECODER;
	if ((r->has & (PK_TCP | PK_PORTS | PK_IP)) == (PK_TCP | PK_PORTS | PK_IP))
		err = tcp_packet(p, r, &a, e);
	else if ((r->has & (PK_ICMP | PK_IP)) == (PK_ICMP | PK_IP))
		err = icmp_packet_row(p, r, &a, e);
	if (!err && (r->has & PK_COOKIE) && r->cookie)
		err = sockets_packet(&p->socks, r);
	if (err) {
		if (!e->msg[0])
			an_err_set(e, "cannot store a row: %s", strerror(-err));
		return err;
	}
	procs_comment(&p->procs, r);
	count_packet(&p->files[r->file_id].st, r);
	if (r->has & PK_CPU)
		gaps_add(&p->gaps, r->file_id, true, r->cpu, r->cpu_seq);
	err = put(p, ROW_PKT, r, e);
	if (!err)
		err = release(p, false, e);
	return err;
}

int pass_jrec(struct pass *p, struct row_jrec *j, struct an_err *e)
{
	struct kev_match m;
	int err;

	err = number(p, j->file_id, j->file_idx, &j->id, e);
	if (err) {
		jrec_free(j);
		return err;
	}
	p->now = ts_clamp(j->ts_ns);
	err = release(p, false, e);
	while (!err && kevents_full(&p->kev)) {
		/* a second of events is more than the queue holds: the oldest
		 * goes now */
		struct row_jrec *old = kevents_release(&p->kev, p->now, true);

		err = put(p, ROW_JREC, old, e);
	}
	if (err) {
		jrec_free(j);
		return err;
	}
	if (j->kind == JK_TCP_EVENT)
		p->files[j->file_id].st.tcp_events++;
	if (j->has & JR_SEQ)
		gaps_add(&p->gaps, j->file_id, j->has & JR_CPU, j->cpu, j->cpu_seq);
	if ((j->has & JR_COOKIE) && j->cookie) {
		err = sockets_event(&p->socks, j);
		if (err) {
			jrec_free(j);
			if (!e->msg[0])
				an_err_set(e, "cannot store a row: %s", strerror(-err));
			return err;
		}
	}
	if (j->kind == JK_PROCESS && (j->has & JR_PID)) {
		const char *comm = jrec_text(j, JT_COMM);

		procs_journal(&p->procs, j->file_id, j->pid,
			      comm ? strtab_intern(p->strs, comm, strlen(comm)) : 0);
	}
	uint32_t file_id = j->file_id;

	err = kevents_add(&p->kev, j, &m);
	if (err) {
		jrec_free(j);
		an_err_set(e, "out of memory");
		return err;
	}
	if (m.tuple) {
		int side;
		struct flow *f = conn_lookup(&p->conns, conn_vantage(&p->conns, file_id), m.ipver,
					     m.laddr, m.lport, m.raddr, m.rport, &side);

		if (f)
			kevents_match_last(&p->kev, f, side);
	}
	return release(p, false, e);
}

static int put_proc(void *ctx, const struct row_proc_comment *r)
{
	struct pass *p = ctx;

	return p->sink.put(p->sink.ctx, ROW_PROC_COMMENT, (void *)r);
}

int pass_finish(struct pass *p, struct an_err *e)
{
	int err;

	err = release(p, true, e);
	if (err)
		return err;
	conn_sweep(&p->conns, 0, true);
	err = drain_flows(p, e);
	if (!err)
		err = icmp_sweep(&p->icmp, 0, true, put_icmp, p);
	if (!err)
		err = sockets_flush(&p->socks);
	if (!err)
		err = procs_each_comment_only(&p->procs, put_proc, p);
	if (err && !e->msg[0])
		an_err_set(e, "cannot store a row: %s", strerror(-err));
	return err;
}

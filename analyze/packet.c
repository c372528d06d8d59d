/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The packet row builder: one capture record in, one struct row_pkt out
 * (rows.h). It decodes the headers (decode.c), reads netrec's annotation
 * (docs/format.md §4) or the standard EPB options for direction and owner,
 * and takes the owner's command from a netrec packet comment. Pure: no
 * SQL, no state but the per-file context; what it cannot decode it flags in
 * the row's anomalies, so every packet makes a row.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "decode.h"
#include "profile.h"
#include "rows.h"
#include "tunnels.h"

/* netrec's comment "curl[4242/4243] uid=..." names the process: the
 * command when the pid in it is the packet's (len 0 otherwise). */
static size_t comment_comm(const struct capfile_rec *rec, uint32_t pid, const char **comm)
{
	const char *c = rec->comment;
	size_t n = rec->comment_len, i, k = 0;
	uint64_t v = 0;

	if (!c || !n)
		return 0;
	for (i = 0; i < n && c[i] != '[' && c[i] != ' '; i++)
		;
	if (i == 0 || i >= n || c[i] != '[' || i >= 64)
		return 0;
	for (size_t j = i + 1; j < n && c[j] >= '0' && c[j] <= '9' && k < 15; j++, k++)
		v = v * 10 + (uint64_t)(c[j] - '0');
	if (!k || v != pid)
		return 0;
	*comm = c;
	return i;
}

void packet_build(struct row_pkt *p, const struct capfile_rec *rec, int64_t iface_id,
		  struct packet_ctx *ctx)
{
	struct capfile_opt_iter it;
	struct capfile_opt o;
	struct nr_pkt_annot an;
	bool have_an = false;
	struct pkt d;
	uint32_t linktype = rec->iface ? rec->iface->linktype : 0xffffffffu;

	memset(p, 0, sizeof(*p));
	decode_packet(linktype, rec->data, rec->caplen, &d);
	if (rec->opts_len) {
		capfile_opt_iter_init(&it, rec);
		while (!have_an && capfile_opt_next(&it, &o) > 0)
			if (o.code == PCAPNG_OPT_CUSTOM_BIN &&
			    nr_annot_from_option(o.val, o.len, rec->swapped, &an) == 0)
				have_an = true;
	}
	p->ts_ns = rec->block_type == PCAPNG_BT_SPB ? ctx->last_ts : an_ts_clamp(rec->ts_ns);
	ctx->last_ts = p->ts_ns;
	p->file_id = ctx->file_id;
	p->file_idx = ctx->file_idx++;
	p->offset = (int64_t)rec->offset;
	if (iface_id) {
		p->has |= PK_IFACE;
		p->iface_id = iface_id;
	}
	if (have_an) {
		p->has |= PK_CPU | PK_ANNOT;
		p->cpu = an.cpu;
		p->cpu_seq = (int64_t)an.seq;
		p->owner_src = an.owner_src;
		if (an.flags & NR_ANNOT_F_COPY)
			p->anomalies |= AN_COPY;
		if (an.flags & NR_ANNOT_F_COOKIE) {
			p->has |= PK_COOKIE;
			p->cookie = an.cookie;
		}
	}
	p->caplen = rec->caplen;
	p->origlen = rec->origlen;

	p->dir = (uint8_t)d.dir;
	if (rec->has_flags && (rec->flags & 3))
		p->dir = (rec->flags & 3) == PCAPNG_EPB_DIR_INBOUND ? PKT_DIR_IN : PKT_DIR_OUT;
	else if (have_an)
		p->dir = (an.flags & NR_ANNOT_F_EGRESS) ? PKT_DIR_OUT : PKT_DIR_IN;
	if (d.vlan >= 0) {
		p->has |= PK_VLAN;
		p->vlan = (uint16_t)d.vlan;
	}
	if (d.ipver) {
		p->has |= PK_IP;
		if (d.fragment)
			p->anomalies |= AN_FRAGMENT;
		p->ipver = d.ipver;
		memcpy(p->src, d.src, 16);
		memcpy(p->dst, d.dst, 16);
		p->proto = d.proto;
		p->ttl = d.ttl;
		p->ip_id = d.ip_id;
		p->ip_len = d.ip_len;
		p->ip_tos = d.tos;
		p->ip_hlen = d.ip_hlen;
		if (d.ipver == 4) {
			p->ip_csum = d.ip_csum;
			p->has |= PK_IPFRAG;
		} else {
			p->flow_label = d.flow_label;
			if (d.fragment || d.mf || d.frag_off)
				p->has |= PK_IPFRAG;
		}
		p->ip_frag = (uint16_t)((d.df ? 0x4000 : 0) | (d.mf ? 0x2000 : 0) |
					((d.frag_off / 8) & 0x1fff));
	}
	if (d.ntunnels > 0) {
		p->has |= PK_TUNNEL;
		p->tunnel_id = tunnels_note(ctx->tunnels, d.tunnels, d.ntunnels);
	}
	undecoded_count(ctx->undec, &d);
	if (d.has_l4) {
		p->has |= PK_L4;
		p->payload_len = d.payload_len;
		if (d.proto == 6 || d.proto == 17) {
			p->has |= PK_PORTS;
			p->sport = d.sport;
			p->dport = d.dport;
		}
	}
	if (d.has_l4 && d.proto == 6) {
		p->has |= PK_TCP;
		p->tcp_flags = d.tcp_flags;
		p->tcp_flags_all = d.tcp_flags_all;
		p->tcp_hlen = d.tcp_hlen;
		p->urg_ptr = d.urg_ptr;
		p->seq = d.seq;
		p->ack = d.ack;
		p->win = d.win;
		if (d.mss >= 0) {
			p->has |= PK_MSS;
			p->mss = (uint16_t)d.mss;
		}
		if (d.wscale >= 0) {
			p->has |= PK_WSCALE;
			p->wscale = (uint8_t)d.wscale;
		}
		if (d.sack_perm)
			p->has |= PK_SACK_PERM;
		if (d.has_ts) {
			p->has |= PK_TS;
			p->tsval = d.tsval;
			p->tsecr = d.tsecr;
		}
		p->sack_blocks = (uint8_t)d.sack_blocks;
		for (int i = 0; i < d.sack_blocks && i < 4; i++) {
			p->sack_left[i] = d.sack_left[i];
			p->sack_right[i] = d.sack_right[i];
		}
	}
	if (d.has_l4 || d.icmp) {
		p->has |= PK_L4CSUM;
		p->l4_csum = d.l4_csum;
	}
	if (d.icmp) {
		p->has |= PK_ICMP;
		p->icmp_type = d.icmp_type;
		p->icmp_code = d.icmp_code;
		if (d.icmp_echo) {
			p->has |= PK_ECHO;
			p->icmp_id = d.icmp_id;
			p->icmp_seq = d.icmp_seq;
		}
		if (d.icmp_fields & ~ICMPF_ECHO) {
			p->has |= PK_ICMPX;
			p->icmp_fields = d.icmp_fields;
			p->icmp_mtu = d.icmp_mtu;
			p->icmp_pointer = d.icmp_pointer;
			p->icmp_orig_len = d.icmp_orig_len;
			p->icmp_nd_flags = d.icmp_nd_flags;
			p->icmp_ra_hoplimit = d.icmp_ra_hoplimit;
			p->icmp_ra_lifetime = d.icmp_ra_lifetime;
			p->icmp_ra_reachable = d.icmp_ra_reachable;
			p->icmp_ra_retrans = d.icmp_ra_retrans;
			p->icmp_ts_orig = d.icmp_ts_orig;
			p->icmp_ts_recv = d.icmp_ts_recv;
			p->icmp_ts_xmit = d.icmp_ts_xmit;
			p->icmp_mld_delay = d.icmp_mld_delay;
			memcpy(p->icmp_addr, d.icmp_addr, 16);
			memcpy(p->icmp_addr2, d.icmp_addr2, 16);
		}
	}
	if (d.has_quote) {
		p->has |= PK_QUOTE | (d.q_has_ports ? PK_Q_PORTS : 0) | (d.q_has_seq ? PK_Q_SEQ : 0);
		p->q_ipver = d.q_ipver;
		memcpy(p->q_src, d.q_src, 16);
		memcpy(p->q_dst, d.q_dst, 16);
		p->q_proto = d.q_proto;
		p->q_sport = d.q_sport;
		p->q_dport = d.q_dport;
		p->q_seq = d.q_seq;
	}
	if (d.dec_flags & DEC_TRUNCATED)
		p->anomalies |= AN_TRUNCATED;
	if (d.dec_flags & DEC_UNDECODABLE)
		p->anomalies |= AN_UNDECODABLE;

	/* owner: netrec annotation, else the standard epb_processid_threadid */
	if (have_an && (an.flags & NR_ANNOT_F_OWNER)) {
		p->has |= PK_PID | PK_OWNER;
		p->pid = an.pid;
		p->tid = an.tid;
		p->uid = an.uid;
		p->gid = an.gid;
	} else if (rec->has_pid) {
		p->has |= PK_PID;
		p->pid = rec->pid;
		p->tid = rec->tid;
	}
	if (p->has & PK_PID) {
		const char *c;
		size_t n = comment_comm(rec, p->pid, &c);

		if (n && n == ctx->comm_len && !memcmp(c, ctx->comm, n)) {
			p->comm = ctx->comm_id;
		} else if (n) {
			p->comm = strtab_intern(ctx->strs, c, n);
			if (p->comm && n <= sizeof(ctx->comm)) {
				memcpy(ctx->comm, c, n);
				ctx->comm_len = (uint16_t)n;
				ctx->comm_id = p->comm;
			}
		}
	}
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * decode_dump: prints what the analyzer's decoder (analyze/decode*.c) finds
 * in each packet of a capture, as the columns
 *     tshark -r FILE -T fields -E occurrence=a|l -E aggregator=, -e F...
 * prints them for the same Wireshark field names, so that a test can
 * compare the two line by line (tests/analyze/decode_vs_tshark.sh).
 *
 * Usage: decode_dump -a|-l FILE FIELD...
 *   -a  every occurrence, outermost first (tunnels' outer headers, the
 *       innermost packet, then the header an ICMP error quotes)
 *   -l  the last occurrence only
 * A field whose value the decoder does not keep (the TTL of a tunnel's
 * outer header, say) prints as "?", which the comparison takes as "any".
 * It reads the value only from struct pkt: it computes nothing itself.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "pcapng.h"

#define MAXV 24

struct vals {
	int n;
	char v[MAXV][48];
};

static void add(struct vals *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct vals *v, const char *fmt, ...)
{
	va_list ap;

	if (v->n >= MAXV)
		return;
	va_start(ap, fmt);
	vsnprintf(v->v[v->n++], sizeof(v->v[0]), fmt, ap);
	va_end(ap);
}

static void add_addr(struct vals *v, int ver, const uint8_t *a)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(ver == 6 ? AF_INET6 : AF_INET, a, s, sizeof(s));
	add(v, "%s", s);
}

/* The innermost IP header is a tunnel's outer one: no inner IP was found
 * inside the last tunnel. */
static bool inner_is_outer(const struct pkt *p)
{
	return p->ntunnels && p->tunnels[p->ntunnels - 1].ipver &&
	       p->tunnels[p->ntunnels - 1].ip_index == p->nip - 1;
}

/* Every IP header of version ver: tunnels' outer ones (each once), the
 * innermost, the quoted one. which: 0 source, 1 destination. */
static void ip_list(const struct pkt *p, int ver, int which, struct vals *v)
{
	int last = -1;

	for (int i = 0; i < p->ntunnels; i++) {
		const struct pkt_tunnel *t = &p->tunnels[i];

		if (!t->ipver || t->ip_index == last)
			continue;
		last = t->ip_index;
		if (t->ipver == ver)
			add_addr(v, ver, which ? t->dst : t->src);
	}
	if (p->ipver == ver && !inner_is_outer(p))
		add_addr(v, ver, which ? p->dst : p->src);
	if (p->has_quote && p->q_ipver == ver)
		add_addr(v, ver, which ? p->q_dst : p->q_src);
}

static void udp_list(const struct pkt *p, int which, struct vals *v)
{
	int last = -1;

	for (int i = 0; i < p->ntunnels; i++) {
		const struct pkt_tunnel *t = &p->tunnels[i];

		if (!(t->flags & PKT_TUN_PORTS) || t->ip_index == last)
			continue;
		last = t->ip_index;
		add(v, "%u", which ? t->dport : t->sport);
	}
	if (p->proto == 17 && p->has_l4 && !inner_is_outer(p))
		add(v, "%u", which ? p->dport : p->sport);
	if (p->has_quote && p->q_proto == 17 && p->q_has_ports)
		add(v, "%u", which ? p->q_dport : p->q_sport);
}

static void tunnel_ids(const struct pkt *p, int kind, int kind2, struct vals *v, bool hex)
{
	for (int i = 0; i < p->ntunnels; i++)
		if ((p->tunnels[i].kind == kind || p->tunnels[i].kind == kind2) &&
		    (p->tunnels[i].flags & PKT_TUN_ID)) {
			if (hex)
				add(v, "0x%08x", p->tunnels[i].id);
			else
				add(v, "%u", p->tunnels[i].id);
		}
}

/* An inner field of IP version ver: unknown ("?") when another header of
 * that version comes after it (a quoted one) or is the only one (the
 * innermost packet is of the other version). */
static bool inner_ip(const struct pkt *p, int ver, struct vals *v, bool all)
{
	bool outer_same = false;

	for (int i = 0; i < p->ntunnels; i++)
		if (p->tunnels[i].ipver == ver)
			outer_same = true;
	if (all && outer_same) { /* the outer values are not kept */
		add(v, "?");
		return false;
	}
	if (p->has_quote && p->q_ipver == ver) {
		add(v, "?");
		return false;
	}
	if (p->ipver != ver || inner_is_outer(p)) {
		if (outer_same)
			add(v, "?");
		return false;
	}
	return true;
}

static void field(const struct pkt *p, const char *f, struct vals *v, bool all)
{
	bool tcp = p->proto == 6 && p->has_l4;
	bool qtcp = p->has_quote && p->q_proto == 6;

	if (!strcmp(f, "ip.src") || !strcmp(f, "ip.dst")) {
		ip_list(p, 4, f[3] == 'd', v);
	} else if (!strcmp(f, "ipv6.src") || !strcmp(f, "ipv6.dst")) {
		ip_list(p, 6, f[5] == 'd', v);
	} else if (!strcmp(f, "udp.srcport") || !strcmp(f, "udp.dstport")) {
		udp_list(p, f[4] == 'd', v);
	} else if (!strcmp(f, "tcp.srcport") || !strcmp(f, "tcp.dstport")) {
		if (tcp)
			add(v, "%u", f[4] == 'd' ? p->dport : p->sport);
		if (qtcp && p->q_has_ports)
			add(v, "%u", f[4] == 'd' ? p->q_dport : p->q_sport);
	} else if (!strcmp(f, "tcp.seq_raw")) {
		if (tcp)
			add(v, "%u", p->seq);
		if (qtcp) /* tshark does not always show a quoted segment's */
			add(v, "?");
	} else if (!strncmp(f, "tcp.", 4)) {
		if (qtcp) {
			add(v, "?");
		} else if (!tcp) {
			return;
		} else if (!strcmp(f, "tcp.ack_raw")) {
			add(v, "%u", p->ack);
		} else if (!strcmp(f, "tcp.flags")) {
			add(v, "0x%04x", p->tcp_flags_all);
		} else if (!strcmp(f, "tcp.flags.ae")) {
			add(v, "%d", !!(p->tcp_flags_all & TH_AE));
		} else if (!strcmp(f, "tcp.hdr_len")) {
			add(v, "%u", p->tcp_hlen);
		} else if (!strcmp(f, "tcp.window_size_value")) {
			add(v, "%u", p->win);
		} else if (!strcmp(f, "tcp.urgent_pointer")) {
			add(v, "%u", p->urg_ptr);
		} else if (!strcmp(f, "tcp.checksum")) {
			add(v, "0x%04x", p->l4_csum);
		} else if (!strcmp(f, "tcp.options.mss_val")) {
			if (p->mss >= 0)
				add(v, "%d", p->mss);
		} else if (!strcmp(f, "tcp.options.wscale.shift")) {
			if (p->wscale >= 0)
				add(v, "%d", p->wscale);
		} else if (!strcmp(f, "tcp.options.sack_le") || !strcmp(f, "tcp.options.sack_re")) {
			for (int i = 0; i < p->sack_blocks; i++)
				add(v, "%u", f[17] == 'l' ? p->sack_left[i] : p->sack_right[i]);
		} else if (!strcmp(f, "tcp.options.timestamp.tsval")) {
			if (p->has_ts)
				add(v, "%u", p->tsval);
		} else {
			add(v, "?");
		}
	} else if (!strncmp(f, "ip.", 3)) {
		if (!inner_ip(p, 4, v, all))
			return;
		if (!strcmp(f, "ip.ttl"))
			add(v, "%u", p->ttl);
		else if (!strcmp(f, "ip.id"))
			add(v, "0x%04x", p->ip_id);
		else if (!strcmp(f, "ip.proto"))
			add(v, "%u", p->proto);
		else if (!strcmp(f, "ip.len"))
			add(v, "%u", p->ip_len);
		else if (!strcmp(f, "ip.hdr_len"))
			add(v, "%u", p->ip_hlen);
		else if (!strcmp(f, "ip.dsfield.dscp"))
			add(v, "%u", p->dscp);
		else if (!strcmp(f, "ip.dsfield.ecn"))
			add(v, "%u", p->ecn);
		else if (!strcmp(f, "ip.flags.df"))
			add(v, "%d", p->df);
		else if (!strcmp(f, "ip.flags.mf"))
			add(v, "%d", p->mf);
		else if (!strcmp(f, "ip.frag_offset"))
			add(v, "%u", p->frag_off / 8u);
		else if (!strcmp(f, "ip.checksum"))
			add(v, "0x%04x", p->ip_csum);
		else
			add(v, "?");
	} else if (!strncmp(f, "ipv6.", 5)) {
		if (!inner_ip(p, 6, v, all))
			return;
		if (!strcmp(f, "ipv6.hlim"))
			add(v, "%u", p->ttl);
		else if (!strcmp(f, "ipv6.tclass"))
			add(v, "0x%08x", p->tos);
		else if (!strcmp(f, "ipv6.flow"))
			add(v, "0x%06x", p->flow_label);
		else if (!strcmp(f, "ipv6.plen"))
			add(v, "%u", p->ip_len - 40);
		else
			add(v, "?");
	} else if (!strncmp(f, "icmp.", 5) || !strncmp(f, "icmpv6.", 7)) {
		bool v6 = f[4] == 'v';
		const char *n = f + (v6 ? 7 : 5);

		if (p->has_quote && (p->q_proto == 1 || p->q_proto == 58)) {
			add(v, "?");
			return;
		}
		if (!p->icmp || (p->ipver == 6) != v6)
			return;
		if (!strcmp(n, "type"))
			add(v, "%u", p->icmp_type);
		else if (!strcmp(n, "code"))
			add(v, "%u", p->icmp_code);
		else if (!strcmp(n, "checksum"))
			add(v, "0x%04x", p->l4_csum);
		else if (!strcmp(n, "ident")) {
			if (p->icmp_fields & ICMPF_ECHO)
				add(v, "%u", p->icmp_id);
		} else if (!strcmp(n, "echo.identifier")) {
			if (p->icmp_fields & ICMPF_ECHO)
				add(v, "0x%04x", p->icmp_id);
		} else if (!strcmp(n, "seq") || !strcmp(n, "echo.sequence_number")) {
			if (p->icmp_fields & ICMPF_ECHO)
				add(v, "%u", p->icmp_seq);
		} else if (!strcmp(n, "mtu")) {
			if (p->icmp_fields & ICMPF_MTU)
				add(v, "%u", p->icmp_mtu);
		} else if (!strcmp(n, "redir_gw")) {
			if (p->icmp_fields & ICMPF_GATEWAY)
				add_addr(v, 4, p->icmp_addr);
		} else if (!strcmp(n, "nd.ns.target_address") || !strcmp(n, "nd.na.target_address")) {
			if ((p->icmp_fields & ICMPF_TARGET) &&
			    p->icmp_type == (n[4] == 's' ? 135 : 136))
				add_addr(v, 6, p->icmp_addr);
		} else {
			add(v, "?");
		}
	} else if (!strcmp(f, "vxlan.vni")) {
		tunnel_ids(p, PKT_P_VXLAN, PKT_P_VXLAN_GPE, v, false);
	} else if (!strcmp(f, "geneve.vni")) {
		for (int i = 0; i < p->ntunnels; i++)
			if (p->tunnels[i].kind == PKT_P_GENEVE)
				add(v, "0x%06x", p->tunnels[i].id);
	} else if (!strcmp(f, "gre.key")) {
		tunnel_ids(p, PKT_P_GRE, -1, v, true);
	} else if (!strcmp(f, "gtp.teid")) {
		tunnel_ids(p, PKT_P_GTPU, -1, v, true);
	} else if (!strcmp(f, "erspan.spanid")) {
		tunnel_ids(p, PKT_P_ERSPAN2, PKT_P_ERSPAN3, v, false);
	} else if (!strcmp(f, "mpls.label")) {
		for (int i = 0; i < p->ntunnels; i++) {
			const struct pkt_tunnel *t = &p->tunnels[i];

			if (t->kind != PKT_P_MPLS)
				continue;
			add(v, "%u", t->id2);
			for (int k = 2; k < t->count; k++)
				add(v, "?");
			if (t->count > 1)
				add(v, "%u", t->id);
		}
	} else if (!strcmp(f, "vlan.id") || !strcmp(f, "ieee8021ad.id")) {
		/* Wireshark: 802.1ad tags are ieee8021ad, the others vlan */
		bool ad = f[0] == 'i';

		if (p->vlan >= 0 && (p->vlan_tpid == 0x88a8) == ad)
			add(v, "%d", p->vlan);
		if (p->vlan_inner >= 0 && (p->vlan_inner_tpid == 0x88a8) == ad)
			add(v, "%d", p->vlan_inner);
	} else {
		add(v, "?");
	}
}

int main(int argc, char **argv)
{
	struct capfile *cf = NULL;
	struct capfile_rec rec;
	bool all;
	int err;

	if (argc < 4 || (strcmp(argv[1], "-a") && strcmp(argv[1], "-l"))) {
		fprintf(stderr, "usage: decode_dump -a|-l FILE FIELD...\n");
		return 2;
	}
	all = argv[1][1] == 'a';
	err = capfile_open_path(&cf, argv[2], NULL);
	if (err) {
		fprintf(stderr, "decode_dump: cannot open %s: %s\n", argv[2], strerror(-err));
		return 1;
	}
	while ((err = capfile_next(cf, &rec)) > 0) {
		struct pkt p;

		if (rec.type != CAPFILE_REC_PACKET)
			continue;
		decode_packet(rec.iface->linktype, rec.data, rec.caplen, &p);
		for (int i = 3; i < argc; i++) {
			struct vals v = { 0 };

			field(&p, argv[i], &v, all);
			if (i > 3)
				putchar('\t');
			for (int k = all ? 0 : v.n - 1; k >= 0 && k < v.n; k++)
				printf("%s%s", k > (all ? 0 : v.n - 1) ? "," : "", v.v[k]);
		}
		putchar('\n');
	}
	capfile_close(cf);
	if (err < 0) {
		fprintf(stderr, "decode_dump: %s: read error\n", argv[2]);
		return 1;
	}
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nrdump: prints a netrec recording one record per line, through the
 * project's own reader (format/), for the end-to-end tests to grep and awk.
 * It decodes the packet headers itself (SLL2, IPv4/IPv6, TCP, ICMP/ICMPv6)
 * so that the tests can match packets to connections without trusting the
 * annotations they are checking.
 *
 *   nrdump FILE|-
 *
 * Lines are "KIND key=value ..."; values never contain spaces, except the
 * last key of a line when it is one of comment=, msg=, cmdline=, filter=,
 * which runs to the end of the line. Kinds:
 *   shb, idb, clock, stats, isb, custom, unknown,
 *   pkt   a packet: ts (ns), if, dir (in/out/-), fam, proto, src, sport, dst,
 *         dport, flags (tcpdump letters, "." for ACK), tseq, tack, plen
 *         (payload bytes), win, icmp type/code/id/iseq, pid/tid (epb option, - when
 *         absent), owner (owner source name, "none" without annotation),
 *         aflags, apid/atid (annotation), cookie, cpu, seq, cgid (cgroup
 *         id), aparse/al4/afid (annotation version 2), frag (first/later/-),
 *         fid, fproto (a later fragment's protocol), l3len/l3orig/l3hash (the
 *         packet from its network header: captured and original length,
 *         FNV-1a 64 of the captured bytes, or of the first $NRDUMP_HASH_MAX,
 *         to compare with another capture),
 *         comm/cpid/ctid (parsed from the comment), comment
 *   ev    a kernel event (NETREC_RECORD=tcp_event)
 *   proc  a process record (NETREC_RECORD=process)
 *   jeb   any other journal entry
 *   end   status=ok, or status=error with the reader's offset and reason
 * Exit 0 when the whole file was read, 1 on a read error (everything before
 * it printed), 2 when the file cannot be opened.
 *
 * It is a test tool: it checks bounds on every byte it reads but does not
 * try to decode anything the tests do not need.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapng.h"
#include "profile.h"

/* Prints a value with spaces and control characters replaced, so that a
 * line stays splittable on spaces. */
static void put_token(const char *s, size_t n)
{
	size_t i;

	if (!n) {
		fputc('-', stdout);
		return;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		fputc(ch <= ' ' || ch == 0x7f ? '_' : ch, stdout);
	}
}

/* The rest of a line: keeps spaces, replaces newlines. */
static void put_text(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		fputc(ch < ' ' || ch == 0x7f ? ' ' : ch, stdout);
	}
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

struct l4info {
	int fam;                 /* 4, 6, 0 unknown */
	int proto;               /* IPPROTO_* or -1 */
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	int sport, dport;        /* -1 when not TCP */
	char flags[12];
	uint32_t tseq, tack;
	long plen;
	int win;
	int itype, icode, iid, iseq; /* -1 when not ICMP */
	/* ICMP error: the quoted packet's protocol and ports */
	int qproto, qsport, qdport;
	int frag;                /* 0 not a fragment, 1 first, 2 later */
	uint32_t fid;            /* fragment identification */
	int fproto;              /* a later fragment's protocol (IPv4 header or
				    IPv6 fragment header), -1 */
	/* the packet from its network header on: captured and original
	 * lengths, FNV-1a hash of the captured bytes */
	long l3len, l3orig;
	uint64_t l3hash;
};

static void tcp_flags(uint8_t f, char *out)
{
	char *p = out;

	if (f & 0x02) *p++ = 'S';
	if (f & 0x01) *p++ = 'F';
	if (f & 0x04) *p++ = 'R';
	if (f & 0x08) *p++ = 'P';
	if (f & 0x20) *p++ = 'U';
	if (f & 0x10) *p++ = '.';
	if (p == out)
		strcpy(p, "none");
	else
		*p = 0;
}

/* IPv6 extension headers (RFC 8200: hop-by-hop, routing, fragment,
 * destination options; RFC 4302: AH). Returns the offset of the
 * upper-layer header and sets *nh, or -1 (chain cut short, or longer than
 * 16 headers); a fragment header sets *frag (1 first, 2 later fragment)
 * and *fid, and a later fragment ends the walk. */
static long ip6_skip_ext(const uint8_t *p, size_t len, size_t off, int *nh, int *frag,
			 uint32_t *fid)
{
	int hops;

	for (hops = 0; hops < 16; hops++) {
		if (*nh != 0 && *nh != 43 && *nh != 44 && *nh != 51 && *nh != 60)
			return (long)off;
		if (off + 8 > len)
			return -1;
		if (*nh == 44) {
			*fid = be32(p + off + 4);
			*frag = (be16(p + off + 2) & 0xfff8) ? 2 : 1;
			*nh = p[off];
			off += 8;
			if (*frag == 2)
				return (long)off;
			continue;
		}
		if (*nh == 51) {
			*nh = p[off];
			off += ((size_t)p[off + 1] + 2) * 4;
			continue;
		}
		*nh = p[off];
		off += 8 + (size_t)p[off + 1] * 8;
	}
	return -1;
}

/* Decodes an IP packet starting at p (len bytes). quoted: inside an ICMP
 * error, where only the first 8 bytes of the transport header are present. */
static void decode_ip(const uint8_t *p, size_t len, struct l4info *l, int quoted)
{
	size_t off;
	long ulen;
	int proto;

	if (len < 1)
		return;
	if ((p[0] >> 4) == 4) {
		size_t ihl = (size_t)(p[0] & 0x0f) * 4;

		if (len < 20)
			return;
		l->fam = 4;
		inet_ntop(AF_INET, p + 12, l->src, sizeof(l->src));
		inet_ntop(AF_INET, p + 16, l->dst, sizeof(l->dst));
		if (ihl < 20 || len < ihl)
			return;
		proto = p[9];
		off = ihl;
		ulen = (long)be16(p + 2) - (long)ihl;
		if (be16(p + 6) & 0x3fff) {
			l->frag = (be16(p + 6) & 0x1fff) ? 2 : 1;
			l->fid = be16(p + 4);
		}
		if (be16(p + 6) & 0x1fff) { /* not the first fragment */
			l->fproto = proto;
			proto = -1;
		}
	} else if ((p[0] >> 4) == 6) {
		long o;

		if (len < 40)
			return;
		l->fam = 6;
		inet_ntop(AF_INET6, p + 8, l->src, sizeof(l->src));
		inet_ntop(AF_INET6, p + 24, l->dst, sizeof(l->dst));
		proto = p[6];
		o = ip6_skip_ext(p, len, 40, &proto, &l->frag, &l->fid);
		if (o < 0)
			return;
		off = (size_t)o;
		if (l->frag == 2) {
			l->fproto = proto;
			proto = -1;
		}
		ulen = (long)be16(p + 4) + 40 - (long)off;
	} else {
		return;
	}
	l->proto = proto;
	if (proto == 6 && off + (quoted ? 8 : 20) <= len) {
		const uint8_t *t = p + off;

		l->sport = be16(t);
		l->dport = be16(t + 2);
		l->tseq = be32(t + 4);
		if (!quoted) {
			l->tack = be32(t + 8);
			size_t doff = (size_t)(t[12] >> 4) * 4;

			tcp_flags(t[13], l->flags);
			l->win = be16(t + 14);
			l->plen = ulen - (long)doff;
		}
	} else if ((proto == 1 || proto == 58) && off + 8 <= len && !quoted) {
		const uint8_t *t = p + off;
		int echo;

		l->itype = t[0];
		l->icode = t[1];
		echo = proto == 1 ? (t[0] == 0 || t[0] == 8) : (t[0] == 128 || t[0] == 129);
		if (echo) {
			l->iid = be16(t + 4);
			l->iseq = be16(t + 6);
		} else {
			struct l4info q;
			int err4 = proto == 1 && (t[0] == 3 || t[0] == 11 || t[0] == 12);
			int err6 = proto == 58 && t[0] < 128;

			if (err4 || err6) {
				memset(&q, 0, sizeof(q));
				q.proto = q.sport = q.dport = -1;
				decode_ip(t + 8, len - off - 8, &q, 1);
				l->qproto = q.proto;
				l->qsport = q.sport;
				l->qdport = q.dport;
			}
		}
	} else if (proto == 17 && off + 8 <= len) {
		l->sport = be16(p + off);
		l->dport = be16(p + off + 2);
	}
}

/* NRDUMP_HASH_MAX: hash at most that many bytes of each packet (to compare
 * with a capture that keeps fewer). */
static size_t hash_max = (size_t)-1;

static void decode_packet(const struct capfile_rec *r, struct l4info *l)
{
	const uint8_t *d = r->data;
	size_t len = r->caplen;
	uint32_t lt = r->iface ? r->iface->linktype : 0;
	size_t hdr = 0;

	memset(l, 0, sizeof(*l));
	l->proto = l->sport = l->dport = l->fproto = -1;
	l->l3len = l->l3orig = -1;
	l->itype = l->icode = l->iid = l->iseq = -1;
	l->qproto = l->qsport = l->qdport = -1;
	l->win = -1;
	l->plen = -1;
	strcpy(l->flags, "-");
	strcpy(l->src, "-");
	strcpy(l->dst, "-");
	switch (lt) {
	case LINKTYPE_LINUX_SLL2:
		hdr = 20;
		break;
	case LINKTYPE_LINUX_SLL:
		hdr = 16;
		break;
	case LINKTYPE_ETHERNET:
		hdr = 14;
		/* VLAN tags (802.1Q, 802.1ad) */
		while (len >= hdr + 4 && (be16(d + hdr - 2) == 0x8100 || be16(d + hdr - 2) == 0x88A8))
			hdr += 4;
		break;
	case LINKTYPE_RAW: case LINKTYPE_IPV4: case LINKTYPE_IPV6:
		hdr = 0;
		break;
	default:
		return;
	}
	if (len < hdr)
		return;
	l->l3len = (long)(len - hdr);
	l->l3orig = (long)r->origlen - (long)hdr;
	l->l3hash = 1469598103934665603ULL;
	for (size_t i = hdr; i < len && i - hdr < hash_max; i++)
		l->l3hash = (l->l3hash ^ d[i]) * 1099511628211ULL;
	decode_ip(d + hdr, len - hdr, l, 0);
}

static const char *proto_name(int proto)
{
	switch (proto) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "icmp6";
	case -1: return "-";
	default: return "other";
	}
}

/* Parses "comm[pid/tid] ..." from a packet comment. */
static void comment_owner(const char *c, size_t n, char *comm, size_t commsz,
			  long *pid, long *tid)
{
	const char *br = memchr(c, '[', n);
	size_t cl;

	*pid = *tid = -1;
	if (!br) {
		/* "kernel (kernel)", "unattributed": the first word */
		const char *sp = memchr(c, ' ', n);

		cl = sp ? (size_t)(sp - c) : n;
		if (cl >= commsz)
			cl = commsz - 1;
		memcpy(comm, c, cl);
		comm[cl] = 0;
		if (!cl)
			snprintf(comm, commsz, "-");
		return;
	}
	cl = (size_t)(br - c);
	if (cl >= commsz)
		cl = commsz - 1;
	memcpy(comm, c, cl);
	comm[cl] = 0;
	{
		char tmp[64];
		size_t rest = n - (size_t)(br - c) - 1;

		if (rest >= sizeof(tmp))
			rest = sizeof(tmp) - 1;
		memcpy(tmp, br + 1, rest);
		tmp[rest] = 0;
		if (sscanf(tmp, "%ld/%ld]", pid, tid) < 1)
			*pid = *tid = -1;
	}
}

static void print_packet(const struct capfile_rec *r, uint64_t n)
{
	struct capfile_opt_iter it;
	struct capfile_opt o;
	struct nr_pkt_annot a;
	struct l4info l;
	int have_annot = 0;
	char comm[64];
	long cpid, ctid;
	const char *dir;

	decode_packet(r, &l);
	capfile_opt_iter_init(&it, r);
	while (capfile_opt_next(&it, &o) > 0) {
		if (o.code == PCAPNG_OPT_CUSTOM_BIN && !have_annot &&
		    nr_annot_from_option(o.val, o.len, r->swapped, &a) == 0)
			have_annot = 1;
	}
	if (!r->has_flags)
		dir = "-";
	else if ((r->flags & 3) == PCAPNG_EPB_DIR_INBOUND)
		dir = "in";
	else if ((r->flags & 3) == PCAPNG_EPB_DIR_OUTBOUND)
		dir = "out";
	else
		dir = "-";
	printf("pkt n=%" PRIu64 " ts=%" PRId64 " if=", n, r->ts_ns);
	if (r->iface && r->iface->name)
		put_token(r->iface->name, strlen(r->iface->name));
	else
		printf("%u", r->if_id);
	printf(" dir=%s fam=%d proto=%s src=%s sport=%d dst=%s dport=%d flags=%s"
	       " tseq=%u tack=%u plen=%ld win=%d itype=%d icode=%d iid=%d iseq=%d"
	       " qproto=%s qsport=%d qdport=%d caplen=%u len=%u",
	       dir, l.fam, proto_name(l.proto), l.src, l.sport, l.dst, l.dport,
	       l.flags, l.tseq, l.tack, l.plen, l.win, l.itype, l.icode, l.iid, l.iseq,
	       proto_name(l.qproto), l.qsport, l.qdport, r->caplen, r->origlen);
	printf(" frag=%s fid=%u fproto=%s l3len=%ld l3orig=%ld l3hash=%016" PRIx64,
	       l.frag == 1 ? "first" : l.frag == 2 ? "later" : "-", l.fid,
	       proto_name(l.fproto), l.l3len, l.l3orig, l.l3hash);
	if (r->has_pid)
		printf(" pid=%u tid=%u", r->pid, r->tid);
	else
		printf(" pid=- tid=-");
	if (have_annot) {
		printf(" owner=%s aflags=%u apid=%u atid=%u auid=%u cookie=%" PRIu64
		       " cpu=%u seq=%" PRIu64 " ifindex=%u netns=%u cgid=%" PRIu64
		       " aparse=%u al4=%u afid=%u nspid=%u nstid=%u same=%016" PRIx64,
		       a.owner_src < NR_OWNER_MAX ? nr_owner_src_name(a.owner_src) : "invalid",
		       a.flags, a.pid, a.tid, a.uid, a.cookie, a.cpu, a.seq,
		       a.ifindex, a.netns, a.cgroup_id, a.parse, a.l4_proto, a.frag_id,
		       a.ns_pid, a.ns_tid, a.same_id);
	} else {
		printf(" owner=none aflags=- apid=- atid=- auid=- cookie=- cpu=- seq=-"
		       " ifindex=- netns=- cgid=- aparse=- al4=- afid=- nspid=- nstid=- same=-");
	}
	if (r->comment) {
		comment_owner(r->comment, r->comment_len, comm, sizeof(comm), &cpid, &ctid);
		printf(" comm=");
		put_token(comm, strlen(comm));
		printf(" cpid=%ld ctid=%ld comment=", cpid, ctid);
		put_text(r->comment, r->comment_len);
	} else {
		printf(" comm=- cpid=-1 ctid=-1 comment=");
	}
	fputc('\n', stdout);
}

/* Prints " key=value" for a journal field (value "-" when absent). */
static void jfield(const struct capfile_rec *r, const char *key, const char *field)
{
	const uint8_t *v;
	size_t vl;

	printf(" %s=", key);
	if (nr_jeb_field(r->body, r->body_len, field, &v, &vl))
		put_token((const char *)v, vl);
	else
		fputc('-', stdout);
}

static void jtext(const struct capfile_rec *r, const char *key, const char *field)
{
	const uint8_t *v;
	size_t vl;

	printf(" %s=", key);
	if (nr_jeb_field(r->body, r->body_len, field, &v, &vl))
		put_text((const char *)v, vl);
}

static void print_journal(const struct capfile_rec *r, uint64_t n)
{
	const uint8_t *v;
	size_t vl;
	char kind[32] = "";

	if (nr_jeb_field(r->body, r->body_len, NR_J_RECORD, &v, &vl) && vl < sizeof(kind)) {
		memcpy(kind, v, vl);
		kind[vl] = 0;
	}
	if (!strcmp(kind, "tcp_event")) {
		printf("ev n=%" PRIu64, n);
		jfield(r, "ts", NR_J_TS_NS);
		jfield(r, "event", NR_J_EVENT);
		jfield(r, "pid", "_PID");
		jfield(r, "tid", NR_J_TID);
		jfield(r, "comm", "_COMM");
		jfield(r, "uid", "_UID");
		jfield(r, "gid", "_GID");
		jfield(r, "cookie", NR_J_COOKIE);
		jfield(r, "fam", NR_J_FAMILY);
		jfield(r, "saddr", NR_J_SADDR);
		jfield(r, "sport", NR_J_SPORT);
		jfield(r, "daddr", NR_J_DADDR);
		jfield(r, "dport", NR_J_DPORT);
		jfield(r, "old", NR_J_OLDSTATE);
		jfield(r, "new", NR_J_NEWSTATE);
		jfield(r, "errno", NR_J_ERRNO);
		jfield(r, "window", NR_J_WINDOW);
		jfield(r, "owner", NR_J_OWNER_SRC);
		jfield(r, "cgid", NR_J_CGROUP_ID);
		jfield(r, "cpu", NR_J_CPU);
		jfield(r, "seq", NR_J_SEQ);
		jfield(r, "prio", "PRIORITY");
		jfield(r, "rt_us", "__REALTIME_TIMESTAMP");
		jfield(r, "kstack", NR_J_KSTACK);
		jtext(r, "msg", "MESSAGE");
	} else if (!strcmp(kind, "process")) {
		printf("proc n=%" PRIu64, n);
		jfield(r, "pid", "_PID");
		jfield(r, "comm", "_COMM");
		jfield(r, "exe", "_EXE");
		jfield(r, "uid", "_UID");
		jfield(r, "gid", "_GID");
		jfield(r, "ppid", NR_J_PPID);
		jfield(r, "cgroup", "_SYSTEMD_CGROUP");
		jfield(r, "cgid", NR_J_CGROUP_ID);
		jfield(r, "container", NR_J_CONTAINER);
		jtext(r, "cmdline", "_CMDLINE");
	} else {
		printf("jeb n=%" PRIu64, n);
		jfield(r, "record", NR_J_RECORD);
		jtext(r, "msg", "MESSAGE");
	}
	fputc('\n', stdout);
}

static void print_clock(const struct nr_cb_clock *c)
{
	printf("clock offset=%" PRId64 " uncertainty=%" PRIu64 " at=%" PRId64 "\n",
	       c->mono_to_real_ns, c->uncertainty_ns, c->measured_at_ns);
}

/* docs/format.md §6: the clock is a custom option of the SHB */
static void print_shb_clock(const struct capfile_rec *r)
{
	struct capfile_opt_iter it;
	struct capfile_opt o;
	struct nr_cb_clock c;

	capfile_opt_iter_init(&it, r);
	while (capfile_opt_next(&it, &o) > 0)
		if (o.code == PCAPNG_OPT_CUSTOM_BIN &&
		    nr_clock_from_option(o.val, o.len, r->swapped, &c) == 0)
			print_clock(&c);
}

static void print_stats(const struct nr_cb_stats *sp)
{
	struct nr_cb_stats s = *sp;

	printf("stats packets=%" PRIu64 " events=%" PRIu64 " attributed=%" PRIu64
	       " kernel=%" PRIu64 " ring_drops=%" PRIu64 " other_drops=%" PRIu64
	       " filtered=%" PRIu64 " start=%" PRId64 " end=%" PRId64
	       " unparsed=%" PRIu64 "\n",
	       s.packets_written, s.events_written, s.packets_attributed,
	       s.packets_kernel, s.ring_drops, s.other_drops, s.packets_filtered,
	       s.start_ns, s.end_ns, s.packets_unparsed);
}

static void print_custom(const struct capfile_rec *r)
{
	struct nr_cb_clock c;
	struct nr_cb_stats s;

	if (r->pen == NR_PEN && nr_cb_type(r->body, r->body_len) == NR_CB_CLOCK &&
	    nr_clock_decode(r->body, r->body_len, &c) == 0) {
		print_clock(&c);
	} else if (r->pen == NR_PEN && nr_cb_type(r->body, r->body_len) == NR_CB_STATS &&
		   nr_stats_decode(r->body, r->body_len, &s) == 0) {
		print_stats(&s);
	} else {
		printf("custom pen=%u copyable=%d len=%zu\n", r->pen, r->copyable, r->body_len);
	}
}

/* §7: the statistics are a custom option of the first ISB (printed on a
 * line of their own after the ISB's), or, in a file without interfaces and
 * in earlier files, a custom block. */
static void print_isb(const struct capfile_rec *r)
{
	struct capfile_opt_iter it;
	struct capfile_opt o;
	struct nr_cb_stats s;
	bool have_stats = false;

	printf("isb if=%u ts=%" PRId64, r->if_id, r->ts_ns);
	capfile_opt_iter_init(&it, r);
	while (capfile_opt_next(&it, &o) > 0) {
		const char *k = NULL;

		switch (o.code) {
		case PCAPNG_ISB_IFRECV: k = "ifrecv"; break;
		case PCAPNG_ISB_IFDROP: k = "ifdrop"; break;
		case PCAPNG_ISB_OSDROP: k = "osdrop"; break;
		case PCAPNG_ISB_USRDELIV: k = "usrdeliv"; break;
		case PCAPNG_ISB_FILTERACCEPT: k = "filteraccept"; break;
		case PCAPNG_OPT_CUSTOM_BIN:
			if (nr_stats_from_option(o.val, o.len, r->swapped, &s) == 0)
				have_stats = true;
			break;
		default: break;
		}
		if (k)
			printf(" %s=%" PRIu64, k, capfile_opt_u64(&it, &o));
	}
	fputc('\n', stdout);
	if (have_stats)
		print_stats(&s);
}

static void print_idb(const struct capfile *f, const struct capfile_rec *r)
{
	const struct capfile_iface *ifc = capfile_iface(f, capfile_iface_count(f) - 1);

	if (!ifc) {
		printf("idb id=?\n");
		return;
	}
	printf("idb id=%u section=%u name=", capfile_iface_count(f) - 1, r->section);
	if (ifc->name)
		put_token(ifc->name, strlen(ifc->name));
	else
		fputc('-', stdout);
	printf(" linktype=%u snaplen=%u tsresol=%u desc=", ifc->linktype, ifc->snaplen,
	       ifc->tsresol_raw);
	if (ifc->description)
		put_token(ifc->description, strlen(ifc->description));
	else
		fputc('-', stdout);
	printf(" filter=");
	if (ifc->filter)
		put_text(ifc->filter, strlen(ifc->filter));
	fputc('\n', stdout);
}

int main(int argc, char **argv)
{
	struct capfile *f = NULL;
	struct capfile_rec r;
	uint64_t n = 0, packets = 0;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: nrdump FILE|-\n");
		return 2;
	}
	if (getenv("NRDUMP_HASH_MAX"))
		hash_max = (size_t)strtoull(getenv("NRDUMP_HASH_MAX"), NULL, 10);
	err = capfile_open_path(&f, argv[1], NULL);
	if (err) {
		fprintf(stderr, "nrdump: cannot open %s: %s\n", argv[1], strerror(-err));
		printf("end status=error offset=0 what=cannot_open\n");
		return 2;
	}
	while ((err = capfile_next(f, &r)) > 0) {
		n++;
		switch (r.type) {
		case CAPFILE_REC_SHB:
			printf("shb section=%u swapped=%d\n", r.section, r.swapped);
			print_shb_clock(&r);
			break;
		case CAPFILE_REC_IDB:
			print_idb(f, &r);
			break;
		case CAPFILE_REC_PACKET:
			packets++;
			print_packet(&r, n);
			break;
		case CAPFILE_REC_JOURNAL:
			print_journal(&r, n);
			break;
		case CAPFILE_REC_CUSTOM:
			print_custom(&r);
			break;
		case CAPFILE_REC_ISB:
			print_isb(&r);
			break;
		default:
			printf("unknown block=%s\n", capfile_block_name(r.block_type));
			break;
		}
	}
	if (err < 0) {
		const struct capfile_error *e = capfile_error(f);

		printf("end status=error records=%" PRIu64 " packets=%" PRIu64
		       " offset=%" PRIu64 " block=%s what=", n, packets,
		       e ? e->offset : 0, e ? capfile_block_name(e->block_type) : "-");
		if (e)
			put_text(e->what, strnlen(e->what, sizeof(e->what)));
		fputc('\n', stdout);
	} else {
		printf("end status=ok records=%" PRIu64 " packets=%" PRIu64 "\n", n, packets);
	}
	capfile_close(f);
	return err < 0 ? 1 : 0;
}

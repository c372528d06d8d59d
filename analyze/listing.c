/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The packet listing (--packets): one line per packet in time order, in
 * the manner of tcpdump and DTrace's tcpio.d, for people and for grep:
 *
 *   18:00:00.123456789 1 curl[4242] out 192.0.2.1:40312 > 192.0.2.2:8080 TCP [S.] seq 0 ack 1 win 65160 length 0 [zero window]
 *
 * time of day (UTC, ns; the date too when the listing spans several UTC
 * days), CPU, owner (comm[pid], "kernel" or "-"), direction, the local end
 * first ("<" for an inbound packet, ">" outbound; for a packet of unknown
 * direction source > destination), protocol, tcpdump's flag letters, the
 * connection's relative sequence numbers, window and payload length, then
 * the packet's anomalies in brackets. With details (-e), after the
 * direction: interface, link type, VLAN, captured/original length and the
 * IP header's TTL (hop limit), identification and length.
 *
 * It prints the rows of a statement whose columns are LISTING_COLUMNS,
 * built by report.c with the report filters; it does not query by itself.
 * Text from the capture (comm, interface name) goes through
 * output_escape().
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"

enum {
	C_TS, C_CPU, C_PID, C_COMM, C_OWNER, C_DIR, C_SRC, C_SPORT, C_DST, C_DPORT,
	C_PROTO, C_FLAGS, C_SEQ, C_ACK, C_WIN, C_LEN, C_ITYPE, C_ICODE, C_ANOM,
	C_IFNAME, C_LINKTYPE, C_VLAN, C_CAPLEN, C_ORIGLEN, C_TTL, C_IPID, C_IPLEN,
	C_SEQRAW, C_ACKRAW,
};

/* Anomaly bits of packets.anomalies (docs/schema.md, packets). */
#define A_RETRANS 1
#define A_SPURIOUS 2
#define A_FAST 4
#define A_OOO 8
#define A_KEEPALIVE 16
#define A_DUPACK 32
#define A_ZEROWIN 64
#define A_LOOPCOPY 256
#define A_TRUNC 512
#define A_UNDECODABLE 1024
#define A_FRAGMENT 2048

static bool null(sqlite3_stmt *st, int c)
{
	return sqlite3_column_type(st, c) == SQLITE_NULL;
}

/* Capture text, escaped when it holds anything but printable ASCII. */
static void put_text(FILE *o, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x21 || *p >= 0x7f || *p == '\\') {
			char *e = output_escape(s);

			fputs(e ? e : "?", o);
			free(e);
			return;
		}
	}
	fputs(s, o);
}

static void put_ep(FILE *o, sqlite3_stmt *st, int ca, int cp)
{
	const char *a = (const char *)sqlite3_column_text(st, ca);

	if (!a) {
		fputc('?', o);
		return;
	}
	if (null(st, cp))
		fputs(a, o);
	else
		fprintf(o, strchr(a, ':') ? "[%s]:%lld" : "%s:%lld", a,
			(long long)sqlite3_column_int64(st, cp));
}

/* tcpdump's letters, in its order: F S R P . U E W */
static void put_flags(FILE *o, unsigned f)
{
	static const struct { unsigned bit; char c; } letters[] = {
		{ 1, 'F' }, { 2, 'S' }, { 4, 'R' }, { 8, 'P' }, { 16, '.' }, { 32, 'U' },
		{ 64, 'E' }, { 128, 'W' },
	};
	char s[12];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
		if (f & letters[i].bit)
			s[n++] = letters[i].c;
	if (!n)
		s[n++] = 'n', s[n++] = 'o', s[n++] = 'n', s[n++] = 'e';
	s[n] = 0;
	fprintf(o, " [%s]", s);
}

static const char *icmp_name(int proto, int type)
{
	if (proto == 1) {
		switch (type) {
		case 0: return "echo reply";
		case 3: return "unreachable";
		case 8: return "echo request";
		case 11: return "time exceeded";
		}
	} else {
		switch (type) {
		case 1: return "unreachable";
		case 2: return "packet too big";
		case 3: return "time exceeded";
		case 128: return "echo request";
		case 129: return "echo reply";
		case 133: return "router solicitation";
		case 134: return "router advertisement";
		case 135: return "neighbor solicitation";
		case 136: return "neighbor advertisement";
		case 143: return "multicast listener report v2";
		}
	}
	return NULL;
}

static void put_anomalies(FILE *o, int64_t a)
{
	if (a & A_RETRANS) {
		if (a & A_FAST)
			fputs(" [fast retransmission]", o);
		else if (a & A_SPURIOUS)
			fputs(" [spurious retransmission]", o);
		else if (!(a & (A_OOO | A_KEEPALIVE)))
			fputs(" [retransmission]", o);
	}
	if (a & A_OOO)
		fputs(" [out-of-order]", o);
	if (a & A_KEEPALIVE)
		fputs(" [keep-alive]", o);
	if (a & A_DUPACK)
		fputs(" [dup ack]", o);
	if (a & A_ZEROWIN)
		fputs(" [zero window]", o);
	if (a & A_LOOPCOPY)
		fputs(" [loopback copy]", o);
	if (a & A_FRAGMENT)
		fputs(" [fragment]", o);
	if (a & A_TRUNC)
		fputs(" [truncated]", o);
	if (a & A_UNDECODABLE)
		fputs(" [undecodable]", o);
}

static void put_details(FILE *o, sqlite3_stmt *st)
{
	const char *ifn = (const char *)sqlite3_column_text(st, C_IFNAME);

	fputs(" if ", o);
	put_text(o, ifn && *ifn ? ifn : "-");
	if (!null(st, C_LINKTYPE))
		fprintf(o, " linktype %lld", (long long)sqlite3_column_int64(st, C_LINKTYPE));
	if (!null(st, C_VLAN))
		fprintf(o, " vlan %lld", (long long)sqlite3_column_int64(st, C_VLAN));
	fprintf(o, " caplen %lld origlen %lld", (long long)sqlite3_column_int64(st, C_CAPLEN),
		(long long)sqlite3_column_int64(st, C_ORIGLEN));
	if (!null(st, C_SRC)) {
		const char *a = (const char *)sqlite3_column_text(st, C_SRC);
		bool v6 = a && strchr(a, ':');

		fputs(v6 ? " IPv6" : " IPv4", o);
		if (!null(st, C_TTL))
			fprintf(o, " %s %lld", v6 ? "hlim" : "ttl",
				(long long)sqlite3_column_int64(st, C_TTL));
		if (!null(st, C_IPID))
			fprintf(o, " id %lld", (long long)sqlite3_column_int64(st, C_IPID));
		if (!null(st, C_IPLEN))
			fprintf(o, " iplen %lld", (long long)sqlite3_column_int64(st, C_IPLEN));
	}
}

static void put_line(FILE *o, sqlite3_stmt *st, bool with_date, bool details)
{
	char ts[48];
	const char *dir = (const char *)sqlite3_column_text(st, C_DIR);
	const char *comm = (const char *)sqlite3_column_text(st, C_COMM);
	const char *owner = (const char *)sqlite3_column_text(st, C_OWNER);
	bool in = dir && !strcmp(dir, "in"), out = dir && !strcmp(dir, "out");
	int proto = null(st, C_PROTO) ? -1 : sqlite3_column_int(st, C_PROTO);

	ts_str(sqlite3_column_int64(st, C_TS), ts, sizeof(ts));
	fputs(with_date ? ts : ts + 11, o);
	if (null(st, C_CPU))
		fputs(" -", o);
	else
		fprintf(o, " %lld", (long long)sqlite3_column_int64(st, C_CPU));
	fputc(' ', o);
	if (!null(st, C_PID)) {
		put_text(o, comm ? comm : "");
		fprintf(o, "[%lld]", (long long)sqlite3_column_int64(st, C_PID));
	} else if (comm) {
		put_text(o, comm);
	} else {
		fputs(owner && !strcmp(owner, "kernel") ? "kernel" : "-", o);
	}
	fprintf(o, " %s", in ? "in" : out ? "out" : "-");
	if (details)
		put_details(o, st);
	fputc(' ', o);
	if (in) {
		put_ep(o, st, C_DST, C_DPORT);
		fputs(" < ", o);
		put_ep(o, st, C_SRC, C_SPORT);
	} else {
		put_ep(o, st, C_SRC, C_SPORT);
		fputs(" > ", o);
		put_ep(o, st, C_DST, C_DPORT);
	}
	if (proto == 6 && !null(st, C_FLAGS)) {
		unsigned f = (unsigned)sqlite3_column_int(st, C_FLAGS);

		fputs(" TCP", o);
		put_flags(o, f);
		if (!null(st, C_SEQ))
			fprintf(o, " seq %lld", (long long)sqlite3_column_int64(st, C_SEQ));
		else if (!null(st, C_SEQRAW))
			fprintf(o, " seq %lld", (long long)sqlite3_column_int64(st, C_SEQRAW));
		if (f & 16) {
			if (!null(st, C_ACK))
				fprintf(o, " ack %lld", (long long)sqlite3_column_int64(st, C_ACK));
			else if (!null(st, C_ACKRAW))
				fprintf(o, " ack %lld", (long long)sqlite3_column_int64(st, C_ACKRAW));
		}
		if (!null(st, C_WIN))
			fprintf(o, " win %lld", (long long)sqlite3_column_int64(st, C_WIN));
	} else if ((proto == 1 || proto == 58) && !null(st, C_ITYPE)) {
		int t = sqlite3_column_int(st, C_ITYPE);
		const char *n = icmp_name(proto, t);

		fputs(proto == 1 ? " ICMP" : " ICMP6", o);
		if (n)
			fprintf(o, " %s", n);
		else
			fprintf(o, " type %d code %d", t, sqlite3_column_int(st, C_ICODE));
	} else if (proto == 6) {
		fputs(" TCP", o);
	} else if (proto == 1 || proto == 58) {
		fputs(proto == 1 ? " ICMP" : " ICMP6", o);
	} else if (proto >= 0) {
		fprintf(o, " proto %d", proto);
	} else {
		fputs(" ?", o);
	}
	if (!null(st, C_LEN))
		fprintf(o, " length %lld", (long long)sqlite3_column_int64(st, C_LEN));
	put_anomalies(o, sqlite3_column_int64(st, C_ANOM));
	fputc('\n', o);
}

int listing_print(sqlite3_stmt *st, bool with_date, bool details, struct an_err *e)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		put_line(stdout, st, with_date, details);
	if (rc != SQLITE_DONE) {
		an_err_set(e, "%s", sqlite3_errmsg(sqlite3_db_handle(st)));
		return -EIO;
	}
	if (fflush(stdout) || ferror(stdout)) {
		an_err_set(e, "writing the listing: %s", strerror(errno));
		return -EIO;
	}
	return 0;
}

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

/* One line is built in a buffer and written with one fwrite: integers
 * with a small routine, no printf per field (per packet, as tcpdump). */
struct lbuf {
	char b[1024];
	size_t n;
	FILE *o;
};

static void lb_flush(struct lbuf *l)
{
	fwrite(l->b, 1, l->n, l->o);
	l->n = 0;
}

static void lb_mem(struct lbuf *l, const char *s, size_t len)
{
	if (len > sizeof(l->b) - l->n) {
		lb_flush(l);
		if (len > sizeof(l->b)) {
			fwrite(s, 1, len, l->o);
			return;
		}
	}
	memcpy(l->b + l->n, s, len);
	l->n += len;
}

static void lb_str(struct lbuf *l, const char *s)
{
	lb_mem(l, s, strlen(s));
}

static void lb_i64(struct lbuf *l, int64_t v)
{
	char t[24];
	size_t k = sizeof(t);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		t[--k] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		t[--k] = '-';
	lb_mem(l, t + k, sizeof(t) - k);
}

/* " NAME VALUE" for a column that is not NULL */
static void lb_kv(struct lbuf *l, const char *name, sqlite3_stmt *st, int c)
{
	if (null(st, c))
		return;
	lb_str(l, name);
	lb_i64(l, sqlite3_column_int64(st, c));
}

/* Capture text, escaped when it holds anything but printable ASCII. */
static void put_text(struct lbuf *l, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x21 || *p >= 0x7f || *p == '\\') {
			char *e = output_escape(s);

			lb_str(l, e ? e : "?");
			free(e);
			return;
		}
	}
	lb_str(l, s);
}

static void put_ep(struct lbuf *l, sqlite3_stmt *st, int ca, int cp)
{
	const char *a = (const char *)sqlite3_column_text(st, ca);
	bool v6;

	if (!a) {
		lb_str(l, "?");
		return;
	}
	v6 = strchr(a, ':') != NULL;
	if (null(st, cp)) {
		lb_str(l, a);
		return;
	}
	if (v6)
		lb_str(l, "[");
	lb_str(l, a);
	lb_str(l, v6 ? "]:" : ":");
	lb_i64(l, sqlite3_column_int64(st, cp));
}

/* tcpdump's letters, in its order: F S R P . U E W */
static void put_flags(struct lbuf *l, unsigned f)
{
	static const struct { unsigned bit; char c; } letters[] = {
		{ 1, 'F' }, { 2, 'S' }, { 4, 'R' }, { 8, 'P' }, { 16, '.' }, { 32, 'U' },
		{ 64, 'E' }, { 128, 'W' },
	};
	char s[16] = " [";
	size_t n = 2;

	for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
		if (f & letters[i].bit)
			s[n++] = letters[i].c;
	if (n == 2) {
		memcpy(s + n, "none", 4);
		n += 4;
	}
	s[n++] = ']';
	lb_mem(l, s, n);
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

static void put_anomalies(struct lbuf *l, int64_t a)
{
	if (a & A_RETRANS) {
		if (a & A_FAST)
			lb_str(l, " [fast retransmission]");
		else if (a & A_SPURIOUS)
			lb_str(l, " [spurious retransmission]");
		else if (!(a & (A_OOO | A_KEEPALIVE)))
			lb_str(l, " [retransmission]");
	}
	if (a & A_OOO)
		lb_str(l, " [out-of-order]");
	if (a & A_KEEPALIVE)
		lb_str(l, " [keep-alive]");
	if (a & A_DUPACK)
		lb_str(l, " [dup ack]");
	if (a & A_ZEROWIN)
		lb_str(l, " [zero window]");
	if (a & A_LOOPCOPY)
		lb_str(l, " [loopback copy]");
	if (a & A_FRAGMENT)
		lb_str(l, " [fragment]");
	if (a & A_TRUNC)
		lb_str(l, " [truncated]");
	if (a & A_UNDECODABLE)
		lb_str(l, " [undecodable]");
}

static void put_details(struct lbuf *l, sqlite3_stmt *st)
{
	const char *ifn = (const char *)sqlite3_column_text(st, C_IFNAME);

	lb_str(l, " if ");
	put_text(l, ifn && *ifn ? ifn : "-");
	lb_kv(l, " linktype ", st, C_LINKTYPE);
	lb_kv(l, " vlan ", st, C_VLAN);
	lb_kv(l, " caplen ", st, C_CAPLEN);
	lb_kv(l, " origlen ", st, C_ORIGLEN);
	if (!null(st, C_SRC)) {
		const char *a = (const char *)sqlite3_column_text(st, C_SRC);
		bool v6 = a && strchr(a, ':');

		lb_str(l, v6 ? " IPv6" : " IPv4");
		lb_kv(l, v6 ? " hlim " : " ttl ", st, C_TTL);
		lb_kv(l, " id ", st, C_IPID);
		lb_kv(l, " iplen ", st, C_IPLEN);
	}
}

static void put_line(struct lbuf *l, sqlite3_stmt *st, bool with_date, bool details)
{
	char ts[48];
	const char *dir = (const char *)sqlite3_column_text(st, C_DIR);
	const char *comm = (const char *)sqlite3_column_text(st, C_COMM);
	const char *owner = (const char *)sqlite3_column_text(st, C_OWNER);
	bool in = dir && !strcmp(dir, "in"), out = dir && !strcmp(dir, "out");
	int proto = null(st, C_PROTO) ? -1 : sqlite3_column_int(st, C_PROTO);

	ts_str(sqlite3_column_int64(st, C_TS), ts, sizeof(ts));
	lb_str(l, with_date ? ts : ts + 11);
	lb_str(l, " ");
	if (null(st, C_CPU))
		lb_str(l, "-");
	else
		lb_i64(l, sqlite3_column_int64(st, C_CPU));
	lb_str(l, " ");
	if (!null(st, C_PID)) {
		put_text(l, comm ? comm : "");
		lb_str(l, "[");
		lb_i64(l, sqlite3_column_int64(st, C_PID));
		lb_str(l, "]");
	} else if (comm) {
		put_text(l, comm);
	} else {
		lb_str(l, owner && !strcmp(owner, "kernel") ? "kernel" : "-");
	}
	lb_str(l, in ? " in" : out ? " out" : " -");
	if (details)
		put_details(l, st);
	lb_str(l, " ");
	if (in) {
		put_ep(l, st, C_DST, C_DPORT);
		lb_str(l, " < ");
		put_ep(l, st, C_SRC, C_SPORT);
	} else {
		put_ep(l, st, C_SRC, C_SPORT);
		lb_str(l, " > ");
		put_ep(l, st, C_DST, C_DPORT);
	}
	if (proto == 6 && !null(st, C_FLAGS)) {
		unsigned f = (unsigned)sqlite3_column_int(st, C_FLAGS);

		lb_str(l, " TCP");
		put_flags(l, f);
		if (!null(st, C_SEQ))
			lb_kv(l, " seq ", st, C_SEQ);
		else
			lb_kv(l, " seq ", st, C_SEQRAW);
		if (f & 16) {
			if (!null(st, C_ACK))
				lb_kv(l, " ack ", st, C_ACK);
			else
				lb_kv(l, " ack ", st, C_ACKRAW);
		}
		lb_kv(l, " win ", st, C_WIN);
	} else if ((proto == 1 || proto == 58) && !null(st, C_ITYPE)) {
		int t = sqlite3_column_int(st, C_ITYPE);
		const char *n = icmp_name(proto, t);

		lb_str(l, proto == 1 ? " ICMP " : " ICMP6 ");
		if (n) {
			lb_str(l, n);
		} else {
			lb_kv(l, "type ", st, C_ITYPE);
			lb_kv(l, " code ", st, C_ICODE);
		}
	} else if (proto == 6) {
		lb_str(l, " TCP");
	} else if (proto == 1 || proto == 58) {
		lb_str(l, proto == 1 ? " ICMP" : " ICMP6");
	} else if (proto >= 0) {
		lb_str(l, " proto ");
		lb_i64(l, proto);
	} else {
		lb_str(l, " ?");
	}
	lb_kv(l, " length ", st, C_LEN);
	put_anomalies(l, sqlite3_column_int64(st, C_ANOM));
	lb_str(l, "\n");
	lb_flush(l);
}

int listing_print(sqlite3_stmt *st, bool with_date, bool details, struct an_err *e)
{
	struct lbuf l = { .n = 0, .o = stdout };
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		put_line(&l, st, with_date, details);
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

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The journal record builder: one journal export entry (a JEB: netrec's
 * kernel events, docs/format.md §5.1, and process records, §5.3, or any
 * other program's entry) in, one struct row_jrec out (rows.h) holding the
 * events row and, for a process record, the processes row. The entry is
 * read once, field by field; the first occurrence of a field counts, as
 * nr_jeb_field() would find it. Pure: no SQL, no state.
 *
 * Text is kept as the file has it, cut at 511 bytes (the message at 1023,
 * the record kind at 31) and at an embedded NUL; an empty value is absent.
 * Integers must be whole decimal numbers of at most 31 characters, else the
 * field is absent. Addresses are stored in canonical form when they parse.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "profile.h"
#include "rows.h"

enum jf {
	F_RECORD, F_EVENT, F_TS_NS, F_KTIME, F_CPU, F_SEQ, F_COOKIE, F_FAMILY, F_SADDR,
	F_SPORT, F_DADDR, F_DPORT, F_OLDSTATE, F_NEWSTATE, F_ERRNO, F_WINDOW, F_OWNER_SRC,
	F_TID, F_PPID, F_CGROUP_ID, F_CONTAINER, F_REALTIME, F_HOSTNAME, F_PID, F_UID, F_GID,
	F_COMM, F_EXE, F_CMDLINE, F_CGROUP, F_PRIORITY, F_MESSAGE, F_KSTACK, F_NS_PID,
	F__COUNT,
};

static const char *const field_names[F__COUNT] = {
	[F_RECORD] = NR_J_RECORD, [F_EVENT] = NR_J_EVENT, [F_TS_NS] = NR_J_TS_NS,
	[F_KTIME] = NR_J_KTIME_NS, [F_CPU] = NR_J_CPU, [F_SEQ] = NR_J_SEQ,
	[F_COOKIE] = NR_J_COOKIE, [F_FAMILY] = NR_J_FAMILY, [F_SADDR] = NR_J_SADDR,
	[F_SPORT] = NR_J_SPORT, [F_DADDR] = NR_J_DADDR, [F_DPORT] = NR_J_DPORT,
	[F_OLDSTATE] = NR_J_OLDSTATE, [F_NEWSTATE] = NR_J_NEWSTATE, [F_ERRNO] = NR_J_ERRNO,
	[F_WINDOW] = NR_J_WINDOW, [F_OWNER_SRC] = NR_J_OWNER_SRC, [F_TID] = NR_J_TID,
	[F_PPID] = NR_J_PPID, [F_CGROUP_ID] = NR_J_CGROUP_ID, [F_CONTAINER] = NR_J_CONTAINER,
	[F_REALTIME] = "__REALTIME_TIMESTAMP", [F_HOSTNAME] = "_HOSTNAME", [F_PID] = "_PID",
	[F_UID] = "_UID", [F_GID] = "_GID", [F_COMM] = "_COMM", [F_EXE] = "_EXE",
	[F_CMDLINE] = "_CMDLINE", [F_CGROUP] = "_SYSTEMD_CGROUP", [F_PRIORITY] = "PRIORITY",
	[F_MESSAGE] = "MESSAGE", [F_KSTACK] = NR_J_KSTACK, [F_NS_PID] = NR_J_NS_PID,
};

/* Field name -> enum jf through a small hash table, built once. */
#define NAME_BUCKETS 256
static uint8_t name_slot[NAME_BUCKETS];   /* enum jf + 1, 0 empty */
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static uint32_t name_hash(const uint8_t *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 16777619u;
	return h;
}

static void names_init(void)
{
	for (int f = 0; f < F__COUNT; f++) {
		const char *n = field_names[f];
		uint32_t k = name_hash((const uint8_t *)n, strlen(n)) % NAME_BUCKETS;

		while (name_slot[k])
			k = (k + 1) % NAME_BUCKETS;
		name_slot[k] = (uint8_t)(f + 1);
	}
}

static int field_of(const uint8_t *name, size_t len)
{
	uint32_t k = name_hash(name, len) % NAME_BUCKETS;

	for (; name_slot[k]; k = (k + 1) % NAME_BUCKETS) {
		const char *n = field_names[name_slot[k] - 1];

		if (strlen(n) == len && !memcmp(n, name, len))
			return name_slot[k] - 1;
	}
	return -1;
}

struct span {
	const uint8_t *p;
	size_t n;
	bool set;
};

/* A decimal integer field of at most 31 characters (its first 31, up to a
 * NUL), whole: white space, an optional sign, digits and nothing else,
 * within int64, as strtoll would take it. */
static bool span_int(const struct span *s, int64_t *out)
{
	const uint8_t *p = s->p;
	size_t n, i = 0;
	uint64_t v = 0, lim;
	bool neg = false;

	if (!s->set || !s->n)
		return false;
	n = s->n < 31 ? s->n : 31;
	for (size_t k = 0; k < n; k++)
		if (!p[k])
			n = k;
	while (i < n && (p[i] == ' ' || (p[i] >= '\t' && p[i] <= '\r')))
		i++;
	if (i < n && (p[i] == '-' || p[i] == '+')) {
		neg = p[i] == '-';
		i++;
	}
	if (i == n)
		return false;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		unsigned d = (unsigned)p[i] - '0';

		if (d > 9 || v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

/* Length of the text of s as stored: cut at max and at a NUL. */
static size_t span_text_len(const struct span *s, size_t max)
{
	size_t n;
	const uint8_t *z;

	if (!s->set)
		return 0;
	n = s->n < max ? s->n : max;
	z = memchr(s->p, 0, n);
	return z ? (size_t)(z - s->p) : n;
}

struct text_build {
	const char *src[JT__COUNT];
	size_t len[JT__COUNT];
};

static void set_text(struct text_build *t, enum jr_text k, const struct span *s, size_t max)
{
	size_t n = span_text_len(s, max);

	if (n) {
		t->src[k] = (const char *)s->p;
		t->len[k] = n;
	}
}

static struct row_jrec *make(const struct row_jrec *tmpl, const char *const text[JT__COUNT],
			     const size_t tlen[JT__COUNT]);

struct row_jrec *journal_build(const struct capfile_rec *rec, struct packet_ctx *ctx)
{
	struct span f[F__COUNT];
	struct nr_jeb_fld fld;
	struct text_build tb;
	struct row_jrec tmpl, *j = &tmpl;
	size_t off = 0;
	bool netrec;
	int64_t v;

	pthread_once(&names_once, names_init);
	memset(f, 0, sizeof(f));
	while (nr_jeb_next(rec->body, rec->body_len, &off, &fld) > 0) {
		int k = field_of(fld.name, fld.nlen);

		if (k >= 0 && !f[k].set)
			f[k] = (struct span){ fld.val, fld.vlen, true };
	}
	memset(&tb, 0, sizeof(tb));
	netrec = f[F_RECORD].set;
	/* the record kind is kept even when empty */
	tb.src[JT_RECORD] = netrec ? (const char *)f[F_RECORD].p : "journal";
	tb.len[JT_RECORD] = netrec ? span_text_len(&f[F_RECORD], 31) : 7;
	set_text(&tb, JT_EVENT, &f[F_EVENT], 511);
	set_text(&tb, JT_FAMILY, &f[F_FAMILY], 511);
	set_text(&tb, JT_OLDSTATE, &f[F_OLDSTATE], 511);
	set_text(&tb, JT_NEWSTATE, &f[F_NEWSTATE], 511);
	set_text(&tb, JT_COMM, &f[F_COMM], 511);
	set_text(&tb, JT_OWNER_SRC, &f[F_OWNER_SRC], 511);
	set_text(&tb, JT_MESSAGE, &f[F_MESSAGE], 1023);
	set_text(&tb, JT_EXE, &f[F_EXE], 511);
	set_text(&tb, JT_CMDLINE, &f[F_CMDLINE], 511);
	set_text(&tb, JT_CGROUP, &f[F_CGROUP], 511);
	set_text(&tb, JT_CONTAINER, &f[F_CONTAINER], 511);
	set_text(&tb, JT_HOSTNAME, &f[F_HOSTNAME], 511);
	set_text(&tb, JT_KSTACK, &f[F_KSTACK], 8191);
	set_text(&tb, JT_LADDR, &f[F_SADDR], 511);
	set_text(&tb, JT_RADDR, &f[F_DADDR], 511);

	memset(&tmpl, 0, sizeof(tmpl));
	if (span_int(&f[F_TS_NS], &v))
		j->ts_ns = an_ts_clamp(v);
	else if (span_int(&f[F_REALTIME], &v))
		j->ts_ns = an_ts_from_us(v);
	else
		j->ts_ns = ctx->last_ts;
	j->file_id = ctx->file_id;
	j->file_idx = ctx->file_idx++;
	j->offset = (int64_t)rec->offset;

	static const struct { enum jf f; uint32_t bit; size_t off; } ints[] = {
		{ F_KTIME, JR_KTIME, offsetof(struct row_jrec, ktime_ns) },
		{ F_CPU, JR_CPU, offsetof(struct row_jrec, cpu) },
		{ F_SEQ, JR_SEQ, offsetof(struct row_jrec, cpu_seq) },
		{ F_SPORT, JR_LPORT, offsetof(struct row_jrec, lport) },
		{ F_DPORT, JR_RPORT, offsetof(struct row_jrec, rport) },
		{ F_ERRNO, JR_ERRNO, offsetof(struct row_jrec, err) },
		{ F_WINDOW, JR_WINDOW, offsetof(struct row_jrec, window) },
		{ F_PID, JR_PID, offsetof(struct row_jrec, pid) },
		{ F_TID, JR_TID, offsetof(struct row_jrec, tid) },
		{ F_UID, JR_UID, offsetof(struct row_jrec, uid) },
		{ F_GID, JR_GID, offsetof(struct row_jrec, gid) },
		{ F_PRIORITY, JR_PRIORITY, offsetof(struct row_jrec, priority) },
		{ F_PPID, JR_PPID, offsetof(struct row_jrec, ppid) },
		{ F_CGROUP_ID, JR_CGROUP_ID, offsetof(struct row_jrec, cgroup_id) },
		{ F_NS_PID, JR_NS_PID, offsetof(struct row_jrec, ns_pid) },
	};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		if (span_int(&f[ints[i].f], &v)) {
			j->has |= ints[i].bit;
			memcpy((char *)j + ints[i].off, &v, sizeof(v));
		}
	}
	/* cookies are u64: keep the bit pattern */
	if (f[F_COOKIE].set && f[F_COOKIE].n && f[F_COOKIE].p[0]) {
		char c[32];
		size_t n = f[F_COOKIE].n < sizeof(c) - 1 ? f[F_COOKIE].n : sizeof(c) - 1;

		memcpy(c, f[F_COOKIE].p, n);
		c[n] = 0;
		if (c[0]) {
			j->has |= JR_COOKIE;
			j->cookie = strtoull(c, NULL, 10);
		}
	}
	return make(&tmpl, tb.src, tb.len);
}

struct row_jrec *journal_make(const struct row_jrec *tmpl, const char *const text[JT__COUNT])
{
	size_t len[JT__COUNT];

	for (int k = 0; k < JT__COUNT; k++)
		len[k] = text[k] ? strlen(text[k]) : 0;
	return make(tmpl, text, len);
}

/* The record from its text fields, each len[k] bytes at text[k] (not
 * NUL-terminated; NULL when absent). */
static struct row_jrec *make(const struct row_jrec *tmpl, const char *const text[JT__COUNT],
			     const size_t tlen[JT__COUNT])
{
	const char *src[JT__COUNT];
	size_t len[JT__COUNT], total = 0;
	char canon[2][48];
	uint8_t bin[2][16];
	int ver[2] = { 0, 0 };
	struct row_jrec *j;

	for (int k = 0; k < JT__COUNT; k++) {
		src[k] = text[k];
		len[k] = text[k] ? tlen[k] : 0;
	}
	/* addresses in canonical form, whatever spelling the file used */
	for (int k = 0; k < 2; k++) {
		enum jr_text t = k ? JT_RADDR : JT_LADDR;
		char a[64];

		if (!src[t] || len[t] >= sizeof(a))
			continue;
		memcpy(a, src[t], len[t]);
		a[len[t]] = 0;
		ver[k] = addr_parse(a, bin[k]);
		if (ver[k]) {
			addr_str(bin[k], ver[k], canon[k]);
			src[t] = canon[k];
			len[t] = strlen(canon[k]);
		}
	}
	for (int k = 0; k < JT__COUNT; k++)
		if (src[k])
			total += len[k] + 1;
	j = malloc(sizeof(*j) + total);
	if (!j)
		return NULL;
	*j = *tmpl;
	j->has &= ~(JR_LADDR_BIN | JR_RADDR_BIN);
	j->text_len = (uint16_t)total;
	total = 0;
	for (int k = 0; k < JT__COUNT; k++) {
		if (!src[k]) {
			j->toff[k] = TEXT_NONE;
			continue;
		}
		j->toff[k] = (uint16_t)total;
		memcpy(j->text + total, src[k], len[k]);
		total += len[k];
		j->text[total++] = 0;
	}
	j->kind = !text[JT_RECORD] ? JK_JOURNAL :
		  !strcmp(jrec_text(j, JT_RECORD), "process") ? JK_PROCESS :
		  !strcmp(jrec_text(j, JT_RECORD), "tcp_event") ? JK_TCP_EVENT : JK_JOURNAL;
	for (int k = 0; k < 2; k++) {
		if (!ver[k])
			continue;
		j->has |= k ? JR_RADDR_BIN : JR_LADDR_BIN;
		if (k) {
			j->rver = (uint8_t)ver[k];
			memcpy(j->rbin, bin[k], 16);
		} else {
			j->lver = (uint8_t)ver[k];
			memcpy(j->lbin, bin[k], 16);
		}
	}
	return j;
}

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
static size_t name_len[F__COUNT];
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

/* From the length and three of the name's bytes: the names differ there
 * (a collision costs a probe, not a wrong answer), and a field's name is
 * hashed for every field of every entry. */
static uint32_t name_hash(const uint8_t *s, size_t n)
{
	uint32_t h;

	if (!n)
		return 0;
	h = (uint32_t)n * 0x9E3779B1u;
	h ^= s[0] * 0x85EBCA77u;
	h ^= s[n - 1] * 0xC2B2AE3Du;
	h ^= s[n / 2] * 0x27D4EB2Fu;
	return h ^ (h >> 15);
}

static void names_init(void)
{
	for (int f = 0; f < F__COUNT; f++) {
		const char *n = field_names[f];
		uint32_t k;

		name_len[f] = strlen(n);
		k = name_hash((const uint8_t *)n, name_len[f]) % NAME_BUCKETS;
		while (name_slot[k])
			k = (k + 1) % NAME_BUCKETS;
		name_slot[k] = (uint8_t)(f + 1);
	}
}

static int field_of(const uint8_t *name, size_t len)
{
	uint32_t k = name_hash(name, len) % NAME_BUCKETS;

	for (; name_slot[k]; k = (k + 1) % NAME_BUCKETS) {
		int f = name_slot[k] - 1;

		if (name_len[f] == len && !memcmp(field_names[f], name, len))
			return f;
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
	/* the common case, digits only, in one pass */
	for (; i < n && p[i] - (unsigned)'0' <= 9 && v < UINT64_C(922337203685477580); i++)
		v = v * 10 + (unsigned)(p[i] - '0');
	if (i && (i == n || !p[i])) {
		*out = (int64_t)v;
		return true;
	}
	v = 0;
	i = 0;
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

/* ---- memory of records ----
 * Records come and go at the rate of packets, made on one thread and freed
 * on others. malloc serves that poorly (a lock per cross-thread free, its
 * heap grown and shrunk again), so records of up to JA_MAX bytes come
 * from size classes of JA_STEP bytes: each thread frees into lists of its
 * own, handed to the shared lists JA_GIVE at a time; the thread that
 * allocates takes a shared list whole when its own is empty, and carves
 * new records out of JA_SLAB-byte slabs only when both are. Slabs are kept
 * for the process's life: the memory is what the most records alive at
 * once needed. Under AddressSanitizer every record is malloc'd, so that
 * it still sees a record used after it was freed. */
#define JA_STEP 64
#define JA_MAX 4096
#define JA_CLASSES (JA_MAX / JA_STEP)
#define JA_SLAB (1u << 20)
#define JA_GIVE 256
#define JA_MALLOC 0               /* size_class of a malloc'd record */

#if defined(__SANITIZE_ADDRESS__)
#define JA_USE_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JA_USE_MALLOC 1
#endif
#endif

struct ja_list {
	void *head, *tail;
	size_t n;
};

static struct {
	pthread_mutex_t mu;
	struct ja_list given[JA_CLASSES];
	char *slab;
	size_t slab_left;
	char **slabs;             /* every slab, so that they stay reachable */
	size_t nslabs, cap;
} ja = { .mu = PTHREAD_MUTEX_INITIALIZER };

static __thread struct ja_list ja_own[JA_CLASSES];

static void *ja_carve(size_t size)
{
	void *p;

	if (ja.slab_left < size) {
		if (ja.nslabs == ja.cap) {
			size_t cap = ja.cap ? ja.cap * 2 : 64;
			char **s = realloc(ja.slabs, cap * sizeof(*s));

			if (!s)
				return NULL;
			ja.slabs = s;
			ja.cap = cap;
		}
		ja.slab = malloc(JA_SLAB);
		if (!ja.slab) {
			ja.slab_left = 0;
			return NULL;
		}
		ja.slabs[ja.nslabs++] = ja.slab;
		ja.slab_left = JA_SLAB;
	}
	p = ja.slab;
	ja.slab += size;
	ja.slab_left -= size;
	return p;
}

struct row_jrec *jrec_alloc(size_t n)
{
	struct row_jrec *j;
	size_t c = (n + JA_STEP - 1) / JA_STEP;
	struct ja_list *own;

#ifdef JA_USE_MALLOC
	c = JA_CLASSES;
#endif
	if (c >= JA_CLASSES || !c) {
		j = malloc(n);
		if (j)
			j->size_class = JA_MALLOC;
		return j;
	}
	own = &ja_own[c];
	if (!own->head) {
		pthread_mutex_lock(&ja.mu);
		*own = ja.given[c];
		ja.given[c] = (struct ja_list){ NULL, NULL, 0 };
		if (!own->head)
			own->head = ja_carve(c * JA_STEP);
		pthread_mutex_unlock(&ja.mu);
		if (!own->head)
			return NULL;
		if (!own->n) {
			/* a new one, alone on the list */
			*(void **)own->head = NULL;
			own->tail = own->head;
			own->n = 1;
		}
	}
	j = own->head;
	own->head = *(void **)j;
	if (!own->head)
		own->tail = NULL;
	else
		__builtin_prefetch(own->head, 1);
	own->n--;
	j->size_class = (uint8_t)c;
	return j;
}

static void ja_give(unsigned c)
{
	struct ja_list *own = &ja_own[c];

	if (!own->head)
		return;
	pthread_mutex_lock(&ja.mu);
	*(void **)own->tail = ja.given[c].head;
	if (!ja.given[c].head)
		ja.given[c].tail = own->tail;
	ja.given[c].head = own->head;
	ja.given[c].n += own->n;
	pthread_mutex_unlock(&ja.mu);
	*own = (struct ja_list){ NULL, NULL, 0 };
}

size_t jrec_slab_bytes(void)
{
	size_t n;

	pthread_mutex_lock(&ja.mu);
	n = ja.nslabs * (size_t)JA_SLAB;
	pthread_mutex_unlock(&ja.mu);
	return n;
}

void jrec_thread_done(void)
{
	for (unsigned c = 1; c < JA_CLASSES; c++)
		ja_give(c);
}

void jrec_free(struct row_jrec *j)
{
	struct ja_list *own;
	uint8_t c;

	if (!j)
		return;
	c = j->size_class;
	if (c == JA_MALLOC || c >= JA_CLASSES) {
		/* jrec_alloc's above JA_MAX, or a record malloc'd as it is */
		free(j);
		return;
	}
	own = &ja_own[c];
	*(void **)j = own->head;
	if (!own->head)
		own->tail = j;
	own->head = j;
	if (++own->n >= JA_GIVE)
		ja_give(c);
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
	set_text(&tb, JT_NEWSTATE, &f[F_NEWSTATE], 511);
	set_text(&tb, JT_COMM, &f[F_COMM], 511);
	set_text(&tb, JT_HOSTNAME, &f[F_HOSTNAME], 511);
	set_text(&tb, JT_LADDR, &f[F_SADDR], 511);
	set_text(&tb, JT_RADDR, &f[F_DADDR], 511);
	if (!ctx->journal_lean) {
		/* only the events and processes rows show these */
		set_text(&tb, JT_OLDSTATE, &f[F_OLDSTATE], 511);
		set_text(&tb, JT_OWNER_SRC, &f[F_OWNER_SRC], 511);
		set_text(&tb, JT_MESSAGE, &f[F_MESSAGE], 1023);
		set_text(&tb, JT_EXE, &f[F_EXE], 511);
		set_text(&tb, JT_CMDLINE, &f[F_CMDLINE], 511);
		set_text(&tb, JT_CGROUP, &f[F_CGROUP], 511);
		set_text(&tb, JT_CONTAINER, &f[F_CONTAINER], 511);
		set_text(&tb, JT_KSTACK, &f[F_KSTACK], 8191);
	}

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
	uint8_t cls;

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
	j = jrec_alloc(sizeof(*j) + total);
	if (!j)
		return NULL;
	cls = j->size_class;
	*j = *tmpl;
	j->size_class = cls;
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

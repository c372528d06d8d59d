// SPDX-License-Identifier: GPL-2.0-only
/*
 * The journal writer: TCP events and process records as journal export
 * entries (docs/format.md §5). An event entry is assembled in place in the
 * pcapng writer's buffer from field names that are string constants
 * (format/profile.h, with their '=' joined at compile time) and values
 * written by record/text.h: no printf, no copy. A value that holds a
 * newline (a command name can) takes the export format's binary form.
 * Process records are rare and may be long (command lines): they go
 * through the profile's general entry builder.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "text.h"
#include "intake.h"
#include "journal.h"
#include "ksym.h"

/* The most an event entry can take: 22 fields of at most 25 bytes of name,
 * 46 of value and their separators, plus the message; and a kernel stack. */
#define EVENT_MAX (2048 + NR_STACK_MAX * (KSYM_TEXT_MAX + 1))

/* "NAME=" as one constant */
#define F(name) name "="

struct jb {
	char *p;
};

static void put_text(struct jb *b, const char *name, size_t nlen, const char *v, size_t vlen)
{
	if (memchr(v, '\n', vlen)) {
		/* binary form: NAME '\n' le64 length, value, '\n' */
		uint64_t l = vlen;

		b->p = text_mem(b->p, name, nlen - 1);
		*b->p++ = '\n';
		for (int i = 0; i < 8; i++)
			*b->p++ = (char)(l >> (8 * i));
	} else {
		b->p = text_mem(b->p, name, nlen);
	}
	b->p = text_mem(b->p, v, vlen);
	*b->p++ = '\n';
}

#define PUT_TEXT(b, name, v, vlen) put_text((b), F(name), sizeof(F(name)) - 1, (v), (vlen))
#define PUT_STR(b, name, s) PUT_TEXT(b, name, (s), strlen(s))

#define PUT_U64(b, name, v) do { \
	(b)->p = text_lit((b)->p, F(name)); \
	(b)->p = text_u64((b)->p, (v)); \
	*(b)->p++ = '\n'; \
} while (0)

#define PUT_I64(b, name, v) do { \
	(b)->p = text_lit((b)->p, F(name)); \
	(b)->p = text_i64((b)->p, (v)); \
	*(b)->p++ = '\n'; \
} while (0)

/* "a.b.c.d:p > e.f.g.h:q", IPv6 addresses in brackets; the addresses as
 * text already (sa, da) */
static char *ends(char *p, const struct nr_event *e, const char *sa, size_t sal,
		  const char *da, size_t dal)
{
	bool v6 = e->family == 10;

	if (v6)
		*p++ = '[';
	p = text_mem(p, sa, sal);
	if (v6)
		*p++ = ']';
	*p++ = ':';
	p = text_u64(p, e->sport);
	p = text_lit(p, " > ");
	if (v6)
		*p++ = '[';
	p = text_mem(p, da, dal);
	if (v6)
		*p++ = ']';
	*p++ = ':';
	return text_u64(p, e->dport);
}

/* ---- the text an event shares with the other events of its socket ----
 * An event entry is some twenty fields, and most of them (the owner, the
 * two ends, the owner source, cgroup and namespace) are those of the
 * socket's other events: a connection's ten or so events differ in their
 * times, CPU, sequence and states. That text is kept, per socket and
 * owner, in a small direct-mapped cache: three blocks of whole fields
 * in entry order, and the "a:p > b:q" of the message. An entry is used
 * only for exactly the same key; a miss writes the blocks afresh. */
#define EVC_SLOTS 256

struct evc_key {
	uint64_t cookie, cgroup_id;
	uint32_t pid, tid, ns_pid, ns_tid, uid, gid, netns;
	uint16_t sport, dport;
	uint8_t family, src, process, pad;
	char comm[16];
	uint8_t saddr[16], daddr[16];
};

struct evc {
	struct evc_key k;
	bool valid;
	uint16_t owner_len, ends_len, tuple_len, tail_len;
	char owner[176];      /* _PID .. _COMM */
	char ends[2 * (TEXT_ADDR_MAX + 8) + 3];  /* ends(): two "[addr]:port", " > " */
	char tuple[232];      /* NETREC_COOKIE .. NETREC_DPORT */
	char tail[128];       /* NETREC_OWNER_SRC .. NETREC_NETNS */
};

static struct evc evcache[EVC_SLOTS];
static bool evc_off;      /* tests: every entry written afresh */

void journal_cache_enable(bool on)
{
	evc_off = !on;
	memset(evcache, 0, sizeof(evcache));
}

static unsigned evc_slot(const struct evc_key *k)
{
	uint64_t h = k->cookie * 0x9E3779B97F4A7C15ULL;

	h ^= ((uint64_t)k->pid << 32 | k->tid) * 0xC2B2AE3D27D4EB4FULL;
	h ^= ((uint64_t)k->sport << 16 | k->dport) * 0x165667B19E3779F9ULL;
	return (unsigned)(h >> 56) % EVC_SLOTS;
}

/* The shared text of e's entry: from the cache, or written now. */
static const struct evc *evc_get(const struct nr_event *e, uint8_t src, bool process,
				 const char *comm, size_t cl, uint32_t netns)
{
	static struct evc scratch;
	struct evc_key k;
	struct evc *c;
	char sa[TEXT_ADDR_MAX], da[TEXT_ADDR_MAX];
	size_t sal, dal;
	struct jb b;

	memset(&k, 0, sizeof(k));
	k.cookie = e->owner.cookie;
	k.family = e->family;
	k.src = src;
	k.process = process;
	k.netns = netns;
	k.sport = e->sport;
	k.dport = e->dport;
	memcpy(k.saddr, e->saddr, sizeof(k.saddr));
	memcpy(k.daddr, e->daddr, sizeof(k.daddr));
	if (process) {
		k.cgroup_id = e->owner.cgroup_id;
		k.pid = e->owner.pid;
		k.tid = e->owner.tid;
		k.ns_pid = e->owner.ns_pid;
		k.ns_tid = e->owner.ns_tid;
		k.uid = e->owner.uid;
		k.gid = e->owner.gid;
		memcpy(k.comm, comm, cl);
	}
	c = evc_off ? &scratch : &evcache[evc_slot(&k)];
	if (!evc_off && c->valid && !memcmp(&c->k, &k, sizeof(k)))
		return c;
	c->k = k;
	c->valid = true;
	sal = (size_t)(text_addr(sa, e->family, e->saddr) - sa);
	dal = (size_t)(text_addr(da, e->family, e->daddr) - da);
	c->ends_len = (uint16_t)(ends(c->ends, e, sa, sal, da, dal) - c->ends);
	b.p = c->owner;
	if (process) {
		PUT_U64(&b, NR_J_PID, e->owner.pid);
		PUT_U64(&b, NR_J_TID, e->owner.tid);
		if (e->owner.ns_pid && (e->owner.ns_pid != e->owner.pid ||
					e->owner.ns_tid != e->owner.tid)) {
			PUT_U64(&b, NR_J_NS_PID, e->owner.ns_pid);
			PUT_U64(&b, NR_J_NS_TID, e->owner.ns_tid);
		}
		PUT_U64(&b, NR_J_UID, e->owner.uid);
		PUT_U64(&b, NR_J_GID, e->owner.gid);
		PUT_TEXT(&b, NR_J_COMM, comm, cl);
	}
	c->owner_len = (uint16_t)(b.p - c->owner);
	b.p = c->tuple;
	PUT_U64(&b, NR_J_COOKIE, e->owner.cookie);
	PUT_STR(&b, NR_J_FAMILY, e->family == 10 ? "inet6" : "inet");
	PUT_TEXT(&b, NR_J_SADDR, sa, sal);
	PUT_U64(&b, NR_J_SPORT, e->sport);
	PUT_TEXT(&b, NR_J_DADDR, da, dal);
	PUT_U64(&b, NR_J_DPORT, e->dport);
	c->tuple_len = (uint16_t)(b.p - c->tuple);
	b.p = c->tail;
	PUT_STR(&b, NR_J_OWNER_SRC, nr_owner_src_name(src));
	if (process)
		PUT_U64(&b, NR_J_CGROUP_ID, e->owner.cgroup_id);
	PUT_U64(&b, NR_J_NETNS, netns);
	c->tail_len = (uint16_t)(b.p - c->tail);
	return c;
}

/* NAME=v/1000 where ns (nsl bytes) is v as text: its digits less the last
 * three when that is the quotient (v >= 1000), else computed. */
static void put_div1000(struct jb *b, const char *name, size_t nlen, int64_t v, const char *ns,
			size_t nsl)
{
	b->p = text_mem(b->p, name, nlen);
	if (v >= 1000)
		b->p = text_mem(b->p, ns, nsl - 3);
	else
		b->p = text_i64(b->p, v / 1000);
	*b->p++ = '\n';
}

int journal_event(struct pcapng_writer *w, const struct nr_event *e, uint8_t src,
		  const struct proc_info *pi, int64_t ts_ns, uint32_t window, uint32_t netns)
{
	/* the kernel's event types are the profile's (bpf/netrec.h, §5.2) */
	_Static_assert((int)NR_EV_T_STATE == (int)NR_EVENT_STATE &&
		       (int)NR_EV_T_DESTROY == (int)NR_EVENT_DESTROY &&
		       (int)NR_EV_T_CONNECT == (int)NR_EVENT_CONNECT &&
		       (int)NR_EV_T_ACCEPT == (int)NR_EVENT_ACCEPT &&
		       (int)NR_EV_T_CLOSE == (int)NR_EVENT_CLOSE &&
		       (int)NR_EV_T_MAX == (int)NR_EVENT_MAX, "event numbering");
	const char *name = nr_event_name(e->type), *comm = NULL, *txt;
	bool process = src_is_process(src);
	char msg[256], tns[TEXT_I64_MAX], kns[TEXT_U64_MAX], *m;
	int prio = NR_PRIORITY_INFO, err;
	const struct evc *c;
	size_t cl = 0, tl, kl;
	uint8_t *entry;
	struct jb b;

	if (!name)
		return -ENODEV;
	if (process) {
		comm = pi && pi->comm[0] ? pi->comm : e->owner.comm;
		cl = strnlen(comm, 16);
	}
	c = evc_get(e, src, process, comm, cl, e->netns ? e->netns : netns);
	txt = nr_event_text(e->type);
	m = text_lit(msg, "TCP ");
	switch (e->type) {
	case NR_EV_T_STATE: {
		const char *o = nr_tcp_state_name(e->oldstate), *n = nr_tcp_state_name(e->newstate);

		m = text_mem(m, c->ends, c->ends_len);
		*m++ = ' ';
		m = text_mem(m, o, strlen(o));
		m = text_lit(m, " -> ");
		m = text_mem(m, n, strlen(n));
		break;
	}
	case NR_EV_T_CONNECT:
		m = text_lit(m, "connect ");
		m = text_mem(m, c->ends, c->ends_len);
		if (e->newstate == NR_TCP_CLOSE) {
			const char *en = e->err ? strerrorname_np(e->err) : NULL;

			m = text_lit(m, " failed ");
			m = en ? text_mem(m, en, strlen(en)) : text_lit(m, "(no error)");
			prio = NR_PRIORITY_WARNING;
		}
		break;
	case NR_EV_T_SK_ERROR: {
		const char *en = strerrorname_np(e->err);

		m = text_mem(m, txt, strlen(txt));
		*m++ = ' ';
		m = en ? text_mem(m, en, strlen(en)) : text_lit(m, "?");
		*m++ = ' ';
		m = text_mem(m, c->ends, c->ends_len);
		prio = NR_PRIORITY_WARNING;
		break;
	}
	case NR_EV_T_RESET_SENT:
	case NR_EV_T_RESET_RECV:
		prio = NR_PRIORITY_WARNING;
		/* fall through */
	default:
		m = text_mem(m, txt, strlen(txt));
		*m++ = ' ';
		m = text_mem(m, c->ends, c->ends_len);
		if (e->type == NR_EV_T_WIN_OPEN_ADV || e->type == NR_EV_T_WIN_OPEN_RECV) {
			*m++ = ' ';
			m = text_u64(m, window);
		}
		break;
	}

	err = pcapng_jeb_begin(w, EVENT_MAX, &entry);
	if (err)
		return err;
	/* the times in microseconds are those in ns less three digits */
	tl = (size_t)(text_i64(tns, ts_ns) - tns);
	kl = (size_t)(text_u64(kns, e->ktime_ns) - kns);
	b.p = (char *)entry;
	put_div1000(&b, F(NR_J_REALTIME), sizeof(F(NR_J_REALTIME)) - 1, ts_ns, tns, tl);
	put_div1000(&b, F(NR_J_MONOTONIC), sizeof(F(NR_J_MONOTONIC)) - 1,
		    e->ktime_ns > INT64_MAX ? INT64_MAX : (int64_t)e->ktime_ns, kns, kl);
	PUT_TEXT(&b, NR_J_MESSAGE, msg, (size_t)(m - msg));
	PUT_U64(&b, NR_J_PRIORITY, (unsigned)prio);
	PUT_STR(&b, NR_J_IDENTIFIER, NR_IDENTIFIER);
	PUT_STR(&b, NR_J_RECORD, NR_RECORD_TCP_EVENT);
	b.p = text_lit(b.p, F(NR_J_TS_NS));
	b.p = text_mem(b.p, tns, tl);
	*b.p++ = '\n';
	b.p = text_lit(b.p, F(NR_J_KTIME_NS));
	b.p = text_mem(b.p, kns, kl);
	*b.p++ = '\n';
	b.p = text_mem(b.p, c->owner, c->owner_len);
	PUT_STR(&b, NR_J_EVENT, name);
	PUT_U64(&b, NR_J_CPU, e->cpu);
	PUT_U64(&b, NR_J_SEQ, e->seq);
	b.p = text_mem(b.p, c->tuple, c->tuple_len);
	if (e->type == NR_EV_T_STATE || e->type == NR_EV_T_CONNECT || e->type == NR_EV_T_CLOSE) {
		PUT_STR(&b, NR_J_OLDSTATE, nr_tcp_state_name(e->oldstate));
		PUT_STR(&b, NR_J_NEWSTATE, nr_tcp_state_name(e->newstate));
	}
	if (e->type == NR_EV_T_SK_ERROR ||
	    (e->type == NR_EV_T_CONNECT && e->newstate == NR_TCP_CLOSE))
		PUT_I64(&b, NR_J_ERRNO, e->err);
	if (e->type >= NR_EV_T_ZERO_WIN_ADV && e->type <= NR_EV_T_WIN_OPEN_RECV)
		PUT_U64(&b, NR_J_WINDOW, window);
	if (e->nframes && ksym_loaded()) {
		/* the frames after the record (bpf/netrec.h), innermost first,
		 * from the code that hit the tracepoint */
		const uint64_t *ip = (const uint64_t *)(e + 1);
		char *field = b.p;
		bool first = true;

		b.p = text_lit(b.p, F(NR_J_KSTACK));
		for (unsigned i = 0; i < e->nframes && i < NR_STACK_MAX; i++) {
			if (first && ksym_is_tracing(ip[i]))
				continue;
			if (!first)
				*b.p++ = ' ';
			b.p = ksym_put(b.p, ip[i]);
			first = false;
		}
		if (first)
			b.p = field;   /* nothing but the tracing itself: no field */
		else
			*b.p++ = '\n';
	}
	b.p = text_mem(b.p, c->tail, c->tail_len);
	return pcapng_jeb_commit(w, (size_t)((uint8_t *)b.p - entry));
}

/* A decimal field through the general builder. */
static void add_u64(struct nr_jeb_buf *jb, const char *field, uint64_t v)
{
	char t[TEXT_U64_MAX + 1];

	nr_jeb_add(jb, field, t, (size_t)(text_u64(t, v) - t));
}

static void add_i64(struct nr_jeb_buf *jb, const char *field, int64_t v)
{
	char t[TEXT_U64_MAX + 1];

	nr_jeb_add(jb, field, t, (size_t)(text_i64(t, v) - t));
}

static void add_str(struct nr_jeb_buf *jb, const char *field, const char *s)
{
	nr_jeb_add(jb, field, s, strlen(s));
}

int journal_process(struct pcapng_writer *w, struct nr_jeb_buf *jb, const struct proc_info *pi,
		    int64_t mono_to_real_ns, const char *hostname)
{
	size_t cl = strnlen(pi->comm, sizeof(pi->comm)), al = pi->cmdline ? strlen(pi->cmdline) : 0;
	char head[200], *m;

	nr_jeb_reset(jb);
	add_i64(jb, NR_J_REALTIME, pi->first_seen_real_ns / 1000);
	add_i64(jb, NR_J_MONOTONIC, (pi->first_seen_real_ns - mono_to_real_ns) / 1000);
	/* "process PID COMM uid=U gid=G ppid=P CMDLINE" */
	m = text_lit(head, "process ");
	m = text_u64(m, pi->pid);
	*m++ = ' ';
	m = text_mem(m, pi->comm, cl);
	m = text_lit(m, " uid=");
	m = text_u64(m, pi->uid);
	m = text_lit(m, " gid=");
	m = text_u64(m, pi->gid);
	m = text_lit(m, " ppid=");
	m = text_u64(m, pi->ppid);
	*m++ = ' ';
	if (al) {
		/* the message is cut where a journal reader would cut a line */
		char msg[512];
		size_t hl = (size_t)(m - head), room = sizeof(msg) - 1 - hl;
		size_t n = al < room ? al : room;

		memcpy(msg, head, hl);
		memcpy(msg + hl, pi->cmdline, n);
		nr_jeb_add(jb, NR_J_MESSAGE, msg, hl + n);
	} else {
		nr_jeb_add(jb, NR_J_MESSAGE, head, (size_t)(m - head));
	}
	add_u64(jb, NR_J_PRIORITY, NR_PRIORITY_INFO);
	add_str(jb, NR_J_IDENTIFIER, NR_IDENTIFIER);
	add_str(jb, NR_J_RECORD, NR_RECORD_PROCESS);
	add_i64(jb, NR_J_TS_NS, pi->first_seen_real_ns);
	add_i64(jb, NR_J_KTIME_NS, pi->first_seen_real_ns - mono_to_real_ns);
	add_u64(jb, NR_J_PID, pi->pid);
	if (pi->ns_pid && pi->ns_pid != pi->pid)
		add_u64(jb, NR_J_NS_PID, pi->ns_pid);
	nr_jeb_add(jb, NR_J_COMM, pi->comm, cl);
	if (hostname[0])
		add_str(jb, NR_J_HOSTNAME, hostname);
	if (pi->exe)
		add_str(jb, NR_J_EXE, pi->exe);
	if (pi->cmdline)
		nr_jeb_add(jb, NR_J_CMDLINE, pi->cmdline, al);
	add_u64(jb, NR_J_UID, pi->uid);
	add_u64(jb, NR_J_GID, pi->gid);
	if (pi->parent_known)
		add_u64(jb, NR_J_PPID, pi->ppid);
	if (pi->cgroup)
		add_str(jb, NR_J_CGROUP, pi->cgroup);
	add_u64(jb, NR_J_CGROUP_ID, pi->cgroup_id);
	if (pi->container[0])
		add_str(jb, NR_J_CONTAINER, pi->container);
	if (jb->err)
		return jb->err;
	return pcapng_write_jeb(w, jb->buf, jb->len);
}

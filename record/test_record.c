// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of netrec's per-record writers and helpers, against
 * independent references: text.h against snprintf(3) and inet_ntop(3)
 * (over every special IPv6 form and a million random addresses), the
 * record pool's reuse and alignment, the EPB built in place against the
 * same block built through pcapng_write_epb() and an option list, and the
 * journal event entry against the fields of docs/format.md §5.1 formatted
 * here with snprintf, the process table's keys and bound, and the reorder
 * queues' output against qsort(3).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "pcapng.h"
#include "profile.h"
#include "epb.h"
#include "intake.h"
#include "journal.h"
#include "ksym.h"
#include "pool.h"
#include "proc.h"
#include "reorder.h"
#include "same.h"
#include "select.h"
#include "text.h"

TEST_MAIN_STATE;

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void check_addr6(const uint8_t a[16])
{
	char want[INET6_ADDRSTRLEN], got[TEXT_ADDR_MAX + 1];
	char *e = text_addr(got, 10, a);

	*e = 0;
	inet_ntop(AF_INET6, a, want, sizeof(want));
	if (strcmp(got, want))
		ASSERT_STREQ(got, want, "IPv6 text as inet_ntop writes it");
	else
		test_state.assertions++;
}

static void test_text(void)
{
	static const uint64_t nums[] = { 0, 1, 9, 10, 99, 100, 4294967295ULL, 4294967296ULL,
					 1000000000000ULL, UINT64_MAX };
	static const char *const special[] = {
		"::", "::1", "1::", "2001:db8::1", "2001:db8:0:0:1:0:0:1", "2001:0:0:1::1",
		"::ffff:192.0.2.1", "::192.0.2.1", "::ffff:0:192.0.2.1", "fe80::1:2:3:4",
		"1:2:3:4:5:6:7:8", "1:0:2:0:3:0:4:0", "0:1:0:1:0:1:0:1", "1::2:0:0:3",
		"::1:0:0:0:0", "1:0:0:2:0:0:0:3", "::ffff:1", "::2:0", "ff02::1:ff00:2",
	};
	char buf[64], want[64], *e;
	uint8_t a[16];

	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		e = text_u64(buf, nums[i]);
		*e = 0;
		snprintf(want, sizeof(want), "%" PRIu64, nums[i]);
		ASSERT_STREQ(buf, want, "u64");
		e = text_i64(buf, -(int64_t)(nums[i] >> 1));
		*e = 0;
		snprintf(want, sizeof(want), "%" PRId64, -(int64_t)(nums[i] >> 1));
		ASSERT_STREQ(buf, want, "negative i64");
	}
	e = text_i64(buf, INT64_MIN);
	*e = 0;
	ASSERT_STREQ(buf, "-9223372036854775808", "INT64_MIN");
	/* each length: 10^k - 1, 10^k and 10^k + 1 */
	for (uint64_t p = 1, k = 0; k < 20; k++, p *= 10) {
		const uint64_t v[3] = { p - 1, p, p + 1 };

		for (int j = 0; j < 3; j++) {
			e = text_u64(buf, v[j]);
			*e = 0;
			snprintf(want, sizeof(want), "%" PRIu64, v[j]);
			ASSERT_STREQ(buf, want, "u64 at a power of ten");
		}
	}

	inet_pton(AF_INET, "192.0.2.255", a);
	e = text_addr(buf, 2, a);
	*e = 0;
	ASSERT_STREQ(buf, "192.0.2.255", "IPv4");
	memset(a, 0, 4);
	e = text_addr(buf, 2, a);
	*e = 0;
	ASSERT_STREQ(buf, "0.0.0.0", "IPv4 zero");

	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		ASSERT_EQ(inet_pton(AF_INET6, special[i], a), 1, special[i]);
		check_addr6(a);
	}
	/* random addresses, with zero groups made common so that every way of
	 * placing runs of them is met */
	for (int n = 0; n < 1000000; n++) {
		uint64_t r = next_rand(), z = next_rand();

		for (int g = 0; g < 8; g++) {
			unsigned v = (z >> (g * 3)) & 3 ? 0 : (unsigned)(r >> (g * 8));

			if (((z >> 30) & 7) == 0 && g < 5)
				v = 0;
			a[2 * g] = (uint8_t)(v >> 8 & ((z >> (40 + g)) & 1 ? 0 : 0xff));
			a[2 * g + 1] = (uint8_t)v;
		}
		if ((z >> 50 & 15) == 0) {
			memset(a, 0, 10);
			a[10] = a[11] = 0xff;
		}
		check_addr6(a);
	}
}

static void test_pool(void)
{
	struct pool p;
	struct rec *a, *b, *c, *big;

	pool_init(&p);
	a = pool_get(&p, 100);
	b = pool_get(&p, 100);
	ASSERT_OK_PTR(a, "small record");
	ASSERT_OK_PTR(b, "another");
	ASSERT_TRUE(a != b, "two slots");
	ASSERT_EQ((uintptr_t)a->data % 8, 0, "data 8-byte aligned");
	memset(a->data, 0xAA, 100);
	memset(b->data, 0xBB, 100);
	ASSERT_EQ(a->data[99], 0xAA, "slots do not overlap");
	pool_put(&p, a);
	c = pool_get(&p, 150);
	ASSERT_TRUE(c == a, "a freed slot of the class is reused");
	big = pool_get(&p, 120 + 262144);
	ASSERT_OK_PTR(big, "the largest record");
	memset(big->data, 1, 120 + 262144);
	ASSERT_TRUE(pool_get(&p, 1U << 20) == NULL, "larger than any class: refused");
	ASSERT_EQ_U64(p.in_use, 3, "slots held");
	pool_put(&p, b);
	pool_put(&p, c);
	pool_put(&p, big);
	ASSERT_EQ_U64(p.in_use, 0, "all given back");
	for (int i = 0; i < 100000; i++) {
		struct rec *r = pool_get(&p, (size_t)(next_rand() % 3000));

		pool_put(&p, r);
	}
	ASSERT_TRUE(p.slots <= 8, "a steady state takes no new slots");
	pool_free(&p);
}

static int last_err; /* what fn returned in written() */

/* Writes through fn into a temporary file; returns its bytes (malloc'd). */
static uint8_t *written(int (*fn)(struct pcapng_writer *, void *), void *ctx, unsigned flags,
			size_t *len)
{
	char path[] = "/tmp/netrec-test-record.XXXXXX";
	struct pcapng_writer_opts wo = { .flags = flags };
	struct pcapng_writer *w;
	uint8_t *buf = NULL;
	int fd = mkstemp(path);
	long n;
	FILE *f;

	if (fd < 0)
		return NULL;
	unlink(path);
	if (pcapng_writer_open(&w, dup(fd), &wo) == 0) {
		pcapng_write_shb(w, NULL);
		pcapng_write_idb(w, NR_LINKTYPE, 262144, NULL, NULL);
		pcapng_write_idb(w, NR_LINKTYPE, 262144, NULL, NULL);
		last_err = fn(w, ctx);
		pcapng_writer_flush(w);
		pcapng_writer_close(w);
	}
	f = fdopen(fd, "rb");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	*len = (size_t)n;
	fclose(f);
	return buf;
}

struct epb_case {
	struct epb_writer *ew;
	struct nr_pkt *p;
	const uint8_t *data;
	struct nr_owner ow;
	uint8_t src;
	struct proc_info *pi;
};

static int write_in_place(struct pcapng_writer *w, void *ctx)
{
	struct epb_case *c = ctx;

	return epb_write(w, c->ew, 1, 1, c->p, c->data, &c->ow, c->src, c->pi, 1700000000123456789LL, 0, false);
}

/* The same block by the general path: SLL2 by hand, the comment as
 * docs/format.md §4 spells it, with snprintf. */
static int write_reference(struct pcapng_writer *w, void *ctx)
{
	struct epb_case *c = ctx;
	bool process = c->src != NR_OWNER_UNKNOWN && c->src != NR_OWNER_KERNEL;
	uint8_t pkt[20 + 256], av[NR_PKT_ANNOT_SIZE];
	struct nr_pkt_annot a = { 0 };
	struct pcapng_opts o;
	uint32_t body = c->p->cap_len - c->p->l3_off;
	char comment[200];
	int err;

	memset(pkt, 0, 20);
	pkt[0] = 0x08;                   /* protocol IPv4 */
	pkt[7] = (uint8_t)c->p->ifindex;
	pkt[9] = 1;                      /* ARPHRD_ETHER */
	pkt[10] = c->p->dir == NR_DIR_OUT ? 4 : 0;
	pkt[11] = 6;
	memcpy(pkt + 12, c->data + 6, 6);
	memcpy(pkt + 20, c->data + c->p->l3_off, body);
	if (c->src == NR_OWNER_KERNEL)
		snprintf(comment, sizeof(comment), "kernel (kernel)");
	else if (!process)
		snprintf(comment, sizeof(comment), "unattributed");
	else if (c->ow.ns_pid && (c->ow.ns_pid != c->ow.pid || c->ow.ns_tid != c->ow.tid))
		snprintf(comment, sizeof(comment), "%s[%u/%u] nspid=%u/%u uid=%u gid=%u%s%.12s (%s)",
			 c->pi ? c->pi->comm : c->ow.comm, c->ow.pid, c->ow.tid, c->ow.ns_pid,
			 c->ow.ns_tid, c->ow.uid,
			 c->ow.gid, c->pi && c->pi->container[0] ? " container=" : "",
			 c->pi ? c->pi->container : "", nr_owner_src_name(c->src));
	else
		snprintf(comment, sizeof(comment), "%s[%u/%u] uid=%u gid=%u%s%.12s (%s)",
			 c->pi ? c->pi->comm : c->ow.comm, c->ow.pid, c->ow.tid, c->ow.uid,
			 c->ow.gid, c->pi && c->pi->container[0] ? " container=" : "",
			 c->pi ? c->pi->container : "", nr_owner_src_name(c->src));
	a.type = 1;
	a.version = NR_ANNOT_VERSION;
	a.owner_src = c->src;
	a.flags = (process ? 1 : 0) | (c->ow.cookie ? 2 : 0) | (c->p->dir == NR_DIR_OUT ? 4 : 0);
	a.cpu = c->p->cpu;
	a.seq = c->p->seq;
	a.cookie = c->ow.cookie;
	if (process) {
		a.pid = c->ow.pid;
		a.tid = c->ow.tid;
		a.uid = c->ow.uid;
		a.gid = c->ow.gid;
		a.cgroup_id = c->ow.cgroup_id;
		a.ns_pid = c->ow.ns_pid;
		a.ns_tid = c->ow.ns_tid;
	}
	a.netns = c->p->netns ? c->p->netns : c->ew->netns;
	a.ifindex = c->p->ifindex;
	a.ktime_ns = c->p->ktime_ns;
	a.l4_proto = c->p->l4_proto;
	nr_annot_encode(&a, av);
	pcapng_opts_init(&o);
	pcapng_opts_add_u32(&o, PCAPNG_EPB_FLAGS, c->p->dir == NR_DIR_OUT ? 2 : 1);
	if (process)
		pcapng_opts_add_pid_tid(&o, c->ow.pid, c->ow.tid);
	pcapng_opts_add_str(&o, PCAPNG_OPT_COMMENT, comment);
	pcapng_opts_add_custom(&o, PCAPNG_OPT_CUSTOM_BIN, NR_PEN, av, sizeof(av));
	err = pcapng_write_epb(w, 1, 1700000000123456789ULL, pkt, 20 + body,
			       20 + c->p->len - c->p->l3_off, &o);
	pcapng_opts_free(&o);
	return err;
}

static void test_epb(void)
{
	static struct epb_writer ew = { .netns = 4026531840u };
	uint8_t data[14 + 60];
	struct nr_pkt p = { .kind = NR_REC_PKT, .dir = NR_DIR_OUT, .l2 = NR_L2_ETH, .cpu = 1,
			    .seq = 77, .ktime_ns = 123456789, .ifindex = 7, .len = 14 + 1500,
			    .cap_len = sizeof(data), .l3_off = 14, .eth_proto = 0x0800,
			    .l4_off = 34, .l4_proto = 6 };
	struct proc_info pi = { .pid = 4242, .comm = "curl", .serial = 1,
				.container = "3f2a9c01b7de55555555555555555555555555555555555555555555"
					     "55555555" };
	struct epb_case c = { &ew, &p, data, { .pid = 4242, .tid = 4243, .uid = 1000,
		.gid = 1001, .cgroup_id = 99, .cookie = 5, .comm = "curl",
		.flags = NR_OWN_VALID }, NR_OWNER_SOCKET, &pi };
	static const uint8_t srcs[] = { NR_OWNER_SOCKET, NR_OWNER_KERNEL, NR_OWNER_UNKNOWN,
					NR_OWNER_LATE };
	unsigned flags[] = { 0, PCAPNG_W_SWAP };

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
	for (size_t f = 0; f < 4; f++)
		for (size_t s = 0; s < sizeof(srcs); s++)
			for (int round = 0; round < 2; round++) { /* built, then cached */
				size_t la, lb;
				uint8_t *a, *b;

				/* rounds 2, 3: a process in a pid namespace of its own,
				 * on an interface of another network namespace */
				c.ow.ns_pid = f >= 2 ? 12 : 0;
				c.ow.ns_tid = f >= 2 ? 13 : 0;
				p.netns = f >= 2 ? 4026532314u : 0;
				c.src = srcs[s];
				c.pi = s == 0 ? &pi : NULL;
				p.dir = s & 1 ? NR_DIR_IN : NR_DIR_OUT;
				a = written(write_in_place, &c, flags[f % 2], &la);
				ASSERT_OK(last_err, "epb_write");
				b = written(write_reference, &c, flags[f % 2], &lb);
				ASSERT_OK(last_err, "pcapng_write_epb");
				if (ASSERT_OK_PTR(a, "in place") && ASSERT_OK_PTR(b, "reference") &&
				    ASSERT_EQ(la, lb, "same length"))
					ASSERT_MEMEQ(a, b, la, "the EPB built in place, byte for byte");
				free(a);
				free(b);
			}
}

struct ev_case {
	struct nr_event e;
	uint64_t ip[NR_STACK_MAX];   /* frames follow the record (-K) */
	uint8_t src;
	struct proc_info *pi;
	uint32_t window;
	size_t len;
	uint8_t entry[4096];
};

static int write_event(struct pcapng_writer *w, void *ctx)
{
	struct ev_case *c = ctx;

	return journal_event(w, &c->e, c->src, c->pi, 1700000000123456789LL, c->window, 42);
}

static void want_field(const struct ev_case *c, const char *field, const char *want)
{
	const uint8_t *v;
	size_t vl;
	char msg[160];

	snprintf(msg, sizeof(msg), "field %s", field);
	if (!want) {
		ASSERT_EQ(nr_jeb_field(c->entry, c->len, field, &v, &vl), 0, msg);
		return;
	}
	if (ASSERT_EQ(nr_jeb_field(c->entry, c->len, field, &v, &vl), 1, msg) &&
	    ASSERT_EQ(vl, strlen(want), msg))
		ASSERT_MEMEQ(v, want, vl, msg);
}

/* The entry is the body of the last block written (a JEB): type 9. */
static int last_jeb(struct ev_case *c)
{
	size_t len, off = 0, last = 0;
	uint8_t *f = written(write_event, c, 0, &len);
	uint32_t type, blen;

	if (!f)
		return -1;
	if (last_err) {
		free(f);
		return last_err;
	}
	while (off + 12 <= len) {
		memcpy(&blen, f + off + 4, 4);
		if (blen < 12 || off + blen > len)
			break;
		last = off;
		off += blen;
	}
	memcpy(&type, f + last, 4);
	memcpy(&blen, f + last + 4, 4);
	c->len = blen - 12;
	memcpy(c->entry, f + last + 8, c->len);
	free(f);
	return type == PCAPNG_BT_JEB ? 0 : -1;
}

static void test_journal(void)
{
	static struct ev_case c;
	struct proc_info pi = { .pid = 31337, .comm = "nginx: worker", .serial = 2 };
	char want[256];

	memset(&c, 0, sizeof(c));
	c.e.kind = NR_REC_EVENT;
	c.e.type = NR_EV_T_STATE;
	c.e.family = 10;
	c.e.oldstate = 2;
	c.e.newstate = 1;
	c.e.cpu = 1;
	c.e.seq = 18446744073709551615ULL;
	c.e.ktime_ns = 987654321012;
	inet_pton(AF_INET6, "2001:db8::1", c.e.saddr);
	inet_pton(AF_INET6, "2001:db8:0:0:1::2", c.e.daddr);
	c.e.sport = 40312;
	c.e.dport = 8080;
	c.e.owner = (struct nr_owner){ .pid = 31337, .tid = 31338, .uid = 33, .gid = 34,
				       .cgroup_id = 5555, .cookie = 4096, .comm = "nginx",
				       .flags = NR_OWN_VALID };
	c.src = NR_OWNER_ACCEPT;
	c.pi = &pi;
	if (!ASSERT_OK(last_jeb(&c), "a journal block"))
		return;
	want_field(&c, "__REALTIME_TIMESTAMP", "1700000000123456");
	want_field(&c, "__MONOTONIC_TIMESTAMP", "987654321");
	want_field(&c, "MESSAGE", "TCP [2001:db8::1]:40312 > [2001:db8::1:0:0:2]:8080 "
		   "SYN_SENT -> ESTABLISHED");
	want_field(&c, "PRIORITY", "6");
	want_field(&c, "SYSLOG_IDENTIFIER", "netrec");
	want_field(&c, "NETREC_RECORD", "tcp_event");
	want_field(&c, "NETREC_TS_NS", "1700000000123456789");
	want_field(&c, "NETREC_KTIME_NS", "987654321012");
	want_field(&c, "_PID", "31337");
	want_field(&c, "NETREC_TID", "31338");
	want_field(&c, "_UID", "33");
	want_field(&c, "_GID", "34");
	want_field(&c, "_COMM", "nginx: worker");
	want_field(&c, "NETREC_EVENT", "state");
	want_field(&c, "NETREC_CPU", "1");
	want_field(&c, "NETREC_SEQ", "18446744073709551615");
	want_field(&c, "NETREC_COOKIE", "4096");
	want_field(&c, "NETREC_FAMILY", "inet6");
	want_field(&c, "NETREC_SADDR", "2001:db8::1");
	want_field(&c, "NETREC_SPORT", "40312");
	want_field(&c, "NETREC_DADDR", "2001:db8::1:0:0:2");
	want_field(&c, "NETREC_DPORT", "8080");
	want_field(&c, "NETREC_OLDSTATE", "SYN_SENT");
	want_field(&c, "NETREC_NEWSTATE", "ESTABLISHED");
	want_field(&c, "NETREC_OWNER_SRC", "accept");
	want_field(&c, "NETREC_CGROUP_ID", "5555");
	want_field(&c, "NETREC_NETNS", "42");
	want_field(&c, "NETREC_WINDOW", NULL);
	want_field(&c, "NETREC_ERRNO", NULL);

	/* an error on a kernel-owned IPv4 socket; a window event */
	memset(&c.e.saddr, 0, 32);
	c.e.family = 2;
	inet_pton(AF_INET, "192.0.2.1", c.e.saddr);
	inet_pton(AF_INET, "192.0.2.2", c.e.daddr);
	c.e.type = NR_EV_T_SK_ERROR;
	c.e.err = ECONNREFUSED;
	c.e.netns = 7;
	c.src = NR_OWNER_UNKNOWN;
	c.pi = NULL;
	if (!ASSERT_OK(last_jeb(&c), "error event"))
		return;
	want_field(&c, "MESSAGE", "TCP error ECONNREFUSED 192.0.2.1:40312 > 192.0.2.2:8080");
	want_field(&c, "PRIORITY", "4");
	snprintf(want, sizeof(want), "%d", ECONNREFUSED);
	want_field(&c, "NETREC_ERRNO", want);
	want_field(&c, "_PID", NULL);
	want_field(&c, "_COMM", NULL);
	want_field(&c, "NETREC_OWNER_SRC", "unknown");
	want_field(&c, "NETREC_NETNS", "7");
	want_field(&c, "NETREC_FAMILY", "inet");

	c.e.type = NR_EV_T_WIN_OPEN_RECV;
	c.e.window = 100;
	c.window = 12800;
	c.src = NR_OWNER_SOCKET;
	memcpy(c.e.owner.comm, "a\nb", 4);      /* a command name with a newline */
	if (!ASSERT_OK(last_jeb(&c), "window event"))
		return;
	want_field(&c, "MESSAGE", "TCP window opened (received) 192.0.2.1:40312 > "
		   "192.0.2.2:8080 12800");
	want_field(&c, "NETREC_WINDOW", "12800");
	want_field(&c, "NETREC_EVENT", "window_open_recv");
	want_field(&c, "_COMM", "a\nb");

	/* the lifecycle: a failed connect names its error */
	c.e.type = NR_EV_T_CONNECT;
	c.e.oldstate = 2;
	c.e.newstate = NR_TCP_CLOSE;
	c.e.err = ECONNREFUSED;
	if (!ASSERT_OK(last_jeb(&c), "failed connect"))
		return;
	want_field(&c, "MESSAGE", "TCP connect 192.0.2.1:40312 > 192.0.2.2:8080 failed ECONNREFUSED");
	want_field(&c, "PRIORITY", "4");
	want_field(&c, "NETREC_EVENT", "connect");
	snprintf(want, sizeof(want), "%d", ECONNREFUSED);
	want_field(&c, "NETREC_ERRNO", want);
	want_field(&c, "NETREC_OLDSTATE", "SYN_SENT");
	want_field(&c, "NETREC_NEWSTATE", "CLOSE");
	want_field(&c, "NETREC_KERNEL_STACK", NULL);
	c.e.newstate = 1;
	c.e.err = 0;
	if (!ASSERT_OK(last_jeb(&c), "established connect"))
		return;
	want_field(&c, "MESSAGE", "TCP connect 192.0.2.1:40312 > 192.0.2.2:8080");
	want_field(&c, "PRIORITY", "6");
	want_field(&c, "NETREC_ERRNO", NULL);
	want_field(&c, "NETREC_NEWSTATE", "ESTABLISHED");
	c.e.type = NR_EV_T_ACCEPT;
	if (!ASSERT_OK(last_jeb(&c), "accept"))
		return;
	want_field(&c, "NETREC_EVENT", "accept");
	want_field(&c, "NETREC_OLDSTATE", NULL);

	c.e.type = NR_EV_T_MAX;
	ASSERT_EQ(last_jeb(&c), -ENODEV, "no block for an event without a name");
}

/* The text an event shares with its socket's other events is cached:
 * 3,000 events of a few sockets and owners (two processes, two cookies,
 * both families, ports, comm with and without a newline, owner sources,
 * pid namespaces, netns, times from 0 up), in an order that makes the
 * cache hit, miss and collide, must be written byte for byte as with
 * the cache off. */
struct ev_seq {
	struct nr_event e[3000];
	struct proc_info pi[2];
	uint8_t src[3000];
	int pi_of[3000];
};

static int write_seq(struct pcapng_writer *w, void *ctx)
{
	struct ev_seq *q = ctx;

	for (size_t i = 0; i < sizeof(q->e) / sizeof(q->e[0]); i++) {
		const struct proc_info *pi = q->pi_of[i] < 0 ? NULL : &q->pi[q->pi_of[i]];
		int err = journal_event(w, &q->e[i], q->src[i], pi, (int64_t)(i * 977) - 5000,
					(uint32_t)i, 42);

		if (err)
			return err;
	}
	return 0;
}

static void test_journal_cache(void)
{
	static const uint8_t srcs[] = { NR_OWNER_SOCKET, NR_OWNER_ACCEPT, NR_OWNER_UNKNOWN,
					NR_OWNER_LATE };
	static const uint8_t types[] = { NR_EV_T_STATE, NR_EV_T_CONNECT, NR_EV_T_SK_ERROR,
					 NR_EV_T_WIN_OPEN_RECV, NR_EV_T_RESET_SENT };
	static struct ev_seq q;
	uint64_t r = 0x243F6A8885A308D3ULL;
	uint8_t *a, *b;
	size_t la, lb;

	memset(&q, 0, sizeof(q));
	q.pi[0] = (struct proc_info){ .pid = 100, .comm = "curl", .serial = 1 };
	q.pi[1] = (struct proc_info){ .pid = 200, .comm = "a\nb", .serial = 2 };
	for (size_t i = 0; i < sizeof(q.e) / sizeof(q.e[0]); i++) {
		struct nr_event *e = &q.e[i];
		unsigned k;

		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		k = (unsigned)(r >> 33);
		e->kind = NR_REC_EVENT;
		e->type = types[k % 5];
		e->family = (k >> 3) & 1 ? 10 : 2;
		e->oldstate = 2;
		e->newstate = (k >> 4) & 1 ? 1 : NR_TCP_CLOSE;
		e->err = ECONNRESET;
		e->cpu = k & 1;
		e->seq = i;
		e->ktime_ns = (uint64_t)i * 1000003ULL;
		e->saddr[0] = e->family == 2 ? 192 : 0x20;
		e->daddr[0] = e->family == 2 ? 198 : 0x20;
		e->daddr[15] = e->daddr[3] = (uint8_t)((k >> 5) & 1);
		e->sport = (uint16_t)(40000 + ((k >> 6) & 3));
		e->dport = 443;
		e->netns = (k >> 8) & 1 ? 4026531840U : 0;
		e->owner = (struct nr_owner){ .pid = (k >> 9) & 1 ? 100 : 200,
					      .tid = (k >> 9) & 1 ? 100 : 201, .uid = 1000,
					      .gid = (k >> 10) & 1, .cgroup_id = 77,
					      .cookie = 1 + ((k >> 11) & 1),
					      .comm = "x", .flags = NR_OWN_VALID };
		if ((k >> 12) & 1) {
			e->owner.ns_pid = 7;
			e->owner.ns_tid = 8;
		}
		q.src[i] = srcs[(k >> 13) % 4];
		q.pi_of[i] = (k >> 15) % 3 == 2 ? -1 : (int)((k >> 15) % 3);
	}
	journal_cache_enable(true);
	a = written(write_seq, &q, 0, &la);
	ASSERT_OK(last_err, "with the cache");
	journal_cache_enable(false);
	b = written(write_seq, &q, 0, &lb);
	ASSERT_OK(last_err, "without");
	journal_cache_enable(true);
	if (ASSERT_OK_PTR(a, "written") && ASSERT_OK_PTR(b, "written") &&
	    ASSERT_EQ(la, lb, "same length"))
		ASSERT_MEMEQ(a, b, la, "the same entries, byte for byte");
	free(a);
	free(b);
}

/* -K: frames named from a kallsyms file written here; the tracing's own
 * frames (a BPF program without a symbol, the tracepoint's dispatch) at
 * the top are left out, an address no symbol covers is written as such. */
static void test_kernel_stack(void)
{
	static struct ev_case c;
	char path[] = "/tmp/netrec-test-kallsyms.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!ASSERT_TRUE(f != NULL, "temporary kallsyms"))
		return;
	fputs("ffffffff81000000 T tcp_done\n"
	      "ffffffff81000100 t bpf_trace_run3\n"
	      "ffffffff81000200 T tcp_fin\n"
	      "ffffffff81000300 D some_data\n"
	      "ffffffff81000400 T _etext\n", f);
	fclose(f);
	ASSERT_OK(ksym_load_from(path), "load the symbols");
	unlink(path);
	memset(&c, 0, sizeof(c));
	c.e.kind = NR_REC_EVENT;
	c.e.type = NR_EV_T_CLOSE;
	c.e.family = 2;
	c.e.oldstate = 5;
	c.e.newstate = NR_TCP_CLOSE;
	c.src = NR_OWNER_UNKNOWN;
	c.ip[0] = 0xffffffffc0001234ULL;  /* past every symbol by more than 1 MiB */
	c.ip[1] = 0xffffffff81000110ULL;  /* bpf_trace_run3+0x10 */
	c.ip[2] = 0xffffffff81000020ULL;  /* tcp_done+0x20 */
	c.ip[3] = 0xffffffff81000310ULL;  /* in a data symbol: tcp_fin+0x110 (text only) */
	c.ip[4] = 0x10;                   /* below every symbol */
	c.e.nframes = 5;
	if (ASSERT_OK(last_jeb(&c), "close with a stack")) {
		want_field(&c, "NETREC_EVENT", "close");
		want_field(&c, "MESSAGE", "TCP close 0.0.0.0:0 > 0.0.0.0:0");
		want_field(&c, "NETREC_KERNEL_STACK", "tcp_done+0x20 tcp_fin+0x110 0x10");
		want_field(&c, "NETREC_OLDSTATE", "FIN_WAIT2");
	}
	c.e.nframes = 2;                  /* only the tracing's own frames */
	if (ASSERT_OK(last_jeb(&c), "a stack of tracing frames only"))
		want_field(&c, "NETREC_KERNEL_STACK", NULL);
	c.e.nframes = 5;
	ksym_free();
	/* without symbols, frames are not written */
	if (ASSERT_OK(last_jeb(&c), "close, symbols not loaded"))
		want_field(&c, "NETREC_KERNEL_STACK", NULL);
}

static void test_owner_src(void)
{
	struct nr_owner o = { .flags = NR_OWN_VALID };
	static const uint8_t want[NR_SRC_MAX] = { 0, 1, 2, 3, 4, 5, 6, 7, NR_OWNER_FORWARDED };

	for (unsigned s = 0; s < NR_SRC_MAX; s++) {
		o.src = (uint8_t)s;
		ASSERT_EQ(intake_owner_src(&o), want[s], "kernel source -> file source (§4.1)");
	}
	o.src = NR_SRC_SOCKET;
	o.flags = 0;
	ASSERT_EQ(intake_owner_src(&o), NR_OWNER_UNKNOWN, "no valid owner: unknown");
	o.src = NR_SRC_KERNEL;
	ASSERT_EQ(intake_owner_src(&o), NR_OWNER_KERNEL, "the kernel's, without owner fields");
	o.src = NR_SRC_FORWARDED;
	ASSERT_EQ(intake_owner_src(&o), NR_OWNER_FWD_NOBODY, "forwarded, no socket of this host");
	ASSERT_TRUE(!src_is_process(NR_OWNER_FWD_NOBODY), "forwarded without owner: no process");
	ASSERT_TRUE(src_is_process(NR_OWNER_FORWARDED), "forwarded with owner: a process");
	o.src = 200;
	o.flags = NR_OWN_VALID;
	ASSERT_EQ(intake_owner_src(&o), NR_OWNER_UNKNOWN, "out of range: unknown");
	for (unsigned p = 0; p < NR_PARSE_MAX; p++)
		ASSERT_EQ(intake_parse_why((uint8_t)p), p, "parse result -> reason (§4.2)");
}

/* The namespace numbers (record/intake.h IFKEY): a key gives back its
 * number and ifindex at both ends of their ranges, and the inode -> number
 * hash agrees with a plain array through random follows and let-gos (the
 * deletion shifts entries back: a wrong shift loses one), a full table
 * included. */
static void test_ns_numbers(void)
{
	static struct intake in;
	static uint32_t ref[IFKEY_MAX_NS + 1];
	uint32_t next_ino = 4026531841u, bad = 0, live = 0;

	ASSERT_EQ(IFKEY_NS(IFKEY(IFKEY_MAX_NS, IFKEY_MAX_INDEX)), IFKEY_MAX_NS, "number, top of range");
	ASSERT_EQ(IFKEY_INDEX(IFKEY(IFKEY_MAX_NS, IFKEY_MAX_INDEX)), IFKEY_MAX_INDEX, "ifindex, top");
	ASSERT_EQ(IFKEY_NS(IFKEY(1, 1)), 1, "number 1");
	ASSERT_EQ(IFKEY_INDEX(IFKEY(1, 1)), 1, "ifindex 1");
	ASSERT_GE(IFKEY_MAX_NS, 4095, "at least 4095 other namespaces");
	in.own_netns = 4026531840u;
	for (int round = 0; round < 200000; round++) {
		int k = 1 + (int)(next_rand() % IFKEY_MAX_NS);

		/* mostly follows early on (a full table), mostly let-gos later */
		if (next_rand() % 4 < (round < 100000 ? 3u : 1u)) {
			if (!ref[k])
				live++;
			ref[k] = next_ino++;
		} else {
			if (ref[k])
				live--;
			ref[k] = 0;
		}
		intake_ns_set(&in, k, ref[k]);
		if (round % 97 == 0 || round == 99999)
			for (int j = 1; j <= IFKEY_MAX_NS; j++)
				bad += ref[j] && intake_ns_number(&in, ref[j]) != j;
	}
	for (int j = 1; j <= IFKEY_MAX_NS; j++)
		bad += ref[j] ? intake_ns_number(&in, ref[j]) != j : in.ns_ino[j] != 0;
	ASSERT_EQ(bad, 0, "every followed inode finds its number, after follows and let-gos");
	ASSERT_GT(live, 0, "some still followed at the end");
	ASSERT_EQ(intake_ns_number(&in, next_ino), 0, "an inode never followed: 0");
	ASSERT_EQ(intake_ns_number(&in, in.own_netns), 0, "netrec's own: 0");
	ASSERT_EQ(intake_ns_number(&in, 0), 0, "no inode: 0");
	for (int j = 1; j <= IFKEY_MAX_NS; j++)
		intake_ns_set(&in, j, next_ino + (uint32_t)j);
	bad = 0;
	for (int j = 1; j <= IFKEY_MAX_NS; j++)
		bad += intake_ns_number(&in, next_ino + (uint32_t)j) != j;
	ASSERT_EQ(bad, 0, "a full table: every number found");
	for (int j = 1; j <= IFKEY_MAX_NS; j++)
		intake_ns_set(&in, j, 0);
	bad = 0;
	for (unsigned h = 0; h < INTAKE_NS_HASH; h++)
		bad += in.ns_hash[h] != 0;
	ASSERT_EQ(bad, 0, "all let go: the hash is empty");
}

/* One packet on two interfaces (a router's): the same id whatever the TTL
 * and checksum, the later sighting a copy; not on the same interface, not
 * 10 ms later, not with other bytes (docs/format.md §4.3). */
static void test_same(void)
{
	static uint8_t buf[sizeof(struct nr_pkt) + 14 + 40];
	struct nr_pkt *p = (struct nr_pkt *)buf;
	uint8_t *d = buf + sizeof(*p), *ip = d + 14;
	uint64_t a, b, c;
	bool copy;

	p->l3_off = 14;
	p->cap_len = p->len = 14 + 40;
	p->eth_proto = 0x0800;
	p->ifindex = 2;
	p->netns = 77;
	p->ktime_ns = 1000000000;
	ip[0] = 0x45; ip[3] = 40; ip[8] = 64; ip[9] = 6; ip[10] = 0x12; ip[11] = 0x34;
	ip[12] = 192; ip[14] = 2; ip[15] = 1; ip[16] = 198; ip[17] = 51; ip[18] = 100; ip[19] = 2;
	ip[33] = 0x02; /* SYN */
	a = same_packet(p, d, &copy);
	ASSERT_TRUE(a != 0 && !copy, "first sighting: an id, no copy");
	p->ifindex = 3;
	p->ktime_ns += 20000;
	ip[8] = 63;       /* forwarded: TTL and checksum change */
	ip[10] = 0x13;
	b = same_packet(p, d, &copy);
	ASSERT_TRUE(copy, "on the other interface 20 us later: a copy");
	ASSERT_EQ_U64(b, a, "same id for both copies");
	p->ktime_ns += 20000;
	b = same_packet(p, d, &copy);
	ASSERT_TRUE(!copy, "again on the same interface: not a copy (a retransmission)");
	p->ifindex = 2;
	p->ktime_ns += 11000000;
	same_packet(p, d, &copy);
	ASSERT_TRUE(!copy, "11 ms later on the other interface: not a copy");
	ip[37] = 1;       /* another packet */
	p->ifindex = 3;
	c = same_packet(p, d, &copy);
	ASSERT_TRUE(c != a && !copy, "other bytes: another id");
}

/* The process table: keyed by pid, start time and exec count; bounded.
 * The pids are above any pid_max (2^22), so /proc never answers for them. */
static void test_proc_table(void)
{
	struct nr_owner o = { .uid = 1, .gid = 2, .comm = "first", .flags = NR_OWN_VALID };
	struct proc_info *a, *b, *c, *d, *keep;
	const uint32_t base = (1U << 22) + 1000;

	proc_table_init(300);
	o.pid = base;
	o.start_ns = proc_ticks_ns(5000);
	o.exec_id = 7;
	a = proc_of(&o, 1);
	ASSERT_OK_PTR(a, "entry");
	ASSERT_STREQ(a->comm, "first", "described by the owner when /proc cannot");
	ASSERT_EQ(a->from_proc, false, "not from /proc");
	ASSERT_TRUE(proc_of(&o, 2) == a, "the same process: the same entry");
	o.start_ns = proc_ticks_ns(5000) + 1;   /* the same tick */
	ASSERT_TRUE(proc_of(&o, 2) == a, "start times compared in /proc's ticks");
	/* the same pid, started later: another process */
	o.start_ns = proc_ticks_ns(6000);
	memcpy(o.comm, "second", 7);
	b = proc_of(&o, 3);
	ASSERT_TRUE(b && b != a, "a reused pid gets an entry of its own");
	ASSERT_STREQ(b->comm, "second", "named after the new process");
	/* the same process after execve */
	o.exec_id = 8;
	memcpy(o.comm, "third", 6);
	c = proc_of(&o, 4);
	ASSERT_TRUE(c && c != b, "execve: a new entry");
	ASSERT_STREQ(c->comm, "third", "named after the new image");
	o.exec_id = 7;
	ASSERT_TRUE(proc_of(&o, 5) == b, "the image before execve is still known");
	/* an owner that does not say which process: the newest entry */
	o.start_ns = 0;
	ASSERT_TRUE(proc_of(&o, 6) == c, "no start time: the newest");
	ASSERT_TRUE(proc_by_pid(base) == c, "by pid: the newest");
	ASSERT_EQ(a->serial != b->serial && b->serial != c->serial, 1, "serials differ");
	/* descent through processes /proc never showed: the parents the
	 * kernel side told (base+1 started by base+2, started by base+3) */
	o.pid = base + 1;
	o.start_ns = proc_ticks_ns(10);
	d = proc_of(&o, 6);
	ASSERT_OK_PTR(d, "child entry");
	ASSERT_TRUE(!proc_is_descendant(base + 1, base + 3), "no parent told: not known as a descendant");
	proc_set_parent(d, base + 2);
	o.pid = base + 2;
	d = proc_of(&o, 6);
	ASSERT_OK_PTR(d, "parent entry");
	ASSERT_TRUE(!proc_is_descendant(base + 1, base + 3), "the parent's parent not told yet");
	proc_set_parent(d, base + 3);
	ASSERT_TRUE(proc_is_descendant(base + 1, base + 3), "grandchild by the told parents");
	ASSERT_TRUE(proc_is_descendant(base + 1, base + 2), "child by its told parent");
	ASSERT_TRUE(!proc_is_descendant(base + 2, base + 1), "a parent is not its child's descendant");
	ASSERT_TRUE(!proc_is_descendant(base + 1, base + 4), "nor of an unrelated pid");
	/* -p PID --children judges the process the owner names, not the
	 * newest one with its pid: base+20 is first a child of base+3, then
	 * (the pid reused) of base+4 */
	{
		struct opts so = { .npids = 1, .children = true };
		struct select sel = { .o = &so };
		struct nr_owner first = o, second = o;

		first.pid = second.pid = base + 20;
		first.start_ns = proc_ticks_ns(20);
		second.start_ns = proc_ticks_ns(30);
		d = proc_of(&first, 8);
		ASSERT_OK_PTR(d, "first process");
		proc_set_parent(d, base + 3);
		d = proc_of(&second, 9);
		ASSERT_OK_PTR(d, "second process, same pid");
		proc_set_parent(d, base + 4);
		so.pids[0] = base + 3;
		ASSERT_TRUE(select_owner(&sel, &first, NR_OWNER_SOCKET),
			    "the first process: a descendant of base+3");
		ASSERT_TRUE(!select_owner(&sel, &second, NR_OWNER_SOCKET),
			    "the second: not a descendant of base+3");
		so.pids[0] = base + 4;
		ASSERT_TRUE(select_owner(&sel, &second, NR_OWNER_SOCKET),
			    "the second: a descendant of base+4");
		ASSERT_TRUE(!select_owner(&sel, &first, NR_OWNER_SOCKET),
			    "the first: not a descendant of base+4");
		so.children = false;
		ASSERT_TRUE(!select_owner(&sel, &second, NR_OWNER_SOCKET),
			    "without --children: only the pid itself");
	}
	/* the bound, least recently used first */
	keep = a;
	for (uint32_t i = 1; i <= 10000; i++) {
		o.pid = base + i;
		o.start_ns = proc_ticks_ns(i);
		o.exec_id = 1;
		d = proc_of(&o, 7);
		ASSERT_OK_PTR(d, "entry");
		if (i % 100 == 0) {
			o.pid = base;
			o.start_ns = proc_ticks_ns(5000);
			o.exec_id = 7;
			ASSERT_TRUE(proc_of(&o, 8) == keep, "a process named often stays");
		}
	}
	ASSERT_TRUE(proc_table_count() <= 300, "at most the table's size");
	ASSERT_TRUE(proc_table_evicted() >= 10000 + 3 - 300, "the rest went");
	proc_table_free();
	ASSERT_EQ(proc_table_count(), 0, "freed");
}

/* The reorder queues against qsort(3) of the same keys: records of three
 * CPUs, each CPU's arriving nearly in order (neighbours swapped at random,
 * some timestamps shared across CPUs), pushed interleaved and popped with
 * a bound that no record still to come is older than; growth happens with
 * the ring's head mid-buffer. The output must be the sorted keys exactly,
 * none late. */
#define RO_CPUS 3
#define RO_N 30000

static int key_cmp(const void *pa, const void *pb)
{
	const struct rec *a = *(struct rec *const *)pa, *b = *(struct rec *const *)pb;

	if (a->ktime_ns != b->ktime_ns)
		return a->ktime_ns < b->ktime_ns ? -1 : 1;
	if (a->cpu != b->cpu)
		return a->cpu < b->cpu ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void test_reorder(void)
{
	struct rec *recs = calloc(RO_N, sizeof(*recs));
	struct rec **sorted = calloc(RO_N, sizeof(*sorted)), **arr[RO_CPUS], *r;
	size_t n[RO_CPUS] = { 0 }, next[RO_CPUS] = { 0 }, out = 0, pushed = 0, mismatches = 0;
	uint64_t *suffix_min[RO_CPUS], seq[RO_CPUS] = { 0 };
	struct reorder ro;

	if (!ASSERT_TRUE(recs && sorted, "alloc"))
		return;
	for (int c = 0; c < RO_CPUS; c++) {
		arr[c] = calloc(RO_N, sizeof(*arr[c]));
		suffix_min[c] = calloc(RO_N + 1, sizeof(uint64_t));
	}
	/* timestamps in global order, two records per value; each CPU's in
	 * its own order with sequence numbers */
	for (size_t i = 0; i < RO_N; i++) {
		int c = (int)(next_rand() % RO_CPUS);

		recs[i].ktime_ns = 1000 + (i / 2) * 10;
		recs[i].cpu = (uint32_t)c;
		recs[i].seq = ++seq[c];
		arr[c][n[c]++] = &recs[i];
		sorted[i] = &recs[i];
	}
	/* arrival: neighbours swapped now and then */
	for (int c = 0; c < RO_CPUS; c++) {
		for (size_t i = 0; i + 1 < n[c]; i++)
			if (next_rand() % 4 == 0) {
				r = arr[c][i];
				arr[c][i] = arr[c][i + 1];
				arr[c][i + 1] = r;
				i++;
			}
		suffix_min[c][n[c]] = UINT64_MAX;
		for (size_t i = n[c]; i-- > 0;)
			suffix_min[c][i] = arr[c][i]->ktime_ns < suffix_min[c][i + 1] ?
				arr[c][i]->ktime_ns : suffix_min[c][i + 1];
	}
	qsort(sorted, RO_N, sizeof(*sorted), key_cmp);
	reorder_init(&ro);
	while (pushed < RO_N) {
		/* a burst from one CPU, long enough to make its queue grow */
		int c = (int)(next_rand() % RO_CPUS);
		size_t burst = 1 + next_rand() % 3000;
		uint64_t before = UINT64_MAX;

		for (; burst && next[c] < n[c]; burst--, pushed++)
			if (!ASSERT_EQ(reorder_push(&ro, arr[c][next[c]++]), 0, "push"))
				goto out;
		/* everything still to come is at least this recent */
		for (int k = 0; k < RO_CPUS; k++)
			if (suffix_min[k][next[k]] < before)
				before = suffix_min[k][next[k]];
		if (before == UINT64_MAX)
			break;
		while ((r = reorder_pop(&ro, before)))
			mismatches += out >= RO_N || r != sorted[out++];
	}
	while ((r = reorder_pop(&ro, UINT64_MAX)))
		mismatches += out >= RO_N || r != sorted[out++];
	ASSERT_EQ(out, RO_N, "every record out once");
	ASSERT_EQ(mismatches, 0, "in (time, CPU, sequence) order");
	ASSERT_EQ(ro.late, 0, "none late");
	ASSERT_EQ(ro.n, 0, "none held");
	ASSERT_GT(ro.q[0].cap, 1024, "a queue grew");
out:
	reorder_free(&ro);
	for (int c = 0; c < RO_CPUS; c++) {
		free(arr[c]);
		free(suffix_min[c]);
	}
	free(sorted);
	free(recs);
}

int main(void)
{
	RUN_TEST(test_text);
	RUN_TEST(test_pool);
	RUN_TEST(test_epb);
	RUN_TEST(test_journal);
	RUN_TEST(test_journal_cache);
	RUN_TEST(test_kernel_stack);
	RUN_TEST(test_owner_src);
	RUN_TEST(test_same);
	RUN_TEST(test_ns_numbers);
	RUN_TEST(test_proc_table);
	RUN_TEST(test_reorder);
	return test_exit();
}

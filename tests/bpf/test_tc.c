// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tc programs of bpf/netrec.bpf.c under BPF_PROG_TEST_RUN: hand-built
 * IPv4/IPv6 TCP, ICMP and ICMPv6 packets (plain, VLAN-tagged, truncated) must
 * reach user space through the ring buffer with the right bytes and
 * metadata, including extension-header chains, fragments and IPv4 options;
 * IP packets the parser cannot read to the end are recorded whole and say
 * why; ARP, UDP and ESP packets must not be recorded. Every expected value comes
 * from the packets built here (offsets, lengths, addresses, ports) and from
 * docs/format.md, not from the program's output. Needs root (skip 77).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test.h"
#include "netrec.h"
#include "netrec.skel.h"

TEST_MAIN_STATE;

#define MAX_RECS 8
#define TC_ACT_UNSPEC_U32 0xffffffffU

static struct {
	uint8_t buf[sizeof(struct nr_pkt) + 2048];
	size_t size;
} recs[MAX_RECS];
static int nrecs;

static struct netrec_bpf *skel;
static struct ring_buffer *rb;
static int lo_ifindex;

static int on_rec(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (nrecs < MAX_RECS) {
		size_t n = size < sizeof(recs[0].buf) ? size : sizeof(recs[0].buf);

		memcpy(recs[nrecs].buf, data, n);
		recs[nrecs].size = size;
	}
	nrecs++;
	return 0;
}

static int silent(enum libbpf_print_level l, const char *f, va_list ap)
	__attribute__((format(printf, 2, 0)));
static int silent(enum libbpf_print_level l, const char *f, va_list ap)
{
	if (l == LIBBPF_WARN && getenv("TEST_VERBOSE"))
		return vfprintf(stderr, f, ap);
	return 0;
}

static int setup(uint32_t snap_l3)
{
	struct bpf_program *p;
	int err, ncpus = libbpf_num_possible_cpus();

	skel = netrec_bpf__open();
	if (!skel)
		return -errno;
	skel->rodata->snap_l3 = snap_l3;
	bpf_map__set_max_entries(skel->maps.cpu_slots, ncpus);
	/* only the packet programs: the tests need no tracepoint */
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, strncmp(bpf_program__name(p), "tc_", 3) == 0);
	err = netrec_bpf__load(skel);
	if (err)
		return err;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.rb), on_rec, NULL, NULL);
	return rb ? 0 : -errno;
}

static void teardown(void)
{
	ring_buffer__free(rb);
	rb = NULL;
	netrec_bpf__destroy(skel);
	skel = NULL;
}

/* Runs prog on pkt; returns the program's return value, records in recs[]. */
static uint32_t run(struct bpf_program *prog, const void *pkt, size_t len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = (uint32_t)len,
		    .repeat = 1);
	int err;

	nrecs = 0;
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	ASSERT_OK(err, "bpf_prog_test_run_opts");
	ring_buffer__consume(rb);
	return opts.retval;
}

/* ---- packet builders: Ethernet (dst 00.., the loopback's address, so the
 * stack sees it as PACKET_HOST), optional 802.1Q tag, IP, L4 ---- */
static const uint8_t SRC_MAC[6] = { 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30 };

static size_t eth(uint8_t *p, uint16_t proto, bool vlan)
{
	memset(p, 0, 6);
	memcpy(p + 6, SRC_MAC, 6);
	if (vlan) {
		p[12] = 0x81;
		p[13] = 0x00;
		p[14] = 0x00;
		p[15] = 0x64; /* VID 100 */
		p[16] = (uint8_t)(proto >> 8);
		p[17] = (uint8_t)proto;
		return 18;
	}
	p[12] = (uint8_t)(proto >> 8);
	p[13] = (uint8_t)proto;
	return 14;
}

static size_t ip4(uint8_t *p, uint8_t proto, const char *src, const char *dst, size_t l4len)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)((20 + l4len) >> 8);
	p[3] = (uint8_t)(20 + l4len);
	p[8] = 64;
	p[9] = proto;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	return 20;
}

static size_t ip6(uint8_t *p, uint8_t nh, const char *src, const char *dst, size_t l4len)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	p[4] = (uint8_t)(l4len >> 8);
	p[5] = (uint8_t)l4len;
	p[6] = nh;
	p[7] = 64;
	inet_pton(AF_INET6, src, p + 8);
	inet_pton(AF_INET6, dst, p + 24);
	return 40;
}

static size_t tcp(uint8_t *p, uint16_t sport, uint16_t dport, uint8_t flags, uint16_t win,
		  size_t payload)
{
	memset(p, 0, 20 + payload);
	p[0] = (uint8_t)(sport >> 8);
	p[1] = (uint8_t)sport;
	p[2] = (uint8_t)(dport >> 8);
	p[3] = (uint8_t)dport;
	p[12] = 0x50;
	p[13] = flags;
	p[14] = (uint8_t)(win >> 8);
	p[15] = (uint8_t)win;
	for (size_t i = 0; i < payload; i++)
		p[20 + i] = (uint8_t)(i * 7 + 1);
	return 20 + payload;
}

static size_t icmp_echo(uint8_t *p, uint8_t type, uint16_t id, uint16_t seq)
{
	memset(p, 0, 16);
	p[0] = type;
	p[4] = (uint8_t)(id >> 8);
	p[5] = (uint8_t)id;
	p[6] = (uint8_t)(seq >> 8);
	p[7] = (uint8_t)seq;
	return 16;
}

/* An IPv6 extension header of 8 * (units + 1) bytes (hop-by-hop, routing,
 * destination options: RFC 8200 4.3-4.6; padded with PadN). */
static size_t ext6(uint8_t *p, uint8_t nh, uint8_t units)
{
	size_t len = 8 * ((size_t)units + 1);

	memset(p, 0, len);
	p[0] = nh;
	p[1] = units;
	p[2] = 1;                /* PadN */
	p[3] = (uint8_t)(len - 4);
	return len;
}

/* An IPv6 fragment header (RFC 8200 4.5): offset in 8-octet units. */
static size_t frag6(uint8_t *p, uint8_t nh, uint16_t off8, bool more, uint32_t id)
{
	uint16_t v = (uint16_t)(off8 << 3 | (more ? 1 : 0));

	memset(p, 0, 8);
	p[0] = nh;
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	p[4] = (uint8_t)(id >> 24);
	p[5] = (uint8_t)(id >> 16);
	p[6] = (uint8_t)(id >> 8);
	p[7] = (uint8_t)id;
	return 8;
}

/* An authentication header (RFC 4302) with a 12-byte ICV: 24 bytes. */
static size_t ah6(uint8_t *p, uint8_t nh)
{
	memset(p, 0, 24);
	p[0] = nh;
	p[1] = 24 / 4 - 2;
	p[7] = 1;                /* SPI */
	return 24;
}

static const struct nr_pkt *pkt_rec(int i)
{
	return (const struct nr_pkt *)(const void *)recs[i].buf;
}

/* The checks every captured packet must pass. */
static void check_pkt(int i, const uint8_t *pkt, size_t len, uint8_t dir, uint16_t l3_off,
		      uint16_t eth_proto, uint8_t l4, uint32_t cap)
{
	const struct nr_pkt *r = pkt_rec(i);

	ASSERT_EQ(r->kind, NR_REC_PKT, "kind");
	ASSERT_EQ(r->dir, dir, "direction");
	ASSERT_EQ(r->l2, NR_L2_ETH, "l2");
	ASSERT_EQ(r->l3_off, l3_off, "network header offset");
	ASSERT_EQ(r->eth_proto, eth_proto, "ethertype");
	ASSERT_EQ(r->l4_proto, l4, "l4 protocol");
	ASSERT_EQ(r->len, len, "length");
	ASSERT_EQ(r->cap_len, cap, "captured length");
	ASSERT_EQ(recs[i].size, sizeof(*r) + cap, "record size");
	ASSERT_EQ(r->ifindex, lo_ifindex, "ifindex (test runs on loopback)");
	ASSERT_LT(r->cpu, libbpf_num_possible_cpus(), "cpu");
	ASSERT_GT(r->ktime_ns, 0, "timestamp");
	if (cap <= sizeof(recs[0].buf) - sizeof(*r))
		ASSERT_MEMEQ(recs[i].buf + sizeof(*r), pkt, cap, "packet bytes");
}

static void test_ipv4_tcp_ingress(void)
{
	uint8_t p[256];
	size_t n = eth(p, 0x0800, false);

	n += ip4(p + n, 6, "192.0.2.1", "192.0.2.2", 20 + 10);
	n += tcp(p + n, 40000, 80, 0x02 /* SYN */, 64240, 10);
	ASSERT_EQ(run(skel->progs.tc_in_eth, p, n), TC_ACT_UNSPEC_U32, "verdict: pass on");
	if (!ASSERT_EQ(nrecs, 1, "one record"))
		return;
	check_pkt(0, p, n, NR_DIR_IN, 14, 0x0800, 6, (uint32_t)n);
	ASSERT_EQ(pkt_rec(0)->pkt_type, 0, "PACKET_HOST");
	/* no socket listens on 192.0.2.2:80 here: no owner */
	ASSERT_EQ(pkt_rec(0)->owner.src, 0, "owner source unknown");
	ASSERT_EQ(pkt_rec(0)->owner.flags & NR_OWN_VALID, 0, "no owner");
}

static void test_ipv6_tcp_egress_kernel(void)
{
	uint8_t p[256];
	size_t n = eth(p, 0x86DD, false);

	n += ip6(p + n, 6, "2001:db8::1", "2001:db8::2", 20);
	n += tcp(p + n, 7, 40009, 0x14 /* RST, ACK */, 0, 0);
	ASSERT_EQ(run(skel->progs.tc_out_eth, p, n), TC_ACT_UNSPEC_U32, "verdict");
	if (!ASSERT_EQ(nrecs, 1, "one record"))
		return;
	check_pkt(0, p, n, NR_DIR_OUT, 14, 0x86DD, 6, (uint32_t)n);
	/* leaving with no socket and no connection: made by the kernel (§4.1) */
	ASSERT_EQ(pkt_rec(0)->owner.src, 1, "owner source kernel");
	ASSERT_EQ(pkt_rec(0)->owner.flags, NR_OWN_KERNEL, "kernel flag");
}

/* The connection map is keyed by network namespace too: a packet the
 * kernel sends for a connection no socket answers for (here: an RST with
 * no socket) gets the owner remembered for its tuple in the device's
 * namespace, never the one of another namespace using the same addresses
 * and ports; without one of its own namespace it is the kernel's. */
static void test_conn_by_netns(void)
{
	struct nr_conn_key k = { 0 };
	struct nr_owner mine = { 0 }, other = { 0 };
	uint8_t p[256];
	struct stat st;
	size_t n = eth(p, 0x86DD, false);
	int fd = bpf_map__fd(skel->maps.conns);

	if (!ASSERT_OK(stat("/proc/self/ns/net", &st), "own netns"))
		return;
	n += ip6(p + n, 6, "2001:db8::1", "2001:db8::2", 20);
	n += tcp(p + n, 7100, 40100, 0x14 /* RST, ACK */, 0, 0);
	k.t.family = 10;
	inet_pton(AF_INET6, "2001:db8::1", k.t.laddr);
	inet_pton(AF_INET6, "2001:db8::2", k.t.raddr);
	k.t.lport = 7100;
	k.t.rport = 40100;
	other.pid = other.tid = 222;
	other.flags = NR_OWN_VALID;
	mine.pid = mine.tid = 111;
	mine.flags = NR_OWN_VALID;
	/* another namespace's socket (and its entry for forwarded packets) */
	k.netns = 4026599999U;
	ASSERT_OK(bpf_map_update_elem(fd, &k, &other, BPF_ANY), "other namespace's owner");
	k.netns = 0;
	ASSERT_OK(bpf_map_update_elem(fd, &k, &other, BPF_ANY), "any namespace's owner");
	run(skel->progs.tc_out_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "RST recorded")) {
		ASSERT_EQ(pkt_rec(0)->owner.src, 1, "no owner in this namespace: kernel");
		ASSERT_EQ(pkt_rec(0)->owner.pid, 0, "not the other namespace's pid");
	}
	k.netns = (uint32_t)st.st_ino;
	ASSERT_OK(bpf_map_update_elem(fd, &k, &mine, BPF_ANY), "this namespace's owner");
	run(skel->progs.tc_out_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "RST recorded")) {
		ASSERT_EQ(pkt_rec(0)->owner.src, NR_SRC_TUPLE, "owner from the connection map");
		ASSERT_EQ(pkt_rec(0)->owner.pid, 111, "this namespace's pid");
	}
	bpf_map_delete_elem(fd, &k);
	k.netns = 0;
	bpf_map_delete_elem(fd, &k);
	k.netns = 4026599999U;
	bpf_map_delete_elem(fd, &k);
}

static void test_icmp(void)
{
	uint8_t p[256];
	size_t n = eth(p, 0x0800, false);
	const struct nr_pkt *r;

	n += ip4(p + n, 1, "192.0.2.1", "192.0.2.2", 16);
	n += icmp_echo(p + n, 8 /* echo request */, 0x1234, 1);
	ASSERT_EQ(run(skel->progs.tc_in_eth, p, n), TC_ACT_UNSPEC_U32, "verdict");
	if (ASSERT_EQ(nrecs, 1, "echo request recorded")) {
		check_pkt(0, p, n, NR_DIR_IN, 14, 0x0800, 1, (uint32_t)n);
		/* an echo request coming in is answered by the stack */
		ASSERT_EQ(pkt_rec(0)->owner.src, 1, "inbound echo request: kernel");
	}

	n = eth(p, 0x0800, false);
	n += ip4(p + n, 1, "192.0.2.2", "192.0.2.1", 16);
	n += icmp_echo(p + n, 0 /* echo reply */, 0x4321, 1);
	run(skel->progs.tc_in_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "echo reply recorded")) {
		r = pkt_rec(0);
		ASSERT_EQ(r->owner.src, 0, "reply to no known request: unknown");
	}

	n = eth(p, 0x86DD, false);
	n += ip6(p + n, 58, "2001:db8::1", "2001:db8::2", 16);
	n += icmp_echo(p + n, 128 /* echo request */, 0x0777, 3);
	run(skel->progs.tc_out_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "ICMPv6 echo request recorded")) {
		check_pkt(0, p, n, NR_DIR_OUT, 14, 0x86DD, 58, (uint32_t)n);
		/* sent by some process we cannot see here: left unknown, never kernel */
		ASSERT_EQ(pkt_rec(0)->owner.src, 0, "outbound echo request: unknown");
	}
}

static void test_ignored(void)
{
	uint8_t p[256];
	size_t n;

	/* ARP */
	n = eth(p, 0x0806, false);
	memset(p + n, 0, 28);
	n += 28;
	ASSERT_EQ(run(skel->progs.tc_in_eth, p, n), TC_ACT_UNSPEC_U32, "ARP verdict");
	ASSERT_EQ(nrecs, 0, "ARP ignored");

	/* UDP over IPv4 */
	n = eth(p, 0x0800, false);
	n += ip4(p + n, 17, "192.0.2.1", "192.0.2.2", 8);
	memset(p + n, 0, 8);
	n += 8;
	run(skel->progs.tc_out_eth, p, n);
	ASSERT_EQ(nrecs, 0, "UDP ignored");

	/* ICMPv6 next header in an IPv4 packet: not ours */
	n = eth(p, 0x0800, false);
	n += ip4(p + n, 58, "192.0.2.1", "192.0.2.2", 16);
	n += icmp_echo(p + n, 128, 1, 1);
	run(skel->progs.tc_in_eth, p, n);
	ASSERT_EQ(nrecs, 0, "protocol 58 over IPv4 ignored");

	/* IPv6 ESP: its payload (and protocol) cannot be seen */
	n = eth(p, 0x86DD, false);
	n += ip6(p + n, 50, "2001:db8::1", "2001:db8::2", 16);
	memset(p + n, 0x55, 16);
	n += 16;
	run(skel->progs.tc_in_eth, p, n);
	ASSERT_EQ(nrecs, 0, "ESP ignored");

	/* IPv6 with an extension header before UDP */
	n = eth(p, 0x86DD, false);
	n += ip6(p + n, 60, "2001:db8::1", "2001:db8::2", 8 + 8);
	n += ext6(p + n, 17, 0);
	memset(p + n, 0, 8);
	n += 8;
	run(skel->progs.tc_in_eth, p, n);
	ASSERT_EQ(nrecs, 0, "UDP behind a destination options header ignored");
}

/* What the parser found: the transport header's offset (0: none), the
 * parse result and fragment facts. */
static void check_parse(int i, uint32_t l4_off, uint8_t parse, uint8_t pflags, uint32_t frag_id)
{
	const struct nr_pkt *r = pkt_rec(i);

	ASSERT_EQ(r->l4_off, l4_off, "transport header offset");
	ASSERT_EQ(r->parse, parse, "parse result");
	ASSERT_EQ(r->pflags, pflags, "fragment flags");
	ASSERT_EQ(r->frag_id, frag_id, "fragment identification");
	if (parse)
		ASSERT_EQ(r->owner.src, 0, "not parsed: no owner");
}

/* IPv6 extension-header chains: hop-by-hop + destination options (the
 * chain of a TCP socket with IPV6_HOPOPTS and IPV6_DSTOPTS), routing +
 * AH, the longest chain followed and one longer, and a chain the packet
 * cuts short. */
static void test_ipv6_ext_chains(void)
{
	uint8_t p[512];
	size_t n, l4;

	n = eth(p, 0x86DD, false);
	n += ip6(p + n, 0, "2001:db8::1", "2001:db8::2", 8 + 16 + 20);
	n += ext6(p + n, 60, 0);
	n += ext6(p + n, 6, 1);
	l4 = n;
	n += tcp(p + n, 40100, 8080, 0x02, 64240, 0);
	run(skel->progs.tc_in_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "SYN behind hop-by-hop and destination options")) {
		check_pkt(0, p, n, NR_DIR_IN, 14, 0x86DD, 6, (uint32_t)n);
		check_parse(0, (uint32_t)l4, NR_PARSE_OK, 0, 0);
	}

	n = eth(p, 0x86DD, false);
	n += ip6(p + n, 43, "2001:db8::1", "2001:db8::2", 24 + 24 + 20);
	n += ext6(p + n, 51, 2);          /* a routing header, as a TLV blob */
	p[14 + 40 + 2] = 0;              /* routing type 0 ... */
	p[14 + 40 + 3] = 0;              /* ... no segments left */
	n += ah6(p + n, 6);
	l4 = n;
	n += tcp(p + n, 40101, 443, 0x10, 1000, 0);
	run(skel->progs.tc_out_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "ACK behind routing and AH headers")) {
		check_pkt(0, p, n, NR_DIR_OUT, 14, 0x86DD, 6, (uint32_t)n);
		check_parse(0, (uint32_t)l4, NR_PARSE_OK, 0, 0);
	}

	/* NR_IP6_MAX_EXT destination options headers: followed */
	n = eth(p, 0x86DD, false);
	n += ip6(p + n, 60, "2001:db8::1", "2001:db8::2", 8 * NR_IP6_MAX_EXT + 20);
	for (int i = 0; i < NR_IP6_MAX_EXT; i++)
		n += ext6(p + n, i == NR_IP6_MAX_EXT - 1 ? 6 : 60, 0);
	l4 = n;
	n += tcp(p + n, 40102, 80, 0x10, 1000, 0);
	run(skel->progs.tc_in_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "the longest chain followed"))
		check_parse(0, (uint32_t)l4, NR_PARSE_OK, 0, 0);

	/* one more: recorded whole, not parsed */
	n = eth(p, 0x86DD, false);
	n += ip6(p + n, 60, "2001:db8::1", "2001:db8::2", 8 * (NR_IP6_MAX_EXT + 1) + 20);
	for (int i = 0; i <= NR_IP6_MAX_EXT; i++)
		n += ext6(p + n, i == NR_IP6_MAX_EXT ? 6 : 60, 0);
	n += tcp(p + n, 40103, 80, 0x10, 1000, 0);
	run(skel->progs.tc_in_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "a longer chain is still recorded")) {
		check_pkt(0, p, n, NR_DIR_IN, 14, 0x86DD, 60, (uint32_t)n);
		check_parse(0, 0, NR_PARSE_EXT_CHAIN, 0, 0);
	}

	/* the packet ends inside the second extension header */
	n = eth(p, 0x86DD, false);
	n += ip6(p + n, 0, "2001:db8::1", "2001:db8::2", 8 + 1);
	n += ext6(p + n, 60, 0);
	p[n++] = 6;
	run(skel->progs.tc_in_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "a chain cut short is still recorded")) {
		check_pkt(0, p, n, NR_DIR_IN, 14, 0x86DD, 60, (uint32_t)n);
		check_parse(0, 0, NR_PARSE_TRUNCATED, 0, 0);
	}
}

/* Fragments: the first with its transport header, later ones as what they
 * are (RFC 8200 4.5, RFC 791). */
static void test_fragments(void)
{
	uint8_t p[512];
	size_t n, l4;

	n = eth(p, 0x86DD, false);
	n += ip6(p + n, 44, "2001:db8::1", "2001:db8::2", 8 + 16);
	n += frag6(p + n, 58, 0, true, 0x01020304);
	l4 = n;
	n += icmp_echo(p + n, 128, 0x0777, 9);
	run(skel->progs.tc_out_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "IPv6 first fragment")) {
		check_pkt(0, p, n, NR_DIR_OUT, 14, 0x86DD, 58, (uint32_t)n);
		check_parse(0, (uint32_t)l4, NR_PARSE_OK, NR_PF_FRAGMENT, 0x01020304);
	}

	n = eth(p, 0x86DD, false);
	n += ip6(p + n, 44, "2001:db8::2", "2001:db8::1", 8 + 40);
	n += frag6(p + n, 58, 181, false, 0x0A0B0C0D);
	memset(p + n, 0x11, 40);
	n += 40;
	run(skel->progs.tc_in_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "IPv6 later fragment")) {
		check_pkt(0, p, n, NR_DIR_IN, 14, 0x86DD, 58, (uint32_t)n);
		check_parse(0, 0, NR_PARSE_OK, NR_PF_FRAGMENT | NR_PF_LATER_FRAG, 0x0A0B0C0D);
		ASSERT_EQ(pkt_rec(0)->owner.src, 0, "later fragment: owner left to user space");
	}

	/* a later fragment whose fragmentable part starts with an extension
	 * header: the protocol is unknown */
	p[14 + 40] = 60;
	run(skel->progs.tc_in_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "later fragment of unknown protocol recorded"))
		check_parse(0, 0, NR_PARSE_FRAG_UPPER, NR_PF_FRAGMENT | NR_PF_LATER_FRAG,
			    0x0A0B0C0D);
	p[14 + 40] = 17;
	run(skel->progs.tc_in_eth, p, n);
	ASSERT_EQ(nrecs, 0, "later fragment of a UDP datagram ignored");

	/* IPv4: first fragment (MF) of a TCP segment, id 0x4242 */
	n = eth(p, 0x0800, false);
	n += ip4(p + n, 6, "192.0.2.1", "192.0.2.2", 20 + 8);
	p[14 + 4] = 0x42;
	p[14 + 5] = 0x42;
	p[14 + 6] = 0x20;                /* MF */
	l4 = n;
	n += tcp(p + n, 40104, 80, 0x18, 1000, 8);
	run(skel->progs.tc_out_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "IPv4 first fragment")) {
		check_pkt(0, p, n, NR_DIR_OUT, 14, 0x0800, 6, (uint32_t)n);
		check_parse(0, (uint32_t)l4, NR_PARSE_OK, NR_PF_FRAGMENT, 0x4242);
	}

	/* IPv4: later fragment of an ICMP datagram (offset 185 * 8) */
	n = eth(p, 0x0800, false);
	n += ip4(p + n, 1, "192.0.2.2", "192.0.2.1", 32);
	p[14 + 4] = 0x12;
	p[14 + 5] = 0x34;
	p[14 + 6] = 0x00;
	p[14 + 7] = 185;
	memset(p + n, 0x22, 32);
	n += 32;
	run(skel->progs.tc_in_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "IPv4 later fragment")) {
		check_pkt(0, p, n, NR_DIR_IN, 14, 0x0800, 1, (uint32_t)n);
		check_parse(0, 0, NR_PARSE_OK, NR_PF_FRAGMENT | NR_PF_LATER_FRAG, 0x1234);
	}
	p[14 + 9] = 17;
	run(skel->progs.tc_in_eth, p, n);
	ASSERT_EQ(nrecs, 0, "IPv4 later fragment of UDP ignored");
}

/* IPv4 options, a header length below 5, a version that does not match the
 * ethertype, and a packet too short for an IPv4 header. */
static void test_ipv4_headers(void)
{
	uint8_t p[256];
	size_t n, l4;

	n = eth(p, 0x0800, false);
	n += ip4(p + n, 6, "192.0.2.1", "192.0.2.2", 4 + 20);
	p[14] = 0x46;                    /* IHL 6: one option word */
	p[14 + 20] = 1;                  /* NOP NOP NOP EOL */
	p[14 + 21] = 1;
	p[14 + 22] = 1;
	p[14 + 23] = 0;
	n += 4;
	l4 = n;
	n += tcp(p + n, 40105, 80, 0x10, 1000, 0);
	run(skel->progs.tc_in_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "IPv4 with options")) {
		check_pkt(0, p, n, NR_DIR_IN, 14, 0x0800, 6, (uint32_t)n);
		check_parse(0, (uint32_t)l4, NR_PARSE_OK, 0, 0);
	}

	n = eth(p, 0x0800, false);
	n += ip4(p + n, 6, "192.0.2.1", "192.0.2.2", 20);
	p[14] = 0x43;                    /* IHL 3 */
	n += tcp(p + n, 1, 2, 0x10, 1, 0);
	run(skel->progs.tc_in_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "IHL below 5: recorded")) {
		check_pkt(0, p, n, NR_DIR_IN, 14, 0x0800, 0, (uint32_t)n);
		check_parse(0, 0, NR_PARSE_BAD_HEADER, 0, 0);
	}

	/* ethertype IPv4, but the header's version field says 6 */
	p[14] = 0x65;
	run(skel->progs.tc_in_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "bad IP version: recorded, not parsed"))
		check_parse(0, 0, NR_PARSE_BAD_HEADER, 0, 0);

	/* IHL 15 (60 bytes) in a packet of 20 + 20 bytes: the transport header
	 * would start past the end (BPF_PROG_TEST_RUN itself refuses packets
	 * shorter than an IPv4 header) */
	n = eth(p, 0x0800, false);
	n += ip4(p + n, 6, "192.0.2.1", "192.0.2.2", 20);
	p[14] = 0x4F;
	n += tcp(p + n, 1, 2, 0x10, 1, 0);
	run(skel->progs.tc_in_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "IPv4 header longer than the packet: recorded")) {
		check_pkt(0, p, n, NR_DIR_IN, 14, 0x0800, 6, (uint32_t)n);
		check_parse(0, 14 + 60, NR_PARSE_TRUNCATED, 0, 0);
	}

	/* two VLAN tags (802.1ad outer, 802.1Q inner) */
	n = 0;
	memset(p, 0, 6);
	memcpy(p + 6, SRC_MAC, 6);
	p[12] = 0x88; p[13] = 0xA8; p[14] = 0; p[15] = 10;
	p[16] = 0x81; p[17] = 0x00; p[18] = 0; p[19] = 20;
	p[20] = 0x08; p[21] = 0x00;
	n = 22;
	n += ip4(p + n, 6, "192.0.2.1", "192.0.2.2", 20);
	l4 = n;
	n += tcp(p + n, 40106, 80, 0x10, 1000, 0);
	run(skel->progs.tc_in_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "QinQ packet")) {
		check_pkt(0, p, n, NR_DIR_IN, 22, 0x0800, 6, (uint32_t)n);
		check_parse(0, (uint32_t)l4, NR_PARSE_OK, 0, 0);
	}
}

static void test_truncated_tcp(void)
{
	uint8_t p[256];
	size_t n = eth(p, 0x0800, false);

	/* the IP header says TCP, but the packet ends before the TCP header */
	n += ip4(p + n, 6, "192.0.2.1", "192.0.2.2", 20);
	run(skel->progs.tc_in_eth, p, n);
	if (!ASSERT_EQ(nrecs, 1, "recorded without ports"))
		return;
	check_pkt(0, p, n, NR_DIR_IN, 14, 0x0800, 6, (uint32_t)n);
	ASSERT_EQ(pkt_rec(0)->owner.src, 0, "no ports: unknown");
	check_parse(0, 14 + 20, NR_PARSE_TRUNCATED, 0, 0);
}

static void test_vlan(void)
{
	uint8_t p[256];
	size_t n = eth(p, 0x0800, true);

	n += ip4(p + n, 6, "192.0.2.1", "192.0.2.2", 20);
	n += tcp(p + n, 40000, 443, 0x10, 1000, 0);
	run(skel->progs.tc_in_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "VLAN-tagged packet recorded"))
		check_pkt(0, p, n, NR_DIR_IN, 18, 0x0800, 6, (uint32_t)n);
}

static void test_sequence(void)
{
	uint8_t p[256];
	size_t n = eth(p, 0x0800, false);
	uint64_t s1;

	n += ip4(p + n, 6, "192.0.2.1", "192.0.2.2", 20);
	n += tcp(p + n, 40001, 80, 0x10, 1000, 0);
	run(skel->progs.tc_in_eth, p, n);
	if (!ASSERT_EQ(nrecs, 1, "first"))
		return;
	s1 = pkt_rec(0)->seq;
	run(skel->progs.tc_in_eth, p, n);
	if (!ASSERT_EQ(nrecs, 1, "second"))
		return;
	/* same CPU (pinned): the per-CPU sequence grows by exactly one */
	ASSERT_EQ_U64(pkt_rec(0)->seq, s1 + 1, "per-CPU sequence");
}

static void test_zero_window(void)
{
	uint8_t p[256];
	size_t n = eth(p, 0x0800, false), l4 = n + 20;
	const struct nr_event *e;
	uint8_t a[4], b[4];

	inet_pton(AF_INET, "192.0.2.1", a);
	inet_pton(AF_INET, "192.0.2.2", b);
	n += ip4(p + n, 6, "192.0.2.1", "192.0.2.2", 20);
	n += tcp(p + n, 40002, 8080, 0x10, 0 /* zero window */, 0);
	run(skel->progs.tc_out_eth, p, n);
	if (!ASSERT_EQ(nrecs, 2, "event and packet"))
		return;
	e = (const struct nr_event *)(const void *)recs[0].buf;
	ASSERT_EQ(e->kind, NR_REC_EVENT, "event first");
	ASSERT_EQ(e->type, NR_EV_T_ZERO_WIN_ADV, "zero window advertised");
	ASSERT_EQ(e->family, AF_INET, "family");
	ASSERT_MEMEQ(e->saddr, a, 4, "local address");
	ASSERT_MEMEQ(e->daddr, b, 4, "remote address");
	ASSERT_EQ(e->sport, 40002, "local port");
	ASSERT_EQ(e->dport, 8080, "remote port");
	ASSERT_EQ(e->window, 0, "window");
	ASSERT_EQ(pkt_rec(1)->kind, NR_REC_PKT, "then the packet");
	ASSERT_EQ_U64(pkt_rec(1)->seq, e->seq + 1, "event and packet share the sequence");

	run(skel->progs.tc_out_eth, p, n);
	ASSERT_EQ(nrecs, 1, "still zero: no new event");

	p[l4 + 14] = 0x02; /* window 512 */
	p[l4 + 15] = 0x00;
	run(skel->progs.tc_out_eth, p, n);
	if (!ASSERT_EQ(nrecs, 2, "window opens: event and packet"))
		return;
	e = (const struct nr_event *)(const void *)recs[0].buf;
	ASSERT_EQ(e->type, NR_EV_T_WIN_OPEN_ADV, "window opened");
	ASSERT_EQ(e->window, 512, "raw window");
}

static void test_snaplen(void)
{
	uint8_t p[1600];
	size_t n;

	teardown();
	if (!ASSERT_OK(setup(40), "load with snap length 40"))
		return;
	n = eth(p, 0x86DD, false);
	n += ip6(p + n, 6, "2001:db8::1", "2001:db8::2", 20 + 1000);
	n += tcp(p + n, 40003, 80, 0x18, 1000, 1000);
	run(skel->progs.tc_out_eth, p, n);
	if (ASSERT_EQ(nrecs, 1, "one record"))
		/* 14 bytes of Ethernet, then 40 of the packet from its IP header */
		check_pkt(0, p, n, NR_DIR_OUT, 14, 0x86DD, 6, 14 + 40);
}

/* Two CPUs capturing at once must not mix their packets: each record
 * holds exactly one of the two packets, whole. */
struct runner {
	int cpu;
	const uint8_t *pkt;
	size_t len;
	int err;
};

static void *run_on_cpu(void *arg)
{
	struct runner *r = arg;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = r->pkt, .data_size_in = (uint32_t)r->len,
		    .repeat = 3000);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	r->err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.tc_in_eth), &opts);
	return NULL;
}

static size_t n_small, n_big, n_bad;
static const uint8_t *cmp_small, *cmp_big;
static size_t len_small, len_big;

static int on_rec_cmp(void *ctx, void *data, size_t size)
{
	const struct nr_pkt *r = data;
	const uint8_t *bytes = (const uint8_t *)data + sizeof(*r);

	(void)ctx;
	if (r->kind != NR_REC_PKT)
		return 0;
	if (r->len == len_small && r->cap_len == len_small && size == sizeof(*r) + len_small &&
	    memcmp(bytes, cmp_small, len_small) == 0)
		n_small++;
	else if (r->len == len_big && r->cap_len == len_big && size == sizeof(*r) + len_big &&
		 memcmp(bytes, cmp_big, len_big) == 0)
		n_big++;
	else
		n_bad++;
	return 0;
}

static void test_two_cpus(void)
{
	static uint8_t small[128], big[1400];
	struct runner ra = { .cpu = 0, .pkt = small }, rb2 = { .cpu = 1, .pkt = big };
	struct ring_buffer *cmp;
	pthread_t ta, tb;
	size_t n;

	if (libbpf_num_possible_cpus() < 2 || sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		test__skip("needs two CPUs");
		return;
	}
	n = eth(small, 0x0800, false);
	n += ip4(small + n, 6, "192.0.2.1", "192.0.2.2", 20 + 12);
	n += tcp(small + n, 40010, 80, 0x18, 1000, 12);
	ra.len = len_small = n;
	n = eth(big, 0x0800, false);
	n += ip4(big + n, 6, "192.0.2.3", "192.0.2.4", 20 + 1300);
	n += tcp(big + n, 40011, 443, 0x18, 2000, 1300);
	rb2.len = len_big = n;
	cmp_small = small;
	cmp_big = big;
	ring_buffer__consume(rb);
	pthread_create(&ta, NULL, run_on_cpu, &ra);
	pthread_create(&tb, NULL, run_on_cpu, &rb2);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	ASSERT_OK(ra.err, "run on CPU 0");
	ASSERT_OK(rb2.err, "run on CPU 1");
	cmp = ring_buffer__new(bpf_map__fd(skel->maps.rb), on_rec_cmp, NULL, NULL);
	if (!ASSERT_OK_PTR(cmp, "ring buffer"))
		return;
	ring_buffer__consume(cmp);
	ring_buffer__free(cmp);
	ASSERT_EQ(n_bad, 0, "records mixing two packets");
	ASSERT_EQ(n_small, 3000, "small packets, whole");
	ASSERT_EQ(n_big, 3000, "large packets, whole");
}

int main(void)
{
	cpu_set_t set;
	int err;

	if (geteuid() != 0) {
		fprintf(stderr, "SKIP: loading BPF programs needs root (CAP_BPF, CAP_NET_ADMIN)\n");
		return 77;
	}
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	libbpf_set_print(silent);
	lo_ifindex = (int)if_nametoindex("lo");
	err = setup(NR_MAX_COPY);
	if (err) {
		fprintf(stderr, "FAIL: cannot load the tc programs: %s\n", strerror(-err));
		return 1;
	}
	RUN_TEST(test_ipv4_tcp_ingress);
	RUN_TEST(test_ipv6_tcp_egress_kernel);
	RUN_TEST(test_conn_by_netns);
	RUN_TEST(test_icmp);
	RUN_TEST(test_ignored);
	RUN_TEST(test_truncated_tcp);
	RUN_TEST(test_ipv6_ext_chains);
	RUN_TEST(test_fragments);
	RUN_TEST(test_ipv4_headers);
	RUN_TEST(test_vlan);
	RUN_TEST(test_sequence);
	RUN_TEST(test_zero_window);
	RUN_TEST(test_two_cpus);
	RUN_TEST(test_snaplen);
	teardown();
	return test_exit();
}

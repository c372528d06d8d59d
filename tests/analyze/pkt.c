/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Packet builders for the synthetic captures (see pkt.h). Everything is
 * written byte by byte in network order; checksums are the RFC 1071 sum
 * over the IPv4 header, and over the pseudo-header plus segment for TCP,
 * UDP and ICMPv6.
 */
#include "pkt.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pcapng.h"

struct pkt_ep pkt_ep(const char *addr, uint16_t port)
{
	struct pkt_ep e;

	memset(&e, 0, sizeof(e));
	e.port = port;
	if (inet_pton(AF_INET, addr, e.addr) == 1)
		e.family = AF_INET;
	else if (inet_pton(AF_INET6, addr, e.addr) == 1)
		e.family = AF_INET6;
	else {
		fprintf(stderr, "pkt_ep: bad address %s\n", addr);
		abort();
	}
	return e;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static uint32_t sum16(uint32_t acc, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	return acc;
}

static uint16_t fold(uint32_t acc)
{
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* Pseudo-header sum for an upper-layer checksum. */
static uint32_t pseudo(int family, const uint8_t *src, const uint8_t *dst,
		       uint8_t proto, uint32_t len)
{
	uint32_t acc = 0;

	if (family == AF_INET) {
		acc = sum16(acc, src, 4);
		acc = sum16(acc, dst, 4);
		acc += proto;
		acc += len;
	} else {
		acc = sum16(acc, src, 16);
		acc = sum16(acc, dst, 16);
		acc += len >> 16;
		acc += len & 0xffff;
		acc += proto;
	}
	return acc;
}

static uint16_t ip_id = 0x1000;

/* Writes the IP header for `l4_len` bytes of protocol `proto`; returns
 * its length or 0 if it does not fit. */
static size_t ip_header(uint8_t *out, size_t cap, int family, const uint8_t *src,
			const uint8_t *dst, uint8_t proto, size_t l4_len, uint8_t ttl)
{
	if (!ttl)
		ttl = 64;
	if (family == AF_INET) {
		if (cap < 20 + l4_len)
			return 0;
		memset(out, 0, 20);
		out[0] = 0x45;
		put16(out + 2, (uint16_t)(20 + l4_len));
		put16(out + 4, ip_id++);
		put16(out + 6, 0x4000); /* DF */
		out[8] = ttl;
		out[9] = proto;
		memcpy(out + 12, src, 4);
		memcpy(out + 16, dst, 4);
		put16(out + 10, fold(sum16(0, out, 20)));
		return 20;
	}
	if (cap < 40 + l4_len)
		return 0;
	memset(out, 0, 40);
	out[0] = 0x60;
	put16(out + 4, (uint16_t)l4_len);
	out[6] = proto;
	out[7] = ttl;
	memcpy(out + 8, src, 16);
	memcpy(out + 24, dst, 16);
	return 40;
}

size_t pkt_tcp(uint8_t *out, size_t cap, const struct pkt_ep *src,
	       const struct pkt_ep *dst, const struct pkt_tcp *t)
{
	uint8_t opt[40];
	size_t olen = 0, tcp_len, hl, i;
	uint8_t *th;

	if (t->mss) {
		opt[olen++] = 2;
		opt[olen++] = 4;
		put16(opt + olen, t->mss);
		olen += 2;
	}
	if (t->sack_ok && t->ts) {
		opt[olen++] = 4;
		opt[olen++] = 2;
	} else if (t->sack_ok) {
		opt[olen++] = 1;
		opt[olen++] = 1;
		opt[olen++] = 4;
		opt[olen++] = 2;
	} else if (t->ts) {
		opt[olen++] = 1;
		opt[olen++] = 1;
	}
	if (t->ts) {
		opt[olen++] = 8;
		opt[olen++] = 10;
		put32(opt + olen, t->tsval);
		put32(opt + olen + 4, t->tsecr);
		olen += 8;
	}
	if (t->wscale > 0) {
		opt[olen++] = 1;
		opt[olen++] = 3;
		opt[olen++] = 3;
		opt[olen++] = (uint8_t)(t->wscale - 1);
	}
	while (olen % 4)
		opt[olen++] = 0;

	tcp_len = 20 + olen + t->payload;
	hl = ip_header(out, cap, src->family, src->addr, dst->addr, 6, tcp_len, t->ttl);
	if (!hl)
		return 0;
	th = out + hl;
	memset(th, 0, 20);
	put16(th, src->port);
	put16(th + 2, dst->port);
	put32(th + 4, t->seq);
	put32(th + 8, t->ack);
	th[12] = (uint8_t)(((20 + olen) / 4) << 4);
	th[13] = t->flags;
	put16(th + 14, t->win);
	memcpy(th + 20, opt, olen);
	for (i = 0; i < t->payload; i++)
		th[20 + olen + i] = (uint8_t)('a' + i % 26);
	put16(th + 16, fold(sum16(pseudo(src->family, src->addr, dst->addr, 6,
					 (uint32_t)tcp_len), th, tcp_len)));
	return hl + tcp_len;
}

size_t pkt_udp(uint8_t *out, size_t cap, const struct pkt_ep *src,
	       const struct pkt_ep *dst, uint32_t payload)
{
	size_t udp_len = 8 + payload, hl, i;
	uint8_t *uh;
	uint16_t ck;

	hl = ip_header(out, cap, src->family, src->addr, dst->addr, 17, udp_len, 0);
	if (!hl)
		return 0;
	uh = out + hl;
	put16(uh, src->port);
	put16(uh + 2, dst->port);
	put16(uh + 4, (uint16_t)udp_len);
	put16(uh + 6, 0);
	for (i = 0; i < payload; i++)
		uh[8 + i] = (uint8_t)('A' + i % 26);
	ck = fold(sum16(pseudo(src->family, src->addr, dst->addr, 17,
			       (uint32_t)udp_len), uh, udp_len));
	put16(uh + 6, ck ? ck : 0xffff);
	return hl + udp_len;
}

/* Finishes an ICMP/ICMPv6 message of `len` bytes at `ih`: checksum over
 * the message (v4) or pseudo-header plus message (v6). */
static void icmp_csum(uint8_t *ih, size_t len, int family, const uint8_t *src,
		      const uint8_t *dst)
{
	uint32_t acc = 0;

	if (family == AF_INET6)
		acc = pseudo(family, src, dst, 58, (uint32_t)len);
	put16(ih + 2, 0);
	put16(ih + 2, fold(sum16(acc, ih, len)));
}

size_t pkt_echo(uint8_t *out, size_t cap, const uint8_t *src, const uint8_t *dst,
		int family, bool reply, uint16_t id, uint16_t seq, uint32_t payload)
{
	size_t len = 8 + payload, hl, i;
	uint8_t *ih;

	hl = ip_header(out, cap, family, src, dst, family == AF_INET ? 1 : 58, len, 0);
	if (!hl)
		return 0;
	ih = out + hl;
	if (family == AF_INET)
		ih[0] = reply ? 0 : 8;
	else
		ih[0] = reply ? 129 : 128;
	ih[1] = 0;
	put16(ih + 4, id);
	put16(ih + 6, seq);
	for (i = 0; i < payload; i++)
		ih[8 + i] = (uint8_t)i;
	icmp_csum(ih, len, family, src, dst);
	return hl + len;
}

size_t pkt_icmp_error(uint8_t *out, size_t cap, const uint8_t *src,
		      const uint8_t *dst, int family, uint8_t type, uint8_t code,
		      const uint8_t *orig, size_t quote_len)
{
	size_t len = 8 + quote_len, hl;
	uint8_t *ih;

	hl = ip_header(out, cap, family, src, dst, family == AF_INET ? 1 : 58, len, 0);
	if (!hl)
		return 0;
	ih = out + hl;
	memset(ih, 0, 8);
	ih[0] = type;
	ih[1] = code;
	memcpy(ih + 8, orig, quote_len);
	icmp_csum(ih, len, family, src, dst);
	return hl + len;
}

static const uint8_t mac_a[6] = { 0x02, 0x00, 0x5e, 0x00, 0x53, 0x01 };
static const uint8_t mac_b[6] = { 0x02, 0x00, 0x5e, 0x00, 0x53, 0x02 };

size_t pkt_link(uint8_t *out, size_t cap, uint32_t linktype, const uint8_t *ip,
		size_t ip_len, int family, uint16_t vlan, bool outgoing)
{
	uint16_t ethertype = family == AF_INET ? 0x0800 : 0x86dd;
	size_t hl = 0;

	if (cap < ip_len + 24)
		return 0;
	switch (linktype) {
	case LINKTYPE_ETHERNET:
		memcpy(out, outgoing ? mac_b : mac_a, 6);
		memcpy(out + 6, outgoing ? mac_a : mac_b, 6);
		hl = 12;
		if (vlan) {
			put16(out + hl, 0x8100);
			put16(out + hl + 2, vlan & 0x0fff);
			hl += 4;
		}
		put16(out + hl, ethertype);
		hl += 2;
		break;
	case LINKTYPE_RAW:
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
		break;
	case LINKTYPE_NULL: {
		/* AF value in the writer's (host) byte order: 2 or 24 (BSD) */
		uint32_t af = family == AF_INET ? 2 : 24;
		memcpy(out, &af, 4);
		hl = 4;
		break;
	}
	case LINKTYPE_LOOP:
		put32(out, family == AF_INET ? 2 : 24);
		hl = 4;
		break;
	case LINKTYPE_LINUX_SLL:
		memset(out, 0, 16);
		put16(out, outgoing ? 4 : 0);   /* packet type */
		put16(out + 2, 1);              /* ARPHRD_ETHER */
		put16(out + 4, 6);
		memcpy(out + 6, outgoing ? mac_a : mac_b, 6);
		put16(out + 14, ethertype);
		hl = 16;
		break;
	case LINKTYPE_LINUX_SLL2:
		memset(out, 0, 20);
		put16(out, ethertype);
		put32(out + 4, 2);              /* ifindex */
		put16(out + 8, 1);              /* ARPHRD_ETHER */
		out[10] = outgoing ? 4 : 0;
		out[11] = 6;
		memcpy(out + 12, outgoing ? mac_a : mac_b, 6);
		hl = 20;
		break;
	default:
		return 0;
	}
	memcpy(out + hl, ip, ip_len);
	return hl + ip_len;
}

int pkt_pcapng_start(struct pcapng_writer **w, uint32_t *ifid, int fd, const char *appl,
		     uint32_t linktype, const struct pcapng_writer_opts *wo)
{
	struct pcapng_writer_opts o = wo ? *wo : (struct pcapng_writer_opts){ 0 };
	struct pcapng_opts opts;
	int err;

	*w = NULL;
	o.flags |= PCAPNG_W_CLOSE_FD;
	err = pcapng_writer_open(w, fd, &o);
	if (err) {
		close(fd);
		return err;
	}
	pcapng_opts_init(&opts);
	pcapng_opts_add_str(&opts, PCAPNG_SHB_USERAPPL, appl);
	err = pcapng_write_shb(*w, &opts);
	if (!err) {
		pcapng_opts_reset(&opts);
		pcapng_opts_add_str(&opts, PCAPNG_IF_NAME, "eth0");
		pcapng_opts_add_u8(&opts, PCAPNG_IF_TSRESOL, 9);
		err = pcapng_write_idb(*w, (uint16_t)linktype, 262144, &opts, ifid);
	}
	pcapng_opts_free(&opts);
	return err;
}

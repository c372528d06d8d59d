/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hand-built packets for the analyzer's synthetic captures: IPv4/IPv6
 * headers, TCP segments with options, ICMP/ICMPv6 echo and errors, and the
 * link-layer headers of the linktypes the analyzer reads. Checksums are
 * computed, so tshark and tcpdump see valid packets.
 *
 * This is test scaffolding: no fragmentation, no IP options, no IPv6
 * extension headers. Buffers are caller-provided and sized generously
 * (PKT_MAX); every builder checks its room and returns 0 if it lacks it.
 */
#ifndef NETREC_TESTS_ANALYZE_PKT_H
#define NETREC_TESTS_ANALYZE_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_MAX 2048

/* TCP flag bits (byte 13 of the header). */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

struct pkt_ep {
	int family;        /* AF_INET or AF_INET6 */
	uint8_t addr[16];  /* network order; IPv4 uses the first 4 bytes */
	uint16_t port;     /* host order */
};

/* An endpoint from text ("192.0.2.1", "2001:db8::1"); aborts on bad text
 * (a typo in a test is a bug in the test). */
struct pkt_ep pkt_ep(const char *addr, uint16_t port);

struct pkt_tcp {
	uint8_t flags;       /* TH_* */
	uint32_t seq, ack;   /* raw sequence numbers */
	uint16_t win;
	/* options (SYN and SYN-ACK); 0 / false: absent */
	uint16_t mss;
	int wscale;          /* -1 or 0: absent; else shift + 1 */
	bool sack_ok;
	bool ts;
	uint32_t tsval, tsecr;
	uint32_t payload;    /* bytes of payload (filled with a pattern) */
	uint8_t ttl;         /* 0: 64 */
};

/* IP + TCP; returns the packet length or 0. */
size_t pkt_tcp(uint8_t *out, size_t cap, const struct pkt_ep *src,
	       const struct pkt_ep *dst, const struct pkt_tcp *t);

/* UDP datagram (for ICMP errors that quote one). */
size_t pkt_udp(uint8_t *out, size_t cap, const struct pkt_ep *src,
	       const struct pkt_ep *dst, uint32_t payload);

/* ICMP echo request (reply=false) or reply, v4 or v6 by the addresses. */
size_t pkt_echo(uint8_t *out, size_t cap, const uint8_t *src, const uint8_t *dst,
		int family, bool reply, uint16_t id, uint16_t seq, uint32_t payload);

/* ICMP error from router `src` to `dst` quoting the first `quote_len`
 * bytes of the packet `orig` (IPv4 type/code, e.g. 3/1; IPv6 1/3). */
size_t pkt_icmp_error(uint8_t *out, size_t cap, const uint8_t *src,
		      const uint8_t *dst, int family, uint8_t type, uint8_t code,
		      const uint8_t *orig, size_t quote_len);

/* Link-layer framing of an IP packet for a linktype. `vlan` (Ethernet
 * only) adds an 802.1Q tag with that VID when non-zero. `outgoing` picks
 * the SLL/SLL2 packet type (4 outgoing, else 0 to us). */
size_t pkt_link(uint8_t *out, size_t cap, uint32_t linktype, const uint8_t *ip,
		size_t ip_len, int family, uint16_t vlan, bool outgoing);

/* A pcapng file to write test frames into: fd (taken over: closed with the
 * writer, or here on failure) gets a Section Header naming `appl` and one
 * interface, "eth0" of `linktype` with nanosecond timestamps. `wo` as
 * pcapng_writer_open() takes it (PCAPNG_W_CLOSE_FD is added). Returns 0
 * with *w and *ifid set (end with pcapng_writer_close(*w)), or a negative
 * errno with *w set to the writer to close, or NULL. */
struct pcapng_writer;
struct pcapng_writer_opts;
int pkt_pcapng_start(struct pcapng_writer **w, uint32_t *ifid, int fd, const char *appl,
		     uint32_t linktype, const struct pcapng_writer_opts *wo);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rawsend: sends hand-built Ethernet frames out of one interface (an
 * AF_PACKET socket), for the end-to-end tests of what the recorder does
 * with packets no socket option makes: long or cut IPv6 extension-header
 * chains, bad IPv4 headers, fragments of unknown protocol, and a counted
 * stream of packets no one answers. Every frame goes from the test's
 * documentation addresses 192.0.2.2 / 2001:db8::2 (the peer) to
 * 192.0.2.1 / 2001:db8::1.
 *
 *   rawsend IFACE DSTMAC CASE [ARG]
 *
 * Cases (what the frame holds after Ethernet; checksums are correct, so
 * that the receiving stack treats each packet as it would a real one):
 *   syn6-chain PORT   IPv6: hop-by-hop, routing (type 0, no segment left),
 *                     destination options, then a TCP SYN to PORT
 *   ah6 PORT          IPv6: authentication header, then a TCP ACK to PORT
 *                     (the receiver drops it: no security association)
 *   chain-long        IPv6: NCHAIN destination options headers, then TCP
 *   chain-cut         IPv6: hop-by-hop, then a destination options header
 *                     the packet ends inside
 *   ip4-ihl3          IPv4 with a header length of 3 words, then TCP
 *   frag6-upper       IPv6 later fragment whose next header is destination
 *                     options
 *   echo-replies N [PPS]  N ICMP echo replies (identifier 0x4e52, sequence
 *                     0..N-1) no socket asked for, dropped silently by the
 *                     receiver; at most PPS a second when given
 * Prints "sent N" and exits 0 when every frame was handed to the kernel.
 *
 * A test tool: it builds only what the tests need.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NCHAIN 11

static uint8_t src6[16], dst6[16], src4[4], dst4[4];

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* TCP or ICMPv6 checksum with the IPv6 pseudo-header (RFC 8200 8.1). */
static uint16_t csum6(uint8_t nh, const uint8_t *l4, size_t len)
{
	uint8_t ph[40] = { 0 };

	memcpy(ph, src6, 16);
	memcpy(ph + 16, dst6, 16);
	ph[34] = (uint8_t)(len >> 8);
	ph[35] = (uint8_t)len;
	ph[39] = nh;
	return fold(sum(l4, len, sum(ph, 40, 0)));
}

static size_t ip6(uint8_t *p, uint8_t nh, size_t payload)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)payload);
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, src6, 16);
	memcpy(p + 24, dst6, 16);
	return 40;
}

static size_t ip4(uint8_t *p, uint8_t proto, size_t payload)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + payload));
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, src4, 4);
	memcpy(p + 16, dst4, 4);
	put16(p + 10, fold(sum(p, 20, 0)));
	return 20;
}

/* An options header (hop-by-hop or destination options) of 8 bytes. */
static size_t opts8(uint8_t *p, uint8_t nh)
{
	static const uint8_t h[8] = { 0, 0, 1, 4, 0, 0, 0, 0 };

	memcpy(p, h, 8);
	p[0] = nh;
	return 8;
}

static size_t tcp(uint8_t *p, uint16_t sport, uint16_t dport, uint8_t flags)
{
	memset(p, 0, 20);
	put16(p, sport);
	put16(p + 2, dport);
	p[4] = 0x12;                 /* sequence number 0x12345678 */
	p[5] = 0x34;
	p[6] = 0x56;
	p[7] = 0x78;
	p[12] = 0x50;
	p[13] = flags;
	put16(p + 14, 64240);
	return 20;
}

static int usage(void)
{
	fprintf(stderr, "usage: rawsend IFACE DSTMAC syn6-chain|ah6 PORT | chain-long | "
		"chain-cut | ip4-ihl3 | frag6-upper | echo-replies N [PPS]\n");
	return 2;
}

int main(int argc, char **argv)
{
	uint8_t f[1500], *p;
	struct sockaddr_ll sll = { 0 };
	struct ifreq ifr;
	unsigned mac[6];
	long count = 1, arg = 0, pps = 0;
	struct timespec t0;
	size_t n = 0, l3, l4;
	const char *c;
	int fd;

	if (argc < 4 || sscanf(argv[2], "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1], &mac[2],
			       &mac[3], &mac[4], &mac[5]) != 6)
		return usage();
	c = argv[3];
	if (argc > 4)
		arg = atol(argv[4]);
	if (argc > 5)
		pps = atol(argv[5]);
	inet_pton(AF_INET6, "2001:db8::2", src6);
	inet_pton(AF_INET6, "2001:db8::1", dst6);
	inet_pton(AF_INET, "192.0.2.2", src4);
	inet_pton(AF_INET, "192.0.2.1", dst4);

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("rawsend: socket");
		return 1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		perror("rawsend: interface");
		return 1;
	}
	for (int i = 0; i < 6; i++)
		f[i] = (uint8_t)mac[i];
	memcpy(f + 6, ifr.ifr_hwaddr.sa_data, 6);
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, f, 6);

	l3 = 14;
	p = f + l3;
	if (!strcmp(c, "syn6-chain") || !strcmp(c, "ah6")) {
		int syn = !strcmp(c, "syn6-chain");

		f[12] = 0x86;
		f[13] = 0xDD;
		n = 40;
		if (syn) {
			n += opts8(p + n, 43);
			/* routing header type 0, segments left 0 (RFC 8200 4.4) */
			memset(p + n, 0, 8);
			p[n] = 60;
			n += 8;
			n += opts8(p + n, 6);
		} else {
			memset(p + n, 0, 24);   /* AH, RFC 4302: 12-byte ICV */
			p[n] = 6;
			p[n + 1] = 24 / 4 - 2;
			p[n + 7] = 1;           /* SPI */
			n += 24;
		}
		l4 = n;
		n += tcp(p + n, 40200, (uint16_t)arg, syn ? 0x02 : 0x10);
		ip6(p, syn ? 0 : 51, n - 40);
		put16(p + l4 + 16, csum6(6, p + l4, n - l4));
	} else if (!strcmp(c, "chain-long")) {
		f[12] = 0x86;
		f[13] = 0xDD;
		n = 40;
		for (int i = 0; i < NCHAIN; i++)
			n += opts8(p + n, i == NCHAIN - 1 ? 6 : 60);
		l4 = n;
		n += tcp(p + n, 40201, 7, 0x10);
		ip6(p, 60, n - 40);
		put16(p + l4 + 16, csum6(6, p + l4, n - l4));
	} else if (!strcmp(c, "chain-cut")) {
		f[12] = 0x86;
		f[13] = 0xDD;
		n = 40;
		n += opts8(p + n, 60);
		p[n++] = 6;                     /* one byte of the next header */
		ip6(p, 0, n - 40);
	} else if (!strcmp(c, "ip4-ihl3")) {
		f[12] = 0x08;
		f[13] = 0x00;
		n = ip4(p, 6, 20);
		n += tcp(p + n, 40202, 7, 0x10);
		p[0] = 0x43;
		p[10] = p[11] = 0;
		put16(p + 10, fold(sum(p, 20, 0)));
	} else if (!strcmp(c, "frag6-upper")) {
		f[12] = 0x86;
		f[13] = 0xDD;
		n = 40;
		memset(p + n, 0, 8);            /* fragment header, offset 100 * 8 */
		p[n] = 60;
		put16(p + n + 2, 100 << 3);
		p[n + 7] = 0x77;                /* identification 0x77 */
		n += 8;
		memset(p + n, 0x33, 32);
		n += 32;
		ip6(p, 44, n - 40);
	} else if (!strcmp(c, "echo-replies")) {
		f[12] = 0x08;
		f[13] = 0x00;
		count = arg;
		if (count <= 0)
			return usage();
		n = ip4(p, 1, 8 + 16);
		memset(p + n, 0, 8 + 16);
		p[n + 4] = 0x4e;
		p[n + 5] = 0x52;
		n += 8 + 16;
	} else {
		return usage();
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < count; i++) {
		if (pps > 0 && i % 64 == 0) {
			/* pace: packet i leaves no earlier than i / pps s after the first */
			struct timespec now;
			double due = (double)i / (double)pps, el;

			for (;;) {
				clock_gettime(CLOCK_MONOTONIC, &now);
				el = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
				if (el >= due)
					break;
				usleep((useconds_t)((due - el) * 1e6) + 1);
			}
		}
		if (!strcmp(c, "echo-replies")) {
			uint8_t *ic = p + 20;

			put16(ic + 6, (uint16_t)i);
			ic[2] = ic[3] = 0;
			put16(ic + 2, fold(sum(ic, 8 + 16, 0)));
		}
		while (sendto(fd, f, l3 + n, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
			if (errno == ENOBUFS || errno == EAGAIN) {
				usleep(100);
				continue;
			}
			perror("rawsend: send");
			return 1;
		}
	}
	printf("sent %ld\n", count);
	close(fd);
	return 0;
}

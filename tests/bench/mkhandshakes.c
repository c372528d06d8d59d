/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mkhandshakes OUT N: a capture of N TCP connection attempts for the fleet
 * benchmark, as one client host records them (directions, the owner's pid
 * and command in each packet's options, the host name in a journal entry):
 * of every 20 attempts 16 are established (SYN, SYN-ACK, ACK), 3 refused
 * (SYN, RST-ACK) and 1 unanswered (SYN), from 192.0.2.1-250 to
 * 198.51.100.1-4 on ports 5432, 443 and 80, one attempt every 10 us, each
 * its own 4-tuple. Streams: memory stays small whatever N.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pcapng.h"
#include "pkt.h"

#define T0 1700000000000000000LL
#define US 1000LL

static struct pcapng_writer *w;
static struct pcapng_opts o;
static uint32_t ifid;

static int put(int64_t ts, const struct pkt_ep *s, const struct pkt_ep *d, uint8_t flags,
	       uint32_t seq, uint32_t ack, bool out, int pid)
{
	uint8_t ip[PKT_MAX], buf[PKT_MAX + 64];
	struct pkt_tcp t = { .flags = flags, .seq = seq, .ack = ack, .win = 64240 };
	size_t n, len;
	char comment[48];

	if (flags & TH_SYN) {
		t.mss = 1460;
		t.sack_ok = true;
		t.wscale = 1 + 7;
	}
	n = pkt_tcp(ip, sizeof(ip), s, d, &t);
	len = n ? pkt_link(buf, sizeof(buf), LINKTYPE_ETHERNET, ip, n, AF_INET, 0, out) : 0;
	if (!len)
		return -EINVAL;
	pcapng_opts_reset(&o);
	pcapng_opts_add_u32(&o, PCAPNG_EPB_FLAGS, out ? PCAPNG_EPB_DIR_OUTBOUND : PCAPNG_EPB_DIR_INBOUND);
	if (pid) {
		uint32_t pt[2] = { (uint32_t)pid, (uint32_t)pid };

		pcapng_opts_add(&o, PCAPNG_EPB_PID_TID, pt, sizeof(pt));
		snprintf(comment, sizeof(comment), "psql[%d/%d]", pid, pid);
		pcapng_opts_add_str(&o, PCAPNG_OPT_COMMENT, comment);
	}
	return pcapng_write_epb(w, ifid, (uint64_t)ts, buf, (uint32_t)len, (uint32_t)len, &o);
}

int main(int argc, char **argv)
{
	struct pcapng_writer_opts wo = { .flags = PCAPNG_W_CLOSE_FD, .buffer_size = 1 << 20 };
	static const uint16_t sports[] = { 5432, 443, 80 };
	char jeb[128];
	long n;
	int fd, err;

	if (argc != 3 || (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "usage: mkhandshakes OUT N\n");
		return 2;
	}
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || pcapng_writer_open(&w, fd, &wo)) {
		perror(argv[1]);
		return 1;
	}
	pcapng_opts_init(&o);
	err = pcapng_write_shb(w, NULL);
	pcapng_opts_add_str(&o, PCAPNG_IF_NAME, "eth0");
	pcapng_opts_add_u8(&o, PCAPNG_IF_TSRESOL, 9);
	if (!err)
		err = pcapng_write_idb(w, LINKTYPE_ETHERNET, 262144, &o, &ifid);
	int jl = snprintf(jeb, sizeof(jeb), "__REALTIME_TIMESTAMP=%lld\nMESSAGE=benchmark\n"
			  "_HOSTNAME=bench\n", (long long)(T0 / US - 1));
	if (!err)
		err = pcapng_write_jeb(w, jeb, (size_t)jl);
	for (long i = 0; i < n && !err; i++) {
		char ca[32], sa[32];
		int64_t t = T0 + i * 10 * US;
		uint32_t isn = (uint32_t)(i * 2654435761u), isn_s = ~isn;
		int kind = (int)(i % 20), pid = 1000 + (int)(i % 500);

		/* 60000 ports per client address, 250 addresses */
		snprintf(ca, sizeof(ca), "192.0.2.%ld", 1 + (i / 60000) % 250);
		snprintf(sa, sizeof(sa), "198.51.100.%ld", 1 + i % 4);
		struct pkt_ep c = pkt_ep(ca, (uint16_t)(1024 + i % 60000));
		struct pkt_ep s = pkt_ep(sa, sports[i % 3]);

		err = put(t, &c, &s, TH_SYN, isn, 0, true, pid);
		if (err || kind == 19)
			continue;     /* unanswered */
		if (kind >= 16) {
			err = put(t + 200 * US, &s, &c, TH_RST | TH_ACK, 0, isn + 1, false, 0);
			continue;     /* refused */
		}
		err = put(t + 300 * US + (i % 7) * 13 * US, &s, &c, TH_SYN | TH_ACK, isn_s, isn + 1,
			  false, pid);
		if (!err)
			err = put(t + 320 * US + (i % 7) * 13 * US, &c, &s, TH_ACK, isn + 1, isn_s + 1,
				  true, pid);
	}
	pcapng_opts_free(&o);
	if (!err)
		err = pcapng_writer_close(w);
	if (err) {
		fprintf(stderr, "mkhandshakes: %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * gen_vantage DIR: one set of TCP connections as three capture points saw
 * them, with chosen clocks and delays, for the join test (test_join.c states
 * the expected values by hand from the constants below; keep them in step):
 *
 *   client.pcapng  the client host "client-a": its clock is true time;
 *                  directions (epb_flags), the owner nr-client[4242/4243]
 *   server.pcapng  the server host "server-b": its clock runs 250 ms ahead;
 *                  directions, owner nr-server[777/778] (kernel RSTs: none)
 *   tap.pcap       a capture of the server's link that names no host and
 *                  records no direction: the server's packets again, 20 us
 *                  later by the server's clock
 *
 * Both pcapng files name their host in a journal entry (_HOSTNAME), as
 * netrec's process records do. True one-way delays (client -> server /
 * server -> client), server and client think times:
 *   port 40001  established, 3 ms / 5 ms, server 100 us, client 50 us
 *   port 40002  established, 1 ms / 1 ms, server 100 us, client 50 us
 *   port 40003  refused (RST from the server's kernel), 1 ms / 1 ms
 *   port 40004  established, the SYN sent twice (1 s apart), 1 ms / 1 ms
 *   port 40005  to 198.51.100.9, a server nobody else recorded
 * Addresses: client 192.0.2.10, server 198.51.100.20 port 443.
 */
#include <arpa/inet.h>
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
#define MS 1000000LL
#define US 1000LL
#define OFFSET (250 * MS)        /* server clock - true time */
#define TAP_LAG (20 * US)

enum { CLIENT, SERVER, TAP, NCAP };

struct frame {
	int64_t ts;
	uint8_t ip[PKT_MAX];
	size_t len;
	int family;
	int dir;
	int pid;                 /* 0: none */
	const char *comm;
};

#define MAX_FRAMES 64
static struct frame caps[NCAP][MAX_FRAMES];
static int ncap[NCAP];
static char outdir[512];

static void add(int c, int64_t ts, const struct pkt_ep *s, const struct pkt_ep *d, uint8_t flags,
		uint32_t seq, uint32_t ack, int dir, int pid, const char *comm)
{
	struct frame *f;
	struct pkt_tcp t = { .flags = flags, .seq = seq, .ack = ack, .win = 64240 };

	if (ncap[c] == MAX_FRAMES)
		abort();
	if (flags & TH_SYN) {
		t.mss = 1460;
		t.sack_ok = true;
		t.wscale = 1 + 7;
	}
	f = &caps[c][ncap[c]++];
	f->ts = ts;
	f->family = s->family;
	f->dir = dir;
	f->pid = pid;
	f->comm = comm;
	f->len = pkt_tcp(f->ip, sizeof(f->ip), s, d, &t);
	if (!f->len)
		abort();
}

/* One packet as the client's host, the server's host and the tap see it:
 * sent at true time `t`, arriving `delay` later. from_client: direction. */
static void packet(int64_t t, int64_t delay, bool from_client, const struct pkt_ep *c,
		   const struct pkt_ep *s, uint8_t flags, uint32_t seq, uint32_t ack, bool server_pid,
		   bool server_sees)
{
	const struct pkt_ep *src = from_client ? c : s, *dst = from_client ? s : c;
	int64_t at_client = from_client ? t : t + delay;
	int64_t at_server = (from_client ? t + delay : t) + OFFSET;

	add(CLIENT, at_client, src, dst, flags, seq, ack,
	    from_client ? PCAPNG_EPB_DIR_OUTBOUND : PCAPNG_EPB_DIR_INBOUND, 4242, "nr-client");
	if (!server_sees)
		return;
	add(SERVER, at_server, src, dst, flags, seq, ack,
	    from_client ? PCAPNG_EPB_DIR_INBOUND : PCAPNG_EPB_DIR_OUTBOUND,
	    server_pid ? 777 : 0, "nr-server");
	add(TAP, at_server + TAP_LAG, src, dst, flags, seq, ack, PCAPNG_EPB_DIR_UNKNOWN, 0, NULL);
}

/* SYN at true time t; SYN-ACK after the server's think time; ACK after the
 * client's. */
static void established(int64_t t, int64_t d_cs, int64_t d_sc, uint16_t port, uint32_t isn_c,
			uint32_t isn_s, int syns)
{
	struct pkt_ep c = pkt_ep("192.0.2.10", port), s = pkt_ep("198.51.100.20", 443);
	int64_t syn_arrive;

	for (int i = 0; i < syns; i++) {
		/* the first SYN of two is lost before the server */
		bool last = i == syns - 1;

		packet(t, d_cs, true, &c, &s, TH_SYN, isn_c, 0, true, last);
		if (!last)
			t += 1000 * MS;
	}
	syn_arrive = t + d_cs;
	int64_t synack = syn_arrive + 100 * US, ack = synack + d_sc + 50 * US;

	packet(synack, d_sc, false, &c, &s, TH_SYN | TH_ACK, isn_s, isn_c + 1, true, true);
	packet(ack, d_cs, true, &c, &s, TH_ACK, isn_c + 1, isn_s + 1, true, true);
}

static int write_pcapng(int which, const char *name, const char *host)
{
	struct pcapng_writer *w = NULL;
	struct pcapng_opts o;
	uint8_t buf[PKT_MAX + 64];
	char path[1024], jeb[256];
	uint32_t ifid;
	int fd, err, n;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	pcapng_opts_init(&o);
	err = pkt_pcapng_start(&w, &ifid, fd, "gen_vantage", LINKTYPE_ETHERNET, NULL);
	if (err)
		goto cleanup;
	/* the host's name, as a journal entry carries it */
	n = snprintf(jeb, sizeof(jeb), "__REALTIME_TIMESTAMP=%lld\nMESSAGE=recording on %s\n"
		     "_HOSTNAME=%s\n", (long long)(caps[which][0].ts / US - 1000), host, host);
	err = pcapng_write_jeb(w, jeb, (size_t)n);
	for (int i = 0; !err && i < ncap[which]; i++) {
		const struct frame *f = &caps[which][i];
		size_t len = pkt_link(buf, sizeof(buf), LINKTYPE_ETHERNET, f->ip, f->len, f->family, 0,
				      f->dir == PCAPNG_EPB_DIR_OUTBOUND);
		char comment[64];

		pcapng_opts_reset(&o);
		pcapng_opts_add_u32(&o, PCAPNG_EPB_FLAGS, (uint32_t)f->dir);
		if (f->pid) {
			uint32_t pt[2] = { (uint32_t)f->pid, (uint32_t)f->pid + 1 };

			pcapng_opts_add(&o, PCAPNG_EPB_PID_TID, pt, sizeof(pt));
			snprintf(comment, sizeof(comment), "%s[%d/%d]", f->comm, f->pid, f->pid + 1);
			pcapng_opts_add_str(&o, PCAPNG_OPT_COMMENT, comment);
		}
		err = pcapng_write_epb(w, ifid, (uint64_t)f->ts, buf, (uint32_t)len, (uint32_t)len, &o);
	}
cleanup:
	pcapng_opts_free(&o);
	if (w) {
		int e = pcapng_writer_close(w);

		if (!err)
			err = e;
	}
	return err;
}

/* Classic pcap, nanosecond timestamps, Ethernet: no direction, no host. */
static int write_pcap(int which, const char *name)
{
	struct pcap_writer *w = NULL;
	uint8_t buf[PKT_MAX + 64];
	char path[1024];
	int fd, err, e;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	err = pcap_writer_open(&w, fd, LINKTYPE_ETHERNET, 262144, true, PCAPNG_W_CLOSE_FD);
	if (err) {
		close(fd);
		return err;
	}
	for (int i = 0; !err && i < ncap[which]; i++) {
		const struct frame *fr = &caps[which][i];
		size_t len = pkt_link(buf, sizeof(buf), LINKTYPE_ETHERNET, fr->ip, fr->len, fr->family,
				      0, false);

		err = pcap_write_packet(w, (uint64_t)fr->ts, buf, (uint32_t)len, (uint32_t)len);
	}
	e = pcap_writer_close(w);
	return err ? err : e;
}

/* Frames in time order within each capture (the scenarios interleave). */
static int cmp_ts(const void *a, const void *b)
{
	const struct frame *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

int main(int argc, char **argv)
{
	struct pkt_ep c, s;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_vantage DIR\n");
		return 2;
	}
	snprintf(outdir, sizeof(outdir), "%s", argv[1]);
	established(T0, 3 * MS, 5 * MS, 40001, 1000, 9000, 1);
	established(T0 + 100 * MS, 1 * MS, 1 * MS, 40002, 2000, 8000, 1);
	/* refused: the server's kernel answers the SYN with RST-ACK */
	c = pkt_ep("192.0.2.10", 40003);
	s = pkt_ep("198.51.100.20", 443);
	packet(T0 + 200 * MS, 1 * MS, true, &c, &s, TH_SYN, 3000, 0, false, true);
	packet(T0 + 201 * MS + 50 * US, 1 * MS, false, &c, &s, TH_RST | TH_ACK, 0, 3001, false, true);
	established(T0 + 300 * MS, 1 * MS, 1 * MS, 40004, 4000, 7000, 2);
	/* a server only the client recorded */
	c = pkt_ep("192.0.2.10", 40005);
	s = pkt_ep("198.51.100.9", 443);
	add(CLIENT, T0 + 2000 * MS, &c, &s, TH_SYN, 5000, 0, PCAPNG_EPB_DIR_OUTBOUND, 4242, "nr-client");
	add(CLIENT, T0 + 2002 * MS, &s, &c, TH_SYN | TH_ACK, 6000, 5001, PCAPNG_EPB_DIR_INBOUND, 4242,
	    "nr-client");
	add(CLIENT, T0 + 2002 * MS + 50 * US, &c, &s, TH_ACK, 5001, 6001, PCAPNG_EPB_DIR_OUTBOUND, 4242,
	    "nr-client");
	for (int i = 0; i < NCAP; i++)
		qsort(caps[i], (size_t)ncap[i], sizeof(caps[i][0]), cmp_ts);

	err = write_pcapng(CLIENT, "client.pcapng", "client-a");
	if (!err)
		err = write_pcapng(SERVER, "server.pcapng", "server-b");
	if (!err)
		err = write_pcap(TAP, "tap.pcap");
	if (err) {
		fprintf(stderr, "gen_vantage: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * Attribution by the kernel side, end to end but without netrec's user
 * space: in a network namespace of its own, this test loads the programs,
 * attaches the socket-owner tracepoints and the loopback egress program,
 * makes one TCP connection to itself and checks the ring buffer: the
 * client's SYN and data name this process and thread (learned in process
 * context), the SYN-ACK names the listener's owner as an accepted
 * connection, and the state events are the kernel's transitions in order.
 * Expected owners come from getpid()/gettid(), expected states from the
 * TCP state machine; the process notice's parent is getppid()'s. Needs
 * root (skip 77).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test.h"
#include "netrec.h"
#include "netrec.skel.h"

TEST_MAIN_STATE;

#define MAX_RECS 256
#define BPF_TCX_EGRESS_NR 47 /* enum bpf_attach_type, kernel >= 6.6 */

static struct {
	uint8_t buf[sizeof(struct nr_pkt) + 256];
} recs[MAX_RECS];
static int nrecs;

static int on_rec(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (nrecs < MAX_RECS)
		memcpy(recs[nrecs].buf, data, size < sizeof(recs[0].buf) ? size : sizeof(recs[0].buf));
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

static int lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			err = -errno;
	} else {
		err = -errno;
	}
	close(fd);
	return err;
}

static uint16_t client_port;
static uint16_t server_port;

/* One connection over loopback: listen, connect, accept, 100 bytes each
 * way, close. */
static int talk(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	char buf[100] = { 0 };
	int lfd, cfd, afd;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen))
		return -errno;
	server_port = ntohs(a.sin_port);
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&a, sizeof(a)))
		return -errno;
	alen = sizeof(a);
	getsockname(cfd, (struct sockaddr *)&a, &alen);
	client_port = ntohs(a.sin_port);
	afd = accept(lfd, NULL, NULL);
	if (afd < 0)
		return -errno;
	if (send(cfd, buf, sizeof(buf), 0) != sizeof(buf) || recv(afd, buf, sizeof(buf), 0) <= 0 ||
	    send(afd, buf, sizeof(buf), 0) != sizeof(buf) || recv(cfd, buf, sizeof(buf), 0) <= 0)
		return -errno;
	close(cfd);
	close(afd);
	close(lfd);
	return 0;
}

/* TCP header fields of a packet record (IPv4 over the 14-byte header). */
static int tcp_of(const struct nr_pkt *p, uint16_t *sport, uint8_t *flags, uint32_t *plen)
{
	const uint8_t *d = (const uint8_t *)(p + 1), *ip = d + 14, *th;

	if (p->kind != NR_REC_PKT || p->l4_proto != 6 || p->cap_len < 14 + 20 + 20)
		return -1;
	th = ip + (ip[0] & 0xf) * 4;
	*sport = (uint16_t)(th[0] << 8 | th[1]);
	*flags = th[13];
	*plen = (uint32_t)((ip[2] << 8 | ip[3]) - (ip[0] & 0xf) * 4 - (th[12] >> 4) * 4);
	return 0;
}

static void test_connection(void)
{
	struct netrec_bpf *skel = NULL;
	struct ring_buffer *rb = NULL;
	struct bpf_link *links[4] = { 0 };
	uint32_t pid = (uint32_t)getpid(), tid = (uint32_t)gettid();
	bool syn = false, synack = false, data = false, announced = false;
	char states[256] = "";
	struct stat st;
	int link_fd = -1, err;

	if (!ASSERT_OK(unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)") ||
	    !ASSERT_OK(lo_up(), "loopback up") ||
	    !ASSERT_OK(stat("/proc/self/ns/net", &st), "netns inode"))
		return;
	skel = netrec_bpf__open();
	if (!ASSERT_OK_PTR(skel, "open"))
		return;
	skel->rodata->target_netns = (uint32_t)st.st_ino;
	bpf_map__set_max_entries(skel->maps.cpu_slots, libbpf_num_possible_cpus());
	bpf_program__set_autoload(skel->progs.sock_create, false);
	bpf_program__set_autoload(skel->progs.scan_tcp, false);
	err = netrec_bpf__load(skel);
	if (!ASSERT_OK(err, "load"))
		goto cleanup;
	links[0] = bpf_program__attach(skel->progs.set_state);
	links[1] = bpf_program__attach(skel->progs.sock_send);
	links[2] = bpf_program__attach(skel->progs.sock_recv);
	links[3] = bpf_program__attach(skel->progs.destroy_sock);
	for (int i = 0; i < 4; i++)
		ASSERT_OK_PTR(links[i], "attach tracepoint");
	link_fd = bpf_link_create(bpf_program__fd(skel->progs.tc_out_eth),
				  (int)if_nametoindex("lo"), BPF_TCX_EGRESS_NR, NULL);
	if (link_fd < 0) {
		test__skip("tcx not available: %s", strerror(errno));
		goto cleanup;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.rb), on_rec, NULL, NULL);
	if (!ASSERT_OK_PTR(rb, "ring buffer") || !ASSERT_OK(talk(), "connection"))
		goto cleanup;
	ring_buffer__consume(rb);
	ASSERT_GT(nrecs, 0, "records");
	for (int i = 0; i < nrecs && i < MAX_RECS; i++) {
		const struct nr_pkt *p = (const void *)recs[i].buf;
		const struct nr_event *e = (const void *)recs[i].buf;
		uint16_t sport;
		uint8_t fl;
		uint32_t plen;

		if (e->kind == NR_REC_PROC && e->owner.pid == pid) {
			const struct nr_proc *pr = (const void *)recs[i].buf;

			announced = true;
			ASSERT_EQ(pr->ppid, getppid(), "process notice: the parent's pid");
			continue;
		}
		/* connect() goes to SYN_SENT before the local port is chosen:
		 * that one event has local port 0 */
		if (e->kind == NR_REC_EVENT && e->type == NR_EV_T_STATE &&
		    (e->sport == client_port || (e->sport == 0 && e->newstate == 2)) &&
		    e->dport == server_port) {
			snprintf(states + strlen(states), sizeof(states) - strlen(states), "%u>%u ",
				 e->oldstate, e->newstate);
			ASSERT_EQ(e->owner.pid, pid, "client state event: owner pid");
			continue;
		}
		if (tcp_of(p, &sport, &fl, &plen))
			continue;
		if (sport == client_port && fl == 0x02) {
			syn = true;
			ASSERT_EQ(p->owner.pid, pid, "SYN: pid");
			ASSERT_EQ(p->owner.tid, tid, "SYN: tid");
			ASSERT_EQ(p->owner.src, 2, "SYN: owner source socket");
			ASSERT_TRUE(p->owner.cookie != 0, "SYN: socket cookie");
		} else if (sport == server_port && fl == 0x12) {
			synack = true;
			ASSERT_EQ(p->owner.pid, pid, "SYN-ACK: listener's owner");
			ASSERT_EQ(p->owner.src, 3, "SYN-ACK: owner source accept");
		} else if (sport == client_port && plen == 100) {
			data = true;
			ASSERT_EQ(p->owner.pid, pid, "client data: pid");
			ASSERT_EQ(p->owner.tid, tid, "client data: tid");
		}
	}
	ASSERT_TRUE(announced, "process notice sent");
	ASSERT_TRUE(syn, "SYN recorded");
	ASSERT_TRUE(synack, "SYN-ACK recorded");
	ASSERT_TRUE(data, "client data recorded");
	/* client: CLOSE>SYN_SENT, SYN_SENT>ESTABLISHED, ESTABLISHED>FIN_WAIT1 ... */
	ASSERT_TRUE(strncmp(states, "7>2 2>1 1>4 ", 12) == 0, "client state transitions");
	if (strncmp(states, "7>2 2>1 1>4 ", 12))
		fprintf(stderr, "  client states: %s\n", states);
cleanup:
	if (link_fd >= 0)
		close(link_fd);
	ring_buffer__free(rb);
	for (int i = 0; i < 4; i++)
		bpf_link__destroy(links[i]);
	netrec_bpf__destroy(skel);
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "SKIP: loading BPF programs needs root (CAP_BPF, CAP_PERFMON, "
			"CAP_NET_ADMIN)\n");
		return 77;
	}
	libbpf_set_print(silent);
	RUN_TEST(test_connection);
	return test_exit();
}

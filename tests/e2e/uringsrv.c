// SPDX-License-Identifier: GPL-2.0-only
/*
 * uringsrv: a TCP server that accepts only through io_uring, for the e2e
 * test of accept events (e2e_uring.sh). No liburing: the rings are set up
 * with the raw system calls (io_uring_setup(2), io_uring_enter(2)).
 *
 *   uringsrv ADDR PORT SINGLE MULTI [--timeout SECS]
 *
 * Listens on ADDR:PORT, prints "listen pid=P tid=T", then accepts SINGLE
 * connections with one IORING_OP_ACCEPT each, then MULTI connections with
 * one multishot accept (IORING_ACCEPT_MULTISHOT). For each it prints
 * "accept pid=P tid=T fd=N peer=ADDR:PORT how=single|multi" and closes
 * the connection; after the last it exits 0. Exits 1 with a message on any error.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

struct ring {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static void die(const char *what)
{
	fprintf(stderr, "uringsrv: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void ring_open(struct ring *r)
{
	struct io_uring_params p;
	void *sq, *cq;

	memset(&p, 0, sizeof(p));
	r->fd = (int)syscall(__NR_io_uring_setup, 8, &p);
	if (r->fd < 0)
		die("io_uring_setup");
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned int), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED)
		die("mmap of the rings");
	r->sq_tail = (unsigned int *)((char *)sq + p.sq_off.tail);
	r->sq_mask = (unsigned int *)((char *)sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned int *)((char *)sq + p.sq_off.array);
	r->cq_head = (unsigned int *)((char *)cq + p.cq_off.head);
	r->cq_tail = (unsigned int *)((char *)cq + p.cq_off.tail);
	r->cq_mask = (unsigned int *)((char *)cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)((char *)cq + p.cq_off.cqes);
}

/* Queues one accept on listener lfd and submits it. */
static void submit_accept(struct ring *r, int lfd, int multishot, __u64 user_data)
{
	unsigned int tail = *r->sq_tail, i = tail & *r->sq_mask;
	struct io_uring_sqe *e = &r->sqes[i];

	memset(e, 0, sizeof(*e));
	e->opcode = IORING_OP_ACCEPT;
	e->fd = lfd;
	e->ioprio = multishot ? IORING_ACCEPT_MULTISHOT : 0;
	e->user_data = user_data;
	r->sq_array[i] = i;
	atomic_store_explicit((_Atomic unsigned int *)r->sq_tail, tail + 1, memory_order_release);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 0, 0, NULL, 0) != 1)
		die("io_uring_enter (submit)");
}

/* Waits for the next completion; returns its result, sets *more. */
static int next_cqe(struct ring *r, int *more, __u64 *user_data)
{
	unsigned int head = *r->cq_head;
	struct io_uring_cqe *c;
	int res;

	while (head == atomic_load_explicit((_Atomic unsigned int *)r->cq_tail,
					    memory_order_acquire)) {
		if (syscall(__NR_io_uring_enter, r->fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0 &&
		    errno != EINTR)
			die("io_uring_enter (wait)");
	}
	c = &r->cqes[head & *r->cq_mask];
	res = c->res;
	*more = !!(c->flags & IORING_CQE_F_MORE);
	*user_data = c->user_data;
	atomic_store_explicit((_Atomic unsigned int *)r->cq_head, head + 1, memory_order_release);
	return res;
}

static void report(int fd, const char *how)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char a[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
			port = ntohs(s4->sin_port);
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
			port = ntohs(s6->sin6_port);
		}
	}
	printf("accept pid=%d tid=%d fd=%d peer=%s:%d how=%s\n", getpid(), gettid(), fd, a, port, how);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct ring r;
	int lfd, one = 1, nsingle, nmulti, more, secs = 30;
	__u64 ud;
	socklen_t sl;

	if (argc < 5) {
		fprintf(stderr, "usage: uringsrv ADDR PORT SINGLE MULTI [--timeout SECS]\n");
		return 2;
	}
	nsingle = atoi(argv[3]);
	nmulti = atoi(argv[4]);
	if (argc >= 7 && !strcmp(argv[5], "--timeout"))
		secs = atoi(argv[6]);
	if (nsingle < 0 || nmulti < 0 || nsingle > 64 || nmulti > 64) {
		fprintf(stderr, "uringsrv: SINGLE and MULTI must be 0..64\n");
		return 2;
	}
	alarm(secs > 0 ? (unsigned int)secs : 30);
	memset(&ss, 0, sizeof(ss));
	if (strchr(argv[1], ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)atoi(argv[2]));
		if (inet_pton(AF_INET6, argv[1], &s6->sin6_addr) != 1)
			die("the address");
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)atoi(argv[2]));
		if (inet_pton(AF_INET, argv[1], &s4->sin_addr) != 1)
			die("the address");
		sl = sizeof(*s4);
	}
	lfd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&ss, sl) || listen(lfd, 64))
		die("bind/listen");
	ring_open(&r);
	printf("listen pid=%d tid=%d\n", getpid(), gettid());
	fflush(stdout);

	for (int i = 0; i < nsingle; i++) {
		int fd;

		submit_accept(&r, lfd, 0, 1000 + (__u64)i);
		fd = next_cqe(&r, &more, &ud);
		if (fd < 0) {
			errno = -fd;
			die("accept (single)");
		}
		report(fd, "single");
		close(fd);
	}
	if (nmulti) {
		submit_accept(&r, lfd, 1, 2000);
		for (int i = 0; i < nmulti; i++) {
			int fd = next_cqe(&r, &more, &ud);

			if (fd < 0) {
				errno = -fd;
				die("accept (multishot)");
			}
			report(fd, "multi");
			close(fd);
			if (!more && i + 1 < nmulti)
				submit_accept(&r, lfd, 1, 2000);
		}
	}
	close(lfd);
	close(r.fd);
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tcppeer: the TCP client and server the end-to-end tests record, so that
 * the processes owning each connection are known (their pid and tid are
 * printed before any packet is sent).
 *
 * The exchange is deliberately simple and ordered, so that a test knows
 * which side sends which FIN: the client connects, sends N bytes, shuts its
 * sending side (client FIN first), the server reads to end of stream,
 * replies M bytes and closes, the client reads to end of stream and closes.
 *
 *   tcppeer server ADDR PORT [options]    listen, serve --count connections
 *   tcppeer client ADDR PORT [options]    one connection
 *   tcppeer udp ADDR PORT                 one datagram from a connected UDP
 *                 socket to a closed port; waits for the ICMP port
 *                 unreachable (ECONNREFUSED) with the socket still open
 *
 * Options:
 *   --send N        client: bytes to send (default 1000)
 *   --reply N       server: bytes to reply (default 2000)
 *   --count N       server: connections to serve, then exit (default 1)
 *   --rcvbuf N      SO_RCVBUF of the listener (inherited by accepted sockets)
 *   --pause-ms MS   server: after accept, wait MS before reading (a receiver
 *                   that stops reading: zero window)
 *   --thread        do the work in a second thread (its tid is printed)
 *   --fork          server: the process that creates the listener forks a
 *                   child that accepts and serves (a pre-forking server);
 *                   the parent only waits for it
 *   --gate PATH     client: wait until PATH exists before connecting
 *   --hold PATH     client: after connecting, wait until PATH exists before
 *                   sending (a connection that exists before the recorder)
 *   --bind-port P   client: bind this local port before connecting
 *   --refused       client: the connection is expected to be refused
 *                   (exit 0 only on ECONNREFUSED)
 *   --ext6          IPv6: send every segment with a hop-by-hop and a
 *                   destination options header (IPV6_HOPOPTS, IPV6_DSTOPTS,
 *                   RFC 3542; each 8 bytes of PadN); on a server, set on
 *                   the listener, whose accepted sockets inherit them
 *   --timeout S     give up after S seconds (default 20)
 *
 * Output, one line each, flushed at once (key=value, for the tests' awk):
 *   listen pid=P tid=T port=N
 *   accept pid=P tid=T local=ADDR:PORT peer=ADDR:PORT
 *   connect pid=P tid=T local=ADDR:PORT peer=ADDR:PORT
 *   refused pid=P tid=T errno=N
 *   done pid=P tid=T sent=N received=N
 * Exit status 0 on success, 1 on failure (message on stderr), 2 on usage.
 *
 * It does not try to be fast or clever: the tests count packets, not speed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct peer_cfg {
	int server;
	int udp;
	const char *addr;
	int port;
	long send_bytes;
	long reply_bytes;
	int count;
	int rcvbuf;
	int pause_ms;
	int thread;
	int fork;
	const char *gate;
	const char *hold;
	int bind_port;
	int refused;
	int ext6;
	int timeout_s;
	int result;
};

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static int parse_addr(const char *s, int port, struct sockaddr_storage *ss,
		      socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

/* "ADDR:PORT" (IPv6 addresses bare, as the tests compare them). */
static void fmt_sockaddr(const struct sockaddr_storage *ss, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in4 = (const void *)ss;
		inet_ntop(AF_INET, &in4->sin_addr, a, sizeof(a));
		port = ntohs(in4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		port = ntohs(in6->sin6_port);
	}
	snprintf(buf, n, "%s:%d", a, port);
}

static void fmt_ends(int fd, char *local, char *peer, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	getsockname(fd, (struct sockaddr *)&ss, &len);
	fmt_sockaddr(&ss, local, n);
	len = sizeof(ss);
	memset(&ss, 0, sizeof(ss));
	getpeername(fd, (struct sockaddr *)&ss, &len);
	fmt_sockaddr(&ss, peer, n);
}

/* Waits until path exists; -ETIMEDOUT after timeout_s seconds. */
static int wait_file(const char *path, int timeout_s)
{
	struct stat st;
	int i;

	for (i = 0; i < timeout_s * 100; i++) {
		if (stat(path, &st) == 0)
			return 0;
		usleep(10000);
	}
	fprintf(stderr, "tcppeer: %s did not appear within %d s\n", path, timeout_s);
	return -ETIMEDOUT;
}

static int send_all(int fd, long n)
{
	static char buf[65536];
	long done = 0;

	memset(buf, 'x', sizeof(buf));
	while (done < n) {
		size_t chunk = n - done < (long)sizeof(buf) ? (size_t)(n - done) : sizeof(buf);
		ssize_t r = send(fd, buf, chunk, MSG_NOSIGNAL);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += r;
	}
	return 0;
}

/* Reads until end of stream; returns the byte count or -errno. */
static long recv_all(int fd)
{
	static char buf[65536];
	long total = 0;

	for (;;) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return total;
		total += r;
	}
}

static int serve_one(struct peer_cfg *c, int lfd)
{
	char local[80], peer[80];
	long got;
	int fd, err;

	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		fprintf(stderr, "tcppeer: accept: %s\n", strerror(errno));
		return -errno;
	}
	fmt_ends(fd, local, peer, sizeof(local));
	say("accept pid=%d tid=%d local=%s peer=%s\n", getpid(), gettid_(), local, peer);
	if (c->pause_ms > 0)
		usleep(c->pause_ms * 1000L);
	got = recv_all(fd);
	if (got < 0) {
		fprintf(stderr, "tcppeer: server recv: %s\n", strerror((int)-got));
		close(fd);
		return (int)got;
	}
	err = send_all(fd, c->reply_bytes);
	if (err)
		fprintf(stderr, "tcppeer: server send: %s\n", strerror(-err));
	say("done pid=%d tid=%d sent=%ld received=%ld\n", getpid(), gettid_(),
	    err ? 0 : c->reply_bytes, got);
	close(fd);
	return err;
}

/* IPV6_HOPOPTS and IPV6_DSTOPTS: one 8-byte header each, holding a PadN
 * option of 4 bytes (RFC 8200 4.2); the kernel fills in the next header. */
static int set_ext6(int fd, int family)
{
	uint8_t hdr[8] = { 0, 0, 1, 4, 0, 0, 0, 0 };

	if (family != AF_INET6)
		return 0;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_HOPOPTS, hdr, sizeof(hdr)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_DSTOPTS, hdr, sizeof(hdr)) < 0) {
		fprintf(stderr, "tcppeer: IPv6 extension headers: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

static int run_server(struct peer_cfg *c)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int lfd, one = 1, i, err = 0;

	if (parse_addr(c->addr, c->port, &ss, &len)) {
		fprintf(stderr, "tcppeer: bad address %s\n", c->addr);
		return -EINVAL;
	}
	lfd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (lfd < 0)
		return -errno;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (c->ext6 && (err = set_ext6(lfd, ss.ss_family)))
		goto cleanup;
	if (c->rcvbuf > 0 &&
	    setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &c->rcvbuf, sizeof(c->rcvbuf)) < 0) {
		err = -errno;
		goto cleanup;
	}
	if (bind(lfd, (struct sockaddr *)&ss, len) < 0 || listen(lfd, 16) < 0) {
		err = -errno;
		fprintf(stderr, "tcppeer: listen on %s:%d: %s\n", c->addr, c->port,
			strerror(errno));
		goto cleanup;
	}
	say("listen pid=%d tid=%d port=%d\n", getpid(), gettid_(), c->port);
	if (c->fork) {
		int st = 0;
		pid_t child = fork();

		if (child < 0) {
			err = -errno;
			goto cleanup;
		}
		if (child > 0) {
			close(lfd);
			if (waitpid(child, &st, 0) < 0)
				return -errno;
			return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -ECHILD;
		}
		/* the child serves, then leaves without returning to main */
		for (i = 0; i < c->count && !err; i++)
			err = serve_one(c, lfd);
		close(lfd);
		fflush(stdout);
		_exit(err ? 1 : 0);
	}
	for (i = 0; i < c->count; i++) {
		err = serve_one(c, lfd);
		if (err)
			break;
	}
cleanup:
	close(lfd);
	return err;
}

static int run_client(struct peer_cfg *c)
{
	struct sockaddr_storage ss, bs;
	char local[80], peer[80];
	socklen_t len, blen;
	long got;
	int fd, err = 0;

	if (parse_addr(c->addr, c->port, &ss, &len)) {
		fprintf(stderr, "tcppeer: bad address %s\n", c->addr);
		return -EINVAL;
	}
	if (c->gate && wait_file(c->gate, c->timeout_s))
		return -ETIMEDOUT;
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	if (c->ext6 && (err = set_ext6(fd, ss.ss_family)))
		goto cleanup;
	if (c->bind_port) {
		int one = 1;

		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		memset(&bs, 0, sizeof(bs));
		bs.ss_family = ss.ss_family;
		blen = len;
		if (ss.ss_family == AF_INET)
			((struct sockaddr_in *)&bs)->sin_port = htons(c->bind_port);
		else
			((struct sockaddr_in6 *)&bs)->sin6_port = htons(c->bind_port);
		if (bind(fd, (struct sockaddr *)&bs, blen) < 0) {
			err = -errno;
			fprintf(stderr, "tcppeer: bind port %d: %s\n", c->bind_port,
				strerror(errno));
			goto cleanup;
		}
	}
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		err = -errno;
		if (c->refused && errno == ECONNREFUSED) {
			say("refused pid=%d tid=%d errno=%d\n", getpid(), gettid_(), errno);
			err = 0;
		} else {
			fprintf(stderr, "tcppeer: connect %s:%d: %s\n", c->addr, c->port,
				strerror(errno));
		}
		goto cleanup;
	}
	if (c->refused) {
		fprintf(stderr, "tcppeer: connection to %s:%d was not refused\n",
			c->addr, c->port);
		err = -EPROTO;
		goto cleanup;
	}
	fmt_ends(fd, local, peer, sizeof(local));
	say("connect pid=%d tid=%d local=%s peer=%s\n", getpid(), gettid_(), local, peer);
	if (c->hold && wait_file(c->hold, c->timeout_s)) {
		err = -ETIMEDOUT;
		goto cleanup;
	}
	err = send_all(fd, c->send_bytes);
	if (err) {
		fprintf(stderr, "tcppeer: client send: %s\n", strerror(-err));
		goto cleanup;
	}
	shutdown(fd, SHUT_WR);
	got = recv_all(fd);
	if (got < 0) {
		err = (int)got;
		fprintf(stderr, "tcppeer: client recv: %s\n", strerror(-err));
		goto cleanup;
	}
	say("done pid=%d tid=%d sent=%ld received=%ld\n", getpid(), gettid_(),
	    c->send_bytes, got);
cleanup:
	close(fd);
	return err;
}

static int run_udp(struct peer_cfg *c)
{
	struct sockaddr_storage ss;
	char local[80], peer[80], b;
	struct pollfd pfd;
	socklen_t len;
	int fd, err = 0;

	if (parse_addr(c->addr, c->port, &ss, &len)) {
		fprintf(stderr, "tcppeer: bad address %s\n", c->addr);
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		err = -errno;
		goto cleanup;
	}
	fmt_ends(fd, local, peer, sizeof(local));
	say("connect pid=%d tid=%d local=%s peer=%s\n", getpid(), gettid_(), local, peer);
	if (send(fd, "probe", 5, 0) < 0) {
		err = -errno;
		goto cleanup;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, c->timeout_s * 1000) <= 0) {
		fprintf(stderr, "tcppeer: no ICMP error for the datagram\n");
		err = -ETIMEDOUT;
		goto cleanup;
	}
	if (recv(fd, &b, 1, 0) < 0 && errno == ECONNREFUSED) {
		say("refused pid=%d tid=%d errno=%d\n", getpid(), gettid_(), errno);
	} else {
		fprintf(stderr, "tcppeer: expected ECONNREFUSED: %s\n", strerror(errno));
		err = -EPROTO;
	}
	/* keep the socket open a little: its owner must still be known when
	 * the recorder annotates the ICMP error */
	usleep(200000);
cleanup:
	close(fd);
	return err;
}

static void *worker(void *arg)
{
	struct peer_cfg *c = arg;

	if (c->udp)
		c->result = run_udp(c);
	else
		c->result = c->server ? run_server(c) : run_client(c);
	return NULL;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: tcppeer server|client|udp ADDR PORT [--send N] [--reply N] [--count N]\n"
		"       [--rcvbuf N] [--pause-ms MS] [--thread] [--fork] [--gate PATH] [--hold PATH]\n"
		"       [--bind-port P] [--refused] [--timeout S]\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "send", required_argument, NULL, 's' },
		{ "reply", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'n' },
		{ "rcvbuf", required_argument, NULL, 'b' },
		{ "pause-ms", required_argument, NULL, 'P' },
		{ "thread", no_argument, NULL, 't' },
		{ "fork", no_argument, NULL, 'f' },
		{ "gate", required_argument, NULL, 'g' },
		{ "hold", required_argument, NULL, 'H' },
		{ "bind-port", required_argument, NULL, 'B' },
		{ "refused", no_argument, NULL, 'R' },
		{ "ext6", no_argument, NULL, 'X' },
		{ "timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct peer_cfg c = {
		.send_bytes = 1000, .reply_bytes = 2000, .count = 1, .timeout_s = 20,
	};
	pthread_t th;
	int opt;

	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': c.send_bytes = atol(optarg); break;
		case 'r': c.reply_bytes = atol(optarg); break;
		case 'n': c.count = atoi(optarg); break;
		case 'b': c.rcvbuf = atoi(optarg); break;
		case 'P': c.pause_ms = atoi(optarg); break;
		case 't': c.thread = 1; break;
		case 'f': c.fork = 1; break;
		case 'g': c.gate = optarg; break;
		case 'H': c.hold = optarg; break;
		case 'B': c.bind_port = atoi(optarg); break;
		case 'R': c.refused = 1; break;
		case 'X': c.ext6 = 1; break;
		case 'T': c.timeout_s = atoi(optarg); break;
		default: usage(); return 2;
		}
	}
	if (argc - optind != 3) {
		usage();
		return 2;
	}
	if (!strcmp(argv[optind], "server"))
		c.server = 1;
	else if (!strcmp(argv[optind], "udp"))
		c.udp = 1;
	else if (strcmp(argv[optind], "client")) {
		usage();
		return 2;
	}
	c.addr = argv[optind + 1];
	c.port = atoi(argv[optind + 2]);
	if (c.port <= 0 || c.port > 65535 || c.count < 1 || c.timeout_s < 1) {
		usage();
		return 2;
	}
	/* A hung peer must not hang the test: SIGALRM's default action ends us. */
	alarm(c.timeout_s);
	if (c.thread) {
		if (pthread_create(&th, NULL, worker, &c)) {
			fprintf(stderr, "tcppeer: cannot create thread\n");
			return 1;
		}
		pthread_join(th, NULL);
	} else {
		worker(&c);
	}
	return c.result ? 1 : 0;
}

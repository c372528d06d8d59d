/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Load generator for the recording benchmark: short TCP connections.
 *
 *   churn server ADDR PORT           accept, read a 100-byte request, send a
 *                                    100-byte reply, close; forever
 *   churn client ADDR PORT SECONDS [MAX]
 *                                    connect, send 100 bytes, read the reply,
 *                                    close, as fast as possible, until SECONDS
 *                                    have passed or MAX connections were made
 *                                    (default 10 million); prints
 *                                    "connections N seconds S rate R/s errors E"
 *
 * Both ends are bounded: the client by time and count, the server by its
 * caller (the benchmark kills it). Addresses are whatever the caller gives;
 * the benchmark passes documentation addresses inside its own namespaces.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG_LEN 100

static int parse_addr(const char *host, const char *port, struct sockaddr_storage *ss,
		      socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	int p = atoi(port);

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(p);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(p);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

static int full_io(int fd, char *buf, size_t len, int wr)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = wr ? write(fd, buf + done, len - done) : read(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run_server(struct sockaddr_storage *ss, socklen_t len)
{
	char buf[MSG_LEN];
	int one = 1;
	int s = socket(ss->ss_family, SOCK_STREAM, 0);

	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s, (struct sockaddr *)ss, len) || listen(s, 4096)) {
		perror("churn server");
		return 1;
	}
	memset(buf, 'r', sizeof(buf));
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		if (!full_io(c, buf, MSG_LEN, 0))
			full_io(c, buf, MSG_LEN, 1);
		close(c);
	}
}

static int run_client(struct sockaddr_storage *ss, socklen_t len, double seconds, long max)
{
	char buf[MSG_LEN];
	long n = 0, errors = 0;
	double start = now_s(), el;

	memset(buf, 'q', sizeof(buf));
	while (n < max && (el = now_s() - start) < seconds) {
		int c = socket(ss->ss_family, SOCK_STREAM, 0);
		if (c < 0) {
			errors++;
			continue;
		}
		if (connect(c, (struct sockaddr *)ss, len) || full_io(c, buf, MSG_LEN, 1) ||
		    full_io(c, buf, MSG_LEN, 0))
			errors++;
		else
			n++;
		close(c);
	}
	el = now_s() - start;
	printf("connections %ld seconds %.3f rate %.0f/s errors %ld\n", n, el, n / el, errors);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (argc >= 4 && !strcmp(argv[1], "server") && !parse_addr(argv[2], argv[3], &ss, &len))
		return run_server(&ss, len);
	if (argc >= 5 && !strcmp(argv[1], "client") && !parse_addr(argv[2], argv[3], &ss, &len)) {
		double secs = atof(argv[4]);
		long max = argc >= 6 ? atol(argv[5]) : 10000000L;
		if (secs <= 0 || secs > 600) {
			fprintf(stderr, "churn: SECONDS must be in (0, 600]\n");
			return 2;
		}
		return run_client(&ss, len, secs, max);
	}
	fprintf(stderr, "usage: churn server ADDR PORT | churn client ADDR PORT SECONDS [MAX]\n");
	return 2;
}

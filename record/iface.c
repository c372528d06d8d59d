// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lists the interfaces of the current network namespace with their link
 * types, and watches rtnetlink so that an interface created during the
 * recording is captured from when it appears. It does not attach anything.
 */
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <stdio.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "iface.h"

#define WATCH_RCVBUF (1 << 20)

int iface_arphrd(const char *name)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	close(fd);
	return err ? err : ifr.ifr_hwaddr.sa_family;
}

int iface_l2_kind(uint16_t arphrd)
{
	switch (arphrd) {
	case ARPHRD_ETHER:
	case ARPHRD_LOOPBACK:
		return 1;
	case ARPHRD_NONE:
	case ARPHRD_TUNNEL:
	case ARPHRD_TUNNEL6:
	case ARPHRD_SIT:
#ifdef ARPHRD_RAWIP
	case ARPHRD_RAWIP:
#endif
		return 2;
	default:
		return 0;
	}
}

int iface_list(struct iface_info *out, int max)
{
	struct if_nameindex *ni = if_nameindex(), *p;
	int n = 0;

	if (!ni)
		return -errno;
	for (p = ni; p->if_index && n < max; p++) {
		int t = iface_arphrd(p->if_name);

		if (t < 0)
			continue;
		out[n].ifindex = (int)p->if_index;
		snprintf(out[n].name, sizeof(out[n].name), "%s", p->if_name);
		out[n].arphrd = (uint16_t)t;
		n++;
	}
	if_freenameindex(ni);
	return n;
}

int iface_watch_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

	int rcvbuf = WATCH_RCVBUF;

	if (fd < 0)
		return -errno;
	/* room for the notices of a burst of new links (a hundred
	 * containers started at once) while the loop attaches to others;
	 * beyond the default limit with CAP_NET_ADMIN. An overflow is still
	 * noticed (iface_watch_drain). */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int iface_watch_drain(int fd)
{
	char buf[8192];
	int changed = 0;
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		/* the socket's buffer overflowed and notices were lost,
		 * perhaps of new links: the caller looks at them all again */
		if (n < 0 && errno == ENOBUFS) {
			changed = 1;
			continue;
		}
		if (n <= 0)
			break;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n))
			if (h->nlmsg_type == RTM_NEWLINK)
				changed = 1;
	}
	return changed;
}

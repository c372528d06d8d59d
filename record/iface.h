/* SPDX-License-Identifier: GPL-2.0-only */
/* The interfaces of netrec's network namespace, and news of new ones. */
#ifndef NETREC_RECORD_IFACE_H
#define NETREC_RECORD_IFACE_H

#include <stdbool.h>
#include <stdint.h>

struct iface_info {
	int ifindex;
	char name[32];
	uint16_t arphrd;
};

/* Fills up to max interfaces; returns how many, or -errno. */
int iface_list(struct iface_info *out, int max);
/* ARPHRD_* type of an interface, or -errno. */
int iface_arphrd(const char *name);
/* What the capture programs make of a link type: 1 Ethernet header,
 * 2 none (layer 3), 0 unsupported. */
int iface_l2_kind(uint16_t arphrd);
/* A netlink socket told of link changes (non-blocking), or -errno. */
int iface_watch_open(void);
/* Drains it; returns 1 if a link appeared or changed, or if notices were
 * lost (the socket's buffer overflowed), 0 if not. */
int iface_watch_drain(int fd);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/* netrec's command line (tcpdump's letters where the meaning is the same). */
#ifndef NETREC_RECORD_CLI_H
#define NETREC_RECORD_CLI_H

#include <stdbool.h>
#include <stdint.h>

#define MAX_SEL 64

struct opts {
	const char *out;
	const char *ifaces[MAX_SEL];
	int nifaces;
	bool any_iface;              /* -i any: every interface */
	uint32_t snaplen;            /* 0: whole packet */
	uint64_t count;
	double duration;
	uint64_t rotate_bytes;
	uint32_t rotate_secs;
	uint32_t max_files;
	char *filter;
	uint32_t pids[MAX_SEL];
	int npids;
	const char *comms[MAX_SEL];
	int ncomms;
	bool children;
	const char *netns[MAX_SEL];  /* --netns: names or namespace files */
	int nnetns;
	bool all_netns;              /* --netns all */
	bool self_netns;             /* --netns self: netrec's own only */
	const char *cgroup;          /* relative to the v2 root once checked */
	uint32_t event_mask;
	bool no_events;
	bool kernel_stack;   /* -K */
	const char *user;
	uint32_t ring_kib;           /* -B */
	const char *read;            /* -r FILE: list a recording (readback.c) */
	bool details;                /* -e, with -r */
	bool list_ifaces;            /* -D */
};

/* -B: the ring buffer's size, KiB (tcpdump's -B); rounded up to a power of
 * two. */
#define CLI_RING_KIB_DEFAULT 16384
#define CLI_RING_KIB_MIN 1024

/* Parses argv into o; prints help/version and exits 0, or a usage error
 * and exits 2. */
void cli_parse(int argc, char **argv, struct opts *o);
/* 0 if the process may load and attach BPF programs, else -EPERM with
 * one line naming the missing capability. */
int cli_check_caps(void);

#endif

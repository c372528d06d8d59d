/* SPDX-License-Identifier: GPL-2.0-only */
/* netrec's output: pcapng files in the profile of docs/format.md, rotated
 * as tcpdump rotates them (-C, -G, -W), each file complete on its own. */
#ifndef NETREC_RECORD_OUTPUT_H
#define NETREC_RECORD_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "clock.h"
#include "netrec.h"
#include "proc.h"

/* Interfaces one recording can name (every namespace's, over its whole
 * run): the kernel side's drop-counter slots (bpf/netrec.h NR_IF_SLOTS). */
#define OUT_MAX_IFACES NR_IF_SLOTS

struct out_cfg {
	const char *path;          /* "-": standard output */
	uint64_t rotate_bytes;     /* -C (bytes), 0: none */
	uint32_t rotate_secs;      /* -G, 0: none */
	uint32_t max_files;        /* -W, 0: unlimited */
	uint32_t snaplen;          /* IDB snaplen (-s + SLL2 header) */
	const char *filter;        /* if_filter, or NULL */
	const char *cmdline;       /* SHB comment */
	struct nr_clock clock;
	uint32_t netns;
	bool chown;                /* give files to uid/gid (-Z) */
	uid_t uid;
	gid_t gid;
	/* kernel drop counters of an interface, for ISBs */
	uint64_t (*if_drops)(void *ctx, uint32_t ifindex);
	uint64_t (*ring_drops)(void *ctx);
	void *drops_ctx;
};

struct out_counts {
	uint64_t packets_written;
	uint64_t events_written;
	uint64_t packets_attributed;
	uint64_t packets_kernel;
	uint64_t packets_filtered;
	uint64_t packets_unparsed;
	uint64_t other_drops;
};

struct out;

/* Creates the first file (0600, never through a symlink) and writes its
 * header: SHB with the clock. */
int out_open(struct out **o, const struct out_cfg *cfg);
/* Registers an interface and writes its IDB (§3). */
int out_add_iface(struct out *o, int ifindex, const char *name, uint16_t arphrd);
/* An interface of another network namespace (inode netns), by its key. */
int out_add_iface_ns(struct out *o, int ifindex, uint32_t netns, const char *name,
		     uint16_t arphrd);
/* ARPHRD type of a registered interface, or -1. */
int out_iface_arphrd(struct out *o, int ifindex);
/* A packet went through capture (before selection): counts isb_ifrecv. */
void out_count_seen(struct out *o, int ifindex);
void out_count_filtered(struct out *o);
/* Records lost in user space: §7 other_drops. */
void out_count_lost(struct out *o, uint64_t n);
/* Closes the current file and starts the next one if -C/-G say so.
 * Returns 1 when -G -W asks the recording to end, 0, or -errno. */
int out_maybe_rotate(struct out *o, int64_t now_real_ns);
/* Process record (§5.3), written once per file before its pid is named. */
int out_process(struct out *o, struct proc_info *pi);
/* A packet (the nr_pkt header and its bytes from the link-layer header),
 * owned by ow as src (the file's owner source, §4.1) says. -ENODEV when
 * its interface has no IDB. */
int out_packet(struct out *o, const struct nr_pkt *p, const uint8_t *data,
	       const struct nr_owner *ow, uint8_t src, const struct proc_info *pi,
	       int64_t ts_real_ns, uint64_t same_id, bool copy);
/* A TCP event; window: the window in bytes of window events. -ENODEV for
 * an event the profile has no name for. */
int out_event(struct out *o, const struct nr_event *e, uint8_t src, const struct proc_info *pi,
	      int64_t ts_real_ns, uint32_t window);
/* The packet as out_packet() writes it, into buf (20 + p->cap_len bytes);
 * returns the captured length, *origlen set. */
uint32_t out_build_sll2(struct out *o, const struct nr_pkt *p, const uint8_t *data,
			uint8_t *buf, uint32_t *origlen);
/* Hands everything buffered to the kernel (docs/format.md §9). */
int out_flush(struct out *o);
/* Ends the recording: ISBs and statistics block, close; the totals of the
 * whole recording go to *totals (may be NULL). Accepts NULL. */
int out_close(struct out *o, int64_t end_real_ns, struct out_counts *totals);
const struct out_counts *out_totals(const struct out *o);
/* The error that stopped the output, 0 if none. */
int out_error(const struct out *o);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/* Packets as Enhanced Packet Blocks of docs/format.md §4, built in place in
 * the writer's buffer. */
#ifndef NETREC_RECORD_EPB_H
#define NETREC_RECORD_EPB_H

#include <stdint.h>

#include "pcapng.h"
#include "netrec.h"
#include "proc.h"

#define SLL2_LEN 20
#define EPB_CACHE_SLOTS 1024

struct epb_comment {
	/* key */
	uint32_t pid, tid, uid, gid, ns_pid;
	uint64_t proc_serial;        /* the process record it names (0: none) */
	char comm[16];
	uint8_t src, why, used;
	/* value */
	uint8_t len;
	char text[210];
};

/* Per recording: the owner comments built so far (each built once). */
struct epb_writer {
	uint32_t netns;
	struct epb_comment cache[EPB_CACHE_SLOTS];
};

/* same_id, copy: docs/format.md §4 (the same packet on several
 * interfaces). Writes p (its bytes from the link-layer header at data) as one EPB on
 * interface if_id (ARPHRD type arphrd), owned by ow as src says (the
 * file's owner source), described by pi when a process owns it. */
int epb_write(struct pcapng_writer *w, struct epb_writer *ew, uint32_t if_id, int arphrd,
	      const struct nr_pkt *p, const uint8_t *data, const struct nr_owner *ow,
	      uint8_t src, const struct proc_info *pi, int64_t ts_ns, uint64_t same_id, bool copy);
/* The packet as written: SLL2 header then the packet from its network
 * header on, into buf (SLL2_LEN + p->cap_len bytes at least); returns the
 * captured length and sets *origlen. */
uint32_t epb_sll2(int arphrd, const struct nr_pkt *p, const uint8_t *data, uint8_t *buf,
		  uint32_t *origlen);

#endif

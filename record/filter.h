/* SPDX-License-Identifier: GPL-2.0-only */
/* The pcap-filter expression, compiled by libpcap for LINKTYPE_LINUX_SLL2
 * and run on packets as they are written. Kept apart from libbpf's headers,
 * which name a different struct bpf_program. */
#ifndef NETREC_RECORD_FILTER_H
#define NETREC_RECORD_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pkt_filter;

/* 0, or -EINVAL with libpcap's message in err. */
int filter_compile(struct pkt_filter **out, const char *expr, char *err, size_t errlen);
/* The same for another link type (libpcap's DLT_ number; for the link
 * types of capture files, the LINKTYPE_ number): netrec -r. */
int filter_compile_for(struct pkt_filter **out, const char *expr, int dlt, char *err,
		       size_t errlen);
bool filter_match(const struct pkt_filter *f, const uint8_t *pkt, uint32_t caplen,
		  uint32_t origlen);
void filter_free(struct pkt_filter *f);

#endif

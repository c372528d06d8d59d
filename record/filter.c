// SPDX-License-Identifier: GPL-2.0-only
/*
 * libpcap's compiler and interpreter for the trailing filter expression:
 * the packets netrec writes are SLL2 packets, so the expression is compiled
 * for that link type and means what it means to tcpdump -i any.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <pcap/pcap.h>

#include "filter.h"

struct pkt_filter {
	struct bpf_program prog;
};

int filter_compile(struct pkt_filter **out, const char *expr, char *err, size_t errlen)
{
	return filter_compile_for(out, expr, DLT_LINUX_SLL2, err, errlen);
}

int filter_compile_for(struct pkt_filter **out, const char *expr, int dlt, char *err,
		       size_t errlen)
{
	struct pkt_filter *f = calloc(1, sizeof(*f));
	pcap_t *dead = pcap_open_dead(dlt, 262144);
	int ret = 0;

	if (!f || !dead) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto cleanup;
	}
	if (pcap_compile(dead, &f->prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "%s", pcap_geterr(dead));
		ret = -EINVAL;
		goto cleanup;
	}
	*out = f;
	f = NULL;
cleanup:
	if (dead)
		pcap_close(dead);
	free(f);
	return ret;
}

bool filter_match(const struct pkt_filter *f, const uint8_t *pkt, uint32_t caplen,
		  uint32_t origlen)
{
	struct pcap_pkthdr h = { .caplen = caplen, .len = origlen };

	return pcap_offline_filter(&f->prog, &h, pkt) != 0;
}

void filter_free(struct pkt_filter *f)
{
	if (!f)
		return;
	pcap_freecode(&f->prog);
	free(f);
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The classic pcap writer: a 24-byte file header (microsecond magic
 * 0xa1b2c3d4 or nanosecond magic 0xa1b23c4d, version 2.4) and one 16-byte
 * record header per packet, in host byte order or swapped with
 * PCAPNG_W_SWAP. Output, buffering and BLOCK_FLUSH behave as for pcapng
 * (format/output.c); there is no compression. It keeps pcap's 32-bit
 * seconds field and rejects times that do not fit it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "pcapng.h"

#define PCAP_MAGIC_USEC 0xA1B2C3D4U
#define PCAP_MAGIC_NSEC 0xA1B23C4DU

struct pcap_writer {
	struct output out;
	bool swap;
	bool nsec;
};

int pcap_writer_open(struct pcap_writer **out, int fd, uint32_t linktype,
		     uint32_t snaplen, bool nsec, unsigned flags)
{
	struct pcap_writer *w;
	uint8_t *p;
	int err;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	err = output_init(&w->out, fd, flags, 0, 0);
	if (err) {
		free(w);
		return err;
	}
	w->swap = flags & PCAPNG_W_SWAP;
	w->nsec = nsec;
	p = output_reserve(&w->out, 24, &err);
	if (!p)
		goto cleanup;
	put32(p, nsec ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC, w->swap);
	put16(p + 4, 2, w->swap);
	put16(p + 6, 4, w->swap);
	put32(p + 8, 0, w->swap);   /* thiszone */
	put32(p + 12, 0, w->swap);  /* sigfigs */
	put32(p + 16, snaplen, w->swap);
	put32(p + 20, linktype, w->swap);
	output_commit(&w->out, 24);
	err = output_block_done(&w->out);
	if (err)
		goto cleanup;
	*out = w;
	return 0;

cleanup:
	/* A failed open leaves the caller's fd open, whatever the flags. */
	w->out.flags &= ~(unsigned)PCAPNG_W_CLOSE_FD;
	output_fini(&w->out);
	free(w);
	return err;
}

int pcap_write_packet(struct pcap_writer *w, uint64_t ts_ns, const void *data,
		      uint32_t caplen, uint32_t origlen)
{
	uint64_t sec = ts_ns / 1000000000U;
	uint32_t frac = (uint32_t)(ts_ns % 1000000000U);
	uint8_t *p;
	int err;

	if (w->out.err)
		return w->out.err;
	/* pcap's seconds field is 32 bits (unsigned by convention). */
	if (sec > UINT32_MAX || caplen > origlen || (caplen && !data))
		return -EINVAL;
	if (!w->nsec)
		frac /= 1000;
	p = output_reserve(&w->out, 16 + (size_t)caplen, &err);
	if (!p)
		return err;
	put32(p, (uint32_t)sec, w->swap);
	put32(p + 4, frac, w->swap);
	put32(p + 8, caplen, w->swap);
	put32(p + 12, origlen, w->swap);
	if (caplen)
		memcpy(p + 16, data, caplen);
	output_commit(&w->out, 16 + (size_t)caplen);
	return output_block_done(&w->out);
}

int pcap_writer_close(struct pcap_writer *w)
{
	int err;

	if (!w)
		return 0;
	err = output_fini(&w->out);
	free(w);
	return err;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pcapng writer. Every write call encodes one whole block into the
 * output's staging buffer (format/output.c) and commits it only once it is
 * complete, so a call appends one block or nothing. Option lists are built
 * by format/options.c; the classic pcap writer is format/pcap_writer.c.
 *
 * Byte order: blocks are written in host order, or in the other order with
 * PCAPNG_W_SWAP (only to test readers). Option lists are built in host
 * order (struct pcapng_opts); a swapping writer swaps every option header,
 * the values of the standard numeric options (by block type and code, as
 * the pcapng specification types them) and the PEN of custom options.
 * Strings, addresses, hashes and the data of custom options are byte
 * strings and are never swapped; neither are options with codes the
 * specification does not define, nor the bodies given to
 * pcapng_write_block().
 *
 * The writer checks what it can know (an SHB comes first, interface ids
 * exist in the current section, lengths fit their fields) and rejects a
 * bad call with -EINVAL without writing anything; a block larger than
 * readers accept (CAPFILE_DEFAULT_MAX_BLOCK) gets -EMSGSIZE, except through
 * pcapng_write_block(). Only I/O errors put the writer into its sticky
 * error state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "pcapng.h"

#define PAD4(n) (((n) + 3) / 4 * 4)
#define PCAPNG_BLOCK_MAX 0xFFFFFFFCU /* largest total length that is a multiple of 4 */

/* ======================================================================
 * Encoding helpers
 * ====================================================================== */

static void swap32_at(uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	v = __builtin_bswap32(v);
	memcpy(p, &v, 4);
}

static void swap64_at(uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	v = __builtin_bswap64(v);
	memcpy(p, &v, 8);
}

enum opt_kind {
	OK_BYTES,     /* strings, addresses, anything opaque */
	OK_U32,
	OK_U64,
	OK_U32X2,     /* pid/tid, and timestamps stored as high, low */
	OK_CUSTOM,    /* PEN u32, then opaque data */
	OK_VERDICT,   /* type byte; types 1 and 2 carry a u64 */
};

/* How the value of option code in a block of type btype is typed
 * (pcapng spec, sections 4.2, 4.6, 4.3, 4.4, 4.5). */
static enum opt_kind opt_kind(uint32_t btype, uint16_t code)
{
	switch (code) {
	case PCAPNG_OPT_CUSTOM_STR:
	case PCAPNG_OPT_CUSTOM_BIN:
	case PCAPNG_OPT_CUSTOM_STR_NC:
	case PCAPNG_OPT_CUSTOM_BIN_NC:
		return OK_CUSTOM;
	}
	switch (btype) {
	case PCAPNG_BT_IDB:
		switch (code) {
		case PCAPNG_IF_SPEED:
		case PCAPNG_IF_TSOFFSET:
		case PCAPNG_IF_TXSPEED:
		case PCAPNG_IF_RXSPEED:
			return OK_U64;
		case PCAPNG_IF_TZONE:
			return OK_U32;
		}
		break;
	case PCAPNG_BT_EPB:
		switch (code) {
		case PCAPNG_EPB_FLAGS:
		case PCAPNG_EPB_QUEUE:
			return OK_U32;
		case PCAPNG_EPB_DROPCOUNT:
		case PCAPNG_EPB_PACKETID:
			return OK_U64;
		case PCAPNG_EPB_PID_TID:
			return OK_U32X2;
		case PCAPNG_EPB_VERDICT:
			return OK_VERDICT;
		}
		break;
	case PCAPNG_BT_ISB:
		switch (code) {
		case PCAPNG_ISB_STARTTIME:
		case PCAPNG_ISB_ENDTIME:
			return OK_U32X2;
		case PCAPNG_ISB_IFRECV:
		case PCAPNG_ISB_IFDROP:
		case PCAPNG_ISB_FILTERACCEPT:
		case PCAPNG_ISB_OSDROP:
		case PCAPNG_ISB_USRDELIV:
			return OK_U64;
		}
		break;
	}
	return OK_BYTES;
}

/* Convert an option list (host order, already copied to dst) to the
 * other byte order in place. The list was built by pcapng_opts_*, but is
 * walked with bounds checks all the same. */
static int swap_opts(uint8_t *p, size_t len, uint32_t btype)
{
	size_t off = 0;

	while (off < len) {
		uint16_t code, olen;

		if (len - off < 4)
			return -EINVAL;
		memcpy(&code, p + off, 2);
		memcpy(&olen, p + off + 2, 2);
		if (PAD4((size_t)olen) > len - off - 4)
			return -EINVAL;
		put16(p + off, code, true);
		put16(p + off + 2, olen, true);
		off += 4;
		switch (opt_kind(btype, code)) {
		case OK_U32:
			if (olen == 4)
				swap32_at(p + off);
			break;
		case OK_U64:
			if (olen == 8)
				swap64_at(p + off);
			break;
		case OK_U32X2:
			if (olen == 8) {
				swap32_at(p + off);
				swap32_at(p + off + 4);
			}
			break;
		case OK_CUSTOM:
			if (olen >= 4)
				swap32_at(p + off);
			break;
		case OK_VERDICT:
			if (olen == 9 && (p[off] == 1 || p[off] == 2))
				swap64_at(p + off + 1);
			break;
		case OK_BYTES:
			break;
		}
		off += PAD4((size_t)olen);
	}
	return 0;
}

/* ======================================================================
 * pcapng writer
 * ====================================================================== */

struct pcapng_writer {
	struct output out;
	bool swap;
	bool have_shb;
	uint32_t nifaces;     /* IDBs in the current section */
	uint32_t snaplen0;    /* snaplen of interface 0 (SPBs belong to it) */
	/* a block begun in place and not committed yet */
	uint32_t place_type;  /* 0: none */
	size_t place_total;
	size_t place_opts_off, place_opts_len;
};

int pcapng_writer_open(struct pcapng_writer **out, int fd,
		       const struct pcapng_writer_opts *opts)
{
	struct pcapng_writer_opts def = { 0 };
	struct pcapng_writer *w;
	int err;

	*out = NULL;
	if (!opts)
		opts = &def;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	err = output_init(&w->out, fd, opts->flags, opts->zstd_level, opts->buffer_size);
	if (err) {
		free(w);
		return err;
	}
	w->swap = opts->flags & PCAPNG_W_SWAP;
	*out = w;
	return 0;
}

int pcapng_writer_close(struct pcapng_writer *w)
{
	int err;

	if (!w)
		return 0;
	err = output_fini(&w->out);
	free(w);
	return err;
}

int pcapng_writer_flush(struct pcapng_writer *w)
{
	return output_flush(&w->out);
}

uint64_t pcapng_writer_bytes_out(const struct pcapng_writer *w)
{
	return w->out.bytes_out;
}

uint64_t pcapng_writer_bytes_in(const struct pcapng_writer *w)
{
	return w->out.bytes_in;
}

/*
 * One block: header, fixed part (fixed_len bytes, already encoded), data
 * (padded with zeros to 4), options (+ end-of-options), trailer. Either the
 * whole block is committed to the output or nothing is.
 */
struct blk {
	uint32_t type;
	const uint8_t *fixed;
	size_t fixed_len;
	const void *data;
	size_t data_len;
	const struct pcapng_opts *opts;
	bool raw;             /* from pcapng_write_block(): no size policy */
};

static int write_blk(struct pcapng_writer *w, const struct blk *b)
{
	uint64_t olen = 0, total64;
	size_t total, off;
	uint8_t *p;
	int err;

	w->place_type = 0;     /* a block begun in place and not committed is dropped */
	if (w->out.err)
		return w->out.err;
	if (b->opts) {
		if (b->opts->err)
			return b->opts->err;
		if (b->opts->len % 4)
			return -EINVAL;
		if (b->opts->len)
			olen = (uint64_t)b->opts->len + 4;
	}
	total64 = 12 + (uint64_t)b->fixed_len + PAD4((uint64_t)b->data_len) + olen;
	if (total64 > PCAPNG_BLOCK_MAX)
		return -EINVAL;
	/* Readers (libpcap, Wireshark, ours) refuse larger blocks; only
	 * pcapng_write_block() may go beyond, to test them. */
	if (!b->raw && total64 > CAPFILE_DEFAULT_MAX_BLOCK)
		return -EMSGSIZE;
	total = (size_t)total64;

	p = output_reserve(&w->out, total, &err);
	if (!p)
		return err;
	put32(p, b->type, w->swap);
	put32(p + 4, (uint32_t)total, w->swap);
	off = 8;
	if (b->fixed_len)
		memcpy(p + off, b->fixed, b->fixed_len);
	off += b->fixed_len;
	if (b->data_len)
		memcpy(p + off, b->data, b->data_len);
	memset(p + off + b->data_len, 0, PAD4(b->data_len) - b->data_len);
	off += PAD4(b->data_len);
	if (olen) {
		memcpy(p + off, b->opts->buf, b->opts->len);
		if (w->swap) {
			err = swap_opts(p + off, b->opts->len, b->type);
			if (err)
				return err; /* nothing committed */
		}
		off += b->opts->len;
		memset(p + off, 0, 4); /* opt_endofopt */
		off += 4;
	}
	put32(p + off, (uint32_t)total, w->swap);
	output_commit(&w->out, total);
	return output_block_done(&w->out);
}

/* Bookkeeping after an SHB: a new section, with no interfaces yet. */
static void section_started(struct pcapng_writer *w)
{
	w->have_shb = true;
	w->nifaces = 0;
	w->snaplen0 = 0;
}

/* Bookkeeping after an IDB; SPBs belong to interface 0. */
static void iface_added(struct pcapng_writer *w, uint32_t snaplen)
{
	if (!w->nifaces)
		w->snaplen0 = snaplen;
	w->nifaces++;
}

int pcapng_write_shb(struct pcapng_writer *w, const struct pcapng_opts *opts)
{
	uint8_t fx[16];
	struct blk b = { PCAPNG_BT_SHB, fx, sizeof(fx), NULL, 0, opts };
	int err;

	put32(fx, PCAPNG_BYTE_ORDER_MAGIC, w->swap);
	put16(fx + 4, 1, w->swap);
	put16(fx + 6, 0, w->swap);
	put64(fx + 8, UINT64_MAX, w->swap); /* section length: -1, unknown */
	err = write_blk(w, &b);
	if (!err)
		section_started(w);
	return err;
}

int pcapng_write_idb(struct pcapng_writer *w, uint16_t linktype, uint32_t snaplen,
		     const struct pcapng_opts *opts, uint32_t *if_id)
{
	uint8_t fx[8];
	struct blk b = { PCAPNG_BT_IDB, fx, sizeof(fx), NULL, 0, opts };
	int err;

	if (!w->have_shb || w->nifaces == UINT32_MAX)
		return -EINVAL;
	put16(fx, linktype, w->swap);
	put16(fx + 2, 0, w->swap);
	put32(fx + 4, snaplen, w->swap);
	err = write_blk(w, &b);
	if (err)
		return err;
	if (if_id)
		*if_id = w->nifaces;
	iface_added(w, snaplen);
	return 0;
}

int pcapng_write_epb(struct pcapng_writer *w, uint32_t if_id, uint64_t ts,
		     const void *data, uint32_t caplen, uint32_t origlen,
		     const struct pcapng_opts *opts)
{
	uint8_t fx[20];
	struct blk b = { PCAPNG_BT_EPB, fx, sizeof(fx), data, caplen, opts };

	if (!w->have_shb || if_id >= w->nifaces || caplen > origlen ||
	    (caplen && !data))
		return -EINVAL;
	put32(fx, if_id, w->swap);
	put32(fx + 4, (uint32_t)(ts >> 32), w->swap);
	put32(fx + 8, (uint32_t)ts, w->swap);
	put32(fx + 12, caplen, w->swap);
	put32(fx + 16, origlen, w->swap);
	return write_blk(w, &b);
}

int pcapng_write_spb(struct pcapng_writer *w, const void *data, uint32_t caplen,
		     uint32_t origlen)
{
	uint8_t fx[4];
	struct blk b = { PCAPNG_BT_SPB, fx, sizeof(fx), data, caplen, NULL };

	/* An SPB belongs to interface 0 and has no captured-length field:
	 * readers take min(origlen, snaplen) (snaplen 0: no limit), so the
	 * data must be exactly that long. */
	uint32_t want = w->snaplen0 && w->snaplen0 < origlen ? w->snaplen0 : origlen;

	if (!w->have_shb || !w->nifaces || caplen != want || (caplen && !data))
		return -EINVAL;
	put32(fx, origlen, w->swap);
	return write_blk(w, &b);
}

int pcapng_write_isb(struct pcapng_writer *w, uint32_t if_id, uint64_t ts,
		     const struct pcapng_opts *opts)
{
	uint8_t fx[12];
	struct blk b = { PCAPNG_BT_ISB, fx, sizeof(fx), NULL, 0, opts };

	if (!w->have_shb || if_id >= w->nifaces)
		return -EINVAL;
	put32(fx, if_id, w->swap);
	put32(fx + 4, (uint32_t)(ts >> 32), w->swap);
	put32(fx + 8, (uint32_t)ts, w->swap);
	return write_blk(w, &b);
}

int pcapng_write_nrb(struct pcapng_writer *w, const struct pcapng_nrb_record *recs,
		     size_t nrecs, const struct pcapng_opts *opts)
{
	struct blk b = { PCAPNG_BT_NRB, NULL, 0, NULL, 0, opts };
	uint8_t *body = NULL, *p;
	size_t len = 4, i;
	int err;

	if (!w->have_shb || (nrecs && !recs))
		return -EINVAL;
	/* Size the records first: type, length, value padded to 4. */
	for (i = 0; i < nrecs; i++) {
		size_t alen = recs[i].type == PCAPNG_NRB_IPV4 ? 4 :
			      recs[i].type == PCAPNG_NRB_IPV6 ? 16 : 0;
		size_t vlen = alen;
		const char *const *n;

		if (!alen || !recs[i].addr || !recs[i].names || !recs[i].names[0])
			return -EINVAL;
		for (n = recs[i].names; *n; n++)
			vlen += strlen(*n) + 1;
		if (vlen > 0xFFFF)
			return -EINVAL;
		len += 4 + PAD4(vlen);
	}
	body = calloc(1, len);
	if (!body)
		return -ENOMEM;
	p = body;
	for (i = 0; i < nrecs; i++) {
		size_t alen = recs[i].type == PCAPNG_NRB_IPV4 ? 4 : 16;
		size_t vlen = alen;
		const char *const *n;

		memcpy(p + 4, recs[i].addr, alen);
		for (n = recs[i].names; *n; n++) {
			size_t sl = strlen(*n) + 1;

			memcpy(p + 4 + vlen, *n, sl);
			vlen += sl;
		}
		put16(p, recs[i].type, w->swap);
		put16(p + 2, (uint16_t)vlen, w->swap);
		p += 4 + PAD4(vlen);
	}
	/* nrb_record_end: type 0, length 0 (already zero). */
	b.fixed = body;
	b.fixed_len = len;
	err = write_blk(w, &b);
	free(body);
	return err;
}

int pcapng_write_dsb(struct pcapng_writer *w, uint32_t secrets_type,
		     const void *data, uint32_t len, const struct pcapng_opts *opts)
{
	uint8_t fx[8];
	struct blk b = { PCAPNG_BT_DSB, fx, sizeof(fx), data, len, opts };

	if (!w->have_shb || (len && !data))
		return -EINVAL;
	put32(fx, secrets_type, w->swap);
	put32(fx + 4, len, w->swap);
	return write_blk(w, &b);
}

int pcapng_write_custom(struct pcapng_writer *w, bool copyable, uint32_t pen,
			const void *data, size_t len, const struct pcapng_opts *opts)
{
	uint8_t fx[4];
	struct blk b = { copyable ? PCAPNG_BT_CB_COPY : PCAPNG_BT_CB_NOCOPY,
			 fx, sizeof(fx), data, len, opts };

	if (!w->have_shb || (len && !data))
		return -EINVAL;
	put32(fx, pen, w->swap);
	return write_blk(w, &b);
}

int pcapng_write_jeb(struct pcapng_writer *w, const void *entry, size_t len)
{
	struct blk b = { PCAPNG_BT_JEB, NULL, 0, entry, len, NULL };

	/* The entry is text (plus binary fields); it is padded with NULs,
	 * which is how readers find its end. */
	if (!w->have_shb || !len || !entry)
		return -EINVAL;
	return write_blk(w, &b);
}

/* ======================================================================
 * Blocks built in place
 * ====================================================================== */

int pcapng_epb_begin(struct pcapng_writer *w, uint32_t if_id, uint64_t ts,
		     uint32_t caplen, uint32_t origlen, size_t opts_len,
		     struct pcapng_epb_place *pl)
{
	size_t olen = opts_len ? opts_len + 4 : 0, total, off;
	uint8_t *p;
	int err;

	w->place_type = 0;
	if (!w->have_shb || if_id >= w->nifaces || caplen > origlen || opts_len % 4 ||
	    opts_len > 0xFFFFFFF)
		return -EINVAL;
	if (w->out.err)
		return w->out.err;
	total = 12 + 20 + PAD4((size_t)caplen) + olen;
	if (total > CAPFILE_DEFAULT_MAX_BLOCK)
		return -EMSGSIZE;
	p = output_reserve(&w->out, total, &err);
	if (!p)
		return err;
	put32(p, PCAPNG_BT_EPB, w->swap);
	put32(p + 4, (uint32_t)total, w->swap);
	put32(p + 8, if_id, w->swap);
	put32(p + 12, (uint32_t)(ts >> 32), w->swap);
	put32(p + 16, (uint32_t)ts, w->swap);
	put32(p + 20, caplen, w->swap);
	put32(p + 24, origlen, w->swap);
	off = 28;
	pl->data = p + off;
	memset(p + off + caplen, 0, PAD4((size_t)caplen) - caplen);
	off += PAD4((size_t)caplen);
	pl->opts = p + off;
	w->place_opts_off = off;
	w->place_opts_len = opts_len;
	if (olen) {
		off += opts_len;
		memset(p + off, 0, 4); /* opt_endofopt */
		off += 4;
	}
	put32(p + off, (uint32_t)total, w->swap);
	w->place_type = PCAPNG_BT_EPB;
	w->place_total = total;
	return 0;
}

int pcapng_epb_commit(struct pcapng_writer *w)
{
	uint8_t *p = w->out.buf + w->out.len;
	int err;

	if (w->place_type != PCAPNG_BT_EPB)
		return -EINVAL;
	w->place_type = 0;
	if (w->swap && w->place_opts_len) {
		err = swap_opts(p + w->place_opts_off, w->place_opts_len, PCAPNG_BT_EPB);
		if (err)
			return err; /* nothing committed */
	}
	output_commit(&w->out, w->place_total);
	return output_block_done(&w->out);
}

int pcapng_jeb_begin(struct pcapng_writer *w, size_t max_len, uint8_t **entry)
{
	uint8_t *p;
	int err;

	w->place_type = 0;
	if (!w->have_shb || !max_len || max_len > CAPFILE_DEFAULT_MAX_BLOCK - 12)
		return -EINVAL;
	if (w->out.err)
		return w->out.err;
	w->place_total = 12 + PAD4(max_len);
	p = output_reserve(&w->out, w->place_total, &err);
	if (!p)
		return err;
	put32(p, PCAPNG_BT_JEB, w->swap);
	*entry = p + 8;
	w->place_type = PCAPNG_BT_JEB;
	return 0;
}

int pcapng_jeb_commit(struct pcapng_writer *w, size_t len)
{
	uint8_t *p = w->out.buf + w->out.len;
	size_t total = 12 + PAD4(len);

	if (w->place_type != PCAPNG_BT_JEB || !len || total > w->place_total)
		return -EINVAL;
	w->place_type = 0;
	memset(p + 8 + len, 0, PAD4(len) - len);
	put32(p + 4, (uint32_t)total, w->swap);
	put32(p + total - 4, (uint32_t)total, w->swap);
	output_commit(&w->out, total);
	return output_block_done(&w->out);
}

int pcapng_write_block(struct pcapng_writer *w, uint32_t type, const void *body,
		       size_t len)
{
	struct blk b = { type, NULL, 0, body, len, NULL, true };
	uint32_t snaplen = 0;
	int err;

	if (len && !body)
		return -EINVAL;
	err = write_blk(w, &b);
	if (err)
		return err;
	if (type == PCAPNG_BT_SHB)
		section_started(w);
	if (type == PCAPNG_BT_IDB && w->nifaces < UINT32_MAX) {
		if (len >= 8) {
			/* the body is in the writer's byte order */
			memcpy(&snaplen, (const uint8_t *)body + 4, 4);
			if (w->swap)
				snaplen = __builtin_bswap32(snaplen);
		}
		iface_added(w, snaplen);
	}
	return 0;
}

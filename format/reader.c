// SPDX-License-Identifier: GPL-2.0-only
/*
 * Streaming reader for pcapng and classic pcap captures. Bytes come from
 * decompress.c (a file, pipe or buffer, plain or zstd/gzip compressed as its
 * first bytes say); this file turns them into records.
 *
 * Memory stays constant whatever the file size: one block buffer that grows
 * up to max_block, and the interfaces of the current section (capped at
 * READER_MAX_IFACES), whose text options are kept up to
 * CAPFILE_IFACE_TEXT_MAX bytes each and CAPFILE_IFACE_TEXT_SECTION bytes per
 * section (CAPFILE_IFACE_TEXT_FILE per file, so that what a caller stores
 * stays bounded too); what is cut is counted in the stats, never an error.
 * Every byte of a block is parsed through the
 * bounds-checked cursor of cursor.h. A malformed file is an expected input:
 * the reader stops at the first violation of the spec with -EINVAL and a
 * detail (offset in the decompressed stream, block type, what was wrong);
 * everything returned before stays valid. Unknown block types and option
 * codes are never errors: they are counted and handed on.
 *
 * Lifetimes: a record's pointers (body, data, options, comment) live until
 * the next capfile_next(); interfaces until the next SHB. When an open fails
 * there is no handle, so its detail is kept per thread: capfile_error(NULL).
 *
 * This file deliberately does not interpret block contents beyond the
 * standard fields (no NRB name table, no DSB secrets, no journal fields) and
 * does not seek.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cursor.h"
#include "decompress.h"
#include "pcapng.h"

/* More interfaces than this in one section is treated as a malformed file:
 * it bounds the reader's memory (each IDB is at least 20 bytes). */
#define READER_MAX_IFACES 65536
#define SHB_MIN_LEN 28
#define PCAP_HDR_LEN 24
#define PCAP_MAGIC_US   0xa1b2c3d4U
#define PCAP_MAGIC_NS   0xa1b23c4dU
#define PCAP_MAGIC_MOD  0xa1b2cd34U /* Alexey Kuznetsov's modified pcap */

struct capfile {
	struct capfile_input *in; /* decompressed byte stream (decompress.c) */

	/* bytes read ahead for format detection, handed out first */
	uint8_t look[4];
	size_t look_pos, look_len;

	uint64_t off;            /* offset of the next unread decompressed byte */

	uint8_t *blk;            /* the current block */
	size_t blk_cap;
	uint32_t max_block;

	enum capfile_kind kind;
	/* current section (pcapng) or file (pcap) */
	bool swap;
	uint32_t section;
	/* one allocation each, so that pointers handed out stay valid until
	 * the section ends, however many IDBs follow */
	struct capfile_iface **ifaces;
	uint32_t n_ifaces, cap_ifaces;
	bool pcap_modified;
	/* interface text kept so far (bytes), against the budgets */
	uint64_t iface_text_section, iface_text_file;

	int err;                 /* sticky error */
	struct capfile_error detail;
	struct capfile_stats stats;
};

/* Detail of the last failed open in this thread: capfile_error(NULL). */
static __thread struct capfile_error open_error;

static int fail(struct capfile *f, int err, uint64_t off, uint32_t btype,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int fail(struct capfile *f, int err, uint64_t off, uint32_t btype,
		const char *fmt, ...)
{
	va_list ap;

	if (f->err)
		return f->err;
	f->err = err;
	f->detail.offset = off;
	f->detail.block_type = btype;
	va_start(ap, fmt);
	vsnprintf(f->detail.what, sizeof(f->detail.what), fmt, ap);
	va_end(ap);
	return err;
}

/* Reads up to n decompressed bytes; fewer only at the end of the input.
 * Returns the count or a negative errno (detail set). */
static ssize_t in_read(struct capfile *f, uint8_t *dst, size_t n)
{
	size_t got = 0;
	ssize_t r = 0;

	if (f->look_pos < f->look_len) {
		got = f->look_len - f->look_pos;
		if (got > n)
			got = n;
		memcpy(dst, f->look + f->look_pos, got);
		f->look_pos += got;
	}
	if (got < n) {
		size_t done;

		r = input_read(f->in, dst + got, n - got, &done);
		if (r < 0)
			return fail(f, (int)r, f->off + got + done, 0, "%s",
				    input_error(f->in));
		got += (size_t)r;
	}
	f->off += got;
	return (ssize_t)got;
}

/* ---- interfaces and timestamps ----------------------------------------- */

static void free_ifaces(struct capfile *f)
{
	for (uint32_t i = 0; i < f->n_ifaces; i++) {
		struct capfile_iface *ifc = f->ifaces[i];

		free(ifc->name);
		free(ifc->description);
		free(ifc->filter);
		free(ifc->os);
		free(ifc->hardware);
		free(ifc);
	}
	f->n_ifaces = 0;
}

/* Appends a zeroed interface with the spec's defaults to the section. */
static struct capfile_iface *add_iface(struct capfile *f)
{
	struct capfile_iface *ifc;

	if (f->n_ifaces == f->cap_ifaces) {
		uint32_t cap = f->cap_ifaces ? f->cap_ifaces * 2 : 8;
		struct capfile_iface **p = realloc(f->ifaces, cap * sizeof(*p));

		if (!p)
			return NULL;
		f->ifaces = p;
		f->cap_ifaces = cap;
	}
	ifc = calloc(1, sizeof(*ifc));
	if (!ifc)
		return NULL;
	ifc->ts_units_per_sec = 1000000;
	ifc->tsresol_raw = 6;
	ifc->section = f->section;
	f->ifaces[f->n_ifaces++] = ifc;
	return ifc;
}

static const uint64_t pow10_u64[20] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL,
};

#define NSEC_PER_SEC 1000000000LL

/* Nanoseconds in `frac` units of 2^-shift s (frac < 2^shift): floor(frac *
 * 10^9 / 2^shift) without 128-bit arithmetic: frac is split in 32-bit halves
 * so each partial product fits in 62 bits, and the 94-bit sum is kept in two
 * words before the shift. */
static uint64_t bin_frac_to_ns(uint64_t frac, unsigned shift)
{
	uint64_t p0 = (frac & 0xffffffffULL) * (uint64_t)NSEC_PER_SEC;
	uint64_t p1 = (frac >> 32) * (uint64_t)NSEC_PER_SEC;
	uint64_t lo = p0 + (p1 << 32);
	uint64_t hi = (p1 >> 32) + (lo < p0);

	if (shift == 0)
		return lo;
	if (shift >= 64)
		return hi >> (shift - 64);
	return lo >> shift | hi << (64 - shift);
}

/* Interface timestamp to ns since the epoch, with if_tsoffset; saturates at
 * the int64 range (years beyond 2262) instead of overflowing. */
static int64_t ts_to_ns(const struct capfile_iface *ifc, uint64_t ts)
{
	uint64_t units = ifc->ts_units_per_sec;
	uint64_t sec = ts / units, frac = ts % units, ns;
	unsigned exp = ifc->tsresol_raw & 0x7f;
	int64_t s, out;

	if (ifc->tsresol_raw & 0x80)
		ns = bin_frac_to_ns(frac, exp);
	else if (exp <= 9)
		ns = frac * pow10_u64[9 - exp];
	else
		ns = frac / pow10_u64[exp - 9];

	if (sec > (uint64_t)INT64_MAX)
		return INT64_MAX;
	if (__builtin_add_overflow((int64_t)sec, ifc->tsoffset_sec, &s))
		return ifc->tsoffset_sec < 0 ? INT64_MIN : INT64_MAX;
	if (__builtin_mul_overflow(s, NSEC_PER_SEC, &out) ||
	    __builtin_add_overflow(out, (int64_t)ns, &out))
		return s < 0 ? INT64_MIN : INT64_MAX;
	return out;
}

/* ---- options ------------------------------------------------------------ */

static bool opt_known(uint32_t btype, uint16_t code)
{
	switch (code) {
	case PCAPNG_OPT_COMMENT:
	case PCAPNG_OPT_CUSTOM_STR:
	case PCAPNG_OPT_CUSTOM_BIN:
	case PCAPNG_OPT_CUSTOM_STR_NC:
	case PCAPNG_OPT_CUSTOM_BIN_NC:
		return true;
	}
	switch (btype) {
	case PCAPNG_BT_SHB:
		return code >= PCAPNG_SHB_HARDWARE && code <= PCAPNG_SHB_USERAPPL;
	case PCAPNG_BT_IDB:
		return code >= PCAPNG_IF_NAME && code <= PCAPNG_IF_RXSPEED;
	case PCAPNG_BT_EPB:
		return code >= PCAPNG_EPB_FLAGS && code <= PCAPNG_EPB_PID_TID;
	case PCAPNG_BT_PB:
		return code == 2 || code == 3; /* pack_flags, pack_hash */
	case PCAPNG_BT_NRB:
		return code >= PCAPNG_NS_DNSNAME && code <= PCAPNG_NS_DNSIP6ADDR;
	case PCAPNG_BT_ISB:
		return code >= PCAPNG_ISB_STARTTIME && code <= PCAPNG_ISB_USRDELIV;
	}
	return false;
}

static char *dup_str(const uint8_t *p, size_t len)
{
	char *s = malloc(len + 1);

	if (s) {
		memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

static void note_text_cut(struct capfile *f, uint64_t off, bool dropped)
{
	if (!f->stats.iface_text_cut && !f->stats.iface_text_dropped)
		f->stats.iface_text_first_offset = off;
	if (dropped)
		f->stats.iface_text_dropped++;
	else
		f->stats.iface_text_cut++;
}

/* Keeps the first occurrence of an interface's string option, at most
 * CAPFILE_IFACE_TEXT_MAX bytes of it (cut at a UTF-8 character boundary),
 * and nothing once the section's or the file's budget is spent. */
static int set_str(struct capfile *f, char **dst, struct cursor *val, uint64_t off)
{
	const uint8_t *p;
	size_t n = cur_left(val);

	if (*dst)
		return 0;
	cur_bytes(val, n, &p);
	if (n > CAPFILE_IFACE_TEXT_MAX) {
		n = CAPFILE_IFACE_TEXT_MAX;
		while (n > 0 && (p[n] & 0xc0) == 0x80)
			n--;
		note_text_cut(f, off, false);
	}
	if (f->iface_text_section + n > CAPFILE_IFACE_TEXT_SECTION ||
	    f->iface_text_file + n > CAPFILE_IFACE_TEXT_FILE) {
		note_text_cut(f, off, true);
		return 0;
	}
	*dst = dup_str(p, n);
	if (!*dst)
		return -ENOMEM;
	f->iface_text_section += n;
	f->iface_text_file += n;
	return 0;
}

static int idb_option(struct capfile *f, struct capfile_iface *ifc, uint16_t code,
		      struct cursor *val, uint64_t opt_off, bool *seen_resol)
{
	uint8_t b;
	uint64_t v;

	switch (code) {
	case PCAPNG_IF_NAME:
		return set_str(f, &ifc->name, val, opt_off);
	case PCAPNG_IF_DESCRIPTION:
		return set_str(f, &ifc->description, val, opt_off);
	case PCAPNG_IF_OS:
		return set_str(f, &ifc->os, val, opt_off);
	case PCAPNG_IF_HARDWARE:
		return set_str(f, &ifc->hardware, val, opt_off);
	case PCAPNG_IF_FILTER:
		/* type 0: a libpcap filter string; other types are kept
		 * for the option iterator only */
		if (cur_u8(val, &b) && b == 0)
			return set_str(f, &ifc->filter, val, opt_off);
		return 0;
	case PCAPNG_IF_TSRESOL:
		if (*seen_resol || !cur_u8(val, &b))
			return 0;
		*seen_resol = true;
		if (b & 0x80) {
			if ((b & 0x7f) > 63)
				return fail(f, -EINVAL, opt_off, PCAPNG_BT_IDB,
					    "if_tsresol 2^-%u is finer than the reader supports",
					    b & 0x7f);
			ifc->ts_units_per_sec = 1ULL << (b & 0x7f);
		} else {
			if (b > 19)
				return fail(f, -EINVAL, opt_off, PCAPNG_BT_IDB,
					    "if_tsresol 10^-%u is finer than the reader supports",
					    b);
			ifc->ts_units_per_sec = pow10_u64[b];
		}
		ifc->tsresol_raw = b;
		return 0;
	case PCAPNG_IF_TSOFFSET:
		if (cur_u64(val, &v))
			ifc->tsoffset_sec = (int64_t)v;
		return 0;
	}
	return 0;
}

static void epb_option(struct capfile_rec *rec, uint16_t code, struct cursor *val)
{
	const uint8_t *p;
	uint32_t a, b;
	uint64_t v;
	size_t n = cur_left(val);

	if (code == PCAPNG_OPT_COMMENT) {
		if (!rec->comment && cur_bytes(val, n, &p)) {
			rec->comment = (const char *)p;
			rec->comment_len = (uint16_t)n;
		}
		return;
	}
	/* pack_flags of the obsolete Packet Block has the EPB's code and layout */
	if (code == PCAPNG_EPB_FLAGS && n == 4 && !rec->has_flags) {
		cur_u32(val, &rec->flags);
		rec->has_flags = true;
	}
	if (rec->block_type != PCAPNG_BT_EPB)
		return;
	switch (code) {
	case PCAPNG_EPB_DROPCOUNT:
		if (n == 8 && !rec->has_dropcount && cur_u64(val, &v)) {
			rec->dropcount = v;
			rec->has_dropcount = true;
		}
		break;
	case PCAPNG_EPB_PACKETID:
		if (n == 8 && !rec->has_packetid && cur_u64(val, &v)) {
			rec->packetid = v;
			rec->has_packetid = true;
		}
		break;
	case PCAPNG_EPB_QUEUE:
		if (n == 4 && !rec->has_queue && cur_u32(val, &a)) {
			rec->queue = a;
			rec->has_queue = true;
		}
		break;
	case PCAPNG_EPB_PID_TID:
		if (n == 8 && !rec->has_pid && cur_u32(val, &a) && cur_u32(val, &b)) {
			rec->pid = a;
			rec->tid = b;
			rec->has_pid = true;
		}
		break;
	}
}

/* Validates the option list at rec->opts (inside the block buffer) and
 * decodes what the record carries. ifc is the interface being defined (IDB)
 * or NULL. */
static int walk_opts(struct capfile *f, struct capfile_rec *rec, struct capfile_iface *ifc)
{
	struct cursor c, val;
	size_t opts_off = rec->opts ? (size_t)(rec->opts - f->blk) : 0;
	bool seen_resol = false;
	int err;

	cur_init(&c, rec->opts, rec->opts_len, rec->swapped);
	while (cur_left(&c) > 0) {
		uint64_t opt_off = rec->offset + opts_off + cur_pos(&c);
		uint16_t code, len;

		if (!cur_u16(&c, &code) || !cur_u16(&c, &len))
			return fail(f, -EINVAL, opt_off, rec->block_type,
				    "option header overruns the %s block",
				    capfile_block_name(rec->block_type));
		if (code == PCAPNG_OPT_ENDOFOPT)
			break;
		if (!cur_sub(&c, len, &val))
			return fail(f, -EINVAL, opt_off, rec->block_type,
				    "option %u length %u overruns the %s block (%zu bytes left)",
				    code, len, capfile_block_name(rec->block_type),
				    cur_left(&c));
		if (!cur_skip(&c, pad4(len) - len))
			return fail(f, -EINVAL, opt_off, rec->block_type,
				    "option %u padding overruns the %s block", code,
				    capfile_block_name(rec->block_type));
		if (!opt_known(rec->block_type, code))
			f->stats.unknown_options++;
		if (ifc) {
			err = idb_option(f, ifc, code, &val, opt_off, &seen_resol);
			if (err)
				return err == -ENOMEM ? fail(f, err, opt_off, rec->block_type,
							     "out of memory") : err;
		} else if (rec->type == CAPFILE_REC_PACKET) {
			epb_option(rec, code, &val);
		}
	}
	return 0;
}

/* Points rec->body at the rest of the body (NULL when empty). */
static void rest_as_body(struct capfile_rec *rec, struct cursor *body)
{
	rec->body_len = cur_left(body);
	rec->body = rec->body_len ? cur_ptr(body) : NULL;
}

/* Points rec->opts at the rest of the body. */
static void rest_as_opts(struct capfile_rec *rec, struct cursor *body)
{
	rec->opts_len = cur_left(body);
	rec->opts = rec->opts_len ? cur_ptr(body) : NULL;
}

/* Makes the block buffer hold at least need bytes (need <= max_block), by
 * doubling; it never shrinks, so a file costs its largest block. */
static int grow_blk(struct capfile *f, size_t need, uint64_t off, uint32_t btype)
{
	size_t cap = f->blk_cap ? f->blk_cap : 4096;
	uint8_t *p;

	if (f->blk && f->blk_cap >= need)
		return 0;
	while (cap < need)
		cap *= 2;
	if (cap > f->max_block)
		cap = f->max_block;
	p = realloc(f->blk, cap);
	if (!p)
		return fail(f, -ENOMEM, off, btype, "out of memory for a %zu-byte block", need);
	f->blk = p;
	f->blk_cap = cap;
	return 0;
}

/* ---- pcapng blocks ------------------------------------------------------ */

static int check_if_id(struct capfile *f, struct capfile_rec *rec, uint32_t if_id)
{
	if (if_id >= f->n_ifaces)
		return fail(f, -EINVAL, rec->offset, rec->block_type,
			    "%s interface id %u does not refer to an IDB (section has %u)",
			    capfile_block_name(rec->block_type), if_id, f->n_ifaces);
	rec->if_id = if_id;
	rec->iface = f->ifaces[if_id];
	return 0;
}

static int parse_shb(struct capfile *f, struct capfile_rec *rec, struct cursor *b)
{
	uint32_t magic;
	uint16_t major, minor;
	uint64_t seclen;

	cur_u32(b, &magic);
	if (!cur_u16(b, &major) || !cur_u16(b, &minor) || !cur_u64(b, &seclen))
		return fail(f, -EINVAL, rec->offset, PCAPNG_BT_SHB, "SHB too short");
	if (major != 1 || (minor != 0 && minor != 2))
		return fail(f, -EINVAL, rec->offset, PCAPNG_BT_SHB,
			    "unsupported pcapng version %u.%u", major, minor);
	rest_as_opts(rec, b);
	return walk_opts(f, rec, NULL);
}

static int parse_idb(struct capfile *f, struct capfile_rec *rec, struct cursor *b)
{
	struct capfile_iface *ifc;
	uint16_t linktype, reserved;
	uint32_t snaplen;
	int err;

	if (!cur_u16(b, &linktype) || !cur_u16(b, &reserved) || !cur_u32(b, &snaplen))
		return fail(f, -EINVAL, rec->offset, PCAPNG_BT_IDB,
			    "IDB body of %zu bytes is shorter than 8", cur_left(b));
	if (f->n_ifaces >= READER_MAX_IFACES)
		return fail(f, -EINVAL, rec->offset, PCAPNG_BT_IDB,
			    "more than %u interfaces in one section", READER_MAX_IFACES);
	ifc = add_iface(f);
	if (!ifc)
		return fail(f, -ENOMEM, rec->offset, PCAPNG_BT_IDB, "out of memory");
	ifc->linktype = linktype;
	ifc->snaplen = snaplen;
	rest_as_opts(rec, b);
	err = walk_opts(f, rec, ifc);
	if (err)
		return err;
	rec->if_id = f->n_ifaces - 1;
	rec->iface = ifc;
	f->stats.interfaces++;
	return 0;
}

static int parse_packet(struct capfile *f, struct capfile_rec *rec, struct cursor *b)
{
	uint32_t if_id = 0, caplen, origlen;
	uint16_t if16, drops;
	uint64_t ts;
	int err;

	if (rec->block_type == PCAPNG_BT_EPB) {
		if (!cur_u32(b, &if_id))
			goto short_body;
	} else {
		/* obsolete Packet Block: u16 interface id, u16 drops count */
		if (!cur_u16(b, &if16) || !cur_u16(b, &drops))
			goto short_body;
		if_id = if16;
		if (drops != 0xffff) {
			rec->dropcount = drops;
			rec->has_dropcount = true;
		}
	}
	if (!cur_ts(b, &ts) || !cur_u32(b, &caplen) || !cur_u32(b, &origlen))
		goto short_body;
	err = check_if_id(f, rec, if_id);
	if (err)
		return err;
	if (!cur_bytes(b, caplen, &rec->data))
		return fail(f, -EINVAL, rec->offset, rec->block_type,
			    "captured length %u exceeds the %zu bytes left in the %s block",
			    caplen, cur_left(b), capfile_block_name(rec->block_type));
	if (!cur_skip(b, pad4(caplen) - caplen))
		return fail(f, -EINVAL, rec->offset, rec->block_type,
			    "packet data padding overruns the %s block",
			    capfile_block_name(rec->block_type));
	rec->caplen = caplen;
	rec->origlen = origlen;
	rec->body = rec->data;
	rec->body_len = caplen;
	rec->ts_raw = ts;
	rec->ts_ns = ts_to_ns(rec->iface, ts);
	rest_as_opts(rec, b);
	err = walk_opts(f, rec, NULL);
	if (err)
		return err;
	f->stats.packets++;
	return 0;

short_body:
	return fail(f, -EINVAL, rec->offset, rec->block_type,
		    "%s body of %zu bytes is shorter than its fixed fields",
		    capfile_block_name(rec->block_type), b->len);
}

static int parse_spb(struct capfile *f, struct capfile_rec *rec, struct cursor *b)
{
	uint32_t origlen, snaplen;
	uint64_t caplen;
	int err;

	if (!cur_u32(b, &origlen))
		return fail(f, -EINVAL, rec->offset, PCAPNG_BT_SPB,
			    "SPB body of %zu bytes is shorter than 4", b->len);
	err = check_if_id(f, rec, 0);
	if (err)
		return err;
	/* The data length is min(original length, snaplen); snaplen 0 means
	 * no limit. The rest of the body is that data and its padding. */
	snaplen = rec->iface->snaplen;
	caplen = origlen;
	if (snaplen && snaplen < caplen)
		caplen = snaplen;
	if (pad4(caplen) > cur_left(b))
		return fail(f, -EINVAL, rec->offset, PCAPNG_BT_SPB,
			    "SPB packet length %llu exceeds the %zu bytes left in the block",
			    (unsigned long long)caplen, cur_left(b));
	cur_bytes(b, caplen, &rec->data);
	rec->caplen = (uint32_t)caplen;
	rec->origlen = origlen;
	rec->body = rec->data;
	rec->body_len = rec->caplen;
	f->stats.packets++;
	return 0;
}

static int parse_isb(struct capfile *f, struct capfile_rec *rec, struct cursor *b)
{
	uint32_t if_id;
	uint64_t ts;
	int err;

	if (!cur_u32(b, &if_id) || !cur_ts(b, &ts))
		return fail(f, -EINVAL, rec->offset, PCAPNG_BT_ISB,
			    "ISB body of %zu bytes is shorter than 12", b->len);
	err = check_if_id(f, rec, if_id);
	if (err)
		return err;
	rec->ts_raw = ts;
	rec->ts_ns = ts_to_ns(rec->iface, ts);
	rest_as_opts(rec, b);
	return walk_opts(f, rec, NULL);
}

static int parse_nrb(struct capfile *f, struct capfile_rec *rec, struct cursor *b)
{
	rest_as_body(rec, b);
	while (cur_left(b) > 0) {
		uint64_t roff = rec->offset + 8 + cur_pos(b);
		uint16_t type, len;

		if (!cur_u16(b, &type) || !cur_u16(b, &len))
			return fail(f, -EINVAL, roff, PCAPNG_BT_NRB,
				    "NRB record header overruns the block");
		if (!cur_skip(b, pad4(len)))
			return fail(f, -EINVAL, roff, PCAPNG_BT_NRB,
				    "NRB record length %u overruns the block", len);
		if (type == PCAPNG_NRB_END)
			break;
	}
	rest_as_opts(rec, b);
	return walk_opts(f, rec, NULL);
}

static int parse_dsb(struct capfile *f, struct capfile_rec *rec, struct cursor *b)
{
	uint32_t len;

	rest_as_body(rec, b);
	if (!cur_u32(b, &rec->secrets_type) || !cur_u32(b, &len))
		return fail(f, -EINVAL, rec->offset, PCAPNG_BT_DSB,
			    "DSB body of %zu bytes is shorter than 8", b->len);
	if (!cur_skip(b, pad4(len)))
		return fail(f, -EINVAL, rec->offset, PCAPNG_BT_DSB,
			    "secrets length %u exceeds the %zu bytes left in the DSB",
			    len, cur_left(b));
	rest_as_opts(rec, b);
	return walk_opts(f, rec, NULL);
}

static int parse_custom(struct capfile *f, struct capfile_rec *rec, struct cursor *b)
{
	if (!cur_u32(b, &rec->pen))
		return fail(f, -EINVAL, rec->offset, rec->block_type,
			    "custom block body of %zu bytes has no PEN", b->len);
	rec->copyable = rec->block_type == PCAPNG_BT_CB_COPY;
	/* Where the data ends and options begin is known only to the PEN's
	 * owner: everything after the PEN is the body. */
	rest_as_body(rec, b);
	return 0;
}

static int parse_jeb(struct capfile_rec *rec, struct cursor *b)
{
	const uint8_t *p;
	size_t n = cur_left(b);
	struct cursor tail;

	/* the entry is padded with up to three NULs */
	cur_bytes(b, n, &p);
	for (int i = 0; i < 3 && n > 0; i++) {
		uint8_t c = 1;

		cur_init(&tail, p, n, false);
		cur_skip(&tail, n - 1);
		cur_u8(&tail, &c);
		if (c != 0)
			break;
		n--;
	}
	rec->body = n ? p : NULL;
	rec->body_len = n;
	return 0;
}

static void start_section(struct capfile *f, bool swap)
{
	free_ifaces(f);
	f->iface_text_section = 0;
	f->swap = swap;
	f->section = f->stats.sections++;
}

static int next_pcapng(struct capfile *f, struct capfile_rec *rec)
{
	uint8_t hdr[12];
	uint64_t off = f->off;
	struct cursor c, body;
	uint32_t type, len, trailer = 0, bom;
	bool swap = f->swap;
	size_t have = 8;
	ssize_t n;
	int err;

	n = in_read(f, hdr, 8);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return 0;
	if (n < 8)
		return fail(f, -EINVAL, off, 0,
			    "truncated block header (file ends %zd bytes into it)", n);
	cur_init(&c, hdr, 8, false);
	cur_u32(&c, &type);
	if (type == PCAPNG_BT_SHB) {
		/* A new section: its byte-order magic decides how to read
		 * everything from its length on. */
		n = in_read(f, hdr + 8, 4);
		if (n < 0)
			return (int)n;
		if (n < 4)
			return fail(f, -EINVAL, off, PCAPNG_BT_SHB,
				    "truncated SHB (file ends %zd bytes into it)", 8 + n);
		have = 12;
		cur_init(&c, hdr + 8, 4, false);
		cur_u32(&c, &bom);
		if (bom == PCAPNG_BYTE_ORDER_MAGIC)
			swap = false;
		else if (bom == __builtin_bswap32(PCAPNG_BYTE_ORDER_MAGIC))
			swap = true;
		else
			return fail(f, -EINVAL, off + 8, PCAPNG_BT_SHB,
				    "bad byte-order magic 0x%08x", bom);
	}
	cur_init(&c, hdr, have, swap);
	cur_u32(&c, &type);
	cur_u32(&c, &len);

	if (len < 12)
		return fail(f, -EINVAL, off, type, "block total length %u is less than 12", len);
	if (len % 4)
		return fail(f, -EINVAL, off, type,
			    "block total length %u is not a multiple of 4", len);
	if (type == PCAPNG_BT_SHB && len < SHB_MIN_LEN)
		return fail(f, -EINVAL, off, type,
			    "SHB total length %u is less than %u", len, SHB_MIN_LEN);
	if (len > f->max_block)
		return fail(f, -EINVAL, off, type,
			    "block total length %u exceeds the maximum of %u", len,
			    f->max_block);
	err = grow_blk(f, len, off, type);
	if (err)
		return err;
	memcpy(f->blk, hdr, have);
	n = in_read(f, f->blk + have, len - have);
	if (n < 0)
		return (int)n;
	if ((size_t)n < len - have)
		return fail(f, -EINVAL, off, type,
			    "truncated %s block (file ends %zu of %u bytes into it)",
			    capfile_block_name(type), have + (size_t)n, len);

	cur_init(&c, f->blk, len, swap);
	if (!cur_skip(&c, 8) || !cur_sub(&c, len - 12, &body) || !cur_u32(&c, &trailer) ||
	    trailer != len)
		return fail(f, -EINVAL, off, type,
			    "block trailer length %u does not match the header's %u",
			    trailer, len);

	if (type == PCAPNG_BT_SHB)
		start_section(f, swap);

	memset(rec, 0, sizeof(*rec));
	rec->block_type = type;
	rec->offset = off;
	rec->section = f->section;
	rec->swapped = swap;

	switch (type) {
	case PCAPNG_BT_SHB:
		rec->type = CAPFILE_REC_SHB;
		err = parse_shb(f, rec, &body);
		break;
	case PCAPNG_BT_IDB:
		rec->type = CAPFILE_REC_IDB;
		err = parse_idb(f, rec, &body);
		break;
	case PCAPNG_BT_EPB:
	case PCAPNG_BT_PB:
		rec->type = CAPFILE_REC_PACKET;
		err = parse_packet(f, rec, &body);
		break;
	case PCAPNG_BT_SPB:
		rec->type = CAPFILE_REC_PACKET;
		err = parse_spb(f, rec, &body);
		break;
	case PCAPNG_BT_ISB:
		rec->type = CAPFILE_REC_ISB;
		err = parse_isb(f, rec, &body);
		break;
	case PCAPNG_BT_NRB:
		rec->type = CAPFILE_REC_NRB;
		err = parse_nrb(f, rec, &body);
		break;
	case PCAPNG_BT_DSB:
		rec->type = CAPFILE_REC_DSB;
		err = parse_dsb(f, rec, &body);
		break;
	case PCAPNG_BT_CB_COPY:
	case PCAPNG_BT_CB_NOCOPY:
		rec->type = CAPFILE_REC_CUSTOM;
		err = parse_custom(f, rec, &body);
		break;
	case PCAPNG_BT_JEB:
		rec->type = CAPFILE_REC_JOURNAL;
		err = parse_jeb(rec, &body);
		break;
	default:
		rec->type = CAPFILE_REC_UNKNOWN;
		rest_as_body(rec, &body);
		f->stats.unknown_blocks++;
		err = 0;
		break;
	}
	if (err) {
		memset(rec, 0, sizeof(*rec));
		return err;
	}
	f->stats.blocks++;
	return 1;
}

/* ---- classic pcap ------------------------------------------------------- */

/* A pcap file magic as read in the file's own byte order. */
static bool pcap_magic_known(uint32_t magic)
{
	return magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS || magic == PCAP_MAGIC_MOD;
}

static int open_pcap(struct capfile *f)
{
	uint8_t hdr[PCAP_HDR_LEN];
	struct cursor c;
	struct capfile_iface *ifc;
	uint32_t magic, zone, sigfigs, snaplen, linktype;
	uint16_t major, minor;
	ssize_t n;

	n = in_read(f, hdr, sizeof(hdr));
	if (n < 0)
		return (int)n;
	if (n < PCAP_HDR_LEN)
		return fail(f, -EINVAL, 0, 0,
			    "truncated pcap file header (file ends %zd bytes into it)", n);
	cur_init(&c, hdr, sizeof(hdr), false);
	cur_u32(&c, &magic);
	f->swap = !pcap_magic_known(magic);
	if (f->swap)
		magic = __builtin_bswap32(magic);
	c.swap = f->swap;
	cur_u16(&c, &major);
	cur_u16(&c, &minor);
	cur_u32(&c, &zone);
	cur_u32(&c, &sigfigs);
	cur_u32(&c, &snaplen);
	cur_u32(&c, &linktype);
	if (major != 2)
		return fail(f, -EINVAL, 4, 0, "unsupported pcap version %u.%u", major, minor);
	f->pcap_modified = magic == PCAP_MAGIC_MOD;
	ifc = add_iface(f);
	if (!ifc)
		return fail(f, -ENOMEM, 0, 0, "out of memory");
	/* the upper 16 bits carry the FCS length and reserved flags */
	ifc->linktype = linktype & 0xffff;
	ifc->snaplen = snaplen;
	ifc->ts_units_per_sec = magic == PCAP_MAGIC_NS ? 1000000000U : 1000000U;
	ifc->tsresol_raw = magic == PCAP_MAGIC_NS ? 9 : 6;
	f->stats.sections = 1;
	f->stats.interfaces = 1;
	return 0;
}

static int next_pcap(struct capfile *f, struct capfile_rec *rec)
{
	uint8_t hdr[24];
	size_t hlen = f->pcap_modified ? 24 : 16;
	uint64_t off = f->off;
	uint32_t sec, frac, caplen, origlen;
	struct cursor c;
	ssize_t n;
	int err;

	n = in_read(f, hdr, hlen);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return 0;
	if ((size_t)n < hlen)
		return fail(f, -EINVAL, off, 0,
			    "truncated pcap record header (file ends %zd bytes into it)", n);
	cur_init(&c, hdr, hlen, f->swap);
	cur_u32(&c, &sec);
	cur_u32(&c, &frac);
	cur_u32(&c, &caplen);
	cur_u32(&c, &origlen);
	if (caplen > f->max_block - hlen)
		return fail(f, -EINVAL, off, 0,
			    "pcap record length %u exceeds the maximum of %zu", caplen,
			    f->max_block - hlen);
	err = grow_blk(f, caplen, off, 0);
	if (err)
		return err;
	n = in_read(f, f->blk, caplen);
	if (n < 0)
		return (int)n;
	if ((size_t)n < caplen)
		return fail(f, -EINVAL, off, 0,
			    "truncated pcap record (file ends %zu of %zu bytes into it)",
			    hlen + (size_t)n, hlen + caplen);
	memset(rec, 0, sizeof(*rec));
	rec->type = CAPFILE_REC_PACKET;
	rec->offset = off;
	rec->swapped = f->swap;
	rec->iface = f->ifaces[0];
	rec->ts_raw = (uint64_t)sec * rec->iface->ts_units_per_sec + frac;
	rec->ts_ns = ts_to_ns(rec->iface, rec->ts_raw);
	rec->data = f->blk;
	rec->caplen = caplen;
	rec->origlen = origlen;
	rec->body = f->blk;
	rec->body_len = caplen;
	f->stats.blocks++;
	f->stats.packets++;
	return 1;
}

/* ---- open / close ------------------------------------------------------- */

static int detect(struct capfile *f)
{
	struct cursor c;
	uint32_t magic;
	ssize_t n;
	int err;

	err = input_start(f->in);
	if (err)
		return fail(f, err, 0, 0, "%s", input_error(f->in));

	/* format, from the first decompressed bytes, which are then handed
	 * out again by in_read() */
	n = in_read(f, f->look, 4);
	if (n < 0)
		return (int)n;
	f->look_len = (size_t)n;
	f->look_pos = 0;
	f->off = 0;
	if (f->look_len < 4)
		return fail(f, -EINVAL, 0, 0,
			    "file of %zu bytes is too short to be a capture", f->look_len);
	cur_init(&c, f->look, 4, false);
	cur_u32(&c, &magic);
	if (magic == PCAPNG_BT_SHB) {
		f->kind = CAPFILE_PCAPNG;
		return 0;
	}
	if (pcap_magic_known(magic) || pcap_magic_known(__builtin_bswap32(magic))) {
		f->kind = CAPFILE_PCAP;
		return open_pcap(f);
	}
	return fail(f, -EINVAL, 0, 0,
		    "not a pcapng, pcap, zstd or gzip file (magic 0x%08x)", magic);
}

/* Takes ownership of in (NULL: out of memory). */
static int open_input(struct capfile **out, struct capfile_input *in,
		      const struct capfile_opts *opts)
{
	struct capfile *f;
	int err;

	*out = NULL;
	memset(&open_error, 0, sizeof(open_error));
	f = in ? calloc(1, sizeof(*f)) : NULL;
	if (!f) {
		input_free(in);
		snprintf(open_error.what, sizeof(open_error.what), "out of memory");
		return -ENOMEM;
	}
	f->in = in;
	if (opts && opts->on_raw)
		input_set_raw_hook(in, opts->on_raw, opts->raw_ctx);
	f->max_block = opts && opts->max_block ? opts->max_block : CAPFILE_DEFAULT_MAX_BLOCK;
	if (f->max_block < SHB_MIN_LEN)
		f->max_block = SHB_MIN_LEN;
	err = detect(f);
	if (err) {
		open_error = f->detail;
		capfile_close(f);
		return err;
	}
	*out = f;
	return 0;
}

static int open_fd(struct capfile **out, int fd, bool close_fd,
		   const struct capfile_opts *opts)
{
	struct capfile_input *in = input_new_fd(fd, close_fd);

	if (!in && close_fd)
		close(fd);
	return open_input(out, in, opts);
}

int capfile_open_fd(struct capfile **out, int fd, const struct capfile_opts *opts)
{
	return open_fd(out, fd, true, opts);
}

int capfile_open_path(struct capfile **out, const char *path,
		      const struct capfile_opts *opts)
{
	int fd, err;

	*out = NULL;
	if (strcmp(path, "-") == 0)
		return open_fd(out, STDIN_FILENO, false, opts);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		memset(&open_error, 0, sizeof(open_error));
		snprintf(open_error.what, sizeof(open_error.what), "cannot open %.100s: %s",
			 path, strerror(-err));
		return err;
	}
	return open_fd(out, fd, true, opts);
}

int capfile_open_mem(struct capfile **out, const void *buf, size_t len,
		     const struct capfile_opts *opts)
{
	return open_input(out, input_new_mem(buf, len), opts);
}

void capfile_close(struct capfile *f)
{
	if (!f)
		return;
	free_ifaces(f);
	free(f->ifaces);
	free(f->blk);
	input_free(f->in);
	free(f);
}

int capfile_next(struct capfile *f, struct capfile_rec *rec)
{
	int r;

	if (f->err)
		return f->err;
	if (f->kind == CAPFILE_PCAP)
		r = next_pcap(f, rec);
	else
		r = next_pcapng(f, rec);
	if (r < 0 && !f->err)
		f->err = r;
	return r;
}

const struct capfile_error *capfile_error(const struct capfile *f)
{
	return f ? &f->detail : &open_error;
}

const struct capfile_stats *capfile_stats(const struct capfile *f)
{
	return &f->stats;
}

enum capfile_kind capfile_kind(const struct capfile *f)
{
	return f->kind;
}

enum capfile_compression capfile_compression(const struct capfile *f)
{
	return input_compression(f->in);
}

const struct capfile_iface *capfile_iface(const struct capfile *f, uint32_t if_id)
{
	return if_id < f->n_ifaces ? f->ifaces[if_id] : NULL;
}

uint32_t capfile_iface_count(const struct capfile *f)
{
	return f->n_ifaces;
}

/* ---- option iteration --------------------------------------------------- */

void capfile_opt_iter_init(struct capfile_opt_iter *it, const struct capfile_rec *rec)
{
	it->p = rec->opts;
	it->left = rec->opts ? rec->opts_len : 0;
	it->swap = rec->swapped;
}

int capfile_opt_next(struct capfile_opt_iter *it, struct capfile_opt *o)
{
	struct cursor c;
	uint16_t code, len;

	cur_init(&c, it->p, it->left, it->swap);
	if (cur_left(&c) == 0)
		return 0;
	if (!cur_u16(&c, &code) || !cur_u16(&c, &len))
		goto bad;
	if (code == PCAPNG_OPT_ENDOFOPT) {
		it->left = 0;
		return 0;
	}
	o->code = code;
	o->len = len;
	if (!cur_bytes(&c, len, &o->val))
		goto bad;
	/* the last option's padding may be missing in lists we did not
	 * validate; never step past the end */
	if (!cur_skip(&c, pad4(len) - len))
		cur_skip(&c, cur_left(&c));
	it->p = cur_ptr(&c);
	it->left = cur_left(&c);
	return 1;
bad:
	it->left = 0;
	return -EINVAL;
}

static uint64_t opt_uint(const struct capfile_opt_iter *it, const struct capfile_opt *o,
			 size_t size)
{
	struct cursor c;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	cur_init(&c, o->val, o->len, it->swap);
	switch (size) {
	case 2:
		return cur_u16(&c, &v16) ? v16 : 0;
	case 4:
		return cur_u32(&c, &v32) ? v32 : 0;
	default:
		return cur_u64(&c, &v64) ? v64 : 0;
	}
}

uint16_t capfile_opt_u16(const struct capfile_opt_iter *it, const struct capfile_opt *o)
{
	return (uint16_t)opt_uint(it, o, 2);
}

uint32_t capfile_opt_u32(const struct capfile_opt_iter *it, const struct capfile_opt *o)
{
	return (uint32_t)opt_uint(it, o, 4);
}

uint64_t capfile_opt_u64(const struct capfile_opt_iter *it, const struct capfile_opt *o)
{
	return opt_uint(it, o, 8);
}

const char *capfile_block_name(uint32_t block_type)
{
	switch (block_type) {
	case PCAPNG_BT_SHB: return "SHB";
	case PCAPNG_BT_IDB: return "IDB";
	case PCAPNG_BT_PB: return "PB";
	case PCAPNG_BT_SPB: return "SPB";
	case PCAPNG_BT_NRB: return "NRB";
	case PCAPNG_BT_ISB: return "ISB";
	case PCAPNG_BT_EPB: return "EPB";
	case PCAPNG_BT_JEB: return "JEB";
	case PCAPNG_BT_DSB: return "DSB";
	case PCAPNG_BT_CB_COPY: return "custom";
	case PCAPNG_BT_CB_NOCOPY: return "custom (no copy)";
	}
	return "unknown";
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * format/: the capture-file library shared by netrec and netanalyze.
 *
 * Writes pcapng (every standard block and option, custom blocks and options,
 * systemd Journal Export Blocks) and classic pcap, optionally zstd-compressed,
 * and reads pcapng and pcap (both byte orders, any number of sections and
 * interfaces, zstd or gzip input detected by magic) as a stream in constant
 * memory.
 *
 * This library never prints and knows nothing of BPF or SQLite. Every
 * function returns 0 (or a positive count where documented) or a negative
 * errno. The reader's parse errors come with a detail (byte offset, block
 * type, what was wrong) through capfile_error().
 *
 * Byte-order note: the writer writes in host byte order unless told to
 * swap (for tests of the reader); the reader accepts either per section.
 */
#ifndef NETREC_FORMAT_PCAPNG_H
#define NETREC_FORMAT_PCAPNG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- block types (pcapng spec, draft-ietf-opsawg-pcapng) ---- */
#define PCAPNG_BT_SHB        0x0A0D0D0AU
#define PCAPNG_BT_IDB        0x00000001U
#define PCAPNG_BT_PB         0x00000002U /* obsolete Packet Block (read only) */
#define PCAPNG_BT_SPB        0x00000003U
#define PCAPNG_BT_NRB        0x00000004U
#define PCAPNG_BT_ISB        0x00000005U
#define PCAPNG_BT_EPB        0x00000006U
#define PCAPNG_BT_JEB        0x00000009U /* systemd Journal Export Block */
#define PCAPNG_BT_DSB        0x0000000AU
#define PCAPNG_BT_CB_COPY    0x00000BADU
#define PCAPNG_BT_CB_NOCOPY  0x40000BADU

#define PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4DU

/* ---- option codes ---- */
#define PCAPNG_OPT_ENDOFOPT      0
#define PCAPNG_OPT_COMMENT       1
#define PCAPNG_OPT_CUSTOM_STR    2988 /* UTF-8, copyable */
#define PCAPNG_OPT_CUSTOM_BIN    2989 /* binary, copyable */
#define PCAPNG_OPT_CUSTOM_STR_NC 19372 /* UTF-8, not copyable */
#define PCAPNG_OPT_CUSTOM_BIN_NC 19373 /* binary, not copyable */

#define PCAPNG_SHB_HARDWARE 2
#define PCAPNG_SHB_OS       3
#define PCAPNG_SHB_USERAPPL 4

#define PCAPNG_IF_NAME        2
#define PCAPNG_IF_DESCRIPTION 3
#define PCAPNG_IF_IPV4ADDR    4
#define PCAPNG_IF_IPV6ADDR    5
#define PCAPNG_IF_MACADDR     6
#define PCAPNG_IF_EUIADDR     7
#define PCAPNG_IF_SPEED       8
#define PCAPNG_IF_TSRESOL     9
#define PCAPNG_IF_TZONE       10
#define PCAPNG_IF_FILTER      11
#define PCAPNG_IF_OS          12
#define PCAPNG_IF_FCSLEN      13
#define PCAPNG_IF_TSOFFSET    14
#define PCAPNG_IF_HARDWARE    15
#define PCAPNG_IF_TXSPEED     16
#define PCAPNG_IF_RXSPEED     17

#define PCAPNG_EPB_FLAGS      2
#define PCAPNG_EPB_HASH       3
#define PCAPNG_EPB_DROPCOUNT  4
#define PCAPNG_EPB_PACKETID   5
#define PCAPNG_EPB_QUEUE      6
#define PCAPNG_EPB_VERDICT    7
#define PCAPNG_EPB_PID_TID    8

/* epb_flags bits 0-1: direction */
#define PCAPNG_EPB_DIR_UNKNOWN  0
#define PCAPNG_EPB_DIR_INBOUND  1
#define PCAPNG_EPB_DIR_OUTBOUND 2

#define PCAPNG_NS_DNSNAME     2
#define PCAPNG_NS_DNSIP4ADDR  3
#define PCAPNG_NS_DNSIP6ADDR  4

#define PCAPNG_ISB_STARTTIME    2
#define PCAPNG_ISB_ENDTIME      3
#define PCAPNG_ISB_IFRECV       4
#define PCAPNG_ISB_IFDROP       5
#define PCAPNG_ISB_FILTERACCEPT 6
#define PCAPNG_ISB_OSDROP       7
#define PCAPNG_ISB_USRDELIV     8

/* NRB record types */
#define PCAPNG_NRB_END   0
#define PCAPNG_NRB_IPV4  1
#define PCAPNG_NRB_IPV6  2

/* Linktypes used by the project (tcpdump.org link-layer header types). */
#define LINKTYPE_NULL        0
#define LINKTYPE_ETHERNET    1
#define LINKTYPE_RAW         101
#define LINKTYPE_LOOP        108
#define LINKTYPE_LINUX_SLL   113
#define LINKTYPE_IPV4        228
#define LINKTYPE_IPV6        229
#define LINKTYPE_LINUX_SLL2  276
/* ... and the others the analyzer's decoder reads (pcap-linktype(7)). */
#define LINKTYPE_IEEE802_5              6   /* Token Ring */
#define LINKTYPE_ARCNET_BSD             7
#define LINKTYPE_SLIP                   8
#define LINKTYPE_PPP                    9
#define LINKTYPE_FDDI                   10
#define LINKTYPE_PPP_HDLC               50
#define LINKTYPE_PPP_ETHER              51  /* PPPoE session, no Ethernet */
#define LINKTYPE_SYMANTEC_FIREWALL      99
#define LINKTYPE_ATM_RFC1483            100
#define LINKTYPE_SLIP_BSDOS             102
#define LINKTYPE_C_HDLC                 104
#define LINKTYPE_IEEE802_11             105
#define LINKTYPE_ATM_CLIP               106
#define LINKTYPE_FRELAY                 107
#define LINKTYPE_ENC                    109
#define LINKTYPE_NETBSD_HDLC            112
#define LINKTYPE_PFLOG                  117
#define LINKTYPE_IEEE802_11_PRISM       119
#define LINKTYPE_IP_OVER_FC             122
#define LINKTYPE_SUNATM                 123
#define LINKTYPE_IEEE802_11_RADIOTAP    127
#define LINKTYPE_ARCNET_LINUX           129
#define LINKTYPE_APPLE_IP_OVER_IEEE1394 138
#define LINKTYPE_IEEE802_11_AVS         163
#define LINKTYPE_PPP_PPPD               166
#define LINKTYPE_PPI                    192
#define LINKTYPE_PPP_WITH_DIR           204
#define LINKTYPE_C_HDLC_WITH_DIR        205
#define LINKTYPE_FRELAY_WITH_DIR        206
#define LINKTYPE_MPLS                   219
#define LINKTYPE_IPNET                  226
#define LINKTYPE_NFLOG                  239
#define LINKTYPE_NETANALYZER            240
#define LINKTYPE_NETANALYZER_TRANSPARENT 241
#define LINKTYPE_IPOIB                  242
#define LINKTYPE_PKTAP                  258
#define LINKTYPE_DSA_TAG_BRCM           281
#define LINKTYPE_DSA_TAG_BRCM_PREPEND   282
#define LINKTYPE_DSA_TAG_DSA            284
#define LINKTYPE_DSA_TAG_EDSA           285

/* Largest block the reader accepts by default (libpcap's limit). */
#define CAPFILE_DEFAULT_MAX_BLOCK (16U * 1024 * 1024)

/* What the reader keeps of interfaces' text options (if_name,
 * if_description, if_filter, if_os, if_hardware): bytes per option, and
 * in all per section and per file. A file with 65,536 interfaces of
 * 64 KiB options each would otherwise hold gigabytes in memory. */
#define CAPFILE_IFACE_TEXT_MAX     4096U
#define CAPFILE_IFACE_TEXT_SECTION (1U << 20)
#define CAPFILE_IFACE_TEXT_FILE    (16U << 20)

/* ======================================================================
 * Option lists (for writing)
 *
 * A growable buffer of encoded options, in host byte order unless the
 * writer it is used with swaps. Add options in order; the end-of-options
 * marker is appended by the writer. An allocation failure is remembered
 * and reported by the write call that uses the list (-ENOMEM), so callers
 * may chain adds without checking each one.
 * ====================================================================== */
struct pcapng_opts {
	uint8_t *buf;
	size_t len;
	size_t cap;
	int err;
};

void pcapng_opts_init(struct pcapng_opts *o);
void pcapng_opts_reset(struct pcapng_opts *o); /* len = 0, keep buffer */
void pcapng_opts_free(struct pcapng_opts *o);
/* Raw value, len up to 65535; value is copied as given (no swapping). */
int pcapng_opts_add(struct pcapng_opts *o, uint16_t code, const void *val, size_t len);
int pcapng_opts_add_str(struct pcapng_opts *o, uint16_t code, const char *s);
/* Numeric values are encoded in the byte order of the writer they are
 * written with; these record them in host order and are swapped by a
 * swapping writer (see pcapng_writer_opts.swap). */
int pcapng_opts_add_u8(struct pcapng_opts *o, uint16_t code, uint8_t v);
int pcapng_opts_add_u32(struct pcapng_opts *o, uint16_t code, uint32_t v);
int pcapng_opts_add_u64(struct pcapng_opts *o, uint16_t code, uint64_t v);
int pcapng_opts_add_i64(struct pcapng_opts *o, uint16_t code, int64_t v);
/* epb_processid_threadid: two u32 */
int pcapng_opts_add_pid_tid(struct pcapng_opts *o, uint32_t pid, uint32_t tid);
/* isb_starttime / isb_endtime and similar: a 64-bit timestamp stored as
 * high u32 then low u32, in the interface's resolution. */
int pcapng_opts_add_ts(struct pcapng_opts *o, uint16_t code, uint64_t ts);
/* epb_hash / epb_verdict: one type byte then the data. */
int pcapng_opts_add_typed(struct pcapng_opts *o, uint16_t code, uint8_t type,
			  const void *data, size_t len);
/* Custom option (2988/2989/19372/19373): PEN (u32) then data. */
int pcapng_opts_add_custom(struct pcapng_opts *o, uint16_t code, uint32_t pen,
			   const void *data, size_t len);

/* ======================================================================
 * Writer
 * ====================================================================== */
enum pcapng_writer_flags {
	/* Hand every complete block to the kernel (write(2)) before the call
	 * that wrote it returns, so that a writer killed with SIGKILL leaves a
	 * file readable up to its last complete block. With compression, the
	 * compressor is flushed (ZSTD_e_flush) after every block: the file is
	 * one zstd frame whose every prefix up to a flush decodes. */
	PCAPNG_W_BLOCK_FLUSH = 1 << 0,
	/* Write the other byte order than the host's (for reader tests). */
	PCAPNG_W_SWAP = 1 << 1,
	/* Close the fd in pcapng_writer_close(). */
	PCAPNG_W_CLOSE_FD = 1 << 2,
};

struct pcapng_writer_opts {
	unsigned flags;        /* enum pcapng_writer_flags */
	int zstd_level;        /* 0: no compression; 1..22: zstd level */
	size_t buffer_size;    /* 0: default (256 KiB) */
};

struct pcapng_writer;

int pcapng_writer_open(struct pcapng_writer **out, int fd,
		       const struct pcapng_writer_opts *opts);
/* Flushes buffered data (and ends the file's zstd frame) and frees the writer.
 * Returns the first error seen by the writer, if any. Accepts NULL. */
int pcapng_writer_close(struct pcapng_writer *w);
/* Hand everything buffered to the kernel; with zstd, flush the compressor
 * (ZSTD_e_flush: a block boundary inside the file's one frame) so that what
 * is on disk decodes. The frame ends at pcapng_writer_close(). */
int pcapng_writer_flush(struct pcapng_writer *w);
/* Bytes handed to the kernel so far (compressed bytes with zstd) and
 * uncompressed bytes of pcapng produced; for rotation by size. */
uint64_t pcapng_writer_bytes_out(const struct pcapng_writer *w);
/* The bytes that end the writer's zstd frame where a flush left it: an
 * empty last block (raw, size 0; the frames carry no content checksum). A
 * .zst file cut back to pcapng_writer_bytes_out() as of a flush and given
 * these bytes is a whole file again. */
#define PCAPNG_ZSTD_FRAME_END "\x01\x00\x00"
#define PCAPNG_ZSTD_FRAME_END_LEN 3
uint64_t pcapng_writer_bytes_in(const struct pcapng_writer *w);

/* Each write call appends one complete block, or nothing on error.
 * opts may be NULL. After a write error (e.g. -ENOSPC) the writer stays
 * in error: later calls return the same error and write nothing. */
int pcapng_write_shb(struct pcapng_writer *w, const struct pcapng_opts *opts);
/* Interface ids are numbered per section from 0 in the order written;
 * *if_id (may be NULL) receives it. */
int pcapng_write_idb(struct pcapng_writer *w, uint16_t linktype, uint32_t snaplen,
		     const struct pcapng_opts *opts, uint32_t *if_id);
/* ts is in the interface's units (if_tsresol), as the spec stores it. */
int pcapng_write_epb(struct pcapng_writer *w, uint32_t if_id, uint64_t ts,
		     const void *data, uint32_t caplen, uint32_t origlen,
		     const struct pcapng_opts *opts);
int pcapng_write_spb(struct pcapng_writer *w, const void *data, uint32_t caplen,
		     uint32_t origlen);
int pcapng_write_isb(struct pcapng_writer *w, uint32_t if_id, uint64_t ts,
		     const struct pcapng_opts *opts);

struct pcapng_nrb_record {
	uint16_t type;         /* PCAPNG_NRB_IPV4 / _IPV6 */
	const void *addr;      /* 4 or 16 bytes */
	const char *const *names; /* NULL-terminated list, at least one */
};
int pcapng_write_nrb(struct pcapng_writer *w, const struct pcapng_nrb_record *recs,
		     size_t nrecs, const struct pcapng_opts *opts);
int pcapng_write_dsb(struct pcapng_writer *w, uint32_t secrets_type,
		     const void *data, uint32_t len, const struct pcapng_opts *opts);
/* copyable: 0x00000BAD, else 0x40000BAD. */
int pcapng_write_custom(struct pcapng_writer *w, bool copyable, uint32_t pen,
			const void *data, size_t len, const struct pcapng_opts *opts);
/* One journal export entry: "FIELD=value\n" lines (binary fields in the
 * export format's length-prefixed form are allowed). A trailing empty
 * line is not required. */
int pcapng_write_jeb(struct pcapng_writer *w, const void *entry, size_t len);
/* Any block type, body given as is (options included, unpadded length);
 * the writer adds header, padding and trailer. */
int pcapng_write_block(struct pcapng_writer *w, uint32_t type, const void *body,
		       size_t len);

/* ---- blocks built in place, in the writer's own buffer ----
 *
 * For writers that produce many small blocks (a recorder): the writer
 * reserves a whole block in its output buffer and the caller fills in the
 * packet bytes (or journal entry) and the options there, with no staging
 * copy. Nothing is written until the commit; a block begun and not
 * committed is dropped by the next begin. Options are laid out by the
 * caller with pcapng_opt_put() in host order; a swapping writer swaps
 * them at commit as it swaps an option list. Nothing else may be written
 * between a begin and its commit. */
struct pcapng_epb_place {
	uint8_t *data;         /* caplen bytes of packet go here */
	uint8_t *opts;         /* opts_len bytes of options go here */
};
/* opts_len: the options' encoded size (a multiple of 4, without the
 * end-of-options marker, which the writer adds when opts_len > 0). */
int pcapng_epb_begin(struct pcapng_writer *w, uint32_t if_id, uint64_t ts,
		     uint32_t caplen, uint32_t origlen, size_t opts_len,
		     struct pcapng_epb_place *pl);
/* A journal export entry of at most max_len bytes written at *entry, then
 * committed with its actual length. */
int pcapng_jeb_begin(struct pcapng_writer *w, size_t max_len, uint8_t **entry);
int pcapng_jeb_commit(struct pcapng_writer *w, size_t len);
/* Commits the block begun by pcapng_epb_begin(). */
int pcapng_epb_commit(struct pcapng_writer *w);

/* The encoded size of an option with a value of vlen bytes, and the
 * encoding of one at p (code, length, value, zero padding; host order);
 * returns the byte after it. */
static inline size_t pcapng_opt_size(size_t vlen)
{
	return 4 + (vlen + 3) / 4 * 4;
}

static inline uint8_t *pcapng_opt_put(uint8_t *p, uint16_t code, const void *val,
				      size_t vlen)
{
	uint16_t len = (uint16_t)vlen;
	size_t pad = (4 - (vlen & 3)) & 3;

	__builtin_memcpy(p, &code, 2);
	__builtin_memcpy(p + 2, &len, 2);
	__builtin_memcpy(p + 4, val, vlen);
	__builtin_memset(p + 4 + vlen, 0, pad);
	return p + 4 + vlen + pad;
}

/* ---- classic pcap writer (tests, and peers that want pcap) ---- */
struct pcap_writer;
/* nsec: nanosecond magic (0xa1b23c4d) instead of microsecond. */
int pcap_writer_open(struct pcap_writer **out, int fd, uint32_t linktype,
		     uint32_t snaplen, bool nsec, unsigned flags /* PCAPNG_W_* */);
int pcap_write_packet(struct pcap_writer *w, uint64_t ts_ns, const void *data,
		      uint32_t caplen, uint32_t origlen);
int pcap_writer_close(struct pcap_writer *w);

/* ======================================================================
 * Reader
 * ====================================================================== */
enum capfile_kind {
	CAPFILE_PCAPNG = 1,
	CAPFILE_PCAP = 2,
};

enum capfile_compression {
	CAPFILE_UNCOMPRESSED = 0,
	CAPFILE_ZSTD = 1,
	CAPFILE_GZIP = 2,
};

enum capfile_rec_type {
	CAPFILE_REC_SHB = 1,
	CAPFILE_REC_IDB,
	CAPFILE_REC_PACKET,   /* EPB, SPB, obsolete PB, or a pcap record */
	CAPFILE_REC_ISB,
	CAPFILE_REC_NRB,
	CAPFILE_REC_DSB,
	CAPFILE_REC_CUSTOM,   /* 0x0BAD / 0x40000BAD */
	CAPFILE_REC_JOURNAL,  /* JEB */
	CAPFILE_REC_UNKNOWN,  /* any other block type: returned for counting;
				 its body is available but not interpreted */
};

struct capfile_iface {
	uint32_t linktype;
	uint32_t snaplen;
	/* Units per second of this interface's timestamps (10^6 default),
	 * from if_tsresol, decimal or binary; an IDB with a resolution finer
	 * than 10^-19 or 2^-63 s is refused as malformed (-EINVAL). */
	uint64_t ts_units_per_sec;
	uint8_t tsresol_raw;       /* the if_tsresol byte (6 if absent) */
	int64_t tsoffset_sec;      /* if_tsoffset, seconds */
	/* Copied out of the IDB; NULL when absent. Each keeps at most
	 * CAPFILE_IFACE_TEXT_MAX bytes of its option (cut at a UTF-8
	 * character boundary), and none is kept once the section's
	 * interfaces hold CAPFILE_IFACE_TEXT_SECTION bytes, or the file's
	 * CAPFILE_IFACE_TEXT_FILE (see capfile_stats: iface_text_*). The
	 * whole option stays readable through the IDB record's options. */
	char *name;
	char *description;
	char *filter;              /* if_filter string, without its type byte */
	char *os;
	char *hardware;
	uint32_t section;          /* index of the section it belongs to */
};

struct capfile_opt {
	uint16_t code;
	uint16_t len;
	const uint8_t *val;
};

struct capfile_opt_iter {
	const uint8_t *p;
	size_t left;
	bool swap;
};

struct capfile_rec {
	enum capfile_rec_type type;
	uint32_t block_type;       /* pcapng block type; 0 for pcap records */
	uint64_t offset;           /* byte offset of the block / record in the
				      (decompressed) stream */
	uint32_t section;          /* 0-based section index */
	bool swapped;              /* section is in the non-host byte order */

	/* The block body after its fixed fields (for JOURNAL: the entry;
	 * CUSTOM: the data after the PEN; UNKNOWN/DSB/NRB: the whole body)
	 * and its options, both valid until the next capfile_next(). */
	const uint8_t *body;
	size_t body_len;
	const uint8_t *opts;
	size_t opts_len;

	/* ---- PACKET ---- */
	uint32_t if_id;
	const struct capfile_iface *iface; /* never NULL: an SPB uses interface 0,
					      and a packet whose IDB is missing
					      is an error */
	int64_t ts_ns;             /* nanoseconds since the epoch, tsoffset applied,
				      saturated at the int64 range; 0 for SPB
				      (no timestamp) */
	uint64_t ts_raw;           /* as stored, in interface units */
	const uint8_t *data;
	uint32_t caplen;
	uint32_t origlen;
	/* decoded standard EPB options (has_* tells presence) */
	bool has_flags, has_pid, has_dropcount, has_packetid, has_queue;
	uint32_t flags;            /* epb_flags */
	uint32_t pid, tid;         /* epb_processid_threadid */
	uint64_t dropcount;        /* epb_dropcount, or the obsolete PB's drops
				      count unless it is 0xffff (unknown) */
	uint64_t packetid;
	uint32_t queue;
	const char *comment;       /* first opt_comment, NOT NUL-terminated: */
	uint16_t comment_len;      /* length of comment */

	/* ---- CUSTOM ---- */
	uint32_t pen;
	bool copyable;

	/* ---- DSB ---- */
	uint32_t secrets_type;

	/* ---- ISB ---- */
	/* if_id and ts_ns as for packets */
};

struct capfile_error {
	uint64_t offset;        /* byte offset in the decompressed stream */
	uint32_t block_type;    /* block being read (0 if none / pcap) */
	char what[160];         /* what was wrong, a short English phrase */
};

struct capfile_opts {
	uint32_t max_block;     /* 0: CAPFILE_DEFAULT_MAX_BLOCK */
	/* Called with the input's raw bytes as they are read (still
	 * compressed, if the file is), each byte once and in order: for a hash
	 * of the file's content or a progress figure. NULL: not called. */
	void (*on_raw)(void *ctx, const uint8_t *buf, size_t len);
	void *raw_ctx;
};

struct capfile_stats {
	uint64_t blocks;           /* blocks / records read */
	uint64_t packets;
	uint64_t unknown_blocks;   /* block types the reader does not know */
	uint64_t unknown_options;  /* option codes it does not know (skipped) */
	uint32_t sections;
	uint32_t interfaces;       /* in all sections */
	/* interface text options kept only in part (longer than
	 * CAPFILE_IFACE_TEXT_MAX) and not kept at all (the section's or the
	 * file's budget was spent), and the offset of the first such option */
	uint64_t iface_text_cut;
	uint64_t iface_text_dropped;
	uint64_t iface_text_first_offset;
};

struct capfile;

/* Opens a capture by fd; the reader takes ownership of fd. Detects pcapng,
 * pcap and zstd/gzip compression from the first bytes. -EINVAL (with detail)
 * if the file is none of them. */
int capfile_open_fd(struct capfile **out, int fd, const struct capfile_opts *opts);
/* path "-" reads standard input. */
int capfile_open_path(struct capfile **out, const char *path,
		      const struct capfile_opts *opts);
/* Reads from memory (fuzzing, tests); the buffer must outlive the reader. */
int capfile_open_mem(struct capfile **out, const void *buf, size_t len,
		     const struct capfile_opts *opts);
void capfile_close(struct capfile *f); /* accepts NULL */

/* Next record: returns 1 with *rec filled, 0 at a clean end of file, or a
 * negative errno (-EINVAL malformed, -EIO read error, -ENOMEM, ...) with the
 * detail in capfile_error(). After an error, further calls return the same
 * error. Everything returned before the error stays valid input. A file
 * that ends inside a block is an error (-EINVAL, "truncated ..."). */
int capfile_next(struct capfile *f, struct capfile_rec *rec);

/* Detail of the last error; capfile_error(NULL) gives the detail of the
 * calling thread's last failed capfile_open_*(). */
const struct capfile_error *capfile_error(const struct capfile *f);
const struct capfile_stats *capfile_stats(const struct capfile *f);
enum capfile_kind capfile_kind(const struct capfile *f);
enum capfile_compression capfile_compression(const struct capfile *f);
/* Interface by (current section's) id; NULL if out of range. */
const struct capfile_iface *capfile_iface(const struct capfile *f, uint32_t if_id);
/* Number of interfaces in the current section. */
uint32_t capfile_iface_count(const struct capfile *f);

/* Option iteration over rec->opts in the record's byte order:
 *   struct capfile_opt_iter it; struct capfile_opt o;
 *   capfile_opt_iter_init(&it, rec);
 *   while ((err = capfile_opt_next(&it, &o)) > 0) ...
 * Returns 1 per option, 0 at the end (end-of-options or end of list), or
 * -EINVAL when an option overruns the list (never happens for records the
 * reader returned: it validated them). */
void capfile_opt_iter_init(struct capfile_opt_iter *it, const struct capfile_rec *rec);
int capfile_opt_next(struct capfile_opt_iter *it, struct capfile_opt *o);
/* Numeric option values in the record's byte order; 0 if len is short. */
uint16_t capfile_opt_u16(const struct capfile_opt_iter *it, const struct capfile_opt *o);
uint32_t capfile_opt_u32(const struct capfile_opt_iter *it, const struct capfile_opt *o);
uint64_t capfile_opt_u64(const struct capfile_opt_iter *it, const struct capfile_opt *o);

/* Human name of a block type ("EPB", "SHB", "custom", ...). */
const char *capfile_block_name(uint32_t block_type);

#ifdef __cplusplus
}
#endif
#endif

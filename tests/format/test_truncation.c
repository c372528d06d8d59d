// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reader robustness: every prefix of a set of captures (the public generator
 * files, and pcapng/pcap files built here byte by byte from the specs, plain,
 * gzip and zstd) must end either cleanly at a block boundary or with a clean
 * -EINVAL, after returning exactly the complete blocks of the prefix. The
 * block boundaries are computed here from the block lengths, and for the
 * compressed files the decodable part of each prefix is found with zlib and
 * libzstd directly, so nothing expected comes from the reader itself. Then a
 * set of deliberately corrupted files, each with the offset, message and
 * number of good records the spec implies.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "test.h"
#include "pcapng.h"

TEST_MAIN_STATE;

#include "bytebuild.h"

/* ---- sample files ---- */

struct sample {
	char name[64];
	uint8_t *data;       /* as given to the reader */
	size_t len;
	uint8_t *plain;      /* decompressed content */
	size_t plain_len;
	enum capfile_compression comp;
	bool pcap;
};

static struct sample samples[64];
static int nsamples;

static struct sample *add_sample(const char *name, const void *p, size_t len, bool pcap)
{
	struct sample *s;

	if (nsamples >= (int)(sizeof(samples) / sizeof(samples[0])))
		return NULL;
	s = &samples[nsamples++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->data = malloc(len ? len : 1);
	memcpy(s->data, p, len);
	s->len = len;
	s->plain = s->data;
	s->plain_len = len;
	s->pcap = pcap;
	return s;
}

static uint32_t rd32(const uint8_t *p, bool be)
{
	return be ? (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]
		  : (uint32_t)p[3] << 24 | p[2] << 16 | p[1] << 8 | p[0];
}

/* Offsets where blocks (pcapng) or records (pcap) end, computed from the
 * lengths in the file: ends[i] is the end of the i-th record returned.
 * For pcap the header is not a record: its end is returned in *start. */
static int boundaries(const uint8_t *d, size_t len, bool pcap, size_t *ends, int max,
		      size_t *start)
{
	size_t o = 0, rec_hdr = 16;
	int n = 0;
	bool be = false;

	if (pcap) {
		be = rd32(d, true) == 0xa1b2c3d4 || rd32(d, true) == 0xa1b23c4d ||
		     rd32(d, true) == 0xa1b2cd34;
		/* modified pcap: 8 more bytes per record header */
		if (rd32(d, be) == 0xa1b2cd34)
			rec_hdr = 24;
		o = 24;
	}
	*start = o;
	while (o < len && n < max) {
		if (pcap) {
			o += rec_hdr + rd32(d + o + 8, be);
		} else {
			if (rd32(d + o, false) == PCAPNG_BT_SHB)
				be = rd32(d + o + 8, true) == 0x1A2B3C4D;
			o += rd32(d + o + 4, be);
		}
		ends[n++] = o;
	}
	return n;
}

/* How much of a compressed prefix decodes, with the libraries directly;
 * *clean: the prefix ends exactly at the end of a frame/member. */
static size_t decode_prefix(const struct sample *s, size_t plen, uint8_t *out, bool *clean)
{
	size_t got = 0;

	*clean = false;
	if (s->comp == CAPFILE_ZSTD) {
		ZSTD_DStream *zd = ZSTD_createDStream();
		ZSTD_inBuffer in = { s->data, plen, 0 };
		ZSTD_outBuffer ob = { out, s->plain_len, 0 };
		size_t r = 1;

		ZSTD_initDStream(zd);
		while (in.pos < in.size) {
			size_t before = in.pos + ob.pos;

			r = ZSTD_decompressStream(zd, &ob, &in);
			if (ZSTD_isError(r) || in.pos + ob.pos == before)
				break;
		}
		/* flush what is decodable without more input */
		while (!ZSTD_isError(r) && r != 0) {
			size_t before = ob.pos;

			r = ZSTD_decompressStream(zd, &ob, &in);
			if (ob.pos == before)
				break;
		}
		*clean = plen > 0 && r == 0;
		got = ob.pos;
		ZSTD_freeDStream(zd);
	} else {
		z_stream z;
		int r = Z_OK;

		memset(&z, 0, sizeof(z));
		inflateInit2(&z, 16 + MAX_WBITS);
		z.next_in = s->data;
		z.avail_in = (uInt)plen;
		z.next_out = out;
		z.avail_out = (uInt)s->plain_len;
		while (z.avail_in > 0) {
			r = inflate(&z, Z_NO_FLUSH);
			if (r == Z_STREAM_END && z.avail_in > 0) {
				inflateReset(&z);
				continue;
			}
			if (r != Z_OK)
				break;
		}
		*clean = plen > 0 && r == Z_STREAM_END && z.avail_in == 0;
		got = s->plain_len - z.avail_out;
		inflateEnd(&z);
	}
	return got;
}

static uint8_t *zstd_frames(const uint8_t *p, size_t len, size_t split, size_t *out_len)
{
	size_t cap = 2 * ZSTD_compressBound(len) + 16, a, b;
	uint8_t *out = malloc(cap);

	a = ZSTD_compress(out, cap, p, split, 3);
	b = ZSTD_compress(out + a, cap - a, p + split, len - split, 19);
	if (ZSTD_isError(a) || ZSTD_isError(b)) {
		free(out);
		return NULL;
	}
	*out_len = a + b;
	return out;
}

static size_t gzip_member(const uint8_t *p, size_t len, uint8_t *out, size_t cap)
{
	z_stream z;
	size_t n;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		return 0;
	}
	n = cap - z.avail_out;
	deflateEnd(&z);
	return n;
}

/* Adds zstd (two frames, split at a block boundary) and gzip (two
 * members) versions of a plain sample. */
static void add_compressed(const struct sample *plain)
{
	size_t ends[256], start, split, zlen, cap, a, b;
	int n = boundaries(plain->data, plain->len, plain->pcap, ends, 256, &start);
	uint8_t *z, *g;
	struct sample *s;
	char name[96];

	split = n > 1 ? ends[n / 2 - 1] : plain->len;
	z = zstd_frames(plain->data, plain->len, split, &zlen);
	if (z) {
		snprintf(name, sizeof(name), "%.50s.zst", plain->name);
		s = add_sample(name, z, zlen, plain->pcap);
		if (s) {
			s->plain = plain->data;
			s->plain_len = plain->len;
			s->comp = CAPFILE_ZSTD;
		}
		free(z);
	}
	cap = 2 * plain->len + 256;
	g = malloc(cap);
	a = gzip_member(plain->data, split, g, cap);
	b = gzip_member(plain->data + split, plain->len - split, g + a, cap - a);
	if (a && b) {
		snprintf(name, sizeof(name), "%.50s.gz", plain->name);
		s = add_sample(name, g, a + b, plain->pcap);
		if (s) {
			s->plain = plain->data;
			s->plain_len = plain->len;
			s->comp = CAPFILE_GZIP;
		}
	}
	free(g);
}

static void build_pcapng(struct bb *b, bool be)
{
	static const uint8_t pkt[61] = { 0x45, 0, 0, 61 };
	size_t s;

	memset(b, 0, sizeof(*b));
	bb_shb(b, be);
	bb_idb(b, LINKTYPE_ETHERNET, 0, 9, false, 0, "eth0");
	bb_epb(b, 0, 1, pkt, 61, 61);
	s = bb_begin(b, PCAPNG_BT_SPB);
	bb_u32(b, 5);
	bb_bytes(b, pkt, 5);
	bb_end(b, s);
	s = bb_begin(b, PCAPNG_BT_ISB);
	bb_u32(b, 0);
	bb_u64(b, 7);
	bb_opt_u64(b, PCAPNG_ISB_IFDROP, 3);
	bb_opt_end(b);
	bb_end(b, s);
	s = bb_begin(b, PCAPNG_BT_JEB);
	bb_bytes(b, "MESSAGE=x\n", 10);
	bb_end(b, s);
	s = bb_begin(b, 0x00000BAD);
	bb_u32(b, 32473);
	bb_end(b, s);
	bb_shb(b, !be);
	bb_idb(b, LINKTYPE_RAW, 128, -1, false, 0, NULL);
	bb_epb(b, 0, 2, pkt, 0, 0);
	bb_epb(b, 0, 3, pkt, 3, 3);
}

static void build_pcap(struct bb *b, bool be, uint32_t magic)
{
	memset(b, 0, sizeof(*b));
	b->be = be;
	bb_u32(b, magic);
	bb_u16(b, 2);
	bb_u16(b, 4);
	bb_u32(b, 0);
	bb_u32(b, 0);
	bb_u32(b, 65535);
	bb_u32(b, LINKTYPE_ETHERNET);
	for (uint32_t i = 0; i < 4; i++) {
		bb_u32(b, 1700000000 + i);
		bb_u32(b, i);
		bb_u32(b, i * 7);
		bb_u32(b, i * 7);
		if (magic == 0xa1b2cd34) {
			/* modified pcap: ifindex, protocol, pkt_type, pad */
			bb_u32(b, 1);
			bb_u16(b, 0x0800);
			bb_u8(b, 0);
			bb_u8(b, 0);
		}
		for (uint32_t k = 0; k < i * 7; k++)
			bb_u8(b, (uint8_t)k);
	}
}

static void load_samples(void)
{
	static const char *const gen[] = {
		"basic/test001.pcapng", "basic/test009.pcapng", "basic/test017.pcapng",
		"advanced/test102.pcapng", "difficult/test202.pcapng",
	};
	static struct bb b;
	const char *shared = test_shared_dir();
	struct sample *s;

	for (size_t i = 0; shared && i < sizeof(gen) / sizeof(gen[0]); i++) {
		char path[4096];
		FILE *fp;
		uint8_t buf[16384];
		size_t n;

		snprintf(path, sizeof(path), "%.3000s/testdata/pcapng-test-generator/output_le/%s",
			 shared, gen[i]);
		fp = fopen(path, "rb");
		if (!fp)
			continue;
		n = fread(buf, 1, sizeof(buf), fp);
		fclose(fp);
		s = add_sample(gen[i], buf, n, false);
		if (s && i == 4)
			add_compressed(s);
	}
	build_pcapng(&b, false);
	s = add_sample("built-le.pcapng", b.buf, b.len, false);
	add_compressed(s);
	build_pcapng(&b, true);
	add_sample("built-be.pcapng", b.buf, b.len, false);
	build_pcap(&b, false, 0xa1b2c3d4);
	s = add_sample("le-us.pcap", b.buf, b.len, true);
	add_compressed(s);
	build_pcap(&b, true, 0xa1b2c3d4);
	add_sample("be-us.pcap", b.buf, b.len, true);
	build_pcap(&b, false, 0xa1b23c4d);
	add_sample("le-ns.pcap", b.buf, b.len, true);
	build_pcap(&b, true, 0xa1b23c4d);
	add_sample("be-ns.pcap", b.buf, b.len, true);
	build_pcap(&b, false, 0xa1b2cd34);
	add_sample("le-modified.pcap", b.buf, b.len, true);
}

/* ---- every prefix ---- */

static void check_prefix(const struct sample *s, size_t plen, uint8_t *scratch)
{
	size_t ends[256], start, dlen = plen;
	int nends, complete = 0, got = 0, err, err2;
	bool at_boundary, clean_stream = true;
	struct capfile *f;
	struct capfile_rec r;
	char what[160];

	if (s->comp != CAPFILE_UNCOMPRESSED)
		dlen = decode_prefix(s, plen, scratch, &clean_stream);
	else
		clean_stream = plen > 0;
	nends = boundaries(s->plain, s->plain_len, s->pcap, ends, 256, &start);
	at_boundary = dlen == start && s->pcap;
	for (int i = 0; i < nends; i++) {
		if (ends[i] <= dlen)
			complete = i + 1;
		if (ends[i] == dlen)
			at_boundary = true;
	}
	if (dlen == 0)
		at_boundary = false;
	snprintf(what, sizeof(what), "%s prefix %zu", s->name, plen);

	err = capfile_open_mem(&f, s->data, plen, NULL);
	if (err) {
		/* only a prefix too short for the pcap header / the magic */
		ASSERT_EQ(err, -EINVAL, what);
		ASSERT_EQ(complete, 0, what);
		ASSERT_TRUE(dlen < 24, what);
		ASSERT_TRUE(capfile_error(NULL)->what[0] != '\0', what);
		return;
	}
	while ((err = capfile_next(f, &r)) > 0) {
		if (got < nends)
			ASSERT_EQ_U64(r.offset, got ? ends[got - 1] : start, what);
		got++;
	}
	ASSERT_EQ(got, complete, what);
	if (at_boundary && clean_stream) {
		ASSERT_EQ(err, 0, what);
	} else {
		ASSERT_EQ(err, -EINVAL, what);
		ASSERT_TRUE(capfile_error(f)->what[0] != '\0', what);
		if (s->comp == CAPFILE_UNCOMPRESSED)
			ASSERT_EQ_U64(capfile_error(f)->offset, got ? ends[got - 1] : start,
				      what);
		err2 = capfile_next(f, &r);
		ASSERT_EQ(err2, err, what);
	}
	capfile_close(f);
}

static void test_every_prefix(void)
{
	int failed_before;

	if (!ASSERT_GE(nsamples, 10, "samples"))
		return;
	for (int i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		uint8_t *scratch = malloc(s->plain_len + 1);

		failed_before = test_state.cur_failed;
		test_state.cur_failed = 0;
		for (size_t plen = 0; plen <= s->len && !test_state.cur_failed; plen++)
			check_prefix(s, plen, scratch);
		if (!test_state.cur_failed)
			fprintf(stderr, "     %s: %zu prefixes\n", s->name, s->len + 1);
		test_state.cur_failed |= failed_before;
		free(scratch);
	}
	if (!test_shared_dir())
		fprintf(stderr, "     (no $NETREC_SHARED_DIR: generator files not included)\n");
}

/* The compressed samples decode to exactly their content. */
static void test_compressed_full(void)
{
	for (int i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		struct capfile *f;
		struct capfile_rec r;
		int err, n = 0;

		if (s->comp == CAPFILE_UNCOMPRESSED)
			continue;
		if (!ASSERT_OK(capfile_open_mem(&f, s->data, s->len, NULL), s->name))
			continue;
		ASSERT_EQ(capfile_compression(f), s->comp, s->name);
		ASSERT_EQ(capfile_kind(f), s->pcap ? CAPFILE_PCAP : CAPFILE_PCAPNG, s->name);
		while ((err = capfile_next(f, &r)) > 0)
			n++;
		ASSERT_EQ(err, 0, s->name);
		ASSERT_GT(n, 3, s->name);
		capfile_close(f);
	}
}

/* ---- corrupted files ---- */

struct corrupt_case {
	const char *name;
	int records;        /* good records before the error */
	uint64_t offset;
	const char *msg;    /* substring of the detail */
	uint32_t max_block; /* 0: default */
	bool open_fails;
};

static void expect_error(struct bb *b, const struct corrupt_case *c)
{
	struct capfile_opts o = { .max_block = c->max_block };
	struct capfile *f;
	struct capfile_rec r;
	const struct capfile_error *e;
	int err, n = 0;
	char what[200];

	snprintf(what, sizeof(what), "%s", c->name);
	err = capfile_open_mem(&f, b->buf, b->len, &o);
	if (c->open_fails) {
		ASSERT_EQ(err, -EINVAL, what);
		e = capfile_error(NULL);
		if (!ASSERT_TRUE(strstr(e->what, c->msg) != NULL, what))
			fprintf(stderr, "     detail: %s\n", e->what);
		if (!err)
			capfile_close(f);
		return;
	}
	if (!ASSERT_OK(err, what))
		return;
	while ((err = capfile_next(f, &r)) > 0)
		n++;
	e = capfile_error(f);
	ASSERT_EQ(err, -EINVAL, what);
	ASSERT_EQ(n, c->records, what);
	ASSERT_EQ_U64(e->offset, c->offset, what);
	if (!ASSERT_TRUE(strstr(e->what, c->msg) != NULL, what))
		fprintf(stderr, "     detail: %s (wanted \"%s\")\n", e->what, c->msg);
	ASSERT_EQ(capfile_next(f, &r), -EINVAL, what);
	capfile_close(f);
}

/* A good start: SHB (28 bytes at 0), IDB (20 bytes at 28), EPB with 4 bytes
 * of data (36 bytes at 48); the corrupt block follows at 84. */
static void good_start(struct bb *b)
{
	static const uint8_t pkt[4] = { 1, 2, 3, 4 };

	memset(b, 0, sizeof(*b));
	bb_shb(b, false);
	bb_idb(b, LINKTYPE_ETHERNET, 0, -1, false, 0, NULL);
	bb_epb(b, 0, 1, pkt, 4, 4);
}

static void test_corrupt(void)
{
	static struct bb b;
	static const uint8_t pkt[8];
	size_t s;

	good_start(&b);
	ASSERT_EQ(b.len, 84, "good start layout");

	/* block total length below the 12-byte minimum */
	good_start(&b);
	bb_u32(&b, PCAPNG_BT_EPB);
	bb_u32(&b, 8);
	bb_u32(&b, 8);
	expect_error(&b, &(struct corrupt_case){ "length 8", 3, 84, "block total length 8 is less than 12" });

	/* not a multiple of 4 */
	good_start(&b);
	bb_u32(&b, 0x00000777);
	bb_u32(&b, 13);
	bb_u32(&b, 0);
	bb_u32(&b, 13);
	expect_error(&b, &(struct corrupt_case){ "length 13", 3, 84,
		     "block total length 13 is not a multiple of 4" });

	/* trailer differs from the header */
	good_start(&b);
	s = bb_begin(&b, PCAPNG_BT_ISB);
	bb_u32(&b, 0);
	bb_u64(&b, 0);
	bb_end(&b, s);
	b.buf[b.len - 4] = 28; /* 24 -> 28 */
	expect_error(&b, &(struct corrupt_case){ "trailer", 3, 84,
		     "trailer length 28 does not match the header's 24" });

	/* an option longer than its block: IDB at 84, option header at 84 + 16 */
	good_start(&b);
	s = bb_begin(&b, PCAPNG_BT_IDB);
	bb_u32(&b, LINKTYPE_RAW);
	bb_u32(&b, 0);
	bb_u16(&b, PCAPNG_IF_NAME);
	bb_u16(&b, 200);
	bb_bytes(&b, "eth1", 4);
	bb_end(&b, s);
	expect_error(&b, &(struct corrupt_case){ "option overrun", 3, 100,
		     "option 2 length 200 overruns the IDB block" });

	/* the same in an EPB at 84, after 5 bytes of data padded to 8 and a
	 * good 2-byte comment: option header at 84 + 8 + 20 + 8 + 8 = 128 */
	good_start(&b);
	s = bb_begin(&b, PCAPNG_BT_EPB);
	bb_u32(&b, 0);
	bb_u64(&b, 0);
	bb_u32(&b, 5);
	bb_u32(&b, 5);
	bb_bytes(&b, pkt, 5);
	bb_pad(&b);
	bb_opt(&b, PCAPNG_OPT_COMMENT, "ok", 2);
	bb_u16(&b, PCAPNG_EPB_FLAGS);
	bb_u16(&b, 200);
	bb_u32(&b, 0);
	bb_end(&b, s);
	expect_error(&b, &(struct corrupt_case){ "EPB option overrun", 3, 128,
		     "option 2 length 200 overruns the EPB block" });

	/* captured length beyond the block */
	good_start(&b);
	s = bb_begin(&b, PCAPNG_BT_EPB);
	bb_u32(&b, 0);
	bb_u64(&b, 0);
	bb_u32(&b, 1000);
	bb_u32(&b, 1000);
	bb_bytes(&b, pkt, 8);
	bb_end(&b, s);
	expect_error(&b, &(struct corrupt_case){ "caplen > block", 3, 84,
		     "captured length 1000 exceeds the 8 bytes left in the EPB block" });

	/* interface id with no IDB */
	good_start(&b);
	bb_epb(&b, 5, 0, pkt, 8, 8);
	expect_error(&b, &(struct corrupt_case){ "unknown if_id", 3, 84,
		     "interface id 5 does not refer to an IDB (section has 1)" });

	/* SPB in a section without IDB: SHB, then SPB at 28 */
	memset(&b, 0, sizeof(b));
	bb_shb(&b, false);
	s = bb_begin(&b, PCAPNG_BT_SPB);
	bb_u32(&b, 4);
	bb_bytes(&b, pkt, 4);
	bb_end(&b, s);
	expect_error(&b, &(struct corrupt_case){ "SPB without IDB", 1, 28,
		     "interface id 0 does not refer to an IDB (section has 0)" });

	/* giant block length (libpcap's limit is 16 MiB) */
	good_start(&b);
	bb_u32(&b, PCAPNG_BT_EPB);
	bb_u32(&b, 0x7ffffffc);
	bb_u32(&b, 0);
	expect_error(&b, &(struct corrupt_case){ "giant block", 3, 84,
		     "block total length 2147483644 exceeds the maximum of 16777216" });
	/* and a configured maximum */
	good_start(&b);
	s = bb_begin(&b, 0x00000777);
	for (int i = 0; i < 64; i++)
		bb_u32(&b, 0);
	bb_end(&b, s);
	expect_error(&b, &(struct corrupt_case){ "max_block", 3, 84,
		     "block total length 268 exceeds the maximum of 256", 256 });

	/* not a capture at all */
	memset(&b, 0, sizeof(b));
	bb_bytes(&b, "GET / HTTP/1.1\r\n", 16);
	expect_error(&b, &(struct corrupt_case){ .name = "bad magic", .msg = "not a pcapng, pcap",
		     .open_fails = true });

	/* SHB with a bad byte-order magic */
	memset(&b, 0, sizeof(b));
	bb_shb(&b, false);
	b.buf[8] = 0x4e;
	expect_error(&b, &(struct corrupt_case){ "bad byte-order magic", 0, 8,
		     "bad byte-order magic 0x1a2b3c4e" });

	/* a second SHB, later in the file, with a bad byte-order magic */
	good_start(&b);
	bb_shb(&b, true);
	b.buf[84 + 11] = 0;
	expect_error(&b, &(struct corrupt_case){ "bad second SHB", 3, 92, "bad byte-order magic" });

	/* unsupported SHB version 2.0 */
	memset(&b, 0, sizeof(b));
	bb_shb(&b, false);
	b.buf[12] = 2;
	expect_error(&b, &(struct corrupt_case){ "bad version", 0, 0,
		     "unsupported pcapng version 2.0" });

	/* pcap with version 3.4 */
	build_pcap(&b, false, 0xa1b2c3d4);
	b.buf[4] = 3;
	expect_error(&b, &(struct corrupt_case){ .name = "bad pcap version",
		     .msg = "unsupported pcap version 3.4", .open_fails = true });

	/* pcap record larger than the maximum block */
	build_pcap(&b, false, 0xa1b2c3d4);
	b.buf[40 + 8 + 3] = 0x7f; /* incl_len of the 2nd record, at 40 */
	expect_error(&b, &(struct corrupt_case){ "pcap giant record", 1, 40,
		     "exceeds the maximum" });

	/* if_tsresol 2^-64 cannot be represented */
	good_start(&b);
	bb_idb(&b, LINKTYPE_RAW, 0, 0x80 | 64, false, 0, NULL);
	expect_error(&b, &(struct corrupt_case){ "tsresol 2^-64", 3, 84 + 16,
		     "if_tsresol 2^-64" });

	/* NRB record overrunning its block */
	good_start(&b);
	s = bb_begin(&b, PCAPNG_BT_NRB);
	bb_u16(&b, PCAPNG_NRB_IPV4);
	bb_u16(&b, 100);
	bb_u32(&b, 0);
	bb_end(&b, s);
	expect_error(&b, &(struct corrupt_case){ "NRB overrun", 3, 84 + 8,
		     "NRB record length 100 overruns" });

	/* a file ending inside a block after a few good ones */
	good_start(&b);
	bb_epb(&b, 0, 2, pkt, 8, 8);
	b.len -= 5;
	expect_error(&b, &(struct corrupt_case){ "truncated", 3, 84, "truncated EPB block" });
}

static void test_corrupt_compressed(void)
{
	static struct bb b;
	static uint8_t z[32768];
	size_t zl, i;
	struct capfile *f;
	struct capfile_rec r;
	int err, n = 0;

	/* a large enough payload that corruption lands in compressed data */
	memset(&b, 0, sizeof(b));
	bb_shb(&b, false);
	bb_idb(&b, LINKTYPE_ETHERNET, 0, -1, false, 0, NULL);
	for (i = 0; i < 100; i++) {
		uint8_t pkt[64];

		for (size_t k = 0; k < sizeof(pkt); k++)
			pkt[k] = (uint8_t)(i * 31 + k * 7);
		bb_epb(&b, 0, i, pkt, sizeof(pkt), sizeof(pkt));
	}
	zl = gzip_member(b.buf, b.len, z, sizeof(z));
	if (!ASSERT_GT(zl, 100, "gzip"))
		return;
	for (i = zl / 2; i < zl / 2 + 16; i++)
		z[i] ^= 0x55;
	if (ASSERT_OK(capfile_open_mem(&f, z, zl, NULL), "open corrupt gzip")) {
		while ((err = capfile_next(f, &r)) > 0)
			n++;
		ASSERT_EQ(err, -EINVAL, "corrupt gzip");
		ASSERT_LT(n, 102, "corrupt gzip stops early");
		ASSERT_TRUE(strstr(capfile_error(f)->what, "gzip") != NULL ||
			    strstr(capfile_error(f)->what, "block") != NULL, "gzip detail");
		capfile_close(f);
	}
	zl = ZSTD_compress(z, sizeof(z), b.buf, b.len, 1);
	if (!ASSERT_FALSE(ZSTD_isError(zl), "zstd"))
		return;
	for (i = zl / 2; i < zl / 2 + 16; i++)
		z[i] ^= 0x55;
	n = 0;
	if (ASSERT_OK(capfile_open_mem(&f, z, zl, NULL), "open corrupt zstd")) {
		while ((err = capfile_next(f, &r)) > 0)
			n++;
		ASSERT_EQ(err, -EINVAL, "corrupt zstd");
		ASSERT_LT(n, 102, "corrupt zstd stops early");
		capfile_close(f);
	}
}

int main(void)
{
	load_samples();
	RUN_TEST(test_every_prefix);
	RUN_TEST(test_compressed_full);
	RUN_TEST(test_corrupt);
	RUN_TEST(test_corrupt_compressed);
	for (int i = 0; i < nsamples; i++)
		free(samples[i].data);
	return test_exit();
}

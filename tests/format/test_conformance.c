// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reader conformance: the public pcapng-test-generator files must read in
 * full with exactly the block counts and order their .txt descriptions state;
 * the same files with every section byte-swapped must read identically; and
 * hand-built files (written here byte by byte from the pcapng and pcap specs,
 * not with our writer) check sections of mixed byte order, binary and decimal
 * if_tsresol, if_tsoffset, the obsolete Packet Block, SPB truncation to the
 * snaplen, decoded EPB options, classic pcap, and reading from a pipe.
 * Expected timestamps are computed by hand in the comments next to them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "pcapng.h"

TEST_MAIN_STATE;

#include "bytebuild.h"

/* ---- reading helpers ---- */

static const char *gen_name(uint32_t bt)
{
	/* The generator's names (its README): CB is the copyable custom
	 * block 0x00000BAD, DCB the "don't copy" one 0x40000BAD. */
	switch (bt) {
	case 0x0A0D0D0A: return "SHB";
	case 0x00000001: return "IDB";
	case 0x00000002: return "PB";
	case 0x00000003: return "SPB";
	case 0x00000004: return "NRB";
	case 0x00000005: return "ISB";
	case 0x00000006: return "EPB";
	case 0x00000009: return "JEB";
	case 0x0000000A: return "DSB";
	case 0x00000BAD: return "CB";
	case 0x40000BAD: return "DCB";
	}
	return "UNKNOWN";
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *p = NULL;
	long n;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0) {
		p = malloc((size_t)n + 1);
		if (p && fread(p, 1, (size_t)n, fp) != (size_t)n) {
			free(p);
			p = NULL;
		}
		*len = (size_t)n;
	}
	fclose(fp);
	return p;
}

/* A record reduced to what must not depend on the byte order. */
struct flat {
	uint32_t block_type;
	uint32_t section, if_id, caplen, origlen, pen;
	int64_t ts_ns;
	uint64_t sum; /* of data bytes */
	bool has_flags, has_pid;
	uint32_t flags, pid, tid;
	uint16_t comment_len;
	uint32_t linktype, snaplen;
	uint64_t units;
	int64_t tsoffset;
	unsigned nopts;
};

static int read_flat(const void *buf, size_t len, struct flat *out, size_t max, size_t *n)
{
	struct capfile *f;
	struct capfile_rec r;
	int err;

	*n = 0;
	err = capfile_open_mem(&f, buf, len, NULL);
	if (err)
		return err;
	while ((err = capfile_next(f, &r)) > 0 && *n < max) {
		struct flat *x = &out[(*n)++];
		struct capfile_opt_iter it;
		struct capfile_opt o;

		memset(x, 0, sizeof(*x));
		x->block_type = r.block_type;
		x->section = r.section;
		x->if_id = r.if_id;
		x->caplen = r.caplen;
		x->origlen = r.origlen;
		x->pen = r.pen;
		x->ts_ns = r.ts_ns;
		for (uint32_t i = 0; r.data && i < r.caplen; i++)
			x->sum = x->sum * 31 + r.data[i];
		x->has_flags = r.has_flags;
		x->has_pid = r.has_pid;
		x->flags = r.flags;
		x->pid = r.pid;
		x->tid = r.tid;
		x->comment_len = r.comment_len;
		if (r.iface) {
			x->linktype = r.iface->linktype;
			x->snaplen = r.iface->snaplen;
			x->units = r.iface->ts_units_per_sec;
			x->tsoffset = r.iface->tsoffset_sec;
		}
		capfile_opt_iter_init(&it, &r);
		while (capfile_opt_next(&it, &o) > 0)
			x->nopts++;
	}
	if (err < 0)
		fprintf(stderr, "read error at %" PRIu64 ": %s\n",
			capfile_error(f)->offset, capfile_error(f)->what);
	capfile_close(f);
	return err;
}

/* ---- byte-swapping a pcapng file, section by section ---- */

static uint32_t get32(const uint8_t *p, bool be)
{
	return be ? (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]
		  : (uint32_t)p[3] << 24 | p[2] << 16 | p[1] << 8 | p[0];
}

static uint16_t get16(const uint8_t *p, bool be)
{
	return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static void rev(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		uint8_t t = p[i];

		p[i] = p[n - 1 - i];
		p[n - 1 - i] = t;
	}
}

/* Numeric option layouts from the spec: a list of field sizes to swap. */
static void swap_opt_value(uint32_t bt, uint16_t code, uint8_t *v, uint16_t len)
{
	if (code == 2988 || code == 2989 || code == 19372 || code == 19373) {
		if (len >= 4)
			rev(v, 4); /* PEN */
		return;
	}
	if (code == 1)
		return;
	switch (bt) {
	case PCAPNG_BT_IDB:
		if ((code == 8 || code == 14 || code == 16 || code == 17) && len == 8)
			rev(v, 8);
		else if (code == 10 && len == 4)
			rev(v, 4);
		break;
	case PCAPNG_BT_EPB:
	case PCAPNG_BT_PB:
		if ((code == 2 || code == 6) && len == 4)
			rev(v, 4);
		else if ((code == 4 || code == 5) && len == 8)
			rev(v, 8);
		else if (code == 8 && len == 8) {
			rev(v, 4);
			rev(v + 4, 4);
		}
		break;
	case PCAPNG_BT_ISB:
		if ((code == 2 || code == 3) && len == 8) {
			rev(v, 4);
			rev(v + 4, 4);
		} else if (code >= 4 && code <= 8 && len == 8) {
			rev(v, 8);
		}
		break;
	}
}

/* Swaps an option list in place; be: its current order. */
static void swap_opts(uint32_t bt, uint8_t *p, size_t len, bool be)
{
	size_t i = 0;

	while (i + 4 <= len) {
		uint16_t code = get16(p + i, be), olen = get16(p + i + 2, be);

		rev(p + i, 2);
		rev(p + i + 2, 2);
		if (code == 0 || i + 4 + olen > len)
			break;
		swap_opt_value(bt, code, p + i + 4, olen);
		i += 4 + ((olen + 3u) & ~3u);
	}
}

/* Rewrites every section of a pcapng file in the other byte order. Only
 * for well-formed input with the block types the generator uses. */
static bool swap_file(uint8_t *d, size_t len)
{
	size_t o = 0;
	bool be = false;

	while (o + 12 <= len) {
		uint32_t bt, bl;
		uint8_t *b = d + o;

		if (get32(b, false) == PCAPNG_BT_SHB)
			be = get32(b + 8, true) == 0x1A2B3C4D;
		bt = get32(b, be);
		bl = get32(b + 4, be);
		if (bl < 12 || o + bl > len)
			return false;
		rev(b, 4);
		rev(b + 4, 4);
		rev(b + bl - 4, 4);
		switch (bt) {
		case PCAPNG_BT_SHB:
			rev(b + 8, 4);
			rev(b + 12, 2);
			rev(b + 14, 2);
			rev(b + 16, 8);
			swap_opts(bt, b + 24, bl - 28, be);
			break;
		case PCAPNG_BT_IDB:
			rev(b + 8, 2);
			rev(b + 10, 2);
			rev(b + 12, 4);
			swap_opts(bt, b + 16, bl - 20, be);
			break;
		case PCAPNG_BT_EPB: {
			uint32_t cap = get32(b + 20, be), pc = (cap + 3) & ~3u;

			for (int i = 0; i < 5; i++)
				rev(b + 8 + 4 * i, 4);
			swap_opts(bt, b + 28 + pc, bl - 32 - pc, be);
			break;
		}
		case PCAPNG_BT_SPB:
			rev(b + 8, 4);
			break;
		case PCAPNG_BT_ISB:
			for (int i = 0; i < 3; i++)
				rev(b + 8 + 4 * i, 4);
			swap_opts(bt, b + 20, bl - 24, be);
			break;
		case PCAPNG_BT_NRB: {
			size_t i = 8;

			while (i + 4 <= bl - 4) {
				uint16_t t = get16(b + i, be), l = get16(b + i + 2, be);

				rev(b + i, 2);
				rev(b + i + 2, 2);
				i += 4 + ((l + 3u) & ~3u);
				if (t == 0)
					break;
			}
			if (i < bl - 4)
				swap_opts(bt, b + i, bl - 4 - i, be);
			break;
		}
		case PCAPNG_BT_CB_COPY:
		case PCAPNG_BT_CB_NOCOPY:
			rev(b + 8, 4);
			break;
		default:
			return false;
		}
		o += bl;
	}
	return o == len;
}

/* ---- .txt parsing ---- */

struct expect {
	char seq[64][16];
	int nseq;
	char cname[16][16];
	int ccount[16];
	int ncounts;
};

static bool parse_txt(const char *path, struct expect *e)
{
	FILE *fp = fopen(path, "r");
	char line[1024];
	bool in_counts = false, have_seq = false;

	memset(e, 0, sizeof(*e));
	if (!fp)
		return false;
	while (fgets(line, sizeof(line), fp)) {
		char name[16];
		int n;

		if (strncmp(line, "Block counts:", 13) == 0) {
			in_counts = true;
			continue;
		}
		if (strncmp(line, "Block sequence:", 15) == 0) {
			char *tok, *save = NULL;

			in_counts = false;
			have_seq = true;
			for (tok = strtok_r(line + 15, ", \t\r\n", &save); tok && e->nseq < 64;
			     tok = strtok_r(NULL, ", \t\r\n", &save))
				snprintf(e->seq[e->nseq++], sizeof(e->seq[0]), "%s", tok);
			continue;
		}
		if (in_counts && sscanf(line, " %15[A-Za-z]: %d", name, &n) == 2 &&
		    e->ncounts < 16) {
			snprintf(e->cname[e->ncounts], sizeof(e->cname[0]), "%s", name);
			e->ccount[e->ncounts++] = n;
		}
	}
	fclose(fp);
	return have_seq && e->ncounts > 0;
}

static const char *gen_dir(char *buf, size_t size, const char *cat)
{
	const char *shared = test_shared_dir();

	if (!shared)
		return NULL;
	snprintf(buf, size, "%.3000s/testdata/pcapng-test-generator/output_le/%.32s", shared, cat);
	return buf;
}

static int gen_files_checked;

static void check_gen_file(const char *dir, const char *base)
{
	char path[4096], txt[4096], what[512];
	struct expect e;
	struct flat *recs, *swapped;
	size_t len, n = 0, n2 = 0;
	uint8_t *data;
	int err;

	snprintf(path, sizeof(path), "%.3000s/%.255s", dir, base);
	snprintf(txt, sizeof(txt), "%.*s.txt", (int)(strlen(path) - 7), path);
	if (!ASSERT_TRUE(parse_txt(txt, &e), txt))
		return;
	data = slurp(path, &len);
	if (!ASSERT_OK_PTR(data, path))
		return;
	recs = calloc(128, sizeof(*recs));
	swapped = calloc(128, sizeof(*swapped));
	err = read_flat(data, len, recs, 128, &n);
	snprintf(what, sizeof(what), "%s reads to a clean end", base);
	ASSERT_EQ(err, 0, what);

	snprintf(what, sizeof(what), "%s block count", base);
	ASSERT_EQ(n, e.nseq, what);
	for (size_t i = 0; i < n && i < (size_t)e.nseq; i++) {
		snprintf(what, sizeof(what), "%s block %zu", base, i);
		ASSERT_STREQ(gen_name(recs[i].block_type), e.seq[i], what);
	}
	for (int c = 0; c < e.ncounts; c++) {
		int got = 0;

		for (size_t i = 0; i < n; i++)
			got += strcmp(gen_name(recs[i].block_type), e.cname[c]) == 0;
		snprintf(what, sizeof(what), "%s count of %s", base, e.cname[c]);
		ASSERT_EQ(got, e.ccount[c], what);
	}

	/* the same file with every section in the other byte order */
	snprintf(what, sizeof(what), "%s byte-swaps", base);
	if (ASSERT_TRUE(swap_file(data, len), what)) {
		err = read_flat(data, len, swapped, 128, &n2);
		snprintf(what, sizeof(what), "%s swapped reads to a clean end", base);
		ASSERT_EQ(err, 0, what);
		snprintf(what, sizeof(what), "%s swapped block count", base);
		ASSERT_EQ(n2, n, what);
		for (size_t i = 0; i < n && i < n2; i++) {
			snprintf(what, sizeof(what), "%s swapped record %zu", base, i);
			ASSERT_MEMEQ(&recs[i], &swapped[i], sizeof(recs[i]), what);
		}
	}
	gen_files_checked++;
	free(recs);
	free(swapped);
	free(data);
}

static void test_generator_files(void)
{
	static const char *const cats[] = { "basic", "advanced", "difficult" };
	char dir[4096];

	if (!gen_dir(dir, sizeof(dir), "basic") || access(dir, R_OK) != 0) {
		test__skip("no pcapng-test-generator data under $NETREC_SHARED_DIR");
		return;
	}
	for (size_t c = 0; c < sizeof(cats) / sizeof(cats[0]); c++) {
		struct dirent **ents;
		int n;

		gen_dir(dir, sizeof(dir), cats[c]);
		n = scandir(dir, &ents, NULL, alphasort);
		if (!ASSERT_GT(n, 0, dir))
			continue;
		for (int i = 0; i < n; i++) {
			size_t l = strlen(ents[i]->d_name);

			if (l > 7 && strcmp(ents[i]->d_name + l - 7, ".pcapng") == 0)
				check_gen_file(dir, ents[i]->d_name);
			free(ents[i]);
		}
		free(ents);
	}
	/* 18 basic + 3 advanced + 3 difficult files are published */
	ASSERT_GE(gen_files_checked, 24, "generator files checked");
}

/* Values tshark 4.0.17 shows for a generator file (frame.time_epoch of
 * test008, whose interfaces use if_tsresol 9 with microsecond-looking
 * values): 1340954.905298858 and 1340954.905299858 s. */
static void test_generator_timestamps(void)
{
	char dir[4096], path[4200];
	struct capfile *f;
	struct capfile_rec r;
	int64_t want[] = { 1340954905298858LL, 1340954905299858LL };
	int k = 0, err;

	if (!gen_dir(dir, sizeof(dir), "basic") || access(dir, R_OK) != 0) {
		test__skip("no pcapng-test-generator data under $NETREC_SHARED_DIR");
		return;
	}
	snprintf(path, sizeof(path), "%s/test008.pcapng", dir);
	if (!ASSERT_OK(capfile_open_path(&f, path, NULL), "open test008"))
		return;
	while ((err = capfile_next(f, &r)) > 0 && k < 2) {
		if (r.type != CAPFILE_REC_PACKET)
			continue;
		ASSERT_EQ(r.ts_ns, want[k], "test008 timestamp");
		k++;
	}
	ASSERT_EQ(k, 2, "test008 packets");
	capfile_close(f);
}

/* ---- hand-built files ---- */

static void test_mixed_sections(void)
{
	static struct bb b;
	static const uint8_t pkt[70] = { 0x45, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct capfile *f;
	struct capfile_rec r;
	const struct capfile_iface *ifc;
	int err, i = 0;
	struct {
		uint32_t section, if_id, caplen;
		int64_t ts_ns;
		bool swapped;
	} want[] = {
		/* section 0, little-endian.
		 * if 0: 2^-20 s units, tsoffset 1000 s; ts = 5.5 * 2^20 units
		 *   = 5.5 s + 1000 s = 1005500000000 ns */
		{ 0, 0, 10, 1005500000000LL, false },
		/* if 0: ts = 1700000000 * 2^20 + 3 units: 3 * 10^9 / 2^20 =
		 *   2861.02 -> 2861 ns; + 1000 s offset */
		{ 0, 0, 10, 1700001000000002861LL, false },
		/* if 1: 2^-63 s units, ts = 2^63 - 1: 0 s and
		 *   floor((2^63 - 1) * 10^9 / 2^63) = 999999999 ns */
		{ 0, 1, 10, 999999999LL, false },
		/* section 1, big-endian; interfaces start again at 0.
		 * if 0: milliseconds, tsoffset -10 s: 1500 ms - 10 s = -8.5 s */
		{ 1, 0, 70, -8500000000LL, true },
		/* if 1: 10^-19 s units, ts = 2^64 - 1 = 18446744073709551615:
		 *   1 s + 8446744073709551615 / 10^10 = 844674407 ns */
		{ 1, 1, 70, 1844674407LL, true },
		/* if 2: no if_tsresol (microseconds): 1234567890123456 us */
		{ 1, 2, 70, 1234567890123456000LL, true },
		/* section 2, little-endian again: if 0 with 10^-9 units */
		{ 2, 0, 4, 1700000000123456789LL, false },
	};

	memset(&b, 0, sizeof(b));
	bb_shb(&b, false);
	bb_idb(&b, LINKTYPE_ETHERNET, 0, 0x80 | 20, true, 1000, "le0");
	bb_idb(&b, LINKTYPE_RAW, 0, 0x80 | 63, false, 0, NULL);
	bb_epb(&b, 0, 5ULL * (1 << 20) + (1 << 19), pkt, 10, 10);
	bb_epb(&b, 0, 1700000000ULL * (1 << 20) + 3, pkt, 10, 10);
	bb_epb(&b, 1, (1ULL << 63) - 1, pkt, 10, 10);
	bb_shb(&b, true);
	bb_idb(&b, LINKTYPE_LINUX_SLL2, 65535, 3, true, -10, "be0");
	bb_idb(&b, LINKTYPE_IPV4, 0, 19, false, 0, NULL);
	bb_idb(&b, LINKTYPE_IPV6, 0, -1, false, 0, "be2");
	bb_epb(&b, 0, 1500, pkt, 70, 70);
	bb_epb(&b, 1, UINT64_MAX, pkt, 70, 1500);
	bb_epb(&b, 2, 1234567890123456ULL, pkt, 70, 70);
	bb_shb(&b, false);
	bb_idb(&b, LINKTYPE_ETHERNET, 0, 9, false, 0, NULL);
	bb_epb(&b, 0, 1700000000123456789ULL, pkt, 4, 4);
	ASSERT_LT(b.len, sizeof(b.buf), "builder fits");

	if (!ASSERT_OK(capfile_open_mem(&f, b.buf, b.len, NULL), "open"))
		return;
	ASSERT_EQ(capfile_kind(f), CAPFILE_PCAPNG, "kind");
	while ((err = capfile_next(f, &r)) > 0) {
		if (r.type == CAPFILE_REC_SHB) {
			ASSERT_EQ(capfile_iface_count(f), 0, "new section has no interfaces");
			continue;
		}
		if (r.type != CAPFILE_REC_PACKET)
			continue;
		if (!ASSERT_LT(i, (int)(sizeof(want) / sizeof(want[0])), "packet count"))
			break;
		ASSERT_EQ(r.section, want[i].section, "section");
		ASSERT_EQ(r.if_id, want[i].if_id, "if_id");
		ASSERT_EQ(r.caplen, want[i].caplen, "caplen");
		ASSERT_EQ(r.ts_ns, want[i].ts_ns, "ts_ns");
		ASSERT_EQ(r.swapped, want[i].swapped ^ (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__),
			  "swapped");
		ASSERT_MEMEQ(r.data, pkt, r.caplen, "data");
		if (i == 3) {
			ASSERT_EQ(r.iface->linktype, LINKTYPE_LINUX_SLL2, "BE linktype");
			ASSERT_EQ(r.iface->snaplen, 65535, "BE snaplen");
			ASSERT_EQ(r.iface->tsoffset_sec, -10, "BE tsoffset");
			ASSERT_EQ_U64(r.iface->ts_units_per_sec, 1000, "ms units");
			ASSERT_STREQ(r.iface->name, "be0", "BE if_name");
		}
		if (i == 4) {
			ASSERT_EQ(r.origlen, 1500, "origlen");
			ASSERT_EQ(r.iface->tsresol_raw, 19, "tsresol byte");
		}
		if (i == 5)
			ASSERT_EQ(r.iface->tsresol_raw, 6, "default tsresol");
		i++;
	}
	ASSERT_EQ(err, 0, "clean end");
	ASSERT_EQ(i, 7, "packets");
	ASSERT_EQ(capfile_stats(f)->sections, 3, "sections");
	ASSERT_EQ(capfile_stats(f)->interfaces, 6, "interfaces");
	ASSERT_EQ(capfile_stats(f)->packets, 7, "stats packets");
	ASSERT_EQ(capfile_stats(f)->blocks, 16, "stats blocks");
	ifc = capfile_iface(f, 0);
	if (ASSERT_OK_PTR(ifc, "iface 0 of last section"))
		ASSERT_EQ(ifc->section, 2, "iface section");
	ASSERT_NULL(capfile_iface(f, 1), "no iface 1 in last section");
	capfile_close(f);
}

/* EPB options, SPB truncated to the snaplen, the obsolete Packet Block,
 * ISB, NRB, DSB, JEB, custom and unknown blocks, in both byte orders. */
static void check_blocks(bool be)
{
	static struct bb b;
	static const uint8_t pkt[100] = { 1, 2, 3 };
	static const char jeb[] = "MESSAGE=hi\n_PID=42\n"; /* 19 bytes */
	struct capfile *f;
	struct capfile_rec r;
	struct capfile_opt_iter it;
	struct capfile_opt o;
	size_t s;
	int err, n = 0, opts = 0;
	uint8_t addr[4] = { 192, 0, 2, 1 };

	memset(&b, 0, sizeof(b));
	bb_shb(&b, be);
	bb_idb(&b, LINKTYPE_ETHERNET, 64, 9, false, 0, "eth0");
	/* EPB with every decoded option, plus an unknown one (code 99) */
	s = bb_begin(&b, PCAPNG_BT_EPB);
	bb_u32(&b, 0);
	bb_u32(&b, 0);
	bb_u32(&b, 77);
	bb_u32(&b, 3);
	bb_u32(&b, 3);
	bb_bytes(&b, pkt, 3);
	bb_pad(&b);
	bb_opt(&b, PCAPNG_OPT_COMMENT, "first", 5);
	bb_opt(&b, PCAPNG_OPT_COMMENT, "second", 6);
	bb_opt_u32(&b, PCAPNG_EPB_FLAGS, PCAPNG_EPB_DIR_OUTBOUND);
	bb_opt_u64(&b, PCAPNG_EPB_DROPCOUNT, 0x0102030405060708ULL);
	bb_opt_u64(&b, PCAPNG_EPB_PACKETID, 42);
	bb_opt_u32(&b, PCAPNG_EPB_QUEUE, 3);
	bb_u16(&b, PCAPNG_EPB_PID_TID);
	bb_u16(&b, 8);
	bb_u32(&b, 4242);
	bb_u32(&b, 4243);
	bb_opt(&b, 99, "x", 1);
	bb_opt_end(&b);
	bb_end(&b, s);
	/* SPB of a 100-byte packet: snaplen 64 keeps 64 bytes */
	s = bb_begin(&b, PCAPNG_BT_SPB);
	bb_u32(&b, 100);
	bb_bytes(&b, pkt, 64);
	bb_end(&b, s);
	/* obsolete Packet Block: if_id u16, drops u16, ts, caplen, len */
	s = bb_begin(&b, PCAPNG_BT_PB);
	bb_u16(&b, 0);
	bb_u16(&b, 5);
	bb_u32(&b, 0);
	bb_u32(&b, 1000000000);
	bb_u32(&b, 2);
	bb_u32(&b, 2);
	bb_bytes(&b, pkt, 2);
	bb_pad(&b);
	bb_opt_u32(&b, 2, PCAPNG_EPB_DIR_INBOUND);
	bb_opt_end(&b);
	bb_end(&b, s);
	/* ISB */
	s = bb_begin(&b, PCAPNG_BT_ISB);
	bb_u32(&b, 0);
	bb_u32(&b, 1);
	bb_u32(&b, 0);
	bb_opt_u64(&b, PCAPNG_ISB_IFDROP, 9);
	bb_opt_end(&b);
	bb_end(&b, s);
	/* NRB: one IPv4 record, end record, then a comment option */
	s = bb_begin(&b, PCAPNG_BT_NRB);
	bb_u16(&b, PCAPNG_NRB_IPV4);
	bb_u16(&b, 4 + 12);
	bb_bytes(&b, addr, 4);
	bb_bytes(&b, "example.org", 12);
	bb_u32(&b, 0);
	bb_opt(&b, PCAPNG_OPT_COMMENT, "names", 5);
	bb_opt_end(&b);
	bb_end(&b, s);
	/* DSB, TLS key log */
	s = bb_begin(&b, PCAPNG_BT_DSB);
	bb_u32(&b, 0x544c534b);
	bb_u32(&b, 5);
	bb_bytes(&b, "keys\n", 5);
	bb_end(&b, s);
	/* JEB */
	s = bb_begin(&b, PCAPNG_BT_JEB);
	bb_bytes(&b, jeb, sizeof(jeb) - 1);
	bb_end(&b, s);
	/* custom, not copyable, PEN 32473 */
	s = bb_begin(&b, PCAPNG_BT_CB_NOCOPY);
	bb_u32(&b, 32473);
	bb_bytes(&b, "abcd", 4);
	bb_end(&b, s);
	/* unknown block type */
	s = bb_begin(&b, 0x12345678);
	bb_u32(&b, 7);
	bb_end(&b, s);

	if (!ASSERT_OK(capfile_open_mem(&f, b.buf, b.len, NULL), "open"))
		return;
	while ((err = capfile_next(f, &r)) > 0) {
		switch (n++) {
		case 2:
			ASSERT_EQ(r.type, CAPFILE_REC_PACKET, "EPB type");
			ASSERT_EQ(r.ts_ns, 77, "EPB ts (ns units)");
			ASSERT_TRUE(r.has_flags && r.flags == PCAPNG_EPB_DIR_OUTBOUND, "flags");
			ASSERT_TRUE(r.has_dropcount && r.dropcount == 0x0102030405060708ULL,
				    "dropcount");
			ASSERT_TRUE(r.has_packetid && r.packetid == 42, "packetid");
			ASSERT_TRUE(r.has_queue && r.queue == 3, "queue");
			ASSERT_TRUE(r.has_pid && r.pid == 4242 && r.tid == 4243, "pid/tid");
			ASSERT_EQ(r.comment_len, 5, "first comment only");
			ASSERT_TRUE(r.comment && memcmp(r.comment, "first", 5) == 0, "comment");
			capfile_opt_iter_init(&it, &r);
			while (capfile_opt_next(&it, &o) > 0) {
				opts++;
				if (o.code == PCAPNG_EPB_FLAGS)
					ASSERT_EQ(capfile_opt_u32(&it, &o), 2, "iter u32");
				if (o.code == PCAPNG_EPB_PACKETID)
					ASSERT_EQ_U64(capfile_opt_u64(&it, &o), 42, "iter u64");
			}
			ASSERT_EQ(opts, 8, "options iterated");
			break;
		case 3:
			ASSERT_EQ(r.block_type, PCAPNG_BT_SPB, "SPB");
			ASSERT_EQ(r.caplen, 64, "SPB caplen = snaplen");
			ASSERT_EQ(r.origlen, 100, "SPB origlen");
			ASSERT_EQ(r.if_id, 0, "SPB interface 0");
			break;
		case 4:
			ASSERT_EQ(r.block_type, PCAPNG_BT_PB, "PB");
			ASSERT_EQ(r.ts_ns, 1000000000, "PB ts");
			ASSERT_EQ(r.caplen, 2, "PB caplen");
			ASSERT_TRUE(r.has_dropcount && r.dropcount == 5, "PB drops");
			ASSERT_TRUE(r.has_flags && r.flags == 1, "PB flags");
			break;
		case 5:
			ASSERT_EQ(r.type, CAPFILE_REC_ISB, "ISB");
			/* 2^32 ns */
			ASSERT_EQ(r.ts_ns, 4294967296LL, "ISB ts");
			break;
		case 6:
			ASSERT_EQ(r.type, CAPFILE_REC_NRB, "NRB");
			ASSERT_EQ(r.opts_len, 16, "NRB options");
			break;
		case 7:
			ASSERT_EQ(r.type, CAPFILE_REC_DSB, "DSB");
			ASSERT_EQ(r.secrets_type, 0x544c534b, "secrets type");
			break;
		case 8:
			ASSERT_EQ(r.type, CAPFILE_REC_JOURNAL, "JEB");
			ASSERT_EQ(r.body_len, sizeof(jeb) - 1, "JEB length");
			ASSERT_MEMEQ(r.body, jeb, sizeof(jeb) - 1, "JEB entry");
			break;
		case 9:
			ASSERT_EQ(r.type, CAPFILE_REC_CUSTOM, "custom");
			ASSERT_EQ(r.pen, 32473, "PEN");
			ASSERT_FALSE(r.copyable, "not copyable");
			ASSERT_EQ(r.body_len, 4, "custom body");
			break;
		case 10:
			ASSERT_EQ(r.type, CAPFILE_REC_UNKNOWN, "unknown");
			ASSERT_EQ(r.body_len, 4, "unknown body");
			break;
		}
	}
	ASSERT_EQ(err, 0, "clean end");
	ASSERT_EQ(n, 11, "records");
	ASSERT_EQ(capfile_stats(f)->unknown_blocks, 1, "unknown blocks");
	ASSERT_EQ(capfile_stats(f)->unknown_options, 1, "unknown options");
	ASSERT_EQ(capfile_stats(f)->packets, 3, "packets");
	capfile_close(f);
}

static void test_blocks_le(void)
{
	check_blocks(false);
}

static void test_blocks_be(void)
{
	check_blocks(true);
}

/* Classic pcap, from the format's definition: 24-byte header, 16-byte
 * record headers; both magics and both byte orders. */
static void check_pcap(bool be, bool nsec)
{
	static struct bb b;
	struct capfile *f;
	struct capfile_rec r;
	int err, n = 0;

	memset(&b, 0, sizeof(b));
	b.be = be;
	bb_u32(&b, nsec ? 0xa1b23c4d : 0xa1b2c3d4);
	bb_u16(&b, 2);
	bb_u16(&b, 4);
	bb_u32(&b, 0);
	bb_u32(&b, 0);
	bb_u32(&b, 262144);
	bb_u32(&b, LINKTYPE_LINUX_SLL2);
	for (int i = 0; i < 3; i++) {
		bb_u32(&b, 1700000000 + i);
		bb_u32(&b, 999999);
		bb_u32(&b, (uint32_t)i + 1);
		bb_u32(&b, 1000);
		for (int k = 0; k <= i; k++)
			bb_u8(&b, (uint8_t)(0xa0 + k));
	}
	if (!ASSERT_OK(capfile_open_mem(&f, b.buf, b.len, NULL), "open pcap"))
		return;
	ASSERT_EQ(capfile_kind(f), CAPFILE_PCAP, "kind");
	ASSERT_EQ(capfile_iface_count(f), 1, "one interface");
	ASSERT_EQ(capfile_iface(f, 0)->linktype, LINKTYPE_LINUX_SLL2, "linktype");
	ASSERT_EQ(capfile_iface(f, 0)->snaplen, 262144, "snaplen");
	while ((err = capfile_next(f, &r)) > 0) {
		/* 999999 us = 999999000 ns; 999999 ns as is */
		int64_t want = (1700000000LL + n) * 1000000000LL + (nsec ? 999999 : 999999000);

		ASSERT_EQ(r.type, CAPFILE_REC_PACKET, "type");
		ASSERT_EQ(r.ts_ns, want, "ts_ns");
		ASSERT_EQ(r.caplen, n + 1, "caplen");
		ASSERT_EQ(r.origlen, 1000, "origlen");
		ASSERT_EQ(r.data[r.caplen - 1], 0xa0 + n, "data");
		ASSERT_EQ(r.offset, 24 + 16 * n + n * (n + 1) / 2, "offset");
		n++;
	}
	ASSERT_EQ(err, 0, "clean end");
	ASSERT_EQ(n, 3, "records");
	capfile_close(f);
}

static void test_pcap(void)
{
	check_pcap(false, false);
	check_pcap(false, true);
	check_pcap(true, false);
	check_pcap(true, true);
}

/* A pcapng stream through a pipe, written in small pieces (the first
 * bytes one at a time) by a child process. */
static void test_pipe(void)
{
	static struct bb b;
	static const uint8_t pkt[32];
	struct capfile *f;
	struct capfile_rec r;
	int fds[2], err, n = 0, status = 0;
	pid_t pid;

	memset(&b, 0, sizeof(b));
	bb_shb(&b, false);
	bb_idb(&b, LINKTYPE_ETHERNET, 0, -1, false, 0, NULL);
	for (int i = 0; i < 200; i++)
		bb_epb(&b, 0, (uint64_t)i, pkt, 32, 32);
	if (!ASSERT_OK(pipe(fds), "pipe"))
		return;
	pid = fork();
	if (pid == 0) {
		size_t off = 0;

		close(fds[0]);
		while (off < b.len) {
			size_t k = off < 8 ? 1 : 777;

			if (k > b.len - off)
				k = b.len - off;
			if (write(fds[1], b.buf + off, k) != (ssize_t)k)
				_exit(1);
			off += k;
			if (off < 8)
				usleep(1000);
		}
		_exit(0);
	}
	close(fds[1]);
	if (!ASSERT_GE(pid, 0, "fork")) {
		close(fds[0]);
		return;
	}
	err = capfile_open_fd(&f, fds[0], NULL);
	if (ASSERT_OK(err, "open pipe")) {
		while ((err = capfile_next(f, &r)) > 0)
			n += r.type == CAPFILE_REC_PACKET;
		ASSERT_EQ(err, 0, "clean end");
		ASSERT_EQ(n, 200, "packets through the pipe");
		capfile_close(f);
	}
	waitpid(pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer child");
}

static long max_rss_kb(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0;
}

/* 64 MiB of packets through a pipe: the reader's memory must not grow with
 * the stream (it keeps one block at a time). */
static void test_streaming_memory(void)
{
	static struct bb head, pkt;
	static uint8_t data[1500];
	const int count = 44000; /* x 1532-byte EPBs = 64 MiB */
	struct capfile *f;
	struct capfile_rec r;
	int fds[2], err, n = 0, status = 0;
	long before, after;
	pid_t pid;

	memset(&head, 0, sizeof(head));
	memset(&pkt, 0, sizeof(pkt));
	bb_shb(&head, false);
	bb_idb(&head, LINKTYPE_ETHERNET, 0, 9, false, 0, NULL);
	bb_epb(&pkt, 0, 1, data, sizeof(data), sizeof(data));
	if (!ASSERT_OK(pipe(fds), "pipe"))
		return;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		if (write(fds[1], head.buf, head.len) != (ssize_t)head.len)
			_exit(1);
		for (int i = 0; i < count; i++)
			if (write(fds[1], pkt.buf, pkt.len) != (ssize_t)pkt.len)
				_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (!ASSERT_GE(pid, 0, "fork")) {
		close(fds[0]);
		return;
	}
	before = max_rss_kb();
	err = capfile_open_fd(&f, fds[0], NULL);
	if (ASSERT_OK(err, "open pipe")) {
		while ((err = capfile_next(f, &r)) > 0)
			n += r.type == CAPFILE_REC_PACKET;
		ASSERT_EQ(err, 0, "clean end");
		ASSERT_EQ(n, count, "packets");
		capfile_close(f);
	}
	after = max_rss_kb();
	waitpid(pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer child");
	/* 64 MiB went through; a few MiB of growth at most */
	ASSERT_LT(after - before, 8 * 1024, "max RSS growth (KiB)");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN_TEST(test_generator_files);
	RUN_TEST(test_generator_timestamps);
	RUN_TEST(test_mixed_sections);
	RUN_TEST(test_blocks_le);
	RUN_TEST(test_blocks_be);
	RUN_TEST(test_pcap);
	RUN_TEST(test_pipe);
	RUN_TEST(test_streaming_memory);
	return test_exit();
}

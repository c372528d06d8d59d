// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writer round trips: every block and option the pcapng writer produces,
 * in host and swapped byte order, read back with the reader; exact bytes
 * of small files against arrays written by hand from the pcapng
 * specification; zstd and classic pcap; the netrec profile encoders
 * against hand-written little-endian layouts (docs/format.md); and the
 * writer's failure behaviour (ENOSPC, invalid calls, a writer killed with
 * SIGKILL in BLOCK_FLUSH mode); and the write-behind of a regular file
 * (what it leaves in the page cache, by mincore(2)).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/magic.h>

#include <zstd.h>

#include "test.h"
#include "pcapng.h"
#include "profile.h"

TEST_MAIN_STATE;

static bool host_le(void)
{
	uint16_t x = 1;

	return *(uint8_t *)&x == 1;
}

/* Whole contents of fd (which must be seekable). */
static uint8_t *slurp(int fd, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t off = 0;

	if (fstat(fd, &st) < 0)
		return NULL;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return NULL;
	while (off < (size_t)st.st_size) {
		ssize_t r = pread(fd, buf + off, (size_t)st.st_size - off, (off_t)off);

		if (r <= 0) {
			free(buf);
			return NULL;
		}
		off += (size_t)r;
	}
	*len = off;
	return buf;
}

static int memfd(void)
{
	return memfd_create("roundtrip", 0);
}

/* Decompress a whole zstd stream (any number of frames). */
static uint8_t *unzstd(const uint8_t *in, size_t inlen, size_t *outlen, bool *complete)
{
	ZSTD_DStream *ds = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, inlen, 0 };
	size_t cap = 1 << 16, len = 0, ret = 0;
	uint8_t *out = malloc(cap);

	*complete = false;
	if (!ds || !out)
		goto fail;
	ZSTD_initDStream(ds);
	for (;;) {
		ZSTD_outBuffer ob;

		if (cap - len < (1 << 15)) {
			uint8_t *n = realloc(out, cap * 2);

			if (!n)
				goto fail;
			out = n;
			cap *= 2;
		}
		ob = (ZSTD_outBuffer){ out + len, cap - len, 0 };
		ret = ZSTD_decompressStream(ds, &ob, &ib);
		if (ZSTD_isError(ret))
			goto fail;
		len += ob.pos;
		/* done when all input is consumed and the decoder had room */
		if (ib.pos == ib.size && ob.pos < ob.size)
			break;
	}
	*complete = ret == 0; /* 0: the last frame was complete */
	ZSTD_freeDStream(ds);
	*outlen = len;
	return out;
fail:
	ZSTD_freeDStream(ds);
	free(out);
	return NULL;
}

/* ---- a minimal independent block walker (spec §3.1), for byte-level
 * checks that do not depend on the reader: returns the number of complete
 * blocks, and the offset just after the last one in *end. */
static int walk_blocks(const uint8_t *p, size_t len, bool swap, size_t *end)
{
	size_t off = 0;
	int n = 0;

	while (len - off >= 12) {
		uint32_t tl, tl2;

		memcpy(&tl, p + off + 4, 4);
		if (swap)
			tl = __builtin_bswap32(tl);
		if (tl < 12 || tl % 4 || tl > len - off)
			break;
		memcpy(&tl2, p + off + tl - 4, 4);
		if (swap)
			tl2 = __builtin_bswap32(tl2);
		if (tl2 != tl)
			break;
		off += tl;
		n++;
	}
	*end = off;
	return n;
}

/* ======================================================================
 * Exact bytes, from the specification
 * ====================================================================== */

/* SHB without options; IDB (linktype 1, snaplen 262144, if_tsresol 9,
 * if_name "eth0"); EPB on interface 0, ts 0x000123456789ABCD, 5 bytes of
 * data, origlen 60, epb_flags 2, epb_processid_threadid 0x1234/0x5678,
 * custom option 2989 with PEN 32473 and "AB". Written out by hand. */
static const uint8_t expect_le[] = {
	/* SHB */
	0x0A, 0x0D, 0x0D, 0x0A, 0x1C, 0x00, 0x00, 0x00,
	0x4D, 0x3C, 0x2B, 0x1A, 0x01, 0x00, 0x00, 0x00,
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	0x1C, 0x00, 0x00, 0x00,
	/* IDB */
	0x01, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
	0x09, 0x00, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x04, 0x00, 'e', 't', 'h', '0',
	0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00,
	/* EPB */
	0x06, 0x00, 0x00, 0x00, 0x4C, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x45, 0x23, 0x01, 0x00,
	0xCD, 0xAB, 0x89, 0x67, 0x05, 0x00, 0x00, 0x00,
	0x3C, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04,
	0x05, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x04, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x08, 0x00, 0x34, 0x12, 0x00, 0x00, 0x78, 0x56, 0x00, 0x00,
	0xAD, 0x0B, 0x06, 0x00, 0xD9, 0x7E, 0x00, 0x00, 'A', 'B', 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x4C, 0x00, 0x00, 0x00,
};

static const uint8_t expect_be[] = {
	/* SHB */
	0x0A, 0x0D, 0x0D, 0x0A, 0x00, 0x00, 0x00, 0x1C,
	0x1A, 0x2B, 0x3C, 0x4D, 0x00, 0x01, 0x00, 0x00,
	0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	0x00, 0x00, 0x00, 0x1C,
	/* IDB */
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x28,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00,
	0x00, 0x09, 0x00, 0x01, 0x09, 0x00, 0x00, 0x00,
	0x00, 0x02, 0x00, 0x04, 'e', 't', 'h', '0',
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x28,
	/* EPB */
	0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x4C,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x23, 0x45,
	0x67, 0x89, 0xAB, 0xCD, 0x00, 0x00, 0x00, 0x05,
	0x00, 0x00, 0x00, 0x3C, 0x01, 0x02, 0x03, 0x04,
	0x05, 0x00, 0x00, 0x00,
	0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02,
	0x00, 0x08, 0x00, 0x08, 0x00, 0x00, 0x12, 0x34, 0x00, 0x00, 0x56, 0x78,
	0x0B, 0xAD, 0x00, 0x06, 0x00, 0x00, 0x7E, 0xD9, 'A', 'B', 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x4C,
};

static int write_small(int fd, unsigned flags)
{
	struct pcapng_writer_opts wo = { .flags = flags };
	static const uint8_t pkt[5] = { 1, 2, 3, 4, 5 };
	struct pcapng_writer *w = NULL;
	struct pcapng_opts o;
	uint32_t id = 99;
	int err;

	pcapng_opts_init(&o);
	err = pcapng_writer_open(&w, fd, &wo);
	if (err)
		return err;
	err = pcapng_write_shb(w, NULL);
	if (err)
		goto cleanup;
	pcapng_opts_add_u8(&o, PCAPNG_IF_TSRESOL, 9);
	pcapng_opts_add_str(&o, PCAPNG_IF_NAME, "eth0");
	err = pcapng_write_idb(w, LINKTYPE_ETHERNET, 262144, &o, &id);
	if (err || id != 0)
		goto cleanup;
	pcapng_opts_reset(&o);
	pcapng_opts_add_u32(&o, PCAPNG_EPB_FLAGS, PCAPNG_EPB_DIR_OUTBOUND);
	pcapng_opts_add_pid_tid(&o, 0x1234, 0x5678);
	pcapng_opts_add_custom(&o, PCAPNG_OPT_CUSTOM_BIN, NR_PEN, "AB", 2);
	err = pcapng_write_epb(w, 0, 0x000123456789ABCDULL, pkt, 5, 60, &o);
cleanup:
	pcapng_opts_free(&o);
	if (!err && id != 0)
		err = -EPROTO;
	if (err) {
		pcapng_writer_close(w);
		return err;
	}
	return pcapng_writer_close(w);
}

static void test_exact_bytes(void)
{
	for (int swap = 0; swap < 2; swap++) {
		bool be = host_le() == (bool)swap;
		const uint8_t *exp = be ? expect_be : expect_le;
		size_t explen = be ? sizeof(expect_be) : sizeof(expect_le);
		int fd = memfd();
		uint8_t *buf;
		size_t len = 0;

		ASSERT_GE(fd, 0, "memfd");
		ASSERT_OK(write_small(fd, swap ? PCAPNG_W_SWAP : 0), "write");
		buf = slurp(fd, &len);
		ASSERT_OK_PTR(buf, "slurp");
		if (buf && ASSERT_EQ(len, explen, be ? "length BE" : "length LE"))
			ASSERT_MEMEQ(buf, exp, explen, be ? "bytes BE" : "bytes LE");
		free(buf);
		close(fd);
	}
}

/* Option list encoding (spec §3.5): code, length, value padded to 4. */
static void test_opts_encoding(void)
{
	struct pcapng_opts o;
	uint8_t exp[64];
	uint16_t c;
	size_t n = 0;

	pcapng_opts_init(&o);
	ASSERT_OK(pcapng_opts_add_str(&o, PCAPNG_OPT_COMMENT, "hello"), "str");
	ASSERT_OK(pcapng_opts_add_typed(&o, PCAPNG_IF_FILTER, 0, "tcp", 3), "typed");
	ASSERT_OK(pcapng_opts_add_ts(&o, PCAPNG_ISB_STARTTIME, 0x0000000100000002ULL), "ts");
	ASSERT_OK(pcapng_opts_add(&o, 40000, NULL, 0), "empty");
	/* Expected, built by hand in host order. */
	c = 1; memcpy(exp + n, &c, 2); c = 5; memcpy(exp + n + 2, &c, 2);
	memcpy(exp + n + 4, "hello\0\0\0", 8); n += 12;
	c = 11; memcpy(exp + n, &c, 2); c = 4; memcpy(exp + n + 2, &c, 2);
	memcpy(exp + n + 4, "\0tcp", 4); n += 8;
	c = 2; memcpy(exp + n, &c, 2); c = 8; memcpy(exp + n + 2, &c, 2);
	{
		uint32_t hi = 1, lo = 2;

		memcpy(exp + n + 4, &hi, 4);
		memcpy(exp + n + 8, &lo, 4);
	}
	n += 12;
	c = 40000; memcpy(exp + n, &c, 2); c = 0; memcpy(exp + n + 2, &c, 2); n += 4;
	if (ASSERT_EQ(o.len, n, "opts length"))
		ASSERT_MEMEQ(o.buf, exp, n, "opts bytes");
	ASSERT_OK(o.err, "no error");

	/* Errors are remembered and reported by the write that uses the list. */
	ASSERT_EQ(pcapng_opts_add(&o, PCAPNG_OPT_ENDOFOPT, "x", 1), -EINVAL, "code 0");
	ASSERT_EQ(pcapng_opts_add_str(&o, 1, "later"), -EINVAL, "sticky");
	ASSERT_EQ(o.len, n, "nothing added after error");
	pcapng_opts_reset(&o);
	ASSERT_OK(o.err, "reset clears error");
	{
		static uint8_t big[70000];

		ASSERT_EQ(pcapng_opts_add(&o, 1, big, sizeof(big)), -EINVAL, "too long");
	}
	pcapng_opts_reset(&o);
	ASSERT_EQ(pcapng_opts_add_typed(&o, PCAPNG_IF_FILTER, 0, NULL, 3), -EINVAL,
		  "typed: data NULL");
	pcapng_opts_reset(&o);
	ASSERT_EQ(pcapng_opts_add_custom(&o, PCAPNG_OPT_CUSTOM_BIN, 32473, NULL, 2), -EINVAL,
		  "custom: data NULL");
	ASSERT_EQ(o.len, 0, "nothing added for NULL data");
	pcapng_opts_free(&o);
}

/* A custom block with options: PEN, data padded to 4, options (spec
 * §4.8), here in host order (LE and BE expected bytes by hand). */
static void test_custom_block_opts(void)
{
	static const uint8_t le[] = {
		0xAD, 0x0B, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00,
		0xD9, 0x7E, 0x00, 0x00, 'a', 'b', 'c', 0x00,
		0x01, 0x00, 0x02, 0x00, 'h', 'i', 0x00, 0x00,
		0xAD, 0x0B, 0x05, 0x00, 0xD9, 0x7E, 0x00, 0x00, 'z', 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00,
	};
	static const uint8_t be[] = {
		0x00, 0x00, 0x0B, 0xAD, 0x00, 0x00, 0x00, 0x2C,
		0x00, 0x00, 0x7E, 0xD9, 'a', 'b', 'c', 0x00,
		0x00, 0x01, 0x00, 0x02, 'h', 'i', 0x00, 0x00,
		0x0B, 0xAD, 0x00, 0x05, 0x00, 0x00, 0x7E, 0xD9, 'z', 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2C,
	};

	for (int swap = 0; swap < 2; swap++) {
		struct pcapng_writer_opts wo = { .flags = swap ? PCAPNG_W_SWAP : 0 };
		struct pcapng_writer *w = NULL;
		struct pcapng_opts o;
		bool big = host_le() == (bool)swap;
		int fd = memfd();
		uint8_t *buf;
		size_t len = 0;

		pcapng_opts_init(&o);
		pcapng_opts_add_str(&o, PCAPNG_OPT_COMMENT, "hi");
		pcapng_opts_add_custom(&o, PCAPNG_OPT_CUSTOM_BIN, NR_PEN, "z", 1);
		if (!ASSERT_OK(pcapng_writer_open(&w, fd, &wo), "open"))
			continue;
		ASSERT_OK(pcapng_write_shb(w, NULL), "shb");
		ASSERT_OK(pcapng_write_custom(w, true, NR_PEN, "abc", 3, &o), "custom");
		ASSERT_OK(pcapng_writer_close(w), "close");
		pcapng_opts_free(&o);
		buf = slurp(fd, &len);
		close(fd);
		if (ASSERT_OK_PTR(buf, "slurp") && ASSERT_EQ(len, 28 + sizeof(le), "length"))
			ASSERT_MEMEQ(buf + 28, big ? be : le, sizeof(le), "custom block bytes");
		free(buf);
	}
}

/* ======================================================================
 * Every block and option, through the reader
 * ====================================================================== */

#define TS_NS_0   1700000000123456789ULL
#define TS_US_1   1700000000654321ULL
#define TSOFF_1   10
#define ISB_START 1700000000000000000ULL
#define ISB_END   1700000009000000001ULL

static const uint8_t ip4[4] = { 192, 0, 2, 1 };
static const uint8_t ip4mask[8] = { 192, 0, 2, 1, 255, 255, 255, 0 };
static const uint8_t ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t ip6pfx[17] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1, [16] = 64 };
static const uint8_t dns4[4] = { 198, 51, 100, 53 };
static const uint8_t mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
static const uint8_t eui[8] = { 0x02, 0x00, 0x5e, 0xff, 0xfe, 0x10, 0x00, 0x01 };
static const uint8_t hash[5] = { 2, 0xde, 0xad, 0xbe, 0xef }; /* CRC32 */
static const char jeb_text[] =
	"__REALTIME_TIMESTAMP=1700000000123456\n"
	"MESSAGE=TCP 192.0.2.1:40312 > 192.0.2.2:8080 SYN_SENT -> ESTABLISHED\n"
	"_PID=4242\n"
	"_COMM=curl\n";
static const char dsb_text[] = "CLIENT_RANDOM 00 11\n";
static const char *const names4[] = { "a.example", "b.example", NULL };
static const char *const names6[] = { "c.example", NULL };

static uint8_t pkt0[61], pkt1[4], spb[10], unk_body[6] = { 'u', 'n', 'k', 'n', 'o', 'w' };
static uint8_t annot_bytes[NR_PKT_ANNOT_SIZE];
static uint8_t clock_bytes[NR_CB_CLOCK_SIZE];

static void fill_data(void)
{
	struct nr_pkt_annot a = {
		.type = NR_ANNOT_TYPE_PACKET, .version = NR_ANNOT_VERSION,
		.owner_src = NR_OWNER_SOCKET, .flags = NR_ANNOT_F_OWNER,
		.cpu = 1, .seq = 77, .cookie = 0xC00C1E, .pid = 4242, .tid = 4243,
		.uid = 1000, .gid = 1000, .cgroup_id = 99, .netns = 4026531840U,
		.ifindex = 7, .ktime_ns = 123456789,
	};
	struct nr_cb_clock c = { NR_CB_CLOCK, 1, -5, 100, 1700000000000000000LL };

	for (size_t i = 0; i < sizeof(pkt0); i++)
		pkt0[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof(pkt1); i++)
		pkt1[i] = (uint8_t)(0xF0 + i);
	for (size_t i = 0; i < sizeof(spb); i++)
		spb[i] = (uint8_t)(0x30 + i);
	nr_annot_encode(&a, annot_bytes);
	nr_clock_encode(&c, clock_bytes);
}

/* Writes the reference file: section 0 with every block, then section 1
 * with one interface and one packet. */
static int write_everything(int fd, unsigned flags, int zstd_level)
{
	struct pcapng_writer_opts wo = { .flags = flags, .zstd_level = zstd_level,
					 .buffer_size = 512 };
	struct pcapng_nrb_record recs[2] = {
		{ PCAPNG_NRB_IPV4, ip4, names4 },
		{ PCAPNG_NRB_IPV6, ip6, names6 },
	};
	struct pcapng_writer *w = NULL;
	struct pcapng_opts o;
	uint32_t id0 = 99, id1 = 99, id2 = 99;
	uint64_t v64;
	int err;

	pcapng_opts_init(&o);
	err = pcapng_writer_open(&w, fd, &wo);
	if (err)
		return err;

	pcapng_opts_add_str(&o, PCAPNG_OPT_COMMENT, "section comment");
	pcapng_opts_add_str(&o, PCAPNG_SHB_HARDWARE, "x86_64");
	pcapng_opts_add_str(&o, PCAPNG_SHB_OS, "Linux 6.18");
	pcapng_opts_add_str(&o, PCAPNG_SHB_USERAPPL, "netrec-test");
	pcapng_opts_add_custom(&o, PCAPNG_OPT_CUSTOM_STR, NR_PEN, "str", 3);
	pcapng_opts_add_custom(&o, PCAPNG_OPT_CUSTOM_BIN, NR_PEN, "\x01\x02\x03", 3);
	pcapng_opts_add_custom(&o, PCAPNG_OPT_CUSTOM_STR_NC, NR_PEN, "nc", 2);
	pcapng_opts_add_custom(&o, PCAPNG_OPT_CUSTOM_BIN_NC, NR_PEN, "\x04", 1);
	err = pcapng_write_shb(w, &o);
	if (err)
		goto cleanup;

	pcapng_opts_reset(&o);
	pcapng_opts_add_str(&o, PCAPNG_OPT_COMMENT, "interface comment");
	pcapng_opts_add_str(&o, PCAPNG_IF_NAME, "veth0");
	pcapng_opts_add_str(&o, PCAPNG_IF_DESCRIPTION, "ifindex 7, netns 4026531840, eth");
	pcapng_opts_add(&o, PCAPNG_IF_IPV4ADDR, ip4mask, sizeof(ip4mask));
	pcapng_opts_add(&o, PCAPNG_IF_IPV6ADDR, ip6pfx, sizeof(ip6pfx));
	pcapng_opts_add(&o, PCAPNG_IF_MACADDR, mac, sizeof(mac));
	pcapng_opts_add(&o, PCAPNG_IF_EUIADDR, eui, sizeof(eui));
	pcapng_opts_add_u64(&o, PCAPNG_IF_SPEED, 1000000000ULL);
	pcapng_opts_add_u8(&o, PCAPNG_IF_TSRESOL, 9);
	pcapng_opts_add_u32(&o, PCAPNG_IF_TZONE, 3600);
	pcapng_opts_add_typed(&o, PCAPNG_IF_FILTER, 0, "tcp port 80", 11);
	pcapng_opts_add_str(&o, PCAPNG_IF_OS, "Linux 6.18");
	pcapng_opts_add_u8(&o, PCAPNG_IF_FCSLEN, 4);
	pcapng_opts_add_i64(&o, PCAPNG_IF_TSOFFSET, 0);
	pcapng_opts_add_str(&o, PCAPNG_IF_HARDWARE, "virtio");
	pcapng_opts_add_u64(&o, PCAPNG_IF_TXSPEED, 100000000ULL);
	pcapng_opts_add_u64(&o, PCAPNG_IF_RXSPEED, 200000000ULL);
	err = pcapng_write_idb(w, LINKTYPE_LINUX_SLL2, 262164, &o, &id0);
	if (err)
		goto cleanup;

	/* Interface 1: microseconds (no if_tsresol), 10 s offset. */
	pcapng_opts_reset(&o);
	pcapng_opts_add_str(&o, PCAPNG_IF_NAME, "lo");
	pcapng_opts_add_i64(&o, PCAPNG_IF_TSOFFSET, TSOFF_1);
	err = pcapng_write_idb(w, LINKTYPE_LINUX_SLL2, 262164, &o, &id1);
	if (err)
		goto cleanup;

	pcapng_opts_reset(&o);
	pcapng_opts_add_str(&o, PCAPNG_OPT_COMMENT, "curl[4242/4243] uid=1000 gid=1000 (socket)");
	pcapng_opts_add_u32(&o, PCAPNG_EPB_FLAGS, PCAPNG_EPB_DIR_OUTBOUND);
	pcapng_opts_add(&o, PCAPNG_EPB_HASH, hash, sizeof(hash));
	pcapng_opts_add_u64(&o, PCAPNG_EPB_DROPCOUNT, 7);
	pcapng_opts_add_u64(&o, PCAPNG_EPB_PACKETID, 0x1122334455667788ULL);
	pcapng_opts_add_u32(&o, PCAPNG_EPB_QUEUE, 3);
	v64 = 0x0102030405060708ULL; /* a TC verdict (type 1), u64 */
	pcapng_opts_add_typed(&o, PCAPNG_EPB_VERDICT, 1, &v64, 8);
	pcapng_opts_add_pid_tid(&o, 4242, 4243);
	pcapng_opts_add_custom(&o, PCAPNG_OPT_CUSTOM_BIN, NR_PEN, annot_bytes, sizeof(annot_bytes));
	pcapng_opts_add_custom(&o, PCAPNG_OPT_CUSTOM_STR, NR_PEN, "hello", 5);
	pcapng_opts_add_custom(&o, PCAPNG_OPT_CUSTOM_STR_NC, NR_PEN, "nc", 2);
	pcapng_opts_add_custom(&o, PCAPNG_OPT_CUSTOM_BIN_NC, NR_PEN, "\x09", 1);
	err = pcapng_write_epb(w, id0, TS_NS_0, pkt0, sizeof(pkt0), 1500, &o);
	if (err)
		goto cleanup;
	err = pcapng_write_epb(w, id1, TS_US_1, pkt1, sizeof(pkt1), sizeof(pkt1), NULL);
	if (err)
		goto cleanup;
	err = pcapng_write_spb(w, spb, sizeof(spb), sizeof(spb));
	if (err)
		goto cleanup;

	pcapng_opts_reset(&o);
	pcapng_opts_add_str(&o, PCAPNG_OPT_COMMENT, "names");
	pcapng_opts_add_str(&o, PCAPNG_NS_DNSNAME, "ns.example");
	pcapng_opts_add(&o, PCAPNG_NS_DNSIP4ADDR, dns4, 4);
	pcapng_opts_add(&o, PCAPNG_NS_DNSIP6ADDR, ip6, 16);
	err = pcapng_write_nrb(w, recs, 2, &o);
	if (err)
		goto cleanup;

	pcapng_opts_reset(&o);
	pcapng_opts_add_str(&o, PCAPNG_OPT_COMMENT, "secrets");
	err = pcapng_write_dsb(w, 0x544c534bU, dsb_text, sizeof(dsb_text) - 1, &o);
	if (err)
		goto cleanup;
	err = pcapng_write_custom(w, true, NR_PEN, clock_bytes, sizeof(clock_bytes), NULL);
	if (err)
		goto cleanup;
	err = pcapng_write_custom(w, false, 0x12345678, "odd", 3, NULL);
	if (err)
		goto cleanup;
	err = pcapng_write_jeb(w, jeb_text, sizeof(jeb_text) - 1);
	if (err)
		goto cleanup;
	err = pcapng_write_block(w, 0x0000ABCDU, unk_body, sizeof(unk_body));
	if (err)
		goto cleanup;

	pcapng_opts_reset(&o);
	pcapng_opts_add_str(&o, PCAPNG_OPT_COMMENT, "stats");
	pcapng_opts_add_ts(&o, PCAPNG_ISB_STARTTIME, ISB_START);
	pcapng_opts_add_ts(&o, PCAPNG_ISB_ENDTIME, ISB_END);
	pcapng_opts_add_u64(&o, PCAPNG_ISB_IFRECV, 100);
	pcapng_opts_add_u64(&o, PCAPNG_ISB_IFDROP, 1);
	pcapng_opts_add_u64(&o, PCAPNG_ISB_FILTERACCEPT, 98);
	pcapng_opts_add_u64(&o, PCAPNG_ISB_OSDROP, 2);
	pcapng_opts_add_u64(&o, PCAPNG_ISB_USRDELIV, 97);
	err = pcapng_write_isb(w, id0, ISB_END, &o);
	if (err)
		goto cleanup;

	/* Section 1: interface numbering starts again at 0. */
	err = pcapng_write_shb(w, NULL);
	if (err)
		goto cleanup;
	err = pcapng_write_idb(w, LINKTYPE_ETHERNET, 1514, NULL, &id2);
	if (err)
		goto cleanup;
	err = pcapng_write_epb(w, id2, TS_US_1, pkt1, sizeof(pkt1), 60, NULL);
	if (err)
		goto cleanup;
	if (id0 != 0 || id1 != 1 || id2 != 0)
		err = -EPROTO;
cleanup:
	pcapng_opts_free(&o);
	if (err) {
		pcapng_writer_close(w);
		return err;
	}
	return pcapng_writer_close(w);
}

/* Find option code in a record (nth occurrence from 0). */
static bool get_opt(const struct capfile_rec *r, uint16_t code, int nth,
		    struct capfile_opt_iter *it, struct capfile_opt *o)
{
	capfile_opt_iter_init(it, r);
	while (capfile_opt_next(it, o) > 0) {
		if (o->code == code && nth-- == 0)
			return true;
	}
	return false;
}

static bool opt_is(const struct capfile_rec *r, uint16_t code, int nth,
		   const void *val, size_t len)
{
	struct capfile_opt_iter it;
	struct capfile_opt o;

	return get_opt(r, code, nth, &it, &o) && o.len == len && !memcmp(o.val, val, len);
}

static bool opt_str(const struct capfile_rec *r, uint16_t code, const char *s)
{
	return opt_is(r, code, 0, s, strlen(s));
}

static uint64_t opt_num(const struct capfile_rec *r, uint16_t code, int size)
{
	struct capfile_opt_iter it;
	struct capfile_opt o;

	if (!get_opt(r, code, 0, &it, &o) || o.len != size)
		return 0xDEADDEADDEADDEADULL;
	return size == 4 ? capfile_opt_u32(&it, &o) : capfile_opt_u64(&it, &o);
}

/* A u32 as stored in the file, in the record's byte order. */
static uint32_t rec32(const struct capfile_rec *r, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return r->swapped ? __builtin_bswap32(v) : v;
}

static uint64_t rec64(const struct capfile_rec *r, const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return r->swapped ? __builtin_bswap64(v) : v;
}

/* Custom option: PEN (record order) then data. */
static bool custom_is(const struct capfile_rec *r, uint16_t code, const void *data, size_t len)
{
	struct capfile_opt_iter it;
	struct capfile_opt o;

	return get_opt(r, code, 0, &it, &o) && o.len == 4 + len &&
	       rec32(r, o.val) == NR_PEN && !memcmp(o.val + 4, data, len);
}

static int next(struct capfile *f, struct capfile_rec *r, enum capfile_rec_type t,
		const char *what)
{
	int ret = capfile_next(f, r);

	if (!ASSERT_EQ(ret, 1, what)) {
		if (ret < 0)
			fprintf(stderr, "  reader: %s at %llu\n", capfile_error(f)->what,
				(unsigned long long)capfile_error(f)->offset);
		return -1;
	}
	if (!ASSERT_EQ(r->type, t, what))
		return -1;
	return 0;
}

static void check_everything(const uint8_t *buf, size_t len, bool swapped)
{
	struct capfile *f = NULL;
	struct capfile_rec r;
	const struct capfile_iface *ifc;
	struct capfile_opt_iter it;
	struct capfile_opt o;
	struct nr_pkt_annot a;
	struct nr_cb_clock c;
	const uint8_t *v;
	size_t vl;

	if (!ASSERT_OK(capfile_open_mem(&f, buf, len, NULL), "open"))
		return;
	ASSERT_EQ(capfile_kind(f), CAPFILE_PCAPNG, "kind");

	/* SHB */
	if (next(f, &r, CAPFILE_REC_SHB, "SHB"))
		goto out;
	ASSERT_EQ(r.swapped, swapped, "SHB byte order");
	ASSERT_EQ(r.section, 0, "section 0");
	ASSERT_EQ(r.offset, 0, "SHB offset");
	ASSERT_TRUE(opt_str(&r, PCAPNG_OPT_COMMENT, "section comment"), "shb comment");
	ASSERT_TRUE(opt_str(&r, PCAPNG_SHB_HARDWARE, "x86_64"), "shb_hardware");
	ASSERT_TRUE(opt_str(&r, PCAPNG_SHB_OS, "Linux 6.18"), "shb_os");
	ASSERT_TRUE(opt_str(&r, PCAPNG_SHB_USERAPPL, "netrec-test"), "shb_userappl");
	ASSERT_TRUE(custom_is(&r, PCAPNG_OPT_CUSTOM_STR, "str", 3), "shb 2988");
	ASSERT_TRUE(custom_is(&r, PCAPNG_OPT_CUSTOM_BIN, "\x01\x02\x03", 3), "shb 2989");
	ASSERT_TRUE(custom_is(&r, PCAPNG_OPT_CUSTOM_STR_NC, "nc", 2), "shb 19372");
	ASSERT_TRUE(custom_is(&r, PCAPNG_OPT_CUSTOM_BIN_NC, "\x04", 1), "shb 19373");

	/* IDB 0 */
	if (next(f, &r, CAPFILE_REC_IDB, "IDB 0"))
		goto out;
	ASSERT_TRUE(opt_str(&r, PCAPNG_OPT_COMMENT, "interface comment"), "if comment");
	ASSERT_TRUE(opt_is(&r, PCAPNG_IF_IPV4ADDR, 0, ip4mask, 8), "if_IPv4addr");
	ASSERT_TRUE(opt_is(&r, PCAPNG_IF_IPV6ADDR, 0, ip6pfx, 17), "if_IPv6addr");
	ASSERT_TRUE(opt_is(&r, PCAPNG_IF_MACADDR, 0, mac, 6), "if_MACaddr");
	ASSERT_TRUE(opt_is(&r, PCAPNG_IF_EUIADDR, 0, eui, 8), "if_EUIaddr");
	ASSERT_EQ_U64(opt_num(&r, PCAPNG_IF_SPEED, 8), 1000000000ULL, "if_speed");
	ASSERT_TRUE(opt_is(&r, PCAPNG_IF_TSRESOL, 0, "\x09", 1), "if_tsresol");
	ASSERT_EQ_U64(opt_num(&r, PCAPNG_IF_TZONE, 4), 3600, "if_tzone");
	ASSERT_TRUE(opt_is(&r, PCAPNG_IF_FILTER, 0, "\0tcp port 80", 12), "if_filter");
	ASSERT_TRUE(opt_is(&r, PCAPNG_IF_FCSLEN, 0, "\x04", 1), "if_fcslen");
	ASSERT_EQ_U64(opt_num(&r, PCAPNG_IF_TSOFFSET, 8), 0, "if_tsoffset");
	ASSERT_EQ_U64(opt_num(&r, PCAPNG_IF_TXSPEED, 8), 100000000ULL, "if_txspeed");
	ASSERT_EQ_U64(opt_num(&r, PCAPNG_IF_RXSPEED, 8), 200000000ULL, "if_rxspeed");
	ifc = capfile_iface(f, 0);
	if (ASSERT_OK_PTR(ifc, "iface 0")) {
		ASSERT_EQ(ifc->linktype, LINKTYPE_LINUX_SLL2, "linktype");
		ASSERT_EQ(ifc->snaplen, 262164, "snaplen");
		ASSERT_EQ_U64(ifc->ts_units_per_sec, 1000000000ULL, "tsresol 9");
		ASSERT_EQ(ifc->tsresol_raw, 9, "tsresol raw");
		ASSERT_STREQ(ifc->name, "veth0", "if_name");
		ASSERT_STREQ(ifc->description, "ifindex 7, netns 4026531840, eth", "if_description");
		ASSERT_STREQ(ifc->filter, "tcp port 80", "if_filter string");
		ASSERT_STREQ(ifc->os, "Linux 6.18", "if_os");
		ASSERT_STREQ(ifc->hardware, "virtio", "if_hardware");
	}

	/* IDB 1 */
	if (next(f, &r, CAPFILE_REC_IDB, "IDB 1"))
		goto out;
	ifc = capfile_iface(f, 1);
	if (ASSERT_OK_PTR(ifc, "iface 1")) {
		ASSERT_EQ_U64(ifc->ts_units_per_sec, 1000000ULL, "default tsresol");
		ASSERT_EQ(ifc->tsoffset_sec, TSOFF_1, "tsoffset");
		ASSERT_STREQ(ifc->name, "lo", "if_name 1");
	}
	ASSERT_EQ(capfile_iface_count(f), 2, "two interfaces");

	/* EPB with every option */
	if (next(f, &r, CAPFILE_REC_PACKET, "EPB 0"))
		goto out;
	ASSERT_EQ(r.block_type, PCAPNG_BT_EPB, "EPB type");
	ASSERT_EQ(r.if_id, 0, "EPB if_id");
	ASSERT_EQ_U64(r.ts_raw, TS_NS_0, "EPB ts raw");
	ASSERT_EQ_U64((uint64_t)r.ts_ns, TS_NS_0, "EPB ts ns");
	ASSERT_EQ(r.caplen, sizeof(pkt0), "caplen");
	ASSERT_EQ(r.origlen, 1500, "origlen");
	if (r.caplen == sizeof(pkt0))
		ASSERT_MEMEQ(r.data, pkt0, sizeof(pkt0), "EPB data");
	ASSERT_TRUE(r.has_flags && r.flags == PCAPNG_EPB_DIR_OUTBOUND, "epb_flags");
	ASSERT_TRUE(r.has_pid && r.pid == 4242 && r.tid == 4243, "epb pid/tid");
	ASSERT_TRUE(r.has_dropcount && r.dropcount == 7, "epb_dropcount");
	ASSERT_TRUE(r.has_packetid && r.packetid == 0x1122334455667788ULL, "epb_packetid");
	ASSERT_TRUE(r.has_queue && r.queue == 3, "epb_queue");
	ASSERT_TRUE(r.comment && r.comment_len == strlen("curl[4242/4243] uid=1000 gid=1000 (socket)") &&
		    !memcmp(r.comment, "curl[4242/4243] uid=1000 gid=1000 (socket)", r.comment_len),
		    "comment");
	ASSERT_TRUE(opt_is(&r, PCAPNG_EPB_HASH, 0, hash, sizeof(hash)), "epb_hash");
	ASSERT_EQ_U64(opt_num(&r, PCAPNG_EPB_FLAGS, 4), PCAPNG_EPB_DIR_OUTBOUND, "flags via iter");
	ASSERT_EQ_U64(opt_num(&r, PCAPNG_EPB_DROPCOUNT, 8), 7, "dropcount via iter");
	if (ASSERT_TRUE(get_opt(&r, PCAPNG_EPB_VERDICT, 0, &it, &o) && o.len == 9, "epb_verdict")) {
		ASSERT_EQ(o.val[0], 1, "verdict type");
		ASSERT_EQ_U64(rec64(&r, o.val + 1), 0x0102030405060708ULL, "verdict value");
	}
	if (ASSERT_TRUE(get_opt(&r, PCAPNG_EPB_PID_TID, 0, &it, &o) && o.len == 8, "pid_tid opt")) {
		ASSERT_EQ(rec32(&r, o.val), 4242, "pid raw");
		ASSERT_EQ(rec32(&r, o.val + 4), 4243, "tid raw");
	}
	ASSERT_TRUE(custom_is(&r, PCAPNG_OPT_CUSTOM_STR, "hello", 5), "epb 2988");
	ASSERT_TRUE(custom_is(&r, PCAPNG_OPT_CUSTOM_STR_NC, "nc", 2), "epb 19372");
	ASSERT_TRUE(custom_is(&r, PCAPNG_OPT_CUSTOM_BIN_NC, "\x09", 1), "epb 19373");
	if (ASSERT_TRUE(get_opt(&r, PCAPNG_OPT_CUSTOM_BIN, 0, &it, &o), "annotation")) {
		ASSERT_OK(nr_annot_from_option(o.val, o.len, r.swapped, &a), "annot decode");
		ASSERT_EQ(a.pid, 4242, "annot pid");
		ASSERT_EQ_U64(a.cookie, 0xC00C1E, "annot cookie");
		ASSERT_EQ(a.netns, 4026531840U, "annot netns");
		/* the annotation is little-endian whatever the section */
		ASSERT_MEMEQ(o.val + 4, annot_bytes, NR_PKT_ANNOT_SIZE, "annot bytes");
	}

	/* EPB on the microsecond interface with a time offset */
	if (next(f, &r, CAPFILE_REC_PACKET, "EPB 1"))
		goto out;
	ASSERT_EQ(r.if_id, 1, "EPB 1 if_id");
	ASSERT_EQ_U64(r.ts_raw, TS_US_1, "EPB 1 raw");
	ASSERT_EQ_U64((uint64_t)r.ts_ns, TS_US_1 * 1000 + TSOFF_1 * 1000000000ULL, "EPB 1 ts ns");
	ASSERT_FALSE(r.has_flags || r.has_pid || r.comment, "no options");
	if (ASSERT_EQ(r.caplen, sizeof(pkt1), "EPB 1 caplen"))
		ASSERT_MEMEQ(r.data, pkt1, sizeof(pkt1), "EPB 1 data");

	/* SPB */
	if (next(f, &r, CAPFILE_REC_PACKET, "SPB"))
		goto out;
	ASSERT_EQ(r.block_type, PCAPNG_BT_SPB, "SPB type");
	ASSERT_EQ(r.origlen, sizeof(spb), "SPB origlen");
	if (ASSERT_EQ(r.caplen, sizeof(spb), "SPB caplen"))
		ASSERT_MEMEQ(r.data, spb, sizeof(spb), "SPB data");

	/* NRB: records are checked byte by byte, in the section's order */
	if (next(f, &r, CAPFILE_REC_NRB, "NRB"))
		goto out;
	ASSERT_TRUE(opt_str(&r, PCAPNG_OPT_COMMENT, "names"), "nrb comment");
	ASSERT_TRUE(opt_str(&r, PCAPNG_NS_DNSNAME, "ns.example"), "ns_dnsname");
	ASSERT_TRUE(opt_is(&r, PCAPNG_NS_DNSIP4ADDR, 0, dns4, 4), "ns_dnsIP4addr");
	ASSERT_TRUE(opt_is(&r, PCAPNG_NS_DNSIP6ADDR, 0, ip6, 16), "ns_dnsIP6addr");
	if (ASSERT_GE(r.body_len, 4 + 24 + 4 + 28 + 4, "NRB records")) {
		const uint8_t *p = r.body;
		uint16_t t, l;

		memcpy(&t, p, 2); memcpy(&l, p + 2, 2);
		if (r.swapped) { t = __builtin_bswap16(t); l = __builtin_bswap16(l); }
		ASSERT_EQ(t, PCAPNG_NRB_IPV4, "nrb ipv4 type");
		ASSERT_EQ(l, 4 + 10 + 10, "nrb ipv4 len");
		ASSERT_MEMEQ(p + 4, "\xc0\x00\x02\x01" "a.example\0b.example\0", 24, "nrb ipv4");
		p += 4 + 24;
		memcpy(&t, p, 2); memcpy(&l, p + 2, 2);
		if (r.swapped) { t = __builtin_bswap16(t); l = __builtin_bswap16(l); }
		ASSERT_EQ(t, PCAPNG_NRB_IPV6, "nrb ipv6 type");
		ASSERT_EQ(l, 16 + 10, "nrb ipv6 len");
		ASSERT_MEMEQ(p + 4, ip6, 16, "nrb ipv6 addr");
		ASSERT_MEMEQ(p + 20, "c.example\0\0\0", 12, "nrb ipv6 name, padding");
		p += 4 + 28;
		ASSERT_MEMEQ(p, "\0\0\0\0", 4, "nrb end record");
	}

	/* DSB: the whole body (type, length, secrets) */
	if (next(f, &r, CAPFILE_REC_DSB, "DSB"))
		goto out;
	ASSERT_EQ(r.secrets_type, 0x544c534bU, "secrets type");
	if (ASSERT_GE(r.body_len, 8 + sizeof(dsb_text) - 1, "DSB body")) {
		ASSERT_EQ(rec32(&r, r.body + 4), sizeof(dsb_text) - 1, "secrets length");
		ASSERT_MEMEQ(r.body + 8, dsb_text, sizeof(dsb_text) - 1, "secrets");
	}
	ASSERT_TRUE(opt_str(&r, PCAPNG_OPT_COMMENT, "secrets"), "dsb comment");

	/* Custom blocks, both kinds */
	if (next(f, &r, CAPFILE_REC_CUSTOM, "custom copyable"))
		goto out;
	ASSERT_EQ(r.block_type, PCAPNG_BT_CB_COPY, "0x0BAD");
	ASSERT_TRUE(r.copyable, "copyable");
	ASSERT_EQ(r.pen, NR_PEN, "custom PEN");
	ASSERT_EQ(nr_cb_type(r.body, r.body_len), NR_CB_CLOCK, "clock record");
	if (ASSERT_OK(nr_clock_decode(r.body, r.body_len, &c), "clock decode")) {
		ASSERT_EQ(c.mono_to_real_ns, -5, "clock offset");
		ASSERT_EQ_U64(c.uncertainty_ns, 100, "clock uncertainty");
	}
	if (next(f, &r, CAPFILE_REC_CUSTOM, "custom not copyable"))
		goto out;
	ASSERT_EQ(r.block_type, PCAPNG_BT_CB_NOCOPY, "0x40000BAD");
	ASSERT_FALSE(r.copyable, "not copyable");
	ASSERT_EQ(r.pen, 0x12345678, "other PEN");
	if (ASSERT_GE(r.body_len, 3, "custom data"))
		ASSERT_MEMEQ(r.body, "odd", 3, "custom bytes");

	/* JEB */
	if (next(f, &r, CAPFILE_REC_JOURNAL, "JEB"))
		goto out;
	ASSERT_EQ(r.block_type, PCAPNG_BT_JEB, "JEB type");
	if (ASSERT_GE(r.body_len, sizeof(jeb_text) - 1, "entry length")) {
		ASSERT_MEMEQ(r.body, jeb_text, sizeof(jeb_text) - 1, "entry");
		for (size_t i = sizeof(jeb_text) - 1; i < r.body_len; i++)
			ASSERT_EQ(r.body[i], 0, "NUL padding");
	}
	if (ASSERT_EQ(nr_jeb_field(r.body, r.body_len, "_COMM", &v, &vl), 1, "_COMM"))
		ASSERT_TRUE(vl == 4 && !memcmp(v, "curl", 4), "_COMM value");

	/* Unknown block type, body as given */
	if (next(f, &r, CAPFILE_REC_UNKNOWN, "unknown block"))
		goto out;
	ASSERT_EQ(r.block_type, 0x0000ABCDU, "unknown type");
	if (ASSERT_GE(r.body_len, sizeof(unk_body), "unknown body"))
		ASSERT_MEMEQ(r.body, unk_body, sizeof(unk_body), "unknown bytes");

	/* ISB */
	if (next(f, &r, CAPFILE_REC_ISB, "ISB"))
		goto out;
	ASSERT_EQ(r.if_id, 0, "ISB if_id");
	ASSERT_EQ_U64((uint64_t)r.ts_ns, ISB_END, "ISB ts");
	ASSERT_TRUE(opt_str(&r, PCAPNG_OPT_COMMENT, "stats"), "isb comment");
	if (ASSERT_TRUE(get_opt(&r, PCAPNG_ISB_STARTTIME, 0, &it, &o) && o.len == 8, "isb_starttime")) {
		ASSERT_EQ(rec32(&r, o.val), (uint32_t)(ISB_START >> 32), "start high");
		ASSERT_EQ(rec32(&r, o.val + 4), (uint32_t)ISB_START, "start low");
	}
	if (ASSERT_TRUE(get_opt(&r, PCAPNG_ISB_ENDTIME, 0, &it, &o) && o.len == 8, "isb_endtime")) {
		ASSERT_EQ(rec32(&r, o.val), (uint32_t)(ISB_END >> 32), "end high");
		ASSERT_EQ(rec32(&r, o.val + 4), (uint32_t)ISB_END, "end low");
	}
	ASSERT_EQ_U64(opt_num(&r, PCAPNG_ISB_IFRECV, 8), 100, "isb_ifrecv");
	ASSERT_EQ_U64(opt_num(&r, PCAPNG_ISB_IFDROP, 8), 1, "isb_ifdrop");
	ASSERT_EQ_U64(opt_num(&r, PCAPNG_ISB_FILTERACCEPT, 8), 98, "isb_filteraccept");
	ASSERT_EQ_U64(opt_num(&r, PCAPNG_ISB_OSDROP, 8), 2, "isb_osdrop");
	ASSERT_EQ_U64(opt_num(&r, PCAPNG_ISB_USRDELIV, 8), 97, "isb_usrdeliv");

	/* Section 1 */
	if (next(f, &r, CAPFILE_REC_SHB, "SHB 1"))
		goto out;
	ASSERT_EQ(r.section, 1, "section 1");
	ASSERT_EQ(r.swapped, swapped, "SHB 1 byte order");
	if (next(f, &r, CAPFILE_REC_IDB, "section 1 IDB"))
		goto out;
	ASSERT_EQ(capfile_iface_count(f), 1, "one interface in section 1");
	if (next(f, &r, CAPFILE_REC_PACKET, "section 1 EPB"))
		goto out;
	ASSERT_EQ(r.if_id, 0, "section 1 if_id");
	ASSERT_EQ(r.section, 1, "packet section");
	ASSERT_EQ(r.iface ? r.iface->linktype : 0, LINKTYPE_ETHERNET, "section 1 linktype");
	ASSERT_EQ_U64((uint64_t)r.ts_ns, TS_US_1 * 1000, "section 1 ts");
	ASSERT_EQ(capfile_next(f, &r), 0, "clean end");
	ASSERT_EQ(capfile_stats(f)->packets, 4, "packets counted");
	ASSERT_EQ(capfile_stats(f)->sections, 2, "sections counted");
out:
	capfile_close(f);
}

static void roundtrip(unsigned flags)
{
	int fd = memfd();
	uint8_t *buf;
	size_t len = 0, end = 0;
	int err;

	if (!ASSERT_GE(fd, 0, "memfd"))
		return;
	fill_data();
	err = write_everything(fd, flags, 0);
	ASSERT_OK(err, "write everything");
	buf = slurp(fd, &len);
	close(fd);
	if (!ASSERT_OK_PTR(buf, "read back"))
		return;
	/* 16 blocks, all well formed, nothing after them. */
	ASSERT_EQ(walk_blocks(buf, len, flags & PCAPNG_W_SWAP, &end), 16, "block count");
	ASSERT_EQ(end, len, "no trailing bytes");
	/* The SHB magic bytes on disk show the byte order (spec §4.1). */
	ASSERT_MEMEQ(buf + 8, (host_le() != !!(flags & PCAPNG_W_SWAP)) ?
		     "\x4d\x3c\x2b\x1a" : "\x1a\x2b\x3c\x4d", 4, "magic bytes");
	check_everything(buf, len, flags & PCAPNG_W_SWAP);
	free(buf);
}

static void test_roundtrip_host(void)
{
	roundtrip(0);
}

static void test_roundtrip_swapped(void)
{
	roundtrip(PCAPNG_W_SWAP);
}

static void test_roundtrip_block_flush(void)
{
	roundtrip(PCAPNG_W_BLOCK_FLUSH);
}

/* zstd: the decompressed stream equals the uncompressed file, and the
 * reader reads the compressed file directly. */
static void test_zstd(void)
{
	for (int mode = 0; mode < 3; mode++) {
		unsigned flags = mode == 1 ? PCAPNG_W_SWAP : mode == 2 ? PCAPNG_W_BLOCK_FLUSH : 0;
		int fd1 = memfd(), fd2 = memfd();
		uint8_t *plain = NULL, *z = NULL, *un = NULL;
		size_t plen = 0, zlen = 0, ulen = 0;
		bool complete = false;

		fill_data();
		ASSERT_OK(write_everything(fd1, flags, 0), "plain");
		ASSERT_OK(write_everything(fd2, flags, 3), "zstd");
		plain = slurp(fd1, &plen);
		z = slurp(fd2, &zlen);
		if (ASSERT_OK_PTR(plain, "plain") && ASSERT_OK_PTR(z, "z")) {
			ASSERT_MEMEQ(z, "\x28\xb5\x2f\xfd", 4, "zstd frame magic");
			un = unzstd(z, zlen, &ulen, &complete);
			if (ASSERT_OK_PTR(un, "decompress")) {
				ASSERT_TRUE(complete, "last frame complete");
				if (ASSERT_EQ(ulen, plen, "decompressed length"))
					ASSERT_MEMEQ(un, plain, plen, "decompressed bytes");
			}
			check_everything(z, zlen, flags & PCAPNG_W_SWAP);
		}
		free(plain);
		free(z);
		free(un);
		close(fd1);
		close(fd2);
	}
}

/* bytes_in counts pcapng bytes, bytes_out what reached the fd. */
static void test_counters(void)
{
	struct pcapng_writer_opts wo = { .zstd_level = 1 };
	struct pcapng_writer *w = NULL;
	uint8_t data[1000] = { 0 };
	uint32_t id;
	struct stat st;
	int fd = memfd();

	if (!ASSERT_OK(pcapng_writer_open(&w, fd, &wo), "open"))
		return;
	ASSERT_OK(pcapng_write_shb(w, NULL), "shb");
	ASSERT_OK(pcapng_write_idb(w, 1, 65535, NULL, &id), "idb");
	for (int i = 0; i < 100; i++)
		ASSERT_OK(pcapng_write_epb(w, id, (uint64_t)i, data, sizeof(data), sizeof(data), NULL), "epb");
	/* 28 + 20 + 100 * (32 + 1000) */
	ASSERT_EQ_U64(pcapng_writer_bytes_in(w), 28 + 20 + 100 * 1032, "bytes in");
	ASSERT_OK(pcapng_writer_flush(w), "flush");
	fstat(fd, &st);
	ASSERT_EQ_U64(pcapng_writer_bytes_out(w), (uint64_t)st.st_size, "bytes out = file size");
	ASSERT_LT(st.st_size, 28 + 20 + 100 * 1032, "zeros compress");
	ASSERT_OK(pcapng_writer_close(w), "close");
	close(fd);
}

/* ======================================================================
 * Classic pcap
 * ====================================================================== */

static void test_pcap(void)
{
	static const uint8_t pkt[7] = { 0x45, 0, 0, 7, 1, 2, 3 };
	const uint64_t ts = 1700000000123456789ULL;

	for (int nsec = 0; nsec < 2; nsec++) {
		for (int swap = 0; swap < 2; swap++) {
			struct pcap_writer *w = NULL;
			struct capfile *f = NULL;
			struct capfile_rec r;
			int fd = memfd();
			uint8_t *buf;
			size_t len = 0;
			bool be = host_le() == (bool)swap;
			/* Header by hand: magic, 2.4, zone 0, sigfigs 0, snaplen 65535, linktype 101 */
			uint8_t hdr_le[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					       0xff, 0xff, 0, 0, 101, 0, 0, 0 };
			uint8_t hdr_be[24] = { 0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0,
					       0, 0, 0xff, 0xff, 0, 0, 0, 101 };
			/* Record header: 1700000000 = 0x6553F100 s, then usec 123456
			 * (0x1E240) or nsec 123456789 (0x075BCD15), caplen 7, origlen 40. */
			uint8_t rec_le[16] = { 0x00, 0xf1, 0x53, 0x65, 0x40, 0xe2, 0x01, 0x00,
					       7, 0, 0, 0, 40, 0, 0, 0 };
			uint8_t rec_be[16] = { 0x65, 0x53, 0xf1, 0x00, 0x00, 0x01, 0xe2, 0x40,
					       0, 0, 0, 7, 0, 0, 0, 40 };

			if (nsec) {
				hdr_le[0] = 0x4d; hdr_le[1] = 0x3c;
				hdr_be[2] = 0x3c; hdr_be[3] = 0x4d;
				memcpy(rec_le + 4, "\x15\xcd\x5b\x07", 4);
				memcpy(rec_be + 4, "\x07\x5b\xcd\x15", 4);
			}
			if (!ASSERT_OK(pcap_writer_open(&w, fd, LINKTYPE_RAW, 65535, nsec,
							swap ? PCAPNG_W_SWAP : 0), "open"))
				continue;
			ASSERT_OK(pcap_write_packet(w, ts, pkt, sizeof(pkt), 40), "packet");
			ASSERT_OK(pcap_write_packet(w, ts + 1000, pkt, 3, 3), "packet 2");
			ASSERT_OK(pcap_writer_close(w), "close");
			buf = slurp(fd, &len);
			close(fd);
			if (!ASSERT_OK_PTR(buf, "slurp"))
				continue;
			if (ASSERT_EQ(len, 24 + 16 + 7 + 16 + 3, "pcap length")) {
				ASSERT_MEMEQ(buf, be ? hdr_be : hdr_le, 24, "pcap header");
				ASSERT_MEMEQ(buf + 24, be ? rec_be : rec_le, 16, "record header");
				ASSERT_MEMEQ(buf + 40, pkt, 7, "record data");
			}
			if (ASSERT_OK(capfile_open_mem(&f, buf, len, NULL), "reader")) {
				ASSERT_EQ(capfile_kind(f), CAPFILE_PCAP, "kind pcap");
				if (ASSERT_EQ(capfile_next(f, &r), 1, "rec 1")) {
					ASSERT_EQ(r.type, CAPFILE_REC_PACKET, "packet");
					ASSERT_EQ_U64((uint64_t)r.ts_ns, nsec ? ts : ts - 789, "pcap ts");
					ASSERT_EQ(r.caplen, 7, "caplen");
					ASSERT_EQ(r.origlen, 40, "origlen");
					ASSERT_EQ(r.iface ? r.iface->linktype : 0, LINKTYPE_RAW, "linktype");
				}
				if (ASSERT_EQ(capfile_next(f, &r), 1, "rec 2"))
					ASSERT_EQ_U64((uint64_t)r.ts_ns, nsec ? ts + 1000 : ts + 1000 - 789,
						      "pcap ts 2");
				ASSERT_EQ(capfile_next(f, &r), 0, "end");
			}
			capfile_close(f);
			free(buf);
		}
	}
}

/* ======================================================================
 * Profile encoders (docs/format.md §4, §6, §7, §5)
 * ====================================================================== */

static void test_profile_annot(void)
{
	struct nr_pkt_annot a = {
		.type = 1, .version = 3, .owner_src = NR_OWNER_ACCEPT,
		.flags = NR_ANNOT_F_OWNER | NR_ANNOT_F_COOKIE | NR_ANNOT_F_FRAGMENT,
		.cpu = 0x01020304, .seq = 0x1112131415161718ULL,
		.cookie = 0x2122232425262728ULL, .pid = 0x31323334, .tid = 0x41424344,
		.uid = 0x51525354, .gid = 0x61626364, .cgroup_id = 0x7172737475767778ULL,
		.netns = 0x81828384, .ifindex = 0x91929394, .ktime_ns = 0xA1A2A3A4A5A6A7A8ULL,
		.parse = NR_PARSE_WHY_EXT_CHAIN, .l4_proto = 6, .frag_id = 0xB1B2B3B4,
		.ns_pid = 0xC1C2C3C4, .ns_tid = 0xD1D2D3D4, .same_id = 0xE1E2E3E4E5E6E7E8ULL,
	}, b;
	/* docs/format.md §4 table, little-endian, by hand */
	static const uint8_t exp[88] = {
		1, 3, 3, 0x0B, 0x04, 0x03, 0x02, 0x01,
		0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11,
		0x28, 0x27, 0x26, 0x25, 0x24, 0x23, 0x22, 0x21,
		0x34, 0x33, 0x32, 0x31, 0x44, 0x43, 0x42, 0x41,
		0x54, 0x53, 0x52, 0x51, 0x64, 0x63, 0x62, 0x61,
		0x78, 0x77, 0x76, 0x75, 0x74, 0x73, 0x72, 0x71,
		0x84, 0x83, 0x82, 0x81, 0x94, 0x93, 0x92, 0x91,
		0xA8, 0xA7, 0xA6, 0xA5, 0xA4, 0xA3, 0xA2, 0xA1,
		3, 6, 0, 0, 0xB4, 0xB3, 0xB2, 0xB1,
		0xC4, 0xC3, 0xC2, 0xC1, 0xD4, 0xD3, 0xD2, 0xD1,
		0xE8, 0xE7, 0xE6, 0xE5, 0xE4, 0xE3, 0xE2, 0xE1,
	};
	uint8_t out[88], opt[4 + 88 + 8];
	uint32_t pen = NR_PEN;

	nr_annot_encode(&a, out);
	ASSERT_MEMEQ(out, exp, 88, "annotation bytes");
	memset(&b, 0xEE, sizeof(b));
	ASSERT_OK(nr_annot_decode(exp, 88, &b), "decode");
	ASSERT_MEMEQ(&a, &b, sizeof(a), "decoded fields");
	ASSERT_EQ(nr_annot_decode(exp, 87, &b), -EINVAL, "version 3 shorter than 88 bytes");
	/* version 2 (72 bytes, no namespace pid or same-packet id) */
	memcpy(opt, exp, 72);
	opt[1] = 2;
	memset(&b, 0xEE, sizeof(b));
	ASSERT_OK(nr_annot_decode(opt, 72, &b), "version 2");
	ASSERT_EQ(b.frag_id, 0xB1B2B3B4, "version 2: frag id");
	ASSERT_EQ(b.ns_pid, 0, "version 2: no namespace pid");
	ASSERT_EQ_U64(b.same_id, 0, "version 2: no same-packet id");
	ASSERT_EQ(nr_annot_decode(opt, 71, &b), -EINVAL, "version 2 shorter than 72 bytes");
	/* version 1 (64 bytes, no parse/fragment fields): accepted, those zero */
	memcpy(opt, exp, 64);
	opt[1] = 1;
	memset(&b, 0xEE, sizeof(b));
	ASSERT_OK(nr_annot_decode(opt, 64, &b), "version 1");
	ASSERT_EQ(b.version, 1, "version");
	ASSERT_EQ(b.parse, 0, "version 1: no parse field");
	ASSERT_EQ(b.frag_id, 0, "version 1: no fragment id");
	ASSERT_EQ_U64(b.ktime_ns, 0xA1A2A3A4A5A6A7A8ULL, "version 1: ktime");
	ASSERT_EQ(nr_annot_decode(opt, 63, &b), -EINVAL, "short");
	/* later versions append fields: accepted */
	memcpy(opt, exp, 88);
	opt[1] = 4;
	memset(opt + 88, 0xAB, 8);
	ASSERT_OK(nr_annot_decode(opt, 96, &b), "longer value");
	ASSERT_EQ(b.frag_id, 0xB1B2B3B4, "longer value: frag id");
	ASSERT_EQ_U64(b.same_id, 0xE1E2E3E4E5E6E7E8ULL, "longer value: same-packet id");
	opt[0] = 2;
	ASSERT_EQ(nr_annot_decode(opt, 96, &b), -EINVAL, "wrong type");
	opt[0] = 1;
	opt[1] = 0;
	ASSERT_EQ(nr_annot_decode(opt, 96, &b), -EINVAL, "version 0");

	/* option value: PEN in section order, then the LE annotation */
	memcpy(opt, &pen, 4);
	memcpy(opt + 4, exp, 88);
	ASSERT_OK(nr_annot_from_option(opt, 92, 0, &b), "from option, host order");
	ASSERT_EQ_U64(b.ktime_ns, 0xA1A2A3A4A5A6A7A8ULL, "ktime");
	ASSERT_EQ(nr_annot_from_option(opt, 92, 1, &b), -EINVAL, "PEN in wrong order");
	pen = __builtin_bswap32(NR_PEN);
	memcpy(opt, &pen, 4);
	ASSERT_OK(nr_annot_from_option(opt, 92, 1, &b), "from option, swapped");
	ASSERT_EQ(b.pid, 0x31323334, "pid");
	ASSERT_EQ(nr_annot_from_option(opt, 3, 1, &b), -EINVAL, "too short for PEN");
	pen = 12345;
	memcpy(opt, &pen, 4);
	ASSERT_EQ(nr_annot_from_option(opt, 92, 0, &b), -EINVAL, "foreign PEN");
}

static void test_profile_blocks(void)
{
	struct nr_cb_clock c = { NR_CB_CLOCK, 1, -2, 0x0102, 0x1122334455667788LL }, c2;
	struct nr_cb_stats s = { NR_CB_STATS, 2, 1, 2, 3, 4, 5, 6, 7, -8, 9, 10 }, s2;
	static const uint8_t cexp[32] = {
		1, 0, 0, 0, 1, 0, 0, 0,
		0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
		0x02, 0x01, 0, 0, 0, 0, 0, 0,
		0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
	};
	uint8_t sexp[88] = { 2, 0, 0, 0, 2, 0, 0, 0 };
	uint8_t out[88];

	for (int i = 0; i < 10; i++)
		sexp[8 + 8 * i] = (uint8_t)(i + 1);
	memset(sexp + 64, 0xFF, 8);
	sexp[64] = 0xF8; /* -8 */
	nr_clock_encode(&c, out);
	ASSERT_MEMEQ(out, cexp, 32, "clock bytes");
	ASSERT_OK(nr_clock_decode(cexp, 32, &c2), "clock decode");
	ASSERT_MEMEQ(&c, &c2, sizeof(c), "clock fields");
	ASSERT_EQ(nr_clock_decode(cexp, 31, &c2), -EINVAL, "clock short");
	ASSERT_EQ(nr_stats_decode(cexp, 32, &s2), -EINVAL, "clock is not stats");
	ASSERT_EQ(nr_cb_type(cexp, 32), NR_CB_CLOCK, "cb type clock");
	ASSERT_EQ(nr_cb_type(cexp, 3), 0, "cb type short");

	nr_stats_encode(&s, out);
	ASSERT_MEMEQ(out, sexp, 88, "stats bytes");
	ASSERT_OK(nr_stats_decode(sexp, 88, &s2), "stats decode");
	ASSERT_MEMEQ(&s, &s2, sizeof(s), "stats fields");
	ASSERT_EQ(nr_stats_decode(sexp, 87, &s2), -EINVAL, "stats version 2 short");
	ASSERT_EQ(nr_cb_type(sexp, 88), NR_CB_STATS, "cb type stats");
	/* §7: as an ISB option, the PEN (32473 = 0x7ED9) in the section's
	 * byte order, then the same little-endian bytes */
	{
		uint8_t opt[92] = { 0xD9, 0x7E, 0, 0 };

		memcpy(opt + 4, sexp, 88);
		ASSERT_OK(nr_stats_from_option(opt, 92, 0, &s2), "stats option");
		ASSERT_MEMEQ(&s, &s2, sizeof(s), "stats option fields");
		ASSERT_EQ(nr_stats_from_option(opt, 92, 1, &s2), -EINVAL,
			  "stats option: PEN in the other byte order");
		opt[0] = 0; opt[1] = 0; opt[2] = 0x7E; opt[3] = 0xD9;
		ASSERT_OK(nr_stats_from_option(opt, 92, 1, &s2), "stats option, big-endian section");
		ASSERT_EQ_U64(s2.packets_unparsed, 10, "big-endian section: fields stay little-endian");
		opt[3] = 0xDA;
		ASSERT_EQ(nr_stats_from_option(opt, 92, 1, &s2), -EINVAL, "another PEN");
		ASSERT_EQ(nr_stats_from_option(opt, 3, 1, &s2), -EINVAL, "option short");
	}
	/* version 1: 80 bytes, no unparsed count */
	sexp[4] = 1;
	ASSERT_OK(nr_stats_decode(sexp, 80, &s2), "stats version 1");
	ASSERT_EQ_U64(s2.packets_unparsed, 0, "version 1: no unparsed count");
	ASSERT_EQ_U64(s2.end_ns, 9, "version 1: end");
	ASSERT_EQ(nr_stats_decode(sexp, 79, &s2), -EINVAL, "stats short");
}

static void test_profile_journal(void)
{
	struct nr_jeb_buf b;
	const uint8_t *v;
	size_t vl;
	/* journal export format, binary field by hand */
	static const char exp[] =
		"MESSAGE=hello world\n"
		"_PID=4242\n"
		"NETREC_MULTI\n\x05\0\0\0\0\0\0\0a\nb\nc\n"
		"EMPTY=\n";

	nr_jeb_init(&b);
	ASSERT_OK(nr_jeb_add(&b, "MESSAGE", "hello world", 11), "add");
	ASSERT_OK(nr_jeb_addf(&b, "_PID", "%d", 4242), "addf");
	ASSERT_OK(nr_jeb_add(&b, "NETREC_MULTI", "a\nb\nc", 5), "binary");
	ASSERT_OK(nr_jeb_add(&b, "EMPTY", "", 0), "empty");
	if (ASSERT_EQ(b.len, sizeof(exp) - 1, "entry length"))
		ASSERT_MEMEQ(b.buf, exp, sizeof(exp) - 1, "entry bytes");

	ASSERT_EQ(nr_jeb_field((const uint8_t *)exp, sizeof(exp) - 1, "_PID", &v, &vl), 1, "_PID");
	ASSERT_TRUE(vl == 4 && !memcmp(v, "4242", 4), "_PID value");
	ASSERT_EQ(nr_jeb_field((const uint8_t *)exp, sizeof(exp) - 1, "NETREC_MULTI", &v, &vl), 1, "bin");
	ASSERT_TRUE(vl == 5 && !memcmp(v, "a\nb\nc", 5), "binary value");
	ASSERT_EQ(nr_jeb_field((const uint8_t *)exp, sizeof(exp) - 1, "EMPTY", &v, &vl), 1, "empty");
	ASSERT_EQ(vl, 0, "empty value");
	ASSERT_EQ(nr_jeb_field((const uint8_t *)exp, sizeof(exp) - 1, "_PI", &v, &vl), 0, "prefix");
	ASSERT_EQ(nr_jeb_field((const uint8_t *)exp, sizeof(exp) - 1, "MISSING", &v, &vl), 0, "missing");
	/* truncated binary length: not found, no overread */
	ASSERT_EQ(nr_jeb_field((const uint8_t *)exp, 20 + 10 + 13 + 4, "NETREC_MULTI", &v, &vl), 0,
		  "truncated binary");
	/* a length larger than the entry */
	{
		static const char bad[] = "X\n\xff\xff\xff\xff\xff\xff\xff\x7f" "abc\n";

		ASSERT_EQ(nr_jeb_field((const uint8_t *)bad, sizeof(bad) - 1, "X", &v, &vl), 0, "huge length");
	}
	/* an empty line ends the entry */
	{
		static const char two[] = "A=1\n\nB=2\n";

		ASSERT_EQ(nr_jeb_field((const uint8_t *)two, sizeof(two) - 1, "B", &v, &vl), 0, "second entry");
	}
	ASSERT_EQ(nr_jeb_add(&b, "BAD=NAME", "x", 1), -EINVAL, "bad name");
	ASSERT_EQ(nr_jeb_add(&b, "OK", "x", 1), -EINVAL, "sticky");
	nr_jeb_reset(&b);
	ASSERT_EQ(b.len, 0, "reset");
	{
		char big[1000];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = 0;
		ASSERT_OK(nr_jeb_addf(&b, "BIG", "%s", big), "long addf");
		ASSERT_EQ(b.len, 4 + 999 + 1, "long length");
	}
	nr_jeb_free(&b);

	ASSERT_STREQ(nr_owner_src_name(NR_OWNER_UNKNOWN), "unknown", "0");
	ASSERT_STREQ(nr_owner_src_name(NR_OWNER_KERNEL), "kernel", "1");
	ASSERT_STREQ(nr_owner_src_name(NR_OWNER_SOCKET), "socket", "2");
	ASSERT_STREQ(nr_owner_src_name(NR_OWNER_ACCEPT), "accept", "3");
	ASSERT_STREQ(nr_owner_src_name(NR_OWNER_TUPLE), "tuple", "4");
	ASSERT_STREQ(nr_owner_src_name(NR_OWNER_PREEXIST), "preexisting", "5");
	ASSERT_STREQ(nr_owner_src_name(NR_OWNER_ICMP_ECHO), "icmp_echo", "6");
	ASSERT_STREQ(nr_owner_src_name(NR_OWNER_ICMP_QUOTE), "icmp_quote", "7");
	ASSERT_STREQ(nr_owner_src_name(NR_OWNER_LATE), "late", "8");
	ASSERT_STREQ(nr_owner_src_name(NR_OWNER_FRAGMENT), "fragment", "9");
	ASSERT_OK_PTR(nr_owner_src_name(1000), "out of range is not NULL");
	/* §5.2 event names, both ways */
	{
		static const char *const names[] = { "state", "retransmit",
			"retransmit_synack", "reset_sent", "reset_recv", "sk_error",
			"zero_window_adv", "window_open_adv", "zero_window_recv",
			"window_open_recv", "destroy" };

		for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			ASSERT_STREQ(nr_event_name(i + 1), names[i], "event name");
			ASSERT_EQ(nr_event_from_name(names[i], strlen(names[i])), i + 1,
				  "event from name");
		}
		ASSERT_OK_PTR(nr_event_text(NR_EVENT_RETRANSMIT), "event text");
		ASSERT_EQ(nr_event_from_name("stat", 4), 0, "prefix is not a name");
		ASSERT_EQ(nr_event_name(0) == NULL, 1, "no event 0");
		ASSERT_EQ(nr_event_name(NR_EVENT_MAX) == NULL, 1, "no event past the last");
	}
	/* §5.1: Linux's TCP state numbers (include/net/tcp_states.h) */
	ASSERT_STREQ(nr_tcp_state_name(1), "ESTABLISHED", "state 1");
	ASSERT_STREQ(nr_tcp_state_name(2), "SYN_SENT", "state 2");
	ASSERT_STREQ(nr_tcp_state_name(4), "FIN_WAIT1", "state 4");
	ASSERT_STREQ(nr_tcp_state_name(8), "CLOSE_WAIT", "state 8");
	ASSERT_STREQ(nr_tcp_state_name(10), "LISTEN", "state 10");
	ASSERT_STREQ(nr_tcp_state_name(11), "CLOSING", "state 11");
	ASSERT_STREQ(nr_tcp_state_name(0), "UNKNOWN", "state 0");
	ASSERT_STREQ(nr_tcp_state_name(200), "UNKNOWN", "state 200");
	/* §4.2 */
	ASSERT_STREQ(nr_parse_why_name(NR_PARSE_WHY_TRUNCATED), "truncated header", "why 1");
	ASSERT_STREQ(nr_parse_why_name(NR_PARSE_WHY_EXT_CHAIN),
		     "too many IPv6 extension headers", "why 3");
	ASSERT_STREQ(nr_parse_why_name(99), "invalid", "why out of range");
}

/* ======================================================================
 * Failure behaviour
 * ====================================================================== */

static void test_invalid_calls(void)
{
	struct pcapng_writer *w = NULL;
	struct pcapng_opts o;
	uint8_t d[4] = { 0 };
	uint32_t id;
	int fd = memfd();
	struct stat st;

	pcapng_opts_init(&o);
	if (!ASSERT_OK(pcapng_writer_open(&w, fd, NULL), "open"))
		return;
	ASSERT_EQ(pcapng_write_idb(w, 1, 100, NULL, &id), -EINVAL, "IDB before SHB");
	ASSERT_EQ(pcapng_write_epb(w, 0, 0, d, 4, 4, NULL), -EINVAL, "EPB before SHB");
	ASSERT_OK(pcapng_write_shb(w, NULL), "shb");
	ASSERT_EQ(pcapng_write_epb(w, 0, 0, d, 4, 4, NULL), -EINVAL, "EPB without IDB");
	ASSERT_EQ(pcapng_write_spb(w, d, 4, 4), -EINVAL, "SPB without IDB");
	ASSERT_OK(pcapng_write_idb(w, 1, 100, NULL, &id), "idb");
	ASSERT_EQ(pcapng_write_epb(w, 1, 0, d, 4, 4, NULL), -EINVAL, "unknown if_id");
	ASSERT_EQ(pcapng_write_isb(w, 1, 0, NULL), -EINVAL, "ISB unknown if_id");
	ASSERT_EQ(pcapng_write_epb(w, 0, 0, d, 4, 3, NULL), -EINVAL, "caplen > origlen");
	pcapng_opts_add(&o, 0, NULL, 0);
	ASSERT_EQ(pcapng_write_epb(w, 0, 0, d, 4, 4, &o), -EINVAL, "bad option list");
	ASSERT_EQ(pcapng_write_jeb(w, NULL, 0), -EINVAL, "empty JEB");
	/* SPB data must be min(origlen, snaplen of interface 0) = min(x, 100) */
	{
		static uint8_t big[200];

		ASSERT_EQ(pcapng_write_spb(w, big, 150, 150), -EINVAL, "SPB longer than snaplen");
		ASSERT_EQ(pcapng_write_spb(w, big, 50, 150), -EINVAL, "SPB shorter than snaplen");
		ASSERT_EQ(pcapng_write_spb(w, big, 3, 4), -EINVAL, "SPB shorter than origlen");
		ASSERT_OK(pcapng_write_spb(w, big, 100, 150), "SPB cut at snaplen");
		ASSERT_OK(pcapng_write_spb(w, big, 4, 4), "SPB whole");
	}
	/* blocks larger than readers accept, except as raw blocks */
	{
		size_t n = CAPFILE_DEFAULT_MAX_BLOCK;
		uint8_t *huge = calloc(1, n);

		if (ASSERT_OK_PTR(huge, "alloc")) {
			ASSERT_EQ(pcapng_write_epb(w, 0, 0, huge, (uint32_t)n, (uint32_t)n, NULL),
				  -EMSGSIZE, "EPB over 16 MiB");
			ASSERT_EQ(pcapng_write_custom(w, true, NR_PEN, huge, n - 12, NULL), -EMSGSIZE,
				  "custom block of 16 MiB + 4");
			ASSERT_OK(pcapng_write_custom(w, true, NR_PEN, huge, n - 16, NULL),
				  "custom block of exactly 16 MiB");
			ASSERT_OK(pcapng_write_block(w, 0x0000ABCDU, huge, n), "raw block over 16 MiB");
		}
		free(huge);
	}
	/* blocks built in place: rejected calls, and one begun but overtaken by
	 * another write, leave nothing behind */
	{
		struct pcapng_epb_place pl;
		uint8_t *e;

		ASSERT_EQ(pcapng_epb_begin(w, 1, 0, 4, 4, 0, &pl), -EINVAL, "in place: unknown if_id");
		ASSERT_EQ(pcapng_epb_begin(w, 0, 0, 5, 4, 0, &pl), -EINVAL, "in place: caplen > origlen");
		ASSERT_EQ(pcapng_epb_begin(w, 0, 0, 4, 4, 6, &pl), -EINVAL,
			  "in place: options not a multiple of 4");
		ASSERT_EQ(pcapng_epb_commit(w), -EINVAL, "commit without a begin");
		ASSERT_OK(pcapng_epb_begin(w, 0, 0, 4, 4, 0, &pl), "begin");
		memcpy(pl.data, d, 4);
		ASSERT_OK(pcapng_write_spb(w, d, 4, 4), "another block before the commit");
		ASSERT_EQ(pcapng_epb_commit(w), -EINVAL, "the begun block is gone");
		ASSERT_OK(pcapng_jeb_begin(w, 16, &e), "journal entry begin");
		memcpy(e, "A=1\n", 4);
		ASSERT_EQ(pcapng_jeb_commit(w, 17), -EINVAL, "longer than reserved");
		ASSERT_OK(pcapng_jeb_begin(w, 16, &e), "journal entry begin");
		ASSERT_EQ(pcapng_epb_commit(w), -EINVAL, "an entry is not committed as an EPB");
		ASSERT_EQ(pcapng_jeb_commit(w, 0), -EINVAL, "empty entry");
	}
	/* a rejected call writes nothing and does not poison the writer */
	ASSERT_OK(pcapng_write_epb(w, 0, 0, d, 4, 4, NULL), "valid EPB after rejects");
	ASSERT_OK(pcapng_writer_flush(w), "flush");
	fstat(fd, &st);
	/* SHB 28, IDB 20, SPB 16 + 100, SPB 16 + 4, custom 16 MiB, raw
	 * 16 MiB + 12, SPB 16 + 4, EPB 32 + 4 */
	ASSERT_EQ(st.st_size, 28 + 20 + 116 + 20 + CAPFILE_DEFAULT_MAX_BLOCK +
		  CAPFILE_DEFAULT_MAX_BLOCK + 12 + 20 + 36, "only valid blocks on disk");
	ASSERT_OK(pcapng_writer_close(w), "close");
	pcapng_opts_free(&o);
	close(fd);
	ASSERT_EQ(pcapng_writer_open(&w, -1, NULL), -EINVAL, "bad fd");
	{
		struct pcapng_writer_opts wo = { .zstd_level = 99 };

		ASSERT_EQ(pcapng_writer_open(&w, 1, &wo), -EINVAL, "bad zstd level");
	}
	ASSERT_OK(pcapng_writer_close(NULL), "close NULL");
	ASSERT_OK(pcap_writer_close(NULL), "pcap close NULL");
}

static void enospc(int zstd_level, unsigned flags)
{
	struct pcapng_writer_opts wo = { .flags = flags, .zstd_level = zstd_level,
					 .buffer_size = 4096 };
	struct pcapng_writer *w = NULL;
	uint8_t d[1500] = { 1 };
	uint32_t id;
	int fd = open("/dev/full", O_WRONLY), err = 0, i;

	if (fd < 0) {
		test__skip("/dev/full: %s", strerror(errno));
		return;
	}
	if (!ASSERT_OK(pcapng_writer_open(&w, fd, &wo), "open"))
		goto out;
	/* The first write that reaches the kernel fails with ENOSPC. */
	err = pcapng_write_shb(w, NULL);
	if (!err)
		err = pcapng_write_idb(w, 1, 65535, NULL, &id);
	for (i = 0; i < 1000 && !err; i++)
		err = pcapng_write_epb(w, 0, (uint64_t)i, d, sizeof(d), sizeof(d), NULL);
	if (!err)
		err = pcapng_writer_flush(w);
	ASSERT_EQ(err, -ENOSPC, "ENOSPC reported");
	/* sticky: every later call returns it and adds nothing */
	ASSERT_EQ(pcapng_write_shb(w, NULL), -ENOSPC, "sticky write");
	ASSERT_EQ(pcapng_writer_flush(w), -ENOSPC, "sticky flush");
	ASSERT_EQ(pcapng_writer_bytes_out(w), 0, "nothing written");
	ASSERT_EQ(pcapng_writer_close(w), -ENOSPC, "close reports it");
out:
	close(fd);
}

static void test_enospc(void)
{
	enospc(0, 0);
	enospc(0, PCAPNG_W_BLOCK_FLUSH);
	enospc(3, 0);
	enospc(3, PCAPNG_W_BLOCK_FLUSH);
	{
		struct pcap_writer *w = NULL;
		int fd = open("/dev/full", O_WRONLY);

		/* BLOCK_FLUSH: the header goes out at open, and fails there */
		ASSERT_EQ(pcap_writer_open(&w, fd, 1, 65535, true, PCAPNG_W_BLOCK_FLUSH), -ENOSPC,
			  "pcap open on full disk");
		ASSERT_NULL(w, "no writer");
		ASSERT_TRUE(fcntl(fd, F_GETFD) >= 0, "fd left open");
		close(fd);
	}
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A pipe whose reader is slow: with a non-blocking writer, EAGAIN and
 * short writes; with a blocking one interrupted by a signal every
 * millisecond (no SA_RESTART), EINTR and short writes. Everything must
 * come through, in order. */
static void pipe_writer(bool nonblock)
{
	int p[2];
	pid_t pid;
	struct pcapng_writer_opts wo = { .flags = PCAPNG_W_CLOSE_FD, .buffer_size = 100000 };
	struct pcapng_writer *w = NULL;
	static uint8_t d[60000];
	uint8_t *got = NULL;
	size_t glen = 0, gcap = 2 << 20;
	uint32_t id;
	int status;

	if (!ASSERT_OK(pipe(p), "pipe"))
		return;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (nonblock) {
			fcntl(p[1], F_SETFL, O_NONBLOCK);
		} else {
			struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
			struct itimerval it = { { 0, 1000 }, { 0, 1000 } };

			sigaction(SIGALRM, &sa, NULL);
			setitimer(ITIMER_REAL, &it, NULL);
		}
		if (pcapng_writer_open(&w, p[1], &wo))
			_exit(2);
		pcapng_write_shb(w, NULL);
		pcapng_write_idb(w, 1, 65535, NULL, &id);
		for (int i = 0; i < 20; i++) {
			memset(d, i, sizeof(d));
			if (pcapng_write_epb(w, 0, (uint64_t)i, d, sizeof(d), sizeof(d), NULL))
				_exit(3);
		}
		_exit(pcapng_writer_close(w) ? 4 : 0);
	}
	close(p[1]);
	got = malloc(gcap);
	for (;;) {
		ssize_t r;

		if (glen == gcap)
			break;
		usleep(1000);
		r = read(p[0], got + glen, gcap - glen < 4096 ? gcap - glen : 4096);
		if (r <= 0)
			break;
		glen += (size_t)r;
	}
	close(p[0]);
	waitpid(pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer exit status");
	ASSERT_EQ(glen, 28 + 20 + 20 * (32 + 60000), "all bytes through the pipe");
	if (glen == 28 + 20 + 20 * (32 + 60000)) {
		size_t end;

		ASSERT_EQ(walk_blocks(got, glen, false, &end), 22, "blocks intact");
		ASSERT_EQ(got[48 + 28 + 19 * 60032], 19, "last packet data");
	}
	free(got);
}

static void test_pipe(void)
{
	pipe_writer(true);
	pipe_writer(false);
}

/* BLOCK_FLUSH: after each write call returns, the file holds exactly the
 * blocks written so far (checked by size, without closing). */
static void test_block_flush_sizes(void)
{
	char path[] = "/tmp/netrec-bf-XXXXXX";
	int fd = mkstemp(path);
	struct pcapng_writer_opts wo = { .flags = PCAPNG_W_BLOCK_FLUSH };
	struct pcapng_writer *w = NULL;
	uint8_t d[100] = { 0 };
	struct stat st;
	uint32_t id;

	if (!ASSERT_GE(fd, 0, "mkstemp"))
		return;
	unlink(path);
	if (!ASSERT_OK(pcapng_writer_open(&w, fd, &wo), "open"))
		goto out;
	ASSERT_OK(pcapng_write_shb(w, NULL), "shb");
	fstat(fd, &st);
	ASSERT_EQ(st.st_size, 28, "SHB on disk");
	ASSERT_OK(pcapng_write_idb(w, 1, 65535, NULL, &id), "idb");
	fstat(fd, &st);
	ASSERT_EQ(st.st_size, 48, "IDB on disk");
	for (int i = 1; i <= 10; i++) {
		ASSERT_OK(pcapng_write_epb(w, id, (uint64_t)i, d, sizeof(d), sizeof(d), NULL), "epb");
		fstat(fd, &st);
		ASSERT_EQ(st.st_size, 48 + i * 132, "EPB on disk at return");
	}
	ASSERT_OK(pcapng_writer_close(w), "close");
out:
	close(fd);
}

/* A child writes with BLOCK_FLUSH and is killed with SIGKILL mid-stream:
 * what is on disk reads up to its last complete block, and has every
 * packet the child reported as written. */
static void killed_writer(int zstd_level)
{
	char path[] = "/tmp/netrec-kill-XXXXXX";
	int fd = mkstemp(path), p[2], status;
	pid_t pid;
	uint32_t reported = 0;
	struct capfile *f = NULL;
	struct capfile_rec r;
	uint64_t packets = 0;
	int ret;

	if (!ASSERT_GE(fd, 0, "mkstemp") || !ASSERT_OK(pipe(p), "pipe"))
		return;
	pid = fork();
	if (pid == 0) {
		struct pcapng_writer_opts wo = { .flags = PCAPNG_W_BLOCK_FLUSH,
						 .zstd_level = zstd_level };
		struct pcapng_writer *w = NULL;
		uint8_t d[200];
		uint32_t id, i;

		close(p[0]);
		if (pcapng_writer_open(&w, fd, &wo) || pcapng_write_shb(w, NULL) ||
		    pcapng_write_idb(w, 1, 65535, NULL, &id))
			_exit(2);
		for (i = 1; ; i++) {
			memset(d, (int)i, sizeof(d));
			if (pcapng_write_epb(w, id, i, d, sizeof(d), sizeof(d), NULL))
				_exit(3);
			/* tell the parent this packet has been written */
			if (write(p[1], &i, sizeof(i)) != sizeof(i))
				_exit(4);
		}
	}
	close(p[1]);
	/* Let it write a few hundred packets, then kill it mid-stream. */
	while (reported < 300 && read(p[0], &reported, sizeof(reported)) == sizeof(reported))
		;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	/* Drain what it reported before dying. */
	while (read(p[0], &reported, sizeof(reported)) == sizeof(reported))
		;
	close(p[0]);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "killed");
	ASSERT_GE(reported, 300, "packets reported");

	if (zstd_level) {
		size_t zlen = 0, ulen = 0, end = 0;
		bool complete = false;
		uint8_t *z = slurp(fd, &zlen), *un = z ? unzstd(z, zlen, &ulen, &complete) : NULL;

		if (ASSERT_OK_PTR(un, "zstd prefix decodes")) {
			ASSERT_GE(walk_blocks(un, ulen, false, &end), 2 + (int)reported, "complete blocks");
			/* Every frame but a cut last one is whole, and whole
			 * frames hold whole blocks. */
			if (complete)
				ASSERT_EQ(end, ulen, "ends at a block boundary");
		}
		free(un);
		free(z);
	}
	lseek(fd, 0, SEEK_SET);
	if (ASSERT_OK(capfile_open_fd(&f, fd, NULL), "reader")) {
		while ((ret = capfile_next(f, &r)) > 0) {
			if (r.type == CAPFILE_REC_PACKET) {
				packets++;
				if (r.ts_raw != packets || r.caplen != 200 || r.data[199] != (uint8_t)packets) {
					ASSERT_TRUE(false, "packet content in order");
					break;
				}
			}
		}
		/* Either a clean end, or the block being written when the
		 * signal came is cut: write(2) to a file may stop at a page
		 * boundary when a fatal signal is pending. Everything before
		 * it reads. */
		if (ret != 0) {
			fprintf(stderr, "  note: %s at offset %llu\n", capfile_error(f)->what,
				(unsigned long long)capfile_error(f)->offset);
			ASSERT_EQ(ret, -EINVAL, "only a cut last block");
			ASSERT_TRUE(strstr(capfile_error(f)->what, "truncated") != NULL,
				    "error is the truncation");
		}
		ASSERT_GE(packets, reported, "every reported packet is on disk");
		/* at most the one being written when the signal came */
		ASSERT_LE(packets, reported + 1, "no more than written");
		capfile_close(f); /* closes fd */
	} else {
		close(fd);
	}
	unlink(path);
}

static void test_killed_writer(void)
{
	killed_writer(0);
}

static void test_killed_writer_zstd(void)
{
	killed_writer(3);
}

/* Without BLOCK_FLUSH, a flush makes everything so far readable, inside
 * the file's one zstd frame, which close ends. */
static void test_flush_prefix_zstd(void)
{
	struct pcapng_writer_opts wo = { .zstd_level = 5 };
	struct pcapng_writer *w = NULL;
	uint8_t d[64] = { 7 }, *z;
	size_t zlen = 0, ulen = 0, end = 0;
	bool complete = false;
	uint64_t flushed;
	uint8_t *un;
	uint32_t id;
	int fd = memfd();

	if (!ASSERT_OK(pcapng_writer_open(&w, fd, &wo), "open"))
		return;
	ASSERT_OK(pcapng_write_shb(w, NULL), "shb");
	ASSERT_OK(pcapng_write_idb(w, 1, 65535, NULL, &id), "idb");
	for (int i = 0; i < 5; i++)
		ASSERT_OK(pcapng_write_epb(w, id, 1, d, sizeof(d), sizeof(d), NULL), "epb");
	ASSERT_OK(pcapng_writer_flush(w), "flush");
	flushed = pcapng_writer_bytes_out(w);
	ASSERT_OK(pcapng_writer_flush(w), "flush again");
	ASSERT_EQ(pcapng_writer_bytes_out(w), flushed, "a second flush adds nothing");
	/* more that is never flushed */
	ASSERT_OK(pcapng_write_epb(w, id, 1, d, sizeof(d), sizeof(d), NULL), "epb");
	z = slurp(fd, &zlen);
	un = z ? unzstd(z, zlen, &ulen, &complete) : NULL;
	if (ASSERT_OK_PTR(un, "decodes")) {
		ASSERT_FALSE(complete, "the frame is still open");
		ASSERT_EQ(walk_blocks(un, ulen, false, &end), 7, "7 blocks");
		ASSERT_EQ(ulen, 28 + 20 + 5 * 96, "length");
	}
	free(un);
	free(z);
	ASSERT_OK(pcapng_writer_close(w), "close");
	z = slurp(fd, &zlen);
	un = z ? unzstd(z, zlen, &ulen, &complete) : NULL;
	if (ASSERT_OK_PTR(un, "decodes after close")) {
		ASSERT_TRUE(complete, "close ends the frame");
		ASSERT_EQ(walk_blocks(un, ulen, false, &end), 8, "8 blocks");
	}
	if (z)
		ASSERT_EQ(ZSTD_findFrameCompressedSize(z, zlen), zlen, "one frame: the whole file");
	free(un);
	free(z);
	close(fd);
}

/* Write-behind (format/output.c): written to a regular file on a disk, each
 * 8 MiB handed over is sent to the disk and the 8 MiB before it dropped from
 * the page cache. 32 MiB of blocks, synced every 2 MiB so that every page is
 * clean when its stretch is dropped: by the rule, the stretches [0, 8) and
 * [8, 16) MiB went when the file reached 16 and 24 MiB, and the last 8 MiB
 * are still cached. mincore(2) tells which pages are resident. */
/* prefix: bytes already in the file, which the writer then gets open for
 * appending with its offset at 0: its writes land after them */
static void write_behind_case(size_t prefix)
{
	enum { DATA = 4000, BLOCK = 32 + DATA, MIB = 1 << 20 };
	char path[] = "/var/tmp/netrec-wb-XXXXXX";
	int fd = mkstemp(path);
	struct pcapng_writer_opts wo = { 0 };
	struct pcapng_writer *w = NULL;
	static uint8_t d[DATA];
	uint64_t n = 0, synced = 0, want;
	struct statfs sf;
	struct stat st;
	uint8_t *map = NULL, *vec = NULL;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), pages, first = 0, last = 0, last_n, p0;
	uint32_t id;

	if (!ASSERT_GE(fd, 0, "mkstemp in /var/tmp"))
		return;
	if (prefix) {
		memset(d, 0x5a, sizeof(d));
		for (size_t done = 0; done < prefix; done += DATA)
			if (!ASSERT_EQ(write(fd, d, DATA), DATA, "prefix"))
				goto out;
		ASSERT_OK(fdatasync(fd), "fdatasync prefix");
		close(fd);
		fd = open(path, O_RDWR | O_APPEND);
		if (!ASSERT_GE(fd, 0, "reopen for appending"))
			goto out;
		ASSERT_EQ(lseek(fd, 0, SEEK_CUR), 0, "offset of the appending fd");
		prefix = (prefix + DATA - 1) / DATA * DATA;
	}
	if (!ASSERT_OK(pcapng_writer_open(&w, fd, &wo), "open"))
		goto out;
	ASSERT_OK(pcapng_write_shb(w, NULL), "shb");
	ASSERT_OK(pcapng_write_idb(w, 1, 65535, NULL, &id), "idb");
	memset(d, 0xa5, sizeof(d));
	while (pcapng_writer_bytes_in(w) < 32u * MIB + MIB / 2) {
		if (!ASSERT_OK(pcapng_write_epb(w, id, n, d, DATA, DATA, NULL), "epb"))
			goto out;
		n++;
		if (pcapng_writer_bytes_in(w) - synced >= 2u * MIB) {
			ASSERT_OK(pcapng_writer_flush(w), "flush");
			ASSERT_OK(fdatasync(fd), "fdatasync");
			synced = pcapng_writer_bytes_in(w);
		}
	}
	ASSERT_OK(pcapng_writer_flush(w), "flush");
	/* SHB 28, IDB 20, then n EPBs of 32 + 4000 bytes */
	want = 28 + 20 + n * BLOCK;
	ASSERT_EQ_U64(pcapng_writer_bytes_out(w), want, "bytes handed over");
	ASSERT_OK(fstat(fd, &st), "fstat");
	ASSERT_EQ_U64((uint64_t)st.st_size, prefix + want, "file size");
	if (fstatfs(fd, &sf) == 0 && sf.f_type == TMPFS_MAGIC) {
		/* tmpfs pages are the file itself: they cannot be dropped */
		printf("# /var/tmp is tmpfs: page-cache residency not checked\n");
		goto out;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (!ASSERT_TRUE(map != MAP_FAILED, "mmap")) {
		map = NULL;
		goto out;
	}
	pages = ((size_t)st.st_size + page - 1) / page;
	vec = calloc(pages, 1);
	if (!ASSERT_OK_PTR(vec, "calloc") || !ASSERT_OK(mincore(map, (size_t)st.st_size, vec), "mincore"))
		goto out;
	/* counted from the page where the writer's first byte is */
	p0 = prefix / page;
	for (size_t i = p0; i < p0 + 16u * MIB / page; i++)
		first += vec[i] & 1;
	last_n = pages - p0 - 24u * MIB / page;
	for (size_t i = p0 + 24u * MIB / page; i < pages; i++)
		last += vec[i] & 1;
	ASSERT_EQ(first, 0, "pages of the writer's first 16 MiB still cached");
	ASSERT_GE(last * 10, last_n * 9, "pages from its 24 MiB on cached (at least 90%)");
out:
	if (map)
		munmap(map, (size_t)st.st_size);
	free(vec);
	ASSERT_OK(pcapng_writer_close(w), "close");
	if (fd >= 0)
		close(fd);
	unlink(path);
}

static void test_write_behind(void)
{
	write_behind_case(0);
}

/* A file opened for appending: its writes go to its end, not to its
 * offset, and what is sent to disk and dropped follows them. */
static void test_write_behind_append(void)
{
	write_behind_case(12u << 20);
}

int main(void)
{
	RUN_TEST(test_exact_bytes);
	RUN_TEST(test_opts_encoding);
	RUN_TEST(test_custom_block_opts);
	RUN_TEST(test_roundtrip_host);
	RUN_TEST(test_roundtrip_swapped);
	RUN_TEST(test_roundtrip_block_flush);
	RUN_TEST(test_zstd);
	RUN_TEST(test_counters);
	RUN_TEST(test_pcap);
	RUN_TEST(test_profile_annot);
	RUN_TEST(test_profile_blocks);
	RUN_TEST(test_profile_journal);
	RUN_TEST(test_invalid_calls);
	RUN_TEST(test_enospc);
	RUN_TEST(test_pipe);
	RUN_TEST(test_block_flush_sizes);
	RUN_TEST(test_killed_writer);
	RUN_TEST(test_killed_writer_zstd);
	RUN_TEST(test_flush_prefix_zstd);
	RUN_TEST(test_write_behind);
	RUN_TEST(test_write_behind_append);
	return test_exit();
}

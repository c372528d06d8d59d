// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reader's memory is bounded by what it keeps, not by what a file
 * claims: a zstd file of a few hundred KB holding thousands of interfaces,
 * each with 64 KiB text options, is read with a small peak RSS, every
 * interface is still returned, the text kept is cut at the documented
 * limits (pcapng.h, CAPFILE_IFACE_TEXT_*), and what was cut is counted.
 * The file is written here with format/'s writer; the expected counts
 * follow from the constants it was written with.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "test.h"
#include "pcapng.h"

TEST_MAIN_STATE;

#define N_IDB 3000
#define TEXT_LEN 65532           /* the longest option value (65535, padded) */
#define OPTS_PER_IDB 4           /* if_name, if_description, if_os, if_hardware */

static long max_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* N_IDB interfaces, each with OPTS_PER_IDB options of TEXT_LEN bytes
 * ("aAAA...", the first letter varying) and a 2-byte UTF-8 character
 * straddling the cut point of the first option, then one packet on the
 * last interface. zstd level 3. */
static int write_bomb(const char *path)
{
	struct pcapng_writer_opts wo = { .flags = PCAPNG_W_CLOSE_FD, .zstd_level = 3 };
	struct pcapng_writer *w = NULL;
	struct pcapng_opts o;
	static char s[TEXT_LEN + 1];
	uint8_t pkt[20] = { 0x45 };
	uint32_t id = 0;
	int fd, err;

	memset(s, 'A', TEXT_LEN);
	/* U+00E9 at bytes 4095-4096: the cut must not split it */
	s[CAPFILE_IFACE_TEXT_MAX - 1] = (char)0xc3;
	s[CAPFILE_IFACE_TEXT_MAX] = (char)0xa9;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	err = pcapng_writer_open(&w, fd, &wo);
	if (err) {
		close(fd);
		return err;
	}
	pcapng_opts_init(&o);
	err = pcapng_write_shb(w, NULL);
	for (int i = 0; !err && i < N_IDB; i++) {
		pcapng_opts_reset(&o);
		s[0] = (char)('a' + i % 26);
		pcapng_opts_add_str(&o, PCAPNG_IF_NAME, s);
		pcapng_opts_add_str(&o, PCAPNG_IF_DESCRIPTION, s);
		pcapng_opts_add_str(&o, PCAPNG_IF_OS, s);
		pcapng_opts_add_str(&o, PCAPNG_IF_HARDWARE, s);
		err = pcapng_write_idb(w, LINKTYPE_RAW, 262144, &o, &id);
	}
	if (!err)
		err = pcapng_write_epb(w, id, 1, pkt, sizeof(pkt), sizeof(pkt), NULL);
	pcapng_opts_free(&o);
	return pcapng_writer_close(w) ?: err;
}

static void test_many_big_interfaces(void)
{
	char path[] = "/tmp/nr-bounds-XXXXXX";
	int fd = mkstemp(path);
	struct capfile *f = NULL;
	struct capfile_rec r;
	const struct capfile_stats *st;
	uint64_t ifaces = 0, packets = 0, named = 0, kept = 0;
	long rss0;
	int rc;

	ASSERT_TRUE(fd >= 0, "temporary file");
	close(fd);
	ASSERT_EQ(write_bomb(path), 0, "write the file");
	rss0 = max_rss_kb();
	ASSERT_EQ(capfile_open_path(&f, path, NULL), 0, "open");
	if (!f)
		goto out;
	ASSERT_EQ(capfile_compression(f), CAPFILE_ZSTD, "zstd");
	while ((rc = capfile_next(f, &r)) > 0) {
		if (r.type == CAPFILE_REC_IDB) {
			const struct capfile_iface *ifc = r.iface;
			const char *t[] = { ifc->name, ifc->description, ifc->os, ifc->hardware };

			ifaces++;
			for (int k = 0; k < OPTS_PER_IDB; k++) {
				if (!t[k])
					continue;
				kept += strlen(t[k]);
				/* cut before the two-byte character at 4095 */
				ASSERT_EQ(strlen(t[k]), CAPFILE_IFACE_TEXT_MAX - 1, "text cut at 4095");
			}
			named += ifc->name != NULL;
		} else if (r.type == CAPFILE_REC_PACKET) {
			packets++;
		}
	}
	ASSERT_EQ(rc, 0, "the file reads to its end");
	ASSERT_EQ(ifaces, N_IDB, "every interface is returned");
	ASSERT_EQ(packets, 1, "the packet after them is returned");
	/* 1 MiB per section at 4095 bytes an option: 256 options kept */
	ASSERT_LE(kept, CAPFILE_IFACE_TEXT_SECTION, "text kept within the section's budget");
	ASSERT_EQ(kept / (CAPFILE_IFACE_TEXT_MAX - 1), CAPFILE_IFACE_TEXT_SECTION /
		  (CAPFILE_IFACE_TEXT_MAX - 1), "options kept until the budget is spent");
	ASSERT_EQ(named, CAPFILE_IFACE_TEXT_SECTION / (CAPFILE_IFACE_TEXT_MAX - 1) / OPTS_PER_IDB,
		  "interfaces with a name kept");
	st = capfile_stats(f);
	ASSERT_EQ(st->iface_text_cut, (uint64_t)N_IDB * OPTS_PER_IDB, "every option was cut");
	ASSERT_EQ(st->iface_text_dropped, (uint64_t)N_IDB * OPTS_PER_IDB -
		  CAPFILE_IFACE_TEXT_SECTION / (CAPFILE_IFACE_TEXT_MAX - 1), "options not kept");
	/* SHB of 28 bytes, then the IDB's header and fixed fields (16) */
	ASSERT_EQ(st->iface_text_first_offset, 28 + 16, "first cut: the first IDB's first option");
	/* N_IDB * 4 * 64 KiB = 750 MiB if it were all kept */
	if (!ASSERT_LT(max_rss_kb() - rss0, 64 * 1024, "peak RSS grew by less than 64 MiB"))
		fprintf(stderr, "  grew by %ld KiB\n", max_rss_kb() - rss0);
	capfile_close(f);
out:
	unlink(path);
}

/* The per-file budget: many sections, each within its own budget. */
static void test_file_budget(void)
{
	char path[] = "/tmp/nr-bounds-XXXXXX";
	int fd = mkstemp(path);
	struct pcapng_writer_opts wo = { .flags = PCAPNG_W_CLOSE_FD, .zstd_level = 1 };
	struct pcapng_writer *w = NULL;
	struct pcapng_opts o;
	struct capfile *f = NULL;
	struct capfile_rec r;
	static char s[CAPFILE_IFACE_TEXT_MAX + 1];
	/* 5000 sections, each with one IDB whose name is exactly 4096 bytes:
	 * kept whole within its section, until the file's 16 MiB are spent,
	 * which lets 4096 of them through */
	const int sections = 5000;
	uint64_t named = 0;
	int err = 0;

	memset(s, 'n', CAPFILE_IFACE_TEXT_MAX);
	ASSERT_TRUE(fd >= 0, "temporary file");
	ASSERT_EQ(pcapng_writer_open(&w, fd, &wo), 0, "writer");
	pcapng_opts_init(&o);
	pcapng_opts_add_str(&o, PCAPNG_IF_NAME, s);
	for (int i = 0; !err && i < sections; i++) {
		err = pcapng_write_shb(w, NULL);
		if (!err)
			err = pcapng_write_idb(w, LINKTYPE_RAW, 65535, &o, NULL);
	}
	pcapng_opts_free(&o);
	ASSERT_EQ(pcapng_writer_close(w) ?: err, 0, "write");
	ASSERT_EQ(capfile_open_path(&f, path, NULL), 0, "open");
	while (f && capfile_next(f, &r) > 0)
		if (r.type == CAPFILE_REC_IDB && r.iface->name)
			named += strlen(r.iface->name) == CAPFILE_IFACE_TEXT_MAX;
	ASSERT_EQ(named, CAPFILE_IFACE_TEXT_FILE / CAPFILE_IFACE_TEXT_MAX,
		  "names kept until the file's budget is spent");
	ASSERT_EQ(capfile_stats(f)->iface_text_dropped, sections - named, "the rest counted");
	ASSERT_EQ(capfile_stats(f)->iface_text_cut, 0, "none longer than the limit");
	capfile_close(f);
	unlink(path);
}

int main(void)
{
	RUN_TEST(test_many_big_interfaces);
	RUN_TEST(test_file_budget);
	return test_exit();
}

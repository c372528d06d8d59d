// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the whole ingest path: the input is a capture file
 * (any bytes), loaded and analyzed into a temporary database, then every
 * report is printed in every output format, without and with filters. A
 * crash, a sanitizer report, a leak, or a failure other than "the file is
 * damaged" ends the run. Output goes to /dev/null.
 *
 * It uses only the analyzer's entry points main.c uses (analyze.h):
 * ingest_run, db_open, report_run. The input reaches ingest_run as
 * /proc/self/fd/N of a memfd, so the file path (hashing, open, read) is the
 * real one.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analyze.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static bool initialized;
static char dir[] = "/tmp/fuzz_ingest.XXXXXX";
static char db_path[64];

static void cleanup(void)
{
	unlink(db_path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	initialized = true;
	/* as netanalyze: a connection used by one thread at a time (the
	 * loader's writer thread, then the reports), no allocation statistics */
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (!mkdtemp(dir))
		abort();
	snprintf(db_path, sizeof(db_path), "%s/f.db", dir);
	atexit(cleanup);
	if (!freopen("/dev/null", "w", stdout))
		abort();
	return 0;
}

static void reports(sqlite3 *db, const struct filters *f)
{
	static const enum out_format formats[] = { OUT_TABLE, OUT_CSV, OUT_JSON, OUT_JSONL };

	for (int r = 0; r < REP__COUNT; r++) {
		for (size_t k = 0; k < sizeof(formats) / sizeof(formats[0]); k++) {
			struct out_opts oo = { .format = formats[k], .human = formats[k] == OUT_TABLE };
			struct an_err e = { "" };

			/* a report fails only on an internal error */
			if (report_run(db, (enum report)r, f, &oo, &e))
				__builtin_trap();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ingest_result res;
	struct ingest_summary sum;
	struct an_err e = { "" };
	sqlite3 *db = NULL;
	char path[64];
	const char *paths[1] = { path };
	struct ingest_opts io = {
		.db_path = db_path, .keep = false, .tables = TB_ALL, .paths = paths, .npaths = 1,
	};
	int fd;

	if (!initialized)       /* replay.c does not call it */
		LLVMFuzzerInitialize(NULL, NULL);
	fd = memfd_create("capture", MFD_CLOEXEC);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	/* a file that is not a capture is refused with a message (res.failed);
	 * one that is damaged is loaded up to the damage */
	unlink(db_path);
	if (ingest_run(&io, &res, &sum, &e))
		__builtin_trap();
	if (!res.failed) {
		if (db_open(&db, db_path, true, false, &e))
			__builtin_trap();
		struct filters none = { 0 };
		struct filters some = {
			.has_pid = true, .pid = size ? data[0] : 0, .comm = "curl",
			.host = "192.0.2.1", .has_port = true, .port = 80,
			.has_since = true, .since_ns = -AN_TS_MAX,
			.has_until = true, .until_ns = AN_TS_MAX,
		};

		reports(db, &none);
		reports(db, &some);
	}
	sqlite3_close(db);
	unlink(db_path);
	close(fd);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the whole ingest path: the input is a capture file
 * (any bytes), loaded into an in-memory database and analyzed, then every
 * report is printed in every output format, without and with filters. A
 * crash, a sanitizer report, a leak, or a failure other than "the file is
 * damaged" ends the run. Output goes to /dev/null.
 *
 * It uses only the analyzer's entry points main.c uses (analyze.h):
 * db_open, ingest_file, analyze_run, report_run. The input reaches
 * ingest_file as /proc/self/fd/N of a memfd, so the file path (hashing,
 * open, read) is the real one.
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

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	initialized = true;
	/* as netanalyze: one thread, no allocation statistics */
	sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
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
	struct an_err e = { "" };
	sqlite3 *db = NULL;
	char path[64];
	int fd;

	if (!initialized)       /* replay.c does not call it */
		LLVMFuzzerInitialize(NULL, NULL);
	fd = memfd_create("capture", MFD_CLOEXEC);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (db_open(&db, ":memory:", false, true, &e))
		abort();
	/* a file that is not a capture is refused with a message; one that
	 * is damaged is loaded up to the damage */
	if (ingest_file(db, path, NULL, &res, &e) == 0) {
		if (analyze_run(db, &e))
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
	close(fd);
	return 0;
}

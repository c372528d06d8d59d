// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the --sql guard (analyze/query.c): the input is SQL
 * text, run through query_sql() on the guarded connection to a sample
 * database, in an output format its length picks (so that a corpus file
 * is plain SQL). Nothing may crash,
 * and afterwards the database file must be byte-identical and its
 * directory (the working directory, where relative paths such as ATTACH
 * 'x.db' or VACUUM INTO 'y' would land) must hold nothing new. Either
 * breaks the run with a trap.
 *
 * The sample database is made once, at start-up, from FUZZ_SAMPLE (a
 * capture of samples/, path set by meson) in a fresh temporary directory.
 * Each statement may run at most FUZZ_SQL_TIMEOUT_S (the --sql-timeout
 * machinery), so that endless recursive queries end.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze.h"

#ifndef FUZZ_SAMPLE
#error FUZZ_SAMPLE: the path of a capture to build the sample database from
#endif
#define FUZZ_SQL_TIMEOUT_S 0.25

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char dir[] = "/tmp/fuzz-sql-XXXXXX";
static char db_path[sizeof(dir) + 16];
static uint8_t *db_bytes;
static size_t db_len;

static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *p = NULL;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) || !(p = malloc((size_t)st.st_size + 1)) ||
	    read(fd, p, (size_t)st.st_size) != st.st_size) {
		free(p);
		p = NULL;
	}
	if (fd >= 0)
		close(fd);
	*len = p ? (size_t)st.st_size : 0;
	return p;
}

static void cleanup(void)
{
	unlink(db_path);
	rmdir(dir);
	free(db_bytes);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ingest_result res;
	struct ingest_summary sum;
	struct an_err e = { "" };
	const char *paths[1] = { FUZZ_SAMPLE };
	struct ingest_opts io = {
		.db_path = db_path, .keep = true, .tables = TB_ALL, .paths = paths, .npaths = 1,
	};

	(void)argc;
	(void)argv;
	if (db_bytes)
		return 0;
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (!mkdtemp(dir) || chdir(dir))
		abort();
	snprintf(db_path, sizeof(db_path), "%s/s.db", dir);
	if (ingest_run(&io, &res, &sum, &e) || res.failed) {
		fprintf(stderr, "fuzz_sql: cannot build the sample database from %s: %s\n",
			FUZZ_SAMPLE, e.msg);
		abort();
	}
	db_bytes = slurp(db_path, &db_len);
	if (!db_bytes)
		abort();
	atexit(cleanup);
	if (!freopen("/dev/null", "w", stdout))
		abort();
	return 0;
}

/* Only the database in the directory. */
static bool dir_clean(void)
{
	DIR *d = opendir(".");
	struct dirent *de;
	int others = 0;

	if (!d)
		return false;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "s.db"))
			others++;
	closedir(d);
	return others == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum out_format formats[] = { OUT_TABLE, OUT_CSV, OUT_JSON, OUT_JSONL };
	struct query_opts qo = { .timeout_s = FUZZ_SQL_TIMEOUT_S };
	struct out_opts oo = { 0 };
	struct an_err e = { "" };
	struct query *q = NULL;
	uint8_t *now;
	size_t len;
	char *sql;

	if (!db_bytes)          /* replay.c does not call it */
		LLVMFuzzerInitialize(NULL, NULL);
	oo.format = formats[size % 4];
	oo.human = oo.format == OUT_TABLE;
	sql = malloc(size + 1);
	if (!sql)
		return 0;
	memcpy(sql, data, size);
	sql[size] = 0;
	if (query_open(&q, db_path, &qo, &e))
		abort();
	query_sql(q, sql, &oo, &e);   /* refused or failing SQL is expected */
	query_close(q);
	free(sql);
	now = slurp(db_path, &len);
	if (!now || len != db_len || memcmp(now, db_bytes, len))
		__builtin_trap();    /* the database changed */
	free(now);
	if (!dir_clean())
		__builtin_trap();    /* a file appeared beside it */
	return 0;
}

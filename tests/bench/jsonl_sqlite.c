/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * jsonl_sqlite DB TABLE FILE: the SQLite side of the fleet benchmark. Loads
 * a JSONEachRow file (what netanalyze --export clickhouse writes and
 * clickhouse-client loads) into a new table of DB, the way SQLite loads
 * fastest: one transaction, one prepared INSERT, journal off, columns
 * named by the first line's keys. Prints "ROWS SECONDS" (parse and insert,
 * without opening the file). Flat objects only: strings, integers, null,
 * in the same key order on every line, as the export writes them; anything
 * else is an error with the line number. A benchmark tool, not a JSON
 * library.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>

#define MAX_COLS 128

struct val {
	enum { V_NULL, V_INT, V_STR } t;
	long long i;
	char *s;            /* into the line buffer, unescaped in place */
	size_t len;
};

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Unescapes the JSON string starting after the opening quote, in place;
 * returns the position after the closing quote, or NULL. */
static char *jstring(char *p, char **out, size_t *len)
{
	char *w = p;

	*out = p;
	for (;;) {
		unsigned char c = (unsigned char)*p++;

		if (!c)
			return NULL;
		if (c == '"')
			break;
		if (c != '\\') {
			*w++ = (char)c;
			continue;
		}
		c = (unsigned char)*p++;
		switch (c) {
		case '"': case '\\': case '/': *w++ = (char)c; break;
		case 'b': *w++ = '\b'; break;
		case 'f': *w++ = '\f'; break;
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		case 't': *w++ = '\t'; break;
		case 'u': {
			unsigned u = 0;

			for (int i = 0; i < 4; i++) {
				char h = *p++;

				u = u * 16 + (unsigned)(h >= '0' && h <= '9' ? h - '0' :
							h >= 'a' && h <= 'f' ? h - 'a' + 10 :
							h >= 'A' && h <= 'F' ? h - 'A' + 10 : 99);
				if (u > 0xffff)
					return NULL;
			}
			if (u < 0x80) {
				*w++ = (char)u;
			} else if (u < 0x800) {
				*w++ = (char)(0xc0 | u >> 6);
				*w++ = (char)(0x80 | (u & 63));
			} else {
				/* surrogates are not expected in the export: kept as is */
				*w++ = (char)(0xe0 | u >> 12);
				*w++ = (char)(0x80 | ((u >> 6) & 63));
				*w++ = (char)(0x80 | (u & 63));
			}
			break;
		}
		default:
			return NULL;
		}
	}
	*len = (size_t)(w - *out);
	return p;
}

/* One line: keys (first line only) and values. Returns the count or -1. */
static int parse(char *p, char **keys, struct val *v)
{
	int n = 0;

	p = (char *)skip_ws(p);
	if (*p++ != '{')
		return -1;
	for (;;) {
		char *k;
		size_t kl;

		p = (char *)skip_ws(p);
		if (*p == '}')
			return n;
		if (n == MAX_COLS || *p++ != '"' || !(p = jstring(p, &k, &kl)))
			return -1;
		k[kl] = 0;
		if (keys)
			keys[n] = k;
		p = (char *)skip_ws(p);
		if (*p++ != ':')
			return -1;
		p = (char *)skip_ws(p);
		if (*p == '"') {
			v[n].t = V_STR;
			if (!(p = jstring(p + 1, &v[n].s, &v[n].len)))
				return -1;
		} else if (!strncmp(p, "null", 4)) {
			v[n].t = V_NULL;
			p += 4;
		} else {
			char *e;

			errno = 0;
			v[n].t = V_INT;
			v[n].i = strtoll(p, &e, 10);
			if (e == p || errno)
				return -1;
			p = e;
		}
		n++;
		p = (char *)skip_ws(p);
		if (*p == ',')
			p++;
		else if (*p != '}')
			return -1;
	}
}

int main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *line = NULL, *first = NULL, *keys[MAX_COLS];
	struct val v[MAX_COLS];
	size_t cap = 0;
	long long rows = 0, lineno = 0;
	struct timespec t0, t1;
	int ncol = -1, status = 1;
	FILE *f;

	if (argc != 4) {
		fprintf(stderr, "usage: jsonl_sqlite DB TABLE FILE.jsonl\n");
		return 2;
	}
	f = fopen(argv[3], "r");
	if (!f || sqlite3_open(argv[1], &db) != SQLITE_OK) {
		fprintf(stderr, "jsonl_sqlite: cannot open %s or %s\n", argv[3], argv[1]);
		return 1;
	}
	sqlite3_exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
		     " PRAGMA cache_size = -65536;", NULL, NULL, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	while (getline(&line, &cap, f) > 0) {
		int n;

		lineno++;
		if (ncol < 0) {
			/* the first line names the columns and makes the table */
			first = strdup(line);
			n = first ? parse(first, keys, v) : -1;
			if (n <= 0)
				goto bad;
			ncol = n;
			size_t len = 64 + strlen(argv[2]);

			for (int i = 0; i < n; i++)
				len += strlen(keys[i]) + 8;
			char *sql = malloc(len), *q = malloc(len);

			if (!sql || !q)
				goto bad;
			snprintf(sql, len, "CREATE TABLE \"%s\" (", argv[2]);
			snprintf(q, len, "INSERT INTO \"%s\" VALUES (", argv[2]);
			for (int i = 0; i < n; i++) {
				strcat(sql, i ? ", \"" : "\"");
				strcat(sql, keys[i]);
				strcat(sql, "\"");
				strcat(q, i ? ", ?" : "?");
			}
			strcat(sql, ")");
			strcat(q, ")");
			if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
			    sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
				fprintf(stderr, "jsonl_sqlite: %s\n", sqlite3_errmsg(db));
				free(sql);
				free(q);
				goto out;
			}
			free(sql);
			free(q);
		}
		n = parse(line, NULL, v);
		if (n != ncol)
			goto bad;
		for (int i = 0; i < n; i++) {
			if (v[i].t == V_INT)
				sqlite3_bind_int64(st, i + 1, v[i].i);
			else if (v[i].t == V_STR)
				sqlite3_bind_text(st, i + 1, v[i].s, (int)v[i].len, SQLITE_STATIC);
			else
				sqlite3_bind_null(st, i + 1);
		}
		if (sqlite3_step(st) != SQLITE_DONE) {
			fprintf(stderr, "jsonl_sqlite: line %lld: %s\n", lineno, sqlite3_errmsg(db));
			goto out;
		}
		sqlite3_reset(st);
		rows++;
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "jsonl_sqlite: %s\n", sqlite3_errmsg(db));
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%lld %.3f\n", rows, (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	status = 0;
	goto out;
bad:
	fprintf(stderr, "jsonl_sqlite: %s: line %lld is not a flat JSON object like the first\n",
		argv[3], lineno);
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	fclose(f);
	free(line);
	free(first);
	return status;
}

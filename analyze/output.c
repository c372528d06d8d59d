/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Printing query results: an aligned table for people (times and durations
 * made readable), CSV (RFC 4180 quoting, LF line ends), a JSON array, or
 * JSON lines. Values keep their SQLite types in JSON (integers stay
 * integers, NULL is null); a BLOB of 4 or 16 bytes is printed as an
 * address, any other BLOB as hex. The table format holds its first rows
 * in memory to size its columns; everything else streams.
 *
 * Text comes from capture files (command names, comments, interface
 * names, journal fields) and must not drive the reader's terminal: the
 * table shows control characters, and the Unicode ones that reorder or
 * hide text, as visible escapes (\x1b, \n, \u202e; a backslash as \\);
 * JSON escapes them; CSV keeps them exact inside a quoted field.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "numtext.h"

/* Column classes for human display in tables. */
enum col_kind {
	COL_PLAIN,
	COL_TIME,
	COL_DURATION,
};

static enum col_kind col_kind(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n < 3 || strcmp(name + n - 3, "_ns"))
		return COL_PLAIN;
	if (strstr(name, "rtt") || strstr(name, "duration") || strstr(name, "span") ||
	    strstr(name, "connect") || strstr(name, "uncertainty") || strstr(name, "offset") ||
	    strstr(name, "delta") || strstr(name, "ktime"))
		return COL_DURATION;
	return COL_TIME;
}

void fmt_duration(int64_t ns, char *out, size_t len)
{
	static const char *const unit[] = { "ns", "us", "ms", "s" };
	double v = (double)ns;
	int u = 0;

	while (u < 3 && fabs(v) >= 999.5) {
		v /= 1000.0;
		u++;
	}
	if (u == 0 || fabs(v) >= 99.95)
		snprintf(out, len, "%.0f%s", v, unit[u]);
	else if (fabs(v) >= 9.995)
		snprintf(out, len, "%.1f%s", v, unit[u]);
	else
		snprintf(out, len, "%.2f%s", v, unit[u]);
}

/* A number, an a/b pair of numbers or a duration: right-aligned in tables. */
static bool numeric_cell(const char *s)
{
	static const char *const suffix[] = { "", "ns", "us", "ms", "s" };
	const char *p = s;
	size_t n;

	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return false;
	n = strspn(p, "0123456789./");
	if (memchr(p, '.', n) != memrchr(p, '.', n))
		return false;   /* two dots: an IPv4 address */
	p += n;
	n = strlen(p);
	if (n && p[n - 1] == '*')
		n--;            /* irtt's mark for an ambiguous RTT */
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++)
		if (strlen(suffix[i]) == n && !strncmp(p, suffix[i], n))
			return true;
	return false;
}

static void blob_text(const uint8_t *b, int n, char *out, size_t len)
{
	if (n == 4 || n == 16) {
		char s[48];

		snprintf(out, len, "%s", addr_str(b, n == 16 ? 6 : 4, s));
		return;
	}
	size_t k = 0;

	for (int i = 0; i < n && k + 3 < len; i++)
		k += (size_t)snprintf(out + k, len - k, "%02x", b[i]);
	out[k] = 0;
}

static int utf8_len(const unsigned char *p);

/* Code point of a valid n-byte UTF-8 sequence. */
static uint32_t utf8_cp(const unsigned char *p, int n)
{
	uint32_t c = n == 1 ? p[0] : n == 2 ? p[0] & 0x1f : n == 3 ? p[0] & 0x0f : p[0] & 0x07;

	for (int i = 1; i < n; i++)
		c = c << 6 | (p[i] & 0x3f);
	return c;
}

/* Characters a terminal acts on or that change how text around them
 * reads: C1 controls, bidirectional overrides and isolates, zero-width
 * marks, line and paragraph separators, the byte-order mark. */
static bool invisible_cp(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || (c >= 0x200b && c <= 0x200f) ||
	       (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x2069) || c == 0xfeff;
}

char *output_escape(const char *s)
{
	size_t n = strlen(s), k = 0;
	char *out = malloc(n * 6 + 1);   /* \u202e is the longest: 6 per 3 bytes */

	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; ) {
		int len = utf8_len(p);
		uint32_t c = len ? utf8_cp(p, len) : 0;

		if (len == 0) {
			k += (size_t)sprintf(out + k, "\\x%02x", *p++);
		} else if (c == '\\') {
			memcpy(out + k, "\\\\", 2);
			k += 2;
			p++;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			out[k++] = '\\';
			out[k++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			k += (size_t)sprintf(out + k, "\\x%02x", c);
			p++;
		} else if (invisible_cp(c)) {
			k += (size_t)sprintf(out + k, "\\u%04x", c);
			p += len;
		} else {
			memcpy(out + k, p, (size_t)len);
			k += (size_t)len;
			p += len;
		}
	}
	out[k] = 0;
	return out;
}

/* Text of a value for table/CSV; returns a malloc'd string or NULL (NULL).
 * human: times and durations for people; escape: text through
 * output_escape() (the table). */
static char *cell_text(sqlite3_stmt *st, int i, enum col_kind kind, bool human, bool escape)
{
	char buf[256];

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		return NULL;
	case SQLITE_INTEGER: {
		int64_t v = sqlite3_column_int64(st, i);

		if (human && kind == COL_TIME && v > 100000000000000000LL)
			ts_str(v, buf, sizeof(buf));
		else if (human && kind == COL_DURATION)
			fmt_duration(v, buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "%lld", (long long)v);
		return strdup(buf);
	}
	case SQLITE_FLOAT:
		snprintf(buf, sizeof(buf), "%.17g", sqlite3_column_double(st, i));
		return strdup(buf);
	case SQLITE_BLOB:
		blob_text(sqlite3_column_blob(st, i), sqlite3_column_bytes(st, i), buf, sizeof(buf));
		return strdup(buf);
	default: {
		const char *t = (const char *)sqlite3_column_text(st, i);

		return escape ? output_escape(t ? t : "") : strdup(t ? t : "");
	}
	}
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if invalid. */
static int utf8_len(const unsigned char *p)
{
	int n = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3 :
		(p[0] & 0xf8) == 0xf0 ? 4 : 0;

	uint32_t c;

	if (n == 2 && p[0] < 0xc2)
		return 0;
	for (int i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* no overlong forms, surrogates or code points past U+10FFFF */
	c = utf8_cp(p, n);
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return n;
}

/* A JSON string; bytes that are not UTF-8 (names from captures are
 * arbitrary bytes) become U+FFFD so that the output always parses. */
void json_str(FILE *o, const char *s)
{
	fputc('"', o);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x80) {
			int n = utf8_len(p);

			if (n == 0) {
				fputs("\\ufffd", o);
			} else if (invisible_cp(utf8_cp(p, n))) {
				fprintf(o, "\\u%04x", utf8_cp(p, n));
				p += n - 1;
			} else {
				fwrite(p, 1, (size_t)n, o);
				p += n - 1;
			}
			continue;
		}
		switch (*p) {
		case '"': fputs("\\\"", o); break;
		case '\\': fputs("\\\\", o); break;
		case '\n': fputs("\\n", o); break;
		case '\r': fputs("\\r", o); break;
		case '\t': fputs("\\t", o); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(o, "\\u%04x", *p);
			else
				fputc(*p, o);
		}
	}
	fputc('"', o);
}

void json_value(FILE *o, sqlite3_stmt *st, int i)
{
	char buf[256];

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		fputs("null", o);
		break;
	case SQLITE_INTEGER:
		fprintf(o, "%lld", (long long)sqlite3_column_int64(st, i));
		break;
	case SQLITE_FLOAT: {
		double d = sqlite3_column_double(st, i);

		if (isfinite(d))
			fprintf(o, "%.17g", d);
		else
			fputs("null", o);
		break;
	}
	case SQLITE_BLOB:
		blob_text(sqlite3_column_blob(st, i), sqlite3_column_bytes(st, i), buf, sizeof(buf));
		json_str(o, buf);
		break;
	default: {
		const char *t = (const char *)sqlite3_column_text(st, i);

		json_str(o, t ? t : "");
	}
	}
}

/* A field is quoted when it holds a comma, a quote or any control
 * character (RFC 4180 needs it for CR and LF; the others are quoted so
 * that a reader sees them as data). Returns the length of s when it needs
 * no quotes, else the offset of the first character that does. */
static size_t csv_plain_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++)
		if (*p == ',' || *p == '"' || *p < 0x20 || *p == 0x7f)
			break;
	return (size_t)(p - (const unsigned char *)s);
}

/* A CSV row is assembled in a buffer and written once, with stdio's
 * unlocked call (one thread writes): a 500k-row report is some 20 million
 * cells, and locking, strdup, printf or a stdio call per cell were most of
 * its time. */
struct rowbuf {
	char *p;
	size_t n, cap;
};

/* rb_room()'s slow path: the buffer grown to hold n more bytes. */
static __attribute__((noinline)) bool rb_grow(struct rowbuf *b, size_t n)
{
	char *p;
	size_t cap;

	cap = b->cap ? b->cap : 4096;
	while (cap < b->n + n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return false;
	b->p = p;
	b->cap = cap;
	return true;
}

/* Room for n more bytes; inline, as it runs twice a cell. */
static inline bool rb_room(struct rowbuf *b, size_t n)
{
	/* a buffer there even for nothing: callers write at b->p + b->n */
	if (__builtin_expect(b->p && b->n + n <= b->cap, 1))
		return true;
	return rb_grow(b, n);
}

/* An RFC 4180 field into the buffer; NULL (s == NULL) is `null` unquoted
 * (nothing when null is NULL), and a value that reads like it is quoted,
 * so that the two stay apart (ClickHouse and PostgreSQL read an unquoted
 * \N as NULL). False when out of memory. */
static bool rb_field(struct rowbuf *b, const char *s, const char *null)
{
	size_t n, len;

	if (!s) {
		len = null ? strlen(null) : 0;
		if (!rb_room(b, len))
			return false;
		memcpy(b->p + b->n, null ? null : "", len);
		b->n += len;
		return true;
	}
	n = csv_plain_len(s);
	if (!s[n] && !(null && (!*s || !strcmp(s, null)))) {
		if (!rb_room(b, n))
			return false;
		memcpy(b->p + b->n, s, n);
		b->n += n;
		return true;
	}
	len = strlen(s);
	if (!rb_room(b, 2 * len + 2))
		return false;
	b->p[b->n++] = '"';
	for (; *s; s++) {
		if (*s == '"')
			b->p[b->n++] = '"';
		b->p[b->n++] = *s;
	}
	b->p[b->n++] = '"';
	return true;
}

/* An integer in decimal, as "%lld" writes it. */
static bool rb_int(struct rowbuf *b, int64_t v)
{
	if (!rb_room(b, TEXT_I64_MAX))
		return false;
	b->n = (size_t)(text_i64(b->p + b->n, v) - b->p);
	return true;
}

/* Column i of the row as a CSV field: what cell_text() gives, quoted
 * by rb_field(), without a copy. One sqlite3_column_value() per cell:
 * the value's type and content are then read without the statement's
 * API overhead. */
static bool csv_cell(struct rowbuf *b, sqlite3_stmt *st, int i, const char *null)
{
	sqlite3_value *v = sqlite3_column_value(st, i);
	char buf[256];

	switch (sqlite3_value_type(v)) {
	case SQLITE_NULL:
		return rb_field(b, NULL, null);
	case SQLITE_INTEGER:
		return rb_int(b, sqlite3_value_int64(v));
	case SQLITE_FLOAT:
		snprintf(buf, sizeof(buf), "%.17g", sqlite3_value_double(v));
		return rb_field(b, buf, null);
	case SQLITE_BLOB:
		blob_text(sqlite3_value_blob(v), sqlite3_value_bytes(v), buf, sizeof(buf));
		return rb_field(b, buf, null);
	default: {
		const char *t = (const char *)sqlite3_value_text(v);

		return rb_field(b, t ? t : "", null);
	}
	}
}

/* One CSV row of the statement's ncol columns, to o: the current row's
 * cells, or with header the column names. */
static int csv_row(FILE *o, struct rowbuf *b, sqlite3_stmt *st, int ncol, const char *null,
		   bool header)
{
	b->n = 0;
	for (int i = 0; i < ncol; i++) {
		if (i) {
			if (!rb_room(b, 1))
				return -ENOMEM;
			b->p[b->n++] = ',';
		}
		if (!(header ? rb_field(b, sqlite3_column_name(st, i), null) :
			       csv_cell(b, st, i, null)))
			return -ENOMEM;
	}
	if (!rb_room(b, 1))
		return -ENOMEM;
	b->p[b->n++] = '\n';
	fwrite_unlocked(b->p, 1, b->n, o);
	return 0;
}

static int step_err(sqlite3_stmt *st, int rc, struct an_err *e)
{
	if (rc == SQLITE_DONE)
		return 0;
	an_err_set(e, "%s", sqlite3_errmsg(sqlite3_db_handle(st)));
	return -EIO;
}

struct table {
	char **cells;
	size_t n, cap;
};

static int table_push(struct table *t, char *s)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		char **c = realloc(t->cells, cap * sizeof(*c));

		if (!c)
			return -ENOMEM;
		t->cells = c;
		t->cap = cap;
	}
	t->cells[t->n++] = s;
	return 0;
}

/* Rows held to size the columns; later rows are printed as they come, in
 * the widths found so far, so that memory stays bounded. */
#define TABLE_SIZING_ROWS 10000

/* Right-aligned columns are padded on the left; the last column of a
 * left-aligned row is not padded at all. */
static void print_cell(int i, int ncol, const size_t *w, const bool *right, const char *s)
{
	if (right[i])
		printf("%s%*s", i ? "  " : "", (int)w[i], s);
	else
		printf("%s%-*s", i ? "  " : "", i == ncol - 1 ? 0 : (int)w[i], s);
}

static void print_row(char **cells, int ncol, const size_t *w, const bool *right)
{
	for (int i = 0; i < ncol; i++)
		print_cell(i, ncol, w, right, cells[i] ? cells[i] : "-");
	putchar('\n');
}

static void print_header(char **names, int ncol, const size_t *w, const bool *right,
			 const char *title)
{
	if (title)
		printf("%s\n", title);
	for (int i = 0; i < ncol; i++)
		print_cell(i, ncol, w, right, names[i] ? names[i] : "?");
	putchar('\n');
	for (int i = 0; i < ncol; i++) {
		printf("%s", i ? "  " : "");
		for (size_t k = 0; k < w[i]; k++)
			putchar('-');
	}
	putchar('\n');
}

/* The header and the rows held so far, once the widths are known; a
 * column is right-aligned only when none of its cells was text. */
static void print_sized(char **names, const char *title, const struct table *t,
			size_t rows, int ncol, const size_t *w, bool *right, const bool *text)
{
	for (int i = 0; i < ncol; i++)
		right[i] = right[i] && !text[i];
	print_header(names, ncol, w, right, title);
	for (size_t r = 0; r < rows; r++)
		print_row(&t->cells[r * (size_t)ncol], ncol, w, right);
}

static int print_table(sqlite3_stmt *st, const struct out_opts *oo, struct an_err *e)
{
	int ncol = sqlite3_column_count(st);
	struct table t = { 0 };
	size_t *w = NULL, rows = 0;
	enum col_kind *kinds = NULL;
	bool *right = NULL, *text = NULL;
	char **row = NULL, **names = NULL;
	bool streaming = false;
	int rc, err = 0;

	if (ncol == 0) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		return step_err(st, rc, e);
	}
	w = calloc((size_t)ncol, sizeof(*w));
	kinds = calloc((size_t)ncol, sizeof(*kinds));
	row = calloc((size_t)ncol, sizeof(*row));
	right = calloc((size_t)ncol, sizeof(*right));
	text = calloc((size_t)ncol, sizeof(*text));
	names = calloc((size_t)ncol, sizeof(*names));
	if (!w || !kinds || !row || !right || !text || !names) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (int i = 0; i < ncol; i++) {
		const char *name = sqlite3_column_name(st, i);

		kinds[i] = col_kind(name);
		/* a column's name is the user's SQL text when not aliased */
		names[i] = output_escape(name ? name : "?");
		if (!names[i]) {
			err = -ENOMEM;
			goto cleanup;
		}
		w[i] = strlen(names[i]);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!streaming && rows == TABLE_SIZING_ROWS) {
			print_sized(names, oo->title, &t, rows, ncol, w, right, text);
			streaming = true;
		}
		for (int i = 0; i < ncol; i++) {
			char *s = cell_text(st, i, kinds[i], oo->human, true);
			size_t l = s ? strlen(s) : 1;

			if (streaming) {
				row[i] = s;
				continue;
			}
			if (l > w[i])
				w[i] = l;
			if (s && numeric_cell(s))
				right[i] = true;
			else if (s)
				text[i] = true;
			if (table_push(&t, s)) {
				free(s);
				err = -ENOMEM;
				goto cleanup;
			}
		}
		if (streaming) {
			print_row(row, ncol, w, right);
			for (int i = 0; i < ncol; i++) {
				free(row[i]);
				row[i] = NULL;
			}
		}
		rows++;
	}
	err = step_err(st, rc, e);
	if (!streaming)
		print_sized(names, oo->title, &t, rows, ncol, w, right, text);
	if (oo->title)
		printf("(%zu row%s)\n\n", rows, rows == 1 ? "" : "s");
cleanup:
	if (err == -ENOMEM)
		an_err_set(e, "out of memory");
	for (size_t i = 0; i < t.n; i++)
		free(t.cells[i]);
	free(t.cells);
	for (int i = 0; names && i < ncol; i++)
		free(names[i]);
	free(names);
	free(row);
	free(right);
	free(text);
	free(w);
	free(kinds);
	return err;
}

int output_stmt(sqlite3_stmt *st, const struct out_opts *oo, struct an_err *e)
{
	int ncol = sqlite3_column_count(st);
	int rc, err;
	bool first = true;
	struct rowbuf rb = { NULL, 0, 0 };

	if (oo->format == OUT_TABLE)
		return print_table(st, oo, e);
	if (oo->format == OUT_CSV && ncol && csv_row(stdout, &rb, st, ncol, oo->csv_null, true)) {
		free(rb.p);
		an_err_set(e, "out of memory");
		return -ENOMEM;
	}
	if (oo->format == OUT_JSON)
		printf("[");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!ncol)
			continue;
		switch (oo->format) {
		case OUT_CSV:
			if (csv_row(stdout, &rb, st, ncol, oo->csv_null, false)) {
				free(rb.p);
				an_err_set(e, "out of memory");
				return -ENOMEM;
			}
			break;
		case OUT_JSON:
		case OUT_JSONL:
			if (oo->format == OUT_JSON)
				printf("%s\n  ", first ? "" : ",");
			putchar('{');
			for (int i = 0; i < ncol; i++) {
				if (i)
					putchar(',');
				json_str(stdout, sqlite3_column_name(st, i));
				putchar(':');
				json_value(stdout, st, i);
			}
			putchar('}');
			if (oo->format == OUT_JSONL)
				putchar('\n');
			break;
		case OUT_TABLE:
			break;
		}
		first = false;
	}
	free(rb.p);
	err = step_err(st, rc, e);
	if (oo->format == OUT_JSON)
		printf("%s]\n", first ? "" : "\n");
	if (fflush(stdout) && !err) {
		an_err_set(e, "writing output: %s", strerror(errno));
		err = -EIO;
	}
	return err;
}

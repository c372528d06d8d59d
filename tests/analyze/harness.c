/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The analyze suite's helpers (harness.h): process spawning with captured
 * output, a small JSON reader for netanalyze's rows, and tshark's per-stream
 * view of a capture used as the independent oracle for handshakes.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

struct h_env h_env;

/* ---- commands ---- */

void h_argv_init(struct h_argv *a, const char *prog)
{
	memset(a, 0, sizeof(*a));
	h_argv_add(a, prog);
}

void h_argv_add(struct h_argv *a, const char *s)
{
	if (a->n >= (int)(sizeof(a->v) / sizeof(a->v[0])) - 1) {
		fprintf(stderr, "h_argv_add: too many arguments\n");
		abort();
	}
	a->v[a->n++] = strdup(s);
	a->v[a->n] = NULL;
}

void h_argv_free(struct h_argv *a)
{
	int i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

static char *slurp_fd(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t r;

	if (!buf)
		return NULL;
	lseek(fd, 0, SEEK_SET);
	for (;;) {
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = 0;
	return buf;
}

int h_run(const struct h_argv *a, char **out, char **err)
{
	char tout[] = "/tmp/nr-analyze-outXXXXXX", terr[] = "/tmp/nr-analyze-errXXXXXX";
	int fo, fe, status, rc = -1;
	pid_t pid;

	fo = mkstemp(tout);
	fe = mkstemp(terr);
	if (fo < 0 || fe < 0)
		goto cleanup;
	unlink(tout);
	unlink(terr);
	pid = fork();
	if (pid < 0)
		goto cleanup;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(fo, 1);
		dup2(fe, 2);
		execvp(a->v[0], a->v);
		fprintf(stderr, "cannot run %s: %s\n", a->v[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			goto cleanup;
	}
	if (WIFEXITED(status))
		rc = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		rc = 128 + WTERMSIG(status);
	if (out)
		*out = slurp_fd(fo);
	if (err)
		*err = slurp_fd(fe);
cleanup:
	if (fo >= 0)
		close(fo);
	if (fe >= 0)
		close(fe);
	return rc;
}

int h_netanalyze(char **out, char **err, ...)
{
	struct h_argv a;
	const char *arg;
	va_list ap;
	int rc;

	h_argv_init(&a, h_env.netanalyze);
	va_start(ap, err);
	while ((arg = va_arg(ap, const char *)))
		h_argv_add(&a, arg);
	va_end(ap);
	rc = h_run(&a, out, err);
	h_argv_free(&a);
	return rc;
}

static bool on_path(const char *prog)
{
	struct h_argv a;
	int rc;

	h_argv_init(&a, prog);
	h_argv_add(&a, "--version");
	rc = h_run(&a, NULL, NULL);
	h_argv_free(&a);
	return rc == 0;
}

int h_setup(int argc, char **argv, bool need_gen)
{
	const char *root = getenv("NETREC_BUILD_ROOT");
	const char *tmp = getenv("TMPDIR");
	struct h_argv a;
	int rc;

	if (argc > 2 && argv[2][0])
		snprintf(h_env.netanalyze, sizeof(h_env.netanalyze), "%s", argv[2]);
	else if (root)
		snprintf(h_env.netanalyze, sizeof(h_env.netanalyze), "%s/analyze/netanalyze",
			 root);
	if (!h_env.netanalyze[0] || access(h_env.netanalyze, X_OK)) {
		printf("SKIP: netanalyze not built (%s)\n",
		       h_env.netanalyze[0] ? h_env.netanalyze : "NETREC_BUILD_ROOT unset");
		fprintf(stderr, "SKIP: netanalyze not built\n");
		return 77;
	}
	h_env.have_tshark = on_path("tshark");
	h_env.have_mergecap = on_path("mergecap");
	h_env.have_reordercap = on_path("reordercap");
	if (!h_env.have_tshark) {
		printf("SKIP: tshark is not installed (apt-get install tshark): it is the oracle\n");
		fprintf(stderr, "SKIP: tshark is not installed\n");
		return 77;
	}
	snprintf(h_env.dir, sizeof(h_env.dir), "%s/nr-analyze-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(h_env.dir)) {
		perror("mkdtemp");
		return 1;
	}
	if (!need_gen)
		return 0;
	if (argc < 2) {
		fprintf(stderr, "usage: %s GEN_CAPTURES [NETANALYZE]\n", argv[0]);
		return 1;
	}
	h_argv_init(&a, argv[1]);
	h_argv_add(&a, h_env.dir);
	rc = h_run(&a, NULL, NULL);
	h_argv_free(&a);
	if (rc != 0) {
		fprintf(stderr, "gen_captures failed (%d)\n", rc);
		return 1;
	}
	return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void h_teardown(bool keep)
{
	if (!h_env.dir[0])
		return;
	if (keep || getenv("NETREC_KEEP_TMP")) {
		fprintf(stderr, "captures and databases kept in %s\n", h_env.dir);
		return;
	}
	nftw(h_env.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *h_path(const char *name)
{
	static char bufs[8][1024];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, 1024, "%s/%s", h_env.dir, name);
	return b;
}

const char *h_canon(const char *addr)
{
	static char bufs[8][64];
	static int next;
	char *b = bufs[next++ % 8];
	uint8_t raw[16];

	if (!addr)
		return NULL;
	if (inet_pton(AF_INET, addr, raw) == 1)
		inet_ntop(AF_INET, raw, b, 64);
	else if (inet_pton(AF_INET6, addr, raw) == 1)
		inet_ntop(AF_INET6, raw, b, 64);
	else
		snprintf(b, 64, "%s", addr);
	return b;
}

int64_t h_parse_secs(const char *s)
{
	int64_t sec = 0, frac = 0;
	int digits = 0;
	bool neg = false;

	if (!s || !*s)
		return INT64_MIN;
	if (*s == '-') {
		neg = true;
		s++;
	}
	while (*s >= '0' && *s <= '9')
		sec = sec * 10 + (*s++ - '0');
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9') {
			if (digits < 9) {
				frac = frac * 10 + (*s - '0');
				digits++;
			}
			s++;
		}
	}
	while (digits++ < 9)
		frac *= 10;
	return (neg ? -1 : 1) * (sec * 1000000000LL + frac);
}

/* ---- JSON ---- */

struct jp {
	const char *p;
	bool bad;
};

static void jp_ws(struct jp *j)
{
	while (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n')
		j->p++;
}

static char *jp_string(struct jp *j)
{
	size_t cap = 64, len = 0;
	char *s;

	if (*j->p != '"') {
		j->bad = true;
		return NULL;
	}
	j->p++;
	s = malloc(cap);
	if (!s) {
		j->bad = true;
		return NULL;
	}
	while (*j->p && *j->p != '"') {
		char c = *j->p++;

		if (c == '\\') {
			c = *j->p++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				unsigned v = 0;
				int k;

				for (k = 0; k < 4 && *j->p; k++, j->p++) {
					char h = *j->p;
					v = v * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
				}
				c = v < 0x80 ? (char)v : '?';
				break;
			}
			case 0:
				j->bad = true;
				free(s);
				return NULL;
			default:
				break;
			}
		}
		if (len + 2 >= cap) {
			char *ns = realloc(s, cap * 2);
			if (!ns) {
				free(s);
				j->bad = true;
				return NULL;
			}
			s = ns;
			cap *= 2;
		}
		s[len++] = c;
	}
	if (*j->p != '"') {
		free(s);
		j->bad = true;
		return NULL;
	}
	j->p++;
	s[len] = 0;
	return s;
}

static void jp_value(struct jp *j, struct jv *v);

static void jp_skip_container(struct jp *j, char open, char close)
{
	struct jv tmp;

	j->p++; /* open */
	jp_ws(j);
	if (*j->p == close) {
		j->p++;
		return;
	}
	for (;;) {
		jp_ws(j);
		if (open == '{') {
			free(jp_string(j));
			jp_ws(j);
			if (*j->p != ':') {
				j->bad = true;
				return;
			}
			j->p++;
		}
		memset(&tmp, 0, sizeof(tmp));
		jp_value(j, &tmp);
		free(tmp.s);
		if (j->bad)
			return;
		jp_ws(j);
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p == close) {
			j->p++;
			return;
		}
		j->bad = true;
		return;
	}
}

/* Consumes the literal w when it comes next. */
static bool jp_word(struct jp *j, const char *w)
{
	size_t n = strlen(w);

	if (strncmp(j->p, w, n))
		return false;
	j->p += n;
	return true;
}

static void jp_value(struct jp *j, struct jv *v)
{
	jp_ws(j);
	switch (*j->p) {
	case '"':
		v->t = JV_STR;
		v->s = jp_string(j);
		return;
	case '{':
		v->t = JV_OTHER;
		jp_skip_container(j, '{', '}');
		return;
	case '[':
		v->t = JV_OTHER;
		jp_skip_container(j, '[', ']');
		return;
	case 'n':
		v->t = JV_NULL;
		if (jp_word(j, "null"))
			return;
		break;
	case 't':
	case 'f':
		v->t = JV_BOOL;
		v->i = *j->p == 't';
		if (jp_word(j, v->i ? "true" : "false"))
			return;
		break;
	default: {
		const char *st = j->p;
		char *end;
		bool real = false;

		if (*st == '-')
			st++;
		if (*st < '0' || *st > '9')
			break;
		for (; *st; st++) {
			if (*st == '.' || *st == 'e' || *st == 'E')
				real = true;
			else if (!(*st >= '0' && *st <= '9') && *st != '-' && *st != '+')
				break;
		}
		if (real) {
			v->t = JV_REAL;
			v->d = strtod(j->p, &end);
		} else {
			v->t = JV_INT;
			errno = 0;
			v->i = strtoll(j->p, &end, 10);
			if (errno)
				break;
		}
		j->p = end;
		return;
	}
	}
	j->bad = true;
}

static void jp_object(struct jp *j, struct jrow *r)
{
	memset(r, 0, sizeof(*r));
	jp_ws(j);
	if (*j->p != '{') {
		j->bad = true;
		return;
	}
	j->p++;
	jp_ws(j);
	if (*j->p == '}') {
		j->p++;
		return;
	}
	for (;;) {
		char *k;
		struct jv v;

		jp_ws(j);
		k = jp_string(j);
		if (j->bad)
			return;
		jp_ws(j);
		if (*j->p != ':') {
			free(k);
			j->bad = true;
			return;
		}
		j->p++;
		memset(&v, 0, sizeof(v));
		jp_value(j, &v);
		if (r->n < JROW_MAX_KEYS) {
			r->k[r->n] = k;
			r->v[r->n++] = v;
		} else {
			free(k);
			free(v.s);
		}
		if (j->bad)
			return;
		jp_ws(j);
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p == '}') {
			j->p++;
			return;
		}
		j->bad = true;
		return;
	}
}

void json_rows_free(struct jrow *rows, int n)
{
	int i, k;

	if (!rows)
		return;
	for (i = 0; i < n; i++)
		for (k = 0; k < rows[i].n; k++) {
			free(rows[i].k[k]);
			free(rows[i].v[k].s);
		}
	free(rows);
}

int json_rows(const char *text, struct jrow **rows)
{
	struct jp j = { .p = text };
	struct jrow *r = NULL;
	int n = 0, cap = 0;
	bool array = false;

	*rows = NULL;
	jp_ws(&j);
	if (*j.p == '[') {
		array = true;
		j.p++;
	}
	for (;;) {
		jp_ws(&j);
		if (!*j.p)
			break;
		if (array && *j.p == ']') {
			j.p++;
			jp_ws(&j);
			if (*j.p)
				goto bad;
			break;
		}
		if (array && n > 0) {
			if (*j.p != ',')
				goto bad;
			j.p++;
		}
		if (n == cap) {
			struct jrow *nr;

			cap = cap ? cap * 2 : 16;
			nr = realloc(r, sizeof(*r) * (size_t)cap);
			if (!nr)
				goto bad;
			r = nr;
		}
		jp_object(&j, &r[n]);
		n++;
		if (j.bad)
			goto bad;
	}
	*rows = r;
	return n;
bad:
	json_rows_free(r, n);
	return -1;
}

const struct jv *jget(const struct jrow *r, const char *key)
{
	static const struct jv missing = { .t = JV_MISSING };
	int i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->k[i], key))
			return &r->v[i];
	return &missing;
}

int64_t jint(const struct jrow *r, const char *key)
{
	const struct jv *v = jget(r, key);

	return v->t == JV_INT || v->t == JV_BOOL ? (int64_t)v->i : INT64_MIN;
}

const char *jstr(const struct jrow *r, const char *key)
{
	const struct jv *v = jget(r, key);

	return v->t == JV_STR ? v->s : NULL;
}

/* ---- tshark ---- */

static char *next_field(char **p)
{
	char *s = *p, *t;

	if (!s)
		return NULL;
	t = strchr(s, '\t');
	if (t) {
		*t = 0;
		*p = t + 1;
	} else {
		*p = NULL;
	}
	return s;
}

int tshark_streams(const char *file, struct tstream **out)
{
	static const char *const fields[] = {
		"frame.time_epoch", "tcp.stream", "ip.src", "ipv6.src", "tcp.srcport",
		"ip.dst", "ipv6.dst", "tcp.dstport", "tcp.flags", "tcp.completeness",
		"tcp.analysis.initial_rtt",
	};
	struct tstream *s = NULL;
	struct h_argv a;
	char *text = NULL, *line, *save = NULL;
	int n = 0, rc;
	size_t i;

	*out = NULL;
	h_argv_init(&a, "tshark");
	h_argv_add(&a, "-2");
	h_argv_add(&a, "-n");
	h_argv_add(&a, "-o");
	h_argv_add(&a, "tcp.analyze_sequence_numbers:TRUE");
	h_argv_add(&a, "-r");
	h_argv_add(&a, file);
	h_argv_add(&a, "-Y");
	h_argv_add(&a, "tcp && !icmp && !icmpv6");
	h_argv_add(&a, "-T");
	h_argv_add(&a, "fields");
	h_argv_add(&a, "-E");
	h_argv_add(&a, "occurrence=f");
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		h_argv_add(&a, "-e");
		h_argv_add(&a, fields[i]);
	}
	rc = h_run(&a, &text, NULL);
	h_argv_free(&a);
	/* tshark exits 2 on a truncated file after printing what it read */
	if (rc < 0 || !text || (rc != 0 && rc != 2)) {
		free(text);
		return -1;
	}
	s = calloc(256, sizeof(*s));
	if (!s) {
		free(text);
		return -1;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *f[11];
		const char *src, *dst;
		int id, k, flags;
		int64_t ts;
		struct tstream *t = NULL;

		for (k = 0; k < 11; k++)
			f[k] = next_field(&p) ?: (char *)"";
		if (!*f[1])
			continue;
		id = atoi(f[1]);
		ts = h_parse_secs(f[0]);
		src = *f[2] ? f[2] : f[3];
		dst = *f[5] ? f[5] : f[6];
		flags = (int)strtol(f[8], NULL, 0);
		for (k = 0; k < n; k++)
			if (s[k].id == id)
				t = &s[k];
		if (!t) {
			if (n == 256)
				continue;
			t = &s[n++];
			memset(t, 0, sizeof(*t));
			t->id = id;
			snprintf(t->a, sizeof(t->a), "%s", h_canon(src));
			snprintf(t->b, sizeof(t->b), "%s", h_canon(dst));
			t->ap = atoi(f[4]);
			t->bp = atoi(f[7]);
			t->syn_ns = t->syn_last_ns = t->synack_ns = INT64_MIN;
			t->irtt_ns = INT64_MIN;
		}
		if ((flags & 0x12) == 0x02) {
			if (!t->syn_seen) {
				t->syn_seen = true;
				t->syn_ns = ts;
				snprintf(t->client, sizeof(t->client), "%s", h_canon(src));
				snprintf(t->server, sizeof(t->server), "%s", h_canon(dst));
				t->cport = atoi(f[4]);
				t->sport = atoi(f[7]);
			}
			t->syn_last_ns = ts;
			t->syn_count++;
		}
		if ((flags & 0x12) == 0x12 && t->synack_ns == INT64_MIN)
			t->synack_ns = ts;
		if (*f[9])
			t->completeness |= atoi(f[9]);
		if (*f[10] && t->irtt_ns == INT64_MIN)
			t->irtt_ns = h_parse_secs(f[10]);
	}
	free(text);
	*out = s;
	return n;
}

const char *tshark_outcomes(int c)
{
	if ((c & 7) == 7)
		return "established";
	if ((c & 1) && !(c & 2) && (c & 32))
		return "refused";
	if ((c & 3) == 3 && (c & 32))
		return "reset";
	if ((c & 3) == 3)
		return "timeout";
	if ((c & 3) == 1)
		return "timeout unreachable";
	if (c & 2)
		return "synack_only";
	return "midstream";
}

static bool word_in(const char *word, const char *list)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
			return true;
		p += n;
	}
	return false;
}

int h_check_tshark(const char *what, const char *tshark_file, const struct jrow *rows,
		   int nrows)
{
	struct tstream *s = NULL;
	bool *used = NULL;
	int n, i, k;
	char name[256];

	n = tshark_streams(tshark_file, &s);
	snprintf(name, sizeof(name), "%s: tshark reads the capture", what);
	if (!ASSERT_GE(n, 0, name))
		return 0;
	snprintf(name, sizeof(name), "%s: one handshake row per tshark tcp.stream", what);
	ASSERT_EQ(nrows, n, name);
	used = calloc((size_t)nrows + 1, sizeof(*used));
	for (i = 0; i < n; i++) {
		const struct tstream *t = &s[i];
		const struct jrow *r = NULL;
		const char *oc;

		/* the row with the same endpoints (either way round) and,
		 * when tshark saw a SYN, the same first SYN time */
		for (k = 0; k < nrows && !r; k++) {
			const char *c = h_canon(jstr(&rows[k], "client"));
			const char *sv = h_canon(jstr(&rows[k], "server"));
			int cp = (int)jint(&rows[k], "client_port");
			int sp = (int)jint(&rows[k], "server_port");
			bool fwd = c && sv && !strcmp(c, t->a) && cp == t->ap &&
				   !strcmp(sv, t->b) && sp == t->bp;
			bool rev = c && sv && !strcmp(c, t->b) && cp == t->bp &&
				   !strcmp(sv, t->a) && sp == t->ap;

			if (used[k] || !(fwd || rev))
				continue;
			if (t->syn_seen && jint(&rows[k], "syn_ns") != t->syn_ns)
				continue;
			used[k] = true;
			r = &rows[k];
		}
		snprintf(name, sizeof(name), "%s: tcp.stream %d (%s:%d-%s:%d) has a row", what,
			 t->id, t->a, t->ap, t->b, t->bp);
		if (!ASSERT_TRUE(r != NULL, name))
			continue;
		if (t->syn_seen) {
			snprintf(name, sizeof(name), "%s: stream %d client = SYN sender", what, t->id);
			ASSERT_STREQ(h_canon(jstr(r, "client")), t->client, name);
			ASSERT_EQ(jint(r, "client_port"), t->cport, name);
			snprintf(name, sizeof(name), "%s: stream %d syn_count", what, t->id);
			ASSERT_EQ(jint(r, "syn_count"), t->syn_count, name);
			snprintf(name, sizeof(name), "%s: stream %d syn_last_ns", what, t->id);
			ASSERT_EQ(jint(r, "syn_last_ns"), t->syn_last_ns, name);
		}
		snprintf(name, sizeof(name), "%s: stream %d synack_ns", what, t->id);
		ASSERT_EQ(jint(r, "synack_ns"), t->synack_ns, name);
		oc = jstr(r, "outcome");
		snprintf(name, sizeof(name),
			 "%s: stream %d outcome %s fits tcp.completeness %d (%s)", what, t->id,
			 oc ? oc : "(null)", t->completeness, tshark_outcomes(t->completeness));
		ASSERT_TRUE(oc && word_in(oc, tshark_outcomes(t->completeness)), name);
		snprintf(name, sizeof(name), "%s: stream %d irtt_ns = tcp.analysis.initial_rtt",
			 what, t->id);
		ASSERT_EQ(jint(r, "irtt_ns"), t->irtt_ns, name);
	}
	free(used);
	free(s);
	return n;
}

struct jrow *h_netanalyze_rows(int want_rc, int *n, const char *const *files, ...)
{
	struct h_argv a;
	struct jrow *rows = NULL;
	char *out = NULL, *err = NULL, name[256];
	const char *arg;
	va_list ap;
	int rc, i;

	*n = 0;
	h_argv_init(&a, h_env.netanalyze);
	for (i = 0; files && files[i]; i++)
		h_argv_add(&a, files[i]);
	va_start(ap, files);
	while ((arg = va_arg(ap, const char *)))
		h_argv_add(&a, arg);
	va_end(ap);
	rc = h_run(&a, &out, &err);
	snprintf(name, sizeof(name), "netanalyze %s%s ... exit status",
		 a.n > 1 ? a.v[1] : "", a.n > 2 ? " " : "");
	if (!ASSERT_EQ(rc, want_rc, name) && err)
		fprintf(stderr, "netanalyze stderr:\n%s\n", err);
	*n = json_rows(out ? out : "", &rows);
	snprintf(name, sizeof(name), "netanalyze output is json/jsonl");
	if (!ASSERT_GE(*n, 0, name)) {
		fprintf(stderr, "output was:\n%s\n", out ? out : "(none)");
		*n = 0;
		rows = NULL;
	}
	h_argv_free(&a);
	free(out);
	free(err);
	return rows;
}

const struct jrow *h_find_hs(const struct jrow *rows, int n, int client_port, int64_t syn_ns)
{
	int i;

	for (i = 0; i < n; i++) {
		if (jint(&rows[i], "client_port") != client_port)
			continue;
		if (syn_ns != INT64_MIN && jint(&rows[i], "syn_ns") != syn_ns)
			continue;
		return &rows[i];
	}
	return NULL;
}

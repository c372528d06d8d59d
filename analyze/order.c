/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The time-order merge (order.h). Each source has a head record; a binary
 * heap of sources by head gives the next record of the whole stream (as
 * mergecap merges files).
 *
 * A windowed source keeps what it has read but not yet handed on in two
 * parts: a run in key order (a ring buffer: a record not older than the
 * newest goes to its end, which is every record of an ordered file) and a
 * heap of the stragglers that arrived late. The smaller of the run's first
 * record and the heap's top is the source's next. In order, a record costs
 * an append and a pop.
 *
 * A sorting source reads everything first. Each time its buffer fills it is
 * sorted and written to a temporary file (unlinked at once) as a run of
 * records (kind, length, the row's bytes); at the end the runs are merged
 * through a heap of their heads. One buffer that never filled is served
 * from memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "order.h"

#define RUN_BUF (256u << 10)

void order_rec_pkt(struct order_rec *o, struct row_pkt *p)
{
	o->ts = p->ts_ns;
	o->cpu = (p->has & PK_CPU) ? p->cpu : INT64_MIN;
	o->seq = (p->has & PK_CPU) ? p->cpu_seq : INT64_MIN;
	o->file_id = p->file_id;
	o->file_idx = p->file_idx;
	o->kind = ORD_PKT;
	o->bytes = sizeof(*p);
	o->row = p;
}

void order_rec_jrec(struct order_rec *o, struct row_jrec *j)
{
	o->ts = j->ts_ns;
	o->cpu = (j->has & JR_CPU) ? j->cpu : INT64_MIN;
	o->seq = (j->has & JR_SEQ) ? j->cpu_seq : INT64_MIN;
	o->file_id = j->file_id;
	o->file_idx = j->file_idx;
	o->kind = ORD_JREC;
	o->bytes = (uint32_t)(sizeof(*j) + j->text_len);
	o->row = j;
}

int order_cmp(const struct order_rec *a, const struct order_rec *b)
{
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->cpu != b->cpu)
		return a->cpu < b->cpu ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	if (a->file_id != b->file_id)
		return a->file_id < b->file_id ? -1 : 1;
	if (a->file_idx != b->file_idx)
		return a->file_idx < b->file_idx ? -1 : 1;
	return 0;
}

static int cmp_qsort(const void *a, const void *b)
{
	return order_cmp(a, b);
}

/* ---- a min-heap of records ---- */

struct rheap {
	struct order_rec *v;
	size_t n, cap;
};

static bool rheap_push(struct rheap *h, const struct order_rec *r)
{
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 256;
		struct order_rec *v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return false;
		h->v = v;
		h->cap = cap;
	}
	for (i = h->n++; i > 0; i = (i - 1) / 2) {
		size_t parent = (i - 1) / 2;

		if (order_cmp(&h->v[parent], r) <= 0)
			break;
		h->v[i] = h->v[parent];
	}
	h->v[i] = *r;
	return true;
}

static void rheap_pop(struct rheap *h, struct order_rec *out)
{
	struct order_rec last;
	size_t i = 0;

	*out = h->v[0];
	last = h->v[--h->n];
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && order_cmp(&h->v[c + 1], &h->v[c]) < 0)
			c++;
		if (order_cmp(&last, &h->v[c]) <= 0)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
}

/* ---- spilled runs ---- */

struct run {
	FILE *f;
	struct order_rec head;
	bool has_head;
};

struct src {
	enum order_mode mode;
	struct order_source in;
	bool eof;
	int idx;
	/* window: ring (in order) + stragglers */
	struct order_rec *ring;
	size_t ring_cap, ring_head, ring_n;
	struct rheap late;
	size_t held, held_bytes;
	struct order_rec last;   /* last handed on */
	bool have_last;
	/* sort */
	bool sorted;             /* everything read */
	struct order_rec *buf;
	size_t buf_n, buf_cap, buf_pos, buf_bytes;
	struct run *runs;
	size_t nruns;
	size_t *run_heap;        /* indexes into runs, by head */
	size_t run_heap_n;
	/* merge */
	struct order_rec head;
	bool has_head;
};

struct order {
	struct order_limits lim;
	struct pool *pkts;
	struct src **srcs;
	size_t nsrcs;
	struct src **heap;       /* sources with a head, by head */
	size_t heap_n;
	bool started;
	int violator;
	struct order_stats stats;
};

/* From the key, not the row: a record leaving the window is not touched
 * (its row is cold by then; the pass reads it next). */
static size_t rec_bytes(const struct order_rec *r)
{
	return r->bytes;
}

void order_rec_free(struct order *o, struct order_rec *r)
{
	if (r->kind == ORD_PKT)
		pool_put(o->pkts, r->row);
	else
		jrec_free(r->row);
	r->row = NULL;
}

int order_new(struct order **out, const struct order_limits *lim, struct pool *pkts)
{
	struct order *o = calloc(1, sizeof(*o));

	*out = NULL;
	if (!o)
		return -ENOMEM;
	o->lim = *lim;
	if (o->lim.records < 2)
		o->lim.records = 2;
	o->pkts = pkts;
	o->violator = -1;
	*out = o;
	return 0;
}

static void src_free(struct order *o, struct src *s)
{
	for (size_t i = 0; i < s->ring_n; i++)
		order_rec_free(o, &s->ring[(s->ring_head + i) % s->ring_cap]);
	for (size_t i = 0; i < s->late.n; i++)
		order_rec_free(o, &s->late.v[i]);
	for (size_t i = s->buf_pos; i < s->buf_n; i++)
		order_rec_free(o, &s->buf[i]);
	for (size_t i = 0; i < s->nruns; i++) {
		if (s->runs[i].has_head)
			order_rec_free(o, &s->runs[i].head);
		if (s->runs[i].f)
			fclose(s->runs[i].f);
	}
	if (s->has_head)
		order_rec_free(o, &s->head);
	free(s->ring);
	free(s->late.v);
	free(s->buf);
	free(s->runs);
	free(s->run_heap);
	free(s);
}

void order_free(struct order *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->nsrcs; i++)
		src_free(o, o->srcs[i]);
	free(o->srcs);
	free(o->heap);
	free(o);
}

int order_add(struct order *o, enum order_mode mode, struct order_source in, int *idx)
{
	struct src *s = calloc(1, sizeof(*s));
	struct src **v = realloc(o->srcs, (o->nsrcs + 1) * sizeof(*v));

	if (v)
		o->srcs = v;
	if (!s || !v) {
		free(s);
		return -ENOMEM;
	}
	s->mode = mode;
	s->in = in;
	s->idx = (int)o->nsrcs;
	o->srcs[o->nsrcs++] = s;
	*idx = s->idx;
	return 0;
}

int order_violator(const struct order *o)
{
	return o->violator;
}

const struct order_stats *order_stats(const struct order *o)
{
	return &o->stats;
}

/* ---- a windowed source ---- */

static bool window_full(const struct order *o, const struct src *s)
{
	return s->held >= o->lim.records || s->held_bytes >= o->lim.bytes;
}

static int window_put(struct src *s, const struct order_rec *r)
{
	if (s->ring_n) {
		const struct order_rec *tail = &s->ring[(s->ring_head + s->ring_n - 1) % s->ring_cap];

		if (order_cmp(r, tail) < 0)
			return rheap_push(&s->late, r) ? 0 : -ENOMEM;
	}
	if (s->ring_n == s->ring_cap) {
		size_t cap = s->ring_cap ? s->ring_cap * 2 : 1024;
		struct order_rec *v = malloc(cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		for (size_t i = 0; i < s->ring_n; i++)
			v[i] = s->ring[(s->ring_head + i) % s->ring_cap];
		free(s->ring);
		s->ring = v;
		s->ring_cap = cap;
		s->ring_head = 0;
	}
	s->ring[(s->ring_head + s->ring_n++) % s->ring_cap] = *r;
	return 0;
}

/* 1 with the source's next record in *out, 0 at its end. */
static int window_next(struct order *o, struct src *s, struct order_rec *out, struct an_err *e)
{
	struct order_rec r;
	int rc;

	while (!s->eof && !window_full(o, s)) {
		rc = s->in.next(s->in.ctx, &r, e);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			s->eof = true;
			break;
		}
		if (s->have_last && order_cmp(&r, &s->last) < 0) {
			/* older than what went on: the window was too small */
			order_rec_free(o, &r);
			o->violator = s->idx;
			return -EAGAIN;
		}
		s->held++;
		s->held_bytes += rec_bytes(&r);
		rc = window_put(s, &r);
		if (rc) {
			order_rec_free(o, &r);
			an_err_set(e, "out of memory");
			return rc;
		}
	}
	if (!s->held)
		return 0;
	if (s->ring_n && (!s->late.n || order_cmp(&s->ring[s->ring_head], &s->late.v[0]) <= 0)) {
		*out = s->ring[s->ring_head];
		s->ring_head = (s->ring_head + 1) % s->ring_cap;
		s->ring_n--;
	} else {
		rheap_pop(&s->late, out);
	}
	s->held--;
	s->held_bytes -= rec_bytes(out);
	s->last = *out;
	s->have_last = true;
	return 1;
}

/* ---- a sorting source ---- */

static int run_write(struct order *o, struct src *s, struct an_err *e)
{
	struct run *v = realloc(s->runs, (s->nruns + 1) * sizeof(*v));
	char path[4096];
	FILE *f = NULL;
	int fd, err = 0;

	if (!v) {
		an_err_set(e, "out of memory");
		return -ENOMEM;
	}
	s->runs = v;
	snprintf(path, sizeof(path), "%s/netanalyze-run-XXXXXX", o->lim.tmpdir);
	fd = mkstemp(path);
	if (fd < 0) {
		err = -errno;
		an_err_set(e, "cannot create a temporary file in %s to sort records: %s "
			   "(set TMPDIR)", o->lim.tmpdir, strerror(errno));
		return err;
	}
	unlink(path);
	f = fdopen(fd, "w+");
	if (!f) {
		close(fd);
		an_err_set(e, "out of memory");
		return -ENOMEM;
	}
	setvbuf(f, NULL, _IOFBF, RUN_BUF);
	qsort(s->buf, s->buf_n, sizeof(*s->buf), cmp_qsort);
	for (size_t i = 0; i < s->buf_n; i++) {
		struct order_rec *r = &s->buf[i];
		uint32_t hdr[2] = { r->kind, (uint32_t)rec_bytes(r) };

		if (!err && (fwrite(hdr, sizeof(hdr), 1, f) != 1 ||
			     fwrite(r->row, hdr[1], 1, f) != 1)) {
			err = errno ? -errno : -EIO;
			an_err_set(e, "cannot write a temporary file in %s to sort records: %s",
				   o->lim.tmpdir, strerror(-err));
		}
		order_rec_free(o, r);
	}
	o->stats.runs++;
	o->stats.spilled += s->buf_n;
	s->buf_n = 0;
	s->buf_bytes = 0;
	if (!err && (fflush(f) || fseek(f, 0, SEEK_SET))) {
		err = -EIO;
		an_err_set(e, "cannot write a temporary file in %s to sort records: %s",
			   o->lim.tmpdir, strerror(errno));
	}
	if (err) {
		fclose(f);
		return err;
	}
	s->runs[s->nruns++] = (struct run){ .f = f };
	return 0;
}

/* The next record of a run into its head; false at its end. */
static int run_read(struct order *o, struct run *r, struct an_err *e)
{
	uint32_t hdr[2];
	uint8_t cls = 0;
	void *row;

	r->has_head = false;
	if (fread(hdr, sizeof(hdr), 1, r->f) != 1)
		return 0;
	if (hdr[0] == ORD_PKT && hdr[1] == sizeof(struct row_pkt))
		row = pool_get(o->pkts);
	else if (hdr[0] == ORD_JREC && hdr[1] >= sizeof(struct row_jrec))
		row = jrec_alloc(hdr[1]);
	else
		goto bad;
	if (!row) {
		an_err_set(e, "out of memory");
		return -ENOMEM;
	}
	if (hdr[0] == ORD_JREC)
		cls = ((struct row_jrec *)row)->size_class;
	if (fread(row, hdr[1], 1, r->f) != 1) {
		if (hdr[0] == ORD_PKT)
			pool_put(o->pkts, row);
		else
			jrec_free(row);
		goto bad;
	}
	if (hdr[0] == ORD_JREC)
		((struct row_jrec *)row)->size_class = cls;
	if (hdr[0] == ORD_PKT)
		order_rec_pkt(&r->head, row);
	else
		order_rec_jrec(&r->head, row);
	r->has_head = true;
	return 1;
bad:
	an_err_set(e, "cannot read back a temporary file of sorted records");
	return -EIO;
}

static bool run_less(const struct src *s, size_t a, size_t b)
{
	return order_cmp(&s->runs[a].head, &s->runs[b].head) < 0;
}

static void run_sift_down(struct src *s, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1, t;

		if (c >= s->run_heap_n)
			break;
		if (c + 1 < s->run_heap_n && run_less(s, s->run_heap[c + 1], s->run_heap[c]))
			c++;
		if (!run_less(s, s->run_heap[c], s->run_heap[i]))
			break;
		t = s->run_heap[i];
		s->run_heap[i] = s->run_heap[c];
		s->run_heap[c] = t;
		i = c;
	}
}

/* Reads the whole source; leaves it in buf (one run) or in spilled runs. */
static int sort_source(struct order *o, struct src *s, struct an_err *e)
{
	struct order_rec r;
	int rc;

	for (;;) {
		rc = s->in.next(s->in.ctx, &r, e);
		if (rc < 0)
			return rc;
		if (rc == 0)
			break;
		if (s->buf_n == s->buf_cap) {
			size_t cap = s->buf_cap ? s->buf_cap * 2 : 1024;
			struct order_rec *v = realloc(s->buf, cap * sizeof(*v));

			if (!v) {
				order_rec_free(o, &r);
				an_err_set(e, "out of memory");
				return -ENOMEM;
			}
			s->buf = v;
			s->buf_cap = cap;
		}
		s->buf[s->buf_n++] = r;
		s->buf_bytes += rec_bytes(&r);
		if (s->buf_n >= o->lim.records || s->buf_bytes >= o->lim.bytes) {
			rc = run_write(o, s, e);
			if (rc)
				return rc;
		}
	}
	s->eof = s->sorted = true;
	if (!s->nruns) {
		qsort(s->buf, s->buf_n, sizeof(*s->buf), cmp_qsort);
		return 0;
	}
	if (s->buf_n) {
		rc = run_write(o, s, e);
		if (rc)
			return rc;
	}
	free(s->buf);
	s->buf = NULL;
	s->buf_cap = 0;
	s->run_heap = calloc(s->nruns, sizeof(*s->run_heap));
	if (!s->run_heap) {
		an_err_set(e, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->nruns; i++) {
		rc = run_read(o, &s->runs[i], e);
		if (rc < 0)
			return rc;
		if (rc)
			s->run_heap[s->run_heap_n++] = i;
	}
	for (size_t i = s->run_heap_n / 2; i-- > 0;)
		run_sift_down(s, i);
	return 0;
}

static int sort_next(struct order *o, struct src *s, struct order_rec *out, struct an_err *e)
{
	int rc;

	if (!s->sorted) {
		rc = sort_source(o, s, e);
		if (rc)
			return rc;
	}
	if (!s->nruns) {
		if (s->buf_pos == s->buf_n)
			return 0;
		*out = s->buf[s->buf_pos++];
		return 1;
	}
	if (!s->run_heap_n)
		return 0;
	struct run *r = &s->runs[s->run_heap[0]];

	*out = r->head;
	r->has_head = false;
	rc = run_read(o, r, e);
	if (rc < 0)
		return rc;
	if (!rc) {
		fclose(r->f);
		r->f = NULL;
		s->run_heap[0] = s->run_heap[--s->run_heap_n];
	}
	run_sift_down(s, 0);
	return 1;
}

/* ---- the merge of sources ---- */

static int src_next(struct order *o, struct src *s, struct order_rec *out, struct an_err *e)
{
	switch (s->mode) {
	case ORDER_WINDOW:
		return window_next(o, s, out, e);
	case ORDER_SORT:
		return sort_next(o, s, out, e);
	case ORDER_SORTED:
		break;
	}
	return s->in.next(s->in.ctx, out, e);
}

static bool src_less(const struct src *a, const struct src *b)
{
	return order_cmp(&a->head, &b->head) < 0;
}

static void heap_sift_down(struct order *o, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1;
		struct src *t;

		if (c >= o->heap_n)
			break;
		if (c + 1 < o->heap_n && src_less(o->heap[c + 1], o->heap[c]))
			c++;
		if (!src_less(o->heap[c], o->heap[i]))
			break;
		t = o->heap[i];
		o->heap[i] = o->heap[c];
		o->heap[c] = t;
		i = c;
	}
}

static int start(struct order *o, struct an_err *e)
{
	int rc;

	o->heap = calloc(o->nsrcs ? o->nsrcs : 1, sizeof(*o->heap));
	if (!o->heap) {
		an_err_set(e, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < o->nsrcs; i++) {
		struct src *s = o->srcs[i];

		rc = src_next(o, s, &s->head, e);
		if (rc < 0)
			return rc;
		if (rc) {
			s->has_head = true;
			o->heap[o->heap_n++] = s;
		}
	}
	for (size_t i = o->heap_n / 2; i-- > 0;)
		heap_sift_down(o, i);
	o->started = true;
	return 0;
}

int order_next(struct order *o, struct order_rec *out, struct an_err *e)
{
	struct src *s;
	int rc;

	if (!o->started) {
		rc = start(o, e);
		if (rc)
			return rc;
	}
	if (!o->heap_n)
		return 0;
	s = o->heap[0];
	*out = s->head;
	s->has_head = false;
	rc = src_next(o, s, &s->head, e);
	if (rc < 0) {
		order_rec_free(o, out);
		return rc;
	}
	if (rc) {
		s->has_head = true;
	} else {
		o->heap[0] = o->heap[--o->heap_n];
	}
	heap_sift_down(o, 0);
	return 1;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading: the file loop. Every input file is a source of the time-order
 * merge (order.c); reading one hands its packet and journal records to
 * their row builders (packet.c, journal.c), and its section headers,
 * interface descriptions and statistics, and netrec's clock and statistics
 * blocks to the files and interfaces rows. The merged stream goes through
 * the analysis pass (pass.c) into the store (store.c): one pass, each row
 * written once.
 *
 * The database is always built new, in one transaction with no journal:
 * a temporary one in place, a kept one (--db) beside its path and renamed
 * over it at the end, so that a failed or interrupted load leaves the old
 * one as it was. Files added to a kept database are merged with its records
 * read back (replay.c): one timeline, the same as loading all at once.
 *
 * A file is identified by a hash of its whole content (XXH64, streamed as
 * it is read): one already in the database is not loaded again. To decide
 * that before loading, a file whose size equals that of a file already in
 * the database (or given before it) is hashed first. A path loaded before
 * with other content is loaded again, and said so.
 *
 * A file whose records are further out of order than the window (order.h)
 * makes the load start again, with that file read whole and sorted.
 *
 * Connections are followed per vantage point (the host a file was recorded
 * on: join.c), so the host of each file must be known before the pass:
 * --host-name, else the _HOSTNAME of the first netrec process record, found
 * by a short scan of the file's start. After the store is closed, join.c
 * pairs the connections seen from more than one vantage point.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze.h"
#include "community_id.h"
#include "hash.h"
#include "order.h"
#include "pass.h"
#include "pcapng.h"
#include "pool.h"
#include "profile.h"
#include "replay.h"
#include "tunnels.h"
#include "rows.h"
#include "store.h"

#define MAX_IFACES 4096
#define STRTAB_BYTES (64u << 20)
#define WINDOW_RECORDS (1u << 17)
#define WINDOW_BYTES (64u << 20)
#define MAX_RESTARTS 64
#define PRESCAN_RECORDS 100000   /* records read to find a file's host */

/* An input file while it is read. */
struct infile {
	const char *path;
	int idx;                 /* in the caller's list */
	int src;                 /* its source index in the merge, -1 none */
	enum order_mode mode;
	struct capfile *cf;
	struct packet_ctx pctx;
	struct row_file file;
	struct hash hash;
	uint64_t size;           /* on disk, 0 unknown */
	uint64_t raw_read;
	struct row_sink sink;
	uint64_t *progress;      /* all files' raw bytes */
	/* interfaces: ids of the current section's, by if_id, and every
	 * one's counters */
	uint32_t section;
	int64_t iface_ids[MAX_IFACES];
	struct row_iface_counts *counts;
	size_t ncounts, counts_cap;
	bool have_shb, done;
	char *hardware, *os, *userappl, *comment, *host;
	char *vhost;             /* its host as the pass knows it (vantage), or NULL */
	const char *host_name;   /* --host-name: the files row's host */
	char hash_text[40];
	char cut_msg[256];       /* the problems row of interface text cut */
	struct ingest_result *res;
	struct an_err *err;      /* where a read error's detail goes */
};

/* The whole load. */
struct load {
	const struct ingest_opts *o;
	struct ingest_result *res;
	struct ingest_summary *sum;
	struct infile *files;    /* the files to load, in the order given */
	int nfiles;
	sqlite3 *old;            /* the kept database being extended, or NULL */
	int64_t first_file_id;
	uint64_t total_bytes, read_bytes, shown_bytes;
	char build_path[4096];
};

static char *prescan_host(const char *path);

static char *dup_n(const void *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = 0;
	}
	return s;
}

static void on_raw(void *ctx, const uint8_t *buf, size_t len)
{
	struct infile *f = ctx;

	hash_update(&f->hash, buf, len);
	f->raw_read += len;
	*f->progress += len;
}

static void note_ts(struct row_file *f, int64_t ts)
{
	if (!f->has_ts || ts < f->first_ns)
		f->first_ns = ts;
	if (!f->has_ts || ts > f->last_ns)
		f->last_ns = ts;
	f->has_ts = true;
}

/* ---- reading one file ---- */

static int add_iface(struct infile *f, const struct capfile_rec *rec, uint32_t if_id,
		     const struct capfile_iface *ifc, struct an_err *e)
{
	struct row_iface r;
	struct row_iface_counts *c;
	int err;

	if (if_id >= MAX_IFACES || !ifc)
		return 0;
	if (f->ncounts == f->counts_cap) {
		size_t n = f->counts_cap ? f->counts_cap * 2 : 16;

		c = realloc(f->counts, n * sizeof(*c));
		if (!c) {
			an_err_set(e, "out of memory");
			return -ENOMEM;
		}
		f->counts = c;
		f->counts_cap = n;
	}
	c = &f->counts[f->ncounts++];
	memset(c, 0, sizeof(*c));
	/* ids by file and position, whatever order the files are read in */
	c->iface_id = (f->file.file_id << 32) + (int64_t)f->ncounts;
	r = (struct row_iface){ .iface_id = c->iface_id, .file_id = f->file.file_id,
		.section = rec->section, .if_id = if_id, .linktype = ifc->linktype,
		.snaplen = ifc->snaplen, .name = ifc->name, .description = ifc->description,
		.filter = ifc->filter, .os = ifc->os, .tsresol = ifc->ts_units_per_sec };
	err = f->sink.put(f->sink.ctx, ROW_IFACE, &r);
	if (err) {
		an_err_set(e, "cannot store an interface: %s", strerror(-err));
		return err;
	}
	f->iface_ids[if_id] = (int64_t)f->ncounts;
	return 0;
}

static struct row_iface_counts *iface_counts(struct infile *f, uint32_t if_id)
{
	if (if_id >= MAX_IFACES || !f->iface_ids[if_id])
		return NULL;
	return &f->counts[f->iface_ids[if_id] - 1];
}

static void new_section(struct infile *f, const struct capfile_rec *rec)
{
	struct capfile_opt_iter it;
	struct capfile_opt o;

	memset(f->iface_ids, 0, sizeof(f->iface_ids));
	f->section = rec->section;
	if (f->have_shb)
		return;
	f->have_shb = true;
	capfile_opt_iter_init(&it, rec);
	while (capfile_opt_next(&it, &o) > 0) {
		char **dst = NULL;

		/* docs/format.md §6: the clock, a custom option of the SHB */
		if (o.code == PCAPNG_OPT_CUSTOM_BIN && !f->file.has_clock &&
		    nr_clock_from_option(o.val, o.len, rec->swapped, &f->file.clock) == 0)
			f->file.has_clock = true;
		switch (o.code) {
		case PCAPNG_SHB_HARDWARE: dst = &f->hardware; break;
		case PCAPNG_SHB_OS: dst = &f->os; break;
		case PCAPNG_SHB_USERAPPL: dst = &f->userappl; break;
		case PCAPNG_OPT_COMMENT: dst = &f->comment; break;
		}
		if (dst && !*dst)
			*dst = dup_n(o.val, o.len);
	}
}

/* docs/format.md §7: rotated or concatenated sections' counts add up. */
static void add_nr_stats(struct infile *f, const struct nr_cb_stats *s)
{
	struct row_file *r = &f->file;

	if (!r->has_nr_stats) {
		r->nr_stats = *s;
	} else {
		r->nr_stats.packets_written += s->packets_written;
		r->nr_stats.events_written += s->events_written;
		r->nr_stats.packets_attributed += s->packets_attributed;
		r->nr_stats.packets_kernel += s->packets_kernel;
		r->nr_stats.ring_drops += s->ring_drops;
		r->nr_stats.other_drops += s->other_drops;
		r->nr_stats.packets_filtered += s->packets_filtered;
	}
	r->has_nr_stats = true;
}

static void add_isb(struct infile *f, const struct capfile_rec *rec)
{
	struct row_iface_counts *c = iface_counts(f, rec->if_id);
	struct capfile_opt_iter it;
	struct capfile_opt o;
	struct nr_cb_stats s;

	capfile_opt_iter_init(&it, rec);
	while (capfile_opt_next(&it, &o) > 0) {
		int k = -1;

		switch (o.code) {
		case PCAPNG_ISB_IFRECV: k = 0; break;
		case PCAPNG_ISB_IFDROP: k = 1; break;
		case PCAPNG_ISB_OSDROP: k = 2; break;
		case PCAPNG_ISB_USRDELIV: k = 3; break;
		case PCAPNG_OPT_CUSTOM_BIN:
			/* §7: netrec's statistics ride on the section's first ISB */
			if (nr_stats_from_option(o.val, o.len, rec->swapped, &s) == 0)
				add_nr_stats(f, &s);
			break;
		}
		if (c && k >= 0 && o.len >= 8) {
			c->isb[k] = capfile_opt_u64(&it, &o);
			c->has_isb |= (uint8_t)(1u << k);
		}
	}
}

static void add_custom(struct infile *f, const struct capfile_rec *rec)
{
	struct row_file *r = &f->file;
	struct nr_cb_stats s;

	if (rec->pen != NR_PEN)
		return;
	switch (nr_cb_type(rec->body, rec->body_len)) {
	case NR_CB_CLOCK:
		if (!r->has_clock && nr_clock_decode(rec->body, rec->body_len, &r->clock) == 0)
			r->has_clock = true;
		break;
	case NR_CB_STATS:
		/* the form of files without interfaces, and of earlier files */
		if (nr_stats_decode(rec->body, rec->body_len, &s) == 0)
			add_nr_stats(f, &s);
		break;
	}
}

/* order_source.next: the file's next packet or journal record, in file
 * order; other blocks are taken in passing. */
static int infile_next(void *ctx, struct order_rec *out, struct an_err *e, struct pool *pkts)
{
	struct infile *f = ctx;
	struct capfile_rec rec;
	int rc, err;

	while (!f->done && (rc = capfile_next(f->cf, &rec)) > 0) {
		switch (rec.type) {
		case CAPFILE_REC_SHB:
			new_section(f, &rec);
			break;
		case CAPFILE_REC_IDB:
			if (rec.section != f->section)
				new_section(f, &rec);
			err = add_iface(f, &rec, rec.if_id, rec.iface, e);
			if (err)
				return err;
			break;
		case CAPFILE_REC_PACKET: {
			struct row_iface_counts *c;
			struct row_pkt *p;

			if (rec.section != f->section)
				new_section(f, &rec);
			if (rec.if_id < MAX_IFACES && !f->iface_ids[rec.if_id]) {
				err = add_iface(f, &rec, rec.if_id, rec.iface, e);
				if (err)
					return err;
			}
			c = iface_counts(f, rec.if_id);
			if (c)
				c->packets++;
			p = pool_get(pkts);
			if (!p) {
				an_err_set(e, "out of memory");
				return -ENOMEM;
			}
			packet_build(p, &rec, c ? c->iface_id : 0, &f->pctx);
			note_ts(&f->file, p->ts_ns);
			f->file.packets++;
			order_rec_pkt(out, p);
			return 1;
		}
		case CAPFILE_REC_JOURNAL: {
			struct row_jrec *j = journal_build(&rec, &f->pctx);
			const char *host;

			if (!j) {
				an_err_set(e, "out of memory");
				return -ENOMEM;
			}
			host = jrec_text(j, JT_HOSTNAME);
			if (!f->host && host)
				f->host = strdup(host);
			note_ts(&f->file, j->ts_ns);
			f->file.events++;
			order_rec_jrec(out, j);
			return 1;
		}
		case CAPFILE_REC_ISB:
			add_isb(f, &rec);
			break;
		case CAPFILE_REC_CUSTOM:
			add_custom(f, &rec);
			break;
		default:
			break;
		}
	}
	if (!f->done) {
		f->done = true;
		if (rc < 0) {
			const struct capfile_error *ce = capfile_error(f->cf);
			struct ingest_result *r = f->res;

			r->damaged = true;
			r->error_offset = ce->offset;
			snprintf(r->error, sizeof(r->error), "%s", ce->what[0] ? ce->what : strerror(-rc));
		}
	}
	return 0;
}

/* The order stage's view of a file and of the packet pool. */
struct src_ctx {
	struct infile *f;
	struct pool *pkts;
};

static int src_next(void *ctx, struct order_rec *out, struct an_err *e)
{
	struct src_ctx *s = ctx;

	return infile_next(s->f, out, e, s->pkts);
}

static int infile_open(struct infile *f, struct an_err *e)
{
	struct capfile_opts co = { .on_raw = on_raw, .raw_ctx = f };
	int err;

	hash_init(&f->hash);
	err = capfile_open_path(&f->cf, f->path, &co);
	if (err) {
		const struct capfile_error *ce = capfile_error(f->cf);

		if (ce && !strncmp(ce->what, "cannot open", 11))
			an_err_set(e, "%s", ce->what);
		else
			an_err_set(e, "%s: %s", f->path, ce && ce->what[0] ? ce->what : strerror(-err));
	}
	return err;
}

static void infile_close(struct infile *f)
{
	capfile_close(f->cf);
	f->cf = NULL;
	free(f->counts);
	free(f->hardware);
	free(f->os);
	free(f->userappl);
	free(f->comment);
	free(f->host);
	f->counts = NULL;
	f->ncounts = f->counts_cap = 0;
	f->hardware = f->os = f->userappl = f->comment = f->host = NULL;
}

/* The reader stops at damage: the hash still covers the whole file. */
static void hash_rest(struct infile *f)
{
	uint8_t buf[65536];
	ssize_t n;
	int fd;

	if (!f->size || f->raw_read >= f->size)
		return;
	fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while ((n = pread(fd, buf, sizeof(buf), (off_t)f->raw_read)) > 0) {
		hash_update(&f->hash, buf, (size_t)n);
		f->raw_read += (uint64_t)n;
	}
	close(fd);
}

static void file_counts(struct row_file_counts *c, int64_t file_id,
			const struct pass_file_stats *st)
{
	*c = (struct row_file_counts){
		.file_id = file_id, .tcp_packets = st->tcp_packets, .icmp_packets = st->icmp_packets,
		.other_packets = st->other_packets, .loopback_copies = st->loopback_copies,
		.tcp_events = st->tcp_events, .connections = st->connections,
		.retransmissions = st->retransmissions, .sequence_gaps = st->sequence_gaps,
		.gaps_known = st->gaps_known,
	};
}

/* The files row, interface counters and problem of a file read to its end. */
static int infile_finish(struct infile *f, struct pass *pass, struct an_err *e)
{
	struct pass_file_stats st;
	const struct capfile_stats *cs = capfile_stats(f->cf);
	struct row_file *r = &f->file;
	struct ingest_result *res = f->res;
	enum capfile_compression c = capfile_compression(f->cf);
	int err;

	for (size_t i = 0; i < f->ncounts; i++) {
		err = f->sink.put(f->sink.ctx, ROW_IFACE_COUNTS, &f->counts[i]);
		if (err)
			goto fail;
	}
	err = undecoded_flush(f->pctx.undec, r->file_id, f->sink);
	if (!err)
		err = tunnels_error(f->pctx.tunnels);
	if (err)
		goto fail;
	if (res->damaged) {
		struct row_problem p = { r->file_id, (int64_t)res->error_offset,
					 capfile_error(f->cf)->block_type, res->error };

		err = f->sink.put(f->sink.ctx, ROW_PROBLEM, &p);
		if (err)
			goto fail;
		r->error = res->error;
		r->error_offset = (int64_t)res->error_offset;
	}
	if (cs->iface_text_cut || cs->iface_text_dropped) {
		/* the reader keeps a bounded part of interfaces' text (pcapng.h,
		 * CAPFILE_IFACE_TEXT_*): what it cut is a problem of the file, so
		 * that --summary says so */
		struct row_problem p = { r->file_id, (int64_t)cs->iface_text_first_offset,
					 PCAPNG_BT_IDB, f->cut_msg };

		snprintf(f->cut_msg, sizeof(f->cut_msg), "interface text options cut: %llu kept only their "
			 "first %u bytes, %llu not kept (over %u KiB in a section or %u MiB in "
			 "the file)", (unsigned long long)cs->iface_text_cut, CAPFILE_IFACE_TEXT_MAX,
			 (unsigned long long)cs->iface_text_dropped, CAPFILE_IFACE_TEXT_SECTION >> 10,
			 CAPFILE_IFACE_TEXT_FILE >> 20);
		err = f->sink.put(f->sink.ctx, ROW_PROBLEM, &p);
		if (err)
			goto fail;
	}
	hash_rest(f);
	snprintf(f->hash_text, sizeof(f->hash_text), "%016llx-%llu",
		 (unsigned long long)hash_final(&f->hash), (unsigned long long)f->raw_read);
	r->path = f->path;
	r->size = f->size ? (int64_t)f->size : -1;
	r->hash = f->hash_text;
	r->kind = capfile_kind(f->cf) == CAPFILE_PCAP ? "pcap" : "pcapng";
	r->compression = c == CAPFILE_ZSTD ? "zstd" : c == CAPFILE_GZIP ? "gzip" : "none";
	r->host = f->host_name ? f->host_name : f->host;
	r->hardware = f->hardware;
	r->os = f->os;
	r->userappl = f->userappl;
	r->comment = f->comment;
	r->has_stats = true;
	r->sections = cs->sections;
	r->interfaces = cs->interfaces;
	r->records = (int64_t)cs->blocks;
	r->unknown_blocks = (int64_t)cs->unknown_blocks;
	pass_file_stats(pass, (uint32_t)r->file_id, &st);
	r->has_reorder = true;
	r->reorder_moved = st.moved;
	r->reorder_max_displacement = st.max_disp;
	r->in_order = r->reorder_moved == 0;
	file_counts(&r->counts, r->file_id, &st);
	err = f->sink.put(f->sink.ctx, ROW_FILE, r);
	if (err)
		goto fail;
	res->file_id = r->file_id;
	res->packets = (uint64_t)r->packets;
	res->events = (uint64_t)r->events;
	return 0;
fail:
	an_err_set(e, "cannot store the file's rows: %s", strerror(-err));
	return err;
}

/* ---- which files to load ---- */

static int hash_file(const char *path, char out[40])
{
	uint8_t *buf = malloc(1u << 20);
	struct hash h;
	uint64_t total = 0;
	int fd, err = 0;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	hash_init(&h);
	while ((n = read(fd, buf, 1u << 20)) > 0) {
		hash_update(&h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	if (n < 0)
		err = -errno;
	close(fd);
	free(buf);
	snprintf(out, 40, "%016llx-%llu", (unsigned long long)hash_final(&h),
		 (unsigned long long)total);
	return err;
}

/* A file of the database: what identifies it. */
struct known {
	int64_t file_id;
	int64_t size;
	char *path, *hash;
};

static int known_files(sqlite3 *db, struct known **out, int *n, struct an_err *e)
{
	sqlite3_stmt *st = NULL;
	struct known *k = NULL;
	int err, cnt = 0, cap = 0, rc;

	*out = NULL;
	*n = 0;
	err = db_prepare(db, &st, "SELECT file_id, size, path, hash FROM files ORDER BY file_id", e);
	if (err)
		return err;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			struct known *v = realloc(k, (size_t)(cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (!v) {
				err = -ENOMEM;
				break;
			}
			k = v;
		}
		const unsigned char *p = sqlite3_column_text(st, 2), *h = sqlite3_column_text(st, 3);

		k[cnt].file_id = sqlite3_column_int64(st, 0);
		k[cnt].size = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 :
			      sqlite3_column_int64(st, 1);
		k[cnt].path = strdup(p ? (const char *)p : "");
		k[cnt].hash = h ? strdup((const char *)h) : NULL;
		cnt++;
	}
	if (!err && rc != SQLITE_DONE) {
		an_err_set(e, "database: %s", sqlite3_errmsg(db));
		err = -EIO;
	}
	if (err == -ENOMEM)
		an_err_set(e, "out of memory");
	sqlite3_finalize(st);
	*out = k;
	*n = cnt;
	return err;
}

static void known_free(struct known *k, int n)
{
	for (int i = 0; i < n; i++) {
		free(k[i].path);
		free(k[i].hash);
	}
	free(k);
}

/* Decides for each path whether it is loaded: a content already in the
 * database, or given twice, is not. */
static int plan_files(struct load *l, struct an_err *e)
{
	const struct ingest_opts *o = l->o;
	struct known *k = NULL;
	char (*hashes)[40] = NULL;
	struct stat *st = NULL;
	int nk = 0, err = 0;

	if (l->old) {
		err = known_files(l->old, &k, &nk, e);
		if (err)
			return err;
	}
	hashes = calloc((size_t)o->npaths + 1, sizeof(*hashes));
	st = calloc((size_t)o->npaths + 1, sizeof(*st));
	l->files = calloc((size_t)o->npaths + 1, sizeof(*l->files));
	if (!hashes || !st || !l->files) {
		an_err_set(e, "out of memory");
		err = -ENOMEM;
		goto out;
	}
	memset(l->res, 0, (size_t)o->npaths * sizeof(*l->res));
	for (int i = 0; i < o->npaths; i++) {
		const char *path = o->paths[i];
		struct ingest_result *r = &l->res[i];
		bool regular = strcmp(path, "-") && !stat(path, &st[i]) && S_ISREG(st[i].st_mode);
		bool need_hash = false;

		if (regular) {
			for (int j = 0; j < nk && !need_hash; j++)
				need_hash = k[j].size == (int64_t)st[i].st_size;
			for (int j = 0; j < i && !need_hash; j++)
				need_hash = hashes[j][0] && st[j].st_size == st[i].st_size;
			if (!need_hash)
				for (int j = i + 1; j < o->npaths && !need_hash; j++)
					need_hash = !stat(o->paths[j], &st[j]) && S_ISREG(st[j].st_mode) &&
						    st[j].st_size == st[i].st_size;
		}
		if (need_hash && hash_file(path, hashes[i]))
			hashes[i][0] = 0;
		for (int j = 0; hashes[i][0] && j < nk && !r->skipped; j++) {
			if (k[j].hash && !strcmp(k[j].hash, hashes[i])) {
				r->skipped = true;
				r->same_as = k[j].file_id;
			}
		}
		for (int j = 0; hashes[i][0] && j < i && !r->skipped; j++) {
			if (!strcmp(hashes[j], hashes[i]) && !l->res[j].skipped) {
				r->skipped = true;
				r->same_as = -1 - j;   /* given before, not yet numbered */
			}
		}
		if (r->skipped)
			continue;
		for (int j = 0; j < nk && !r->changed; j++) {
			if (!strcmp(k[j].path, path)) {
				r->changed = true;
				r->changed_id = k[j].file_id;
			}
		}
		struct infile *f = &l->files[l->nfiles++];

		f->path = path;
		f->idx = i;
		f->res = r;
		f->host_name = o->host_name;
		f->vhost = o->host_name ? strdup(o->host_name) : prescan_host(path);
		f->mode = strcmp(path, "-") ? ORDER_WINDOW : ORDER_SORT;
		f->size = regular ? (uint64_t)st[i].st_size : 0;
		l->total_bytes += f->size;
	}
out:
	known_free(k, nk);
	free(hashes);
	free(st);
	return err;
}

/* The host a file names before the pass (its vantage point): the
 * _HOSTNAME of the first journal record that has one, within the first
 * PRESCAN_RECORDS records (netrec writes a process record before the
 * process's packets). NULL when none, or for standard input. */
static char *prescan_host(const char *path)
{
	struct capfile_opts co = { 0 };
	struct capfile *cf = NULL;
	struct capfile_rec rec;
	struct strtab *strs;
	struct packet_ctx ctx = { 0 };
	char *host = NULL;

	if (!strcmp(path, "-") || capfile_open_path(&cf, path, &co))
		return NULL;
	if (capfile_kind(cf) != CAPFILE_PCAPNG) {
		capfile_close(cf);
		return NULL;
	}
	strs = strtab_new(1u << 20);
	ctx.strs = strs;
	for (int n = 0; strs && !host && n < PRESCAN_RECORDS && capfile_next(cf, &rec) > 0; n++) {
		struct row_jrec *j;
		const char *h;

		if (rec.type != CAPFILE_REC_JOURNAL)
			continue;
		j = journal_build(&rec, &ctx);
		h = j ? jrec_text(j, JT_HOSTNAME) : NULL;
		if (h && *h)
			host = strdup(h);
		jrec_free(j);
	}
	strtab_free(strs);
	capfile_close(cf);
	return host;
}

/* The vantage point of every file of the load (by file_id), numbered as
 * join_vantages numbers them: 0 for files that name no host, one number
 * per host name otherwise. The kept database's files are read from old. */
static int vantage_map(struct load *l, sqlite3 *old, int **out, size_t *nout, struct an_err *e)
{
	struct { int64_t id; char *host; } *v = NULL;
	size_t nv = 0, cap = 0, n = 0;
	sqlite3_stmt *st = NULL;
	int *m = NULL, err = 0, rc;

	*out = NULL;
	*nout = 0;
	if (old) {
		err = db_prepare(old, &st, "SELECT file_id, host FROM files ORDER BY file_id", e);
		if (err)
			return err;
	}
	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(st, 1);

		if (nv == cap) {
			void *p = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (!p) {
				err = -ENOMEM;
				break;
			}
			v = p;
		}
		v[nv].id = sqlite3_column_int64(st, 0);
		v[nv].host = h ? strdup(h) : NULL;
		nv++;
	}
	sqlite3_finalize(st);
	for (int i = 0; !err && i < l->nfiles; i++) {
		if (l->files[i].src < 0)
			continue;
		if (nv == cap) {
			void *p = realloc(v, (cap = cap ? cap * 2 : 16) * sizeof(*v));

			if (!p) {
				err = -ENOMEM;
				break;
			}
			v = p;
		}
		v[nv].id = l->files[i].file.file_id;
		v[nv].host = l->files[i].vhost ? strdup(l->files[i].vhost) : NULL;
		nv++;
	}
	for (size_t i = 0; i < nv; i++)
		if (v[i].id >= 0 && v[i].id < 100000000 && (size_t)v[i].id >= n)
			n = (size_t)v[i].id + 1;
	if (!err && n) {
		m = calloc(n, sizeof(*m));
		if (!m)
			err = -ENOMEM;
	}
	/* numbered in file_id order, as join_vantages does */
	int next = 1;

	for (size_t i = 0; !err && i < nv; i++) {
		if (!v[i].host || v[i].id < 0 || (size_t)v[i].id >= n)
			continue;
		int num = 0;

		for (size_t k = 0; k < i && !num; k++)
			if (v[k].host && !strcmp(v[k].host, v[i].host) && v[k].id >= 0 &&
			    (size_t)v[k].id < n)
				num = m[v[k].id];
		m[v[i].id] = num ? num : next++;
	}
	for (size_t i = 0; i < nv; i++)
		free(v[i].host);
	free(v);
	if (err) {
		free(m);
		an_err_set(e, "out of memory");
		return err;
	}
	*out = m;
	*nout = n;
	return 0;
}

/* ---- the load ---- */

/* The next file_id of a kept database (1 for a new one). */
static int next_file_id(sqlite3 *db, int64_t *id, struct an_err *e)
{
	sqlite3_stmt *st = NULL;
	int err = db_prepare(db, &st, "SELECT COALESCE(max(file_id), 0) + 1 FROM files", e);

	if (err)
		return err;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
	} else {
		an_err_set(e, "database: %s", sqlite3_errmsg(db));
		err = -EIO;
	}
	sqlite3_finalize(st);
	return err;
}

/* A kept database made by another version cannot be extended. */
static int check_version(sqlite3 *db, const char *path, struct an_err *e)
{
	sqlite3_stmt *st = NULL;
	int err = db_prepare(db, &st, "SELECT value FROM meta WHERE key = 'schema_version'", e);
	int64_t v = -1;

	if (err) {
		an_err_set(e, "%s: not a netanalyze database", path);
		return -EINVAL;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (v != AN_SCHEMA_VERSION) {
		an_err_set(e, "%s was made by another version of netanalyze (schema %lld, this one "
			   "writes %d): load its files into a new database", path, (long long)v,
			   AN_SCHEMA_VERSION);
		return -EINVAL;
	}
	return 0;
}

/* The rows of the kept database that no record carries: files, their
 * interfaces and problems, copied as they are. */
static int copy_old(sqlite3 *db, const char *old_path, struct an_err *e)
{
	char *sql = sqlite3_mprintf(
		"ATTACH %Q AS old;"
		"INSERT INTO main.files SELECT * FROM old.files;"
		"INSERT INTO main.interfaces SELECT * FROM old.interfaces;"
		"INSERT INTO main.problems SELECT * FROM old.problems;"
		"INSERT OR IGNORE INTO main.tunnels SELECT * FROM old.tunnels;"
		"INSERT OR IGNORE INTO main.addresses SELECT * FROM old.addresses;"
		"INSERT INTO main.undecoded SELECT * FROM old.undecoded;", old_path);
	int err;

	if (!sql) {
		an_err_set(e, "out of memory");
		return -ENOMEM;
	}
	err = db_exec(db, sql, e);
	sqlite3_free(sql);
	return err;
}

/* ---- the reader thread ----
 * A load runs on two threads (beside the store's writer): the reader reads
 * the files, builds their rows and puts them in time order (order_next);
 * the load's own thread runs the analysis pass over them. Records cross in
 * batches through a ring of FEED_BATCHES, so that at most that many batches
 * are between the two. The reader fills the batch after the last full one
 * and the pass empties the first, each without the lock, which only guards
 * the ring's head and count. Packet rows go back to the reader's pool in
 * chains (pool_chain_put).
 */
#define FEED_BATCH 512
#define FEED_BATCHES 8

struct feed_batch {
	size_t n;
	struct order_rec r[FEED_BATCH];
};

struct feed {
	struct load *l;
	struct order *ord;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t head, n;          /* full batches: b[head] and the n - 1 after it */
	bool stop;               /* the pass failed: the reader stops */
	bool done;               /* the reader has stopped (rc says why) */
	int rc;                  /* order_next's last result: 0 the end, or an error */
	struct an_err err;       /* its detail */
	struct feed_batch b[FEED_BATCHES];
};

static void progress(struct load *l, bool force);

static void *feed_reader(void *arg)
{
	struct feed *f = arg;
	int rc = 1;

	while (rc > 0) {
		struct feed_batch *b;
		bool stop;

		pthread_mutex_lock(&f->mu);
		while (f->n == FEED_BATCHES && !f->stop)
			pthread_cond_wait(&f->cv, &f->mu);
		stop = f->stop;
		b = &f->b[(f->head + f->n) % FEED_BATCHES];
		pthread_mutex_unlock(&f->mu);
		if (stop)
			break;
		b->n = 0;
		while (b->n < FEED_BATCH && (rc = order_next(f->ord, &b->r[b->n], &f->err)) > 0)
			b->n++;
		progress(f->l, false);
		pthread_mutex_lock(&f->mu);
		if (b->n)
			f->n++;
		pthread_cond_broadcast(&f->cv);
		pthread_mutex_unlock(&f->mu);
	}
	jrec_thread_done();
	pthread_mutex_lock(&f->mu);
	f->done = true;
	f->rc = rc > 0 ? 0 : rc;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

static int feed_start(struct feed *f, struct load *l, struct order *ord)
{
	f->l = l;
	f->ord = ord;
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	if (pthread_create(&f->thread, NULL, feed_reader, f)) {
		pthread_mutex_destroy(&f->mu);
		pthread_cond_destroy(&f->cv);
		return -ENOMEM;
	}
	f->started = true;
	return 0;
}

/* The next full batch, NULL when the reader has stopped and none is left. */
static struct feed_batch *feed_get(struct feed *f)
{
	struct feed_batch *b = NULL;

	pthread_mutex_lock(&f->mu);
	while (!f->n && !f->done)
		pthread_cond_wait(&f->cv, &f->mu);
	if (f->n)
		b = &f->b[f->head];
	pthread_mutex_unlock(&f->mu);
	return b;
}

/* The pass is done with the first batch. */
static void feed_release(struct feed *f)
{
	pthread_mutex_lock(&f->mu);
	f->head = (f->head + 1) % FEED_BATCHES;
	f->n--;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

/* Stops the reader and frees the records it handed over that the pass did
 * not take (from index `from` of the first full batch on). */
static void feed_end(struct feed *f, size_t from)
{
	if (!f->started)
		return;
	pthread_mutex_lock(&f->mu);
	f->stop = true;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->thread, NULL);
	f->started = false;
	for (size_t k = 0; k < f->n; k++) {
		struct feed_batch *b = &f->b[(f->head + k) % FEED_BATCHES];

		for (size_t i = k ? 0 : from; i < b->n; i++)
			order_rec_free(f->ord, &b->r[i]);
	}
	f->n = 0;
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
}

static void progress(struct load *l, bool force)
{
	if (!l->o->progress)
		return;
	if (force || l->read_bytes >= l->shown_bytes + (1u << 20)) {
		l->o->progress(l->o->progress_ctx, l->read_bytes, l->total_bytes);
		l->shown_bytes = l->read_bytes;
	}
}

/* One attempt: -EAGAIN when a file broke the window (its mode is then
 * ORDER_SORT for the next). */
static int load_once(struct load *l, struct an_err *e)
{
	const struct ingest_opts *o = l->o;
	struct strtab *strs = strtab_new(STRTAB_BYTES);
	struct order_limits lim = {
		.records = o->window_records ? o->window_records : WINDOW_RECORDS,
		.bytes = WINDOW_BYTES,
	};
	struct src_ctx *sctx = calloc((size_t)l->nfiles + 1, sizeof(*sctx));
	struct pool pkts;
	struct order *ord = NULL;
	struct pass *pass = NULL;
	struct store *store = NULL;
	struct replay *rp = NULL;
	struct tunnels *tuns = NULL;
	struct row_sink sink;
	struct feed *feed = NULL;
	struct feed_batch *b;
	struct pool_chain given = { NULL, NULL, 0 };
	size_t taken = 0;
	sqlite3 *db = NULL;
	const char *tmpdir = getenv("TMPDIR");
	int *vantage = NULL;
	size_t nvantage = 0;
	uint16_t seed = o->cid_seed_set ? o->cid_seed : l->old ? community_id_seed(l->old) : 0;
	bool seed_changed;
	int err, rc, idx;
	struct timespec now;

	pool_init(&pkts, sizeof(struct row_pkt));
	lim.tmpdir = tmpdir && *tmpdir ? tmpdir : "/tmp";
	if (!strs || !sctx) {
		an_err_set(e, "out of memory");
		err = -ENOMEM;
		goto out;
	}
	unlink(l->build_path);
	err = db_open(&db, l->build_path, false, true, e);
	if (!err && l->old)
		err = copy_old(db, o->db_path, e);
	if (!err && l->old)
		err = db_exec(db, "DETACH old", e);
	/* the seed of the community_id columns, kept across rebuilds */
	if (!err)
		err = community_id_set_seed(db, seed, &seed_changed, e);
	/* A temporary database: its tables grow at their ends, so 16 MiB of
	 * page cache do for its load (--handshakes of 500k connections: 4.46 s
	 * against 4.78 s with 64 MiB, and 224 MB of memory against 277 MB).
	 * Its reports read handshakes and connections in the order of their
	 * starts. Their rows come as the connections end, nearly in that
	 * order, so an index made before the load grows at its end on the
	 * writer thread, beside the load; made after it, or an ORDER BY
	 * without it, is a sort of every row on one thread while the other
	 * waits (--handshakes of 500k connections: about 0.5 s less). */
	if (!err && !o->keep) {
		err = db_exec(db, "PRAGMA cache_size = -16384;", e);
		if (!err)
			err = db_exec(db, an_report_index_sql, e);
	}
	if (!err)
		err = store_open(&store, db, o->tables, strs, e);
	if (err)
		goto out;
	sink = (struct row_sink){ store_put, store };
	err = pass_new(&pass, &pass_default_limits, strs, sink);
	if (!err)
		err = order_new(&ord, &lim, &pkts);
	if (!err)
		err = tunnels_new(&tuns, sink);
	if (err) {
		an_err_set(e, "out of memory");
		goto out;
	}
	if (l->old) {
		err = replay_open(&rp, l->old, &pkts, strs, e);
		if (!err)
			err = order_add(ord, ORDER_SORTED, (struct order_source){ replay_next, rp }, &idx);
		if (err)
			goto out;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	l->read_bytes = l->shown_bytes = 0;
	int64_t next_id = l->first_file_id;

	for (int i = 0; i < l->nfiles; i++) {
		struct infile *f = &l->files[i];

		f->src = -1;
		if (f->res->failed)
			continue;
		memset(&f->file, 0, sizeof(f->file));
		memset(&f->pctx, 0, sizeof(f->pctx));
		memset(f->iface_ids, 0, sizeof(f->iface_ids));
		f->ncounts = 0;
		f->have_shb = f->done = false;
		f->raw_read = 0;
		f->section = 0;
		f->res->damaged = false;
		f->res->error[0] = 0;
		f->err = e;
		f->sink = sink;
		f->progress = &l->read_bytes;
		err = infile_open(f, e);
		if (err) {
			/* the others are loaded; this one is named in the result */
			f->res->failed = true;
			snprintf(f->res->error, sizeof(f->res->error), "%s", e->msg);
			e->msg[0] = 0;
			err = 0;
			continue;
		}
		f->file.file_id = next_id++;
		f->file.loaded_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
		f->pctx.file_id = (uint32_t)f->file.file_id;
		f->pctx.strs = strs;
		f->pctx.tunnels = tuns;
		f->pctx.journal_lean = !store_wants(store, TB_EVENTS) &&
				       !store_wants(store, TB_PROCESSES);
		undecoded_init(&f->pctx.undec);
		if (!f->pctx.undec) {
			an_err_set(e, "out of memory");
			err = -ENOMEM;
			goto out;
		}
		sctx[i] = (struct src_ctx){ f, &pkts };
		err = order_add(ord, f->mode, (struct order_source){ src_next, &sctx[i] }, &f->src);
		if (err)
			goto out;
	}
	/* every file's vantage point, before the first record */
	err = vantage_map(l, l->old, &vantage, &nvantage, e);
	if (err)
		goto out;
	pass_set_fleet(pass, vantage, nvantage, seed);
	feed = calloc(1, sizeof(*feed));
	if (!feed || feed_start(feed, l, ord)) {
		an_err_set(e, "out of memory");
		err = -ENOMEM;
		goto out;
	}
	while ((b = feed_get(feed))) {
		for (taken = 0; taken < b->n; taken++) {
			struct order_rec *r = &b->r[taken];

			/* rows come out of the window cold: fetch ahead */
			if (taken + 4 < b->n)
				__builtin_prefetch(b->r[taken + 4].row);

			if (r->kind == ORD_PKT) {
				err = pass_packet(pass, r->row, e);
				pool_chain_put(&pkts, &given, r->row);
			} else {
				err = pass_jrec(pass, r->row, e);
			}
			if (err) {
				taken++;
				goto out;
			}
		}
		feed_release(feed);
	}
	taken = 0;
	feed_end(feed, 0);
	pool_give(&pkts, &given);
	rc = feed->rc;
	if (rc < 0)
		an_err_set(e, "%s", feed->err.msg);
	if (rc < 0) {
		err = rc;
		for (int i = 0; rc == -EAGAIN && i < l->nfiles; i++)
			if (l->files[i].src == order_violator(ord))
				l->files[i].mode = ORDER_SORT;
		goto out;
	}
	err = pass_finish(pass, e);
	for (int i = 0; !err && i < l->nfiles; i++)
		if (l->files[i].src >= 0)
			err = infile_finish(&l->files[i], pass, e);
	/* the kept database's files: what they count now, merged with the new */
	for (int64_t id = 1; !err && l->old && id < l->first_file_id; id++) {
		struct pass_file_stats st;
		struct row_file_counts c;

		pass_file_stats(pass, (uint32_t)id, &st);
		if (!st.seen)
			continue;
		file_counts(&c, id, &st);
		err = sink.put(sink.ctx, ROW_FILE_COUNTS, &c);
		if (err)
			an_err_set(e, "cannot store the file's rows: %s", strerror(-err));
	}
	if (!err && pass_limit_note(pass))
		snprintf(l->sum->note, sizeof(l->sum->note), "%s", pass_limit_note(pass));
	if (!err)
		l->sum->runs = order_stats(ord)->runs;
	if (!err)
		err = store_close(store, true, e);
	store = NULL;
	/* What follows (the join, a kept database's indexes, the reports) reads
	 * and sorts. SQLite sorts in runs as large as the page cache, so from
	 * here the cache is small: runs of 4 MiB sort within the CPU's caches,
	 * and the 64 MiB the load wanted are not touched afresh by each sort
	 * (the indexes after a 5M-packet load: 2.1 s against 3.2 s). */
	if (!err)
		err = db_exec(db, "PRAGMA cache_size = -4096;", e);
	/* connections seen from more than one vantage point */
	if (!err)
		err = db_exec(db, "BEGIN", e);
	if (!err) {
		err = join_run(db, e);
		if (err)
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		else
			err = db_exec(db, "COMMIT", e);
	}
	if (!err && o->keep)
		err = db_exec(db, an_gaps_sql, e);
	if (!err && o->keep)
		err = db_exec(db, an_index_sql, e);
	progress(l, true);
out:
	/* the reader first: it may still put rows */
	if (feed)
		feed_end(feed, taken);
	free(feed);
	if (err && store) {
		/* the writer's error, if it is why */
		struct an_err we = { "" };

		store_close(store, false, &we);
		if (we.msg[0] && err != -EAGAIN)
			an_err_set(e, "%s", we.msg);
	}
	pool_give(&pkts, &given);
	order_free(ord);
	pass_free(pass);
	replay_close(rp);
	tunnels_free(tuns);
	for (int i = 0; i < l->nfiles; i++) {
		undecoded_free(l->files[i].pctx.undec);
		l->files[i].pctx.undec = NULL;
		infile_close(&l->files[i]);
	}
	if (db)
		sqlite3_close(db);
	pool_free(&pkts);
	strtab_free(strs);
	free(sctx);
	free(vantage);
	return err;
}

int ingest_run(const struct ingest_opts *o, struct ingest_result *res,
	       struct ingest_summary *sum, struct an_err *e)
{
	struct load l = { .o = o, .res = res, .sum = sum, .first_file_id = 1 };
	bool reseed = false;
	int err = 0, fd;

	memset(sum, 0, sizeof(*sum));
	if (o->keep && !access(o->db_path, F_OK)) {
		err = db_open(&l.old, o->db_path, true, false, e);
		if (err)
			return err;
		err = check_version(l.old, o->db_path, e);
		if (!err)
			err = next_file_id(l.old, &l.first_file_id, e);
	}
	if (!err)
		err = plan_files(&l, e);
	if (err)
		goto out;
	/* nothing new: done, unless the Community ID seed changes */
	if (!l.nfiles && !(o->cid_seed_set && l.old && l.first_file_id > 1 &&
			   community_id_seed(l.old) != o->cid_seed))
		goto out;
	reseed = !l.nfiles;

	if (l.old && l.first_file_id > 1) {
		sum->rebuilt = true;
	} else if (l.old) {
		/* a kept database without files: as good as none */
		sqlite3_close(l.old);
		l.old = NULL;
	}
	if (o->keep) {
		snprintf(l.build_path, sizeof(l.build_path), "%s.tmp-XXXXXX", o->db_path);
		fd = mkstemp(l.build_path);
		if (fd < 0) {
			err = -errno;
			an_err_set(e, "cannot create %s: %s", l.build_path, strerror(errno));
			goto out;
		}
		close(fd);
	} else {
		snprintf(l.build_path, sizeof(l.build_path), "%s", o->db_path);
	}
	if (o->building)
		snprintf(o->building, o->building_len, "%s", l.build_path);
	for (int attempt = 0;; attempt++) {
		err = load_once(&l, e);
		if (err != -EAGAIN || attempt == MAX_RESTARTS)
			break;
		sum->restarts++;
		e->msg[0] = 0;
	}
	if (err)
		goto out;
	for (int i = 0; i < l.nfiles; i++)
		if (l.files[i].src >= 0)
			sum->loaded = true;
	if (reseed)
		sum->loaded = true;
	if (!sum->loaded)
		goto out;
	/* files given twice: the later one names the earlier's id */
	for (int i = 0; i < o->npaths; i++)
		if (res[i].skipped && res[i].same_as < 0)
			res[i].same_as = res[-1 - res[i].same_as].file_id;
	if (l.old) {
		sqlite3_close(l.old);
		l.old = NULL;
	}
	if (o->keep && rename(l.build_path, o->db_path)) {
		err = -errno;
		an_err_set(e, "cannot replace %s: %s", o->db_path, strerror(errno));
	}
out:
	if (err && o->keep && l.build_path[0])
		unlink(l.build_path);
	if (o->building)
		o->building[0] = 0;
	if (l.old)
		sqlite3_close(l.old);
	for (int i = 0; l.files && i < l.nfiles; i++)
		free(l.files[i].vhost);
	free(l.files);
	return err;
}

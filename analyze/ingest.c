/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading one capture file: the file loop. It reads the file with format/,
 * hands packet and journal records to their row builders (packet.c,
 * journal.c) and the rows to the store (store.c); section headers,
 * interface descriptions and statistics, and netrec's clock and statistics
 * blocks become the files and interfaces rows, written once complete when
 * the file ends. It does not order records or interpret connections
 * (pass.c).
 *
 * A file is identified by a hash of its content, so it is never loaded
 * twice. A damaged file is loaded up to its last readable record; the
 * reader's detail (offset, what) goes to files.error and problems.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyze.h"
#include "pcapng.h"
#include "procs.h"
#include "profile.h"
#include "rows.h"
#include "store.h"

#define MAX_IFACES 4096
#define HASH_HEAD (1u << 20)
#define HASH_TAIL (64u << 10)
#define STRTAB_BYTES (64u << 20)
#define MAX_PROCS (1u << 20)

/* FNV-1a over the first MiB and the last 64 KiB, with the size: identifies
 * a file across runs without reading all of it twice. */
static int file_hash(const char *path, char out[40], uint64_t *size)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint8_t *buf = NULL;
	struct stat st;
	int fd, err = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		err = -ESPIPE;
		goto cleanup;
	}
	buf = malloc(HASH_HEAD);
	if (!buf) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (int part = 0; part < 2; part++) {
		off_t off = 0;
		size_t want = HASH_HEAD;

		if (part == 1) {
			if ((uint64_t)st.st_size <= HASH_HEAD)
				break;
			want = HASH_TAIL;
			off = st.st_size - HASH_TAIL;
		}
		n = pread(fd, buf, want, off);
		if (n < 0) {
			err = -errno;
			goto cleanup;
		}
		for (ssize_t i = 0; i < n; i++) {
			h ^= buf[i];
			h *= 0x100000001b3ULL;
		}
	}
	*size = (uint64_t)st.st_size;
	snprintf(out, 40, "%016llx-%llu", (unsigned long long)h, (unsigned long long)st.st_size);
cleanup:
	free(buf);
	close(fd);
	return err;
}

/* The file being loaded. */
struct ingest {
	struct store *store;
	struct capfile *cf;
	struct packet_ctx pctx;
	struct row_file file;
	struct procs procs;
	/* interfaces of the file: ids of the current section's, by if_id,
	 * and every one's counters (iface_id - first_iface) */
	uint32_t section;
	int64_t iface_ids[MAX_IFACES];
	int64_t first_iface, next_iface;
	struct row_iface_counts *counts;
	size_t counts_cap;
	bool have_shb;
	char *hardware, *os, *userappl, *comment, *host;
};

static char *dup_n(const void *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = 0;
	}
	return s;
}

static void note_ts(struct row_file *f, int64_t ts)
{
	if (!f->has_ts || ts < f->first_ns)
		f->first_ns = ts;
	if (!f->has_ts || ts > f->last_ns)
		f->last_ns = ts;
	f->has_ts = true;
}

static int add_iface(struct ingest *in, const struct capfile_rec *rec, uint32_t if_id,
		     const struct capfile_iface *ifc, struct an_err *e)
{
	struct row_iface r;
	struct row_iface_counts *c;
	int err;

	if (if_id >= MAX_IFACES || !ifc)
		return 0;
	if (in->counts_cap == (size_t)(in->next_iface - in->first_iface)) {
		size_t n = in->counts_cap ? in->counts_cap * 2 : 16;

		c = realloc(in->counts, n * sizeof(*c));
		if (!c) {
			an_err_set(e, "out of memory");
			return -ENOMEM;
		}
		in->counts = c;
		in->counts_cap = n;
	}
	r = (struct row_iface){ .iface_id = in->next_iface, .file_id = in->file.file_id,
		.section = rec->section, .if_id = if_id, .linktype = ifc->linktype,
		.snaplen = ifc->snaplen, .name = ifc->name, .description = ifc->description,
		.filter = ifc->filter, .os = ifc->os, .tsresol = ifc->ts_units_per_sec };
	err = store_iface(in->store, &r, e);
	if (err)
		return err;
	c = &in->counts[in->next_iface - in->first_iface];
	memset(c, 0, sizeof(*c));
	c->iface_id = in->next_iface;
	in->iface_ids[if_id] = in->next_iface++;
	return 0;
}

static struct row_iface_counts *iface_counts(struct ingest *in, uint32_t if_id)
{
	if (if_id >= MAX_IFACES || !in->iface_ids[if_id])
		return NULL;
	return &in->counts[in->iface_ids[if_id] - in->first_iface];
}

static void new_section(struct ingest *in, const struct capfile_rec *rec)
{
	struct capfile_opt_iter it;
	struct capfile_opt o;

	memset(in->iface_ids, 0, sizeof(in->iface_ids));
	in->section = rec->section;
	if (in->have_shb)
		return;
	in->have_shb = true;
	capfile_opt_iter_init(&it, rec);
	while (capfile_opt_next(&it, &o) > 0) {
		char **dst = NULL;

		/* docs/format.md §6: the clock, a custom option of the SHB */
		if (o.code == PCAPNG_OPT_CUSTOM_BIN && !in->file.has_clock &&
		    nr_clock_from_option(o.val, o.len, rec->swapped, &in->file.clock) == 0)
			in->file.has_clock = true;
		switch (o.code) {
		case PCAPNG_SHB_HARDWARE: dst = &in->hardware; break;
		case PCAPNG_SHB_OS: dst = &in->os; break;
		case PCAPNG_SHB_USERAPPL: dst = &in->userappl; break;
		case PCAPNG_OPT_COMMENT: dst = &in->comment; break;
		}
		if (dst && !*dst)
			*dst = dup_n(o.val, o.len);
	}
}

static void add_isb(struct ingest *in, const struct capfile_rec *rec)
{
	struct row_iface_counts *c = iface_counts(in, rec->if_id);
	struct capfile_opt_iter it;
	struct capfile_opt o;

	if (!c)
		return;
	capfile_opt_iter_init(&it, rec);
	while (capfile_opt_next(&it, &o) > 0) {
		int k = -1;

		switch (o.code) {
		case PCAPNG_ISB_IFRECV: k = 0; break;
		case PCAPNG_ISB_IFDROP: k = 1; break;
		case PCAPNG_ISB_OSDROP: k = 2; break;
		case PCAPNG_ISB_USRDELIV: k = 3; break;
		}
		if (k >= 0 && o.len >= 8) {
			c->isb[k] = capfile_opt_u64(&it, &o);
			c->has_isb |= (uint8_t)(1u << k);
		}
	}
}

static void add_custom(struct ingest *in, const struct capfile_rec *rec)
{
	struct row_file *f = &in->file;
	struct nr_cb_stats s;

	if (rec->pen != NR_PEN)
		return;
	switch (nr_cb_type(rec->body, rec->body_len)) {
	case NR_CB_CLOCK:
		if (!f->has_clock && nr_clock_decode(rec->body, rec->body_len, &f->clock) == 0)
			f->has_clock = true;
		break;
	case NR_CB_STATS:
		/* rotated or concatenated sections: the counts add up */
		if (nr_stats_decode(rec->body, rec->body_len, &s))
			break;
		if (!f->has_nr_stats) {
			f->nr_stats = s;
		} else {
			f->nr_stats.packets_written += s.packets_written;
			f->nr_stats.events_written += s.events_written;
			f->nr_stats.packets_attributed += s.packets_attributed;
			f->nr_stats.packets_kernel += s.packets_kernel;
			f->nr_stats.ring_drops += s.ring_drops;
			f->nr_stats.other_drops += s.other_drops;
			f->nr_stats.packets_filtered += s.packets_filtered;
		}
		f->has_nr_stats = true;
		break;
	}
}

/* Keys compare as order.c sorts them: (ts, cpu, seq), absent cpu/seq
 * first. */
struct order_check {
	bool have, out_of_order;
	int64_t ts, cpu, seq;
};

static void note_key(struct order_check *k, int64_t ts, bool has_cpu, int64_t cpu, bool has_seq,
		     int64_t seq)
{
	int64_t c = has_cpu ? cpu : INT64_MIN, q = has_seq ? seq : INT64_MIN;

	if (k->have && (ts < k->ts || (ts == k->ts && (c < k->cpu ||
	    (c == k->cpu && q < k->seq)))))
		k->out_of_order = true;
	k->have = true;
	k->ts = ts;
	k->cpu = c;
	k->seq = q;
}

static int add_packet(struct ingest *in, const struct capfile_rec *rec, struct order_check *k,
		      struct an_err *e)
{
	struct row_pkt p;
	struct row_iface_counts *c;
	int err;

	if (rec->if_id < MAX_IFACES && !in->iface_ids[rec->if_id]) {
		err = add_iface(in, rec, rec->if_id, rec->iface, e);
		if (err)
			return err;
	}
	c = iface_counts(in, rec->if_id);
	if (c)
		c->packets++;
	packet_build(&p, rec, c ? c->iface_id : 0, &in->pctx);
	note_ts(&in->file, p.ts_ns);
	note_key(k, p.ts_ns, p.has & PK_CPU, p.cpu, p.has & PK_CPU, p.cpu_seq);
	procs_comment(&in->procs, &p);
	err = store_packet(in->store, &p, e);
	if (!err)
		in->file.packets++;
	return err;
}

static int add_journal(struct ingest *in, const struct capfile_rec *rec, struct order_check *k,
		       struct an_err *e)
{
	struct row_jrec *j = journal_build(rec, &in->pctx);
	const char *host;
	int err;

	if (!j) {
		an_err_set(e, "out of memory");
		return -ENOMEM;
	}
	host = jrec_text(j, JT_HOSTNAME);
	if (!in->host && host)
		in->host = strdup(host);
	note_ts(&in->file, j->ts_ns);
	note_key(k, j->ts_ns, j->has & JR_CPU, j->cpu, j->has & JR_SEQ, j->cpu_seq);
	if (j->kind == JK_PROCESS && (j->has & JR_PID)) {
		const char *comm = jrec_text(j, JT_COMM);

		procs_journal(&in->procs, j->file_id, j->pid,
			      comm ? strtab_intern(in->pctx.strs, comm, strlen(comm)) : 0);
	}
	err = store_jrec(in->store, j, e);
	free(j);
	if (!err)
		in->file.events++;
	return err;
}

static int put_proc(void *ctx, const struct row_proc_comment *r)
{
	struct ingest *in = ctx;

	return store_proc_comment(in->store, r, NULL);
}

static int finish_file(struct ingest *in, const struct ingest_result *res, struct an_err *e)
{
	const struct capfile_stats *cs = capfile_stats(in->cf);
	struct row_file *f = &in->file;
	enum capfile_compression c = capfile_compression(in->cf);
	int err;

	for (int64_t i = 0; i < in->next_iface - in->first_iface; i++) {
		err = store_iface_counts(in->store, &in->counts[i], e);
		if (err)
			return err;
	}
	if (res->damaged) {
		struct row_problem p = { f->file_id, (int64_t)res->error_offset,
					 capfile_error(in->cf)->block_type, res->error };

		err = store_problem(in->store, &p, e);
		if (err)
			return err;
		f->error = res->error;
		f->error_offset = (int64_t)res->error_offset;
	}
	f->kind = capfile_kind(in->cf) == CAPFILE_PCAP ? "pcap" : "pcapng";
	f->compression = c == CAPFILE_ZSTD ? "zstd" : c == CAPFILE_GZIP ? "gzip" : "none";
	f->host = in->host;
	f->hardware = in->hardware;
	f->os = in->os;
	f->userappl = in->userappl;
	f->comment = in->comment;
	f->has_stats = true;
	f->sections = cs->sections;
	f->interfaces = cs->interfaces;
	f->records = (int64_t)cs->blocks;
	f->unknown_blocks = (int64_t)cs->unknown_blocks;
	err = store_file(in->store, f, e);
	if (!err)
		err = procs_each_comment_only(&in->procs, put_proc, in);
	if (err && !e->msg[0])
		an_err_set(e, "database: cannot write a processes row");
	return err;
}

/* The next free file_id and iface_id of the database. */
static int next_ids(sqlite3 *db, int64_t *file_id, int64_t *iface_id, struct an_err *e)
{
	sqlite3_stmt *st = NULL;
	int err = db_prepare(db, &st, "SELECT (SELECT COALESCE(max(file_id), 0) + 1 FROM files),"
			     " (SELECT COALESCE(max(iface_id), 0) + 1 FROM interfaces)", e);

	if (err)
		return err;
	if (sqlite3_step(st) != SQLITE_ROW) {
		an_err_set(e, "database: %s", sqlite3_errmsg(db));
		err = -EIO;
	} else {
		*file_id = sqlite3_column_int64(st, 0);
		*iface_id = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return err;
}

int ingest_file(sqlite3 *db, const char *path, const struct ingest_progress *prog,
		struct ingest_result *res, struct an_err *e)
{
	struct ingest *in;
	struct capfile_rec rec;
	struct order_check key = { 0 };
	sqlite3_stmt *st = NULL;
	char hash[40];
	uint64_t size = 0;
	bool have_hash;
	int err, rc;
	struct timespec now;

	memset(res, 0, sizeof(*res));
	in = calloc(1, sizeof(*in));
	if (!in) {
		an_err_set(e, "out of memory");
		return -ENOMEM;
	}
	procs_init(&in->procs, MAX_PROCS);
	in->pctx.strs = strtab_new(STRTAB_BYTES);
	if (!in->pctx.strs) {
		an_err_set(e, "out of memory");
		err = -ENOMEM;
		goto cleanup;
	}
	have_hash = strcmp(path, "-") && file_hash(path, hash, &size) == 0;
	if (have_hash) {
		err = db_prepare(db, &st, "SELECT file_id FROM files WHERE hash = ?", e);
		if (err)
			goto cleanup;
		sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			res->skipped = true;
			res->file_id = sqlite3_column_int64(st, 0);
			err = 0;
			goto cleanup;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	err = capfile_open_path(&in->cf, path, NULL);
	if (err) {
		const struct capfile_error *ce = capfile_error(in->cf);

		if (ce && !strncmp(ce->what, "cannot open", 11))
			an_err_set(e, "%s", ce->what);
		else
			an_err_set(e, "%s: %s", path, ce && ce->what[0] ? ce->what : strerror(-err));
		goto cleanup;
	}
	/* bulk load without the indexes order.c and conn.c rebuild */
	err = db_exec(db, "DROP INDEX IF EXISTS packets_ord; DROP INDEX IF EXISTS packets_conn;", e);
	if (!err)
		err = next_ids(db, &in->file.file_id, &in->first_iface, e);
	if (!err)
		err = store_open(&in->store, db, TB_ALL, in->pctx.strs, e);
	if (err)
		goto cleanup;
	in->next_iface = in->first_iface;
	clock_gettime(CLOCK_REALTIME, &now);
	in->file.path = path;
	in->file.size = have_hash ? (int64_t)size : -1;
	in->file.hash = have_hash ? hash : NULL;
	in->file.loaded_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	in->pctx.file_id = (uint32_t)in->file.file_id;
	res->file_id = in->file.file_id;

	while ((rc = capfile_next(in->cf, &rec)) > 0) {
		switch (rec.type) {
		case CAPFILE_REC_SHB:
			new_section(in, &rec);
			break;
		case CAPFILE_REC_IDB:
			if (rec.section != in->section)
				new_section(in, &rec);
			err = add_iface(in, &rec, rec.if_id, rec.iface, e);
			break;
		case CAPFILE_REC_PACKET:
			if (rec.section != in->section)
				new_section(in, &rec);
			err = add_packet(in, &rec, &key, e);
			if (prog && prog->fn && (in->file.packets & 0xffff) == 0)
				prog->fn(prog->ctx, path, rec.offset, (uint64_t)in->file.packets);
			break;
		case CAPFILE_REC_JOURNAL:
			err = add_journal(in, &rec, &key, e);
			break;
		case CAPFILE_REC_ISB:
			add_isb(in, &rec);
			break;
		case CAPFILE_REC_CUSTOM:
			add_custom(in, &rec);
			break;
		default:
			break;
		}
		if (err)
			goto cleanup;
	}
	if (rc < 0) {
		const struct capfile_error *ce = capfile_error(in->cf);

		res->damaged = true;
		res->error_offset = ce->offset;
		snprintf(res->error, sizeof(res->error), "%s", ce->what[0] ? ce->what : strerror(-rc));
	}
	in->file.in_order = !key.out_of_order;
	err = finish_file(in, res, e);
	if (!err)
		err = store_close(in->store, true, e);
	in->store = NULL;
	if (err)
		goto cleanup;
	res->packets = (uint64_t)in->file.packets;
	res->events = (uint64_t)in->file.events;
cleanup:
	store_close(in->store, false, NULL);
	sqlite3_finalize(st);
	capfile_close(in->cf);
	procs_free(&in->procs);
	strtab_free(in->pctx.strs);
	free(in->counts);
	free(in->hardware);
	free(in->os);
	free(in->userappl);
	free(in->comment);
	free(in->host);
	free(in);
	return err;
}

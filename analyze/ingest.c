/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading one capture file into the database: the files row (identified by
 * a content hash, so a file is never loaded twice), sections, interfaces,
 * and packets (decoded headers plus netrec's annotation, docs/format.md
 * §4); other blocks go to blocks.c. Streaming: one record in memory at a
 * time, one transaction per file, prepared statements. It does not order
 * records or interpret connections (pass.c).
 *
 * A damaged file is loaded up to its last readable record; the reader's
 * detail (offset, what) is stored in files.error and problems, and returned.
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
#include "ingest.h"
#include "decode.h"
#include "pcapng.h"
#include "profile.h"

#define HASH_HEAD (1u << 20)
#define HASH_TAIL (64u << 10)

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

static char *dup_n(const void *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = 0;
	}
	return s;
}

void ing_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

void ing_bind_int(sqlite3_stmt *st, int i, bool have, int64_t v)
{
	if (have)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

int ing_step(struct ingest *in, sqlite3_stmt *st, struct an_err *e)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		an_err_set(e, "database: %s", sqlite3_errmsg(in->db));
		return -EIO;
	}
	return 0;
}

void ing_note_ts(struct ingest *in, int64_t ts)
{
	if (!in->have_ts || ts < in->first_ns)
		in->first_ns = ts;
	if (!in->have_ts || ts > in->last_ns)
		in->last_ns = ts;
	in->have_ts = true;
}

/* Keys compare as order.c sorts them: (ts, cpu, seq), absent cpu/seq
 * (-1 here) first. */
void ing_note_key(struct ingest *in, int64_t ts, bool has_cpu, int64_t cpu, bool has_seq,
		     int64_t seq)
{
	int64_t c = has_cpu ? cpu : -1, q = has_seq ? seq : -1;

	if (in->have_key &&
	    (ts < in->key_ts || (ts == in->key_ts && (c < in->key_cpu ||
	     (c == in->key_cpu && q < in->key_seq)))))
		in->out_of_order = true;
	in->have_key = true;
	in->key_ts = ts;
	in->key_cpu = c;
	in->key_seq = q;
}

static int add_iface(struct ingest *in, const struct capfile_rec *rec, uint32_t if_id,
		     const struct capfile_iface *ifc, struct an_err *e)
{
	sqlite3_stmt *st = in->ins_if;
	int err;

	if (if_id >= MAX_IFACES || !ifc)
		return 0;
	sqlite3_bind_int64(st, 1, in->file_id);
	sqlite3_bind_int64(st, 2, rec->section);
	sqlite3_bind_int64(st, 3, if_id);
	sqlite3_bind_int64(st, 4, ifc->linktype);
	sqlite3_bind_int64(st, 5, ifc->snaplen);
	ing_bind_text(st, 6, ifc->name);
	ing_bind_text(st, 7, ifc->description);
	ing_bind_text(st, 8, ifc->filter);
	ing_bind_text(st, 9, ifc->os);
	sqlite3_bind_int64(st, 10, (int64_t)ifc->ts_units_per_sec);
	err = ing_step(in, st, e);
	if (err)
		return err;
	in->iface_ids[if_id] = sqlite3_last_insert_rowid(in->db);
	in->iface_pkts[if_id] = 0;
	return 0;
}

static void flush_iface_counts(struct ingest *in)
{
	char sql[128];

	for (uint32_t i = 0; i < MAX_IFACES; i++) {
		if (!in->iface_ids[i] || !in->iface_pkts[i])
			continue;
		snprintf(sql, sizeof(sql), "UPDATE interfaces SET packets = packets + %llu "
			 "WHERE iface_id = %lld;", (unsigned long long)in->iface_pkts[i],
			 (long long)in->iface_ids[i]);
		sqlite3_exec(in->db, sql, NULL, NULL, NULL);
		in->iface_pkts[i] = 0;
	}
}

static void new_section(struct ingest *in, const struct capfile_rec *rec)
{
	struct capfile_opt_iter it;
	struct capfile_opt o;

	flush_iface_counts(in);
	memset(in->iface_ids, 0, sizeof(in->iface_ids));
	in->section = rec->section;
	if (in->have_shb)
		return;
	in->have_shb = true;
	capfile_opt_iter_init(&it, rec);
	while (capfile_opt_next(&it, &o) > 0) {
		char **dst = NULL;

		/* docs/format.md §6: the clock, a custom option of the SHB */
		if (o.code == PCAPNG_OPT_CUSTOM_BIN && !in->have_clock &&
		    nr_clock_from_option(o.val, o.len, rec->swapped, &in->clock) == 0)
			in->have_clock = true;
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

/* netrec's comment "curl[4242/4243] uid=..." names the process: returns the
 * command when the pid in it matches. */
static bool comment_comm(const struct capfile_rec *rec, uint32_t pid, char comm[64])
{
	const char *c = rec->comment;
	size_t n = rec->comment_len, i;
	char num[16];
	size_t k = 0;

	if (!c || !n)
		return false;
	for (i = 0; i < n && c[i] != '[' && c[i] != ' '; i++)
		;
	if (i == 0 || i >= n || c[i] != '[' || i >= 64)
		return false;
	for (size_t j = i + 1; j < n && c[j] >= '0' && c[j] <= '9' && k < sizeof(num) - 1; j++)
		num[k++] = c[j];
	num[k] = 0;
	if (!k || strtoul(num, NULL, 10) != pid)
		return false;
	memcpy(comm, c, i);
	comm[i] = 0;
	return true;
}

static int add_packet(struct ingest *in, const struct capfile_rec *rec, struct an_err *e)
{
	sqlite3_stmt *st = in->ins_pkt;
	struct capfile_opt_iter it;
	struct capfile_opt o;
	struct nr_pkt_annot an;
	bool have_an = false;
	struct pkt p;
	uint32_t linktype;
	int64_t ts = an_ts_clamp(rec->ts_ns);
	int64_t iface_id = 0;
	int err;

	if (rec->if_id < MAX_IFACES) {
		if (!in->iface_ids[rec->if_id]) {
			err = add_iface(in, rec, rec->if_id, rec->iface, e);
			if (err)
				return err;
		}
		iface_id = in->iface_ids[rec->if_id];
		in->iface_pkts[rec->if_id]++;
	}
	linktype = rec->iface ? rec->iface->linktype : 0xffffffffu;
	decode_packet(linktype, rec->data, rec->caplen, &p);

	if (rec->opts_len) {
		capfile_opt_iter_init(&it, rec);
		while (capfile_opt_next(&it, &o) > 0) {
			if (o.code == PCAPNG_OPT_CUSTOM_BIN && !have_an &&
			    nr_annot_from_option(o.val, o.len, rec->swapped, &an) == 0)
				have_an = true;
		}
	}
	if (rec->block_type == PCAPNG_BT_SPB)
		ts = in->last_ts;
	in->last_ts = ts;
	ing_note_ts(in, ts);
	ing_note_key(in, ts, have_an, have_an ? an.cpu : 0, have_an, have_an ? (int64_t)an.seq : 0);

	enum pkt_dir dir = p.dir;

	if (rec->has_flags && (rec->flags & 3))
		dir = (rec->flags & 3) == PCAPNG_EPB_DIR_INBOUND ? PKT_DIR_IN : PKT_DIR_OUT;
	else if (have_an)
		dir = (an.flags & NR_ANNOT_F_EGRESS) ? PKT_DIR_OUT : PKT_DIR_IN;

	int i = 1;
	char fl[9];
	unsigned anomalies = 0;

	if (p.dec_flags & DEC_TRUNCATED)
		anomalies |= 512;
	if (p.dec_flags & DEC_UNDECODABLE)
		anomalies |= 1024;
	sqlite3_bind_int64(st, i++, in->file_id);
	sqlite3_bind_int64(st, i++, in->file_idx++);
	sqlite3_bind_int64(st, i++, (int64_t)rec->offset);
	ing_bind_int(st, i++, iface_id != 0, iface_id);
	sqlite3_bind_int64(st, i++, ts);
	ing_bind_int(st, i++, have_an, have_an ? an.cpu : 0);
	ing_bind_int(st, i++, have_an, have_an ? (int64_t)an.seq : 0);
	sqlite3_bind_int64(st, i++, rec->caplen);
	sqlite3_bind_int64(st, i++, rec->origlen);
	if (dir == PKT_DIR_IN)
		sqlite3_bind_text(st, i++, "in", 2, SQLITE_STATIC);
	else if (dir == PKT_DIR_OUT)
		sqlite3_bind_text(st, i++, "out", 3, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i++);
	ing_bind_int(st, i++, p.vlan >= 0, p.vlan);
	if (p.ipver) {
		int alen = p.ipver == 6 ? 16 : 4;

		sqlite3_bind_int(st, i++, p.ipver);
		sqlite3_bind_blob(st, i++, p.src, alen, SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, i++, p.dst, alen, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, i++, p.proto);
		sqlite3_bind_int(st, i++, p.ttl);
		sqlite3_bind_int64(st, i++, p.ip_id);
		sqlite3_bind_int64(st, i++, p.ip_len);
		sqlite3_bind_int(st, i++, p.fragment);
	} else {
		i += 8;
	}
	bool tcp = p.has_l4 && p.proto == 6;
	bool l4ports = p.has_l4 && (p.proto == 6 || p.proto == 17);

	ing_bind_int(st, i++, l4ports, p.sport);
	ing_bind_int(st, i++, l4ports, p.dport);
	ing_bind_int(st, i++, tcp, p.tcp_flags);
	if (tcp) {
		tcp_flags_str(p.tcp_flags, fl);
		sqlite3_bind_text(st, i++, fl, -1, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_null(st, i++);
	}
	ing_bind_int(st, i++, tcp, p.seq);
	ing_bind_int(st, i++, tcp, p.ack);
	ing_bind_int(st, i++, tcp, p.win);
	ing_bind_int(st, i++, p.has_l4, p.payload_len);
	ing_bind_int(st, i++, tcp && p.mss >= 0, p.mss);
	ing_bind_int(st, i++, tcp && p.wscale >= 0, p.wscale);
	ing_bind_int(st, i++, tcp && p.sack_perm, 1);
	ing_bind_int(st, i++, tcp && p.has_ts, p.tsval);
	ing_bind_int(st, i++, tcp && p.has_ts, p.tsecr);
	ing_bind_int(st, i++, tcp && p.sack_blocks, p.sack_blocks);
	ing_bind_int(st, i++, p.icmp, p.icmp_type);
	ing_bind_int(st, i++, p.icmp, p.icmp_code);
	ing_bind_int(st, i++, p.icmp_echo, p.icmp_id);
	ing_bind_int(st, i++, p.icmp_echo, p.icmp_seq);
	if (p.has_quote) {
		int alen = p.q_ipver == 6 ? 16 : 4;

		sqlite3_bind_blob(st, i++, p.q_src, alen, SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, i++, p.q_dst, alen, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, i++, p.q_proto);
	} else {
		i += 3;
	}
	ing_bind_int(st, i++, p.has_quote && p.q_has_ports, p.q_sport);
	ing_bind_int(st, i++, p.has_quote && p.q_has_ports, p.q_dport);
	ing_bind_int(st, i++, p.has_quote && p.q_has_seq, p.q_seq);

	/* owner: netrec annotation, else the standard epb_processid_threadid */
	bool owner = have_an && (an.flags & NR_ANNOT_F_OWNER);
	int64_t pid = owner ? an.pid : rec->has_pid ? rec->pid : 0;
	int64_t tid = owner ? an.tid : rec->has_pid ? rec->tid : 0;
	bool has_pid = owner || rec->has_pid;
	char comm[64];
	bool has_comm = has_pid && comment_comm(rec, (uint32_t)pid, comm);

	ing_bind_int(st, i++, has_pid, pid);
	ing_bind_int(st, i++, has_pid, tid);
	ing_bind_int(st, i++, owner, owner ? an.uid : 0);
	ing_bind_int(st, i++, owner, owner ? an.gid : 0);
	if (has_comm)
		sqlite3_bind_text(st, i++, comm, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i++);
	if (have_an)
		sqlite3_bind_text(st, i++, nr_owner_src_name(an.owner_src), -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i++);
	ing_bind_int(st, i++, have_an && (an.flags & NR_ANNOT_F_COOKIE),
		     have_an ? (int64_t)an.cookie : 0);
	sqlite3_bind_int(st, i++, (int)anomalies);
	err = ing_step(in, st, e);
	if (err)
		return err;
	in->packets++;

	if (has_comm) {
		uint32_t slot = (uint32_t)pid % COMM_CACHE;

		if (in->comm_pids[slot] != (uint32_t)pid + 1) {
			in->comm_pids[slot] = (uint32_t)pid + 1;
			st = in->ins_proc;
			sqlite3_bind_int64(st, 1, in->file_id);
			sqlite3_bind_int64(st, 2, ts);
			sqlite3_bind_int64(st, 3, pid);
			sqlite3_bind_text(st, 4, comm, -1, SQLITE_TRANSIENT);
			ing_bind_int(st, 7, owner, owner ? an.uid : 0);
			ing_bind_int(st, 8, owner, owner ? an.gid : 0);
			sqlite3_bind_text(st, 14, "comment", -1, SQLITE_STATIC);
			err = ing_step(in, st, e);
		}
	}
	return err;
}

static int prepare_all(struct ingest *in, struct an_err *e)
{
	int err;

	err = db_prepare(in->db, &in->ins_pkt,
		"INSERT INTO packets(file_id, file_idx, offset, iface_id, ts_ns, cpu, cpu_seq,"
		" caplen, origlen, direction, vlan, ip_version, src, dst, proto, ttl, ip_id,"
		" ip_len, fragment, sport, dport, tcp_flags, flags_str, seq_raw, ack_raw, win,"
		" payload_len, mss, wscale, sack_perm, tsval, tsecr, sack_blocks, icmp_type,"
		" icmp_code, icmp_id, icmp_seq, q_src, q_dst, q_proto, q_sport, q_dport, q_seq,"
		" pid, tid, uid, gid, comm, owner_src, cookie, anomalies) VALUES (?,?,?,?,?,?,?,"
		"?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
		"?,?,?)", e);
	if (!err)
		err = db_prepare(in->db, &in->ins_ev,
			"INSERT INTO events(file_id, file_idx, offset, ts_ns, ktime_ns, cpu, cpu_seq,"
			" record, event, family, laddr, lport, raddr, rport, oldstate, newstate,"
			" errno, window, cookie, pid, tid, uid, comm, owner_src, priority, message)"
			" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", e);
	if (!err)
		err = db_prepare(in->db, &in->ins_proc,
			"INSERT INTO processes(file_id, ts_ns, pid, comm, exe, cmdline, uid, gid,"
			" ppid, cgroup, cgroup_id, container_id, proc_id, source)"
			" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", e);
	if (!err)
		err = db_prepare(in->db, &in->ins_if,
			"INSERT INTO interfaces(file_id, section, if_id, linktype, snaplen, name,"
			" description, filter, os, tsresol) VALUES (?,?,?,?,?,?,?,?,?,?)", e);
	if (!err)
		err = db_prepare(in->db, &in->upd_isb,
			"UPDATE interfaces SET isb_ifrecv = COALESCE(?1, isb_ifrecv),"
			" isb_ifdrop = COALESCE(?2, isb_ifdrop), isb_osdrop = COALESCE(?3, isb_osdrop),"
			" isb_usrdeliv = COALESCE(?4, isb_usrdeliv) WHERE iface_id = ?5", e);
	return err;
}

static int finish_file(struct ingest *in, const struct ingest_result *res, struct an_err *e)
{
	const struct capfile_stats *cs = in->cf ? capfile_stats(in->cf) : NULL;
	sqlite3_stmt *st = NULL;
	int err, i = 1;

	err = db_prepare(in->db, &st,
		"UPDATE files SET kind = ?, compression = ?, host = ?, hardware = ?, os = ?,"
		" userappl = ?, comment = ?, sections = ?, interfaces = ?, records = ?,"
		" packets = ?, events = ?, unknown_blocks = ?, first_ns = ?, last_ns = ?,"
		" clock_offset_ns = ?, clock_uncertainty_ns = ?, nr_packets_written = ?,"
		" nr_events_written = ?, nr_packets_attributed = ?, nr_packets_kernel = ?,"
		" nr_ring_drops = ?, nr_other_drops = ?, nr_packets_filtered = ?, error = ?,"
		" error_offset = ?, in_order = ? WHERE file_id = ?", e);
	if (err)
		return err;
	if (in->cf) {
		sqlite3_bind_text(st, i++, capfile_kind(in->cf) == CAPFILE_PCAP ? "pcap" : "pcapng",
				  -1, SQLITE_STATIC);
		enum capfile_compression c = capfile_compression(in->cf);

		sqlite3_bind_text(st, i++, c == CAPFILE_ZSTD ? "zstd" : c == CAPFILE_GZIP ?
				  "gzip" : "none", -1, SQLITE_STATIC);
	} else {
		i += 2;
	}
	ing_bind_text(st, i++, in->host);
	ing_bind_text(st, i++, in->hardware);
	ing_bind_text(st, i++, in->os);
	ing_bind_text(st, i++, in->userappl);
	ing_bind_text(st, i++, in->comment);
	ing_bind_int(st, i++, cs, cs ? cs->sections : 0);
	ing_bind_int(st, i++, cs, cs ? cs->interfaces : 0);
	ing_bind_int(st, i++, cs, cs ? (int64_t)cs->blocks : 0);
	sqlite3_bind_int64(st, i++, (int64_t)in->packets);
	sqlite3_bind_int64(st, i++, (int64_t)in->events);
	ing_bind_int(st, i++, cs, cs ? (int64_t)cs->unknown_blocks : 0);
	ing_bind_int(st, i++, in->have_ts, in->first_ns);
	ing_bind_int(st, i++, in->have_ts, in->last_ns);
	ing_bind_int(st, i++, in->have_clock, in->clock.mono_to_real_ns);
	ing_bind_int(st, i++, in->have_clock, (int64_t)in->clock.uncertainty_ns);
	ing_bind_int(st, i++, in->have_stats, (int64_t)in->stats.packets_written);
	ing_bind_int(st, i++, in->have_stats, (int64_t)in->stats.events_written);
	ing_bind_int(st, i++, in->have_stats, (int64_t)in->stats.packets_attributed);
	ing_bind_int(st, i++, in->have_stats, (int64_t)in->stats.packets_kernel);
	ing_bind_int(st, i++, in->have_stats, (int64_t)in->stats.ring_drops);
	ing_bind_int(st, i++, in->have_stats, (int64_t)in->stats.other_drops);
	ing_bind_int(st, i++, in->have_stats, (int64_t)in->stats.packets_filtered);
	if (res->damaged) {
		sqlite3_bind_text(st, i++, res->error, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, i++, (int64_t)res->error_offset);
	} else {
		i += 2;
	}
	sqlite3_bind_int(st, i++, !in->out_of_order);
	sqlite3_bind_int64(st, i++, in->file_id);
	err = ing_step(in, st, e);
	sqlite3_finalize(st);
	if (err)
		return err;
	/* a process known from its journal record needs no row from comments */
	char sql[256];

	snprintf(sql, sizeof(sql), "DELETE FROM processes WHERE file_id = %lld AND source = 'comment'"
		 " AND pid IN (SELECT pid FROM processes WHERE file_id = %lld AND source = 'journal');",
		 (long long)in->file_id, (long long)in->file_id);
	return db_exec(in->db, sql, e);
}

/* The reader keeps a bounded part of interfaces' text (pcapng.h,
 * CAPFILE_IFACE_TEXT_*): what it cut is a problem of the file, so that
 * --summary says so. */
static int note_iface_text_cut(struct ingest *in, struct an_err *e)
{
	const struct capfile_stats *cs = capfile_stats(in->cf);
	sqlite3_stmt *st = NULL;
	char msg[256];
	int err;

	if (!cs->iface_text_cut && !cs->iface_text_dropped)
		return 0;
	snprintf(msg, sizeof(msg), "interface text options cut: %llu kept only their first %u "
		 "bytes, %llu not kept (over %u KiB in a section or %u MiB in the file)",
		 (unsigned long long)cs->iface_text_cut, CAPFILE_IFACE_TEXT_MAX,
		 (unsigned long long)cs->iface_text_dropped, CAPFILE_IFACE_TEXT_SECTION >> 10,
		 CAPFILE_IFACE_TEXT_FILE >> 20);
	err = db_prepare(in->db, &st, "INSERT INTO problems(file_id, offset, block_type, message)"
			 " VALUES (?,?,?,?)", e);
	if (err)
		return err;
	sqlite3_bind_int64(st, 1, in->file_id);
	sqlite3_bind_int64(st, 2, (int64_t)cs->iface_text_first_offset);
	sqlite3_bind_int64(st, 3, PCAPNG_BT_IDB);
	sqlite3_bind_text(st, 4, msg, -1, SQLITE_TRANSIENT);
	err = ing_step(in, st, e);
	sqlite3_finalize(st);
	return err;
}

int ingest_file(sqlite3 *db, const char *path, const struct ingest_progress *prog,
		struct ingest_result *res, struct an_err *e)
{
	struct ingest *in;
	struct capfile_rec rec;
	sqlite3_stmt *st = NULL;
	char hash[40];
	uint64_t size = 0;
	bool have_hash, in_tx = false;
	int err, rc;
	struct timespec now;

	memset(res, 0, sizeof(*res));
	in = calloc(1, sizeof(*in));
	if (!in) {
		an_err_set(e, "out of memory");
		return -ENOMEM;
	}
	in->db = db;
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
	err = db_exec(db, "BEGIN; DROP INDEX IF EXISTS packets_ord; DROP INDEX IF EXISTS packets_conn;", e);
	if (err)
		goto cleanup;
	in_tx = true;
	err = db_prepare(db, &st, "INSERT INTO files(path, size, hash, loaded_ns) VALUES (?,?,?,?)", e);
	if (err)
		goto cleanup;
	clock_gettime(CLOCK_REALTIME, &now);
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	ing_bind_int(st, 2, have_hash, (int64_t)size);
	if (have_hash)
		sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
	err = ing_step(in, st, e);
	if (err)
		goto cleanup;
	in->file_id = sqlite3_last_insert_rowid(db);
	res->file_id = in->file_id;
	err = prepare_all(in, e);
	if (err)
		goto cleanup;

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
			err = add_packet(in, &rec, e);
			if (prog && prog->fn && (in->packets & 0xffff) == 0)
				prog->fn(prog->ctx, path, rec.offset, in->packets);
			break;
		case CAPFILE_REC_JOURNAL:
			err = ingest_journal(in, &rec, e);
			break;
		case CAPFILE_REC_ISB:
			ingest_isb(in, &rec);
			break;
		case CAPFILE_REC_CUSTOM:
			ingest_custom(in, &rec);
			break;
		default:
			break;
		}
		if (err)
			goto cleanup;
	}
	if (rc < 0) {
		const struct capfile_error *ce = capfile_error(in->cf);
		sqlite3_stmt *pst = NULL;

		res->damaged = true;
		res->error_offset = ce->offset;
		snprintf(res->error, sizeof(res->error), "%s", ce->what[0] ? ce->what : strerror(-rc));
		err = db_prepare(db, &pst, "INSERT INTO problems(file_id, offset, block_type, message)"
				 " VALUES (?,?,?,?)", e);
		if (err)
			goto cleanup;
		sqlite3_bind_int64(pst, 1, in->file_id);
		sqlite3_bind_int64(pst, 2, (int64_t)ce->offset);
		sqlite3_bind_int64(pst, 3, ce->block_type);
		sqlite3_bind_text(pst, 4, res->error, -1, SQLITE_STATIC);
		err = ing_step(in, pst, e);
		sqlite3_finalize(pst);
		if (err)
			goto cleanup;
	}
	err = note_iface_text_cut(in, e);
	if (err)
		goto cleanup;
	flush_iface_counts(in);
	err = finish_file(in, res, e);
	if (err)
		goto cleanup;
	err = db_exec(db, "COMMIT", e);
	if (err)
		goto cleanup;
	in_tx = false;
	res->packets = in->packets;
	res->events = in->events;
cleanup:
	if (in_tx)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(st);
	sqlite3_finalize(in->ins_pkt);
	sqlite3_finalize(in->ins_ev);
	sqlite3_finalize(in->ins_proc);
	sqlite3_finalize(in->ins_if);
	sqlite3_finalize(in->upd_isb);
	capfile_close(in->cf);
	free(in->hardware);
	free(in->os);
	free(in->userappl);
	free(in->comment);
	free(in->host);
	free(in);
	return err;
}

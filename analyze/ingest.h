/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading state shared by ingest.c (files, sections, interfaces, packets)
 * and blocks.c (journal entries, netrec custom blocks, ISBs). Internal to
 * the analyzer.
 */
#ifndef NETANALYZE_INGEST_H
#define NETANALYZE_INGEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

#include "analyze.h"
#include "pcapng.h"
#include "profile.h"

#define MAX_IFACES 4096
#define COMM_CACHE 4096

struct ingest {
	sqlite3 *db;
	struct capfile *cf;
	int64_t file_id;
	sqlite3_stmt *ins_pkt, *ins_ev, *ins_proc, *ins_if, *upd_isb;
	/* (section, if_id) -> interfaces.iface_id for the current section */
	uint32_t section;
	int64_t iface_ids[MAX_IFACES];
	uint64_t iface_pkts[MAX_IFACES];
	int64_t file_idx;
	int64_t last_ts;
	int64_t first_ns, last_ns;
	bool have_ts;
	/* order check: is every record's key >= the previous one's? */
	bool have_key, out_of_order;
	int64_t key_ts, key_cpu, key_seq;
	uint64_t packets, events;
	/* SHB details (first section) */
	char *hardware, *os, *userappl, *comment, *host;
	bool have_shb;
	bool have_clock, have_stats;
	struct nr_cb_clock clock;
	struct nr_cb_stats stats;
	/* pids already given a processes row from a packet comment */
	uint32_t comm_pids[COMM_CACHE];
};

/* ingest.c */
void ing_bind_text(sqlite3_stmt *st, int i, const char *s);
void ing_bind_int(sqlite3_stmt *st, int i, bool have, int64_t v);
int ing_step(struct ingest *in, sqlite3_stmt *st, struct an_err *e);
void ing_note_ts(struct ingest *in, int64_t ts);
/* Notes a record's order key, to tell whether the file is in order. */
void ing_note_key(struct ingest *in, int64_t ts, bool has_cpu, int64_t cpu, bool has_seq,
		  int64_t seq);

/* blocks.c */
int ingest_journal(struct ingest *in, const struct capfile_rec *rec, struct an_err *e);
void ingest_isb(struct ingest *in, const struct capfile_rec *rec);
void ingest_custom(struct ingest *in, const struct capfile_rec *rec);

#endif

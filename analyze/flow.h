/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * State of the analysis pass (conn.c): one struct flow per TCP connection
 * being followed, with its two endpoints (0 = originator / client,
 * 1 = responder / server), the Zeek-style connection state, Wireshark-style
 * sequence analysis and the handshake (handshake.c). ICMP state lives in
 * icmp.c. Internal to the analyzer.
 */
#ifndef NETANALYZE_FLOW_H
#define NETANALYZE_FLOW_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

#include "analyze.h"

/* A packet row as the analysis pass reads it. */
struct arow {
	int kind;                /* 0 packet, 1 journal record */
	int64_t id, ts, file_id, file_idx, ord;
	int dir;                 /* 0 unknown, 1 in, 2 out */
	int ipver;
	uint8_t src[16], dst[16];
	int proto;
	bool has_ports;
	uint16_t sport, dport;
	bool tcp;                /* TCP header decoded */
	uint8_t flags;
	uint32_t seq, ack;
	uint32_t win;
	uint32_t len;            /* payload */
	uint32_t ip_len;
	int mss, wscale;         /* -1 absent */
	bool sack_perm, has_ts;
	bool icmp;
	int icmp_type, icmp_code;
	bool has_echo;
	uint16_t icmp_id, icmp_seq;
	bool has_quote;
	int q_ipver;
	uint8_t q_src[16], q_dst[16];
	int q_proto;
	bool q_has_ports, q_has_seq;
	uint16_t q_sport, q_dport;
	uint32_t q_seq;
	bool has_pid;
	int64_t pid;
	char comm[64];
	bool has_comm;
	unsigned anomalies;
};

enum ep_state {
	ST_INACTIVE = 0,
	ST_SYN_SENT,
	ST_SYN_ACK_SENT,
	ST_PARTIAL,
	ST_ESTABLISHED,
	ST_CLOSED,
	ST_RESET,
};

enum origin {
	ORIGIN_SYN = 0,
	ORIGIN_SYNACK,
	ORIGIN_MIDSTREAM,
};

enum outcome {
	OUT_PENDING = 0,
	OUT_ESTABLISHED,
	OUT_REFUSED,
	OUT_RESET,
	OUT_TIMEOUT,
	OUT_UNREACHABLE,
	OUT_SYNACK_ONLY,
	OUT_MIDSTREAM,
};

struct seg_sig {
	uint32_t seq, ack, len, win;
	uint8_t flags;
};

struct endpoint {
	uint8_t addr[16];
	uint16_t port;
	uint64_t pkts, bytes, ip_bytes, retrans;
	enum ep_state state;
	uint32_t hist_seen;      /* history letters recorded for this side */
	bool isn_set;            /* SYN or SYN-ACK seen: isn is its seq */
	uint32_t isn;
	bool base_set;
	uint32_t base;           /* relative sequence base */
	bool nextseq_set;
	uint32_t nextseq;        /* highest seq + len (+ SYN/FIN) sent */
	int64_t nextseq_ns;
	bool lastack_set;
	uint32_t lastack;        /* last ACK number this side sent */
	int64_t lastack_ns;
	uint32_t win;            /* last window this side sent */
	bool win_set;
	int dupacks;
	bool opts_set;           /* from its SYN / SYN-ACK */
	int mss, wscale;
	bool sack_perm, ts;
	bool has_pid, has_comm;
	int64_t pid;
	char comm[64];
	bool out_set;            /* last outbound segment, to spot loopback copies */
	struct seg_sig out_sig;
	int64_t out_ns;
};

struct flow {
	struct flow *next;       /* hash chain */
	struct flow *lru_prev, *lru_next;
	int vantage;             /* who recorded it (join.c): each host's flows apart */
	int ipver;
	struct endpoint ep[2];
	int64_t conn_id;
	int64_t file_id;
	enum origin origin;
	bool flipped;            /* roles differ from the first packet's sender */
	int64_t first_ns, last_ns;
	char history[64];
	int hlen;
	bool closed;             /* both FINs or an RST seen */

	/* handshake (handshake.c) */
	enum outcome outcome;
	int64_t syn_ns, syn_last_ns, syn_pre_synack_ns, synack_ns, ack_ns, end_ns;
	int syn_count, synack_count;
	bool mru_syn_set, irtt_set;
	int64_t mru_syn_ns, irtt_ns;
	int icmp_type, icmp_code;
	char icmp_from[48];
};

/* order.c: packets and journal records in time order */
struct order_it;
int order_open(sqlite3 *db, struct order_it **out, struct an_err *e);
/* 1 with *r filled (r->ord assigned; events get their ord written), 0 at
 * the end, or a negative errno. */
int order_next(struct order_it *it, struct arow *r, struct an_err *e);
/* Writes the files' reorder figures. */
int order_finish(struct order_it *it, struct an_err *e);
void order_close(struct order_it *it);

/* conn.c */
int conn_begin(sqlite3 *db, struct an_err *e);
int conn_packet(const struct arow *r, struct an_err *e);
int conn_other_packet(const struct arow *r, int64_t conn_id, struct an_err *e);
/* Ends connections idle past their limits (all of them with all). */
int conn_sweep(int64_t now, bool all, struct an_err *e);
void conn_end(void);
struct flow *flow_lookup(const struct arow *r, int *from);
bool seg_is_loopback_copy(struct endpoint *s, const struct arow *r);
/* conn_id of the TCP connection an ICMP error quotes (0 if none); marks a
 * pending attempt unreachable when the quote is its SYN. */
int64_t conn_quoted(const struct arow *r);

/* zeek.c */
void zeek_history(struct flow *f, int d, char letter);
void zeek_update_state(struct flow *f, int d, const struct arow *r);
const char *zeek_conn_state(const struct flow *f);

/* handshake.c */
void hs_packet(struct flow *f, int d, const struct arow *r, bool copy);
int hs_prepare(sqlite3 *db, struct an_err *e);
/* community_id: the connection's (conn.c computes it once for both rows) */
int hs_write(struct flow *f, int64_t hs_id, const char *community_id, struct an_err *e);
void hs_finish(void);
const char *outcome_name(enum outcome o);

/* icmp.c */
int icmp_prepare(sqlite3 *db, struct an_err *e);
int icmp_packet(const struct arow *r, int64_t *conn_id, struct an_err *e);
int icmp_sweep(int64_t now, bool all, struct an_err *e);
void icmp_finish(void);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the analysis pass (pass.c): one struct flow per TCP connection
 * being followed, with its two endpoints (0 = originator / client,
 * 1 = responder / server), Zeek's connection state (zeek.c), Wireshark's
 * sequence analysis and the handshake (handshake.c); the table of flows
 * (conn.c), ICMP (icmp.c), kernel events (kevents.c) and sockets
 * (sockets.c). Each part keeps its state in a struct that struct pass owns;
 * pass.c is the only caller of the parts, which do not call each other
 * except conn.c using handshake.c and zeek.c. Internal to the analyzer.
 */
#ifndef NETANALYZE_FLOW_H
#define NETANALYZE_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "rows.h"
#include "u64map.h"

#define NS_PER_SEC 1000000000LL
#define TS_LIMIT (INT64_C(1) << 61)

/* A time bounded so that the difference of any two is representable
 * (damaged files carry any timestamp). */
static inline int64_t ts_clamp(int64_t ts)
{
	return ts > TS_LIMIT ? TS_LIMIT : ts < -TS_LIMIT ? -TS_LIMIT : ts;
}

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

/* endpoint.bits */
#define EP_ISN      (1u << 0)  /* SYN or SYN-ACK seen: isn is its seq */
#define EP_BASE     (1u << 1)  /* relative sequence base set */
#define EP_NEXTSEQ  (1u << 2)
#define EP_LASTACK  (1u << 3)
#define EP_WIN      (1u << 4)
#define EP_OPTS     (1u << 5)  /* options of its SYN / SYN-ACK taken */
#define EP_MSS      (1u << 6)
#define EP_WSCALE   (1u << 7)
#define EP_SACK     (1u << 8)
#define EP_TS       (1u << 9)
#define EP_PID      (1u << 10)
#define EP_OUT      (1u << 11) /* out_* hold its last outbound segment */
#define EP_COOKIE   (1u << 12) /* its socket's cookie was noted (kevents) */
#define EP_MAXACK   (1u << 13) /* maxack holds Wireshark's 'max seq to be acked' */

struct endpoint {
	uint8_t addr[16];
	uint64_t pkts, bytes, ip_bytes;
	int64_t nextseq_ns, lastack_ns;
	int64_t out_ns;
	uint32_t isn, base, nextseq, lastack;
	uint32_t maxack;          /* end of what it sent without a hole (Wireshark's maxseqtobeacked) */
	uint32_t out_seq, out_ack, out_len;  /* last outbound segment (loopback copies) */
	uint32_t retrans;
	uint32_t pid, comm;       /* owner from packet annotations; comm: strtab id */
	uint16_t port, win, out_win, mss;
	uint16_t bits;            /* EP_* */
	uint8_t state;            /* enum ep_state */
	uint8_t wscale, out_flags, dupacks;
};

/* One endpoint as Zeek's TCP analyzer follows it (zeek.c): its state, its
 * sequence space (Zeek's start, last and acknowledged sequence numbers)
 * and what its history letters depend on. */
struct zeek_ep {
	uint32_t start, last, ack;
	uint32_t last_syn, last_fin, last_rst;  /* relative seq of the last S/H, F, R */
	uint32_t rxmt_cnt, rxmt_thresh, win0_cnt, win0_thresh;
	uint32_t fin_cnt;
	uint8_t state, prev_state;              /* enum ep_state */
};

#define ZEEK_HISTORY_MAX 47

/* Zeek's view of a connection: zeek_ep[d] is our side d; orig is the side
 * Zeek calls the originator (it may differ from ep[0] and change, as Zeek
 * flips roles). */
struct zeek_conn {
	struct zeek_ep ep[2];
	uint32_t hist_seen;       /* Zeek's HIST_* bits, the responder's << 16 */
	uint8_t orig;
	uint8_t hlen;
	char history[ZEEK_HISTORY_MAX + 1];
};

/* What kernel events tell about a connection (kevents.c); allocated when
 * the recording has TCP events. */
struct kjoin {
	int64_t syn_sent_ns, est_ns, srv_est_ns;
	int64_t ev_pid[2];
	uint32_t ev_comm[2];
	uint8_t has;              /* KJ_* */
};
#define KJ_SYN_SENT (1u << 0)
#define KJ_EST      (1u << 1)
#define KJ_SRV_EST  (1u << 2)
#define KJ_PID_C    (1u << 3)
#define KJ_PID_S    (1u << 4)

struct flow {
	struct flow *next;        /* hash chain */
	struct flow *lru_prev, *lru_next;
	struct endpoint ep[2];
	struct kjoin *kj;
	int64_t conn_id;
	int64_t first_ns, last_ns;
	/* handshake (handshake.c) */
	int64_t syn_ns, syn_last_ns, syn_pre_synack_ns, synack_ns, ack_ns, end_ns;
	int64_t mru_syn_ns, irtt_ns;
	uint32_t syn_count, synack_count;
	uint32_t file_id;
	int vantage;              /* who recorded it (join.c): each host's flows apart */
	uint8_t ipver;
	uint8_t origin;           /* enum origin */
	uint8_t outcome;          /* enum outcome */
	bool flipped;             /* roles differ from the first packet's sender */
	struct zeek_conn z;
	bool mru_syn_set, irtt_set;
	uint8_t icmp_type, icmp_code, icmp_ver;
	uint8_t icmp_from[16];
};

/* A packet as the analysis reads it: its row and its time, bounded so
 * that every difference of two times is representable. */
struct apkt {
	const struct row_pkt *r;
	int64_t ts;
};

/* ---- conn.c: the table of connections ---- */
struct conn_table {
	struct flow **buckets;
	struct flow *lru_head, *lru_tail;  /* least recently active first */
	struct flow *ended;                /* ended, for pass.c to write and free */
	int64_t next_conn_id;
	uint64_t nflows, max_flows;
	/* the vantage point of each file (by file_id; join_vantages): flows
	 * of different vantage points are kept apart */
	const int *vantage;
	size_t nvantage;
};

/* What conn_packet did, for pass.c. */
struct conn_result {
	struct flow *f;
	bool created;
	int from;                 /* 0 sent by ep[0] (the handshake's client), 1 by ep[1] */
	bool from_orig;           /* sent by Zeek's originator, as of this packet */
	uint32_t seq_rel;         /* relative to the sender's base */
	const char *rtx_class;    /* retransmissions.class, or NULL */
};

int conn_init(struct conn_table *t, uint64_t max_flows);
void conn_free(struct conn_table *t);
/* A TCP packet (PK_TCP, PK_PORTS, PK_IP); fills *res and r's anomalies
 * bits it finds. -ENOMEM. */
int conn_packet(struct conn_table *t, const struct apkt *a, uint16_t *anomalies,
		struct conn_result *res);
/* The flow of a 4-tuple (either direction) and the side that is (addr a,
 * port pa); NULL if none. */
struct flow *conn_lookup(const struct conn_table *t, int vantage, int ipver, const uint8_t *a,
			 uint16_t pa, const uint8_t *b, uint16_t pb, int *side);
/* The vantage point of a file's records (0 when unknown). */
int conn_vantage(const struct conn_table *t, uint32_t file_id);
/* Ends connections idle past their limits (all of them with all): they
 * move to the ended list. */
void conn_sweep(struct conn_table *t, int64_t now, bool all);
/* The next ended flow (the caller frees it with conn_flow_free), or NULL. */
struct flow *conn_take_ended(struct conn_table *t);
void conn_flow_free(struct flow *f);
/* An ICMP error quoting a TCP segment: the quoted connection's conn_id (0
 * if none); marks a pending attempt unreachable when the quote is its SYN. */
int64_t conn_quoted(struct conn_table *t, const struct apkt *a);
/* The connections row of an ended flow. */
void conn_row(const struct flow *f, struct row_conn *c);

/* ---- zeek.c ---- */
/* A new flow: Zeek's originator is our side orig; flipped: Zeek flipped
 * the roles of the first packet ('^'). */
void zeek_init(struct flow *f, int orig, bool flipped);
/* Every packet of the flow that is not a loopback copy, from side d. */
void zeek_packet(struct flow *f, int d, const struct row_pkt *r);
const char *zeek_conn_state(const struct flow *f);
/* Both sides closed or one reset, as Zeek's states say. */
bool zeek_closed(const struct flow *f);
/* Zeek's likely server port (the port heuristic of its role flipping). */
bool zeek_likely_server_port(uint16_t port);

/* ---- handshake.c ---- */
void hs_packet(struct flow *f, int d, const struct apkt *a, bool copy);
/* The handshakes row of an ended flow (kernel times from f->kj). */
void hs_row(const struct flow *f, struct row_hs *h);
const char *outcome_name(enum outcome o);

/* ---- icmp.c ---- */
struct icmp_state {
	struct echo **b;          /* ECHO_BUCKETS chains */
	uint64_t pending, max_pending;
	/* last outbound error, to spot its loopback copy */
	uint8_t err_sig[64];
	int64_t err_ns;
	bool err_set;
};

/* What icmp_packet decided. */
struct icmp_result {
	bool write;               /* out holds an icmp row to write now */
	bool quotes_tcp;          /* an error quoting TCP: ask conn_quoted */
};

int icmp_init(struct icmp_state *s, uint64_t max_pending);
void icmp_free(struct icmp_state *s);
/* An ICMP packet (PK_ICMP, PK_IP). Echo exchanges are held until they
 * end (icmp_sweep); other messages give a row at once in *out. */
int icmp_packet(struct icmp_state *s, const struct apkt *a, struct row_icmp *out,
		struct icmp_result *res);
/* Ends echo exchanges idle past their limit (all with all): calls fn with
 * each one's row. */
int icmp_sweep(struct icmp_state *s, int64_t now, bool all,
	       int (*fn)(void *ctx, const struct row_icmp *r), void *ctx);

#endif

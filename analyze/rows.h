/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The rows netanalyze writes, as C structs: the vocabulary between the
 * builders that make them from capture records (packet.c, journal.c), the
 * analysis pass that completes them and adds its own (pass.c and the files
 * it calls) and the store that writes them (store.c). docs/schema.md says
 * what each column means; store.c maps these fields to those columns.
 * Nothing here knows SQLite. Strings that repeat (command names) are
 * interned (strtab.h); per-record text (journal fields) travels with the
 * record.
 */
#ifndef NETANALYZE_ROWS_H
#define NETANALYZE_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcapng.h"
#include "profile.h"
#include "strtab.h"

/* ---- packets ---- */

/* Which of a packet row's optional fields are present (row_pkt.has). */
#define PK_CPU       (1u << 0)  /* cpu, cpu_seq (netrec annotation) */
#define PK_IFACE     (1u << 1)
#define PK_VLAN      (1u << 2)
#define PK_IP        (1u << 3)  /* ipver, src, dst, proto, ttl, ip_id, ip_len */
#define PK_L4        (1u << 5)  /* a transport header was decoded */
#define PK_PORTS     (1u << 6)  /* TCP or UDP ports */
#define PK_TCP       (1u << 7)  /* TCP header: flags, seq, ack, win */
#define PK_MSS       (1u << 8)
#define PK_WSCALE    (1u << 9)
#define PK_SACK_PERM (1u << 10)
#define PK_TS        (1u << 11) /* tsval, tsecr */
#define PK_ICMP      (1u << 12) /* icmp_type, icmp_code */
#define PK_ECHO      (1u << 13) /* icmp_id, icmp_seq */
#define PK_QUOTE     (1u << 14) /* an ICMP error's quoted IP header */
#define PK_Q_PORTS   (1u << 15)
#define PK_Q_SEQ     (1u << 16)
#define PK_PID       (1u << 17) /* pid, tid */
#define PK_OWNER     (1u << 18) /* uid, gid (netrec owner) */
#define PK_ANNOT     (1u << 19) /* owner_src (netrec annotation) */
#define PK_COOKIE    (1u << 20)
#define PK_CONN      (1u << 21) /* conn_id (the pass) */
#define PK_FROM_ORIG (1u << 22) /* from_orig (the pass) */
#define PK_IPFRAG    (1u << 4)  /* ip_frag: IPv4, or IPv6 with a Fragment header */
#define PK_L4CSUM    (1u << 23) /* l4_csum (TCP, UDP, ICMP, ICMPv6) */
#define PK_ICMPX     (1u << 24) /* icmp_fields: type-specific ICMP fields */
#define PK_TUNNEL    (1u << 25) /* tunnel_id */

/* anomalies bits (docs/schema.md) */
#define AN_RETRANS    1u
#define AN_SPURIOUS   2u
#define AN_FAST       4u
#define AN_OOO        8u
#define AN_KEEPALIVE  16u
#define AN_DUPACK     32u
#define AN_ZEROWIN    64u
#define AN_COPY       256u
#define AN_TRUNCATED  512u
#define AN_UNDECODABLE 1024u
#define AN_FRAGMENT   2048u
#define AN_LOST       4096u   /* Wireshark's tcp.analysis.lost_segment */
#define AN_ACKLOST    8192u   /* Wireshark's tcp.analysis.ack_lost_segment */
/* kept from the builder (AN_COPY: the recorder flagged the packet as a copy
 * of one seen on another interface, docs/format.md §4) */
#define AN_DECODER    (AN_TRUNCATED | AN_UNDECODABLE | AN_FRAGMENT | AN_COPY)

struct row_pkt {
	int64_t id;              /* place in the timeline (packets.id = ord) */
	int64_t ts_ns;
	int64_t cpu, cpu_seq;
	int64_t file_idx;        /* position among the file's packets and journal records */
	int64_t offset;          /* byte offset of the block in the (decompressed) file */
	int64_t iface_id;
	int64_t conn_id;
	int64_t tunnel_id;       /* PK_TUNNEL: the encapsulations it came through (tunnels.c) */
	uint64_t cookie;
	uint32_t has;            /* PK_* */
	uint32_t file_id;
	uint32_t caplen, origlen;
	uint32_t pid, tid, uid, gid;
	uint32_t comm;           /* strtab id, 0: none */
	uint32_t ip_id, ip_len;
	uint32_t seq, ack, payload_len;
	uint32_t tsval, tsecr;
	uint32_t flow_label;     /* IPv6 */
	uint16_t sport, dport, win, vlan, mss;
	uint16_t icmp_id, icmp_seq;
	uint16_t anomalies;      /* AN_* */
	uint16_t ip_frag;        /* PK_IPFRAG: DF 0x4000, MF 0x2000, offset / 8 (low 13 bits) */
	uint16_t ip_csum;        /* IPv4 header checksum as sent */
	uint16_t l4_csum;        /* PK_L4CSUM */
	uint16_t urg_ptr;
	uint16_t tcp_flags_all;  /* all 12 flag bits (AE 0x100, reserved above) */
	uint8_t dir;             /* enum pkt_dir */
	uint8_t ipver, proto, ttl, tcp_flags, wscale, sack_blocks;
	uint8_t ip_tos, ip_hlen, tcp_hlen;
	uint8_t owner_src;
	uint8_t icmp_type, icmp_code;
	uint8_t from_orig;
	uint8_t src[16], dst[16];   /* network order; IPv4 in the first 4 bytes */
	union {
		struct {                 /* PK_TCP: the SACK option's edges */
			uint32_t sack_left[4], sack_right[4];
		};
		struct {                 /* PK_ICMP */
			uint8_t q_ipver, q_proto;
			uint16_t q_sport, q_dport;
			uint32_t q_seq;
			uint8_t q_src[16], q_dst[16];
			/* PK_ICMPX: icmp_fields (decode.h ICMPF_*) says which are set */
			uint16_t icmp_fields;
			uint16_t icmp_ra_lifetime, icmp_mld_delay;
			uint8_t icmp_ra_hoplimit;
			uint32_t icmp_mtu, icmp_pointer, icmp_orig_len, icmp_nd_flags;
			uint32_t icmp_ra_reachable, icmp_ra_retrans;
			uint32_t icmp_ts_orig, icmp_ts_recv, icmp_ts_xmit;
			uint8_t icmp_addr[16], icmp_addr2[16];
		};
	};
};

/* Per-file state the packet builder needs (ingest.c keeps it). */
struct tunnels;
struct undecoded;
struct packet_ctx {
	uint32_t file_id;
	int64_t file_idx;        /* next record's position in the file */
	int64_t last_ts;         /* an SPB has none: it takes its predecessor's */
	struct strtab *strs;
	struct tunnels *tunnels; /* the encapsulations met (tunnels.h), NULL: not kept */
	struct undecoded *undec; /* the file's packets not decoded, per kind (tunnels.h) */
	/* journal records keep only the text the pass reads (no events or
	 * processes rows are written) */
	bool journal_lean;
	/* the last command interned (packets of one owner come in runs) */
	uint32_t comm_id;
	uint16_t comm_len;
	char comm[64];
};

/* packet.c: decodes rec (a CAPFILE_REC_PACKET) into *p: headers, the
 * netrec annotation or the standard EPB owner options, the owner's command
 * from a netrec comment. iface_id is interfaces.iface_id of its interface
 * (0: none). Advances ctx->file_idx. Never fails: what cannot be decoded is
 * flagged in p->anomalies. */
void packet_build(struct row_pkt *p, const struct capfile_rec *rec, int64_t iface_id,
		  struct packet_ctx *ctx);

/* ---- journal records (events and processes) ---- */

/* Text fields of a journal record (row_jrec.text). */
enum jr_text {
	JT_RECORD,       /* 'tcp_event' | 'process' | 'journal' */
	JT_EVENT,
	JT_FAMILY,
	JT_LADDR,        /* canonical when it parses as an address */
	JT_RADDR,
	JT_OLDSTATE,
	JT_NEWSTATE,
	JT_COMM,
	JT_OWNER_SRC,
	JT_MESSAGE,
	JT_EXE,          /* process records */
	JT_CMDLINE,
	JT_CGROUP,
	JT_CONTAINER,
	JT_HOSTNAME,     /* _HOSTNAME, for files.host */
	JT_KSTACK,       /* NETREC_KERNEL_STACK (netrec -K) */
	JT__COUNT,
};

/* Which optional fields are present (row_jrec.has). */
#define JR_KTIME     (1u << 0)
#define JR_CPU       (1u << 1)
#define JR_SEQ       (1u << 2)
#define JR_LPORT     (1u << 3)
#define JR_RPORT     (1u << 4)
#define JR_ERRNO     (1u << 5)
#define JR_WINDOW    (1u << 6)
#define JR_COOKIE    (1u << 7)
#define JR_PID       (1u << 8)
#define JR_TID       (1u << 9)
#define JR_UID       (1u << 10)
#define JR_GID       (1u << 11)
#define JR_PRIORITY  (1u << 12)
#define JR_PPID      (1u << 13)
#define JR_CGROUP_ID (1u << 14)
#define JR_CONN      (1u << 15) /* conn_id (the pass) */
#define JR_LADDR_BIN (1u << 16) /* laddr parsed into lbin */
#define JR_RADDR_BIN (1u << 17)
#define JR_NS_PID    (1u << 18) /* pid in its own pid namespace (process record) */

/* What kind of record (drives the analysis; JT_RECORD holds the text). */
enum jr_kind {
	JK_JOURNAL = 0,  /* another program's journal entry */
	JK_TCP_EVENT,
	JK_PROCESS,
};

/* One journal record: an events row, and a processes row when it is a
 * netrec process record. Allocated with its text (journal_build,
 * jrec_alloc); freed with jrec_free(), from any thread. */
struct row_jrec {
	int64_t id;              /* place in the timeline (events.id = ord) */
	int64_t ts_ns, ktime_ns;
	int64_t cpu, cpu_seq;
	int64_t file_idx, offset;
	int64_t err, window, priority;
	int64_t pid, tid, uid, gid, ppid, cgroup_id, ns_pid;
	int64_t lport, rport;
	int64_t conn_id;
	uint64_t cookie;
	uint32_t has;            /* JR_* */
	uint32_t file_id;
	uint8_t kind;            /* enum jr_kind */
	uint8_t size_class;      /* jrec_alloc's; 0: malloc'd, free()d */
	uint8_t lver, rver;      /* 4 or 6 when JR_*ADDR_BIN */
	uint8_t lbin[16], rbin[16];
	uint16_t text_len;       /* bytes in text[] */
	uint16_t toff[JT__COUNT];/* offset of each field in text[], TEXT_NONE if absent */
	char text[];             /* NUL-terminated fields */
};
#define TEXT_NONE 0xffffu

static inline const char *jrec_text(const struct row_jrec *j, enum jr_text t)
{
	return j->toff[t] == TEXT_NONE ? NULL : j->text + j->toff[t];
}

/* journal.c: room for a record of n bytes (sizeof(struct row_jrec) and its
 * text), NULL when out of memory; and its release (accepts NULL). Records
 * are made on the load's reader thread and freed on the pass's and the
 * store's: jrec_free may run on any thread. */
struct row_jrec *jrec_alloc(size_t n);
void jrec_free(struct row_jrec *j);
/* A thread that freed records is ending: what it holds goes back. */
void jrec_thread_done(void);
/* Bytes of the slabs records are carved from (tests). */
size_t jrec_slab_bytes(void);
/* journal.c: the record of a journal export entry (rec->body), with its
 * timestamp (NETREC_TS_NS, else __REALTIME_TIMESTAMP, else last_ts).
 * NULL when out of memory. Advances ctx->file_idx. */
struct row_jrec *journal_build(const struct capfile_rec *rec, struct packet_ctx *ctx);
/* A record from its fields as stored (text[k] NULL when absent; the
 * integers and key fields in *tmpl, whose text fields are ignored), with
 * its kind and parsed addresses worked out as journal_build does. NULL
 * when out of memory. */
struct row_jrec *journal_make(const struct row_jrec *tmpl, const char *const text[JT__COUNT]);

/* ---- processes known only from packet comments ---- */
struct row_proc_comment {
	int64_t ts_ns;
	uint32_t file_id, pid, uid, gid;
	uint32_t comm;           /* strtab id */
	bool has_owner;          /* uid, gid known */
};

/* ---- files, interfaces, problems (ingest.c) ---- */

/* What the pass counted of a file (pass.h), as its files row stores it. */
struct row_file_counts {
	int64_t file_id;
	int64_t tcp_packets, icmp_packets, other_packets, loopback_copies;
	int64_t tcp_events, connections, retransmissions;
	int64_t sequence_gaps;
	bool gaps_known;
};

struct row_file {
	int64_t file_id;
	const char *path;
	int64_t size;            /* bytes on disk (compressed), -1 unknown */
	const char *hash;        /* content hash text, NULL unknown */
	const char *kind, *compression;
	const char *host, *hardware, *os, *userappl, *comment;
	int64_t sections, interfaces, records, unknown_blocks;
	int64_t packets, events;
	int64_t first_ns, last_ns;
	bool has_stats, has_ts;  /* reader statistics; first_ns/last_ns */
	bool has_clock, has_nr_stats;
	struct nr_cb_clock clock;
	struct nr_cb_stats nr_stats;
	struct row_file_counts counts;
	int64_t reorder_moved, reorder_max_displacement;
	bool has_reorder, in_order;
	const char *error;       /* NULL, or why the file ends early */
	int64_t error_offset;
	int64_t loaded_ns;
};

struct row_iface {
	int64_t iface_id, file_id;
	uint32_t section, if_id, linktype, snaplen;
	const char *name, *description, *filter, *os;
	uint64_t tsresol;
};

/* Counters of an interface known at the end of its file. */
struct row_iface_counts {
	int64_t iface_id;
	uint64_t packets;
	uint64_t isb[4];         /* ifrecv, ifdrop, osdrop, usrdeliv */
	uint8_t has_isb;         /* bit i: isb[i] present */
};

struct row_problem {
	int64_t file_id, offset;
	uint32_t block_type;
	const char *message;
};

/* ---- the derived tables (the pass) ---- */

struct row_conn {
	int64_t conn_id;
	int64_t start_ns, end_ns;
	uint64_t pkts[2], bytes[2], ip_bytes[2];  /* [0] originator, [1] responder */
	uint64_t retransmissions;
	int64_t pid[2];
	uint32_t comm[2];        /* strtab ids */
	bool has_pid[2];
	uint32_t base[2];        /* relative sequence base of each side */
	bool has_base[2];
	uint32_t file_id;
	uint8_t ipver;
	bool role_inferred;
	uint16_t port[2];
	uint8_t addr[2][16];
	const char *conn_state;  /* static */
	char history[48];
	char community_id[32];   /* Community ID v1 (community_id.h) */
};

struct row_hs {
	int64_t hs_id, conn_id;
	int64_t first_ns;
	int64_t syn_ns, syn_last_ns, synack_ns, ack_ns, end_ns;
	int64_t rtt_server_ns, rtt_client_ns, irtt_ns;
	int64_t k_syn_sent_ns, k_established_ns, k_server_established_ns;
	int64_t pid[2];          /* [0] client, [1] server */
	uint32_t comm[2];
	uint32_t syn_count, synack_count;
	uint32_t isn[2];
	uint32_t has;            /* HS_* */
	uint32_t file_id;
	int mss[2], wscale[2];   /* -1 absent */
	int mss_neg;             /* negotiated, -1 none */
	bool sack_perm[2], ts[2];
	bool ws_neg, sack_neg, ts_neg, opts_any, opts_set[2];
	bool role_inferred, rtt_ambiguous;
	uint8_t ipver, icmp_ver;
	uint8_t icmp_type, icmp_code;
	uint16_t port[2];
	uint8_t addr[2][16];
	uint8_t icmp_from[16];
	const char *outcome;     /* static */
	char community_id[32];   /* the connection's */
};
#define HS_SYN        (1u << 0)  /* syn_ns, syn_last_ns */
#define HS_SYNACK     (1u << 1)
#define HS_ACK        (1u << 2)
#define HS_END        (1u << 3)
#define HS_RTT_SERVER (1u << 4)
#define HS_RTT_CLIENT (1u << 5)
#define HS_IRTT       (1u << 6)
#define HS_ICMP       (1u << 7)
#define HS_ISN_C      (1u << 8)
#define HS_ISN_S      (1u << 9)
#define HS_PID_C      (1u << 10)
#define HS_PID_S      (1u << 11)
#define HS_K_SYN_SENT (1u << 12)
#define HS_K_EST      (1u << 13)
#define HS_K_SRV_EST  (1u << 14)

struct row_rtx {
	int64_t packet_id, conn_id, ts_ns;
	int64_t pid;
	uint32_t seq_rel, len;
	uint32_t comm;
	bool has_pid, from_orig;
	uint8_t ipver, tcp_flags;
	uint16_t sport, dport;
	uint8_t src[16], dst[16];
	const char *cls;         /* static */
};

struct row_icmp {
	int64_t ts_ns, reply_ns, rtt_ns;
	int64_t conn_id, pid, packet_id;
	uint32_t requests, replies;
	uint32_t q_seq, comm;
	uint32_t has;            /* IC_* */
	uint8_t ipver, q_ipver, type, code, q_proto;
	uint16_t ident, seq, q_sport, q_dport;
	uint8_t src[16], dst[16], q_src[16], q_dst[16];
	const char *kind;        /* static: 'echo' | 'error' | 'other' */
};
struct row_socket {
	uint64_t cookie;
	uint32_t family, laddr, raddr, comm;   /* strtab ids, 0: NULL */
	int64_t lport, rport, pid;
	int64_t first_ns, last_ns;
	uint64_t packets, events;
	uint8_t has;             /* SK_* */
};
#define SK_LPORT (1u << 0)
#define SK_RPORT (1u << 1)
#define SK_PID   (1u << 2)

#define IC_ECHO     (1u << 0)  /* ident, seq, requests, replies */
#define IC_REPLY    (1u << 1)  /* reply_ns */
#define IC_RTT      (1u << 2)
#define IC_QUOTE    (1u << 3)
#define IC_Q_PORTS  (1u << 4)
#define IC_Q_SEQ    (1u << 5)
#define IC_CONN     (1u << 6)
#define IC_PID      (1u << 7)

/* One layer of an encapsulation stack (tunnels.h). */
struct row_tunnel {
	int64_t tunnel_id;
	uint32_t layer;          /* 0: the outermost */
	uint32_t id, id2;
	uint16_t port, inner, vlan;
	uint8_t kind, flags, ipver, ip_proto, count;
	uint8_t src[16], dst[16];
};

/* Packets of one file not decoded, of one kind (tunnels.h). */
struct row_undecoded {
	int64_t file_id;
	uint64_t packets;
	uint32_t type;
	uint8_t reason, layer;   /* enum pkt_undecoded, enum pkt_proto */
	char what[64];           /* decode_undecoded_str() */
};

/* ---- where rows go ---- */

enum row_kind {
	ROW_FILE,                /* struct row_file */
	ROW_FILE_COUNTS,         /* struct row_file_counts: of a file already stored */
	ROW_IFACE,               /* struct row_iface (the store copies its text) */
	ROW_IFACE_COUNTS,        /* struct row_iface_counts */
	ROW_PROBLEM,             /* struct row_problem (the store copies its text) */
	ROW_PKT,                 /* struct row_pkt */
	ROW_JREC,                /* struct row_jrec: handed over, the sink frees it */
	ROW_PROC_COMMENT,        /* struct row_proc_comment */
	ROW_CONN,                /* struct row_conn */
	ROW_HS,                  /* struct row_hs */
	ROW_RTX,                 /* struct row_rtx */
	ROW_ICMP,                /* struct row_icmp */
	ROW_SOCKET,              /* struct row_socket */
	ROW_TUNNEL,              /* struct row_tunnel */
	ROW_UNDECODED,           /* struct row_undecoded */
	ROW__COUNT,
};

/* A consumer of rows (the store): put() copies what it needs before it
 * returns, except a ROW_JREC, which it keeps and frees. Returns 0 or a
 * negative errno. */
struct row_sink {
	int (*put)(void *ctx, enum row_kind kind, void *row);
	void *ctx;
};

#endif

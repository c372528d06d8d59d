/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The netrec file profile: the constants, binary layouts and journal field
 * names that netrec writes and netanalyze reads. docs/format.md is the prose
 * definition; this header is its only encoding in code. Every binary layout
 * here is little-endian on disk whatever the section's byte order, and has a
 * fixed size checked below.
 *
 * This header describes the file, not the kernel: the BPF/user ABI lives in
 * bpf/netrec.h and never leaks into files.
 */
#ifndef NETREC_FORMAT_PROFILE_H
#define NETREC_FORMAT_PROFILE_H

#include <stddef.h>
#include <stdint.h>

/* Private Enterprise Number tagging our custom options and blocks.
 * 32473 is the PEN IANA reserves for documentation and examples (RFC 5612);
 * the profile uses it until the project has a number of its own. Readers
 * must compare against this constant only. (docs/format.md §2) */
#define NR_PEN 32473U

/* Linktype of every packet interface in a netrec file (docs/format.md §3). */
#define NR_LINKTYPE 276 /* LINKTYPE_LINUX_SLL2 */
/* if_tsresol of every interface: nanoseconds. */
#define NR_TSRESOL 9

/* ---- §4: per-packet annotation, custom option 2989 (PEN, then this) ---- */
enum nr_owner_src {
	NR_OWNER_UNKNOWN = 0,   /* no owner found (packet kept, unattributed) */
	NR_OWNER_KERNEL = 1,    /* made by the kernel itself (RST to a closed
				   port, ICMP error, echo reply by the stack) */
	NR_OWNER_SOCKET = 2,    /* socket cookie -> owner recorded in process
				   context (create/connect/bind/send/recv) */
	NR_OWNER_ACCEPT = 3,    /* accepted socket: owner is the accepting or
				   reading task; before accept(), the listener's */
	NR_OWNER_TUPLE = 4,     /* ingress matched to a socket by its 5-tuple */
	NR_OWNER_PREEXIST = 5,  /* socket found by the start-up scan */
	NR_OWNER_ICMP_ECHO = 6, /* echo reply matched to its request's socket */
	NR_OWNER_ICMP_QUOTE = 7,/* ICMP error: socket of the quoted packet */
	NR_OWNER_LATE = 8,      /* owner learned after capture, within the
				   writer's hold window */
	NR_OWNER_FRAGMENT = 9,  /* a later IP fragment: the owner of its
				   datagram's first fragment, linked by the
				   fragment identification */
	NR_OWNER_FORWARDED = 10,/* a packet this host forwards (routes or
				   bridges) for others; the owner, when valid,
				   is the socket's at either end that lives on
				   this host (a container's) */
	NR_OWNER_MAX
};

/* Why the kernel's parser stopped early (annotation field parse, §4.2);
 * such a packet is recorded whole, without an owner. */
enum nr_parse_why {
	NR_PARSE_WHY_NONE = 0,       /* parsed */
	NR_PARSE_WHY_TRUNCATED = 1,  /* the packet ends inside a header */
	NR_PARSE_WHY_BAD_HEADER = 2, /* IP version or header length invalid */
	NR_PARSE_WHY_EXT_CHAIN = 3,  /* more IPv6 extension headers than followed */
	NR_PARSE_WHY_FRAG_UPPER = 4, /* later IPv6 fragment starting with an
					extension header: protocol unknown */
	NR_PARSE_WHY_MAX
};
/* The number of IPv6 extension headers the parser follows (§4.2). */
#define NR_PARSE_MAX_EXT 10

#define NR_ANNOT_TYPE_PACKET 1
#define NR_ANNOT_VERSION 3

/* flags */
#define NR_ANNOT_F_OWNER    0x01 /* pid/tid/uid/gid/cgroup are valid */
#define NR_ANNOT_F_COOKIE   0x02 /* cookie is valid */
#define NR_ANNOT_F_EGRESS   0x04 /* seen leaving (tc egress); else ingress */
#define NR_ANNOT_F_FRAGMENT 0x08 /* an IP fragment (frag_id valid) */
#define NR_ANNOT_F_LATER    0x10 /* not the first fragment: no transport header */
#define NR_ANNOT_F_UNPARSED 0x20 /* not fully parsed: parse says why */
#define NR_ANNOT_F_COPY     0x40 /* a later copy (another interface) of the packet
				       with the same same_id (version 3) */

struct nr_pkt_annot {
	uint8_t  type;       /* NR_ANNOT_TYPE_PACKET */
	uint8_t  version;    /* NR_ANNOT_VERSION */
	uint8_t  owner_src;  /* enum nr_owner_src */
	uint8_t  flags;      /* NR_ANNOT_F_* */
	uint32_t cpu;        /* CPU that captured the packet */
	uint64_t seq;        /* per-CPU sequence, shared by packets and events */
	uint64_t cookie;     /* socket cookie (bpf_get_socket_cookie), 0 if none */
	uint32_t pid;        /* tgid */
	uint32_t tid;
	uint32_t uid;
	uint32_t gid;
	uint64_t cgroup_id;  /* cgroup v2 id (inode of the cgroup directory) */
	uint32_t netns;      /* network namespace inode */
	uint32_t ifindex;
	uint64_t ktime_ns;   /* CLOCK_MONOTONIC capture time */
	/* version 2 */
	uint8_t  parse;      /* enum nr_parse_why */
	uint8_t  l4_proto;   /* IP protocol of the datagram (fragments too) */
	uint8_t  pad[2];
	uint32_t frag_id;    /* fragment identification (IPv4: 16 bits) */
	/* version 3 */
	uint32_t ns_pid;     /* pid and tid in the owner's own pid namespace */
	uint32_t ns_tid;
	uint64_t same_id;    /* the same value on every copy of one packet seen
				on several interfaces; 0 if not computed */
};
#define NR_PKT_ANNOT_SIZE 88
#define NR_PKT_ANNOT_V2_SIZE 72
#define NR_PKT_ANNOT_V1_SIZE 64
_Static_assert(sizeof(struct nr_pkt_annot) == NR_PKT_ANNOT_SIZE,
	       "nr_pkt_annot layout is part of the file format");

/* ---- §6/§7: custom options 2989 (SHB, ISB) and custom blocks 0x00000BAD:
 * PEN, then a u32 record type ---- */
#define NR_CB_CLOCK 1
#define NR_CB_STATS 2

struct nr_cb_clock {
	uint32_t type;              /* NR_CB_CLOCK */
	uint32_t version;           /* 1 */
	int64_t  mono_to_real_ns;   /* REALTIME = MONOTONIC + this */
	uint64_t uncertainty_ns;    /* half-width of the tightest bracket */
	int64_t  measured_at_ns;    /* REALTIME when measured */
};
#define NR_CB_CLOCK_SIZE 32
_Static_assert(sizeof(struct nr_cb_clock) == NR_CB_CLOCK_SIZE, "file format");

struct nr_cb_stats {
	uint32_t type;              /* NR_CB_STATS */
	uint32_t version;           /* 1 */
	uint64_t packets_written;
	uint64_t events_written;
	uint64_t packets_attributed;/* packets with NR_ANNOT_F_OWNER */
	uint64_t packets_kernel;    /* packets labelled NR_OWNER_KERNEL */
	uint64_t ring_drops;        /* records the kernel could not queue */
	uint64_t other_drops;       /* anything else lost (user space) */
	uint64_t packets_filtered;  /* seen but excluded by -p/--comm/filter */
	int64_t  start_ns;          /* wall clock, recording start */
	int64_t  end_ns;            /* wall clock, recording end */
	/* version 2 */
	uint64_t packets_unparsed;  /* packets written not fully parsed */
};
#define NR_CB_STATS_SIZE 88
#define NR_CB_STATS_V1_SIZE 80
_Static_assert(sizeof(struct nr_cb_stats) == NR_CB_STATS_SIZE, "file format");

/* ---- §5: journal export fields (JEB); names are the file format ---- */
#define NR_J_RECORD      "NETREC_RECORD"      /* "tcp_event" | "process" */
#define NR_J_EVENT       "NETREC_EVENT"       /* see docs/format.md §5.2 */
#define NR_J_TS_NS       "NETREC_TS_NS"       /* wall clock ns */
#define NR_J_KTIME_NS    "NETREC_KTIME_NS"    /* CLOCK_MONOTONIC ns */
#define NR_J_CPU         "NETREC_CPU"
#define NR_J_SEQ         "NETREC_SEQ"
#define NR_J_COOKIE      "NETREC_COOKIE"
#define NR_J_FAMILY      "NETREC_FAMILY"      /* "inet" | "inet6" */
#define NR_J_SADDR       "NETREC_SADDR"       /* local address */
#define NR_J_SPORT       "NETREC_SPORT"
#define NR_J_DADDR       "NETREC_DADDR"       /* remote address */
#define NR_J_DPORT       "NETREC_DPORT"
#define NR_J_OLDSTATE    "NETREC_OLDSTATE"
#define NR_J_NEWSTATE    "NETREC_NEWSTATE"
#define NR_J_ERRNO       "NETREC_ERRNO"
#define NR_J_WINDOW      "NETREC_WINDOW"
#define NR_J_KSTACK      "NETREC_KERNEL_STACK" /* frames, innermost first,
						  space-separated (-K) */
#define NR_J_OWNER_SRC   "NETREC_OWNER_SRC"
#define NR_J_TID         "NETREC_TID"
#define NR_J_NS_PID      "NETREC_NS_PID"  /* pid and tid in the owner's pid namespace */
#define NR_J_NS_TID      "NETREC_NS_TID"
#define NR_J_PPID        "NETREC_PPID"
#define NR_J_CGROUP_ID   "NETREC_CGROUP_ID"
#define NR_J_CONTAINER   "NETREC_CONTAINER_ID"
#define NR_J_NETNS       "NETREC_NETNS"
#define NR_J_IFINDEX     "NETREC_IFINDEX"

/* Journal fields systemd defines, as the profile uses them (§5). */
#define NR_J_REALTIME    "__REALTIME_TIMESTAMP" /* microseconds */
#define NR_J_MONOTONIC   "__MONOTONIC_TIMESTAMP"
#define NR_J_MESSAGE     "MESSAGE"
#define NR_J_PRIORITY    "PRIORITY"
#define NR_J_IDENTIFIER  "SYSLOG_IDENTIFIER"
#define NR_J_PID         "_PID"
#define NR_J_UID         "_UID"
#define NR_J_GID         "_GID"
#define NR_J_COMM        "_COMM"
#define NR_J_EXE         "_EXE"
#define NR_J_HOSTNAME    "_HOSTNAME"
#define NR_J_CMDLINE     "_CMDLINE"
#define NR_J_CGROUP      "_SYSTEMD_CGROUP"

/* Values of NR_J_RECORD and NR_J_IDENTIFIER. */
#define NR_RECORD_TCP_EVENT "tcp_event"
#define NR_RECORD_PROCESS   "process"
#define NR_IDENTIFIER       "netrec"
#define NR_PRIORITY_INFO    6
#define NR_PRIORITY_WARNING 4

/* Kernel TCP events (§5.2), numbered for the name tables below. */
enum nr_tcp_event {
	NR_EVENT_STATE = 1,
	NR_EVENT_RETRANSMIT,
	NR_EVENT_RETRANSMIT_SYNACK,
	NR_EVENT_RESET_SENT,
	NR_EVENT_RESET_RECV,
	NR_EVENT_SK_ERROR,
	NR_EVENT_ZERO_WIN_ADV,
	NR_EVENT_WIN_OPEN_ADV,
	NR_EVENT_ZERO_WIN_RECV,
	NR_EVENT_WIN_OPEN_RECV,
	NR_EVENT_DESTROY,
	NR_EVENT_CONNECT,
	NR_EVENT_ACCEPT,
	NR_EVENT_CLOSE,
	NR_EVENT_MAX
};

/* Event names (NETREC_EVENT values). */
#define NR_EV_STATE            "state"
#define NR_EV_RETRANSMIT       "retransmit"
#define NR_EV_RETRANSMIT_SYNACK "retransmit_synack"
#define NR_EV_RESET_SENT       "reset_sent"
#define NR_EV_RESET_RECV       "reset_recv"
#define NR_EV_SK_ERROR         "sk_error"
#define NR_EV_ZERO_WIN_ADV     "zero_window_adv"
#define NR_EV_ZERO_WIN_RECV    "zero_window_recv"
#define NR_EV_WIN_OPEN_ADV     "window_open_adv"
#define NR_EV_WIN_OPEN_RECV    "window_open_recv"
#define NR_EV_DESTROY          "destroy"
#define NR_EV_CONNECT          "connect"
#define NR_EV_ACCEPT           "accept"
#define NR_EV_CLOSE            "close"

/* Encode/decode helpers (format/profile.c). Decoders return 0 or -EINVAL
 * if the value is not ours (wrong PEN or type, version 0, or shorter than
 * the layout); any version from 1 up and a longer value (later versions
 * append fields) are accepted, the known fields decoded. */
void nr_annot_encode(const struct nr_pkt_annot *a, uint8_t out[NR_PKT_ANNOT_SIZE]);
int nr_annot_decode(const uint8_t *val, size_t len, struct nr_pkt_annot *a);
/* The value of a custom option 2989 as read (PEN first, in the section's
 * byte order as the reader reports with swapped): */
int nr_annot_from_option(const uint8_t *val, size_t len, int swapped,
			 struct nr_pkt_annot *a);
void nr_clock_encode(const struct nr_cb_clock *c, uint8_t out[NR_CB_CLOCK_SIZE]);
int nr_clock_decode(const uint8_t *data, size_t len, struct nr_cb_clock *c);
/* The clock as an SHB custom option 2989 value (PEN first, in the section's
 * byte order; §6). */
int nr_clock_from_option(const uint8_t *val, size_t len, int swapped,
			 struct nr_cb_clock *c);
void nr_stats_encode(const struct nr_cb_stats *s, uint8_t out[NR_CB_STATS_SIZE]);
int nr_stats_decode(const uint8_t *data, size_t len, struct nr_cb_stats *s);
/* The statistics as an ISB custom option 2989 value (PEN first, in the
 * section's byte order; §7). */
int nr_stats_from_option(const uint8_t *val, size_t len, int swapped,
			 struct nr_cb_stats *s);
/* The u32 record type at the start of a custom block's data, or 0. */
uint32_t nr_cb_type(const uint8_t *data, size_t len);

/* Journal entries: find FIELD in an export-format entry. Returns 1 and
 * sets *val and *vlen (not NUL-terminated) when found, else 0. Handles the
 * binary (length-prefixed) field form. */
int nr_jeb_field(const uint8_t *entry, size_t len, const char *field,
		 const uint8_t **val, size_t *vlen);
/* The entry's fields in order, one call each: from *off (0 at the start),
 * returns 1 with *f set and *off moved past the field, or 0 at the end of
 * the entry (or where it is malformed). Names and values are not
 * NUL-terminated. */
struct nr_jeb_fld {
	const uint8_t *name, *val;
	size_t nlen, vlen;
};
int nr_jeb_next(const uint8_t *entry, size_t len, size_t *off, struct nr_jeb_fld *f);
/* Appends FIELD=value\n to buf (growable, like pcapng_opts); values
 * containing a newline are written in the binary form. */
struct nr_jeb_buf {
	char *buf;
	size_t len, cap;
	int err;
};
void nr_jeb_init(struct nr_jeb_buf *b);
void nr_jeb_reset(struct nr_jeb_buf *b);
void nr_jeb_free(struct nr_jeb_buf *b);
int nr_jeb_add(struct nr_jeb_buf *b, const char *field, const char *value, size_t vlen);
int nr_jeb_addf(struct nr_jeb_buf *b, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

const char *nr_owner_src_name(unsigned src); /* "socket", "kernel", ... */
/* "truncated", "bad header", ... (§4.2); "invalid" out of range. */
const char *nr_parse_why_name(unsigned why);
/* NETREC_EVENT value of an event, NULL if none; the event from its name
 * (len bytes), 0 if none. */
const char *nr_event_name(unsigned ev);
enum nr_tcp_event nr_event_from_name(const char *name, size_t len);
/* The words MESSAGE uses for an event ("retransmit", "reset sent", ...;
 * "" for state changes, whose message names the states). */
const char *nr_event_text(unsigned ev);
/* Linux TCP state names without "TCP_" ("ESTABLISHED", ...; NETREC_OLDSTATE
 * and NETREC_NEWSTATE values), "UNKNOWN" for any other number. */
const char *nr_tcp_state_name(unsigned state);

#endif

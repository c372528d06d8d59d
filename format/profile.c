// SPDX-License-Identifier: GPL-2.0-only
/*
 * Encoders and decoders for the netrec file profile (docs/format.md): the
 * per-packet annotation (§4), the clock and statistics custom blocks (§6,
 * §7) and journal export entries (§5). The binary layouts are little-endian
 * on disk whatever the host or the section's byte order, so every field is
 * (de)serialised byte by byte, never by copying a struct.
 *
 * Decoders accept values longer than the layout they know (later versions
 * append fields) and any version from 1 up; they reject a wrong PEN, type,
 * version 0 or a value shorter than the layout with -EINVAL.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

static void le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
	le16(p, (uint16_t)v);
	le16(p + 2, (uint16_t)(v >> 16));
}

static void le64(uint8_t *p, uint64_t v)
{
	le32(p, (uint32_t)v);
	le32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* ---- §4 packet annotation ---- */

void nr_annot_encode(const struct nr_pkt_annot *a, uint8_t out[NR_PKT_ANNOT_SIZE])
{
	out[0] = a->type;
	out[1] = a->version;
	out[2] = a->owner_src;
	out[3] = a->flags;
	le32(out + 4, a->cpu);
	le64(out + 8, a->seq);
	le64(out + 16, a->cookie);
	le32(out + 24, a->pid);
	le32(out + 28, a->tid);
	le32(out + 32, a->uid);
	le32(out + 36, a->gid);
	le64(out + 40, a->cgroup_id);
	le32(out + 48, a->netns);
	le32(out + 52, a->ifindex);
	le64(out + 56, a->ktime_ns);
	out[64] = a->parse;
	out[65] = a->l4_proto;
	out[66] = out[67] = 0;
	le32(out + 68, a->frag_id);
	le32(out + 72, a->ns_pid);
	le32(out + 76, a->ns_tid);
	le64(out + 80, a->same_id);
}

int nr_annot_decode(const uint8_t *val, size_t len, struct nr_pkt_annot *a)
{
	if (!val || len < NR_PKT_ANNOT_V1_SIZE || val[0] != NR_ANNOT_TYPE_PACKET ||
	    val[1] < 1 || (val[1] == 2 && len < NR_PKT_ANNOT_V2_SIZE) ||
	    (val[1] >= 3 && len < NR_PKT_ANNOT_SIZE))
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->type = val[0];
	a->version = val[1];
	a->owner_src = val[2];
	a->flags = val[3];
	a->cpu = rd32(val + 4);
	a->seq = rd64(val + 8);
	a->cookie = rd64(val + 16);
	a->pid = rd32(val + 24);
	a->tid = rd32(val + 28);
	a->uid = rd32(val + 32);
	a->gid = rd32(val + 36);
	a->cgroup_id = rd64(val + 40);
	a->netns = rd32(val + 48);
	a->ifindex = rd32(val + 52);
	a->ktime_ns = rd64(val + 56);
	if (a->version >= 2) {
		a->parse = val[64];
		a->l4_proto = val[65];
		a->frag_id = rd32(val + 68);
	}
	if (a->version >= 3) {
		a->ns_pid = rd32(val + 72);
		a->ns_tid = rd32(val + 76);
		a->same_id = rd64(val + 80);
	}
	return 0;
}

/* The PEN opening a custom option's value is in the section's byte order,
 * unlike the little-endian layout that follows it. */
static int our_pen(const uint8_t *val, size_t len, int swapped)
{
	uint32_t pen;

	if (!val || len < 4)
		return 0;
	memcpy(&pen, val, 4);
	if (swapped)
		pen = __builtin_bswap32(pen);
	return pen == NR_PEN;
}

int nr_annot_from_option(const uint8_t *val, size_t len, int swapped,
			 struct nr_pkt_annot *a)
{
	if (!our_pen(val, len, swapped))
		return -EINVAL;
	return nr_annot_decode(val + 4, len - 4, a);
}

int nr_clock_from_option(const uint8_t *val, size_t len, int swapped,
			 struct nr_cb_clock *c)
{
	if (!our_pen(val, len, swapped))
		return -EINVAL;
	return nr_clock_decode(val + 4, len - 4, c);
}

/* ---- §6 clock, §7 statistics ---- */

void nr_clock_encode(const struct nr_cb_clock *c, uint8_t out[NR_CB_CLOCK_SIZE])
{
	le32(out, c->type);
	le32(out + 4, c->version);
	le64(out + 8, (uint64_t)c->mono_to_real_ns);
	le64(out + 16, c->uncertainty_ns);
	le64(out + 24, (uint64_t)c->measured_at_ns);
}

int nr_clock_decode(const uint8_t *data, size_t len, struct nr_cb_clock *c)
{
	if (!data || len < NR_CB_CLOCK_SIZE || rd32(data) != NR_CB_CLOCK ||
	    rd32(data + 4) < 1)
		return -EINVAL;
	c->type = rd32(data);
	c->version = rd32(data + 4);
	c->mono_to_real_ns = (int64_t)rd64(data + 8);
	c->uncertainty_ns = rd64(data + 16);
	c->measured_at_ns = (int64_t)rd64(data + 24);
	return 0;
}

void nr_stats_encode(const struct nr_cb_stats *s, uint8_t out[NR_CB_STATS_SIZE])
{
	le32(out, s->type);
	le32(out + 4, s->version);
	le64(out + 8, s->packets_written);
	le64(out + 16, s->events_written);
	le64(out + 24, s->packets_attributed);
	le64(out + 32, s->packets_kernel);
	le64(out + 40, s->ring_drops);
	le64(out + 48, s->other_drops);
	le64(out + 56, s->packets_filtered);
	le64(out + 64, (uint64_t)s->start_ns);
	le64(out + 72, (uint64_t)s->end_ns);
	le64(out + 80, s->packets_unparsed);
}

int nr_stats_decode(const uint8_t *data, size_t len, struct nr_cb_stats *s)
{
	if (!data || len < NR_CB_STATS_V1_SIZE || rd32(data) != NR_CB_STATS ||
	    rd32(data + 4) < 1 || (rd32(data + 4) >= 2 && len < NR_CB_STATS_SIZE))
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->type = rd32(data);
	s->version = rd32(data + 4);
	s->packets_written = rd64(data + 8);
	s->events_written = rd64(data + 16);
	s->packets_attributed = rd64(data + 24);
	s->packets_kernel = rd64(data + 32);
	s->ring_drops = rd64(data + 40);
	s->other_drops = rd64(data + 48);
	s->packets_filtered = rd64(data + 56);
	s->start_ns = (int64_t)rd64(data + 64);
	s->end_ns = (int64_t)rd64(data + 72);
	if (s->version >= 2)
		s->packets_unparsed = rd64(data + 80);
	return 0;
}

int nr_stats_from_option(const uint8_t *val, size_t len, int swapped,
			 struct nr_cb_stats *s)
{
	if (!our_pen(val, len, swapped))
		return -EINVAL;
	return nr_stats_decode(val + 4, len - 4, s);
}

uint32_t nr_cb_type(const uint8_t *data, size_t len)
{
	return data && len >= 4 ? rd32(data) : 0;
}

/* ---- §5 journal export entries ---- */

/*
 * The export format (systemd's "Journal Export Format"): each field is
 * either "NAME=value\n" (value without newline) or, for any value, the
 * binary form "NAME\n", a little-endian u64 length, the value, "\n". An
 * empty line ends the entry. A field name never contains '=' or '\n'.
 */
/* Index of the first '=' or '\n' in p[0..n), else n: eight bytes a step
 * (a byte b is one of them when b ^ '=' or b ^ '\n' is zero). */
static size_t name_end(const uint8_t *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w, a, b, m;

		memcpy(&w, p + i, 8);
		a = w ^ (ones * '=');
		b = w ^ (ones * '\n');
		m = ((a - ones) & ~a & highs) | ((b - ones) & ~b & highs);
		/* the lowest flag is exact (only bytes above a match can be
		 * flagged falsely); the bytes are in memory order on a little
		 * endian machine */
		if (m && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
			return i + (size_t)__builtin_ctzll(m) / 8;
		if (m)
			break;
	}
	for (; i < n && p[i] != '=' && p[i] != '\n'; i++)
		;
	return i;
}

int nr_jeb_next(const uint8_t *entry, size_t len, size_t *off, struct nr_jeb_fld *f)
{
	const uint8_t *line;
	size_t left, i, dlen;

	if (!entry || *off >= len)
		return 0;
	line = entry + *off;
	left = len - *off;
	/* NUL padding after the entry (a JEB body) ends it too. */
	if (line[0] == '\n' || line[0] == '\0')
		return 0;
	i = name_end(line, left);
	if (i == left)
		return 0; /* a name without '=' or newline: truncated */
	f->name = line;
	f->nlen = i;
	if (line[i] == '=') {
		const uint8_t *nl;

		f->val = line + i + 1;
		nl = memchr(f->val, '\n', left - i - 1);
		dlen = nl ? (size_t)(nl - f->val) : left - i - 1;
		*off += i + 1 + dlen + (nl ? 1 : 0);
	} else {
		/* binary: name '\n' le64 length, data, '\n' */
		uint64_t l64;

		if (left - i - 1 < 8)
			return 0;
		l64 = rd64(line + i + 1);
		if (l64 > left - i - 1 - 8)
			return 0;
		dlen = (size_t)l64;
		f->val = line + i + 1 + 8;
		*off += i + 1 + 8 + dlen;
		if (*off < len && entry[*off] == '\n')
			(*off)++;
	}
	f->vlen = dlen;
	return 1;
}

int nr_jeb_field(const uint8_t *entry, size_t len, const char *field,
		 const uint8_t **val, size_t *vlen)
{
	struct nr_jeb_fld f;
	size_t flen, off = 0;

	if (!entry || !field)
		return 0;
	flen = strlen(field);
	while (nr_jeb_next(entry, len, &off, &f) > 0) {
		if (f.nlen == flen && memcmp(f.name, field, flen) == 0) {
			*val = f.val;
			*vlen = f.vlen;
			return 1;
		}
	}
	return 0;
}

void nr_jeb_init(struct nr_jeb_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void nr_jeb_reset(struct nr_jeb_buf *b)
{
	b->len = 0;
	b->err = 0;
}

void nr_jeb_free(struct nr_jeb_buf *b)
{
	if (!b)
		return;
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

static int jeb_append(struct nr_jeb_buf *b, const void *p, size_t n)
{
	if (b->err)
		return b->err;
	if (!n)
		return 0;  /* nothing, and b->buf may not be there yet */
	if (n > b->cap - b->len) {
		size_t ncap = b->cap ? b->cap * 2 : 256;
		char *nb;

		while (ncap < b->len + n)
			ncap *= 2;
		nb = realloc(b->buf, ncap);
		if (!nb) {
			b->err = -ENOMEM;
			return b->err;
		}
		b->buf = nb;
		b->cap = ncap;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	return 0;
}

int nr_jeb_add(struct nr_jeb_buf *b, const char *field, const char *value, size_t vlen)
{
	size_t flen, start;

	if (b->err)
		return b->err;
	if (!field || !*field || strpbrk(field, "=\n") || (vlen && !value)) {
		b->err = -EINVAL;
		return b->err;
	}
	flen = strlen(field);
	start = b->len;
	if (vlen && memchr(value, '\n', vlen)) {
		uint8_t l[8];

		le64(l, vlen);
		jeb_append(b, field, flen);
		jeb_append(b, "\n", 1);
		jeb_append(b, l, 8);
	} else {
		jeb_append(b, field, flen);
		jeb_append(b, "=", 1);
	}
	if (vlen)
		jeb_append(b, value, vlen);
	jeb_append(b, "\n", 1);
	if (b->err)
		b->len = start; /* no half field */
	return b->err;
}

int nr_jeb_addf(struct nr_jeb_buf *b, const char *field, const char *fmt, ...)
{
	char small[256], *big = NULL;
	va_list ap;
	int n, err;

	if (b->err)
		return b->err;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = -EINVAL;
		return b->err;
	}
	if ((size_t)n < sizeof(small))
		return nr_jeb_add(b, field, small, (size_t)n);
	big = malloc((size_t)n + 1);
	if (!big) {
		b->err = -ENOMEM;
		return b->err;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	err = nr_jeb_add(b, field, big, (size_t)n);
	free(big);
	return err;
}

const char *nr_owner_src_name(unsigned src)
{
	static const char *const names[NR_OWNER_MAX] = {
		[NR_OWNER_UNKNOWN] = "unknown",
		[NR_OWNER_KERNEL] = "kernel",
		[NR_OWNER_SOCKET] = "socket",
		[NR_OWNER_ACCEPT] = "accept",
		[NR_OWNER_TUPLE] = "tuple",
		[NR_OWNER_PREEXIST] = "preexisting",
		[NR_OWNER_ICMP_ECHO] = "icmp_echo",
		[NR_OWNER_ICMP_QUOTE] = "icmp_quote",
		[NR_OWNER_LATE] = "late",
		[NR_OWNER_FRAGMENT] = "fragment",
		[NR_OWNER_FORWARDED] = "forwarded",
	};

	return src < NR_OWNER_MAX ? names[src] : "invalid";
}

const char *nr_parse_why_name(unsigned why)
{
	static const char *const names[NR_PARSE_WHY_MAX] = {
		[NR_PARSE_WHY_NONE] = "parsed",
		[NR_PARSE_WHY_TRUNCATED] = "truncated header",
		[NR_PARSE_WHY_BAD_HEADER] = "bad IP header",
		[NR_PARSE_WHY_EXT_CHAIN] = "too many IPv6 extension headers",
		[NR_PARSE_WHY_FRAG_UPPER] = "fragment of unknown protocol",
	};

	return why < NR_PARSE_WHY_MAX ? names[why] : "invalid";
}

static const struct {
	const char *name;
	const char *text;
} events[NR_EVENT_MAX] = {
	[NR_EVENT_STATE] = { NR_EV_STATE, "" },
	[NR_EVENT_RETRANSMIT] = { NR_EV_RETRANSMIT, "retransmit" },
	[NR_EVENT_RETRANSMIT_SYNACK] = { NR_EV_RETRANSMIT_SYNACK, "retransmit SYN-ACK" },
	[NR_EVENT_RESET_SENT] = { NR_EV_RESET_SENT, "reset sent" },
	[NR_EVENT_RESET_RECV] = { NR_EV_RESET_RECV, "reset received" },
	[NR_EVENT_SK_ERROR] = { NR_EV_SK_ERROR, "error" },
	[NR_EVENT_ZERO_WIN_ADV] = { NR_EV_ZERO_WIN_ADV, "zero window advertised" },
	[NR_EVENT_WIN_OPEN_ADV] = { NR_EV_WIN_OPEN_ADV, "window opened (advertised)" },
	[NR_EVENT_ZERO_WIN_RECV] = { NR_EV_ZERO_WIN_RECV, "zero window received" },
	[NR_EVENT_WIN_OPEN_RECV] = { NR_EV_WIN_OPEN_RECV, "window opened (received)" },
	[NR_EVENT_DESTROY] = { NR_EV_DESTROY, "socket destroyed" },
	[NR_EVENT_CONNECT] = { NR_EV_CONNECT, "connect" },
	[NR_EVENT_ACCEPT] = { NR_EV_ACCEPT, "accept" },
	[NR_EVENT_CLOSE] = { NR_EV_CLOSE, "close" },
};

const char *nr_event_name(unsigned ev)
{
	return ev < NR_EVENT_MAX ? events[ev].name : NULL;
}

enum nr_tcp_event nr_event_from_name(const char *name, size_t len)
{
	for (unsigned ev = 1; ev < NR_EVENT_MAX; ev++)
		if (strlen(events[ev].name) == len && memcmp(events[ev].name, name, len) == 0)
			return (enum nr_tcp_event)ev;
	return 0;
}

const char *nr_event_text(unsigned ev)
{
	return ev < NR_EVENT_MAX && events[ev].text ? events[ev].text : "";
}

const char *nr_tcp_state_name(unsigned state)
{
	static const char *const names[] = {
		[1] = "ESTABLISHED", [2] = "SYN_SENT", [3] = "SYN_RECV", [4] = "FIN_WAIT1",
		[5] = "FIN_WAIT2", [6] = "TIME_WAIT", [7] = "CLOSE", [8] = "CLOSE_WAIT",
		[9] = "LAST_ACK", [10] = "LISTEN", [11] = "CLOSING", [12] = "NEW_SYN_RECV",
		[13] = "BOUND_INACTIVE",
	};

	if (state < sizeof(names) / sizeof(names[0]) && names[state])
		return names[state];
	return "UNKNOWN";
}

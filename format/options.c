// SPDX-License-Identifier: GPL-2.0-only
/*
 * Option lists for the pcapng writer (struct pcapng_opts): options are
 * encoded as the specification lays them out (code, length, value padded
 * to 4 with zeros), in host byte order; a swapping writer converts them
 * when it writes the block (format/writer.c). Errors are remembered in the
 * list and reported by the write call that uses it, so callers may chain
 * adds without checking each one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pcapng.h"

#define PAD4(n) (((n) + 3) / 4 * 4)

void pcapng_opts_init(struct pcapng_opts *o)
{
	memset(o, 0, sizeof(*o));
}

void pcapng_opts_reset(struct pcapng_opts *o)
{
	o->len = 0;
	o->err = 0;
}

void pcapng_opts_free(struct pcapng_opts *o)
{
	if (!o)
		return;
	free(o->buf);
	memset(o, 0, sizeof(*o));
}

/* Remembers the first error; the write that uses the list reports it. */
static int opts_fail(struct pcapng_opts *o, int err)
{
	if (!o->err)
		o->err = err;
	return o->err;
}

/* Reserve an option of len value bytes; returns where the value goes. */
static uint8_t *opts_put(struct pcapng_opts *o, uint16_t code, size_t len)
{
	size_t need = 4 + PAD4(len);
	uint8_t *p;
	uint16_t l16 = (uint16_t)len;

	if (o->err)
		return NULL;
	if (code == PCAPNG_OPT_ENDOFOPT || len > 0xFFFF) {
		opts_fail(o, -EINVAL);
		return NULL;
	}
	if (need > o->cap - o->len) {
		size_t ncap = o->cap ? o->cap * 2 : 128;
		uint8_t *nb;

		while (ncap < o->len + need)
			ncap *= 2;
		nb = realloc(o->buf, ncap);
		if (!nb) {
			opts_fail(o, -ENOMEM);
			return NULL;
		}
		o->buf = nb;
		o->cap = ncap;
	}
	p = o->buf + o->len;
	memcpy(p, &code, 2);
	memcpy(p + 2, &l16, 2);
	memset(p + 4, 0, PAD4(len));
	o->len += need;
	return p + 4;
}

int pcapng_opts_add(struct pcapng_opts *o, uint16_t code, const void *val, size_t len)
{
	uint8_t *p;

	if (len && !val)
		return opts_fail(o, -EINVAL);
	p = opts_put(o, code, len);
	if (!p)
		return o->err;
	if (len)
		memcpy(p, val, len);
	return 0;
}

int pcapng_opts_add_str(struct pcapng_opts *o, uint16_t code, const char *s)
{
	if (!s)
		return opts_fail(o, -EINVAL);
	return pcapng_opts_add(o, code, s, strlen(s));
}

int pcapng_opts_add_u8(struct pcapng_opts *o, uint16_t code, uint8_t v)
{
	return pcapng_opts_add(o, code, &v, 1);
}

int pcapng_opts_add_u32(struct pcapng_opts *o, uint16_t code, uint32_t v)
{
	return pcapng_opts_add(o, code, &v, 4);
}

int pcapng_opts_add_u64(struct pcapng_opts *o, uint16_t code, uint64_t v)
{
	return pcapng_opts_add(o, code, &v, 8);
}

int pcapng_opts_add_i64(struct pcapng_opts *o, uint16_t code, int64_t v)
{
	return pcapng_opts_add(o, code, &v, 8);
}

int pcapng_opts_add_pid_tid(struct pcapng_opts *o, uint32_t pid, uint32_t tid)
{
	uint32_t v[2] = { pid, tid };

	return pcapng_opts_add(o, PCAPNG_EPB_PID_TID, v, 8);
}

int pcapng_opts_add_ts(struct pcapng_opts *o, uint16_t code, uint64_t ts)
{
	uint32_t v[2] = { (uint32_t)(ts >> 32), (uint32_t)ts };

	return pcapng_opts_add(o, code, v, 8);
}

int pcapng_opts_add_typed(struct pcapng_opts *o, uint16_t code, uint8_t type,
			  const void *data, size_t len)
{
	uint8_t *p;

	if (len > 0xFFFF - 1 || (len && !data))
		return opts_fail(o, -EINVAL);
	p = opts_put(o, code, 1 + len);
	if (!p)
		return o->err;
	p[0] = type;
	if (len)
		memcpy(p + 1, data, len);
	return 0;
}

int pcapng_opts_add_custom(struct pcapng_opts *o, uint16_t code, uint32_t pen,
			   const void *data, size_t len)
{
	uint8_t *p;

	if (len > 0xFFFF - 4 || (len && !data))
		return opts_fail(o, -EINVAL);
	p = opts_put(o, code, 4 + len);
	if (!p)
		return o->err;
	memcpy(p, &pen, 4);
	if (len)
		memcpy(p + 4, data, len);
	return 0;
}

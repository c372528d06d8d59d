// SPDX-License-Identifier: GPL-2.0-only
/*
 * Addresses as text without printf (record/text.h). The IPv6 form follows
 * glibc's inet_ntop exactly, so that text netrec writes compares equal to
 * what other tools print: the longest run of two or more zero groups
 * (the first of equal runs) becomes "::", groups are lower-case hex without
 * leading zeros, and ::ffff:a.b.c.d and ::a.b.c.d keep their IPv4 tails.
 */
#include "text.h"

static char *text_ip4(char *p, const uint8_t *a)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = text_u64(p, a[i]);
	}
	return p;
}

static char *text_hex16(char *p, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	int started = 0;

	for (int s = 12; s >= 0; s -= 4) {
		unsigned d = (v >> s) & 0xf;

		if (d || started || s == 0) {
			*p++ = hex[d];
			started = 1;
		}
	}
	return p;
}

char *text_addr(char *p, uint8_t family, const uint8_t *a)
{
	unsigned w[8];
	int best = -1, best_len = 0, cur = -1, cur_len = 0;

	if (family != 10)
		return text_ip4(p, a);
	for (int i = 0; i < 8; i++) {
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
		if (!w[i]) {
			if (cur < 0) {
				cur = i;
				cur_len = 1;
			} else {
				cur_len++;
			}
			if (cur_len > best_len) {
				best = cur;
				best_len = cur_len;
			}
		} else {
			cur = -1;
		}
	}
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		/* IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) */
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)))
			return text_ip4(p, a + 12);
		p = text_hex16(p, w[i]);
	}
	if (best >= 0 && best + best_len == 8)
		*p++ = ':';
	return p;
}

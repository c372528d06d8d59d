/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Numbers and addresses as text without printf, for what netrec writes per
 * record (journal entries, owner comments). Each routine writes at p and
 * returns the end; callers size their buffers from the maxima below.
 * IPv6 addresses come out as glibc's inet_ntop(3) writes them (RFC 5952
 * compression, lower-case hex, the IPv4-mapped and -compatible forms).
 */
#ifndef NETREC_RECORD_TEXT_H
#define NETREC_RECORD_TEXT_H

#include <stdint.h>
#include <string.h>

#define TEXT_U64_MAX 20          /* 18446744073709551615 */
#define TEXT_ADDR_MAX 46         /* INET6_ADDRSTRLEN - 1 */

/* Two digits a division: the per-record numbers (ns timestamps, cookies)
 * have up to 20. */
static const char text_digits2[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

static inline char *text_u64(char *p, uint64_t v)
{
	char tmp[TEXT_U64_MAX];
	int n = TEXT_U64_MAX;

	while (v >= 100) {
		unsigned d = (unsigned)(v % 100) * 2;

		v /= 100;
		tmp[--n] = text_digits2[d + 1];
		tmp[--n] = text_digits2[d];
	}
	if (v >= 10) {
		tmp[--n] = text_digits2[v * 2 + 1];
		tmp[--n] = text_digits2[v * 2];
	} else {
		tmp[--n] = (char)('0' + v);
	}
	memcpy(p, tmp + n, (size_t)(TEXT_U64_MAX - n));
	return p + (TEXT_U64_MAX - n);
}

static inline char *text_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		return text_u64(p, (uint64_t)0 - (uint64_t)v);
	}
	return text_u64(p, (uint64_t)v);
}

static inline char *text_mem(char *p, const void *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

/* A string literal, its length known at compile time. */
#define text_lit(p, s) text_mem((p), (s), sizeof(s) - 1)

/* family: 2 (AF_INET, 4 bytes of a) or 10 (AF_INET6, 16 bytes). */
char *text_addr(char *p, uint8_t family, const uint8_t *a);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Integers as decimal text without printf, for what both tools write per
 * record or per cell (netrec's journal entries, netanalyze's CSV). Each
 * routine writes at p (at most TEXT_U64_MAX bytes, TEXT_I64_MAX with a
 * sign; no NUL) and returns the end.
 */
#ifndef NETREC_FORMAT_NUMTEXT_H
#define NETREC_FORMAT_NUMTEXT_H

#include <stdint.h>
#include <string.h>

#define TEXT_U64_MAX 20          /* 18446744073709551615 */
#define TEXT_I64_MAX 20          /* -9223372036854775808 */

/* Two digits a division: the per-record numbers (ns timestamps, cookies)
 * have up to 20. The length is found first, so that the digits are
 * written in place, from the last. */
static const char text_digits2[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

static inline unsigned text_u64_len(uint64_t v)
{
	static const uint64_t p10[TEXT_U64_MAX] = {
		1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
		100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL,
		1000000000000ULL, 10000000000000ULL, 100000000000000ULL,
		1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
		1000000000000000000ULL, 10000000000000000000ULL,
	};
	uint64_t u = v | 1;      /* the same length; no power of ten is odd but 1 */
	/* log10(2) ~ 1233/4096: t is the length less one, or one too many */
	unsigned t = ((64 - (unsigned)__builtin_clzll(u)) * 1233) >> 12;

	return t - (u < p10[t]) + 1;
}

/* Eight digits ending at end (v < 10^8), as four independent pairs. */
static inline void text_8digits(char *end, uint32_t v)
{
	uint32_t hi = v / 10000, lo = v % 10000;
	unsigned a = (hi / 100) * 2, b = (hi % 100) * 2, c = (lo / 100) * 2, d = (lo % 100) * 2;

	memcpy(end - 8, text_digits2 + a, 2);
	memcpy(end - 6, text_digits2 + b, 2);
	memcpy(end - 4, text_digits2 + c, 2);
	memcpy(end - 2, text_digits2 + d, 2);
}

static inline char *text_u64(char *p, uint64_t v)
{
	char *end = p + text_u64_len(v), *q = end;
	uint32_t w;

	/* 64-bit divisions only to split off eight digits at a time */
	while (v >= 100000000) {
		text_8digits(q, (uint32_t)(v % 100000000));
		v /= 100000000;
		q -= 8;
	}
	w = (uint32_t)v;
	while (w >= 100) {
		unsigned d = (w % 100) * 2;

		w /= 100;
		*--q = text_digits2[d + 1];
		*--q = text_digits2[d];
	}
	if (w >= 10) {
		*--q = text_digits2[w * 2 + 1];
		*--q = text_digits2[w * 2];
	} else {
		*--q = (char)('0' + w);
	}
	return end;
}

static inline char *text_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		return text_u64(p, (uint64_t)0 - (uint64_t)v);
	}
	return text_u64(p, (uint64_t)v);
}

#endif

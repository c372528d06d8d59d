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

#include "numtext.h"

#define TEXT_ADDR_MAX 46         /* INET6_ADDRSTRLEN - 1 */

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

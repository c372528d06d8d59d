/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interned strings: text that repeats from record to record (command
 * names, addresses in the sockets table) is stored once and carried as a
 * 32-bit id. Ids are stable for the table's life and strings never move,
 * so another thread may read a string whose id it was handed (through a
 * queue that orders the two). Any thread may intern. Bounded: past max_bytes nothing new is
 * stored (strtab_intern returns 0 and strtab_full says so).
 */
#ifndef NETANALYZE_STRTAB_H
#define NETANALYZE_STRTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STRTAB_MAX_LEN 1023   /* longer strings are not interned */

struct strtab;

/* NULL when out of memory. */
struct strtab *strtab_new(size_t max_bytes);
void strtab_free(struct strtab *t);       /* accepts NULL */
/* The id of s[0..len) (0 < id), storing it if new; 0 when len is 0 or
 * above STRTAB_MAX_LEN, or the table is full or out of memory. */
uint32_t strtab_intern(struct strtab *t, const char *s, size_t len);
/* The NUL-terminated string of id; NULL for 0. */
const char *strtab_get(const struct strtab *t, uint32_t id);
/* Length of the string of id (0 for 0). */
size_t strtab_len(const struct strtab *t, uint32_t id);
/* Something could not be stored because the table was full. */
bool strtab_full(const struct strtab *t);

#endif

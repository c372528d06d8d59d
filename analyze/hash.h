/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * XXH64, streamed: the content hash that identifies an input file
 * (files.hash). Fast (several GB/s), not cryptographic: it tells a file
 * netanalyze has loaded from one it has not, it does not defend against a
 * file made to collide.
 */
#ifndef NETANALYZE_HASH_H
#define NETANALYZE_HASH_H

#include <stddef.h>
#include <stdint.h>

struct hash {
	uint64_t v[4];
	uint64_t total;
	uint8_t buf[32];
	size_t buf_len;
};

void hash_init(struct hash *h);
void hash_update(struct hash *h, const void *data, size_t len);
uint64_t hash_final(const struct hash *h);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/* Later IP fragments carry no transport header, so nothing in them names a
 * socket: they take the owner of their datagram's first fragment, linked
 * by addresses, protocol and fragment identification. */
#ifndef NETREC_RECORD_FRAG_H
#define NETREC_RECORD_FRAG_H

#include <stdint.h>

#include "netrec.h"

/* A first fragment and its owner (src: the file's owner source). */
void frag_learn(const struct nr_pkt *p, const uint8_t *data, const struct nr_owner *o,
		uint8_t src);
/* The owner learned for a later fragment's datagram: 0, or -ENOENT. */
int frag_owner(const struct nr_pkt *p, const uint8_t *data, struct nr_owner *o,
	       uint8_t *src);

#endif

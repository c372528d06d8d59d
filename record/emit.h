/* SPDX-License-Identifier: GPL-2.0-only */
/* What happens to a record when it leaves the reorder window: late owners,
 * the user's selection, and the file. */
#ifndef NETREC_RECORD_EMIT_H
#define NETREC_RECORD_EMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "output.h"
#include "reorder.h"
#include "select.h"

struct emit {
	struct select sel;
	struct out *out;
	int64_t mono_to_real_ns;
	uint64_t count;          /* -c: packets to write, 0: no limit */
	bool done;               /* -c reached or the output failed: write no more */
	int err;                 /* the error that stopped the output */
};

/* Writes one record, or counts it as filtered out or lost. */
void emit_record(struct emit *em, struct rec *r);

#endif

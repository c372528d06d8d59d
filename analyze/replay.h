/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A kept database read back as a source of the time-order merge (order.h),
 * so that files added to it make one timeline with those loaded before:
 * its packets and journal records come back as the rows the builders made
 * (rows.h), in their order (their ids), each journal process record with
 * its processes row.
 */
#ifndef NETANALYZE_REPLAY_H
#define NETANALYZE_REPLAY_H

#include "analyze.h"
#include "order.h"
#include "pool.h"
#include "strtab.h"

struct replay;

int replay_open(struct replay **out, sqlite3 *db, struct pool *pkts, struct strtab *strs,
		struct an_err *e);
void replay_close(struct replay *r);   /* accepts NULL */
/* order_source.next */
int replay_next(void *ctx, struct order_rec *out, struct an_err *e);

#endif

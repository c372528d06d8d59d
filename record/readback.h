/* SPDX-License-Identifier: GPL-2.0-only */
/* netrec -r and -D: reading a recording back, listing what can be recorded. */
#ifndef NETREC_RECORD_READBACK_H
#define NETREC_RECORD_READBACK_H

struct opts;

/* netrec -r FILE [expression]: the packet listing of netanalyze --packets
 * (record/readback.c). Returns the exit status. */
int readback_run(const struct opts *o);
/* netrec -D: the interfaces of this network namespace and the network
 * namespaces on the machine (record/listifs.c). Returns the exit status. */
int listifs_run(void);

#endif

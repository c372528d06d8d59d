/* SPDX-License-Identifier: GPL-2.0-only */
/* Kernel events and process records as systemd Journal Export Blocks
 * (docs/format.md §5). */
#ifndef NETREC_RECORD_JOURNAL_H
#define NETREC_RECORD_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "pcapng.h"
#include "profile.h"
#include "netrec.h"
#include "proc.h"

/* A TCP event (§5.1) owned as src says (the file's owner source), described
 * by pi when a process owns it; window: the window in bytes for window
 * events; netns: the recording's, for events that do not name theirs.
 * -ENODEV for an event type the profile has no name for. */
int journal_event(struct pcapng_writer *w, const struct nr_event *e, uint8_t src,
		  const struct proc_info *pi, int64_t ts_ns, uint32_t window, uint32_t netns);
/* Tests: whether journal_event keeps the text an event shares with its
 * socket's other events (on by default); either way the cache is emptied. */
void journal_cache_enable(bool on);
/* A process record (§5.3); jb is scratch space kept between calls;
 * hostname: the recording host's name, or "" for none. */
int journal_process(struct pcapng_writer *w, struct nr_jeb_buf *jb, const struct proc_info *pi,
		    int64_t mono_to_real_ns, const char *hostname);

#endif

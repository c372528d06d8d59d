// SPDX-License-Identifier: GPL-2.0-only
/*
 * The user's selection, applied to records as they are written: owners by
 * pid (and descendants), command name and cgroup, read from the process
 * table; packets by the libpcap expression, run on the packet exactly as
 * it is written (SLL2, as tcpdump -i any shows it); events by whether
 * their connection's packets matched. Nothing here writes or counts.
 */
#include <string.h>

#include "profile.h"
#include "intake.h"
#include "proc.h"
#include "select.h"
#include "track.h"

bool select_owner(const struct select *s, const struct nr_owner *ow, uint8_t src)
{
	const struct opts *o = s->o;
	struct proc_info *pi;
	bool ok;

	if (!o->npids && !o->ncomms && !o->cgroup)
		return true;
	if (!src_is_process(src))
		return false;
	pi = proc_of(ow, 0);
	ok = !o->npids && !o->ncomms;
	for (int i = 0; !ok && i < o->npids; i++)
		/* descent from this process's own parent: its pid may since
		 * name another process */
		ok = ow->pid == o->pids[i] ||
		     (o->children && pi && pi->parent_known &&
		      proc_is_descendant(pi->ppid, o->pids[i]));
	for (int i = 0; !ok && i < o->ncomms; i++) {
		ok = strncmp(ow->comm, o->comms[i], 15) == 0 ||
		     (pi && strcmp(pi->comm, o->comms[i]) == 0);
		if (!ok && o->children && pi && pi->parent_known) {
			uint32_t p = pi->ppid;

			for (int d = 0; !ok && p > 1 && d < 64; d++) {
				struct proc_info *pp = proc_by_pid(p);

				if (!pp || !pp->parent_known)
					break;
				ok = strcmp(pp->comm, o->comms[i]) == 0;
				p = pp->ppid;
			}
		}
	}
	if (ok && o->cgroup) {
		size_t n = strlen(o->cgroup);

		ok = pi && pi->cgroup && strncmp(pi->cgroup, o->cgroup, n) == 0 &&
		     (pi->cgroup[n] == '\0' || pi->cgroup[n] == '/' || o->cgroup[n - 1] == '/');
	}
	return ok;
}

bool select_packet(const struct select *s, const uint8_t *pkt, uint32_t caplen,
		   uint32_t origlen)
{
	return !s->filter || filter_match(s->filter, pkt, caplen, origlen);
}

bool select_event(const struct select *s, const struct nr_event *e, const struct nr_tuple *t)
{
	uint8_t buf[20 + 60];
	struct nr_tuple ct;
	struct nr_event ce;

	/* connect() enters SYN_SENT before the local port is chosen: that
	 * event is of the connection its socket's SYN opened (same remote
	 * end), and is selected as that connection's */
	if (!t->lport && t->rport && (s->o->nifaces || s->filter) &&
	    track_by_cookie(e->owner.cookie, &ct) == 0 && ct.rport == t->rport &&
	    ct.family == t->family && !memcmp(ct.raddr, t->raddr, sizeof(ct.raddr))) {
		t = &ct;
		memcpy(&ce, e, sizeof(ce));
		ce.sport = ct.lport;
		memcpy(ce.saddr, ct.laddr, sizeof(ce.saddr));
		e = &ce;
	}

	/* -i: only events of connections with packets on the chosen
	 * interfaces (their packets were learned before the event is
	 * written: the reorder window holds it) */
	if (s->o->nifaces && !track_captured(t))
		return false;
	if (!s->filter)
		return true;
	if (track_matched(t))
		return true;
	for (int dir = 0; dir < 2; dir++) {
		uint32_t len = track_synth_packet(e, dir, buf, sizeof(buf));

		if (len && filter_match(s->filter, buf, len, len))
			return true;
	}
	return false;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The last step of a record's way through netrec, in time order: a packet
 * the kernel could not attribute may take the owner learned since from its
 * connection (late) or, for a later fragment, from its datagram's first
 * fragment (fragment), and an accepted connection still named after its
 * listener the task that accepted it; then the user's selection; then the
 * process record, once per file, before the first record that names it;
 * then the record itself. A record that cannot be written where it belongs
 * (an interface without its IDB, an event without a name) is counted as
 * lost, never dropped silently.
 */
#include <errno.h>

#include "profile.h"
#include "intake.h"
#include "emit.h"
#include "epb.h"
#include "frag.h"
#include "proc.h"
#include "track.h"

static bool is_process(uint8_t src)
{
	return src_is_process(src);
}

static int emit_packet(struct emit *em, struct rec *r, int64_t ts)
{
	static uint8_t buf[SLL2_LEN + NR_MAX_COPY];
	const struct nr_pkt *p = (const void *)r->data;
	const uint8_t *data = r->data + sizeof(*p);
	const struct nr_owner *ow = &p->owner;
	struct proc_info *pi = NULL;
	struct nr_owner late;
	struct nr_tuple rev;
	uint8_t src = r->src, fsrc;
	int err;

	if (src == NR_OWNER_UNKNOWN && (p->pflags & NR_PF_LATER_FRAG) &&
	    frag_owner(p, data, &late, &fsrc) == 0) {
		ow = &late;
		src = fsrc == NR_OWNER_KERNEL ? NR_OWNER_KERNEL : NR_OWNER_FRAGMENT;
	} else if (src == NR_OWNER_UNKNOWN && r->has_tuple &&
		   track_late_owner(&r->t, &late) == 0) {
		ow = &late;
		src = NR_OWNER_LATE;
	} else if (src == NR_OWNER_FWD_NOBODY && r->has_tuple &&
		   (track_late_owner_any(&r->t, &late) == 0 ||
		    (track_reverse(&r->t, &rev), track_late_owner_any(&rev, &late) == 0))) {
		/* forwarded: a socket of this host at either end, learned since */
		ow = &late;
		src = NR_OWNER_FORWARDED;
	} else if (src == NR_OWNER_ACCEPT && r->has_tuple && !(ow->flags & NR_OWN_CLAIMED) &&
		   track_acceptor(&r->t, &late) == 0 &&
		   (late.pid != ow->pid || late.tid != ow->tid)) {
		/* still the listener's owner: another task accepted and used
		 * the socket within the hold window */
		ow = &late;
		src = NR_OWNER_LATE;
	}
	out_count_seen(em->out, (int)p->ifindex);
	if (!select_owner(&em->sel, ow, src)) {
		out_count_filtered(em->out);
		return 0;
	}
	if (em->sel.filter) {
		uint32_t origlen, caplen = out_build_sll2(em->out, p, data, buf, &origlen);

		if (!select_packet(&em->sel, buf, caplen, origlen)) {
			out_count_filtered(em->out);
			return 0;
		}
		if (r->has_tuple)
			track_mark_matched(&r->t);
	}
	if (is_process(src)) {
		pi = proc_of(ow, ts);
		err = out_process(em->out, pi);
		if (err)
			return err;
	}
	err = out_packet(em->out, p, data, ow, src, pi, ts, r->same_id, r->copy);
	if (!err && em->count && out_totals(em->out)->packets_written >= em->count)
		em->done = true;
	return err;
}

static int emit_event(struct emit *em, struct rec *r, int64_t ts)
{
	const struct nr_event *e = (const void *)r->data;
	struct proc_info *pi = NULL;
	int err;

	if (!select_owner(&em->sel, &e->owner, r->src) || !select_event(&em->sel, e, &r->t))
		return 0;
	if (is_process(r->src)) {
		pi = proc_of(&e->owner, ts);
		err = out_process(em->out, pi);
		if (err)
			return err;
	}
	return out_event(em->out, e, r->src, pi, ts, track_window_bytes(&r->t, e));
}

void emit_record(struct emit *em, struct rec *r)
{
	int64_t ts = (int64_t)r->ktime_ns + em->mono_to_real_ns;
	int err;

	if (em->done)
		return;
	out_maybe_rotate(em->out, ts);
	err = r->kind == NR_REC_PKT ? emit_packet(em, r, ts) : emit_event(em, r, ts);
	if (err == -ENODEV) {
		out_count_lost(em->out, 1);
	} else if (err) {
		em->err = err;
		em->done = true;
	}
}

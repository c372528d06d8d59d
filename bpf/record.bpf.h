/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Putting records into the ring buffer: the CPU's slot (sequence number,
 * drop counters, packet scratch space), when to wake the reader, and the
 * start of an event record. Every record that cannot be delivered is
 * counted here, on its CPU and on its interface; its sequence number is
 * used all the same, so that a reader sees the gap (docs/format.md §8).
 */
#ifndef NETREC_BPF_RECORD_BPF_H
#define NETREC_BPF_RECORD_BPF_H

#include "common.bpf.h"

static __always_inline struct nr_cpu_slot *cpu_slot(void)
{
	__u32 k = bpf_get_smp_processor_id();
	struct nr_cpu_slot *s = bpf_map_lookup_elem(&cpu_slots, &k);

	if (!s)
		__sync_fetch_and_add(&lost_no_slot, 1);
	return s;
}

static __always_inline __u64 next_seq(struct nr_cpu_slot *s)
{
	return __sync_fetch_and_add(&s->st.seq, 1) + 1;
}

/* A record for interface ifindex of namespace netns (ifindex 0: an event)
 * could not be delivered. */
static __always_inline void count_drop(struct nr_cpu_slot *s, __u32 netns, __u32 ifindex)
{
	__u64 key = (__u64)netns << 32 | ifindex;
	__u32 *slot = ifindex ? bpf_map_lookup_elem(&if_slots, &key) : 0;
	__u32 i = slot ? *slot & (NR_IF_SLOTS - 1) : 0;

	__sync_fetch_and_add(&s->st.ring_drops, 1);
	__sync_fetch_and_add(&s->st.if_drops[i], 1);
}

/* The reader is woken only when a quarter of the ring is queued (or for a
 * new process, announce()); otherwise it reads on its own timer. A wake-up
 * per record (an interrupt and a scheduler round trip each) costs more
 * than the record: past the mark, each CPU wakes it once until it has read
 * something, not once per record (a reader that fell behind would be
 * buried in interrupts). */
static __always_inline __u64 wake_flags(struct nr_cpu_slot *s)
{
	__u64 cons;

	if (bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA) <= wake_bytes)
		return BPF_RB_NO_WAKEUP;
	cons = bpf_ringbuf_query(&rb, BPF_RB_CONS_POS) + 1;
	if (s->st.woke_at == cons)
		return BPF_RB_NO_WAKEUP;
	s->st.woke_at = cons;
	return BPF_RB_FORCE_WAKEUP;
}

/* o names a process (pid, start time, exec count), whose group leader is
 * l: tell user space, at once, the first time the kernel side sees it take
 * a socket, with its parent then (-p PID --children must know a child
 * that has exited before user space reads /proc). btf: l came from
 * bpf_get_current_task_btf() (plain loads), else its fields are probe
 * reads. */
static __always_inline void announce(const struct nr_owner *o, struct task_struct *l, int btf)
{
	struct nr_proc_seen *seen = bpf_map_lookup_elem(&procs, &o->pid), now = {};
	struct nr_cpu_slot *s;
	struct nr_proc *r;

	if (seen && seen->start_ns == o->start_ns && seen->exec_id == o->exec_id)
		return;
	now.start_ns = o->start_ns;
	now.exec_id = o->exec_id;
	bpf_map_update_elem(&procs, &o->pid, &now, BPF_ANY);
	r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);
	if (!r) {
		s = cpu_slot();
		if (s)
			__sync_fetch_and_add(&s->st.proc_drops, 1);
		return;
	}
	r->kind = NR_REC_PROC;
	r->pad[0] = r->pad[1] = r->pad[2] = 0;
	r->cpu = bpf_get_smp_processor_id();
	r->ktime_ns = bpf_ktime_get_ns();
	r->owner = *o;
	r->owner.zwin = 0;
	r->ppid = btf ? l->real_parent->tgid : BPF_CORE_READ(l, real_parent, tgid);
	r->pad2 = 0;
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
}

/* An event record with its kind, type, CPU, sequence and time filled in
 * and everything else zero; NULL when the user did not ask for the event,
 * or when the ring is full (counted). with_stack (a constant, or
 * kernel_stack: known to the verifier either way) makes room for
 * NR_STACK_MAX frames after it, filled by event_stack(). */
static __always_inline struct nr_event *event_reserve_sz(struct nr_cpu_slot **sp, __u32 type,
							 int with_stack)
{
	struct nr_cpu_slot *s;
	struct nr_event *e;
	__u64 seq;

	if (!(event_mask & (1U << type)))
		return 0;
	s = cpu_slot();
	if (!s)
		return 0;
	seq = next_seq(s);
	if (with_stack)
		e = bpf_ringbuf_reserve(&rb, sizeof(*e) + NR_STACK_MAX * 8, 0);
	else
		e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e) {
		count_drop(s, 0, 0);
		return 0;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->kind = NR_REC_EVENT;
	e->type = type;
	e->cpu = bpf_get_smp_processor_id();
	e->seq = seq;
	e->ktime_ns = bpf_ktime_get_ns();
	*sp = s;
	return e;
}

/* Events from packets (tc) carry no stack. */
static __always_inline struct nr_event *event_reserve(struct nr_cpu_slot **sp, __u32 type)
{
	return event_reserve_sz(sp, type, 0);
}

/* The kernel stack of the running tracepoint into the room after e
 * (reserved with kernel_stack set). bpf_get_stack zeroes what it does not
 * fill, and everything on failure. */
static __always_inline void event_stack(void *ctx, struct nr_event *e)
{
	long n;

	if (!kernel_stack)
		return;
	n = bpf_get_stack(ctx, (void *)(e + 1), NR_STACK_MAX * 8, 0);
	e->nframes = n > 0 ? (__u64)n / 8 : 0;
}

static __always_inline void event_submit(struct nr_cpu_slot *s, struct nr_event *e)
{
	bpf_ringbuf_submit(e, wake_flags(s));
}

#endif

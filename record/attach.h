/* SPDX-License-Identifier: GPL-2.0-only */
/* Loading netrec's BPF programs, attaching them, and reading their counters. */
#ifndef NETREC_RECORD_ATTACH_H
#define NETREC_RECORD_ATTACH_H

#include <stdbool.h>
#include <stdint.h>
#include <bpf/libbpf.h>

struct nr_bpf;

struct nr_bpf_cfg {
	uint32_t snap_l3;     /* packet bytes kept from the network header on */
	uint32_t netns;       /* inode of the network namespace recorded; 0: all */
	bool more_netns;      /* others too, given by nr_bpf_netns_add() */
	uint32_t event_mask;  /* 1 << enum nr_ev_type of the events wanted */
	uint32_t ring_bytes;  /* ring buffer size: a power of two, >= 1 MiB */
	bool events;          /* load the event tracepoints at all */
	bool kernel_stack;    /* events carry their kernel stack (-K) */
};

/* Opens, loads and attaches everything but tc: socket-owner hooks and
 * event tracepoints. What the kernel lacks is reported and left out;
 * fails only when packets cannot be captured at all. */
int nr_bpf_open(struct nr_bpf **out, const struct nr_bpf_cfg *cfg);
void nr_bpf_close(struct nr_bpf *b); /* detaches everything; accepts NULL */
/* Records the sockets of network namespace inode too (more_netns). */
int nr_bpf_netns_add(struct nr_bpf *b, uint32_t inode);
int nr_bpf_netns_del(struct nr_bpf *b, uint32_t inode);
/* Gives the owners of sockets open before start-up to the kernel side;
 * *found receives how many sockets got an owner. */
int nr_bpf_scan_preexisting(struct nr_bpf *b, int *found);
/* The second half of that scan for the network namespace netrec is in now
 * (another one it follows, entered with setns). */
int nr_bpf_scan_iter(struct nr_bpf *b, int *found);
/* Attaches the packet programs to an interface; egress only when
 * ingress is false (loopback: every packet passes both). */
int nr_bpf_tc_attach(struct nr_bpf *b, int ifindex, bool l3_device, bool ingress);
void nr_bpf_tc_detach(struct nr_bpf *b, int ifindex);
/* The same for an interface of another namespace (inode netns), known by
 * key, while the calling thread is in that namespace (tcx links only). */
int nr_bpf_tc_attach_key(struct nr_bpf *b, int key, uint32_t netns, int ifindex, bool l3_device,
			 bool ingress);
/* The keys of the interfaces attached to (at most max); returns how many. */
/* How many interfaces it is attached to. */
int nr_bpf_tc_count(const struct nr_bpf *b);
int nr_bpf_tc_keys(const struct nr_bpf *b, int *keys, int max);
struct ring_buffer *nr_bpf_ring(struct nr_bpf *b, ring_buffer_sample_fn fn, void *ctx);
/* Records the kernel could not queue: all, or those of one interface, by
 * its key (0: events, and interfaces past the first 255). Read from a
 * mapping, without system calls: they work after -Z. */
uint64_t nr_bpf_ring_drops(struct nr_bpf *b);
uint64_t nr_bpf_if_drops(struct nr_bpf *b, uint32_t ifindex);
/* Whether the socket-owner hooks are attached (attribution possible). */
bool nr_bpf_have_owners(const struct nr_bpf *b);

#endif

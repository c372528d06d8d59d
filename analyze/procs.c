/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Processes per (file, pid) (procs.h): an array of entries in the order
 * first seen, found through a u64map keyed by file and pid.
 */
#include <stdlib.h>
#include <string.h>

#include "procs.h"

struct procs_ent {
	int64_t pid;
	int64_t ts_ns;           /* first comment naming it */
	uint32_t file_id;
	uint32_t comm;           /* from the first comment */
	uint32_t jcomm;          /* from a process record */
	uint32_t uid, gid;
	bool comment, journal, has_owner;
};

static uint64_t key_of(uint32_t file_id, int64_t pid)
{
	return (uint64_t)pid * 0x9e3779b97f4a7c15ULL ^ file_id;
}

void procs_init(struct procs *p, uint32_t max)
{
	memset(p, 0, sizeof(*p));
	u64map_init(&p->map, max);
}

void procs_free(struct procs *p)
{
	u64map_free(&p->map);
	free(p->ents);
	memset(p, 0, sizeof(*p));
}

static struct procs_ent *find(const struct procs *p, uint32_t file_id, int64_t pid)
{
	uint64_t *v = u64map_get(&p->map, key_of(file_id, pid));
	struct procs_ent *x;

	if (!v)
		return NULL;
	x = &p->ents[*v - 1];
	return x->file_id == file_id && x->pid == pid ? x : NULL;
}

static struct procs_ent *get(struct procs *p, uint32_t file_id, int64_t pid)
{
	bool fresh;
	uint64_t *v = u64map_put(&p->map, key_of(file_id, pid), &fresh);
	struct procs_ent *x;

	if (!v) {
		p->full = true;
		return NULL;
	}
	if (!fresh) {
		x = &p->ents[*v - 1];
		return x->file_id == file_id && x->pid == pid ? x : NULL;
	}
	if (p->n == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 256;
		struct procs_ent *e = realloc(p->ents, cap * sizeof(*e));

		if (!e) {
			u64map_del(&p->map, key_of(file_id, pid));
			p->full = true;
			return NULL;
		}
		p->ents = e;
		p->cap = cap;
	}
	x = &p->ents[p->n++];
	memset(x, 0, sizeof(*x));
	x->file_id = file_id;
	x->pid = pid;
	*v = p->n;
	return x;
}

void procs_comment(struct procs *p, const struct row_pkt *r)
{
	struct procs_ent *x;

	if (!r->comm || !(r->has & PK_PID))
		return;
	x = get(p, r->file_id, r->pid);
	if (!x || x->comment)
		return;
	x->comment = true;
	x->ts_ns = r->ts_ns;
	x->comm = r->comm;
	x->has_owner = r->has & PK_OWNER;
	x->uid = r->uid;
	x->gid = r->gid;
}

void procs_journal(struct procs *p, uint32_t file_id, int64_t pid, uint32_t comm)
{
	struct procs_ent *x = get(p, file_id, pid);

	if (!x)
		return;
	x->journal = true;
	if (comm && !x->jcomm)
		x->jcomm = comm;
}

uint32_t procs_comm(const struct procs *p, uint32_t file_id, int64_t pid)
{
	const struct procs_ent *x = find(p, file_id, pid);

	return !x ? 0 : x->jcomm ? x->jcomm : x->comm;
}

int procs_each_comment_only(const struct procs *p,
			    int (*fn)(void *ctx, const struct row_proc_comment *r), void *ctx)
{
	for (uint32_t i = 0; i < p->n; i++) {
		const struct procs_ent *x = &p->ents[i];
		struct row_proc_comment r;
		int err;

		if (!x->comment || x->journal)
			continue;
		r = (struct row_proc_comment){ .ts_ns = x->ts_ns, .file_id = x->file_id,
			.pid = (uint32_t)x->pid, .uid = x->uid, .gid = x->gid, .comm = x->comm,
			.has_owner = x->has_owner };
		err = fn(ctx, &r);
		if (err)
			return err;
	}
	return 0;
}

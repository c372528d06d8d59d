/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Encapsulation stacks and undecoded packet counts (tunnels.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "tunnels.h"
#include "u64map.h"

#define TUNNEL_IDS 65536         /* stacks remembered as written */

struct tunnels {
	struct row_sink sink;
	struct u64map seen;
	int err;
};

/* id2 names the tunnel (L2TPv2's tunnel id, MPLS's top label), or is
 * per packet or per flow: GRE's sequence number (GRE, ERSPAN, PPTP) and
 * NVGRE's flow id, which would make every packet or flow a tunnel of its
 * own; those are left out of the id and of the row. */
static bool id2_names_tunnel(uint8_t kind)
{
	switch (kind) {
	case PKT_P_GRE: case PKT_P_ERSPAN1: case PKT_P_ERSPAN2: case PKT_P_ERSPAN3:
	case PKT_P_PPTP: case PKT_P_NVGRE:
		return false;
	default:
		return true;
	}
}

/* The fields that say which tunnel a layer is, in a fixed layout. */
static void layer_key(const struct pkt_tunnel *l, uint8_t out[48])
{
	bool id2 = id2_names_tunnel(l->kind);

	memset(out, 0, 48);
	out[0] = l->kind;
	out[1] = l->ipver;
	out[2] = l->ip_proto;
	out[3] = l->count;
	memcpy(out + 4, &l->id, 4);
	if (id2)
		memcpy(out + 8, &l->id2, 4);
	memcpy(out + 12, &l->inner, 2);
	if (l->flags & PKT_TUN_PORTS)
		memcpy(out + 14, &l->dport, 2);
	if (l->flags & PKT_TUN_VLAN)
		memcpy(out + 46, &l->vlan, 2);
	memcpy(out + 16, l->src, l->ipver == 6 ? 16 : 4);
	memcpy(out + 32, l->dst, l->ipver == 6 ? 16 : 4);
	out[44] = l->ip_index;
	out[45] = id2 ? l->flags : l->flags & ~PKT_TUN_ID2;
}

int64_t tunnel_id_of(const struct pkt_tunnel *l, int n)
{
	struct hash h;
	uint8_t k[48];

	hash_init(&h);
	for (int i = 0; i < n; i++) {
		layer_key(&l[i], k);
		hash_update(&h, k, sizeof(k));
	}
	return (int64_t)(hash_final(&h) >> 1);
}

int tunnels_new(struct tunnels **out, struct row_sink sink)
{
	struct tunnels *t = calloc(1, sizeof(*t));

	*out = t;
	if (!t)
		return -ENOMEM;
	t->sink = sink;
	u64map_init(&t->seen, TUNNEL_IDS);
	return 0;
}

void tunnels_free(struct tunnels *t)
{
	if (!t)
		return;
	u64map_free(&t->seen);
	free(t);
}

int tunnels_error(const struct tunnels *t)
{
	return t ? t->err : 0;
}

int64_t tunnels_note(struct tunnels *t, const struct pkt_tunnel *l, int n)
{
	int64_t id = tunnel_id_of(l, n);
	bool fresh = false;

	if (!t || u64map_get(&t->seen, (uint64_t)id))
		return id;
	if (!u64map_put(&t->seen, (uint64_t)id, &fresh)) {
		/* full: start again (a repeat row is ignored by the table) */
		u64map_free(&t->seen);
		u64map_init(&t->seen, TUNNEL_IDS);
		u64map_put(&t->seen, (uint64_t)id, &fresh);
	}
	for (int i = 0; i < n; i++) {
		struct row_tunnel r = {
			.tunnel_id = id, .layer = (uint32_t)i, .id = l[i].id, .id2 = l[i].id2,
			.port = l[i].dport, .inner = l[i].inner, .vlan = l[i].vlan,
			.kind = l[i].kind, .ipver = l[i].ipver,
			.ip_proto = l[i].ip_proto, .count = l[i].count,
		};
		int err;

		r.flags = l[i].flags;
		if (!id2_names_tunnel(r.kind)) {
			r.flags &= (uint8_t)~PKT_TUN_ID2;
			r.id2 = 0;
		}
		memcpy(r.src, l[i].src, 16);
		memcpy(r.dst, l[i].dst, 16);
		err = t->sink.put(t->sink.ctx, ROW_TUNNEL, &r);
		if (err && !t->err)
			t->err = err;
	}
	return id;
}

/* ---- undecoded ---- */

struct undecoded {
	int n;
	struct row_undecoded k[UNDECODED_KINDS + 1];  /* the last: "other" */
};

void undecoded_init(struct undecoded **out)
{
	*out = calloc(1, sizeof(**out));
}

void undecoded_free(struct undecoded *u)
{
	free(u);
}

void undecoded_count(struct undecoded *u, const struct pkt *p)
{
	struct row_undecoded *r;
	int i;

	if (!u || !p->undecoded)
		return;
	for (i = 0; i < u->n; i++) {
		r = &u->k[i];
		if (r->reason == p->undecoded && r->layer == p->undecoded_at &&
		    r->type == p->undecoded_type) {
			r->packets++;
			return;
		}
	}
	if (u->n < UNDECODED_KINDS) {
		r = &u->k[u->n++];
		memset(r, 0, sizeof(*r));
		r->reason = p->undecoded;
		r->layer = p->undecoded_at;
		r->type = p->undecoded_type;
		decode_undecoded_str(p, r->what, sizeof(r->what));
	} else {
		r = &u->k[UNDECODED_KINDS];
		r->reason = PKT_UNDEC_COUNT;  /* "other" */
		if (!r->packets)
			snprintf(r->what, sizeof(r->what), "other kinds (more than %d)",
				 UNDECODED_KINDS);
	}
	r->packets++;
}

int undecoded_flush(struct undecoded *u, int64_t file_id, struct row_sink sink)
{
	int err = 0;

	if (!u)
		return 0;
	for (int i = 0; i <= UNDECODED_KINDS && !err; i++) {
		struct row_undecoded *r = &u->k[i];

		if (i >= u->n && i < UNDECODED_KINDS)
			continue;
		if (!r->packets)
			continue;
		r->file_id = file_id;
		err = sink.put(sink.ctx, ROW_UNDECODED, r);
	}
	memset(u, 0, sizeof(*u));
	return err;
}

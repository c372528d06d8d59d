// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writes the Wireshark plugin (netrec.lua) from its template, filling in the
 * vocabulary it shares with the tools: the PEN, the annotation layout, the
 * journal field names, event and owner-source names (format/profile.h) and
 * Linux's errno names (the C library's). The plugin thus spells no name of
 * its own that the file format defines.
 *   gen_lua TEMPLATE OUTPUT VERSION
 * It replaces the line "@VOCABULARY@" of the template; nothing else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

static void lua_str(FILE *o, const char *s)
{
	fputc('"', o);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', o);
		fputc(*s, o);
	}
	fputc('"', o);
}

static void vocabulary(FILE *o, const char *version)
{
	static const struct { const char *key, *name; } jfields[] = {
		{ "RECORD", NR_J_RECORD }, { "EVENT", NR_J_EVENT }, { "TS_NS", NR_J_TS_NS },
		{ "KTIME_NS", NR_J_KTIME_NS }, { "CPU", NR_J_CPU }, { "SEQ", NR_J_SEQ },
		{ "COOKIE", NR_J_COOKIE }, { "FAMILY", NR_J_FAMILY }, { "SADDR", NR_J_SADDR },
		{ "SPORT", NR_J_SPORT }, { "DADDR", NR_J_DADDR }, { "DPORT", NR_J_DPORT },
		{ "OLDSTATE", NR_J_OLDSTATE }, { "NEWSTATE", NR_J_NEWSTATE },
		{ "ERRNO", NR_J_ERRNO }, { "WINDOW", NR_J_WINDOW }, { "OWNER_SRC", NR_J_OWNER_SRC },
		{ "TID", NR_J_TID }, { "PPID", NR_J_PPID }, { "CGROUP_ID", NR_J_CGROUP_ID },
		{ "CONTAINER", NR_J_CONTAINER }, { "NETNS", NR_J_NETNS },
		{ "IFINDEX", NR_J_IFINDEX }, { "KSTACK", NR_J_KSTACK },
	};
	static const char *const events[] = {
		NR_EV_STATE, NR_EV_RETRANSMIT, NR_EV_RETRANSMIT_SYNACK, NR_EV_RESET_SENT,
		NR_EV_RESET_RECV, NR_EV_SK_ERROR, NR_EV_ZERO_WIN_ADV, NR_EV_WIN_OPEN_ADV,
		NR_EV_ZERO_WIN_RECV, NR_EV_WIN_OPEN_RECV, NR_EV_DESTROY, NR_EV_CONNECT,
		NR_EV_ACCEPT, NR_EV_CLOSE,
	};
	size_t i;

	fprintf(o, "-- Generated from format/profile.h and the C library's errno names.\n");
	fprintf(o, "local NR_VERSION = ");
	lua_str(o, version);
	fprintf(o, "\nlocal NR_PEN = %u\n", NR_PEN);
	fprintf(o, "local NR_ANNOT_TYPE_PACKET = %d\n", NR_ANNOT_TYPE_PACKET);
	fprintf(o, "local NR_PKT_ANNOT_SIZE, NR_PKT_ANNOT_V1_SIZE = %d, %d\n",
		NR_PKT_ANNOT_SIZE, NR_PKT_ANNOT_V1_SIZE);
	fprintf(o, "local NR_ANNOT_F_OWNER, NR_ANNOT_F_COOKIE, NR_ANNOT_F_EGRESS = %d, %d, %d\n",
		NR_ANNOT_F_OWNER, NR_ANNOT_F_COOKIE, NR_ANNOT_F_EGRESS);
	fprintf(o, "local NR_ANNOT_F_COPY = %d\n", NR_ANNOT_F_COPY);
	/* byte offsets of struct nr_pkt_annot (docs/format.md §4) */
	fprintf(o, "local A = { owner_src = %zu, flags = %zu, cpu = %zu, seq = %zu, cookie = %zu,\n"
		   "  pid = %zu, tid = %zu, uid = %zu, gid = %zu, cgroup_id = %zu, netns = %zu,\n"
		   "  ifindex = %zu, ktime_ns = %zu, ns_pid = %zu, ns_tid = %zu, same_id = %zu }\n",
		offsetof(struct nr_pkt_annot, owner_src), offsetof(struct nr_pkt_annot, flags),
		offsetof(struct nr_pkt_annot, cpu), offsetof(struct nr_pkt_annot, seq),
		offsetof(struct nr_pkt_annot, cookie), offsetof(struct nr_pkt_annot, pid),
		offsetof(struct nr_pkt_annot, tid), offsetof(struct nr_pkt_annot, uid),
		offsetof(struct nr_pkt_annot, gid), offsetof(struct nr_pkt_annot, cgroup_id),
		offsetof(struct nr_pkt_annot, netns), offsetof(struct nr_pkt_annot, ifindex),
		offsetof(struct nr_pkt_annot, ktime_ns), offsetof(struct nr_pkt_annot, ns_pid),
		offsetof(struct nr_pkt_annot, ns_tid), offsetof(struct nr_pkt_annot, same_id));
	fprintf(o, "local OWNER_SRC = {");
	for (i = 0; i < NR_OWNER_MAX; i++) {
		fprintf(o, " [%zu] = ", i);
		lua_str(o, nr_owner_src_name((unsigned)i));
		fputc(',', o);
	}
	fprintf(o, " }\nlocal J = {");
	for (i = 0; i < sizeof(jfields) / sizeof(jfields[0]); i++) {
		fprintf(o, "%s%s = ", i % 4 ? " " : "\n  ", jfields[i].key);
		lua_str(o, jfields[i].name);
		fputc(',', o);
	}
	fprintf(o, "\n}\nlocal EVENTS = {");
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		fputc(' ', o);
		lua_str(o, events[i]);
		fputc(',', o);
	}
	fprintf(o, " }\nlocal ERRNO_NAMES = {");
	for (i = 1; i < 4096; i++) {
		const char *n = strerrorname_np((int)i);

		if (!n)
			continue;
		fprintf(o, "%s[%zu] = ", i % 6 ? " " : "\n  ", i);
		lua_str(o, n);
		fputc(',', o);
	}
	fprintf(o, "\n}\n");
}

int main(int argc, char **argv)
{
	char line[4096];
	FILE *in, *out;
	int found = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: gen_lua TEMPLATE OUTPUT VERSION\n");
		return 2;
	}
	in = fopen(argv[1], "r");
	if (!in) {
		fprintf(stderr, "gen_lua: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	out = fopen(argv[2], "w");
	if (!out) {
		fprintf(stderr, "gen_lua: %s: %s\n", argv[2], strerror(errno));
		fclose(in);
		return 1;
	}
	while (fgets(line, sizeof(line), in)) {
		if (!strcmp(line, "@VOCABULARY@\n")) {
			vocabulary(out, argv[3]);
			found = 1;
		} else {
			fputs(line, out);
		}
	}
	fclose(in);
	if (fclose(out) || !found) {
		fprintf(stderr, "gen_lua: %s\n", found ? "write failed" : "no @VOCABULARY@ line");
		remove(argv[2]);
		return 1;
	}
	return 0;
}

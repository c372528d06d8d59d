// SPDX-License-Identifier: GPL-2.0-only
/*
 * netrec -r FILE [expression]: the tcpdump habit of reading a recording
 * back. The listing is netanalyze's --packets (analyze/listing.c), the one
 * place that knows how a packet line looks and where its annotations come
 * from: netrec runs netanalyze rather than linking SQLite and the analyzer
 * into the recorder (record/ never depends on analyze/, docs/architecture.md).
 *
 * Without an expression netrec execs `netanalyze --packets FILE`. With one,
 * netrec keeps what tcpdump would keep: it reads FILE through format/,
 * runs the expression (compiled by libpcap for each interface's link type,
 * as tcpdump -r compiles it) on every packet, and streams the matching
 * packets with their options, the interfaces and every journal record
 * (events, processes) as pcapng into netanalyze's standard input. The
 * analysis then sees the packets the expression keeps, as it would see
 * `tcpdump -r FILE -w - EXPR`.
 *
 * It does not decode or print packets itself.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pcapng.h"
#include "cli.h"
#include "filter.h"
#include "log.h"
#include "readback.h"

#define RB_MAX_IFACES 4096
#define RB_MAX_LINKTYPES 8

/* netanalyze: $NETANALYZE, beside netrec (installed into one directory, or
 * sbin next to bin), the build tree's analyze/, else the PATH. */
static const char *find_netanalyze(char *buf, size_t len)
{
	static const char *const rel[] = { "netanalyze", "../bin/netanalyze",
					   "../analyze/netanalyze" };
	const char *env = getenv("NETANALYZE");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = 0;
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
				snprintf(buf, len, "%s/%s", exe, rel[i]);
				if (access(buf, X_OK) == 0)
					return buf;
			}
		}
	}
	return "netanalyze";
}

static void exec_netanalyze(const struct opts *o, const char *path)
{
	char buf[PATH_MAX + 32];
	const char *na = find_netanalyze(buf, sizeof(buf));
	const char *argv[8];
	int n = 0;

	argv[n++] = "netanalyze";
	argv[n++] = "--packets";
	if (o->details)
		argv[n++] = "-e";
	if (log_level <= LOG_WARN)
		argv[n++] = "-q";
	argv[n++] = "--";
	argv[n++] = path;
	argv[n] = NULL;
	execvp(na, (char *const *)argv);
	pr_warn("cannot run %s to list %s: %s (netrec -r prints the listing of "
		"netanalyze --packets; install netanalyze or set NETANALYZE)", na, path,
		strerror(errno));
	_exit(127);
}

struct rb_iface {
	int32_t out_id;                 /* -1: no IDB written yet */
	struct pkt_filter *filter;      /* for its link type (shared) */
};

struct rb {
	const struct opts *o;
	struct pcapng_writer *w;
	struct pcapng_opts opts;
	struct rb_iface ifs[RB_MAX_IFACES];
	uint32_t section;
	bool have_shb;
	uint32_t next_id;
	struct { uint32_t linktype; struct pkt_filter *f; } lt[RB_MAX_LINKTYPES];
	int nlt;
	bool bad_filter;
	uint64_t seen, kept;
};

static struct pkt_filter *filter_for(struct rb *r, uint32_t linktype, int *err)
{
	char msg[256];

	for (int i = 0; i < r->nlt; i++)
		if (r->lt[i].linktype == linktype)
			return r->lt[i].f;
	if (r->nlt == RB_MAX_LINKTYPES) {
		pr_warn("%s: more than %d link types", r->o->read, RB_MAX_LINKTYPES);
		*err = -E2BIG;
		return NULL;
	}
	if (filter_compile_for(&r->lt[r->nlt].f, r->o->filter, (int)linktype, msg,
			       sizeof(msg))) {
		pr_warn("invalid filter expression '%s' for link type %u: %s", r->o->filter,
			linktype, msg);
		r->bad_filter = true;
		*err = -EINVAL;
		return NULL;
	}
	r->lt[r->nlt].linktype = linktype;
	return r->lt[r->nlt++].f;
}

/* The record's options as they are, in a section of our byte order; of
 * another, only what the reader decoded. */
static void copy_opts(struct rb *r, const struct capfile_rec *rec)
{
	struct capfile_opt_iter it;
	struct capfile_opt opt;

	pcapng_opts_reset(&r->opts);
	if (rec->swapped) {
		if (rec->has_flags)
			pcapng_opts_add_u32(&r->opts, PCAPNG_EPB_FLAGS, rec->flags);
		if (rec->has_pid)
			pcapng_opts_add_pid_tid(&r->opts, rec->pid, rec->tid);
		if (rec->comment)
			pcapng_opts_add(&r->opts, PCAPNG_OPT_COMMENT, rec->comment,
					rec->comment_len);
		return;
	}
	capfile_opt_iter_init(&it, rec);
	while (capfile_opt_next(&it, &opt) > 0)
		pcapng_opts_add(&r->opts, opt.code, opt.val, opt.len);
}

static int write_shb(struct rb *r, const struct capfile_rec *rec)
{
	if (rec && !rec->swapped)
		copy_opts(r, rec);
	else
		pcapng_opts_reset(&r->opts);
	for (int i = 0; i < RB_MAX_IFACES; i++) {
		r->ifs[i].out_id = -1;
		r->ifs[i].filter = NULL;
	}
	r->next_id = 0;
	r->have_shb = true;
	return pcapng_write_shb(r->w, &r->opts);
}

/* The packet's interface, written before its first kept packet: every
 * timestamp is written in ns (if_tsresol 9). */
static int write_idb(struct rb *r, const struct capfile_rec *rec, struct rb_iface *ifc)
{
	const struct capfile_iface *i = rec->iface;
	uint32_t id;
	int err;

	pcapng_opts_reset(&r->opts);
	if (i->name)
		pcapng_opts_add_str(&r->opts, PCAPNG_IF_NAME, i->name);
	if (i->description)
		pcapng_opts_add_str(&r->opts, PCAPNG_IF_DESCRIPTION, i->description);
	pcapng_opts_add_u8(&r->opts, PCAPNG_IF_TSRESOL, 9);
	err = pcapng_write_idb(r->w, (uint16_t)i->linktype, i->snaplen, &r->opts, &id);
	if (!err)
		ifc->out_id = (int32_t)id;
	return err;
}

static int on_packet(struct rb *r, const struct capfile_rec *rec)
{
	struct rb_iface *ifc;
	int err = 0;

	if (rec->if_id >= RB_MAX_IFACES) {
		pr_warn("%s: interface %u: more than %d interfaces", r->o->read, rec->if_id,
			RB_MAX_IFACES);
		return -E2BIG;
	}
	ifc = &r->ifs[rec->if_id];
	if (!ifc->filter) {
		ifc->filter = filter_for(r, rec->iface->linktype, &err);
		if (!ifc->filter)
			return err;
	}
	r->seen++;
	if (!filter_match(ifc->filter, rec->data, rec->caplen, rec->origlen))
		return 0;
	r->kept++;
	if (ifc->out_id < 0) {
		err = write_idb(r, rec, ifc);
		if (err)
			return err;
	}
	copy_opts(r, rec);
	return pcapng_write_epb(r->w, (uint32_t)ifc->out_id, (uint64_t)rec->ts_ns, rec->data,
				rec->caplen, rec->origlen, &r->opts);
}

/* Streams the packets of FILE that match the expression to fd (-1: only
 * compile the expression for the first packet's link type, so that a bad
 * expression is a usage error before anything is listed). */
static int stream_filtered(const struct opts *o, int fd, bool *bad_filter)
{
	struct pcapng_writer_opts wo = { .flags = PCAPNG_W_CLOSE_FD };
	struct capfile *cf = NULL;
	struct capfile_rec rec;
	struct rb *r = calloc(1, sizeof(*r));
	int err, rc = 0;

	if (!r) {
		close(fd);
		return -ENOMEM;
	}
	r->o = o;
	pcapng_opts_init(&r->opts);
	err = capfile_open_path(&cf, o->read, NULL);
	if (err) {
		pr_warn("cannot read %s: %s", o->read, capfile_error(NULL)->what);
		close(fd);
		goto cleanup;
	}
	if (fd < 0) {
		while ((rc = capfile_next(cf, &rec)) > 0)
			if (rec.type == CAPFILE_REC_PACKET) {
				filter_for(r, rec.iface->linktype, &err);
				break;
			}
		goto cleanup;
	}
	err = pcapng_writer_open(&r->w, fd, &wo);
	if (err) {
		close(fd);
		goto cleanup;
	}
	while (!err && (rc = capfile_next(cf, &rec)) > 0) {
		switch (rec.type) {
		case CAPFILE_REC_SHB:
			err = write_shb(r, &rec);
			break;
		case CAPFILE_REC_PACKET:
			if (!r->have_shb)
				err = write_shb(r, NULL);
			if (!err)
				err = on_packet(r, &rec);
			break;
		case CAPFILE_REC_JOURNAL:
			if (!r->have_shb)
				err = write_shb(r, NULL);
			if (!err)
				err = pcapng_write_jeb(r->w, rec.body, rec.body_len);
			break;
		default:
			break;
		}
	}
	if (!err && rc < 0) {
		const struct capfile_error *ce = capfile_error(cf);

		pr_warn("%s: damaged at byte offset %llu: %s; listed what came before",
			o->read, (unsigned long long)ce->offset, ce->what);
		err = rc;
	}
	if (!r->have_shb && !err)
		err = write_shb(r, NULL);
	/* the reader went away (a pager quit): not an error of ours */
	if (err == -EPIPE)
		err = 0;
	else if (err && err != rc)
		pr_warn("cannot pass %s to netanalyze: %s", o->read, strerror(-err));
	pr_info("%s: %llu of %llu packets match '%s'", o->read, (unsigned long long)r->kept,
		(unsigned long long)r->seen, o->filter);
cleanup:
	*bad_filter = r->bad_filter;
	rc = pcapng_writer_close(r->w);
	if (!err && rc && rc != -EPIPE)
		err = rc;
	capfile_close(cf);
	for (int i = 0; i < r->nlt; i++)
		filter_free(r->lt[i].f);
	pcapng_opts_free(&r->opts);
	free(r);
	return err;
}

int readback_run(const struct opts *o)
{
	int p[2], status, err;
	bool bad = false;
	pid_t pid;

	if (!o->filter) {
		exec_netanalyze(o, o->read);
		return 1;
	}
	if (strcmp(o->read, "-") == 0) {
		pr_warn("-r - with an expression: read a file (netanalyze reads standard input)");
		return 2;
	}
	err = stream_filtered(o, -1, &bad);
	if (err)
		return bad ? 2 : 1;
	if (pipe(p)) {
		pr_warn("pipe: %s", strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		pr_warn("fork: %s", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		close(p[1]);
		if (dup2(p[0], STDIN_FILENO) < 0)
			_exit(127);
		close(p[0]);
		exec_netanalyze(o, "-");
	}
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	err = stream_filtered(o, p[1], &bad);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (err)
		return bad ? 2 : 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

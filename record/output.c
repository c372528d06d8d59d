// SPDX-License-Identifier: GPL-2.0-only
/*
 * What each output file holds (docs/format.md): the section header with
 * the clock (§1, §6), one IDB per interface (§3), packets (record/epb.c),
 * kernel events and process records (record/journal.c), and at the end of
 * every file its ISBs and statistics (§7), with the counts that
 * describe exactly what the file holds. Which file, and when the next one
 * starts, is record/files.c's.
 *
 * It does not decide what is recorded (record/emit.c selects) and never
 * reads the kernel's maps itself (drop counters come through callbacks).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "pcapng.h"
#include "profile.h"
#include "intake.h"
#include "version.h"
#include "epb.h"
#include "files.h"
#include "journal.h"
#include "log.h"
#include "output.h"

#define NR_ARPHRD_ETHER 1
#define NR_ARPHRD_LOOPBACK 772
#define IF_HASH (2 * OUT_MAX_IFACES) /* twice the entries at most: short probes */
_Static_assert(OUT_MAX_IFACES < INT16_MAX, "if_hash holds ifs[] index + 1");

struct out_iface {
	int ifindex;            /* its key (record/intake.h IFKEY) */
	uint32_t netns;         /* 0: netrec's own namespace */
	char name[32];
	uint16_t arphrd;
	int32_t if_id;          /* in the current file, -1 before its IDB */
	uint64_t recv, written; /* in the current file */
	uint64_t drops_base;    /* kernel drop counter when the file began */
};

struct out {
	struct out_cfg cfg;
	struct files files;
	struct pcapng_writer *w;
	int fd;
	int64_t file_start_ns;
	uint64_t ring_drops_base;
	struct out_iface ifs[OUT_MAX_IFACES];
	int nifs;
	int16_t if_hash[IF_HASH];       /* ifindex -> ifs[] index + 1, 0: empty */
	bool ifs_full;                  /* said that no more interfaces fit */
	struct out_counts file, total;
	struct out_counts file_flushed, total_flushed; /* as of good_bytes */
	struct pcapng_opts opts;
	struct nr_jeb_buf jeb;
	struct epb_writer *epb;
	uint64_t good_bytes;     /* bytes on disk that end with a whole block */
	uint32_t gen;            /* file number, from 1 (process records' written_gen) */
	char hardware[65], os[200];
	int err;
	char hostname[256];      /* _HOSTNAME of process records (§5.3) */
};

const struct out_counts *out_totals(const struct out *o)
{
	return &o->total;
}

int out_error(const struct out *o)
{
	return o->err;
}

static int check(struct out *o, int err)
{
	if (err && !o->err) {
		o->err = err;
		if (o->files.to_stdout && err == -EPIPE)
			pr_info("standard output was closed: recording stopped");
		else if (err == -ENOSPC && files_cut(&o->files, o->fd, o->good_bytes) == 0) {
			/* the counts describe the file: what was cut is not written.
			 * Compressed, the file ends where the last flush ended a
			 * zstd block, which holds every block counted; the frame is
			 * ended there so that readers take the file as whole (if
			 * even those bytes do not fit, it still decodes to the cut,
			 * as a killed recording does). The writer writes nothing
			 * more: its error is sticky. */
			if (o->files.zst && o->good_bytes &&
			    pwrite(o->fd, PCAPNG_ZSTD_FRAME_END, PCAPNG_ZSTD_FRAME_END_LEN,
				   (off_t)o->good_bytes) != PCAPNG_ZSTD_FRAME_END_LEN)
				pr_warn("%s: cannot end its zstd frame: %s", o->files.path,
					strerror(errno));
			o->file = o->file_flushed;
			o->total = o->total_flushed;
			pr_warn("%s: no space left on the device: recording stopped; the file "
				"holds what fitted", o->files.path);
		}
		else
			pr_warn("cannot write %s: %s; recording stopped", o->files.to_stdout ?
				"to standard output" : o->files.path, strerror(-err));
	}
	return err;
}

static int write_idb(struct out *o, struct out_iface *ifc)
{
	char desc[128];
	const char *kind = ifc->arphrd == NR_ARPHRD_ETHER ? "eth" :
			   ifc->arphrd == NR_ARPHRD_LOOPBACK ? "loopback" : "l3";
	uint32_t id;
	int err;

	pcapng_opts_reset(&o->opts);
	pcapng_opts_add_str(&o->opts, PCAPNG_IF_NAME, ifc->name);
	snprintf(desc, sizeof(desc), "ifindex %u, netns %u, %s", IFKEY_INDEX((uint32_t)ifc->ifindex),
		 ifc->netns ? ifc->netns : o->cfg.netns, kind);
	pcapng_opts_add_str(&o->opts, PCAPNG_IF_DESCRIPTION, desc);
	pcapng_opts_add_u8(&o->opts, PCAPNG_IF_TSRESOL, NR_TSRESOL);
	if (o->cfg.filter && *o->cfg.filter)
		pcapng_opts_add_typed(&o->opts, PCAPNG_IF_FILTER, 0, o->cfg.filter,
				      strlen(o->cfg.filter));
	if (o->os[0])
		pcapng_opts_add_str(&o->opts, PCAPNG_IF_OS, o->os);
	err = pcapng_write_idb(o->w, NR_LINKTYPE, o->cfg.snaplen, &o->opts, &id);
	if (err)
		return check(o, err);
	ifc->if_id = (int32_t)id;
	return 0;
}

/* Remembers what is on disk and the counts that describe it. */
static void flushed(struct out *o)
{
	o->good_bytes = pcapng_writer_bytes_out(o->w);
	o->file_flushed = o->file;
	o->total_flushed = o->total;
}

static int start_file(struct out *o, int64_t now_ns)
{
	struct pcapng_writer_opts wo = { 0 };
	struct nr_cb_clock c = { 0 };
	uint8_t cb[NR_CB_CLOCK_SIZE];
	int err;

	o->fd = files_create(&o->files);
	if (o->fd < 0) {
		err = o->fd;
		o->fd = -1;
		return err;
	}
	if (!o->files.to_stdout)
		wo.flags = PCAPNG_W_CLOSE_FD;
	if (o->files.zst)
		wo.zstd_level = 3;
	err = pcapng_writer_open(&o->w, o->fd, &wo);
	if (err) {
		if (!o->files.to_stdout)
			close(o->fd);
		o->fd = -1;
		return err;
	}
	o->gen++;
	o->file_start_ns = now_ns;
	memset(&o->file, 0, sizeof(o->file));
	o->good_bytes = 0;

	pcapng_opts_reset(&o->opts);
	if (o->hardware[0])
		pcapng_opts_add_str(&o->opts, PCAPNG_SHB_HARDWARE, o->hardware);
	if (o->os[0])
		pcapng_opts_add_str(&o->opts, PCAPNG_SHB_OS, o->os);
	pcapng_opts_add_str(&o->opts, PCAPNG_SHB_USERAPPL, "netrec " NETREC_VERSION);
	if (o->cfg.cmdline)
		pcapng_opts_add_str(&o->opts, PCAPNG_OPT_COMMENT, o->cfg.cmdline);
	/* §6: the clock rides in the SHB, so that it is there from the first
	 * byte and is not a record without a timestamp in Wireshark's list */
	c.type = NR_CB_CLOCK;
	c.version = 1;
	c.mono_to_real_ns = o->cfg.clock.mono_to_real_ns;
	c.uncertainty_ns = o->cfg.clock.uncertainty_ns;
	c.measured_at_ns = o->cfg.clock.measured_at_ns;
	nr_clock_encode(&c, cb);
	pcapng_opts_add_custom(&o->opts, PCAPNG_OPT_CUSTOM_BIN, NR_PEN, cb, sizeof(cb));
	err = check(o, pcapng_write_shb(o->w, &o->opts));
	for (int i = 0; !err && i < o->nifs; i++) {
		o->ifs[i].recv = o->ifs[i].written = 0;
		o->ifs[i].drops_base = o->cfg.if_drops ?
			o->cfg.if_drops(o->cfg.drops_ctx, o->ifs[i].ifindex) : 0;
		err = write_idb(o, &o->ifs[i]);
	}
	o->ring_drops_base = o->cfg.ring_drops ? o->cfg.ring_drops(o->cfg.drops_ctx) : 0;
	if (!err)
		err = check(o, pcapng_writer_flush(o->w));
	if (!err)
		flushed(o);
	return err;
}

/* §7: one ISB per interface, the first carrying the statistics as a
 * custom option, then close. Only a file without interfaces (so without
 * packets) has the statistics as a custom block: that block has no
 * timestamp, and capinfos and Wireshark would trip over it among packets. */
static int end_file(struct out *o, int64_t now_ns)
{
	struct nr_cb_stats s = { 0 };
	uint8_t sb[NR_CB_STATS_SIZE];
	uint64_t ring = o->cfg.ring_drops ? o->cfg.ring_drops(o->cfg.drops_ctx) : 0;
	bool stats_written = false;
	int err = o->err;

	s.type = NR_CB_STATS;
	s.version = 2;
	s.packets_written = o->file.packets_written;
	s.events_written = o->file.events_written;
	s.packets_attributed = o->file.packets_attributed;
	s.packets_kernel = o->file.packets_kernel;
	s.ring_drops = ring - o->ring_drops_base;
	s.other_drops = o->file.other_drops;
	s.packets_filtered = o->file.packets_filtered;
	s.start_ns = o->file_start_ns;
	s.end_ns = now_ns;
	s.packets_unparsed = o->file.packets_unparsed;
	nr_stats_encode(&s, sb);

	for (int i = 0; !err && i < o->nifs; i++) {
		struct out_iface *ifc = &o->ifs[i];
		uint64_t drops = o->cfg.if_drops ?
			o->cfg.if_drops(o->cfg.drops_ctx, ifc->ifindex) - ifc->drops_base : 0;

		if (ifc->if_id < 0)
			continue;
		pcapng_opts_reset(&o->opts);
		pcapng_opts_add_ts(&o->opts, PCAPNG_ISB_STARTTIME, (uint64_t)o->file_start_ns);
		pcapng_opts_add_ts(&o->opts, PCAPNG_ISB_ENDTIME, (uint64_t)now_ns);
		pcapng_opts_add_u64(&o->opts, PCAPNG_ISB_IFRECV, ifc->recv + drops);
		pcapng_opts_add_u64(&o->opts, PCAPNG_ISB_IFDROP, drops);
		pcapng_opts_add_u64(&o->opts, PCAPNG_ISB_OSDROP, 0);
		pcapng_opts_add_u64(&o->opts, PCAPNG_ISB_USRDELIV, ifc->written);
		if (!stats_written)
			pcapng_opts_add_custom(&o->opts, PCAPNG_OPT_CUSTOM_BIN, NR_PEN,
					       sb, sizeof(sb));
		err = check(o, pcapng_write_isb(o->w, (uint32_t)ifc->if_id, (uint64_t)now_ns,
						&o->opts));
		stats_written = true;
	}
	if (!err && !stats_written)
		err = check(o, pcapng_write_custom(o->w, true, NR_PEN, sb, sizeof(sb), NULL));
	err = pcapng_writer_close(o->w) ?: err;
	o->w = NULL;
	o->fd = -1;
	o->files.done++;
	return err;
}

int out_open(struct out **out, const struct out_cfg *cfg)
{
	struct out *o = calloc(1, sizeof(*o));
	struct utsname u;
	int err;

	if (!o)
		return -ENOMEM;
	o->epb = calloc(1, sizeof(*o->epb));
	if (!o->epb) {
		free(o);
		return -ENOMEM;
	}
	o->cfg = *cfg;
	o->fd = -1;
	/* the host a fleet files the recording under; netrec's own UTS
	 * namespace, as journald writes it */
	if (gethostname(o->hostname, sizeof(o->hostname) - 1))
		o->hostname[0] = 0;
	o->epb->netns = cfg->netns;
	files_init(&o->files, cfg->path, cfg->rotate_bytes, cfg->rotate_secs, cfg->max_files);
	o->files.chown = cfg->chown;
	o->files.uid = cfg->uid;
	o->files.gid = cfg->gid;
	if (uname(&u) == 0) {
		snprintf(o->hardware, sizeof(o->hardware), "%s", u.machine);
		snprintf(o->os, sizeof(o->os), "%s %s", u.sysname, u.release);
	}
	pcapng_opts_init(&o->opts);
	nr_jeb_init(&o->jeb);
	err = start_file(o, cfg->clock.measured_at_ns);
	if (err) {
		if (o->w)
			pcapng_writer_close(o->w);
		if (!o->files.to_stdout && o->gen)
			unlink(o->files.path);
		pcapng_opts_free(&o->opts);
		nr_jeb_free(&o->jeb);
		free(o->epb);
		free(o);
		return err;
	}
	*out = o;
	return 0;
}

static unsigned if_slot(int ifindex)
{
	return ((unsigned)ifindex * 2654435761u) % IF_HASH;
}

static struct out_iface *find_iface(struct out *o, int ifindex)
{
	for (unsigned h = if_slot(ifindex), n = 0; n < IF_HASH; h = (h + 1) % IF_HASH, n++) {
		int i = o->if_hash[h];

		if (!i)
			return NULL;
		if (o->ifs[i - 1].ifindex == ifindex)
			return &o->ifs[i - 1];
	}
	return NULL;
}

int out_add_iface(struct out *o, int ifindex, const char *name, uint16_t arphrd)
{
	return out_add_iface_ns(o, ifindex, 0, name, arphrd);
}

int out_add_iface_ns(struct out *o, int ifindex, uint32_t netns, const char *name,
		     uint16_t arphrd)
{
	struct out_iface *ifc = find_iface(o, ifindex);
	unsigned h;

	if (ifc)
		return 0;
	if (o->nifs >= OUT_MAX_IFACES) {
		if (!o->ifs_full)
			pr_warn("%d interfaces named in this recording, the most it can: %s and later "
				"ones are not captured", OUT_MAX_IFACES, name);
		o->ifs_full = true;
		return -ENOSPC;
	}
	ifc = &o->ifs[o->nifs++];
	memset(ifc, 0, sizeof(*ifc));
	ifc->ifindex = ifindex;
	ifc->netns = netns;
	snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	ifc->arphrd = arphrd;
	ifc->if_id = -1;
	ifc->drops_base = o->cfg.if_drops ? o->cfg.if_drops(o->cfg.drops_ctx, ifindex) : 0;
	for (h = if_slot(ifindex); o->if_hash[h]; h = (h + 1) % IF_HASH)
		;
	o->if_hash[h] = (int16_t)o->nifs;
	if (o->err || !o->w)
		return o->err;
	return write_idb(o, ifc);
}

int out_iface_arphrd(struct out *o, int ifindex)
{
	struct out_iface *ifc = find_iface(o, ifindex);

	return ifc ? ifc->arphrd : -1;
}

void out_count_seen(struct out *o, int ifindex)
{
	struct out_iface *ifc = find_iface(o, ifindex);

	if (ifc)
		ifc->recv++;
}

void out_count_filtered(struct out *o)
{
	o->file.packets_filtered++;
	o->total.packets_filtered++;
}

void out_count_lost(struct out *o, uint64_t n)
{
	o->file.other_drops += n;
	o->total.other_drops += n;
}

int out_maybe_rotate(struct out *o, int64_t now_ns)
{
	uint64_t bytes;
	int due, err;

	if (o->err)
		return o->err;
	if (o->files.to_stdout || (!o->cfg.rotate_bytes && !o->cfg.rotate_secs))
		return 0;
	/* what the file will hold once flushed: uncompressed, every byte
	 * produced; compressed, what reached the kernel so far */
	bytes = o->files.zst ? pcapng_writer_bytes_out(o->w) : pcapng_writer_bytes_in(o->w);
	due = files_due(&o->files, bytes, now_ns - o->file_start_ns);
	if (!due)
		return 0;
	err = end_file(o, now_ns);
	if (err)
		return err;
	if (due == 2 && files_last(&o->files))
		return 1;
	for (int i = 0; i < o->nifs; i++)
		o->ifs[i].if_id = -1;
	err = start_file(o, now_ns);
	if (err && !o->err)
		o->err = err;
	return err;
}

uint32_t out_build_sll2(struct out *o, const struct nr_pkt *p, const uint8_t *data,
			uint8_t *buf, uint32_t *origlen)
{
	return epb_sll2(out_iface_arphrd(o, (int)p->ifindex), p, data, buf, origlen);
}

int out_process(struct out *o, struct proc_info *pi)
{
	int err;

	if (!pi || pi->written_gen == o->gen)
		return 0;
	if (o->err)
		return o->err;
	err = check(o, journal_process(o->w, &o->jeb, pi, o->cfg.clock.mono_to_real_ns,
					 o->hostname));
	if (!err)
		pi->written_gen = o->gen;
	return err;
}

int out_packet(struct out *o, const struct nr_pkt *p, const uint8_t *data,
	       const struct nr_owner *ow, uint8_t src, const struct proc_info *pi,
	       int64_t ts_ns, uint64_t same_id, bool copy)
{
	struct out_iface *ifc = find_iface(o, (int)p->ifindex);
	int err;

	if (o->err)
		return o->err;
	if (!ifc || ifc->if_id < 0)
		return -ENODEV;
	err = epb_write(o->w, o->epb, (uint32_t)ifc->if_id, ifc->arphrd, p, data, ow, src, pi,
			ts_ns, same_id, copy);
	if (err)
		return check(o, err);
	ifc->written++;
	o->file.packets_written++;
	o->total.packets_written++;
	if (p->parse) {
		o->file.packets_unparsed++;
		o->total.packets_unparsed++;
	}
	if (src_is_process(src)) {
		o->file.packets_attributed++;
		o->total.packets_attributed++;
	} else if (src == NR_OWNER_KERNEL) {
		o->file.packets_kernel++;
		o->total.packets_kernel++;
	}
	return 0;
}

int out_event(struct out *o, const struct nr_event *e, uint8_t src, const struct proc_info *pi,
	      int64_t ts_ns, uint32_t window)
{
	int err;

	if (o->err)
		return o->err;
	err = journal_event(o->w, e, src, pi, ts_ns, window, o->cfg.netns);
	if (err == -ENODEV)
		return err;
	if (err)
		return check(o, err);
	o->file.events_written++;
	o->total.events_written++;
	return 0;
}

/* Hands what is buffered to the kernel (§9), remembering where the last
 * whole block ends so that a full disk leaves a valid file. */
int out_flush(struct out *o)
{
	int err;

	if (o->err || !o->w)
		return o->err;
	err = check(o, pcapng_writer_flush(o->w));
	if (!err)
		flushed(o);
	return err;
}

int out_close(struct out *o, int64_t end_ns, struct out_counts *totals)
{
	int err = 0;

	if (!o)
		return 0;
	if (o->w && !o->err)
		err = end_file(o, end_ns);
	else if (o->w) {
		pcapng_writer_close(o->w);
		o->w = NULL;
	}
	err = err ?: o->err;
	/* after the last block: a full disk may have cut the file */
	if (totals)
		*totals = o->total;
	pcapng_opts_free(&o->opts);
	nr_jeb_free(&o->jeb);
	free(o->epb);
	free(o);
	return err;
}

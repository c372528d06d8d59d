/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Makes a large capture for the ingest benchmark out of a small real one:
 *
 *   mkbig IN OUT MIN_PACKETS
 *
 * Writes IN's interfaces once, then its packets over and over, each copy
 * shifted in time past the end of the previous one and with every TCP/UDP
 * port XORed with the copy number (both directions alike), so that each
 * copy's connections are new connections rather than repeats of the first.
 * Its journal records (kernel events, process notices) are repeated too,
 * with the same shift of their wall-clock times and the same XOR of their
 * ports (jeb_copy), so that every size has IN's mix of packets and events.
 * Checksums are not recomputed (readers of this file do not check them).
 * Only single-section pcapng or pcap input with one linktype is supported;
 * this is a benchmark tool, not a general editor.
 *
 * With MKBIG_ETHERNET=1 in the environment, Linux cooked v2 input is written
 * as Ethernet (zero MAC addresses, the same EtherType), for peers such as
 * tcptrace that do not know LINKTYPE_LINUX_SLL2.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapng.h"
#include "profile.h"

static unsigned l3_offset(uint32_t linktype)
{
	switch (linktype) {
	case LINKTYPE_ETHERNET: return 14;
	case LINKTYPE_LINUX_SLL: return 16;
	case LINKTYPE_LINUX_SLL2: return 20;
	case LINKTYPE_NULL: case LINKTYPE_LOOP: return 4;
	default: return 0;
	}
}

static void xor_ports(uint8_t *p, uint32_t len, unsigned off, uint16_t k)
{
	unsigned l4, proto;

	if (off + 20 > len)
		return;
	if ((p[off] >> 4) == 4) {
		l4 = off + (p[off] & 0xf) * 4;
		proto = p[off + 9];
	} else if ((p[off] >> 4) == 6) {
		l4 = off + 40;
		proto = p[off + 6];
	} else {
		return;
	}
	if ((proto != 6 && proto != 17) || l4 + 4 > len)
		return;
	for (int i = 0; i < 2; i++) {
		uint16_t port = (p[l4 + 2 * i] << 8 | p[l4 + 2 * i + 1]) ^ k;
		p[l4 + 2 * i] = port >> 8;
		p[l4 + 2 * i + 1] = port & 0xff;
	}
}

static bool name_is(const struct nr_jeb_fld *f, const char *name)
{
	return f->nlen == strlen(name) && !memcmp(f->name, name, f->nlen);
}

/* An integer field's value, or false when it is not plain decimal. */
static bool field_int(const struct nr_jeb_fld *f, long long *v)
{
	char t[32];
	char *end;

	if (!f->vlen || f->vlen >= sizeof(t))
		return false;
	memcpy(t, f->val, f->vlen);
	t[f->vlen] = 0;
	errno = 0;
	*v = strtoll(t, &end, 10);
	return !errno && !*end;
}

/* Journal entry `in` as copy k has it, into out (cap bytes): wall-clock
 * times moved by shift ns and ports XORed with k, as the copy's packets
 * have theirs; a port 0 (a connect() before its port is chosen) stays 0.
 * CLOCK_MONOTONIC times stay, as they do in the packets' annotations, and
 * so does MESSAGE's text. Returns the length, or 0 for an entry this does
 * not understand or that would not fit (written unchanged). */
static size_t jeb_copy(const uint8_t *in, size_t len, uint16_t k, int64_t shift, char *out,
		       size_t cap)
{
	struct nr_jeb_fld f;
	size_t off = 0, n = 0, end = 0;
	long long v;

	while (nr_jeb_next(in, len, &off, &f) > 0) {
		if (f.val != f.name + f.nlen + 1 || f.name[f.nlen] != '=')
			return 0; /* a binary field */
		/* the name, '=', a value (a number: at most 20 digits and a
		 * sign), '\n' */
		if (f.nlen + f.vlen + 24 > cap - n)
			return 0;
		memcpy(out + n, f.name, f.nlen + 1);
		n += f.nlen + 1;
		if (name_is(&f, NR_J_TS_NS) && field_int(&f, &v))
			n += (size_t)sprintf(out + n, "%lld", v + shift);
		else if (name_is(&f, NR_J_REALTIME) && field_int(&f, &v))
			n += (size_t)sprintf(out + n, "%lld", v + shift / 1000);
		else if ((name_is(&f, NR_J_SPORT) || name_is(&f, NR_J_DPORT)) && field_int(&f, &v) &&
			 v > 0 && v < 65536)
			n += (size_t)sprintf(out + n, "%lld", v ^ k);
		else {
			memcpy(out + n, f.val, f.vlen);
			n += f.vlen;
		}
		out[n++] = '\n';
		end = off;
	}
	/* what follows the last field (the empty line, padding) as it was */
	if (len - end > cap - n)
		return 0;
	memcpy(out + n, in + end, len - end);
	return n + (len - end);
}

int main(int argc, char **argv)
{
	struct pcapng_writer_opts wo = { .buffer_size = 1 << 20 };
	struct pcapng_writer *w = NULL;
	struct capfile *f = NULL;
	struct capfile_rec rec;
	struct pcapng_opts opts;
	struct capfile_opt_iter it;
	struct capfile_opt o;
	uint64_t want, written = 0;
	int64_t first = 0, last = 0, shift = 0;
	uint8_t *buf = malloc(1 << 18), *jbuf = malloc(1 << 18);
	int fd, err;
	bool have_idb = false;
	bool to_eth = getenv("MKBIG_ETHERNET") && !strcmp(getenv("MKBIG_ETHERNET"), "1");
	unsigned trim = 0; /* bytes of SLL2 header dropped for Ethernet (20 - 14) */

	if (argc != 4 || !buf || !jbuf) {
		fprintf(stderr, "usage: mkbig IN OUT MIN_PACKETS\n");
		return 2;
	}
	want = strtoull(argv[3], NULL, 10);
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || pcapng_writer_open(&w, fd, &wo)) {
		perror(argv[2]);
		return 1;
	}
	pcapng_opts_init(&opts);
	pcapng_write_shb(w, NULL);
	for (uint16_t copy = 0; written < want && copy < 60000; copy++) {
		err = capfile_open_path(&f, argv[1], NULL);
		if (err) {
			fprintf(stderr, "mkbig: %s: %s\n", argv[1], strerror(-err));
			return 1;
		}
		while ((err = capfile_next(f, &rec)) > 0 && written < want) {
			if (rec.type == CAPFILE_REC_IDB && copy == 0) {
				const struct capfile_iface *ifc = capfile_iface(f, capfile_iface_count(f) - 1);
				pcapng_opts_reset(&opts);
				pcapng_opts_add_u8(&opts, PCAPNG_IF_TSRESOL, 9);
				if (ifc->name)
					pcapng_opts_add_str(&opts, PCAPNG_IF_NAME, ifc->name);
				trim = to_eth && ifc->linktype == LINKTYPE_LINUX_SLL2 ? 6 : 0;
				pcapng_write_idb(w, trim ? LINKTYPE_ETHERNET : ifc->linktype,
						 ifc->snaplen, &opts, NULL);
				have_idb = true;
			} else if (rec.type == CAPFILE_REC_PACKET && have_idb) {
				uint32_t n = rec.caplen < (1 << 18) ? rec.caplen : (1 << 18);
				if (!first)
					first = rec.ts_ns;
				if (rec.ts_ns > last)
					last = rec.ts_ns;
				memcpy(buf, rec.data, n);
				if (trim && n >= 20) {
					/* SLL2: protocol at 0..1; Ethernet: MACs, then EtherType */
					uint8_t proto[2] = { buf[0], buf[1] };
					memmove(buf + 14, buf + 20, n - 20);
					memset(buf, 0, 12);
					memcpy(buf + 12, proto, 2);
					n -= trim;
				}
				if (copy)
					xor_ports(buf, n, trim ? 14 : l3_offset(rec.iface->linktype), copy);
				pcapng_opts_reset(&opts);
				/* keep the options as they were (annotations, comments);
				 * values are copied as stored, so the input's byte order
				 * must be the host's, as netrec writes it */
				capfile_opt_iter_init(&it, &rec);
				while (capfile_opt_next(&it, &o) > 0)
					pcapng_opts_add(&opts, o.code, o.val, o.len);
				err = pcapng_write_epb(w, rec.if_id, (uint64_t)(rec.ts_ns + shift), buf, n,
						       rec.origlen - (trim && rec.origlen >= 20 ? trim : 0), &opts);
				if (err) {
					fprintf(stderr, "mkbig: write: %s\n", strerror(-err));
					return 1;
				}
				written++;
			} else if (rec.type == CAPFILE_REC_JOURNAL) {
				size_t n = copy ? jeb_copy(rec.body, rec.body_len, copy, shift,
							   (char *)jbuf, 1 << 18) : 0;

				err = n ? pcapng_write_jeb(w, jbuf, n) :
					  pcapng_write_jeb(w, rec.body, rec.body_len);
				if (err) {
					fprintf(stderr, "mkbig: write: %s\n", strerror(-err));
					return 1;
				}
			}
		}
		if (err < 0) {
			fprintf(stderr, "mkbig: %s: %s at offset %llu\n", argv[1],
				capfile_error(f)->what, (unsigned long long)capfile_error(f)->offset);
			return 1;
		}
		capfile_close(f);
		shift += (last - first) + 1000000;
	}
	pcapng_opts_free(&opts);
	err = pcapng_writer_close(w);
	if (err) {
		fprintf(stderr, "mkbig: %s: %s\n", argv[2], strerror(-err));
		return 1;
	}
	fprintf(stderr, "mkbig: wrote %llu packets\n", (unsigned long long)written);
	free(buf);
	free(jbuf);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * netrec's command line: getopt_long with tcpdump's letters where the
 * meaning is the same, --help with examples, and the check that the
 * process holds the capabilities it needs. It validates syntax only;
 * whether an interface exists or a filter compiles is checked by main.c.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"
#include "netrec.h"
#include "profile.h"
#include "cli.h"
#include "log.h"

static const char usage_text[] =
"Usage: netrec -o FILE [options] [expression]\n"
"       netrec -r FILE [-e] [expression]\n"
"       netrec -D\n"
"Record TCP, ICMP and ICMPv6 packets with the process that owns each one,\n"
"and the kernel's TCP events, into a pcapng file Wireshark opens.\n"
"\n"
"  -o, -w FILE          write to FILE (\"-\": standard output; a .zst name compresses)\n"
"  -i IFACE             capture on IFACE only, and record only the kernel events of\n"
"                       connections with packets there (repeatable; default and\n"
"                       \"any\": every interface, including ones that appear later);\n"
"                       NS:IFACE: interface IFACE of network namespace NS (an ip\n"
"                       netns name, a namespace file, or an inode netrec -D lists)\n"
"  -s SNAPLEN           keep at most SNAPLEN bytes of each packet (0: whole packet)\n"
"  -B KIB               kernel buffer of KIB KiB between the capture and netrec\n"
"                       (default 16384, at least 1024; a power of two is used)\n"
"  -c COUNT             stop after COUNT packets\n"
"      --duration SECS  stop after SECS seconds\n"
"  -C MB                start a new file when the current one exceeds MB million bytes\n"
"  -G SECS              start a new file every SECS seconds (strftime in FILE)\n"
"  -W N                 keep N files (with -C: a ring of N; with -G: stop after N)\n"
"  -p PID               only packets and events of process PID (repeatable)\n"
"      --comm NAME      only processes named NAME (repeatable)\n"
"      --children       with -p/--comm: their descendants too\n"
"      --cgroup PATH    only processes in cgroup PATH or below it (a v2 path such as\n"
"                       /system.slice, or the directory under the v2 mount)\n"
"      --netns NS       also the sockets and interfaces of network namespace NS\n"
"                       (an ip netns name, a pattern of them such as 'web*' that\n"
"                       new namespaces are matched against too, or a namespace\n"
"                       file such as /proc/PID/ns/net; repeatable); \"all\": every\n"
"                       namespace, also new ones; \"self\": netrec's own only;\n"
"                       default: all in the initial namespace, else its own\n"
"      --events LIST    kernel events to record, comma-separated: state, retransmit,\n"
"                       retransmit_synack, reset_sent, reset_recv (reset: both),\n"
"                       sk_error, zero_window_adv, window_open_adv, zero_window_recv,\n"
"                       window_open_recv (window: these four), destroy, connect,\n"
"                       accept, close (lifecycle: these three), all (default)\n"
"  -K, --kernel-stack   record the kernel stack of each kernel event from a\n"
"                       tracepoint, named from /proc/kallsyms\n"
"      --no-events      record packets only\n"
"  -Z USER              drop privileges to USER once set up\n"
"  -r FILE              read a recording (or any capture) back: one line per packet\n"
"                       with its process, as netanalyze lists packets; an\n"
"                       expression keeps the packets it matches, as tcpdump -r does\n"
"  -e                   with -r: link-layer and IP details on each line\n"
"  -D                   list the interfaces netrec can record here, and the\n"
"                       machine's network namespaces\n"
"  -n                   accepted and ignored (netrec never resolves names)\n"
"  -q                   quiet: warnings only\n"
"  -v                   more detail (repeat for libbpf's messages)\n"
"  -h, --help           this help\n"
"  -V, --version        print the version\n"
"  expression           a pcap-filter(7) expression, as tcpdump takes it\n"
"Long names of the letters: --output, --write, --interface, --snaplen, --count,\n"
"--file-size (-C), --rotate-seconds (-G), --file-count (-W), --pid, --user (-Z),\n"
"--buffer-size (-B), --read (-r), --list-interfaces (-D), --quiet, --verbose.\n"
"\n"
"On exit, a summary line goes to standard error: packets and events written, the\n"
"share of packets attributed to a process, packets filtered out, records dropped.\n"
"Exit status: 0 once stopped (signal, -c, --duration, -W, or a reader that closed\n"
"standard output), 1 on an error, 2 on a bad option, interface, filter or user.\n"
"\n"
"EXAMPLES:\n"
"  sudo netrec -o trace.pcapng                    # everything, until Ctrl-C\n"
"  sudo netrec -o trace.pcapng.zst -i eth0 port 443\n"
"  sudo netrec -o - | tshark -r -                 # live into tshark\n"
"  sudo netrec -o trace.pcapng -p 4242 --children --duration 60\n"
"  sudo netrec -o ring.pcapng -C 100 -W 5         # 5 files of 100 MB at most\n"
"  sudo netrec -o 'trace-%H%M.pcapng' -G 600 -Z nobody\n"
"  netrec -r trace.pcapng port 443                # read it back, tcpdump-style\n";

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "netrec: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry 'netrec --help'.\n");
	va_end(ap);
	exit(2);
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return !errno && end != s && !*end && s[0] != '-';
}

/* --events: names of docs/format.md §5.2 (format/profile.h), and the
 * groups "reset", "window" and "all". */
static uint32_t parse_events(const char *list)
{
	static const struct {
		const char *name;
		uint32_t mask;
	} groups[] = {
		{ "reset", 1U << NR_EV_T_RESET_SENT | 1U << NR_EV_T_RESET_RECV },
		{ "window", NR_EV_WINDOW_MASK },
		{ "lifecycle", 1U << NR_EV_T_CONNECT | 1U << NR_EV_T_ACCEPT | 1U << NR_EV_T_CLOSE },
		{ "all", 0xffffffffU },
	};
	char *copy = strdup(list), *save, *tok;
	uint32_t mask = 0;

	if (!copy)
		exit(1);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		/* the kernel's event types are numbered as the profile's */
		unsigned ev = nr_event_from_name(tok, strlen(tok));
		size_t i;

		if (ev) {
			mask |= 1U << ev;
			continue;
		}
		for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
			if (strcmp(tok, groups[i].name) == 0)
				break;
		if (i == sizeof(groups) / sizeof(groups[0]))
			usage_error("unknown event '%s' in --events", tok);
		mask |= groups[i].mask;
	}
	free(copy);
	return mask;
}

enum { OPT_DURATION = 256, OPT_COMM, OPT_CHILDREN, OPT_CGROUP, OPT_EVENTS, OPT_NO_EVENTS,
       OPT_VERSION, OPT_NETNS };

void cli_parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "write", required_argument, NULL, 'w' },
		{ "interface", required_argument, NULL, 'i' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "file-size", required_argument, NULL, 'C' },
		{ "rotate-seconds", required_argument, NULL, 'G' },
		{ "file-count", required_argument, NULL, 'W' },
		{ "pid", required_argument, NULL, 'p' },
		{ "comm", required_argument, NULL, OPT_COMM },
		{ "children", no_argument, NULL, OPT_CHILDREN },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "netns", required_argument, NULL, OPT_NETNS },
		{ "events", required_argument, NULL, OPT_EVENTS },
		{ "no-events", no_argument, NULL, OPT_NO_EVENTS },
		{ "kernel-stack", no_argument, NULL, 'K' },
		{ "user", required_argument, NULL, 'Z' },
		{ "buffer-size", required_argument, NULL, 'B' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "read", required_argument, NULL, 'r' },
		{ "list-interfaces", no_argument, NULL, 'D' },
		{ 0 },
	};
	uint64_t v;
	int c;

	o->event_mask = 0xffffffffU;
	o->ring_kib = CLI_RING_KIB_DEFAULT;
	while ((c = getopt_long(argc, argv, "o:w:i:s:c:C:G:W:p:Z:B:r:eDKnqvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
		case 'w':
			o->out = optarg;
			break;
		case 'i':
			/* "any": every interface, as tcpdump -i any */
			if (strcmp(optarg, "any") == 0) {
				o->any_iface = true;
				break;
			}
			if (o->nifaces >= MAX_SEL)
				usage_error("too many -i options");
			o->ifaces[o->nifaces++] = optarg;
			break;
		case 's':
			if (!parse_u64(optarg, &v) || v > 262144)
				usage_error("invalid snap length '%s' (0 to 262144)", optarg);
			o->snaplen = (uint32_t)v;
			break;
		case 'c':
			if (!parse_u64(optarg, &v) || !v)
				usage_error("invalid packet count '%s'", optarg);
			o->count = v;
			break;
		case OPT_DURATION: {
			char *end;

			o->duration = strtod(optarg, &end);
			if (end == optarg || *end || !(o->duration > 0))
				usage_error("invalid duration '%s' (seconds)", optarg);
			break;
		}
		case 'C':
			if (!parse_u64(optarg, &v) || !v || v > UINT64_MAX / 1000000)
				usage_error("invalid file size '%s' (millions of bytes)", optarg);
			o->rotate_bytes = v * 1000000;
			break;
		case 'G':
			if (!parse_u64(optarg, &v) || !v || v > UINT32_MAX)
				usage_error("invalid rotation time '%s' (seconds)", optarg);
			o->rotate_secs = (uint32_t)v;
			break;
		case 'W':
			if (!parse_u64(optarg, &v) || !v || v > 100000)
				usage_error("invalid file count '%s'", optarg);
			o->max_files = (uint32_t)v;
			break;
		case 'p':
			if (!parse_u64(optarg, &v) || !v || v > UINT32_MAX)
				usage_error("invalid pid '%s'", optarg);
			if (o->npids >= MAX_SEL)
				usage_error("too many -p options");
			o->pids[o->npids++] = (uint32_t)v;
			break;
		case OPT_COMM:
			if (o->ncomms >= MAX_SEL)
				usage_error("too many --comm options");
			o->comms[o->ncomms++] = optarg;
			break;
		case OPT_CHILDREN:
			o->children = true;
			break;
		case OPT_CGROUP:
			o->cgroup = optarg;
			break;
		case OPT_NETNS:
			if (strcmp(optarg, "all") == 0) {
				o->all_netns = true;
				break;
			}
			if (strcmp(optarg, "self") == 0) {
				o->self_netns = true;
				break;
			}
			if (o->nnetns >= MAX_SEL)
				usage_error("too many --netns options");
			o->netns[o->nnetns++] = optarg;
			break;
		case OPT_EVENTS:
			o->event_mask = parse_events(optarg);
			break;
		case OPT_NO_EVENTS:
			o->no_events = true;
			break;
		case 'K':
			o->kernel_stack = true;
			break;
		case 'Z':
			o->user = optarg;
			break;
		case 'B':
			if (!parse_u64(optarg, &v) || v < CLI_RING_KIB_MIN || v > (1U << 22))
				usage_error("invalid buffer size '%s' (KiB, %u to %u)", optarg,
					    CLI_RING_KIB_MIN, 1U << 22);
			o->ring_kib = 1;
			while (o->ring_kib < v)
				o->ring_kib <<= 1;
			break;
		case 'q':
			log_level = LOG_WARN;
			break;
		case 'v':
			log_level = log_level < LOG_DEBUG ? LOG_DEBUG : log_level + 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'V':
			printf("netrec %s\n", NETREC_VERSION);
			exit(0);
		case 'r':
			o->read = optarg;
			break;
		case 'e':
			o->details = true;
			break;
		case 'D':
			o->list_ifaces = true;
			break;
		case 'n':
			break;
		default:
			fprintf(stderr, "Try 'netrec --help'.\n");
			exit(2);
		}
	}
	if (o->any_iface)
		o->nifaces = 0;
	if (o->self_netns && (o->all_netns || o->nnetns))
		usage_error("--netns self records netrec's own namespace only: give no other --netns");
	if (o->list_ifaces)
		return;
	if (o->read && o->out)
		usage_error("-r reads a recording and -o writes one: give one of them");
	if (o->details && !o->read)
		usage_error("-e goes with -r FILE");
	if (!o->out && !o->read)
		usage_error("no output given: use -o FILE (or -o - for standard output)");
	if (o->out && strcmp(o->out, "-") == 0 && (o->rotate_bytes || o->rotate_secs))
		usage_error("-C and -G need a file name, not standard output");
	if (o->max_files && !o->rotate_bytes && !o->rotate_secs)
		usage_error("-W needs -C or -G");
	if (o->children && !o->npids && !o->ncomms)
		usage_error("--children needs -p or --comm");
	if (optind < argc) {
		size_t len = 0;

		for (int i = optind; i < argc; i++)
			len += strlen(argv[i]) + 1;
		o->filter = calloc(1, len + 1);
		if (!o->filter)
			exit(1);
		for (int i = optind; i < argc; i++) {
			if (i > optind)
				strcat(o->filter, " ");
			strcat(o->filter, argv[i]);
		}
	}
}

/* Root, or the capabilities BPF and tc need. */
int cli_check_caps(void)
{
	static const struct {
		int bit;
		const char *name;
	} need[] = { { 39, "CAP_BPF" }, { 38, "CAP_PERFMON" }, { 12, "CAP_NET_ADMIN" } };
	char line[256];
	uint64_t eff = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "CapEff: %" SCNx64, &eff) == 1)
				break;
		fclose(f);
	}
	if (eff & (1ULL << 21)) /* CAP_SYS_ADMIN covers BPF and perfmon */
		eff |= 1ULL << 39 | 1ULL << 38;
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (!(eff & (1ULL << need[i].bit))) {
			pr_warn("%s is required to load and attach the capture programs "
				"(need CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN; run as root)",
				need[i].name);
			return -EPERM;
		}
	return 0;
}


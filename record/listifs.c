// SPDX-License-Identifier: GPL-2.0-only
/*
 * netrec -D, as tcpdump -D: the interfaces netrec can record in the network
 * namespace it runs in, one a line ("2.eth0 [Up, Running]", the number
 * being the interface index), then the machine's network namespaces with
 * their inode (the `netns` of the file's interfaces and records), the name
 * `ip netns` gives one, and a process in each. Reading other processes'
 * namespaces needs root; without it fewer are listed. Names are printed
 * with control characters escaped (an interface or command name is
 * anyone's choice).
 */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "readback.h"

#define MAX_NS 4096

struct ns {
	unsigned long ino;
	int pid;
	unsigned nprocs;
	char comm[32];
	char name[64];
};

static void put_safe(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			printf("\\x%02x", *p);
		else
			putchar(*p);
}

static unsigned read_flags(const char *ifname)
{
	char path[128];
	unsigned flags = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/flags", ifname);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%x", &flags) != 1)
			flags = 0;
		fclose(f);
	}
	return flags;
}

static void list_ifaces(void)
{
	struct if_nameindex *ifs = if_nameindex(), *i;

	if (!ifs) {
		fprintf(stderr, "netrec: cannot list interfaces: %s\n", strerror(errno));
		return;
	}
	for (i = ifs; i->if_index; i++) {
		unsigned fl = read_flags(i->if_name);
		const char *sep = "";

		printf("%u.", i->if_index);
		put_safe(i->if_name);
		fputs(" [", stdout);
		if (fl & IFF_UP)
			printf("%sUp", sep), sep = ", ";
		if (fl & IFF_RUNNING)
			printf("%sRunning", sep), sep = ", ";
		if (fl & IFF_LOOPBACK)
			printf("%sLoopback", sep), sep = ", ";
		if (!(fl & IFF_UP))
			printf("%sDown", sep);
		puts("]");
	}
	if_freenameindex(ifs);
}

static struct ns *ns_find(struct ns *v, int n, unsigned long ino)
{
	for (int i = 0; i < n; i++)
		if (v[i].ino == ino)
			return &v[i];
	return NULL;
}

static int ns_cmp(const void *a, const void *b)
{
	unsigned long x = ((const struct ns *)a)->ino, y = ((const struct ns *)b)->ino;

	return x < y ? -1 : x > y;
}

static void list_netns(void)
{
	struct ns *v = calloc(MAX_NS, sizeof(*v));
	struct stat self, st;
	struct dirent *d;
	int n = 0;
	DIR *dir;

	if (!v)
		return;
	if (stat("/proc/self/ns/net", &self))
		self.st_ino = 0;
	dir = opendir("/proc");
	while (dir && (d = readdir(dir))) {
		char path[300];
		struct ns *e;
		int pid = atoi(d->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
		if (stat(path, &st))
			continue;
		e = ns_find(v, n, st.st_ino);
		if (!e && n < MAX_NS) {
			FILE *f;

			e = &v[n++];
			e->ino = st.st_ino;
			e->pid = pid;
			snprintf(path, sizeof(path), "/proc/%d/comm", pid);
			f = fopen(path, "re");
			if (f) {
				if (fgets(e->comm, sizeof(e->comm), f))
					e->comm[strcspn(e->comm, "\n")] = 0;
				fclose(f);
			}
		}
		if (e)
			e->nprocs++;
	}
	if (dir)
		closedir(dir);
	/* names given by ip netns (bind mounts in /run/netns) */
	dir = opendir("/run/netns");
	while (dir && (d = readdir(dir))) {
		char path[300];
		struct ns *e;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", d->d_name);
		if (stat(path, &st))
			continue;
		e = ns_find(v, n, st.st_ino);
		if (!e && n < MAX_NS) {
			e = &v[n++];
			e->ino = st.st_ino;
		}
		if (e && !e->name[0])
			snprintf(e->name, sizeof(e->name), "%.63s", d->d_name);
	}
	if (dir)
		closedir(dir);
	qsort(v, (size_t)n, sizeof(*v), ns_cmp);
	puts("Network namespaces:");
	for (int i = 0; i < n; i++) {
		printf("  netns %lu", v[i].ino);
		if (v[i].ino == self.st_ino)
			fputs(" (this one)", stdout);
		if (v[i].name[0]) {
			fputs(" name ", stdout);
			put_safe(v[i].name);
		}
		if (v[i].pid) {
			printf(" pid %d ", v[i].pid);
			put_safe(v[i].comm);
			printf(" (%u processes)", v[i].nprocs);
		}
		putchar('\n');
	}
	free(v);
}

int listifs_run(void)
{
	list_ifaces();
	list_netns();
	return fflush(stdout) ? 1 : 0;
}

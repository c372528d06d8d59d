// SPDX-License-Identifier: GPL-2.0-only
/*
 * The process table: what /proc says about every process that owns a
 * recorded socket, kept so that a process that exits during the recording
 * is still described. A process is named by its pid and its start time
 * (which the kernel side reads from the task; /proc/PID/stat's starttime
 * counts the same clock in ticks), and its image by the exec count: a pid
 * used again by another process, or a process that calls execve, gets an
 * entry of its own, read afresh, and /proc is read only while /proc/PID is
 * still the process named (else the entry keeps what the kernel side
 * said). The table is bounded: past its size the least recently used entry
 * goes (it is read again if it is named again).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc.h"

#define PROC_BUCKETS 4096
#define PROC_MIN_MAX 256             /* more than any walk touches at once */

static struct proc_info *buckets[PROC_BUCKETS];
static struct proc_info lru;         /* list head: most recent first */
static size_t count, max_count;
static uint64_t serials, evicted;
static uint64_t tick_ns;             /* ns per /proc clock tick */
static char cg2_root[PATH_MAX];
static bool cg2_looked;

/* The entry each of the last owners named, by pid: a record's owner is
 * most often one of a few processes, and each record is looked up twice
 * (on intake and when written). Valid while no entry was evicted since. */
#define MEMO 64
static struct memo {
	uint32_t pid, exec_id;
	uint64_t start_ns, evicted;
	struct proc_info *p;
} memo[MEMO];

int proc_table_init(size_t max)
{
	long hz = sysconf(_SC_CLK_TCK);

	memset(buckets, 0, sizeof(buckets));
	memset(memo, 0, sizeof(memo));
	lru.lru_prev = lru.lru_next = &lru;
	count = evicted = 0;
	max_count = max < PROC_MIN_MAX ? PROC_MIN_MAX : max;
	tick_ns = hz > 0 ? 1000000000ULL / (uint64_t)hz : 10000000ULL;
	return 0;
}

static void entry_free(struct proc_info *p)
{
	free(p->exe);
	free(p->cmdline);
	free(p->cgroup);
	free(p);
}

void proc_table_free(void)
{
	for (int i = 0; i < PROC_BUCKETS; i++) {
		struct proc_info *p = buckets[i], *n;

		for (; p; p = n) {
			n = p->next;
			entry_free(p);
		}
		buckets[i] = NULL;
	}
	memset(memo, 0, sizeof(memo));
	lru.lru_prev = lru.lru_next = &lru;
	count = 0;
}

size_t proc_table_count(void)
{
	return count;
}

uint64_t proc_table_evicted(void)
{
	return evicted;
}

uint64_t proc_start_ticks(uint64_t start_ns)
{
	return start_ns / tick_ns;
}

uint64_t proc_ticks_ns(uint64_t ticks)
{
	return ticks * tick_ns;
}

static void lru_unlink(struct proc_info *p)
{
	p->lru_prev->lru_next = p->lru_next;
	p->lru_next->lru_prev = p->lru_prev;
}

static void lru_front(struct proc_info *p)
{
	p->lru_next = lru.lru_next;
	p->lru_prev = &lru;
	lru.lru_next->lru_prev = p;
	lru.lru_next = p;
}

static void touch(struct proc_info *p)
{
	if (lru.lru_next != p) {
		lru_unlink(p);
		lru_front(p);
	}
}

static void evict_oldest(void)
{
	struct proc_info *p = lru.lru_prev, **pp;

	if (p == &lru)
		return;
	for (pp = &buckets[p->pid % PROC_BUCKETS]; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	lru_unlink(p);
	entry_free(p);
	count--;
	evicted++;
}

static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, tot = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)tot < cap - 1) {
		n = read(fd, buf + tot, cap - 1 - tot);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			tot = -errno;
			break;
		}
		if (n == 0)
			break;
		tot += n;
	}
	close(fd);
	if (tot >= 0)
		buf[tot] = '\0';
	return tot;
}

static bool find_cgroup2(const char *mountinfo, const char *prefix)
{
	char line[4096];
	bool found = false;
	FILE *f = fopen(mountinfo, "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		/* id parent maj:min root mountpoint opts... - fstype src opts */
		char *sep = strstr(line, " - ");
		char mnt[PATH_MAX];

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1) {
			snprintf(cg2_root, sizeof(cg2_root), "%s%s", prefix, mnt);
			found = true;
		}
	}
	fclose(f);
	return found;
}

const char *proc_cgroup2_root(void)
{
	if (cg2_looked)
		return cg2_root;
	cg2_looked = true;
	if (!find_cgroup2("/proc/self/mountinfo", ""))
		cg2_root[0] = '\0';
	return cg2_root;
}

/* The cgroup v2 root: where it is mounted, else (in the private mount
 * namespace `ip netns exec` makes, which hides it) a mount of our own that
 * is detached as soon as it is open. */
int proc_cgroup2_open(void)
{
	char dir[] = "/tmp/netrec-cgroup.XXXXXX";
	const char *root = proc_cgroup2_root();
	int fd;

	if (*root) {
		fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			return fd;
	}
	if (!mkdtemp(dir))
		return -errno;
	if (mount("cgroup2", dir, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) {
		fd = -errno;
		rmdir(dir);
		return fd;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	return fd;
}

int proc_cgroup_resolve(const char *arg, char *out, size_t len)
{
	/* where netrec sees no mount (`ip netns exec` mounts a sysfs of its
	 * own over /sys), the places systemd mounts it */
	static const char *const usual[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
	const char *root = proc_cgroup2_root(), *rel = arg;
	struct stat st;
	int fd, err;

	/* the directory under the mount point, as `ls /sys/fs/cgroup/...`
	 * shows it, else a path as /proc/PID/cgroup gives it */
	for (size_t i = 0; i < 3 && rel == arg; i++) {
		const char *mnt = i == 0 ? root : usual[i - 1];
		size_t n = strlen(mnt);

		if (n && (i == 0 || !*root) && strncmp(arg, mnt, n) == 0 &&
		    (arg[n] == '/' || arg[n] == '\0'))
			rel = arg[n] ? arg + n : "/";
	}
	if (rel[0] != '/' || strstr(rel, "/../") || snprintf(out, len, "%s", rel) >= (int)len)
		return -EINVAL;
	/* a trailing '/' means the same directory */
	for (size_t k = strlen(out); k > 1 && out[k - 1] == '/'; k--)
		out[k - 1] = '\0';
	fd = proc_cgroup2_open();
	if (fd < 0)
		return -ENOENT;
	err = out[1] && (fstatat(fd, out + 1, &st, 0) || !S_ISDIR(st.st_mode)) ? -ENOENT : 0;
	close(fd);
	return err;
}

void proc_container_id(const char *cg, char out[65])
{
	size_t run = 0;

	out[0] = '\0';
	if (!cg)
		return;
	for (const char *p = cg;; p++) {
		if (*p && isxdigit((unsigned char)*p) && !isupper((unsigned char)*p)) {
			run++;
			continue;
		}
		if (run == 64) {
			memcpy(out, p - 64, 64);
			out[64] = '\0';
			return;
		}
		run = 0;
		if (!*p)
			return;
	}
}

/* /proc/PID/stat's starttime (field 22), or 0. The command name (field 2)
 * may hold spaces and parentheses: fields are counted after its last ')'. */
static uint64_t stat_start_ticks(uint32_t pid, uint32_t *ppid)
{
	char path[64], buf[1024], *s;
	unsigned long long v = 0;
	int field;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	if (read_small(path, buf, sizeof(buf)) <= 0 || !(s = strrchr(buf, ')')))
		return 0;
	/* s + 2 is field 3 (state) */
	s += 2;
	for (field = 3; field < 22 && *s; field++) {
		if (field == 4 && ppid)
			*ppid = (uint32_t)strtoul(s, NULL, 10);
		s = strchr(s, ' ');
		if (!s)
			return 0;
		s++;
	}
	if (sscanf(s, "%llu", &v) != 1)
		return 0;
	return v;
}

/* Fills pi from /proc, if /proc/PID is still the process pi names (same
 * start time, when pi knows it). */
static void proc_read(struct proc_info *pi)
{
	char path[64], buf[8192], *s;
	uint64_t ticks = stat_start_ticks(pi->pid, NULL);
	ssize_t n;

	if (!ticks || (pi->start_ticks && ticks != pi->start_ticks))
		return; /* gone, or the pid is another process's now */
	pi->start_ticks = ticks;
	snprintf(path, sizeof(path), "/proc/%u/status", pi->pid);
	n = read_small(path, buf, sizeof(buf));
	if (n <= 0)
		return;
	pi->from_proc = true;
	if (!pi->parent_known && (s = strstr(buf, "\nPPid:"))) {
		pi->ppid = strtoul(s + 6, NULL, 10);
		pi->parent_known = true;
	}
	if ((s = strstr(buf, "\nUid:")))
		pi->uid = strtoul(s + 5, NULL, 10);
	if ((s = strstr(buf, "\nGid:")))
		pi->gid = strtoul(s + 5, NULL, 10);

	snprintf(path, sizeof(path), "/proc/%u/comm", pi->pid);
	if (read_small(path, buf, sizeof(buf)) > 0) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(pi->comm, sizeof(pi->comm), "%.15s", buf);
	}

	snprintf(path, sizeof(path), "/proc/%u/exe", pi->pid);
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		pi->exe = strdup(buf);
	}

	snprintf(path, sizeof(path), "/proc/%u/cmdline", pi->pid);
	n = read_small(path, buf, sizeof(buf));
	if (n > 0) {
		while (n > 0 && buf[n - 1] == '\0')
			n--;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\0' || buf[i] == '\n')
				buf[i] = ' ';
		buf[n] = '\0';
		pi->cmdline = strdup(buf);
	}

	snprintf(path, sizeof(path), "/proc/%u/cgroup", pi->pid);
	if (read_small(path, buf, sizeof(buf)) > 0) {
		for (char *line = strtok_r(buf, "\n", &s); line; line = strtok_r(NULL, "\n", &s)) {
			if (strncmp(line, "0::", 3) == 0) {
				pi->cgroup = strdup(line + 3);
				break;
			}
		}
	}
	if (pi->cgroup && *proc_cgroup2_root()) {
		char full[PATH_MAX];
		struct stat st;

		snprintf(full, sizeof(full), "%s%s", proc_cgroup2_root(), pi->cgroup);
		if (stat(full, &st) == 0)
			pi->cgroup_id = st.st_ino;
	}
	proc_container_id(pi->cgroup, pi->container);
}

/* A new entry for pid, read from /proc where that is still the process. */
static struct proc_info *entry_new(uint32_t pid, uint64_t start_ticks, uint32_t exec_id,
				   const char *comm, uint32_t uid, uint32_t gid,
				   uint64_t cgroup_id, int64_t now_real_ns)
{
	struct proc_info *p;
	unsigned b = pid % PROC_BUCKETS;

	if (count >= max_count)
		evict_oldest();
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->serial = ++serials;
	p->pid = pid;
	p->start_ticks = start_ticks;
	p->exec_id = exec_id;
	p->uid = uid;
	p->gid = gid;
	p->cgroup_id = cgroup_id;
	p->first_seen_real_ns = now_real_ns;
	if (comm)
		snprintf(p->comm, sizeof(p->comm), "%.15s", comm);
	proc_read(p);
	if (cgroup_id)
		p->cgroup_id = cgroup_id; /* the kernel's id is authoritative */
	p->next = buckets[b];
	buckets[b] = p;
	lru_front(p);
	count++;
	return p;
}

struct proc_info *proc_of(const struct nr_owner *o, int64_t now_real_ns)
{
	struct memo *m = &memo[o->pid % MEMO];
	struct proc_info *p, *same_start = NULL;
	uint64_t ticks;

	if (!o->pid)
		return NULL;
	/* the same question as last time for this pid: the same answer */
	if (m->p && m->pid == o->pid && m->start_ns == o->start_ns && o->start_ns &&
	    m->exec_id == o->exec_id && m->evicted == evicted) {
		p = m->p;
		goto found;
	}
	ticks = o->start_ns ? proc_start_ticks(o->start_ns) : 0;
	for (p = buckets[o->pid % PROC_BUCKETS]; p; p = p->next) {
		if (p->pid != o->pid)
			continue;
		if (!ticks)
			break;  /* the owner does not say which: the newest entry */
		if (p->start_ticks == ticks && (p->exec_id == o->exec_id ||
						 p->exec_id == NR_EXEC_UNKNOWN ||
						 o->exec_id == NR_EXEC_UNKNOWN)) {
			if (p->exec_id == NR_EXEC_UNKNOWN)
				p->exec_id = o->exec_id;
			break;
		}
		if (!p->start_ticks && !same_start)
			same_start = p; /* read before the start was known */
	}
	if (!p && same_start && same_start->from_proc &&
	    stat_start_ticks(o->pid, NULL) == ticks) {
		p = same_start;
		p->start_ticks = ticks;
		p->exec_id = o->exec_id;
	}
	if (p) {
found:
		/* first looked up without a time (ancestor walks, the start-up
		 * scan): it is first seen now */
		if (!p->first_seen_real_ns)
			p->first_seen_real_ns = now_real_ns;
		if (!p->ns_pid)
			p->ns_pid = o->ns_pid;
		touch(p);
	} else {
		p = entry_new(o->pid, ticks, o->start_ns ? o->exec_id : NR_EXEC_UNKNOWN, o->comm,
			      o->uid, o->gid, o->cgroup_id, now_real_ns);
		if (!p)
			return NULL;
		p->ns_pid = o->ns_pid;
	}
	if (o->start_ns)
		*m = (struct memo){ o->pid, o->exec_id, o->start_ns, evicted, p };
	return p;
}

struct proc_info *proc_by_pid(uint32_t pid)
{
	struct proc_info *p;

	if (!pid)
		return NULL;
	for (p = buckets[pid % PROC_BUCKETS]; p; p = p->next)
		if (p->pid == pid) {
			touch(p);
			return p;
		}
	return entry_new(pid, 0, NR_EXEC_UNKNOWN, NULL, 0, 0, 0, 0);
}

void proc_set_parent(struct proc_info *p, uint32_t ppid)
{
	if (!ppid)
		return;
	p->ppid = ppid;
	p->parent_known = true;
}

bool proc_is_descendant(uint32_t pid, uint32_t ancestor)
{
	for (int depth = 0; pid > 1 && depth < 64; depth++) {
		struct proc_info *p;

		if (pid == ancestor)
			return true;
		p = proc_by_pid(pid);
		if (!p || !p->parent_known)
			return false;
		pid = p->ppid;
	}
	return pid == ancestor;
}

/* System calls that name the socket they block on in their first argument:
 * the thread blocked in one of them is the one using that socket. */
static bool socket_syscall(long nr)
{
#if defined(__x86_64__)
	static const long nrs[] = { 0, 1, 19, 20, 42, 43, 44, 45, 46, 47, 288, 299, 307 };
#elif defined(__aarch64__)
	static const long nrs[] = { 63, 64, 65, 66, 202, 203, 206, 207, 211, 212, 242, 243, 269 };
#else
	static const long nrs[] = { -1 };
#endif
	for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++)
		if (nrs[i] == nr)
			return true;
	return false;
}

#define MAX_BLOCKED 64

struct blocked {
	int fd;
	uint32_t tid;
};

/* Threads of pid blocked in a socket system call, and on which fd. */
static int blocked_threads(uint32_t pid, struct blocked *out)
{
	char path[64], buf[256];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%u/task", pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)) && n < MAX_BLOCKED) {
		long nr;
		unsigned long fd;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%u/task/%.20s/syscall", pid, de->d_name);
		if (read_small(path, buf, sizeof(buf)) <= 0)
			continue;
		if (sscanf(buf, "%ld 0x%lx", &nr, &fd) != 2 || !socket_syscall(nr))
			continue;
		out[n].fd = (int)fd;
		out[n].tid = strtoul(de->d_name, NULL, 10);
		n++;
	}
	closedir(d);
	return n;
}

int proc_scan_sockets(int (*cb)(uint32_t pid, uint32_t tid, uint64_t inode, void *ctx),
		      void *ctx)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	int err = 0;

	if (!proc)
		return -errno;
	while ((de = readdir(proc))) {
		char path[PATH_MAX], link[64];
		struct blocked blocked[MAX_BLOCKED];
		struct dirent *fe;
		uint32_t pid;
		int dfd, nblocked;
		DIR *fds;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtoul(de->d_name, NULL, 10);
		nblocked = blocked_threads(pid, blocked);
		snprintf(path, sizeof(path), "/proc/%u/fd", pid);
		dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			continue;
		fds = fdopendir(dfd);
		if (!fds) {
			close(dfd);
			continue;
		}
		while ((fe = readdir(fds))) {
			unsigned long long ino;
			uint32_t tid = pid;
			ssize_t n;

			if (fe->d_name[0] == '.')
				continue;
			n = readlinkat(dfd, fe->d_name, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (sscanf(link, "socket:[%llu]", &ino) != 1)
				continue;
			for (int i = 0; i < nblocked; i++)
				if (blocked[i].fd == atoi(fe->d_name))
					tid = blocked[i].tid;
			err = cb(pid, tid, ino, ctx);
			if (err)
				break;
		}
		closedir(fds);
		if (err)
			break;
	}
	closedir(proc);
	return err;
}

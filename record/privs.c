// SPDX-License-Identifier: GPL-2.0-only
/*
 * -Z, done the way a daemon that drops root should: nothing the process
 * could regain (the capability bounding set is emptied, no-new-privileges
 * is set, so that no setuid program it might run gives any back), and a
 * start-up check that the user can do what the recording will ask of it
 * later (create the rotated files), instead of failing at the first
 * rotation.
 */
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "privs.h"

bool privs_can_create(const char *user, uid_t uid, gid_t gid, const char *path)
{
	char copy[PATH_MAX];
	const char *dir;
	pid_t child;
	int st;

	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	child = fork();
	if (child < 0)
		return false;
	if (child == 0) {
		/* access(2) checks with the real ids, which setuid sets */
		if (initgroups(user, gid) || setgid(gid) || setuid(uid))
			_exit(2);
		_exit(access(dir, W_OK | X_OK) ? 1 : 0);
	}
	if (waitpid(child, &st, 0) < 0)
		return false;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int n = 40;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = 40;
		fclose(f);
	}
	return n;
}

int privs_drop(const char *user, uid_t uid, gid_t gid)
{
	const char *what = "cannot drop the capability bounding set";
	int err = 0, n = last_cap();

	for (int cap = 0; cap <= n && !err; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
			err = -errno;
	if (!err && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL) {
		what = "cannot clear the ambient capabilities";
		err = -errno;
	}
	if (!err && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		what = "cannot set no-new-privileges";
		err = -errno;
	}
	if (!err && (initgroups(user, gid) || setgid(gid) || setuid(uid))) {
		what = "cannot change user";
		err = -errno;
	}
	if (err)
		pr_warn("-Z %s: %s: %s", user, what, strerror(-err));
	return err;
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pidreuse: runs a command as a process with a chosen pid (clone3 with
 * set_tid, Linux 5.5+, root), for the end-to-end test of a pid that is used
 * again by another program: the test runs a first program, lets it exit,
 * then runs a second one under the same pid.
 *
 *   pidreuse PID CMD [ARG...]
 *
 * The child is in pidreuse's own pid namespace (the caller's); exits with
 * the command's status, 1 if the pid cannot be had (it is in use).
 */
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	pid_t want, child;
	struct clone_args ca;
	int st;

	if (argc < 3 || (want = (pid_t)atol(argv[1])) <= 1) {
		fprintf(stderr, "usage: pidreuse PID CMD [ARG...]\n");
		return 2;
	}
	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	ca.set_tid = (uint64_t)(uintptr_t)&want;
	ca.set_tid_size = 1;
	child = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (child < 0) {
		fprintf(stderr, "pidreuse: cannot have pid %d: %s\n", (int)want, strerror(errno));
		return 1;
	}
	if (child == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "pidreuse: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	if (waitpid(child, &st, 0) < 0)
		return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

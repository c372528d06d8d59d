// SPDX-License-Identifier: GPL-2.0-only
/*
 * Output files: tcpdump's names (strftime with -G, a counter with -C, a
 * ring of -W), creation that never follows a symbolic link, never leaves a
 * file readable by others (0600) and never takes a file another netrec is
 * writing (each file is locked while written), the rotation policy, and
 * cutting a file back to its last whole block when the disk is full. It
 * knows nothing of what goes into a file (record/output.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "files.h"

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

void files_init(struct files *f, const char *pattern, uint64_t rotate_bytes,
		uint32_t rotate_secs, uint32_t max_files)
{
	memset(f, 0, sizeof(*f));
	f->pattern = pattern;
	f->to_stdout = strcmp(pattern, "-") == 0;
	f->zst = !f->to_stdout && ends_with(pattern, ".zst");
	f->rotate_bytes = rotate_bytes;
	f->rotate_secs = rotate_secs;
	f->max_files = max_files;
}

/* tcpdump's names: strftime when -G is given, then a counter with -C
 * (none on the first file unless -W asks for a ring of fixed width). */
static void make_name(const struct files *f, char *buf, size_t len, uint32_t index)
{
	char base[PATH_MAX];
	int width = 0;

	snprintf(base, sizeof(base), "%s", f->pattern);
	if (f->rotate_secs && strchr(f->pattern, '%')) {
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		if (!strftime(base, sizeof(base), f->pattern, &tm))
			snprintf(base, sizeof(base), "%s", f->pattern);
#pragma GCC diagnostic pop
	}
	if (f->max_files)
		for (uint32_t n = f->max_files - 1; ; n /= 10) {
			width++;
			if (n < 10)
				break;
		}
	if (!f->rotate_bytes || (index == 0 && !f->max_files))
		width = snprintf(buf, len, "%s", base);
	else
		width = snprintf(buf, len, "%s%0*u", base, width,
				 f->max_files ? index % f->max_files : index);
	if (width < 0 || (size_t)width >= len)
		buf[len - 1] = '\0';
}

/* Opens path for writing, 0600, never through a symbolic link, locked
 * (flock) for as long as netrec writes it: a file another netrec is
 * writing is left alone (-EBUSY); any other existing regular file is
 * emptied, as tcpdump -w does. */
static int create_file(const char *path)
{
	struct stat st;
	int fd, err;

	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode))
			return -ELOOP;
		if (!S_ISREG(st.st_mode))
			return -EEXIST;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		err = -EEXIST;
		goto fail;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto fail;
	}
	if (ftruncate(fd, 0) || fchmod(fd, 0600) ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)) {
		err = -errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return err;
}

int files_create(struct files *f)
{
	int fd;

	if (f->to_stdout) {
		snprintf(f->path, sizeof(f->path), "-");
		f->index++;
		return STDOUT_FILENO;
	}
	make_name(f, f->path, sizeof(f->path), f->index);
	fd = create_file(f->path);
	if (fd < 0) {
		if (fd == -ELOOP)
			pr_warn("cannot create %s: it is a symbolic link; netrec never writes "
				"through one", f->path);
		else if (fd == -EBUSY)
			pr_warn("cannot write %s: another netrec is recording into it (the file "
				"is locked); choose another name", f->path);
		else
			pr_warn("cannot create %s: %s", f->path, strerror(-fd));
		return fd;
	}
	if (f->chown && fchown(fd, f->uid, f->gid))
		pr_warn("cannot give %s to uid %u: %s", f->path, (unsigned)f->uid,
			strerror(errno));
	f->index++;
	return fd;
}

int files_due(const struct files *f, uint64_t bytes, int64_t age_ns)
{
	if (f->to_stdout)
		return 0;
	if (f->rotate_bytes && bytes >= f->rotate_bytes)
		return 1;
	if (f->rotate_secs && age_ns >= (int64_t)f->rotate_secs * 1000000000LL)
		return 2;
	return 0;
}

bool files_last(const struct files *f)
{
	/* -G -W without -C: stop after that many files, as tcpdump does */
	return !f->rotate_bytes && f->max_files && f->done >= f->max_files;
}

int files_cut(const struct files *f, int fd, uint64_t len)
{
	if (f->to_stdout)
		return -ESPIPE;
	return ftruncate(fd, (off_t)len) ? -errno : 0;
}

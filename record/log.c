// SPDX-License-Identifier: GPL-2.0-only
/*
 * The logging helper behind pr_warn/pr_info/pr_debug, and the bridge that
 * hands libbpf's messages to it one level lower than libbpf rates them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "log.h"

int log_level = LOG_INFO;

static void log_vmsg(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void log_vmsg(int level, const char *fmt, va_list ap)
{
	if (level > log_level)
		return;
	fputs("netrec: ", stderr);
	vfprintf(stderr, fmt, ap);
	if (!*fmt || fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', stderr);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static int libbpf_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	int level;

	switch (lvl) {
	case LIBBPF_WARN:
		level = LOG_DEBUG;
		break;
	case LIBBPF_INFO:
		level = LOG_DEBUG;
		break;
	default:
		level = LOG_TRACE;
		break;
	}
	if (level > log_level)
		return 0;
	fputs("netrec: libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netrec's messages: everything goes to stderr (stdout may carry the
 * capture), prefixed with "netrec: ". -q shows only warnings, -v adds
 * detail and libbpf's own messages (which are demoted by one level).
 */
#ifndef NETREC_RECORD_LOG_H
#define NETREC_RECORD_LOG_H

enum log_level {
	LOG_WARN = 0,
	LOG_INFO = 1,
	LOG_DEBUG = 2,
	LOG_TRACE = 3,
};

extern int log_level;

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Installs the libbpf print callback that routes through log_msg. */
void log_setup_libbpf(void);

#define pr_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif

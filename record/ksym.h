/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel symbols for -K: /proc/kallsyms read once at start-up, return
 * addresses named as "function+0xoffset" while events are written.
 */
#ifndef NETREC_RECORD_KSYM_H
#define NETREC_RECORD_KSYM_H

#include <stddef.h>
#include <stdint.h>

/* The longest name ksym_put() writes, "+0x" and the offset included. */
#define KSYM_TEXT_MAX 128

/* Loads the text symbols; 0, or a negative errno (-EPERM when the
 * addresses are hidden: kptr_restrict, or not root). */
int ksym_load(void);
/* The same from a file in /proc/kallsyms's format. */
int ksym_load_from(const char *path);
void ksym_free(void);
/* Whether symbols are loaded. */
int ksym_loaded(void);
/* Writes the name of addr ("0x..." when no symbol covers it) at p and
 * returns the end; at most KSYM_TEXT_MAX bytes. */
char *ksym_put(char *p, uint64_t addr);
/* Whether a frame is the tracing machinery that ran the program (the
 * BPF program, without a symbol unless bpf_jit_kallsyms is on, and the
 * tracepoint's dispatch), not the kernel path that hit the tracepoint. */
int ksym_is_tracing(uint64_t addr);

#endif

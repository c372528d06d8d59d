// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel symbolisation for -K (record/ksym.h). /proc/kallsyms is read once
 * into one array sorted by address, names in one block of text; an address
 * is named by binary search, so writing a stack costs no allocation and no
 * system call. Only text symbols (t/T, and the BPF programs' own) are kept.
 * It does not follow modules loaded later: their frames show as addresses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "ksym.h"

struct ksym {
	uint64_t addr;
	uint32_t name;   /* offset in names */
	uint32_t len;
};

/* An address this far past the nearest symbol is not in it: code without
 * a symbol (a BPF program when bpf_jit_kallsyms is off), past the end
 * of the kernel's text. No kernel function is this long. */
#define KSYM_FAR (1U << 20)

static struct ksym *syms;
static size_t nsyms;
static char *names;

static int cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int ksym_load(void)
{
	return ksym_load_from("/proc/kallsyms");
}

int ksym_load_from(const char *path)
{
	size_t cap = 0, ncap = 0, nlen = 0;
	FILE *f = fopen(path, "re");
	char line[512];
	int err = 0, nonzero = 0;

	if (!f)
		return -errno;
	ksym_free();
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a;
		char type, name[256];
		size_t l;

		if (sscanf(line, "%llx %c %255s", &a, &type, name) != 3)
			continue;
		if (type != 't' && type != 'T')
			continue;
		if (a)
			nonzero = 1;
		l = strlen(name);
		if (nsyms == cap) {
			size_t nc = cap ? cap * 2 : 65536;
			struct ksym *n = realloc(syms, nc * sizeof(*n));

			if (!n) {
				err = -ENOMEM;
				goto cleanup;
			}
			syms = n;
			cap = nc;
		}
		if (nlen + l > ncap) {
			size_t nc = ncap ? ncap * 2 : 1 << 21;
			char *n = realloc(names, nc);

			if (!n) {
				err = -ENOMEM;
				goto cleanup;
			}
			names = n;
			ncap = nc;
		}
		memcpy(names + nlen, name, l);
		syms[nsyms].addr = a;
		syms[nsyms].name = (uint32_t)nlen;
		syms[nsyms].len = (uint32_t)l;
		nsyms++;
		nlen += l;
	}
	if (!nonzero) {
		err = -EPERM;   /* addresses hidden */
		goto cleanup;
	}
	qsort(syms, nsyms, sizeof(*syms), cmp);
cleanup:
	fclose(f);
	if (err)
		ksym_free();
	return err;
}

void ksym_free(void)
{
	free(syms);
	free(names);
	syms = NULL;
	names = NULL;
	nsyms = 0;
}

int ksym_loaded(void)
{
	return nsyms > 0;
}

/* The symbol at or below addr, NULL if none. */
static const struct ksym *ksym_find(uint64_t addr)
{
	size_t lo = 0, hi = nsyms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &syms[lo - 1] : NULL;
}

static char *hex(char *p, uint64_t v)
{
	char t[16];
	int n = 0;

	do {
		t[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	*p++ = '0';
	*p++ = 'x';
	while (n)
		*p++ = t[--n];
	return p;
}

char *ksym_put(char *p, uint64_t addr)
{
	const struct ksym *k = ksym_find(addr);
	size_t l;

	if (!k || addr - k->addr >= KSYM_FAR)
		return hex(p, addr);
	/* room for "+0x" and 16 digits */
	l = k->len < KSYM_TEXT_MAX - 19 ? k->len : KSYM_TEXT_MAX - 19;
	p = text_mem(p, names + k->name, l);
	*p++ = '+';
	return hex(p, addr - k->addr);
}

int ksym_is_tracing(uint64_t addr)
{
	static const char *const pre[] = {
		"bpf_prog_", "bpf_trace_run", "__bpf_trace_", "__traceiter_",
		"perf_trace_run_bpf_submit", "perf_syscall_exit", "trace_call_bpf",
		"bpf_get_stack",
	};
	const struct ksym *k = ksym_find(addr);

	if (!k || addr - k->addr >= KSYM_FAR)
		return 1;   /* no symbol: the BPF program itself */
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		size_t l = strlen(pre[i]);

		if (k->len >= l && memcmp(names + k->name, pre[i], l) == 0)
			return 1;
	}
	return 0;
}

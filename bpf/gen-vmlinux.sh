#!/bin/sh
# Generates vmlinux.h for the BPF programs: the running kernel's BTF dumped
# as C when bpftool and /sys/kernel/btf/vmlinux are there (and
# NETREC_VMLINUX_MIN is not set), else the hand-written CO-RE subset.
# usage: gen-vmlinux.sh BPFTOOL OUTPUT FALLBACK_HEADER
set -eu
bpftool=$1 out=$2 fallback=$3
btf=${NETREC_BTF:-/sys/kernel/btf/vmlinux}
if [ -z "${NETREC_VMLINUX_MIN:-}" ] && [ -r "$btf" ] &&
   "$bpftool" btf dump file "$btf" format c > "$out.tmp" 2>/dev/null; then
	mv "$out.tmp" "$out"
else
	rm -f "$out.tmp"
	cp "$fallback" "$out"
fi

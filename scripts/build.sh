#!/usr/bin/env bash
# Configures (once) and builds a meson build directory quietly.
# Usage: scripts/build.sh BUILDDIR [meson setup options...]
set -euo pipefail
dir=$1; shift
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [ ! -f "$dir/build.ninja" ]; then
	meson setup "$dir" "$@" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
fi
meson compile -C "$dir" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
# Show compiler warnings even on success: the build is meant to be clean.
grep -E 'warning:' "$log" >&2 || true

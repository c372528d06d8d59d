#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `meson install` puts the Wireshark plugin and profile in the global folders
# Wireshark reports (tshark -G folders), and the man pages and completions
# where man and bash-completion look: installs into a staging directory
# (DESTDIR) and looks there.
#   test_install.sh BUILDDIR
set -u
build=$1
command -v tshark >/dev/null 2>&1 || { echo "SKIP: tshark is not installed"; exit 77; }
stage=$(mktemp -d /tmp/netrec-ui-install.XXXXXX)
trap 'rm -rf "$stage"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }
meson install -C "$build" --destdir "$stage" --no-rebuild >"$stage.log" 2>&1 ||
	{ echo "FAIL: meson install: $(tail -5 "$stage.log")"; rm -f "$stage.log"; exit 1; }
rm -f "$stage.log"
folders=$(tshark -G folders 2>/dev/null)
lua=$(printf '%s\n' "$folders" | sed -n 's/^Global Lua Plugins:[[:space:]]*//p')
conf=$(printf '%s\n' "$folders" | sed -n 's/^Global configuration:[[:space:]]*//p')
for f in "$lua/netrec.lua" "$conf/profiles/netrec/preferences" "$conf/profiles/netrec/recent"; do
	[ -f "$stage$f" ] && echo "installed: $f" || fail "not installed: $f (tshark -G folders)"
done
for f in man1/netanalyze.1 man5/netrec-format.5 man8/netrec.8; do
	n=$(find "$stage" -path "*/share/man/$f" | wc -l)
	[ "$n" = 1 ] && echo "installed: .../share/man/$f" || fail "man page $f not installed"
done
for f in netrec netanalyze; do
	n=$(find "$stage" -path "*/bash-completion/completions/$f" | wc -l)
	[ "$n" = 1 ] && echo "installed: .../bash-completion/completions/$f" || fail "completion $f not installed"
done
[ $failed = 0 ] && echo PASS
exit $failed

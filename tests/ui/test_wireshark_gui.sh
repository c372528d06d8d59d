#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The Wireshark GUI with the "netrec" profile and plugin, installed for a
# user as scripts/wireshark-user.sh does: Wireshark (Qt) under Xvfb opens a
# netrec recording with -C netrec, filtered on the plugin's netrec.pid; the
# test waits for its main window (named after the file: the file opened),
# saves a screenshot in the test's output folder, and checks the Process
# column with the same profile through tshark (-T fields -e _ws.col.Process):
# every packet's column shows the owner its comment names (comm[pid]).
#   test_wireshark_gui.sh NETREC_LUA RECORDING OUTDIR
set -u
lua=$1 rec=$2 out=$3
src=${NETREC_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
for t in Xvfb wireshark tshark xwd xwininfo python3; do
	command -v $t >/dev/null 2>&1 ||
		{ echo "SKIP: $t is not installed (scripts/deps.sh test installs xvfb, wireshark-qt, x11-apps, x11-utils)"; exit 77; }
done
mkdir -p "$out"
work=$(mktemp -d /tmp/netrec-ui-gui.XXXXXX)
xpid= wpid=
cleanup() {
	[ -n "$wpid" ] && kill "$wpid" 2>/dev/null
	[ -n "$xpid" ] && kill "$xpid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

export HOME=$work/home
unset XDG_CONFIG_HOME
mkdir -p "$HOME"
bash "$src/scripts/wireshark-user.sh" "$lua" || { echo "FAIL: installing the plugin and profile"; exit 1; }
# a main window that fills the screen (no window manager to maximise it)
cat >"$HOME/.config/wireshark/recent_common" <<'RC'
gui.geometry_main_x: 0
gui.geometry_main_y: 0
gui.geometry_main_width: 1600
gui.geometry_main_height: 900
gui.geometry_main_maximized: FALSE
privs.warn_if_elevated: FALSE
RC

# Xvfb picks a free display and tells us which.
exec 5>"$work/display"
Xvfb -displayfd 5 -screen 0 1600x900x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xpid=$!
for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.1; done
[ -s "$work/display" ] || { echo "FAIL: Xvfb did not start: $(cat "$work/xvfb.log")"; exit 1; }
export DISPLAY=:$(head -1 "$work/display")
echo "Xvfb on $DISPLAY"

name=$(basename "$rec")
XDG_RUNTIME_DIR=$work QT_QPA_PLATFORM=xcb wireshark -C netrec -r "$rec" -Y 'netrec.pid' \
	>"$work/wireshark.log" 2>&1 &
wpid=$!
found=
for _ in $(seq 120); do
	if xwininfo -root -tree 2>/dev/null | grep -q "\"$name"; then found=1; break; fi
	kill -0 "$wpid" 2>/dev/null || break
	sleep 0.5
done
[ -n "$found" ] || { fail "no Wireshark window showing $name: $(tail -5 "$work/wireshark.log")"; exit 1; }
echo "Wireshark window: $(xwininfo -root -tree | grep "\"$name" | head -1 | sed 's/^ *//')"
sleep 4 # let it draw the packet list
xwd -root -silent >"$work/shot.xwd" || fail "xwd failed"
png=$out/wireshark-netrec-profile.png
info=$(python3 "$src/tests/ui/xwd2png.py" "$work/shot.xwd" "$png") || fail "cannot convert the screenshot"
echo "screenshot: $png ($info: size, colours)"
set -- $info
[ "${2:-0}" -ge 32 ] || fail "the screenshot is nearly blank ($info)"
kill "$wpid"; wait "$wpid" 2>/dev/null; wpid=

# The Process column with the same profile: comm[pid] of each packet's comment.
tshark -C netrec -r "$rec" -Y sll -T fields -E separator=/t -e _ws.col.Process -e frame.comment \
	2>/dev/null >"$work/col"
n=$(wc -l <"$work/col")
bad=$(awk -F'\t' '{
	c = $2; want = ""
	if (match(c, /^.*\[[0-9]+\//)) { head = substr(c, 1, RLENGTH - 1); want = head "]" }
	else if (c ~ /^kernel /) want = "kernel"
	if ($1 != want) { print; n++ }
} END { exit 0 }' "$work/col" | wc -l)
hdr=$(tshark -C netrec -r "$rec" -Y 'tcp.flags.syn == 1' -T tabs 2>/dev/null | head -3)
echo "Process column (tshark -C netrec): $n packets, $bad differ from their comment's owner"
printf '%s\n' "$hdr" | sed 's/^/  | /'
[ "$n" -gt 0 ] && [ "$bad" = 0 ] || fail "the Process column does not show each packet's owner"
[ $failed = 0 ] && echo PASS
exit $failed

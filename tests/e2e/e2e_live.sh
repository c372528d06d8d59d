#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Live latency of `netrec -o - | tshark -r -`: while connection attempts
# come and go every 0.2 s (kernel events on), every line tshark prints
# (packets and events) is stamped on arrival (bash's $EPOCHREALTIME: no
# process per line); the time from a record's capture (its timestamp in the
# stream) to tshark printing it must stay under 250 ms (median; the figures
# are printed). netrec's share is its hold window (150 ms) plus its read
# timer (25 ms).
. "$(dirname "$0")/lib.sh"
e2e_init

out=$WORK/live.out
ip netns exec "$NSA" bash -c '"$0" -o - 2>"$1" |
	tshark -l -n -r - -T fields -e frame.time_epoch -e tcp.dstport 2>/dev/null |
	while read -r t p; do echo "$EPOCHREALTIME $t $p"; done' \
	"$NETREC" "$WORK/netrec.err" >"$out" &
pipe=$!
E2E_BG+=("$pipe")
NR_ERR=$WORK/netrec.err
for i in $(seq 50); do
	[ -s "$out" ] && break
	ip netns exec "$NSB" timeout 1 bash -c "exec 3<>/dev/tcp/$A4/$SENTINEL_PORT" 2>/dev/null
	sleep 0.2
done
[ -s "$out" ] || die "nothing came out of netrec -o - | tshark: $(cat "$NR_ERR")"
: >"$out"
for i in $(seq 25); do
	ip netns exec "$NSB" timeout 1 bash -c "exec 3<>/dev/tcp/$A4/$SENTINEL_PORT" 2>/dev/null
	sleep 0.2
done
sleep 1
for p in $(ip netns pids "$NSA"); do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = netrec ] && kill -TERM "$p"
done
wait "$pipe" 2>/dev/null
# latency in ms, per line: arrival - capture
awk '$2 != "" { printf "%.1f\n", ($1 - $2) * 1000 }' "$out" | sort -n >"$WORK/lat"
n=$(wc -l <"$WORK/lat")
med=$(awk '{ a[NR] = $1 } END { print NR ? a[int((NR + 1) / 2)] : -1 }' "$WORK/lat")
p90=$(awk '{ a[NR] = $1 } END { print NR ? a[int(NR * 0.9 + 0.5)] : -1 }' "$WORK/lat")
max=$(tail -1 "$WORK/lat")
say "live latency over $n packets: median $med ms, 90th percentile $p90 ms, max $max ms"
[ "$n" -ge 40 ] || fail "fewer than 40 packets came through the pipe"
awk -v m="$med" 'BEGIN { exit !(m >= 0 && m < 250) }' || fail "median live latency $med ms is not under 250 ms"
e2e_finish

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Stopping: SIGTERM ends a recording (written with -w, the tcpdump alias of
# -o) with exit status 0, a summary on stderr (packets written, events
# written, the share attributed, drops) whose numbers are those of the file,
# statistics at the end of the file (§7: an ISB per interface, the
# statistics block) that count what the file holds, the file created with
# mode 0600, and no program left attached to the interfaces. `-c COUNT` and `--duration` end a recording by themselves,
# also with status 0. `-s 128` keeps 128 bytes of each packet after the
# 20-byte SLL2 header (docs/format.md §3).
. "$(dirname "$0")/lib.sh"
e2e_init

PORT=8080
f=$WORK/term.pcapng
exp=$WORK/term.expect
server "$NSB" "$B4" "$PORT" nr-server --reply 3000 --count 3
swait=$SRV_WAIT
NR_N=0
NR_ERR=$WORK/netrec1.stderr
bg_run "$NSA" 60 "$WORK/netrec1.pid" "$WORK/netrec1.stdout" "$NR_ERR" "$NETREC" -w "$f"
NR_WAITPID=$BG_PID
wait_file "$WORK/netrec1.pid" 10 || die "netrec did not start"
NR_PID=$(cat "$WORK/netrec1.pid")
nr_wait_ready "$f" "$NSB" "$A4"
for i in 1 2 3; do
	client "$NSA" "$B4" "$PORT" nr-client --send 2000
	peer_wait "$CLI_WAIT" "client $i"
	expect "$exp" "tcp/$A4/$(grep '^connect ' "$CLI_OUT" | kv local | sed 's/.*://')" \
		"$(grep '^connect ' "$CLI_OUT" | kv pid)" - nr-client
done
peer_wait "$swait" "server"
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] && ok "exit status 0 after SIGTERM" || fail "netrec exited with $NR_STATUS after SIGTERM"
[ -s "$WORK/netrec1.stdout" ] && fail "netrec wrote to stdout although the capture went to a file"
left=$(tc_filters "$NSA")
say "tc filters left in the namespace after exit: $left"
[ "$left" = 0 ] || fail "netrec left $left tc filters attached after a clean exit"

mode=$(stat -c %a "$f")
say "file mode: $mode"
[ "$mode" = 600 ] || fail "output file mode is $mode, not 600"
check_readable "$f"
check_sequences "$f"
attribution "$f" "$exp"

npk=$(dump "$f" | grep -c '^pkt ')
nev=$(dump "$f" | grep -c '^ev ')
nattr=$(dump "$f" | grep '^pkt ' | grep -vc ' pid=- ')
nkern=$(dump "$f" | grep '^pkt ' | grep -c ' owner=kernel ')
say "the file holds $npk packets ($nattr with a process, $nkern kernel's) and $nev events"

# The statistics block counts what the file holds.
st=$(dump "$f" | grep '^stats ' | tail -1)
say "statistics block: ${st:-none}"
if [ -n "$st" ]; then
	[ "$(printf '%s\n' "$st" | kv packets)" = "$npk" ] || fail "statistics: packets_written is not $npk"
	[ "$(printf '%s\n' "$st" | kv events)" = "$nev" ] || fail "statistics: events_written is not $nev"
	[ "$(printf '%s\n' "$st" | kv attributed)" = "$nattr" ] || fail "statistics: packets_attributed is not $nattr"
	[ "$(printf '%s\n' "$st" | kv kernel)" = "$nkern" ] || fail "statistics: packets_kernel is not $nkern"
	[ "$(printf '%s\n' "$st" | kv ring_drops)" = 0 ] || fail "statistics: ring drops in a tiny recording"
	[ "$(printf '%s\n' "$st" | kv other_drops)" = 0 ] || fail "statistics: other drops in a tiny recording"
	first_ts=$(dump "$f" | grep -m1 '^pkt ' | kv ts)
	start=$(printf '%s\n' "$st" | kv start)
	end=$(printf '%s\n' "$st" | kv end)
	[ "$start" -le "$first_ts" ] 2>/dev/null && [ "$first_ts" -le "$end" ] 2>/dev/null ||
		fail "statistics: first packet ($first_ts) not within start..end ($start..$end)"
else
	fail "no statistics block at the end of the file"
fi
# One ISB per interface; the packets it says were delivered are the file's.
nidb=$(dump "$f" | grep -c '^idb ')
nisb=$(dump "$f" | grep -c '^isb ')
deliv=$(dump "$f" | grep '^isb ' | kv usrdeliv | awk '{ s += $1 } END { print s + 0 }')
say "interfaces $nidb, interface statistics $nisb, isb_usrdeliv total $deliv"
[ "$nisb" = "$nidb" ] || fail "want one ISB per interface ($nidb), have $nisb"
[ "$deliv" = "$npk" ] || fail "isb_usrdeliv adds up to $deliv, the file holds $npk packets"
for x in $(dump "$f" | grep '^isb ' | kv ifdrop) $(dump "$f" | grep '^isb ' | kv osdrop); do
	[ "$x" = 0 ] || fail "ISB reports drops in a tiny recording"
done

# The summary on stderr gives the same counts.
say "stderr summary:"
grep -Ei 'packet|event|attribut|drop' "$NR_ERR" | sed 's/^/  | /'
grep -Eiq "\\b$npk\\b.*packets|packets[^0-9]*\\b$npk\\b" "$NR_ERR" || fail "stderr does not say $npk packets written"
grep -Eiq "\\b$nev\\b.*events|events[^0-9]*\\b$nev\\b" "$NR_ERR" || fail "stderr does not say $nev events written"
grep -Eiq 'attribut' "$NR_ERR" && grep -q '%' "$NR_ERR" || fail "stderr does not give the share attributed"
grep -Eiq 'drop' "$NR_ERR" || fail "stderr does not report drops"

say "== -c 5"
f=$WORK/count.pcapng
server "$NSB" "$B4" 8081 nr-server --reply 3000
swait=$SRV_WAIT
nr_start "$NSA" "$f" -c 5 tcp port 8081
# the filter hides the readiness probes: the file's first blocks are written
# just before the programs are attached
wait_file "$f" 20 || fail "netrec -c 5 wrote nothing"
sleep 1
client "$NSA" "$B4" 8081 nr-client --send 2000
peer_wait "$CLI_WAIT" "client"
peer_wait "$swait" "server"
for i in $(seq 100); do kill -0 "$NR_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$NR_PID" 2>/dev/null; then
	fail "netrec -c 5 still running after 5 matching packets"
	nr_stop TERM
else
	wait "$NR_WAITPID"
	st=$?
	[ "$st" = 0 ] || fail "netrec -c 5 exited with $st"
	n=$(tshark -r "$f" -Y 'ip || ipv6' 2>/dev/null | wc -l)
	say "-c 5: exit $st, $n packets"
	[ "$n" = 5 ] || fail "-c 5 wrote $n packets"
fi

say "== --duration 2"
f=$WORK/duration.pcapng
start=$(date +%s.%N)
nr_start "$NSA" "$f" --duration 2
for i in $(seq 100); do kill -0 "$NR_PID" 2>/dev/null || break; sleep 0.1; done
wait "$NR_WAITPID"
st=$?
el=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
say "--duration 2: exit $st after ${el} s (start-up included)"
[ "$st" = 0 ] || fail "netrec --duration 2 exited with $st"
awk -v e="$el" 'BEGIN { exit !(e >= 1.9 && e < 10) }' || fail "--duration 2 ran for $el s"
err=$(tshark -r "$f" -q 2>&1 >/dev/null | grep -v '^Running as user')
[ -z "$err" ] || fail "tshark on the --duration recording: $err"

say "== -s 128"
f=$WORK/snap.pcapng
server "$NSB" "$B4" 8082 nr-server --reply 20000
swait=$SRV_WAIT
nr_start "$NSA" "$f" -s 128
nr_wait_ready "$f" "$NSB" "$A4"
client "$NSA" "$B4" 8082 nr-client --send 20000
peer_wait "$CLI_WAIT" "client"
peer_wait "$swait" "server"
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
check_readable "$f"
snaps=$(dump "$f" | grep '^idb ' | kv snaplen | sort -u | tr '\n' ' ')
say "-s 128: interface snaplen $snaps"
[ "$snaps" = "148 " ] || fail "-s 128: want snaplen 148 (128 + the SLL2 header) on every interface, have $snaps"
big=$(dump "$f" | grep '^pkt ' | kv caplen | awk '$1 > 148' | wc -l)
cut_=$(dump "$f" | grep '^pkt .*dport=8082 ' | awk '{ for (i = 2; i <= NF; i++) { if ($i ~ /^caplen=/) c = substr($i, 8); if ($i ~ /^len=/) l = substr($i, 5) } if (l > c) n++ } END { print n + 0 }')
say "-s 128: $big packets longer than 148 bytes, $cut_ data packets cut short"
[ "$big" = 0 ] || fail "-s 128: $big packets keep more than 148 bytes"
[ "$cut_" -gt 0 ] || fail "-s 128: no packet was cut (original length above the captured length)"
e2e_finish

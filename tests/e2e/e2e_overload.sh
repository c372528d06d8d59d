#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# When the machine cannot keep up: netrec is stopped (SIGSTOP) for a second
# while a generator in the peer namespace sends a known number of ICMP echo
# replies no one asked for (the receiving stack drops them without an
# answer) into the recorded interface, through a small ring buffer (-B
# 1024). Every packet the generator sent that reached the interface is
# either in the file or counted as dropped, exactly: sent - lost on the
# veth (its own drop counter) = recorded + dropped, with dropped > 0, and
# the same figure in netrec's summary, in the statistics block and in the
# interface's ISB. IPv6 is off in both namespaces so that nothing but the
# generator's packets reaches the interface during the count.
. "$(dirname "$0")/lib.sh"
e2e_init
[ -n "$RAWSEND" ] && [ -x "$RAWSEND" ] || skip "rawsend not built (RAWSEND=$RAWSEND)"

N=${E2E_OVERLOAD_PACKETS:-200000}
PPS=80000
for ns in "$NSA" "$NSB"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
f=$WORK/overload.pcapng
nr_start "$NSA" "$f" -B 1024 --no-events
nr_wait_ready "$f" "$NSB" "$A4"
mac=$(mac_of "$NSA" va)
vbdrop0=$(ip netns exec "$NSB" cat /sys/class/net/vb/statistics/tx_dropped)
ip netns exec "$NSB" "$RAWSEND" vb "$mac" echo-replies "$N" "$PPS" >"$WORK/gen.out" 2>&1 &
gen=$!
E2E_BG+=("$gen")
sleep 0.5
kill -STOP "$NR_PID"
say "netrec stopped for 1 s while the generator sends $N packets at $PPS/s"
sleep 1
kill -CONT "$NR_PID"
wait "$gen" || fail "the generator failed: $(cat "$WORK/gen.out")"
vbdrop=$(( $(ip netns exec "$NSB" cat /sys/class/net/vb/statistics/tx_dropped) - vbdrop0 ))
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
sent=$(awk '/^sent / { print $2 }' "$WORK/gen.out")
rec=$(dump "$f" | grep -c '^pkt .* dir=in .* proto=icmp .* itype=0 .* iid=20050 ')
drops=$(sed -n 's/.*drops: \([0-9]*\)$/\1/p' "$NR_ERR")
ring=$(stat_of "$f" ring_drops)
other=$(stat_of "$f" other_drops)
ifdrop=$(dump "$f" | awk '/^idb /{ n++; if ($0 ~ / name=va /) va = n - 1 } /^isb /{ split($2, a, "="); if (a[2] == va) for (i = 3; i <= NF; i++) if ($i ~ /^ifdrop=/) print substr($i, 8) }')
say "generator: sent ${sent:-?}, lost on the veth before capture: $vbdrop; netrec: recorded $rec, dropped ${drops:-?} (statistics block: ring $ring, other $other; va's ISB: ifdrop ${ifdrop:-?})"
[ "$sent" = "$N" ] || fail "the generator did not send $N packets"
[ "${drops:-0}" -gt 0 ] || fail "no drops counted: the stop did not overflow the ring (the test proves nothing)"
[ $((rec + ${drops:-0})) = $((sent - vbdrop)) ] ||
	fail "recorded + dropped = $((rec + ${drops:-0})), want $((sent - vbdrop)) (sent - lost before capture)"
[ $((ring + other)) = "${drops:-x}" ] || fail "statistics block drops ($ring + $other) differ from the summary (${drops:-?})"
[ "${ifdrop:-x}" = "$ring" ] || fail "va's ISB ifdrop ${ifdrop:-?} differs from the ring drops $ring"
check_readable "$f"
e2e_finish

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Many short connections from many short-lived processes, several at a
# time (60 clients, 6 in parallel), recorded on the client side with
# tcpdump alongside: every segment tcpdump sees is in the file, each owned
# by the process that made its connection (pids and ports change all the
# time: a stale or mixed-up owner shows here), with no drops counted.
. "$(dirname "$0")/lib.sh"
e2e_init

N=60
PAR=6
f=$WORK/churn.pcapng
exp=$WORK/churn.expect
server "$NSB" "$B4" 8080 nr-server --count "$N" --reply 1500
swait=$SRV_WAIT
td_start "$NSA" va "$WORK/churn.tcpdump.pcap" tcp port 8080
nr_start "$NSA" "$f"
nr_wait_ready "$f" "$NSB" "$A4"
i=0
while [ "$i" -lt "$N" ]; do
	waits=()
	for j in $(seq "$PAR"); do
		client "$NSA" "$B4" 8080 "nr-c$j" --send 1000
		waits+=("$CLI_WAIT")
	done
	for w in "${waits[@]}"; do peer_wait "$w" "a client"; done
	for j in $(seq "$PAR"); do
		i=$((i + 1))
		cp "$WORK/nr-c$j.c8080.out" "$WORK/out.$i"
	done
done
peer_wait "$swait" "server"
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
td_stop
# client i ran as nr-c<slot>, slot = its place in its batch
for i in $(seq "$N"); do
	slot=$(( (i - 1) % PAR + 1 ))
	line=$(grep '^connect ' "$WORK/out.$i")
	pid=$(printf '%s\n' "$line" | kv pid)
	port=$(printf '%s\n' "$line" | kv local | sed 's/.*://')
	[ -n "$port" ] || { fail "client $i did not connect"; continue; }
	expect "$exp" "tcp/$A4/$port" "$pid" "$pid" "nr-c$slot"
done
say "$(wc -l <"$exp") connections"
check_readable "$f"
check_sequences "$f"
same_segments "$f" "$WORK/churn.tcpdump.pcap" "tcp.port == 8080" "all connections on va"
attribution "$f" "$exp"
st=$(dump "$f" | grep '^stats ' | tail -1)
say "statistics: $st"
[ "$(printf '%s\n' "$st" | kv ring_drops)" = 0 ] && [ "$(printf '%s\n' "$st" | kv other_drops)" = 0 ] ||
	fail "drops counted in a recording of $N connections"
e2e_finish

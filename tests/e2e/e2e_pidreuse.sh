#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A pid used again, and a process that calls execve: each process (pid and
# start time) and each image gets its own name on its packets and its own
# process record.
#  1. nr-first connects and exits; nr-second is then started with the same
#     pid (clone3 with set_tid: pidreuse) and connects;
#  2. bash connects (/dev/tcp), closes, and execs nr-third in place (same
#     pid, same start time), which connects.
# Expected owners come from the peers' own output (pid, tid, port). Each
# client holds its connection for a second (--hold) so that netrec, which
# reads /proc when a process first takes a socket, does so while it lives
# even on a loaded machine.
. "$(dirname "$0")/lib.sh"
e2e_init
[ -n "${PIDREUSE:-}" ] && [ -x "$PIDREUSE" ] || skip "pidreuse not built (PIDREUSE=${PIDREUSE:-})"

f=$WORK/reuse.pcapng
exp=$WORK/reuse.expect
server "$NSB" "$B4" 8090 nr-server --count 4 --reply 1000
swait=$SRV_WAIT
nr_start "$NSA" "$f"
nr_wait_ready "$f" "$NSB" "$A4"

# hold FILE [SECONDS]: creates FILE that long (default 1 s) from now
hold() { ( sleep "${2:-1}"; touch "$1" ) & }
hold "$WORK/h1"
client "$NSA" "$B4" 8090 nr-first --send 1000 --hold "$WORK/h1"
peer_wait "$CLI_WAIT" "nr-first" || cat "$CLI_ERR"
read -r pid1 tid1 port1 < <(conn_ids "$CLI_OUT")
hold "$WORK/h2"
ip netns exec "$NSA" timeout 20 "$PIDREUSE" "$pid1" "$(peer_bin nr-second)" client "$B4" 8090 \
	--timeout 15 --send 1000 --hold "$WORK/h2" >"$WORK/second.out" 2>"$WORK/second.err" ||
	fail "nr-second under pid $pid1: $(cat "$WORK/second.err")"
read -r pid2 tid2 port2 < <(conn_ids "$WORK/second.out")
say "nr-first: pid $pid1 port $port1; nr-second: pid ${pid2:-?} port ${port2:-?}"
[ "${pid2:-x}" = "$pid1" ] || fail "nr-second did not get pid $pid1"

hold "$WORK/h3" 2
ip netns exec "$NSA" timeout 20 bash -c 'echo "bash $$"; exec 3<>"/dev/tcp/$1/8090"; printf x >&3;
	sleep 1; exec 3>&-; exec "$2" client "$1" 8090 --timeout 15 --send 1000 --hold "$3"' \
	sh "$B4" "$(peer_bin nr-third)" "$WORK/h3" >"$WORK/third.out" 2>"$WORK/third.err" ||
	fail "bash then nr-third: $(cat "$WORK/third.err")"
bpid=$(awk '$1 == "bash" { print $2 }' "$WORK/third.out")
read -r pid3 tid3 port3 < <(conn_ids "$WORK/third.out")
say "bash: pid $bpid; after execve, nr-third: pid ${pid3:-?} port ${port3:-?}"
[ "${pid3:-x}" = "$bpid" ] || fail "nr-third does not run under bash's pid"
peer_wait "$swait" "server"
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
check_readable "$f"
expect "$exp" "tcp/$A4/$port1" "$pid1" "$tid1" nr-first
expect "$exp" "tcp/$A4/$port2" "$pid1" "$tid2" nr-second
expect "$exp" "tcp/$A4/$port3" "$bpid" "$tid3" nr-third
attribution "$f" "$exp"
# process records: one per process and image, each before the first
# packet that names it
for want in "$pid1 nr-first $port1" "$pid1 nr-second $port2" "$bpid bash -" "$bpid nr-third $port3"; do
	set -- $want
	rec=$(dump "$f" | grep -n "^proc .* pid=$1 comm=$2 " | head -1)
	say "process record of $2 ($1): ${rec:-none}"
	[ -n "$rec" ] || { fail "no process record for $2 (pid $1)"; continue; }
	printf '%s\n' "$rec" | grep -q "cmdline=.*$2" || fail "the process record of $2 has another's command line"
	if [ "$3" != - ]; then
		first=$(dump "$f" | grep -n "^pkt .*port=$3 .* comm=$2 " | head -1 | cut -d: -f1)
		[ -n "$first" ] && [ "${rec%%:*}" -lt "$first" ] ||
			fail "the process record of $2 does not precede its first packet"
	fi
done
e2e_finish

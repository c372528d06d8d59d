#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The connection lifecycle (connect, accept, close) and kernel stacks (-K).
# In the recorded namespace a server (root) accepts one connection from a
# client running as uid/gid 65534; two more clients (the same ids) fail to
# connect: one refused by a closed port of the other namespace (RST), one
# unreachable because nftables there answers its SYN with an ICMP host
# unreachable. Expected values come from the peers themselves (pid, tid and
# local port printed by tcppeer, its connect() error as the C library
# names it) and from the ids the test gave them.
# A second connection, over IPv6, checks the other family.
# The file must hold: a connect event for each attempt with the client's
# pid, tid, uid, gid and the local port the kernel chose (not 0), the
# failures with ECONNREFUSED (111) and EHOSTUNREACH (113); an accept event
# with the server's pid, tid, uid and gid; a close event for each end of the
# connection. Recorded with -K, every event carries a symbolised kernel
# stack. netanalyze's --lifecycle shows the same rows, and its switches
# keep only connects, only accepts, only failures.
. "$(dirname "$0")/lib.sh"
e2e_init nft setpriv
[ -n "$NETANALYZE" ] && [ -x "$NETANALYZE" ] || skip "netanalyze not built (NETANALYZE=$NETANALYZE)"
chmod 755 "$WORK"
NOBODY=65534

ip netns exec "$NSB" nft -f - <<EOF2 || die "cannot add the nftables rules"
table inet nre2e {
	chain in {
		type filter hook input priority 0; policy accept;
		tcp dport 8081 reject with icmp type host-unreachable
	}
}
EOF2
f=$WORK/lc.pcapng
nr_start "$NSA" "$f" -K
nr_wait_ready "$f" "$NSB" "$A4"

server "$NSA" "$A4" 8080 lcserver
# as uid/gid 65534: bg_run writes the pid of setpriv, which execs tcppeer
lc_client() {
	local name=$1 addr=$2 port=$3; shift 3
	bg_run "$NSA" 30 "$WORK/$name.pid" "$WORK/$name.out" "$WORK/$name.err" \
		setpriv --reuid $NOBODY --regid $NOBODY --clear-groups \
		"$(peer_bin "$name")" client "$addr" "$port" --timeout 20 "$@"
	wait "$BG_PID"
	LC_STATUS=$?
	LC_PID=$(cat "$WORK/$name.pid")
}
lc_client lcok "$A4" 8080
[ "$LC_STATUS" = 0 ] || fail "client lcok failed: $(cat "$WORK/lcok.err")"
read -r cpid ctid cport < <(conn_ids "$WORK/lcok.out")
say "client: pid $cpid tid $ctid local port $cport"
peer_wait "$SRV_WAIT" "server"
read -r spid stid < <(awk '$1 == "accept" { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }; print v["pid"], v["tid"]; exit }' "$SRV_OUT")
say "server: pid $spid tid $stid"
# the same over IPv6
server "$NSA" "$A6" 8086 lcserver6
lc_client lcok6 "$A6" 8086
[ "$LC_STATUS" = 0 ] || fail "client lcok6 failed: $(cat "$WORK/lcok6.err")"
read -r c6pid c6tid c6port < <(conn_ids "$WORK/lcok6.out")
peer_wait "$SRV_WAIT" "server over IPv6"
read -r s6pid s6tid < <(awk '$1 == "accept" { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }; print v["pid"], v["tid"]; exit }' "$SRV_OUT")
say "IPv6: client pid $c6pid port $c6port, server pid $s6pid"
lc_client lcref "$B4" 8090 --refused
[ "$LC_STATUS" = 0 ] || fail "client lcref was not refused: $(cat "$WORK/lcref.err")"
rpid=$LC_PID
lc_client lcunr "$B4" 8081
upid=$LC_PID
say "unreachable client: pid $upid, exit $LC_STATUS: $(cat "$WORK/lcunr.err")"
grep -q "No route to host" "$WORK/lcunr.err" || fail "connect() to port 8081 did not fail with 'No route to host'"
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS"
check_readable "$f"

evs=$(dump "$f" | grep '^ev ')
lc=$(printf '%s\n' "$evs" | grep -E ' event=(connect|accept|close) ')
say "lifecycle events:"
printf '%s\n' "$lc" | sed 's/ window=.* msg=/ msg=/; s/^/  | /'

# one_event WHAT FILTER...: exactly one lifecycle event matches every
# filter (substrings of its nrdump line); prints it
one_event() {
	local what=$1 l=$lc n; shift
	for p in "$@"; do
		l=$(printf '%s\n' "$l" | grep -F -- " $p ")
	done
	n=$(printf '%s\n' "$l" | grep -c .)
	[ "$n" = 1 ] || { fail "$what: $n events match '$*' (expected 1)"; return 1; }
	ok "$what"
	printf '%s\n' "$l" >"$WORK/one"
}
[ -n "$cport" ] && [ "$cport" != 0 ] || fail "no client port"
one_event "connect ok: client pid, tid, uid, gid, chosen port" event=connect pid=$cpid tid=$ctid \
	uid=$NOBODY gid=$NOBODY sport=$cport dport=8080 new=ESTABLISHED errno=- comm=lcok
one_event "accept: server pid, tid, uid, gid" event=accept pid=$spid tid=$stid uid=0 gid=0 \
	sport=8080 dport=$cport comm=lcserver
one_event "close of the client's end" event=close pid=$cpid uid=$NOBODY gid=$NOBODY sport=$cport dport=8080
one_event "close of the server's end" event=close pid=$spid uid=0 gid=0 sport=8080 dport=$cport
one_event "IPv6 connect ok" event=connect pid=$c6pid tid=$c6tid uid=$NOBODY gid=$NOBODY fam=inet6 \
	saddr=$A6 sport=$c6port daddr=$A6 dport=8086 new=ESTABLISHED errno=-
one_event "IPv6 accept" event=accept pid=$s6pid tid=$s6tid uid=0 gid=0 fam=inet6 sport=8086 dport=$c6port
one_event "IPv6 close of the client's end" event=close pid=$c6pid fam=inet6 sport=$c6port dport=8086
one_event "connect refused: ECONNREFUSED" event=connect pid=$rpid uid=$NOBODY gid=$NOBODY dport=8090 \
	new=CLOSE errno=111 comm=lcref
grep -q "failed ECONNREFUSED" "$WORK/one" || fail "the refused connect's message does not name ECONNREFUSED"
grep -q " sport=0 " "$WORK/one" && fail "the refused connect has local port 0"
one_event "connect unreachable: EHOSTUNREACH" event=connect pid=$upid uid=$NOBODY gid=$NOBODY dport=8081 \
	new=CLOSE errno=113 comm=lcunr
grep -q "failed EHOSTUNREACH" "$WORK/one" || fail "the unreachable connect's message does not name EHOSTUNREACH"
grep -q " sport=0 " "$WORK/one" && fail "the unreachable connect has local port 0"

# -K: every event has a stack, and its frames are kernel functions
nev=$(printf '%s\n' "$evs" | grep -c .)
nostack=$(printf '%s\n' "$evs" | grep -c ' kstack=- ')
say "-K: $nev events, $nostack without a stack"
[ "$nev" -gt 0 ] && [ "$nostack" = 0 ] || fail "$nostack of $nev events have no kernel stack"
# frames are named function+0xoffset, from the code that hit the
# tracepoint: an established connect is finished by tcp_finish_connect; an
# accept is reported as its system call returns. The frames of the BPF
# program and the tracepoint's dispatch are left out.
printf '%s\n' "$evs" | kv kstack | grep -q 'bpf_trace_run\|^0x' && fail "a stack starts with the tracing machinery"
printf '%s\n' "$lc" | grep " event=connect .* sport=$cport " | kv kstack | grep -q '^[a-z_].*tcp_finish_connect+0x' ||
	fail "the connect event's stack is not the symbolised connect path: $(printf '%s\n' "$lc" | grep " event=connect .* sport=$cport " | kv kstack)"
printf '%s\n' "$lc" | grep ' event=accept ' | kv kstack | grep -q 'do_syscall_64+0x' ||
	fail "the accept event's stack is not at a system call's exit: $(printf '%s\n' "$lc" | grep ' event=accept ' | kv kstack)"
# netanalyze --lifecycle: the same rows, with the switches
lcsv() { "$NETANALYZE" "$f" --lifecycle --format csv --csv-null - "$@" 2>"$WORK/na.err"; }
# csv columns: ts_ns,type,pid,tid,comm,uid,gid,family,laddr,lport,raddr,rport,failed,errno,errno_name,...
lcsv | sed 's/^/  | /' | cut -c1-160
rows() { awk -F, 'NR > 1 { print $2, $3, $4, $6, $7, $10, $12, $13, $15 }'; }
all=$(lcsv | rows)
want="connect $cpid $ctid $NOBODY $NOBODY $cport 8080 0 -
accept $spid $stid 0 0 8080 $cport 0 -
close $cpid $ctid $NOBODY $NOBODY $cport 8080 0 -
close $spid $stid 0 0 8080 $cport 0 -
connect $c6pid $c6tid $NOBODY $NOBODY $c6port 8086 0 -
accept $s6pid $s6tid 0 0 8086 $c6port 0 -"
while read -r line; do
	printf '%s\n' "$all" | grep -qxF "$line" && ok "--lifecycle row: $line" || fail "--lifecycle has no row '$line'"
done <<<"$want"
printf '%s\n' "$all" | grep -q "^connect $rpid $rpid $NOBODY $NOBODY [1-9][0-9]* 8090 1 ECONNREFUSED\$" ||
	fail "--lifecycle has no refused connect of pid $rpid with ECONNREFUSED"
printf '%s\n' "$all" | grep -q "^connect $upid $upid $NOBODY $NOBODY [1-9][0-9]* 8081 1 EHOSTUNREACH\$" ||
	fail "--lifecycle has no unreachable connect of pid $upid with EHOSTUNREACH"
n_all=$(printf '%s\n' "$all" | grep -c .)
[ "$n_all" = 10 ] && ok "--lifecycle: 10 rows (4 connects, 2 accepts, 4 closes)" || fail "--lifecycle: $n_all rows, expected 10"
types() { lcsv "$@" | rows | awk '{ print $1 ($8 == 1 ? "-failed" : "") }' | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }'; }
got=$(types --connect-only)
[ "$got" = "connect:2 connect-failed:2 " ] && ok "--connect-only: $got" || fail "--connect-only: '$got'"
got=$(types --accept-only)
[ "$got" = "accept:2 " ] && ok "--accept-only: $got" || fail "--accept-only: '$got'"
got=$(types --failure-only)
[ "$got" = "connect-failed:2 " ] && ok "--failure-only: $got" || fail "--failure-only: '$got'"
"$NETANALYZE" "$f" --failure-only >/dev/null 2>&1
rc=$?
[ "$rc" = 2 ] && ok "--failure-only without --lifecycle: usage error" || fail "--failure-only without --lifecycle: exit $rc"
got=$("$NETANALYZE" "$f" --events --event-type connect,accept,close --format csv | awk 'NR > 1' | grep -c .)
[ "$got" = 10 ] && ok "--events --event-type connect,accept,close: 10 rows" || fail "--events --event-type connect,accept,close: $got rows"
# every event's stack in json, the first frames in the table
"$NETANALYZE" "$f" --events --format jsonl >"$WORK/ev.jsonl"
njs=$(grep -c . "$WORK/ev.jsonl")
nst=$(grep -c '"kernel_stack":"[a-z_][^" ]*+0x[0-9a-f]*[ "]' "$WORK/ev.jsonl")
[ "$njs" = "$nev" ] && [ "$nst" = "$njs" ] && ok "--events json: $nst of $njs events with their frames" ||
	fail "--events json: $nst of $njs events with a symbolised kernel_stack (file: $nev)"
"$NETANALYZE" "$f" --events --format table --event-type connect >"$WORK/ev.txt"
sed 's/^/  | /' "$WORK/ev.txt"
head -2 "$WORK/ev.txt" | tail -1 | grep -q ' stack *$' || fail "--events table has no stack column"
grep -q 'tcp_finish_connect' "$WORK/ev.txt" || fail "--events table does not show the connect's frames"
# Wireshark with netrec's plugin shows the events and their stacks
LUA=${NETREC_LUA:-${B:+$B/wireshark/netrec.lua}}
if [ -n "$LUA" ] && [ -f "$LUA" ]; then
	ws=$(tshark -X lua_script:"$LUA" -r "$f" -Y 'netrec.event == "accept" || netrec.event == "connect"' \
		-T fields -e netrec.event -e netrec.pid -e netrec.errno.name -e netrec.stack 2>"$WORK/ws.err")
	printf '%s\n' "$ws" | cut -c1-120 | sed 's/^/  | /'
	printf '%s\n' "$ws" | grep -q "^accept	$spid		syscall_exit_work+0x" && ok "tshark: the accept with its stack" ||
		fail "tshark does not show the accept of $spid with its stack: $(cat "$WORK/ws.err")"
	printf '%s\n' "$ws" | grep -q "^connect	$upid	EHOSTUNREACH	[a-z_]*+0x" && ok "tshark: the unreachable connect" ||
		fail "tshark does not show the connect of $upid with EHOSTUNREACH and its stack"
else
	fail "the Wireshark plugin was not built (NETREC_LUA=$LUA)"
fi
e2e_finish

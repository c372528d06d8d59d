#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Selecting what is recorded. With `-p PID` only the packets of that
# process's sockets are written (a second client running at the same time
# is left out); `--comm NAME` selects by command name; `-p PID --children`
# takes in the processes PID starts. With a trailing filter expression (libpcap syntax, as
# tcpdump takes it) only matching packets are written, the expression is
# kept in the interface's if_filter, and the kernel events of the matching
# connection are still there.
. "$(dirname "$0")/lib.sh"
e2e_init

say "== -p PID"
f=$WORK/pid.pcapng
exp=$WORK/pid.expect
server "$NSB" "$B4" 8080 nr-server --count 2 --reply 2000
swait=$SRV_WAIT
client "$NSA" "$B4" 8080 nr-client-a --gate "$WORK/go" --send 3000
wa=$CLI_WAIT oa=$CLI_OUT
client "$NSA" "$B4" 8080 nr-client-b --gate "$WORK/go" --send 3000
wb=$CLI_WAIT ob=$CLI_OUT
wait_file "$WORK/nr-client-a.c8080.pid" 5 || fail "client a did not start"
pa=$(cat "$WORK/nr-client-a.c8080.pid")
nr_start "$NSA" "$f" -p "$pa"
nr_wait_ready "$f" "$NSB" "$A4"
touch "$WORK/go"
peer_wait "$wa" "client a"
peer_wait "$wb" "client b"
peer_wait "$swait" "server"
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
porta=$(grep '^connect ' "$oa" | kv local | sed 's/.*://')
portb=$(grep '^connect ' "$ob" | kv local | sed 's/.*://')
pida=$(grep '^connect ' "$oa" | kv pid)
pidb=$(grep '^connect ' "$ob" | kv pid)
say "selected: nr-client-a pid $pida port $porta; other: nr-client-b pid $pidb port $portb"
[ "$pida" = "$pa" ] || fail "client a's pid is not the one given to -p"
check_readable "$f"
expect "$exp" "tcp/$A4/$porta" "$pida" "$pida" nr-client-a
attribution "$f" "$exp"
na=$(tshark -r "$f" -Y "tcp.port == $porta" 2>/dev/null | wc -l)
nb=$(tshark -r "$f" -Y "tcp.port == $portb" 2>/dev/null | wc -l)
nother=$(tshark -r "$f" -Y "(ip || ipv6) && !(tcp.port == $porta)" 2>/dev/null | wc -l)
say "packets: selected process $na, other client $nb, anything else $nother"
[ "$na" -ge 6 ] || fail "the selected process's connection is missing or incomplete"
[ "$nb" = 0 ] || fail "-p $pida: $nb packets of another process were written"
[ "$nother" = 0 ] || fail "-p $pida: $nother packets not of the selected process were written"
check_states "$f" "$A4" "$porta" "$B4" 8080 "SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSE"
say "events naming the other client: $(dump "$f" | grep '^ev ' | grep -c " pid=$pidb ") (not checked)"

# select_run WHAT NETREC-ARGS...: clients nr-client-a and nr-client-b, and
# a shell that runs nr-child (its child), all released together; "@SHELL@"
# in the arguments stands for the shell's pid. With HOLD=1 netrec is
# stopped (SIGSTOP) while they run and continued once all have exited: it
# reads their records when /proc no longer shows them. Sets PA/PB/PC (pids),
# PORTA/PORTB/PORTC, F (the file).
select_run() {
	local what=$1; shift
	F=$WORK/$what.pcapng
	rm -f "$WORK/go"
	server "$NSB" "$B4" 8090 nr-server --count 3 --reply 2000
	local sw=$SRV_WAIT
	client "$NSA" "$B4" 8090 nr-client-a --gate "$WORK/go" --send 3000
	local wa=$CLI_WAIT oa=$CLI_OUT
	client "$NSA" "$B4" 8090 nr-client-b --gate "$WORK/go" --send 3000
	local wb=$CLI_WAIT ob=$CLI_OUT
	bg_run "$NSA" 40 "$WORK/$what.shell.pid" "$WORK/$what.child.out" "$WORK/$what.child.err" \
		sh -c 'while [ ! -e "$1" ]; do sleep 0.05; done; "$2" client "$3" 8090 --send 3000; echo exit $?' \
		sh "$WORK/go" "$(peer_bin nr-child)" "$B4"
	local wc=$BG_PID
	wait_file "$WORK/nr-client-a.c8090.pid" 5 && wait_file "$WORK/$what.shell.pid" 5 || fail "peers did not start"
	SHELL_PID=$(cat "$WORK/$what.shell.pid")
	local a args=()
	for a in "$@"; do
		[ "$a" = @SHELL@ ] && a=$SHELL_PID
		args+=("$a")
	done
	nr_start "$NSA" "$F" "${args[@]}"
	nr_wait_ready "$F" "$NSB" "$A4"
	[ "${HOLD:-0}" = 1 ] && kill -STOP "$NR_PID"
	touch "$WORK/go"
	peer_wait "$wa" "client a"
	peer_wait "$wb" "client b"
	peer_wait "$wc" "shell with a child"
	peer_wait "$sw" "server"
	if [ "${HOLD:-0}" = 1 ]; then
		[ -e "/proc/$SHELL_PID" ] && fail "the shell $SHELL_PID has not exited"
		kill -CONT "$NR_PID"
	fi
	sleep 0.5
	nr_stop TERM
	[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
	PORTA=$(grep '^connect ' "$oa" | kv local | sed 's/.*://')
	PORTB=$(grep '^connect ' "$ob" | kv local | sed 's/.*://')
	PORTC=$(grep '^connect ' "$WORK/$what.child.out" | kv local | sed 's/.*://')
	PA=$(grep '^connect ' "$oa" | kv pid)
	PB=$(grep '^connect ' "$ob" | kv pid)
	PC=$(grep '^connect ' "$WORK/$what.child.out" | kv pid)
	say "nr-client-a $PA port $PORTA, nr-client-b $PB port $PORTB, shell $SHELL_PID's child nr-child $PC port $PORTC"
	check_readable "$F"
}

# only_ports FILE WHAT PORT...: the file holds packets of these client ports
# (each at least a handshake and a close) and of nothing else.
only_ports() {
	local f=$1 what=$2 p flt="" n; shift 2
	for p in "$@"; do
		n=$(tshark -r "$f" -Y "tcp.port == $p" 2>/dev/null | wc -l)
		say "$what: $n packets of port $p"
		[ "$n" -ge 6 ] || fail "$what: the connection from port $p is missing or incomplete"
		flt="$flt && !(tcp.port == $p)"
	done
	n=$(tshark -r "$f" -Y "(ip || ipv6) $flt" 2>/dev/null | wc -l)
	say "$what: $n other packets"
	[ "$n" = 0 ] || fail "$what: $n packets of other processes were written"
}

say "== --comm nr-client-a"
select_run comm --comm nr-client-a
: >"$WORK/comm.expect"
expect "$WORK/comm.expect" "tcp/$A4/$PORTA" "$PA" "$PA" nr-client-a
attribution "$F" "$WORK/comm.expect"
only_ports "$F" "--comm nr-client-a" "$PORTA"

say "== -p SHELL --children"
select_run children -p @SHELL@ --children
: >"$WORK/children.expect"
expect "$WORK/children.expect" "tcp/$A4/$PORTC" "$PC" "$PC" nr-child
attribution "$F" "$WORK/children.expect"
only_ports "$F" "-p $SHELL_PID --children" "$PORTC"
# The same, but the child has exited before netrec reads its first record:
# its parent is the one the kernel side told when it took its socket.
say "== -p SHELL --children, the child gone before it is read"
HOLD=1 select_run held -p @SHELL@ --children
: >"$WORK/held.expect"
expect "$WORK/held.expect" "tcp/$A4/$PORTC" "$PC" "$PC" nr-child
attribution "$F" "$WORK/held.expect"
only_ports "$F" "-p $SHELL_PID --children (held)" "$PORTC"
say "== filter expression"
f=$WORK/filter.pcapng
exp=$WORK/filter.expect
server "$NSB" "$B4" 8080 nr-server --reply 2000
w1=$SRV_WAIT
server "$NSB" "$B4" 8081 nr-server --reply 2000
w2=$SRV_WAIT
nr_start "$NSA" "$f" tcp port 8081
nr_wait_ready "$f" "$NSB" "$A4"
client "$NSA" "$B4" 8080 nr-client --send 3000
c1=$CLI_WAIT o1=$CLI_OUT
client "$NSA" "$B4" 8081 nr-client --send 3000
c2=$CLI_WAIT o2=$CLI_OUT
peer_wait "$c1" "client to 8080"
peer_wait "$c2" "client to 8081"
peer_wait "$w1" "server 8080"
peer_wait "$w2" "server 8081"
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
p1=$(grep '^connect ' "$o1" | kv local | sed 's/.*://')
p2=$(grep '^connect ' "$o2" | kv local | sed 's/.*://')
pid2=$(grep '^connect ' "$o2" | kv pid)
check_readable "$f"
expect "$exp" "tcp/$A4/$p2" "$pid2" "$pid2" nr-client
attribution "$f" "$exp"
n81=$(tshark -r "$f" -Y "tcp.port == 8081" 2>/dev/null | wc -l)
nno=$(tshark -r "$f" -Y "(ip || ipv6) && !(tcp.port == 8081)" 2>/dev/null | wc -l)
# what tcpdump itself selects with the same expression from the same file
ntd=$(tcpdump -n -r "$f" tcp port 8081 2>/dev/null | wc -l)
say "packets: port 8081 $n81 (tcpdump with the same filter: $ntd), others $nno"
[ "$n81" -ge 6 ] || fail "the matching connection is missing or incomplete"
[ "$nno" = 0 ] || fail "$nno packets that do not match 'tcp port 8081' were written"
[ "$ntd" = "$n81" ] || fail "tcpdump's 'tcp port 8081' selects $ntd packets, the file has $n81"
filters=$(dump "$f" | grep '^idb ' | sed 's/.* filter=//' | sort -u)
say "if_filter: $filters"
[ "$filters" = "tcp port 8081" ] || fail "if_filter is '$filters', not 'tcp port 8081'"
check_states "$f" "$A4" "$p2" "$B4" 8081 "SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSE"
nfilt=$(dump "$f" | grep '^stats ' | kv filtered)
say "statistics: packets_filtered ${nfilt:-?} (the other connection's packets)"
[ -n "$nfilt" ] && [ "$nfilt" -gt 0 ] || fail "packets_filtered does not count the excluded packets"
say "events of the other connection: $(events "$f" "$A4" "$p1" "$B4" 8080 | wc -l) (not checked)"
e2e_finish

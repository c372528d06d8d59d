#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A zero window: the server, with a small receive buffer, stops reading for
# two seconds while the client sends; its window closes, the client probes,
# then the server drains and the window opens again. Recorded once on the
# server's side (zero_window_adv then window_open_adv events, the
# advertising segments owned by the server) and once on the client's side
# (zero_window_recv then window_open_recv, the segments owned by the client).
. "$(dirname "$0")/lib.sh"
e2e_init

# one_side WHERE PORT
one_side() {
	local where=$1 port=$2 f=$WORK/$1.pcapng exp=$WORK/$1.expect rns pns paddr
	if [ "$where" = server ]; then rns=$NSB pns=$NSA paddr=$B4; else rns=$NSA pns=$NSB paddr=$A4; fi
	say "== recording on the $where's side"
	server "$NSB" "$B4" "$port" nr-server --rcvbuf 4096 --pause-ms 2000 --reply 1000
	local spid=$SRV_PID swait=$SRV_WAIT
	local ifc=va td=$WORK/$where.tcpdump.pcap
	[ "$rns" = "$NSB" ] && ifc=vb
	td_start "$rns" "$ifc" "$td" tcp port "$port"
	nr_start "$rns" "$f"
	nr_wait_ready "$f" "$pns" "$paddr"
	client "$NSA" "$B4" "$port" nr-client --send 400000
	peer_wait "$CLI_WAIT" "client" || cat "$CLI_ERR"
	peer_wait "$swait" "server"
	sleep 0.5
	nr_stop TERM
	td_stop
	[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"

	local cpid cport stid
	cpid=$(grep '^connect ' "$CLI_OUT" | kv pid)
	cport=$(grep '^connect ' "$CLI_OUT" | kv local | sed 's/.*://')
	stid=$(grep '^accept ' "$SRV_OUT" | kv tid)
	say "client pid $cpid port $cport; server pid $spid"
	check_readable "$f"
	same_segments "$f" "$td" "tcp.port == $cport && tcp.port == $port" "the connection on $ifc"
	local zflt="tcp.srcport == $port && tcp.dstport == $cport && tcp.analysis.zero_window"
	local nz
	nz=$(tshark -r "$f" -Y "$zflt" 2>/dev/null | wc -l)
	say "tshark: $nz zero-window segments from the server"
	[ "$nz" -ge 1 ] || fail "tshark sees no zero window (test setup?)"
	if [ "$where" = server ]; then
		expect "$exp" "tcp/$B4/$port" "$spid" "$stid" nr-server
		attribution "$f" "$exp"
		check_pkts "$f" "$zflt" "$spid" nr-server "zero-window segments sent"
		check_states "$f" "$B4" "$port" "$A4" "$cport" "SYN_RECV ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE"
		check_window_events "$f" "$B4" "$port" "$A4" "$cport" zero_window_adv window_open_adv
		check_event_owner "$f" "$B4" "$port" "$A4" "$cport" "$spid" nr-server
	else
		expect "$exp" "tcp/$A4/$cport" "$cpid" "$cpid" nr-client
		attribution "$f" "$exp"
		check_pkts "$f" "$zflt" "$cpid" nr-client "zero-window segments received"
		check_window_events "$f" "$A4" "$cport" "$B4" "$port" zero_window_recv window_open_recv
		check_event_owner "$f" "$A4" "$cport" "$B4" "$port" "$cpid" nr-client
	fi
}

# check_window_events FILE LADDR LPORT RADDR RPORT ZERO OPEN: a ZERO event
# with window 0, later an OPEN event with a window above 0.
check_window_events() {
	local f=$1 zero=$6 open=$7 seq nz
	seq=$(events "$f" "$2" "$3" "$4" "$5" | grep -E " event=($zero|$open) " | kv event | tr '\n' ' ')
	say "window events of $2:$3: ${seq:-none}"
	subseq "$zero $open" "$seq" || fail "want $zero then $open for $2:$3"
	nz=$(events "$f" "$2" "$3" "$4" "$5" | grep " event=$zero " | head -1 | kv window)
	[ "$nz" = 0 ] || fail "$zero event: window is '$nz', not 0"
	nz=$(events "$f" "$2" "$3" "$4" "$5" | grep " event=$open " | head -1 | kv window)
	[ -n "$nz" ] && [ "$nz" != - ] && [ "$nz" -gt 0 ] || fail "$open event: window is '$nz'"
}

one_side server 8080
one_side client 8081
e2e_finish

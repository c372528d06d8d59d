#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A client and a server of known pids exchange data and close; netrec
# records once in the client's namespace (IPv4) and once in the server's
# (IPv6). Every packet of the connection, handshake, data and FINs, in both
# directions, must carry the local side's pid, tid and command; the state
# events must follow the kernel's order (SYN_SENT, ESTABLISHED, FIN_WAIT1,
# FIN_WAIT2, CLOSE for the client, which closes first; SYN_RECV,
# ESTABLISHED, CLOSE_WAIT, LAST_ACK, CLOSE for the server) and name the same
# process; packets and events are written in time order. A third run has a
# pre-forking server: the listener's creator forks the child that accepts
# and reads, and the connection's packets belong to that child.
. "$(dirname "$0")/lib.sh"
e2e_init
SRV_CPU="" CLI_CPU=""
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	SRV_CPU=1 CLI_CPU=0
fi

# one_side WHERE NS-RECORDED FAM PORT
one_side() {
	local where=$1 rns=$2 fam=$3 port=$4 saddr caddr f exp
	if [ "$fam" = 4 ]; then saddr=$B4; caddr=$A4; else saddr=$B6; caddr=$A6; fi
	f=$WORK/$where.pcapng
	exp=$WORK/$where.expect
	say "== recording in the $where namespace, IPv$fam, port $port"
	# server and client on different CPUs: records reach netrec from both
	# CPUs' buffers and must still be written in time order
	PEER_CPU=$SRV_CPU server "$NSB" "$saddr" "$port" nr-server --thread --reply 30000
	local spid=$SRV_PID swait=$SRV_WAIT
	local ifc=va td=$WORK/$where.tcpdump.pcap
	[ "$rns" = "$NSB" ] && ifc=vb
	td_start "$rns" "$ifc" "$td" tcp port "$port"
	nr_start "$rns" "$f"
	if [ "$rns" = "$NSA" ]; then nr_wait_ready "$f" "$NSB" "$A4"; else nr_wait_ready "$f" "$NSA" "$B4"; fi
	PEER_CPU=$CLI_CPU client "$NSA" "$saddr" "$port" nr-client --thread --send 20000
	peer_wait "$CLI_WAIT" "client" || { cat "$CLI_ERR"; }
	peer_wait "$swait" "server"
	sleep 0.5
	nr_stop TERM
	td_stop
	[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"

	local cpid ctid cport stid
	read -r cpid ctid cport < <(conn_ids "$CLI_OUT")
	stid=$(grep '^accept ' "$SRV_OUT" | kv tid)
	say "client nr-client pid $cpid tid $ctid port $cport; server nr-server pid $spid tid $stid"
	[ -n "$cport" ] || { fail "client did not connect"; return; }

	check_readable "$f"
	check_time_order "$f"
	check_sequences "$f"
	local tport="tcp.port == $cport && tcp.port == $port"
	same_segments "$f" "$td" "$tport" "the connection on $ifc"
	if [ "$where" = client ]; then
		expect "$exp" "tcp/$caddr/$cport" "$cpid" "$ctid" nr-client
		attribution "$f" "$exp"
		check_pkts "$f" "$tport && tcp.flags.syn == 1 && tcp.flags.ack == 0" "$cpid" nr-client "SYN (out)"
		check_pkts "$f" "$tport && tcp.flags.syn == 1 && tcp.flags.ack == 1" "$cpid" nr-client "SYN-ACK (in)"
		check_pkts "$f" "$tport && tcp.len > 0 && tcp.srcport == $cport" "$cpid" nr-client "data sent"
		check_pkts "$f" "$tport && tcp.len > 0 && tcp.dstport == $cport" "$cpid" nr-client "data received"
		check_pkts "$f" "$tport && tcp.flags.fin == 1 && tcp.srcport == $cport" "$cpid" nr-client "FIN sent"
		check_pkts "$f" "$tport && tcp.flags.fin == 1 && tcp.dstport == $cport" "$cpid" nr-client "FIN received"
		check_states "$f" "$caddr" "$cport" "$saddr" "$port" "SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSE"
		check_event_owner "$f" "$caddr" "$cport" "$saddr" "$port" "$cpid" nr-client
		check_process "$f" "$cpid" nr-client "client $saddr $port"
		check_order_client "$f" "$caddr" "$cport" "$saddr" "$port"
		# tshark shows the event with its text, pid and command.
		local m="TCP $caddr:$cport > $saddr:$port SYN_SENT -> ESTABLISHED"
		local row
		row=$(tshark -r "$f" -Y "systemd_journal.message == \"$m\"" -T fields \
			-e systemd_journal.pid -e systemd_journal.comm 2>/dev/null | head -1)
		say "tshark: \"$m\": pid/comm: $row"
		[ "$row" = "$cpid	nr-client" ] || fail "tshark does not show \"$m\" with pid $cpid and nr-client"
	else
		expect "$exp" "tcp/$saddr/$port" "$spid" "$stid" nr-server
		attribution "$f" "$exp"
		check_pkts "$f" "$tport && tcp.flags.syn == 1 && tcp.flags.ack == 0" "$spid" nr-server "SYN (in)"
		check_pkts "$f" "$tport && tcp.flags.syn == 1 && tcp.flags.ack == 1" "$spid" nr-server "SYN-ACK (out)"
		check_pkts "$f" "$tport && tcp.len > 0 && tcp.dstport == $port" "$spid" nr-server "data received"
		check_pkts "$f" "$tport && tcp.len > 0 && tcp.srcport == $port" "$spid" nr-server "data sent"
		check_pkts "$f" "$tport && tcp.flags.fin == 1 && tcp.dstport == $port" "$spid" nr-server "FIN received"
		check_pkts "$f" "$tport && tcp.flags.fin == 1 && tcp.srcport == $port" "$spid" nr-server "FIN sent"
		check_states "$f" "$saddr" "$port" "$caddr" "$cport" "SYN_RECV ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE"
		check_event_owner "$f" "$saddr" "$port" "$caddr" "$cport" "$spid" nr-server
		check_process "$f" "$spid" nr-server "server $saddr $port"
	fi
}

# check_process FILE PID COMM CMDLINE-PART: a process record describes it.
check_process() {
	local f=$1 pid=$2 comm=$3 part=$4 rec exe
	rec=$(dump "$f" | grep "^proc " | grep " pid=$pid " | head -1)
	say "process record: ${rec:-none}"
	[ -n "$rec" ] || { fail "no process record for $pid"; return; }
	[ "$(printf '%s\n' "$rec" | kv comm)" = "$comm" ] || fail "process $pid: comm is not $comm"
	exe=$(readlink -f "$TCPPEER")
	[ "$(printf '%s\n' "$rec" | kv exe)" = "$exe" ] || fail "process $pid: exe is not $exe"
	printf '%s\n' "$rec" | grep -q "cmdline=.*$part" || fail "process $pid: command line lacks '$part'"
	[ "$(printf '%s\n' "$rec" | kv uid)" = 0 ] || fail "process $pid: uid is not 0"
	local ppid
	ppid=$(printf '%s\n' "$rec" | kv ppid)
	[ -n "$ppid" ] && [ "$ppid" != - ] && [ "$ppid" -gt 0 ] || fail "process $pid: no parent pid"
	# it comes before the first record that names the pid
	local first_proc first_use
	first_proc=$(dump "$f" | grep -n "^proc .* pid=$pid " | head -1 | cut -d: -f1)
	first_use=$(dump "$f" | grep -nE "^(pkt|ev) .* pid=$pid " | head -1 | cut -d: -f1)
	[ -n "$first_use" ] && [ "$first_proc" -lt "$first_use" ] ||
		fail "process record of $pid is not before its first packet or event"
}

# On the client side the kernel's order is: SYN_SENT, then the SYN leaves,
# the SYN-ACK arrives, then ESTABLISHED. The file must show that order.
check_order_client() {
	local f=$1 caddr=$2 cport=$3 saddr=$4 sport=$5 n_synsent n_syn n_synack n_est
	n_synsent=$(events "$f" "$caddr" "$cport" "$saddr" "$sport" | grep ' new=SYN_SENT ' | head -1 | kv n)
	n_est=$(events "$f" "$caddr" "$cport" "$saddr" "$sport" | grep ' old=SYN_SENT new=ESTABLISHED ' | head -1 | kv n)
	n_syn=$(dump "$f" | grep "^pkt .* dir=out .* sport=$cport .* flags=S " | head -1 | kv n)
	n_synack=$(dump "$f" | grep "^pkt .* dir=in .* dport=$cport flags=S\\. " | head -1 | kv n)
	say "record numbers: SYN_SENT ${n_synsent:-?}, SYN ${n_syn:-?}, SYN-ACK ${n_synack:-?}, ESTABLISHED ${n_est:-?}"
	[ -n "$n_synsent" ] && [ -n "$n_syn" ] && [ -n "$n_synack" ] && [ -n "$n_est" ] &&
		[ "$n_synsent" -lt "$n_syn" ] && [ "$n_syn" -lt "$n_synack" ] && [ "$n_synack" -lt "$n_est" ] ||
		fail "handshake packets and state events are not interleaved in the kernel's order"
}

# A server whose listener was created by its parent, which forked the child
# that accepts and reads. The connection belongs to the child; only the
# handshake, which happens before accept() returns, may name the listener's
# creator instead.
prefork() {
	local port=8082 f=$WORK/prefork.pcapng ppid_ cpid_ cport
	say "== pre-forking server, recorded on the server's side"
	server "$NSB" "$B4" "$port" nr-server --fork --reply 30000
	ppid_=$SRV_PID
	local swait=$SRV_WAIT
	nr_start "$NSB" "$f"
	nr_wait_ready "$f" "$NSA" "$B4"
	client "$NSA" "$B4" "$port" nr-client --send 20000
	peer_wait "$CLI_WAIT" "client" || cat "$CLI_ERR"
	peer_wait "$swait" "server"
	sleep 0.5
	nr_stop TERM
	[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
	cpid_=$(grep '^accept ' "$SRV_OUT" | kv pid)
	cport=$(grep '^connect ' "$CLI_OUT" | kv local | sed 's/.*://')
	say "listener created by $ppid_; accepted and served by its child $cpid_; client port $cport"
	[ -n "$cpid_" ] && [ "$cpid_" != "$ppid_" ] || { fail "the server did not fork"; return; }
	check_readable "$f"
	# figure: before the first data segment the parent or the child, after it the child
	local fig
	fig=$(dump "$f" | grep '^pkt ' | grep -E "(sport|dport)=$cport " | awk -v p="$ppid_" -v c="$cpid_" '{
		for (i = 2; i <= NF; i++) { split($i, kvp, "="); if (kvp[1] == "comment") break; v[kvp[1]] = substr($i, length(kvp[1]) + 2) }
		if (v["plen"] > 0) data = 1
		n++
		if (v["pid"] == c || (!data && v["pid"] == p)) good++
		else if (bad++ < 5) print "  wrong owner: " $0 > "/dev/stderr"
	} END { printf "%d %d", good, n }')
	set -- $fig
	say "attribution (pre-forked): $1/$2 packets (child $cpid_, or its parent before accept)"
	[ "$2" -gt 0 ] && [ "$1" = "$2" ] || fail "pre-forked server: packets not owned by the accepting child"
	local tport="tcp.port == $cport && tcp.port == $port"
	check_pkts "$f" "$tport && tcp.len > 0 && tcp.dstport == $port" "$cpid_" nr-server "data received by the child"
	check_pkts "$f" "$tport && tcp.len > 0 && tcp.srcport == $port" "$cpid_" nr-server "data sent by the child"
	check_pkts "$f" "$tport && tcp.flags.fin == 1" "$cpid_" nr-server "FINs"
	check_states "$f" "$B4" "$port" "$A4" "$cport" "SYN_RECV ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE"
	local n
	n=$(events "$f" "$B4" "$port" "$A4" "$cport" | grep -E ' new=(CLOSE_WAIT|LAST_ACK) ' | grep -vc " pid=$cpid_ ")
	[ "$n" = 0 ] || fail "pre-forked server: $n closing state events do not name the child $cpid_"
}

one_side client "$NSA" 4 8080
one_side server "$NSB" 6 8443
prefork
e2e_finish

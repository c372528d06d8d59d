#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Connections opened before netrec started: the client connects (and the
# server accepts) first, then netrec starts, then the client sends, the
# server replies and both close. netrec never saw these sockets created, so
# it has to find their owners some other way (its start-up scan). Checked
# on the client's side (IPv4) and on the server's side (IPv6, the accepted
# socket): every packet carries the local process, the closing state events
# name it, and the file has its process record. (The tid is not checked
# here: a start-up scan finds the process that holds a socket, not the
# thread that will use it.)
# Then the same on the host: netrec started in the test's own namespace
# with its default options (every namespace) finds the server's accepted
# socket in $NSB, which it never saw made, and every packet of the
# connection on $NSB's interface carries the server, also those before the
# server first reads (it waits 3 s after accepting).
. "$(dirname "$0")/lib.sh"
e2e_init

# one_side WHERE FAM PORT
one_side() {
	local where=$1 fam=$2 port=$3 f=$WORK/$1.pcapng exp=$WORK/$1.expect rns pns paddr saddr caddr
	if [ "$fam" = 4 ]; then saddr=$B4 caddr=$A4; else saddr=$B6 caddr=$A6; fi
	if [ "$where" = server ]; then rns=$NSB pns=$NSA paddr=$B4; else rns=$NSA pns=$NSB paddr=$A4; fi
	say "== connection opened before the recording, recorded on the $where's side (IPv$fam)"
	# on the host, the server reads only seconds after the data came: the
	# packets before that can take their owner only from the scan
	local pause=()
	[ "$where" = host ] && pause=(--pause-ms 3000)
	server "$NSB" "$saddr" "$port" nr-server --thread --reply 2000 "${pause[@]}"
	local spid=$SRV_PID swait=$SRV_WAIT
	client "$NSA" "$saddr" "$port" nr-client --thread --send 1500 --hold "$WORK/go.$port"
	wait_line "$CLI_OUT" '^connect ' 10 || fail "client did not connect"
	wait_line "$SRV_OUT" '^accept ' 10 || fail "server did not accept"
	sleep 0.3
	if [ "$where" = host ]; then
		host_start "$f" "${DEFAULT[@]}"
	else
		nr_start "$rns" "$f"
	fi
	nr_wait_ready "$f" "$pns" "$paddr"
	touch "$WORK/go.$port"
	peer_wait "$CLI_WAIT" "client" || cat "$CLI_ERR"
	peer_wait "$swait" "server"
	sleep 0.5
	nr_stop TERM
	[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"

	local cpid ctid cport stid
	read -r cpid ctid cport < <(conn_ids "$CLI_OUT")
	stid=$(grep '^accept ' "$SRV_OUT" | kv tid)
	say "client pid $cpid tid $ctid port $cport; server pid $spid tid $stid"
	check_readable "$f"
	local n
	n=$(tshark -r "$f" -Y "tcp.port == $cport && tcp.flags.syn == 1" 2>/dev/null | wc -l)
	[ "$n" = 0 ] || fail "the handshake is in the file: the connection was not open before netrec"
	local flt="tcp.port == $cport && tcp.port == $port"
	if [ "$where" = client ]; then
		expect "$exp" "tcp/$caddr/$cport" "$cpid" - nr-client
		attribution "$f" "$exp"
		check_pkts "$f" "$flt && tcp.len > 0" "$cpid" nr-client "data"
		check_pkts "$f" "$flt && tcp.flags.fin == 1" "$cpid" nr-client "FINs"
		check_states "$f" "$caddr" "$cport" "$saddr" "$port" "FIN_WAIT1 FIN_WAIT2 CLOSE"
		check_event_owner "$f" "$caddr" "$cport" "$saddr" "$port" "$cpid" nr-client
		dump "$f" | grep -q "^proc .* pid=$cpid " || fail "no process record for the client ($cpid)"
	elif [ "$where" = host ]; then
		# the host sees the connection on both ends' interfaces: the
		# server's is $NSB:vb
		local on="frame.interface_name == \"$NSB:vb\""
		check_pkts "$f" "$flt && $on" "$spid" nr-server "packets on $NSB:vb"
		check_pkts "$f" "$flt && $on && tcp.len > 0" "$spid" nr-server "data on $NSB:vb"
		dump "$f" | grep -q "^proc .* pid=$spid " || fail "no process record for the server ($spid)"
	else
		expect "$exp" "tcp/$saddr/$port" "$spid" - nr-server
		attribution "$f" "$exp"
		check_pkts "$f" "$flt && tcp.len > 0" "$spid" nr-server "data"
		check_pkts "$f" "$flt && tcp.flags.fin == 1" "$spid" nr-server "FINs"
		check_states "$f" "$saddr" "$port" "$caddr" "$cport" "CLOSE_WAIT LAST_ACK CLOSE"
		check_event_owner "$f" "$saddr" "$port" "$caddr" "$cport" "$spid" nr-server
		dump "$f" | grep -q "^proc .* pid=$spid " || fail "no process record for the server ($spid)"
	fi
}

one_side client 4 8080
one_side server 6 8443
one_side host 4 8444
e2e_finish

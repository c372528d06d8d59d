#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Client and server in the same namespace talking over loopback (IPv4 and
# IPv6). As with tcpdump on lo, each segment is one packet, recorded as it
# leaves (the loopback delivers it back to the same host): its owner is the
# sender. tcpdump records lo at the same time, so the file must hold the
# same segments. Both processes are known, so both sides are checked, with
# the state events of both sockets.
. "$(dirname "$0")/lib.sh"
e2e_init

f=$WORK/lo.pcapng
exp=$WORK/lo.expect
td_start "$NSA" lo "$WORK/lo-tcpdump.pcap" tcp port 8080 or tcp port 8081
nr_start "$NSA" "$f"
nr_wait_ready "$f" "$NSB" "$A4"

for pair in "127.0.0.1 8080" "::1 8081"; do
	set -- $pair
	addr=$1 port=$2
	server "$NSA" "$addr" "$port" nr-server --thread --reply 5000
	spid=$SRV_PID
	swait=$SRV_WAIT
	client "$NSA" "$addr" "$port" nr-client --send 3000
	peer_wait "$CLI_WAIT" "client to $addr" || cat "$CLI_ERR"
	peer_wait "$swait" "server on $addr"
	read -r cpid ctid cport < <(conn_ids "$CLI_OUT")
	stid=$(grep '^accept ' "$SRV_OUT" | kv tid)
	say "$addr: client pid $cpid tid $ctid port $cport; server pid $spid tid $stid port $port"
	expect "$exp" "tcp/$addr/$cport" "$cpid" "$ctid" nr-client
	expect "$exp" "tcp/$addr/$port" "$spid" "$stid" nr-server
	eval "cport_$port=$cport cpid_$port=$cpid spid_$port=$spid"
done
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
td_stop

check_readable "$f"
check_time_order "$f"
attribution "$f" "$exp"
for pair in "127.0.0.1 8080" "::1 8081"; do
	set -- $pair
	addr=$1 port=$2
	eval "cport=\$cport_$port cpid=\$cpid_$port spid=\$spid_$port"
	[ -n "$cport" ] || continue
	flt="tcp.port == $cport && tcp.port == $port"
	same_segments "$f" "$WORK/lo-tcpdump.pcap" "$flt" "$addr on lo"
	check_pkts "$f" "$flt && tcp.flags.syn == 1 && tcp.flags.ack == 0" "$cpid" nr-client "$addr SYN"
	check_pkts "$f" "$flt && tcp.flags.syn == 1 && tcp.flags.ack == 1" "$spid" nr-server "$addr SYN-ACK"
	check_pkts "$f" "$flt && tcp.len > 0 && tcp.srcport == $cport" "$cpid" nr-client "$addr client's data"
	check_pkts "$f" "$flt && tcp.len > 0 && tcp.srcport == $port" "$spid" nr-server "$addr server's data"
	check_pkts "$f" "$flt && tcp.flags.fin == 1 && tcp.srcport == $cport" "$cpid" nr-client "$addr client's FIN"
	check_pkts "$f" "$flt && tcp.flags.fin == 1 && tcp.srcport == $port" "$spid" nr-server "$addr server's FIN"
	check_states "$f" "$addr" "$cport" "$addr" "$port" "SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSE"
	check_states "$f" "$addr" "$port" "$addr" "$cport" "SYN_RECV ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE"
	check_event_owner "$f" "$addr" "$cport" "$addr" "$port" "$cpid" nr-client
	check_event_owner "$f" "$addr" "$port" "$addr" "$cport" "$spid" nr-server
done
e2e_finish

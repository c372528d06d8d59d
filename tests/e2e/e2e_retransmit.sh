#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Retransmissions: an nftables rule in the server's namespace drops the
# client's data segments for about a second, so the client retransmits on
# its timer (in softirq context, where no process is current). Recorded on
# the client's side, the originals and the retransmissions (tshark flags
# them tcp.analysis.retransmission) must carry the client's pid, and the
# socket's retransmit events must be there and name the client too.
. "$(dirname "$0")/lib.sh"
e2e_init nft

PORT=8080
f=$WORK/rtx.pcapng
exp=$WORK/rtx.expect
server "$NSB" "$B4" "$PORT" nr-server --reply 3000
spid=$SRV_PID
swait=$SRV_WAIT
td_start "$NSA" va "$WORK/tcpdump.pcap" tcp port "$PORT"
nr_start "$NSA" "$f"
nr_wait_ready "$f" "$NSB" "$A4"

# Data segments of this test are the only packets to the port longer than
# 200 bytes (handshake and ACKs are under 100).
ip netns exec "$NSB" nft -f - <<EOF || fail "cannot add the nftables rule"
table inet nre2e {
	chain in {
		type filter hook input priority 0; policy accept;
		tcp dport $PORT ip length > 200 counter drop
	}
}
EOF
client "$NSA" "$B4" "$PORT" nr-client --thread --send 4000
sleep 1.2
ip netns exec "$NSB" nft list table inet nre2e | grep -o 'packets [0-9]*' | sed 's/^/dropped by nftables: /'
ip netns exec "$NSB" nft delete table inet nre2e || fail "cannot delete the nftables rule"
peer_wait "$CLI_WAIT" "client" || cat "$CLI_ERR"
peer_wait "$swait" "server"
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
td_stop

read -r cpid ctid cport < <(conn_ids "$CLI_OUT")
say "client pid $cpid tid $ctid port $cport; server pid $spid"
check_readable "$f"
same_segments "$f" "$WORK/tcpdump.pcap" "tcp.port == $cport && tcp.port == $PORT" "the connection on va"
expect "$exp" "tcp/$A4/$cport" "$cpid" "$ctid" nr-client
attribution "$f" "$exp"
flt="tcp.srcport == $cport && tcp.dstport == $PORT"
check_pkts "$f" "$flt && tcp.analysis.retransmission" "$cpid" nr-client "retransmitted segments"
nrtx=$(tshark -r "$f" -Y "$flt && tcp.analysis.retransmission" 2>/dev/null | wc -l)
nev=$(events "$f" "$A4" "$cport" "$B4" "$PORT" | grep -c ' event=retransmit ')
say "retransmissions: tshark sees $nrtx, netrec recorded $nev retransmit events"
[ "$nev" -ge 1 ] || fail "no retransmit event for the client's socket"
[ "$nrtx" -ge 1 ] || fail "tshark sees no retransmission (did the drop rule work?)"
check_event_owner "$f" "$A4" "$cport" "$B4" "$PORT" "$cpid" nr-client
check_states "$f" "$A4" "$cport" "$B4" "$PORT" "SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSE"
tshark_messages "$f" | grep -q "TCP retransmit $A4:$cport > $B4:$PORT" ||
	fail "tshark shows no \"TCP retransmit $A4:$cport > $B4:$PORT\" message"
e2e_finish

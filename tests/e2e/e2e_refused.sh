#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Connections to a closed port. Recorded on the client's side, the SYN and
# the RST that answers it both belong to the client's socket, whose events
# show SYN_SENT -> CLOSE, the reset received and the ECONNREFUSED error.
# Recorded on the closed side, the RST (IPv4 and IPv6) and the ICMP port
# unreachable that answers a UDP datagram are made by the kernel and must be
# labelled so. The ICMP error seen on the sender's side belongs to the UDP
# socket whose datagram it quotes.
. "$(dirname "$0")/lib.sh"
e2e_init

CLOSED=7

say "== recording on the client's side"
f=$WORK/client.pcapng
exp=$WORK/client.expect
nr_start "$NSA" "$f"
nr_wait_ready "$f" "$NSB" "$A4"
client "$NSA" "$B4" "$CLOSED" nr-client --refused --bind-port 40007 --thread
peer_wait "$CLI_WAIT" "refused client" || cat "$CLI_ERR"
cpid=$(kv pid <"$CLI_OUT")
ctid=$(kv tid <"$CLI_OUT")
bg_run "$NSA" 20 "$WORK/udp.pid" "$WORK/udp.out" "$WORK/udp.err" "$(peer_bin nr-udp)" udp "$B4" "$CLOSED"
peer_wait "$BG_PID" "udp sender" || cat "$WORK/udp.err"
upid=$(grep '^connect ' "$WORK/udp.out" | kv pid)
uport=$(grep '^connect ' "$WORK/udp.out" | kv local | sed 's/.*://')
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
say "client pid $cpid tid $ctid port 40007; udp sender pid $upid port $uport"

check_readable "$f"
expect "$exp" "tcp/$A4/40007" "$cpid" "$ctid" nr-client
expect "$exp" "in:icmperr/$uport" "$upid" "$upid" nr-udp
attribution "$f" "$exp"
flt="tcp.port == 40007 && tcp.port == $CLOSED"
check_pkts "$f" "$flt && tcp.flags.syn == 1" "$cpid" nr-client "SYN"
check_pkts "$f" "$flt && tcp.flags.reset == 1" "$cpid" nr-client "RST received"
check_pkts "$f" "icmp.type == 3 && icmp.code == 3 && udp.srcport == $uport" "$upid" nr-udp "ICMP port unreachable received"
check_states "$f" "$A4" 40007 "$B4" "$CLOSED" "SYN_SENT CLOSE"
check_event_owner "$f" "$A4" 40007 "$B4" "$CLOSED" "$cpid" nr-client
nrr=$(events "$f" "$A4" 40007 "$B4" "$CLOSED" | grep -c ' event=reset_recv ')
nerr=$(events "$f" "$A4" 40007 "$B4" "$CLOSED" | grep ' event=sk_error ' | grep -c ' errno=111 ')
say "events: reset_recv $nrr, sk_error ECONNREFUSED $nerr"
[ "$nrr" -ge 1 ] || fail "no reset_recv event for the refused connection"
[ "$nerr" -ge 1 ] || fail "no sk_error event with errno 111 (ECONNREFUSED)"
tshark_messages "$f" | grep -q "ECONNREFUSED" || fail "tshark shows no event message naming ECONNREFUSED"

say "== recording on the closed side"
f=$WORK/closed.pcapng
exp=$WORK/closed.expect
nr_start "$NSB" "$f"
nr_wait_ready "$f" "$NSA" "$B4"
client "$NSA" "$B4" "$CLOSED" nr-client --refused --bind-port 40008
peer_wait "$CLI_WAIT" "refused client (IPv4)" || cat "$CLI_ERR"
client "$NSA" "$B6" "$CLOSED" nr-client6 --refused --bind-port 40009
peer_wait "$CLI_WAIT" "refused client (IPv6)" || cat "$CLI_ERR"
bg_run "$NSA" 20 "$WORK/udp2.pid" "$WORK/udp2.out" "$WORK/udp2.err" "$(peer_bin nr-udp)" udp "$B4" "$CLOSED"
peer_wait "$BG_PID" "udp sender" || cat "$WORK/udp2.err"
uport=$(grep '^connect ' "$WORK/udp2.out" | kv local | sed 's/.*://')
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"

check_readable "$f"
expect "$exp" "out:tcp/$B4/$CLOSED" kernel - kernel
expect "$exp" "out:tcp/$B6/$CLOSED" kernel - kernel
expect "$exp" "out:icmperr/$uport" kernel - kernel
attribution "$f" "$exp"
n4=$(tshark -r "$f" -Y "tcp.srcport == $CLOSED && tcp.dstport == 40008 && tcp.flags.reset == 1 && ip" 2>/dev/null | wc -l)
n6=$(tshark -r "$f" -Y "tcp.srcport == $CLOSED && tcp.dstport == 40009 && tcp.flags.reset == 1 && ipv6" 2>/dev/null | wc -l)
ni=$(tshark -r "$f" -Y "icmp.type == 3 && icmp.code == 3 && udp.srcport == $uport" 2>/dev/null | wc -l)
say "kernel-made packets in the file: RST IPv4 $n4, RST IPv6 $n6, ICMP port unreachable $ni"
[ "$n4" -ge 1 ] && [ "$n6" -ge 1 ] && [ "$ni" -ge 1 ] || fail "missing RST or ICMP error on the closed side"
e2e_finish

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# GSO super-packets: bulk TCP over the veth, whose stack hands it segments
# of up to 64 KiB (IPv4) and, with BIG TCP (gso_max_size 200000, IPv6), of
# up to about 200 KB. Recorded with -s 0 while tcpdump -s 0 captures the
# same interface: netrec's file must hold the same packets as tcpdump shows
# them (one packet per super-packet, the same bytes, the same original
# length), netrec's each whole, at least one longer than 64 KiB. tcpdump
# (libpcap 1.10's ring frames) keeps at most 65548 bytes of a frame, 65534
# from the network header on: the packets are compared on those bytes.
. "$(dirname "$0")/lib.sh"
e2e_init

# the namespaces' own interfaces: BIG TCP for IPv6 on the sending side
ip -n "$NSA" link set va gso_max_size 200000 ||
	skip "this kernel or iproute2 cannot raise gso_max_size (BIG TCP)"
ip -n "$NSB" link set vb gro_max_size 200000 2>/dev/null

f=$WORK/gso.pcapng
td=$WORK/gso.tcpdump.pcap
nr_start "$NSA" "$f" -s 0
nr_wait_ready "$f" "$NSB" "$A4"
td_start "$NSA" va "$td"
sleep 0.3
for addr in "$B6" "$B4"; do
	server "$NSB" "$addr" 8600 nr-bulk --reply 1000
	sw=$SRV_WAIT
	client "$NSA" "$addr" 8600 nr-bulk --send 4000000
	peer_wait "$CLI_WAIT" "bulk client to $addr" || cat "$CLI_ERR"
	peer_wait "$sw" "bulk server on $addr"
done
td_stop
sleep 0.3
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
grep -q 'drops: 0$' "$NR_ERR" || fail "netrec dropped records"
[ "${TD_DROPS:-0}" = 0 ] || say "note: tcpdump reported drops"
check_readable "$f"
same_packets "$f" "$td" "IP packets on va" va 65534
for which in netrec tcpdump; do
	big6=$(awk '$4 == 6 && $2 > 65535' "$WORK/pk.$which.all" | wc -l)
	big4=$(awk '$4 == 4 && $2 > 16000' "$WORK/pk.$which.all" | wc -l)
	max=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$WORK/pk.$which.all")
	short=$(awk '$1 != $2' "$WORK/pk.$which.all" | wc -l)
	say "$which: IPv6 packets over 64 KiB: $big6, IPv4 super-packets: $big4, longest $max bytes, captured short of their length: $short"
	[ "$big6" -gt 0 ] || fail "$which: no IPv6 packet over 64 KiB (BIG TCP did not happen)"
done
[ "$(awk '$1 != $2' "$WORK/pk.netrec.all" | wc -l)" = 0 ] || fail "netrec: packets not captured whole"
e2e_finish

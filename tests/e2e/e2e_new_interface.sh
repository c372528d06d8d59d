#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# An interface that appears while netrec records (no -i: every interface,
# "including ones that appear while recording"): a second veth pair is
# created after start-up, with addresses from 198.51.100.0/24; a connection
# over it must be recorded on it, with an interface description of its own,
# every packet owned by the client, as tcpdump on that interface sees them.
. "$(dirname "$0")/lib.sh"
e2e_init

f=$WORK/new.pcapng
exp=$WORK/new.expect
nr_start "$NSA" "$f"
nr_wait_ready "$f" "$NSB" "$A4"
ip -n "$NSA" link add vc type veth peer name vd netns "$NSB" || die "second veth"
ip -n "$NSA" addr add 198.51.100.1/24 dev vc
ip -n "$NSB" addr add 198.51.100.2/24 dev vd
ip -n "$NSA" link set vc up
ip -n "$NSB" link set vd up
say "created vc (198.51.100.1) <-> vd (198.51.100.2) while recording"
# let the link come up and netrec notice it
for i in $(seq 50); do
	probe_refused "$NSA" 198.51.100.2 && break
	sleep 0.1
done
sleep 1
td_start "$NSA" vc "$WORK/vc.tcpdump.pcap" tcp port 8080
server "$NSB" 198.51.100.2 8080 nr-server --reply 3000
swait=$SRV_WAIT
client "$NSA" 198.51.100.2 8080 nr-client --thread --send 3000
peer_wait "$CLI_WAIT" "client" || cat "$CLI_ERR"
peer_wait "$swait" "server"
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
td_stop
read -r cpid ctid cport < <(conn_ids "$CLI_OUT")
say "client pid $cpid tid $ctid port $cport"
check_readable "$f"
idb=$(dump "$f" | grep '^idb .* name=vc ')
say "interface description: ${idb:-none}"
[ -n "$idb" ] || fail "no interface description block for vc"
ifidx=$(ip -n "$NSA" -o link show vc | cut -d: -f1)
printf '%s\n' "$idb" | grep -q "desc=ifindex_${ifidx}," || fail "vc's description does not give its ifindex $ifidx"
flt="tcp.port == $cport && tcp.port == 8080"
non_vc=$(tshark -r "$f" -Y "$flt && !(frame.interface_name == \"vc\")" 2>/dev/null | wc -l)
[ "$non_vc" = 0 ] || fail "$non_vc packets of the connection are not recorded on vc"
same_segments "$f" "$WORK/vc.tcpdump.pcap" "$flt" "the connection on vc"
expect "$exp" "tcp/198.51.100.1/$cport" "$cpid" "$ctid" nr-client
attribution "$f" "$exp"
check_states "$f" 198.51.100.1 "$cport" 198.51.100.2 8080 "SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSE"
e2e_finish

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# netrec on the host (the test's own namespace, the initial one) with its
# default options records every network namespace: the pair lib.sh makes
# ($NSA/$NSB, there before netrec starts) and a second pair ($NSL1/$NSL2,
# veth lc/ls) created while it records, with the same addresses. One
# connection in each pair, both with the same addresses and ports (the
# clients bind the same port): every packet on each namespace's interface
# must carry the owner of that namespace's socket (the kernel side's
# connection map is keyed by namespace), and netrec's packets on the new
# namespace's lc must be the segments tcpdump captures on lc inside it in
# the same run. Then -i NS:IFACE twice: only those two interfaces are
# recorded, each with what tcpdump sees there; an unknown namespace or
# interface in -i NS:IFACE is refused (exit 2). A namespace named while
# recording is followed when its name is bound (the mount table's change),
# with the periodic rescan lengthened out of the way; an empty file in
# /run/netns is not followed. netrec's own namespace is
# left alone (it only attaches to interfaces in it); the namespaces are the
# test's and are deleted on exit.
. "$(dirname "$0")/lib.sh"
e2e_init

NSL1=nre2e-$$-l1
NSL2=nre2e-$$-l2
ns_cleanup() {
	local p ns
	for ns in "$NSL1" "$NSL2"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns delete "$ns" 2>/dev/null
	done
	ip netns delete "nre2e-$$-named" 2>/dev/null
	rm -f "/run/netns/nre2e-$$-named-empty"
}
trap 'rc=$?; ns_cleanup; (exit $rc); e2e_cleanup' EXIT

# segs FILE FILTER: the TCP segments of FILE that FILTER keeps, sorted.
segs() {
	tshark -r "$1" -Y "$2" -T fields -e tcp.srcport -e tcp.dstport -e tcp.seq_raw \
		-e tcp.ack_raw -e tcp.flags -e tcp.len 2>/dev/null | sort
}

# same_as_tcpdump FILE PCAP PORT: netrec's segments of port PORT on
# $NSL1:lc in FILE are exactly those tcpdump captured on lc inside $NSL1.
same_as_tcpdump() {
	local f=$1 td=$2 port=$3
	segs "$f" "frame.interface_name == \"$NSL1:lc\" && tcp.port == $port" >"$WORK/seg.nr"
	segs "$td" "tcp.port == $port" >"$WORK/seg.td"
	say "$NSL1:lc: netrec $(wc -l <"$WORK/seg.nr") segments, tcpdump inside $NSL1 $(wc -l <"$WORK/seg.td")"
	[ -s "$WORK/seg.td" ] || fail "tcpdump captured nothing on lc"
	cmp -s "$WORK/seg.nr" "$WORK/seg.td" || {
		fail "netrec's segments on $NSL1:lc differ from tcpdump's on lc"
		diff "$WORK/seg.nr" "$WORK/seg.td" | head -6 | sed 's/^/  /'
	}
}


# same_pair NS1 NS2 VETH1 VETH2: a veth pair between two new namespaces
# with lib.sh's addresses (the same as $NSA/$NSB's).
same_pair() {
	ip netns add "$1" || die "ip netns add $1"
	ip netns add "$2" || die "ip netns add $2"
	ip -n "$1" link add "$3" type veth peer name "$4" netns "$2" || die "veth $3/$4"
	ip -n "$1" link set lo up
	ip -n "$2" link set lo up
	ip -n "$1" addr add $A4/24 dev "$3"
	ip -n "$2" addr add $B4/24 dev "$4"
	ip -n "$1" link set "$3" up
	ip -n "$2" link set "$4" up
	for i in $(seq 50); do probe_refused "$1" "$B4" && break; sleep 0.1; done
	probe_refused "$1" "$B4" || die "no path from $1 to $B4"
}

# two_conns PORT LPORT: a connection in each pair with the same addresses
# and ports. Client A connects and holds, client L connects and holds, then
# A finishes, then L: the owners each namespace's kernel side remembers for
# the tuple are written in the order A, L, and A's closing packets must
# still find A's. Sets PID_CA PID_SA PID_CL PID_SL.
two_conns() {
	local port=$1 lport=$2 swa swl cwa cwl
	server "$NSB" "$B4" "$port" nr-srv-a --reply 4000
	swa=$SRV_WAIT; PID_SA=$SRV_PID
	server "$NSL2" "$B4" "$port" nr-srv-l --reply 4000
	swl=$SRV_WAIT; PID_SL=$SRV_PID
	rm -f "$WORK/hold.a.$port" "$WORK/hold.l.$port"
	client "$NSA" "$B4" "$port" nr-cli-a --bind-port "$lport" --send 3000 --hold "$WORK/hold.a.$port"
	cwa=$CLI_WAIT
	wait_line "$CLI_OUT" '^connect ' 10 || fail "client A did not connect: $(cat "$CLI_ERR")"
	PID_CA=$(conn_ids "$CLI_OUT" | cut -d' ' -f1)
	client "$NSL1" "$B4" "$port" nr-cli-l --bind-port "$lport" --send 3000 --hold "$WORK/hold.l.$port"
	cwl=$CLI_WAIT
	wait_line "$CLI_OUT" '^connect ' 10 || fail "client L did not connect: $(cat "$CLI_ERR")"
	PID_CL=$(conn_ids "$CLI_OUT" | cut -d' ' -f1)
	touch "$WORK/hold.a.$port"
	peer_wait "$cwa" "client in $NSA"
	peer_wait "$swa" "server in $NSB"
	sleep 0.3
	touch "$WORK/hold.l.$port"
	peer_wait "$cwl" "client in $NSL1"
	peer_wait "$swl" "server in $NSL2"
	say "port $port, both clients bound to $lport: $NSA client $PID_CA, $NSB server $PID_SA, $NSL1 client $PID_CL, $NSL2 server $PID_SL"
}

say "== default options: a namespace pair created while recording, the same addresses as $NSA/$NSB"
F=$WORK/all.pcapng
host_start "$F" "${DEFAULT[@]}"
nr_wait_ready "$F" "$NSA" "$B4"
same_pair "$NSL1" "$NSL2" lc ls
wait_line "$NR_ERR" "capturing on $NSL1:lc" 10 || fail "netrec did not say it captures on $NSL1:lc"
wait_line "$NR_ERR" "capturing on $NSL2:ls" 10 || fail "netrec did not say it captures on $NSL2:ls"
td_start "$NSL1" lc "$WORK/lc.pcap" tcp port 7100
two_conns 7100 40100
td_stop
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
check_readable "$F"
grep -q "following network namespace $NSL1 (appeared while recording)" "$NR_ERR" ||
	fail "netrec did not say it follows $NSL1"
owned "$F" "$NSA:va" 40100 "$PID_CA" "$NSA's client"
owned "$F" "$NSB:vb" 7100 "$PID_SA" "$NSB's server"
owned "$F" "$NSL1:lc" 40100 "$PID_CL" "$NSL1's client"
owned "$F" "$NSL2:ls" 7100 "$PID_SL" "$NSL2's server"
same_as_tcpdump "$F" "$WORK/lc.pcap" 7100
ino=$(stat -L -c %i "/run/netns/$NSL1")
tshark -r "$F" -T fields -e frame.interface_name -e frame.interface_description \
	-Y "frame.interface_name == \"$NSL1:lc\"" 2>/dev/null | sort -u >"$WORK/lc.idb"
grep -q "netns $ino," "$WORK/lc.idb" ||
	fail "the interface $NSL1:lc does not name its namespace's inode $ino: $(cat "$WORK/lc.idb")"

say "== -i $NSL1:lc -i $NSB:vb: those two interfaces only"
F2=$WORK/pick.pcapng
host_start "$F2" -i "$NSL1:lc" -i "$NSB:vb"
nr_wait_ready "$F2" "$NSA" "$B4"
td_start "$NSL1" lc "$WORK/lc2.pcap" tcp port 7200
two_conns 7200 40200
td_stop
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
check_readable "$F2"
idbs=$(dump "$F2" | grep '^idb ' | sed 's/.* name=\([^ ]*\).*/\1/' | sort | tr '\n' ' ')
say "interfaces in the file: $idbs"
[ "$idbs" = "$(printf '%s\n' "$NSB:vb" "$NSL1:lc" | sort | tr '\n' ' ')" ] ||
	fail "the file's interfaces are '$idbs', want only $NSL1:lc and $NSB:vb"
owned "$F2" "$NSL1:lc" 40200 "$PID_CL" "$NSL1's client"
owned "$F2" "$NSB:vb" 7200 "$PID_SA" "$NSB's server"
same_as_tcpdump "$F2" "$WORK/lc2.pcap" 7200

say "== a name bound while recording is followed at once, not at the next rescan"
# The rescan is lengthened to 10 minutes: only the mount table's change can
# make netrec look at /run/netns within the 10 s allowed. An empty file
# there (a name ip netns has made but not bound yet) is not a namespace.
NSN=nre2e-$$-named
: >"/run/netns/$NSN-empty"
F3=$WORK/named.pcapng
NETREC_TEST_NS_RESCAN_MS=600000 host_start "$F3" "${DEFAULT[@]}"
nr_wait_ready "$F3" "$NSA" "$B4"
ip netns add "$NSN"
if wait_line "$NR_ERR" "following network namespace $NSN " 10; then
	say "followed $NSN after its name was bound"
else
	fail "$NSN was not followed within 10 s of ip netns add (rescan: 10 min)"
fi
ip netns delete "$NSN"
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
grep -q "$NSN-empty" "$NR_ERR" && fail "netrec followed the empty file $NSN-empty"
rm -f "/run/netns/$NSN-empty"

say "== -i NS:IFACE that names nothing"
for bad in "nre2e-$$-nosuch:eth0" "$NSL1:nosuch0"; do
	refuse2 - "-i $bad" "$bad" -i "$bad"
done
e2e_finish

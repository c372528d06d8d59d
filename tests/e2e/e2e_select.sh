#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Selections. One that cannot match (a pid that does not exist, a cgroup
# that does not exist, an interface that does not exist) is refused at
# start-up with exit 2 and a message naming it, leaving no file. `-i any`
# is every interface; `-i va` records only va's packets and only the kernel
# events of connections whose packets crossed va: a connection over lo in
# the same namespace, at the same time, leaves nothing in the file.
. "$(dirname "$0")/lib.sh"
e2e_init

nopid=999999
while [ -e "/proc/$nopid" ]; do nopid=$((nopid + 1)); done
refuse2 "$NSA" "-p $nopid" "$nopid" -p "$nopid"
refuse2 "$NSA" "--cgroup /no/such" "/no/such" --cgroup /no/such
refuse2 "$NSA" "--cgroup not a path" "no-slash" --cgroup no-slash
refuse2 "$NSA" "-i nosuch0" "nosuch0" -i nosuch0

# run NAME NETREC-ARGS...: a connection over va (to $B4:8080) and one over
# lo (127.0.0.1:8081), both from $NSA, while netrec records $NSA. Sets F,
# VPORT and LPORT (the clients' ports).
run() {
	local name=$1 vs ls; shift
	F=$WORK/$name.pcapng
	server "$NSB" "$B4" 8080 nr-vserver --reply 2000
	vs=$SRV_WAIT
	server "$NSA" 127.0.0.1 8081 nr-lserver --reply 2000
	ls=$SRV_WAIT
	nr_start "$NSA" "$F" "$@"
	nr_wait_ready "$F" "$NSB" "$A4"
	client "$NSA" "$B4" 8080 nr-vclient --send 3000
	peer_wait "$CLI_WAIT" "client over va"
	VPORT=$(grep '^connect ' "$CLI_OUT" | kv local | sed 's/.*://')
	client "$NSA" 127.0.0.1 8081 nr-lclient --send 3000
	peer_wait "$CLI_WAIT" "client over lo"
	LPORT=$(grep '^connect ' "$CLI_OUT" | kv local | sed 's/.*://')
	peer_wait "$vs" "server on va"
	peer_wait "$ls" "server on lo"
	sleep 0.5
	nr_stop TERM
	[ "$NR_STATUS" = 0 ] || fail "$name: netrec exited with $NR_STATUS"
	check_readable "$F"
}

# counts FILE PORT: "packets events" of the connection with local port PORT.
counts() {
	local p e
	p=$(dump "$1" | grep '^pkt ' | grep -cE "(sport|dport)=$2 ")
	e=$(dump "$1" | grep '^ev ' | grep -cE "(sport|dport)=$2 ")
	echo "$p $e"
}

# syn_sent FILE PORT: connect() enters SYN_SENT before the kernel picks
# the local port, so that event has port 0 and names the connection only
# by its socket: the number of such events of the socket whose events
# have local port PORT.
syn_sent() {
	local c
	c=$(dump "$1" | grep '^ev ' | grep " sport=$2 " | kv cookie | sort -u | head -1)
	[ -n "$c" ] || { echo 0; return; }
	dump "$1" | grep '^ev ' | grep " cookie=$c " | grep ' sport=0 ' | grep -c ' new=SYN_SENT '
}

say "== -i va"
run iva -i va
read -r vp ve < <(counts "$F" "$VPORT")
read -r lp le < <(counts "$F" "$LPORT")
say "-i va: over va $vp packets $ve events; over lo $lp packets $le events"
[ "$vp" -ge 8 ] && [ "$ve" -ge 4 ] || fail "-i va: the connection over va is missing packets or events"
[ "$lp" = 0 ] || fail "-i va: $lp packets of the connection over lo were recorded"
[ "$le" = 0 ] || fail "-i va: $le kernel events of the connection over lo were recorded"
n=$(syn_sent "$F" "$VPORT")
say "-i va: the client's CLOSE > SYN_SENT event (port 0): $n"
[ "$n" = 1 ] || fail "-i va: the connection over va has $n SYN_SENT events without a port, want 1"
n=$(dump "$F" | grep '^ev ' | grep -c ' sport=0 daddr=127.0.0.1 dport=8081 ')
[ "$n" = 0 ] || fail "-i va: $n port-less events of the connection over lo were recorded"
ifs=$(dump "$F" | grep '^idb ' | sed 's/.* name=\([^ ]*\).*/\1/' | sort | tr '\n' ' ')
say "-i va: interfaces in the file: $ifs"
[ "$ifs" = "va " ] || fail "-i va: interfaces other than va in the file: $ifs"

say "== -i any"
run iany -i any
read -r vp ve < <(counts "$F" "$VPORT")
read -r lp le < <(counts "$F" "$LPORT")
say "-i any: over va $vp packets $ve events; over lo $lp packets $le events"
[ "$vp" -ge 8 ] && [ "$ve" -ge 4 ] || fail "-i any: the connection over va is missing packets or events"
[ "$lp" -ge 8 ] && [ "$le" -ge 4 ] || fail "-i any: the connection over lo is missing packets or events"
for p in "$VPORT" "$LPORT"; do
	n=$(syn_sent "$F" "$p")
	[ "$n" = 1 ] || fail "-i any: the connection from port $p has $n SYN_SENT events without a port, want 1"
done
e2e_finish

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A host with many containers: a "host" namespace ($NSH) and $NPODS "pod"
# namespaces, each joined to it by a veth pair (eth0 in the pod, hI in the
# host), routed the way container networks do it (the pod's 198.51.100.I/32
# on eth0, the host's 192.0.2.254/32 on every hI, a /32 route each way).
# netrec runs in $NSH and follows the pods by name pattern (--netns
# 'nre2e-PID-p*'), far more namespaces than one byte could number: the
# first $NEARLY exist when it starts, the others appear while it records,
# so that they get the highest numbers. A client in $NSH talks TCP to a
# server in several pods, among them ones created while recording; every
# packet of each connection on the pod's eth0 must carry the server's pid
# and name PODNAME:eth0, and on the host's hI the client's; on the last pod,
# netrec's segments must be those tcpdump captures on eth0 inside it in the
# same run. Then a score of pods are deleted while recording (netrec lets
# them go) and one more connection to a remaining pod must still be found.
# Nothing is said about namespaces or interfaces not followed, although
# netrec starts with the usual soft limit of 1024 open files. The
# namespaces are the test's own and are deleted on exit.
. "$(dirname "$0")/lib.sh"
e2e_init

NPODS=${E2E_MANYNS_PODS:-200}
NEARLY=130
NSH=nre2e-$$-h
POD=nre2e-$$-p
HOST4=192.0.2.254

pod() { printf '%s%03d' "$POD" "$1"; }

ns_cleanup() {
	local p i
	for p in $(ip netns pids "$NSH" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	for i in $(seq "$NPODS"); do
		[ -e "/run/netns/$(pod "$i")" ] || continue
		for p in $(ip netns pids "$(pod "$i")" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	done
	for i in $(seq "$NPODS"); do
		[ -e "/run/netns/$(pod "$i")" ] && echo "netns delete $(pod "$i")"
	done | ip -force -batch - 2>/dev/null
	ip netns delete "$NSH" 2>/dev/null
	ip netns list 2>/dev/null | grep -q "^nre2e-$$-[hp]" && say "note: namespaces left: $(ip netns list | grep -c "^nre2e-$$-")"
}
trap 'rc=$?; ns_cleanup; (exit $rc); e2e_cleanup' EXIT

# make_pods FIRST LAST: pods FIRST..LAST with their veth pairs into $NSH.
make_pods() {
	local a=$1 b=$2 i
	for i in $(seq "$a" "$b"); do echo "netns add $(pod "$i")"; done | ip -batch - ||
		die "ip netns add (pods $a..$b)"
	for i in $(seq "$a" "$b"); do
		echo "link add h$i type veth peer name eth0 netns $(pod "$i")"
		echo "addr add $HOST4/32 dev h$i"
		echo "link set h$i up"
	done | ip -n "$NSH" -batch - || die "veths into $NSH (pods $a..$b)"
	for i in $(seq "$a" "$b"); do
		printf 'link set lo up\naddr add 198.51.100.%d/32 dev eth0\nlink set eth0 up\nroute add %s/32 dev eth0\n' \
			"$i" "$HOST4" | ip -n "$(pod "$i")" -batch - || die "addresses in $(pod "$i")"
	done
	for i in $(seq "$a" "$b"); do
		echo "route add 198.51.100.$i/32 dev h$i"
	done | ip -n "$NSH" -batch - || die "routes in $NSH (pods $a..$b)"
}

# reach I: the path from $NSH to pod I works (bounded wait).
reach() {
	local i
	for i in $(seq 50); do probe_refused "$NSH" "198.51.100.$1" && return 0; sleep 0.1; done
	return 1
}

# conn I PORT: a connection from $NSH's client to pod I's server; sets
# PID_S PID_C.
conn() {
	local i=$1 port=$2 sw cw
	server "$(pod "$i")" "198.51.100.$i" "$port" nr-pod --reply 3000
	sw=$SRV_WAIT; PID_S=$SRV_PID
	client "$NSH" "198.51.100.$i" "$port" nr-host --send 2000
	cw=$CLI_WAIT
	peer_wait "$cw" "client to pod $i"
	peer_wait "$sw" "server in pod $i"
	PID_C=$(conn_ids "$CLI_OUT" | cut -d' ' -f1)
	say "pod $i port $port: server $PID_S, client $PID_C"
}


t0=$(date +%s)
ip netns add "$NSH" || die "ip netns add $NSH"
ip -n "$NSH" link set lo up
make_pods 1 "$NEARLY"
say "$NEARLY pods made in $(( $(date +%s) - t0 )) s"

F=$WORK/many.pcapng
# the usual soft limit of open files (netrec needs about 1600 here: it
# raises its own up to the hard limit)
ulimit -S -n 1024
nr_start "$NSH" "$F" --netns "${POD}*"
# netrec attaches to about 400 interfaces before it records (each costs the
# kernel grace periods): pods made before it is ready would be found by its
# start-up scan, not as new ones
nr_wait_ready "$F" "$(pod 1)" "$HOST4" 60
make_pods $((NEARLY + 1)) "$NPODS"
wait_line "$NR_ERR" "capturing on $(pod "$NPODS"):eth0" 30 ||
	fail "netrec did not say it captures on $(pod "$NPODS"):eth0 within 30 s"
say "$NPODS pods in $(( $(date +%s) - t0 )) s; netrec follows $(grep -c 'following network namespace' "$NR_ERR") that appeared while recording"

declare -A SRV CLI
LAST=$NPODS
for i in 1 64 127 $((NEARLY + 1)) $((NPODS - 1)) "$LAST"; do
	# netrec finds new namespaces by looking twice a second, in no set
	# order, and each interface costs the kernel grace periods to attach:
	# a pod made while recording may be followed seconds after the last
	if [ "$i" -gt "$NEARLY" ]; then
		wait_line "$NR_ERR" "capturing on $(pod "$i"):eth0 " 30 ||
			fail "netrec did not say it captures on $(pod "$i"):eth0 within 30 s"
		wait_line "$NR_ERR" "capturing on h$i " 30 ||
			fail "netrec did not say it captures on h$i within 30 s"
	fi
	reach "$i" || fail "no path from $NSH to pod $i"
	[ "$i" = "$LAST" ] && td_start "$(pod "$i")" eth0 "$WORK/last.pcap" tcp port $((7000 + i))
	conn "$i" $((7000 + i))
	[ "$i" = "$LAST" ] && td_stop
	SRV[$i]=$PID_S
	CLI[$i]=$PID_C
done

# let a score of pods go while recording, then one more connection
for i in $(seq 2 21); do echo "netns delete $(pod "$i")"; done | ip -batch - ||
	fail "ip netns delete (pods 2..21)"
wait_line "$NR_ERR" "network namespace $(pod 21) is gone" 10 ||
	fail "netrec did not let go of $(pod 21)"
AFTER=$((NPODS - 2))
reach "$AFTER" || fail "no path from $NSH to pod $AFTER"
conn "$AFTER" $((7000 + AFTER))
SRV[$AFTER]=$PID_S
CLI[$AFTER]=$PID_C
sleep 0.5
# netrec finishes its file at once; then it lets go of its interfaces' tcx
# links, which the kernel releases one at a time, each after an RCU grace
# period (about 10 ms on the VMs here): its 1,200 links take longer than the
# 10 s allowed for finishing the file.
kill -TERM "$NR_PID"
NR_SIGNALLED=$NR_PID
wait_line "$NR_ERR" "packets written" 10 ||
	fail "netrec did not finish its file within 10 s of SIGTERM"
nr_stop TERM 60
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
check_readable "$F"

for i in "${!SRV[@]}"; do
	owned "$F" "$(pod "$i"):eth0" $((7000 + i)) "${SRV[$i]}" "pod $i's server"
	owned "$F" "h$i" $((7000 + i)) "${CLI[$i]}" "the host's client to pod $i"
done
segs() {
	tshark -r "$1" -Y "$2" -T fields -e tcp.srcport -e tcp.dstport -e tcp.seq_raw \
		-e tcp.ack_raw -e tcp.flags -e tcp.len 2>/dev/null | sort
}
segs "$F" "frame.interface_name == \"$(pod "$LAST"):eth0\" && tcp.port == $((7000 + LAST))" >"$WORK/seg.nr"
segs "$WORK/last.pcap" "tcp.port == $((7000 + LAST))" >"$WORK/seg.td"
say "$(pod "$LAST"):eth0: netrec $(wc -l <"$WORK/seg.nr") segments, tcpdump inside it $(wc -l <"$WORK/seg.td")"
[ -s "$WORK/seg.td" ] || fail "tcpdump captured nothing on eth0 of $(pod "$LAST")"
cmp -s "$WORK/seg.nr" "$WORK/seg.td" || fail "netrec's segments on $(pod "$LAST"):eth0 differ from tcpdump's"

nifs=$(dump "$F" | grep -c '^idb ')
npod=$(dump "$F" | grep '^idb ' | grep -c " name=${POD}[0-9]*:eth0 ")
say "interfaces in the file: $nifs, $npod of them pods' eth0"
[ "$npod" = "$NPODS" ] || fail "the file names $npod pods' eth0, want $NPODS"
if grep -qE 'not recorded|not followed|not captured|drops of later ones|cannot' "$NR_ERR"; then
	fail "netrec says it left something out: $(grep -E 'not recorded|not followed|not captured|drops of later|cannot' "$NR_ERR" | head -2)"
fi
say "took $(( $(date +%s) - t0 )) s"
e2e_finish

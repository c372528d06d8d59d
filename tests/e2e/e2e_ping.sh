#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# ping (iputils) over IPv4 and IPv6, recorded on the pinging side: echo
# requests and the replies that come back belong to the ping process, with
# raw sockets (root's default) and with ICMP datagram ("ping") sockets
# (allowed by net.ipv4.ping_group_range inside the namespace). The peer's
# pings are answered by the stack: those echo replies are the kernel's.
. "$(dirname "$0")/lib.sh"
e2e_init ping

# one_run KIND: KIND raw or dgram.
one_run() {
	local kind=$1 f=$WORK/$1.pcapng exp=$WORK/$1.expect p4 p6
	say "== $kind sockets"
	if [ "$kind" = dgram ]; then
		ip netns exec "$NSA" sysctl -qw net.ipv4.ping_group_range="0 2147483647" ||
			fail "cannot allow ping sockets in $NSA"
	fi
	nr_start "$NSA" "$f"
	nr_wait_ready "$f" "$NSB" "$A4"
	run_ping "$kind-4" -4 -n -c 3 -i 0.2 -W 2 "$B4"
	p4=$PING_PID
	run_ping "$kind-6" -6 -n -c 3 -i 0.2 -W 2 "$B6"
	p6=$PING_PID
	if [ "$kind" = raw ]; then
		# the peer pings us: our stack answers
		ip netns exec "$NSB" timeout 10 ping -4 -n -c 2 -i 0.2 -W 2 "$A4" >/dev/null ||
			fail "ping from the peer (IPv4) failed"
		ip netns exec "$NSB" timeout 10 ping -6 -n -c 2 -i 0.2 -W 2 "$A6" >/dev/null ||
			fail "ping from the peer (IPv6) failed"
	fi
	sleep 0.5
	nr_stop TERM
	[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
	check_readable "$f"
	# One ping at a time per family, so the type and family name the owner.
	expect "$exp" "out:icmp/8" "$p4" "$p4" ping
	expect "$exp" "in:icmp/0" "$p4" "$p4" ping
	expect "$exp" "out:icmp6/128" "$p6" "$p6" ping
	expect "$exp" "in:icmp6/129" "$p6" "$p6" ping
	if [ "$kind" = raw ]; then
		expect "$exp" "out:icmp/0" kernel - kernel
		expect "$exp" "out:icmp6/129" kernel - kernel
	fi
	attribution "$f" "$exp"
	check_pkts "$f" "icmp.type == 8 && ip.src == $A4" "$p4" ping "IPv4 echo requests"
	check_pkts "$f" "icmp.type == 0 && ip.dst == $A4" "$p4" ping "IPv4 echo replies"
	check_pkts "$f" "icmpv6.type == 128 && ipv6.src == $A6" "$p6" ping "IPv6 echo requests"
	check_pkts "$f" "icmpv6.type == 129 && ipv6.dst == $A6" "$p6" ping "IPv6 echo replies"
	local n
	for n in "icmp.type == 8 && ip.src == $A4" "icmp.type == 0 && ip.dst == $A4" \
		"icmpv6.type == 128 && ipv6.src == $A6" "icmpv6.type == 129 && ipv6.dst == $A6"; do
		[ "$(tshark -r "$f" -Y "$n" 2>/dev/null | wc -l)" -ge 3 ] || fail "fewer than 3 packets for: $n"
	done
	if [ "$kind" = raw ]; then
		local k4 k6
		k4=$(tshark -r "$f" -Y "icmp.type == 0 && ip.src == $A4" 2>/dev/null | wc -l)
		k6=$(tshark -r "$f" -Y "icmpv6.type == 129 && ipv6.src == $A6" 2>/dev/null | wc -l)
		say "echo replies made by our stack: IPv4 $k4, IPv6 $k6"
		[ "$k4" -ge 2 ] && [ "$k6" -ge 2 ] || fail "the stack's echo replies are missing"
	fi
}

one_run raw
one_run dgram
e2e_finish

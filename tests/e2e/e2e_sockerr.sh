#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Socket errors with their number. nftables in the server's namespace
# answers connection attempts with ICMP errors (host unreachable, admin
# prohibited; ICMPv6 admin prohibited); the client's connect() fails with
# EHOSTUNREACH (113) or EACCES (13) as the C library reports it to the
# program (its own message, in the test). The file must hold, for each
# attempt, an sk_error event with that errno (not 0), named in its message.
. "$(dirname "$0")/lib.sh"
e2e_init nft

ip netns exec "$NSB" nft -f - <<EOF2 || die "cannot add the nftables rules"
table inet nre2e {
	chain in {
		type filter hook input priority 0; policy accept;
		tcp dport 8081 reject with icmp type host-unreachable
		tcp dport 8082 reject with icmp type admin-prohibited
		tcp dport 8083 reject with icmpv6 type admin-prohibited
	}
}
EOF2
f=$WORK/err.pcapng
nr_start "$NSA" "$f"
nr_wait_ready "$f" "$NSB" "$A4"
for t in "$B4 8081" "$B4 8082" "$B6 8083"; do
	set -- $t
	ip netns exec "$NSA" timeout 5 bash -c "exec 3<>/dev/tcp/$1/$2" 2>"$WORK/c$2.err"
	say "connect to $1 port $2: $(sed 's/.*: //' "$WORK/c$2.err" | tail -1)"
done
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS"
check_readable "$f"
for t in "8081 113 EHOSTUNREACH No route to host" "8082 113 EHOSTUNREACH No route to host" "8083 13 EACCES Permission denied"; do
	set -- $t
	port=$1 num=$2 name=$3; shift 3
	grep -q "$*" "$WORK/c$port.err" || fail "port $port: connect() did not fail with '$*' ($(cat "$WORK/c$port.err"))"
	evs=$(dump "$f" | grep '^ev ' | grep ' event=sk_error ' | grep " dport=$port ")
	say "port $port: sk_error events: $(printf '%s\n' "$evs" | grep -c . ) ($(printf '%s\n' "$evs" | sed -n 's/.* errno=\([^ ]*\) .* msg=\(.*\)/errno \1: \2/p' | head -1))"
	printf '%s\n' "$evs" | grep -q " errno=$num " || fail "port $port: no sk_error event with errno $num ($name)"
	printf '%s\n' "$evs" | grep -q "msg=TCP error $name " || fail "port $port: the event's message does not name $name"
	printf '%s\n' "$evs" | grep -q " errno=0 " && fail "port $port: an sk_error event with errno 0"
done
e2e_finish

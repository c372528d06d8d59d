#!/usr/bin/env bash
# Records the small real captures committed in samples/ (run as root; needs
# iproute2, nftables, tcpdump, dumpcap and python3):
#
#   veth-tcp.pcap    tcpdump on the client's veth (Ethernet, nanosecond pcap)
#   any-tcp.pcapng   dumpcap -i any in the client's namespace (pcapng, Linux
#                    cooked header)
#   netrec-tcp.pcapng  netrec in the client's namespace (only when NETREC names
#                    the netrec binary, e.g. NETREC=build/record/netrec)
#
# Both see the same traffic, made in two private network namespaces joined
# by a veth pair (192.0.2.1/2001:db8::1 client, 192.0.2.2/2001:db8::2
# server): two IPv4 exchanges and one IPv6 exchange with a python3 server on
# port 8080, a connection refused (port 9, nothing listening), a connection
# that times out (the server's nftables drops SYNs to 8081; the client gives
# up after 1.5 s, so one SYN retransmission), and two pings.
#
# Then run samples/make-expected.sh to rebuild the expected reports (from
# tshark). Everything this script creates is removed on exit.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cli=nrs-cli-$$
srv=nrs-srv-$$
tmp=$(mktemp -d)
pids=()

cleanup() {
	set +e
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$cli" 2>/dev/null
	ip netns del "$srv" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

if [ "$(id -u)" -ne 0 ]; then
	echo "record-samples.sh: needs root (network namespaces, capture)" >&2
	exit 1
fi

ip netns add "$cli"
ip netns add "$srv"
ip link add nrs0 netns "$cli" type veth peer name nrs1 netns "$srv"
ip -n "$cli" link set lo up
ip -n "$srv" link set lo up
ip -n "$cli" addr add 192.0.2.1/24 dev nrs0
ip -n "$srv" addr add 192.0.2.2/24 dev nrs1
ip -n "$cli" -6 addr add 2001:db8::1/64 dev nrs0 nodad
ip -n "$srv" -6 addr add 2001:db8::2/64 dev nrs1 nodad
ip -n "$cli" link set nrs0 up
ip -n "$srv" link set nrs1 up
ip netns exec "$srv" nft -f - <<'EOF'
table inet samples {
	chain input {
		type filter hook input priority 0;
		tcp dport 8081 drop
	}
}
EOF

cat >"$tmp/server.py" <<'EOF'
import socket, sys, threading

def serve(family, addr):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 8080))
    s.listen(8)
    while True:
        c, _ = s.accept()
        data = c.recv(100)
        c.sendall(b"pong " + data)
        c.close()

threading.Thread(target=serve, args=(socket.AF_INET6, "2001:db8::2"), daemon=True).start()
serve(socket.AF_INET, "192.0.2.2")
EOF

cat >"$tmp/client.py" <<'EOF'
import socket, time

def exchange(addr):
    c = socket.create_connection((addr, 8080), timeout=5)
    c.sendall(b"ping")
    c.recv(100)
    c.close()
    time.sleep(0.1)

exchange("192.0.2.2")
exchange("192.0.2.2")
exchange("2001:db8::2")
try:
    socket.create_connection(("192.0.2.2", 9), timeout=2)
except ConnectionRefusedError:
    pass
time.sleep(0.1)
try:
    socket.create_connection(("192.0.2.2", 8081), timeout=1.5)
except (socket.timeout, TimeoutError):
    pass
time.sleep(0.1)
EOF

# the system's python3 (a shorter, stable path in netrec's process records)
py=$(command -v /usr/bin/python3 || command -v python3)
ip netns exec "$srv" "$py" "$tmp/server.py" &
pids+=($!)
ip netns exec "$cli" tcpdump -i nrs0 -n -s 0 --time-stamp-precision=nano \
	-w "$tmp/veth-tcp.pcap" 2>/dev/null &
tcpdump_pid=$!
pids+=($tcpdump_pid)
ip netns exec "$cli" dumpcap -q -i any -w "$tmp/any-tcp.pcapng" 2>/dev/null &
dumpcap_pid=$!
pids+=($dumpcap_pid)
if [ -n "${NETREC:-}" ]; then
	ip netns exec "$cli" "$NETREC" -q -o "$tmp/netrec-tcp.pcapng" &
	netrec_pid=$!
	pids+=($netrec_pid)
fi
sleep 2

ip netns exec "$cli" "$py" "$tmp/client.py"
ip netns exec "$cli" ping -c 2 -i 0.2 -q 192.0.2.2 >/dev/null
sleep 1

kill -INT "$tcpdump_pid" "$dumpcap_pid" ${netrec_pid:+"$netrec_pid"}
wait "$tcpdump_pid" "$dumpcap_pid" ${netrec_pid:+"$netrec_pid"} 2>/dev/null || true
cp "$tmp/veth-tcp.pcap" "$tmp/any-tcp.pcapng" "$here/"
ls -l "$here/veth-tcp.pcap" "$here/any-tcp.pcapng"
if [ -n "${NETREC:-}" ]; then
	cp "$tmp/netrec-tcp.pcapng" "$here/"
	ls -l "$here/netrec-tcp.pcapng"
fi

#!/usr/bin/env bash
# The main job: installs what is missing, builds, records a short demo in a
# private pair of network namespaces (documentation addresses only) and prints
# the TCP handshakes netanalyze finds in it. Idempotent; quiet on success but
# for the report.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bash scripts/deps.sh build
bash scripts/build.sh build
# the Wireshark plugin and "netrec" profile, for the user running this
bash scripts/wireshark-user.sh

netrec=build/record/netrec
netanalyze=build/analyze/netanalyze
if [ ! -x "$netrec" ]; then
	echo "netrec was not built (no BPF toolchain?): showing versions only" >&2
	[ -x "$netanalyze" ] && "$netanalyze" --version
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: the demo records in network namespaces and needs root" >&2
	exit 1
fi

out=${DEMO_OUT:-$top/build/demo.pcapng}
cli=nrdemo-cli-$$ srv=nrdemo-srv-$$
work=$(mktemp -d)
cleanup() {
	[ -n "${rec_pid:-}" ] && kill "$rec_pid" 2>/dev/null || true
	[ -n "${srv_pid:-}" ] && kill "$srv_pid" 2>/dev/null || true
	ip netns del "$cli" 2>/dev/null || true
	ip netns del "$srv" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

ip netns add "$cli"
ip netns add "$srv"
ip link add nrd0 netns "$cli" type veth peer name nrd1 netns "$srv"
ip -n "$cli" addr add 192.0.2.1/24 dev nrd0
ip -n "$srv" addr add 192.0.2.2/24 dev nrd1
ip -n "$cli" link set nrd0 up; ip -n "$cli" link set lo up
ip -n "$srv" link set nrd1 up; ip -n "$srv" link set lo up

# A tiny HTTP-like server: accept, read a request, answer, close.
cat >"$work/server.py" <<'PY'
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.2", 8080)); s.listen(16)
while True:
    c, _ = s.accept()
    c.recv(4096); c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"); c.close()
PY
cat >"$work/client.py" <<'PY'
import socket, time
for i in range(3):
    c = socket.create_connection(("192.0.2.2", 8080), timeout=2)
    c.sendall(b"GET / HTTP/1.0\r\n\r\n"); c.recv(4096); c.close(); time.sleep(0.05)
try:
    socket.create_connection(("192.0.2.2", 9), timeout=2)   # nothing listens: refused
except OSError:
    pass
PY
ip netns exec "$srv" python3 "$work/server.py" & srv_pid=$!
rm -f "$out"
ip netns exec "$cli" "$netrec" -q -o "$out" & rec_pid=$!
# wait until the recorder has started writing
for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.1; done
sleep 0.5
ip netns exec "$cli" timeout 10 python3 "$work/client.py"
ip netns exec "$cli" timeout 5 ping -c 2 -i 0.2 -q 192.0.2.2 >/dev/null 2>&1 || true
sleep 0.5
kill -INT "$rec_pid"; wait "$rec_pid" || true; rec_pid=
echo "recorded $out"
"$netanalyze" "$out" --handshakes

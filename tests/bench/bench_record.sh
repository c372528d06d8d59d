#!/usr/bin/env bash
# Recording benchmark: netrec next to tcpdump in the same run, on the same
# veth interface, under the same workload.
#
#  1. churn: short TCP connections (connect, 100-byte request, reply, close)
#     as fast as one client can for $CHURN_SECONDS (default 20) with no
#     capture, with `tcpdump -w`, and with `netrec`; reports connections/s,
#     packets recorded, drops, and CPU time per million packets of the
#     capture process (user+system from /proc) and, for netrec, of its BPF
#     programs (kernel.bpf_stats_enabled run time).
#  2. bulk: iperf3 throughput over the veth for $BULK_SECONDS (default 10)
#     with no capture, with `tcpdump -s 128`, with `netrec -s 128`.
#
# Everything runs in two namespaces this script creates (192.0.2.1 and
# 192.0.2.2) and deletes on exit. Usage: bench_record.sh BUILDDIR
set -euo pipefail
build=$(cd "${1:?usage: bench_record.sh BUILDDIR}" && pwd)
netrec=$build/record/netrec
churn=$build/tests/bench/churn
[ "$(id -u)" -eq 0 ] || { echo "bench_record: needs root (namespaces, BPF)"; exit 77; }
for t in "$netrec" "$churn"; do [ -x "$t" ] || { echo "bench_record: $t not built"; exit 77; }; done
for t in tcpdump iperf3 capinfos; do command -v $t >/dev/null || { echo "bench_record: $t missing"; exit 77; }; done

CHURN_SECONDS=${CHURN_SECONDS:-20}
BULK_SECONDS=${BULK_SECONDS:-10}
cli=nrbench-c-$$ srv=nrbench-s-$$
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -s "$work/iperf3.pid" ] && kill "$(cat "$work/iperf3.pid")" 2>/dev/null || true
	wait 2>/dev/null || true
	ip netns del "$cli" 2>/dev/null || true
	ip netns del "$srv" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

ip netns add "$cli"; ip netns add "$srv"
ip link add nrb0 netns "$cli" type veth peer name nrb1 netns "$srv"
ip -n "$cli" addr add 192.0.2.1/24 dev nrb0; ip -n "$srv" addr add 192.0.2.2/24 dev nrb1
for n in "$cli" "$srv"; do ip -n "$n" link set lo up; done
ip -n "$cli" link set nrb0 up; ip -n "$srv" link set nrb1 up
ip netns exec "$cli" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1
ip netns exec "$srv" sysctl -qw net.core.somaxconn=4096 net.ipv4.tcp_max_syn_backlog=4096

ip netns exec "$srv" "$churn" server 192.0.2.2 7000 & pids+=($!)
ip netns exec "$srv" iperf3 -s -B 192.0.2.2 -p 5201 -D -I "$work/iperf3.pid" --logfile "$work/iperf3.log"
sleep 0.3

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)
prev_stats=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
# Run time of the BPF programs loaded after the id given (netrec's: this
# bpftool cannot name a program's owner), in ns.
max_prog_id() { bpftool -j prog show 2>/dev/null | python3 -c 'import json,sys; print(max([p["id"] for p in json.load(sys.stdin)] or [0]))'; }
bpf_runtime_ns() {
	bpftool -j prog show 2>/dev/null | python3 -c '
import json,sys
lo=int(sys.argv[1])
print(sum(p.get("run_time_ns",0) for p in json.load(sys.stdin) if p["id"] > lo))' "$1"
}
# Busy CPU time of the whole machine (all modes but idle and iowait), in
# clock ticks: the capture's cost in softirq and in the sender's context is
# not charged to the capture process, so this is the fair total.
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }

# start_capture KIND FILE [extra args]: sets cap_pid
start_capture() {
	local kind=$1 file=$2; shift 2
	case $kind in
	tcpdump) ip netns exec "$cli" tcpdump -q -i nrb0 -w "$file" "$@" 2>"$work/cap.err" & cap_pid=$! ;;
	netrec)  ip netns exec "$cli" "$netrec" -i nrb0 -o "$file" "$@" 2>"$work/cap.err" & cap_pid=$! ;;
	esac
	pids+=("$cap_pid")
	for _ in $(seq 100); do [ -s "$file" ] && break; sleep 0.05; done
	sleep 0.5
}
stop_capture() {   # prints "cpu_s"
	local t; t=$(cpu_ticks "$cap_pid")
	kill -INT "$cap_pid"; wait "$cap_pid" 2>/dev/null || true
	echo "scale=3; $t / $hz" | bc
}
count_packets() { capinfos -c -M "$1" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}'; }

echo "== churn workload: ${CHURN_SECONDS}s of short TCP connections, one client"
printf '%-8s %8s %9s %10s %6s %11s %11s %13s %14s\n' capture conn/s packets packets/s drops proc_s/Mpkt bpf_s/Mpkt machine_s/Mconn machine_s/Mpkt
for kind in none tcpdump netrec; do
	f=$work/churn-$kind.pcapng; cpu=0; pk=0; drops=0
	lo_id=$(max_prog_id)
	[ $kind != none ] && start_capture $kind "$f"
	b0=$(bpf_runtime_ns "$lo_id"); m0=$(busy_ticks)
	res=$(ip netns exec "$cli" "$churn" client 192.0.2.2 7000 "$CHURN_SECONDS")
	b1=$(bpf_runtime_ns "$lo_id"); m1=$(busy_ticks)
	if [ $kind != none ]; then
		cpu=$(stop_capture)
		pk=$(count_packets "$f")
		case $kind in
		tcpdump) drops=$(awk '/dropped by kernel/ {print $1}' "$work/cap.err") ;;
		netrec)  drops=$(grep -oE 'drops?[: ]+[0-9]+' "$work/cap.err" | grep -oE '[0-9]+' | head -1) ;;
		esac
	fi
	rate=$(echo "$res" | awk '{print $6}' | tr -d '/s')
	secs=$(echo "$res" | awk '{print $4}')
	pps=$( [ "$pk" -gt 0 ] && echo "scale=0; $pk / $secs" | bc || echo 0)
	cpm=$( [ "$pk" -gt 0 ] && echo "scale=2; $cpu * 1000000 / $pk" | bc || echo -)
	bpm=$( [ "$pk" -gt 0 ] && [ $kind = netrec ] && echo "scale=2; ($b1 - $b0) / 1000 / $pk" | bc || echo -)
	conns=$(echo "$res" | awk '{print $2}')
	mpc=$(echo "scale=2; ($m1 - $m0) / $hz * 1000000 / $conns" | bc)
	mpp=$( [ "$pk" -gt 0 ] && echo "scale=2; ($m1 - $m0) / $hz * 1000000 / $pk" | bc || echo -)
	printf '%-8s %8s %9s %10s %6s %11s %11s %13s %14s\n' $kind "$rate" "$pk" "$pps" "${drops:-?}" "$cpm" "$bpm" "$mpc" "$mpp"
	[ $kind = netrec ] && sed 's/^/    netrec: /' "$work/cap.err"
	[ $kind = netrec ] && [ -n "${NETREC_KEEP_CHURN:-}" ] && cp "$f" "$NETREC_KEEP_CHURN"
done
[ -n "${NETREC_KEEP_CHURN:-}" ] && exit 0

echo "== bulk: iperf3 ${BULK_SECONDS}s over the veth"
printf '%-16s %14s\n' capture Gbit/s
for kind in none tcpdump netrec; do
	f=$work/bulk-$kind.pcapng
	[ $kind != none ] && start_capture $kind "$f" -s 128
	bps=$(ip netns exec "$cli" timeout $((BULK_SECONDS + 20)) iperf3 -c 192.0.2.2 -p 5201 -t "$BULK_SECONDS" -J |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"])')
	[ $kind != none ] && stop_capture >/dev/null
	printf '%-16s %14.2f\n' "$kind$([ $kind = none ] || echo ' -s 128')" "$(echo "scale=3; $bps / 1000000000" | bc)"
done
sysctl -qw kernel.bpf_stats_enabled="$prev_stats"

#!/usr/bin/env bash
# Recording benchmark: netrec next to tcpdump in the same run, on the same
# veth interface, under the same workload, over several rounds (the machine
# is shared and noisy: medians are reported, each round's figures too).
#
#  1. churn: short TCP connections (connect, 100-byte request, reply, close)
#     from $CHURN_CLIENTS clients (default 2) for $CHURN_SECONDS (default 20)
#     with no capture, with `tcpdump -s 128`, and with `netrec -s 128`
#     (kernel events on); reports connections/s, packets recorded, drops, attribution, and
#     the whole machine's extra CPU (all processes, kernel, softirq and BPF
#     programs: /proc/stat busy time) per million packets over the run
#     without capture, and per million connections.
#  2. bulk: iperf3 throughput over the veth for $BULK_SECONDS (default 10)
#     with no capture, with `tcpdump -s 128`, with `netrec -s 128`.
#  3. one more netrec (and base) churn run with kernel.bpf_stats_enabled=1,
#     outside the medians (the statistics cost every BPF program run two clock reads):
#     each of netrec's programs' runs and run time per million packets,
#     next to the netrec process's own CPU.
#
# Everything runs in two namespaces this script creates (192.0.2.1 and
# 192.0.2.2) and deletes on exit.
# Usage: bench_record.sh BUILDDIR
# Environment: ROUNDS (default 3), CHURN_SECONDS, CHURN_CLIENTS,
#   BULK_SECONDS, NETREC_BIN (another netrec to measure instead),
#   NETREC_BASE (a second netrec measured in the same rounds as "base",
#   e.g. a build of an older commit), BENCH_NOEVENTS=1 (netrec --no-events
#   too, as "noevents": what the kernel events cost), BENCH_PERF_DIR (record `perf record -a -g` for 10 s of netrec's
#   first churn round there, and print the top of the profile),
#   NETREC_KEEP_CHURN (keep netrec's first churn recording at this path;
#   bench_ingest.sh uses it as its seed).
set -euo pipefail
build=$(cd "${1:?usage: bench_record.sh BUILDDIR}" && pwd)
netrec=${NETREC_BIN:-$build/record/netrec}
base=${NETREC_BASE:-}
kinds="none tcpdump netrec"
[ -n "$base" ] && { [ -x "$base" ] || { echo "bench_record: $base not built"; exit 77; }; kinds="$kinds base"; }
# BENCH_NOEVENTS=1: netrec --no-events too (packets only), in the same rounds
[ "${BENCH_NOEVENTS:-0}" = 0 ] || kinds="$kinds noevents"
churn=$build/tests/bench/churn
[ "$(id -u)" -eq 0 ] || { echo "bench_record: needs root (namespaces, BPF)"; exit 77; }
for t in "$netrec" "$churn"; do [ -x "$t" ] || { echo "bench_record: $t not built"; exit 77; }; done
for t in tcpdump iperf3 capinfos bc; do command -v $t >/dev/null || { echo "bench_record: $t missing"; exit 77; }; done

ROUNDS=${ROUNDS:-3}
CHURN_SECONDS=${CHURN_SECONDS:-20}
CHURN_CLIENTS=${CHURN_CLIENTS:-2}
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
	[ -n "${prev_stats:-}" ] && sysctl -qw kernel.bpf_stats_enabled="$prev_stats"
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

hz=$(getconf CLK_TCK)
# BPF run-time statistics cost two clock reads on every program run (in a
# virtual machine, a paravirtual clock read each): they stay off in the
# measured rounds and are on only in the one extra run that reports them.
prev_stats=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=0
# Busy CPU time of the whole machine (all modes but idle and iowait), in
# clock ticks: the capture's cost in softirq and in the sender's context is
# not charged to the capture process, so this is the fair total.
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# start_capture KIND FILE [extra args]: sets cap_pid
start_capture() {
	local kind=$1 file=$2; shift 2
	case $kind in
	tcpdump) ip netns exec "$cli" tcpdump -q -i nrb0 -w "$file" "$@" 2>"$work/cap.err" & cap_pid=$! ;;
	netrec)  ip netns exec "$cli" "$netrec" -i nrb0 -o "$file" "$@" 2>"$work/cap.err" & cap_pid=$! ;;
	base)    ip netns exec "$cli" "$base" -i nrb0 -o "$file" "$@" 2>"$work/cap.err" & cap_pid=$! ;;
	noevents) ip netns exec "$cli" "$netrec" -i nrb0 -o "$file" --no-events "$@" 2>"$work/cap.err" &
		cap_pid=$! ;;
	esac
	pids+=("$cap_pid")
	for _ in $(seq 100); do [ -s "$file" ] && break; sleep 0.05; done
	sleep 0.5
}
# stop_capture: stops it and waits for it (not in a subshell, which could
# not wait for it); sets cap_cpu, the capture process's own CPU seconds
stop_capture() {
	local t; t=$(cpu_ticks "$cap_pid")
	kill -INT "$cap_pid"; wait "$cap_pid" 2>/dev/null || true
	cap_cpu=$(echo "scale=3; $t / $hz" | bc)
}
# The highest BPF program id loaded now: netrec's programs are the ones
# loaded after it (this bpftool does not name a program's process).
max_prog_id() { bpftool -j prog show 2>/dev/null | python3 -c 'import json,sys; print(max([p["id"] for p in json.load(sys.stdin)] or [0]))'; }
# bpf_times ID: "name runs run_ns" for each program with an id above ID that ran
bpf_times() {
	bpftool -j prog show 2>/dev/null | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    if p["id"] > int(sys.argv[1]) and p.get("run_cnt"):
        print(p.get("name", "?"), p["run_cnt"], p.get("run_time_ns", 0))' "$1"
}
count_packets() { capinfos -c -M "$1" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}'; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "-" }'; }

# churn_clients: $CHURN_CLIENTS churn clients for $CHURN_SECONDS, waited for;
# each writes its "connections N seconds S ..." line to $work/churn.N
churn_clients() {
	local c cpids=()
	for c in $(seq "$CHURN_CLIENTS"); do
		ip netns exec "$cli" "$churn" client 192.0.2.2 7000 "$CHURN_SECONDS" >"$work/churn.$c" &
		cpids+=($!)
	done
	wait "${cpids[@]}" || true
}

# churn_run KIND ROUND: one churn run; appends "kind round conns secs packets
# drops attributed kernel busy_ticks proc_s" to $work/churn.tsv
churn_run() {
	local kind=$1 round=$2 f=$work/churn-$1.pcapng cpu=0 pk=0 drops=0 attr=- kern=- m0 m1 res
	rm -f "$f"
	[ "$kind" != none ] && start_capture "$kind" "$f" -s 128
	if [ "$kind" = netrec ] && [ "$round" = 1 ] && [ -n "${BENCH_PERF_DIR:-}" ]; then
		( sleep 3; perf record -a -g -o "$BENCH_PERF_DIR/perf.data" -- sleep 10 >/dev/null 2>&1 ) &
		perf_pid=$!
	fi
	m0=$(busy_ticks)
	churn_clients
	m1=$(busy_ticks)
	if [ -n "${perf_pid:-}" ]; then
		wait "$perf_pid" || true
		perf_pid=
	fi
	res=$(cat "$work"/churn.[0-9]* | awk '{ n += $2; if ($4 > s) s = $4 } END { print n, s }')
	rm -f "$work"/churn.[0-9]*
	if [ "$kind" != none ]; then
		stop_capture
		cpu=$cap_cpu
		pk=$(count_packets "$f")
		case $kind in
		tcpdump) drops=$(awk '/dropped by kernel/ {print $1}' "$work/cap.err") ;;
		netrec|base|noevents)
			drops=$(sed -n 's/.*drops: \([0-9]*\)$/\1/p' "$work/cap.err")
			attr=$(sed -n 's/.*(\([0-9]*\) of [0-9]*; [0-9]* the kernel.s).*/\1/p' "$work/cap.err")
			kern=$(sed -n 's/.*; \([0-9]*\) the kernel.s).*/\1/p' "$work/cap.err")
			sed 's/^/    /' "$work/cap.err" >&2 ;;
		esac
	fi
	echo "$kind $round $res $pk ${drops:-?} $attr $kern $((m1 - m0)) $cpu" >>"$work/churn.tsv"
	if [ "$kind" = netrec ] && [ "$round" = 1 ] && [ -n "${NETREC_KEEP_CHURN:-}" ]; then
		mv "$f" "$NETREC_KEEP_CHURN"
	fi
	rm -f "$f"
}

bulk_run() {
	local kind=$1 f=$work/bulk-$1.pcapng bps
	[ "$kind" != none ] && start_capture "$kind" "$f" -s 128
	bps=$(ip netns exec "$cli" timeout $((BULK_SECONDS + 20)) iperf3 -c 192.0.2.2 -p 5201 -t "$BULK_SECONDS" -J |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"])')
	[ "$kind" != none ] && stop_capture
	rm -f "$f"
	echo "$kind $(echo "scale=3; $bps / 1000000000" | bc)" >>"$work/bulk.tsv"
}

echo "== $ROUNDS rounds; churn: ${CHURN_SECONDS}s, $CHURN_CLIENTS clients; bulk: iperf3 ${BULK_SECONDS}s; netrec: $netrec${base:+; base: $base}"
for r in $(seq "$ROUNDS"); do
	for kind in $kinds; do churn_run "$kind" "$r"; done
	for kind in $kinds; do bulk_run "$kind"; done
done

# One more netrec churn run, not among the rounds, with BPF run-time
# statistics on: where the kernel side's time goes, per program, per
# million packets recorded.
stats_run() {
	local kind=$1 f=$work/churn-stats.pcapng id0 res pk
	id0=$(max_prog_id)
	sysctl -qw kernel.bpf_stats_enabled=1
	start_capture "$kind" "$f" -s 128
	churn_clients
	bpf_times "$id0" >"$work/bpf.tsv"
	stop_capture
	sysctl -qw kernel.bpf_stats_enabled=0
	res=$(cat "$work"/churn.[0-9]* | awk '{ n += $2; if ($4 > s) s = $4 } END { print n / s }')
	rm -f "$work"/churn.[0-9]*
	pk=$(count_packets "$f")
	rm -f "$f"
	echo "== $kind's BPF programs: one more churn run with kernel.bpf_stats_enabled=1 (not in the medians:"
	echo "   the statistics add two clock reads to every run); $(printf '%.0f' "$res") conn/s, $pk packets"
	printf '%-20s %10s %9s %10s %12s\n' program runs ns/run runs/pkt "s/Mpkt"
	awk -v pk="$pk" '{ printf "%-20s %10d %9.0f %10.3f %12.3f\n", $1, $2, $3 / $2, $2 / pk, $3 / pk / 1000; n += $3 }
		END { printf "%-20s %10s %9s %10s %12.3f\n", "all", "", "", "", n / pk / 1000 }' "$work/bpf.tsv"
	printf '%-20s %10s %9s %10s %12.3f\n' "$kind process" "" "" "" "$(echo "1000000 * $cap_cpu / $pk" | bc -l)"
}
for kind in $kinds; do [ "$kind" = none ] || [ "$kind" = tcpdump ] || stats_run "$kind"; done >"$work/stats.txt"

# Per round: the extra machine CPU of a capture per connection (over the
# same round's run without capture), then per packet it recorded.
awk -v hz="$hz" '
	{ k = $1; r = $2; conns[k, r] = $3; secs[k, r] = $4; pk[k, r] = $5; busy[k, r] = $9 }
	END {
		for (key in conns) {
			split(key, kr, SUBSEP); k = kr[1]; r = kr[2]
			if (k == "none") continue
			base = busy["none", r] / conns["none", r]
			extra = busy[k, r] / conns[k, r] - base
			printf "%s %s %.3f %.3f\n", k, r, extra / hz * 1e6, pk[k, r] ? extra / hz * 1e6 / (pk[k, r] / conns[k, r]) : 0
		}
	}' "$work/churn.tsv" >"$work/extra.tsv"

echo "== churn, per round (extra_s: the whole machine's CPU seconds over the run without capture)"
printf '%-8s %5s %8s %9s %7s %9s %8s %14s %14s %10s\n' capture round conn/s packets drops attributed kernel extra_s/Mconn extra_s/Mpkt proc_s
while read -r k r n s pk d a kn b c; do
	e=$(awk -v k="$k" -v r="$r" '$1 == k && $2 == r { print $3, $4 }' "$work/extra.tsv")
	printf '%-8s %5s %8.0f %9s %7s %9s %8s %14s %14s %10s\n' "$k" "$r" "$(echo "$n / $s" | bc -l)" "$pk" "$d" "$a" "$kn" \
		"$(echo "${e:-- -}" | cut -d' ' -f1)" "$(echo "${e:-- -}" | cut -d' ' -f2)" "$c"
done <"$work/churn.tsv"

echo "== churn, medians of $ROUNDS rounds"
printf '%-8s %8s %9s %7s %12s %13s %13s  %s\n' capture conn/s packets drops attributed% proc_s/Mpkt extra_s/Mpkt vs_tcpdump
tcr=$(awk '$1 == "tcpdump" { print $3 / $4 }' "$work/churn.tsv" | median)
tce=$(awk '$1 == "tcpdump" { print $4 }' "$work/extra.tsv" | median)
tcp=$(awk '$1 == "tcpdump" && $5 > 0 { print 1e6 * $10 / $5 }' "$work/churn.tsv" | median)
for k in $kinds; do
	rate=$(awk -v k="$k" '$1 == k { print $3 / $4 }' "$work/churn.tsv" | median)
	pk=$(awk -v k="$k" '$1 == k { print $5 }' "$work/churn.tsv" | median)
	dr=$(awk -v k="$k" '$1 == k { print $6 }' "$work/churn.tsv" | median)
	at=$(awk -v k="$k" '$1 == k && $7 != "-" && $5 > 0 { print 100 * ($7 + $8) / $5 }' "$work/churn.tsv" | median)
	ex=$(awk -v k="$k" '$1 == k { print $4 }' "$work/extra.tsv" | median)
	pc=$(awk -v k="$k" '$1 == k && $5 > 0 { print 1e6 * $10 / $5 }' "$work/churn.tsv" | median)
	vs=-
	[ "$k" != none ] && [ "$k" != tcpdump ] && vs=$(printf 'conn/s %.2fx, own CPU %.2fx, machine CPU %.2fx' \
		"$(echo "$rate / $tcr" | bc -l)" "$(echo "$pc / $tcp" | bc -l)" "$(echo "$ex / $tce" | bc -l)")
	printf '%-8s %8.0f %9s %7s %12s %13s %13s  %s\n' "$k" "$rate" "$pk" "$dr" "$at" "$pc" "$ex" "$vs"
done
echo "   (attributed%: packets with a process or kernel owner; netrec only. proc_s/Mpkt: the capture"
echo "   process's own CPU; extra_s/Mpkt: the whole machine's, which other load on it makes noisy)"

echo "== bulk: iperf3 ${BULK_SECONDS}s over the veth, Gbit/s, medians of $ROUNDS rounds"
for k in $kinds; do
	printf '%-16s %8s   (rounds: %s)\n' "$k$([ $k = none ] || echo ' -s 128')" \
		"$(awk -v k="$k" '$1 == k { print $2 }' "$work/bulk.tsv" | median)" \
		"$(awk -v k="$k" '$1 == k { printf "%s ", $2 }' "$work/bulk.tsv")"
done

cat "$work/stats.txt"

if [ -n "${BENCH_PERF_DIR:-}" ] && [ -s "$BENCH_PERF_DIR/perf.data" ]; then
	echo "== perf record -a -g, 10 s of netrec's first churn round: by command"
	perf report -i "$BENCH_PERF_DIR/perf.data" --no-children --sort comm --stdio -g none 2>/dev/null |
		grep '%' | head -8 || true
	echo "== top symbols, whole machine"
	perf report -i "$BENCH_PERF_DIR/perf.data" --no-children --sort comm,sym --stdio -g none 2>/dev/null |
		grep '%' | head -25 || true
	echo "== top symbols of netrec (user space and its own kernel time)"
	perf report -i "$BENCH_PERF_DIR/perf.data" --no-children --comms netrec --sort dso,sym --stdio -g none 2>/dev/null |
		grep '%' | head -20 || true
fi

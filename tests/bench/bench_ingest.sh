#!/usr/bin/env bash
# Ingest benchmark: netanalyze next to `tcptrace -n` and `tshark -T fields`
# on the same capture of at least $BENCH_PACKETS packets (default 5 million),
# in the same run. The capture is built by tests/bench/mkbig from a seed
# capture (argument 2; default: a short netrec churn recording made here in
# private namespaces), so that every copy's connections are distinct.
# Prints wall time, packets/s and peak RSS of each tool (GNU time), then the
# time of `--handshakes` on the kept database. Each tool runs $RUNS times
# (default 1); the median is reported.
# Usage: bench_ingest.sh BUILDDIR [SEED.pcapng]
set -euo pipefail
build=$(cd "${1:?usage: bench_ingest.sh BUILDDIR [SEED]}" && pwd)
seed=${2:-}
netanalyze=$build/analyze/netanalyze
mkbig=$build/tests/bench/mkbig
want=${BENCH_PACKETS:-5000000}
runs=${RUNS:-1}
for t in tcptrace tshark /usr/bin/time; do command -v $t >/dev/null || { echo "bench_ingest: $t missing"; exit 77; }; done
work=$(mktemp -d /var/tmp/nrbench.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

if [ -z "$seed" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "bench_ingest: recording a seed needs root; give SEED"; exit 77; }
	seed=$work/seed.pcapng
	CHURN_SECONDS=5 NETREC_KEEP_CHURN="$seed" bash "$(dirname "$0")/bench_record.sh" "$build" >/dev/null
fi
big=$work/big.pcapng
MKBIG_ETHERNET=1 "$mkbig" "$seed" "$big" "$want"
n=$(capinfos -c -M "$big" | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}')
echo "capture: $n packets, $(du -h "$big" | cut -f1)"

# measure NAME CMD...: prints "NAME median_s pkts/s max_rss_MB"
measure() {
	local name=$1; shift
	local ts=() rss=()
	for _ in $(seq "$runs"); do
		/usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" ||
			{ echo "$name failed:"; tail -3 "$work/err"; }
		read -r t m <"$work/time"; ts+=("$t"); rss+=("$m")
	done
	local t m
	t=$(printf '%s\n' "${ts[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	m=$(printf '%s\n' "${rss[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
	printf '%-34s %9.1f s %12.0f pkt/s %9.0f MB\n' "$name" "$t" "$(echo "$n / $t" | bc -l)" "$(echo "$m / 1024" | bc -l)"
}
printf '%-34s %11s %16s %12s\n' tool time rate peak_rss
rm -f "$work/db"
measure "netanalyze --db (load+analyze)" "$netanalyze" --db "$work/db" "$big" --summary
measure "netanalyze (temporary db)" "$netanalyze" "$big" --summary
measure "tcptrace -n" tcptrace -n "$big"
measure "tshark -T fields" tshark -r "$big" -T fields -e frame.time_epoch -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tcp.flags
measure "netanalyze --handshakes (kept db)" "$netanalyze" --db "$work/db" --handshakes --format csv

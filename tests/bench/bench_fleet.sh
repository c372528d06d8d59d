#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Fleet benchmark: loading one export of (at least) $BENCH_HANDSHAKES handshake
# rows (default 1 million) into the two-shard ClickHouse cluster of the fleet
# suite, through the Distributed table (clickhouse-client INSERT ... FORMAT
# JSONEachRow, --insert_distributed_sync=1, so the time includes reaching
# both shards), next to the same load into SQLite (the same file, parsed and
# inserted with one prepared statement in one transaction: tests/bench/
# jsonl_sqlite). The rows are spread over 8 host names, as a collector's
# batch from 8 hosts would be. Each load runs $RUNS times (default 3) into fresh tables;
# prints the median rows/s of each and their ratio. The capture is made by
# tests/bench/mkhandshakes (established, refused and unanswered attempts, each
# its own 4-tuple, as one client host records them). Two private servers on free loopback ports, as
# in the fleet suite (tests/fleet/ch.sh), stopped whatever happens.
# Usage: bench_fleet.sh BUILDDIR
set -euo pipefail
build=$(cd "${1:?usage: bench_fleet.sh BUILDDIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
netanalyze=$build/analyze/netanalyze
want=${BENCH_HANDSHAKES:-1000000}
runs=${RUNS:-3}
[ "$(id -u)" -eq 0 ] || { echo "bench_fleet: needs root (clickhouse-server runs as user clickhouse)"; exit 77; }
for t in clickhouse-server clickhouse-client runuser ss; do
	command -v $t >/dev/null || { echo "bench_fleet: $t missing (scripts/deps.sh test)"; exit 77; }
done
. "$src/tests/fleet/ch.sh"
work=$(mktemp -d /var/tmp/nrbench-fleet.XXXXXX)
chmod 755 "$work"
trap 'ch_stop; rm -rf "$work"' EXIT INT TERM

"$build/tests/bench/mkhandshakes" "$work/big.pcapng" "$want"
t0=$(date +%s.%N)
"$netanalyze" --db "$work/big.db" -q "$work/big.pcapng" --sql "SELECT 1" >/dev/null
t1=$(date +%s.%N)
"$netanalyze" --db "$work/big.db" -q --export clickhouse "$work/out"
t2=$(date +%s.%N)
# a collector's batch comes from many hosts: the rows spread over 8 host
# names, so that both shards take their part
awk '{ sub(/^\{"host":"bench"/, "{\"host\":\"host-" NR % 8 "\""); print }' \
	"$work/out/handshakes.jsonl" >"$work/handshakes.jsonl"
rows=$(wc -l <"$work/handshakes.jsonl")
echo "export: $rows handshake rows, $(du -h "$work/out/handshakes.jsonl" | cut -f1) of JSONEachRow;" \
	"analysis $(printf '%.1f' "$(echo "$t1 - $t0" | bc -l)") s," \
	"export of all tables $(printf '%.1f' "$(echo "$t2 - $t1" | bc -l)") s"

ch_ports
ch_server "$work/ch" a "${CH_PORTS[0]}" "${CH_PORTS[1]}" "${CH_PORTS[2]}"
ch_server "$work/ch" b "${CH_PORTS[3]}" "${CH_PORTS[4]}" "${CH_PORTS[5]}"
chc() { command clickhouse-client --port "$PORT_A" "$@"; }

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
ch_t=()
lo_t=()
sq_t=()
for r in $(seq "$runs"); do
	for p in $PORT_A $PORT_B; do
		command clickhouse-client --port "$p" --multiquery \
			--query "DROP TABLE IF EXISTS netrec.handshakes; DROP TABLE IF EXISTS netrec.handshakes_local"
		"$netanalyze" --clickhouse-schema | command clickhouse-client --port "$p" --multiquery
	done
	a=$(date +%s.%N)
	chc --insert_distributed_sync=1 --max_insert_block_size=100000 \
		--query "INSERT INTO netrec.handshakes FORMAT JSONEachRow" <"$work/handshakes.jsonl"
	b=$(date +%s.%N)
	got=$(chc --query "SELECT count() FROM netrec.handshakes")
	[ "$got" = "$rows" ] || { echo "bench_fleet: ClickHouse holds $got rows, not $rows"; exit 1; }
	[ "$r" = 1 ] && echo "rows per shard: $(for p in $PORT_A $PORT_B; do
		command clickhouse-client --port "$p" --query "SELECT count() FROM netrec.handshakes_local"
	done | paste -sd/)"
	ch_t+=("$(echo "$b - $a" | bc -l)")
	# the same rows straight into one server's local table: the cost of
	# the distribution, by difference
	command clickhouse-client --port "$PORT_B" --query "DROP TABLE netrec.handshakes_local"
	"$netanalyze" --clickhouse-schema | command clickhouse-client --port "$PORT_B" --multiquery
	a=$(date +%s.%N)
	command clickhouse-client --port "$PORT_B" --max_insert_block_size=100000 \
		--query "INSERT INTO netrec.handshakes_local FORMAT JSONEachRow" <"$work/handshakes.jsonl"
	b=$(date +%s.%N)
	lo_t+=("$(echo "$b - $a" | bc -l)")
	rm -f "$work/load.db"
	read -r n s < <("$build/tests/bench/jsonl_sqlite" "$work/load.db" handshakes "$work/handshakes.jsonl")
	[ "$n" = "$rows" ] || { echo "bench_fleet: SQLite loaded $n rows, not $rows"; exit 1; }
	sq_t+=("$s")
	printf 'run %d: ClickHouse %.2f s (one server, local table %.2f s), SQLite %.2f s\n' "$r" \
		"${ch_t[-1]}" "${lo_t[-1]}" "$s"
done
ct=$(printf '%s\n' "${ch_t[@]}" | median)
st=$(printf '%s\n' "${sq_t[@]}" | median)
lt=$(printf '%s\n' "${lo_t[@]}" | median)
printf '%-44s %10s %14s\n' load "median s" "rows/s"
printf '%-44s %10.2f %14.0f\n' "ClickHouse, 2 shards (Distributed, sync)" "$ct" "$(echo "$rows / $ct" | bc -l)"
printf '%-44s %10.2f %14.0f\n' "ClickHouse, 1 server (its local table)" "$lt" "$(echo "$rows / $lt" | bc -l)"
printf '%-44s %10.2f %14.0f\n' "SQLite (one transaction, prepared INSERT)" "$st" "$(echo "$rows / $st" | bc -l)"
printf 'ratio ClickHouse (2 shards) / SQLite rows/s: %.2f; %d runs on a shared machine (load %s)\n' \
	"$(echo "$st / $ct" | bc -l)" "$runs" "$(cut -d' ' -f1-3 /proc/loadavg)"

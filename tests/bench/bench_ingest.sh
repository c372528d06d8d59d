#!/usr/bin/env bash
# Ingest benchmark: netanalyze next to `tcptrace -n` and next to SQLite's own
# rate for the same rows, on the same captures, in the same run.
#
# For each size in $BENCH_SIZES (packets; default 1M, 2.5M and 5M, so that the
# figures show whether time grows linearly) it builds a capture with
# tests/bench/mkbig from a seed capture (argument 2, or $BENCH_SEED; default: a
# 5 s netrec churn recording made here in private namespaces, about 10 packets
# per connection, so 5M packets are about 500k connections; its journal
# entries are repeated with its packets, and each size's line says how many
# there are a packet), then measures:
#   tcptrace -n FILE                        the peer
#   netanalyze --db DB FILE                 the full database, every table
#   netanalyze FILE --handshakes            one-shot, temporary database
#   SQLite alone                            CREATE TABLE AS SELECT of DB's
#                                           packets into a fresh database
#                                           (journal and sync off): the
#                                           ceiling for writing those rows
#   SQLite alone, every table               DB's schema in a fresh database,
#                                           every table filled from DB, then
#                                           its indexes: all that --db
#                                           writes, without the analysis
# and, at the largest size, `--handshakes --format csv` from the kept DB
# (median of 3 runs).
# Each line gives the median wall time of $RUNS runs (default 3 up to 1M
# packets, 1 above), packets/s, and the median peak RSS (GNU time). The runs
# go in rounds: one of each command per round.
# Ratios follow each size. The machine may be shared: compare ratios.
# `BENCH_TSHARK=1` adds `tshark -T fields` as a second peer. NETANALYZE_BASE
# (another netanalyze, e.g. a build of an older commit) is measured in the
# same runs on the same captures (`--db` and one-shot `--handshakes`).
# Usage: bench_ingest.sh BUILDDIR [SEED.pcapng]
set -euo pipefail
build=$(cd "${1:?usage: bench_ingest.sh BUILDDIR [SEED]}" && pwd)
seed=${2:-${BENCH_SEED:-}}
netanalyze=$build/analyze/netanalyze
base=${NETANALYZE_BASE:-}
[ -z "$base" ] || [ -x "$base" ] || { echo "bench_ingest: $base not built"; exit 77; }
mkbig=$build/tests/bench/mkbig
sizes=${BENCH_SIZES:-1000000 2500000 5000000}
for t in tcptrace sqlite3 capinfos /usr/bin/time bc; do
	command -v $t >/dev/null || { echo "bench_ingest: $t missing"; exit 77; }
done
[ "${BENCH_TSHARK:-0}" = 0 ] || command -v tshark >/dev/null ||
	{ echo "bench_ingest: tshark missing"; exit 77; }
work=$(mktemp -d /var/tmp/nrbench.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

if [ -z "$seed" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "bench_ingest: recording a seed needs root; give SEED"; exit 77; }
	seed=$work/seed.pcapng
	CHURN_SECONDS=5 NETREC_KEEP_CHURN="$seed" bash "$(dirname "$0")/bench_record.sh" "$build" >/dev/null
fi

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# add KEY NAME PREP CMD...: a measurement for the next run_all.
keys=()
declare -A NAME PREP CMD TS RSS
add() {
	local key=$1
	keys+=("$key")
	NAME[$key]=$2
	PREP[$key]=$3
	shift 3
	CMD[$key]=$(printf '%q ' "$@")
	TS[$key]=''
	RSS[$key]=''
}

# run_all: $runs rounds, each running every measurement added once, in the
# order added (so that the shared machine's drifts fall on all of them
# alike, rather than on whichever ran during a slow minute); prints a line
# per measurement and sets T_KEY (median seconds) and M_KEY (median peak
# RSS, MB). Each command starts after a sync, untimed: the loads write
# gigabytes, and their writeback would otherwise fall on whatever runs
# next (the kept-database CSV runs after the largest load).
run_all() {
	local key t m
	for _ in $(seq "$runs"); do
		for key in "${keys[@]}"; do
			${PREP[$key]}
			sync
			if ! eval "/usr/bin/time -f '%e %M' -o \"\$work/time\" ${CMD[$key]}" \
				>"$work/out" 2>"$work/err"; then
				echo "bench_ingest: ${NAME[$key]} failed:"; tail -3 "$work/err"; exit 1
			fi
			read -r t m <"$work/time"
			TS[$key]+="$t "
			RSS[$key]+="$m "
		done
	done
	for key in "${keys[@]}"; do
		t=$(printf '%s\n' ${TS[$key]} | median)
		m=$(printf '%s\n' ${RSS[$key]} | median)
		m=$(echo "$m / 1024" | bc)
		printf -v "T_$key" '%s' "$t"
		printf -v "M_$key" '%s' "$m"
		printf '  %-36s %8.2f s %11.0f %s %7d MB  (runs: %s)\n' "${NAME[$key]}" "$t" \
			"$(echo "${rate_n:-$n} / $t" | bc -l)" "${rate_unit:-pkt/s}" "$m" "${TS[$key]% }"
	done
	keys=()
}
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
no_prep() { :; }
fresh_db() { rm -f "$work/db" "$work/db-journal"; }
fresh_bdb() { rm -f "$work/bdb" "$work/bdb-journal"; }
fresh_copy() { rm -f "$work/copy"; }
# The whole of --db's rows for SQLite alone: every table of the database
# --db wrote, made with the same schema in a fresh database and filled from
# it, then the same indexes (what --db writes, without the analysis)
all_prep() {
	rm -f "$work/copy2"
	{
		echo "PRAGMA page_size = 16384; PRAGMA cache_size = -65536;"
		echo "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
		echo "ATTACH '$work/db' AS k; BEGIN;"
		sqlite3 "$work/db" "SELECT sql || ';' FROM sqlite_master
			WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
		# WHERE 1: a row at a time, as --db inserts them (without it,
		# SQLite copies a table of the same schema as stored records)
		sqlite3 "$work/db" "SELECT 'INSERT INTO main.' || name || ' SELECT * FROM k.' || name ||
			' WHERE 1;'
			FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
		sqlite3 "$work/db" "SELECT sql || ';' FROM sqlite_master
			WHERE type = 'index' AND sql IS NOT NULL"
		echo "COMMIT;"
	} >"$work/all.sql"
}

echo "seed: $seed; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
largest=$(printf '%s\n' $sizes | sort -n | tail -1)
for want in $sizes; do
	runs=${RUNS:-$([ "$want" -le 1000000 ] && echo 3 || echo 1)}
	big=$work/big.pcapng
	MKBIG_ETHERNET=1 "$mkbig" "$seed" "$big" "$want" 2>/dev/null
	n=$(capinfos -c -M "$big" | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}')
	echo "capture: $n packets, $(du -h "$big" | cut -f1); median of $runs run(s)"
	add tcptrace "tcptrace -n" no_prep tcptrace -n "$big"
	[ "${BENCH_TSHARK:-0}" = 0 ] ||
		add tshark "tshark -T fields" no_prep tshark -r "$big" -T fields \
			-e frame.time_epoch -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e tcp.flags
	add db "netanalyze --db (every table)" fresh_db "$netanalyze" --db "$work/db" "$big"
	add hs "netanalyze FILE --handshakes" no_prep "$netanalyze" "$big" --handshakes --format csv
	if [ -n "$base" ]; then
		add bdb "base: netanalyze --db" fresh_bdb "$base" --db "$work/bdb" "$big"
		add bhs "base: netanalyze FILE --handshakes" no_prep "$base" "$big" --handshakes --format csv
	fi
	# after --db in each round: the rows it wrote
	add sqlite "SQLite alone (CTAS of packets)" fresh_copy sqlite3 "$work/copy" \
		"PRAGMA page_size = 16384; PRAGMA cache_size = -65536; PRAGMA journal_mode = OFF;
		 PRAGMA synchronous = OFF; ATTACH '$work/db' AS k;
		 CREATE TABLE p AS SELECT * FROM k.packets;"
	add sqlall "SQLite alone (every table, index)" all_prep sqlite3 "$work/copy2" \
		".read $work/all.sql"
	run_all
	rm -f "$work/bdb"
	conns=$(sqlite3 "$work/db" "SELECT count(*) FROM connections")
	entries=$(sqlite3 "$work/db" "SELECT count(*) FROM events")
	rows=$(sqlite3 "$work/db" "SELECT count(*) FROM packets")
	[ "$rows" = "$n" ] || { echo "bench_ingest: $rows packet rows for $n packets"; exit 1; }
	[ -z "$base" ] ||
		echo "  vs base: --db $(ratio "$T_bdb" "$T_db")x faster, --handshakes $(ratio "$T_bhs" "$T_hs")x faster"
	echo "  $conns connections, $entries journal entries ($(printf '%.2f' "$(echo "$entries / $n" | bc -l)") a packet);" \
		"--db $(ratio "$T_tcptrace" "$T_db")x tcptrace's packets/s" \
		"(target >= 3), $(echo "100 * $T_sqlite / $T_db" | bc)% of SQLite's own rate (target >= 70;" \
		"for every row and index --db writes: $(echo "100 * $T_sqlall / $T_db" | bc)%);" \
		"--handshakes $(ratio "$T_tcptrace" "$T_hs")x tcptrace's (target >= 10);" \
		"peak RSS --db $M_db MB, --handshakes $M_hs MB, tcptrace $M_tcptrace MB (target <= 512 MB)"
	if [ "$want" = "$largest" ]; then
		add kept "--handshakes csv, kept db" no_prep \
			"$netanalyze" --db "$work/db" --handshakes --format csv
		rate_n=$(sqlite3 "$work/db" "SELECT count(*) FROM handshakes") rate_unit='row/s ' \
			runs=${RUNS:-3} run_all
		echo "  $(($(wc -l <"$work/out") - 1)) handshake rows written as CSV (target < 1 s for 500k)"
	fi
	rm -f "$big" "$work/copy" "$work/copy2"
done

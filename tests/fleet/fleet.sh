#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The fleet path end to end (root): three hosts record with netrec in network
# namespaces, each under its own host name (UTS namespace), with documentation
# addresses only:
#   web-1  192.0.2.1 / 2001:db8::1   psql clients to db-1:5432 (IPv4 and IPv6)
#   db-1   192.0.2.2 / 2001:db8::2, 198.51.100.2   postgres on 192.0.2.2:5432 and
#          [2001:db8::2]:5432; a tcpdump of its link to web-1 (a third-party capture)
#   web-2  198.51.100.3   psql clients to 192.0.2.2:5432 (routed through db-1's
#          other address) and to 198.51.100.2:5432, where nothing listens (refused)
# Then two private clickhouse-server instances on free loopback ports (own
# config, data, tmp and log directories; stopped by pid whatever happens) get
# the schema, and the three hosts' exports are loaded through the Distributed
# tables, running the commands of docs/fleet.md's walk-through as written.
# Checked: every value ClickHouse returns equals netanalyze's SQLite (NULLs
# included); either server sees every host; per-host outcome counts and exact
# p50/p99 RTTs equal the same query in SQLite; web-1's and db-1's rows of the
# same connections join on the Community ID, with the processes the test
# started (pids from the processes themselves) and an offset consistent with
# one clock; the same in SQLite (--joined, the tcpdump copy recognised); loading
# the same capture twice leaves one copy; CSV with --csv-null '\N' keeps NULLs.
E2E_NAME=fleet
. "$(dirname "$0")/../e2e/lib.sh"
FLEET_SRC=$(cd "$(dirname "$0")" && pwd)
NETANALYZE=${NETANALYZE:-${B:+$B/analyze/netanalyze}}
DOC=${NETREC_SOURCE_ROOT:-$FLEET_SRC/../..}/docs/fleet.md
T_START=$(date +%s)

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, BPF, clickhouse-server)"
[ -n "$NETANALYZE" ] && [ -x "$NETANALYZE" ] || skip "netanalyze not built"
if ! command -v clickhouse-server >/dev/null || ! command -v clickhouse-client >/dev/null; then
	say "installing clickhouse-server and clickhouse-client from Debian"
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
		clickhouse-server clickhouse-client >/dev/null 2>&1 ||
		skip "clickhouse-server is not installed and apt-get could not install it"
fi
need_tool zstd tar python3 runuser ss unshare
# Debian's python3 (a python3 earlier on PATH may start slowly)
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
id clickhouse >/dev/null 2>&1 || skip "no clickhouse user (the clickhouse-server package makes it)"

. "$FLEET_SRC/ch.sh"
CH_DIR=""
NSC=""
REC_PIDS=()
e2e_init

fleet_cleanup() {
	local rc=$? p
	ch_stop
	if [ -n "$NSC" ]; then
		for p in $(ip netns pids "$NSC" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns delete "$NSC" 2>/dev/null
	fi
	if [ -n "$CH_DIR" ] && [ -d "$CH_DIR" ]; then
		if [ $rc -ne 0 ] || [ "${E2E_KEEP:-0}" = 1 ]; then
			for p in "$CH_DIR"/*/log/error.log; do
				[ -s "$p" ] && { say "== $p (last lines)"; tail -5 "$p"; }
			done
		fi
		[ "${E2E_KEEP:-0}" = 1 ] || rm -rf "$CH_DIR"
	fi
	(exit $rc)
	e2e_cleanup
}
trap fleet_cleanup EXIT

# ---- three hosts ------------------------------------------------------------
C4=198.51.100.3
B4C=198.51.100.2
NSC=nre2e-$$-c
ip netns add "$NSC" || die "ip netns add $NSC"
ip -n "$NSB" link add vc type veth peer name vd netns "$NSC" || die "veth to $NSC"
ip -n "$NSC" link set lo up
ip -n "$NSB" addr add $B4C/24 dev vc
ip -n "$NSC" addr add $C4/24 dev vd
ip -n "$NSB" link set vc up
ip -n "$NSC" link set vd up || die "link up"
ip -n "$NSC" route add 192.0.2.0/24 via $B4C || die "route"
for i in $(seq 50); do probe_refused "$NSC" "$B4C" && break; sleep 0.1; done

# rec_start NS HOST: netrec in NS under the host name HOST (its own UTS
# namespace), writing $WORK/HOST.pcapng.
rec_start() {
	local ns=$1 host=$2
	bg_run "$ns" 120 "$WORK/$host.rec.pid" "$WORK/$host.rec.out" "$WORK/$host.rec.err" \
		unshare --uts sh -c 'hostname "$0" && exec "$@"' "$host" "$NETREC" -q -o "$WORK/$host.pcapng"
	wait_file "$WORK/$host.rec.pid" 10 || die "netrec on $host did not start"
	REC_PIDS+=("$(cat "$WORK/$host.rec.pid")")
}

# rec_ready HOST PROBE_NS ADDR: the recording shows a probe to ADDR's closed
# port (so its programs are attached).
rec_ready() {
	local host=$1 pns=$2 addr=$3 f=$WORK/$1.pcapng i
	wait_file "$f" 20 || die "netrec on $host wrote nothing: $(cat "$WORK/$host.rec.err")"
	for i in $(seq 50); do
		ip netns exec "$pns" timeout 1 bash -c "exec 3<>/dev/tcp/$addr/$SENTINEL_PORT" 2>/dev/null
		sleep 0.2
		"$NRDUMP" "$f" 2>/dev/null | grep -qE "^pkt .* (sport|dport)=$SENTINEL_PORT " && return 0
	done
	die "netrec on $host: no probe recorded within 10 s"
}

rec_start "$NSA" web-1
rec_start "$NSB" db-1
rec_start "$NSC" web-2
# --immediate-mode: without it libpcap hands packets over in blocks, up to a
# second late, and the last second's packets before the SIGTERM below never
# reach the file (seen: "84 packets received by filter", 64 captured).
ip netns exec "$NSB" timeout -k 3 100 tcpdump -i vb -U --immediate-mode -n -w "$WORK/tap.pcap" tcp \
	>/dev/null 2>"$WORK/tcpdump.err" &
TD_PID=$!
E2E_BG+=("$TD_PID")
rec_ready web-1 "$NSB" "$A4"
rec_ready db-1 "$NSA" "$B4"
rec_ready web-2 "$NSB" "$C4"
wait_line "$WORK/tcpdump.err" 'listening on' 10 || die "tcpdump did not start"

# postgres: the IPv4 server for web-1 (5) and web-2 (4), the IPv6 one for web-1 (3)
pg_start() {
	local addr=$1 count=$2 tag=$3
	bg_run "$NSB" 60 "$WORK/pg$tag.pid" "$WORK/pg$tag.out" "$WORK/pg$tag.err" \
		"$(peer_bin postgres)" server "$addr" 5432 --count "$count" --reply 4000 --timeout 50
	wait_line "$WORK/pg$tag.out" '^listen ' 10 || die "postgres $addr: $(cat "$WORK/pg$tag.err")"
}
pg_start "$B4" 9 4
pg_start "$B6" 3 6
PG4=$(kv pid <"$WORK/pg4.out" | head -1)
PG6=$(kv pid <"$WORK/pg6.out" | head -1)

# psql NS HOST N ADDR [--refused]: N clients one after another; each prints
# "connect pid=... local=ADDR:PORT" (or "refused pid=...").
psql_run() {
	local ns=$1 host=$2 n=$3 addr=$4 i; shift 4
	for i in $(seq "$n"); do
		ip netns exec "$ns" timeout 20 "$(peer_bin psql)" client "$addr" 5432 --send 1500 \
			--timeout 15 "$@" >>"$WORK/psql.$host.out" 2>>"$WORK/psql.$host.err" ||
			fail "psql on $host to $addr: $(tail -1 "$WORK/psql.$host.err")"
	done
}
psql_run "$NSA" web-1 5 "$B4"
psql_run "$NSA" web-1 3 "$B6"
psql_run "$NSC" web-2 4 "$B4"
psql_run "$NSC" web-2 2 "$B4C" --refused
sleep 0.5
for p in "${REC_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
kill -TERM "$TD_PID" 2>/dev/null
for p in "${REC_PIDS[@]}" "$TD_PID"; do
	for i in $(seq 200); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
done
wait "$TD_PID" 2>/dev/null
for h in web-1 db-1 web-2; do
	[ -s "$WORK/$h.pcapng" ] || die "no recording from $h"
done
grep -c '^connect ' "$WORK/psql.web-1.out" | grep -qx 8 || fail "web-1: not 8 connections"
say "recorded in $(( $(date +%s) - T_START )) s"
phase() { say "-- $1 at $(( $(date +%s) - T_START )) s"; }

# ---- two ClickHouse servers ---------------------------------------------------
ch_ports || die "no free ports"
CH_DIR=$(mktemp -d /tmp/netrec-fleet-ch.XXXXXX) || die "mktemp"
chmod 755 "$CH_DIR"
phase "starting ClickHouse"
ch_server "$CH_DIR" a "${CH_PORTS[0]}" "${CH_PORTS[1]}" "${CH_PORTS[2]}" || die "server a"
ch_server "$CH_DIR" b "${CH_PORTS[3]}" "${CH_PORTS[4]}" "${CH_PORTS[5]}" || die "server b"
say "clickhouse-server $(command clickhouse-client --version | awk '{print $NF}'): pids ${CH_PIDS[*]}, ports $PORT_A and $PORT_B"

# ---- docs/fleet.md, as written --------------------------------------------------
# The block marked <!-- fleet-test: NAME --> in docs/fleet.md: shell commands
# (```sh) as they are, or a query (```sql) for clickhouse-client --query.
doc_block() {
	awk -v name="$1" '
		$0 == "<!-- fleet-test: " name " -->" { want = 1; next }
		want && /^```(sh|sql)$/ { inblock = 1; sql = $0 ~ /sql/; next }
		inblock && /^```$/ { exit }
		inblock { print }
		END { if (sql) print "#sql" }' "$DOC"
}
netanalyze() { "$NETANALYZE" "$@"; }
CH_PORT=$PORT_A
clickhouse-client() { command clickhouse-client --port "$CH_PORT" "$@"; }
# run_doc NAME: runs the block in $WORK (output in $WORK/doc.NAME.out)
run_doc() {
	local name=$1 text
	text=$(doc_block "$name")
	[ -n "$text" ] || { fail "docs/fleet.md has no block '$name'"; return 1; }
	if [ "${text##*$'\n'}" = "#sql" ]; then
		printf '%s\n' "${text%$'\n'#sql}" >"$WORK/doc.$name.sql"
		text='clickhouse-client --query "$(cat "doc.'"$name"'.sql")"'
	fi
	if ! (cd "$WORK" && set -e && eval "$text") >"$WORK/doc.$name.out" 2>"$WORK/doc.$name.err"; then
		fail "docs/fleet.md block '$name' failed: $(tail -3 "$WORK/doc.$name.err")"
		return 1
	fi
	ok "docs/fleet.md block '$name'"
}
TABLES="captures connections handshakes events processes"

phase "walk-through"
run_doc analyse
run_doc ship
CH_PORT=$PORT_A run_doc schema
CH_PORT=$PORT_B run_doc schema
run_doc load
# the third host, as the page says every host does
(cd "$WORK" && netanalyze --db web-2.db web-2.pcapng --export clickhouse export/web-2) \
	2>"$WORK/web-2.export.err" || fail "web-2's export: $(cat "$WORK/web-2.export.err")"
for t in $TABLES; do
	CH_PORT=$PORT_B clickhouse-client --insert_distributed_sync=1 \
		--query "INSERT INTO netrec.$t FORMAT JSONEachRow" <"$WORK/export/web-2/$t.jsonl" ||
		fail "loading web-2's $t"
done

phase "comparing values"
# every value read back equals netanalyze's own, NULLs included (the tables
# read through either server in turn)
n=0
for t in $TABLES; do
	port=$PORT_A; [ $((n++ % 2)) = 1 ] && port=$PORT_B
	CH_PORT=$port clickhouse-client --output_format_json_quote_64bit_integers=0 \
		--query "SELECT * FROM netrec.$t FINAL FORMAT JSONEachRow" >"$WORK/ch.$t.jsonl" ||
		fail "reading $t back through :$port"
done
if out=$($PY "$FLEET_SRC/fleet_check.py" rows "$WORK" web-1 db-1 web-2); then
	ok "every row of every host, as in SQLite:"
else
	fail "ClickHouse's rows differ from SQLite's:"
fi
say "$out"

phase "queries"
# a query on either server sees every host
for port in $PORT_A $PORT_B; do
	CH_PORT=$port run_doc hosts
	got=$(tr '\n' ' ' <"$WORK/doc.hosts.out")
	[ "$got" = "db-1 web-1 web-2 " ] && ok "server :$port sees $got" ||
		fail "server :$port sees '$got', not all three hosts"
done
loc=0
for port in $PORT_A $PORT_B; do
	k=$(CH_PORT=$port clickhouse-client --query "SELECT count() FROM netrec.captures_local")
	say "server :$port holds $k of the captures"
	loc=$((loc + k))
done
[ "$loc" = 3 ] || fail "the two shards hold $loc captures, not 3"

# per-host outcome counts and exact p50/p99 RTTs: the same query in SQLite
# (one database with the three recordings: each host's rows are its own)
netanalyze --db "$WORK/all.db" "$WORK/web-1.pcapng" "$WORK/db-1.pcapng" "$WORK/web-2.pcapng" \
	-q --sql "SELECT 1" >/dev/null || fail "loading the three recordings together"
compare() {
	local what=$1 block=$2 sql=$3 out
	netanalyze --db "$WORK/all.db" --sql "$sql" --format jsonl >"$WORK/$block.sqlite.jsonl"
	run_doc "$block" || return
	if out=$($PY "$FLEET_SRC/fleet_check.py" table "$WORK/$block.sqlite.jsonl" \
		"$WORK/doc.$block.out"); then
		ok "$what: ClickHouse equals SQLite"; say "$out"
	else
		fail "$what: ClickHouse differs from SQLite"; say "$out"
	fi
}
compare "outcomes per host" outcomes \
	"SELECT f.host, h.outcome, count(*) AS n FROM handshakes h JOIN files f USING (file_id)
	 GROUP BY f.host, h.outcome ORDER BY f.host, h.outcome"
compare "p50/p99 RTT per service" rtt \
	"SELECT host, server, server_port, n,
	   '[' || max(CASE WHEN i = CAST(0.5 * n AS INTEGER) THEN v END) || ',' ||
	   max(CASE WHEN i = CAST(0.99 * n AS INTEGER) THEN v END) || ']' AS p50_p99
	 FROM (SELECT f.host, h.server, h.server_port, h.rtt_server_ns AS v,
	         row_number() OVER (PARTITION BY f.host, h.server, h.server_port
	                            ORDER BY h.rtt_server_ns) - 1 AS i,
	         count(*) OVER (PARTITION BY f.host, h.server, h.server_port) AS n
	       FROM handshakes h JOIN files f USING (file_id) WHERE h.rtt_server_ns IS NOT NULL)
	 GROUP BY host, server, server_port ORDER BY host, server, server_port"

# The same two recordings in one SQLite database (the walk-through's last
# step), then with the tcpdump of the link too.
run_doc sqlite-join
netanalyze --db "$WORK/both.db" "$WORK/tap.pcap" -q --sql "SELECT 1" >/dev/null
netanalyze --db "$WORK/both.db" --sql "SELECT client_port, client_pid, server_pid, client_host,
	server_host, duplicates, clock_offset_ns, clock_error_ns, owd_syn_ns, hs_offset_ns,
	path_delay_ns FROM joined WHERE server_port = 5432 AND client IN ('$A4', '$A6')" --format csv \
	| tail -n +2 | tr ',' ' ' >"$WORK/sqlite-joined.txt"

# refused connections to 5432: web-2's two psql runs, each its own process
run_doc refused
refused_pids=$(awk '$1 == "refused" { for (i = 2; i <= NF; i++) if ($i ~ /^pid=/) print substr($i, 5) }' \
	"$WORK/psql.web-2.out" | sort -n | tr '\n' ' ')
got=$(awk -F'\t' '$1 == "web-2" && $2 == "psql" && $4 == 1 { print $3 }' "$WORK/doc.refused.out" |
	sort -n | tr '\n' ' ')
[ -n "$refused_pids" ] && [ "$got" = "$refused_pids" ] &&
	ok "refused connections to 5432: web-2, psql, pids $got" ||
	fail "refused connections to 5432: web-2's psql pids '$got', want '$refused_pids'"

# web-1's connections, joined with db-1's view of them on the Community ID:
# each of the 8 exactly once, with the psql that made it (its own pid) and
# the postgres that served it; one clock, so |offset| <= delay / 2; offset
# and delay as netanalyze's own join computes them
run_doc join
awk '$1 == "connect" { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	port = v["local"]; sub(/.*:/, "", port); print port, v["pid"], (v["local"] ~ /^\[|::/ ? 6 : 4) }' \
	"$WORK/psql.web-1.out" | sort -n >"$WORK/web-1.conns"
joined=0
while read -r port pid fam; do
	want_srv=$PG4; [ "$fam" = 6 ] && want_srv=$PG6
	row=$(awk -F'\t' -v p="$port" '$1 == p' "$WORK/doc.join.out")
	if [ "$(printf '%s\n' "$row" | grep -c .)" != 1 ]; then
		fail "port $port: $(printf '%s\n' "$row" | grep -c .) joined rows, not 1"; continue
	fi
	IFS=$'\t' read -r _ ccomm cpid scomm spid off delay <<<"$row"
	read -r _ _ _ _ _ _ _ _ _ soff sdelay < <(awk -v p="$port" '$1 == p' "$WORK/sqlite-joined.txt")
	if [ "$ccomm $cpid $scomm $spid" = "psql $pid postgres $want_srv" ] &&
	   [ "${off#-}" -le $((delay / 2)) ] && [ "$off $delay" = "$soff $sdelay" ]; then
		joined=$((joined + 1))
	else
		fail "port $port joined as '$row'; want psql $pid, postgres $want_srv, |offset| <= delay/2, offset and delay $soff $sdelay (SQLite)"
	fi
done <"$WORK/web-1.conns"
[ "$joined" = 8 ] && ok "8 of web-1's connections joined with db-1's on the Community ID" ||
	fail "$joined of web-1's connections joined, not 8"

sj=0
while read -r port pid fam; do
	want_srv=$PG4; [ "$fam" = 6 ] && want_srv=$PG6
	read -r _ cpid spid ch sh dup off err owd _ < <(awk -v p="$port" '$1 == p' "$WORK/sqlite-joined.txt")
	if [ "$cpid $spid $ch $sh $dup" = "$pid $want_srv web-1 db-1 1" ] && [ -n "$owd" ] &&
	   [ "${off#-}" -le "$err" ]; then
		sj=$((sj + 1))
	else
		fail "SQLite joined port $port: pid $cpid/$spid hosts $ch/$sh copies $dup offset $off +-$err owd $owd"
	fi
done <"$WORK/web-1.conns"
[ "$sj" = 8 ] && ok "SQLite --joined: web-1's 8 connections once each, tcpdump's copy recognised" ||
	fail "SQLite --joined: $sj of 8"
while read -r port _; do
	grep -q ",$port,192.0.2.2,5432,\|,$port,$B6,5432," "$WORK/doc.sqlite-join.out" ||
		fail "--joined --port 5432 does not list web-1's connection from port $port"
done <"$WORK/web-1.conns"
netanalyze --db "$WORK/both.db" --sql "SELECT host_a, host_b, offset_ns, error_ns, samples
	FROM clock_offsets" --format csv | sed 's/^/  clock_offsets: /'

phase "loading again"
# loading the same capture twice leaves one copy: web-1's export again
for t in $TABLES; do
	clickhouse-client --insert_distributed_sync=1 \
		--query "INSERT INTO netrec.$t FORMAT JSONEachRow" <"$WORK/incoming/web-1/$t.jsonl" ||
		fail "loading web-1's $t again"
done
counts() {
	local final=$1 t q=""
	for t in $TABLES; do
		q="$q${q:+ UNION ALL }SELECT '$t', host, count() FROM netrec.$t $final GROUP BY host"
	done
	clickhouse-client --query "$q" >"$WORK/counts.tsv"
	$PY "$FLEET_SRC/fleet_check.py" counts "$WORK" "$WORK/counts.tsv" web-1 db-1 web-2
}
out=$(counts FINAL) && ok "web-1 loaded twice, with FINAL: one copy" ||
	fail "web-1 loaded twice, with FINAL: $out"
for port in $PORT_A $PORT_B; do
	q=""
	for t in $TABLES; do q="${q}OPTIMIZE TABLE netrec.${t}_local FINAL;"; done
	CH_PORT=$port clickhouse-client --multiquery --query "$q" || fail "OPTIMIZE on :$port"
done
out=$(counts "") && ok "web-1 loaded twice, after OPTIMIZE: one copy" ||
	fail "web-1 loaded twice, after OPTIMIZE: $out"

# CSV with --csv-null '\N' keeps NULLs in ClickHouse; without it they are lost
clickhouse-client --query "CREATE TABLE default.csv_hs (hs_id Int64, client_pid Nullable(Int64),
	server_comm Nullable(String), rtt_client_ns Nullable(Int64)) ENGINE = Memory"
q="SELECT hs_id, client_pid, server_comm, rtt_client_ns FROM handshakes"
netanalyze --db "$WORK/db-1.db" --sql "$q" --format csv --csv-null '\N' |
	clickhouse-client --query "INSERT INTO default.csv_hs FORMAT CSVWithNames"
want=$(netanalyze --db "$WORK/db-1.db" --sql "SELECT count(*) - count(client_pid),
	count(*) - count(server_comm), count(*) - count(rtt_client_ns) FROM handshakes" --format csv | tail -1)
got=$(clickhouse-client --query "SELECT countIf(isNull(client_pid)), countIf(isNull(server_comm)),
	countIf(isNull(rtt_client_ns)) FROM default.csv_hs" | tr '\t' ',')
[ "$got" = "$want" ] && [ "$want" != "0,0,0" ] && ok "--csv-null '\\N': NULLs per column $got, as in SQLite" ||
	fail "--csv-null '\\N': ClickHouse has NULLs $got, SQLite $want"

# retention, on one server: dropping the days up to tomorrow empties its
# shard, and only its shard
left() {
	CH_PORT=$1 clickhouse-client --query "SELECT sum(n) FROM (
		SELECT count() AS n FROM netrec.captures_local
		UNION ALL SELECT count() FROM netrec.connections_local
		UNION ALL SELECT count() FROM netrec.handshakes_local
		UNION ALL SELECT count() FROM netrec.events_local
		UNION ALL SELECT count() FROM netrec.processes_local)"
}
before_a=$(left "$PORT_A")
before_b=$(left "$PORT_B")
KEEP_DAYS=-2 CH_PORT=$PORT_A run_doc retention
la=$(left "$PORT_A")
lb=$(left "$PORT_B")
[ "$before_a" -gt 0 ] && [ "$la" = 0 ] && [ "$lb" = "$before_b" ] && [ "$lb" -gt 0 ] &&
	ok "retention on :$PORT_A: its $before_a rows dropped, :$PORT_B keeps its $lb" ||
	fail "retention on :$PORT_A: $la of $before_a rows left there, :$PORT_B has $lb (had $before_b)"

say "fleet suite took $(( $(date +%s) - T_START )) s"
[ "$E2E_FAILED" = 0 ] || exit 1
exit 0

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Accepts through io_uring. A server (tests/e2e/uringsrv.c) accepts with
# IORING_OP_ACCEPT only: two connections with one request each, then three
# with one multishot request. It prints its pid, the accepting thread and
# each connection's peer port; the clients print their own. The file must
# hold exactly one accept event per connection, with the server's pid, tid,
# uid and gid and the connection's ports, and netanalyze's --lifecycle the
# same five rows. The clients' connects are checked alongside (the same
# connections, seen from the other end).
. "$(dirname "$0")/lib.sh"
e2e_init
[ -n "$URINGSRV" ] && [ -x "$URINGSRV" ] || skip "uringsrv not built (URINGSRV=$URINGSRV)"
[ -n "$NETANALYZE" ] && [ -x "$NETANALYZE" ] || skip "netanalyze not built (NETANALYZE=$NETANALYZE)"
[ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" = 0 ] ||
	skip "io_uring is disabled on this machine (kernel.io_uring_disabled)"

f=$WORK/uring.pcapng
nr_start "$NSA" "$f" --events lifecycle
nr_wait_ready "$f" "$NSB" "$A4"

SRV_OUT=$WORK/uringsrv.out
bg_run "$NSA" 60 "$WORK/uringsrv.pid" "$SRV_OUT" "$WORK/uringsrv.err" "$URINGSRV" "$A4" 8083 2 3 --timeout 50
srv_wait=$BG_PID
wait_line "$SRV_OUT" '^listen ' 10 || die "uringsrv did not listen: $(cat "$WORK/uringsrv.err")"
spid=$(kv pid <"$SRV_OUT" | head -1)
say "server: pid $spid"
cports=()
for i in 1 2 3 4 5; do
	client "$NSB" "$A4" 8083 "urc$i" --send 0
	peer_wait "$CLI_WAIT" "client $i" || continue
	read -r _ _ p < <(conn_ids "$CLI_OUT")
	cports+=("$p")
done
peer_wait "$srv_wait" "uringsrv" || say "uringsrv: $(cat "$WORK/uringsrv.err")"
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS"
grep -q 'io_uring' "$NR_ERR" && fail "netrec warned about io_uring: $(grep io_uring "$NR_ERR")"
check_readable "$f"
say "server's accepts:"
sed 's/^/  | /' "$SRV_OUT"
[ "$(grep -c '^accept ' "$SRV_OUT")" = 5 ] || fail "the server did not accept 5 connections"

acc=$(dump "$f" | grep '^ev ' | grep ' event=accept ')
say "accept events:"
printf '%s\n' "$acc" | sed 's/ window=.* msg=/ msg=/; s/^/  | /'
n=$(printf '%s\n' "$acc" | grep -c .)
[ "$n" = 5 ] && ok "5 accept events for 5 connections" || fail "$n accept events, expected 5"
while read -r _ pidkv tidkv _ peerkv howkv; do
	tid=${tidkv#tid=}
	port=${peerkv##*:}
	m=$(printf '%s\n' "$acc" | grep -F " pid=$spid " | grep -F " tid=$tid " | grep -F " uid=0 " |
		grep -F " gid=0 " | grep -F " sport=8083 " | grep -cF " dport=$port ")
	[ "$m" = 1 ] && ok "accept ($howkv) of port $port: pid $spid tid $tid" ||
		fail "accept ($howkv) of port $port: $m events with pid $spid, tid $tid, sport 8083"
done < <(grep '^accept ' "$SRV_OUT")

rows=$("$NETANALYZE" "$f" --lifecycle --accept-only --format csv --csv-null - 2>"$WORK/na.err" |
	awk -F, 'NR > 1 { print $2, $3, $10, $12 }' | sort)
[ "${#cports[@]}" = 5 ] || fail "${#cports[@]} of 5 clients connected"
want=$(for p in "${cports[@]}"; do echo "accept $spid 8083 $p"; done | sort)
[ "$rows" = "$want" ] && ok "--lifecycle --accept-only: the 5 accepts" ||
	fail "--lifecycle --accept-only: got
$rows
expected
$want"
exit $E2E_FAILED

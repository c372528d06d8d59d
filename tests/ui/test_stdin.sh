#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# netanalyze FILE with no report prints --summary and never reads standard
# input, even when standard input is a pipe that stays open and silent (a
# script's, an ssh session's); SQL is read from standard input only with
# --sql - / --sql-file -, or when no FILE is given.
#   test_stdin.sh NETANALYZE SAMPLES_DIR
set -u
na=$1 samples=$2
cap=$samples/netrec-tcp.pcapng
work=$(mktemp -d /tmp/netrec-ui-stdin.XXXXXX)
holder=
cleanup() { [ -n "$holder" ] && kill "$holder" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# A FIFO held open for writing by a process that never writes or closes:
# a reader of it blocks until the test ends.
mkfifo "$work/fifo"
sleep 300 >"$work/fifo" & holder=$!

# 1. FILE, no report: the summary, promptly, with standard input open.
timeout 60 "$na" "$cap" --format csv <"$work/fifo" >"$work/out1" 2>"$work/err1"
rc=$?
[ $rc = 124 ] && fail "netanalyze FILE waited on an open standard input (killed after 60 s)"
[ $rc = 0 ] || fail "netanalyze FILE exited $rc: $(cat "$work/err1")"
grep -q '^packets,' "$work/out1" || fail "netanalyze FILE did not print --summary: $(head -3 "$work/out1")"
echo "FILE with an open, silent standard input: exit $rc, $(wc -l <"$work/out1") summary lines"

# 2. FILE and a report: the report, with standard input open.
timeout 60 "$na" "$cap" --handshakes --format csv <"$work/fifo" >"$work/out2" 2>&1
rc=$?
[ $rc = 0 ] || fail "netanalyze FILE --handshakes exited $rc"
head -1 "$work/out2" | grep -q '^hs_id,' || fail "no handshakes header"

# 3. --sql - reads standard input when asked, FILE or not.
echo 'SELECT count(*) AS n FROM packets' |
	timeout 60 "$na" "$cap" --sql - --format csv >"$work/out3" 2>&1 || fail "--sql - failed: $(cat "$work/out3")"
# tshark's frames include journal entries and custom blocks: packets only
want=$(tshark -r "$cap" -Y 'sll' 2>/dev/null | wc -l)
got=$(sed -n 2p "$work/out3")
echo "--sql - on standard input: $got packets (tshark: $want)"
[ "$got" = "$want" ] || fail "--sql - counted $got packets, tshark $want"

# 4. No FILE: SQL from standard input (the database kept by --db).
timeout 60 "$na" "$cap" --db "$work/t.db" --format csv >/dev/null 2>&1 </dev/null ||
	fail "creating $work/t.db failed"
echo 'SELECT count(*) AS n FROM packets' |
	timeout 60 "$na" --db "$work/t.db" --format csv >"$work/out4" 2>&1
[ "$(sed -n 2p "$work/out4")" = "$want" ] || fail "--db with SQL on standard input: $(cat "$work/out4")"

# 5. No FILE and an open, silent standard input waits for the SQL (as
# asked), and is not mistaken for a capture: give it some and close.
{ sleep 1; echo 'SELECT 42 AS answer'; } |
	timeout 60 "$na" --db "$work/t.db" --format csv >"$work/out5" 2>&1
[ "$(sed -n 2p "$work/out5")" = 42 ] || fail "--db, SQL arriving late on standard input: $(cat "$work/out5")"

[ $failed = 0 ] && echo PASS
exit $failed

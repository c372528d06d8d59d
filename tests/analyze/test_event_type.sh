#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# netanalyze --events --event-type and errno names, on the netrec sample:
#   - --event-type T selects exactly the journal entries whose NETREC_EVENT
#     is T, counted from tshark's dissection of the same file; a list selects
#     their union; --summary's events count follows it; an unknown name is a
#     usage error (exit 2) naming the events there are;
#   - errno is shown by name: the table's errno column, and csv/json's
#     errno_name beside the number, equal Python's errno.errorcode for it.
# Usage: test_event_type.sh NETANALYZE SAMPLES
set -u
NA=$1 SAMPLES=$2
for t in tshark python3; do
	command -v "$t" >/dev/null || { echo "SKIP: $t is not installed (scripts/deps.sh test)"; exit 77; }
done
W=$(mktemp -d /tmp/netanalyze-evtype.XXXXXX)
trap 'rm -rf "$W"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }
ok() { echo "ok: $*"; }
f=$SAMPLES/netrec-tcp.pcapng
db=$W/t.db
"$NA" -q --db "$db" "$f" --summary >/dev/null || fail "load $f"

tshark -r "$f" -Y systemd_journal -V 2>/dev/null |
	awk '/Field name: NETREC_EVENT$/ { getline; sub(/.*Field value: /, ""); print }' | sort | uniq -c >"$W/ws"
[ -s "$W/ws" ] || fail "tshark shows no NETREC_EVENT in $f"
while read -r n ev; do
	got=$("$NA" -q --db "$db" --events --event-type "$ev" --format csv | tail -n +2 | wc -l)
	other=$("$NA" -q --db "$db" --events --event-type "$ev" --format csv | tail -n +2 | awk -F, -v e="$ev" '$5 != e' | wc -l)
	[ "$got" = "$n" ] && [ "$other" = 0 ] && ok "--event-type $ev: $got events, as tshark's journal entries" ||
		fail "--event-type $ev: $got rows ($other of another type), tshark shows $n"
done <"$W/ws"
a=$(awk 'NR == 1 { print $2 }' "$W/ws") b=$(awk 'NR == 2 { print $2 }' "$W/ws")
want=$(awk 'NR <= 2 { s += $1 } END { print s }' "$W/ws")
got=$("$NA" -q --db "$db" --events --event-type "$a,$b" --format csv | tail -n +2 | wc -l)
[ "$got" = "$want" ] && ok "--event-type $a,$b: $got events" || fail "--event-type $a,$b: $got rows, tshark shows $want"
sev=$(awk 'NR == 1 { print $1 }' "$W/ws")
got=$("$NA" -q --db "$db" --summary --event-type "$a" --format csv | awk -F, '$1 == "events" { print $2 }')
[ "$got" = "$sev" ] && ok "--summary --event-type $a: events $got" || fail "--summary --event-type $a: events $got, tshark shows $sev"
"$NA" -q --db "$db" --events --event-type state,bogus >/dev/null 2>"$W/err"
rc=$?
[ "$rc" = 2 ] && grep -q "unknown event 'bogus'.*retransmit" "$W/err" && ok "an unknown event name: exit 2, the names listed" ||
	fail "--event-type bogus: exit $rc, $(cat "$W/err")"

# errno by name
"$NA" -q --db "$db" --events --event-type sk_error --format csv | tail -n +2 |
	awk -F, '{ print $12, $13 }' >"$W/errno"
[ -s "$W/errno" ] || fail "no sk_error event with an errno in $f"
while read -r num name; do
	py=$(python3 -c "import errno, sys; print(errno.errorcode.get(int(sys.argv[1]), ''))" "$num")
	[ -n "$py" ] && [ "$name" = "$py" ] && ok "errno $num: errno_name $name" || fail "errno $num: errno_name '$name', Python says '$py'"
	"$NA" -q --db "$db" --events --event-type sk_error --format table | grep -q " $py " &&
		! "$NA" -q --db "$db" --events --event-type sk_error --format table | grep -qw "$num" &&
		ok "the table shows $py, not $num" || fail "the table does not show errno $num as $py"
done <"$W/errno"
got=$("$NA" -q --db "$db" --sql "SELECT errno_name(110), errno_name(0), errno_name(NULL), errno_name(100000)" --format csv | tail -1)
py=$(python3 -c "import errno; print(errno.errorcode[110] + ',,,')")
[ "$got" = "$py" ] && ok "errno_name(): $got" || fail "errno_name(): $got, want $py"

[ "$failed" = 0 ] && echo "PASS: test_event_type"
exit "$failed"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Output files that others could spoil:
#  1. a second netrec given the file a first one is writing refuses (the
#     file is locked) and leaves it alone; the first ends normally, its
#     summary equal to what its file holds;
#  2. -Z with -G in a directory the dropped user cannot write is refused
#     at start-up (exit 2), with no file left behind;
#  3. -Z with -G in a directory the user can write: the recording runs as
#     the user with an empty capability bounding set and no-new-privileges,
#     and rotates past its first file, every file the user's, 0600,
#     readable.
. "$(dirname "$0")/lib.sh"
e2e_init
getent passwd nobody >/dev/null || skip "no user nobody"

# counts FILE ERRFILE: the summary's packets and events equal the file's
counts() {
	local f=$1 err=$2 sp se fp fe
	sp=$(sed -n 's/.*: \([0-9]*\) packets written.*/\1/p' "$err")
	se=$(sed -n 's/.* \([0-9]*\) events written.*/\1/p' "$err")
	fp=$(dump "$f" | grep -c '^pkt ')
	fe=$(dump "$f" | grep -c '^ev ')
	say "$(basename "$f"): summary $sp packets, $se events; file $fp packets, $fe events"
	[ "$sp" = "$fp" ] && [ "$se" = "$fe" ] || fail "the summary of $(basename "$f") differs from what it holds"
}

say "== two netrec, one file"
f=$WORK/same.pcapng
server "$NSB" "$B4" 8100 nr-server --reply 2000
swait=$SRV_WAIT
nr_start "$NSA" "$f"
nr_wait_ready "$f" "$NSB" "$A4"
size0=$(stat -c %s "$f")
ip netns exec "$NSA" timeout 20 "$NETREC" -o "$f" >"$WORK/second.out" 2>"$WORK/second.err"
st2=$?
say "second netrec: exit $st2: $(cat "$WORK/second.err")"
[ "$st2" = 1 ] || fail "a second netrec on the same file exits with $st2, want 1"
grep -q 'another netrec' "$WORK/second.err" || fail "the second netrec does not say the file is in use"
[ "$(stat -c %s "$f")" -ge "$size0" ] || fail "the first netrec's file shrank"
client "$NSA" "$B4" 8100 nr-client --send 3000
peer_wait "$CLI_WAIT" "client"
peer_wait "$swait" "server"
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "the first netrec exited with $NR_STATUS"
check_readable "$f"
counts "$f" "$NR_ERR"
n=$(tshark -r "$f" -Y 'tcp.port == 8100' 2>/dev/null | wc -l)
say "the first netrec's file holds $n segments of the connection"
[ "$n" -ge 10 ] || fail "the first netrec's file lost the connection"

say "== -Z nobody -G 1 where nobody cannot write"
chmod 755 "$WORK"
mkdir "$WORK/rootonly"
ip netns exec "$NSA" timeout 20 "$NETREC" -o "$WORK/rootonly/r-%s.pcapng" -G 1 -Z nobody \
	>/dev/null 2>"$WORK/rootonly.err"
st=$?
say "exit $st: $(cat "$WORK/rootonly.err")"
[ "$st" = 2 ] || fail "-Z nobody -G 1 in a directory nobody cannot write: exit $st, want 2"
grep -q 'nobody' "$WORK/rootonly.err" || fail "the refusal does not name the user"
[ -z "$(ls -A "$WORK/rootonly")" ] || fail "files left in $WORK/rootonly: $(ls "$WORK/rootonly")"

say "== -Z nobody -G 1 where nobody can write"
mkdir "$WORK/open"
chown nobody "$WORK/open"
nr_start "$NSA" "" -o "$WORK/open/r-%s.pcapng" -G 1 -Z nobody
for i in $(seq 100); do [ -n "$(ls -A "$WORK/open")" ] && break; sleep 0.1; done
sleep 1
st=$(cat "/proc/$NR_PID/status" 2>/dev/null)
say "$(printf '%s\n' "$st" | grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs):' | tr '\t\n' '  ')"
printf '%s\n' "$st" | grep -Eq '^Uid:[[:space:]]+65534[[:space:]]' || fail "netrec does not run as nobody"
printf '%s\n' "$st" | grep -Eq '^CapEff:[[:space:]]+0+$' || fail "netrec keeps effective capabilities"
printf '%s\n' "$st" | grep -Eq '^CapBnd:[[:space:]]+0+$' || fail "the capability bounding set is not empty"
printf '%s\n' "$st" | grep -Eq '^NoNewPrivs:[[:space:]]+1$' || fail "no-new-privileges is not set"
for i in $(seq 20); do
	ip netns exec "$NSB" timeout 1 bash -c "exec 3<>/dev/tcp/$A4/$SENTINEL_PORT" 2>/dev/null
	sleep 0.2
done
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec -Z nobody -G 1 exited with $NR_STATUS"
nfiles=$(ls "$WORK/open" | wc -l)
say "files: $nfiles; owners and modes: $(stat -c '%U:%a' "$WORK"/open/* | sort | uniq -c | tr '\n' ' ')"
[ "$nfiles" -ge 3 ] || fail "-G 1 over 4 s wrote $nfiles files"
[ "$(stat -c '%U:%a' "$WORK"/open/* | sort -u)" = "nobody:600" ] || fail "files not nobody's, or not 0600"
for r in "$WORK"/open/*; do
	check_readable "$r" empty-ok
done
e2e_finish

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Processes in a container's cgroup. The test makes a cgroup v2 directory
# laid out as docker's cgroupfs driver does (.../docker/<64 hex digits>),
# moves a client into it and leaves a second client outside. The packets of
# the contained client must name the container (the comment's
# container=<12 digits>, the annotation's cgroup id = the directory's
# inode), its process record must give the cgroup path and the container
# id, and `--cgroup PATH` must record only the processes under PATH. The
# cgroup directories are the test's own and are removed on exit.
. "$(dirname "$0")/lib.sh"
e2e_init

CGROOT=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$CGROOT" ] && [ -w "$CGROOT/cgroup.procs" ] || skip "no writable cgroup v2 hierarchy"
HEX=$(printf '%s' "netrec-e2e-$$" | sha256sum | cut -c1-64)
CGREL=/nre2e-$$/docker/$HEX
CGDIR=$CGROOT$CGREL
cg_cleanup() {
	local p
	for p in $(cat "$CGDIR/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	sleep 0.2
	rmdir "$CGDIR" "$CGROOT/nre2e-$$/docker" "$CGROOT/nre2e-$$" 2>/dev/null
}
trap 'rc=$?; cg_cleanup; (exit $rc); e2e_cleanup' EXIT
mkdir -p "$CGDIR" || skip "cannot create a cgroup under $CGROOT"
CGID=$(stat -c %i "$CGDIR")
say "cgroup $CGREL (id $CGID), container id $HEX"

# run WHAT NETREC-ARGS...: clients nr-boxed (in the container's cgroup) and
# nr-host (outside), released together. Sets F, BPID/BPORT, HPID/HPORT.
run() {
	local what=$1; shift
	F=$WORK/$what.pcapng
	rm -f "$WORK/go"
	server "$NSB" "$B4" 8080 nr-server --count 2 --reply 2000
	local sw=$SRV_WAIT
	client "$NSA" "$B4" 8080 nr-boxed --gate "$WORK/go" --send 3000
	local wb=$CLI_WAIT ob=$CLI_OUT
	client "$NSA" "$B4" 8080 nr-host --gate "$WORK/go" --send 3000
	local wh=$CLI_WAIT oh=$CLI_OUT
	wait_file "$WORK/nr-boxed.c8080.pid" 5 || fail "client did not start"
	echo "$(cat "$WORK/nr-boxed.c8080.pid")" >"$CGDIR/cgroup.procs" || fail "cannot move the client into $CGREL"
	nr_start "$NSA" "$F" "$@"
	nr_wait_ready "$F" "$NSB" "$A4"
	touch "$WORK/go"
	peer_wait "$wb" "contained client"
	peer_wait "$wh" "client outside"
	peer_wait "$sw" "server"
	sleep 0.5
	nr_stop TERM
	[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
	BPID=$(grep '^connect ' "$ob" | kv pid)
	BPORT=$(grep '^connect ' "$ob" | kv local | sed 's/.*://')
	HPID=$(grep '^connect ' "$oh" | kv pid)
	HPORT=$(grep '^connect ' "$oh" | kv local | sed 's/.*://')
	say "nr-boxed pid $BPID port $BPORT (in $CGREL); nr-host pid $HPID port $HPORT"
	check_readable "$F"
}

say "== container attribution"
run all
exp=$WORK/all.expect
expect "$exp" "tcp/$A4/$BPORT" "$BPID" "$BPID" nr-boxed
expect "$exp" "tcp/$A4/$HPORT" "$HPID" "$HPID" nr-host
attribution "$F" "$exp"
short=${HEX:0:12}
check_pkts "$F" "tcp.port == $BPORT && frame.comment contains \"container=$short\"" "$BPID" nr-boxed "packets naming container $short"
nb=$(tshark -r "$F" -Y "tcp.port == $BPORT" 2>/dev/null | wc -l)
nc=$(tshark -r "$F" -Y "tcp.port == $BPORT && frame.comment contains \"container=$short\"" 2>/dev/null | wc -l)
[ "$nb" = "$nc" ] || fail "$((nb - nc)) of the contained client's $nb packets do not name the container"
nh=$(tshark -r "$F" -Y "tcp.port == $HPORT && frame.comment contains \"container=\"" 2>/dev/null | wc -l)
[ "$nh" = 0 ] || fail "$nh packets of the client outside name a container"
bad=$(dump "$F" | grep '^pkt ' | grep -E "(sport|dport)=$BPORT " | grep -vc " cgid=$CGID ")
say "contained client's packets with another cgroup id than $CGID: $bad"
[ "$bad" = 0 ] || fail "packets of the contained client do not carry its cgroup id $CGID"
rec=$(dump "$F" | grep "^proc .* pid=$BPID " | head -1)
say "process record: ${rec:-none}"
[ "$(printf '%s\n' "$rec" | kv cgroup)" = "$CGREL" ] || fail "process record: cgroup is not $CGREL"
[ "$(printf '%s\n' "$rec" | kv container)" = "$HEX" ] || fail "process record: container id is not $HEX"
rec=$(dump "$F" | grep "^proc .* pid=$HPID " | head -1)
[ "$(printf '%s\n' "$rec" | kv container)" = - ] || fail "process record of the client outside names a container"

say "== --cgroup /nre2e-$$"
run sel --cgroup "/nre2e-$$"
exp=$WORK/sel.expect
expect "$exp" "tcp/$A4/$BPORT" "$BPID" "$BPID" nr-boxed
attribution "$F" "$exp"
nb=$(tshark -r "$F" -Y "tcp.port == $BPORT" 2>/dev/null | wc -l)
no=$(tshark -r "$F" -Y "(ip || ipv6) && !(tcp.port == $BPORT)" 2>/dev/null | wc -l)
say "--cgroup: $nb packets of the contained client, $no others"
[ "$nb" -ge 6 ] || fail "--cgroup: the contained client's connection is missing or incomplete"
[ "$no" = 0 ] || fail "--cgroup: $no packets of processes outside the cgroup were written"

say "== --cgroup $CGROOT/nre2e-$$ (the directory's full path)"
run full --cgroup "$CGROOT/nre2e-$$"
nb=$(tshark -r "$F" -Y "tcp.port == $BPORT" 2>/dev/null | wc -l)
no=$(tshark -r "$F" -Y "(ip || ipv6) && !(tcp.port == $BPORT)" 2>/dev/null | wc -l)
say "--cgroup (full path): $nb packets of the contained client, $no others"
[ "$nb" -ge 6 ] || fail "--cgroup (full path): the contained client's connection is missing or incomplete"
[ "$no" = 0 ] || fail "--cgroup (full path): $no packets of processes outside the cgroup were written"
e2e_finish

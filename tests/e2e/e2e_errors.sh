#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Mistakes a user makes, and what netrec must do about them (the spec's
# "Errors" and "Files"): a bad filter expression, an unknown interface, an
# output path that is a symlink or cannot be written, and no privileges.
# Each ends with a clear message on stderr and exit status 1 or 2, leaves
# no file behind, and never writes through the symlink. A compressed
# output (.zst name) is a zstd stream that tshark and our reader open.
. "$(dirname "$0")/lib.sh"
e2e_init

# refuse WHAT OUTFILE ARGS...: netrec must fail quickly with 1 or 2, say
# something on stderr, and leave OUTFILE absent.
refuse() {
	local what=$1 out=$2 st; shift 2
	ip netns exec "$NSA" timeout -k 2 15 "$NETREC" "$@" >"$WORK/refuse.out" 2>"$WORK/refuse.err"
	st=$?
	say "$what: exit $st: $(head -3 "$WORK/refuse.err" | tr '\n' ' ')"
	case $st in
	1|2) ;;
	124|137) fail "$what: netrec did not exit by itself" ;;
	*) fail "$what: exit status $st, want 1 or 2" ;;
	esac
	[ -s "$WORK/refuse.err" ] || fail "$what: no message on stderr"
	[ "$(wc -l <"$WORK/refuse.err")" -le 5 ] || fail "$what: more than a few lines of messages"
	[ -e "$out" ] && fail "$what: $out was left behind"
	return 0
}

refuse "bad filter expression" "$WORK/bad-filter.pcapng" -o "$WORK/bad-filter.pcapng" tcp port nonsense
grep -qi 'filter\|expression\|syntax' "$WORK/refuse.err" || fail "bad filter: the message does not name the filter"
refuse "unknown interface" "$WORK/no-iface.pcapng" -o "$WORK/no-iface.pcapng" -i nosuch0
grep -q 'nosuch0' "$WORK/refuse.err" || fail "unknown interface: the message does not name nosuch0"
refuse "output directory missing" "$WORK/missing/x.pcapng" -o "$WORK/missing/x.pcapng"

ln -s "$WORK/target.pcapng" "$WORK/link.pcapng"
ip netns exec "$NSA" timeout -k 2 15 "$NETREC" -o "$WORK/link.pcapng" --duration 1 >/dev/null 2>"$WORK/link.err"
st=$?
say "output through a symlink: exit $st: $(head -2 "$WORK/link.err" | tr '\n' ' ')"
[ -e "$WORK/target.pcapng" ] && fail "netrec wrote through the symlink $WORK/link.pcapng"
[ "$st" = 1 ] || [ "$st" = 2 ] || fail "output through a symlink: exit status $st, want 1 or 2"

if command -v setpriv >/dev/null; then
	ip netns exec "$NSA" timeout -k 2 15 setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all "$NETREC" -o /tmp/netrec-e2e-nobody.$$.pcapng \
		>/dev/null 2>"$WORK/nobody.err"
	st=$?
	say "without privileges: exit $st: $(cat "$WORK/nobody.err" | tr '\n' ' ')"
	[ "$st" = 1 ] || [ "$st" = 2 ] || fail "without privileges: exit status $st, want 1 or 2"
	[ "$(grep -c . "$WORK/nobody.err")" = 1 ] || fail "without privileges: want one line, have $(grep -c . "$WORK/nobody.err")"
	grep -q 'CAP_' "$WORK/nobody.err" || fail "without privileges: the message does not name the capability"
	if [ -e /tmp/netrec-e2e-nobody.$$.pcapng ]; then
		fail "without privileges: a file was left behind"
		rm -f /tmp/netrec-e2e-nobody.$$.pcapng
	fi
else
	say "setpriv is not installed: the unprivileged case is not checked"
fi

if command -v zstd >/dev/null; then
	say "== .zst output"
	f=$WORK/comp.pcapng.zst
	exp=$WORK/comp.expect
	server "$NSB" "$B4" 8080 nr-server --reply 3000
	swait=$SRV_WAIT
	nr_start "$NSA" "$f"
	sleep 2
	client "$NSA" "$B4" 8080 nr-client --send 3000
	peer_wait "$CLI_WAIT" "client"
	peer_wait "$swait" "server"
	sleep 0.5
	nr_stop TERM
	[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
	zstd -q -t "$f" || fail "$f is not a valid zstd stream"
	[ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' ')" = 28b52ffd ] || fail "$f does not start with the zstd magic"
	check_readable "$f"
	cpid=$(grep '^connect ' "$CLI_OUT" | kv pid)
	cport=$(grep '^connect ' "$CLI_OUT" | kv local | sed 's/.*://')
	expect "$exp" "tcp/$A4/$cport" "$cpid" "$cpid" nr-client
	attribution "$f" "$exp"
fi
e2e_finish

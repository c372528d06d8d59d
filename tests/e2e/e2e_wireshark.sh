#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The Wireshark plugin (netrec.lua) and profile on a fresh recording. Three
# client processes of known pid in the client's namespace: nr-client (IPv4,
# sends data), nr-other (IPv6) and nr-refused (a refused connection, which
# gives an ECONNREFUSED socket error); netrec and tcpdump record there at the
# same time. Checked with tshark loading the plugin:
#   - `netrec.pid == N` selects exactly the packets of N's connection: the
#     same segments as tcpdump's capture of N's ports (ports N reported
#     itself), and nothing else; `netrec.comm == "NAME"` the same frames;
#   - journal records: `netrec.pid == N` selects exactly the entries whose
#     _PID the journal dissector shows as N, and every event field equals the
#     entry's text (tests/ui/ws_fields.py, which also compares every
#     packet's annotation fields with the file's bytes);
#   - the "netrec" profile, installed for a user as scripts/run.sh does:
#     `tshark -C netrec -T fields -e _ws.col.Process` shows comm[pid].
. "$(dirname "$0")/lib.sh"
e2e_init python3
LUA=${NETREC_LUA:-${B:+$B/wireshark/netrec.lua}}
[ -n "$LUA" ] && [ -f "$LUA" ] || skip "the plugin was not built (NETREC_LUA=$LUA)"
SRC=${NETREC_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
# A home of our own: no personal plugin or profile of the machine's user
# interferes, and the profile is installed into it as a user would.
export HOME=$WORK/home
mkdir -p "$HOME"
ts() { tshark -X lua_script:"$LUA" "$@" 2>/dev/null; }

f=$WORK/ws.pcapng
td=$WORK/ws.tcpdump.pcap
server "$NSB" "$B4" 8080 nr-server --reply 30000
s4=$SRV_WAIT
server "$NSB" "$B6" 8443 nr-server6 --reply 5000
s6=$SRV_WAIT
td_start "$NSA" va "$td" tcp
nr_start "$NSA" "$f"
nr_wait_ready "$f" "$NSB" "$A4"
client "$NSA" "$B4" 8080 nr-client --send 20000
c1=$CLI_WAIT c1out=$CLI_OUT
client "$NSA" "$B6" 8443 nr-other --send 3000
c2=$CLI_WAIT c2out=$CLI_OUT
client "$NSA" "$B4" 7 nr-refused --refused --bind-port 40017
c3=$CLI_WAIT c3out=$CLI_OUT
peer_wait "$c1" "nr-client"
peer_wait "$c2" "nr-other"
peer_wait "$c3" "nr-refused"
peer_wait "$s4" "server"
peer_wait "$s6" "server (IPv6)"
sleep 0.5
nr_stop TERM
td_stop
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS"
check_readable "$f"

read -r p1 _ port1 < <(conn_ids "$c1out")
read -r p2 _ port2 < <(conn_ids "$c2out")
p3=$(kv pid <"$c3out" | head -1)
port3=40017
say "nr-client pid $p1 port $port1; nr-other pid $p2 port $port2; nr-refused pid $p3 port $port3"
[ -n "$port1" ] && [ -n "$port2" ] && [ -n "$p3" ] || die "a client did not report its pid and port"

# Every annotation and event field against the file's bytes and the journal.
say "== every field against the file and the journal entries"
if python3 "$SRC/tests/ui/ws_fields.py" "$LUA" "$f" >"$WORK/fields.out" 2>&1; then
	ok "$(head -1 "$WORK/fields.out")"
else
	fail "plugin fields differ from the file: $(head -20 "$WORK/fields.out")"
fi

SEG='-T fields -e tcp.srcport -e tcp.dstport -e tcp.seq_raw -e tcp.ack_raw -e tcp.flags -e tcp.len'
# select PID NAME PORT PEERPORT: netrec.pid == PID selects the same segments
# as tcpdump's capture of PORT <-> PEERPORT, and only frames on those ports.
select_pid() {
	local pid=$1 name=$2 port=$3 pport=$4 n total other
	ts -r "$f" -Y "netrec.pid == $pid && tcp" $SEG | sort >"$WORK/sel.$pid"
	tshark -r "$td" -Y "tcp.port == $port && tcp.port == $pport" $SEG 2>/dev/null | sort >"$WORK/ref.$pid"
	n=$(wc -l <"$WORK/sel.$pid")
	total=$(wc -l <"$WORK/ref.$pid")
	other=$(ts -r "$f" -Y "netrec.pid == $pid && sll && !(tcp.port == $port && tcp.port == $pport)" | wc -l)
	say "netrec.pid == $pid ($name): $n packets; tcpdump has $total on port $port; other packets selected: $other"
	[ "$total" -gt 0 ] || fail "tcpdump saw no packet of $name"
	cmp -s "$WORK/sel.$pid" "$WORK/ref.$pid" || {
		fail "netrec.pid == $pid does not select exactly $name's segments"
		diff "$WORK/sel.$pid" "$WORK/ref.$pid" | head -6 | sed 's/^/  /'
	}
	[ "$other" = 0 ] || fail "netrec.pid == $pid selects $other packets not on $name's connection"
	# the command name selects the same frames
	local a b
	a=$(ts -r "$f" -Y "netrec.pid == $pid" -T fields -e frame.number | md5sum)
	b=$(ts -r "$f" -Y "netrec.comm == \"$name\"" -T fields -e frame.number | md5sum)
	[ "$a" = "$b" ] || fail "netrec.comm == \"$name\" and netrec.pid == $pid select different frames"
	# journal records: the same as the journal dissector's own _PID
	a=$(ts -r "$f" -Y "netrec.pid == $pid && systemd_journal" -T fields -e frame.number | tr '\n' ' ')
	b=$(tshark -r "$f" -Y "systemd_journal.pid == $pid" -T fields -e frame.number 2>/dev/null | tr '\n' ' ')
	say "  journal records of $pid: ${a:-none}"
	[ -n "$b" ] || fail "no journal record names $name"
	[ "$a" = "$b" ] || fail "netrec.pid == $pid selects journal frames '$a', _PID says '$b'"
}
say "== netrec.pid selects each process's packets"
select_pid "$p1" nr-client "$port1" 8080
select_pid "$p2" nr-other "$port2" 8443
select_pid "$p3" nr-refused "$port3" 7

# The refused connection's error, by name.
e=$(ts -r "$f" -Y 'netrec.event == "sk_error" && netrec.errno.name == "ECONNREFUSED"' \
	-T fields -e netrec.pid -e netrec.errno -e netrec.local.port | sort -u)
say "sk_error ECONNREFUSED events (pid errno port): ${e:-none}"
[ "$e" = "$p3	111	$port3" ] || fail "want one ECONNREFUSED error of $p3 on port $port3, have '${e:-none}'"

say "== the netrec profile, installed for this user"
bash "$SRC/scripts/wireshark-user.sh" "$LUA" >"$WORK/install.out" 2>&1 ||
	fail "scripts/wireshark-user.sh failed: $(cat "$WORK/install.out")"
cat "$WORK/install.out"
col=$(tshark -C netrec -r "$f" -Y "tcp.port == $port1" -T fields -e _ws.col.Process 2>/dev/null | sort | uniq -c)
say "Process column of nr-client's packets (tshark -C netrec): $(echo $col)"
[ "$(echo $col | awk '{ print $2 }')" = "nr-client[$p1]" ] && [ "$(printf '%s\n' "$col" | wc -l)" = 1 ] ||
	fail "the Process column does not show nr-client[$p1] on every packet of its connection"
evc=$(tshark -C netrec -r "$f" -Y "systemd_journal.pid == $p3" -T fields -e _ws.col.Event 2>/dev/null | sort -u | tr '\n' ' ')
want=$(tshark -r "$f" -Y "systemd_journal.pid == $p3" -T fields -e systemd_journal.field.name \
	-e systemd_journal.field.value -E occurrence=a 2>/dev/null | python3 -c '
import sys
out = set()
for line in sys.stdin:
    names, values = line.rstrip("\n").split("\t")
    d = dict(zip(names.split(","), values.split(",")))
    out.add(d.get("NETREC_EVENT", ""))
print(" ".join(sorted(out)))')
say "Event column of nr-refused's records: $evc (journal: $want)"
[ "$(echo $evc)" = "$(echo $want)" ] || fail "the Event column does not show the journal's NETREC_EVENT"
e2e_finish

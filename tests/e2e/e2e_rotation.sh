#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Rotation as tcpdump does it. `-C 1 -W 3`: files of about one megabyte, the
# three newest kept. `-G 1` with a strftime name: a new file every second.
# Every file must be a complete pcapng on its own (tshark, tcpdump and our
# reader read it to the end; it has its interfaces, the clock (SHB option), the
# process records of the processes it names before they are named, and the
# statistics at its end) and its packets carry their owners.
. "$(dirname "$0")/lib.sh"
e2e_init

PORT=8080

# check_piece FILE EXPECTFILE SERVERPORT: one rotated file.
check_piece() {
	local f=$1 exp=$2 sport=$3 pids p first_proc first_use
	say "-- $(basename "$f"): $(stat -c %s "$f") bytes"
	check_readable "$f" empty-ok
	dump "$f" | head -1 | grep -q '^shb ' || fail "$f does not start with a section header"
	dump "$f" | grep -q '^idb ' || fail "$f has no interface description"
	dump "$f" | grep -q '^clock ' || fail "$f has no clock in its SHB"
	dump "$f" | grep -q '^stats ' || fail "$f has no statistics block"
	dump "$f" | grep -q '^isb ' || fail "$f has no interface statistics"
	# nothing but statistics after the statistics block
	dump "$f" | sed '1,/^stats /d' | grep -qE '^(pkt|ev|proc) ' && fail "$f: records after the statistics"
	# every pid named has its process record earlier in the same file
	pids=$(dump "$f" | grep -E '^(pkt|ev) ' | kv pid | grep -v '^-$' | sort -u)
	for p in $pids; do
		first_proc=$(dump "$f" | grep -n "^proc .* pid=$p " | head -1 | cut -d: -f1)
		first_use=$(dump "$f" | grep -nE "^(pkt|ev) .* pid=$p " | head -1 | cut -d: -f1)
		[ -n "$first_proc" ] && [ "$first_proc" -lt "$first_use" ] ||
			fail "$f: no process record for $p before it is named"
	done
	if dump "$f" | grep -qE "^pkt .* (sport|dport)=$sport "; then
		attribution "$f" "$exp"
	else
		say "no packets of the test's connections in this file"
	fi
}

say "== -C 1 -W 3"
dir=$WORK/bysize
mkdir -p "$dir"
server "$NSB" "$B4" "$PORT" nr-server --reply 1000
swait=$SRV_WAIT
nr_start "$NSA" "$dir/size.pcapng" -C 1 -W 3
# readiness on the first file, whatever its name
first=""
for i in $(seq 100); do
	first=$(ls "$dir" | head -1)
	[ -n "$first" ] && break
	sleep 0.1
done
[ -n "$first" ] || fail "no file in $dir"
[ -n "$first" ] && nr_wait_ready "$dir/$first" "$NSB" "$A4"
client "$NSA" "$B4" "$PORT" nr-client --send 4000000
peer_wait "$CLI_WAIT" "client" || cat "$CLI_ERR"
peer_wait "$swait" "server"
sleep 0.5
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
cpid=$(grep '^connect ' "$CLI_OUT" | kv pid)
cport=$(grep '^connect ' "$CLI_OUT" | kv local | sed 's/.*://')
expect "$WORK/size.expect" "tcp/$A4/$cport" "$cpid" "$cpid" nr-client
files=$(ls "$dir")
say "files: $(echo $files)"
n=$(ls "$dir" | wc -l)
[ "$n" = 3 ] || fail "-C 1 -W 3 after more than 4 MB: want 3 files, have $n"
small=0
for x in $files; do
	check_piece "$dir/$x" "$WORK/size.expect" "$PORT"
	sz=$(stat -c %s "$dir/$x")
	# tcpdump starts a new file once the current one has passed the limit,
	# so a file exceeds it by one packet at most; allow the largest packet
	# block of the file and 4 KiB for the statistics and events at its end
	maxblk=$(dump "$dir/$x" | grep '^pkt ' | kv caplen | sort -n | tail -1)
	lim=$((1000000 + ${maxblk:-0} + 512 + 4096))
	[ "$sz" -le "$lim" ] || fail "$x: $sz bytes: more than -C 1 (1,000,000 bytes) and one packet ($lim)"
	[ "$sz" -lt 900000 ] && small=$((small + 1))
done
# only the file being written when netrec stopped may be short of 1 MB
[ "$small" -le 1 ] || fail "$small files hold less than 900,000 bytes: rotated well before 1 MB"

say "== -G 1"
dir=$WORK/bytime
mkdir -p "$dir"
server "$NSB" "$B4" 8081 nr-server --reply 1000 --count 12
swait=$SRV_WAIT
nr_start "$NSA" "$dir/t-%Y%m%d-%H%M%S.pcapng" -G 1
first=""
for i in $(seq 100); do
	first=$(ls "$dir" | head -1)
	[ -n "$first" ] && break
	sleep 0.1
done
[ -n "$first" ] || fail "no file in $dir"
for i in $(seq 12); do
	client "$NSA" "$B4" 8081 nr-client --send 2000
	peer_wait "$CLI_WAIT" "client $i"
	expect "$WORK/time.expect" "tcp/$A4/$(grep '^connect ' "$CLI_OUT" | kv local | sed 's/.*://')" \
		"$(grep '^connect ' "$CLI_OUT" | kv pid)" - nr-client
	sleep 0.3
done
peer_wait "$swait" "server"
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
files=$(ls "$dir")
say "files: $(echo $files)"
n=$(ls "$dir" | wc -l)
[ "$n" -ge 3 ] || fail "-G 1 over about 4 s: want at least 3 files, have $n"
for x in $files; do
	case $x in t-2[0-9][0-9][0-9][01][0-9][0-3][0-9]-[0-2][0-9][0-5][0-9][0-6][0-9].pcapng) ;;
	*) fail "$x: not named by the strftime pattern t-%Y%m%d-%H%M%S.pcapng" ;;
	esac
	check_piece "$dir/$x" "$WORK/time.expect" 8081
done
e2e_finish

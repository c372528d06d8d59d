#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Standard tools read a netrec file's statistics as they read tcpdump's.
# netrec and tcpdump record the same exchange (a TCP connection with data,
# and pings) in the client's namespace. Then:
#   - every field capinfos prints for tcpdump's capture it also prints for
#     netrec's (first/last packet time, duration, rates, time order, ...),
#     with a value ("Strict time order" too, its value shown: §8 orders
#     records only within a reorder window);
#   - every interface of netrec's file has its statistics entry (ISB), and
#     the ISBs' packet counts add up to the packets capinfos counts;
#   - no record in tshark's packet list is without a timestamp (a block
#     without one, such as a custom block, would be a row of its own that
#     Wireshark measures relative times from);
#   - our reader and netanalyze still find netrec's statistics (docs/format.md
#     §7: a custom option of the first ISB), with the packet count the file
#     holds.
. "$(dirname "$0")/lib.sh"
e2e_init capinfos sqlite3
[ -n "$NETANALYZE" ] && [ -x "$NETANALYZE" ] || skip "netanalyze not built"

f=$WORK/ci.pcapng
td=$WORK/ci.tcpdump.pcap
server "$NSB" "$B4" 8080 nr-server --reply 20000
s4=$SRV_WAIT
td_start "$NSA" va "$td" tcp or icmp
nr_start "$NSA" "$f"
nr_wait_ready "$f" "$NSB" "$A4"
client "$NSA" "$B4" 8080 nr-client --send 10000
c1=$CLI_WAIT
run_ping ping -c 3 -i 0.2 "$B4"
peer_wait "$c1" "nr-client"
peer_wait "$s4" "server"
sleep 0.3
nr_stop TERM
td_stop
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS"
check_readable "$f"

# fields FILE: "Name<TAB>value" for every line capinfos prints, interface
# lines ("   Name = value") as "if:Name".
fields() {
	capinfos "$1" 2>/dev/null | awk '
		/^[A-Za-z]/ { i = index($0, ":"); if (!i) next
			k = substr($0, 1, i - 1); v = substr($0, i + 1)
			sub(/^[ \t]+/, "", v); print k "\t" v; next }
		/^[ \t]+[A-Za-z].* = / { i = index($0, " = "); k = substr($0, 1, i - 1)
			sub(/^[ \t]+/, "", k); print "if:" k "\t" substr($0, i + 3) }' | sort -u
}
fields "$td" >"$WORK/td.fields"
fields "$f" >"$WORK/nr.fields"
say "== capinfos fields of tcpdump's capture, and netrec's value of each"
missing=0
while IFS=$'\t' read -r k v; do
	case $k in "File name" | SHA* | RIPEMD160) continue ;; esac
	before=$E2E_FAILED; E2E_FAILED=0
	nv=$(awk -F'\t' -v k="$k" '$1 == k { print $2; exit }' "$WORK/nr.fields")
	say "  $k: tcpdump [$v] netrec [$nv]"
	if ! grep -q "^$k	" "$WORK/nr.fields"; then
		fail "capinfos prints \"$k\" for tcpdump's capture, not for netrec's"
		missing=$((missing + 1))
		E2E_FAILED=1
		continue
	fi
	# a pcapng file has no file-wide snapshot length: capinfos prints
	# "(not set)" for every pcapng file, dumpcap's too; the interfaces'
	# "Capture length" carries it (checked as an interface field)
	case $nv in
	*"(not set)"*) [ "$k" = "Packet size limit" ] || fail "$k is not set for netrec's file" ;;
	"") case $k in "Interface #"*" info") ;; *) fail "capinfos has no value for \"$k\" of netrec's file" ;; esac ;;
	Unknown | n/a) fail "capinfos has no value for \"$k\" of netrec's file" ;;
	esac
	[ "$E2E_FAILED" = 0 ] || missing=$((missing + 1))
	[ "$before" = 0 ] || E2E_FAILED=1
done <"$WORK/td.fields"
[ "$missing" = 0 ] && ok "every field capinfos prints for tcpdump's capture it prints for netrec's"
for k in "Capture duration" "First packet time" "Last packet time" "Strict time order"; do
	grep -q "^$k	" "$WORK/td.fields" || fail "capinfos has no \"$k\" even for tcpdump's capture"
done
# "Strict time order" is printed for both (above), but its value is not
# compared: docs/format.md §8 writes records in time order only within a
# 150 ms reorder window, and a record delivered later than that (a loaded
# machine) is written as it comes, so netrec's file may say False where
# tcpdump's says True. The largest step back in file order is shown.
tdo=$(awk -F'\t' '$1 == "Strict time order" { print $2 }' "$WORK/td.fields")
nro=$(awk -F'\t' '$1 == "Strict time order" { print $2 }' "$WORK/nr.fields")
back=$(tshark -r "$f" -T fields -e frame.time_epoch 2>/dev/null |
	awk 'NR > 1 && $1 < max { d = max - $1; if (d > m) m = d } $1 > max { max = $1 } END { printf "%.6f", m + 0 }')
say "strict time order: netrec $nro (largest step back ${back} s), tcpdump $tdo"

say "== interface statistics"
nif=$(capinfos "$f" 2>/dev/null | awk '/^Number of interfaces in file:/ { print $NF }')
nst=$(capinfos "$f" 2>/dev/null | grep -c 'Number of stat entries = 1$')
say "interfaces $nif, with one statistics entry: $nst"
[ -n "$nif" ] && [ "$nif" -gt 0 ] && [ "$nif" = "$nst" ] || fail "not every interface has its statistics block"
# isb_usrdeliv of all ISBs: the packets the file holds
npk=$(capinfos -c -M "$f" 2>/dev/null | awk -F': *' '/^Number of packets/ { print $2 }')
tshark -r "$f" -X read_format:"MIME Files Format" -V >"$WORK/mime.txt" 2>/dev/null
usr=$(awk '/Option: Number of Packets Delivered to the User = / { s += $NF } END { print s + 0 }' "$WORK/mime.txt")
say "isb_usrdeliv total $usr, capinfos packets $npk"
[ "$usr" = "$npk" ] || fail "the ISBs deliver $usr packets, the file holds $npk"
for o in "Start Time (2)" "End Time (3)" "Number of Received Packets (4)" "Number of Dropped Packets (5)" \
	"Number of Packets Dropped by OS (7)" "Number of Packets Delivered to the User (8)"; do
	n=$(grep -cF "Code: $o" "$WORK/mime.txt")
	[ "$n" = "$nif" ] || fail "$n ISB options \"$o\" in netrec's file, $nif interfaces"
done

say "== tshark's packet list"
nots=$(tshark -r "$f" -T fields -e frame.number -e frame.time_epoch 2>/dev/null | awk -F'\t' '$2 == "" || $2 == "0.000000000"' | wc -l)
rows=$(tshark -r "$f" 2>/dev/null | wc -l)
say "rows $rows, without a timestamp: $nots"
[ "$nots" = 0 ] || fail "$nots rows without a timestamp in tshark's packet list"

say "== our readers"
st=$(dump "$f" | grep '^stats ')
say "nrdump: $st"
[ "$(printf '%s\n' "$st" | grep -c .)" = 1 ] || fail "nrdump finds $(printf '%s\n' "$st" | grep -c .) statistics records, not 1"
[ "$(printf '%s\n' "$st" | kv packets)" = "$npk" ] || fail "statistics say $(printf '%s\n' "$st" | kv packets) packets, the file holds $npk"
db=$WORK/ci.db
"$NETANALYZE" --db "$db" "$f" >/dev/null 2>"$WORK/na.err" || fail "netanalyze: $(cat "$WORK/na.err")"
nw=$(sqlite3 "$db" 'SELECT nr_packets_written FROM files' 2>&1)
say "netanalyze files.nr_packets_written: $nw"
[ "$nw" = "$npk" ] || fail "netanalyze reads nr_packets_written $nw, the file holds $npk"

[ "$E2E_FAILED" = 0 ] && say "PASS: $E2E_NAME"
exit "$E2E_FAILED"

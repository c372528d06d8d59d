#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# netanalyze --html in a real headless browser (Debian's chromium): each page
# loads from a file:// URL with no console message (a page that does log one
# is loaded first, to show that they are caught), refers to nothing outside
# itself, and holds the expected number of elements, counted by tshark on
# the same capture:
#   - the netrec sample: one bar per TCP stream, one mark per kernel event,
#     one RTT per stream with an initial RTT;
#   - a bulk transfer (--conn 1): one segment line per data/SYN/FIN segment
#     of the client, the retransmissions and the SACK-carrying ACKs marked;
#   - hostile process names: escaped, no element injected;
#   - 100,000 connections: aggregated, every connection counted once.
# Screenshots go to OUTDIR.
#   test_html.sh NETANALYZE SAMPLES_DIR OUTDIR [CONNECTIONS]
set -u
na=$1 samples=$2 out=$3 nbig=${4:-100000}
src=${NETREC_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
for t in chromium tshark python3; do
	command -v $t >/dev/null 2>&1 ||
		{ echo "SKIP: $t is not installed (scripts/deps.sh test installs it)"; exit 77; }
done
mkdir -p "$out"
work=$(mktemp -d /tmp/netrec-ui-html.XXXXXX)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# chromium PAGE [extra flags]: loads file://PAGE headless; the DOM after
# load goes to PAGE.dom, console messages (chromium's log) to PAGE.console.
chrome() {
	local page=$1; shift
	rm -rf "$work/profile"
	timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run \
		--user-data-dir="$work/profile" --enable-logging=stderr --v=0 \
		"$@" "file://$page" >"$page.dom" 2>"$page.log"
	local rc=$?
	grep ':CONSOLE' "$page.log" >"$page.console"
	return $rc
}
count() { grep -o "$2" "$1" | wc -l; }

# 0. the console check works: a page that logs an error is caught
printf '<!DOCTYPE html><p>x</p><script>console.error("marker")</script>\n' >"$work/control.html"
chrome "$work/control.html" --dump-dom
[ -s "$work/control.html.console" ] || fail "a console.error is not seen in chromium's log: the check below would be blind"

# page_ok PAGE WHAT: loaded, no console message, nothing fetched or run
page_ok() {
	local page=$1 what=$2 ext
	[ -s "$page.dom" ] || fail "$what: chromium produced no DOM: $(tail -3 "$page.log")"
	[ -s "$page.console" ] && fail "$what: console messages: $(head -3 "$page.console")"
	ext=$(grep -oiE '<[a-z][^>]*[[:space:]/](src|href|action|xlink:href)=|url\([^#]|@import|<(script|iframe|img|link|object|embed)' \
		"$page" | sort -u | tr '\n' ' ')
	[ -z "$ext" ] || fail "$what: the page refers to something outside itself or runs code: $ext"
}

cap=$samples/netrec-tcp.pcapng
echo "== the netrec sample"
"$na" "$cap" -q --html "$work/sample.html" || fail "netanalyze --html failed on $cap"
chrome "$work/sample.html" --dump-dom
page_ok "$work/sample.html" "sample"
bars=$(count "$work/sample.html.dom" 'class="conn ')
streams=$(tshark -r "$cap" -Y tcp -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
marks=$(count "$work/sample.html.dom" 'class="ev ')
events=$(tshark -r "$cap" -Y 'systemd_journal.field.value == "tcp_event"' 2>/dev/null | wc -l)
rtts=$(grep -o 'class="rttbin" data-n="[0-9]*"' "$work/sample.html.dom" | grep -o '[0-9]*"$' | tr -d '"' | paste -sd+ | bc)
irtt=$(tshark -r "$cap" -Y tcp.analysis.initial_rtt -T fields -e tcp.stream 2>/dev/null | sort -u | wc -l)
echo "bars $bars (tshark: $streams TCP streams); event marks $marks (journal: $events TCP events); RTTs $rtts (tshark: $irtt streams with an initial RTT)"
[ "$bars" = "$streams" ] && [ "$streams" -gt 0 ] || fail "sample: $bars bars, tshark $streams streams"
[ "$marks" = "$events" ] && [ "$events" -gt 0 ] || fail "sample: $marks event marks, $events events"
[ "${rtts:-0}" = "$irtt" ] || fail "sample: $rtts RTTs in the histograms, tshark $irtt"
chrome "$work/sample.html" --screenshot="$out/html-report.png" --window-size=1400,900 >/dev/null
[ -s "$out/html-report.png" ] && echo "screenshot: $out/html-report.png" || fail "no screenshot of the sample report"

echo "== a bulk transfer, time-sequence graph (--conn 1)"
python3 "$src/tests/ui/mkcap.py" bulk "$work/bulk.pcap"
"$na" "$work/bulk.pcap" -q --html "$work/bulk.html" --conn 1 || fail "netanalyze --html --conn 1 failed"
chrome "$work/bulk.html" --dump-dom
page_ok "$work/bulk.html" "bulk"
segs=$(count "$work/bulk.html.dom" 'class="seg')
tsegs=$(tshark -r "$work/bulk.pcap" -Y 'tcp.srcport == 40000 && (tcp.len > 0 || tcp.flags.syn == 1 || tcp.flags.fin == 1)' 2>/dev/null | wc -l)
rets=$(count "$work/bulk.html.dom" 'class="seg retrans')
trets=$(tshark -r "$work/bulk.pcap" -Y 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission' 2>/dev/null | wc -l)
sacks=$(count "$work/bulk.html.dom" 'class="sack"')
tsacks=$(tshark -r "$work/bulk.pcap" -Y 'tcp.srcport == 80 && tcp.options.sack_le' 2>/dev/null | wc -l)
echo "segments $segs (tshark $tsegs), retransmissions $rets (tshark $trets), SACK ACKs $sacks (tshark $tsacks)"
[ "$segs" = "$tsegs" ] && [ "$tsegs" -gt 0 ] || fail "bulk: $segs segment lines, tshark $tsegs segments"
[ "$rets" = "$trets" ] && [ "$trets" -gt 0 ] || fail "bulk: $rets retransmissions marked, tshark $trets"
[ "$sacks" = "$tsacks" ] && [ "$tsacks" -gt 0 ] || fail "bulk: $sacks SACK marks, tshark $tsacks"
grep -q 'class="ack"' "$work/bulk.html.dom" && grep -q 'class="win"' "$work/bulk.html.dom" ||
	fail "bulk: no ACK or window line"
chrome "$work/bulk.html" --screenshot="$out/html-tsg.png" --window-size=1300,1400 >/dev/null
[ -s "$out/html-tsg.png" ] && echo "screenshot: $out/html-tsg.png" || fail "no screenshot of the graph"

echo "== hostile process names"
python3 "$src/tests/ui/mkcap.py" hostile "$work/hostile.pcapng"
"$na" "$work/hostile.pcapng" -q --html "$work/hostile.html" || fail "netanalyze --html failed on hostile names"
chrome "$work/hostile.html" --dump-dom
page_ok "$work/hostile.html" "hostile"
grep -c '<img\|<script' "$work/hostile.html.dom" | grep -qx 0 || fail "hostile: an element was injected into the page"
grep -q '&lt;img/src=x/onerror=alert(1)&gt;\[4200\]' "$work/hostile.html.dom" ||
	fail "hostile: the process name is not shown as text"
grep -q '"&gt;&lt;script&gt;alert(2)&lt;/script&gt;&amp;amp;\[4201\]' "$work/hostile.html.dom" ||
	fail "hostile: the second process name is not shown as text"

echo "== $nbig connections"
python3 "$src/tests/ui/mkcap.py" many "$nbig" "$work/many.pcap"
t0=$(date +%s.%N)
"$na" "$work/many.pcap" -q --html "$work/many.html" || fail "netanalyze --html failed on $nbig connections"
t1=$(date +%s.%N)
size=$(stat -c %s "$work/many.html")
chrome "$work/many.html" --dump-dom
page_ok "$work/many.html" "$nbig connections"
syns=$(tshark -r "$work/many.pcap" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' 2>/dev/null | wc -l)
total=$(grep -o 'class="bin [^"]*" data-n="[0-9]*"' "$work/many.html.dom" | grep -o '[0-9]*"$' | tr -d '"' | paste -sd+ | bc)
declared=$(grep -o 'data-connections="[0-9]*"' "$work/many.html.dom" | grep -o '[0-9]*')
rows=$(grep -o 'data-rows="[0-9]*"' "$work/many.html.dom" | grep -o '[0-9]*')
bars=$(count "$work/many.html.dom" 'class="conn ')
echo "page $size bytes in $(echo "$t1 - $t0" | bc) s; connections $declared, binned $total (tshark: $syns SYNs); $rows rows; single bars $bars"
[ "$declared" = "$syns" ] && [ "${total:-0}" = "$syns" ] || fail "$nbig connections: page counts $declared/$total, tshark $syns"
[ "$bars" = 0 ] || fail "$nbig connections: $bars single bars (should be aggregated)"
[ "$size" -lt 16000000 ] || fail "$nbig connections: page of $size bytes"
chrome "$work/many.html" --screenshot="$out/html-100k.png" --window-size=1400,900 >/dev/null
[ -s "$out/html-100k.png" ] && echo "screenshot: $out/html-100k.png" || fail "no screenshot of the large report"

[ $failed = 0 ] && echo PASS
exit $failed

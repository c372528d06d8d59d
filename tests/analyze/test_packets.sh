#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# netanalyze --packets against tcpdump and tshark on the same files:
#   - every TCP packet's line (time of day in UTC to the ns, direction, source
#     and destination address and port, flags, payload length) equals what
#     tcpdump prints for it, on a netrec recording (SLL2: tcpdump prints the
#     direction too), on tcpdump's own capture of the same traffic and on two
#     hand-built captures (tests/ui/mkcap.py);
#   - the bracketed annotations equal Wireshark's analysis flags of each frame
#     (retransmission and its class, duplicate ACK, zero window, ...);
#   - the filters select what tcpdump's filter of the same meaning selects
#     (--port, --host), --pid what the packet comments name, --since/--until
#     a time range; csv/jsonl give one row per packet;
#   - -e shows each IPv4 packet's TTL and IP length as tshark reads them;
#   - with -e the process and interface names from the capture are escaped.
# Usage: test_packets.sh NETANALYZE MKCAP SAMPLES
set -u
NA=$1 MKCAP=$2 SAMPLES=$3
for t in tcpdump tshark capinfos python3; do
	command -v "$t" >/dev/null || { echo "SKIP: $t is not installed (scripts/deps.sh test)"; exit 77; }
done
W=$(mktemp -d /tmp/netanalyze-packets.XXXXXX)
trap 'rm -rf "$W"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }
ok() { echo "ok: $*"; }

python3 "$MKCAP" stall "$W/stall.pcap" || exit 1
python3 "$MKCAP" bulk "$W/bulk.pcap" || exit 1

# tcpdump's view: "time dir src sport dst dport flags length" per TCP packet
td_lines() {
	TZ=UTC tcpdump -n -tttt --time-stamp-precision=nano -r "$1" "${2:-tcp}" 2>/dev/null | awk '{
		dir = "-"; ip = 0
		for (i = 3; i <= NF; i++) if ($i == "IP" || $i == "IP6") { ip = i; break }
		if (!ip) next
		if ($(ip - 1) == "Out") dir = "out"; else if ($(ip - 1) == "In") dir = "in"
		s = $(ip + 1); d = $(ip + 3); sub(/:$/, "", d)
		sp = s; sub(/.*\./, "", sp); sub(/\.[0-9]+$/, "", s)
		dp = d; sub(/.*\./, "", dp); sub(/\.[0-9]+$/, "", d)
		fl = ""; len = ""
		for (i = ip + 4; i <= NF; i++) {
			if ($i == "Flags") { fl = $(i + 1); gsub(/[][,]/, "", fl) }
			if ($i == "length") { len = $(i + 1); sub(/[^0-9].*/, "", len) }
		}
		print $2, dir, s, sp, d, dp, fl, len
	}'
}
# ours, in the same words
na_lines() {
	awk '$0 ~ / TCP \[/ {
		dir = $4; a = $5; op = $6; b = $7
		if (op == "<") { t = a; a = b; b = t }
		ap = a; sub(/.*:/, "", ap); sub(/:[0-9]+$/, "", a); gsub(/[][]/, "", a)
		bp = b; sub(/.*:/, "", bp); sub(/:[0-9]+$/, "", b); gsub(/[][]/, "", b)
		fl = ""; len = ""
		for (i = 8; i <= NF; i++) {
			if ($i == "TCP") { fl = $(i + 1); gsub(/[][]/, "", fl) }
			if ($i == "length") len = $(i + 1)
		}
		print $1, dir, a, ap, b, bp, fl, len
	}'
}

say_diff() { diff "$1" "$2" | head -10; }

for f in "$SAMPLES/netrec-tcp.pcapng" "$SAMPLES/veth-tcp.pcap" "$W/stall.pcap" "$W/bulk.pcap"; do
	n=$(basename "$f")
	td_lines "$f" >"$W/$n.td"
	"$NA" -q "$f" --packets >"$W/$n.out" 2>"$W/$n.err" || fail "$n: netanalyze: $(cat "$W/$n.err")"
	na_lines <"$W/$n.out" >"$W/$n.na"
	c=$(wc -l <"$W/$n.td")
	[ "$c" -gt 10 ] || fail "$n: tcpdump shows only $c TCP packets"
	if cmp -s "$W/$n.td" "$W/$n.na"; then
		ok "$n: $c TCP packets, each line as tcpdump's (time, direction, ends, flags, length)"
	else
		fail "$n: the listing differs from tcpdump's:"; say_diff "$W/$n.td" "$W/$n.na"
	fi
	# every packet once, in time order
	all=$(capinfos -M -c "$f" 2>/dev/null | awk '/^Number of packets/ { print $NF }')
	[ "$(wc -l <"$W/$n.out")" = "$all" ] || fail "$n: $(wc -l <"$W/$n.out") lines, capinfos counts $all packets"
	sort -s -k1,1 "$W/$n.out" | cmp -s - "$W/$n.out" || fail "$n: lines not in time order"
done

# Wireshark's analysis flags, per frame, in the listing's words and order
AFIELDS='-e tcp.analysis.retransmission -e tcp.analysis.fast_retransmission -e tcp.analysis.spurious_retransmission -e tcp.analysis.out_of_order -e tcp.analysis.keep_alive -e tcp.analysis.duplicate_ack -e tcp.analysis.zero_window'
for f in "$W/stall.pcap" "$W/bulk.pcap" "$SAMPLES/netrec-tcp.pcapng"; do
	n=$(basename "$f")
	tshark -r "$f" -Y tcp -T fields $AFIELDS 2>/dev/null | awk -F'\t' '{
		s = ""
		if ($1 != "") { if ($2 != "") s = s " [fast retransmission]"; else if ($3 != "") s = s " [spurious retransmission]"; else if ($4 == "" && $5 == "") s = s " [retransmission]" }
		if ($4 != "") s = s " [out-of-order]"
		if ($5 != "") s = s " [keep-alive]"
		if ($6 != "") s = s " [dup ack]"
		if ($7 != "") s = s " [zero window]"
		print NR ":" s }' >"$W/$n.ws"
	grep ' TCP \[' "$W/$n.out" | awk '{ s = ""; if (match($0, / \[[a-z -]+\]( \[[a-z -]+\])*$/)) s = substr($0, RSTART); print NR ":" s }' >"$W/$n.ann"
	k=$(grep -c '\[' "$W/$n.ws")
	if cmp -s "$W/$n.ws" "$W/$n.ann"; then
		ok "$n: annotations as Wireshark's analysis flags ($k annotated packets)"
	else
		fail "$n: annotations differ from Wireshark's:"; say_diff "$W/$n.ws" "$W/$n.ann"
	fi
done
grep -q '\[retransmission\]' "$W/stall.pcap.ann" && grep -q '\[zero window\]' "$W/stall.pcap.ann" &&
	grep -q '\[fast retransmission\]' "$W/bulk.pcap.ann" && grep -q '\[dup ack\]' "$W/bulk.pcap.ann" ||
	fail "the hand-built captures do not show a retransmission, a zero window, a fast retransmission and dup ACKs"

# Filters, against tcpdump's filter of the same meaning
nr=$SAMPLES/netrec-tcp.pcapng
db=$W/nr.db
"$NA" -q --db "$db" "$nr" --summary >/dev/null || fail "load $nr"
chk_filter() {
	local what=$1 tdf=$2; shift 2
	td_lines "$nr" "$tdf" >"$W/f.td"
	"$NA" -q --db "$db" --packets "$@" | na_lines >"$W/f.na"
	if [ -s "$W/f.td" ] && cmp -s "$W/f.td" "$W/f.na"; then
		ok "$what: $(wc -l <"$W/f.na") packets, as tcpdump '$tdf'"
	else
		fail "$what: not as tcpdump '$tdf' ($(wc -l <"$W/f.td") packets):"; say_diff "$W/f.td" "$W/f.na"
	fi
}
chk_filter "--port 8080" "tcp port 8080" --port 8080
chk_filter "--host 2001:db8::2" "tcp and ip6 host 2001:db8::2" --host 2001:db8::2
chk_filter "--host 192.0.2.2 --port 8080" "tcp and host 192.0.2.2 and port 8080" --host 192.0.2.2 --port 8080
# --pid: the packets whose comment names the process
pid=$(tshark -r "$nr" -T fields -e frame.comment 2>/dev/null | sed -n 's/^python3\[\([0-9]*\)\/.*/\1/p' | head -1)
want=$(tshark -r "$nr" -Y "frame.comment contains \"[$pid/\"" 2>/dev/null | wc -l)
got=$("$NA" -q --db "$db" --packets --pid "$pid" | tee "$W/pid.out" | wc -l)
other=$(grep -vc "^[^ ]* [^ ]* python3\[$pid\] " "$W/pid.out")
[ -n "$pid" ] && [ "$want" -gt 0 ] && [ "$got" = "$want" ] && [ "$other" = 0 ] &&
	ok "--pid $pid: $got packets, as the comments name it" ||
	fail "--pid $pid: $got lines ($other of another owner), the comments name $want packets"
# --since/--until: the 10th to the 20th TCP packet (times from tcpdump)
t10=$(TZ=UTC tcpdump -n -tt --time-stamp-precision=nano -r "$nr" tcp 2>/dev/null | sed -n 10p | awk '{print $1}')
t20=$(TZ=UTC tcpdump -n -tt --time-stamp-precision=nano -r "$nr" tcp 2>/dev/null | sed -n 20p | awk '{print $1}')
got=$("$NA" -q --db "$db" --packets --since "$t10" --until "$t20" | na_lines)
want=$(td_lines "$nr" | sed -n 10,20p)
[ -n "$want" ] && [ "$got" = "$want" ] && ok "--since/--until: the 11 TCP packets between them" ||
	fail "--since $t10 --until $t20: $(printf '%s\n' "$got" | head -3)"
# csv and jsonl: one row per packet, every column of v_packets
all=$(capinfos -M -c "$nr" 2>/dev/null | awk '/^Number of packets/ { print $NF }')
c=$("$NA" -q --db "$db" --packets --format jsonl | wc -l)
h=$("$NA" -q --db "$db" --packets --format csv | head -1)
[ "$c" = "$all" ] && ok "jsonl: $c rows" || fail "jsonl: $c rows, tshark has $all packets"
case $h in ord,ts_ns,file_id,direction,src,sport,dst,dport,*) ok "csv: the columns of v_packets" ;;
*) fail "csv header: $h" ;; esac

# -e: TTL and IP length of each IPv4 packet, as tshark reads them
f=$SAMPLES/veth-tcp.pcap
tshark -r "$f" -Y ip -T fields -e ip.ttl -e ip.len 2>/dev/null | awk '{print $1, $2}' >"$W/e.ws"
"$NA" -q "$f" --packets -e | awk '/ IPv4 / { for (i = 1; i < NF; i++) { if ($i == "ttl") t = $(i + 1); if ($i == "iplen") l = $(i + 1) } print t, l }' >"$W/e.na"
[ -s "$W/e.ws" ] && cmp -s "$W/e.ws" "$W/e.na" && ok "-e: TTL and IP length of $(wc -l <"$W/e.na") IPv4 packets as tshark's" ||
	{ fail "-e: TTL/IP length differ from tshark's"; say_diff "$W/e.ws" "$W/e.na"; }

# hostile names: a comment naming a process with an escape sequence
python3 - "$W/evil.pcapng" <<'PY'
import struct, sys
def blk(t, body):
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", t, len(body) + 12) + body + struct.pack("<I", len(body) + 12)
def opt(code, v):
    return struct.pack("<HH", code, len(v)) + v + b"\0" * (-len(v) % 4)
eth = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00"
ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40, 0, 0x4000, 64, 6, 0, bytes([192,0,2,1]), bytes([192,0,2,2]))
tcp = struct.pack(">HHIIBBHHH", 40000, 80, 1, 0, 0x50, 2, 1000, 0, 0)
d = eth + ip + tcp
ts = 1700000000 * 10**9
with open(sys.argv[1], "wb") as f:
    f.write(blk(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
    f.write(blk(1, struct.pack("<HHI", 1, 0, 262144) + opt(2, b"eth\x1b[2J0") + opt(9, b"\x09") + b"\0\0\0\0"))
    o = opt(1, b"ev\x1b]0;T\x07il\nx[4242/4242] uid=0 gid=0 (socket)") + opt(8, struct.pack("<II", 4242, 4242)) + b"\0\0\0\0"
    f.write(blk(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff, len(d), len(d)) + d + b"\0" * (-len(d) % 4) + o))
PY
out=$("$NA" -q "$W/evil.pcapng" --packets -e)
echo "evil: $out"
if printf '%s' "$out" | LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]'; then
	fail "a control character from the capture reached the listing"
elif [ "$(printf '%s\n' "$out" | wc -l)" != 1 ]; then
	fail "the capture's newline split the line"
else
	case $out in *'ev\x1b]0;T\x07il\nx[4242]'*'if eth\x1b[2J0 '*) ok "process and interface names escaped" ;;
	*) fail "escaped names not shown: $out" ;; esac
fi

[ "$failed" = 0 ] && echo "PASS: test_packets"
exit "$failed"

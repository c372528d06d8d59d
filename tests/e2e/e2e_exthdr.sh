#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# IPv6 extension headers, with tcpdump capturing the same interface:
#  - TCP connections whose every segment carries a hop-by-hop and a
#    destination options header (IPV6_HOPOPTS + IPV6_DSTOPTS on both
#    sockets), one made from the recorded namespace and one accepted by it:
#    every segment recorded and owned, the handshakes complete for
#    netanalyze (a recorder that stops at the first header loses the SYN);
#  - hand-built frames from the peer: a SYN behind hop-by-hop, routing and
#    destination options headers (owned by the listener it reaches), a
#    segment behind an authentication header, and four packets the parser
#    cannot read to the end: a chain of 11 extension headers, a chain the
#    packet cuts short, an IPv4 header length of 3 words, a later fragment
#    of unknown protocol. Those are recorded whole, owner unknown, flagged
#    with the reason (docs/format.md §4.2) and counted in the statistics
#    and in netrec's summary.
# netrec's file must hold exactly the packets tcpdump saw, byte for byte.
. "$(dirname "$0")/lib.sh"
e2e_init
[ -n "$RAWSEND" ] && [ -x "$RAWSEND" ] || skip "rawsend not built (RAWSEND=$RAWSEND)"

f=$WORK/ext.pcapng
td=$WORK/ext.tcpdump.pcap
exp=$WORK/ext.expect
nr_start "$NSA" "$f"
nr_wait_ready "$f" "$NSB" "$A4"
td_start "$NSA" va "$td"
sleep 0.3

# our client, their server
server "$NSB" "$B6" 8443 nr-srv6 --ext6 --reply 20000
sw1=$SRV_WAIT
client "$NSA" "$B6" 8443 nr-cli6 --ext6 --send 20000
peer_wait "$CLI_WAIT" "client to $B6" || cat "$CLI_ERR"
read -r cpid ctid cport < <(conn_ids "$CLI_OUT")
peer_wait "$sw1" "server on $B6"
# their client, our server
server "$NSA" "$A6" 8444 nr-srv6 --ext6 --reply 20000
sw2=$SRV_WAIT
spid=$SRV_PID
client "$NSB" "$A6" 8444 nr-cli6 --ext6 --send 20000
peer_wait "$CLI_WAIT" "client to $A6" || cat "$CLI_ERR"
peer_wait "$sw2" "server on $A6"
saccept=$(grep '^accept ' "$SRV_OUT" | head -1)
stid=$(echo "$saccept" | kv tid)
sport2=$(echo "$saccept" | kv peer | sed 's/.*://')

# hand-built frames from the peer; a listener for the SYN (it never completes)
server "$NSA" "$A6" 8445 nr-listen --timeout 8
lpid=$SRV_PID
mac=$(mac_of "$NSA" va)
for c in "syn6-chain 8445" "ah6 8445" chain-long chain-cut ip4-ihl3 frag6-upper; do
	ip netns exec "$NSB" "$RAWSEND" vb "$mac" $c >/dev/null || fail "rawsend $c"
done
sleep 0.5
td_stop
sleep 0.3
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
# the hand-built packets are malformed on purpose: the same ones must be in
# tcpdump's capture
check_readable "$f" "" malformed-ok
m1=$(tshark -r "$f" -Y _ws.malformed -T fields -e frame.len 2>/dev/null | sort | tr '\n' ' ')
m2=$(tshark -r "$td" -Y _ws.malformed -T fields -e frame.len 2>/dev/null | awk '{ print $1 + 6 }' | sort | tr '\n' ' ')
say "packets tshark finds malformed, by length (SLL2): netrec's file: ${m1:-none}; tcpdump's: ${m2:-none}"
[ "$m1" = "$m2" ] || fail "tshark finds other malformed packets in netrec's file than in tcpdump's"
same_packets "$f" "$td" "IP packets on va" va

# the connections: every segment owned, states, complete handshakes
expect "$exp" "tcp/$A6/$cport" "$cpid" "$ctid" nr-cli6
expect "$exp" "tcp/$A6/8444" "$spid" - nr-srv6
attribution "$f" "$exp"
check_states "$f" "$A6" "$cport" "$B6" 8443 "SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 CLOSE"
for file in "$f" "$td"; do
	"$NETANALYZE" "$file" --handshakes --format csv -q >"$WORK/hs.csv" 2>"$WORK/hs.err" ||
		fail "netanalyze on $file: $(cat "$WORK/hs.err")"
	for p in "$cport" "$sport2"; do
		o=$(awk -F, -v p="$p" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
			$c["client_port"] == p { print $c["outcome"] }' "$WORK/hs.csv")
		say "netanalyze $(basename "$file"): connection from port $p: ${o:-missing}"
		[ "$o" = established ] || fail "netanalyze does not see the handshake from port $p as established in $(basename "$file")"
	done
done

# the SYN behind three extension headers reached the listener: it is the
# listener's; the stack's SYN-ACK too
n=$(dump "$f" | awk -v l="$lpid" '/^pkt / && / dport=8445 / && / flags=S / && / sport=40200 / {
	t++; if ($0 ~ (" apid=" l " ") && $0 ~ / owner=accept /) g++ } END { print g + 0 "/" t + 0 }')
say "SYN behind hop-by-hop, routing, destination options: owned by the listener: $n"
[ "$n" = 1/1 ] || fail "the SYN behind three extension headers is not the listener's"
n=$(dump "$f" | awk -v l="$lpid" '/^pkt / && / sport=8445 / && / dport=40200 / && / flags=S\. / {
	t++; if ($0 ~ (" apid=" l " ")) g++ } END { print g + 0 "/" t + 0 }')
say "its SYN-ACK owned by the listener: $n"
[ "$n" = 1/1 ] || fail "the SYN-ACK is not the listener's"
n=$(dump "$f" | grep -c '^pkt .* sport=40200 .* dport=8445 flags=\. .* aparse=0 ')
say "segment behind an authentication header: parsed: $n"
[ "$n" = 1 ] || fail "the segment behind AH was not parsed"

# the four packets not parsed: flags, reason, no owner, comment, counts
for want in "3 too many IPv6 extension headers" "1 truncated header" "2 bad IP header" \
	"4 fragment of unknown protocol"; do
	code=${want%% *}
	reason=${want#* }
	n=$(dump "$f" | grep '^pkt .* dir=in ' | grep " aparse=$code " |
		awk '$0 ~ / owner=unknown / && $0 ~ / apid=0 / { split($0, a, " aflags="); split(a[2], b, " "); if (int(b[1] / 32) % 2 == 1) g++ }
		     { t++ } END { print g + 0 "/" t + 0 }')
	c=$(tshark -r "$f" -Y "frame.comment == \"unattributed (not parsed: $reason)\"" 2>/dev/null | wc -l)
	say "not parsed ($reason): $n flagged without owner; tshark shows the comment on $c"
	[ "$n" = 1/1 ] && [ "$c" = 1 ] || fail "packet not parsed ($reason): flag, owner or comment wrong"
done
u=$(stat_of "$f" unparsed)
say "statistics block: $u packets not fully parsed"
[ "$u" = 4 ] || fail "the statistics block counts $u packets not parsed, want 4"
grep -q ' 4 not fully parsed' "$NR_ERR" || fail "netrec's summary does not say 4 packets were not fully parsed"
e2e_finish

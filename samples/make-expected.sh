#!/usr/bin/env bash
# Writes the expected reports of the committed samples from tshark (never
# from netanalyze), next to each capture:
#
#   NAME.handshakes.tsv  one line per tcp.stream: the client (sender of the
#                        first pure SYN; "-" when no SYN was seen: then the
#                        first packet's sender and receiver are shown), times
#                        in integer ns since the epoch, the SYN count, the
#                        first SYN-ACK, tcp.completeness (OR over the stream),
#                        the handshake outcome that completeness implies
#                        (docs/schema.md), tcp.analysis.initial_rtt in ns, and
#                        the client's and server's process as a netrec
#                        recording names them in frame.comment ("comm[pid/tid]
#                        ..."): the SYN's and the SYN-ACK's comment names the
#                        owner of the local socket, the sender of an outbound
#                        packet, the receiver of an inbound one; and, for a
#                        netrec recording, the kernel's state changes of the
#                        client socket from its journal records (the socket
#                        whose events name the connection's addresses and
#                        ports, by NETREC_COOKIE): CLOSE -> SYN_SENT and
#                        SYN_SENT -> ESTABLISHED (NETREC_TS_NS);
#                        "null" where tshark has no value.
#   NAME.icmp.tsv        one line per ICMP/ICMPv6 echo reply tshark matched:
#                        identifier, sequence, icmp.resptime in ns.
#
# tests/analyze/test_samples.c compares netanalyze with these files and
# with tshark run again on the capture.
#
# Usage: samples/make-expected.sh [CAPTURE...]   (default: every capture here)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then
	set -- "$here"/*.pcap "$here"/*.pcapng
fi

# seconds with up to 9 decimals -> integer ns, exactly (text arithmetic)
ns_awk='function ns(s,   a, f) {
	if (s == "") return "null"
	split(s, a, ".")
	f = substr(a[2] "000000000", 1, 9)
	if (a[1] + 0 == 0) { sub(/^0+/, "", f); return f == "" ? "0" : f }
	return a[1] f
}
function bit(c, b) { return int(c / b) % 2 }
function bor(x, y,   b, r) {
	r = 0
	for (b = 1; b <= 128; b *= 2)
		if (bit(x, b) || bit(y, b)) r += b
	return r
}
function num(s,   i, v, d) {
	if (substr(s, 1, 2) != "0x") return s + 0
	v = 0
	for (i = 3; i <= length(s); i++) {
		d = index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
		v = v * 16 + d
	}
	return v
}'

events=$(mktemp)
trap 'rm -f "$events"' EXIT

for cap in "$@"; do
	[ -f "$cap" ] || continue
	base=${cap%.*}
	# journal records: the names and values of their non-standard fields
	tshark -n -r "$cap" -Y systemd_journal -T fields -E occurrence=a -E aggregator='|' \
		-e systemd_journal.field.name -e systemd_journal.field.value \
		>"$events" 2>/dev/null || true
	tshark -2 -n -o tcp.analyze_sequence_numbers:TRUE -r "$cap" \
		-Y 'tcp && !icmp && !icmpv6' -T fields -E occurrence=f \
		-e frame.time_epoch -e tcp.stream -e ip.src -e ipv6.src -e tcp.srcport \
		-e ip.dst -e ipv6.dst -e tcp.dstport -e tcp.flags -e tcp.completeness \
		-e tcp.analysis.initial_rtt -e frame.packet_flags_direction -e frame.comment \
		2>/dev/null |
	awk -F'\t' -v ev="$events" "$ns_awk"'
	function outcome(c) {
		if (c % 8 == 7) return "established"
		if (bit(c, 1) && !bit(c, 2) && bit(c, 32)) return "refused"
		if (c % 4 == 3 && bit(c, 32)) return "reset"
		if (c % 4 == 3) return "timeout"
		if (c % 4 == 1) return "timeout|unreachable"
		if (bit(c, 2)) return "synack_only"
		return "midstream"
	}
	# the owner in a netrec comment "comm[pid/tid] ...", side "c" or "s"
	function owner(id, side, comment,   p, q) {
		if (comment !~ /^[^ []+\[[0-9]+\/[0-9]+\]/) return
		p = index(comment, "["); q = index(comment, "/")
		if (side == "c" && cpid[id] == "null") {
			ccomm[id] = substr(comment, 1, p - 1); cpid[id] = substr(comment, p + 1, q - p - 1)
		}
		if (side == "s" && spid[id] == "null") {
			scomm[id] = substr(comment, 1, p - 1); spid[id] = substr(comment, p + 1, q - p - 1)
		}
	}
	FILENAME == ev {
		# an event: NETREC_* fields by name
		nf = split($1, nm, "|"); split($2, vl, "|")
		delete f
		for (i = 1; i <= nf; i++) f[nm[i]] = vl[i]
		if (f["NETREC_RECORD"] != "tcp_event" || f["NETREC_EVENT"] != "state") next
		ck = f["NETREC_COOKIE"]
		if (f["NETREC_NEWSTATE"] == "SYN_SENT") ss[ck] = f["NETREC_TS_NS"]
		if (f["NETREC_OLDSTATE"] == "SYN_SENT" && f["NETREC_NEWSTATE"] == "ESTABLISHED")
			es[ck] = f["NETREC_TS_NS"]
		if (f["NETREC_SPORT"] != "0")
			tup[ck] = f["NETREC_SADDR"] " " f["NETREC_SPORT"] " " f["NETREC_DADDR"] " " f["NETREC_DPORT"]
		next
	}
	$2 != "" {
		id = $2; src = ($3 != "" ? $3 : $4); dst = ($6 != "" ? $6 : $7)
		flags = num($9)
		if (!(id in seen)) {
			seen[id] = 1; order[n++] = id
			a[id] = src; ap[id] = $5; b[id] = dst; bp[id] = $8
			syn[id] = "null"; synlast[id] = "null"; cnt[id] = 0
			synack[id] = "null"; comp[id] = 0; irtt[id] = "null"; cli[id] = ""
			cpid[id] = ccomm[id] = spid[id] = scomm[id] = "null"
		}
		dir = num($12)
		if (bit(flags, 2) && !bit(flags, 16)) {
			if (cli[id] == "") {
				cli[id] = src; cp[id] = $5; srv[id] = dst; sp[id] = $8
				syn[id] = ns($1)
			}
			synlast[id] = ns($1); cnt[id]++
			if (dir == 2) owner(id, "c", $13)
			if (dir == 1) owner(id, "s", $13)
		}
		if (bit(flags, 2) && bit(flags, 16)) {
			if (synack[id] == "null") synack[id] = ns($1)
			if (dir == 2) owner(id, "s", $13)
			if (dir == 1) owner(id, "c", $13)
		}
		if ($10 != "") comp[id] = bor(comp[id], $10 + 0)
		if ($11 != "" && irtt[id] == "null") irtt[id] = ns($11)
	}
	END {
		print "# stream\tclient\tclient_port\tserver\tserver_port\tsyn_ns\tsyn_last_ns\tsyn_count\tsynack_ns\tcompleteness\toutcome\tirtt_ns\tclient_pid\tclient_comm\tserver_pid\tserver_comm\tk_syn_sent_ns\tk_established_ns"
		for (i = 0; i < n; i++) {
			id = order[i]
			if (cli[id] != "")
				printf "%s\t%s\t%s\t%s\t%s", id, cli[id], cp[id], srv[id], sp[id]
			else
				printf "%s\t-%s\t%s\t-%s\t%s", id, a[id], ap[id], b[id], bp[id]
			printf "\t%s\t%s\t%d\t%s\t%d\t%s\t%s", syn[id], synlast[id], cnt[id],
				synack[id], comp[id], outcome(comp[id]), irtt[id]
			printf "\t%s\t%s\t%s\t%s", cpid[id], ccomm[id], spid[id], scomm[id]
			# the client socket: events naming this 4-tuple, the latest
			# SYN_SENT not after the first SYN (string compare: same width)
			best = ""
			if (cli[id] != "")
				for (ck in tup)
					if (tup[ck] == cli[id] " " cp[id] " " srv[id] " " sp[id] && (ck in ss) &&
					    (ss[ck] "") <= (syn[id] "") && (best == "" || (ss[ck] "") > (ss[best] "")))
						best = ck
			printf "\t%s\t%s\n", best != "" ? ss[best] : "null",
				(best != "" && (best in es)) ? es[best] : "null"
		}
	}' "$events" - >"$base.handshakes.tsv"

	tshark -n -r "$cap" -Y 'icmp.resptime || icmpv6.resptime' -T fields \
		-e icmp.ident -e icmp.seq -e icmp.resptime \
		-e icmpv6.echo.identifier -e icmpv6.echo.sequence_number -e icmpv6.resptime \
		2>/dev/null |
	awk -F'\t' "$ns_awk"'
	BEGIN { print "# ident\tseq\trtt_ns" }
	{
		if ($3 != "") { id = $1; sq = $2; ms = $3 } else { id = $4; sq = $5; ms = $6 }
		# icmp.resptime is in milliseconds: ns(ms) counts 1e9 per unit
		printf "%d\t%d\t%s\n", num(id), sq, substr(ns(ms), 1, length(ns(ms)) - 3)
	}' >"$base.icmp.tsv"
	echo "wrote $base.handshakes.tsv $base.icmp.tsv"
done

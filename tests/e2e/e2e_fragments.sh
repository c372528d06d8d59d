#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# IP fragments and IPv4 options, recorded on the pinging side while tcpdump
# captures the same interface: ping -s 3000 over the 1500-byte veth (IPv4
# and IPv6; our requests leave in fragments, the peer's replies come back in
# fragments), the peer pinging us the same way (our stack's fragmented
# replies), and ping -R (IPv4 record-route option, both ways). netrec's file
# must hold exactly the packets tcpdump saw, byte for byte. Every fragment
# carries the fragment flags and identification the packet's own headers
# show; the fragments of our pings (first and later, both ways) belong to
# ping, those of the stack's replies to the kernel. Which datagram a later
# fragment belongs to is read from the headers (addresses, identification)
# by nrdump, not from the annotations under test.
. "$(dirname "$0")/lib.sh"
e2e_init ping

f=$WORK/frag.pcapng
td=$WORK/frag.tcpdump.pcap
nr_start "$NSA" "$f"
nr_wait_ready "$f" "$NSB" "$A4"
td_start "$NSA" va "$td"
sleep 0.3
run_ping big4 -4 -n -c 3 -i 0.2 -W 2 -s 3000 "$B4"
p4=$PING_PID
run_ping big6 -6 -n -c 3 -i 0.2 -W 2 -s 3000 "$B6"
p6=$PING_PID
run_ping rr -4 -n -c 2 -i 0.2 -W 2 -R "$B4"
prr=$PING_PID
ip netns exec "$NSB" timeout 10 ping -4 -n -c 2 -i 0.2 -W 2 -s 3000 "$A4" >/dev/null ||
	fail "fragmented ping from the peer (IPv4) failed"
ip netns exec "$NSB" timeout 10 ping -6 -n -c 2 -i 0.2 -W 2 -s 3000 "$A6" >/dev/null ||
	fail "fragmented ping from the peer (IPv6) failed"
td_stop
sleep 0.3
nr_stop TERM
[ "$NR_STATUS" = 0 ] || fail "netrec exited with $NR_STATUS after SIGTERM"
check_readable "$f"
same_packets "$f" "$td" "IP packets on va" va
grep -q ' 0 not fully parsed' "$NR_ERR" || fail "netrec reports packets it could not parse"

# Per packet on va: decoded fragment facts and ICMP type, and what the
# annotation says. The datagram's owner is decided by its first fragment's
# direction and ICMP type: our echo requests out and their replies in are
# ping's (by family), the stack's replies out and the requests it answers
# in are the kernel's; ping -R's packets are 124 bytes (20 + 40 of options
# + 64), ping -s 3000's are fragments.
dump "$f" | awk -v p4="$p4" -v p6="$p6" -v prr="$prr" '
/^pkt / {
	delete v
	for (i = 2; i <= NF; i++) { split($i, kvp, "="); if (kvp[1] == "comment") break; v[kvp[1]] = substr($i, length(kvp[1]) + 2) }
	if (v["if"] != "va" || (v["fam"] != 4 && v["fam"] != 6)) next
	if (v["proto"] != "icmp" && v["proto"] != "icmp6" && v["frag"] != "later") next
	n++
	dir[n] = v["dir"]; fam[n] = v["fam"]; frag[n] = v["frag"]; fid[n] = v["fid"]
	dg[n] = v["fam"] "/" v["src"] "/" v["dst"] "/" v["fid"]
	it[n] = v["itype"]; len[n] = v["l3orig"]
	apid[n] = v["apid"]; owner[n] = v["owner"]; comm[n] = v["comm"]
	af[n] = v["aflags"]; afid[n] = v["afid"]
	if (v["frag"] != "later") {
		req = (it[n] == 8 || it[n] == 128); rep = (it[n] == 0 || it[n] == 129)
		who = ""
		if ((dir[n] == "out" && req) || (dir[n] == "in" && rep))
			who = len[n] == 124 ? prr : (fam[n] == 4 ? p4 : p6)
		else if ((dir[n] == "out" && rep) || (dir[n] == "in" && req))
			who = "kernel"
		want[n] = who
		if (v["frag"] == "first") first[dg[n]] = who
	}
}
END {
	for (i = 1; i <= n; i++) {
		if (frag[i] == "later") want[i] = (dg[i] in first) ? first[dg[i]] : "?"
		if (want[i] == "") continue
		isf = frag[i] != "-"
		if (isf) nf++
		if (frag[i] == "later") nl++
		flags_ok = (int(af[i] / 8) % 2 == isf) && (int(af[i] / 16) % 2 == (frag[i] == "later")) &&
			(!isf || afid[i] == fid[i])
		if (!flags_ok && badf++ < 5)
			printf "  fragment flags wrong: %s %s frag=%s fid=%s aflags=%s afid=%s\n", dir[i], fam[i], frag[i], fid[i], af[i], afid[i]
		if (want[i] == "kernel") {
			k++
			if (owner[i] == "kernel") kg++
			else if (bad++ < 10) printf "  want kernel: %s fam %s type %s frag %s: owner %s\n", dir[i], fam[i], it[i], frag[i], owner[i]
		} else {
			t++
			if (apid[i] == want[i] && comm[i] == "ping") g++
			else if (bad++ < 10) printf "  want ping %s: %s fam %s type %s frag %s: pid %s owner %s comm %s\n", want[i], dir[i], fam[i], it[i], frag[i], apid[i], owner[i], comm[i]
			if (frag[i] == "later" && dir[i] == "in" && owner[i] == "fragment") linked++
		}
	}
	printf "fragments: %d (%d later ones); fragment flags wrong on %d\n", nf, nl, badf
	printf "attribution: %d/%d ping packets, kernel-made: %d/%d; later fragments linked to their first: %d\n", g, t, kg, k, linked
	exit (badf || g < t || kg < k || nf < 30 || nl < 15 || linked < 6) ? 1 : 0
}' || fail "fragments: flags or owners wrong (or fewer than expected)"
# the same through tshark (its own decode, reassembly off): the fragments
# leaving us are our pings' requests, 3 datagrams x 3 fragments for each
# family at MTU 1500 (IPv4: 1480 + 1480 + 48 bytes of the 3008; IPv6: 1448 +
# 1448 + 112), and the stack's replies to the peer's 2 + 2 pings
tshark -r "$f" -o ip.defragment:FALSE -o ipv6.defragment:FALSE \
	-Y "(ip.flags.mf == 1 || ip.frag_offset > 0 || ipv6.fraghdr) && (ip.src == $A4 || ipv6.src == $A6)" \
	-T fields -e ip.src -e frame.comment 2>/dev/null |
awk -F'\t' -v p4="$p4" -v p6="$p6" '
	{ fam = $1 != "" ? 4 : 6; c = $2
	  if (fam == 4 && index(c, "ping[" p4 "/") == 1) n4++
	  else if (fam == 6 && index(c, "ping[" p6 "/") == 1) n6++
	  else if (index(c, "kernel") == 1) nk[fam]++
	  else { other++; if (other < 5) print "  unexpected comment: " $0 } }
	END { printf "tshark: outgoing fragments: ping IPv4 %d, ping IPv6 %d, kernel IPv4 %d, IPv6 %d, other %d\n", n4, n6, nk[4], nk[6], other
	      exit !(n4 == 9 && n6 == 9 && nk[4] == 6 && nk[6] == 6 && !other) }' ||
	fail "tshark: outgoing fragments are not 9 + 9 owned by the pings and 6 + 6 by the kernel"
e2e_finish

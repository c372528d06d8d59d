#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The decoder against tshark on the captures in tests/analyze/captures
# (made by Scapy, see captures/README.md): link types and encapsulations
# this machine's kernel cannot build for decode_real.sh. For each file,
# tshark must see the encapsulation the file is about (a display filter and
# a packet count, so that agreement is not agreement on nothing), and the
# decoder's view of every packet (decode_dump) must equal tshark's, field by
# field (decode_vs_tshark.sh).
#
# Usage: decode_captures.sh DECODE_DUMP CAPTURE_DIR. Exit 0 pass, 1 fail,
# 77 skip (no tshark).
set -u
dump=$1 dir=$2
cmp=$(dirname "$0")/decode_vs_tshark.sh
command -v tshark >/dev/null || { echo "SKIP: tshark is not installed (scripts/deps.sh test)"; exit 77; }

ALL_FIELDS=(ip.src ip.dst ipv6.src ipv6.dst tcp.srcport tcp.dstport udp.srcport udp.dstport
	vxlan.vni geneve.vni gre.key gtp.teid mpls.label vlan.id ieee8021ad.id erspan.spanid)
LAST_FIELDS=(ip.ttl ip.id ip.proto ip.dsfield.dscp ip.dsfield.ecn ip.flags.df ip.flags.mf
	ip.frag_offset ip.checksum ipv6.hlim ipv6.tclass ipv6.flow tcp.seq_raw tcp.ack_raw
	tcp.flags tcp.hdr_len tcp.window_size_value tcp.urgent_pointer tcp.checksum
	tcp.options.mss_val tcp.options.wscale.shift tcp.options.sack_le tcp.options.sack_re
	tcp.options.timestamp.tsval icmp.type icmp.code icmp.checksum icmp.ident icmp.seq icmp.mtu
	icmp.redir_gw icmpv6.type icmpv6.code icmpv6.checksum icmpv6.mtu icmpv6.echo.identifier
	icmpv6.echo.sequence_number icmpv6.nd.ns.target_address icmpv6.nd.na.target_address)

# file | display filter for what the file is about | packets it must match
expect=(
	"eth-tags.pcap|vlan.id == 10 && tcp.port == 443|1"
	"eth-tags.pcap|ieee8021ad.id == 100 && vlan.id == 200 && tcp|1"
	"mpls.pcap|mpls.label == 1000 && mpls.label == 2000 && tcp|1"
	"mpls.pcap|mpls.label == 3000 && ipv6 && tcp|1"
	"gre.pcap|gre.key == 10 && ip.src == 203.0.113.10|1"
	"gre.pcap|gre && ipv6.src == 2001:db8::1 && eth && tcp|1"
	"gre.pcap|gre && mpls.label == 16 && tcp|1"
	"erspan.pcap|erspan && tcp|3"
	"erspan.pcap|erspan.spanid == 5 && erspan.vlan == 100 && tcp|1"
	"ipip.pcap|ip.src == 192.0.2.1 && ip.src == 203.0.113.10|1"
	"ipip.pcap|ip.src == 192.0.2.1 && ipv6.src == 2001:db8:5::a|1"
	"ipip.pcap|ipv6.src == 2001:db8::1 && ip.src == 203.0.113.10|1"
	"ipip.pcap|ipv6.src == 2001:db8::1 && ipv6.src == 2001:db8:5::a|1"
	"udp-tunnels.pcap|vxlan.vni == 0x1234 && tcp|1"
	"udp-tunnels.pcap|geneve.vni == 0xabcd && tcp|1"
	"udp-tunnels.pcap|gtp.teid == 0x1001 && tcp|1"
	"udp-tunnels.pcap|gtp.teid == 0x1002 && ipv6 && tcp|1"
	"udp-tunnels.pcap|teredo && ipv6 && tcp|1"
	"udp-tunnels.pcap|l2tp.tunnel == 11 && l2tp.session == 22 && ppp && tcp|1"
	"pppoe.pcap|pppoe.session_id == 0x0abc && tcp|2"
	"ppp.pcap|ppp && tcp|2"
	"ppp-hdlc.pcap|ppp && tcp|1"
	"chdlc.pcap|chdlc && tcp|2"
	"null.pcap|null && tcp|2"
	"sll.pcap|sll && tcp|2"
	"pflog.pcap|pflog && tcp|2"
	"raw.pcap|tcp|2"
	"wlan.pcap|wlan.fc.type == 2 && tcp|2"
	"radiotap.pcap|radiotap && wlan && tcp|2"
	"prism.pcap|prism && tcp|1"
	"avs.pcap|frame.protocols contains \"wlancap\" && tcp|1"
	"ppi.pcap|ppi && tcp|1"
	"fields.pcap|tcp.flags.ae == 1|1"
	"fields.pcap|icmp.mtu == 1400|1"
	"fields.pcap|icmpv6.mtu == 1280|1"
	"fields.pcap|icmpv6.nd.na.flag.s == 1|1"
	"nested.pcap|gre.key == 5 && vxlan.vni == 77 && vlan.id == 5 && mpls.label == 16 && tcp|1"
)

failed=0
for e in "${expect[@]}"; do
	IFS='|' read -r f filter min <<<"$e"
	n=$(tshark -n -r "$dir/$f" -Y "$filter" 2>/dev/null | wc -l)
	if [ "$n" -ge "$min" ]; then
		echo "ok: $f: tshark finds $n packets with $filter"
	else
		echo "FAIL: $f: tshark finds $n packets with $filter, expected $min"
		failed=1
	fi
done
for f in "$dir"/*.pcap; do
	if bash "$cmp" "$dump" "$f" -a "${ALL_FIELDS[@]}" && bash "$cmp" "$dump" "$f" -l "${LAST_FIELDS[@]}"; then
		:
	else
		echo "FAIL: $(basename "$f"): decoder and tshark differ"
		failed=1
	fi
done
[ "$failed" = 0 ] && echo "PASS: decode_captures"
exit "$failed"

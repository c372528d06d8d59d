#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Writes the small captures in this directory with Scapy (Debian's
python3-scapy 2.5.0), an independent packet builder: each link type and
encapsulation the decoder reads but this project's test kernel cannot make
(see README.md). tests/analyze/decode_captures.sh compares the decoder with
tshark on them. Run from this directory: /usr/bin/python3 make_captures.py
"""
from scapy.all import (Ether, Dot1Q, IP, IPv6, TCP, UDP, ICMP, GRE, PPP,
                       PPPoE, HDLC, CookedLinux, Loopback, RadioTap, Dot11,
                       Dot11QoS, LLC, SNAP, PrismHeader, ICMPv6EchoRequest,
                       ICMPv6PacketTooBig, ICMPv6ND_NS, ICMPv6ND_NA, ICMPv6ND_RA,
                       ICMPv6ND_Redirect, ICMPv6ParamProblem, ICMPv6TimeExceeded,
                       ICMPv6DestUnreach, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       wrpcap, conf)
from scapy.layers.l2 import Dot1AD
from scapy.layers.vxlan import VXLAN
from scapy.layers.l2tp import L2TP
from scapy.layers.pflog import PFLog
from scapy.layers.ppi import PPI
from scapy.contrib.erspan import ERSPAN, ERSPAN_II, ERSPAN_III
from scapy.contrib.geneve import GENEVE
from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer
from scapy.contrib.chdlc import CHDLC
from scapy.contrib.mpls import MPLS
from scapy.contrib.avs import AVSWLANHeader

conf.verb = 0
M1, M2 = "02:00:00:00:00:01", "02:00:00:00:00:02"


def tcp4(sport=40000, dport=443, flags="S", seq=1000, **kw):
    return IP(src="203.0.113.10", dst="203.0.113.20", ttl=63, id=0x1234) / \
        TCP(sport=sport, dport=dport, flags=flags, seq=seq,
            options=[("MSS", 1460), ("WScale", 7), ("SAckOK", b"")], **kw)


def tcp6(sport=40001, dport=80, flags="SA", seq=2000):
    return IPv6(src="2001:db8:5::a", dst="2001:db8:5::14", hlim=63, fl=0x12345, tc=0x28) / \
        TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=77)


def udp4(dport, sport=50000):
    return IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=sport, dport=dport)


def w(name, pkts, linktype=None):
    wrpcap(name, pkts, linktype=linktype)


# ---- Ethernet tags ----
w("eth-tags.pcap", [
    Ether(src=M1, dst=M2) / Dot1Q(vlan=10) / tcp4(),
    Ether(src=M1, dst=M2) / Dot1AD(vlan=100) / Dot1Q(vlan=200) / tcp4(flags="A", seq=1001),
    Ether(src=M1, dst=M2) / Dot1Q(vlan=20) / tcp6(),
    Ether(src=M1, dst=M2) / Dot1Q(vlan=30) / IP(src="192.0.2.1", dst="192.0.2.2") / ICMP(id=7, seq=1),
])

# ---- MPLS ----
w("mpls.pcap", [
    Ether(src=M1, dst=M2, type=0x8847) / MPLS(label=1000, s=0, ttl=64) / MPLS(label=2000, s=1, ttl=64) / tcp4(),
    Ether(src=M1, dst=M2, type=0x8847) / MPLS(label=3000, s=1, ttl=64) / tcp6(),
])

# ---- GRE, NVGRE, ERSPAN ----
w("gre.pcap", [
    IP(src="192.0.2.1", dst="192.0.2.2") / GRE(key_present=1, key=10, seqnum_present=1, sequence_number=5) / tcp4(),
    IP(src="192.0.2.1", dst="192.0.2.2") / GRE(chksum_present=1) / tcp6(),
    IPv6(src="2001:db8::1", dst="2001:db8::2") / GRE(proto=0x6558) / Ether(src=M1, dst=M2) / tcp4(),
    IP(src="192.0.2.1", dst="192.0.2.2") / GRE(proto=0x8847) / MPLS(label=16, s=1) / tcp4(),
], linktype=101)
w("erspan.pcap", [
    Ether(src=M1, dst=M2) / IP(src="192.0.2.1", dst="192.0.2.2") / GRE(proto=0x88be) / Ether(src=M1, dst=M2) / tcp4(),
    Ether(src=M1, dst=M2) / IP(src="192.0.2.1", dst="192.0.2.2") / GRE(seqnum_present=1, sequence_number=3, proto=0x88be) /
    ERSPAN_II(ver=1, vlan=100, session_id=5) / Ether(src=M1, dst=M2) / tcp4(),
    Ether(src=M1, dst=M2) / IP(src="192.0.2.1", dst="192.0.2.2") / GRE(seqnum_present=1, sequence_number=4, proto=0x22eb) /
    ERSPAN_III(ver=2, vlan=7, session_id=9) / Ether(src=M1, dst=M2) / tcp6(),
])

# ---- IP in IP ----
w("ipip.pcap", [
    IP(src="192.0.2.1", dst="192.0.2.2") / tcp4(),
    IP(src="192.0.2.1", dst="192.0.2.2") / tcp6(),
    IPv6(src="2001:db8::1", dst="2001:db8::2") / tcp4(),
    IPv6(src="2001:db8::1", dst="2001:db8::2") / tcp6(),
], linktype=101)

# ---- UDP tunnels ----
w("udp-tunnels.pcap", [
    Ether(src=M1, dst=M2) / udp4(4790) / VXLAN(flags=0x0c, NextProtocol=1, vni=0x1234) / tcp4(),
    Ether(src=M1, dst=M2) / udp4(6081) / GENEVE(vni=0xabcd, proto=0x6558) / Ether(src=M1, dst=M2) / tcp4(),
    Ether(src=M1, dst=M2) / udp4(2152, 2152) / GTP_U_Header(teid=0x1001, gtp_type=255) / tcp4(),
    Ether(src=M1, dst=M2) / udp4(2152, 2152) / GTP_U_Header(teid=0x1002, gtp_type=255, E=1, S=1, next_ex=0x85) /
    GTPPDUSessionContainer(type=1, QFI=9) / tcp6(),
    Ether(src=M1, dst=M2) / udp4(40001, 3544) / tcp6(),
    Ether(src=M1, dst=M2) / udp4(1701, 1701) / L2TP(hdr="length+sequence", tunnel_id=11, session_id=22, ns=0, nr=0) /
    HDLC() / PPP(proto=0x21) / tcp4(),
])

# ---- PPP family ----
w("pppoe.pcap", [
    Ether(src=M1, dst=M2) / PPPoE(sessionid=0x0abc) / PPP(proto=0x21) / tcp4(),
    Ether(src=M1, dst=M2) / PPPoE(sessionid=0x0abc) / PPP(proto=0x57) / tcp6(),
])
w("ppp.pcap", [PPP(proto=0x21) / tcp4(), PPP(proto=0x57) / tcp6()], linktype=9)
w("ppp-hdlc.pcap", [HDLC() / PPP(proto=0x21) / tcp4()], linktype=50)
w("chdlc.pcap", [CHDLC(control=0, proto=0x0800) / tcp4(), CHDLC(control=0, proto=0x86dd) / tcp6()], linktype=104)

# ---- hosts' own link types ----
w("null.pcap", [Loopback(type=2) / tcp4(), Loopback(type=30) / tcp6()], linktype=0)
w("sll.pcap", [CookedLinux(pkttype=4, proto=0x0800) / tcp4(), CookedLinux(pkttype=0, proto=0x86dd) / tcp6()], linktype=113)
w("pflog.pcap", [PFLog(addrfamily=2, action=0, direction=2) / tcp4(), PFLog(addrfamily=24, direction=1) / tcp6()], linktype=117)
w("raw.pcap", [tcp4(), tcp6()], linktype=101)

# ---- 802.11 and its radio headers ----
def wlan(qos=False):
    fc = 0x88 if qos else 0x08
    d = Dot11(type=2, subtype=8 if qos else 0, FCfield="to-DS", addr1=M2, addr2=M1, addr3=M2)
    if qos:
        d = d / Dot11QoS()
    return d / LLC(dsap=0xaa, ssap=0xaa, ctrl=3) / SNAP(OUI=0, code=0x0800) / tcp4()


w("wlan.pcap", [wlan(), wlan(qos=True)], linktype=105)
w("radiotap.pcap", [RadioTap(present="Flags+Rate", Flags=0, Rate=2) / wlan(),
                    RadioTap(present="TSFT+Flags", mac_timestamp=1, Flags="FCS") / wlan(qos=True) / b"\x00\x00\x00\x00"],
  linktype=127)
w("prism.pcap", [PrismHeader() / wlan()], linktype=119)
w("avs.pcap", [AVSWLANHeader() / wlan()], linktype=163)
w("ppi.pcap", [PPI(dlt=105) / wlan()], linktype=192)

# ---- IP, TCP and ICMP fields ----
w("fields.pcap", [
    IP(src="192.0.2.1", dst="192.0.2.2", tos=0xb9, flags="DF", ttl=9, id=77) /
    TCP(sport=1, dport=2, flags="SAUEC", seq=5, ack=6, urgptr=3, window=1024,
        options=[("NOP", None), ("NOP", None), ("SAck", (100, 200, 300, 400, 500, 600)),
                 ("Timestamp", (11, 22))]),
    IP(src="192.0.2.1", dst="192.0.2.2") / TCP(sport=3, dport=4, flags=0x1d0, seq=9),
    IP(src="192.0.2.1", dst="192.0.2.2", flags="MF", frag=0, id=5) / UDP(sport=53, dport=53) / (b"x" * 40),
    IP(src="192.0.2.1", dst="192.0.2.2", frag=3, id=5, proto=17) / (b"y" * 24),
    IPv6(src="2001:db8::1", dst="2001:db8::2", tc=0xb8, fl=0xfedcb) / IPv6ExtHdrHopByHop() / tcp4().payload,
    IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrFragment(offset=0, m=1, id=0x1234) / UDP(sport=1, dport=2) / (b"z" * 16),
    IP(src="198.51.100.1", dst="192.0.2.1") / ICMP(type=3, code=4, nexthopmtu=1400) / tcp4(),
    IP(src="198.51.100.1", dst="192.0.2.1") / ICMP(type=5, code=1, gw="198.51.100.9") / tcp4(),
    IP(src="198.51.100.1", dst="192.0.2.1") / ICMP(type=11, code=0) / tcp4(),
    IP(src="198.51.100.1", dst="192.0.2.1") / ICMP(type=12, code=0, ptr=9) / tcp4(),
    IP(src="198.51.100.1", dst="192.0.2.1") / ICMP(type=13, id=3, seq=4, ts_ori=100, ts_rx=200, ts_tx=300),
    IP(src="198.51.100.1", dst="192.0.2.1") / ICMP(type=0, id=0x4242, seq=9) / b"ping",
    IPv6(src="2001:db8::9", dst="2001:db8::1") / ICMPv6PacketTooBig(mtu=1280) / tcp6(),
    IPv6(src="2001:db8::9", dst="2001:db8::1") / ICMPv6ParamProblem(code=1, ptr=40) / tcp6(),
    IPv6(src="2001:db8::9", dst="2001:db8::1") / ICMPv6TimeExceeded() / tcp6(),
    IPv6(src="2001:db8::9", dst="2001:db8::1") / ICMPv6DestUnreach(code=4) / tcp6(),
    IPv6(src="2001:db8::1", dst="ff02::1:ff00:2") / ICMPv6ND_NS(tgt="2001:db8::2"),
    IPv6(src="2001:db8::2", dst="2001:db8::1") / ICMPv6ND_NA(tgt="2001:db8::2", R=1, S=1, O=0),
    IPv6(src="fe80::1", dst="ff02::1") / ICMPv6ND_RA(chlim=64, M=1, routerlifetime=1800, reachabletime=30000, retranstimer=1000),
    IPv6(src="fe80::1", dst="2001:db8::1") / ICMPv6ND_Redirect(tgt="fe80::2", dst="2001:db8::99"),
    IPv6(src="2001:db8::1", dst="2001:db8::2") / ICMPv6EchoRequest(id=0x77, seq=3),
], linktype=101)

# ---- nested: IPv6 / GRE / IPv4 / UDP / VXLAN / Ethernet / VLAN / MPLS / IPv4 / TCP ----
w("nested.pcap", [
    Ether(src=M1, dst=M2) / IPv6(src="2001:db8::1", dst="2001:db8::2") / GRE(key_present=1, key=5) /
    IP(src="198.51.100.1", dst="198.51.100.2") / UDP(sport=1234, dport=4789) / VXLAN(vni=77) /
    Ether(src=M1, dst=M2) / Dot1Q(vlan=5, type=0x8847) / MPLS(label=16, s=1) / tcp4(),
])

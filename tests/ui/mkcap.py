#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Writes the HTML report's test captures (Ethernet, documentation addresses
only, checksums left zero: the readers do not check them).

  mkcap.py bulk OUT.pcap        one connection: 40 data segments of 1000 bytes
                                from the client, one lost and retransmitted
                                after three duplicate ACKs carrying SACK blocks
  mkcap.py stall OUT.pcap       one connection: a segment lost and retransmitted
                                after a timeout, then the server's window closes
                                (zero window, probes) and opens again
  mkcap.py many N OUT.pcap      N short connections from 10 clients to 40
                                servers over 10 minutes; every 10th refused
  mkcap.py hostile OUT.pcapng   two connections whose packet comments (and
                                epb_processid_threadid) name processes with
                                HTML in their names

It knows nothing of netanalyze; the tests count with tshark.
"""
import struct
import sys

MAC_A = b"\x02\x00\x00\x00\x00\x01"
MAC_B = b"\x02\x00\x00\x00\x00\x02"
T0 = 1700000000


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def tcp_pkt(src, dst, sport, dport, seq, ack, flags, payload=b"", win=502, opts=b""):
    """Ethernet + IPv4 + TCP bytes. flags: string of F S R P A."""
    fl = sum(v for k, v in (("F", 1), ("S", 2), ("R", 4), ("P", 8), ("A", 16)) if k in flags)
    while len(opts) % 4:
        opts += b"\x01"
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                      (5 + len(opts) // 4) << 4, fl, win, 0, 0) + opts + payload
    iph = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, ip4(src), ip4(dst))
    return (MAC_B if src.endswith(".2") else MAC_A) + (MAC_A if src.endswith(".2") else MAC_B) + \
        b"\x08\x00" + iph + tcp


class Pcap:
    def __init__(self, path):
        self.f = open(path, "wb")
        # nanosecond pcap, Ethernet
        self.f.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 262144, 1))

    def add(self, ns, data):
        self.f.write(struct.pack("<IIII", ns // 1000000000, ns % 1000000000, len(data), len(data)) + data)

    def close(self):
        self.f.close()


def bulk(path):
    w = Pcap(path)
    c, s, cp, sp = "192.0.2.1", "192.0.2.2", 40000, 80
    isn_c, isn_s = 1000, 500000
    t = T0 * 10**9
    ms = 10**6
    syn_opts = b"\x02\x04\x05\xb4" + b"\x04\x02" + b"\x01\x03\x03\x07"   # MSS 1460, SACK perm, WS 7
    w.add(t, tcp_pkt(c, s, cp, sp, isn_c, 0, "S", win=64240, opts=syn_opts))
    w.add(t + 1 * ms, tcp_pkt(s, c, sp, cp, isn_s, isn_c + 1, "SA", win=65160, opts=syn_opts))
    w.add(t + 2 * ms, tcp_pkt(c, s, cp, sp, isn_c + 1, isn_s + 1, "A"))
    t += 3 * ms
    lost = 10
    acked = 1
    sacks = []
    for i in range(40):
        seq = isn_c + 1 + i * 1000
        w.add(t, tcp_pkt(c, s, cp, sp, seq, isn_s + 1, "PA", b"x" * 1000))
        t += ms // 2
        if i == lost:
            continue              # lost on the way: never acknowledged in order
        if i < lost:
            acked = i + 1
            w.add(t, tcp_pkt(s, c, sp, cp, isn_s + 1, seq + 1000, "A", win=500))
        elif i <= lost + 3:
            # duplicate ACKs for the hole, with a SACK block for what arrived
            le, re_ = isn_c + 1 + (lost + 1) * 1000, seq + 1000
            sack = b"\x01\x01\x05\x0a" + struct.pack(">II", le, re_)
            w.add(t, tcp_pkt(s, c, sp, cp, isn_s + 1, isn_c + 1 + lost * 1000, "A", win=500, opts=sack))
            sacks.append(i)
            if i == lost + 3:
                # fast retransmission of the lost segment, then everything acknowledged
                t += ms // 2
                rseq = isn_c + 1 + lost * 1000
                w.add(t, tcp_pkt(c, s, cp, sp, rseq, isn_s + 1, "PA", b"x" * 1000))
                t += ms // 2
                w.add(t, tcp_pkt(s, c, sp, cp, isn_s + 1, seq + 1000, "A", win=500))
        else:
            w.add(t, tcp_pkt(s, c, sp, cp, isn_s + 1, seq + 1000, "A", win=500))
        t += ms // 2
    end = isn_c + 1 + 40 * 1000
    w.add(t, tcp_pkt(c, s, cp, sp, end, isn_s + 1, "FA"))
    w.add(t + ms, tcp_pkt(s, c, sp, cp, isn_s + 1, end + 1, "FA", win=500))
    w.add(t + 2 * ms, tcp_pkt(c, s, cp, sp, end + 1, isn_s + 2, "A"))
    w.close()


def stall(path):
    w = Pcap(path)
    c, s, cp, sp = "192.0.2.1", "192.0.2.2", 40100, 8080
    isn_c, isn_s = 7000, 900000
    t = T0 * 10**9 + 5 * 10**9
    ms = 10**6
    w.add(t, tcp_pkt(c, s, cp, sp, isn_c, 0, "S", win=64240))
    w.add(t + 1 * ms, tcp_pkt(s, c, sp, cp, isn_s, isn_c + 1, "SA", win=65160))
    w.add(t + 2 * ms, tcp_pkt(c, s, cp, sp, isn_c + 1, isn_s + 1, "A", win=502))
    # 100 bytes, not acknowledged: sent again 200 ms later (a timeout)
    w.add(t + 3 * ms, tcp_pkt(c, s, cp, sp, isn_c + 1, isn_s + 1, "PA", b"a" * 100))
    w.add(t + 203 * ms, tcp_pkt(c, s, cp, sp, isn_c + 1, isn_s + 1, "PA", b"a" * 100))
    w.add(t + 204 * ms, tcp_pkt(s, c, sp, cp, isn_s + 1, isn_c + 101, "A", win=500))
    # 500 bytes fill the server's buffer: its ACK closes the window
    w.add(t + 205 * ms, tcp_pkt(c, s, cp, sp, isn_c + 101, isn_s + 1, "PA", b"b" * 500))
    w.add(t + 206 * ms, tcp_pkt(s, c, sp, cp, isn_s + 1, isn_c + 601, "A", win=0))
    # the server reads: a window update, then the rest
    w.add(t + 406 * ms, tcp_pkt(s, c, sp, cp, isn_s + 1, isn_c + 601, "A", win=500))
    w.add(t + 407 * ms, tcp_pkt(c, s, cp, sp, isn_c + 601, isn_s + 1, "PA", b"c" * 50))
    w.add(t + 408 * ms, tcp_pkt(s, c, sp, cp, isn_s + 1, isn_c + 651, "A", win=500))
    w.add(t + 409 * ms, tcp_pkt(c, s, cp, sp, isn_c + 651, isn_s + 1, "FA"))
    w.add(t + 410 * ms, tcp_pkt(s, c, sp, cp, isn_s + 1, isn_c + 652, "FA", win=500))
    w.add(t + 411 * ms, tcp_pkt(c, s, cp, sp, isn_c + 652, isn_s + 2, "A"))
    w.close()


def many(n, path):
    w = Pcap(path)
    us = 1000
    span = 600 * 10**9
    for k in range(n):
        c = "198.51.100.%d" % (1 + k % 10)
        s = "192.0.2.%d" % (10 + k % 40)
        cp, sp = 1024 + (k // 10) % 60000, 80 + (k % 3)
        t = T0 * 10**9 + span * k // n
        isn_c, isn_s = (k * 7919) & 0xffffffff, (k * 104729) & 0xffffffff
        w.add(t, tcp_pkt(c, s, cp, sp, isn_c, 0, "S"))
        if k % 10 == 9:
            w.add(t + 100 * us, tcp_pkt(s, c, sp, cp, 0, isn_c + 1, "RA", win=0))
            continue
        w.add(t + 100 * us, tcp_pkt(s, c, sp, cp, isn_s, isn_c + 1, "SA"))
        w.add(t + 200 * us, tcp_pkt(c, s, cp, sp, isn_c + 1, isn_s + 1, "FA"))
        w.add(t + 300 * us, tcp_pkt(s, c, sp, cp, isn_s + 1, isn_c + 2, "FA"))
        w.add(t + 400 * us, tcp_pkt(c, s, cp, sp, isn_c + 2, isn_s + 2, "A"))
    w.close()


def pcapng_block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def hostile(path):
    names = ['<img/src=x/onerror=alert(1)>', '"><script>alert(2)</script>&amp;']
    with open(path, "wb") as f:
        f.write(pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
        f.write(pcapng_block(1, struct.pack("<HHI", 1, 0, 262144) +
                             struct.pack("<HH", 9, 1) + b"\x09\0\0\0" + b"\0\0\0\0"))
        t = T0 * 10**9
        for k, name in enumerate(names):
            c, s, cp, sp = "192.0.2.1", "192.0.2.2", 41000 + k, 443
            comment = ("%s[%d/%d] uid=0 gid=0 (socket)" % (name, 4200 + k, 4200 + k)).encode()
            for i, (src, dst, a, b, seq, ack, fl) in enumerate([
                    (c, s, cp, sp, 1, 0, "S"), (s, c, sp, cp, 9, 2, "SA"), (c, s, cp, sp, 2, 10, "A"),
                    (c, s, cp, sp, 2, 10, "FA"), (s, c, sp, cp, 10, 3, "FA"), (c, s, cp, sp, 3, 11, "A")]):
                d = tcp_pkt(src, dst, a, b, seq, ack, fl)
                ts = t + k * 10**9 + i * 10**6
                opt = struct.pack("<HH", 1, len(comment)) + comment + b"\0" * (-len(comment) % 4)
                opt += struct.pack("<HHII", 8, 8, 4200 + k, 4200 + k)   # epb_processid_threadid
                opt += b"\0\0\0\0"
                body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff, len(d), len(d)) + d
                body += b"\0" * (-len(d) % 4) + opt
                f.write(pcapng_block(6, body))


if __name__ == "__main__":
    if sys.argv[1] == "bulk":
        bulk(sys.argv[2])
    elif sys.argv[1] == "stall":
        stall(sys.argv[2])
    elif sys.argv[1] == "many":
        many(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "hostile":
        hostile(sys.argv[2])
    else:
        sys.exit(__doc__)

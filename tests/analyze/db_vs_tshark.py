#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The packet fields of a kept database, read with the plain sqlite3 shell
(no netanalyze function), against tshark's dissection of the same captures.

For each capture in CAPTURE_DIR (the Scapy-made files of decode_captures.sh,
covering every link type and encapsulation the decoder knows), netanalyze
loads it into a database of its own; then, packet by packet in file order:
  - v_packets' addresses, IP, TCP and ICMP fields (DSCP, ECN, DF/MF, fragment
    offset, flow label, header lengths, checksums, all TCP flag bits, urgent
    pointer, SACK edges) equal tshark's fields of the innermost packet;
  - icmp_packets' type-specific fields equal tshark's;
  - the tunnels rows of the packet's tunnel_id name the same encapsulations,
    with the same identifiers, as tshark's protocol stack and fields;
and each capture must hold at least one packet with a tunnel or ICMP field
checked (so that agreement is not agreement on nothing). tshark is the
independent source: nothing expected here comes from netanalyze.

Usage: db_vs_tshark.py NETANALYZE CAPTURE_DIR. Exit 0 pass, 1 fail, 77 skip.
"""
import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile

if len(sys.argv) != 3:
    sys.exit(__doc__)
NA, DIR = sys.argv[1], sys.argv[2]
for tool in ("tshark", "sqlite3"):
    if not shutil.which(tool):
        print(f"SKIP: {tool} is not installed (scripts/deps.sh test)")
        sys.exit(77)

TSHARK_OPTS = ["-n", "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
               "-o", "tcp.relative_sequence_numbers:FALSE",
               "-o", "tcp.analyze_sequence_numbers:FALSE"]

# column of the database query -> (tshark field, occurrence, how to read it)
HEX = "hex"
INNER = [
    ("ttl", "ip.ttl|ipv6.hlim", "l", int),
    ("dscp", "ip.dsfield.dscp|ipv6.tclass.dscp", "l", int),
    ("ecn", "ip.dsfield.ecn|ipv6.tclass.ecn", "l", int),
    ("df", "ip.flags.df", "l", int),
    ("mf", "ip.flags.mf", "l", int),
    ("frag_offset", "ip.frag_offset", "l", int),
    ("ip_csum", "ip.checksum", "l", HEX),
    ("ip_hlen", "ip.hdr_len", "l", int),
    ("flow_label", "ipv6.flow", "l", HEX),
    ("sport", "tcp.srcport", "l", int),
    ("dport", "tcp.dstport", "l", int),
    ("tcp_flags", "tcp.flags", "l", HEX),
    ("tcp_hlen", "tcp.hdr_len", "l", int),
    ("urg_ptr", "tcp.urgent_pointer", "l", int),
    ("tcp_csum", "tcp.checksum", "l", HEX),
]
ICMP = [
    ("icmp_type", "icmp.type|icmpv6.type", "f", int),
    ("icmp_code", "icmp.code|icmpv6.code", "f", int),
    ("icmp_csum", "icmp.checksum|icmpv6.checksum", "f", HEX),
    ("mtu", "icmp.mtu|icmpv6.mtu", "f", int),
    ("pointer", "icmp.pointer|icmpv6.pointer", "f", int),
]
# tunnels.kind -> tshark field of its identifier (tunnels.id), if any
# (tshark 4.0 does not dissect VXLAN-GPE on its port 4790 by default: no check)
TUN_ID = {"vxlan": "vxlan.vni", "geneve": "geneve.vni",
          "gtp-u": "gtp.teid", "erspan2": "erspan.spanid", "erspan3": "erspan.spanid",
          "pppoe": "pppoe.session_id", "l2tpv2": "l2tp.session"}
# tunnels.kind -> a protocol tshark lists in frame.protocols
TUN_PROTO = {"vxlan": "vxlan", "geneve": "geneve", "gtp-u": "gtp",
             "erspan1": "erspan", "erspan2": "erspan", "erspan3": "erspan", "gre": "gre",
             "pppoe": "pppoes", "l2tpv2": "l2tp", "mpls": "mpls", "teredo": "teredo",
             "ipip": "ip:ip", "6in4": "ip:ipv6", "4in6": "ipv6:ip", "6in6": "ipv6:ipv6",
             "nvgre": "gre", "pptp": "gre", "pbb": "ieee8021ah", "l2tpv3": "l2tp"}


def num(v, how):
    if v in (None, ""):
        return None
    if how is HEX:
        return int(v, 16)
    if v in ("True", "False"):
        return int(v == "True")
    return int(v)


def tshark(path, fields, occ):
    names = [f for spec in fields for f in spec.split("|")]
    args = ["tshark", *TSHARK_OPTS, "-r", path, "-T", "fields", "-E", "occurrence=" + occ,
            "-E", "aggregator=,"]
    for n in names:
        args += ["-e", n]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        vals = dict(zip(names, line.split("\t")))
        rows.append(vals)
    return rows


def pick(vals, spec, ipver=None):
    """The field of the alternatives (ip.x|ipv6.x) for the packet's IP
    version, else the first that has a value."""
    alts = spec.split("|")
    if ipver and len(alts) == 2 and alts[1].startswith("ipv6"):
        return vals.get(alts[1] if ipver == 6 else alts[0]) or None
    for f in alts:
        if vals.get(f):
            return vals[f]
    return None


def sqlite_rows(db, sql):
    out = subprocess.run(["sqlite3", "-json", db, sql], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out) if out.strip() else []


QUERY = """
SELECT p.id, p.offset, v.src, v.dst, v.ttl, v.dscp, v.ecn, v.df, v.mf, v.frag_offset,
       v.ip_csum, v.ip_hlen, v.flow_label, p.ip_tos, p.tcp_flags, v.tcp_hlen, v.urg_ptr,
       v.sack, v.ip_version, p.proto, p.sport, p.dport, p.l4_csum, p.tunnel_id,
       p.icmp_type, p.icmp_code, i.mtu, i.pointer, i.q_src IS NOT NULL AS quoted
FROM packets p JOIN v_packets v ON v.ord = p.id
LEFT JOIN icmp_packets i ON i.packet_id = p.id
ORDER BY p.file_id, p.offset
"""

failed = 0
checked = {"fields": 0, "tunnel": 0, "icmp": 0}


def fail(msg):
    global failed
    print("FAIL: " + msg)
    failed = 1


work = tempfile.mkdtemp(prefix="nrdbtshark.")
try:
    for name in sorted(os.listdir(DIR)):
        if not name.endswith(".pcap"):
            continue
        path = os.path.join(DIR, name)
        db = os.path.join(work, name + ".db")
        r = subprocess.run([NA, "--db", db, path, "--summary", "--format", "csv"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"{name}: netanalyze exit {r.returncode}: {r.stderr.strip()}")
            continue
        ours = sqlite_rows(db, QUERY)
        tuns = {}
        for t in sqlite_rows(db, "SELECT tunnel_id, layer, kind, id FROM tunnels "
                                 "ORDER BY tunnel_id, layer"):
            tuns.setdefault(t["tunnel_id"], []).append(t)
        last = tshark(path, [c[1] for c in INNER] + ["ip.src|ipv6.src", "ip.dst|ipv6.dst"],
                      "l")
        first = tshark(path, [c[1] for c in ICMP] + list(set(TUN_ID.values())), "f")
        alls = tshark(path, ["tcp.options.sack_le", "tcp.options.sack_re",
                             "frame.protocols"], "a")
        if len(ours) != len(last):
            fail(f"{name}: database has {len(ours)} packets, tshark {len(last)}")
            continue
        n_bad = 0
        for k, row in enumerate(ours):
            t, f, a = last[k], first[k], alls[k]
            where = f"{name} frame {k + 1}"
            row["tcp_csum"] = row["l4_csum"] if row["proto"] == 6 else None
            row["icmp_csum"] = row["l4_csum"] if row["proto"] in (1, 58) else None
            if not row["quoted"]:
                # the innermost packet's fields (an ICMP error's quote is
                # tshark's last occurrence: left to the ICMP check)
                checks = INNER + [("src", "ip.src|ipv6.src", "l", str),
                                  ("dst", "ip.dst|ipv6.dst", "l", str)]
                for col, spec, _, how in checks:
                    want = pick(t, spec, row["ip_version"])
                    if col in ("sport", "dport", "tcp_flags", "tcp_hlen", "urg_ptr",
                               "tcp_csum") and row["proto"] != 6:
                        continue
                    if col == "flow_label" and row["ip_version"] != 6:
                        continue
                    if col in ("df", "mf", "frag_offset", "ip_csum", "ip_hlen") and \
                            row["ip_version"] != 4:
                        continue
                    want = want if how is str else num(want, how)
                    if row[col] != want:
                        fail(f"{where} {col}: database {row[col]!r}, tshark {spec} {want!r}")
                        n_bad += 1
                    checked["fields"] += 1
                if row["proto"] == 6:
                    le = [int(x) for x in a.get("tcp.options.sack_le", "").split(",") if x]
                    re_ = [int(x) for x in a.get("tcp.options.sack_re", "").split(",") if x]
                    want = ",".join(f"{x}-{y}" for x, y in zip(le, re_)) or None
                    if row["sack"] != want:
                        fail(f"{where} sack: database {row['sack']!r}, tshark {want!r}")
            if row["proto"] in (1, 58):
                for col, spec, _, how in ICMP:
                    want = num(pick(f, spec), how)
                    if row[col] != want:
                        fail(f"{where} {col}: database {row[col]!r}, tshark {spec} {want!r}")
                checked["icmp"] += 1
            layers = tuns.get(row["tunnel_id"], []) if row["tunnel_id"] is not None else []
            if row["tunnel_id"] is not None and not layers:
                fail(f"{where}: tunnel_id {row['tunnel_id']} has no tunnels rows")
            protos = ":" + a.get("frame.protocols", "") + ":"
            for layer in layers:
                want_proto = TUN_PROTO.get(layer["kind"])
                if want_proto and ":" + want_proto + ":" not in protos:
                    fail(f"{where}: tunnel layer {layer['kind']} but tshark's stack is {protos}")
                fid = TUN_ID.get(layer["kind"])
                have = f.get(fid) if fid else None
                if have:
                    have = int(have, 16) if have.startswith("0x") else int(have)
                    if layer["id"] != have:
                        fail(f"{where}: {layer['kind']} id {layer['id']}, tshark {fid} {have}")
                checked["tunnel"] += 1
            # a packet tshark sees in a tunnel has a tunnel_id
            for kind, proto in (("vxlan", "vxlan"), ("geneve", "geneve"), ("gtp", "gtp"),
                                ("gre", "gre"), ("mpls", "mpls"), ("pppoe", "pppoes")):
                if ":" + proto + ":" in protos and row["tunnel_id"] is None:
                    fail(f"{where}: tshark sees {proto}, the database no tunnel")
        print(f"{name}: {len(ours)} packets compared, {n_bad} field differences")
finally:
    shutil.rmtree(work, ignore_errors=True)



def write_pcap(path, linktype, frames):
    import struct
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(fr), len(fr)))
            f.write(fr)


# Packets that are not IP are counted per kind in the undecoded table and in
# --summary, never silently: ARP (ethertype 0x0806, RFC 826), LLDP (0x88cc)
# and an IPv4 packet that says ICMP but ends with its IP header, then a file of a link type the decoder does
# not know (USER0, 147). The expected counts are tshark's.
ETH = bytes.fromhex("020000000002020000000001")
ARP = ETH + bytes.fromhex("0806" "0001080006040001" "020000000001" "c0000201"
                          "000000000000" "c0000202")
LLDP = bytes.fromhex("0180c200000e020000000001" "88cc" "0207040200000000010403020001"
                     "0602007800000000")
IPV4 = ETH + bytes.fromhex("0800" "45000014000040004001f7e1c0000201c0000202")
work = tempfile.mkdtemp(prefix="nrdbtshark.")
try:
    eth = os.path.join(work, "notip.pcap")
    user0 = os.path.join(work, "user0.pcap")
    write_pcap(eth, 1, [ARP, ARP, LLDP, IPV4])
    write_pcap(user0, 147, [b"\x00" * 30] * 3)
    want = {}
    for path, filt, key in ((eth, "arp", "undecoded: not-ip ethernet type 0x0806"),
                            (eth, "lldp", "undecoded: not-ip ethernet type 0x88cc"),
                            (eth, "ip && !icmp", "undecoded: truncated icmp"),
                            (user0, "frame", "undecoded: unsupported linktype 147")):
        out = subprocess.run(["tshark", "-n", "-r", path, "-Y", filt], capture_output=True,
                             text=True).stdout
        want[key] = len(out.splitlines())
    want["undecoded_packets"] = sum(want.values())
    r = subprocess.run([NA, eth, user0, "--summary", "--format", "csv"], capture_output=True,
                       text=True)
    have = dict(line.split(",", 1) for line in r.stdout.splitlines()[1:] if "," in line)
    for key, n in want.items():
        if n < 1 or have.get(key) != str(n):
            fail(f"--summary {key!r}: {have.get(key)!r}, tshark counts {n}")
        else:
            print(f"ok: --summary {key}: {n}, as tshark counts")
finally:
    shutil.rmtree(work, ignore_errors=True)

# Every table and view of a kept database reads in the plain sqlite3 shell,
# which knows none of netanalyze's SQL functions (a netrec recording, so
# that the events and processes views have rows).
SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "samples",
                      "netrec-tcp.pcapng")
work = tempfile.mkdtemp(prefix="nrdbtshark.")
try:
    db = os.path.join(work, "sample.db")
    r = subprocess.run([NA, "--db", db, SAMPLE, "--summary"], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"sample: netanalyze exit {r.returncode}: {r.stderr.strip()}")
    names = [x["name"] for x in sqlite_rows(db, "SELECT name FROM sqlite_master WHERE type IN "
                                                "('table', 'view') ORDER BY name")]
    views = [n for n in names if n.startswith("v_")]
    if len(views) < 5:
        fail(f"sample database has views {views}")
    for n in names:
        q = subprocess.run(["sqlite3", db, f'SELECT * FROM "{n}"'], capture_output=True)
        if q.returncode != 0 or q.stderr.strip():
            fail(f"sqlite3 shell: SELECT * FROM {n}: {q.stderr.decode(errors='replace')}")
    ev = sqlite_rows(db, "SELECT errno, errno_name FROM v_events WHERE errno > 0")
    for x in ev:
        if x["errno_name"] != errno.errorcode.get(x["errno"]):
            fail(f"v_events errno {x['errno']} named {x['errno_name']!r}")
    print(f"ok: {len(names)} tables and views read in the sqlite3 shell; "
          f"{len(ev)} event errnos named as Python's errno module names them")
finally:
    shutil.rmtree(work, ignore_errors=True)

print(f"checked: {checked['fields']} IP/TCP fields, {checked['icmp']} ICMP packets, "
      f"{checked['tunnel']} tunnel layers")
if not checked["tunnel"] or not checked["icmp"] or not checked["fields"]:
    fail("nothing of a kind was checked")
if not failed:
    print("PASS: db_vs_tshark")
sys.exit(failed)

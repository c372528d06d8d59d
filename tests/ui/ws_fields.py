#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Checks the Wireshark plugin's fields on one recording against sources
that do not go through the plugin:

- packets: Wireshark's own pcapng *file* dissector (tshark -X read_format:
  "MIME Files Format") finds each Enhanced Packet Block and the position of
  its options; the annotation (custom option 2989) is decoded here from those
  bytes by the table of docs/format.md section 4, the owner's command name
  from the packet comment Wireshark shows;
- journal records: the systemd journal dissector's own fields
  (systemd_journal.pid/comm/uid/gid and field.name/field.value pairs), and
  Python's errno table for errno names.

Every packet and every kernel-event record of the file is compared; the
figures are printed; exit 1 on any difference.
  ws_fields.py NETREC_LUA FILE
"""
import errno
import json
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

# docs/format.md section 4.1, written from the spec
OWNER_SOURCES = ["unknown", "kernel", "socket", "accept", "tuple", "preexisting",
                 "icmp_echo", "icmp_quote", "late"]
PEN = 32473


def tshark(args):
    r = subprocess.run(["tshark"] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        sys.exit("tshark %s failed: %s" % (" ".join(args), r.stderr.decode(errors="replace")))
    return r.stdout


def epb_annotations(path):
    """[(annotation dict or None, comment or None)] per EPB, in file order."""
    data = open(path, "rb").read()
    if data[:4] != b"\x0a\x0d\x0d\x0a" or data[8:12] != b"\x4d\x3c\x2b\x1a":
        sys.exit("%s: not an uncompressed little-endian pcapng file" % path)
    pdml = tshark(["-X", 'read_format:MIME Files Format', "-r", path, "-T", "pdml"])
    root = ET.fromstring(pdml)
    out = []
    for blk in root.iter("field"):
        if blk.get("name") != "pcapng.block":
            continue
        btype = None
        for ch in blk:
            if ch.get("name") == "pcapng.block.type":
                btype = int(ch.get("show"), 16)
        if btype != 6:
            continue
        annot, comment = None, None
        for opt in blk.iter("field"):
            if opt.get("name") != "pcapng.options.option":
                continue
            code = None
            for ch in opt:
                if ch.get("name") == "pcapng.options.option.code":
                    code = int(ch.get("show"))
                if ch.get("name") == "pcapng.options.option.data.comment":
                    comment = bytes.fromhex(ch.get("value")).decode("utf-8", "replace")
                if ch.get("name") == "pcapng.options.option.data" and code == 2989:
                    pos, size = int(ch.get("pos")), int(ch.get("size"))
                    v = data[pos:pos + size]
                    if size >= 68 and struct.unpack_from("<I", v, 0)[0] == PEN and v[4] == 1:
                        (typ, ver, src, flags, cpu, seq, cookie, pid, tid, uid, gid, cg,
                         netns, ifindex, ktime) = struct.unpack_from("<BBBBIQQIIIIQIIQ", v, 4)
                        annot = dict(owner_src=src, flags=flags, cpu=cpu, seq=seq, cookie=cookie,
                                     pid=pid, tid=tid, uid=uid, gid=gid, cgroup=cg, netns=netns,
                                     ifindex=ifindex, ktime=ktime)
        out.append((annot, comment))
    return out


PACKET_FIELDS = ["frame.number", "frame.comment", "netrec.process", "netrec.pid", "netrec.tid",
                 "netrec.comm", "netrec.uid", "netrec.gid", "netrec.cgroup", "netrec.netns",
                 "netrec.cpu", "netrec.seq", "netrec.cookie", "netrec.owner_source",
                 "netrec.direction", "netrec.ifindex", "netrec.ktime_ns"]
EVENT_FIELDS = ["netrec.record", "netrec.event", "netrec.state.old", "netrec.state.new",
                "netrec.family", "netrec.local.ip", "netrec.local.ipv6", "netrec.local.port",
                "netrec.remote.ip", "netrec.remote.ipv6", "netrec.remote.port", "netrec.errno",
                "netrec.errno.name", "netrec.window", "netrec.stack", "netrec.ts_ns",
                "netrec.process", "netrec.pid", "netrec.tid", "netrec.comm", "netrec.uid",
                "netrec.gid", "netrec.cgroup", "netrec.netns", "netrec.cpu", "netrec.seq",
                "netrec.cookie", "netrec.owner_source", "systemd_journal.pid",
                "systemd_journal.comm", "systemd_journal.uid", "systemd_journal.gid",
                "systemd_journal.field.name", "systemd_journal.field.value", "frame.number"]


def rows(lua, path, flt, fields):
    args = ["-X", "lua_script:" + lua, "-r", path, "-Y", flt, "-T", "json"]
    for f in fields:
        args += ["-e", f]
    res = []
    for pkt in json.loads(tshark(args) or b"[]"):
        layers = pkt["_source"]["layers"]
        res.append({k: v for k, v in layers.items()})
    return res


def one(r, k):
    v = r.get(k)
    return v[0] if v else None


def main():
    lua, path = sys.argv[1], sys.argv[2]
    bad = []
    epbs = epb_annotations(path)
    pkts = rows(lua, path, "sll", PACKET_FIELDS)
    if len(pkts) != len(epbs):
        bad.append("tshark shows %d packets, the file has %d EPBs" % (len(pkts), len(epbs)))
    annotated = compared = 0
    for (a, comment), r in zip(epbs, pkts):
        n = one(r, "frame.number")
        want = {}
        comm = pid_c = None
        if comment and "[" in comment:
            head = comment.split(" (")[0].split(" uid=")[0]
            comm = head[:head.rindex("[")]
        if a:
            annotated += 1
            for k in ("netns", "cpu", "seq", "ifindex"):
                want["netrec." + k] = str(a[k])
            want["netrec.ktime_ns"] = str(a["ktime"])
            want["netrec.owner_source"] = OWNER_SOURCES[a["owner_src"]]
            want["netrec.direction"] = "out" if a["flags"] & 4 else "in"
            want["netrec.cookie"] = str(a["cookie"]) if a["flags"] & 2 else None
            for k in ("pid", "tid", "uid", "gid", "cgroup"):
                want["netrec." + k] = str(a[k]) if a["flags"] & 1 else None
            if a["flags"] & 1:
                want["netrec.comm"] = comm
                want["netrec.process"] = "%s[%d]" % (comm, a["pid"])
            elif a["owner_src"] == 1:
                want["netrec.process"] = "kernel"
        else:
            bad.append("frame %s: no annotation in the file" % n)
        for k, v in want.items():
            got = one(r, k)
            compared += 1
            if got != v:
                bad.append("frame %s: %s is %r, the file says %r" % (n, k, got, v))

    evs = rows(lua, path, "systemd_journal", EVENT_FIELDS)
    events = procs = 0
    for r in evs:
        n = one(r, "frame.number")
        j = dict(zip(r.get("systemd_journal.field.name", []), r.get("systemd_journal.field.value", [])))
        rec = j.get("NETREC_RECORD")
        if rec is None:
            continue
        want = {"netrec.record": rec, "netrec.pid": one(r, "systemd_journal.pid"),
                "netrec.comm": one(r, "systemd_journal.comm"),
                "netrec.uid": one(r, "systemd_journal.uid"), "netrec.gid": one(r, "systemd_journal.gid"),
                "netrec.tid": j.get("NETREC_TID"), "netrec.cgroup": j.get("NETREC_CGROUP_ID"),
                "netrec.netns": j.get("NETREC_NETNS"), "netrec.cpu": j.get("NETREC_CPU"),
                "netrec.seq": j.get("NETREC_SEQ"), "netrec.cookie": j.get("NETREC_COOKIE"),
                "netrec.owner_source": j.get("NETREC_OWNER_SRC"), "netrec.ts_ns": j.get("NETREC_TS_NS")}
        if rec == "tcp_event":
            events += 1
            fam6 = j.get("NETREC_FAMILY") == "inet6"
            want.update({
                "netrec.event": j.get("NETREC_EVENT"), "netrec.family": j.get("NETREC_FAMILY"),
                "netrec.state.old": j.get("NETREC_OLDSTATE"), "netrec.state.new": j.get("NETREC_NEWSTATE"),
                "netrec.local.ipv6" if fam6 else "netrec.local.ip": j.get("NETREC_SADDR"),
                "netrec.remote.ipv6" if fam6 else "netrec.remote.ip": j.get("NETREC_DADDR"),
                "netrec.local.ip" if fam6 else "netrec.local.ipv6": None,
                "netrec.local.port": j.get("NETREC_SPORT"), "netrec.remote.port": j.get("NETREC_DPORT"),
                "netrec.errno": j.get("NETREC_ERRNO"),
                "netrec.errno.name": errno.errorcode.get(int(j["NETREC_ERRNO"])) if "NETREC_ERRNO" in j else None,
                "netrec.window": j.get("NETREC_WINDOW"), "netrec.stack": j.get("NETREC_KERNEL_STACK"),
            })
            if want["netrec.pid"]:
                want["netrec.process"] = "%s[%s]" % (want["netrec.comm"], want["netrec.pid"])
        else:
            procs += 1
        for k, v in want.items():
            got = one(r, k)
            compared += 1
            if got != v:
                bad.append("journal frame %s: %s is %r, the entry says %r" % (n, k, got, v))
    print("packets: %d, annotated %d; kernel events: %d; process records: %d; %d values compared, %d differ"
          % (len(pkts), annotated, events, procs, compared, len(bad)))
    for b in bad[:20]:
        print("  " + b)
    if not pkts or not events:
        print("  nothing to compare (no packets or no kernel events)")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Comparisons for the fleet suite (tests/fleet/fleet.sh): what ClickHouse
returns against what netanalyze's SQLite holds. Each command prints what it
compared and exits 1 on the first kind of difference, listing examples.

  rows WORK HOST...
      every row of the exported tables, as each host's database WORK/HOST.db
      (netanalyze's) holds it and as ClickHouse returned it (WORK/ch.TABLE.jsonl,
      SELECT * ... FINAL FORMAT JSONEachRow): the same multiset of rows, NULLs
      included, and on each ClickHouse row host = HOST, capture = the content
      hash of the row's file, day = the UTC date of that file's first record
  counts WORK CH.tsv HOST...
      rows per table and host in ClickHouse (table, host, count) against the
      hosts' databases
  table SQLITE.jsonl CH.tsv
      one query's result in both: SQLite's rows (netanalyze --format jsonl)
      printed as ClickHouse prints TabSeparated, line for line
"""
import collections
import datetime
import json
import os
import sqlite3
import sys


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def canon(row):
    return json.dumps(row, sort_keys=True, separators=(",", ":"))


TABLES = {"captures": "files", "connections": "connections", "handshakes": "handshakes",
          "events": "events", "processes": "processes"}


def sqlite_rows(db, table):
    """A table as netanalyze's database holds it (read-only)."""
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    con.row_factory = sqlite3.Row
    rows = [dict(r) for r in con.execute("SELECT * FROM %s" % table)]
    con.close()
    return rows


def compare_rows(files, want, got, host):
    bad = []
    plain = []
    for r in got:
        r = dict(r)
        h, cap, day = r.pop("host"), r.pop("capture"), r.pop("day")
        if "file_host" in r:
            r["host"] = r.pop("file_host")
        f = files.get(r.get("file_id"))
        if h != host:
            bad.append("host %r, not %r" % (h, host))
        if f is None:
            bad.append("file_id %r not in files" % r.get("file_id"))
        else:
            if cap != f["hash"]:
                bad.append("capture %r, file's hash %r" % (cap, f["hash"]))
            ns = f["first_ns"] if f["first_ns"] is not None else f["loaded_ns"]
            d = datetime.datetime.fromtimestamp(ns // 10**9, datetime.timezone.utc)
            if day != d.strftime("%Y-%m-%d"):
                bad.append("day %r, file's first record on %s" % (day, d.date()))
        plain.append(r)
    if want and plain and set(want[0]) != set(plain[0]):
        bad.append("columns differ: only SQLite %s, only ClickHouse %s" % (
            sorted(set(want[0]) - set(plain[0])), sorted(set(plain[0]) - set(want[0]))))
    w = collections.Counter(canon(r) for r in want)
    g = collections.Counter(canon(r) for r in plain)
    for k in (w - g):
        bad.append("only in SQLite: " + k[:300])
    for k in (g - w):
        bad.append("only in ClickHouse: " + k[:300])
    if not want:
        bad.append("nothing to compare")
    return bad


def cmd_rows(work, *hosts):
    """Every row of every exported table of every host, in ClickHouse
    (work/ch.TABLE.jsonl, all hosts) and in the host's database
    (work/HOST.db): the same multiset, NULLs included."""
    failed = 0
    for t, st in TABLES.items():
        ch = load_jsonl(os.path.join(work, "ch.%s.jsonl" % t))
        for h in hosts:
            db = os.path.join(work, h + ".db")
            files = {f["file_id"]: f for f in sqlite_rows(db, "files")}
            want = sqlite_rows(db, st)
            got = [r for r in ch if r["host"] == h]
            bad = compare_rows(files, want, got, h)
            nulls = sum(1 for r in want for v in r.values() if v is None)
            print("%s %-11s %4d rows in SQLite, %4d in ClickHouse, %4d NULLs: %s" % (
                h, t, len(want), len(got), nulls, "DIFFER" if bad else "equal"))
            for b in bad[:10]:
                print("  " + b)
            failed += bool(bad)
        others = [r["host"] for r in ch if r["host"] not in hosts]
        if others:
            print("%s: rows of unknown hosts %s" % (t, sorted(set(others))))
            failed += 1
    return 1 if failed else 0


def cmd_counts(work, ch_path, *hosts):
    """Rows per (table, host) in ClickHouse (TabSeparated: table, host, n)
    against the host's database."""
    got = {}
    with open(ch_path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                t, h, n = line.rstrip("\n").split("\t")
                got[(t, h)] = int(n)
    failed = 0
    for h in hosts:
        con = sqlite3.connect("file:%s?mode=ro" % os.path.join(work, h + ".db"), uri=True)
        for t, st in TABLES.items():
            want = con.execute("SELECT count(*) FROM %s" % st).fetchone()[0]
            if got.get((t, h), 0) != want:
                print("%s %s: %d rows in ClickHouse, %d in SQLite" % (h, t, got.get((t, h), 0), want))
                failed += 1
        con.close()
    print("rows per host and table %s" % ("DIFFER" if failed else "equal to SQLite"))
    return 1 if failed else 0


def cmd_table(sqlite_path, ch_path):
    """The same query's result: SQLite's rows (JSON, columns in order) as
    ClickHouse's TabSeparated lines."""
    want = []
    with open(sqlite_path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line, object_pairs_hook=list)
                want.append("\t".join("\\N" if v is None else str(v) for _, v in row))
    with open(ch_path, encoding="utf-8") as f:
        got = [line.rstrip("\n") for line in f if line.strip()]
    for w in want:
        print("  SQLite     " + w.replace("\t", "  "))
    same = want == got
    if not same:
        for g in got:
            print("  ClickHouse " + g.replace("\t", "  "))
    print("%d rows%s" % (len(want), ": equal" if same else ": DIFFER"))
    return 0 if same and want else 1


def main(argv):
    if len(argv) >= 4 and argv[1] == "rows":
        return cmd_rows(*argv[2:])
    if len(argv) >= 5 and argv[1] == "counts":
        return cmd_counts(*argv[2:])
    if len(argv) == 4 and argv[1] == "table":
        return cmd_table(*argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

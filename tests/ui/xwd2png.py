#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Converts a 24/32-bit TrueColor XWD screen dump (xwd -root) to PNG with
the standard library only. Prints "WIDTHxHEIGHT COLORS" (distinct colours,
a first sign that the screen is not blank).
  xwd2png.py IN.xwd OUT.png
"""
import struct
import sys
import zlib


def read_xwd(path):
    d = open(path, "rb").read()
    h = struct.unpack_from(">25I", d, 0)
    (hsize, version, fmt, depth, width, height, _xoff, byte_order, _unit, _bit_order, _pad,
     bpp, bpl, _vclass, rmask, gmask, bmask, _bits_rgb, _cmap, ncolors) = h[:20]
    if version != 7 or fmt != 2 or bpp not in (24, 32):
        sys.exit("%s: unsupported XWD (version %d, format %d, %d bits per pixel)" % (path, version, fmt, bpp))
    off = hsize + ncolors * 12
    step = bpp // 8

    def shift(m):
        s = 0
        while m and not m & 1:
            m >>= 1
            s += 1
        return s
    rs, gs, bs = shift(rmask), shift(gmask), shift(bmask)
    rows = []
    for y in range(height):
        line = d[off + y * bpl: off + y * bpl + width * step]
        if step == 4:
            px = struct.unpack(("<" if byte_order == 0 else ">") + "%dI" % width, line)
        else:
            px = [int.from_bytes(line[i:i + 3], "little" if byte_order == 0 else "big")
                  for i in range(0, len(line), 3)]
        row = bytearray(width * 3)
        for x, p in enumerate(px):
            row[3 * x] = (p & rmask) >> rs
            row[3 * x + 1] = (p & gmask) >> gs
            row[3 * x + 2] = (p & bmask) >> bs
        rows.append(bytes(row))
    return width, height, rows


def write_png(path, width, height, rows):
    def chunk(t, data):
        c = struct.pack(">I", len(data)) + t + data
        return c + struct.pack(">I", zlib.crc32(t + data) & 0xffffffff)
    raw = b"".join(b"\0" + r for r in rows)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 6)))
        f.write(chunk(b"IEND", b""))


if __name__ == "__main__":
    w, h, rows = read_xwd(sys.argv[1])
    write_png(sys.argv[2], w, h, rows)
    colors = set()
    for r in rows[::8]:
        for i in range(0, len(r), 24):
            colors.add(r[i:i + 3])
    print("%dx%d %d" % (w, h, len(colors)))

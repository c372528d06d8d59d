#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Write to standard output everything libzstd decodes from FILE, also when
the file ends inside a frame (a recording killed mid-write).

`zstd -dc` is not used for that: on a premature end the zstd 1.5.4 CLI
drops the decoded bytes it had not yet written out (it stops at a multiple
of its 128 KiB output buffer), so it shows fewer packets than the file
holds. This goes to libzstd itself, through ctypes, with no code of ours."""
import ctypes
import sys


class Buf(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_void_p), ("size", ctypes.c_size_t), ("pos", ctypes.c_size_t)]


def main():
    z = ctypes.CDLL("libzstd.so.1")
    z.ZSTD_createDStream.restype = ctypes.c_void_p
    z.ZSTD_initDStream.argtypes = [ctypes.c_void_p]
    z.ZSTD_decompressStream.restype = ctypes.c_size_t
    z.ZSTD_decompressStream.argtypes = [ctypes.c_void_p, ctypes.POINTER(Buf), ctypes.POINTER(Buf)]
    z.ZSTD_isError.argtypes = [ctypes.c_size_t]
    z.ZSTD_isError.restype = ctypes.c_uint
    d = z.ZSTD_createDStream()
    z.ZSTD_initDStream(d)
    data = open(sys.argv[1], "rb").read()
    src = ctypes.create_string_buffer(data, len(data))
    cap = 1 << 20
    out = ctypes.create_string_buffer(cap)
    inb = Buf(ctypes.cast(src, ctypes.c_void_p), len(data), 0)
    w = sys.stdout.buffer
    while True:
        outb = Buf(ctypes.cast(out, ctypes.c_void_p), cap, 0)
        r = z.ZSTD_decompressStream(d, ctypes.byref(outb), ctypes.byref(inb))
        w.write(out.raw[:outb.pos])
        if z.ZSTD_isError(r) or (outb.pos < cap and inb.pos == inb.size):
            break
    w.flush()
    # 0: the frames ended; 1: the file stops inside one (or is damaged)
    return 0 if r == 0 and inb.pos == inb.size else 1


if __name__ == "__main__":
    sys.exit(main())

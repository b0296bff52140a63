#!/usr/bin/env python3
"""Seeds for fuzz/fuzz_bios.c: one input per service family, laid out as
the harness reads them (4-byte header, 40-byte records, memory pokes)."""
import os
import struct

OUT = os.path.join(os.path.dirname(__file__), "bios")
VEC = {0x10: 0, 0x11: 1, 0x12: 2, 0x13: 3, 0x15: 4, 0x16: 5, 0x1A: 6, 0x08: 7,
       0x19: 8, 0x18: 9}


def rec(vec, eax=0, ebx=0, ecx=0, edx=0, esi=0, edi=0, ebp=0, ds=0, es=0, ss=0,
        sp=0x6000, mode=0, flags=0x02, pokes=()):
    r = bytes([VEC[vec], flags])
    r += struct.pack("<7I", eax, ebx, ecx, edx, esi, edi, ebp)
    r += struct.pack("<3H", ds, es, ss) + struct.pack("<H", sp)
    r += bytes([mode, len(pokes)])
    for addr, val in pokes:
        r += struct.pack("<I", (addr & 0xFFFFF) | (val << 24))
    return r


def dap(addr, size, count, seg, off, lba):
    b = struct.pack("<BBHHHQ", size, 0, count, off, seg, lba)
    return [(addr + i, v) for i, v in enumerate(b)]


seeds = {
    "disk_ext": b"\x10\x00\x01\x00" + rec(0x13, eax=0x4200, edx=0x80, esi=0x3000,
                                        pokes=dap(0x3000, 0x10, 2, 0x1000, 0, 1)),
    "disk_ext_write": b"\x10\x00\x01\x00" + rec(0x13, eax=0x4300, edx=0x80, esi=0x3000,
                                              pokes=dap(0x3000, 0x18, 1, 0xFFFF, 0xFFFF, 0)),
    "disk_chs": b"\x20\x00\x00\x00" + rec(0x13, eax=0x0202, ebx=0x100, ecx=0x0001,
                                        edx=0x0080, es=0x1000) +
                rec(0x13, eax=0x0800, edx=0x80) + rec(0x13, eax=0x4100, ebx=0x55AA, edx=0x80) +
                rec(0x13, eax=0x4800, edx=0x80, esi=0x3000, pokes=[(0x3000, 0x42)]),
    "disk_ro": b"\x08\x01\x00\x00" + rec(0x13, eax=0x0301, ecx=1, edx=0x80, es=0x1000),
    "e820": b"\x01\x02\x00\x00" + b"".join(
        rec(0x15, eax=0xE820, ebx=i, ecx=24, edx=0x534D4150, es=0x800) for i in range(6)) +
        rec(0x15, eax=0xE801) + rec(0x15, eax=0x8800) + rec(0x15, eax=0xC000) +
        rec(0x15, eax=0x2400) + rec(0x15, eax=0x2402) + rec(0x15, eax=0x8600, ecx=0, edx=500),
    "video": b"\x01\x00\x00\x00" + rec(0x10, eax=0x0003) +
             b"".join(rec(0x10, eax=0x0E00 | c) for c in b"Hello\r\n") +
             rec(0x10, eax=0x0601, ebx=0x1E00, ecx=0x0000, edx=0x184F) +
             rec(0x10, eax=0x0200, edx=0x184F) + rec(0x10, eax=0x0E41) +
             rec(0x10, eax=0x0941, ebx=0x1F, ecx=2000) + rec(0x10, eax=0x1301, ebx=0x7,
                                                            ecx=50, es=0x700) +
             rec(0x10, eax=0x1200, ebx=0x10) + rec(0x10, eax=0x1A00) + rec(0x10, eax=0x0F00),
    "keyboard": b"\x01\x00\x00\x00" + rec(0x16, eax=0x0100) + rec(0x16, eax=0x0000) +
                rec(0x16, eax=0x0500, ecx=0x1E61) + rec(0x16, eax=0x1000) +
                rec(0x16, eax=0x0200) + b"ab\x1b[Ac\r",
    "time": b"\x01\x00\x05\x00" + rec(0x1A, eax=0x0000) + rec(0x1A, eax=0x0200) +
            rec(0x1A, eax=0x0300, ecx=0x2359, edx=0x5900) + rec(0x1A, eax=0x0400) +
            rec(0x1A, eax=0x0500, ecx=0x2026, edx=0x1124) + rec(0x08) + rec(0x08),
    "boot": b"\x02\x02\x00\x00" + rec(0x19) + rec(0x18) + b"\x00" * 500 + b"\xaa\x55",
    "bad_frames": b"\x01\x00\x00\x00" + rec(0x13, eax=0x4200, edx=0x80, ss=0xC000) +
                  rec(0x13, eax=0x4200, edx=0x80, mode=1) +
                  rec(0x13, eax=0x4200, edx=0x80, mode=2, ds=0xF000, esi=0xFFFF),
}

os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)

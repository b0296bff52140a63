#!/usr/bin/env python3
# Writes the fuzz_board seeds (fuzz/corpus/board/*): op streams in the
# fuzz_ops.h format aimed at the windows listed in fuzz/fuzz_board.c.
# Run from the repository root: python3 fuzz/corpus/gen_board_seeds.py
import struct, os
PR, PW, MR, MW, CR, CW, STEP, IRQ, DMA, SAVE = range(10)
SZ = {1: 0, 2: 1, 4: 2, 8: 3}
def rd(op, win, off, size=1): return struct.pack('<BBHB', op, win, off, SZ[size])
def wr(op, win, off, val, size=1): return struct.pack('<BBHBQ', op, win, off, SZ[size], val)
def pw(win, off, val, size=1): return wr(PW, win, off, val, size)
def pr(win, off, size=1): return rd(PR, win, off, size)
def mw(win, off, val, size=4): return wr(MW, win, off, val, size)
def mr(win, off, size=4): return rd(MR, win, off, size)
def step(count, unit): return struct.pack('<BI', STEP, (count << 2) | unit)  # unit 0 ns 1 us 2 ms 3 10ms
def irq(line, level): return struct.pack('<BBB', IRQ, line, level)
save = bytes([SAVE])
# PIO windows: 0 PIC 1 slave 2 ELCR 3 PIT 4 portB 5 RTC 6 COM1 7 PM 8 CF8 9 p92 10 testdev 11 testdev-irq 12 dbgcon 13 dbgexit
# MMIO windows: 0 IOAPIC 1 HPET 2 HPET timers 3 LAPIC 4 LAPIC ICR 5 cpu1 LAPIC 6 ECAM 7 ECAM bus1 8 MSR0 9 MSR1 10 backend 11 cpu1 IOAPIC
seeds = {}
seeds['pit'] = (pw(3, 3, 0x34) + pw(3, 0, 0xA9) + pw(3, 0, 0x04) + pw(3, 3, 0xB6) +
    pw(3, 2, 0x00) + pw(3, 2, 0x10) + pw(4, 0, 0x03) + step(5, 2) + pw(3, 3, 0x00) +
    pr(3, 0) + pr(3, 0) + pw(3, 3, 0xE2) + pr(3, 0) + pr(4, 0) + save + step(20, 2) +
    pw(3, 3, 0x30) + pw(3, 0, 0xFF) + pw(3, 0, 0xFF) + step(60, 3) + save)
seeds['rtc'] = (pw(5, 0, 0x0A) + pr(5, 1) + pw(5, 0, 0x0B) + pw(5, 1, 0x42) +
    pw(5, 0, 0x0A) + pw(5, 1, 0x2F) + step(3, 3) + pw(5, 0, 0x0C) + pr(5, 1) +
    pw(5, 0, 0x00) + pr(5, 1) + pw(5, 0, 0x0B) + pw(5, 1, 0x96) + pw(5, 0, 0x00) + pw(5, 1, 0x59) +
    pw(5, 0, 0x0B) + pw(5, 1, 0x32) + pw(5, 2, 0x80) + pw(5, 3, 0x5A) + pr(5, 3) +
    step(100, 3) + save + pw(5, 0, 0x8C) + pr(5, 1))
seeds['pci'] = (pw(8, 0, 0x80000000, 4) + pr(8, 4, 4) + pw(8, 0, 0x80000008, 4) + pr(8, 4, 4) +
    pr(8, 6, 2) + pw(8, 0, 0x80000004, 4) + pw(8, 4, 0x0007, 2) + pr(8, 4, 2) +
    pw(8, 0, 0x80000810, 4) + pr(8, 4, 4) + mr(6, 0) + mr(6, 8) + mw(6, 4, 0x0006, 2) +
    mr(6, 4, 2) + mw(6, 0x100, 0xFFFFFFFF) + mr(6, 0x100) + mr(7, 0) +
    struct.pack('<BBHB', CR, 0, 0, 2) + struct.pack('<BBHBQ', CW, 0, 0x0D, 0, 0x40) +
    struct.pack('<BBHB', CR, 0, 0x0C, 2) + pw(8, 1, 0x02) + pr(8, 1) + save + pw(8, 0, 0, 4))
seeds['hpet_ioapic'] = (mr(1, 0, 8) + mw(2, 0, 0x4 | 0x8 | 0x40 | (16 << 9)) + mw(2, 8, 20000, 8) +
    mw(2, 8, 20000, 8) + mw(1, 0x10, 1) + mw(0, 0, 0x30) + mw(0, 0x10, 0x8051) +
    mw(0, 0, 0x31) + mw(0, 0x10, 0) + mw(0, 0, 0x14) + mw(0, 0x10, 0x52) + step(1, 2) +
    mr(10, 0, 8) + mw(3, 0xB0, 0) + mr(1, 0x20) + mw(1, 0x20, 1) + mr(1, 0xF0, 8) +
    mw(2, 0x20, 0x4 | 0x4000) + mw(2, 0x30, 0xFEE00000 << 32 | 0x61, 8) + mw(2, 0x28, 50000, 8) +
    step(2, 2) + mr(10, 0, 8) + save + mw(1, 0x10, 3) + step(5, 2) + mw(0, 0, 1) + mr(0, 0x10) +
    mw(11, 0, 2) + mr(11, 0x10) + mr(0, 0x40))
seeds['lapic'] = (mw(3, 0xF0, 0x1FF) + mw(3, 0x3E0, 0xB) + mw(3, 0x320, 0x20040) + mw(3, 0x380, 100000) +
    step(1, 2) + mr(10, 0, 8) + mw(3, 0xB0, 0) + mr(3, 0x390) + mw(3, 0x310, 1 << 24) +
    mw(3, 0x300, 0x4041) + mr(10, 1, 8) + mw(5, 0xB0, 0) + mw(3, 0x300, 0x4500) +
    mw(3, 0x300, 0x4608) + mr(10, 5, 8) + mr(10, 7, 8) + mr(8, 0x100, 8) +
    mw(8, 0x100, 0xFEE00000 | (1 << 11) | (1 << 10) | (1 << 8), 8) + mr(8, 0x02, 8) +
    mw(8, 0x30, (1 << 32) | 0x4055, 8) + mr(10, 1, 8) + mw(8, 0x101, 0xFFFFFFFF, 8) +
    mw(10, 0, 0xF, 8) + mr(10, 10, 8) + mr(10, 8, 8) + save + mw(5, 0x320, 0x40062) +
    mw(5, 0x380, 5000) + step(30, 1) + mr(10, 1, 8) + mr(10, 3, 8))
seeds['uart'] = (pw(6, 3, 0x80) + pw(6, 0, 0x01) + pw(6, 1, 0x00) + pw(6, 3, 0x03) +
    pw(6, 2, 0xC7) + pw(6, 1, 0x0F) + pw(6, 4, 0x1B) + b''.join(pw(6, 0, c) for c in b'hello!') +
    pr(6, 5) + pr(6, 2) + pr(6, 0) + pr(6, 0) + pr(6, 6) + step(2, 2) + pr(6, 2) + save +
    pw(6, 4, 0x08) + pw(6, 0, ord('x')) + pr(6, 5) + b''.join(pw(12, 0, c) for c in b'dbg\n') +
    pr(12, 0) + pw(10, 0, 0x12345678, 4) + pr(10, 0, 4) + pw(11, 4, 1) + pr(11, 4) + pw(11, 4, 0))
seeds['pic'] = (pw(0, 0, 0x11) + pw(0, 1, 0x20) + pw(0, 1, 0x04) + pw(0, 1, 0x01) +
    pw(1, 0, 0x11) + pw(1, 1, 0x28) + pw(1, 1, 0x02) + pw(1, 1, 0x01) + pw(0, 1, 0xE8) +
    pw(1, 1, 0xFE) + irq(4, 1) + mr(10, 0, 8) + pw(0, 0, 0x20) + irq(4, 0) + irq(8, 1) +
    pw(0, 0, 0x0A) + pr(0, 0) + pw(0, 0, 0x0B) + pr(0, 0) + mr(10, 0, 8) + pw(1, 0, 0x20) +
    pw(0, 0, 0x20) + pw(2, 1, 0x0E) + irq(10, 1) + pr(2, 1) + irq(17, 1) + save + irq(17, 0) +
    pw(0, 0, 0x0C) + pr(0, 0))
seeds['pm_misc'] = (pw(7, 2, 0x0121, 2) + pw(7, 4, 0x0001, 2) + pr(7, 8, 4) + step(50, 3) +
    pr(7, 0, 2) + pw(7, 0, 0x0001, 2) + pr(7, 0x20, 1) + pw(7, 0x24, 0xFF) + save +
    pw(9, 0, 0x02) + pr(9, 0) + pw(9, 0, 0x03) + pw(8, 1, 0x06) + pw(7, 4, (5 << 10) | (1 << 13), 2) +
    pw(13, 0, 0x21))
seeds['legacy'] = (pw(3, 3, 0x34) + pw(3, 0, 0x00) + pw(3, 0, 0x10) + pw(5, 0, 0x0B) + pw(5, 1, 0x42) +
    mw(0, 0, 0x14) + mw(0, 0x10, 0x30) + mw(0, 0, 0x20) + mw(0, 0x10, 0x38) + step(2, 2) +
    mr(10, 0, 8) + mw(3, 0xB0, 0) + mw(2, 0, 0x4 | 0x8 | 0x40) + mw(2, 8, 100000, 8) +
    mw(2, 8, 100000, 8) + mw(1, 0x10, 3) + step(3, 2) + mr(10, 0, 8) + save + mw(1, 0x10, 1) +
    step(3, 2) + mr(10, 0, 8))
out = 'fuzz/corpus/board'
for name, data in seeds.items():
    open(os.path.join(out, name), 'wb').write(data)
    print(name, len(data))
# i8042: self test, command byte, keyboard reset/echo, mouse enable, host
# keys and mouse through the backend window, A20 via the output port.
seeds2 = {}
seeds2['i8042'] = (pw(15, 0, 0xAA) + pr(14, 0) + pw(15, 0, 0x20) + pr(14, 0) +
    pw(15, 0, 0x60) + pw(14, 0, 0x47) + pw(14, 0, 0xFF) + pr(14, 0) + pr(14, 0) +
    pw(14, 0, 0xEE) + pr(14, 0) + pw(15, 0, 0xA8) + pw(15, 0, 0xD4) + pw(14, 0, 0xF4) +
    pr(15, 0) + pr(14, 0) + mw(10, 2, (1 << 9) | 30, 8) + pr(15, 0) + pr(14, 0) +
    mw(10, 2, 30, 8) + pr(14, 0) + mw(10, 3, (1 << 24) | (0x05 << 8) | 0x03, 8) +
    pr(14, 0) + pr(14, 0) + pr(14, 0) + save + pw(15, 0, 0xD1) + pw(14, 0, 0x01) +
    pw(15, 0, 0xD0) + pr(14, 0) + pw(15, 0, 0xDF) + pw(15, 0, 0xFE))
for name, data in seeds2.items():
    open(os.path.join(out, name), 'wb').write(data)
    print(name, len(data))

#!/usr/bin/env python3
"""Writes the seed inputs of fuzz_pci (run from the repository root). The op
encoding is fuzz/common/fuzz_ops.h's; window numbers are fuzz/fuzz_pci.c's:
ports 0 = 0xCF8, 1 = 0xC000, 2 = 0xC040, 3 = 0x1000; MMIO 0 = ECAM,
1-3 = ECAM of 00:01.0, 00:02.0, 00:02.1, 4 = 0xC0000000, 5 = 0xC0004000,
6 = 0xC0008000, 7 = 0xC0010000, 8 = 0xFEBF0000, 9 = 0x800000000; config
0 = 00:00.0, 1 = 00:01.0, 2 = 00:02.0, 3 = 00:02.1, 4 = 00:03.0."""
import os
import struct

B, W, D, Q = 0, 1, 2, 3

def acc(op, win, off, size):
    return bytes([op, win]) + struct.pack('<HB', off, size)

def pio_r(win, off, size=D): return acc(0, win, off, size)
def pio_w(win, off, val, size=D): return acc(1, win, off, size) + struct.pack('<Q', val)
def mmio_r(win, off, size=D): return acc(2, win, off, size)
def mmio_w(win, off, val, size=D): return acc(3, win, off, size) + struct.pack('<Q', val)
def cfg_r(win, off, size=D): return acc(4, win, off, size)
def cfg_w(win, off, val, size=D): return acc(5, win, off, size) + struct.pack('<Q', val)
def irq(line, level): return bytes([7, line, level])
SAVE = bytes([9])

def cf8(dev, fn, reg, ext=0):
    return pio_w(0, 0, 0x80000000 | ext << 24 | dev << 11 | fn << 8 | (reg & 0xFC))

def cf8_w(dev, fn, reg, val, size=D):
    return cf8(dev, fn, reg) + pio_w(0, 4 + (reg & 3), val, size)

def cf8_r(dev, fn, reg, size=D):
    return cf8(dev, fn, reg) + pio_r(0, 4 + (reg & 3), size)

def write(idx, data):
    d = os.path.join('fuzz', 'corpus', 'pci')
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'seed%d' % idx), 'wb') as f:
        f.write(data)

# 1: a guest's bus scan through CF8/CFC, every width, and the non-dword
# accesses to 0xCF8 that are not CONFIG_ADDRESS.
s = b''
for dev in range(4):
    for fn in (0, 1):
        s += cf8_r(dev, fn, 0) + cf8_r(dev, fn, 0x0E, B) + cf8_r(dev, fn, 0x0A, W)
s += pio_w(0, 1, 0x06, B) + pio_r(0, 0, W) + pio_r(0, 0) + pio_w(0, 0, 0x00001800)
s += pio_r(0, 4) + cf8(1, 0, 0, ext=1) + pio_r(0, 4)
write(1, s)

# 2: 00:01.0 sized and placed by CF8, decode on, doorbells by INTx, then
# MSI with 8 vectors, masking and unmasking.
s = b''
for bar in range(6):
    s += cf8_w(1, 0, 0x10 + 4 * bar, 0xFFFFFFFF) + cf8_r(1, 0, 0x10 + 4 * bar)
s += cf8_w(1, 0, 0x30, 0xFFFFF800) + cf8_r(1, 0, 0x30)
s += cf8_w(1, 0, 0x10, 0xC000) + cf8_w(1, 0, 0x14, 0xC0000000)
s += cf8_w(1, 0, 0x18, 0xC0008000) + cf8_w(1, 0, 0x1C, 0) + cf8_w(1, 0, 0x30, 0xC0010001)
s += cf8_w(1, 0, 0x04, 0x0007, W)
s += pio_r(1, 0, B) + mmio_r(6, 8, Q) + mmio_r(7, 0, W)
s += mmio_w(4, 0, 0x8003) + mmio_w(4, 0, 0x0003)
s += cf8_w(1, 0, 0x44, 0xFEE00000) + cf8_w(1, 0, 0x48, 0) + cf8_w(1, 0, 0x4C, 0x4020, W)
s += cf8_w(1, 0, 0x42, 0x0031, W) + mmio_w(4, 0, 0x8005)
s += cf8_w(1, 0, 0x50, 0xFF) + mmio_w(4, 0, 0x8006) + cf8_r(1, 0, 0x54) + SAVE
s += cf8_w(1, 0, 0x50, 0x00) + irq(0, 1) + irq(0, 0) + SAVE
write(2, s)

# 3: 00:02.0 by ECAM: MSI-X table in BAR0, vectors programmed, function
# mask, host-side interrupts, PBA reads.
s = mmio_w(2, 0x10, 0xC0004000) + mmio_w(2, 0x14, 0x1000) + mmio_w(2, 0x04, 0x0407, W)
s += mmio_w(2, 0x4E, 0xC000, W)
for v in range(10):
    s += mmio_w(5, v * 16, 0xFEE00000 | v << 12, Q) + mmio_w(5, v * 16 + 8, 0x30 + v, Q)
s += irq(1, 1) + irq(1, 0) + mmio_r(5, 0x1000, Q) + mmio_w(2, 0x4E, 0x8000, W)
s += mmio_r(5, 0x1000, Q) + mmio_w(5, 8 * 16 + 12, 1) + irq(1, 1) + mmio_w(5, 8 * 16 + 12, 0)
s += pio_w(3, 0, 0x8001, W) + SAVE + mmio_w(2, 0x4E, 0, W) + irq(1, 1)
write(3, s)

# 4: 00:02.1 through the configuration space itself: a 64-bit BAR above
# 4 GiB holding registers and an MSI-X table.
s = cfg_w(3, 0x10, 0) + cfg_w(3, 0x14, 0x8) + cfg_w(3, 0x04, 0x0006, W) + cfg_w(3, 0x42, 0x8000, W)
s += mmio_w(9, 0x800, 0xFEE00000, Q) + mmio_w(9, 0x808, 0x41) + mmio_w(9, 0x80C, 0)
s += irq(2, 1) + mmio_r(9, 0xC00, Q) + mmio_w(9, 0, 0x8000) + mmio_r(9, 0x810, Q)
s += cfg_r(4, 0) + cfg_r(0, 0) + cfg_w(0, 0x04, 0xFFFF, W) + SAVE
write(4, s)

# 5: a guest placing BARs over ECAM, over each other, sizing while
# decode is on, and moving them back.
s = cfg_w(1, 0x04, 0x0003, W) + cfg_w(1, 0x14, 0xB0000000) + cfg_w(1, 0x10, 0x0CF8)
s += cfg_w(2, 0x10, 0xC0000000) + cfg_w(2, 0x04, 0x0002, W) + cfg_w(1, 0x14, 0xC0000000)
s += cfg_w(1, 0x14, 0xFFFFFFFF) + cfg_w(1, 0x14, 0xC0004000) + cfg_w(2, 0x10, 0xC0004000)
s += cfg_w(1, 0x10, 0xFFFFFFFF) + cfg_w(1, 0x10, 0x1000) + pio_r(3, 0) + SAVE
s += cfg_w(1, 0x30, 0xC0000001) + cfg_w(1, 0x04, 0, W) + cfg_w(1, 0x30, 0xC0010001)
s += cfg_w(1, 0x04, 0x0002, W) + mmio_r(7, 0, D)
write(5, s)

# 6: a first byte with bit 7 set (0x8B is a SAVE op) turns on the CF8
# extended register bits; the pass-through byte at 0xCF9, misaligned
# accesses around 0xCF8, and a platform reset on line 3.
s = bytes([0x8B]) + cf8(1, 0, 0x40, ext=1) + pio_r(0, 4) + cf8(2, 0, 0x4C, ext=0) + pio_r(0, 6, W)
s += pio_w(0, 1, 0x06, B) + pio_r(0, 1, B) + pio_r(0, 2, D) + pio_w(0, 3, 0x11223344, D)
s += cf8_w(1, 0, 0x64, 0xFFFFFFFF) + cf8_r(1, 0, 0x60, B) + cf8_w(1, 0, 0x04, 0x0007, W)
s += cf8_w(1, 0, 0x10, 0xC000) + irq(3, 1) + irq(3, 0) + pio_r(1, 0, B) + pio_r(0, 0) + SAVE
write(6, s)

# 7: power management on 00:02.1 (PMCSR at 0x50) taking its BAR away in
# D3hot and back in D0, D1 on 00:02.0 (PMCSR at 0x5C), and the extended
# capabilities of 00:02.1 read through ECAM.
s = cfg_w(3, 0x10, 0) + cfg_w(3, 0x14, 0x8) + cfg_w(3, 0x04, 0x0006, W) + mmio_r(9, 0, D)
s += cfg_w(3, 0x50, 3, W) + mmio_r(9, 0, D) + cfg_r(3, 0x50, W) + cfg_w(3, 0x50, 1, W)
s += cfg_w(3, 0x50, 0, W) + mmio_r(9, 0, D) + mmio_r(3, 0x100, D) + mmio_r(3, 0x10C, D)
s += cfg_w(2, 0x10, 0xC0004000) + cfg_w(2, 0x04, 0x0002, W) + cfg_w(2, 0x5C, 1, W)
s += mmio_r(5, 12, D) + SAVE + cfg_w(2, 0x5C, 0, W) + mmio_r(5, 12, D)
write(7, s)

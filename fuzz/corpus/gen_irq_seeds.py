#!/usr/bin/env python3
"""Writes the seed inputs of fuzz_pic, fuzz_ioapic and fuzz_lapic (run from
the repository root). The op encoding is fuzz/common/fuzz_ops.h's; the
LAPIC harness adds its own ops (see fuzz/fuzz_lapic.c)."""
import os
import struct

def pio_w(win, off, val, size=0):
    return bytes([1, win]) + struct.pack('<HB', off, size) + struct.pack('<Q', val)

def pio_r(win, off, size=0):
    return bytes([0, win]) + struct.pack('<HB', off, size)

def mmio_w(win, off, val, size=2):
    return bytes([3, win]) + struct.pack('<HB', off, size) + struct.pack('<Q', val)

def mmio_r(win, off, size=2):
    return bytes([2, win]) + struct.pack('<HB', off, size)

def irq(line, level):
    return bytes([7, line, level])

def step(count, unit):
    return bytes([6]) + struct.pack('<I', count << 2 | unit)

SAVE = bytes([9])

def write(name, idx, data):
    d = os.path.join('fuzz', 'corpus', name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'seed%d' % idx), 'wb') as f:
        f.write(data)

# PIC windows: 0 = 0x20, 1 = 0xA0, 2 = 0x4D0, 3 = INTA port.
pic_init = (pio_w(0, 0, 0x11) + pio_w(0, 1, 0x08) + pio_w(0, 1, 0x04) + pio_w(0, 1, 0x01) +
            pio_w(1, 0, 0x11) + pio_w(1, 1, 0x70) + pio_w(1, 1, 0x02) + pio_w(1, 1, 0x01))
write('pic', 1, pic_init + irq(0, 1) + pio_r(3, 0) + pio_w(0, 0, 0x20) + SAVE)
write('pic', 2, pic_init + pio_w(2, 1, 0x0C) + irq(10, 1) + irq(11, 1) + pio_r(3, 0) +
      pio_w(1, 0, 0x0B) + pio_r(1, 0) + pio_w(1, 0, 0x20) + pio_w(0, 0, 0x20) + irq(10, 0) + SAVE)
write('pic', 3, pic_init + irq(1, 1) + pio_r(3, 0) + pio_w(0, 1, 0x02) + pio_w(0, 0, 0x68) +
      irq(5, 1) + pio_r(3, 0) + pio_w(0, 0, 0xA0) + pio_w(0, 0, 0xC3) + pio_w(0, 0, 0x0C) + pio_r(0, 0))
write('pic', 4, pio_w(0, 0, 0x1B) + pio_w(0, 1, 0x20) + pio_w(0, 1, 0x04) + pio_w(0, 1, 0x03) +
      pio_w(0, 0, 0x80) + irq(3, 1) + irq(4, 1) + pio_r(3, 0) + pio_r(3, 0) + pio_r(3, 0))

# IOAPIC harness: a first byte picks the version (bit 0: 0x11, else 0x20);
# MMIO window 0 = IOAPIC, 1 = LAPIC 0, 2 = LAPIC 1; lines 0-23 are the pins;
# PIO window 0 is the vCPU port (read offset: bit 0 CPU, 2:1 ack/NMI/INIT/SIPI).
def ioreg(n, val):
    return mmio_w(0, 0, n) + mmio_w(0, 0x10, val)
lapic_on = mmio_w(1, 0xF0, 0x1FF) + mmio_w(2, 0xF0, 0x1FF)
write('ioapic', 1, b'\x00' + lapic_on + ioreg(0x10 + 2 * 4, 0x8030) + ioreg(0x11 + 2 * 4, 0) +
      irq(4, 1) + pio_r(0, 1) + mmio_w(2, 0xB0, 0) + irq(4, 0) + SAVE)
write('ioapic', 2, b'\x00' + lapic_on + ioreg(0x10 + 2 * 9, 0x0941) + ioreg(0x11 + 2 * 9, 0x03000000) +
      mmio_w(1, 0xD0, 0x01000000) + mmio_w(2, 0xD0, 0x02000000) + irq(9, 1) + irq(9, 0) +
      mmio_w(0, 0, 1) + mmio_r(0, 0x10) + mmio_w(0, 0x40, 0x41) + SAVE)
write('ioapic', 3, b'\x01' + lapic_on + ioreg(0x10, 0x700) + irq(0, 1) + ioreg(0x12, 0x400) + irq(1, 1) +
      ioreg(0x14, 0x500) + irq(2, 1) + ioreg(0x16, 0x10020) + irq(3, 1) + ioreg(0x16, 0x8020) + SAVE)

# LAPIC harness: MMIO windows 0 = LAPIC 0, 1 = LAPIC 1, 2 = IOAPIC; PIO 0x20,
# 0xA0 for the PIC. Extra ops from 10 on are described in fuzz_lapic.c.
def msr_w(cpu, msr, val):
    return bytes([10, cpu]) + struct.pack('<I', msr) + struct.pack('<Q', val)
def msr_r(cpu, msr):
    return bytes([11, cpu]) + struct.pack('<I', msr)
def ack(cpu):
    return bytes([12, cpu])
def lw(win, off, val):
    return mmio_w(win, off, val)
en = lw(0, 0xF0, 0x1FF) + lw(1, 0xF0, 0x1FF)
write('lapic', 1, en + lw(0, 0x3E0, 0xB) + lw(0, 0x320, 0x20030) + lw(0, 0x380, 1000) +
      step(20, 1) + ack(0) + lw(0, 0xB0, 0) + mmio_r(0, 0x390) + SAVE)
write('lapic', 2, en + lw(0, 0x310, 0x01000000) + lw(0, 0x300, 0x4041) + ack(1) + lw(1, 0xB0, 0) +
      lw(0, 0x300, 0xC4500) + lw(0, 0x300, 0xC4608) + SAVE)
write('lapic', 3, en + msr_w(0, 0x1B, 0xFEE00D00) + msr_w(0, 0x80F, 0x1FF) + msr_w(0, 0x83F, 0x50) +
      ack(0) + msr_w(0, 0x80B, 0) + msr_w(0, 0x832, 0x40060) + msr_w(0, 0x6E0, 5000) + step(10, 1) +
      msr_r(0, 0x802) + msr_r(0, 0x80D) + SAVE)
write('lapic', 4, en + lw(0, 0xE0, 0x0FFFFFFF) + lw(0, 0xD0, 0x11000000) + lw(1, 0xE0, 0x0FFFFFFF) +
      lw(1, 0xD0, 0x12000000) + lw(0, 0x310, 0x13000000) + lw(0, 0x300, 0x0930) + ack(0) + ack(1))

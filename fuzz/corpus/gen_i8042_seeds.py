#!/usr/bin/env python3
"""Writes the seed inputs of fuzz_i8042 (run from the repository root).
The op encoding is fuzz/common/fuzz_ops.h's; the first byte picks the build
(bit 0: no mouse, bit 1: check the output drains); PIO window 0 is port
0x60, window 1 port 0x64 and window 2 takes host events (see
fuzz/fuzz_i8042.c)."""
import os
import struct

def wr(port, val):
    return bytes([1, 0 if port == 0x60 else 1]) + struct.pack('<HB', 0, 0) + struct.pack('<Q', val)

# Host events: PIO window 2, slot 0 press, 8 release, 16 mouse (8-byte writes).
def host(slot, val):
    return bytes([1, 2]) + struct.pack('<HB', slot, 3) + struct.pack('<Q', val)

KEYS = {'A': 30, 'LSHIFT': 42, 'LCTRL': 29, 'LALT': 56, 'KPENTER': 96, 'SYSRQ': 99,
        'PAUSE': 119, 'LMETA': 125, 'F7': 65}

def key(name, down):
    return host(0 if down else 8, KEYS[name] if isinstance(name, str) else name)

def mouse(dx, dy, dz=0, buttons=0):
    return host(16, (dx & 0xFFFF) | (dy & 0xFFFF) << 16 | ((dz * 8) & 0xFF) << 32 | buttons << 40)

def rd(port):
    return bytes([0, 0 if port == 0x60 else 1]) + struct.pack('<HB', 0, 0)

def cmd(b):
    return wr(0x64, b)

def data(b):
    return wr(0x60, b)

def aux(b):
    return cmd(0xD4) + data(b)


def reads(n):
    return (rd(0x64) + rd(0x60)) * n

SAVE = bytes([9])

def write(name, body):
    d = os.path.join('fuzz', 'corpus', 'i8042')
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(body)

# Linux-style init: flush, read CTR, self test, CTR, kbd reset/identify.
write('linux_init', b'\x02' + reads(2) + cmd(0x20) + reads(1) + cmd(0xAA) + reads(1) +
      cmd(0x60) + data(0x47) + data(0xFF) + reads(2) + data(0xF2) + reads(3) +
      data(0xED) + data(0x07) + reads(2) + SAVE)
# Keys through translation and raw, Pause and Print Screen, modifiers.
write('keys', b'\x02' + key('A', 1) + key('A', 0) + key('KPENTER', 1) + key('KPENTER', 0) +
      reads(4) + cmd(0x60) + data(0x03) + key('PAUSE', 1) + key('SYSRQ', 1) + key('SYSRQ', 0) +
      reads(6) + key('LALT', 1) + key('SYSRQ', 1) + key('LCTRL', 1) + key('PAUSE', 1) +
      key(0x1FF, 1) + key('F7', 0) + reads(4) + SAVE)
# Mouse: reset, IntelliMouse and Explorer knocks, ID.
knock = b''.join(aux(0xF3) + aux(r) for r in (200, 100, 80, 200, 200, 80))
write('mouse_knock', b'\x02' + knock + aux(0xF2) + reads(2) + SAVE)
# Mouse: stream mode packets, buttons, wheel, overflow, status.
write('mouse_stream', b'\x02' + aux(0xE7) + aux(0xF4) + reads(2) + mouse(5, -3) +
      mouse(300, 0, 0, 1) + mouse(0, 0, 2, 0x18) + reads(8) + aux(0xE9) + reads(4) + SAVE)
# Remote and wrap modes, status request, resend.
write('mouse_modes', b'\x02' + aux(0xF0) + mouse(7, 7) + aux(0xEB) + reads(3) + aux(0xEE) +
      aux(0x55) + aux(0xEC) + aux(0xFE) + aux(0xE8) + aux(0x03) + aux(0xE6) + aux(0xEA) +
      reads(3) + SAVE)
# Controller commands: tests, ports, output port, A20, write buffers, pulses.
write('ctrl_tests', b'\x02' + cmd(0xA7) + cmd(0xAD) + cmd(0xA9) + reads(1) + cmd(0xAB) +
      reads(1) + cmd(0xC0) + reads(1) + cmd(0xD0) + reads(1) + cmd(0xA4) + cmd(0xAE) +
      cmd(0xA8) + SAVE)
write('ctrl_outport', b'\x02' + cmd(0xD1) + data(0xDD) + cmd(0xDF) + cmd(0xD2) + data(0x12) +
      cmd(0xD3) + data(0x34) + reads(2) + cmd(0xA5) + data(1) + data(0) + cmd(0xFF) +
      cmd(0xFE) + SAVE)
# No mouse: aux bytes time out.
write('no_mouse', b'\x03' + aux(0xFF) + reads(2) + cmd(0xA9) + reads(1) + mouse(1, 1) + SAVE)
# Flood: many events and commands without reads.
write('flood', b'\x02' + aux(0xF4) + (key('PAUSE', 1) + mouse(40, 40, 0, 1) + mouse(0, 0, 0, 0) +
      data(0xF2)) * 6 + SAVE + reads(2))

/* INT 11h (equipment), INT 12h (base memory) and INT 15h (system
 * services: memory map, A20, configuration table, wait).
 *
 * Sources: IBM PC/AT Technical Reference (INT 11h, 12h, 15h 88h/86h/C0h);
 * ACPI 6.4 section 15.1 "INT 15H, E820H - Query System Address Map" (call
 * and return registers, continuation in EBX, 20- or 24-byte entries with
 * the extended attributes dword); RBIL INT 15/AX=E801h and AX=2400h-2403h
 * (PS/2 A20 gate support). */
#include <vmparts/clock.h>
#include "svc_priv.h"

#define SMAP 0x534D4150u /* 'SMAP' */

void bios_int11(struct vmp_bios *b, struct bios_call *c)
{
    set16(c, VMP_RAX, bda_rd16(b, BDA_EQUIP));
}

void bios_int12(struct vmp_bios *b, struct bios_call *c)
{
    set16(c, VMP_RAX, bda_rd16(b, BDA_MEM_KIB));
}

/* Bytes of RAM contiguous from start (E820 type 1 entries, merged), not
 * counting anything at or above limit. */
static uint64_t contig_ram(const struct vmp_bios *b, uint64_t start, uint64_t limit)
{
    uint64_t at = start;
    bool grew = true;
    while (grew && at < limit) {
        grew = false;
        for (size_t i = 0; i < b->e820_count; i++) {
            const struct vmp_e820_entry *e = &b->e820[i];
            if (e->type == VMP_E820_RAM && e->addr <= at && e->addr + e->size > at) {
                at = e->addr + e->size;
                grew = true;
            }
        }
    }
    return (at < limit ? at : limit) - start;
}

static void e820(struct vmp_bios *b, struct bios_call *c)
{
    uint32_t idx = R32(c, VMP_RBX), len = R32(c, VMP_RCX);
    if (R32(c, VMP_RDX) != SMAP || len < 20 || idx >= b->e820_count) {
        set8h(c, VMP_RAX, 0x86);
        set_cf(c, true);
        return;
    }
    const struct vmp_e820_entry *e = &b->e820[idx];
    uint8_t out[24];
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)(e->addr >> (8 * i));
        out[8 + i] = (uint8_t)(e->size >> (8 * i));
    }
    for (int i = 0; i < 4; i++)
        out[16 + i] = (uint8_t)(e->type >> (8 * i));
    /* ACPI 3.0+ extended attributes: bit 0 "enabled" (must be set or the
     * OS ignores the entry). */
    out[20] = 1;
    out[21] = out[22] = out[23] = 0;
    unsigned n = len >= 24 ? 24 : 20;
    if (vmp_mem_write(b->env.mem, seg_addr(c, VMP_ES, R16(c, VMP_RDI)), out, n) < 0) {
        set8h(c, VMP_RAX, 0x86);
        set_cf(c, true);
        return;
    }
    set32(c, VMP_RAX, SMAP);
    set32(c, VMP_RCX, n);
    set32(c, VMP_RBX, idx + 1 < b->e820_count ? idx + 1 : 0);
    set_cf(c, false);
}

static void set_a20(struct vmp_bios *b, bool on)
{
    b->a20 = on;
    if (b->cfg.set_a20)
        b->cfg.set_a20(b->cfg.opaque, on);
}

static void wait_us(struct vmp_bios *b, struct bios_call *c)
{
    set_cf(c, false);
    set8h(c, VMP_RAX, 0);
    if (!b->env.clock)
        return;
    uint64_t now = vmp_clock_now(b->env.clock);
    if (!b->waiting) {
        uint64_t us = (uint64_t)R16(c, VMP_RCX) << 16 | R16(c, VMP_RDX);
        b->waiting = true;
        b->wait_deadline = now + us * 1000; /* at most ~4295 s: no overflow */
    }
    if (now < b->wait_deadline) {
        c->wait = true; /* the stub halts until an interrupt and asks again */
        return;
    }
    b->waiting = false;
}

void bios_int15(struct vmp_bios *b, struct bios_call *c)
{
    switch (AH(c)) {
    case 0x24:
        switch (AL(c)) {
        case 0x00:
        case 0x01:
            set_a20(b, AL(c) == 0x01);
            break;
        case 0x02:
            set8l(c, VMP_RAX, b->a20);
            break;
        case 0x03: /* supported: keyboard controller and port 92h */
            set16(c, VMP_RBX, 0x0003);
            break;
        default:
            bios_unsupported(b, c, TRAP_INT15);
            return;
        }
        set8h(c, VMP_RAX, 0);
        set_cf(c, false);
        return;
    case 0x86:
        wait_us(b, c);
        return;
    case 0x88: { /* KiB of contiguous memory from 1 MiB */
        uint64_t kib = contig_ram(b, 0x100000, 0x100000000ull) >> 10;
        set16(c, VMP_RAX, (uint16_t)(kib > 0xFFFF ? 0xFFFF : kib));
        set_cf(c, false);
        return;
    }
    case 0xC0: /* ES:BX -> system configuration table */
        bios_set_seg(c, VMP_ES, 0xF000);
        set16(c, VMP_RBX, ROM_CONFIG_TABLE);
        set8h(c, VMP_RAX, 0);
        set_cf(c, false);
        return;
    case 0xE8:
        if (AL(c) == 0x20 && (R32(c, VMP_RAX) == 0xE820)) {
            e820(b, c);
            return;
        }
        if (AL(c) == 0x01) {
            /* AX=CX: KiB between 1 and 16 MiB; BX=DX: 64 KiB blocks from
             * 16 MiB up to the first hole below 4 GiB. */
            uint64_t low = contig_ram(b, 0x100000, 0x1000000) >> 10;
            uint64_t high = low == 15 * 1024
                                ? contig_ram(b, 0x1000000, 0x100000000ull) >> 16
                                : 0;
            set16(c, VMP_RAX, (uint16_t)low);
            set16(c, VMP_RCX, (uint16_t)low);
            set16(c, VMP_RBX, (uint16_t)(high > 0xFFFF ? 0xFFFF : high));
            set16(c, VMP_RDX, (uint16_t)(high > 0xFFFF ? 0xFFFF : high));
            set_cf(c, false);
            return;
        }
        bios_unsupported(b, c, TRAP_INT15);
        return;
    default:
        bios_unsupported(b, c, TRAP_INT15);
        return;
    }
}

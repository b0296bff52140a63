/* The virtual BIOS from reset to the boot sector, on the library's x86
 * emulator (the `emu` backend's engine; there is no KVM run here): guest
 * instructions, traps to the host, VM exits (all port I/O, which is what
 * exits on KVM) and host time. Then the cost of one INT 13h AH=42h
 * one-sector read as a boot sector sees it (stub + trap + copy). */
#include <stdio.h>
#include "bench/common/bench.h"
#include "tests/unit/bios_emu.h"

static bool at_7c00(const struct bemu *e)
{
    return e->cpu.seg[VMP_CS].base + e->cpu.rip == 0x7C00;
}

/* mov cx,1000; L: push cx; mov si,7D00h; mov ah,42h; mov dl,80h;
 * int 13h; pop cx; loop L; out F4h,al; hlt -- DAP at 7D00h: 1 sector of
 * LBA 1 to 0:8000. */
static const uint8_t loop13[] = {0xB9, 0xE8, 0x03, 0x51, 0xBE, 0x00, 0x7D, 0xB4,
                                 0x42, 0xB2, 0x80, 0xCD, 0x13, 0x59, 0xE2, 0xF3,
                                 0xE6, 0xF4, 0xF4};
#define LOOPS 1000

int main(void)
{
    uint8_t sec[512] = {0};
    memcpy(sec, loop13, sizeof(loop13));
    static const uint8_t dap[] = {0x10, 0, 1, 0, 0x00, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
    memcpy(sec + 0x100, dap, sizeof(dap));
    sec[510] = 0x55;
    sec[511] = 0xAA;

    const unsigned runs = 21;
    uint64_t t[21], insns = 0, traps = 0, exits = 0, t13[21], i13 = 0, tr13 = 0;
    for (unsigned i = 0; i < runs; i++) {
        struct bemu *e = malloc(sizeof(*e));
        if (!e || bemu_init(e, sec, 2048) < 0)
            return 1;
        uint64_t t0 = bench_now_ns();
        if (bemu_run(e, at_7c00, 1000000) != VMP_X86_OK)
            return 1;
        uint64_t t1 = bench_now_ns();
        t[i] = t1 - t0;
        insns = e->insns;
        traps = e->traps;
        exits = e->exits;
        uint64_t i0 = e->insns, tr0 = e->traps;
        bemu_run(e, NULL, 10000000);
        t13[i] = bench_now_ns() - t1;
        i13 = e->insns - i0;
        tr13 = e->traps - tr0;
        if (e->debug_exit == 0)
            return 1;
        bemu_free(e);
        free(e);
    }
    /* medians */
    for (unsigned a = 0; a < runs; a++)
        for (unsigned b = a + 1; b < runs; b++) {
            if (t[b] < t[a]) { uint64_t x = t[a]; t[a] = t[b]; t[b] = x; }
            if (t13[b] < t13[a]) { uint64_t x = t13[a]; t13[a] = t13[b]; t13[b] = x; }
        }
    bench_report("bios_reset_to_bootsector_guest_insns", (double)insns, "instructions");
    bench_report("bios_reset_to_bootsector_traps", (double)traps, "traps");
    bench_report("bios_reset_to_bootsector_exits", (double)exits, "port I/O exits");
    bench_report("bios_reset_to_bootsector_time_emu", (double)t[runs / 2] / 1000.0, "us");
    bench_report("bios_int13_ext_read_1sector_emu", (double)t13[runs / 2] / LOOPS, "ns/call");
    bench_report("bios_int13_ext_read_guest_insns", (double)i13 / LOOPS, "instructions/call");
    bench_report("bios_int13_ext_read_traps", (double)tr13 / LOOPS, "traps/call");
    return 0;
}

/* BIOS services other than INT 13h, through the stub's calling
 * convention (tests/unit/bios_fixture.h). Sources: IBM PC/AT Technical
 * Reference (BIOS listing), Ralf Brown's Interrupt List (RBIL), ACPI 6.4
 * section 15 (E820), MC146818A datasheet (RTC registers). */
#include <vmparts/clock.h>
#include <vmparts/timer.h>
#include "bios_fixture.h"
#include "helpers.h"

#define VGA 0xB8000u
#define CELL(r, c) (VGA + ((r) * 80u + (c)) * 2u)

static void setup(struct bfx *f)
{
    bfx_init_cfg(f, 0, false, NULL);
    ck_assert_int_eq(bfx_post(f), 0);
}

static struct bfx_result call(struct bfx *f, uint8_t vec, uint32_t ax, uint32_t bx,
                              uint32_t cx, uint32_t dx)
{
    bfx_regs(f, ax, bx, cx, dx);
    return bfx_int(f, vec, 0x0202);
}

/* ---- INT 10h ------------------------------------------------------- */

START_TEST(int10_mode_and_teletype)
{
    struct bfx f;
    setup(&f);
    memset(f.ram + VGA, 0x41, 4000);
    call(&f, 0x10, 0x0003, 0, 0, 0); /* set mode 3: clears to 07h blanks */
    ck_assert_uint_eq(bfx_rd16(&f, CELL(10, 10)), 0x0720);
    ck_assert_uint_eq(bfx_rd16(&f, CELL(24, 79)), 0x0720);
    f.out_len = 0;
    static const char msg[] = "Hi\r\nA\x08" "B";
    for (const char *p = msg; *p; p++)
        call(&f, 0x10, 0x0E00 | (uint8_t)*p, 0, 0, 0);
    ck_assert_int_eq(memcmp(f.out, msg, sizeof(msg) - 1), 0); /* serial mirror */
    ck_assert_uint_eq(bfx_rd16(&f, CELL(0, 0)), 0x0748);
    ck_assert_uint_eq(bfx_rd16(&f, CELL(0, 1)), 0x0769);
    ck_assert_uint_eq(f.ram[CELL(1, 0)], 'B'); /* BS moved back over 'A' */
    call(&f, 0x10, 0x0300, 0, 0, 0);           /* get cursor: row 1, col 1 */
    ck_assert_uint_eq(BFX_DX(&f), 0x0101);
    ck_assert_uint_eq(BFX_CX(&f), 0x0607);
    /* Writing the last cell wraps and scrolls the screen up one line. */
    call(&f, 0x10, 0x0200, 0, 0, 0x184F); /* row 24, col 79 */
    call(&f, 0x10, 0x0E00 | 'X', 0, 0, 0);
    ck_assert_uint_eq(f.ram[CELL(23, 79)], 'X');
    ck_assert_uint_eq(f.ram[CELL(24, 79)], ' ');
    ck_assert_uint_eq(f.ram[CELL(0, 0)], 'B'); /* row 1 moved to row 0 */
    call(&f, 0x10, 0x0300, 0, 0, 0);
    ck_assert_uint_eq(BFX_DX(&f), 0x1800);
    /* AH=0Fh: mode 3, 80 columns, page 0 */
    call(&f, 0x10, 0x0F00, 0xFF00, 0, 0);
    ck_assert_uint_eq(BFX_AX(&f), 0x5003);
    ck_assert_uint_eq(BFX_BX(&f) >> 8, 0);
    /* unsupported mode (13h graphics): CF=1 AH=86h */
    struct bfx_result r = call(&f, 0x10, 0x0013, 0, 0, 0);
    ck_assert(r.flags & VMP_FLAG_CF);
    ck_assert_uint_eq(BFX_AH(&f), 0x86);
    ck_assert_uint_eq(f.ram[0x449], 3);
    bfx_free(&f);
}
END_TEST

START_TEST(int10_scroll_rw)
{
    struct bfx f;
    setup(&f);
    for (unsigned row = 0; row < 25; row++)
        for (unsigned col = 0; col < 80; col++)
            bfx_wr16(&f, CELL(row, col), (uint16_t)(0x0700 | ('a' + row)));
    /* AH=06h: window rows 2-4, cols 10-19 up by 1 with attribute 1Eh */
    call(&f, 0x10, 0x0601, 0x1E00, 0x020A, 0x0413);
    ck_assert_uint_eq(f.ram[CELL(2, 10)], 'd');
    ck_assert_uint_eq(f.ram[CELL(3, 19)], 'e');
    ck_assert_uint_eq(bfx_rd16(&f, CELL(4, 15)), 0x1E20);
    ck_assert_uint_eq(f.ram[CELL(2, 9)], 'c');  /* outside the window */
    ck_assert_uint_eq(f.ram[CELL(5, 10)], 'f');
    /* AH=07h: rows 10-12 down by 2 */
    call(&f, 0x10, 0x0702, 0x0700, 0x0A00, 0x0C4F);
    ck_assert_uint_eq(f.ram[CELL(12, 0)], 'k');
    ck_assert_uint_eq(f.ram[CELL(10, 0)], ' ');
    ck_assert_uint_eq(f.ram[CELL(11, 0)], ' ');
    /* AL=0 clears the window */
    call(&f, 0x10, 0x0600, 0x0700, 0x0000, 0x184F);
    ck_assert_uint_eq(bfx_rd16(&f, CELL(20, 20)), 0x0720);
    /* AH=09h: 3 x 'Z' attr 4Fh at (5,78): stops at... continues on next row */
    call(&f, 0x10, 0x0200, 0, 0, 0x054E);
    call(&f, 0x10, 0x095A, 0x004F, 3, 0);
    ck_assert_uint_eq(bfx_rd16(&f, CELL(5, 78)), 0x4F5A);
    ck_assert_uint_eq(bfx_rd16(&f, CELL(6, 0)), 0x4F5A);
    call(&f, 0x10, 0x0300, 0, 0, 0); /* cursor not moved */
    ck_assert_uint_eq(BFX_DX(&f), 0x054E);
    /* AH=0Ah keeps the attribute */
    call(&f, 0x10, 0x0A51, 0, 1, 0);
    ck_assert_uint_eq(bfx_rd16(&f, CELL(5, 78)), 0x4F51);
    /* AH=08h reads it back */
    call(&f, 0x10, 0x0800, 0, 0, 0);
    ck_assert_uint_eq(BFX_AX(&f), 0x4F51);
    /* AH=13h: string with attribute 2Fh at (7,0), cursor updated (AL=1) */
    memcpy(f.ram + 0x5000, "ok", 2);
    bfx_seg(&f.cpu.sregs.seg[VMP_ES], 0x0500);
    f.cpu.regs.gpr[VMP_RBP] = 0;
    f.out_len = 0;
    call(&f, 0x10, 0x1301, 0x002F, 2, 0x0700);
    ck_assert_uint_eq(bfx_rd16(&f, CELL(7, 0)), 0x2F6F);
    ck_assert_uint_eq(bfx_rd16(&f, CELL(7, 1)), 0x2F6B);
    ck_assert_str_eq(f.out, "ok");
    call(&f, 0x10, 0x0300, 0, 0, 0);
    ck_assert_uint_eq(BFX_DX(&f), 0x0702);
    /* AH=01h cursor shape, AH=05h page */
    call(&f, 0x10, 0x0100, 0, 0x0D0E, 0);
    ck_assert_uint_eq(bfx_rd16(&f, 0x460), 0x0D0E);
    call(&f, 0x10, 0x0501, 0, 0, 0);
    ck_assert_uint_eq(f.ram[0x462], 1);
    ck_assert_uint_eq(bfx_rd16(&f, 0x44E), 0x1000);
    call(&f, 0x10, 0x0E00 | 'P', 0, 0, 0); /* teletype on the active page */
    ck_assert_uint_eq(f.ram[VGA + 0x1000], 'P');
    bfx_free(&f);
}
END_TEST

/* A guest that rewrites the BDA's columns/rows/page cannot make the text
 * routines write past the 32 KiB colour text window at B8000h. */
START_TEST(int10_bda_garbage)
{
    struct bfx f;
    setup(&f);
    vmp_mem_add(f.mem, 0xC0000, 0x8000, f.ram + 0xC0000, 0); /* canary RAM */
    bfx_wr16(&f, 0x44A, 132);
    f.ram[0x484] = 59;
    f.ram[0x462] = 7;
    bfx_wr16(&f, 0x450 + 14, 0xFFFF); /* page 7 cursor at (255, 255) */
    for (int i = 0; i < 300; i++)
        call(&f, 0x10, 0x0E41, 0x0700, 0, 0);
    call(&f, 0x10, 0x0941, 0x074F, 0xFFFF, 0);
    call(&f, 0x10, 0x0700, 0x0700, 0, 0xFFFF);
    for (unsigned i = 0; i < 0x8000; i++)
        ck_assert_uint_eq(f.ram[0xC0000 + i], 0);
    bfx_free(&f);
}
END_TEST

/* The adapter queries Linux's boot code makes (arch/x86/boot/video*.c):
 * AH=12h BL=10h answers BL != 10h on EGA/VGA; AX=1A00h answers AL=1Ah
 * with BL=08h (VGA colour) (IBM VGA Technical Reference). */
START_TEST(int10_vga_queries)
{
    struct bfx f;
    setup(&f);
    call(&f, 0x10, 0x1200, 0x0010, 0xFFFF, 0);
    ck_assert_uint_ne(BFX_BX(&f) & 0xFF, 0x10);
    ck_assert_uint_eq(BFX_BX(&f), 0x0003);
    call(&f, 0x10, 0x1A00, 0, 0, 0);
    ck_assert_uint_eq(BFX_AL(&f), 0x1A);
    ck_assert_uint_eq(BFX_BX(&f) & 0xFF, 0x08);
    bfx_free(&f);
}
END_TEST

/* ---- INT 11h, 12h -------------------------------------------------- */

START_TEST(int11_int12)
{
    struct bfx f;
    setup(&f);
    call(&f, 0x11, 0xFFFF, 0, 0, 0);
    ck_assert_uint_eq(BFX_AX(&f), bfx_rd16(&f, 0x410));
    ck_assert_uint_eq(BFX_AX(&f) & 1, 0);
    call(&f, 0x12, 0xFFFF, 0, 0, 0);
    ck_assert_uint_eq(BFX_AX(&f), 639);
    bfx_free(&f);
}
END_TEST

/* ---- INT 15h ------------------------------------------------------- */

static const struct vmp_e820_entry map[] = {
    {0, 0x9FC00, VMP_E820_RAM},
    {0x9FC00, 0x400, VMP_E820_RESERVED},
    {0xF0000, 0x10000, VMP_E820_RESERVED},
    {0x100000, 0x7F00000, VMP_E820_RAM}, /* 1 MiB - 128 MiB */
    {0x8000000, 0x20000, VMP_E820_ACPI},
    {0x100000000ull, 0x40000000, VMP_E820_RAM},
};
#define NMAP (sizeof(map) / sizeof(map[0]))

/* ACPI 6.4 15.1: EAX=E820h, EDX='SMAP', EBX continuation (0 = first; 0
 * returned with the last entry), ECX buffer size, ES:DI buffer. */
START_TEST(int15_e820)
{
    struct vmp_bios_config cfg = {.e820 = map, .e820_count = NMAP};
    struct bfx f;
    bfx_init_cfg(&f, 0, false, &cfg);
    ck_assert_int_eq(bfx_post(&f), 0);
    bfx_seg(&f.cpu.sregs.seg[VMP_ES], 0x0800);
    uint32_t ebx = 0;
    unsigned n = 0;
    do {
        memset(f.ram + 0x8000, 0xEE, 32);
        f.cpu.regs.gpr[VMP_RDI] = 0;
        struct bfx_result r = call(&f, 0x15, 0xE820, ebx, 24, 0x534D4150);
        ck_assert(!(r.flags & VMP_FLAG_CF));
        ck_assert_uint_eq((uint32_t)f.cpu.regs.gpr[VMP_RAX], 0x534D4150);
        ck_assert_uint_eq((uint32_t)f.cpu.regs.gpr[VMP_RCX], 24);
        ck_assert_uint_lt(n, NMAP);
        uint64_t base = bfx_rd32(&f, 0x8000) | (uint64_t)bfx_rd32(&f, 0x8004) << 32;
        uint64_t len = bfx_rd32(&f, 0x8008) | (uint64_t)bfx_rd32(&f, 0x800C) << 32;
        ck_assert_uint_eq(base, map[n].addr);
        ck_assert_uint_eq(len, map[n].size);
        ck_assert_uint_eq(bfx_rd32(&f, 0x8010), map[n].type);
        ck_assert_uint_eq(bfx_rd32(&f, 0x8014), 1); /* extended attributes: enabled */
        ebx = (uint32_t)f.cpu.regs.gpr[VMP_RBX];
        n++;
    } while (ebx != 0);
    ck_assert_uint_eq(n, NMAP);
    /* 20-byte buffers get 20 bytes */
    memset(f.ram + 0x8000, 0xEE, 32);
    struct bfx_result r = call(&f, 0x15, 0xE820, 1, 20, 0x534D4150);
    ck_assert_uint_eq((uint32_t)f.cpu.regs.gpr[VMP_RCX], 20);
    ck_assert_uint_eq(f.ram[0x8014], 0xEE);
    ck_assert_uint_eq((uint32_t)f.cpu.regs.gpr[VMP_RBX], 2);
    /* errors: bad signature, small buffer, continuation out of range */
    r = call(&f, 0x15, 0xE820, 0, 24, 0x12345678);
    ck_assert(r.flags & VMP_FLAG_CF);
    r = call(&f, 0x15, 0xE820, 0, 19, 0x534D4150);
    ck_assert(r.flags & VMP_FLAG_CF);
    r = call(&f, 0x15, 0xE820, NMAP, 24, 0x534D4150);
    ck_assert(r.flags & VMP_FLAG_CF);
    ck_assert_uint_eq(BFX_AH(&f), 0x86);
    r = call(&f, 0x15, 0xE820, 0xFFFFFFFFu, 24, 0x534D4150);
    ck_assert(r.flags & VMP_FLAG_CF);
    bfx_free(&f);
}
END_TEST

/* Without a configured map the BIOS derives one from the RAM regions and
 * reserves the EBDA out of low memory. */
START_TEST(int15_e820_derived)
{
    struct bfx f;
    setup(&f);
    bfx_seg(&f.cpu.sregs.seg[VMP_ES], 0x0800);
    f.cpu.regs.gpr[VMP_RDI] = 0;
    call(&f, 0x15, 0xE820, 0, 20, 0x534D4150);
    ck_assert_uint_eq(bfx_rd32(&f, 0x8000), 0);
    ck_assert_uint_eq(bfx_rd32(&f, 0x8008), 0x9FC00);
    ck_assert_uint_eq(bfx_rd32(&f, 0x8010), 1);
    f.cpu.regs.gpr[VMP_RDI] = 0;
    call(&f, 0x15, 0xE820, 1, 20, 0x534D4150);
    ck_assert_uint_eq(bfx_rd32(&f, 0x8000), 0x9FC00);
    ck_assert_uint_eq(bfx_rd32(&f, 0x8008), 0x400);
    ck_assert_uint_eq(bfx_rd32(&f, 0x8010), 2);
    /* The ROM, mapped read-only after the BIOS was created, is a reserved
     * entry after POST. */
    bool rom = false;
    uint32_t ebx = 0;
    do {
        f.cpu.regs.gpr[VMP_RDI] = 0;
        call(&f, 0x15, 0xE820, ebx, 20, 0x534D4150);
        if (bfx_rd32(&f, 0x8000) == 0xF0000 && bfx_rd32(&f, 0x8008) == 0x10000 &&
            bfx_rd32(&f, 0x8010) == 2)
            rom = true;
        ebx = (uint32_t)f.cpu.regs.gpr[VMP_RBX];
    } while (ebx);
    ck_assert(rom);
    bfx_free(&f);
}
END_TEST

/* E801h (RBIL INT 15/AX=E801h): AX=CX KiB 1-16 MiB (max 3C00h), BX=DX
 * 64 KiB blocks above 16 MiB; 88h: KiB from 1 MiB, at most FFFFh. */
START_TEST(int15_e801_88)
{
    struct vmp_bios_config cfg = {.e820 = map, .e820_count = NMAP};
    struct bfx f;
    bfx_init_cfg(&f, 0, false, &cfg);
    ck_assert_int_eq(bfx_post(&f), 0);
    struct bfx_result r = call(&f, 0x15, 0xE801, 0, 0, 0);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(BFX_AX(&f), 0x3C00);
    ck_assert_uint_eq(BFX_CX(&f), 0x3C00);
    ck_assert_uint_eq(BFX_BX(&f), (0x8000000 - 0x1000000) >> 16);
    ck_assert_uint_eq(BFX_DX(&f), (0x8000000 - 0x1000000) >> 16);
    r = call(&f, 0x15, 0x8800, 0, 0, 0);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(BFX_AX(&f), 0xFFFF);
    bfx_free(&f);

    setup(&f); /* 16 MiB of RAM: 15 MiB above 1 MiB */
    call(&f, 0x15, 0x8800, 0, 0, 0);
    ck_assert_uint_eq(BFX_AX(&f), 15 * 1024);
    call(&f, 0x15, 0xE801, 0, 0, 0);
    ck_assert_uint_eq(BFX_AX(&f), 15 * 1024);
    ck_assert_uint_eq(BFX_BX(&f), 0);
    bfx_free(&f);
}
END_TEST

static bool a20_seen;
static int a20_calls;
static void a20_cb(void *o, bool on)
{
    (void)o;
    a20_seen = on;
    a20_calls++;
}

/* RBIL INT 15/AX=2400h-2403h (PS/2 A20 gate). */
START_TEST(int15_a20)
{
    struct vmp_bios_config cfg = {.set_a20 = a20_cb};
    struct bfx f;
    bfx_init_cfg(&f, 0, false, &cfg);
    ck_assert_int_eq(bfx_post(&f), 0);
    a20_calls = 0;
    struct bfx_result r = call(&f, 0x15, 0x2402, 0, 0, 0);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(BFX_AX(&f), 0x0001);
    r = call(&f, 0x15, 0x2400, 0, 0, 0);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(BFX_AH(&f), 0);
    ck_assert(!a20_seen);
    call(&f, 0x15, 0x2402, 0, 0, 0);
    ck_assert_uint_eq(BFX_AL(&f), 0);
    call(&f, 0x15, 0x2401, 0, 0, 0);
    ck_assert(a20_seen);
    ck_assert_int_eq(a20_calls, 2);
    call(&f, 0x15, 0x2403, 0, 0, 0);
    ck_assert_uint_eq(BFX_BX(&f), 3);
    r = call(&f, 0x15, 0x2404, 0, 0, 0);
    ck_assert(r.flags & VMP_FLAG_CF);
    ck_assert_uint_eq(BFX_AH(&f), 0x86);
    bfx_free(&f);
}
END_TEST

/* C0h: ES:BX -> configuration table (RBIL INT 15/AH=C0h). */
START_TEST(int15_c0)
{
    struct bfx f;
    setup(&f);
    struct bfx_result r = call(&f, 0x15, 0xC000, 0, 0, 0);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(BFX_AH(&f), 0);
    ck_assert_uint_eq(f.cpu.sregs.seg[VMP_ES].selector, 0xF000);
    uint32_t a = 0xF0000 + BFX_BX(&f);
    ck_assert_uint_eq(f.rom[a - 0xF0000] | f.rom[a - 0xF0000 + 1] << 8, 8);
    ck_assert_uint_eq(f.rom[a - 0xF0000 + 2], 0xFC);
    ck_assert_uint_eq(f.rom[a - 0xF0000 + 5] & 0x60, 0x60); /* 2nd 8259, RTC */
    bfx_free(&f);
}
END_TEST

/* 86h: wait CX:DX microseconds (IBM PC/AT TR); the stub halts and asks
 * again until the virtual clock has passed the deadline. */
START_TEST(int15_wait)
{
    struct bfx f;
    bfx_init_cfg(&f, 0, false, NULL);
    f.env.clock = vmp_clock_create(NULL, NULL);
    vmp_bios_destroy(f.bios);
    struct vmp_bios_config cfg = {0};
    f.bios = vmp_bios_create(&f.env, &cfg);
    ck_assert_int_eq(bfx_post(&f), 0);
    struct bfx_result r = call(&f, 0x15, 0x8600, 0, 0x0001, 0x86A0); /* 100 ms */
    ck_assert(r.wait);
    vmp_clock_advance(f.env.clock, 99999999);
    r = call(&f, 0x15, 0x8600, 0, 0x0001, 0x86A0);
    ck_assert(r.wait);
    vmp_clock_advance(f.env.clock, 1);
    r = call(&f, 0x15, 0x8600, 0, 0x0001, 0x86A0);
    ck_assert(!r.wait);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    /* a new wait starts from now */
    r = call(&f, 0x15, 0x8600, 0, 0, 10);
    ck_assert(r.wait);
    bfx_free(&f);
    vmp_clock_destroy(f.env.clock);
}
END_TEST

/* ---- INT 16h ------------------------------------------------------- */

START_TEST(int16_keys)
{
    struct bfx f;
    setup(&f);
    f.in = "a\x1b[A\r";
    struct bfx_result r = call(&f, 0x16, 0x0100, 0, 0, 0); /* peek */
    ck_assert(!(r.flags & VMP_FLAG_ZF));
    ck_assert_uint_eq(BFX_AX(&f), 0x1E61); /* scan 1Eh 'a' */
    r = call(&f, 0x16, 0x0000, 0, 0, 0);
    ck_assert(!r.wait);
    ck_assert_uint_eq(BFX_AX(&f), 0x1E61);
    call(&f, 0x16, 0x1000, 0, 0, 0);
    ck_assert_uint_eq(BFX_AX(&f), 0x4800); /* ESC [ A = up arrow */
    call(&f, 0x16, 0x0000, 0, 0, 0);
    ck_assert_uint_eq(BFX_AX(&f), 0x1C0D); /* Enter */
    r = call(&f, 0x16, 0x1100, 0, 0, 0);
    ck_assert(r.flags & VMP_FLAG_ZF);
    r = call(&f, 0x16, 0x0000, 0, 0, 0);
    ck_assert(r.wait); /* nothing: the stub halts and asks again */
    /* AH=05h stores a key, AH=00h returns it */
    call(&f, 0x16, 0x0500, 0, 0x3B00, 0);
    ck_assert_uint_eq(BFX_AL(&f), 0);
    call(&f, 0x16, 0x0000, 0, 0, 0);
    ck_assert_uint_eq(BFX_AX(&f), 0x3B00);
    /* 15 keys fit in the 16-slot ring; the 16th is refused */
    for (int i = 0; i < 15; i++) {
        call(&f, 0x16, 0x0500, 0, 0x1E61, 0);
        ck_assert_uint_eq(BFX_AL(&f), 0);
    }
    call(&f, 0x16, 0x0500, 0, 0x1E61, 0);
    ck_assert_uint_eq(BFX_AL(&f), 1);
    /* shift flags from 40:17 (and 40:18 for 12h) */
    f.ram[0x417] = 0x03;
    f.ram[0x418] = 0x40;
    call(&f, 0x16, 0x0200, 0, 0, 0);
    ck_assert_uint_eq(BFX_AL(&f), 0x03);
    call(&f, 0x16, 0x1200, 0, 0, 0);
    ck_assert_uint_eq(BFX_AX(&f), 0x4003);
    /* A guest that broke the ring pointers gets them reset, not followed */
    bfx_wr16(&f, 0x41A, 0x1234);
    bfx_wr16(&f, 0x480, 0xFFF0);
    r = call(&f, 0x16, 0x0100, 0, 0, 0);
    ck_assert(r.flags & VMP_FLAG_ZF);
    ck_assert_uint_eq(bfx_rd16(&f, 0x480), 0x1E);
    bfx_free(&f);
}
END_TEST

/* ---- INT 1Ah and INT 08h ------------------------------------------- */

START_TEST(int1a_ticks)
{
    struct bfx f;
    setup(&f);
    unsigned calls = f.cpu.set_regs_calls;
    /* INT 08h: +1 per IRQ0, registers of the interrupted code untouched */
    uint32_t t0 = bfx_rd32(&f, 0x46C);
    bfx_regs(&f, 0x1111, 0x2222, 0x3333, 0x4444);
    struct bfx_result r = bfx_int(&f, 0x08, 0x0246);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_uint_eq(bfx_rd32(&f, 0x46C), t0 + 1);
    ck_assert_uint_eq(f.cpu.set_regs_calls, calls);
    ck_assert_uint_eq(BFX_DX(&f), 0x4444);
    ck_assert_uint_eq(r.flags, 0x0246);
    /* midnight: 1800B0h ticks a day (IBM PC/AT TR "TIMER_INT") */
    call(&f, 0x1A, 0x0100, 0, 0x0018, 0x00AF);
    bfx_int(&f, 0x08, 0x0202);
    ck_assert_uint_eq(bfx_rd32(&f, 0x46C), 0);
    r = call(&f, 0x1A, 0x0000, 0, 0xFFFF, 0xFFFF);
    ck_assert_uint_eq(BFX_AL(&f), 1); /* midnight flag, then cleared */
    ck_assert_uint_eq(BFX_CX(&f), 0);
    ck_assert_uint_eq(BFX_DX(&f), 0);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    call(&f, 0x1A, 0x0000, 0, 0, 0);
    ck_assert_uint_eq(BFX_AL(&f), 0);
    call(&f, 0x1A, 0x0100, 0, 0x0012, 0x3456);
    call(&f, 0x1A, 0x0000, 0, 0, 0);
    ck_assert_uint_eq(BFX_CX(&f), 0x0012);
    ck_assert_uint_eq(BFX_DX(&f), 0x3456);
    bfx_free(&f);
}
END_TEST

/* MC146818A: register B bit 2 binary, bit 1 24-hour; INT 1Ah returns BCD
 * whatever the RTC's mode (RBIL INT 1A/AH=02h, 04h). */
START_TEST(int1a_rtc_modes)
{
    struct bfx f;
    setup(&f);
    f.cmos[0x0A] = 0x26;
    f.cmos[0x0B] = 0x02; /* BCD, 24h */
    f.cmos[4] = 0x13; f.cmos[2] = 0x45; f.cmos[0] = 0x30;
    struct bfx_result r = call(&f, 0x1A, 0x0200, 0, 0, 0);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(BFX_CX(&f), 0x1345);
    ck_assert_uint_eq(BFX_DX(&f), 0x3000);
    f.cmos[0x0B] = 0x06; /* binary, 24h */
    f.cmos[4] = 13; f.cmos[2] = 45; f.cmos[0] = 30;
    call(&f, 0x1A, 0x0200, 0, 0, 0);
    ck_assert_uint_eq(BFX_CX(&f), 0x1345);
    f.cmos[0x0B] = 0x00; /* BCD, 12h: 1 PM */
    f.cmos[4] = 0x81;
    call(&f, 0x1A, 0x0200, 0, 0, 0);
    ck_assert_uint_eq(BFX_CX(&f) >> 8, 0x13);
    f.cmos[4] = 0x12; /* 12 AM = 00 */
    call(&f, 0x1A, 0x0200, 0, 0, 0);
    ck_assert_uint_eq(BFX_CX(&f) >> 8, 0x00);
    /* set time in binary mode: registers get binary, SET is cleared after */
    f.cmos[0x0B] = 0x06;
    r = call(&f, 0x1A, 0x0300, 0, 0x2359, 0x5800);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(f.cmos[4], 23);
    ck_assert_uint_eq(f.cmos[2], 59);
    ck_assert_uint_eq(f.cmos[0], 58);
    ck_assert_uint_eq(f.cmos[0x0B] & 0x80, 0);
    r = call(&f, 0x1A, 0x0300, 0, 0x2460, 0); /* not a time */
    ck_assert(r.flags & VMP_FLAG_CF);
    ck_assert_uint_eq(f.cmos[4], 23);
    /* date */
    f.cmos[0x0B] = 0x02;
    r = call(&f, 0x1A, 0x0500, 0, 0x2026, 0x1124);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(f.cmos[0x32], 0x20);
    ck_assert_uint_eq(f.cmos[9], 0x26);
    call(&f, 0x1A, 0x0400, 0, 0, 0);
    ck_assert_uint_eq(BFX_CX(&f), 0x2026);
    ck_assert_uint_eq(BFX_DX(&f), 0x1124);
    r = call(&f, 0x1A, 0x0500, 0, 0x2026, 0x1300);
    ck_assert(r.flags & VMP_FLAG_CF);
    /* a stopped clock (divider off) answers CF=1 */
    f.cmos[0x0A] = 0x00;
    r = call(&f, 0x1A, 0x0200, 0, 0, 0);
    ck_assert(r.flags & VMP_FLAG_CF);
    bfx_free(&f);
}
END_TEST

/* With the library's MC146818A model behind the CMOS hooks. */
static uint8_t rtc_rd(void *o, uint8_t r) { return vmp_rtc_cmos_read(o, r); }
static void rtc_wr(void *o, uint8_t r, uint8_t v) { vmp_rtc_cmos_write(o, r, v); }

START_TEST(int1a_with_rtc_model)
{
    struct vmp_env env = {0};
    env.clock = vmp_clock_create(NULL, NULL);
    /* 2026-11-24 21:38:36 UTC */
    struct vmp_rtc_config rc = {.epoch = 1795556316};
    struct vmp_rtc *rtc = vmp_rtc_create(&env, NULL, &rc);
    ck_assert_ptr_nonnull(rtc);
    struct bfx f;
    bfx_init_cfg(&f, 0, false, NULL);
    vmp_bios_destroy(f.bios);
    struct vmp_bios_config cfg = {.cmos_read = rtc_rd, .cmos_write = rtc_wr, .opaque = rtc};
    f.bios = vmp_bios_create(&f.env, &cfg);
    ck_assert_int_eq(bfx_post(&f), 0);
    struct bfx_result r = call(&f, 0x1A, 0x0200, 0, 0, 0);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(BFX_CX(&f), 0x2138);
    ck_assert_uint_eq(BFX_DX(&f) >> 8, 0x36);
    call(&f, 0x1A, 0x0400, 0, 0, 0);
    ck_assert_uint_eq(BFX_CX(&f), 0x2026);
    ck_assert_uint_eq(BFX_DX(&f), 0x1124);
    /* POST put the memory size in CMOS */
    ck_assert_uint_eq(vmp_rtc_cmos_read(rtc, 0x15) | vmp_rtc_cmos_read(rtc, 0x16) << 8, 640);
    bfx_free(&f);
    vmp_rtc_destroy(rtc);
    vmp_clock_destroy(env.clock);
}
END_TEST

Suite *bios_svc_suite(void)
{
    Suite *s = suite_create("bios_svc");
    TCase *tc = tcase_create("svc");
    tcase_add_test(tc, int10_mode_and_teletype);
    tcase_add_test(tc, int10_scroll_rw);
    tcase_add_test(tc, int10_vga_queries);
    tcase_add_test(tc, int10_bda_garbage);
    tcase_add_test(tc, int11_int12);
    tcase_add_test(tc, int15_e820);
    tcase_add_test(tc, int15_e820_derived);
    tcase_add_test(tc, int15_e801_88);
    tcase_add_test(tc, int15_a20);
    tcase_add_test(tc, int15_c0);
    tcase_add_test(tc, int15_wait);
    tcase_add_test(tc, int16_keys);
    tcase_add_test(tc, int1a_ticks);
    tcase_add_test(tc, int1a_rtc_modes);
    tcase_add_test(tc, int1a_with_rtc_model);
    suite_add_tcase(s, tc);
    return s;
}

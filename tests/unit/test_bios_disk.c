/* INT 13h against an in-memory disk through the ROM stub's calling
 * convention. Status codes: RBIL INT 13h table #00234 (01h invalid
 * parameter, 03h write protected, 04h sector not found); AH=41h-48h: EDD
 * 3.0 (T13/1572D) sections 8.3-8.6. */
#include "bios_fixture.h"
#include "helpers.h"

#define SECTORS 20000u /* 16 heads x 63 sectors x 19 cylinders + 848 */
#define DAP 0x3000u
#define BUF 0x10000u

static uint8_t pattern(uint64_t lba, unsigned i) { return (uint8_t)(lba * 7 + i); }

static void put_dap(struct bfx *f, uint8_t size, uint16_t count, uint16_t seg,
                    uint16_t off, uint64_t lba)
{
    uint8_t *p = f->ram + DAP;
    memset(p, 0, 0x18);
    p[0] = size;
    p[2] = (uint8_t)count;
    p[3] = (uint8_t)(count >> 8);
    p[4] = (uint8_t)off;
    p[5] = (uint8_t)(off >> 8);
    p[6] = (uint8_t)seg;
    p[7] = (uint8_t)(seg >> 8);
    for (int i = 0; i < 8; i++)
        p[8 + i] = (uint8_t)(lba >> (8 * i));
    bfx_seg(&f->cpu.sregs.seg[VMP_DS], 0);
    f->cpu.regs.gpr[VMP_RSI] = DAP;
}

static struct bfx_result int13(struct bfx *f, uint16_t ax, uint16_t bx, uint16_t cx,
                               uint16_t dx)
{
    bfx_regs(f, ax, bx, cx, dx);
    return bfx_int(f, 0x13, 0x0202);
}

static void setup(struct bfx *f, bool ro)
{
    bfx_init_cfg(f, SECTORS, ro, NULL);
    ck_assert_int_eq(bfx_post(f), 0);
}

START_TEST(ext_read_ok)
{
    struct bfx f;
    setup(&f, false);
    put_dap(&f, 0x10, 3, BUF >> 4, 0, 100);
    struct bfx_result r = int13(&f, 0x4200, 0, 0, 0x0080);
    ck_assert_int_eq(r.rc, 0);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_int_eq(BFX_AH(&f), 0);
    for (unsigned i = 0; i < 3 * 512; i++)
        ck_assert_uint_eq(f.ram[BUF + i], pattern(100 + i / 512, i % 512));
    ck_assert_uint_eq(bfx_rd16(&f, DAP + 2), 3);
    /* IRET restores the caller's IF; DX comes back from the stub's slot. */
    ck_assert(r.flags & VMP_FLAG_IF);
    ck_assert_uint_eq(BFX_DX(&f), 0x0080);
    bfx_free(&f);
}
END_TEST

/* EDD 3.0 8.4: the 64-bit flat address is used when the segment:offset
 * is FFFF:FFFF and the packet is 18h bytes. */
START_TEST(ext_read_flat64)
{
    struct bfx f;
    setup(&f, false);
    put_dap(&f, 0x18, 1, 0xFFFF, 0xFFFF, 5);
    uint64_t flat = 0x200000;
    for (int i = 0; i < 8; i++)
        f.ram[DAP + 0x10 + i] = (uint8_t)(flat >> (8 * i));
    struct bfx_result r = int13(&f, 0x4200, 0, 0, 0x0080);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(f.ram[flat + 1], pattern(5, 1));
    /* A 10h packet cannot use the flat address. */
    put_dap(&f, 0x10, 1, 0xFFFF, 0xFFFF, 5);
    r = int13(&f, 0x4200, 0, 0, 0x0080);
    ck_assert(r.flags & VMP_FLAG_CF);
    ck_assert_uint_eq(BFX_AH(&f), 0x01);
    bfx_free(&f);
}
END_TEST

/* AH=00h reset succeeds on a present drive; AH=01h then reports 00h. */
START_TEST(reset_status)
{
    struct bfx f;
    setup(&f, false);
    f.ram[0x474] = 0x04;
    struct bfx_result r = int13(&f, 0x0100, 0, 0, 0x0080);
    ck_assert(r.flags & VMP_FLAG_CF);
    ck_assert_uint_eq(BFX_AH(&f), 0x04);
    r = int13(&f, 0x0000, 0, 0, 0x0080);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(BFX_AH(&f), 0);
    r = int13(&f, 0x0100, 0, 0, 0x0080);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(BFX_AH(&f), 0);
    bfx_free(&f);
}
END_TEST

/* A read that runs past the last sector: status 04h, nothing moved, the
 * packet's count rewritten to 0. */
START_TEST(ext_read_past_end)
{
    struct bfx f;
    setup(&f, false);
    memset(f.ram + BUF, 0xAB, 1024);
    put_dap(&f, 0x10, 2, BUF >> 4, 0, SECTORS - 1);
    struct bfx_result r = int13(&f, 0x4200, 0, 0, 0x0080);
    ck_assert(r.flags & VMP_FLAG_CF);
    ck_assert_uint_eq(BFX_AH(&f), 0x04);
    ck_assert_uint_eq(bfx_rd16(&f, DAP + 2), 0);
    ck_assert_uint_eq(f.ram[BUF], 0xAB);
    /* INT 13h AH=01h returns that status. */
    r = int13(&f, 0x0100, 0, 0, 0x0080);
    ck_assert_uint_eq(BFX_AH(&f), 0x04);
    ck_assert(r.flags & VMP_FLAG_CF);
    /* The last sector alone is fine. */
    put_dap(&f, 0x10, 1, BUF >> 4, 0, SECTORS - 1);
    r = int13(&f, 0x4200, 0, 0, 0x0080);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(f.ram[BUF + 2], pattern(SECTORS - 1, 2));
    /* An LBA near 2^64 does not wrap around to the start. */
    put_dap(&f, 0x10, 2, BUF >> 4, 0, UINT64_MAX);
    r = int13(&f, 0x4200, 0, 0, 0x0080);
    ck_assert_uint_eq(BFX_AH(&f), 0x04);
    bfx_free(&f);
}
END_TEST

/* Count 0 in the packet: success with no transfer; count 0 in AL for the
 * CHS call is invalid ("must be nonzero", RBIL INT 13/AH=02h). */
START_TEST(count_zero)
{
    struct bfx f;
    setup(&f, false);
    memset(f.ram + BUF, 0xAB, 512);
    put_dap(&f, 0x10, 0, BUF >> 4, 0, 0);
    struct bfx_result r = int13(&f, 0x4200, 0, 0, 0x0080);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(BFX_AH(&f), 0);
    ck_assert_uint_eq(f.ram[BUF], 0xAB);
    bfx_seg(&f.cpu.sregs.seg[VMP_ES], BUF >> 4);
    r = int13(&f, 0x0200, 0, 0x0001, 0x0080);
    ck_assert(r.flags & VMP_FLAG_CF);
    ck_assert_uint_eq(BFX_AH(&f), 0x01);
    ck_assert_uint_eq(BFX_AL(&f), 0);
    ck_assert_uint_eq(f.ram[BUF], 0xAB);
    bfx_free(&f);
}
END_TEST

START_TEST(bad_dap)
{
    struct bfx f;
    setup(&f, false);
    /* size below 10h */
    put_dap(&f, 0x0F, 1, BUF >> 4, 0, 0);
    struct bfx_result r = int13(&f, 0x4200, 0, 0, 0x0080);
    ck_assert(r.flags & VMP_FLAG_CF);
    ck_assert_uint_eq(BFX_AH(&f), 0x01);
    put_dap(&f, 0x00, 1, BUF >> 4, 0, 0);
    r = int13(&f, 0x4200, 0, 0, 0x0080);
    ck_assert_uint_eq(BFX_AH(&f), 0x01);
    /* more than 7Fh blocks (EDD 3.0 8.4) */
    put_dap(&f, 0x10, 0x80, BUF >> 4, 0, 0);
    r = int13(&f, 0x4200, 0, 0, 0x0080);
    ck_assert(r.flags & VMP_FLAG_CF);
    ck_assert_uint_eq(BFX_AH(&f), 0x01);
    /* packet in unbacked memory (the 640K-1M hole) */
    put_dap(&f, 0x10, 1, BUF >> 4, 0, 0);
    bfx_seg(&f.cpu.sregs.seg[VMP_DS], 0xC000);
    f.cpu.regs.gpr[VMP_RSI] = 0;
    r = int13(&f, 0x4200, 0, 0, 0x0080);
    ck_assert(r.flags & VMP_FLAG_CF);
    ck_assert_uint_eq(BFX_AH(&f), 0x01);
    /* buffer in the hole: the first sector cannot land, 0 moved */
    put_dap(&f, 0x10, 2, 0xC000, 0, 0);
    r = int13(&f, 0x4200, 0, 0, 0x0080);
    ck_assert(r.flags & VMP_FLAG_CF);
    ck_assert_uint_eq(BFX_AH(&f), 0x01);
    ck_assert_uint_eq(bfx_rd16(&f, DAP + 2), 0);
    /* buffer into the ROM: read-only, refused */
    put_dap(&f, 0x10, 1, 0xF000, 0, 0);
    r = int13(&f, 0x4200, 0, 0, 0x0080);
    ck_assert(r.flags & VMP_FLAG_CF);
    ck_assert_uint_eq(f.rom[0], 'v');
    bfx_free(&f);
}
END_TEST

START_TEST(unknown_drive)
{
    struct bfx f;
    setup(&f, false);
    static const uint16_t fns[] = {0x0000, 0x0201, 0x0301, 0x0800, 0x4200, 0x4300, 0x4800};
    static const uint8_t drives[] = {0x00, 0x01, 0x81, 0xFF};
    put_dap(&f, 0x10, 1, BUF >> 4, 0, 0);
    for (unsigned d = 0; d < sizeof(drives); d++)
        for (unsigned i = 0; i < sizeof(fns) / 2; i++) {
            struct bfx_result r = int13(&f, fns[i], 0x55AA, 0x0001, drives[d]);
            ck_assert_msg(r.flags & VMP_FLAG_CF, "fn %04x drive %02x", fns[i], drives[d]);
            ck_assert_uint_eq(BFX_AH(&f), 0x01);
        }
    struct bfx_result r = int13(&f, 0x4100, 0x55AA, 0, 0x81);
    ck_assert(r.flags & VMP_FLAG_CF);
    ck_assert_uint_eq(BFX_BX(&f), 0x55AA);
    /* AH=15h: AH=00h "no such drive" with CF clear (RBIL INT 13/AH=15h) */
    r = int13(&f, 0x1500, 0, 0, 0x81);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(BFX_AH(&f), 0);
    bfx_free(&f);
}
END_TEST

/* 16 heads x 63 sectors for a disk below 504 MiB; AH=08h reports the last
 * cylinder/head index and the sector count; CHS reads map to
 * (c * heads + h) * spt + s - 1. */
START_TEST(chs_geometry)
{
    struct bfx f;
    setup(&f, false);
    struct bfx_result r = int13(&f, 0x0800, 0, 0, 0x0080);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    unsigned cyls = SECTORS / (16 * 63);
    ck_assert_uint_eq(BFX_CX(&f) >> 8 | (BFX_CX(&f) & 0xC0) << 2, cyls - 1);
    ck_assert_uint_eq(BFX_CX(&f) & 0x3F, 63);
    ck_assert_uint_eq(BFX_DX(&f) >> 8, 15);
    ck_assert_uint_eq(BFX_DX(&f) & 0xFF, 1);
    /* cylinder 2, head 3, sector 4 */
    bfx_seg(&f.cpu.sregs.seg[VMP_ES], BUF >> 4);
    r = int13(&f, 0x0202, 0x0010, 0x0204, 0x0380);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(BFX_AL(&f), 2);
    uint64_t lba = (2 * 16 + 3) * 63 + 3;
    ck_assert_uint_eq(f.ram[BUF + 0x10 + 5], pattern(lba, 5));
    ck_assert_uint_eq(f.ram[BUF + 0x10 + 512 + 9], pattern(lba + 1, 9));
    /* sector 0, sector 64, head 16, last cylinder + 1: sector not found */
    static const uint16_t bad[][2] = {{0x0000, 0x0080}, {0x003F + 1, 0x0080},
                                      {0x0001, 0x1080}, {0x0001, 0x0080}};
    for (unsigned i = 0; i < 4; i++) {
        uint16_t cx = bad[i][0];
        if (i == 3)
            cx = (uint16_t)((cyls & 0xFF) << 8 | (cyls >> 8 & 3) << 6 | 1);
        r = int13(&f, 0x0201, 0, cx, bad[i][1]);
        ck_assert_msg(r.flags & VMP_FLAG_CF, "case %u", i);
        ck_assert_uint_eq(BFX_AH(&f), 0x04);
    }
    /* AH=15h: fixed disk (03h) with CX:DX sectors */
    r = int13(&f, 0x1500, 0, 0, 0x0080);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(BFX_AH(&f), 0x03);
    ck_assert_uint_eq((uint32_t)BFX_CX(&f) << 16 | BFX_DX(&f), SECTORS);
    bfx_free(&f);
}
END_TEST

START_TEST(write_paths)
{
    struct bfx f;
    setup(&f, false);
    memset(f.ram + BUF, 0x5A, 512);
    put_dap(&f, 0x10, 1, BUF >> 4, 0, 77);
    struct bfx_result r = int13(&f, 0x4300, 0, 0, 0x0080);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(f.disk[77 * 512 + 100], 0x5A);
    /* CHS write of cylinder 0 head 0 sector 2 = LBA 1 */
    memset(f.ram + BUF, 0xC3, 512);
    bfx_seg(&f.cpu.sregs.seg[VMP_ES], BUF >> 4);
    r = int13(&f, 0x0301, 0, 0x0002, 0x0080);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(BFX_AL(&f), 1);
    ck_assert_uint_eq(f.disk[512], 0xC3);
    bfx_free(&f);

    setup(&f, true);
    uint8_t before = f.disk[77 * 512];
    memset(f.ram + BUF, 0x5A, 512);
    put_dap(&f, 0x10, 1, BUF >> 4, 0, 77);
    r = int13(&f, 0x4300, 0, 0, 0x0080);
    ck_assert(r.flags & VMP_FLAG_CF);
    ck_assert_uint_eq(BFX_AH(&f), 0x03); /* write protected */
    ck_assert_uint_eq(f.disk[77 * 512], before);
    bfx_free(&f);
}
END_TEST

/* EDD 3.0 8.3 install check, 8.6 parameters. */
START_TEST(edd)
{
    struct bfx f;
    setup(&f, false);
    struct bfx_result r = int13(&f, 0x4100, 0x55AA, 0, 0x0080);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(BFX_BX(&f), 0xAA55);
    ck_assert_uint_eq(BFX_AH(&f), 0x30);
    ck_assert_uint_eq(BFX_CX(&f) & 0x5, 0x5);
    r = int13(&f, 0x4100, 0x1234, 0, 0x0080);
    ck_assert(r.flags & VMP_FLAG_CF);

    bfx_seg(&f.cpu.sregs.seg[VMP_DS], 0);
    f.cpu.regs.gpr[VMP_RSI] = DAP;
    memset(f.ram + DAP, 0xEE, 0x42);
    bfx_wr16(&f, DAP, 0x42);
    r = int13(&f, 0x4800, 0, 0, 0x0080);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(bfx_rd16(&f, DAP), 0x1E);
    ck_assert_uint_eq(bfx_rd16(&f, DAP + 2) & 2, 2); /* CHS valid */
    ck_assert_uint_eq(bfx_rd32(&f, DAP + 8), 16);
    ck_assert_uint_eq(bfx_rd32(&f, DAP + 12), 63);
    ck_assert_uint_eq(bfx_rd32(&f, DAP + 16), SECTORS);
    ck_assert_uint_eq(bfx_rd32(&f, DAP + 20), 0);
    ck_assert_uint_eq(bfx_rd16(&f, DAP + 24), 512);
    ck_assert_uint_eq(bfx_rd32(&f, DAP + 26), 0xFFFFFFFFu);
    ck_assert_uint_eq(f.ram[DAP + 0x1E], 0xEE); /* nothing past what we filled */
    /* buffer size below 1Ah */
    bfx_wr16(&f, DAP, 0x18);
    r = int13(&f, 0x4800, 0, 0, 0x0080);
    ck_assert(r.flags & VMP_FLAG_CF);
    ck_assert_uint_eq(BFX_AH(&f), 0x01);
    bfx_free(&f);
}
END_TEST

START_TEST(unsupported_logged_once)
{
    struct test_log log;
    test_log_init(&log);
    struct bfx f;
    bfx_init_cfg(&f, SECTORS, false, NULL);
    vmp_bios_destroy(f.bios);
    f.env.log = &log.log;
    struct vmp_bios_config cfg = {.disks = {f.blk}, .disk_count = 1};
    f.bios = vmp_bios_create(&f.env, &cfg);
    ck_assert_int_eq(bfx_post(&f), 0);
    unsigned before = log.count;
    for (int i = 0; i < 3; i++) {
        struct bfx_result r = int13(&f, 0x4700, 0, 0, 0x0080);
        ck_assert(r.flags & VMP_FLAG_CF);
        ck_assert_uint_eq(BFX_AH(&f), 0x86);
    }
    ck_assert_uint_eq(log.count, before + 1);
    struct vmp_bios_stats st;
    vmp_bios_get_stats(f.bios, &st);
    ck_assert_uint_eq(st.unsupported, 3);
    bfx_free(&f);
}
END_TEST

/* Large disks: 255 heads, cylinders capped at 1024 and 48h says the CHS
 * values do not cover the disk. */
static int zero_read(void *o, uint64_t lba, void *buf, uint32_t count)
{
    (void)o;
    (void)lba;
    memset(buf, 0, (size_t)count * 512);
    return 0;
}

START_TEST(big_geometry)
{
    static const struct vmp_block_ops zops = {.read = zero_read};
    const uint64_t n = 100ull << 21; /* 100 GiB */
    struct vmp_block *big = vmp_block_create(&zops, NULL, n, true);
    ck_assert_ptr_nonnull(big);
    struct vmp_bios_config cfg = {.disks = {big}, .disk_count = 1};
    struct bfx f;
    bfx_init_cfg(&f, 0, false, &cfg);
    ck_assert_int_eq(bfx_post(&f), 0);
    struct bfx_result r = int13(&f, 0x0800, 0, 0, 0x0080);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(BFX_CX(&f) >> 8 | (BFX_CX(&f) & 0xC0) << 2, 1023);
    ck_assert_uint_eq(BFX_DX(&f) >> 8, 254);
    bfx_seg(&f.cpu.sregs.seg[VMP_DS], 0);
    f.cpu.regs.gpr[VMP_RSI] = DAP;
    bfx_wr16(&f, DAP, 0x1A);
    r = int13(&f, 0x4800, 0, 0, 0x0080);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(bfx_rd16(&f, DAP), 0x1A);
    ck_assert_uint_eq(bfx_rd16(&f, DAP + 2) & 2, 0);
    ck_assert_uint_eq(bfx_rd32(&f, DAP + 16) | (uint64_t)bfx_rd32(&f, DAP + 20) << 32, n);
    /* an LBA far above the CHS limit reads fine */
    put_dap(&f, 0x10, 1, BUF >> 4, 0, n - 1);
    memset(f.ram + BUF, 0xAB, 512);
    r = int13(&f, 0x4200, 0, 0, 0x0080);
    ck_assert(!(r.flags & VMP_FLAG_CF));
    ck_assert_uint_eq(f.ram[BUF], 0);
    bfx_free(&f);
    vmp_block_close(big);
}
END_TEST

Suite *bios_disk_suite(void)
{
    Suite *s = suite_create("bios_disk");
    TCase *tc = tcase_create("int13");
    tcase_add_test(tc, ext_read_ok);
    tcase_add_test(tc, reset_status);
    tcase_add_test(tc, ext_read_flat64);
    tcase_add_test(tc, ext_read_past_end);
    tcase_add_test(tc, count_zero);
    tcase_add_test(tc, bad_dap);
    tcase_add_test(tc, unknown_drive);
    tcase_add_test(tc, chs_geometry);
    tcase_add_test(tc, write_paths);
    tcase_add_test(tc, edd);
    tcase_add_test(tc, unsupported_logged_once);
    tcase_add_test(tc, big_geometry);
    suite_add_tcase(s, tc);
    return s;
}

/* End to end: the x86 emulator runs the ROM from the reset vector (SDM
 * vol. 3 9.1.4), POST traps once, INT 19h loads the boot sector to
 * 0:7C00 (IBM PC/AT TR "BOOT_STRAP") and the boot sector calls the
 * services through the real stubs and IVT. */
#include <stdio.h>
#include <stdlib.h>
#include "bios_emu.h"
#include "helpers.h"

/* A boot sector (hand-assembled, offsets from 7C00h):
 *   B4 0E        mov ah, 0Eh
 *   B0 4F        mov al, 'O'
 *   CD 10        int 10h
 *   B0 4B        mov al, 'K'
 *   CD 10        int 10h
 *   88 D0        mov al, dl          ; boot drive
 *   E6 F4        out F4h, al         ; debug exit with the drive number
 *   F4           hlt */
static const uint8_t hello[] = {0xB4, 0x0E, 0xB0, 0x4F, 0xCD, 0x10, 0xB0, 0x4B,
                                0xCD, 0x10, 0x88, 0xD0, 0xE6, 0xF4, 0xF4};

/* INT 13h AH=42h reads LBA 1 to 0:8000, then INT 15h E820 first entry to
 * 0:9000, and exits with AH of the read (0) ... the checks are on memory:
 *   BE 00 7E     mov si, 7E00h      ; DAP built below
 *   C6 04 10     mov byte [si], 10h
 *   C6 44 02 01  mov byte [si+2], 1
 *   C7 44 04 00 80  mov word [si+4], 8000h   ; offset
 *   C7 44 06 00 00  mov word [si+6], 0       ; segment
 *   C6 44 08 01  mov byte [si+8], 1          ; LBA 1
 *   B4 42        mov ah, 42h
 *   CD 13        int 13h
 *   88 E0        mov al, ah
 *   E6 F4        out F4h, al
 *   F4           hlt */
static const uint8_t disk_read[] = {
    0xBE, 0x00, 0x7E, 0xC6, 0x04, 0x10, 0xC6, 0x44, 0x02, 0x01, 0xC7, 0x44, 0x04,
    0x00, 0x80, 0xC7, 0x44, 0x06, 0x00, 0x00, 0xC6, 0x44, 0x08, 0x01, 0xB4, 0x42,
    0xCD, 0x13, 0x88, 0xE0, 0xE6, 0xF4, 0xF4};

static void make_boot(uint8_t *sec, const uint8_t *code, size_t n)
{
    memset(sec, 0, 512);
    memcpy(sec, code, n);
    sec[510] = 0x55;
    sec[511] = 0xAA;
}

static bool at_7c00(const struct bemu *e)
{
    return e->cpu.seg[VMP_CS].base + e->cpu.rip == 0x7C00;
}

START_TEST(reset_to_boot_sector)
{
    uint8_t sec[512];
    make_boot(sec, hello, sizeof(hello));
    struct bemu e;
    ck_assert_int_eq(bemu_init(&e, sec, 64), 0);
    int r = bemu_run(&e, at_7c00, 100000);
    ck_assert_int_eq(r, VMP_X86_OK);
    ck_assert_uint_eq(e.cpu.gpr[VMP_RDX] & 0xFF, 0x80); /* DL = boot drive */
    ck_assert_uint_eq(e.cpu.seg[VMP_CS].selector, 0);
    ck_assert_uint_eq(e.cpu.gpr[VMP_RSP] & 0xFFFF, 0x7C00);
    ck_assert_uint_eq(e.traps, 2); /* POST, INT 19h */
    ck_assert_int_eq(memcmp(e.ram + 0x7C00, sec, 512), 0);
    r = bemu_run(&e, NULL, 100000);
    ck_assert_uint_eq(e.debug_exit, 0x80 + 1);
    ck_assert_int_eq(e.trap_rc, 0);
    ck_assert_ptr_nonnull(strstr(e.out, "vmparts BIOS"));
    size_t n = strlen(e.out);
    ck_assert_uint_ge(n, 2);
    ck_assert_str_eq(e.out + n - 2, "OK");
    /* the teletype reached the text buffer: banner on row 0, "OK" on row 1 */
    ck_assert_uint_eq(e.vga[160], 'O');
    ck_assert_uint_eq(e.vga[162], 'K');
    ck_assert_uint_eq(e.traps, 4);
    /* the ROM stayed as built (mapped read-only at both addresses) */
    uint8_t b0[16], b1[16];
    ck_assert_int_eq(vmp_mem_read(e.mem, 0xFFFF0, b0, 16), 0);
    ck_assert_int_eq(vmp_mem_read(e.mem, 0xFFFFFFF0ull, b1, 16), 0);
    ck_assert_int_eq(memcmp(b0, vmp_bios_rom_image(e.bios) + 0xFFF0, 16), 0);
    ck_assert_int_eq(memcmp(b1, b0, 16), 0);
    ck_assert_int_eq(vmp_bios_map_rom(e.bios, e.mem), -EEXIST);
    bemu_free(&e);
}
END_TEST

START_TEST(boot_sector_reads_disk)
{
    uint8_t sec[512];
    make_boot(sec, disk_read, sizeof(disk_read));
    struct bemu e;
    ck_assert_int_eq(bemu_init(&e, sec, 64), 0);
    for (int i = 0; i < 512; i++)
        e.disk[512 + i] = (uint8_t)(i ^ 0x5A);
    int r = bemu_run(&e, NULL, 200000);
    (void)r;
    ck_assert_uint_eq(e.debug_exit, 0 + 1); /* AH = 0: success */
    for (int i = 0; i < 512; i++)
        ck_assert_uint_eq(e.ram[0x8000 + i], (uint8_t)(i ^ 0x5A));
    bemu_free(&e);
}
END_TEST

/* No signature: INT 18h prints its message and the CPU halts. */
START_TEST(no_boot_signature)
{
    uint8_t sec[512] = {0};
    struct bemu e;
    ck_assert_int_eq(bemu_init(&e, sec, 64), 0);
    int r = bemu_run(&e, NULL, 100000);
    ck_assert_int_eq(r, VMP_X86_HALT);
    ck_assert_ptr_nonnull(strstr(e.out, "No bootable device"));
    ck_assert(!(e.cpu.rflags & VMP_FLAG_IF)); /* cli; hlt */
    bemu_free(&e);
}
END_TEST

/* Third-party boot code against our INT 13h: SYSLINUX's MBR (mbr.bin,
 * and altmbr.bin with the partition number at offset 1B7h) finds the
 * active partition, loads its boot sector with INT 13h and enters it.
 * The images come from the syslinux-common package
 * (/usr/lib/syslinux/mbr, or $VMP_SYSLINUX_MBR_DIR); without them the test
 * says so and checks nothing. */
static int run_syslinux_mbr(const char *name, int altpart)
{
    const char *dir = getenv("VMP_SYSLINUX_MBR_DIR");
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir ? dir : "/usr/lib/syslinux/mbr", name);
    uint8_t mbr[512] = {0};
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bios_boot: %s not found, SYSLINUX MBR test skipped\n", path);
        return -1;
    }
    size_t n = fread(mbr, 1, 440, f);
    fclose(f);
    ck_assert_uint_ge(n, 400);
    uint8_t *p = mbr + 446; /* partition 1: active, FAT32 LBA, at 2048 */
    p[0] = 0x80;
    p[4] = 0x0C;
    p[9] = 0x08;
    p[13] = 0x10;
    if (altpart)
        mbr[0x1B7] = (uint8_t)altpart;
    mbr[510] = 0x55;
    mbr[511] = 0xAA;
    struct bemu *e = malloc(sizeof(*e));
    ck_assert_int_eq(bemu_init(e, mbr, 8192), 0);
    uint8_t *vbr = e->disk + 2048 * 512;
    make_boot(vbr, hello, sizeof(hello));
    bemu_run(e, NULL, 10000000);
    int exit_code = e->debug_exit;
    ck_assert_ptr_nonnull(strstr(e->out, "OK"));
    bemu_free(e);
    free(e);
    return exit_code;
}

START_TEST(syslinux_mbr)
{
    int r = run_syslinux_mbr("mbr.bin", 0);
    if (r >= 0)
        ck_assert_int_eq(r, 0x80 + 1); /* VBR entered with DL = 80h */
    r = run_syslinux_mbr("altmbr.bin", 1);
    if (r >= 0)
        ck_assert_int_eq(r, 0x80 + 1);
}
END_TEST

Suite *bios_boot_suite(void)
{
    Suite *s = suite_create("bios_boot");
    TCase *tc = tcase_create("boot");
    tcase_add_test(tc, reset_to_boot_sector);
    tcase_add_test(tc, boot_sector_reads_disk);
    tcase_add_test(tc, no_boot_signature);
    tcase_add_test(tc, syslinux_mbr);
    suite_add_tcase(s, tc);
    return s;
}

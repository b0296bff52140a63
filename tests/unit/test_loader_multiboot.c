/* Multiboot v1 loader (Multiboot Specification 0.6.96) and flat binaries. */
#include "helpers.h"
#include "loader_fixture.h"

/* An ELF32 i386 executable with one PT_LOAD at paddr 0x100000 (vaddr
 * 0xC0100000) of 0x200 file bytes and 0x1000 memory bytes; the Multiboot
 * header sits at file offset 0x80. */
static uint8_t *make_elf(size_t *size, uint32_t mbflags)
{
    *size = 0x300;
    uint8_t *img = calloc(1, *size);
    memcpy(img, "\177ELF", 4);
    img[4] = 1; img[5] = 1; img[6] = 1;
    wr16(img + 16, 2); wr16(img + 18, 3); wr32(img + 20, 1);
    wr32(img + 24, 0xC0100010);       /* e_entry (virtual) */
    wr32(img + 28, 52);               /* e_phoff */
    wr16(img + 40, 52); wr16(img + 42, 32); wr16(img + 44, 1);
    uint8_t *ph = img + 52;
    wr32(ph, 1);                      /* PT_LOAD */
    wr32(ph + 4, 0x100);              /* p_offset */
    wr32(ph + 8, 0xC0100000);
    wr32(ph + 12, 0x100000);
    wr32(ph + 16, 0x200);
    wr32(ph + 20, 0x1000);
    wr32(img + 0x80, 0x1BADB002);
    wr32(img + 0x84, mbflags);
    wr32(img + 0x88, (uint32_t)-(0x1BADB002u + mbflags));
    for (unsigned i = 0; i < 0x200; i++)
        img[0x100 + i] = (uint8_t)(i ^ 0xA5);
    return img;
}

START_TEST(elf_with_modules_and_info)
{
    struct fixture f;
    fixture_init(&f);
    memset(f.ram + 0x100000, 0xEE, 0x2000); /* bss must be zeroed */
    size_t size;
    uint8_t *img = make_elf(&size, 0x3);
    static const uint8_t m1[3000] = {1, 2, 3}, m2[10] = {9};
    struct vmp_boot_module mods[2] = {{m1, sizeof m1, "first arg"}, {m2, sizeof m2, NULL}};
    struct vmp_boot_config cfg = {.cmdline = "kernel opts", .modules = mods, .module_count = 2};
    struct vmp_boot_entry e;
    ck_assert_int_eq(vmp_load_multiboot(f.mem, img, size, &cfg, &e), 0);
    /* 3.2: EAX magic, EBX info, 32-bit protected mode; entry translated to
     * physical through the segment's p_paddr. */
    ck_assert_int_eq(e.mode, VMP_BOOT_PROT32);
    ck_assert_uint_eq(e.rax, 0x2BADB002);
    ck_assert_uint_eq(e.rip, 0x100010);
    ck_assert_mem_eq(f.ram + 0x100000, img + 0x100, 0x200);
    ck_assert_uint_eq(f.ram[0x100200], 0);
    ck_assert_uint_eq(f.ram[0x100FFF], 0);
    const uint8_t *mbi = f.ram + e.rbx;
    uint32_t flags = rd32(mbi);
    ck_assert_uint_eq(flags & 0x24D, 0x24D); /* mem, cmdline, mods, mmap, name */
    ck_assert_uint_eq(rd32(mbi + 4), 640);
    ck_assert_uint_eq(rd32(mbi + 8), (FIX_RAM - 0x100000) / 1024);
    ck_assert_str_eq((char *)f.ram + rd32(mbi + 16), "kernel opts");
    ck_assert_uint_eq(rd32(mbi + 20), 2);
    const uint8_t *mod = f.ram + rd32(mbi + 24);
    /* Modules page aligned above the image (bit 0), in order. */
    ck_assert_uint_eq(rd32(mod), 0x101000);
    ck_assert_uint_eq(rd32(mod + 4), 0x101000 + sizeof m1);
    ck_assert_str_eq((char *)f.ram + rd32(mod + 8), "first arg");
    ck_assert_uint_eq(rd32(mod + 16), 0x102000);
    ck_assert_mem_eq(f.ram + 0x101000, m1, sizeof m1);
    ck_assert_mem_eq(f.ram + 0x102000, m2, sizeof m2);
    /* mmap: 2 entries of 24 bytes, size field 20, second is 1M.. RAM. */
    ck_assert_uint_eq(rd32(mbi + 44), 48);
    const uint8_t *mm = f.ram + rd32(mbi + 48);
    ck_assert_uint_eq(rd32(mm + 24), 20);
    ck_assert_uint_eq(rd32(mm + 24 + 4), 0x100000);
    ck_assert_uint_eq(rd32(mm + 24 + 20), 1);
    ck_assert_ptr_nonnull(strstr((char *)f.ram + rd32(mbi + 64), "vmparts"));
    free(img);
    fixture_free(&f);
}
END_TEST

START_TEST(bad_checksum_is_refused)
{
    struct fixture f;
    fixture_init(&f);
    size_t size;
    uint8_t *img = make_elf(&size, 0x3);
    img[0x88] ^= 1;
    struct vmp_boot_entry e;
    ck_assert_int_eq(vmp_load_multiboot(f.mem, img, size, NULL, &e), -ENOEXEC);
    ck_assert_ptr_nonnull(strstr(e.error, "bad checksum"));
    ck_assert_uint_eq(f.ram[0x100000], 0);
    free(img);
    fixture_free(&f);
}
END_TEST

START_TEST(malformed_elf_and_requirements)
{
    struct fixture f;
    fixture_init(&f);
    size_t size;
    struct vmp_boot_entry e;
    /* Video mode required (bit 2): cannot be honoured, so refuse (3.1.2). */
    uint8_t *img = make_elf(&size, 0x4);
    ck_assert_int_eq(vmp_load_multiboot(f.mem, img, size, NULL, &e), -ENOTSUP);
    free(img);
    /* Segment past the file end. */
    img = make_elf(&size, 0);
    wr32(img + 52 + 16, 0x800); /* filesz within memsz, past EOF */
    ck_assert_int_eq(vmp_load_multiboot(f.mem, img, size, NULL, &e), -ENOEXEC);
    ck_assert_ptr_nonnull(strstr(e.error, "past the file end"));
    free(img);
    /* Segment outside RAM (in the 640K-1M hole). */
    img = make_elf(&size, 0);
    wr32(img + 52 + 12, 0xB0000);
    ck_assert_int_eq(vmp_load_multiboot(f.mem, img, size, NULL, &e), -ENOMEM);
    free(img);
    /* p_filesz > p_memsz. */
    img = make_elf(&size, 0);
    wr32(img + 52 + 20, 0x10);
    ck_assert_int_eq(vmp_load_multiboot(f.mem, img, size, NULL, &e), -ENOEXEC);
    free(img);
    /* Program header table past the end. */
    img = make_elf(&size, 0);
    wr16(img + 44, 200);
    ck_assert_int_eq(vmp_load_multiboot(f.mem, img, size, NULL, &e), -ENOEXEC);
    free(img);
    /* Every prefix of a good image loads or fails cleanly. */
    img = make_elf(&size, 0);
    for (size_t cut = 0; cut < size; cut++)
        ck_assert_int_lt(vmp_load_multiboot(f.mem, img, cut, NULL, &e), 0);
    free(img);
    fixture_free(&f);
}
END_TEST

START_TEST(aout_kludge)
{
    struct fixture f;
    fixture_init(&f);
    /* Header at offset 0 with address fields: load 0x200000 from file 0. */
    uint8_t img[0x100] = {0};
    uint32_t flags = 0x10002;
    wr32(img, 0x1BADB002);
    wr32(img + 4, flags);
    wr32(img + 8, (uint32_t)-(0x1BADB002u + flags));
    wr32(img + 12, 0x200000);   /* header_addr */
    wr32(img + 16, 0x200000);   /* load_addr */
    wr32(img + 20, 0x200080);   /* load_end_addr */
    wr32(img + 24, 0x201000);   /* bss_end_addr */
    wr32(img + 28, 0x200040);   /* entry_addr */
    img[0x40] = 0xF4;
    struct vmp_boot_entry e;
    ck_assert_int_eq(vmp_load_kernel(f.mem, img, sizeof img, NULL, &e), 0);
    ck_assert_uint_eq(e.rip, 0x200040);
    ck_assert_uint_eq(f.ram[0x200040], 0xF4);
    ck_assert_uint_eq(e.image_end, 0x201000);
    /* load_end before load_addr. */
    wr32(img + 20, 0x1FFFFF);
    ck_assert_int_eq(vmp_load_multiboot(f.mem, img, sizeof img, NULL, &e), -ENOEXEC);
    fixture_free(&f);
}
END_TEST

START_TEST(flat_binary)
{
    struct fixture f;
    fixture_init(&f);
    uint8_t code[16] = {0x90, 0xF4};
    struct vmp_boot_entry e;
    ck_assert_int_eq(vmp_load_flat(f.mem, code, sizeof code, 0x100000, &e), 0);
    ck_assert_uint_eq(e.rip, 0x100000);
    ck_assert_int_eq(e.mode, VMP_BOOT_PROT32);
    ck_assert_uint_eq(f.ram[0x100001], 0xF4);
    ck_assert_int_eq(vmp_load_flat(f.mem, code, sizeof code, 0xA0000, &e), -ERANGE);
    ck_assert_int_eq(vmp_load_flat(f.mem, code, sizeof code, 0x1000, &e), -ERANGE);
    ck_assert_int_eq(vmp_load_flat(f.mem, code, 0, 0x100000, &e), -ENOEXEC);
    ck_assert_int_eq(vmp_load_kernel(f.mem, code, sizeof code, NULL, &e), -ENOEXEC);
    fixture_free(&f);
}
END_TEST

START_TEST(e820_from_mem_merges)
{
    struct vmp_mem *mem = vmp_mem_create();
    static uint8_t a[4096], b[4096], c[4096];
    vmp_mem_add(mem, 0, 4096, a, 0);
    vmp_mem_add(mem, 4096, 4096, b, 0);
    vmp_mem_add(mem, 0xFFFF0000, 4096, c, VMP_MEM_READONLY);
    struct vmp_e820_entry m[4];
    ck_assert_int_eq(vmp_e820_from_mem(mem, m, 4), 2);
    ck_assert_uint_eq(m[0].size, 8192);
    ck_assert_uint_eq(m[1].type, VMP_E820_RESERVED);
    ck_assert_int_eq(vmp_e820_from_mem(mem, m, 1), -ENOSPC);
    vmp_mem_destroy(mem);
}
END_TEST

Suite *loader_multiboot_suite(void)
{
    Suite *s = suite_create("loader_multiboot");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, elf_with_modules_and_info);
    tcase_add_test(tc, bad_checksum_is_refused);
    tcase_add_test(tc, malformed_elf_and_requirements);
    tcase_add_test(tc, aout_kludge);
    tcase_add_test(tc, flat_binary);
    tcase_add_test(tc, e820_from_mem_merges);
    suite_add_tcase(s, tc);
    return s;
}

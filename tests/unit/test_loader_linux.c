/* Linux boot protocol loader (Documentation/arch/x86/boot.rst). */
#include "helpers.h"
#include "loader_fixture.h"

/* A synthetic bzImage: 4 setup sectors + 1 boot sector, then kernel_len
 * bytes of "kernel" (a byte pattern), protocol 2.15, 64-bit capable. */
static uint8_t *make_bzimage(size_t kernel_len, size_t *size)
{
    size_t setup = 5 * 512;
    *size = setup + kernel_len;
    uint8_t *img = calloc(1, *size);
    img[0x1F1] = 4;                            /* setup_sects */
    wr32(img + 0x1F4, (uint32_t)(kernel_len / 16)); /* syssize */
    wr16(img + 0x1FE, 0xAA55);
    img[0x200] = 0xEB;
    img[0x201] = 0x66;                         /* header ends at 0x268 */
    memcpy(img + 0x202, "HdrS", 4);
    wr16(img + 0x206, 0x020F);
    img[0x211] = 0x01;                         /* LOADED_HIGH */
    wr32(img + 0x22C, 0x7FFFFFFF);             /* initrd_addr_max */
    wr32(img + 0x230, 0x200000);               /* kernel_alignment */
    img[0x234] = 1;                            /* relocatable */
    wr16(img + 0x236, 0x0001);                 /* XLF_KERNEL_64 */
    wr32(img + 0x238, 2047);                   /* cmdline_size */
    wr32(img + 0x25C, 0);
    wr32(img + 0x258, 0x1000000);              /* pref_address 16M */
    wr32(img + 0x260, 0x400000);               /* init_size 4M */
    for (size_t i = 0; i < kernel_len; i++)
        img[setup + i] = (uint8_t)(i * 7 + 1);
    return img;
}

START_TEST(loads_kernel_params_cmdline_initrd)
{
    struct fixture f;
    fixture_init(&f);
    size_t size;
    uint8_t *img = make_bzimage(8192, &size);
    uint8_t initrd[5000];
    memset(initrd, 0x5A, sizeof initrd);
    struct vmp_boot_config cfg = {.cmdline = "console=ttyS0 quiet",
                                  .initrd = initrd, .initrd_size = sizeof initrd};
    struct vmp_boot_entry e;
    ck_assert_int_eq(vmp_load_linux(f.mem, img, size, &cfg, &e), 0);
    /* Relocatable, 2 MiB alignment: loaded at 2 MiB; 64-bit entry is +0x200. */
    ck_assert_int_eq(e.mode, VMP_BOOT_LONG64);
    ck_assert_uint_eq(e.image_start, 0x200000);
    ck_assert_uint_eq(e.rip, 0x200200);
    ck_assert_uint_eq(e.rsi, VMP_BOOT_PARAMS);
    ck_assert_mem_eq(f.ram + 0x200000, img + 5 * 512, 8192);
    uint8_t *bp = f.ram + VMP_BOOT_PARAMS;
    ck_assert_uint_eq(bp[0x210], 0xFF);                    /* type_of_loader */
    ck_assert_uint_eq(rd32(bp + 0x228), VMP_BOOT_CMDLINE);  /* cmd_line_ptr */
    ck_assert_str_eq((char *)f.ram + VMP_BOOT_CMDLINE, "console=ttyS0 quiet");
    /* Header copied: HdrS and version survive. */
    ck_assert_mem_eq(bp + 0x202, "HdrS", 4);
    /* initrd: page aligned, top of RAM, contents there. */
    uint32_t ia = rd32(bp + 0x218);
    ck_assert_uint_eq(rd32(bp + 0x21C), sizeof initrd);
    ck_assert_uint_eq(ia & 0xFFF, 0);
    ck_assert_uint_le(ia + sizeof initrd, FIX_RAM);
    ck_assert_uint_gt(ia + sizeof initrd, FIX_RAM - 4096);
    ck_assert_mem_eq(f.ram + ia, initrd, sizeof initrd);
    /* E820: two RAM entries (0-640K, 1M-32M), zero-page 0x1E8/0x2D0. */
    ck_assert_uint_eq(bp[0x1E8], 2);
    ck_assert_uint_eq(rd32(bp + 0x2D0 + 20 + 0), 0x100000);
    ck_assert_uint_eq(rd32(bp + 0x2D0 + 20 + 8), FIX_RAM - 0x100000);
    ck_assert_uint_eq(rd32(bp + 0x2D0 + 20 + 16), VMP_E820_RAM);
    free(img);
    fixture_free(&f);
}
END_TEST

START_TEST(old_protocol_uses_32bit_entry)
{
    struct fixture f;
    fixture_init(&f);
    size_t size;
    uint8_t *img = make_bzimage(4096, &size);
    wr16(img + 0x206, 0x020B); /* before XLF_KERNEL_64 existed */
    struct vmp_boot_entry e;
    ck_assert_int_eq(vmp_load_linux(f.mem, img, size, NULL, &e), 0);
    ck_assert_int_eq(e.mode, VMP_BOOT_PROT32);
    ck_assert_uint_eq(e.rip, 0x200000);
    free(img);
    fixture_free(&f);
}
END_TEST

START_TEST(truncated_bzimage_is_refused)
{
    struct fixture f;
    fixture_init(&f);
    size_t size;
    uint8_t *img = make_bzimage(8192, &size);
    struct vmp_boot_entry e;
    /* syssize promises 8192 bytes of kernel; give it 4096. */
    ck_assert_int_eq(vmp_load_linux(f.mem, img, size - 4096, NULL, &e), -ENOEXEC);
    ck_assert_ptr_nonnull(strstr(e.error, "truncated"));
    /* Nothing was written. */
    ck_assert_uint_eq(f.ram[0x200000], 0);
    /* Every prefix fails cleanly. */
    for (size_t cut = 0; cut < size; cut += 97)
        ck_assert_int_lt(vmp_load_linux(f.mem, img, cut, NULL, &e), 0);
    free(img);
    fixture_free(&f);
}
END_TEST

START_TEST(bad_inputs_have_reasons)
{
    struct fixture f;
    fixture_init(&f);
    size_t size;
    uint8_t *img = make_bzimage(4096, &size);
    struct vmp_boot_entry e;
    char longline[3000];
    memset(longline, 'x', sizeof longline - 1);
    longline[sizeof longline - 1] = 0;
    struct vmp_boot_config cfg = {.cmdline = longline};
    ck_assert_int_eq(vmp_load_linux(f.mem, img, size, &cfg, &e), -E2BIG);
    ck_assert_ptr_nonnull(strstr(e.error, "command line"));
    /* initrd larger than RAM. */
    static uint8_t big[1];
    struct vmp_boot_config cfg2 = {.initrd = big, .initrd_size = 64u << 20};
    ck_assert_int_eq(vmp_load_linux(f.mem, img, size, &cfg2, &e), -ENOMEM);
    /* kernel_alignment not a power of two. */
    wr32(img + 0x230, 0x300000);
    ck_assert_int_eq(vmp_load_linux(f.mem, img, size, NULL, &e), -ENOEXEC);
    ck_assert_ptr_nonnull(strstr(e.error, "kernel_alignment"));
    wr32(img + 0x230, 0x200000);
    /* Too little RAM for init_size. */
    wr32(img + 0x260, 0x4000000);
    ck_assert_int_eq(vmp_load_linux(f.mem, img, size, NULL, &e), -ENOMEM);
    ck_assert_ptr_nonnull(strstr(e.error, "more memory"));
    /* Not a bzImage at all. */
    memset(img + 0x202, 0, 4);
    ck_assert_int_eq(vmp_load_linux(f.mem, img, size, NULL, &e), -ENOEXEC);
    ck_assert_int_eq(vmp_image_detect(img, size), VMP_IMAGE_UNKNOWN);
    free(img);
    fixture_free(&f);
}
END_TEST

/* A vCPU that just records what it was given. */
struct rec_vcpu {
    struct vmp_vcpu_regs regs;
    struct vmp_vcpu_sregs sregs;
};
static int rg(void *v, struct vmp_vcpu_regs *r) { *r = ((struct rec_vcpu *)v)->regs; return 0; }
static int rs(void *v, const struct vmp_vcpu_regs *r) { ((struct rec_vcpu *)v)->regs = *r; return 0; }
static int sg(void *v, struct vmp_vcpu_sregs *s) { *s = ((struct rec_vcpu *)v)->sregs; return 0; }
static int ss(void *v, const struct vmp_vcpu_sregs *s) { ((struct rec_vcpu *)v)->sregs = *s; return 0; }
static const struct vmp_vcpu_ops rec_ops = {rg, rs, sg, ss};

START_TEST(setup_vcpu_long_mode)
{
    struct fixture f;
    fixture_init(&f);
    struct rec_vcpu rv;
    memset(&rv, 0, sizeof rv);
    struct vmp_vcpu v = {&rec_ops, &rv};
    struct vmp_boot_entry e = {.mode = VMP_BOOT_LONG64, .rip = 0x200200, .rsi = 0x7000};
    ck_assert_int_eq(vmp_boot_setup_vcpu(f.mem, &e, &v), 0);
    ck_assert_uint_eq(rv.regs.rip, 0x200200);
    ck_assert_uint_eq(rv.regs.gpr[VMP_RSI], 0x7000);
    ck_assert_uint_eq(rv.regs.rflags & VMP_FLAG_IF, 0);
    /* SDM vol. 3 9.8.5: IA-32e needs PE, PG, PAE and EFER.LME/LMA. */
    ck_assert_uint_eq(rv.sregs.cr0 & 0x80000001u, 0x80000001u);
    ck_assert_uint_eq(rv.sregs.cr4 & 0x20, 0x20);
    ck_assert_uint_eq(rv.sregs.efer & 0x500, 0x500);
    ck_assert_uint_eq(rv.sregs.seg[VMP_CS].l, 1);
    ck_assert_uint_eq(rv.sregs.seg[VMP_CS].selector, 0x10);
    ck_assert_uint_eq(rv.sregs.seg[VMP_DS].selector, 0x18);
    /* The page tables identity-map 3 GiB + 2 MiB with a 2 MiB page. */
    uint32_t pml4 = rd32(f.ram + rv.sregs.cr3) & ~0xFFFu;
    uint32_t pd = rd32(f.ram + pml4 + 8 * 3) & ~0xFFFu;
    ck_assert_uint_eq(rd32(f.ram + pd + 8), 0xC0200000u | 0x83);
    /* The GDT's code descriptor at 0x10 has L=1 (bit 53). */
    ck_assert_uint_eq((rd32(f.ram + VMP_BOOT_GDT + 0x10 + 4) >> 21) & 1, 1);
    fixture_free(&f);
}
END_TEST

/* An ELF64 x86-64 executable with one PT_LOAD of 0x100 file bytes and
 * 0x2000 memory bytes at physical 0x1000000, entry at +0x40. */
static uint8_t *make_vmlinux(size_t *size)
{
    *size = 0x200;
    uint8_t *v = calloc(1, *size);
    memcpy(v, "\177ELF", 4);
    v[4] = 2; v[5] = 1; v[6] = 1;
    wr16(v + 16, 2); wr16(v + 18, 62); wr32(v + 20, 1);
    wr32(v + 24, 0x1000040);                 /* e_entry */
    wr32(v + 32, 64);                        /* e_phoff */
    wr16(v + 52, 64); wr16(v + 54, 56); wr16(v + 56, 1);
    uint8_t *ph = v + 64;
    wr32(ph, 1);                             /* PT_LOAD */
    wr32(ph + 8, 0x100);                     /* p_offset */
    wr32(ph + 16, 0x81000000u);              /* p_vaddr (low half) */
    wr32(ph + 24, 0x1000000);                /* p_paddr */
    wr32(ph + 32, 0x100);                    /* p_filesz */
    wr32(ph + 40, 0x2000);                   /* p_memsz */
    for (unsigned i = 0; i < 0x100; i++)
        v[0x100 + i] = (uint8_t)(0xC0 ^ i);
    return v;
}

START_TEST(vmlinux_entry_and_payload)
{
    struct fixture f;
    fixture_init(&f);
    size_t size, vsize;
    uint8_t *img = make_bzimage(8192, &size);
    uint8_t *vml = make_vmlinux(&vsize);
    memset(f.ram + 0x1000100, 0x77, 0x100); /* bss must be zeroed */
    struct vmp_boot_config cfg = {.cmdline = "console=ttyS0"};
    struct vmp_boot_entry e;
    ck_assert_int_eq(vmp_load_linux_vmlinux(f.mem, img, size, vml, vsize, &cfg, &e), 0);
    /* boot.rst 64-bit protocol: entered at startup_64 in long mode, RSI
     * the zero page; segments at their physical addresses. */
    ck_assert_int_eq(e.mode, VMP_BOOT_LONG64);
    ck_assert_uint_eq(e.rip, 0x1000040);
    ck_assert_uint_eq(e.rsi, VMP_BOOT_PARAMS);
    ck_assert_mem_eq(f.ram + 0x1000000, vml + 0x100, 0x100);
    ck_assert_uint_eq(f.ram[0x1000150], 0);
    ck_assert_str_eq((char *)f.ram + VMP_BOOT_CMDLINE, "console=ttyS0");
    /* Malformed vmlinux: segment past the end of the file. */
    wr32(vml + 64 + 32, 0x1000);
    ck_assert_int_eq(vmp_load_linux_vmlinux(f.mem, img, size, vml, vsize, &cfg, &e), -ENOEXEC);
    ck_assert_ptr_nonnull(strstr(e.error, "past the file end"));
    for (size_t cut = 0; cut < vsize; cut += 7)
        ck_assert_int_lt(vmp_load_linux_vmlinux(f.mem, img, size, vml, cut, &cfg, &e), 0);
    /* Payload fields (protocol 2.08): offset from the protected-mode code. */
    wr32(img + 0x248, 0x10);
    wr32(img + 0x24C, 0x100);
    size_t off, len;
    ck_assert_int_eq(vmp_linux_payload(img, size, &off, &len), 0);
    ck_assert_uint_eq(off, 5 * 512 + 0x10);
    ck_assert_uint_eq(len, 0x100);
    wr32(img + 0x24C, 0x10000000);
    ck_assert_int_eq(vmp_linux_payload(img, size, &off, &len), -ENOEXEC);
    free(vml);
    free(img);
    fixture_free(&f);
}
END_TEST

Suite *loader_linux_suite(void)
{
    Suite *s = suite_create("loader_linux");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, loads_kernel_params_cmdline_initrd);
    tcase_add_test(tc, old_protocol_uses_32bit_entry);
    tcase_add_test(tc, truncated_bzimage_is_refused);
    tcase_add_test(tc, bad_inputs_have_reasons);
    tcase_add_test(tc, setup_vcpu_long_mode);
    tcase_add_test(tc, vmlinux_entry_and_payload);
    suite_add_tcase(s, tc);
    return s;
}

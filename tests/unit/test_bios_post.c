/* POST and the ROM image: reset vector, stubs, IVT, BDA/EBDA, CMOS, the
 * interrupt controllers and PCI resources, INT 19h/18h, trap rejection,
 * save/load. Sources cited per test. */
#include <vmparts/pci.h>
#include <vmparts/irq.h>
#include <vmparts/timer.h>
#include "bios_fixture.h"
#include "helpers.h"

/* Reset vector at F000:FFF0 is a far jump into the ROM (Intel SDM vol. 3
 * 9.1.4: first instruction at FFFFFFF0h); model byte FCh (PC/AT) at
 * F000:FFFE; date at F000:FFF5 (IBM PC/AT TR). */
START_TEST(rom_layout)
{
    struct bfx f;
    bfx_init_cfg(&f, 0, false, NULL);
    const uint8_t *r = f.rom;
    ck_assert_uint_eq(r[0xFFF0], 0xEA);
    uint16_t post = (uint16_t)(r[0xFFF1] | r[0xFFF2] << 8);
    ck_assert_uint_eq(r[0xFFF3] | r[0xFFF4] << 8, 0xF000);
    ck_assert_uint_lt(post, 0xFFF0);
    /* POST stub: cli; cld; xor ax,ax; mov ss,ax; mov sp,7C00h; mov dx,0500h; out dx,al; int 19h */
    static const uint8_t post_code[] = {0xFA, 0xFC, 0x31, 0xC0, 0x8E, 0xD0, 0xBC, 0x00,
                                        0x7C, 0xBA, 0x00, 0x05, 0xEE, 0xCD, 0x19};
    ck_assert_int_eq(memcmp(r + post, post_code, sizeof(post_code)), 0);
    ck_assert_uint_eq(r[0xFFFE], 0xFC);
    ck_assert_int_eq(memcmp(r + 0xFFF5, "11/24/26", 8), 0);
    ck_assert_int_eq(bfx_post(&f), 0);
    /* Every service vector: push dx; mov dx,0500h; out dx,al; ...; iret */
    static const uint8_t vecs[] = {0x10, 0x11, 0x12, 0x13, 0x15, 0x16, 0x1A};
    static const uint8_t stub[] = {0x52, 0xBA, 0x00, 0x05, 0xEE, 0x85, 0xD2, 0x74,
                                   0x02, 0x5A, 0xCF, 0xFB, 0xF4, 0xFA, 0xEB, 0xF1};
    uint16_t seen[sizeof(vecs)];
    for (unsigned i = 0; i < sizeof(vecs); i++) {
        ck_assert_uint_eq(bfx_rd16(&f, vecs[i] * 4 + 2), 0xF000);
        uint16_t off = bfx_rd16(&f, vecs[i] * 4);
        ck_assert_int_eq(memcmp(r + off, stub, sizeof(stub)), 0);
        for (unsigned j = 0; j < i; j++)
            ck_assert_uint_ne(seen[j], off);
        seen[i] = off;
    }
    /* INT 19h ends in jmp far 0000:7C00 and INT 18h */
    uint16_t i19 = bfx_rd16(&f, 0x19 * 4);
    static const uint8_t boot[] = {0xEA, 0x00, 0x7C, 0x00, 0x00, 0xCD, 0x18};
    ck_assert_int_eq(memcmp(r + i19 + 8, boot, sizeof(boot)), 0);
    /* IRQ0 -> INT 08h, IRQ8 -> INT 70h stubs; unclaimed vectors -> IRET */
    ck_assert_uint_eq(r[bfx_rd16(&f, 0x08 * 4)], 0x52);
    ck_assert_uint_eq(r[bfx_rd16(&f, 0x80 * 4)], 0xCF);
    ck_assert_uint_eq(r[bfx_rd16(&f, 0x00 * 4)], 0xCF);
    /* Table vectors without a table are 0 (1Eh diskette parameters) */
    ck_assert_uint_eq(bfx_rd32(&f, 0x1E * 4), 0);
    /* C0h configuration table at the IBM address F000:E6F5 */
    ck_assert_uint_eq(r[0xE6F5], 8);
    ck_assert_uint_eq(r[0xE6F7], 0xFC);
    bfx_free(&f);
}
END_TEST

/* BDA fields (RBIL "Format of BIOS Data Segment at segment 40h"). */
START_TEST(post_bda)
{
    struct bfx f;
    bfx_init_cfg(&f, 100, false, NULL);
    /* RTC at 12:00:00, BCD, 24-hour, running (MC146818A reg A 26h) */
    f.cmos[0x0A] = 0x26;
    f.cmos[0x0B] = 0x02;
    f.cmos[0x04] = 0x12;
    memset(f.ram + 0x400, 0xCC, 0x100);
    ck_assert_int_eq(bfx_post(&f), 0);
    ck_assert_uint_eq(bfx_rd16(&f, 0x400), 0x3F8); /* COM1 */
    ck_assert_uint_eq(bfx_rd16(&f, 0x402), 0);
    ck_assert_uint_eq(bfx_rd16(&f, 0x40E), 0x9FC0); /* EBDA segment */
    uint16_t equip = bfx_rd16(&f, 0x410);
    ck_assert_uint_eq(equip & 1, 0);            /* no diskette */
    ck_assert_uint_eq(equip >> 4 & 3, 2);       /* 80x25 colour */
    ck_assert_uint_eq(equip >> 9 & 7, 1);       /* one serial port */
    ck_assert_uint_eq(bfx_rd16(&f, 0x413), 639); /* KiB below the EBDA */
    ck_assert_uint_eq(f.ram[0x475], 1);          /* hard disks */
    ck_assert_uint_eq(bfx_rd16(&f, 0x41A), 0x1E);
    ck_assert_uint_eq(bfx_rd16(&f, 0x41C), 0x1E);
    ck_assert_uint_eq(bfx_rd16(&f, 0x480), 0x1E);
    ck_assert_uint_eq(bfx_rd16(&f, 0x482), 0x3E);
    ck_assert_uint_eq(f.ram[0x449], 3);
    ck_assert_uint_eq(bfx_rd16(&f, 0x44A), 80);
    ck_assert_uint_eq(f.ram[0x484], 24);
    ck_assert_uint_eq(f.ram[0x417], 0);
    /* 12:00:00 = 43200 s x 1193182/65536 Hz */
    ck_assert_uint_eq(bfx_rd32(&f, 0x46C), 43200ull * 1193182 / 65536);
    ck_assert_uint_eq(f.ram[0x9FC00], 1); /* EBDA size in KiB */
    /* CMOS (IBM PC/AT CMOS map): base 640 KiB, 15 MiB extended, checksum */
    ck_assert_uint_eq(f.cmos[0x15] | f.cmos[0x16] << 8, 640);
    ck_assert_uint_eq(f.cmos[0x17] | f.cmos[0x18] << 8, 15 * 1024);
    ck_assert_uint_eq(f.cmos[0x30] | f.cmos[0x31] << 8, 15 * 1024);
    ck_assert_uint_eq(f.cmos[0x34] | f.cmos[0x35] << 8, 0);
    unsigned sum = 0;
    for (int i = 0x10; i <= 0x2D; i++)
        sum += f.cmos[i];
    ck_assert_uint_eq(f.cmos[0x2E] << 8 | f.cmos[0x2F], sum & 0xFFFF);
    /* The screen is cleared and the banner went to the console. */
    ck_assert_uint_eq(f.ram[0xB8000 + 160 * 2], ' ');
    ck_assert_uint_eq(f.ram[0xB8000 + 160 * 2 + 1], 0x07);
    ck_assert_uint_eq(f.ram[0xB8000], 'v');
    ck_assert_ptr_nonnull(strstr(f.out, "vmparts BIOS"));
    struct vmp_bios_stats st;
    vmp_bios_get_stats(f.bios, &st);
    ck_assert_uint_eq(st.post_count, 1);
    ck_assert_uint_eq(st.traps, 1);
    bfx_free(&f);
}
END_TEST

/* 8259A ICW2 vector bases 08h/70h and the IRQ mask (IBM PC/AT TR; 8259A
 * datasheet), checked on the library's PIC model. */
START_TEST(post_pic)
{
    struct vmp_space *pio = vmp_space_create("pio", 0xFFFF);
    struct vmp_irq_line *intr = vmp_irq_line_create("intr");
    struct test_irq_sink sink = {0};
    vmp_irq_line_add_sink(intr, test_irq_sink_fn, &sink, 0);
    struct vmp_pic *pic = vmp_pic_create(NULL, vmp_irq_line_source(intr));
    ck_assert_int_eq(vmp_pic_attach(pic, pio), 0);
    struct vmp_bios_config cfg = {.pio = pio};
    struct bfx f;
    bfx_init_cfg(&f, 0, false, &cfg);
    ck_assert_int_eq(bfx_post(&f), 0);
    vmp_pic_set_irq(pic, 3, true); /* masked */
    ck_assert(!vmp_pic_intr(pic));
    vmp_pic_set_irq(pic, 0, true);
    ck_assert(vmp_pic_intr(pic));
    ck_assert_uint_eq(vmp_pic_ack(pic), 0x08);
    vmp_space_write(pio, 0x20, 0x20, 1); /* EOI */
    vmp_pic_set_irq(pic, 1, true);
    ck_assert_uint_eq(vmp_pic_ack(pic), 0x09);
    bfx_free(&f);
    vmp_pic_destroy(pic);
    vmp_irq_line_destroy(intr);
    vmp_space_destroy(pio);
}
END_TEST

static uint64_t dummy_read(void *d, uint64_t o, unsigned s)
{
    (void)d;
    (void)o;
    (void)s;
    return 0;
}
static void dummy_write(void *d, uint64_t o, uint64_t v, unsigned s)
{
    (void)d;
    (void)o;
    (void)v;
    (void)s;
}
static const struct vmp_io_ops dummy_ops = {dummy_read, dummy_write, 8};

/* PCI Local Bus 3.0 6.2.5: BARs naturally aligned inside the windows,
 * decode enabled, ROM BAR enable bit left clear; interrupt line for
 * INTA# of device 3 = GSI 16 + ((3 + 0) & 7) (the default routing). */
START_TEST(post_pci)
{
    struct vmp_env env = {0};
    struct vmp_space *pio = vmp_space_create("pio", 0xFFFF);
    struct vmp_space *mmio = vmp_space_create("mmio", UINT64_MAX);
    struct vmp_space *cfgs = vmp_space_create("pcicfg", VMP_PCI_CFG_LAST);
    struct vmp_pci_host *host = vmp_pci_host_create(&env, cfgs, NULL);
    struct vmp_pci_func fn;
    struct vmp_pci_id id = {.vendor = 0x1234, .device = 0x5678, .class_code = 0x020000,
                            .int_pin = 1};
    vmp_pci_func_init(&fn, &env, "t", &id);
    ck_assert_int_eq(vmp_pci_bar_init(&fn, 0, VMP_PCI_BAR_IO, 32, false, &dummy_ops, NULL), 0);
    ck_assert_int_eq(vmp_pci_bar_init(&fn, 1, VMP_PCI_BAR_MEM32, 4096, false, &dummy_ops, NULL), 0);
    ck_assert_int_eq(vmp_pci_bar_init(&fn, 2, VMP_PCI_BAR_MEM64, 1 << 20, true, &dummy_ops, NULL), 0);
    ck_assert_int_eq(vmp_pci_bar_init(&fn, VMP_PCI_ROM_BAR, VMP_PCI_BAR_ROM, 65536, false, &dummy_ops, NULL), 0);
    ck_assert_int_eq(vmp_pci_func_attach(&fn, cfgs, 0, 3, 0, pio, mmio), 0);
    struct vmp_bios_config cfg = {.pci_cfg = cfgs};
    struct bfx f;
    bfx_init_cfg(&f, 0, false, &cfg);
    ck_assert_int_eq(bfx_post(&f), 0);
    uint64_t io = vmp_pci_bar_addr(&fn, 0), m32 = vmp_pci_bar_addr(&fn, 1);
    uint64_t m64 = vmp_pci_bar_addr(&fn, 2), rom = vmp_pci_bar_addr(&fn, VMP_PCI_ROM_BAR);
    ck_assert_uint_ge(io, 0xC000);
    ck_assert_uint_eq(io % 32, 0);
    ck_assert_uint_ge(m32, 0xC0000000u);
    ck_assert_uint_eq(m32 % 4096, 0);
    ck_assert_uint_ge(m64, 0xC0000000u);
    ck_assert_uint_eq(m64 % (1 << 20), 0);
    ck_assert_uint_eq(rom % 65536, 0);
    ck_assert_uint_ne(rom, 0);
    /* no overlaps among the memory BARs */
    ck_assert(m32 + 4096 <= m64 || m64 + (1 << 20) <= m32);
    ck_assert(rom + 65536 <= m64 || m64 + (1 << 20) <= rom);
    ck_assert(rom + 65536 <= m32 || m32 + 4096 <= rom);
    uint16_t cmd = (uint16_t)vmp_space_read(cfgs, vmp_pci_addr(0, 3, 0) + 4, 2);
    ck_assert_uint_eq(cmd & 7, 7); /* I/O, memory, bus master */
    ck_assert(vmp_pci_bar_mapped(&fn, 0));
    ck_assert(vmp_pci_bar_mapped(&fn, 2));
    ck_assert(!vmp_pci_bar_mapped(&fn, VMP_PCI_ROM_BAR));
    ck_assert_uint_eq(vmp_space_read(cfgs, vmp_pci_addr(0, 3, 0) + 0x3C, 1), 16 + 3);
    bfx_free(&f);
    vmp_pci_func_detach(&fn);
    vmp_pci_func_fini(&fn);
    vmp_pci_host_destroy(host);
    vmp_space_destroy(pio);
    vmp_space_destroy(mmio);
    vmp_space_destroy(cfgs);
}
END_TEST

struct lapic_rec {
    uint32_t reg[0x400];
};
static uint64_t lapic_read(void *d, uint64_t o, unsigned s)
{
    (void)s;
    return ((struct lapic_rec *)d)->reg[(o & 0xFFF) >> 2];
}
static void lapic_write(void *d, uint64_t o, uint64_t v, unsigned s)
{
    (void)s;
    ((struct lapic_rec *)d)->reg[(o & 0xFFF) >> 2] = (uint32_t)v;
}
static const struct vmp_io_ops lapic_ops = {lapic_read, lapic_write, 4};
static void msi_drop(void *o, uint64_t a, uint32_t d)
{
    (void)o;
    (void)a;
    (void)d;
}

/* Local APIC virtual-wire mode (MP spec 1.4 3.6.2.2; SDM vol. 3 10.5.1:
 * LVT delivery mode ExtINT = 111b, NMI = 100b; SVR bit 8 enables) and
 * every IOAPIC redirection entry masked (82093AA 3.2.4, bit 16). */
START_TEST(post_apics)
{
    struct vmp_env env = {0};
    struct vmp_space *mmio = vmp_space_create("mmio", UINT64_MAX);
    struct lapic_rec *lapic = calloc(1, sizeof(*lapic));
    ck_assert_int_eq(vmp_space_map(mmio, 0xFEE00000u, 0x1000, &lapic_ops, lapic), 0);
    struct vmp_msi_sink sink = {msi_drop, NULL};
    struct vmp_ioapic *io = vmp_ioapic_create(&env, &sink, NULL);
    ck_assert_int_eq(vmp_ioapic_attach(io, mmio, 0xFEC00000u), 0);
    /* unmask entry 5 the way a previous boot might have left it */
    vmp_space_write(mmio, 0xFEC00000u, 0x10 + 2 * 5, 4);
    vmp_space_write(mmio, 0xFEC00010u, 0x30, 4);
    struct vmp_bios_config cfg = {.mmio = mmio};
    struct bfx f;
    bfx_init_cfg(&f, 0, false, &cfg);
    ck_assert_int_eq(bfx_post(&f), 0);
    ck_assert_uint_eq(lapic->reg[0xF0 >> 2] & 0x100, 0x100);
    ck_assert_uint_eq(lapic->reg[0x350 >> 2] & 0x10700, 0x700);
    ck_assert_uint_eq(lapic->reg[0x360 >> 2] & 0x10700, 0x400);
    for (unsigned pin = 0; pin < 24; pin++) {
        vmp_space_write(mmio, 0xFEC00000u, 0x10 + 2 * pin, 4);
        ck_assert_uint_eq(vmp_space_read(mmio, 0xFEC00010u, 4) & 0x10000, 0x10000);
    }
    bfx_free(&f);
    vmp_ioapic_destroy(io);
    vmp_space_destroy(mmio);
    free(lapic);
}
END_TEST

/* INT 19h (IBM PC/AT TR "BOOT_STRAP"): sector 0 of disk 80h at 0:7C00
 * when it carries 55h AAh; entered with DL=80h, SS:SP=0:7C00. */
START_TEST(boot)
{
    struct bfx f;
    bfx_init_cfg(&f, 64, false, NULL);
    f.disk[510] = 0x55;
    f.disk[511] = 0xAA;
    ck_assert_int_eq(bfx_post(&f), 0);
    uint16_t i19 = bfx_rd16(&f, 0x19 * 4);
    bfx_seg(&f.cpu.sregs.seg[VMP_CS], 0xF000);
    bfx_seg(&f.cpu.sregs.seg[VMP_DS], 0x1234);
    f.cpu.regs.rip = bfx_find_out(&f, i19);
    f.cpu.regs.gpr[VMP_RDX] = VMP_BIOS_TRAP_PORT;
    f.cpu.regs.gpr[VMP_RAX] = 0x1111;
    uint64_t rip = f.cpu.regs.rip;
    ck_assert_int_eq(vmp_bios_trap(f.bios, &f.vcpu), 0);
    ck_assert_uint_eq(f.cpu.regs.rip, rip); /* never moved */
    ck_assert_uint_eq(f.cpu.regs.gpr[VMP_RDX], 0x80);
    ck_assert_uint_eq(f.cpu.regs.gpr[VMP_RSP], 0x7C00);
    ck_assert_uint_eq(f.cpu.sregs.seg[VMP_SS].selector, 0);
    ck_assert_uint_eq(f.cpu.sregs.seg[VMP_DS].base, 0);
    ck_assert_uint_eq(f.cpu.sregs.seg[VMP_CS].selector, 0xF000);
    ck_assert_int_eq(memcmp(f.ram + 0x7C00, f.disk, 512), 0);
    bfx_free(&f);

    /* no signature: DX=0 so the stub calls INT 18h, which says so */
    bfx_init_cfg(&f, 64, false, NULL);
    ck_assert_int_eq(bfx_post(&f), 0);
    bfx_seg(&f.cpu.sregs.seg[VMP_CS], 0xF000);
    f.cpu.regs.rip = bfx_find_out(&f, bfx_rd16(&f, 0x19 * 4));
    f.cpu.regs.gpr[VMP_RDX] = VMP_BIOS_TRAP_PORT;
    ck_assert_int_eq(vmp_bios_trap(f.bios, &f.vcpu), 0);
    ck_assert_uint_eq(f.cpu.regs.gpr[VMP_RDX] & 0xFFFF, 0);
    ck_assert_uint_eq(f.ram[0x7C00], 0);
    f.cpu.regs.rip = bfx_find_out(&f, bfx_rd16(&f, 0x18 * 4));
    ck_assert_int_eq(vmp_bios_trap(f.bios, &f.vcpu), 0);
    ck_assert_ptr_nonnull(strstr(f.out, "No bootable device"));
    bfx_free(&f);
}
END_TEST

/* Writes to the trap port from anywhere but a stub, or from protected
 * mode, are refused without touching the vCPU. */
START_TEST(trap_rejects)
{
    struct bfx f;
    bfx_init_cfg(&f, 0, false, NULL);
    ck_assert_int_eq(bfx_post(&f), 0);
    unsigned calls = f.cpu.set_regs_calls;
    bfx_seg(&f.cpu.sregs.seg[VMP_CS], 0x0000);
    f.cpu.regs.rip = 0x7C00;
    ck_assert_int_eq(vmp_bios_trap(f.bios, &f.vcpu), -EINVAL);
    bfx_seg(&f.cpu.sregs.seg[VMP_CS], 0xF000);
    f.cpu.regs.rip = bfx_find_out(&f, bfx_rd16(&f, 0x13 * 4)) + 2;
    ck_assert_int_eq(vmp_bios_trap(f.bios, &f.vcpu), -EINVAL);
    f.cpu.regs.rip -= 2;
    f.cpu.sregs.cr0 |= 1;
    ck_assert_int_eq(vmp_bios_trap(f.bios, &f.vcpu), -EINVAL);
    ck_assert_uint_eq(f.cpu.set_regs_calls, calls);
    /* a stack in the 640K-1M hole */
    f.cpu.sregs.cr0 &= ~1ull;
    bfx_seg(&f.cpu.sregs.seg[VMP_SS], 0xC000);
    ck_assert_int_eq(vmp_bios_trap(f.bios, &f.vcpu), -EFAULT);
    ck_assert_uint_eq(f.cpu.set_regs_calls, calls);
    /* after the OUT (an emulator that retired it) is accepted */
    bfx_regs(&f, 0x1100, 0, 0, 0);
    struct bfx_result r = bfx_int(&f, 0x11, 0x0202);
    ck_assert_int_eq(r.rc, 0);
    bfx_free(&f);
}
END_TEST

static int save_fn(const void *m, struct vmp_state_writer *w) { return vmp_bios_save(m, w); }
static int load_fn(void *m, struct vmp_state_reader *r) { return vmp_bios_load(m, r); }

START_TEST(save_load)
{
    struct bfx a, b;
    bfx_init_cfg(&a, 0, false, NULL);
    bfx_init_cfg(&b, 0, false, NULL);
    ck_assert_int_eq(bfx_post(&a), 0);
    ck_assert_int_eq(bfx_post(&b), 0);
    bfx_regs(&a, 0x2400, 0, 0, 0); /* A20 off */
    bfx_int(&a, 0x15, 0x0202);
    ck_assert_int_eq(test_roundtrip(a.bios, b.bios, save_fn, load_fn), 0);
    bfx_regs(&b, 0x2402, 0, 0, 0);
    bfx_int(&b, 0x15, 0x0202);
    ck_assert_uint_eq(BFX_AL(&b), 0);
    ck_assert_uint_eq(test_truncations_loaded(a.bios, b.bios, save_fn, load_fn), 0);
    bfx_free(&a);
    bfx_free(&b);
}
END_TEST

Suite *bios_post_suite(void)
{
    Suite *s = suite_create("bios_post");
    TCase *tc = tcase_create("post");
    tcase_add_test(tc, rom_layout);
    tcase_add_test(tc, post_bda);
    tcase_add_test(tc, post_pic);
    tcase_add_test(tc, post_pci);
    tcase_add_test(tc, post_apics);
    tcase_add_test(tc, boot);
    tcase_add_test(tc, trap_rejects);
    tcase_add_test(tc, save_load);
    suite_add_tcase(s, tc);
    return s;
}

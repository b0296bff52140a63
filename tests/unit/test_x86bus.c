/* The emulator on the library's own bus: RAM through vmp_mem, MMIO and
 * port accesses reaching devices with the guest's access size. */
#include "helpers.h"
#include <stdlib.h>
#include <string.h>
#include <vmparts/bus.h>
#include <vmparts/mem.h>
#include <vmparts/x86emu.h>

struct rec {
    uint64_t off, val;
    unsigned size, reads, writes;
};

static uint64_t rec_read(void *dev, uint64_t off, unsigned size)
{
    struct rec *r = dev;
    r->reads++;
    r->off = off;
    r->size = size;
    return 0x1122334455667788ull & (size == 8 ? ~0ull : (1ull << (size * 8)) - 1);
}

static void rec_write(void *dev, uint64_t off, uint64_t val, unsigned size)
{
    struct rec *r = dev;
    r->writes++;
    r->off = off;
    r->val = val;
    r->size = size;
}

static const struct vmp_io_ops rec_ops = { .read = rec_read, .write = rec_write };

START_TEST(test_bus_mmio_and_ports)
{
    uint8_t *ram = calloc(1, 1 << 20);
    struct vmp_mem *mem = vmp_mem_create();
    ck_assert_int_eq(vmp_mem_add(mem, 0, 1 << 20, ram, 0), 0);
    struct vmp_space *mmio = vmp_space_create("mmio", UINT64_MAX);
    struct vmp_space *pio = vmp_space_create("pio", 0xffff);
    struct rec dev = { 0 }, port = { 0 };
    ck_assert_int_eq(vmp_space_map(mmio, 0xfed00000, 0x1000, &rec_ops, &dev), 0);
    ck_assert_int_eq(vmp_space_map(pio, 0x3f8, 8, &rec_ops, &port), 0);
    struct vmp_x86_bus bus = { .mem = mem, .mmio = mmio, .pio = pio };

    struct vmp_x86_cpu cpu;
    vmp_x86_cpu_reset(&cpu);
    cpu.cr0 = VMP_CR0_PE | VMP_CR0_ET;
    for (unsigned i = 0; i < VMP_NR_SEGS; i++) {
        struct vmp_segment *s = &cpu.seg[i];
        memset(s, 0, sizeof(*s));
        s->limit = 0xffffffff;
        s->type = i == VMP_CS ? 0xb : 0x3;
        s->s = s->present = s->db = 1;
    }
    /* mov [0xfed00010], eax ; mov bx, [0xfed00020] ; out dx, al */
    static const uint8_t code[] = { 0xa3, 0x10, 0x00, 0xd0, 0xfe,
                                    0x66, 0x8b, 0x1d, 0x20, 0x00, 0xd0, 0xfe,
                                    0xee };
    memcpy(ram + 0x1000, code, sizeof(code));
    cpu.rip = 0x1000;
    cpu.gpr[VMP_RAX] = 0xdeadbeef;
    cpu.gpr[VMP_RDX] = 0x3f9;
    struct vmp_x86_changes chg;
    ck_assert_int_eq(vmp_x86_emulate_one(&cpu, &vmp_x86_bus_ops, &bus, 0xfed00010, &chg), 0);
    ck_assert_int_eq(dev.writes, 1);
    ck_assert_uint_eq(dev.off, 0x10);
    ck_assert_uint_eq(dev.size, 4);
    ck_assert_uint_eq(dev.val, 0xdeadbeef);
    ck_assert_int_eq(chg.mmio_hit, 1);
    ck_assert_int_eq(vmp_x86_emulate_one(&cpu, &vmp_x86_bus_ops, &bus, 0xfed00020, &chg), 0);
    ck_assert_uint_eq(dev.size, 2);
    ck_assert_uint_eq(cpu.gpr[VMP_RBX] & 0xffff, 0x7788);
    ck_assert_int_eq(chg.gprs, 1 << VMP_RBX);
    ck_assert_int_eq(vmp_x86_step(&cpu, &vmp_x86_bus_ops, &bus), 0);
    ck_assert_int_eq(port.writes, 1);
    ck_assert_uint_eq(port.off, 1);
    ck_assert_uint_eq(port.val, 0xef);
    /* a non-RAM address with no MMIO space is UNHANDLED, state unchanged */
    bus.mmio = NULL;
    cpu.rip = 0x1000;
    ck_assert_int_eq(vmp_x86_step(&cpu, &vmp_x86_bus_ops, &bus), VMP_X86_UNHANDLED);
    ck_assert_uint_eq(cpu.rip, 0x1000);

    vmp_space_destroy(pio);
    vmp_space_destroy(mmio);
    vmp_mem_destroy(mem);
    free(ram);
}
END_TEST

Suite *x86bus_suite(void)
{
    Suite *s = suite_create("x86bus");
    TCase *tc = tcase_create("bus");
    tcase_add_test(tc, test_bus_mmio_and_ports);
    suite_add_tcase(s, tc);
    return s;
}

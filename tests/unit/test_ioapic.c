/* I/O APIC. Sections cited are those of the Intel 82093AA datasheet
 * (290566), "Register Description" (3.x), and SDM vol. 3A chapter 11 for
 * the LAPIC side. */
#include "irq_board.h"

struct iob {
    struct tb t;
    struct vmp_space *mmio;
    struct vmp_ioapic *io;
    struct vmp_irq_line *line[VMP_IOAPIC_PINS];
    struct vmp_irq *src[VMP_IOAPIC_PINS];
};

static void iob_init(struct iob *b, uint8_t version)
{
    tb_init(&b->t, 2, false, NULL);
    tb_enable(&b->t);
    b->mmio = vmp_space_create("mmio", UINT64_MAX);
    struct vmp_ioapic_cfg cfg = { .id = 2, .version = version };
    b->io = vmp_ioapic_create_on_bus(&b->t.env, b->t.bus, &cfg);
    ck_assert_ptr_nonnull(b->io);
    ck_assert_int_eq(vmp_ioapic_attach(b->io, b->mmio, VMP_IOAPIC_BASE_DEFAULT), 0);
    for (unsigned i = 0; i < VMP_IOAPIC_PINS; i++) {
        b->line[i] = vmp_irq_line_create("gsi");
        vmp_irq_line_add_sink(b->line[i], vmp_ioapic_set_irq, b->io, i);
        b->src[i] = vmp_irq_line_source(b->line[i]);
    }
}

static void iob_free(struct iob *b)
{
    for (unsigned i = 0; i < VMP_IOAPIC_PINS; i++)
        vmp_irq_line_destroy(b->line[i]);
    vmp_ioapic_destroy(b->io);
    vmp_space_destroy(b->mmio);
    tb_free(&b->t);
}

static uint32_t ioread(struct iob *b, uint8_t reg)
{
    vmp_space_write(b->mmio, VMP_IOAPIC_BASE_DEFAULT, reg, 4);
    return (uint32_t)vmp_space_read(b->mmio, VMP_IOAPIC_BASE_DEFAULT + 0x10, 4);
}
static void iowrite(struct iob *b, uint8_t reg, uint32_t v)
{
    vmp_space_write(b->mmio, VMP_IOAPIC_BASE_DEFAULT, reg, 4);
    vmp_space_write(b->mmio, VMP_IOAPIC_BASE_DEFAULT + 0x10, v, 4);
}
static void rte(struct iob *b, unsigned pin, uint32_t lo, uint8_t dest)
{
    iowrite(b, (uint8_t)(0x11 + 2 * pin), (uint32_t)dest << 24);
    iowrite(b, (uint8_t)(0x10 + 2 * pin), lo);
}
/* The CPU takes the interrupt and writes EOI. */
static int take(struct iob *b, unsigned cpu)
{
    if (!vmp_lapic_has_interrupt(b->t.cpu[cpu], TB_IF))
        return -1;
    int v = vmp_lapic_ack(b->t.cpu[cpu]);
    tb_wr(&b->t, cpu, 0xB0, 0);
    return v;
}

START_TEST(id_version_registers)
{
    /* §3.2.1-3.2.3: ID in bits 27:24, version with max redirection entry
     * 23 in bits 23:16, arbitration ID read-only. */
    struct iob b;
    iob_init(&b, 0x11);
    ck_assert_uint_eq(ioread(&b, 0), 2u << 24);
    ck_assert_uint_eq(ioread(&b, 1), 0x00170011);
    iowrite(&b, 0, 0xFFFFFFFF);
    ck_assert_uint_eq(ioread(&b, 0), 0x0F000000);
    ck_assert_uint_eq(ioread(&b, 2), 0x0F000000);
    iowrite(&b, 1, 0);
    ck_assert_uint_eq(ioread(&b, 1), 0x00170011);
    /* IOREGSEL reads back; redirection entries reset masked. */
    vmp_space_write(b.mmio, VMP_IOAPIC_BASE_DEFAULT, 0x15, 4);
    ck_assert_uint_eq(vmp_space_read(b.mmio, VMP_IOAPIC_BASE_DEFAULT, 4), 0x15);
    ck_assert_uint_eq(ioread(&b, 0x10), 0x10000);
    ck_assert_uint_eq(ioread(&b, 0x10 + 47), 0);
    /* Read-only bits (delivery status, Remote IRR) and reserved bits
     * cannot be written. */
    iowrite(&b, 0x10, 0xFFFFFFFF);
    ck_assert_uint_eq(ioread(&b, 0x10), 0x1AFFF & ~0u);
    iowrite(&b, 0x11, 0xFFFFFFFF);
    ck_assert_uint_eq(ioread(&b, 0x11), 0xFF000000);
    iob_free(&b);
    iob_init(&b, 0);
    ck_assert_uint_eq(ioread(&b, 1), 0x00170020);
    iob_free(&b);
}
END_TEST

START_TEST(edge_delivery_and_mask)
{
    struct iob b;
    iob_init(&b, 0x20);
    rte(&b, 4, 0x0031, 1); /* fixed, physical, edge, vector 0x31 -> CPU 1 */
    vmp_irq_pulse(b.src[4]);
    ck_assert(vmp_lapic_irr_test(b.t.cpu[1], 0x31));
    ck_assert(!vmp_lapic_irr_test(b.t.cpu[0], 0x31));
    ck_assert(!vmp_lapic_tmr_test(b.t.cpu[1], 0x31));
    ck_assert_int_eq(take(&b, 1), 0x31);
    /* Holding the line high does not repeat an edge. */
    vmp_irq_set(b.src[4], true);
    ck_assert_int_eq(take(&b, 1), 0x31);
    ck_assert_int_eq(take(&b, 1), -1);
    vmp_irq_set(b.src[4], false);
    /* §3.2.4 mask bit: an edge on a masked pin is ignored, not held. */
    rte(&b, 4, 0x10031, 1);
    vmp_irq_pulse(b.src[4]);
    rte(&b, 4, 0x00031, 1);
    ck_assert_int_eq(take(&b, 1), -1);
    iob_free(&b);
}
END_TEST

START_TEST(level_remote_irr)
{
    /* §3.2.4: Remote IRR is set when a level interrupt is accepted and
     * cleared by the EOI message with its vector; an input still
     * asserted then is delivered again, once. */
    struct iob b;
    iob_init(&b, 0x11);
    rte(&b, 9, 0x8041, 0); /* level, vector 0x41 -> CPU 0 */
    vmp_irq_set(b.src[9], true);
    ck_assert(vmp_lapic_irr_test(b.t.cpu[0], 0x41));
    ck_assert(vmp_lapic_tmr_test(b.t.cpu[0], 0x41)); /* SDM §11.8.4 */
    ck_assert(ioread(&b, 0x10 + 18) & (1u << 14));
    ck_assert_int_eq(vmp_lapic_ack(b.t.cpu[0]), 0x41);
    /* Toggle of another source on the shared line: no new message while
     * Remote IRR is set. */
    struct vmp_irq *other = vmp_irq_line_source(b.line[9]);
    vmp_irq_set(other, true);
    vmp_irq_set(other, false);
    ck_assert(!vmp_lapic_irr_test(b.t.cpu[0], 0x41));
    /* EOI with the line still asserted: delivered again, Remote IRR set. */
    tb_wr(&b.t, 0, 0xB0, 0);
    ck_assert(vmp_lapic_irr_test(b.t.cpu[0], 0x41));
    ck_assert(ioread(&b, 0x10 + 18) & (1u << 14));
    ck_assert_int_eq(vmp_lapic_ack(b.t.cpu[0]), 0x41);
    /* Device de-asserts, then EOI: Remote IRR clears, nothing more. */
    vmp_irq_set(b.src[9], false);
    tb_wr(&b.t, 0, 0xB0, 0);
    ck_assert(!(ioread(&b, 0x10 + 18) & (1u << 14)));
    ck_assert(!vmp_lapic_has_interrupt(b.t.cpu[0], TB_IF));
    /* Version 0x11 has no EOI register: a write to 0x40 does nothing. */
    vmp_irq_set(b.src[9], true);
    vmp_lapic_ack(b.t.cpu[0]);
    vmp_space_write(b.mmio, VMP_IOAPIC_BASE_DEFAULT + 0x40, 0x41, 4);
    ck_assert(ioread(&b, 0x10 + 18) & (1u << 14));
    iob_free(&b);
}
END_TEST

START_TEST(eoi_register)
{
    /* Version 0x20: the EOI register at offset 0x40 clears Remote IRR of
     * the entries with that vector. */
    struct iob b;
    iob_init(&b, 0x20);
    rte(&b, 16, 0xA051, 0);
    vmp_irq_set(b.src[16], true);
    ck_assert(ioread(&b, 0x10 + 32) & (1u << 14));
    vmp_space_write(b.mmio, VMP_IOAPIC_BASE_DEFAULT + 0x40, 0x52, 4);
    ck_assert(ioread(&b, 0x10 + 32) & (1u << 14));
    vmp_irq_set(b.src[16], false);
    vmp_space_write(b.mmio, VMP_IOAPIC_BASE_DEFAULT + 0x40, 0x51, 4);
    ck_assert(!(ioread(&b, 0x10 + 32) & (1u << 14)));
    iob_free(&b);
}
END_TEST

START_TEST(level_masking)
{
    /* A masked level input sends nothing; unmasking while it is asserted
     * delivers it. Switching an entry to edge clears a stuck Remote IRR. */
    struct iob b;
    iob_init(&b, 0x20);
    rte(&b, 17, 0x18061, 1);
    vmp_irq_set(b.src[17], true);
    ck_assert(!vmp_lapic_irr_test(b.t.cpu[1], 0x61));
    rte(&b, 17, 0x08061, 1);
    ck_assert(vmp_lapic_irr_test(b.t.cpu[1], 0x61));
    ck_assert(ioread(&b, 0x10 + 34) & (1u << 14));
    rte(&b, 17, 0x10061, 1);
    ck_assert(!(ioread(&b, 0x10 + 34) & (1u << 14)));
    iob_free(&b);
}
END_TEST

START_TEST(delivery_modes)
{
    /* §3.2.4 delivery modes: fixed, lowest priority, NMI, INIT, ExtINT;
     * physical and logical destinations. */
    struct iob b;
    iob_init(&b, 0x20);
    tb_wr(&b.t, 0, 0xD0, 0x01000000);
    tb_wr(&b.t, 1, 0xD0, 0x02000000);
    /* Logical fixed to both. */
    rte(&b, 1, 0x0871, 0x03);
    vmp_irq_pulse(b.src[1]);
    ck_assert(vmp_lapic_irr_test(b.t.cpu[0], 0x71) && vmp_lapic_irr_test(b.t.cpu[1], 0x71));
    /* Lowest priority: CPU 0 is busy at a higher TPR. */
    tb_wr(&b.t, 0, 0x80, 0x80);
    rte(&b, 2, 0x0972, 0x03);
    vmp_irq_pulse(b.src[2]);
    ck_assert(!vmp_lapic_irr_test(b.t.cpu[0], 0x72));
    ck_assert(vmp_lapic_irr_test(b.t.cpu[1], 0x72));
    /* NMI, INIT. */
    rte(&b, 3, 0x0400, 1);
    vmp_irq_pulse(b.src[3]);
    ck_assert(vmp_lapic_take_nmi(b.t.cpu[1]));
    rte(&b, 5, 0x0500, 1);
    vmp_irq_pulse(b.src[5]);
    ck_assert(vmp_lapic_take_init(b.t.cpu[1]));
    /* ExtINT: the vector comes from the PIC's acknowledge. NMI/INIT/ExtINT
     * programmed as level do not set Remote IRR. */
    struct vmp_pic *pic = vmp_pic_create(NULL, NULL);
    vmp_apic_bus_set_extint(b.t.bus, vmp_pic_extint_ack, pic);
    static const uint8_t init[] = { 0x11, 0x30, 0x04, 0x01 };
    for (unsigned i = 0; i < 4; i++)
        vmp_pic_master_io_ops.write(pic, i ? 1 : 0, init[i], 1);
    vmp_pic_set_irq(pic, 6, true);
    rte(&b, 0, 0x8700, 0);
    vmp_irq_pulse(b.src[0]);
    ck_assert(!(ioread(&b, 0x10) & (1u << 14)));
    ck_assert(vmp_lapic_has_interrupt(b.t.cpu[0], TB_IF)); /* TPR does not block ExtINT */
    ck_assert_int_eq(vmp_lapic_ack(b.t.cpu[0]), 0x36);
    vmp_pic_destroy(pic);
    iob_free(&b);
}
END_TEST

START_TEST(sub_dword_access)
{
    struct iob b;
    iob_init(&b, 0x20);
    vmp_space_write(b.mmio, VMP_IOAPIC_BASE_DEFAULT, 0x01, 1);
    ck_assert_uint_eq(vmp_space_read(b.mmio, VMP_IOAPIC_BASE_DEFAULT + 0x12, 1), 0x17);
    ck_assert_uint_eq(vmp_space_read(b.mmio, VMP_IOAPIC_BASE_DEFAULT + 0x10, 8), 0x00170020);
    /* A byte write to the data window is ignored (32-bit register). */
    vmp_space_write(b.mmio, VMP_IOAPIC_BASE_DEFAULT, 0x10, 1);
    vmp_space_write(b.mmio, VMP_IOAPIC_BASE_DEFAULT + 0x10, 0x00, 1);
    ck_assert_uint_eq(ioread(&b, 0x10), 0x10000);
    iob_free(&b);
}
END_TEST

static int save_fn(const void *m, struct vmp_state_writer *w) { return vmp_ioapic_save(m, w); }
static int load_fn(void *m, struct vmp_state_reader *r) { return vmp_ioapic_load(m, r); }

START_TEST(save_load)
{
    struct iob a, b;
    iob_init(&a, 0x20);
    iob_init(&b, 0x20);
    rte(&a, 9, 0x8041, 1);
    rte(&a, 3, 0x0033, 0);
    vmp_irq_set(a.src[9], true);
    ck_assert_int_eq(test_roundtrip(a.io, b.io, save_fn, load_fn), 0);
    ck_assert_uint_eq(ioread(&b, 0x10 + 18), 0xC041);
    ck_assert_uint_eq(ioread(&b, 0x11 + 18), 1u << 24);
    ck_assert_uint_eq(ioread(&b, 0x10 + 6), 0x0033);
    /* Remote IRR survived: the EOI re-delivers the asserted line. */
    vmp_ioapic_eoi(b.io, 0x41);
    ck_assert(vmp_lapic_irr_test(b.t.cpu[1], 0x41));
    ck_assert_uint_eq(test_truncations_loaded(a.io, b.io, save_fn, load_fn), 0);
    iob_free(&a);
    iob_free(&b);
}
END_TEST

Suite *ioapic_suite(void)
{
    Suite *s = suite_create("ioapic");
    TCase *tc = tcase_create("ioapic");
    tcase_add_test(tc, id_version_registers);
    tcase_add_test(tc, edge_delivery_and_mask);
    tcase_add_test(tc, level_remote_irr);
    tcase_add_test(tc, eoi_register);
    tcase_add_test(tc, level_masking);
    tcase_add_test(tc, delivery_modes);
    tcase_add_test(tc, sub_dword_access);
    tcase_add_test(tc, save_load);
    suite_add_tcase(s, tc);
    return s;
}

/* A 4-CPU board: 4 LAPICs, the IOAPIC and the PIC pair wired as on a PC
 * (ISA lines fan out to both, PIC INTR to LINT0 and IOAPIC pin 0).
 * Checks lowest-priority and logical delivery (SDM vol. 3A §11.6.2),
 * INIT/SIPI start-up (§11.6.1, vol. 3A §9.4.4.1) and that a burst of edge
 * and level interrupts is delivered exactly once each. */
#include "irq_board.h"

#define NCPU 4

struct smp {
    struct tb t;
    struct vmp_pic *pic;
    struct vmp_ioapic *io;
    struct vmp_irq_line *intr;
    struct vmp_irq_line *gsi[VMP_IOAPIC_PINS];
    struct vmp_irq *src[VMP_IOAPIC_PINS];
};

static void smp_init(struct smp *s)
{
    tb_init(&s->t, NCPU, false, NULL);
    s->intr = vmp_irq_line_create("intr");
    s->pic = vmp_pic_create(&s->t.env, vmp_irq_line_source(s->intr));
    s->io = vmp_ioapic_create_on_bus(&s->t.env, s->t.bus, NULL);
    vmp_irq_line_add_sink(s->intr, vmp_apic_bus_set_lint, s->t.bus, 0);
    vmp_irq_line_add_sink(s->intr, vmp_ioapic_set_irq, s->io, 0);
    vmp_apic_bus_set_extint(s->t.bus, vmp_pic_extint_ack, s->pic);
    for (unsigned i = 0; i < VMP_IOAPIC_PINS; i++) {
        s->gsi[i] = vmp_irq_line_create("gsi");
        /* ISA IRQ n: PIC pin n and IOAPIC pin n (IRQ0 would be GSI 2 via
         * the MADT override; the test does not use the PIT). */
        if (i < 16 && i != 2)
            vmp_irq_line_add_sink(s->gsi[i], vmp_pic_set_irq, s->pic, i);
        if (i)
            vmp_irq_line_add_sink(s->gsi[i], vmp_ioapic_set_irq, s->io, i);
        s->src[i] = vmp_irq_line_source(s->gsi[i]);
    }
    tb_enable(&s->t);
    /* PIC initialised at vectors 0x20/0x28; ELCR makes IRQ 11 level. */
    static const uint8_t m[] = { 0x11, 0x20, 0x04, 0x01 }, sl[] = { 0x11, 0x28, 0x02, 0x01 };
    for (unsigned i = 0; i < 4; i++) {
        vmp_pic_master_io_ops.write(s->pic, i ? 1 : 0, m[i], 1);
        vmp_pic_slave_io_ops.write(s->pic, i ? 1 : 0, sl[i], 1);
    }
    vmp_pic_elcr_io_ops.write(s->pic, 1, 0x08, 1);
    /* Flat logical IDs 1, 2, 4, 8. */
    for (unsigned i = 0; i < NCPU; i++)
        tb_wr(&s->t, i, 0xD0, (1u << i) << 24);
}

static void smp_free(struct smp *s)
{
    vmp_ioapic_destroy(s->io);
    vmp_pic_destroy(s->pic);
    for (unsigned i = 0; i < VMP_IOAPIC_PINS; i++)
        vmp_irq_line_destroy(s->gsi[i]);
    vmp_irq_line_destroy(s->intr);
    tb_free(&s->t);
}

static void rte(struct smp *s, unsigned pin, uint32_t lo, uint8_t dest)
{
    vmp_ioapic_io_ops.write(s->io, 0, 0x11 + 2 * pin, 4);
    vmp_ioapic_io_ops.write(s->io, 0x10, (uint32_t)dest << 24, 4);
    vmp_ioapic_io_ops.write(s->io, 0, 0x10 + 2 * pin, 4);
    vmp_ioapic_io_ops.write(s->io, 0x10, lo, 4);
}

START_TEST(lowest_priority_and_logical)
{
    struct smp s;
    smp_init(&s);
    /* Lowest priority to all four (logical 0x0F): the lowest TPR wins. */
    static const uint32_t tpr[NCPU] = { 0x20, 0x10, 0x30, 0x40 };
    for (unsigned i = 0; i < NCPU; i++)
        tb_wr(&s.t, i, 0x80, tpr[i]);
    rte(&s, 5, 0x0950, 0x0F);
    vmp_irq_pulse(s.src[5]);
    for (unsigned i = 0; i < NCPU; i++)
        ck_assert(vmp_lapic_irr_test(s.t.cpu[i], 0x50) == (i == 1));
    /* Equal priorities: successive interrupts rotate over the set. */
    for (unsigned i = 0; i < NCPU; i++)
        tb_wr(&s.t, i, 0x80, 0);
    vmp_lapic_ack(s.t.cpu[1]);
    tb_wr(&s.t, 1, 0xB0, 0);
    unsigned got[NCPU] = { 0 };
    for (unsigned n = 0; n < 8; n++) {
        vmp_irq_pulse(s.src[5]);
        for (unsigned i = 0; i < NCPU; i++) {
            if (vmp_lapic_has_interrupt(s.t.cpu[i], TB_IF)) {
                ck_assert_int_eq(vmp_lapic_ack(s.t.cpu[i]), 0x50);
                tb_wr(&s.t, i, 0xB0, 0);
                got[i]++;
            }
        }
    }
    for (unsigned i = 0; i < NCPU; i++)
        ck_assert_uint_eq(got[i], 2);
    /* Logical fixed to CPUs 1 and 2 (0x06). */
    rte(&s, 6, 0x0851, 0x06);
    vmp_irq_pulse(s.src[6]);
    for (unsigned i = 0; i < NCPU; i++)
        ck_assert(vmp_lapic_irr_test(s.t.cpu[i], 0x51) == (i == 1 || i == 2));
    /* A lowest-priority MSI limited to CPUs 2 and 3 goes to the idle one. */
    tb_wr(&s.t, 2, 0x80, 0x90);
    struct vmp_msi_sink msi = vmp_apic_bus_msi_sink(s.t.bus);
    vmp_msi_send(&msi, 0xFEE0C00C, 0x0052);
    ck_assert(!vmp_lapic_irr_test(s.t.cpu[2], 0x52));
    ck_assert(vmp_lapic_irr_test(s.t.cpu[3], 0x52));
    smp_free(&s);
}
END_TEST

START_TEST(init_sipi_startup)
{
    /* The MP start-up: INIT assert, INIT de-assert, SIPI, SIPI, sent by the
     * BSP to all excluding self. Each AP takes INIT then one SIPI with the
     * vector; the BSP takes neither. */
    struct smp s;
    smp_init(&s);
    for (unsigned i = 1; i < NCPU; i++)
        tb_wr(&s.t, i, 0x80, 0x30); /* INIT must reset this */
    tb_ipi(&s.t, 0, 0, 0xC4500);
    tb_ipi(&s.t, 0, 0, 0xC8500);
    tb_ipi(&s.t, 0, 0, 0xC0608);
    tb_ipi(&s.t, 0, 0, 0xC0608);
    ck_assert(!vmp_lapic_take_init(s.t.cpu[0]));
    ck_assert_int_eq(vmp_lapic_take_sipi(s.t.cpu[0]), -ENOENT);
    for (unsigned i = 1; i < NCPU; i++) {
        ck_assert(vmp_lapic_wants_wakeup(s.t.cpu[i], 0));
        ck_assert_uint_gt(s.t.kicks[i], 0);
        ck_assert(vmp_lapic_take_init(s.t.cpu[i]));
        ck_assert_int_eq(vmp_lapic_take_sipi(s.t.cpu[i]), 0x08);
        ck_assert_int_eq(vmp_lapic_take_sipi(s.t.cpu[i]), -ENOENT);
        ck_assert_uint_eq(tb_rd(&s.t, i, 0x80), 0);
        ck_assert_uint_eq(tb_rd(&s.t, i, 0xF0), 0xFF); /* software-disabled again */
        ck_assert(!vmp_lapic_wants_wakeup(s.t.cpu[i], TB_IF));
    }
    /* A later SIPI to a running AP is ignored. */
    tb_ipi(&s.t, 0, 2, 0x00609);
    ck_assert_int_eq(vmp_lapic_take_sipi(s.t.cpu[2]), -ENOENT);
    smp_free(&s);
}
END_TEST

/* ----- the burst ----- */

enum { DEV_EDGE, DEV_LEVEL, DEV_PIC_EDGE, DEV_PIC_LEVEL };

struct dev {
    unsigned kind, pin;
    uint8_t vector;
    unsigned posted, handled, bad;
    bool outstanding; /* edge: a pulse sent and not yet serviced */
};

struct cpu_state {
    int stack[16];
    unsigned depth;
};

static uint32_t rng(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static void dev_kick(struct smp *s, struct dev *d)
{
    if (d->kind == DEV_LEVEL || d->kind == DEV_PIC_LEVEL) {
        vmp_irq_set(s->src[d->pin], d->posted > d->handled);
    } else if (!d->outstanding && d->posted > d->handled) {
        d->outstanding = true;
        vmp_irq_pulse(s->src[d->pin]);
    }
}

/* The interrupt handler: service the device, then EOI (LAPIC, or PIC). */
static void handle(struct smp *s, struct dev *devs, unsigned ndev, unsigned cpu, int vec)
{
    struct dev *d = NULL;
    for (unsigned i = 0; i < ndev; i++)
        if (devs[i].vector == vec)
            d = &devs[i];
    ck_assert_msg(d != NULL, "unexpected vector %#x on cpu %u", vec, cpu);
    if (d->kind == DEV_EDGE || d->kind == DEV_PIC_EDGE) {
        if (!d->outstanding)
            d->bad++; /* delivered twice */
        d->outstanding = false;
        d->handled++;
    } else {
        if (d->handled == d->posted)
            d->bad++; /* nothing to service: a duplicate */
        /* One event per interrupt: with more queued the line stays
         * asserted across the EOI and must be delivered again. */
        d->handled++;
    }
    /* Service the device before the EOI, as drivers do. */
    if (d->kind == DEV_LEVEL || d->kind == DEV_PIC_LEVEL)
        vmp_irq_set(s->src[d->pin], d->posted > d->handled);
    if (d->kind == DEV_PIC_EDGE || d->kind == DEV_PIC_LEVEL) {
        if (d->pin >= 8)
            vmp_pic_slave_io_ops.write(s->pic, 0, 0x20, 1);
        vmp_pic_master_io_ops.write(s->pic, 0, 0x20, 1);
    } else {
        tb_wr(&s->t, cpu, 0xB0, 0);
    }
    dev_kick(s, d);
}

START_TEST(burst_exactly_once)
{
    struct smp s;
    smp_init(&s);
    struct dev devs[] = {
        { DEV_EDGE, 3, 0x41, 0, 0, 0, false },
        { DEV_EDGE, 4, 0x52, 0, 0, 0, false },
        { DEV_EDGE, 5, 0x63, 0, 0, 0, false },
        { DEV_LEVEL, 16, 0x74, 0, 0, 0, false },
        { DEV_LEVEL, 17, 0x85, 0, 0, 0, false },
        { DEV_LEVEL, 18, 0x96, 0, 0, 0, false },
        { DEV_LEVEL, 19, 0xA7, 0, 0, 0, false },
        { DEV_PIC_EDGE, 1, 0x21, 0, 0, 0, false },
        { DEV_PIC_LEVEL, 11, 0x2B, 0, 0, 0, false },
    };
    const unsigned ndev = sizeof devs / sizeof devs[0];
    /* Routing: edges fixed to one CPU each or lowest priority to all;
     * levels mixed; PIC devices through ExtINT on the BSP's LINT0. The
     * IOAPIC pins of PIC devices stay masked, as an OS does. */
    rte(&s, 3, 0x0041, 1);
    rte(&s, 4, 0x0952, 0x0F);
    rte(&s, 5, 0x0863, 0x04); /* logical, one CPU: fixed goes to every match */
    rte(&s, 16, 0x8974, 0x0F);
    rte(&s, 17, 0x8085, 2);
    rte(&s, 18, 0x8996, 0x0F);
    rte(&s, 19, 0x88A7, 0x08);
    vmp_pic_master_io_ops.write(s.pic, 1, 0xF9, 1); /* IRQ1 and cascade */
    vmp_pic_slave_io_ops.write(s.pic, 1, 0xF7, 1);  /* IRQ11 */
    tb_wr(&s.t, 0, 0x350, 0x700);                    /* BSP LINT0 ExtINT */
    struct cpu_state cs[NCPU];
    memset(cs, 0, sizeof cs);
    uint32_t seed = 0x12345678;
    unsigned total_posted = 0;
    for (unsigned step = 0; step < 20000; step++) {
        bool posting = step < 15000;
        if (posting && rng(&seed) % 3 == 0) {
            struct dev *d = &devs[rng(&seed) % ndev];
            unsigned n = 1 + rng(&seed) % 3;
            d->posted += n;
            total_posted += n;
            dev_kick(&s, d);
        }
        unsigned cpu = rng(&seed) % NCPU;
        struct cpu_state *c = &cs[cpu];
        unsigned action = rng(&seed) % 4;
        /* IF is set when nothing is in service, or sometimes while
         * nested (a handler that re-enables interrupts). */
        uint64_t flags = (c->depth == 0 || action == 0) ? TB_IF : 0;
        if (action != 3 && c->depth < 16 && vmp_lapic_has_interrupt(s.t.cpu[cpu], flags)) {
            int v = vmp_lapic_ack(s.t.cpu[cpu]);
            ck_assert_int_ge(v, 0);
            if (v == 0xFF)
                continue; /* spurious: no handler, no EOI */
            c->stack[c->depth++] = v;
        } else if (c->depth) {
            handle(&s, devs, ndev, cpu, c->stack[--c->depth]);
        }
        if (rng(&seed) % 64 == 0)
            vmp_clock_advance(s.t.clock, 1000);
    }
    /* Drain: every CPU handles what it has. */
    for (unsigned round = 0; round < 200000; round++) {
        bool busy = false;
        for (unsigned i = 0; i < ndev; i++)
            busy |= devs[i].handled != devs[i].posted;
        for (unsigned cpu = 0; cpu < NCPU; cpu++)
            busy |= cs[cpu].depth != 0;
        if (!busy)
            break;
        for (unsigned cpu = 0; cpu < NCPU; cpu++) {
            struct cpu_state *c = &cs[cpu];
            while (c->depth)
                handle(&s, devs, ndev, cpu, c->stack[--c->depth]);
            if (vmp_lapic_has_interrupt(s.t.cpu[cpu], TB_IF)) {
                int v = vmp_lapic_ack(s.t.cpu[cpu]);
                if (v != 0xFF)
                    c->stack[c->depth++] = v;
            }
        }
    }
    unsigned total_handled = 0;
    for (unsigned i = 0; i < ndev; i++) {
        ck_assert_msg(devs[i].bad == 0, "device %u delivered twice %u times", i, devs[i].bad);
        ck_assert_msg(devs[i].handled == devs[i].posted, "device %u: %u of %u handled", i,
                      devs[i].handled, devs[i].posted);
        ck_assert_msg(devs[i].posted > 100, "device %u barely exercised", i);
        total_handled += devs[i].handled;
    }
    ck_assert_uint_eq(total_handled, total_posted);
    for (unsigned cpu = 0; cpu < NCPU; cpu++) {
        ck_assert(!vmp_lapic_has_interrupt(s.t.cpu[cpu], TB_IF));
        for (unsigned v = 16; v < 256; v++) {
            ck_assert(!vmp_lapic_isr_test(s.t.cpu[cpu], (uint8_t)v));
            ck_assert(!vmp_lapic_irr_test(s.t.cpu[cpu], (uint8_t)v));
        }
    }
    smp_free(&s);
}
END_TEST

Suite *irq_smp_suite(void)
{
    Suite *s = suite_create("irq_smp");
    TCase *tc = tcase_create("irq_smp");
    tcase_add_test(tc, lowest_priority_and_logical);
    tcase_add_test(tc, init_sipi_startup);
    tcase_add_test(tc, burst_exactly_once);
    suite_add_tcase(s, tc);
    return s;
}

/* Shared by fuzz_ioapic.c and fuzz_lapic.c: a board of the PIC, the IOAPIC
 * and two LAPICs on one APIC bus, wired as on a PC, with a save/load
 * round trip that also checks a second save is byte-identical. */
#ifndef FUZZ_IRQ_BOARD_H
#define FUZZ_IRQ_BOARD_H

#include <stdlib.h>
#include <string.h>

#include "common/fuzz_ops.h"
#include "common/fuzz_state.h"

struct irq_board {
    struct vmp_clock *clock;
    struct vmp_env env;
    struct vmp_apic_bus *bus;
    struct vmp_lapic *cpu[2];
    struct vmp_ioapic *io;
    struct vmp_pic *pic;
    struct vmp_irq_line *intr;
    struct vmp_irq_line *gsi[VMP_IOAPIC_PINS];
    struct vmp_irq *src[VMP_IOAPIC_PINS];
    unsigned kicks;
    uint32_t flip; /* which state bit the save/load check flips */
};

static void irq_board_kick(void *opaque)
{
    struct irq_board *b = opaque;
    b->kicks++;
}

static void irq_board_init(struct irq_board *b, uint8_t ioapic_version)
{
    memset(b, 0, sizeof *b);
    b->clock = vmp_clock_create(NULL, NULL);
    b->env = (struct vmp_env){ .clock = b->clock, .log = &fuzz_quiet_log };
    b->bus = vmp_apic_bus_create(&b->env);
    for (unsigned i = 0; i < 2; i++) {
        struct vmp_lapic_cfg cfg = { .apic_id = i, .bsp = i == 0, .x2apic = true,
                                     .kick = irq_board_kick, .opaque = b };
        b->cpu[i] = vmp_lapic_create(&b->env, b->bus, &cfg);
    }
    struct vmp_ioapic_cfg icfg = { .id = 1, .version = ioapic_version };
    b->io = vmp_ioapic_create_on_bus(&b->env, b->bus, &icfg);
    b->intr = vmp_irq_line_create("intr");
    b->pic = vmp_pic_create(&b->env, vmp_irq_line_source(b->intr));
    if (!b->bus || !b->cpu[0] || !b->cpu[1] || !b->io || !b->intr || !b->pic)
        abort();
    vmp_irq_line_add_sink(b->intr, vmp_apic_bus_set_lint, b->bus, 0);
    vmp_irq_line_add_sink(b->intr, vmp_ioapic_set_irq, b->io, 0);
    vmp_apic_bus_set_extint(b->bus, vmp_pic_extint_ack, b->pic);
    for (unsigned i = 0; i < VMP_IOAPIC_PINS; i++) {
        b->gsi[i] = vmp_irq_line_create("gsi");
        if (i < 16 && i != 2)
            vmp_irq_line_add_sink(b->gsi[i], vmp_pic_set_irq, b->pic, i);
        if (i)
            vmp_irq_line_add_sink(b->gsi[i], vmp_ioapic_set_irq, b->io, i);
        b->src[i] = vmp_irq_line_source(b->gsi[i]);
    }
}

static void irq_board_free(struct irq_board *b)
{
    vmp_ioapic_destroy(b->io);
    for (unsigned i = 0; i < 2; i++)
        vmp_lapic_destroy(b->cpu[i]);
    vmp_pic_destroy(b->pic);
    for (unsigned i = 0; i < VMP_IOAPIC_PINS; i++)
        vmp_irq_line_destroy(b->gsi[i]);
    vmp_irq_line_destroy(b->intr);
    vmp_apic_bus_destroy(b->bus);
    vmp_clock_destroy(b->clock);
}

static int irq_board_save(const void *m, struct vmp_state_writer *w)
{
    const struct irq_board *b = m;
    int err = vmp_pic_save(b->pic, w);
    if (!err)
        err = vmp_ioapic_save(b->io, w);
    for (unsigned i = 0; i < 2 && !err; i++)
        err = vmp_lapic_save(b->cpu[i], w);
    return err;
}

static int irq_board_load(void *m, struct vmp_state_reader *r)
{
    struct irq_board *b = m;
    int err = vmp_pic_load(b->pic, r);
    if (!err)
        err = vmp_ioapic_load(b->io, r);
    for (unsigned i = 0; i < 2 && !err; i++)
        err = vmp_lapic_load(b->cpu[i], r);
    return err;
}

/* Round trip, identical re-save and a bit-flipped copy (fuzz_state.h). */
static int irq_board_save_load(void *opaque)
{
    struct irq_board *b = opaque;
    b->flip = b->flip * 2654435761u + 12345u;
    return fuzz_state_check(b, irq_board_save, irq_board_load, b->flip);
}

/* The vCPU side: ack, or take NMI/INIT/SIPI; check what comes back. */
static void irq_board_cpu_op(struct irq_board *b, unsigned cpu, unsigned what)
{
    struct vmp_lapic *l = b->cpu[cpu & 1];
    switch (what & 3) {
    case 0:
        if (vmp_lapic_has_interrupt(l, 1u << 9)) {
            int v = vmp_lapic_ack(l);
            if (v > 255 || (v < 0 && v != -ENOENT))
                abort();
        }
        break;
    case 1: (void)vmp_lapic_take_nmi(l); break;
    case 2: (void)vmp_lapic_take_init(l); break;
    default: {
        int v = vmp_lapic_take_sipi(l);
        if (v > 255 || (v < 0 && v != -ENOENT))
            abort();
        break;
    }
    }
}

#endif

/* The reference board's interrupt wiring (irq.h "Wiring of a PC"):
 *
 *   ISA IRQ n ──┬──> PIC pin n
 *               └──> IOAPIC pin n (IRQ 0 on pin 2: the MADT's override;
 *                    nothing drives pin 2 otherwise)
 *   PIC INT ────┬──> LINT0 of every LAPIC (virtual wire)
 *               └──> IOAPIC pin 0 (ExtINT)
 *   GSI 16-23 ─────> IOAPIC pins 16-23 (PCI INTx, HPET comparators)
 *   PIT OUT0, RTC IRQ ──> gate (closed in HPET legacy replacement) ──> ISA 0, 8 */
#include "pc_internal.h"

#include <stdio.h>

/* PIT -> IRQ 0 and RTC -> IRQ 8, unless HPET legacy replacement owns them
 * (IA-PC HPET 1.0a §2.3.9.2.2: "the 8254 timer will not cause any
 * interrupts", likewise the RTC). */
static void legacy_gate(void *opaque, unsigned pin, bool level)
{
    struct vmp_pc *pc = opaque;
    vmp_irq_set(pin == 0 ? pc->pit_gate : pc->rtc_gate, level && !pc->hpet_legacy);
}

void vmp_pc_sync_legacy_gate(struct vmp_pc *pc)
{
    bool on = pc->hpet_legacy;
    vmp_irq_set(pc->pit_gate, !on && vmp_irq_line_level(pc->pit_out));
    vmp_irq_set(pc->rtc_gate, !on && vmp_irq_line_level(pc->rtc_out));
}

void vmp_pc_hpet_legacy_changed(void *opaque, bool on)
{
    struct vmp_pc *pc = opaque;
    pc->hpet_legacy = on;
    vmp_pc_sync_legacy_gate(pc);
}

int vmp_pc_wire_irqs(struct vmp_pc *pc)
{
    pc->apic_bus = vmp_apic_bus_create(&pc->env);
    if (!pc->apic_bus)
        return -ENOMEM;
    struct vmp_ioapic_cfg ic = {.id = (uint8_t)pc->cfg.ncpus};
    pc->ioapic = vmp_ioapic_create_on_bus(&pc->env, pc->apic_bus, &ic);
    pc->pic_intr = vmp_irq_line_create("pic-intr");
    pc->pic = pc->pic_intr ? vmp_pic_create(&pc->env, vmp_irq_line_source(pc->pic_intr)) : NULL;
    if (!pc->ioapic || !pc->pic)
        return -ENOMEM;
    int r = vmp_ioapic_attach(pc->ioapic, pc->mmio, VMP_IOAPIC_BASE_DEFAULT);
    if (r == 0)
        r = vmp_pic_attach(pc->pic, pc->pio);
    if (r < 0)
        return r;
    vmp_apic_bus_set_extint(pc->apic_bus, vmp_pic_extint_ack, pc->pic);
    if (vmp_irq_line_add_sink(pc->pic_intr, vmp_apic_bus_set_lint, pc->apic_bus, 0) < 0 ||
        vmp_irq_line_add_sink(pc->pic_intr, vmp_ioapic_set_irq, pc->ioapic, 0) < 0)
        return -ENOSPC;
    for (unsigned i = 0; i < VMP_PC_ISA_IRQS; i++) {
        char name[16];
        snprintf(name, sizeof name, "isa-irq%u", i);
        pc->isa[i] = vmp_irq_line_create(name);
        if (!pc->isa[i])
            return -ENOMEM;
        unsigned pin = i == 0 ? 2 : i;
        if (vmp_irq_line_add_sink(pc->isa[i], vmp_pic_set_irq, pc->pic, i) < 0 ||
            (i != 2 && vmp_irq_line_add_sink(pc->isa[i], vmp_ioapic_set_irq, pc->ioapic, pin) < 0))
            return -ENOSPC;
    }
    for (unsigned i = VMP_PC_ISA_IRQS; i < VMP_PC_GSIS; i++) {
        char name[16];
        snprintf(name, sizeof name, "gsi%u", i);
        pc->gsi[i] = vmp_irq_line_create(name);
        if (!pc->gsi[i])
            return -ENOMEM;
        if (vmp_irq_line_add_sink(pc->gsi[i], vmp_ioapic_set_irq, pc->ioapic, i) < 0)
            return -ENOSPC;
    }
    pc->pit_out = vmp_irq_line_create("pit-out");
    pc->rtc_out = vmp_irq_line_create("rtc-out");
    if (!pc->pit_out || !pc->rtc_out)
        return -ENOMEM;
    pc->pit_gate = vmp_irq_line_source(pc->isa[0]);
    pc->rtc_gate = vmp_irq_line_source(pc->isa[8]);
    if (!pc->pit_gate || !pc->rtc_gate ||
        vmp_irq_line_add_sink(pc->pit_out, legacy_gate, pc, 0) < 0 ||
        vmp_irq_line_add_sink(pc->rtc_out, legacy_gate, pc, 8) < 0)
        return -ENOSPC;
    return 0;
}

static struct vmp_irq_line *irq_line(const struct vmp_pc *pc, unsigned irq)
{
    if (irq < VMP_PC_ISA_IRQS)
        return pc->isa[irq];
    return irq < VMP_PC_GSIS ? pc->gsi[irq] : NULL;
}

struct vmp_irq *vmp_pc_irq_source(struct vmp_pc *pc, unsigned irq)
{
    struct vmp_irq_line *l = irq_line(pc, irq);
    return l ? vmp_irq_line_source(l) : NULL;
}

bool vmp_pc_irq_level(const struct vmp_pc *pc, unsigned irq)
{
    struct vmp_irq_line *l = irq_line(pc, irq);
    return l && vmp_irq_line_level(l);
}

struct vmp_msi_sink vmp_pc_msi_sink(struct vmp_pc *pc)
{
    return vmp_apic_bus_msi_sink(pc->apic_bus);
}

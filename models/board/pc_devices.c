/* The reference board's timers, misc ports and PCI host: PIT (0x40, port B
 * 0x61), RTC/CMOS (0x70), HPET (0xFED00000), ACPI PM block (0x600), debug
 * exit (0xF4), test device, reset control (0xCF9), port A (0x92), the
 * i8042 (0x60/0x64), and the PCI host (0xCF8/0xCFC and ECAM at
 * 0xB0000000). DESIGN.md's address map. */
#include "pc_internal.h"

static void on_debug_exit(void *opaque, uint64_t status)
{
    struct vmp_pc *pc = opaque;
    if (pc->cfg.hooks.debug_exit)
        pc->cfg.hooks.debug_exit(pc->cfg.hooks.opaque, status);
}

static void on_power_off(void *opaque)
{
    struct vmp_pc *pc = opaque;
    if (pc->cfg.hooks.power_off)
        pc->cfg.hooks.power_off(pc->cfg.hooks.opaque);
}

static void on_reset(void *opaque, enum vmp_reset_kind kind)
{
    struct vmp_pc *pc = opaque;
    if (pc->cfg.hooks.reset)
        pc->cfg.hooks.reset(pc->cfg.hooks.opaque, kind);
}

/* A20 is gated by port 0x92 bit 1 OR the keyboard controller's output
 * port bit 1 (Intel ICH/PCH datasheets, "Port 92h" ALT_A20_GATE: "ORed
 * with A20GATE from the keyboard controller"). */
static void update_a20(struct vmp_pc *pc)
{
    bool on = pc->a20_port92 || pc->a20_kbc;
    if (on == pc->a20)
        return;
    pc->a20 = on;
    if (pc->cfg.hooks.a20)
        pc->cfg.hooks.a20(pc->cfg.hooks.opaque, on);
}

static void on_a20_port92(void *opaque, bool on)
{
    struct vmp_pc *pc = opaque;
    pc->a20_port92 = on;
    update_a20(pc);
}

static void on_a20_kbc(void *opaque, bool on)
{
    struct vmp_pc *pc = opaque;
    pc->a20_kbc = on;
    update_a20(pc);
}

void vmp_pc_sync_a20(struct vmp_pc *pc)
{
    pc->a20_port92 = vmp_port92_a20(pc->port92);
    pc->a20_kbc = vmp_i8042_a20(pc->kbc);
    update_a20(pc);
}

bool vmp_pc_a20(const struct vmp_pc *pc) { return pc->a20; }

/* The PCI host decodes 0xCF8-0xCFB; its non-dword accesses there are not
 * CONFIG_ADDRESS (PCI 3.0 §3.2.2.3.2) and come here: 0xCF9 is the reset
 * control register (ICH/PCH datasheets, RST_CNT). */
static uint64_t cf8_bytes_read(void *dev, uint64_t off, unsigned size)
{
    struct vmp_pc *pc = dev;
    if (off == 1 && size == 1)
        return vmp_reset_ctl_io_ops.read(pc->rst, 0, 1);
    return UINT64_MAX;
}

static void cf8_bytes_write(void *dev, uint64_t off, uint64_t value, unsigned size)
{
    struct vmp_pc *pc = dev;
    if (off == 1 && size == 1)
        vmp_reset_ctl_io_ops.write(pc->rst, 0, value, 1);
}

static const struct vmp_io_ops cf8_bytes_ops = {cf8_bytes_read, cf8_bytes_write, 1};

int vmp_pc_create_timers(struct vmp_pc *pc)
{
    pc->pit = vmp_pit_create(&pc->env, vmp_irq_line_source(pc->pit_out));
    /* RTC: 256 bytes of CMOS, IRQ 8 through the gate. */
    struct vmp_rtc_config rc = {.epoch = pc->cfg.rtc_epoch, .extended = true};
    pc->rtc = vmp_rtc_create(&pc->env, vmp_irq_line_source(pc->rtc_out), &rc);
    /* HPET: comparators to GSIs 16-23, FSB to the APIC bus, legacy
     * replacement straight to ISA IRQ 0 and 8. */
    struct vmp_hpet_config hc = {
        .legacy_irq0 = vmp_irq_line_source(pc->isa[0]),
        .legacy_irq8 = vmp_irq_line_source(pc->isa[8]),
        .msi = vmp_apic_bus_msi_sink(pc->apic_bus),
        .legacy_changed = vmp_pc_hpet_legacy_changed,
        .opaque = pc,
    };
    for (unsigned i = VMP_PC_ISA_IRQS; i < VMP_PC_GSIS; i++)
        hc.gsi[i] = vmp_irq_line_source(pc->gsi[i]);
    pc->hpet = vmp_hpet_create(&pc->env, &hc);
    /* ACPI PM: 32-bit PM timer, SCI on IRQ 9, always in ACPI mode. */
    struct vmp_pm_config pmc = {.tmr_val_ext = true, .sci_en = true,
                                .power_off = on_power_off, .opaque = pc};
    pc->pm = vmp_pm_create(&pc->env, vmp_irq_line_source(pc->isa[9]), &pmc);
    if (!pc->pit || !pc->rtc || !pc->hpet || !pc->pm)
        return -ENOMEM;
    int r = vmp_pit_attach(pc->pit, pc->pio, VMP_PIT_PORT);
    if (r == 0)
        r = vmp_pit_attach_port61(pc->pit, pc->pio, VMP_PIT_PORT61);
    if (r == 0)
        r = vmp_rtc_attach(pc->rtc, pc->pio, VMP_RTC_PORT);
    if (r == 0)
        r = vmp_hpet_attach(pc->hpet, pc->mmio, VMP_HPET_BASE);
    if (r == 0)
        r = vmp_pm_attach(pc->pm, pc->pio, VMP_PM_BASE);
    return r;
}

int vmp_pc_create_misc(struct vmp_pc *pc)
{
    struct vmp_debug_exit_ops xo = {on_debug_exit, pc};
    struct vmp_reset_ops ro = {on_reset, pc};
    struct vmp_port92_ops po = {on_a20_port92, on_reset, pc};
    struct vmp_irq *tirq[VMP_TESTDEV_IRQS] = {0};
    for (unsigned i = 0; i < VMP_PC_ISA_IRQS; i++)
        tirq[i] = vmp_irq_line_source(pc->isa[i]);
    pc->dexit = vmp_debug_exit_create(&pc->env, 1, &xo);
    pc->testdev = vmp_testdev_create(&pc->env, tirq, NULL);
    pc->rst = vmp_reset_ctl_create(&pc->env, &ro);
    pc->port92 = vmp_port92_create(&pc->env, &po);
    if (!pc->dexit || !pc->testdev || !pc->rst || !pc->port92)
        return -ENOMEM;
    int r = vmp_debug_exit_attach(pc->dexit, pc->pio, VMP_PC_DEBUG_EXIT_PORT);
    /* The test device's byte-wise data window (0xE8-0xEB) would overlap the
     * debug console at 0xE9: only its other three regions are mapped. */
    if (r == 0)
        r = vmp_space_map(pc->pio, VMP_TESTDEV_DATA_PORT, 4, &vmp_testdev_io_ops, pc->testdev);
    if (r == 0)
        r = vmp_space_map(pc->pio, VMP_TESTDEV_FLUSH_PORT, 4, &vmp_testdev_flush_io_ops,
                          pc->testdev);
    if (r == 0)
        r = vmp_space_map(pc->pio, VMP_TESTDEV_IRQ_PORT, VMP_TESTDEV_IRQS,
                          &vmp_testdev_irq_io_ops, pc->testdev);
    if (r == 0)
        r = vmp_port92_attach(pc->port92, pc->pio, VMP_PORT92_PORT);
    return r;
}

/* The i8042 with keyboard (IRQ 1) and mouse (IRQ 12); its reset line is
 * INIT (RCIN#), passed to the host like the other resets. */
int vmp_pc_create_input(struct vmp_pc *pc)
{
    struct vmp_i8042_ops ko = {.a20 = on_a20_kbc, .reset = on_reset, .opaque = pc};
    pc->kbc = vmp_i8042_create(&pc->env, vmp_irq_line_source(pc->isa[1]),
                               vmp_irq_line_source(pc->isa[12]), &ko);
    if (!pc->kbc)
        return -ENOMEM;
    return vmp_i8042_attach(pc->kbc, pc->pio, VMP_I8042_DATA_PORT);
}

int vmp_pc_create_pci(struct vmp_pc *pc)
{
    struct vmp_pci_host_config hc = {.cf8_passthrough = &cf8_bytes_ops,
                                     .cf8_passthrough_dev = pc};
    pc->pci = vmp_pci_host_create(&pc->env, pc->pcicfg, &hc);
    if (!pc->pci)
        return -ENOMEM;
    int r = vmp_pci_host_attach_io(pc->pci, pc->pio, 0xCF8);
    if (r == 0)
        r = vmp_pci_host_attach_ecam(pc->pci, pc->mmio, VMP_PC_ECAM_BASE, VMP_PC_ECAM_SIZE);
    return r;
}

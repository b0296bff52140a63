/* The reference board (pc.h): creation, destruction and accessors. The
 * wiring itself lives in pc_irq.c, pc_devices.c, pc_console.c and
 * pc_cpu.c; state and reset in pc_state.c. */
#include "pc_internal.h"

#include <stdlib.h>

struct vmp_pc *vmp_pc_create(const struct vmp_env *env, const struct vmp_pc_config *cfg)
{
    if (!env || !env->clock || !cfg || cfg->ncpus == 0 || cfg->ncpus > VMP_PC_MAX_CPUS)
        return NULL;
    struct vmp_pc *pc = calloc(1, sizeof *pc);
    if (!pc)
        return NULL;
    pc->env = *env;
    pc->cfg = *cfg;
    vmp_pc_ram_map(cfg->ram_size, &pc->ram);
    for (unsigned i = 0; i < VMP_PC_MAX_CPUS; i++) {
        pc->cpu[i].pc = pc;
        pc->cpu[i].index = i;
    }
    pc->pio = vmp_space_create("pio", 0xFFFF);
    pc->mmio = vmp_space_create("mmio", UINT64_MAX);
    pc->pcicfg = vmp_space_create("pci-config", VMP_PCI_CFG_LAST);
    int r = pc->pio && pc->mmio && pc->pcicfg ? 0 : -ENOMEM;
    if (r == 0)
        r = vmp_pc_wire_irqs(pc);
    if (r == 0)
        r = vmp_pc_create_timers(pc);
    if (r == 0)
        r = vmp_pc_create_console(pc);
    if (r == 0)
        r = vmp_pc_create_misc(pc);
    if (r == 0)
        r = vmp_pc_create_input(pc);
    if (r == 0)
        r = vmp_pc_create_pci(pc);
    if (r < 0) {
        vmp_logf(env->log, VMP_LOG_ERROR, "pc: cannot create the board: %s", vmp_strerror(r));
        vmp_pc_destroy(pc);
        return NULL;
    }
    vmp_pc_cmos_memory(pc);
    /* The gate as the parts start (i8042: on); no hook call for it. */
    pc->a20_port92 = vmp_port92_a20(pc->port92);
    pc->a20_kbc = vmp_i8042_a20(pc->kbc);
    pc->a20 = pc->a20_port92 || pc->a20_kbc;
    return pc;
}

void vmp_pc_destroy(struct vmp_pc *pc)
{
    if (!pc)
        return;
    vmp_pci_host_destroy(pc->pci);
    vmp_debug_exit_destroy(pc->dexit);
    vmp_debug_console_destroy(pc->dcon);
    vmp_testdev_destroy(pc->testdev);
    vmp_reset_ctl_destroy(pc->rst);
    vmp_port92_destroy(pc->port92);
    vmp_i8042_destroy(pc->kbc);
    vmp_uart_destroy(pc->com1);
    vmp_pit_destroy(pc->pit);
    vmp_pm_destroy(pc->pm);
    vmp_rtc_destroy(pc->rtc);
    vmp_hpet_destroy(pc->hpet);
    for (unsigned i = 0; i < VMP_PC_MAX_CPUS; i++)
        vmp_lapic_destroy(pc->cpu[i].lapic);
    vmp_ioapic_destroy(pc->ioapic);
    vmp_pic_destroy(pc->pic);
    for (unsigned i = 0; i < VMP_PC_GSIS; i++)
        vmp_irq_line_destroy(pc->gsi[i]);
    for (unsigned i = 0; i < VMP_PC_ISA_IRQS; i++)
        vmp_irq_line_destroy(pc->isa[i]);
    vmp_irq_line_destroy(pc->pit_out);
    vmp_irq_line_destroy(pc->rtc_out);
    vmp_irq_line_destroy(pc->pic_intr);
    vmp_apic_bus_destroy(pc->apic_bus);
    vmp_space_destroy(pc->pcicfg);
    vmp_space_destroy(pc->mmio);
    vmp_space_destroy(pc->pio);
    free(pc);
}

struct vmp_space *vmp_pc_pio(struct vmp_pc *pc) { return pc->pio; }
struct vmp_space *vmp_pc_mmio_space(struct vmp_pc *pc) { return pc->mmio; }
struct vmp_space *vmp_pc_pci_cfg(struct vmp_pc *pc) { return pc->pcicfg; }
struct vmp_pic *vmp_pc_pic(struct vmp_pc *pc) { return pc->pic; }
struct vmp_ioapic *vmp_pc_ioapic(struct vmp_pc *pc) { return pc->ioapic; }
struct vmp_apic_bus *vmp_pc_apic_bus(struct vmp_pc *pc) { return pc->apic_bus; }
struct vmp_pit *vmp_pc_pit(struct vmp_pc *pc) { return pc->pit; }
struct vmp_rtc *vmp_pc_rtc(struct vmp_pc *pc) { return pc->rtc; }
struct vmp_hpet *vmp_pc_hpet(struct vmp_pc *pc) { return pc->hpet; }
struct vmp_pm *vmp_pc_pm(struct vmp_pc *pc) { return pc->pm; }
struct vmp_uart *vmp_pc_com1(struct vmp_pc *pc) { return pc->com1; }
struct vmp_pci_host *vmp_pc_pci_host(struct vmp_pc *pc) { return pc->pci; }
struct vmp_i8042 *vmp_pc_i8042(struct vmp_pc *pc) { return pc->kbc; }

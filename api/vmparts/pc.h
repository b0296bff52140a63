/* The reference board: a PC wired by the standard address map (DESIGN.md
 * "The reference board"), ready for an embedder that wants the usual
 * machine rather than wiring the parts itself.
 *
 *   port 0x20/0xA0/0x4D0  PIC pair + ELCR      MMIO 0xFEC00000  IOAPIC
 *   port 0x40-0x43, 0x61  PIT, port B          MMIO 0xFED00000  HPET
 *   port 0x60, 0x64       i8042 keyboard controller, PS/2 keyboard (IRQ 1)
 *                         and mouse (IRQ 12)
 *   port 0x70-0x73        RTC / 256-byte CMOS  MMIO 0xFEE00000  LAPIC (per vCPU)
 *   port 0x3F8 (IRQ 4)    COM1, 16550A         MMIO 0xB0000000  PCI ECAM, 256 MiB
 *   port 0x600-0x63F      ACPI PM (SCI IRQ 9)  port 0xCF8/0xCFC PCI mechanism #1
 *   port 0xCF9, 0x92      reset control, port A (fast A20, INIT); the A20
 *                         gate is port A's OR the i8042 output port's
 *   port 0xF4             debug exit           port 0xE9  debug console
 *   port 0xE0, 0xE4, 0x2000  test device (data, page flush, IRQ lines)
 *
 * Interrupts: ISA IRQ n goes to PIC pin n and IOAPIC pin n, except IRQ 0,
 * which reaches the IOAPIC on pin 2 (the MADT's interrupt source
 * override). The PIC's INT output goes to LINT0 of every LAPIC and to
 * IOAPIC pin 0 (ExtINT). GSIs 16-23 (PCI INTx, HPET comparators) go to the
 * IOAPIC. While the HPET is in legacy replacement mode the PIT's IRQ 0 and
 * the RTC's IRQ 8 are cut off (IA-PC HPET 1.0a §2.3.9.2.2).
 *
 * The embedder owns guest RAM (vmp_pc_add_ram maps it by the board's
 * layout), the vCPUs and the threads; the board owns the port, MMIO and
 * PCI configuration spaces and everything on them. Like every part it is
 * passive: no threads, no file descriptors, time from env->clock; the
 * embedder serialises every call (one lock around the board is enough). */
#ifndef VMPARTS_PC_H
#define VMPARTS_PC_H

#include <vmparts/common.h>
#include <vmparts/bus.h>
#include <vmparts/input.h>
#include <vmparts/irqline.h>
#include <vmparts/misc.h>
#include <vmparts/state.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMP_PC_MAX_CPUS 64
#define VMP_PC_PCI_HOLE 0xC0000000ull   /* low RAM ends here at the latest */
#define VMP_PC_HIGH_RAM 0x100000000ull  /* the rest of RAM starts at 4 GiB */
#define VMP_PC_ECAM_BASE 0xB0000000ull
#define VMP_PC_ECAM_SIZE (256ull << 20)
#define VMP_PC_COM1_PORT 0x3F8u
#define VMP_PC_COM1_IRQ 4u
#define VMP_PC_DEBUG_EXIT_PORT 0xF4u
#define VMP_PC_DEBUG_CONSOLE_PORT 0xE9u
#define VMP_PC_ISA_IRQS 16u
#define VMP_PC_GSIS 24u                 /* IOAPIC pins */
#define VMP_PC_DEBUG_LINE_MAX 255u      /* longer debug console lines are cut */
#define VMP_PC_CONSOLE_BUF 256u         /* console input the UART has not taken yet */

/* ---- guest RAM layout ---------------------------------------------------
 * ram_size bytes of RAM: [0, 640 KiB) and [1 MiB, low_end) below the PCI
 * hole, the rest from 4 GiB up. */
struct vmp_pc_ram_map {
    uint64_t low_end;   /* min(ram_size, VMP_PC_PCI_HOLE) */
    uint64_t high_size; /* ram_size - low_end, mapped at VMP_PC_HIGH_RAM */
};
void vmp_pc_ram_map(uint64_t ram_size, struct vmp_pc_ram_map *map);
/* Add one host buffer of ram_size bytes to mem by that layout: RAM offset
 * == guest address below 3 GiB (640 KiB-1 MiB of the buffer stays unused,
 * the VGA window and ROMs live there), offset low_end is 4 GiB. 0 or a
 * vmp_mem_add error. */
int vmp_pc_add_ram(struct vmp_mem *mem, void *host, uint64_t ram_size);

/* ---- creation ------------------------------------------------------------ */

/* What the board asks of its host. Every member may be NULL. They run
 * inside the board call that triggered them (a guest port write, a
 * timer), with the embedder's lock held. */
struct vmp_pc_hooks {
    void (*console_out)(void *opaque, uint8_t byte);   /* COM1 transmitted */
    /* A write of v to port 0xF4: status is (v << 1) | 1. */
    void (*debug_exit)(void *opaque, uint64_t status);
    /* One line from the debug console (0xE9), without the newline; at most
     * VMP_PC_DEBUG_LINE_MAX bytes (a longer one is passed in pieces). The
     * bytes are the guest's: not necessarily printable. */
    void (*debug_line)(void *opaque, const char *line);
    /* The guest asked for a reset (0xCF9, port 0x92 INIT, the i8042's
     * reset line as INIT). The board does not reset itself: call
     * vmp_pc_reset (and reset the vCPUs) if wanted. */
    void (*reset)(void *opaque, enum vmp_reset_kind kind);
    /* The A20 gate changed (port 0x92 bit 1 OR the i8042 output port bit
     * 1): an embedder that models it masks address bit 20 while off. At
     * creation it is on (the i8042's power-on state). */
    void (*a20)(void *opaque, bool enabled);
    void (*power_off)(void *opaque);                   /* ACPI S5 */
    /* vCPU cpu's guest TSC (LAPIC TSC-deadline mode); NULL = ticks of
     * tsc_hz since virtual time 0. */
    uint64_t (*read_tsc)(void *opaque, unsigned cpu);
    /* Something became deliverable to vCPU cpu: wake its thread. */
    void (*kick)(void *opaque, unsigned cpu);
    void *opaque;
};

struct vmp_pc_config {
    uint64_t ram_size;  /* for the CMOS memory-size bytes; RAM itself is the embedder's */
    unsigned ncpus;     /* 1..VMP_PC_MAX_CPUS; the IOAPIC gets APIC ID ncpus */
    int64_t rtc_epoch;  /* RTC time at virtual time 0, seconds since 1970 */
    struct vmp_pc_hooks hooks;
};

struct vmp_pc;

/* env->clock is required; env->mem is for DMA by parts the embedder adds
 * (may be NULL); env->log is optional. The config is copied. NULL on bad
 * arguments or no memory. The LAPICs come with vmp_pc_create_cpus. */
struct vmp_pc *vmp_pc_create(const struct vmp_env *env, const struct vmp_pc_config *cfg);
/* Creates the LAPICs of cfg->ncpus vCPUs (APIC IDs 0..ncpus-1, vCPU 0 the
 * BSP, x2APIC capable, in the virtual-wire state a BIOS leaves), with the
 * guest TSC rate tsc_hz (0 = VMP_TSC_HZ_DEFAULT). A separate step because
 * a VMM usually learns the TSC rate from the backend it creates after the
 * board's memory map. Once only: -EEXIST after that, -ENOMEM. Until then
 * the per-vCPU calls below answer "nothing pending". */
int vmp_pc_create_cpus(struct vmp_pc *pc, uint64_t tsc_hz);
void vmp_pc_destroy(struct vmp_pc *pc);

/* Platform reset (PLTRST#): every part to its power-on state, console
 * buffers emptied, LAPICs to their RESET state. The RTC keeps its time and
 * CMOS RAM (battery-backed, MC146818A "RESET"); the memory-size bytes are
 * written again. The vCPUs are the embedder's to reset. */
void vmp_pc_reset(struct vmp_pc *pc);

/* The whole board in one state section "pc" holding a section per part.
 * Load validates everything: a bad or truncated stream, or one saved from a
 * board with another vCPU count, returns an error and leaves the board as
 * it was (the parts loaded before the error are put back). */
int vmp_pc_save(const struct vmp_pc *pc, struct vmp_state_writer *w);
int vmp_pc_load(struct vmp_pc *pc, struct vmp_state_reader *r);

/* ---- the spaces ------------------------------------------------------------
 * Guest port I/O goes to the port space, MMIO to vmp_pc_mmio (which sends
 * the vCPU's LAPIC page to its LAPIC and the rest to the MMIO space). An
 * embedder adds its own devices by mapping them in these spaces, and PCI
 * functions on the configuration space. */
struct vmp_space *vmp_pc_pio(struct vmp_pc *pc);
struct vmp_space *vmp_pc_mmio_space(struct vmp_pc *pc);
struct vmp_space *vmp_pc_pci_cfg(struct vmp_pc *pc);

/* A new driver of ISA IRQ 0-15 or GSI 16-23 (what the embedder's devices
 * raise), NULL beyond VMP_PC_GSIS or VMP_IRQ_MAX_SOURCES. Freed with the
 * board. */
struct vmp_irq *vmp_pc_irq_source(struct vmp_pc *pc, unsigned irq);
/* Level of ISA IRQ 0-15 or GSI 16-23 as the interrupt controllers see it. */
bool vmp_pc_irq_level(const struct vmp_pc *pc, unsigned irq);
/* Where PCI MSIs go (the APIC bus). */
struct vmp_msi_sink vmp_pc_msi_sink(struct vmp_pc *pc);

/* The parts, for embedders that need more than the guest sees (firmware
 * services, a debugger). lapic is NULL before vmp_pc_create_cpus or for
 * cpu >= ncpus. */
struct vmp_pic *vmp_pc_pic(struct vmp_pc *pc);
struct vmp_ioapic *vmp_pc_ioapic(struct vmp_pc *pc);
struct vmp_apic_bus *vmp_pc_apic_bus(struct vmp_pc *pc);
struct vmp_lapic *vmp_pc_lapic(struct vmp_pc *pc, unsigned cpu);
struct vmp_pit *vmp_pc_pit(struct vmp_pc *pc);
struct vmp_rtc *vmp_pc_rtc(struct vmp_pc *pc);
struct vmp_hpet *vmp_pc_hpet(struct vmp_pc *pc);
struct vmp_pm *vmp_pc_pm(struct vmp_pc *pc);
struct vmp_uart *vmp_pc_com1(struct vmp_pc *pc);
/* Host keyboard and mouse input: vmp_i8042_key / vmp_i8042_mouse on it. */
struct vmp_i8042 *vmp_pc_i8042(struct vmp_pc *pc);
/* The A20 gate as the board drives it. */
bool vmp_pc_a20(const struct vmp_pc *pc);
struct vmp_pci_host *vmp_pc_pci_host(struct vmp_pc *pc);

/* ---- the serial console (COM1) ---------------------------------------------
 * Host input: the board takes up to VMP_PC_CONSOLE_BUF bytes the UART
 * cannot take yet and feeds them as its FIFO drains. Returns how many of
 * len it took (all of them while wants_input is true and len <= the
 * buffer). */
size_t vmp_pc_console_input(struct vmp_pc *pc, const uint8_t *buf, size_t len);
/* Nothing buffered: the host may read more input. */
bool vmp_pc_console_wants_input(const struct vmp_pc *pc);
/* Has the guest transmitted anything through COM1 since creation/reset? */
bool vmp_pc_console_used(const struct vmp_pc *pc);

/* ---- the vCPU side: vCPU cpu's LAPIC ------------------------------------------
 * Same meanings as the vmp_lapic_* backend calls in irq.h; cpu out of
 * range or before vmp_pc_create_cpus: nothing pending, -ENOENT, #GP. */
bool vmp_pc_has_interrupt(const struct vmp_pc *pc, unsigned cpu, uint64_t rflags);
int vmp_pc_ack(struct vmp_pc *pc, unsigned cpu);
bool vmp_pc_wants_wakeup(const struct vmp_pc *pc, unsigned cpu, uint64_t rflags);
bool vmp_pc_take_nmi(struct vmp_pc *pc, unsigned cpu);
bool vmp_pc_take_init(struct vmp_pc *pc, unsigned cpu);
int vmp_pc_take_sipi(struct vmp_pc *pc, unsigned cpu);
void vmp_pc_set_cr8(struct vmp_pc *pc, unsigned cpu, uint8_t cr8);
uint8_t vmp_pc_get_cr8(const struct vmp_pc *pc, unsigned cpu);
/* An MMIO access of vCPU cpu, len 1-8 bytes (more are cut to 8) in guest
 * byte order: its LAPIC page goes to its LAPIC, the rest to the MMIO space
 * (lengths other than 1, 2, 4, 8 as single bytes). */
void vmp_pc_mmio(struct vmp_pc *pc, unsigned cpu, uint64_t addr, uint8_t *data,
                 unsigned len, bool write);
/* RDMSR/WRMSR of vCPU cpu: IA32_APIC_BASE, IA32_TSC_DEADLINE and the
 * x2APIC range (vmp_lapic_owns_msr). 0, or -EINVAL when the access must
 * raise #GP (also for MSRs the board does not own). */
int vmp_pc_msr(struct vmp_pc *pc, unsigned cpu, uint32_t msr, uint64_t *value, bool write);

#ifdef __cplusplus
}
#endif
#endif

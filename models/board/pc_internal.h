/* The reference board's object, shared by models/board/pc*.c. */
#ifndef VMP_MODELS_PC_INTERNAL_H
#define VMP_MODELS_PC_INTERNAL_H

#include <vmparts/input.h>
#include <vmparts/irq.h>
#include <vmparts/pc.h>
#include <vmparts/pci.h>
#include <vmparts/serial.h>
#include <vmparts/timer.h>

struct vmp_pc;

/* What a LAPIC's read_tsc/kick callbacks need to name their vCPU. */
struct vmp_pc_cpu {
    struct vmp_pc *pc;
    unsigned index;
    struct vmp_lapic *lapic;
};

struct vmp_pc {
    struct vmp_env env;
    struct vmp_pc_config cfg;
    struct vmp_pc_ram_map ram;
    struct vmp_space *pio, *mmio, *pcicfg;

    /* Interrupts: isa[0..15] are ISA IRQs, gsi[16..23] the PCI/HPET
     * inputs (gsi[0..15] unused: ISA IRQs reach the IOAPIC through isa[]). */
    struct vmp_irq_line *isa[VMP_PC_ISA_IRQS];
    struct vmp_irq_line *gsi[VMP_PC_GSIS];
    struct vmp_irq_line *pic_intr; /* the PIC's INT output */
    struct vmp_pic *pic;
    struct vmp_apic_bus *apic_bus;
    struct vmp_ioapic *ioapic;
    /* The PIT's and RTC's outputs pass a gate that HPET legacy replacement
     * closes (IA-PC HPET 1.0a §2.3.9.2.2). */
    struct vmp_irq_line *pit_out, *rtc_out;
    struct vmp_irq *pit_gate, *rtc_gate;
    bool hpet_legacy;

    struct vmp_pit *pit;
    struct vmp_rtc *rtc;
    struct vmp_hpet *hpet;
    struct vmp_pm *pm;
    struct vmp_uart *com1;
    struct vmp_pci_host *pci;
    struct vmp_debug_exit *dexit;
    struct vmp_debug_console *dcon;
    struct vmp_testdev *testdev;
    struct vmp_reset_ctl *rst;
    struct vmp_port92 *port92;
    struct vmp_i8042 *kbc;
    /* A20: the OR of port 0x92's gate and the i8042's (not saved: both
     * parts announce their gate on load). */
    bool a20_port92, a20_kbc, a20;

    /* Console state (saved with the board). */
    bool uart_used;                   /* the guest has sent a byte through COM1 */
    uint8_t rx_buf[VMP_PC_CONSOLE_BUF]; /* host input the UART refused so far */
    uint32_t rx_len, rx_pos;
    char dbg_line[VMP_PC_DEBUG_LINE_MAX + 1]; /* debug console, up to '\n' */
    uint32_t dbg_len;

    bool cpus_created;
    struct vmp_pc_cpu cpu[VMP_PC_MAX_CPUS];
};

/* pc_irq.c */
int vmp_pc_wire_irqs(struct vmp_pc *pc);
void vmp_pc_hpet_legacy_changed(void *opaque, bool on);
void vmp_pc_sync_legacy_gate(struct vmp_pc *pc);
/* pc_devices.c */
int vmp_pc_create_timers(struct vmp_pc *pc);
int vmp_pc_create_input(struct vmp_pc *pc);
void vmp_pc_sync_a20(struct vmp_pc *pc);
int vmp_pc_create_misc(struct vmp_pc *pc);
int vmp_pc_create_pci(struct vmp_pc *pc);
/* pc_console.c */
int vmp_pc_create_console(struct vmp_pc *pc);
void vmp_pc_console_reset(struct vmp_pc *pc);
/* Feed buffered host input to the UART while it takes it. */
void vmp_pc_console_flush(struct vmp_pc *pc);
/* pc_ram.c */
void vmp_pc_cmos_memory(struct vmp_pc *pc);

#endif

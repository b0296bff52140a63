/* The machine vmp runs: guest RAM, the bus spaces, the board's devices,
 * the vCPUs, and the event loop. One mutex (lock) serialises every call
 * into the library, as bus.h asks of a multi-threaded embedder. */
#ifndef VMP_VMM_MACHINE_H
#define VMP_VMM_MACHINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <vmparts/vmparts.h>

#include "config.h"

struct vmp_kvm;
struct vmp_emu;
struct vmp_board;
struct vmp_firmware;
struct vmp_machine;

/* A backend (accel.c): KVM or the emulator, behind the same calls. */
struct vmp_accel {
    const char *name;
    int (*create)(struct vmp_machine *m);
    void (*destroy)(struct vmp_machine *m);
    /* vCPU cpu's register interface (for loaders and the BIOS). */
    struct vmp_vcpu (*vcpu)(struct vmp_machine *m, unsigned cpu);
    int (*start)(struct vmp_machine *m);
    /* Wake vCPU cpu: something became deliverable (the LAPIC's kick). */
    void (*kick)(struct vmp_machine *m, unsigned cpu);
    void (*stop)(struct vmp_machine *m);
    /* The guest TSC of cpu and its rate (for the LAPIC's TSC-deadline mode). */
    uint64_t (*read_tsc)(struct vmp_machine *m, unsigned cpu);
    uint64_t (*tsc_hz)(struct vmp_machine *m);
};
struct vmp_cpu;

struct vmp_machine {
    const struct vmp_config *cfg;
    pthread_mutex_t lock;
    struct vmp_clock *clock;
    struct vmp_log log;
    struct vmp_env env;
    uint64_t start_ns;

    /* Guest RAM: [0, 640K) and [1M, low_end) below the PCI hole, the rest
     * from 4 GiB up; one host mapping (ram) indexed by RAM offset. */
    struct vmp_mem *mem;
    uint8_t *ram;
    uint64_t ram_size, low_end;

    struct vmp_space *pio, *mmio;
    struct vmp_board *board;
    const struct vmp_accel *accel; /* chosen by vmp_accel_choose */
    struct vmp_kvm *kvm;
    struct vmp_emu *emu;
    struct vmp_firmware *fw; /* BIOS boot (firmware.c); NULL with --kernel */
    unsigned ncpus;

    /* Event loop. */
    int epoll_fd, timer_fd, wake_fd, signal_fd;
    uint64_t timer_armed; /* deadline programmed into timer_fd */

    atomic_bool stopping;
    int exit_status;
    char exit_reason[128];
};

/* End the run with status (the first call wins); safe from any thread,
 * with or without the lock. */
void vmp_machine_exit(struct vmp_machine *m, int status, const char *fmt, ...)
    VMP_PRINTF(3, 4);
/* Drop the lock after device calls: re-arms the host timer if the next
 * virtual-clock deadline moved. */
void vmp_machine_unlock(struct vmp_machine *m);
static inline void vmp_machine_lock(struct vmp_machine *m) { pthread_mutex_lock(&m->lock); }

/* --- board.c: guest RAM and the glue to the library's reference board
 * (vmp_pc, api/vmparts/pc.h), which holds the devices and the address map --- */
int vmp_board_create(struct vmp_machine *m);
/* The per-vCPU parts (LAPICs), after vmp_kvm_create. */
int vmp_board_create_cpus(struct vmp_machine *m);
void vmp_board_destroy(struct vmp_machine *m);
/* Host input for the serial console (from the event loop). */
void vmp_board_console_input(struct vmp_machine *m, const uint8_t *buf, size_t len);
/* Does the board want console input now? */
bool vmp_board_console_wants_input(struct vmp_machine *m);

/* Per-vCPU interrupt side (the vCPU's LAPIC), called with the lock held;
 * cpu is the vCPU index. Same meanings as the vmp_pc_* calls in pc.h
 * (before vmp_board_create_cpus: "nothing pending"). */
bool vmp_board_has_interrupt(struct vmp_machine *m, unsigned cpu, uint64_t rflags);
int vmp_board_ack(struct vmp_machine *m, unsigned cpu);
bool vmp_board_wants_wakeup(struct vmp_machine *m, unsigned cpu, uint64_t rflags);
bool vmp_board_take_nmi(struct vmp_machine *m, unsigned cpu);
bool vmp_board_take_init(struct vmp_machine *m, unsigned cpu);
int vmp_board_take_sipi(struct vmp_machine *m, unsigned cpu);
void vmp_board_set_cr8(struct vmp_machine *m, unsigned cpu, uint8_t cr8);
uint8_t vmp_board_get_cr8(struct vmp_machine *m, unsigned cpu);
/* MMIO and MSRs from vCPU cpu (the LAPIC page and MSRs are per vCPU). */
void vmp_board_mmio(struct vmp_machine *m, unsigned cpu, uint64_t addr, uint8_t *data,
                    unsigned len, bool write);
/* 0, or -1 to raise #GP. */
int vmp_board_msr(struct vmp_machine *m, unsigned cpu, uint32_t msr, uint64_t *value,
                  bool write);

/* For the BIOS (firmware.c): COM1's console output, the RTC's CMOS, PCI
 * configuration space. */
void vmp_board_console_putc(struct vmp_machine *m, uint8_t c);
bool vmp_board_uart_used(struct vmp_machine *m); /* has COM1 sent anything? */
struct vmp_rtc *vmp_board_rtc(struct vmp_machine *m);
struct vmp_space *vmp_board_pci_cfg(struct vmp_machine *m);

/* --- firmware.c: booting from disk through the virtual BIOS --- */
/* Open cfg->disks, create the BIOS with the board's hooks and tables, map
 * its ROM (before the backend makes memory slots). -1 after a message. */
int vmp_firmware_create(struct vmp_machine *m);
void vmp_firmware_destroy(struct vmp_machine *m);
bool vmp_firmware_active(const struct vmp_machine *m);
/* A guest OUT to VMP_BIOS_TRAP_PORT (0x500) from vCPU cpu; lock held. */
void vmp_firmware_trap(struct vmp_machine *m, unsigned cpu);
void vmp_firmware_stats(const struct vmp_machine *m, uint64_t *traps);
/* --dump-acpi: the board's ACPI tables as DIR/<signature>.dat. */
int vmp_firmware_dump_acpi(struct vmp_machine *m, const char *dir);
/* The ACPI description of this board (vCPUs, the HPET model's ID, the ISA
 * devices present), for BIOS boots and --kernel boots alike. */
struct vmp_acpi_config;
void vmp_firmware_acpi_config(struct vmp_machine *m, struct vmp_acpi_config *ac);

/* --- kvm.c: the KVM backend --- */
int vmp_kvm_create(struct vmp_machine *m);
void vmp_kvm_destroy(struct vmp_machine *m);
/* The BSP's register interface (for loaders and the BIOS). */
struct vmp_vcpu vmp_kvm_vcpu(struct vmp_machine *m, unsigned cpu);
int vmp_kvm_start(struct vmp_machine *m);
/* Wake vCPU cpu: something became deliverable (the LAPIC's kick). */
void vmp_kvm_kick(struct vmp_machine *m, unsigned cpu);
void vmp_kvm_stop(struct vmp_machine *m); /* kick all, join threads */
/* The guest TSC of cpu and its rate (for the LAPIC's TSC-deadline mode). */
uint64_t vmp_kvm_read_tsc(struct vmp_machine *m, unsigned cpu);
uint64_t vmp_kvm_tsc_hz(struct vmp_machine *m);
/* kvm_emul.c: run vCPU cpu's next instruction on the library's emulator
 * (after KVM's emulation failure); 0 when it retired. Lock held. */
int vmp_kvm_emulate_one(struct vmp_machine *m, unsigned cpu);
/* Read (write = false) or write the vCPU's x87/SSE registers. */
int vmp_kvm_fpu(struct vmp_machine *m, unsigned cpu, struct vmp_x86_fpu *f, bool write);

/* --- emu.c: the emulator backend (same calls as kvm.c) --- */
int vmp_emu_create(struct vmp_machine *m);
void vmp_emu_destroy(struct vmp_machine *m);
struct vmp_vcpu vmp_emu_vcpu(struct vmp_machine *m, unsigned cpu);
int vmp_emu_start(struct vmp_machine *m);
void vmp_emu_kick(struct vmp_machine *m, unsigned cpu);
void vmp_emu_stop(struct vmp_machine *m);
uint64_t vmp_emu_read_tsc(struct vmp_machine *m, unsigned cpu);
uint64_t vmp_emu_tsc_hz(struct vmp_machine *m);

/* --- accel.c: --accel kvm | emu | auto --- */
extern const struct vmp_accel vmp_accel_kvm, vmp_accel_emu;
/* Set m->accel from cfg->accel; for auto, log which and why. */
int vmp_accel_choose(struct vmp_machine *m);

#endif

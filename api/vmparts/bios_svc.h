/* The virtual BIOS: POST and the real-mode interrupt services, run as
 * host-side C (Seoul style) behind a small 16-bit ROM stub.
 *
 * The ROM (vmp_bios_rom_image, 64 KiB) is mapped read-only at 0xF0000 and
 * aliased at 0xFFFF0000 so the reset vector (0xFFFFFFF0) reaches it. Each
 * service the BIOS implements has a 16-byte stub in the ROM; the IVT
 * points at it. The stub traps to the VMM with an OUT to port
 * VMP_BIOS_TRAP_PORT (0x0500, unused on a PC/AT); the backend calls
 * vmp_bios_trap(), which finds the service from CS:IP, reads and writes
 * the vCPU's registers through struct vmp_vcpu and guest memory through
 * the env's vmp_mem, and returns. The stub then returns to the caller
 * with IRET after the service patched the FLAGS image on the stack (so
 * CF/ZF results survive while IF/TF/DF come back as the caller had them).
 * docs/bios.md has the stub layout and the list of services.
 *
 * What the backend must do:
 *   - map vmp_bios_rom_image() at VMP_BIOS_ROM_BASE and VMP_BIOS_ROM_ALIAS
 *     (read-only), start the boot vCPU at the architectural reset state
 *     (CS=F000 base FFFF0000, IP=FFF0);
 *   - on any guest OUT to VMP_BIOS_TRAP_PORT (size 1, 2 or 4, value
 *     ignored) call vmp_bios_trap() before the vCPU runs again. RIP may
 *     point at the OUT (KVM's PIO exit: the OUT completes on the next
 *     KVM_RUN) or just after it (an emulator that retired it); both are
 *     accepted, and the service never moves RIP or CS. */
#ifndef VMPARTS_BIOS_SVC_H
#define VMPARTS_BIOS_SVC_H

#include <vmparts/bios.h>
#include <vmparts/bus.h>
#include <vmparts/state.h>
#include <vmparts/storage.h>
#include <vmparts/vcpu.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMP_BIOS_TRAP_PORT 0x0500u
#define VMP_BIOS_ROM_BASE 0xF0000u
#define VMP_BIOS_ROM_ALIAS 0xFFFF0000ull
#define VMP_BIOS_ROM_SIZE 0x10000u
/* Extended BIOS data area: the top KiB of conventional memory. POST sets
 * BDA 0x40E to its segment and 0x413 to 639. */
#define VMP_BIOS_EBDA 0x9FC00u
#define VMP_BIOS_EBDA_SIZE 0x400u
#define VMP_BIOS_MAX_DISKS 4

struct vmp_bios;

/* How the BIOS reaches the rest of the board. Everything may be NULL/0;
 * what is missing is skipped (and said in the log) rather than faked. */
struct vmp_bios_config {
    /* Memory map for INT 15h E820/E801/88h and the BDA's base memory. NULL:
     * derived from env->mem by vmp_e820_from_mem() with the EBDA carved
     * out of low RAM. When given, the board is expected to have reserved
     * [VMP_BIOS_EBDA, 0xA0000) itself. Copied at create. */
    const struct vmp_e820_entry *e820;
    size_t e820_count;

    /* Hard disks 0x80, 0x81, ... (not owned; must outlive the BIOS). */
    struct vmp_block *disks[VMP_BIOS_MAX_DISKS];
    unsigned disk_count;

    /* Serial ports POST lists in BDA 0x400 (0 = none). */
    uint16_t com_ports[4];

    /* Everything below gets this opaque. */
    void *opaque;
    /* Text output (INT 10h teletype and write-string) mirrored to the
     * console, byte by byte. */
    void (*console_out)(void *opaque, uint8_t c);
    /* Console input for INT 16h: the next byte, or -1 if none is waiting. */
    int (*console_in)(void *opaque);
    /* CMOS/RTC registers (index 0x00-0x7F), e.g. the RTC model's. */
    uint8_t (*cmos_read)(void *opaque, uint8_t reg);
    void (*cmos_write)(void *opaque, uint8_t reg, uint8_t value);
    /* INT 15h 2400h/2401h; NULL: the state is only remembered. */
    void (*set_a20)(void *opaque, bool enabled);
    /* POST step "ACPI and SMBIOS tables": builds them into guest memory
     * (RSDP in the EBDA or 0xE0000-0xFFFFF). Negative errno is logged. */
    int (*build_tables)(void *opaque, struct vmp_mem *mem);
    /* PCI interrupt line POST writes for bus/dev/fn using pin (1 = INTA#).
     * NULL: GSI 16 + ((dev + pin - 1) & 7), the board's _PRT routing. */
    uint8_t (*pci_irq)(void *opaque, unsigned bus, unsigned dev, unsigned fn,
                       unsigned pin);

    /* Spaces POST programs devices through (port I/O: PIC, PIT, ELCR;
     * MMIO: IOAPIC, LAPIC, and the VGA text buffer when it is not RAM;
     * PCI configuration space in ECAM layout). */
    struct vmp_space *pio, *mmio, *pci_cfg;
    /* PCI resource windows; 0 = the reference board's (I/O 0xC000-0xFFFF,
     * MMIO 0xC0000000-0xFEBFFFFF). */
    uint32_t pci_io_base, pci_io_end;     /* [base, end) */
    uint64_t pci_mmio_base, pci_mmio_end; /* [base, end) */
    uint64_t ioapic_base, lapic_base;     /* 0 = 0xFEC00000 / 0xFEE00000 */
};

/* env->mem is required; env->clock is used for INT 15h 86h (NULL: the
 * wait returns at once); env->log for messages. The config is copied. */
struct vmp_bios *vmp_bios_create(const struct vmp_env *env,
                                 const struct vmp_bios_config *cfg);
void vmp_bios_destroy(struct vmp_bios *bios);
void vmp_bios_reset(struct vmp_bios *bios);

/* The 64 KiB ROM image (constant for a given BIOS; owned by it). */
const uint8_t *vmp_bios_rom_image(const struct vmp_bios *bios);
/* Convenience: add the image to mem as read-only regions at
 * VMP_BIOS_ROM_BASE and VMP_BIOS_ROM_ALIAS (vmp_mem_add's errors). A KVM
 * backend then maps them as read-only memory slots like any region. */
int vmp_bios_map_rom(struct vmp_bios *bios, struct vmp_mem *mem);

/* Run the service the vCPU trapped from. 0 when handled; -EINVAL when
 * CS:IP is not one of the ROM's trap sites or the vCPU is not in real
 * mode (logged, registers untouched); vCPU op errors are passed on. */
int vmp_bios_trap(struct vmp_bios *bios, const struct vmp_vcpu *vcpu);

/* Counters for logs and benchmarks. */
struct vmp_bios_stats {
    uint64_t traps;          /* vmp_bios_trap calls that ran a service */
    uint64_t unsupported;    /* calls answered CF=1 AH=86h */
    uint64_t disk_sectors;   /* sectors moved by INT 13h */
    uint32_t post_count;     /* POSTs run */
};
void vmp_bios_get_stats(const struct vmp_bios *bios, struct vmp_bios_stats *st);

/* Host-side state (A20, a pending INT 15h 86h wait); everything else lives
 * in guest memory (IVT, BDA, EBDA). */
int vmp_bios_save(const struct vmp_bios *bios, struct vmp_state_writer *w);
int vmp_bios_load(struct vmp_bios *bios, struct vmp_state_reader *r);

#ifdef __cplusplus
}
#endif
#endif

/* Kernel loaders and the initial vCPU state they ask for.
 *
 * Three formats, each loaded into guest RAM (a vmp_mem) without a BIOS:
 *   - Linux bzImage by the x86 boot protocol (Documentation/arch/x86/
 *     boot.rst): boot_params ("zero page"), E820 map, command line and
 *     initrd, entered at the 64-bit entry point (protocol 2.12+ with
 *     XLF_KERNEL_64), or at the 32-bit entry for older kernels;
 *   - Multiboot v1 kernels (Multiboot Specification 0.6.96): ELF32
 *     images or the a.out-kludge address fields, with an info block
 *     (mem_lower/mem_upper, memory map, command line, modules);
 *   - flat binaries copied to a given address and entered there in 32-bit
 *     protected mode.
 *
 * A loader checks every field of the image against its size and the RAM
 * before it writes anything it derived from them; a malformed or
 * truncated image returns a negative errno and a one-line reason in
 * vmp_boot_entry.error, never a crash.
 *
 * Loaders fill a vmp_boot_entry that describes the vCPU state to start
 * from; vmp_boot_setup_vcpu() turns it into register values through any
 * backend's vmp_vcpu interface (KVM, emulator), building the boot GDT
 * and, for 64-bit entry, identity page tables in guest RAM.
 *
 * Low memory used by the loaders (all below 640 KiB, documented so an
 * embedder can keep its own data clear of it):
 *   0x00500  boot GDT                     VMP_BOOT_GDT
 *   0x01000  identity page tables (24 KiB) VMP_BOOT_PAGETABLES
 *   0x07000  Linux boot_params             VMP_BOOT_PARAMS
 *   0x08000  Multiboot info, mmap, module list, strings (up to 0x1FFFF)
 *   0x20000  Linux command line (up to 64 KiB)
 * Multiboot and flat images start with ESP = 0x8000 (VMP_BOOT_STACK): a
 * 4 KiB scratch stack in the boot_params page, which only Linux uses. */
#ifndef VMPARTS_BIOS_H
#define VMPARTS_BIOS_H

#include <vmparts/common.h>
#include <vmparts/mem.h>
#include <vmparts/vcpu.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMP_BOOT_GDT 0x500u
#define VMP_BOOT_PAGETABLES 0x1000u
#define VMP_BOOT_PARAMS 0x7000u
#define VMP_BOOT_MBINFO 0x8000u
#define VMP_BOOT_MBINFO_END 0x20000u
#define VMP_BOOT_CMDLINE 0x20000u
#define VMP_BOOT_CMDLINE_MAX 0x10000u
#define VMP_BOOT_STACK 0x8000u
/* Loaded images may not overlap [0, VMP_BOOT_LOW_END). */
#define VMP_BOOT_LOW_END 0x30000u

/* Selectors in the boot GDT (Linux's __BOOT_CS/__BOOT_DS values); the code
 * descriptor is 64-bit for VMP_BOOT_LONG64 and 32-bit otherwise. */
#define VMP_BOOT_SEL_CODE 0x10u
#define VMP_BOOT_SEL_DATA 0x18u

/* E820 types (ACPI 6.4 section 15, "System Address Map Interfaces"). */
#define VMP_E820_RAM 1u
#define VMP_E820_RESERVED 2u
#define VMP_E820_ACPI 3u
#define VMP_E820_NVS 4u

struct vmp_e820_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
};

/* RAM regions of mem (writable ones) become VMP_E820_RAM entries, read-only
 * ones VMP_E820_RESERVED; adjacent RAM is merged. Returns the count, or
 * -ENOSPC if max is too small. */
int vmp_e820_from_mem(const struct vmp_mem *mem, struct vmp_e820_entry *out,
                      size_t max);

enum vmp_boot_mode {
    VMP_BOOT_PROT32, /* flat 32-bit protected mode, paging off */
    VMP_BOOT_LONG64, /* 64-bit mode, identity-mapped first 4 GiB */
};

/* The vCPU state a loaded image starts from. */
struct vmp_boot_entry {
    enum vmp_boot_mode mode;
    uint64_t rip;
    uint64_t rax, rbx, rsi, rsp;
    /* What was loaded, for logs and tests. */
    uint64_t image_start, image_end; /* guest-physical [start, end) */
    uint64_t initrd_addr, initrd_size;
    /* Set on failure: why, in one line. */
    char error[160];
};

struct vmp_boot_module {
    const void *data;
    size_t size;
    const char *string; /* Multiboot module string, may be NULL */
};

/* What an image is loaded with. Every member may be zero/NULL. */
struct vmp_boot_config {
    const char *cmdline;
    const void *initrd; /* Linux */
    size_t initrd_size;
    const struct vmp_boot_module *modules; /* Multiboot */
    size_t module_count;
    /* Memory map given to the guest; NULL means vmp_e820_from_mem(). */
    const struct vmp_e820_entry *e820;
    size_t e820_count;
    /* Linux: the ACPI RSDP's address for boot_params.acpi_rsdp_addr
     * (protocol 2.14+); 0 = let the kernel search for it. */
    uint64_t acpi_rsdp;
};

enum vmp_image_kind {
    VMP_IMAGE_UNKNOWN,
    VMP_IMAGE_BZIMAGE,
    VMP_IMAGE_MULTIBOOT,
};

/* Recognise an image by its magic numbers (bzImage "HdrS" header, or a
 * Multiboot header in the first 8 KiB). Does not validate the rest. */
enum vmp_image_kind vmp_image_detect(const void *image, size_t size);

int vmp_load_linux(struct vmp_mem *mem, const void *image, size_t size,
                   const struct vmp_boot_config *cfg, struct vmp_boot_entry *entry);
/* The bzImage's compressed kernel (payload_offset/payload_length, protocol
 * 2.08+): its file offset and length. -ENOEXEC if not a bzImage or the
 * fields point outside it, -ENOTSUP before protocol 2.08. The format is
 * told by its magic (xz: FD 37 7A 58 5A 00; gzip: 1F 8B; zstd: 28 B5 2F FD);
 * the uncompressed size is the last 4 bytes of the payload (LE). */
int vmp_linux_payload(const void *image, size_t size, size_t *offset, size_t *len);
/* Boot a bzImage whose payload the embedder decompressed itself: the boot
 * data comes from the bzImage's header (as vmp_load_linux), the kernel from
 * vmlinux, an ELF64 x86-64 executable loaded at its physical addresses and
 * entered at its entry point (startup_64) in 64-bit mode. This skips the
 * kernel's own decompressor, which matters where guest kernel code runs
 * slowly (emulated). */
int vmp_load_linux_vmlinux(struct vmp_mem *mem, const void *image, size_t size,
                           const void *vmlinux, size_t vmlinux_size,
                           const struct vmp_boot_config *cfg, struct vmp_boot_entry *entry);
int vmp_load_multiboot(struct vmp_mem *mem, const void *image, size_t size,
                       const struct vmp_boot_config *cfg,
                       struct vmp_boot_entry *entry);
/* Copy image to addr; entry at addr in 32-bit protected mode with ESP at
 * VMP_BOOT_STACK. */
int vmp_load_flat(struct vmp_mem *mem, const void *image, size_t size,
                  uint64_t addr, struct vmp_boot_entry *entry);
/* Detect the kind and call the matching loader; -ENOEXEC for neither. */
int vmp_load_kernel(struct vmp_mem *mem, const void *image, size_t size,
                    const struct vmp_boot_config *cfg, struct vmp_boot_entry *entry);

/* Write the boot GDT (and page tables for VMP_BOOT_LONG64) into guest RAM
 * and set the vCPU's registers through vcpu->ops. */
int vmp_boot_setup_vcpu(struct vmp_mem *mem, const struct vmp_boot_entry *entry,
                        const struct vmp_vcpu *vcpu);

#ifdef __cplusplus
}
#endif
#endif

/* The vCPU register interface shared by backends (KVM, the emulator, an
 * embedder's own) and the parts that edit a vCPU from outside (the BIOS
 * services, loaders). Layouts are the architectural ones; segment
 * attributes are split out rather than packed so no backend's packing
 * leaks into the API. */
#ifndef VMPARTS_VCPU_H
#define VMPARTS_VCPU_H

#include <vmparts/common.h>

#ifdef __cplusplus
extern "C" {
#endif

enum vmp_gpr {
    VMP_RAX, VMP_RCX, VMP_RDX, VMP_RBX, VMP_RSP, VMP_RBP, VMP_RSI, VMP_RDI,
    VMP_R8, VMP_R9, VMP_R10, VMP_R11, VMP_R12, VMP_R13, VMP_R14, VMP_R15,
    VMP_NR_GPRS
};

enum vmp_seg { VMP_ES, VMP_CS, VMP_SS, VMP_DS, VMP_FS, VMP_GS, VMP_NR_SEGS };

/* A segment register with its descriptor cache. */
struct vmp_segment {
    uint64_t base;
    uint32_t limit;    /* byte-granular (already scaled if G was set) */
    uint16_t selector;
    uint8_t type;      /* descriptor type field, 4 bits */
    uint8_t s;         /* 1 = code/data, 0 = system */
    uint8_t dpl;
    uint8_t present;
    uint8_t avl;
    uint8_t l;         /* 64-bit code */
    uint8_t db;        /* default operand size / big */
    uint8_t g;
    uint8_t unusable;  /* null selector loaded (VMX-style) */
};

struct vmp_dtable {
    uint64_t base;
    uint16_t limit;
};

struct vmp_vcpu_regs {
    uint64_t gpr[VMP_NR_GPRS];
    uint64_t rip;
    uint64_t rflags;
};

struct vmp_vcpu_sregs {
    struct vmp_segment seg[VMP_NR_SEGS];
    struct vmp_segment tr, ldt;
    struct vmp_dtable gdt, idt;
    uint64_t cr0, cr2, cr3, cr4, cr8;
    uint64_t efer;
    uint64_t apic_base;
};

/* What a backend offers to parts that edit vCPU state. Each returns 0 or a
 * negative errno. */
struct vmp_vcpu_ops {
    int (*get_regs)(void *vcpu, struct vmp_vcpu_regs *regs);
    int (*set_regs)(void *vcpu, const struct vmp_vcpu_regs *regs);
    int (*get_sregs)(void *vcpu, struct vmp_vcpu_sregs *sregs);
    int (*set_sregs)(void *vcpu, const struct vmp_vcpu_sregs *sregs);
};

struct vmp_vcpu {
    const struct vmp_vcpu_ops *ops;
    void *opaque;
};

/* RFLAGS bits. */
#define VMP_FLAG_CF (1u << 0)
#define VMP_FLAG_PF (1u << 2)
#define VMP_FLAG_AF (1u << 4)
#define VMP_FLAG_ZF (1u << 6)
#define VMP_FLAG_SF (1u << 7)
#define VMP_FLAG_TF (1u << 8)
#define VMP_FLAG_IF (1u << 9)
#define VMP_FLAG_DF (1u << 10)
#define VMP_FLAG_OF (1u << 11)
#define VMP_FLAG_IOPL (3u << 12)
#define VMP_FLAG_NT (1u << 14)
#define VMP_FLAG_RF (1u << 16)
#define VMP_FLAG_VM (1u << 17)
#define VMP_FLAG_AC (1u << 18)
#define VMP_FLAG_VIF (1u << 19)
#define VMP_FLAG_VIP (1u << 20)
#define VMP_FLAG_ID (1u << 21)

#ifdef __cplusplus
}
#endif
#endif

/* The differential test's KVM side: one VM, one vCPU, entered directly at
 * CPL 3 in 64-bit mode (docs/emulator-diff.md). Not the reference VMM's
 * backend: a dozen ioctls that set up exactly the machine the emulator
 * side copies. */
#ifndef DIFF_HARNESS_H
#define DIFF_HARNESS_H

#include <stdint.h>
#include <vmparts/vcpu.h>

/* Guest-physical (= linear, identity mapped) layout. */
#define G_PML4 0x1000u
#define G_PDPT 0x2000u
#define G_PD 0x3000u
#define G_PT 0x4000u
#define G_GDT 0x5000u
#define G_IDT 0x6000u
#define G_TSS 0x7000u
#define G_STUBS 0x8000u       /* CPL-0 exception stubs, 16 bytes each */
#define G_KSTACK_TOP 0xA000u  /* RSP0: the exception frame lands below */
#define G_CODE 0x10000u       /* the stream */
#define G_CODE_SIZE 0x4000u
#define G_DATA 0x20000u       /* data area: memory operands and stack */
#define G_DATA_SIZE 0x2000u
#define G_RO 0x22000u         /* a read-only user page (#PF on write) */
#define G_NOTPRESENT 0x23000u /* a not-present page (#PF) */
#define G_MMIO 0x30000u       /* linear page mapped to unbacked GPA */
#define G_MMIO_GPA 0x1000000u
#define G_RAM_SIZE 0x40000u   /* the one memory slot */

/* The final store of a stream and the exception stubs hit G_MMIO: the
 * offset tells which. */
#define MMIO_END 0x0u
#define MMIO_EXC 0x100u /* + vector */

#define SEL_KCODE 0x08u
#define SEL_KDATA 0x10u
#define SEL_UDATA 0x1bu
#define SEL_UCODE 0x23u
#define SEL_TSS 0x28u

#define FS_BASE 0x20000ull
#define GS_BASE 0x21000ull

/* x87/MMX/SSE state, laid out like KVM's struct kvm_fpu (an FXSAVE image):
 * st[] in stack order (ST(0) first), ftw abridged with bit i = PHYSICAL
 * register i not empty (SDM Vol. 1 §10.5.1, Table 10-2). */
struct diff_fp {
    uint16_t fcw, fsw;
    uint8_t ftw;
    uint16_t fop;
    uint64_t fip, fdp;
    uint32_t mxcsr;
    uint8_t st[8][10];   /* 64-bit significand, then sign + exponent */
    uint64_t xmm[16][2]; /* low quadword first */
};

struct diff_state {
    uint64_t gpr[VMP_NR_GPRS];
    uint64_t rip, rflags;
    int vector;          /* -1: the stream ended at its final store */
    uint32_t error_code; /* with vector >= 0, where the CPU pushes one */
    uint64_t cr2;        /* with vector 14 */
    int fp_valid;        /* in: load fp before the run and read it back */
    struct diff_fp fp;
};

struct diff_kvm;

/* Builds page tables, GDT, IDT, TSS, stubs into ram (G_RAM_SIZE bytes,
 * shared by both sides). */
void diff_build_ram(uint8_t *ram);

/* The segment and control state of the CPL-3 stream. */
void diff_sregs(struct vmp_vcpu_sregs *s);

/* Returns NULL with *why set when KVM is not usable. */
struct diff_kvm *diff_kvm_open(char *why, size_t whylen);
void diff_kvm_close(struct diff_kvm *k);
uint8_t *diff_kvm_ram(struct diff_kvm *k);

/* Run from in->gpr/rip/rflags (and in->fp when in->fp_valid) until the stream's final store or an
 * exception. Returns 0, or -1 on an unexpected exit (message in why). */
int diff_kvm_run(struct diff_kvm *k, const struct diff_state *in, struct diff_state *out,
                 char *why, size_t whylen);

/* Fill vector, error code, RIP, RFLAGS, RSP from the exception frame a
 * stub left on the RSP0 stack. */
void diff_parse_frame(const uint8_t *ram, int vector, struct diff_state *out);
#define FRAME_BYTES 48 /* SS RSP RFLAGS CS RIP and an error code */

#endif

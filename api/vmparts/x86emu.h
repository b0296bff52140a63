/* The x86 instruction emulator: a table-driven decoder, an executor for
 * the integer ISA, segmentation and a page walker, and exception and
 * interrupt delivery. It owns no memory and no devices: everything it
 * touches outside struct vmp_x86_cpu goes through struct vmp_x86_ops.
 *
 * Typical uses:
 *   - run guest code: fill a vmp_x86_cpu, call vmp_x86_step() in a loop;
 *   - emulate one faulting MMIO instruction for a hardware-assisted VMM:
 *     vmp_x86_emulate_one();
 *   - decode only: vmp_x86_decode_bytes().
 *
 * Every guest-supplied byte, descriptor and address is treated as hostile.
 * Nothing an instruction stream does can make a call loop without bound:
 * REP string instructions run at most VMP_X86_REP_CHUNK iterations per
 * call and resume on the next one (RIP stays on the instruction, exactly as
 * the hardware does when it takes an interrupt mid-way). */
#ifndef VMPARTS_X86EMU_H
#define VMPARTS_X86EMU_H

#include <vmparts/common.h>
#include <vmparts/vcpu.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- CPU state -------------------------------------------------------- */

/* Event types (the VMX/SVM classification, which decides how RIP is
 * pushed and whether the DPL check of the IDT gate applies). */
enum vmp_x86_event_type {
    VMP_X86_EV_EXCEPTION = 0, /* fault or trap raised by an instruction */
    VMP_X86_EV_EXTINT = 1,    /* external interrupt (INTR) */
    VMP_X86_EV_NMI = 2,
    VMP_X86_EV_SOFTINT = 3,   /* INT n: gate DPL checked, next RIP pushed */
    VMP_X86_EV_SOFTEXC = 4,   /* INT3, INTO: like INT n */
    VMP_X86_EV_PRIVSW = 5,    /* INT1 (ICEBP) */
};

/* An event waiting for delivery, or the exception an instruction raised. */
struct vmp_x86_event {
    uint8_t valid;
    uint8_t vector;
    uint8_t type;       /* enum vmp_x86_event_type */
    uint8_t has_error;
    uint32_t error_code;
};

/* Interrupt shadow bits (SDM Vol. 3 §24.4.2 / Vol. 2 STI, MOV SS). */
#define VMP_X86_SHADOW_STI 1u
#define VMP_X86_SHADOW_MOVSS 2u

/* MSRs the emulator owns (others go to ops->rdmsr/wrmsr). */
#define VMP_X86_MSR_TSC 0x10u
#define VMP_X86_MSR_APIC_BASE 0x1bu
#define VMP_X86_MSR_SYSENTER_CS 0x174u
#define VMP_X86_MSR_SYSENTER_ESP 0x175u
#define VMP_X86_MSR_SYSENTER_EIP 0x176u
#define VMP_X86_MSR_EFER 0xc0000080u
#define VMP_X86_MSR_STAR 0xc0000081u
#define VMP_X86_MSR_LSTAR 0xc0000082u
#define VMP_X86_MSR_CSTAR 0xc0000083u
#define VMP_X86_MSR_SFMASK 0xc0000084u
#define VMP_X86_MSR_FS_BASE 0xc0000100u
#define VMP_X86_MSR_GS_BASE 0xc0000101u
#define VMP_X86_MSR_KERNEL_GS_BASE 0xc0000102u
#define VMP_X86_MSR_TSC_AUX 0xc0000103u

/* Control register bits the emulator acts on. */
#define VMP_CR0_PE (1u << 0)
#define VMP_CR0_MP (1u << 1)
#define VMP_CR0_EM (1u << 2)
#define VMP_CR0_TS (1u << 3)
#define VMP_CR0_ET (1u << 4)
#define VMP_CR0_NE (1u << 5)
#define VMP_CR0_WP (1u << 16)
#define VMP_CR0_AM (1u << 18)
#define VMP_CR0_NW (1u << 29)
#define VMP_CR0_CD (1u << 30)
#define VMP_CR0_PG (1u << 31)
#define VMP_CR4_VME (1u << 0)
#define VMP_CR4_PVI (1u << 1)
#define VMP_CR4_TSD (1u << 2)
#define VMP_CR4_DE (1u << 3)
#define VMP_CR4_PSE (1u << 4)
#define VMP_CR4_PAE (1u << 5)
#define VMP_CR4_MCE (1u << 6)
#define VMP_CR4_PGE (1u << 7)
#define VMP_CR4_PCE (1u << 8)
#define VMP_CR4_OSFXSR (1u << 9)
#define VMP_CR4_OSXMMEXCPT (1u << 10)
#define VMP_CR4_UMIP (1u << 11)
#define VMP_CR4_LA57 (1u << 12)
#define VMP_CR4_FSGSBASE (1u << 16)
#define VMP_CR4_PCIDE (1u << 17)
#define VMP_CR4_OSXSAVE (1u << 18)
#define VMP_CR4_SMEP (1u << 20)
#define VMP_CR4_SMAP (1u << 21)
#define VMP_EFER_SCE (1u << 0)
#define VMP_EFER_LME (1u << 8)
#define VMP_EFER_LMA (1u << 10)
#define VMP_EFER_NXE (1u << 11)

/* Exception vectors. */
enum {
    VMP_X86_DE = 0, VMP_X86_DB = 1, VMP_X86_NMI_VEC = 2, VMP_X86_BP = 3,
    VMP_X86_OF = 4, VMP_X86_BR = 5, VMP_X86_UD = 6, VMP_X86_NM = 7,
    VMP_X86_DF = 8, VMP_X86_TS = 10, VMP_X86_NP = 11, VMP_X86_SS = 12,
    VMP_X86_GP = 13, VMP_X86_PF = 14, VMP_X86_MF = 16, VMP_X86_AC = 17,
    VMP_X86_MC = 18, VMP_X86_XM = 19,
};

/* #PF error code bits (SDM Vol. 3 §4.7). */
#define VMP_PFEC_P (1u << 0)
#define VMP_PFEC_W (1u << 1)
#define VMP_PFEC_U (1u << 2)
#define VMP_PFEC_RSVD (1u << 3)
#define VMP_PFEC_I (1u << 4)

/* The whole architectural state the emulator works on. A harness can load
 * every field, run N instructions and read every field back. Segment
 * caches are authoritative (as in hardware): loading a selector through an
 * instruction refreshes the cache from the GDT/LDT, writing the struct
 * directly does not. */
/* A small translation cache (emulator-private). Like a hardware TLB it
 * may hold translations the page tables no longer allow until the guest
 * flushes them (MOV CR3, INVLPG); it is also dropped whenever CR0, CR3,
 * CR4 or EFER differ from the values it was filled under. An embedder
 * that edits page tables behind the guest's back calls vmp_x86_flush_tlb. */
#define VMP_X86_TLB_ENTRIES 64
struct vmp_x86_tlb {
    uint64_t cr0, cr3, cr4, efer;
    struct {
        uint64_t tag; /* linear page | user<<1 | AC<<2 | valid */
        uint64_t pa;  /* guest-physical page */
    } e[3][VMP_X86_TLB_ENTRIES]; /* read, write, fetch */
};

/* x87, MMX and SSE state: the fields of the FXSAVE image (SDM Vol. 1
 * §10.5.1, Table 10-2). st[] is indexed by PHYSICAL register R0..R7; ST(i)
 * is st[(TOP + i) & 7] with TOP = (fsw >> 11) & 7. MMX register MMi is the
 * mantissa of st[i] (SDM Vol. 1 §9.5.1). */
struct vmp_x87_reg {
    uint64_t mant;  /* significand, explicit integer bit in bit 63 */
    uint16_t sexp;  /* sign in bit 15, biased exponent in bits 0-14 */
    uint16_t pad[3];
};
struct vmp_x86_fpu {
    uint16_t fcw, fsw;
    uint8_t ftw;        /* abridged tag: bit i set = physical register i is
                           not empty (FXSAVE format) */
    uint8_t pad0;
    uint16_t fop;       /* last non-control x87 opcode (11 bits) */
    uint64_t fip, fdp;  /* last x87 instruction and data pointer (offsets) */
    uint16_t fcs, fds;  /* their selectors */
    uint32_t mxcsr;
    struct vmp_x87_reg st[8];
    uint64_t xmm[16][2]; /* XMM0-15, low quadword first */
};
/* MXCSR bits the emulator accepts (FXSAVE's MXCSR_MASK, DAZ supported). */
#define VMP_X86_MXCSR_MASK 0xffffu

struct vmp_x86_cpu {
    uint64_t gpr[VMP_NR_GPRS];
    uint64_t rip;
    uint64_t rflags;
    struct vmp_segment seg[VMP_NR_SEGS];
    struct vmp_segment ldt, tr;
    struct vmp_dtable gdt, idt;
    uint64_t cr0, cr2, cr3, cr4, cr8;
    uint64_t efer;
    uint64_t dr[8];               /* DR4/DR5 alias DR6/DR7 unless CR4.DE */
    uint64_t apic_base;
    uint64_t tsc_aux;
    uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;

    uint8_t shadow;       /* VMP_X86_SHADOW_*: blocks INTR (and #DB) for
                             one instruction */
    uint8_t halted;       /* HLT executed; step() wakes on an event */
    uint8_t nmi_blocked;  /* from NMI delivery until the next IRET */
    uint8_t irq_pending;  /* host: INTR is asserted; step() calls
                             ops->intr_ack when RFLAGS.IF allows it */
    uint8_t nmi_pending;  /* host: an NMI is latched */
    uint8_t pad[3];
    struct vmp_x86_event event; /* pending event (see vmp_x86_deliver) */
    struct vmp_x86_fpu fpu;       /* x87/MMX/SSE registers */
    struct vmp_x86_tlb tlb;       /* private translation cache */
};

/* Drop every cached translation. */
void vmp_x86_flush_tlb(struct vmp_x86_cpu *cpu);

/* Put the CPU in its power-on state (SDM Vol. 3 §9.1.1, Table 9-1):
 * real mode, CS.selector=F000 base=FFFF0000, RIP=FFF0, RDX=0x600 (family
 * 6), CR0=0x60000010, RFLAGS=2. */
void vmp_x86_cpu_reset(struct vmp_x86_cpu *cpu);

/* Current privilege level (SS.DPL in protected mode, 0 in real mode, 3 in
 * virtual-8086 mode). */
unsigned vmp_x86_cpl(const struct vmp_x86_cpu *cpu);

/* Convert to and from the shared vCPU register structs. */
void vmp_x86_cpu_get_regs(const struct vmp_x86_cpu *cpu,
                          struct vmp_vcpu_regs *regs,
                          struct vmp_vcpu_sregs *sregs);
void vmp_x86_cpu_set_regs(struct vmp_x86_cpu *cpu,
                          const struct vmp_vcpu_regs *regs,
                          const struct vmp_vcpu_sregs *sregs);

/* ---- host operations -------------------------------------------------- */

/* Return values of the memory and port callbacks: 0 on success,
 * VMP_X86_OP_RETRY to stop the instruction and come back later (for an MMIO
 * round trip through another thread or the kernel: nothing of the
 * instruction is committed, except the completed iterations of a REP
 * string instruction), or a negative errno. A failing physical read or
 * write is an access to nothing: the emulator returns VMP_X86_UNHANDLED,
 * because the architecture has no exception for it. rdmsr/wrmsr return a
 * negative value to raise #GP(0). */
#define VMP_X86_OP_RETRY 1

struct vmp_x86_ops {
    /* Guest-physical memory. len is 1..4096 and never crosses a 4 KiB
     * page boundary; aligned accesses of 1, 2, 4 or 8 bytes are made as
     * one call so MMIO sees the access size. */
    int (*read_phys)(void *ctx, uint64_t gpa, void *buf, unsigned len);
    int (*write_phys)(void *ctx, uint64_t gpa, const void *buf, unsigned len);
    /* Port I/O, size 1, 2 or 4. */
    int (*io_in)(void *ctx, uint16_t port, unsigned size, uint32_t *val);
    int (*io_out)(void *ctx, uint16_t port, unsigned size, uint32_t val);
    /* MSRs the emulator does not own. NULL = #GP. */
    int (*rdmsr)(void *ctx, uint32_t msr, uint64_t *val);
    int (*wrmsr)(void *ctx, uint32_t msr, uint64_t val);
    /* CPUID leaf/subleaf -> EAX, EBX, ECX, EDX. NULL = all zero. */
    void (*cpuid)(void *ctx, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
    /* The time stamp counter. NULL = 0. */
    uint64_t (*rdtsc)(void *ctx);
    /* Interrupt acknowledge: the vector of the highest pending INTR, or a
     * negative value if there is none any more (spurious). Called only
     * when cpu->irq_pending is set and RFLAGS.IF and the shadow allow. */
    int (*intr_ack)(void *ctx);
};

/* Ready-made ops over vmparts' own bus (ctx = struct vmp_x86_bus *): guest
 * RAM through vmp_mem, other physical addresses through the MMIO space in
 * naturally aligned pieces of 1, 2, 4 or 8 bytes (the size the guest used
 * for an aligned access), ports through the port space. MSRs, CPUID, the
 * TSC and interrupt acknowledge go to the optional host ops in `host`
 * (NULL members behave as documented above). */
struct vmp_mem;
struct vmp_space;
struct vmp_x86_bus {
    struct vmp_mem *mem;
    struct vmp_space *mmio;        /* NULL: non-RAM is UNHANDLED */
    struct vmp_space *pio;         /* NULL: port I/O is UNHANDLED */
    const struct vmp_x86_ops *host; /* rdmsr, wrmsr, cpuid, rdtsc, intr_ack */
    void *host_ctx;
};
extern const struct vmp_x86_ops vmp_x86_bus_ops;

/* ---- decoding ----------------------------------------------------------- */

/* Prefix bits in vmp_x86_insn.prefixes. */
#define VMP_X86_PFX_LOCK (1u << 0)
#define VMP_X86_PFX_REP (1u << 1)    /* F3 */
#define VMP_X86_PFX_REPNE (1u << 2)  /* F2 */
#define VMP_X86_PFX_OPSIZE (1u << 3) /* 66 */
#define VMP_X86_PFX_ADSIZE (1u << 4) /* 67 */
#define VMP_X86_PFX_SEG (1u << 5)    /* a segment override is present */
#define VMP_X86_PFX_REX (1u << 6)

/* Operand kinds in a decoded instruction. */
enum vmp_x86_opnd_kind {
    VMP_X86_OPND_NONE = 0,
    VMP_X86_OPND_REG,   /* general register: reg, size; high-byte AH..BH
                           when hibyte is set */
    VMP_X86_OPND_MEM,   /* memory: seg:effective address (see mem below) */
    VMP_X86_OPND_IMM,   /* immediate, already sign/zero extended */
    VMP_X86_OPND_SREG,  /* segment register */
    VMP_X86_OPND_CREG,  /* control register */
    VMP_X86_OPND_DREG,  /* debug register */
    VMP_X86_OPND_REL,   /* relative branch target: imm is the displacement */
    VMP_X86_OPND_FAR,   /* far pointer immediate: imm = offset, sel */
};

struct vmp_x86_opnd {
    uint8_t kind;   /* enum vmp_x86_opnd_kind */
    uint8_t size;   /* bytes: 1, 2, 4, 8 (10 for m16:64 far pointers) */
    uint8_t reg;    /* register number for REG/SREG/CREG/DREG */
    uint8_t hibyte; /* AH, CH, DH, BH */
    uint16_t sel;   /* FAR: selector */
    uint64_t imm;   /* IMM, REL: value; FAR: offset */
};

/* A memory operand's effective address, as encoded. */
#define VMP_X86_NOREG 0xff
struct vmp_x86_mem {
    uint8_t seg;     /* enum vmp_seg after overrides and defaults */
    uint8_t base;    /* GPR or VMP_X86_NOREG */
    uint8_t index;   /* GPR or VMP_X86_NOREG */
    uint8_t scale;   /* 1, 2, 4, 8 */
    uint8_t rip_rel; /* 64-bit RIP-relative: add the next RIP */
    int64_t disp;
};

/* A decoded instruction. The fields are filled by the decoder and read by
 * vmp_x86_execute; embedders may read them (for logging, or to find the
 * MMIO operand) but should treat them as read-only. */
struct vmp_x86_insn {
    uint8_t len;        /* total length in bytes, 1..15 */
    uint8_t bytes[15];
    uint8_t mode;       /* 16, 32 or 64: code size it was decoded for */
    uint8_t opsize;     /* effective operand size in bytes: 2, 4, 8 */
    uint8_t adsize;     /* effective address size in bytes: 2, 4, 8 */
    uint8_t prefixes;   /* VMP_X86_PFX_* */
    uint8_t seg_override; /* enum vmp_seg, valid with VMP_X86_PFX_SEG */
    uint8_t rex;        /* the REX byte (0x40..0x4f) or 0 */
    uint8_t map;        /* 0 = one-byte map, 1 = 0F, 2 = 0F38, 3 = 0F3A */
    uint8_t opcode;     /* the opcode byte within its map */
    uint8_t has_modrm, modrm, has_sib, sib;
    uint8_t op;         /* internal operation id */
    uint8_t arg;        /* operation argument: ALU function, condition... */
    uint8_t nopnd;      /* operands in opnd[] */
    uint16_t flags;     /* internal descriptor flags */
    uint8_t disp_size, imm_size; /* bytes of displacement and immediate */
    struct vmp_x86_opnd opnd[3]; /* destination first (Intel order) */
    struct vmp_x86_mem mem;      /* the memory operand, if any */
};

/* Decoder results (negative values). */
#define VMP_X86_DEC_NEED_MORE (-1) /* the bytes end before the instruction */
#define VMP_X86_DEC_UD (-2)        /* undefined/invalid encoding: #UD */
#define VMP_X86_DEC_GP (-3)        /* longer than 15 bytes: #GP(0) */

/* Decode one instruction from bytes[0..len) for code size mode (16, 32,
 * 64). Returns the length (> 0) or a VMP_X86_DEC_* value. Encodings that
 * are valid but not implemented by the executor still decode: execution
 * then reports VMP_X86_UNHANDLED. */
int vmp_x86_decode_bytes(struct vmp_x86_insn *insn, unsigned mode,
                         const uint8_t *bytes, unsigned len);

/* ---- execution ---------------------------------------------------------- */

enum vmp_x86_result {
    VMP_X86_OK = 0,        /* one instruction (or REP chunk) retired */
    VMP_X86_EXCEPTION = 1, /* an exception is in cpu->event (and CR2 for
                              #PF); no architectural state of the faulting
                              instruction was committed except completed
                              REP iterations */
    VMP_X86_UNHANDLED = 2, /* not implemented, or memory that is not there:
                              state is unchanged */
    VMP_X86_HALT = 3,      /* HLT retired; cpu->halted is set */
    VMP_X86_RETRY = 4,     /* a host op returned VMP_X86_OP_RETRY */
    VMP_X86_SHUTDOWN = 5,  /* triple fault */
};

/* At most this many REP iterations per execute call. */
#define VMP_X86_REP_CHUNK 1024u

/* Fetch and decode the instruction at CS:RIP (through segmentation and
 * paging). Returns VMP_X86_OK, or VMP_X86_EXCEPTION with cpu->event set
 * (#PF/#GP on the fetch, #UD, #GP for >15 bytes), VMP_X86_UNHANDLED or
 * VMP_X86_RETRY. */
int vmp_x86_fetch_decode(struct vmp_x86_cpu *cpu, const struct vmp_x86_ops *ops,
                         void *ctx, struct vmp_x86_insn *insn);

/* Execute a decoded instruction. Does not deliver the exception it raises:
 * the caller (or vmp_x86_deliver) does. */
int vmp_x86_execute(struct vmp_x86_cpu *cpu, const struct vmp_x86_ops *ops,
                    void *ctx, const struct vmp_x86_insn *insn);

/* Deliver cpu->event through the IVT (real mode) or IDT (protected, long
 * mode), with the double-fault and triple-fault rules. Returns VMP_X86_OK,
 * VMP_X86_SHUTDOWN, VMP_X86_UNHANDLED or VMP_X86_RETRY. */
int vmp_x86_deliver(struct vmp_x86_cpu *cpu, const struct vmp_x86_ops *ops,
                    void *ctx);

/* One step as the CPU does it: deliver a pending event (cpu->event, then
 * NMI, then INTR through ops->intr_ack when allowed), or if none, fetch,
 * decode and execute one instruction and deliver the exception it raised.
 * A halted CPU stays halted (returns VMP_X86_HALT) until an event. */
int vmp_x86_step(struct vmp_x86_cpu *cpu, const struct vmp_x86_ops *ops,
                 void *ctx);

/* Up to max_steps vmp_x86_step calls; stops at the first result other
 * than VMP_X86_OK and returns it (VMP_X86_OK after max_steps). *done (may
 * be NULL) counts the steps that ran, the stopping one included. */
int vmp_x86_run(struct vmp_x86_cpu *cpu, const struct vmp_x86_ops *ops,
                void *ctx, uint64_t max_steps, uint64_t *done);

/* What vmp_x86_emulate_one changed. */
struct vmp_x86_changes {
    uint16_t gprs;      /* bit n: gpr[n] changed */
    uint8_t rip, rflags;
    uint8_t segs;       /* bit n: seg[n] changed */
    uint8_t sys;        /* CRs, EFER, descriptor tables, DRs, MSRs */
    uint8_t mmio_hit;   /* a data access reached the page of gpa */
};

/* The MMIO helper: fetch, decode and execute exactly one instruction at
 * CS:RIP (a VMM calls it after an MMIO exit at guest-physical address gpa;
 * the accesses reach the host through ops, so an MMIO-backed
 * read_phys/write_phys goes to the bus). Exceptions are not delivered: on
 * VMP_X86_EXCEPTION cpu->event holds what the VMM should inject (and
 * cpu->event is cleared first). A REP string instruction runs one chunk.
 * chg (may be NULL) reports what changed, and whether any access reached
 * gpa's page: if not, the guest changed its code or page tables under the
 * VMM, which may want to log it. */
int vmp_x86_emulate_one(struct vmp_x86_cpu *cpu, const struct vmp_x86_ops *ops,
                        void *ctx, uint64_t gpa, struct vmp_x86_changes *chg);

/* cpu->fpu as a 512-byte FXSAVE image in the 64-bit format (SDM Vol. 1
 * Table 10-2; KVM's XSAVE legacy area), and back. Loading takes FCW/FSW
 * as FXRSTOR does (reserved bits, ES/B) and returns -EINVAL, changing
 * nothing, for reserved MXCSR bits. */
void vmp_x86_fpu_to_fxsave(const struct vmp_x86_fpu *fpu, uint8_t img[512]);
int vmp_x86_fpu_from_fxsave(struct vmp_x86_fpu *fpu, const uint8_t img[512]);

/* True when insn reads or writes x87, MMX or SSE registers (a
 * hardware-assisted VMM must load cpu->fpu from the vCPU before emulating
 * it and store it back after). */
bool vmp_x86_insn_uses_fpu(const struct vmp_x86_insn *insn);

/* ---- translation (exposed for BIOS helpers and tests) ------------------- */

/* Access kinds for vmp_x86_translate. */
#define VMP_X86_ACC_READ 0u
#define VMP_X86_ACC_WRITE 1u
#define VMP_X86_ACC_FETCH 2u
#define VMP_X86_ACC_USER (1u << 4)   /* force a user-mode access */
#define VMP_X86_ACC_SYSTEM (1u << 5) /* implicit supervisor access (GDT,
                                        IDT, TSS): no SMAP, no U check */

/* Translate a linear address through the current paging mode, setting
 * accessed/dirty bits. Returns VMP_X86_OK with *gpa, or VMP_X86_EXCEPTION
 * with cpu->event = #PF and CR2 set. */
int vmp_x86_translate(struct vmp_x86_cpu *cpu, const struct vmp_x86_ops *ops,
                      void *ctx, uint64_t la, unsigned access, uint64_t *gpa);

#ifdef __cplusplus
}
#endif
#endif

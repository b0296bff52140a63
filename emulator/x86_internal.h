/* Internal definitions shared by the decoder, the opcode tables, the
 * translation code and the executor. Not installed. */
#ifndef VMP_X86_INTERNAL_H
#define VMP_X86_INTERNAL_H

#include <vmparts/x86emu.h>
#include <string.h>

/* ---- opcode table format ------------------------------------------------
 * Each map is a 256-entry table; ModRM-extended opcodes ("groups") point to
 * an 8-entry table indexed by ModRM.reg. An operand spec is one byte:
 * kind in bits 0-4, size class in bits 5-7. */
enum x86_kind {
    K_NONE = 0,
    K_E,   /* ModRM r/m: register or memory */
    K_M,   /* ModRM r/m: memory only (#UD for mod == 3) */
    K_G,   /* ModRM reg: general register */
    K_S,   /* ModRM reg: segment register */
    K_C,   /* ModRM reg: control register */
    K_D,   /* ModRM reg: debug register */
    K_R,   /* ModRM r/m as a register whatever mod says (MOV CR/DR) */
    K_I,   /* immediate of the size class */
    K_IS,  /* imm8 sign-extended to the operand size */
    K_ONE, /* the constant 1 (shift by one) */
    K_Z,   /* register in the opcode's low three bits (+REX.B) */
    K_ACC, /* AL / AX / EAX / RAX */
    K_CL,
    K_DX,  /* DX as a port number */
    K_J,   /* relative branch displacement */
    K_O,   /* moffs: an address-size offset, no ModRM */
    K_A,   /* far pointer immediate ptr16:16 / ptr16:32 */
    K_X,   /* string source DS:rSI (segment overridable) */
    K_Y,   /* string destination ES:rDI */
};

enum x86_size {
    SZ_0 = 0, /* no size / op decides */
    SZ_B,     /* byte */
    SZ_W,     /* word */
    SZ_D,     /* dword */
    SZ_Q,     /* qword */
    SZ_V,     /* operand size: 2, 4 or 8 */
    SZ_Z,     /* 2 for 16-bit operand size, else 4 (immediates) */
    SZ_M,     /* 8 in 64-bit mode, else 4 (CR/DR moves) */
};

#define OPND(k, s) ((uint8_t)((k) | ((s) << 5)))
#define OKIND(o) ((o) & 31)
#define OSIZE(o) ((o) >> 5)

/* Descriptor flags. */
#define F_MODRM 0x0001u  /* has a ModRM byte */
#define F_GRP 0x0002u    /* arg names a group table indexed by ModRM.reg */
#define F_LOCK 0x0004u   /* LOCK allowed (with a memory destination) */
#define F_NO64 0x0008u   /* #UD in 64-bit mode */
#define F_ONLY64 0x0010u /* #UD outside 64-bit mode */
#define F_DEF64 0x0020u  /* 64-bit default operand size in 64-bit mode */
#define F_FORCE64 0x0040u/* 64-bit operand size in 64-bit mode, 66 ignored */
#define F_REP 0x0080u    /* string instruction: honours REP prefixes */
#define F_SNAP 0x0100u   /* executor snapshots state (multi-part commit) */
#define F_PRIV 0x0200u   /* CPL 0 only: #GP(0) otherwise */
#define F_IMPLICIT_LOCK 0x0400u /* XCHG with memory: locked anyway */

/* Flag descriptor: the arithmetic flags an instruction writes (defined or
 * undefined). The executor never changes an arithmetic flag outside this
 * mask; tests check that. */
#define FL_C 0x01u
#define FL_P 0x02u
#define FL_A 0x04u
#define FL_Z 0x08u
#define FL_S 0x10u
#define FL_O 0x20u
#define FL_ALL 0x3fu
#define FL_SZP (FL_S | FL_Z | FL_P)
#define FL_NOC (FL_ALL & ~FL_C)
#define FL_SYS 0x40u /* writes non-arithmetic flags (IF, DF, TF, ...) */

struct x86_opent {
    uint8_t op;
    uint8_t arg;      /* op-specific: ALU function, condition, segment */
    uint8_t o[3];     /* operand specs, destination first */
    uint8_t fl;       /* FL_* written */
    uint16_t f;       /* F_* */
};

/* Operation ids. */
enum x86_op {
    OP_INVALID = 0, /* #UD */
    OP_UNIMPL,      /* valid encoding the executor does not implement */
    OP_ALU,         /* arg: 0 ADD 1 OR 2 ADC 3 SBB 4 AND 5 SUB 6 XOR 7 CMP */
    OP_TEST, OP_NOT, OP_NEG, OP_INC, OP_DEC,
    OP_MUL, OP_IMUL1, OP_IMUL, OP_DIV, OP_IDIV,
    OP_SHIFT,       /* arg from ModRM.reg: ROL ROR RCL RCR SHL SHR SAL SAR */
    OP_SHLD, OP_SHRD,
    OP_MOV, OP_MOVZX, OP_MOVSX, OP_MOVSXD, OP_LEA, OP_XCHG, OP_NOP,
    OP_PAUSE, OP_BSWAP, OP_CBW, OP_CWD, OP_LAHF, OP_SAHF, OP_XLAT,
    OP_MOV_TO_SEG, OP_MOV_FROM_SEG, OP_MOV_TO_CR, OP_MOV_FROM_CR,
    OP_MOV_TO_DR, OP_MOV_FROM_DR,
    OP_CMPXCHG, OP_CMPXCHG8B, OP_XADD,
    OP_SETCC, OP_CMOVCC, OP_JCC,   /* arg: condition 0..15 */
    OP_JMP, OP_JMP_IND, OP_JMP_FAR, OP_JMP_FAR_IND,
    OP_CALL, OP_CALL_IND, OP_CALL_FAR, OP_CALL_FAR_IND,
    OP_RET, OP_RETF, OP_IRET, OP_INT, OP_INT3, OP_INTO, OP_INT1,
    OP_LOOP,        /* arg: 0 LOOPNE 1 LOOPE 2 LOOP */
    OP_JCXZ, OP_ENTER, OP_LEAVE,
    OP_PUSH, OP_POP, OP_PUSH_SEG, OP_POP_SEG, OP_PUSHA, OP_POPA,
    OP_PUSHF, OP_POPF,
    OP_FLAGOP,      /* arg: 0 CLC 1 STC 2 CMC 3 CLD 4 STD */
    OP_CLI, OP_STI, OP_HLT,
    OP_IN, OP_OUT, OP_INS, OP_OUTS,
    OP_MOVS, OP_CMPS, OP_STOS, OP_LODS, OP_SCAS,
    OP_DAA, OP_DAS, OP_AAA, OP_AAS, OP_AAM, OP_AAD, OP_SALC,
    OP_BT,          /* arg: 0 BT 1 BTS 2 BTR 3 BTC */
    OP_BSF, OP_BSR, OP_TZCNT, OP_LZCNT, OP_POPCNT,
    OP_LGDT, OP_LIDT, OP_SGDT, OP_SIDT, OP_LLDT, OP_LTR, OP_SLDT, OP_STR,
    OP_LMSW, OP_SMSW, OP_LAR, OP_LSL, OP_VERR, OP_VERW, OP_CLTS,
    OP_INVLPG, OP_WBINVD,
    OP_CPUID, OP_RDMSR, OP_WRMSR, OP_RDTSC, OP_RDTSCP, OP_RDPMC,
    OP_UD,          /* UD0, UD1, UD2 */
    OP_LFP,         /* arg: segment (LES LDS LSS LFS LGS) */
    OP_BOUND, OP_ARPL,
    OP_SYSCALL, OP_SYSRET, OP_SYSENTER, OP_SYSEXIT, OP_SWAPGS,
    OP_CLAC, OP_STAC, OP_WAIT,
    OP_MOVBE,
    OP_ADX,         /* arg: 0 ADCX (carry in and out in CF) 1 ADOX (OF) */
    OP_X87,         /* D8-DF escape: x86_x87.c decodes ModRM itself */
    OP_SSE,         /* 0F-map MMX/SSE/SSE2 slot: x86_sse.c decodes opcode
                       and mandatory prefix; arg = 1 when an imm8 follows */
    OP_FXSTATE,     /* 0F AE memory forms, arg = ModRM.reg: FXSAVE FXRSTOR
                       LDMXCSR STMXCSR (XSAVE..) CLFLUSH */
    OP_COUNT
};

extern const struct x86_opent x86_map1[256];
extern const struct x86_opent x86_map2[256];
/* Groups, indexed by arg of an F_GRP entry, then ModRM.reg. Group entries
 * with mod == 3 use x86_groups_reg when that table's entry is not empty. */
enum {
    G1_80, G1_81, G1_82, G1_83, G1A_8F, G2_C0, G2_C1, G2_D0, G2_D1, G2_D2,
    G2_D3, G3_F6, G3_F7, G4_FE, G5_FF, G11_C6, G11_C7, G6_0F00, G7_0F01,
    G8_0FBA, G9_0FC7, G15_0FAE, G16_0F18, NR_GROUPS
};
extern const struct x86_opent x86_groups[NR_GROUPS][8];
/* mod == 3 forms that differ from the memory forms (0F 01, 0F C7, 0F AE) */
extern const struct x86_opent x86_groups_reg[NR_GROUPS][8];

/* ---- execution context ------------------------------------------------ */

struct x86_ctx {
    struct vmp_x86_cpu *cpu;
    const struct vmp_x86_ops *ops;
    void *opaque;
    const struct vmp_x86_insn *insn;
    uint64_t next_rip;
    unsigned mode; /* 16, 32, 64 */
    /* emulate_one: the guest-physical page that faulted, and whether a
     * data access reached it */
    uint64_t mmio_page;
    uint8_t check_mmio, mmio_hit;
    uint8_t rep_stopped; /* a REP string instruction stopped between iterations */
};

/* Internal return codes are the public results: 0 = VMP_X86_OK. */
#define TRY(x)                                                                 \
    do {                                                                       \
        int rc_ = (x);                                                         \
        if (rc_)                                                               \
            return rc_;                                                        \
    } while (0)

int x86_raise(struct x86_ctx *c, unsigned vec, int has_err, uint32_t err);
static inline int x86_gp(struct x86_ctx *c, uint32_t err)
{
    return x86_raise(c, VMP_X86_GP, 1, err);
}
static inline int x86_ud(struct x86_ctx *c) { return x86_raise(c, VMP_X86_UD, 0, 0); }

unsigned x86_cpu_mode(const struct vmp_x86_cpu *cpu); /* code size 16/32/64 */
static inline bool x86_long64(const struct vmp_x86_cpu *cpu)
{
    return (cpu->efer & VMP_EFER_LMA) && cpu->seg[VMP_CS].l;
}
static inline bool x86_real(const struct vmp_x86_cpu *cpu)
{
    return !(cpu->cr0 & VMP_CR0_PE);
}
static inline bool x86_vm86(const struct vmp_x86_cpu *cpu)
{
    return (cpu->cr0 & VMP_CR0_PE) && (cpu->rflags & VMP_FLAG_VM);
}

static inline uint64_t x86_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* Memory through segmentation and paging (x86_mmu.c). access is
 * VMP_X86_ACC_*; off is the effective address (already truncated to the
 * address size). */
int x86_seg_linear(struct x86_ctx *c, unsigned seg, uint64_t off, unsigned size,
                   unsigned access, uint64_t *la);
int x86_read_lin(struct x86_ctx *c, uint64_t la, void *buf, unsigned size,
                 unsigned access);
int x86_write_lin(struct x86_ctx *c, uint64_t la, const void *buf, unsigned size,
                  unsigned access);
int x86_read_mem(struct x86_ctx *c, unsigned seg, uint64_t off, void *buf,
                 unsigned size);
int x86_write_mem(struct x86_ctx *c, unsigned seg, uint64_t off,
                  const void *buf, unsigned size);
/* Check a write would pass segmentation and paging without writing. */
int x86_probe_write(struct x86_ctx *c, unsigned seg, uint64_t off, unsigned size);
int x86_read_phys(struct x86_ctx *c, uint64_t gpa, void *buf, unsigned len);
int x86_write_phys(struct x86_ctx *c, uint64_t gpa, const void *buf, unsigned len);
int x86_translate(struct x86_ctx *c, uint64_t la, unsigned access, uint64_t *gpa);

/* Descriptors (x86_seg.c). */
struct x86_desc {
    uint32_t lo, hi;
    uint32_t hi2; /* bits 64..95 of a 16-byte system descriptor */
};
void x86_desc_to_seg(const struct x86_desc *d, uint16_t sel, struct vmp_segment *s);
int x86_read_desc(struct x86_ctx *c, uint16_t sel, struct x86_desc *d,
                  unsigned vec, bool wide);
int x86_load_seg(struct x86_ctx *c, unsigned seg, uint16_t sel);
void x86_real_seg(struct vmp_segment *s, uint16_t sel, bool vm86);
int x86_far_transfer(struct x86_ctx *c, uint16_t sel, uint64_t off, int kind);
int x86_iret(struct x86_ctx *c);
int x86_deliver_event(struct x86_ctx *c, const struct vmp_x86_event *ev,
                      uint64_t ret_rip);

/* Far-transfer kinds for x86_far_transfer. */
enum { FAR_JMP, FAR_CALL, FAR_RET };

int x86_decode(struct vmp_x86_insn *insn, unsigned mode, const uint8_t *b,
               unsigned len);

/* ---- executor helpers (x86_exec.c) -------------------------------------- */

#define X86_ARITH (VMP_FLAG_CF | VMP_FLAG_PF | VMP_FLAG_AF | VMP_FLAG_ZF | \
                   VMP_FLAG_SF | VMP_FLAG_OF)

static inline void x86_set_flags(struct vmp_x86_cpu *cpu, uint64_t mask,
                                 uint64_t val)
{
    cpu->rflags = (cpu->rflags & ~mask) | (val & mask);
}

uint64_t x86_reg_get(const struct vmp_x86_cpu *cpu, unsigned reg, unsigned size,
                     bool hibyte);
void x86_reg_set(struct vmp_x86_cpu *cpu, unsigned reg, unsigned size,
                 bool hibyte, uint64_t v);
/* Write a register used as an address (rSI, rDI, rCX, rSP) of size bytes:
 * 16-bit keeps the upper bits, 32-bit zero-extends. */
static inline void x86_reg_set_addr(struct vmp_x86_cpu *cpu, unsigned reg,
                                    unsigned size, uint64_t v)
{
    x86_reg_set(cpu, reg, size, false, v);
}
/* Stack: address size of SS (2, 4 or 8). */
unsigned x86_stack_size(const struct x86_ctx *c);
int x86_push(struct x86_ctx *c, uint64_t v, unsigned size);
/* Read the value at the top of the stack (offset bytes above rSP)
 * without moving rSP. */
int x86_peek(struct x86_ctx *c, unsigned offset, uint64_t *v, unsigned size);
void x86_sp_add(struct x86_ctx *c, int64_t delta);
int x86_pop(struct x86_ctx *c, uint64_t *v, unsigned size);
bool x86_cond(const struct vmp_x86_cpu *cpu, unsigned cc);
int x86_check_io(struct x86_ctx *c, uint16_t port, unsigned size);
/* Jump to a near target in the current code segment (checks the CS limit
 * or canonical form). */
int x86_near_jump(struct x86_ctx *c, uint64_t target, unsigned opsize);

/* ALU with exact flags (x86_alu.c): result and new arithmetic flags. */
uint64_t x86_alu(unsigned fn, uint64_t a, uint64_t b, unsigned size,
                 uint64_t flags_in, uint64_t *flags_out);
uint64_t x86_szp(uint64_t res, unsigned size);
uint64_t x86_shift(unsigned fn, uint64_t a, unsigned count, unsigned size,
                   uint64_t flags_in, uint64_t *flags_out);
uint64_t x86_shld(bool right, uint64_t a, uint64_t b, unsigned count,
                  unsigned size, uint64_t flags_in, uint64_t *flags_out);

int x86_exec_string(struct x86_ctx *c);
int x86_execute_ctx(struct x86_ctx *c);
uint64_t x86_ea(const struct x86_ctx *c); /* effective address of insn->mem */
uint64_t x86_popf_mask(const struct x86_ctx *c, unsigned size);
int x86_exec_sys(struct x86_ctx *c, bool *handled);

/* x87, MMX and SSE (x86_fpu.c, x86_x87.c, x86_sse.c). */
enum { X86_FPU_X87, X86_FPU_MMX, X86_FPU_SSE };
/* The CR0.EM/TS and CR4.OSFXSR checks every x87 (X86_FPU_X87), MMX or SSE
 * instruction makes before anything else (SDM Vol. 3 Table 2-2, Vol. 1
 * §13.1.1): #UD or #NM, else 0. */
int x86_fpu_check(struct x86_ctx *c, unsigned kind);
/* The mandatory prefix of an SSE encoding: 0, 0x66, 0xF3 or 0xF2 (the last
 * F2/F3 wins and beats 66, SDM Vol. 2 §2.1.2). */
unsigned x86_sse_prefix(const struct vmp_x86_insn *in);
int x86_exec_fxstate(struct x86_ctx *c);  /* OP_FXSTATE */
int x86_exec_x87(struct x86_ctx *c);      /* OP_X87 */
int x86_exec_fwait(struct x86_ctx *c);    /* OP_WAIT */
int x86_exec_sse(struct x86_ctx *c);      /* OP_SSE */
int x86_exec_seg(struct x86_ctx *c, bool *handled);

#endif

/* Shared by the MMX/SSE/SSE2 executor files (x86_sse*.c). Not installed. */
#ifndef VMP_X86_SSE_INTERNAL_H
#define VMP_X86_SSE_INTERNAL_H

#include "x86_internal.h"

/* One MMX (low 8 bytes used) or XMM register value. The emulator assumes
 * a little-endian host, as the rest of it does. */
union v128 {
    uint8_t b[16];
    int8_t sb[16];
    uint16_t w[8];
    int16_t sw[8];
    uint32_t d[4];
    int32_t sd[4];
    uint64_t q[2];
    int64_t sq[2];
};

/* MXCSR fields (SDM Vol. 1 §10.2.3, Figure 10-3). */
#define MXCSR_IE 0x0001u
#define MXCSR_DE 0x0002u
#define MXCSR_ZE 0x0004u
#define MXCSR_OE 0x0008u
#define MXCSR_UE 0x0010u
#define MXCSR_PE 0x0020u
#define MXCSR_FLAGS 0x003fu
#define MXCSR_DAZ 0x0040u
#define MXCSR_MASKS 0x1f80u /* IM DM ZM OM UM PM, bits 7-12 */
#define MXCSR_RC 0x6000u
#define MXCSR_FTZ 0x8000u

/* A decoded SSE instruction: the fields every handler needs. */
struct sse {
    struct x86_ctx *c;
    const struct vmp_x86_insn *in;
    unsigned pfx;       /* mandatory prefix: 0, 0x66, 0xf3, 0xf2 */
    unsigned op;        /* opcode byte in the 0F map */
    unsigned reg, rm;   /* ModRM.reg / ModRM.rm extended by REX.R / REX.B */
    unsigned mreg, mrm; /* the same without REX (MMX register numbers) */
    bool mem;           /* r/m is a memory operand */
    bool rexw;          /* REX.W in 64-bit mode */
    uint8_t imm;
    bool mmx_done;      /* set by a handler: on success, enter MMX state */
    bool simd_fault;    /* set by sse_simd_fault (#XM or its #UD) */
};

/* Operand access (x86_sse.c). Reading r/m: an XMM or MMX register, or
 * `size` bytes of memory (the rest of *v zeroed); align16 makes a
 * misaligned 16-byte memory operand #GP(0) (SDM Vol. 1 §4.1.1). */
enum { RM_XMM, RM_MMX };
int sse_read_rm(struct sse *s, unsigned kind, unsigned size, bool align16,
                union v128 *v);
int sse_write_mem(struct sse *s, const void *buf, unsigned size, bool align16);
void sse_xmm_get(const struct sse *s, unsigned i, union v128 *v);
void sse_xmm_set(struct sse *s, unsigned i, const union v128 *v);
uint64_t sse_mm_get(const struct sse *s, unsigned i);
void sse_mm_set(struct sse *s, unsigned i, uint64_t v);
/* The checks before an MMX instruction: CR0.EM/TS (x86_fpu_check) and a
 * pending x87 exception (#MF). */
int sse_mmx_check(struct sse *s);
/* #XM or #UD for an unmasked SIMD floating-point exception (SDM Vol. 1
 * §11.5.1: #UD when CR4.OSXMMEXCPT is clear). */
int sse_simd_fault(struct sse *s);

/* Integer SIMD on n = 8 (MMX) or 16 (XMM) bytes (x86_sse_int.c). */
typedef void (*sse_intop)(union v128 *d, const union v128 *s, unsigned n);
/* The handler of a 0F-map integer opcode (PADD.., PCMP.., PUNPCK.., shifts
 * by register), or NULL. *mmx_m32 is set for the MMX forms that read only
 * 32 bits of memory (PUNPCKL*). *xmm_only for PUNPCKLQDQ/HQDQ. */
sse_intop sse_int_lookup(unsigned op, bool *mmx_m32, bool *xmm_only);
/* Shift groups 0F 71-73 by imm8: /2 SRL /4 SRA /6 SLL, 0F 73 /3 PSRLDQ
 * /7 PSLLDQ. Returns false for an undefined ModRM.reg. */
bool sse_shift_imm(unsigned op, unsigned ext, union v128 *v, unsigned count,
                   unsigned n);
void sse_pshuf(unsigned pfx, union v128 *d, const union v128 *s, uint8_t imm);
unsigned sse_pmovmskb(const union v128 *v, unsigned n);

/* Floating point (x86_sse_fp.c): the 0F-map FP opcodes. Returns
 * VMP_X86_UNHANDLED for an opcode it does not own. */
int sse_exec_fp(struct sse *s);

#endif

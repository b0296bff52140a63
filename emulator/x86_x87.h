/* x87 internals shared by the dispatcher (x86_x87.c), the control
 * instructions (x86_x87_ctl.c) and the host-FPU executor
 * (x86_x87_host.c). Not installed. */
#ifndef VMP_X86_X87_H
#define VMP_X86_X87_H

#include "x86_internal.h"

/* Numeric instructions need the host FPU (x86_x87_host.c); building with
 * -DVMP_X87_NO_HOST turns that off (numeric instructions are then
 * UNHANDLED, as on other hosts). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(VMP_X87_NO_HOST)
#define X87_HOST 1
#else
#define X87_HOST 0
#endif

/* FSW bits (SDM Vol. 1 §8.1.3, Figure 8-4) */
#define X87_IE 0x0001u
#define X87_DE 0x0002u
#define X87_ZE 0x0004u
#define X87_OE 0x0008u
#define X87_UE 0x0010u
#define X87_PE 0x0020u
#define X87_SF 0x0040u
#define X87_ES 0x0080u
#define X87_C0 0x0100u
#define X87_C1 0x0200u
#define X87_C2 0x0400u
#define X87_C3 0x4000u
#define X87_B 0x8000u
#define X87_EXC 0x003fu   /* the six exception flags (masks in FCW bits 0-5) */
#define X87_FLAGS 0x007fu /* ... plus SF */

/* FCW as the processor keeps it: bits 13-15 read as 0, bit 6 as 1
 * (measured: FLDCW 0xFFFF then FNSTCW gives 0x1F7F, FLDCW 0 gives 0x0040) */
static inline uint16_t x87_fcw_load(uint16_t v) { return (uint16_t)((v & 0x1f3f) | 0x40); }

static inline unsigned x87_top(const struct vmp_x86_fpu *f) { return (f->fsw >> 11) & 7; }

/* ES and B summarise the unmasked exception flags (Vol. 1 §8.1.3.1): the
 * hardware derives them, so every change to FSW or FCW goes through here. */
static inline void x87_sync_es(struct vmp_x86_fpu *f)
{
    f->fsw &= (uint16_t)~(X87_ES | X87_B);
    if (f->fsw & ~f->fcw & X87_EXC)
        f->fsw |= X87_ES | X87_B;
}

/* An unmasked exception is pending: the next waiting x87 instruction
 * raises #MF (Vol. 1 §8.6). */
static inline bool x87_pending(const struct vmp_x86_fpu *f)
{
    return (f->fsw & ~f->fcw & X87_EXC) != 0;
}

/* The 2-bit tag of physical register i from its contents (Vol. 1 §8.1.7):
 * 0 valid, 1 zero, 2 special (NaN, infinity, denormal, unsupported), 3
 * empty. */
unsigned x87_tag(const struct vmp_x86_fpu *f, unsigned phys);
uint16_t x87_full_tw(const struct vmp_x86_fpu *f);
/* FNINIT (Vol. 2 FINIT) */
void x87_init(struct vmp_x86_fpu *f);

/* Control instructions: FNINIT, FNCLEX, FLDCW, FNSTCW, FNSTSW, FNSTENV,
 * FLDENV, FNSAVE, FRSTOR. op is the escape (0-7 for D8-DF). */
int x87_exec_control(struct x86_ctx *c, unsigned op, unsigned modrm);

/* Run one numeric x87 instruction (escape op 0-7, ModRM modrm) on the host
 * FPU against the guest state f (in/out). Memory forms use the 16-byte
 * buffer buf as their operand. *rflags holds the guest's RFLAGS on entry
 * and the arithmetic flags the instruction left on return (FCOMI). Returns
 * 0, or VMP_X86_UNHANDLED when the host cannot run it. */
int x87_host_run(struct vmp_x86_fpu *f, unsigned op, unsigned modrm,
                 uint8_t buf[16], uint64_t *rflags);
/* FXCH, FLD ST(i), FST/FSTP ST(i), FLDZ, FLD1, FINCSTP, FDECSTP in C
 * when they raise nothing (x86_x87_fast.c): true if done. */
bool x87_fast(struct vmp_x86_fpu *f, unsigned op, unsigned modrm);
/* True when the host FPU can run FISTTP (SSE3). */
bool x87_host_has_fisttp(void);

#endif

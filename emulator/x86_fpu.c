/* What x87, MMX and SSE instructions share: the CR0/CR4 availability
 * checks, and the whole-state instructions of group 15 (FXSAVE, FXRSTOR,
 * LDMXCSR, STMXCSR) plus CLFLUSH. The arithmetic lives in x86_x87.c and
 * x86_sse.c. */
#include "x86_internal.h"

#include <errno.h>

int x86_fpu_check(struct x86_ctx *c, unsigned kind)
{
    const struct vmp_x86_cpu *cpu = c->cpu;
    /* SDM Vol. 3 Table 2-2: EM makes x87 code fault with #NM (for a
     * software emulator) but MMX/SSE code #UD; TS is #NM for all. SSE
     * also needs CR4.OSFXSR (Vol. 3 §13.1.3). */
    if (cpu->cr0 & VMP_CR0_EM)
        return kind == X86_FPU_X87 ? x86_raise(c, VMP_X86_NM, 0, 0) : x86_ud(c);
    if (kind == X86_FPU_SSE && !(cpu->cr4 & VMP_CR4_OSFXSR))
        return x86_ud(c);
    if (cpu->cr0 & VMP_CR0_TS)
        return x86_raise(c, VMP_X86_NM, 0, 0);
    return 0;
}

unsigned x86_sse_prefix(const struct vmp_x86_insn *in)
{
    /* the decoder keeps only the last of F2/F3 */
    if (in->prefixes & VMP_X86_PFX_REP)
        return 0xf3;
    if (in->prefixes & VMP_X86_PFX_REPNE)
        return 0xf2;
    if (in->prefixes & VMP_X86_PFX_OPSIZE)
        return 0x66;
    return 0;
}

bool vmp_x86_insn_uses_fpu(const struct vmp_x86_insn *in)
{
    return in->op == OP_X87 || in->op == OP_SSE || in->op == OP_WAIT ||
           (in->op == OP_FXSTATE && in->arg <= 3);
}

/* FXSAVE image offsets (SDM Vol. 1 §10.5.1, Table 10-2). Bytes 464..511
 * belong to software and are never written. */
enum {
    FX_FCW = 0, FX_FSW = 2, FX_FTW = 4, FX_FOP = 6, FX_FIP = 8, FX_FCS = 12,
    FX_FDP = 16, FX_FDS = 20, FX_MXCSR = 24, FX_MXCSR_MASK = 28, FX_ST = 32,
    FX_XMM = 160, FX_LEN = 464, FX_IMG = 512,
};

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* XMM8-15 exist only in 64-bit mode (Vol. 1 §10.5.1: FXSAVE/FXRSTOR
 * outside it neither store nor load them). */
static unsigned nr_xmm(const struct x86_ctx *c) { return c->mode == 64 ? 16 : 8; }

static void fx_store(const struct vmp_x86_fpu *f, uint8_t *img, bool rexw, unsigned nxmm)
{
    put16(img + FX_FCW, f->fcw);
    put16(img + FX_FSW, f->fsw);
    img[FX_FTW] = f->ftw;
    img[FX_FTW + 1] = 0;
    put16(img + FX_FOP, f->fop & 0x7ff);
    if (rexw) { /* FXSAVE64: 64-bit pointers, no selectors */
        put64(img + FX_FIP, f->fip);
        put64(img + FX_FDP, f->fdp);
    } else {
        put32(img + FX_FIP, (uint32_t)f->fip);
        put16(img + FX_FCS, f->fcs);
        put16(img + FX_FCS + 2, 0);
        put32(img + FX_FDP, (uint32_t)f->fdp);
        put16(img + FX_FDS, f->fds);
        put16(img + FX_FDS + 2, 0);
    }
    put32(img + FX_MXCSR, f->mxcsr);
    put32(img + FX_MXCSR_MASK, VMP_X86_MXCSR_MASK);
    unsigned top = (f->fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++) { /* stack order: ST(0) first */
        const struct vmp_x87_reg *r = &f->st[(top + i) & 7];
        uint8_t *p = img + FX_ST + 16 * i;
        put64(p, r->mant);
        put16(p + 8, r->sexp);
        memset(p + 10, 0, 6);
    }
    for (unsigned i = 0; i < nxmm; i++) {
        put64(img + FX_XMM + 16 * i, f->xmm[i][0]);
        put64(img + FX_XMM + 16 * i + 8, f->xmm[i][1]);
    }
}

/* Validate first, commit only when the whole image is acceptable:
 * -EINVAL for reserved MXCSR bits (FXRSTOR raises #GP(0) for them). */
static int fx_load(struct vmp_x86_fpu *dst, const uint8_t *img, bool rexw, unsigned nxmm)
{
    struct vmp_x86_fpu f = *dst;
    uint32_t mxcsr = get32(img + FX_MXCSR);
    if (mxcsr & ~VMP_X86_MXCSR_MASK)
        return -EINVAL;
    /* FCW bit 6 reads as 1 and bits 7, 13-15 as 0; FSW's ES and B say
     * whether an exception flag is unmasked (measured on the CPU by the
     * differential test; SDM Vol. 1 §8.1.3, §8.1.5) */
    f.fcw = (uint16_t)((get16(img + FX_FCW) & 0x1f3f) | 0x40);
    f.fsw = get16(img + FX_FSW) & (uint16_t)~0x8080;
    if (f.fsw & ~f.fcw & 0x3f)
        f.fsw |= 0x8080;
    f.ftw = img[FX_FTW];
    f.fop = get16(img + FX_FOP) & 0x7ff;
    if (rexw) {
        f.fip = get64(img + FX_FIP);
        f.fdp = get64(img + FX_FDP);
        f.fcs = f.fds = 0;
    } else {
        f.fip = get32(img + FX_FIP);
        f.fcs = get16(img + FX_FCS);
        f.fdp = get32(img + FX_FDP);
        f.fds = get16(img + FX_FDS);
    }
    f.mxcsr = mxcsr;
    unsigned top = (f.fsw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++) {
        struct vmp_x87_reg *r = &f.st[(top + i) & 7];
        r->mant = get64(img + FX_ST + 16 * i);
        r->sexp = get16(img + FX_ST + 16 * i + 8);
    }
    for (unsigned i = 0; i < nxmm; i++) {
        f.xmm[i][0] = get64(img + FX_XMM + 16 * i);
        f.xmm[i][1] = get64(img + FX_XMM + 16 * i + 8);
    }
    *dst = f;
    return 0;
}

void vmp_x86_fpu_to_fxsave(const struct vmp_x86_fpu *f, uint8_t img[512])
{
    fx_store(f, img, true, 16);
}

int vmp_x86_fpu_from_fxsave(struct vmp_x86_fpu *f, const uint8_t img[512])
{
    return fx_load(f, img, true, 16);
}

static int exec_fxsave_fxrstor(struct x86_ctx *c, bool save)
{
    const struct vmp_x86_insn *in = c->insn;
    /* FXSAVE/FXRSTOR: #NM for CR0.EM or CR0.TS (SDM Vol. 2 FXSAVE) */
    TRY(x86_fpu_check(c, X86_FPU_X87));
    uint64_t la;
    unsigned seg = in->mem.seg;
    uint64_t ea = x86_ea(c);
    TRY(x86_seg_linear(c, seg, ea, FX_IMG, save ? VMP_X86_ACC_WRITE : VMP_X86_ACC_READ,
                       &la));
    if (la & 15)
        return x86_gp(c, 0); /* 16-byte alignment, whatever the segment */
    bool rexw = c->mode == 64 && (in->rex & 8);
    uint8_t img[FX_IMG];
    if (save) {
        /* the whole 512-byte image must be writable (the CPU faults on
         * bytes 464..511 too, measured by the differential test), but
         * those bytes are software's: read, overlay, write 0..463 */
        TRY(x86_probe_write(c, seg, ea, FX_IMG));
        TRY(x86_read_lin(c, la, img, FX_LEN, VMP_X86_ACC_WRITE));
        fx_store(&c->cpu->fpu, img, rexw, nr_xmm(c));
        return x86_write_lin(c, la, img, FX_LEN, VMP_X86_ACC_WRITE);
    }
    TRY(x86_read_lin(c, la, img, FX_IMG, VMP_X86_ACC_READ));
    if (fx_load(&c->cpu->fpu, img, rexw, nr_xmm(c)) < 0)
        return x86_gp(c, 0);
    return 0;
}

int x86_exec_fxstate(struct x86_ctx *c)
{
    const struct vmp_x86_insn *in = c->insn;
    uint64_t ea = x86_ea(c);
    uint32_t v;
    switch (in->arg) {
    case 0:
    case 1:
        return exec_fxsave_fxrstor(c, in->arg == 0);
    case 2: /* LDMXCSR: reserved bits #GP(0) (SDM Vol. 2 LDMXCSR) */
        TRY(x86_fpu_check(c, X86_FPU_SSE));
        TRY(x86_read_mem(c, in->mem.seg, ea, &v, 4));
        if (v & ~VMP_X86_MXCSR_MASK)
            return x86_gp(c, 0);
        c->cpu->fpu.mxcsr = v;
        return 0;
    case 3: /* STMXCSR */
        TRY(x86_fpu_check(c, X86_FPU_SSE));
        v = c->cpu->fpu.mxcsr;
        return x86_write_mem(c, in->mem.seg, ea, &v, 4);
    case 7: { /* CLFLUSH: checked like a byte load; no cache to flush */
        uint64_t la, gpa;
        TRY(x86_seg_linear(c, in->mem.seg, ea, 1, VMP_X86_ACC_READ, &la));
        return x86_translate(c, la, VMP_X86_ACC_READ, &gpa);
    }
    default:
        return VMP_X86_UNHANDLED;
    }
}

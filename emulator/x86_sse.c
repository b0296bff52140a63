/* MMX, SSE and SSE2 (0F-map slots marked OP_SSE): decoding of the opcode
 * and mandatory prefix, operand access, the MMX state transition, data
 * movement, bitwise logic, shuffles and the integer SIMD glue. The
 * arithmetic is in x86_sse_int.c (integer) and x86_sse_fp.c (floating
 * point). What a CPU reporting MMX, SSE and SSE2 but nothing newer
 * executes: SSE3 encodings in this map (0F 12/16 with F2/F3, 0F 7C/7D,
 * 0F D0, F2 0F F0) are #UD. */
#include "x86_sse_internal.h"

/* ---- registers ------------------------------------------------------- */

void sse_xmm_get(const struct sse *s, unsigned i, union v128 *v)
{
    v->q[0] = s->c->cpu->fpu.xmm[i & 15][0];
    v->q[1] = s->c->cpu->fpu.xmm[i & 15][1];
}

void sse_xmm_set(struct sse *s, unsigned i, const union v128 *v)
{
    s->c->cpu->fpu.xmm[i & 15][0] = v->q[0];
    s->c->cpu->fpu.xmm[i & 15][1] = v->q[1];
}

uint64_t sse_mm_get(const struct sse *s, unsigned i)
{
    return s->c->cpu->fpu.st[i & 7].mant;
}

/* A write to MMi sets bits 64-79 of R(i) to all ones (SDM Vol. 3A §12.2,
 * Vol. 1 §9.5.1), so x87 code sees a NaN there. */
void sse_mm_set(struct sse *s, unsigned i, uint64_t v)
{
    s->c->cpu->fpu.st[i & 7].mant = v;
    s->c->cpu->fpu.st[i & 7].sexp = 0xffff;
    s->mmx_done = true;
}

/* ---- checks ------------------------------------------------------------ */

int sse_mmx_check(struct sse *s)
{
    TRY(x86_fpu_check(s->c, X86_FPU_MMX));
    /* A pending x87 exception (FSW.ES) is reported as #MF before the MMX
     * instruction runs, with the x87 state untouched (SDM Vol. 3A §12.5.1;
     * Vol. 2 lists "#MF If there is a pending FPU exception" for each). */
    if (s->c->cpu->fpu.fsw & 0x80)
        return x86_raise(s->c, VMP_X86_MF, 0, 0);
    return 0;
}

static int sse_check(struct sse *s)
{
    return x86_fpu_check(s->c, X86_FPU_SSE);
}

/* An SSE instruction with an MMX register operand (CVTPI2PS xmm, mm...,
 * MOVQ2DQ, MOVDQ2Q): SSE availability, then a pending x87 exception. */
static int sse_mmx_reg_check(struct sse *s)
{
    TRY(sse_check(s));
    if (s->c->cpu->fpu.fsw & 0x80)
        return x86_raise(s->c, VMP_X86_MF, 0, 0);
    return 0;
}

int sse_simd_fault(struct sse *s)
{
    s->simd_fault = true;
    if (s->c->cpu->cr4 & VMP_CR4_OSXMMEXCPT)
        return x86_raise(s->c, VMP_X86_XM, 0, 0);
    return x86_ud(s->c);
}

/* ---- memory ------------------------------------------------------------ */

static int mem_access(struct sse *s, void *buf, unsigned size, bool align16,
                      bool write)
{
    struct x86_ctx *c = s->c;
    unsigned acc = write ? VMP_X86_ACC_WRITE : VMP_X86_ACC_READ;
    uint64_t la;
    TRY(x86_seg_linear(c, s->in->mem.seg, x86_ea(c), size, acc, &la));
    /* legacy SSE 16-byte operands: #GP(0) unless 16-byte aligned (SDM
     * Vol. 1 §4.1.1, Vol. 2 Table 2-18 "Type 1"/"Type 2" exceptions) */
    if (align16 && (la & 15))
        return x86_gp(c, 0);
    return write ? x86_write_lin(c, la, buf, size, acc)
                 : x86_read_lin(c, la, buf, size, acc);
}

int sse_read_rm(struct sse *s, unsigned kind, unsigned size, bool align16,
                union v128 *v)
{
    memset(v, 0, sizeof(*v));
    if (!s->mem) {
        if (kind == RM_XMM)
            sse_xmm_get(s, s->rm, v);
        else
            v->q[0] = sse_mm_get(s, s->mrm);
        return 0;
    }
    return mem_access(s, v, size, align16, false);
}

int sse_write_mem(struct sse *s, const void *buf, unsigned size, bool align16)
{
    return mem_access(s, (void *)buf, size, align16, true);
}

/* ---- data movement ---------------------------------------------------- */

/* 0F 10/11: MOVUPS MOVUPD (unaligned), MOVSS MOVSD (scalar). */
static int mov_ups_ss(struct sse *s, bool store)
{
    TRY(sse_check(s));
    unsigned sz = s->pfx == 0xf3 ? 4 : s->pfx == 0xf2 ? 8 : 16;
    union v128 a, d;
    if (!store) {
        TRY(sse_read_rm(s, RM_XMM, sz, false, &a));
        sse_xmm_get(s, s->reg, &d);
        if (sz == 16 || s->mem) /* a scalar load from memory clears the rest */
            d = a;
        else
            memcpy(&d, &a, sz);
        sse_xmm_set(s, s->reg, &d);
        return 0;
    }
    sse_xmm_get(s, s->reg, &a);
    if (s->mem)
        return sse_write_mem(s, &a, sz, false);
    sse_xmm_get(s, s->rm, &d);
    memcpy(&d, &a, sz);
    sse_xmm_set(s, s->rm, &d);
    return 0;
}

/* 0F 12/13/16/17: MOVLPS MOVHLPS MOVLPD, MOVHPS MOVLHPS MOVHPD. */
static int mov_lh(struct sse *s)
{
    bool high = s->op >= 0x16, store = s->op & 1;
    if (s->pfx != 0 && s->pfx != 0x66)
        return x86_ud(s->c); /* MOVSLDUP, MOVDDUP, MOVSHDUP: SSE3 */
    if (!s->mem && (store || s->pfx == 0x66))
        return x86_ud(s->c); /* the register forms are MOVHLPS/MOVLHPS only */
    TRY(sse_check(s));
    union v128 d, a;
    sse_xmm_get(s, s->reg, &d);
    if (store)
        return sse_write_mem(s, &d.q[high], 8, false);
    TRY(sse_read_rm(s, RM_XMM, 8, false, &a));
    if (!s->mem) /* MOVHLPS: high of the source; MOVLHPS: low */
        a.q[0] = high ? a.q[0] : a.q[1];
    d.q[high] = a.q[0];
    sse_xmm_set(s, s->reg, &d);
    return 0;
}

/* 0F 28/29 MOVAPS MOVAPD, 66/F3 0F 6F/7F MOVDQA MOVDQU. */
static int mov_full(struct sse *s, bool store, bool align)
{
    TRY(sse_check(s));
    union v128 a;
    if (!store) {
        TRY(sse_read_rm(s, RM_XMM, 16, align, &a));
        sse_xmm_set(s, s->reg, &a);
        return 0;
    }
    sse_xmm_get(s, s->reg, &a);
    if (s->mem)
        return sse_write_mem(s, &a, 16, align);
    sse_xmm_set(s, s->rm, &a);
    return 0;
}

/* 0F 6E / 0F 7E: MOVD/MOVQ between a general register or memory and an
 * MMX or XMM register (REX.W: 64 bits), F3 0F 7E MOVQ xmm, xmm/m64. */
static int mov_d(struct sse *s, bool store)
{
    struct vmp_x86_cpu *cpu = s->c->cpu;
    unsigned sz = s->rexw ? 8 : 4;
    bool xmm = s->pfx == 0x66;
    union v128 v;
    if (s->pfx == 0xf3 && store) { /* MOVQ xmm, xmm/m64 */
        TRY(sse_check(s));
        TRY(sse_read_rm(s, RM_XMM, 8, false, &v));
        v.q[1] = 0;
        sse_xmm_set(s, s->reg, &v);
        return 0;
    }
    if (s->pfx != 0 && !xmm)
        return x86_ud(s->c);
    TRY(xmm ? sse_check(s) : sse_mmx_check(s));
    if (!store) {
        memset(&v, 0, sizeof(v));
        if (s->mem)
            TRY(x86_read_mem(s->c, s->in->mem.seg, x86_ea(s->c), &v, sz));
        else
            v.q[0] = cpu->gpr[s->rm] & x86_mask(sz);
        if (xmm)
            sse_xmm_set(s, s->reg, &v);
        else
            sse_mm_set(s, s->mreg, v.q[0]);
        return 0;
    }
    if (xmm)
        sse_xmm_get(s, s->reg, &v);
    else
        v.q[0] = sse_mm_get(s, s->mreg);
    if (s->mem)
        TRY(x86_write_mem(s->c, s->in->mem.seg, x86_ea(s->c), &v, sz));
    else
        x86_reg_set(cpu, s->rm, sz, false, v.q[0]);
    if (!xmm)
        s->mmx_done = true;
    return 0;
}

/* 0F 6F/7F without prefix: MOVQ mm, mm/m64 and MOVQ mm/m64, mm. */
static int mov_mmq(struct sse *s, bool store)
{
    TRY(sse_mmx_check(s));
    union v128 v;
    if (!store) {
        TRY(sse_read_rm(s, RM_MMX, 8, false, &v));
        sse_mm_set(s, s->mreg, v.q[0]);
        return 0;
    }
    uint64_t x = sse_mm_get(s, s->mreg);
    if (s->mem)
        TRY(sse_write_mem(s, &x, 8, false));
    else
        sse_mm_set(s, s->mrm, x);
    s->mmx_done = true;
    return 0;
}

/* 0F D6: 66 MOVQ xmm/m64, xmm; F3 MOVQ2DQ xmm, mm; F2 MOVDQ2Q mm, xmm. */
static int mov_d6(struct sse *s)
{
    union v128 v;
    if (s->pfx == 0x66) {
        TRY(sse_check(s));
        sse_xmm_get(s, s->reg, &v);
        if (s->mem)
            return sse_write_mem(s, &v, 8, false);
        v.q[1] = 0;
        sse_xmm_set(s, s->rm, &v);
        return 0;
    }
    if (s->pfx == 0 || s->mem)
        return x86_ud(s->c);
    TRY(sse_mmx_reg_check(s));
    if (s->pfx == 0xf3) {
        v.q[0] = sse_mm_get(s, s->mrm);
        v.q[1] = 0;
        sse_xmm_set(s, s->reg, &v);
        s->mmx_done = true;
    } else {
        sse_xmm_get(s, s->rm, &v);
        sse_mm_set(s, s->mreg, v.q[0]);
    }
    return 0;
}

/* 0F 2B MOVNTPS/PD, 0F E7 MOVNTQ/MOVNTDQ (the hint is not modelled). */
static int mov_nt(struct sse *s)
{
    if (!s->mem)
        return x86_ud(s->c);
    union v128 v;
    if (s->op == 0xe7 && s->pfx == 0) {
        TRY(sse_mmx_check(s));
        uint64_t x = sse_mm_get(s, s->mreg);
        TRY(sse_write_mem(s, &x, 8, false));
        s->mmx_done = true;
        return 0;
    }
    TRY(sse_check(s));
    sse_xmm_get(s, s->reg, &v);
    return sse_write_mem(s, &v, 16, true);
}

/* 0F C3 MOVNTI m32/m64, r: an integer store, no x87/SSE state checks
 * (SDM Vol. 2 MOVNTI exceptions). */
static int movnti(struct sse *s)
{
    if (!s->mem || s->pfx != 0)
        return x86_ud(s->c);
    unsigned sz = s->rexw ? 8 : 4;
    uint64_t v = s->c->cpu->gpr[s->reg];
    return x86_write_mem(s->c, s->in->mem.seg, x86_ea(s->c), &v, sz);
}

/* 0F F7 MASKMOVQ / 66 0F F7 MASKMOVDQU: store the bytes whose mask byte
 * has bit 7 set to DS:rDI (segment overridable). The whole span is
 * checked for writing first so a fault stores nothing; an all-zero mask
 * touches no memory (SDM Vol. 2 MASKMOVDQU leaves it to the
 * implementation). */
static int maskmov(struct sse *s)
{
    struct x86_ctx *c = s->c;
    const struct vmp_x86_insn *in = s->in;
    bool xmm = s->pfx == 0x66;
    unsigned n = xmm ? 16 : 8;
    if ((s->pfx != 0 && !xmm) || s->mem)
        return x86_ud(c);
    TRY(xmm ? sse_check(s) : sse_mmx_check(s));
    union v128 data, mask;
    if (xmm) {
        sse_xmm_get(s, s->reg, &data);
        sse_xmm_get(s, s->rm, &mask);
    } else {
        data.q[0] = sse_mm_get(s, s->mreg);
        mask.q[0] = sse_mm_get(s, s->mrm);
        s->mmx_done = true;
    }
    unsigned seg = (in->prefixes & VMP_X86_PFX_SEG) ? in->seg_override : VMP_DS;
    uint64_t am = x86_mask(in->adsize);
    uint64_t addr = c->cpu->gpr[VMP_RDI] & am;
    if (!sse_pmovmskb(&mask, n))
        return 0;
    TRY(x86_probe_write(c, seg, addr, n));
    for (unsigned i = 0; i < n;) {
        if (!(mask.b[i] & 0x80)) {
            i++;
            continue;
        }
        unsigned j = i;
        while (j < n && (mask.b[j] & 0x80))
            j++;
        TRY(x86_write_mem(c, seg, (addr + i) & am, &data.b[i], j - i));
        i = j;
    }
    return 0;
}

/* ---- packed single/double bit operations ------------------------------ */

/* 0F 14/15 UNPCKL/H PS/PD, 0F 54-57 AND ANDN OR XOR PS/PD, 0F C6 SHUFPS/PD. */
static int ps_bitop(struct sse *s)
{
    if (s->pfx != 0 && s->pfx != 0x66)
        return x86_ud(s->c);
    TRY(sse_check(s));
    union v128 d, a, r;
    TRY(sse_read_rm(s, RM_XMM, 16, true, &a));
    sse_xmm_get(s, s->reg, &d);
    bool pd = s->pfx == 0x66;
    switch (s->op) {
    case 0x14:
        if (pd) {
            r.q[0] = d.q[0]; r.q[1] = a.q[0];
        } else {
            r.d[0] = d.d[0]; r.d[1] = a.d[0]; r.d[2] = d.d[1]; r.d[3] = a.d[1];
        }
        break;
    case 0x15:
        if (pd) {
            r.q[0] = d.q[1]; r.q[1] = a.q[1];
        } else {
            r.d[0] = d.d[2]; r.d[1] = a.d[2]; r.d[2] = d.d[3]; r.d[3] = a.d[3];
        }
        break;
    case 0x54: r.q[0] = d.q[0] & a.q[0]; r.q[1] = d.q[1] & a.q[1]; break;
    case 0x55: r.q[0] = ~d.q[0] & a.q[0]; r.q[1] = ~d.q[1] & a.q[1]; break;
    case 0x56: r.q[0] = d.q[0] | a.q[0]; r.q[1] = d.q[1] | a.q[1]; break;
    case 0x57: r.q[0] = d.q[0] ^ a.q[0]; r.q[1] = d.q[1] ^ a.q[1]; break;
    default: /* 0xc6 */
        if (pd) {
            r.q[0] = d.q[s->imm & 1];
            r.q[1] = a.q[(s->imm >> 1) & 1];
        } else {
            r.d[0] = d.d[s->imm & 3];
            r.d[1] = d.d[(s->imm >> 2) & 3];
            r.d[2] = a.d[(s->imm >> 4) & 3];
            r.d[3] = a.d[(s->imm >> 6) & 3];
        }
        break;
    }
    sse_xmm_set(s, s->reg, &r);
    return 0;
}

/* 0F 50 MOVMSKPS / 66 0F 50 MOVMSKPD: sign bits to a general register. */
static int movmsk(struct sse *s)
{
    if ((s->pfx != 0 && s->pfx != 0x66) || s->mem)
        return x86_ud(s->c);
    TRY(sse_check(s));
    union v128 a;
    sse_xmm_get(s, s->rm, &a);
    unsigned m;
    if (s->pfx == 0x66)
        m = (unsigned)(a.q[0] >> 63) | (unsigned)(a.q[1] >> 63) << 1;
    else
        m = (a.d[0] >> 31) | (a.d[1] >> 31) << 1 | (a.d[2] >> 31) << 2 |
            (a.d[3] >> 31) << 3;
    x86_reg_set(s->c->cpu, s->reg, 4, false, m);
    return 0;
}

/* ---- integer SIMD glue ------------------------------------------------ */

/* The check for an integer instruction on MMX (no prefix) or XMM (66). */
static int int_check(struct sse *s, unsigned *n)
{
    if (s->pfx == 0x66) {
        *n = 16;
        return sse_check(s);
    }
    if (s->pfx != 0)
        return x86_ud(s->c);
    *n = 8;
    return sse_mmx_check(s);
}

static void int_get_reg(struct sse *s, unsigned n, bool rm, union v128 *v)
{
    if (n == 16) {
        sse_xmm_get(s, rm ? s->rm : s->reg, v);
    } else {
        v->q[0] = sse_mm_get(s, rm ? s->mrm : s->mreg);
        v->q[1] = 0;
    }
}

static void int_set_reg(struct sse *s, unsigned n, bool rm, const union v128 *v)
{
    if (n == 16)
        sse_xmm_set(s, rm ? s->rm : s->reg, v);
    else
        sse_mm_set(s, rm ? s->mrm : s->mreg, v->q[0]);
}

static int int_binop(struct sse *s, sse_intop fn, bool mmx_m32, bool xmm_only)
{
    unsigned n;
    if (xmm_only && s->pfx != 0x66)
        return x86_ud(s->c);
    TRY(int_check(s, &n));
    union v128 d, a;
    TRY(sse_read_rm(s, n == 16 ? RM_XMM : RM_MMX, n == 16 ? 16 : mmx_m32 ? 4 : 8,
                    n == 16, &a));
    int_get_reg(s, n, false, &d);
    fn(&d, &a, n);
    int_set_reg(s, n, false, &d);
    return 0;
}

/* 0F 70: PSHUFW (MMX), PSHUFD, PSHUFHW, PSHUFLW. */
static int pshuf(struct sse *s)
{
    union v128 d, a;
    if (s->pfx == 0) {
        TRY(sse_mmx_check(s));
        TRY(sse_read_rm(s, RM_MMX, 8, false, &a));
        sse_pshuf(0, &d, &a, s->imm);
        sse_mm_set(s, s->mreg, d.q[0]);
        return 0;
    }
    TRY(sse_check(s));
    TRY(sse_read_rm(s, RM_XMM, 16, true, &a));
    sse_pshuf(s->pfx, &d, &a, s->imm);
    sse_xmm_set(s, s->reg, &d);
    return 0;
}

/* 0F 71/72/73: shifts by an immediate, register operand only. */
static int shift_imm(struct sse *s)
{
    unsigned n = s->pfx == 0x66 ? 16 : 8;
    union v128 v;
    if (s->mem || (s->pfx != 0 && s->pfx != 0x66))
        return x86_ud(s->c);
    int_get_reg(s, n, true, &v);
    if (!sse_shift_imm(s->op, s->mreg, &v, s->imm, n))
        return x86_ud(s->c);
    TRY(int_check(s, &n));
    int_get_reg(s, n, true, &v);
    sse_shift_imm(s->op, s->mreg, &v, s->imm, n);
    int_set_reg(s, n, true, &v);
    return 0;
}

/* 0F C4 PINSRW, 0F C5 PEXTRW, 0F D7 PMOVMSKB. */
static int pinsr_pextr_movmsk(struct sse *s)
{
    struct vmp_x86_cpu *cpu = s->c->cpu;
    unsigned n;
    union v128 v;
    if (s->op != 0xc4 && s->mem)
        return x86_ud(s->c); /* PEXTRW/PMOVMSKB take register operands */
    TRY(int_check(s, &n));
    unsigned idx = s->imm & (n / 2 - 1);
    if (s->op == 0xc4) {
        uint16_t w;
        if (s->mem)
            TRY(x86_read_mem(s->c, s->in->mem.seg, x86_ea(s->c), &w, 2));
        else
            w = (uint16_t)cpu->gpr[s->rm];
        int_get_reg(s, n, false, &v);
        v.w[idx] = w;
        int_set_reg(s, n, false, &v);
        return 0;
    }
    int_get_reg(s, n, true, &v);
    uint64_t r = s->op == 0xc5 ? v.w[idx] : sse_pmovmskb(&v, n);
    x86_reg_set(cpu, s->reg, 4, false, r);
    if (n == 8)
        s->mmx_done = true;
    return 0;
}

/* 0F 77 EMMS: all x87 tags empty (SDM Vol. 2 EMMS). */
static int emms(struct sse *s)
{
    if (s->pfx != 0)
        return x86_ud(s->c);
    TRY(sse_mmx_check(s));
    /* like every MMX instruction it also sets TOP = 0 (SDM Vol. 3A §12.2,
     * Table 12-2; checked against hardware) */
    s->c->cpu->fpu.fsw &= (uint16_t)~0x3800u;
    s->c->cpu->fpu.ftw = 0;
    return 0;
}

static bool ps_pd_only(unsigned pfx) { return pfx == 0 || pfx == 0x66; }

static int dispatch(struct sse *s)
{
    switch (s->op) {
    case 0x10: case 0x11:
        return mov_ups_ss(s, s->op == 0x11);
    case 0x12: case 0x13: case 0x16: case 0x17:
        return mov_lh(s);
    case 0x14: case 0x15: case 0x54: case 0x55: case 0x56: case 0x57: case 0xc6:
        return ps_bitop(s);
    case 0x28: case 0x29:
        if (!ps_pd_only(s->pfx))
            return x86_ud(s->c);
        return mov_full(s, s->op == 0x29, true);
    case 0x2b:
        if (!ps_pd_only(s->pfx))
            return x86_ud(s->c);
        return mov_nt(s);
    case 0x50:
        return movmsk(s);
    case 0x6e: case 0x7e:
        return mov_d(s, s->op == 0x7e);
    case 0x6f: case 0x7f:
        if (s->pfx == 0)
            return mov_mmq(s, s->op == 0x7f);
        if (s->pfx == 0xf2)
            return x86_ud(s->c);
        return mov_full(s, s->op == 0x7f, s->pfx == 0x66);
    case 0x70:
        return pshuf(s);
    case 0x71: case 0x72: case 0x73:
        return shift_imm(s);
    case 0x77:
        return emms(s);
    case 0xc3:
        return movnti(s);
    case 0xc4: case 0xc5: case 0xd7:
        return pinsr_pextr_movmsk(s);
    case 0xd6:
        return mov_d6(s);
    case 0xe7:
        if (!ps_pd_only(s->pfx))
            return x86_ud(s->c);
        return mov_nt(s);
    case 0xf7:
        return maskmov(s);
    default:
        break;
    }
    bool m32 = false, xonly = false;
    sse_intop fn = sse_int_lookup(s->op, &m32, &xonly);
    if (fn)
        return int_binop(s, fn, m32, xonly);
    switch (s->op) {
    case 0x2e: case 0x2f: /* (U)COMISS/SD */
        if (!ps_pd_only(s->pfx))
            return x86_ud(s->c);
        return sse_exec_fp(s);
    case 0x52: case 0x53: /* RSQRT, RCP: PS and SS only */
        if (s->pfx != 0 && s->pfx != 0xf3)
            return x86_ud(s->c);
        return sse_exec_fp(s);
    case 0x5b: /* CVTDQ2PS CVTPS2DQ CVTTPS2DQ */
        if (s->pfx == 0xf2)
            return x86_ud(s->c);
        return sse_exec_fp(s);
    case 0xe6: /* CVTTPD2DQ CVTDQ2PD CVTPD2DQ */
        if (s->pfx == 0)
            return x86_ud(s->c);
        return sse_exec_fp(s);
    case 0x2a: case 0x2c: case 0x2d: case 0x51: case 0x58: case 0x59: case 0x5a:
    case 0x5c: case 0x5d: case 0x5e: case 0x5f: case 0xc2:
        return sse_exec_fp(s);
    default:
        /* SSE3 and later in this map (0F 7C, 7D, D0, F0) and empty slots */
        return x86_ud(s->c);
    }
}

int x86_exec_sse(struct x86_ctx *c)
{
    const struct vmp_x86_insn *in = c->insn;
    struct sse s = { .c = c, .in = in, .pfx = x86_sse_prefix(in), .op = in->opcode };
    if (in->has_modrm) {
        s.mreg = (in->modrm >> 3) & 7;
        s.mrm = in->modrm & 7;
        s.reg = s.mreg | ((in->rex & 4u) << 1);
        s.rm = s.mrm | ((in->rex & 1u) << 3);
        s.mem = (in->modrm >> 6) != 3;
    }
    s.rexw = c->mode == 64 && (in->rex & 8);
    if (in->arg == 1)
        s.imm = (uint8_t)in->opnd[0].imm;
    int rc = dispatch(&s);
    if (rc == 0 && s.mmx_done) {
        /* an MMX instruction (not EMMS): TOP = 0 and every tag valid (SDM
         * Vol. 3A §12.2, Table 12-2) */
        c->cpu->fpu.fsw &= (uint16_t)~0x3800u;
        c->cpu->fpu.ftw = 0xff;
    }
    return rc;
}

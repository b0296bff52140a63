/* x87, MMX and SSE/SSE2 families of the differential test's generator
 * (docs/emulator-diff.md), and the random x87/SSE state each stream starts
 * from.
 *
 * The state: x87 registers with normal, zero, denormal, infinite, NaN and
 * (rarely) unsupported encodings, a random TOP and stack depth, precision
 * and rounding control; XMM0-15 as packed singles, doubles or integers;
 * MXCSR with random rounding, FTZ, DAZ and sticky flags. Exceptions are
 * masked except in GEN_FP_UNMASKED_PCT percent of the streams, which
 * unmask a random subset in FCW and MXCSR so #MF and #XM are compared too
 * (they may end such a stream early: g->fp_may_fault).
 *
 * The generator tracks TOP and the empty/non-empty tags through the x87
 * instructions it emits, so most operands are non-empty registers and most
 * pushes find a free slot (stack faults still happen, on purpose, now and
 * then). Memory operands are in the data area; the generator writes a
 * value of the operand's type into the initial data (g->data0) at most
 * targets. 16-byte SSE operands that must be aligned are, except in a few
 * streams that end with the #GP(0) a misaligned one raises. */
#include "gen_internal.h"

#include <string.h>

#define GEN_FP_UNMASKED_PCT 10

/* ---- values --------------------------------------------------------------- */

/* An 80-bit x87 value: significand (explicit integer bit 63) and
 * sign/exponent. */
static void x87_value(struct gen *g, uint64_t *mant, uint16_t *sexp)
{
    uint16_t sign = pct(g, 40) ? 0x8000 : 0;
    uint64_t m = rnd(g) | 1ull << 63;
    unsigned e;
    switch (rn(g, 40) % 21) { /* case 9 (unsupported encodings) half as often */
    case 0: /* zero */
        m = 0, e = 0;
        break;
    case 1: /* denormal */
        m = rnd(g) >> (1 + rn(g, 63)), e = 0;
        if (!m)
            m = 1;
        break;
    case 2: /* infinity */
        m = 1ull << 63, e = 0x7fff;
        break;
    case 3: /* QNaN or SNaN with a payload */
        m = 1ull << 63 | (pct(g, 50) ? 1ull << 62 : 0) | (rnd(g) >> rn(g, 64) >> 2);
        if (m == 1ull << 63)
            m |= 1;
        e = 0x7fff;
        break;
    case 4: /* near the ends of the exponent range */
        e = pct(g, 50) ? 1 + rn(g, 4) : 0x7ffe - rn(g, 4);
        break;
    case 5: /* float and double range boundaries */
        e = 0x3fff + (pct(g, 50) ? 1 : -1) * (int)(pct(g, 50) ? 127 + rn(g, 4) : 1023 + rn(g, 4)) -
            (int)rn(g, 24);
        break;
    case 6: /* a small integer */
    case 7: {
        unsigned v = 1 + rn(g, pct(g, 50) ? 16 : 100000);
        unsigned b = 31;
        while (!(v >> b))
            b--;
        m = (uint64_t)v << (63 - b), e = 0x3fff + b;
        break;
    }
    case 8: /* few significand bits: halfway cases for the rounding */
        m = 1ull << 63 | (rnd(g) & 0xff) << rn(g, 56), e = 0x3fff + rn(g, 70) - 35;
        break;
    case 9: /* an unsupported encoding: unnormal, pseudo-NaN/infinity,
             * pseudo-denormal (SDM Vol. 1 §8.2.2) */
        if (pct(g, 30)) {
            m &= ~(1ull << 63), e = 1 + rn(g, 0x7ffe);
            if (rn(g, 3) == 0)
                e = 0x7fff;
        } else if (pct(g, 50)) {
            e = 0; /* pseudo-denormal: integer bit set, exponent 0 */
        } else {
            m = rnd(g) >> 1, e = 1 + rn(g, 0x7ffe); /* unnormal */
        }
        break;
    default:
        e = 0x3fff + rn(g, 130) - 65;
        break;
    }
    *mant = m;
    *sexp = (uint16_t)(sign | (e & 0x7fff));
}

static uint32_t f32_value(struct gen *g)
{
    uint32_t sign = pct(g, 40) ? 0x80000000u : 0;
    uint32_t m = (uint32_t)rnd(g) & 0x7fffff;
    switch (rn(g, 16)) {
    case 0: return sign;
    case 1: return sign | (m ? m : 1);                               /* denormal */
    case 2: return sign | 0x7f800000u;                               /* infinity */
    case 3: return sign | 0x7fc00000u | (pct(g, 50) ? 0 : m);        /* QNaN */
    case 4: return sign | 0x7f800000u | (m >> 1) | 1;                /* SNaN */
    case 5: return sign | (uint32_t)(pct(g, 50) ? 1 + rn(g, 3) : 0xfe - rn(g, 3)) << 23 | m;
    case 6: case 7: { /* a small integer, or one near 2^31 (conversions) */
        float f = (float)(pct(g, 80) ? 1 + rn(g, 1000) : 2147483520u + rn(g, 256));
        uint32_t v;
        memcpy(&v, &f, 4);
        return sign | v;
    }
    case 8: return (uint32_t)rnd(g);
    case 9: return sign | (uint32_t)(127 + rn(g, 10)) << 23 | (m & 0x7f0000u); /* few bits */
    default: return sign | (uint32_t)(127 + rn(g, 60) - 30) << 23 | m;
    }
}

static uint64_t f64_value(struct gen *g)
{
    uint64_t sign = pct(g, 40) ? 1ull << 63 : 0;
    uint64_t m = rnd(g) & 0xfffffffffffffull;
    switch (rn(g, 16)) {
    case 0: return sign;
    case 1: return sign | (m ? m : 1);
    case 2: return sign | 0x7ff0000000000000ull;
    case 3: return sign | 0x7ff8000000000000ull | (pct(g, 50) ? 0 : m);
    case 4: return sign | 0x7ff0000000000000ull | (m >> 1) | 1;
    case 5: return sign | (uint64_t)(pct(g, 50) ? 1 + rn(g, 3) : 0x7fe - rn(g, 3)) << 52 | m;
    case 6: case 7: {
        double d = pct(g, 80) ? (double)(1 + rn(g, 1000))
                              : (double)(pct(g, 50) ? 2147483640ull : 9223372036854774784ull) +
                                    (double)rn(g, 2048);
        uint64_t v;
        memcpy(&v, &d, 8);
        return sign | v;
    }
    case 8: return rnd(g);
    case 9: /* float-range values, so CVTSD2SS sees overflow/underflow */
        return sign | (uint64_t)(1023 + (pct(g, 50) ? (int)(120 + rn(g, 16)) : -(int)(120 + rn(g, 36)))) << 52 | m;
    default: return sign | (uint64_t)(1023 + rn(g, 120) - 60) << 52 | m;
    }
}

enum { T_F32, T_F64, T_F80, T_I16, T_I32, T_I64, T_BCD, T_PS, T_PD, T_INT };

/* An integer operand: small, at the ends of the range, or random. */
static uint64_t int_value(struct gen *g, unsigned bytes)
{
    uint64_t v;
    switch (rn(g, 4)) {
    case 0: v = rn(g, 2000) - 1000ull; break;
    case 1: v = (1ull << (bytes * 8 - 1)) - rn(g, 3) + (pct(g, 50) ? 0 : 2); break;
    default: v = rnd(g); break;
    }
    return v;
}

/* Preparations in the initial data: a unit's data must not be overwritten
 * by a later unit's (the stream runs in order, but data0 is written as
 * the units are generated). */
static int prepared(const struct gen *g, uint64_t target, unsigned n)
{
    for (uint64_t a = target - G_DATA; a < target - G_DATA + n; a++)
        if (g->prep[a / 8] >> (a % 8) & 1)
            return 1;
    return 0;
}

static void mark(struct gen *g, uint64_t target, unsigned n)
{
    for (uint64_t a = target - G_DATA; a < target - G_DATA + n; a++)
        g->prep[a / 8] |= (uint8_t)(1u << (a % 8));
}

/* A target for n bytes of prepared data (aligned to align), clear of
 * earlier preparations where possible; marked. */
static uint64_t prep_target(struct gen *g, unsigned n, unsigned align)
{
    uint64_t t = 0;
    for (int tries = 0; tries < 16; tries++) {
        t = align > 1 ? (G_DATA + rn(g, G_DATA_SIZE - n)) & ~(uint64_t)(align - 1) : data_target(g, n);
        if (!prepared(g, t, n))
            break;
    }
    mark(g, t, n);
    return t;
}

/* Write a value of type t at target (n bytes) into the initial data. */
static void fill_raw(struct gen *g, uint64_t target, unsigned t, unsigned n)
{
    uint8_t *p = g->data0 + (target - G_DATA);
    uint8_t b[16];
    uint64_t m;
    uint16_t se;
    switch (t) {
    case T_F32: { uint32_t v = f32_value(g); memcpy(b, &v, 4); break; }
    case T_F64: { uint64_t v = f64_value(g); memcpy(b, &v, 8); break; }
    case T_F80: x87_value(g, &m, &se); memcpy(b, &m, 8); memcpy(b + 8, &se, 2); break;
    case T_I16: case T_I32: case T_I64: { uint64_t v = int_value(g, n); memcpy(b, &v, 8); break; }
    case T_BCD: /* 18 digits and a sign byte; sometimes invalid digits */
        for (unsigned k = 0; k < 9; k++)
            b[k] = pct(g, 3) ? (uint8_t)rnd(g) : (uint8_t)(rn(g, 10) << 4 | rn(g, 10));
        b[9] = pct(g, 50) ? 0x80 : 0;
        break;
    case T_PS:
        for (unsigned k = 0; k < 16; k += 4) { uint32_t v = f32_value(g); memcpy(b + k, &v, 4); }
        break;
    case T_PD:
        for (unsigned k = 0; k < 16; k += 8) { uint64_t v = f64_value(g); memcpy(b + k, &v, 8); }
        break;
    default:
        for (unsigned k = 0; k < 16; k += 8) { uint64_t v = pct(g, 30) ? int_value(g, 2u << rn(g, 3)) : rnd(g); memcpy(b + k, &v, 8); }
        break;
    }
    memcpy(p, b, n > 16 ? 16 : n);
}

/* The same for an operand, most of the time. */
static void fill(struct gen *g, uint64_t target, unsigned t, unsigned n)
{
    if (target < G_DATA || target + n > G_DATA + G_DATA_SIZE || pct(g, 25) ||
        prepared(g, target, n))
        return; /* whatever the data area holds */
    mark(g, target, n);
    fill_raw(g, target, t, n);
}

/* ---- the initial state ---------------------------------------------------- */

/* The x87 control word of a stream: precision (mostly 64-bit), rounding,
 * and masks (all set unless the stream compares unmasked exceptions). */
static uint16_t rand_fcw(struct gen *g)
{
    unsigned pc = pct(g, 70) ? 3 : pct(g, 50) ? 2 : 0;
    unsigned masks = g->fp_may_fault ? (unsigned)(0x3f & ~(1u << rn(g, 6)) & (rnd(g) | 0x20)) : 0x3f;
    return (uint16_t)(0x40 | masks | pc << 8 | rn(g, 4) << 10);
}

static uint32_t rand_mxcsr(struct gen *g)
{
    uint32_t m = 0x1f80;
    if (g->fp_may_fault)
        m &= ~((uint32_t)(rnd(g) & 0x3f) << 7 | 1u << (7 + rn(g, 6)));
    m |= (uint32_t)rn(g, 4) << 13;             /* RC */
    m |= pct(g, 30) ? 0x8000u : 0;             /* FTZ */
    m |= pct(g, 30) ? 0x40u : 0;               /* DAZ */
    if (pct(g, 30))
        m |= (uint32_t)rnd(g) & 0x3f & (m >> 7); /* sticky flags of masked exceptions */
    return m;
}

/* On AMD the x87 pointers (FOP, FIP, FDP) survive only while an
 * exception is pending: XRSTOR and FXRSTOR load them only with FSW.ES
 * set, and XSAVE stores zeros without it, so a switch of the FPU state by
 * the host kernel while ES is clear loses them (measured: streams whose
 * FLDCW later unmasked a sticky flag read back zero pointers now and
 * then). Loaded states therefore carry zero pointers where ES is clear,
 * and an FLDCW that unmasks anything is preceded by FNCLEX, so ES is set
 * only by an instruction's exception or by a loaded state that has it. */

/* FSW for a control word: ES and B follow the exception flags the control
 * word unmasks (that is how the host loads them: an XRSTOR of FSW with
 * unmasked flags comes back with ES set, one without with ES clear). */
static uint16_t fsw_for(uint16_t fsw, uint16_t fcw)
{
    fsw &= (uint16_t)~0x8080u;
    if (fsw & ~fcw & 0x3f)
        fsw |= 0x8080;
    return fsw;
}

void gen_fp_seed(struct gen *g, uint64_t seed, uint64_t idx)
{
    uint64_t saved = g->rng;
    g->rng = seed ^ (idx * 0x9E6C63D0676A9A99ull) ^ 0x5851F42D4C957F2Dull;
    rnd(g);
    struct diff_fp *f = &g->fp0;
    memset(f, 0, sizeof *f);
    g->fp_may_fault = pct(g, GEN_FP_UNMASKED_PCT);
    f->fcw = rand_fcw(g);
    unsigned top = rn(g, 8), tags;
    if (pct(g, 70)) { /* a stack of depth n: ST(0)..ST(n-1) in use */
        unsigned n = rn(g, 9);
        tags = 0;
        for (unsigned i = 0; i < n; i++)
            tags |= 1u << ((top + i) & 7);
    } else {
        tags = (unsigned)rnd(g) & 0xff;
    }
    uint16_t fsw = (uint16_t)(top << 11 | (rnd(g) & 0x4700)); /* C0-C3 */
    if (pct(g, 30))
        fsw |= (uint16_t)(rnd(g) & 0x3f & (g->fp_may_fault && pct(g, 70) ? f->fcw : 0x3f));
    if (fsw & 1 && pct(g, 50))
        fsw |= 0x40; /* SF with IE */
    f->fsw = fsw_for(fsw, f->fcw);
    f->ftw = (uint8_t)tags;
    f->fop = (uint16_t)(rnd(g) & 0x7ff);
    f->fip = rnd(g) >> 16;
    f->fdp = rnd(g) >> 16;
    if (!(f->fsw & 0x80)) /* see pointers_lost() */
        f->fop = 0, f->fip = f->fdp = 0;
    for (unsigned i = 0; i < 8; i++) {
        uint64_t m;
        uint16_t se;
        x87_value(g, &m, &se);
        memcpy(f->st[i], &m, 8);
        memcpy(f->st[i] + 8, &se, 2);
    }
    for (unsigned r = 0; r < 16; r++) {
        unsigned kind = rn(g, 3);
        for (unsigned h = 0; h < 2; h++) {
            if (kind == 0)
                f->xmm[r][h] = f32_value(g) | (uint64_t)f32_value(g) << 32;
            else if (kind == 1)
                f->xmm[r][h] = f64_value(g);
            else
                f->xmm[r][h] = pct(g, 20) ? int_value(g, 2u << rn(g, 3)) : rnd(g);
        }
    }
    f->mxcsr = rand_mxcsr(g);
    g->fp_top = top;
    g->fp_tags = tags;
    g->rng = saved;
}

/* ---- x87 stack bookkeeping ------------------------------------------------ */

static int st_full(const struct gen *g, unsigned i) { return (g->fp_tags >> ((g->fp_top + i) & 7)) & 1; }

/* A register ST(i) that is in use (most of the time), for an operand. */
static unsigned pick_st(struct gen *g)
{
    unsigned i = rn(g, 8);
    if (pct(g, 90))
        for (unsigned k = 0; k < 8 && !st_full(g, i); k++)
            i = (i + 1) & 7;
    return i;
}

static void push(struct gen *g)
{
    g->fp_top = (g->fp_top - 1) & 7;
    g->fp_tags |= 1u << g->fp_top;
}

static void pop(struct gen *g)
{
    g->fp_tags &= ~(1u << g->fp_top);
    g->fp_top = (g->fp_top + 1) & 7;
}

/* Before a push: make room most of the time (FFREE ST(7), or FINCSTP).
 * A push onto a full slot is a stack overflow: masked, it loads the
 * indefinite and sets C1 (SDM Vol. 1 §8.5.1.1). */
static void room(struct gen *g)
{
    if (!st_full(g, 7) || pct(g, 10))
        return;
    put(g, 0xDD), put(g, 0xC7); /* ffree st(7) */
    g->fp_tags &= ~(1u << ((g->fp_top + 7) & 7));
}

/* Before reading ST(0) (and ST(1)): load something when it is empty. */
static void ensure(struct gen *g, unsigned n)
{
    for (unsigned k = 0; k < n && pct(g, 90); k++) {
        if (st_full(g, 0) && (n < 2 || st_full(g, 1)))
            return;
        room(g);
        put(g, 0xD9), put(g, (uint8_t)(0xE8 + rn(g, 7))); /* fld1 .. fldz */
        push(g);
    }
}

/* An MMX instruction: TOP = 0, every tag valid (SDM Vol. 1 Table 9-2). */
static void mmx_state(struct gen *g)
{
    g->fp_top = 0;
    g->fp_tags = 0xff;
}

/* A memory operand of width bytes holding a value of type t. align: the
 * instruction needs it aligned to 16 (then a few streams misalign it and
 * end with #GP(0)). */
static void mem_op(struct gen *g, struct ins *i, unsigned width, unsigned t, int align)
{
    uint64_t target;
    if (align) {
        target = (G_DATA + rn(g, G_DATA_SIZE - 16)) & ~15ull;
        if (pct(g, 2)) {
            target += 1 + rn(g, 15);
            g->fault = 1; /* #GP(0): misaligned (SDM Vol. 1 §10.4.1.1) */
        }
    } else {
        target = data_target(g, width);
    }
    if (rn(g, 1000) < 5) {
        /* #PF on the not-present page: the instruction changes nothing,
         * x87/SSE state included */
        target = G_NOTPRESENT + (rn(g, 0x1000 - 16) & ~15u);
        g->fault = 1;
    }
    fill(g, target, t, width);
    i->modrm = 1;
    pick_mem_at(g, i, target, 0);
}

static void x87_mem(struct gen *g, uint8_t op, unsigned ext, unsigned width, unsigned t)
{
    begin(g, 8);
    struct ins i;
    ins_init(&i);
    opc(&i, op);
    i.reg = ext;
    /* REX.W and 66h change nothing here (only the environment
     * instructions have operand-size forms) */
    i.w = pct(g, 8);
    if (pct(g, 5))
        pfx(&i, 0x66);
    mem_op(g, &i, width, t, 0);
    ins_emit(g, &i);
}

static void x87_reg(struct gen *g, uint8_t op, uint8_t modrm)
{
    put(g, op);
    put(g, modrm);
}

/* After a state image was stored at t (FXSAVE, FNSTENV, FNSAVE): the
 * fields the host does not store reliably (FOP, FIP, FDP and their
 * selectors: only with an unmasked exception pending on AMD; FXSAVE's
 * MXCSR_MASK describes the CPU model) are zeroed at run time, on both
 * sides, so no later load carries the difference on; the comparison
 * leaves them out too (mask_images in diff.c). */
static void img_stored(struct gen *g, uint64_t t, unsigned kind)
{
    if (g->nimg < 16) {
        g->img[g->nimg].addr = (uint32_t)t;
        g->img[g->nimg++].kind = (uint8_t)kind;
    }
    if (kind == GEN_IMG_FXSAVE) {
        setup_store(g, t + 6, 0, 2);
        setup_store(g, t + 8, 0, 8);
        setup_store(g, t + 16, 0, 8);
        setup_store(g, t + 28, 0, 4);
    } else if (kind == GEN_IMG_ENV16) {
        setup_store(g, t + 6, 0, 8);
    } else {
        setup_store(g, t + 12, 0, 8);
        setup_store(g, t + 20, 0, 8);
    }
}

/* ---- x87 families ------------------------------------------------------------ */

/* FLD m32/m64/m80/ST(i), FILD m16/m32/m64, the constants. */
void f_x87_load(struct gen *g)
{
    g->uses_fp = 1;
    room(g);
    switch (rn(g, 9)) {
    case 0: x87_mem(g, 0xD9, 0, 4, T_F32); break;
    case 1: x87_mem(g, 0xDD, 0, 8, T_F64); break;
    case 2: x87_mem(g, 0xDB, 5, 10, T_F80); break;
    case 3: x87_reg(g, 0xD9, (uint8_t)(0xC0 + pick_st(g))); break;
    case 4: x87_mem(g, 0xDF, 0, 2, T_I16); break;
    case 5: x87_mem(g, 0xDB, 0, 4, T_I32); break;
    case 6: x87_mem(g, 0xDF, 5, 8, T_I64); break;
    default: x87_reg(g, 0xD9, (uint8_t)(0xE8 + rn(g, 7))); break; /* FLD1..FLDZ */
    }
    push(g);
}

/* FST/FSTP m32/m64/m80/ST(i), FIST/FISTP m16/m32/m64. */
void f_x87_store(struct gen *g)
{
    g->uses_fp = 1;
    ensure(g, 1);
    unsigned k = rn(g, 12);
    switch (k) {
    case 0: case 1: x87_mem(g, 0xD9, 2 + (k & 1), 4, T_F32); break;
    case 2: case 3: x87_mem(g, 0xDD, 2 + (k & 1), 8, T_F64); break;
    case 4: x87_mem(g, 0xDB, 7, 10, T_F80); break;
    case 5: case 6: x87_mem(g, 0xDF, 2 + (k & 1), 2, T_I16); break;
    case 7: case 8: x87_mem(g, 0xDB, 2 + (k & 1), 4, T_I32); break;
    case 9: x87_mem(g, 0xDF, 7, 8, T_I64); break;
    default: x87_reg(g, 0xDD, (uint8_t)((k == 10 ? 0xD0 : 0xD8) + rn(g, 8))); break;
    }
    /* the popping forms: FSTP FSTP m80 FISTP */
    if (k == 1 || k == 3 || k == 4 || k == 6 || k == 8 || k == 9 || k == 11)
        pop(g);
}

/* FISTTP m16/m32/m64 (SSE3): truncating stores. */
void f_x87_fisttp(struct gen *g)
{
    g->uses_fp = 1;
    ensure(g, 1);
    switch (rn(g, 3)) {
    case 0: x87_mem(g, 0xDF, 1, 2, T_I16); break;
    case 1: x87_mem(g, 0xDB, 1, 4, T_I32); break;
    default: x87_mem(g, 0xDD, 1, 8, T_I64); break;
    }
    pop(g);
}

/* FBLD / FBSTP: packed BCD. */
void f_x87_bcd(struct gen *g)
{
    g->uses_fp = 1;
    if (pct(g, 50)) {
        room(g);
        x87_mem(g, 0xDF, 4, 10, T_BCD);
        push(g);
    } else {
        ensure(g, 1);
        x87_mem(g, 0xDF, 6, 10, T_BCD);
        pop(g);
    }
}

/* FADD FMUL FSUB FSUBR FDIV FDIVR in every form, FCHS FABS FSQRT FRNDINT
 * FSCALE FXTRACT FPREM FPREM1. */
void f_x87_arith(struct gen *g)
{
    g->uses_fp = 1;
    static const unsigned ops[6] = {0, 1, 4, 5, 6, 7};
    unsigned op = ops[rn(g, 6)];
    ensure(g, 2);
    switch (rn(g, 8)) {
    case 0: x87_reg(g, 0xD8, (uint8_t)(0xC0 | op << 3 | pick_st(g))); break;   /* st0, sti */
    case 1: x87_reg(g, 0xDC, (uint8_t)(0xC0 | op << 3 | pick_st(g))); break;   /* sti, st0 */
    case 2: /* faddp sti, st0 ... */
        x87_reg(g, 0xDE, (uint8_t)(0xC0 | op << 3 | pick_st(g)));
        pop(g);
        break;
    case 3: x87_mem(g, 0xD8, op, 4, T_F32); break;
    case 4: x87_mem(g, 0xDC, op, 8, T_F64); break;
    case 5: /* fiadd ... m32int (DA), m16int (DE) */
        if (pct(g, 50))
            x87_mem(g, 0xDA, op, 4, T_I32);
        else
            x87_mem(g, 0xDE, op, 2, T_I16);
        break;
    default: {
        static const uint8_t un[8] = {0xE0, 0xE1, 0xFA, 0xFC, 0xFD, 0xF4, 0xF8, 0xF5};
        uint8_t b = un[rn(g, 8)];
        if (b == 0xF4)
            room(g);
        x87_reg(g, 0xD9, b);
        if (b == 0xF4) /* FXTRACT pushes the significand */
            push(g);
        break;
    }
    }
}

/* The transcendental instructions: F2XM1 FYL2X FPTAN FPATAN FYL2XP1 FSIN
 * FCOS FSINCOS. */
void f_x87_transc(struct gen *g)
{
    g->uses_fp = 1;
    static const uint8_t op[8] = {0xF0, 0xF1, 0xF2, 0xF3, 0xF9, 0xFE, 0xFF, 0xFB};
    unsigned k = rn(g, 8);
    ensure(g, 2);
    if (k == 2 || k == 7)
        room(g);
    x87_reg(g, 0xD9, op[k]);
    if (k == 1 || k == 3 || k == 4)
        pop(g);
    else if (k == 2 || k == 7)
        push(g);
}

/* FCOM FCOMP FCOMPP FUCOM FUCOMP FUCOMPP FICOM FCOMI FCOMIP FUCOMI
 * FUCOMIP FTST FXAM FCMOVcc, FNSTSW AX + SAHF. */
void f_x87_cmp(struct gen *g)
{
    g->uses_fp = 1;
    ensure(g, 2);
    unsigned k = rn(g, 12);
    switch (k) {
    case 0: x87_reg(g, 0xD8, (uint8_t)(0xD0 + pick_st(g))); break; /* fcom */
    case 1: x87_reg(g, 0xD8, (uint8_t)(0xD8 + pick_st(g))), pop(g); break;
    case 2: x87_reg(g, 0xDD, (uint8_t)(0xE0 + pick_st(g))); break; /* fucom */
    case 3: x87_reg(g, 0xDD, (uint8_t)(0xE8 + pick_st(g))), pop(g); break;
    case 4: /* fcompp (DE D9), fucompp (DA E9) */
        if (rn(g, 2))
            x87_reg(g, 0xDE, 0xD9);
        else
            x87_reg(g, 0xDA, 0xE9);
        pop(g), pop(g);
        break;
    case 5: { /* fcom/fcomp m32/m64, ficom/ficomp m16/m32 */
        static const uint8_t o[4] = {0xD8, 0xDC, 0xDE, 0xDA};
        static const unsigned w[4] = {4, 8, 2, 4}, t[4] = {T_F32, T_F64, T_I16, T_I32};
        unsigned f = rn(g, 4), p = rn(g, 2);
        x87_mem(g, o[f], 2 + p, w[f], t[f]);
        if (p)
            pop(g);
        break;
    }
    case 6: case 7: { /* fcomi fucomi fcomip fucomip: ZF PF CF, OF SF AF cleared */
        unsigned p = rn(g, 2);
        x87_reg(g, p ? 0xDF : 0xDB, (uint8_t)((k == 6 ? 0xF0 : 0xE8) + pick_st(g)));
        if (p)
            pop(g);
        flags(g, ST_ALL, 0);
        break;
    }
    case 8: x87_reg(g, 0xD9, rn(g, 2) ? 0xE4 : 0xE5); break; /* ftst, fxam */
    case 9: { /* fcmovcc reads CF ZF PF */
        need(g, ST_CF | ST_ZF | ST_PF);
        x87_reg(g, rn(g, 2) ? 0xDA : 0xDB, (uint8_t)(0xC0 + rn(g, 4) * 8 + pick_st(g)));
        break;
    }
    default: /* fnstsw ax; sahf: the condition codes into the flags */
        x87_reg(g, 0xDF, 0xE0);
        unk(g, VMP_RAX);
        if (pct(g, 60)) {
            put(g, 0x9E);
            flags(g, ST_ALL & ~ST_OF, 0);
        }
        break;
    }
}

/* FLDCW FNSTCW FNSTSW FNCLEX FNINIT FWAIT FINCSTP FDECSTP FFREE FXCH
 * FNOP FLDENV FNSTENV FRSTOR FNSAVE. */
void f_x87_ctrl(struct gen *g)
{
    g->uses_fp = 1;
    unsigned k = rn(g, 15);
    struct ins i;
    switch (k) {
    case 0: { /* fldcw from a prepared word */
        begin(g, 8);
        ins_init(&i);
        opc(&i, 0xD9);
        i.reg = 5;
        uint64_t t = prep_target(g, 2, 1);
        uint16_t cw = rand_fcw(g);
        memcpy(g->data0 + (t - G_DATA), &cw, 2);
        setup_store(g, t, cw, 2);
        if ((cw & 0x3f) != 0x3f)
            x87_reg(g, 0xDB, 0xE2); /* fnclex: no stale pending exception */
        i.modrm = 1;
        pick_mem_at(g, &i, t, 0);
        ins_emit(g, &i);
        break;
    }
    case 1: x87_mem(g, 0xD9, 7, 2, T_I16); break; /* fnstcw */
    case 2: x87_mem(g, 0xDD, 7, 2, T_I16); break; /* fnstsw m16 */
    case 3: x87_reg(g, 0xDB, 0xE2); break;        /* fnclex */
    case 4:                                       /* fninit: TOP 0, all empty */
        x87_reg(g, 0xDB, 0xE3);
        g->fp_top = 0, g->fp_tags = 0;
        break;
    case 5: put(g, 0x9B); break; /* fwait */
    case 6: x87_reg(g, 0xD9, 0xF7), g->fp_top = (g->fp_top + 1) & 7; break; /* fincstp */
    case 7: x87_reg(g, 0xD9, 0xF6), g->fp_top = (g->fp_top - 1) & 7; break; /* fdecstp */
    case 8: { /* ffree */
        unsigned r = rn(g, 8);
        x87_reg(g, 0xDD, (uint8_t)(0xC0 + r));
        g->fp_tags &= ~(1u << ((g->fp_top + r) & 7));
        break;
    }
    case 9: { /* fxch: swaps the tags too */
        unsigned r = pick_st(g), a = g->fp_top, b = (g->fp_top + r) & 7;
        unsigned ta = (g->fp_tags >> a) & 1, tb = (g->fp_tags >> b) & 1;
        x87_reg(g, 0xD9, (uint8_t)(0xC8 + r));
        g->fp_tags = (g->fp_tags & ~(1u << a | 1u << b)) | tb << a | ta << b;
        break;
    }
    case 10: x87_reg(g, 0xD9, 0xD0); break; /* fnop */
    case 11: case 12: { /* fnstenv / fnsave (with or without FWAIT); 66h:
                         * the 16-bit formats (SDM Vol. 1 §8.1.10) */
        begin(g, 8);
        unsigned save = k == 12, o16 = pct(g, 25);
        unsigned n = o16 ? (save ? 94 : 14) : (save ? 108 : 28);
        ins_init(&i);
        if (pct(g, 30))
            put(g, 0x9B);
        if (o16)
            pfx(&i, 0x66);
        opc(&i, save ? 0xDD : 0xD9);
        i.reg = 6;
        uint64_t t = data_target(g, n);
        if (!gen_avoid_bugs && pct(g, 3)) { /* into the read-only page:
                                             * known bug fxsave_pf_cr2 */
            t = G_RO - 1 - rn(g, n - 1);
            g->fault = 1;
        }
        i.modrm = 1;
        pick_mem_at(g, &i, t, 0);
        ins_emit(g, &i);
        if (!g->fault)
            img_stored(g, t, o16 ? GEN_IMG_ENV16 : save ? GEN_IMG_SAVE : GEN_IMG_ENV);
        if (save) /* FNSAVE initializes the FPU (SDM Vol. 2A FSAVE) */
            g->fp_top = 0, g->fp_tags = 0;
        break;
    }
    default: { /* fldenv / frstor from a prepared image (32-bit format,
                * SDM Vol. 1 Figure 8-9, Figure 8-11; 66h: the 16-bit
                * format, Figure 8-10) */
        begin(g, 8);
        unsigned rstor = k == 14, o16 = pct(g, 25);
        unsigned env = o16 ? 14 : 28, n = env + (rstor ? 80 : 0);
        unsigned w = o16 ? 2 : 4; /* the environment's field width */
        uint64_t t = prep_target(g, n, 1);
        uint8_t *p = g->data0 + (t - G_DATA);
        uint16_t cw = rand_fcw(g), top = (uint16_t)rn(g, 8);
        uint16_t sw = fsw_for((uint16_t)(top << 11 | (rnd(g) & 0x4700) |
                                         (pct(g, 30) ? rnd(g) & 0x3f : 0)), cw);
        uint16_t tw = (uint16_t)rnd(g);
        for (unsigned b = 0; b < env; b++)
            p[b] = (uint8_t)rnd(g); /* the pointers: anything */
        memset(p, 0, 3 * w);
        memcpy(p, &cw, 2);
        memcpy(p + w, &sw, 2);
        memcpy(p + 2 * w, &tw, 2);
        if (rstor) {
            for (unsigned r = 0; r < 8; r++) {
                uint64_t m;
                uint16_t se;
                x87_value(g, &m, &se);
                memcpy(p + env + 10 * r, &m, 8);
                memcpy(p + env + 8 + 10 * r, &se, 2);
            }
        }
        setup_store(g, t, cw, w);
        setup_store(g, t + w, sw, w);
        setup_store(g, t + 2 * w, tw, w);
        if (!(sw & 0x80)) { /* pointers: zero without ES */
            setup_store(g, t + 3 * w, 0, 8);
            if (!o16)
                setup_store(g, t + 20, 0, 8);
        }
        ins_init(&i);
        if (o16)
            pfx(&i, 0x66);
        opc(&i, rstor ? 0xDD : 0xD9);
        i.reg = 4;
        i.modrm = 1;
        pick_mem_at(g, &i, t, 0);
        ins_emit(g, &i);
        g->fp_top = top;
        g->fp_tags = 0;
        for (unsigned r = 0; r < 8; r++)
            g->fp_tags |= ((tw >> (2 * r)) & 3) != 3 ? 1u << r : 0;
        break;
    }
    }
}

/* ---- FXSAVE FXRSTOR LDMXCSR STMXCSR --------------------------------------- */

void f_fxstate(struct gen *g)
{
    g->uses_fp = 1;
    begin(g, 8);
    struct ins i;
    ins_init(&i);
    opc(&i, 0x0F);
    opc(&i, 0xAE);
    i.modrm = 1;
    unsigned k = rn(g, 4);
    i.reg = k;
    if (k == 0) { /* FXSAVE / FXSAVE64 */
        i.w = rn(g, 2);
        /* always aligned: under PVM a misaligned FXSAVE/FXRSTOR's #GP
         * goes to KVM's instruction emulator, which performs it without
         * the alignment check (measured), so there is no oracle */
        uint64_t t = (G_DATA + rn(g, G_DATA_SIZE - 512)) & ~15ull;
        if (!gen_avoid_bugs && rn(g, 100) < 2) {
            /* #PF: the image would run from the data area into the
             * read-only page; nothing may be written (known
             * difference fxsave_pf_cr2) */
            t = G_RO - 16 * (1 + rn(g, 31));
            g->fault = 1;
        }
        pick_mem_at(g, &i, t, 0);
        ins_emit(g, &i);
        if (!g->fault)
            img_stored(g, t, GEN_IMG_FXSAVE);
        return;
    }
    if (k == 1) { /* FXRSTOR / FXRSTOR64 of an image of the seed's kind */
        i.w = rn(g, 2);
        uint64_t t = prep_target(g, 512, 16);
        uint8_t *p = g->data0 + (t - G_DATA);
        uint16_t cw = rand_fcw(g);
        unsigned top = rn(g, 8), tags = (unsigned)rnd(g) & 0xff;
        uint16_t sw = fsw_for((uint16_t)(top << 11 | (rnd(g) & 0x4700) |
                                         (pct(g, 30) ? rnd(g) & 0x3f : 0)), cw);
        uint32_t mx = rand_mxcsr(g);
        int bad = pct(g, 3);
        if (bad) /* reserved bits: #GP(0); not bit 17, AMD's MXCSR.MM */
            mx |= pct(g, 30) ? 0x10000u : 1u << (18 + rn(g, 14));
        if (pct(g, 20)) { /* reserved FCW bits, ES/B not as the flags say:
                           * the CPU normalizes both (fixed in de28f3b) */
            cw ^= (uint16_t)(0xe0c0 & rnd(g));
            sw ^= 0x8080;
        }
        memcpy(p, &cw, 2);
        memcpy(p + 2, &sw, 2);
        p[4] = (uint8_t)tags;
        memcpy(p + 24, &mx, 4);
        /* FIP and FDP canonical, as a CPU saves them: this host keeps
         * them 57 bits wide (bit 56 sign-extended, measured) */
        uint64_t fip = (uint64_t)((int64_t)(rnd(g) << 16) >> 16);
        uint64_t fdp = (uint64_t)((int64_t)(rnd(g) << 16) >> 16);
        uint32_t fop = (uint32_t)rn(g, 0x800);
        if (!(sw & 0x80) || !(fsw_for(sw, cw) & 0x80))
            fip = fdp = 0, fop = 0;
        memcpy(p + 8, &fip, 8);
        memcpy(p + 16, &fdp, 8);
        for (unsigned r = 0; r < 8; r++) {
            uint64_t m;
            uint16_t se;
            x87_value(g, &m, &se);
            memcpy(p + 32 + 16 * r, &m, 8);
            memcpy(p + 40 + 16 * r, &se, 2);
        }
        for (unsigned r = 0; r < 16; r++)
            fill_raw(g, t + 160 + 16 * r, rn(g, 2) ? T_PS : T_PD, 16);
        /* the control fields again at run time: an earlier unit's store
         * (the stack, a string instruction) may have landed on them */
        setup_store(g, t, (uint32_t)cw | (uint32_t)sw << 16, 4);
        setup_store(g, t + 24, mx, 4);
        setup_store(g, t + 4, tags | fop << 16, 4);
        setup_store(g, t + 8, fip, 8); /* sign-extended imm32: canonical */
        setup_store(g, t + 16, fdp, 8);
        g->fp_top = top;
        g->fp_tags = tags;
        if (bad) {
            /* the #GP goes to KVM's instruction emulator under PVM, which
             * gets segment bases and 67h wrong there (measured): [reg] */
            static const unsigned rr[6] = {VMP_RAX, VMP_RCX, VMP_RDX, VMP_RBX, VMP_RSI, VMP_RDI};
            unsigned r = rr[rn(g, 6)];
            setup_mov(g, r, t);
            put(g, (uint8_t)(0x40 | i.w << 3));
            put(g, 0x0F), put(g, 0xAE), put(g, (uint8_t)(0x08 | r));
            g->fault = 1;
            return;
        }
        pick_mem_at(g, &i, t, 0);
        ins_emit(g, &i);
        return;
    }
    /* LDMXCSR / STMXCSR */
    uint64_t t = k == 2 ? prep_target(g, 4, 1) : data_target(g, 4);
    if (k == 2) {
        uint32_t mx = rand_mxcsr(g);
        if (pct(g, 3)) {
            mx |= 1u << (18 + rn(g, 14)) | (pct(g, 50) ? 0x10000u : 0);
            g->fault = 1; /* reserved bits: #GP(0) */
        }
        memcpy(g->data0 + (t - G_DATA), &mx, 4);
        setup_store(g, t, mx, 4);
    }
    pick_mem_at(g, &i, t, 0);
    ins_emit(g, &i);
}

/* ---- MMX ------------------------------------------------------------------- */

/* 0F-map MMX opcodes with an mm, mm/m64 form (the SSE integer
 * extensions and PADDQ/PSUBQ/PMULUDQ included). */
static const uint8_t mmx_ops[] = {
    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x74, 0x75,
    0x76, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF,
    0xE0, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEE, 0xEF,
    0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE};

/* The SSE2 integer opcodes with an xmm, xmm/m128 form under 66h: the MMX
 * ones and PUNPCKLQDQ/PUNPCKHQDQ. */
static const uint8_t sse2i_ops[] = {
    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D,
    0x74, 0x75, 0x76, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD,
    0xDE, 0xDF, 0xE0, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED,
    0xEE, 0xEF, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF8, 0xF9, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE};

/* One 0F-map SIMD instruction: mandatory prefix mp (0, 66, F2, F3), reg
 * field reg, r/m a register rm or (rm < 0) memory of width bytes holding
 * type t (align: must be 16-byte aligned). */
static void simd(struct gen *g, uint8_t mp, uint8_t op, unsigned reg, int rm, unsigned width,
                 unsigned t, int align, int imm)
{
    begin(g, 8);
    struct ins i;
    ins_init(&i);
    if (mp)
        pfx(&i, mp);
    /* 66h beside F2h/F3h is ignored (SDM Vol. 2A §2.1.2), and REX.W
     * changes none of these */
    if ((mp == 0xF2 || mp == 0xF3) && pct(g, 5))
        pfx(&i, 0x66);
    i.w = pct(g, 8);
    opc(&i, 0x0F);
    opc(&i, op);
    i.modrm = 1;
    i.reg = reg;
    if (rm >= 0)
        i.rm = rm;
    else
        mem_op(g, &i, width, t, align);
    if (imm >= 0)
        set_imm(&i, (uint64_t)imm, 1);
    ins_emit(g, &i);
}

void f_mmx(struct gen *g)
{
    g->uses_fp = 1;
    unsigned k = rn(g, 16), a = rn(g, 8), b = rn(g, 8);
    int mem = pct(g, 35);
    if (k < 9) {
        simd(g, 0, mmx_ops[rn(g, sizeof mmx_ops)], a, mem ? -1 : (int)b, 8, T_INT, 0, -1);
    } else if (k == 9) { /* shifts by an immediate: 71/72/73 /2 /4 /6 */
        static const uint8_t o[7] = {0x71, 0x71, 0x71, 0x72, 0x72, 0x72, 0x73};
        static const unsigned e[7] = {2, 4, 6, 2, 4, 6, 2};
        unsigned s = rn(g, 8);
        unsigned ext = s == 7 ? 6 : e[s % 7];
        simd(g, 0, s == 7 ? 0x73 : o[s % 7], ext, (int)b,
             0, 0, 0, (int)(pct(g, 70) ? rn(g, 66) : rn(g, 256)));
    } else if (k == 10) { /* movd/movq mm, r/m; movd/movq r/m, mm */
        begin(g, 8);
        struct ins i;
        ins_init(&i);
        unsigned store = rn(g, 2), w = rn(g, 2);
        opc(&i, 0x0F);
        opc(&i, store ? 0x7E : 0x6E);
        i.w = w;
        i.modrm = 1;
        i.reg = a;
        if (pct(g, 40)) {
            mem_op(g, &i, w ? 8 : 4, T_INT, 0);
        } else {
            i.rm = (int)pick_r(g, store);
            if (store)
                unk(g, (unsigned)i.rm);
        }
        ins_emit(g, &i);
    } else if (k == 11) { /* movq mm, mm/m64 (6F), movq mm/m64, mm (7F) */
        simd(g, 0, rn(g, 2) ? 0x6F : 0x7F, a, mem ? -1 : (int)b, 8, T_INT, 0, -1);
    } else if (k == 12) { /* pshufw, pinsrw, pextrw, pmovmskb */
        unsigned s = rn(g, 4);
        if (s == 0) {
            simd(g, 0, 0x70, a, mem ? -1 : (int)b, 8, T_INT, 0, (int)rn(g, 256));
        } else if (s == 1) {
            unsigned r = pick_r(g, 0);
            simd(g, 0, 0xC4, a, mem ? -1 : (int)r, 2, T_INT, 0, (int)rn(g, 256));
        } else {
            unsigned r = pick_r(g, 1);
            simd(g, 0, s == 2 ? 0xC5 : 0xD7, r, (int)b, 0, 0, 0, s == 2 ? (int)rn(g, 256) : -1);
            unk(g, r);
        }
    } else if (k == 13) { /* movntq m64, mm */
        simd(g, 0, 0xE7, a, -1, 8, T_INT, 0, -1);
    } else if (k == 14) { /* maskmovq mm, mm: a byte-masked store to [rdi] */
        begin(g, 8);
        setup_mov(g, VMP_RDI, G_DATA + rn(g, G_DATA_SIZE - 8));
        put(g, 0x0F), put(g, 0xF7), put(g, (uint8_t)(0xC0 | a << 3 | b));
    } else { /* emms: every tag empty, TOP 0 (SDM Vol. 1 Table 9-2) */
        put(g, 0x0F), put(g, 0x77);
        g->fp_top = 0, g->fp_tags = 0;
        return;
    }
    mmx_state(g);
}

/* ---- SSE/SSE2 ---------------------------------------------------------------- */

void f_sse_int(struct gen *g)
{
    g->uses_fp = 1;
    unsigned k = rn(g, 12), a = rn(g, 16), b = rn(g, 16);
    int mem = pct(g, 35);
    if (k < 8) {
        simd(g, 0x66, sse2i_ops[rn(g, sizeof sse2i_ops)], a, mem ? -1 : (int)b, 16, T_INT, 1, -1);
    } else if (k == 8) { /* shifts by an immediate, PSRLDQ/PSLLDQ */
        static const uint8_t o[8] = {0x71, 0x71, 0x71, 0x72, 0x72, 0x72, 0x73, 0x73};
        static const unsigned e[8] = {2, 4, 6, 2, 4, 6, 2, 6};
        unsigned s = rn(g, 10);
        uint8_t op = s < 8 ? o[s] : 0x73;
        unsigned ext = s < 8 ? e[s] : s == 8 ? 3 : 7;
        simd(g, 0x66, op, ext, (int)b, 0, 0, 0, (int)(pct(g, 70) ? rn(g, 66) : rn(g, 256)));
    } else if (k == 9) { /* pshufd, pshufhw, pshuflw */
        static const uint8_t mp[3] = {0x66, 0xF3, 0xF2};
        simd(g, mp[rn(g, 3)], 0x70, a, mem ? -1 : (int)b, 16, T_INT, 1, (int)rn(g, 256));
    } else if (k == 10) { /* pinsrw xmm, r32/m16, imm; pextrw r32, xmm, imm */
        if (rn(g, 2)) {
            unsigned r = pick_r(g, 0);
            simd(g, 0x66, 0xC4, a, mem ? -1 : (int)r, 2, T_INT, 0, (int)rn(g, 256));
        } else {
            unsigned r = pick_r(g, 1);
            simd(g, 0x66, 0xC5, r, (int)b, 0, 0, 0, (int)rn(g, 256));
            unk(g, r);
        }
    } else { /* pmovmskb r32, xmm */
        unsigned r = pick_r(g, 1);
        simd(g, 0x66, 0xD7, r, (int)b, 0, 0, 0, -1);
        unk(g, r);
    }
}

void f_sse_mov(struct gen *g)
{
    g->uses_fp = 1;
    unsigned k = rn(g, 16), a = rn(g, 16), b = rn(g, 16);
    int mem = pct(g, 45);
    switch (k) {
    case 0: case 1: /* movups/movupd/movss/movsd load and store */
    case 2: { 
        static const uint8_t mp[4] = {0, 0x66, 0xF3, 0xF2};
        unsigned p = rn(g, 4), w = p < 2 ? 16 : p == 2 ? 4 : 8;
        simd(g, mp[p], (uint8_t)(0x10 + rn(g, 2)), a, mem ? -1 : (int)b, w,
             p == 1 || p == 3 ? T_PD : T_PS, 0, -1);
        break;
    }
    case 3: /* movaps/movapd */
        simd(g, rn(g, 2) ? 0x66 : 0, (uint8_t)(0x28 + rn(g, 2)), a, mem ? -1 : (int)b, 16, T_PS, 1, -1);
        break;
    case 4: /* movlps/movhps (memory), movhlps/movlhps (registers); movlpd/movhpd */
        if (pct(g, 30) || !mem) {
            simd(g, 0, rn(g, 2) ? 0x12 : 0x16, a, (int)b, 0, 0, 0, -1);
        } else {
            uint8_t op = (uint8_t)((rn(g, 2) ? 0x12 : 0x16) + rn(g, 2));
            simd(g, rn(g, 2) ? 0x66 : 0, op, a, -1, 8, T_PD, 0, -1);
        }
        break;
    case 5: /* movdqa/movdqu load and store */
        if (rn(g, 2))
            simd(g, 0x66, rn(g, 2) ? 0x6F : 0x7F, a, mem ? -1 : (int)b, 16, T_INT, 1, -1);
        else
            simd(g, 0xF3, rn(g, 2) ? 0x6F : 0x7F, a, mem ? -1 : (int)b, 16, T_INT, 0, -1);
        break;
    case 6: case 7: { /* movd/movq xmm, r/m; movd/movq r/m, xmm */
        begin(g, 8);
        struct ins i;
        ins_init(&i);
        unsigned store = rn(g, 2), w = rn(g, 2);
        pfx(&i, 0x66);
        opc(&i, 0x0F);
        opc(&i, store ? 0x7E : 0x6E);
        i.w = w;
        i.modrm = 1;
        i.reg = a;
        if (pct(g, 40)) {
            mem_op(g, &i, w ? 8 : 4, T_INT, 0);
        } else {
            i.rm = (int)pick_r(g, store);
            if (store)
                unk(g, (unsigned)i.rm);
        }
        ins_emit(g, &i);
        break;
    }
    case 8: /* movq xmm, xmm/m64 (F3 7E); movq xmm/m64, xmm (66 D6) */
        if (rn(g, 2))
            simd(g, 0xF3, 0x7E, a, mem ? -1 : (int)b, 8, T_INT, 0, -1);
        else
            simd(g, 0x66, 0xD6, a, mem ? -1 : (int)b, 8, T_INT, 0, -1);
        break;
    case 9: { /* movntps/movntpd/movntdq m128 (aligned), movnti m32/m64 */
        unsigned s = rn(g, 4);
        if (s == 3) {
            begin(g, 8);
            struct ins i;
            ins_init(&i);
            unsigned w = rn(g, 2);
            opc(&i, 0x0F);
            opc(&i, 0xC3);
            i.w = w;
            i.reg = pick_r(g, 0);
            mem_op(g, &i, w ? 8 : 4, T_INT, 0);
            ins_emit(g, &i);
        } else {
            simd(g, s ? 0x66 : 0, s == 2 ? 0xE7 : 0x2B, a, -1, 16, T_PS, 1, -1);
        }
        break;
    }
    case 10: { /* movmskps/movmskpd r32, xmm */
        unsigned r = pick_r(g, 1);
        simd(g, rn(g, 2) ? 0x66 : 0, 0x50, r, (int)b, 0, 0, 0, -1);
        unk(g, r);
        break;
    }
    case 11: /* maskmovdqu xmm, xmm: byte-masked store to [rdi] */
        begin(g, 8);
        setup_mov(g, VMP_RDI, G_DATA + rn(g, G_DATA_SIZE - 16));
        simd(g, 0x66, 0xF7, a, (int)b, 0, 0, 0, -1);
        break;
    case 12: /* movq2dq xmm, mm; movdq2q mm, xmm: x87 to MMX state */
        if (rn(g, 2))
            simd(g, 0xF3, 0xD6, a, (int)(b & 7), 0, 0, 0, -1);
        else
            simd(g, 0xF2, 0xD6, a & 7, (int)b, 0, 0, 0, -1);
        mmx_state(g);
        break;
    default: /* the logic ops as moves' kin: andps andnps orps xorps (pd) */
        simd(g, rn(g, 2) ? 0x66 : 0, (uint8_t)(0x54 + rn(g, 4)), a, mem ? -1 : (int)b, 16, T_PS, 1, -1);
        break;
    }
}

/* Packed and scalar arithmetic: 51 SQRT, 58 ADD, 59 MUL, 5C SUB, 5D MIN,
 * 5E DIV, 5F MAX, C2 CMP (predicates 0-7), 14/15 UNPCK, C6 SHUF. pd: the
 * double forms (66h/F2h) rather than the single ones (none/F3h). */
static void fp_arith(struct gen *g, int pd)
{
    static const uint8_t ops[10] = {0x51, 0x58, 0x59, 0x5C, 0x5D, 0x5E, 0x5F, 0xC2, 0x14, 0xC6};
    uint8_t op = ops[rn(g, 10)];
    if (op == 0x14)
        op = (uint8_t)(0x14 + rn(g, 2));
    int scalar = op != 0x14 && op != 0x15 && op != 0xC6 && pct(g, 50);
    uint8_t mp = scalar ? (pd ? 0xF2 : 0xF3) : (pd ? 0x66 : 0);
    unsigned a = rn(g, 16), b = rn(g, 16);
    unsigned w = scalar ? (pd ? 8 : 4) : 16;
    int imm = op == 0xC2 ? (int)rn(g, 8) : op == 0xC6 ? (int)rn(g, 256) : -1;
    simd(g, mp, op, a, pct(g, 35) ? -1 : (int)b, w, pd ? (scalar ? T_F64 : T_PD) : (scalar ? T_F32 : T_PS),
         !scalar, imm);
}

void f_sse_ps(struct gen *g)
{
    g->uses_fp = 1;
    fp_arith(g, 0);
}
void f_sse2_pd(struct gen *g)
{
    g->uses_fp = 1;
    fp_arith(g, 1);
}

/* RCPPS RCPSS RSQRTPS RSQRTSS: approximations. */
void f_sse_rcp(struct gen *g)
{
    g->uses_fp = 1;
    int scalar = rn(g, 2);
    simd(g, scalar ? 0xF3 : 0, (uint8_t)(0x52 + rn(g, 2)), rn(g, 16), pct(g, 35) ? -1 : (int)rn(g, 16),
         scalar ? 4 : 16, scalar ? T_F32 : T_PS, !scalar, -1);
}

/* COMISS UCOMISS COMISD UCOMISD: ZF PF CF, and OF SF AF cleared. */
void f_sse_cmp(struct gen *g)
{
    g->uses_fp = 1;
    int pd = rn(g, 2);
    simd(g, pd ? 0x66 : 0, (uint8_t)(0x2E + rn(g, 2)), rn(g, 16), pct(g, 35) ? -1 : (int)rn(g, 16),
         pd ? 8 : 4, pd ? T_F64 : T_F32, 0, -1);
    flags(g, ST_ALL, 0);
}

/* Conversions between singles, doubles, int32/int64 in XMM, GPRs and MMX. */
void f_sse_cvt(struct gen *g)
{
    g->uses_fp = 1;
    unsigned k = rn(g, 14), a = rn(g, 16), b = rn(g, 16);
    int mem = pct(g, 35);
    switch (k) {
    case 0: simd(g, 0, 0x5A, a, mem ? -1 : (int)b, 8, T_PS, 0, -1); break;       /* cvtps2pd m64 */
    case 1: simd(g, 0x66, 0x5A, a, mem ? -1 : (int)b, 16, T_PD, 1, -1); break;   /* cvtpd2ps */
    case 2: simd(g, 0xF3, 0x5A, a, mem ? -1 : (int)b, 4, T_F32, 0, -1); break;   /* cvtss2sd */
    case 3: simd(g, 0xF2, 0x5A, a, mem ? -1 : (int)b, 8, T_F64, 0, -1); break;   /* cvtsd2ss */
    case 4: simd(g, 0, 0x5B, a, mem ? -1 : (int)b, 16, T_INT, 1, -1); break;     /* cvtdq2ps */
    case 5: simd(g, rn(g, 2) ? 0x66 : 0xF3, 0x5B, a, mem ? -1 : (int)b, 16, T_PS, 1, -1); break; /* cvt(t)ps2dq */
    case 6: simd(g, 0xF3, 0xE6, a, mem ? -1 : (int)b, 8, T_INT, 0, -1); break;   /* cvtdq2pd m64 */
    case 7: simd(g, rn(g, 2) ? 0x66 : 0xF2, 0xE6, a, mem ? -1 : (int)b, 16, T_PD, 1, -1); break; /* cvt(t)pd2dq */
    case 8: case 9: { /* cvtsi2ss/sd xmm, r/m32/64 */
        begin(g, 8);
        struct ins i;
        ins_init(&i);
        pfx(&i, k == 8 ? 0xF3 : 0xF2);
        opc(&i, 0x0F);
        opc(&i, 0x2A);
        i.w = rn(g, 2);
        i.modrm = 1;
        i.reg = a;
        if (mem)
            mem_op(g, &i, i.w ? 8 : 4, T_INT, 0);
        else
            i.rm = (int)pick_r(g, 0);
        ins_emit(g, &i);
        break;
    }
    case 10: case 11: { /* cvt(t)ss2si / cvt(t)sd2si r32/64, xmm/m */
        begin(g, 8);
        struct ins i;
        ins_init(&i);
        pfx(&i, k == 10 ? 0xF3 : 0xF2);
        opc(&i, 0x0F);
        opc(&i, (uint8_t)(0x2C + rn(g, 2)));
        i.w = rn(g, 2);
        i.modrm = 1;
        i.reg = pick_r(g, 1);
        if (mem)
            mem_op(g, &i, k == 10 ? 4 : 8, k == 10 ? T_F32 : T_F64, 0);
        else
            i.rm = (int)b;
        ins_emit(g, &i);
        unk(g, i.reg);
        break;
    }
    case 12: /* cvtpi2ps / cvtpi2pd xmm, mm/m64 */
        if (rn(g, 2)) {
            simd(g, 0, 0x2A, a, mem ? -1 : (int)(b & 7), 8, T_INT, 0, -1);
            mmx_state(g); /* SDM Vol. 2A CVTPI2PS: an x87-to-MMX transition */
        } else {
            simd(g, 0x66, 0x2A, a, mem ? -1 : (int)(b & 7), 8, T_INT, 0, -1);
            if (!mem) /* only the register form transitions (Vol. 2A CVTPI2PD) */
                mmx_state(g);
        }
        break;
    default: /* cvt(t)ps2pi mm, xmm/m64; cvt(t)pd2pi mm, xmm/m128 */
        if (rn(g, 2))
            simd(g, 0, (uint8_t)(0x2C + rn(g, 2)), a & 7, mem ? -1 : (int)b, 8, T_PS, 0, -1);
        else
            simd(g, 0x66, (uint8_t)(0x2C + rn(g, 2)), a & 7, mem ? -1 : (int)b, 16, T_PD, 1, -1);
        mmx_state(g);
        break;
    }
}


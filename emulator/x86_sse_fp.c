/* SSE/SSE2 floating point: arithmetic, comparisons, conversions, RCP and
 * RSQRT.
 *
 * On an x86-64 host the arithmetic runs on the host's own SSE unit: one
 * inline-asm instruction per guest instruction, with the guest's rounding
 * control, FTZ and DAZ loaded into the host MXCSR with every exception
 * masked, and the host MXCSR restored inside the same asm statement. The
 * results, NaN propagation (SDM Vol. 1 Table 4-7, §11.5.2.2), integer
 * indefinite values and MXCSR flags are then the CPU's own, bit for bit.
 * Unmasked exceptions are derived from those flags (SDM Vol. 1 §11.5.1):
 * IE/DE/ZE are pre-computation, OE/UE/PE post-computation. On any other
 * host these instructions (except RCP/RSQRT, which are plain C) return
 * VMP_X86_UNHANDLED; defining VMP_SSE_NO_HOST builds that fallback on
 * x86-64 too. */
#include "x86_sse_internal.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(VMP_SSE_NO_HOST)
#define SSE_HOST 1
#include <emmintrin.h>
#endif

/* Operation ids: opcode, prefix index (0 none, 1 66, 2 F3, 3 F2), REX.W. */
#define FID(op, p, w) (((unsigned)(op) << 3) | ((unsigned)(w) << 2) | (unsigned)(p))

#ifdef SSE_HOST
static unsigned pidx(unsigned pfx)
{
    return pfx == 0x66 ? 1 : pfx == 0xf3 ? 2 : pfx == 0xf2 ? 3 : 0;
}

/* Run operation `id` on the host: a = a OP b (a is the destination and
 * first operand), g the general register operand (in or out), zpc the
 * ZF/PF/CF of COMIS/UCOMIS. Returns the MXCSR flags the host raised. */
static unsigned host_run(unsigned id, unsigned imm, uint32_t ctl, union v128 *a,
                         const union v128 *b, uint64_t *g, uint8_t zpc[3])
{
    __m128i va = _mm_loadu_si128((const __m128i *)(const void *)a);
    __m128i vb = _mm_loadu_si128((const __m128i *)(const void *)b);
    uint64_t gr = *g;
    uint8_t z = 0, p = 0, cy = 0;
    uint32_t out = 0, host = 0;
#define HOST(text)                                                             \
    __asm__ volatile("stmxcsr %[host]\n\tldmxcsr %[ctl]\n\t" text              \
                     "\n\tstmxcsr %[out]\n\tldmxcsr %[host]"                   \
                     : [a] "+x"(va), [g] "+r"(gr), [z] "=&q"(z), [p] "=&q"(p), \
                       [cy] "=&q"(cy), [out] "=m"(out), [host] "+m"(host)      \
                     : [b] "x"(vb), [ctl] "m"(ctl)                             \
                     : "cc")
#define X2(ins) HOST(ins " %[b], %[a]")
#define CMP8(ins)                                                              \
    switch (imm & 7) {                                                         \
    case 0: HOST(ins " $0, %[b], %[a]"); break;                                \
    case 1: HOST(ins " $1, %[b], %[a]"); break;                                \
    case 2: HOST(ins " $2, %[b], %[a]"); break;                                \
    case 3: HOST(ins " $3, %[b], %[a]"); break;                                \
    case 4: HOST(ins " $4, %[b], %[a]"); break;                                \
    case 5: HOST(ins " $5, %[b], %[a]"); break;                                \
    case 6: HOST(ins " $6, %[b], %[a]"); break;                                \
    default: HOST(ins " $7, %[b], %[a]"); break;                               \
    }
#define COMI(ins) HOST(ins " %[b], %[a]\n\tsetz %[z]\n\tsetp %[p]\n\tsetc %[cy]")
    switch (id & ~4u) { /* REX.W matters only for the GPR conversions */
    case FID(0x51, 0, 0): X2("sqrtps"); break;
    case FID(0x51, 1, 0): X2("sqrtpd"); break;
    case FID(0x51, 2, 0): X2("sqrtss"); break;
    case FID(0x51, 3, 0): X2("sqrtsd"); break;
    case FID(0x58, 0, 0): X2("addps"); break;
    case FID(0x58, 1, 0): X2("addpd"); break;
    case FID(0x58, 2, 0): X2("addss"); break;
    case FID(0x58, 3, 0): X2("addsd"); break;
    case FID(0x59, 0, 0): X2("mulps"); break;
    case FID(0x59, 1, 0): X2("mulpd"); break;
    case FID(0x59, 2, 0): X2("mulss"); break;
    case FID(0x59, 3, 0): X2("mulsd"); break;
    case FID(0x5c, 0, 0): X2("subps"); break;
    case FID(0x5c, 1, 0): X2("subpd"); break;
    case FID(0x5c, 2, 0): X2("subss"); break;
    case FID(0x5c, 3, 0): X2("subsd"); break;
    case FID(0x5d, 0, 0): X2("minps"); break;
    case FID(0x5d, 1, 0): X2("minpd"); break;
    case FID(0x5d, 2, 0): X2("minss"); break;
    case FID(0x5d, 3, 0): X2("minsd"); break;
    case FID(0x5e, 0, 0): X2("divps"); break;
    case FID(0x5e, 1, 0): X2("divpd"); break;
    case FID(0x5e, 2, 0): X2("divss"); break;
    case FID(0x5e, 3, 0): X2("divsd"); break;
    case FID(0x5f, 0, 0): X2("maxps"); break;
    case FID(0x5f, 1, 0): X2("maxpd"); break;
    case FID(0x5f, 2, 0): X2("maxss"); break;
    case FID(0x5f, 3, 0): X2("maxsd"); break;
    case FID(0x5a, 0, 0): X2("cvtps2pd"); break;
    case FID(0x5a, 1, 0): X2("cvtpd2ps"); break;
    case FID(0x5a, 2, 0): X2("cvtss2sd"); break;
    case FID(0x5a, 3, 0): X2("cvtsd2ss"); break;
    case FID(0x5b, 0, 0): X2("cvtdq2ps"); break;
    case FID(0x5b, 1, 0): X2("cvtps2dq"); break;
    case FID(0x5b, 2, 0): X2("cvttps2dq"); break;
    case FID(0xe6, 1, 0): X2("cvttpd2dq"); break;
    case FID(0xe6, 2, 0): X2("cvtdq2pd"); break;
    case FID(0xe6, 3, 0): X2("cvtpd2dq"); break;
    case FID(0x2a, 2, 0):
        if (id & 4)
            HOST("cvtsi2ssq %q[g], %[a]");
        else
            HOST("cvtsi2ssl %k[g], %[a]");
        break;
    case FID(0x2a, 3, 0):
        if (id & 4)
            HOST("cvtsi2sdq %q[g], %[a]");
        else
            HOST("cvtsi2sdl %k[g], %[a]");
        break;
    case FID(0x2c, 2, 0):
        if (id & 4)
            HOST("cvttss2si %[b], %q[g]");
        else
            HOST("cvttss2si %[b], %k[g]");
        break;
    case FID(0x2c, 3, 0):
        if (id & 4)
            HOST("cvttsd2si %[b], %q[g]");
        else
            HOST("cvttsd2si %[b], %k[g]");
        break;
    case FID(0x2d, 2, 0):
        if (id & 4)
            HOST("cvtss2si %[b], %q[g]");
        else
            HOST("cvtss2si %[b], %k[g]");
        break;
    case FID(0x2d, 3, 0):
        if (id & 4)
            HOST("cvtsd2si %[b], %q[g]");
        else
            HOST("cvtsd2si %[b], %k[g]");
        break;
    case FID(0x2e, 0, 0): COMI("ucomiss"); break;
    case FID(0x2e, 1, 0): COMI("ucomisd"); break;
    case FID(0x2f, 0, 0): COMI("comiss"); break;
    case FID(0x2f, 1, 0): COMI("comisd"); break;
    case FID(0xc2, 0, 0): CMP8("cmpps"); break;
    case FID(0xc2, 1, 0): CMP8("cmppd"); break;
    case FID(0xc2, 2, 0): CMP8("cmpss"); break;
    case FID(0xc2, 3, 0): CMP8("cmpsd"); break;
    default:
        return ~0u; /* not reached: callers pass listed ids */
    }
#undef HOST
#undef X2
#undef CMP8
#undef COMI
    _mm_storeu_si128((__m128i *)(void *)a, va);
    *g = gr;
    if (zpc) {
        zpc[0] = z;
        zpc[1] = p;
        zpc[2] = cy;
    }
    return out & MXCSR_FLAGS;
}

/* ---- PE after an unmasked overflow or underflow -----------------------
 * The hardware then rounds the result to the format's precision with an
 * unbounded exponent and sets PE only if that loses bits (SDM Vol. 1
 * §4.9.1.4, §4.9.1.5); the masked run cannot say. Only ADD, SUB, MUL,
 * DIV and CVTPD2PS/CVTSD2SS overflow or underflow: for their elements
 * that do, exactness is decided with integer arithmetic. */
typedef unsigned __int128 u128;

struct fpnum {
    uint64_t m; /* significand as an integer */
    int e;      /* value = m * 2^e */
    bool neg;
};

static struct fpnum fp_split(uint64_t bits, bool dbl, bool daz)
{
    unsigned mb = dbl ? 52 : 23, eb = dbl ? 11 : 8;
    int bias = dbl ? 1023 : 127;
    struct fpnum n;
    n.neg = (bits >> (mb + eb)) & 1;
    unsigned ex = (unsigned)(bits >> mb) & ((1u << eb) - 1);
    n.m = bits & ((1ull << mb) - 1);
    if (ex) {
        n.m |= 1ull << mb;
        n.e = (int)ex - bias - (int)mb;
    } else {
        n.e = 1 - bias - (int)mb;
        if (daz)
            n.m = 0;
    }
    return n;
}

/* Does x (non-zero) fit in p significant bits? */
static bool fits(u128 x, unsigned p)
{
    if (!x)
        return true;
    while (!(x & 1))
        x >>= 1;
    return x < ((u128)1 << p);
}

/* Is a OP b exactly representable with p bits (any exponent)? */
static bool exact_op(unsigned op, struct fpnum a, struct fpnum b, unsigned p)
{
    switch (op) {
    case 0x59: /* MUL */
        return fits((u128)a.m * b.m, p);
    case 0x5e: { /* DIV: b's odd part must divide a */
        if (!b.m)
            return true;
        uint64_t odd = b.m;
        while (!(odd & 1))
            odd >>= 1;
        return a.m % odd == 0 && fits(a.m / odd, p);
    }
    case 0x58: case 0x5c: { /* ADD, SUB */
        if (op == 0x5c)
            b.neg = !b.neg;
        if (!a.m || !b.m)
            return true;
        if (a.e < b.e) {
            struct fpnum t = a;
            a = b;
            b = t;
        }
        unsigned d = (unsigned)(a.e - b.e);
        if (d > p + 2)
            return false; /* the span from b's low bit to a's top exceeds p */
        __int128 s = (__int128)((u128)a.m << d) * (a.neg ? -1 : 1) +
                     (__int128)b.m * (b.neg ? -1 : 1);
        return fits((u128)(s < 0 ? -s : s), p);
    }
    default: /* CVTPD2PS, CVTSD2SS */
        return fits(b.m, p);
    }
}

static unsigned post_fault_pe(unsigned id, uint32_t ctl, const union v128 *a,
                              const union v128 *b, unsigned unmasked)
{
    unsigned op = id >> 3, p = id & 3;
    bool cvt = op == 0x5a;
    bool dbl = cvt ? true : (p & 1); /* operand format */
    unsigned n = cvt ? (p == 1 ? 2 : 1) : (p == 0 ? 4 : p == 1 ? 2 : 1);
    unsigned sid = FID(op, cvt ? 3 : (p & 1) ? 3 : 2, 0); /* scalar twin */
    bool daz = ctl & MXCSR_DAZ;
    unsigned pe = 0;
    for (unsigned i = 0; i < n; i++) {
        union v128 x, y;
        memset(&x, 0, sizeof(x));
        memset(&y, 0, sizeof(y));
        uint64_t ga = dbl ? a->q[i] : a->d[i], gb = dbl ? b->q[i] : b->d[i];
        if (dbl) {
            x.q[0] = ga;
            y.q[0] = gb;
        } else {
            x.d[0] = (uint32_t)ga;
            y.d[0] = (uint32_t)gb;
        }
        uint64_t g = 0;
        unsigned fl = host_run(sid, 0, ctl, &x, &y, &g, NULL);
        if (fl & unmasked & (MXCSR_OE | MXCSR_UE)) {
            if (!exact_op(op, fp_split(ga, dbl, daz), fp_split(gb, dbl, daz),
                          cvt ? 24 : dbl ? 53 : 24))
                pe = MXCSR_PE;
        } else {
            pe |= fl & MXCSR_PE;
        }
    }
    return pe;
}

/* Execute `id` for the guest: a = a OP b, with MXCSR exception semantics
 * (SDM Vol. 1 §11.5.1). Commits a, g and zpc only when no unmasked
 * exception fires; MXCSR flags are set either way. */
static int fp_run(struct sse *s, unsigned id, union v128 *a, const union v128 *b,
                  uint64_t *g, uint8_t zpc[3])
{
    uint32_t *mx = &s->c->cpu->fpu.mxcsr;
    uint32_t ctl = (*mx & (MXCSR_RC | MXCSR_FTZ | MXCSR_DAZ)) | MXCSR_MASKS;
    unsigned unmasked = ~(*mx >> 7) & MXCSR_FLAGS;
    union v128 r = *a;
    uint64_t gr = *g;
    unsigned fl = host_run(id, s->imm, ctl, &r, b, &gr, zpc);
    if (fl == ~0u)
        return VMP_X86_UNHANDLED;
    unsigned pre = fl & (MXCSR_IE | MXCSR_DE | MXCSR_ZE);
    if (pre & unmasked) {
        /* no computation; the flags of every pre-computation exception */
        *mx |= pre;
        return sse_simd_fault(s);
    }
    unsigned post = fl & (MXCSR_OE | MXCSR_UE | MXCSR_PE);
    if ((unmasked & MXCSR_UE) && !(post & MXCSR_UE)) {
        /* With UE unmasked a tiny result signals underflow even when
         * exact (SDM Vol. 1 §4.9.1.5); the masked run reports only tiny
         * and inexact. FTZ flushes every tiny result with UE set, so a
         * rerun with FTZ answers "was any element tiny". */
        union v128 r2 = *a;
        uint64_t g2 = *g;
        post |= host_run(id, s->imm, ctl | MXCSR_FTZ, &r2, b, &g2, NULL) & MXCSR_UE;
    }
    if (post & unmasked & (MXCSR_OE | MXCSR_UE))
        post = (post & ~MXCSR_PE) | post_fault_pe(id, ctl, a, b, unmasked);
    *mx |= pre | post;
    if (post & unmasked)
        return sse_simd_fault(s);
    *a = r;
    *g = gr;
    return 0;
}
#endif /* SSE_HOST */

/* ---- RCPPS/RCPSS and RSQRTPS/RSQRTSS: plain C, deterministic ----------
 * Real CPUs return a table-based approximation with |relative error| <=
 * 1.5 * 2^-12 that differs between vendors; these return the exact value
 * truncated to 24 bits (|relative error| < 2^-22), with the special cases
 * of the SDM (RCPSS/RSQRTSS): denormal and zero inputs give an infinity of
 * the input's sign, tiny results flush to zero, SNaN becomes QNaN, a
 * negative RSQRT input gives the default QNaN. MXCSR is neither read nor
 * written. */
static uint32_t f32_rcp(uint32_t x)
{
    uint32_t sign = x & 0x80000000u, e = (x >> 23) & 0xff, m = x & 0x7fffff;
    if (e == 0xff)
        return m ? x | 0x400000 : sign; /* NaN quietened, inf -> 0 */
    if (e == 0)
        return sign | 0x7f800000; /* zero and denormal -> inf */
    uint64_t q = (1ull << 48) / (m | 0x800000); /* in (2^24, 2^25] */
    int be = 253 - (int)e;
    q >>= 1;
    if (q >> 24) {
        q >>= 1;
        be++;
    }
    if (be <= 0)
        return sign; /* tiny: flushed */
    return sign | (uint32_t)be << 23 | ((uint32_t)q & 0x7fffff);
}

static uint64_t isqrt64(uint64_t v)
{
    uint64_t r = 0, bit = 1ull << 62;
    while (bit > v)
        bit >>= 2;
    while (bit) {
        if (v >= r + bit) {
            v -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return r;
}

static uint32_t f32_rsqrt(uint32_t x)
{
    uint32_t sign = x & 0x80000000u, e = (x >> 23) & 0xff, m = x & 0x7fffff;
    if (e == 0xff && m)
        return x | 0x400000;
    if (e == 0)
        return sign | 0x7f800000;
    if (sign)
        return 0xffc00000u; /* negative (incl. -inf): QNaN indefinite */
    if (e == 0xff)
        return 0;
    /* x = mm * 2^k with k even */
    uint64_t mm = m | 0x800000;
    int k = (int)e - 150;
    if (k & 1) {
        mm <<= 1;
        k--;
    }
    uint64_t t = isqrt64(mm << 38);     /* sqrt(mm) * 2^19, mm < 2^25 */
    uint64_t q = (1ull << 55) / t;      /* in (2^23.5, 2^24.5] */
    int be = 127 - 13 - k / 2;
    if (q >> 24) {
        q >>= 1;
        be++;
    }
    return (uint32_t)be << 23 | ((uint32_t)q & 0x7fffff);
}

static int rcp_rsqrt(struct sse *s)
{
    bool packed = s->pfx == 0;
    TRY(x86_fpu_check(s->c, X86_FPU_SSE));
    union v128 d, a;
    TRY(sse_read_rm(s, RM_XMM, packed ? 16 : 4, packed, &a));
    sse_xmm_get(s, s->reg, &d);
    for (unsigned i = 0; i < (packed ? 4u : 1u); i++)
        d.d[i] = s->op == 0x53 ? f32_rcp(a.d[i]) : f32_rsqrt(a.d[i]);
    sse_xmm_set(s, s->reg, &d);
    return 0;
}

#ifdef SSE_HOST
/* xmm[reg] = xmm[reg] OP xmm/m (arithmetic, CMP, XMM-to-XMM conversions).
 * src: bytes of a memory source; align: a 16-byte operand. */
static int fp_xmm(struct sse *s, unsigned id, unsigned src, bool align)
{
    TRY(x86_fpu_check(s->c, X86_FPU_SSE));
    union v128 d, a;
    uint64_t g = 0;
    TRY(sse_read_rm(s, RM_XMM, src, align, &a));
    sse_xmm_get(s, s->reg, &d);
    TRY(fp_run(s, id, &d, &a, &g, NULL));
    sse_xmm_set(s, s->reg, &d);
    return 0;
}

/* CVTSI2SS/SD xmm, r/m32|64 (REX.W). */
static int cvt_from_gpr(struct sse *s)
{
    TRY(x86_fpu_check(s->c, X86_FPU_SSE));
    unsigned sz = s->rexw ? 8 : 4;
    uint64_t g = 0;
    if (s->mem)
        TRY(x86_read_mem(s->c, s->in->mem.seg, x86_ea(s->c), &g, sz));
    else
        g = s->c->cpu->gpr[s->rm] & x86_mask(sz);
    union v128 d, zero;
    memset(&zero, 0, sizeof(zero));
    sse_xmm_get(s, s->reg, &d);
    TRY(fp_run(s, FID(s->op, pidx(s->pfx), s->rexw), &d, &zero, &g, NULL));
    sse_xmm_set(s, s->reg, &d);
    return 0;
}

/* CVT(T)SS2SI, CVT(T)SD2SI r32|64, xmm/m. */
static int cvt_to_gpr(struct sse *s)
{
    TRY(x86_fpu_check(s->c, X86_FPU_SSE));
    unsigned sz = s->rexw ? 8 : 4;
    union v128 a, d;
    TRY(sse_read_rm(s, RM_XMM, s->pfx == 0xf3 ? 4 : 8, false, &a));
    memset(&d, 0, sizeof(d));
    uint64_t g = 0;
    TRY(fp_run(s, FID(s->op, pidx(s->pfx), s->rexw), &d, &a, &g, NULL));
    x86_reg_set(s->c->cpu, s->reg, sz, false, g);
    return 0;
}

/* The conversions with an MMX operand, done with their XMM twins on the
 * low quadword (the upper elements are zero and raise nothing):
 * CVTPI2PS/CVTPI2PD xmm, mm/m64 and CVT(T)PS2PI / CVT(T)PD2PI mm, xmm/m.
 * Only an MMX register operand makes the MMX transition and takes a
 * pending x87 exception first (SDM Vol. 2 CVTPI2PS). */
static int cvt_mmx_body(struct sse *s, bool to_mm, bool pd);

static int cvt_mmx(struct sse *s)
{
    bool to_mm = s->op != 0x2a, pd = s->pfx == 0x66;
    bool mmx_reg = to_mm || !s->mem;
    TRY(x86_fpu_check(s->c, X86_FPU_SSE));
    if (mmx_reg && (s->c->cpu->fpu.fsw & 0x80))
        return x86_raise(s->c, VMP_X86_MF, 0, 0);
    int rc = cvt_mmx_body(s, to_mm, pd);
    if (rc == VMP_X86_EXCEPTION && mmx_reg && s->simd_fault) {
        /* an unmasked SIMD exception comes after the MMX transition (as
         * the hardware does it: test_sse_native_fp_unmasked) */
        s->c->cpu->fpu.fsw &= (uint16_t)~0x3800u;
        s->c->cpu->fpu.ftw = 0xff;
    }
    return rc;
}

static int cvt_mmx_body(struct sse *s, bool to_mm, bool pd)
{
    union v128 a, d;
    uint64_t g = 0;
    if (!to_mm) {
        TRY(sse_read_rm(s, RM_MMX, 8, false, &a));
        sse_xmm_get(s, s->reg, &d);
        union v128 r = d;
        TRY(fp_run(s, pd ? FID(0xe6, 2, 0) : FID(0x5b, 0, 0), &r, &a, &g, NULL));
        if (pd)
            d = r;
        else
            d.q[0] = r.q[0];
        sse_xmm_set(s, s->reg, &d);
        if (!s->mem)
            s->mmx_done = true;
        return 0;
    }
    TRY(sse_read_rm(s, RM_XMM, pd ? 16 : 8, pd, &a));
    if (!pd)
        a.q[1] = 0;
    bool trunc = s->op == 0x2c;
    unsigned id = pd ? (trunc ? FID(0xe6, 1, 0) : FID(0xe6, 3, 0))
                     : (trunc ? FID(0x5b, 2, 0) : FID(0x5b, 1, 0));
    memset(&d, 0, sizeof(d));
    TRY(fp_run(s, id, &d, &a, &g, NULL));
    sse_mm_set(s, s->mreg, d.q[0]);
    return 0;
}

/* COMISS/UCOMISS/COMISD/UCOMISD: ZF PF CF from the compare, OF SF AF
 * cleared (SDM Vol. 2 COMISS). */
static int comis(struct sse *s)
{
    TRY(x86_fpu_check(s->c, X86_FPU_SSE));
    union v128 d, a;
    uint64_t g = 0;
    uint8_t zpc[3];
    TRY(sse_read_rm(s, RM_XMM, s->pfx == 0x66 ? 8 : 4, false, &a));
    sse_xmm_get(s, s->reg, &d);
    TRY(fp_run(s, FID(s->op, pidx(s->pfx), 0), &d, &a, &g, zpc));
    uint64_t f = (zpc[0] ? VMP_FLAG_ZF : 0) | (zpc[1] ? VMP_FLAG_PF : 0) |
                 (zpc[2] ? VMP_FLAG_CF : 0);
    x86_set_flags(s->c->cpu, X86_ARITH, f);
    return 0;
}
#endif

int sse_exec_fp(struct sse *s)
{
    if (s->op == 0x52 || s->op == 0x53)
        return rcp_rsqrt(s);
#ifndef SSE_HOST
    return VMP_X86_UNHANDLED; /* needs an x86-64 host (see the header) */
#else
    unsigned p = pidx(s->pfx);
    bool packed = p < 2;
    unsigned esz = (p & 1) ? 8 : 4; /* PD/SD: 8, PS/SS: 4 */
    switch (s->op) {
    case 0x51: case 0x58: case 0x59: case 0x5c: case 0x5d: case 0x5e: case 0x5f:
    case 0xc2:
        return fp_xmm(s, FID(s->op, p, 0), packed ? 16 : esz, packed);
    case 0x5a: /* CVTPS2PD m64, CVTPD2PS m128, CVTSS2SD m32, CVTSD2SS m64 */
        return fp_xmm(s, FID(0x5a, p, 0), p == 1 ? 16 : p == 2 ? 4 : 8, p == 1);
    case 0x5b:
        return fp_xmm(s, FID(0x5b, p, 0), 16, true);
    case 0xe6: /* CVTDQ2PD reads m64 */
        return fp_xmm(s, FID(0xe6, p, 0), p == 2 ? 8 : 16, p != 2);
    case 0x2a:
        return packed ? cvt_mmx(s) : cvt_from_gpr(s);
    case 0x2c: case 0x2d:
        return packed ? cvt_mmx(s) : cvt_to_gpr(s);
    case 0x2e: case 0x2f:
        return comis(s);
    default:
        return VMP_X86_UNHANDLED;
    }
#endif
}

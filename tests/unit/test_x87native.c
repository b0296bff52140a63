/* x87 against the host CPU (x86-64 hosts): random and special operands
 * (zeros, denormals, pseudo-denormals, unnormals, infinities, QNaNs,
 * SNaNs, pseudo-NaNs, integers and halves), every rounding and precision
 * control, random exception masks and stack depths 0..8 (so overflow and
 * underflow, SDM Vol. 1 §8.5.1.1, are covered). Each case runs once
 * natively — FNINIT, FLD m80 of the stack, FLDCW, FXAM (so C0-C3 vary),
 * the instruction written
 * out in this file, FNSAVE — and once in the emulator from guest memory
 * (FNINIT, FLD m80..., FLDCW, FXAM, the instruction with a [disp32] memory
 * operand, FNSTENV). FSW (C0-C3, TOP, flags, SF, ES, B), the full tag
 * word, all eight registers, the stored memory bytes and, for FCOMI and
 * friends, ZF PF CF must be identical. Elsewhere the suite is empty. */
#include "helpers.h"
#include "x86_env.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <stdio.h>

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

enum { R, L, S }; /* register form, memory load, memory store */
/* escape, ModRM (memory forms: [rdi] natively), kind, memory size */
#define OPS(X)                                                                        \
    X(0xd8, 0xc1, R, 0) X(0xd8, 0xc9, R, 0) X(0xd8, 0xd1, R, 0) X(0xd8, 0xd9, R, 0)   \
    X(0xd8, 0xe1, R, 0) X(0xd8, 0xe9, R, 0) X(0xd8, 0xf1, R, 0) X(0xd8, 0xf9, R, 0)   \
    X(0xd8, 0xc0, R, 0) X(0xd9, 0xc1, R, 0) X(0xd9, 0xc9, R, 0) X(0xd9, 0xd0, R, 0)   \
    X(0xd9, 0xd9, R, 0) X(0xd9, 0xe0, R, 0) X(0xd9, 0xe1, R, 0) X(0xd9, 0xe4, R, 0)   \
    X(0xd9, 0xe5, R, 0) X(0xd9, 0xe8, R, 0) X(0xd9, 0xe9, R, 0) X(0xd9, 0xea, R, 0)   \
    X(0xd9, 0xeb, R, 0) X(0xd9, 0xec, R, 0) X(0xd9, 0xed, R, 0) X(0xd9, 0xee, R, 0)   \
    X(0xd9, 0xf0, R, 0) X(0xd9, 0xf1, R, 0) X(0xd9, 0xf2, R, 0) X(0xd9, 0xf3, R, 0)   \
    X(0xd9, 0xf4, R, 0) X(0xd9, 0xf5, R, 0) X(0xd9, 0xf6, R, 0) X(0xd9, 0xf7, R, 0)   \
    X(0xd9, 0xf8, R, 0) X(0xd9, 0xf9, R, 0) X(0xd9, 0xfa, R, 0) X(0xd9, 0xfb, R, 0)   \
    X(0xd9, 0xfc, R, 0) X(0xd9, 0xfd, R, 0) X(0xd9, 0xfe, R, 0) X(0xd9, 0xff, R, 0)   \
    X(0xda, 0xc1, R, 0) X(0xda, 0xc9, R, 0) X(0xda, 0xd1, R, 0) X(0xda, 0xd9, R, 0)   \
    X(0xda, 0xe9, R, 0) X(0xdb, 0xc1, R, 0) X(0xdb, 0xc9, R, 0) X(0xdb, 0xd1, R, 0)   \
    X(0xdb, 0xd9, R, 0) X(0xdb, 0xe9, R, 0) X(0xdb, 0xf1, R, 0) X(0xdc, 0xc1, R, 0)   \
    X(0xdc, 0xc9, R, 0) X(0xdc, 0xd1, R, 0) X(0xdc, 0xd9, R, 0) X(0xdc, 0xe1, R, 0)   \
    X(0xdc, 0xe9, R, 0) X(0xdc, 0xf1, R, 0) X(0xdc, 0xf9, R, 0) X(0xdd, 0xc1, R, 0)   \
    X(0xdd, 0xc9, R, 0) X(0xdd, 0xd1, R, 0) X(0xdd, 0xd9, R, 0) X(0xdd, 0xe1, R, 0)   \
    X(0xdd, 0xe9, R, 0) X(0xde, 0xc1, R, 0) X(0xde, 0xc9, R, 0) X(0xde, 0xd1, R, 0)   \
    X(0xde, 0xd9, R, 0) X(0xde, 0xe1, R, 0) X(0xde, 0xe9, R, 0) X(0xde, 0xf1, R, 0)   \
    X(0xde, 0xf9, R, 0) X(0xdf, 0xc1, R, 0) X(0xdf, 0xc9, R, 0) X(0xdf, 0xd1, R, 0)   \
    X(0xdf, 0xd9, R, 0) X(0xdf, 0xe9, R, 0) X(0xdf, 0xf1, R, 0)                       \
    X(0xd8, 0x07, L, 4) X(0xd8, 0x0f, L, 4) X(0xd8, 0x17, L, 4) X(0xd8, 0x1f, L, 4)   \
    X(0xd8, 0x27, L, 4) X(0xd8, 0x2f, L, 4) X(0xd8, 0x37, L, 4) X(0xd8, 0x3f, L, 4)   \
    X(0xda, 0x07, L, 4) X(0xda, 0x0f, L, 4) X(0xda, 0x17, L, 4) X(0xda, 0x1f, L, 4)   \
    X(0xda, 0x27, L, 4) X(0xda, 0x2f, L, 4) X(0xda, 0x37, L, 4) X(0xda, 0x3f, L, 4)   \
    X(0xdc, 0x07, L, 8) X(0xdc, 0x0f, L, 8) X(0xdc, 0x17, L, 8) X(0xdc, 0x1f, L, 8)   \
    X(0xdc, 0x27, L, 8) X(0xdc, 0x2f, L, 8) X(0xdc, 0x37, L, 8) X(0xdc, 0x3f, L, 8)   \
    X(0xde, 0x07, L, 2) X(0xde, 0x0f, L, 2) X(0xde, 0x17, L, 2) X(0xde, 0x1f, L, 2)   \
    X(0xde, 0x27, L, 2) X(0xde, 0x2f, L, 2) X(0xde, 0x37, L, 2) X(0xde, 0x3f, L, 2)   \
    X(0xd9, 0x07, L, 4) X(0xd9, 0x17, S, 4) X(0xd9, 0x1f, S, 4) X(0xdb, 0x07, L, 4)   \
    X(0xdb, 0x17, S, 4) X(0xdb, 0x1f, S, 4) X(0xdb, 0x2f, L, 10) X(0xdb, 0x3f, S, 10) \
    X(0xdd, 0x07, L, 8) X(0xdd, 0x17, S, 8) X(0xdd, 0x1f, S, 8) X(0xdf, 0x07, L, 2)   \
    X(0xdf, 0x17, S, 2) X(0xdf, 0x1f, S, 2) X(0xdf, 0x27, L, 10) X(0xdf, 0x2f, L, 8)  \
    X(0xdf, 0x37, S, 10) X(0xdf, 0x3f, S, 8)
/* FISTTP (SSE3) */
#define OPS_SSE3(X) X(0xdb, 0x0f, S, 4) X(0xdd, 0x0f, S, 8) X(0xdf, 0x0f, S, 2)

/* RFLAGS are loaded first (FCMOVcc reads them); the stack pointer moves
 * past the red zone around POPF */
typedef void nat_fn(uint8_t *buf, uint64_t fi, uint8_t fl[3]);
#define NAT(op, m, k, sz)                                                             \
    static void nat_##op##_##m(uint8_t *buf, uint64_t fi, uint8_t fl[3])              \
    {                                                                                 \
        __asm__ volatile("lea -128(%%rsp), %%rsp\n\tpush %4\n\tpopfq\n\t"            \
                         "lea 128(%%rsp), %%rsp\n\t"                                   \
                         ".byte " #op ", " #m "\n\tsetc %1\n\tsetz %2\n\tsetp %3"     \
                         : "+m"(*(uint8_t(*)[16])buf), "=m"(fl[0]), "=m"(fl[1]),      \
                           "=m"(fl[2])                                                \
                         : "r"(fi), "D"(buf)                                          \
                         : "cc");                                                     \
    }
OPS(NAT)
OPS_SSE3(NAT)

struct op {
    uint8_t esc, modrm, kind, size;
    nat_fn *fn;
};
#define ENT(op, m, k, sz) { op, m, k, sz, nat_##op##_##m },
static const struct op ops[] = { OPS(ENT) };
static const struct op ops_sse3[] = { OPS_SSE3(ENT) };

/* the native run */
static void nat_run(const struct op *o, uint8_t vals[8][10], unsigned k, uint16_t cw,
                    uint64_t fi, uint8_t buf[16], uint8_t img[108], uint8_t fl[3])
{
    uint8_t host[108];
    /* empty registers hold +0 on both sides (FXAM reads an empty one's sign) */
    __asm__ volatile("fnsave %0\n\tfninit\n\t"
                     "fldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\tfldz\n\t"
                     "fninit" : "=m"(host));
    for (unsigned i = 0; i < k; i++)
        __asm__ volatile("fldt %0" : : "m"(*(uint8_t(*)[10])vals[k - 1 - i]));
    /* FXAM first: C0-C3 enter the instruction set by the class of ST(0) */
    __asm__ volatile("fldcw %0\n\tfxam" : : "m"(cw));
    o->fn(buf, 0x202 | (fi & 0x8d5), fl);
    __asm__ volatile("fnsave %0\n\tfrstor %1" : "=m"(*(uint8_t(*)[108])img) : "m"(host));
}

static int emu(struct xenv *e, const void *code, size_t len)
{
    xenv_put(e, e->cpu.rip, code, len);
    e->cpu.event.valid = 0;
    struct vmp_x86_insn in;
    int rc = vmp_x86_fetch_decode(&e->cpu, &xenv_ops, e, &in);
    return rc ? rc : vmp_x86_execute(&e->cpu, &xenv_ops, e, &in);
}
#define E(...) emu(e, (uint8_t[]){ __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }))

/* the emulated run: values at 0x2000 + 16 * i, operand at 0x2100, control
 * word at 0x2200, FNSTENV image at 0x2300 */
static int emu_run(struct xenv *e, const struct op *o, uint8_t vals[8][10], unsigned k,
                   uint16_t cw, uint64_t fi, uint8_t buf[16])
{
    e->cpu.rip = 0x1000;
    e->cpu.rflags = 2 | (fi & 0x8d5);
    ck_assert_int_eq(E(0xdb, 0xe3), 0);
    memset(e->cpu.fpu.st, 0, sizeof(e->cpu.fpu.st));
    for (unsigned i = 0; i < k; i++) {
        unsigned a = 0x2000 + 16 * (k - 1 - i);
        xenv_put(e, a, vals[k - 1 - i], 10);
        ck_assert_int_eq(E(0xdb, 0x2d, a & 0xff, a >> 8, 0, 0), 0);
    }
    xenv_put(e, 0x2200, &cw, 2);
    ck_assert_int_eq(E(0xd9, 0x2d, 0x00, 0x22, 0, 0), 0);
    ck_assert_int_eq(E(0xd9, 0xe5), 0); /* fxam */
    xenv_put(e, 0x2100, buf, 16);
    int rc;
    if (o->kind == R)
        rc = E(o->esc, o->modrm);
    else
        rc = E(o->esc, (o->modrm & 0x38) | 5, 0x00, 0x21, 0, 0);
    ck_assert_int_eq(E(0xd9, 0x35, 0x00, 0x23, 0, 0), 0); /* fnstenv */
    return rc;
}

static void rnd_f80(uint8_t v[10])
{
    uint64_t m = rnd(), r = rnd();
    uint16_t ex, sign = (r & 1) << 15;
    switch ((r >> 1) % 16) {
    case 0: ex = 0; m = 0; break;                                 /* zero */
    case 1: ex = 0; m &= ~(1ull << 63); break;                    /* denormal */
    case 2: ex = 0; m |= 1ull << 63; break;                       /* pseudo-denormal */
    case 3: ex = 0x7fff; m = 1ull << 63; break;                   /* infinity */
    case 4: ex = 0x7fff; m |= 3ull << 62; break;                  /* QNaN */
    case 5: ex = 0x7fff; m = (m & ~(3ull << 62)) | (1ull << 63) | 1; break; /* SNaN */
    case 6: ex = (uint16_t)(1 + rnd() % 0x7ffe); m &= ~(1ull << 63); break; /* unnormal */
    case 7: ex = 0x7fff; m &= ~(1ull << 63); break;               /* pseudo-NaN/inf */
    case 8: case 9: /* integers and halves */
        ex = (uint16_t)(0x3fff + rnd() % 66);
        m = (m | 1ull << 63) & (~0ull << (rnd() % 64));
        break;
    case 10: case 11: case 12:
        ex = (uint16_t)(0x3fff - 64 + rnd() % 129); m |= 1ull << 63; break;
    case 13:
        ex = (uint16_t)(0x3fff - 1 + rnd() % 3); m |= 1ull << 63; break;
    default:
        ex = (uint16_t)(1 + rnd() % 0x7ffe); m |= 1ull << 63; break;
    }
    ex |= sign;
    memcpy(v, &m, 8);
    memcpy(v + 8, &ex, 2);
}

static void rnd_mem(uint8_t buf[16], unsigned size, uint8_t esc)
{
    uint64_t r = rnd(), x = rnd();
    memset(buf, 0xa5, 16);
    if (size == 10 && esc == 0xdb) {
        rnd_f80(buf);
        return;
    }
    bool fp = esc == 0xd8 || esc == 0xdc || (esc == 0xd9) || (esc == 0xdd);
    if (fp && size == 4) {
        static const uint32_t sp[] = { 0, 0x80000000, 1, 0x807fffff, 0x7f800000, 0xff800000,
                                       0x7fc00000, 0x7f800001, 0x7fa00000, 0x3f800000 };
        uint32_t v = r & 1 ? sp[(r >> 1) % 10] : (uint32_t)x;
        memcpy(buf, &v, 4);
    } else if (fp && size == 8) {
        static const uint64_t sp[] = { 0, 1ull << 63, 1, 0x000fffffffffffffull,
                                       0x7ff0000000000000ull, 0xfff0000000000000ull,
                                       0x7ff8000000000000ull, 0x7ff0000000000001ull,
                                       0x3ff0000000000000ull };
        uint64_t v = r & 1 ? sp[(r >> 1) % 9] : x;
        memcpy(buf, &v, 8);
    } else if (size == 10) { /* BCD: valid digits mostly */
        for (unsigned i = 0; i < 9; i++)
            buf[i] = (uint8_t)((r & 7) ? (rnd() % 10) | (rnd() % 10) << 4 : rnd());
        buf[9] = (uint8_t)(r & 8 ? 0x80 : (r & 16 ? rnd() : 0));
    } else { /* integers: small ones half the time */
        uint64_t v = r & 1 ? (uint64_t)((int64_t)(x % 2001) - 1000) : x;
        memcpy(buf, &v, size);
    }
}

static bool is_fcomi(const struct op *o)
{
    return (o->esc == 0xdb || o->esc == 0xdf) && o->modrm >= 0xe8 && o->modrm < 0xf8;
}

static void run_cases(const struct op *tab, size_t n, unsigned cases)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    if (E(0xd9, 0xeb) == VMP_X86_UNHANDLED) { /* built with VMP_X87_NO_HOST */
        xenv_free(e);
        return;
    }
    static const unsigned depths[] = { 0, 1, 2, 2, 2, 3, 3, 7, 8 };
    for (size_t i = 0; i < n; i++) {
        const struct op *o = &tab[i];
        for (unsigned c = 0; c < cases; c++) {
            uint8_t vals[8][10], buf[16], nbuf[16], img[108], fl[3];
            unsigned k = depths[rnd() % 9];
            for (unsigned j = 0; j < 8; j++)
                rnd_f80(vals[j]);
            uint64_t r = rnd();
            uint16_t cw = (uint16_t)(0x40 | (r & 0x1f00) | ((r & 0xc0000) ? 0x3f : (r >> 20) & 0x3f));
            if (o->kind == L)
                rnd_mem(buf, o->size, o->esc);
            else
                memset(buf, 0xa5, 16);
            memcpy(nbuf, buf, 16);
            uint64_t fi = rnd();
            nat_run(o, vals, k, cw, fi, nbuf, img, fl);
            int rc = emu_run(e, o, vals, k, cw, fi, buf);
            uint16_t nsw, ntw;
            memcpy(&nsw, img + 4, 2);
            memcpy(&ntw, img + 8, 2);
            uint16_t esw = (uint16_t)xenv_get(e, 0x2304, 2), etw = (uint16_t)xenv_get(e, 0x2308, 2);
            bool same = rc == 0 && nsw == esw && ntw == etw &&
                        memcmp(nbuf, e->ram + 0x2100, 16) == 0;
            unsigned top = (nsw >> 11) & 7;
            for (unsigned j = 0; j < 8 && same; j++) {
                const struct vmp_x87_reg *reg = &e->cpu.fpu.st[(top + j) & 7];
                same = memcmp(img + 28 + 10 * j, &reg->mant, 8) == 0 &&
                       memcmp(img + 36 + 10 * j, &reg->sexp, 2) == 0;
            }
            if (same && is_fcomi(o) && !(nsw & ~cw & 0x3f)) {
                uint64_t f = e->cpu.rflags;
                same = !!(f & VMP_FLAG_CF) == fl[0] && !!(f & VMP_FLAG_ZF) == fl[1] &&
                       !!(f & VMP_FLAG_PF) == fl[2] &&
                       !(f & (VMP_FLAG_OF | VMP_FLAG_SF | VMP_FLAG_AF));
            }
            if (!same) {
                uint64_t m0; uint16_t e0;
                memcpy(&m0, vals[0], 8); memcpy(&e0, vals[0] + 8, 2);
                uint64_t n0, x0; uint16_t ne0;
                memcpy(&n0, img + 28, 8); memcpy(&ne0, img + 36, 2);
                x0 = e->cpu.fpu.st[top].mant;
                ck_abort_msg("%02x %02x case %u: rc %d depth %u cw %04x st0 %04x:%016llx "
                             "fsw %04x/%04x ftw %04x/%04x res %04x:%016llx/%04x:%016llx "
                             "mem %016llx/%016llx",
                             o->esc, o->modrm, c, rc, k, cw, e0, (unsigned long long)m0,
                             nsw, esw, ntw, etw, ne0, (unsigned long long)n0,
                             e->cpu.fpu.st[top].sexp, (unsigned long long)x0,
                             (unsigned long long)xenv_get(e, 0x2100, 8),
                             (unsigned long long)(nbuf[0] | (uint64_t)nbuf[1] << 8));
            }
        }
    }
    xenv_free(e);
}

START_TEST(test_native_x87)
{
    run_cases(ops, sizeof(ops) / sizeof(ops[0]), 1500);
}
END_TEST

START_TEST(test_native_fisttp)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & 1))
        return; /* no SSE3 on this host: the emulator #UDs FISTTP */
    run_cases(ops_sse3, sizeof(ops_sse3) / sizeof(ops_sse3[0]), 400);
}
END_TEST

/* The host's x87 environment survives: its control word (both paths), its
 * sticky flags, and nothing of an unmasked guest exception stays pending
 * on the host (a host FWAIT would trap). */
START_TEST(test_host_state_kept)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    for (unsigned pass = 0; pass < 2; pass++) {
        uint16_t cw = 0x0e7f, cw2 = 0, sw = 0, sw0 = 0;
        float third = 1.0f / 3.0f;
        __asm__ volatile("fninit\n\tfldcw %0" : : "m"(cw));
        if (pass) /* leave PE set in the host's FSW */
            __asm__ volatile("flds %0\n\tfld1\n\tfdivp\n\tfstp %%st(0)" : : "m"(third));
        __asm__ volatile("fnstsw %0" : "=m"(sw0));
        e->cpu.rip = 0x1000;
        ck_assert_int_eq(E(0xdb, 0xe3), 0);
        if (E(0xd9, 0xeb) == VMP_X86_UNHANDLED)
            break; /* built with VMP_X87_NO_HOST */
        uint16_t gcw = 0x037b; /* guest: ZE unmasked */
        xenv_put(e, 0x2200, &gcw, 2);
        ck_assert_int_eq(E(0xd9, 0x2d, 0x00, 0x22, 0, 0), 0);
        ck_assert_int_eq(E(0xd9, 0xee), 0);
        ck_assert_int_eq(E(0xd9, 0xe8), 0);
        ck_assert_int_eq(E(0xd8, 0xf1), 0); /* 1/0: unmasked ZE in the guest */
        ck_assert_uint_eq(e->cpu.fpu.fsw & 0x80ff, 0x8084);
        __asm__ volatile("fnstcw %0\n\tfnstsw %1" : "=m"(cw2), "=m"(sw));
        ck_assert_uint_eq(cw2, cw);
        ck_assert_uint_eq(sw, sw0);
        ck_assert_uint_eq(sw & 0x80, 0);
        __asm__ volatile("fwait\n\tfninit");
    }
    xenv_free(e);
}
END_TEST

/* FRSTOR of random images then FNSAVE, natively and emulated, in the
 * 32-bit and the 16-bit protected-mode layouts (Vol. 1 Figures 8-9, 8-11
 * plus the registers): what FCW keeps, ES/B derived from the loaded
 * flags, tags recomputed from the register contents, the pointer fields
 * and the reserved halves must all come out byte for byte the same. */
static void nat_rstor_save(uint8_t img[108], bool o16)
{
    uint8_t host[108];
    if (o16)
        __asm__ volatile("fnsave %0\n\t.byte 0x66\n\tfrstor %1\n\t.byte 0x66\n\tfnsave %1\n\t"
                         "frstor %0" : "=m"(host), "+m"(*(uint8_t(*)[108])img));
    else
        __asm__ volatile("fnsave %0\n\tfrstor %1\n\tfnsave %1\n\tfrstor %0"
                         : "=m"(host), "+m"(*(uint8_t(*)[108])img));
}

START_TEST(test_native_rstor_save)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    for (unsigned c = 0; c < 4000; c++) {
        bool o16 = c & 1;
        unsigned envlen = o16 ? 14 : 28;
        uint8_t img[108], nimg[108];
        for (unsigned i = 0; i < sizeof(img); i++)
            img[i] = (uint8_t)rnd();
        for (unsigned i = 0; i < 8; i++) /* registers: the f80 classes */
            rnd_f80(img + envlen + 10 * i);
        if (c & 2) /* all masked half the time */
            img[0] |= 0x3f;
        /* the host kernel may switch FPU contexts between FRSTOR and
         * FNSAVE, and an AMD CPU's XSAVE drops FIP/FDP/FOP when no
         * exception is pending: take the result two runs agree on */
        uint8_t again[108];
        memcpy(nimg, img, sizeof(img));
        nat_rstor_save(nimg, o16);
        for (unsigned t = 0; t < 3; t++) {
            memcpy(again, img, sizeof(img));
            nat_rstor_save(again, o16);
            if (!memcmp(again, nimg, sizeof(again)))
                break;
            memcpy(nimg, again, sizeof(again));
        }
        e->cpu.rip = 0x1000;
        ck_assert_int_eq(E(0xdb, 0xe3), 0);
        xenv_put(e, 0x3000, img, sizeof(img));
        memset(e->ram + 0x3100, 0, 108);
        if (o16) {
            ck_assert_int_eq(E(0x66, 0xdd, 0x25, 0x00, 0x30, 0, 0), 0);
            ck_assert_int_eq(E(0x66, 0xdd, 0x35, 0x00, 0x31, 0, 0), 0);
        } else {
            ck_assert_int_eq(E(0xdd, 0x25, 0x00, 0x30, 0, 0), 0);
            ck_assert_int_eq(E(0xdd, 0x35, 0x00, 0x31, 0, 0), 0);
        }
        unsigned len = envlen + 80;
        for (unsigned i = 0; i < len; i++)
            if (nimg[i] != e->ram[0x3100 + i])
                ck_abort_msg("case %u (%s): byte %u is %02x, native %02x", c,
                             o16 ? "16-bit" : "32-bit", i, e->ram[0x3100 + i], nimg[i]);
    }
    xenv_free(e);
}
END_TEST

Suite *x87native_suite(void)
{
    Suite *s = suite_create("x87native");
    TCase *tc = tcase_create("native");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_native_x87);
    tcase_add_test(tc, test_native_fisttp);
    tcase_add_test(tc, test_host_state_kept);
    tcase_add_test(tc, test_native_rstor_save);
    suite_add_tcase(s, tc);
    return s;
}

#else

Suite *x87native_suite(void)
{
    return suite_create("x87native");
}

#endif

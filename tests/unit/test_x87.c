/* x87 FPU tests (suite "x87"). Expected values are worked out by hand from
 * the SDM (section named per test): Vol. 1 chapter 8 (x87 environment),
 * Vol. 2 instruction pages, Vol. 3 Table 2-2 (#NM) and §6.15 (#MF). */
#include "helpers.h"
#include "x86_env.h"

/* Execute one instruction at CS:RIP without delivering its exception. */
static int exec1(struct xenv *e, const void *code, size_t len)
{
    uint64_t phys = e->cpu.seg[VMP_CS].base + e->cpu.rip;
    xenv_put(e, phys, code, len);
    e->cpu.event.valid = 0;
    struct vmp_x86_insn in;
    int rc = vmp_x86_fetch_decode(&e->cpu, &xenv_ops, e, &in);
    if (rc)
        return rc;
    return vmp_x86_execute(&e->cpu, &xenv_ops, e, &in);
}
#define X(e, ...) exec1(e, (uint8_t[]){ __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }))
#define OK(e, ...) ck_assert_int_eq(X(e, __VA_ARGS__), VMP_X86_OK)
#define EXC(e, vec, ...)                                                       \
    do {                                                                       \
        ck_assert_int_eq(X(e, __VA_ARGS__), VMP_X86_EXCEPTION);                \
        ck_assert_uint_eq(e->cpu.event.vector, vec);                           \
    } while (0)

#define FPU (e->cpu.fpu)
#define TOP ((FPU.fsw >> 11) & 7)
#define ST(i) (FPU.st[(TOP + (i)) & 7])
#define RAX e->cpu.gpr[VMP_RAX]

static void put32(struct xenv *e, uint64_t a, uint32_t v) { xenv_put(e, a, &v, 4); }
static void put64(struct xenv *e, uint64_t a, uint64_t v) { xenv_put(e, a, &v, 8); }

static void check_st(struct xenv *e, unsigned i, uint16_t sexp, uint64_t mant)
{
    ck_assert_msg(ST(i).sexp == sexp && ST(i).mant == mant,
                  "ST(%u) = %04x:%016llx, want %04x:%016llx", i, ST(i).sexp,
                  (unsigned long long)ST(i).mant, sexp, (unsigned long long)mant);
}

/* Numeric instructions run on the host FPU: on hosts without one (or built
 * with -DVMP_X87_NO_HOST) they are UNHANDLED and the tests that need them
 * stop at their start; test_numeric_fallback checks that case. */
static bool numeric_ok(void)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    int rc = X(e, 0xd9, 0xeb); /* fldpi (FLD1 and FLDZ may be done in C) */
    xenv_free(e);
    return rc == VMP_X86_OK;
}
#define NEED_NUMERIC()                                                         \
    do {                                                                       \
        if (!numeric_ok())                                                     \
            return;                                                            \
    } while (0)

START_TEST(test_numeric_fallback)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    OK(e, 0xdb, 0xe3);
    struct vmp_x86_cpu before = e->cpu;
    int rc = X(e, 0xd9, 0xeb);                     /* fldpi */
    if (rc == VMP_X86_UNHANDLED) {                 /* nothing changed */
        ck_assert_mem_eq(&e->cpu.fpu, &before.fpu, sizeof(before.fpu));
        ck_assert_uint_eq(e->cpu.rip, before.rip);
    } else {
        ck_assert_int_eq(rc, VMP_X86_OK);
        ck_assert_uint_eq(FPU.ftw, 0x80);
    }
    xenv_free(e);
}
END_TEST

/* The probe in Linux's real-mode setup code: FNINIT; FNSTSW AX; FNSTCW.
 * Power-on FCW is 0040h (Vol. 3 Table 9-1), FNINIT gives 037Fh and a
 * zero status word (Vol. 2 FINIT). */
START_TEST(test_linux_probe)
{
    struct xenv *e = xenv_new();
    xenv_real(e, 0x1000);
    ck_assert_uint_eq(FPU.fcw, 0x40);
    OK(e, 0xd9, 0x3e, 0x00, 0x20); /* fnstcw [0x2000] */
    ck_assert_uint_eq(xenv_get(e, 0x2000, 2), 0x0040);
    FPU.fsw = 0x3800 | 0x4000 | 0x21; /* stale state */
    RAX = 0xffff;
    OK(e, 0xdb, 0xe3);             /* fninit */
    OK(e, 0xdf, 0xe0);             /* fnstsw ax */
    ck_assert_uint_eq(RAX, 0);
    OK(e, 0xd9, 0x3e, 0x00, 0x20); /* fnstcw [0x2000] */
    ck_assert_uint_eq(xenv_get(e, 0x2000, 2), 0x037f);
    ck_assert_uint_eq(FPU.ftw, 0);
    OK(e, 0x9b);                   /* fwait: nothing pending */
    ck_assert_uint_eq(e->cpu.rip, 0x100d);
    xenv_free(e);
}
END_TEST

/* #MF for a pending unmasked exception on waiting instructions only
 * (Vol. 1 §8.6, Vol. 3 §6.15 interrupt 16); CR0.NE=0 continues (see
 * docs/emulator.md). ES and B follow flags & ~masks (Vol. 1 §8.1.3.1). */
START_TEST(test_pending_mf)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    OK(e, 0xdb, 0xe3);                               /* fninit */
    put32(e, 0x2000, 0x037e);
    OK(e, 0xd9, 0x2d, 0x00, 0x20, 0x00, 0x00);       /* fldcw: IE unmasked */
    FPU.fsw |= 0x0001;                               /* IE flag */
    uint64_t rip = e->cpu.rip;
    EXC(e, VMP_X86_MF, 0x9b);                        /* fwait */
    ck_assert_uint_eq(e->cpu.rip, rip);
    EXC(e, VMP_X86_MF, 0xd9, 0xe8);                  /* fld1 */
    ck_assert_uint_eq(FPU.ftw, 0);                   /* nothing pushed */
    EXC(e, VMP_X86_MF, 0xd9, 0x2d, 0x00, 0x20, 0x00, 0x00); /* fldcw waits */
    OK(e, 0xdf, 0xe0);                               /* fnstsw ax: no wait */
    ck_assert_uint_eq(RAX & 0xffff, 0x8081);         /* B, ES, IE */
    OK(e, 0xd9, 0x3d, 0x00, 0x20, 0x00, 0x00);       /* fnstcw: no wait */
    OK(e, 0xdb, 0xe2);                               /* fnclex */
    ck_assert_uint_eq(FPU.fsw, 0);
    OK(e, 0x9b);
    /* CR0.NE=0: FERR# style, the emulator carries on (IGNNE#) */
    FPU.fsw |= 0x8081;
    e->cpu.cr0 &= ~(uint64_t)VMP_CR0_NE;
    OK(e, 0x9b);
    if (numeric_ok())
        OK(e, 0xd9, 0xe8);
    ck_assert_uint_eq(FPU.fsw & 0x80ff, 0x8081);     /* still pending */
    /* masking the flag again clears ES and B */
    put32(e, 0x2000, 0x037f);
    OK(e, 0xd9, 0x2d, 0x00, 0x20, 0x00, 0x00);
    ck_assert_uint_eq(FPU.fsw & 0x80ff, 0x0001);
    /* FLDENV and FRSTOR wait (measured on the host: both trap on a
     * pending exception); an image with an unmasked flag makes the NEXT
     * waiting instruction fault (Vol. 2 FLDENV) */
    e->cpu.cr0 |= VMP_CR0_NE;
    OK(e, 0xdb, 0xe3);
    OK(e, 0xd9, 0x35, 0x00, 0x30, 0x00, 0x00);       /* fnstenv [0x3000] */
    put32(e, 0x3000, 0xffff037e);                    /* IE unmasked */
    put32(e, 0x3004, 0xffff0001);                    /* IE set, ES clear */
    OK(e, 0xd9, 0x25, 0x00, 0x30, 0x00, 0x00);       /* fldenv */
    ck_assert_uint_eq(FPU.fsw, 0x8081);
    EXC(e, VMP_X86_MF, 0xd9, 0x25, 0x00, 0x30, 0x00, 0x00);
    EXC(e, VMP_X86_MF, 0xdd, 0x25, 0x00, 0x30, 0x00, 0x00); /* frstor */
    OK(e, 0xd9, 0x35, 0x00, 0x31, 0x00, 0x00);       /* fnstenv: no wait, masks */
    ck_assert_uint_eq(FPU.fcw, 0x037f);
    ck_assert_uint_eq(FPU.fsw, 0x0001);              /* masked now: ES clear */
    OK(e, 0x9b);
    xenv_free(e);
}
END_TEST

/* CR0.EM/TS give #NM for x87 instructions; WAIT only for MP+TS (Vol. 3
 * Table 2-2). Undefined slots #UD (Vol. 2 Tables A-8..A-22). */
START_TEST(test_nm_ud)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    e->cpu.cr0 |= VMP_CR0_EM;
    EXC(e, VMP_X86_NM, 0xd9, 0xe8);
    EXC(e, VMP_X86_NM, 0xdb, 0xe3);
    OK(e, 0x9b);
    e->cpu.cr0 &= ~(uint64_t)VMP_CR0_EM;
    e->cpu.cr0 |= VMP_CR0_TS;
    EXC(e, VMP_X86_NM, 0xdf, 0xe0);
    OK(e, 0x9b);
    e->cpu.cr0 |= VMP_CR0_MP;
    EXC(e, VMP_X86_NM, 0x9b);
    e->cpu.cr0 &= ~(uint64_t)(VMP_CR0_MP | VMP_CR0_TS);
    static const uint8_t ud[][2] = {
        { 0xd9, 0xd1 }, { 0xd9, 0xe2 }, { 0xd9, 0xef }, { 0xda, 0xe0 }, { 0xda, 0xff },
        { 0xdb, 0xe5 }, { 0xdb, 0xf8 }, { 0xdd, 0xf0 }, { 0xde, 0xd8 }, { 0xde, 0xda },
        { 0xdf, 0xe1 }, { 0xdf, 0xf8 },
        { 0xd9, 0x08 }, { 0xdb, 0x20 }, { 0xdb, 0x30 }, { 0xdd, 0x28 }, /* memory */
    };
    for (unsigned i = 0; i < sizeof(ud) / sizeof(ud[0]); i++) {
        ck_assert_int_eq(exec1(e, ud[i], 2), VMP_X86_EXCEPTION);
        ck_assert_uint_eq(e->cpu.event.vector, VMP_X86_UD);
    }
    OK(e, 0xdb, 0xe4); /* FNSETPM: a no-op since the 80387 */
    if (numeric_ok()) {
        OK(e, 0xd9, 0xd8); /* FSTP1 alias executes and pops (whether an
                              empty ST0 faults differs between vendors) */
        ck_assert_uint_eq(TOP, 1);
    }
    xenv_free(e);
}
END_TEST

/* Every memory load format (Vol. 1 §4.2, §8.2; Vol. 2 FLD, FILD, FBLD)
 * and stack overflow (Vol. 1 §8.5.1.1: IE, SF, C1=1, indefinite). */
START_TEST(test_loads)
{
    NEED_NUMERIC();
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    OK(e, 0xdb, 0xe3);
    put32(e, 0x2000, 0x3fc00000);                 /* 1.5f */
    put64(e, 0x2008, 0xc000000000000000ull);      /* -2.0 */
    put64(e, 0x2010, 0xc90fdaa22168c235ull);      /* pi as m80 */
    put32(e, 0x2018, 0x4000);
    put32(e, 0x2020, 0xfffb);                     /* -5 as m16 */
    put32(e, 0x2024, 0x12345678);
    put64(e, 0x2028, 1);
    uint8_t bcd[10] = { 0x45, 0x23, 0x01, 0, 0, 0, 0, 0, 0, 0x80 }; /* -12345 */
    xenv_put(e, 0x2030, bcd, 10);
    OK(e, 0xd9, 0x05, 0x00, 0x20, 0x00, 0x00);    /* fld dword [0x2000] */
    check_st(e, 0, 0x3fff, 0xc000000000000000ull);
    ck_assert_uint_eq(TOP, 7);
    ck_assert_uint_eq(FPU.ftw, 0x80);
    OK(e, 0xdd, 0x05, 0x08, 0x20, 0x00, 0x00);    /* fld qword */
    check_st(e, 0, 0xc000, 0x8000000000000000ull);
    OK(e, 0xdb, 0x2d, 0x10, 0x20, 0x00, 0x00);    /* fld tword */
    check_st(e, 0, 0x4000, 0xc90fdaa22168c235ull);
    OK(e, 0xdf, 0x05, 0x20, 0x20, 0x00, 0x00);    /* fild word */
    check_st(e, 0, 0xc001, 0xa000000000000000ull);
    OK(e, 0xdb, 0x05, 0x24, 0x20, 0x00, 0x00);    /* fild dword */
    check_st(e, 0, 0x401b, 0x12345678ull << 35);
    OK(e, 0xdf, 0x2d, 0x28, 0x20, 0x00, 0x00);    /* fild qword */
    check_st(e, 0, 0x3fff, 0x8000000000000000ull);
    OK(e, 0xdf, 0x25, 0x30, 0x20, 0x00, 0x00);    /* fbld */
    check_st(e, 0, 0xc00c, 0x3039ull << 50);
    check_st(e, 6, 0x3fff, 0xc000000000000000ull); /* the first load */
    ck_assert_uint_eq(TOP, 1);
    ck_assert_uint_eq(FPU.fsw & 0x7f, 0);
    OK(e, 0xd9, 0xee);                            /* fldz */
    check_st(e, 0, 0, 0);
    OK(e, 0xd9, 0xe8);                            /* fld1: overflow */
    ck_assert_uint_eq(FPU.fsw & 0x3ff, 0x241);    /* C1, SF, IE */
    check_st(e, 0, 0xffff, 0xc000000000000000ull); /* real indefinite */
    ck_assert_uint_eq(FPU.ftw, 0xff);
    xenv_free(e);
}
END_TEST

/* Every memory store format (Vol. 2 FST, FIST, FBSTP), rounding control
 * (Vol. 1 §8.1.5.3), the integer indefinite on overflow (§8.5.1.2) and
 * underflow of an empty stack (§8.5.1.1: C1=0). */
START_TEST(test_stores)
{
    NEED_NUMERIC();
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    OK(e, 0xdb, 0xe3);
    put32(e, 0x2000, 0x3fc00000);                  /* 1.5f */
    put64(e, 0x2008, 0x4004000000000000ull);       /* 2.5 */
    put32(e, 0x2010, 0x80000000);                  /* -0.0f */
    put32(e, 0x2014, (uint32_t)-12345);
    put32(e, 0x2018, 40000);
    OK(e, 0xd9, 0x05, 0x00, 0x20, 0x00, 0x00);     /* fld 1.5f */
    OK(e, 0xdd, 0x15, 0x00, 0x21, 0x00, 0x00);     /* fst qword [0x2100] */
    ck_assert_uint_eq(xenv_get(e, 0x2100, 8), 0x3ff8000000000000ull);
    OK(e, 0xd9, 0x1d, 0x08, 0x21, 0x00, 0x00);     /* fstp dword [0x2108] */
    ck_assert_uint_eq(xenv_get(e, 0x2108, 4), 0x3fc00000);
    ck_assert_uint_eq(FPU.ftw, 0);
    OK(e, 0xdd, 0x05, 0x08, 0x20, 0x00, 0x00);     /* fld 2.5 */
    OK(e, 0xdf, 0x15, 0x10, 0x21, 0x00, 0x00);     /* fist word: nearest-even 2 */
    ck_assert_uint_eq(xenv_get(e, 0x2110, 2), 2);
    ck_assert_uint_eq(FPU.fsw & 0x20, 0x20);       /* PE */
    put32(e, 0x2020, 0x0b7f);                      /* RC = up */
    OK(e, 0xd9, 0x2d, 0x20, 0x20, 0x00, 0x00);
    OK(e, 0xdb, 0x15, 0x14, 0x21, 0x00, 0x00);     /* fist dword: 3 */
    ck_assert_uint_eq(xenv_get(e, 0x2114, 4), 3);
    OK(e, 0xdf, 0x3d, 0x18, 0x21, 0x00, 0x00);     /* fistp qword: 3 */
    ck_assert_uint_eq(xenv_get(e, 0x2118, 8), 3);
    ck_assert_uint_eq(FPU.ftw, 0);
    OK(e, 0xd9, 0x05, 0x10, 0x20, 0x00, 0x00);     /* fld -0.0f */
    OK(e, 0xdb, 0x3d, 0x20, 0x21, 0x00, 0x00);     /* fstp tword */
    ck_assert_uint_eq(xenv_get(e, 0x2120, 8), 0);
    ck_assert_uint_eq(xenv_get(e, 0x2128, 2), 0x8000);
    OK(e, 0xdb, 0x05, 0x14, 0x20, 0x00, 0x00);     /* fild -12345 */
    OK(e, 0xdf, 0x35, 0x30, 0x21, 0x00, 0x00);     /* fbstp */
    ck_assert_uint_eq(xenv_get(e, 0x2130, 8), 0x012345);
    ck_assert_uint_eq(xenv_get(e, 0x2138, 2), 0x8000);
    OK(e, 0xdb, 0xe2);                             /* fnclex */
    OK(e, 0xdb, 0x05, 0x18, 0x20, 0x00, 0x00);     /* fild 40000 */
    OK(e, 0xdf, 0x1d, 0x40, 0x21, 0x00, 0x00);     /* fistp word: too big */
    ck_assert_uint_eq(xenv_get(e, 0x2140, 2), 0x8000);
    ck_assert_uint_eq(FPU.fsw & 0x7f, 0x01);       /* IE, not SF */
    OK(e, 0xd9, 0x1d, 0x48, 0x21, 0x00, 0x00);     /* fstp dword, empty */
    ck_assert_uint_eq(xenv_get(e, 0x2148, 4), 0xffc00000); /* indefinite */
    ck_assert_uint_eq(FPU.fsw & 0x2ff, 0x41);      /* SF IE, C1 = 0 */
    xenv_free(e);
}
END_TEST

/* A store that faults changes nothing (the FPU state is committed after
 * the memory write); an unmasked IE on FISTP leaves memory and the stack
 * alone (Vol. 1 §8.5.1.2). */
START_TEST(test_store_fault_atomic)
{
    NEED_NUMERIC();
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    OK(e, 0xdb, 0xe3);
    OK(e, 0xd9, 0xe8);                             /* fld1 */
    e->cpu.seg[VMP_DS].limit = 0x2fff;
    struct vmp_x86_fpu before = FPU;
    EXC(e, VMP_X86_GP, 0xd9, 0x1d, 0xfe, 0x2f, 0x00, 0x00); /* fstp dword [0x2ffe] */
    ck_assert_mem_eq(&FPU, &before, sizeof(before));
    EXC(e, VMP_X86_GP, 0xd9, 0x35, 0xf0, 0x2f, 0x00, 0x00); /* fnstenv */
    ck_assert_mem_eq(&FPU, &before, sizeof(before));
    EXC(e, VMP_X86_GP, 0xdd, 0x35, 0xa0, 0x2f, 0x00, 0x00); /* fnsave */
    ck_assert_mem_eq(&FPU, &before, sizeof(before));
    e->cpu.seg[VMP_DS].limit = 0xffffffff;
    /* unmasked IE: 1e10 does not fit m16, nothing stored, not popped */
    put32(e, 0x2000, 0x037e);
    OK(e, 0xd9, 0x2d, 0x00, 0x20, 0x00, 0x00);
    put32(e, 0x2004, 0x501502f9);                  /* 1e10f */
    OK(e, 0xd9, 0x05, 0x04, 0x20, 0x00, 0x00);
    put32(e, 0x2100, 0xa5a5);
    OK(e, 0xdf, 0x1d, 0x00, 0x21, 0x00, 0x00);     /* fistp word */
    ck_assert_uint_eq(xenv_get(e, 0x2100, 2), 0xa5a5);
    ck_assert_uint_eq(TOP, 6);
    ck_assert_uint_eq(FPU.fsw & 0x80ff, 0x8081);
    xenv_free(e);
}
END_TEST

/* FXCH, FFREE, FINCSTP, FDECSTP and the tags (Vol. 1 §8.1.7, Vol. 2) */
START_TEST(test_stack_ops)
{
    NEED_NUMERIC();
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    OK(e, 0xdb, 0xe3);
    OK(e, 0xd9, 0xe8);                 /* fld1 */
    OK(e, 0xd9, 0xee);                 /* fldz */
    OK(e, 0xd9, 0xc9);                 /* fxch st1 */
    check_st(e, 0, 0x3fff, 1ull << 63);
    check_st(e, 1, 0, 0);
    ck_assert_uint_eq(TOP, 6);
    OK(e, 0xdd, 0xc1);                 /* ffree st1 */
    ck_assert_uint_eq(FPU.ftw, 0x40);  /* physical 6 = ST0 stays */
    ck_assert_uint_eq(TOP, 6);
    OK(e, 0xd9, 0xf7);                 /* fincstp: no tag change */
    ck_assert_uint_eq(TOP, 7);
    ck_assert_uint_eq(FPU.ftw, 0x40);
    OK(e, 0xd9, 0xf6);                 /* fdecstp */
    OK(e, 0xd9, 0xf6);
    ck_assert_uint_eq(TOP, 5);
    OK(e, 0xdf, 0xc1);                 /* ffreep st1 (alias): frees R6, pops */
    ck_assert_uint_eq(FPU.ftw, 0);
    ck_assert_uint_eq(TOP, 6);
    xenv_free(e);
}
END_TEST

/* FNSTENV in the four layouts (Vol. 1 §8.1.10, Figures 8-9..8-12): the
 * full tag word, FIP/FCS/FOP/FDP/FDS; FNSTENV then masks everything;
 * FLDENV reads the same layouts back. */
static void env_state(struct xenv *e)
{
    FPU.fcw = 0x0260;
    FPU.fsw = 0x4000 | (6 << 11); /* C3, TOP = 6 */
    FPU.ftw = 0xc0;               /* R6, R7 in use */
    FPU.st[6].sexp = 0x3fff;      /* valid */
    FPU.st[6].mant = 1ull << 63;
    FPU.st[7].sexp = 0x7fff;      /* infinity: special */
    FPU.st[7].mant = 1ull << 63;
    FPU.fop = 0x5a5;
}

START_TEST(test_env_layouts)
{
    struct xenv *e = xenv_new();
    /* 32-bit protected (Figure 8-9) */
    xenv_prot32(e, 0x1000);
    env_state(e);
    FPU.fip = 0x11223344; FPU.fcs = 0x8; FPU.fdp = 0x55667788; FPU.fds = 0x10;
    OK(e, 0xd9, 0x35, 0x00, 0x30, 0x00, 0x00);     /* fnstenv [0x3000] */
    ck_assert_uint_eq(xenv_get(e, 0x3000, 4), 0xffff0260);
    ck_assert_uint_eq(xenv_get(e, 0x3004, 4), 0xffff7000);
    ck_assert_uint_eq(xenv_get(e, 0x3008, 4), 0xffff8fff); /* R7 special, R6 valid */
    ck_assert_uint_eq(xenv_get(e, 0x300c, 4), 0x11223344);
    ck_assert_uint_eq(xenv_get(e, 0x3010, 4), 0x05a50008);
    ck_assert_uint_eq(xenv_get(e, 0x3014, 4), 0x55667788);
    ck_assert_uint_eq(xenv_get(e, 0x3018, 4), 0xffff0010);
    ck_assert_uint_eq(FPU.fcw, 0x027f);
    OK(e, 0xdb, 0xe3);
    OK(e, 0xd9, 0x25, 0x00, 0x30, 0x00, 0x00);     /* fldenv */
    ck_assert_uint_eq(FPU.fcw, 0x0260);
    ck_assert_uint_eq(FPU.fsw, 0x7000);
    ck_assert_uint_eq(FPU.ftw, 0xc0);
    ck_assert_uint_eq(FPU.fip, 0x11223344);
    ck_assert_uint_eq(FPU.fop, 0x5a5);
    ck_assert_uint_eq(FPU.fdp, 0x55667788);
    ck_assert_uint_eq(FPU.fds, 0x10);
    /* 16-bit protected (Figure 8-11) */
    OK(e, 0x66, 0xd9, 0x35, 0x00, 0x31, 0x00, 0x00);
    static const uint16_t pm16[7] = { 0x0260, 0x7000, 0x8fff, 0x3344, 0x0008, 0x7788, 0x0010 };
    for (unsigned i = 0; i < 7; i++)
        ck_assert_uint_eq(xenv_get(e, 0x3100 + 2 * i, 2), pm16[i]);
    /* FLDENV of that layout: no FOP field, so FOP becomes 0 (as the CPU
     * does, found by tests/diff) */
    OK(e, 0x66, 0xd9, 0x25, 0x00, 0x31, 0x00, 0x00);
    ck_assert_uint_eq(FPU.fop, 0);
    ck_assert_uint_eq(FPU.fip, 0x3344);
    ck_assert_uint_eq(FPU.fdp, 0x7788);
    /* 32-bit real (Figure 8-10): pointers are CS*16+IP, DS*16+offset */
    xenv_real(e, 0x1000);
    env_state(e);
    FPU.fip = 0xfff0; FPU.fcs = 0xf000; FPU.fdp = 0x0020; FPU.fds = 0x1000;
    OK(e, 0x66, 0xd9, 0x36, 0x00, 0x30);
    ck_assert_uint_eq(xenv_get(e, 0x300c, 4), 0xfffffff0);
    ck_assert_uint_eq(xenv_get(e, 0x3010, 4), 0x0000f5a5);
    ck_assert_uint_eq(xenv_get(e, 0x3014, 4), 0xffff0020);
    ck_assert_uint_eq(xenv_get(e, 0x3018, 4), 0x00001000);
    OK(e, 0xdb, 0xe3);
    OK(e, 0x66, 0xd9, 0x26, 0x00, 0x30);           /* fldenv */
    ck_assert_uint_eq(FPU.fip, 0xffff0);
    ck_assert_uint_eq(FPU.fdp, 0x10020);
    ck_assert_uint_eq(FPU.fop, 0x5a5);
    /* 16-bit real (Figure 8-12) */
    env_state(e);
    FPU.fip = 0xfff0; FPU.fcs = 0xf000; FPU.fdp = 0x0020; FPU.fds = 0x1000;
    OK(e, 0xd9, 0x36, 0x00, 0x31);
    static const uint16_t rm16[7] = { 0x0260, 0x7000, 0x8fff, 0xfff0, 0xf5a5, 0x0020, 0x1000 };
    for (unsigned i = 0; i < 7; i++)
        ck_assert_uint_eq(xenv_get(e, 0x3100 + 2 * i, 2), rm16[i]);
    OK(e, 0xdb, 0xe3);
    OK(e, 0xd9, 0x26, 0x00, 0x31);
    ck_assert_uint_eq(FPU.fip, 0xffff0);
    ck_assert_uint_eq(FPU.fdp, 0x10020);
    ck_assert_uint_eq(FPU.ftw, 0xc0);
    xenv_free(e);
}
END_TEST

/* FNSAVE stores environment + ST(0)..ST(7) and initialises; FRSTOR brings
 * it all back (Vol. 2 FSAVE, FRSTOR). */
START_TEST(test_save_restore)
{
    NEED_NUMERIC();
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    OK(e, 0xdb, 0xe3);
    OK(e, 0xd9, 0xe8);                                  /* fld1 */
    OK(e, 0xd9, 0xeb);                                  /* fldpi */
    struct vmp_x86_fpu before = FPU;
    OK(e, 0xdd, 0x35, 0x00, 0x30, 0x00, 0x00);          /* fnsave [0x3000] */
    ck_assert_uint_eq(FPU.fcw, 0x37f);
    ck_assert_uint_eq(FPU.fsw, 0);
    ck_assert_uint_eq(FPU.ftw, 0);
    ck_assert_uint_eq(xenv_get(e, 0x3000 + 28, 8), 0xc90fdaa22168c235ull); /* ST0 */
    ck_assert_uint_eq(xenv_get(e, 0x3000 + 36, 2), 0x4000);
    ck_assert_uint_eq(xenv_get(e, 0x3000 + 38, 8), 1ull << 63);             /* ST1 */
    ck_assert_uint_eq(xenv_get(e, 0x3008, 2), 0x0fff);  /* R6, R7 valid */
    OK(e, 0xdd, 0x25, 0x00, 0x30, 0x00, 0x00);          /* frstor */
    ck_assert_uint_eq(FPU.fcw, before.fcw);
    ck_assert_uint_eq(FPU.fsw, before.fsw);
    ck_assert_uint_eq(FPU.ftw, before.ftw);
    ck_assert_uint_eq(FPU.fip, before.fip);
    ck_assert_uint_eq(FPU.fop, before.fop);
    for (unsigned i = 0; i < 8; i++) {
        ck_assert_uint_eq(FPU.st[i].mant, before.st[i].mant);
        ck_assert_uint_eq(FPU.st[i].sexp, before.st[i].sexp);
    }
    /* 16-bit format: 94 bytes, registers at 14 */
    OK(e, 0x66, 0xdd, 0x35, 0x00, 0x31, 0x00, 0x00);
    ck_assert_uint_eq(xenv_get(e, 0x3100 + 14, 8), 0xc90fdaa22168c235ull);
    OK(e, 0x66, 0xdd, 0x25, 0x00, 0x31, 0x00, 0x00);
    check_st(e, 1, 0x3fff, 1ull << 63);
    xenv_free(e);
}
END_TEST

/* FIP/FCS/FOP/FDP/FDS follow the last non-control instruction (Vol. 1
 * §8.1.8, §8.1.9); control instructions leave them. */
START_TEST(test_pointers)
{
    NEED_NUMERIC();
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    OK(e, 0xdb, 0xe3);
    put32(e, 0x2000, 0x3f800000);
    OK(e, 0xd9, 0x05, 0x00, 0x20, 0x00, 0x00);     /* at 0x1002 */
    ck_assert_uint_eq(FPU.fip, 0x1002);
    ck_assert_uint_eq(FPU.fcs, 0x8);
    ck_assert_uint_eq(FPU.fop, 0x105);
    ck_assert_uint_eq(FPU.fdp, 0x2000);
    ck_assert_uint_eq(FPU.fds, 0x10);
    OK(e, 0xd9, 0x3d, 0x00, 0x21, 0x00, 0x00);     /* fnstcw: control */
    ck_assert_uint_eq(FPU.fip, 0x1002);
    OK(e, 0xd9, 0xe8);                             /* fld1 at 0x100e */
    ck_assert_uint_eq(FPU.fip, 0x100e);
    ck_assert_uint_eq(FPU.fop, 0x1e8);
    ck_assert_uint_eq(FPU.fdp, 0x2000);            /* no memory operand */
    OK(e, 0x26, 0xd9, 0x05, 0x04, 0x20, 0x00, 0x00); /* es: fld at 0x1010 */
    ck_assert_uint_eq(FPU.fip, 0x1010);
    ck_assert_uint_eq(FPU.fdp, 0x2004);
    xenv_free(e);
}
END_TEST

/* Constants are rounded per RC (Vol. 1 §8.3.8): pi = C90FDAA22168C234C4..
 * rounds up to ...C235 to nearest, stays ...C234 down and to zero. */
START_TEST(test_constants)
{
    NEED_NUMERIC();
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    OK(e, 0xdb, 0xe3);
    OK(e, 0xd9, 0xeb);
    check_st(e, 0, 0x4000, 0xc90fdaa22168c235ull);
    put32(e, 0x2000, 0x077f);                      /* RC down */
    OK(e, 0xd9, 0x2d, 0x00, 0x20, 0x00, 0x00);
    OK(e, 0xd9, 0xeb);
    check_st(e, 0, 0x4000, 0xc90fdaa22168c234ull);
    OK(e, 0xd9, 0xee);                             /* fldz */
    check_st(e, 0, 0, 0);
    OK(e, 0xd9, 0xe8);                             /* fld1 */
    check_st(e, 0, 0x3fff, 1ull << 63);
    OK(e, 0xd9, 0xea);                             /* fldl2e = 1.0111000101..b */
    check_st(e, 0, 0x3fff, 0xb8aa3b295c17f0bbull);
    ck_assert_uint_eq(TOP, 3);
    xenv_free(e);
}
END_TEST


/* ---- arithmetic --------------------------------------------------------- */

/* FLD m80 of sexp:mant through [0x2800] */
static void ld80(struct xenv *e, uint16_t sexp, uint64_t mant)
{
    put64(e, 0x2800, mant);
    xenv_put(e, 0x2808, &sexp, 2);
    OK(e, 0xdb, 0x2d, 0x00, 0x28, 0x00, 0x00);
}

static void ldcw(struct xenv *e, uint16_t cw)
{
    put32(e, 0x2810, cw);
    OK(e, 0xd9, 0x2d, 0x10, 0x28, 0x00, 0x00);
}

#define ONE 0x3fff, 1ull << 63
#define TWO 0x4000, 1ull << 63
#define THREE 0x4000, 3ull << 62

/* Precision control rounds the significand to 24, 53 or 64 bits (Vol. 1
 * §8.1.5.2); 1/3 = 1.0101..b x 2^-2 rounds up to 24 and 64 bits. C1 = 1 when
 * the result was rounded up (§8.1.3.3); to double it rounds down. */
START_TEST(test_arith_precision)
{
    NEED_NUMERIC();
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    static const struct { uint16_t cw; uint64_t mant; uint16_t sw; } pc[] = {
        { 0x007f, 0xaaaaab0000000000ull, 0x220 }, /* single: up */
        { 0x027f, 0xaaaaaaaaaaaaa800ull, 0x020 }, /* double: down */
        { 0x037f, 0xaaaaaaaaaaaaaaabull, 0x220 }, /* extended: up */
    };
    for (unsigned i = 0; i < 3; i++) {
        OK(e, 0xdb, 0xe3);
        ldcw(e, pc[i].cw);
        ld80(e, THREE);
        ld80(e, ONE);
        OK(e, 0xd8, 0xf1);                 /* fdiv st0, st1 */
        check_st(e, 0, 0x3ffd, pc[i].mant);
        ck_assert_uint_eq(FPU.fsw & 0x23f, pc[i].sw); /* PE, C1 if rounded up */
    }
    /* RC = chop: 1/3 truncates, C1 = 0 */
    OK(e, 0xdb, 0xe3);
    ldcw(e, 0x0f7f);
    ld80(e, THREE);
    ld80(e, ONE);
    OK(e, 0xd8, 0xf1);
    check_st(e, 0, 0x3ffd, 0xaaaaaaaaaaaaaaaaull);
    ck_assert_uint_eq(FPU.fsw & 0x23f, 0x020);
    xenv_free(e);
}
END_TEST

/* All six basic operations and their operand orders (Vol. 2 FADD, FSUB,
 * FSUBR, FMUL, FDIV, FDIVR: D8 forms ST(0) = ST(0) op ST(i), DC forms
 * ST(i) = ST(i) op ST(0), DE forms pop), and the integer memory forms. */
START_TEST(test_arith_forms)
{
    NEED_NUMERIC();
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    OK(e, 0xdb, 0xe3);
    ld80(e, TWO);
    ld80(e, THREE);                        /* ST0 = 3, ST1 = 2 */
    OK(e, 0xd8, 0xe1);                     /* fsub st0, st1: 1 */
    check_st(e, 0, ONE);
    OK(e, 0xd8, 0xe9);                     /* fsubr st0, st1: 2 - 1 = 1 */
    check_st(e, 0, ONE);
    OK(e, 0xdc, 0xe9);                     /* fsub st1, st0: 2 - 1 = 1 */
    check_st(e, 1, ONE);
    OK(e, 0xd8, 0xc0);                     /* fadd st0, st0: 2 */
    OK(e, 0xdc, 0xf9);                     /* fdiv st1, st0: 1 / 2 */
    check_st(e, 1, 0x3ffe, 1ull << 63);
    OK(e, 0xde, 0xc9);                     /* fmulp st1, st0: 0.5 * 2 = 1 */
    ck_assert_uint_eq(TOP, 7);
    check_st(e, 0, ONE);
    put32(e, 0x2000, 10);
    OK(e, 0xda, 0x05, 0x00, 0x20, 0x00, 0x00); /* fiadd dword: 11 */
    check_st(e, 0, 0x4002, 0xb0ull << 56);
    put32(e, 0x2004, 0xfffe);                  /* -2 */
    OK(e, 0xde, 0x3d, 0x04, 0x20, 0x00, 0x00); /* fidivr word: -2 / 11 */
    ck_assert_uint_eq(ST(0).sexp, 0xbffc);
    put32(e, 0x2008, 0x40400000);              /* 3.0f */
    ld80(e, ONE);
    OK(e, 0xd8, 0x25, 0x08, 0x20, 0x00, 0x00); /* fsub dword: 1 - 3 = -2 */
    check_st(e, 0, 0xc000, 1ull << 63);
    OK(e, 0xd9, 0xe1);                         /* fabs */
    check_st(e, 0, TWO);
    OK(e, 0xd9, 0xe0);                         /* fchs */
    check_st(e, 0, 0xc000, 1ull << 63);
    xenv_free(e);
}
END_TEST

/* Divide by zero and the unmasked-exception rules (Vol. 1 §8.5.3: masked,
 * a signed infinity; unmasked, the destination is unchanged; §8.5.4 and
 * §8.5.5: unmasked overflow/underflow deliver the result with the
 * exponent adjusted by 24576). */
START_TEST(test_arith_exceptions)
{
    NEED_NUMERIC();
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    OK(e, 0xdb, 0xe3);
    OK(e, 0xd9, 0xee);                         /* fldz */
    ld80(e, ONE);
    OK(e, 0xd8, 0xf1);                         /* 1 / 0 */
    check_st(e, 0, 0x7fff, 1ull << 63);
    ck_assert_uint_eq(FPU.fsw & 0xff, 0x04);   /* ZE, masked: no ES */
    OK(e, 0xdb, 0xe3);
    ldcw(e, 0x037b);                           /* ZE unmasked */
    OK(e, 0xd9, 0xee);
    ld80(e, ONE);
    OK(e, 0xd8, 0xf1);
    check_st(e, 0, ONE);                       /* unchanged */
    ck_assert_uint_eq(FPU.fsw & 0x80ff, 0x8084);
    EXC(e, VMP_X86_MF, 0xd9, 0xe8);            /* next waiting insn */
    /* unmasked overflow: 2^16000 squared = 2^32000 -> 2^(32000-24576) */
    OK(e, 0xdb, 0xe3);
    ldcw(e, 0x0377);
    ld80(e, 0x3fff + 16000, 1ull << 63);
    OK(e, 0xd8, 0xc8);                         /* fmul st0, st0 */
    check_st(e, 0, 0x3fff + 32000 - 24576, 1ull << 63);
    ck_assert_uint_eq(FPU.fsw & 0xff, 0x88);   /* OE, ES */
    /* unmasked underflow: 2^-16000 squared -> 2^(-32000+24576) */
    OK(e, 0xdb, 0xe3);
    ldcw(e, 0x036f);
    ld80(e, 0x3fff - 16000, 1ull << 63);
    OK(e, 0xd8, 0xc8);
    check_st(e, 0, 0x3fff - 32000 + 24576, 1ull << 63);
    ck_assert_uint_eq(FPU.fsw & 0xff, 0x90);   /* UE, ES */
    /* masked: SNaN operand -> IE and the quieted NaN (§4.8.3.4) */
    OK(e, 0xdb, 0xe3);
    ld80(e, ONE);
    ld80(e, 0x7fff, 0xa000000000000000ull);    /* SNaN */
    OK(e, 0xd8, 0xc1);
    check_st(e, 0, 0x7fff, 0xe000000000000000ull);
    ck_assert_uint_eq(FPU.fsw & 0xff, 0x01);
    xenv_free(e);
}
END_TEST

/* Comparisons: C3 C2 C0 = 000 (>), 001 (<), 100 (=), 111 (unordered);
 * FCOM raises IE for a QNaN, FUCOM does not (Vol. 2 FCOM, FUCOM);
 * FCOMI/FUCOMI set ZF PF CF the same way and clear OF SF AF (Vol. 2
 * FCOMI); FTST compares with 0; FCOMPP pops twice. */
START_TEST(test_compare)
{
    NEED_NUMERIC();
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    OK(e, 0xdb, 0xe3);
    ld80(e, TWO);
    ld80(e, ONE);                              /* ST0 = 1 < ST1 = 2 */
    OK(e, 0xd8, 0xd1);                         /* fcom st1 */
    ck_assert_uint_eq(FPU.fsw & 0x4500, 0x0100);
    OK(e, 0xd9, 0xc9);                         /* fxch: 2 > 1 */
    OK(e, 0xd8, 0xd1);
    ck_assert_uint_eq(FPU.fsw & 0x4500, 0);
    OK(e, 0xd8, 0xd0);                         /* fcom st0: equal */
    ck_assert_uint_eq(FPU.fsw & 0x4500, 0x4000);
    e->cpu.rflags |= VMP_FLAG_OF | VMP_FLAG_SF | VMP_FLAG_AF;
    OK(e, 0xdb, 0xf1);                         /* fcomi st1: 2 > 1 */
    ck_assert_uint_eq(e->cpu.rflags & 0x8d5, 0);
    OK(e, 0xd9, 0xc9);
    OK(e, 0xdb, 0xf1);                         /* 1 < 2: CF */
    ck_assert_uint_eq(e->cpu.rflags & 0x8d5, VMP_FLAG_CF);
    OK(e, 0xdb, 0xe8);                         /* fucomi st0: ZF */
    ck_assert_uint_eq(e->cpu.rflags & 0x8d5, VMP_FLAG_ZF);
    ld80(e, 0x7fff, 0xc000000000000000ull);    /* QNaN */
    OK(e, 0xdd, 0xe1);                         /* fucom st1: unordered */
    ck_assert_uint_eq(FPU.fsw & 0x4501, 0x4500);
    OK(e, 0xd8, 0xd1);                         /* fcom: also IE */
    ck_assert_uint_eq(FPU.fsw & 0x4501, 0x4501);
    OK(e, 0xdf, 0xe9);                         /* fucomip: ZF PF CF, pop */
    ck_assert_uint_eq(e->cpu.rflags & 0x8d5, VMP_FLAG_ZF | VMP_FLAG_PF | VMP_FLAG_CF);
    ck_assert_uint_eq(TOP, 6);
    OK(e, 0xde, 0xd9);                         /* fcompp: 1 vs 2 */
    ck_assert_uint_eq(FPU.fsw & 0x4500, 0x0100);
    ck_assert_uint_eq(FPU.ftw, 0);
    ld80(e, 0xbfff, 1ull << 63);               /* -1 */
    OK(e, 0xd9, 0xe4);                         /* ftst: < 0 */
    ck_assert_uint_eq(FPU.fsw & 0x4500, 0x0100);
    xenv_free(e);
}
END_TEST

/* FXAM classes (Vol. 2 FXAM table): C3 C2 C0; C1 = sign */
START_TEST(test_fxam)
{
    NEED_NUMERIC();
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    OK(e, 0xdb, 0xe3);
    OK(e, 0xd9, 0xe5);                         /* empty: 101 */
    ck_assert_uint_eq(FPU.fsw & 0x4500, 0x4100);
    static const struct { uint16_t sexp; uint64_t mant; uint16_t cc; } k[] = {
        { 0x7fff, 0xc000000000000000ull, 0x0100 }, /* NaN: 001 */
        { 0x3fff, 1ull << 63, 0x0400 },            /* normal: 010 */
        { 0xffff, 1ull << 63, 0x0700 },            /* -infinity: 011, C1 */
        { 0x0000, 0, 0x4000 },                     /* zero: 100 */
        { 0x0000, 1, 0x4400 },                     /* denormal: 110 */
        { 0x3fff, 1, 0x0000 },                     /* unnormal: unsupported 000 */
    };
    for (unsigned i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
        ld80(e, k[i].sexp, k[i].mant);
        OK(e, 0xd9, 0xe5);
        ck_assert_msg((FPU.fsw & 0x4700) == k[i].cc, "class %u: %04x", i, FPU.fsw);
        OK(e, 0xdd, 0xd8);                     /* fstp st0 */
    }
    xenv_free(e);
}
END_TEST

/* FPREM/FPREM1 remainders and quotient bits (Vol. 2 FPREM: C0=Q2, C3=Q1,
 * C1=Q0, C2=0 when complete); FSCALE, FXTRACT, FRNDINT, FSQRT. */
START_TEST(test_misc_arith)
{
    NEED_NUMERIC();
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    OK(e, 0xdb, 0xe3);
    ld80(e, TWO);
    ld80(e, 0x4001, 0xe000000000000000ull);    /* 7 */
    OK(e, 0xd9, 0xf8);                         /* fprem: 7 = 3*2 + 1 */
    check_st(e, 0, ONE);
    ck_assert_uint_eq(FPU.fsw & 0x4700, 0x4200); /* Q = 3: C3 C1 */
    OK(e, 0xdd, 0xd8);
    ld80(e, 0x4001, 0xe000000000000000ull);
    OK(e, 0xd9, 0xf5);                         /* fprem1: 7 = 4*2 - 1 */
    check_st(e, 0, 0xbfff, 1ull << 63);
    ck_assert_uint_eq(FPU.fsw & 0x4700, 0x0100); /* Q = 4: C0 */
    OK(e, 0xdd, 0xd8);
    ld80(e, THREE);                            /* ST0 = 3, ST1 = 2 */
    OK(e, 0xd9, 0xc9);
    OK(e, 0xd9, 0xfd);                         /* fscale: 2 * 2^3 = 16 */
    check_st(e, 0, 0x4003, 1ull << 63);
    OK(e, 0xd9, 0xf4);                         /* fxtract: 16 -> 4, 1 */
    check_st(e, 0, ONE);
    check_st(e, 1, 0x4001, 1ull << 63);
    ld80(e, 0x4000, 0xa000000000000000ull);    /* 2.5 */
    OK(e, 0xd9, 0xfc);                         /* frndint: nearest-even 2 */
    check_st(e, 0, TWO);
    ck_assert_uint_eq(FPU.fsw & 0x20, 0x20);
    OK(e, 0xd9, 0xfa);                         /* fsqrt 2 */
    check_st(e, 0, 0x3fff, 0xb504f333f9de6484ull);
    ld80(e, 0xc000, 1ull << 63);               /* fsqrt -2: IE, indefinite */
    OK(e, 0xd9, 0xfa);
    check_st(e, 0, 0xffff, 0xc000000000000000ull);
    xenv_free(e);
}
END_TEST

/* Transcendentals with exact results (Vol. 2 F2XM1, FYL2X, FPTAN, FSIN):
 * 2^-1 - 1 = -0.5, 3 * log2 8 = 9, FPTAN pushes 1.0, FSIN of an operand
 * beyond 2^63 sets C2 and leaves it. FCMOVcc moves on the condition. */
START_TEST(test_transcendental)
{
    NEED_NUMERIC();
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    OK(e, 0xdb, 0xe3);
    ld80(e, 0xbfff, 1ull << 63);
    OK(e, 0xd9, 0xf0);                         /* f2xm1(-1) */
    check_st(e, 0, 0xbffe, 1ull << 63);
    ld80(e, THREE);
    ld80(e, 0x4002, 1ull << 63);               /* 8 */
    OK(e, 0xd9, 0xf1);                         /* fyl2x: pops */
    check_st(e, 0, 0x4002, 0x9ull << 60);
    ck_assert_uint_eq(TOP, 6);
    OK(e, 0xd9, 0xee);
    OK(e, 0xd9, 0xf2);                         /* fptan(0): 0, then 1 */
    check_st(e, 0, ONE);
    check_st(e, 1, 0, 0);
    ck_assert_uint_eq(FPU.fsw & 0x400, 0);
    ld80(e, 0x3fff + 64, 1ull << 63);          /* 2^64 */
    OK(e, 0xd9, 0xfe);                         /* fsin: out of range */
    check_st(e, 0, 0x3fff + 64, 1ull << 63);
    ck_assert_uint_eq(FPU.fsw & 0x400, 0x400);
    e->cpu.rflags |= VMP_FLAG_CF;
    OK(e, 0xda, 0xc1);                         /* fcmovb st0, st1: CF=1 */
    check_st(e, 0, ONE);
    e->cpu.rflags &= ~(uint64_t)VMP_FLAG_ZF;
    OK(e, 0xda, 0xca);                         /* fcmove st0, st2: ZF=0 */
    check_st(e, 0, ONE);
    xenv_free(e);
}
END_TEST

/* 64-bit mode: RIP-relative and REX-extended memory operands, FIP/FDP as
 * 64-bit offsets (Vol. 1 §8.1.8), their FXSAVE64 image (Vol. 1 §10.5.1,
 * Table 10-2), and FNSTENV keeping the 28-byte layout with the low 32
 * bits. */
START_TEST(test_long_mode)
{
    NEED_NUMERIC();
    struct xenv *e = xenv_new();
    xenv_long64(e, 0x1000);
    OK(e, 0xdb, 0xe3);
    put64(e, 0x1108, 0x4000000000000000ull);          /* 2.0 */
    OK(e, 0xdd, 0x05, 0x00, 0x01, 0x00, 0x00);        /* fld qword [rip+0x100] */
    check_st(e, 0, TWO);
    ck_assert_uint_eq(FPU.fdp, 0x1108);
    ck_assert_uint_eq(FPU.fip, 0x1002);
    e->cpu.gpr[VMP_R8] = 0x2000;
    put32(e, 0x2000, 0x3f800000);                     /* 1.0f */
    OK(e, 0x41, 0xd8, 0x00);                          /* fadd dword [r8] */
    check_st(e, 0, THREE);
    ck_assert_uint_eq(FPU.fip, 0x1008);               /* the REX prefix */
    ck_assert_uint_eq(FPU.fop, 0x000);                /* D8 00 */
    ck_assert_uint_eq(FPU.fdp, 0x2000);
    FPU.fip = 0x123456789aull;                        /* as if code ran there */
    OK(e, 0x48, 0x0f, 0xae, 0x04, 0x25, 0x00, 0x30, 0x00, 0x00); /* fxsave64 [0x3000] */
    ck_assert_uint_eq(xenv_get(e, 0x3008, 8), 0x123456789aull);
    ck_assert_uint_eq(xenv_get(e, 0x3010, 8), 0x2000);
    ck_assert_uint_eq(xenv_get(e, 0x3004, 1), 0x80); /* abridged tag: R7 */
    OK(e, 0xd9, 0x34, 0x25, 0x00, 0x31, 0x00, 0x00);  /* fnstenv [0x3100] */
    ck_assert_uint_eq(xenv_get(e, 0x310c, 4), 0x3456789a);
    ck_assert_uint_eq(xenv_get(e, 0x3114, 4), 0x2000);
    xenv_free(e);
}
END_TEST

Suite *x87_suite(void)
{
    Suite *s = suite_create("x87");
    TCase *tc = tcase_create("control");
    tcase_add_test(tc, test_linux_probe);
    tcase_add_test(tc, test_numeric_fallback);
    tcase_add_test(tc, test_pending_mf);
    tcase_add_test(tc, test_nm_ud);
    tcase_add_test(tc, test_env_layouts);
    tcase_add_test(tc, test_save_restore);
    tcase_add_test(tc, test_pointers);
    tcase_add_test(tc, test_long_mode);
    suite_add_tcase(s, tc);
    tc = tcase_create("data");
    tcase_add_test(tc, test_loads);
    tcase_add_test(tc, test_stores);
    tcase_add_test(tc, test_store_fault_atomic);
    tcase_add_test(tc, test_stack_ops);
    tcase_add_test(tc, test_constants);
    suite_add_tcase(s, tc);
    tc = tcase_create("arith");
    tcase_add_test(tc, test_arith_precision);
    tcase_add_test(tc, test_arith_forms);
    tcase_add_test(tc, test_arith_exceptions);
    tcase_add_test(tc, test_compare);
    tcase_add_test(tc, test_fxam);
    tcase_add_test(tc, test_misc_arith);
    tcase_add_test(tc, test_transcendental);
    suite_add_tcase(s, tc);
    return s;
}

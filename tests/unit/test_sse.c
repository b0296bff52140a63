/* MMX, SSE and SSE2 in the emulator (emulator/x86_sse*.c).
 *
 * Part 1 checks architectural rules the SDM states: availability checks
 * (CR0.EM/TS, CR4.OSFXSR), #MF before MMX code, the MMX register/tag
 * aliasing, 16-byte alignment, SSE3+ encodings that must #UD, MASKMOVQ and
 * faults that commit nothing. Part 2 (x86-64 hosts only) runs the same
 * instruction bytes on the host CPU and in the emulator from the same
 * random state (registers, MXCSR rounding/FTZ/DAZ, special FP operands)
 * and compares every XMM/MMX/x87 register, MXCSR, RAX, RCX, RFLAGS and the
 * memory operand. */
#include <stdio.h>
#include "helpers.h"
#include "x86_env.h"

#if defined(__x86_64__)
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#endif

#define CODE 0x1000
#define DATA 0x2000

/* 64-bit long mode with OSFXSR set, RSI = RDI = DATA. */
static struct xenv *sse_env(void)
{
    struct xenv *e = xenv_new();
    xenv_long64(e, CODE);
    e->cpu.cr4 |= VMP_CR4_OSFXSR | VMP_CR4_OSXMMEXCPT;
    e->cpu.gpr[VMP_RSI] = DATA;
    e->cpu.gpr[VMP_RDI] = DATA;
    return e;
}

/* Execute one instruction (no delivery); returns the result code. */
static int run1(struct xenv *e, const uint8_t *code, unsigned len)
{
    struct vmp_x86_insn in;
    e->cpu.rip = CODE;
    e->cpu.event.valid = 0;
    xenv_put(e, CODE, code, len);
    int rc = vmp_x86_fetch_decode(&e->cpu, &xenv_ops, e, &in);
    if (rc)
        return rc;
    return vmp_x86_execute(&e->cpu, &xenv_ops, e, &in);
}

#define RUN(e, ...)                                                            \
    ({                                                                         \
        static const uint8_t code_[] = { __VA_ARGS__ };                        \
        run1((e), code_, sizeof(code_));                                       \
    })

static void expect_exc(struct xenv *e, int rc, unsigned vec)
{
    ck_assert_int_eq(rc, VMP_X86_EXCEPTION);
    ck_assert(e->cpu.event.valid);
    ck_assert_int_eq(e->cpu.event.vector, vec);
}

/* SDM Vol. 3 Table 2-2 / Vol. 1 §13.1.3: CR0.EM makes MMX and SSE #UD,
 * CR4.OSFXSR = 0 makes SSE (not MMX) #UD, CR0.TS makes both #NM. */
START_TEST(test_sse_availability)
{
    struct xenv *e = sse_env();
    /* pxor xmm0, xmm0 / pxor mm0, mm0 / paddb xmm1, xmm2 */
    ck_assert_int_eq(RUN(e, 0x66, 0x0f, 0xef, 0xc0), VMP_X86_OK);
    ck_assert_int_eq(RUN(e, 0x0f, 0xef, 0xc0), VMP_X86_OK);
    e->cpu.cr4 &= ~(uint64_t)VMP_CR4_OSFXSR;
    expect_exc(e, RUN(e, 0x66, 0x0f, 0xef, 0xc0), VMP_X86_UD);
    expect_exc(e, RUN(e, 0x0f, 0x28, 0xc1), VMP_X86_UD); /* movaps */
    ck_assert_int_eq(RUN(e, 0x0f, 0xef, 0xc0), VMP_X86_OK); /* MMX still runs */
    e->cpu.cr4 |= VMP_CR4_OSFXSR;
    e->cpu.cr0 |= VMP_CR0_EM;
    expect_exc(e, RUN(e, 0x66, 0x0f, 0xef, 0xc0), VMP_X86_UD);
    expect_exc(e, RUN(e, 0x0f, 0xef, 0xc0), VMP_X86_UD);
    expect_exc(e, RUN(e, 0x0f, 0x77), VMP_X86_UD); /* emms */
    e->cpu.cr0 &= ~(uint64_t)VMP_CR0_EM;
    e->cpu.cr0 |= VMP_CR0_TS;
    expect_exc(e, RUN(e, 0x66, 0x0f, 0xef, 0xc0), VMP_X86_NM);
    expect_exc(e, RUN(e, 0x0f, 0xef, 0xc0), VMP_X86_NM);
    expect_exc(e, RUN(e, 0x0f, 0x77), VMP_X86_NM);
    /* MOVNTI is an integer store: no x87/SSE state checks (SDM MOVNTI) */
    e->cpu.gpr[VMP_RAX] = 0x11223344;
    ck_assert_int_eq(RUN(e, 0x0f, 0xc3, 0x06), VMP_X86_OK); /* movnti [rsi], eax */
    ck_assert_uint_eq(xenv_get(e, DATA, 4), 0x11223344);
    xenv_free(e);
}
END_TEST

/* An MMX instruction with FSW.ES set raises #MF before touching anything
 * (SDM Vol. 3A §12.5.1); SSE instructions on XMM registers do not. */
START_TEST(test_sse_mmx_pending_mf)
{
    struct xenv *e = sse_env();
    e->cpu.fpu.fsw = 0x80 | 0x01 | (5u << 11);
    e->cpu.fpu.ftw = 0x0f;
    expect_exc(e, RUN(e, 0x0f, 0xfc, 0xc1), VMP_X86_MF); /* paddb mm0, mm1 */
    ck_assert_uint_eq(e->cpu.fpu.ftw, 0x0f);
    ck_assert_uint_eq((e->cpu.fpu.fsw >> 11) & 7, 5);
    expect_exc(e, RUN(e, 0x0f, 0x77), VMP_X86_MF);
    /* MOVQ2DQ xmm0, mm1 reads an MMX register: #MF too */
    expect_exc(e, RUN(e, 0xf3, 0x0f, 0xd6, 0xc1), VMP_X86_MF);
    ck_assert_int_eq(RUN(e, 0x66, 0x0f, 0xfc, 0xc1), VMP_X86_OK); /* paddb xmm */
    xenv_free(e);
}
END_TEST

/* SDM Vol. 3A §12.2, Table 12-2: MMX instructions set TOP = 0 and all
 * tags valid; a write to MMi sets bits 64-79 of R(i) to all ones; EMMS
 * empties every tag (and sets TOP = 0 too, as hardware does). A faulting
 * MMX instruction changes none of this. */
START_TEST(test_sse_mmx_state)
{
    struct xenv *e = sse_env();
    e->cpu.fpu.fsw = 3u << 11;
    e->cpu.fpu.ftw = 0;
    e->cpu.fpu.st[2].mant = 0x0102030405060708ull;
    e->cpu.fpu.st[2].sexp = 0x3fff;
    e->cpu.fpu.st[3].mant = 0x1010101010101010ull;
    e->cpu.fpu.st[3].sexp = 0x4000;
    ck_assert_int_eq(RUN(e, 0x0f, 0xfc, 0xd3), VMP_X86_OK); /* paddb mm2, mm3 */
    ck_assert_uint_eq(e->cpu.fpu.st[2].mant, 0x1112131415161718ull);
    ck_assert_uint_eq(e->cpu.fpu.st[2].sexp, 0xffff);
    ck_assert_uint_eq(e->cpu.fpu.st[3].sexp, 0x4000); /* only the destination */
    ck_assert_uint_eq(e->cpu.fpu.ftw, 0xff);
    ck_assert_uint_eq((e->cpu.fpu.fsw >> 11) & 7, 0);
    /* a store to memory still makes the transition */
    e->cpu.fpu.ftw = 0;
    e->cpu.fpu.fsw = 6u << 11;
    ck_assert_int_eq(RUN(e, 0x0f, 0x7f, 0x16), VMP_X86_OK); /* movq [rsi], mm2 */
    ck_assert_uint_eq(xenv_get(e, DATA, 8), 0x1112131415161718ull);
    ck_assert_uint_eq(e->cpu.fpu.ftw, 0xff);
    ck_assert_uint_eq(e->cpu.fpu.fsw, 0);
    e->cpu.fpu.fsw = 5u << 11 | 0x41;
    ck_assert_int_eq(RUN(e, 0x0f, 0x77), VMP_X86_OK); /* emms */
    ck_assert_uint_eq(e->cpu.fpu.ftw, 0);
    ck_assert_uint_eq(e->cpu.fpu.fsw, 0x41);
    /* #PF on the memory operand: no transition, no register change */
    e->cpu.fpu.fsw = 4u << 11;
    e->cpu.gpr[VMP_RSI] = 0x10000000; /* not mapped */
    expect_exc(e, RUN(e, 0x0f, 0xfc, 0x16), VMP_X86_PF); /* paddb mm2, [rsi] */
    ck_assert_uint_eq(e->cpu.fpu.ftw, 0);
    ck_assert_uint_eq((e->cpu.fpu.fsw >> 11) & 7, 4);
    ck_assert_uint_eq(e->cpu.fpu.st[2].mant, 0x1112131415161718ull);
    /* SSE instructions leave the x87 tags alone */
    ck_assert_int_eq(RUN(e, 0x66, 0x0f, 0xfc, 0xc1), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.fpu.ftw, 0);
    xenv_free(e);
}
END_TEST

/* Legacy SSE 16-byte memory operands must be 16-byte aligned, except the
 * explicitly unaligned moves (SDM Vol. 1 §4.1.1; Vol. 2 MOVAPS "#GP If a
 * memory operand is not aligned on a 16-byte boundary"); scalar and MMX
 * forms never check. */
START_TEST(test_sse_alignment)
{
    struct xenv *e = sse_env();
    for (unsigned i = 0; i < 32; i++)
        e->ram[DATA + i] = (uint8_t)i;
    e->cpu.gpr[VMP_RSI] = DATA + 8;
    expect_exc(e, RUN(e, 0x0f, 0x28, 0x06), VMP_X86_GP);       /* movaps xmm0,[rsi] */
    ck_assert_uint_eq(e->cpu.event.error_code, 0);
    expect_exc(e, RUN(e, 0x66, 0x0f, 0x6f, 0x06), VMP_X86_GP); /* movdqa */
    expect_exc(e, RUN(e, 0x66, 0x0f, 0x7f, 0x06), VMP_X86_GP); /* movdqa store */
    expect_exc(e, RUN(e, 0x66, 0x0f, 0xfc, 0x06), VMP_X86_GP); /* paddb xmm,m128 */
    expect_exc(e, RUN(e, 0x0f, 0x57, 0x06), VMP_X86_GP);       /* xorps */
    expect_exc(e, RUN(e, 0x66, 0x0f, 0xe7, 0x06), VMP_X86_GP); /* movntdq */
    expect_exc(e, RUN(e, 0x66, 0x0f, 0x70, 0x06, 0x1b), VMP_X86_GP); /* pshufd */
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][0], 0);
    ck_assert_int_eq(RUN(e, 0xf3, 0x0f, 0x6f, 0x06), VMP_X86_OK); /* movdqu */
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][0], 0x0f0e0d0c0b0a0908ull);
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][1], 0x1716151413121110ull);
    ck_assert_int_eq(RUN(e, 0x0f, 0x10, 0x0e), VMP_X86_OK);       /* movups xmm1 */
    ck_assert_uint_eq(e->cpu.fpu.xmm[1][1], 0x1716151413121110ull);
    ck_assert_int_eq(RUN(e, 0xf3, 0x0f, 0x10, 0x16), VMP_X86_OK); /* movss xmm2 */
    ck_assert_uint_eq(e->cpu.fpu.xmm[2][0], 0x0b0a0908);
    ck_assert_int_eq(RUN(e, 0x0f, 0xfc, 0x06), VMP_X86_OK);       /* paddb mm0, m64 */
    ck_assert_int_eq(RUN(e, 0x0f, 0x12, 0x06), VMP_X86_OK);       /* movlps */
    e->cpu.gpr[VMP_RSI] = DATA;
    ck_assert_int_eq(RUN(e, 0x0f, 0x28, 0x1e), VMP_X86_OK);       /* movaps xmm3 */
    ck_assert_uint_eq(e->cpu.fpu.xmm[3][0], 0x0706050403020100ull);
    xenv_free(e);
}
END_TEST

/* Encodings newer than SSE2 in the 0F map, and undefined prefix/ModRM
 * combinations: #UD (CPUID reports neither SSE3 nor SSSE3). */
START_TEST(test_sse_undefined)
{
    static const uint8_t ud[][6] = {
        { 4, 0xf2, 0x0f, 0x12, 0xc1 },       /* MOVDDUP */
        { 4, 0xf3, 0x0f, 0x12, 0xc1 },       /* MOVSLDUP */
        { 4, 0xf3, 0x0f, 0x16, 0xc1 },       /* MOVSHDUP */
        { 4, 0x66, 0x0f, 0x7c, 0xc1 },       /* HADDPD */
        { 4, 0xf2, 0x0f, 0x7d, 0xc1 },       /* HSUBPS */
        { 4, 0x66, 0x0f, 0xd0, 0xc1 },       /* ADDSUBPD */
        { 4, 0xf2, 0x0f, 0xf0, 0x06 },       /* LDDQU */
        { 3, 0x0f, 0x6c, 0xc1 },             /* PUNPCKLQDQ needs 66 */
        { 4, 0xf2, 0x0f, 0x6f, 0xc1 },
        { 4, 0xf3, 0x0f, 0xfc, 0xc1 },       /* PADDB with F3 */
        { 4, 0x66, 0x0f, 0x12, 0xc1 },       /* MOVLPD register form */
        { 3, 0x0f, 0x13, 0xc1 },             /* MOVLPS store, register */
        { 3, 0x0f, 0x2b, 0xc1 },             /* MOVNTPS register */
        { 3, 0x0f, 0xe7, 0xc1 },             /* MOVNTQ register */
        { 3, 0x0f, 0x50, 0x06 },             /* MOVMSKPS memory */
        { 3, 0x0f, 0xd7, 0x06 },             /* PMOVMSKB memory */
        { 4, 0x0f, 0xc5, 0x06, 0x01 },       /* PEXTRW memory */
        { 4, 0x0f, 0x71, 0x16, 0x01 },       /* PSRLW imm, memory */
        { 4, 0x0f, 0x71, 0xc0, 0x01 },       /* 0F 71 /0 */
        { 4, 0x0f, 0x73, 0xd8, 0x01 },       /* PSRLDQ needs 66 */
        { 5, 0x66, 0x0f, 0x73, 0xe0, 0x01 }, /* 0F 73 /4 */
        { 3, 0x0f, 0xf7, 0x06 },             /* MASKMOVQ memory */
        { 3, 0x0f, 0xd6, 0xc1 },             /* 0F D6 without prefix */
        { 4, 0xf3, 0x0f, 0xd6, 0x06 },       /* MOVQ2DQ memory */
        { 4, 0x66, 0x0f, 0x77 },             /* EMMS with 66 */
        { 4, 0x66, 0x0f, 0xc3, 0x06 },       /* MOVNTI with 66 */
        { 3, 0x0f, 0xc3, 0xc0 },             /* MOVNTI register */
        { 4, 0xf3, 0x0f, 0x28, 0xc1 },       /* MOVAPS with F3 */
        { 4, 0xf2, 0x0f, 0x54, 0xc1 },       /* ANDPS with F2 */
        { 4, 0xf2, 0x0f, 0x5b, 0xc1 },       /* 0F 5B with F2 */
        { 4, 0x66, 0x0f, 0x52, 0xc1 },       /* RSQRTPS with 66 */
        { 4, 0xf2, 0x0f, 0x53, 0xc1 },       /* RCPPS with F2 */
        { 4, 0xf3, 0x0f, 0x2e, 0xc1 },       /* UCOMISS with F3 */
        { 3, 0x0f, 0xe6, 0xc1 },             /* 0F E6 without prefix */
        { 4, 0xf0, 0x0f, 0x58, 0x06 },       /* LOCK ADDPS */
    };
    struct xenv *e = sse_env();
    for (unsigned i = 0; i < sizeof(ud) / sizeof(ud[0]); i++) {
        int rc = run1(e, &ud[i][1], ud[i][0]);
        ck_assert_msg(rc == VMP_X86_EXCEPTION && e->cpu.event.vector == VMP_X86_UD,
                      "case %u: rc %d vector %u", i, rc, e->cpu.event.vector);
    }
    xenv_free(e);
}
END_TEST

/* MASKMOVQ / MASKMOVDQU store the bytes whose mask byte has bit 7 set to
 * DS:rDI (SDM Vol. 2 MASKMOVDQU); a fault stores nothing. */
START_TEST(test_sse_maskmov)
{
    struct xenv *e = sse_env();
    memset(e->ram + DATA, 0x55, 32);
    e->cpu.fpu.xmm[1][0] = 0x0807060504030201ull;
    e->cpu.fpu.xmm[1][1] = 0x100f0e0d0c0b0a09ull;
    e->cpu.fpu.xmm[2][0] = 0x80ff7f0000808000ull; /* bytes 1,2,6,7 */
    e->cpu.fpu.xmm[2][1] = 0x8000000000000080ull; /* bytes 8,15 */
    e->cpu.gpr[VMP_RDI] = DATA + 3;              /* unaligned is fine */
    ck_assert_int_eq(RUN(e, 0x66, 0x0f, 0xf7, 0xca), VMP_X86_OK);
    static const uint8_t want[19] = { 0x55, 0x55, 0x55, 0x55, 0x02, 0x03, 0x55, 0x55,
                                      0x55, 0x07, 0x08, 0x09, 0x55, 0x55, 0x55, 0x55,
                                      0x55, 0x55, 0x10 };
    ck_assert_mem_eq(e->ram + DATA, want, sizeof(want));
    /* MASKMOVQ mm1, mm2 with a page fault on the second page */
    memset(e->ram + DATA, 0x55, 32);
    e->cpu.fpu.st[1].mant = 0x1122334455667788ull;
    e->cpu.fpu.st[2].mant = 0x8080808080808080ull;
    uint64_t pte = 0;
    memcpy(e->ram + 0x303000 + 8 * 0x11, &pte, 8); /* unmap 0x11000 */
    vmp_x86_flush_tlb(&e->cpu);
    e->cpu.gpr[VMP_RDI] = 0x10ffc;
    e->ram[0x10ffc] = 0x55;
    e->cpu.fpu.ftw = 0;
    expect_exc(e, RUN(e, 0x0f, 0xf7, 0xca), VMP_X86_PF);
    ck_assert_uint_eq(e->ram[0x10ffc], 0x55);
    ck_assert_uint_eq(e->cpu.fpu.ftw, 0);
    /* with an all-zero mask nothing is accessed */
    e->cpu.fpu.st[2].mant = 0x7f7f7f7f7f7f7f7full;
    ck_assert_int_eq(RUN(e, 0x0f, 0xf7, 0xca), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.fpu.ftw, 0xff);
    /* a segment override applies to DS:rDI: FS.base = 0x100 */
    e->cpu.seg[VMP_FS].base = 0x100;
    e->cpu.gpr[VMP_RDI] = DATA;
    e->cpu.fpu.st[2].mant = 0x80;
    ck_assert_int_eq(RUN(e, 0x64, 0x0f, 0xf7, 0xca), VMP_X86_OK);
    ck_assert_uint_eq(e->ram[DATA + 0x100], 0x88);
    xenv_free(e);
}
END_TEST

/* A few results straight from the SDM's Operation sections. */
/* SSE works in every mode once CR4.OSFXSR is set: real mode with 16-bit
 * addressing and segment limits (SDM Vol. 2 MOVUPS "Real-Address Mode
 * Exceptions: #GP If any part of the operand lies outside 0..FFFFH"), and
 * 32-bit protected mode (no REX: 48h is DEC EAX there). */
START_TEST(test_sse_modes)
{
    struct xenv *e = sse_env();
    xenv_real(e, CODE);
    e->cpu.cr4 |= VMP_CR4_OSFXSR;
    for (unsigned i = 0; i < 16; i++)
        e->ram[DATA + i] = (uint8_t)(i + 1);
    e->cpu.gpr[VMP_RSI] = DATA;
    ck_assert_int_eq(RUN(e, 0x66, 0x0f, 0x6f, 0x04), VMP_X86_OK); /* movdqa xmm0,[si] */
    ck_assert_int_eq(RUN(e, 0x66, 0x0f, 0xfc, 0x04), VMP_X86_OK); /* paddb xmm0,[si] */
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][0], 0x100e0c0a08060402ull);
    ck_assert_int_eq(RUN(e, 0x0f, 0x11, 0x44, 0x10), VMP_X86_OK); /* movups [si+16] */
    ck_assert_uint_eq(xenv_get(e, DATA + 16, 8), 0x100e0c0a08060402ull);
    e->cpu.gpr[VMP_RAX] = ~0ull;
    ck_assert_int_eq(RUN(e, 0x66, 0x0f, 0x7e, 0xc0), VMP_X86_OK); /* movd eax, xmm0 */
    ck_assert_uint_eq(e->cpu.gpr[VMP_RAX], 0x08060402);
    e->cpu.gpr[VMP_RSI] = 0xfff8; /* 16 bytes from FFF8h cross the limit */
    expect_exc(e, RUN(e, 0x0f, 0x10, 0x04), VMP_X86_GP);
    ck_assert_int_eq(RUN(e, 0xf3, 0x0f, 0x7e, 0x04), VMP_X86_OK); /* movq: 8 bytes fit */
    xenv_prot32(e, CODE);
    e->cpu.cr4 |= VMP_CR4_OSFXSR;
    ck_assert_int_eq(RUN(e, 0x0f, 0x28, 0x0d, 0x00, 0x20, 0x00, 0x00), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.fpu.xmm[1][0], 0x0807060504030201ull); /* movaps xmm1,[2000h] */
    e->cpu.gpr[VMP_RAX] = 0x12345678;
    ck_assert_int_eq(RUN(e, 0x66, 0x0f, 0x6e, 0xd0), VMP_X86_OK); /* movd xmm2, eax */
    ck_assert_uint_eq(e->cpu.fpu.xmm[2][0], 0x12345678);
    ck_assert_uint_eq(e->cpu.fpu.xmm[2][1], 0);
    xenv_free(e);
}
END_TEST

START_TEST(test_sse_int_known)
{
    struct xenv *e = sse_env();
    /* PMADDWD: 8000h*8000h + 8000h*8000h wraps to 80000000h */
    e->cpu.fpu.st[0].mant = 0x8000800080008000ull;
    e->cpu.fpu.st[1].mant = 0x8000800000020003ull;
    ck_assert_int_eq(RUN(e, 0x0f, 0xf5, 0xc1), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.fpu.st[0].mant, 0x80000000fffd8000ull);
    /* PSADBW xmm: per quadword, the sum in the low word, rest zero */
    e->cpu.fpu.xmm[0][0] = 0x00ff00ff00ff00ffull;
    e->cpu.fpu.xmm[0][1] = 0x0102030405060708ull;
    e->cpu.fpu.xmm[1][0] = 0xff00ff00ff00ff00ull;
    e->cpu.fpu.xmm[1][1] = 0x0807060504030201ull;
    ck_assert_int_eq(RUN(e, 0x66, 0x0f, 0xf6, 0xc1), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][0], 8 * 255);
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][1], 7 + 5 + 3 + 1 + 1 + 3 + 5 + 7);
    /* PMOVMSKB eax, xmm1 / PCMPEQB + PMOVMSKB as strlen does */
    e->cpu.fpu.xmm[1][0] = 0x8000000000000080ull;
    e->cpu.fpu.xmm[1][1] = 0x0100000000008000ull;
    e->cpu.gpr[VMP_RAX] = ~0ull;
    ck_assert_int_eq(RUN(e, 0x66, 0x0f, 0xd7, 0xc1), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.gpr[VMP_RAX], 0x0281);
    /* PSRLDQ xmm1, 3 and PSLLDQ by 16 (clears) */
    e->cpu.fpu.xmm[1][0] = 0x0706050403020100ull;
    e->cpu.fpu.xmm[1][1] = 0x0f0e0d0c0b0a0908ull;
    ck_assert_int_eq(RUN(e, 0x66, 0x0f, 0x73, 0xd9, 3), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.fpu.xmm[1][0], 0x0a09080706050403ull);
    ck_assert_uint_eq(e->cpu.fpu.xmm[1][1], 0x0000000f0e0d0c0bull);
    ck_assert_int_eq(RUN(e, 0x66, 0x0f, 0x73, 0xf9, 16), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.fpu.xmm[1][0] | e->cpu.fpu.xmm[1][1], 0);
    /* PSRAW by a count above 15 fills with the sign */
    e->cpu.fpu.st[3].mant = 0x80007fff0001ffffull;
    e->cpu.fpu.st[4].mant = 100;
    ck_assert_int_eq(RUN(e, 0x0f, 0xe1, 0xdc), VMP_X86_OK); /* psraw mm3, mm4 */
    ck_assert_uint_eq(e->cpu.fpu.st[3].mant, 0xffff00000000ffffull);
    /* MOVQ xmm8, rax (66 REX.W 0F 6E) zero-extends; MOVD eax, xmm8 */
    e->cpu.gpr[VMP_RAX] = 0x1234567890abcdefull;
    e->cpu.fpu.xmm[8][1] = 5;
    ck_assert_int_eq(RUN(e, 0x66, 0x4c, 0x0f, 0x6e, 0xc0), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.fpu.xmm[8][0], 0x1234567890abcdefull);
    ck_assert_uint_eq(e->cpu.fpu.xmm[8][1], 0);
    ck_assert_int_eq(RUN(e, 0x66, 0x44, 0x0f, 0x7e, 0xc1), VMP_X86_OK); /* movd ecx, xmm8 */
    ck_assert_uint_eq(e->cpu.gpr[VMP_RCX], 0x90abcdef);
    xenv_free(e);
}
END_TEST

#if defined(__x86_64__)
/* ---- floating point rules (x86-64 hosts: the FP path runs there) ---- */

static void set_ss(struct xenv *e, unsigned r, uint32_t lo, uint32_t hi)
{
    e->cpu.fpu.xmm[r][0] = lo | (uint64_t)hi << 32;
    e->cpu.fpu.xmm[r][1] = 0x1111111122222222ull;
}

/* SDM Vol. 1 §11.5.1: an unmasked pre-computation exception (IE, DE, ZE)
 * stops the instruction with the destination unchanged and only the
 * pre-computation flags set; an unmasked post-computation one (OE, UE,
 * PE) also leaves the destination unchanged. The fault is #XM with
 * CR4.OSXMMEXCPT, else #UD (Vol. 1 §11.5.3). */
START_TEST(test_sse_fp_unmasked)
{
    struct xenv *e = sse_env();
    /* divss xmm0, xmm1 by zero, ZM clear */
    set_ss(e, 0, 0x3f800000, 0);
    set_ss(e, 1, 0, 0);
    e->cpu.fpu.mxcsr = 0x1f80 & ~0x200u;
    expect_exc(e, RUN(e, 0xf3, 0x0f, 0x5e, 0xc1), VMP_X86_XM);
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][0], 0x3f800000);
    ck_assert_uint_eq(e->cpu.fpu.mxcsr, (0x1f80 & ~0x200u) | 0x4);
    e->cpu.cr4 &= ~(uint64_t)VMP_CR4_OSXMMEXCPT;
    expect_exc(e, RUN(e, 0xf3, 0x0f, 0x5e, 0xc1), VMP_X86_UD);
    e->cpu.cr4 |= VMP_CR4_OSXMMEXCPT;
    /* masked: +inf and ZE */
    e->cpu.fpu.mxcsr = 0x1f80;
    ck_assert_int_eq(RUN(e, 0xf3, 0x0f, 0x5e, 0xc1), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][0] & 0xffffffff, 0x7f800000);
    ck_assert_uint_eq(e->cpu.fpu.mxcsr, 0x1f84);
    /* addps: SNaN in lane 1 with IM clear, an inexact sum in lane 0: the
     * fault comes before computation, so IE is set and PE is not */
    set_ss(e, 0, 0x3f800000, 0x3f800000);
    set_ss(e, 1, 0x33000001, 0x7f800001);
    e->cpu.fpu.xmm[1][1] = 0;
    e->cpu.fpu.mxcsr = 0x1f80 & ~0x80u;
    expect_exc(e, RUN(e, 0x0f, 0x58, 0xc1), VMP_X86_XM);
    ck_assert_uint_eq(e->cpu.fpu.mxcsr, (0x1f80 & ~0x80u) | 0x1);
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][0], 0x3f8000003f800000ull);
    /* mulss overflow with OM clear: OE, destination kept; PE only when
     * the exponent-adjusted result is inexact (Vol. 1 §4.9.1.4):
     * 2^127 * 2^127 is exact, 1.5*2^127 * (1+2^-23)*2^127 needs 25 bits */
    set_ss(e, 0, 0x7f000000, 0);
    set_ss(e, 1, 0x7f000000, 0);
    e->cpu.fpu.mxcsr = 0x1f80 & ~0x400u;
    expect_exc(e, RUN(e, 0xf3, 0x0f, 0x59, 0xc1), VMP_X86_XM);
    ck_assert_uint_eq(e->cpu.fpu.mxcsr & 0x3f, 0x08);
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][0], 0x7f000000);
    set_ss(e, 0, 0x7f400000, 0);
    set_ss(e, 1, 0x7f000001, 0);
    e->cpu.fpu.mxcsr = 0x1f80 & ~0x400u;
    expect_exc(e, RUN(e, 0xf3, 0x0f, 0x59, 0xc1), VMP_X86_XM);
    ck_assert_uint_eq(e->cpu.fpu.mxcsr & 0x3f, 0x28);
    /* masked, the same overflow gives +inf with OE and PE */
    e->cpu.fpu.mxcsr = 0x1f80;
    ck_assert_int_eq(RUN(e, 0xf3, 0x0f, 0x59, 0xc1), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][0], 0x7f800000);
    ck_assert_uint_eq(e->cpu.fpu.mxcsr, 0x1fa8);
    /* an exact tiny result: no flag when UE is masked, #XM with UE when
     * it is not (SDM Vol. 1 §4.9.1.5) - 2^-100 * 2^-40 = 2^-140 */
    set_ss(e, 0, 0x0d800000, 0);
    set_ss(e, 1, 0x2b800000, 0);
    e->cpu.fpu.mxcsr = 0x1f80;
    ck_assert_int_eq(RUN(e, 0xf3, 0x0f, 0x59, 0xc1), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.fpu.mxcsr, 0x1f80);
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][0], 0x00000200);
    set_ss(e, 0, 0x0d800000, 0);
    e->cpu.fpu.mxcsr = 0x1f80 & ~0x800u;
    expect_exc(e, RUN(e, 0xf3, 0x0f, 0x59, 0xc1), VMP_X86_XM);
    ck_assert_uint_eq(e->cpu.fpu.mxcsr & 0x3f, 0x10);
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][0], 0x0d800000);
    /* FTZ with UE masked flushes it to zero and sets UE and PE */
    e->cpu.fpu.mxcsr = 0x1f80 | 0x8000;
    ck_assert_int_eq(RUN(e, 0xf3, 0x0f, 0x59, 0xc1), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][0], 0);
    ck_assert_uint_eq(e->cpu.fpu.mxcsr, 0x1f80 | 0x8000 | 0x30);
    /* PE unmasked: 1 + 2^-30 */
    set_ss(e, 0, 0x3f800000, 0);
    set_ss(e, 1, 0x30800000, 0);
    e->cpu.fpu.mxcsr = 0x1f80 & ~0x1000u;
    expect_exc(e, RUN(e, 0xf3, 0x0f, 0x58, 0xc1), VMP_X86_XM);
    ck_assert_uint_eq(e->cpu.fpu.mxcsr & 0x3f, 0x20);
    xenv_free(e);
}
END_TEST

/* COMISS signals IE for QNaN, UCOMISS only for SNaN; unordered sets ZF
 * PF CF, OF SF AF are cleared; a fault leaves RFLAGS alone (SDM Vol. 2
 * COMISS, UCOMISS). CVTTSS2SI out of range gives the integer indefinite
 * 80000000h when IM is set (Vol. 1 §4.8.3.7... Table 4-... via §11.5.2.1). */
START_TEST(test_sse_fp_comis_cvt)
{
    struct xenv *e = sse_env();
    set_ss(e, 0, 0x3f800000, 0);
    set_ss(e, 1, 0x7fc00000, 0);
    e->cpu.rflags = 0x2 | VMP_FLAG_OF | VMP_FLAG_SF | VMP_FLAG_AF;
    e->cpu.fpu.mxcsr = 0x1f80;
    ck_assert_int_eq(RUN(e, 0x0f, 0x2e, 0xc1), VMP_X86_OK); /* ucomiss */
    ck_assert_uint_eq(e->cpu.rflags & 0x8d5, VMP_FLAG_ZF | VMP_FLAG_PF | VMP_FLAG_CF);
    ck_assert_uint_eq(e->cpu.fpu.mxcsr, 0x1f80);
    ck_assert_int_eq(RUN(e, 0x0f, 0x2f, 0xc1), VMP_X86_OK); /* comiss */
    ck_assert_uint_eq(e->cpu.fpu.mxcsr, 0x1f81);
    e->cpu.fpu.mxcsr = 0x1f80 & ~0x80u;
    e->cpu.rflags = 0x2;
    expect_exc(e, RUN(e, 0x0f, 0x2f, 0xc1), VMP_X86_XM);
    ck_assert_uint_eq(e->cpu.rflags, 0x2);
    ck_assert_int_eq(RUN(e, 0x0f, 0x2e, 0xc1), VMP_X86_OK); /* QNaN: no IE */
    /* 2.0 > 1.0: all clear; 1.0 < 2.0: CF */
    set_ss(e, 1, 0x40000000, 0);
    ck_assert_int_eq(RUN(e, 0x0f, 0x2f, 0xc8), VMP_X86_OK); /* comiss xmm1, xmm0 */
    ck_assert_uint_eq(e->cpu.rflags & 0x8d5, 0);
    ck_assert_int_eq(RUN(e, 0x0f, 0x2f, 0xc1), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.rflags & 0x8d5, VMP_FLAG_CF);
    /* cvttss2si eax, xmm1 with 1e10 */
    set_ss(e, 1, 0x501502f9, 0);
    e->cpu.gpr[VMP_RAX] = 0x55;
    e->cpu.fpu.mxcsr = 0x1f80;
    ck_assert_int_eq(RUN(e, 0xf3, 0x0f, 0x2c, 0xc1), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.gpr[VMP_RAX], 0x80000000u);
    ck_assert_uint_eq(e->cpu.fpu.mxcsr, 0x1f81);
    ck_assert_int_eq(RUN(e, 0xf3, 0x48, 0x0f, 0x2c, 0xc1), VMP_X86_OK); /* rax */
    ck_assert_uint_eq(e->cpu.gpr[VMP_RAX], 10000000000ull);
    e->cpu.gpr[VMP_RAX] = 0x55;
    e->cpu.fpu.mxcsr = 0x1f80 & ~0x80u;
    expect_exc(e, RUN(e, 0xf3, 0x0f, 0x2c, 0xc1), VMP_X86_XM);
    ck_assert_uint_eq(e->cpu.gpr[VMP_RAX], 0x55);
    xenv_free(e);
}
END_TEST

/* RCPPS/RSQRTPS: |relative error| <= 1.5 * 2^-12 against the exact value
 * (SDM Vol. 2 RCPPS), the special operands of the SDM tables exactly, and
 * MXCSR untouched. */
START_TEST(test_sse_fp_rcp_rsqrt)
{
    struct xenv *e = sse_env();
    uint64_t r = 0x9e3779b97f4a7c15ull;
    e->cpu.fpu.mxcsr = 0x1f80 & ~0x1000u; /* even with PE unmasked */
    for (unsigned i = 0; i < 20000; i++) {
        r ^= r << 13; r ^= r >> 7; r ^= r << 17;
        uint32_t x = (uint32_t)r & 0x807fffff;
        x |= (uint32_t)((r >> 32) % 250 + 2) << 23;
        if (x >> 31 && (i & 1))
            x &= 0x7fffffff;
        float xf, rf;
        memcpy(&xf, &x, 4);
        bool rs = i & 1;
        e->cpu.fpu.xmm[1][0] = x;
        int rc = rs ? RUN(e, 0xf3, 0x0f, 0x52, 0xc1) : RUN(e, 0xf3, 0x0f, 0x53, 0xc1);
        if (rc != VMP_X86_OK)
            ck_abort_msg("rc %d", rc);
        uint32_t got = (uint32_t)e->cpu.fpu.xmm[0][0];
        memcpy(&rf, &got, 4);
        double exact = rs ? 1.0 / __builtin_sqrt((double)xf) : 1.0 / (double)xf;
        if (!rs && __builtin_fabs(exact) < 0x1.0004p-126)
            continue; /* the SDM leaves results near the tiny boundary open */
        double err = __builtin_fabs(((double)rf - exact) / exact);
        if (!(err <= 1.5 / 4096))
            ck_abort_msg("%s %08x -> %08x", rs ? "rsqrt" : "rcp", x, got);
    }
    ck_assert_uint_eq(e->cpu.fpu.mxcsr, 0x1f80 & ~0x1000u);
    static const uint32_t rcp_in[] = { 0, 0x80000001, 0x7f800000, 0xff800000, 0x7f800001,
                                       0xffc00001, 0x7f7fffff, 0x3f800000 };
    static const uint32_t rcp_out[] = { 0x7f800000, 0xff800000, 0, 0x80000000, 0x7fc00001,
                                        0xffc00001, 0, 0x3f800000 };
    static const uint32_t rsq_in[] = { 0, 0x80000000, 0x00000001, 0xbf800000, 0xff800000,
                                       0x7f800000, 0x7f800001, 0x3f800000 };
    static const uint32_t rsq_out[] = { 0x7f800000, 0xff800000, 0x7f800000, 0xffc00000,
                                        0xffc00000, 0, 0x7fc00001, 0x3f800000 };
    for (unsigned i = 0; i < 8; i++) {
        e->cpu.fpu.xmm[1][0] = rcp_in[i];
        ck_assert_int_eq(RUN(e, 0xf3, 0x0f, 0x53, 0xc1), VMP_X86_OK);
        ck_assert_uint_eq((uint32_t)e->cpu.fpu.xmm[0][0], rcp_out[i]);
        e->cpu.fpu.xmm[1][0] = rsq_in[i];
        ck_assert_int_eq(RUN(e, 0xf3, 0x0f, 0x52, 0xc1), VMP_X86_OK);
        ck_assert_uint_eq((uint32_t)e->cpu.fpu.xmm[0][0], rsq_out[i]);
    }
    /* packed: four lanes, destination fully written */
    e->cpu.fpu.xmm[1][0] = 0x4080000040000000ull; /* 2, 4 */
    e->cpu.fpu.xmm[1][1] = 0x3e8000003f800000ull; /* 1, 0.25 */
    ck_assert_int_eq(RUN(e, 0x0f, 0x53, 0xc1), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][0], 0x3e8000003f000000ull);
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][1], 0x408000003f800000ull);
    ck_assert_int_eq(RUN(e, 0x0f, 0x52, 0xc1), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][1], 0x400000003f800000ull);
    xenv_free(e);
}
END_TEST

/* Packed FP m128 operands need alignment; scalar and 64-bit ones do not.
 * CVTPI2PS from an MMX register makes the MMX transition, from memory it
 * does not (SDM Vol. 2 CVTPI2PS); CVTPS2PI always writes an MMX register. */
START_TEST(test_sse_fp_operands)
{
    struct xenv *e = sse_env();
    e->cpu.gpr[VMP_RSI] = DATA + 8;
    expect_exc(e, RUN(e, 0x0f, 0x58, 0x06), VMP_X86_GP);       /* addps */
    expect_exc(e, RUN(e, 0x66, 0x0f, 0x5a, 0x06), VMP_X86_GP); /* cvtpd2ps */
    expect_exc(e, RUN(e, 0x0f, 0xc2, 0x06, 0x01), VMP_X86_GP); /* cmpps */
    ck_assert_int_eq(RUN(e, 0xf3, 0x0f, 0x58, 0x06), VMP_X86_OK); /* addss */
    ck_assert_int_eq(RUN(e, 0x0f, 0x5a, 0x06), VMP_X86_OK);       /* cvtps2pd m64 */
    ck_assert_int_eq(RUN(e, 0xf3, 0x0f, 0xe6, 0x06), VMP_X86_OK); /* cvtdq2pd m64 */
    uint32_t two[2] = { 3, (uint32_t)-5 };
    xenv_put(e, DATA + 8, two, 8);
    e->cpu.fpu.ftw = 0;
    e->cpu.fpu.xmm[0][1] = 0x77;
    ck_assert_int_eq(RUN(e, 0x0f, 0x2a, 0x06), VMP_X86_OK); /* cvtpi2ps xmm0, [rsi] */
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][0], 0xc0a0000040400000ull);
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][1], 0x77);
    ck_assert_uint_eq(e->cpu.fpu.ftw, 0);
    e->cpu.fpu.st[1].mant = 0x0000000700000001ull;
    ck_assert_int_eq(RUN(e, 0x0f, 0x2a, 0xc1), VMP_X86_OK); /* cvtpi2ps xmm0, mm1 */
    ck_assert_uint_eq(e->cpu.fpu.xmm[0][0], 0x40e000003f800000ull);
    ck_assert_uint_eq(e->cpu.fpu.ftw, 0xff);
    e->cpu.fpu.ftw = 0;
    ck_assert_int_eq(RUN(e, 0x0f, 0x2d, 0xd0), VMP_X86_OK); /* cvtps2pi mm2, xmm0 */
    ck_assert_uint_eq(e->cpu.fpu.st[2].mant, 0x0000000700000001ull);
    ck_assert_uint_eq(e->cpu.fpu.st[2].sexp, 0xffff);
    ck_assert_uint_eq(e->cpu.fpu.ftw, 0xff);
    xenv_free(e);
}
END_TEST

/* ---- native differential testing ------------------------------------- */

/* Check records every passed assertion through a pipe (one write(2)
 * each); the hot loops below only call it on failure. */
#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            ck_abort_msg(__VA_ARGS__);                                         \
    } while (0)

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* The state both sides start from and end with. */
struct nstate {
    uint8_t fx[512];
    uint64_t rax, rcx, rflags, pad;
    uint8_t mem[64];
} __attribute__((aligned(16)));

/* Host stub: save the host FPU state, load the test state, run the
 * instruction with RSI = RDI = mem, store everything back, restore. */
static const uint8_t stub_pre[] = {
    0x53,                                     /* push rbx */
    0x48, 0x89, 0xfb,                         /* mov rbx, rdi */
    0x0f, 0xae, 0x06,                         /* fxsave [rsi] */
    0x0f, 0xae, 0x0b,                         /* fxrstor [rbx] */
    0x48, 0x8b, 0x83, 0x00, 0x02, 0, 0,       /* mov rax, [rbx+512] */
    0x48, 0x8b, 0x8b, 0x08, 0x02, 0, 0,       /* mov rcx, [rbx+520] */
    0xff, 0xb3, 0x10, 0x02, 0, 0,             /* push qword [rbx+528] */
    0x9d,                                     /* popfq */
    0x56,                                     /* push rsi */
    0x48, 0x8d, 0xb3, 0x20, 0x02, 0, 0,       /* lea rsi, [rbx+544] */
    0x48, 0x8d, 0xbb, 0x20, 0x02, 0, 0,       /* lea rdi, [rbx+544] */
};
static const uint8_t stub_post[] = {
    0x9c,                                     /* pushfq */
    0x8f, 0x83, 0x10, 0x02, 0, 0,             /* pop qword [rbx+528] */
    0x48, 0x89, 0x83, 0x00, 0x02, 0, 0,       /* mov [rbx+512], rax */
    0x48, 0x89, 0x8b, 0x08, 0x02, 0, 0,       /* mov [rbx+520], rcx */
    0x0f, 0xae, 0x03,                         /* fxsave [rbx] */
    0x5e,                                     /* pop rsi */
    0x0f, 0xae, 0x0e,                         /* fxrstor [rsi] */
    0x5b,                                     /* pop rbx */
    0xc3,                                     /* ret */
};

/* An unmasked SIMD exception on the host arrives as SIGFPE: the handler
 * takes the faulting state from the signal frame (its FP area has the
 * FXSAVE layout) and jumps back; the host FPU state is then restored. */
static sigjmp_buf fpe_jb;
static struct nstate *fpe_st;

static void fpe_handler(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    memcpy(fpe_st->fx, uc->uc_mcontext.fpregs, 416);
    fpe_st->rax = (uint64_t)uc->uc_mcontext.gregs[REG_RAX];
    fpe_st->rcx = (uint64_t)uc->uc_mcontext.gregs[REG_RCX];
    fpe_st->rflags = (uint64_t)uc->uc_mcontext.gregs[REG_EFL];
    siglongjmp(fpe_jb, 1);
}

/* Returns 1 when the instruction raised #XM on the host. */
static int native_run(uint8_t *page, const uint8_t *insn, unsigned len,
                      struct nstate *st)
{
    static uint8_t host[512] __attribute__((aligned(16)));
    unsigned n = 0;
    memcpy(page + n, stub_pre, sizeof(stub_pre));
    n += sizeof(stub_pre);
    memcpy(page + n, insn, len);
    n += len;
    memcpy(page + n, stub_post, sizeof(stub_post));
    void (*fn)(struct nstate *, uint8_t *);
    void *p = page;
    memcpy(&fn, &p, sizeof(fn));
    __builtin___clear_cache((char *)page, (char *)page + 256);
    fpe_st = st;
    if (sigsetjmp(fpe_jb, 0)) { /* SA_NODEFER: no mask to restore */
        __asm__ volatile("fxrstor %0" : : "m"(host));
        return 1;
    }
    fn(st, host);
    return 0;
}

static void emu_run(struct xenv *e, const uint8_t *insn, unsigned len,
                    struct nstate *st, int *rc)
{
    struct vmp_x86_fpu *f = &e->cpu.fpu;
    memcpy(&f->fcw, st->fx + 0, 2);
    memcpy(&f->fsw, st->fx + 2, 2);
    f->ftw = st->fx[4];
    memcpy(&f->mxcsr, st->fx + 24, 4);
    for (unsigned i = 0; i < 8; i++) { /* TOP = 0: ST(i) is R(i) */
        memcpy(&f->st[i].mant, st->fx + 32 + 16 * i, 8);
        memcpy(&f->st[i].sexp, st->fx + 40 + 16 * i, 2);
    }
    memcpy(f->xmm, st->fx + 160, 256);
    e->cpu.gpr[VMP_RAX] = st->rax;
    e->cpu.gpr[VMP_RCX] = st->rcx;
    e->cpu.gpr[VMP_RSI] = DATA;
    e->cpu.gpr[VMP_RDI] = DATA;
    e->cpu.rflags = st->rflags;
    memcpy(e->ram + DATA, st->mem, sizeof(st->mem));
    *rc = run1(e, insn, len);
    memcpy(st->fx + 0, &f->fcw, 2);
    memcpy(st->fx + 2, &f->fsw, 2);
    st->fx[4] = f->ftw;
    memcpy(st->fx + 24, &f->mxcsr, 4);
    for (unsigned i = 0; i < 8; i++) {
        memcpy(st->fx + 32 + 16 * i, &f->st[i].mant, 8);
        memcpy(st->fx + 40 + 16 * i, &f->st[i].sexp, 2);
    }
    memcpy(st->fx + 160, f->xmm, 256);
    st->rax = e->cpu.gpr[VMP_RAX];
    st->rcx = e->cpu.gpr[VMP_RCX];
    st->rflags = e->cpu.rflags;
    memcpy(st->mem, e->ram + DATA, sizeof(st->mem));
}

/* Operand values that exercise the corners: signed zeros, denormals, the
 * smallest normal, infinities, QNaN/SNaN with payloads, integer limits
 * and values near 2^31/2^63 for conversions. */
static uint32_t rnd_f32(void)
{
    static const uint32_t v[] = {
        0, 0x80000000, 0x3f800000, 0xbfc00000, 0x00000001, 0x807fffff, 0x00400000,
        0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000,
        0x7fc00000, 0xffc00000, 0x7fc12345, 0x7f800001, 0xff812345, 0x7fbfffff,
        0x4f000000, 0xcf000000, 0x4effffff, 0xcf000001, 0x5f000000, 0xdf000000,
        0x3f000000, 0x3fc00000, 0x40200000, 0xbf000000, 0x0c000000, 0x72000000,
        0x1f800000, 0x00ffffff, 0x3effffff, 0x4b000001, 0x7f000000, 0x00800001,
    };
    uint64_t r = rnd();
    switch (r & 3) {
    case 0: return (uint32_t)(r >> 8);
    case 1: return ((uint32_t)(r >> 8) & 0x807fffff) | ((uint32_t)((r >> 40) % 12 + (r & 4 ? 0 : 240)) << 23);
    default: return v[(r >> 2) % (sizeof(v) / sizeof(v[0]))];
    }
}

static uint64_t rnd_f64(void)
{
    static const uint64_t v[] = {
        0, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff8000000000000ull, 1,
        0x800fffffffffffffull, 0x0008000000000000ull, 0x0010000000000000ull,
        0x7fefffffffffffffull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
        0x7ff8000000000000ull, 0xfff8000000000000ull, 0x7ff8000012345678ull,
        0x7ff0000000000001ull, 0xfff4000000000001ull, 0x41e0000000000000ull,
        0xc1e0000000000000ull, 0x41dfffffffffffffull, 0xc1e0000000200000ull,
        0x43e0000000000000ull, 0xc3e0000000000000ull, 0x43dfffffffffffffull,
        0x3fe0000000000000ull, 0x3ff8000000000000ull, 0x4004000000000000ull,
        0x47efffffe0000000ull, 0x47efffffffffffffull, 0x36a0000000000000ull,
        0x3690000000000000ull, 0x3810000000000000ull, 0x380fffffffffffffull,
        0x4330000000000001ull, 0x7fe0000000000000ull, 0x0010000000000001ull,
    };
    uint64_t r = rnd();
    switch (r & 3) {
    case 0: return rnd();
    case 1: return (rnd() & 0x800fffffffffffffull) | (((r >> 40) % 24 + (r & 4 ? 0 : 2030)) << 52);
    default: return v[(r >> 2) % (sizeof(v) / sizeof(v[0]))];
    }
}

static uint64_t rnd_q(void)
{
    static const uint64_t v[] = { 0, ~0ull, 0x8000000000000000ull, 0x7fffffffffffffffull,
                                  0x7fffffff80000000ull, 0x0000800000008000ull,
                                  0x00ff00ff7f807f80ull, 0x8080808080808080ull };
    uint64_t r = rnd();
    switch (r % 6) {
    case 0: return v[(r >> 8) % 8];
    case 1: return rnd_f64();
    case 2: return rnd_f32() | (uint64_t)rnd_f32() << 32;
    default: return rnd();
    }
}

static void rnd_state(struct nstate *st)
{
    memset(st, 0, sizeof(*st));
    uint16_t fcw = 0x037f;
    memcpy(st->fx, &fcw, 2);
    st->fx[4] = (uint8_t)rnd(); /* abridged tags */
    uint32_t mx = 0x1f80 | (uint32_t)(rnd() & 0x3f) | (uint32_t)(rnd() & 0x6000);
    if (rnd() & 1)
        mx |= 0x8000; /* FTZ */
    if (rnd() & 1)
        mx |= 0x40;   /* DAZ */
    memcpy(st->fx + 24, &mx, 4);
    uint32_t mxmask = 0xffff;
    memcpy(st->fx + 28, &mxmask, 4);
    for (unsigned i = 0; i < 8; i++) {
        uint64_t m = rnd_q();
        uint16_t se = (uint16_t)rnd();
        memcpy(st->fx + 32 + 16 * i, &m, 8);
        memcpy(st->fx + 40 + 16 * i, &se, 2);
    }
    for (unsigned i = 0; i < 32; i++) {
        uint64_t q = rnd_q();
        memcpy(st->fx + 160 + 8 * i, &q, 8);
    }
    st->rax = rnd_q();
    st->rcx = rnd_q();
    st->rflags = 0x202 | (rnd() & 0x8d5);
    for (unsigned i = 0; i < 8; i++) {
        uint64_t q = rnd_q();
        memcpy(st->mem + 8 * i, &q, 8);
    }
}

/* Instruction shapes for the generator. */
#define N_GREG 0x01   /* ModRM.reg names a general register (RAX/RCX only) */
#define N_GRM 0x02    /* ModRM.rm register form names a general register */
#define N_REG 0x04    /* register form only */
#define N_MEM 0x08    /* memory form only */
#define N_IMM 0x10    /* imm8 follows */
#define N_X 0x20      /* the non-GPR operands are XMM: REX.R/B may extend */
#define N_NOMODRM 0x40
#define N_GRP 0x80    /* 0F 71-73: ModRM.reg is a sub-opcode */
#define N_FP 0x100    /* floating point (compared once FP is implemented) */

struct nins {
    uint8_t pfx, op;
    uint16_t f;
};

static const struct nins nlist[] = {
    /* moves */
    { 0, 0x10, N_X }, { 0x66, 0x10, N_X }, { 0xf3, 0x10, N_X }, { 0xf2, 0x10, N_X },
    { 0, 0x11, N_X }, { 0x66, 0x11, N_X }, { 0xf3, 0x11, N_X }, { 0xf2, 0x11, N_X },
    { 0, 0x12, N_X }, { 0x66, 0x12, N_X | N_MEM }, { 0, 0x13, N_X | N_MEM },
    { 0x66, 0x13, N_X | N_MEM }, { 0, 0x16, N_X }, { 0x66, 0x16, N_X | N_MEM },
    { 0, 0x17, N_X | N_MEM }, { 0x66, 0x17, N_X | N_MEM },
    { 0, 0x28, N_X }, { 0x66, 0x28, N_X }, { 0, 0x29, N_X }, { 0x66, 0x29, N_X },
    { 0, 0x2b, N_X | N_MEM }, { 0x66, 0x2b, N_X | N_MEM },
    { 0, 0x50, N_X | N_GREG | N_REG }, { 0x66, 0x50, N_X | N_GREG | N_REG },
    { 0, 0x6e, N_GRM }, { 0x66, 0x6e, N_X | N_GRM }, { 0, 0x7e, N_GRM },
    { 0x66, 0x7e, N_X | N_GRM }, { 0xf3, 0x7e, N_X },
    { 0, 0x6f, 0 }, { 0x66, 0x6f, N_X }, { 0xf3, 0x6f, N_X },
    { 0, 0x7f, 0 }, { 0x66, 0x7f, N_X }, { 0xf3, 0x7f, N_X },
    { 0, 0xc3, N_GREG | N_MEM }, { 0x66, 0xd6, N_X }, { 0xf3, 0xd6, N_REG },
    { 0xf2, 0xd6, N_REG }, { 0, 0xe7, N_MEM }, { 0x66, 0xe7, N_X | N_MEM },
    { 0, 0xf7, N_REG }, { 0x66, 0xf7, N_X | N_REG }, { 0, 0x77, N_NOMODRM },
    /* logic, unpack, shuffle */
    { 0, 0x54, N_X }, { 0x66, 0x54, N_X }, { 0, 0x55, N_X }, { 0x66, 0x55, N_X },
    { 0, 0x56, N_X }, { 0x66, 0x56, N_X }, { 0, 0x57, N_X }, { 0x66, 0x57, N_X },
    { 0, 0x14, N_X }, { 0x66, 0x14, N_X }, { 0, 0x15, N_X }, { 0x66, 0x15, N_X },
    { 0, 0xc6, N_X | N_IMM }, { 0x66, 0xc6, N_X | N_IMM },
    { 0, 0x70, N_IMM }, { 0x66, 0x70, N_X | N_IMM }, { 0xf3, 0x70, N_X | N_IMM },
    { 0xf2, 0x70, N_X | N_IMM },
    { 0, 0x71, N_GRP | N_REG | N_IMM }, { 0x66, 0x71, N_X | N_GRP | N_REG | N_IMM },
    { 0, 0x72, N_GRP | N_REG | N_IMM }, { 0x66, 0x72, N_X | N_GRP | N_REG | N_IMM },
    { 0, 0x73, N_GRP | N_REG | N_IMM }, { 0x66, 0x73, N_X | N_GRP | N_REG | N_IMM },
    { 0, 0xc4, N_GRM | N_IMM }, { 0x66, 0xc4, N_X | N_GRM | N_IMM },
    { 0, 0xc5, N_GREG | N_REG | N_IMM }, { 0x66, 0xc5, N_X | N_GREG | N_REG | N_IMM },
    { 0, 0xd7, N_GREG | N_REG }, { 0x66, 0xd7, N_X | N_GREG | N_REG },
    { 0x66, 0x6c, N_X }, { 0x66, 0x6d, N_X },
};

/* The integer opcodes with MMX (no prefix) and XMM (66) forms. */
static const uint8_t int_ops[] = {
    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b,
    0x74, 0x75, 0x76, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd8, 0xd9, 0xda, 0xdb,
    0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe8, 0xe9,
    0xea, 0xeb, 0xec, 0xed, 0xee, 0xef, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6,
    0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe,
};

/* Build the bytes of one random instance of `ni`. */
static unsigned gen(const struct nins *ni, uint8_t *b)
{
    unsigned n = 0;
    if (ni->pfx)
        b[n++] = ni->pfx;
    bool mem = (ni->f & N_MEM) || (!(ni->f & N_REG) && (rnd() & 3) == 0);
    unsigned reg = (unsigned)rnd() & 7, rm = (unsigned)rnd() & 7;
    if (ni->f & N_GREG)
        reg &= 1;
    if ((ni->f & N_GRM) && !mem)
        rm &= 1;
    if (ni->f & N_GRP) {
        static const uint8_t ext[4] = { 2, 4, 6, 6 };
        reg = ext[rnd() & 3];
        if (ni->op == 0x73 && reg == 4)
            reg = ni->pfx == 0x66 ? 3 : 2;
        if (ni->op == 0x73 && ni->pfx == 0x66 && (rnd() & 1))
            reg = 7;
    }
    uint8_t rex = 0x40;
    if (rnd() & 1)
        rex |= 8;
    if ((ni->f & N_X) && !(ni->f & (N_GREG | N_GRP)) && (rnd() & 1))
        rex |= 4;
    if ((ni->f & N_X) && !mem && !(ni->f & N_GRM) && (rnd() & 1))
        rex |= 1;
    if (rex != 0x40 || (rnd() & 1))
        b[n++] = rex;
    b[n++] = 0x0f;
    b[n++] = ni->op;
    if (ni->f & N_NOMODRM)
        return n;
    b[n++] = mem ? (uint8_t)((reg << 3) | 6) : (uint8_t)(0xc0 | (reg << 3) | rm);
    if (ni->f & N_IMM) {
        uint8_t imm = (uint8_t)rnd();
        if (ni->f & N_GRP)
            imm = (uint8_t)(rnd() & 1 ? imm & 0x1f : imm & 0x7f);
        b[n++] = imm;
    }
    return n;
}

static void compare(const struct nstate *a, const struct nstate *b, const uint8_t *insn,
                    unsigned len, unsigned iter, uint32_t mx_ignore)
{
    char hex[64] = "";
    for (unsigned i = 0; i < len; i++)
        snprintf(hex + 3 * i, 4, "%02x ", insn[i]);
    for (unsigned i = 0; i < 16; i++)
        CHECK(!memcmp(a->fx + 160 + 16 * i, b->fx + 160 + 16 * i, 16),
                      "iter %u [%s] xmm%u native %016llx:%016llx emu %016llx:%016llx", iter, hex, i,
                      *(const unsigned long long *)(a->fx + 168 + 16 * i),
                      *(const unsigned long long *)(a->fx + 160 + 16 * i),
                      *(const unsigned long long *)(b->fx + 168 + 16 * i),
                      *(const unsigned long long *)(b->fx + 160 + 16 * i));
    uint32_t ma, mb;
    memcpy(&ma, a->fx + 24, 4);
    memcpy(&mb, b->fx + 24, 4);
    ma &= ~mx_ignore;
    mb &= ~mx_ignore;
    CHECK(ma == mb, "iter %u [%s]: MXCSR native %x emu %x", iter, hex, ma, mb);
    for (unsigned i = 0; i < 8; i++)
        CHECK(!memcmp(a->fx + 32 + 16 * i, b->fx + 32 + 16 * i, 10),
                      "iter %u [%s]: R%u differs", iter, hex, i);
    CHECK(a->fx[4] == b->fx[4], "iter %u [%s]: FTW native %x emu %x", iter, hex,
                  a->fx[4], b->fx[4]);
    CHECK(!memcmp(a->fx + 2, b->fx + 2, 2), "iter %u [%s]: FSW", iter, hex);
    CHECK(a->rax == b->rax && a->rcx == b->rcx,
                  "iter %u [%s]: GPR native %llx %llx emu %llx %llx", iter, hex,
                  (unsigned long long)a->rax, (unsigned long long)a->rcx,
                  (unsigned long long)b->rax, (unsigned long long)b->rcx);
    CHECK((a->rflags & 0x8d5) == (b->rflags & 0x8d5),
                  "iter %u [%s]: RFLAGS native %llx emu %llx", iter, hex,
                  (unsigned long long)a->rflags, (unsigned long long)b->rflags);
    CHECK(!memcmp(a->mem, b->mem, sizeof(a->mem)), "iter %u [%s]: memory", iter, hex);
}

static void native_fuzz(const struct nins *list, unsigned count, unsigned iters,
                        uint64_t seed, bool unmask)
{
    uint8_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert(page != MAP_FAILED);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = fpe_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGFPE, &sa, &old), 0);
    struct xenv *e = sse_env();
    rng_state = seed;
    unsigned faults = 0;
    for (unsigned it = 0; it < iters; it++) {
        const struct nins *ni = &list[rnd() % count];
        uint8_t insn[16];
        unsigned len = gen(ni, insn);
        struct nstate a, b;
        rnd_state(&a);
        if (unmask) { /* clear one or two exception masks */
            uint32_t mx;
            memcpy(&mx, a.fx + 24, 4);
            mx &= ~(0x80u << (rnd() % 6)) & ~0x3fu; /* flags start clear */
            if (rnd() & 1)
                mx &= ~(0x80u << (rnd() % 6));
            memcpy(a.fx + 24, &mx, 4);
        }
        b = a;
        int xm = native_run(page, insn, len, &a);
        faults += (unsigned)xm;
        int rc;
        emu_run(e, insn, len, &b, &rc);
        if (xm)
            CHECK(rc == VMP_X86_EXCEPTION && e->cpu.event.vector == VMP_X86_XM,
                          "iter %u: host #XM, emulator rc %d (op %02x %02x)", it, rc,
                          ni->pfx, ni->op);
        else
            CHECK(rc == VMP_X86_OK, "iter %u: emulator rc %d vector %u (op %02x %02x)",
                          it, rc, e->cpu.event.vector, ni->pfx, ni->op);
        compare(&a, &b, insn, len, it, 0);
    }
    if (unmask) /* the generator must actually reach the fault paths */
        ck_assert_uint_gt(faults, iters / 20);
    sigaction(SIGFPE, &old, NULL);
    xenv_free(e);
    munmap(page, 4096);
}

/* Floating point: every rounding mode, FTZ and DAZ on and off (random
 * MXCSR, all exceptions masked so the host does not trap); results,
 * MXCSR flags, integer indefinite values and COMIS flags must match. */
static const struct nins flist[] = {
    { 0, 0x51, N_X }, { 0x66, 0x51, N_X }, { 0xf3, 0x51, N_X }, { 0xf2, 0x51, N_X },
    { 0, 0x58, N_X }, { 0x66, 0x58, N_X }, { 0xf3, 0x58, N_X }, { 0xf2, 0x58, N_X },
    { 0, 0x59, N_X }, { 0x66, 0x59, N_X }, { 0xf3, 0x59, N_X }, { 0xf2, 0x59, N_X },
    { 0, 0x5c, N_X }, { 0x66, 0x5c, N_X }, { 0xf3, 0x5c, N_X }, { 0xf2, 0x5c, N_X },
    { 0, 0x5d, N_X }, { 0x66, 0x5d, N_X }, { 0xf3, 0x5d, N_X }, { 0xf2, 0x5d, N_X },
    { 0, 0x5e, N_X }, { 0x66, 0x5e, N_X }, { 0xf3, 0x5e, N_X }, { 0xf2, 0x5e, N_X },
    { 0, 0x5f, N_X }, { 0x66, 0x5f, N_X }, { 0xf3, 0x5f, N_X }, { 0xf2, 0x5f, N_X },
    { 0, 0xc2, N_X | N_IMM }, { 0x66, 0xc2, N_X | N_IMM },
    { 0xf3, 0xc2, N_X | N_IMM }, { 0xf2, 0xc2, N_X | N_IMM },
    { 0, 0x5a, N_X }, { 0x66, 0x5a, N_X }, { 0xf3, 0x5a, N_X }, { 0xf2, 0x5a, N_X },
    { 0, 0x5b, N_X }, { 0x66, 0x5b, N_X }, { 0xf3, 0x5b, N_X },
    { 0x66, 0xe6, N_X }, { 0xf3, 0xe6, N_X }, { 0xf2, 0xe6, N_X },
    { 0, 0x2a, N_X }, { 0x66, 0x2a, N_X }, { 0xf3, 0x2a, N_X | N_GRM },
    { 0xf2, 0x2a, N_X | N_GRM },
    { 0, 0x2c, N_X }, { 0x66, 0x2c, N_X }, { 0xf3, 0x2c, N_X | N_GREG },
    { 0xf2, 0x2c, N_X | N_GREG },
    { 0, 0x2d, N_X }, { 0x66, 0x2d, N_X }, { 0xf3, 0x2d, N_X | N_GREG },
    { 0xf2, 0x2d, N_X | N_GREG },
    { 0, 0x2e, N_X }, { 0x66, 0x2e, N_X }, { 0, 0x2f, N_X }, { 0x66, 0x2f, N_X },
};

START_TEST(test_sse_native_fp)
{
    native_fuzz(flist, sizeof(flist) / sizeof(flist[0]), 800000, 0xa4093822299f31d0ull, false);
}
END_TEST

/* The same with one or two exceptions unmasked: the host's #XM (SIGFPE,
 * state from the signal frame) against the emulator's, comparing MXCSR
 * flags and that nothing else changed (SDM Vol. 1 §11.5.1). */
START_TEST(test_sse_native_fp_unmasked)
{
    native_fuzz(flist, sizeof(flist) / sizeof(flist[0]), 400000, 0x082efa98ec4e6c89ull, true);
}
END_TEST

START_TEST(test_sse_native_moves)
{
    native_fuzz(nlist, sizeof(nlist) / sizeof(nlist[0]), 200000, 0x243f6a8885a308d3ull, false);
}
END_TEST

START_TEST(test_sse_native_int)
{
    struct nins list[2 * sizeof(int_ops)];
    unsigned n = 0;
    for (unsigned i = 0; i < sizeof(int_ops); i++) {
        list[n++] = (struct nins){ 0, int_ops[i], 0 };
        list[n++] = (struct nins){ 0x66, int_ops[i], N_X };
    }
    native_fuzz(list, n, 300000, 0x13198a2e03707344ull, false);
}
END_TEST
#endif

Suite *sse_suite(void)
{
    Suite *s = suite_create("sse");
    TCase *tc = tcase_create("sse");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_sse_availability);
    tcase_add_test(tc, test_sse_mmx_pending_mf);
    tcase_add_test(tc, test_sse_mmx_state);
    tcase_add_test(tc, test_sse_alignment);
    tcase_add_test(tc, test_sse_undefined);
    tcase_add_test(tc, test_sse_maskmov);
    tcase_add_test(tc, test_sse_int_known);
    tcase_add_test(tc, test_sse_modes);
#if defined(__x86_64__)
    tcase_add_test(tc, test_sse_fp_unmasked);
    tcase_add_test(tc, test_sse_fp_comis_cvt);
    tcase_add_test(tc, test_sse_fp_rcp_rsqrt);
    tcase_add_test(tc, test_sse_fp_operands);
    tcase_add_test(tc, test_sse_native_moves);
    tcase_add_test(tc, test_sse_native_int);
    tcase_add_test(tc, test_sse_native_fp);
    tcase_add_test(tc, test_sse_native_fp_unmasked);
#endif
    suite_add_tcase(s, tc);
    return s;
}

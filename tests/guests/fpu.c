/* x87, SSE and SSE2 at CPL 0 after an OS-style enable (CR0.MP/NE, CR4.OSFXSR
 * and OSXMMEXCPT; SDM Vol. 3 §13.1): the probe Linux's setup code makes,
 * arithmetic whose IEEE results are exact constants, FXSAVE/FXRSTOR, MXCSR
 * rounding control and an unmasked SSE exception (#XM). Under --accel emu
 * the library's emulator runs every instruction; under KVM on a PVM host
 * CPL-0 code goes through the host's instruction emulator, and what that
 * cannot do comes back to vmp's fallback (vmm/kvm_emul.c), which must carry
 * the vCPU's FPU registers in and out. */
#include "lib/guest.h"

/* the guest is built with -mno-sse: the compiler never holds values in
 * XMM registers, so the asm below names none as clobbered */
static _Alignas(16) uint8_t fx[512];
static _Alignas(16) uint32_t va[4] = {0x3f800000, 0x40000000, 0x40400000, 0x40800000}; /* 1 2 3 4 */
static _Alignas(16) uint32_t vb[4] = {0x3f000000, 0x3f000000, 0x3f000000, 0x3f000000}; /* .5 */
static _Alignas(16) uint32_t vout[4];
static volatile unsigned xm_hits;
static volatile uint32_t xm_mxcsr;

static void xm_handler(struct irq_frame *f)
{
    uint32_t m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    xm_mxcsr = m;
    xm_hits++;
    m |= 0x200; /* mask ZE so the DIVSS retries without faulting */
    __asm__ volatile("ldmxcsr %0" ::"m"(m));
    (void)f;
}

static uint32_t cr0_get(void) { uint32_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static uint32_t cr4_get(void) { uint32_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }

void test_main(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    check((r[3] & 0x07800001u) == 0x07800001u, "fpu-cpuid",
          "CPUID.1:EDX 0x%x has FPU, MMX, FXSR, SSE, SSE2", r[3]);
    /* enable: CR0.EM clear, MP and NE set; CR4.OSFXSR, OSXMMEXCPT */
    __asm__ volatile("mov %0, %%cr0" ::"r"((cr0_get() & ~4u) | 0x22u));
    __asm__ volatile("mov %0, %%cr4" ::"r"(cr4_get() | 0x600u));

    /* Linux's FPU probe (arch/x86/boot/cpucheck.c style): FNINIT, then the
     * status word is 0 and the control word 037Fh (SDM Vol. 1 §8.1.5) */
    uint16_t sw = 0xffff, cw = 0;
    __asm__ volatile("fninit; fnstsw %0; fnstcw %1" : "=m"(sw), "=m"(cw));
    check(sw == 0 && cw == 0x037f, "fpu-fninit", "FSW 0x%x FCW 0x%x", sw, cw);

    /* x87: 1.5 + 2.25 = 3.75 (0x400E000000000000), sqrt(2) rounded to
     * double (0x3FF6A09E667F3BCD) */
    uint64_t a = 0x3ff8000000000000ull, b = 0x4002000000000000ull, s = 0, q = 0;
    __asm__ volatile("fldl %1; faddl %2; fstpl %0" : "=m"(s) : "m"(a), "m"(b));
    check(s == 0x400e000000000000ull, "fpu-x87-add", "1.5 + 2.25 = 0x%x%08x",
          (unsigned)(s >> 32), (unsigned)s);
    uint64_t two = 0x4000000000000000ull;
    __asm__ volatile("fldl %1; fsqrt; fstpl %0" : "=m"(q) : "m"(two));
    check(q == 0x3ff6a09e667f3bcdull, "fpu-x87-sqrt", "sqrt(2) = 0x%x%08x",
          (unsigned)(q >> 32), (unsigned)q);

    /* SSE: {1,2,3,4} + .5 = {1.5, 2.5, 3.5, 4.5} */
    __asm__ volatile("movups %1, %%xmm0; addps %2, %%xmm0; movaps %%xmm0, %0"
                     : "=m"(vout) : "m"(va), "m"(vb));
    check(vout[0] == 0x3fc00000 && vout[1] == 0x40200000 && vout[2] == 0x40600000 &&
              vout[3] == 0x40900000,
          "fpu-sse-addps", "%x %x %x %x", vout[0], vout[1], vout[2], vout[3]);

    /* SSE2: 1/3 in double (0x3FD5555555555555), PXOR/PADDD/PMOVMSKB */
    uint64_t one = 0x3ff0000000000000ull, three = 0x4008000000000000ull, third = 0;
    __asm__ volatile("movsd %1, %%xmm1; divsd %2, %%xmm1; movsd %%xmm1, %0"
                     : "=m"(third) : "m"(one), "m"(three));
    check(third == 0x3fd5555555555555ull, "fpu-sse2-divsd", "1/3 = 0x%x%08x",
          (unsigned)(third >> 32), (unsigned)third);
    uint32_t mask = 0;
    __asm__ volatile("pxor %%xmm2, %%xmm2; movdqa %1, %%xmm3; paddd %%xmm3, %%xmm2;"
                     "pcmpgtd %%xmm2, %%xmm2; psubd %%xmm3, %%xmm2; pmovmskb %%xmm2, %0"
                     : "=r"(mask) : "m"(va));
    /* xmm2 = 0 - va = C0800000 C0000000 BFC00000 BF800000: the top bit of
     * each byte, low byte first, gives 0xCC8C */
    check(mask == 0xcc8c, "fpu-sse2-int", "PMOVMSKB 0x%x", mask);

    /* FXSAVE, clobber XMM0 and FCW, FXRSTOR: both come back */
    __asm__ volatile("fxsave %0" : "=m"(fx));
    uint16_t cw2 = 0x027f;
    __asm__ volatile("pxor %%xmm0, %%xmm0; fldcw %0" ::"m"(cw2));
    __asm__ volatile("fxrstor %0" ::"m"(fx));
    __asm__ volatile("movaps %%xmm0, %0; fnstcw %1" : "=m"(vout), "=m"(cw));
    check(vout[0] == 0x3fc00000 && vout[3] == 0x40900000 && cw == 0x037f, "fpu-fxsave",
          "XMM0 %x..%x FCW 0x%x after FXRSTOR", vout[0], vout[3], cw);

    /* MXCSR rounding control toward zero: CVTSD2SI of -2.75 is -2 (SDM
     * Vol. 1 §4.8.4); round to nearest gives -3 */
    uint64_t m275 = 0xc006000000000000ull;
    uint32_t mx = 0x1f80 | 0x6000, near = 0x1f80;
    int32_t tz = 0, rn = 0;
    __asm__ volatile("ldmxcsr %2; cvtsd2si %3, %0; ldmxcsr %4; cvtsd2si %3, %1"
                     : "=&r"(tz), "=&r"(rn) : "m"(mx), "m"(m275), "m"(near));
    check(tz == -2 && rn == -3, "fpu-mxcsr-rc", "toward zero %d, nearest %d", tz, rn);

    /* An unmasked divide-by-zero: #XM (vector 19) with ZE set in MXCSR
     * (SDM Vol. 1 §11.5.1); the handler masks ZE and the DIVSS reruns */
    set_handler(19, xm_handler);
    uint32_t zm = 0x1f80 & ~0x200u, fz = 0, one_f = 0x3f800000, res = 0;
    __asm__ volatile("ldmxcsr %1; movss %2, %%xmm4; divss %3, %%xmm4; movss %%xmm4, %0"
                     : "=m"(res) : "m"(zm), "m"(one_f), "m"(fz));
    check(xm_hits == 1 && (xm_mxcsr & 0x4) && res == 0x7f800000, "fpu-sse-xm",
          "%u #XM, MXCSR 0x%x in the handler, 1/0 = 0x%x", xm_hits, xm_mxcsr, res);
}

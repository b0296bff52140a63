/* Numeric x87 instructions run on the host FPU. On an x86-64 host the
 * guest's whole x87 state (control word with its precision, rounding and
 * exception masks, status word, tags, the eight registers) is loaded with
 * FRSTOR, the same instruction runs from a fixed table of stubs (never
 * guest bytes; memory forms address a 16-byte host buffer through RDI),
 * and FNSAVE reads the state back. Results, flags, C0-C3, stack faults,
 * tags and the unmasked-exception rules (SDM Vol. 1 §8.5) are therefore
 * those of the real CPU, bit for bit. The host's own x87 state is saved
 * before and restored after; exception flags are cleared in the loaded
 * image and no waiting instruction runs between the stub and FNSAVE, so
 * an unmasked guest exception never traps on the host.
 *
 * Elsewhere x87_host_run reports VMP_X86_UNHANDLED (see docs/emulator.md). */
#include "x86_x87.h"

#if X87_HOST

#include <cpuid.h>

enum { IMG_FCW = 0, IMG_FSW = 4, IMG_FTW = 8, IMG_ST = 28, IMG_LEN = 108 };

/* The stub table: 512 register forms (escape * 64 + ModRM - 0xC0), then 64
 * memory forms (escape * 8 + ModRM.reg, operand [RDI]); each 8-byte entry
 * is ENDBR64 (a NOP without CET; a valid target should indirect-branch
 * tracking ever be enforced), the two-byte instruction and "jmp *%rcx"
 * back to the ENDBR64 after the table. */
__attribute__((noinline)) static void host_exec(uint8_t img[IMG_LEN], uint8_t buf[16],
                                                uint64_t idx, uint64_t *rflags)
{
    /* The host's x87 stack is empty here (the ABI wants it empty at every
     * call), so its environment is all there is to keep: FCW, and FSW when
     * it holds anything (else the FNINIT that FNSAVE does leaves FSW as it
     * was, and FLDCW is enough; FNSTENV/FLDENV cost ~350 cycles). */
    uint8_t host[28];
    uint16_t hcw, hsw;
    __asm__ volatile("fnstcw %0\n\tfnstsw %1" : "=m"(hcw), "=m"(hsw));
    uint64_t slow = hsw != 0, fl = *rflags;
    __asm__ volatile(
        "test %[slow], %[slow]\n\t"
        "jz 4f\n\t"
        "fnstenv %[host]\n"
        "4:\n\t"
        "frstor %[img]\n\t"
        "lea -128(%%rsp), %%rsp\n\t" /* stay clear of the red zone */
        "push %[fl]\n\t"
        "popfq\n\t"
        "lea 128(%%rsp), %%rsp\n\t"
        "lea 3f(%%rip), %%rax\n\t"
        "lea (%%rax,%[idx],8), %%rax\n\t"
        "lea 2f(%%rip), %%rcx\n\t"
        "jmp *%%rax\n"
        "3:\n\t"
        ".set .Lvmp_x87_i, 0\n\t"
        ".rept 512\n\t"
        ".byte 0xf3, 0x0f, 0x1e, 0xfa, 0xd8 + (.Lvmp_x87_i >> 6), 0xc0 + (.Lvmp_x87_i & 63), 0xff, 0xe1\n\t"
        ".set .Lvmp_x87_i, .Lvmp_x87_i + 1\n\t"
        ".endr\n\t"
        ".set .Lvmp_x87_i, 0\n\t"
        ".rept 64\n\t"
        ".byte 0xf3, 0x0f, 0x1e, 0xfa, 0xd8 + (.Lvmp_x87_i >> 3), ((.Lvmp_x87_i & 7) << 3) | 7, 0xff, 0xe1\n\t"
        ".set .Lvmp_x87_i, .Lvmp_x87_i + 1\n\t"
        ".endr\n"
        "2:\n\t"
        ".byte 0xf3, 0x0f, 0x1e, 0xfa\n\t" /* ENDBR64 */
        "lea -128(%%rsp), %%rsp\n\t"
        "pushfq\n\t"
        "pop %[fl]\n\t"
        "lea 128(%%rsp), %%rsp\n\t"
        "fnsave %[img]\n\t" /* also FNINIT: nothing is pending any more */
        "test %[slow], %[slow]\n\t"
        "jz 5f\n\t"
        "fldenv %[host]\n\t"
        "jmp 6f\n"
        "5:\n\t"
        "fldcw %[hcw]\n"
        "6:\n\t"
        : [img] "+m"(*(uint8_t(*)[IMG_LEN])img), [host] "+m"(host), [fl] "+r"(fl),
          "+m"(*(uint8_t(*)[16])buf)
        : [idx] "r"(idx), "D"(buf), [slow] "r"(slow), [hcw] "m"(hcw)
        : "rax", "rcx", "cc", "memory");
    *rflags = fl;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

int x87_host_run(struct vmp_x86_fpu *f, unsigned op, unsigned modrm, uint8_t buf[16],
                 uint64_t *rflags)
{
    uint8_t img[IMG_LEN];
    memset(img, 0, sizeof(img));
    put16(img + IMG_FCW, f->fcw);
    /* no exception flags in: nothing pending on the host */
    put16(img + IMG_FSW, f->fsw & (uint16_t)~(X87_FLAGS | X87_ES | X87_B));
    put16(img + IMG_FTW, x87_full_tw(f));
    unsigned top = x87_top(f);
    for (unsigned i = 0; i < 8; i++) {
        const struct vmp_x87_reg *r = &f->st[(top + i) & 7];
        memcpy(img + IMG_ST + 10 * i, &r->mant, 8);
        put16(img + IMG_ST + 10 * i + 8, r->sexp);
    }
    uint64_t idx = (modrm >> 6) == 3 ? op * 64 + (modrm & 63) : 512 + op * 8 + ((modrm >> 3) & 7);
    /* only the arithmetic flags come from the guest; DF, TF, AC stay 0 */
    uint64_t fl = 0x202 | (*rflags & 0x8d5);
    host_exec(img, buf, idx, &fl);
    *rflags = (*rflags & ~(uint64_t)0x8d5) | (fl & 0x8d5);
    f->fsw = get16(img + IMG_FSW);
    uint16_t tw = get16(img + IMG_FTW);
    top = x87_top(f);
    f->ftw = 0;
    for (unsigned i = 0; i < 8; i++) {
        struct vmp_x87_reg *r = &f->st[(top + i) & 7];
        memcpy(&r->mant, img + IMG_ST + 10 * i, 8);
        r->sexp = get16(img + IMG_ST + 10 * i + 8);
    }
    for (unsigned p = 0; p < 8; p++) /* the tag word is by physical register */
        if (((tw >> (2 * p)) & 3) != 3)
            f->ftw |= (uint8_t)(1u << p);
    return 0;
}

bool x87_host_has_fisttp(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return false;
    return (c & 1) != 0; /* CPUID.1:ECX.SSE3 */
}

#else

int x87_host_run(struct vmp_x86_fpu *f, unsigned op, unsigned modrm, uint8_t buf[16],
                 uint64_t *rflags)
{
    (void)f, (void)op, (void)modrm, (void)buf, (void)rflags;
    return VMP_X86_UNHANDLED;
}

bool x87_host_has_fisttp(void) { return false; }

#endif

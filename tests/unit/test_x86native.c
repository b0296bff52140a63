/* Flags against the host CPU: on an x86-64 host the test runs the same
 * ALU, shift/rotate and multiply instructions natively and compares the
 * result and every flag the SDM defines for that case. This is the
 * in-process form of the planned KVM differential test. Elsewhere the
 * suite is empty. */
#include "helpers.h"
#include "x86_env.h"

#if defined(__x86_64__)

#define ARITH 0x8d5ull

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t interesting(unsigned size)
{
    static const uint64_t v[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
                                  0x7fffffff, 0x80000000, 0xffffffff,
                                  0x7fffffffffffffffull, 0x8000000000000000ull,
                                  ~0ull, 0x0f, 0x10, 0x99, 0x9a };
    uint64_t r = rnd();
    uint64_t x = (r & 3) ? r >> 8 : v[(r >> 2) % (sizeof(v) / sizeof(v[0]))];
    return size == 8 ? x : x & ((1ull << (size * 8)) - 1);
}

/* Run "op src, dst" natively with the given flags; returns dst. The stack
 * pointer is moved past the red zone around pushf/popf. */
#define NATIVE2(name, mnem)                                                         \
    static uint64_t name(unsigned size, uint64_t a, uint64_t b, uint64_t fi,        \
                         uint64_t *fo)                                              \
    {                                                                               \
        uint64_t f;                                                                 \
        switch (size) {                                                             \
        case 1:                                                                     \
            __asm__ volatile("sub $128, %%rsp\n\tpush %3\n\tpopfq\n\t" mnem "b %b2, %b0\n\t" \
                             "pushfq\n\tpop %1\n\tadd $128, %%rsp"                  \
                             : "+q"(a), "=&r"(f) : "q"(b), "r"(fi) : "cc", "memory"); \
            break;                                                                  \
        case 2:                                                                     \
            __asm__ volatile("sub $128, %%rsp\n\tpush %3\n\tpopfq\n\t" mnem "w %w2, %w0\n\t" \
                             "pushfq\n\tpop %1\n\tadd $128, %%rsp"                  \
                             : "+r"(a), "=&r"(f) : "r"(b), "r"(fi) : "cc", "memory"); \
            break;                                                                  \
        case 4:                                                                     \
            __asm__ volatile("sub $128, %%rsp\n\tpush %3\n\tpopfq\n\t" mnem "l %k2, %k0\n\t" \
                             "pushfq\n\tpop %1\n\tadd $128, %%rsp"                  \
                             : "+r"(a), "=&r"(f) : "r"(b), "r"(fi) : "cc", "memory"); \
            break;                                                                  \
        default:                                                                    \
            __asm__ volatile("sub $128, %%rsp\n\tpush %3\n\tpopfq\n\t" mnem "q %2, %0\n\t" \
                             "pushfq\n\tpop %1\n\tadd $128, %%rsp"                  \
                             : "+r"(a), "=&r"(f) : "r"(b), "r"(fi) : "cc", "memory"); \
            break;                                                                  \
        }                                                                           \
        *fo = f;                                                                    \
        return a;                                                                   \
    }

NATIVE2(n_add, "add")
NATIVE2(n_or, "or")
NATIVE2(n_adc, "adc")
NATIVE2(n_sbb, "sbb")
NATIVE2(n_and, "and")
NATIVE2(n_sub, "sub")
NATIVE2(n_xor, "xor")
NATIVE2(n_cmp, "cmp")

/* shifts take the count in CL */
#define NATIVE_SH(name, mnem)                                                       \
    static uint64_t name(unsigned size, uint64_t a, uint64_t cnt, uint64_t fi,      \
                         uint64_t *fo)                                              \
    {                                                                               \
        uint64_t f;                                                                 \
        switch (size) {                                                             \
        case 1:                                                                     \
            __asm__ volatile("sub $128, %%rsp\n\tpush %3\n\tpopfq\n\t" mnem "b %%cl, %b0\n\t" \
                             "pushfq\n\tpop %1\n\tadd $128, %%rsp"                  \
                             : "+q"(a), "=&r"(f) : "c"(cnt), "r"(fi) : "cc", "memory"); \
            break;                                                                  \
        case 2:                                                                     \
            __asm__ volatile("sub $128, %%rsp\n\tpush %3\n\tpopfq\n\t" mnem "w %%cl, %w0\n\t" \
                             "pushfq\n\tpop %1\n\tadd $128, %%rsp"                  \
                             : "+r"(a), "=&r"(f) : "c"(cnt), "r"(fi) : "cc", "memory"); \
            break;                                                                  \
        case 4:                                                                     \
            __asm__ volatile("sub $128, %%rsp\n\tpush %3\n\tpopfq\n\t" mnem "l %%cl, %k0\n\t" \
                             "pushfq\n\tpop %1\n\tadd $128, %%rsp"                  \
                             : "+r"(a), "=&r"(f) : "c"(cnt), "r"(fi) : "cc", "memory"); \
            break;                                                                  \
        default:                                                                    \
            __asm__ volatile("sub $128, %%rsp\n\tpush %3\n\tpopfq\n\t" mnem "q %%cl, %0\n\t" \
                             "pushfq\n\tpop %1\n\tadd $128, %%rsp"                  \
                             : "+r"(a), "=&r"(f) : "c"(cnt), "r"(fi) : "cc", "memory"); \
            break;                                                                  \
        }                                                                           \
        *fo = f;                                                                    \
        return a;                                                                   \
    }

NATIVE_SH(n_rol, "rol")
NATIVE_SH(n_ror, "ror")
NATIVE_SH(n_rcl, "rcl")
NATIVE_SH(n_rcr, "rcr")
NATIVE_SH(n_shl, "shl")
NATIVE_SH(n_shr, "shr")
NATIVE_SH(n_sar, "sar")

typedef uint64_t (*native_fn)(unsigned, uint64_t, uint64_t, uint64_t, uint64_t *);

/* Emulate "op rax, rbx" (or "op rax, cl") in 64-bit mode. */
static uint64_t emu_op(struct xenv *e, const uint8_t *code, unsigned len,
                       uint64_t a, uint64_t b, uint64_t fi, uint64_t *fo)
{
    e->cpu.rip = 0x1000;
    e->cpu.gpr[VMP_RAX] = a;
    e->cpu.gpr[VMP_RBX] = b;
    e->cpu.gpr[VMP_RCX] = b;
    e->cpu.rflags = fi;
    e->cpu.event.valid = 0;
    xenv_put(e, 0x1000, code, len);
    struct vmp_x86_insn in;
    ck_assert_int_eq(vmp_x86_fetch_decode(&e->cpu, &xenv_ops, e, &in), 0);
    ck_assert_int_eq(vmp_x86_execute(&e->cpu, &xenv_ops, e, &in), 0);
    *fo = e->cpu.rflags;
    return e->cpu.gpr[VMP_RAX];
}

static unsigned enc(uint8_t *c, unsigned size, uint8_t op8, uint8_t modrm)
{
    unsigned n = 0;
    if (size == 2)
        c[n++] = 0x66;
    if (size == 8)
        c[n++] = 0x48;
    c[n++] = size == 1 ? op8 : (uint8_t)(op8 + 1);
    c[n++] = modrm;
    return n;
}

/* ADD OR ADC SBB AND SUB XOR CMP: every arithmetic flag is defined except
 * AF after a logic operation. */
START_TEST(test_native_alu)
{
    static const native_fn fns[8] = { n_add, n_or, n_adc, n_sbb, n_and, n_sub, n_xor, n_cmp };
    struct xenv *e = xenv_new();
    xenv_long64(e, 0x1000);
    for (unsigned op = 0; op < 8; op++)
        for (unsigned size = 1; size <= 8; size *= 2)
            for (unsigned i = 0; i < 3000; i++) {
                uint64_t a = interesting(size), b = interesting(size);
                uint64_t fi = 0x202 | (rnd() & ARITH), fn, fe;
                uint8_t code[4];
                unsigned n = enc(code, size, (uint8_t)(op * 8), 0xd8); /* op rax, rbx */
                uint64_t m = size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
                uint64_t rn = fns[op](size, a, b, fi, &fn) & m;
                uint64_t re = emu_op(e, code, n, a, b, fi, &fe) & m;
                uint64_t mask = ARITH;
                if (op == 1 || op == 4 || op == 6)
                    mask &= ~(uint64_t)VMP_FLAG_AF;
                ck_assert_msg(rn == re && (fn & mask) == (fe & mask),
                              "op %u size %u a=%llx b=%llx fi=%llx: native %llx/%llx emu %llx/%llx",
                              op, size, (unsigned long long)a, (unsigned long long)b,
                              (unsigned long long)fi, (unsigned long long)rn,
                              (unsigned long long)fn, (unsigned long long)re,
                              (unsigned long long)fe);
            }
    xenv_free(e);
}
END_TEST

/* Shifts and rotates by CL: result always; CF when the masked count is
 * not 0; OF when it is 1; SF ZF PF for SHL/SHR/SAR; rotates leave SF ZF
 * AF PF alone (SDM Vol. 2 RCL/RCR/ROL/ROR, SAL/SAR/SHL/SHR "Flags"). */
START_TEST(test_native_shifts)
{
    static const native_fn fns[8] = { n_rol, n_ror, n_rcl, n_rcr, n_shl, n_shr, n_shl, n_sar };
    struct xenv *e = xenv_new();
    xenv_long64(e, 0x1000);
    for (unsigned op = 0; op < 8; op++) {
        if (op == 6)
            continue;
        for (unsigned size = 1; size <= 8; size *= 2)
            for (unsigned i = 0; i < 3000; i++) {
                uint64_t a = interesting(size), cnt = rnd() & 0xff;
                if (i & 1)
                    cnt &= 3;
                uint64_t fi = 0x202 | (rnd() & ARITH), fn, fe;
                uint8_t code[4];
                unsigned n = enc(code, size, 0xd2, (uint8_t)(0xc0 | (op << 3)));
                uint64_t m = size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
                uint64_t rn = fns[op](size, a, cnt, fi, &fn) & m;
                uint64_t re = emu_op(e, code, n, a, cnt, fi, &fe) & m;
                unsigned masked = (unsigned)cnt & (size == 8 ? 0x3f : 0x1f);
                uint64_t mask;
                if (!masked)
                    mask = ARITH;
                else if (op < 4)
                    mask = ARITH & ~(uint64_t)VMP_FLAG_OF;
                else
                    mask = ARITH & ~(uint64_t)(VMP_FLAG_OF | VMP_FLAG_AF);
                if (masked == 1)
                    mask |= VMP_FLAG_OF;
                if (op >= 4 && masked >= size * 8)
                    mask &= ~(uint64_t)VMP_FLAG_CF; /* CF undefined (SDM SHL/SHR) */
                ck_assert_msg(rn == re && (fn & mask) == (fe & mask),
                              "op %u size %u a=%llx cnt=%llu fi=%llx: native %llx/%llx emu %llx/%llx",
                              op, size, (unsigned long long)a, (unsigned long long)cnt,
                              (unsigned long long)fi, (unsigned long long)rn,
                              (unsigned long long)fn, (unsigned long long)re,
                              (unsigned long long)fe);
            }
    }
    xenv_free(e);
}
END_TEST

/* INC, DEC, NEG, and two-operand IMUL (CF/OF defined). */
START_TEST(test_native_unary_imul)
{
    struct xenv *e = xenv_new();
    xenv_long64(e, 0x1000);
    for (unsigned size = 2; size <= 8; size *= 2)
        for (unsigned i = 0; i < 4000; i++) {
            uint64_t a = interesting(size), b = interesting(size), fi = 0x202 | (rnd() & ARITH);
            uint64_t m = size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
            uint64_t fn, fe, rn = a;
            /* imul rax, rbx */
            switch (size) {
            case 2:
                __asm__ volatile("sub $128, %%rsp\n\tpush %3\n\tpopfq\n\timulw %w2, %w0\n\t"
                                 "pushfq\n\tpop %1\n\tadd $128, %%rsp"
                                 : "+r"(rn), "=&r"(fn) : "r"(b), "r"(fi) : "cc", "memory");
                break;
            case 4:
                __asm__ volatile("sub $128, %%rsp\n\tpush %3\n\tpopfq\n\timull %k2, %k0\n\t"
                                 "pushfq\n\tpop %1\n\tadd $128, %%rsp"
                                 : "+r"(rn), "=&r"(fn) : "r"(b), "r"(fi) : "cc", "memory");
                break;
            default:
                __asm__ volatile("sub $128, %%rsp\n\tpush %3\n\tpopfq\n\timulq %2, %0\n\t"
                                 "pushfq\n\tpop %1\n\tadd $128, %%rsp"
                                 : "+r"(rn), "=&r"(fn) : "r"(b), "r"(fi) : "cc", "memory");
                break;
            }
            uint8_t code[5];
            unsigned n = 0;
            if (size == 2) code[n++] = 0x66;
            if (size == 8) code[n++] = 0x48;
            code[n++] = 0x0f; code[n++] = 0xaf; code[n++] = 0xc3; /* imul rax, rbx */
            uint64_t re = emu_op(e, code, n, a, b, fi, &fe);
            uint64_t mask = VMP_FLAG_CF | VMP_FLAG_OF;
            ck_assert_msg((rn & m) == (re & m) && (fn & mask) == (fe & mask),
                          "imul size %u a=%llx b=%llx", size, (unsigned long long)a,
                          (unsigned long long)b);
            /* neg rax: every flag defined */
            rn = a;
            switch (size) {
            case 2:
                __asm__ volatile("sub $128, %%rsp\n\tpush %2\n\tpopfq\n\tnegw %w0\n\t"
                                 "pushfq\n\tpop %1\n\tadd $128, %%rsp"
                                 : "+r"(rn), "=&r"(fn) : "r"(fi) : "cc", "memory");
                break;
            case 4:
                __asm__ volatile("sub $128, %%rsp\n\tpush %2\n\tpopfq\n\tnegl %k0\n\t"
                                 "pushfq\n\tpop %1\n\tadd $128, %%rsp"
                                 : "+r"(rn), "=&r"(fn) : "r"(fi) : "cc", "memory");
                break;
            default:
                __asm__ volatile("sub $128, %%rsp\n\tpush %2\n\tpopfq\n\tnegq %0\n\t"
                                 "pushfq\n\tpop %1\n\tadd $128, %%rsp"
                                 : "+r"(rn), "=&r"(fn) : "r"(fi) : "cc", "memory");
                break;
            }
            n = 0;
            if (size == 2) code[n++] = 0x66;
            if (size == 8) code[n++] = 0x48;
            code[n++] = 0xf7; code[n++] = 0xd8;
            re = emu_op(e, code, n, a, b, fi, &fe);
            ck_assert_msg((rn & m) == (re & m) && (fn & ARITH) == (fe & ARITH),
                          "neg size %u a=%llx", size, (unsigned long long)a);
        }
    xenv_free(e);
}
END_TEST

Suite *x86native_suite(void)
{
    Suite *s = suite_create("x86native");
    TCase *tc = tcase_create("native");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_native_alu);
    tcase_add_test(tc, test_native_shifts);
    tcase_add_test(tc, test_native_unary_imul);
    suite_add_tcase(s, tc);
    return s;
}

#else

Suite *x86native_suite(void)
{
    return suite_create("x86native");
}

#endif

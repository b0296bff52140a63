/* Executor tests, family by family. Expected values and flags come from
 * the SDM Vol. 2 instruction pages (section named per test); each case is
 * worked out by hand. */
#include "helpers.h"
#include "x86_env.h"

#define F_CF VMP_FLAG_CF
#define F_PF VMP_FLAG_PF
#define F_AF VMP_FLAG_AF
#define F_ZF VMP_FLAG_ZF
#define F_SF VMP_FLAG_SF
#define F_OF VMP_FLAG_OF
#define ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

/* Place code at CS:IP and execute n instructions with vmp_x86_step. */
static int run(struct xenv *e, const void *code, size_t len, unsigned n)
{
    uint64_t phys = e->cpu.seg[VMP_CS].base + e->cpu.rip;
    xenv_put(e, phys, code, len);
    int rc = VMP_X86_OK;
    for (unsigned i = 0; i < n; i++) {
        rc = vmp_x86_step(&e->cpu, &xenv_ops, e);
        if (rc != VMP_X86_OK)
            break;
    }
    return rc;
}

/* Execute one instruction without delivering its exception. */
static int exec1(struct xenv *e, const void *code, size_t len)
{
    uint64_t phys = e->cpu.seg[VMP_CS].base + e->cpu.rip;
    xenv_put(e, phys, code, len);
    e->cpu.event.valid = 0; /* an exception of the previous call is dropped */
    struct vmp_x86_insn in;
    int rc = vmp_x86_fetch_decode(&e->cpu, &xenv_ops, e, &in);
    if (rc)
        return rc;
    return vmp_x86_execute(&e->cpu, &xenv_ops, e, &in);
}

#define RAX e->cpu.gpr[VMP_RAX]
#define RCX e->cpu.gpr[VMP_RCX]
#define RDX e->cpu.gpr[VMP_RDX]
#define RBX e->cpu.gpr[VMP_RBX]
#define RSP e->cpu.gpr[VMP_RSP]
#define RSI e->cpu.gpr[VMP_RSI]
#define RDI e->cpu.gpr[VMP_RDI]
#define FLAGS (e->cpu.rflags & ARITH)

/* ---- ALU (SDM Vol. 1 Appendix A, Vol. 2 ADD/ADC/SUB/SBB/NEG/INC) ------- */
START_TEST(test_alu_flags)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    /* add al, 1 with AL = 0x7f: 0x80, OF SF AF set, PF clear (one bit) */
    RAX = 0x7f;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x04, 0x01 }, 2), 0);
    ck_assert_uint_eq(RAX, 0x80);
    ck_assert_uint_eq(FLAGS, F_OF | F_SF | F_AF);
    ck_assert_uint_eq(e->cpu.rip, 0x1002);
    /* sub eax, 1 with EAX = 0: 0xffffffff, CF SF AF PF */
    RAX = 0;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x83, 0xe8, 0x01 }, 3), 0);
    ck_assert_uint_eq(RAX, 0xffffffff);
    ck_assert_uint_eq(FLAGS, F_CF | F_SF | F_AF | F_PF);
    /* adc eax, 0 with CF=1 and EAX=0xffffffff: 0, CF ZF AF PF */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x83, 0xd0, 0x00 }, 3), 0);
    ck_assert_uint_eq(RAX, 0);
    ck_assert_uint_eq(FLAGS, F_CF | F_ZF | F_AF | F_PF);
    /* sbb al, 0 with CF=1, AL=0: 0xff, CF SF AF PF */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x1c, 0x00 }, 2), 0);
    ck_assert_uint_eq(RAX & 0xff, 0xff);
    ck_assert_uint_eq(FLAGS, F_CF | F_SF | F_AF | F_PF);
    /* inc keeps CF: inc eax (ff c0) with CF=1 -> EAX=0x100, CF still 1 */
    e->cpu.rflags |= F_CF;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xff, 0xc0 }, 2), 0);
    ck_assert_uint_eq(RAX, 0x100);
    ck_assert(e->cpu.rflags & F_CF);
    ck_assert(e->cpu.rflags & F_AF);
    /* neg of 0: CF=0 ZF=1 */
    RAX = 0;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf7, 0xd8 }, 2), 0);
    ck_assert_uint_eq(FLAGS, F_ZF | F_PF);
    /* neg of 0x80000000: CF OF SF */
    RAX = 0x80000000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf7, 0xd8 }, 2), 0);
    ck_assert_uint_eq(RAX, 0x80000000);
    ck_assert_uint_eq(FLAGS, F_CF | F_OF | F_SF | F_PF);
    /* xor eax, eax clears CF/OF/AF: ZF PF */
    e->cpu.rflags |= ARITH;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x31, 0xc0 }, 2), 0);
    ck_assert_uint_eq(FLAGS, F_ZF | F_PF);
    /* cmp does not write: cmp eax, 5 -> borrow */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x83, 0xf8, 0x05 }, 3), 0);
    ck_assert_uint_eq(RAX, 0);
    ck_assert(e->cpu.rflags & F_CF);
    /* add [mem], reg: memory RMW */
    xenv_put(e, 0x2000, (uint32_t[]){ 0xfffffffe }, 4);
    RAX = 3;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x01, 0x05, 0x00, 0x20, 0, 0 }, 6), 0);
    ck_assert_uint_eq(xenv_get(e, 0x2000, 4), 1);
    ck_assert(e->cpu.rflags & F_CF);
    xenv_free(e);
}
END_TEST

/* SDM Vol. 2 SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR: counts masked to 5 bits
 * (6 with REX.W); RCL/RCR 8/16-bit rotate modulo 9/17. */
START_TEST(test_shifts_rotates)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    /* shl eax, cl with CL = 33: masked to 1 */
    RAX = 0x80000001; RCX = 33;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xd3, 0xe0 }, 2), 0);
    ck_assert_uint_eq(RAX, 2);
    ck_assert(e->cpu.rflags & F_CF);
    ck_assert(e->cpu.rflags & F_OF); /* MSB(0) ^ CF(1) */
    /* count 32 masks to 0: nothing changes, flags included */
    e->cpu.rflags = 2 | F_ZF;
    RAX = 5; RCX = 32;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xd3, 0xe0 }, 2), 0);
    ck_assert_uint_eq(RAX, 5);
    ck_assert_uint_eq(e->cpu.rflags, 2 | F_ZF);
    /* shr al, 1 with AL=0x81: AL=0x40 CF=1 OF=MSB(orig)=1 */
    RAX = 0x81;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xd0, 0xe8 }, 2), 0);
    ck_assert_uint_eq(RAX & 0xff, 0x40);
    ck_assert_uint_eq(e->cpu.rflags & (F_CF | F_OF), F_CF | F_OF);
    /* sar al, 7 with AL=0x80 -> 0xff, CF = bit 6 = 0 */
    RAX = 0x80;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xc0, 0xf8, 0x07 }, 3), 0);
    ck_assert_uint_eq(RAX & 0xff, 0xff);
    ck_assert(!(e->cpu.rflags & F_CF));
    /* rcl al, 9: 8-bit RCL rotates modulo 9: value and CF unchanged (OF
     * is undefined; it is recomputed as MSB ^ CF like the hardware does) */
    RAX = 0x5a; e->cpu.rflags = 2 | F_CF;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xc0, 0xd0, 0x09 }, 3), 0);
    ck_assert_uint_eq(RAX & 0xff, 0x5a);
    ck_assert_uint_eq(e->cpu.rflags & ~(uint64_t)F_OF, 2 | F_CF);
    /* rcl al, 1 with CF=1, AL=0x80: AL=0x01, CF=1, OF=MSB(0)^1=1 */
    RAX = 0x80;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xd0, 0xd0 }, 2), 0);
    ck_assert_uint_eq(RAX & 0xff, 0x01);
    ck_assert_uint_eq(e->cpu.rflags & (F_CF | F_OF), F_CF | F_OF);
    /* rcr al, 1 with CF=1, AL=0x01: AL=0x80 CF=1, OF = MSB^MSB-1 = 1 */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xd0, 0xd8 }, 2), 0);
    ck_assert_uint_eq(RAX & 0xff, 0x80);
    ck_assert_uint_eq(e->cpu.rflags & (F_CF | F_OF), F_CF | F_OF);
    /* rcr ax, 17 -> modulo 17 = 0: unchanged */
    RAX = 0x1234; e->cpu.rflags = 2;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x66, 0xc1, 0xd8, 0x11 }, 4), 0);
    ck_assert_uint_eq(RAX & 0xffff, 0x1234);
    /* rol eax, 4: 0x12345678 -> 0x23456781, CF = LSB = 1 */
    RAX = 0x12345678;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xc1, 0xc0, 0x04 }, 3), 0);
    ck_assert_uint_eq(RAX, 0x23456781);
    ck_assert(e->cpu.rflags & F_CF);
    /* ror al, 8 (count mod 8 = 0): value unchanged, CF = MSB */
    RAX = 0x81;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xc0, 0xc8, 0x08 }, 3), 0);
    ck_assert_uint_eq(RAX & 0xff, 0x81);
    ck_assert(e->cpu.rflags & F_CF);
    /* shld eax, ebx, 8 */
    RAX = 0x11223344; RBX = 0xaabbccdd;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0xa4, 0xd8, 0x08 }, 4), 0);
    ck_assert_uint_eq(RAX, 0x223344aa);
    /* shrd eax, ebx, 8 */
    RAX = 0x11223344;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0xac, 0xd8, 0x08 }, 4), 0);
    ck_assert_uint_eq(RAX, 0xdd112233);
    ck_assert(!(e->cpu.rflags & F_CF)); /* bit 7 of 0x11223344 = 0 */
    xenv_free(e);
}
END_TEST

/* SDM Vol. 2 MUL/IMUL/DIV/IDIV: #DE for a zero divisor and for a quotient
 * that does not fit. */
START_TEST(test_muldiv)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    /* mul bl: 0x80 * 2 = 0x100 -> CF=OF=1 */
    RAX = 0x80; RBX = 2;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf6, 0xe3 }, 2), 0);
    ck_assert_uint_eq(RAX & 0xffff, 0x100);
    ck_assert_uint_eq(e->cpu.rflags & (F_CF | F_OF), F_CF | F_OF);
    /* mul ebx: 0xffffffff * 0xffffffff = 0xfffffffe00000001 */
    RAX = 0xffffffff; RBX = 0xffffffff;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf7, 0xe3 }, 2), 0);
    ck_assert_uint_eq(RAX, 1);
    ck_assert_uint_eq(RDX, 0xfffffffe);
    /* imul eax, ebx, -1 with EBX = 0x80000000 overflows: CF=OF=1 */
    RBX = 0x80000000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x6b, 0xc3, 0xff }, 3), 0);
    ck_assert_uint_eq(RAX, 0x80000000);
    ck_assert_uint_eq(e->cpu.rflags & (F_CF | F_OF), F_CF | F_OF);
    /* imul ecx, ebx (0f af cb) with small values: no overflow */
    RBX = 7; RCX = -3u;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0xaf, 0xcb }, 3), 0);
    ck_assert_uint_eq(RCX, (uint32_t)-21);
    ck_assert_uint_eq(e->cpu.rflags & (F_CF | F_OF), 0);
    /* div bl: AX=1000 / 7 -> AL=142 AH=6 */
    RAX = 1000; RBX = 7;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf6, 0xf3 }, 2), 0);
    ck_assert_uint_eq(RAX & 0xffff, (6 << 8) | 142);
    /* div by zero: #DE, nothing changes, RIP stays */
    uint64_t rip = e->cpu.rip;
    RAX = 5; RBX = 0;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf6, 0xf3 }, 2), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_DE);
    ck_assert_uint_eq(RAX, 5);
    ck_assert_uint_eq(e->cpu.rip, rip);
    /* div overflow: AX=0x1000 / 2 = 0x800 does not fit AL */
    RAX = 0x1000; RBX = 2;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf6, 0xf3 }, 2), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_DE);
    /* idiv: -128 / -1 (AX = 0xff80) overflows 8 bits */
    RAX = 0xff80; RBX = 0xff;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf6, 0xfb }, 2), VMP_X86_EXCEPTION);
    /* idiv ebx: EDX:EAX = -7, EBX = 2 -> EAX=-3, EDX=-1 (truncation) */
    RAX = (uint32_t)-7; RDX = 0xffffffff; RBX = 2;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf7, 0xfb }, 2), 0);
    ck_assert_uint_eq(RAX, (uint32_t)-3);
    ck_assert_uint_eq(RDX, 0xffffffff);
    /* 64-bit div: RDX:RAX = 2^64 / 2 = 2^63 */
    xenv_long64(e, 0x1000);
    RAX = 0; RDX = 1; RBX = 2;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x48, 0xf7, 0xf3 }, 3), 0);
    ck_assert_uint_eq(RAX, 1ull << 63);
    ck_assert_uint_eq(RDX, 0);
    RAX = 0; RDX = 2; RBX = 2; /* 2^65 / 2 = 2^64: #DE */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x48, 0xf7, 0xf3 }, 3), VMP_X86_EXCEPTION);
    xenv_free(e);
}
END_TEST

/* SDM Vol. 2 DAA/DAS (the worked examples on those pages), AAA, AAS,
 * AAM, AAD; AAM with an immediate of 0 raises #DE. */
START_TEST(test_bcd)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    /* add al, bl with 0x79 + 0x35 = 0xae; DAA -> 0x14, CF=1, AF=1 */
    RAX = 0x79; RBX = 0x35;
    ck_assert_int_eq(run(e, (uint8_t[]){ 0x00, 0xd8, 0x27 }, 3, 2), 0);
    ck_assert_uint_eq(RAX & 0xff, 0x14);
    ck_assert_uint_eq(e->cpu.rflags & (F_CF | F_AF), F_CF | F_AF);
    /* sub al, bl with 0x35 - 0x47 = 0xee (CF=1); DAS -> 0x88, CF=1 */
    e->cpu.rip = 0x1000;
    RAX = 0x35; RBX = 0x47;
    ck_assert_int_eq(run(e, (uint8_t[]){ 0x28, 0xd8, 0x2f }, 3, 2), 0);
    ck_assert_uint_eq(RAX & 0xff, 0x88);
    ck_assert(e->cpu.rflags & F_CF);
    /* AAA: AL=0x0b -> AX += 0x106, AL &= 0xf: AX=0x0101, CF=AF=1 */
    e->cpu.rip = 0x1000;
    RAX = 0x000b; e->cpu.rflags = 2;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x37 }, 1), 0);
    ck_assert_uint_eq(RAX & 0xffff, 0x0101);
    ck_assert_uint_eq(e->cpu.rflags & (F_CF | F_AF), F_CF | F_AF);
    /* AAS: AX=0x0205 with AF=1 -> AL=(5-6)&0xf=0xf, AH=1 */
    RAX = 0x0205; e->cpu.rflags = 2 | F_AF;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x3f }, 1), 0);
    ck_assert_uint_eq(RAX & 0xffff, 0x010f);
    /* AAM: AL=63 -> AH=6 AL=3 */
    RAX = 63;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xd4, 0x0a }, 2), 0);
    ck_assert_uint_eq(RAX & 0xffff, 0x0603);
    /* AAD: AH=6 AL=3 -> AL=63 AH=0 */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xd5, 0x0a }, 2), 0);
    ck_assert_uint_eq(RAX & 0xffff, 63);
    /* AAM 0: #DE */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xd4, 0x00 }, 2), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_DE);
    ck_assert_uint_eq(RAX & 0xffff, 63);
    xenv_free(e);
}
END_TEST

/* SDM Vol. 2 BT/BTS/BTR/BTC, BSF/BSR, TZCNT/LZCNT, POPCNT. */
START_TEST(test_bit_ops)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    /* bt dword [0x2004], eax with EAX = -1: the bit string reaches back
     * to bit 31 of the dword at 0x2000 */
    xenv_put(e, 0x2000, (uint32_t[]){ 0x80000000, 0 }, 8);
    RAX = 0xffffffff;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0xa3, 0x05, 0x04, 0x20, 0, 0 }, 7), 0);
    ck_assert(e->cpu.rflags & F_CF);
    /* bts [0x2004], 35 (imm): immediate offset masked to 3 -> bit 3 */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0xba, 0x2d, 0x04, 0x20, 0, 0, 35 }, 8), 0);
    ck_assert_uint_eq(xenv_get(e, 0x2004, 4), 8);
    ck_assert(!(e->cpu.rflags & F_CF));
    /* btr eax, 31 then btc */
    RAX = 0x80000001;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0xba, 0xf0, 31 }, 4), 0);
    ck_assert_uint_eq(RAX, 1);
    ck_assert(e->cpu.rflags & F_CF);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0xba, 0xf8, 0 }, 4), 0);
    ck_assert_uint_eq(RAX, 0);
    /* bsf ecx, eax with EAX=0: ZF=1, ECX unchanged */
    RCX = 0x1234;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0xbc, 0xc8 }, 3), 0);
    ck_assert(e->cpu.rflags & F_ZF);
    ck_assert_uint_eq(RCX, 0x1234);
    RAX = 0x00f00000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0xbc, 0xc8 }, 3), 0);
    ck_assert_uint_eq(RCX, 20);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0xbd, 0xc8 }, 3), 0);
    ck_assert_uint_eq(RCX, 23);
    /* tzcnt ecx, eax with EAX = 0: ECX = 32, CF=1 */
    RAX = 0;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf3, 0x0f, 0xbc, 0xc8 }, 4), 0);
    ck_assert_uint_eq(RCX, 32);
    ck_assert(e->cpu.rflags & F_CF);
    /* lzcnt ecx, eax with EAX=1: 31 */
    RAX = 1;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf3, 0x0f, 0xbd, 0xc8 }, 4), 0);
    ck_assert_uint_eq(RCX, 31);
    ck_assert(!(e->cpu.rflags & (F_CF | F_ZF)));
    /* popcnt ecx, eax */
    RAX = 0xf0f0;
    e->cpu.rflags |= ARITH;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf3, 0x0f, 0xb8, 0xc8 }, 4), 0);
    ck_assert_uint_eq(RCX, 8);
    ck_assert_uint_eq(FLAGS, 0);
    xenv_free(e);
}
END_TEST

START_TEST(test_data_movement)
{
    struct xenv *e = xenv_new();
    xenv_long64(e, 0x1000);
    /* mov eax, -1 zero-extends; mov ax does not */
    RAX = 0x1122334455667788ull;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xb8, 0xff, 0xff, 0xff, 0xff }, 5), 0);
    ck_assert_uint_eq(RAX, 0xffffffff);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x66, 0xb8, 0x34, 0x12 }, 4), 0);
    ck_assert_uint_eq(RAX, 0xffff1234);
    /* mov ah, 0x56 */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xb4, 0x56 }, 2), 0);
    ck_assert_uint_eq(RAX, 0xffff5634);
    /* movsx rcx, byte al ; movzx ecx, ah */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x48, 0x0f, 0xbe, 0xc8 }, 4), 0);
    ck_assert_uint_eq(RCX, 0x34);
    RAX = 0x80;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x48, 0x0f, 0xbe, 0xc8 }, 4), 0);
    ck_assert_uint_eq(RCX, 0xffffffffffffff80ull);
    /* movsxd rcx, eax */
    RAX = 0x80000000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x48, 0x63, 0xc8 }, 3), 0);
    ck_assert_uint_eq(RCX, 0xffffffff80000000ull);
    /* RIP-relative load: mov eax, [rip+0x100] at 0x1000+len 6 */
    e->cpu.rip = 0x1000;
    xenv_put(e, 0x1106, (uint32_t[]){ 0xcafef00d }, 4);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x8b, 0x05, 0x00, 0x01, 0, 0 }, 6), 0);
    ck_assert_uint_eq(RAX, 0xcafef00d);
    /* lea rax, [rbx+rcx*4+8] */
    RBX = 0x100; RCX = 3;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x48, 0x8d, 0x44, 0x8b, 0x08 }, 5), 0);
    ck_assert_uint_eq(RAX, 0x114);
    /* xchg/xadd/cmpxchg/bswap */
    RAX = 1; RBX = 2;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x48, 0x93 }, 2), 0);
    ck_assert_uint_eq(RAX, 2);
    ck_assert_uint_eq(RBX, 1);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x48, 0x0f, 0xc1, 0xd8 }, 4), 0); /* xadd rax,rbx */
    ck_assert_uint_eq(RAX, 3);
    ck_assert_uint_eq(RBX, 2);
    /* cmpxchg [0x2000], ecx: equal -> stored, ZF=1 */
    xenv_put(e, 0x2000, (uint32_t[]){ 3 }, 4);
    RCX = 0x77;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0xb1, 0x0c, 0x25, 0x00, 0x20, 0, 0 }, 8), 0);
    ck_assert_uint_eq(xenv_get(e, 0x2000, 4), 0x77);
    ck_assert(e->cpu.rflags & F_ZF);
    /* not equal -> EAX loaded, ZF=0 */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0xb1, 0x0c, 0x25, 0x00, 0x20, 0, 0 }, 8), 0);
    ck_assert_uint_eq(RAX, 0x77);
    ck_assert(!(e->cpu.rflags & F_ZF));
    /* cmpxchg16b needs 16-byte alignment */
    RBX = 0x2008;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x48, 0x0f, 0xc7, 0x0b }, 4), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_GP);
    /* cmpxchg8b [rbx] equal */
    RBX = 0x2010;
    xenv_put(e, 0x2010, (uint64_t[]){ 0x0000000200000001ull }, 8);
    RAX = 1; RDX = 2; RCX = 4; RBX = 0x2010;
    e->cpu.gpr[VMP_RBX] = 0x2010;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0xc7, 0x0b }, 3), 0);
    ck_assert_uint_eq(xenv_get(e, 0x2010, 8), (4ull << 32) | 0x2010);
    /* bswap eax */
    RAX = 0x11223344;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0xc8 }, 2), 0);
    ck_assert_uint_eq(RAX, 0x44332211);
    /* cbw family: cdqe, cqo */
    RAX = 0x80000000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x48, 0x98 }, 2), 0);
    ck_assert_uint_eq(RAX, 0xffffffff80000000ull);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x48, 0x99 }, 2), 0);
    ck_assert_uint_eq(RDX, ~0ull);
    /* lahf / sahf: SAHF loads SF ZF AF PF CF from AH */
    e->cpu.rflags = 2 | F_CF | F_ZF;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x9f }, 1), 0);
    ck_assert_uint_eq((RAX >> 8) & 0xff, 0x43);
    RAX = 0xd500;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x9e }, 1), 0);
    ck_assert_uint_eq(e->cpu.rflags & 0xff, 0xd7);
    /* setcc / cmovcc: cmov with a false condition still zero-extends */
    e->cpu.rflags = 2 | F_ZF;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x94, 0xc1 }, 3), 0); /* sete cl */
    ck_assert_uint_eq(RCX & 0xff, 1);
    RCX = 0xffffffff00000005ull;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x45, 0xc8 }, 3), 0); /* cmovne ecx,eax */
    ck_assert_uint_eq(RCX, 5);
    xenv_free(e);
}
END_TEST

/* SDM Vol. 2 Jcc/JMP/CALL/RET/LOOP/JCXZ, including 16-bit IP wrap. */
START_TEST(test_control_near)
{
    struct xenv *e = xenv_new();
    xenv_real(e, 0x100);
    /* jz +2 taken */
    e->cpu.rflags |= F_ZF;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x74, 0x02 }, 2), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x104);
    /* 16-bit IP wrap: jmp short -8 at IP=2 -> IP=0xfffc */
    e->cpu.rip = 2;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xeb, 0xf8 }, 2), 0);
    ck_assert_uint_eq(e->cpu.rip, 0xfffc);
    /* a NOP at IP=0xffff: next IP wraps to 0 */
    e->cpu.seg[VMP_CS].base = 0x10000;
    e->cpu.rip = 0xffff;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x90 }, 1), 0);
    ck_assert_uint_eq(e->cpu.rip, 0);
    e->cpu.seg[VMP_CS].base = 0;
    /* call / ret, 16-bit: pushes IP of the next instruction */
    e->cpu.rip = 0x200; RSP = 0x8000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xe8, 0x10, 0x00 }, 3), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x213);
    ck_assert_uint_eq(RSP, 0x7ffe);
    ck_assert_uint_eq(xenv_get(e, 0x7ffe, 2), 0x203);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xc2, 0x04, 0x00 }, 3), 0); /* ret 4 */
    ck_assert_uint_eq(e->cpu.rip, 0x203);
    ck_assert_uint_eq(RSP, 0x8004);
    /* 16-bit SP wrap: SP=0, push ax writes SS:FFFE */
    RSP = 0; RAX = 0xbeef;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x50 }, 1), 0);
    ck_assert_uint_eq(RSP, 0xfffe);
    ck_assert_uint_eq(xenv_get(e, 0xfffe, 2), 0xbeef);
    /* loop: CX=1 -> 0, not taken */
    e->cpu.rip = 0x300; RCX = 0x10001;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xe2, 0x10 }, 2), 0);
    ck_assert_uint_eq(RCX, 0x10000); /* only CX changes */
    ck_assert_uint_eq(e->cpu.rip, 0x302);
    /* jcxz taken with CX=0 */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xe3, 0x10 }, 2), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x314);
    /* protected mode: a near jump beyond CS.limit is #GP(0) */
    xenv_prot32(e, 0x1000);
    e->cpu.seg[VMP_CS].limit = 0x1fff;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xe9, 0x00, 0x10, 0, 0 }, 5), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_GP);
    ck_assert_uint_eq(e->cpu.rip, 0x1000);
    xenv_free(e);
}
END_TEST

/* SDM Vol. 2 PUSHA/POPA, ENTER/LEAVE, PUSH/POP segment registers. */
START_TEST(test_stack_ops)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    for (unsigned i = 0; i < 8; i++)
        e->cpu.gpr[i] = 0x100 + i;
    RSP = 0x8000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x60 }, 1), 0); /* pushad */
    ck_assert_uint_eq(RSP, 0x8000 - 32);
    ck_assert_uint_eq(xenv_get(e, 0x8000 - 4, 4), 0x100);      /* EAX first */
    ck_assert_uint_eq(xenv_get(e, 0x8000 - 20, 4), 0x8000);    /* original ESP */
    for (unsigned i = 0; i < 8; i++)
        if (i != VMP_RSP)
            e->cpu.gpr[i] = 0;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x61 }, 1), 0); /* popad */
    ck_assert_uint_eq(RSP, 0x8000);
    ck_assert_uint_eq(RAX, 0x100);
    ck_assert_uint_eq(e->cpu.gpr[VMP_RDI], 0x107);
    /* enter 16, 0 / leave */
    e->cpu.gpr[VMP_RBP] = 0x1234;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xc8, 0x10, 0x00, 0x00 }, 4), 0);
    ck_assert_uint_eq(e->cpu.gpr[VMP_RBP], 0x7ffc);
    ck_assert_uint_eq(RSP, 0x7ffc - 16);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xc9 }, 1), 0);
    ck_assert_uint_eq(RSP, 0x8000);
    ck_assert_uint_eq(e->cpu.gpr[VMP_RBP], 0x1234);
    /* enter 0, 2: copies one frame pointer and pushes the new one */
    e->cpu.gpr[VMP_RBP] = 0x9000;
    xenv_put(e, 0x9000 - 4, (uint32_t[]){ 0xaaaa }, 4);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xc8, 0x00, 0x00, 0x02 }, 4), 0);
    ck_assert_uint_eq(xenv_get(e, 0x7ffc, 4), 0x9000);
    ck_assert_uint_eq(xenv_get(e, 0x7ff8, 4), 0xaaaa);
    ck_assert_uint_eq(xenv_get(e, 0x7ff4, 4), 0x7ffc);
    ck_assert_uint_eq(e->cpu.gpr[VMP_RBP], 0x7ffc);
    /* real mode push es / pop ds */
    xenv_real(e, 0x100);
    e->cpu.seg[VMP_ES].selector = 0x1234;
    ck_assert_int_eq(run(e, (uint8_t[]){ 0x06, 0x1f }, 2, 2), 0);
    ck_assert_uint_eq(e->cpu.seg[VMP_DS].selector, 0x1234);
    ck_assert_uint_eq(e->cpu.seg[VMP_DS].base, 0x12340);
    xenv_free(e);
}
END_TEST

/* SDM Vol. 2 POPF: real mode changes IF and IOPL; at CPL 3 with IOPL 0
 * neither changes (silently). CLI at CPL 3 with IOPL 0 is #GP(0). */
START_TEST(test_popf_iopl)
{
    struct xenv *e = xenv_new();
    xenv_real(e, 0x100);
    RSP = 0x8000;
    xenv_put(e, 0x8000, (uint16_t[]){ 0x3200 | 0xd5 }, 2);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x9d }, 1), 0);
    ck_assert_uint_eq(e->cpu.rflags, 0x3200 | 0xd5 | 2);
    /* 16-bit POPF keeps bits 16+ */
    e->cpu.rflags |= VMP_FLAG_AC;
    RSP = 0x8000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x9d }, 1), 0);
    ck_assert(e->cpu.rflags & VMP_FLAG_AC);

    xenv_prot32(e, 0x1000);
    for (unsigned i = 0; i < VMP_NR_SEGS; i++)
        e->cpu.seg[i].dpl = 3;
    e->cpu.seg[VMP_CS].selector |= 3;
    e->cpu.rflags = 2;
    RSP = 0x8000;
    xenv_put(e, 0x8000, (uint32_t[]){ 0x3200 | F_CF }, 4);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x9d }, 1), 0);
    ck_assert_uint_eq(e->cpu.rflags, 2 | F_CF);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xfa }, 1), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_GP);
    xenv_free(e);
}
END_TEST

static int ack_vec = 0x20;
static int xenv_ack(void *ctx)
{
    struct xenv *e = ctx;
    e->cpu.irq_pending = 0;
    return ack_vec;
}

/* SDM Vol. 2 MOV (SS) and STI: interrupts are inhibited until after the
 * next instruction. Real mode, IVT vector 0x20 -> 0000:0500. */
START_TEST(test_interrupt_shadow)
{
    struct xenv *e = xenv_new();
    struct vmp_x86_ops ops = xenv_ops;
    ops.intr_ack = xenv_ack;
    xenv_real(e, 0x100);
    e->cpu.idt.limit = 0x3ff;
    xenv_put(e, 0x20 * 4, (uint16_t[]){ 0x0500, 0x0000 }, 4);
    e->cpu.rflags |= VMP_FLAG_IF;
    RAX = 0;
    /* mov ss, ax ; nop ; nop */
    xenv_put(e, 0x100, (uint8_t[]){ 0x8e, 0xd0, 0x90, 0x90 }, 4);
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &ops, e), 0);
    e->cpu.irq_pending = 1;
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &ops, e), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x103); /* the NOP ran, not the interrupt */
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &ops, e), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x500); /* now it is delivered */
    ck_assert(!(e->cpu.rflags & VMP_FLAG_IF));
    ck_assert_uint_eq(xenv_get(e, RSP, 2), 0x103); /* return IP */
    /* STI with IF=0: shadow; STI with IF=1 already: no shadow */
    xenv_real(e, 0x100);
    e->cpu.idt.limit = 0x3ff;
    xenv_put(e, 0x100, (uint8_t[]){ 0xfb, 0x90, 0x90 }, 3);
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &ops, e), 0);
    e->cpu.irq_pending = 1;
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &ops, e), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x102);
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &ops, e), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x500);
    /* HLT: halts, then wakes on the interrupt */
    xenv_real(e, 0x100);
    e->cpu.idt.limit = 0x3ff;
    e->cpu.rflags |= VMP_FLAG_IF;
    xenv_put(e, 0x100, (uint8_t[]){ 0xf4 }, 1);
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &ops, e), VMP_X86_HALT);
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &ops, e), VMP_X86_HALT);
    e->cpu.irq_pending = 1;
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &ops, e), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x500);
    ck_assert_int_eq(e->cpu.halted, 0);
    ck_assert_uint_eq(xenv_get(e, RSP, 2), 0x101);
    xenv_free(e);
}
END_TEST

/* Real-mode INT n and IRET through the IVT (SDM Vol. 3 §20.1.4). */
START_TEST(test_real_int_iret)
{
    struct xenv *e = xenv_new();
    xenv_real(e, 0x100);
    e->cpu.idt.limit = 0x3ff;
    xenv_put(e, 0x21 * 4, (uint16_t[]){ 0x0010, 0x0060 }, 4); /* 0060:0010 */
    xenv_put(e, 0x610, (uint8_t[]){ 0xcf }, 1);               /* iret */
    e->cpu.rflags = 2 | VMP_FLAG_IF | F_CF;
    ck_assert_int_eq(run(e, (uint8_t[]){ 0xcd, 0x21 }, 2, 1), 0);
    ck_assert_uint_eq(e->cpu.seg[VMP_CS].selector, 0x60);
    ck_assert_uint_eq(e->cpu.seg[VMP_CS].base, 0x600);
    ck_assert_uint_eq(e->cpu.rip, 0x10);
    ck_assert_uint_eq(RSP, 0x8000 - 6);
    ck_assert_uint_eq(xenv_get(e, 0x8000 - 6, 2), 0x102);
    ck_assert_uint_eq(xenv_get(e, 0x8000 - 4, 2), 0);
    ck_assert_uint_eq(xenv_get(e, 0x8000 - 2, 2), 2 | VMP_FLAG_IF | F_CF);
    ck_assert(!(e->cpu.rflags & VMP_FLAG_IF));
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &xenv_ops, e), 0);
    ck_assert_uint_eq(e->cpu.seg[VMP_CS].selector, 0);
    ck_assert_uint_eq(e->cpu.rip, 0x102);
    ck_assert_uint_eq(RSP, 0x8000);
    ck_assert(e->cpu.rflags & VMP_FLAG_IF);
    /* a #DE in real mode goes through IVT entry 0 with the faulting IP */
    xenv_put(e, 0, (uint16_t[]){ 0x0700, 0x0000 }, 4);
    RBX = 0;
    ck_assert_int_eq(run(e, (uint8_t[]){ 0xf6, 0xf3 }, 2, 1), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x700);
    ck_assert_uint_eq(xenv_get(e, RSP, 2), 0x102);
    xenv_free(e);
}
END_TEST

/* SDM Vol. 2 REP: a zero count does nothing; 16-bit SI/DI wrap; a #PF in
 * the middle of REP MOVS leaves RCX/RSI/RDI at the faulting iteration and
 * RIP on the instruction; resuming completes it. */
START_TEST(test_string_rep)
{
    struct xenv *e = xenv_new();
    xenv_real(e, 0x100);
    /* rep movsb with CX=0 */
    RCX = 0; RSI = 0x1000; RDI = 0x2000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf3, 0xa4 }, 2), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x102);
    ck_assert_uint_eq(RSI, 0x1000);
    ck_assert_uint_eq(e->writes, 0);
    /* movsb with SI = 0xffff wraps SI to 0 (16-bit address size) */
    e->cpu.rip = 0x100;
    RSI = 0xffff; RDI = 0x2000;
    xenv_put(e, 0xffff, (uint8_t[]){ 0x5a }, 1);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xa4 }, 1), 0);
    ck_assert_uint_eq(RSI, 0);
    ck_assert_uint_eq(RDI, 0x2001);
    ck_assert_uint_eq(xenv_get(e, 0x2000, 1), 0x5a);
    /* std; stosw moves DI down by 2 */
    e->cpu.rflags |= VMP_FLAG_DF;
    RAX = 0x1122; RDI = 0x3000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xab }, 1), 0);
    ck_assert_uint_eq(RDI, 0x2ffe);
    e->cpu.rflags &= ~(uint64_t)VMP_FLAG_DF;
    /* repe cmpsb stops at the first difference */
    xenv_put(e, 0x4000, "abcX", 4);
    xenv_put(e, 0x5000, "abcY", 4);
    e->cpu.rip = 0x100;
    RSI = 0x4000; RDI = 0x5000; RCX = 10;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf3, 0xa6 }, 2), 0);
    ck_assert_uint_eq(RCX, 6);
    ck_assert_uint_eq(RSI, 0x4004);
    ck_assert(!(e->cpu.rflags & F_ZF));
    ck_assert_uint_eq(e->cpu.rip, 0x102);
    /* repne scasb finds the byte */
    e->cpu.rip = 0x100;
    RAX = 'c'; RDI = 0x5000; RCX = 10;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf2, 0xae }, 2), 0);
    ck_assert_uint_eq(RDI, 0x5003);
    ck_assert_uint_eq(RCX, 7);

    /* 64-bit: rep movsb across into a not-present page */
    xenv_long64(e, 0x1000);
    uint64_t v = 0;
    xenv_put(e, 0x303000 + (0x21000 >> 12) * 8, &v, 8);
    memset(e->ram + 0x10000, 0x77, 64);
    RSI = 0x10000; RDI = 0x20ff0; RCX = 32;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf3, 0xa4 }, 2), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_PF);
    ck_assert_uint_eq(e->cpu.event.error_code, VMP_PFEC_W);
    ck_assert_uint_eq(e->cpu.cr2, 0x21000);
    ck_assert_uint_eq(RCX, 16);
    ck_assert_uint_eq(RSI, 0x10010);
    ck_assert_uint_eq(RDI, 0x21000);
    ck_assert_uint_eq(e->cpu.rip, 0x1000);
    ck_assert_uint_eq(xenv_get(e, 0x20fff, 1), 0x77);
    /* map it and resume */
    v = 0x21000 | 7;
    xenv_put(e, 0x303000 + (0x21000 >> 12) * 8, &v, 8);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf3, 0xa4 }, 2), 0);
    ck_assert_uint_eq(RCX, 0);
    ck_assert_uint_eq(RDI, 0x21010);
    ck_assert_uint_eq(e->cpu.rip, 0x1002);
    ck_assert_uint_eq(xenv_get(e, 0x2100f, 1), 0x77);
    /* a long REP runs in chunks with RIP on the instruction between them */
    e->cpu.rip = 0x1000;
    RCX = 3000; RDI = 0x40000; RAX = 0x11;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf3, 0xaa }, 2), 0);
    ck_assert_uint_eq(RCX, 3000 - VMP_X86_REP_CHUNK);
    ck_assert_uint_eq(e->cpu.rip, 0x1000);
    unsigned calls = 1;
    while (e->cpu.rip == 0x1000 && calls < 10) {
        ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf3, 0xaa }, 2), 0);
        calls++;
    }
    ck_assert_uint_eq(calls, 3);
    ck_assert_uint_eq(RCX, 0);
    /* MMIO round trip: the host asks to come back; nothing is committed */
    e->mmio_gpa = 0x80000;
    e->retry_left = 1;
    e->cpu.rip = 0x1000;
    RSI = 0x80000; RCX = 2;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf3, 0xac }, 2), VMP_X86_RETRY);
    ck_assert_uint_eq(RCX, 2);
    ck_assert_uint_eq(RSI, 0x80000);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf3, 0xac }, 2), 0);
    ck_assert_uint_eq(RCX, 0);
    ck_assert_uint_eq(RAX & 0xff, 0xab);
    xenv_free(e);
}
END_TEST

/* IN/OUT with IOPL and the TSS I/O bitmap (SDM Vol. 1 §19.5). */
START_TEST(test_io_permissions)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    /* CPL 0: allowed */
    RAX = 0x41;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xe6, 0x80 }, 2), 0);
    ck_assert_uint_eq(e->last_out_port, 0x80);
    ck_assert_uint_eq(e->last_out_val, 0x41);
    /* CPL 3, IOPL 0: consult the bitmap. TSS at 0x6000, bitmap at +0x68;
     * port 0x80 allowed, port 0x81 denied */
    for (unsigned i = 0; i < VMP_NR_SEGS; i++)
        e->cpu.seg[i].dpl = 3;
    e->cpu.tr.base = 0x6000;
    e->cpu.tr.limit = 0x68 + 0x20;
    e->cpu.tr.type = 11;
    e->cpu.tr.present = 1;
    xenv_put(e, 0x6066, (uint16_t[]){ 0x68 }, 2);
    xenv_put(e, 0x6068 + 0x10, (uint8_t[]){ 0x02, 0x00 }, 2); /* bit 0x81 */
    e->cpu.rip = 0x1000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xe6, 0x80 }, 2), 0);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xe6, 0x81 }, 2), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_GP);
    /* a word access at 0x80 also covers 0x81 */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x66, 0xe7, 0x80 }, 3), VMP_X86_EXCEPTION);
    /* ports beyond the TSS limit are denied */
    RDX = 0x1000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xec }, 1), VMP_X86_EXCEPTION);
    /* IOPL 3 allows everything */
    e->cpu.rflags |= VMP_FLAG_IOPL;
    e->port_in_val = 0x5a;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xec }, 1), 0);
    ck_assert_uint_eq(RAX & 0xff, 0x5a);
    xenv_free(e);
}
END_TEST

/* Decoder faults reach the guest: LOCK on a register operand and the
 * 16-byte instruction (SDM Vol. 2 §2.1.1, §2.3.11). */
START_TEST(test_ud_and_length_faults)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf0, 0x01, 0xc0 }, 3), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_UD);
    uint8_t longi[16];
    memset(longi, 0x66, 15);
    longi[15] = 0x90;
    ck_assert_int_eq(exec1(e, longi, 16), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_GP);
    ck_assert_int_eq(e->cpu.event.error_code, 0);
    /* UD2 */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x0b }, 2), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_UD);
    /* an unimplemented SSE instruction is reported, never skipped */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x38, 0x00, 0xc1 }, 4), VMP_X86_UNHANDLED);
    ck_assert_uint_eq(e->cpu.rip, 0x1000);
    /* the limit hit on the last byte of a data access (SDM Vol. 3 §5.3) */
    xenv_real(e, 0x100);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xa1, 0xff, 0xff }, 3), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_GP);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xa0, 0xff, 0xff }, 3), 0);
    /* privileged instruction at CPL 3 */
    xenv_prot32(e, 0x1000);
    e->cpu.seg[VMP_SS].dpl = 3;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf4 }, 1), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_GP);
    xenv_free(e);
}
END_TEST

/* Protected mode: GDT loads, far JMP, IDT delivery of #DE through a
 * 32-bit interrupt gate, IRET back (SDM Vol. 3 §6.12). */
START_TEST(test_protected_idt)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    /* GDT at 0x500: null, code 0x08, data 0x10 */
    uint64_t gdt[3] = { 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull };
    xenv_put(e, 0x500, gdt, sizeof(gdt));
    e->cpu.gdt.base = 0x500;
    e->cpu.gdt.limit = 0x17;
    /* IDT at 0x600: vector 0 -> 0x08:0x3000, 32-bit interrupt gate */
    uint32_t gate[2] = { (0x08 << 16) | 0x3000, 0x8e00 };
    xenv_put(e, 0x600, gate, 8);
    e->cpu.idt.base = 0x600;
    e->cpu.idt.limit = 0x7ff;
    /* mov ax, 0x10 ; mov ds, ax: loads the cache from the GDT */
    ck_assert_int_eq(run(e, (uint8_t[]){ 0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8 }, 6, 2), 0);
    ck_assert_uint_eq(e->cpu.seg[VMP_DS].selector, 0x10);
    ck_assert_uint_eq(e->cpu.seg[VMP_DS].limit, 0xffffffff);
    ck_assert(xenv_get(e, 0x514, 4) & 0x100); /* accessed bit set */
    /* loading selector 0x18 (beyond the GDT limit) is #GP(0x18) */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x66, 0xb8, 0x18, 0x00 }, 4), 0);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x8e, 0xd8 }, 2), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_GP);
    ck_assert_int_eq(e->cpu.event.error_code, 0x18);
    e->cpu.event.valid = 0;
    /* div by zero -> handler at 0x3000 with EIP of the div pushed */
    e->cpu.rflags = 2 | VMP_FLAG_IF;
    uint64_t div_eip = e->cpu.rip;
    RBX = 0;
    ck_assert_int_eq(run(e, (uint8_t[]){ 0xf7, 0xf3 }, 2, 1), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x3000);
    ck_assert_uint_eq(xenv_get(e, RSP, 4), div_eip);
    ck_assert_uint_eq(xenv_get(e, RSP + 4, 4), 0x08);
    /* a fault pushes RF = 1 (SDM Vol. 3B §18.3.1.1) */
    ck_assert_uint_eq(xenv_get(e, RSP + 8, 4), 2 | VMP_FLAG_IF | VMP_FLAG_RF);
    ck_assert(!(e->cpu.rflags & VMP_FLAG_IF));
    /* the handler skips the div: add dword [esp], 2 ; iret */
    ck_assert_int_eq(run(e, (uint8_t[]){ 0x83, 0x04, 0x24, 0x02, 0xcf }, 5, 2), 0);
    ck_assert_uint_eq(e->cpu.rip, div_eip + 2);
    ck_assert(e->cpu.rflags & VMP_FLAG_IF);
    /* far jmp 0x08:0x4000 */
    ck_assert_int_eq(run(e, (uint8_t[]){ 0xea, 0x00, 0x40, 0, 0, 0x08, 0x00 }, 7, 1), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x4000);
    ck_assert_uint_eq(e->cpu.seg[VMP_CS].selector, 0x08);
    /* INT 3 through a missing gate (limit too small) -> #GP(3*8+2) */
    e->cpu.idt.limit = 0x7;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xcc }, 1), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_GP);
    ck_assert_int_eq(e->cpu.event.error_code, 3 * 8 + 2);
    xenv_free(e);
}
END_TEST

/* Long mode #PF delivery: the error code is pushed, CR2 holds the address,
 * IRETQ returns (SDM Vol. 3 §6.14). And a triple fault when the IDT is
 * unusable. */
START_TEST(test_long_mode_pf_delivery)
{
    struct xenv *e = xenv_new();
    xenv_long64(e, 0x1000);
    uint64_t gdt[3] = { 0, 0x00af9b000000ffffull, 0x00cf93000000ffffull };
    xenv_put(e, 0x500, gdt, sizeof(gdt));
    e->cpu.gdt.base = 0x500;
    e->cpu.gdt.limit = 0x17;
    /* IDT vector 14 -> 0x08:0x3000, 64-bit interrupt gate */
    uint32_t gate[4] = { (0x08 << 16) | 0x3000, 0x8e00, 0, 0 };
    xenv_put(e, 0x600 + 14 * 16, gate, 16);
    e->cpu.idt.base = 0x600;
    e->cpu.idt.limit = 0xfff;
    /* mov eax, [0x2ff000] where that page is not present */
    uint64_t v = 0;
    xenv_put(e, 0x303000 + (0x2ff000 >> 12) * 8, &v, 8);
    RSP = 0x80008;
    ck_assert_int_eq(run(e, (uint8_t[]){ 0x8b, 0x04, 0x25, 0x00, 0xf0, 0x2f, 0x00 }, 7, 1), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x3000);
    ck_assert_uint_eq(e->cpu.cr2, 0x2ff000);
    ck_assert_uint_eq(RSP, 0x80000 - 48); /* aligned to 16, 6 pushes */
    ck_assert_uint_eq(xenv_get(e, RSP, 8), 0);        /* error code */
    ck_assert_uint_eq(xenv_get(e, RSP + 8, 8), 0x1000);
    ck_assert_uint_eq(xenv_get(e, RSP + 16, 8), 0x08);
    ck_assert_uint_eq(xenv_get(e, RSP + 32, 8), 0x80008); /* old RSP */
    /* handler: add rsp, 8 ; map the page ; iretq */
    v = 0x2ff000 | 7;
    xenv_put(e, 0x303000 + (0x2ff000 >> 12) * 8, &v, 8);
    ck_assert_int_eq(run(e, (uint8_t[]){ 0x48, 0x83, 0xc4, 0x08, 0x48, 0xcf }, 6, 2), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x1000);
    ck_assert_uint_eq(RSP, 0x80008);
    /* with no IDT at all: #PF -> #GP -> #DF -> shutdown */
    e->cpu.idt.limit = 0;
    v = 0;
    xenv_put(e, 0x303000 + (0x2ff000 >> 12) * 8, &v, 8);
    vmp_x86_flush_tlb(&e->cpu);
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &xenv_ops, e), VMP_X86_SHUTDOWN);
    xenv_free(e);
}
END_TEST

START_TEST(test_system_regs)
{
    struct xenv *e = xenv_new();
    xenv_real(e, 0x100);
    /* lgdt [0x800] in real mode with a 16-bit operand: 24-bit base */
    xenv_put(e, 0x800, (uint8_t[]){ 0x17, 0x00, 0x00, 0x05, 0x00, 0xff }, 6);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x01, 0x16, 0x00, 0x08 }, 5), 0);
    ck_assert_uint_eq(e->cpu.gdt.base, 0x500);
    ck_assert_uint_eq(e->cpu.gdt.limit, 0x17);
    /* mov eax, cr0 ; or al, 1 ; mov cr0, eax: enters protected mode */
    ck_assert_int_eq(run(e, (uint8_t[]){ 0x0f, 0x20, 0xc0, 0x0c, 0x01, 0x0f, 0x22, 0xc0 },
                         8, 3), 0);
    ck_assert(e->cpu.cr0 & VMP_CR0_PE);
    /* CR0.PG without PE is #GP */
    xenv_prot32(e, 0x1000);
    RAX = 0x80000000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x22, 0xc0 }, 3), VMP_X86_EXCEPTION);
    /* wrmsr EFER.LME then CR4.PAE + CR0.PG activates IA-32e (LMA) */
    RCX = VMP_X86_MSR_EFER; RAX = VMP_EFER_LME; RDX = 0;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x30 }, 2), 0);
    ck_assert_uint_eq(e->cpu.efer, VMP_EFER_LME);
    RAX = VMP_CR0_PE | VMP_CR0_PG | VMP_CR0_ET;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x22, 0xc0 }, 3), VMP_X86_EXCEPTION);
    RAX = VMP_CR4_PAE;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x22, 0xe0 }, 3), 0);
    RAX = VMP_CR0_PE | VMP_CR0_PG | VMP_CR0_ET;
    e->cpu.cr3 = 0x300000;
    xenv_long64(e, 0); /* page tables */
    xenv_prot32(e, 0x1000);
    e->cpu.cr4 = VMP_CR4_PAE;
    e->cpu.efer = VMP_EFER_LME;
    e->cpu.cr3 = 0x300000;
    RAX = VMP_CR0_PE | VMP_CR0_PG | VMP_CR0_ET;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x22, 0xc0 }, 3), 0);
    ck_assert(e->cpu.efer & VMP_EFER_LMA);
    /* rdmsr of an unknown MSR without a host callback: #GP */
    RCX = 0x12345;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x32 }, 2), VMP_X86_EXCEPTION);
    /* cpuid and rdtsc through the host */
    RAX = 7; RCX = 1; e->tsc = 0x123456789ull;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0xa2 }, 2), 0);
    ck_assert_uint_eq(RAX, 7);
    ck_assert_uint_eq(RBX, 1);
    ck_assert_uint_eq(RCX, 0x1234);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x31 }, 2), 0);
    ck_assert_uint_eq(RAX, 0x23456789);
    ck_assert_uint_eq(RDX, 1);
    xenv_free(e);
}
END_TEST

/* The MMIO helper reports what changed and whether gpa was reached. */
START_TEST(test_emulate_one_mmio)
{
    struct xenv *e = xenv_new();
    xenv_long64(e, 0x1000);
    e->mmio_gpa = 0x80000;
    RAX = 0x12345678;
    xenv_put(e, 0x1000, (uint8_t[]){ 0x89, 0x04, 0x25, 0x10, 0x00, 0x08, 0x00 }, 7);
    struct vmp_x86_changes chg;
    ck_assert_int_eq(vmp_x86_emulate_one(&e->cpu, &xenv_ops, e, 0x80010, &chg), 0);
    ck_assert_uint_eq(e->mmio_last, 0x12345678);
    ck_assert_int_eq(chg.mmio_hit, 1);
    ck_assert_int_eq(chg.rip, 1);
    ck_assert_int_eq(chg.gprs, 0);
    ck_assert_int_eq(chg.rflags, 0);
    /* a load from MMIO changes RAX */
    xenv_put(e, 0x1007, (uint8_t[]){ 0x8b, 0x04, 0x25, 0x10, 0x00, 0x08, 0x00 }, 7);
    ck_assert_int_eq(vmp_x86_emulate_one(&e->cpu, &xenv_ops, e, 0x80010, &chg), 0);
    ck_assert_uint_eq(RAX, 0xabababab);
    ck_assert_int_eq(chg.gprs, 1 << VMP_RAX);
    xenv_free(e);
}
END_TEST


/* A GDT for the privilege tests: ring-0 code/data, ring-3 code/data, a
 * 32-bit TSS at 0x6000 (ESP0 = 0x90000, SS0 = 0x10) and a DPL-3 call gate
 * to 0x08:0x5000 copying one parameter (SDM Vol. 3 §5.8.3-5.8.5). */
static void priv_gdt(struct xenv *e)
{
    uint64_t gdt[7] = {
        0,
        0x00cf9b000000ffffull, /* 0x08 code, DPL 0 */
        0x00cf93000000ffffull, /* 0x10 data, DPL 0 */
        0x00cffb000000ffffull, /* 0x18 code, DPL 3 */
        0x00cff3000000ffffull, /* 0x20 data, DPL 3 */
        ((uint64_t)0x00008900 << 32) | (0x6000u << 16) | 0x67, /* 0x28 TSS */
        ((uint64_t)0x0000ec01 << 32) | (0x08u << 16) | 0x5000, /* 0x30 gate */
    };
    xenv_put(e, 0x500, gdt, sizeof(gdt));
    e->cpu.gdt.base = 0x500;
    e->cpu.gdt.limit = sizeof(gdt) - 1;
    xenv_put(e, 0x6004, (uint32_t[]){ 0x90000, 0x10 }, 8);
    e->cpu.tr.selector = 0x28;
    e->cpu.tr.base = 0x6000;
    e->cpu.tr.limit = 0x67;
    e->cpu.tr.type = 11;
    e->cpu.tr.present = 1;
}

static void to_ring3(struct xenv *e)
{
    for (unsigned i = 0; i < VMP_NR_SEGS; i++)
        xenv_seg(&e->cpu.seg[i], i == VMP_CS ? 0x1b : 0x23, 0, 0xffffffff,
                 i == VMP_CS ? 0xb : 0x3, 3, 1, 0);
}

START_TEST(test_call_gate_and_retf)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    priv_gdt(e);
    to_ring3(e);
    RSP = 0x70000;
    /* push 0x1234 ; call far 0x33:0 (RPL 3 through the DPL-3 gate) */
    ck_assert_int_eq(run(e, (uint8_t[]){ 0x68, 0x34, 0x12, 0, 0,
                                         0x9a, 0, 0, 0, 0, 0x33, 0x00 }, 12, 2), 0);
    ck_assert_uint_eq(e->cpu.seg[VMP_CS].selector, 0x08);
    ck_assert_uint_eq(vmp_x86_cpl(&e->cpu), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x5000);
    ck_assert_uint_eq(e->cpu.seg[VMP_SS].selector, 0x10);
    ck_assert_uint_eq(RSP, 0x90000 - 20);
    ck_assert_uint_eq(xenv_get(e, RSP, 4), 0x100c);       /* return EIP */
    ck_assert_uint_eq(xenv_get(e, RSP + 4, 4), 0x1b);     /* CS */
    ck_assert_uint_eq(xenv_get(e, RSP + 8, 4), 0x1234);   /* the parameter */
    ck_assert_uint_eq(xenv_get(e, RSP + 12, 4), 0x6fffc); /* old ESP */
    ck_assert_uint_eq(xenv_get(e, RSP + 16, 4), 0x23);    /* old SS */
    /* ring 0 loads DS with a DPL-0 segment; retf 4 back to ring 3 nulls it
     * (SDM Vol. 2 RET: segments not accessible at the new CPL) */
    xenv_seg(&e->cpu.seg[VMP_DS], 0x10, 0, 0xffffffff, 0x3, 0, 1, 0);
    ck_assert_int_eq(run(e, (uint8_t[]){ 0xca, 0x04, 0x00 }, 3, 1), 0);
    ck_assert_uint_eq(e->cpu.seg[VMP_CS].selector, 0x1b);
    ck_assert_uint_eq(vmp_x86_cpl(&e->cpu), 3);
    ck_assert_uint_eq(e->cpu.rip, 0x100c);
    ck_assert_uint_eq(e->cpu.seg[VMP_SS].selector, 0x23);
    ck_assert_uint_eq(RSP, 0x70000);
    ck_assert_int_eq(e->cpu.seg[VMP_DS].unusable, 1);
    /* a direct far call from ring 3 to the ring-0 code segment: #GP(0x08) */
    e->cpu.event.valid = 0;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x9a, 0, 0x50, 0, 0, 0x08, 0x00 }, 7),
                     VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_GP);
    ck_assert_int_eq(e->cpu.event.error_code, 0x08);
    ck_assert_uint_eq(RSP, 0x70000);
    xenv_free(e);
}
END_TEST

/* SDM Vol. 2 LAR, LSL, VERR, VERW, LTR, ARPL. */
START_TEST(test_descriptor_instructions)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    priv_gdt(e);
    /* lar eax, bx / lsl ecx, bx with BX = 0x18 */
    RBX = 0x18;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x02, 0xc3 }, 3), 0);
    ck_assert(e->cpu.rflags & F_ZF);
    ck_assert_uint_eq(RAX, 0x00c0fb00);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x03, 0xcb }, 3), 0);
    ck_assert_uint_eq(RCX, 0xffffffff);
    /* verr on readable code: ZF=1; verw on code: ZF=0 */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x00, 0xe3 }, 3), 0);
    ck_assert(e->cpu.rflags & F_ZF);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x00, 0xeb }, 3), 0);
    ck_assert(!(e->cpu.rflags & F_ZF));
    /* lar on a selector beyond the GDT: ZF=0, no fault */
    RBX = 0x80;
    RAX = 0x55;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x02, 0xc3 }, 3), 0);
    ck_assert(!(e->cpu.rflags & F_ZF));
    ck_assert_uint_eq(RAX, 0x55);
    /* at CPL 3, a DPL-0 data segment fails verr */
    to_ring3(e);
    RBX = 0x10;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x00, 0xe3 }, 3), 0);
    ck_assert(!(e->cpu.rflags & F_ZF));
    /* ltr at CPL 3: #GP(0) */
    RAX = 0x28;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x00, 0xd8 }, 3), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_GP);
    /* ltr at CPL 0 loads TR and marks the descriptor busy */
    xenv_prot32(e, 0x1000);
    priv_gdt(e);
    memset(&e->cpu.tr, 0, sizeof(e->cpu.tr));
    RAX = 0x28;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x00, 0xd8 }, 3), 0);
    ck_assert_uint_eq(e->cpu.tr.base, 0x6000);
    ck_assert_uint_eq(e->cpu.tr.type, 11);
    ck_assert_uint_eq((xenv_get(e, 0x500 + 0x28 + 4, 4) >> 8) & 15, 11);
    /* a second ltr of the now busy TSS: #GP(0x28) */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x00, 0xd8 }, 3), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.error_code, 0x28);
    /* arpl ax, bx: RPL 0 < 3 -> adjusted, ZF=1 */
    RAX = 0x10; RBX = 0x23;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x63, 0xd8 }, 2), 0);
    ck_assert_uint_eq(RAX, 0x13);
    ck_assert(e->cpu.rflags & F_ZF);
    /* lar in real mode: #UD */
    xenv_real(e, 0x100);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x02, 0xc3 }, 3), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_UD);
    /* real-mode far jmp: CS base = selector * 16 */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xea, 0x78, 0x56, 0x34, 0x12 }, 5), 0);
    ck_assert_uint_eq(e->cpu.seg[VMP_CS].base, 0x12340);
    ck_assert_uint_eq(e->cpu.rip, 0x5678);
    xenv_free(e);
}
END_TEST

/* SDM Vol. 2 SYSCALL/SYSRET in 64-bit mode. */
START_TEST(test_syscall_sysret)
{
    struct xenv *e = xenv_new();
    xenv_long64(e, 0x1000);
    e->cpu.efer |= VMP_EFER_SCE;
    e->cpu.star = (0x23ull << 48) | (0x08ull << 32);
    e->cpu.lstar = 0x7000;
    e->cpu.sfmask = VMP_FLAG_IF | VMP_FLAG_DF;
    e->cpu.rflags = 2 | VMP_FLAG_IF | F_CF;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x05 }, 2), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x7000);
    ck_assert_uint_eq(RCX, 0x1002);
    ck_assert_uint_eq(e->cpu.gpr[VMP_R11], 2 | VMP_FLAG_IF | F_CF);
    ck_assert_uint_eq(e->cpu.rflags, 2 | F_CF);
    ck_assert_uint_eq(e->cpu.seg[VMP_CS].selector, 0x08);
    ck_assert_uint_eq(e->cpu.seg[VMP_SS].selector, 0x10);
    /* sysretq: CS = STAR[63:48] + 16 | 3, SS = +8 | 3, RFLAGS = R11 */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x48, 0x0f, 0x07 }, 3), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x1002);
    ck_assert_uint_eq(e->cpu.seg[VMP_CS].selector, 0x33);
    ck_assert_uint_eq(e->cpu.seg[VMP_SS].selector, 0x2b);
    ck_assert_uint_eq(vmp_x86_cpl(&e->cpu), 3);
    ck_assert(e->cpu.rflags & VMP_FLAG_IF);
    /* sysret at CPL 3: #GP(0); syscall with SCE clear: #UD */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x48, 0x0f, 0x07 }, 3), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_GP);
    e->cpu.efer &= ~(uint64_t)VMP_EFER_SCE;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x05 }, 2), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_UD);
    xenv_free(e);
}
END_TEST

/* IRET to virtual-8086 mode and INT n back to ring 0 through the IDT
 * (SDM Vol. 3 §20.2.2, §20.3.1.1, Figure 20-5 stack layout). */
START_TEST(test_vm86_roundtrip)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    priv_gdt(e);
    uint32_t gate[2] = { (0x08 << 16) | 0x3000, 0xee00 }; /* DPL 3 int gate */
    xenv_put(e, 0x600 + 0x10 * 8, gate, 8);
    e->cpu.idt.base = 0x600;
    e->cpu.idt.limit = 0x7ff;
    uint32_t frame[9] = { 0x100, 0x2000, VMP_FLAG_VM | VMP_FLAG_IOPL | 2, 0x7000,
                          0x3000, 0x4000, 0x5000, 0x0, 0x0 };
    RSP = 0x80000 - sizeof(frame);
    xenv_put(e, RSP, frame, sizeof(frame));
    ck_assert_int_eq(run(e, (uint8_t[]){ 0xcf }, 1, 1), 0);
    ck_assert(e->cpu.rflags & VMP_FLAG_VM);
    ck_assert_uint_eq(vmp_x86_cpl(&e->cpu), 3);
    ck_assert_uint_eq(e->cpu.seg[VMP_CS].base, 0x20000);
    ck_assert_uint_eq(e->cpu.rip, 0x100);
    ck_assert_uint_eq(e->cpu.seg[VMP_SS].base, 0x30000);
    ck_assert_uint_eq(e->cpu.seg[VMP_DS].base, 0x50000);
    ck_assert_uint_eq(RSP, 0x7000);
    /* int 0x10 in v8086 mode with IOPL 3 */
    ck_assert_int_eq(run(e, (uint8_t[]){ 0xcd, 0x10 }, 2, 1), 0);
    ck_assert(!(e->cpu.rflags & VMP_FLAG_VM));
    ck_assert_uint_eq(vmp_x86_cpl(&e->cpu), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x3000);
    ck_assert_uint_eq(e->cpu.seg[VMP_SS].selector, 0x10);
    ck_assert_uint_eq(RSP, 0x90000 - 36);
    ck_assert_uint_eq(xenv_get(e, RSP, 4), 0x102);
    ck_assert_uint_eq(xenv_get(e, RSP + 4, 4), 0x2000);
    ck_assert(xenv_get(e, RSP + 8, 4) & VMP_FLAG_VM);
    ck_assert_uint_eq(xenv_get(e, RSP + 12, 4), 0x7000);
    ck_assert_uint_eq(xenv_get(e, RSP + 16, 4), 0x3000);
    ck_assert_uint_eq(xenv_get(e, RSP + 20, 4), 0x4000); /* ES */
    ck_assert_uint_eq(xenv_get(e, RSP + 24, 4), 0x5000); /* DS */
    ck_assert_int_eq(e->cpu.seg[VMP_DS].unusable, 1);
    /* with IOPL < 3, INT n in v8086 mode is #GP(0) */
    xenv_put(e, 0x3000, (uint8_t[]){ 0xcf }, 1);
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &xenv_ops, e), 0); /* iret back */
    ck_assert(e->cpu.rflags & VMP_FLAG_VM);
    e->cpu.rflags &= ~(uint64_t)VMP_FLAG_IOPL;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xcd, 0x10 }, 2), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_GP);
    xenv_free(e);
}
END_TEST

/* NMI: delivered through vector 2, then blocked until IRET (SDM Vol. 3
 * §6.7.1); not blocked by IF. */
START_TEST(test_nmi_blocking)
{
    struct xenv *e = xenv_new();
    xenv_real(e, 0x100);
    e->cpu.idt.limit = 0x3ff;
    xenv_put(e, 2 * 4, (uint16_t[]){ 0x0500, 0x0000 }, 4);
    xenv_put(e, 0x500, (uint8_t[]){ 0x90, 0xcf }, 2); /* nop ; iret */
    xenv_put(e, 0x100, (uint8_t[]){ 0x90, 0x90, 0x90 }, 3);
    e->cpu.nmi_pending = 1;
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &xenv_ops, e), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x500);
    ck_assert_int_eq(e->cpu.nmi_blocked, 1);
    e->cpu.nmi_pending = 1;
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &xenv_ops, e), 0); /* nop, not NMI */
    ck_assert_uint_eq(e->cpu.rip, 0x501);
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &xenv_ops, e), 0); /* iret */
    ck_assert_uint_eq(e->cpu.rip, 0x100);
    ck_assert_int_eq(e->cpu.nmi_blocked, 0);
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &xenv_ops, e), 0); /* second NMI */
    ck_assert_uint_eq(e->cpu.rip, 0x500);
    xenv_free(e);
}
END_TEST

/* RFLAGS.TF: a #DB trap after each instruction, with DR6.BS set and the
 * IP of the next instruction pushed (SDM Vol. 3 §17.3.1.4). */
START_TEST(test_single_step)
{
    struct xenv *e = xenv_new();
    xenv_real(e, 0x100);
    e->cpu.idt.limit = 0x3ff;
    xenv_put(e, 1 * 4, (uint16_t[]){ 0x0600, 0x0000 }, 4);
    xenv_put(e, 0x600, (uint8_t[]){ 0xcf }, 1); /* iret */
    xenv_put(e, 0x100, (uint8_t[]){ 0x90, 0x40 }, 2); /* nop ; inc ax */
    e->cpu.rflags |= VMP_FLAG_TF;
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &xenv_ops, e), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x600);
    ck_assert_uint_eq(xenv_get(e, RSP, 2), 0x101);
    ck_assert(e->cpu.dr[6] & (1u << 14));
    ck_assert(!(e->cpu.rflags & VMP_FLAG_TF)); /* the handler runs without TF */
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &xenv_ops, e), 0); /* iret: no trap */
    ck_assert_uint_eq(e->cpu.rip, 0x101);
    ck_assert(e->cpu.rflags & VMP_FLAG_TF);
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &xenv_ops, e), 0); /* inc ax, trap */
    ck_assert_uint_eq(RAX & 0xffff, 1);
    ck_assert_uint_eq(e->cpu.rip, 0x600);
    ck_assert_uint_eq(xenv_get(e, RSP, 2), 0x102);
    xenv_free(e);
}
END_TEST

/* 32-bit paging, CPL 3 touching a supervisor page: #PF with error code
 * P|U (5) delivered through a 32-bit interrupt gate onto the ring-0 stack
 * from the TSS (SDM Vol. 3 §4.7, §6.12.1, Figure 6-4). */
START_TEST(test_user_pf_legacy_idt)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    priv_gdt(e);
    uint32_t gate[2] = { (0x08 << 16) | 0x3000, 0x8e00 };
    xenv_put(e, 0x600 + 14 * 8, gate, 8);
    e->cpu.idt.base = 0x600;
    e->cpu.idt.limit = 0x7ff;
    /* page directory at 0x100000, one page table at 0x101000 */
    uint32_t pde = 0x101000 | 7;
    xenv_put(e, 0x100000, &pde, 4);
    for (uint32_t i = 0; i < 1024; i++) {
        uint32_t pte = (i << 12) | (i == 0x20 ? 3 : 7);
        xenv_put(e, 0x101000 + i * 4, &pte, 4);
    }
    e->cpu.cr3 = 0x100000;
    e->cpu.cr0 |= VMP_CR0_PG | VMP_CR0_WP;
    to_ring3(e);
    RSP = 0x70000;
    e->cpu.rflags = 2 | VMP_FLAG_IF;
    /* mov eax, [0x20000] */
    ck_assert_int_eq(run(e, (uint8_t[]){ 0xa1, 0x00, 0x00, 0x02, 0x00 }, 5, 1), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x3000);
    ck_assert_uint_eq(e->cpu.cr2, 0x20000);
    ck_assert_uint_eq(vmp_x86_cpl(&e->cpu), 0);
    ck_assert_uint_eq(RSP, 0x90000 - 24);
    ck_assert_uint_eq(xenv_get(e, RSP, 4), 5);            /* error code */
    ck_assert_uint_eq(xenv_get(e, RSP + 4, 4), 0x1000);   /* faulting EIP */
    ck_assert_uint_eq(xenv_get(e, RSP + 8, 4), 0x1b);
    ck_assert_uint_eq(xenv_get(e, RSP + 12, 4), 2 | VMP_FLAG_IF | VMP_FLAG_RF);
    ck_assert_uint_eq(xenv_get(e, RSP + 16, 4), 0x70000);
    ck_assert_uint_eq(xenv_get(e, RSP + 20, 4), 0x23);
    ck_assert(!(e->cpu.rflags & VMP_FLAG_IF));
    /* the supervisor may read it; the user page's A bit is set, the
     * supervisor page's D bit is not */
    ck_assert_int_eq(run(e, (uint8_t[]){ 0xa1, 0x00, 0x00, 0x02, 0x00 }, 5, 1), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x3005);
    ck_assert(xenv_get(e, 0x101000 + 1 * 4, 4) & 0x20);
    ck_assert(!(xenv_get(e, 0x101000 + 0x20 * 4, 4) & 0x40));
    /* lock add dword [0x20000], 1 at CPL 0: a locked RMW that is allowed */
    ck_assert_int_eq(run(e, (uint8_t[]){ 0xf0, 0x83, 0x05, 0x00, 0x00, 0x02, 0x00, 0x01 },
                         8, 1), 0);
    ck_assert_uint_eq(xenv_get(e, 0x20000, 4), 1);
    ck_assert(xenv_get(e, 0x101000 + 0x20 * 4, 4) & 0x40);
    xenv_free(e);
}
END_TEST

/* Instruction fetch only touches the bytes the instruction has: a NOP at
 * the end of a page before a not-present page runs; a MOV that crosses
 * into it raises #PF (fetch, CR2 = the second page). A fetch past the CS
 * limit is #GP(0) (SDM Vol. 3 §5.3, §4.7). */
START_TEST(test_fetch_boundaries)
{
    struct xenv *e = xenv_new();
    xenv_long64(e, 0x20fff);
    uint64_t v = 0;
    xenv_put(e, 0x303000 + (0x21000 >> 12) * 8, &v, 8);
    xenv_put(e, 0x20fff, (uint8_t[]){ 0x90 }, 1);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x90 }, 1), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x21000);
    e->cpu.rip = 0x20ffe;
    xenv_put(e, 0x20ffe, (uint8_t[]){ 0xb8, 0x01 }, 2); /* mov eax, imm32 */
    struct vmp_x86_insn in;
    e->cpu.event.valid = 0;
    ck_assert_int_eq(vmp_x86_fetch_decode(&e->cpu, &xenv_ops, e, &in), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_PF);
    ck_assert_uint_eq(e->cpu.cr2, 0x21000);
    ck_assert_uint_eq(e->cpu.event.error_code, VMP_PFEC_I);
    /* CS limit: a 3-byte instruction whose last byte is past the limit */
    xenv_prot32(e, 0x1ffe);
    e->cpu.seg[VMP_CS].limit = 0x1fff;
    e->cpu.event.valid = 0;
    xenv_put(e, 0x1ffe, (uint8_t[]){ 0x83, 0xc0, 0x01 }, 3);
    ck_assert_int_eq(vmp_x86_fetch_decode(&e->cpu, &xenv_ops, e, &in), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_GP);
    /* ... a 2-byte one fits */
    xenv_put(e, 0x1ffe, (uint8_t[]){ 0x31, 0xc0 }, 2);
    ck_assert_int_eq(vmp_x86_fetch_decode(&e->cpu, &xenv_ops, e, &in), 0);
    ck_assert_int_eq(in.len, 2);
    xenv_free(e);
}
END_TEST

/* ---- cases the differential test (tests/diff) found --------------------- */

/* SDM Vol. 2D XADD: TEMP <- SRC + DEST; SRC <- DEST; DEST <- TEMP. With one
 * register as both operands the last write, DEST <- TEMP, leaves the sum. */
START_TEST(test_xadd_same_register)
{
    struct xenv *e = xenv_new();
    xenv_long64(e, 0x1000);
    RAX = 0x1111111122222222ull;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x48, 0x0f, 0xc1, 0xc0 }, 4), 0); /* xadd rax, rax */
    ck_assert_uint_eq(RAX, 0x2222222244444444ull);
    RBX = 0x80;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0xc0, 0xdb }, 3), 0); /* xadd bl, bl */
    ck_assert_uint_eq(RBX, 0);
    ck_assert_uint_eq(FLAGS, F_CF | F_ZF | F_PF | F_OF);
    RBX = 0x1234; /* xadd bh, bh: the high byte */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0xc0, 0xff }, 3), 0);
    ck_assert_uint_eq(RBX, 0x2434);
    /* two registers: the sum in DEST, the old DEST in SRC */
    RAX = 5;
    RCX = 7;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x48, 0x0f, 0xc1, 0xc8 }, 4), 0); /* xadd rax, rcx */
    ck_assert_uint_eq(RAX, 12);
    ck_assert_uint_eq(RCX, 5);
    /* memory DEST on a read-only page: #PF, the register stays */
    uint64_t pte = 0x5000 | 5; /* present, user, read-only */
    xenv_put(e, 0x303000 + 5 * 8, &pte, 8);
    vmp_x86_flush_tlb(&e->cpu);
    RCX = 9;
    /* xadd [0x5000], rcx */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x48, 0x0f, 0xc1, 0x0c, 0x25, 0x00, 0x50, 0x00, 0x00 }, 9),
                     VMP_X86_EXCEPTION);
    ck_assert(e->cpu.event.valid);
    ck_assert_uint_eq(e->cpu.event.vector, VMP_X86_PF);
    ck_assert_uint_eq(RCX, 9);
    xenv_free(e);
}
END_TEST

/* A masked shift/rotate count of 0 changes neither the operand nor the
 * flags (SDM Vol. 2B SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD, SHRD), but a
 * 32-bit register destination is still written, and a 32-bit register
 * write in 64-bit mode clears bits 63:32 (SDM Vol. 1 §3.4.1.1). Measured
 * on the host for every form with tests/diff. */
START_TEST(test_shift_count0_zero_extends)
{
    static const uint8_t code[][5] = {
        { 0xc1, 0xe0, 0x00 },       /* shl eax, 0 */
        { 0xc1, 0xe8, 0x20 },       /* shr eax, 32 (masked: 0) */
        { 0xd3, 0xf8 },             /* sar eax, cl */
        { 0xd3, 0xc0 },             /* rol eax, cl */
        { 0xc1, 0xc8, 0x00 },       /* ror eax, 0 */
        { 0xd3, 0xd0 },             /* rcl eax, cl */
        { 0xc1, 0xd8, 0x40 },       /* rcr eax, 64 (masked: 0) */
        { 0x0f, 0xa4, 0xd8, 0x00 }, /* shld eax, ebx, 0 */
        { 0x0f, 0xad, 0xd8 },       /* shrd eax, ebx, cl */
    };
    static const unsigned len[] = { 3, 3, 2, 2, 3, 2, 3, 4, 3 };
    struct xenv *e = xenv_new();
    for (unsigned k = 0; k < sizeof(len) / sizeof(len[0]); k++) {
        xenv_long64(e, 0x1000);
        RAX = 0xdeadbeef87654321ull;
        RBX = 0xffffffffffffffffull;
        RCX = 0xffffffffffffff20ull; /* CL = 32: masked to 0 */
        e->cpu.rflags = 2 | F_CF | F_OF | F_SF;
        ck_assert_int_eq(exec1(e, code[k], len[k]), 0);
        ck_assert_msg(RAX == 0x87654321ull, "form %u: rax %llx", k, (unsigned long long)RAX);
        ck_assert_uint_eq(FLAGS, F_CF | F_OF | F_SF);
    }
    /* 64-bit and 16-bit operands and memory are not written */
    xenv_long64(e, 0x1000);
    RAX = 0xdeadbeef87654321ull;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x48, 0xc1, 0xe0, 0x40 }, 4), 0); /* shl rax, 64 */
    ck_assert_uint_eq(RAX, 0xdeadbeef87654321ull);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x66, 0xc1, 0xe0, 0x20 }, 4), 0); /* shl ax, 32 */
    ck_assert_uint_eq(RAX, 0xdeadbeef87654321ull);
    RAX = 0x5000;
    e->last_write_gpa = 0;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xc1, 0x20, 0x00 }, 3), 0); /* shl dword [rax], 0 */
    ck_assert_uint_ne(e->last_write_gpa, 0x5000); /* (the walker may set the PTE's D bit) */
    xenv_free(e);
}
END_TEST

/* In 64-bit mode the ES/CS/SS/DS overrides are ignored (SDM Vol. 1
 * §3.3.7.1): one after FS or GS does not cancel it. Of FS and GS the last
 * wins. Checked on the host with tests/diff. */
START_TEST(test_ignored_segment_prefix_after_fs)
{
    struct xenv *e = xenv_new();
    xenv_long64(e, 0x1000);
    e->cpu.seg[VMP_FS].base = 0x10000;
    e->cpu.seg[VMP_GS].base = 0x20000;
    xenv_put(e, 0x100, (uint32_t[]){ 0x11111111 }, 4);
    xenv_put(e, 0x10100, (uint32_t[]){ 0xf5f5f5f5 }, 4);
    xenv_put(e, 0x20100, (uint32_t[]){ 0x65656565 }, 4);
    /* mov eax, [0x100] with prefixes */
#define MOVABS(...) (uint8_t[]){ __VA_ARGS__, 0x8b, 0x04, 0x25, 0x00, 0x01, 0x00, 0x00 }
    ck_assert_int_eq(exec1(e, MOVABS(0x64, 0x3e), 9), 0);
    ck_assert_uint_eq(RAX, 0xf5f5f5f5);
    ck_assert_int_eq(exec1(e, MOVABS(0x65, 0x26, 0x2e, 0x36), 11), 0);
    ck_assert_uint_eq(RAX, 0x65656565);
    ck_assert_int_eq(exec1(e, MOVABS(0x3e, 0x64), 9), 0);
    ck_assert_uint_eq(RAX, 0xf5f5f5f5);
    ck_assert_int_eq(exec1(e, MOVABS(0x64, 0x65), 9), 0);
    ck_assert_uint_eq(RAX, 0x65656565);
    ck_assert_int_eq(exec1(e, MOVABS(0x65, 0x64), 9), 0);
    ck_assert_uint_eq(RAX, 0xf5f5f5f5);
    ck_assert_int_eq(exec1(e, MOVABS(0x2e), 8), 0);
    ck_assert_uint_eq(RAX, 0x11111111);
    /* outside 64-bit mode the last override wins, DS included */
    xenv_prot32(e, 0x1000);
    e->cpu.seg[VMP_FS].base = 0x10000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x64, 0x3e, 0xa1, 0x00, 0x01, 0x00, 0x00 }, 7), 0);
    ck_assert_uint_eq(RAX, 0x11111111);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x3e, 0x64, 0xa1, 0x00, 0x01, 0x00, 0x00 }, 7), 0);
    ck_assert_uint_eq(RAX, 0xf5f5f5f5);
#undef MOVABS
    xenv_free(e);
}
END_TEST

/* SDM Vol. 3B §18.3.1.1: the RFLAGS image pushed for a fault-class
 * exception (other than an instruction-breakpoint #DB) has RF = 1; a trap
 * (single-step #DB, INT3) pushes RF as it was (0 here). */
START_TEST(test_fault_pushes_rf)
{
    struct xenv *e = xenv_new();
    xenv_long64(e, 0x1000);
    uint64_t gdt[3] = { 0, 0x00af9b000000ffffull, 0x00cf93000000ffffull };
    xenv_put(e, 0x500, gdt, sizeof(gdt));
    e->cpu.gdt.base = 0x500;
    e->cpu.gdt.limit = 0x17;
    for (unsigned v = 0; v <= 0x20; v++) {
        uint32_t gate[4] = { (0x08 << 16) | 0x3000, 0x8e00, 0, 0 };
        xenv_put(e, 0x600 + v * 16, gate, 16);
    }
    e->cpu.idt.base = 0x600;
    e->cpu.idt.limit = 0x21 * 16 - 1;
    /* #UD (ud2): no error code, RFLAGS at RSP + 16 */
    RSP = 0x80000;
    ck_assert_int_eq(run(e, (uint8_t[]){ 0x0f, 0x0b }, 2, 1), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x3000);
    ck_assert_uint_eq(xenv_get(e, RSP + 16, 8), 2 | VMP_FLAG_RF);
    ck_assert(!(e->cpu.rflags & VMP_FLAG_RF)); /* the handler runs with RF = 0 */
    /* IRETQ loads RF = 1 (to a NOP at 0x1100); the NOP completes and
     * clears it */
    xenv_put(e, RSP, (uint64_t[]){ 0x1100 }, 8);
    xenv_put(e, 0x1100, (uint8_t[]){ 0x90 }, 1);
    ck_assert_int_eq(run(e, (uint8_t[]){ 0x48, 0xcf }, 2, 1), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x1100);
    ck_assert(e->cpu.rflags & VMP_FLAG_RF);
    ck_assert_int_eq(run(e, (uint8_t[]){ 0x90 }, 1, 1), 0);
    ck_assert(!(e->cpu.rflags & VMP_FLAG_RF));
    /* #GP(0) (non-canonical address): error code, RFLAGS at RSP + 24 */
    e->cpu.rip = 0x1000;
    RSP = 0x80000;
    RAX = 0x8000000000000000ull;
    ck_assert_int_eq(run(e, (uint8_t[]){ 0x8b, 0x00 }, 2, 1), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x3000);
    ck_assert_uint_eq(xenv_get(e, RSP + 24, 8), 2 | VMP_FLAG_RF);
    /* INT3, a trap: RF pushed as it was */
    e->cpu.rip = 0x1000;
    RSP = 0x80000;
    e->cpu.rflags = 2;
    ck_assert_int_eq(run(e, (uint8_t[]){ 0xcc }, 1, 1), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x3000);
    ck_assert_uint_eq(xenv_get(e, RSP + 16, 8), 2);
    /* single-step #DB, a trap: TF pushed, RF not */
    e->cpu.rip = 0x1000;
    RSP = 0x80000;
    e->cpu.rflags = 2 | VMP_FLAG_TF;
    ck_assert_int_eq(run(e, (uint8_t[]){ 0x90 }, 1, 1), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x3000);
    ck_assert_uint_eq(xenv_get(e, RSP + 16, 8), 2 | VMP_FLAG_TF);
    /* an interrupt after a REP iteration other than the last pushes RF = 1;
     * one after the last pushes RF as it is (0) */
    struct vmp_x86_ops ops = xenv_ops;
    ops.intr_ack = xenv_ack;
    ack_vec = 0x20;
    e->cpu.rip = 0x1000;
    RSP = 0x80000;
    RDI = 0x10000;
    RCX = VMP_X86_REP_CHUNK + 1;
    e->cpu.rflags = 2 | VMP_FLAG_IF;
    xenv_put(e, 0x1000, (uint8_t[]){ 0xf3, 0xaa }, 2); /* rep stosb */
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &ops, e), 0); /* one chunk */
    ck_assert_uint_eq(e->cpu.rip, 0x1000);
    ck_assert_uint_eq(RCX, 1);
    e->cpu.irq_pending = 1;
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &ops, e), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x3000);
    ck_assert_uint_eq(xenv_get(e, RSP + 16, 8), 2 | VMP_FLAG_IF | VMP_FLAG_RF);
    /* iretq back: the last iteration completes the instruction, RF = 0 */
    ck_assert_int_eq(run(e, (uint8_t[]){ 0x48, 0xcf }, 2, 1), 0);
    ck_assert(e->cpu.rflags & VMP_FLAG_RF);
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &ops, e), 0);
    ck_assert_uint_eq(RCX, 0);
    ck_assert_uint_eq(e->cpu.rip, 0x1002);
    ck_assert(!(e->cpu.rflags & VMP_FLAG_RF));
    e->cpu.irq_pending = 1;
    RSP = 0x80000;
    ck_assert_int_eq(vmp_x86_step(&e->cpu, &ops, e), 0);
    ck_assert_uint_eq(e->cpu.rip, 0x3000);
    ck_assert_uint_eq(xenv_get(e, RSP + 16, 8), 2 | VMP_FLAG_IF);
    xenv_free(e);
}
END_TEST

/* SDM Vol. 2B MOVBE (0F 38 F0 load, F1 store; memory operand only) and
 * Vol. 2A ADCX (66 0F 38 F6) / ADOX (F3 0F 38 F6): unsigned add with carry
 * through CF or OF only. */
START_TEST(test_movbe_adx)
{
    struct xenv *e = xenv_new();
    xenv_long64(e, 0x1000);
    xenv_put(e, 0x5000, (uint8_t[]){ 1, 2, 3, 4, 5, 6, 7, 8 }, 8);
    RBX = 0x5000;
    RAX = 0xffffffffffffffffull;
    e->cpu.rflags = 2 | ARITH;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x48, 0x0f, 0x38, 0xf0, 0x03 }, 5), 0); /* movbe rax, [rbx] */
    ck_assert_uint_eq(RAX, 0x0102030405060708ull);
    ck_assert_uint_eq(FLAGS, ARITH); /* no flag changes */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x38, 0xf0, 0x03 }, 4), 0); /* movbe eax, [rbx] */
    ck_assert_uint_eq(RAX, 0x01020304);
    RAX = 0xaaaaaaaaaaaaaaaaull;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x66, 0x0f, 0x38, 0xf0, 0x03 }, 5), 0); /* movbe ax, [rbx] */
    ck_assert_uint_eq(RAX, 0xaaaaaaaaaaaa0102ull);
    RCX = 0x1122334455667788ull;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x38, 0xf1, 0x0b }, 4), 0); /* movbe [rbx], ecx */
    ck_assert_uint_eq(xenv_get(e, 0x5000, 8), 0x0807060588776655ull);
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x48, 0x0f, 0x38, 0xf1, 0x0b }, 5), 0); /* movbe [rbx], rcx */
    ck_assert_uint_eq(xenv_get(e, 0x5000, 8), 0x8877665544332211ull);
    /* a register operand is #UD */
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x0f, 0x38, 0xf0, 0xc3 }, 4), VMP_X86_EXCEPTION);
    ck_assert_uint_eq(e->cpu.event.vector, VMP_X86_UD);

    /* adcx rax, rcx: CF in and out, OF SF ZF AF PF untouched */
    RAX = 0xffffffffffffffffull;
    RCX = 0;
    e->cpu.rflags = 2 | F_CF | F_OF | F_ZF;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x66, 0x48, 0x0f, 0x38, 0xf6, 0xc1 }, 6), 0);
    ck_assert_uint_eq(RAX, 0);
    ck_assert_uint_eq(FLAGS, F_CF | F_OF | F_ZF);
    RAX = 1;
    RCX = 2;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x66, 0x48, 0x0f, 0x38, 0xf6, 0xc1 }, 6), 0);
    ck_assert_uint_eq(RAX, 4);
    ck_assert_uint_eq(FLAGS, F_OF | F_ZF);
    /* adox eax, [rbx]: 32 bits, zero-extended; OF in and out, CF untouched */
    xenv_put(e, 0x5000, (uint32_t[]){ 0x80000000u }, 4);
    RAX = 0xffffffff80000000ull;
    e->cpu.rflags = 2 | F_CF | F_OF;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0xf3, 0x0f, 0x38, 0xf6, 0x03 }, 5), 0);
    ck_assert_uint_eq(RAX, 1);
    ck_assert_uint_eq(FLAGS, F_CF | F_OF);
    /* 66 with F3: F3 is the mandatory prefix (ADOX), still 32 bits */
    RAX = 5;
    e->cpu.rflags = 2 | F_CF;
    ck_assert_int_eq(exec1(e, (uint8_t[]){ 0x66, 0xf3, 0x0f, 0x38, 0xf6, 0x03 }, 6), 0);
    ck_assert_uint_eq(RAX, 0x80000005ull);
    ck_assert_uint_eq(FLAGS, F_CF);
    xenv_free(e);
}
END_TEST

/* vmp_x86_run: N steps, stopping at the first non-OK result. */
START_TEST(test_run_n)
{
    struct xenv *e = xenv_new();
    xenv_real(e, 0x100);
    xenv_put(e, 0x100, (uint8_t[]){ 0x40, 0x40, 0x40, 0xf4 }, 4);
    uint64_t done = 0;
    ck_assert_int_eq(vmp_x86_run(&e->cpu, &xenv_ops, e, 2, &done), 0);
    ck_assert_uint_eq(done, 2);
    ck_assert_uint_eq(RAX & 0xffff, 2);
    ck_assert_int_eq(vmp_x86_run(&e->cpu, &xenv_ops, e, 100, &done), VMP_X86_HALT);
    ck_assert_uint_eq(done, 2); /* inc, hlt */
    ck_assert_uint_eq(RAX & 0xffff, 3);
    xenv_free(e);
}
END_TEST

Suite *x86exec_suite(void)
{
    Suite *s = suite_create("x86exec");
    TCase *tc = tcase_create("exec");
    tcase_add_test(tc, test_alu_flags);
    tcase_add_test(tc, test_shifts_rotates);
    tcase_add_test(tc, test_muldiv);
    tcase_add_test(tc, test_bcd);
    tcase_add_test(tc, test_bit_ops);
    tcase_add_test(tc, test_data_movement);
    tcase_add_test(tc, test_control_near);
    tcase_add_test(tc, test_stack_ops);
    tcase_add_test(tc, test_popf_iopl);
    tcase_add_test(tc, test_interrupt_shadow);
    tcase_add_test(tc, test_real_int_iret);
    tcase_add_test(tc, test_string_rep);
    tcase_add_test(tc, test_io_permissions);
    tcase_add_test(tc, test_ud_and_length_faults);
    tcase_add_test(tc, test_protected_idt);
    tcase_add_test(tc, test_long_mode_pf_delivery);
    tcase_add_test(tc, test_system_regs);
    tcase_add_test(tc, test_emulate_one_mmio);
    tcase_add_test(tc, test_call_gate_and_retf);
    tcase_add_test(tc, test_descriptor_instructions);
    tcase_add_test(tc, test_syscall_sysret);
    tcase_add_test(tc, test_vm86_roundtrip);
    tcase_add_test(tc, test_nmi_blocking);
    tcase_add_test(tc, test_single_step);
    tcase_add_test(tc, test_user_pf_legacy_idt);
    tcase_add_test(tc, test_fetch_boundaries);
    tcase_add_test(tc, test_run_n);
    tcase_add_test(tc, test_xadd_same_register);
    tcase_add_test(tc, test_shift_count0_zero_extends);
    tcase_add_test(tc, test_ignored_segment_prefix_after_fs);
    tcase_add_test(tc, test_fault_pushes_rf);
    tcase_add_test(tc, test_movbe_adx);
    suite_add_tcase(s, tc);
    return s;
}

/* The whole-state x87/SSE instructions of group 15 and the availability
 * checks every FP instruction shares (emulator/x86_fpu.c): FXSAVE and
 * FXRSTOR (SDM Vol. 1 §10.5.1 Table 10-2, Vol. 2 FXSAVE/FXRSTOR),
 * LDMXCSR/STMXCSR (Vol. 2), CLFLUSH, and the CR0.EM/TS, CR4.OSFXSR rules
 * (Vol. 3 Table 2-2). */
#include "helpers.h"
#include "x86_env.h"

static int exec1(struct xenv *e, const void *code, size_t len)
{
    xenv_put(e, e->cpu.seg[VMP_CS].base + e->cpu.rip, code, len);
    e->cpu.event.valid = 0;
    struct vmp_x86_insn in;
    int rc = vmp_x86_fetch_decode(&e->cpu, &xenv_ops, e, &in);
    if (rc)
        return rc;
    return vmp_x86_execute(&e->cpu, &xenv_ops, e, &in);
}

static void expect_exc(struct xenv *e, int rc, unsigned vec)
{
    ck_assert_int_eq(rc, VMP_X86_EXCEPTION);
    ck_assert_uint_eq(e->cpu.event.vector, vec);
}

/* A recognisable FPU state: TOP = 5, distinct registers. */
static void fill_fpu(struct vmp_x86_fpu *f)
{
    f->fcw = 0x037f;
    f->fsw = (5u << 11) | 0x0021; /* TOP 5, PE, IE */
    f->ftw = 0xe0;                /* physical R5..R7 valid */
    f->fop = 0x0123;
    f->fip = 0x1122334455667788ull;
    f->fdp = 0x99aabbccddeeff00ull;
    f->fcs = 0x1b;
    f->fds = 0x23;
    f->mxcsr = 0x1f80 | 0x6000; /* RC = toward zero */
    for (unsigned i = 0; i < 8; i++) {
        f->st[i].mant = 0x8000000000000000ull | i;
        f->st[i].sexp = (uint16_t)(0x3fff + i);
    }
    for (unsigned i = 0; i < 16; i++) {
        f->xmm[i][0] = 0x0101010101010101ull * i;
        f->xmm[i][1] = ~f->xmm[i][0];
    }
}

START_TEST(test_fxsave64_layout)
{
    struct xenv *e = xenv_new();
    xenv_long64(e, 0x1000);
    e->cpu.cr4 |= VMP_CR4_OSFXSR;
    fill_fpu(&e->cpu.fpu);
    memset(e->ram + 0x2000, 0xcc, 512);
    e->cpu.gpr[VMP_RAX] = 0x2000;
    /* fxsave64 [rax] = 48 0F AE 00 */
    ck_assert_int_eq(exec1(e, (uint8_t[]){0x48, 0x0f, 0xae, 0x00}, 4), VMP_X86_OK);
    ck_assert_uint_eq(xenv_get(e, 0x2000, 2), 0x037f);            /* FCW */
    ck_assert_uint_eq(xenv_get(e, 0x2002, 2), (5u << 11) | 0x21); /* FSW */
    ck_assert_uint_eq(xenv_get(e, 0x2004, 1), 0xe0);              /* abridged FTW */
    ck_assert_uint_eq(xenv_get(e, 0x2006, 2), 0x0123);            /* FOP */
    ck_assert_uint_eq(xenv_get(e, 0x2008, 8), 0x1122334455667788ull); /* 64-bit FIP */
    ck_assert_uint_eq(xenv_get(e, 0x2010, 8), 0x99aabbccddeeff00ull); /* 64-bit FDP */
    ck_assert_uint_eq(xenv_get(e, 0x2018, 4), 0x7f80);            /* MXCSR */
    ck_assert_uint_eq(xenv_get(e, 0x201c, 4), VMP_X86_MXCSR_MASK);
    /* ST(0) is physical R5 (TOP = 5), ST(3) is R0 */
    ck_assert_uint_eq(xenv_get(e, 0x2020, 8), 0x8000000000000005ull);
    ck_assert_uint_eq(xenv_get(e, 0x2028, 2), 0x3fff + 5);
    ck_assert_uint_eq(xenv_get(e, 0x2020 + 3 * 16, 8), 0x8000000000000000ull);
    /* XMM15 at 160 + 15 * 16 in 64-bit mode */
    ck_assert_uint_eq(xenv_get(e, 0x2000 + 160 + 15 * 16, 8), 0x0f0f0f0f0f0f0f0full);
    /* bytes 464..511 are software's: untouched */
    ck_assert_uint_eq(xenv_get(e, 0x2000 + 464, 8), 0xccccccccccccccccull);
    ck_assert_uint_eq(xenv_get(e, 0x2000 + 504, 8), 0xccccccccccccccccull);

    /* fxrstor64 [rax] into a clean FPU gives the state back */
    struct vmp_x86_fpu want = e->cpu.fpu;
    memset(&e->cpu.fpu, 0, sizeof e->cpu.fpu);
    e->cpu.rip = 0x1000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){0x48, 0x0f, 0xae, 0x08}, 4), VMP_X86_OK);
    want.fcs = want.fds = 0; /* the 64-bit format has no selectors */
    ck_assert_mem_eq(&e->cpu.fpu, &want, sizeof want);
    xenv_free(e);
}
END_TEST

START_TEST(test_fxsave32_layout)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    fill_fpu(&e->cpu.fpu);
    memset(e->ram + 0x2000, 0xcc, 512);
    e->cpu.gpr[VMP_RAX] = 0x2000;
    /* fxsave [eax] = 0F AE 00: 32-bit pointers with selectors */
    ck_assert_int_eq(exec1(e, (uint8_t[]){0x0f, 0xae, 0x00}, 3), VMP_X86_OK);
    ck_assert_uint_eq(xenv_get(e, 0x2008, 4), 0x55667788);
    ck_assert_uint_eq(xenv_get(e, 0x200c, 4), 0x1b);
    ck_assert_uint_eq(xenv_get(e, 0x2010, 4), 0xddeeff00);
    ck_assert_uint_eq(xenv_get(e, 0x2014, 4), 0x23);
    /* outside 64-bit mode XMM8-15 are not stored (Vol. 1 §10.5.1) */
    ck_assert_uint_eq(xenv_get(e, 0x2000 + 160 + 7 * 16, 8), 0x0707070707070707ull);
    ck_assert_uint_eq(xenv_get(e, 0x2000 + 160 + 8 * 16, 8), 0xccccccccccccccccull);
    /* and not loaded: XMM8 keeps its value through FXRSTOR */
    e->cpu.fpu.xmm[8][0] = 42;
    e->cpu.fpu.xmm[7][0] = 0;
    e->cpu.rip = 0x1000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){0x0f, 0xae, 0x08}, 3), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.fpu.xmm[8][0], 42);
    ck_assert_uint_eq(e->cpu.fpu.xmm[7][0], 0x0707070707070707ull);
    ck_assert_uint_eq(e->cpu.fpu.fcs, 0x1b);
    xenv_free(e);
}
END_TEST

START_TEST(test_fxrstor_rejects)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    fill_fpu(&e->cpu.fpu);
    struct vmp_x86_fpu before = e->cpu.fpu;
    memset(e->ram + 0x2000, 0, 512);
    uint32_t bad = 1u << 16; /* MXCSR bit 16 is reserved */
    memcpy(e->ram + 0x2018, &bad, 4);
    e->cpu.gpr[VMP_RAX] = 0x2000;
    /* FXRSTOR: reserved MXCSR bits #GP(0), nothing loaded */
    expect_exc(e, exec1(e, (uint8_t[]){0x0f, 0xae, 0x08}, 3), VMP_X86_GP);
    ck_assert_uint_eq(e->cpu.event.error_code, 0);
    ck_assert_mem_eq(&e->cpu.fpu, &before, sizeof before);
    /* 16-byte alignment: #GP(0) for both */
    e->cpu.gpr[VMP_RAX] = 0x2008;
    expect_exc(e, exec1(e, (uint8_t[]){0x0f, 0xae, 0x00}, 3), VMP_X86_GP);
    expect_exc(e, exec1(e, (uint8_t[]){0x0f, 0xae, 0x08}, 3), VMP_X86_GP);
    /* CR0.TS or CR0.EM: #NM (Vol. 2 FXSAVE "Protected Mode Exceptions") */
    e->cpu.gpr[VMP_RAX] = 0x2000;
    e->cpu.cr0 |= VMP_CR0_TS;
    expect_exc(e, exec1(e, (uint8_t[]){0x0f, 0xae, 0x00}, 3), VMP_X86_NM);
    e->cpu.cr0 ^= VMP_CR0_TS | VMP_CR0_EM;
    expect_exc(e, exec1(e, (uint8_t[]){0x0f, 0xae, 0x00}, 3), VMP_X86_NM);
    xenv_free(e);
}
END_TEST

/* FXRSTOR takes FCW with bit 6 as 1 and bits 7, 13-15 as 0, and sets
 * FSW.ES/B exactly when a flag is unmasked (the values are the host CPU's,
 * found by the differential test; SDM Vol. 1 §8.1.3, §8.1.5). */
START_TEST(test_fxrstor_fcw_fsw)
{
    struct vmp_x86_fpu f;
    uint8_t img[512];
    memset(&f, 0, sizeof f);
    memset(img, 0, sizeof img);
    img[0] = 0xe7, img[1] = 0xe7; /* FCW */
    img[2] = 0xe7, img[3] = 0xe7; /* FSW: PE ZE DE IE flags, all masked */
    ck_assert_int_eq(vmp_x86_fpu_from_fxsave(&f, img), 0);
    ck_assert_uint_eq(f.fcw, 0x0767);
    ck_assert_uint_eq(f.fsw, 0x6767);
    img[0] = 0x0a, img[1] = 0x02; /* FCW 020a: IM clear */
    img[2] = 0x01, img[3] = 0x00; /* FSW: IE */
    ck_assert_int_eq(vmp_x86_fpu_from_fxsave(&f, img), 0);
    ck_assert_uint_eq(f.fcw, 0x024a);
    ck_assert_uint_eq(f.fsw, 0x8081); /* ES and B */
    /* a reserved MXCSR bit: -EINVAL and nothing changes */
    struct vmp_x86_fpu before = f;
    img[24 + 2] = 1; /* MXCSR bit 16 */
    img[0] = 0x7f;
    ck_assert_int_eq(vmp_x86_fpu_from_fxsave(&f, img), -EINVAL);
    ck_assert_mem_eq(&f, &before, sizeof f);
}
END_TEST

/* The whole 512-byte image is checked, though only bytes 0..463 are
 * written or used (the CPU's behaviour, found by the differential test). */
START_TEST(test_fxsave_whole_image)
{
    struct xenv *e = xenv_new();
    xenv_long64(e, 0x1000);
    fill_fpu(&e->cpu.fpu);
    uint64_t ro = 0x3000 | 5; /* present, user, read-only (CR0.WP is set) */
    memcpy(e->ram + 0x303000 + 3 * 8, &ro, 8);
    memset(e->ram + 0x2e30, 0xcc, 464);
    e->cpu.gpr[VMP_RAX] = 0x3000 - 464; /* bytes 464..511 on the RO page */
    expect_exc(e, exec1(e, (uint8_t[]){0x48, 0x0f, 0xae, 0x00}, 4), VMP_X86_PF);
    ck_assert_uint_ne(e->cpu.event.error_code & VMP_PFEC_W, 0);
    ck_assert_uint_eq(xenv_get(e, 0x2e30, 8), 0xccccccccccccccccull); /* nothing written */
    /* FXRSTOR of an image whose last 48 bytes are not present: #PF */
    uint64_t np = 0;
    memcpy(e->ram + 0x303000 + 3 * 8, &np, 8);
    vmp_x86_flush_tlb(&e->cpu);
    struct vmp_x86_fpu before = e->cpu.fpu;
    e->cpu.rip = 0x1000;
    expect_exc(e, exec1(e, (uint8_t[]){0x48, 0x0f, 0xae, 0x08}, 4), VMP_X86_PF);
    ck_assert_mem_eq(&e->cpu.fpu, &before, sizeof before);
    xenv_free(e);
}
END_TEST

START_TEST(test_mxcsr)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0x1000);
    /* power-on MXCSR is 1F80h (Vol. 3 Table 9-1) */
    ck_assert_uint_eq(e->cpu.fpu.mxcsr, 0x1f80);
    ck_assert_uint_eq(e->cpu.fpu.fcw, 0x40);
    e->cpu.gpr[VMP_RAX] = 0x2000;
    /* CR4.OSFXSR clear: LDMXCSR/STMXCSR #UD (Vol. 3 §13.1.3) */
    expect_exc(e, exec1(e, (uint8_t[]){0x0f, 0xae, 0x18}, 3), VMP_X86_UD);
    e->cpu.cr4 |= VMP_CR4_OSFXSR;
    /* stmxcsr [eax] */
    ck_assert_int_eq(exec1(e, (uint8_t[]){0x0f, 0xae, 0x18}, 3), VMP_X86_OK);
    ck_assert_uint_eq(xenv_get(e, 0x2000, 4), 0x1f80);
    /* ldmxcsr [eax] with RC = 11b, FTZ, DAZ */
    uint32_t v = 0x1f80 | 0x6000 | 0x8000 | 0x40;
    memcpy(e->ram + 0x2000, &v, 4);
    e->cpu.rip = 0x1000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){0x0f, 0xae, 0x10}, 3), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.fpu.mxcsr, v);
    /* a reserved bit: #GP(0), MXCSR unchanged (Vol. 2 LDMXCSR) */
    v = 0x10000;
    memcpy(e->ram + 0x2000, &v, 4);
    e->cpu.rip = 0x1000;
    expect_exc(e, exec1(e, (uint8_t[]){0x0f, 0xae, 0x10}, 3), VMP_X86_GP);
    ck_assert_uint_eq(e->cpu.fpu.mxcsr, 0x1f80 | 0x6000 | 0x8000 | 0x40);
    /* CR0.EM: #UD for SSE; CR0.TS: #NM (Vol. 3 Table 2-2) */
    e->cpu.cr0 |= VMP_CR0_EM;
    expect_exc(e, exec1(e, (uint8_t[]){0x0f, 0xae, 0x10}, 3), VMP_X86_UD);
    e->cpu.cr0 ^= VMP_CR0_EM | VMP_CR0_TS;
    expect_exc(e, exec1(e, (uint8_t[]){0x0f, 0xae, 0x10}, 3), VMP_X86_NM);
    xenv_free(e);
}
END_TEST

START_TEST(test_clflush)
{
    struct xenv *e = xenv_new();
    xenv_long64(e, 0x1000);
    /* clflush [rax]: a mapped line is fine, an unmapped one #PF (it is
     * checked as a byte load, Vol. 2 CLFLUSH) */
    e->cpu.gpr[VMP_RAX] = 0x2040;
    ck_assert_int_eq(exec1(e, (uint8_t[]){0x0f, 0xae, 0x38}, 3), VMP_X86_OK);
    ck_assert_uint_eq(e->cpu.rip, 0x1003);
    e->cpu.gpr[VMP_RAX] = 0x40000000; /* beyond the 4 MiB identity map */
    expect_exc(e, exec1(e, (uint8_t[]){0x0f, 0xae, 0x38}, 3), VMP_X86_PF);
    ck_assert_uint_eq(e->cpu.cr2, 0x40000000);
    ck_assert_uint_eq(e->cpu.event.error_code & VMP_PFEC_W, 0);
    xenv_free(e);
}
END_TEST

#if defined(__x86_64__)
/* The host CPU as the reference for the 64-bit image: load the same image
 * with FXRSTOR64 natively and in the emulator, store it back with both and
 * compare every byte the format defines (0..415), except FOP/FIP/FDP
 * (bytes 6..23: some CPUs store them only while an exception is pending). */
START_TEST(test_fxsave_native)
{
    struct xenv *e = xenv_new();
    xenv_long64(e, 0x1000);
    _Alignas(16) uint8_t host_old[512], img[512], host_out[512];
    memset(img, 0, sizeof img);
    memset(host_out, 0, sizeof host_out);
    struct vmp_x86_fpu f;
    fill_fpu(&f);
    e->cpu.fpu = f;
    e->cpu.gpr[VMP_RAX] = 0x2000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){0x48, 0x0f, 0xae, 0x00}, 4), VMP_X86_OK);
    memcpy(img, e->ram + 0x2000, 512);
    __asm__ volatile("fxsave64 %0" : "=m"(host_old));
    __asm__ volatile("fxrstor64 %0" : : "m"(img));
    __asm__ volatile("fxsave64 %0" : "=m"(host_out));
    __asm__ volatile("fxrstor64 %0" : : "m"(host_old));
    memset(&e->cpu.fpu, 0, sizeof e->cpu.fpu);
    e->cpu.rip = 0x1000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){0x48, 0x0f, 0xae, 0x08}, 4), VMP_X86_OK);
    e->cpu.rip = 0x1000;
    e->cpu.gpr[VMP_RAX] = 0x3000;
    ck_assert_int_eq(exec1(e, (uint8_t[]){0x48, 0x0f, 0xae, 0x00}, 4), VMP_X86_OK);
    const uint8_t *emu = e->ram + 0x3000;
    ck_assert_mem_eq(emu, host_out, 6);
    /* MXCSR, then MXCSR_MASK only if the host supports DAZ like us */
    ck_assert_mem_eq(emu + 24, host_out + 24, 4);
    uint32_t host_mask;
    memcpy(&host_mask, host_out + 28, 4);
    if (host_mask == VMP_X86_MXCSR_MASK)
        ck_assert_mem_eq(emu + 28, host_out + 28, 4);
    ck_assert_mem_eq(emu + 32, host_out + 32, 416 - 32);
    xenv_free(e);
}
END_TEST
#endif

START_TEST(test_uses_fpu)
{
    struct vmp_x86_insn in;
    /* what a hardware-assisted VMM must sync the FPU for */
    ck_assert_int_gt(vmp_x86_decode_bytes(&in, 64, (uint8_t[]){0x0f, 0x28, 0xc1}, 3), 0);
    ck_assert(vmp_x86_insn_uses_fpu(&in)); /* movaps */
    ck_assert_int_gt(vmp_x86_decode_bytes(&in, 64, (uint8_t[]){0xd9, 0xe8}, 2), 0);
    ck_assert(vmp_x86_insn_uses_fpu(&in)); /* fld1 */
    ck_assert_int_gt(vmp_x86_decode_bytes(&in, 64, (uint8_t[]){0x0f, 0xae, 0x00}, 3), 0);
    ck_assert(vmp_x86_insn_uses_fpu(&in)); /* fxsave */
    ck_assert_int_gt(vmp_x86_decode_bytes(&in, 64, (uint8_t[]){0x0f, 0xae, 0x38}, 3), 0);
    ck_assert(!vmp_x86_insn_uses_fpu(&in)); /* clflush */
    ck_assert_int_gt(vmp_x86_decode_bytes(&in, 64, (uint8_t[]){0x89, 0x07}, 2), 0);
    ck_assert(!vmp_x86_insn_uses_fpu(&in)); /* mov */
}
END_TEST

Suite *fxstate_suite(void)
{
    Suite *s = suite_create("fxstate");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_fxsave64_layout);
    tcase_add_test(tc, test_fxsave32_layout);
    tcase_add_test(tc, test_fxrstor_rejects);
    tcase_add_test(tc, test_mxcsr);
    tcase_add_test(tc, test_fxrstor_fcw_fsw);
    tcase_add_test(tc, test_fxsave_whole_image);
    tcase_add_test(tc, test_clflush);
    tcase_add_test(tc, test_uses_fpu);
#if defined(__x86_64__)
    tcase_add_test(tc, test_fxsave_native);
#endif
    suite_add_tcase(s, tc);
    return s;
}

/* Segmentation and paging tests (SDM Vol. 3 chapters 4 and 5). */
#include "helpers.h"
#include "x86_env.h"
#include "emulator/x86_internal.h"

static struct x86_ctx ctx_of(struct xenv *e)
{
    struct x86_ctx c = { .cpu = &e->cpu, .ops = &xenv_ops, .opaque = e,
                         .mode = x86_cpu_mode(&e->cpu) };
    return c;
}

/* SDM Vol. 3 §5.3: the limit is checked on the last byte of the access;
 * SS faults are #SS, others #GP, error code 0. Real mode uses the cached
 * limit the same way. */
START_TEST(test_real_mode_limit_last_byte)
{
    struct xenv *e = xenv_new();
    xenv_real(e, 0);
    struct x86_ctx c = ctx_of(e);
    uint64_t la;
    e->cpu.seg[VMP_DS].base = 0x1000;
    ck_assert_int_eq(x86_seg_linear(&c, VMP_DS, 0xffff, 1, 0, &la), 0);
    ck_assert_uint_eq(la, 0x10fff);
    ck_assert_int_eq(x86_seg_linear(&c, VMP_DS, 0xffff, 2, 0, &la), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_GP);
    ck_assert_int_eq(e->cpu.event.error_code, 0);
    ck_assert_int_eq(x86_seg_linear(&c, VMP_SS, 0xfffe, 4, 0, &la), VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_SS);
    /* "unreal" mode: a 4 GiB cached limit is honoured in real mode */
    e->cpu.seg[VMP_DS].limit = 0xffffffff;
    ck_assert_int_eq(x86_seg_linear(&c, VMP_DS, 0x100000, 4, 0, &la), 0);
    ck_assert_uint_eq(la, 0x101000);
    xenv_free(e);
}
END_TEST

START_TEST(test_prot_types_and_expand_down)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0);
    struct x86_ctx c = ctx_of(e);
    uint64_t la;
    /* expand-down, 16-bit (B=0), limit 0xfff: valid offsets 0x1000..0xffff
     * (SDM Vol. 3 §3.4.5.1) */
    xenv_seg(&e->cpu.seg[VMP_ES], 0x18, 0x20000, 0xfff, 0x7, 0, 0, 0);
    ck_assert_int_eq(x86_seg_linear(&c, VMP_ES, 0xfff, 1, 0, &la), VMP_X86_EXCEPTION);
    ck_assert_int_eq(x86_seg_linear(&c, VMP_ES, 0x1000, 4, 0, &la), 0);
    ck_assert_uint_eq(la, 0x21000);
    ck_assert_int_eq(x86_seg_linear(&c, VMP_ES, 0xffff, 1, 0, &la), 0);
    ck_assert_int_eq(x86_seg_linear(&c, VMP_ES, 0xfffe, 4, 0, &la), VMP_X86_EXCEPTION);
    /* read-only data: writes #GP(0) */
    xenv_seg(&e->cpu.seg[VMP_FS], 0x20, 0, 0xffff, 0x1, 0, 1, 0);
    ck_assert_int_eq(x86_seg_linear(&c, VMP_FS, 0, 1, VMP_X86_ACC_READ, &la), 0);
    ck_assert_int_eq(x86_seg_linear(&c, VMP_FS, 0, 1, VMP_X86_ACC_WRITE, &la),
                     VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_GP);
    /* execute-only code: data reads #GP, fetch fine */
    xenv_seg(&e->cpu.seg[VMP_GS], 0x28, 0, 0xffff, 0x9, 0, 1, 0);
    ck_assert_int_eq(x86_seg_linear(&c, VMP_GS, 0, 1, VMP_X86_ACC_READ, &la),
                     VMP_X86_EXCEPTION);
    ck_assert_int_eq(x86_seg_linear(&c, VMP_GS, 0, 1, VMP_X86_ACC_FETCH, &la), 0);
    /* null selector loaded: any access #GP(0) */
    e->cpu.seg[VMP_GS].unusable = 1;
    ck_assert_int_eq(x86_seg_linear(&c, VMP_GS, 0, 1, VMP_X86_ACC_FETCH, &la),
                     VMP_X86_EXCEPTION);
    /* flat 4 GiB: the last dword is fine, one byte further faults */
    ck_assert_int_eq(x86_seg_linear(&c, VMP_DS, 0xfffffffc, 4, 0, &la), 0);
    ck_assert_int_eq(x86_seg_linear(&c, VMP_DS, 0xfffffffd, 4, 0, &la), VMP_X86_EXCEPTION);
    xenv_free(e);
}
END_TEST

START_TEST(test_long_mode_canonical)
{
    struct xenv *e = xenv_new();
    xenv_long64(e, 0);
    struct x86_ctx c = ctx_of(e);
    uint64_t la;
    ck_assert_int_eq(c.mode, 64);
    ck_assert_int_eq(x86_seg_linear(&c, VMP_DS, 0x00007ffffffffff8ull, 8, 0, &la), 0);
    ck_assert_int_eq(x86_seg_linear(&c, VMP_DS, 0x00007ffffffffffcull, 8, 0, &la),
                     VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_GP);
    ck_assert_int_eq(x86_seg_linear(&c, VMP_SS, 0x0000800000000000ull, 1, 0, &la),
                     VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_SS);
    /* DS base is ignored, FS base applies */
    e->cpu.seg[VMP_DS].base = 0x5000;
    e->cpu.seg[VMP_FS].base = 0x7000;
    ck_assert_int_eq(x86_seg_linear(&c, VMP_DS, 0x10, 1, 0, &la), 0);
    ck_assert_uint_eq(la, 0x10);
    ck_assert_int_eq(x86_seg_linear(&c, VMP_FS, 0x10, 1, 0, &la), 0);
    ck_assert_uint_eq(la, 0x7010);
    /* LA57 widens the canonical range */
    e->cpu.cr4 |= VMP_CR4_LA57;
    ck_assert_int_eq(x86_seg_linear(&c, VMP_DS, 0x0000800000000000ull, 1, 0, &la), 0);
    xenv_free(e);
}
END_TEST

static uint64_t pte_at(const struct xenv *e, uint64_t la)
{
    (void)e;
    return 0x303000 + (la >> 12) * 8;
}

/* SDM Vol. 3 §4.6, §4.7, §4.8: permissions, error codes, A/D bits. */
START_TEST(test_paging_4level)
{
    struct xenv *e = xenv_new();
    xenv_long64(e, 0);
    uint64_t gpa, la = 0x12345;
    uint64_t v;
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, la, VMP_X86_ACC_READ, &gpa), 0);
    ck_assert_uint_eq(gpa, la);
    /* accessed bits on every level, dirty only after a write */
    ck_assert(xenv_get(e, 0x300000, 8) & 0x20);
    ck_assert(xenv_get(e, pte_at(e, la), 8) & 0x20);
    ck_assert(!(xenv_get(e, pte_at(e, la), 8) & 0x40));
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, la, VMP_X86_ACC_WRITE, &gpa), 0);
    ck_assert(xenv_get(e, pte_at(e, la), 8) & 0x40);
    ck_assert(!(xenv_get(e, 0x302000, 8) & 0x40)); /* no D on a PDE */

    /* not present: error code 0 (supervisor read), CR2 = address */
    v = 0; xenv_put(e, pte_at(e, 0x20000), &v, 8);
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x20010, VMP_X86_ACC_READ, &gpa),
                     VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.vector, VMP_X86_PF);
    ck_assert_int_eq(e->cpu.event.error_code, 0);
    ck_assert_uint_eq(e->cpu.cr2, 0x20010);
    /* user write to a read-only page: P|W|U = 7 */
    v = 0x21000 | 5; xenv_put(e, pte_at(e, 0x21000), &v, 8);
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x21000,
                                       VMP_X86_ACC_WRITE | VMP_X86_ACC_USER, &gpa),
                     VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.error_code, 7);
    /* supervisor write to it: faults with CR0.WP (err 3), allowed without */
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x21000, VMP_X86_ACC_WRITE, &gpa),
                     VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.error_code, 3);
    e->cpu.cr0 &= ~(uint64_t)VMP_CR0_WP;
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x21000, VMP_X86_ACC_WRITE, &gpa), 0);
    e->cpu.cr0 |= VMP_CR0_WP;
    /* user access to a supervisor page: P|U = 5 */
    v = 0x22000 | 3; xenv_put(e, pte_at(e, 0x22000), &v, 8);
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x22000,
                                       VMP_X86_ACC_READ | VMP_X86_ACC_USER, &gpa),
                     VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.error_code, 5);
    /* NX fetch: P|I = 0x11 */
    v = 0x23000 | 7 | (1ull << 63); xenv_put(e, pte_at(e, 0x23000), &v, 8);
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x23000, VMP_X86_ACC_FETCH, &gpa),
                     VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.error_code, 0x11);
    /* ... without EFER.NXE bit 63 is reserved: P|RSVD = 9 */
    e->cpu.efer &= ~(uint64_t)VMP_EFER_NXE;
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x23000, VMP_X86_ACC_READ, &gpa),
                     VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.error_code, 9);
    e->cpu.efer |= VMP_EFER_NXE;
    /* reserved physical-address bit 50 */
    v = 0x24000 | 7 | (1ull << 50); xenv_put(e, pte_at(e, 0x24000), &v, 8);
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x24000, VMP_X86_ACC_WRITE, &gpa),
                     VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.error_code, 0xb);
    /* SMEP: supervisor fetch from a user page, P|I */
    e->cpu.cr4 |= VMP_CR4_SMEP;
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x25000, VMP_X86_ACC_FETCH, &gpa),
                     VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.error_code, 0x11);
    e->cpu.cr4 &= ~(uint64_t)VMP_CR4_SMEP;
    /* SMAP: supervisor read of a user page faults unless RFLAGS.AC; an
     * implicit (system) access faults even with AC */
    e->cpu.cr4 |= VMP_CR4_SMAP;
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x25000, VMP_X86_ACC_READ, &gpa),
                     VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.error_code, 1);
    e->cpu.rflags |= VMP_FLAG_AC;
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x25000, VMP_X86_ACC_READ, &gpa), 0);
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x25000,
                                       VMP_X86_ACC_READ | VMP_X86_ACC_SYSTEM, &gpa),
                     VMP_X86_EXCEPTION);
    /* a 2 MiB page in the PD */
    v = 0x200000 | 0x87; xenv_put(e, 0x302000 + 8, &v, 8);
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x212345, VMP_X86_ACC_READ, &gpa), 0);
    ck_assert_uint_eq(gpa, 0x212345);
    /* a 2 MiB PDE with bit 13 set is reserved */
    v = 0x200000 | 0x87 | 0x2000; xenv_put(e, 0x302000 + 8, &v, 8);
    /* the old translation is cached like in a hardware TLB until flushed */
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x212345, VMP_X86_ACC_READ, &gpa), 0);
    vmp_x86_flush_tlb(&e->cpu);
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x212345, VMP_X86_ACC_READ, &gpa),
                     VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.error_code, 9);
    xenv_free(e);
}
END_TEST

START_TEST(test_paging_32bit_pae_5level)
{
    struct xenv *e = xenv_new();
    xenv_prot32(e, 0);
    uint64_t gpa;
    uint32_t v32;
    /* 32-bit paging: PD at 0x100000; 4 MiB page at 0x00400000 -> 0x0 with
     * PSE; a 4 KiB mapping 0x1000 -> 0x5000 through a PT at 0x101000 */
    e->cpu.cr3 = 0x100000;
    e->cpu.cr0 |= VMP_CR0_PG;
    v32 = 0x101000 | 3; xenv_put(e, 0x100000, &v32, 4);
    v32 = 0x5000 | 3; xenv_put(e, 0x101000 + 4, &v32, 4);
    v32 = 0x00000000 | 0x83; xenv_put(e, 0x100000 + 4, &v32, 4);
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x1abc, VMP_X86_ACC_READ, &gpa), 0);
    ck_assert_uint_eq(gpa, 0x5abc);
    /* without CR4.PSE the PS bit is ignored: PDE 1 points to a "table" at 0 */
    e->cpu.cr4 |= VMP_CR4_PSE;
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x412345, VMP_X86_ACC_READ, &gpa), 0);
    ck_assert_uint_eq(gpa, 0x12345);
    ck_assert(xenv_get(e, 0x100004, 4) & 0x20);

    /* PAE: PDPT at 0x110000, PD at 0x111000 with a 2 MiB page */
    e->cpu.cr4 = VMP_CR4_PAE;
    e->cpu.cr3 = 0x110000;
    uint64_t v = 0x111000 | 1; xenv_put(e, 0x110000 + 8, &v, 8); /* 1-2 GiB */
    v = 0x200000 | 0x83; xenv_put(e, 0x111000, &v, 8);
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x40001234, VMP_X86_ACC_READ, &gpa), 0);
    ck_assert_uint_eq(gpa, 0x201234);
    /* PDPTE reserved bit 1 */
    v = 0x111000 | 3; xenv_put(e, 0x110000 + 8, &v, 8);
    vmp_x86_flush_tlb(&e->cpu); /* PDPTEs are cached until CR3 is loaded */
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x40001234, VMP_X86_ACC_READ, &gpa),
                     VMP_X86_EXCEPTION);
    ck_assert_int_eq(e->cpu.event.error_code, 9);

    /* 5-level: PML5 at 0x120000 -> the 4-level tables of xenv_long64 */
    xenv_long64(e, 0);
    e->cpu.cr4 |= VMP_CR4_LA57;
    e->cpu.cr3 = 0x120000;
    v = 0x300000 | 7; xenv_put(e, 0x120000 + 8 * 1, &v, 8); /* la bit 48 = 1 */
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, (1ull << 48) | 0x3456,
                                       VMP_X86_ACC_READ, &gpa), 0);
    ck_assert_uint_eq(gpa, 0x3456);
    ck_assert_int_eq(vmp_x86_translate(&e->cpu, &xenv_ops, e, 0x3456, VMP_X86_ACC_READ, &gpa),
                     VMP_X86_EXCEPTION);
    xenv_free(e);
}
END_TEST

/* A write crossing a page boundary where the second page faults writes
 * nothing (both pages are translated before the first byte is stored). */
START_TEST(test_cross_page_write_atomic)
{
    struct xenv *e = xenv_new();
    xenv_long64(e, 0);
    struct x86_ctx c = ctx_of(e);
    uint64_t v = 0x31000 | 5; /* read-only */
    xenv_put(e, pte_at(e, 0x31000), &v, 8);
    uint32_t data = 0xdeadbeef;
    ck_assert_int_eq(x86_write_mem(&c, VMP_DS, 0x30ffe, &data, 4), VMP_X86_EXCEPTION);
    ck_assert_uint_eq(e->cpu.cr2, 0x31000);
    ck_assert_uint_eq(xenv_get(e, 0x30ffe, 2), 0);
    xenv_free(e);
}
END_TEST

Suite *x86mmu_suite(void)
{
    Suite *s = suite_create("x86mmu");
    TCase *tc = tcase_create("mmu");
    tcase_add_test(tc, test_real_mode_limit_last_byte);
    tcase_add_test(tc, test_prot_types_and_expand_down);
    tcase_add_test(tc, test_long_mode_canonical);
    tcase_add_test(tc, test_paging_4level);
    tcase_add_test(tc, test_paging_32bit_pae_5level);
    tcase_add_test(tc, test_cross_page_write_atomic);
    suite_add_tcase(s, tc);
    return s;
}

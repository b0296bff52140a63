/* Guest memory: every byte of an access must be backed (mem.h). */
#include <string.h>

#include "helpers.h"

static uint8_t ram0[0x1000], ram1[0x1000], rom[0x100];

static struct vmp_mem *setup(void)
{
    struct vmp_mem *m = vmp_mem_create();
    memset(ram0, 0xA0, sizeof ram0);
    memset(ram1, 0xB0, sizeof ram1);
    memset(rom, 0xC0, sizeof rom);
    ck_assert_int_eq(vmp_mem_add(m, 0x0, sizeof ram0, ram0, 0), 0);
    ck_assert_int_eq(vmp_mem_add(m, 0x1000, sizeof ram1, ram1, 0), 0); /* adjacent */
    ck_assert_int_eq(vmp_mem_add(m, 0xF0000, sizeof rom, rom, VMP_MEM_READONLY), 0);
    return m;
}

START_TEST(read_write_and_span)
{
    struct vmp_mem *m = setup();
    uint8_t buf[16];
    /* A read spanning the two adjacent regions sees both. */
    ck_assert_int_eq(vmp_mem_read(m, 0xFF8, buf, 16), 0);
    ck_assert_uint_eq(buf[7], 0xA0);
    ck_assert_uint_eq(buf[8], 0xB0);
    memset(buf, 0x55, sizeof buf);
    ck_assert_int_eq(vmp_mem_write(m, 0xFFC, buf, 8), 0);
    ck_assert_uint_eq(ram0[0xFFF], 0x55);
    ck_assert_uint_eq(ram1[3], 0x55);
    ck_assert_uint_eq(ram1[4], 0xB0);
    ck_assert_int_eq(vmp_mem_read(m, 0x1234, buf, 0), 0); /* len 0 */
    ck_assert_uint_eq(vmp_mem_region_count(m), 3);
    vmp_mem_destroy(m);
}
END_TEST

START_TEST(bounds)
{
    struct vmp_mem *m = setup();
    uint8_t buf[32];
    memset(buf, 0x77, sizeof buf);
    /* Running off the end of RAM into the hole: refused, nothing copied. */
    ck_assert_int_eq(vmp_mem_write(m, 0x1FF8, buf, 16), -EFAULT);
    ck_assert_uint_eq(ram1[0xFF8], 0xB0);
    ck_assert_int_eq(vmp_mem_read(m, 0x2000, buf, 1), -EFAULT);
    /* The last byte of RAM is fine; one more is not. */
    ck_assert_int_eq(vmp_mem_read(m, 0x1FFF, buf, 1), 0);
    ck_assert_int_eq(vmp_mem_read(m, 0x1FFF, buf, 2), -EFAULT);
    /* Wrap-around of 2^64: gpa + len overflows. */
    ck_assert_int_eq(vmp_mem_read(m, UINT64_MAX, buf, 2), -EFAULT);
    ck_assert_int_eq(vmp_mem_read(m, UINT64_MAX - 7, buf, 32), -EFAULT);
    ck_assert_ptr_null(vmp_mem_ptr(m, UINT64_MAX, 2));
    ck_assert(!vmp_mem_is_backed(m, UINT64_MAX - 1, 4));
    /* ROM: readable, writes refused and ROM unchanged. */
    ck_assert_int_eq(vmp_mem_read(m, 0xF0000, buf, 4), 0);
    ck_assert_uint_eq(buf[0], 0xC0);
    ck_assert_int_eq(vmp_mem_write(m, 0xF0000, "x", 1), -EFAULT);
    ck_assert_uint_eq(rom[0], 0xC0);
    /* Host pointers only for ranges inside one region. */
    ck_assert_ptr_eq(vmp_mem_ptr(m, 0x1004, 4), ram1 + 4);
    ck_assert_ptr_null(vmp_mem_ptr(m, 0xFFE, 4));
    vmp_mem_destroy(m);
}
END_TEST

START_TEST(add_remove_errors)
{
    struct vmp_mem *m = setup();
    static uint8_t x[0x100];
    ck_assert_int_eq(vmp_mem_add(m, 0x800, 0x1000, x, 0), -EEXIST);
    ck_assert_int_eq(vmp_mem_add(m, 0xEFFFF, 2, x, 0), -EEXIST);
    ck_assert_int_eq(vmp_mem_add(m, 0x5000, 0, x, 0), -EINVAL);
    ck_assert_int_eq(vmp_mem_add(m, 0x5000, 1, NULL, 0), -EINVAL);
    ck_assert_int_eq(vmp_mem_add(m, UINT64_MAX - 0xF, 0x20, x, 0), -ERANGE);
    ck_assert_int_eq(vmp_mem_add(m, UINT64_MAX - 0xFF, 0x100, x, 0), 0);
    ck_assert_int_eq(vmp_mem_read(m, UINT64_MAX, x, 1), 0);
    ck_assert_int_eq(vmp_mem_remove(m, 0x1000), 0);
    ck_assert_int_eq(vmp_mem_remove(m, 0x1000), -ENOENT);
    uint8_t b;
    ck_assert_int_eq(vmp_mem_read(m, 0x1000, &b, 1), -EFAULT);
    struct vmp_mem_region r;
    ck_assert_int_eq(vmp_mem_region_get(m, 1, &r), 0);
    ck_assert_uint_eq(r.gpa, 0xF0000);
    ck_assert_uint_eq(r.flags, VMP_MEM_READONLY);
    ck_assert_int_eq(vmp_mem_region_get(m, 3, &r), -ENOENT);
    vmp_mem_destroy(m);
}
END_TEST

Suite *mem_suite(void)
{
    Suite *s = suite_create("mem");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, read_write_and_span);
    tcase_add_test(tc, bounds);
    tcase_add_test(tc, add_remove_errors);
    suite_add_tcase(s, tc);
    return s;
}

/* E820 map builder (ACPI 6.4 section 15, "System Address Map Interfaces":
 * ranges of types 1-5; the OS expects them sorted and non-overlapping). */
#include "helpers.h"
#include <vmparts/acpi.h>

static struct vmp_e820_entry map[32];

static void want(int n, size_t i, uint64_t addr, uint64_t size, uint32_t type)
{
    ck_assert_int_gt(n, (int)i);
    ck_assert_msg(map[i].addr == addr && map[i].size == size && map[i].type == type,
                  "entry %zu: %#llx+%#llx type %u, want %#llx+%#llx type %u", i,
                  (unsigned long long)map[i].addr, (unsigned long long)map[i].size,
                  map[i].type, (unsigned long long)addr, (unsigned long long)size, type);
}

/* A PC map: RAM below 640 KiB, the EBDA and BIOS area reserved, RAM up to
 * the 3 GiB hole and above 4 GiB, ACPI tables carved out of RAM. */
START_TEST(pc_layout_with_holes_and_high_ram)
{
    struct vmp_e820_builder b;
    vmp_e820_init(&b);
    ck_assert_int_eq(vmp_e820_add_ram(&b, 6ull << 30, 3ull << 30), 0);
    /* Reserved ranges over RAM win, whatever order they come in. */
    ck_assert_int_eq(vmp_e820_add(&b, 0x9FC00, 0x400, VMP_E820_RESERVED), 0);
    ck_assert_int_eq(vmp_e820_add(&b, 0xA0000, 0x60000, VMP_E820_RESERVED), 0);
    ck_assert_int_eq(vmp_e820_add(&b, 0xBFFF0000ull, 0x10000, VMP_E820_ACPI), 0);
    ck_assert_int_eq(vmp_e820_add(&b, 0xBFFEF000ull, 0x1000, VMP_E820_NVS), 0);
    ck_assert_int_eq(vmp_e820_add(&b, 0xFFFC0000ull, 0x40000, VMP_E820_RESERVED), 0);
    int n = vmp_e820_finish(&b, map, 32);
    ck_assert_int_eq(n, 7);
    want(n, 0, 0, 0x9FC00, VMP_E820_RAM);
    want(n, 1, 0x9FC00, 0x60400, VMP_E820_RESERVED); /* merged with 0xA0000 */
    want(n, 2, 0x100000, 0xBFFEF000ull - 0x100000, VMP_E820_RAM);
    want(n, 3, 0xBFFEF000ull, 0x1000, VMP_E820_NVS);
    want(n, 4, 0xBFFF0000ull, 0x10000, VMP_E820_ACPI);
    /* The hole 0xC0000000-0xFFFC0000 is absent. */
    want(n, 5, 0xFFFC0000ull, 0x40000, VMP_E820_RESERVED);
    want(n, 6, 0x100000000ull, 3ull << 30, VMP_E820_RAM);
}
END_TEST

START_TEST(overlap_order_independent)
{
    /* Same ranges in two orders give the same map. */
    struct vmp_e820_builder a, b;
    vmp_e820_init(&a);
    vmp_e820_init(&b);
    ck_assert_int_eq(vmp_e820_add(&a, 0x1000, 0x9000, VMP_E820_RAM), 0);
    ck_assert_int_eq(vmp_e820_add(&a, 0x3000, 0x2000, VMP_E820_RESERVED), 0);
    ck_assert_int_eq(vmp_e820_add(&a, 0x4000, 0x4000, VMP_E820_ACPI), 0);
    ck_assert_int_eq(vmp_e820_add(&b, 0x4000, 0x4000, VMP_E820_ACPI), 0);
    ck_assert_int_eq(vmp_e820_add(&b, 0x3000, 0x2000, VMP_E820_RESERVED), 0);
    ck_assert_int_eq(vmp_e820_add(&b, 0x1000, 0x9000, VMP_E820_RAM), 0);
    struct vmp_e820_entry m2[8];
    int n = vmp_e820_finish(&a, map, 32);
    ck_assert_int_eq(vmp_e820_finish(&b, m2, 8), n);
    ck_assert_int_eq(n, 4);
    for (int i = 0; i < n; i++)
        ck_assert(map[i].addr == m2[i].addr && map[i].size == m2[i].size &&
                  map[i].type == m2[i].type);
    want(n, 0, 0x1000, 0x2000, VMP_E820_RAM);
    want(n, 1, 0x3000, 0x2000, VMP_E820_RESERVED); /* reserved beats ACPI at 0x4000 */
    want(n, 2, 0x5000, 0x3000, VMP_E820_ACPI);
    want(n, 3, 0x8000, 0x2000, VMP_E820_RAM);
}
END_TEST

START_TEST(merge_and_contained)
{
    struct vmp_e820_builder b;
    vmp_e820_init(&b);
    /* Adjacent and duplicate RAM merges into one entry; a range inside
     * another of a weaker type splits it in three. */
    ck_assert_int_eq(vmp_e820_add(&b, 0x0, 0x1000, VMP_E820_RAM), 0);
    ck_assert_int_eq(vmp_e820_add(&b, 0x1000, 0x1000, VMP_E820_RAM), 0);
    ck_assert_int_eq(vmp_e820_add(&b, 0x0, 0x2000, VMP_E820_RAM), 0);
    ck_assert_int_eq(vmp_e820_add(&b, 0x800, 0x100, VMP_E820_UNUSABLE), 0);
    ck_assert_int_eq(vmp_e820_add(&b, 0x800, 0x100, VMP_E820_RAM), 0);
    int n = vmp_e820_finish(&b, map, 32);
    ck_assert_int_eq(n, 3);
    want(n, 0, 0, 0x800, VMP_E820_RAM);
    want(n, 1, 0x800, 0x100, VMP_E820_UNUSABLE);
    want(n, 2, 0x900, 0x1700, VMP_E820_RAM);
    /* The output buffer is bounds-checked. */
    ck_assert_int_eq(vmp_e820_finish(&b, map, 2), -ENOSPC);
    ck_assert_int_eq(vmp_e820_finish(&b, NULL, 0), -ENOSPC);
}
END_TEST

START_TEST(high_ram_and_limits)
{
    struct vmp_e820_builder b;
    vmp_e820_init(&b);
    /* All RAM fits below the hole: no entry above 4 GiB. */
    ck_assert_int_eq(vmp_e820_add_ram(&b, 1ull << 30, 3ull << 30), 0);
    int n = vmp_e820_finish(&b, map, 32);
    ck_assert_int_eq(n, 1);
    want(n, 0, 0, 1ull << 30, VMP_E820_RAM);
    /* Exactly at the hole, then one byte more goes above 4 GiB. */
    vmp_e820_init(&b);
    ck_assert_int_eq(vmp_e820_add_ram(&b, (3ull << 30) + 1, 3ull << 30), 0);
    n = vmp_e820_finish(&b, map, 32);
    ck_assert_int_eq(n, 2);
    want(n, 1, 1ull << 32, 1, VMP_E820_RAM);
    /* Ranges ending at or past 2^64 are refused; the last byte below is not. */
    ck_assert_int_eq(vmp_e820_add(&b, UINT64_MAX, 1, VMP_E820_RAM), -ERANGE);
    ck_assert_int_eq(vmp_e820_add(&b, 1ull << 63, 1ull << 63, VMP_E820_RAM), -ERANGE);
    ck_assert_int_eq(vmp_e820_add(&b, UINT64_MAX - 1, 1, VMP_E820_RESERVED), 0);
    ck_assert_int_eq(vmp_e820_add(&b, 0, 0, VMP_E820_RAM), -EINVAL);
    ck_assert_int_eq(vmp_e820_add(&b, 0, 1, 6), -EINVAL);
    ck_assert_int_eq(vmp_e820_add_ram(&b, 1, (1ull << 32) + 1), -EINVAL);
    n = vmp_e820_finish(&b, map, 32);
    ck_assert_int_eq(n, 3);
    want(n, 2, UINT64_MAX - 1, 1, VMP_E820_RESERVED);
    /* The builder holds VMP_E820_BUILDER_MAX ranges. */
    vmp_e820_init(&b);
    for (unsigned i = 0; i < VMP_E820_BUILDER_MAX; i++)
        ck_assert_int_eq(vmp_e820_add(&b, 0x2000ull * i, 0x1000, VMP_E820_RAM), 0);
    ck_assert_int_eq(vmp_e820_add(&b, 1ull << 40, 0x1000, VMP_E820_RAM), -ENOSPC);
    ck_assert_int_eq(vmp_e820_finish(&b, map, 32), -ENOSPC);
}
END_TEST

Suite *e820_suite(void)
{
    Suite *s = suite_create("e820");
    TCase *tc = tcase_create("build");
    tcase_add_test(tc, pc_layout_with_holes_and_high_ram);
    tcase_add_test(tc, overlap_order_independent);
    tcase_add_test(tc, merge_and_contained);
    tcase_add_test(tc, high_ram_and_limits);
    suite_add_tcase(s, tc);
    return s;
}

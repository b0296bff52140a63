/* Address spaces: the bus contract in api/vmparts/bus.h and DESIGN.md
 * ("The bus splits accesses that straddle regions and answers unmapped
 * reads with all ones"). */
#include <string.h>

#include "helpers.h"

/* A device that records its last access and answers reads with a pattern
 * derived from the offset, so splits are visible in the result. */
struct rec {
    unsigned reads, writes;
    uint64_t last_off, last_val;
    unsigned last_size;
    uint8_t bytes[64];
};

static uint64_t rec_read(void *dev, uint64_t off, unsigned size)
{
    struct rec *r = dev;
    uint64_t v = 0;
    r->reads++;
    r->last_off = off;
    r->last_size = size;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)r->bytes[(off + i) % sizeof r->bytes] << (8 * i);
    return v;
}

static void rec_write(void *dev, uint64_t off, uint64_t val, unsigned size)
{
    struct rec *r = dev;
    r->writes++;
    r->last_off = off;
    r->last_val = val;
    r->last_size = size;
    for (unsigned i = 0; i < size; i++)
        r->bytes[(off + i) % sizeof r->bytes] = (uint8_t)(val >> (8 * i));
}

static const struct vmp_io_ops rec_ops = { rec_read, rec_write, 8 };
static const struct vmp_io_ops rec_ops_byte = { rec_read, rec_write, 1 };

static void rec_init(struct rec *r, uint8_t seed)
{
    memset(r, 0, sizeof *r);
    for (unsigned i = 0; i < sizeof r->bytes; i++)
        r->bytes[i] = (uint8_t)(seed + i);
}

START_TEST(overlap_rejected)
{
    struct vmp_space *s = vmp_space_create("pio", 0xFFFF);
    struct rec a;
    ck_assert_int_eq(vmp_space_map(s, 0x3F8, 8, &rec_ops, &a), 0);
    /* Same start, inside, straddling either end: all overlap. */
    ck_assert_int_eq(vmp_space_map(s, 0x3F8, 1, &rec_ops, &a), -EEXIST);
    ck_assert_int_eq(vmp_space_map(s, 0x3FB, 2, &rec_ops, &a), -EEXIST);
    ck_assert_int_eq(vmp_space_map(s, 0x3F0, 9, &rec_ops, &a), -EEXIST);
    ck_assert_int_eq(vmp_space_map(s, 0x3FF, 4, &rec_ops, &a), -EEXIST);
    ck_assert_int_eq(vmp_space_map(s, 0x3E0, 0x40, &rec_ops, &a), -EEXIST);
    /* Adjacent on both sides is fine. */
    ck_assert_int_eq(vmp_space_map(s, 0x3F0, 8, &rec_ops, &a), 0);
    ck_assert_int_eq(vmp_space_map(s, 0x400, 1, &rec_ops, &a), 0);
    /* Bad arguments. */
    ck_assert_int_eq(vmp_space_map(s, 0x500, 0, &rec_ops, &a), -EINVAL);
    ck_assert_int_eq(vmp_space_map(s, 0xFFFF, 2, &rec_ops, &a), -ERANGE);
    ck_assert_int_eq(vmp_space_map(s, 0x10000, 1, &rec_ops, &a), -ERANGE);
    ck_assert_int_eq(vmp_space_map(s, 0x500, 1, NULL, &a), -EINVAL);
    static const struct vmp_io_ops bad = { rec_read, rec_write, 3 };
    ck_assert_int_eq(vmp_space_map(s, 0x500, 1, &bad, &a), -EINVAL);
    struct vmp_space_stats st;
    vmp_space_get_stats(s, &st);
    ck_assert_uint_eq(st.regions, 3);
    vmp_space_destroy(s);
}
END_TEST

START_TEST(full_64bit_space)
{
    /* A region may end at the very top of a 64-bit space; one that would
     * wrap past it is refused. */
    struct vmp_space *s = vmp_space_create("mmio", UINT64_MAX);
    struct rec a;
    rec_init(&a, 0);
    ck_assert_int_eq(vmp_space_map(s, UINT64_MAX - 0xFFF, 0x1000, &rec_ops, &a), 0);
    ck_assert_int_eq(vmp_space_map(s, UINT64_MAX - 0xF, 0x20, &rec_ops, &a), -ERANGE);
    ck_assert_uint_eq(vmp_space_read(s, UINT64_MAX, 1), a.bytes[0xFFF % 64]);
    /* An 8-byte read at 2^64 - 4 wraps: 4 bytes from the region, 4
     * unmapped (all ones) from address 0. */
    uint64_t v = vmp_space_read(s, UINT64_MAX - 3, 8);
    ck_assert_uint_eq(v >> 32, 0xFFFFFFFFu);
    vmp_space_destroy(s);
}
END_TEST

START_TEST(unmapped_reads_all_ones_and_counts)
{
    struct vmp_space *s = vmp_space_create("pio", 0xFFFF);
    ck_assert_uint_eq(vmp_space_read(s, 0x80, 1), 0xFF);
    ck_assert_uint_eq(vmp_space_read(s, 0x80, 2), 0xFFFF);
    ck_assert_uint_eq(vmp_space_read(s, 0x80, 4), 0xFFFFFFFFu);
    ck_assert_uint_eq(vmp_space_read(s, 0x80, 8), UINT64_MAX);
    vmp_space_write(s, 0x80, 1, 1);
    vmp_space_write(s, 0x80, 1, 4);
    /* Beyond the space and odd sizes are unmapped too. */
    ck_assert_uint_eq(vmp_space_read(s, 0x10000, 2), 0xFFFF);
    ck_assert_uint_eq(vmp_space_read(s, 0x80, 3), UINT64_MAX);
    vmp_space_write(s, 0x80, 1, 0);
    struct vmp_space_stats st;
    vmp_space_get_stats(s, &st);
    ck_assert_uint_eq(st.unmapped_reads, 6);
    ck_assert_uint_eq(st.unmapped_writes, 3);
    vmp_space_destroy(s);
}
END_TEST

START_TEST(straddling_access_is_split)
{
    struct vmp_space *s = vmp_space_create("mmio", UINT64_MAX);
    struct rec a, b;
    rec_init(&a, 0x10);
    rec_init(&b, 0x80);
    ck_assert_int_eq(vmp_space_map(s, 0x1000, 0x10, &rec_ops, &a), 0);
    ck_assert_int_eq(vmp_space_map(s, 0x1010, 0x10, &rec_ops, &b), 0);
    /* 4 bytes at 0x100E: two from a (offsets 0xE, 0xF), two from b (0, 1). */
    uint64_t v = vmp_space_read(s, 0x100E, 4);
    ck_assert_uint_eq(v, 0x81801F1Eu);
    ck_assert_uint_eq(a.last_off, 0xE);
    ck_assert_uint_eq(a.last_size, 2);
    ck_assert_uint_eq(b.last_off, 0);
    ck_assert_uint_eq(b.last_size, 2);
    /* A straddling write lands byte-exact in both. */
    vmp_space_write(s, 0x100C, 0x8877665544332211ull, 8);
    ck_assert_uint_eq(a.bytes[0xC], 0x11);
    ck_assert_uint_eq(a.bytes[0xF], 0x44);
    ck_assert_uint_eq(b.bytes[0], 0x55);
    ck_assert_uint_eq(b.bytes[3], 0x88);
    /* Half mapped, half not: the unmapped half reads as ones. */
    v = vmp_space_read(s, 0x101E, 4);
    ck_assert_uint_eq(v & 0xFFFF, b.bytes[0xE] | b.bytes[0xF] << 8);
    ck_assert_uint_eq(v >> 16, 0xFFFF);
    vmp_space_destroy(s);
}
END_TEST

START_TEST(wide_access_to_narrow_device_is_split)
{
    /* A 16-bit port access to a byte-wide device (a UART) reaches two
     * consecutive registers, as on the ISA bus. */
    struct vmp_space *s = vmp_space_create("pio", 0xFFFF);
    struct rec a;
    rec_init(&a, 0);
    ck_assert_int_eq(vmp_space_map(s, 0x3F8, 8, &rec_ops_byte, &a), 0);
    vmp_space_write(s, 0x3F8, 0xBBAA, 2);
    ck_assert_uint_eq(a.writes, 2);
    ck_assert_uint_eq(a.bytes[0], 0xAA);
    ck_assert_uint_eq(a.bytes[1], 0xBB);
    ck_assert_uint_eq(a.last_size, 1);
    ck_assert_uint_eq(vmp_space_read(s, 0x3F9, 2), (uint64_t)a.bytes[2] << 8 | 0xBB);
    vmp_space_destroy(s);
}
END_TEST

START_TEST(unmap_and_move)
{
    struct vmp_space *s = vmp_space_create("mmio", UINT64_MAX);
    struct rec a, b;
    rec_init(&a, 1);
    rec_init(&b, 2);
    ck_assert_int_eq(vmp_space_map(s, 0xC0000000, 0x1000, &rec_ops, &a), 0);
    ck_assert_int_eq(vmp_space_map(s, 0xC0002000, 0x1000, &rec_ops, &b), 0);
    /* Moving onto b fails and leaves a where it was. */
    ck_assert_int_eq(vmp_space_move(s, 0xC0000000, 0xC0001800), -EEXIST);
    ck_assert_uint_eq(vmp_space_read(s, 0xC0000000, 1), 1);
    /* Moving into free space works; the old place becomes unmapped. */
    ck_assert_int_eq(vmp_space_move(s, 0xC0000000, 0xC0004000), 0);
    ck_assert_uint_eq(vmp_space_read(s, 0xC0000000, 1), 0xFF);
    ck_assert_uint_eq(vmp_space_read(s, 0xC0004001, 1), 2);
    ck_assert_int_eq(vmp_space_move(s, 0xC0000000, 0xD0000000), -ENOENT);
    /* Overlapping its own old place is fine (a BAR nudged by 0x800). */
    ck_assert_int_eq(vmp_space_move(s, 0xC0004000, 0xC0004800), 0);
    ck_assert_uint_eq(vmp_space_read(s, 0xC0004800, 1), 1);
    uint64_t base;
    ck_assert_ptr_eq(vmp_space_lookup(s, 0xC0004FFF, &base), &a);
    ck_assert_uint_eq(base, 0xC0004800);
    ck_assert_int_eq(vmp_space_unmap(s, 0xC0004800), 0);
    ck_assert_int_eq(vmp_space_unmap(s, 0xC0004800), -ENOENT);
    ck_assert_ptr_null(vmp_space_lookup(s, 0xC0004900, NULL));
    ck_assert_uint_eq(vmp_space_read(s, 0xC0002000, 1), 2);
    vmp_space_destroy(s);
}
END_TEST

START_TEST(many_regions_lookup)
{
    /* 1000 regions in shuffled order; every access hits its own. */
    struct vmp_space *s = vmp_space_create("pio", 0xFFFF);
    static struct rec r[1000];
    for (unsigned k = 0; k < 1000; k++) {
        unsigned i = (k * 389) % 1000; /* 389 is coprime with 1000 */
        rec_init(&r[i], (uint8_t)i);
        ck_assert_int_eq(vmp_space_map(s, 0x1000 + i * 16, 16, &rec_ops, &r[i]), 0);
    }
    for (unsigned i = 0; i < 1000; i++)
        ck_assert_uint_eq(vmp_space_read(s, 0x1000 + i * 16 + 3, 1), (uint8_t)(i + 3));
    ck_assert_uint_eq(vmp_space_read(s, 0x1000 + 1000 * 16, 1), 0xFF);
    vmp_space_destroy(s);
}
END_TEST

Suite *space_suite(void)
{
    Suite *s = suite_create("space");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, overlap_rejected);
    tcase_add_test(tc, full_64bit_space);
    tcase_add_test(tc, unmapped_reads_all_ones_and_counts);
    tcase_add_test(tc, straddling_access_is_split);
    tcase_add_test(tc, wide_access_to_narrow_device_is_split);
    tcase_add_test(tc, unmap_and_move);
    tcase_add_test(tc, many_regions_lookup);
    suite_add_tcase(s, tc);
    return s;
}

/* SMBIOS (DMTF DSP0134 3.0): entry point (5.2.2), structure layout and
 * string sets (6.1.2-6.1.3), and the structure types we build (7.x). */
#include <string.h>

#include "helpers.h"
#include <vmparts/smbios.h>

static uint8_t tab[0x10000];

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

struct parsed {
    unsigned count[128];
    uint64_t dimm_mb;
    const uint8_t *first[128];
};

/* Walk the table: every structure's formatted area fits, its string set
 * ends with a double NUL inside the table, string indexes in the
 * formatted area are within the set, handles are distinct, and type 127
 * is last and ends the table exactly. */
static void parse(const uint8_t *t, size_t len, struct parsed *p)
{
    memset(p, 0, sizeof *p);
    uint16_t handles[600];
    unsigned nh = 0;
    size_t off = 0;
    bool end = false;
    while (off < len) {
        ck_assert_msg(!end, "data after the end-of-table structure");
        ck_assert_uint_le(off + 4, len);
        const uint8_t *s = t + off;
        uint8_t type = s[0], flen = s[1];
        ck_assert_uint_ge(flen, 4);
        ck_assert_uint_le(off + flen, len);
        uint16_t h = rd16(s + 2);
        for (unsigned i = 0; i < nh; i++)
            ck_assert_uint_ne(handles[i], h);
        ck_assert_uint_lt(nh, 600);
        handles[nh++] = h;
        /* String set. */
        size_t q = off + flen;
        unsigned nstr = 0;
        if (q + 1 < len && t[q] == 0 && t[q + 1] == 0) {
            q += 2;
        } else {
            for (;;) {
                ck_assert_uint_lt(q, len);
                size_t l = strnlen((const char *)t + q, len - q);
                ck_assert_uint_lt(q + l, len);
                ck_assert_uint_gt(l, 0);
                nstr++;
                q += l + 1;
                ck_assert_uint_lt(q, len);
                if (t[q] == 0) {
                    q++;
                    break;
                }
            }
        }
        if (type < 128) {
            if (!p->count[type])
                p->first[type] = s;
            p->count[type]++;
        }
        /* String-valued fields of the types we build must index the set. */
        static const uint8_t str_fields[][7] = {
            [0] = {0x04, 0x05, 0x08},
            [1] = {0x04, 0x05, 0x06, 0x07, 0x19, 0x1A},
            [3] = {0x04, 0x06, 0x07, 0x08, 0x15},
            [4] = {0x04, 0x07, 0x10, 0x20, 0x21, 0x22},
            [17] = {0x10, 0x11, 0x17, 0x18, 0x19, 0x1A},
        };
        if (type < sizeof str_fields / sizeof str_fields[0])
            for (unsigned i = 0; i < 7 && str_fields[type][i]; i++)
                ck_assert_uint_le(s[str_fields[type][i]], nstr);
        if (type == 17) {
            uint16_t sz = rd16(s + 0x0C);
            p->dimm_mb += sz == 0x7FFF ? rd32(s + 0x1C) : sz;
        }
        if (type == 127)
            end = true;
        off = q;
    }
    ck_assert(end);
    ck_assert_uint_eq(off, len);
}

static void check_ep(const uint8_t *ep, uint64_t addr, long len)
{
    ck_assert(memcmp(ep, "_SM3_", 5) == 0);
    uint8_t sum = 0;
    for (int i = 0; i < VMP_SMBIOS_EP_LEN; i++)
        sum = (uint8_t)(sum + ep[i]);
    ck_assert_uint_eq(sum, 0);
    ck_assert_uint_eq(ep[6], 0x18);
    ck_assert_uint_eq(ep[7], 3);
    ck_assert_uint_eq(ep[0x0A], 1);
    ck_assert_uint_eq(rd32(ep + 0x0C), (uint32_t)len);
    ck_assert_uint_eq(rd64(ep + 0x10), addr);
}

START_TEST(structure_and_counts)
{
    static const unsigned cpus[] = {1, 4, 255};
    for (size_t k = 0; k < 3; k++) {
        struct vmp_smbios_config c;
        vmp_smbios_config_default(&c, cpus[k], 3ull << 30, 5ull << 30);
        c.cpu_signature = 0x000806EA;
        uint8_t ep[VMP_SMBIOS_EP_LEN];
        long len = vmp_smbios_build(&c, 0xF1000, tab, sizeof tab, ep);
        ck_assert_int_gt(len, 0);
        check_ep(ep, 0xF1000, len);
        struct parsed p;
        parse(tab, (size_t)len, &p);
        ck_assert_uint_eq(p.count[0], 1);
        ck_assert_uint_eq(p.count[1], 1);
        ck_assert_uint_eq(p.count[3], 1);
        ck_assert_uint_eq(p.count[4], cpus[k]);
        ck_assert_uint_eq(p.count[16], 1);
        ck_assert_uint_eq(p.count[17], 1);
        ck_assert_uint_eq(p.count[19], 2);
        ck_assert_uint_eq(p.count[32], 1);
        ck_assert_uint_eq(p.count[127], 1);
        ck_assert_uint_eq(p.dimm_mb, 8 * 1024);
        /* 7.5: type 4 is 0x30 bytes in 3.0, ID holds CPUID.1 EAX. */
        ck_assert_uint_eq(p.first[4][1], 0x30);
        ck_assert_uint_eq(rd32(p.first[4] + 8), 0x000806EA);
        ck_assert_uint_eq(p.first[4][0x18], 0x41);
        /* 7.1.2.2: extension byte 2 bit 4, "virtual machine". */
        ck_assert(p.first[0][0x13] & 0x10);
        /* 7.20: the second range starts at 4 GiB (in KiB). */
        const uint8_t *m = p.first[19] + p.first[19][1] + 2;
        ck_assert_uint_eq(m[0], 19);
        ck_assert_uint_eq(rd32(m + 4), 0x400000);
        ck_assert_uint_eq(rd32(m + 8), 0x400000 + 5 * 1024 * 1024 - 1);
    }
}
END_TEST

/* Large memory: DIMMs of 16 GiB, at most 64, extended sizes (7.17.x, 7.18.5,
 * 7.20) when the short fields overflow. */
START_TEST(large_memory)
{
    struct vmp_smbios_config c;
    vmp_smbios_config_default(&c, 2, 2ull << 30, 4ull << 40); /* 4 TiB above 4G */
    uint8_t ep[VMP_SMBIOS_EP_LEN];
    long len = vmp_smbios_build(&c, 0x1000, tab, sizeof tab, ep);
    ck_assert_int_gt(len, 0);
    struct parsed p;
    parse(tab, (size_t)len, &p);
    ck_assert_uint_eq(p.count[17], VMP_SMBIOS_MAX_DIMMS);
    ck_assert_uint_eq(p.dimm_mb, (4ull << 20) + 2048);
    ck_assert_uint_eq(rd32(p.first[16] + 7), 0x80000000u);
    ck_assert_uint_eq(rd64(p.first[16] + 0x0F), (4ull << 40) + (2ull << 30));
    const uint8_t *m = p.first[19] + p.first[19][1] + 2; /* the high range */
    ck_assert_uint_eq(rd32(m + 4), 0xFFFFFFFFu);
    ck_assert_uint_eq(rd64(m + 0x0F), 1ull << 32);
    ck_assert_uint_eq(rd64(m + 0x17), (1ull << 32) + (4ull << 40) - 1);
    /* 20 GiB: one 16 GiB DIMM and one of 4 GiB. */
    vmp_smbios_config_default(&c, 1, 0, 20ull << 30);
    len = vmp_smbios_build(&c, 0x1000, tab, sizeof tab, ep);
    parse(tab, (size_t)len, &p);
    ck_assert_uint_eq(p.count[17], 2);
    ck_assert_uint_eq(p.count[19], 1);
    ck_assert_uint_eq(p.dimm_mb, 20 * 1024);
}
END_TEST

START_TEST(errors_and_bounds)
{
    struct vmp_smbios_config c;
    uint8_t ep[VMP_SMBIOS_EP_LEN];
    vmp_smbios_config_default(&c, 0, 1ull << 30, 0);
    ck_assert_int_eq(vmp_smbios_build(&c, 0, tab, sizeof tab, ep), -EINVAL);
    vmp_smbios_config_default(&c, 256, 1ull << 30, 0);
    ck_assert_int_eq(vmp_smbios_build(&c, 0, tab, sizeof tab, ep), -EINVAL);
    vmp_smbios_config_default(&c, 1, 0, 0);
    ck_assert_int_eq(vmp_smbios_build(&c, 0, tab, sizeof tab, ep), -EINVAL);
    vmp_smbios_config_default(&c, 1, (1ull << 30) + 4096, 0);
    ck_assert_int_eq(vmp_smbios_build(&c, 0, tab, sizeof tab, ep), -EINVAL);
    vmp_smbios_config_default(&c, 1, (4ull << 30) + (1 << 20), 0);
    ck_assert_int_eq(vmp_smbios_build(&c, 0, tab, sizeof tab, ep), -EINVAL);
    vmp_smbios_config_default(&c, 1, 1ull << 30, 0);
    c.sys_product = "tab\there";
    ck_assert_int_eq(vmp_smbios_build(&c, 0, tab, sizeof tab, ep), -EINVAL);
    c.sys_product = "01234567890123456789012345678901234567890123456789012345678901234";
    ck_assert_int_eq(vmp_smbios_build(&c, 0, tab, sizeof tab, ep), -EINVAL);
    /* NULL and empty strings are "not specified" (index 0). */
    c.sys_product = "";
    c.bios_vendor = NULL;
    long len = vmp_smbios_build(&c, 0, tab, sizeof tab, ep);
    ck_assert_int_gt(len, 0);
    struct parsed p;
    parse(tab, (size_t)len, &p);
    ck_assert_uint_eq(p.first[1][5], 0);
    ck_assert_uint_eq(p.first[0][4], 0);
    /* Every short buffer fails without writing past its end. */
    vmp_smbios_config_default(&c, 3, 1ull << 30, 0);
    len = vmp_smbios_build(&c, 0, tab, sizeof tab, ep);
    for (size_t cap = 0; cap < (size_t)len; cap++) {
        memset(tab, 0xEE, sizeof tab);
        ck_assert_int_eq(vmp_smbios_build(&c, 0, tab, cap, ep), -ENOSPC);
        for (size_t i = cap; i < (size_t)len + 8; i++)
            ck_assert_uint_eq(tab[i], 0xEE);
    }
}
END_TEST

START_TEST(install)
{
    static uint8_t low[0x100000];
    memset(low, 0, sizeof low);
    struct vmp_mem *mem = vmp_mem_create();
    ck_assert_int_eq(vmp_mem_add(mem, 0, 0xF0000, low, 0), 0);
    ck_assert_int_eq(vmp_mem_add(mem, 0xF0000, 0x10000, low + 0xF0000, VMP_MEM_READONLY), 0);
    struct vmp_smbios_config c;
    vmp_smbios_config_default(&c, 2, 1ull << 30, 0);
    long len = vmp_smbios_install(&c, mem, 0xF5000, 0xE0000, 0x8000);
    ck_assert_int_gt(len, 0);
    check_ep(low + 0xF5000, 0xE0000, len);
    struct parsed p;
    parse(low + 0xE0000, (size_t)len, &p);
    ck_assert_uint_eq(p.count[4], 2);
    ck_assert_int_eq(vmp_smbios_install(&c, mem, 0xF5008, 0xE0000, 0x8000), -EINVAL);
    ck_assert_int_eq(vmp_smbios_install(&c, mem, 0xF5000, 0xE0000, 16), -ENOSPC);
    ck_assert_int_eq(vmp_smbios_install(&c, mem, 0xF5000, 0x200000, 0x8000), -EFAULT);
    vmp_mem_destroy(mem);
}
END_TEST

Suite *smbios_suite(void)
{
    Suite *s = suite_create("smbios");
    TCase *tc = tcase_create("tables");
    tcase_add_test(tc, structure_and_counts);
    tcase_add_test(tc, large_memory);
    tcase_add_test(tc, errors_and_bounds);
    tcase_add_test(tc, install);
    suite_add_tcase(s, tc);
    return s;
}

/* AML encoder: byte-exact encodings checked by hand against ACPI 6.4
 * section 20 (AML grammar) and section 6.4 (resource descriptors). */
#include <string.h>

#include "helpers.h"
#include <vmparts/acpi.h>

static uint8_t out[256];
static struct vmp_aml A;

static struct vmp_aml *fresh(void)
{
    memset(out, 0xEE, sizeof out);
    vmp_aml_init(&A, out, sizeof out);
    return &A;
}

#define CHECK_BYTES(a, ...)                                                         \
    do {                                                                            \
        static const uint8_t want_[] = {__VA_ARGS__};                               \
        ck_assert_int_eq(vmp_aml_error(a), 0);                                      \
        ck_assert_uint_eq((a)->len, sizeof want_);                                  \
        for (size_t i_ = 0; i_ < sizeof want_; i_++)                                \
            ck_assert_msg((a)->buf[i_] == want_[i_], "byte %zu: %02x, want %02x", i_, \
                          (a)->buf[i_], want_[i_]);                                 \
    } while (0)

/* 20.2.4: PkgLength counts its own bytes; bits 7:6 of the lead byte give
 * the number of following bytes, bits 3:0 the low nibble. */
START_TEST(pkglength_forms)
{
    struct vmp_aml *a = fresh();
    vmp_aml_pkglength(a, 0);
    CHECK_BYTES(a, 0x01);
    a = fresh();
    vmp_aml_pkglength(a, 62); /* 63: largest one-byte form */
    CHECK_BYTES(a, 0x3F);
    a = fresh();
    vmp_aml_pkglength(a, 63); /* 63 + 2 = 65 = 0x041 */
    CHECK_BYTES(a, 0x41, 0x04);
    a = fresh();
    vmp_aml_pkglength(a, 4093); /* 4095 = 0xFFF: largest two-byte form */
    CHECK_BYTES(a, 0x4F, 0xFF);
    a = fresh();
    vmp_aml_pkglength(a, 4094); /* 4094 + 3 = 0x1001 */
    CHECK_BYTES(a, 0x81, 0x00, 0x01);
    a = fresh();
    vmp_aml_pkglength(a, 0x100000); /* + 4 = 0x100004 */
    CHECK_BYTES(a, 0xC4, 0x00, 0x00, 0x01);
    a = fresh();
    vmp_aml_pkglength(a, 0x0FFFFFFB); /* 0x0FFFFFFF: the largest PkgLength */
    CHECK_BYTES(a, 0xCF, 0xFF, 0xFF, 0xFF);
    a = fresh();
    vmp_aml_pkglength(a, 0x0FFFFFFC);
    ck_assert_int_eq(vmp_aml_error(a), -E2BIG);
    ck_assert_uint_eq(a->len, 0);
}
END_TEST

/* 20.2.2: NameSeg padded with '_', RootChar 0x5C, ParentPrefixChar 0x5E,
 * DualNamePrefix 0x2E, MultiNamePrefix 0x2F SegCount, NullName 0x00. */
START_TEST(name_strings)
{
    struct vmp_aml *a = fresh();
    vmp_aml_name(a, "_HID");
    CHECK_BYTES(a, '_', 'H', 'I', 'D');
    a = fresh();
    vmp_aml_name(a, "S5");
    CHECK_BYTES(a, 'S', '5', '_', '_');
    a = fresh();
    vmp_aml_name(a, "\\_SB.PCI0");
    CHECK_BYTES(a, 0x5C, 0x2E, '_', 'S', 'B', '_', 'P', 'C', 'I', '0');
    a = fresh();
    vmp_aml_name(a, "\\_SB.PCI0.ISA");
    CHECK_BYTES(a, 0x5C, 0x2F, 0x03, '_', 'S', 'B', '_', 'P', 'C', 'I', '0', 'I', 'S', 'A',
                '_');
    a = fresh();
    vmp_aml_name(a, "^^FOO");
    CHECK_BYTES(a, 0x5E, 0x5E, 'F', 'O', 'O', '_');
    a = fresh();
    vmp_aml_name(a, "\\");
    CHECK_BYTES(a, 0x5C, 0x00);
    a = fresh();
    vmp_aml_name(a, "\\_S5");
    CHECK_BYTES(a, 0x5C, '_', 'S', '5', '_');

    static const char *bad[] = {"1ABC", "ABCDE", "A..B", "pci0", "A.", ".A", "\\^A",
                                "A B"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        a = fresh();
        vmp_aml_name(a, bad[i]);
        ck_assert_msg(vmp_aml_error(a) == -EINVAL, "%s accepted", bad[i]);
    }
}
END_TEST

/* 20.2.3: ZeroOp 0x00, OneOp 0x01, OnesOp 0xFF, BytePrefix 0x0A,
 * WordPrefix 0x0B, DWordPrefix 0x0C, QWordPrefix 0x0E, little-endian. */
START_TEST(integers)
{
    struct vmp_aml *a = fresh();
    vmp_aml_int(a, 0);
    vmp_aml_int(a, 1);
    vmp_aml_ones(a);
    vmp_aml_int(a, 2);
    vmp_aml_int(a, 0xFF);
    CHECK_BYTES(a, 0x00, 0x01, 0xFF, 0x0A, 0x02, 0x0A, 0xFF);
    a = fresh();
    vmp_aml_int(a, 0x100);
    vmp_aml_int(a, 0xFFFF);
    vmp_aml_int(a, 0x10000);
    CHECK_BYTES(a, 0x0B, 0x00, 0x01, 0x0B, 0xFF, 0xFF, 0x0C, 0x00, 0x00, 0x01, 0x00);
    a = fresh();
    vmp_aml_int(a, 0xFFFFFFFFu);
    vmp_aml_int(a, 0x100000000ull);
    CHECK_BYTES(a, 0x0C, 0xFF, 0xFF, 0xFF, 0xFF, 0x0E, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
                0x00, 0x00);
    /* String (StringPrefix 0x0D ... NUL) and EISAID: "PNP0A03" packs P,N,P
     * as 5-bit letters (0x41D0) then 0x0A03, big-endian. */
    a = fresh();
    vmp_aml_string(a, "ACPI0007");
    vmp_aml_eisaid(a, "PNP0A03");
    CHECK_BYTES(a, 0x0D, 'A', 'C', 'P', 'I', '0', '0', '0', '7', 0x00, 0x0C, 0x41, 0xD0,
                0x0A, 0x03);
    a = fresh();
    vmp_aml_eisaid(a, "PNP0a03");
    ck_assert_int_eq(vmp_aml_error(a), -EINVAL);
}
END_TEST

/* Device(COM1) { Name(_HID, EisaId("PNP0501")) Name(_UID, One)
 *   Name(_CRS, ResourceTemplate() { IO(Decode16, 0x3F8, 0x3F8, 8, 8)
 *                                   IRQNoFlags() {4} }) }
 * DeviceOp 5B 82 (20.2.5.2), NameOp 08, BufferOp 11 with BufferSize 0x0D,
 * IO descriptor 47 (6.4.2.5), IRQ 22 (6.4.2.1), End Tag 79 + checksum
 * (6.4.2.9): 47+01+F8+03+F8+03+08+08+22+10+00+79 = 0x2F9, so 0x07. */
START_TEST(device_with_crs)
{
    struct vmp_aml *a = fresh();
    vmp_aml_device_begin(a, "COM1");
    vmp_aml_name_decl(a, "_HID");
    vmp_aml_eisaid(a, "PNP0501");
    vmp_aml_name_decl(a, "_UID");
    vmp_aml_int(a, 1);
    vmp_aml_name_decl(a, "_CRS");
    vmp_aml_rt_begin(a);
    vmp_aml_rt_io(a, 0x3F8, 0x3F8, 8, 8);
    vmp_aml_rt_irq(a, 1u << 4, -1);
    vmp_aml_rt_end(a);
    vmp_aml_end(a);
    CHECK_BYTES(a, 0x5B, 0x82, 0x2B, 'C', 'O', 'M', '1',
                0x08, '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x05, 0x01,
                0x08, '_', 'U', 'I', 'D', 0x01,
                0x08, '_', 'C', 'R', 'S', 0x11, 0x10, 0x0A, 0x0D,
                0x47, 0x01, 0xF8, 0x03, 0xF8, 0x03, 0x08, 0x08,
                0x22, 0x10, 0x00, 0x79, 0x07);
    ck_assert_uint_eq(a->depth, 0);
}
END_TEST

/* Method(_STA, 0, NotSerialized) { If (LEqual(Arg0, 5)) { Return(0x0F) }
 * Else { Return(Zero) } } and Scope(\) { Name(_S5, Package(2){5, 5}) }:
 * MethodOp 14 (20.2.5.2), IfOp A0 / ElseOp A1 (20.2.5.3), LEqualOp 93,
 * Arg0Op 68, ReturnOp A4, ScopeOp 10, PackageOp 12 NumElements. */
START_TEST(method_if_package)
{
    struct vmp_aml *a = fresh();
    vmp_aml_method_begin(a, "_STA", 0);
    vmp_aml_if_begin(a);
    vmp_aml_lequal(a);
    vmp_aml_arg(a, 0);
    vmp_aml_int(a, 5);
    vmp_aml_return(a);
    vmp_aml_int(a, 0x0F);
    vmp_aml_end(a);
    vmp_aml_else_begin(a);
    vmp_aml_return(a);
    vmp_aml_int(a, 0);
    vmp_aml_end(a);
    vmp_aml_end(a);
    CHECK_BYTES(a, 0x14, 0x13, '_', 'S', 'T', 'A', 0x00,
                0xA0, 0x08, 0x93, 0x68, 0x0A, 0x05, 0xA4, 0x0A, 0x0F,
                0xA1, 0x03, 0xA4, 0x00);
    a = fresh();
    vmp_aml_scope_begin(a, "\\");
    vmp_aml_name_decl(a, "_S5");
    vmp_aml_package_begin(a, 2);
    vmp_aml_int(a, 5);
    vmp_aml_int(a, 5);
    vmp_aml_end(a);
    vmp_aml_end(a);
    CHECK_BYTES(a, 0x10, 0x0F, 0x5C, 0x00, 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02,
                0x0A, 0x05, 0x0A, 0x05);
}
END_TEST

/* Section 6.4.3.5: Word/DWord/QWord address space descriptors and the
 * Extended Interrupt descriptor (6.4.3.6), as a root bridge's windows. */
START_TEST(address_descriptors)
{
    struct vmp_aml *a = fresh();
    /* WordBusNumber(ResourceProducer, MinFixed, MaxFixed, PosDecode,
     * 0, 0, 0xFF, 0, 0x100) */
    vmp_aml_rt_word_bus(a, 0, 0xFF);
    CHECK_BYTES(a, 0x88, 0x0D, 0x00, 0x02, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0x00,
                0x00, 0x00, 0x00, 0x01);
    a = fresh();
    /* WordIO(ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
     * 0, 0x1000, 0xFFFF, 0, 0xF000) */
    vmp_aml_rt_word_io(a, 0x1000, 0xFFFF);
    CHECK_BYTES(a, 0x88, 0x0D, 0x00, 0x01, 0x0C, 0x03, 0x00, 0x00, 0x00, 0x10, 0xFF, 0xFF,
                0x00, 0x00, 0x00, 0xF0);
    a = fresh();
    /* DWordMemory(ResourceProducer, PosDecode, MinFixed, MaxFixed,
     * NonCacheable, ReadWrite, 0, 0xC0000000, 0xFEBFFFFF, 0, 0x3EC00000) */
    vmp_aml_rt_dword_mem(a, false, VMP_AML_MEM_NONCACHEABLE, 0xC0000000u, 0xFEBFFFFFu);
    CHECK_BYTES(a, 0x87, 0x17, 0x00, 0x00, 0x0C, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                0x00, 0xC0, 0xFF, 0xFF, 0xBF, 0xFE, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                0xC0, 0x3E);
    a = fresh();
    /* QWordMemory(..., Cacheable, ReadWrite, 0, 0x8000000000,
     * 0xFFFFFFFFFF, 0, 0x8000000000) */
    vmp_aml_rt_qword_mem(a, false, VMP_AML_MEM_CACHEABLE, 0x8000000000ull, 0xFFFFFFFFFFull);
    CHECK_BYTES(a, 0x8A, 0x2B, 0x00, 0x00, 0x0C, 0x03,
                0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0x80, 0, 0, 0,
                0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0x80, 0, 0, 0);
    a = fresh();
    /* Memory32Fixed(ReadWrite, 0xFED00000, 0x400); Interrupt(
     * ResourceConsumer, Level, ActiveHigh, Shared) {16};
     * IRQ(Level, ActiveLow, Shared) {9}. */
    vmp_aml_rt_mem32_fixed(a, true, 0xFED00000u, 0x400);
    vmp_aml_rt_interrupt(a, false, false, true, 16);
    vmp_aml_rt_irq(a, 1u << 9, VMP_AML_IRQ_LOW | VMP_AML_IRQ_SHARED);
    CHECK_BYTES(a, 0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0xD0, 0xFE, 0x00, 0x04, 0x00, 0x00,
                0x89, 0x06, 0x00, 0x09, 0x01, 0x10, 0x00, 0x00, 0x00,
                0x23, 0x00, 0x02, 0x18);
}
END_TEST

/* A long body moves to a two-byte PkgLength, and a Buffer's size term
 * grows with it (20.2.5.4 DefBuffer). */
START_TEST(long_buffer)
{
    static uint8_t big[400];
    struct vmp_aml a;
    vmp_aml_init(&a, big, sizeof big);
    vmp_aml_buffer_begin(&a);
    for (int i = 0; i < 300; i++)
        vmp_aml_byte(&a, (uint8_t)i);
    vmp_aml_end(&a);
    ck_assert_int_eq(vmp_aml_error(&a), 0);
    /* 11, PkgLength(2 bytes) = 2 + 3 (WordPrefix 0x012C) + 300 = 305 = 0x131 */
    ck_assert_uint_eq(a.len, 1 + 2 + 3 + 300);
    ck_assert_uint_eq(big[0], 0x11);
    ck_assert_uint_eq(big[1], 0x41);
    ck_assert_uint_eq(big[2], 0x13);
    ck_assert_uint_eq(big[3], 0x0B);
    ck_assert_uint_eq(big[4], 0x2C);
    ck_assert_uint_eq(big[5], 0x01);
    ck_assert_uint_eq(big[6], 0x00);
    ck_assert_uint_eq(big[305], (uint8_t)299);
}
END_TEST

/* Bounds: no byte past cap is touched, errors stick, misuse is refused. */
START_TEST(bounds_and_errors)
{
    /* The Device above is 45 bytes: every smaller buffer fails cleanly. */
    for (size_t cap = 0; cap < 45; cap++) {
        uint8_t buf[64];
        memset(buf, 0xEE, sizeof buf);
        struct vmp_aml a;
        vmp_aml_init(&a, buf, cap);
        vmp_aml_device_begin(&a, "COM1");
        vmp_aml_name_decl(&a, "_HID");
        vmp_aml_eisaid(&a, "PNP0501");
        vmp_aml_name_decl(&a, "_UID");
        vmp_aml_int(&a, 1);
        vmp_aml_name_decl(&a, "_CRS");
        vmp_aml_rt_begin(&a);
        vmp_aml_rt_io(&a, 0x3F8, 0x3F8, 8, 8);
        vmp_aml_rt_irq(&a, 1u << 4, -1);
        vmp_aml_rt_end(&a);
        vmp_aml_end(&a);
        ck_assert_int_eq(vmp_aml_error(&a), -ENOSPC);
        ck_assert_uint_le(a.len, cap);
        for (size_t i = cap; i < sizeof buf; i++)
            ck_assert_uint_eq(buf[i], 0xEE);
    }
    struct vmp_aml *a = fresh();
    vmp_aml_end(a); /* nothing open */
    ck_assert_int_eq(vmp_aml_error(a), -EINVAL);
    vmp_aml_int(a, 7); /* sticky: no-op */
    ck_assert_uint_eq(a->len, 0);
    a = fresh();
    for (int i = 0; i <= VMP_AML_MAX_DEPTH; i++)
        vmp_aml_if_begin(a);
    ck_assert_int_eq(vmp_aml_error(a), -E2BIG);
    a = fresh();
    vmp_aml_arg(a, 7);
    ck_assert_int_eq(vmp_aml_error(a), -EINVAL);
    a = fresh();
    vmp_aml_rt_dword_mem(a, false, 0, 2, 1);
    ck_assert_int_eq(vmp_aml_error(a), -EINVAL);
    a = fresh();
    vmp_aml_string(a, "\xC3\xA9");
    ck_assert_int_eq(vmp_aml_error(a), -EINVAL);
}
END_TEST

Suite *aml_suite(void)
{
    Suite *s = suite_create("aml");
    TCase *tc = tcase_create("encode");
    tcase_add_test(tc, pkglength_forms);
    tcase_add_test(tc, name_strings);
    tcase_add_test(tc, integers);
    tcase_add_test(tc, device_with_crs);
    tcase_add_test(tc, method_if_package);
    tcase_add_test(tc, address_descriptors);
    tcase_add_test(tc, long_buffer);
    tcase_add_test(tc, bounds_and_errors);
    suite_add_tcase(s, tc);
    return s;
}

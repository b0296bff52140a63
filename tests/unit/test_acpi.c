/* ACPI tables: structure, pointers and checksums (ACPI 6.4 section 5.2),
 * MADT entries (5.2.12), FADT fields (5.2.9), HPET (IA-PC HPET 1.0a
 * 3.2.4), MCFG (PCI Firmware 3.0 4.1.2) and the DSDT's _PRT (6.2.13). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include <vmparts/acpi.h>
#include <vmparts/irq.h>

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* The table at guest address gpa inside t's image, with its signature,
 * its length within the image and a zero checksum (5.2.6). */
static const uint8_t *table_at(const struct vmp_acpi_tables *t, uint64_t gpa,
                               const char *sig)
{
    ck_assert_uint_ge(gpa, t->base);
    ck_assert_uint_le(gpa + 36, t->base + t->size);
    const uint8_t *p = t->image + (gpa - t->base);
    ck_assert_msg(memcmp(p, sig, 4) == 0, "want %s at %#llx", sig, (unsigned long long)gpa);
    uint32_t len = rd32(p + 4);
    ck_assert_uint_le(gpa + len, t->base + t->size);
    if (strcmp(sig, "FACS") != 0)
        ck_assert_msg(vmp_acpi_sum(p, len) == 0, "%s checksum", sig);
    return p;
}

static const struct vmp_acpi_blob *blob(const struct vmp_acpi_tables *t, const char *sig)
{
    for (size_t i = 0; i < t->count; i++)
        if (!strcmp(t->blob[i].signature, sig))
            return &t->blob[i];
    return NULL;
}

static bool contains(const uint8_t *h, size_t hl, const uint8_t *n, size_t nl)
{
    for (size_t i = 0; i + nl <= hl; i++)
        if (!memcmp(h + i, n, nl))
            return true;
    return false;
}

/* RSDP (5.2.5.3) -> XSDT/RSDT -> FADT -> FACS/DSDT, every checksum. */
START_TEST(pointers_and_checksums)
{
    struct vmp_acpi_config cfg;
    vmp_acpi_config_default(&cfg, 4);
    struct vmp_acpi_tables t;
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t), 0);
    const uint8_t *r = t.rsdp;
    ck_assert(memcmp(r, "RSD PTR ", 8) == 0);
    ck_assert_uint_eq(vmp_acpi_sum(r, 20), 0);
    ck_assert_uint_eq(vmp_acpi_sum(r, 36), 0);
    ck_assert_uint_eq(r[15], 2);
    ck_assert_uint_eq(rd32(r + 20), 36);
    ck_assert_uint_eq(t.rsdp_addr % 16, 0);
    /* With rsdp_addr 0 it sits in the table area, after the FACS. */
    ck_assert(memcmp(t.image + (t.rsdp_addr - t.base), r, 36) == 0);

    const uint8_t *x = table_at(&t, rd64(r + 24), "XSDT");
    const uint8_t *rs = table_at(&t, rd32(r + 16), "RSDT");
    ck_assert_uint_eq(x[8], 1);
    uint32_t n = (rd32(x + 4) - 36) / 8;
    ck_assert_uint_eq(n, 4); /* FADT, MADT, HPET, MCFG */
    ck_assert_uint_eq(rd32(rs + 4), 36 + 4 * n);
    static const char *sigs[] = {"FACP", "APIC", "HPET", "MCFG"};
    for (uint32_t i = 0; i < n; i++) {
        uint64_t a = rd64(x + 36 + 8 * i);
        ck_assert_uint_eq(a, rd32(rs + 36 + 4 * i));
        table_at(&t, a, sigs[i]);
        ck_assert_uint_eq(a % 8, 0);
    }
    const uint8_t *f = table_at(&t, rd64(x + 36), "FACP");
    ck_assert_uint_eq(rd32(f + 4), 276);
    ck_assert_uint_eq(f[8], 6);
    /* Table 5.9: X_FIRMWARE_CTRL is zero when FIRMWARE_CTRL is set; DSDT
     * and X_DSDT agree. */
    ck_assert_uint_eq(rd64(f + 132), 0);
    ck_assert_uint_eq(rd32(f + 40), rd64(f + 140));
    const uint8_t *facs = table_at(&t, rd32(f + 36), "FACS");
    ck_assert_uint_eq(rd32(facs + 4), 64);
    ck_assert_uint_eq(rd32(f + 36) % 64, 0); /* 5.2.10: 64-byte aligned */
    ck_assert_uint_eq(t.facs_addr, rd32(f + 36));
    const uint8_t *d = table_at(&t, rd64(f + 140), "DSDT");
    ck_assert_uint_eq(d[8], 2); /* 64-bit integers */
    /* Blobs for dumping: every table once, same bytes. */
    ck_assert_uint_eq(t.count, 9);
    ck_assert_ptr_nonnull(blob(&t, "DSDT"));
    ck_assert_uint_eq(blob(&t, "DSDT")->size, rd32(d + 4));
    ck_assert_uint_eq(blob(&t, "RSD ")->gpa, t.rsdp_addr);
    vmp_acpi_tables_free(&t);
}
END_TEST

/* 5.2.9: FADT fields of the reference board. */
START_TEST(fadt_fields)
{
    struct vmp_acpi_config cfg;
    vmp_acpi_config_default(&cfg, 1);
    cfg.pm_tmr_32bit = true;
    struct vmp_acpi_tables t;
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0x100000, 0x10000, &t), 0);
    const uint8_t *f = blob(&t, "FACP")->data;
    ck_assert_uint_eq(rd16(f + 46), 9);          /* SCI_INT */
    ck_assert_uint_eq(rd32(f + 48), 0);          /* SMI_CMD: no SMM, ACPI mode at reset */
    ck_assert_uint_eq(rd32(f + 56), 0x600);      /* PM1a_EVT_BLK */
    ck_assert_uint_eq(rd32(f + 64), 0x604);      /* PM1a_CNT_BLK */
    ck_assert_uint_eq(rd32(f + 76), 0x608);      /* PM_TMR_BLK */
    ck_assert_uint_eq(rd32(f + 80), 0x620);      /* GPE0_BLK */
    ck_assert_uint_eq(f[88], 4);
    ck_assert_uint_eq(f[89], 2);
    ck_assert_uint_eq(f[91], 4);
    ck_assert_uint_eq(f[92], 16);
    ck_assert_uint_eq(f[108], 0x32);             /* CENTURY */
    ck_assert_uint_eq(rd16(f + 109) & 3, 3);     /* LEGACY_DEVICES | 8042 */
    uint32_t flags = rd32(f + 112);
    ck_assert(flags & (1u << 8));                /* TMR_VAL_EXT */
    ck_assert(flags & (1u << 10));               /* RESET_REG_SUP */
    ck_assert(!(flags & (1u << 4)));             /* fixed-feature power button */
    ck_assert(!(flags & (1u << 20)));            /* not HW-reduced */
    /* RESET_REG: System I/O, 8 bits, byte access, 0xCF9; value 6. */
    ck_assert_uint_eq(f[116], 1);
    ck_assert_uint_eq(f[117], 8);
    ck_assert_uint_eq(f[119], 1);
    ck_assert_uint_eq(rd64(f + 120), 0xCF9);
    ck_assert_uint_eq(f[128], 6);
    /* X_PM1a_EVT_BLK / X_PM1a_CNT_BLK / X_PM_TMR_BLK / X_GPE0_BLK: bit
     * widths match the legacy lengths (5.2.9, "X_" fields). */
    ck_assert_uint_eq(f[148], 1);
    ck_assert_uint_eq(f[149], 32);
    ck_assert_uint_eq(rd64(f + 152), 0x600);
    ck_assert_uint_eq(f[173], 16);
    ck_assert_uint_eq(rd64(f + 176), 0x604);
    ck_assert_uint_eq(f[209], 32);
    ck_assert_uint_eq(rd64(f + 212), 0x608);
    ck_assert_uint_eq(f[221], 128);
    ck_assert_uint_eq(rd64(f + 224), 0x620);
    /* Without an 8042 or RTC the boot flags say so. */
    vmp_acpi_tables_free(&t);
    cfg.devices &= ~(VMP_ACPI_DEV_I8042 | VMP_ACPI_DEV_RTC);
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0x100000, 0x10000, &t), 0);
    f = blob(&t, "FACP")->data;
    ck_assert_uint_eq(rd16(f + 109) & ((1u << 1) | (1u << 5)), 1u << 5);
    vmp_acpi_tables_free(&t);
}
END_TEST

/* 5.2.12: a Processor Local APIC entry per vCPU, the I/O APIC, overrides
 * for IRQ0 -> GSI2 and the level/active-high SCI, LAPIC NMI on LINT1. */
static void check_madt(unsigned cpus, const uint8_t *ids, uint16_t level_irqs)
{
    struct vmp_acpi_config cfg;
    vmp_acpi_config_default(&cfg, cpus);
    cfg.apic_ids = ids;
    cfg.isa_level_irqs = level_irqs;
    struct vmp_acpi_tables t;
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0x80000, VMP_ACPI_MAX_SIZE, &t), 0);
    const struct vmp_acpi_blob *b = blob(&t, "APIC");
    const uint8_t *m = b->data;
    uint32_t len = rd32(m + 4);
    ck_assert_uint_eq(len, b->size);
    ck_assert_uint_eq(vmp_acpi_sum(m, len), 0);
    ck_assert_uint_eq(rd32(m + 36), 0xFEE00000u);
    ck_assert_uint_eq(rd32(m + 40), 1); /* PCAT_COMPAT */
    unsigned lapics = 0, ioapics = 0, nmis = 0;
    uint16_t overridden = 0;
    for (uint32_t off = 44; off < len;) {
        const uint8_t *e = m + off;
        ck_assert_uint_ge(e[1], 2);
        ck_assert_uint_le(off + e[1], len);
        switch (e[0]) {
        case 0:
            ck_assert_uint_eq(e[1], 8);
            ck_assert_uint_eq(e[2], lapics); /* ACPI Processor UID = _UID */
            ck_assert_uint_eq(e[3], ids ? ids[lapics] : lapics);
            ck_assert_uint_eq(rd32(e + 4), 1);
            lapics++;
            break;
        case 1:
            ck_assert_uint_eq(e[1], 12);
            ck_assert_uint_eq(rd32(e + 4), 0xFEC00000u);
            ck_assert_uint_eq(rd32(e + 8), 0);
            ioapics++;
            break;
        case 2:
            ck_assert_uint_eq(e[1], 10);
            ck_assert_uint_eq(e[2], 0);
            overridden |= (uint16_t)(1u << e[3]);
            if (e[3] == 0) {
                ck_assert_uint_eq(rd32(e + 4), 2);
                ck_assert_uint_eq(rd16(e + 8), 0);
            } else {
                ck_assert_uint_eq(rd32(e + 4), e[3]);
                ck_assert_uint_eq(rd16(e + 8), 0x000D); /* level, active-high */
            }
            break;
        case 4:
            ck_assert_uint_eq(e[1], 6);
            ck_assert_uint_eq(e[2], 0xFF);
            ck_assert_uint_eq(e[5], 1);
            nmis++;
            break;
        default:
            ck_abort_msg("unexpected MADT entry type %u", e[0]);
        }
        off += e[1];
    }
    ck_assert_uint_eq(lapics, cpus);
    ck_assert_uint_eq(ioapics, 1);
    ck_assert_uint_eq(nmis, 1);
    ck_assert_uint_eq(overridden, (uint16_t)(1u | 1u << 9 | level_irqs));
    /* One ACPI0007 processor device per vCPU in the DSDT: C000, C001, ... */
    const struct vmp_acpi_blob *d = blob(&t, "DSDT");
    char last[5];
    snprintf(last, sizeof last, "C%03X", cpus - 1);
    ck_assert(contains(d->data, d->size, (const uint8_t *)last, 4));
    vmp_acpi_tables_free(&t);
}

START_TEST(madt_cpus)
{
    check_madt(1, NULL, 0);
    check_madt(4, NULL, 1u << 5 | 1u << 10 | 1u << 11);
    static const uint8_t sparse[3] = {0, 2, 7};
    check_madt(3, sparse, 0);
    static uint8_t many[255];
    for (unsigned i = 0; i < 255; i++)
        many[i] = (uint8_t)(254 - i);
    check_madt(255, many, 0);
}
END_TEST

START_TEST(hpet_mcfg_dsdt)
{
    struct vmp_acpi_config cfg;
    vmp_acpi_config_default(&cfg, 2);
    cfg.hpet_block_id = 0x8086A701u;
    struct vmp_acpi_tables t;
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t), 0);
    const uint8_t *h = blob(&t, "HPET")->data;
    ck_assert_uint_eq(rd32(h + 4), 56);
    ck_assert_uint_eq(rd32(h + 36), 0x8086A701u); /* Event Timer Block ID */
    ck_assert_uint_eq(h[40], 0);                  /* system memory */
    ck_assert_uint_eq(rd64(h + 44), 0xFED00000u);
    const uint8_t *m = blob(&t, "MCFG")->data;
    ck_assert_uint_eq(rd32(m + 4), 60);
    ck_assert_uint_eq(rd64(m + 44), 0xB0000000u);
    ck_assert_uint_eq(rd16(m + 52), 0);
    ck_assert_uint_eq(m[54], 0);
    ck_assert_uint_eq(m[55], 255);
    const struct vmp_acpi_blob *d = blob(&t, "DSDT");
    /* _PRT entry for slot 5 pin INTD: Package(4){0x0005FFFF, 3, Zero,
     * 16 + (5 + 3) % 8 = 16}. */
    static const uint8_t prt53[] = {0x12, 0x0C, 0x04, 0x0C, 0xFF, 0xFF, 0x05, 0x00,
                                    0x0A, 0x03, 0x00, 0x0A, 0x10};
    ck_assert(contains(d->data, d->size, prt53, sizeof prt53));
    /* slot 31 pin INTA: 16 + 31 % 8 = 23 */
    static const uint8_t prt310[] = {0x12, 0x0B, 0x04, 0x0C, 0xFF, 0xFF, 0x1F, 0x00,
                                     0x00, 0x00, 0x0A, 0x17};
    ck_assert(contains(d->data, d->size, prt310, sizeof prt310));
    /* _HID PNP0A08, _CID PNP0A03 and \_S5 {5, 5, 0, 0}. */
    static const uint8_t hid[] = {0x08, '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x0A, 0x08};
    static const uint8_t cid[] = {0x08, '_', 'C', 'I', 'D', 0x0C, 0x41, 0xD0, 0x0A, 0x03};
    static const uint8_t s5[] = {0x08, 0x5C, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
                                 0x0A, 0x05, 0x0A, 0x05, 0x00, 0x00};
    ck_assert(contains(d->data, d->size, hid, sizeof hid));
    ck_assert(contains(d->data, d->size, cid, sizeof cid));
    ck_assert(contains(d->data, d->size, s5, sizeof s5));
    /* PCI0 _CRS I/O, in order: IO (Decode16, 0xCF8, 0xCF8, 1, 8) (6.4.2.5:
     * tag 0x47, information 1 = 16-bit decode); then two WordIO (6.4.3.5.3:
     * tag 0x88, length 13, resource type 1 = I/O, general flags 0x0C =
     * MaxFixed, MinFixed, PosDecode, ResourceProducer (table 6.44),
     * type-specific 3 = EntireRange (table 6.47), granularity 0, minimum,
     * maximum, translation 0, length): 0x0000-0x0CF7, length 0x0CF8, and
     * the PCI window 0x1000-0xFFFF, length 0xF000. */
    static const uint8_t crs_io[] = {
        0x47, 0x01, 0xF8, 0x0C, 0xF8, 0x0C, 0x01, 0x08,
        0x88, 0x0D, 0x00, 0x01, 0x0C, 0x03, 0x00, 0x00, 0x00, 0x00, 0xF7, 0x0C,
        0x00, 0x00, 0xF8, 0x0C,
        0x88, 0x0D, 0x00, 0x01, 0x0C, 0x03, 0x00, 0x00, 0x00, 0x10, 0xFF, 0xFF,
        0x00, 0x00, 0x00, 0xF0};
    ck_assert(contains(d->data, d->size, crs_io, sizeof crs_io));
    /* Name (\PICM, Zero): NameOp 0x08, RootChar 0x5C, "PICM", ZeroOp
     * (20.2.5.1, 20.2.2); Method (\_PIC, 1, NotSerialized) { Store (Arg0,
     * \PICM) } (5.8.1): MethodOp 0x14, PkgLength 14 (itself, the 5-byte
     * name, flags, StoreOp 0x70, Arg0Op 0x68 and the 5-byte target),
     * MethodFlags 0x01 = one argument (20.2.5.2). */
    static const uint8_t picm[] = {0x08, 0x5C, 'P', 'I', 'C', 'M', 0x00};
    static const uint8_t pic[] = {0x14, 0x0E, 0x5C, '_', 'P', 'I', 'C', 0x01,
                                  0x70, 0x68, 0x5C, 'P', 'I', 'C', 'M'};
    ck_assert(contains(d->data, d->size, picm, sizeof picm));
    ck_assert(contains(d->data, d->size, pic, sizeof pic));
    vmp_acpi_tables_free(&t);
    /* No HPET, no ECAM: neither table, nor an XSDT entry. */
    cfg.devices &= ~VMP_ACPI_DEV_HPET;
    cfg.ecam_base = 0;
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t), 0);
    ck_assert_ptr_null(blob(&t, "HPET"));
    ck_assert_ptr_null(blob(&t, "MCFG"));
    ck_assert_uint_eq(rd32(blob(&t, "XSDT")->data + 4), 36 + 16);
    vmp_acpi_tables_free(&t);
}
END_TEST

START_TEST(bad_config_and_space)
{
    struct vmp_acpi_config cfg;
    struct vmp_acpi_tables t;
    vmp_acpi_config_default(&cfg, 0);
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t), -EINVAL);
    vmp_acpi_config_default(&cfg, 256);
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t), -EINVAL);
    static const uint8_t dup[2] = {1, 1}, bcast[1] = {0xFF};
    vmp_acpi_config_default(&cfg, 2);
    cfg.apic_ids = dup;
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t), -EINVAL);
    vmp_acpi_config_default(&cfg, 1);
    cfg.apic_ids = bcast;
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t), -EINVAL);
    vmp_acpi_config_default(&cfg, 1);
    cfg.pci_gsi_base = 20; /* 20..27 is past the IOAPIC's 24 inputs */
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t), -EINVAL);
    vmp_acpi_config_default(&cfg, 1);
    cfg.ecam_base = 0xB0001000u;
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t), -EINVAL);
    vmp_acpi_config_default(&cfg, 1);
    cfg.pm1_evt_len = 3;
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t), -EINVAL);
    vmp_acpi_config_default(&cfg, 1);
    cfg.pci_mem64_base = UINT64_MAX - 10;
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t), -EINVAL);
    /* A PCI I/O window reaching below 0xD00 would overlap PCI0's legacy
     * window 0-0xCF7 or the configuration ports. */
    vmp_acpi_config_default(&cfg, 1);
    cfg.pci_io_base = 0xCFF;
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t), -EINVAL);
    cfg.pci_io_base = 0xD00;
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t), 0);
    vmp_acpi_tables_free(&t);
    vmp_acpi_config_default(&cfg, 1);
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0010, 0x10000, &t), -EINVAL);    /* alignment */
    ck_assert_int_eq(vmp_acpi_build(&cfg, 1ull << 32, 0x10000, &t), -EINVAL); /* above 4G */
    ck_assert_int_eq(vmp_acpi_build(NULL, 0xE0000, 0x10000, &t), -EINVAL);
    /* Every area smaller than what the tables need fails cleanly. */
    vmp_acpi_config_default(&cfg, 8);
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t), 0);
    size_t need = t.size;
    vmp_acpi_tables_free(&t);
    for (size_t sz = 0; sz < need; sz += 1 + sz / 16)
        ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, sz, &t), -ENOSPC);
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, need - 1, &t), -ENOSPC);
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, need, &t), 0);
    vmp_acpi_tables_free(&t);
    /* An area that would cross 4 GiB is cut there. */
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xFFFFFF00u, 0x10000, &t), -ENOSPC);
}
END_TEST

/* Install into guest memory, including a read-only BIOS area, with the
 * RSDP placed separately. */
START_TEST(install_and_dump)
{
    static uint8_t low[0x100000];
    memset(low, 0, sizeof low);
    struct vmp_mem *mem = vmp_mem_create();
    ck_assert_int_eq(vmp_mem_add(mem, 0, 0xE0000, low, 0), 0);
    ck_assert_int_eq(vmp_mem_add(mem, 0xE0000, 0x20000, low + 0xE0000, VMP_MEM_READONLY), 0);
    struct vmp_acpi_config cfg;
    vmp_acpi_config_default(&cfg, 2);
    cfg.rsdp_addr = 0xF0000;
    struct vmp_acpi_tables t;
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0x9000, 0x8000, &t), 0);
    ck_assert_uint_eq(t.rsdp_addr, 0xF0000);
    ck_assert_int_eq(vmp_acpi_install(&t, mem), 0);
    ck_assert(memcmp(low + 0xF0000, "RSD PTR ", 8) == 0);
    ck_assert(memcmp(low + 0x9000, "FACS", 4) == 0);
    ck_assert(memcmp(low + 0x9000, t.image, t.size) == 0);
    ck_assert_uint_eq(low[0x9000 + t.size], 0); /* nothing past the area */

    /* E820: the FACS in NVS, the rest ACPI reclaim. */
    struct vmp_e820_builder eb;
    vmp_e820_init(&eb);
    ck_assert_int_eq(vmp_e820_add(&eb, 0, 0x9FC00, VMP_E820_RAM), 0);
    ck_assert_int_eq(vmp_e820_add_acpi(&eb, &t), 0);
    struct vmp_e820_entry map[8];
    ck_assert_int_eq(vmp_e820_finish(&eb, map, 8), 4);
    ck_assert_uint_eq(map[1].addr, 0x9000);
    ck_assert_uint_eq(map[1].type, VMP_E820_NVS);
    ck_assert_uint_eq(map[2].addr, 0x9040);
    ck_assert_uint_eq(map[2].size, t.size - 64);
    ck_assert_uint_eq(map[2].type, VMP_E820_ACPI);

    char dir[] = "/tmp/vmp_acpi_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(vmp_acpi_dump(&t, dir), 0);
    static const char *names[] = {"rsdp", "facs", "dsdt", "facp", "apic", "hpet",
                                  "mcfg", "xsdt", "rsdt"};
    for (size_t i = 0; i < 9; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s.dat", dir, names[i]);
        FILE *f = fopen(path, "rb");
        ck_assert_msg(f != NULL, "%s missing", path);
        fseek(f, 0, SEEK_END);
        ck_assert_int_eq(ftell(f), (long)t.blob[i].size);
        fclose(f);
        unlink(path);
    }
    /* A missing directory is created. */
    ck_assert_int_eq(rmdir(dir), 0);
    ck_assert_int_eq(vmp_acpi_dump(&t, dir), 0);
    for (size_t i = 0; i < 9; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s.dat", dir, names[i]);
        ck_assert_int_eq(unlink(path), 0);
    }
    ck_assert_int_eq(rmdir(dir), 0);
    ck_assert_int_lt(vmp_acpi_dump(&t, "/nonexistent/dir"), 0);

    /* Tables where there is no memory: refused. */
    vmp_acpi_tables_free(&t);
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0x200000, 0x8000, &t), 0);
    ck_assert_int_eq(vmp_acpi_install(&t, mem), -EFAULT);
    vmp_acpi_tables_free(&t);
    vmp_mem_destroy(mem);
}
END_TEST

/* The MADT's I/O APIC ID must be one the I/O APIC can hold: the 82093AA's
 * IOAPICID register has 4 ID bits (27:24, datasheet 3.2.1), so an ID of
 * 16 or more in the MADT (the default was cpu_count) disagrees with what
 * the guest reads from the chip. And ISA IRQ 0 (already overridden to
 * GSI 2) and IRQ 2 (the cascade, whose GSI 2 the timer uses) cannot take
 * the SCI or a level override (5.2.12.5): two overrides would claim GSI 2. */
START_TEST(ioapic_id_and_override_sanity)
{
    static const unsigned counts[] = {1, 4, 15, 16, 17, 32, 255};
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        struct vmp_acpi_config cfg;
        vmp_acpi_config_default(&cfg, counts[k]);
        struct vmp_acpi_tables t;
        ck_assert_int_eq(vmp_acpi_build(&cfg, 0x80000, VMP_ACPI_MAX_SIZE, &t), 0);
        const uint8_t *m = blob(&t, "APIC")->data;
        uint8_t madt_id = 0xFF;
        for (uint32_t off = 44; off < rd32(m + 4); off += m[off + 1])
            if (m[off] == 1)
                madt_id = m[off + 2];
        vmp_acpi_tables_free(&t);
        struct vmp_ioapic_cfg icfg = { .id = cfg.ioapic_id };
        struct vmp_ioapic *io = vmp_ioapic_create(NULL, NULL, &icfg);
        ck_assert_ptr_nonnull(io);
        vmp_ioapic_io_ops.write(io, 0x00, 0x00, 4);
        uint32_t reg = (uint32_t)vmp_ioapic_io_ops.read(io, 0x10, 4);
        vmp_ioapic_destroy(io);
        ck_assert_msg(madt_id == (reg >> 24 & 0xF), "%u cpus: MADT says IOAPIC %u, chip %u",
                      counts[k], madt_id, reg >> 24 & 0xF);
    }
    struct vmp_acpi_config cfg;
    struct vmp_acpi_tables t;
    vmp_acpi_config_default(&cfg, 1);
    cfg.sci_irq = 2;
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t), -EINVAL);
    cfg.sci_irq = 0;
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t), -EINVAL);
    vmp_acpi_config_default(&cfg, 1);
    cfg.isa_level_irqs = 1u << 2;
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t), -EINVAL);
    cfg.isa_level_irqs = 1u << 0;
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t), -EINVAL);
    cfg.isa_level_irqs = 1u << 11;
    ck_assert_int_eq(vmp_acpi_build(&cfg, 0xE0000, 0x10000, &t), 0);
    vmp_acpi_tables_free(&t);
}
END_TEST

Suite *acpi_suite(void)
{
    Suite *s = suite_create("acpi");
    TCase *tc = tcase_create("tables");
    tcase_add_test(tc, pointers_and_checksums);
    tcase_add_test(tc, fadt_fields);
    tcase_add_test(tc, madt_cpus);
    tcase_add_test(tc, ioapic_id_and_override_sanity);
    tcase_add_test(tc, hpet_mcfg_dsdt);
    tcase_add_test(tc, bad_config_and_space);
    tcase_add_test(tc, install_and_dump);
    suite_add_tcase(s, tc);
    return s;
}

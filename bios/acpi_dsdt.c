/* The DSDT's AML (ACPI 6.4 section 5.2.11.1): sleep state, \_PIC, PCI
 * root bridge, motherboard resources, processors and the ISA devices. */
#include <stdio.h>

#include "acpi_priv.h"

static void name_int(struct vmp_aml *a, const char *name, uint64_t v)
{
    vmp_aml_name_decl(a, name);
    vmp_aml_int(a, v);
}

static void name_eisaid(struct vmp_aml *a, const char *name, const char *id)
{
    vmp_aml_name_decl(a, name);
    vmp_aml_eisaid(a, id);
}

/* \_S5 (section 7.4.2): SLP_TYP values for PM1a and PM1b, then reserved. */
static void sleep_states(struct vmp_aml *a, const struct vmp_acpi_config *cfg)
{
    vmp_aml_name_decl(a, "\\_S5");
    vmp_aml_package_begin(a, 4);
    vmp_aml_int(a, cfg->s5_slp_typ);
    vmp_aml_int(a, cfg->s5_slp_typ);
    vmp_aml_int(a, 0);
    vmp_aml_int(a, 0);
    vmp_aml_end(a);
}

/* PCI root bridge (section 6.1.5 _HID PNP0A08 = PCI Express, _CID PNP0A03;
 * PCI Firmware 3.0 section 4.1.5 for _CRS windows). */
static void pci0(struct vmp_aml *a, const struct vmp_acpi_config *cfg)
{
    vmp_aml_device_begin(a, "PCI0");
    name_eisaid(a, "_HID", "PNP0A08");
    name_eisaid(a, "_CID", "PNP0A03");
    name_int(a, "_UID", 0);
    name_int(a, "_SEG", 0);
    name_int(a, "_BBN", cfg->ecam_bus_start);

    vmp_aml_name_decl(a, "_CRS");
    vmp_aml_rt_begin(a);
    vmp_aml_rt_word_bus(a, cfg->ecam_bus_start, cfg->ecam_bus_end);
    /* I/O: 0xCF8-0xCFF (configuration mechanism #1) as an I/O descriptor,
     * which has no producer flag: the bridge's own ports. Then the
     * windows the bridge passes on: the legacy ports 0-0xCF7, so that the
     * ISA devices' _CRS lie inside a root bridge window (an OS flags
     * ranges outside every window as conflicts), and the PCI I/O window
     * (check_config keeps it above 0xCFF). */
    vmp_aml_rt_io(a, 0xCF8, 0xCF8, 1, 8);
    vmp_aml_rt_word_io(a, 0x0000, 0x0CF7);
    vmp_aml_rt_word_io(a, cfg->pci_io_base, cfg->pci_io_limit);
    if (cfg->devices & VMP_ACPI_DEV_VGA)
        vmp_aml_rt_dword_mem(a, false, VMP_AML_MEM_CACHEABLE, 0xA0000, 0xBFFFF);
    vmp_aml_rt_dword_mem(a, false, VMP_AML_MEM_NONCACHEABLE, cfg->pci_mem32_base,
                         cfg->pci_mem32_limit);
    if (cfg->pci_mem64_size)
        vmp_aml_rt_qword_mem(a, false, VMP_AML_MEM_CACHEABLE, cfg->pci_mem64_base,
                             cfg->pci_mem64_base + cfg->pci_mem64_size - 1);
    vmp_aml_rt_end(a);

    /* _PRT (section 6.2.13): Address 0xSSSSFFFF (any function), Pin 0-3
     * for INTA-INTD, Source Zero so Source Index is a GSI. */
    vmp_aml_name_decl(a, "_PRT");
    vmp_aml_package_begin(a, (uint8_t)(cfg->pci_slots * 4));
    for (unsigned s = 0; s < cfg->pci_slots; s++) {
        for (unsigned p = 0; p < 4; p++) {
            vmp_aml_package_begin(a, 4);
            vmp_aml_int(a, ((uint64_t)s << 16) | 0xFFFF);
            vmp_aml_int(a, p);
            vmp_aml_int(a, 0);
            vmp_aml_int(a, cfg->pci_gsi_base + (s + p) % cfg->pci_gsi_count);
            vmp_aml_end(a);
        }
    }
    vmp_aml_end(a);
    vmp_aml_end(a);
}

/* \_PIC (section 5.8.1): OSPM calls it with 0 (PIC mode), 1 (APIC) or 2
 * (SAPIC) before it uses _PRT; the value is kept in \PICM. The _PRT names
 * GSIs in either mode (the IOAPIC is always there), so nothing reads it
 * yet. */
static void pic_method(struct vmp_aml *a)
{
    name_int(a, "\\PICM", 0);
    vmp_aml_method_begin(a, "\\_PIC", 1); /* one argument, not serialized */
    vmp_aml_store(a);
    vmp_aml_arg(a, 0);
    vmp_aml_name(a, "\\PICM");
    vmp_aml_end(a);
}

static void rt_io_range(struct vmp_aml *a, uint16_t base, unsigned len)
{
    if (base && len)
        vmp_aml_rt_io(a, base, base, 1, (uint8_t)len);
}

/* Motherboard resources (PNP0C02): ECAM (PCI Firmware 3.0 section 4.1.2
 * wants it reserved here) and the PM ports, so nothing else claims them. */
static void motherboard(struct vmp_aml *a, const struct vmp_acpi_config *cfg)
{
    vmp_aml_device_begin(a, "MRES");
    name_eisaid(a, "_HID", "PNP0C02");
    name_int(a, "_UID", 0);
    vmp_aml_name_decl(a, "_CRS");
    vmp_aml_rt_begin(a);
    if (cfg->ecam_base) {
        uint64_t len = ((uint64_t)cfg->ecam_bus_end - cfg->ecam_bus_start + 1) << 20;
        uint64_t start = cfg->ecam_base + ((uint64_t)cfg->ecam_bus_start << 20);
        if (start + len <= 0x100000000ull)
            vmp_aml_rt_mem32_fixed(a, true, (uint32_t)start, (uint32_t)len);
        else
            vmp_aml_rt_qword_mem(a, true, VMP_AML_MEM_NONCACHEABLE, start, start + len - 1);
    }
    rt_io_range(a, cfg->pm1a_evt, cfg->pm1_evt_len);
    rt_io_range(a, cfg->pm1a_cnt, cfg->pm1_cnt_len);
    rt_io_range(a, cfg->pm_tmr, 4);
    rt_io_range(a, cfg->gpe0, cfg->gpe0_len);
    vmp_aml_rt_end(a);
    vmp_aml_end(a);
}

/* A device with _HID, optional _UID, and a _CRS of I/O ranges and ISA IRQs
 * (each IRQNoFlags: edge, active-high, as ISA interrupts are). */
struct isa_dev {
    uint32_t bit;
    const char *name, *hid;
    int uid; /* < 0: none */
    uint16_t io[3];
    uint8_t io_len[3];
    int irq[2]; /* < 0: none */
};

static const struct isa_dev isa_devs[] = {
    {VMP_ACPI_DEV_COM1, "COM1", "PNP0501", 1, {0x3F8}, {8}, {4, -1}},
    {VMP_ACPI_DEV_COM2, "COM2", "PNP0501", 2, {0x2F8}, {8}, {3, -1}},
    {VMP_ACPI_DEV_RTC, "RTC", "PNP0B00", -1, {0x70}, {2}, {8, -1}},
    {VMP_ACPI_DEV_I8042, "KBD", "PNP0303", -1, {0x60, 0x64}, {1, 1}, {1, -1}},
    {VMP_ACPI_DEV_I8042, "MOU", "PNP0F13", -1, {0}, {0}, {12, -1}},
    {VMP_ACPI_DEV_PIT, "TMR", "PNP0100", -1, {0x40}, {4}, {0, -1}},
    {VMP_ACPI_DEV_PIC, "PIC", "PNP0000", -1, {0x20, 0xA0, 0x4D0}, {2, 2, 2}, {2, -1}},
};

static void isa(struct vmp_aml *a, const struct isa_dev *d)
{
    vmp_aml_device_begin(a, d->name);
    name_eisaid(a, "_HID", d->hid);
    if (d->uid >= 0)
        name_int(a, "_UID", (uint64_t)d->uid);
    vmp_aml_name_decl(a, "_CRS");
    vmp_aml_rt_begin(a);
    for (int i = 0; i < 3; i++)
        if (d->io[i])
            vmp_aml_rt_io(a, d->io[i], d->io[i], 1, d->io_len[i]);
    for (int i = 0; i < 2; i++)
        if (d->irq[i] >= 0)
            vmp_aml_rt_irq(a, (uint16_t)(1u << d->irq[i]), -1);
    vmp_aml_rt_end(a);
    vmp_aml_end(a);
}

/* HPET (IA-PC HPET 1.0a section 3.2.5: _HID PNP0103, 1 KiB of registers). */
static void hpet(struct vmp_aml *a, const struct vmp_acpi_config *cfg)
{
    vmp_aml_device_begin(a, "HPET");
    name_eisaid(a, "_HID", "PNP0103");
    name_int(a, "_UID", 0);
    vmp_aml_name_decl(a, "_CRS");
    vmp_aml_rt_begin(a);
    vmp_aml_rt_mem32_fixed(a, false, cfg->hpet_addr, 0x400);
    vmp_aml_rt_end(a);
    vmp_aml_end(a);
}

/* Processor devices (section 8.4, _HID ACPI0007); _UID matches the MADT's
 * ACPI Processor UID. */
static void cpus(struct vmp_aml *a, const struct vmp_acpi_config *cfg)
{
    for (unsigned i = 0; i < cfg->cpu_count; i++) {
        char name[5];
        snprintf(name, sizeof name, "C%03X", i & 0xFFFu);
        vmp_aml_device_begin(a, name);
        vmp_aml_name_decl(a, "_HID");
        vmp_aml_string(a, "ACPI0007");
        name_int(a, "_UID", i);
        vmp_aml_end(a);
    }
}

long vmp_acpi_dsdt_body(const struct vmp_acpi_config *cfg, uint8_t *buf, size_t cap)
{
    struct vmp_aml a;
    vmp_aml_init(&a, buf, cap);
    sleep_states(&a, cfg);
    pic_method(&a);
    vmp_aml_scope_begin(&a, "\\_SB");
    pci0(&a, cfg);
    motherboard(&a, cfg);
    for (size_t i = 0; i < sizeof isa_devs / sizeof isa_devs[0]; i++)
        if (cfg->devices & isa_devs[i].bit)
            isa(&a, &isa_devs[i]);
    if (cfg->devices & VMP_ACPI_DEV_HPET)
        hpet(&a, cfg);
    cpus(&a, cfg);
    vmp_aml_end(&a);
    if (vmp_aml_error(&a))
        return vmp_aml_error(&a);
    return (long)a.len;
}

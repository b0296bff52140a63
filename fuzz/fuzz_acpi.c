/* Firmware-table builders against arbitrary configurations. Byte 0 picks
 * the target: ACPI tables, SMBIOS, the E820 builder or the AML encoder;
 * the rest fills its configuration. Buffers are allocated at exactly the
 * size the builder is told, so ASan sees any write past them; every
 * table that is built must have correct checksums and stay in bounds. */
#include <stdlib.h>
#include <string.h>

#include <vmparts/acpi.h>
#include <vmparts/smbios.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct in {
    const uint8_t *p;
    size_t n;
};

static uint64_t take(struct in *in, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++) {
        v = v << 8 | (in->n ? *in->p : 0);
        if (in->n) {
            in->p++;
            in->n--;
        }
    }
    return v;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void check(bool ok)
{
    if (!ok)
        abort();
}

static void fuzz_tables(struct in *in)
{
    struct vmp_acpi_config c;
    unsigned cpus = (unsigned)take(in, 1) + (take(in, 1) & 1); /* 0..256 */
    vmp_acpi_config_default(&c, cpus);
    uint8_t ids[256];
    uint8_t mode = (uint8_t)take(in, 1);
    if (mode & 1) {
        for (unsigned i = 0; i < 256; i++)
            ids[i] = (uint8_t)take(in, 1);
        c.apic_ids = ids;
    }
    if (mode & 2) {
        c.ioapic_gsi_base = (uint32_t)take(in, 4);
        c.ioapic_pins = (unsigned)take(in, 1);
        c.pci_gsi_base = (uint32_t)take(in, 4);
        c.pci_gsi_count = (unsigned)take(in, 1);
        c.pci_slots = (unsigned)take(in, 1) & 63;
    }
    if (mode & 4) {
        c.pm1a_evt = (uint16_t)take(in, 2);
        c.pm1_evt_len = (uint8_t)take(in, 1);
        c.pm1a_cnt = (uint16_t)take(in, 2);
        c.pm1_cnt_len = (uint8_t)take(in, 1);
        c.pm_tmr = (uint16_t)take(in, 2);
        c.gpe0 = (uint16_t)take(in, 2);
        c.gpe0_len = (uint8_t)take(in, 1);
        c.sci_irq = (uint8_t)take(in, 1);
        c.isa_level_irqs = (uint16_t)take(in, 2);
        c.century = (uint8_t)take(in, 1);
        c.s5_slp_typ = (uint8_t)take(in, 1);
        c.reset_port = (uint16_t)take(in, 2);
    }
    if (mode & 8) {
        c.ecam_base = take(in, 8);
        c.ecam_bus_start = (uint8_t)take(in, 1);
        c.ecam_bus_end = (uint8_t)take(in, 1);
        c.pci_mem32_base = (uint32_t)take(in, 4);
        c.pci_mem32_limit = (uint32_t)take(in, 4);
        c.pci_mem64_base = take(in, 8);
        c.pci_mem64_size = take(in, 8);
        c.pci_io_base = (uint16_t)take(in, 2);
        c.pci_io_limit = (uint16_t)take(in, 2);
    }
    if (mode & 16) {
        c.devices = (uint32_t)take(in, 1);
        c.hpet_addr = (uint32_t)take(in, 4);
        c.rsdp_addr = take(in, 8);
    }
    uint64_t base = take(in, 1) & 0x80 ? take(in, 8) : 0xE0000;
    uint64_t max = take(in, 3);
    struct vmp_acpi_tables t;
    if (vmp_acpi_build(&c, base, max, &t) != 0)
        return;
    check(t.size <= max && t.size <= VMP_ACPI_MAX_SIZE && t.base == base);
    check(vmp_acpi_sum(t.rsdp, 20) == 0 && vmp_acpi_sum(t.rsdp, 36) == 0);
    for (size_t i = 0; i < t.count; i++) {
        const struct vmp_acpi_blob *b = &t.blob[i];
        if (!strcmp(b->signature, "RSD "))
            continue;
        check(b->gpa >= base && b->gpa - base + b->size <= t.size);
        check(b->data == t.image + (b->gpa - base));
        check(rd32(b->data + 4) == b->size);
        if (strcmp(b->signature, "FACS"))
            check(vmp_acpi_sum(b->data, b->size) == 0);
    }
    vmp_acpi_tables_free(&t);
}

static void fuzz_smbios(struct in *in)
{
    static const char *strs[] = {NULL, "", "x", "vmparts", "bad\x01", "\x7f",
                                 "0123456789012345678901234567890123456789012345678901234567890123",
                                 "01234567890123456789012345678901234567890123456789012345678901234"};
    struct vmp_smbios_config c;
    unsigned cpus = (unsigned)take(in, 2) % 300;
    uint64_t lo = take(in, 5), hi = take(in, 8);
    vmp_smbios_config_default(&c, cpus, lo, hi);
    const char **fields[] = {&c.bios_vendor, &c.sys_product, &c.sys_serial, &c.cpu_version};
    for (size_t i = 0; i < 4; i++)
        *fields[i] = strs[take(in, 1) & 7];
    size_t cap = (size_t)take(in, 2);
    uint8_t *buf = malloc(cap ? cap : 1);
    uint8_t ep[VMP_SMBIOS_EP_LEN];
    if (!buf)
        abort();
    long len = vmp_smbios_build(&c, take(in, 8), cap ? buf : NULL, cap, ep);
    if (len >= 0) {
        check((size_t)len <= cap && rd32(ep + 12) == (uint32_t)len);
        uint8_t s = 0;
        for (int i = 0; i < VMP_SMBIOS_EP_LEN; i++)
            s = (uint8_t)(s + ep[i]);
        check(s == 0);
        /* The table ends with type 127's formatted area and two NULs. */
        check(len >= 6 && buf[len - 6] == 127 && buf[len - 1] == 0 && buf[len - 2] == 0);
    }
    free(buf);
}

static void fuzz_e820(struct in *in)
{
    struct vmp_e820_builder b;
    vmp_e820_init(&b);
    unsigned n = (unsigned)take(in, 1) % (VMP_E820_BUILDER_MAX + 4);
    for (unsigned i = 0; i < n; i++) {
        uint64_t addr = take(in, 1) & 1 ? take(in, 8) : take(in, 2) << 12;
        uint64_t len = take(in, 1) & 1 ? take(in, 8) : take(in, 2) << 12;
        vmp_e820_add(&b, addr, len, (uint32_t)take(in, 1) % 7);
    }
    size_t max = (size_t)take(in, 1);
    struct vmp_e820_entry *out = malloc((max ? max : 1) * sizeof *out);
    if (!out)
        abort();
    int r = vmp_e820_finish(&b, max ? out : NULL, max);
    /* Sorted, non-empty, non-overlapping, never two mergeable neighbours. */
    for (int i = 0; i < r; i++) {
        check(out[i].size > 0 && out[i].size - 1 <= UINT64_MAX - out[i].addr);
        if (i > 0) {
            uint64_t end = out[i - 1].addr + out[i - 1].size;
            check(end <= out[i].addr);
            check(end != out[i].addr || out[i - 1].type != out[i].type);
        }
    }
    free(out);
}

static void fuzz_aml(struct in *in)
{
    size_t cap = (size_t)take(in, 2) % 4096;
    uint8_t *buf = malloc(cap ? cap : 1);
    if (!buf)
        abort();
    struct vmp_aml a;
    vmp_aml_init(&a, cap ? buf : NULL, cap);
    static const char *names[] = {"\\_SB.PCI0", "_HID", "^^A.B.C", "\\", "", "bad",
                                  "A..B", "ABCDE", "_S5"};
    while (in->n) {
        uint8_t op = (uint8_t)take(in, 1);
        switch (op % 20) {
        case 0: vmp_aml_int(&a, take(in, (op >> 5) + 1)); break;
        case 1: vmp_aml_name(&a, names[take(in, 1) % 9]); break;
        case 2: vmp_aml_scope_begin(&a, names[take(in, 1) % 9]); break;
        case 3: vmp_aml_device_begin(&a, names[take(in, 1) % 9]); break;
        case 4: vmp_aml_method_begin(&a, "_STA", (uint8_t)take(in, 1)); break;
        case 5: vmp_aml_package_begin(&a, (uint8_t)take(in, 1)); break;
        case 6: vmp_aml_buffer_begin(&a); break;
        case 7: vmp_aml_if_begin(&a); break;
        case 8: vmp_aml_else_begin(&a); break;
        case 9: vmp_aml_end(&a); break;
        case 10: vmp_aml_rt_begin(&a); break;
        case 11: vmp_aml_rt_end(&a); break;
        case 12: vmp_aml_rt_io(&a, (uint16_t)take(in, 2), (uint16_t)take(in, 2), 1, 8); break;
        case 13: vmp_aml_rt_irq(&a, (uint16_t)take(in, 2), (int)(op >> 5) - 2); break;
        case 14: vmp_aml_rt_qword_mem(&a, op & 32, op >> 6, take(in, 8), take(in, 8)); break;
        case 15: vmp_aml_rt_dword_mem(&a, op & 32, op >> 6, (uint32_t)take(in, 4),
                                      (uint32_t)take(in, 4)); break;
        case 16: vmp_aml_rt_interrupt(&a, op & 32, op & 64, op & 128, (uint32_t)take(in, 4)); break;
        case 17: vmp_aml_string(&a, op & 32 ? "ACPI0007" : "\xff"); break;
        case 18: vmp_aml_eisaid(&a, op & 32 ? "PNP0A03" : "pnp0a03"); break;
        default: vmp_aml_pkglength(&a, (size_t)take(in, 4)); break;
        }
        check(a.len <= cap && a.depth <= VMP_AML_MAX_DEPTH);
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct in in = {data + 1, size - 1};
    switch (data[0] & 3) {
    case 0: fuzz_tables(&in); break;
    case 1: fuzz_smbios(&in); break;
    case 2: fuzz_e820(&in); break;
    default: fuzz_aml(&in); break;
    }
    return 0;
}

/* ACPI system description tables (ACPI 6.4 section 5.2): layout, headers,
 * checksums and the fixed-format tables; the DSDT's AML is acpi_dsdt.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "acpi_priv.h"

uint8_t vmp_acpi_sum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s = (uint8_t)(s + b[i]);
    return s;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

void vmp_acpi_config_default(struct vmp_acpi_config *cfg, unsigned cpus)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->cpu_count = cpus;
    cfg->lapic_addr = 0xFEE00000u;
    /* The 82093AA's ID register holds 4 bits (IOAPICID 27:24): an ID the
     * chip can report back, off the LAPIC IDs while there are fewer than
     * 16 CPUs (the namespaces only had to be disjoint on the serial APIC
     * bus; xAPIC systems keep them apart). */
    cfg->ioapic_id = (uint8_t)(cpus & 0xF);
    cfg->ioapic_addr = 0xFEC00000u;
    cfg->ioapic_gsi_base = 0;
    cfg->ioapic_pins = 24;
    cfg->hpet_addr = 0xFED00000u;
    /* Capabilities low half of a 3-timer, 64-bit, legacy-capable HPET with
     * vendor 0x8086 (HPET 1.0a section 2.3.4); boards pass their model's. */
    cfg->hpet_block_id = 0x8086A201u;
    cfg->hpet_min_tick = 128;
    cfg->pm1a_evt = 0x600;
    cfg->pm1_evt_len = 4;
    cfg->pm1a_cnt = 0x604;
    cfg->pm1_cnt_len = 2;
    cfg->pm_tmr = 0x608;
    cfg->pm_tmr_32bit = true; /* the board's PM model runs with tmr_val_ext */
    cfg->gpe0 = 0x620;
    cfg->gpe0_len = 16;
    cfg->s5_slp_typ = 5;
    cfg->sci_irq = 9;
    cfg->isa_level_irqs = 0;
    cfg->reset_port = 0xCF9;
    cfg->reset_value = 0x06;
    cfg->century = 0x32;
    cfg->ecam_base = 0xB0000000u;
    cfg->ecam_bus_start = 0;
    cfg->ecam_bus_end = 255;
    cfg->pci_mem32_base = 0xC0000000u;
    cfg->pci_mem32_limit = 0xFEBFFFFFu;
    /* 256 GiB at 256 GiB: ends at 2^39, inside the smallest physical
     * address width of current x86-64 CPUs. */
    cfg->pci_mem64_base = 0x4000000000ull;
    cfg->pci_mem64_size = 0x4000000000ull;
    cfg->pci_io_base = 0x1000;
    cfg->pci_io_limit = 0xFFFF;
    cfg->pci_slots = 32;
    cfg->pci_gsi_base = 16;
    cfg->pci_gsi_count = 8;
    cfg->devices = VMP_ACPI_DEV_ALL;
    cfg->rsdp_addr = 0;
}

static int check_config(const struct vmp_acpi_config *c)
{
    if (c->cpu_count < 1 || c->cpu_count > VMP_ACPI_MAX_CPUS)
        return -EINVAL;
    uint8_t seen[256 / 8] = {0};
    for (unsigned i = 0; i < c->cpu_count; i++) {
        uint8_t id = vmp_acpi_apic_id(c, i);
        if (id == 0xFF || (seen[id / 8] & (1u << (id % 8)))) /* 0xFF is broadcast */
            return -EINVAL;
        seen[id / 8] |= (uint8_t)(1u << (id % 8));
    }
    if (c->ioapic_pins < 1 || c->ioapic_pins > 240 ||
        (uint64_t)c->ioapic_gsi_base + c->ioapic_pins > 0x100000000ull)
        return -EINVAL;
    /* Every _PRT GSI must be an IOAPIC input. */
    if (c->pci_gsi_count < 1 || c->pci_gsi_base < c->ioapic_gsi_base ||
        (uint64_t)c->pci_gsi_base + c->pci_gsi_count >
            (uint64_t)c->ioapic_gsi_base + c->ioapic_pins)
        return -EINVAL;
    if (c->pci_slots > 32 || c->sci_irq > 15)
        return -EINVAL;
    /* 5.2.12.5: IRQ 0 already has an override (to GSI 2) and IRQ 2 is the
     * cascade whose GSI 2 the timer takes: neither can carry the SCI or a
     * level override. */
    if (c->sci_irq == 0 || c->sci_irq == 2 || (c->isa_level_irqs & 0x0005))
        return -EINVAL;
    if (c->pm1a_evt == 0 || c->pm1a_cnt == 0 || c->pm_tmr == 0)
        return -EINVAL;
    /* Section 4.8.3: PM1 event blocks are >= 4 bytes and even, control
     * blocks >= 2, GPE blocks even. */
    if (c->pm1_evt_len < 4 || (c->pm1_evt_len & 1) || c->pm1_cnt_len < 2 ||
        (c->gpe0_len & 1) || (c->gpe0 == 0) != (c->gpe0_len == 0))
        return -EINVAL;
    if ((uint32_t)c->pm1a_evt + c->pm1_evt_len > 0x10000 ||
        (uint32_t)c->pm1a_cnt + c->pm1_cnt_len > 0x10000 ||
        (uint32_t)c->pm_tmr + 4 > 0x10000 || (uint32_t)c->gpe0 + c->gpe0_len > 0x10000)
        return -EINVAL;
    if (c->century > 0x7F || c->s5_slp_typ > 7)
        return -EINVAL;
    if (c->ecam_base) {
        if (c->ecam_bus_start > c->ecam_bus_end || (c->ecam_base & 0xFFFFF) ||
            c->ecam_base > UINT64_MAX - (256ull << 20))
            return -EINVAL;
    }
    /* The I/O window must not overlap the DSDT's legacy window 0-0xCF7
     * or the configuration ports 0xCF8-0xCFF. */
    if (c->pci_mem32_base > c->pci_mem32_limit || c->pci_io_base > c->pci_io_limit ||
        c->pci_io_base < 0xD00)
        return -EINVAL;
    if (c->pci_mem64_size && c->pci_mem64_size - 1 > UINT64_MAX - c->pci_mem64_base)
        return -EINVAL;
    if ((c->devices & VMP_ACPI_DEV_HPET) && c->hpet_addr > 0xFFFFFC00u)
        return -EINVAL;
    if (c->rsdp_addr & 15)
        return -EINVAL;
    return 0;
}

/* Standard header (section 5.2.6); the checksum is filled in last. */
static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(t, sig, 4);
    put32(t + 4, len);
    t[8] = rev;
    t[9] = 0;
    memcpy(t + 10, VMP_ACPI_OEM_ID, 6);
    memcpy(t + 16, VMP_ACPI_OEM_TABLE_ID, 8);
    put32(t + 24, 1);
    memcpy(t + 28, VMP_ACPI_CREATOR_ID, 4);
    put32(t + 32, 1);
}

static void finish(uint8_t *t, uint32_t len) { t[9] = (uint8_t)(0u - vmp_acpi_sum(t, len)); }

/* Generic Address Structure (section 5.2.3.2). */
static void gas(uint8_t *p, uint8_t space, uint8_t bits, uint8_t access, uint64_t addr)
{
    p[0] = space;
    p[1] = bits;
    p[2] = 0;
    p[3] = access;
    put64(p + 4, addr);
}
#define GAS_IO 1
#define ACC_BYTE 1
#define ACC_WORD 2
#define ACC_DWORD 3

#define FADT_LEN 276u
static void fadt(uint8_t *t, const struct vmp_acpi_config *c, uint32_t facs, uint32_t dsdt)
{
    header(t, "FACP", FADT_LEN, 6);
    put32(t + 36, facs);
    put32(t + 40, dsdt);
    t[45] = 0; /* Preferred_PM_Profile: unspecified */
    put16(t + 46, c->sci_irq);
    /* SMI_CMD 0: no SMM, the hardware is in ACPI mode from reset, so the PM
     * model must start with SCI_EN set (section 4.8.2.1 / 5.2.9). */
    put32(t + 56, c->pm1a_evt);
    put32(t + 64, c->pm1a_cnt);
    put32(t + 76, c->pm_tmr);
    put32(t + 80, c->gpe0);
    t[88] = c->pm1_evt_len;
    t[89] = c->pm1_cnt_len;
    t[91] = 4;
    t[92] = c->gpe0_len;
    put16(t + 96, 101);  /* P_LVL2_LAT > 100: no C2 */
    put16(t + 98, 1001); /* P_LVL3_LAT > 1000: no C3 */
    t[108] = c->century;
    /* IAPC_BOOT_ARCH (5.2.9.3): bit 0 legacy devices, bit 1 8042. */
    uint16_t boot = 0;
    if (c->devices & (VMP_ACPI_DEV_COM1 | VMP_ACPI_DEV_COM2 | VMP_ACPI_DEV_RTC |
                      VMP_ACPI_DEV_PIT | VMP_ACPI_DEV_PIC | VMP_ACPI_DEV_I8042))
        boot |= 1u << 0;
    if (c->devices & VMP_ACPI_DEV_I8042)
        boot |= 1u << 1;
    if (!(c->devices & VMP_ACPI_DEV_VGA))
        boot |= 1u << 2;
    if (!(c->devices & VMP_ACPI_DEV_RTC))
        boot |= 1u << 5;
    put16(t + 109, boot);
    /* Flags (table 5.10): WBINVD, PROC_C1, SLP_BUTTON (no fixed sleep
     * button; the power button is the fixed one, PWR_BUTTON clear),
     * FIX_RTC (no RTC wake status), RTC_S4, TMR_VAL_EXT, RESET_REG_SUP,
     * USE_PLATFORM_CLOCK. */
    uint32_t flags = (1u << 0) | (1u << 2) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 15);
    if (c->pm_tmr_32bit)
        flags |= 1u << 8;
    if (c->reset_port)
        flags |= 1u << 10;
    put32(t + 112, flags);
    if (c->reset_port) {
        gas(t + 116, GAS_IO, 8, ACC_BYTE, c->reset_port);
        t[128] = c->reset_value;
    }
    t[131] = 4; /* FADT minor version: ACPI 6.4 */
    /* X_FIRMWARE_CTRL must be zero when FIRMWARE_CTRL is set (table 5.9);
     * X_DSDT may repeat DSDT and takes precedence. */
    put64(t + 140, dsdt);
    gas(t + 148, GAS_IO, (uint8_t)(c->pm1_evt_len * 8), ACC_WORD, c->pm1a_evt);
    gas(t + 172, GAS_IO, (uint8_t)(c->pm1_cnt_len * 8), ACC_WORD, c->pm1a_cnt);
    gas(t + 208, GAS_IO, 32, ACC_DWORD, c->pm_tmr);
    if (c->gpe0)
        gas(t + 220, GAS_IO, (uint8_t)(c->gpe0_len * 8), ACC_BYTE, c->gpe0);
    memcpy(t + 268, "VMPARTS\0", 8); /* Hypervisor Vendor Identity */
    finish(t, FADT_LEN);
}

/* FACS (section 5.2.10): 64 bytes, no checksum, 64-byte aligned. */
static void facs(uint8_t *t)
{
    memcpy(t, "FACS", 4);
    put32(t + 4, 64);
    t[32] = 2; /* version */
}

/* MADT (section 5.2.12). */
static uint32_t madt_len(const struct vmp_acpi_config *c)
{
    unsigned overrides = 1; /* IRQ0 -> GSI2 */
    for (unsigned irq = 0; irq < 16; irq++)
        if (irq != 0 && (irq == c->sci_irq || (c->isa_level_irqs & (1u << irq))))
            overrides++;
    return 44 + 8 * c->cpu_count + 12 + 10 * overrides + 6;
}

static void madt(uint8_t *t, const struct vmp_acpi_config *c)
{
    uint32_t len = madt_len(c);
    header(t, "APIC", len, 5);
    put32(t + 36, c->lapic_addr);
    put32(t + 40, 1); /* PCAT_COMPAT: dual 8259s present */
    uint8_t *p = t + 44;
    for (unsigned i = 0; i < c->cpu_count; i++) {
        /* Processor Local APIC (5.2.12.2): UID, APIC ID, Enabled. */
        p[0] = 0;
        p[1] = 8;
        p[2] = (uint8_t)i;
        p[3] = vmp_acpi_apic_id(c, i);
        put32(p + 4, 1);
        p += 8;
    }
    /* I/O APIC (5.2.12.3). */
    p[0] = 1;
    p[1] = 12;
    p[2] = c->ioapic_id;
    p[3] = 0;
    put32(p + 4, c->ioapic_addr);
    put32(p + 8, c->ioapic_gsi_base);
    p += 12;
    /* Interrupt Source Overrides (5.2.12.5): ISA IRQ0 (the PIT) reaches
     * GSI 2; SCI and PCI-shared ISA IRQs are level, active-high (flags:
     * polarity 01 = high in bits 1:0, trigger 11 = level in bits 3:2). */
    for (unsigned irq = 0; irq < 16; irq++) {
        uint16_t flags;
        uint32_t gsi = c->ioapic_gsi_base + irq;
        if (irq == 0) {
            gsi = c->ioapic_gsi_base + 2;
            flags = 0; /* conforms to ISA: edge, active-high */
        } else if (irq == c->sci_irq || (c->isa_level_irqs & (1u << irq))) {
            flags = 0x000D;
        } else {
            continue;
        }
        p[0] = 2;
        p[1] = 10;
        p[2] = 0; /* bus: ISA */
        p[3] = (uint8_t)irq;
        put32(p + 4, gsi);
        put16(p + 8, flags);
        p += 10;
    }
    /* Local APIC NMI (5.2.12.7): every processor (UID 0xFF), LINT1. */
    p[0] = 4;
    p[1] = 6;
    p[2] = 0xFF;
    put16(p + 3, 0);
    p[5] = 1;
    finish(t, len);
}

/* HPET description table (IA-PC HPET 1.0a section 3.2.4). */
#define HPET_LEN 56u
static void hpet(uint8_t *t, const struct vmp_acpi_config *c)
{
    header(t, "HPET", HPET_LEN, 1);
    put32(t + 36, c->hpet_block_id);
    gas(t + 40, 0 /* system memory */, 64, 0, c->hpet_addr);
    t[52] = 0; /* HPET number */
    put16(t + 53, c->hpet_min_tick);
    t[55] = 0; /* no page protection */
    finish(t, HPET_LEN);
}

/* MCFG (PCI Firmware 3.0 section 4.1.2): one ECAM allocation. The base
 * address is that of bus 0 even when the range starts later. */
#define MCFG_LEN 60u
static void mcfg(uint8_t *t, const struct vmp_acpi_config *c)
{
    header(t, "MCFG", MCFG_LEN, 1);
    put64(t + 44, c->ecam_base);
    put16(t + 52, 0);
    t[54] = c->ecam_bus_start;
    t[55] = c->ecam_bus_end;
    finish(t, MCFG_LEN);
}

/* RSDP (section 5.2.5.3), revision 2. */
static void rsdp(uint8_t *p, uint32_t rsdt, uint64_t xsdt)
{
    memset(p, 0, 36);
    memcpy(p, "RSD PTR ", 8);
    memcpy(p + 9, VMP_ACPI_OEM_ID, 6);
    p[15] = 2;
    put32(p + 16, rsdt);
    put32(p + 20, 36);
    put64(p + 24, xsdt);
    p[8] = (uint8_t)(0u - vmp_acpi_sum(p, 20));
    p[32] = (uint8_t)(0u - vmp_acpi_sum(p, 36));
}

struct layout {
    uint8_t *img;
    size_t cap, off;
    int err;
};

/* Reserve len bytes aligned to align; returns the offset. */
static size_t take(struct layout *l, size_t len, size_t align)
{
    size_t off = (l->off + align - 1) & ~(align - 1);
    if (l->err || off > l->cap || len > l->cap - off) {
        l->err = -ENOSPC;
        return 0;
    }
    l->off = off + len;
    return off;
}

static void add_blob(struct vmp_acpi_tables *t, const char *sig, uint64_t gpa,
                     const uint8_t *data, size_t size)
{
    struct vmp_acpi_blob *b = &t->blob[t->count++];
    memcpy(b->signature, sig, 4);
    b->signature[4] = 0;
    b->gpa = gpa;
    b->data = data;
    b->size = size;
}

int vmp_acpi_build(const struct vmp_acpi_config *cfg, uint64_t base, uint64_t max_size,
                   struct vmp_acpi_tables *out)
{
    memset(out, 0, sizeof *out);
    if (!cfg)
        return -EINVAL;
    int err = check_config(cfg);
    if (err)
        return err;
    if ((base & 63) || base >= 0x100000000ull)
        return -EINVAL;
    size_t cap = max_size < VMP_ACPI_MAX_SIZE ? (size_t)max_size : VMP_ACPI_MAX_SIZE;
    if (cap > 0x100000000ull - base)
        cap = (size_t)(0x100000000ull - base); /* RSDT pointers are 32-bit */
    uint8_t *img = calloc(1, cap ? cap : 1);
    if (!img)
        return -ENOMEM;
    struct layout l = {img, cap, 0, 0};

    size_t o_facs = take(&l, 64, 64);
    size_t o_rsdp = cfg->rsdp_addr ? 0 : take(&l, 36, 16);
    size_t o_dsdt = take(&l, 0, 16);
    long body = 0;
    if (!l.err) {
        size_t room = l.cap - o_dsdt;
        body = room < VMP_ACPI_HDR_LEN
                   ? -ENOSPC
                   : vmp_acpi_dsdt_body(cfg, img + o_dsdt + VMP_ACPI_HDR_LEN,
                                        room - VMP_ACPI_HDR_LEN);
        if (body < 0)
            l.err = (int)body;
        else
            take(&l, VMP_ACPI_HDR_LEN + (size_t)body, 1);
    }
    bool has_hpet = cfg->devices & VMP_ACPI_DEV_HPET;
    bool has_mcfg = cfg->ecam_base != 0;
    unsigned n_tables = 2 + has_hpet + has_mcfg; /* FADT, MADT, ... */
    size_t o_fadt = take(&l, FADT_LEN, 8);
    size_t o_madt = take(&l, madt_len(cfg), 8);
    size_t o_hpet = has_hpet ? take(&l, HPET_LEN, 8) : 0;
    size_t o_mcfg = has_mcfg ? take(&l, MCFG_LEN, 8) : 0;
    size_t o_xsdt = take(&l, VMP_ACPI_HDR_LEN + 8 * n_tables, 8);
    size_t o_rsdt = take(&l, VMP_ACPI_HDR_LEN + 4 * n_tables, 8);
    if (l.err) {
        free(img);
        return l.err;
    }

    uint32_t b32 = (uint32_t)base;
    facs(img + o_facs);
    header(img + o_dsdt, "DSDT", (uint32_t)(VMP_ACPI_HDR_LEN + (size_t)body), 2);
    finish(img + o_dsdt, (uint32_t)(VMP_ACPI_HDR_LEN + (size_t)body));
    fadt(img + o_fadt, cfg, b32 + (uint32_t)o_facs, b32 + (uint32_t)o_dsdt);
    madt(img + o_madt, cfg);
    if (has_hpet)
        hpet(img + o_hpet, cfg);
    if (has_mcfg)
        mcfg(img + o_mcfg, cfg);
    size_t offs[4] = {o_fadt, o_madt}, k = 2;
    if (has_hpet)
        offs[k++] = o_hpet;
    if (has_mcfg)
        offs[k++] = o_mcfg;
    uint32_t xlen = VMP_ACPI_HDR_LEN + 8 * n_tables, rlen = VMP_ACPI_HDR_LEN + 4 * n_tables;
    header(img + o_xsdt, "XSDT", xlen, 1);
    header(img + o_rsdt, "RSDT", rlen, 1);
    for (unsigned i = 0; i < n_tables; i++) {
        put64(img + o_xsdt + VMP_ACPI_HDR_LEN + 8 * i, base + offs[i]);
        put32(img + o_rsdt + VMP_ACPI_HDR_LEN + 4 * i, b32 + (uint32_t)offs[i]);
    }
    finish(img + o_xsdt, xlen);
    finish(img + o_rsdt, rlen);

    out->base = base;
    out->size = l.off;
    out->image = img;
    out->facs_addr = base + o_facs;
    out->rsdp_addr = cfg->rsdp_addr ? cfg->rsdp_addr : base + o_rsdp;
    rsdp(out->rsdp, b32 + (uint32_t)o_rsdt, base + o_xsdt);
    if (!cfg->rsdp_addr)
        memcpy(img + o_rsdp, out->rsdp, 36);

    add_blob(out, "RSD ", out->rsdp_addr, out->rsdp, 36);
    add_blob(out, "FACS", base + o_facs, img + o_facs, 64);
    add_blob(out, "DSDT", base + o_dsdt, img + o_dsdt, VMP_ACPI_HDR_LEN + (size_t)body);
    add_blob(out, "FACP", base + o_fadt, img + o_fadt, FADT_LEN);
    add_blob(out, "APIC", base + o_madt, img + o_madt, madt_len(cfg));
    if (has_hpet)
        add_blob(out, "HPET", base + o_hpet, img + o_hpet, HPET_LEN);
    if (has_mcfg)
        add_blob(out, "MCFG", base + o_mcfg, img + o_mcfg, MCFG_LEN);
    add_blob(out, "XSDT", base + o_xsdt, img + o_xsdt, xlen);
    add_blob(out, "RSDT", base + o_rsdt, img + o_rsdt, rlen);
    return 0;
}

void vmp_acpi_tables_free(struct vmp_acpi_tables *t)
{
    if (!t)
        return;
    free(t->image);
    memset(t, 0, sizeof *t);
}

/* Firmware may write its own ROM: fall back to the host pointer. */
static int put_guest(struct vmp_mem *mem, uint64_t gpa, const void *p, size_t len)
{
    if (vmp_mem_write(mem, gpa, p, len) == 0)
        return 0;
    void *h = vmp_mem_ptr(mem, gpa, len);
    if (!h)
        return -EFAULT;
    memcpy(h, p, len);
    return 0;
}

int vmp_acpi_install(const struct vmp_acpi_tables *t, struct vmp_mem *mem)
{
    if (!t || !t->image || !mem)
        return -EINVAL;
    int err = put_guest(mem, t->base, t->image, t->size);
    if (!err)
        err = put_guest(mem, t->rsdp_addr, t->rsdp, sizeof t->rsdp);
    return err;
}

int vmp_acpi_dump(const struct vmp_acpi_tables *t, const char *dir)
{
    if (!t || !dir)
        return -EINVAL;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return -errno;
    for (size_t i = 0; i < t->count; i++) {
        const struct vmp_acpi_blob *b = &t->blob[i];
        char name[16], path[4096];
        if (!strcmp(b->signature, "RSD "))
            snprintf(name, sizeof name, "rsdp");
        else
            for (int k = 0; k < 5; k++)
                name[k] = (char)(b->signature[k] >= 'A' && b->signature[k] <= 'Z'
                                     ? b->signature[k] + 32
                                     : b->signature[k]);
        if ((size_t)snprintf(path, sizeof path, "%s/%s.dat", dir, name) >= sizeof path)
            return -ENAMETOOLONG;
        FILE *f = fopen(path, "wb");
        if (!f)
            return -errno;
        size_t w = fwrite(b->data, 1, b->size, f);
        int e = fclose(f);
        if (w != b->size || e)
            return -EIO;
    }
    return 0;
}

/* Shared loader pieces: error text, E820 from guest memory, image
 * detection, and the initial vCPU state (boot GDT, identity page tables). */
#include "loader_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int vmp_loader_fail(struct vmp_boot_entry *e, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->error, sizeof e->error, fmt, ap);
    va_end(ap);
    return err;
}

int vmp_e820_from_mem(const struct vmp_mem *mem, struct vmp_e820_entry *out,
                      size_t max)
{
    size_t n = 0, count = vmp_mem_region_count(mem);
    for (size_t i = 0; i < count; i++) {
        struct vmp_mem_region r;
        if (vmp_mem_region_get(mem, i, &r) < 0)
            return -EINVAL;
        uint32_t type = (r.flags & VMP_MEM_READONLY) ? VMP_E820_RESERVED : VMP_E820_RAM;
        if (n > 0 && out[n - 1].type == type && out[n - 1].addr + out[n - 1].size == r.gpa) {
            out[n - 1].size += r.size;
            continue;
        }
        if (n == max)
            return -ENOSPC;
        out[n].addr = r.gpa;
        out[n].size = r.size;
        out[n].type = type;
        n++;
    }
    return (int)n;
}

int vmp_loader_e820(const struct vmp_mem *mem, const struct vmp_boot_config *cfg,
                    struct vmp_e820_entry *out, struct vmp_boot_entry *e)
{
    if (cfg && cfg->e820) {
        if (cfg->e820_count > VMP_E820_MAX)
            return vmp_loader_fail(e, -E2BIG, "memory map has %zu entries (at most %d)",
                                   cfg->e820_count, VMP_E820_MAX);
        memcpy(out, cfg->e820, cfg->e820_count * sizeof *out);
        return (int)cfg->e820_count;
    }
    int n = vmp_e820_from_mem(mem, out, VMP_E820_MAX);
    if (n < 0)
        return vmp_loader_fail(e, n, "guest memory has too many regions for E820");
    return n;
}

bool vmp_loader_in_ram(const struct vmp_e820_entry *map, int n, uint64_t addr,
                       uint64_t len)
{
    if (addr + len < addr)
        return false;
    for (int i = 0; i < n; i++) {
        if (map[i].type != VMP_E820_RAM)
            continue;
        if (addr >= map[i].addr && addr + len <= map[i].addr + map[i].size &&
            map[i].addr + map[i].size >= map[i].addr)
            return true;
    }
    return false;
}

enum vmp_image_kind vmp_image_detect(const void *image, size_t size)
{
    const uint8_t *p = image;
    if (!p)
        return VMP_IMAGE_UNKNOWN;
    /* Boot protocol: boot_flag 0xAA55 at 0x1FE and "HdrS" at 0x202. */
    if (size >= 0x206 && vmp_ld16(p + 0x1FE) == 0xAA55 && vmp_ld32(p + 0x202) == 0x53726448)
        return VMP_IMAGE_BZIMAGE;
    /* Multiboot 0.6.96 section 3.1.1: 32-bit aligned, in the first 8192 bytes. */
    size_t lim = size < 8192 ? size : 8192;
    for (size_t off = 0; off + 12 <= lim; off += 4)
        if (vmp_ld32(p + off) == 0x1BADB002)
            return VMP_IMAGE_MULTIBOOT;
    return VMP_IMAGE_UNKNOWN;
}

int vmp_load_kernel(struct vmp_mem *mem, const void *image, size_t size,
                    const struct vmp_boot_config *cfg, struct vmp_boot_entry *entry)
{
    switch (vmp_image_detect(image, size)) {
    case VMP_IMAGE_BZIMAGE:
        return vmp_load_linux(mem, image, size, cfg, entry);
    case VMP_IMAGE_MULTIBOOT:
        return vmp_load_multiboot(mem, image, size, cfg, entry);
    default:
        memset(entry, 0, sizeof *entry);
        return vmp_loader_fail(entry, -ENOEXEC,
                               "not a Linux bzImage (no HdrS header) and no Multiboot "
                               "header in the first 8 KiB");
    }
}

int vmp_load_flat(struct vmp_mem *mem, const void *image, size_t size,
                  uint64_t addr, struct vmp_boot_entry *e)
{
    memset(e, 0, sizeof *e);
    if (!image || size == 0)
        return vmp_loader_fail(e, -ENOEXEC, "flat binary is empty");
    if (addr < VMP_BOOT_LOW_END)
        return vmp_loader_fail(e, -ERANGE,
                               "flat binary address 0x%llx is below 0x%x (boot data)",
                               (unsigned long long)addr, VMP_BOOT_LOW_END);
    if (addr + size < addr || addr + size > 0x100000000ull)
        return vmp_loader_fail(e, -ERANGE, "flat binary does not fit below 4 GiB");
    if (vmp_mem_write(mem, addr, image, size) < 0)
        return vmp_loader_fail(e, -ERANGE,
                               "flat binary [0x%llx, 0x%llx) is not all in guest RAM",
                               (unsigned long long)addr,
                               (unsigned long long)(addr + size));
    e->mode = VMP_BOOT_PROT32;
    e->rip = addr;
    e->rsp = VMP_BOOT_STACK;
    e->image_start = addr;
    e->image_end = addr + size;
    return 0;
}

/* Descriptor fields for a flat 4 GiB segment (Intel SDM vol. 3, 3.4.5). */
static uint64_t gdt_desc(uint8_t type, bool l, bool db)
{
    uint64_t d = 0xFFFFull;               /* limit 15:0 */
    d |= (uint64_t)(type | 0x10) << 40;   /* type, S=1 */
    d |= 1ull << 47;                      /* present */
    d |= 0xFull << 48;                    /* limit 19:16 */
    d |= (uint64_t)l << 53;
    d |= (uint64_t)db << 54;
    d |= 1ull << 55;                      /* G */
    return d;
}

static void flat_seg(struct vmp_segment *s, uint16_t sel, uint8_t type, bool l, bool db)
{
    memset(s, 0, sizeof *s);
    s->selector = sel;
    s->limit = 0xFFFFFFFFu;
    s->type = type;
    s->s = 1;
    s->present = 1;
    s->l = l;
    s->db = db;
    s->g = 1;
}

int vmp_boot_setup_vcpu(struct vmp_mem *mem, const struct vmp_boot_entry *e,
                        const struct vmp_vcpu *vcpu)
{
    bool lm = e->mode == VMP_BOOT_LONG64;
    uint8_t gdt[4 * 8] = {0};
    vmp_st64(gdt + VMP_BOOT_SEL_CODE, gdt_desc(0xB, lm, !lm)); /* code, exec/read, accessed */
    vmp_st64(gdt + VMP_BOOT_SEL_DATA, gdt_desc(0x3, false, true)); /* data, read/write, accessed */
    if (vmp_mem_write(mem, VMP_BOOT_GDT, gdt, sizeof gdt) < 0)
        return -EFAULT;

    if (lm) {
        /* Identity map of the first 4 GiB with 2 MiB pages: PML4 -> one
         * PDPT -> four page directories (SDM vol. 3, 4.5). */
        uint8_t *tables = calloc(6, 4096);
        if (!tables)
            return -ENOMEM;
        vmp_st64(tables, (VMP_BOOT_PAGETABLES + 0x1000) | 0x3);
        for (unsigned i = 0; i < 4; i++)
            vmp_st64(tables + 0x1000 + 8 * i, (VMP_BOOT_PAGETABLES + 0x2000 + 0x1000 * i) | 0x3);
        for (unsigned i = 0; i < 4 * 512; i++)
            vmp_st64(tables + 0x2000 + 8 * i, ((uint64_t)i << 21) | 0x83);
        int r = vmp_mem_write(mem, VMP_BOOT_PAGETABLES, tables, 6 * 4096);
        free(tables);
        if (r < 0)
            return -EFAULT;
    }

    struct vmp_vcpu_sregs s;
    int r = vcpu->ops->get_sregs(vcpu->opaque, &s);
    if (r < 0)
        return r;
    for (int i = 0; i < VMP_NR_SEGS; i++)
        flat_seg(&s.seg[i], VMP_BOOT_SEL_DATA, 0x3, false, true);
    flat_seg(&s.seg[VMP_CS], VMP_BOOT_SEL_CODE, 0xB, lm, !lm);
    memset(&s.tr, 0, sizeof s.tr);
    s.tr.limit = 0x67;
    s.tr.type = 0xB; /* busy 32/64-bit TSS */
    s.tr.present = 1;
    memset(&s.ldt, 0, sizeof s.ldt);
    s.ldt.type = 0x2;
    s.ldt.unusable = 1;
    s.gdt.base = VMP_BOOT_GDT;
    s.gdt.limit = sizeof gdt - 1;
    s.idt.base = 0;
    s.idt.limit = 0;
    s.cr0 = 0x11; /* PE, ET */
    s.cr2 = 0;
    s.cr3 = 0;
    s.cr4 = 0;
    s.efer = 0;
    if (lm) {
        s.cr0 |= 0x80000000u; /* PG */
        s.cr3 = VMP_BOOT_PAGETABLES;
        s.cr4 = 0x20;         /* PAE */
        s.efer = 0x500;       /* LME, LMA */
    }
    r = vcpu->ops->set_sregs(vcpu->opaque, &s);
    if (r < 0)
        return r;

    struct vmp_vcpu_regs g;
    memset(&g, 0, sizeof g);
    g.gpr[VMP_RAX] = e->rax;
    g.gpr[VMP_RBX] = e->rbx;
    g.gpr[VMP_RSI] = e->rsi;
    g.gpr[VMP_RSP] = e->rsp;
    g.rip = e->rip;
    g.rflags = 0x2; /* reserved bit 1; IF clear */
    return vcpu->ops->set_regs(vcpu->opaque, &g);
}

/* Multiboot v1 loader (Multiboot Specification 0.6.96): finds the header
 * in the first 8 KiB (section 3.1.1), loads the ELF32 program headers or
 * the a.out-kludge address fields (3.1.3), places modules page-aligned
 * after the image, and builds the information structure (3.3) with
 * mem_lower/mem_upper, a memory map, the command line, modules and the
 * boot loader name. Machine state per 3.2: EAX = 0x2BADB002, EBX = info. */
#include "loader_priv.h"

#include <stdlib.h>

#define MB_MAGIC 0x1BADB002u
#define MB_BOOT_MAGIC 0x2BADB002u
#define MB_SEARCH 8192u

#define MB_PAGE_ALIGN (1u << 0)
#define MB_MEMORY_INFO (1u << 1)
#define MB_VIDEO_MODE (1u << 2)
#define MB_AOUT_KLUDGE (1u << 16)

#define MBI_MEMORY (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS (1u << 3)
#define MBI_MMAP (1u << 6)
#define MBI_LOADER_NAME (1u << 9)

#define MB_MAX_MODULES 64u
#define MB_MAX_SEGMENTS 64u
/* Layout of the info area at VMP_BOOT_MBINFO. */
#define MBI_SIZE 0x100u
#define MBI_MMAP_OFF 0x100u                     /* 24 bytes per entry, 128 max */
#define MBI_MODS_OFF 0x1000u                    /* 16 bytes per module */
#define MBI_STRINGS_OFF (MBI_MODS_OFF + 16 * MB_MAX_MODULES)
#define MBI_AREA (VMP_BOOT_MBINFO_END - VMP_BOOT_MBINFO)

struct seg {
    uint64_t paddr, filesz, memsz, offset;
};

static int check_seg(struct vmp_boot_entry *e, const struct vmp_e820_entry *map, int n,
                     const struct seg *s)
{
    if (s->paddr + s->memsz < s->paddr || s->paddr + s->memsz > 0x100000000ull)
        return vmp_loader_fail(e, -ENOEXEC, "segment at 0x%llx runs past 4 GiB",
                               (unsigned long long)s->paddr);
    if (s->paddr < VMP_BOOT_LOW_END)
        return vmp_loader_fail(e, -ENOEXEC,
                               "segment at 0x%llx overlaps the boot data below 0x%x",
                               (unsigned long long)s->paddr, VMP_BOOT_LOW_END);
    if (s->memsz && !vmp_loader_in_ram(map, n, s->paddr, s->memsz))
        return vmp_loader_fail(e, -ENOMEM,
                               "segment [0x%llx, 0x%llx) is not in guest RAM",
                               (unsigned long long)s->paddr,
                               (unsigned long long)(s->paddr + s->memsz));
    return 0;
}

/* Program headers of an ELF32 i386 executable (System V ABI, i386
 * supplement, and the ELF header in the gABI "Object Files" chapter). */
static int parse_elf(struct vmp_boot_entry *e, const uint8_t *img, size_t size,
                     struct seg *segs, unsigned *nsegs, uint64_t *entry)
{
    if (size < 52)
        return vmp_loader_fail(e, -ENOEXEC, "ELF header truncated (%zu bytes)", size);
    if (img[4] != 1)
        return vmp_loader_fail(e, -ENOEXEC,
                               "Multiboot ELF kernel must be ELF32 (class %u); "
                               "use the a.out kludge for other formats", img[4]);
    if (img[5] != 1 || vmp_ld16(img + 18) != 3)
        return vmp_loader_fail(e, -ENOEXEC, "ELF kernel is not little-endian i386");
    if (vmp_ld16(img + 16) != 2)
        return vmp_loader_fail(e, -ENOEXEC, "ELF kernel is not an executable (ET_EXEC)");
    uint32_t phoff = vmp_ld32(img + 28);
    uint16_t phentsize = vmp_ld16(img + 42), phnum = vmp_ld16(img + 44);
    if (phentsize < 32 || phnum == 0)
        return vmp_loader_fail(e, -ENOEXEC, "ELF kernel has no usable program headers");
    if ((uint64_t)phoff + (uint64_t)phentsize * phnum > size)
        return vmp_loader_fail(e, -ENOEXEC, "ELF program headers run past the file end");
    uint32_t ventry = vmp_ld32(img + 24);
    *entry = ventry;
    *nsegs = 0;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = img + phoff + (size_t)i * phentsize;
        if (vmp_ld32(ph) != 1) /* PT_LOAD */
            continue;
        if (*nsegs == MB_MAX_SEGMENTS)
            return vmp_loader_fail(e, -ENOEXEC, "more than %u loadable segments",
                                   MB_MAX_SEGMENTS);
        struct seg *s = &segs[(*nsegs)++];
        s->offset = vmp_ld32(ph + 4);
        uint32_t vaddr = vmp_ld32(ph + 8);
        s->paddr = vmp_ld32(ph + 12);
        s->filesz = vmp_ld32(ph + 16);
        s->memsz = vmp_ld32(ph + 20);
        if (s->filesz > s->memsz)
            return vmp_loader_fail(e, -ENOEXEC, "segment %u: p_filesz > p_memsz", i);
        if (s->offset + s->filesz > size)
            return vmp_loader_fail(e, -ENOEXEC,
                                   "segment %u runs past the file end (truncated image?)", i);
        /* The entry is virtual; translate it through the segment holding it. */
        if (ventry >= vaddr && (uint64_t)ventry < (uint64_t)vaddr + s->memsz)
            *entry = s->paddr + (ventry - vaddr);
    }
    if (*nsegs == 0)
        return vmp_loader_fail(e, -ENOEXEC, "ELF kernel has no PT_LOAD segment");
    return 0;
}

int vmp_load_multiboot(struct vmp_mem *mem, const void *image, size_t size,
                       const struct vmp_boot_config *cfg, struct vmp_boot_entry *e)
{
    const uint8_t *img = image;
    memset(e, 0, sizeof *e);
    static const struct vmp_boot_config none;
    if (!cfg)
        cfg = &none;
    if (!img)
        size = 0;

    size_t lim = size < MB_SEARCH ? size : MB_SEARCH, off;
    for (off = 0; off + 12 <= lim; off += 4)
        if (vmp_ld32(img + off) == MB_MAGIC)
            break;
    if (off + 12 > lim)
        return vmp_loader_fail(e, -ENOEXEC, "no Multiboot header in the first 8 KiB");
    uint32_t flags = vmp_ld32(img + off + 4), sum = vmp_ld32(img + off + 8);
    if ((uint32_t)(MB_MAGIC + flags + sum) != 0)
        return vmp_loader_fail(e, -ENOEXEC,
                               "Multiboot header at offset 0x%zx has a bad checksum "
                               "(magic + flags + checksum = 0x%08x, must be 0)",
                               off, (uint32_t)(MB_MAGIC + flags + sum));
    /* Bits 0-15 are requirements: fail on any we cannot honour (3.1.2). */
    uint32_t unknown = flags & 0xFFFFu & ~(MB_PAGE_ALIGN | MB_MEMORY_INFO);
    if (unknown)
        return vmp_loader_fail(e, -ENOTSUP,
                               "Multiboot header requires features 0x%x this loader lacks%s",
                               unknown, (unknown & MB_VIDEO_MODE) ? " (video mode)" : "");
    if (cfg->module_count > MB_MAX_MODULES)
        return vmp_loader_fail(e, -E2BIG, "%zu modules (at most %u)", cfg->module_count,
                               MB_MAX_MODULES);

    struct vmp_e820_entry map[VMP_E820_MAX];
    int n = vmp_loader_e820(mem, cfg, map, e);
    if (n < 0)
        return n;
    if (!vmp_loader_in_ram(map, n, 0, VMP_BOOT_MBINFO_END))
        return vmp_loader_fail(e, -ENOMEM, "no RAM at the boot data area below 0x%x",
                               VMP_BOOT_MBINFO_END);

    struct seg segs[MB_MAX_SEGMENTS];
    unsigned nsegs = 0;
    uint64_t entry = 0;
    int r;
    if (flags & MB_AOUT_KLUDGE) {
        if (off + 32 > size)
            return vmp_loader_fail(e, -ENOEXEC, "Multiboot header address fields truncated");
        uint32_t header_addr = vmp_ld32(img + off + 12), load_addr = vmp_ld32(img + off + 16);
        uint32_t load_end = vmp_ld32(img + off + 20), bss_end = vmp_ld32(img + off + 24);
        entry = vmp_ld32(img + off + 28);
        if (header_addr < load_addr || header_addr - load_addr > off)
            return vmp_loader_fail(e, -ENOEXEC,
                                   "Multiboot header_addr/load_addr do not match the header's "
                                   "file offset");
        struct seg *s = &segs[nsegs++];
        s->offset = off - (header_addr - load_addr);
        s->paddr = load_addr;
        s->filesz = load_end ? (uint64_t)load_end - load_addr : size - s->offset;
        if (load_end && load_end < load_addr)
            return vmp_loader_fail(e, -ENOEXEC, "Multiboot load_end_addr < load_addr");
        if (s->offset + s->filesz > size)
            return vmp_loader_fail(e, -ENOEXEC,
                                   "image truncated: load_end_addr needs %llu bytes, file has %zu",
                                   (unsigned long long)(s->offset + s->filesz), size);
        s->memsz = s->filesz;
        if (bss_end) {
            if (bss_end < load_addr + s->filesz)
                return vmp_loader_fail(e, -ENOEXEC, "Multiboot bss_end_addr < load_end_addr");
            s->memsz = (uint64_t)bss_end - load_addr;
        }
    } else {
        if (size < 4 || memcmp(img, "\177ELF", 4) != 0)
            return vmp_loader_fail(e, -ENOEXEC,
                                   "Multiboot kernel is not ELF and has no address fields "
                                   "(flag bit 16)");
        r = parse_elf(e, img, size, segs, &nsegs, &entry);
        if (r < 0)
            return r;
    }
    uint64_t start = UINT64_MAX, end = 0;
    for (unsigned i = 0; i < nsegs; i++) {
        r = check_seg(e, map, n, &segs[i]);
        if (r < 0)
            return r;
        for (unsigned j = 0; j < i; j++)
            if (segs[i].memsz && segs[j].memsz && segs[i].paddr < segs[j].paddr + segs[j].memsz &&
                segs[j].paddr < segs[i].paddr + segs[i].memsz)
                return vmp_loader_fail(e, -ENOEXEC, "segments %u and %u overlap", j, i);
        if (segs[i].memsz && segs[i].paddr < start)
            start = segs[i].paddr;
        if (segs[i].paddr + segs[i].memsz > end)
            end = segs[i].paddr + segs[i].memsz;
    }
    if (start == UINT64_MAX)
        return vmp_loader_fail(e, -ENOEXEC, "Multiboot kernel loads nothing");
    bool entry_ok = false;
    for (unsigned i = 0; i < nsegs; i++)
        if (entry >= segs[i].paddr && entry < segs[i].paddr + segs[i].memsz)
            entry_ok = true;
    if (!entry_ok)
        return vmp_loader_fail(e, -ENOEXEC, "entry point 0x%llx is outside the loaded image",
                               (unsigned long long)entry);

    /* Modules: page-aligned, one after another above the image. */
    uint64_t mod_addr[MB_MAX_MODULES];
    uint64_t next = (end + 0xFFF) & ~0xFFFull;
    for (size_t i = 0; i < cfg->module_count; i++) {
        uint64_t msz = cfg->modules[i].size;
        if (!vmp_loader_in_ram(map, n, next, msz ? msz : 1) || next + msz > 0x100000000ull)
            return vmp_loader_fail(e, -ENOMEM,
                                   "module %zu (%llu bytes) does not fit in RAM at 0x%llx",
                                   i + 1, (unsigned long long)msz, (unsigned long long)next);
        mod_addr[i] = next;
        next = (next + msz + 0xFFF) & ~0xFFFull;
    }

    /* The information structure and the strings it points to. */
    uint8_t *area = calloc(1, MBI_AREA);
    if (!area)
        return vmp_loader_fail(e, -ENOMEM, "out of memory");
    size_t str = MBI_STRINGS_OFF;
#define PUT_STRING(s_, out_)                                                        \
    do {                                                                            \
        size_t l_ = strlen(s_) + 1;                                                 \
        if (l_ > MBI_AREA - str) {                                                  \
            free(area);                                                             \
            return vmp_loader_fail(e, -E2BIG,                                       \
                                   "command line and module strings exceed %u bytes", \
                                   MBI_AREA - MBI_STRINGS_OFF);                     \
        }                                                                           \
        memcpy(area + str, s_, l_);                                                 \
        (out_) = VMP_BOOT_MBINFO + (uint32_t)str;                                   \
        str += l_;                                                                  \
    } while (0)
    uint32_t info_flags = MBI_MEMORY | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER_NAME;
    uint64_t lower = 0, upper = 0;
    for (int i = 0; i < n; i++) {
        if (map[i].type != VMP_E820_RAM)
            continue;
        uint64_t a = map[i].addr, t = map[i].addr + map[i].size;
        if (a == 0)
            lower = (t < 0xA0000 ? t : 0xA0000) / 1024;
        if (a <= 0x100000 && t > 0x100000)
            upper = (t - 0x100000) / 1024;
    }
    if (upper > 0xFFFFFFFFu)
        upper = 0xFFFFFFFFu;
    vmp_st32(area + 0, info_flags);
    vmp_st32(area + 4, (uint32_t)lower);
    vmp_st32(area + 8, (uint32_t)upper);
    uint32_t p;
    PUT_STRING(cfg->cmdline ? cfg->cmdline : "", p);
    vmp_st32(area + 16, p);
    vmp_st32(area + 20, (uint32_t)cfg->module_count);
    vmp_st32(area + 24, VMP_BOOT_MBINFO + MBI_MODS_OFF);
    for (size_t i = 0; i < cfg->module_count; i++) {
        uint8_t *m = area + MBI_MODS_OFF + 16 * i;
        vmp_st32(m, (uint32_t)mod_addr[i]);
        vmp_st32(m + 4, (uint32_t)(mod_addr[i] + cfg->modules[i].size));
        PUT_STRING(cfg->modules[i].string ? cfg->modules[i].string : "", p);
        vmp_st32(m + 8, p);
    }
    /* mmap entries: size (of the rest, 20), base, length, type (3.3). */
    for (int i = 0; i < n; i++) {
        uint8_t *m = area + MBI_MMAP_OFF + 24 * i;
        vmp_st32(m, 20);
        vmp_st64(m + 4, map[i].addr);
        vmp_st64(m + 12, map[i].size);
        vmp_st32(m + 20, map[i].type);
    }
    vmp_st32(area + 44, (uint32_t)(24 * n));
    vmp_st32(area + 48, VMP_BOOT_MBINFO + MBI_MMAP_OFF);
    PUT_STRING("vmparts " VMP_VERSION_STRING, p);
    vmp_st32(area + 64, p);
#undef PUT_STRING

    r = vmp_mem_write(mem, VMP_BOOT_MBINFO, area, MBI_AREA);
    free(area);
    for (unsigned i = 0; r == 0 && i < nsegs; i++) {
        r = vmp_mem_write(mem, segs[i].paddr, img + segs[i].offset, segs[i].filesz);
        uint8_t zero[4096] = {0};
        for (uint64_t z = segs[i].filesz; r == 0 && z < segs[i].memsz; z += sizeof zero) {
            uint64_t len = segs[i].memsz - z < sizeof zero ? segs[i].memsz - z : sizeof zero;
            r = vmp_mem_write(mem, segs[i].paddr + z, zero, len);
        }
    }
    for (size_t i = 0; r == 0 && i < cfg->module_count; i++)
        r = vmp_mem_write(mem, mod_addr[i], cfg->modules[i].data, cfg->modules[i].size);
    if (r < 0)
        return vmp_loader_fail(e, r, "guest memory refused a write (memory map wrong?)");

    e->mode = VMP_BOOT_PROT32;
    e->rip = entry;
    e->rax = MB_BOOT_MAGIC;
    e->rbx = VMP_BOOT_MBINFO;
    e->rsp = VMP_BOOT_STACK;
    e->image_start = start;
    e->image_end = end;
    return 0;
}

/* Linux bzImage loader: the x86 boot protocol (Documentation/arch/x86/
 * boot.rst in the kernel tree), 64-bit entry for protocol 2.12+ kernels
 * that set XLF_KERNEL_64, 32-bit entry otherwise. No real-mode setup code
 * runs: the loader fills boot_params itself. Offsets below are from the
 * protocol's header table ("THE REAL-MODE KERNEL HEADER") and from
 * "THE ZERO PAGE" (zero-page.rst). */
#include "loader_priv.h"

#include <stdlib.h>

#define HDR_SETUP_SECTS 0x1F1
#define HDR_VID_MODE 0x1FA
#define HDR_SYSSIZE 0x1F4
#define HDR_JUMP 0x200
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_CODE32_START 0x214
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21C
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22C
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE 0x234
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238
#define HDR_PREF_ADDRESS 0x258
#define HDR_INIT_SIZE 0x260
#define HDR_PAYLOAD_OFFSET 0x248
#define HDR_PAYLOAD_LENGTH 0x24C
#define HDR_END_MAX 0x268 /* end of the fields this loader knows */

#define BP_EXT_RAMDISK_IMAGE 0x0C0
#define BP_EXT_RAMDISK_SIZE 0x0C4
#define BP_EXT_CMD_LINE_PTR 0x0C8
#define BP_ACPI_RSDP_ADDR 0x070
#define BP_E820_ENTRIES 0x1E8
#define BP_E820_TABLE 0x2D0

#define LOADED_HIGH 0x01
#define XLF_KERNEL_64 0x01

#define KERNEL_LOW_ADDR 0x100000u

#define ELF_MAX_SEGS 16

/* The PT_LOAD segments of an ELF64 x86-64 executable (gABI "Object Files";
 * the x86-64 psABI), checked against the file. */
struct elf_image {
    const uint8_t *data;
    uint64_t entry;
    unsigned nsegs;
    struct {
        uint64_t paddr, filesz, memsz, offset;
    } seg[ELF_MAX_SEGS];
    uint64_t lo, hi; /* physical range covered */
};

static int parse_vmlinux(struct vmp_boot_entry *e, const uint8_t *p, size_t size,
                         struct elf_image *out)
{
    if (!p || size < 64 || memcmp(p, "\177ELF", 4) != 0)
        return vmp_loader_fail(e, -ENOEXEC, "vmlinux is not an ELF file");
    if (p[4] != 2 || p[5] != 1 || vmp_ld16(p + 18) != 62 || vmp_ld16(p + 16) != 2)
        return vmp_loader_fail(e, -ENOEXEC, "vmlinux is not an x86-64 ELF64 executable");
    uint64_t phoff = vmp_ld64(p + 32);
    uint16_t phentsize = vmp_ld16(p + 54), phnum = vmp_ld16(p + 56);
    if (phentsize < 56 || phnum == 0 || phoff > size ||
        (uint64_t)phentsize * phnum > size - phoff)
        return vmp_loader_fail(e, -ENOEXEC, "vmlinux program headers run past the file end");
    out->data = p;
    out->entry = vmp_ld64(p + 24);
    out->nsegs = 0;
    out->lo = UINT64_MAX;
    out->hi = 0;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = p + phoff + (size_t)i * phentsize;
        if (vmp_ld32(ph) != 1) /* PT_LOAD */
            continue;
        if (out->nsegs == ELF_MAX_SEGS)
            return vmp_loader_fail(e, -ENOEXEC, "vmlinux has more than %d segments", ELF_MAX_SEGS);
        uint64_t off = vmp_ld64(ph + 8), pa = vmp_ld64(ph + 24);
        uint64_t fsz = vmp_ld64(ph + 32), msz = vmp_ld64(ph + 40);
        if (fsz > msz || off > size || fsz > size - off)
            return vmp_loader_fail(e, -ENOEXEC, "vmlinux segment %u runs past the file end", i);
        if (pa + msz < pa || pa + msz > 0x100000000ull || pa < VMP_BOOT_LOW_END)
            return vmp_loader_fail(e, -ENOEXEC, "vmlinux segment %u at 0x%llx is out of range",
                                   i, (unsigned long long)pa);
        out->seg[out->nsegs].paddr = pa;
        out->seg[out->nsegs].filesz = fsz;
        out->seg[out->nsegs].memsz = msz;
        out->seg[out->nsegs].offset = off;
        out->nsegs++;
        if (pa < out->lo)
            out->lo = pa;
        if (pa + msz > out->hi)
            out->hi = pa + msz;
    }
    if (!out->nsegs)
        return vmp_loader_fail(e, -ENOEXEC, "vmlinux has no PT_LOAD segment");
    if (out->entry < out->lo || out->entry >= out->hi)
        return vmp_loader_fail(e, -ENOEXEC, "vmlinux entry 0x%llx is outside its segments",
                               (unsigned long long)out->entry);
    return 0;
}

int vmp_linux_payload(const void *image, size_t size, size_t *offset, size_t *len)
{
    const uint8_t *img = image;
    if (vmp_image_detect(image, size) != VMP_IMAGE_BZIMAGE || size < HDR_PAYLOAD_LENGTH + 4)
        return -ENOEXEC;
    if (vmp_ld16(img + HDR_VERSION) < 0x0208)
        return -ENOTSUP;
    unsigned setup_sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
    size_t setup_size = (size_t)(setup_sects + 1) * 512;
    uint64_t off = vmp_ld32(img + HDR_PAYLOAD_OFFSET), l = vmp_ld32(img + HDR_PAYLOAD_LENGTH);
    /* payload_offset is relative to the protected-mode code. */
    if (setup_size > size || off > size - setup_size || l > size - setup_size - off || l == 0)
        return -ENOEXEC;
    *offset = setup_size + (size_t)off;
    *len = (size_t)l;
    return 0;
}

static int load_linux(struct vmp_mem *mem, const void *image, size_t size,
                      const struct vmp_boot_config *cfg, struct vmp_boot_entry *e,
                      const void *vmlinux, size_t vmlinux_size)
{
    const uint8_t *img = image;
    memset(e, 0, sizeof *e);
    static const struct vmp_boot_config none;
    if (!cfg)
        cfg = &none;

    if (!img || size < 0x206)
        return vmp_loader_fail(e, -ENOEXEC, "bzImage truncated: %zu bytes, header needs %u",
                               size, 0x206u);
    if (vmp_ld16(img + 0x1FE) != 0xAA55 || vmp_ld32(img + 0x202) != 0x53726448)
        return vmp_loader_fail(e, -ENOEXEC, "not a bzImage: no boot_flag/HdrS signature");
    uint16_t version = vmp_ld16(img + HDR_VERSION);
    if (version < 0x0202)
        return vmp_loader_fail(e, -ENOEXEC,
                               "boot protocol %u.%02u is too old (need 2.02 or later)",
                               version >> 8, version & 0xFF);
    /* The setup header ends at 0x202 + the byte at 0x201 (the jump offset). */
    size_t hdr_end = 0x202u + img[0x201];
    if (hdr_end > size)
        return vmp_loader_fail(e, -ENOEXEC, "bzImage truncated inside its setup header");
    size_t need = version >= 0x020A ? HDR_INIT_SIZE + 4 : HDR_CMDLINE_SIZE + 4;
    if (hdr_end < need && version >= 0x0206)
        return vmp_loader_fail(e, -ENOEXEC,
                               "setup header too short for protocol %u.%02u",
                               version >> 8, version & 0xFF);
    if (size < need)
        return vmp_loader_fail(e, -ENOEXEC, "bzImage truncated inside its setup header");
    uint8_t loadflags = img[HDR_LOADFLAGS];
    if (!(loadflags & LOADED_HIGH))
        return vmp_loader_fail(e, -ENOEXEC, "zImage (loaded low) is not supported");

    unsigned setup_sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
    size_t setup_size = (size_t)(setup_sects + 1) * 512;
    if (setup_size >= size)
        return vmp_loader_fail(e, -ENOEXEC,
                               "bzImage truncated: %zu bytes, setup code alone is %zu",
                               size, setup_size);
    size_t kernel_size = size - setup_size;
    uint64_t syssize = version >= 0x0204 ? vmp_ld32(img + HDR_SYSSIZE)
                                         : vmp_ld16(img + HDR_SYSSIZE);
    if (syssize * 16 > kernel_size)
        return vmp_loader_fail(e, -ENOEXEC,
                               "bzImage truncated: header says %llu bytes of kernel, "
                               "file has %zu",
                               (unsigned long long)(syssize * 16), kernel_size);

    uint32_t initrd_max = version >= 0x0203 ? vmp_ld32(img + HDR_INITRD_ADDR_MAX)
                                            : 0x37FFFFFFu;
    uint32_t cmdline_max = version >= 0x0206 ? vmp_ld32(img + HDR_CMDLINE_SIZE) : 255;
    uint64_t load = KERNEL_LOW_ADDR;
    if (version >= 0x0205 && img[HDR_RELOCATABLE]) {
        uint32_t align = vmp_ld32(img + HDR_KERNEL_ALIGNMENT);
        if (align == 0 || (align & (align - 1)) || align > 0x40000000u)
            return vmp_loader_fail(e, -ENOEXEC, "bad kernel_alignment 0x%x", align);
        load = (KERNEL_LOW_ADDR + align - 1) & ~(uint64_t)(align - 1);
    }
    /* Memory the kernel needs from its load address while it decompresses
     * (init_size, protocol 2.10); a relocatable kernel moves up to
     * pref_address first if it was loaded lower. */
    uint64_t need_end = load + kernel_size;
    if (version >= 0x020A) {
        uint64_t pref = vmp_ld64(img + HDR_PREF_ADDRESS);
        uint32_t init_size = vmp_ld32(img + HDR_INIT_SIZE);
        uint64_t base = pref > load && pref < 0x100000000ull ? pref : load;
        if (base + init_size > need_end)
            need_end = base + init_size;
    }

    struct elf_image *elf = NULL;
    if (vmlinux) {
        bool k64 = version >= 0x020C && (vmp_ld16(img + HDR_XLOADFLAGS) & XLF_KERNEL_64);
        if (!k64)
            return vmp_loader_fail(e, -ENOEXEC,
                                   "a vmlinux needs a kernel with the 64-bit entry (XLF_KERNEL_64)");
        elf = malloc(sizeof *elf);
        if (!elf)
            return vmp_loader_fail(e, -ENOMEM, "out of memory");
        int pr = parse_vmlinux(e, vmlinux, vmlinux_size, elf);
        if (pr < 0) {
            free(elf);
            return pr;
        }
        load = elf->lo;
        if (elf->hi > need_end)
            need_end = elf->hi;
    }

    struct vmp_e820_entry map[VMP_E820_MAX];
    int n = vmp_loader_e820(mem, cfg, map, e);
    if (n < 0) {
        free(elf);
        return n;
    }
    if (elf) {
        for (unsigned i = 0; i < elf->nsegs; i++) {
            if (!vmp_loader_in_ram(map, n, elf->seg[i].paddr, elf->seg[i].memsz)) {
                uint64_t a = elf->seg[i].paddr;
                free(elf);
                return vmp_loader_fail(e, -ENOMEM,
                                       "vmlinux segment at 0x%llx is not in guest RAM: "
                                       "give the guest more memory",
                                       (unsigned long long)a);
            }
        }
    }
    /* From here on every early return frees elf. */
#define FAIL(...) (free(elf), vmp_loader_fail(e, __VA_ARGS__))
    if (!vmp_loader_in_ram(map, n, load, need_end - load))
        return FAIL(-ENOMEM,
                               "kernel needs RAM at [0x%llx, 0x%llx): give the guest more memory",
                               (unsigned long long)load, (unsigned long long)need_end);
    if (!vmp_loader_in_ram(map, n, 0, VMP_BOOT_CMDLINE + VMP_BOOT_CMDLINE_MAX))
        return FAIL(-ENOMEM, "no RAM at the boot data area below 0x%x",
                               VMP_BOOT_CMDLINE + VMP_BOOT_CMDLINE_MAX);

    const char *cmdline = cfg->cmdline ? cfg->cmdline : "";
    size_t cmdlen = strlen(cmdline) + 1;
    if (cmdlen > VMP_BOOT_CMDLINE_MAX || cmdlen - 1 > cmdline_max)
        return FAIL(-E2BIG,
                               "command line is %zu bytes; this kernel takes at most %u",
                               cmdlen - 1, cmdline_max < VMP_BOOT_CMDLINE_MAX - 1
                                               ? cmdline_max : VMP_BOOT_CMDLINE_MAX - 1);

    /* The initrd goes as high as allowed: below initrd_addr_max, in one
     * RAM entry, above the kernel's working area. */
    uint64_t initrd_addr = 0;
    if (cfg->initrd && cfg->initrd_size) {
        uint64_t isz = cfg->initrd_size;
        for (int i = 0; i < n; i++) {
            if (map[i].type != VMP_E820_RAM)
                continue;
            uint64_t top = map[i].addr + map[i].size;
            if (top > (uint64_t)initrd_max + 1)
                top = (uint64_t)initrd_max + 1;
            if (top < isz)
                continue;
            uint64_t a = (top - isz) & ~0xFFFull;
            if (a < map[i].addr || a < need_end)
                continue;
            if (a > initrd_addr)
                initrd_addr = a;
        }
        if (!initrd_addr)
            return FAIL(-ENOMEM,
                                   "initrd of %llu bytes does not fit in RAM below 0x%llx "
                                   "above the kernel",
                                   (unsigned long long)isz,
                                   (unsigned long long)initrd_max + 1);
    }

    /* Everything is checked: write. */
    uint8_t *bp = calloc(1, 4096);
    if (!bp)
        return FAIL(-ENOMEM, "out of memory");
    size_t copy_end = hdr_end < HDR_END_MAX ? hdr_end : HDR_END_MAX;
    memcpy(bp + HDR_SETUP_SECTS, img + HDR_SETUP_SECTS, copy_end - HDR_SETUP_SECTS);
    vmp_st16(bp + HDR_VID_MODE, 0xFFFF); /* "normal" */
    bp[HDR_TYPE_OF_LOADER] = 0xFF;        /* undefined loader */
    bp[HDR_LOADFLAGS] = loadflags & ~0x80; /* no CAN_USE_HEAP: no setup code runs */
    vmp_st32(bp + HDR_CODE32_START, (uint32_t)load);
    vmp_st32(bp + HDR_CMD_LINE_PTR, VMP_BOOT_CMDLINE);
    vmp_st32(bp + BP_EXT_CMD_LINE_PTR, 0);
    vmp_st32(bp + HDR_RAMDISK_IMAGE, (uint32_t)initrd_addr);
    vmp_st32(bp + HDR_RAMDISK_SIZE, (uint32_t)(initrd_addr ? cfg->initrd_size : 0));
    vmp_st32(bp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(initrd_addr >> 32));
    vmp_st32(bp + BP_EXT_RAMDISK_SIZE,
             (uint32_t)((initrd_addr ? (uint64_t)cfg->initrd_size : 0) >> 32));
    if (version >= 0x020E && cfg->acpi_rsdp)
        vmp_st64(bp + BP_ACPI_RSDP_ADDR, cfg->acpi_rsdp);
    bp[BP_E820_ENTRIES] = (uint8_t)n;
    for (int i = 0; i < n; i++) {
        uint8_t *p = bp + BP_E820_TABLE + 20 * i;
        vmp_st64(p, map[i].addr);
        vmp_st64(p + 8, map[i].size);
        vmp_st32(p + 16, map[i].type);
    }
    int r = vmp_mem_write(mem, VMP_BOOT_PARAMS, bp, 4096);
    free(bp);
    if (r == 0)
        r = vmp_mem_write(mem, VMP_BOOT_CMDLINE, cmdline, cmdlen);
    if (r == 0 && !elf)
        r = vmp_mem_write(mem, load, img + setup_size, kernel_size);
    for (unsigned i = 0; elf && r == 0 && i < elf->nsegs; i++) {
        r = vmp_mem_write(mem, elf->seg[i].paddr, elf->data + elf->seg[i].offset,
                          elf->seg[i].filesz);
        static const uint8_t zero[4096];
        for (uint64_t z = elf->seg[i].filesz; r == 0 && z < elf->seg[i].memsz; z += sizeof zero) {
            uint64_t len = elf->seg[i].memsz - z < sizeof zero ? elf->seg[i].memsz - z : sizeof zero;
            r = vmp_mem_write(mem, elf->seg[i].paddr + z, zero, len);
        }
    }
    if (r == 0 && initrd_addr)
        r = vmp_mem_write(mem, initrd_addr, cfg->initrd, cfg->initrd_size);
    if (r < 0)
        return FAIL(r, "guest memory refused a write (memory map wrong?)");

    bool k64 = version >= 0x020C && (vmp_ld16(img + HDR_XLOADFLAGS) & XLF_KERNEL_64);
    e->mode = k64 ? VMP_BOOT_LONG64 : VMP_BOOT_PROT32;
    e->rip = k64 ? load + 0x200 : load; /* 64-bit entry is 0x200 past the 32-bit one */
    e->rsi = VMP_BOOT_PARAMS;
    e->image_start = load;
    e->image_end = load + kernel_size;
    if (elf) {
        /* vmlinux's entry is startup_64's physical address, entered in
         * 64-bit mode as the decompressor would (boot.rst "64-bit BOOT
         * PROTOCOL"). */
        e->rip = elf->entry;
        e->image_end = elf->hi;
        free(elf);
    }
#undef FAIL
    e->initrd_addr = initrd_addr;
    e->initrd_size = initrd_addr ? cfg->initrd_size : 0;
    return 0;
}

int vmp_load_linux(struct vmp_mem *mem, const void *image, size_t size,
                   const struct vmp_boot_config *cfg, struct vmp_boot_entry *e)
{
    return load_linux(mem, image, size, cfg, e, NULL, 0);
}

int vmp_load_linux_vmlinux(struct vmp_mem *mem, const void *image, size_t size,
                           const void *vmlinux, size_t vmlinux_size,
                           const struct vmp_boot_config *cfg, struct vmp_boot_entry *e)
{
    memset(e, 0, sizeof *e);
    if (!vmlinux)
        return vmp_loader_fail(e, -EINVAL, "no vmlinux given");
    return load_linux(mem, image, size, cfg, e, vmlinux, vmlinux_size);
}

/* E820 map builder (ACPI 6.4 section 15): overlapping ranges resolved by
 * type strength, sorted, merged, holes left out. */
#include <stdlib.h>
#include <string.h>

#include <vmparts/acpi.h>

/* Higher wins where ranges overlap. */
static int strength(uint32_t type)
{
    switch (type) {
    case VMP_E820_RAM: return 1;
    case VMP_E820_ACPI: return 2;
    case VMP_E820_NVS: return 3;
    case VMP_E820_RESERVED: return 4;
    case VMP_E820_UNUSABLE: return 5;
    default: return 0;
    }
}

void vmp_e820_init(struct vmp_e820_builder *b) { memset(b, 0, sizeof *b); }

int vmp_e820_add(struct vmp_e820_builder *b, uint64_t addr, uint64_t size, uint32_t type)
{
    if (size == 0 || strength(type) == 0)
        return -EINVAL;
    /* Ranges end below 2^64 so every end is representable. */
    if (size > UINT64_MAX - addr)
        return -ERANGE;
    if (b->count >= VMP_E820_BUILDER_MAX)
        return -ENOSPC;
    b->in[b->count++] = (struct vmp_e820_entry){addr, size, type};
    return 0;
}

int vmp_e820_add_ram(struct vmp_e820_builder *b, uint64_t ram_size, uint64_t below_4g_top)
{
    if (below_4g_top > 0x100000000ull)
        return -EINVAL;
    uint64_t low = ram_size < below_4g_top ? ram_size : below_4g_top;
    int err = 0;
    if (low)
        err = vmp_e820_add(b, 0, low, VMP_E820_RAM);
    if (!err && ram_size > low)
        err = vmp_e820_add(b, 0x100000000ull, ram_size - low, VMP_E820_RAM);
    return err;
}

int vmp_e820_add_acpi(struct vmp_e820_builder *b, const struct vmp_acpi_tables *t)
{
    if (!t || t->size < 64 || t->facs_addr != t->base)
        return -EINVAL;
    int err = vmp_e820_add(b, t->facs_addr, 64, VMP_E820_NVS);
    if (!err && t->size > 64)
        err = vmp_e820_add(b, t->base + 64, t->size - 64, VMP_E820_ACPI);
    return err;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

int vmp_e820_finish(const struct vmp_e820_builder *b, struct vmp_e820_entry *out, size_t max)
{
    /* Cut the line at every range boundary; each piece between two cuts
     * takes the strongest type covering it. */
    uint64_t cut[2 * VMP_E820_BUILDER_MAX];
    size_t nc = 0, n = 0;
    for (size_t i = 0; i < b->count; i++) {
        cut[nc++] = b->in[i].addr;
        cut[nc++] = b->in[i].addr + b->in[i].size;
    }
    qsort(cut, nc, sizeof cut[0], cmp_u64);
    for (size_t k = 0; k + 1 < nc; k++) {
        uint64_t lo = cut[k], hi = cut[k + 1];
        if (lo == hi)
            continue;
        uint32_t type = 0;
        for (size_t i = 0; i < b->count; i++) {
            const struct vmp_e820_entry *e = &b->in[i];
            if (e->addr <= lo && hi <= e->addr + e->size && strength(e->type) > strength(type))
                type = e->type;
        }
        if (!type)
            continue; /* a hole */
        if (n > 0 && out[n - 1].type == type && out[n - 1].addr + out[n - 1].size == lo) {
            out[n - 1].size += hi - lo;
            continue;
        }
        if (n == max)
            return -ENOSPC;
        out[n++] = (struct vmp_e820_entry){lo, hi - lo, type};
    }
    return (int)n;
}

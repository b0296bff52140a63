/* Base address registers: sizing masks and mapping into the port and MMIO
 * spaces as the command register enables decode. PCI 3.0 §6.2.5. */
#include "pci_internal.h"

static bool pow2(uint64_t x) { return x && !(x & (x - 1)); }

static unsigned bar_reg(unsigned bar)
{
    return bar == VMP_PCI_ROM_BAR ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + 4 * bar;
}

int vmp_pci_bar_init(struct vmp_pci_func *f, unsigned bar, enum vmp_pci_bar_kind kind,
                     uint64_t size, bool prefetch, const struct vmp_io_ops *ops, void *dev)
{
    if (bar > VMP_PCI_ROM_BAR || !ops || !pow2(size))
        return -EINVAL;
    if (f->attached || f->bar[bar].kind != VMP_PCI_BAR_UNUSED)
        return -EBUSY;
    unsigned reg = bar_reg(bar);
    switch (kind) {
    case VMP_PCI_BAR_IO:
        /* §6.2.5.1: I/O BARs claim at most 256 bytes. */
        if (bar == VMP_PCI_ROM_BAR || prefetch || size < 4 || size > 256)
            return -EINVAL;
        vmp_pci_set32(f, reg, PCI_BASE_ADDRESS_SPACE_IO);
        vmp_pci_set_wmask(f, reg, (uint32_t)~(size - 1) & ~3u, 4);
        break;
    case VMP_PCI_BAR_MEM32:
        if (bar == VMP_PCI_ROM_BAR || size < 16 || size > (1ull << 31))
            return -EINVAL;
        vmp_pci_set32(f, reg, PCI_BASE_ADDRESS_MEM_TYPE_32 |
                                  (prefetch ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0));
        vmp_pci_set_wmask(f, reg, (uint32_t)~(size - 1) & ~0xFu, 4);
        break;
    case VMP_PCI_BAR_MEM64:
        if (bar >= VMP_PCI_NUM_BARS - 1 || size < 16 || size > (1ull << 63))
            return -EINVAL;
        if (f->bar[bar + 1].kind != VMP_PCI_BAR_UNUSED)
            return -EBUSY;
        vmp_pci_set32(f, reg, PCI_BASE_ADDRESS_MEM_TYPE_64 |
                                  (prefetch ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0));
        vmp_pci_set_wmask(f, reg, (uint32_t)~(size - 1) & ~0xFu, 4);
        vmp_pci_set32(f, reg + 4, 0);
        vmp_pci_set_wmask(f, reg + 4, (uint32_t)(~(size - 1) >> 32), 4);
        f->bar[bar + 1].kind = VMP_PCI_BAR_MEM64_HI;
        break;
    case VMP_PCI_BAR_ROM:
        /* §6.2.5.2: address bits 31:11, enable bit 0. */
        if (bar != VMP_PCI_ROM_BAR || prefetch || size < 2048 || size > (1ull << 31))
            return -EINVAL;
        vmp_pci_set32(f, reg, 0);
        vmp_pci_set_wmask(f, reg, ((uint32_t)~(size - 1) & 0xFFFFF800u) | PCI_ROM_ADDRESS_ENABLE, 4);
        break;
    default:
        return -EINVAL;
    }
    struct vmp_pci_bar *b = &f->bar[bar];
    b->kind = kind;
    b->prefetch = prefetch;
    b->size = size;
    b->ops = ops;
    b->dev = dev;
    b->mapped = false;
    return 0;
}

uint64_t vmp_pci_bar_addr(const struct vmp_pci_func *f, unsigned bar)
{
    if (bar > VMP_PCI_ROM_BAR)
        return 0;
    unsigned reg = bar_reg(bar);
    uint32_t lo = vmp_pci_get32(f, reg);
    switch (f->bar[bar].kind) {
    case VMP_PCI_BAR_IO: return lo & ~3u;
    case VMP_PCI_BAR_MEM32: return lo & ~0xFu;
    case VMP_PCI_BAR_MEM64: return (lo & ~0xFu) | (uint64_t)vmp_pci_get32(f, reg + 4) << 32;
    case VMP_PCI_BAR_ROM: return lo & 0xFFFFF800u;
    default: return 0;
    }
}

bool vmp_pci_bar_mapped(const struct vmp_pci_func *f, unsigned bar)
{
    return bar <= VMP_PCI_ROM_BAR && f->bar[bar].mapped;
}

/* Where the BAR should be mapped now, if anywhere. An address of 0 means
 * "not assigned" (firmware never places a BAR there); a placement past the
 * end of the space cannot decode. */
static bool bar_target(const struct vmp_pci_func *f, unsigned i, struct vmp_space **space,
                       uint64_t *addr)
{
    const struct vmp_pci_bar *b = &f->bar[i];
    uint16_t cmd = vmp_pci_get16(f, PCI_COMMAND);
    uint64_t a = vmp_pci_bar_addr(f, i), limit;
    /* PCI PM 1.2: outside D0 only configuration accesses are answered. */
    if (vmp_pci_pm_state(f) != 0)
        return false;
    switch (b->kind) {
    case VMP_PCI_BAR_IO:
        if (!(cmd & PCI_COMMAND_IO))
            return false;
        *space = f->pio;
        limit = 0xFFFF;
        break;
    case VMP_PCI_BAR_MEM32:
    case VMP_PCI_BAR_MEM64:
        if (!(cmd & PCI_COMMAND_MEMORY))
            return false;
        *space = f->mmio;
        limit = b->kind == VMP_PCI_BAR_MEM32 ? 0xFFFFFFFFu : UINT64_MAX;
        break;
    case VMP_PCI_BAR_ROM:
        /* §6.2.5.2: the ROM decodes only with both enables set. */
        if (!(cmd & PCI_COMMAND_MEMORY) ||
            !(vmp_pci_get32(f, PCI_ROM_ADDRESS) & PCI_ROM_ADDRESS_ENABLE))
            return false;
        *space = f->mmio;
        limit = 0xFFFFFFFFu;
        break;
    default:
        return false;
    }
    if (!*space || !b->ops || a == 0 || a > limit || b->size - 1 > limit - a)
        return false;
    *addr = a;
    return true;
}

static const char *const bar_names[VMP_PCI_ROM_BAR + 1] = {
    "BAR0", "BAR1", "BAR2", "BAR3", "BAR4", "BAR5", "ROM BAR",
};

void vmp_pci_update_bars(struct vmp_pci_func *f)
{
    if (!f->attached)
        return;
    for (unsigned i = 0; i <= VMP_PCI_ROM_BAR; i++) {
        struct vmp_pci_bar *b = &f->bar[i];
        struct vmp_space *space = NULL;
        uint64_t addr = 0;
        bool want = bar_target(f, i, &space, &addr);
        if (b->mapped && (!want || addr != b->addr)) {
            vmp_space_unmap(b->kind == VMP_PCI_BAR_IO ? f->pio : f->mmio, b->addr);
            b->mapped = false;
        }
        if (!want || b->mapped)
            continue;
        int err = vmp_space_map(space, addr, b->size, b->ops, b->dev);
        if (err == 0) {
            b->mapped = true;
            b->addr = addr;
        } else {
            /* The guest placed the BAR over something else: it stays
             * unmapped until the guest moves it (or the other goes). */
            vmp_logf_limited(f->log, &f->rl, VMP_LOG_WARN,
                             "%s: %s at 0x%llx size 0x%llx not mapped: %s", f->name,
                             bar_names[i],
                             (unsigned long long)addr, (unsigned long long)b->size,
                             vmp_strerror(err));
        }
    }
}

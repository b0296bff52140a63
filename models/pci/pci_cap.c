/* Capability list: building one in a function, walking one safely.
 * PCI 3.0 §6.7. */
#include "pci_internal.h"

/* Entries are dword-aligned in 0x40..0xFF: at most 48 fit. */
#define CAP_WALK_MAX 48

int vmp_pci_cap_add(struct vmp_pci_func *f, uint8_t id, unsigned len)
{
    if (len < 2 || len > 0xC0)
        return -EINVAL;
    unsigned off = f->cap_free;
    if (off + len > 0x100)
        return -ENOSPC;
    vmp_pci_set8(f, off + PCI_CAP_LIST_ID, id);
    vmp_pci_set8(f, off + PCI_CAP_LIST_NEXT, 0);
    /* §6.7: the pointer lives at 0x34 for the first entry, else in the
     * previous entry's next byte; Capabilities List (status bit 4) says
     * 0x34 is valid. */
    if (f->cap_last)
        vmp_pci_set8(f, f->cap_last + PCI_CAP_LIST_NEXT, (uint8_t)off);
    else
        vmp_pci_set8(f, PCI_CAPABILITY_LIST, (uint8_t)off);
    vmp_pci_set16(f, PCI_STATUS, vmp_pci_get16(f, PCI_STATUS) | PCI_STATUS_CAP_LIST);
    f->cap_last = (uint16_t)off;
    f->cap_free = (uint16_t)((off + len + 3) & ~3u);
    return (int)off;
}

struct self_reader {
    const struct vmp_pci_func *f;
    unsigned after;
};

static uint8_t self_read8(void *opaque, unsigned reg)
{
    return vmp_pci_get8(((struct self_reader *)opaque)->f, reg);
}

static int walk(vmp_pci_read8_fn read8, void *opaque, uint8_t id, unsigned after)
{
    if (!(read8(opaque, PCI_STATUS) & PCI_STATUS_CAP_LIST))
        return -ENOENT;
    unsigned ptr = read8(opaque, PCI_CAPABILITY_LIST) & 0xFC; /* §6.7: bits 1:0 reserved */
    bool found_after = after == 0;
    for (unsigned n = 0; n < CAP_WALK_MAX; n++) {
        if (ptr < 0x40)
            return -ENOENT; /* 0 ends the list; 0x04..0x3C is the header: garbage */
        if (found_after && read8(opaque, ptr + PCI_CAP_LIST_ID) == id)
            return (int)ptr;
        if (ptr == after)
            found_after = true;
        ptr = read8(opaque, ptr + PCI_CAP_LIST_NEXT) & 0xFC;
    }
    return -ELOOP;
}

int vmp_pci_cap_find(const struct vmp_pci_func *f, uint8_t id, unsigned after)
{
    struct self_reader s = { f, after };
    return walk(self_read8, &s, id, after);
}

int vmp_pci_cap_walk(vmp_pci_read8_fn read8, void *opaque, uint8_t id)
{
    return walk(read8, opaque, id, 0);
}

struct space_reader {
    struct vmp_space *cfg;
    uint32_t addr;
};

static uint8_t space_read8(void *opaque, unsigned reg)
{
    struct space_reader *s = opaque;
    return (uint8_t)vmp_space_read(s->cfg, s->addr + (reg & 0xFFF), 1);
}

int vmp_pci_cap_find_space(struct vmp_space *cfg, uint32_t addr, uint8_t id)
{
    struct space_reader s = { cfg, addr & VMP_PCI_CFG_LAST & ~0xFFFu };
    /* An absent function reads all ones: no status bit to trust. */
    if (vmp_space_read(cfg, s.addr + PCI_VENDOR_ID, 2) == 0xFFFF)
        return -ENOENT;
    return walk(space_read8, &s, id, 0);
}

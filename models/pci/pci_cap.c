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

/* ---- PCIe extended capabilities (PCIe base spec 4.0 §7.6) ---------- */

/* Header dword: ID 15:0, version 19:16, next offset 31:20. */
#define EXT_FIRST 0x100u
#define EXT_WALK_MAX ((VMP_PCI_CFG_SIZE - EXT_FIRST) / 4)

int vmp_pci_ext_cap_add(struct vmp_pci_func *f, uint16_t id, uint8_t version, unsigned len)
{
    if (len < 4 || len > VMP_PCI_CFG_SIZE - EXT_FIRST || version > 0xF)
        return -EINVAL;
    unsigned off = f->ext_free ? f->ext_free : EXT_FIRST;
    if (off + len > VMP_PCI_CFG_SIZE)
        return -ENOSPC;
    vmp_pci_set32(f, off, id | (uint32_t)version << 16);
    if (f->ext_last)
        vmp_pci_set32(f, f->ext_last, (vmp_pci_get32(f, f->ext_last) & 0xFFFFF) | (uint32_t)off << 20);
    f->ext_last = (uint16_t)off;
    f->ext_free = (uint16_t)((off + len + 3) & ~3u);
    return (int)off;
}

static int ext_walk(vmp_pci_read32_fn read32, void *opaque, uint16_t id, unsigned after)
{
    unsigned ptr = EXT_FIRST;
    bool found_after = after == 0;
    for (unsigned n = 0; n < EXT_WALK_MAX; n++) {
        uint32_t h = read32(opaque, ptr);
        /* §7.6.1: an all-zero header at 0x100 means no list; all ones is
         * an absent function. */
        if (h == 0 || h == UINT32_MAX)
            return -ENOENT;
        if (found_after && (h & 0xFFFF) == id)
            return (int)ptr;
        if (ptr == after)
            found_after = true;
        ptr = (h >> 20) & 0xFFC; /* bits 1:0 reserved */
        if (ptr < EXT_FIRST)
            return -ENOENT; /* 0 ends the list; lower offsets are garbage */
    }
    return -ELOOP;
}

static uint32_t self_read32(void *opaque, unsigned reg)
{
    return vmp_pci_get32(((struct self_reader *)opaque)->f, reg);
}

int vmp_pci_ext_cap_find(const struct vmp_pci_func *f, uint16_t id, unsigned after)
{
    struct self_reader s = { f, after };
    return ext_walk(self_read32, &s, id, after);
}

int vmp_pci_ext_cap_walk(vmp_pci_read32_fn read32, void *opaque, uint16_t id)
{
    return ext_walk(read32, opaque, id, 0);
}

static uint32_t space_read32(void *opaque, unsigned reg)
{
    struct space_reader *s = opaque;
    return (uint32_t)vmp_space_read(s->cfg, s->addr + (reg & 0xFFC), 4);
}

int vmp_pci_ext_cap_find_space(struct vmp_space *cfg, uint32_t addr, uint16_t id)
{
    struct space_reader s = { cfg, addr & VMP_PCI_CFG_LAST & ~0xFFFu };
    return ext_walk(space_read32, &s, id, 0);
}

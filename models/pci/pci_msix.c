/* MSI-X capability, table and pending bit array. PCIe base spec 4.0
 * §7.7.2 (PCI 3.0 §6.8.2). */
#include <stdlib.h>

#include "pci_internal.h"

static bool is_mem_bar(const struct vmp_pci_func *f, unsigned bar)
{
    return bar < VMP_PCI_NUM_BARS &&
           (f->bar[bar].kind == VMP_PCI_BAR_MEM32 || f->bar[bar].kind == VMP_PCI_BAR_MEM64);
}

static uint32_t pba_len(unsigned nvec) { return (nvec + 63) / 64 * 8; }

int vmp_pci_msix_init(struct vmp_pci_func *f, unsigned nvec, unsigned table_bar,
                      uint32_t table_off, unsigned pba_bar, uint32_t pba_off)
{
    if (nvec == 0 || nvec > VMP_MSIX_MAX_VECTORS)
        return -EINVAL;
    if (f->msix.cap)
        return -EBUSY;
    /* §7.7.2.3-4: offsets are QWORD aligned (bits 2:0 hold the BIR). */
    if (!is_mem_bar(f, table_bar) || !is_mem_bar(f, pba_bar) || (table_off & 7) ||
        (pba_off & 7))
        return -EINVAL;
    uint64_t tlen = (uint64_t)nvec * VMP_MSIX_ENTRY_SIZE, plen = pba_len(nvec);
    if ((uint64_t)table_off + tlen > f->bar[table_bar].size ||
        (uint64_t)pba_off + plen > f->bar[pba_bar].size)
        return -EINVAL;
    if (table_bar == pba_bar && table_off < pba_off + plen && pba_off < table_off + tlen)
        return -EINVAL; /* must not overlap */
    uint8_t *table = calloc(nvec, VMP_MSIX_ENTRY_SIZE);
    uint64_t *pba = calloc(plen / 8, sizeof *pba);
    if (!table || !pba) {
        free(table);
        free(pba);
        return -ENOMEM;
    }
    int off = vmp_pci_cap_add(f, PCI_CAP_ID_MSIX, 12);
    if (off < 0) {
        free(table);
        free(pba);
        return off;
    }
    f->msix.cap = (uint8_t)off;
    f->msix.nvec = (uint16_t)nvec;
    f->msix.table_bar = (uint8_t)table_bar;
    f->msix.pba_bar = (uint8_t)pba_bar;
    f->msix.table_off = table_off;
    f->msix.pba_off = pba_off;
    f->msix.table = table;
    f->msix.pba = pba;
    /* §7.7.2.2: Table Size is N-1 (read-only); Enable and Function Mask
     * are the writable bits. */
    vmp_pci_set16(f, off + PCI_MSI_FLAGS, (uint16_t)(nvec - 1));
    vmp_pci_set_wmask(f, off + PCI_MSI_FLAGS, PCI_MSIX_ENABLE | PCI_MSIX_MASK, 2);
    vmp_pci_set32(f, off + PCI_MSIX_TABLE, table_off | table_bar);
    vmp_pci_set32(f, off + PCI_MSIX_PBA, pba_off | pba_bar);
    vmp_pci_msix_reset(f);
    return off;
}

static uint16_t msix_ctrl(const struct vmp_pci_func *f)
{
    return vmp_pci_get16(f, f->msix.cap + PCI_MSI_FLAGS);
}

bool vmp_pci_msix_enabled(const struct vmp_pci_func *f)
{
    return f->msix.cap && (msix_ctrl(f) & PCI_MSIX_ENABLE);
}

static uint32_t entry32(const struct vmp_pci_func *f, unsigned v, unsigned field)
{
    const uint8_t *p = f->msix.table + v * VMP_MSIX_ENTRY_SIZE + field;
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool vector_masked(const struct vmp_pci_func *f, unsigned v)
{
    return (msix_ctrl(f) & PCI_MSIX_MASK) ||
           (entry32(f, v, VMP_MSIX_ENTRY_CTRL) & VMP_MSIX_ENTRY_CTRL_MASKED);
}

static void msix_send(struct vmp_pci_func *f, unsigned v)
{
    uint64_t addr = entry32(f, v, VMP_MSIX_ENTRY_ADDR_LO) |
                    (uint64_t)entry32(f, v, VMP_MSIX_ENTRY_ADDR_HI) << 32;
    vmp_msi_send(&f->msi_sink, addr, entry32(f, v, VMP_MSIX_ENTRY_DATA));
}

static bool pending(const struct vmp_pci_func *f, unsigned v)
{
    return f->msix.pba[v / 64] >> (v % 64) & 1;
}

/* §7.7.2.5, §7.7.2.10: a message held while masked is sent, and its
 * Pending bit cleared, once neither mask applies. */
static void flush_vector(struct vmp_pci_func *f, unsigned v)
{
    if (vmp_pci_msix_enabled(f) && pending(f, v) && !vector_masked(f, v)) {
        f->msix.pba[v / 64] &= ~(1ull << (v % 64));
        msix_send(f, v);
    }
}

int vmp_pci_msix_notify(struct vmp_pci_func *f, unsigned vector)
{
    if (!f->msix.cap || vector >= f->msix.nvec)
        return -EINVAL;
    if (!vmp_pci_msix_enabled(f))
        return -ENODEV;
    if (vector_masked(f, vector)) {
        f->msix.pba[vector / 64] |= 1ull << (vector % 64);
        return VMP_PCI_MSG_PENDING;
    }
    msix_send(f, vector);
    return VMP_PCI_MSG_SENT;
}

void vmp_pci_msix_written(struct vmp_pci_func *f, uint16_t old_ctrl)
{
    uint16_t ctrl = msix_ctrl(f);
    vmp_pci_update_intx(f);
    bool was_live = (old_ctrl & PCI_MSIX_ENABLE) && !(old_ctrl & PCI_MSIX_MASK);
    bool live = (ctrl & PCI_MSIX_ENABLE) && !(ctrl & PCI_MSIX_MASK);
    if (live && !was_live)
        for (unsigned v = 0; v < f->msix.nvec; v++)
            flush_vector(f, v);
}

void vmp_pci_msix_reset(struct vmp_pci_func *f)
{
    if (!f->msix.cap)
        return;
    /* §7.7.2.9: every vector's Mask bit is set after reset. */
    for (unsigned v = 0; v < f->msix.nvec; v++) {
        uint8_t *e = f->msix.table + v * VMP_MSIX_ENTRY_SIZE;
        for (unsigned i = 0; i < VMP_MSIX_ENTRY_SIZE; i++)
            e[i] = 0;
        e[VMP_MSIX_ENTRY_CTRL] = VMP_MSIX_ENTRY_CTRL_MASKED;
    }
    for (unsigned i = 0; i < pba_len(f->msix.nvec) / 8; i++)
        f->msix.pba[i] = 0;
}

/* Writable bits of each byte of a table entry: address bits 1:0 are
 * zero (§7.7.2.7), only the Mask bit of Vector Control (§7.7.2.9). */
static const uint8_t entry_wmask[VMP_MSIX_ENTRY_SIZE] = {
    0xFC, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, VMP_MSIX_ENTRY_CTRL_MASKED, 0, 0, 0,
};

/* Which structure byte `a` of BAR `bar` is: 1 table (*idx = byte index),
 * 2 PBA, 0 neither. */
static int classify(const struct vmp_pci_func *f, unsigned bar, uint64_t a, uint64_t *idx)
{
    uint64_t tlen = (uint64_t)f->msix.nvec * VMP_MSIX_ENTRY_SIZE;
    if (bar == f->msix.table_bar && a >= f->msix.table_off && a - f->msix.table_off < tlen) {
        *idx = a - f->msix.table_off;
        return 1;
    }
    if (bar == f->msix.pba_bar && a >= f->msix.pba_off &&
        a - f->msix.pba_off < pba_len(f->msix.nvec)) {
        *idx = a - f->msix.pba_off;
        return 2;
    }
    return 0;
}

static bool size_ok(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

bool vmp_pci_msix_mmio_read(struct vmp_pci_func *f, unsigned bar, uint64_t off,
                            unsigned size, uint64_t *value)
{
    if (!f->msix.cap || !size_ok(size) || off > UINT64_MAX - size)
        return false;
    uint64_t v = 0;
    bool hit = false;
    for (unsigned i = 0; i < size; i++) {
        uint64_t idx;
        uint8_t b = 0;
        switch (classify(f, bar, off + i, &idx)) {
        case 1:
            b = f->msix.table[idx];
            hit = true;
            break;
        case 2:
            b = (uint8_t)(f->msix.pba[idx / 8] >> (8 * (idx % 8)));
            hit = true;
            break;
        }
        v |= (uint64_t)b << (8 * i);
    }
    if (hit)
        *value = v;
    return hit;
}

bool vmp_pci_msix_mmio_write(struct vmp_pci_func *f, unsigned bar, uint64_t off,
                             uint64_t value, unsigned size)
{
    if (!f->msix.cap || !size_ok(size) || off > UINT64_MAX - size)
        return false;
    bool hit = false;
    unsigned touched[2] = { UINT32_MAX, UINT32_MAX }; /* an 8-byte write spans <= 2 entries */
    for (unsigned i = 0; i < size; i++) {
        uint64_t idx;
        int kind = classify(f, bar, off + i, &idx);
        if (kind == 2)
            hit = true; /* §7.7.2.10: the PBA is read-only; writes are dropped */
        if (kind != 1)
            continue;
        hit = true;
        uint8_t m = entry_wmask[idx % VMP_MSIX_ENTRY_SIZE];
        uint8_t b = (uint8_t)(value >> (8 * i));
        f->msix.table[idx] = (uint8_t)((f->msix.table[idx] & ~m) | (b & m));
        unsigned v = (unsigned)(idx / VMP_MSIX_ENTRY_SIZE);
        if (touched[0] == UINT32_MAX || touched[0] == v)
            touched[0] = v;
        else
            touched[1] = v;
    }
    /* Unmasking a vector with its Pending bit set sends it (§7.7.2.9). */
    for (unsigned k = 0; k < 2; k++)
        if (touched[k] != UINT32_MAX)
            flush_vector(f, touched[k]);
    return hit;
}

static uint64_t bar_read(void *dev, uint64_t off, unsigned size)
{
    struct vmp_pci_func *f = dev;
    uint64_t v = 0;
    vmp_pci_msix_mmio_read(f, f->msix.table_bar, off, size, &v);
    return v;
}

static void bar_write(void *dev, uint64_t off, uint64_t value, unsigned size)
{
    struct vmp_pci_func *f = dev;
    vmp_pci_msix_mmio_write(f, f->msix.table_bar, off, value, size);
}

const struct vmp_io_ops vmp_pci_msix_bar_ops = {
    .read = bar_read, .write = bar_write, .max_size = 8,
};

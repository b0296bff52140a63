/* MSI capability: 32/64-bit address, multiple message, per-vector mask
 * and pending bits. PCI Local Bus Spec 3.0 §6.8.1, §6.8.3. */
#include "pci_internal.h"

static unsigned log2u(unsigned x)
{
    unsigned n = 0;
    while (x > 1) {
        x >>= 1;
        n++;
    }
    return n;
}

int vmp_pci_msi_init(struct vmp_pci_func *f, unsigned nvec, bool is64, bool maskable)
{
    if (nvec == 0 || nvec > 32 || (nvec & (nvec - 1)))
        return -EINVAL;
    if (f->msi.cap)
        return -EBUSY;
    int off = vmp_pci_cap_add(f, PCI_CAP_ID_MSI, vmp_msi_cap_len(is64, maskable));
    if (off < 0)
        return off;
    f->msi.cap = (uint8_t)off;
    f->msi.nvec = (uint8_t)nvec;
    f->msi.is64 = is64;
    f->msi.maskable = maskable;
    /* §6.8.1.3 Message Control: Multiple Message Capable (3:1) read-only,
     * Multiple Message Enable (6:4) and MSI Enable (0) writable. */
    vmp_pci_set16(f, off + PCI_MSI_FLAGS,
                  (uint16_t)(log2u(nvec) << 1 | (is64 ? PCI_MSI_FLAGS_64BIT : 0) |
                             (maskable ? PCI_MSI_FLAGS_MASK_BIT : 0)));
    vmp_pci_set_wmask(f, off + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE, 2);
    /* §6.8.1.4: address bits 1:0 are read-only zero (dword aligned). */
    vmp_pci_set_wmask(f, off + PCI_MSI_ADDRESS_LO, 0xFFFFFFFCu, 4);
    if (is64)
        vmp_pci_set_wmask(f, off + PCI_MSI_ADDRESS_HI, 0xFFFFFFFFu, 4);
    vmp_pci_set_wmask(f, vmp_msi_data_reg(f), 0xFFFF, 2);
    /* §6.8.1.7-8: mask bits for implemented vectors; pending read-only. */
    if (maskable)
        vmp_pci_set_wmask(f, vmp_msi_mask_reg(f), vmp_msi_vec_mask(nvec), 4);
    return off;
}

bool vmp_pci_msi_enabled(const struct vmp_pci_func *f)
{
    return f->msi.cap && (vmp_pci_get16(f, f->msi.cap + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_ENABLE);
}

unsigned vmp_pci_msi_vectors(const struct vmp_pci_func *f)
{
    if (!f->msi.cap)
        return 0;
    return 1u << ((vmp_pci_get16(f, f->msi.cap + PCI_MSI_FLAGS) & PCI_MSI_FLAGS_QSIZE) >> 4);
}

/* §6.8.1.6: the function may change the low log2(allocated) data bits to
 * say which vector; the rest of the 16-bit Message Data is software's. */
static void msi_send(struct vmp_pci_func *f, unsigned v)
{
    uint64_t addr = vmp_pci_get32(f, f->msi.cap + PCI_MSI_ADDRESS_LO);
    if (f->msi.is64)
        addr |= (uint64_t)vmp_pci_get32(f, f->msi.cap + PCI_MSI_ADDRESS_HI) << 32;
    uint32_t n = vmp_pci_msi_vectors(f);
    uint32_t data = vmp_pci_get16(f, vmp_msi_data_reg(f));
    data = (data & ~(n - 1)) | (v & (n - 1));
    vmp_msi_send(&f->msi_sink, addr, data);
}

int vmp_pci_msi_notify(struct vmp_pci_func *f, unsigned vector)
{
    /* PCIe §7.7.2.2: with MSI-X enabled the function must not use MSI. */
    if (!vmp_pci_msi_enabled(f) || vmp_pci_msix_enabled(f))
        return -ENODEV;
    unsigned v = vector % vmp_pci_msi_vectors(f);
    if (f->msi.maskable && (vmp_pci_get32(f, vmp_msi_mask_reg(f)) >> v & 1)) {
        /* §6.8.1.8: masked, so set Pending instead of sending. */
        unsigned pr = vmp_msi_pending_reg(f);
        vmp_pci_set32(f, pr, vmp_pci_get32(f, pr) | 1u << v);
        return VMP_PCI_MSG_PENDING;
    }
    msi_send(f, v);
    return VMP_PCI_MSG_SENT;
}

void vmp_pci_msi_written(struct vmp_pci_func *f, uint32_t old_mask)
{
    unsigned fl = f->msi.cap + PCI_MSI_FLAGS;
    uint16_t flags = vmp_pci_get16(f, fl);
    /* Software must not enable more than requested (§6.8.1.3); if it
     * does, allocate what the function can use. */
    unsigned mme = (flags & PCI_MSI_FLAGS_QSIZE) >> 4, mmc = (flags & PCI_MSI_FLAGS_QMASK) >> 1;
    if (mme > mmc)
        vmp_pci_set16(f, fl, (uint16_t)((flags & ~PCI_MSI_FLAGS_QSIZE) | mmc << 4));
    vmp_pci_update_intx(f);
    if (!f->msi.maskable || !vmp_pci_msi_enabled(f))
        return;
    /* §6.8.1.8: unmasking a vector with its Pending bit set sends it. */
    unsigned pr = vmp_msi_pending_reg(f);
    uint32_t pending = vmp_pci_get32(f, pr);
    uint32_t fire = old_mask & ~vmp_pci_get32(f, vmp_msi_mask_reg(f)) & pending;
    if (!fire)
        return;
    vmp_pci_set32(f, pr, pending & ~fire);
    for (unsigned v = 0; v < 32; v++)
        if (fire >> v & 1)
            msi_send(f, v);
}

void vmp_pci_msi_reset(struct vmp_pci_func *f)
{
    if (f->msi.cap && f->msi.maskable)
        vmp_pci_set32(f, vmp_msi_pending_reg(f), 0);
}

/* Shared between the PCI helper files; not part of the API. */
#ifndef VMP_PCI_INTERNAL_H
#define VMP_PCI_INTERNAL_H

#include <pci/header.h>

#include <vmparts/pci.h>

/* <pci/header.h> has no names for the MSI-X table entry layout
 * (PCIe base spec 4.0 §7.7.2.7-7.7.2.10). */
#define VMP_MSIX_ENTRY_SIZE 16
#define VMP_MSIX_ENTRY_ADDR_LO 0
#define VMP_MSIX_ENTRY_ADDR_HI 4
#define VMP_MSIX_ENTRY_DATA 8
#define VMP_MSIX_ENTRY_CTRL 12
#define VMP_MSIX_ENTRY_CTRL_MASKED 0x1u
#define VMP_MSIX_MAX_VECTORS 2048

/* PCI 3.0 §6.8.1: MSI capability lengths by layout. */
static inline unsigned vmp_msi_cap_len(bool is64, bool maskable)
{
    return maskable ? (is64 ? 24u : 20u) : (is64 ? 14u : 10u);
}
static inline unsigned vmp_msi_mask_reg(const struct vmp_pci_func *f)
{
    return f->msi.cap + (f->msi.is64 ? PCI_MSI_MASK_BIT_64 : PCI_MSI_MASK_BIT_32);
}
static inline unsigned vmp_msi_pending_reg(const struct vmp_pci_func *f)
{
    return f->msi.cap + (f->msi.is64 ? PCI_MSI_PENDING_64 : PCI_MSI_PENDING_32);
}
static inline unsigned vmp_msi_data_reg(const struct vmp_pci_func *f)
{
    return f->msi.cap + (f->msi.is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32);
}
static inline uint32_t vmp_msi_vec_mask(unsigned n)
{
    return n >= 32 ? UINT32_MAX : (1u << n) - 1;
}

/* Do [reg, reg+size) and [lo, lo+len) overlap? */
static inline bool vmp_pci_overlaps(unsigned reg, unsigned size, unsigned lo, unsigned len)
{
    return reg < lo + len && lo < reg + size;
}

/* Re-evaluate BAR mappings from the command register and BAR values. */
void vmp_pci_update_bars(struct vmp_pci_func *f);
/* Re-drive the INTx pin from the request, Interrupt Disable, MSI/MSI-X. */
void vmp_pci_update_intx(struct vmp_pci_func *f);
/* After a guest write that touched the MSI / MSI-X capability. */
void vmp_pci_msi_written(struct vmp_pci_func *f, uint32_t old_mask);
void vmp_pci_msix_written(struct vmp_pci_func *f, uint16_t old_ctrl);
/* After a guest write that touched PMCSR (old PowerState given). */
void vmp_pci_pm_written(struct vmp_pci_func *f, unsigned old_state);
bool vmp_pci_pm_state_ok(const struct vmp_pci_func *f, unsigned state);
/* Reset MSI pending bits and the MSI-X table and PBA. */
void vmp_pci_msi_reset(struct vmp_pci_func *f);
void vmp_pci_msix_reset(struct vmp_pci_func *f);

#endif

/* Power management capability: D-states through PMCSR. PCI Bus Power
 * Management Interface Specification 1.2 §3.2.3 (PMC), §3.2.4 (PMCSR). */
#include "pci_internal.h"

int vmp_pci_pm_init(struct vmp_pci_func *f, bool d1, bool d2)
{
    if (f->pm.cap)
        return -EBUSY;
    int off = vmp_pci_cap_add(f, PCI_CAP_ID_PM, PCI_PM_SIZEOF);
    if (off < 0)
        return off;
    f->pm.cap = (uint8_t)off;
    f->pm.d1 = d1;
    f->pm.d2 = d2;
    /* PMC: version 3 (PM 1.2), no PME, optional states as asked. */
    vmp_pci_set16(f, off + PCI_CAP_FLAGS,
                  (uint16_t)(3 | (d1 ? PCI_PM_CAP_D1 : 0) | (d2 ? PCI_PM_CAP_D2 : 0)));
    /* PMCSR: PowerState writable; No_Soft_Reset read-only 1. */
    vmp_pci_set16(f, off + PCI_PM_CTRL, PCI_PM_CTRL_NO_SOFT_RST);
    vmp_pci_set_wmask(f, off + PCI_PM_CTRL, PCI_PM_CTRL_STATE_MASK, 2);
    return off;
}

unsigned vmp_pci_pm_state(const struct vmp_pci_func *f)
{
    if (!f->pm.cap)
        return 0;
    return vmp_pci_get16(f, f->pm.cap + PCI_PM_CTRL) & PCI_PM_CTRL_STATE_MASK;
}

bool vmp_pci_pm_state_ok(const struct vmp_pci_func *f, unsigned state)
{
    return state == 0 || state == 3 || (state == 1 && f->pm.d1) || (state == 2 && f->pm.d2);
}

void vmp_pci_pm_written(struct vmp_pci_func *f, unsigned old_state)
{
    unsigned reg = f->pm.cap + PCI_PM_CTRL;
    uint16_t v = vmp_pci_get16(f, reg);
    /* §3.2.4: a write of an unsupported state completes, but the data is
     * discarded and the state does not change. */
    if (!vmp_pci_pm_state_ok(f, v & PCI_PM_CTRL_STATE_MASK))
        vmp_pci_set16(f, reg, (uint16_t)((v & ~PCI_PM_CTRL_STATE_MASK) | old_state));
    if (vmp_pci_pm_state(f) != old_state)
        vmp_pci_update_bars(f);
}

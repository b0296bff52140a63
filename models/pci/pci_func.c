/* Type-0 configuration header helper: storage with write masks, guest
 * configuration accesses, INTx. PCI Local Bus Spec 3.0 §6.1-§6.2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pci_internal.h"

uint8_t vmp_pci_get8(const struct vmp_pci_func *f, unsigned reg)
{
    return reg < VMP_PCI_CFG_SIZE ? f->cfg[reg] : 0;
}
uint16_t vmp_pci_get16(const struct vmp_pci_func *f, unsigned reg)
{
    if (reg <= VMP_PCI_CFG_SIZE - 2)
        return (uint16_t)(f->cfg[reg] | f->cfg[reg + 1] << 8);
    return vmp_pci_get8(f, reg);
}
uint32_t vmp_pci_get32(const struct vmp_pci_func *f, unsigned reg)
{
    if (reg <= VMP_PCI_CFG_SIZE - 4)
        return f->cfg[reg] | (uint32_t)f->cfg[reg + 1] << 8 | (uint32_t)f->cfg[reg + 2] << 16 |
               (uint32_t)f->cfg[reg + 3] << 24;
    return vmp_pci_get16(f, reg) | (uint32_t)vmp_pci_get16(f, reg + 2) << 16;
}

static void set_bytes(uint8_t *a, unsigned reg, uint32_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        if (reg + i < VMP_PCI_CFG_SIZE)
            a[reg + i] = (uint8_t)(v >> (8 * i));
}
void vmp_pci_set8(struct vmp_pci_func *f, unsigned reg, uint8_t v) { set_bytes(f->cfg, reg, v, 1); }
void vmp_pci_set16(struct vmp_pci_func *f, unsigned reg, uint16_t v) { set_bytes(f->cfg, reg, v, 2); }
void vmp_pci_set32(struct vmp_pci_func *f, unsigned reg, uint32_t v) { set_bytes(f->cfg, reg, v, 4); }
void vmp_pci_set_wmask(struct vmp_pci_func *f, unsigned reg, uint32_t mask, unsigned size)
{
    set_bytes(f->wmask, reg, mask, size);
}
void vmp_pci_set_w1c(struct vmp_pci_func *f, unsigned reg, uint32_t mask, unsigned size)
{
    set_bytes(f->w1c, reg, mask, size);
}

void vmp_pci_func_init(struct vmp_pci_func *f, const struct vmp_env *env,
                       const char *name, const struct vmp_pci_id *id)
{
    memset(f, 0, sizeof *f);
    f->log = env ? env->log : NULL;
    snprintf(f->name, sizeof f->name, "%s", name ? name : "pci");
    f->cap_free = 0x40; /* first byte after the type-0 header */

    vmp_pci_set16(f, PCI_VENDOR_ID, id->vendor);
    vmp_pci_set16(f, PCI_DEVICE_ID, id->device);
    vmp_pci_set8(f, PCI_REVISION_ID, id->revision);
    vmp_pci_set8(f, PCI_CLASS_PROG, (uint8_t)id->class_code);
    vmp_pci_set16(f, PCI_CLASS_DEVICE, (uint16_t)(id->class_code >> 8));
    vmp_pci_set8(f, PCI_HEADER_TYPE,
                 PCI_HEADER_TYPE_NORMAL | (id->multifunction ? 0x80 : 0));
    vmp_pci_set16(f, PCI_SUBSYSTEM_VENDOR_ID, id->subsys_vendor);
    vmp_pci_set16(f, PCI_SUBSYSTEM_ID, id->subsys);
    vmp_pci_set8(f, PCI_INTERRUPT_PIN, id->int_pin <= 4 ? id->int_pin : 0);

    /* §6.2.2: the command bits a simple device implements. */
    vmp_pci_set_wmask(f, PCI_COMMAND,
                      PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
                          PCI_COMMAND_PARITY | PCI_COMMAND_SERR |
                          PCI_COMMAND_DISABLE_INTx, 2);
    /* §6.2.3: error bits in the status register are RW1C. */
    vmp_pci_set_w1c(f, PCI_STATUS,
                    PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
                        PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |
                        PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY, 2);
    vmp_pci_set_wmask(f, PCI_CACHE_LINE_SIZE, 0xFF, 1);
    vmp_pci_set_wmask(f, PCI_LATENCY_TIMER, 0xFF, 1);
    vmp_pci_set_wmask(f, PCI_INTERRUPT_LINE, 0xFF, 1);
}

void vmp_pci_func_fini(struct vmp_pci_func *f)
{
    free(f->msix.table);
    free(f->msix.pba);
    f->msix.table = NULL;
    f->msix.pba = NULL;
}

void vmp_pci_func_set_hooks(struct vmp_pci_func *f, const struct vmp_pci_func_hooks *hooks,
                            void *opaque)
{
    f->hooks = hooks;
    f->opaque = opaque;
}

void vmp_pci_func_set_intx(struct vmp_pci_func *f, struct vmp_irq *intx)
{
    f->intx = intx;
    f->intx_out = false;
    vmp_pci_update_intx(f);
}

void vmp_pci_func_set_msi_sink(struct vmp_pci_func *f, const struct vmp_msi_sink *sink)
{
    if (sink)
        f->msi_sink = *sink;
    else
        memset(&f->msi_sink, 0, sizeof f->msi_sink);
}

int vmp_pci_func_attach(struct vmp_pci_func *f, struct vmp_space *cfg, unsigned bus,
                        unsigned dev, unsigned fn, struct vmp_space *pio,
                        struct vmp_space *mmio)
{
    if (!cfg || bus > 255 || dev > 31 || fn > 7)
        return -EINVAL;
    if (f->attached)
        return -EBUSY;
    uint32_t addr = vmp_pci_addr(bus, dev, fn);
    int err = vmp_space_map(cfg, addr, VMP_PCI_CFG_SIZE, &vmp_pci_func_cfg_ops, f);
    if (err)
        return err;
    f->cfg_space = cfg;
    f->cfg_addr = addr;
    f->pio = pio;
    f->mmio = mmio;
    f->attached = true;
    vmp_pci_update_bars(f);
    return 0;
}

void vmp_pci_func_detach(struct vmp_pci_func *f)
{
    if (!f->attached)
        return;
    for (unsigned i = 0; i <= VMP_PCI_ROM_BAR; i++) {
        struct vmp_pci_bar *b = &f->bar[i];
        if (b->mapped) {
            vmp_space_unmap(b->kind == VMP_PCI_BAR_IO ? f->pio : f->mmio, b->addr);
            b->mapped = false;
        }
    }
    vmp_space_unmap(f->cfg_space, f->cfg_addr);
    f->attached = false;
}

void vmp_pci_func_reset(struct vmp_pci_func *f)
{
    for (unsigned i = 0; i < VMP_PCI_CFG_SIZE; i++)
        f->cfg[i] &= (uint8_t)~(f->wmask[i] | f->w1c[i]);
    vmp_pci_msi_reset(f);
    vmp_pci_msix_reset(f);
    f->intx_level = false;
    vmp_pci_set16(f, PCI_STATUS, vmp_pci_get16(f, PCI_STATUS) & ~PCI_STATUS_INTx);
    vmp_ratelimit_reset(&f->rl);
    vmp_pci_update_bars(f);
    vmp_pci_update_intx(f);
}

static bool cfg_access_ok(unsigned reg, unsigned size)
{
    return (size == 1 || size == 2 || size == 4) && reg < VMP_PCI_CFG_SIZE &&
           size <= VMP_PCI_CFG_SIZE - reg;
}

uint32_t vmp_pci_cfg_read(struct vmp_pci_func *f, unsigned reg, unsigned size)
{
    if (!cfg_access_ok(reg, size))
        return UINT32_MAX;
    if (f->hooks && f->hooks->cfg_read)
        f->hooks->cfg_read(f, reg, size);
    switch (size) {
    case 1: return f->cfg[reg];
    case 2: return vmp_pci_get16(f, reg);
    default: return vmp_pci_get32(f, reg);
    }
}

void vmp_pci_cfg_write(struct vmp_pci_func *f, unsigned reg, uint32_t value, unsigned size)
{
    if (!cfg_access_ok(reg, size))
        return;
    uint32_t old_msi_mask = f->msi.cap && f->msi.maskable ? vmp_pci_get32(f, vmp_msi_mask_reg(f)) : 0;
    uint16_t old_msix_ctrl = f->msix.cap ? vmp_pci_get16(f, f->msix.cap + PCI_MSI_FLAGS) : 0;
    unsigned old_pm = vmp_pci_pm_state(f);

    for (unsigned i = 0; i < size; i++) {
        uint8_t b = (uint8_t)(value >> (8 * i));
        unsigned r = reg + i;
        f->cfg[r] = (uint8_t)((f->cfg[r] & ~f->wmask[r]) | (b & f->wmask[r]));
        f->cfg[r] &= (uint8_t)~(b & f->w1c[r]);
    }

    bool cmd = vmp_pci_overlaps(reg, size, PCI_COMMAND, 2);
    if (cmd || vmp_pci_overlaps(reg, size, PCI_BASE_ADDRESS_0, 24) ||
        vmp_pci_overlaps(reg, size, PCI_ROM_ADDRESS, 4))
        vmp_pci_update_bars(f);
    if (f->msi.cap && vmp_pci_overlaps(reg, size, f->msi.cap,
                                       vmp_msi_cap_len(f->msi.is64, f->msi.maskable)))
        vmp_pci_msi_written(f, old_msi_mask);
    if (f->msix.cap && vmp_pci_overlaps(reg, size, f->msix.cap + PCI_MSI_FLAGS, 2))
        vmp_pci_msix_written(f, old_msix_ctrl);
    if (f->pm.cap && vmp_pci_overlaps(reg, size, f->pm.cap + PCI_PM_CTRL, 2))
        vmp_pci_pm_written(f, old_pm);
    if (cmd)
        vmp_pci_update_intx(f);
    if (f->hooks && f->hooks->cfg_write)
        f->hooks->cfg_write(f, reg, value, size);
}

static uint64_t cfg_io_read(void *dev, uint64_t offset, unsigned size)
{
    return vmp_pci_cfg_read(dev, (unsigned)offset, size);
}
static void cfg_io_write(void *dev, uint64_t offset, uint64_t value, unsigned size)
{
    vmp_pci_cfg_write(dev, (unsigned)offset, (uint32_t)value, size);
}
const struct vmp_io_ops vmp_pci_func_cfg_ops = {
    .read = cfg_io_read, .write = cfg_io_write, .max_size = 4,
};

/* PCI 3.0 §6.2.2 (Interrupt Disable), §6.2.3 (Interrupt Status), §6.8.1.3
 * and PCIe §7.7.2.2: with MSI or MSI-X enabled INTx is not used. */
void vmp_pci_update_intx(struct vmp_pci_func *f)
{
    uint16_t st = vmp_pci_get16(f, PCI_STATUS) & ~PCI_STATUS_INTx;
    vmp_pci_set16(f, PCI_STATUS, st | (f->intx_level ? PCI_STATUS_INTx : 0));
    bool out = f->intx_level && vmp_pci_get8(f, PCI_INTERRUPT_PIN) &&
               !(vmp_pci_get16(f, PCI_COMMAND) & PCI_COMMAND_DISABLE_INTx) &&
               !vmp_pci_msi_enabled(f) && !vmp_pci_msix_enabled(f);
    if (out != f->intx_out) {
        f->intx_out = out;
        vmp_irq_set(f->intx, out);
    }
}

void vmp_pci_intx_set(struct vmp_pci_func *f, bool level)
{
    f->intx_level = level;
    vmp_pci_update_intx(f);
}

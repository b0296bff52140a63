/* Save and load of a PCI function: configuration space, INTx request,
 * MSI pending bits, MSI-X table and PBA. */
#include <stdlib.h>
#include <string.h>

#include "pci_internal.h"

#define FUNC_TAG "pcifn"
#define FUNC_VERSION 1

struct vmp_pci_func_staged {
    uint8_t cfg[VMP_PCI_CFG_SIZE];
    bool intx_level;
    uint8_t *table;
    uint64_t *pba;
};

static unsigned pba_words(const struct vmp_pci_func *f) { return (f->msix.nvec + 63u) / 64; }

int vmp_pci_func_save(const struct vmp_pci_func *f, struct vmp_state_writer *w)
{
    vmp_state_begin(w, FUNC_TAG, FUNC_VERSION);
    vmp_state_put_bytes(w, f->cfg, VMP_PCI_CFG_SIZE);
    vmp_state_put_bool(w, f->intx_level);
    vmp_state_put_u16(w, f->msix.nvec);
    if (f->msix.cap) {
        vmp_state_put_bytes(w, f->msix.table, (size_t)f->msix.nvec * VMP_MSIX_ENTRY_SIZE);
        for (unsigned i = 0; i < pba_words(f); i++)
            vmp_state_put_u64(w, f->msix.pba[i]);
    }
    vmp_state_end(w);
    return vmp_state_writer_error(w);
}

void vmp_pci_func_load_abort(struct vmp_pci_func_staged *s)
{
    if (!s)
        return;
    free(s->table);
    free(s->pba);
    free(s);
}

/* Fields a state from another kind of function would differ in: IDs,
 * class, header type, subsystem, capability pointer, interrupt pin. */
static const struct { unsigned reg, len; } id_fields[] = {
    { PCI_VENDOR_ID, 4 }, { PCI_REVISION_ID, 4 }, { PCI_HEADER_TYPE, 1 },
    { PCI_SUBSYSTEM_VENDOR_ID, 4 }, { PCI_CAPABILITY_LIST, 1 }, { PCI_INTERRUPT_PIN, 1 },
};

static bool validate(const struct vmp_pci_func *f, const struct vmp_pci_func_staged *s)
{
    for (size_t i = 0; i < sizeof id_fields / sizeof id_fields[0]; i++)
        if (memcmp(f->cfg + id_fields[i].reg, s->cfg + id_fields[i].reg, id_fields[i].len))
            return false;
    if (f->msi.cap) {
        unsigned fl = f->msi.cap + PCI_MSI_FLAGS;
        uint16_t flags = (uint16_t)(s->cfg[fl] | s->cfg[fl + 1] << 8);
        if (((flags & PCI_MSI_FLAGS_QSIZE) >> 4) > ((flags & PCI_MSI_FLAGS_QMASK) >> 1))
            return false;
        if (f->msi.maskable) {
            unsigned pr = vmp_msi_pending_reg(f);
            uint32_t p = s->cfg[pr] | (uint32_t)s->cfg[pr + 1] << 8 |
                         (uint32_t)s->cfg[pr + 2] << 16 | (uint32_t)s->cfg[pr + 3] << 24;
            if (p & ~vmp_msi_vec_mask(f->msi.nvec))
                return false;
        }
    }
    if (f->pm.cap) {
        unsigned state = s->cfg[f->pm.cap + PCI_PM_CTRL] & PCI_PM_CTRL_STATE_MASK;
        if (!vmp_pci_pm_state_ok(f, state))
            return false;
    }
    if (f->msix.cap) {
        for (unsigned v = 0; v < f->msix.nvec; v++) {
            const uint8_t *e = s->table + v * VMP_MSIX_ENTRY_SIZE;
            if ((e[VMP_MSIX_ENTRY_ADDR_LO] & 3) || (e[VMP_MSIX_ENTRY_CTRL] & ~1u) ||
                e[VMP_MSIX_ENTRY_CTRL + 1] || e[VMP_MSIX_ENTRY_CTRL + 2] ||
                e[VMP_MSIX_ENTRY_CTRL + 3])
                return false;
        }
        unsigned last = pba_words(f) - 1, used = f->msix.nvec - 64 * last;
        if (used < 64 && (s->pba[last] >> used))
            return false;
    }
    return true;
}

int vmp_pci_func_load_begin(struct vmp_pci_func *f, struct vmp_state_reader *r,
                            struct vmp_pci_func_staged **staged)
{
    uint32_t version;
    *staged = NULL;
    struct vmp_pci_func_staged *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    if (f->msix.cap) {
        s->table = calloc(f->msix.nvec, VMP_MSIX_ENTRY_SIZE);
        s->pba = calloc(pba_words(f), sizeof *s->pba);
        if (!s->table || !s->pba) {
            vmp_pci_func_load_abort(s);
            return -ENOMEM;
        }
    }
    int err = vmp_state_open(r, FUNC_TAG, FUNC_VERSION, &version);
    if (err) {
        vmp_pci_func_load_abort(s);
        return err;
    }
    vmp_state_get_bytes(r, s->cfg, VMP_PCI_CFG_SIZE);
    s->intx_level = vmp_state_get_bool(r);
    if (vmp_state_get_u16(r) != f->msix.nvec)
        vmp_state_fail(r, -EINVAL);
    if (f->msix.cap && vmp_state_reader_status(r) == 0) {
        vmp_state_get_bytes(r, s->table, (size_t)f->msix.nvec * VMP_MSIX_ENTRY_SIZE);
        for (unsigned i = 0; i < pba_words(f); i++)
            s->pba[i] = vmp_state_get_u64(r);
    }
    if (vmp_state_reader_status(r) == 0 && !validate(f, s))
        vmp_state_fail(r, -EINVAL);
    err = vmp_state_close(r);
    if (err) {
        vmp_pci_func_load_abort(s);
        return err;
    }
    *staged = s;
    return 0;
}

void vmp_pci_func_load_commit(struct vmp_pci_func *f, struct vmp_pci_func_staged *s)
{
    /* Read-only bytes stay the model's; the state supplies what the guest
     * could have written, plus the MSI pending bits. */
    for (unsigned i = 0; i < VMP_PCI_CFG_SIZE; i += 8) { /* a word at a time */
        uint64_t wm, w1c, cur, in;
        memcpy(&wm, f->wmask + i, 8);
        memcpy(&w1c, f->w1c + i, 8);
        memcpy(&cur, f->cfg + i, 8);
        memcpy(&in, s->cfg + i, 8);
        uint64_t m = wm | w1c;
        cur = (cur & ~m) | (in & m);
        memcpy(f->cfg + i, &cur, 8);
    }
    if (f->msi.cap && f->msi.maskable)
        memcpy(f->cfg + vmp_msi_pending_reg(f), s->cfg + vmp_msi_pending_reg(f), 4);
    if (f->msix.cap) {
        memcpy(f->msix.table, s->table, (size_t)f->msix.nvec * VMP_MSIX_ENTRY_SIZE);
        memcpy(f->msix.pba, s->pba, pba_words(f) * sizeof *s->pba);
    }
    f->intx_level = s->intx_level;
    vmp_pci_func_load_abort(s);
    vmp_pci_update_bars(f);
    vmp_pci_update_intx(f);
}

int vmp_pci_func_load(struct vmp_pci_func *f, struct vmp_state_reader *r)
{
    struct vmp_pci_func_staged *s;
    int err = vmp_pci_func_load_begin(f, r, &s);
    if (err)
        return err;
    vmp_pci_func_load_commit(f, s);
    return 0;
}

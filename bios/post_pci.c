/* POST step: PCI enumeration on bus 0 with BAR and interrupt-line
 * assignment.
 *
 * PCI Local Bus 3.0 section 6.2.5.1 (BAR sizing: write all ones, read the
 * mask back), 6.2.5.2 (expansion ROM BAR), 6.2.4 (interrupt line/pin),
 * 6.2.2 (command register). BARs are packed into the I/O and 32-bit
 * memory windows largest first, each naturally aligned; 64-bit BARs get a
 * 32-bit address (upper half 0). ROM BARs get an address with decode left
 * off (option ROMs are not run). A BAR that does not fit is left at 0 and
 * logged; its decode stays off. There are no PCI-to-PCI bridges on the
 * reference board, so only bus 0 is scanned. */
#include <pci/header.h>
#include <stdlib.h>
#include <string.h>
#include <vmparts/pci.h>
#include "svc_priv.h"

#define MAX_BARS 256
/* libpci's *_MASK macros cast to pciaddr_t (pci.h); these are the same
 * masks without it. */
#define IO_MASK 0xFFFFFFFCu
#define MEM_MASK 0xFFFFFFF0u
#define ROM_MASK 0xFFFFF800u

struct bar {
    uint32_t fn;   /* ECAM address of the function */
    uint8_t reg;   /* BAR register offset */
    uint8_t kind;  /* 0 I/O, 1 MEM32, 2 MEM64, 3 ROM */
    uint64_t size;
};

static uint32_t cfg_rd(struct vmp_bios *b, uint32_t a, unsigned size)
{
    return (uint32_t)vmp_space_read(b->cfg.pci_cfg, a, size);
}
static void cfg_wr(struct vmp_bios *b, uint32_t a, uint32_t v, unsigned size)
{
    vmp_space_write(b->cfg.pci_cfg, a, v, size);
}

/* Size the BARs of one function into list (returns the new count). */
static unsigned probe_bars(struct vmp_bios *b, uint32_t fn, uint8_t htype,
                           struct bar *list, unsigned n)
{
    unsigned nbars = (htype & 0x7F) == PCI_HEADER_TYPE_NORMAL ? 6
                     : (htype & 0x7F) == PCI_HEADER_TYPE_BRIDGE ? 2 : 0;
    for (unsigned i = 0; i < nbars && n < MAX_BARS; i++) {
        uint8_t reg = (uint8_t)(PCI_BASE_ADDRESS_0 + 4 * i);
        uint32_t old = cfg_rd(b, fn + reg, 4);
        cfg_wr(b, fn + reg, 0xFFFFFFFFu, 4);
        uint32_t mask = cfg_rd(b, fn + reg, 4);
        cfg_wr(b, fn + reg, old, 4);
        if (mask == 0 || mask == 0xFFFFFFFFu)
            continue;
        struct bar *bar = &list[n];
        bar->fn = fn;
        bar->reg = reg;
        if (mask & PCI_BASE_ADDRESS_SPACE_IO) {
            uint32_t m = (mask & IO_MASK) | 0xFFFF0000u;
            bar->kind = 0;
            bar->size = (uint32_t)~m + 1u;
        } else if ((mask & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64 &&
                   i + 1 < nbars) {
            uint32_t oldh = cfg_rd(b, fn + reg + 4, 4);
            cfg_wr(b, fn + reg + 4, 0xFFFFFFFFu, 4);
            uint32_t mh = cfg_rd(b, fn + reg + 4, 4);
            cfg_wr(b, fn + reg + 4, oldh, 4);
            uint64_t m = (uint64_t)mh << 32 | (mask & MEM_MASK);
            bar->kind = 2;
            bar->size = ~m + 1;
            i++; /* the upper half */
        } else {
            bar->kind = 1;
            bar->size = (uint32_t)~(mask & MEM_MASK) + 1u;
        }
        if (bar->size && (bar->size & (bar->size - 1)) == 0)
            n++;
    }
    if ((htype & 0x7F) == PCI_HEADER_TYPE_NORMAL && n < MAX_BARS) {
        uint32_t old = cfg_rd(b, fn + PCI_ROM_ADDRESS, 4);
        cfg_wr(b, fn + PCI_ROM_ADDRESS, ROM_MASK, 4);
        uint32_t mask = cfg_rd(b, fn + PCI_ROM_ADDRESS, 4) & ROM_MASK;
        cfg_wr(b, fn + PCI_ROM_ADDRESS, old, 4);
        if (mask && mask != ROM_MASK) {
            list[n] = (struct bar){fn, PCI_ROM_ADDRESS, 3, (uint32_t)~mask + 1u};
            n++;
        }
    }
    return n;
}

static int by_size(const void *pa, const void *pb)
{
    const struct bar *x = pa, *y = pb;
    if (x->size != y->size)
        return x->size < y->size ? 1 : -1;
    if (x->fn != y->fn)
        return x->fn < y->fn ? -1 : 1;
    return x->reg < y->reg ? -1 : (x->reg > y->reg);
}

void bios_post_pci(struct vmp_bios *b)
{
    struct bar list[MAX_BARS];
    uint32_t fns[256];
    unsigned n = 0, nfn = 0;
    for (unsigned dev = 0; dev < 32; dev++) {
        for (unsigned f = 0; f < 8; f++) {
            uint32_t fn = vmp_pci_addr(0, dev, f);
            uint16_t vendor = (uint16_t)cfg_rd(b, fn + PCI_VENDOR_ID, 2);
            if (vendor == 0xFFFF || vendor == 0) {
                if (f == 0)
                    break;
                continue;
            }
            uint8_t htype = (uint8_t)cfg_rd(b, fn + PCI_HEADER_TYPE, 1);
            /* Decode off while BARs are sized and moved. */
            uint16_t cmd = (uint16_t)cfg_rd(b, fn + PCI_COMMAND, 2);
            cfg_wr(b, fn + PCI_COMMAND,
                   cmd & ~(PCI_COMMAND_IO | PCI_COMMAND_MEMORY), 2);
            fns[nfn++] = fn;
            n = probe_bars(b, fn, htype, list, n);
            uint8_t pin = (uint8_t)cfg_rd(b, fn + PCI_INTERRUPT_PIN, 1);
            if (pin >= 1 && pin <= 4) {
                uint8_t line = b->cfg.pci_irq
                                   ? b->cfg.pci_irq(b->cfg.opaque, 0, dev, f, pin)
                                   : (uint8_t)(16 + ((dev + pin - 1) & 7));
                cfg_wr(b, fn + PCI_INTERRUPT_LINE, line, 1);
            }
            if (f == 0 && !(htype & 0x80))
                break;
        }
    }
    qsort(list, n, sizeof(list[0]), by_size);
    uint64_t io = b->cfg.pci_io_base, mem = b->cfg.pci_mmio_base;
    uint16_t enable[256];
    memset(enable, 0, sizeof(enable));
    for (unsigned i = 0; i < n; i++) {
        struct bar *bar = &list[i];
        bool is_io = bar->kind == 0;
        uint64_t *cur = is_io ? &io : &mem;
        uint64_t end = is_io ? b->cfg.pci_io_end : b->cfg.pci_mmio_end;
        uint64_t a = (*cur + bar->size - 1) & ~(bar->size - 1);
        if (a < *cur || a > end || bar->size > end - a) {
            vmp_logf(b->env.log, VMP_LOG_WARN,
                     "bios: PCI %02x:%02x.%x BAR %02xh (%llu bytes) does not fit",
                     bar->fn >> 20 & 0xFF, bar->fn >> 15 & 0x1F, bar->fn >> 12 & 7,
                     bar->reg, (unsigned long long)bar->size);
            continue;
        }
        *cur = a + bar->size;
        if (bar->kind == 3) {
            cfg_wr(b, bar->fn + bar->reg, (uint32_t)a, 4); /* enable bit 0 off */
            continue;
        }
        uint32_t lo = (uint32_t)a | (cfg_rd(b, bar->fn + bar->reg, 4) & (is_io ? 0x3 : 0xF));
        cfg_wr(b, bar->fn + bar->reg, lo, 4);
        if (bar->kind == 2)
            cfg_wr(b, bar->fn + bar->reg + 4, (uint32_t)(a >> 32), 4);
        for (unsigned k = 0; k < nfn; k++)
            if (fns[k] == bar->fn)
                enable[k] |= is_io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
    }
    for (unsigned k = 0; k < nfn; k++) {
        uint16_t cmd = (uint16_t)cfg_rd(b, fns[k] + PCI_COMMAND, 2);
        cfg_wr(b, fns[k] + PCI_COMMAND, cmd | enable[k] | PCI_COMMAND_MASTER, 2);
    }
}

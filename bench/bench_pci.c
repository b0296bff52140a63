/* PCI configuration access cost in the library (dispatch + helper), without
 * any exit cost: a config read by mechanism #1 (OUT to 0xCF8 then IN from
 * 0xCFC, as a guest does it) through the port space, and by ECAM through
 * the MMIO space. Eight functions on bus 0; the "scan" numbers rotate over
 * them so the spaces' one-entry caches miss. Median of several runs. */
#include <stdio.h>

#include <pci/header.h>
#include <vmparts/pci.h>

#include "common/bench.h"

#define ITERS 2000000u
#define RUNS 7
#define NFN 8
#define ECAM 0xB0000000ull

struct ctx {
    struct vmp_space *pio, *mmio, *cfg;
    struct vmp_pci_host *host;
    struct vmp_pci_func fn[NFN];
};

static void cf8_read(void *o, uint64_t n)
{
    struct ctx *c = o;
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        vmp_space_write(c->pio, 0xCF8, 0x80000000u | 1u << 11 | PCI_CLASS_REVISION, 4);
        acc += vmp_space_read(c->pio, 0xCFC, 4);
    }
    bench_sink(acc);
}

static void cfc_only(void *o, uint64_t n)
{
    struct ctx *c = o;
    uint64_t acc = 0;
    vmp_space_write(c->pio, 0xCF8, 0x80000000u | 1u << 11 | PCI_CLASS_REVISION, 4);
    for (uint64_t i = 0; i < n; i++)
        acc += vmp_space_read(c->pio, 0xCFC, 4);
    bench_sink(acc);
}

static void cf8_scan(void *o, uint64_t n)
{
    struct ctx *c = o;
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        vmp_space_write(c->pio, 0xCF8, 0x80000000u | (uint32_t)(i % 16) << 11, 4);
        acc += vmp_space_read(c->pio, 0xCFC, 4);
    }
    bench_sink(acc);
}

static void ecam_read(void *o, uint64_t n)
{
    struct ctx *c = o;
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += vmp_space_read(c->mmio, ECAM + vmp_pci_addr(0, 1, 0) + PCI_CLASS_REVISION, 4);
    bench_sink(acc);
}

static void ecam_scan(void *o, uint64_t n)
{
    struct ctx *c = o;
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += vmp_space_read(c->mmio, ECAM + vmp_pci_addr(0, (unsigned)(i % 16), 0), 4);
    bench_sink(acc);
}

/* A command write that toggles Memory Space: one BAR unmapped or mapped. */
static void bar_toggle(void *o, uint64_t n)
{
    struct ctx *c = o;
    for (uint64_t i = 0; i < n; i++)
        vmp_space_write(c->mmio, ECAM + vmp_pci_addr(0, 1, 0) + PCI_COMMAND,
                        i & 1 ? PCI_COMMAND_MEMORY : 0, 2);
}

static void msi_notify(void *o, uint64_t n)
{
    struct ctx *c = o;
    for (uint64_t i = 0; i < n; i++)
        vmp_pci_msi_notify(&c->fn[0], 0);
}

static void on_msg(void *opaque, uint64_t addr, uint32_t data)
{
    (void)opaque;
    bench_sink(addr ^ data);
}

static uint64_t bar_rd(void *dev, uint64_t off, unsigned size)
{
    (void)dev;
    return off + size;
}
static const struct vmp_io_ops bar_ops = { .read = bar_rd, .max_size = 8 };

int main(void)
{
    struct ctx c = { 0 };
    c.pio = vmp_space_create("pio", 0xFFFF);
    c.mmio = vmp_space_create("mmio", UINT64_MAX);
    c.cfg = vmp_space_create("pcicfg", VMP_PCI_CFG_LAST);
    c.host = vmp_pci_host_create(NULL, c.cfg, NULL);
    if (!c.host || vmp_pci_host_attach_io(c.host, c.pio, 0xCF8) ||
        vmp_pci_host_attach_ecam(c.host, c.mmio, ECAM, VMP_PCI_ECAM_SIZE)) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    for (unsigned i = 0; i < NFN; i++) {
        struct vmp_pci_id id = { .vendor = 0x1234, .device = (uint16_t)i, .class_code = 0x020000 };
        vmp_pci_func_init(&c.fn[i], NULL, "bench", &id);
        vmp_pci_bar_init(&c.fn[i], 0, VMP_PCI_BAR_MEM32, 4096, false, &bar_ops, NULL);
        vmp_pci_msi_init(&c.fn[i], 1, true, true);
        if (vmp_pci_func_attach(&c.fn[i], c.cfg, 0, 1 + i, 0, c.pio, c.mmio)) {
            fprintf(stderr, "attach failed\n");
            return 1;
        }
        vmp_pci_cfg_write(&c.fn[i], PCI_BASE_ADDRESS_0, 0xC0000000u + 0x1000 * i, 4);
    }
    struct vmp_msi_sink sink = { on_msg, NULL };
    vmp_pci_func_set_msi_sink(&c.fn[0], &sink);
    unsigned msi = (unsigned)vmp_pci_cap_find(&c.fn[0], PCI_CAP_ID_MSI, 0);
    vmp_pci_cfg_write(&c.fn[0], msi + PCI_MSI_ADDRESS_LO, 0xFEE00000u, 4);
    vmp_pci_cfg_write(&c.fn[0], msi + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE, 2);
    bench_median_ns(cf8_read, &c, ITERS, 1); /* warm-up */
    bench_report("pci config read, CF8 write + CFC read", bench_median_ns(cf8_read, &c, ITERS, RUNS), "ns/op");
    bench_report("pci config read, CFC read (address latched)", bench_median_ns(cfc_only, &c, ITERS, RUNS), "ns/op");
    bench_report("pci config read, ECAM", bench_median_ns(ecam_read, &c, ITERS, RUNS), "ns/op");
    bench_report("pci bus scan read, CF8 + CFC (16 slots, 9 present)", bench_median_ns(cf8_scan, &c, ITERS, RUNS), "ns/op");
    bench_report("pci bus scan read, ECAM (16 slots, 9 present)", bench_median_ns(ecam_scan, &c, ITERS, RUNS), "ns/op");
    bench_report("pci command write toggling a BAR map/unmap, ECAM", bench_median_ns(bar_toggle, &c, ITERS / 4, RUNS), "ns/op");
    bench_report("pci MSI notify (64-bit, maskable, unmasked) to a sink", bench_median_ns(msi_notify, &c, ITERS, RUNS), "ns/op");
    for (unsigned i = 0; i < NFN; i++) {
        vmp_pci_func_detach(&c.fn[i]);
        vmp_pci_func_fini(&c.fn[i]);
    }
    vmp_pci_host_destroy(c.host);
    vmp_space_destroy(c.pio);
    vmp_space_destroy(c.mmio);
    vmp_space_destroy(c.cfg);
    return 0;
}

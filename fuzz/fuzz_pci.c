/* Fuzz harness: the PCI host bridge (CF8/CFC at 0xCF8, ECAM at
 * 0xB0000000) with three functions built from the helpers, driven by the
 * generic op stream through ports, MMIO and the configuration space, with
 * save/load round trips through models/pci/pci_state.c.
 *
 *   00:01.0  BAR0 I/O 64, BAR1 MEM32 4 KiB (doorbells), BAR2 MEM64 16 KiB
 *            prefetchable, ROM 32 KiB, MSI 64-bit maskable 8 vectors,
 *            a vendor capability, INTA
 *   00:02.0  multi-function: BAR0 MEM32 8 KiB of MSI-X (64 vectors, table
 *            at 0, PBA at 0x1000), BAR1 I/O 16, MSI 32-bit 1 vector, INTB,
 *            power management with D1
 *   00:02.1  BAR0 MEM64 4 KiB holding registers and MSI-X (3 vectors,
 *            table 0x800, PBA 0xC00) in one BAR, power management (D0,
 *            D3hot), two PCIe extended capabilities
 *
 * Doorbells: a write to offset 0 of 00:01.0 BAR1 raises an interrupt
 * through MSI-X, MSI or INTx as the function has them enabled; the op
 * stream's IRQ lines 0-2 do the same for each function from the host
 * side, line 3 resets everything. 0xCF9 is a byte register behind the
 * bridge's pass-through; an input whose first byte has bit 7 set gets the
 * CF8 extended register bits.
 * After every input the harness checks that each BAR the helper calls
 * mapped is the region the space holds at its address. */
#include <pci/header.h>
#include <stdlib.h>
#include <string.h>

#include "common/fuzz_ops.h"

#define ECAM_BASE 0xB0000000ull
#define NFUNC 3

struct regs {
    struct vmp_pci_func *f;
    unsigned bar; /* which BAR these registers are */
    uint8_t mem[64];
};

struct board {
    struct vmp_space *pio, *mmio, *cfg;
    struct vmp_pci_host *host;
    struct vmp_pci_func fn[NFUNC];
    struct regs regs[NFUNC];
    struct vmp_irq_line *intx[2], *host_lines[NFUNC + 1];
    uint8_t cf9; /* the pass-through byte register beside CONFIG_ADDRESS */
    uint64_t msgs;
    unsigned saves;
};

/* Raise an interrupt the way a device would: the best mechanism enabled. */
static void raise(struct vmp_pci_func *f, unsigned vector, bool level)
{
    if (vmp_pci_msix_enabled(f)) {
        if (level)
            vmp_pci_msix_notify(f, vector % f->msix.nvec);
    } else if (vmp_pci_msi_enabled(f)) {
        if (level)
            vmp_pci_msi_notify(f, vector);
    } else {
        vmp_pci_intx_set(f, level);
    }
}

static uint64_t regs_read(void *dev, uint64_t off, unsigned size)
{
    struct regs *r = dev;
    uint64_t v = 0;
    if (r->f->msix.cap && vmp_pci_msix_mmio_read(r->f, r->bar, off, size, &v))
        return v;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)r->mem[(off + i) % sizeof r->mem] << (8 * i);
    return v;
}

static void regs_write(void *dev, uint64_t off, uint64_t value, unsigned size)
{
    struct regs *r = dev;
    if (r->f->msix.cap && vmp_pci_msix_mmio_write(r->f, r->bar, off, value, size))
        return;
    for (unsigned i = 0; i < size; i++)
        r->mem[(off + i) % sizeof r->mem] = (uint8_t)(value >> (8 * i));
    if (off == 0)
        raise(r->f, (unsigned)value & 0x7FF, value >> 15 & 1);
}

static const struct vmp_io_ops regs_ops = { regs_read, regs_write, 8 };

static void on_msg(void *opaque, uint64_t addr, uint32_t data)
{
    struct board *b = opaque;
    b->msgs += addr ^ data;
}

/* Lines 0..NFUNC-1 interrupt from the host side; line NFUNC resets the
 * board (as a platform reset would). */
static void host_pin(void *opaque, unsigned pin, bool level)
{
    struct board *b = opaque;
    if (pin < NFUNC) {
        raise(&b->fn[pin], pin * 7 + level, level);
    } else if (level) {
        vmp_pci_host_reset(b->host);
        for (unsigned i = 0; i < NFUNC; i++)
            vmp_pci_func_reset(&b->fn[i]);
    }
}

static uint64_t cf9_read(void *dev, uint64_t off, unsigned size)
{
    struct board *b = dev;
    if (size != 1 || off > 3)
        abort(); /* the host must respect max_size and stay in 0xCF8-0xCFB */
    return off == 1 ? b->cf9 : 0;
}

static void cf9_write(void *dev, uint64_t off, uint64_t value, unsigned size)
{
    struct board *b = dev;
    if (size != 1 || off > 3)
        abort();
    if (off == 1)
        b->cf9 = (uint8_t)value;
}

static const struct vmp_io_ops cf9_ops = { cf9_read, cf9_write, 1 };

/* 00:01.0's device-specific registers: 0x60 is live (messages sent so
 * far), 0x64-0x67 writable. */
static void hook_read(struct vmp_pci_func *f, unsigned reg, unsigned size)
{
    struct board *b = f->opaque;
    if (reg <= 0x60 && 0x60 < reg + size)
        vmp_pci_set8(f, 0x60, (uint8_t)b->msgs);
}

static void hook_write(struct vmp_pci_func *f, unsigned reg, uint32_t value, unsigned size)
{
    if (reg > VMP_PCI_CFG_SIZE - size || vmp_pci_get32(f, 0x64) & ~0x00FFFF00u)
        abort(); /* the masks keep other bits 0 */
    (void)value;
}

static const struct vmp_pci_func_hooks hooks = { hook_read, hook_write };

static int save_all(struct board *b, struct vmp_state_writer *w)
{
    int err = vmp_pci_host_save(b->host, w);
    for (unsigned i = 0; i < NFUNC && !err; i++)
        err = vmp_pci_func_save(&b->fn[i], w);
    return err;
}

static int load_all(struct board *b, const struct vmp_state_writer *w, size_t len)
{
    struct vmp_state_reader r;
    vmp_state_reader_init(&r, w->buf, len);
    int err = vmp_pci_host_load(b->host, &r);
    for (unsigned i = 0; i < NFUNC && !err; i++)
        err = vmp_pci_func_load(&b->fn[i], &r);
    return err;
}

/* Save, check a truncated host state fails to load, load back, and
 * check a second save gives the same bytes. */
static int save_load(void *opaque)
{
    struct board *b = opaque;
    struct vmp_state_writer w1, w2;
    /* A save moves ~20 KiB: a few per input find what more would. */
    if (++b->saves > 16)
        return 0;
    vmp_state_writer_init(&w1);
    vmp_state_writer_init(&w2);
    int err = vmp_pci_host_save(b->host, &w1);
    if (!err) {
        struct vmp_state_reader r;
        vmp_state_reader_init(&r, w1.buf, w1.len - 1);
        if (vmp_pci_host_load(b->host, &r) == 0)
            err = -EINVAL;
    }
    vmp_state_writer_free(&w1);
    vmp_state_writer_init(&w1);
    if (!err)
        err = save_all(b, &w1);
    if (!err)
        err = load_all(b, &w1, w1.len);
    if (!err)
        err = save_all(b, &w2);
    if (!err && (w1.len != w2.len || memcmp(w1.buf, w2.buf, w1.len)))
        err = -EINVAL;
    vmp_state_writer_free(&w1);
    vmp_state_writer_free(&w2);
    return err;
}

static void setup(struct board *b, bool cf8_extended)
{
    static const struct vmp_pci_id ids[NFUNC] = {
        { .vendor = 0x1234, .device = 0x0001, .class_code = 0x020000, .int_pin = 1 },
        { .vendor = 0x1234, .device = 0x0002, .class_code = 0x010802, .int_pin = 2,
          .multifunction = true },
        { .vendor = 0x1234, .device = 0x0003, .class_code = 0x0C0330 },
    };
    struct vmp_env env = { .log = &fuzz_quiet_log };
    struct vmp_msi_sink sink = { on_msg, b };
    b->pio = vmp_space_create("pio", 0xFFFF);
    b->mmio = vmp_space_create("mmio", UINT64_MAX);
    b->cfg = vmp_space_create("pcicfg", VMP_PCI_CFG_LAST);
    struct vmp_pci_host_config hc = { .cf8_extended = cf8_extended, .cf8_passthrough = &cf9_ops,
                                      .cf8_passthrough_dev = b };
    b->host = vmp_pci_host_create(&env, b->cfg, &hc);
    if (!b->host || vmp_pci_host_attach_io(b->host, b->pio, 0xCF8) ||
        vmp_pci_host_attach_ecam(b->host, b->mmio, ECAM_BASE, VMP_PCI_ECAM_SIZE))
        abort();
    for (unsigned i = 0; i < NFUNC; i++) {
        vmp_pci_func_init(&b->fn[i], &env, "fuzz", &ids[i]);
        vmp_pci_func_set_msi_sink(&b->fn[i], &sink);
        b->regs[i].f = &b->fn[i];
    }
    b->regs[1].bar = 1;
    for (unsigned i = 0; i < 2; i++) {
        b->intx[i] = vmp_irq_line_create("intx");
        vmp_pci_func_set_intx(&b->fn[i], vmp_irq_line_source(b->intx[i]));
    }
    struct vmp_pci_func *f = &b->fn[0];
    int err = vmp_pci_bar_init(f, 0, VMP_PCI_BAR_IO, 64, false, &regs_ops, &b->regs[0]);
    err |= vmp_pci_bar_init(f, 1, VMP_PCI_BAR_MEM32, 4096, false, &regs_ops, &b->regs[0]);
    err |= vmp_pci_bar_init(f, 2, VMP_PCI_BAR_MEM64, 16384, true, &regs_ops, &b->regs[0]);
    err |= vmp_pci_bar_init(f, VMP_PCI_ROM_BAR, VMP_PCI_BAR_ROM, 32768, false, &regs_ops,
                            &b->regs[0]);
    err |= vmp_pci_msi_init(f, 8, true, true) < 0;
    err |= vmp_pci_cap_add(f, PCI_CAP_ID_VNDR, 8) < 0;
    vmp_pci_func_set_hooks(f, &hooks, b);
    vmp_pci_set_wmask(f, 0x64, 0x00FFFF00u, 4);
    f = &b->fn[1];
    err |= vmp_pci_bar_init(f, 0, VMP_PCI_BAR_MEM32, 8192, false, &vmp_pci_msix_bar_ops, f);
    err |= vmp_pci_bar_init(f, 1, VMP_PCI_BAR_IO, 16, false, &regs_ops, &b->regs[1]);
    err |= vmp_pci_msi_init(f, 1, false, false) < 0;
    err |= vmp_pci_msix_init(f, 64, 0, 0, 0, 0x1000) < 0;
    err |= vmp_pci_pm_init(f, true, false) < 0;
    f = &b->fn[2];
    err |= vmp_pci_bar_init(f, 0, VMP_PCI_BAR_MEM64, 4096, false, &regs_ops, &b->regs[2]);
    err |= vmp_pci_msix_init(f, 3, 0, 0x800, 0, 0xC00) < 0;
    err |= vmp_pci_pm_init(f, false, false) < 0;
    err |= vmp_pci_ext_cap_add(f, PCI_EXT_CAP_ID_DSN, 1, 12) < 0;
    err |= vmp_pci_ext_cap_add(f, PCI_EXT_CAP_ID_VNDR, 1, 16) < 0;
    err |= vmp_pci_func_attach(&b->fn[0], b->cfg, 0, 1, 0, b->pio, b->mmio);
    err |= vmp_pci_func_attach(&b->fn[1], b->cfg, 0, 2, 0, b->pio, b->mmio);
    err |= vmp_pci_func_attach(&b->fn[2], b->cfg, 0, 2, 1, b->pio, b->mmio);
    if (err)
        abort();
    for (unsigned i = 0; i <= NFUNC; i++) {
        b->host_lines[i] = vmp_irq_line_create("host");
        vmp_irq_line_add_sink(b->host_lines[i], host_pin, b, i);
    }
}

/* Every BAR the helper believes mapped is what the space has there, and
 * one marked unmapped has no region of its own left behind. */
static void check_bars(struct board *b)
{
    for (unsigned i = 0; i < NFUNC; i++)
        for (unsigned k = 0; k <= VMP_PCI_ROM_BAR; k++) {
            const struct vmp_pci_bar *bar = &b->fn[i].bar[k];
            if (!bar->mapped)
                continue;
            struct vmp_space *s = bar->kind == VMP_PCI_BAR_IO ? b->pio : b->mmio;
            uint64_t base = 0;
            if (vmp_space_lookup(s, bar->addr, &base) != bar->dev || base != bar->addr ||
                vmp_space_lookup(s, bar->addr + bar->size - 1, &base) != bar->dev)
                abort();
        }
    struct vmp_space_stats st;
    unsigned want_mmio = 1, want_pio = 1;
    for (unsigned i = 0; i < NFUNC; i++)
        for (unsigned k = 0; k <= VMP_PCI_ROM_BAR; k++)
            if (b->fn[i].bar[k].mapped && b->fn[i].bar[k].kind == VMP_PCI_BAR_IO)
                want_pio++;
            else if (b->fn[i].bar[k].mapped)
                want_mmio++;
    vmp_space_get_stats(b->mmio, &st);
    if (st.regions != want_mmio)
        abort();
    vmp_space_get_stats(b->pio, &st);
    if (st.regions != want_pio)
        abort();
}

struct image {
    uint8_t b[VMP_PCI_CFG_SIZE];
};

static uint8_t image_read8(void *opaque, unsigned reg)
{
    if (reg > 0xFF)
        abort(); /* the walker stays inside the 256-byte header space */
    return ((struct image *)opaque)->b[reg];
}

static uint32_t image_read32(void *opaque, unsigned reg)
{
    const uint8_t *p = ((struct image *)opaque)->b + reg;
    if (reg < 0x100 || reg > VMP_PCI_CFG_SIZE - 4 || (reg & 3))
        abort(); /* extended walks stay in 0x100-0xFFF, dword aligned */
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The capability walker on garbage: the input's first 256 bytes as a
 * configuration header. It ends, and what it finds is what it asked for.
 * The same for an extended list over the input repeated to 4 KiB. And the
 * lists the helpers built are found through the space. */
static const uint32_t addrs_dsn = 2u << 15 | 1u << 12; /* 00:02.1 */

static void check_caps(struct board *b, const uint8_t *data, size_t size)
{
    struct image *img = calloc(1, sizeof *img);
    if (!img)
        abort();
    for (size_t i = 0; size && i < sizeof img->b; i++)
        img->b[i] = data[i % size];
    uint8_t id = size > 0x3F ? data[0x3F] : 0;
    int r = vmp_pci_cap_walk(image_read8, img, id);
    if (r >= 0 && (r < 0x40 || r > 0xFC || (r & 3) || img->b[r] != id))
        abort();
    uint16_t xid = (uint16_t)(id | (size > 0x3E ? data[0x3E] : 0) << 8);
    r = vmp_pci_ext_cap_walk(image_read32, img, xid);
    if (r >= 0 && (r < 0x100 || (r & 3) || (image_read32(img, (unsigned)r) & 0xFFFF) != xid))
        abort();
    free(img);
    if (vmp_pci_ext_cap_find_space(b->cfg, addrs_dsn, PCI_EXT_CAP_ID_DSN) != 0x100)
        abort();
    static const uint32_t addrs[NFUNC] = { 1u << 15, 2u << 15, 2u << 15 | 1u << 12 };
    for (unsigned i = 0; i < NFUNC; i++) {
        int want = b->fn[i].msix.cap ? b->fn[i].msix.cap : -ENOENT;
        if (vmp_pci_cap_find_space(b->cfg, addrs[i], PCI_CAP_ID_MSIX) != want)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct board *b = calloc(1, sizeof *b);
    struct fuzz_board fb;
    if (!b)
        abort();
    setup(b, size && (data[0] & 0x80));
    memset(&fb, 0, sizeof fb);
    fb.pio = b->pio;
    fb.mmio = b->mmio;
    fb.cfg = b->cfg;
    /* Ports: the host bridge, and where I/O BARs are usually placed. */
    static const uint64_t pio_win[] = { 0xCF8, 0xC000, 0xC040, 0x1000 };
    static const uint64_t mmio_win[] = {
        ECAM_BASE, ECAM_BASE + 0x8000, ECAM_BASE + 0x10000, ECAM_BASE + 0x11000,
        0xC0000000u, 0xC0004000u, 0xC0008000u, 0xC0010000u, 0xFEBF0000u, 0x800000000ull,
    };
    static const uint64_t cfg_win[] = { 0, 0x8000, 0x10000, 0x11000, 0x18000 };
    memcpy(fb.pio_win, pio_win, sizeof pio_win);
    fb.n_pio_win = sizeof pio_win / sizeof pio_win[0];
    memcpy(fb.mmio_win, mmio_win, sizeof mmio_win);
    fb.n_mmio_win = sizeof mmio_win / sizeof mmio_win[0];
    memcpy(fb.cfg_win, cfg_win, sizeof cfg_win);
    fb.n_cfg_win = sizeof cfg_win / sizeof cfg_win[0];
    for (unsigned i = 0; i <= NFUNC; i++)
        fb.lines[fb.n_lines++] = vmp_irq_line_source(b->host_lines[i]);
    fb.save_load = save_load;
    fb.opaque = b;

    struct fuzz_in in = { data, size };
    fuzz_run_ops(&fb, &in);
    check_bars(b);
    check_caps(b, data, size);

    for (unsigned i = 0; i < NFUNC; i++) {
        vmp_pci_func_detach(&b->fn[i]);
        vmp_pci_func_fini(&b->fn[i]);
    }
    for (unsigned i = 0; i <= NFUNC; i++)
        vmp_irq_line_destroy(b->host_lines[i]);
    for (unsigned i = 0; i < 2; i++)
        vmp_irq_line_destroy(b->intx[i]);
    vmp_pci_host_destroy(b->host);
    vmp_space_destroy(b->pio);
    vmp_space_destroy(b->mmio);
    vmp_space_destroy(b->cfg);
    free(b);
    return 0;
}

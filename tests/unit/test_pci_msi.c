/* PCI capability list, MSI and MSI-X helpers. Sections cited are PCI
 * Local Bus Specification 3.0 unless "PCIe" (PCIe base spec 4.0). */
#include <pci/header.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

struct msg_rec {
    unsigned count;
    uint64_t addr[16];
    uint32_t data[16];
};

static void msg_send(void *opaque, uint64_t addr, uint32_t data)
{
    struct msg_rec *m = opaque;
    if (m->count < 16) {
        m->addr[m->count] = addr;
        m->data[m->count] = data;
    }
    m->count++;
}

struct mfx {
    struct vmp_space *pio, *mmio, *cfg;
    struct vmp_pci_host *host;
    struct vmp_pci_func fn;
    struct msg_rec msgs;
    struct vmp_irq_line *line;
    struct test_irq_sink sink;
    int pm_cap, msi_cap, msix_cap;
};

#define DEV 5
#define MSIX_BAR_ADDR 0xC0000000u
#define NVEC 70 /* two PBA qwords */

static struct mfx *mfx_new(void)
{
    struct mfx *x = calloc(1, sizeof *x);
    x->pio = vmp_space_create("pio", 0xFFFF);
    x->mmio = vmp_space_create("mmio", UINT64_MAX);
    x->cfg = vmp_space_create("cfg", VMP_PCI_CFG_LAST);
    x->host = vmp_pci_host_create(NULL, x->cfg, NULL);
    vmp_pci_host_attach_io(x->host, x->pio, 0xCF8);
    struct vmp_pci_id id = { .vendor = 0x1B36, .device = 0x0011, .class_code = 0x010802,
                             .int_pin = 1 };
    vmp_pci_func_init(&x->fn, NULL, "msidev", &id);
    ck_assert_int_eq(vmp_pci_bar_init(&x->fn, 0, VMP_PCI_BAR_MEM32, 8192, false,
                                      &vmp_pci_msix_bar_ops, &x->fn), 0);
    x->pm_cap = vmp_pci_cap_add(&x->fn, PCI_CAP_ID_PM, 8);
    x->msi_cap = vmp_pci_msi_init(&x->fn, 4, true, true);
    x->msix_cap = vmp_pci_msix_init(&x->fn, NVEC, 0, 0, 0, 0x1000);
    ck_assert_int_ge(x->pm_cap, 0x40);
    ck_assert_int_gt(x->msi_cap, x->pm_cap);
    ck_assert_int_gt(x->msix_cap, x->msi_cap);
    struct vmp_msi_sink s = { msg_send, &x->msgs };
    vmp_pci_func_set_msi_sink(&x->fn, &s);
    x->line = vmp_irq_line_create("intx");
    vmp_irq_line_add_sink(x->line, test_irq_sink_fn, &x->sink, 0);
    vmp_pci_func_set_intx(&x->fn, vmp_irq_line_source(x->line));
    ck_assert_int_eq(vmp_pci_func_attach(&x->fn, x->cfg, 0, DEV, 0, x->pio, x->mmio), 0);
    return x;
}

static void mfx_free(struct mfx *x)
{
    vmp_pci_func_detach(&x->fn);
    vmp_pci_func_fini(&x->fn);
    vmp_pci_host_destroy(x->host);
    vmp_irq_line_destroy(x->line);
    vmp_space_destroy(x->pio);
    vmp_space_destroy(x->mmio);
    vmp_space_destroy(x->cfg);
    free(x);
}

/* The guest's view: configuration mechanism #1. */
static uint32_t rd(struct mfx *x, unsigned reg, unsigned size)
{
    vmp_space_write(x->pio, 0xCF8, 0x80000000u | DEV << 11 | (reg & 0xFC), 4);
    return (uint32_t)vmp_space_read(x->pio, 0xCFC + (reg & 3), size);
}

static void wr(struct mfx *x, unsigned reg, uint32_t v, unsigned size)
{
    vmp_space_write(x->pio, 0xCF8, 0x80000000u | DEV << 11 | (reg & 0xFC), 4);
    vmp_space_write(x->pio, 0xCFC + (reg & 3), v, size);
}

static uint64_t tbl_rd(struct mfx *x, unsigned off, unsigned size)
{
    return vmp_space_read(x->mmio, MSIX_BAR_ADDR + off, size);
}

static void tbl_wr(struct mfx *x, unsigned off, uint64_t v, unsigned size)
{
    vmp_space_write(x->mmio, MSIX_BAR_ADDR + off, v, size);
}

static void msix_map(struct mfx *x)
{
    wr(x, PCI_BASE_ADDRESS_0, MSIX_BAR_ADDR, 4);
    wr(x, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
}

/* ---- capability list ---------------------------------------------- */

/* §6.7: status bit 4, the pointer at 0x34, then each entry's next byte;
 * walked through CF8/CFC the way a guest does. */
START_TEST(cap_walk_guest)
{
    struct mfx *x = mfx_new();
    ck_assert_uint_eq(rd(x, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, PCI_STATUS_CAP_LIST);
    uint8_t ids[8];
    unsigned offs[8], n = 0;
    for (unsigned p = rd(x, PCI_CAPABILITY_LIST, 1); p && n < 8; p = rd(x, p + 1, 1) & 0xFC) {
        ck_assert_uint_eq(p & 3, 0);
        ck_assert_uint_ge(p, 0x40);
        offs[n] = p;
        ids[n++] = (uint8_t)rd(x, p, 1);
    }
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(ids[0], PCI_CAP_ID_PM);
    ck_assert_uint_eq(ids[1], PCI_CAP_ID_MSI);
    ck_assert_uint_eq(ids[2], PCI_CAP_ID_MSIX);
    ck_assert_uint_eq(offs[0], (unsigned)x->pm_cap);
    ck_assert_uint_eq(offs[1], (unsigned)x->msi_cap);
    ck_assert_uint_eq(offs[2], (unsigned)x->msix_cap);
    /* The entries do not overlap: 64-bit maskable MSI is 24 bytes. */
    ck_assert_uint_ge(offs[2] - offs[1], 24);
    /* The list is read-only to the guest. */
    wr(x, PCI_CAPABILITY_LIST, 0x80, 1);
    wr(x, offs[0] + 1, 0x00, 1);
    ck_assert_uint_eq(rd(x, PCI_CAPABILITY_LIST, 1), offs[0]);
    ck_assert_uint_eq(rd(x, offs[0] + 1, 1), offs[1]);
    /* The finders agree. */
    ck_assert_int_eq(vmp_pci_cap_find(&x->fn, PCI_CAP_ID_MSIX, 0), x->msix_cap);
    ck_assert_int_eq(vmp_pci_cap_find(&x->fn, PCI_CAP_ID_VPD, 0), -ENOENT);
    ck_assert_int_eq(vmp_pci_cap_find_space(x->cfg, vmp_pci_addr(0, DEV, 0), PCI_CAP_ID_MSI),
                     x->msi_cap);
    ck_assert_int_eq(vmp_pci_cap_find_space(x->cfg, vmp_pci_addr(0, 9, 0), PCI_CAP_ID_MSI),
                     -ENOENT);
    /* The host bridge has no list. */
    ck_assert_int_eq(vmp_pci_cap_find_space(x->cfg, 0, PCI_CAP_ID_MSI), -ENOENT);
    mfx_free(x);
}
END_TEST

/* Two capabilities with the same ID: find continues after the first. */
START_TEST(cap_find_after)
{
    struct vmp_pci_func f;
    struct vmp_pci_id id = { .vendor = 1 };
    vmp_pci_func_init(&f, NULL, "f", &id);
    int a = vmp_pci_cap_add(&f, PCI_CAP_ID_VNDR, 5), b = vmp_pci_cap_add(&f, PCI_CAP_ID_VNDR, 4);
    ck_assert_int_eq(a, 0x40);
    ck_assert_int_eq(b, 0x48); /* dword aligned after 5 bytes */
    ck_assert_int_eq(vmp_pci_cap_find(&f, PCI_CAP_ID_VNDR, 0), a);
    ck_assert_int_eq(vmp_pci_cap_find(&f, PCI_CAP_ID_VNDR, (unsigned)a), b);
    ck_assert_int_eq(vmp_pci_cap_find(&f, PCI_CAP_ID_VNDR, (unsigned)b), -ENOENT);
    /* Space runs out below 0x100. */
    ck_assert_int_eq(vmp_pci_cap_add(&f, PCI_CAP_ID_VNDR, 0xB8), -ENOSPC);
    ck_assert_int_eq(vmp_pci_cap_add(&f, PCI_CAP_ID_VNDR, 1), -EINVAL);
    ck_assert_int_eq(vmp_pci_cap_add(&f, PCI_CAP_ID_VNDR, 0xB4), 0x4C);
    vmp_pci_func_fini(&f);
}
END_TEST

static uint8_t img_read8(void *opaque, unsigned reg)
{
    return ((const uint8_t *)opaque)[reg & 0xFF];
}

/* Walking an untrusted list: loops end with -ELOOP, pointers into the
 * header or without the status bit end with -ENOENT, bits 1:0 of a
 * pointer are ignored (§6.7: reserved). */
START_TEST(cap_walk_guard)
{
    uint8_t img[256];
    memset(img, 0, sizeof img);
    img[PCI_STATUS] = PCI_STATUS_CAP_LIST;
    img[PCI_CAPABILITY_LIST] = 0x43; /* bits 1:0 reserved: means 0x40 */
    img[0x40] = PCI_CAP_ID_PM;
    img[0x41] = 0x80;
    img[0x80] = PCI_CAP_ID_VNDR;
    img[0x81] = 0x40; /* back to the first: a loop */
    ck_assert_int_eq(vmp_pci_cap_walk(img_read8, img, PCI_CAP_ID_VNDR), 0x80);
    ck_assert_int_eq(vmp_pci_cap_walk(img_read8, img, PCI_CAP_ID_MSI), -ELOOP);
    /* A self-loop. */
    img[0x41] = 0x40;
    ck_assert_int_eq(vmp_pci_cap_walk(img_read8, img, PCI_CAP_ID_MSI), -ELOOP);
    /* A pointer into the header is garbage, even if the bytes there look
     * like the capability asked for. */
    img[0x41] = 0x10;
    img[0x10] = PCI_CAP_ID_MSI;
    ck_assert_int_eq(vmp_pci_cap_walk(img_read8, img, PCI_CAP_ID_MSI), -ENOENT);
    /* All-ones (an absent function): 0xFC, then its own next 0xFC. */
    memset(img, 0xFF, sizeof img);
    ck_assert_int_eq(vmp_pci_cap_walk(img_read8, img, PCI_CAP_ID_MSI), -ELOOP);
    /* No status bit: the pointer is not looked at. */
    img[PCI_STATUS] = 0;
    ck_assert_int_eq(vmp_pci_cap_walk(img_read8, img, 0xFF), -ENOENT);
}
END_TEST

/* PCIe §7.6: extended capabilities from 0x100, linked by the next field
 * in bits 31:20; found through the configuration space (ECAM-only). */
START_TEST(ext_cap_list)
{
    struct mfx *x = mfx_new();
    int a = vmp_pci_ext_cap_add(&x->fn, PCI_EXT_CAP_ID_VNDR, 1, 0x14);
    int b = vmp_pci_ext_cap_add(&x->fn, PCI_EXT_CAP_ID_DSN, 1, 12);
    int c = vmp_pci_ext_cap_add(&x->fn, PCI_EXT_CAP_ID_VNDR, 1, 8);
    ck_assert_int_eq(a, 0x100);
    ck_assert_int_eq(b, 0x114);
    ck_assert_int_eq(c, 0x120);
    uint32_t addr = vmp_pci_addr(0, DEV, 0);
    uint32_t h0 = (uint32_t)vmp_space_read(x->cfg, addr + 0x100, 4);
    ck_assert_uint_eq(h0 & 0xFFFF, PCI_EXT_CAP_ID_VNDR);
    ck_assert_uint_eq(h0 >> 16 & 0xF, 1);
    ck_assert_uint_eq(h0 >> 20, 0x114);
    ck_assert_uint_eq((uint32_t)vmp_space_read(x->cfg, addr + 0x120, 4) >> 20, 0);
    ck_assert_int_eq(vmp_pci_ext_cap_find_space(x->cfg, addr, PCI_EXT_CAP_ID_DSN), b);
    ck_assert_int_eq(vmp_pci_ext_cap_find(&x->fn, PCI_EXT_CAP_ID_VNDR, 0), a);
    ck_assert_int_eq(vmp_pci_ext_cap_find(&x->fn, PCI_EXT_CAP_ID_VNDR, (unsigned)a), c);
    ck_assert_int_eq(vmp_pci_ext_cap_find(&x->fn, PCI_EXT_CAP_ID_AER, 0), -ENOENT);
    /* Read-only to the guest. */
    vmp_space_write(x->cfg, addr + 0x100, 0, 4);
    ck_assert_uint_eq((uint32_t)vmp_space_read(x->cfg, addr + 0x100, 4), h0);
    /* No list: the host bridge's 0x100 reads 0; an absent function all ones. */
    ck_assert_int_eq(vmp_pci_ext_cap_find_space(x->cfg, 0, PCI_EXT_CAP_ID_VNDR), -ENOENT);
    ck_assert_int_eq(vmp_pci_ext_cap_find_space(x->cfg, vmp_pci_addr(0, 9, 0), 0xFFFF), -ENOENT);
    ck_assert_int_eq(vmp_pci_ext_cap_add(&x->fn, 1, 16, 8), -EINVAL);
    ck_assert_int_eq(vmp_pci_ext_cap_add(&x->fn, 1, 1, 0x1000), -EINVAL);
    ck_assert_int_eq(vmp_pci_ext_cap_add(&x->fn, 1, 1, 0xEE0), -ENOSPC);
    ck_assert_int_eq(vmp_pci_ext_cap_add(&x->fn, 1, 1, 0xED8), 0x128);
    mfx_free(x);
}
END_TEST

static uint32_t img_read32(void *opaque, unsigned reg)
{
    const uint32_t *w = opaque;
    return w[(reg & 0xFFC) / 4];
}

/* Untrusted extended lists: loops end with -ELOOP, pointers below 0x100
 * with -ENOENT, bits 1:0 of a pointer are ignored. */
START_TEST(ext_cap_guard)
{
    uint32_t *w = calloc(1024, sizeof *w);
    w[0x100 / 4] = PCI_EXT_CAP_ID_AER | 1u << 16 | 0x203u << 20;
    w[0x200 / 4] = PCI_EXT_CAP_ID_VNDR | 1u << 16 | 0x100u << 20; /* back: a loop */
    ck_assert_int_eq(vmp_pci_ext_cap_walk(img_read32, w, PCI_EXT_CAP_ID_VNDR), 0x200);
    ck_assert_int_eq(vmp_pci_ext_cap_walk(img_read32, w, PCI_EXT_CAP_ID_DSN), -ELOOP);
    w[0x200 / 4] = PCI_EXT_CAP_ID_VNDR | 0x040u << 20; /* into the header */
    w[0x40 / 4] = PCI_EXT_CAP_ID_DSN;
    ck_assert_int_eq(vmp_pci_ext_cap_walk(img_read32, w, PCI_EXT_CAP_ID_DSN), -ENOENT);
    free(w);
}
END_TEST

/* PCI PM 1.2 §3.2.3-3.2.4: PMC version 3, No_Soft_Reset set; writes of
 * an unsupported state are dropped; outside D0 the function answers
 * configuration accesses only, so its BARs go away until D0. */
START_TEST(pm_states)
{
    struct mfx *x = mfx_new();
    struct vmp_pci_func *f = &x->fn;
    int pm = vmp_pci_pm_init(f, false, false);
    ck_assert_int_gt(pm, 0);
    ck_assert_int_eq(vmp_pci_pm_init(f, false, false), -EBUSY);
    ck_assert_int_eq(vmp_pci_cap_find_space(x->cfg, vmp_pci_addr(0, DEV, 0), PCI_CAP_ID_PM),
                     x->pm_cap); /* the list's first PM entry is the fixture's */
    ck_assert_int_eq(vmp_pci_cap_find(f, PCI_CAP_ID_PM, (unsigned)x->pm_cap), pm);
    ck_assert_uint_eq(rd(x, pm + PCI_CAP_FLAGS, 2) & PCI_PM_CAP_VER_MASK, 3);
    ck_assert_uint_eq(rd(x, pm + PCI_CAP_FLAGS, 2) & (PCI_PM_CAP_D1 | PCI_PM_CAP_D2), 0);
    ck_assert_uint_eq(rd(x, pm + PCI_PM_CTRL, 2), PCI_PM_CTRL_NO_SOFT_RST);
    msix_map(x);
    ck_assert(vmp_pci_bar_mapped(f, 0));
    wr(x, pm + PCI_PM_CTRL, 1, 2); /* D1: not supported */
    ck_assert_uint_eq(vmp_pci_pm_state(f), 0);
    ck_assert(vmp_pci_bar_mapped(f, 0));
    wr(x, pm + PCI_PM_CTRL, 3, 2); /* D3hot */
    ck_assert_uint_eq(vmp_pci_pm_state(f), 3);
    ck_assert_uint_eq(rd(x, pm + PCI_PM_CTRL, 2), PCI_PM_CTRL_NO_SOFT_RST | 3);
    ck_assert(!vmp_pci_bar_mapped(f, 0));
    ck_assert_uint_eq(tbl_rd(x, 12, 4), 0xFFFFFFFFu);
    ck_assert_uint_eq(rd(x, PCI_VENDOR_ID, 2), 0x1B36); /* config still answers */
    wr(x, pm + PCI_PM_CTRL, 2, 2); /* D2: not supported, stays D3hot */
    ck_assert_uint_eq(vmp_pci_pm_state(f), 3);
    wr(x, pm + PCI_PM_CTRL, 0, 2);
    ck_assert_uint_eq(vmp_pci_pm_state(f), 0);
    ck_assert(vmp_pci_bar_mapped(f, 0));
    ck_assert_uint_eq(rd(x, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY, PCI_COMMAND_MEMORY);
    /* Reset returns to D0. */
    wr(x, pm + PCI_PM_CTRL, 3, 2);
    vmp_pci_func_reset(f);
    ck_assert_uint_eq(vmp_pci_pm_state(f), 0);
    mfx_free(x);

    struct vmp_pci_func g;
    struct vmp_pci_id id = { .vendor = 1 };
    vmp_pci_func_init(&g, NULL, "g", &id);
    pm = vmp_pci_pm_init(&g, true, false);
    ck_assert_uint_eq(vmp_pci_get16(&g, pm + PCI_CAP_FLAGS) & (PCI_PM_CAP_D1 | PCI_PM_CAP_D2),
                      PCI_PM_CAP_D1);
    vmp_pci_cfg_write(&g, pm + PCI_PM_CTRL, 1, 2);
    ck_assert_uint_eq(vmp_pci_pm_state(&g), 1);
    vmp_pci_cfg_write(&g, pm + PCI_PM_CTRL, 2, 2);
    ck_assert_uint_eq(vmp_pci_pm_state(&g), 1);
    vmp_pci_func_fini(&g);
}
END_TEST

/* ---- MSI ---------------------------------------------------------- */

/* §6.8.1.3: Message Control of a 64-bit, maskable, 4-vector function;
 * MME is writable, MMC and the feature bits are not. */
START_TEST(msi_control)
{
    struct mfx *x = mfx_new();
    unsigned c = (unsigned)x->msi_cap;
    uint16_t flags = (uint16_t)rd(x, c + PCI_MSI_FLAGS, 2);
    ck_assert_uint_eq(flags, PCI_MSI_FLAGS_MASK_BIT | PCI_MSI_FLAGS_64BIT | 2 << 1);
    wr(x, c + PCI_MSI_FLAGS, 0xFFFF, 2);
    /* MME 7 is more than MMC 2: clamped to what the function can use. */
    ck_assert_uint_eq(rd(x, c + PCI_MSI_FLAGS, 2),
                      PCI_MSI_FLAGS_MASK_BIT | PCI_MSI_FLAGS_64BIT | 2 << 4 | 2 << 1 |
                          PCI_MSI_FLAGS_ENABLE);
    ck_assert_uint_eq(vmp_pci_msi_vectors(&x->fn), 4);
    /* §6.8.1.4: address bits 1:0 read 0; §6.8.1.6: data is 16 bits. */
    wr(x, c + PCI_MSI_ADDRESS_LO, 0xFFFFFFFFu, 4);
    ck_assert_uint_eq(rd(x, c + PCI_MSI_ADDRESS_LO, 4), 0xFFFFFFFCu);
    wr(x, c + PCI_MSI_DATA_64, 0xFFFFFFFFu, 4);
    ck_assert_uint_eq(rd(x, c + PCI_MSI_DATA_64, 4), 0xFFFF);
    /* §6.8.1.7: mask bits exist only for the 4 vectors. */
    wr(x, c + PCI_MSI_MASK_BIT_64, 0xFFFFFFFFu, 4);
    ck_assert_uint_eq(rd(x, c + PCI_MSI_MASK_BIT_64, 4), 0xF);
    mfx_free(x);
}
END_TEST

static void msi_program(struct mfx *x, unsigned mme)
{
    unsigned c = (unsigned)x->msi_cap;
    wr(x, c + PCI_MSI_ADDRESS_LO, 0xFEE01000u, 4);
    wr(x, c + PCI_MSI_ADDRESS_HI, 0x1, 4);
    wr(x, c + PCI_MSI_DATA_64, 0x4040, 2);
    wr(x, c + PCI_MSI_FLAGS, mme << 4 | PCI_MSI_FLAGS_ENABLE, 2);
}

/* §6.8.1.6: the message goes to the programmed 64-bit address; with 4
 * vectors allocated the function puts the vector in data bits 1:0. */
START_TEST(msi_send_vectors)
{
    struct mfx *x = mfx_new();
    ck_assert_int_eq(vmp_pci_msi_notify(&x->fn, 0), -ENODEV);
    ck_assert_uint_eq(x->msgs.count, 0);
    msi_program(x, 2);
    ck_assert_int_eq(vmp_pci_msi_notify(&x->fn, 3), VMP_PCI_MSG_SENT);
    ck_assert_uint_eq(x->msgs.count, 1);
    ck_assert_uint_eq(x->msgs.addr[0], 0x1FEE01000ull);
    ck_assert_uint_eq(x->msgs.data[0], 0x4043);
    /* With one vector allocated every vector is vector 0 and software's
     * data bits are kept. */
    wr(x, x->msi_cap + PCI_MSI_DATA_64, 0x4043, 2);
    wr(x, x->msi_cap + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE, 2);
    ck_assert_int_eq(vmp_pci_msi_notify(&x->fn, 2), VMP_PCI_MSG_SENT);
    ck_assert_uint_eq(x->msgs.data[1], 0x4043);
    mfx_free(x);
}
END_TEST

/* §6.8.1.3 / §6.2.2: with MSI enabled the function does not use INTx. */
START_TEST(msi_suppresses_intx)
{
    struct mfx *x = mfx_new();
    vmp_pci_intx_set(&x->fn, true);
    ck_assert(x->sink.level);
    msi_program(x, 0);
    ck_assert(!x->sink.level);
    wr(x, x->msi_cap + PCI_MSI_FLAGS, 0, 2);
    ck_assert(x->sink.level);
    mfx_free(x);
}
END_TEST

/* §6.8.1.7-8: a masked vector sets its Pending bit instead of sending;
 * unmasking sends it and clears Pending. Pending is read-only. */
START_TEST(msi_mask_pending)
{
    struct mfx *x = mfx_new();
    unsigned c = (unsigned)x->msi_cap;
    msi_program(x, 2);
    wr(x, c + PCI_MSI_MASK_BIT_64, 0x2, 4);
    ck_assert_int_eq(vmp_pci_msi_notify(&x->fn, 1), VMP_PCI_MSG_PENDING);
    ck_assert_uint_eq(x->msgs.count, 0);
    ck_assert_uint_eq(rd(x, c + PCI_MSI_PENDING_64, 4), 0x2);
    /* Other vectors are not held back. */
    ck_assert_int_eq(vmp_pci_msi_notify(&x->fn, 2), VMP_PCI_MSG_SENT);
    ck_assert_uint_eq(x->msgs.count, 1);
    wr(x, c + PCI_MSI_PENDING_64, 0, 4);
    ck_assert_uint_eq(rd(x, c + PCI_MSI_PENDING_64, 4), 0x2);
    /* Masking more does not send. */
    wr(x, c + PCI_MSI_MASK_BIT_64, 0x3, 4);
    ck_assert_uint_eq(x->msgs.count, 1);
    wr(x, c + PCI_MSI_MASK_BIT_64, 0x1, 4);
    ck_assert_uint_eq(x->msgs.count, 2);
    ck_assert_uint_eq(x->msgs.data[1], 0x4041);
    ck_assert_uint_eq(rd(x, c + PCI_MSI_PENDING_64, 4), 0);
    /* Reset clears pending and mask. */
    wr(x, c + PCI_MSI_MASK_BIT_64, 0xF, 4);
    vmp_pci_msi_notify(&x->fn, 3);
    ck_assert_uint_eq(rd(x, c + PCI_MSI_PENDING_64, 4), 0x8);
    vmp_pci_func_reset(&x->fn);
    ck_assert_uint_eq(rd(x, c + PCI_MSI_PENDING_64, 4), 0);
    ck_assert_uint_eq(rd(x, c + PCI_MSI_MASK_BIT_64, 4), 0);
    ck_assert(!vmp_pci_msi_enabled(&x->fn));
    mfx_free(x);
}
END_TEST

/* §6.8.1: a 32-bit capability without masking is 10 bytes with data at 8. */
START_TEST(msi_32bit_layout)
{
    struct vmp_pci_func f;
    struct msg_rec m = { 0 };
    struct vmp_pci_id id = { .vendor = 1 };
    vmp_pci_func_init(&f, NULL, "f", &id);
    int c = vmp_pci_msi_init(&f, 1, false, false);
    ck_assert_int_eq(c, 0x40);
    ck_assert_int_eq(vmp_pci_cap_add(&f, PCI_CAP_ID_VNDR, 4), 0x4C);
    ck_assert_int_eq(vmp_pci_msi_init(&f, 1, false, false), -EBUSY);
    ck_assert_uint_eq(vmp_pci_get16(&f, c + PCI_MSI_FLAGS), 0);
    struct vmp_msi_sink s = { msg_send, &m };
    vmp_pci_func_set_msi_sink(&f, &s);
    vmp_pci_cfg_write(&f, c + PCI_MSI_ADDRESS_LO, 0xFEE00000u, 4);
    vmp_pci_cfg_write(&f, c + PCI_MSI_DATA_32, 0x0031, 2);
    vmp_pci_cfg_write(&f, c + PCI_MSI_FLAGS, 0x71, 2); /* MME beyond MMC 0 */
    ck_assert_uint_eq(vmp_pci_msi_vectors(&f), 1);
    ck_assert_int_eq(vmp_pci_msi_notify(&f, 0), VMP_PCI_MSG_SENT);
    ck_assert_uint_eq(m.addr[0], 0xFEE00000u);
    ck_assert_uint_eq(m.data[0], 0x31);
    ck_assert_int_eq(vmp_pci_msi_init(&f, 3, false, false), -EINVAL);
    vmp_pci_func_fini(&f);
}
END_TEST

/* ---- MSI-X -------------------------------------------------------- */

/* PCIe §7.7.2.2-4: Table Size N-1, Table and PBA offset/BIR registers;
 * §7.7.2.9: every vector masked after reset. */
START_TEST(msix_layout)
{
    struct mfx *x = mfx_new();
    unsigned c = (unsigned)x->msix_cap;
    ck_assert_uint_eq(rd(x, c + PCI_MSI_FLAGS, 2), NVEC - 1);
    ck_assert_uint_eq(rd(x, c + PCI_MSIX_TABLE, 4), 0x0 | 0);
    ck_assert_uint_eq(rd(x, c + PCI_MSIX_PBA, 4), 0x1000 | 0);
    wr(x, c + PCI_MSI_FLAGS, 0xFFFF, 2);
    ck_assert_uint_eq(rd(x, c + PCI_MSI_FLAGS, 2), PCI_MSIX_ENABLE | PCI_MSIX_MASK | (NVEC - 1));
    wr(x, c + PCI_MSIX_TABLE, 0xFFFFFFFFu, 4);
    ck_assert_uint_eq(rd(x, c + PCI_MSIX_TABLE, 4), 0);
    msix_map(x);
    for (unsigned v = 0; v < NVEC; v++)
        ck_assert_uint_eq(tbl_rd(x, v * 16 + 12, 4), 1);
    /* Past the table and PBA the BAR reads 0. */
    ck_assert_uint_eq(tbl_rd(x, NVEC * 16, 4), 0);
    ck_assert_uint_eq(tbl_rd(x, 0x1010, 4), 0);
    /* Bad set-ups are refused. */
    struct vmp_pci_func f;
    struct vmp_pci_id id = { .vendor = 1 };
    vmp_pci_func_init(&f, NULL, "f", &id);
    ck_assert_int_eq(vmp_pci_msix_init(&f, 4, 0, 0, 0, 0x800), -EINVAL); /* no BAR */
    vmp_pci_bar_init(&f, 0, VMP_PCI_BAR_MEM32, 4096, false, &vmp_pci_msix_bar_ops, &f);
    ck_assert_int_eq(vmp_pci_msix_init(&f, 4, 0, 0, 0, 0x20), -EINVAL); /* overlap */
    ck_assert_int_eq(vmp_pci_msix_init(&f, 4, 0, 4, 0, 0x800), -EINVAL); /* unaligned */
    ck_assert_int_eq(vmp_pci_msix_init(&f, 512, 0, 0, 0, 0x800), -EINVAL); /* too big */
    ck_assert_int_eq(vmp_pci_msix_init(&f, 2049, 0, 0, 0, 0x800), -EINVAL);
    ck_assert_int_gt(vmp_pci_msix_init(&f, 4, 0, 0, 0, 0x800), 0);
    vmp_pci_func_fini(&f);
    mfx_free(x);
}
END_TEST

static void msix_program(struct mfx *x, unsigned v, uint64_t addr, uint32_t data, bool masked)
{
    tbl_wr(x, v * 16 + 0, (uint32_t)addr, 4);
    tbl_wr(x, v * 16 + 4, addr >> 32, 4);
    tbl_wr(x, v * 16 + 8, data, 4);
    tbl_wr(x, v * 16 + 12, masked, 4);
}

static uint64_t pba_bit(struct mfx *x, unsigned v)
{
    return tbl_rd(x, 0x1000 + v / 64 * 8, 8) >> (v % 64) & 1;
}

/* PCIe §7.7.2: each vector sends its own address/data; disabled MSI-X
 * sends nothing; INTx is not used while enabled. */
START_TEST(msix_send)
{
    struct mfx *x = mfx_new();
    msix_map(x);
    msix_program(x, 0, 0xFEE00000u, 0x30, false);
    msix_program(x, 65, 0x2FEE00000ull, 0x41, false);
    ck_assert_int_eq(vmp_pci_msix_notify(&x->fn, 0), -ENODEV);
    vmp_pci_intx_set(&x->fn, true);
    ck_assert(x->sink.level);
    wr(x, x->msix_cap + PCI_MSI_FLAGS, PCI_MSIX_ENABLE, 2);
    ck_assert(!x->sink.level);
    ck_assert_int_eq(vmp_pci_msix_notify(&x->fn, 65), VMP_PCI_MSG_SENT);
    ck_assert_int_eq(vmp_pci_msix_notify(&x->fn, 0), VMP_PCI_MSG_SENT);
    ck_assert_int_eq(vmp_pci_msix_notify(&x->fn, NVEC), -EINVAL);
    /* PCIe §7.7.2.2: with MSI-X enabled, MSI is not used even if enabled. */
    msi_program(x, 0);
    ck_assert_int_eq(vmp_pci_msi_notify(&x->fn, 0), -ENODEV);
    ck_assert_uint_eq(x->msgs.count, 2);
    ck_assert_uint_eq(x->msgs.addr[0], 0x2FEE00000ull);
    ck_assert_uint_eq(x->msgs.data[0], 0x41);
    ck_assert_uint_eq(x->msgs.addr[1], 0xFEE00000u);
    ck_assert_uint_eq(x->msgs.data[1], 0x30);
    /* §7.7.2.7: address bits 1:0 are not writable; a qword access to the
     * address works. */
    tbl_wr(x, 16, 0x00000003FEE0000Full, 8);
    ck_assert_uint_eq(tbl_rd(x, 16, 8), 0x00000003FEE0000Cull);
    ck_assert_uint_eq(tbl_rd(x, 16, 4), 0xFEE0000Cu);
    mfx_free(x);
}
END_TEST

/* PCIe §7.7.2.9-10: a masked vector sets its PBA bit; unmasking sends and
 * clears it. The PBA is read-only. */
START_TEST(msix_vector_mask)
{
    struct mfx *x = mfx_new();
    msix_map(x);
    msix_program(x, 66, 0xFEE00000u, 0x51, true);
    wr(x, x->msix_cap + PCI_MSI_FLAGS, PCI_MSIX_ENABLE, 2);
    ck_assert_int_eq(vmp_pci_msix_notify(&x->fn, 66), VMP_PCI_MSG_PENDING);
    ck_assert_uint_eq(x->msgs.count, 0);
    ck_assert_uint_eq(pba_bit(x, 66), 1);
    ck_assert_uint_eq(tbl_rd(x, 0x1008, 4), 1u << 2);
    tbl_wr(x, 0x1008, 0, 8);
    ck_assert_uint_eq(pba_bit(x, 66), 1);
    /* Rewriting data while masked sends nothing. */
    tbl_wr(x, 66 * 16 + 8, 0x52, 4);
    ck_assert_uint_eq(x->msgs.count, 0);
    tbl_wr(x, 66 * 16 + 12, 0, 4);
    ck_assert_uint_eq(x->msgs.count, 1);
    ck_assert_uint_eq(x->msgs.data[0], 0x52);
    ck_assert_uint_eq(pba_bit(x, 66), 0);
    /* Vector Control's reserved bits stay 0. */
    tbl_wr(x, 66 * 16 + 12, 0xFFFFFFFEu, 4);
    ck_assert_uint_eq(tbl_rd(x, 66 * 16 + 12, 4), 0);
    mfx_free(x);
}
END_TEST

/* PCIe §7.7.2.2: Function Mask holds every vector pending; clearing it
 * sends the pending ones that are not masked themselves. */
START_TEST(msix_function_mask)
{
    struct mfx *x = mfx_new();
    msix_map(x);
    msix_program(x, 1, 0xFEE00000u, 0x61, false);
    msix_program(x, 2, 0xFEE00000u, 0x62, true);
    msix_program(x, 3, 0xFEE00000u, 0x63, false);
    wr(x, x->msix_cap + PCI_MSI_FLAGS, PCI_MSIX_ENABLE | PCI_MSIX_MASK, 2);
    ck_assert_int_eq(vmp_pci_msix_notify(&x->fn, 1), VMP_PCI_MSG_PENDING);
    ck_assert_int_eq(vmp_pci_msix_notify(&x->fn, 2), VMP_PCI_MSG_PENDING);
    ck_assert_uint_eq(tbl_rd(x, 0x1000, 8), 0x6);
    ck_assert_uint_eq(x->msgs.count, 0);
    /* Unmasking vector 3 alone under the function mask sends nothing. */
    tbl_wr(x, 3 * 16 + 12, 0, 4);
    ck_assert_uint_eq(x->msgs.count, 0);
    wr(x, x->msix_cap + PCI_MSI_FLAGS, PCI_MSIX_ENABLE, 2);
    ck_assert_uint_eq(x->msgs.count, 1);
    ck_assert_uint_eq(x->msgs.data[0], 0x61);
    ck_assert_uint_eq(tbl_rd(x, 0x1000, 8), 0x4);
    tbl_wr(x, 2 * 16 + 12, 0, 4);
    ck_assert_uint_eq(x->msgs.count, 2);
    ck_assert_uint_eq(x->msgs.data[1], 0x62);
    ck_assert_uint_eq(tbl_rd(x, 0x1000, 8), 0);
    /* Reset masks every vector again and clears the PBA. */
    vmp_pci_msix_notify(&x->fn, 1);
    vmp_pci_func_reset(&x->fn);
    ck_assert(!vmp_pci_msix_enabled(&x->fn));
    ck_assert_uint_eq(x->fn.msix.pba[0], 0);
    ck_assert_uint_eq(x->fn.msix.table[1 * 16 + 12], 1);
    mfx_free(x);
}
END_TEST

/* A device BAR with its own registers besides the MSI-X structures. */
START_TEST(msix_shared_bar)
{
    struct vmp_pci_func f;
    struct vmp_pci_id id = { .vendor = 1 };
    struct msg_rec m = { 0 };
    vmp_pci_func_init(&f, NULL, "f", &id);
    vmp_pci_bar_init(&f, 2, VMP_PCI_BAR_MEM64, 16384, false, &vmp_pci_msix_bar_ops, &f);
    vmp_pci_bar_init(&f, 4, VMP_PCI_BAR_MEM32, 4096, false, &vmp_pci_msix_bar_ops, &f);
    ck_assert_int_gt(vmp_pci_msix_init(&f, 8, 2, 0x2000, 4, 0x800), 0);
    uint64_t v = 0;
    ck_assert(!vmp_pci_msix_mmio_read(&f, 2, 0x1000, 4, &v));
    ck_assert(vmp_pci_msix_mmio_read(&f, 2, 0x2000 + 12, 4, &v));
    ck_assert_uint_eq(v, 1);
    ck_assert(!vmp_pci_msix_mmio_read(&f, 4, 0x2000, 4, &v)); /* table is in BAR 2 */
    ck_assert(vmp_pci_msix_mmio_read(&f, 4, 0x800, 8, &v));
    ck_assert(vmp_pci_msix_mmio_write(&f, 2, 0x2000 + 8, 0x77, 4));
    ck_assert(!vmp_pci_msix_mmio_write(&f, 2, 0x2080, 0x77, 4)); /* past 8 entries */
    struct vmp_msi_sink s = { msg_send, &m };
    vmp_pci_func_set_msi_sink(&f, &s);
    vmp_pci_cfg_write(&f, f.msix.cap + PCI_MSI_FLAGS, PCI_MSIX_ENABLE, 2);
    vmp_pci_msix_mmio_write(&f, 2, 0x2000 + 12, 0, 4);
    ck_assert_int_eq(vmp_pci_msix_notify(&f, 0), VMP_PCI_MSG_SENT);
    ck_assert_uint_eq(m.data[0], 0x77);
    vmp_pci_func_fini(&f);
}
END_TEST

/* ---- save / load -------------------------------------------------- */

static int save_func(const void *m, struct vmp_state_writer *w) { return vmp_pci_func_save(m, w); }
static int load_func(void *m, struct vmp_state_reader *r) { return vmp_pci_func_load(m, r); }

static void busy_state(struct mfx *x)
{
    msix_map(x);
    msi_program(x, 2);
    wr(x, x->msi_cap + PCI_MSI_MASK_BIT_64, 0x4, 4);
    vmp_pci_msi_notify(&x->fn, 2);
    wr(x, x->msix_cap + PCI_MSI_FLAGS, PCI_MSIX_ENABLE, 2);
    msix_program(x, 69, 0xFEE00000u, 0x99, true);
    vmp_pci_msix_notify(&x->fn, 69);
}

/* MSI pending and mask, the MSI-X table and PBA survive save/load and
 * keep working: unmasking after the load sends the held messages. */
START_TEST(msi_roundtrip)
{
    struct mfx *a = mfx_new(), *b = mfx_new();
    busy_state(a);
    ck_assert_int_eq(test_roundtrip(&a->fn, &b->fn, save_func, load_func), 0);
    ck_assert_int_eq(memcmp(a->fn.cfg, b->fn.cfg, VMP_PCI_CFG_SIZE), 0);
    ck_assert_int_eq(memcmp(a->fn.msix.table, b->fn.msix.table, NVEC * 16), 0);
    ck_assert_uint_eq(pba_bit(b, 69), 1);
    ck_assert_uint_eq(rd(b, b->msi_cap + PCI_MSI_PENDING_64, 4), 0x4);
    ck_assert_uint_eq(b->msgs.count, 0);
    tbl_wr(b, 69 * 16 + 12, 0, 4);
    ck_assert_uint_eq(b->msgs.count, 1);
    ck_assert_uint_eq(b->msgs.data[0], 0x99);
    wr(b, b->msi_cap + PCI_MSI_MASK_BIT_64, 0, 4);
    ck_assert_uint_eq(b->msgs.count, 2);
    ck_assert_uint_eq(b->msgs.addr[1], 0x1FEE01000ull);
    ck_assert_uint_eq(b->msgs.data[1], 0x4042);
    mfx_free(a);
    mfx_free(b);
}
END_TEST

START_TEST(msi_truncation)
{
    struct mfx *a = mfx_new(), *b = mfx_new();
    busy_state(a);
    ck_assert_uint_eq(test_truncations_loaded(&a->fn, &b->fn, save_func, load_func), 0);
    ck_assert(!vmp_pci_msix_enabled(&b->fn));
    ck_assert_uint_eq(b->fn.msix.pba[1], 0);
    mfx_free(a);
    mfx_free(b);
}
END_TEST

/* Fields a guest could never produce are refused on load. */
START_TEST(msi_load_invalid)
{
    struct mfx *a = mfx_new(), *b = mfx_new();
    int pa = vmp_pci_pm_init(&a->fn, false, false), pb = vmp_pci_pm_init(&b->fn, false, false);
    ck_assert_int_eq(pa, pb);
    wr(a, pa + PCI_PM_CTRL, 3, 2);
    ck_assert_int_eq(test_roundtrip(&a->fn, &b->fn, save_func, load_func), 0);
    ck_assert_uint_eq(vmp_pci_pm_state(&b->fn), 3);
    vmp_pci_set16(&a->fn, pa + PCI_PM_CTRL, 1); /* D1, which it lacks */
    ck_assert_int_eq(test_roundtrip(&a->fn, &b->fn, save_func, load_func), -EINVAL);
    ck_assert_uint_eq(vmp_pci_pm_state(&b->fn), 3);
    vmp_pci_set16(&a->fn, pa + PCI_PM_CTRL, 0);
    a->fn.msix.table[5 * 16 + 12] = 0x3; /* reserved Vector Control bit */
    ck_assert_int_eq(test_roundtrip(&a->fn, &b->fn, save_func, load_func), -EINVAL);
    a->fn.msix.table[5 * 16 + 12] = 0x1;
    a->fn.msix.pba[1] = 1ull << 10; /* vector 74 of 70 */
    ck_assert_int_eq(test_roundtrip(&a->fn, &b->fn, save_func, load_func), -EINVAL);
    a->fn.msix.pba[1] = 0;
    vmp_pci_set32(&a->fn, a->msi_cap + PCI_MSI_PENDING_64, 0x10); /* vector 4 of 4 */
    ck_assert_int_eq(test_roundtrip(&a->fn, &b->fn, save_func, load_func), -EINVAL);
    vmp_pci_set32(&a->fn, a->msi_cap + PCI_MSI_PENDING_64, 0);
    vmp_pci_set16(&a->fn, a->msi_cap + PCI_MSI_FLAGS,
                  PCI_MSI_FLAGS_MASK_BIT | PCI_MSI_FLAGS_64BIT | 3 << 4 | 2 << 1); /* MME > MMC */
    ck_assert_int_eq(test_roundtrip(&a->fn, &b->fn, save_func, load_func), -EINVAL);
    mfx_free(a);
    mfx_free(b);
}
END_TEST

Suite *pci_msi_suite(void)
{
    Suite *s = suite_create("pci_msi");
    TCase *t = tcase_create("caps");
    tcase_add_test(t, cap_walk_guest);
    tcase_add_test(t, cap_find_after);
    tcase_add_test(t, cap_walk_guard);
    tcase_add_test(t, ext_cap_list);
    tcase_add_test(t, ext_cap_guard);
    tcase_add_test(t, pm_states);
    suite_add_tcase(s, t);
    t = tcase_create("msi");
    tcase_add_test(t, msi_control);
    tcase_add_test(t, msi_send_vectors);
    tcase_add_test(t, msi_suppresses_intx);
    tcase_add_test(t, msi_mask_pending);
    tcase_add_test(t, msi_32bit_layout);
    suite_add_tcase(s, t);
    t = tcase_create("msix");
    tcase_add_test(t, msix_layout);
    tcase_add_test(t, msix_send);
    tcase_add_test(t, msix_vector_mask);
    tcase_add_test(t, msix_function_mask);
    tcase_add_test(t, msix_shared_bar);
    suite_add_tcase(s, t);
    t = tcase_create("state");
    tcase_add_test(t, msi_roundtrip);
    tcase_add_test(t, msi_truncation);
    tcase_add_test(t, msi_load_invalid);
    suite_add_tcase(s, t);
    return s;
}

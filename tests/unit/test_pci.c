/* PCI host bridge and type-0 function helper: configuration mechanism #1,
 * ECAM, header masks, BAR sizing and decode, INTx, save/load (with the
 * two-step commit in models/pci/pci_state.c).
 * Sections cited are PCI Local Bus Specification 3.0 unless "PCIe". */
#include <pci/header.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* A device register file behind a BAR: remembers the last access. */
struct regs {
    uint8_t mem[256];
    unsigned reads, writes;
    uint64_t last_off;
};

static uint64_t regs_read(void *dev, uint64_t off, unsigned size)
{
    struct regs *r = dev;
    r->reads++;
    r->last_off = off;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)r->mem[(off + i) % sizeof r->mem] << (8 * i);
    return v;
}

static void regs_write(void *dev, uint64_t off, uint64_t value, unsigned size)
{
    struct regs *r = dev;
    r->writes++;
    r->last_off = off;
    for (unsigned i = 0; i < size; i++)
        r->mem[(off + i) % sizeof r->mem] = (uint8_t)(value >> (8 * i));
}

static const struct vmp_io_ops regs_ops = { regs_read, regs_write, 8 };

struct fx {
    struct vmp_space *pio, *mmio, *cfg;
    struct vmp_pci_host *host;
    struct vmp_pci_func fn;
    struct regs io, m32, m64, rom;
    struct vmp_irq_line *line;
    struct test_irq_sink sink;
    struct test_log log;
    struct vmp_env env;
};

#define DEV 3 /* the test function sits at 00:03.0 */
#define ECAM_BASE 0xB0000000ull

static struct fx *fx_new(void)
{
    struct fx *x = calloc(1, sizeof *x);
    test_log_init(&x->log);
    x->env.log = &x->log.log;
    x->pio = vmp_space_create("pio", 0xFFFF);
    x->mmio = vmp_space_create("mmio", UINT64_MAX);
    x->cfg = vmp_space_create("pcicfg", VMP_PCI_CFG_LAST);
    x->host = vmp_pci_host_create(&x->env, x->cfg, NULL);
    ck_assert_ptr_nonnull(x->host);
    ck_assert_int_eq(vmp_pci_host_attach_io(x->host, x->pio, 0xCF8), 0);
    ck_assert_int_eq(vmp_pci_host_attach_ecam(x->host, x->mmio, ECAM_BASE, VMP_PCI_ECAM_SIZE), 0);

    struct vmp_pci_id id = { .vendor = 0x1234, .device = 0x5678, .subsys_vendor = 0x1AF4,
                             .subsys = 0x0042, .revision = 7, .class_code = 0x020000,
                             .int_pin = 1 };
    vmp_pci_func_init(&x->fn, &x->env, "testdev", &id);
    ck_assert_int_eq(vmp_pci_bar_init(&x->fn, 0, VMP_PCI_BAR_IO, 32, false, &regs_ops, &x->io), 0);
    ck_assert_int_eq(vmp_pci_bar_init(&x->fn, 1, VMP_PCI_BAR_MEM32, 4096, false, &regs_ops, &x->m32), 0);
    ck_assert_int_eq(vmp_pci_bar_init(&x->fn, 2, VMP_PCI_BAR_MEM64, 1ull << 33, true, &regs_ops, &x->m64), 0);
    ck_assert_int_eq(vmp_pci_bar_init(&x->fn, VMP_PCI_ROM_BAR, VMP_PCI_BAR_ROM, 65536, false, &regs_ops, &x->rom), 0);
    x->line = vmp_irq_line_create("intx");
    vmp_irq_line_add_sink(x->line, test_irq_sink_fn, &x->sink, 0);
    vmp_pci_func_set_intx(&x->fn, vmp_irq_line_source(x->line));
    ck_assert_int_eq(vmp_pci_func_attach(&x->fn, x->cfg, 0, DEV, 0, x->pio, x->mmio), 0);
    return x;
}

static void fx_free(struct fx *x)
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

/* Configuration mechanism #1 from the guest's side. */
static uint32_t cf8_read(struct fx *x, unsigned bus, unsigned dev, unsigned fn, unsigned reg,
                         unsigned size)
{
    vmp_space_write(x->pio, 0xCF8, 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xFC), 4);
    return (uint32_t)vmp_space_read(x->pio, 0xCFC + (reg & 3), size);
}

static void cf8_write(struct fx *x, unsigned bus, unsigned dev, unsigned fn, unsigned reg,
                      uint32_t v, unsigned size)
{
    vmp_space_write(x->pio, 0xCF8, 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xFC), 4);
    vmp_space_write(x->pio, 0xCFC + (reg & 3), v, size);
}

static uint32_t ecam_read(struct fx *x, unsigned dev, unsigned reg, unsigned size)
{
    return (uint32_t)vmp_space_read(x->mmio, ECAM_BASE + vmp_pci_addr(0, dev, 0) + reg, size);
}

static void ecam_write(struct fx *x, unsigned dev, unsigned reg, uint32_t v, unsigned size)
{
    vmp_space_write(x->mmio, ECAM_BASE + vmp_pci_addr(0, dev, 0) + reg, v, size);
}

/* ---- configuration mechanism #1 ---------------------------------- */

/* §3.2.2.3.2: a dword write to 0xCF8 latches CONFIG_ADDRESS, a dword read
 * returns it; reserved bits 30:24 and 1:0 are not kept. */
START_TEST(cf8_latch)
{
    struct fx *x = fx_new();
    vmp_space_write(x->pio, 0xCF8, 0xFFFFFFFFu, 4);
    ck_assert_uint_eq(vmp_space_read(x->pio, 0xCF8, 4), 0x80FFFFFCu);
    vmp_space_write(x->pio, 0xCF8, 0x80001808u, 4);
    ck_assert_uint_eq(vmp_space_read(x->pio, 0xCF8, 4), 0x80001808u);
    ck_assert_uint_eq(vmp_pci_host_config_address(x->host), 0x80001808u);
    fx_free(x);
}
END_TEST

/* §3.2.2.3.2: non-dword accesses to 0xCF8-0xCFB are not CONFIG_ADDRESS
 * but ordinary I/O: without a pass-through device they read all ones and
 * leave the latch alone. */
START_TEST(cf8_non_dword)
{
    struct fx *x = fx_new();
    vmp_space_write(x->pio, 0xCF8, 0x80001800u, 4);
    vmp_space_write(x->pio, 0xCF8, 0x12, 1);
    vmp_space_write(x->pio, 0xCF8, 0x3456, 2);
    vmp_space_write(x->pio, 0xCFA, 0x7777, 2);
    ck_assert_uint_eq(vmp_space_read(x->pio, 0xCF8, 4), 0x80001800u);
    ck_assert_uint_eq(vmp_space_read(x->pio, 0xCF8, 1), 0xFF);
    ck_assert_uint_eq(vmp_space_read(x->pio, 0xCF9, 1), 0xFF);
    ck_assert_uint_eq(vmp_space_read(x->pio, 0xCFA, 2), 0xFFFF);
    fx_free(x);
}
END_TEST

/* The reset control register at 0xCF9 shares the dword: byte accesses
 * reach the pass-through device with their offset. */
START_TEST(cf8_passthrough)
{
    struct vmp_space *pio = vmp_space_create("pio", 0xFFFF);
    struct vmp_space *cfg = vmp_space_create("cfg", VMP_PCI_CFG_LAST);
    struct regs rc = { 0 };
    struct vmp_pci_host_config c = { .cf8_passthrough = &regs_ops, .cf8_passthrough_dev = &rc };
    struct vmp_pci_host *h = vmp_pci_host_create(NULL, cfg, &c);
    ck_assert_int_eq(vmp_pci_host_attach_io(h, pio, 0xCF8), 0);
    vmp_space_write(pio, 0xCF9, 0x06, 1);
    ck_assert_uint_eq(rc.writes, 1);
    ck_assert_uint_eq(rc.last_off, 1);
    ck_assert_uint_eq(rc.mem[1], 0x06);
    ck_assert_uint_eq(vmp_space_read(pio, 0xCF9, 1), 0x06);
    ck_assert_uint_eq(vmp_pci_host_config_address(h), 0);
    vmp_space_write(pio, 0xCF8, 0x80000000u, 4);
    ck_assert_uint_eq(rc.writes, 1); /* the dword went to the latch */
    vmp_pci_host_destroy(h);
    vmp_space_destroy(pio);
    vmp_space_destroy(cfg);
}
END_TEST

/* A byte-wide pass-through device (max_size 1) only ever sees byte
 * accesses, whatever the guest does around 0xCF8: x86 splits a misaligned
 * access into aligned pieces, and the part at 0xCFC+ is CONFIG_DATA. */
struct sizes {
    struct regs r;
    unsigned max_seen, calls;
};
static uint64_t sizes_read(void *dev, uint64_t off, unsigned size)
{
    struct sizes *s = dev;
    s->calls++;
    if (size > s->max_seen)
        s->max_seen = size;
    return regs_read(&s->r, off, size);
}
static void sizes_write(void *dev, uint64_t off, uint64_t value, unsigned size)
{
    struct sizes *s = dev;
    s->calls++;
    if (size > s->max_seen)
        s->max_seen = size;
    regs_write(&s->r, off, value, size);
}
static const struct vmp_io_ops bytes_ops = { sizes_read, sizes_write, 1 };

START_TEST(cf8_misaligned)
{
    struct vmp_space *pio = vmp_space_create("pio", 0xFFFF);
    struct vmp_space *cfg = vmp_space_create("cfg", VMP_PCI_CFG_LAST);
    struct sizes rc = { 0 };
    struct vmp_pci_host_config c = { .cf8_passthrough = &bytes_ops, .cf8_passthrough_dev = &rc };
    struct vmp_pci_host *h = vmp_pci_host_create(NULL, cfg, &c);
    ck_assert_int_eq(vmp_pci_host_attach_io(h, pio, 0xCF8), 0);
    rc.r.mem[2] = 0x22;
    rc.r.mem[3] = 0x33;
    /* Latch 00:00.0 register 0 first (a dword at 0xCF8). */
    vmp_space_write(pio, 0xCF8, 0x80000000u, 4);
    /* A dword at 0xCFA: two bytes of ordinary I/O, then CONFIG_DATA
     * bytes 0-1 (the vendor ID 0x8086). */
    ck_assert_uint_eq(vmp_space_read(pio, 0xCFA, 4), 0x80863322u);
    ck_assert_uint_eq(rc.max_seen, 1);
    ck_assert_uint_eq(rc.calls, 2);
    /* A word at 0xCF8 and a dword at 0xCF9 write bytes, not the latch. */
    vmp_space_write(pio, 0xCF8, 0xBEEF, 2);
    vmp_space_write(pio, 0xCF9, 0x11223344u, 4);
    ck_assert_uint_eq(rc.max_seen, 1);
    ck_assert_uint_eq(vmp_pci_host_config_address(h), 0x80000000u);
    ck_assert_uint_eq(rc.r.mem[0], 0xEF);
    ck_assert_uint_eq(rc.r.mem[1], 0x44);
    ck_assert_uint_eq(rc.r.mem[3], 0x22);
    /* Its last byte went to CONFIG_DATA byte 0: the read-only vendor ID. */
    ck_assert_uint_eq(vmp_space_read(pio, 0xCFC, 2), 0x8086);
    /* A word at 0xCFD reaches config bytes 1-2. */
    ck_assert_uint_eq(vmp_space_read(pio, 0xCFD, 2), 0xC080);
    vmp_pci_host_destroy(h);
    vmp_space_destroy(pio);
    vmp_space_destroy(cfg);
}
END_TEST

/* §3.2.2.3.2: CONFIG_DATA byte n at 0xCFC+n reaches register (reg & 0xFC)
 * + n; byte, word and dword widths. */
START_TEST(cfc_widths)
{
    struct fx *x = fx_new();
    ck_assert_uint_eq(cf8_read(x, 0, DEV, 0, PCI_VENDOR_ID, 4), 0x56781234u);
    ck_assert_uint_eq(cf8_read(x, 0, DEV, 0, PCI_VENDOR_ID, 2), 0x1234);
    ck_assert_uint_eq(cf8_read(x, 0, DEV, 0, PCI_DEVICE_ID, 2), 0x5678);
    ck_assert_uint_eq(cf8_read(x, 0, DEV, 0, 1, 1), 0x12);
    ck_assert_uint_eq(cf8_read(x, 0, DEV, 0, 3, 1), 0x56);
    ck_assert_uint_eq(cf8_read(x, 0, DEV, 0, PCI_CLASS_REVISION, 4), 0x02000007u);
    ck_assert_uint_eq(cf8_read(x, 0, DEV, 0, PCI_INTERRUPT_PIN, 1), 1);
    /* Interrupt line (byte 0x3C) by byte write through 0xCFC. */
    cf8_write(x, 0, DEV, 0, PCI_INTERRUPT_LINE, 0x0B, 1);
    ck_assert_uint_eq(vmp_pci_get8(&x->fn, PCI_INTERRUPT_LINE), 0x0B);
    /* Latency timer (0x0D) by a byte write at 0xCFD. */
    cf8_write(x, 0, DEV, 0, PCI_LATENCY_TIMER, 0x40, 1);
    ck_assert_uint_eq(vmp_pci_get8(&x->fn, PCI_LATENCY_TIMER), 0x40);
    ck_assert_uint_eq(vmp_pci_get8(&x->fn, PCI_CACHE_LINE_SIZE), 0);
    /* Word write of the command register at 0xCFC. */
    cf8_write(x, 0, DEV, 0, PCI_COMMAND, PCI_COMMAND_MASTER, 2);
    ck_assert_uint_eq(vmp_pci_get16(&x->fn, PCI_COMMAND), PCI_COMMAND_MASTER);
    fx_free(x);
}
END_TEST

/* §3.2.2.3.2: with the enable bit clear no configuration cycle happens. */
START_TEST(cfc_disabled)
{
    struct fx *x = fx_new();
    vmp_space_write(x->pio, 0xCF8, (uint32_t)DEV << 11 | PCI_INTERRUPT_LINE, 4);
    ck_assert_uint_eq(vmp_space_read(x->pio, 0xCFC, 4), 0xFFFFFFFFu);
    vmp_space_write(x->pio, 0xCFC, 0x0A, 1);
    ck_assert_uint_eq(vmp_pci_get8(&x->fn, PCI_INTERRUPT_LINE), 0);
    fx_free(x);
}
END_TEST

/* Absent functions (and buses) read all ones (§6.1: master abort), by
 * either mechanism; writes to them go nowhere. */
START_TEST(absent_all_ones)
{
    struct fx *x = fx_new();
    ck_assert_uint_eq(cf8_read(x, 0, 4, 0, 0, 4), 0xFFFFFFFFu);
    ck_assert_uint_eq(cf8_read(x, 0, DEV, 1, 0, 2), 0xFFFF);
    ck_assert_uint_eq(cf8_read(x, 7, 0, 0, 0, 1), 0xFF);
    ck_assert_uint_eq(ecam_read(x, 31, 0, 4), 0xFFFFFFFFu);
    cf8_write(x, 0, 4, 0, PCI_COMMAND, 7, 2);
    ck_assert_uint_eq(cf8_read(x, 0, 4, 0, 0, 4), 0xFFFFFFFFu);
    fx_free(x);
}
END_TEST

/* The host bridge at 00:00.0: Intel, class 06/00 host bridge, type 0. */
START_TEST(host_bridge_header)
{
    struct fx *x = fx_new();
    ck_assert_uint_eq(cf8_read(x, 0, 0, 0, PCI_VENDOR_ID, 2), 0x8086);
    ck_assert_uint_eq(cf8_read(x, 0, 0, 0, PCI_CLASS_DEVICE, 2), PCI_CLASS_BRIDGE_HOST);
    ck_assert_uint_eq(cf8_read(x, 0, 0, 0, PCI_HEADER_TYPE, 1), PCI_HEADER_TYPE_NORMAL);
    ck_assert_uint_ne(cf8_read(x, 0, 0, 0, PCI_DEVICE_ID, 2), 0xFFFF);
    /* No BARs: writing all ones reads back 0. */
    cf8_write(x, 0, 0, 0, PCI_BASE_ADDRESS_0, 0xFFFFFFFFu, 4);
    ck_assert_uint_eq(cf8_read(x, 0, 0, 0, PCI_BASE_ADDRESS_0, 4), 0);
    fx_free(x);
}
END_TEST

/* Extended register bits 27:24 are off by default: the latch drops them
 * and only the first 256 bytes are reachable. With the AMD-style option
 * they select register bits 11:8. */
START_TEST(cf8_extended)
{
    struct fx *x = fx_new();
    vmp_pci_set32(&x->fn, 0x140, 0xCAFEF00Du);
    vmp_space_write(x->pio, 0xCF8, 0x81000000u | DEV << 11 | 0x40, 4);
    ck_assert_uint_eq(vmp_space_read(x->pio, 0xCF8, 4), 0x80000000u | DEV << 11 | 0x40);
    ck_assert_uint_eq(vmp_space_read(x->pio, 0xCFC, 4), vmp_pci_get32(&x->fn, 0x40));
    fx_free(x);

    struct vmp_space *pio = vmp_space_create("pio", 0xFFFF);
    struct vmp_space *cfg = vmp_space_create("cfg", VMP_PCI_CFG_LAST);
    struct vmp_pci_host_config c = { .cf8_extended = true };
    struct vmp_pci_host *h = vmp_pci_host_create(NULL, cfg, &c);
    vmp_pci_host_attach_io(h, pio, 0xCF8);
    vmp_pci_set32(vmp_pci_host_func(h), 0x140, 0xCAFEF00Du);
    vmp_space_write(pio, 0xCF8, 0x81000040u, 4);
    ck_assert_uint_eq(vmp_space_read(pio, 0xCF8, 4), 0x81000040u);
    ck_assert_uint_eq(vmp_space_read(pio, 0xCFC, 4), 0xCAFEF00Du);
    ck_assert_uint_eq(vmp_space_read(pio, 0xCFE, 2), 0xCAFE);
    vmp_pci_host_destroy(h);
    vmp_space_destroy(pio);
    vmp_space_destroy(cfg);
}
END_TEST

/* PCIe §7.2.2: ECAM reaches the same registers as CF8/CFC, and the whole
 * 4 KiB of each function. */
START_TEST(ecam_equivalence)
{
    struct fx *x = fx_new();
    static const unsigned regs_[] = { 0x00, 0x02, 0x04, 0x06, 0x08, 0x0C, 0x10, 0x2C, 0x30, 0x3C };
    for (unsigned d = 0; d < 8; d++)
        for (unsigned i = 0; i < sizeof regs_ / sizeof regs_[0]; i++)
            for (unsigned size = 1; size <= 4; size *= 2)
                if (regs_[i] % size == 0) /* CF8/CFC has no unaligned form */
                    ck_assert_uint_eq(ecam_read(x, d, regs_[i], size),
                                  cf8_read(x, 0, d, 0, regs_[i], size));
    /* A write by ECAM is seen by CF8 and the other way round. */
    ecam_write(x, DEV, PCI_INTERRUPT_LINE, 0x0E, 1);
    ck_assert_uint_eq(cf8_read(x, 0, DEV, 0, PCI_INTERRUPT_LINE, 1), 0x0E);
    cf8_write(x, 0, DEV, 0, PCI_INTERRUPT_LINE, 0x05, 1);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_INTERRUPT_LINE, 1), 0x05);
    /* Extended space beyond 0x100 only through ECAM. */
    vmp_pci_set32(&x->fn, 0x100, 0x12345678u);
    ck_assert_uint_eq(ecam_read(x, DEV, 0x100, 4), 0x12345678u);
    ck_assert_uint_eq(ecam_read(x, DEV, 0x102, 2), 0x1234);
    /* A 64-bit ECAM read is split into two dwords. */
    ck_assert_uint_eq(vmp_space_read(x->mmio, ECAM_BASE + vmp_pci_addr(0, DEV, 0), 8),
                      0x0000000056781234ull | (uint64_t)vmp_pci_get32(&x->fn, 4) << 32);
    fx_free(x);
}
END_TEST

/* ---- header masks ------------------------------------------------- */

/* §6.1: ID, class and header type are read-only; §6.2.3: status error
 * bits are write-1-to-clear, the rest read-only. */
START_TEST(readonly_and_w1c)
{
    struct fx *x = fx_new();
    ecam_write(x, DEV, PCI_VENDOR_ID, 0xFFFFFFFFu, 4);
    ecam_write(x, DEV, PCI_CLASS_REVISION, 0, 4);
    ecam_write(x, DEV, PCI_HEADER_TYPE, 0xFF, 1);
    ecam_write(x, DEV, PCI_INTERRUPT_PIN, 3, 1);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_VENDOR_ID, 4), 0x56781234u);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_CLASS_REVISION, 4), 0x02000007u);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_HEADER_TYPE, 1), 0);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_INTERRUPT_PIN, 1), 1);
    /* The device reports an error; the guest clears it with a 1. */
    vmp_pci_set16(&x->fn, PCI_STATUS, PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_TARGET_ABORT);
    ecam_write(x, DEV, PCI_STATUS, 0, 2);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_STATUS, 2),
                      PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_TARGET_ABORT);
    ecam_write(x, DEV, PCI_STATUS, PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_CAP_LIST, 2);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_STATUS, 2), PCI_STATUS_SIG_TARGET_ABORT);
    /* A dword write to 0x04 sets the command and clears status bits. */
    ecam_write(x, DEV, PCI_COMMAND, (uint32_t)PCI_STATUS_SIG_TARGET_ABORT << 16 | PCI_COMMAND_MASTER, 4);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_COMMAND, 4), PCI_COMMAND_MASTER);
    /* Unimplemented command bits (special cycles) read 0. */
    ecam_write(x, DEV, PCI_COMMAND, PCI_COMMAND_SPECIAL | PCI_COMMAND_WAIT, 2);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_COMMAND, 2), 0);
    fx_free(x);
}
END_TEST

/* ---- BARs --------------------------------------------------------- */

/* §6.2.5.1: writing all ones to a BAR reads back the size mask with the
 * type bits; for each kind. */
START_TEST(bar_sizing)
{
    struct fx *x = fx_new();
    for (unsigned b = 0; b < 6; b++)
        ecam_write(x, DEV, PCI_BASE_ADDRESS_0 + 4 * b, 0xFFFFFFFFu, 4);
    ecam_write(x, DEV, PCI_ROM_ADDRESS, 0xFFFFFFFFu, 4);
    /* I/O, 32 bytes: bit 0 set, bits 4:2 zero. */
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_BASE_ADDRESS_0, 4), 0xFFFFFFE1u);
    /* 32-bit memory, 4 KiB, not prefetchable. */
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_BASE_ADDRESS_1, 4), 0xFFFFF000u);
    /* 64-bit prefetchable, 8 GiB: low dword has no size bits, the high
     * dword gives bits 63:33. */
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_BASE_ADDRESS_2, 4),
                      PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_BASE_ADDRESS_3, 4), 0xFFFFFFFEu);
    /* Unimplemented BARs read 0. */
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_BASE_ADDRESS_4, 4), 0);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_BASE_ADDRESS_5, 4), 0);
    /* §6.2.5.2: ROM, 64 KiB: bits 31:16 and the enable bit. */
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_ROM_ADDRESS, 4), 0xFFFF0001u);
    fx_free(x);
}
END_TEST

/* A small 64-bit BAR sizes in the low dword and all of the high one, and
 * a 32-bit prefetchable one keeps its type bits. */
START_TEST(bar_sizing_small64)
{
    struct vmp_pci_func f;
    struct regs r = { 0 };
    struct vmp_pci_id id = { .vendor = 1, .device = 2 };
    vmp_pci_func_init(&f, NULL, "f", &id);
    ck_assert_int_eq(vmp_pci_bar_init(&f, 0, VMP_PCI_BAR_MEM64, 16384, false, &regs_ops, &r), 0);
    ck_assert_int_eq(vmp_pci_bar_init(&f, 2, VMP_PCI_BAR_MEM32, 1 << 20, true, &regs_ops, &r), 0);
    vmp_pci_cfg_write(&f, PCI_BASE_ADDRESS_0, 0xFFFFFFFFu, 4);
    vmp_pci_cfg_write(&f, PCI_BASE_ADDRESS_1, 0xFFFFFFFFu, 4);
    vmp_pci_cfg_write(&f, PCI_BASE_ADDRESS_2, 0xFFFFFFFFu, 4);
    ck_assert_uint_eq(vmp_pci_cfg_read(&f, PCI_BASE_ADDRESS_0, 4), 0xFFFFC004u);
    ck_assert_uint_eq(vmp_pci_cfg_read(&f, PCI_BASE_ADDRESS_1, 4), 0xFFFFFFFFu);
    ck_assert_uint_eq(vmp_pci_cfg_read(&f, PCI_BASE_ADDRESS_2, 4), 0xFFF00008u);
    /* Bad set-ups are refused. */
    ck_assert_int_eq(vmp_pci_bar_init(&f, 1, VMP_PCI_BAR_IO, 16, false, &regs_ops, &r), -EBUSY);
    ck_assert_int_eq(vmp_pci_bar_init(&f, 3, VMP_PCI_BAR_IO, 512, false, &regs_ops, &r), -EINVAL);
    ck_assert_int_eq(vmp_pci_bar_init(&f, 3, VMP_PCI_BAR_MEM32, 3000, false, &regs_ops, &r), -EINVAL);
    ck_assert_int_eq(vmp_pci_bar_init(&f, 5, VMP_PCI_BAR_MEM64, 4096, false, &regs_ops, &r), -EINVAL);
    ck_assert_int_eq(vmp_pci_bar_init(&f, 3, VMP_PCI_BAR_ROM, 4096, false, &regs_ops, &r), -EINVAL);
    vmp_pci_func_fini(&f);
}
END_TEST

/* §6.2.2: the device answers a BAR's range only while I/O Space / Memory
 * Space is enabled in the command register. */
START_TEST(command_decode)
{
    struct fx *x = fx_new();
    ecam_write(x, DEV, PCI_BASE_ADDRESS_0, 0xC000, 4);
    ecam_write(x, DEV, PCI_BASE_ADDRESS_1, 0xC0001000u, 4);
    ecam_write(x, DEV, PCI_BASE_ADDRESS_2, 0, 4);
    ecam_write(x, DEV, PCI_BASE_ADDRESS_3, 0x4, 4); /* 0x4_0000_0000 */
    x->io.mem[4] = 0xAB;
    x->m32.mem[8] = 0xCD;
    x->m64.mem[0x10] = 0xEF;
    /* Decode off: nothing answers. */
    ck_assert_uint_eq(vmp_space_read(x->pio, 0xC004, 1), 0xFF);
    ck_assert_uint_eq(vmp_space_read(x->mmio, 0xC0001008u, 1), 0xFF);
    ck_assert_uint_eq(vmp_space_read(x->mmio, 0x400000010ull, 1), 0xFF);
    ck_assert_uint_eq(x->io.reads + x->m32.reads + x->m64.reads, 0);
    /* I/O only. */
    ecam_write(x, DEV, PCI_COMMAND, PCI_COMMAND_IO, 2);
    ck_assert_uint_eq(vmp_space_read(x->pio, 0xC004, 1), 0xAB);
    ck_assert_uint_eq(x->io.last_off, 4);
    ck_assert_uint_eq(vmp_space_read(x->mmio, 0xC0001008u, 1), 0xFF);
    ck_assert(vmp_pci_bar_mapped(&x->fn, 0));
    ck_assert(!vmp_pci_bar_mapped(&x->fn, 1));
    /* Memory too. */
    ecam_write(x, DEV, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    ck_assert_uint_eq(vmp_space_read(x->mmio, 0xC0001008u, 1), 0xCD);
    ck_assert_uint_eq(vmp_space_read(x->mmio, 0x400000010ull, 1), 0xEF);
    vmp_space_write(x->mmio, 0x4000000F0ull, 0x99, 1);
    ck_assert_uint_eq(x->m64.mem[0xF0], 0x99);
    /* The end of the 8 GiB BAR is still the device. */
    ck_assert_ptr_eq(vmp_space_lookup(x->mmio, 0x5FFFFFFFFull, NULL), &x->m64);
    ck_assert_ptr_null(vmp_space_lookup(x->mmio, 0x600000000ull, NULL));
    /* And off again: gone. */
    ecam_write(x, DEV, PCI_COMMAND, 0, 2);
    ck_assert_uint_eq(vmp_space_read(x->pio, 0xC004, 1), 0xFF);
    ck_assert_uint_eq(vmp_space_read(x->mmio, 0xC0001008u, 1), 0xFF);
    struct vmp_space_stats st;
    vmp_space_get_stats(x->mmio, &st);
    ck_assert_uint_eq(st.regions, 1); /* only ECAM left */
    fx_free(x);
}
END_TEST

/* §6.2.5.1: reprogramming a BAR while decode is on moves the device. */
START_TEST(bar_move)
{
    struct fx *x = fx_new();
    ecam_write(x, DEV, PCI_BASE_ADDRESS_1, 0xC0001000u, 4);
    ecam_write(x, DEV, PCI_BASE_ADDRESS_0, 0xC000, 4);
    ecam_write(x, DEV, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO, 2);
    x->m32.mem[0] = 0x5A;
    ck_assert_uint_eq(vmp_space_read(x->mmio, 0xC0001000u, 1), 0x5A);
    ecam_write(x, DEV, PCI_BASE_ADDRESS_1, 0xD0000000u, 4);
    ck_assert_uint_eq(vmp_space_read(x->mmio, 0xC0001000u, 1), 0xFF);
    ck_assert_uint_eq(vmp_space_read(x->mmio, 0xD0000000u, 1), 0x5A);
    ck_assert_uint_eq(vmp_pci_bar_addr(&x->fn, 1), 0xD0000000u);
    /* Byte write of the upper byte moves it too. */
    ecam_write(x, DEV, PCI_BASE_ADDRESS_1 + 3, 0xE0, 1);
    ck_assert_uint_eq(vmp_space_read(x->mmio, 0xE0000000u, 1), 0x5A);
    /* I/O BAR: the low bits below the size are not writable. */
    ecam_write(x, DEV, PCI_BASE_ADDRESS_0, 0xD01F, 4);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_BASE_ADDRESS_0, 4), 0xD001);
    x->io.mem[0] = 0x77;
    ck_assert_uint_eq(vmp_space_read(x->pio, 0xD000, 1), 0x77);
    ck_assert_uint_eq(vmp_space_read(x->pio, 0xC000, 1), 0xFF);
    /* 64-bit BAR: the high dword moves it between 4 GiB windows. */
    ecam_write(x, DEV, PCI_BASE_ADDRESS_2, 0, 4);
    ecam_write(x, DEV, PCI_BASE_ADDRESS_3, 0x2, 4);
    ck_assert_ptr_eq(vmp_space_lookup(x->mmio, 0x200000000ull, NULL), &x->m64);
    ecam_write(x, DEV, PCI_BASE_ADDRESS_3, 0x4, 4);
    ck_assert_ptr_null(vmp_space_lookup(x->mmio, 0x200000000ull, NULL));
    ck_assert_ptr_eq(vmp_space_lookup(x->mmio, 0x400000000ull, NULL), &x->m64);
    ck_assert_uint_eq(vmp_pci_bar_addr(&x->fn, 2), 0x400000000ull);
    /* Sizing while enabled parks the I/O BAR beyond 64 K: unmapped. */
    ecam_write(x, DEV, PCI_BASE_ADDRESS_0, 0xFFFFFFFFu, 4);
    ck_assert(!vmp_pci_bar_mapped(&x->fn, 0));
    fx_free(x);
}
END_TEST

/* A guest placing a BAR over another region: left unmapped, logged
 * (rate-limited), and mapped once moved to a free place. */
START_TEST(bar_overlap)
{
    struct fx *x = fx_new();
    ecam_write(x, DEV, PCI_BASE_ADDRESS_0, 0xCF8, 4); /* on the host bridge ports */
    ecam_write(x, DEV, PCI_BASE_ADDRESS_1, (uint32_t)ECAM_BASE, 4); /* on ECAM */
    unsigned before = x->log.count;
    ecam_write(x, DEV, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO, 2);
    ck_assert(!vmp_pci_bar_mapped(&x->fn, 0));
    ck_assert(!vmp_pci_bar_mapped(&x->fn, 1));
    ck_assert_uint_gt(x->log.count, before);
    ck_assert_ptr_eq(vmp_space_lookup(x->pio, 0xCF8, NULL), x->host);
    /* Many guest retries: the log stays bounded. */
    for (int i = 0; i < 100; i++)
        ecam_write(x, DEV, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO, 2);
    ck_assert_uint_le(x->log.count, before + VMP_RATELIMIT_BURST + 1);
    /* ECAM still works (we are using it), and a good placement maps. */
    ecam_write(x, DEV, PCI_BASE_ADDRESS_1, 0xC0000000u, 4);
    ck_assert(vmp_pci_bar_mapped(&x->fn, 1));
    fx_free(x);
}
END_TEST

/* §6.2.5.2: the ROM decodes only with both its enable bit and Memory
 * Space set. */
START_TEST(rom_enable)
{
    struct fx *x = fx_new();
    x->rom.mem[0] = 0x55;
    x->rom.mem[1] = 0xAA;
    ecam_write(x, DEV, PCI_ROM_ADDRESS, 0xC0100000u, 4);
    ecam_write(x, DEV, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    ck_assert_uint_eq(vmp_space_read(x->mmio, 0xC0100000u, 2), 0xFFFF);
    ecam_write(x, DEV, PCI_ROM_ADDRESS, 0xC0100001u, 4);
    ck_assert_uint_eq(vmp_space_read(x->mmio, 0xC0100000u, 2), 0xAA55);
    ecam_write(x, DEV, PCI_COMMAND, 0, 2);
    ck_assert_uint_eq(vmp_space_read(x->mmio, 0xC0100000u, 2), 0xFFFF);
    fx_free(x);
}
END_TEST

/* ---- INTx --------------------------------------------------------- */

/* §6.2.2 bit 10 Interrupt Disable, §6.2.3 bit 3 Interrupt Status: status
 * follows the request, the pin only while not disabled. */
START_TEST(intx_disable)
{
    struct fx *x = fx_new();
    vmp_pci_intx_set(&x->fn, true);
    ck_assert(x->sink.level);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_STATUS, 2) & PCI_STATUS_INTx, PCI_STATUS_INTx);
    ecam_write(x, DEV, PCI_COMMAND, PCI_COMMAND_DISABLE_INTx, 2);
    ck_assert(!x->sink.level);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_STATUS, 2) & PCI_STATUS_INTx, PCI_STATUS_INTx);
    ecam_write(x, DEV, PCI_COMMAND, 0, 2);
    ck_assert(x->sink.level);
    ck_assert_uint_eq(x->sink.rises, 2);
    vmp_pci_intx_set(&x->fn, false);
    ck_assert(!x->sink.level);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_STATUS, 2) & PCI_STATUS_INTx, 0);
    /* The guest cannot write Interrupt Status. */
    ecam_write(x, DEV, PCI_STATUS, PCI_STATUS_INTx, 2);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_STATUS, 2) & PCI_STATUS_INTx, 0);
    fx_free(x);
}
END_TEST

/* Reset: writable fields to 0, BARs unmapped, INTx low. */
START_TEST(func_reset)
{
    struct fx *x = fx_new();
    ecam_write(x, DEV, PCI_BASE_ADDRESS_1, 0xC0001000u, 4);
    ecam_write(x, DEV, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    ecam_write(x, DEV, PCI_INTERRUPT_LINE, 9, 1);
    vmp_pci_intx_set(&x->fn, true);
    ck_assert(vmp_pci_bar_mapped(&x->fn, 1));
    vmp_pci_func_reset(&x->fn);
    ck_assert(!vmp_pci_bar_mapped(&x->fn, 1));
    ck_assert(!x->sink.level);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_COMMAND, 4), 0);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_BASE_ADDRESS_1, 4), 0);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_INTERRUPT_LINE, 1), 0);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_VENDOR_ID, 4), 0x56781234u);
    ck_assert_uint_eq(ecam_read(x, DEV, PCI_BASE_ADDRESS_0, 4), PCI_BASE_ADDRESS_SPACE_IO);
    fx_free(x);
}
END_TEST

/* Device-specific registers: the read hook refreshes a live byte before
 * the guest sees it; the write hook sees the write after the masks. */
struct hooked {
    struct vmp_pci_func f;
    unsigned reads, writes, last_reg;
    uint32_t last_value;
    uint8_t live;
};
static void hk_read(struct vmp_pci_func *f, unsigned reg, unsigned size)
{
    struct hooked *h = f->opaque;
    (void)size;
    h->reads++;
    if (reg <= 0x60 && 0x60 < reg + size)
        vmp_pci_set8(f, 0x60, h->live);
}
static void hk_write(struct vmp_pci_func *f, unsigned reg, uint32_t value, unsigned size)
{
    struct hooked *h = f->opaque;
    (void)size;
    h->writes++;
    h->last_reg = reg;
    h->last_value = value;
}
static const struct vmp_pci_func_hooks hooks = { hk_read, hk_write };

START_TEST(cfg_hooks)
{
    struct vmp_space *cfg = vmp_space_create("cfg", VMP_PCI_CFG_LAST);
    struct hooked *h = calloc(1, sizeof *h);
    struct vmp_pci_id id = { .vendor = 0x1234, .device = 1 };
    vmp_pci_func_init(&h->f, NULL, "hk", &id);
    vmp_pci_func_set_hooks(&h->f, &hooks, h);
    vmp_pci_set_wmask(&h->f, 0x64, 0x0000FF00u, 4);
    ck_assert_int_eq(vmp_pci_func_attach(&h->f, cfg, 1, 2, 3, NULL, NULL), 0);
    uint64_t base = vmp_pci_addr(1, 2, 3);
    h->live = 0x5A;
    ck_assert_uint_eq(vmp_space_read(cfg, base + 0x60, 1), 0x5A);
    h->live = 0xA5;
    ck_assert_uint_eq(vmp_space_read(cfg, base + 0x60, 4), 0xA5);
    vmp_space_write(cfg, base + 0x64, 0xFFFFFFFFu, 4);
    ck_assert_uint_eq(h->writes, 1);
    ck_assert_uint_eq(h->last_reg, 0x64);
    ck_assert_uint_eq(h->last_value, 0xFFFFFFFFu);
    ck_assert_uint_eq(vmp_pci_get32(&h->f, 0x64), 0xFF00);
    /* Detach removes the function: all ones again. */
    vmp_pci_func_detach(&h->f);
    ck_assert_uint_eq(vmp_space_read(cfg, base, 4), 0xFFFFFFFFu);
    vmp_pci_func_fini(&h->f);
    free(h);
    vmp_space_destroy(cfg);
}
END_TEST

/* Detach takes the mapped BARs out of their spaces too. */
START_TEST(func_detach)
{
    struct fx *x = fx_new();
    ecam_write(x, DEV, PCI_BASE_ADDRESS_0, 0xC000, 4);
    ecam_write(x, DEV, PCI_BASE_ADDRESS_1, 0xC0001000u, 4);
    ecam_write(x, DEV, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO, 2);
    ck_assert_ptr_eq(vmp_space_lookup(x->pio, 0xC000, NULL), &x->io);
    vmp_pci_func_detach(&x->fn);
    ck_assert_ptr_null(vmp_space_lookup(x->pio, 0xC000, NULL));
    ck_assert_ptr_null(vmp_space_lookup(x->mmio, 0xC0001000u, NULL));
    ck_assert_uint_eq(ecam_read(x, DEV, 0, 4), 0xFFFFFFFFu);
    /* Attached again, it decodes where the guest left it. */
    ck_assert_int_eq(vmp_pci_func_attach(&x->fn, x->cfg, 0, DEV, 0, x->pio, x->mmio), 0);
    ck_assert_ptr_eq(vmp_space_lookup(x->pio, 0xC000, NULL), &x->io);
    ck_assert_int_eq(vmp_pci_func_attach(&x->fn, x->cfg, 0, DEV, 0, x->pio, x->mmio), -EBUSY);
    fx_free(x);
}
END_TEST

/* An unassigned BAR (address 0) does not decode even with the enable on:
 * firmware has not placed it. */
START_TEST(bar_unassigned)
{
    struct fx *x = fx_new();
    ecam_write(x, DEV, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO, 2);
    for (unsigned b = 0; b <= VMP_PCI_ROM_BAR; b++)
        ck_assert(!vmp_pci_bar_mapped(&x->fn, b));
    ck_assert_ptr_null(vmp_space_lookup(x->mmio, 0, NULL));
    ck_assert_ptr_null(vmp_space_lookup(x->pio, 0, NULL));
    fx_free(x);
}
END_TEST

/* Host reset: CONFIG_ADDRESS to 0, 00:00.0's writable fields to their
 * power-on values. */
START_TEST(host_reset)
{
    struct fx *x = fx_new();
    vmp_space_write(x->pio, 0xCF8, 0x80000000u | PCI_INTERRUPT_LINE, 4);
    vmp_space_write(x->pio, 0xCFC, 0x0A, 1);
    ck_assert_uint_eq(vmp_pci_get8(vmp_pci_host_func(x->host), PCI_INTERRUPT_LINE), 0x0A);
    vmp_pci_host_reset(x->host);
    ck_assert_uint_eq(vmp_space_read(x->pio, 0xCF8, 4), 0);
    ck_assert_uint_eq(vmp_pci_get8(vmp_pci_host_func(x->host), PCI_INTERRUPT_LINE), 0);
    ck_assert_uint_eq(vmp_pci_get16(vmp_pci_host_func(x->host), PCI_VENDOR_ID), 0x8086);
    fx_free(x);
}
END_TEST

/* ---- save / load -------------------------------------------------- */

static int save_func(const void *m, struct vmp_state_writer *w) { return vmp_pci_func_save(m, w); }
static int load_func(void *m, struct vmp_state_reader *r) { return vmp_pci_func_load(m, r); }
static int save_host(const void *m, struct vmp_state_writer *w) { return vmp_pci_host_save(m, w); }
static int load_host(void *m, struct vmp_state_reader *r) { return vmp_pci_host_load(m, r); }

START_TEST(func_roundtrip)
{
    struct fx *a = fx_new(), *b = fx_new();
    ecam_write(a, DEV, PCI_BASE_ADDRESS_1, 0xC0001000u, 4);
    ecam_write(a, DEV, PCI_BASE_ADDRESS_0, 0xC100, 4);
    ecam_write(a, DEV, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_IO, 2);
    ecam_write(a, DEV, PCI_INTERRUPT_LINE, 10, 1);
    vmp_pci_intx_set(&a->fn, true);
    ck_assert_int_eq(test_roundtrip(&a->fn, &b->fn, save_func, load_func), 0);
    ck_assert_int_eq(memcmp(a->fn.cfg, b->fn.cfg, VMP_PCI_CFG_SIZE), 0);
    /* The loaded function decodes where the saved one did, and drives INTx. */
    b->m32.mem[4] = 0x42;
    ck_assert_uint_eq(vmp_space_read(b->mmio, 0xC0001004u, 1), 0x42);
    ck_assert_uint_eq(vmp_space_read(b->pio, 0xC100, 1), 0);
    ck_assert(b->sink.level);
    /* Host: the CONFIG_ADDRESS latch. */
    vmp_space_write(a->pio, 0xCF8, 0x80001810u, 4);
    ck_assert_int_eq(test_roundtrip(a->host, b->host, save_host, load_host), 0);
    ck_assert_uint_eq(vmp_space_read(b->pio, 0xCF8, 4), 0x80001810u);
    fx_free(a);
    fx_free(b);
}
END_TEST

START_TEST(func_truncation)
{
    struct fx *a = fx_new(), *b = fx_new();
    ecam_write(a, DEV, PCI_BASE_ADDRESS_1, 0xC0001000u, 4);
    ecam_write(a, DEV, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    ck_assert_uint_eq(test_truncations_loaded(&a->fn, &b->fn, save_func, load_func), 0);
    ck_assert_uint_eq(test_truncations_loaded(a->host, b->host, save_host, load_host), 0);
    /* Nothing of the failed loads stuck. */
    ck_assert(!vmp_pci_bar_mapped(&b->fn, 1));
    ck_assert_uint_eq(vmp_pci_get16(&b->fn, PCI_COMMAND), 0);
    fx_free(a);
    fx_free(b);
}
END_TEST

/* A state from a different device (other IDs) is refused. */
START_TEST(func_load_wrong_device)
{
    struct fx *a = fx_new();
    struct vmp_pci_func other;
    struct vmp_pci_id id = { .vendor = 0x1234, .device = 0x9999, .int_pin = 1 };
    vmp_pci_func_init(&other, NULL, "other", &id);
    ecam_write(a, DEV, PCI_INTERRUPT_LINE, 10, 1);
    ck_assert_int_eq(test_roundtrip(&other, &a->fn, save_func, load_func), -EINVAL);
    ck_assert_uint_eq(vmp_pci_get8(&a->fn, PCI_INTERRUPT_LINE), 10);
    vmp_pci_func_fini(&other);
    fx_free(a);
}
END_TEST

/* A device with its own state around the function's: the two-step load
 * keeps it all-or-nothing. */
struct outer {
    struct vmp_pci_func *f;
    uint32_t reg;
};
static int save_outer(const void *m, struct vmp_state_writer *w)
{
    const struct outer *o = m;
    vmp_state_begin(w, "outer", 1);
    vmp_pci_func_save(o->f, w);
    vmp_state_put_u32(w, o->reg);
    vmp_state_end(w);
    return vmp_state_writer_status(w);
}
static int load_outer(void *m, struct vmp_state_reader *r)
{
    struct outer *o = m;
    struct vmp_pci_func_staged *st;
    uint32_t ver;
    int err = vmp_state_open(r, "outer", 1, &ver);
    if (err)
        return err;
    vmp_pci_func_load_begin(o->f, r, &st);
    uint32_t reg = vmp_state_get_u32_max(r, 0xFFFF);
    err = vmp_state_close(r);
    if (!err && !st)
        err = -EBADMSG;
    if (err) {
        vmp_pci_func_load_abort(st);
        return err;
    }
    vmp_pci_func_load_commit(o->f, st);
    o->reg = reg;
    return 0;
}

START_TEST(func_two_step_load)
{
    struct fx *a = fx_new(), *b = fx_new();
    struct outer oa = { &a->fn, 0x1234 }, ob = { &b->fn, 0 };
    ecam_write(a, DEV, PCI_INTERRUPT_LINE, 7, 1);
    ck_assert_int_eq(test_roundtrip(&oa, &ob, save_outer, load_outer), 0);
    ck_assert_uint_eq(ob.reg, 0x1234);
    ck_assert_uint_eq(vmp_pci_get8(&b->fn, PCI_INTERRUPT_LINE), 7);
    ck_assert_uint_eq(test_truncations_loaded(&oa, &ob, save_outer, load_outer), 0);
    /* The device's own field fails validation: the function is untouched. */
    ecam_write(b, DEV, PCI_INTERRUPT_LINE, 3, 1);
    oa.reg = 0x10000;
    ecam_write(a, DEV, PCI_INTERRUPT_LINE, 9, 1);
    ck_assert_int_eq(test_roundtrip(&oa, &ob, save_outer, load_outer), -EINVAL);
    ck_assert_uint_eq(vmp_pci_get8(&b->fn, PCI_INTERRUPT_LINE), 3);
    fx_free(a);
    fx_free(b);
}
END_TEST

Suite *pci_suite(void)
{
    Suite *s = suite_create("pci");
    TCase *t = tcase_create("cf8");
    tcase_add_test(t, cf8_latch);
    tcase_add_test(t, cf8_non_dword);
    tcase_add_test(t, cf8_passthrough);
    tcase_add_test(t, cf8_misaligned);
    tcase_add_test(t, cfc_widths);
    tcase_add_test(t, cfc_disabled);
    tcase_add_test(t, absent_all_ones);
    tcase_add_test(t, host_bridge_header);
    tcase_add_test(t, cf8_extended);
    tcase_add_test(t, ecam_equivalence);
    suite_add_tcase(s, t);
    t = tcase_create("header");
    tcase_add_test(t, readonly_and_w1c);
    tcase_add_test(t, bar_sizing);
    tcase_add_test(t, bar_sizing_small64);
    tcase_add_test(t, command_decode);
    tcase_add_test(t, bar_move);
    tcase_add_test(t, bar_overlap);
    tcase_add_test(t, rom_enable);
    tcase_add_test(t, intx_disable);
    tcase_add_test(t, func_reset);
    tcase_add_test(t, cfg_hooks);
    tcase_add_test(t, func_detach);
    tcase_add_test(t, bar_unassigned);
    tcase_add_test(t, host_reset);
    suite_add_tcase(s, t);
    t = tcase_create("state");
    tcase_add_test(t, func_roundtrip);
    tcase_add_test(t, func_truncation);
    tcase_add_test(t, func_load_wrong_device);
    tcase_add_test(t, func_two_step_load);
    suite_add_tcase(s, t);
    return s;
}

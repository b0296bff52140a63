/* I/O APIC after the Intel 82093AA datasheet (290566): 24 redirection
 * entries behind an index/data window, interrupt messages sent through an
 * MSI sink (the format of SDM vol. 3A §11.11), Remote IRR for
 * level-triggered entries cleared by the LAPICs' EOI broadcast and, in
 * version 0x20, by the EOI register. */
#include <stdlib.h>
#include <string.h>

#include "apic.h"

#define RTE_DELIVS (1ull << 12)
#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_LEVEL (1ull << 15)
#define RTE_MASK (1ull << 16)
/* Writable: vector, delivery mode, destination mode, polarity, trigger,
 * mask, destination (§3.2.4, table "I/O Redirection Table Registers"). */
#define RTE_WMASK (0xFF00000000000000ull | 0x1AFFFull)

struct vmp_ioapic {
    struct vmp_msi_sink out;
    struct vmp_apic_bus *bus; /* when created on a bus */
    const struct vmp_log *log;
    struct vmp_ratelimit rl;
    uint8_t version;
    uint8_t id, index;
    uint32_t lines; /* input levels */
    uint64_t rte[VMP_IOAPIC_PINS];
    uint8_t cfg_id;
};

/* Remote IRR applies to level-triggered fixed/lowest-priority entries;
 * NMI, INIT and ExtINT are edge whatever the trigger bit says (the
 * datasheet requires edge for them). */
static bool level_mode(uint64_t rte)
{
    unsigned dm = rte >> 8 & 7;
    return (rte & RTE_LEVEL) && (dm == VMP_APIC_DM_FIXED || dm == VMP_APIC_DM_LOWPRI);
}

static void deliver(struct vmp_ioapic *io, unsigned pin)
{
    uint64_t rte = io->rte[pin];
    bool level = level_mode(rte);
    if (level)
        io->rte[pin] |= RTE_REMOTE_IRR; /* set before the message can EOI */
    uint64_t addr = 0xFEE00000ull | (rte >> 56) << 12 | (rte >> 11 & 1) << 2;
    uint32_t data = (uint32_t)(rte & 0x7FF) | 1u << 14 | (level ? 1u << 15 : 0);
    vmp_msi_send(&io->out, addr, data);
}

/* A level input asserted, unmasked and not awaiting EOI sends a message. */
static void service(struct vmp_ioapic *io, unsigned pin)
{
    uint64_t rte = io->rte[pin];
    if (!(io->lines >> pin & 1) || (rte & RTE_MASK))
        return;
    if (level_mode(rte) && !(rte & RTE_REMOTE_IRR))
        deliver(io, pin);
}

void vmp_ioapic_set_irq(void *opaque, unsigned pin, bool level)
{
    struct vmp_ioapic *io = opaque;
    if (pin >= VMP_IOAPIC_PINS)
        return;
    bool old = io->lines >> pin & 1;
    io->lines = level ? io->lines | 1u << pin : io->lines & ~(1u << pin);
    uint64_t rte = io->rte[pin];
    if (level_mode(rte))
        service(io, pin);
    else if (level && !old && !(rte & RTE_MASK))
        deliver(io, pin); /* edges on a masked pin are lost (§3.2.4 bit 16) */
}

void vmp_ioapic_eoi(void *opaque, uint8_t vector)
{
    struct vmp_ioapic *io = opaque;
    for (unsigned pin = 0; pin < VMP_IOAPIC_PINS; pin++) {
        uint64_t rte = io->rte[pin];
        if ((rte & RTE_REMOTE_IRR) && (uint8_t)rte == vector) {
            io->rte[pin] &= ~RTE_REMOTE_IRR;
            /* Still asserted: delivered again, once (Remote IRR is set
             * again by that delivery). */
            service(io, pin);
        }
    }
}

static void rte_write(struct vmp_ioapic *io, unsigned pin, bool high, uint32_t v)
{
    uint64_t old = io->rte[pin];
    uint64_t nv = high ? (old & 0xFFFFFFFFull) | (uint64_t)v << 32
                       : (old & 0xFFFFFFFF00000000ull) | v;
    nv = (nv & RTE_WMASK) | (old & RTE_REMOTE_IRR);
    /* Remote IRR means nothing for edge entries; clear it so the
     * edge/level toggle guests use to recover a stuck entry works. */
    if (!level_mode(nv))
        nv &= ~RTE_REMOTE_IRR;
    io->rte[pin] = nv;
    service(io, pin);
}

static uint32_t reg_read(struct vmp_ioapic *io)
{
    unsigned i = io->index;
    switch (i) {
    case 0x00: return (uint32_t)(io->id & 0xF) << 24;
    case 0x01: return (uint32_t)(VMP_IOAPIC_PINS - 1) << 16 | io->version;
    case 0x02: return (uint32_t)(io->id & 0xF) << 24; /* arbitration ID */
    default: break;
    }
    if (i >= 0x10 && i < 0x10 + 2 * VMP_IOAPIC_PINS) {
        uint64_t rte = io->rte[(i - 0x10) >> 1];
        return (i & 1) ? (uint32_t)(rte >> 32) : (uint32_t)rte;
    }
    return 0;
}

static void reg_write(struct vmp_ioapic *io, uint32_t v)
{
    unsigned i = io->index;
    if (i == 0x00) {
        io->id = v >> 24 & 0xF;
        return;
    }
    if (i >= 0x10 && i < 0x10 + 2 * VMP_IOAPIC_PINS) {
        rte_write(io, (i - 0x10) >> 1, i & 1, v);
        return;
    }
    vmp_logf_limited(io->log, &io->rl, VMP_LOG_DEBUG,
                     "ioapic: write to read-only/absent register %#x", i);
}

static uint64_t mmio_read(void *dev, uint64_t off, unsigned size)
{
    struct vmp_ioapic *io = dev;
    uint32_t v;
    (void)size;
    switch (off & ~3ull) {
    case 0x00: v = io->index; break;
    case 0x10: v = reg_read(io); break;
    default: v = 0; break;
    }
    return v >> (8 * (off & 3));
}

static void mmio_write(void *dev, uint64_t off, uint64_t v, unsigned size)
{
    struct vmp_ioapic *io = dev;
    if (off == 0x00) {
        io->index = (uint8_t)v; /* IOREGSEL, bits 7:0 */
        return;
    }
    if (off == 0x10 && size == 4) {
        reg_write(io, (uint32_t)v);
        return;
    }
    if (off == 0x40 && io->version >= 0x20) {
        vmp_ioapic_eoi(io, (uint8_t)v); /* EOI register */
        return;
    }
    vmp_logf_limited(io->log, &io->rl, VMP_LOG_DEBUG,
                     "ioapic: %u-byte write at %#llx ignored", size, (unsigned long long)off);
}

const struct vmp_io_ops vmp_ioapic_io_ops = { mmio_read, mmio_write, 4 };

int vmp_ioapic_attach(struct vmp_ioapic *io, struct vmp_space *mmio, uint64_t base)
{
    return vmp_space_map(mmio, base, 0x1000, &vmp_ioapic_io_ops, io);
}

void vmp_ioapic_reset(struct vmp_ioapic *io)
{
    io->id = io->cfg_id & 0xF;
    io->index = 0;
    for (unsigned i = 0; i < VMP_IOAPIC_PINS; i++)
        io->rte[i] = RTE_MASK;
}

struct vmp_ioapic *vmp_ioapic_create(const struct vmp_env *env,
                                     const struct vmp_msi_sink *out,
                                     const struct vmp_ioapic_cfg *cfg)
{
    uint8_t ver = cfg && cfg->version ? cfg->version : 0x20;
    if (ver != 0x11 && ver != 0x20)
        return NULL;
    struct vmp_ioapic *io = calloc(1, sizeof *io);
    if (!io)
        return NULL;
    if (out)
        io->out = *out;
    io->log = env ? env->log : NULL;
    io->version = ver;
    io->cfg_id = cfg ? cfg->id : 0;
    vmp_ioapic_reset(io);
    return io;
}

struct vmp_ioapic *vmp_ioapic_create_on_bus(const struct vmp_env *env,
                                            struct vmp_apic_bus *bus,
                                            const struct vmp_ioapic_cfg *cfg)
{
    if (!bus)
        return NULL;
    struct vmp_msi_sink out = vmp_apic_bus_msi_sink(bus);
    struct vmp_ioapic *io = vmp_ioapic_create(env, &out, cfg);
    if (io && vmp_apic_bus_add_eoi_listener(bus, vmp_ioapic_eoi, io)) {
        free(io);
        return NULL;
    }
    if (io)
        io->bus = bus;
    return io;
}

void vmp_ioapic_destroy(struct vmp_ioapic *io)
{
    if (!io)
        return;
    if (io->bus)
        vmp_apic_bus_remove_eoi_listener(io->bus, io);
    free(io);
}

#define IOAPIC_STATE_VERSION 1

int vmp_ioapic_save(const struct vmp_ioapic *io, struct vmp_state_writer *w)
{
    vmp_state_begin(w, "ioapic", IOAPIC_STATE_VERSION);
    vmp_state_put_u8(w, io->id);
    vmp_state_put_u8(w, io->index);
    vmp_state_put_u32(w, io->lines);
    for (unsigned i = 0; i < VMP_IOAPIC_PINS; i++)
        vmp_state_put_u64(w, io->rte[i]);
    vmp_state_end(w);
    return vmp_state_writer_error(w);
}

int vmp_ioapic_load(struct vmp_ioapic *io, struct vmp_state_reader *r)
{
    uint32_t ver;
    uint8_t id, index;
    uint32_t lines;
    uint64_t rte[VMP_IOAPIC_PINS];
    int err = vmp_state_open(r, "ioapic", IOAPIC_STATE_VERSION, &ver);
    if (err)
        return err;
    id = vmp_state_get_u8_max(r, 0xF);
    index = vmp_state_get_u8(r);
    lines = vmp_state_get_u32_max(r, (1u << VMP_IOAPIC_PINS) - 1);
    for (unsigned i = 0; i < VMP_IOAPIC_PINS; i++) {
        rte[i] = vmp_state_get_u64(r);
        if (rte[i] & ~(RTE_WMASK | RTE_REMOTE_IRR))
            vmp_state_fail(r, -EINVAL);
    }
    err = vmp_state_close(r);
    if (err)
        return err;
    io->id = id;
    io->index = index;
    io->lines = lines;
    memcpy(io->rte, rte, sizeof rte);
    return 0;
}

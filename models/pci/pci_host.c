/* Host bridge: configuration mechanism #1 (ports 0xCF8/0xCFC) and ECAM,
 * both translated to accesses in the configuration space; the bridge's
 * own function 00:00.0. PCI Local Bus Spec 3.0 §3.2.2.3.2, PCIe base
 * spec 4.0 §7.2.2. */
#include <stdlib.h>

#include "pci_internal.h"

#define HOST_TAG "pcihost"
#define HOST_VERSION 1

/* CONFIG_ADDRESS (§3.2.2.3.2): enable 31, bus 23:16, device 15:11,
 * function 10:8, register 7:2. Bits 30:24 are reserved and bits 1:0 read
 * 0 for type 0 translation; with the AMD-style extension bits 27:24 are
 * register bits 11:8. */
#define CF8_ENABLE 0x80000000u
#define CF8_MASK 0x80FFFFFCu
#define CF8_EXT_MASK 0x0F000000u

struct vmp_pci_host {
    struct vmp_pci_func func; /* 00:00.0 */
    struct vmp_space *cfg;
    uint32_t config_address;
    bool cf8_extended;
    const struct vmp_io_ops *pt_ops;
    void *pt_dev;
};

struct vmp_pci_host *vmp_pci_host_create(const struct vmp_env *env, struct vmp_space *cfg,
                                         const struct vmp_pci_host_config *config)
{
    if (!cfg)
        return NULL;
    struct vmp_pci_host *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    struct vmp_pci_host_config c = { 0 };
    if (config)
        c = *config;
    h->cfg = cfg;
    h->cf8_extended = c.cf8_extended;
    h->pt_ops = c.cf8_passthrough;
    h->pt_dev = c.cf8_passthrough_dev;
    /* Defaults: Intel vendor, the G33/Q35-family DRAM controller ID,
     * class 06/00 host bridge. */
    struct vmp_pci_id id = {
        .vendor = c.vendor ? c.vendor : 0x8086,
        .device = c.vendor ? c.device : 0x29C0,
        .class_code = (uint32_t)PCI_CLASS_BRIDGE_HOST << 8,
    };
    vmp_pci_func_init(&h->func, env, "pci-host", &id);
    /* A host bridge does not respond in I/O or memory space through BARs;
     * keep bus mastering (it forwards DMA) and the error enables. */
    vmp_pci_set_wmask(&h->func, PCI_COMMAND,
                      PCI_COMMAND_MASTER | PCI_COMMAND_PARITY | PCI_COMMAND_SERR, 2);
    vmp_pci_set16(&h->func, PCI_COMMAND, PCI_COMMAND_MASTER);
    if (vmp_pci_func_attach(&h->func, cfg, 0, 0, 0, NULL, NULL)) {
        free(h);
        return NULL;
    }
    return h;
}

void vmp_pci_host_destroy(struct vmp_pci_host *h)
{
    if (!h)
        return;
    vmp_pci_func_fini(&h->func);
    free(h);
}

void vmp_pci_host_reset(struct vmp_pci_host *h)
{
    h->config_address = 0;
    vmp_pci_func_reset(&h->func);
    vmp_pci_set16(&h->func, PCI_COMMAND, PCI_COMMAND_MASTER);
}

struct vmp_pci_func *vmp_pci_host_func(struct vmp_pci_host *h) { return &h->func; }

uint32_t vmp_pci_host_config_address(const struct vmp_pci_host *h)
{
    return h->config_address;
}

static uint32_t cf8_mask(const struct vmp_pci_host *h)
{
    return CF8_MASK | (h->cf8_extended ? CF8_EXT_MASK : 0);
}

/* Config-space address of CONFIG_DATA byte `byte` (0..3), or -1 when the
 * enable bit is clear. */
static int64_t data_addr(const struct vmp_pci_host *h, unsigned byte)
{
    uint32_t a = h->config_address;
    if (!(a & CF8_ENABLE))
        return -1;
    uint32_t reg = (a & 0xFC) | ((a >> 24) & 0xF) << 8; /* ext bits are 0 unless enabled */
    return (int64_t)(((a & 0x00FFFF00u) << 4) | reg | byte);
}

static uint32_t size_mask(unsigned size)
{
    return size >= 4 ? UINT32_MAX : (1u << (8 * size)) - 1;
}

/* A piece of an access: naturally aligned, 1, 2 or 4 bytes, at most max,
 * so it lies wholly in CONFIG_ADDRESS (offsets 0..3) or CONFIG_DATA (4..7)
 * and the pass-through device only sees sizes it takes. */
static unsigned piece(unsigned off, unsigned left, unsigned max)
{
    unsigned p = 4;
    while (p > 1 && (p > left || p > max || off % p))
        p >>= 1;
    return p;
}

static unsigned pt_max(const struct vmp_pci_host *h)
{
    return h->pt_ops && h->pt_ops->max_size ? h->pt_ops->max_size : 8;
}

/* §3.2.2.3.2: anything but a full dword access at CONFIG_ADDRESS is an
 * ordinary I/O cycle (the pass-through device, if any). With the enable
 * bit clear, CONFIG_DATA starts no configuration cycle. */
static uint32_t part_read(struct vmp_pci_host *h, unsigned off, unsigned size)
{
    if (off < 4) {
        if (h->pt_ops && h->pt_ops->read)
            return (uint32_t)h->pt_ops->read(h->pt_dev, off, size) & size_mask(size);
        return size_mask(size);
    }
    int64_t a = data_addr(h, off - 4);
    if (a < 0)
        return size_mask(size);
    return (uint32_t)vmp_space_read(h->cfg, (uint64_t)a, size);
}

static void part_write(struct vmp_pci_host *h, unsigned off, uint32_t v, unsigned size)
{
    if (off < 4) {
        if (h->pt_ops && h->pt_ops->write)
            h->pt_ops->write(h->pt_dev, off, v, size);
        return;
    }
    int64_t a = data_addr(h, off - 4);
    if (a >= 0)
        vmp_space_write(h->cfg, (uint64_t)a, v, size);
}

static uint64_t host_io_read(void *dev, uint64_t offset, unsigned size)
{
    struct vmp_pci_host *h = dev;
    unsigned off = (unsigned)offset;
    if (off == 0 && size == 4)
        return h->config_address;
    uint64_t v = 0;
    for (unsigned done = 0; done < size;) {
        unsigned a = off + done, p = piece(a, size - done, a < 4 ? pt_max(h) : 4);
        v |= (uint64_t)part_read(h, a, p) << (8 * done);
        done += p;
    }
    return v;
}

static void host_io_write(void *dev, uint64_t offset, uint64_t value, unsigned size)
{
    struct vmp_pci_host *h = dev;
    unsigned off = (unsigned)offset;
    if (off == 0 && size == 4) {
        h->config_address = (uint32_t)value & cf8_mask(h);
        return;
    }
    for (unsigned done = 0; done < size;) {
        unsigned a = off + done, p = piece(a, size - done, a < 4 ? pt_max(h) : 4);
        part_write(h, a, (uint32_t)(value >> (8 * done)) & size_mask(p), p);
        done += p;
    }
}

const struct vmp_io_ops vmp_pci_host_io_ops = {
    .read = host_io_read, .write = host_io_write, .max_size = 4,
};

int vmp_pci_host_attach_io(struct vmp_pci_host *h, struct vmp_space *pio, uint64_t base)
{
    return vmp_space_map(pio, base, 8, &vmp_pci_host_io_ops, h);
}

/* PCIe §7.2.2: the MMIO offset is the configuration address itself. */
static uint64_t ecam_read(void *dev, uint64_t offset, unsigned size)
{
    struct vmp_pci_host *h = dev;
    return vmp_space_read(h->cfg, offset, size);
}

static void ecam_write(void *dev, uint64_t offset, uint64_t value, unsigned size)
{
    struct vmp_pci_host *h = dev;
    vmp_space_write(h->cfg, offset, value, size);
}

const struct vmp_io_ops vmp_pci_host_ecam_ops = {
    .read = ecam_read, .write = ecam_write, .max_size = 4,
};

int vmp_pci_host_attach_ecam(struct vmp_pci_host *h, struct vmp_space *mmio, uint64_t base,
                             uint64_t size)
{
    if (!size || (size & 0xFFFFF) || size > VMP_PCI_ECAM_SIZE)
        return -EINVAL;
    return vmp_space_map(mmio, base, size, &vmp_pci_host_ecam_ops, h);
}

int vmp_pci_host_save(const struct vmp_pci_host *h, struct vmp_state_writer *w)
{
    vmp_state_begin(w, HOST_TAG, HOST_VERSION);
    vmp_state_put_u32(w, h->config_address);
    vmp_pci_func_save(&h->func, w);
    vmp_state_end(w);
    return vmp_state_writer_error(w);
}

int vmp_pci_host_load(struct vmp_pci_host *h, struct vmp_state_reader *r)
{
    uint32_t version;
    struct vmp_pci_func_staged *s = NULL;
    int err = vmp_state_open(r, HOST_TAG, HOST_VERSION, &version);
    if (err)
        return err;
    uint32_t ca = vmp_state_get_u32(r);
    if (ca & ~cf8_mask(h))
        vmp_state_fail(r, -EINVAL);
    if (vmp_state_reader_status(r) == 0)
        vmp_pci_func_load_begin(&h->func, r, &s); /* an error sticks in r */
    err = vmp_state_close(r);
    if (err == 0 && !s)
        err = -EBADMSG;
    if (err) {
        vmp_pci_func_load_abort(s);
        return err;
    }
    h->config_address = ca;
    vmp_pci_func_load_commit(&h->func, s);
    return 0;
}

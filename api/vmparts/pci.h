/* PCI: the host bridge (configuration mechanism #1 and ECAM) and the
 * helpers a PCI device model embeds (type-0 header, BARs, INTx,
 * capability list, MSI, MSI-X).
 *
 * Configuration space is a struct vmp_space of its own in ECAM layout:
 * address = bus << 20 | dev << 15 | fn << 12 | reg, last address
 * 0x0FFFFFFF. Each function maps its 4 KiB there; absent functions read
 * as all ones because the space answers unmapped reads that way.
 *
 * A device model embeds a struct vmp_pci_func, fills it with
 * vmp_pci_func_init / vmp_pci_bar_init / vmp_pci_msi_init / ...,
 * attaches it to the configuration space at bus/dev/fn, and from then on
 * the helper answers every configuration access: write masks, RW1C
 * status bits, BAR sizing, mapping BARs into the port and MMIO spaces when
 * the command register enables decode, INTx with the Interrupt Disable
 * and Interrupt Status bits, MSI and MSI-X masking with pending bits.
 * Register offsets are libpci's <pci/header.h> names (PCI_COMMAND, ...);
 * see docs/pci.md. */
#ifndef VMPARTS_PCI_H
#define VMPARTS_PCI_H

#include <vmparts/bus.h>
#include <vmparts/irqline.h>
#include <vmparts/state.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMP_PCI_CFG_SIZE 4096u      /* PCIe extended configuration space */
#define VMP_PCI_CFG_LAST 0x0FFFFFFFu /* last address of the config space */
#define VMP_PCI_ECAM_SIZE (256u << 20) /* buses 0-255 */

/* Config-space (ECAM) address of a function. */
static inline uint32_t vmp_pci_addr(unsigned bus, unsigned dev, unsigned fn)
{
    return (uint32_t)(bus & 0xFF) << 20 | (uint32_t)(dev & 0x1F) << 15 |
           (uint32_t)(fn & 7) << 12;
}

/* ------------------------------------------------------------------ */
/* Type-0 function helper                                              */

#define VMP_PCI_NUM_BARS 6
#define VMP_PCI_ROM_BAR 6 /* index of the expansion ROM in bar[] */

enum vmp_pci_bar_kind {
    VMP_PCI_BAR_UNUSED = 0,
    VMP_PCI_BAR_IO,       /* I/O space, 4..256 bytes (PCI 3.0 §6.2.5.1) */
    VMP_PCI_BAR_MEM32,    /* 32-bit memory space, >= 16 bytes */
    VMP_PCI_BAR_MEM64,    /* 64-bit memory space; uses the next BAR too */
    VMP_PCI_BAR_ROM,      /* expansion ROM (only at VMP_PCI_ROM_BAR) */
    VMP_PCI_BAR_MEM64_HI, /* upper half of a 64-bit BAR (internal) */
};

struct vmp_pci_bar {
    enum vmp_pci_bar_kind kind;
    bool prefetch;
    uint64_t size; /* power of two */
    const struct vmp_io_ops *ops;
    void *dev;
    bool mapped;   /* currently mapped in its space at addr */
    uint64_t addr;
};

struct vmp_pci_func;

/* Hooks for device-specific registers; any may be NULL. */
struct vmp_pci_func_hooks {
    /* Before a configuration read of [reg, reg+size): refresh live bytes
     * with vmp_pci_set_*. */
    void (*cfg_read)(struct vmp_pci_func *f, unsigned reg, unsigned size);
    /* After a configuration write was applied through the masks (and the
     * helper handled command, BARs, MSI, MSI-X). */
    void (*cfg_write)(struct vmp_pci_func *f, unsigned reg, uint32_t value,
                      unsigned size);
};

struct vmp_pci_id {
    uint16_t vendor, device;
    uint16_t subsys_vendor, subsys;
    uint8_t revision;
    uint32_t class_code; /* class << 16 | subclass << 8 | prog-if */
    bool multifunction;  /* header type bit 7 (set it on function 0) */
    uint8_t int_pin;     /* 0 = none, 1..4 = INTA#..INTD# */
};

/* Embedded in a device model; treat the members as private and use the
 * functions below. 12 KiB of configuration storage and masks. */
struct vmp_pci_func {
    uint8_t cfg[VMP_PCI_CFG_SIZE];
    uint8_t wmask[VMP_PCI_CFG_SIZE]; /* bits the guest may write */
    uint8_t w1c[VMP_PCI_CFG_SIZE];   /* bits a guest 1 clears */
    struct vmp_pci_bar bar[VMP_PCI_NUM_BARS + 1];
    struct vmp_space *cfg_space, *pio, *mmio;
    uint32_t cfg_addr;
    bool attached;
    struct vmp_irq *intx;
    bool intx_level;  /* the device's own INTx request */
    bool intx_out;    /* what we drive on the wire */
    struct vmp_msi_sink msi_sink;
    uint16_t cap_last; /* last capability (0 = none) */
    uint16_t cap_free; /* next free offset for a capability */
    uint16_t ext_last; /* last extended capability (0 = none) */
    uint16_t ext_free; /* next free offset for one (from 0x100) */
    struct {
        uint8_t cap;   /* 0 = no power management capability */
        bool d1, d2;
    } pm;
    struct {
        uint8_t cap;   /* 0 = no MSI */
        uint8_t nvec;  /* vectors requested (1, 2, 4, ... 32) */
        bool is64, maskable;
    } msi;
    struct {
        uint8_t cap;   /* 0 = no MSI-X */
        uint16_t nvec;
        uint8_t table_bar, pba_bar;
        uint32_t table_off, pba_off;
        uint8_t *table;  /* nvec * 16 bytes */
        uint64_t *pba;   /* (nvec + 63) / 64 words */
    } msix;
    const struct vmp_pci_func_hooks *hooks;
    void *opaque; /* for the device model */
    const struct vmp_log *log;
    struct vmp_ratelimit rl;
    char name[24];
};

/* Set up the header: IDs, class, header type 0, interrupt pin, default
 * masks (command: I/O, memory, bus master, SERR, parity, INTx disable;
 * status: RW1C error bits; cache line, latency, interrupt line). env->log
 * is used for guest-triggered warnings; name prefixes them. */
void vmp_pci_func_init(struct vmp_pci_func *f, const struct vmp_env *env,
                       const char *name, const struct vmp_pci_id *id);
/* Frees what the helpers allocated (the MSI-X table). Touches no space:
 * call vmp_pci_func_detach first if the spaces outlive the function. */
void vmp_pci_func_fini(struct vmp_pci_func *f);
void vmp_pci_func_set_hooks(struct vmp_pci_func *f,
                            const struct vmp_pci_func_hooks *hooks, void *opaque);
/* INTx output (NULL = unconnected) and the MSI/MSI-X message sink. */
void vmp_pci_func_set_intx(struct vmp_pci_func *f, struct vmp_irq *intx);
void vmp_pci_func_set_msi_sink(struct vmp_pci_func *f, const struct vmp_msi_sink *sink);

/* Map the function's 4 KiB at bus/dev/fn in cfg; BARs will be mapped in
 * pio / mmio (either may be NULL: BARs of that kind then never map).
 * -EBUSY if attached, else vmp_space_map's errors. */
int vmp_pci_func_attach(struct vmp_pci_func *f, struct vmp_space *cfg,
                        unsigned bus, unsigned dev, unsigned fn,
                        struct vmp_space *pio, struct vmp_space *mmio);
void vmp_pci_func_detach(struct vmp_pci_func *f);

/* Power-on reset: every guest-writable and RW1C bit to 0 (so decode off,
 * MSI/MSI-X disabled, power state D0), BARs unmapped, INTx deasserted,
 * MSI pending bits and the MSI-X table cleared (vectors masked). A device
 * with other defaults sets them after calling this. */
void vmp_pci_func_reset(struct vmp_pci_func *f);

/* Configuration accesses with guest semantics (what the config space
 * region does): reg + size <= 4096, size 1, 2 or 4; others read all ones
 * and drop writes. */
uint32_t vmp_pci_cfg_read(struct vmp_pci_func *f, unsigned reg, unsigned size);
void vmp_pci_cfg_write(struct vmp_pci_func *f, unsigned reg, uint32_t value,
                       unsigned size);
extern const struct vmp_io_ops vmp_pci_func_cfg_ops; /* dev = the func */

/* Raw access for the device model (no masks, no side effects). Out of
 * range offsets read 0 and are ignored. */
uint8_t vmp_pci_get8(const struct vmp_pci_func *f, unsigned reg);
uint16_t vmp_pci_get16(const struct vmp_pci_func *f, unsigned reg);
uint32_t vmp_pci_get32(const struct vmp_pci_func *f, unsigned reg);
void vmp_pci_set8(struct vmp_pci_func *f, unsigned reg, uint8_t v);
void vmp_pci_set16(struct vmp_pci_func *f, unsigned reg, uint16_t v);
void vmp_pci_set32(struct vmp_pci_func *f, unsigned reg, uint32_t v);
/* Which bits of [reg, reg+size) the guest may write, or clear with a 1. */
void vmp_pci_set_wmask(struct vmp_pci_func *f, unsigned reg, uint32_t mask, unsigned size);
void vmp_pci_set_w1c(struct vmp_pci_func *f, unsigned reg, uint32_t mask, unsigned size);

/* BARs (PCI 3.0 §6.2.5.1). bar 0..5 for I/O, MEM32 and MEM64 (MEM64 takes
 * bar and bar+1); VMP_PCI_ROM_BAR with VMP_PCI_BAR_ROM for the expansion
 * ROM (>= 2 KiB). size is a power of two: I/O 4..256, memory >= 16 (MEM32
 * at most 2 GiB). prefetch only for memory BARs. ops/dev answer accesses
 * while the BAR is mapped; offsets are relative to the BAR. -EINVAL for
 * bad arguments, -EBUSY if the slot is taken or the function attached. */
int vmp_pci_bar_init(struct vmp_pci_func *f, unsigned bar, enum vmp_pci_bar_kind kind,
                     uint64_t size, bool prefetch, const struct vmp_io_ops *ops,
                     void *dev);
/* The address the guest programmed (whether or not decode is on). */
uint64_t vmp_pci_bar_addr(const struct vmp_pci_func *f, unsigned bar);
/* True when the BAR is mapped in its space now. */
bool vmp_pci_bar_mapped(const struct vmp_pci_func *f, unsigned bar);

/* INTx (PCI 3.0 §6.2.2, §6.2.3): the device's interrupt request. Sets
 * the Interrupt Status bit; the pin is asserted only while Interrupt
 * Disable is clear and neither MSI nor MSI-X is enabled. */
void vmp_pci_intx_set(struct vmp_pci_func *f, bool level);

/* ------------------------------------------------------------------ */
/* Capability list (PCI 3.0 §6.7)                                      */

/* Add a capability of len bytes (>= 2) with the given ID: placed
 * dword-aligned after the previous one (from 0x40), linked at the end of
 * the list, Capabilities List status bit set. Returns the offset, or
 * -ENOSPC if it does not fit below 0x100, -EINVAL for a bad len. */
int vmp_pci_cap_add(struct vmp_pci_func *f, uint8_t id, unsigned len);
/* Offset of the first capability with this ID after `after` (0 = from
 * the start), or -ENOENT. */
int vmp_pci_cap_find(const struct vmp_pci_func *f, uint8_t id, unsigned after);

/* Walking a list from an untrusted source (another function's config
 * space, a guest-written image): read8(opaque, reg) returns one byte.
 * Pointers are masked to dwords, must be >= 0x40, and the walk stops after
 * 48 entries (the most that fit), so loops and garbage end. Returns the
 * offset of the first capability with this ID, or -ENOENT; -ELOOP if the
 * list did not end within the bound. */
typedef uint8_t (*vmp_pci_read8_fn)(void *opaque, unsigned reg);
int vmp_pci_cap_walk(vmp_pci_read8_fn read8, void *opaque, uint8_t id);
/* The same through a configuration space, for the function at addr. */
int vmp_pci_cap_find_space(struct vmp_space *cfg, uint32_t addr, uint8_t id);

/* PCIe extended capabilities (PCIe base spec 4.0 §7.6) in 0x100-0xFFF:
 * header dword ID 15:0, version 19:16, next 31:20. The first is at 0x100.
 * add returns the offset, -ENOSPC or -EINVAL (len < 4). */
int vmp_pci_ext_cap_add(struct vmp_pci_func *f, uint16_t id, uint8_t version, unsigned len);
int vmp_pci_ext_cap_find(const struct vmp_pci_func *f, uint16_t id, unsigned after);
/* Untrusted lists: pointers below 0x100 end the walk, bits 1:0 are
 * ignored, at most 960 entries (the most that fit); -ELOOP beyond. */
typedef uint32_t (*vmp_pci_read32_fn)(void *opaque, unsigned reg);
int vmp_pci_ext_cap_walk(vmp_pci_read32_fn read32, void *opaque, uint16_t id);
int vmp_pci_ext_cap_find_space(struct vmp_space *cfg, uint32_t addr, uint16_t id);

/* ------------------------------------------------------------------ */
/* Power management (PCI Bus Power Management Interface 1.2)           */

/* Add a PM capability (version 3, no PME): D0 and D3hot, plus D1/D2 if
 * asked. Writes of an unsupported state are dropped (PCI PM 1.2 §3.2.4,
 * PMCSR PowerState). Outside D0 the function answers configuration
 * accesses only (PCI PM 1.2 ch. 5, function power states):
 * its BARs are unmapped until it is back in D0. No_Soft_Reset is set: the
 * helper keeps the configuration across D3hot -> D0; a device that does
 * reset itself there does so in its cfg_write hook. Returns the offset. */
int vmp_pci_pm_init(struct vmp_pci_func *f, bool d1, bool d2);
/* Current power state 0..3 (D0..D3hot); 0 without the capability. */
unsigned vmp_pci_pm_state(const struct vmp_pci_func *f);

/* ------------------------------------------------------------------ */
/* MSI (PCI 3.0 §6.8.1)                                                */

/* Add an MSI capability: nvec vectors requested (1, 2, 4, 8, 16, 32),
 * 64-bit address or not, per-vector masking or not. Returns the capability
 * offset or a negative error (-EBUSY if already present). */
int vmp_pci_msi_init(struct vmp_pci_func *f, unsigned nvec, bool is64, bool maskable);
bool vmp_pci_msi_enabled(const struct vmp_pci_func *f);
/* Vectors allocated by software (Multiple Message Enable). */
unsigned vmp_pci_msi_vectors(const struct vmp_pci_func *f);

/* Results of vmp_pci_msi_notify / vmp_pci_msix_notify. */
#define VMP_PCI_MSG_SENT 1
#define VMP_PCI_MSG_PENDING 0 /* masked: pending bit set */

/* Signal vector: sent, or held pending while masked. A vector at or
 * beyond the allocated count is signalled as vector % allocated.
 * -ENODEV if MSI is absent or disabled, or MSI-X is enabled. */
int vmp_pci_msi_notify(struct vmp_pci_func *f, unsigned vector);

/* ------------------------------------------------------------------ */
/* MSI-X (PCIe base spec 4.0 §7.7.2, PCI 3.0 §6.8.2)                   */

/* Add an MSI-X capability with nvec (1..2048) vectors, its table at
 * table_off in BAR table_bar and its PBA at pba_off in BAR pba_bar. The
 * BARs must be memory BARs set up before; offsets 8-byte aligned, table
 * and PBA inside their BARs and not overlapping. The device answers the
 * BAR with vmp_pci_msix_bar_ops (dev = f) when the BAR holds only MSI-X
 * structures, or calls vmp_pci_msix_mmio_read/write first from its own
 * BAR callbacks. Returns the capability offset or a negative error. */
int vmp_pci_msix_init(struct vmp_pci_func *f, unsigned nvec, unsigned table_bar,
                      uint32_t table_off, unsigned pba_bar, uint32_t pba_off);
bool vmp_pci_msix_enabled(const struct vmp_pci_func *f);
/* Signal vector: sent, or pending while the function or the vector is
 * masked. -EINVAL for a vector >= nvec, -ENODEV if MSI-X is disabled. */
int vmp_pci_msix_notify(struct vmp_pci_func *f, unsigned vector);
/* True if [off, off+size) of BAR bar is the table or the PBA (then the
 * access was handled); false otherwise. */
bool vmp_pci_msix_mmio_read(struct vmp_pci_func *f, unsigned bar, uint64_t off,
                            unsigned size, uint64_t *value);
bool vmp_pci_msix_mmio_write(struct vmp_pci_func *f, unsigned bar, uint64_t off,
                             uint64_t value, unsigned size);
/* For a BAR holding both table and PBA (table_bar == pba_bar); other
 * offsets read 0. dev = the func. */
extern const struct vmp_io_ops vmp_pci_msix_bar_ops;

/* ------------------------------------------------------------------ */
/* Save / load of a function (configuration, INTx, MSI, MSI-X)          */

/* Section "pcifn". Load checks that IDs and layout match this function,
 * takes only guest-writable bits from the state, validates MSI and MSI-X
 * fields, then commits and re-maps BARs and re-drives INTx. A device that
 * saves more state of its own uses load_begin/commit so the whole load
 * stays all-or-nothing. */
int vmp_pci_func_save(const struct vmp_pci_func *f, struct vmp_state_writer *w);
int vmp_pci_func_load(struct vmp_pci_func *f, struct vmp_state_reader *r);
struct vmp_pci_func_staged;
int vmp_pci_func_load_begin(struct vmp_pci_func *f, struct vmp_state_reader *r,
                            struct vmp_pci_func_staged **staged);
void vmp_pci_func_load_commit(struct vmp_pci_func *f, struct vmp_pci_func_staged *s);
void vmp_pci_func_load_abort(struct vmp_pci_func_staged *s);

/* ------------------------------------------------------------------ */
/* Host bridge                                                         */

struct vmp_pci_host_config {
    uint16_t vendor, device; /* of 00:00.0; 0 = Intel 8086:29c0 */
    /* Configuration mechanism #1 extended register bits: CONFIG_ADDRESS
     * bits 27:24 give register bits 11:8 (as AMD chipsets do). Off by
     * default: those bits then read as 0 and reach only the first 256
     * bytes, as on Intel chipsets. */
    bool cf8_extended;
    /* Non-dword accesses to 0xCF8-0xCFB are not the address register
     * (PCI 3.0 §3.2.2.3.2): they go to these ops (offset 0..3 from
     * 0xCF8), e.g. the reset control register at 0xCF9. NULL: reads all
     * ones, writes dropped. */
    const struct vmp_io_ops *cf8_passthrough;
    void *cf8_passthrough_dev;
};

struct vmp_pci_host;

/* A host bridge on the configuration space cfg; its own function 00:00.0
 * (host bridge class 06/00) is attached there. config may be NULL. */
struct vmp_pci_host *vmp_pci_host_create(const struct vmp_env *env, struct vmp_space *cfg,
                                         const struct vmp_pci_host_config *config);
/* Touches no space (its regions stay mapped): destroy the spaces, or stop
 * using them, along with the host. */
void vmp_pci_host_destroy(struct vmp_pci_host *h);
void vmp_pci_host_reset(struct vmp_pci_host *h);
struct vmp_pci_func *vmp_pci_host_func(struct vmp_pci_host *h);

/* Configuration mechanism #1: 8 ports, normally at 0xCF8 (CONFIG_ADDRESS
 * 0xCF8-0xCFB, CONFIG_DATA 0xCFC-0xCFF). dev = the host. */
extern const struct vmp_io_ops vmp_pci_host_io_ops;
int vmp_pci_host_attach_io(struct vmp_pci_host *h, struct vmp_space *pio, uint64_t base);
/* ECAM (PCIe base spec §7.2.2): size bytes from base cover buses
 * 0..size/1MiB-1; size a multiple of 1 MiB up to 256 MiB. dev = the host. */
extern const struct vmp_io_ops vmp_pci_host_ecam_ops;
int vmp_pci_host_attach_ecam(struct vmp_pci_host *h, struct vmp_space *mmio,
                             uint64_t base, uint64_t size);
/* CONFIG_ADDRESS as the guest last wrote it (masked to implemented bits). */
uint32_t vmp_pci_host_config_address(const struct vmp_pci_host *h);

int vmp_pci_host_save(const struct vmp_pci_host *h, struct vmp_state_writer *w);
int vmp_pci_host_load(struct vmp_pci_host *h, struct vmp_state_reader *r);

#ifdef __cplusplus
}
#endif
#endif

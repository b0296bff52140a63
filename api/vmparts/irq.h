/* Interrupt controllers: the 8259A PIC pair with ELCR, the IOAPIC, the
 * local APICs (xAPIC and x2APIC) with the "APIC bus" that routes messages
 * between them, and MSI decoding.
 *
 * Wiring of a PC (see tests/unit/test_irq_smp.c for a complete board):
 *
 *   ISA IRQ lines ──┬──> vmp_pic_set_irq (pins 0-15)
 *                   └──> vmp_ioapic_set_irq (pins 0-23, IRQ0 on pin 2)
 *   PIC INTR (vmp_irq) ──> line ──┬──> vmp_apic_bus_set_lint (pin 0: LINT0
 *                                 │    of every LAPIC, virtual-wire mode)
 *                                 └──> vmp_ioapic_set_irq (pin 0, ExtINT)
 *   IOAPIC and PCI MSI ──> vmp_apic_bus_msi_sink() ──> LAPICs by destination
 *   LAPIC EOI of a level vector ──> bus ──> vmp_ioapic_eoi (Remote IRR)
 *   ExtINT acknowledge ──> bus ──> vmp_pic_ack (vector from the PIC)
 *
 * The library has no locks: the embedder serialises every call into these
 * objects (one lock around the interrupt complex is enough). Callbacks
 * (kick, INIT, SIPI, ExtINT acknowledge) run inside those calls and must
 * not call back into the same LAPIC except through the documented
 * backend functions of another LAPIC. */
#ifndef VMPARTS_IRQ_H
#define VMPARTS_IRQ_H

#include <vmparts/common.h>
#include <vmparts/bus.h>
#include <vmparts/irqline.h>
#include <vmparts/state.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------
 * 8259A programmable interrupt controller pair (master 0x20, slave 0xA0,
 * slave cascaded on master IR2) with the ELCR at 0x4D0/0x4D1.
 * --------------------------------------------------------------------- */

struct vmp_pic;

/* intr: the master's INT output (NULL = unconnected; an embedder without
 * LAPICs can also poll vmp_pic_intr()). env->log is optional. */
struct vmp_pic *vmp_pic_create(const struct vmp_env *env, struct vmp_irq *intr);
/* A PIC given to vmp_apic_bus_set_extint must be destroyed after the
 * LAPICs on that bus, or detached first (see there). */
void vmp_pic_destroy(struct vmp_pic *pic);
/* Power-on state: both chips uninitialised, all edge, ELCR 0. */
void vmp_pic_reset(struct vmp_pic *pic);

/* IRQ-line sink: pin 0-7 master, 8-15 slave; a level, as on the wire. */
void vmp_pic_set_irq(void *pic, unsigned pin, bool level);

/* The INTA cycle: the vector for the highest-priority request, with the
 * ISR updated (or the spurious IR7/IR15 vector when nothing is left). */
uint8_t vmp_pic_ack(struct vmp_pic *pic);
/* Level of the master's INT output. */
bool vmp_pic_intr(const struct vmp_pic *pic);
/* int (*)(void *) wrapper of vmp_pic_ack for vmp_apic_bus_set_extint. */
int vmp_pic_extint_ack(void *pic);

/* Port callbacks: dev = the pic; offsets 0-1 of each region. */
extern const struct vmp_io_ops vmp_pic_master_io_ops; /* 0x20, 2 ports */
extern const struct vmp_io_ops vmp_pic_slave_io_ops;  /* 0xA0, 2 ports */
extern const struct vmp_io_ops vmp_pic_elcr_io_ops;   /* 0x4D0, 2 ports */
/* Maps all three at their standard ports. */
int vmp_pic_attach(struct vmp_pic *pic, struct vmp_space *pio);

int vmp_pic_save(const struct vmp_pic *pic, struct vmp_state_writer *w);
int vmp_pic_load(struct vmp_pic *pic, struct vmp_state_reader *r);

/* ---------------------------------------------------------------------
 * APIC messages and the APIC bus.
 * --------------------------------------------------------------------- */

/* Delivery modes (ICR, LVT, IOAPIC RTE and MSI data bits 10:8). */
enum vmp_apic_dm {
    VMP_APIC_DM_FIXED = 0,
    VMP_APIC_DM_LOWPRI = 1,
    VMP_APIC_DM_SMI = 2,
    VMP_APIC_DM_NMI = 4,
    VMP_APIC_DM_INIT = 5,
    VMP_APIC_DM_STARTUP = 6,
    VMP_APIC_DM_EXTINT = 7,
};

enum vmp_apic_shorthand {
    VMP_APIC_SH_NONE = 0,
    VMP_APIC_SH_SELF = 1,
    VMP_APIC_SH_ALL = 2,
    VMP_APIC_SH_OTHERS = 3,
};

/* One interrupt message on the APIC bus. */
struct vmp_apic_msg {
    uint32_t dest;     /* APIC ID or logical destination */
    uint8_t vector;
    uint8_t mode;      /* enum vmp_apic_dm */
    bool logical;      /* destination mode */
    bool level;        /* trigger mode: level */
    bool assert;       /* level: assert (false = de-assert, ignored) */
    bool x2;           /* 32-bit destination (x2APIC ICR); else 8-bit */
    bool lowpri;       /* arbitrate among the destinations (RH, LOWPRI) */
    uint8_t shorthand; /* enum vmp_apic_shorthand, relative to src */
};

struct vmp_apic_bus;
struct vmp_lapic;

#define VMP_APIC_BUS_MAX_CPUS 256
#define VMP_APIC_BUS_MAX_EOI 8

struct vmp_apic_bus *vmp_apic_bus_create(const struct vmp_env *env);
/* LAPICs must be destroyed before their bus. */
void vmp_apic_bus_destroy(struct vmp_apic_bus *bus);
/* Deliver a message; src is the sending LAPIC for shorthands (may be NULL
 * for IOAPIC/MSI messages, which never use shorthands). */
void vmp_apic_bus_deliver(struct vmp_apic_bus *bus, const struct vmp_apic_msg *msg,
                          struct vmp_lapic *src);
/* MSI sink for PCI devices and the IOAPIC (SDM vol. 3A §11.11). */
struct vmp_msi_sink vmp_apic_bus_msi_sink(struct vmp_apic_bus *bus);
/* Decode an MSI address/data pair into a message; -EINVAL if the address
 * is not in the 0xFEExxxxx window or the delivery mode is reserved. */
int vmp_msi_decode(uint64_t addr, uint32_t data, struct vmp_apic_msg *msg);
/* EOI broadcast listeners (IOAPICs): fn(opaque, vector). -ENOSPC beyond
 * VMP_APIC_BUS_MAX_EOI. */
int vmp_apic_bus_add_eoi_listener(struct vmp_apic_bus *bus,
                                  void (*fn)(void *opaque, uint8_t vector),
                                  void *opaque);
/* Removes every listener registered with this opaque. */
void vmp_apic_bus_remove_eoi_listener(struct vmp_apic_bus *bus, void *opaque);
/* The ExtINT source (the PIC): ack returns the vector of an INTA cycle.
 * The bus keeps ack and opaque (no copy, no reference count) and calls
 * them from vmp_lapic_ack() of any of its LAPICs that accepted an ExtINT
 * (LINT0 in virtual-wire mode, or an IOAPIC entry with delivery mode
 * ExtINT). So opaque must stay alive while a LAPIC on the bus can still
 * be acknowledged: destroy the LAPICs before the PIC, or detach the PIC
 * first with vmp_apic_bus_set_extint(bus, NULL, NULL), after which an
 * ExtINT acknowledge returns -ENOENT. The order of the PIC and the bus
 * themselves does not matter once the LAPICs are gone. */
void vmp_apic_bus_set_extint(struct vmp_apic_bus *bus, int (*ack)(void *opaque),
                             void *opaque);
/* IRQ-line sink for the LINT pins of every LAPIC on the bus (pin 0 =
 * LINT0, pin 1 = LINT1), as on a board where they are wired in common. */
void vmp_apic_bus_set_lint(void *bus, unsigned pin, bool level);

/* ---------------------------------------------------------------------
 * Local APIC (SDM vol. 3A chapter 11). One per vCPU.
 * --------------------------------------------------------------------- */

#define VMP_LAPIC_BASE_DEFAULT 0xFEE00000ull
#define VMP_LAPIC_TIMER_HZ_DEFAULT 1000000000ull /* 1 GHz bus clock */
#define VMP_TSC_HZ_DEFAULT 2000000000ull
#define VMP_LAPIC_MIN_PERIOD_NS_DEFAULT 100000ull /* 100 us */

/* MSRs the LAPIC owns (vmp_lapic_msr_read/write). */
#define VMP_MSR_APIC_BASE 0x1B
#define VMP_MSR_TSC_DEADLINE 0x6E0
#define VMP_MSR_X2APIC_FIRST 0x800
#define VMP_MSR_X2APIC_LAST 0x8FF

/* IA32_APIC_BASE bits. */
#define VMP_APIC_BASE_BSP (1ull << 8)
#define VMP_APIC_BASE_EXTD (1ull << 10)
#define VMP_APIC_BASE_EN (1ull << 11)

struct vmp_lapic_cfg {
    uint32_t apic_id;    /* initial APIC ID (x2APIC ID); < 255 for xAPIC */
    bool bsp;            /* BSP flag in IA32_APIC_BASE; APs start waiting for SIPI */
    bool x2apic;         /* x2APIC supported (CPUID.1:ECX[21]): EXTD may be set */
    bool virtual_wire;   /* at reset: software-enabled, LINT0 ExtINT, LINT1 NMI
                          * (what firmware sets up, for embedders without one) */
    uint64_t timer_hz;   /* timer input clock before the divider; 0 = default */
    uint64_t tsc_hz;     /* TSC frequency for TSC-deadline; 0 = default */
    /* Shortest periodic-timer period actually re-armed (a guest asking for
     * a 1 ns period would otherwise own the host); 0 = default. The
     * current-count register still follows the programmed period. */
    uint64_t min_period_ns;
    /* The guest's TSC now; NULL = ticks of tsc_hz since virtual time 0. */
    uint64_t (*read_tsc)(void *opaque);
    /* Something became deliverable (interrupt, NMI, INIT, SIPI): wake the
     * vCPU thread. May be NULL. */
    void (*kick)(void *opaque);
    void *opaque;        /* for read_tsc and kick */
};

/* env->clock is required (timer); env->log is optional. The LAPIC joins
 * the bus (-ENOSPC/-EEXIST if full or the ID is taken give NULL). */
struct vmp_lapic *vmp_lapic_create(const struct vmp_env *env, struct vmp_apic_bus *bus,
                                   const struct vmp_lapic_cfg *cfg);
void vmp_lapic_destroy(struct vmp_lapic *lapic);
/* Power-on/RESET state (APIC base MSR back to 0xFEE00000 | EN | BSP). */
void vmp_lapic_reset(struct vmp_lapic *lapic);

/* xAPIC registers. dev = the LAPIC, offset 0-0xFFF within its page. The
 * LAPIC page is per vCPU: route the vCPU's accesses that fall in
 * [vmp_lapic_mmio_base(), +4K) here (a single-CPU embedder may map it in
 * its MMIO space instead). */
extern const struct vmp_io_ops vmp_lapic_io_ops;
/* The page's base, or UINT64_MAX when the APIC is disabled or in x2APIC
 * mode (the page is then not decoded). */
uint64_t vmp_lapic_mmio_base(const struct vmp_lapic *lapic);

/* IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC MSRs. 0, or -EINVAL
 * when the access must raise #GP (also for MSRs the LAPIC does not own,
 * with *value untouched: check vmp_lapic_owns_msr first). */
bool vmp_lapic_owns_msr(uint32_t msr);
int vmp_lapic_msr_read(struct vmp_lapic *lapic, uint32_t msr, uint64_t *value);
int vmp_lapic_msr_write(struct vmp_lapic *lapic, uint32_t msr, uint64_t value);

/* IRQ-line sink for this LAPIC's LINT pins (pin 0 or 1). */
void vmp_lapic_set_lint(void *lapic, unsigned pin, bool level);

/* --- the vCPU backend's side --- */

/* Is a maskable interrupt deliverable now? rflags IF must be set; the
 * LAPIC applies its own TPR/PPR (keep it in sync with CR8 through
 * vmp_lapic_set_cr8). Includes ExtINT from the PIC. */
bool vmp_lapic_has_interrupt(const struct vmp_lapic *lapic, uint64_t rflags);
/* Acknowledge: the vector to inject (IRR to ISR, or the PIC's vector for
 * ExtINT), the spurious vector if nothing is deliverable any more, or
 * -ENOENT when the APIC is disabled and no PIC interrupt is pending. */
int vmp_lapic_ack(struct vmp_lapic *lapic);
/* Pending NMI/INIT/SIPI, taken (cleared) by the call. take_sipi returns
 * the start-up vector or -ENOENT. After take_init the vCPU must be reset
 * to the INIT state (the LAPIC already is); an AP then waits for a SIPI
 * (take INIT before SIPI: both may be pending), the BSP runs from the
 * reset vector. */
bool vmp_lapic_take_nmi(struct vmp_lapic *lapic);
bool vmp_lapic_take_init(struct vmp_lapic *lapic);
int vmp_lapic_take_sipi(struct vmp_lapic *lapic);
/* Anything at all pending (wakes a halted vCPU when IF allows). */
bool vmp_lapic_wants_wakeup(const struct vmp_lapic *lapic, uint64_t rflags);

/* The guest's TSC jumped (IA32_TSC written, TSC offset changed): re-arm an
 * armed TSC deadline against the new TSC (it is kept as a TSC value but
 * timed in virtual ns). */
void vmp_lapic_tsc_changed(struct vmp_lapic *lapic);

/* CR8 is TPR[7:4] (SDM §11.8.6). */
void vmp_lapic_set_cr8(struct vmp_lapic *lapic, uint8_t cr8);
uint8_t vmp_lapic_get_cr8(const struct vmp_lapic *lapic);

/* Introspection (tests, debuggers). */
uint32_t vmp_lapic_id(const struct vmp_lapic *lapic);
uint64_t vmp_lapic_apic_base(const struct vmp_lapic *lapic);
bool vmp_lapic_irr_test(const struct vmp_lapic *lapic, uint8_t vector);
bool vmp_lapic_isr_test(const struct vmp_lapic *lapic, uint8_t vector);
bool vmp_lapic_tmr_test(const struct vmp_lapic *lapic, uint8_t vector);
/* Arbitration priority (APR, SDM §11.6.2.4 / §11.8.3.1). */
uint8_t vmp_lapic_apr(const struct vmp_lapic *lapic);
uint8_t vmp_lapic_ppr(const struct vmp_lapic *lapic);

int vmp_lapic_save(const struct vmp_lapic *lapic, struct vmp_state_writer *w);
int vmp_lapic_load(struct vmp_lapic *lapic, struct vmp_state_reader *r);

/* ---------------------------------------------------------------------
 * I/O APIC (82093AA), 24 pins, messages out through an MSI sink.
 * --------------------------------------------------------------------- */

#define VMP_IOAPIC_BASE_DEFAULT 0xFEC00000ull
#define VMP_IOAPIC_PINS 24

struct vmp_ioapic;

struct vmp_ioapic_cfg {
    uint8_t id;      /* initial IOAPIC ID (bits 27:24 of register 0) */
    uint8_t version; /* 0x11 (82093AA, no EOI register) or 0x20 (EOI
                      * register at 0x40); 0 = 0x20 */
};

/* out: where interrupt messages go (normally vmp_apic_bus_msi_sink); the
 * struct is copied. Register vmp_ioapic_eoi as an EOI listener of the bus
 * (vmp_ioapic_create_on_bus does both, and its destroy leaves the bus; with
 * plain create, remove the listener before destroying). */
struct vmp_ioapic *vmp_ioapic_create(const struct vmp_env *env,
                                     const struct vmp_msi_sink *out,
                                     const struct vmp_ioapic_cfg *cfg);
struct vmp_ioapic *vmp_ioapic_create_on_bus(const struct vmp_env *env,
                                            struct vmp_apic_bus *bus,
                                            const struct vmp_ioapic_cfg *cfg);
/* Also leaves the bus it was created on (destroy it before the bus). */
void vmp_ioapic_destroy(struct vmp_ioapic *ioapic);
void vmp_ioapic_reset(struct vmp_ioapic *ioapic);
/* IRQ-line sink, pin 0-23. Levels are logical (asserted = true); the
 * polarity bit is kept for the guest, the board's wiring models the
 * electrical sense. */
void vmp_ioapic_set_irq(void *ioapic, unsigned pin, bool level);
/* An EOI for vector from a LAPIC: clears Remote IRR of matching level
 * entries and re-delivers a line still asserted. */
void vmp_ioapic_eoi(void *ioapic, uint8_t vector);

extern const struct vmp_io_ops vmp_ioapic_io_ops; /* dev = the ioapic, 4K */
int vmp_ioapic_attach(struct vmp_ioapic *ioapic, struct vmp_space *mmio, uint64_t base);

int vmp_ioapic_save(const struct vmp_ioapic *ioapic, struct vmp_state_writer *w);
int vmp_ioapic_load(struct vmp_ioapic *ioapic, struct vmp_state_reader *r);

#ifdef __cplusplus
}
#endif
#endif

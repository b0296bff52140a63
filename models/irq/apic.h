/* Internal interface between the APIC bus and the local APICs. */
#ifndef VMP_MODELS_IRQ_APIC_H
#define VMP_MODELS_IRQ_APIC_H

#include <vmparts/irq.h>

struct eoi_listener {
    void (*fn)(void *opaque, uint8_t vector);
    void *opaque;
};

struct vmp_apic_bus {
    const struct vmp_log *log;
    struct vmp_ratelimit rl;
    struct vmp_lapic *cpu[VMP_APIC_BUS_MAX_CPUS];
    unsigned ncpu;
    unsigned rr; /* where the next lowest-priority tie-break starts */
    struct eoi_listener eoi[VMP_APIC_BUS_MAX_EOI];
    unsigned neoi;
    int (*extint_ack)(void *opaque);
    void *extint_opaque;
    bool lint[2];
};

int apic_bus_join(struct vmp_apic_bus *bus, struct vmp_lapic *l, uint32_t id);
void apic_bus_leave(struct vmp_apic_bus *bus, struct vmp_lapic *l);
void apic_bus_eoi(struct vmp_apic_bus *bus, uint8_t vector);
int apic_bus_extint_ack(struct vmp_apic_bus *bus);

/* Does the LAPIC accept a message for this destination (SDM §11.6.2)? */
bool lapic_match(const struct vmp_lapic *l, uint32_t dest, bool logical, bool x2);
/* Can it take part in lowest-priority arbitration (enabled, accepting)? */
bool lapic_accepts_fixed(const struct vmp_lapic *l);
/* Take a message (mode already resolved: LOWPRI arrives as FIXED). */
void lapic_accept(struct vmp_lapic *l, const struct vmp_apic_msg *m);

#endif

/* The APIC bus: routes interrupt messages from IOAPICs, MSI writes and
 * IPIs to local APICs by destination (SDM vol. 3A §11.6.2: physical,
 * logical flat and cluster; §11.12.10: x2APIC logical), arbitrates
 * lowest-priority delivery (§11.6.2.4) and broadcasts EOIs of
 * level-triggered vectors to the IOAPICs (§11.8.5). */
#include <stdlib.h>

#include "apic.h"

struct vmp_apic_bus *vmp_apic_bus_create(const struct vmp_env *env)
{
    struct vmp_apic_bus *b = calloc(1, sizeof *b);
    if (b)
        b->log = env ? env->log : NULL;
    return b;
}

void vmp_apic_bus_destroy(struct vmp_apic_bus *b) { free(b); }

int apic_bus_join(struct vmp_apic_bus *b, struct vmp_lapic *l, uint32_t id)
{
    if (b->ncpu == VMP_APIC_BUS_MAX_CPUS)
        return -ENOSPC;
    for (unsigned i = 0; i < b->ncpu; i++)
        if (vmp_lapic_id(b->cpu[i]) == id)
            return -EEXIST;
    b->cpu[b->ncpu++] = l;
    return 0;
}

void apic_bus_leave(struct vmp_apic_bus *b, struct vmp_lapic *l)
{
    for (unsigned i = 0; i < b->ncpu; i++) {
        if (b->cpu[i] == l) {
            b->cpu[i] = b->cpu[--b->ncpu];
            b->rr = 0;
            return;
        }
    }
}

int vmp_apic_bus_add_eoi_listener(struct vmp_apic_bus *b,
                                  void (*fn)(void *opaque, uint8_t vector), void *opaque)
{
    if (!b || !fn)
        return -EINVAL;
    if (b->neoi == VMP_APIC_BUS_MAX_EOI)
        return -ENOSPC;
    b->eoi[b->neoi++] = (struct eoi_listener){ fn, opaque };
    return 0;
}

void vmp_apic_bus_remove_eoi_listener(struct vmp_apic_bus *b, void *opaque)
{
    unsigned j = 0;
    for (unsigned i = 0; i < b->neoi; i++)
        if (b->eoi[i].opaque != opaque)
            b->eoi[j++] = b->eoi[i];
    b->neoi = j;
}

void apic_bus_eoi(struct vmp_apic_bus *b, uint8_t vector)
{
    for (unsigned i = 0; i < b->neoi; i++)
        b->eoi[i].fn(b->eoi[i].opaque, vector);
}

void vmp_apic_bus_set_extint(struct vmp_apic_bus *b, int (*ack)(void *opaque), void *opaque)
{
    b->extint_ack = ack;
    b->extint_opaque = opaque;
}

int apic_bus_extint_ack(struct vmp_apic_bus *b)
{
    if (!b->extint_ack)
        return -ENOENT;
    return b->extint_ack(b->extint_opaque);
}

void vmp_apic_bus_set_lint(void *opaque, unsigned pin, bool level)
{
    struct vmp_apic_bus *b = opaque;
    if (pin > 1)
        return;
    b->lint[pin] = level;
    for (unsigned i = 0; i < b->ncpu; i++)
        vmp_lapic_set_lint(b->cpu[i], pin, level);
}

static bool selected(const struct vmp_apic_msg *m, const struct vmp_lapic *l,
                     const struct vmp_lapic *src)
{
    switch (m->shorthand) {
    case VMP_APIC_SH_SELF: return l == src;
    case VMP_APIC_SH_ALL: return true;
    case VMP_APIC_SH_OTHERS: return l != src;
    default: return lapic_match(l, m->dest, m->logical, m->x2);
    }
}

void vmp_apic_bus_deliver(struct vmp_apic_bus *b, const struct vmp_apic_msg *m,
                          struct vmp_lapic *src)
{
    /* A level de-assert carries no interrupt; the INIT level de-assert
     * IPI is a no-op since the Pentium 4 (§11.6.1). */
    if (m->level && !m->assert)
        return;
    if ((m->shorthand == VMP_APIC_SH_SELF || m->shorthand == VMP_APIC_SH_OTHERS) && !src)
        return;
    bool fixedish = m->mode == VMP_APIC_DM_FIXED || m->mode == VMP_APIC_DM_LOWPRI;
    struct vmp_apic_msg msg = *m;
    if (fixedish && (m->lowpri || m->mode == VMP_APIC_DM_LOWPRI)) {
        /* Lowest priority: the accepting LAPIC with the lowest
         * arbitration priority wins; ties rotate (§11.6.2.4). */
        msg.mode = VMP_APIC_DM_FIXED;
        struct vmp_lapic *best = NULL;
        unsigned best_apr = 256, best_i = 0;
        unsigned start = b->rr < b->ncpu ? b->rr : 0;
        for (unsigned k = 0; k < b->ncpu; k++) {
            unsigned i = start + k < b->ncpu ? start + k : start + k - b->ncpu;
            struct vmp_lapic *l = b->cpu[i];
            if (!selected(m, l, src) || !lapic_accepts_fixed(l))
                continue;
            unsigned apr = vmp_lapic_apr(l);
            if (apr < best_apr) {
                best = l;
                best_apr = apr;
                best_i = i;
            }
        }
        if (best) {
            b->rr = best_i + 1 < b->ncpu ? best_i + 1 : 0;
            lapic_accept(best, &msg);
        }
        return;
    }
    for (unsigned i = 0; i < b->ncpu; i++)
        if (selected(m, b->cpu[i], src))
            lapic_accept(b->cpu[i], &msg);
}

/* MSI address and data (SDM vol. 3A §11.11.1, §11.11.2). */
int vmp_msi_decode(uint64_t addr, uint32_t data, struct vmp_apic_msg *m)
{
    if ((addr >> 20) != 0xFEE)
        return -EINVAL;
    unsigned mode = data >> 8 & 7;
    if (mode == 3 || mode == 6)
        return -EINVAL; /* reserved */
    bool rh = addr >> 3 & 1, dm = addr >> 2 & 1;
    *m = (struct vmp_apic_msg){
        .dest = (uint32_t)(addr >> 12 & 0xFF),
        .vector = (uint8_t)data,
        .mode = (uint8_t)mode,
        .logical = dm,
        .level = data >> 15 & 1,
        /* Edge messages always assert; level ones say which. */
        .assert = !(data >> 15 & 1) || (data >> 14 & 1),
        /* RH=1 with DM=1 redirects among the logical group; RH=1 with
         * DM=0 names one processor. */
        .lowpri = mode == VMP_APIC_DM_LOWPRI || (rh && dm),
    };
    return 0;
}

static void msi_send(void *opaque, uint64_t addr, uint32_t data)
{
    struct vmp_apic_bus *b = opaque;
    struct vmp_apic_msg m;
    if (vmp_msi_decode(addr, data, &m)) {
        vmp_logf_limited(b->log, &b->rl, VMP_LOG_WARN,
                         "apic bus: dropped MSI addr %#llx data %#x",
                         (unsigned long long)addr, data);
        return;
    }
    vmp_apic_bus_deliver(b, &m, NULL);
}

struct vmp_msi_sink vmp_apic_bus_msi_sink(struct vmp_apic_bus *b)
{
    return (struct vmp_msi_sink){ msi_send, b };
}

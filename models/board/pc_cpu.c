/* The reference board's per-vCPU side: one LAPIC per vCPU, its page and
 * MSRs dispatched by the vCPU that accesses them (SDM vol. 3A §11.4.1: each
 * logical processor sees its own APIC at the APIC base), and the backend
 * calls of irq.h ("the vCPU backend's side"). */
#include "pc_internal.h"

#include <string.h>

#define LAPIC_PAGE 0x1000u

static struct vmp_lapic *lapic_of(const struct vmp_pc *pc, unsigned cpu)
{
    return cpu < pc->cfg.ncpus ? pc->cpu[cpu].lapic : NULL;
}

static uint64_t lapic_read_tsc(void *opaque)
{
    struct vmp_pc_cpu *c = opaque;
    return c->pc->cfg.hooks.read_tsc(c->pc->cfg.hooks.opaque, c->index);
}

static void lapic_kick(void *opaque)
{
    struct vmp_pc_cpu *c = opaque;
    if (c->pc->cfg.hooks.kick)
        c->pc->cfg.hooks.kick(c->pc->cfg.hooks.opaque, c->index);
}

int vmp_pc_create_cpus(struct vmp_pc *pc, uint64_t tsc_hz)
{
    if (pc->cpus_created)
        return -EEXIST;
    for (unsigned i = 0; i < pc->cfg.ncpus; i++) {
        struct vmp_pc_cpu *c = &pc->cpu[i];
        struct vmp_lapic_cfg lc = {
            .apic_id = i,
            .bsp = i == 0,
            .x2apic = true,
            /* Embedders booting a kernel directly have no firmware: start
             * in the state a BIOS leaves (LINT0 ExtINT, LINT1 NMI,
             * software-enabled). */
            .virtual_wire = true,
            .tsc_hz = tsc_hz,
            .read_tsc = pc->cfg.hooks.read_tsc ? lapic_read_tsc : NULL,
            .kick = lapic_kick,
            .opaque = c,
        };
        c->lapic = vmp_lapic_create(&pc->env, pc->apic_bus, &lc);
        if (!c->lapic) {
            for (unsigned j = 0; j < i; j++) {
                vmp_lapic_destroy(pc->cpu[j].lapic);
                pc->cpu[j].lapic = NULL;
            }
            return -ENOMEM;
        }
    }
    pc->cpus_created = true;
    return 0;
}

struct vmp_lapic *vmp_pc_lapic(struct vmp_pc *pc, unsigned cpu) { return lapic_of(pc, cpu); }

bool vmp_pc_has_interrupt(const struct vmp_pc *pc, unsigned cpu, uint64_t rflags)
{
    struct vmp_lapic *l = lapic_of(pc, cpu);
    return l && vmp_lapic_has_interrupt(l, rflags);
}

int vmp_pc_ack(struct vmp_pc *pc, unsigned cpu)
{
    struct vmp_lapic *l = lapic_of(pc, cpu);
    return l ? vmp_lapic_ack(l) : -ENOENT;
}

bool vmp_pc_wants_wakeup(const struct vmp_pc *pc, unsigned cpu, uint64_t rflags)
{
    struct vmp_lapic *l = lapic_of(pc, cpu);
    return l && vmp_lapic_wants_wakeup(l, rflags);
}

bool vmp_pc_take_nmi(struct vmp_pc *pc, unsigned cpu)
{
    struct vmp_lapic *l = lapic_of(pc, cpu);
    return l && vmp_lapic_take_nmi(l);
}

bool vmp_pc_take_init(struct vmp_pc *pc, unsigned cpu)
{
    struct vmp_lapic *l = lapic_of(pc, cpu);
    return l && vmp_lapic_take_init(l);
}

int vmp_pc_take_sipi(struct vmp_pc *pc, unsigned cpu)
{
    struct vmp_lapic *l = lapic_of(pc, cpu);
    return l ? vmp_lapic_take_sipi(l) : -ENOENT;
}

void vmp_pc_set_cr8(struct vmp_pc *pc, unsigned cpu, uint8_t cr8)
{
    struct vmp_lapic *l = lapic_of(pc, cpu);
    if (l)
        vmp_lapic_set_cr8(l, cr8);
}

uint8_t vmp_pc_get_cr8(const struct vmp_pc *pc, unsigned cpu)
{
    struct vmp_lapic *l = lapic_of(pc, cpu);
    return l ? vmp_lapic_get_cr8(l) : 0;
}

/* Accesses by vCPU cpu inside its LAPIC's page go to that LAPIC, in
 * naturally sized pieces of at most its max_size. */
static bool lapic_mmio(struct vmp_pc *pc, unsigned cpu, uint64_t addr, uint8_t *data,
                       unsigned len, bool write)
{
    struct vmp_lapic *l = lapic_of(pc, cpu);
    uint64_t base = l ? vmp_lapic_mmio_base(l) : UINT64_MAX;
    if (base == UINT64_MAX || addr < base || addr - base >= LAPIC_PAGE)
        return false;
    uint64_t off = addr - base;
    unsigned max = vmp_lapic_io_ops.max_size ? vmp_lapic_io_ops.max_size : 8;
    if (off + len > LAPIC_PAGE)
        len = (unsigned)(LAPIC_PAGE - off);
    for (unsigned done = 0; done < len;) {
        unsigned n = len - done < max ? len - done : max;
        while (n & (n - 1))
            n &= n - 1; /* a power of two */
        uint64_t v = 0;
        if (write) {
            memcpy(&v, data + done, n);
            vmp_lapic_io_ops.write(l, off + done, v, n);
        } else {
            v = vmp_lapic_io_ops.read(l, off + done, n);
            memcpy(data + done, &v, n);
        }
        done += n;
    }
    return true;
}

void vmp_pc_mmio(struct vmp_pc *pc, unsigned cpu, uint64_t addr, uint8_t *data,
                 unsigned len, bool write)
{
    if (len > 8)
        len = 8;
    if (len == 0 || lapic_mmio(pc, cpu, addr, data, len, write))
        return;
    /* A backend gives 1, 2, 4 or 8 bytes; anything else goes bytewise. */
    bool natural = len == 1 || len == 2 || len == 4 || len == 8;
    uint64_t v = 0;
    if (write) {
        memcpy(&v, data, len);
        if (natural) {
            vmp_space_write(pc->mmio, addr, v, len);
        } else {
            for (unsigned i = 0; i < len; i++)
                vmp_space_write(pc->mmio, addr + i, (v >> (8 * i)) & 0xFF, 1);
        }
    } else {
        if (natural) {
            v = vmp_space_read(pc->mmio, addr, len);
        } else {
            for (unsigned i = 0; i < len; i++)
                v |= (vmp_space_read(pc->mmio, addr + i, 1) & 0xFF) << (8 * i);
        }
        memcpy(data, &v, len);
    }
}

int vmp_pc_msr(struct vmp_pc *pc, unsigned cpu, uint32_t msr, uint64_t *value, bool write)
{
    struct vmp_lapic *l = lapic_of(pc, cpu);
    if (!l || !vmp_lapic_owns_msr(msr))
        return -EINVAL;
    int r = write ? vmp_lapic_msr_write(l, msr, *value) : vmp_lapic_msr_read(l, msr, value);
    return r < 0 ? -EINVAL : 0;
}

/* A small APIC board shared by the LAPIC, IOAPIC and SMP tests: a manual
 * clock, an APIC bus, n LAPICs (IDs 0..n-1 unless given) and kick counters. */
#ifndef TEST_IRQ_BOARD_H
#define TEST_IRQ_BOARD_H

#include "helpers.h"

#include <vmparts/irq.h>

#define TB_MAX 8
#define TB_IF (1u << 9)

struct tb {
    struct vmp_clock *clock;
    struct vmp_env env;
    struct vmp_apic_bus *bus;
    struct vmp_lapic *cpu[TB_MAX];
    unsigned n;
    unsigned kicks[TB_MAX];
    unsigned idx[TB_MAX];
    struct tb *self[TB_MAX];
};

static inline void tb_kick(void *opaque)
{
    unsigned *k = opaque;
    (*k)++;
}

static inline void tb_init(struct tb *b, unsigned n, bool x2apic, const uint32_t *ids)
{
    memset(b, 0, sizeof *b);
    b->clock = vmp_clock_create(NULL, NULL);
    b->env.clock = b->clock;
    b->bus = vmp_apic_bus_create(&b->env);
    b->n = n;
    for (unsigned i = 0; i < n; i++) {
        struct vmp_lapic_cfg cfg = {
            .apic_id = ids ? ids[i] : i,
            .bsp = i == 0,
            .x2apic = x2apic,
            .min_period_ns = 1, /* exact periods for the timer tests */
            .kick = tb_kick,
            .opaque = &b->kicks[i],
        };
        b->cpu[i] = vmp_lapic_create(&b->env, b->bus, &cfg);
        ck_assert_ptr_nonnull(b->cpu[i]);
    }
}

static inline void tb_free(struct tb *b)
{
    for (unsigned i = 0; i < b->n; i++)
        vmp_lapic_destroy(b->cpu[i]);
    vmp_apic_bus_destroy(b->bus);
    vmp_clock_destroy(b->clock);
}

static inline uint32_t tb_rd(struct tb *b, unsigned cpu, unsigned off)
{
    return (uint32_t)vmp_lapic_io_ops.read(b->cpu[cpu], off, 4);
}
static inline void tb_wr(struct tb *b, unsigned cpu, unsigned off, uint32_t v)
{
    vmp_lapic_io_ops.write(b->cpu[cpu], off, v, 4);
}
/* Software-enable every LAPIC (SVR bit 8, spurious vector 0xFF). */
static inline void tb_enable(struct tb *b)
{
    for (unsigned i = 0; i < b->n; i++)
        tb_wr(b, i, 0xF0, 0x1FF);
}
static inline void tb_ipi(struct tb *b, unsigned cpu, uint8_t dest, uint32_t lo)
{
    tb_wr(b, cpu, 0x310, (uint32_t)dest << 24);
    tb_wr(b, cpu, 0x300, lo);
}

#endif

/* Interrupt controller costs: ns from raising an IOAPIC pin to the vector
 * pending in the target LAPIC's IRR (the line, the IOAPIC, the MSI
 * decode, the APIC bus routing and the LAPIC's acceptance), and the
 * LAPIC's EOI (with and without the broadcast to the IOAPIC for a level
 * vector). Board: one IOAPIC, the PIC, and 4 LAPICs on the bus. */
#include <stdio.h>
#include <stdlib.h>

#include <vmparts/vmparts.h>

#include "common/bench.h"

#define NCPU 4

struct ctx {
    struct vmp_clock *clock;
    struct vmp_apic_bus *bus;
    struct vmp_lapic *cpu[NCPU];
    struct vmp_ioapic *io;
    struct vmp_irq_line *line[VMP_IOAPIC_PINS];
    struct vmp_irq *src[VMP_IOAPIC_PINS];
};

static void rte(struct ctx *c, unsigned pin, uint32_t lo, uint8_t dest)
{
    vmp_ioapic_io_ops.write(c->io, 0, 0x11 + 2 * pin, 4);
    vmp_ioapic_io_ops.write(c->io, 0x10, (uint32_t)dest << 24, 4);
    vmp_ioapic_io_ops.write(c->io, 0, 0x10 + 2 * pin, 4);
    vmp_ioapic_io_ops.write(c->io, 0x10, lo, 4);
}

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "bench_irq: %s\n", what);
        exit(1);
    }
}

/* Edge pin raise (and fall) -> vector pending; the IRR bit is already set
 * after the first one, which is the same acceptance work. */
static void edge_raise(void *o, uint64_t n)
{
    struct ctx *c = o;
    for (uint64_t i = 0; i < n; i++) {
        vmp_irq_set(c->src[4], true);
        vmp_irq_set(c->src[4], false);
    }
    check(vmp_lapic_irr_test(c->cpu[2], 0x41), "edge vector not pending");
}

/* The same with lowest-priority arbitration over 4 LAPICs. */
static void lowpri_raise(void *o, uint64_t n)
{
    struct ctx *c = o;
    for (uint64_t i = 0; i < n; i++) {
        vmp_irq_set(c->src[5], true);
        vmp_irq_set(c->src[5], false);
    }
}

/* Raise, acknowledge and EOI a edge vector: the full cycle. */
static void edge_cycle(void *o, uint64_t n)
{
    struct ctx *c = o;
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        vmp_irq_set(c->src[4], true);
        vmp_irq_set(c->src[4], false);
        acc += (uint64_t)vmp_lapic_ack(c->cpu[2]);
        vmp_lapic_io_ops.write(c->cpu[2], 0xB0, 0, 4);
    }
    bench_sink(acc);
}

/* Level: raise, ack, device lowers the line, EOI broadcast clears the
 * IOAPIC's Remote IRR. */
static void level_cycle(void *o, uint64_t n)
{
    struct ctx *c = o;
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        vmp_irq_set(c->src[16], true);
        acc += (uint64_t)vmp_lapic_ack(c->cpu[1]);
        vmp_irq_set(c->src[16], false);
        vmp_lapic_io_ops.write(c->cpu[1], 0xB0, 0, 4);
    }
    check(!vmp_lapic_irr_test(c->cpu[1], 0x61), "level vector left pending");
    bench_sink(acc);
}

/* EOI alone. The ISR can hold one vector per priority class (a higher
 * class preempts, §11.8.3.1), so each batch delivers and acknowledges one
 * vector in each of classes 2-15 in rising order (untimed), then times
 * the 14 EOIs. level = the vectors arrive as level MSIs, so each EOI also
 * broadcasts to the IOAPIC (which scans its 24 entries). The median batch
 * is kept, less the cost of reading the clock. */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

#define CLASSES 14

static double eoi_ns(struct ctx *c, bool level, unsigned batches)
{
    struct vmp_msi_sink msi = vmp_apic_bus_msi_sink(c->bus);
    struct vmp_lapic *l = c->cpu[3];
    uint64_t *t = calloc(batches, sizeof *t), *z = calloc(batches, sizeof *z);
    check(t && z, "calloc");
    for (unsigned b = 0; b < batches; b++) {
        for (unsigned k = 0; k < CLASSES; k++) {
            uint32_t v = 0x25 + 0x10 * k;
            vmp_msi_send(&msi, 0xFEE03000, v | (level ? 0xC000u : 0));
            check(vmp_lapic_ack(l) == (int)v, "ack");
        }
        uint64_t t0 = bench_now_ns();
        for (unsigned k = 0; k < CLASSES; k++)
            vmp_lapic_io_ops.write(l, 0xB0, 0, 4);
        uint64_t t1 = bench_now_ns();
        z[b] = bench_now_ns() - t1;
        t[b] = t1 - t0;
        check(!vmp_lapic_isr_test(l, 0x25), "ISR left set");
    }
    qsort(t, batches, sizeof *t, cmp_u64);
    qsort(z, batches, sizeof *z, cmp_u64);
    double ns = ((double)t[batches / 2] - (double)z[batches / 2]) / CLASSES;
    free(t);
    free(z);
    return ns;
}

static unsigned eoi_count;
static void count_eoi(void *opaque, uint8_t vector)
{
    (void)opaque;
    (void)vector;
    eoi_count++;
}

int main(void)
{
    struct ctx c;
    c.clock = vmp_clock_create(NULL, NULL);
    struct vmp_env env = { .clock = c.clock };
    c.bus = vmp_apic_bus_create(&env);
    for (unsigned i = 0; i < NCPU; i++) {
        struct vmp_lapic_cfg cfg = { .apic_id = i, .bsp = i == 0 };
        c.cpu[i] = vmp_lapic_create(&env, c.bus, &cfg);
        check(c.cpu[i] != NULL, "lapic");
        vmp_lapic_io_ops.write(c.cpu[i], 0xF0, 0x1FF, 4);
        vmp_lapic_io_ops.write(c.cpu[i], 0xD0, (1u << i) << 24, 4);
    }
    c.io = vmp_ioapic_create_on_bus(&env, c.bus, NULL);
    check(c.io != NULL, "ioapic");
    for (unsigned i = 0; i < VMP_IOAPIC_PINS; i++) {
        c.line[i] = vmp_irq_line_create("gsi");
        vmp_irq_line_add_sink(c.line[i], vmp_ioapic_set_irq, c.io, i);
        c.src[i] = vmp_irq_line_source(c.line[i]);
    }
    rte(&c, 4, 0x0041, 2);        /* edge, fixed, physical -> CPU 2 */
    rte(&c, 5, 0x0951, 0x0F);     /* edge, lowest priority, logical all */
    rte(&c, 16, 0x8061, 1);       /* level, fixed -> CPU 1 */

    const uint64_t iters = 200000;
    bench_report("ioapic edge pin raise to IRR pending (physical)",
                 bench_median_ns(edge_raise, &c, iters, 7), "ns");
    bench_report("ioapic edge pin raise to IRR pending (lowest priority, 4 CPUs)",
                 bench_median_ns(lowpri_raise, &c, iters, 7), "ns");
    /* Drain what the raise benchmarks left pending. */
    for (unsigned i = 0; i < NCPU; i++)
        while (vmp_lapic_has_interrupt(c.cpu[i], 1u << 9)) {
            vmp_lapic_ack(c.cpu[i]);
            vmp_lapic_io_ops.write(c.cpu[i], 0xB0, 0, 4);
        }
    (void)eoi_ns(&c, false, 2000); /* warm up */
    bench_report("lapic EOI (edge vector)", eoi_ns(&c, false, 20000), "ns");
    check(vmp_apic_bus_add_eoi_listener(c.bus, count_eoi, NULL) == 0, "listener");
    bench_report("lapic EOI (level vector, broadcast to the IOAPIC)",
                 eoi_ns(&c, true, 20000), "ns");
    check(eoi_count == 20000 * CLASSES, "every level EOI broadcast");
    bench_report("edge raise + ack + EOI, whole cycle",
                 bench_median_ns(edge_cycle, &c, iters, 7), "ns");
    bench_report("level raise + ack + lower + EOI, whole cycle",
                 bench_median_ns(level_cycle, &c, iters, 7), "ns");

    for (unsigned i = 0; i < VMP_IOAPIC_PINS; i++)
        vmp_irq_line_destroy(c.line[i]);
    vmp_ioapic_destroy(c.io);
    for (unsigned i = 0; i < NCPU; i++)
        vmp_lapic_destroy(c.cpu[i]);
    vmp_apic_bus_destroy(c.bus);
    vmp_clock_destroy(c.clock);
    return 0;
}

/* Bus dispatch and timer costs: median ns per port read, MMIO write and
 * PCI configuration read through a vmp_space, and per timer arm + fire.
 * The spaces are populated like the reference board (about 30 port
 * regions, a dozen MMIO regions) so lookups are realistic. */
#include <vmparts/vmparts.h>

#include "common/bench.h"

static uint64_t dummy_read(void *dev, uint64_t off, unsigned size)
{
    (void)size;
    return (uintptr_t)dev + off;
}
static void dummy_write(void *dev, uint64_t off, uint64_t v, unsigned size)
{
    (void)dev;
    (void)size;
    bench_sink(off ^ v);
}
static const struct vmp_io_ops ops = { dummy_read, dummy_write, 8 };

/* The reference board's port map (DESIGN.md). */
static const struct { uint64_t base, len; } ports[] = {
    { 0x20, 2 }, { 0x40, 4 }, { 0x60, 1 }, { 0x61, 1 }, { 0x64, 1 }, { 0x70, 2 },
    { 0x80, 1 }, { 0x92, 1 }, { 0xA0, 2 }, { 0xE0, 12 }, { 0xF4, 1 }, { 0x170, 8 },
    { 0x1CE, 2 }, { 0x1F0, 8 }, { 0x2F8, 8 }, { 0x376, 1 }, { 0x3C0, 32 },
    { 0x3F6, 1 }, { 0x3F8, 8 }, { 0x4D0, 2 }, { 0x600, 64 }, { 0xCF8, 4 },
    { 0xCFC, 4 }, { 0xCF9, 1 }, { 0x2000, 24 }, { 0xC000, 0x100 }, { 0xC100, 0x40 },
};

struct ctx {
    struct vmp_space *pio, *mmio, *cfg;
    struct vmp_clock *clock;
    struct vmp_timer *timer;
};

static void port_reads(void *o, uint64_t n)
{
    struct ctx *c = o;
    uint64_t acc = 0;
    /* Alternate two devices so the one-entry cache does not hide lookup. */
    for (uint64_t i = 0; i < n; i++)
        acc += vmp_space_read(c->pio, (i & 1) ? 0x3FD : 0x608, 1);
    bench_sink(acc);
}

static void port_reads_same(void *o, uint64_t n)
{
    struct ctx *c = o;
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += vmp_space_read(c->pio, 0x3FD, 1);
    bench_sink(acc);
}

static void mmio_writes(void *o, uint64_t n)
{
    struct ctx *c = o;
    for (uint64_t i = 0; i < n; i++)
        vmp_space_write(c->mmio, (i & 1) ? 0xFEE000B0 : 0xFEC00040, i, 4);
}

static void cfg_reads(void *o, uint64_t n)
{
    struct ctx *c = o;
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += vmp_space_read(c->cfg, ((i & 7) << 15) | 0x10, 4);
    bench_sink(acc);
}

static unsigned fired;
static void on_fire(void *o)
{
    (void)o;
    fired++;
}

static void timer_arm_fire(void *o, uint64_t n)
{
    struct ctx *c = o;
    for (uint64_t i = 0; i < n; i++) {
        vmp_timer_arm_in(c->timer, 10);
        vmp_clock_advance(c->clock, 10);
    }
}

int main(void)
{
    struct ctx c;
    static char devs[64];
    c.pio = vmp_space_create("pio", 0xFFFF);
    c.mmio = vmp_space_create("mmio", UINT64_MAX);
    c.cfg = vmp_space_create("pcicfg", 0x0FFFFFFF);
    for (unsigned i = 0; i < sizeof ports / sizeof ports[0]; i++)
        vmp_space_map(c.pio, ports[i].base, ports[i].len, &ops, &devs[i]);
    const uint64_t mmio[] = { 0xA0000, 0xC0000, 0xB0000000, 0xC0000000, 0xC0001000,
                              0xC0002000, 0xFEC00000, 0xFED00000, 0xFEE00000,
                              0xFFFF0000 };
    for (unsigned i = 0; i < sizeof mmio / sizeof mmio[0]; i++)
        vmp_space_map(c.mmio, mmio[i], 0x1000, &ops, &devs[i]);
    for (unsigned d = 0; d < 8; d++)
        vmp_space_map(c.cfg, (uint64_t)d << 15, 0x1000, &ops, &devs[d]);
    c.clock = vmp_clock_create(NULL, NULL);
    c.timer = vmp_timer_create(c.clock, on_fire, NULL);
    /* Other armed timers, as on a board with PIT, RTC, HPET, LAPICs. */
    struct vmp_timer *others[16];
    for (unsigned i = 0; i < 16; i++) {
        others[i] = vmp_timer_create(c.clock, on_fire, NULL);
        vmp_timer_arm(others[i], UINT64_MAX - i);
    }

    const uint64_t N = 2000000;
    bench_report("bus: port read, two devices alternating", bench_median_ns(port_reads, &c, N, 15), "ns");
    bench_report("bus: port read, same device (cache hit)", bench_median_ns(port_reads_same, &c, N, 15), "ns");
    bench_report("bus: MMIO write (IOAPIC/LAPIC alternating)", bench_median_ns(mmio_writes, &c, N, 15), "ns");
    bench_report("bus: PCI config read (8 functions)", bench_median_ns(cfg_reads, &c, N, 15), "ns");
    bench_report("clock: timer arm + fire (17 timers armed)", bench_median_ns(timer_arm_fire, &c, N / 4, 15), "ns");
    bench_sink(fired);

    vmp_clock_destroy(c.clock);
    vmp_space_destroy(c.pio);
    vmp_space_destroy(c.mmio);
    vmp_space_destroy(c.cfg);
    return 0;
}

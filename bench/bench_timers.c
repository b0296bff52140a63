/* Cost of one guest read of each timer's counter through the bus: PIT
 * (counter latch command + LSB + MSB reads, as a guest reads channel 0),
 * PM timer (one 32-bit IN from 0x608) and HPET main counter (one 64-bit
 * MMIO read). Measured twice: on a manual clock (the model and bus alone)
 * and on a CLOCK_MONOTONIC time source (what a VMM pays, with the host
 * clock read included). Prints the median of several runs in ns. */
#include <stdio.h>
#include <time.h>

#include <vmparts/vmparts.h>

#include "common/bench.h"

#define ITERS 2000000u
#define RUNS 7

struct ctx {
    struct vmp_space *pio, *mmio;
};

static void pit_read(void *o, uint64_t n)
{
    struct ctx *c = o;
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++) {
        vmp_space_write(c->pio, 0x43, 0x00, 1);
        acc += vmp_space_read(c->pio, 0x40, 1);
        acc += vmp_space_read(c->pio, 0x40, 1) << 8;
    }
    bench_sink(acc);
}

static void pm_read(void *o, uint64_t n)
{
    struct ctx *c = o;
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += vmp_space_read(c->pio, VMP_PM_BASE + VMP_PM_TMR_OFF, 4);
    bench_sink(acc);
}

static void hpet_read(void *o, uint64_t n)
{
    struct ctx *c = o;
    uint64_t acc = 0;
    for (uint64_t i = 0; i < n; i++)
        acc += vmp_space_read(c->mmio, VMP_HPET_BASE + 0xF0, 8);
    bench_sink(acc);
}

static uint64_t host_ns(void *opaque)
{
    struct timespec ts;
    (void)opaque;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void run(const char *label, vmp_time_source_fn src)
{
    struct vmp_clock *clock = vmp_clock_create(src, NULL);
    struct ctx c = { vmp_space_create("pio", 0xFFFF), vmp_space_create("mmio", UINT64_MAX) };
    struct vmp_env env = { clock, NULL, NULL };
    struct vmp_pit *pit = vmp_pit_create(&env, NULL);
    struct vmp_pm *pm = vmp_pm_create(&env, NULL, NULL);
    struct vmp_hpet *hpet = vmp_hpet_create(&env, NULL);
    vmp_pit_attach(pit, c.pio, VMP_PIT_PORT);
    vmp_pm_attach(pm, c.pio, VMP_PM_BASE);
    vmp_hpet_attach(hpet, c.mmio, VMP_HPET_BASE);
    /* Channel 0 in mode 2 at ~1 kHz, HPET counting: the usual setup. */
    vmp_space_write(c.pio, 0x43, 0x34, 1);
    vmp_space_write(c.pio, 0x40, 0xA9, 1);
    vmp_space_write(c.pio, 0x40, 0x04, 1);
    vmp_space_write(c.mmio, VMP_HPET_BASE + 0x10, 1, 8);
    char name[96];
    snprintf(name, sizeof name, "pit counter read, latch+2 IN (%s)", label);
    bench_report(name, bench_median_ns(pit_read, &c, ITERS, RUNS), "ns/read");
    snprintf(name, sizeof name, "pm timer read, 32-bit IN (%s)", label);
    bench_report(name, bench_median_ns(pm_read, &c, ITERS, RUNS), "ns/read");
    snprintf(name, sizeof name, "hpet main counter read, 64-bit MMIO (%s)", label);
    bench_report(name, bench_median_ns(hpet_read, &c, ITERS, RUNS), "ns/read");
    vmp_pit_destroy(pit);
    vmp_pm_destroy(pm);
    vmp_hpet_destroy(hpet);
    vmp_space_destroy(c.pio);
    vmp_space_destroy(c.mmio);
    vmp_clock_destroy(clock);
}

int main(void)
{
    run("manual clock", NULL);
    run("CLOCK_MONOTONIC source", host_ns);
    return 0;
}

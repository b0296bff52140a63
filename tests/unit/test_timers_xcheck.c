/* Cross-check of the four PC timers against one virtual clock, the way a
 * Linux guest calibrates them against each other at boot: 10 simulated
 * seconds in 100 us steps; at every step each counter must equal the
 * clock's time scaled to its frequency within one tick of that counter,
 * and at the end each periodic interrupt source must have fired as often
 * as its rate says (within one period). Expected values are computed here
 * in floating point, independently of the models' integer arithmetic. */
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "models/timer/ticks.h"

#define STEP_NS 100000ull
#define RUN_NS (10ull * VMP_NS_PER_SEC)
#define EPOCH 1795557000LL

static struct test_irq_sink pit_sink, rtc_sink, hpet_sink;

START_TEST(agree_for_ten_seconds)
{
    struct vmp_clock *clock = vmp_clock_create(NULL, NULL);
    struct vmp_space *pio = vmp_space_create("pio", 0xFFFF);
    struct vmp_space *mmio = vmp_space_create("mmio", UINT64_MAX);
    struct vmp_irq_line *irq0 = vmp_irq_line_create("irq0");
    struct vmp_irq_line *irq8 = vmp_irq_line_create("irq8");
    struct vmp_irq_line *gsi16 = vmp_irq_line_create("gsi16");
    memset(&pit_sink, 0, sizeof pit_sink);
    memset(&rtc_sink, 0, sizeof rtc_sink);
    memset(&hpet_sink, 0, sizeof hpet_sink);
    vmp_irq_line_add_sink(irq0, test_irq_sink_fn, &pit_sink, 0);
    vmp_irq_line_add_sink(irq8, test_irq_sink_fn, &rtc_sink, 0);
    vmp_irq_line_add_sink(gsi16, test_irq_sink_fn, &hpet_sink, 0);
    struct vmp_env env = { clock, NULL, NULL };

    struct vmp_pit *pit = vmp_pit_create(&env, vmp_irq_line_source(irq0));
    struct vmp_rtc_config rcfg = { .epoch = EPOCH };
    struct vmp_rtc *rtc = vmp_rtc_create(&env, vmp_irq_line_source(irq8), &rcfg);
    struct vmp_hpet_config hcfg = { 0 };
    hcfg.gsi[16] = vmp_irq_line_source(gsi16);
    struct vmp_hpet *hpet = vmp_hpet_create(&env, &hcfg);
    struct vmp_pm_config pcfg = { .tmr_val_ext = true };
    struct vmp_pm *pm = vmp_pm_create(&env, NULL, &pcfg);
    ck_assert_int_eq(vmp_pit_attach(pit, pio, 0x40), 0);
    ck_assert_int_eq(vmp_rtc_attach(rtc, pio, 0x70), 0);
    ck_assert_int_eq(vmp_pm_attach(pm, pio, VMP_PM_BASE), 0);
    ck_assert_int_eq(vmp_hpet_attach(hpet, mmio, VMP_HPET_BASE), 0);

    /* PIT channel 0: mode 2, count 1193 (~1 kHz), loads at tick 1. */
    vmp_space_write(pio, 0x43, 0x34, 1);
    vmp_space_write(pio, 0x40, 1193 & 0xFF, 1);
    vmp_space_write(pio, 0x40, 1193 >> 8, 1);
    pit_sink.rises = 0; /* the mode write raised OUT from its reset level */
    /* RTC: 1024 Hz periodic and update-ended interrupts. */
    vmp_space_write(pio, 0x70, 0x0B, 1);
    vmp_space_write(pio, 0x71, 0x52, 1);
    /* HPET: counter on, timer 0 periodic every 1 ms on GSI 16. */
    vmp_space_write(mmio, VMP_HPET_BASE + 0x100, 16u << 9 | 0x4C, 8);
    vmp_space_write(mmio, VMP_HPET_BASE + 0x108, 100000, 8);
    vmp_space_write(mmio, VMP_HPET_BASE + 0x108, 100000, 8);
    vmp_space_write(mmio, VMP_HPET_BASE + 0x10, 1, 8);

    unsigned rtc_pf = 0, rtc_uf = 0;
    double worst_pit = 0, worst_pm = 0, worst_hpet = 0;
    for (uint64_t t = STEP_NS; t <= RUN_NS; t += STEP_NS) {
        vmp_clock_set(clock, t);
        double secs = (double)t / 1e9;

        vmp_space_write(pio, 0x43, 0x00, 1); /* latch channel 0 */
        unsigned lo = (unsigned)vmp_space_read(pio, 0x40, 1);
        unsigned cnt = lo | (unsigned)vmp_space_read(pio, 0x40, 1) << 8;
        double pit_ticks = secs * VMP_PIT_HZ - 1; /* since the load */
        double want = 1193 - fmod(floor(pit_ticks), 1193);
        double d = fabs(cnt - want);
        if (d > 1193 / 2)
            d = 1193 - d; /* across a reload */
        worst_pit = fmax(worst_pit, d);

        uint32_t pmv = (uint32_t)vmp_space_read(pio, VMP_PM_BASE + VMP_PM_TMR_OFF, 4);
        worst_pm = fmax(worst_pm, fabs(pmv - secs * VMP_PM_TMR_HZ));

        uint64_t hv = vmp_space_read(mmio, VMP_HPET_BASE + 0xF0, 8);
        worst_hpet = fmax(worst_hpet, fabs((double)hv - secs * VMP_HPET_HZ));

        if (rtc_sink.level) {
            vmp_space_write(pio, 0x70, 0x0C, 1);
            unsigned c = (unsigned)vmp_space_read(pio, 0x71, 1);
            rtc_pf += (c & 0x40) != 0;
            rtc_uf += (c & 0x10) != 0;
        }
    }
    ck_assert_double_le(worst_pit, 1.0);
    ck_assert_double_le(worst_pm, 1.0);
    ck_assert_double_le(worst_hpet, 1.0);

    /* Interrupt counts over 10 s: exactly what the rates give. */
    double pit_irqs = floor((RUN_NS / 1e9 * VMP_PIT_HZ - 1) / 1193);
    ck_assert_double_eq(pit_sink.rises, pit_irqs);
    ck_assert_uint_eq(hpet_sink.rises, 10000);
    ck_assert_uint_eq(rtc_pf, 10240);
    ck_assert_uint_eq(rtc_uf, 10);
    ck_assert_int_eq(vmp_rtc_get_time(rtc), EPOCH + 10);

    vmp_pit_destroy(pit);
    vmp_rtc_destroy(rtc);
    vmp_hpet_destroy(hpet);
    vmp_pm_destroy(pm);
    vmp_irq_line_destroy(irq0);
    vmp_irq_line_destroy(irq8);
    vmp_irq_line_destroy(gsi16);
    vmp_space_destroy(pio);
    vmp_space_destroy(mmio);
    vmp_clock_destroy(clock);
}
END_TEST

/* The models' fast ns -> ticks conversion equals the clock's exact one. */
START_TEST(fast_ticks_exact)
{
    static const uint64_t hz[] = { VMP_PIT_HZ, VMP_PM_TMR_HZ, VMP_HPET_HZ, 32768 };
    uint64_t x = 88172645463325252ull;
    for (unsigned i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint64_t ns = i < 1000 ? i : i < 2000 ? UINT64_MAX - i : x >> (i % 40);
        for (unsigned h = 0; h < 4; h++)
            ck_assert_uint_eq(tmr_ns_to_ticks(ns, hz[h]), vmp_ns_to_ticks(ns, hz[h]));
    }
}
END_TEST

Suite *timers_xcheck_suite(void)
{
    Suite *s = suite_create("timers_xcheck");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, agree_for_ten_seconds);
    tcase_add_test(tc, fast_ticks_exact);
    suite_add_tcase(s, tc);
    return s;
}

/* ACPI PM1 block and PM timer tests (ACPI 6.5 §4.8.3.1 PM1 event
 * registers, §4.8.3.2 PM1 control, §4.8.3.3 PM timer, §4.8.4.1 GPE0). */
#include <string.h>

#include "helpers.h"

struct rig {
    struct vmp_clock *clock;
    struct vmp_irq_line *line;
    struct test_irq_sink sink;
    struct vmp_space *pio;
    struct vmp_pm *pm;
    unsigned offs;
};

static void power_off(void *opaque) { ((struct rig *)opaque)->offs++; }

static void rig_init(struct rig *r, bool ext)
{
    memset(r, 0, sizeof *r);
    r->clock = vmp_clock_create(NULL, NULL);
    r->line = vmp_irq_line_create("sci");
    vmp_irq_line_add_sink(r->line, test_irq_sink_fn, &r->sink, 0);
    r->pio = vmp_space_create("pio", 0xFFFF);
    struct vmp_env env = { r->clock, NULL, NULL };
    struct vmp_pm_config cfg = { .tmr_val_ext = ext, .power_off = power_off, .opaque = r };
    r->pm = vmp_pm_create(&env, vmp_irq_line_source(r->line), &cfg);
    ck_assert_ptr_nonnull(r->pm);
    ck_assert_int_eq(vmp_pm_attach(r->pm, r->pio, VMP_PM_BASE), 0);
}

static void rig_fini(struct rig *r)
{
    vmp_pm_destroy(r->pm);
    vmp_space_destroy(r->pio);
    vmp_irq_line_destroy(r->line);
    vmp_clock_destroy(r->clock);
}

static uint32_t in(struct rig *r, unsigned off, unsigned size)
{
    return (uint32_t)vmp_space_read(r->pio, VMP_PM_BASE + off, size);
}
static void out(struct rig *r, unsigned off, uint32_t v, unsigned size)
{
    vmp_space_write(r->pio, VMP_PM_BASE + off, v, size);
}
static void at_tick(struct rig *r, uint64_t k)
{
    vmp_clock_set(r->clock, vmp_ticks_to_ns_ceil(k, VMP_PM_TMR_HZ));
}

/* §4.8.3.3: the counter runs at 3.579545 MHz, 24 bits unless TMR_VAL_EXT. */
START_TEST(counter_rate_and_width)
{
    struct rig r;
    rig_init(&r, false);
    ck_assert_uint_eq(in(&r, VMP_PM_TMR_OFF, 4), 0);
    vmp_clock_set(r.clock, VMP_NS_PER_SEC);
    ck_assert_uint_eq(in(&r, VMP_PM_TMR_OFF, 4), VMP_PM_TMR_HZ);
    at_tick(&r, 0x1000005);
    ck_assert_uint_eq(in(&r, VMP_PM_TMR_OFF, 4), 5); /* wrapped at 2^24 */
    ck_assert_uint_eq(in(&r, VMP_PM_TMR_OFF + 2, 1), 0);
    out(&r, VMP_PM_TMR_OFF, 0x12345678, 4); /* read-only */
    ck_assert_uint_eq(in(&r, VMP_PM_TMR_OFF, 4), 5);
    rig_fini(&r);
    rig_init(&r, true);
    at_tick(&r, 0x1000005);
    ck_assert_uint_eq(in(&r, VMP_PM_TMR_OFF, 4), 0x1000005);
    ck_assert_uint_eq(vmp_pm_timer_value(r.pm), 0x1000005);
    ck_assert_uint_eq(in(&r, VMP_PM_TMR_OFF + 3, 1), 0x01);
    rig_fini(&r);
}
END_TEST

/* §4.8.3.3: TMR_STS is set when bit 23 (or 31) toggles; with TMR_EN and
 * SCI_EN it raises the SCI; writing 1 clears it (§4.8.3.1). */
START_TEST(overflow_raises_sci)
{
    struct rig r;
    rig_init(&r, false);
    out(&r, 2, VMP_PM1_TMR, 2);           /* TMR_EN */
    out(&r, 4, VMP_PM1_SCI_EN, 2);        /* SCI_EN */
    at_tick(&r, 0x7FFFFF);
    ck_assert_uint_eq(in(&r, 0, 2) & VMP_PM1_TMR, 0);
    ck_assert(!r.sink.level);
    at_tick(&r, 0x800000); /* bit 23 sets */
    ck_assert_uint_eq(in(&r, 0, 2) & VMP_PM1_TMR, VMP_PM1_TMR);
    ck_assert(r.sink.level);
    ck_assert_uint_eq(r.sink.rises, 1);
    out(&r, 0, VMP_PM1_TMR, 2);
    ck_assert(!r.sink.level);
    ck_assert_uint_eq(in(&r, 0, 2) & VMP_PM1_TMR, 0);
    at_tick(&r, 0xFFFFFF);
    ck_assert(!r.sink.level);
    at_tick(&r, 0x1000000); /* bit 23 clears: another toggle */
    ck_assert(r.sink.level);
    ck_assert_uint_eq(r.sink.rises, 2);
    /* Status without enable: set, but no SCI. */
    out(&r, 2, 0, 2);
    ck_assert(!r.sink.level);
    ck_assert_uint_eq(in(&r, 0, 2) & VMP_PM1_TMR, VMP_PM1_TMR);
    /* SCI_EN clear: no SCI either. */
    out(&r, 2, VMP_PM1_TMR, 2);
    ck_assert(r.sink.level);
    out(&r, 4, 0, 2);
    ck_assert(!r.sink.level);
    rig_fini(&r);
    /* 32-bit counter: TMR_STS on bit 31. */
    rig_init(&r, true);
    out(&r, 2, VMP_PM1_TMR, 2);
    out(&r, 4, VMP_PM1_SCI_EN, 2);
    at_tick(&r, 0x7FFFFFFF);
    ck_assert(!r.sink.level);
    at_tick(&r, 0x80000000);
    ck_assert(r.sink.level);
    rig_fini(&r);
}
END_TEST

/* §4.8.3.1 / §4.8.2.2.1: the power button sets PWRBTN_STS, SCI when
 * PWRBTN_EN is set; write-1-to-clear. */
START_TEST(power_button)
{
    struct rig r;
    rig_init(&r, false);
    out(&r, 4, VMP_PM1_SCI_EN, 2);
    vmp_pm_power_button(r.pm);
    ck_assert_uint_eq(in(&r, 0, 2) & VMP_PM1_PWRBTN, VMP_PM1_PWRBTN);
    ck_assert(!r.sink.level);
    out(&r, 2, VMP_PM1_PWRBTN, 2);
    ck_assert(r.sink.level);
    out(&r, 1, VMP_PM1_PWRBTN >> 8, 1); /* byte write-1-to-clear */
    ck_assert(!r.sink.level);
    ck_assert_uint_eq(in(&r, 0, 2) & VMP_PM1_PWRBTN, 0);
    ck_assert_uint_eq(in(&r, 2, 2), VMP_PM1_PWRBTN);
    out(&r, 0, 0, 2); /* writing 0 clears nothing */
    vmp_pm_power_button(r.pm);
    out(&r, 0, 0, 2);
    ck_assert(r.sink.level);
    rig_fini(&r);
}
END_TEST

/* §4.8.3.2.1: SLP_EN with SLP_TYP = the \_S5 value powers off; SLP_EN
 * reads as 0; another SLP_TYP does not. */
START_TEST(sleep_s5)
{
    struct rig r;
    rig_init(&r, false);
    out(&r, 4, VMP_PM1_SCI_EN | (2u << VMP_PM1_SLP_TYP_SHIFT) | VMP_PM1_SLP_EN, 2);
    ck_assert_uint_eq(r.offs, 0);
    ck_assert_uint_eq(in(&r, 4, 2), VMP_PM1_SCI_EN | (2u << VMP_PM1_SLP_TYP_SHIFT));
    out(&r, 4, VMP_PM1_SCI_EN | (VMP_PM_SLP_TYP_S5 << VMP_PM1_SLP_TYP_SHIFT), 2);
    ck_assert_uint_eq(r.offs, 0); /* SLP_TYP alone does nothing */
    out(&r, 4, VMP_PM1_SCI_EN | (VMP_PM_SLP_TYP_S5 << VMP_PM1_SLP_TYP_SHIFT) | VMP_PM1_SLP_EN,
        2);
    ck_assert_uint_eq(r.offs, 1);
    ck_assert_uint_eq(in(&r, 4, 2) & VMP_PM1_SLP_EN, 0);
    rig_fini(&r);
}
END_TEST

/* §4.8.4.1: GPE0 status (write 1 to clear) and enable halves; an enabled
 * status raises the SCI. */
START_TEST(gpe0)
{
    struct rig r;
    rig_init(&r, false);
    out(&r, 4, VMP_PM1_SCI_EN, 2);
    vmp_pm_gpe_raise(r.pm, 9);
    vmp_pm_gpe_raise(r.pm, 200); /* out of range: ignored */
    ck_assert_uint_eq(in(&r, VMP_GPE0_OFF, 4), 0x200);
    ck_assert(!r.sink.level);
    out(&r, VMP_GPE0_OFF + 8, 0x0200, 2);
    ck_assert(r.sink.level);
    ck_assert_uint_eq(in(&r, VMP_GPE0_OFF + 8, 4), 0x200);
    out(&r, VMP_GPE0_OFF, 0x0100, 2); /* wrong bit: stays */
    ck_assert(r.sink.level);
    out(&r, VMP_GPE0_OFF + 1, 0x02, 1);
    ck_assert(!r.sink.level);
    ck_assert_uint_eq(in(&r, VMP_GPE0_OFF, 4), 0);
    ck_assert_uint_eq(in(&r, 0x30, 1), 0xFF); /* reserved */
    rig_fini(&r);
}
END_TEST

static int save(const void *m, struct vmp_state_writer *w) { return vmp_pm_save(m, w); }
static int load(void *m, struct vmp_state_reader *r) { return vmp_pm_load(m, r); }

START_TEST(save_load)
{
    struct rig a, b;
    rig_init(&a, false);
    rig_init(&b, false);
    out(&a, 2, VMP_PM1_TMR | VMP_PM1_PWRBTN, 2);
    out(&a, 4, VMP_PM1_SCI_EN, 2);
    vmp_pm_gpe_raise(a.pm, 3);
    at_tick(&a, 1000);
    at_tick(&b, 1000);
    ck_assert_int_eq(test_roundtrip(a.pm, b.pm, save, load), 0);
    ck_assert_uint_eq(in(&b, 2, 2), VMP_PM1_TMR | VMP_PM1_PWRBTN);
    ck_assert_uint_eq(in(&b, VMP_GPE0_OFF, 1), 8);
    ck_assert(!b.sink.level);
    at_tick(&b, 0x800000);
    ck_assert(b.sink.level); /* the timer was re-armed */
    ck_assert_uint_eq(test_truncations_loaded(a.pm, b.pm, save, load), 0);
    rig_fini(&a);
    rig_fini(&b);
}
END_TEST

Suite *pmtimer_suite(void)
{
    Suite *s = suite_create("pmtimer");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, counter_rate_and_width);
    tcase_add_test(tc, overflow_raises_sci);
    tcase_add_test(tc, power_button);
    tcase_add_test(tc, sleep_s5);
    tcase_add_test(tc, gpe0);
    tcase_add_test(tc, save_load);
    suite_add_tcase(s, tc);
    return s;
}

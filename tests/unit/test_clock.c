/* Virtual clock and timers (clock.h): deadline order, equal deadlines in
 * arming order, callbacks at their deadline, re-arming, bounded storms. */
#include "helpers.h"

struct log_fire {
    struct vmp_clock *clock;
    char order[64];
    unsigned n;
    uint64_t at[64];
};

struct tctx {
    struct log_fire *lf;
    char id;
    struct vmp_timer *t;
    uint64_t period; /* re-arm period, 0 = one-shot */
    unsigned fired;
};

static void fire(void *o)
{
    struct tctx *c = o;
    struct log_fire *lf = c->lf;
    if (lf->n < 63) {
        lf->at[lf->n] = vmp_clock_now(lf->clock);
        lf->order[lf->n++] = c->id;
    }
    c->fired++;
    if (c->period)
        vmp_timer_arm(c->t, vmp_clock_now(lf->clock) + c->period);
}

START_TEST(deadline_order)
{
    struct log_fire lf = { 0 };
    struct vmp_clock *clk = vmp_clock_create(NULL, NULL);
    lf.clock = clk;
    struct tctx c[5];
    const uint64_t when[5] = { 500, 100, 300, 100, 200 };
    for (int i = 0; i < 5; i++) {
        c[i] = (struct tctx){ &lf, (char)('a' + i), NULL, 0, 0 };
        c[i].t = vmp_timer_create(clk, fire, &c[i]);
        vmp_timer_arm(c[i].t, when[i]);
    }
    ck_assert_uint_eq(vmp_clock_next_deadline(clk), 100);
    ck_assert_int_eq(vmp_clock_advance(clk, 1000), 0);
    /* b and d share deadline 100: b was armed first. */
    ck_assert_str_eq(lf.order, "bdeca");
    ck_assert_uint_eq(lf.at[0], 100);
    ck_assert_uint_eq(lf.at[2], 200);
    ck_assert_uint_eq(lf.at[4], 500);
    ck_assert_uint_eq(vmp_clock_now(clk), 1000);
    ck_assert_uint_eq(vmp_clock_next_deadline(clk), VMP_TIME_NEVER);
    vmp_clock_destroy(clk);
}
END_TEST

START_TEST(rearm_and_cancel)
{
    struct log_fire lf = { 0 };
    struct vmp_clock *clk = vmp_clock_create(NULL, NULL);
    lf.clock = clk;
    struct tctx a = { &lf, 'a', NULL, 0, 0 }, b = { &lf, 'b', NULL, 0, 0 };
    a.t = vmp_timer_create(clk, fire, &a);
    b.t = vmp_timer_create(clk, fire, &b);
    vmp_timer_arm(a.t, 100);
    vmp_timer_arm(b.t, 200);
    vmp_timer_arm(a.t, 300); /* re-arm moves it, no double entry */
    ck_assert_uint_eq(vmp_timer_deadline(a.t), 300);
    vmp_timer_cancel(b.t);
    ck_assert(!vmp_timer_armed(b.t));
    vmp_clock_advance(clk, 250);
    ck_assert_uint_eq(lf.n, 0);
    vmp_clock_advance(clk, 50);
    ck_assert_str_eq(lf.order, "a");
    ck_assert(!vmp_timer_armed(a.t));
    /* Equal deadline re-armed later goes after the others armed there. */
    vmp_timer_arm(a.t, 400);
    vmp_timer_arm(b.t, 400);
    vmp_timer_arm(a.t, 400);
    vmp_clock_advance(clk, 100);
    ck_assert_str_eq(lf.order, "aba");
    /* Time never goes backwards. */
    vmp_clock_set(clk, 10);
    ck_assert_uint_eq(vmp_clock_now(clk), 400);
    vmp_timer_destroy(b.t);
    vmp_clock_destroy(clk);
}
END_TEST

START_TEST(periodic_at_exact_times)
{
    struct log_fire lf = { 0 };
    struct vmp_clock *clk = vmp_clock_create(NULL, NULL);
    lf.clock = clk;
    struct tctx p = { &lf, 'p', NULL, 1000, 0 };
    p.t = vmp_timer_create(clk, fire, &p);
    vmp_timer_arm_in(p.t, 1000);
    vmp_clock_advance(clk, 10500);
    ck_assert_uint_eq(p.fired, 10);
    for (unsigned i = 0; i < 10; i++)
        ck_assert_uint_eq(lf.at[i], 1000 * (i + 1));
    vmp_clock_destroy(clk);
}
END_TEST

START_TEST(storm_is_bounded)
{
    /* A timer re-arming itself at "now" forever must not hang a step. */
    struct log_fire lf = { 0 };
    struct vmp_clock *clk = vmp_clock_create(NULL, NULL);
    lf.clock = clk;
    /* A 1 ns period asks for 10^9 firings in one simulated second. */
    struct tctx p = { &lf, 'p', NULL, 1, 0 };
    p.t = vmp_timer_create(clk, fire, &p);
    vmp_timer_arm(p.t, 5);
    vmp_clock_advance(clk, VMP_NS_PER_SEC);
    ck_assert_uint_le(p.fired, (1u << 20) + 1);
    ck_assert_uint_eq(vmp_clock_now(clk), VMP_NS_PER_SEC);
    /* The rest stays due and fires on the next call, bounded again. */
    ck_assert(vmp_timer_armed(p.t));
    ck_assert_uint_le(vmp_clock_run(clk), 4096);
    vmp_clock_destroy(clk);
}
END_TEST

static uint64_t fake_now;
static uint64_t fake_source(void *o)
{
    (void)o;
    return fake_now;
}

START_TEST(host_source)
{
    struct log_fire lf = { 0 };
    fake_now = 1000;
    struct vmp_clock *clk = vmp_clock_create(fake_source, NULL);
    lf.clock = clk;
    ck_assert_uint_eq(vmp_clock_now(clk), 1000);
    ck_assert_int_eq(vmp_clock_advance(clk, 5), -EPERM);
    struct tctx a = { &lf, 'a', NULL, 0, 0 };
    a.t = vmp_timer_create(clk, fire, &a);
    vmp_timer_arm_in(a.t, 500);
    ck_assert_uint_eq(vmp_clock_run(clk), 0);
    fake_now = 1499;
    ck_assert_uint_eq(vmp_clock_run(clk), 0);
    fake_now = 1600;
    ck_assert_uint_eq(vmp_clock_run(clk), 1);
    ck_assert_uint_eq(a.fired, 1);
    fake_now = 1200; /* a source stepping back does not move time back */
    ck_assert_uint_eq(vmp_clock_now(clk), 1600);
    vmp_clock_destroy(clk);
}
END_TEST

START_TEST(tick_conversions)
{
    /* 1 s of the 1.193182 MHz PIT input and of the 3.579545 MHz PM timer. */
    ck_assert_uint_eq(vmp_ns_to_ticks(VMP_NS_PER_SEC, 1193182), 1193182);
    ck_assert_uint_eq(vmp_ns_to_ticks(VMP_NS_PER_SEC - 1, 3579545), 3579544);
    ck_assert_uint_eq(vmp_ticks_to_ns(3579545, 3579545), VMP_NS_PER_SEC);
    /* ceil: the first ns at which the tick count is reached */
    uint64_t t = vmp_ticks_to_ns_ceil(1, 3579545);
    ck_assert_uint_eq(vmp_ns_to_ticks(t, 3579545), 1);
    ck_assert_uint_eq(vmp_ns_to_ticks(t - 1, 3579545), 0);
    ck_assert_uint_eq(vmp_ticks_to_ns(UINT64_MAX, 1), UINT64_MAX); /* saturates */
    ck_assert_uint_eq(vmp_ticks_to_ns(5, 0), VMP_TIME_NEVER);
}
END_TEST

Suite *clock_suite(void)
{
    Suite *s = suite_create("clock");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, deadline_order);
    tcase_add_test(tc, rearm_and_cancel);
    tcase_add_test(tc, periodic_at_exact_times);
    tcase_add_test(tc, storm_is_bounded);
    tcase_add_test(tc, host_source);
    tcase_add_test(tc, tick_conversions);
    suite_add_tcase(s, tc);
    return s;
}

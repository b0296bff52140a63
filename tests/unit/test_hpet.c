/* HPET tests. Section numbers are from the IA-PC HPET Specification 1.0a:
 * §2.3.4 GCAP_ID, §2.3.5 GEN_CONF (ENABLE_CNF, LEG_RT_CNF), §2.3.6
 * GINTR_STA, §2.3.7 main counter, §2.3.8 Tn_CONF_CAP, §2.3.9 comparator,
 * §2.3.10 FSB route; §2.4 timer modes (one-shot, periodic, 32-bit). One
 * tick is 10 ns (100 MHz). */
#include <string.h>

#include "helpers.h"

#define B VMP_HPET_BASE
#define TN(n, r) (B + 0x100 + 0x20 * (n) + (r))
#define CONF_LEVEL 0x2
#define CONF_ENB 0x4
#define CONF_PERIODIC 0x8
#define CONF_VAL_SET 0x40
#define CONF_32 0x100
#define ROUTE(g) ((uint64_t)(g) << 9)
#define CONF_FSB 0x4000

struct msi_rec {
    unsigned count;
    uint64_t addr;
    uint32_t data;
};

struct rig {
    struct vmp_clock *clock;
    struct vmp_irq_line *l16, *l0, *l8;
    struct test_irq_sink s16, s0, s8;
    struct vmp_space *mmio;
    struct vmp_hpet *hpet;
    struct msi_rec msi;
    unsigned legacy_calls;
    bool legacy_on;
};

static void msi_fn(void *o, uint64_t a, uint32_t d)
{
    struct msi_rec *m = o;
    m->count++;
    m->addr = a;
    m->data = d;
}

static void legacy_fn(void *o, bool on)
{
    struct rig *r = o;
    r->legacy_calls++;
    r->legacy_on = on;
}

static void rig_init(struct rig *r)
{
    memset(r, 0, sizeof *r);
    r->clock = vmp_clock_create(NULL, NULL);
    r->l16 = vmp_irq_line_create("gsi16");
    r->l0 = vmp_irq_line_create("irq0");
    r->l8 = vmp_irq_line_create("irq8");
    vmp_irq_line_add_sink(r->l16, test_irq_sink_fn, &r->s16, 0);
    vmp_irq_line_add_sink(r->l0, test_irq_sink_fn, &r->s0, 0);
    vmp_irq_line_add_sink(r->l8, test_irq_sink_fn, &r->s8, 0);
    r->mmio = vmp_space_create("mmio", UINT64_MAX);
    struct vmp_hpet_config cfg = { 0 };
    cfg.gsi[16] = vmp_irq_line_source(r->l16);
    cfg.legacy_irq0 = vmp_irq_line_source(r->l0);
    cfg.legacy_irq8 = vmp_irq_line_source(r->l8);
    cfg.msi.send = msi_fn;
    cfg.msi.opaque = &r->msi;
    cfg.legacy_changed = legacy_fn;
    cfg.opaque = r;
    struct vmp_env env = { r->clock, NULL, NULL };
    r->hpet = vmp_hpet_create(&env, &cfg);
    ck_assert_ptr_nonnull(r->hpet);
    ck_assert_int_eq(vmp_hpet_attach(r->hpet, r->mmio, B), 0);
}

static void rig_fini(struct rig *r)
{
    vmp_hpet_destroy(r->hpet);
    vmp_space_destroy(r->mmio);
    vmp_irq_line_destroy(r->l16);
    vmp_irq_line_destroy(r->l0);
    vmp_irq_line_destroy(r->l8);
    vmp_clock_destroy(r->clock);
}

static uint64_t rd(struct rig *r, uint64_t a) { return vmp_space_read(r->mmio, a, 8); }
static uint32_t rd32(struct rig *r, uint64_t a) { return (uint32_t)vmp_space_read(r->mmio, a, 4); }
static void wr(struct rig *r, uint64_t a, uint64_t v) { vmp_space_write(r->mmio, a, v, 8); }
static void wr32(struct rig *r, uint64_t a, uint32_t v) { vmp_space_write(r->mmio, a, v, 4); }
static void at_tick(struct rig *r, uint64_t k) { vmp_clock_set(r->clock, k * 10); }
static void enable(struct rig *r) { wr(r, B + 0x10, 1); }
static int save(const void *m, struct vmp_state_writer *w) { return vmp_hpet_save(m, w); }
static int load(void *m, struct vmp_state_reader *r) { return vmp_hpet_load(m, r); }

/* §2.3.4: the ID register is what the ACPI table copies. */
START_TEST(capabilities)
{
    struct rig r;
    rig_init(&r);
    uint64_t cap = rd(&r, B);
    ck_assert_uint_eq(cap & 0xFF, 1);                      /* REV_ID */
    ck_assert_uint_eq(cap >> 8 & 0x1F, VMP_HPET_TIMERS - 1); /* NUM_TIM_CAP */
    ck_assert_uint_eq(cap >> 13 & 1, 1);                   /* COUNT_SIZE_CAP */
    ck_assert_uint_eq(cap >> 15 & 1, 1);                   /* LEG_RT_CAP */
    ck_assert_uint_eq(cap >> 16 & 0xFFFF, VMP_HPET_VENDOR);
    ck_assert_uint_eq(cap >> 32, VMP_HPET_PERIOD_FS);
    ck_assert_uint_le(cap >> 32, 0x05F5E100u);              /* at most 100 ns */
    ck_assert_uint_eq((uint32_t)cap, VMP_HPET_ID);
    ck_assert_uint_eq(1000000000000000ull / VMP_HPET_PERIOD_FS, VMP_HPET_HZ);
    for (unsigned i = 0; i < VMP_HPET_TIMERS; i++) {
        uint64_t c = rd(&r, TN(i, 0));
        ck_assert_uint_eq(c & 0x30, 0x30);   /* PER_INT_CAP, SIZE_CAP */
        ck_assert_uint_eq(c & 0x8000, 0x8000); /* FSB_INT_DEL_CAP */
        ck_assert_uint_eq(c >> 32, VMP_HPET_ROUTE_CAP);
        ck_assert_uint_eq(rd(&r, TN(i, 8)), UINT64_MAX);
    }
    /* An unsupported route is not taken (§2.3.8 Tn_INT_ROUTE_CNF). */
    wr(&r, TN(2, 0), ROUTE(5));
    ck_assert_uint_eq(rd(&r, TN(2, 0)) & ROUTE(31), 0);
    wr(&r, TN(2, 0), ROUTE(17));
    ck_assert_uint_eq(rd(&r, TN(2, 0)) & ROUTE(31), ROUTE(17));
    wr(&r, B, 0); /* read-only */
    ck_assert_uint_eq(rd(&r, B), cap);
    rig_fini(&r);
}
END_TEST

/* §2.3.7: the main counter runs only with ENABLE_CNF, may be written while
 * halted, and reads in 32-bit halves. */
START_TEST(main_counter)
{
    struct rig r;
    rig_init(&r);
    at_tick(&r, 1000);
    ck_assert_uint_eq(rd(&r, B + 0xF0), 0);
    enable(&r);
    at_tick(&r, 1000 + 123456);
    ck_assert_uint_eq(rd(&r, B + 0xF0), 123456);
    ck_assert_uint_eq(vmp_hpet_counter(r.hpet), 123456);
    wr(&r, B + 0x10, 0);
    at_tick(&r, 500000);
    ck_assert_uint_eq(rd(&r, B + 0xF0), 123456);
    wr(&r, B + 0xF0, 0x00000001FFFFFFF0ull);
    enable(&r);
    at_tick(&r, 500000 + 0x20);
    ck_assert_uint_eq(rd32(&r, B + 0xF0), 0x10);
    ck_assert_uint_eq(rd32(&r, B + 0xF4), 2);
    rig_fini(&r);
}
END_TEST

/* §2.4.1 one-shot: one interrupt when the counter equals the comparator. */
START_TEST(one_shot_edge)
{
    struct rig r;
    rig_init(&r);
    enable(&r);
    wr(&r, TN(2, 0), ROUTE(16) | CONF_ENB);
    wr(&r, TN(2, 8), 1000);
    at_tick(&r, 999);
    ck_assert_uint_eq(r.s16.rises, 0);
    at_tick(&r, 1000);
    ck_assert_uint_eq(r.s16.rises, 1);
    ck_assert(!r.s16.level);
    ck_assert_uint_eq(rd(&r, B + 0x20), 0); /* no status for edge */
    at_tick(&r, 100000000);
    ck_assert_uint_eq(r.s16.rises, 1);
    ck_assert_uint_eq(rd(&r, TN(2, 8)), 1000);
    /* A comparator already passed waits for the wrap: no interrupt. */
    wr(&r, TN(2, 8), 5);
    at_tick(&r, 200000000);
    ck_assert_uint_eq(r.s16.rises, 1);
    rig_fini(&r);
}
END_TEST

/* §2.4.2 periodic with Tn_VAL_SET_CNF: the accumulator is set, then each
 * match adds the last written value. */
START_TEST(periodic)
{
    struct rig r;
    rig_init(&r);
    enable(&r);
    wr(&r, TN(0, 0), ROUTE(16) | CONF_ENB | CONF_PERIODIC | CONF_VAL_SET);
    wr(&r, TN(0, 8), 500);  /* accumulator and period */
    ck_assert_uint_eq(rd(&r, TN(0, 0)) & CONF_VAL_SET, 0); /* self-clearing */
    wr(&r, TN(0, 8), 300);  /* period only */
    ck_assert_uint_eq(rd(&r, TN(0, 8)), 500);
    at_tick(&r, 499);
    ck_assert_uint_eq(r.s16.rises, 0);
    at_tick(&r, 500);
    ck_assert_uint_eq(r.s16.rises, 1);
    ck_assert_uint_eq(rd(&r, TN(0, 8)), 800);
    at_tick(&r, 799);
    ck_assert_uint_eq(r.s16.rises, 1);
    at_tick(&r, 800);
    ck_assert_uint_eq(r.s16.rises, 2);
    for (unsigned k = 3; k <= 1000; k++) {
        at_tick(&r, 500 + 300 * (k - 1));
        ck_assert_uint_eq(r.s16.rises, k);
    }
    at_tick(&r, 500 + 300 * 999 + 150);
    ck_assert_uint_eq(rd(&r, TN(0, 8)), 500 + 300 * 1000);
    /* Level mode: GINTR_STA set, line held until written 1 (§2.3.6). */
    wr(&r, TN(0, 0), ROUTE(16) | CONF_ENB | CONF_PERIODIC | CONF_LEVEL);
    at_tick(&r, 500 + 300 * 1000);
    ck_assert(r.s16.level);
    ck_assert_uint_eq(rd(&r, B + 0x20), 1);
    at_tick(&r, 500 + 300 * 1003);
    ck_assert_uint_eq(rd(&r, TN(0, 8)), 500 + 300 * 1004); /* keeps counting */
    wr(&r, B + 0x20, 1);
    ck_assert(!r.s16.level);
    ck_assert_uint_eq(rd(&r, B + 0x20), 0);
    at_tick(&r, 500 + 300 * 1004);
    ck_assert(r.s16.level);
    /* Disabled: status still set, line not driven. */
    wr(&r, TN(0, 0), ROUTE(16) | CONF_PERIODIC | CONF_LEVEL);
    ck_assert(!r.s16.level);
    wr(&r, B + 0x20, 1);
    at_tick(&r, 500 + 300 * 1006);
    ck_assert_uint_eq(rd(&r, B + 0x20), 1);
    ck_assert(!r.s16.level);
    rig_fini(&r);
}
END_TEST

/* §2.3.9.2.2: software sets Tn_VAL_SET_CNF (§2.3.8 bit 6) and writes the
 * new accumulator; §2.3.9.1 lets a 32-bit driver write the 64-bit
 * comparator as two 32-bit halves, in either order. Both halves reach the
 * accumulator, VAL_SET clears only after the second, and the next write
 * sets the period alone. hi_first picks the order; reset_between sets
 * VAL_SET again before the second half (the chipset datasheets' recipe),
 * which must give the same result. */
static void val_set_halves(bool hi_first, bool reset_between)
{
    struct rig r;
    rig_init(&r);
    const uint32_t conf = ROUTE(16) | CONF_ENB | CONF_PERIODIC;
    const uint64_t acc = 0x100000200ull; /* beyond 2^32: needs the high half */
    wr(&r, B + 0xF0, 0xFFFFFF00ull);
    wr(&r, TN(0, 0), conf | CONF_VAL_SET);
    wr32(&r, TN(0, hi_first ? 0xC : 8), hi_first ? (uint32_t)(acc >> 32) : (uint32_t)acc);
    ck_assert_uint_eq(rd(&r, TN(0, 0)) & CONF_VAL_SET, CONF_VAL_SET); /* half done */
    if (reset_between)
        wr(&r, TN(0, 0), conf | CONF_VAL_SET);
    wr32(&r, TN(0, hi_first ? 8 : 0xC), hi_first ? (uint32_t)acc : (uint32_t)(acc >> 32));
    ck_assert_uint_eq(rd(&r, TN(0, 0)) & CONF_VAL_SET, 0);
    ck_assert_uint_eq(rd(&r, TN(0, 8)), acc);
    /* VAL_SET is clear: these set the period (0x1000) and not the
     * accumulator, whichever half comes first. */
    wr32(&r, TN(0, hi_first ? 0xC : 8), hi_first ? 0 : 0x1000);
    wr32(&r, TN(0, hi_first ? 8 : 0xC), hi_first ? 0x1000 : 0);
    ck_assert_uint_eq(rd(&r, TN(0, 8)), acc);
    enable(&r);
    at_tick(&r, acc - 0xFFFFFF00ull - 1);
    ck_assert_uint_eq(r.s16.rises, 0);
    at_tick(&r, acc - 0xFFFFFF00ull);
    ck_assert_uint_eq(r.s16.rises, 1);
    ck_assert_uint_eq(rd(&r, TN(0, 8)), acc + 0x1000);
    at_tick(&r, acc - 0xFFFFFF00ull + 0x1000);
    ck_assert_uint_eq(r.s16.rises, 2);
    rig_fini(&r);
}

START_TEST(val_set_low_then_high) { val_set_halves(false, false); }
END_TEST
START_TEST(val_set_high_then_low) { val_set_halves(true, false); }
END_TEST
START_TEST(val_set_again_between_halves)
{
    val_set_halves(false, true);
    val_set_halves(true, true);
}
END_TEST

/* A save between the two halves keeps the half already written: after a
 * load, the second half completes the accumulator and clears VAL_SET. */
START_TEST(val_set_save_between_halves)
{
    struct rig a, b;
    rig_init(&a);
    rig_init(&b);
    wr(&a, TN(0, 0), ROUTE(16) | CONF_ENB | CONF_PERIODIC | CONF_VAL_SET);
    wr32(&a, TN(0, 0xC), 0x1);
    ck_assert_int_eq(test_roundtrip(a.hpet, b.hpet, save, load), 0);
    ck_assert_uint_eq(rd(&b, TN(0, 0)) & CONF_VAL_SET, CONF_VAL_SET);
    wr32(&b, TN(0, 8), 0x80);
    ck_assert_uint_eq(rd(&b, TN(0, 0)) & CONF_VAL_SET, 0);
    ck_assert_uint_eq(rd(&b, TN(0, 8)), 0x100000080ull);
    ck_assert_uint_eq(test_truncations_loaded(a.hpet, b.hpet, save, load), 0);
    rig_fini(&a);
    rig_fini(&b);
}
END_TEST

/* §2.3.8 Tn_32MODE_CNF: a 32-bit comparator is its low half, so a switch
 * to 32-bit mode after the low half of a VAL_SET write went in completes
 * that write (VAL_SET clears); the state saves and loads (fuzz_hpet found
 * a save of the half-way state that did not load back). */
START_TEST(val_set_low_then_mode32)
{
    struct rig a, b;
    rig_init(&a);
    rig_init(&b);
    uint32_t conf = ROUTE(16) | CONF_ENB | CONF_PERIODIC;
    wr(&a, TN(0, 0), conf | CONF_VAL_SET);
    wr32(&a, TN(0, 8), 0x80);
    ck_assert_uint_eq(rd(&a, TN(0, 0)) & CONF_VAL_SET, CONF_VAL_SET); /* high half to come */
    wr(&a, TN(0, 0), conf | CONF_VAL_SET | CONF_32);
    ck_assert_uint_eq(rd(&a, TN(0, 0)) & (CONF_VAL_SET | CONF_32), CONF_32);
    ck_assert_int_eq(test_roundtrip(a.hpet, b.hpet, save, load), 0);
    ck_assert_uint_eq(rd(&b, TN(0, 8)), 0x80);
    rig_fini(&a);
    rig_fini(&b);
}
END_TEST

/* §2.3.8 Tn_32MODE_CNF and §2.4.4: a 32-bit comparator matches the low
 * 32 bits, wraps through 0 as it accumulates, and reads 0 above bit 31. */
START_TEST(mode32_wrap)
{
    struct rig r;
    rig_init(&r);
    wr(&r, B + 0xF0, 0xFFFFFF00ull);
    wr(&r, TN(1, 0), ROUTE(16) | CONF_ENB | CONF_PERIODIC | CONF_VAL_SET | CONF_32);
    wr32(&r, TN(1, 8), 0xFFFFFF80u);
    wr32(&r, TN(1, 8), 0x100);
    wr32(&r, TN(1, 0xC), 0xFFFF); /* upper half ignored in 32-bit mode */
    ck_assert_uint_eq(rd(&r, TN(1, 8)), 0xFFFFFF80u);
    enable(&r);
    at_tick(&r, 0x7F);
    ck_assert_uint_eq(r.s16.rises, 0);
    at_tick(&r, 0x80);
    ck_assert_uint_eq(r.s16.rises, 1);
    ck_assert_uint_eq(rd(&r, TN(1, 8)), 0x80); /* 0xFFFFFF80 + 0x100 wrapped */
    at_tick(&r, 0x180);
    ck_assert_uint_eq(r.s16.rises, 2);
    ck_assert_uint_eq(rd(&r, B + 0xF0), 0x100000080ull);
    ck_assert_uint_eq(rd(&r, TN(1, 8)), 0x180);
    /* 32-bit one-shot: matches again after every 2^32 ticks. */
    wr(&r, TN(1, 0), ROUTE(16) | CONF_ENB | CONF_32);
    wr32(&r, TN(1, 8), 0x1000);
    unsigned rises = r.s16.rises;
    at_tick(&r, 0x10FF);             /* counter 0x1_0000_0FFF */
    ck_assert_uint_eq(r.s16.rises, rises);
    at_tick(&r, 0x1100);             /* counter 0x1_0000_1000 */
    ck_assert_uint_eq(r.s16.rises, rises + 1);
    at_tick(&r, 0x1100 + 0xFFFFFFFFull);
    ck_assert_uint_eq(r.s16.rises, rises + 1);
    at_tick(&r, 0x1100 + 0x100000000ull);
    ck_assert_uint_eq(r.s16.rises, rises + 2);
    /* The same comparator in 64-bit mode fires once. */
    wr(&r, TN(2, 0), ROUTE(16) | CONF_ENB);
    wr(&r, TN(2, 8), rd(&r, B + 0xF0) + 10);
    vmp_clock_advance(r.clock, 100);
    ck_assert_uint_eq(r.s16.rises, rises + 3);
    vmp_clock_advance(r.clock, 0x100000000ull * 10);
    ck_assert_uint_eq(r.s16.rises, rises + 3 + 1); /* only timer 1 again */
    rig_fini(&r);
}
END_TEST

/* The 64-bit main counter wraps through 0 (§2.3.7) and a comparator past
 * the wrap still matches once. */
START_TEST(counter64_wrap)
{
    struct rig r;
    rig_init(&r);
    wr(&r, B + 0xF0, 0xFFFFFFFFFFFFFFF0ull);
    wr(&r, TN(2, 0), ROUTE(16) | CONF_ENB);
    wr(&r, TN(2, 8), 0x10);
    enable(&r);
    at_tick(&r, 0x1F);
    ck_assert_uint_eq(r.s16.rises, 0);
    ck_assert_uint_eq(rd(&r, B + 0xF0), 0xF);
    at_tick(&r, 0x20);
    ck_assert_uint_eq(r.s16.rises, 1);
    at_tick(&r, 0x100000);
    ck_assert_uint_eq(r.s16.rises, 1);
    ck_assert_uint_gt(vmp_clock_next_deadline(r.clock), vmp_clock_now(r.clock));
    rig_fini(&r);
}
END_TEST

/* §2.3.5 LEG_RT_CNF: timer 0 -> IRQ0, timer 1 -> IRQ8, routes ignored. */
START_TEST(legacy_replacement)
{
    struct rig r;
    rig_init(&r);
    wr(&r, B + 0x10, 3);
    ck_assert_uint_eq(r.legacy_calls, 1);
    ck_assert(r.legacy_on);
    ck_assert(vmp_hpet_legacy_mode(r.hpet));
    wr(&r, TN(0, 0), ROUTE(16) | CONF_ENB | CONF_PERIODIC | CONF_VAL_SET);
    wr(&r, TN(0, 8), 100000); /* 1 ms */
    wr(&r, TN(1, 0), ROUTE(16) | CONF_ENB);
    wr(&r, TN(1, 8), 50000);
    at_tick(&r, 50000);
    ck_assert_uint_eq(r.s8.rises, 1);
    ck_assert_uint_eq(r.s0.rises, 0);
    at_tick(&r, 1000000);
    ck_assert_uint_eq(r.s0.rises, 10);
    ck_assert_uint_eq(r.s16.rises, 0);
    wr(&r, B + 0x10, 1); /* back to routed delivery */
    ck_assert(!r.legacy_on);
    at_tick(&r, 1100000);
    ck_assert_uint_eq(r.s0.rises, 10);
    ck_assert_uint_eq(r.s16.rises, 1);
    rig_fini(&r);
}
END_TEST

/* §2.3.8 Tn_FSB_EN_CNF and §2.3.10: FSB delivery writes Tn_FSB_INT_VAL to
 * Tn_FSB_INT_ADDR instead of using the IOAPIC route. */
START_TEST(fsb_delivery)
{
    struct rig r;
    rig_init(&r);
    enable(&r);
    wr(&r, TN(2, 0x10), 0xFEE01000ull << 32 | 0x4041);
    wr(&r, TN(2, 0), ROUTE(16) | CONF_ENB | CONF_FSB | CONF_PERIODIC | CONF_VAL_SET);
    wr(&r, TN(2, 8), 1000);
    at_tick(&r, 3000);
    ck_assert_uint_eq(r.msi.count, 3);
    ck_assert_uint_eq(r.msi.addr, 0xFEE01000ull);
    ck_assert_uint_eq(r.msi.data, 0x4041);
    ck_assert_uint_eq(r.s16.rises, 0);
    rig_fini(&r);
}
END_TEST

/* A 1-tick period must neither hang the clock nor drift: interrupts are
 * spaced by at least VMP_HPET_MIN_TICK, the comparator stays exact. */
START_TEST(tiny_period)
{
    struct rig r;
    rig_init(&r);
    enable(&r);
    wr(&r, TN(0, 0), ROUTE(16) | CONF_ENB | CONF_PERIODIC | CONF_VAL_SET);
    wr(&r, TN(0, 8), 10);
    wr(&r, TN(0, 8), 1);
    vmp_clock_advance(r.clock, 10000000); /* 10 ms = 1,000,000 ticks */
    ck_assert_uint_le(r.s16.rises, 10000000 / (VMP_HPET_MIN_TICK * 10) + 1);
    ck_assert_uint_ge(r.s16.rises, 10000000 / (VMP_HPET_MIN_TICK * 10) - 1);
    ck_assert_uint_eq(rd(&r, TN(0, 8)), 1000001);
    wr(&r, TN(0, 8), 0); /* period 0: behaves as a full wrap */
    vmp_clock_advance(r.clock, 10000000);
    ck_assert_uint_gt(vmp_clock_next_deadline(r.clock), vmp_clock_now(r.clock));
    rig_fini(&r);
}
END_TEST

START_TEST(save_load)
{
    struct rig a, b;
    rig_init(&a);
    rig_init(&b);
    enable(&a);
    wr(&a, TN(0, 0), ROUTE(16) | CONF_ENB | CONF_PERIODIC | CONF_VAL_SET);
    wr(&a, TN(0, 8), 1000);
    wr(&a, TN(2, 0x10), 0x1234);
    at_tick(&a, 2500);
    at_tick(&b, 2500);
    ck_assert_int_eq(test_roundtrip(a.hpet, b.hpet, save, load), 0);
    ck_assert_uint_eq(rd(&b, B + 0xF0), 2500);
    ck_assert_uint_eq(rd(&b, TN(0, 8)), 3000);
    ck_assert_uint_eq(rd(&b, TN(2, 0x10)), 0x1234);
    at_tick(&b, 3000);
    ck_assert_uint_eq(b.s16.rises, 1);
    ck_assert_uint_eq(test_truncations_loaded(a.hpet, b.hpet, save, load), 0);
    rig_fini(&a);
    rig_fini(&b);
}
END_TEST

Suite *hpet_suite(void)
{
    Suite *s = suite_create("hpet");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, capabilities);
    tcase_add_test(tc, main_counter);
    tcase_add_test(tc, one_shot_edge);
    tcase_add_test(tc, periodic);
    tcase_add_test(tc, val_set_low_then_high);
    tcase_add_test(tc, val_set_high_then_low);
    tcase_add_test(tc, val_set_again_between_halves);
    tcase_add_test(tc, val_set_save_between_halves);
    tcase_add_test(tc, val_set_low_then_mode32);
    tcase_add_test(tc, mode32_wrap);
    tcase_add_test(tc, counter64_wrap);
    tcase_add_test(tc, legacy_replacement);
    tcase_add_test(tc, fsb_delivery);
    tcase_add_test(tc, tiny_period);
    tcase_add_test(tc, save_load);
    suite_add_tcase(s, tc);
    return s;
}

/* MC146818A RTC tests. References are to the Motorola MC146818A datasheet:
 * "Time, Calendar and Alarm Locations" (Table 3), "Register A" (UIP, DV,
 * RS with Table 5 periodic rates), "Register B", "Register C", "Register
 * D", "Update Cycle" (tBUC = 244 us), "Interrupts". The model is created at
 * virtual time 0 with the epoch; updates fall at whole seconds after. */
#include <string.h>

#include "helpers.h"

#define EPOCH_2026 1795557000LL /* 2026-11-24 21:50:00 UTC, a Tuesday */
#define SEC 1000000000ull

struct rig {
    struct vmp_clock *clock;
    struct vmp_irq_line *line;
    struct test_irq_sink sink;
    struct vmp_space *pio;
    struct vmp_rtc *rtc;
};

static void rig_init_ext(struct rig *r, int64_t epoch, bool ext)
{
    memset(r, 0, sizeof *r);
    r->clock = vmp_clock_create(NULL, NULL);
    r->line = vmp_irq_line_create("irq8");
    vmp_irq_line_add_sink(r->line, test_irq_sink_fn, &r->sink, 0);
    r->pio = vmp_space_create("pio", 0xFFFF);
    struct vmp_env env = { r->clock, NULL, NULL };
    struct vmp_rtc_config cfg = { .epoch = epoch, .extended = ext };
    r->rtc = vmp_rtc_create(&env, vmp_irq_line_source(r->line), &cfg);
    ck_assert_ptr_nonnull(r->rtc);
    ck_assert_int_eq(vmp_rtc_attach(r->rtc, r->pio, 0x70), 0);
}
static void rig_init(struct rig *r) { rig_init_ext(r, EPOCH_2026, false); }

static void rig_fini(struct rig *r)
{
    vmp_rtc_destroy(r->rtc);
    vmp_space_destroy(r->pio);
    vmp_irq_line_destroy(r->line);
    vmp_clock_destroy(r->clock);
}

static uint8_t rd(struct rig *r, uint8_t idx)
{
    vmp_space_write(r->pio, 0x70, idx, 1);
    return (uint8_t)vmp_space_read(r->pio, 0x71, 1);
}
static void wr(struct rig *r, uint8_t idx, uint8_t v)
{
    vmp_space_write(r->pio, 0x70, idx, 1);
    vmp_space_write(r->pio, 0x71, v, 1);
}
static void at(struct rig *r, uint64_t ns) { vmp_clock_set(r->clock, ns); }

/* Table 3: BCD by default, 24-hour; the century byte from the epoch. */
START_TEST(start_time_bcd)
{
    struct rig r;
    rig_init(&r);
    ck_assert_uint_eq(rd(&r, 0), 0x00);
    ck_assert_uint_eq(rd(&r, 2), 0x50);
    ck_assert_uint_eq(rd(&r, 4), 0x21);
    ck_assert_uint_eq(rd(&r, 6), 3); /* Tuesday (Sunday = 1) */
    ck_assert_uint_eq(rd(&r, 7), 0x24);
    ck_assert_uint_eq(rd(&r, 8), 0x11);
    ck_assert_uint_eq(rd(&r, 9), 0x26);
    ck_assert_uint_eq(rd(&r, VMP_CMOS_CENTURY), 0x20);
    ck_assert_uint_eq(rd(&r, VMP_RTC_REG_A), 0x26);
    ck_assert_uint_eq(rd(&r, VMP_RTC_REG_B), 0x02);
    ck_assert_uint_eq(rd(&r, VMP_RTC_REG_D), 0x80); /* VRT */
    ck_assert_int_eq(vmp_rtc_get_time(r.rtc), EPOCH_2026);
    at(&r, SEC - 1);
    ck_assert_uint_eq(rd(&r, 0), 0x00);
    at(&r, SEC);
    ck_assert_uint_eq(rd(&r, 0), 0x01);
    at(&r, 75 * SEC + SEC / 2);
    ck_assert_uint_eq(rd(&r, 0), 0x15);
    ck_assert_uint_eq(rd(&r, 2), 0x51);
    ck_assert_int_eq(vmp_rtc_get_time(r.rtc), EPOCH_2026 + 75);
    rig_fini(&r);
}
END_TEST

/* Update cycle: UIP is 1 for the 244 us before each update, 0 otherwise. */
START_TEST(uip_timing)
{
    struct rig r;
    rig_init(&r);
    for (uint64_t s = 1; s <= 3; s++) {
        at(&r, s * SEC - VMP_RTC_UIP_NS - 1);
        ck_assert_uint_eq(rd(&r, VMP_RTC_REG_A) & 0x80, 0);
        at(&r, s * SEC - VMP_RTC_UIP_NS);
        ck_assert_uint_eq(rd(&r, VMP_RTC_REG_A) & 0x80, 0x80);
        ck_assert_uint_eq(rd(&r, 0), s - 1); /* not updated yet */
        at(&r, s * SEC - 1);
        ck_assert_uint_eq(rd(&r, VMP_RTC_REG_A) & 0x80, 0x80);
        at(&r, s * SEC);
        ck_assert_uint_eq(rd(&r, VMP_RTC_REG_A) & 0x80, 0);
        ck_assert_uint_eq(rd(&r, 0), s);
    }
    /* SET inhibits updates: no UIP, time frozen; UIE is cleared. */
    wr(&r, VMP_RTC_REG_B, 0x02 | 0x10);
    wr(&r, VMP_RTC_REG_B, 0x82 | 0x10);
    ck_assert_uint_eq(rd(&r, VMP_RTC_REG_B), 0x82);
    at(&r, 5 * SEC - 100000);
    ck_assert_uint_eq(rd(&r, VMP_RTC_REG_A) & 0x80, 0);
    at(&r, 9 * SEC);
    ck_assert_uint_eq(rd(&r, 0), 3);
    wr(&r, 0, 0x40);
    wr(&r, VMP_RTC_REG_B, 0x02);
    at(&r, 10 * SEC);
    ck_assert_uint_eq(rd(&r, 0), 0x41);
    /* Divider reset (DV = 110) stops updates; DV = 010 restarts them and
     * the first update comes 500 ms later (Register A, DV bits). */
    wr(&r, VMP_RTC_REG_A, 0x66);
    at(&r, 20 * SEC);
    ck_assert_uint_eq(rd(&r, 0), 0x41);
    wr(&r, VMP_RTC_REG_A, 0x26);
    at(&r, 20 * SEC + SEC / 2 - 1);
    ck_assert_uint_eq(rd(&r, 0), 0x41);
    at(&r, 20 * SEC + SEC / 2);
    ck_assert_uint_eq(rd(&r, 0), 0x42);
    rig_fini(&r);
}
END_TEST

/* Calendar: year-end rollover with the century, leap days (y % 4), 12-hour
 * mode in BCD and binary (Table 3 ranges, bit 7 = PM). */
START_TEST(calendar_and_formats)
{
    struct rig r;
    rig_init_ext(&r, 946684799LL, false); /* 1999-12-31 23:59:59 Friday */
    ck_assert_uint_eq(rd(&r, 9), 0x99);
    ck_assert_uint_eq(rd(&r, VMP_CMOS_CENTURY), 0x19);
    at(&r, SEC);
    ck_assert_uint_eq(rd(&r, 0), 0);
    ck_assert_uint_eq(rd(&r, 4), 0);
    ck_assert_uint_eq(rd(&r, 7), 1);
    ck_assert_uint_eq(rd(&r, 8), 1);
    ck_assert_uint_eq(rd(&r, 9), 0);
    ck_assert_uint_eq(rd(&r, VMP_CMOS_CENTURY), 0x20);
    ck_assert_uint_eq(rd(&r, 6), 7); /* Saturday */
    /* Feb 28 -> 29 in 2000 (leap), then Mar 1. */
    ck_assert_int_eq(vmp_rtc_set_time(r.rtc, 951782399LL), 0);
    at(&r, 2 * SEC);
    ck_assert_uint_eq(rd(&r, 8), 2);
    ck_assert_uint_eq(rd(&r, 7), 0x29);
    vmp_clock_advance(r.clock, 86400 * SEC);
    ck_assert_uint_eq(rd(&r, 8), 3);
    ck_assert_uint_eq(rd(&r, 7), 1);
    /* 12-hour BCD: 11:59:59 AM -> 12:00:00 PM (0x92); PM -> AM (0x12). */
    wr(&r, VMP_RTC_REG_B, 0x80); /* SET, BCD, 12-hour */
    wr(&r, 4, 0x11);
    wr(&r, 2, 0x59);
    wr(&r, 0, 0x59);
    wr(&r, VMP_RTC_REG_B, 0x00);
    vmp_clock_advance(r.clock, SEC);
    ck_assert_uint_eq(rd(&r, 4), 0x92);
    ck_assert_uint_eq(rd(&r, 2), 0x00);
    wr(&r, VMP_RTC_REG_B, 0x80);
    wr(&r, 4, 0x91); /* 11 PM */
    wr(&r, 2, 0x59);
    wr(&r, 0, 0x59);
    wr(&r, VMP_RTC_REG_B, 0x00);
    vmp_clock_advance(r.clock, SEC);
    ck_assert_uint_eq(rd(&r, 4), 0x12); /* 12 AM */
    /* Binary, 24-hour and 12-hour. */
    wr(&r, VMP_RTC_REG_B, 0x86);
    wr(&r, 4, 23);
    wr(&r, 2, 59);
    wr(&r, 0, 58);
    wr(&r, 7, 31);
    wr(&r, 8, 12);
    wr(&r, 9, 99);
    wr(&r, VMP_CMOS_CENTURY, 20);
    wr(&r, VMP_RTC_REG_B, 0x06);
    vmp_clock_advance(r.clock, 2 * SEC);
    ck_assert_uint_eq(rd(&r, 0), 0);
    ck_assert_uint_eq(rd(&r, 4), 0);
    ck_assert_uint_eq(rd(&r, 9), 0);
    ck_assert_uint_eq(rd(&r, VMP_CMOS_CENTURY), 21);
    wr(&r, VMP_RTC_REG_B, 0x84); /* binary 12-hour */
    wr(&r, 4, 0x8B);              /* 11 PM */
    wr(&r, 2, 59);
    wr(&r, 0, 59);
    wr(&r, VMP_RTC_REG_B, 0x04);
    vmp_clock_advance(r.clock, SEC);
    ck_assert_uint_eq(rd(&r, 4), 0x0C); /* 12 AM */
    rig_fini(&r);
}
END_TEST

/* Table 5: every RS value gives its periodic rate; PF is set at each tick
 * whether or not PIE is, IRQ8 only with PIE; register C reads clear. */
START_TEST(periodic_every_rate)
{
    for (unsigned rs = 1; rs <= 15; rs++) {
        struct rig r;
        rig_init(&r);
        unsigned sh = rs <= 2 ? rs + 6 : rs - 1; /* period = 2^sh / 32768 s */
        wr(&r, VMP_RTC_REG_A, (uint8_t)(0x20 | rs));
        wr(&r, VMP_RTC_REG_B, 0x02 | 0x40);
        (void)rd(&r, VMP_RTC_REG_C);
        unsigned edges = 0;
        uint64_t end = 2 * SEC;
        while (vmp_clock_now(r.clock) < end) {
            uint64_t d = vmp_clock_next_deadline(r.clock);
            ck_assert_uint_ne(d, VMP_TIME_NEVER);
            at(&r, d);
            if (d > end)
                break;
            ck_assert(r.sink.level);
            edges++;
            /* edge k falls at ceil(k * 2^sh * 1e9 / 32768) ns */
            uint64_t want = ((uint64_t)edges * (SEC << sh) + 32767) / 32768;
            ck_assert_uint_eq(d, want);
            ck_assert_uint_eq(rd(&r, VMP_RTC_REG_C) & 0xE0, 0xC0); /* UF may be set too */
            ck_assert(!r.sink.level);
        }
        ck_assert_uint_eq(edges, (2u * 32768u) >> sh);
        /* Without PIE: PF still sets, no interrupt. */
        wr(&r, VMP_RTC_REG_B, 0x02);
        vmp_clock_advance(r.clock, SEC);
        ck_assert(!r.sink.level);
        ck_assert_uint_eq(rd(&r, VMP_RTC_REG_C), 0x50); /* PF, UF */
        ck_assert_uint_eq(rd(&r, VMP_RTC_REG_C), 0x00);
        rig_fini(&r);
    }
    struct rig r; /* RS = 0: none */
    rig_init(&r);
    wr(&r, VMP_RTC_REG_A, 0x20);
    wr(&r, VMP_RTC_REG_B, 0x42);
    vmp_clock_advance(r.clock, SEC / 2);
    ck_assert_uint_eq(rd(&r, VMP_RTC_REG_C), 0);
    rig_fini(&r);
}
END_TEST

/* Alarm: AF when seconds, minutes and hours match after an update; a
 * byte of 11xxxxxx is "don't care". Update-ended: UF each second. */
START_TEST(alarm_and_update_interrupts)
{
    struct rig r;
    rig_init(&r); /* 21:50:00 */
    wr(&r, 1, 0x05);
    wr(&r, 3, 0x50);
    wr(&r, 5, 0x21);
    wr(&r, VMP_RTC_REG_B, 0x22); /* AIE */
    at(&r, 5 * SEC - 1);
    ck_assert(!r.sink.level);
    at(&r, 5 * SEC);
    ck_assert(r.sink.level);
    /* IRQF | AF | UF, and PF from the default 1024 Hz rate */
    ck_assert_uint_eq(rd(&r, VMP_RTC_REG_C), 0x80 | 0x40 | 0x20 | 0x10);
    ck_assert(!r.sink.level);
    at(&r, 3600 * SEC); /* the next match is a day later */
    ck_assert(!r.sink.level);
    /* Don't-care minutes and hours: every minute at :30. */
    wr(&r, 1, 0x30);
    wr(&r, 3, 0xC0);
    wr(&r, 5, 0xFF);
    (void)rd(&r, VMP_RTC_REG_C);
    at(&r, 3630 * SEC - 1);
    ck_assert(!r.sink.level);
    at(&r, 3630 * SEC);
    ck_assert(r.sink.level);
    (void)rd(&r, VMP_RTC_REG_C);
    at(&r, 3690 * SEC);
    ck_assert(r.sink.level);
    ck_assert_uint_eq(r.sink.rises, 3);
    /* All don't care: every second. */
    wr(&r, 1, 0xC0);
    (void)rd(&r, VMP_RTC_REG_C);
    at(&r, 3691 * SEC);
    ck_assert(r.sink.level);
    (void)rd(&r, VMP_RTC_REG_C);
    /* An alarm value that cannot occur (BCD 0x5A) never matches. */
    wr(&r, 1, 0x5A);
    vmp_clock_advance(r.clock, 100 * SEC);
    ck_assert(!r.sink.level);
    ck_assert_uint_eq(rd(&r, VMP_RTC_REG_C), 0x50); /* PF, UF; no AF */
    /* UIE: an edge at every update. */
    wr(&r, VMP_RTC_REG_B, 0x12);
    uint64_t base = vmp_clock_now(r.clock) / SEC * SEC;
    unsigned rises = r.sink.rises;
    for (unsigned i = 1; i <= 5; i++) {
        at(&r, base + i * SEC - 1);
        ck_assert(!r.sink.level);
        at(&r, base + i * SEC);
        ck_assert(r.sink.level);
        ck_assert_uint_eq(rd(&r, VMP_RTC_REG_C), 0xD0); /* IRQF UF, PF */
    }
    ck_assert_uint_eq(r.sink.rises, rises + 5);
    /* Masked (HPET legacy replacement): no IRQ8, register C still set. */
    vmp_rtc_mask_irq(r.rtc, true);
    vmp_clock_advance(r.clock, SEC);
    ck_assert(!r.sink.level);
    vmp_rtc_mask_irq(r.rtc, false);
    ck_assert(r.sink.level);
    (void)rd(&r, VMP_RTC_REG_C);
    /* RESET clears the enables and flags (§"RESET"). */
    vmp_clock_advance(r.clock, SEC);
    ck_assert(r.sink.level);
    vmp_rtc_reset(r.rtc);
    ck_assert(!r.sink.level);
    ck_assert_uint_eq(rd(&r, VMP_RTC_REG_B), 0x02);
    rig_fini(&r);
}
END_TEST

/* Port 0x70 bit 7 masks NMI; CMOS RAM 0x0E-0x7F; the upper 128 bytes on
 * 0x72/0x73 when extended. */
START_TEST(cmos_ram_and_nmi)
{
    struct rig r;
    rig_init(&r);
    ck_assert(!vmp_rtc_nmi_masked(r.rtc));
    vmp_space_write(r.pio, 0x70, 0x80 | 0x40, 1);
    ck_assert(vmp_rtc_nmi_masked(r.rtc));
    vmp_space_write(r.pio, 0x71, 0xA5, 1);
    ck_assert_uint_eq(vmp_rtc_cmos_read(r.rtc, 0x40), 0xA5);
    vmp_space_write(r.pio, 0x70, 0x40, 1);
    ck_assert(!vmp_rtc_nmi_masked(r.rtc));
    for (unsigned i = 0x0E; i < 0x80; i++)
        vmp_rtc_cmos_write(r.rtc, i, (uint8_t)(i * 7));
    for (unsigned i = 0x0E; i < 0x80; i++)
        ck_assert_uint_eq(rd(&r, (uint8_t)i), (uint8_t)(i * 7));
    ck_assert_uint_eq(vmp_rtc_cmos_read(r.rtc, 0x80), 0xFF); /* 128 only */
    ck_assert_uint_eq(vmp_space_read(r.pio, 0x72, 1), 0xFF);  /* unmapped */
    vmp_rtc_cmos_write(r.rtc, VMP_RTC_REG_D, 0);
    ck_assert_uint_eq(rd(&r, VMP_RTC_REG_D), 0x80);
    rig_fini(&r);
    rig_init_ext(&r, EPOCH_2026, true);
    vmp_space_write(r.pio, 0x72, 0x10, 1);
    vmp_space_write(r.pio, 0x73, 0x5C, 1);
    ck_assert_uint_eq(vmp_rtc_cmos_read(r.rtc, 0x90), 0x5C);
    ck_assert_uint_eq(rd(&r, 0x10), 0); /* lower bank untouched */
    vmp_rtc_cmos_write(r.rtc, 0xFF, 0x77);
    vmp_space_write(r.pio, 0x72, 0xFF, 1);
    ck_assert_uint_eq(vmp_space_read(r.pio, 0x73, 1), 0x77);
    rig_fini(&r);
}
END_TEST

/* A long step: the date after 1000 days and 7 s is exact, in one go. */
START_TEST(long_step_exact)
{
    struct rig r;
    rig_init(&r);
    wr(&r, VMP_RTC_REG_B, 0x12); /* UIE: must not storm */
    vmp_clock_advance(r.clock, (1000ull * 86400 + 7) * SEC);
    ck_assert_int_eq(vmp_rtc_get_time(r.rtc), EPOCH_2026 + 1000LL * 86400 + 7);
    ck_assert_uint_eq(rd(&r, 6), (2 + 1000 % 7) % 7 + 1);
    ck_assert_uint_eq(r.sink.rises, 1);
    rig_fini(&r);
}
END_TEST

static int save(const void *m, struct vmp_state_writer *w) { return vmp_rtc_save(m, w); }
static int load(void *m, struct vmp_state_reader *r) { return vmp_rtc_load(m, r); }

START_TEST(save_load)
{
    struct rig a, b;
    rig_init(&a);
    rig_init_ext(&b, 0, false);
    vmp_rtc_cmos_write(a.rtc, 0x38, 0x21);
    wr(&a, VMP_RTC_REG_B, 0x42);
    at(&a, 3 * SEC + 5);
    vmp_space_write(a.pio, 0x70, 0x8C, 1);
    at(&b, 3 * SEC + 5);
    ck_assert_int_eq(test_roundtrip(a.rtc, b.rtc, save, load), 0);
    ck_assert_int_eq(vmp_rtc_get_time(b.rtc), EPOCH_2026 + 3);
    ck_assert_uint_eq(vmp_rtc_cmos_read(b.rtc, 0x38), 0x21);
    ck_assert(vmp_rtc_nmi_masked(b.rtc));
    ck_assert(b.sink.level); /* PF pending with PIE */
    ck_assert_uint_eq(vmp_space_read(b.pio, 0x71, 1), 0xD0); /* IRQF PF UF */
    at(&b, 4 * SEC);
    ck_assert_uint_eq(rd(&b, 0), 0x04);
    ck_assert_uint_eq(test_truncations_loaded(a.rtc, b.rtc, save, load), 0);
    rig_fini(&a);
    rig_fini(&b);
}
END_TEST

Suite *rtc_suite(void)
{
    Suite *s = suite_create("rtc");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, start_time_bcd);
    tcase_add_test(tc, uip_timing);
    tcase_add_test(tc, calendar_and_formats);
    tcase_add_test(tc, periodic_every_rate);
    tcase_add_test(tc, alarm_and_update_interrupts);
    tcase_add_test(tc, cmos_ram_and_nmi);
    tcase_add_test(tc, long_step_exact);
    tcase_add_test(tc, save_load);
    suite_add_tcase(s, tc);
    return s;
}

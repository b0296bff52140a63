/* PIT 8254 tests. References are to the Intel 8254 datasheet (order
 * 231164-005): "Mode 0" .. "Mode 5" under "Modes", "Read Operations"
 * (counter latch, read-back), Figure 20 (status byte) and "Gate". Tick k
 * of the 1.193182 MHz CLK falls at ceil(k * 1e9 / HZ) ns. */
#include <string.h>

#include "helpers.h"

struct rig {
    struct vmp_clock *clock;
    struct vmp_irq_line *line;
    struct test_irq_sink sink;
    struct vmp_space *pio;
    struct vmp_pit *pit;
};

static void rig_init(struct rig *r)
{
    memset(r, 0, sizeof *r);
    r->clock = vmp_clock_create(NULL, NULL);
    r->line = vmp_irq_line_create("irq0");
    vmp_irq_line_add_sink(r->line, test_irq_sink_fn, &r->sink, 0);
    r->pio = vmp_space_create("pio", 0xFFFF);
    struct vmp_env env = { r->clock, NULL, NULL };
    r->pit = vmp_pit_create(&env, vmp_irq_line_source(r->line));
    ck_assert_ptr_nonnull(r->pit);
    ck_assert_int_eq(vmp_pit_attach(r->pit, r->pio, 0x40), 0);
    ck_assert_int_eq(vmp_pit_attach_port61(r->pit, r->pio, 0x61), 0);
}

static void rig_fini(struct rig *r)
{
    vmp_pit_destroy(r->pit);
    vmp_space_destroy(r->pio);
    vmp_irq_line_destroy(r->line);
    vmp_clock_destroy(r->clock);
}

static void outb(struct rig *r, uint16_t port, uint8_t v) { vmp_space_write(r->pio, port, v, 1); }
static uint8_t inb(struct rig *r, uint16_t port) { return (uint8_t)vmp_space_read(r->pio, port, 1); }
static void at_tick(struct rig *r, uint64_t k)
{
    vmp_clock_set(r->clock, vmp_ticks_to_ns_ceil(k, VMP_PIT_HZ));
}
/* Counter latch command, then LSB, MSB (RW = 3). */
static unsigned latched(struct rig *r, unsigned ch)
{
    outb(r, 0x43, (uint8_t)(ch << 6));
    unsigned lo = inb(r, (uint16_t)(0x40 + ch));
    return lo | (unsigned)inb(r, (uint16_t)(0x40 + ch)) << 8;
}
static unsigned read16(struct rig *r, uint16_t port)
{
    unsigned lo = inb(r, port);
    return lo | (unsigned)inb(r, port) << 8;
}
static void program(struct rig *r, unsigned ch, unsigned mode, unsigned count)
{
    outb(r, 0x43, (uint8_t)(ch << 6 | 0x30 | mode << 1));
    outb(r, (uint16_t)(0x40 + ch), (uint8_t)count);
    outb(r, (uint16_t)(0x40 + ch), (uint8_t)(count >> 8));
}
static bool out2(struct rig *r) { return inb(r, 0x61) & 0x20; }

/* Mode 0: OUT low after the count is written, high N+1 CLKs later, and it
 * stays high while the counter wraps on. */
START_TEST(mode0_terminal_count)
{
    struct rig r;
    rig_init(&r);
    at_tick(&r, 10);
    program(&r, 0, 0, 100);
    ck_assert(!r.sink.level);
    at_tick(&r, 11);
    ck_assert_uint_eq(latched(&r, 0), 100); /* loaded on the next CLK */
    at_tick(&r, 61);
    ck_assert_uint_eq(latched(&r, 0), 50);
    at_tick(&r, 110);
    ck_assert(!r.sink.level);
    ck_assert_uint_eq(r.sink.rises, 0);
    at_tick(&r, 111); /* 10 + 100 + 1 */
    ck_assert(r.sink.level);
    ck_assert_uint_eq(r.sink.rises, 1);
    at_tick(&r, 112);
    ck_assert_uint_eq(latched(&r, 0), 0xFFFF); /* keeps counting */
    at_tick(&r, 200000);
    ck_assert(r.sink.level);
    ck_assert_uint_eq(r.sink.rises, 1);
    /* A new count makes OUT low again. */
    program(&r, 0, 0, 5);
    ck_assert(!r.sink.level);
    at_tick(&r, 200006);
    ck_assert_uint_eq(r.sink.rises, 2);
    rig_fini(&r);
}
END_TEST

/* Mode 0: GATE low suspends counting (channel 2, gate = port 0x61 bit 0);
 * writing the first byte of a two-byte count stops counting at once. */
START_TEST(mode0_gate_and_first_byte)
{
    struct rig r;
    rig_init(&r);
    outb(&r, 0x61, 0x01);
    program(&r, 2, 0, 20); /* tick 0: loads at 1 */
    at_tick(&r, 6);
    ck_assert_uint_eq(latched(&r, 2), 15);
    outb(&r, 0x61, 0x00); /* gate low */
    at_tick(&r, 1000);
    ck_assert_uint_eq(latched(&r, 2), 15);
    ck_assert(!out2(&r));
    outb(&r, 0x61, 0x01); /* resumes */
    at_tick(&r, 1014);
    ck_assert_uint_eq(latched(&r, 2), 1);
    ck_assert(!out2(&r));
    at_tick(&r, 1015);
    ck_assert(out2(&r));
    /* First byte of a new count: OUT low at once, counting stops. */
    outb(&r, 0x42, 50);
    ck_assert(!out2(&r));
    at_tick(&r, 2000);
    ck_assert(!out2(&r));
    outb(&r, 0x42, 0);
    at_tick(&r, 2050);
    ck_assert(!out2(&r));
    at_tick(&r, 2051);
    ck_assert(out2(&r));
    rig_fini(&r);
}
END_TEST

/* Mode 1: a GATE rising edge triggers; OUT low on the next CLK for N
 * CLKs; a retrigger restarts the full count. */
START_TEST(mode1_one_shot)
{
    struct rig r;
    rig_init(&r);
    program(&r, 2, 1, 10);
    ck_assert(out2(&r));
    at_tick(&r, 100);
    ck_assert(out2(&r)); /* nothing without a trigger */
    outb(&r, 0x61, 0x01); /* trigger at tick 100 */
    ck_assert(out2(&r));
    at_tick(&r, 101);
    ck_assert(!out2(&r));
    ck_assert_uint_eq(latched(&r, 2), 10);
    at_tick(&r, 106);
    outb(&r, 0x61, 0x00);
    outb(&r, 0x61, 0x01); /* retrigger at 106: low until 117 */
    at_tick(&r, 116);
    ck_assert(!out2(&r));
    at_tick(&r, 117);
    ck_assert(out2(&r));
    rig_fini(&r);
}
END_TEST

/* Mode 2: period N, OUT low for one CLK when the count reaches 1; IRQ0
 * rises every N CLKs after the load. */
START_TEST(mode2_rate_generator)
{
    struct rig r;
    rig_init(&r);
    program(&r, 0, 2, 10); /* loads at tick 1 */
    ck_assert(r.sink.level);
    r.sink.rises = 0; /* the mode write itself raised OUT */
    at_tick(&r, 1);
    ck_assert_uint_eq(latched(&r, 0), 10);
    at_tick(&r, 9);
    ck_assert_uint_eq(latched(&r, 0), 2);
    ck_assert(r.sink.level);
    at_tick(&r, 10);
    ck_assert_uint_eq(latched(&r, 0), 1);
    ck_assert(!r.sink.level);
    ck_assert_uint_eq(r.sink.falls, 1);
    at_tick(&r, 11);
    ck_assert(r.sink.level);
    ck_assert_uint_eq(r.sink.rises, 1);
    ck_assert_uint_eq(latched(&r, 0), 10);
    at_tick(&r, 1 + 10 * 1000);
    ck_assert_uint_eq(r.sink.rises, 1000);
    at_tick(&r, 1 + 10 * 1000 + 9);
    ck_assert_uint_eq(r.sink.rises, 1000);
    ck_assert_uint_eq(r.sink.falls, 1001);
    /* A new count takes effect at the end of the current period. */
    at_tick(&r, 10014); /* period started at 10011 */
    outb(&r, 0x40, 4);
    outb(&r, 0x40, 0);
    at_tick(&r, 10020);
    ck_assert_uint_eq(latched(&r, 0), 1); /* old period still runs */
    ck_assert_uint_eq(r.sink.rises, 1001);
    at_tick(&r, 10021);
    ck_assert_uint_eq(latched(&r, 0), 4);
    ck_assert_uint_eq(r.sink.rises, 1002);
    at_tick(&r, 10025);
    ck_assert_uint_eq(r.sink.rises, 1003);
    rig_fini(&r);
}
END_TEST

/* Mode 2 on channel 2: GATE low forces OUT high and stops; rising reloads. */
START_TEST(mode2_gate)
{
    struct rig r;
    rig_init(&r);
    outb(&r, 0x61, 0x01);
    program(&r, 2, 2, 8);
    at_tick(&r, 8);
    ck_assert(!out2(&r)); /* count 1 */
    outb(&r, 0x61, 0x00);
    ck_assert(out2(&r));
    at_tick(&r, 100);
    ck_assert(out2(&r));
    outb(&r, 0x61, 0x01); /* reload on the next CLK: 101 */
    at_tick(&r, 101);
    ck_assert_uint_eq(latched(&r, 2), 8);
    at_tick(&r, 108);
    ck_assert(!out2(&r));
    rig_fini(&r);
}
END_TEST

/* Mode 3: even N: high N/2, low N/2, decrementing by two; odd N: high
 * (N+1)/2, low (N-1)/2, counting N-1, N-3, .. */
START_TEST(mode3_square_wave)
{
    struct rig r;
    rig_init(&r);
    program(&r, 0, 3, 10); /* load 1: high 1..5, low 6..10, high 11 */
    r.sink.rises = 0;
    at_tick(&r, 1);
    ck_assert_uint_eq(latched(&r, 0), 10);
    at_tick(&r, 2);
    ck_assert_uint_eq(latched(&r, 0), 8);
    at_tick(&r, 5);
    ck_assert(r.sink.level);
    at_tick(&r, 6);
    ck_assert(!r.sink.level);
    ck_assert_uint_eq(latched(&r, 0), 10);
    at_tick(&r, 11);
    ck_assert(r.sink.level);
    ck_assert_uint_eq(r.sink.rises, 1);
    at_tick(&r, 1001);
    ck_assert_uint_eq(r.sink.rises, 100);
    program(&r, 0, 3, 5); /* at 1001: load 1002, high 1002..1004, low 1005..1006 */
    at_tick(&r, 1002);
    ck_assert_uint_eq(latched(&r, 0), 4);
    at_tick(&r, 1004);
    ck_assert_uint_eq(latched(&r, 0), 0);
    ck_assert(r.sink.level);
    at_tick(&r, 1005);
    ck_assert(!r.sink.level);
    ck_assert_uint_eq(latched(&r, 0), 4);
    at_tick(&r, 1007);
    ck_assert(r.sink.level);
    ck_assert_uint_eq(r.sink.rises, 101);
    /* Gate (channel 2): low forces OUT high and stops; rising reloads. */
    outb(&r, 0x61, 0x01);
    program(&r, 2, 3, 8); /* at 1007: load 1008, high 1008..1011, low 1012.. */
    at_tick(&r, 1012);
    ck_assert(!out2(&r));
    outb(&r, 0x61, 0x00);
    ck_assert(out2(&r));
    at_tick(&r, 1100);
    ck_assert(out2(&r));
    ck_assert_uint_eq(latched(&r, 2), 8);
    outb(&r, 0x61, 0x01); /* reload at 1101 */
    at_tick(&r, 1104);
    ck_assert(out2(&r));
    ck_assert_uint_eq(latched(&r, 2), 2);
    at_tick(&r, 1105);
    ck_assert(!out2(&r));
    uint32_t hz = 1;
    outb(&r, 0x61, 0x03);
    program(&r, 2, 3, 1193);
    (void)vmp_pit_speaker(r.pit, &hz);
    ck_assert_uint_eq(hz, VMP_PIT_HZ / 1193);
    rig_fini(&r);
}
END_TEST

/* Mode 4: OUT strobes low for one CLK N+1 CLKs after the write; GATE low
 * suspends counting. Mode 5: same strobe from a GATE trigger. */
START_TEST(mode4_mode5_strobes)
{
    struct rig r;
    rig_init(&r);
    program(&r, 0, 4, 5);
    at_tick(&r, 5);
    ck_assert(r.sink.level);
    at_tick(&r, 6);
    ck_assert(!r.sink.level);
    at_tick(&r, 7);
    ck_assert(r.sink.level);
    ck_assert_uint_eq(r.sink.rises, 2); /* the mode write set it high once */
    at_tick(&r, 100000);
    ck_assert_uint_eq(r.sink.falls, 1); /* no reload: one strobe */

    outb(&r, 0x61, 0x01);
    program(&r, 2, 4, 10);
    at_tick(&r, 100003);
    outb(&r, 0x61, 0x00);
    at_tick(&r, 100500);
    outb(&r, 0x61, 0x01); /* counted 10, 9, 8; 8 more from 100500 */
    at_tick(&r, 100508);
    ck_assert(!out2(&r));
    at_tick(&r, 100509);
    ck_assert(out2(&r));

    outb(&r, 0x61, 0x00);
    program(&r, 2, 5, 3);
    at_tick(&r, 200000);
    ck_assert(out2(&r));
    outb(&r, 0x61, 0x01); /* trigger: load 200001, strobe at 200004 */
    at_tick(&r, 200003);
    ck_assert(out2(&r));
    at_tick(&r, 200004);
    ck_assert(!out2(&r));
    at_tick(&r, 200005);
    ck_assert(out2(&r));
    /* Mode 5 retrigger restarts the count: strobe N+1 CLKs after it. */
    outb(&r, 0x61, 0x00);
    outb(&r, 0x61, 0x01); /* 200005: strobe would be at 200009 */
    at_tick(&r, 200007);
    outb(&r, 0x61, 0x00);
    outb(&r, 0x61, 0x01); /* retrigger: strobe at 200011 */
    at_tick(&r, 200009);
    ck_assert(out2(&r));
    at_tick(&r, 200011);
    ck_assert(!out2(&r));
    at_tick(&r, 200012);
    ck_assert(out2(&r));
    rig_fini(&r);
}
END_TEST

/* BCD counting and LSB-only / MSB-only access ("Control Word Format"). */
START_TEST(bcd_and_access_modes)
{
    struct rig r;
    rig_init(&r);
    outb(&r, 0x61, 0x01);
    outb(&r, 0x43, 0xB5); /* ch2, LSB+MSB, mode 2, BCD */
    outb(&r, 0x42, 0x99);
    outb(&r, 0x42, 0x00);
    at_tick(&r, 1);
    ck_assert_uint_eq(latched(&r, 2), 0x99);
    at_tick(&r, 11);
    ck_assert_uint_eq(latched(&r, 2), 0x89);
    at_tick(&r, 100);
    ck_assert_uint_eq(latched(&r, 2), 0x99); /* period 99 */
    outb(&r, 0x43, 0xB1); /* mode 0 BCD, count 0 = 10000 */
    outb(&r, 0x42, 0);
    outb(&r, 0x42, 0);
    at_tick(&r, 102);
    ck_assert_uint_eq(latched(&r, 2), 0x9999);
    outb(&r, 0x43, 0x90); /* ch2 LSB only, mode 0 */
    outb(&r, 0x42, 0x20);
    at_tick(&r, 103);
    ck_assert_uint_eq(inb(&r, 0x42), 0x20);
    at_tick(&r, 104);
    ck_assert_uint_eq(inb(&r, 0x42), 0x1F);
    outb(&r, 0x43, 0xA4); /* ch2 MSB only, mode 2: count 0x0100 */
    outb(&r, 0x42, 0x01);
    at_tick(&r, 105);
    ck_assert_uint_eq(inb(&r, 0x42), 0x01);
    at_tick(&r, 106);
    ck_assert_uint_eq(inb(&r, 0x42), 0x00); /* 0x00FF */
    rig_fini(&r);
}
END_TEST

/* Counter latch holds until read; a second latch is ignored. Read-back
 * latches status (OUT, NULL COUNT, control bits) and count; status reads
 * first. NULL COUNT is set by a write and cleared by the CR->CE load. */
START_TEST(latch_and_readback)
{
    struct rig r;
    rig_init(&r);
    outb(&r, 0x61, 0x01);
    program(&r, 2, 2, 1000);
    at_tick(&r, 101);
    outb(&r, 0x43, 0x80);
    at_tick(&r, 200);
    outb(&r, 0x43, 0x80); /* ignored */
    ck_assert_uint_eq(inb(&r, 0x42), (900) & 0xFF);
    ck_assert_uint_eq(inb(&r, 0x42), 900 >> 8);
    ck_assert_uint_eq(latched(&r, 2), 801);
    /* Live reads alternate LSB, MSB. */
    at_tick(&r, 201);
    ck_assert_uint_eq(inb(&r, 0x42), 800 & 0xFF);
    ck_assert_uint_eq(inb(&r, 0x42), 800 >> 8);

    outb(&r, 0x43, 0xB4); /* new control word: null count until load */
    outb(&r, 0x43, 0xE8); /* read-back status of ch2 */
    ck_assert_uint_eq(inb(&r, 0x42), 0x80 | 0x40 | 0x34);
    outb(&r, 0x42, 0x10);
    outb(&r, 0x42, 0x00);
    outb(&r, 0x43, 0xE8);
    ck_assert_uint_eq(inb(&r, 0x42) & 0x40, 0x40); /* not yet loaded */
    at_tick(&r, 202);
    outb(&r, 0x43, 0xC8); /* read-back count+status ch2 */
    ck_assert_uint_eq(inb(&r, 0x42), 0x80 | 0x34); /* status first */
    ck_assert_uint_eq(inb(&r, 0x42), 0x10);
    ck_assert_uint_eq(inb(&r, 0x42), 0x00);
    /* Count-only read-back of channels 0 and 2 together. */
    program(&r, 0, 2, 0x3000);
    at_tick(&r, 300);
    outb(&r, 0x43, 0xDA);
    at_tick(&r, 310);
    ck_assert_uint_eq(read16(&r, 0x40), 0x3000 - 97);
    ck_assert_uint_eq(read16(&r, 0x42), 0x10 - (300 - 202) % 0x10);
    ck_assert_uint_eq(inb(&r, 0x43), 0xFF);
    rig_fini(&r);
}
END_TEST

/* Port 0x61: bits 0-3 read back, bit 4 toggles with refresh, bit 5 is
 * OUT2, writes to 4-7 are ignored; speaker needs bits 0 and 1. */
START_TEST(port61)
{
    struct rig r;
    rig_init(&r);
    outb(&r, 0x61, 0xFF);
    ck_assert_uint_eq(inb(&r, 0x61) & 0xCF, 0x0F);
    vmp_clock_set(r.clock, 0);
    unsigned b0 = inb(&r, 0x61) & 0x10;
    vmp_clock_set(r.clock, VMP_PIT_REFRESH_NS);
    ck_assert_uint_ne(inb(&r, 0x61) & 0x10, b0);
    vmp_clock_set(r.clock, 2 * VMP_PIT_REFRESH_NS);
    ck_assert_uint_eq(inb(&r, 0x61) & 0x10, b0);
    outb(&r, 0x61, 0x03);
    program(&r, 2, 0, 50);
    ck_assert(!vmp_pit_speaker(r.pit, NULL));
    vmp_clock_advance(r.clock, 1000000);
    ck_assert(out2(&r));
    ck_assert(vmp_pit_speaker(r.pit, NULL));
    outb(&r, 0x61, 0x01);
    ck_assert(!vmp_pit_speaker(r.pit, NULL));
    rig_fini(&r);
}
END_TEST

/* Masking IRQ0 (HPET legacy replacement) holds the line low; OUT0 goes on. */
START_TEST(irq0_mask)
{
    struct rig r;
    rig_init(&r);
    program(&r, 0, 3, 10);
    ck_assert(r.sink.level);
    vmp_pit_mask_irq(r.pit, true);
    ck_assert(!r.sink.level);
    unsigned rises = r.sink.rises;
    at_tick(&r, 1001);
    ck_assert_uint_eq(r.sink.rises, rises);
    ck_assert(vmp_pit_get_out(r.pit, 0)); /* tick 1001: high half */
    vmp_pit_mask_irq(r.pit, false);
    ck_assert(r.sink.level);
    at_tick(&r, 1011);
    ck_assert_uint_eq(r.sink.rises, rises + 2);
    rig_fini(&r);
}
END_TEST

/* Count 1 in mode 2 (illegal per the datasheet) and count 2: a 10 s step
 * must neither hang nor let the counter drift from the clock. */
START_TEST(tiny_periods_catch_up)
{
    struct rig r;
    rig_init(&r);
    program(&r, 0, 2, 1);
    vmp_clock_advance(r.clock, 10 * VMP_NS_PER_SEC);
    vmp_clock_advance(r.clock, 1);
    ck_assert_uint_gt(r.sink.rises, 0);
    ck_assert_uint_ge(vmp_clock_next_deadline(r.clock), vmp_clock_now(r.clock));
    program(&r, 0, 2, 2);
    uint64_t t0 = vmp_ns_to_ticks(vmp_clock_now(r.clock), VMP_PIT_HZ);
    vmp_clock_advance(r.clock, 10 * VMP_NS_PER_SEC);
    vmp_clock_advance(r.clock, 1);
    uint64_t t = vmp_ns_to_ticks(vmp_clock_now(r.clock), VMP_PIT_HZ);
    ck_assert_uint_eq(latched(&r, 0), 2 - (t - t0 - 1) % 2);
    ck_assert_uint_ge(vmp_clock_next_deadline(r.clock), vmp_clock_now(r.clock));
    rig_fini(&r);
}
END_TEST

static int save(const void *m, struct vmp_state_writer *w) { return vmp_pit_save(m, w); }
static int load(void *m, struct vmp_state_reader *r) { return vmp_pit_load(m, r); }

START_TEST(save_load)
{
    struct rig a, b;
    rig_init(&a);
    rig_init(&b);
    program(&a, 0, 2, 100);
    outb(&a, 0x61, 0x03);
    program(&a, 2, 3, 30);
    at_tick(&a, 55);
    outb(&a, 0x43, 0x00); /* latch ch0 */
    at_tick(&b, 55);
    ck_assert_int_eq(test_roundtrip(a.pit, b.pit, save, load), 0);
    ck_assert_uint_eq(inb(&b, 0x40), 46);
    ck_assert_uint_eq(inb(&b, 0x61) & 0x23, 0x03); /* mode 3 low half */
    b.sink.rises = 0;
    at_tick(&b, 201);
    ck_assert_uint_eq(b.sink.rises, 2); /* ticks 101 and 201 */
    ck_assert_uint_eq(test_truncations_loaded(a.pit, b.pit, save, load), 0);
    rig_fini(&a);
    rig_fini(&b);
}
END_TEST

Suite *pit_suite(void)
{
    Suite *s = suite_create("pit");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, mode0_terminal_count);
    tcase_add_test(tc, mode0_gate_and_first_byte);
    tcase_add_test(tc, mode1_one_shot);
    tcase_add_test(tc, mode2_rate_generator);
    tcase_add_test(tc, mode2_gate);
    tcase_add_test(tc, mode3_square_wave);
    tcase_add_test(tc, mode4_mode5_strobes);
    tcase_add_test(tc, bcd_and_access_modes);
    tcase_add_test(tc, latch_and_readback);
    tcase_add_test(tc, port61);
    tcase_add_test(tc, irq0_mask);
    tcase_add_test(tc, tiny_periods_catch_up);
    tcase_add_test(tc, save_load);
    suite_add_tcase(s, tc);
    return s;
}

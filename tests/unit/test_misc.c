/* Debug exit, debug console, pc-testdev ports, reset control (0xCF9) and
 * System Control Port A (0x92). */
#include <string.h>

#include <vmparts/misc.h>

#include "helpers.h"

static struct vmp_space *pio;

static struct {
    unsigned exits;
    uint64_t status;
    unsigned chars;
    uint8_t text[32];
    unsigned flushes;
    uint64_t flush_gpa;
    unsigned resets;
    enum vmp_reset_kind kind;
    unsigned a20_calls;
    bool a20;
} rec;

static void on_exit_(void *o, uint64_t status)
{
    (void)o;
    rec.exits++;
    rec.status = status;
}
static void on_putc(void *o, uint8_t b)
{
    (void)o;
    if (rec.chars < sizeof rec.text)
        rec.text[rec.chars] = b;
    rec.chars++;
}
static void on_flush(void *o, uint64_t gpa)
{
    (void)o;
    rec.flushes++;
    rec.flush_gpa = gpa;
}
static void on_reset(void *o, enum vmp_reset_kind k)
{
    (void)o;
    rec.resets++;
    rec.kind = k;
}
static void on_a20(void *o, bool on)
{
    (void)o;
    rec.a20_calls++;
    rec.a20 = on;
}

static void setup(void)
{
    memset(&rec, 0, sizeof rec);
    pio = vmp_space_create("pio", 0xFFFF);
}
static void teardown(void) { vmp_space_destroy(pio); }

static uint64_t in(uint16_t port, unsigned size) { return vmp_space_read(pio, port, size); }
static void out(uint16_t port, uint64_t v, unsigned size) { vmp_space_write(pio, port, v, size); }

/* ---- debug exit ---- */

static int de_save(const void *m, struct vmp_state_writer *w) { return vmp_debug_exit_save(m, w); }
static int de_load(void *m, struct vmp_state_reader *r) { return vmp_debug_exit_load(m, r); }

START_TEST(debug_exit_status)
{
    /* QEMU isa-debug-exit: status = (value << 1) | 1, value as written. */
    struct vmp_debug_exit_ops ops = { on_exit_, NULL };
    struct vmp_debug_exit *d = vmp_debug_exit_create(NULL, 4, &ops);
    ck_assert_int_eq(vmp_debug_exit_attach(d, pio, 0xF4), 0);
    out(0xF4, 0x00, 1);
    ck_assert_uint_eq(rec.exits, 1);
    ck_assert_uint_eq(rec.status, 1);
    out(0xF4, 0x10, 1);
    ck_assert_uint_eq(rec.status, 0x21);
    out(0xF4, 0x1234, 2);
    ck_assert_uint_eq(rec.status, 0x2469);
    out(0xF4, 0xFFFFFFFF, 4);
    ck_assert_uint_eq(rec.status, 0x1FFFFFFFFull);
    out(0xF6, 0x3, 1); /* any offset, value not shifted */
    ck_assert_uint_eq(rec.status, 7);
    ck_assert_uint_eq(rec.exits, 5);
    ck_assert_uint_eq(in(0xF4, 4), 0xFFFFFFFF); /* nothing to read */
    ck_assert_uint_eq(in(0xF4, 1), 0xFF);
    vmp_debug_exit_destroy(d);
}
END_TEST

START_TEST(debug_exit_sizes)
{
    struct vmp_debug_exit_ops ops = { on_exit_, NULL };
    ck_assert_ptr_null(vmp_debug_exit_create(NULL, 3, &ops));
    ck_assert_ptr_null(vmp_debug_exit_create(NULL, 8, &ops));
    /* iosize 1: a 32-bit OUT is split by the bus; only the port's byte
     * reaches the device (the rest is unmapped). */
    struct vmp_debug_exit *d = vmp_debug_exit_create(NULL, 1, &ops);
    ck_assert_int_eq(vmp_debug_exit_attach(d, pio, 0xF4), 0);
    out(0xF4, 0x12345678, 4);
    ck_assert_uint_eq(rec.exits, 1);
    ck_assert_uint_eq(rec.status, 0xF1);
    /* A NULL callback is a no-op. */
    struct vmp_debug_exit *n = vmp_debug_exit_create(NULL, 2, NULL);
    ck_assert_int_eq(vmp_debug_exit_attach(n, pio, 0x501), 0);
    out(0x501, 1, 2);
    ck_assert_uint_eq(rec.exits, 1);
    /* Save/load: round trip, truncations, width mismatch refused. */
    ck_assert_int_eq(test_roundtrip(d, d, de_save, de_load), 0);
    ck_assert_uint_eq(test_truncations_loaded(d, d, de_save, de_load), 0);
    ck_assert_int_eq(test_roundtrip(d, n, de_save, de_load), -EINVAL);
    vmp_debug_exit_destroy(d);
    vmp_debug_exit_destroy(n);
}
END_TEST

/* ---- debug console ---- */

static int dc_save(const void *m, struct vmp_state_writer *w) { return vmp_debug_console_save(m, w); }
static int dc_load(void *m, struct vmp_state_reader *r) { return vmp_debug_console_load(m, r); }

START_TEST(debug_console)
{
    struct vmp_debug_console_ops ops = { on_putc, NULL };
    struct vmp_debug_console *c = vmp_debug_console_create(NULL, &ops);
    ck_assert_int_eq(vmp_debug_console_attach(c, pio, 0xE9), 0);
    const char *msg = "hi\n";
    for (const char *p = msg; *p; p++)
        out(0xE9, (uint8_t)*p, 1);
    ck_assert_uint_eq(rec.chars, 3);
    ck_assert_mem_eq(rec.text, "hi\n", 3);
    /* Bochs/QEMU detection value. */
    ck_assert_uint_eq(in(0xE9, 1), 0xE9);
    /* A 16-bit OUT: the byte at 0xE9 reaches the console, 0xEA is not it. */
    out(0xE9, 0x4241, 2);
    ck_assert_uint_eq(rec.chars, 4);
    ck_assert_uint_eq(rec.text[3], 0x41);
    ck_assert_int_eq(test_roundtrip(c, c, dc_save, dc_load), 0);
    ck_assert_uint_eq(test_truncations_loaded(c, c, dc_save, dc_load), 0);
    vmp_debug_console_reset(c);
    vmp_debug_console_destroy(c);
}
END_TEST

/* ---- test device ---- */

struct tdrig {
    struct vmp_irq_line *lines[VMP_TESTDEV_IRQS];
    struct vmp_irq *irqs[VMP_TESTDEV_IRQS];
};

static void tdrig_init(struct tdrig *r)
{
    for (unsigned i = 0; i < VMP_TESTDEV_IRQS; i++) {
        r->lines[i] = vmp_irq_line_create("td");
        r->irqs[i] = vmp_irq_line_source(r->lines[i]);
    }
}

static void tdrig_free(struct tdrig *r)
{
    for (unsigned i = 0; i < VMP_TESTDEV_IRQS; i++)
        vmp_irq_line_destroy(r->lines[i]);
}

static int td_save(const void *m, struct vmp_state_writer *w) { return vmp_testdev_save(m, w); }
static int td_load(void *m, struct vmp_state_reader *r) { return vmp_testdev_load(m, r); }

START_TEST(testdev_data_register)
{
    /* pc-testdev: 0xE0 is a 32-bit register with byte lanes by offset;
     * 0xE8 is the same register taken a byte at a time. */
    struct vmp_testdev *t = vmp_testdev_create(NULL, NULL, NULL);
    ck_assert_int_eq(vmp_testdev_attach(t, pio, 0), 0);
    out(0xE0, 0x12345678, 4);
    ck_assert_uint_eq(in(0xE0, 4), 0x12345678);
    ck_assert_uint_eq(in(0xE1, 1), 0x56);
    ck_assert_uint_eq(in(0xE2, 2), 0x1234);
    out(0xE2, 0xAA, 1);
    ck_assert_uint_eq(in(0xE0, 4), 0x12AA5678);
    out(0xE8, 0xCAFEBABE, 4);
    ck_assert_uint_eq(vmp_testdev_data(t), 0xCAFEBABE);
    ck_assert_uint_eq(in(0xE0, 4), 0xCAFEBABE);
    ck_assert_uint_eq(in(0xEA, 2), 0xCAFE);
    ck_assert_uint_eq(in(0xE8, 4), 0xCAFEBABE);
    /* An access running past byte 3 of 0xE0 continues at 0xE4 (flush,
     * write-only) for the rest. */
    out(0xE3, 0xBBAA, 2);
    ck_assert_uint_eq(vmp_testdev_data(t), 0xAAFEBABE);
    ck_assert_uint_eq(in(0xE3, 2), 0xFFAA);
    vmp_testdev_reset(t);
    ck_assert_uint_eq(in(0xE0, 4), 0);
    vmp_testdev_destroy(t);
}
END_TEST

START_TEST(testdev_flush_and_irqs)
{
    struct tdrig rig;
    tdrig_init(&rig);
    struct vmp_testdev_ops ops = { on_flush, NULL };
    struct vmp_testdev *t = vmp_testdev_create(NULL, rig.irqs, &ops);
    ck_assert_int_eq(vmp_testdev_attach(t, pio, 0), 0);
    /* 0xE4: a 32-bit write of an address flushes its page. */
    out(0xE4, 0x12345ABC, 4);
    ck_assert_uint_eq(rec.flushes, 1);
    ck_assert_uint_eq(rec.flush_gpa, 0x12345000);
    out(0xE4, 0x1000, 1); /* only 32-bit writes count */
    out(0xE4, 0x1000, 2);
    ck_assert_uint_eq(rec.flushes, 1);
    ck_assert_uint_eq(in(0xE4, 4), 0xFFFFFFFF);
    /* 0x2000 + n: nonzero raises IRQ n, zero lowers it. */
    out(0x2003, 1, 1);
    ck_assert(vmp_irq_line_level(rig.lines[3]));
    ck_assert_uint_eq(in(0x2003, 1), 1);
    ck_assert_uint_eq(in(0x2004, 1), 0);
    out(0x2017, 0x80, 1);
    ck_assert(vmp_irq_line_level(rig.lines[23]));
    out(0x2003, 0, 1);
    ck_assert(!vmp_irq_line_level(rig.lines[3]));
    /* A 16-bit write drives two lines (byte-wide ports). */
    out(0x2000, 0x0101, 2);
    ck_assert(vmp_irq_line_level(rig.lines[0]));
    ck_assert(vmp_irq_line_level(rig.lines[1]));
    /* Save: a second device loaded from this one drives the same lines. */
    struct tdrig rig2;
    tdrig_init(&rig2);
    struct vmp_testdev *t2 = vmp_testdev_create(NULL, rig2.irqs, NULL);
    out(0xE0, 0xDEADBEEF, 4);
    ck_assert_int_eq(test_roundtrip(t, t2, td_save, td_load), 0);
    ck_assert_uint_eq(test_truncations_loaded(t, t2, td_save, td_load), 0);
    ck_assert_uint_eq(vmp_testdev_data(t2), 0xDEADBEEF);
    for (unsigned i = 0; i < VMP_TESTDEV_IRQS; i++)
        ck_assert(vmp_irq_line_level(rig2.lines[i]) == vmp_irq_line_level(rig.lines[i]));
    ck_assert(vmp_irq_line_level(rig2.lines[23]));
    /* Reset lowers every line. */
    vmp_testdev_reset(t);
    for (unsigned i = 0; i < VMP_TESTDEV_IRQS; i++)
        ck_assert(!vmp_irq_line_level(rig.lines[i]));
    vmp_testdev_destroy(t);
    vmp_testdev_destroy(t2);
    tdrig_free(&rig);
    tdrig_free(&rig2);
}
END_TEST

START_TEST(testdev_conflicts_with_debugcon)
{
    /* 0xE8-0xEB overlaps the debug console at 0xE9: attach fails cleanly
     * and leaves nothing of the testdev mapped. */
    struct vmp_debug_console *c = vmp_debug_console_create(NULL, NULL);
    ck_assert_int_eq(vmp_debug_console_attach(c, pio, 0xE9), 0);
    struct vmp_testdev *t = vmp_testdev_create(NULL, NULL, NULL);
    ck_assert_int_eq(vmp_testdev_attach(t, pio, 0), -EEXIST);
    ck_assert_uint_eq(in(0xE0, 4), 0xFFFFFFFF);
    ck_assert_ptr_null(vmp_space_lookup(pio, 0xE4, NULL));
    ck_assert_ptr_null(vmp_space_lookup(pio, 0x2000, NULL));
    vmp_testdev_destroy(t);
    vmp_debug_console_destroy(c);
}
END_TEST

/* ---- reset control 0xCF9 ---- */

static int rc_save(const void *m, struct vmp_state_writer *w) { return vmp_reset_ctl_save(m, w); }
static int rc_load(void *m, struct vmp_state_reader *r) { return vmp_reset_ctl_load(m, r); }

START_TEST(reset_ctl_bits)
{
    /* ICH/PCH RST_CNT: RST_CPU (bit 2) 0->1 starts the reset SYS_RST
     * (bit 1) selects: 1 hard, 0 soft (INIT#); FULL_RST (bit 3) with a
     * hard reset makes it a power cycle. */
    struct vmp_reset_ops ops = { on_reset, NULL };
    struct vmp_reset_ctl *rc = vmp_reset_ctl_create(NULL, &ops);
    ck_assert_int_eq(vmp_reset_ctl_attach(rc, pio, VMP_RESET_CTL_PORT), 0);
    ck_assert_uint_eq(in(0xCF9, 1), 0x00);
    out(0xCF9, 0x02, 1); /* Linux: select hard reset first ... */
    ck_assert_uint_eq(rec.resets, 0);
    out(0xCF9, 0x06, 1); /* ... then set RST_CPU */
    ck_assert_uint_eq(rec.resets, 1);
    ck_assert_uint_eq(rec.kind, VMP_RESET_HARD);
    ck_assert_uint_eq(in(0xCF9, 1), 0x06);
    out(0xCF9, 0x06, 1); /* no transition: nothing */
    ck_assert_uint_eq(rec.resets, 1);
    out(0xCF9, 0x00, 1);
    out(0xCF9, 0x04, 1);
    ck_assert_uint_eq(rec.resets, 2);
    ck_assert_uint_eq(rec.kind, VMP_RESET_INIT);
    out(0xCF9, 0x0A, 1);
    out(0xCF9, 0x0E, 1);
    ck_assert_uint_eq(rec.resets, 3);
    ck_assert_uint_eq(rec.kind, VMP_RESET_FULL);
    out(0xCF9, 0x08, 1);
    out(0xCF9, 0x0C, 1); /* FULL_RST without SYS_RST: a soft reset */
    ck_assert_uint_eq(rec.kind, VMP_RESET_INIT);
    out(0xCF9, 0xF1, 1); /* reserved bits read 0 */
    ck_assert_uint_eq(in(0xCF9, 1), 0x00);
    out(0xCF9, 0x0A, 1);
    struct vmp_reset_ctl *b = vmp_reset_ctl_create(NULL, NULL);
    ck_assert_int_eq(test_roundtrip(rc, b, rc_save, rc_load), 0);
    ck_assert_uint_eq(test_truncations_loaded(rc, b, rc_save, rc_load), 0);
    vmp_reset_ctl_reset(rc);
    ck_assert_uint_eq(in(0xCF9, 1), 0x00);
    ck_assert_int_eq(vmp_reset_ctl_attach(b, pio, 0x100), 0);
    ck_assert_uint_eq(in(0x100, 1), 0x0A);
    /* A state with a reserved bit set is refused. */
    struct vmp_state_writer w;
    vmp_state_writer_init(&w);
    vmp_reset_ctl_save(b, &w);
    w.buf[w.len - 1] = 0x10;
    struct vmp_state_reader r;
    vmp_state_reader_init(&r, w.buf, w.len);
    ck_assert_int_eq(vmp_reset_ctl_load(b, &r), -EINVAL);
    ck_assert_uint_eq(in(0x100, 1), 0x0A);
    vmp_state_writer_free(&w);
    vmp_reset_ctl_destroy(rc);
    vmp_reset_ctl_destroy(b);
}
END_TEST

/* ---- port 0x92 ---- */

static int p92_save(const void *m, struct vmp_state_writer *w) { return vmp_port92_save(m, w); }
static int p92_load(void *m, struct vmp_state_reader *r) { return vmp_port92_load(m, r); }

START_TEST(port92_a20_and_init)
{
    /* ICH/PCH Port 92h: bit 1 ALT_A20_GATE, bit 0 INIT_NOW (INIT# on
     * 0->1), bits 7:2 reserved. */
    struct vmp_port92_ops ops = { on_a20, on_reset, NULL };
    struct vmp_port92 *p = vmp_port92_create(NULL, &ops);
    ck_assert_int_eq(vmp_port92_attach(p, pio, VMP_PORT92_PORT), 0);
    ck_assert_uint_eq(in(0x92, 1), 0);
    ck_assert(!vmp_port92_a20(p));
    out(0x92, 0x02, 1);
    ck_assert_uint_eq(rec.a20_calls, 1);
    ck_assert(rec.a20);
    ck_assert(vmp_port92_a20(p));
    ck_assert_uint_eq(in(0x92, 1), 0x02);
    out(0x92, 0x02, 1); /* no change, no call */
    ck_assert_uint_eq(rec.a20_calls, 1);
    ck_assert_uint_eq(rec.resets, 0);
    out(0x92, 0x03, 1);
    ck_assert_uint_eq(rec.resets, 1);
    ck_assert_uint_eq(rec.kind, VMP_RESET_INIT);
    out(0x92, 0x03, 1); /* bit 0 still set: no second INIT */
    ck_assert_uint_eq(rec.resets, 1);
    out(0x92, 0xFC, 1); /* reserved bits read 0; A20 gated again */
    ck_assert_uint_eq(in(0x92, 1), 0x00);
    ck_assert_uint_eq(rec.a20_calls, 2);
    ck_assert(!rec.a20);
    out(0x92, 0x01, 1);
    ck_assert_uint_eq(rec.resets, 2);
    out(0x92, 0x02, 1);
    /* Load into a second port restores A20 and tells its embedder. */
    struct vmp_port92 *b = vmp_port92_create(NULL, &ops);
    unsigned calls = rec.a20_calls;
    ck_assert_int_eq(test_roundtrip(p, b, p92_save, p92_load), 0);
    ck_assert(vmp_port92_a20(b));
    ck_assert_uint_eq(rec.a20_calls, calls + 1);
    ck_assert_uint_eq(test_truncations_loaded(p, b, p92_save, p92_load), 0);
    ck_assert_uint_eq(rec.a20_calls, calls + 1);
    /* Reset: 00h, A20 gated (with a call). */
    vmp_port92_reset(p);
    ck_assert(!vmp_port92_a20(p));
    ck_assert(!rec.a20);
    ck_assert_uint_eq(rec.a20_calls, calls + 2);
    vmp_port92_destroy(p);
    vmp_port92_destroy(b);
}
END_TEST

Suite *misc_suite(void)
{
    Suite *s = suite_create("misc");
    TCase *tc = tcase_create("misc");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, debug_exit_status);
    tcase_add_test(tc, debug_exit_sizes);
    tcase_add_test(tc, debug_console);
    tcase_add_test(tc, testdev_data_register);
    tcase_add_test(tc, testdev_flush_and_irqs);
    tcase_add_test(tc, testdev_conflicts_with_debugcon);
    tcase_add_test(tc, reset_ctl_bits);
    tcase_add_test(tc, port92_a20_and_init);
    suite_add_tcase(s, tc);
    return s;
}

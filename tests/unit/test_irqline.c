/* IRQ lines: wired-OR sharing and fan-out (irqline.h). A PCI INTx line is
 * shared, level-triggered and active while any function asserts it (PCI
 * Local Bus Spec 3.0 §2.2.6); ISA IRQs reach both the 8259 and the IOAPIC. */
#include "helpers.h"

START_TEST(shared_wired_or)
{
    struct vmp_irq_line *l = vmp_irq_line_create("intA");
    struct test_irq_sink sink = { 0 };
    ck_assert_int_eq(vmp_irq_line_add_sink(l, test_irq_sink_fn, &sink, 16), 0);
    struct vmp_irq *a = vmp_irq_line_source(l), *b = vmp_irq_line_source(l);
    vmp_irq_set(a, true);
    vmp_irq_set(b, true);
    ck_assert_uint_eq(sink.rises, 1); /* one edge for the wire */
    vmp_irq_set(a, false);
    ck_assert(sink.level);            /* b still holds it */
    ck_assert(vmp_irq_line_level(l));
    ck_assert(!vmp_irq_get(a));
    ck_assert(vmp_irq_get(b));
    vmp_irq_set(b, false);
    ck_assert(!sink.level);
    ck_assert_uint_eq(sink.falls, 1);
    /* Setting the same level twice is not an edge. */
    vmp_irq_set(a, false);
    ck_assert_uint_eq(sink.falls, 1);
    vmp_irq_line_destroy(l);
}
END_TEST

START_TEST(fan_out_and_pulse)
{
    struct vmp_irq_line *l = vmp_irq_line_create("irq4");
    struct test_irq_sink pic = { 0 }, ioapic = { 0 };
    ck_assert_int_eq(vmp_irq_line_add_sink(l, test_irq_sink_fn, &pic, 4), 0);
    ck_assert_int_eq(vmp_irq_line_add_sink(l, test_irq_sink_fn, &ioapic, 4), 0);
    struct vmp_irq *src = vmp_irq_line_source(l);
    vmp_irq_pulse(src);
    ck_assert_uint_eq(pic.rises, 1);
    ck_assert_uint_eq(ioapic.rises, 1);
    ck_assert(!pic.level && !ioapic.level);
    /* A pulse while another source holds the wire high is no edge. */
    struct vmp_irq *other = vmp_irq_line_source(l);
    vmp_irq_set(other, true);
    vmp_irq_pulse(src);
    ck_assert_uint_eq(pic.rises, 2);
    ck_assert(pic.level);
    /* Limits. */
    ck_assert_int_eq(vmp_irq_line_add_sink(l, test_irq_sink_fn, &pic, 0), 0);
    ck_assert_int_eq(vmp_irq_line_add_sink(l, test_irq_sink_fn, &pic, 0), 0);
    ck_assert_int_eq(vmp_irq_line_add_sink(l, test_irq_sink_fn, &pic, 0), -ENOSPC);
    for (int i = 2; i < VMP_IRQ_MAX_SOURCES; i++)
        ck_assert_ptr_nonnull(vmp_irq_line_source(l));
    ck_assert_ptr_null(vmp_irq_line_source(l));
    vmp_irq_set(NULL, true); /* unconnected output: a no-op */
    vmp_irq_line_destroy(l);
}
END_TEST

struct msi_rec {
    uint64_t addr;
    uint32_t data;
    unsigned n;
};
static void msi_rec_send(void *o, uint64_t addr, uint32_t data)
{
    struct msi_rec *r = o;
    r->addr = addr;
    r->data = data;
    r->n++;
}

START_TEST(msi_sink)
{
    struct msi_rec r = { 0 };
    struct vmp_msi_sink s = { msi_rec_send, &r };
    vmp_msi_send(&s, 0xFEE01000, 0x4031);
    ck_assert_uint_eq(r.n, 1);
    ck_assert_uint_eq(r.addr, 0xFEE01000);
    ck_assert_uint_eq(r.data, 0x4031);
    vmp_msi_send(NULL, 0, 0);
    ck_assert_uint_eq(r.n, 1);
}
END_TEST

Suite *irqline_suite(void)
{
    Suite *s = suite_create("irqline");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, shared_wired_or);
    tcase_add_test(tc, fan_out_and_pulse);
    tcase_add_test(tc, msi_sink);
    suite_add_tcase(s, tc);
    return s;
}

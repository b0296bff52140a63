/* 8259A PIC pair and ELCR. Sections cited are those of the Intel 8259A
 * datasheet (231468); the ELCR is the PIIX/EISA edge/level register. */
#include "helpers.h"

#include <vmparts/irq.h>

struct board {
    struct vmp_space *pio;
    struct vmp_irq_line *intr;
    struct test_irq_sink sink;
    struct vmp_pic *pic;
};

static void board_init(struct board *b)
{
    memset(b, 0, sizeof *b);
    b->pio = vmp_space_create("pio", 0xFFFF);
    b->intr = vmp_irq_line_create("intr");
    ck_assert_int_eq(vmp_irq_line_add_sink(b->intr, test_irq_sink_fn, &b->sink, 0), 0);
    b->pic = vmp_pic_create(NULL, vmp_irq_line_source(b->intr));
    ck_assert_ptr_nonnull(b->pic);
    ck_assert_int_eq(vmp_pic_attach(b->pic, b->pio), 0);
}

static void board_free(struct board *b)
{
    vmp_pic_destroy(b->pic);
    vmp_irq_line_destroy(b->intr);
    vmp_space_destroy(b->pio);
}

static void out(struct board *b, uint16_t port, uint8_t v) { vmp_space_write(b->pio, port, v, 1); }
static uint8_t in(struct board *b, uint16_t port) { return (uint8_t)vmp_space_read(b->pio, port, 1); }

/* The PC/AT sequence: ICW1 edge+ICW4, ICW2 base, ICW3 cascade, ICW4 8086
 * ("Initialization Command Words", figure 6). */
static void init_pc(struct board *b, uint8_t icw4_master, uint8_t icw4_slave)
{
    out(b, 0x20, 0x11);
    out(b, 0x21, 0x08);
    out(b, 0x21, 0x04);
    out(b, 0x21, icw4_master);
    out(b, 0xA0, 0x11);
    out(b, 0xA1, 0x70);
    out(b, 0xA1, 0x02);
    out(b, 0xA1, icw4_slave);
}

static uint8_t isr(struct board *b, uint16_t port)
{
    out(b, port, 0x0B); /* OCW3: read ISR */
    return in(b, port);
}
static uint8_t irr(struct board *b, uint16_t port)
{
    out(b, port, 0x0A); /* OCW3: read IRR */
    return in(b, port);
}

START_TEST(init_sequence_and_vectors)
{
    struct board b;
    board_init(&b);
    init_pc(&b, 0x01, 0x01);
    /* ICW1 clears the IMR: all levels enabled after initialisation. */
    ck_assert_uint_eq(in(&b, 0x21), 0);
    ck_assert_uint_eq(in(&b, 0xA1), 0);
    vmp_pic_set_irq(b.pic, 0, true);
    ck_assert(b.sink.level);
    ck_assert(vmp_pic_intr(b.pic));
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x08);
    ck_assert(!b.sink.level);
    ck_assert_uint_eq(isr(&b, 0x20), 0x01);
    out(&b, 0x20, 0x20); /* non-specific EOI */
    ck_assert_uint_eq(isr(&b, 0x20), 0x00);
    /* The line is still high, but edge-triggered: no new request. */
    ck_assert(!b.sink.level);
    /* Re-initialising with a new base: vectors follow ICW2. */
    out(&b, 0x20, 0x11);
    out(&b, 0x21, 0x20);
    out(&b, 0x21, 0x04);
    out(&b, 0x21, 0x01);
    vmp_pic_set_irq(b.pic, 0, false);
    vmp_pic_set_irq(b.pic, 1, true);
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x21);
    board_free(&b);
}
END_TEST

START_TEST(init_single_without_icw4)
{
    /* SNGL=1 skips ICW3, IC4=0 skips ICW4: the next data write is OCW1. */
    struct board b;
    board_init(&b);
    out(&b, 0x20, 0x12);
    out(&b, 0x21, 0x40);
    out(&b, 0x21, 0x01);
    ck_assert_uint_eq(in(&b, 0x21), 0x01);
    vmp_pic_set_irq(b.pic, 0, true);
    ck_assert(!vmp_pic_intr(b.pic));
    vmp_pic_set_irq(b.pic, 1, true);
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x41);
    /* IC4=0 zeroes ICW4: no AEOI, so IR1 is in service. */
    ck_assert_uint_eq(isr(&b, 0x20), 0x02);
    board_free(&b);
}
END_TEST

START_TEST(cascade_through_ir2)
{
    struct board b;
    board_init(&b);
    init_pc(&b, 0x01, 0x01);
    vmp_pic_set_irq(b.pic, 9, true);
    ck_assert(b.sink.level);
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x71);
    ck_assert_uint_eq(isr(&b, 0x20), 0x04);
    ck_assert_uint_eq(isr(&b, 0xA0), 0x02);
    /* Both chips need their EOI. */
    out(&b, 0xA0, 0x20);
    out(&b, 0x20, 0x20);
    ck_assert_uint_eq(isr(&b, 0x20), 0);
    ck_assert_uint_eq(isr(&b, 0xA0), 0);
    board_free(&b);
}
END_TEST

START_TEST(fully_nested_priority)
{
    /* "Fully Nested Mode": IR0 highest, IR7 lowest; an in-service level
     * blocks itself and lower levels, a higher level preempts. */
    struct board b;
    board_init(&b);
    init_pc(&b, 0x01, 0x01);
    vmp_pic_set_irq(b.pic, 3, true);
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x0B);
    vmp_pic_set_irq(b.pic, 5, true);
    ck_assert(!vmp_pic_intr(b.pic));
    vmp_pic_set_irq(b.pic, 1, true);
    ck_assert(vmp_pic_intr(b.pic));
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x09);
    ck_assert_uint_eq(isr(&b, 0x20), 0x0A);
    out(&b, 0x20, 0x20); /* clears the highest: IR1 */
    ck_assert_uint_eq(isr(&b, 0x20), 0x08);
    ck_assert(!vmp_pic_intr(b.pic));
    out(&b, 0x20, 0x63); /* specific EOI for IR3 */
    ck_assert(vmp_pic_intr(b.pic));
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x0D);
    board_free(&b);
}
END_TEST

START_TEST(elcr_level_triggering)
{
    struct board b;
    board_init(&b);
    init_pc(&b, 0x01, 0x01);
    /* IRQ0-2 (and IRQ8, IRQ13) cannot be level: their ELCR bits are 0. */
    out(&b, 0x4D0, 0xFF);
    out(&b, 0x4D1, 0xFF);
    ck_assert_uint_eq(in(&b, 0x4D0), 0xF8);
    ck_assert_uint_eq(in(&b, 0x4D1), 0xDE);
    out(&b, 0x4D0, 0);
    out(&b, 0x4D1, 0x04); /* IRQ10 level */
    vmp_pic_set_irq(b.pic, 10, true);
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x72);
    out(&b, 0xA0, 0x20);
    out(&b, 0x20, 0x20);
    /* Still asserted after EOI: a level input requests again. */
    ck_assert(vmp_pic_intr(b.pic));
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x72);
    out(&b, 0xA0, 0x20);
    out(&b, 0x20, 0x20);
    /* De-asserted: the level IRR bit follows the line. */
    vmp_pic_set_irq(b.pic, 10, false);
    ck_assert_uint_eq(irr(&b, 0xA0), 0);
    /* The master's edge-triggered IR2 had latched the slave's renewed INT
     * before the line fell: the acknowledge finds nothing on the slave,
     * which answers with IR7, the spurious IRQ15 ("Interrupt Sequence"). */
    ck_assert(vmp_pic_intr(b.pic));
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x77);
    ck_assert_uint_eq(isr(&b, 0xA0), 0);
    out(&b, 0x20, 0x20);
    ck_assert(!vmp_pic_intr(b.pic));
    /* Edge (IRQ11): a pulse is latched, the same high line is not
     * requested again after EOI. */
    vmp_pic_set_irq(b.pic, 11, true);
    vmp_pic_set_irq(b.pic, 11, false);
    ck_assert_uint_eq(irr(&b, 0xA0), 0x08);
    vmp_pic_set_irq(b.pic, 11, true);
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x73);
    out(&b, 0xA0, 0x20);
    out(&b, 0x20, 0x20);
    ck_assert(!vmp_pic_intr(b.pic));
    board_free(&b);
}
END_TEST

START_TEST(ltim_level_whole_chip)
{
    /* ICW1 LTIM=1: every input of the chip is level-sensitive. */
    struct board b;
    board_init(&b);
    out(&b, 0x20, 0x19);
    out(&b, 0x21, 0x08);
    out(&b, 0x21, 0x04);
    out(&b, 0x21, 0x01);
    vmp_pic_set_irq(b.pic, 4, true);
    ck_assert(vmp_pic_intr(b.pic));
    vmp_pic_set_irq(b.pic, 4, false);
    ck_assert(!vmp_pic_intr(b.pic));
    board_free(&b);
}
END_TEST

START_TEST(auto_eoi)
{
    /* ICW4 AEOI: the ISR bit is not left set by INTA. */
    struct board b;
    board_init(&b);
    init_pc(&b, 0x03, 0x01);
    vmp_pic_set_irq(b.pic, 4, true);
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x0C);
    ck_assert_uint_eq(isr(&b, 0x20), 0);
    vmp_pic_set_irq(b.pic, 6, true);
    ck_assert(vmp_pic_intr(b.pic));
    board_free(&b);
}
END_TEST

START_TEST(priority_rotation)
{
    /* "Automatic Rotation": rotate on non-specific EOI makes the level
     * just serviced the lowest; "Specific Rotation": set priority. */
    struct board b;
    board_init(&b);
    init_pc(&b, 0x01, 0x01);
    vmp_pic_set_irq(b.pic, 0, true);
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x08);
    out(&b, 0x20, 0xA0); /* rotate on non-specific EOI: IR0 lowest */
    vmp_pic_set_irq(b.pic, 0, false);
    vmp_pic_set_irq(b.pic, 0, true);
    vmp_pic_set_irq(b.pic, 7, true);
    /* Order now IR1 > ... > IR7 > IR0. */
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x0F);
    out(&b, 0x20, 0x20);
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x08);
    out(&b, 0x20, 0x20);
    /* Set priority: IR4 lowest, so IR5 is highest. */
    out(&b, 0x20, 0xC4);
    vmp_pic_set_irq(b.pic, 3, true);
    vmp_pic_set_irq(b.pic, 6, true);
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x0E);
    /* IR6 in service blocks IR3 (lower now). */
    ck_assert(!vmp_pic_intr(b.pic));
    out(&b, 0x20, 0xE6); /* rotate on specific EOI 6: IR6 lowest */
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x0B);
    /* Rotate in AEOI mode: each acknowledge makes its level lowest. */
    board_free(&b);
    board_init(&b);
    init_pc(&b, 0x03, 0x01);
    out(&b, 0x20, 0x80);
    vmp_pic_set_irq(b.pic, 1, true);
    vmp_pic_set_irq(b.pic, 3, true);
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x09);
    vmp_pic_set_irq(b.pic, 1, false);
    vmp_pic_set_irq(b.pic, 1, true);
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x0B); /* IR1 now lowest */
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x09);
    board_free(&b);
}
END_TEST

START_TEST(special_mask_mode)
{
    /* "Special Mask Mode": a masked in-service level no longer blocks
     * lower-priority levels. */
    struct board b;
    board_init(&b);
    init_pc(&b, 0x01, 0x01);
    vmp_pic_set_irq(b.pic, 1, true);
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x09);
    vmp_pic_set_irq(b.pic, 5, true);
    ck_assert(!vmp_pic_intr(b.pic));
    out(&b, 0x21, 0x02); /* mask IR1 */
    ck_assert(!vmp_pic_intr(b.pic)); /* normal mask mode: still blocked */
    out(&b, 0x20, 0x68); /* OCW3: set special mask mode */
    ck_assert(vmp_pic_intr(b.pic));
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x0D);
    ck_assert_uint_eq(isr(&b, 0x20), 0x22);
    out(&b, 0x20, 0x65); /* specific EOI 5 */
    out(&b, 0x20, 0x48); /* reset special mask mode */
    vmp_pic_set_irq(b.pic, 6, true);
    ck_assert(!vmp_pic_intr(b.pic));
    board_free(&b);
}
END_TEST

START_TEST(special_fully_nested)
{
    /* SFNM on the master: a higher-priority slave request gets through
     * while IR2 is in service. */
    struct board b;
    board_init(&b);
    init_pc(&b, 0x11, 0x01);
    vmp_pic_set_irq(b.pic, 12, true);
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x74);
    vmp_pic_set_irq(b.pic, 9, true);
    ck_assert(vmp_pic_intr(b.pic));
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x71);
    board_free(&b);
    /* Without SFNM the same request waits for the master's EOI. */
    board_init(&b);
    init_pc(&b, 0x01, 0x01);
    vmp_pic_set_irq(b.pic, 12, true);
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x74);
    vmp_pic_set_irq(b.pic, 9, true);
    ck_assert(!vmp_pic_intr(b.pic));
    out(&b, 0xA0, 0x20);
    out(&b, 0x20, 0x20);
    ck_assert(vmp_pic_intr(b.pic));
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x71);
    board_free(&b);
}
END_TEST

START_TEST(poll_mode)
{
    /* "The Poll Command": the read after OCW3 P=1 returns I, W2-W0 and
     * acts as the acknowledge. */
    struct board b;
    board_init(&b);
    init_pc(&b, 0x01, 0x01);
    out(&b, 0x20, 0x0C);
    ck_assert_uint_eq(in(&b, 0x20), 0x00);
    vmp_pic_set_irq(b.pic, 6, true);
    out(&b, 0x20, 0x0C);
    ck_assert_uint_eq(in(&b, 0x20), 0x86);
    ck_assert_uint_eq(isr(&b, 0x20), 0x40);
    ck_assert(!vmp_pic_intr(b.pic));
    /* Next plain read is IRR/ISR again, not a poll. */
    ck_assert_uint_eq(in(&b, 0x20), 0x40);
    board_free(&b);
}
END_TEST

START_TEST(spurious_irq7_and_15)
{
    struct board b;
    board_init(&b);
    init_pc(&b, 0x01, 0x01);
    /* No request at INTA: IR7's vector, nothing put in service. */
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x0F);
    ck_assert_uint_eq(isr(&b, 0x20), 0);
    /* Slave request withdrawn (masked) after the master latched IR2:
     * the slave answers with its IR7 (IRQ15) vector. */
    vmp_pic_set_irq(b.pic, 10, true);
    ck_assert(vmp_pic_intr(b.pic));
    out(&b, 0xA1, 0x04);
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x77);
    ck_assert_uint_eq(isr(&b, 0xA0), 0);
    ck_assert_uint_eq(isr(&b, 0x20), 0x04);
    board_free(&b);
}
END_TEST

START_TEST(irr_isr_imr_reads)
{
    struct board b;
    board_init(&b);
    init_pc(&b, 0x01, 0x01);
    out(&b, 0x21, 0xF0);
    ck_assert_uint_eq(in(&b, 0x21), 0xF0);
    vmp_pic_set_irq(b.pic, 5, true); /* masked but requested */
    vmp_pic_set_irq(b.pic, 1, true);
    ck_assert_uint_eq(irr(&b, 0x20), 0x22);
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x09);
    ck_assert_uint_eq(irr(&b, 0x20), 0x20);
    ck_assert_uint_eq(isr(&b, 0x20), 0x02);
    /* The read register selection sticks until changed. */
    ck_assert_uint_eq(in(&b, 0x20), 0x02);
    board_free(&b);
}
END_TEST

START_TEST(extint_pulses_intr_on_more_work)
{
    /* After an acknowledge with more pending, INT falls and rises again:
     * an edge-triggered ExtINT pin sees every request. */
    struct board b;
    board_init(&b);
    init_pc(&b, 0x03, 0x01); /* AEOI so both can be pending at once */
    vmp_pic_set_irq(b.pic, 3, true);
    vmp_pic_set_irq(b.pic, 4, true);
    unsigned rises = b.sink.rises;
    ck_assert_uint_eq(vmp_pic_ack(b.pic), 0x0B);
    ck_assert(b.sink.level);
    ck_assert_uint_eq(b.sink.rises, rises + 1);
    ck_assert_uint_eq(vmp_pic_extint_ack(b.pic), 0x0C);
    ck_assert(!b.sink.level);
    board_free(&b);
}
END_TEST

static int save_fn(const void *m, struct vmp_state_writer *w) { return vmp_pic_save(m, w); }
static int load_fn(void *m, struct vmp_state_reader *r) { return vmp_pic_load(m, r); }

START_TEST(save_load)
{
    struct board a, b;
    board_init(&a);
    board_init(&b);
    init_pc(&a, 0x01, 0x01);
    out(&a, 0x4D1, 0x04);
    out(&a, 0x21, 0x10);
    vmp_pic_set_irq(a.pic, 10, true);
    vmp_pic_set_irq(a.pic, 1, true);
    ck_assert_uint_eq(vmp_pic_ack(a.pic), 0x09);
    out(&a, 0x20, 0xC2);
    ck_assert_int_eq(test_roundtrip(a.pic, b.pic, save_fn, load_fn), 0);
    ck_assert_uint_eq(in(&b, 0x21), 0x10);
    ck_assert_uint_eq(in(&b, 0x4D1), 0x04);
    ck_assert_uint_eq(isr(&b, 0x20), 0x02);
    ck_assert(b.sink.level == a.sink.level);
    /* Both continue identically. */
    ck_assert_uint_eq(vmp_pic_ack(b.pic), vmp_pic_ack(a.pic));
    ck_assert_uint_eq(test_truncations_loaded(a.pic, b.pic, save_fn, load_fn), 0);
    board_free(&a);
    board_free(&b);
}
END_TEST

START_TEST(load_rejects_bad_fields)
{
    struct board a;
    board_init(&a);
    struct vmp_state_writer w;
    vmp_state_writer_init(&w);
    ck_assert_int_eq(vmp_pic_save(a.pic, &w), 0);
    /* Byte 9 of the master's fields (after the section header) is 'low'. */
    size_t hdr = w.len - 2 * 15;
    w.buf[hdr + 9] = 8;
    struct vmp_state_reader r;
    vmp_state_reader_init(&r, w.buf, w.len);
    ck_assert_int_ne(vmp_pic_load(a.pic, &r), 0);
    vmp_state_writer_free(&w);
    board_free(&a);
}
END_TEST

Suite *pic_suite(void)
{
    Suite *s = suite_create("pic");
    TCase *tc = tcase_create("pic");
    tcase_add_test(tc, init_sequence_and_vectors);
    tcase_add_test(tc, init_single_without_icw4);
    tcase_add_test(tc, cascade_through_ir2);
    tcase_add_test(tc, fully_nested_priority);
    tcase_add_test(tc, elcr_level_triggering);
    tcase_add_test(tc, ltim_level_whole_chip);
    tcase_add_test(tc, auto_eoi);
    tcase_add_test(tc, priority_rotation);
    tcase_add_test(tc, special_mask_mode);
    tcase_add_test(tc, special_fully_nested);
    tcase_add_test(tc, poll_mode);
    tcase_add_test(tc, spurious_irq7_and_15);
    tcase_add_test(tc, irr_isr_imr_reads);
    tcase_add_test(tc, extint_pulses_intr_on_more_work);
    tcase_add_test(tc, save_load);
    tcase_add_test(tc, load_rejects_bad_fields);
    suite_add_tcase(s, tc);
    return s;
}

/* i8042 keyboard controller, PS/2 keyboard and mouse (models/input/).
 * References: IBM PC/AT Technical Reference (TR), "Keyboard Controller"
 * (status register, command byte, controller commands, output port) and
 * "Keyboard" (commands, scan code set 2, translation); IBM PS/2 Hardware
 * Interface Technical Reference (PS/2 TR), "Keyboard and Auxiliary Device
 * Controller" and "Pointing Device"; Microsoft IntelliMouse / Explorer
 * extensions; Microsoft Keyboard Scan Code Specification 1.3a.
 *
 * Sources covered: models/input/i8042.c, i8042_state.c, ps2_kbd.c,
 * ps2_mouse.c, ps2_scancode.c, ps2_queue.c.
 */
#include <linux/input-event-codes.h>
#include <string.h>

#include <vmparts/input.h>

#include "helpers.h"

static struct vmp_space *pio;
static struct vmp_irq_line *l1, *l12;
static struct test_irq_sink s1, s12;
static struct vmp_i8042 *kbc;
static struct {
    unsigned a20_calls, resets;
    bool a20;
    enum vmp_reset_kind kind;
} rec;

static void on_a20(void *o, bool on)
{
    (void)o;
    rec.a20_calls++;
    rec.a20 = on;
}
static void on_reset(void *o, enum vmp_reset_kind k)
{
    (void)o;
    rec.resets++;
    rec.kind = k;
}

static struct vmp_i8042 *make(bool no_mouse)
{
    struct vmp_i8042_ops ops = { .a20 = on_a20, .reset = on_reset, .no_mouse = no_mouse };
    return vmp_i8042_create(NULL, vmp_irq_line_source(l1), vmp_irq_line_source(l12), &ops);
}

static void setup(void)
{
    memset(&rec, 0, sizeof rec);
    memset(&s1, 0, sizeof s1);
    memset(&s12, 0, sizeof s12);
    pio = vmp_space_create("pio", 0xFFFF);
    l1 = vmp_irq_line_create("irq1");
    l12 = vmp_irq_line_create("irq12");
    vmp_irq_line_add_sink(l1, test_irq_sink_fn, &s1, 1);
    vmp_irq_line_add_sink(l12, test_irq_sink_fn, &s12, 12);
    kbc = make(false);
    ck_assert_ptr_nonnull(kbc);
    ck_assert_int_eq(vmp_i8042_attach(kbc, pio, 0x60), 0);
}

static void teardown(void)
{
    vmp_i8042_destroy(kbc);
    vmp_irq_line_destroy(l1);
    vmp_irq_line_destroy(l12);
    vmp_space_destroy(pio);
}

static uint8_t st(void) { return (uint8_t)vmp_space_read(pio, 0x64, 1); }
static uint8_t rd(void) { return (uint8_t)vmp_space_read(pio, 0x60, 1); }
static void cmd(uint8_t b) { vmp_space_write(pio, 0x64, b, 1); }
static void wr(uint8_t b) { vmp_space_write(pio, 0x60, b, 1); }
static void aux(uint8_t b)
{
    cmd(0xD4);
    wr(b);
}
static uint8_t ctr(void)
{
    cmd(0x20);
    return rd();
}
static void set_ctr(uint8_t v)
{
    cmd(0x60);
    wr(v);
}

/* Read n bytes, each of which must be waiting (OBF) and from the port
 * given (AUXB), and compare them. */
static void expect(const uint8_t *b, unsigned n, bool from_aux)
{
    for (unsigned i = 0; i < n; i++) {
        uint8_t s = st();
        ck_assert_msg(s & VMP_I8042_STR_OBF, "byte %u of %u missing (want %#x)", i, n, b[i]);
        ck_assert_msg(!!(s & VMP_I8042_STR_AUXB) == from_aux, "byte %u: AUXB %#x", i, s);
        uint8_t v = rd();
        ck_assert_msg(v == b[i], "byte %u: got %#x want %#x", i, v, b[i]);
    }
}
#define EXPECT_KBD(...)                                                  \
    do {                                                                 \
        static const uint8_t e_[] = { __VA_ARGS__ };                     \
        expect(e_, sizeof e_, false);                                    \
    } while (0)
#define EXPECT_AUX(...)                                                  \
    do {                                                                 \
        static const uint8_t e_[] = { __VA_ARGS__ };                     \
        expect(e_, sizeof e_, true);                                     \
    } while (0)
static void expect_empty(void) { ck_assert_uint_eq(st() & VMP_I8042_STR_OBF, 0); }

static void key(unsigned code, bool down) { vmp_i8042_key(kbc, code, down); }

/* ---- controller ---- */

START_TEST(status_bits_through_a_command)
{
    /* TR status register: INH (bit 4) 1 = not inhibited; SYS 0 after
     * power on; A2 says whether the last write went to 0x64 or 0x60;
     * OBF while the output buffer holds a byte; IBF never (the model
     * takes each byte at once). */
    ck_assert_uint_eq(st(), VMP_I8042_STR_INH);
    cmd(0x20);
    ck_assert_uint_eq(st(), VMP_I8042_STR_INH | VMP_I8042_STR_A2 | VMP_I8042_STR_OBF);
    ck_assert_uint_eq(rd(), VMP_I8042_CMD_RESET);
    ck_assert_uint_eq(st(), VMP_I8042_STR_INH | VMP_I8042_STR_A2);
    cmd(0x60);
    ck_assert_uint_eq(st() & VMP_I8042_STR_A2, VMP_I8042_STR_A2);
    wr(0x44); /* XLATE | SYS */
    ck_assert_uint_eq(st(), VMP_I8042_STR_INH | VMP_I8042_STR_SYS);
    ck_assert_uint_eq(ctr(), 0x44);
    /* reading an empty buffer returns its last byte and changes nothing */
    ck_assert_uint_eq(rd(), 0x44);
    ck_assert_uint_eq(st() & VMP_I8042_STR_OBF, 0);
}
END_TEST

START_TEST(command_byte_and_ram)
{
    /* TR: 20h-3Fh read controller RAM (20h the command byte), 60h-7Fh
     * write it; A7/A8 (PS/2) set/clear the aux disable bit 5, AD/AE the
     * keyboard disable bit 4. */
    set_ctr(0x03);
    ck_assert_uint_eq(ctr(), 0x03);
    cmd(0x65);
    wr(0x5A);
    cmd(0x25);
    ck_assert_uint_eq(rd(), 0x5A);
    cmd(0xA7);
    ck_assert_uint_eq(ctr(), 0x23);
    cmd(0xAD);
    ck_assert_uint_eq(ctr(), 0x33);
    cmd(0xA8);
    ck_assert_uint_eq(ctr(), 0x13);
    cmd(0xAE);
    ck_assert_uint_eq(ctr(), 0x03);
    /* a command cancels one still waiting for its data byte: the next
     * data byte goes to the keyboard (an unknown command: FE) */
    set_ctr(0x00);
    cmd(0x60);
    cmd(0xAE);
    wr(0x77);
    ck_assert_uint_eq(ctr(), 0x00);
    EXPECT_KBD(0xFE);
}
END_TEST

START_TEST(tests_and_ports)
{
    /* TR/PS/2 TR: AA self test -> 55 and the system flag set; A9/AB
     * interface tests -> 00 (no error); A4 -> F1 (no password); C0 input
     * port; D0 output port (A20 on and reset high after power on). */
    set_ctr(0x41);
    cmd(0xAA);
    EXPECT_KBD(0x55);
    ck_assert_uint_eq(st() & VMP_I8042_STR_SYS, VMP_I8042_STR_SYS);
    ck_assert_uint_eq(ctr(), 0x45); /* the rest kept (see docs/i8042.md) */
    cmd(0xA9);
    EXPECT_KBD(0x00);
    cmd(0xAB);
    EXPECT_KBD(0x00);
    cmd(0xA4);
    EXPECT_KBD(0xF1);
    cmd(0xC0);
    EXPECT_KBD(0xB0);
    cmd(0xD0);
    EXPECT_KBD(0xCF);
    /* A5 password: bytes swallowed up to a zero, then data is data again */
    cmd(0xA5);
    wr(0x1E);
    wr(0x30);
    wr(0x00);
    expect_empty();
    wr(0xEE);
    EXPECT_KBD(0xEE);
    /* unknown commands are ignored */
    cmd(0x00);
    cmd(0xC8);
    expect_empty();
}
END_TEST

START_TEST(output_port_a20_and_reset)
{
    /* TR output port: bit 1 gate A20, bit 0 system reset (active low).
     * D1 writes it; DD/DF gate A20 off/on; F0-FF pulse bits 3:0 low
     * where the command has zeros, so FE resets and FF does not. */
    ck_assert(vmp_i8042_a20(kbc));
    cmd(0xD1);
    wr(0xDD);
    ck_assert_uint_eq(rec.a20_calls, 1);
    ck_assert(!rec.a20);
    ck_assert(!vmp_i8042_a20(kbc));
    ck_assert_uint_eq(rec.resets, 0);
    cmd(0xD0);
    EXPECT_KBD(0xCD);
    cmd(0xD1);
    wr(0xDF);
    ck_assert(rec.a20);
    ck_assert_uint_eq(rec.a20_calls, 2);
    cmd(0xDD);
    ck_assert(!rec.a20);
    cmd(0xDF);
    ck_assert(rec.a20);
    ck_assert_uint_eq(rec.a20_calls, 4);
    cmd(0xDF); /* no change, no call */
    ck_assert_uint_eq(rec.a20_calls, 4);
    cmd(0xFF);
    ck_assert_uint_eq(rec.resets, 0);
    cmd(0xFE);
    ck_assert_uint_eq(rec.resets, 1);
    ck_assert_int_eq(rec.kind, VMP_RESET_INIT);
    cmd(0xF0);
    ck_assert_uint_eq(rec.resets, 2);
    cmd(0xD1);
    wr(0xDE); /* bit 0 low: reset */
    ck_assert_uint_eq(rec.resets, 3);
    cmd(0xD0);
    EXPECT_KBD(0xCF); /* reset line reads back high (a pulse) */
    /* bits 4/5 of the output port are the IRQ1/IRQ12 outputs */
    set_ctr(0x03);
    cmd(0xD2);
    wr(0x11);
    cmd(0xD0); /* sampled while IRQ1 was high; overwrites the D2 byte */
    EXPECT_KBD(0xDF);
    expect_empty();
}
END_TEST

struct box {
    struct vmp_i8042 *k;
    unsigned resets;
};
static void reset_from_callback(void *o, enum vmp_reset_kind kind)
{
    struct box *b = o;
    (void)kind;
    b->resets++;
    vmp_i8042_reset(b->k);
}

START_TEST(reset_callback_may_reset_controller)
{
    /* The embedder may reset the board from inside the reset pulse (FE,
     * or D1 with bit 0 low); the controller then is in power-on state. */
    struct box box = { 0 };
    struct vmp_i8042_ops ops = { .reset = reset_from_callback, .opaque = &box };
    box.k = vmp_i8042_create(NULL, NULL, NULL, &ops);
    const struct vmp_io_ops *d = &vmp_i8042_data_io_ops, *c = &vmp_i8042_cmd_io_ops;
    c->write(box.k, 0, 0x60, 1);
    d->write(box.k, 0, 0x00, 1);
    c->write(box.k, 0, 0xFE, 1);
    ck_assert_uint_eq(box.resets, 1);
    c->write(box.k, 0, 0x20, 1);
    ck_assert_uint_eq(d->read(box.k, 0, 1), VMP_I8042_CMD_RESET);
    c->write(box.k, 0, 0xD1, 1);
    d->write(box.k, 0, 0x00, 1); /* A20 off and reset */
    ck_assert_uint_eq(box.resets, 2);
    ck_assert(vmp_i8042_a20(box.k)); /* power-on value again */
    ck_assert_uint_eq(c->read(box.k, 0, 1), VMP_I8042_STR_INH);
    vmp_i8042_destroy(box.k);
}
END_TEST

START_TEST(write_output_buffers)
{
    /* PS/2 TR: D2 puts a byte in the output buffer as if from the
     * keyboard (IRQ1), D3 as if from the aux device (AUXB, IRQ12). */
    set_ctr(0x03);
    unsigned r1 = s1.rises, r12 = s12.rises;
    cmd(0xD2);
    wr(0xAB);
    ck_assert(s1.level);
    ck_assert_uint_eq(s1.rises, r1 + 1);
    ck_assert(!s12.level);
    EXPECT_KBD(0xAB);
    ck_assert(!s1.level);
    cmd(0xD3);
    wr(0xCD);
    ck_assert(s12.level);
    ck_assert_uint_eq(s12.rises, r12 + 1);
    ck_assert(!s1.level);
    EXPECT_AUX(0xCD);
    ck_assert(!s12.level);
}
END_TEST

START_TEST(irq_enables_and_edges)
{
    /* IRQ1/IRQ12 are the 8042's OBF outputs gated by command byte bits
     * 0/1: high while the buffer holds that port's byte. Each refill after
     * a read is a new rising edge (what an edge-triggered 8259 or IOAPIC
     * pin needs for every byte). */
    set_ctr(0x40); /* translation, no IRQs */
    key(KEY_A, true);
    ck_assert(!s1.level);
    ck_assert_uint_eq(st() & VMP_I8042_STR_OBF, VMP_I8042_STR_OBF);
    set_ctr(0x41); /* the 0x60 write answers nothing; IRQ1 now follows */
    ck_assert(s1.level);
    unsigned rises = s1.rises;
    key(KEY_A, false);
    key(KEY_LEFTMETA, true); /* E0 5B */
    ck_assert_uint_eq(rd(), 0x1E);
    ck_assert(s1.level);
    ck_assert_uint_eq(s1.rises, rises + 1);
    ck_assert_uint_eq(rd(), 0x9E);
    ck_assert_uint_eq(s1.rises, rises + 2);
    ck_assert_uint_eq(rd(), 0xE0);
    ck_assert_uint_eq(rd(), 0x5B);
    ck_assert(!s1.level);
    ck_assert_uint_eq(s1.rises, rises + 3);
    ck_assert(!s12.level);
    /* aux bytes raise IRQ12 only with bit 1 */
    aux(0xF2);
    ck_assert(!s12.level);
    ck_assert_uint_eq(st() & VMP_I8042_STR_AUXB, VMP_I8042_STR_AUXB);
    set_ctr(0x43); /* enabling IRQ12 with aux data waiting raises it */
    ck_assert(s12.level);
    ck_assert(!s1.level);
    EXPECT_AUX(0xFA, 0x00);
    aux(0xF2);
    ck_assert(s12.level);
    ck_assert(!s1.level);
    EXPECT_AUX(0xFA, 0x00);
    ck_assert(!s12.level);
}
END_TEST

START_TEST(disabled_port_holds_bytes)
{
    /* TR: with the keyboard interface disabled (command byte bit 4) the
     * controller holds the clock line low; the keyboard keeps its bytes
     * and sends them once enabled. */
    cmd(0xAD);
    key(KEY_A, true);
    expect_empty();
    cmd(0xAE);
    EXPECT_KBD(0x1E);
    cmd(0xA7);
    aux(0xF2);
    expect_empty();
    cmd(0xA8);
    EXPECT_AUX(0xFA, 0x00);
}
END_TEST

START_TEST(answer_displaces_device_byte)
{
    /* The 8042 overwrites its output buffer with a command's answer; the
     * model keeps the displaced keyboard byte and sends it next. */
    key(KEY_B, true);
    ck_assert_uint_eq(ctr(), VMP_I8042_CMD_RESET);
    EXPECT_KBD(0x30);
    expect_empty();
}
END_TEST

/* ---- keyboard ---- */

START_TEST(translation_set2_to_set1)
{
    /* TR keyboard controller: with command byte bit 6 the controller
     * translates set 2 to set 1: 'A' 1C -> 1E; break F0 1C -> 9E. */
    key(KEY_A, true);
    key(KEY_A, false);
    EXPECT_KBD(0x1E, 0x9E);
    set_ctr(0x01);
    key(KEY_A, true);
    key(KEY_A, false);
    EXPECT_KBD(0x1C, 0xF0, 0x1C);
    /* extended: keypad Enter E0 5A / E0 F0 5A; translated E0 1C / E0 9C */
    key(KEY_KPENTER, true);
    key(KEY_KPENTER, false);
    EXPECT_KBD(0xE0, 0x5A, 0xE0, 0xF0, 0x5A);
    set_ctr(0x41);
    key(KEY_KPENTER, true);
    key(KEY_KPENTER, false);
    EXPECT_KBD(0xE0, 0x1C, 0xE0, 0x9C);
    key(KEY_RIGHTCTRL, true);
    key(KEY_UP, true);
    EXPECT_KBD(0xE0, 0x1D, 0xE0, 0x48);
}
END_TEST

START_TEST(all_keys_translate_to_set1)
{
    /* For the original AT keys, Linux keycodes 1-83 and 86-88 are the
     * set-1 scancodes, so translated make codes must equal the keycode
     * and break codes keycode | 0x80. */
    for (unsigned k = 1; k <= 88; k++) {
        if (k == 84 || k == 85)
            continue;
        ck_assert_int_eq(vmp_i8042_key(kbc, k, true), 0);
        uint8_t v = rd();
        ck_assert_msg(v == k, "key %u made %#x", k, v);
        ck_assert_int_eq(vmp_i8042_key(kbc, k, false), 0);
        v = rd();
        ck_assert_msg(v == (k | 0x80), "key %u broke %#x", k, v);
        expect_empty();
    }
    ck_assert_int_eq(vmp_i8042_key(kbc, 84, true), -ENOENT);
    ck_assert_int_eq(vmp_i8042_key(kbc, 100000, true), -ENOENT);
    expect_empty();
}
END_TEST

START_TEST(pause_and_printscreen)
{
    /* Microsoft scan code spec: Pause = E1 14 77 E1 F0 14 F0 77 on press,
     * nothing on release (set 1: E1 1D 45 E1 9D C5); Ctrl+Pause = Break
     * E0 7E E0 F0 7E; Print Screen = E0 12 E0 7C / E0 F0 7C E0 F0 12
     * (set 1: E0 2A E0 37 / E0 B7 E0 AA); with Alt it is SysRq 84. */
    set_ctr(0x00);
    key(KEY_PAUSE, true);
    key(KEY_PAUSE, false);
    EXPECT_KBD(0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77);
    expect_empty();
    key(KEY_SYSRQ, true);
    key(KEY_SYSRQ, false);
    EXPECT_KBD(0xE0, 0x12, 0xE0, 0x7C, 0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12);
    set_ctr(0x40);
    key(KEY_PAUSE, true);
    EXPECT_KBD(0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5);
    key(KEY_SYSRQ, true);
    key(KEY_SYSRQ, false);
    EXPECT_KBD(0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA);
    key(KEY_LEFTCTRL, true);
    key(KEY_PAUSE, true);
    key(KEY_LEFTCTRL, false);
    EXPECT_KBD(0x1D, 0xE0, 0x46, 0xE0, 0xC6, 0x9D);
    key(KEY_LEFTALT, true);
    key(KEY_SYSRQ, true);
    key(KEY_SYSRQ, false);
    key(KEY_LEFTALT, false);
    EXPECT_KBD(0x38, 0x54, 0xD4, 0xB8);
    key(KEY_RIGHTSHIFT, true);
    key(KEY_SYSRQ, true);
    EXPECT_KBD(0x36, 0xE0, 0x37);
}
END_TEST

START_TEST(keyboard_reset_and_identify)
{
    /* TR keyboard: FF -> FA, BAT, AA. PS/2 TR: F2 -> FA AB 83 (MF II);
     * through translation 83 becomes 41 (the byte Linux's atkbd expects
     * from a translated keyboard). */
    set_ctr(0x00);
    wr(0xFF);
    EXPECT_KBD(0xFA, 0xAA);
    wr(0xF2);
    EXPECT_KBD(0xFA, 0xAB, 0x83);
    set_ctr(0x40);
    wr(0xF2);
    EXPECT_KBD(0xFA, 0xAB, 0x41);
    expect_empty();
}
END_TEST

START_TEST(keyboard_commands)
{
    set_ctr(0x00);
    /* ED: LEDs, two ACKs */
    wr(0xED);
    wr(VMP_PS2_LED_CAPS | VMP_PS2_LED_NUM);
    EXPECT_KBD(0xFA, 0xFA);
    ck_assert_uint_eq(vmp_i8042_leds(kbc), VMP_PS2_LED_CAPS | VMP_PS2_LED_NUM);
    /* a command byte where the parameter was due ends ED (helppc, TR) */
    wr(0xED);
    wr(0xEE);
    EXPECT_KBD(0xFA, 0xEE);
    /* EE echo (no ACK), F3 typematic, F7-FA acknowledged */
    wr(0xEE);
    wr(0xF3);
    wr(0x20);
    wr(0xF8);
    EXPECT_KBD(0xEE, 0xFA, 0xFA, 0xFA);
    /* F0: set 2 reported; set 1 selected -> keys in set 1 */
    wr(0xF0);
    wr(0x00);
    EXPECT_KBD(0xFA, 0xFA, 0x02);
    wr(0xF0);
    wr(0x01);
    EXPECT_KBD(0xFA, 0xFA);
    key(KEY_A, true);
    key(KEY_A, false);
    key(KEY_DELETE, true);
    EXPECT_KBD(0x1E, 0x9E, 0xE0, 0x53);
    wr(0xF0);
    wr(0x00);
    EXPECT_KBD(0xFA, 0xFA, 0x01);
    /* set 3 is not offered: acknowledged, still set 1 */
    wr(0xF0);
    wr(0x03);
    wr(0xF0);
    wr(0x00);
    EXPECT_KBD(0xFA, 0xFA, 0xFA, 0xFA, 0x01);
    /* FF resets to set 2 and LEDs off */
    wr(0xFF);
    EXPECT_KBD(0xFA, 0xAA);
    ck_assert_uint_eq(vmp_i8042_leds(kbc), 0);
    key(KEY_A, true);
    EXPECT_KBD(0x1C);
    /* F5 stops scanning (keys refused), F4 restarts it */
    wr(0xF5);
    EXPECT_KBD(0xFA);
    ck_assert_int_eq(vmp_i8042_key(kbc, KEY_A, true), -EAGAIN);
    expect_empty();
    wr(0xF4);
    EXPECT_KBD(0xFA);
    ck_assert_int_eq(vmp_i8042_key(kbc, KEY_A, true), 0);
    EXPECT_KBD(0x1C);
    /* F6 defaults and scanning; unknown commands -> FE; FE resends */
    wr(0xF6);
    wr(0x00);
    wr(0xFB);
    EXPECT_KBD(0xFA, 0xFE, 0xFE);
    wr(0xF2);
    EXPECT_KBD(0xFA, 0xAB, 0x83);
    wr(0xFE);
    EXPECT_KBD(0x83);
    /* F0 with an invalid set number -> FE */
    wr(0xF0);
    wr(0x05);
    EXPECT_KBD(0xFA, 0xFE);
}
END_TEST

START_TEST(answers_wait_for_key_sequence)
{
    /* Answers go ahead of queued keys, but never split a key's bytes:
     * all of Pause, then ED's ACK, then the next key. */
    set_ctr(0x00);
    cmd(0xAD);
    key(KEY_PAUSE, true);
    key(KEY_B, true);
    cmd(0xAE);
    wr(0xED);
    EXPECT_KBD(0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77, 0xFA, 0x32);
    wr(0x00);
    EXPECT_KBD(0xFA);
}
END_TEST

/* ---- mouse ---- */

static void mouse_on(void)
{
    aux(0xF4);
    EXPECT_AUX(0xFA);
}

START_TEST(mouse_reset_and_id)
{
    /* PS/2 TR pointing device: FF -> FA AA 00; F2 -> FA 00. IntelliMouse:
     * rates 200,100,80 then F2 -> 03; Explorer: then 200,200,80 -> 04. */
    aux(0xFF);
    EXPECT_AUX(0xFA, 0xAA, 0x00);
    aux(0xF2);
    EXPECT_AUX(0xFA, 0x00);
    static const uint8_t imps[] = { 200, 100, 80 }, imex[] = { 200, 200, 80 };
    for (unsigned i = 0; i < 3; i++) { /* the Explorer knock alone does nothing */
        aux(0xF3);
        aux(imex[i]);
        EXPECT_AUX(0xFA, 0xFA);
    }
    aux(0xF2);
    EXPECT_AUX(0xFA, 0x00);
    for (unsigned i = 0; i < 3; i++) {
        aux(0xF3);
        aux(imps[i]);
        EXPECT_AUX(0xFA, 0xFA);
    }
    aux(0xF2);
    EXPECT_AUX(0xFA, 0x03);
    for (unsigned i = 0; i < 3; i++) {
        aux(0xF3);
        aux(imex[i]);
        EXPECT_AUX(0xFA, 0xFA);
    }
    aux(0xF2);
    EXPECT_AUX(0xFA, 0x04);
    aux(0xFF); /* reset: a plain mouse again */
    EXPECT_AUX(0xFA, 0xAA, 0x00);
    aux(0xF2);
    EXPECT_AUX(0xFA, 0x00);
    /* invalid sample rate or resolution -> FE; unknown command -> FE */
    aux(0xF3);
    aux(55);
    aux(0xE8);
    aux(4);
    aux(0xE1);
    EXPECT_AUX(0xFA, 0xFE, 0xFA, 0xFE, 0xFE);
}
END_TEST

START_TEST(mouse_status_and_modes)
{
    /* PS/2 TR: E9 status -> FA, flags (bit 6 remote, 5 enabled, 4 2:1,
     * 2 left, 1 middle, 0 right), resolution, sample rate. */
    aux(0xE9);
    EXPECT_AUX(0xFA, 0x00, 0x02, 100);
    aux(0xE8);
    aux(0x03);
    aux(0xF3);
    aux(40);
    aux(0xE7);
    aux(0xF4);
    EXPECT_AUX(0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA);
    vmp_i8042_mouse(kbc, 0, 0, 0, VMP_PS2_BTN_LEFT | VMP_PS2_BTN_RIGHT);
    EXPECT_AUX(0x0B, 0x00, 0x00);
    aux(0xE9);
    EXPECT_AUX(0xFA, 0x35, 0x03, 40);
    aux(0xF0); /* remote */
    aux(0xE6);
    aux(0xE9);
    EXPECT_AUX(0xFA, 0xFA, 0xFA, 0x65, 0x03, 40);
    /* remote mode: motion waits for EB */
    ck_assert_int_eq(vmp_i8042_mouse(kbc, 7, -3, 0, 0), 0);
    expect_empty();
    aux(0xEB);
    EXPECT_AUX(0xFA, 0x08, 0x07, 0x03);
    aux(0xEB); /* counters were reset */
    EXPECT_AUX(0xFA, 0x08, 0x00, 0x00);
    aux(0xEA); /* stream again; F6 defaults */
    aux(0xF6);
    aux(0xE9);
    EXPECT_AUX(0xFA, 0xFA, 0xFA, 0x00, 0x02, 100);
    /* wrap mode echoes everything but EC and FF */
    aux(0xEE);
    aux(0x55);
    aux(0xF2);
    aux(0xEC);
    aux(0xF2);
    EXPECT_AUX(0xFA, 0x55, 0xF2, 0xFA, 0xFA, 0x00);
    /* FE resends the last byte */
    aux(0xFE);
    EXPECT_AUX(0x00);
}
END_TEST

START_TEST(mouse_packets)
{
    /* PS/2 TR packet: byte 0 = Yovf Xovf Ysign Xsign 1 M R L, bytes 1/2
     * the low 8 bits of 9-bit two's complement X and Y (Y up). */
    mouse_on();
    ck_assert_int_eq(vmp_i8042_mouse(kbc, 10, 5, 0, VMP_PS2_BTN_LEFT), 0);
    EXPECT_AUX(0x29, 0x0A, 0xFB);
    ck_assert_int_eq(vmp_i8042_mouse(kbc, -1, -1, 0, VMP_PS2_BTN_LEFT | VMP_PS2_BTN_MIDDLE), 0);
    EXPECT_AUX(0x1D, 0xFF, 0x01);
    /* beyond 9 bits: clamped with the overflow bit, the rest follows */
    ck_assert_int_eq(vmp_i8042_mouse(kbc, 300, 0, 0, 0), 0);
    EXPECT_AUX(0x48, 0xFF, 0x00, 0x08, 0x2D, 0x00);
    ck_assert_int_eq(vmp_i8042_mouse(kbc, -300, 400, 0, 0), 0);
    /* X -256 (sign, overflow, byte 00); Y -256 from a 400-down move */
    EXPECT_AUX(0xF8, 0x00, 0x00, 0x38, 0xD4, 0x70);
    expect_empty();
    /* a plain mouse ignores the wheel */
    ck_assert_int_eq(vmp_i8042_mouse(kbc, 0, 0, 3, 0), 0);
    expect_empty();
    /* data reporting off: motion refused */
    aux(0xF5);
    EXPECT_AUX(0xFA);
    ck_assert_int_eq(vmp_i8042_mouse(kbc, 1, 1, 0, 0), -EAGAIN);
    expect_empty();
}
END_TEST

START_TEST(mouse_wheel_packets)
{
    /* IntelliMouse (ID 3): 4th byte Z, two's complement, positive toward
     * the user; Explorer (ID 4): Z in bits 3:0, buttons 4/5 in 4/5. */
    static const uint8_t knock[] = { 200, 100, 80, 200, 200, 80 };
    for (unsigned i = 0; i < 3; i++) {
        aux(0xF3);
        aux(knock[i]);
    }
    aux(0xF4);
    EXPECT_AUX(0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA);
    vmp_i8042_mouse(kbc, 0, 0, 1, 0); /* wheel up */
    EXPECT_AUX(0x08, 0x00, 0x00, 0xFF);
    vmp_i8042_mouse(kbc, 0, 0, -20, 0); /* range -8..7: 7 then 7 then 6 */
    EXPECT_AUX(0x08, 0x00, 0x00, 0x07, 0x08, 0x00, 0x00, 0x07, 0x08, 0x00, 0x00, 0x06);
    for (unsigned i = 3; i < 6; i++) {
        aux(0xF3);
        aux(knock[i]);
    }
    EXPECT_AUX(0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA);
    vmp_i8042_mouse(kbc, 0, 0, 2, VMP_PS2_BTN_SIDE | VMP_PS2_BTN_EXTRA);
    EXPECT_AUX(0x08, 0x00, 0x00, 0x3E);
}
END_TEST

START_TEST(mouse_scaling_21)
{
    /* PS/2 TR 2:1 scaling (stream mode): 1->1, 2->1, 3->3, 4->6, 5->9,
     * n>5 -> 2n. */
    aux(0xE7);
    mouse_on();
    EXPECT_AUX(0xFA);
    static const int in[] = { 1, 2, 3, 4, 5, 10 };
    static const uint8_t out[] = { 1, 1, 3, 6, 9, 20 };
    for (unsigned i = 0; i < 6; i++) {
        vmp_i8042_mouse(kbc, in[i], 0, 0, 0);
        const uint8_t want[] = { 0x08, out[i], 0x00 };
        expect(want, 3, true);
    }
}
END_TEST

START_TEST(mouse_coalesces_motion)
{
    /* While packets wait, motion is summed: 5000 one-count moves end up in
     * a few packets whose deltas add to 5000; nothing is dropped. */
    mouse_on();
    for (unsigned i = 0; i < 5000; i++)
        ck_assert_int_eq(vmp_i8042_mouse(kbc, 1, 0, 0, 0), 0);
    int sum = 0;
    unsigned packets = 0;
    while (st() & VMP_I8042_STR_OBF) {
        uint8_t b0 = rd(), x = rd(), y = rd();
        ck_assert_uint_eq(b0 & 0x08, 0x08);
        ck_assert_uint_eq(y, 0);
        sum += x | (b0 & 0x10 ? -256 : 0);
        packets++;
        ck_assert_uint_lt(packets, 100);
    }
    ck_assert_int_eq(sum, 5000);
    struct vmp_i8042_stats s;
    vmp_i8042_get_stats(kbc, &s);
    ck_assert_uint_eq(s.mouse_dropped, 0);
}
END_TEST

START_TEST(no_mouse_times_out)
{
    /* PS/2 TR: a byte for an absent aux device times out: status bit 6
     * and FE from the aux port. */
    vmp_i8042_destroy(kbc);
    vmp_space_unmap(pio, 0x60);
    vmp_space_unmap(pio, 0x64);
    kbc = make(true);
    ck_assert_int_eq(vmp_i8042_attach(kbc, pio, 0x60), 0);
    aux(0xFF);
    ck_assert_uint_eq(st() & (VMP_I8042_STR_TIMEOUT | VMP_I8042_STR_AUXB | VMP_I8042_STR_OBF),
                      VMP_I8042_STR_TIMEOUT | VMP_I8042_STR_AUXB | VMP_I8042_STR_OBF);
    ck_assert_uint_eq(rd(), 0xFE);
    ck_assert_uint_eq(st() & VMP_I8042_STR_TIMEOUT, 0);
    ck_assert_int_eq(vmp_i8042_mouse(kbc, 1, 1, 0, 0), -ENODEV);
}
END_TEST

/* ---- hardening, state, reset ---- */

START_TEST(bounded_queues)
{
    /* Thousands of host events and guest writes without a read: the
     * queues stay within VMP_PS2_QUEUE_SIZE bytes, overflow is counted,
     * and draining ends. */
    set_ctr(0x00);
    unsigned ok = 0;
    for (unsigned i = 0; i < 10000; i++)
        ok += vmp_i8042_key(kbc, KEY_PAUSE, true) == 0;
    struct vmp_i8042_stats s;
    vmp_i8042_get_stats(kbc, &s);
    ck_assert_uint_eq(ok, VMP_PS2_QUEUE_SIZE / 8);
    ck_assert_uint_eq(s.kbd_dropped, 10000 - ok);
    for (unsigned i = 0; i < 10000; i++) {
        wr(0xF2);  /* three answer bytes each */
        aux(0xE9); /* four */
    }
    aux(0xF4);
    for (unsigned i = 0; i < 10000; i++) /* a button change each */
        vmp_i8042_mouse(kbc, 0, 0, 0, i & 1);
    unsigned reads = 0;
    while (st() & VMP_I8042_STR_OBF) {
        rd();
        /* four full queues, the byte in the buffer, one last packet */
        ck_assert_uint_le(++reads, 4 * VMP_PS2_QUEUE_SIZE + 4);
    }
    vmp_i8042_get_stats(kbc, &s);
    ck_assert_uint_gt(s.mouse_dropped, 0);
    /* still working afterwards */
    wr(0xEE);
    EXPECT_KBD(0xEE);
}
END_TEST

START_TEST(hostile_guest_and_host_storm)
{
    /* VENOM-class: 50,000 pseudo-random bytes to both ports (commands,
     * parameters, aux bytes) mixed with host key and mouse events and a
     * few reads. Nothing may grow without bound: once the mouse is reset
     * (dropping held motion) the output drains within the four queues,
     * the buffer and the held byte, and the controller still answers. */
    uint32_t x = 12345;
    for (unsigned i = 0; i < 50000; i++) {
        x = x * 1103515245u + 12345u;
        uint8_t b = (uint8_t)(x >> 16);
        switch ((x >> 28) & 7) {
        case 0: case 1: cmd(b); break;
        case 2: case 3: wr(b); break;
        case 4: aux(b); break;
        case 5: vmp_i8042_key(kbc, b, x & 1); break;
        case 6: vmp_i8042_mouse(kbc, (int8_t)b * 40, (int8_t)(x >> 8), (x >> 4 & 7) - 3, b & 0x1F); break;
        default: rd(); break;
        }
    }
    set_ctr(0x00); /* both ports on, raw */
    aux(0xFF);
    aux(0xFF);
    unsigned reads = 0;
    while (st() & VMP_I8042_STR_OBF) {
        rd();
        ck_assert_uint_le(++reads, 4 * VMP_PS2_QUEUE_SIZE + 2);
    }
    wr(0xFF);
    EXPECT_KBD(0xFA, 0xAA);
    aux(0xF2);
    EXPECT_AUX(0xFA, 0x00);
}
END_TEST

static int save_fn(const void *m, struct vmp_state_writer *w) { return vmp_i8042_save(m, w); }
static int load_fn(void *m, struct vmp_state_reader *r) { return vmp_i8042_load(m, r); }

START_TEST(save_load_roundtrip)
{
    /* Mid-flight state: an IntelliMouse in 2:1 with a packet half read,
     * keys queued behind a disabled port, LEDs, set 1, a pending D1, A20
     * off. The copy must behave exactly as the original. */
    static const uint8_t knock[] = { 200, 100, 80 };
    for (unsigned i = 0; i < 3; i++) {
        aux(0xF3);
        aux(knock[i]);
    }
    aux(0xE7);
    aux(0xF4);
    EXPECT_AUX(0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA, 0xFA);
    wr(0xED);
    wr(0x04);
    EXPECT_KBD(0xFA, 0xFA);
    cmd(0xDD);
    vmp_i8042_mouse(kbc, 40, -20, 1, VMP_PS2_BTN_RIGHT);
    vmp_i8042_mouse(kbc, 200, 0, 0, VMP_PS2_BTN_RIGHT);
    ck_assert_uint_eq(rd(), 0x0A);
    cmd(0xAD);
    key(KEY_KPENTER, true);
    key(KEY_A, true);
    cmd(0xD1);

    struct vmp_i8042 *copy = make(false);
    ck_assert_int_eq(test_roundtrip(kbc, copy, save_fn, load_fn), 0);
    ck_assert_uint_eq(rec.a20_calls, 2); /* original DD, copy's load */
    ck_assert(!vmp_i8042_a20(copy));
    ck_assert_uint_eq(vmp_i8042_leds(copy), VMP_PS2_LED_CAPS);
    /* drive both through the same steps and compare every byte */
    struct vmp_i8042 *both[2] = { kbc, copy };
    uint8_t out[2][32];
    unsigned n[2] = { 0, 0 };
    for (unsigned m = 0; m < 2; m++) {
        struct vmp_i8042 *k = both[m];
        const struct vmp_io_ops *d = &vmp_i8042_data_io_ops, *c = &vmp_i8042_cmd_io_ops;
        d->write(k, 0, 0xDF, 1); /* the pending D1 */
        c->write(k, 0, 0xAE, 1);
        while ((c->read(k, 0, 1) & 1) && n[m] < 32)
            out[m][n[m]++] = (uint8_t)d->read(k, 0, 1);
        c->write(k, 0, 0xD4, 1);
        d->write(k, 0, 0xF2, 1);
        while ((c->read(k, 0, 1) & 1) && n[m] < 32)
            out[m][n[m]++] = (uint8_t)d->read(k, 0, 1);
    }
    ck_assert_uint_eq(n[0], n[1]);
    ck_assert_mem_eq(out[0], out[1], n[0]);
    ck_assert_uint_ge(n[0], 10);
    ck_assert_uint_eq(out[0][n[0] - 1], 0x03);
    vmp_i8042_destroy(copy);
}
END_TEST

START_TEST(truncated_state)
{
    key(KEY_A, true);
    aux(0xF4);
    struct vmp_i8042 *copy = make(false);
    ck_assert_uint_eq(test_truncations_loaded(kbc, copy, save_fn, load_fn), 0);
    /* ... and a failed load left the copy untouched (power-on state) */
    const struct vmp_io_ops *c = &vmp_i8042_cmd_io_ops;
    ck_assert_uint_eq(c->read(copy, 0, 1), VMP_I8042_STR_INH);
    vmp_i8042_destroy(copy);
    /* a state saved without a mouse does not load into one with */
    struct vmp_i8042 *nm = make(true);
    ck_assert_int_eq(test_roundtrip(nm, kbc, save_fn, load_fn), -EINVAL);
    vmp_i8042_destroy(nm);
}
END_TEST

START_TEST(reset_returns_to_power_on)
{
    set_ctr(0x03);
    cmd(0xDD);
    key(KEY_A, true);
    ck_assert(s1.level);
    vmp_i8042_reset(kbc);
    ck_assert(!s1.level);
    ck_assert(rec.a20);
    ck_assert_uint_eq(st(), VMP_I8042_STR_INH);
    ck_assert_uint_eq(ctr(), VMP_I8042_CMD_RESET);
    aux(0xF2);
    EXPECT_AUX(0xFA, 0x00);
}
END_TEST

Suite *i8042_suite(void)
{
    Suite *s = suite_create("i8042");
    TCase *tc = tcase_create("i8042");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, status_bits_through_a_command);
    tcase_add_test(tc, command_byte_and_ram);
    tcase_add_test(tc, tests_and_ports);
    tcase_add_test(tc, output_port_a20_and_reset);
    tcase_add_test(tc, reset_callback_may_reset_controller);
    tcase_add_test(tc, write_output_buffers);
    tcase_add_test(tc, irq_enables_and_edges);
    tcase_add_test(tc, disabled_port_holds_bytes);
    tcase_add_test(tc, answer_displaces_device_byte);
    tcase_add_test(tc, translation_set2_to_set1);
    tcase_add_test(tc, all_keys_translate_to_set1);
    tcase_add_test(tc, pause_and_printscreen);
    tcase_add_test(tc, keyboard_reset_and_identify);
    tcase_add_test(tc, keyboard_commands);
    tcase_add_test(tc, answers_wait_for_key_sequence);
    tcase_add_test(tc, mouse_reset_and_id);
    tcase_add_test(tc, mouse_status_and_modes);
    tcase_add_test(tc, mouse_packets);
    tcase_add_test(tc, mouse_wheel_packets);
    tcase_add_test(tc, mouse_scaling_21);
    tcase_add_test(tc, mouse_coalesces_motion);
    tcase_add_test(tc, no_mouse_times_out);
    tcase_add_test(tc, bounded_queues);
    tcase_add_test(tc, hostile_guest_and_host_storm);
    tcase_add_test(tc, save_load_roundtrip);
    tcase_add_test(tc, truncated_state);
    tcase_add_test(tc, reset_returns_to_power_on);
    suite_add_tcase(s, tc);
    return s;
}

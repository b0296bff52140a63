/* Fuzz harness (models/input/): the i8042 at 0x60/0x64 with keyboard and
 * mouse, driven by the generic op stream (PIO window 0 = 0x60, window 1 =
 * 0x64). The op stream's "IRQ lines" are the host side, a rising level is
 * one event:
 *   lines 0-6   keys (level = pressed): A, left Shift, left Ctrl, left
 *               Alt, keypad Enter (E0), Print Screen, Pause
 *   line 7      a key from the whole keycode range (0-255, unmapped ones
 *               included), pressed or released by the level
 *   line 8      mouse motion, sizes from small to overflowing
 *   line 9      one of the five mouse buttons (level = held)
 *   line 10     wheel
 * The first input byte picks the build: bit 0 set = no mouse. Each input
 * starts from a fresh controller; after the run the output must drain
 * within the queues' bound. SAVE runs fuzz_state_check. A reset pulse
 * resets the controller from its callback, as a board does. */
#include <linux/input-event-codes.h>
#include <stdlib.h>
#include <string.h>

#include <vmparts/input.h>

#include "common/fuzz_ops.h"
#include "common/fuzz_state.h"

#define HOST_LINES 11

struct host {
    struct vmp_i8042 *kbc;
    unsigned buttons;
    uint32_t seq; /* varies the events over a run */
    uint32_t resets;
};

static void on_a20(void *o, bool on)
{
    (void)o;
    (void)on;
}

/* As a board would: reset the controller from inside the pulse. */
static void on_reset(void *o, enum vmp_reset_kind kind)
{
    struct host *h = o;
    (void)kind;
    h->resets++;
    vmp_i8042_reset(h->kbc);
}

static void host_pin(void *opaque, unsigned pin, bool level)
{
    static const unsigned keys[7] = { KEY_A, KEY_LEFTSHIFT, KEY_LEFTCTRL, KEY_LEFTALT,
                                      KEY_KPENTER, KEY_SYSRQ, KEY_PAUSE };
    static const int moves[8] = { 0, 1, -1, 7, -100, 255, -256, 3000 };
    struct host *h = opaque;
    uint32_t s = h->seq++ * 2654435761u;
    if (pin < 7) {
        (void)vmp_i8042_key(h->kbc, keys[pin], level);
    } else if (pin == 7) {
        (void)vmp_i8042_key(h->kbc, s >> 24, level);
    } else if (pin == 8 && level) {
        (void)vmp_i8042_mouse(h->kbc, moves[s >> 29], moves[(s >> 26) & 7], 0, h->buttons);
    } else if (pin == 9) {
        unsigned bit = 1u << (s >> 29) % 5;
        h->buttons = level ? h->buttons | bit : h->buttons & ~bit;
        (void)vmp_i8042_mouse(h->kbc, 0, 0, 0, h->buttons);
    } else if (pin == 10 && level) {
        (void)vmp_i8042_mouse(h->kbc, 0, 0, (int)(s >> 28) - 8, h->buttons);
    }
}

FUZZ_STATE_ADAPT(vmp_i8042, struct vmp_i8042)

static int save_load(void *opaque)
{
    struct host *h = opaque;
    return fuzz_state_check(h->kbc, vmp_i8042_save_any, vmp_i8042_load_any,
                            h->seq * 7919u + h->resets);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_board b;
    struct host h;
    struct vmp_irq_line *irq1 = vmp_irq_line_create("irq1");
    struct vmp_irq_line *irq12 = vmp_irq_line_create("irq12");
    struct vmp_irq_line *hl[HOST_LINES];
    memset(&b, 0, sizeof b);
    memset(&h, 0, sizeof h);
    struct fuzz_in in = { data, size };
    b.pio = vmp_space_create("pio", 0xFFFF);
    struct vmp_env env = { .log = &fuzz_quiet_log };
    struct vmp_i8042_ops ops = { .a20 = on_a20, .reset = on_reset, .opaque = &h,
                                 .no_mouse = fuzz_u8(&in) & 1 };
    h.kbc = vmp_i8042_create(&env, vmp_irq_line_source(irq1), vmp_irq_line_source(irq12), &ops);
    if (!b.pio || !irq1 || !irq12 || !h.kbc || vmp_i8042_attach(h.kbc, b.pio, 0x60))
        abort();
    for (unsigned i = 0; i < HOST_LINES; i++) {
        hl[i] = vmp_irq_line_create("host");
        vmp_irq_line_add_sink(hl[i], host_pin, &h, i);
        b.lines[b.n_lines++] = vmp_irq_line_source(hl[i]);
    }
    b.pio_win[b.n_pio_win++] = 0x60;
    b.pio_win[b.n_pio_win++] = 0x64;
    b.save_load = save_load;
    b.opaque = &h;

    fuzz_run_ops(&b, &in);

    /* Whatever happened, the output drains within the queues' bounds once
     * the mouse is reset (twice: the first FF may be a pending command's
     * parameter), which drops any motion it still holds. */
    for (unsigned i = 0; i < 2; i++) {
        vmp_space_write(b.pio, 0x64, 0xD4, 1);
        vmp_space_write(b.pio, 0x60, 0xFF, 1);
    }
    unsigned reads = 0;
    while (vmp_space_read(b.pio, 0x64, 1) & VMP_I8042_STR_OBF) {
        (void)vmp_space_read(b.pio, 0x60, 1);
        if (++reads > 4 * VMP_PS2_QUEUE_SIZE + 2)
            abort();
    }
    vmp_i8042_destroy(h.kbc);
    for (unsigned i = 0; i < HOST_LINES; i++)
        vmp_irq_line_destroy(hl[i]);
    vmp_irq_line_destroy(irq1);
    vmp_irq_line_destroy(irq12);
    vmp_space_destroy(b.pio);
    return 0;
}

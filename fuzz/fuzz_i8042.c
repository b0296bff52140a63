/* Fuzz harness (models/input/): the i8042 at 0x60/0x64 with keyboard and
 * mouse, driven by the generic op stream. PIO window 0 is port 0x60,
 * window 1 port 0x64, window 2 a host-event region the harness maps at
 * HOST_PORT (three 8-port slots, so a 64-bit write reaches one whole),
 * and the input decides every host event in full:
 *   slot 0 (HOST_PORT+0..7)   write v: key press, Linux keycode
 *                             v & 0x3FF (unmapped codes included)
 *   slot 1 (HOST_PORT+8..15)  write v: key release, keycode v & 0x3FF
 *   slot 2 (HOST_PORT+16..23) write v: mouse: dx = (int16)v,
 *                             dy = (int16)(v >> 16), dz = (int8)(v >> 32) / 8,
 *                             buttons = (v >> 40) & 0x1F
 *   reads: LEDs | A20 << 3 (what a front end would look at)
 * The first input byte picks the build: bit 0 set = no mouse; bit 1 set =
 * check at the end that the output drains within the queues' bound.
 * Each input starts from a fresh controller. SAVE runs
 * fuzz_state_check. A reset pulse resets the controller from its
 * callback, as a board does.
 *
 * Sources covered: models/input/i8042.c, i8042_state.c, ps2_kbd.c,
 * ps2_mouse.c, ps2_scancode.c, ps2_queue.c.
 */
#include <stdlib.h>
#include <string.h>

#include <vmparts/input.h>

#include "common/fuzz_ops.h"
#include "common/fuzz_state.h"

#define HOST_PORT 0x1000

struct host {
    struct vmp_i8042 *kbc;
    uint32_t events;
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

static uint64_t host_read(void *dev, uint64_t offset, unsigned size)
{
    struct host *h = dev;
    (void)offset;
    (void)size;
    return vmp_i8042_leds(h->kbc) | (unsigned)vmp_i8042_a20(h->kbc) << 3;
}

static void host_write(void *dev, uint64_t offset, uint64_t v, unsigned size)
{
    struct host *h = dev;
    (void)size;
    h->events++;
    switch (offset >> 3) {
    case 0:
    case 1:
        (void)vmp_i8042_key(h->kbc, (unsigned)(v & 0x3FF), offset < 8);
        break;
    case 2:
        (void)vmp_i8042_mouse(h->kbc, (int16_t)v, (int16_t)(v >> 16), (int8_t)(v >> 32) / 8,
                              (unsigned)(v >> 40) & 0x1F);
        break;
    }
}

static const struct vmp_io_ops host_ops = { .read = host_read, .write = host_write };

FUZZ_STATE_ADAPT(vmp_i8042, struct vmp_i8042)

static int save_load(void *opaque)
{
    struct host *h = opaque;
    return fuzz_state_check(h->kbc, vmp_i8042_save_any, vmp_i8042_load_any,
                            h->events * 7919u + h->resets);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_board b;
    struct host h;
    struct vmp_irq_line *irq1 = vmp_irq_line_create("irq1");
    struct vmp_irq_line *irq12 = vmp_irq_line_create("irq12");
    memset(&b, 0, sizeof b);
    memset(&h, 0, sizeof h);
    struct fuzz_in in = { data, size };
    b.pio = vmp_space_create("pio", 0xFFFF);
    struct vmp_env env = { .log = &fuzz_quiet_log };
    uint8_t build = fuzz_u8(&in);
    struct vmp_i8042_ops ops = { .a20 = on_a20, .reset = on_reset, .opaque = &h,
                                 .no_mouse = build & 1 };
    h.kbc = vmp_i8042_create(&env, vmp_irq_line_source(irq1), vmp_irq_line_source(irq12), &ops);
    if (!b.pio || !irq1 || !irq12 || !h.kbc || vmp_i8042_attach(h.kbc, b.pio, 0x60))
        abort();
    if (vmp_space_map(b.pio, HOST_PORT, 24, &host_ops, &h))
        abort();
    b.pio_win[b.n_pio_win++] = 0x60;
    b.pio_win[b.n_pio_win++] = 0x64;
    b.pio_win[b.n_pio_win++] = HOST_PORT;
    b.save_load = save_load;
    b.opaque = &h;

    fuzz_run_ops(&b, &in);

    /* Whatever happened, the output drains within the queues' bounds once
     * the mouse is reset (twice: the first FF may be a pending command's
     * parameter), which drops any motion it still holds. Checked on half
     * the inputs (build bit 1): it is most of an empty input's cost. */
    if (build & 2) {
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
    }
    vmp_i8042_destroy(h.kbc);
    vmp_irq_line_destroy(irq1);
    vmp_irq_line_destroy(irq12);
    vmp_space_destroy(b.pio);
    return 0;
}

/* Fuzz harness for the small misc ports together: debug exit (0xF4),
 * debug console (at 0x402 here, since the test device's 0xE8-0xEB covers
 * 0xE9), the pc-testdev ports (0xE0, 0xE4, 0xE8, 0x2000 + n), reset
 * control (0xCF9) and port 0x92. The reset callback does what an embedder
 * would: a hard or full reset resets every device, also from inside the
 * port write that asked for it. SAVE saves all of them in one stream,
 * loads it back and checks a second save gives the same bytes, then loads
 * a copy with one bit flipped: valid, or refused with nothing changed. */
#include <stdlib.h>
#include <string.h>

#include <vmparts/misc.h>

#include "common/fuzz_ops.h"
#include "common/fuzz_state.h"

struct board {
    struct vmp_debug_exit *de;
    struct vmp_debug_console *dc;
    struct vmp_testdev *td;
    struct vmp_reset_ctl *rc;
    struct vmp_port92 *p92;
    uint64_t sum;
};

static void on_exit_(void *o, uint64_t status) { ((struct board *)o)->sum += status; }
static void on_putc(void *o, uint8_t b) { ((struct board *)o)->sum += b; }
static void on_flush(void *o, uint64_t gpa) { ((struct board *)o)->sum ^= gpa; }
static void on_a20(void *o, bool on) { ((struct board *)o)->sum += on; }

static void on_reset(void *o, enum vmp_reset_kind k)
{
    struct board *b = o;
    if (k == VMP_RESET_INIT)
        return;
    vmp_debug_exit_reset(b->de);
    vmp_debug_console_reset(b->dc);
    vmp_testdev_reset(b->td);
    vmp_reset_ctl_reset(b->rc);
    vmp_port92_reset(b->p92);
}

static int save_all(const void *m, struct vmp_state_writer *w)
{
    const struct board *b = m;
    int err = vmp_debug_exit_save(b->de, w);
    if (!err)
        err = vmp_debug_console_save(b->dc, w);
    if (!err)
        err = vmp_testdev_save(b->td, w);
    if (!err)
        err = vmp_reset_ctl_save(b->rc, w);
    if (!err)
        err = vmp_port92_save(b->p92, w);
    return err;
}

static int load_all(void *m, struct vmp_state_reader *r)
{
    struct board *b = m;
    int err = vmp_debug_exit_load(b->de, r);
    if (!err)
        err = vmp_debug_console_load(b->dc, r);
    if (!err)
        err = vmp_testdev_load(b->td, r);
    if (!err)
        err = vmp_reset_ctl_load(b->rc, r);
    if (!err)
        err = vmp_port92_load(b->p92, r);
    if (!err && r->pos != r->len)
        err = -EBADMSG;
    return err;
}

/* The flipped bit is chosen by the run so far (fuzz_state.h). */
static int save_load(void *opaque)
{
    struct board *b = opaque;
    return fuzz_state_check(b, save_all, load_all,
                            (uint32_t)b->sum | (uint32_t)(b->sum >> 8 & 7) << 29);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_board fb;
    struct board b;
    struct vmp_irq_line *lines[VMP_TESTDEV_IRQS];
    struct vmp_irq *irqs[VMP_TESTDEV_IRQS];
    memset(&fb, 0, sizeof fb);
    memset(&b, 0, sizeof b);
    fb.pio = vmp_space_create("pio", 0xFFFF);
    for (unsigned i = 0; i < VMP_TESTDEV_IRQS; i++) {
        lines[i] = vmp_irq_line_create("td");
        irqs[i] = vmp_irq_line_source(lines[i]);
    }
    struct vmp_env env = { .log = &fuzz_quiet_log };
    struct vmp_debug_exit_ops deo = { on_exit_, &b };
    struct vmp_debug_console_ops dco = { on_putc, &b };
    struct vmp_testdev_ops tdo = { on_flush, &b };
    struct vmp_reset_ops rco = { on_reset, &b };
    struct vmp_port92_ops p92o = { on_a20, on_reset, &b };
    b.de = vmp_debug_exit_create(&env, 4, &deo);
    b.dc = vmp_debug_console_create(&env, &dco);
    b.td = vmp_testdev_create(&env, irqs, &tdo);
    b.rc = vmp_reset_ctl_create(&env, &rco);
    b.p92 = vmp_port92_create(&env, &p92o);
    if (!fb.pio || !b.de || !b.dc || !b.td || !b.rc || !b.p92 ||
        vmp_debug_exit_attach(b.de, fb.pio, 0xF4) ||
        vmp_debug_console_attach(b.dc, fb.pio, 0x402) ||
        vmp_testdev_attach(b.td, fb.pio, 0) ||
        vmp_reset_ctl_attach(b.rc, fb.pio, VMP_RESET_CTL_PORT) ||
        vmp_port92_attach(b.p92, fb.pio, VMP_PORT92_PORT))
        abort();
    static const uint64_t win[] = { 0xF4, 0x402, 0xE0, 0xE8, 0x2000, 0xCF9, 0x92 };
    for (unsigned i = 0; i < sizeof win / sizeof win[0]; i++)
        fb.pio_win[fb.n_pio_win++] = win[i];
    fb.save_load = save_load;
    fb.opaque = &b;

    struct fuzz_in in = { data, size };
    fuzz_run_ops(&fb, &in);

    vmp_debug_exit_destroy(b.de);
    vmp_debug_console_destroy(b.dc);
    vmp_testdev_destroy(b.td);
    vmp_reset_ctl_destroy(b.rc);
    vmp_port92_destroy(b.p92);
    for (unsigned i = 0; i < VMP_TESTDEV_IRQS; i++)
        vmp_irq_line_destroy(lines[i]);
    vmp_space_destroy(fb.pio);
    return 0;
}

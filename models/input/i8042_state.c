/* Save and load of the whole i8042: controller, keyboard, mouse (the
 * state.h pattern: read into a copy, validate, commit on success). */
#include "ps2.h"

#define STATE_TAG "i8042"
#define STATE_VERSION 2 /* 1: nested device sections (never released) */

#define CF_OBF 0x01
#define CF_OBF_CTRL 0x02
#define CF_HELD 0x04
#define CF_A2 0x08
#define CF_TIMEOUT 0x10
#define CF_XLATE_BREAK 0x20
#define CF_NO_MOUSE 0x40
#define CF_ALL 0x7F

/* Layout: the controller record (8 bytes), RAM (32), the drop counters,
 * then the keyboard's and the mouse's records (ps2_kbd.c, ps2_mouse.c).
 * Records are byte arrays so a save or load is a handful of calls. */
int vmp_i8042_save(const struct vmp_i8042 *c, struct vmp_state_writer *w)
{
    uint8_t flags = (uint8_t)((c->obf ? CF_OBF : 0) | (c->obf_ctrl ? CF_OBF_CTRL : 0) |
                              (c->held ? CF_HELD : 0) | (c->a2 ? CF_A2 : 0) |
                              (c->timeout ? CF_TIMEOUT : 0) |
                              (c->xlate_break ? CF_XLATE_BREAK : 0) |
                              (c->ops.no_mouse ? CF_NO_MOUSE : 0));
    const uint8_t rec[8] = { flags, c->outport, c->pending, c->obuf,
                             c->obf_src, c->held_byte, c->held_src, c->next_src };
    vmp_state_begin(w, STATE_TAG, STATE_VERSION);
    vmp_state_put_bytes(w, rec, sizeof rec);
    vmp_state_put_bytes(w, c->ram, sizeof c->ram);
    vmp_state_put_u64(w, c->stats.kbd_dropped);
    vmp_state_put_u64(w, c->stats.mouse_dropped);
    ps2_kbd_save(&c->kbd, w);
    ps2_mouse_save(&c->mouse, w);
    vmp_state_end(w);
    return vmp_state_writer_error(w);
}

static bool valid_pending(uint8_t p)
{
    return p == 0 || (p >= 0x60 && p <= 0x7F) || (p >= 0xD1 && p <= 0xD4) || p == 0xA5;
}

int vmp_i8042_load(struct vmp_i8042 *c, struct vmp_state_reader *r)
{
    uint32_t version;
    int err = vmp_state_open(r, STATE_TAG, STATE_VERSION, &version);
    if (err)
        return err;
    if (version != STATE_VERSION)
        vmp_state_fail(r, -EPROTONOSUPPORT);
    struct vmp_i8042 n = *c; /* wiring stays; every state field is read */
    uint8_t rec[8];
    vmp_state_get_bytes(r, rec, sizeof rec);
    uint8_t flags = rec[0];
    n.obf = flags & CF_OBF;
    n.obf_ctrl = flags & CF_OBF_CTRL;
    n.held = flags & CF_HELD;
    n.a2 = flags & CF_A2;
    n.timeout = flags & CF_TIMEOUT;
    n.xlate_break = flags & CF_XLATE_BREAK;
    n.outport = rec[1];
    n.pending = rec[2];
    n.obuf = rec[3];
    n.obf_src = rec[4];
    n.held_byte = rec[5];
    n.held_src = rec[6];
    n.next_src = rec[7];
    if ((flags & ~CF_ALL) ||
        !(flags & CF_NO_MOUSE) != !c->ops.no_mouse || /* saved for another build-out */
        /* bits 4-5 are live IRQ outputs; bit 0 always reads back 1 */
        (n.outport & (VMP_I8042_OUT_KBD_OBF | VMP_I8042_OUT_AUX_OBF)) ||
        !(n.outport & VMP_I8042_OUT_RESET) || !valid_pending(n.pending) ||
        n.obf_src > SRC_AUX || n.held_src > SRC_AUX || n.next_src > SRC_AUX ||
        /* a held byte exists only behind a controller answer */
        (n.held && !(n.obf && n.obf_ctrl)))
        vmp_state_fail(r, -EINVAL);
    vmp_state_get_bytes(r, n.ram, sizeof n.ram);
    n.stats.kbd_dropped = vmp_state_get_u64(r);
    n.stats.mouse_dropped = vmp_state_get_u64(r);
    ps2_kbd_load(&n.kbd, r);
    ps2_mouse_load(&n.mouse, r);
    err = vmp_state_close(r);
    if (err)
        return err;
    bool a20 = vmp_i8042_a20(c);
    *c = n;
    i8042_update(c);
    if (a20 != vmp_i8042_a20(c) && c->ops.a20)
        c->ops.a20(c->ops.opaque, vmp_i8042_a20(c));
    return 0;
}

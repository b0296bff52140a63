/* Save and load of the whole i8042: controller, keyboard, mouse (the
 * state.h pattern: read into a copy, validate, commit on success). */
#include "ps2.h"

#define STATE_TAG "i8042"
#define STATE_VERSION 1

int vmp_i8042_save(const struct vmp_i8042 *c, struct vmp_state_writer *w)
{
    vmp_state_begin(w, STATE_TAG, STATE_VERSION);
    vmp_state_put_bool(w, c->ops.no_mouse);
    vmp_state_put_bytes(w, c->ram, sizeof c->ram);
    vmp_state_put_u8(w, c->outport);
    vmp_state_put_u8(w, c->pending);
    vmp_state_put_u8(w, c->obuf);
    vmp_state_put_bool(w, c->obf);
    vmp_state_put_u8(w, c->obf_src);
    vmp_state_put_bool(w, c->obf_ctrl);
    vmp_state_put_bool(w, c->held);
    vmp_state_put_u8(w, c->held_byte);
    vmp_state_put_u8(w, c->held_src);
    vmp_state_put_bool(w, c->a2);
    vmp_state_put_bool(w, c->timeout);
    vmp_state_put_bool(w, c->xlate_break);
    vmp_state_put_u8(w, c->next_src);
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
    struct vmp_i8042 n = *c; /* wiring stays; every state field is read */
    if (vmp_state_get_bool(r) != c->ops.no_mouse)
        vmp_state_fail(r, -EINVAL); /* saved for a different build-out */
    vmp_state_get_bytes(r, n.ram, sizeof n.ram);
    n.outport = vmp_state_get_u8(r);
    /* bits 4-5 are live IRQ outputs, bit 0 always reads back 1 */
    if ((n.outport & (VMP_I8042_OUT_KBD_OBF | VMP_I8042_OUT_AUX_OBF)) ||
        !(n.outport & VMP_I8042_OUT_RESET))
        vmp_state_fail(r, -EINVAL);
    n.pending = vmp_state_get_u8(r);
    if (!valid_pending(n.pending))
        vmp_state_fail(r, -EINVAL);
    n.obuf = vmp_state_get_u8(r);
    n.obf = vmp_state_get_bool(r);
    n.obf_src = vmp_state_get_u8_max(r, SRC_AUX);
    n.obf_ctrl = vmp_state_get_bool(r);
    n.held = vmp_state_get_bool(r);
    n.held_byte = vmp_state_get_u8(r);
    n.held_src = vmp_state_get_u8_max(r, SRC_AUX);
    n.a2 = vmp_state_get_bool(r);
    n.timeout = vmp_state_get_bool(r);
    n.xlate_break = vmp_state_get_bool(r);
    n.next_src = vmp_state_get_u8_max(r, SRC_AUX);
    n.stats.kbd_dropped = vmp_state_get_u64(r);
    n.stats.mouse_dropped = vmp_state_get_u64(r);
    /* a held byte exists only behind a controller answer */
    if (n.held && !(n.obf && n.obf_ctrl))
        vmp_state_fail(r, -EINVAL);
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

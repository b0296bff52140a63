/* The i8042 keyboard controller: status and data ports, controller
 * commands, the output buffer shared by the keyboard and aux ports, and
 * the IRQ1/IRQ12 outputs (IBM PC/AT Technical Reference, "Keyboard
 * Controller"; IBM PS/2 Hardware Interface Technical Reference, "Keyboard
 * and Auxiliary Device Controller"). See input.h and docs/i8042.md. */
#include <stdlib.h>
#include <string.h>

#include "ps2.h"

#define OUT_STORED (~(VMP_I8042_OUT_KBD_OBF | VMP_I8042_OUT_AUX_OBF) & 0xFF)
#define OUT_POWER_ON 0xCF /* 8042 port pins come up high: A20 on, no reset */
#define INPUT_PORT 0xB0   /* not inhibited, no jumper, 512 KiB: AT values */

static uint8_t cmd_byte(const struct vmp_i8042 *c) { return c->ram[0]; }

static bool port_on(const struct vmp_i8042 *c, unsigned src)
{
    if (src == SRC_KBD)
        return !(cmd_byte(c) & VMP_I8042_CMD_KBDDIS);
    return !c->ops.no_mouse && !(cmd_byte(c) & VMP_I8042_CMD_AUXDIS);
}

/* IRQ1/IRQ12 follow the output buffer: high while it holds a byte of that
 * port and the command byte enables the port's interrupt (the 8042 drives
 * them from its OBF pins). */
static bool irq_level(const struct vmp_i8042 *c, unsigned src)
{
    uint8_t en = src == SRC_KBD ? VMP_I8042_CMD_INT : VMP_I8042_CMD_INT2;
    return c->obf && c->obf_src == src && (cmd_byte(c) & en);
}

static void drive_irqs(struct vmp_i8042 *c)
{
    vmp_irq_set(c->irq1, irq_level(c, SRC_KBD));
    vmp_irq_set(c->irq12, irq_level(c, SRC_AUX));
}

/* A keyboard byte through the translation when the command byte asks: F0
 * is swallowed and sets bit 7 of the next byte. */
static bool take_kbd(struct vmp_i8042 *c, uint8_t *out)
{
    uint8_t b;
    while (ps2_kbd_take(&c->kbd, &b)) {
        if (!(cmd_byte(c) & VMP_I8042_CMD_XLATE)) {
            *out = b;
            return true;
        }
        if (b == 0xF0) {
            c->xlate_break = true;
            continue;
        }
        *out = (uint8_t)(ps2_translate(b) | (c->xlate_break ? 0x80 : 0));
        c->xlate_break = false;
        return true;
    }
    return false;
}

static bool take(struct vmp_i8042 *c, unsigned src, uint8_t *b)
{
    if (!port_on(c, src))
        return false; /* clock held low: the device keeps its bytes */
    return src == SRC_KBD ? take_kbd(c, b) : ps2_mouse_take(&c->mouse, b);
}

void i8042_update(struct vmp_i8042 *c)
{
    if (!c->obf) {
        uint8_t b;
        if (c->held) {
            c->obuf = c->held_byte;
            c->obf_src = c->held_src;
            c->obf_ctrl = false;
            c->obf = true;
            c->held = false;
        } else {
            /* Alternate between the ports so neither starves the other. */
            for (unsigned i = 0; i < 2; i++) {
                unsigned src = (c->next_src + i) & 1;
                if (take(c, src, &b)) {
                    c->obuf = b;
                    c->obf_src = (uint8_t)src;
                    c->obf_ctrl = false;
                    c->obf = true;
                    c->next_src = (uint8_t)(src ^ 1);
                    break;
                }
            }
        }
    }
    drive_irqs(c);
}

/* A byte the controller itself produces (command answers, 0xD2/0xD3). It
 * overwrites the output buffer as on the 8042; a device byte it displaces
 * is kept and delivered next, so no keystroke is lost to a command. */
static void ctrl_output(struct vmp_i8042 *c, uint8_t b, unsigned src)
{
    if (c->obf && !c->obf_ctrl) {
        c->held = true;
        c->held_byte = c->obuf;
        c->held_src = c->obf_src;
    }
    c->obuf = b;
    c->obf = true;
    c->obf_src = (uint8_t)src;
    c->obf_ctrl = true;
}

static void set_a20(struct vmp_i8042 *c, bool on)
{
    uint8_t old = c->outport;
    c->outport = on ? (uint8_t)(old | VMP_I8042_OUT_A20) : (uint8_t)(old & ~VMP_I8042_OUT_A20);
    if ((old ^ c->outport) & VMP_I8042_OUT_A20 && c->ops.a20)
        c->ops.a20(c->ops.opaque, on);
}

static void pulse_reset(struct vmp_i8042 *c)
{
    if (c->ops.reset)
        c->ops.reset(c->ops.opaque, VMP_RESET_INIT);
}

/* 0xD1: bit 1 is the A20 gate; bit 0 low asserts reset. The reset line is
 * taken as a pulse (the board resets the controller with the CPU), so the
 * bit reads back 1. */
static void write_outport(struct vmp_i8042 *c, uint8_t v)
{
    set_a20(c, v & VMP_I8042_OUT_A20);
    c->outport = (uint8_t)((v & OUT_STORED) | VMP_I8042_OUT_RESET);
    if (!(v & VMP_I8042_OUT_RESET))
        pulse_reset(c);
}

static uint8_t read_outport(const struct vmp_i8042 *c)
{
    uint8_t v = c->outport & OUT_STORED;
    if (irq_level(c, SRC_KBD))
        v |= VMP_I8042_OUT_KBD_OBF;
    if (irq_level(c, SRC_AUX))
        v |= VMP_I8042_OUT_AUX_OBF;
    return v;
}

static uint8_t status(const struct vmp_i8042 *c)
{
    uint8_t st = VMP_I8042_STR_INH | (cmd_byte(c) & VMP_I8042_STR_SYS);
    if (c->obf)
        st |= VMP_I8042_STR_OBF;
    if (c->obf && c->obf_src == SRC_AUX)
        st |= VMP_I8042_STR_AUXB;
    if (c->a2)
        st |= VMP_I8042_STR_A2;
    if (c->timeout)
        st |= VMP_I8042_STR_TIMEOUT;
    return st;
}

static void command(struct vmp_i8042 *c, uint8_t b)
{
    c->pending = 0; /* a command cancels one waiting for its data byte */
    if (b >= 0x20 && b <= 0x3F) { /* read RAM byte (0x20: command byte) */
        ctrl_output(c, c->ram[b & 0x1F], SRC_KBD);
        return;
    }
    if ((b >= 0x60 && b <= 0x7F) || (b >= 0xD1 && b <= 0xD4) || b == 0xA5) {
        c->pending = b; /* data byte follows on port 0x60 */
        return;
    }
    if (b >= 0xF0) { /* pulse output port bits 3:0 low where b has 0s */
        if (!(b & VMP_I8042_OUT_RESET))
            pulse_reset(c);
        return;
    }
    switch (b) {
    case 0xA4: ctrl_output(c, 0xF1, SRC_KBD); break; /* no password installed */
    case 0xA6: break;                                 /* enable password: none */
    case 0xA7: c->ram[0] |= VMP_I8042_CMD_AUXDIS; break;
    case 0xA8: c->ram[0] &= (uint8_t)~VMP_I8042_CMD_AUXDIS; break;
    case 0xA9: ctrl_output(c, 0x00, SRC_KBD); break;  /* aux lines fine */
    case 0xAA:
        /* Self test passed: 55, and the controller sets the system flag.
         * The rest of the command byte is kept (see docs/i8042.md). */
        c->ram[0] |= VMP_I8042_CMD_SYS;
        ctrl_output(c, 0x55, SRC_KBD);
        break;
    case 0xAB: ctrl_output(c, 0x00, SRC_KBD); break;  /* kbd lines fine */
    case 0xAD: c->ram[0] |= VMP_I8042_CMD_KBDDIS; break;
    case 0xAE: c->ram[0] &= (uint8_t)~VMP_I8042_CMD_KBDDIS; break;
    case 0xC0: ctrl_output(c, INPUT_PORT, SRC_KBD); break;
    case 0xD0: ctrl_output(c, read_outport(c), SRC_KBD); break;
    case 0xDD: set_a20(c, false); break;
    case 0xDF: set_a20(c, true); break;
    default:
        vmp_logf_limited(c->log, &c->rl, VMP_LOG_INFO,
                         "i8042: command %#04x not supported, ignored", b);
        break;
    }
}

static void data(struct vmp_i8042 *c, uint8_t b)
{
    uint8_t cmd = c->pending;
    c->pending = 0;
    switch (cmd) {
    case 0:
        ps2_kbd_write(&c->kbd, b);
        break;
    case 0xA5: /* password bytes up to a 0: swallowed */
        if (b)
            c->pending = cmd;
        break;
    case 0xD1: write_outport(c, b); break;
    case 0xD2: ctrl_output(c, b, SRC_KBD); break;
    case 0xD3: ctrl_output(c, b, SRC_AUX); break;
    case 0xD4:
        if (c->ops.no_mouse) {
            c->timeout = true;
            ctrl_output(c, 0xFE, SRC_AUX);
        } else {
            ps2_mouse_write(&c->mouse, b);
        }
        break;
    default: /* 0x60-0x7F: write RAM byte (0x60: command byte) */
        c->ram[cmd & 0x1F] = b;
        break;
    }
}

static uint64_t data_read(void *dev, uint64_t offset, unsigned size)
{
    struct vmp_i8042 *c = dev;
    (void)offset;
    (void)size;
    uint8_t v = c->obuf; /* an empty buffer reads its last byte again */
    if (c->obf) {
        c->obf = false;
        c->timeout = false;
        drive_irqs(c); /* the line falls before a next byte raises it */
    }
    i8042_update(c);
    return v;
}

static void data_write(void *dev, uint64_t offset, uint64_t value, unsigned size)
{
    struct vmp_i8042 *c = dev;
    (void)offset;
    (void)size;
    c->a2 = false;
    data(c, (uint8_t)value);
    i8042_update(c);
}

static uint64_t cmd_read(void *dev, uint64_t offset, unsigned size)
{
    (void)offset;
    (void)size;
    return status(dev);
}

static void cmd_write(void *dev, uint64_t offset, uint64_t value, unsigned size)
{
    struct vmp_i8042 *c = dev;
    (void)offset;
    (void)size;
    c->a2 = true;
    command(c, (uint8_t)value);
    i8042_update(c);
}

const struct vmp_io_ops vmp_i8042_data_io_ops = {
    .read = data_read,
    .write = data_write,
    .max_size = 1,
};

const struct vmp_io_ops vmp_i8042_cmd_io_ops = {
    .read = cmd_read,
    .write = cmd_write,
    .max_size = 1,
};

static void power_on(struct vmp_i8042 *c)
{
    memset(c->ram, 0, sizeof c->ram);
    c->ram[0] = VMP_I8042_CMD_RESET;
    c->outport = OUT_POWER_ON;
    c->pending = 0;
    c->obuf = 0;
    c->obf = c->obf_ctrl = c->held = false;
    c->obf_src = c->held_src = SRC_KBD;
    c->held_byte = 0;
    c->a2 = c->timeout = c->xlate_break = false;
    c->next_src = SRC_KBD;
    ps2_kbd_reset(&c->kbd);
    ps2_mouse_reset(&c->mouse);
    vmp_ratelimit_reset(&c->rl);
}

struct vmp_i8042 *vmp_i8042_create(const struct vmp_env *env, struct vmp_irq *irq1,
                                   struct vmp_irq *irq12, const struct vmp_i8042_ops *ops)
{
    struct vmp_i8042 *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->irq1 = irq1;
    c->irq12 = irq12;
    if (ops)
        c->ops = *ops;
    c->log = env ? env->log : NULL;
    power_on(c);
    drive_irqs(c);
    return c;
}

void vmp_i8042_destroy(struct vmp_i8042 *c) { free(c); }

void vmp_i8042_reset(struct vmp_i8042 *c)
{
    bool a20 = vmp_i8042_a20(c);
    power_on(c);
    drive_irqs(c);
    if (!a20 && c->ops.a20)
        c->ops.a20(c->ops.opaque, true);
}

int vmp_i8042_attach(struct vmp_i8042 *c, struct vmp_space *space, uint64_t base)
{
    int err = vmp_space_map(space, base, 1, &vmp_i8042_data_io_ops, c);
    if (err)
        return err;
    err = vmp_space_map(space, base + 4, 1, &vmp_i8042_cmd_io_ops, c);
    if (err)
        vmp_space_unmap(space, base);
    return err;
}

int vmp_i8042_key(struct vmp_i8042 *c, unsigned keycode, bool pressed)
{
    int err = ps2_kbd_key(&c->kbd, keycode, pressed);
    if (err == -ENOSPC)
        c->stats.kbd_dropped++;
    i8042_update(c);
    return err;
}

int vmp_i8042_mouse(struct vmp_i8042 *c, int dx, int dy, int dz, unsigned buttons)
{
    if (c->ops.no_mouse)
        return -ENODEV;
    int err = ps2_mouse_event(&c->mouse, dx, dy, dz, buttons);
    if (err == -ENOSPC)
        c->stats.mouse_dropped++;
    i8042_update(c);
    return err;
}

unsigned vmp_i8042_leds(const struct vmp_i8042 *c) { return c->kbd.leds; }
bool vmp_i8042_a20(const struct vmp_i8042 *c) { return c->outport & VMP_I8042_OUT_A20; }
void vmp_i8042_get_stats(const struct vmp_i8042 *c, struct vmp_i8042_stats *st) { *st = c->stats; }

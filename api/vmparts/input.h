/* Input devices: the i8042 keyboard controller with a PS/2 keyboard and a
 * PS/2 mouse (ports 0x60 and 0x64 on the reference board, IRQ1 and IRQ12).
 *
 * Behaviour follows the IBM PC/AT Technical Reference (keyboard
 * controller, keyboard), the IBM PS/2 Hardware Interface Technical
 * Reference (auxiliary device, mouse) and Microsoft's IntelliMouse
 * extensions; docs/i8042.md lists every command and what is left out.
 *
 * The model is passive: bytes move when the guest or the host calls in.
 * Devices answer at once (no transmission delays, IBF always reads 0), and
 * every queue is a fixed-size ring: host input that does not fit is
 * dropped and counted. env->clock and env->mem are not used; env->log
 * (may be NULL) receives rate-limited notes about unknown commands. */
#ifndef VMPARTS_INPUT_H
#define VMPARTS_INPUT_H

#include <vmparts/bus.h>
#include <vmparts/irqline.h>
#include <vmparts/misc.h>
#include <vmparts/state.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMP_I8042_DATA_PORT 0x60
#define VMP_I8042_CMD_PORT 0x64

/* Status register (read 0x64). */
#define VMP_I8042_STR_OBF 0x01     /* output buffer full */
#define VMP_I8042_STR_IBF 0x02     /* input buffer full (always 0 here) */
#define VMP_I8042_STR_SYS 0x04     /* system flag (command byte bit 2) */
#define VMP_I8042_STR_A2 0x08      /* last write was to 0x64 (command) */
#define VMP_I8042_STR_INH 0x10     /* 1 = keyboard not inhibited (keylock) */
#define VMP_I8042_STR_AUXB 0x20    /* output buffer holds aux data */
#define VMP_I8042_STR_TIMEOUT 0x40 /* no device answered (see no_mouse) */
#define VMP_I8042_STR_PARITY 0x80  /* never set: no wire errors */

/* Controller command byte (RAM byte 0; commands 0x20 / 0x60). */
#define VMP_I8042_CMD_INT 0x01     /* IRQ1 on keyboard data */
#define VMP_I8042_CMD_INT2 0x02    /* IRQ12 on aux data */
#define VMP_I8042_CMD_SYS 0x04     /* system flag */
#define VMP_I8042_CMD_KBDDIS 0x10  /* keyboard interface disabled */
#define VMP_I8042_CMD_AUXDIS 0x20  /* aux interface disabled */
#define VMP_I8042_CMD_XLATE 0x40   /* translate set 2 to set 1 */
/* Command byte at create and reset: both interfaces and both IRQs on,
 * translation on, SYS clear (power-on). It is what PC firmware leaves
 * behind, so a guest started without firmware finds a usable controller. */
#define VMP_I8042_CMD_RESET (VMP_I8042_CMD_INT | VMP_I8042_CMD_INT2 | VMP_I8042_CMD_XLATE)

/* Output port (commands 0xD0 / 0xD1). */
#define VMP_I8042_OUT_RESET 0x01   /* 0 = system reset asserted */
#define VMP_I8042_OUT_A20 0x02     /* A20 gate */
#define VMP_I8042_OUT_AUX_OBF 0x20 /* read only: IRQ12 output */
#define VMP_I8042_OUT_KBD_OBF 0x10 /* read only: IRQ1 output */

/* Mouse buttons for vmp_i8042_mouse. */
#define VMP_PS2_BTN_LEFT 0x01
#define VMP_PS2_BTN_RIGHT 0x02
#define VMP_PS2_BTN_MIDDLE 0x04
#define VMP_PS2_BTN_SIDE 0x08  /* button 4: reported with ID 4 only */
#define VMP_PS2_BTN_EXTRA 0x10 /* button 5: reported with ID 4 only */

/* Keyboard LED bits (command 0xED), for vmp_i8042_leds. */
#define VMP_PS2_LED_SCROLL 0x01
#define VMP_PS2_LED_NUM 0x02
#define VMP_PS2_LED_CAPS 0x04

/* Bytes each device can hold before host input is dropped. */
#define VMP_PS2_QUEUE_SIZE 64

struct vmp_i8042_ops {
    /* Output port bit 1 changed (0xD1, 0xDD, 0xDF). The board ORs it with
     * port 0x92's gate. May be NULL. */
    void (*a20)(void *opaque, bool enabled);
    /* The controller pulsed its reset output (0xD1 with bit 0 clear,
     * 0xF0-0xFE with bit 0 clear). On PC chipsets this is RCIN#, which
     * the chipset turns into INIT#: kind is VMP_RESET_INIT; a VMM may
     * treat it as a full reset. It runs inside the guest's port write
     * and may call vmp_i8042_reset (not _destroy). May be NULL. */
    void (*reset)(void *opaque, enum vmp_reset_kind kind);
    void *opaque;
    /* Build the controller with no aux device: bytes sent with 0xD4 time
     * out (status TIMEOUT, 0xFE from the aux port). */
    bool no_mouse;
};

struct vmp_i8042_stats {
    uint64_t kbd_dropped;   /* key events lost to a full keyboard queue */
    uint64_t mouse_dropped; /* mouse packets lost to a full queue */
};

struct vmp_i8042;

/* irq1 / irq12 may be NULL (unconnected); ops may be NULL. NULL on -ENOMEM.
 * IRQ outputs are levels: high while the output buffer holds a byte from
 * that port and the command byte enables its interrupt; reading port
 * 0x60 lowers it, and the next queued byte raises it again (a new rising
 * edge for an edge-triggered PIC or IOAPIC input). */
struct vmp_i8042 *vmp_i8042_create(const struct vmp_env *env, struct vmp_irq *irq1,
                                   struct vmp_irq *irq12, const struct vmp_i8042_ops *ops);
void vmp_i8042_destroy(struct vmp_i8042 *c); /* IRQs left as they were */
/* Power-on state of controller, keyboard and mouse; queues emptied; IRQ
 * outputs lowered; A20 callback if the gate changes (power-on: enabled). */
void vmp_i8042_reset(struct vmp_i8042 *c);

/* The data port (0x60) and the status/command port (0x64), one port each,
 * byte access. They are two regions because port 0x61 (system control
 * port B) lies between them. */
extern const struct vmp_io_ops vmp_i8042_data_io_ops;
extern const struct vmp_io_ops vmp_i8042_cmd_io_ops;
/* Maps data at base and command at base + 4 (undone if either fails). */
int vmp_i8042_attach(struct vmp_i8042 *c, struct vmp_space *space, uint64_t base);

/* ---- host input ----
 * A key given as a Linux input keycode (<linux/input-event-codes.h>):
 * encoded in the keyboard's scancode set (2, or 1 if the guest chose it)
 * with E0 prefixes, PrintScreen's and Pause's special sequences, and
 * translated by the controller when the command byte asks. Repeats are
 * the host's to send (a press without a release is a typematic repeat).
 * 0 when queued; -ENOENT for a keycode with no PS/2 scancode; -EAGAIN
 * when the keyboard is not scanning (0xF5, as a real one discards keys);
 * -ENOSPC when the queue is full (counted in kbd_dropped). */
int vmp_i8042_key(struct vmp_i8042 *c, unsigned keycode, bool pressed);
/* Relative motion and the buttons now held. dx > 0 moves right, dy > 0
 * moves down (screen coordinates, like REL_Y), dz > 0 is the wheel away
 * from the user (REL_WHEEL). Motion is coalesced while packets wait;
 * a button change or a full queue starts a new packet. 0 when accepted;
 * -EAGAIN when the mouse is not reporting (motion discarded); -ENOSPC
 * when a button change found the queue full (counted). -ENODEV without
 * a mouse. */
int vmp_i8042_mouse(struct vmp_i8042 *c, int dx, int dy, int dz, unsigned buttons);

unsigned vmp_i8042_leds(const struct vmp_i8042 *c); /* VMP_PS2_LED_* */
bool vmp_i8042_a20(const struct vmp_i8042 *c);
void vmp_i8042_get_stats(const struct vmp_i8042 *c, struct vmp_i8042_stats *st);

/* Whole state: controller, both devices, queues. Load validates every
 * field and leaves the model unchanged on error; it re-drives the IRQ
 * outputs and calls a20 if the gate changed. */
int vmp_i8042_save(const struct vmp_i8042 *c, struct vmp_state_writer *w);
int vmp_i8042_load(struct vmp_i8042 *c, struct vmp_state_reader *r);

#ifdef __cplusplus
}
#endif
#endif

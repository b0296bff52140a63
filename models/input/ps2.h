/* Internal to models/input: the PS/2 devices, their queues, the scancode
 * tables and the controller structure shared by its files. */
#ifndef VMP_INPUT_PS2_H
#define VMP_INPUT_PS2_H

#include <vmparts/input.h>

/* ---- byte queue (ps2_queue.c) ----
 * A ring of VMP_PS2_QUEUE_SIZE bytes. Each byte carries a "cont" flag:
 * the next byte belongs to the same sequence (E0 xx, a mouse packet), so
 * a device does not slip a command answer into the middle of one. head is
 * always < size and count <= size; every index is taken modulo size. */
#define PS2_QMASK (VMP_PS2_QUEUE_SIZE - 1)
_Static_assert((VMP_PS2_QUEUE_SIZE & PS2_QMASK) == 0 && VMP_PS2_QUEUE_SIZE <= 128,
               "queue size must be a power of two that fits a u8 count");

struct ps2_queue {
    uint8_t data[VMP_PS2_QUEUE_SIZE];
    uint8_t cont[VMP_PS2_QUEUE_SIZE];
    uint8_t head, count;
};

void ps2_queue_clear(struct ps2_queue *q);
unsigned ps2_queue_room(const struct ps2_queue *q);
/* Push n bytes as one sequence: all or nothing (false when no room). */
bool ps2_queue_push_seq(struct ps2_queue *q, const uint8_t *b, unsigned n);
/* Pop one byte; *cont tells whether the sequence goes on. */
bool ps2_queue_pop(struct ps2_queue *q, uint8_t *b, bool *cont);
/* A device's next byte, in two steps both devices share: an answer from
 * resp goes ahead of queued data but never inside a multi-byte data
 * sequence; otherwise the next data byte. *mid_seq and *last (for 0xFE)
 * follow what was sent. */
bool ps2_take_answer(struct ps2_queue *resp, const struct ps2_queue *data, bool mid_seq,
                     uint8_t *last, uint8_t *b);
bool ps2_take_data(struct ps2_queue *data, bool *mid_seq, uint8_t *last, uint8_t *b);
void ps2_queue_save(const struct ps2_queue *q, struct vmp_state_writer *w);
void ps2_queue_load(struct ps2_queue *q, struct vmp_state_reader *r);

/* ---- scancode tables (ps2_scancode.c) ---- */
/* The set-2 sequence for a Linux keycode press or release, given the
 * modifiers held (PrintScreen and Pause depend on them). Returns the
 * length (0: no bytes for this event, e.g. Pause release), or -ENOENT. */
#define PS2_MOD_SHIFT 0x01
#define PS2_MOD_CTRL 0x02
#define PS2_MOD_ALT 0x04
#define PS2_SEQ_MAX 8
int ps2_set2_sequence(unsigned keycode, bool pressed, unsigned mods,
                      uint8_t out[PS2_SEQ_MAX]);
/* The modifier bit a keycode is (0 if none). */
unsigned ps2_modifier_bit(unsigned keycode);
/* The 8042's set-2 to set-1 table for one byte (the break prefix F0 is
 * handled by the caller: it sets bit 7 of the next translated byte). */
uint8_t ps2_translate(uint8_t set2);

/* ---- keyboard (ps2_kbd.c) ---- */
struct ps2_kbd {
    struct ps2_queue resp; /* answers to commands: go first */
    struct ps2_queue data; /* scancodes */
    uint8_t pending;       /* command waiting for its parameter, or 0 */
    uint8_t set;           /* 1 or 2 */
    uint8_t leds;
    uint8_t typematic;
    bool scanning;
    bool mid_seq;          /* last byte taken from data had cont set */
    uint8_t last;          /* last byte sent, for 0xFE */
    uint8_t mods;          /* PS2_MOD_* held */
};
void ps2_kbd_reset(struct ps2_kbd *k);
void ps2_kbd_write(struct ps2_kbd *k, uint8_t b);
bool ps2_kbd_take(struct ps2_kbd *k, uint8_t *b);
int ps2_kbd_key(struct ps2_kbd *k, unsigned keycode, bool pressed);
void ps2_kbd_save(const struct ps2_kbd *k, struct vmp_state_writer *w);
void ps2_kbd_load(struct ps2_kbd *k, struct vmp_state_reader *r);

/* ---- mouse (ps2_mouse.c) ---- */
#define PS2_MOUSE_ACC_MAX (1 << 20) /* motion held back, per axis */
struct ps2_mouse {
    struct ps2_queue resp;
    struct ps2_queue data; /* whole packets */
    uint8_t pending;       /* command waiting for its parameter, or 0 */
    uint8_t rate, resolution;
    uint8_t id;            /* 0, 3 or 4 */
    uint8_t knock[3];      /* last three sample rates, newest last */
    bool scaling21, remote, wrap, reporting;
    bool mid_seq;
    uint8_t last;          /* last byte sent, for 0xFE */
    uint8_t buttons;       /* held now */
    uint8_t sent_buttons;  /* in the last packet made */
    int32_t dx, dy, dz;    /* motion not yet in a packet (PS/2 axes) */
};
void ps2_mouse_reset(struct ps2_mouse *m);
void ps2_mouse_write(struct ps2_mouse *m, uint8_t b);
bool ps2_mouse_take(struct ps2_mouse *m, uint8_t *b);
/* 0, -EAGAIN (not reporting) or -ENOSPC (dropped). */
int ps2_mouse_event(struct ps2_mouse *m, int dx, int dy, int dz, unsigned buttons);
void ps2_mouse_save(const struct ps2_mouse *m, struct vmp_state_writer *w);
void ps2_mouse_load(struct ps2_mouse *m, struct vmp_state_reader *r);

/* ---- controller (i8042.c) ---- */
enum i8042_src { SRC_KBD = 0, SRC_AUX = 1 };

struct vmp_i8042 {
    /* wiring (not state) */
    struct vmp_irq *irq1, *irq12;
    struct vmp_i8042_ops ops;
    const struct vmp_log *log;
    struct vmp_ratelimit rl;

    /* controller */
    uint8_t ram[32];      /* ram[0] is the command byte */
    uint8_t outport;      /* bits 0-3, 6-7 as written */
    uint8_t pending;      /* command waiting for a data byte, or 0 */
    uint8_t obuf;         /* output buffer (keeps the last byte) */
    bool obf;             /* output buffer full */
    uint8_t obf_src;      /* enum i8042_src of obuf */
    bool obf_ctrl;        /* obuf came from the controller itself */
    bool held;            /* a device byte displaced by a controller answer */
    uint8_t held_byte, held_src;
    bool a2;              /* last write was a command */
    bool timeout;
    bool xlate_break;     /* translation saw F0: next byte gets bit 7 */
    uint8_t next_src;     /* round robin between the ports */
    uint8_t pw_left;      /* bytes of a 0xA5 password still to swallow */

    struct ps2_kbd kbd;
    struct ps2_mouse mouse;
    struct vmp_i8042_stats stats;
};

/* i8042.c: move device bytes into the output buffer and drive IRQs. */
void i8042_update(struct vmp_i8042 *c);

#endif

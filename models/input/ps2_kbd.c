/* PS/2 keyboard: the command set of an MF II keyboard (IBM PC/AT
 * Technical Reference, keyboard "Commands from the System"; IBM PS/2
 * Hardware Interface Technical Reference, keyboard) and key encoding in
 * scancode set 2 or 1. Set 3 is refused politely: F0 03 is acknowledged
 * and the keyboard stays in set 2, as many keyboards do, and F0 00 tells
 * the guest so (Linux's atkbd checks and falls back). */
#include "ps2.h"

#define ACK 0xFA
#define RESEND 0xFE
#define BAT_OK 0xAA
#define ECHO 0xEE
#define TYPEMATIC_DEFAULT 0x2B /* 10.9 characters/s, 500 ms delay */

static void answer(struct ps2_kbd *k, const uint8_t *b, unsigned n)
{
    /* A guest can send commands without reading answers; once the queue
     * is full further answers are lost, as on a keyboard whose buffer
     * overflowed. */
    (void)ps2_queue_push_seq(&k->resp, b, n);
}

static void ack(struct ps2_kbd *k)
{
    static const uint8_t a = ACK;
    answer(k, &a, 1);
}

/* "Set Default" (F6): typematic rate and delay to defaults; scancode set
 * and LEDs are kept. */
static void defaults(struct ps2_kbd *k)
{
    k->typematic = TYPEMATIC_DEFAULT;
}

static void flush_data(struct ps2_kbd *k)
{
    ps2_queue_clear(&k->data);
    k->mid_seq = false;
}

void ps2_kbd_reset(struct ps2_kbd *k)
{
    ps2_queue_clear(&k->resp);
    flush_data(k);
    k->pending = 0;
    k->set = 2;
    k->leds = 0;
    k->scanning = true;
    k->last = 0;
    k->mods = 0;
    defaults(k);
}

static void command(struct ps2_kbd *k, uint8_t b)
{
    switch (b) {
    case 0xED: /* Set/Reset Status Indicators: parameter follows */
    case 0xF3: /* Set Typematic Rate/Delay: parameter follows */
        ack(k);
        k->pending = b;
        break;
    case 0xEE: /* Echo: EE back, no ACK */ {
        static const uint8_t e = ECHO;
        answer(k, &e, 1);
        break;
    }
    case 0xF0: /* Select Alternate Scan Codes: clears the output buffer */
        flush_data(k);
        ack(k);
        k->pending = b;
        break;
    case 0xF2: /* Read ID: ACK, then the MF II keyboard ID AB 83 */ {
        static const uint8_t id[] = { ACK, 0xAB, 0x83 };
        answer(k, id, 3);
        break;
    }
    case 0xF4: /* Enable: clear the buffer, start scanning */
        flush_data(k);
        ack(k);
        k->scanning = true;
        break;
    case 0xF5: /* Default Disable: defaults, stop scanning */
        flush_data(k);
        defaults(k);
        ack(k);
        k->scanning = false;
        break;
    case 0xF6: /* Set Default: defaults, keep scanning */
        flush_data(k);
        defaults(k);
        ack(k);
        k->scanning = true;
        break;
    case 0xF7: case 0xF8: case 0xF9: case 0xFA:
        /* Set all keys typematic/make-break/make/all: set-3 only; a
         * set-2 keyboard acknowledges and ignores them. */
        ack(k);
        break;
    case 0xFE: /* Resend: the last byte sent */
        answer(k, &k->last, 1);
        break;
    case 0xFF: /* Reset: ACK, self test (BAT), AA; set 2, LEDs off */ {
        static const uint8_t bat[] = { ACK, BAT_OK };
        flush_data(k);
        ps2_queue_clear(&k->resp);
        k->set = 2;
        k->leds = 0;
        k->scanning = true;
        defaults(k);
        answer(k, bat, 2);
        break;
    }
    default: /* unknown, and FB-FD (set-3 per-key modes): Resend */ {
        static const uint8_t r = RESEND;
        answer(k, &r, 1);
        break;
    }
    }
}

static void parameter(struct ps2_kbd *k, uint8_t cmd, uint8_t b)
{
    switch (cmd) {
    case 0xED:
        k->leds = b & (VMP_PS2_LED_SCROLL | VMP_PS2_LED_NUM | VMP_PS2_LED_CAPS);
        ack(k);
        break;
    case 0xF3:
        k->typematic = b;
        ack(k);
        break;
    case 0xF0:
        if (b == 0) {
            /* report the current set (translated like any byte) */
            const uint8_t r[] = { ACK, k->set };
            answer(k, r, 2);
        } else if (b <= 3) {
            if (b != 3)
                k->set = b;
            ack(k);
        } else {
            static const uint8_t r = RESEND;
            answer(k, &r, 1);
        }
        break;
    }
}

void ps2_kbd_write(struct ps2_kbd *k, uint8_t b)
{
    uint8_t cmd = k->pending;
    k->pending = 0;
    /* A byte with bit 7 set where a parameter was expected ends the
     * command and is taken as the next one (parameters are < 0x80). */
    if (cmd && !(b & 0x80))
        parameter(k, cmd, b);
    else
        command(k, b);
}

bool ps2_kbd_take(struct ps2_kbd *k, uint8_t *b)
{
    return ps2_take_answer(&k->resp, &k->data, k->mid_seq, &k->last, b) ||
           ps2_take_data(&k->data, &k->mid_seq, &k->last, b);
}

int ps2_kbd_key(struct ps2_kbd *k, unsigned keycode, bool pressed)
{
    uint8_t seq[PS2_SEQ_MAX];
    unsigned mod = ps2_modifier_bit(keycode);
    int n = ps2_set2_sequence(keycode, pressed, k->mods, seq);
    if (mod)
        k->mods = pressed ? (uint8_t)(k->mods | mod) : (uint8_t)(k->mods & ~mod);
    if (n < 0)
        return n;
    if (!k->scanning)
        return -EAGAIN;
    if (k->set == 1) {
        /* Set 1 is set 2 through the 8042 table, F0 becoming bit 7. */
        unsigned m = 0;
        bool brk = false;
        for (int i = 0; i < n; i++) {
            if (seq[i] == 0xF0) {
                brk = true;
                continue;
            }
            seq[m++] = (uint8_t)(ps2_translate(seq[i]) | (brk ? 0x80 : 0));
            brk = false;
        }
        n = (int)m;
    }
    if (!ps2_queue_push_seq(&k->data, seq, (unsigned)n))
        return -ENOSPC;
    return 0;
}

/* One record inside the controller's section (i8042_state.c): the two
 * queues, then the fields as bytes (a single put keeps save/load cheap). */
#define KF_SCANNING 0x01
#define KF_MID_SEQ 0x02

void ps2_kbd_save(const struct ps2_kbd *k, struct vmp_state_writer *w)
{
    ps2_queue_save(&k->resp, w);
    ps2_queue_save(&k->data, w);
    const uint8_t rec[7] = {
        k->pending, k->set, k->leds, k->typematic,
        (uint8_t)((k->scanning ? KF_SCANNING : 0) | (k->mid_seq ? KF_MID_SEQ : 0)),
        k->last, k->mods,
    };
    vmp_state_put_bytes(w, rec, sizeof rec);
}

/* Reads into *k (the caller's scratch copy) and records any invalid field
 * on r; the caller closes the section and commits. */
void ps2_kbd_load(struct ps2_kbd *k, struct vmp_state_reader *r)
{
    uint8_t rec[7];
    ps2_queue_load(&k->resp, r);
    ps2_queue_load(&k->data, r);
    vmp_state_get_bytes(r, rec, sizeof rec);
    k->pending = rec[0];
    k->set = rec[1];
    k->leds = rec[2];
    k->typematic = rec[3];
    k->scanning = rec[4] & KF_SCANNING;
    k->mid_seq = rec[4] & KF_MID_SEQ;
    k->last = rec[5];
    k->mods = rec[6];
    if ((k->pending != 0 && k->pending != 0xED && k->pending != 0xF3 && k->pending != 0xF0) ||
        (k->set != 1 && k->set != 2) || k->leds > 7 || (rec[4] & ~(KF_SCANNING | KF_MID_SEQ)) ||
        (k->mods & ~(PS2_MOD_SHIFT | PS2_MOD_CTRL | PS2_MOD_ALT)))
        vmp_state_fail(r, -EINVAL);
}

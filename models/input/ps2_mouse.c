/* PS/2 mouse: the command set of the IBM PS/2 mouse (IBM PS/2 Hardware
 * Interface Technical Reference, "Pointing Device"), with Microsoft's
 * IntelliMouse wheel (ID 3: sample rates 200, 100, 80) and 5-button
 * IntelliMouse Explorer (ID 4: then 200, 200, 80) extensions.
 *
 * Packets are made from the host's motion on demand: while earlier packets
 * wait in the queue, motion adds up in dx/dy/dz and goes out in the next
 * packet, so the queue holds button changes, not every host event. */
#include <limits.h>

#include "ps2.h"

#define ACK 0xFA
#define RESEND 0xFE
#define BAT_OK 0xAA

#define ST_RIGHT 0x01
#define ST_MIDDLE 0x02
#define ST_LEFT 0x04
#define ST_SCALING 0x10
#define ST_ENABLED 0x20
#define ST_REMOTE 0x40

#define PK_ALWAYS1 0x08
#define PK_XSIGN 0x10
#define PK_YSIGN 0x20
#define PK_XOVF 0x40
#define PK_YOVF 0x80

static void answer(struct ps2_mouse *m, const uint8_t *b, unsigned n)
{
    (void)ps2_queue_push_seq(&m->resp, b, n); /* lost when full */
}

static void ack(struct ps2_mouse *m)
{
    static const uint8_t a = ACK;
    answer(m, &a, 1);
}

static void reset_counters(struct ps2_mouse *m)
{
    m->dx = m->dy = m->dz = 0;
}

/* "Set Defaults": 100 samples/s, 4 counts/mm, 1:1, stream, disabled. */
static void defaults(struct ps2_mouse *m)
{
    m->rate = 100;
    m->resolution = 2;
    m->scaling21 = false;
    m->remote = false;
    m->reporting = false;
    reset_counters(m);
}

/* Drop packets not yet started; the rest of one being sent still goes
 * out, so the guest never sees a truncated packet. */
static void flush_data(struct ps2_mouse *m)
{
    unsigned keep = 0;
    if (m->mid_seq) {
        while (keep < m->data.count) {
            bool cont = m->data.cont[(m->data.head + keep) & PS2_QMASK];
            keep++;
            if (!cont)
                break;
        }
    }
    m->data.count = (uint8_t)keep;
}

void ps2_mouse_reset(struct ps2_mouse *m)
{
    ps2_queue_clear(&m->resp);
    ps2_queue_clear(&m->data);
    m->mid_seq = false;
    m->pending = 0;
    m->id = 0;
    m->knock[0] = m->knock[1] = m->knock[2] = 0;
    m->wrap = false;
    m->last = 0;
    m->buttons = m->sent_buttons = 0;
    defaults(m);
}

/* Take up to what one packet holds from an accumulator: *ovf when it did
 * not all fit (the rest stays for the next packet). */
static int32_t take_axis(int32_t *acc, int32_t lo, int32_t hi, bool *ovf)
{
    int32_t v = *acc;
    *ovf = v < lo || v > hi;
    if (v < lo)
        v = lo;
    if (v > hi)
        v = hi;
    *acc -= v;
    return v;
}

/* 2:1 scaling (stream mode only): 1->1, 2->1, 3->3, 4->6, 5->9, else 2n. */
static int32_t scale21(int32_t v)
{
    static const int32_t small[6] = { 0, 1, 1, 3, 6, 9 };
    int32_t a = v < 0 ? -v : v;
    int32_t s = a < 6 ? small[a] : 2 * a;
    return v < 0 ? -s : s;
}

static unsigned make_packet(struct ps2_mouse *m, bool stream, uint8_t out[4])
{
    bool xo, yo, zo;
    /* 9-bit two's complement per axis; with 2:1 scaling a packet takes
     * what still fits once doubled. */
    int32_t lo = -256, hi = 255;
    bool scale = stream && m->scaling21;
    if (scale) {
        lo = -128;
        hi = 127;
    }
    int32_t x = take_axis(&m->dx, lo, hi, &xo);
    int32_t y = take_axis(&m->dy, lo, hi, &yo);
    if (scale) {
        x = scale21(x);
        y = scale21(y);
    }
    int32_t z = 0;
    if (m->id)
        z = take_axis(&m->dz, -8, 7, &zo); /* IntelliMouse range */
    else
        m->dz = 0;
    uint8_t b0 = PK_ALWAYS1 |
                 (m->buttons & (VMP_PS2_BTN_LEFT | VMP_PS2_BTN_RIGHT | VMP_PS2_BTN_MIDDLE));
    if (x < 0)
        b0 |= PK_XSIGN;
    if (y < 0)
        b0 |= PK_YSIGN;
    if (xo)
        b0 |= PK_XOVF;
    if (yo)
        b0 |= PK_YOVF;
    out[0] = b0;
    out[1] = (uint8_t)x;
    out[2] = (uint8_t)y;
    if (m->id == 4) /* Z in bits 3:0, buttons 4 and 5 in bits 4 and 5 */
        out[3] = (uint8_t)((z & 0x0F) |
                           (m->buttons & (VMP_PS2_BTN_SIDE | VMP_PS2_BTN_EXTRA)) << 1);
    else
        out[3] = (uint8_t)z;
    m->sent_buttons = m->buttons;
    return m->id ? 4 : 3;
}

static bool has_news(const struct ps2_mouse *m)
{
    return m->dx || m->dy || (m->id && m->dz) || m->buttons != m->sent_buttons;
}

/* A stream packet from what has accumulated, if there is anything. */
static int stream_packet(struct ps2_mouse *m)
{
    uint8_t p[4];
    if (!has_news(m))
        return 0;
    if (ps2_queue_room(&m->data) < 4)
        return -ENOSPC;
    unsigned n = make_packet(m, true, p);
    (void)ps2_queue_push_seq(&m->data, p, n);
    return 0;
}

static void command(struct ps2_mouse *m, uint8_t b)
{
    if (b != 0xFE)
        flush_data(m);
    switch (b) {
    case 0xE6: /* Set Scaling 1:1 */
    case 0xE7: /* Set Scaling 2:1 */
        m->scaling21 = b == 0xE7;
        ack(m);
        break;
    case 0xE8: /* Set Resolution: parameter follows */
    case 0xF3: /* Set Sample Rate: parameter follows */
        ack(m);
        m->pending = b;
        break;
    case 0xE9: /* Status Request: ACK and three status bytes */ {
        uint8_t st = 0;
        if (m->buttons & VMP_PS2_BTN_RIGHT)
            st |= ST_RIGHT;
        if (m->buttons & VMP_PS2_BTN_MIDDLE)
            st |= ST_MIDDLE;
        if (m->buttons & VMP_PS2_BTN_LEFT)
            st |= ST_LEFT;
        if (m->scaling21)
            st |= ST_SCALING;
        if (m->reporting)
            st |= ST_ENABLED;
        if (m->remote)
            st |= ST_REMOTE;
        const uint8_t r[] = { ACK, st, m->resolution, m->rate };
        answer(m, r, 4);
        break;
    }
    case 0xEA: /* Set Stream Mode */
        m->remote = false;
        reset_counters(m);
        ack(m);
        break;
    case 0xEB: /* Read Data: ACK and a packet, in either mode */ {
        uint8_t r[5] = { ACK };
        unsigned n = make_packet(m, false, r + 1);
        answer(m, r, n + 1);
        break;
    }
    case 0xEC: /* Reset Wrap Mode (outside wrap mode: just ACK) */
        ack(m);
        break;
    case 0xEE: /* Set Wrap Mode */
        m->wrap = true;
        reset_counters(m);
        ack(m);
        break;
    case 0xF0: /* Set Remote Mode */
        m->remote = true;
        reset_counters(m);
        ack(m);
        break;
    case 0xF2: /* Get Device ID */ {
        const uint8_t r[] = { ACK, m->id };
        reset_counters(m);
        answer(m, r, 2);
        break;
    }
    case 0xF4: /* Enable Data Reporting */
        m->reporting = true;
        reset_counters(m);
        ack(m);
        break;
    case 0xF5: /* Disable Data Reporting */
        m->reporting = false;
        reset_counters(m);
        ack(m);
        break;
    case 0xF6: /* Set Defaults */
        defaults(m);
        ack(m);
        break;
    case 0xFE: /* Resend: the last byte sent */
        answer(m, &m->last, 1);
        break;
    case 0xFF: /* Reset: ACK, BAT, AA, ID 00; back to a plain mouse */ {
        static const uint8_t r[] = { ACK, BAT_OK, 0x00 };
        ps2_mouse_reset(m);
        answer(m, r, 3);
        break;
    }
    default: {
        static const uint8_t r = RESEND;
        answer(m, &r, 1);
        break;
    }
    }
}

static bool valid_rate(uint8_t r)
{
    return r == 10 || r == 20 || r == 40 || r == 60 || r == 80 || r == 100 || r == 200;
}

static void parameter(struct ps2_mouse *m, uint8_t cmd, uint8_t b)
{
    static const uint8_t resend = RESEND;
    if (cmd == 0xE8) {
        if (b > 3) {
            answer(m, &resend, 1);
            return;
        }
        m->resolution = b;
        ack(m);
        return;
    }
    /* 0xF3 */
    if (!valid_rate(b)) {
        answer(m, &resend, 1);
        return;
    }
    m->rate = b;
    m->knock[0] = m->knock[1];
    m->knock[1] = m->knock[2];
    m->knock[2] = b;
    if (m->id == 0 && m->knock[0] == 200 && m->knock[1] == 100 && m->knock[2] == 80)
        m->id = 3;
    else if (m->id == 3 && m->knock[0] == 200 && m->knock[1] == 200 && m->knock[2] == 80)
        m->id = 4;
    ack(m);
}

void ps2_mouse_write(struct ps2_mouse *m, uint8_t b)
{
    if (m->wrap && b != 0xEC && b != 0xFF) {
        answer(m, &b, 1); /* wrap mode echoes every other byte */
        return;
    }
    if (m->wrap && b == 0xEC) {
        m->wrap = false;
        ack(m);
        return;
    }
    uint8_t cmd = m->pending;
    m->pending = 0;
    if (cmd)
        parameter(m, cmd, b);
    else
        command(m, b);
}

bool ps2_mouse_take(struct ps2_mouse *m, uint8_t *b)
{
    if (ps2_take_answer(&m->resp, &m->data, m->mid_seq, &m->last, b))
        return true;
    if (!m->data.count && m->reporting && !m->remote && !m->wrap)
        (void)stream_packet(m); /* motion coalesced while the queue was busy */
    return ps2_take_data(&m->data, &m->mid_seq, &m->last, b);
}

static int32_t add_sat(int32_t acc, int v)
{
    int64_t s = (int64_t)acc + v;
    if (s > PS2_MOUSE_ACC_MAX)
        s = PS2_MOUSE_ACC_MAX;
    if (s < -PS2_MOUSE_ACC_MAX)
        s = -PS2_MOUSE_ACC_MAX;
    return (int32_t)s;
}

int ps2_mouse_event(struct ps2_mouse *m, int dx, int dy, int dz, unsigned buttons)
{
    m->buttons = (uint8_t)(buttons & 0x1F);
    if (m->wrap || (!m->remote && !m->reporting))
        return -EAGAIN;
    /* PS/2 axes: Y grows upwards, Z towards the user. */
    m->dx = add_sat(m->dx, dx);
    m->dy = add_sat(m->dy, dy == INT_MIN ? INT_MAX : -dy);
    m->dz = add_sat(m->dz, dz == INT_MIN ? INT_MAX : -dz);
    if (m->remote)
        return 0;
    /* A button change gets its own packet; motion alone waits for the
     * queue to drain (ps2_mouse_take) unless it is empty now. */
    if (m->buttons != m->sent_buttons || !m->data.count)
        return stream_packet(m);
    return 0;
}

/* One record inside the controller's section (i8042_state.c). */
#define MF_SCALING 0x01
#define MF_REMOTE 0x02
#define MF_WRAP 0x04
#define MF_REPORTING 0x08
#define MF_MID_SEQ 0x10
#define MF_ALL 0x1F

void ps2_mouse_save(const struct ps2_mouse *m, struct vmp_state_writer *w)
{
    ps2_queue_save(&m->resp, w);
    ps2_queue_save(&m->data, w);
    uint8_t flags = (uint8_t)((m->scaling21 ? MF_SCALING : 0) | (m->remote ? MF_REMOTE : 0) |
                              (m->wrap ? MF_WRAP : 0) | (m->reporting ? MF_REPORTING : 0) |
                              (m->mid_seq ? MF_MID_SEQ : 0));
    uint8_t rec[23] = {
        m->pending, m->rate, m->resolution, m->id, m->knock[0], m->knock[1], m->knock[2],
        flags, m->last, m->buttons, m->sent_buttons,
    };
    const int32_t acc[3] = { m->dx, m->dy, m->dz };
    for (unsigned a = 0; a < 3; a++)
        for (unsigned i = 0; i < 4; i++)
            rec[11 + 4 * a + i] = (uint8_t)((uint32_t)acc[a] >> (8 * i));
    vmp_state_put_bytes(w, rec, sizeof rec);
}

static int32_t get_acc(struct vmp_state_reader *r, const uint8_t *b)
{
    int32_t v = (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                          (uint32_t)b[3] << 24);
    if (v > PS2_MOUSE_ACC_MAX || v < -PS2_MOUSE_ACC_MAX)
        vmp_state_fail(r, -EINVAL);
    return v;
}

void ps2_mouse_load(struct ps2_mouse *m, struct vmp_state_reader *r)
{
    uint8_t rec[23];
    ps2_queue_load(&m->resp, r);
    ps2_queue_load(&m->data, r);
    vmp_state_get_bytes(r, rec, sizeof rec);
    m->pending = rec[0];
    m->rate = rec[1];
    m->resolution = rec[2];
    m->id = rec[3];
    m->knock[0] = rec[4];
    m->knock[1] = rec[5];
    m->knock[2] = rec[6];
    m->scaling21 = rec[7] & MF_SCALING;
    m->remote = rec[7] & MF_REMOTE;
    m->wrap = rec[7] & MF_WRAP;
    m->reporting = rec[7] & MF_REPORTING;
    m->mid_seq = rec[7] & MF_MID_SEQ;
    m->last = rec[8];
    m->buttons = rec[9];
    m->sent_buttons = rec[10];
    m->dx = get_acc(r, rec + 11);
    m->dy = get_acc(r, rec + 15);
    m->dz = get_acc(r, rec + 19);
    if ((m->pending != 0 && m->pending != 0xE8 && m->pending != 0xF3) || !valid_rate(m->rate) ||
        m->resolution > 3 || (m->id != 0 && m->id != 3 && m->id != 4) || (rec[7] & ~MF_ALL) ||
        m->buttons > 0x1F || m->sent_buttons > 0x1F)
        vmp_state_fail(r, -EINVAL);
}

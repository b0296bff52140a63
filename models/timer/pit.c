/* Intel 8254 programmable interval timer (datasheet 231164, "8254
 * Programmable Interval Timer") with PC system control port B (0x61).
 *
 * Each counter is a function of the PIT tick number t = floor(now * HZ /
 * 1e9): a written count is transferred to the counting element (CE) on the
 * next CLK pulse (tick L), and the CE value and OUT at any t >= L follow
 * from the mode's formula. Only channel 0 arms a virtual timer, for the
 * next OUT transition, to drive IRQ0. */
#include <stdlib.h>
#include <string.h>

#include <vmparts/timer.h>

#include "ticks.h"

enum { ST_IDLE, ST_RUN, ST_PAUSED, ST_WAIT_TRIGGER };

struct pit_ch {
    uint8_t ctrl;       /* RW1 RW0 M2 M1 M0 BCD as written (status bits 5..0) */
    uint8_t mode;       /* 0..5 */
    uint8_t rw;         /* 1 LSB, 2 MSB, 3 LSB then MSB */
    bool bcd;
    bool gate;
    uint8_t state;
    uint16_t cr;        /* count register as written (BCD digits in BCD mode) */
    bool wr_msb_next;   /* rw 3: LSB written, MSB expected */
    bool rd_msb_next;   /* rw 3: live read flip-flop */
    bool count_latched, latch_msb_next;
    uint16_t latch;     /* latched count, already in output format */
    bool status_latched;
    uint8_t status;
    uint32_t n;         /* count in effect, 1..65536 (or 10000) */
    uint64_t load;      /* L: tick the CE was (or will be) loaded */
    int64_t v0;         /* one-shot modes: CE value at L, unwrapped */
    bool start_low;     /* mode 3: the half-cycle at L is the low one */
    bool out_before;    /* OUT for t < L */
    int64_t hold_v;     /* CE value while idle, paused or awaiting trigger */
    bool hold_out;      /* OUT while idle or paused */
    bool pending;       /* modes 2/3: new count loads at pend_tick */
    uint32_t pend_n;
    uint64_t pend_tick;
    uint64_t null_until; /* null count bit set for t < null_until */
};

struct vmp_pit {
    struct vmp_env env;
    struct vmp_irq *irq0;
    struct vmp_timer *timer;
    struct vmp_ratelimit rl;
    struct pit_ch ch[3];
    uint8_t port61;      /* bits 0-3 as written */
    bool line;           /* OUT0 as IRQ0 sees it */
    bool masked, driven; /* HPET legacy replacement cuts IRQ0 off */
    uint64_t last_eval;  /* tick of the last IRQ0 evaluation */
};

static uint64_t now_tick(const struct vmp_pit *p)
{
    return tmr_ns_to_ticks(vmp_clock_now(p->env.clock), VMP_PIT_HZ);
}

static uint32_t modulus(const struct pit_ch *c) { return c->bcd ? 10000 : 65536; }

static uint32_t decode_count(const struct pit_ch *c, uint16_t raw)
{
    uint32_t v = raw;
    if (c->bcd)
        v = ((raw >> 12) & 15) * 1000 + ((raw >> 8) & 15) * 100 + ((raw >> 4) & 15) * 10 +
            (raw & 15);
    v %= modulus(c);
    return v ? v : modulus(c); /* 0 is the largest count (§"Counter Operation") */
}

static uint16_t encode_count(const struct pit_ch *c, uint32_t v)
{
    if (!c->bcd)
        return (uint16_t)v;
    v %= 10000;
    return (uint16_t)((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | (v % 10));
}

static bool one_shot(const struct pit_ch *c)
{
    return c->mode == 0 || c->mode == 1 || c->mode == 4 || c->mode == 5;
}

/* Mode 3 half-cycle lengths: high (N+1)/2, low N/2 CLKs (mode 3 text). */
static uint32_t m3_high(uint32_t n) { return (n + 1) / 2; }

static uint64_t m3_pos(const struct pit_ch *c, uint64_t t)
{
    uint64_t s = c->start_low ? m3_high(c->n) : 0;
    return (t - c->load + s) % c->n;
}

static bool out_at(const struct pit_ch *c, uint64_t t)
{
    if (c->state != ST_RUN)
        return c->hold_out;
    if (t < c->load)
        return c->out_before;
    if (one_shot(c)) {
        int64_t v = c->v0 - (int64_t)(t - c->load);
        if (c->mode == 0 || c->mode == 1)
            return v <= 0;      /* high at terminal count, and after */
        return v != 0;          /* modes 4/5: one CLK low strobe at 0 */
    }
    if (c->mode == 2)
        return !(c->n >= 2 && (t - c->load) % c->n == c->n - 1);
    return m3_pos(c, t) < m3_high(c->n);
}

/* CE value (binary, 0..modulus-1) at tick t. */
static uint32_t count_at(const struct pit_ch *c, uint64_t t)
{
    int64_t m = modulus(c);
    int64_t v;
    if (c->state != ST_RUN || t < c->load) {
        v = c->hold_v;
    } else if (one_shot(c)) {
        v = c->v0 - (int64_t)(t - c->load);
    } else if (c->mode == 2) {
        v = c->n - (int64_t)((t - c->load) % c->n);
    } else {
        uint64_t q = m3_pos(c, t), h = m3_high(c->n);
        uint64_t p = q < h ? q : q - h;
        v = (int64_t)(c->n & 1 ? c->n - 1 : c->n) - 2 * (int64_t)p;
    }
    v %= m;
    return (uint32_t)(v < 0 ? v + m : v);
}

/* First tick > t at which OUT changes, or (mode 2, count 1) pulses; sets
 * *rise. VMP_TIME_NEVER when OUT stays put. */
static uint64_t next_edge(const struct pit_ch *c, uint64_t t, bool *rise)
{
    if (c->state != ST_RUN)
        return VMP_TIME_NEVER;
    if (t < c->load) { /* is there an edge at L itself? */
        bool o = out_at(c, c->load);
        if (o != c->out_before) {
            *rise = o;
            return c->load;
        }
        if (c->mode == 2 && c->n == 1) {
            *rise = true;
            return c->load;
        }
        t = c->load; /* none: look on from L */
    }
    if (one_shot(c)) {
        if (c->v0 < 0)
            return VMP_TIME_NEVER;
        uint64_t cand[2] = { c->load + (uint64_t)c->v0, c->load + (uint64_t)c->v0 + 1 };
        for (unsigned i = 0; i < 2; i++) {
            uint64_t x = cand[i];
            if (x <= t || x <= c->load)
                continue;
            bool o = out_at(c, x);
            if (o != out_at(c, x - 1)) {
                *rise = o;
                return x;
            }
        }
        return VMP_TIME_NEVER;
    }
    uint64_t e = t - c->load;
    if (c->mode == 2) {
        *rise = true;
        if (c->n == 1)
            return t + 1;
        uint64_t r = e % c->n;
        if (r < c->n - 1) {
            *rise = false;
            return t + (c->n - 1 - r);
        }
        return t + 1;
    }
    uint64_t h = m3_high(c->n);
    if (h == c->n)
        return VMP_TIME_NEVER; /* count 1: OUT never goes low */
    uint64_t q = m3_pos(c, t);
    if (q < h) {
        *rise = false;
        return t + (h - q);
    }
    *rise = true;
    return t + (c->n - q);
}

/* Modes 2/3: a count written while counting loads at the next reload. */
static void ch_sync(struct pit_ch *c, uint64_t t)
{
    if (!c->pending || t < c->pend_tick)
        return;
    if (c->mode == 3)
        c->start_low = m3_pos(c, c->pend_tick) != 0;
    else
        c->start_low = false;
    c->load = c->pend_tick;
    c->n = c->pend_n;
    c->out_before = true;
    c->pending = false;
}

/* The tick at which a count written at t takes over in modes 2/3: the end
 * of the current period (mode 2) or half-cycle (mode 3). */
static uint64_t reload_tick(const struct pit_ch *c, uint64_t t)
{
    if (t < c->load)
        return c->load;
    if (c->mode == 2)
        return t + (c->n - (t - c->load) % c->n);
    uint64_t q = m3_pos(c, t), h = m3_high(c->n);
    return q < h ? t + (h - q) : t + (c->n - q);
}

/* ---- IRQ0 ---- */

static bool rose_between(const struct pit_ch *c, uint64_t a, uint64_t b)
{
    bool rise = false;
    uint64_t e = next_edge(c, a, &rise);
    if (e > b)
        return false;
    if (rise)
        return true;
    e = next_edge(c, e, &rise);
    return e <= b && rise;
}

static void drive(struct vmp_pit *p)
{
    bool d = p->line && !p->masked;
    if (d != p->driven) {
        p->driven = d;
        vmp_irq_set(p->irq0, d);
    }
}

static void set_line(struct vmp_pit *p, bool level)
{
    if (p->line != level) {
        p->line = level;
        drive(p);
    }
}

void vmp_pit_mask_irq(struct vmp_pit *p, bool masked)
{
    p->masked = masked;
    drive(p);
}

/* Deliver channel 0's OUT up to now: at most one rising edge for however
 * many periods passed since the last evaluation, then the level at now. */
static void ch0_catch_up(struct vmp_pit *p, uint64_t t)
{
    struct pit_ch *c = &p->ch[0];
    uint64_t a = p->last_eval;
    bool rose = false;
    if (a < t) {
        if (c->pending && t >= c->pend_tick) {
            rose = rose_between(c, a, c->pend_tick);
            a = c->pend_tick;
            ch_sync(c, t);
        }
        rose = rose || rose_between(c, a, t);
    }
    if (rose) {
        set_line(p, false);
        set_line(p, true);
    }
    set_line(p, out_at(c, t));
    p->last_eval = t;
}

static void ch0_arm(struct vmp_pit *p, uint64_t t)
{
    struct pit_ch *c = &p->ch[0];
    bool rise = false;
    uint64_t e = next_edge(c, t, &rise);
    if (e == VMP_TIME_NEVER)
        vmp_timer_cancel(p->timer);
    else
        vmp_timer_arm(p->timer, vmp_ticks_to_ns_ceil(e, VMP_PIT_HZ));
}

static void pit_timer_fn(void *opaque)
{
    struct vmp_pit *p = opaque;
    uint64_t t = now_tick(p);
    ch0_catch_up(p, t);
    ch0_arm(p, t);
}

/* Called around every change to a channel: before (deliver what the old
 * programming produced) and after (drive the new OUT, re-arm). */
static void ch_before(struct vmp_pit *p, unsigned i, uint64_t t)
{
    ch_sync(&p->ch[i], t);
    if (i == 0)
        ch0_catch_up(p, t);
}

static void ch_after(struct vmp_pit *p, unsigned i, uint64_t t)
{
    if (i == 0) {
        set_line(p, out_at(&p->ch[0], t));
        p->last_eval = t;
        ch0_arm(p, t);
    }
}

/* ---- programming ---- */

static void freeze(struct pit_ch *c, uint64_t t)
{
    if (c->state == ST_RUN && one_shot(c)) /* keep it unwrapped */
        c->hold_v = t >= c->load ? c->v0 - (int64_t)(t - c->load) : c->v0;
    else
        c->hold_v = count_at(c, t);
    c->hold_out = out_at(c, t);
}

static void control_word(struct vmp_pit *p, unsigned i, uint8_t v, uint64_t t)
{
    struct pit_ch *c = &p->ch[i];
    ch_before(p, i, t);
    freeze(c, t);
    c->ctrl = v & 0x3F;
    c->rw = (v >> 4) & 3;
    c->mode = (v >> 1) & 7;
    if (c->mode > 5)
        c->mode -= 4; /* 110 and 111 are modes 2 and 3 */
    c->bcd = v & 1;
    c->state = ST_IDLE;
    c->pending = false;
    c->wr_msb_next = c->rd_msb_next = false;
    c->count_latched = c->status_latched = false;
    c->hold_out = c->mode != 0; /* "OUT initially low" in mode 0 only */
    c->hold_v %= modulus(c);
    c->n = modulus(c);
    c->null_until = VMP_TIME_NEVER;
    ch_after(p, i, t);
}

/* Start counting with count n, the CE loading on the next CLK (tick t+1). */
static void start(struct pit_ch *c, uint64_t t, bool out_before)
{
    c->state = ST_RUN;
    c->load = t + 1;
    c->n = decode_count(c, c->cr);
    c->v0 = c->n;
    c->start_low = false;
    c->out_before = out_before;
    c->pending = false;
    c->null_until = t + 1;
}

/* A complete count arrived in the CR (mode text for each mode). */
static void count_written(struct pit_ch *c, uint64_t t)
{
    switch (c->mode) {
    case 0:
    case 4:
        if (c->gate) {
            start(c, t, c->mode == 0 ? false : out_at(c, t));
        } else { /* loaded on the next CLK, but counting waits for GATE */
            c->hold_out = c->mode == 0 ? false : out_at(c, t);
            c->state = ST_PAUSED;
            c->hold_v = decode_count(c, c->cr);
            c->null_until = t + 1;
        }
        break;
    case 1:
    case 5:
        /* Loaded only by a GATE trigger; a running one-shot continues. */
        if (c->state != ST_RUN)
            c->state = ST_WAIT_TRIGGER;
        c->null_until = VMP_TIME_NEVER;
        break;
    default: /* 2, 3 */
        if (c->state == ST_RUN) {
            c->pending = true;
            c->pend_n = decode_count(c, c->cr);
            c->pend_tick = reload_tick(c, t);
            c->null_until = c->pend_tick;
        } else if (c->gate) {
            start(c, t, true);
        } else {
            c->state = ST_PAUSED; /* waits for a GATE rising edge */
            c->hold_out = true;
            c->null_until = VMP_TIME_NEVER;
        }
        break;
    }
}

static void write_counter(struct vmp_pit *p, unsigned i, uint8_t v, uint64_t t)
{
    struct pit_ch *c = &p->ch[i];
    if (c->rw == 0)
        return; /* no control word yet after reset: rw is set by reset */
    ch_before(p, i, t);
    bool complete = true;
    if (c->rw == 1) {
        c->cr = v;
    } else if (c->rw == 2) {
        c->cr = (uint16_t)(v << 8);
    } else if (!c->wr_msb_next) {
        c->cr = (uint16_t)((c->cr & 0xFF00) | v);
        c->wr_msb_next = true;
        complete = false;
        if (c->mode == 0) { /* first byte stops counting, OUT low at once */
            freeze(c, t);
            c->hold_out = false;
            c->state = ST_IDLE;
            c->null_until = VMP_TIME_NEVER;
        }
    } else {
        c->cr = (uint16_t)((c->cr & 0x00FF) | v << 8);
        c->wr_msb_next = false;
    }
    if (complete)
        count_written(c, t);
    ch_after(p, i, t);
}

static void set_gate(struct vmp_pit *p, unsigned i, bool g, uint64_t t)
{
    struct pit_ch *c = &p->ch[i];
    if (c->gate == g)
        return;
    ch_before(p, i, t);
    c->gate = g;
    switch (c->mode) {
    case 0:
    case 4: /* GATE low suspends counting; high resumes (Table "Gate Pin") */
        if (!g && c->state == ST_RUN) {
            freeze(c, t);
            c->state = ST_PAUSED;
        } else if (g && c->state == ST_PAUSED) {
            c->state = ST_RUN;
            c->load = t;
            c->v0 = c->hold_v;
            c->out_before = c->hold_out;
        }
        break;
    case 1:
    case 5: /* rising edge triggers: CR -> CE on the next CLK */
        if (g && c->state != ST_IDLE) {
            bool o = out_at(c, t);
            start(c, t, o);
        }
        break;
    default: /* 2, 3: low stops with OUT high; rising edge reloads */
        if (!g && c->state == ST_RUN) {
            freeze(c, t);
            c->hold_out = true;
            c->state = ST_PAUSED;
            c->pending = false;
        } else if (g && c->state == ST_PAUSED) {
            start(c, t, true);
        }
        break;
    }
    ch_after(p, i, t);
}

static void latch_count(struct pit_ch *c, uint64_t t)
{
    if (c->count_latched)
        return; /* a second latch before the read is ignored */
    c->latch = encode_count(c, count_at(c, t));
    c->count_latched = true;
    c->latch_msb_next = false;
}

static void latch_status(struct pit_ch *c, uint64_t t)
{
    if (c->status_latched)
        return;
    c->status = (uint8_t)((out_at(c, t) ? 0x80 : 0) | (t < c->null_until ? 0x40 : 0) | c->ctrl);
    c->status_latched = true;
}

static void write_control(struct vmp_pit *p, uint8_t v, uint64_t t)
{
    unsigned sc = v >> 6;
    if (sc == 3) { /* read-back command: D5 = !COUNT, D4 = !STATUS */
        for (unsigned i = 0; i < 3; i++) {
            if (!(v & (2u << i)))
                continue;
            ch_sync(&p->ch[i], t);
            if (!(v & 0x10))
                latch_status(&p->ch[i], t);
            if (!(v & 0x20))
                latch_count(&p->ch[i], t);
        }
        return;
    }
    if ((v & 0x30) == 0) { /* counter latch command */
        ch_sync(&p->ch[sc], t);
        latch_count(&p->ch[sc], t);
        return;
    }
    control_word(p, sc, v, t);
}

static uint8_t read_counter(struct vmp_pit *p, unsigned i, uint64_t t)
{
    struct pit_ch *c = &p->ch[i];
    ch_sync(c, t);
    if (c->status_latched) { /* status first when both are latched */
        c->status_latched = false;
        return c->status;
    }
    if (c->count_latched) {
        uint16_t l = c->latch;
        switch (c->rw) {
        case 1: c->count_latched = false; return (uint8_t)l;
        case 2: c->count_latched = false; return (uint8_t)(l >> 8);
        default:
            if (!c->latch_msb_next) {
                c->latch_msb_next = true;
                return (uint8_t)l;
            }
            c->count_latched = false;
            return (uint8_t)(l >> 8);
        }
    }
    uint16_t v = encode_count(c, count_at(c, t));
    switch (c->rw) {
    case 1: return (uint8_t)v;
    case 2: return (uint8_t)(v >> 8);
    default:
        c->rd_msb_next = !c->rd_msb_next;
        return c->rd_msb_next ? (uint8_t)v : (uint8_t)(v >> 8);
    }
}

static uint64_t pit_read(void *dev, uint64_t off, unsigned size)
{
    struct vmp_pit *p = dev;
    (void)size; /* max_size 1 */
    if (off >= 3)
        return 0xFF; /* the control word register cannot be read */
    return read_counter(p, (unsigned)off, now_tick(p));
}

static void pit_write(void *dev, uint64_t off, uint64_t value, unsigned size)
{
    struct vmp_pit *p = dev;
    (void)size;
    uint64_t t = now_tick(p);
    if (off == 3)
        write_control(p, (uint8_t)value, t);
    else if (off < 3)
        write_counter(p, (unsigned)off, (uint8_t)value, t);
}

const struct vmp_io_ops vmp_pit_io_ops = { pit_read, pit_write, 1 };

/* ---- port 0x61 ---- */

static uint64_t p61_read(void *dev, uint64_t off, unsigned size)
{
    struct vmp_pit *p = dev;
    (void)size;
    if (off)
        return 0xFF;
    uint64_t now = vmp_clock_now(p->env.clock);
    uint64_t t = tmr_ns_to_ticks(now, VMP_PIT_HZ);
    ch_sync(&p->ch[2], t);
    uint8_t v = p->port61 & 0x0F;
    if ((now / VMP_PIT_REFRESH_NS) & 1)
        v |= 0x10;
    if (out_at(&p->ch[2], t))
        v |= 0x20;
    return v;
}

static void p61_write(void *dev, uint64_t off, uint64_t value, unsigned size)
{
    struct vmp_pit *p = dev;
    (void)size;
    if (off)
        return;
    p->port61 = (uint8_t)(value & 0x0F); /* bits 4-7 are read-only */
    set_gate(p, 2, value & 1, now_tick(p));
}

const struct vmp_io_ops vmp_pit_port61_io_ops = { p61_read, p61_write, 1 };

/* ---- public ---- */

void vmp_pit_reset(struct vmp_pit *p)
{
    vmp_timer_cancel(p->timer);
    memset(p->ch, 0, sizeof p->ch);
    for (unsigned i = 0; i < 3; i++) {
        struct pit_ch *c = &p->ch[i];
        /* After power-up the mode, count and OUT are undefined; we pick
         * mode 0 binary, LSB/MSB access, idle with OUT low. */
        c->rw = 3;
        c->ctrl = 0x30;
        c->gate = i != 2;
        c->hold_out = false;
        c->n = 65536;
        c->null_until = VMP_TIME_NEVER;
    }
    p->port61 = 0;
    p->last_eval = now_tick(p);
    set_line(p, false);
    vmp_ratelimit_reset(&p->rl);
}

struct vmp_pit *vmp_pit_create(const struct vmp_env *env, struct vmp_irq *irq0)
{
    if (!env || !env->clock)
        return NULL;
    struct vmp_pit *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->env = *env;
    p->irq0 = irq0;
    p->timer = vmp_timer_create(env->clock, pit_timer_fn, p);
    if (!p->timer) {
        free(p);
        return NULL;
    }
    vmp_pit_reset(p);
    return p;
}

void vmp_pit_destroy(struct vmp_pit *p)
{
    if (!p)
        return;
    vmp_timer_destroy(p->timer);
    free(p);
}

int vmp_pit_attach(struct vmp_pit *p, struct vmp_space *pio, uint64_t base)
{
    return vmp_space_map(pio, base, 4, &vmp_pit_io_ops, p);
}

int vmp_pit_attach_port61(struct vmp_pit *p, struct vmp_space *pio, uint64_t port)
{
    return vmp_space_map(pio, port, 1, &vmp_pit_port61_io_ops, p);
}

void vmp_pit_set_gate(struct vmp_pit *p, unsigned channel, bool level)
{
    if (channel > 2)
        return;
    if (channel == 2)
        p->port61 = (uint8_t)((p->port61 & ~1u) | (level ? 1 : 0));
    set_gate(p, channel, level, now_tick(p));
}

bool vmp_pit_get_out(struct vmp_pit *p, unsigned channel)
{
    if (channel > 2)
        return false;
    uint64_t t = now_tick(p);
    ch_sync(&p->ch[channel], t);
    return out_at(&p->ch[channel], t);
}

bool vmp_pit_speaker(struct vmp_pit *p, uint32_t *hz)
{
    struct pit_ch *c = &p->ch[2];
    uint64_t t = now_tick(p);
    ch_sync(c, t);
    bool on = (p->port61 & 3) == 3;
    if (hz)
        *hz = on && c->mode == 3 && c->state == ST_RUN ? VMP_PIT_HZ / c->n : 0;
    return on && out_at(c, t);
}

/* ---- save / load ---- */

#define PIT_STATE_VERSION 1

int vmp_pit_save(const struct vmp_pit *p, struct vmp_state_writer *w)
{
    vmp_state_begin(w, "pit", PIT_STATE_VERSION);
    for (unsigned i = 0; i < 3; i++) {
        const struct pit_ch *c = &p->ch[i];
        vmp_state_put_u8(w, c->ctrl);
        vmp_state_put_u8(w, c->mode);
        vmp_state_put_u8(w, c->rw);
        vmp_state_put_bool(w, c->bcd);
        vmp_state_put_bool(w, c->gate);
        vmp_state_put_u8(w, c->state);
        vmp_state_put_u16(w, c->cr);
        vmp_state_put_bool(w, c->wr_msb_next);
        vmp_state_put_bool(w, c->rd_msb_next);
        vmp_state_put_bool(w, c->count_latched);
        vmp_state_put_bool(w, c->latch_msb_next);
        vmp_state_put_u16(w, c->latch);
        vmp_state_put_bool(w, c->status_latched);
        vmp_state_put_u8(w, c->status);
        vmp_state_put_u32(w, c->n);
        vmp_state_put_u64(w, c->load);
        vmp_state_put_u64(w, (uint64_t)c->v0);
        vmp_state_put_bool(w, c->start_low);
        vmp_state_put_bool(w, c->out_before);
        vmp_state_put_u64(w, (uint64_t)c->hold_v);
        vmp_state_put_bool(w, c->hold_out);
        vmp_state_put_bool(w, c->pending);
        vmp_state_put_u32(w, c->pend_n);
        vmp_state_put_u64(w, c->pend_tick);
        vmp_state_put_u64(w, c->null_until);
    }
    vmp_state_put_u8(w, p->port61);
    vmp_state_put_bool(w, p->line);
    vmp_state_put_u64(w, p->last_eval);
    vmp_state_end(w);
    return vmp_state_writer_error(w);
}

/* Bounds that keep the formulas in range: |v| below 2^62 ticks. */
#define V_LIMIT ((int64_t)1 << 62)

int vmp_pit_load(struct vmp_pit *p, struct vmp_state_reader *r)
{
    uint32_t ver;
    int err = vmp_state_open(r, "pit", PIT_STATE_VERSION, &ver);
    if (err)
        return err;
    struct pit_ch ch[3];
    memset(ch, 0, sizeof ch);
    for (unsigned i = 0; i < 3; i++) {
        struct pit_ch *c = &ch[i];
        c->ctrl = vmp_state_get_u8_max(r, 0x3F);
        c->mode = vmp_state_get_u8_max(r, 5);
        c->rw = vmp_state_get_u8_max(r, 3);
        c->bcd = vmp_state_get_bool(r);
        c->gate = vmp_state_get_bool(r);
        c->state = vmp_state_get_u8_max(r, ST_WAIT_TRIGGER);
        c->cr = vmp_state_get_u16(r);
        c->wr_msb_next = vmp_state_get_bool(r);
        c->rd_msb_next = vmp_state_get_bool(r);
        c->count_latched = vmp_state_get_bool(r);
        c->latch_msb_next = vmp_state_get_bool(r);
        c->latch = vmp_state_get_u16(r);
        c->status_latched = vmp_state_get_bool(r);
        c->status = vmp_state_get_u8(r);
        c->n = vmp_state_get_u32(r);
        c->load = vmp_state_get_u64(r);
        c->v0 = (int64_t)vmp_state_get_u64(r);
        c->start_low = vmp_state_get_bool(r);
        c->out_before = vmp_state_get_bool(r);
        c->hold_v = (int64_t)vmp_state_get_u64(r);
        c->hold_out = vmp_state_get_bool(r);
        c->pending = vmp_state_get_bool(r);
        c->pend_n = vmp_state_get_u32(r);
        c->pend_tick = vmp_state_get_u64(r);
        c->null_until = vmp_state_get_u64(r);
        uint32_t m = 65536; /* the formulas need only 1 <= n <= 2^16 */
        if (c->rw == 0 || c->n == 0 || c->n > m || c->v0 > V_LIMIT || c->v0 < -V_LIMIT ||
            c->hold_v > V_LIMIT || c->hold_v < -V_LIMIT || c->load > (uint64_t)V_LIMIT ||
            (c->pending && (c->pend_n == 0 || c->pend_n > m || c->pend_tick > (uint64_t)V_LIMIT ||
                            c->mode < 2 || c->mode > 3)))
            vmp_state_fail(r, -EINVAL);
    }
    uint8_t port61 = vmp_state_get_u8_max(r, 0x0F);
    bool line = vmp_state_get_bool(r);
    uint64_t last_eval = vmp_state_get_u64(r);
    err = vmp_state_close(r);
    if (err)
        return err;
    memcpy(p->ch, ch, sizeof ch);
    p->port61 = port61;
    p->line = !line; /* force the line to the saved level */
    set_line(p, line);
    p->last_eval = last_eval;
    /* Arm for the next edge after the last evaluation: if that is past,
     * the timer fires at once and catches up. Nothing saved changes. */
    ch0_arm(p, last_eval);
    return 0;
}

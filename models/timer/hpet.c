/* High Precision Event Timer (IA-PC HPET Specification 1.0a, October
 * 2004; section numbers below are from it).
 *
 * The main counter is cnt + e (mod 2^64), where e = ticks(now - ns_base)
 * while enabled and 0 while halted. Each comparator remembers the e up to
 * which it has looked for matches (last); whenever it is touched, or its
 * virtual timer fires, the matches in (last, e] are counted from the time:
 * a periodic comparator advances by that many periods and one interrupt
 * is delivered for them. Working in e rather than counter values makes
 * the 64-bit counter's wrap the same case as the 32-bit comparators'. */
#include <stdlib.h>
#include <string.h>

#include <vmparts/timer.h>

#include "ticks.h"

/* §2.3.4 - §2.3.9 register offsets and bits */
#define R_GCAP 0x000
#define R_GCONF 0x010
#define R_GISR 0x020
#define R_MAIN 0x0F0
#define R_TIMER0 0x100
#define TIMER_STRIDE 0x20

#define GCONF_ENABLE 0x1
#define GCONF_LEGACY 0x2

#define TN_LEVEL (1u << 1)
#define TN_ENB (1u << 2)
#define TN_PERIODIC (1u << 3)
#define TN_PER_CAP (1u << 4)
#define TN_SIZE_CAP (1u << 5)
#define TN_VAL_SET (1u << 6)
#define TN_32 (1u << 8)
#define TN_ROUTE_SHIFT 9
#define TN_ROUTE (0x1Fu << TN_ROUTE_SHIFT)
#define TN_FSB_EN (1u << 14)
#define TN_FSB_CAP (1u << 15)
#define TN_WRITABLE (TN_LEVEL | TN_ENB | TN_PERIODIC | TN_VAL_SET | TN_32 | TN_ROUTE | TN_FSB_EN)
#define TN_CAPS (TN_PER_CAP | TN_SIZE_CAP | TN_FSB_CAP)

#define SLOT_IRQ0 ((int)VMP_HPET_GSIS)
#define SLOT_IRQ8 ((int)VMP_HPET_GSIS + 1)
#define SLOTS ((int)VMP_HPET_GSIS + 2)
#define MIN_IRQ_NS ((uint64_t)VMP_HPET_MIN_TICK * VMP_NS_PER_SEC / VMP_HPET_HZ)

typedef unsigned __int128 u128;

struct vmp_hpet;

struct hpet_timer {
    struct vmp_hpet *h;
    unsigned idx;
    struct vmp_timer *timer;
    uint32_t conf;      /* Tn_CONF bits 15:0 */
    uint64_t cmp;       /* comparator (accumulator in periodic mode) */
    uint64_t period;    /* periodic increment: the value last written */
    uint64_t fsb;       /* Tn_FSB_ROUTE: data (31:0), address (63:32) */
    uint64_t vs_written; /* comparator bits written since Tn_VAL_SET_CNF was set */
    uint64_t last;      /* matches counted up to this e */
    uint64_t last_fire; /* ns of the last delivered interrupt */
    bool sts;           /* Tn_INT_STS (level mode) */
};

struct vmp_hpet {
    struct vmp_env env;
    struct vmp_hpet_config cfg;
    uint32_t gconf;
    uint64_t cnt;       /* counter at ns_base (or while halted) */
    uint64_t ns_base;
    struct hpet_timer t[VMP_HPET_TIMERS];
    bool level[SLOTS];  /* what we drive on each output */
};

static uint64_t now_ns(const struct vmp_hpet *h) { return vmp_clock_now(h->env.clock); }

/* Ticks since ns_base while enabled (0 while halted). */
static uint64_t elapsed(const struct vmp_hpet *h, uint64_t now)
{
    if (!(h->gconf & GCONF_ENABLE) || now <= h->ns_base)
        return 0;
    return tmr_ns_to_ticks(now - h->ns_base, VMP_HPET_HZ);
}

static uint64_t counter_at(const struct vmp_hpet *h, uint64_t now)
{
    return h->cnt + elapsed(h, now);
}

static uint64_t width_mask(const struct hpet_timer *t)
{
    return t->conf & TN_32 ? 0xFFFFFFFFull : UINT64_MAX;
}

/* The first e > last at which the counter's low 32 or 64 bits equal the
 * comparator (§2.3.9.2 comparator match). */
static u128 first_match(const struct vmp_hpet *h, const struct hpet_timer *t, uint64_t last)
{
    u128 base = (u128)last + 1;
    return base + ((t->cmp - (h->cnt + (uint64_t)base)) & width_mask(t));
}

/* Distance between matches: the period in periodic mode (0 acts as a full
 * wrap), the counter wrap in one-shot mode. */
static u128 match_interval(const struct hpet_timer *t)
{
    u128 wrap = t->conf & TN_32 ? (u128)1 << 32 : (u128)1 << 64;
    if (!(t->conf & TN_PERIODIC))
        return wrap;
    uint64_t p = t->period & width_mask(t);
    return p ? p : wrap;
}

/* Which output the timer drives (§2.3.8 LEG_RT_CNF, §2.3.9.x route), or
 * -1 for none; *fsb when FSB messages are used instead. */
static int route_slot(const struct vmp_hpet *h, const struct hpet_timer *t, bool *fsb)
{
    *fsb = false;
    if ((h->gconf & GCONF_LEGACY) && t->idx < 2)
        return t->idx == 0 ? SLOT_IRQ0 : SLOT_IRQ8;
    if (t->conf & TN_FSB_EN) {
        *fsb = true;
        return -1;
    }
    unsigned r = (t->conf & TN_ROUTE) >> TN_ROUTE_SHIFT;
    return r < VMP_HPET_GSIS && (h->cfg.route_cap >> r & 1) ? (int)r : -1;
}

static struct vmp_irq *slot_irq(const struct vmp_hpet *h, int slot)
{
    if (slot == SLOT_IRQ0)
        return h->cfg.legacy_irq0;
    if (slot == SLOT_IRQ8)
        return h->cfg.legacy_irq8;
    return slot >= 0 ? h->cfg.gsi[slot] : NULL;
}

/* Level-triggered timers hold their output while Tn_INT_STS is set and
 * interrupts are enabled; outputs shared by several timers are ORed. */
static void update_lines(struct vmp_hpet *h)
{
    bool want[SLOTS] = { false };
    for (unsigned i = 0; i < VMP_HPET_TIMERS; i++) {
        struct hpet_timer *t = &h->t[i];
        bool fsb;
        int s = route_slot(h, t, &fsb);
        if ((t->conf & TN_LEVEL) && (t->conf & TN_ENB) && t->sts && s >= 0)
            want[s] = true;
    }
    for (int s = 0; s < SLOTS; s++) {
        if (want[s] != h->level[s]) {
            h->level[s] = want[s];
            vmp_irq_set(slot_irq(h, s), want[s]);
        }
    }
}

static void deliver(struct vmp_hpet *h, struct hpet_timer *t)
{
    bool fsb;
    int s = route_slot(h, t, &fsb);
    if (t->conf & TN_LEVEL)
        t->sts = true; /* status is set even with interrupts disabled */
    if (!(t->conf & TN_ENB))
        return;
    if (fsb)
        vmp_msi_send(&h->cfg.msi, t->fsb >> 32, (uint32_t)t->fsb);
    else if (!(t->conf & TN_LEVEL) && s >= 0 && !h->level[s])
        vmp_irq_pulse(slot_irq(h, s));
}

/* Count the matches in (last, counter(now)]; deliver one interrupt for
 * them; advance a periodic comparator. */
static void process(struct vmp_hpet *h, struct hpet_timer *t, uint64_t now)
{
    uint64_t c = elapsed(h, now);
    if (c <= t->last) {
        t->last = c;
        return;
    }
    u128 x0 = first_match(h, t, t->last);
    t->last = c;
    if (x0 > c)
        return;
    u128 k = (c - x0) / match_interval(t) + 1;
    if (t->conf & TN_PERIODIC)
        t->cmp = (t->cmp + (uint64_t)k * t->period) & width_mask(t);
    t->last_fire = now;
    deliver(h, t);
}

static void arm(struct vmp_hpet *h, struct hpet_timer *t, bool from_timer)
{
    if (!(h->gconf & GCONF_ENABLE) || !(t->conf & TN_ENB) || ((t->conf & TN_LEVEL) && t->sts)) {
        vmp_timer_cancel(t->timer);
        return;
    }
    u128 x = first_match(h, t, t->last);
    if (x > UINT64_MAX) {
        vmp_timer_cancel(t->timer);
        return;
    }
    uint64_t ns = vmp_ticks_to_ns_ceil((uint64_t)x, VMP_HPET_HZ);
    uint64_t deadline = ns > UINT64_MAX - h->ns_base ? UINT64_MAX : h->ns_base + ns;
    /* A comparator interrupts at most once per minimum tick. */
    if (from_timer && deadline < t->last_fire + MIN_IRQ_NS)
        deadline = t->last_fire + MIN_IRQ_NS;
    vmp_timer_arm(t->timer, deadline);
}

static void sync_timer(struct vmp_hpet *h, struct hpet_timer *t, uint64_t now, bool from_timer)
{
    process(h, t, now);
    arm(h, t, from_timer);
}

static void sync_all(struct vmp_hpet *h, uint64_t now)
{
    for (unsigned i = 0; i < VMP_HPET_TIMERS; i++)
        process(h, &h->t[i], now);
}

static void rearm_all(struct vmp_hpet *h)
{
    update_lines(h);
    for (unsigned i = 0; i < VMP_HPET_TIMERS; i++)
        arm(h, &h->t[i], false);
}

static void hpet_timer_fn(void *opaque)
{
    struct hpet_timer *t = opaque;
    sync_timer(t->h, t, now_ns(t->h), true);
    update_lines(t->h);
}

/* ---- registers ---- */

static uint64_t read_reg(struct vmp_hpet *h, unsigned reg)
{
    uint64_t now = now_ns(h);
    switch (reg) {
    case R_GCAP:
        return VMP_HPET_ID | (uint64_t)VMP_HPET_PERIOD_FS << 32;
    case R_GCONF:
        return h->gconf;
    case R_GISR: {
        uint64_t v = 0;
        for (unsigned i = 0; i < VMP_HPET_TIMERS; i++) {
            sync_timer(h, &h->t[i], now, false);
            v |= (uint64_t)h->t[i].sts << i;
        }
        update_lines(h);
        return v;
    }
    case R_MAIN:
        return counter_at(h, now);
    }
    if (reg >= R_TIMER0 && reg < R_TIMER0 + TIMER_STRIDE * VMP_HPET_TIMERS) {
        struct hpet_timer *t = &h->t[(reg - R_TIMER0) / TIMER_STRIDE];
        switch ((reg - R_TIMER0) % TIMER_STRIDE) {
        case 0x00:
            return t->conf | (uint64_t)h->cfg.route_cap << 32;
        case 0x08:
            sync_timer(h, t, now, false);
            update_lines(h);
            return t->cmp;
        case 0x10:
            return t->fsb;
        }
    }
    return 0; /* reserved */
}

static void write_gconf(struct vmp_hpet *h, uint32_t v, uint64_t now)
{
    uint32_t old = h->gconf;
    v &= GCONF_ENABLE | GCONF_LEGACY;
    sync_all(h, now); /* matches so far use the old settings */
    if ((old ^ v) & GCONF_ENABLE) { /* halt or start: rebase e to 0 */
        h->cnt = counter_at(h, now);
        h->ns_base = now;
        for (unsigned i = 0; i < VMP_HPET_TIMERS; i++)
            h->t[i].last = 0;
    }
    h->gconf = v;
    rearm_all(h);
    if ((old ^ v) & GCONF_LEGACY && h->cfg.legacy_changed)
        h->cfg.legacy_changed(h->cfg.opaque, v & GCONF_LEGACY);
}

static void write_conf(struct vmp_hpet *h, struct hpet_timer *t, uint32_t v, uint64_t now)
{
    sync_timer(h, t, now, false);
    uint32_t n = (t->conf & ~TN_WRITABLE) | (v & TN_WRITABLE);
    unsigned route = (n & TN_ROUTE) >> TN_ROUTE_SHIFT;
    if (route >= VMP_HPET_GSIS || !(h->cfg.route_cap >> route & 1))
        n = (n & ~TN_ROUTE) | (t->conf & TN_ROUTE); /* unsupported: not taken */
    if ((n & TN_32) && !(t->conf & TN_32)) { /* 32-bit mode: upper halves read 0 */
        t->cmp &= 0xFFFFFFFFull;
        t->period &= 0xFFFFFFFFull;
        t->vs_written &= 0xFFFFFFFFull;
    }
    /* Setting Tn_VAL_SET_CNF starts a new accumulator write; setting it
     * again while it is still set (between two halves) does not. */
    if (!(n & TN_VAL_SET) || !(t->conf & TN_VAL_SET))
        t->vs_written = 0;
    /* A switch to 32-bit mode after the low half went in completes the
     * accumulator write, as if that half had been written in 32-bit mode
     * (fuzz_hpet found the state this used to leave behind). */
    uint64_t wm = n & TN_32 ? 0xFFFFFFFFull : UINT64_MAX;
    if ((n & TN_VAL_SET) && t->vs_written && (t->vs_written & wm) == wm) {
        n &= ~TN_VAL_SET;
        t->vs_written = 0;
    }
    if (!(n & TN_LEVEL))
        t->sts = false; /* status is meaningless for edge interrupts */
    t->conf = n;
    update_lines(h);
    arm(h, t, false);
}

static void write_cmp(struct vmp_hpet *h, struct hpet_timer *t, uint64_t v, uint64_t m,
                      uint64_t now)
{
    sync_timer(h, t, now, false);
    if (t->conf & TN_32)
        m &= 0xFFFFFFFFull;
    v &= m;
    bool periodic = t->conf & TN_PERIODIC;
    /* §2.3.9.2: one-shot writes set the comparator; periodic writes set
     * the increment, and the accumulator too while Tn_VAL_SET_CNF is set.
     * §2.3.8 bit 6 says VAL_SET clears by itself but not when; §2.3.9.2.2
     * has software set it and then write the comparator, which §2.3.9.1
     * lets a 32-bit driver do as two 32-bit halves in either order. So it
     * clears once every bit of the comparator (the low half in 32-bit
     * mode) has been written since it was set: both halves reach the
     * accumulator, and a driver that sets it again before the second half
     * (as chipset datasheets advise) gets the same result. */
    if (!periodic || (t->conf & TN_VAL_SET))
        t->cmp = (t->cmp & ~m) | v;
    if (periodic)
        t->period = (t->period & ~m) | v;
    if (t->conf & TN_VAL_SET) {
        t->vs_written |= m;
        if ((t->vs_written & width_mask(t)) == width_mask(t)) {
            t->conf &= ~TN_VAL_SET;
            t->vs_written = 0;
        }
    }
    update_lines(h);
    arm(h, t, false);
}

static void write_reg(struct vmp_hpet *h, unsigned reg, uint64_t v, uint64_t m)
{
    uint64_t now = now_ns(h);
    switch (reg) {
    case R_GCONF:
        write_gconf(h, (uint32_t)((h->gconf & ~m) | (v & m)), now);
        return;
    case R_GISR: /* write 1 to clear Tn_INT_STS */
        sync_all(h, now);
        for (unsigned i = 0; i < VMP_HPET_TIMERS; i++)
            if ((v & m) >> i & 1)
                h->t[i].sts = false;
        rearm_all(h);
        return;
    case R_MAIN: /* §2.3.7: software writes it while halted; we rebase either way */
        sync_all(h, now);
        h->cnt = (counter_at(h, now) & ~m) | (v & m);
        h->ns_base = now;
        for (unsigned i = 0; i < VMP_HPET_TIMERS; i++)
            h->t[i].last = 0;
        rearm_all(h);
        return;
    }
    if (reg >= R_TIMER0 && reg < R_TIMER0 + TIMER_STRIDE * VMP_HPET_TIMERS) {
        struct hpet_timer *t = &h->t[(reg - R_TIMER0) / TIMER_STRIDE];
        switch ((reg - R_TIMER0) % TIMER_STRIDE) {
        case 0x00:
            if (m & 0xFFFF) /* bits 63:16 are read-only */
                write_conf(h, t, (uint32_t)((t->conf & ~m) | (v & m)) & 0xFFFF, now);
            return;
        case 0x08:
            write_cmp(h, t, v, m, now);
            return;
        case 0x10:
            t->fsb = (t->fsb & ~m) | (v & m);
            return;
        }
    }
}

static uint64_t byte_mask(unsigned size, unsigned shift)
{
    return (size >= 8 ? UINT64_MAX : ((1ull << (size * 8)) - 1)) << shift;
}

static uint64_t hpet_read(void *dev, uint64_t off, unsigned size)
{
    unsigned shift = (unsigned)(off & 7) * 8;
    if (off >= VMP_HPET_LEN || (off & 7) + size > 8)
        return 0;
    uint64_t v = read_reg(dev, (unsigned)off & ~7u) >> shift;
    return size >= 8 ? v : v & ((1ull << (size * 8)) - 1);
}

static void hpet_write(void *dev, uint64_t off, uint64_t value, unsigned size)
{
    unsigned shift = (unsigned)(off & 7) * 8;
    if (off >= VMP_HPET_LEN || (off & 7) + size > 8)
        return;
    write_reg(dev, (unsigned)off & ~7u, value << shift, byte_mask(size, shift));
}

const struct vmp_io_ops vmp_hpet_io_ops = { hpet_read, hpet_write, 8 };

/* ---- public ---- */

void vmp_hpet_reset(struct vmp_hpet *h)
{
    bool was_legacy = h->gconf & GCONF_LEGACY;
    uint64_t now = now_ns(h);
    h->gconf = 0;
    h->cnt = 0;
    h->ns_base = now;
    for (unsigned i = 0; i < VMP_HPET_TIMERS; i++) {
        struct hpet_timer *t = &h->t[i];
        t->conf = TN_CAPS;
        t->cmp = UINT64_MAX; /* comparators reset to all ones */
        t->period = 0;
        t->fsb = 0;
        t->vs_written = 0;
        t->last = 0;
        t->last_fire = 0;
        t->sts = false;
    }
    rearm_all(h);
    if (was_legacy && h->cfg.legacy_changed)
        h->cfg.legacy_changed(h->cfg.opaque, false);
}

struct vmp_hpet *vmp_hpet_create(const struct vmp_env *env, const struct vmp_hpet_config *cfg)
{
    if (!env || !env->clock)
        return NULL;
    struct vmp_hpet *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->env = *env;
    if (cfg)
        h->cfg = *cfg;
    if (!h->cfg.route_cap)
        h->cfg.route_cap = VMP_HPET_ROUTE_CAP;
    h->cfg.route_cap &= (1u << VMP_HPET_GSIS) - 1;
    for (unsigned i = 0; i < VMP_HPET_TIMERS; i++) {
        h->t[i].h = h;
        h->t[i].idx = i;
        h->t[i].timer = vmp_timer_create(env->clock, hpet_timer_fn, &h->t[i]);
        if (!h->t[i].timer) {
            vmp_hpet_destroy(h);
            return NULL;
        }
    }
    vmp_hpet_reset(h);
    return h;
}

void vmp_hpet_destroy(struct vmp_hpet *h)
{
    if (!h)
        return;
    for (unsigned i = 0; i < VMP_HPET_TIMERS; i++)
        vmp_timer_destroy(h->t[i].timer);
    free(h);
}

int vmp_hpet_attach(struct vmp_hpet *h, struct vmp_space *mmio, uint64_t base)
{
    return vmp_space_map(mmio, base, VMP_HPET_LEN, &vmp_hpet_io_ops, h);
}

uint64_t vmp_hpet_counter(struct vmp_hpet *h) { return counter_at(h, now_ns(h)); }

bool vmp_hpet_legacy_mode(const struct vmp_hpet *h) { return h->gconf & GCONF_LEGACY; }

/* Version 2 added each timer's vs_written; version 1 loads with 0. */
#define HPET_STATE_VERSION 2
#define TIME_LIMIT ((uint64_t)1 << 62)

int vmp_hpet_save(const struct vmp_hpet *h, struct vmp_state_writer *w)
{
    vmp_state_begin(w, "hpet", HPET_STATE_VERSION);
    vmp_state_put_u32(w, h->gconf);
    vmp_state_put_u64(w, h->cnt);
    vmp_state_put_u64(w, h->ns_base);
    for (unsigned i = 0; i < VMP_HPET_TIMERS; i++) {
        const struct hpet_timer *t = &h->t[i];
        vmp_state_put_u32(w, t->conf);
        vmp_state_put_u64(w, t->cmp);
        vmp_state_put_u64(w, t->period);
        vmp_state_put_u64(w, t->fsb);
        vmp_state_put_u64(w, t->last);
        vmp_state_put_u64(w, t->last_fire);
        vmp_state_put_bool(w, t->sts);
        vmp_state_put_u64(w, t->vs_written);
    }
    vmp_state_end(w);
    return vmp_state_writer_error(w);
}

int vmp_hpet_load(struct vmp_hpet *h, struct vmp_state_reader *r)
{
    uint32_t ver;
    int err = vmp_state_open(r, "hpet", HPET_STATE_VERSION, &ver);
    if (err)
        return err;
    uint32_t gconf = vmp_state_get_u32_max(r, GCONF_ENABLE | GCONF_LEGACY);
    uint64_t cnt = vmp_state_get_u64(r);
    uint64_t ns_base = vmp_state_get_u64_max(r, TIME_LIMIT);
    struct hpet_timer t[VMP_HPET_TIMERS];
    memcpy(t, h->t, sizeof t);
    for (unsigned i = 0; i < VMP_HPET_TIMERS; i++) {
        t[i].conf = vmp_state_get_u32(r);
        t[i].cmp = vmp_state_get_u64(r);
        t[i].period = vmp_state_get_u64(r);
        t[i].fsb = vmp_state_get_u64(r);
        t[i].last = vmp_state_get_u64(r);
        t[i].last_fire = vmp_state_get_u64_max(r, TIME_LIMIT);
        t[i].sts = vmp_state_get_bool(r);
        t[i].vs_written = ver >= 2 ? vmp_state_get_u64(r) : 0;
        unsigned route = (t[i].conf & TN_ROUTE) >> TN_ROUTE_SHIFT;
        if ((t[i].conf & ~(TN_WRITABLE | TN_CAPS)) || (t[i].conf & TN_CAPS) != TN_CAPS ||
            (route && (route >= VMP_HPET_GSIS || !(h->cfg.route_cap >> route & 1))) ||
            ((t[i].conf & TN_32) && ((t[i].cmp | t[i].period) >> 32)) ||
            (t[i].sts && !(t[i].conf & TN_LEVEL)) ||
            (t[i].vs_written && !(t[i].conf & TN_VAL_SET)) ||
            (t[i].vs_written & ~width_mask(&t[i])) ||
            (t[i].vs_written && t[i].vs_written == width_mask(&t[i])))
            vmp_state_fail(r, -EINVAL);
    }
    err = vmp_state_close(r);
    if (err)
        return err;
    bool was_legacy = h->gconf & GCONF_LEGACY;
    h->gconf = gconf;
    h->cnt = cnt;
    h->ns_base = ns_base;
    memcpy(h->t, t, sizeof t);
    rearm_all(h);
    if (was_legacy != (bool)(gconf & GCONF_LEGACY) && h->cfg.legacy_changed)
        h->cfg.legacy_changed(h->cfg.opaque, gconf & GCONF_LEGACY);
    return 0;
}

/* Local APIC, xAPIC and x2APIC modes (Intel SDM vol. 3A chapter 11, "Advanced
 * Programmable Interrupt Controller"; section numbers are that chapter's).
 * One per vCPU; messages come through the APIC bus (apic_bus.c). */
#include <stdlib.h>
#include <string.h>

#include <vmparts/clock.h>

#include "apic.h"

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, NLVT };

#define LVT_MASKED (1u << 16)
#define LVT_REMOTE_IRR (1u << 14)
#define LVT_LEVEL (1u << 15)
#define TIMER_ONESHOT 0
#define TIMER_PERIODIC 1
#define TIMER_TSC 2
#define ESR_SEND_ILLEGAL 0x20
#define ESR_RECV_ILLEGAL 0x40
#define ESR_ILLEGAL_REG 0x80
#define SVR_ENABLE 0x100
#define ICR_X2_RSVD 0xFFF33000u /* ICR low reserved in x2APIC mode */

/* Writable bits of each LVT (figure 11-8). The timer mode field takes
 * one-shot, periodic and TSC-deadline. */
static const uint32_t lvt_wmask[NLVT] = {
    0x700FF, 0x107FF, 0x107FF, 0x1A7FF, 0x1A7FF, 0x100FF,
};

/* Version 0x14 (integrated APIC), max LVT entry 5 (six LVTs, no CMCI),
 * no EOI-broadcast suppression (§11.4.8). */
#define LAPIC_VERSION 0x00050014u

struct vmp_lapic {
    struct vmp_apic_bus *bus;
    struct vmp_clock *clock;
    const struct vmp_log *log;
    struct vmp_ratelimit rl;
    struct vmp_lapic_cfg cfg;
    struct vmp_timer *timer;

    uint64_t apic_base;
    uint32_t id; /* 8-bit xAPIC ID, or the 32-bit x2APIC ID */
    uint32_t tpr, ldr, dfr, svr, esr, esr_pending;
    uint32_t irr[8], isr[8], tmr[8];
    uint64_t icr;
    uint32_t lvt[NLVT];
    uint32_t timer_initial, timer_dcr;
    uint64_t timer_start; /* virtual ns at which the count was initial */
    uint64_t timer_due;   /* deadline the timer is armed for */
    uint64_t tsc_deadline;
    bool lint[2];
    bool nmi_pending, init_pending, sipi_pending, wait_sipi, extint_pending;
    uint8_t sipi_vector;
    bool in_error;
};

/* ----- helpers ----- */

static bool hw_enabled(const struct vmp_lapic *l) { return l->apic_base & VMP_APIC_BASE_EN; }
static bool x2mode(const struct vmp_lapic *l)
{
    return hw_enabled(l) && (l->apic_base & VMP_APIC_BASE_EXTD);
}
static bool sw_enabled(const struct vmp_lapic *l) { return l->svr & SVR_ENABLE; }

static bool vtest(const uint32_t *r, unsigned v) { return r[v >> 5] >> (v & 31) & 1; }
static void vset(uint32_t *r, unsigned v) { r[v >> 5] |= 1u << (v & 31); }
static void vclr(uint32_t *r, unsigned v) { r[v >> 5] &= ~(1u << (v & 31)); }
static int vhighest(const uint32_t *r)
{
    for (int i = 7; i >= 0; i--)
        if (r[i])
            return i * 32 + 31 - __builtin_clz(r[i]);
    return -1;
}

/* PPR (§11.8.3.1): TPR if its class is at least the highest in-service
 * class, else that class. */
static uint32_t ppr(const struct vmp_lapic *l)
{
    int isrv = vhighest(l->isr);
    uint32_t isrc = isrv < 0 ? 0 : (uint32_t)isrv & 0xF0;
    return (l->tpr & 0xF0) >= isrc ? l->tpr & 0xFF : isrc;
}

/* APR (§11.6.2.4 in earlier editions, "Arbitration Priority Register"). */
static uint32_t apr(const struct vmp_lapic *l)
{
    int irrv = vhighest(l->irr), isrv = vhighest(l->isr);
    uint32_t irrc = irrv < 0 ? 0 : (uint32_t)irrv >> 4;
    uint32_t isrc = isrv < 0 ? 0 : (uint32_t)isrv >> 4;
    uint32_t tprc = l->tpr >> 4 & 0xF;
    if (tprc >= irrc && tprc > isrc)
        return l->tpr & 0xFF;
    uint32_t m = tprc;
    if (isrc > m)
        m = isrc;
    if (irrc > m)
        m = irrc;
    return m << 4;
}

uint8_t vmp_lapic_apr(const struct vmp_lapic *l) { return (uint8_t)apr(l); }
uint8_t vmp_lapic_ppr(const struct vmp_lapic *l) { return (uint8_t)ppr(l); }

/* The highest IRR vector whose class beats the PPR (§11.8.3.1), or -1. */
static int deliverable(const struct vmp_lapic *l)
{
    if (!hw_enabled(l))
        return -1;
    int v = vhighest(l->irr);
    if (v < 0 || ((uint32_t)v & 0xF0) <= (ppr(l) & 0xF0))
        return -1;
    return v;
}

static bool extint_ready(const struct vmp_lapic *l)
{
    if (l->extint_pending)
        return true;
    if (!hw_enabled(l))
        return l->lint[0]; /* no APIC: the PIC's INTR goes to the core */
    uint32_t lvt = l->lvt[LVT_LINT0];
    return l->lint[0] && !(lvt & LVT_MASKED) && (lvt >> 8 & 7) == VMP_APIC_DM_EXTINT;
}

static void kick(struct vmp_lapic *l)
{
    if (l->cfg.kick)
        l->cfg.kick(l->cfg.opaque);
}

static void kick_if_deliverable(struct vmp_lapic *l)
{
    if (deliverable(l) >= 0 || extint_ready(l))
        kick(l);
}

static void error(struct vmp_lapic *l, uint32_t bit);

/* Put a fixed vector in the IRR (§11.8.4); TMR records the trigger. */
static void accept_fixed(struct vmp_lapic *l, uint8_t vector, bool level)
{
    if (vector < 16) {
        error(l, ESR_RECV_ILLEGAL); /* §11.5.3, vectors 0-15 */
        return;
    }
    vset(l->irr, vector);
    if (level)
        vset(l->tmr, vector);
    else
        vclr(l->tmr, vector);
    kick_if_deliverable(l);
}

static void deliver_lvt(struct vmp_lapic *l, unsigned idx)
{
    uint32_t lvt = l->lvt[idx];
    if ((lvt & LVT_MASKED) || !hw_enabled(l))
        return;
    unsigned mode = idx == LVT_TIMER || idx == LVT_ERROR ? VMP_APIC_DM_FIXED : lvt >> 8 & 7;
    switch (mode) {
    case VMP_APIC_DM_FIXED: accept_fixed(l, (uint8_t)lvt, false); break;
    case VMP_APIC_DM_NMI: l->nmi_pending = true; kick(l); break;
    default: break; /* SMI, INIT, ExtINT from thermal/perf: no source */
    }
}

/* ESR bits latch; a new error raises the error LVT (§11.5.3). The guard
 * stops an error LVT with an illegal vector from recursing. */
static void error(struct vmp_lapic *l, uint32_t bit)
{
    l->esr_pending |= bit;
    if (l->in_error)
        return;
    l->in_error = true;
    deliver_lvt(l, LVT_ERROR);
    l->in_error = false;
}

/* ----- reset ----- */

static void x2_ldr(struct vmp_lapic *l)
{
    /* §11.12.10.2: cluster ID = x2APIC ID[19:4], bit ID[3:0] in 15:0. */
    l->ldr = (l->id >> 4) << 16 | 1u << (l->id & 0xF);
}

/* Register state of power-up and of INIT (§11.4.7.3: INIT keeps the APIC
 * ID; the base MSR is left alone here by the callers that need it). */
static void regs_reset(struct vmp_lapic *l)
{
    l->tpr = 0;
    l->ldr = 0;
    l->dfr = 0xFFFFFFFF;
    l->svr = 0xFF;
    memset(l->irr, 0, sizeof l->irr);
    memset(l->isr, 0, sizeof l->isr);
    memset(l->tmr, 0, sizeof l->tmr);
    l->esr = l->esr_pending = 0;
    l->icr = 0;
    for (unsigned i = 0; i < NLVT; i++)
        l->lvt[i] = LVT_MASKED;
    l->timer_initial = 0;
    l->timer_dcr = 0;
    l->timer_start = l->timer_due = 0;
    l->tsc_deadline = 0;
    vmp_timer_cancel(l->timer);
    l->nmi_pending = l->init_pending = l->sipi_pending = l->extint_pending = false;
    l->sipi_vector = 0;
    l->wait_sipi = !(l->apic_base & VMP_APIC_BASE_BSP);
    if (x2mode(l))
        x2_ldr(l);
    if (l->cfg.virtual_wire) {
        /* What firmware programs for virtual-wire mode (MP spec 3.6.2.2). */
        l->svr = 0x1FF;
        l->lvt[LVT_LINT0] = VMP_APIC_DM_EXTINT << 8;
        l->lvt[LVT_LINT1] = VMP_APIC_DM_NMI << 8;
    }
}

void vmp_lapic_reset(struct vmp_lapic *l)
{
    l->apic_base = VMP_LAPIC_BASE_DEFAULT | VMP_APIC_BASE_EN |
                   (l->cfg.bsp ? VMP_APIC_BASE_BSP : 0);
    l->id = l->cfg.apic_id & 0xFF;
    regs_reset(l);
}

/* ----- timer (§11.5.4) ----- */

static unsigned timer_mode(const struct vmp_lapic *l) { return l->lvt[LVT_TIMER] >> 17 & 3; }

static uint64_t divisor(const struct vmp_lapic *l)
{
    unsigned v = (l->timer_dcr & 3) | (l->timer_dcr >> 1 & 4);
    return v == 7 ? 1 : 2ull << v; /* figure 11-10 */
}

static uint64_t count_ns(const struct vmp_lapic *l, uint64_t count)
{
    return vmp_ticks_to_ns_ceil(count * divisor(l), l->cfg.timer_hz);
}

static uint32_t current_count(const struct vmp_lapic *l)
{
    if (timer_mode(l) == TIMER_TSC || !l->timer_initial || !vmp_timer_armed(l->timer))
        return 0;
    uint64_t now = vmp_clock_now(l->clock);
    uint64_t ticks = vmp_ns_to_ticks(now - l->timer_start, l->cfg.timer_hz) / divisor(l);
    if (timer_mode(l) == TIMER_PERIODIC)
        return (uint32_t)(l->timer_initial - ticks % l->timer_initial);
    return ticks >= l->timer_initial ? 0 : (uint32_t)(l->timer_initial - ticks);
}

static void timer_arm(struct vmp_lapic *l, uint64_t due)
{
    l->timer_due = due;
    vmp_timer_arm(l->timer, due);
}

static void timer_start(struct vmp_lapic *l)
{
    if (!l->timer_initial) {
        vmp_timer_cancel(l->timer);
        return;
    }
    l->timer_start = vmp_clock_now(l->clock);
    uint64_t ns = count_ns(l, l->timer_initial);
    timer_arm(l, l->timer_start + ns < l->timer_start ? VMP_TIME_NEVER - 1 : l->timer_start + ns);
}

static uint64_t read_tsc(const struct vmp_lapic *l)
{
    if (l->cfg.read_tsc)
        return l->cfg.read_tsc(l->cfg.opaque);
    return vmp_ns_to_ticks(vmp_clock_now(l->clock), l->cfg.tsc_hz);
}

static void timer_fire(void *opaque)
{
    struct vmp_lapic *l = opaque;
    switch (timer_mode(l)) {
    case TIMER_TSC:
        l->tsc_deadline = 0; /* §11.5.4.1: the MSR reads 0 after it fires */
        break;
    case TIMER_PERIODIC: {
        /* Reload from the deadline, not from "now", so a late callback
         * does not drift the period. Whole periods missed while the
         * callback was late are skipped: they would set the same IRR bit,
         * and replaying them one by one could keep the host busy for
         * minutes after a long stall (clock.h: catch up from now). */
        uint64_t ns = count_ns(l, l->timer_initial);
        if (ns < l->cfg.min_period_ns)
            ns = l->cfg.min_period_ns;
        uint64_t start = l->timer_due, now = vmp_clock_now(l->clock);
        if (ns && now > start && now - start >= ns)
            start += (now - start) / ns * ns;
        l->timer_start = start;
        if (l->timer_initial && l->timer_start + ns > l->timer_start)
            timer_arm(l, l->timer_start + ns);
        break;
    }
    default:
        break;
    }
    deliver_lvt(l, LVT_TIMER);
}

static void tsc_deadline_write(struct vmp_lapic *l, uint64_t v)
{
    if (timer_mode(l) != TIMER_TSC)
        return; /* ignored in the other modes (§11.5.4.1) */
    l->tsc_deadline = v;
    if (!v) {
        vmp_timer_cancel(l->timer);
        return;
    }
    uint64_t tsc = read_tsc(l);
    if (v <= tsc) {
        vmp_timer_cancel(l->timer);
        l->tsc_deadline = 0;
        deliver_lvt(l, LVT_TIMER);
        return;
    }
    uint64_t now = vmp_clock_now(l->clock);
    uint64_t ns = vmp_ticks_to_ns_ceil(v - tsc, l->cfg.tsc_hz);
    timer_arm(l, now + ns < now ? VMP_TIME_NEVER - 1 : now + ns);
}

void vmp_lapic_tsc_changed(struct vmp_lapic *l)
{
    if (timer_mode(l) == TIMER_TSC && l->tsc_deadline && vmp_timer_armed(l->timer))
        tsc_deadline_write(l, l->tsc_deadline);
}

static void dcr_write(struct vmp_lapic *l, uint32_t v)
{
    uint32_t cur = current_count(l);
    l->timer_dcr = v & 0xB;
    if (timer_mode(l) == TIMER_TSC || !vmp_timer_armed(l->timer) || !cur)
        return;
    /* The remaining count runs on at the new rate. */
    uint64_t now = vmp_clock_now(l->clock);
    uint64_t due = now + count_ns(l, cur);
    uint64_t done = count_ns(l, l->timer_initial - cur);
    l->timer_start = now >= done ? now - done : 0;
    timer_arm(l, due < now ? VMP_TIME_NEVER - 1 : due);
}

/* ----- LINT pins (§11.5.1) ----- */

static void lint_eval(struct vmp_lapic *l, unsigned pin, bool rising)
{
    uint32_t *lvt = &l->lvt[LVT_LINT0 + pin];
    bool level = l->lint[pin];
    if (!hw_enabled(l)) {
        /* Without an APIC, LINT0 is INTR and LINT1 is NMI. */
        if (pin == 1 && rising) {
            l->nmi_pending = true;
            kick(l);
        } else if (pin == 0 && level) {
            kick(l);
        }
        return;
    }
    if (*lvt & LVT_MASKED)
        return;
    switch (*lvt >> 8 & 7) {
    case VMP_APIC_DM_FIXED:
        if (*lvt & LVT_LEVEL) {
            if (level && !(*lvt & LVT_REMOTE_IRR)) {
                *lvt |= LVT_REMOTE_IRR;
                accept_fixed(l, (uint8_t)*lvt, true);
            }
        } else if (rising) {
            accept_fixed(l, (uint8_t)*lvt, false);
        }
        break;
    case VMP_APIC_DM_NMI:
        if (rising) {
            l->nmi_pending = true;
            kick(l);
        }
        break;
    case VMP_APIC_DM_INIT:
        if (rising) {
            struct vmp_apic_msg m = { .mode = VMP_APIC_DM_INIT, .assert = true };
            lapic_accept(l, &m);
        }
        break;
    case VMP_APIC_DM_EXTINT:
        if (level)
            kick(l); /* level-sensitive, read at acknowledge */
        break;
    default:
        break;
    }
}

void vmp_lapic_set_lint(void *opaque, unsigned pin, bool level)
{
    struct vmp_lapic *l = opaque;
    if (pin > 1)
        return;
    bool rising = level && !l->lint[pin];
    l->lint[pin] = level;
    lint_eval(l, pin, rising);
}

/* ----- messages from the bus ----- */

bool lapic_match(const struct vmp_lapic *l, uint32_t dest, bool logical, bool x2)
{
    if (!hw_enabled(l))
        return false;
    if (x2mode(l)) {
        if (dest == (x2 ? 0xFFFFFFFFu : 0xFFu))
            return true;
        if (!logical)
            return dest == l->id;
        /* §11.12.10.2: same cluster, any common bit. */
        return (dest >> 16) == (l->ldr >> 16) && (dest & l->ldr & 0xFFFF);
    }
    if (x2 && dest == 0xFFFFFFFFu)
        return true;
    uint32_t d = dest & 0xFF;
    if (d == 0xFF)
        return true; /* broadcast, physical or logical (§11.6.2.1-2) */
    if (!logical)
        return d == (l->id & 0xFF);
    uint32_t ldr = l->ldr >> 24;
    if ((l->dfr >> 28) == 0xF)
        return d & ldr; /* flat model */
    /* cluster model: cluster in bits 7:4, members in 3:0 */
    return (d >> 4) == (ldr >> 4) && (d & ldr & 0xF);
}

bool lapic_accepts_fixed(const struct vmp_lapic *l) { return hw_enabled(l) && sw_enabled(l); }

/* INIT (§11.4.7.3): the register state of power-up except the ID, then
 * the vCPU resets and waits for a start-up IPI. */
static void do_init(struct vmp_lapic *l)
{
    regs_reset(l);
    l->init_pending = true;
    kick(l);
}

void lapic_accept(struct vmp_lapic *l, const struct vmp_apic_msg *m)
{
    switch (m->mode) {
    case VMP_APIC_DM_FIXED:
    case VMP_APIC_DM_LOWPRI:
        /* A software-disabled APIC takes no fixed interrupts (§11.4.7.2). */
        if (!sw_enabled(l))
            return;
        accept_fixed(l, m->vector, m->level);
        break;
    case VMP_APIC_DM_NMI:
        l->nmi_pending = true;
        kick(l);
        break;
    case VMP_APIC_DM_INIT:
        do_init(l);
        break;
    case VMP_APIC_DM_STARTUP:
        /* Only a processor waiting for SIPI takes one (SDM vol. 3A §9.4.4);
         * later SIPIs before the vCPU took the first are dropped. The
         * vCPU takes a pending INIT before the SIPI. */
        if (l->wait_sipi && !l->sipi_pending) {
            l->sipi_pending = true;
            l->sipi_vector = m->vector;
            kick(l);
        }
        break;
    case VMP_APIC_DM_EXTINT:
        l->extint_pending = true;
        kick(l);
        break;
    default:
        vmp_logf_limited(l->log, &l->rl, VMP_LOG_WARN,
                         "lapic %u: delivery mode %u not supported", l->id, m->mode);
        break;
    }
}

/* ----- IPIs (§11.6.1) ----- */

static void send_icr(struct vmp_lapic *l)
{
    uint32_t lo = (uint32_t)l->icr;
    unsigned mode = lo >> 8 & 7;
    struct vmp_apic_msg m = {
        .vector = (uint8_t)lo,
        .mode = (uint8_t)mode,
        .logical = lo >> 11 & 1,
        .assert = lo >> 14 & 1,
        .level = lo >> 15 & 1,
        .shorthand = (uint8_t)(lo >> 18 & 3),
        .x2 = x2mode(l),
        .dest = x2mode(l) ? (uint32_t)(l->icr >> 32) : (uint32_t)(l->icr >> 56),
    };
    if (mode == 3 || mode == VMP_APIC_DM_EXTINT) {
        vmp_logf_limited(l->log, &l->rl, VMP_LOG_WARN,
                         "lapic %u: ICR delivery mode %u reserved", l->id, mode);
        return;
    }
    if ((mode == VMP_APIC_DM_FIXED || mode == VMP_APIC_DM_LOWPRI) && m.vector < 16) {
        error(l, ESR_SEND_ILLEGAL);
        return;
    }
    /* Only INIT has a level form; every other IPI is an edge. */
    if (mode != VMP_APIC_DM_INIT) {
        m.level = false;
        m.assert = true;
    }
    vmp_apic_bus_deliver(l->bus, &m, l);
}

/* ----- EOI (§11.8.5) ----- */

static void eoi(struct vmp_lapic *l)
{
    int v = vhighest(l->isr);
    if (v < 0)
        return;
    vclr(l->isr, (unsigned)v);
    if (vtest(l->tmr, (unsigned)v)) {
        vclr(l->tmr, (unsigned)v);
        for (unsigned pin = 0; pin < 2; pin++) {
            uint32_t *lvt = &l->lvt[LVT_LINT0 + pin];
            if ((*lvt & LVT_REMOTE_IRR) && (*lvt & 0xFF) == (uint32_t)v) {
                *lvt &= ~LVT_REMOTE_IRR;
                lint_eval(l, pin, false);
            }
        }
        apic_bus_eoi(l->bus, (uint8_t)v);
    }
    kick_if_deliverable(l);
}

/* ----- registers ----- */

static void svr_write(struct vmp_lapic *l, uint32_t v)
{
    l->svr = v & 0x3FF;
    if (!sw_enabled(l)) /* §11.4.7.2: every LVT mask set */
        for (unsigned i = 0; i < NLVT; i++)
            l->lvt[i] |= LVT_MASKED;
    kick_if_deliverable(l);
}

static void lvt_write(struct vmp_lapic *l, unsigned idx, uint32_t v)
{
    uint32_t old = l->lvt[idx];
    uint32_t nv = v & lvt_wmask[idx];
    if (idx == LVT_LINT0 || idx == LVT_LINT1)
        nv |= old & LVT_REMOTE_IRR;
    if (!sw_enabled(l))
        nv |= LVT_MASKED;
    if (idx == LVT_TIMER && (nv >> 17 & 3) == 3)
        nv &= ~(3u << 17); /* reserved mode: treat as one-shot */
    l->lvt[idx] = nv;
    if (idx == LVT_TIMER) {
        unsigned om = old >> 17 & 3, nm = nv >> 17 & 3;
        if (om != nm && (om == TIMER_TSC || nm == TIMER_TSC)) {
            /* Switching to or from TSC-deadline disarms the timer. */
            vmp_timer_cancel(l->timer);
            l->timer_initial = 0;
            l->tsc_deadline = 0;
        }
    }
    if ((idx == LVT_LINT0 || idx == LVT_LINT1) && (old & LVT_MASKED) && !(nv & LVT_MASKED))
        lint_eval(l, idx - LVT_LINT0, false);
}

/* Read a register by its xAPIC offset; false if it does not exist in the
 * current mode. */
static bool reg_read(struct vmp_lapic *l, unsigned off, uint64_t *val)
{
    bool x2 = x2mode(l);
    switch (off) {
    case 0x20: *val = x2 ? l->id : l->id << 24; return true;
    case 0x30: *val = LAPIC_VERSION; return true;
    case 0x80: *val = l->tpr; return true;
    case 0x90: *val = apr(l); return !x2;
    case 0xA0: *val = ppr(l); return true;
    case 0xB0: *val = 0; return !x2;
    case 0xC0: *val = 0; return !x2;
    case 0xD0: *val = l->ldr; return true;
    case 0xE0: *val = l->dfr; return !x2;
    case 0xF0: *val = l->svr; return true;
    case 0x280: *val = l->esr; return true;
    case 0x300: *val = x2 ? l->icr : (uint32_t)l->icr; return true;
    case 0x310: *val = l->icr >> 32; return !x2;
    case 0x380: *val = l->timer_initial; return true;
    case 0x390: *val = current_count(l); return true;
    case 0x3E0: *val = l->timer_dcr; return true;
    default: break;
    }
    if (off >= 0x100 && off < 0x180) {
        *val = l->isr[(off - 0x100) >> 4];
        return true;
    }
    if (off >= 0x180 && off < 0x200) {
        *val = l->tmr[(off - 0x180) >> 4];
        return true;
    }
    if (off >= 0x200 && off < 0x280) {
        *val = l->irr[(off - 0x200) >> 4];
        return true;
    }
    if (off >= 0x320 && off <= 0x370) {
        *val = l->lvt[(off - 0x320) >> 4];
        return true;
    }
    return false;
}

/* Write by xAPIC offset. In x2APIC mode a write to a read-only register or
 * with reserved bits set returns false (#GP, §11.12.1.2). */
static bool reg_write(struct vmp_lapic *l, unsigned off, uint64_t v)
{
    bool x2 = x2mode(l);
    if (x2 && off != 0x300 && (v >> 32))
        return false;
    uint32_t v32 = (uint32_t)v;
    switch (off) {
    case 0x20:
        if (x2)
            return false;
        l->id = v32 >> 24;
        return true;
    case 0x80:
        if (x2 && (v32 & ~0xFFu))
            return false;
        l->tpr = v32 & 0xFF;
        kick_if_deliverable(l);
        return true;
    case 0xB0:
        if (x2 && v32)
            return false;
        eoi(l);
        return true;
    case 0xD0:
        if (x2)
            return false;
        l->ldr = v32 & 0xFF000000;
        return true;
    case 0xE0:
        if (x2)
            return false;
        l->dfr = v32 | 0x0FFFFFFF;
        return true;
    case 0xF0:
        if (x2 && (v32 & ~0x3FFu))
            return false;
        svr_write(l, v32);
        return true;
    case 0x280:
        if (x2 && v32)
            return false;
        /* A write latches the errors seen since the last one (§11.5.3). */
        l->esr = l->esr_pending;
        l->esr_pending = 0;
        return true;
    case 0x300:
        if (x2) {
            if ((uint32_t)v & ICR_X2_RSVD)
                return false;
            l->icr = v;
        } else {
            l->icr = (l->icr & 0xFFFFFFFF00000000ull) | (v32 & 0x000CCFFFu);
        }
        send_icr(l);
        return true;
    case 0x310:
        if (x2)
            return false;
        l->icr = (l->icr & 0xFFFFFFFFull) | (uint64_t)(v32 & 0xFF000000u) << 32;
        return true;
    case 0x380:
        if (timer_mode(l) != TIMER_TSC) {
            l->timer_initial = v32;
            timer_start(l);
        }
        return true;
    case 0x3E0:
        if (x2 && (v32 & ~0xBu))
            return false;
        dcr_write(l, v32);
        return true;
    case 0x3F0: {
        /* x2APIC self IPI (§11.12.11). */
        if (!x2 || (v32 & ~0xFFu))
            return false;
        struct vmp_apic_msg m = { .vector = (uint8_t)v32, .mode = VMP_APIC_DM_FIXED,
                                  .assert = true, .shorthand = VMP_APIC_SH_SELF, .x2 = true };
        if (m.vector < 16)
            error(l, ESR_SEND_ILLEGAL);
        else
            vmp_apic_bus_deliver(l->bus, &m, l);
        return true;
    }
    default:
        break;
    }
    if (off >= 0x320 && off <= 0x370) {
        unsigned idx = (off - 0x320) >> 4;
        if (x2 && (v32 & ~(lvt_wmask[idx] | 0x5000u)))
            return false;
        lvt_write(l, idx, v32);
        return true;
    }
    /* Read-only registers: x2APIC faults, xAPIC ignores. */
    uint64_t dummy;
    if (reg_read(l, off, &dummy))
        return !x2;
    return false;
}

static uint64_t mmio_read(void *dev, uint64_t off, unsigned size)
{
    struct vmp_lapic *l = dev;
    uint64_t mask = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
    if (!hw_enabled(l) || x2mode(l))
        return mask;
    unsigned reg = (unsigned)(off & 0xFF0), byte = (unsigned)(off & 0xF);
    uint64_t v;
    if (off > 0xFFF || !reg_read(l, reg, &v)) {
        error(l, ESR_ILLEGAL_REG);
        return 0;
    }
    /* Registers are 32 bits at 16-byte strides; the rest reads 0. */
    return byte < 4 ? ((uint32_t)v >> (byte * 8)) & mask : 0;
}

static void mmio_write(void *dev, uint64_t off, uint64_t v, unsigned size)
{
    struct vmp_lapic *l = dev;
    if (!hw_enabled(l) || x2mode(l))
        return;
    if (off > 0xFFF || (off & 0xF) || size != 4) {
        vmp_logf_limited(l->log, &l->rl, VMP_LOG_WARN,
                         "lapic %u: unaligned %u-byte write at %#llx dropped", l->id, size,
                         (unsigned long long)off);
        return;
    }
    if (!reg_write(l, (unsigned)off, v & 0xFFFFFFFF))
        error(l, ESR_ILLEGAL_REG);
}

const struct vmp_io_ops vmp_lapic_io_ops = { mmio_read, mmio_write, 4 };

uint64_t vmp_lapic_mmio_base(const struct vmp_lapic *l)
{
    if (!hw_enabled(l) || x2mode(l))
        return UINT64_MAX;
    return l->apic_base & ~0xFFFull & ((1ull << 52) - 1);
}

/* ----- MSRs ----- */

bool vmp_lapic_owns_msr(uint32_t msr)
{
    return msr == VMP_MSR_APIC_BASE || msr == VMP_MSR_TSC_DEADLINE ||
           (msr >= VMP_MSR_X2APIC_FIRST && msr <= VMP_MSR_X2APIC_LAST);
}

/* IA32_APIC_BASE (§11.4.4, state transitions §11.12.5 figure 11-27). */
static int apic_base_write(struct vmp_lapic *l, uint64_t v)
{
    const uint64_t rsvd = 0xFFF00000000002FFull; /* bits 0-7, 9, 52-63 */
    if (v & rsvd)
        return -EINVAL;
    bool en = v & VMP_APIC_BASE_EN, extd = v & VMP_APIC_BASE_EXTD;
    bool was_en = hw_enabled(l), was_x2 = x2mode(l);
    if (extd && !l->cfg.x2apic)
        return -EINVAL;
    if (extd && !en)
        return -EINVAL; /* invalid state */
    if (was_x2 && en && !extd)
        return -EINVAL; /* x2APIC to xAPIC must pass through disabled */
    if (!was_en && extd)
        return -EINVAL; /* disabled to x2APIC must pass through xAPIC */
    l->apic_base = (v & ~VMP_APIC_BASE_BSP) | (l->apic_base & VMP_APIC_BASE_BSP);
    if (was_en && !en) {
        /* Global disable: the APIC returns to its power-up state. */
        l->id = l->cfg.apic_id & 0xFF;
        regs_reset(l);
    } else if (!was_x2 && extd) {
        l->id = l->cfg.apic_id;
        x2_ldr(l);
    }
    kick_if_deliverable(l);
    return 0;
}

int vmp_lapic_msr_read(struct vmp_lapic *l, uint32_t msr, uint64_t *value)
{
    if (msr == VMP_MSR_APIC_BASE) {
        *value = l->apic_base;
        return 0;
    }
    if (msr == VMP_MSR_TSC_DEADLINE) {
        *value = timer_mode(l) == TIMER_TSC ? l->tsc_deadline : 0;
        return 0;
    }
    if (msr < VMP_MSR_X2APIC_FIRST || msr > VMP_MSR_X2APIC_LAST || !x2mode(l))
        return -EINVAL;
    uint64_t v;
    if (!reg_read(l, (msr - VMP_MSR_X2APIC_FIRST) << 4, &v))
        return -EINVAL;
    *value = v;
    return 0;
}

int vmp_lapic_msr_write(struct vmp_lapic *l, uint32_t msr, uint64_t value)
{
    if (msr == VMP_MSR_APIC_BASE)
        return apic_base_write(l, value);
    if (msr == VMP_MSR_TSC_DEADLINE) {
        tsc_deadline_write(l, value);
        return 0;
    }
    if (msr < VMP_MSR_X2APIC_FIRST || msr > VMP_MSR_X2APIC_LAST || !x2mode(l))
        return -EINVAL;
    return reg_write(l, (msr - VMP_MSR_X2APIC_FIRST) << 4, value) ? 0 : -EINVAL;
}

/* ----- the vCPU backend's side ----- */

bool vmp_lapic_has_interrupt(const struct vmp_lapic *l, uint64_t rflags)
{
    if (!(rflags & (1u << 9))) /* IF */
        return false;
    return extint_ready(l) || deliverable(l) >= 0;
}

int vmp_lapic_ack(struct vmp_lapic *l)
{
    if (extint_ready(l)) {
        /* ExtINT: the vector comes from the 8259A's INTA cycle. */
        l->extint_pending = false;
        return apic_bus_extint_ack(l->bus);
    }
    if (!hw_enabled(l))
        return -ENOENT;
    int v = deliverable(l);
    if (v < 0)
        return (int)(l->svr & 0xFF); /* spurious (§11.9) */
    vclr(l->irr, (unsigned)v);
    vset(l->isr, (unsigned)v);
    return v;
}

bool vmp_lapic_take_nmi(struct vmp_lapic *l)
{
    bool p = l->nmi_pending;
    l->nmi_pending = false;
    return p;
}

bool vmp_lapic_take_init(struct vmp_lapic *l)
{
    bool p = l->init_pending;
    l->init_pending = false;
    return p;
}

int vmp_lapic_take_sipi(struct vmp_lapic *l)
{
    if (!l->sipi_pending)
        return -ENOENT;
    l->sipi_pending = false;
    l->wait_sipi = false;
    return l->sipi_vector;
}

bool vmp_lapic_wants_wakeup(const struct vmp_lapic *l, uint64_t rflags)
{
    return l->nmi_pending || l->init_pending || l->sipi_pending ||
           vmp_lapic_has_interrupt(l, rflags);
}

void vmp_lapic_set_cr8(struct vmp_lapic *l, uint8_t cr8)
{
    l->tpr = (uint32_t)(cr8 & 0xF) << 4;
    kick_if_deliverable(l);
}

uint8_t vmp_lapic_get_cr8(const struct vmp_lapic *l) { return (uint8_t)(l->tpr >> 4 & 0xF); }

uint32_t vmp_lapic_id(const struct vmp_lapic *l) { return l->id; }
uint64_t vmp_lapic_apic_base(const struct vmp_lapic *l) { return l->apic_base; }
bool vmp_lapic_irr_test(const struct vmp_lapic *l, uint8_t v) { return vtest(l->irr, v); }
bool vmp_lapic_isr_test(const struct vmp_lapic *l, uint8_t v) { return vtest(l->isr, v); }
bool vmp_lapic_tmr_test(const struct vmp_lapic *l, uint8_t v) { return vtest(l->tmr, v); }

/* ----- life cycle ----- */

struct vmp_lapic *vmp_lapic_create(const struct vmp_env *env, struct vmp_apic_bus *bus,
                                   const struct vmp_lapic_cfg *cfg)
{
    if (!env || !env->clock || !bus || !cfg)
        return NULL;
    if (!cfg->x2apic && cfg->apic_id > 0xFE)
        return NULL;
    struct vmp_lapic *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->bus = bus;
    l->clock = env->clock;
    l->log = env->log;
    l->cfg = *cfg;
    if (!l->cfg.timer_hz)
        l->cfg.timer_hz = VMP_LAPIC_TIMER_HZ_DEFAULT;
    if (!l->cfg.tsc_hz)
        l->cfg.tsc_hz = VMP_TSC_HZ_DEFAULT;
    if (!l->cfg.min_period_ns)
        l->cfg.min_period_ns = VMP_LAPIC_MIN_PERIOD_NS_DEFAULT;
    l->timer = vmp_timer_create(env->clock, timer_fire, l);
    if (!l->timer || apic_bus_join(bus, l, cfg->apic_id & (cfg->x2apic ? ~0u : 0xFFu))) {
        vmp_timer_destroy(l->timer);
        free(l);
        return NULL;
    }
    vmp_lapic_reset(l);
    l->lint[0] = bus->lint[0];
    l->lint[1] = bus->lint[1];
    return l;
}

void vmp_lapic_destroy(struct vmp_lapic *l)
{
    if (!l)
        return;
    apic_bus_leave(l->bus, l);
    vmp_timer_destroy(l->timer);
    free(l);
}

/* ----- save/load ----- */

#define LAPIC_STATE_VERSION 1

int vmp_lapic_save(const struct vmp_lapic *l, struct vmp_state_writer *w)
{
    vmp_state_begin(w, "lapic", LAPIC_STATE_VERSION);
    vmp_state_put_u64(w, l->apic_base);
    vmp_state_put_u32(w, l->id);
    vmp_state_put_u32(w, l->tpr);
    vmp_state_put_u32(w, l->ldr);
    vmp_state_put_u32(w, l->dfr);
    vmp_state_put_u32(w, l->svr);
    vmp_state_put_u32(w, l->esr);
    vmp_state_put_u32(w, l->esr_pending);
    for (unsigned i = 0; i < 8; i++) {
        vmp_state_put_u32(w, l->irr[i]);
        vmp_state_put_u32(w, l->isr[i]);
        vmp_state_put_u32(w, l->tmr[i]);
    }
    vmp_state_put_u64(w, l->icr);
    for (unsigned i = 0; i < NLVT; i++)
        vmp_state_put_u32(w, l->lvt[i]);
    vmp_state_put_u32(w, l->timer_initial);
    vmp_state_put_u32(w, l->timer_dcr);
    vmp_state_put_u64(w, l->timer_start);
    vmp_state_put_u64(w, l->tsc_deadline);
    vmp_state_put_timer(w, l->timer);
    vmp_state_put_bool(w, l->lint[0]);
    vmp_state_put_bool(w, l->lint[1]);
    vmp_state_put_bool(w, l->nmi_pending);
    vmp_state_put_bool(w, l->init_pending);
    vmp_state_put_bool(w, l->sipi_pending);
    vmp_state_put_bool(w, l->wait_sipi);
    vmp_state_put_bool(w, l->extint_pending);
    vmp_state_put_u8(w, l->sipi_vector);
    vmp_state_end(w);
    return vmp_state_writer_error(w);
}

int vmp_lapic_load(struct vmp_lapic *l, struct vmp_state_reader *r)
{
    uint32_t ver;
    struct vmp_lapic s = *l;
    int err = vmp_state_open(r, "lapic", LAPIC_STATE_VERSION, &ver);
    if (err)
        return err;
    s.apic_base = vmp_state_get_u64(r);
    s.id = vmp_state_get_u32(r);
    s.tpr = vmp_state_get_u32_max(r, 0xFF);
    s.ldr = vmp_state_get_u32(r);
    s.dfr = vmp_state_get_u32(r);
    s.svr = vmp_state_get_u32_max(r, 0x3FF);
    s.esr = vmp_state_get_u32_max(r, 0xFF);
    s.esr_pending = vmp_state_get_u32_max(r, 0xFF);
    for (unsigned i = 0; i < 8; i++) {
        s.irr[i] = vmp_state_get_u32(r);
        s.isr[i] = vmp_state_get_u32(r);
        s.tmr[i] = vmp_state_get_u32(r);
    }
    s.icr = vmp_state_get_u64(r);
    for (unsigned i = 0; i < NLVT; i++) {
        s.lvt[i] = vmp_state_get_u32(r);
        if (s.lvt[i] & ~(lvt_wmask[i] | LVT_REMOTE_IRR))
            vmp_state_fail(r, -EINVAL);
    }
    s.timer_initial = vmp_state_get_u32(r);
    s.timer_dcr = vmp_state_get_u32_max(r, 0xB);
    s.timer_start = vmp_state_get_u64(r);
    s.tsc_deadline = vmp_state_get_u64(r);
    uint64_t due = vmp_state_get_timer(r);
    s.lint[0] = vmp_state_get_bool(r);
    s.lint[1] = vmp_state_get_bool(r);
    s.nmi_pending = vmp_state_get_bool(r);
    s.init_pending = vmp_state_get_bool(r);
    s.sipi_pending = vmp_state_get_bool(r);
    s.wait_sipi = vmp_state_get_bool(r);
    s.extint_pending = vmp_state_get_bool(r);
    s.sipi_vector = vmp_state_get_u8(r);
    /* Valid APIC base: no reserved bits, no EXTD without EN or support,
     * BSP as configured; an xAPIC ID fits 8 bits. */
    bool en = s.apic_base & VMP_APIC_BASE_EN, extd = s.apic_base & VMP_APIC_BASE_EXTD;
    if ((s.apic_base & 0xFFF00000000002FFull) || (extd && (!en || !l->cfg.x2apic)) ||
        (s.apic_base & VMP_APIC_BASE_BSP) != (l->apic_base & VMP_APIC_BASE_BSP) ||
        (!(en && extd) && s.id > 0xFF) || (en && extd && s.id != l->cfg.apic_id) ||
        (s.irr[0] & 0xFFFF) || (s.isr[0] & 0xFFFF) || ((s.lvt[LVT_TIMER] >> 17 & 3) == 3) ||
        (s.timer_dcr & 4) || (due != VMP_TIME_NEVER && s.timer_start > due))
        vmp_state_fail(r, -EINVAL);
    err = vmp_state_close(r);
    if (err)
        return err;
    *l = s;
    l->timer_due = due;
    if (due == VMP_TIME_NEVER)
        vmp_timer_cancel(l->timer);
    else
        vmp_timer_arm(l->timer, due);
    return 0;
}

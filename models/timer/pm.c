/* ACPI fixed hardware: PM1a event and control registers, the power
 * management timer and the GPE0 block (ACPI 6.5 §4.8.3 "Fixed Hardware
 * Features", §4.8.3.3 "Power Management Timer", §4.8.4.1 GPE blocks).
 *
 * The timer value is floor(now * 3.579545 MHz / 1e9) truncated to 24 or
 * 32 bits. TMR_STS is set whenever the counter's top bit changes
 * (§4.8.3.3); it is computed from the time too: it is set once a toggle
 * happened after the last time software cleared it. A virtual timer is
 * armed only while TMR_EN is set, for the next toggle, to raise the SCI. */
#include <stdlib.h>
#include <string.h>

#include <vmparts/timer.h>

#include "ticks.h"

struct vmp_pm {
    struct vmp_env env;
    struct vmp_irq *sci;
    struct vmp_pm_config cfg;
    struct vmp_timer *timer;
    struct vmp_ratelimit rl;
    uint16_t sts;         /* PM1_STS except TMR_STS */
    uint16_t en;          /* PM1_EN */
    uint16_t cnt;         /* PM1_CNT (SLP_EN, GBL_RLS never stored) */
    uint64_t tmr_clear;   /* tick of the last TMR_STS clear (or reset) */
    uint8_t gpe_sts[8], gpe_en[8];
    bool sci_level;
    bool powered_off;
};

#define PM1_STS_W1C 0xC731u /* implemented status bits */
#define PM1_EN_RW 0x4721u
#define PM1_SCI_SRC 0x0721u /* bit 14 of PM1_EN is a disable */

static unsigned tmr_bits(const struct vmp_pm *pm) { return pm->cfg.tmr_val_ext ? 32 : 24; }

static uint64_t now_tick(const struct vmp_pm *pm)
{
    return tmr_ns_to_ticks(vmp_clock_now(pm->env.clock), VMP_PM_TMR_HZ);
}

/* TMR_STS: the counter's MSB toggles every 2^(bits-1) ticks. */
static bool tmr_sts(const struct vmp_pm *pm, uint64_t t)
{
    unsigned s = tmr_bits(pm) - 1;
    return (t >> s) > (pm->tmr_clear >> s);
}

static uint16_t pm1_sts(const struct vmp_pm *pm, uint64_t t)
{
    return (uint16_t)(pm->sts | (tmr_sts(pm, t) ? VMP_PM1_TMR : 0));
}

static bool gpe_pending(const struct vmp_pm *pm)
{
    for (unsigned i = 0; i < 8; i++)
        if (pm->gpe_sts[i] & pm->gpe_en[i])
            return true;
    return false;
}

/* SCI is the OR of every enabled status (§4.8.3.1); with SCI_EN clear the
 * events would go to SMI, which this board does not have. */
static void update_sci(struct vmp_pm *pm, uint64_t t)
{
    bool level = (pm->cnt & VMP_PM1_SCI_EN) &&
                 ((pm1_sts(pm, t) & pm->en & PM1_SCI_SRC) || gpe_pending(pm));
    if (level != pm->sci_level) {
        pm->sci_level = level;
        vmp_irq_set(pm->sci, level);
    }
}

static void arm(struct vmp_pm *pm, uint64_t t)
{
    if ((pm->en & VMP_PM1_TMR) && !tmr_sts(pm, t)) {
        unsigned s = tmr_bits(pm) - 1;
        uint64_t next = ((pm->tmr_clear >> s) + 1) << s;
        vmp_timer_arm(pm->timer, vmp_ticks_to_ns_ceil(next, VMP_PM_TMR_HZ));
    } else {
        vmp_timer_cancel(pm->timer);
    }
}

static void refresh(struct vmp_pm *pm)
{
    uint64_t t = now_tick(pm);
    update_sci(pm, t);
    arm(pm, t);
}

static void pm_timer_fn(void *opaque) { refresh(opaque); }

uint32_t vmp_pm_timer_value(struct vmp_pm *pm)
{
    uint64_t t = now_tick(pm);
    return pm->cfg.tmr_val_ext ? (uint32_t)t : (uint32_t)(t & 0xFFFFFF);
}

static uint8_t read_byte(struct vmp_pm *pm, unsigned off, uint64_t t)
{
    if (off < 2)
        return (uint8_t)(pm1_sts(pm, t) >> (8 * off));
    if (off < 4)
        return (uint8_t)(pm->en >> (8 * (off - 2)));
    if (off < 6) /* SLP_EN and GBL_RLS are write-only and read 0 */
        return (uint8_t)(pm->cnt >> (8 * (off - 4)));
    if (off >= VMP_PM_TMR_OFF && off < VMP_PM_TMR_OFF + 4) {
        uint32_t v = pm->cfg.tmr_val_ext ? (uint32_t)t : (uint32_t)(t & 0xFFFFFF);
        return (uint8_t)(v >> (8 * (off - VMP_PM_TMR_OFF)));
    }
    if (off >= VMP_GPE0_OFF && off < VMP_GPE0_OFF + 8)
        return pm->gpe_sts[off - VMP_GPE0_OFF];
    if (off >= VMP_GPE0_OFF + 8 && off < VMP_GPE0_OFF + 16)
        return pm->gpe_en[off - VMP_GPE0_OFF - 8];
    return 0xFF; /* reserved ports in the region */
}

static void write_cnt_high(struct vmp_pm *pm, uint8_t v)
{
    uint16_t hi = (uint16_t)(v << 8);
    pm->cnt = (uint16_t)((pm->cnt & 0x00FF) | (hi & VMP_PM1_SLP_TYP_MASK));
    if (!(hi & VMP_PM1_SLP_EN))
        return;
    unsigned typ = (hi & VMP_PM1_SLP_TYP_MASK) >> VMP_PM1_SLP_TYP_SHIFT;
    if (typ == VMP_PM_SLP_TYP_S5) { /* §4.8.3.2.1: SLP_EN enters the state */
        vmp_logf(pm->env.log, VMP_LOG_INFO, "pm: S5 requested, powering off");
        pm->powered_off = true;
        if (pm->cfg.power_off)
            pm->cfg.power_off(pm->cfg.opaque);
    } else {
        /* No other sleep state is offered in \_Sx: treat as a no-op. */
        vmp_logf_limited(pm->env.log, &pm->rl, VMP_LOG_WARN,
                         "pm: SLP_EN with unsupported SLP_TYP %u ignored", typ);
    }
}

static void write_byte(struct vmp_pm *pm, unsigned off, uint8_t v, uint64_t t)
{
    if (off < 2) {
        uint16_t bits = (uint16_t)(v << (8 * off)) & PM1_STS_W1C;
        if (bits & VMP_PM1_TMR)
            pm->tmr_clear = t;
        pm->sts &= (uint16_t)~bits;
    } else if (off < 4) {
        unsigned sh = 8 * (off - 2);
        pm->en = (uint16_t)((pm->en & ~(0xFFu << sh)) | ((unsigned)v << sh)) & PM1_EN_RW;
    } else if (off == 4) { /* SCI_EN, BM_RLD kept; GBL_RLS is a strobe */
        pm->cnt = (uint16_t)((pm->cnt & 0xFF00) | (v & (VMP_PM1_SCI_EN | VMP_PM1_BM_RLD)));
    } else if (off == 5) {
        write_cnt_high(pm, v);
    } else if (off >= VMP_GPE0_OFF && off < VMP_GPE0_OFF + 8) {
        pm->gpe_sts[off - VMP_GPE0_OFF] &= (uint8_t)~v;
    } else if (off >= VMP_GPE0_OFF + 8 && off < VMP_GPE0_OFF + 16) {
        pm->gpe_en[off - VMP_GPE0_OFF - 8] = v;
    }
    /* PM_TMR is read-only; other ports are reserved. */
}

static uint64_t pm_read(void *dev, uint64_t off, unsigned size)
{
    struct vmp_pm *pm = dev;
    uint64_t t = now_tick(pm);
    if (off == VMP_PM_TMR_OFF && size == 4) /* the hot path */
        return pm->cfg.tmr_val_ext ? (uint32_t)t : (uint32_t)(t & 0xFFFFFF);
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)read_byte(pm, (unsigned)(off + i) & (VMP_PM_LEN - 1), t) << (8 * i);
    return v;
}

static void pm_write(void *dev, uint64_t off, uint64_t value, unsigned size)
{
    struct vmp_pm *pm = dev;
    uint64_t t = now_tick(pm);
    for (unsigned i = 0; i < size; i++)
        write_byte(pm, (unsigned)(off + i) & (VMP_PM_LEN - 1), (uint8_t)(value >> (8 * i)), t);
    refresh(pm);
}

const struct vmp_io_ops vmp_pm_io_ops = { pm_read, pm_write, 4 };

void vmp_pm_reset(struct vmp_pm *pm)
{
    pm->sts = 0;
    pm->en = 0;
    pm->cnt = pm->cfg.sci_en ? VMP_PM1_SCI_EN : 0;
    pm->tmr_clear = now_tick(pm);
    memset(pm->gpe_sts, 0, sizeof pm->gpe_sts);
    memset(pm->gpe_en, 0, sizeof pm->gpe_en);
    pm->powered_off = false;
    vmp_ratelimit_reset(&pm->rl);
    refresh(pm);
}

struct vmp_pm *vmp_pm_create(const struct vmp_env *env, struct vmp_irq *sci,
                             const struct vmp_pm_config *cfg)
{
    if (!env || !env->clock)
        return NULL;
    struct vmp_pm *pm = calloc(1, sizeof *pm);
    if (!pm)
        return NULL;
    pm->env = *env;
    pm->sci = sci;
    if (cfg)
        pm->cfg = *cfg;
    pm->timer = vmp_timer_create(env->clock, pm_timer_fn, pm);
    if (!pm->timer) {
        free(pm);
        return NULL;
    }
    vmp_pm_reset(pm);
    return pm;
}

void vmp_pm_destroy(struct vmp_pm *pm)
{
    if (!pm)
        return;
    vmp_timer_destroy(pm->timer);
    free(pm);
}

int vmp_pm_attach(struct vmp_pm *pm, struct vmp_space *pio, uint64_t base)
{
    return vmp_space_map(pio, base, VMP_PM_LEN, &vmp_pm_io_ops, pm);
}

void vmp_pm_power_button(struct vmp_pm *pm)
{
    pm->sts |= VMP_PM1_PWRBTN;
    refresh(pm);
}

void vmp_pm_gpe_raise(struct vmp_pm *pm, unsigned bit)
{
    if (bit >= VMP_GPE0_BITS)
        return;
    pm->gpe_sts[bit / 8] |= (uint8_t)(1u << (bit % 8));
    refresh(pm);
}

#define PM_STATE_VERSION 1

int vmp_pm_save(const struct vmp_pm *pm, struct vmp_state_writer *w)
{
    vmp_state_begin(w, "pm", PM_STATE_VERSION);
    vmp_state_put_u16(w, pm->sts);
    vmp_state_put_u16(w, pm->en);
    vmp_state_put_u16(w, pm->cnt);
    vmp_state_put_u64(w, pm->tmr_clear);
    vmp_state_put_bytes(w, pm->gpe_sts, 8);
    vmp_state_put_bytes(w, pm->gpe_en, 8);
    vmp_state_put_bool(w, pm->powered_off);
    vmp_state_end(w);
    return vmp_state_writer_error(w);
}

int vmp_pm_load(struct vmp_pm *pm, struct vmp_state_reader *r)
{
    uint32_t ver;
    int err = vmp_state_open(r, "pm", PM_STATE_VERSION, &ver);
    if (err)
        return err;
    uint16_t sts = vmp_state_get_u16(r);
    uint16_t en = vmp_state_get_u16(r);
    uint16_t cnt = vmp_state_get_u16(r);
    uint64_t tmr_clear = vmp_state_get_u64(r);
    uint8_t gs[8], ge[8];
    vmp_state_get_bytes(r, gs, 8);
    vmp_state_get_bytes(r, ge, 8);
    bool off = vmp_state_get_bool(r);
    if ((sts & ~PM1_STS_W1C) || (sts & VMP_PM1_TMR) || (en & ~PM1_EN_RW) ||
        (cnt & ~(VMP_PM1_SCI_EN | VMP_PM1_BM_RLD | VMP_PM1_SLP_TYP_MASK)) ||
        tmr_clear >= (uint64_t)1 << 62)
        vmp_state_fail(r, -EINVAL);
    err = vmp_state_close(r);
    if (err)
        return err;
    pm->sts = sts;
    pm->en = en;
    pm->cnt = cnt;
    pm->tmr_clear = tmr_clear;
    memcpy(pm->gpe_sts, gs, 8);
    memcpy(pm->gpe_en, ge, 8);
    pm->powered_off = off;
    refresh(pm);
    return 0;
}

/* Intel 8259A programmable interrupt controller pair, cascaded through the
 * master's IR2, with the PIIX/EISA edge/level control register (ELCR).
 * Section names refer to the 8259A datasheet (order no. 231468). */
#include <stdlib.h>
#include <string.h>

#include <vmparts/irq.h>

#define ICW1_IC4 0x01
#define ICW1_SNGL 0x02
#define ICW1_LTIM 0x08
#define ICW1_INIT 0x10
#define ICW4_UPM 0x01
#define ICW4_AEOI 0x02
#define ICW4_SFNM 0x10
#define OCW3_RIS 0x01
#define OCW3_RR 0x02
#define OCW3_P 0x04
#define OCW3_SMM 0x20
#define OCW3_ESMM 0x40

/* ELCR bits that exist: IRQ0-2 and IRQ8/IRQ13 are always edge (PIIX). */
static const uint8_t elcr_mask[2] = { 0xF8, 0xDE };

struct chip {
    uint8_t irr;       /* edge latches, and line levels of level pins */
    uint8_t isr, imr;
    uint8_t lines;     /* current input levels */
    uint8_t base;      /* ICW2 T7-T3 */
    uint8_t icw1, icw3, icw4;
    uint8_t init_step; /* 0 operational, else the ICW expected next (2-4) */
    uint8_t low;       /* the level with the lowest priority */
    uint8_t elcr;
    bool smm, poll, read_isr, rotate_aeoi;
};

struct vmp_pic {
    struct chip c[2]; /* master, slave */
    bool intr_level;
    struct vmp_irq *intr;
    const struct vmp_log *log;
    struct vmp_ratelimit rl;
};

static uint8_t level_mask(const struct chip *c)
{
    return (c->icw1 & ICW1_LTIM) ? 0xFF : c->elcr;
}

/* Rank 0 is the highest priority: the level after the lowest one
 * ("Priority Rotation", fully nested order IR0 > ... > IR7 by default). */
static unsigned rank(const struct chip *c, unsigned irq)
{
    return (irq - c->low - 1) & 7;
}

static int highest(const struct chip *c, uint8_t mask)
{
    for (unsigned i = 0; i < 8; i++) {
        unsigned irq = (c->low + 1 + i) & 7;
        if (mask >> irq & 1)
            return (int)irq;
    }
    return -1;
}

/* The request the chip would signal on INT now, or -1. In-service levels
 * of equal or higher priority block it; special mask mode ignores masked
 * in-service levels ("Special Mask Mode"); special fully nested mode lets
 * the slave's IR2 through on the master ("Special Fully Nest Mode"). */
static int request(const struct chip *c, bool master)
{
    int irq = highest(c, c->irr & ~c->imr);
    if (irq < 0)
        return -1;
    uint8_t block = c->isr;
    if (c->smm)
        block &= ~c->imr;
    if (master && (c->icw4 & ICW4_SFNM))
        block &= ~(1u << 2);
    int cur = highest(c, block);
    if (cur >= 0 && rank(c, (unsigned)irq) >= rank(c, (unsigned)cur))
        return -1;
    return irq;
}

static void chip_pin(struct chip *c, unsigned pin, bool level)
{
    uint8_t bit = (uint8_t)(1u << pin);
    bool old = c->lines & bit;
    c->lines = level ? (c->lines | bit) : (c->lines & ~bit);
    if (level_mask(c) & bit) {
        c->irr = level ? (c->irr | bit) : (c->irr & ~bit);
    } else if (level && !old) {
        /* Edge: the rising edge latches IRR. The latch is kept when the
         * line falls again before INTA: models pulse lines far faster
         * than any acknowledge cycle. */
        c->irr |= bit;
    }
}

static void update(struct vmp_pic *p)
{
    chip_pin(&p->c[0], 2, request(&p->c[1], false) >= 0);
    bool out = request(&p->c[0], true) >= 0;
    if (out != p->intr_level) {
        p->intr_level = out;
        vmp_irq_set(p->intr, out);
    }
}

/* The acknowledge side of INTA (or a poll): ISR set unless AEOI, the
 * edge latch cleared ("Interrupt Sequence" steps 4-5). */
static void chip_ack(struct chip *c, unsigned irq)
{
    uint8_t bit = (uint8_t)(1u << irq);
    if (!(level_mask(c) & bit))
        c->irr &= ~bit;
    if (!(c->icw4 & ICW4_AEOI))
        c->isr |= bit;
    else if (c->rotate_aeoi)
        c->low = (uint8_t)irq;
}

uint8_t vmp_pic_ack(struct vmp_pic *p)
{
    struct chip *m = &p->c[0], *s = &p->c[1];
    uint8_t vec;
    int irq = request(m, true);
    if (irq < 0) {
        vec = m->base | 7; /* spurious IR7 */
    } else {
        chip_ack(m, (unsigned)irq);
        if (irq == 2 && !(m->icw1 & ICW1_SNGL)) {
            int sirq = request(s, false);
            if (sirq < 0) {
                vec = s->base | 7; /* spurious IR15 */
            } else {
                chip_ack(s, (unsigned)sirq);
                vec = (uint8_t)(s->base | sirq);
            }
            /* The slave's INT drops during INTA; a request still pending
             * raises it again, a fresh edge on the master's IR2. */
            m->lines &= ~4u;
        } else {
            vec = (uint8_t)(m->base | irq);
        }
    }
    /* Likewise INT: a new edge for the IOAPIC's ExtINT pin if more is
     * pending after this acknowledge. */
    if (p->intr_level) {
        p->intr_level = false;
        vmp_irq_set(p->intr, false);
    }
    update(p);
    return vec;
}

int vmp_pic_extint_ack(void *pic) { return vmp_pic_ack(pic); }

bool vmp_pic_intr(const struct vmp_pic *p) { return p->intr_level; }

void vmp_pic_set_irq(void *opaque, unsigned pin, bool level)
{
    struct vmp_pic *p = opaque;
    if (pin >= 16 || pin == 2)
        return; /* IR2 is the cascade input, not an ISA line */
    chip_pin(&p->c[pin >> 3], pin & 7, level);
    update(p);
}

static void chip_reset(struct chip *c)
{
    memset(c, 0, sizeof *c);
    c->low = 7;
}

void vmp_pic_reset(struct vmp_pic *p)
{
    /* Pin levels belong to the wires, not to the chip: keep them. */
    uint8_t lines[2] = { p->c[0].lines, p->c[1].lines };
    for (unsigned i = 0; i < 2; i++) {
        chip_reset(&p->c[i]);
        p->c[i].lines = lines[i];
    }
    p->c[0].lines &= ~4u;
    update(p);
}

/* ICW1 ("Initialization Command Words"): edge latches reset, IMR and ISR
 * cleared, IR7 lowest priority, special mask mode off, reads select IRR,
 * ICW4 functions zero unless IC4. */
static void icw1(struct chip *c, uint8_t v)
{
    c->icw1 = v;
    c->init_step = 2;
    c->imr = 0;
    c->isr = 0;
    c->irr = level_mask(c) & c->lines;
    c->low = 7;
    c->smm = false;
    c->poll = false;
    c->read_isr = false;
    c->rotate_aeoi = false;
    if (!(v & ICW1_IC4))
        c->icw4 = 0;
}

static void ocw2(struct chip *c, uint8_t v)
{
    unsigned l = v & 7;
    int cur;
    switch (v >> 5) {
    case 1: /* non-specific EOI */
    case 5: /* rotate on non-specific EOI */
        cur = highest(c, c->isr);
        if (cur >= 0) {
            c->isr &= ~(1u << cur);
            if (v >> 5 == 5)
                c->low = (uint8_t)cur;
        }
        break;
    case 3: /* specific EOI */
        c->isr &= ~(1u << l);
        break;
    case 7: /* rotate on specific EOI */
        c->isr &= ~(1u << l);
        c->low = (uint8_t)l;
        break;
    case 6: /* set priority */
        c->low = (uint8_t)l;
        break;
    case 4: c->rotate_aeoi = true; break;
    case 0: c->rotate_aeoi = false; break;
    default: break; /* 2: no operation */
    }
}

static void ocw3(struct chip *c, uint8_t v)
{
    if (v & OCW3_ESMM)
        c->smm = v & OCW3_SMM;
    if (v & OCW3_P)
        c->poll = true;
    if (v & OCW3_RR)
        c->read_isr = v & OCW3_RIS;
}

static void chip_write(struct vmp_pic *p, unsigned idx, uint64_t port, uint8_t v)
{
    struct chip *c = &p->c[idx];
    if (port == 0) {
        if (v & ICW1_INIT)
            icw1(c, v);
        else if (v & 0x08)
            ocw3(c, v);
        else
            ocw2(c, v);
    } else {
        switch (c->init_step) {
        case 2:
            c->base = v & 0xF8;
            c->init_step = !(c->icw1 & ICW1_SNGL) ? 3 : (c->icw1 & ICW1_IC4) ? 4 : 0;
            break;
        case 3:
            c->icw3 = v;
            c->init_step = (c->icw1 & ICW1_IC4) ? 4 : 0;
            break;
        case 4:
            c->icw4 = v & 0x1F;
            c->init_step = 0;
            if (!(v & ICW4_UPM))
                vmp_logf_limited(p->log, &p->rl, VMP_LOG_WARN,
                                 "pic%u: MCS-80/85 mode not supported, using 8086 mode", idx);
            break;
        default:
            c->imr = v; /* OCW1 */
            break;
        }
    }
    update(p);
}

static uint8_t chip_read(struct vmp_pic *p, unsigned idx, uint64_t port)
{
    struct chip *c = &p->c[idx];
    if (port == 1)
        return c->imr;
    if (c->poll) {
        /* Poll command: the read is the acknowledge ("The Poll Command"). */
        c->poll = false;
        int irq = request(c, idx == 0);
        if (irq < 0)
            return 0;
        chip_ack(c, (unsigned)irq);
        update(p);
        return (uint8_t)(0x80 | irq);
    }
    return c->read_isr ? c->isr : c->irr;
}

static uint64_t master_read(void *dev, uint64_t off, unsigned size)
{
    (void)size;
    return chip_read(dev, 0, off & 1);
}
static void master_write(void *dev, uint64_t off, uint64_t v, unsigned size)
{
    (void)size;
    chip_write(dev, 0, off & 1, (uint8_t)v);
}
static uint64_t slave_read(void *dev, uint64_t off, unsigned size)
{
    (void)size;
    return chip_read(dev, 1, off & 1);
}
static void slave_write(void *dev, uint64_t off, uint64_t v, unsigned size)
{
    (void)size;
    chip_write(dev, 1, off & 1, (uint8_t)v);
}
static uint64_t elcr_read(void *dev, uint64_t off, unsigned size)
{
    struct vmp_pic *p = dev;
    (void)size;
    return p->c[off & 1].elcr;
}
static void elcr_write(void *dev, uint64_t off, uint64_t v, unsigned size)
{
    struct vmp_pic *p = dev;
    struct chip *c = &p->c[off & 1];
    (void)size;
    c->elcr = (uint8_t)v & elcr_mask[off & 1];
    /* Pins now level-sensitive follow their line at once. */
    uint8_t lm = level_mask(c);
    c->irr = (uint8_t)((c->irr & ~lm) | (c->lines & lm));
    update(p);
}

const struct vmp_io_ops vmp_pic_master_io_ops = { master_read, master_write, 1 };
const struct vmp_io_ops vmp_pic_slave_io_ops = { slave_read, slave_write, 1 };
const struct vmp_io_ops vmp_pic_elcr_io_ops = { elcr_read, elcr_write, 1 };

int vmp_pic_attach(struct vmp_pic *p, struct vmp_space *pio)
{
    int err = vmp_space_map(pio, 0x20, 2, &vmp_pic_master_io_ops, p);
    if (!err)
        err = vmp_space_map(pio, 0xA0, 2, &vmp_pic_slave_io_ops, p);
    if (!err)
        err = vmp_space_map(pio, 0x4D0, 2, &vmp_pic_elcr_io_ops, p);
    return err;
}

struct vmp_pic *vmp_pic_create(const struct vmp_env *env, struct vmp_irq *intr)
{
    struct vmp_pic *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->intr = intr;
    p->log = env ? env->log : NULL;
    vmp_pic_reset(p);
    return p;
}

void vmp_pic_destroy(struct vmp_pic *p) { free(p); }

#define PIC_STATE_VERSION 1

int vmp_pic_save(const struct vmp_pic *p, struct vmp_state_writer *w)
{
    vmp_state_begin(w, "pic", PIC_STATE_VERSION);
    for (unsigned i = 0; i < 2; i++) {
        const struct chip *c = &p->c[i];
        vmp_state_put_u8(w, c->irr);
        vmp_state_put_u8(w, c->isr);
        vmp_state_put_u8(w, c->imr);
        vmp_state_put_u8(w, c->lines);
        vmp_state_put_u8(w, c->base);
        vmp_state_put_u8(w, c->icw1);
        vmp_state_put_u8(w, c->icw3);
        vmp_state_put_u8(w, c->icw4);
        vmp_state_put_u8(w, c->init_step);
        vmp_state_put_u8(w, c->low);
        vmp_state_put_u8(w, c->elcr);
        vmp_state_put_bool(w, c->smm);
        vmp_state_put_bool(w, c->poll);
        vmp_state_put_bool(w, c->read_isr);
        vmp_state_put_bool(w, c->rotate_aeoi);
    }
    vmp_state_end(w);
    return vmp_state_writer_error(w);
}

int vmp_pic_load(struct vmp_pic *p, struct vmp_state_reader *r)
{
    uint32_t ver;
    struct chip c[2];
    int err = vmp_state_open(r, "pic", PIC_STATE_VERSION, &ver);
    if (err)
        return err;
    for (unsigned i = 0; i < 2; i++) {
        c[i].irr = vmp_state_get_u8(r);
        c[i].isr = vmp_state_get_u8(r);
        c[i].imr = vmp_state_get_u8(r);
        c[i].lines = vmp_state_get_u8(r);
        c[i].base = vmp_state_get_u8(r);
        c[i].icw1 = vmp_state_get_u8(r);
        c[i].icw3 = vmp_state_get_u8(r);
        c[i].icw4 = vmp_state_get_u8_max(r, 0x1F);
        c[i].init_step = vmp_state_get_u8_max(r, 4);
        c[i].low = vmp_state_get_u8_max(r, 7);
        c[i].elcr = vmp_state_get_u8(r);
        c[i].smm = vmp_state_get_bool(r);
        c[i].poll = vmp_state_get_bool(r);
        c[i].read_isr = vmp_state_get_bool(r);
        c[i].rotate_aeoi = vmp_state_get_bool(r);
        if ((c[i].base & 7) || c[i].init_step == 1 || (c[i].elcr & ~elcr_mask[i]))
            vmp_state_fail(r, -EINVAL);
    }
    err = vmp_state_close(r);
    if (err)
        return err;
    memcpy(p->c, c, sizeof c);
    /* Re-drive INT from the loaded state. */
    p->intr_level = request(&p->c[0], true) >= 0;
    vmp_irq_set(p->intr, p->intr_level);
    return 0;
}

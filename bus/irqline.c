/* Interrupt wires: wired-OR of sources, fan-out to sinks. */
#include <stdlib.h>
#include <string.h>

#include <vmparts/irqline.h>

struct vmp_irq {
    struct vmp_irq_line *line;
    unsigned bit;
};

struct sink {
    vmp_irq_sink_fn fn;
    void *opaque;
    unsigned pin;
};

struct vmp_irq_line {
    char name[32];
    uint64_t asserted; /* one bit per source */
    unsigned nsrc, nsink;
    struct vmp_irq src[VMP_IRQ_MAX_SOURCES];
    struct sink sink[VMP_IRQ_MAX_SINKS];
};

struct vmp_irq_line *vmp_irq_line_create(const char *name)
{
    struct vmp_irq_line *l = calloc(1, sizeof *l);
    if (l && name)
        strncpy(l->name, name, sizeof l->name - 1);
    return l;
}

void vmp_irq_line_destroy(struct vmp_irq_line *l) { free(l); }

int vmp_irq_line_add_sink(struct vmp_irq_line *l, vmp_irq_sink_fn fn, void *opaque,
                          unsigned pin)
{
    if (!l || !fn)
        return -EINVAL;
    if (l->nsink == VMP_IRQ_MAX_SINKS)
        return -ENOSPC;
    l->sink[l->nsink++] = (struct sink){ fn, opaque, pin };
    return 0;
}

struct vmp_irq *vmp_irq_line_source(struct vmp_irq_line *l)
{
    if (!l || l->nsrc == VMP_IRQ_MAX_SOURCES)
        return NULL;
    struct vmp_irq *s = &l->src[l->nsrc];
    s->line = l;
    s->bit = l->nsrc++;
    return s;
}

bool vmp_irq_line_level(const struct vmp_irq_line *l) { return l && l->asserted; }

static void notify(struct vmp_irq_line *l, bool level)
{
    for (unsigned i = 0; i < l->nsink; i++)
        l->sink[i].fn(l->sink[i].opaque, l->sink[i].pin, level);
}

void vmp_irq_set(struct vmp_irq *irq, bool level)
{
    if (!irq)
        return;
    struct vmp_irq_line *l = irq->line;
    bool before = l->asserted != 0;
    uint64_t bit = 1ull << irq->bit;
    if (level)
        l->asserted |= bit;
    else
        l->asserted &= ~bit;
    bool after = l->asserted != 0;
    if (before != after)
        notify(l, after);
}

void vmp_irq_pulse(struct vmp_irq *irq)
{
    vmp_irq_set(irq, true);
    vmp_irq_set(irq, false);
}

bool vmp_irq_get(const struct vmp_irq *irq)
{
    return irq && (irq->line->asserted >> irq->bit & 1);
}

void vmp_msi_send(const struct vmp_msi_sink *sink, uint64_t addr, uint32_t data)
{
    if (sink && sink->send)
        sink->send(sink->opaque, addr, data);
}

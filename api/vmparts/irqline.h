/* Interrupt wires and MSI sinks.
 *
 * A line is a wire: its level is the wired-OR of every source driving it
 * (shared, level-triggered PCI INTx works), and each change of that level
 * is fanned out to every sink (ISA IRQs go to both the PIC and the IOAPIC).
 * Sinks see levels; edge-triggered inputs detect the rising edge
 * themselves. A pulse is a rise then a fall. */
#ifndef VMPARTS_IRQLINE_H
#define VMPARTS_IRQLINE_H

#include <vmparts/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMP_IRQ_MAX_SOURCES 64
#define VMP_IRQ_MAX_SINKS 4

typedef void (*vmp_irq_sink_fn)(void *opaque, unsigned pin, bool level);

struct vmp_irq_line; /* the wire */
struct vmp_irq;      /* one driver's output onto a wire */

struct vmp_irq_line *vmp_irq_line_create(const char *name);
/* Also frees every source made from the line. */
void vmp_irq_line_destroy(struct vmp_irq_line *line);
/* Fan-out: sink(opaque, pin, level) runs on every level change.
 * -ENOSPC beyond VMP_IRQ_MAX_SINKS. */
int vmp_irq_line_add_sink(struct vmp_irq_line *line, vmp_irq_sink_fn sink,
                          void *opaque, unsigned pin);
/* A new driver of the line (NULL beyond VMP_IRQ_MAX_SOURCES). */
struct vmp_irq *vmp_irq_line_source(struct vmp_irq_line *line);
bool vmp_irq_line_level(const struct vmp_irq_line *line);

/* Drive a source. A NULL irq is an unconnected output: a no-op. */
void vmp_irq_set(struct vmp_irq *irq, bool level);
void vmp_irq_pulse(struct vmp_irq *irq);
bool vmp_irq_get(const struct vmp_irq *irq); /* this source's own level */

/* Message-signalled interrupts: a sink that takes (address, data), as the
 * LAPIC bus does. A NULL sink or fn drops the message. */
struct vmp_msi_sink {
    void (*send)(void *opaque, uint64_t addr, uint32_t data);
    void *opaque;
};
void vmp_msi_send(const struct vmp_msi_sink *sink, uint64_t addr, uint32_t data);

#ifdef __cplusplus
}
#endif
#endif

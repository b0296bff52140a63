/* The test device's ports (misc.h: pc-testdev layout) and the debug
 * console: the 32-bit data register at 0xE0 with its byte lanes, and IRQ
 * line control at 0x2000 + n driving ISA IRQ 5 through the 8259A. */
#include "lib/guest.h"
#include "lib/pic.h"

static volatile unsigned irq5;

static void irq5_isr(struct irq_frame *f)
{
    (void)f;
    irq5++;
    outb(0x2000 + 5, 0); /* lower the line, then EOI */
    pic_eoi(5);
}

void test_main(void)
{
    check(inb(0xE9) == 0xE9, "debugcon-readback", "port 0xE9 reads 0x%x", inb(0xE9));
    outl(0xE0, 0x11223344);
    check(inl(0xE0) == 0x11223344, "testdev-data32", "0x%x", inl(0xE0));
    outb(0xE2, 0xAB); /* byte lane 2 */
    check(inl(0xE0) == 0x11AB3344, "testdev-lane", "after byte write at 0xE2: 0x%x", inl(0xE0));
    check(inw(0xE1) == 0xAB33, "testdev-lane-read", "word at 0xE1: 0x%x", inw(0xE1));

    pic_init();
    set_handler(0x25, irq5_isr);
    check(inb(0x2000 + 5) == 0, "testdev-irq-idle", "line 5 low");
    pic_unmask(5);
    sti();
    outb(0x2000 + 5, 1);
    for (unsigned i = 0; i < 1000 && !irq5; i++)
        pause();
    cli();
    check(irq5 == 1, "testdev-irq5", "%u interrupts on vector 0x25 from port 0x2005", irq5);
    check(inb(0x2000 + 5) == 0, "testdev-irq-lowered", "line 5 low after the handler");
    /* Edge-triggered PIC input: a line held high gives one interrupt. */
    outb(0x2000 + 5, 1);
    outb(0x2000 + 5, 1);
    sti();
    for (unsigned i = 0; i < 1000 && irq5 < 2; i++)
        pause();
    cli();
    check(irq5 == 2, "testdev-irq-edge", "one more interrupt for a new rising edge (%u)", irq5);
    pic_mask(5);
}

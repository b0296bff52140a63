/* COM1 interrupts in a running VM (PC16550D: FCR trigger levels,
 * Interrupt Control Functions table, FIFO Interrupt Mode Operation), all
 * in loopback: 4 bytes at trigger level 4 raise "received data available"
 * (IIR 0xC4) at once; 2 bytes stay below it and raise the character
 * timeout (IIR 0xCC) only after 4 character times, which the VMM's virtual
 * clock has to deliver while the vCPU halts; 17 bytes overrun the FIFO
 * (line status, IIR 0xC6); dropping DTR changes DSR (modem status, IIR
 * 0xC0). Everything is printed after loopback is off (nothing reaches the
 * host in loopback). */
#include "lib/guest.h"
#include "lib/pic.h"

#define COM1 0x3F8

static volatile unsigned irqs;
static volatile uint8_t isr_iir;
static volatile unsigned isr_bytes;
static volatile uint8_t isr_data[16];
static volatile uint8_t isr_lsr, isr_msr;

static void com1_isr(struct irq_frame *f)
{
    (void)f;
    isr_iir = inb(COM1 + 2);
    if ((isr_iir & 0x0F) == 0x00)
        isr_msr = inb(COM1 + 6); /* acknowledges the modem status */
    isr_lsr = inb(COM1 + 5);     /* acknowledges the line status */
    unsigned n = 0;
    while ((inb(COM1 + 5) & 0x01) && n < 16)
        isr_data[n++] = inb(COM1);
    isr_bytes = n;
    irqs++;
    pic_eoi(4);
}

static bool wait_irq(unsigned want)
{
    for (unsigned i = 0; i < 100000 && irqs < want; i++)
        sti_hlt();
    cli();
    return irqs >= want;
}

void test_main(void)
{
    pic_init();
    set_handler(0x24, com1_isr);
    /* 115200 8N1 from serial_init; trigger level 4, FIFOs cleared. */
    outb(COM1 + 2, 0x47);
    outb(COM1 + 4, 0x1B); /* loopback, DTR, RTS, OUT2 (IRQ gate) */
    (void)inb(COM1 + 6);  /* clear the deltas the loop switch made */
    outb(COM1 + 1, 0x01); /* ERBFI only */
    pic_unmask(4);

    /* At the trigger level: RDA right away. */
    for (unsigned i = 0; i < 4; i++)
        outb(COM1, (uint8_t)('a' + i));
    bool rda_irq = wait_irq(1);
    uint8_t rda_iir = isr_iir;
    unsigned rda_bytes = isr_bytes;
    bool rda_data = isr_data[0] == 'a' && isr_data[3] == 'd';

    /* Below it: nothing at first, the timeout after 4 character times
     * (4 x 86.8 us at 115200 8N1). */
    outb(COM1, 'x');
    outb(COM1, 'y');
    uint8_t early_iir = inb(COM1 + 2);
    bool cti_irq = wait_irq(2);
    uint8_t cti_iir = isr_iir;
    unsigned cti_bytes = isr_bytes;
    bool cti_data = isr_data[0] == 'x' && isr_data[1] == 'y';

    /* Overrun: the 17th byte finds the FIFO full and is lost. */
    outb(COM1 + 1, 0x04); /* ELSI only */
    for (unsigned i = 0; i < 17; i++)
        outb(COM1, (uint8_t)i);
    bool rls_irq = wait_irq(3);
    uint8_t rls_iir = isr_iir, rls_lsr = isr_lsr;
    unsigned rls_bytes = isr_bytes;

    /* Modem status: DTR off drops DSR in loopback. */
    outb(COM1 + 1, 0x08); /* EDSSI only */
    outb(COM1 + 4, 0x1A);
    bool msr_irq = wait_irq(4);
    uint8_t msr_iir = isr_iir, msr = isr_msr;

    pic_mask(4);
    outb(COM1 + 1, 0x00);
    outb(COM1 + 4, 0x03); /* loopback off: printing works again */
    outb(COM1 + 2, 0x07);

    check(rda_irq && rda_iir == 0xC4, "uart-rda-trigger4", "irq %d, IIR 0x%x", rda_irq,
          rda_iir);
    check(rda_bytes == 4 && rda_data, "uart-rda-data", "%u bytes", rda_bytes);
    check(early_iir == 0xC1, "uart-cti-not-early", "IIR 0x%x right after 2 bytes", early_iir);
    check(cti_irq && cti_iir == 0xCC, "uart-cti", "irq %d, IIR 0x%x", cti_irq, cti_iir);
    check(cti_bytes == 2 && cti_data, "uart-cti-data", "%u bytes", cti_bytes);
    check(rls_irq && rls_iir == 0xC6, "uart-rls-overrun", "irq %d, IIR 0x%x", rls_irq,
          rls_iir);
    check(rls_lsr == 0x63 && rls_bytes == 16, "uart-rls-lsr", "LSR 0x%x, %u bytes kept",
          rls_lsr, rls_bytes);
    check(msr_irq && msr_iir == 0xC0, "uart-msr", "irq %d, IIR 0x%x", msr_irq, msr_iir);
    check(msr == 0x92, "uart-msr-ddsr", "MSR 0x%x: CTS, DCD, delta DSR", msr);
}

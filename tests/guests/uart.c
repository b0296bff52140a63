/* COM1 (16550A at 0x3F8, IRQ 4): loopback data path, the loopback modem
 * wiring, and the THRE interrupt through the 8259A to the vCPU (PC16550D
 * datasheet 8.6 MCR, 8.4 IIR; 8259A ICW/OCW). */
#include "lib/guest.h"
#include "lib/pic.h"

#define COM1 0x3F8

static volatile unsigned com1_irqs;
static volatile uint8_t last_iir;

static void com1_isr(struct irq_frame *f)
{
    (void)f;
    last_iir = inb(COM1 + 2);
    com1_irqs++;
    outb(COM1 + 1, 0x00); /* IER off: one interrupt is enough */
    pic_eoi(4);
}

void test_main(void)
{
    /* Loopback: MCR bit 4. Bytes written come back through RBR. */
    /* Nothing reaches the host in loopback, so results are printed after. */
    outb(COM1 + 4, 0x10);
    const char msg[] = "vmparts!";
    unsigned good = 0;
    for (unsigned i = 0; i < sizeof msg - 1; i++) {
        outb(COM1, (uint8_t)msg[i]);
        if ((inb(COM1 + 5) & 0x01) && inb(COM1) == (uint8_t)msg[i])
            good++;
    }
    bool empty = !(inb(COM1 + 5) & 0x01);
    /* Loopback modem wiring: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD. */
    outb(COM1 + 4, 0x10 | 0x0F);
    uint8_t msr_all = inb(COM1 + 6);
    outb(COM1 + 4, 0x10 | 0x01);
    uint8_t msr_dtr = inb(COM1 + 6);
    outb(COM1 + 4, 0x03); /* loopback off, DTR|RTS */
    check(good == sizeof msg - 1, "uart-loopback-data", "%u of %u bytes came back", good,
          (unsigned)sizeof msg - 1);
    check(empty, "uart-loopback-empty", "LSR.DR clear after reading all");
    check((msr_all & 0xF0) == 0xF0, "uart-loopback-msr", "MSR 0x%x with DTR|RTS|OUT1|OUT2",
          msr_all);
    check((msr_dtr & 0xF0) == 0x20, "uart-loopback-dsr", "MSR 0x%x with DTR only", msr_dtr);
    outb(COM1 + 7, 0xA5);
    check(inb(COM1 + 7) == 0xA5, "uart-scratch", "SCR holds 0xA5");

    /* THRE interrupt: IER bit 1 with OUT2 set raises IRQ 4 -> PIC -> INTR. */
    pic_init();
    set_handler(0x24, com1_isr);
    pic_unmask(4);
    outb(COM1 + 4, 0x0B); /* DTR, RTS, OUT2 */
    outb(COM1 + 1, 0x02); /* ETBEI */
    sti();
    for (unsigned i = 0; i < 1000 && !com1_irqs; i++)
        pause();
    cli();
    check(com1_irqs == 1, "uart-thre-irq", "%u interrupts on vector 0x24, IIR 0x%x", com1_irqs,
          last_iir);
    check((last_iir & 0x0F) == 0x02, "uart-iir-thre", "IIR 0x%x names THR empty", last_iir);
    pic_mask(4);
}

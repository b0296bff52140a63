/* PIT channel 0 (8254 mode 2 at 100 Hz) through ISA IRQ 0 -> IOAPIC pin 2
 * (the MADT interrupt source override) -> LAPIC, counted against the ACPI
 * PM timer; and the PM timer's own progress (ACPI 6.x 4.8.3.3). */
#include "lib/apic.h"

#define VEC 0x30

static volatile unsigned irqs;

static void pit_isr(struct irq_frame *f)
{
    (void)f;
    irqs++;
    lapic_eoi();
}

void test_main(void)
{
    /* PM timer: advances, 32-bit (TMR_VAL_EXT), at 3.579545 MHz by the TSC. */
    uint32_t a = pm_timer();
    spin(1000);
    uint32_t b = pm_timer();
    check(b != a, "pm-timer-runs", "0x%x -> 0x%x", a, b);

    pic_disable();
    lapic_enable();
    set_handler(VEC, pit_isr);
    /* IOAPIC: version register says 24 pins. */
    uint32_t ver = ioapic_read(1);
    check(((ver >> 16) & 0xFF) == 23, "ioapic-version", "max redirection entry %u", (ver >> 16) & 0xFF);
    ioapic_route(2, VEC, 0, false, false);

    /* PIT channel 0, lobyte/hibyte, mode 2, divisor 11932 => 100.0 Hz. */
    outb(0x43, 0x34);
    outb(0x40, 11932 & 0xFF);
    outb(0x40, 11932 >> 8);
    irqs = 0;
    uint32_t t0 = pm_timer();
    while (pm_us(pm_timer() - t0) < 200000)
        sti_hlt();
    cli();
    uint32_t us = pm_us(pm_timer() - t0);
    unsigned n = irqs;
    /* 200 ms at 100 Hz: 20 interrupts; allow for the window edges and for
     * ticks lost while a loaded host does not run the vCPU. */
    check(n >= 10 && n <= 22, "pit-ioapic-rate", "%u interrupts in %u us (want 20 at 100 Hz)", n, us);
    /* Mask pin 2: no more. */
    ioapic_route(2, VEC, 0, false, true);
    pm_delay_us(1000);
    irqs = 0;
    pm_delay_us(50000);
    check(irqs == 0, "ioapic-mask", "%u interrupts while masked", irqs);
    /* Latch the counter (counter latch command) and read a sane value. */
    outb(0x43, 0x00);
    unsigned lo = inb(0x40), hi = inb(0x40);
    unsigned cnt = lo | hi << 8;
    check(cnt <= 11932, "pit-latch", "latched count %u <= 11932", cnt);
}

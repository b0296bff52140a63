/* LAPIC (xAPIC MMIO at 0xFEE00000, SDM vol. 3A ch. 11), IOAPIC (82093AA at
 * 0xFEC00000) and ACPI PM timer (port 0x608, 3.579545 MHz) helpers. */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H
#include "guest.h"

#define LAPIC 0xFEE00000u
#define LAPIC_ID 0x20
#define LAPIC_EOI 0xB0
#define LAPIC_SVR 0xF0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_ICR 0x380
#define LAPIC_TIMER_CCR 0x390
#define LAPIC_TIMER_DCR 0x3E0

#define IOAPIC 0xFEC00000u
#define PM_TMR 0x608
#define PM_HZ 3579545u

static inline uint32_t lapic_read(unsigned reg) { return mmio_read32(LAPIC + reg); }
static inline void lapic_write(unsigned reg, uint32_t v) { mmio_write32(LAPIC + reg, v); }
static inline void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }
static inline void lapic_enable(void) { lapic_write(LAPIC_SVR, 0x1FF); } /* enabled, spurious 0xFF */
static inline unsigned lapic_id(void) { return lapic_read(LAPIC_ID) >> 24; }

static inline void ioapic_write(unsigned reg, uint32_t v)
{
    mmio_write32(IOAPIC, reg);
    mmio_write32(IOAPIC + 0x10, v);
}
static inline uint32_t ioapic_read(unsigned reg)
{
    mmio_write32(IOAPIC, reg);
    return mmio_read32(IOAPIC + 0x10);
}
/* Redirection entry for pin: vector, fixed delivery, physical destination. */
static inline void ioapic_route(unsigned pin, uint8_t vector, uint8_t dest, bool level, bool masked)
{
    ioapic_write(0x11 + 2 * pin, (uint32_t)dest << 24);
    ioapic_write(0x10 + 2 * pin, vector | (level ? 1u << 15 : 0) | (masked ? 1u << 16 : 0));
}

static inline uint32_t pm_timer(void) { return inl(PM_TMR); }
/* PM timer ticks to microseconds (32-bit counter: differences wrap right). */
static inline uint32_t pm_us(uint32_t ticks) { return (uint32_t)((uint64_t)ticks * 1000000u / PM_HZ); }
static inline void pm_delay_us(uint32_t us)
{
    uint32_t t0 = pm_timer();
    uint64_t want = (uint64_t)us * PM_HZ / 1000000u;
    while ((uint32_t)(pm_timer() - t0) < want)
        pause();
}

/* Mask both 8259As so only APIC paths deliver (they start uninitialised;
 * initialise them to a harmless base first). */
static inline void pic_disable(void)
{
    outb(0x20, 0x11); outb(0xA0, 0x11);
    outb(0x21, 0x20); outb(0xA1, 0x28);
    outb(0x21, 0x04); outb(0xA1, 0x02);
    outb(0x21, 0x01); outb(0xA1, 0x01);
    outb(0x21, 0xFF); outb(0xA1, 0xFF);
}
#endif

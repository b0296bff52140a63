/* The demo guest: shows the devices at work. It prints the CPU and memory
 * it was given, the PCI functions on bus 0, the time from the RTC (if the
 * board has one), then counts timer interrupts (PIT through the IOAPIC,
 * the LAPIC timer) against the ACPI PM timer every second, and echoes the
 * keys typed on the serial console (UART receive interrupts through the
 * IOAPIC). 'q' ends it. With "auto" on the command line it runs for three
 * seconds by itself and reports PASS/FAIL like the other guest tests.
 * VMP_ARGS: --append auto */
#include "lib/apic.h"

#define COM1 0x3F8
#define VEC_PIT 0x30
#define VEC_LAPIC 0x31
#define VEC_COM1 0x32

static volatile unsigned pit_irqs, lapic_irqs, keys;
static volatile uint8_t keybuf[64];
static volatile unsigned khead, ktail;

static void pit_isr(struct irq_frame *f) { (void)f; pit_irqs++; lapic_eoi(); }
static void lapic_isr(struct irq_frame *f) { (void)f; lapic_irqs++; lapic_eoi(); }
static void com1_isr(struct irq_frame *f)
{
    (void)f;
    while (inb(COM1 + 5) & 1) {
        uint8_t c = inb(COM1);
        keys++;
        if (khead - ktail < sizeof keybuf)
            keybuf[khead++ % sizeof keybuf] = c;
    }
    lapic_eoi();
}

static uint32_t r1_ebx(void)
{
    uint32_t r[4];
    cpuid(1, 0, r);
    return r[1];
}

static uint8_t cmos(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static unsigned bcd(uint8_t v, bool binary) { return binary ? v : (v >> 4) * 10 + (v & 15); }

static bool show_rtc(void)
{
    uint8_t b = cmos(0x0B);
    if (b == 0xFF && cmos(0x0A) == 0xFF) {
        printf("  RTC: none on this board\n");
        return false;
    }
    for (unsigned i = 0; i < 100000 && (cmos(0x0A) & 0x80); i++)
        pause(); /* update in progress */
    bool bin = b & 4;
    unsigned s = bcd(cmos(0), bin), mi = bcd(cmos(2), bin), h = bcd(cmos(4) & 0x7F, bin);
    unsigned d = bcd(cmos(7), bin), mo = bcd(cmos(8), bin), y = bcd(cmos(9), bin);
    unsigned c = bcd(cmos(0x32), bin);
    printf("  RTC: %02u%02u-%02u-%02u %02u:%02u:%02u UTC\n", c ? c : 20, y, mo, d, h, mi, s);
    return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h < 24 && mi < 60 && s < 60;
}

static unsigned scan_pci(void)
{
    unsigned n = 0;
    for (unsigned dev = 0; dev < 32; dev++) {
        outl(0xCF8, 0x80000000u | dev << 11);
        uint32_t id = inl(0xCFC);
        if ((id & 0xFFFF) == 0xFFFF)
            continue;
        outl(0xCF8, 0x80000000u | dev << 11 | 8);
        uint32_t cls = inl(0xCFC);
        printf("  PCI 00:%02x.0  %04x:%04x  class %02x/%02x\n", dev, id & 0xFFFF, id >> 16,
               cls >> 24, (cls >> 16) & 0xFF);
        n++;
    }
    return n;
}

void test_main(void)
{
    const uint32_t *mbi = (const uint32_t *)mb_info_addr;
    bool automatic = (mbi[0] & 4) && strcmp((const char *)mbi[4], "auto") == 0;
    uint32_t r[4], brand[13] = {0};
    cpuid(0, 0, r);
    uint32_t vendor[4] = {r[1], r[3], r[2], 0};
    cpuid(0x80000000, 0, r);
    if (r[0] >= 0x80000004)
        for (unsigned i = 0; i < 3; i++)
            cpuid(0x80000002 + i, 0, brand + 4 * i);
    printf("\nvmparts demo guest\n");
    printf("  CPU: %s%s%s, %u vCPU(s) by CPUID.1\n", (char *)vendor, brand[0] ? ", " : "", (char *)brand,
           (unsigned)((r1_ebx() >> 16) & 0xFF));
    printf("  memory: %u KiB low, %u KiB from 1 MiB\n", mbi[1], mbi[2]);
    unsigned npci = scan_pci();
    bool rtc_ok = show_rtc();

    pic_disable();
    lapic_enable();
    set_handler(VEC_PIT, pit_isr);
    set_handler(VEC_LAPIC, lapic_isr);
    set_handler(VEC_COM1, com1_isr);
    ioapic_route(2, VEC_PIT, 0, false, false);  /* PIT: ISA IRQ 0 on pin 2 */
    ioapic_route(4, VEC_COM1, 0, false, false); /* COM1: IRQ 4 */
    outb(0x43, 0x34);                           /* PIT ch0 mode 2, 100 Hz */
    outb(0x40, 11932 & 0xFF);
    outb(0x40, 11932 >> 8);
    lapic_write(LAPIC_TIMER_DCR, 0x3);          /* divide by 16 */
    lapic_write(LAPIC_LVT_TIMER, VEC_LAPIC | (1u << 17));
    lapic_write(LAPIC_TIMER_ICR, 100000000 / 16); /* periodic, 10 Hz */
    outb(COM1 + 4, 0x0B);                       /* OUT2: let the IRQ out */
    outb(COM1 + 1, 0x01);                       /* received-data interrupt */

    printf("  timers: PIT 100 Hz via IOAPIC pin 2, LAPIC timer 10 Hz; clock: ACPI PM timer\n");
    if (!automatic)
        printf("  type keys to see them echoed through the UART's receive interrupt; q quits\n");
    uint32_t start = pm_timer(), last = start;
    unsigned seconds = 0;
    bool quit = false;
    while (!quit) {
        sti_hlt();
        cli();
        while (ktail != khead) {
            uint8_t c = keybuf[ktail++ % sizeof keybuf];
            if (c == 'q' || c == 'Q')
                quit = true;
            else if (c >= 0x20 && c < 0x7F)
                printf("  key '%c' (0x%02x)\n", c, c);
            else
                printf("  key 0x%02x\n", c);
        }
        uint32_t now = pm_timer();
        if (pm_us(now - last) >= 1000000) {
            last = now;
            seconds++;
            printf("  t=%us  PIT interrupts %u  LAPIC timer interrupts %u  keys %u\n", seconds,
                   pit_irqs, lapic_irqs, keys);
            if (automatic && seconds >= 3)
                break;
        }
    }
    unsigned secs = pm_us(pm_timer() - start) / 1000;
    lapic_write(LAPIC_TIMER_ICR, 0);
    ioapic_route(2, VEC_PIT, 0, false, true);
    printf("  %u PIT and %u LAPIC timer interrupts in %u ms\n", pit_irqs, lapic_irqs, secs);
    if (automatic) {
        check(npci >= 1, "demo-pci", "%u PCI functions", npci);
        /* PIT at 100 Hz, LAPIC at 10 Hz: at most a quarter more; at least
         * half (edges coalesce while a loaded host does not run the vCPU). */
        check(pit_irqs * 10 >= secs / 2 && pit_irqs * 10 <= secs * 5 / 4 + 20, "demo-pit",
              "%u interrupts in %u ms", pit_irqs, secs);
        check(lapic_irqs * 100 >= secs / 2 && lapic_irqs * 100 <= secs * 5 / 4 + 200,
              "demo-lapic", "%u interrupts in %u ms", lapic_irqs, secs);
        if (cmos(0x0A) != 0xFF)
            check(rtc_ok, "demo-rtc", "RTC date and time are valid");
    } else {
        printf("  bye\n");
        guest_exit_value(0);
    }
}

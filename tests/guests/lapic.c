/* LAPIC timer in its three modes (SDM vol. 3A 11.5.4): one-shot and
 * periodic counted down at the bus clock through the divide register, and
 * TSC-deadline through IA32_TSC_DEADLINE (MSR 0x6E0). Elapsed times are
 * checked against the ACPI PM timer. */
#include "lib/apic.h"

#define VEC 0x40

static volatile unsigned ticks;

static void timer_isr(struct irq_frame *f)
{
    (void)f;
    ticks++;
    lapic_eoi();
}

static volatile unsigned self_ipis;
static void self_ipi_isr(struct irq_frame *f)
{
    (void)f;
    self_ipis++;
    wrmsr(0x80B, 0); /* x2APIC EOI */
}

static void wait_ticks(unsigned n, uint32_t max_us)
{
    uint32_t t0 = pm_timer();
    while (ticks < n && pm_us(pm_timer() - t0) < max_us)
        sti_hlt();
    cli();
}

void test_main(void)
{
    pic_disable();
    lapic_enable();
    set_handler(VEC, timer_isr);
    set_handler(0xFF, timer_isr); /* spurious: never expected, counted */

    /* TPR written through the xAPIC page survives the VM exits that
     * follow (SDM 11.8.3.1: TPR bits 7:0 read back what was written; CR8
     * mirrors bits 7:4). Each MMIO access is an exit to the VMM. */
    lapic_write(0x80, 0x25);
    (void)lapic_read(LAPIC_ID);
    uint32_t tpr = lapic_read(0x80);
    check(tpr == 0x25, "lapic-tpr-mmio", "TPR reads 0x%x after an exit (wrote 0x25)", tpr);
    lapic_write(0x80, 0);

    /* One-shot: divide by 1 (DCR 1011b), 2,000,000 bus clocks. */
    lapic_write(LAPIC_TIMER_DCR, 0xB);
    lapic_write(LAPIC_LVT_TIMER, VEC);
    uint32_t t0 = pm_timer();
    ticks = 0;
    lapic_write(LAPIC_TIMER_ICR, 2000000);
    wait_ticks(1, 500000);
    uint32_t us = pm_us(pm_timer() - t0);
    check(ticks == 1, "lapic-oneshot", "1 interrupt after %u us", us);
    check(lapic_read(LAPIC_TIMER_CCR) == 0, "lapic-oneshot-ccr", "current count 0 after expiry");
    pm_delay_us(5000);
    check(ticks == 1, "lapic-oneshot-once", "no second interrupt (%u)", ticks);
    /* The bus clock is 1 GHz in the model: 2 ms at least. */
    check(us >= 1900, "lapic-oneshot-time", "%u us >= 2 ms (1 GHz bus clock)", us);

    /* Periodic (LVT bit 17): ten periods of 1 ms with divide by 16. */
    lapic_write(LAPIC_TIMER_DCR, 0x3);
    lapic_write(LAPIC_LVT_TIMER, VEC | (1u << 17));
    ticks = 0;
    t0 = pm_timer();
    lapic_write(LAPIC_TIMER_ICR, 1000000 / 16);
    wait_ticks(10, 2000000);
    us = pm_us(pm_timer() - t0);
    lapic_write(LAPIC_TIMER_ICR, 0); /* stop */
    /* A tick that fired after the last HLT is still in the IRR (writing
     * the initial count does not clear it): take it now, so it is not
     * counted against the next mode. */
    sti();
    pm_delay_us(2000);
    cli();
    check(ticks >= 10, "lapic-periodic", "%u interrupts in %u us", ticks, us);
    check(us >= 9500 && us < 200000, "lapic-periodic-rate", "10 periods of 1 ms took %u us", us);
    uint32_t ccr = lapic_read(LAPIC_TIMER_CCR);
    check(ccr == 0, "lapic-periodic-stop", "writing ICR 0 stops it (CCR %u)", ccr);

    /* TSC-deadline (LVT bits 18:17 = 10b), if CPUID.1:ECX[24] says so. */
    uint32_t r[4];
    cpuid(1, 0, r);
    if (!(r[2] & (1u << 24))) {
        check(false, "lapic-tsc-deadline", "CPUID.1:ECX[24] clear");
        return;
    }
    /* Calibrate the TSC against the PM timer over 10 ms. */
    uint32_t p0 = pm_timer();
    uint64_t c0 = rdtsc();
    pm_delay_us(10000);
    uint64_t c1 = rdtsc();
    uint32_t p1 = pm_timer();
    uint64_t tsc_khz = (c1 - c0) * 1000 / pm_us(p1 - p0);
    lapic_write(LAPIC_LVT_TIMER, VEC | (2u << 17));
    ticks = 0;
    t0 = pm_timer();
    uint64_t deadline = rdtsc() + tsc_khz * 3; /* 3 ms */
    wrmsr(0x6E0, deadline);
    check(rdmsr(0x6E0) == deadline, "lapic-tsc-deadline-msr", "MSR 0x6E0 reads back");
    wait_ticks(1, 500000);
    us = pm_us(pm_timer() - t0);
    uint64_t now = rdtsc();
    check(ticks == 1 && now >= deadline, "lapic-tsc-deadline", "fired after %u us (TSC %u kHz)",
          us, (unsigned)tsc_khz);
    check(rdmsr(0x6E0) == 0, "lapic-tsc-deadline-clear", "MSR reads 0 after it fired");
    /* Writing 0 disarms (11.5.4.1). */
    wrmsr(0x6E0, rdtsc() + tsc_khz * 2);
    wrmsr(0x6E0, 0);
    ticks = 0;
    pm_delay_us(5000);
    check(ticks == 0, "lapic-tsc-deadline-disarm", "no interrupt after writing 0");

    /* IA32_APIC_BASE (SDM 11.4.4) and x2APIC mode (11.12): the MSRs reach
     * the user-space LAPIC through vmp's MSR filter. */
    uint64_t base = rdmsr(0x1B);
    check((base & 0xFFFFF000u) == 0xFEE00000u && (base & (1u << 11)) && (base & (1u << 8)),
          "apic-base-msr", "IA32_APIC_BASE 0x%llx: 0xFEE00000, enabled, BSP",
          (unsigned long long)base);
    cpuid(1, 0, r);
    if (!(r[2] & (1u << 21))) {
        check(false, "x2apic", "CPUID.1:ECX[21] clear");
        return;
    }
    wrmsr(0x1B, base | (1u << 10)); /* EXTD */
    check(rdmsr(0x802) == 0, "x2apic-id", "x2APIC ID MSR 0x802 = %u", (unsigned)rdmsr(0x802));
    check((rdmsr(0x803) & 0xFF) >= 0x10, "x2apic-version", "version 0x%x",
          (unsigned)rdmsr(0x803));
    set_handler(0x45, self_ipi_isr);
    wrmsr(0x83F, 0x45); /* SELF IPI */
    sti();
    for (unsigned i = 0; i < 1000 && !self_ipis; i++)
        pause();
    cli();
    check(self_ipis == 1, "x2apic-self-ipi", "%u interrupts on vector 0x45 from MSR 0x83F",
          self_ipis);
}

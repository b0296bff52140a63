/* Two vCPUs: INIT-SIPI-SIPI start of the AP from the BSP's LAPIC (SDM vol.
 * 3A 8.4.4.1, 11.6.1 ICR), the AP's APIC ID, and fixed IPIs both ways.
 * VMP_ARGS: --smp 2 */
#include "lib/apic.h"

#define TRAMP 0x70000u
#define IPI_VEC 0x50

static volatile unsigned ap_started, ap_id, ap_ipis, bsp_ipis, ap_go, ap_nmis;
static uint8_t ap_stack[8192] __attribute__((aligned(16)));

static void ipi_isr(struct irq_frame *f)
{
    (void)f;
    if (lapic_id() == 0)
        bsp_ipis++;
    else
        ap_ipis++;
    lapic_eoi();
}

/* NMI (vector 2). Only one is sent: without IRET (see lib/start.S) the
 * CPU keeps NMIs blocked after the first. */
static void nmi_isr(struct irq_frame *f)
{
    (void)f;
    if (lapic_id() != 0)
        ap_nmis++;
}

void idt_load(void);

void ap_main(void)
{
    idt_load();
    lapic_enable();
    ap_id = lapic_id();
    ap_started = 1;
    /* Take IPIs until told to answer. */
    while (!ap_go)
        sti_hlt();
    cli();
    lapic_write(LAPIC_ICR_HI, 0u << 24);
    lapic_write(LAPIC_ICR_LO, IPI_VEC); /* fixed, physical, to APIC 0 */
    for (;;)
        sti_hlt();
}

static void send_ipi(unsigned dest, uint32_t lo)
{
    lapic_write(LAPIC_ICR_HI, dest << 24);
    lapic_write(LAPIC_ICR_LO, lo);
    for (unsigned i = 0; i < 100000 && (lapic_read(LAPIC_ICR_LO) & (1u << 12)); i++)
        pause(); /* delivery status */
}

void test_main(void)
{
    pic_disable();
    lapic_enable();
    set_handler(IPI_VEC, ipi_isr);
    set_handler(2, nmi_isr);
    check(lapic_id() == 0, "smp-bsp-id", "BSP APIC ID %u", lapic_id());
    uint32_t r[4];
    cpuid(1, 0, r);
    check(((r[1] >> 16) & 0xFF) == 2, "smp-cpuid-count", "CPUID.1:EBX[23:16] = %u", (r[1] >> 16) & 0xFF);

    memcpy((void *)TRAMP, ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
    ap_stack_ptr = (uint32_t)(ap_stack + sizeof ap_stack);
    send_ipi(1, 0x4500);                  /* INIT, assert, level */
    pm_delay_us(10000);
    send_ipi(1, 0x4600 | (TRAMP >> 12)); /* SIPI */
    uint32_t t0 = pm_timer();
    while (!ap_started && pm_us(pm_timer() - t0) < 200000)
        pause();
    if (!ap_started) {
        send_ipi(1, 0x4600 | (TRAMP >> 12)); /* second SIPI, as the MP spec says */
        t0 = pm_timer();
        while (!ap_started && pm_us(pm_timer() - t0) < 2000000)
            pause();
    }
    check(ap_started, "smp-ap-start", "AP running after INIT/SIPI (%u us)", pm_us(pm_timer() - t0));
    if (!ap_started)
        return;
    check(ap_id == 1, "smp-ap-id", "AP APIC ID %u", ap_id);

    /* BSP -> AP: three fixed IPIs, each waking the AP from HLT. */
    for (unsigned i = 0; i < 3; i++) {
        send_ipi(1, IPI_VEC);
        t0 = pm_timer();
        while (ap_ipis < i + 1 && pm_us(pm_timer() - t0) < 1000000)
            pause();
    }
    check(ap_ipis == 3, "smp-ipi-bsp-to-ap", "%u of 3 IPIs taken by the AP", ap_ipis);
    /* NMI to the AP (ICR delivery mode 100b): taken even though the AP
     * is halted, and injected with KVM_NMI. */
    send_ipi(1, 0x400);
    t0 = pm_timer();
    while (!ap_nmis && pm_us(pm_timer() - t0) < 1000000)
        pause();
    check(ap_nmis == 1, "smp-nmi", "%u NMI taken by the AP", ap_nmis);
    /* AP -> BSP. */
    ap_go = 1;
    send_ipi(1, IPI_VEC); /* wake it to see ap_go */
    t0 = pm_timer();
    while (!bsp_ipis && pm_us(pm_timer() - t0) < 1000000)
        sti_hlt();
    cli();
    check(bsp_ipis == 1, "smp-ipi-ap-to-bsp", "%u IPI from the AP", bsp_ipis);
}

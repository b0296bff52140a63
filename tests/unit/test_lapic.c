/* Local APIC. Section numbers are those of Intel SDM vol. 3A chapter 11
 * ("Advanced Programmable Interrupt Controller (APIC)"). */
#include "irq_board.h"

START_TEST(reset_state)
{
    /* §11.4.7.1 / table 11-1: values after power-up. */
    struct tb b;
    tb_init(&b, 2, false, NULL);
    ck_assert_uint_eq(vmp_lapic_apic_base(b.cpu[0]), 0xFEE00900);
    ck_assert_uint_eq(vmp_lapic_apic_base(b.cpu[1]), 0xFEE00800);
    ck_assert_uint_eq(vmp_lapic_mmio_base(b.cpu[0]), 0xFEE00000);
    ck_assert_uint_eq(tb_rd(&b, 1, 0x20), 1u << 24);
    ck_assert_uint_eq(tb_rd(&b, 0, 0x30), 0x00050014);
    ck_assert_uint_eq(tb_rd(&b, 0, 0xE0), 0xFFFFFFFF);
    ck_assert_uint_eq(tb_rd(&b, 0, 0xF0), 0xFF);
    for (unsigned off = 0x320; off <= 0x370; off += 0x10)
        ck_assert_uint_eq(tb_rd(&b, 0, off), 0x10000);
    /* Byte reads see the register's bytes; the rest of the 16-byte slot
     * reads 0. */
    ck_assert_uint_eq(vmp_lapic_io_ops.read(b.cpu[0], 0x31, 1), 0x00);
    ck_assert_uint_eq(vmp_lapic_io_ops.read(b.cpu[0], 0x32, 1), 0x05);
    ck_assert_uint_eq(vmp_lapic_io_ops.read(b.cpu[0], 0x34, 4), 0);
    tb_free(&b);
}
END_TEST

START_TEST(priority_classes)
{
    /* §11.8.3.1: an interrupt is delivered only if its class is above the
     * PPR's; a higher class preempts one in service, the same class
     * waits for the EOI. */
    struct tb b;
    tb_init(&b, 1, false, NULL);
    tb_enable(&b);
    tb_ipi(&b, 0, 0, 0x40041); /* self, fixed, vector 0x41 */
    ck_assert(vmp_lapic_irr_test(b.cpu[0], 0x41));
    ck_assert(vmp_lapic_has_interrupt(b.cpu[0], TB_IF));
    ck_assert(!vmp_lapic_has_interrupt(b.cpu[0], 0)); /* IF clear */
    ck_assert_int_eq(vmp_lapic_ack(b.cpu[0]), 0x41);
    ck_assert(vmp_lapic_isr_test(b.cpu[0], 0x41));
    ck_assert_uint_eq(tb_rd(&b, 0, 0xA0), 0x40); /* PPR = ISRV class */
    tb_ipi(&b, 0, 0, 0x4004F); /* same class: waits */
    ck_assert(!vmp_lapic_has_interrupt(b.cpu[0], TB_IF));
    tb_ipi(&b, 0, 0, 0x40050); /* higher class: preempts */
    ck_assert(vmp_lapic_has_interrupt(b.cpu[0], TB_IF));
    ck_assert_int_eq(vmp_lapic_ack(b.cpu[0]), 0x50);
    /* ISR register 2 holds vectors 0x40-0x5F: 0x41 and 0x50. */
    ck_assert_uint_eq(tb_rd(&b, 0, 0x120), 1u << (0x50 - 0x40) | 1u << 1);
    tb_wr(&b, 0, 0xB0, 0); /* EOI clears the highest ISR bit: 0x50 */
    ck_assert(!vmp_lapic_isr_test(b.cpu[0], 0x50));
    ck_assert(vmp_lapic_isr_test(b.cpu[0], 0x41));
    ck_assert(!vmp_lapic_has_interrupt(b.cpu[0], TB_IF));
    tb_wr(&b, 0, 0xB0, 0);
    ck_assert_int_eq(vmp_lapic_ack(b.cpu[0]), 0x4F);
    /* Within the IRR the highest vector goes first. */
    tb_wr(&b, 0, 0xB0, 0);
    tb_ipi(&b, 0, 0, 0x40061);
    tb_ipi(&b, 0, 0, 0x40062);
    ck_assert_int_eq(vmp_lapic_ack(b.cpu[0]), 0x62);
    tb_free(&b);
}
END_TEST

START_TEST(tpr_ppr_cr8)
{
    struct tb b;
    tb_init(&b, 1, false, NULL);
    tb_enable(&b);
    tb_wr(&b, 0, 0x80, 0x53);
    ck_assert_uint_eq(tb_rd(&b, 0, 0xA0), 0x53); /* PPR = TPR */
    ck_assert_uint_eq(vmp_lapic_get_cr8(b.cpu[0]), 5);
    tb_ipi(&b, 0, 0, 0x40058);
    ck_assert(!vmp_lapic_has_interrupt(b.cpu[0], TB_IF)); /* class 5 <= 5 */
    /* Spurious vector when nothing is deliverable at INTA (§11.9). */
    ck_assert_int_eq(vmp_lapic_ack(b.cpu[0]), 0xFF);
    unsigned k = b.kicks[0];
    vmp_lapic_set_cr8(b.cpu[0], 4); /* §11.8.6: CR8 = TPR[7:4] */
    ck_assert_uint_eq(tb_rd(&b, 0, 0x80), 0x40);
    ck_assert(vmp_lapic_has_interrupt(b.cpu[0], TB_IF));
    ck_assert_uint_gt(b.kicks[0], k); /* lowering TPR wakes the vCPU */
    /* APR (§11.6.2.4): TPR when it is at least the IRR and above the ISR
     * class; else the highest class of the three. */
    ck_assert_uint_eq(vmp_lapic_apr(b.cpu[0]), 0x50);
    ck_assert_int_eq(vmp_lapic_ack(b.cpu[0]), 0x58);
    ck_assert_uint_eq(tb_rd(&b, 0, 0x90), 0x50);
    tb_wr(&b, 0, 0xB0, 0);
    ck_assert_uint_eq(tb_rd(&b, 0, 0x90), 0x40);
    tb_free(&b);
}
END_TEST

START_TEST(timer_oneshot)
{
    /* §11.5.4: the count decrements at the bus clock / divider; at zero
     * the timer LVT fires once. 1 GHz, divide by 1 (DCR 1011b). */
    struct tb b;
    tb_init(&b, 1, false, NULL);
    tb_enable(&b);
    tb_wr(&b, 0, 0x3E0, 0xB);
    tb_wr(&b, 0, 0x320, 0x30);
    tb_wr(&b, 0, 0x380, 1000);
    vmp_clock_advance(b.clock, 400);
    ck_assert_uint_eq(tb_rd(&b, 0, 0x390), 600);
    vmp_clock_advance(b.clock, 599);
    ck_assert(!vmp_lapic_irr_test(b.cpu[0], 0x30));
    vmp_clock_advance(b.clock, 1);
    ck_assert(vmp_lapic_irr_test(b.cpu[0], 0x30));
    ck_assert_uint_eq(tb_rd(&b, 0, 0x390), 0);
    ck_assert_int_eq(vmp_lapic_ack(b.cpu[0]), 0x30);
    tb_wr(&b, 0, 0xB0, 0);
    vmp_clock_advance(b.clock, 100000);
    ck_assert(!vmp_lapic_irr_test(b.cpu[0], 0x30));
    /* Divide by 16 (DCR 0011b): 100 counts take 1600 ns. */
    tb_wr(&b, 0, 0x3E0, 0x3);
    tb_wr(&b, 0, 0x380, 100);
    vmp_clock_advance(b.clock, 1599);
    ck_assert_uint_eq(tb_rd(&b, 0, 0x390), 1);
    vmp_clock_advance(b.clock, 1);
    ck_assert(vmp_lapic_irr_test(b.cpu[0], 0x30));
    /* Masked: counts but does not interrupt. Initial count 0 stops. */
    vmp_lapic_ack(b.cpu[0]);
    tb_wr(&b, 0, 0xB0, 0);
    tb_wr(&b, 0, 0x320, 0x10030);
    tb_wr(&b, 0, 0x380, 10);
    vmp_clock_advance(b.clock, 1000);
    ck_assert(!vmp_lapic_irr_test(b.cpu[0], 0x30));
    tb_wr(&b, 0, 0x380, 0);
    ck_assert_uint_eq(tb_rd(&b, 0, 0x390), 0);
    tb_free(&b);
}
END_TEST

START_TEST(timer_periodic)
{
    /* Periodic mode reloads the initial count (§11.5.4). Divide by 2
     * (DCR 0): 500 counts = 1000 ns. */
    struct tb b;
    tb_init(&b, 1, false, NULL);
    tb_enable(&b);
    tb_wr(&b, 0, 0x3E0, 0x0);
    tb_wr(&b, 0, 0x320, 0x20031);
    tb_wr(&b, 0, 0x380, 500);
    for (unsigned i = 1; i <= 5; i++) {
        vmp_clock_advance(b.clock, 999);
        ck_assert(!vmp_lapic_irr_test(b.cpu[0], 0x31));
        vmp_clock_advance(b.clock, 1);
        ck_assert(vmp_lapic_irr_test(b.cpu[0], 0x31));
        ck_assert_uint_eq(tb_rd(&b, 0, 0x390), 500);
        ck_assert_int_eq(vmp_lapic_ack(b.cpu[0]), 0x31);
        tb_wr(&b, 0, 0xB0, 0);
    }
    vmp_clock_advance(b.clock, 250);
    ck_assert_uint_eq(tb_rd(&b, 0, 0x390), 375);
    /* A divider change keeps the remaining count: 375 counts at /1. */
    tb_wr(&b, 0, 0x3E0, 0xB);
    vmp_clock_advance(b.clock, 374);
    ck_assert(!vmp_lapic_irr_test(b.cpu[0], 0x31));
    vmp_clock_advance(b.clock, 1);
    ck_assert(vmp_lapic_irr_test(b.cpu[0], 0x31));
    /* Switching to one-shot: the current period ends, no reload. */
    vmp_lapic_ack(b.cpu[0]);
    tb_wr(&b, 0, 0xB0, 0);
    tb_wr(&b, 0, 0x320, 0x00031);
    vmp_clock_advance(b.clock, 500);
    ck_assert(vmp_lapic_irr_test(b.cpu[0], 0x31));
    vmp_lapic_ack(b.cpu[0]);
    tb_wr(&b, 0, 0xB0, 0);
    vmp_clock_advance(b.clock, 5000);
    ck_assert(!vmp_lapic_irr_test(b.cpu[0], 0x31));
    tb_free(&b);
}
END_TEST

START_TEST(timer_period_floor)
{
    /* A 1-count periodic timer at 1 GHz would interrupt every ns; the
     * re-arm interval is floored at min_period_ns (default 100 us) so a
     * guest cannot stall the host. The first expiry is exact. */
    struct vmp_clock *clock = vmp_clock_create(NULL, NULL);
    struct vmp_env env = { .clock = clock };
    struct vmp_apic_bus *bus = vmp_apic_bus_create(&env);
    unsigned kicks = 0;
    struct vmp_lapic_cfg cfg = { .apic_id = 0, .bsp = true, .kick = tb_kick, .opaque = &kicks };
    struct vmp_lapic *l = vmp_lapic_create(&env, bus, &cfg);
    vmp_lapic_io_ops.write(l, 0xF0, 0x1FF, 4);
    vmp_lapic_io_ops.write(l, 0x3E0, 0xB, 4);
    vmp_lapic_io_ops.write(l, 0x320, 0x20040, 4);
    vmp_lapic_io_ops.write(l, 0x380, 1, 4);
    vmp_clock_advance(clock, 1);
    ck_assert(vmp_lapic_irr_test(l, 0x40));
    kicks = 0;
    vmp_clock_advance(clock, 1000000 - 1);
    ck_assert_uint_le(kicks, 10);
    ck_assert_uint_ge(kicks, 9);
    vmp_lapic_destroy(l);
    vmp_apic_bus_destroy(bus);
    vmp_clock_destroy(clock);
}
END_TEST

static uint64_t host_time(void *opaque) { return *(const uint64_t *)opaque; }

START_TEST(timer_periodic_late_catch_up)
{
    /* On a clock with a host source, a callback can run long after its
     * deadline (the VMM was descheduled). clock.h: late timers must catch
     * up from vmp_clock_now(). Periods missed meanwhile set the same IRR
     * bit (§11.8.4), so one interrupt stands for all of them; replaying
     * every period (a million here, 4096 per vmp_clock_run) would spin
     * the host for no visible effect. The phase of the period is kept. */
    uint64_t t = 0;
    struct vmp_clock *clock = vmp_clock_create(host_time, &t);
    struct vmp_env env = { .clock = clock };
    struct vmp_apic_bus *bus = vmp_apic_bus_create(&env);
    struct vmp_lapic_cfg cfg = { .apic_id = 0, .bsp = true, .min_period_ns = 1 };
    struct vmp_lapic *l = vmp_lapic_create(&env, bus, &cfg);
    vmp_lapic_io_ops.write(l, 0xF0, 0x1FF, 4);
    vmp_lapic_io_ops.write(l, 0x3E0, 0xB, 4);     /* divide by 1 */
    vmp_lapic_io_ops.write(l, 0x320, 0x20040, 4); /* periodic, vector 0x40 */
    vmp_lapic_io_ops.write(l, 0x380, 1000, 4);    /* 1 us at 1 GHz */
    t = 1000000000ull;                            /* 1 s late */
    ck_assert_uint_eq(vmp_clock_run(clock), 1);
    ck_assert(vmp_lapic_irr_test(l, 0x40));
    ck_assert_uint_eq(vmp_clock_run(clock), 0);
    ck_assert_uint_eq((uint32_t)vmp_lapic_io_ops.read(l, 0x390, 4), 1000);
    t += 500;
    ck_assert_uint_eq(vmp_clock_run(clock), 0);
    ck_assert_uint_eq((uint32_t)vmp_lapic_io_ops.read(l, 0x390, 4), 500);
    t += 500;
    ck_assert_uint_eq(vmp_clock_run(clock), 1);
    vmp_lapic_destroy(l);
    vmp_apic_bus_destroy(bus);
    vmp_clock_destroy(clock);
}
END_TEST

START_TEST(timer_tsc_deadline)
{
    /* §11.5.4.1: in TSC-deadline mode IA32_TSC_DEADLINE arms the timer,
     * 0 disarms, it reads 0 after firing; initial-count writes are
     * ignored. TSC 2 GHz by default: 2000 ticks = 1000 ns. */
    struct tb b;
    uint64_t v;
    tb_init(&b, 1, false, NULL);
    tb_enable(&b);
    /* Not in TSC-deadline mode: the MSR write is ignored. */
    ck_assert_int_eq(vmp_lapic_msr_write(b.cpu[0], VMP_MSR_TSC_DEADLINE, 100), 0);
    vmp_clock_advance(b.clock, 1000);
    ck_assert(!vmp_lapic_irr_test(b.cpu[0], 0x32));
    tb_wr(&b, 0, 0x320, 0x40032);
    tb_wr(&b, 0, 0x380, 1);
    vmp_clock_advance(b.clock, 100);
    ck_assert(!vmp_lapic_irr_test(b.cpu[0], 0x32));
    uint64_t tsc = vmp_ns_to_ticks(vmp_clock_now(b.clock), VMP_TSC_HZ_DEFAULT);
    ck_assert_int_eq(vmp_lapic_msr_write(b.cpu[0], VMP_MSR_TSC_DEADLINE, tsc + 2000), 0);
    ck_assert_int_eq(vmp_lapic_msr_read(b.cpu[0], VMP_MSR_TSC_DEADLINE, &v), 0);
    ck_assert_uint_eq(v, tsc + 2000);
    vmp_clock_advance(b.clock, 999);
    ck_assert(!vmp_lapic_irr_test(b.cpu[0], 0x32));
    vmp_clock_advance(b.clock, 1);
    ck_assert(vmp_lapic_irr_test(b.cpu[0], 0x32));
    vmp_lapic_msr_read(b.cpu[0], VMP_MSR_TSC_DEADLINE, &v);
    ck_assert_uint_eq(v, 0);
    vmp_lapic_ack(b.cpu[0]);
    tb_wr(&b, 0, 0xB0, 0);
    /* A deadline already passed fires at once. */
    vmp_lapic_msr_write(b.cpu[0], VMP_MSR_TSC_DEADLINE, 1);
    ck_assert(vmp_lapic_irr_test(b.cpu[0], 0x32));
    vmp_lapic_ack(b.cpu[0]);
    tb_wr(&b, 0, 0xB0, 0);
    /* Writing 0 disarms. */
    tsc = vmp_ns_to_ticks(vmp_clock_now(b.clock), VMP_TSC_HZ_DEFAULT);
    vmp_lapic_msr_write(b.cpu[0], VMP_MSR_TSC_DEADLINE, tsc + 10);
    vmp_lapic_msr_write(b.cpu[0], VMP_MSR_TSC_DEADLINE, 0);
    vmp_clock_advance(b.clock, 100);
    ck_assert(!vmp_lapic_irr_test(b.cpu[0], 0x32));
    /* Leaving TSC-deadline mode disarms too. */
    vmp_lapic_msr_write(b.cpu[0], VMP_MSR_TSC_DEADLINE, tsc + 1000);
    tb_wr(&b, 0, 0x320, 0x00032);
    vmp_clock_advance(b.clock, 10000);
    ck_assert(!vmp_lapic_irr_test(b.cpu[0], 0x32));
    tb_free(&b);
}
END_TEST

static uint64_t fixed_tsc(void *opaque) { return *(uint64_t *)opaque; }

START_TEST(timer_tsc_callback)
{
    /* The backend's TSC: the deadline distance is converted at tsc_hz. */
    struct vmp_clock *clock = vmp_clock_create(NULL, NULL);
    struct vmp_env env = { .clock = clock };
    struct vmp_apic_bus *bus = vmp_apic_bus_create(&env);
    uint64_t tsc = 1000000;
    struct vmp_lapic_cfg cfg = { .apic_id = 0, .bsp = true, .tsc_hz = 1000000000,
                                 .read_tsc = fixed_tsc, .opaque = &tsc };
    struct vmp_lapic *l = vmp_lapic_create(&env, bus, &cfg);
    vmp_lapic_io_ops.write(l, 0xF0, 0x1FF, 4);
    vmp_lapic_io_ops.write(l, 0x320, 0x40040, 4);
    vmp_lapic_msr_write(l, VMP_MSR_TSC_DEADLINE, 1000500);
    vmp_clock_advance(clock, 499);
    ck_assert(!vmp_lapic_irr_test(l, 0x40));
    vmp_clock_advance(clock, 1);
    ck_assert(vmp_lapic_irr_test(l, 0x40));
    vmp_lapic_ack(l);
    vmp_lapic_io_ops.write(l, 0xB0, 0, 4);
    /* The guest's TSC jumps back by 1000 ticks after arming: the deadline
     * is 1000 ns further away once the backend says so. */
    tsc = 2000000;
    vmp_lapic_msr_write(l, VMP_MSR_TSC_DEADLINE, 2000100);
    tsc = 1999000;
    vmp_lapic_tsc_changed(l);
    vmp_clock_advance(clock, 1099);
    ck_assert(!vmp_lapic_irr_test(l, 0x40));
    vmp_clock_advance(clock, 1);
    ck_assert(vmp_lapic_irr_test(l, 0x40));
    vmp_lapic_destroy(l);
    vmp_apic_bus_destroy(bus);
    vmp_clock_destroy(clock);
}
END_TEST

START_TEST(icr_delivery_modes)
{
    /* §11.6.1: fixed, lowest priority, NMI, INIT, start-up, each shorthand. */
    struct tb b;
    tb_init(&b, 3, false, NULL);
    tb_enable(&b);
    /* Fixed, physical destination 2. */
    tb_ipi(&b, 0, 2, 0x00045);
    ck_assert(vmp_lapic_irr_test(b.cpu[2], 0x45));
    ck_assert(!vmp_lapic_irr_test(b.cpu[1], 0x45));
    ck_assert(!(tb_rd(&b, 0, 0x300) & (1u << 12))); /* delivery status idle */
    /* Delivery status is read-only; reserved bits 13, 16-17, 20-31 too. */
    tb_ipi(&b, 0, 2, 0xFFF3F045);
    ck_assert_uint_eq(tb_rd(&b, 0, 0x300), 0x0000C045);
    ck_assert_uint_eq(tb_rd(&b, 0, 0x310), 2u << 24);
    /* Lowest priority among 1 and 2 (physical broadcast, all but self):
     * CPU 2 has 0x45 pending (APR 0x40), CPU 1 wins. */
    tb_ipi(&b, 0, 0, 0xC0146);
    ck_assert(vmp_lapic_irr_test(b.cpu[1], 0x46));
    ck_assert(!vmp_lapic_irr_test(b.cpu[2], 0x46));
    /* NMI. */
    tb_ipi(&b, 0, 1, 0x00400);
    ck_assert(vmp_lapic_take_nmi(b.cpu[1]));
    ck_assert(!vmp_lapic_take_nmi(b.cpu[1]));
    ck_assert(!vmp_lapic_take_nmi(b.cpu[2]));
    /* INIT (level assert) resets the APIC (§11.4.7.3) and the vCPU waits
     * for SIPI; the INIT level de-assert is a no-op. */
    tb_wr(&b, 1, 0x80, 0x20);
    tb_ipi(&b, 0, 1, 0x04500);
    ck_assert(vmp_lapic_take_init(b.cpu[1]));
    ck_assert(!vmp_lapic_take_init(b.cpu[1]));
    ck_assert_uint_eq(tb_rd(&b, 1, 0x80), 0);
    ck_assert_uint_eq(tb_rd(&b, 1, 0xF0), 0xFF);
    ck_assert(!vmp_lapic_irr_test(b.cpu[1], 0x46));
    ck_assert_uint_eq(tb_rd(&b, 1, 0x20), 1u << 24);
    tb_ipi(&b, 0, 1, 0x08500);
    ck_assert(!vmp_lapic_take_init(b.cpu[1]));
    /* Start-up: the vector; a second SIPI is ignored once taken. */
    tb_ipi(&b, 0, 1, 0x0069A);
    tb_ipi(&b, 0, 1, 0x0069B);
    ck_assert_int_eq(vmp_lapic_take_sipi(b.cpu[1]), 0x9A);
    tb_ipi(&b, 0, 1, 0x0069C);
    ck_assert_int_eq(vmp_lapic_take_sipi(b.cpu[1]), -ENOENT);
    /* The BSP is not waiting for SIPI. */
    tb_ipi(&b, 1, 0, 0x0069A);
    ck_assert_int_eq(vmp_lapic_take_sipi(b.cpu[0]), -ENOENT);
    tb_enable(&b);
    /* Shorthands: self, all including self, all excluding self. */
    tb_ipi(&b, 1, 0, 0x40050);
    ck_assert(vmp_lapic_irr_test(b.cpu[1], 0x50));
    ck_assert(!vmp_lapic_irr_test(b.cpu[0], 0x50));
    tb_ipi(&b, 1, 0, 0x80051);
    for (unsigned i = 0; i < 3; i++)
        ck_assert(vmp_lapic_irr_test(b.cpu[i], 0x51));
    tb_ipi(&b, 1, 0, 0xC0052);
    ck_assert(vmp_lapic_irr_test(b.cpu[0], 0x52));
    ck_assert(!vmp_lapic_irr_test(b.cpu[1], 0x52));
    ck_assert(vmp_lapic_irr_test(b.cpu[2], 0x52));
    /* IPIs are edge: TMR stays clear. */
    ck_assert(!vmp_lapic_tmr_test(b.cpu[2], 0x52));
    tb_free(&b);
}
END_TEST

START_TEST(esr_errors)
{
    /* §11.5.3: send illegal vector (bit 5), receive illegal vector (bit 6),
     * illegal register address (bit 7); ESR reads what the last write
     * latched; a new error raises the error LVT. */
    struct tb b;
    tb_init(&b, 2, false, NULL);
    tb_enable(&b);
    tb_wr(&b, 0, 0x370, 0xEE);
    tb_ipi(&b, 0, 1, 0x0000F);
    ck_assert(!vmp_lapic_irr_test(b.cpu[1], 0x0F));
    ck_assert_uint_eq(tb_rd(&b, 0, 0x280), 0);
    tb_wr(&b, 0, 0x280, 0);
    ck_assert_uint_eq(tb_rd(&b, 0, 0x280), 0x20);
    ck_assert(vmp_lapic_irr_test(b.cpu[0], 0xEE));
    /* A timer LVT with vector 5: receive illegal vector. */
    tb_wr(&b, 0, 0x320, 0x05);
    tb_wr(&b, 0, 0x3E0, 0xB);
    tb_wr(&b, 0, 0x380, 10);
    vmp_clock_advance(b.clock, 10);
    tb_wr(&b, 0, 0x280, 0);
    ck_assert_uint_eq(tb_rd(&b, 0, 0x280), 0x40);
    /* A reserved register. */
    (void)tb_rd(&b, 0, 0x40);
    tb_wr(&b, 0, 0x280, 0);
    ck_assert_uint_eq(tb_rd(&b, 0, 0x280), 0x80);
    tb_wr(&b, 0, 0x280, 0);
    ck_assert_uint_eq(tb_rd(&b, 0, 0x280), 0);
    tb_free(&b);
}
END_TEST

START_TEST(software_disable)
{
    /* §11.4.7.2: a software-disabled APIC drops fixed interrupts, keeps
     * LVTs masked, still takes NMI and INIT. */
    struct tb b;
    tb_init(&b, 2, false, NULL);
    tb_wr(&b, 0, 0xF0, 0x1FF);
    tb_ipi(&b, 0, 1, 0x00060);
    ck_assert(!vmp_lapic_irr_test(b.cpu[1], 0x60));
    tb_wr(&b, 1, 0x350, 0x00030);
    ck_assert_uint_eq(tb_rd(&b, 1, 0x350), 0x10030);
    tb_ipi(&b, 0, 1, 0x00400);
    ck_assert(vmp_lapic_take_nmi(b.cpu[1]));
    tb_wr(&b, 1, 0xF0, 0x1FF);
    tb_wr(&b, 1, 0x350, 0x00030);
    ck_assert_uint_eq(tb_rd(&b, 1, 0x350), 0x00030);
    tb_wr(&b, 1, 0xF0, 0x0FF); /* disabling masks every LVT */
    ck_assert_uint_eq(tb_rd(&b, 1, 0x350), 0x10030);
    tb_free(&b);
}
END_TEST

START_TEST(lint_pins)
{
    /* §11.5.1: LINT0 as ExtINT takes its vector from the 8259A; LINT1 as
     * NMI; a fixed level LINT sets Remote IRR until EOI. */
    struct tb b;
    tb_init(&b, 1, false, NULL);
    tb_enable(&b);
    struct vmp_irq_line *intr = vmp_irq_line_create("intr");
    struct vmp_pic *pic = vmp_pic_create(NULL, vmp_irq_line_source(intr));
    vmp_irq_line_add_sink(intr, vmp_apic_bus_set_lint, b.bus, 0);
    vmp_apic_bus_set_extint(b.bus, vmp_pic_extint_ack, pic);
    static const uint8_t init[] = { 0x11, 0x08, 0x04, 0x01 };
    for (unsigned i = 0; i < 4; i++)
        vmp_pic_master_io_ops.write(pic, i ? 1 : 0, init[i], 1);
    vmp_pic_set_irq(pic, 1, true);
    ck_assert(!vmp_lapic_has_interrupt(b.cpu[0], TB_IF)); /* LINT0 masked */
    tb_wr(&b, 0, 0x350, 0x700);
    ck_assert(vmp_lapic_has_interrupt(b.cpu[0], TB_IF));
    ck_assert_int_eq(vmp_lapic_ack(b.cpu[0]), 0x09);
    ck_assert(!vmp_lapic_has_interrupt(b.cpu[0], TB_IF));
    /* LINT1 NMI on the rising edge. */
    tb_wr(&b, 0, 0x360, 0x400);
    vmp_lapic_set_lint(b.cpu[0], 1, true);
    ck_assert(vmp_lapic_take_nmi(b.cpu[0]));
    vmp_lapic_set_lint(b.cpu[0], 1, true);
    ck_assert(!vmp_lapic_take_nmi(b.cpu[0]));
    /* LINT1 fixed, level: one delivery until EOI, then again if high. */
    vmp_lapic_set_lint(b.cpu[0], 1, false);
    tb_wr(&b, 0, 0x360, 0x8070);
    vmp_lapic_set_lint(b.cpu[0], 1, true);
    ck_assert(tb_rd(&b, 0, 0x360) & (1u << 14));
    ck_assert(vmp_lapic_tmr_test(b.cpu[0], 0x70));
    ck_assert_int_eq(vmp_lapic_ack(b.cpu[0]), 0x70);
    ck_assert(!vmp_lapic_irr_test(b.cpu[0], 0x70));
    tb_wr(&b, 0, 0xB0, 0);
    ck_assert(vmp_lapic_irr_test(b.cpu[0], 0x70));
    /* With the APIC globally disabled, the PIC's INTR reaches the core. */
    vmp_pic_master_io_ops.write(pic, 0, 0x20, 1); /* EOI IRQ1 at the PIC */
    vmp_lapic_msr_write(b.cpu[0], VMP_MSR_APIC_BASE, 0xFEE00100);
    vmp_pic_set_irq(pic, 3, true);
    ck_assert(vmp_lapic_has_interrupt(b.cpu[0], TB_IF));
    ck_assert_int_eq(vmp_lapic_ack(b.cpu[0]), 0x0B);
    vmp_pic_destroy(pic);
    vmp_irq_line_destroy(intr);
    tb_free(&b);
}
END_TEST

/* irq.h lifetime rule: the bus calls the ExtINT source from vmp_lapic_ack
 * (§11.5.1 ExtINT: the vector comes from the 8259A). After
 * vmp_apic_bus_set_extint(bus, NULL, NULL) the PIC can be destroyed while
 * the LAPIC lives on: an ExtINT still asserted on LINT0 is acknowledged
 * with -ENOENT instead of calling into the freed PIC (ASan would catch
 * that in the SANITIZE=1 build). */
START_TEST(extint_detach)
{
    struct tb b;
    tb_init(&b, 1, false, NULL);
    tb_enable(&b);
    struct vmp_irq_line *intr = vmp_irq_line_create("intr");
    struct vmp_pic *pic = vmp_pic_create(NULL, vmp_irq_line_source(intr));
    vmp_irq_line_add_sink(intr, vmp_apic_bus_set_lint, b.bus, 0);
    vmp_apic_bus_set_extint(b.bus, vmp_pic_extint_ack, pic);
    static const uint8_t init[] = { 0x11, 0x08, 0x04, 0x01 };
    for (unsigned i = 0; i < 4; i++)
        vmp_pic_master_io_ops.write(pic, i ? 1 : 0, init[i], 1);
    tb_wr(&b, 0, 0x350, 0x700); /* LINT0 unmasked, ExtINT */
    vmp_pic_set_irq(pic, 1, true);
    ck_assert(vmp_lapic_has_interrupt(b.cpu[0], TB_IF)); /* INTR high on LINT0 */
    vmp_apic_bus_set_extint(b.bus, NULL, NULL);
    vmp_pic_destroy(pic);
    ck_assert_int_eq(vmp_lapic_ack(b.cpu[0]), -ENOENT);
    vmp_irq_line_destroy(intr);
    tb_free(&b);
}
END_TEST

START_TEST(x2apic_registers)
{
    /* §11.12: x2APIC mode through IA32_APIC_BASE.EXTD, MSR access 0x800+,
     * 32-bit IDs, derived LDR, 64-bit ICR, self IPI, #GP cases. */
    uint32_t ids[2] = { 0x12345, 0x12346 };
    uint64_t v;
    struct tb b;
    tb_init(&b, 2, true, ids);
    ck_assert_int_eq(vmp_lapic_msr_read(b.cpu[0], 0x802, &v), -EINVAL); /* xAPIC mode */
    /* Disabled -> x2APIC directly is invalid (§11.12.5). */
    ck_assert_int_eq(vmp_lapic_msr_write(b.cpu[1], VMP_MSR_APIC_BASE, 0xFEE00000), 0);
    ck_assert_int_eq(vmp_lapic_msr_write(b.cpu[1], VMP_MSR_APIC_BASE, 0xFEE00C00), -EINVAL);
    ck_assert_int_eq(vmp_lapic_msr_write(b.cpu[1], VMP_MSR_APIC_BASE, 0xFEE00400), -EINVAL);
    for (unsigned i = 0; i < 2; i++) {
        ck_assert_int_eq(vmp_lapic_msr_write(b.cpu[i], VMP_MSR_APIC_BASE, 0xFEE00800), 0);
        ck_assert_int_eq(vmp_lapic_msr_write(b.cpu[i], VMP_MSR_APIC_BASE, 0xFEE00C00), 0);
    }
    /* BSP bit is read-only. */
    vmp_lapic_msr_read(b.cpu[0], VMP_MSR_APIC_BASE, &v);
    ck_assert_uint_eq(v, 0xFEE00D00);
    ck_assert_uint_eq(vmp_lapic_mmio_base(b.cpu[0]), UINT64_MAX);
    ck_assert_uint_eq(vmp_lapic_io_ops.read(b.cpu[0], 0x30, 4), 0xFFFFFFFF);
    /* x2APIC -> xAPIC directly is invalid. */
    ck_assert_int_eq(vmp_lapic_msr_write(b.cpu[0], VMP_MSR_APIC_BASE, 0xFEE00900), -EINVAL);
    ck_assert_int_eq(vmp_lapic_msr_read(b.cpu[0], 0x802, &v), 0);
    ck_assert_uint_eq(v, 0x12345);
    ck_assert_int_eq(vmp_lapic_msr_read(b.cpu[0], 0x80D, &v), 0);
    ck_assert_uint_eq(v, (0x12345u >> 4) << 16 | 1u << 5);
    /* Read-only and absent registers fault. */
    ck_assert_int_ne(vmp_lapic_msr_write(b.cpu[0], 0x802, 1), 0);
    ck_assert_int_ne(vmp_lapic_msr_write(b.cpu[0], 0x80D, 1), 0);
    ck_assert_int_ne(vmp_lapic_msr_read(b.cpu[0], 0x80E, &v), 0); /* no DFR */
    ck_assert_int_ne(vmp_lapic_msr_read(b.cpu[0], 0x831, &v), 0); /* no ICR high */
    ck_assert_int_ne(vmp_lapic_msr_read(b.cpu[0], 0x83F, &v), 0); /* self IPI is WO */
    ck_assert_int_ne(vmp_lapic_msr_write(b.cpu[0], 0x808, 0x100), 0); /* TPR rsvd */
    ck_assert_int_ne(vmp_lapic_msr_write(b.cpu[0], 0x80B, 1), 0);     /* EOI nonzero */
    ck_assert_int_eq(vmp_lapic_msr_write(b.cpu[0], 0x80F, 0x1FF), 0);
    ck_assert_int_eq(vmp_lapic_msr_write(b.cpu[1], 0x80F, 0x1FF), 0);
    /* 64-bit ICR with a 32-bit destination. */
    ck_assert_int_eq(vmp_lapic_msr_write(b.cpu[0], 0x830, (uint64_t)0x12346 << 32 | 0x61), 0);
    ck_assert(vmp_lapic_irr_test(b.cpu[1], 0x61));
    ck_assert_int_eq(vmp_lapic_msr_read(b.cpu[0], 0x830, &v), 0);
    ck_assert_uint_eq(v, (uint64_t)0x12346 << 32 | 0x61);
    /* Broadcast 0xFFFFFFFF. */
    vmp_lapic_msr_write(b.cpu[0], 0x830, (uint64_t)0xFFFFFFFF << 32 | 0x62);
    ck_assert(vmp_lapic_irr_test(b.cpu[0], 0x62));
    ck_assert(vmp_lapic_irr_test(b.cpu[1], 0x62));
    /* Self IPI. */
    ck_assert_int_eq(vmp_lapic_msr_write(b.cpu[1], 0x83F, 0x63), 0);
    ck_assert(vmp_lapic_irr_test(b.cpu[1], 0x63));
    ck_assert(!vmp_lapic_irr_test(b.cpu[0], 0x63));
    ck_assert_int_eq(vmp_lapic_ack(b.cpu[1]), 0x63);
    ck_assert_int_eq(vmp_lapic_msr_write(b.cpu[1], 0x80B, 0), 0);
    ck_assert(!vmp_lapic_isr_test(b.cpu[1], 0x63));
    ck_assert_int_eq(vmp_lapic_msr_read(b.cpu[1], 0x808, &v), 0);
    /* Leaving via disable: back to xAPIC reset state with the 8-bit ID. */
    ck_assert_int_eq(vmp_lapic_msr_write(b.cpu[1], VMP_MSR_APIC_BASE, 0xFEE00000), 0);
    ck_assert_int_eq(vmp_lapic_msr_write(b.cpu[1], VMP_MSR_APIC_BASE, 0xFEE00800), 0);
    ck_assert_uint_eq(tb_rd(&b, 1, 0x20), 0x46u << 24);
    ck_assert(!vmp_lapic_irr_test(b.cpu[1], 0x61));
    /* Without x2APIC support EXTD faults; reserved bits fault. */
    struct tb c;
    tb_init(&c, 1, false, NULL);
    ck_assert_int_eq(vmp_lapic_msr_write(c.cpu[0], VMP_MSR_APIC_BASE, 0xFEE00D00), -EINVAL);
    ck_assert_int_eq(vmp_lapic_msr_write(c.cpu[0], VMP_MSR_APIC_BASE, 0xFEE00901), -EINVAL);
    /* Relocating the xAPIC page. */
    ck_assert_int_eq(vmp_lapic_msr_write(c.cpu[0], VMP_MSR_APIC_BASE, 0xFED00900), 0);
    ck_assert_uint_eq(vmp_lapic_mmio_base(c.cpu[0]), 0xFED00000);
    tb_free(&c);
    tb_free(&b);
}
END_TEST

START_TEST(xapic_register_access)
{
    /* Writable and read-only registers through MMIO (§11.4.1 table 11-1). */
    struct tb b;
    tb_init(&b, 1, false, NULL);
    tb_wr(&b, 0, 0x20, 0x07000000);
    ck_assert_uint_eq(tb_rd(&b, 0, 0x20), 0x07000000);
    ck_assert_uint_eq(vmp_lapic_id(b.cpu[0]), 7);
    tb_wr(&b, 0, 0x30, 0);
    ck_assert_uint_eq(tb_rd(&b, 0, 0x30), 0x00050014);
    tb_wr(&b, 0, 0xD0, 0x12345678);
    ck_assert_uint_eq(tb_rd(&b, 0, 0xD0), 0x12000000);
    tb_wr(&b, 0, 0xE0, 0x0);
    ck_assert_uint_eq(tb_rd(&b, 0, 0xE0), 0x0FFFFFFF);
    tb_wr(&b, 0, 0x3E0, 0xFF);
    ck_assert_uint_eq(tb_rd(&b, 0, 0x3E0), 0xB);
    tb_wr(&b, 0, 0xF0, 0xFFFFFFFF);
    ck_assert_uint_eq(tb_rd(&b, 0, 0xF0), 0x3FF);
    tb_wr(&b, 0, 0x320, 0xFFFFFFFF);
    /* Timer LVT: vector, mask, mode (the reserved mode 3 reads as 1
     * one-shot here: bits 18:17 = 11b is not a mode). */
    ck_assert_uint_eq(tb_rd(&b, 0, 0x320), 0x100FF);
    tb_wr(&b, 0, 0x350, 0xFFFFFFFF);
    ck_assert_uint_eq(tb_rd(&b, 0, 0x350), 0x1A7FF);
    /* Unaligned or narrow writes are dropped. */
    vmp_lapic_io_ops.write(b.cpu[0], 0x81, 0xFF, 1);
    vmp_lapic_io_ops.write(b.cpu[0], 0x80, 0xFF, 2);
    ck_assert_uint_eq(tb_rd(&b, 0, 0x80), 0);
    tb_free(&b);
}
END_TEST

START_TEST(logical_destinations)
{
    /* §11.6.2.2: flat model (DFR 0xF) matches any common LDR bit; cluster
     * model (DFR 0x0) matches the cluster in bits 7:4 and a member bit. */
    struct tb b;
    tb_init(&b, 4, false, NULL);
    tb_enable(&b);
    for (unsigned i = 0; i < 4; i++)
        tb_wr(&b, i, 0xD0, (1u << i) << 24);
    tb_ipi(&b, 0, 0x05, 0x00840); /* logical, fixed */
    ck_assert(vmp_lapic_irr_test(b.cpu[0], 0x40));
    ck_assert(!vmp_lapic_irr_test(b.cpu[1], 0x40));
    ck_assert(vmp_lapic_irr_test(b.cpu[2], 0x40));
    ck_assert(!vmp_lapic_irr_test(b.cpu[3], 0x40));
    /* Cluster: CPUs 0,1 in cluster 1, CPUs 2,3 in cluster 2. */
    static const uint8_t ldr[4] = { 0x11, 0x12, 0x21, 0x22 };
    for (unsigned i = 0; i < 4; i++) {
        tb_wr(&b, i, 0xE0, 0x0FFFFFFF);
        tb_wr(&b, i, 0xD0, (uint32_t)ldr[i] << 24);
    }
    tb_ipi(&b, 0, 0x23, 0x00841);
    ck_assert(!vmp_lapic_irr_test(b.cpu[0], 0x41));
    ck_assert(!vmp_lapic_irr_test(b.cpu[1], 0x41));
    ck_assert(vmp_lapic_irr_test(b.cpu[2], 0x41));
    ck_assert(vmp_lapic_irr_test(b.cpu[3], 0x41));
    tb_ipi(&b, 0, 0x12, 0x00842);
    ck_assert(vmp_lapic_irr_test(b.cpu[1], 0x42));
    ck_assert(!vmp_lapic_irr_test(b.cpu[3], 0x42));
    /* 0xFF is a broadcast. */
    tb_ipi(&b, 0, 0xFF, 0x00843);
    for (unsigned i = 0; i < 4; i++)
        ck_assert(vmp_lapic_irr_test(b.cpu[i], 0x43));
    /* Lowest priority within a logical set: CPU 3 has a lower APR. */
    tb_wr(&b, 2, 0x80, 0x50); /* both have 0x41/0x43 pending: APR 0x40 vs 0x50 */
    tb_ipi(&b, 0, 0x23, 0x00944);
    ck_assert(!vmp_lapic_irr_test(b.cpu[2], 0x44));
    ck_assert(vmp_lapic_irr_test(b.cpu[3], 0x44));
    tb_free(&b);
}
END_TEST

START_TEST(x2apic_logical)
{
    /* §11.12.10.2: x2APIC logical ID = cluster (ID[19:4]) << 16 | bit. */
    uint32_t ids[4] = { 0, 1, 16, 17 };
    struct tb b;
    tb_init(&b, 4, true, ids);
    for (unsigned i = 0; i < 4; i++) {
        vmp_lapic_msr_write(b.cpu[i], VMP_MSR_APIC_BASE, 0xFEE00C00 | (i ? 0 : 0x100));
        vmp_lapic_msr_write(b.cpu[i], 0x80F, 0x1FF);
    }
    vmp_lapic_msr_write(b.cpu[0], 0x830, (uint64_t)0x00000003 << 32 | 0x850);
    ck_assert(vmp_lapic_irr_test(b.cpu[0], 0x50));
    ck_assert(vmp_lapic_irr_test(b.cpu[1], 0x50));
    ck_assert(!vmp_lapic_irr_test(b.cpu[2], 0x50));
    vmp_lapic_msr_write(b.cpu[0], 0x830, (uint64_t)0x00010002 << 32 | 0x851);
    ck_assert(!vmp_lapic_irr_test(b.cpu[2], 0x51));
    ck_assert(vmp_lapic_irr_test(b.cpu[3], 0x51));
    /* Physical 17. */
    vmp_lapic_msr_write(b.cpu[0], 0x830, (uint64_t)17 << 32 | 0x52);
    ck_assert(vmp_lapic_irr_test(b.cpu[3], 0x52));
    ck_assert(!vmp_lapic_irr_test(b.cpu[1], 0x52));
    /* Lowest priority inside cluster 1: ID 16 is at TPR 0x80. */
    vmp_lapic_msr_write(b.cpu[2], 0x808, 0x80);
    vmp_lapic_msr_write(b.cpu[0], 0x830, (uint64_t)0x00010003 << 32 | 0x953);
    ck_assert(!vmp_lapic_irr_test(b.cpu[2], 0x53));
    ck_assert(vmp_lapic_irr_test(b.cpu[3], 0x53));
    /* Shorthand all-but-self through the x2APIC ICR. */
    vmp_lapic_msr_write(b.cpu[1], 0x830, 0xC0054);
    for (unsigned i = 0; i < 4; i++)
        ck_assert(vmp_lapic_irr_test(b.cpu[i], 0x54) == (i != 1));
    /* IOAPIC-style 8-bit messages still reach x2APIC-mode LAPICs: physical
     * ID 1, and 0xFF as broadcast. */
    struct vmp_msi_sink msi = vmp_apic_bus_msi_sink(b.bus);
    vmp_msi_send(&msi, 0xFEE01000, 0x55);
    ck_assert(vmp_lapic_irr_test(b.cpu[1], 0x55) && !vmp_lapic_irr_test(b.cpu[0], 0x55));
    vmp_msi_send(&msi, 0xFEEFF000, 0x56);
    for (unsigned i = 0; i < 4; i++)
        ck_assert(vmp_lapic_irr_test(b.cpu[i], 0x56));
    tb_free(&b);
}
END_TEST

START_TEST(msi_decode)
{
    /* §11.11.1-2: address 0xFEE, destination 19:12, RH bit 3, DM bit 2;
     * data vector 7:0, delivery mode 10:8, level 14, trigger 15. */
    struct vmp_apic_msg m;
    ck_assert_int_eq(vmp_msi_decode(0xFEE03000, 0x0041, &m), 0);
    ck_assert_uint_eq(m.dest, 3);
    ck_assert_uint_eq(m.vector, 0x41);
    ck_assert(!m.logical && !m.lowpri && !m.level && m.assert);
    ck_assert_int_eq(vmp_msi_decode(0xFEE0F00C, 0xC042, &m), 0);
    ck_assert(m.logical && m.lowpri && m.level && m.assert);
    ck_assert_int_eq(vmp_msi_decode(0xFEE0F008, 0x8042, &m), 0);
    ck_assert(!m.logical && !m.lowpri); /* RH with DM=0: one processor */
    ck_assert(m.level && !m.assert);
    ck_assert_int_eq(vmp_msi_decode(0xFEE00000, 0x0100, &m), 0);
    ck_assert_uint_eq(m.mode, VMP_APIC_DM_LOWPRI);
    ck_assert(m.lowpri);
    ck_assert_int_eq(vmp_msi_decode(0xFED00000, 0x41, &m), -EINVAL);
    ck_assert_int_eq(vmp_msi_decode(0x1FEE00000ull, 0x41, &m), -EINVAL);
    ck_assert_int_eq(vmp_msi_decode(0xFEE00000, 0x341, &m), -EINVAL);
    /* Delivery through the bus's sink. */
    struct tb b;
    tb_init(&b, 2, false, NULL);
    tb_enable(&b);
    struct vmp_msi_sink s = vmp_apic_bus_msi_sink(b.bus);
    vmp_msi_send(&s, 0xFEE01000, 0x0055);
    ck_assert(vmp_lapic_irr_test(b.cpu[1], 0x55));
    vmp_msi_send(&s, 0xFEE01000, 0x8056); /* level de-assert: no interrupt */
    ck_assert(!vmp_lapic_irr_test(b.cpu[1], 0x56));
    vmp_msi_send(&s, 0xFEE01000, 0xC056);
    ck_assert(vmp_lapic_irr_test(b.cpu[1], 0x56) && vmp_lapic_tmr_test(b.cpu[1], 0x56));
    vmp_msi_send(&s, 0xFEE01000, 0x0400);
    ck_assert(vmp_lapic_take_nmi(b.cpu[1]));
    /* Logical with redirection hint: lowest priority among LDR 1 and 2. */
    tb_wr(&b, 0, 0xD0, 0x01000000);
    tb_wr(&b, 1, 0xD0, 0x02000000);
    tb_wr(&b, 1, 0x80, 0x70);
    vmp_msi_send(&s, 0xFEE0300C, 0x0057);
    ck_assert(vmp_lapic_irr_test(b.cpu[0], 0x57));
    ck_assert(!vmp_lapic_irr_test(b.cpu[1], 0x57));
    /* Without the hint both get it. */
    vmp_msi_send(&s, 0xFEE03004, 0x0058);
    ck_assert(vmp_lapic_irr_test(b.cpu[0], 0x58) && vmp_lapic_irr_test(b.cpu[1], 0x58));
    tb_free(&b);
}
END_TEST

static int save_fn(const void *m, struct vmp_state_writer *w) { return vmp_lapic_save(m, w); }
static int load_fn(void *m, struct vmp_state_reader *r) { return vmp_lapic_load(m, r); }

START_TEST(save_load)
{
    struct tb a, b;
    tb_init(&a, 1, true, NULL);
    tb_init(&b, 1, true, NULL);
    tb_enable(&a);
    tb_wr(&a, 0, 0x3E0, 0xB);
    tb_wr(&a, 0, 0x320, 0x20033);
    tb_wr(&a, 0, 0x380, 1000);
    tb_wr(&a, 0, 0x80, 0x10);
    tb_ipi(&a, 0, 0, 0x40070);
    vmp_lapic_ack(a.cpu[0]);
    tb_ipi(&a, 0, 0, 0x40060);
    vmp_clock_advance(a.clock, 300);
    vmp_clock_advance(b.clock, 300);
    ck_assert_int_eq(test_roundtrip(a.cpu[0], b.cpu[0], save_fn, load_fn), 0);
    ck_assert_uint_eq(tb_rd(&b, 0, 0x390), 700);
    ck_assert(vmp_lapic_isr_test(b.cpu[0], 0x70));
    ck_assert(vmp_lapic_irr_test(b.cpu[0], 0x60));
    ck_assert_uint_eq(tb_rd(&b, 0, 0x80), 0x10);
    vmp_clock_advance(b.clock, 700);
    ck_assert(vmp_lapic_irr_test(b.cpu[0], 0x33));
    ck_assert_uint_eq(test_truncations_loaded(a.cpu[0], b.cpu[0], save_fn, load_fn), 0);
    /* x2APIC state loads only where x2APIC is supported. */
    vmp_lapic_msr_write(a.cpu[0], VMP_MSR_APIC_BASE, 0xFEE00D00);
    struct tb c;
    tb_init(&c, 1, false, NULL);
    ck_assert_int_ne(test_roundtrip(a.cpu[0], c.cpu[0], save_fn, load_fn), 0);
    ck_assert_uint_eq(vmp_lapic_apic_base(c.cpu[0]), 0xFEE00900);
    tb_free(&c);
    tb_free(&a);
    tb_free(&b);
}
END_TEST

Suite *lapic_suite(void)
{
    Suite *s = suite_create("lapic");
    TCase *tc = tcase_create("lapic");
    tcase_add_test(tc, reset_state);
    tcase_add_test(tc, priority_classes);
    tcase_add_test(tc, tpr_ppr_cr8);
    tcase_add_test(tc, timer_oneshot);
    tcase_add_test(tc, timer_periodic);
    tcase_add_test(tc, timer_period_floor);
    tcase_add_test(tc, timer_periodic_late_catch_up);
    tcase_add_test(tc, timer_tsc_deadline);
    tcase_add_test(tc, timer_tsc_callback);
    tcase_add_test(tc, icr_delivery_modes);
    tcase_add_test(tc, esr_errors);
    tcase_add_test(tc, software_disable);
    tcase_add_test(tc, lint_pins);
    tcase_add_test(tc, x2apic_registers);
    tcase_add_test(tc, xapic_register_access);
    tcase_add_test(tc, logical_destinations);
    tcase_add_test(tc, x2apic_logical);
    tcase_add_test(tc, msi_decode);
    tcase_add_test(tc, extint_detach);
    tcase_add_test(tc, save_load);
    suite_add_tcase(s, tc);
    return s;
}
